//! Glue between the WIT types and [`Rule`]s; used by [`export_rules!`](crate::export_rules).

use std::collections::BTreeMap;

use crate::bindings::rewheel::rule::types::{self as wit, Finding, Resource, RuleMeta, RuleOption, RuleOptions};
use crate::object::{Chart, Known, Object, Provenance};
use crate::origin::Decided;
use crate::rule::{Options, Report, Rule};

/// The WIT metadata of `rules`.
pub fn metas(rules: &[&dyn Rule]) -> Vec<RuleMeta> {
    rules
        .iter()
        .map(|rule| {
            let m = rule.meta();
            RuleMeta {
                id: m.id.into(),
                component: m.component.into(),
                category: m.category,
                default_severity: m.severity,
                summary: m.summary.into(),
                replace_with: m.replace_with.into(),
                sources: m.sources.iter().map(|s| s.to_string()).collect(),
                kinds: m.kinds.iter().map(|s| s.to_string()).collect(),
                scope: m.scope,
                supersedes: m.supersedes.iter().map(|s| s.to_string()).collect(),
                docs: m.docs.into(),
                options: m
                    .options
                    .iter()
                    .map(|o| RuleOption { name: o.name.into(), description: o.description.into() })
                    .collect(),
            }
        })
        .collect()
}

/// Parse the batch once, run each rule named in `ids` on the objects of its
/// kinds with its configured options and the run's charts. Bad option values
/// fail the call, naming the option; so does an id no rule carries.
pub fn check(
    rules: &[&dyn Rule],
    ids: &[String],
    resources: Vec<Resource>,
    options: Vec<RuleOptions>,
    charts: Vec<wit::Chart>,
) -> Result<Vec<Finding>, String> {
    let named: Vec<&dyn Rule> = rules.iter().copied().filter(|r| ids.iter().any(|id| id == r.meta().id)).collect();
    if let Some(unknown) = ids.iter().find(|id| !rules.iter().any(|r| r.meta().id == id.as_str())) {
        return Err(format!("asked to run rule {unknown:?}, which this component does not carry"));
    }
    let rules = named.as_slice();
    let objects =
        resources.into_iter().enumerate().map(|(i, r)| to_object(i as u32, r)).collect::<Result<Vec<_>, _>>()?;
    let mut configured: BTreeMap<String, Options> = BTreeMap::new();
    for o in options {
        let parsed = Options::from_json(&o.options).map_err(|e| format!("rule {:?}: {e}", o.rule))?;
        configured.insert(o.rule, parsed);
    }
    // Every configured value is checked against its declared type first, so a
    // wrong type fails the same way whatever objects the batch holds.
    let mut bad = Vec::new();
    for rule in rules {
        let meta = rule.meta();
        let Some(options) = configured.get(meta.id) else { continue };
        for declared in meta.options {
            if let Some(value) = options.get(declared.name).filter(|v| !declared.kind.accepts(v)) {
                bad.push(format!(
                    "option {:?} of rule {:?} must be {}, not {value}",
                    declared.name,
                    meta.id,
                    declared.kind.describe()
                ));
            }
        }
    }
    if !bad.is_empty() {
        return Err(bad.join("; "));
    }
    let charts: std::rc::Rc<[Chart]> = charts.into_iter().map(to_chart).collect();
    let (findings, errors) = crate::memo::during(&objects, || run_rules(rules, &objects, &configured, &charts));
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    Ok(findings)
}

/// Every rule on the objects of its kinds: the findings, and the rules' errors.
fn run_rules(
    rules: &[&dyn Rule],
    objects: &[Object],
    configured: &BTreeMap<String, Options>,
    charts: &std::rc::Rc<[Chart]>,
) -> (Vec<Finding>, Vec<String>) {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for rule in rules {
        let meta = rule.meta();
        let wanted: Vec<&Object> = objects.iter().filter(|o| meta.wants(&o.kind)).collect();
        if wanted.is_empty() {
            continue;
        }
        let mut report = Report::with_options(meta, configured.get(meta.id).cloned().unwrap_or_default())
            .with_charts(charts.clone());
        rule.check_all(&wanted, &mut report);
        let drafts = match report.finish() {
            Ok(drafts) => drafts,
            Err(e) => {
                errors.extend(e);
                continue;
            }
        };
        findings.extend(drafts.into_iter().map(|f| Finding {
            rule: f.rule.into(),
            resource: f.resource,
            severity: f.severity,
            message: f.message,
            path: f.path,
            replace_with: f.replace_with,
        }));
    }
    (findings, errors)
}

pub(crate) fn to_object(index: u32, r: Resource) -> Result<Object, String> {
    let body = serde_json::from_str(&r.body)
        .map_err(|e| format!("resource {index} ({} {}): body is not JSON: {e}", r.kind, r.name))?;
    Ok(Object {
        index,
        api_version: r.api_version,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        labels: r.labels.into_iter().collect::<BTreeMap<_, _>>(),
        annotations: r.annotations.into_iter().collect::<BTreeMap<_, _>>(),
        provenance: Provenance {
            file: r.provenance.file,
            document: r.provenance.document,
            line: r.provenance.line,
            template: r.provenance.template,
            chart: r.provenance.chart,
            chart_version: r.provenance.chart_version,
            origin: Some(decided(r.provenance.origin)),
            evidence: r.provenance.evidence,
            source: r.provenance.source,
        },
        runs: r.runs.into_iter().map(to_known).collect(),
        body,
    })
}

fn to_known(i: wit::Identity) -> Known {
    let charts = i.charts.into_iter().map(|c| rewheel_manifest::identity::UpstreamChart {
        name: c.name,
        repository: c.repository,
        operator: c.operator,
    });
    Known {
        container: i.container,
        image: i.image,
        identity: rewheel_manifest::identity::Identity {
            product: i.product,
            name: i.name,
            charts: charts.collect(),
            operator: i.operator,
            source: i.source,
        },
    }
}

/// The contract's identity of what `container` runs (the test harness sends them).
pub fn to_wit_identity(container: String, image: String, i: rewheel_manifest::identity::Identity) -> wit::Identity {
    let charts = i.charts.into_iter().map(|c| wit::UpstreamChart {
        name: c.name,
        repository: c.repository,
        operator: c.operator,
    });
    wit::Identity {
        container,
        image,
        product: i.product,
        name: i.name,
        charts: charts.collect(),
        operator: i.operator,
        source: i.source,
    }
}

fn decided(origin: wit::Origin) -> Decided {
    match origin {
        wit::Origin::Upstream => Decided::Upstream,
        wit::Origin::Wrapper => Decided::Wrapper,
        wit::Origin::Passthrough => Decided::Passthrough,
        wit::Origin::HandWritten => Decided::HandWritten,
        wit::Origin::ControllerGenerated => Decided::Controller,
    }
}

/// The contract's chart of an SDK chart (the test harness sends them).
pub fn to_wit_chart(c: Chart) -> wit::Chart {
    wit::Chart {
        name: c.name,
        version: c.version,
        path: c.path,
        upstream: c.upstream,
        evidence: c.evidence,
        source: c.source,
        copies: c.copies,
    }
}

fn to_chart(c: wit::Chart) -> Chart {
    Chart {
        name: c.name,
        version: c.version,
        path: c.path,
        upstream: c.upstream,
        evidence: c.evidence,
        source: c.source,
        copies: c.copies,
    }
}
