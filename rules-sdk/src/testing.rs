//! Native test harness: run rules on YAML with plain `cargo test`.
//!
//! The YAML is loaded by the same loader the host uses (`# Source:` comments,
//! multi-document streams, `kind: List`), sent through the same conversion a
//! component's `check` export runs, and the findings come back with the
//! object's identity, so a test can compare exact finding sets.
//!
//! Enable with `rules-sdk = { ..., features = ["testing"] }` under
//! `[dev-dependencies]`.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::prelude::*;
//! struct RawMongo;
//! impl Rule for RawMongo {
//!     fn meta(&self) -> Meta {
//!         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
//!     }
//!     fn check(&self, object: &Object, report: &mut Report) {
//!         report_workload(object, report, &["mongo"], "MongoDB");
//!     }
//! }
//! let findings = rules_sdk::testing::check_yaml(&[&RawMongo], "
//! ## Source: platform-novu/templates/mongo.yaml
//! apiVersion: apps/v1
//! kind: StatefulSet
//! metadata: {name: mongo}
//! spec:
//!   template:
//!     spec:
//!       containers: [{name: mongo, image: 'mongo:7'}]
//! ---
//! ## Source: platform-novu/charts/mongodb/templates/sts.yaml
//! apiVersion: apps/v1
//! kind: StatefulSet
//! metadata: {name: upstream-mongo}
//! spec:
//!   template:
//!     spec:
//!       containers: [{name: mongo, image: 'mongo:7'}]
//! ");
//! assert_eq!(rules_sdk::testing::keys(&findings), [("demo-raw-mongo", "StatefulSet", "mongo")]);
//! ```

use crate::Severity;
use crate::bindings::rewheel::rule::types::{self as wit, Finding, Provenance, Resource, RuleOptions};
use crate::origin::Decided;
use crate::rule::Rule;

/// A finding with the identity of the object it is about.
///
/// # Examples
///
/// ```
/// # use rules_sdk::prelude::*;
/// # struct RawMongo;
/// # impl Rule for RawMongo {
/// #     fn meta(&self) -> Meta {
/// #         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
/// #     }
/// #     fn check(&self, object: &Object, report: &mut Report) {
/// #         report_workload(object, report, &["mongo"], "MongoDB");
/// #     }
/// # }
/// // `RawMongo` flags workloads running `mongo` (the rule of the module example).
/// let yaml = "
/// apiVersion: apps/v1
/// kind: StatefulSet
/// metadata: {name: db, namespace: shop}
/// spec:
///   template:
///     spec:
///       containers: [{name: mongo, image: 'mongo:7'}]
/// ";
/// let findings = rules_sdk::testing::check_yaml(&[&RawMongo], yaml);
/// assert_eq!(findings, [rules_sdk::testing::TestFinding {
///     rule: "demo-raw-mongo".into(),
///     kind: "StatefulSet".into(),
///     namespace: Some("shop".into()),
///     name: "db".into(),
///     line: 2,
///     severity: "warning".into(),
///     message: "StatefulSet shop/db runs MongoDB (mongo:7) in hand-written YAML".into(),
///     path: Some("spec.template.spec.containers[0].image".into()),
/// }]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TestFinding {
    /// Id of the rule that reported it.
    pub rule: String,
    /// The object's `kind`.
    pub kind: String,
    /// The object's namespace, if set.
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
    /// 1-based start line of the object's document.
    pub line: u32,
    /// `info`, `warning` or `error`.
    pub severity: String,
    /// The finding's message.
    pub message: String,
    /// The offending field as a dotted path, if the rule gave one.
    pub path: Option<String>,
}

impl TestFinding {
    /// `(rule, kind, name)`: the usual thing to compare.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rules_sdk::prelude::*;
    /// # struct RawMongo;
    /// # impl Rule for RawMongo {
    /// #     fn meta(&self) -> Meta {
    /// #         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
    /// #     }
    /// #     fn check(&self, object: &Object, report: &mut Report) {
    /// #         report_workload(object, report, &["mongo"], "MongoDB");
    /// #     }
    /// # }
    /// // `RawMongo` flags workloads running `mongo` (the rule of the module example).
    /// let yaml = "
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata: {name: db, namespace: shop}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: mongo, image: 'mongo:7'}]
    /// ";
    /// let findings = rules_sdk::testing::check_yaml(&[&RawMongo], yaml);
    /// assert_eq!(findings[0].key(), ("demo-raw-mongo", "StatefulSet", "db"));
    /// ```
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.rule, &self.kind, &self.name)
    }
}

/// Load `yaml` as the host would and run `rules` on it. Panics on YAML the
/// loader rejects, so a typo in a test fixture fails loudly.
///
/// # Examples
///
/// ```
/// # use rules_sdk::prelude::*;
/// # struct RawMongo;
/// # impl Rule for RawMongo {
/// #     fn meta(&self) -> Meta {
/// #         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
/// #     }
/// #     fn check(&self, object: &Object, report: &mut Report) {
/// #         report_workload(object, report, &["mongo"], "MongoDB");
/// #     }
/// # }
/// // `RawMongo` flags workloads running `mongo` (the rule of the module example).
/// use rules_sdk::testing::check_yaml;
/// let findings = check_yaml(&[&RawMongo], "
/// apiVersion: v1
/// kind: Pod
/// metadata: {name: one}
/// spec: {containers: [{name: db, image: mongo}]}
/// ---
/// apiVersion: v1
/// kind: Pod
/// metadata: {name: two}
/// spec: {containers: [{name: web, image: nginx}]}
/// ");
/// assert_eq!(findings.len(), 1);
/// assert_eq!((findings[0].name.as_str(), findings[0].line), ("one", 2));
/// ```
pub fn check_yaml(rules: &[&dyn Rule], yaml: &str) -> Vec<TestFinding> {
    check_yaml_with_options(rules, yaml, &[]).expect("check failed")
}

/// [`check_yaml`] with options for some rules: `(rule id, JSON object text)`,
/// as `rewheel.toml`'s `[rules.options."<id>"]` would send them. `Err` is the
/// error the component would return (a bad option value, for example).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "testing")] {
/// use rules_sdk::prelude::*;
/// struct Quiet;
/// impl Rule for Quiet {
///     fn meta(&self) -> Meta { Meta { id: "demo-quiet", kinds: &["ConfigMap"], ..Meta::DEFAULT } }
///     fn check(&self, object: &Object, report: &mut Report) {
///         if !report.option_bool("quiet", false) {
///             report.flag(object, "a ConfigMap");
///         }
///     }
/// }
/// let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
/// let loud = rules_sdk::testing::check_yaml_with_options(&[&Quiet], yaml, &[]).unwrap();
/// assert_eq!(loud.len(), 1);
/// let quiet = rules_sdk::testing::check_yaml_with_options(&[&Quiet], yaml, &[("demo-quiet", r#"{"quiet": true}"#)]);
/// assert_eq!(quiet.unwrap().len(), 0);
/// let bad = rules_sdk::testing::check_yaml_with_options(&[&Quiet], yaml, &[("demo-quiet", r#"{"quiet": "yes"}"#)]);
/// assert!(bad.unwrap_err().contains("must be true or false"));
/// # }
/// ```
pub fn check_yaml_with_options(
    rules: &[&dyn Rule],
    yaml: &str,
    options: &[(&str, &str)],
) -> Result<Vec<TestFinding>, String> {
    check(rules, yaml, options, &[])
}

/// [`check_yaml`] with more charts in the run, as chart sources (`--charts`)
/// would add them: a rule reading [`Report::charts`](crate::Report::charts)
/// sees them after the charts rendered in `yaml`.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "testing")] {
/// use rules_sdk::prelude::*;
/// struct CopiedCharts;
/// impl Rule for CopiedCharts {
///     fn meta(&self) -> Meta {
///         Meta { id: "demo-copies", kinds: &["ConfigMap"], ..Meta::DEFAULT }
///     }
///     fn check(&self, object: &Object, report: &mut Report) {
///         if report.charts().iter().any(|c| c.copies.is_some()) {
///             report.flag(object, "the sources hold a copy of a published chart");
///         }
///     }
/// }
/// let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
/// assert!(rules_sdk::testing::check_yaml(&[&CopiedCharts], yaml).is_empty());
/// let copy = Chart { name: "redpanda".into(), copies: Some("redpanda".into()), ..Default::default() };
/// assert_eq!(rules_sdk::testing::check_yaml_with_charts(&[&CopiedCharts], yaml, &[copy]).len(), 1);
/// # }
/// ```
pub fn check_yaml_with_charts(rules: &[&dyn Rule], yaml: &str, charts: &[crate::Chart]) -> Vec<TestFinding> {
    check(rules, yaml, &[], charts).unwrap_or_else(|e| panic!("check failed: {e}"))
}

fn check(
    rules: &[&dyn Rule],
    yaml: &str,
    options: &[(&str, &str)],
    extra: &[crate::Chart],
) -> Result<Vec<TestFinding>, String> {
    let mut loaded = rewheel_manifest::load_str("test.yaml", yaml);
    assert!(loaded.errors.is_empty(), "fixture YAML does not parse: {:?}", loaded.errors);
    // Provenance is decided over the whole fixture, as the host does over a run.
    let graph = rewheel_manifest::decide_provenance(&mut loaded.objects, &Default::default());
    let rendered = graph.charts().map(|c| crate::Chart {
        name: c.name.clone(),
        version: c.version.clone(),
        path: c.path.clone(),
        upstream: c.upstream,
        evidence: c.evidence.clone(),
        source: c.source.clone(),
        copies: c.copies.clone(),
    });
    let charts: Vec<wit::Chart> = rendered.chain(extra.iter().cloned()).map(crate::run::to_wit_chart).collect();
    let resources: Vec<Resource> = loaded.objects.iter().map(to_resource).collect();
    let options: Vec<RuleOptions> =
        options.iter().map(|(rule, json)| RuleOptions { rule: rule.to_string(), options: json.to_string() }).collect();
    let ids: Vec<String> = rules.iter().map(|r| r.meta().id.to_string()).collect();
    let findings = crate::run::check(rules, &ids, resources.clone(), options.clone(), charts.clone())?;
    assert_scopes(rules, &resources, &options, &charts, &findings);
    let mut out: Vec<TestFinding> = findings
        .into_iter()
        .map(|f| {
            let o = &loaded.objects[f.resource as usize];
            TestFinding {
                rule: f.rule,
                kind: o.kind.clone(),
                namespace: o.namespace.clone(),
                name: o.name.clone(),
                line: o.provenance.line,
                severity: severity_name(f.severity).into(),
                message: f.message,
                path: f.path,
            }
        })
        .collect();
    out.sort();
    Ok(out)
}

/// A rule declaring [`Scope::PerResource`](crate::Scope) lets the host
/// stream the input to it in parts; check the declaration holds here: the
/// rule finds exactly the same with each resource sent alone.
fn assert_scopes(
    rules: &[&dyn Rule],
    resources: &[Resource],
    options: &[RuleOptions],
    charts: &[wit::Chart],
    whole: &[Finding],
) {
    let single: Vec<String> = rules
        .iter()
        .map(|r| r.meta())
        .filter(|m| m.scope == crate::Scope::PerResource)
        .map(|m| m.id.to_string())
        .collect();
    if single.is_empty() {
        return;
    }
    let key = |f: &Finding| {
        (f.rule.clone(), f.resource, f.message.clone(), f.path.clone(), f.severity as u8, f.replace_with.clone())
    };
    let mut expected: Vec<_> = whole.iter().filter(|f| single.contains(&f.rule)).map(key).collect();
    let mut alone = Vec::new();
    for (i, resource) in resources.iter().enumerate() {
        let found = crate::run::check(rules, &single, vec![resource.clone()], options.to_vec(), charts.to_vec())
            .unwrap_or_else(|e| panic!("check on resource {i} alone failed: {e}"));
        alone.extend(found.iter().map(|f| {
            (f.rule.clone(), i as u32, f.message.clone(), f.path.clone(), f.severity as u8, f.replace_with.clone())
        }));
    }
    expected.sort();
    alone.sort();
    assert_eq!(
        alone, expected,
        "a rule declaring Scope::PerResource finds differently on each resource alone than on the whole set \
         (left: alone, right: whole set); a rule relating objects must declare Scope::WholeSet"
    );
}

/// Run `rules` on the fixture `yaml_path` and compare with `expected_path`:
/// one finding per line, `rule kind namespace/name line` (`-` for no
/// namespace), the format of `tests/fixtures/<component>/*.expected`. Panics
/// with the missing and extra findings. Paths are relative to the crate.
///
/// `.expected` files list what the whole rule pack reports (the host's
/// fixture test checks that); here only the lines of `rules` are compared.
///
/// # Examples
///
/// ```
/// # use rules_sdk::prelude::*;
/// # struct RawMongo;
/// # impl Rule for RawMongo {
/// #     fn meta(&self) -> Meta {
/// #         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
/// #     }
/// #     fn check(&self, object: &Object, report: &mut Report) {
/// #         report_workload(object, report, &["mongo"], "MongoDB");
/// #     }
/// # }
/// // `RawMongo` flags workloads running `mongo` (the rule of the module example).
/// let dir = std::env::temp_dir().join(format!("rules-sdk-check-fixture-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let (yaml, expected) = (dir.join("smelly.yaml"), dir.join("smelly.expected"));
/// std::fs::write(&yaml, "\
/// apiVersion: apps/v1
/// kind: StatefulSet
/// metadata: {name: db, namespace: shop}
/// spec: {template: {spec: {containers: [{name: mongo, image: 'mongo:7'}]}}}
/// ").unwrap();
/// std::fs::write(&expected, "\
/// # rule kind namespace/name line
/// demo-raw-mongo StatefulSet shop/db 1
/// other-rule StatefulSet shop/db 1
/// ").unwrap();
/// // Only `demo-raw-mongo` lines are compared: `other-rule` belongs to another rule.
/// rules_sdk::testing::check_fixture(&[&RawMongo], yaml.to_str().unwrap(), expected.to_str().unwrap());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn check_fixture(rules: &[&dyn Rule], yaml_path: &str, expected_path: &str) {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {p}: {e}"));
    let yaml = read(yaml_path);
    let ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
    let mut expected: Vec<String> = read(expected_path)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| l.split(' ').next().is_some_and(|id| ids.contains(&id)))
        .map(str::to_string)
        .collect();
    expected.sort();
    let mut actual: Vec<String> = check_yaml(rules, &yaml).iter().map(TestFinding::fixture_line).collect();
    actual.sort();
    actual.dedup();
    let missing: Vec<_> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let extra: Vec<_> = actual.iter().filter(|a| !expected.contains(a)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{yaml_path}\n  missing: {missing:#?}\n  extra: {extra:#?}");
}

/// Both fixture cases of a component, `tests/fixtures/<component>/{smelly,clean}`,
/// from a rule crate in `rules/<component>/` (see [`check_fixture`]).
///
/// # Examples
///
/// In `rules/demo/tests/fixtures.rs` this is the whole test. Here a temporary
/// workspace stands in for the repository:
///
/// ```standalone_crate
/// # use rules_sdk::prelude::*;
/// # struct RawMongo;
/// # impl Rule for RawMongo {
/// #     fn meta(&self) -> Meta {
/// #         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
/// #     }
/// #     fn check(&self, object: &Object, report: &mut Report) {
/// #         report_workload(object, report, &["mongo"], "MongoDB");
/// #     }
/// # }
/// // `RawMongo` flags workloads running `mongo` (the rule of the module example).
/// let root = std::env::temp_dir().join(format!("rules-sdk-check-fixtures-{}", std::process::id()));
/// let fixtures = root.join("tests/fixtures/demo");
/// std::fs::create_dir_all(&fixtures).unwrap();
/// std::fs::create_dir_all(root.join("rules/demo")).unwrap();
/// let pod = |image: &str| {
///     format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: db}}\nspec: {{containers: [{{image: '{image}'}}]}}\n")
/// };
/// std::fs::write(fixtures.join("smelly.yaml"), pod("mongo:7")).unwrap();
/// std::fs::write(fixtures.join("smelly.expected"), "demo-raw-mongo Pod -/db 1\n").unwrap();
/// std::fs::write(fixtures.join("clean.yaml"), pod("nginx:1.27")).unwrap();
/// std::fs::write(fixtures.join("clean.expected"), "").unwrap();
/// std::env::set_current_dir(root.join("rules/demo")).unwrap(); // cargo runs a rule crate's tests here
///
/// rules_sdk::testing::check_fixtures(&[&RawMongo], "demo");
/// # std::env::set_current_dir(std::env::temp_dir()).unwrap();
/// # std::fs::remove_dir_all(&root).unwrap();
/// ```
pub fn check_fixtures(rules: &[&dyn Rule], component: &str) {
    for case in ["smelly", "clean"] {
        let base = format!("../../tests/fixtures/{component}/{case}");
        check_fixture(rules, &format!("{base}.yaml"), &format!("{base}.expected"));
    }
}

impl TestFinding {
    /// `rule kind namespace/name line`, as in `.expected` files.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rules_sdk::prelude::*;
    /// # struct RawMongo;
    /// # impl Rule for RawMongo {
    /// #     fn meta(&self) -> Meta {
    /// #         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
    /// #     }
    /// #     fn check(&self, object: &Object, report: &mut Report) {
    /// #         report_workload(object, report, &["mongo"], "MongoDB");
    /// #     }
    /// # }
    /// // `RawMongo` flags workloads running `mongo` (the rule of the module example).
    /// let yaml = "
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata: {name: db, namespace: shop}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: mongo, image: 'mongo:7'}]
    /// ";
    /// let findings = rules_sdk::testing::check_yaml(&[&RawMongo], yaml);
    /// assert_eq!(findings[0].fixture_line(), "demo-raw-mongo StatefulSet shop/db 2");
    /// ```
    pub fn fixture_line(&self) -> String {
        format!("{} {} {}/{} {}", self.rule, self.kind, self.namespace.as_deref().unwrap_or("-"), self.name, self.line)
    }
}

/// `(rule, kind, name)` of every finding, sorted: for exact-set assertions.
///
/// # Examples
///
/// ```
/// # use rules_sdk::prelude::*;
/// # struct RawMongo;
/// # impl Rule for RawMongo {
/// #     fn meta(&self) -> Meta {
/// #         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
/// #     }
/// #     fn check(&self, object: &Object, report: &mut Report) {
/// #         report_workload(object, report, &["mongo"], "MongoDB");
/// #     }
/// # }
/// // `RawMongo` flags workloads running `mongo` (the rule of the module example).
/// use rules_sdk::testing::{check_yaml, keys};
/// let findings = check_yaml(&[&RawMongo], "
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata: {name: b}
/// spec: {template: {spec: {containers: [{image: mongo}]}}}
/// ---
/// apiVersion: apps/v1
/// kind: StatefulSet
/// metadata: {name: a}
/// spec: {template: {spec: {containers: [{image: mongo}]}}}
/// ");
/// assert_eq!(keys(&findings), [("demo-raw-mongo", "Deployment", "b"), ("demo-raw-mongo", "StatefulSet", "a")]);
/// ```
pub fn keys(findings: &[TestFinding]) -> Vec<(&str, &str, &str)> {
    findings.iter().map(TestFinding::key).collect()
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn to_resource(o: &rewheel_manifest::Object) -> Resource {
    Resource {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        labels: o.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        annotations: o.annotations.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        provenance: Provenance {
            file: o.provenance.file.clone(),
            document: o.provenance.document,
            line: o.provenance.line,
            template: o.provenance.template.clone(),
            chart: o.provenance.chart.clone(),
            chart_version: o.provenance.chart_version.clone(),
            origin: match o.provenance.origin.expect("decided above") {
                Decided::Upstream => wit::Origin::Upstream,
                Decided::Wrapper => wit::Origin::Wrapper,
                Decided::Passthrough => wit::Origin::Passthrough,
                Decided::HandWritten => wit::Origin::HandWritten,
                Decided::Controller => wit::Origin::ControllerGenerated,
            },
            evidence: o.provenance.evidence.clone(),
            source: o.provenance.source.clone(),
        },
        runs: identities(&o.body),
        body: o.body.to_string(),
    }
}

/// What the containers of `body` run, as the host decides it (with no
/// `[[catalog.images]]` entries of a team's).
fn identities(body: &serde_json::Value) -> Vec<wit::Identity> {
    rewheel_manifest::identity::Identifier::default()
        .containers(body)
        .into_iter()
        .map(|(container, image, identity)| crate::run::to_wit_identity(container, image, identity))
        .collect()
}

/// The objects of `yaml` exactly as a rule receives them under `rewheel
/// audit`: provenance decided over the whole text, containers identified.
///
/// # Examples
///
/// ```
/// let objects = rules_sdk::testing::load_yaml("
/// # Source: platform/templates/cache.yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata: {name: cache}
/// spec: {template: {spec: {containers: [{name: redis, image: 'redis:7'}]}}}
/// ");
/// assert!(objects[0].origin().is_local());
/// assert_eq!(objects[0].runs[0].identity.product, "redis");
/// ```
pub fn load_yaml(yaml: &str) -> Vec<crate::Object> {
    let mut loaded = rewheel_manifest::load_str("test.yaml", yaml);
    assert!(loaded.errors.is_empty(), "YAML does not parse: {:?}", loaded.errors);
    rewheel_manifest::decide_provenance(&mut loaded.objects, &Default::default());
    let resources = loaded.objects.iter().map(to_resource);
    resources.enumerate().map(|(i, r)| crate::run::to_object(i as u32, r).expect("the loader writes JSON")).collect()
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;

    /// Flags a Service when a Deployment of the same name exists: it relates objects.
    struct ServiceBesideDeployment(Scope);

    impl Rule for ServiceBesideDeployment {
        fn meta(&self) -> Meta {
            Meta { id: "demo-service-beside", kinds: &["Service", "Deployment"], scope: self.0, ..Meta::DEFAULT }
        }
        fn check_all(&self, objects: &[&Object], report: &mut Report) {
            for service in objects.iter().filter(|o| o.kind == "Service") {
                if objects.iter().any(|o| o.kind == "Deployment" && o.name == service.name) {
                    report.flag(service, "beside its Deployment");
                }
            }
        }
    }

    const YAML: &str = "
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
";

    #[test]
    fn a_whole_set_rule_relates_objects() {
        let findings = super::check_yaml(&[&ServiceBesideDeployment(Scope::WholeSet)], YAML);
        assert_eq!(super::keys(&findings), [("demo-service-beside", "Service", "web")]);
    }

    #[test]
    #[should_panic(expected = "a rule relating objects must declare Scope::WholeSet")]
    fn a_rule_relating_objects_cannot_claim_per_resource() {
        super::check_yaml(&[&ServiceBesideDeployment(Scope::PerResource)], YAML);
    }
}
