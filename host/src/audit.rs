//! One audit run: read inputs, parse each document once, run every rule
//! component in its sandbox on the kinds it asked for, merge the findings.
//!
//! A component that fails (bad bytes, a trap, a limit, malformed output) costs
//! only its own findings: the error names it and every other rule still reports.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rewheel_manifest::Object;

use crate::cache::Cache;
use crate::config::{self, LimitPolicy, LoadedConfig, Selection};
use crate::input;
use crate::report::{
    ErrorEntry, ErrorKind, FindingEntry, Location, Report, ResourceRef, Severity, SkippedEntry, Summary, WarningEntry,
    WarningKind,
};
use crate::rulepack::RuleSource;
use crate::sandbox::{self, Limits, Resource, RuleMeta, RuleOptions, Sandbox};
use crate::suppress::{self, Suppressions};

/// What to audit and with which rules.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub paths: Vec<String>,
    pub rules: Vec<RuleSource>,
    /// Errors met while reading `--rules` paths.
    pub rule_errors: Vec<ErrorEntry>,
    pub limits: LimitPolicy,
    /// The built-in pack, run in place of the `builtin:` components when it
    /// can be (`rulepack::builtin_pack`); `None` runs them one by one.
    pub pack: Option<RuleSource>,
    /// Rule components run at once.
    pub jobs: usize,
    /// Where compiled components are cached.
    pub cache: Cache,
    pub policy: Policy,
    /// Show progress on stderr (the CLI asks only when stderr is a terminal).
    pub progress: bool,
}

/// What configuration changes about a run: which rules run, the severity of
/// their findings, their options, and what suppresses findings.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// rewheel.toml (the defaults when there is none).
    pub config: Arc<LoadedConfig>,
    /// `--select` / `--ignore`, replacing the file's lists when given.
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub suppressions: Suppressions,
}

/// One select/ignore entry with where it was written.
struct Selector {
    list: &'static str,
    pattern: String,
    line: Option<u32>,
}

impl Policy {
    fn selectors(&self) -> Vec<Selector> {
        let mut out = Vec::new();
        for (list, given, from_file) in [
            ("select", &self.select, &self.config.config.rules.select),
            ("ignore", &self.ignore, &self.config.config.rules.ignore),
        ] {
            match given {
                Some(patterns) => {
                    out.extend(patterns.iter().map(|p| Selector { list, pattern: p.clone(), line: None }))
                }
                None => out.extend(from_file.iter().enumerate().map(|(i, p)| Selector {
                    list,
                    pattern: p.clone(),
                    line: self.config.line_of(&["rules", list, &i.to_string()]),
                })),
            }
        }
        out
    }

    /// The rule selection; a bad glob is an error naming where it was written.
    pub fn selection(&self) -> Result<Selection, String> {
        let selectors = self.selectors();
        let of =
            |list: &str| selectors.iter().filter(|s| s.list == list).map(|s| s.pattern.clone()).collect::<Vec<_>>();
        let from = if self.select.is_some() || self.ignore.is_some() {
            "--select/--ignore".to_string()
        } else {
            format!("[rules] select/ignore in {}", self.config.file_name())
        };
        Selection::new(&of("select"), &of("ignore")).map_err(|e| format!("{from}: {e}"))
    }

    fn warning(&self, line: Option<u32>, message: String) -> WarningEntry {
        WarningEntry { kind: WarningKind::UnknownRule, file: line.map(|_| self.config.file_name()), line, message }
    }

    /// Warnings for select/ignore entries, severity keys and options tables that
    /// name no loaded rule (`(id, component, category)`): probably typos.
    fn unknown_names(&self, selection: &Selection, rules: &[(&str, &str, &str)]) -> Vec<WarningEntry> {
        let mut out = Vec::new();
        let selectors = self.selectors();
        for (list, pattern) in selection.unmatched(rules) {
            let line = selectors.iter().find(|s| s.list == list && s.pattern == pattern).and_then(|s| s.line);
            let from = if line.is_some() { "[rules]" } else { "--" };
            out.push(
                self.warning(
                    line,
                    format!("{from}{list} {pattern:?} matches no loaded rule id, component or category"),
                ),
            );
        }
        let names = |key: &str| rules.iter().any(|(i, c, k)| *i == key || *c == key || *k == key);
        for key in self.config.config.severity.keys().filter(|k| !names(k)) {
            out.push(self.warning(
                self.config.line_of(&["severity", key]),
                format!("[severity] {key:?} matches no loaded rule id, component or category"),
            ));
        }
        for id in self.config.config.rules.options.keys().filter(|id| !rules.iter().any(|(i, _, _)| i == id)) {
            out.push(self.warning(
                self.config.line_of(&["rules", "options", id]),
                format!("[rules.options.{id:?}] names no loaded rule"),
            ));
        }
        out
    }

    /// The options of the selected `rules` as the WIT contract carries them,
    /// and an error for each key a rule does not declare (the key is dropped).
    fn options_for(&self, component: &str, rules: &[&RuleMeta]) -> (Vec<RuleOptions>, Vec<ErrorEntry>) {
        let mut options = Vec::new();
        let mut errors = Vec::new();
        for rule in rules {
            let Some(table) = self.config.config.rules.options.get(&rule.id) else { continue };
            let mut json = serde_json::Map::new();
            for (key, value) in table {
                if rule.options.iter().any(|o| &o.name == key) {
                    json.insert(key.clone(), serde_json::to_value(value).expect("TOML values are JSON values"));
                    continue;
                }
                let declared: Vec<&str> = rule.options.iter().map(|o| o.name.as_str()).collect();
                errors.push(ErrorEntry {
                    kind: ErrorKind::Config,
                    file: Some(self.config.file_name()),
                    line: self.config.line_of(&["rules", "options", &rule.id, key]),
                    rule: Some(component.to_string()),
                    message: format!(
                        "rule {} has no option {key:?} ({}); it was not passed",
                        rule.id,
                        if declared.is_empty() {
                            "it takes none".to_string()
                        } else {
                            format!("it takes: {}", declared.join(", "))
                        }
                    ),
                });
            }
            options.push(RuleOptions { rule: rule.id.clone(), options: serde_json::Value::Object(json).to_string() });
        }
        (options, errors)
    }
}

/// The loaded manifests: parsed once, shared by every rule.
pub struct Manifests {
    /// The objects, without their bodies: those are in `resources`, as JSON
    /// text (the parsed trees were most of the host's memory).
    pub objects: Vec<Object>,
    /// What crosses the WIT boundary for each object, in `objects` order.
    pub resources: Vec<Resource>,
    pub summary: Summary,
    pub errors: Vec<ErrorEntry>,
    pub skipped: Vec<SkippedEntry>,
}

/// Read and parse every input path.
pub fn load_manifests(paths: &[String], jobs: usize) -> Manifests {
    let inputs = input::read_inputs(paths);
    let mut m = Manifests {
        objects: Vec::new(),
        resources: Vec::new(),
        summary: Summary::default(),
        errors: Vec::new(),
        skipped: Vec::new(),
    };
    for e in inputs.errors {
        m.errors.push(ErrorEntry::input(&e.file, e.line, e.message));
    }
    let loaded = parse_in_parallel(&inputs.sources, jobs);
    for (source, (loaded, resources)) in inputs.sources.iter().zip(loaded) {
        m.summary.files += 1;
        m.summary.documents += loaded.documents;
        for e in loaded.errors {
            m.errors.push(ErrorEntry::parse(&source.name, e.line, e.message));
        }
        for s in loaded.skipped {
            m.skipped.push(SkippedEntry {
                file: source.name.clone(),
                line: s.line,
                document: s.document,
                reason: s.reason,
            });
        }
        m.objects.extend(loaded.objects);
        m.resources.extend(resources);
    }
    m.summary.objects = m.objects.len() as u32;
    m
}

/// Parse every source on up to `jobs` threads (files are independent), and
/// turn each object into the resource rules receive.
fn parse_in_parallel(sources: &[input::Source], jobs: usize) -> Vec<(rewheel_manifest::Loaded, Vec<Resource>)> {
    crate::pool::map(sources, jobs, |source| {
        let mut loaded = rewheel_manifest::load_str(&source.name, &source.text);
        let resources = loaded.objects.iter_mut().map(to_resource).collect();
        (loaded, resources)
    })
}

/// A component's rules, as it declared them.
#[derive(Debug, Clone)]
pub struct ComponentRules {
    pub component: String,
    pub rules: Vec<RuleMeta>,
}

/// Compile and instantiate each component and ask for its rules.
pub fn list_rules(
    sources: &[RuleSource],
    limits: Limits,
    jobs: usize,
    cache: Cache,
) -> (Vec<ComponentRules>, Vec<ErrorEntry>) {
    let sandbox = match Sandbox::new(limits, cache) {
        Ok(s) => Arc::new(s),
        Err(e) => return (Vec::new(), vec![ErrorEntry::rule("sandbox", format!("cannot start the sandbox: {e}"))]),
    };
    let outcomes = parallel(sources.to_vec(), jobs, {
        let sandbox = sandbox.clone();
        move |source: RuleSource| {
            let loaded = sandbox.compile(&source.name, &source.bytes)?;
            let mut instance = sandbox.instantiate(&loaded, sandbox.limits())?;
            let rules = instance.rules()?;
            Ok::<_, sandbox::RuleError>(ComponentRules { component: source.name, rules })
        }
    });
    let mut components = Vec::new();
    let mut errors = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(c) => components.push(c),
            Err(e) => errors.push(ErrorEntry::rule(&e.component, e.message)),
        }
    }
    validate_metas(&mut components, &mut errors);
    (components, errors)
}

/// Refuse components whose metadata is unusable: empty ids, or ids another
/// component already declared (the first, in rule-source order, wins).
fn validate_metas(components: &mut Vec<ComponentRules>, errors: &mut Vec<ErrorEntry>) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    components.retain(|c| {
        let mut ids = BTreeSet::new();
        for rule in &c.rules {
            if rule.id.trim().is_empty() {
                errors
                    .push(ErrorEntry::rule(&c.component, "declares a rule with an empty id; component skipped".into()));
                return false;
            }
            if let Some(other) = seen.get(&rule.id) {
                errors.push(ErrorEntry::rule(
                    &c.component,
                    format!("rule id {:?} is already declared by {other}; component skipped", rule.id),
                ));
                return false;
            }
            if !ids.insert(rule.id.clone()) {
                errors.push(ErrorEntry::rule(
                    &c.component,
                    format!("declares rule id {:?} twice; component skipped", rule.id),
                ));
                return false;
            }
        }
        for id in ids {
            seen.insert(id, c.component.clone());
        }
        true
    });
}

/// Run the audit.
pub fn run(options: AuditOptions) -> Report {
    let manifests = load_manifests(&options.paths, options.jobs);
    let mut errors = manifests.errors;
    errors.extend(options.rule_errors.iter().cloned());

    let selection = match options.policy.selection() {
        Ok(s) => Arc::new(s),
        Err(e) => {
            errors.push(ErrorEntry { kind: ErrorKind::Config, file: None, line: None, rule: None, message: e });
            {
                let mut report = assemble(Vec::new(), errors, manifests.skipped, manifests.summary, 0, 0, 0);
                report.finish();
                return report;
            }
        }
    };
    let sandbox = match Sandbox::new(options.limits.run, options.cache.clone()) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            errors.push(ErrorEntry::rule("sandbox", format!("cannot start the sandbox: {e}")));
            {
                let mut report = assemble(Vec::new(), errors, manifests.skipped, manifests.summary, 0, 0, 0);
                report.finish();
                return report;
            }
        }
    };

    // Each object crosses the boundary as a WIT resource with a JSON body, built once.
    let resources = Arc::new(manifests.resources);
    let objects = Arc::new(manifests.objects);

    // The built-in components run as one pack job when they can; the pack
    // job goes first, as the longest.
    let (builtins, others): (Vec<RuleSource>, Vec<RuleSource>) =
        options.rules.iter().cloned().partition(|s| options.pack.is_some() && s.name.starts_with("builtin:"));
    let mut jobs: Vec<Job> = Vec::new();
    if let (Some(pack), false) = (&options.pack, builtins.is_empty()) {
        // One instance of the pack per core, each with its share of the components.
        let groups = options.jobs.clamp(1, builtins.len());
        for g in 0..groups {
            let group: Vec<RuleSource> = builtins.iter().skip(g).step_by(groups).cloned().collect();
            jobs.push(Job::Pack { pack: pack.clone(), group, builtins: builtins.len() });
        }
    }
    jobs.extend(others.into_iter().map(Job::One));

    let bar = progress_bar(options.progress, options.rules.len() as u64, objects.len());
    let outcomes = parallel(jobs, options.jobs, {
        let run = Arc::new(ComponentContext {
            sandbox: sandbox.clone(),
            limits: options.limits.clone(),
            policy: options.policy.clone(),
            selection: selection.clone(),
            objects: objects.clone(),
            resources: resources.clone(),
        });
        let bar = bar.clone();
        move |job: Job| {
            let done = match job {
                Job::One(source) => vec![run.component(&source)],
                Job::Pack { pack, group, builtins } => run.pack(&pack, &group, builtins),
            };
            bar.inc(done.len() as u64);
            done
        }
    });
    bar.finish_and_clear();

    // Collect, refusing duplicate rule ids across components.
    let mut components = Vec::new();
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Ok(mut done) => {
                errors.append(&mut done.config_errors);
                if let Some(e) = done.error.take() {
                    errors.push(ErrorEntry::rule(&e.component, e.message));
                }
                components.push(done)
            }
            Err(e) => errors.push(ErrorEntry::rule(&e.component, e.message)),
        }
    }
    // Source order, whichever job ran a component (the first declaration of an id wins).
    let position: BTreeMap<&str, usize> = options.rules.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    components.sort_by_key(|c: &ComponentRun| position.get(c.rules.component.as_str()).copied());
    let mut declared: Vec<ComponentRules> = components.iter().map(|c| c.rules.clone()).collect();
    validate_metas(&mut declared, &mut errors);
    let kept: BTreeSet<&str> = declared.iter().map(|c| c.component.as_str()).collect();
    let components: Vec<ComponentRun> =
        components.into_iter().filter(|c| kept.contains(c.rules.component.as_str())).collect();

    // Everything loaded, for typo warnings and inline ignores; what ran, for the rest.
    let loaded: Vec<(&str, &str, &str)> = components
        .iter()
        .flat_map(|c| c.rules.rules.iter().map(|m| (m.id.as_str(), m.component.as_str(), category_name(m.category))))
        .collect();
    let mut warnings = options.policy.unknown_names(&selection, &loaded);
    let known: BTreeSet<&str> = loaded.iter().map(|(id, _, _)| *id).collect();
    let metas: BTreeMap<&str, &RuleMeta> = components
        .iter()
        .filter(|c| c.ran)
        .flat_map(|c| c.rules.rules.iter().map(|m| (m.id.as_str(), m)))
        .filter(|(_, m)| selection.selects(&m.id, &m.component, category_name(m.category)))
        .collect();
    let ran: Vec<(&str, &str, &str)> =
        metas.values().map(|m| (m.id.as_str(), m.component.as_str(), category_name(m.category))).collect();
    if !loaded.is_empty() && !loaded.iter().any(|(i, c, k)| selection.selects(i, c, k)) {
        errors.push(ErrorEntry {
            kind: ErrorKind::Config,
            file: None,
            line: None,
            rule: None,
            message: "select/ignore leave no rule to run; check the names (`rewheel rules list`)".into(),
        });
    }
    let rule_count = metas.len() as u32;
    let severities = &options.policy.config.config.severity;
    let severity_of = |m: &RuleMeta, s: sandbox::Severity| {
        config::severity_for(severities, &m.id, &m.component, category_name(m.category), severity(s))
    };
    let mut raw: Vec<(usize, &sandbox::Finding)> =
        components.iter().flat_map(|c| c.findings.iter().map(|f| (f.resource as usize, f))).collect();

    // Each smell once per resource, at the most specific rule.
    let before = raw.len();
    let reporters: BTreeMap<usize, BTreeSet<&str>> = raw.iter().fold(BTreeMap::new(), |mut acc, (r, f)| {
        acc.entry(*r).or_default().insert(f.rule.as_str());
        acc
    });
    raw.retain(|(r, f)| {
        !reporters[r].iter().any(|other| metas.get(other).is_some_and(|m| m.supersedes.iter().any(|s| s == &f.rule)))
    });
    let superseded = (before - raw.len()) as u32;

    let findings: Vec<(usize, FindingEntry)> = raw
        .into_iter()
        .map(|(r, f)| {
            let meta = metas[f.rule.as_str()];
            let o = &objects[r];
            let entry = FindingEntry {
                rule: f.rule.clone(),
                component: meta.component.clone(),
                category: category_name(meta.category).to_string(),
                severity: severity_of(meta, f.severity),
                message: f.message.clone(),
                replace_with: f.replace_with.clone().unwrap_or_else(|| meta.replace_with.clone()),
                sources: meta.sources.clone(),
                path: f.path.clone(),
                resource: ResourceRef {
                    api_version: o.api_version.clone(),
                    kind: o.kind.clone(),
                    namespace: o.namespace.clone(),
                    name: o.name.clone(),
                },
                location: Location {
                    file: o.provenance.file.clone(),
                    line: o.provenance.line,
                    document: o.provenance.document,
                    template: o.provenance.template.clone(),
                },
            };
            (r, entry)
        })
        .collect();
    let mut outcome = suppress::apply(&options.policy.suppressions, findings, &objects, &known, &ran);
    warnings.append(&mut outcome.warnings);
    let ran_components = components.iter().filter(|c| c.ran).count() as u32;
    let mut report = assemble(
        outcome.findings,
        errors,
        manifests.skipped,
        manifests.summary,
        ran_components,
        rule_count,
        superseded,
    );
    report.suppressed = outcome.suppressed;
    report.warnings = warnings;
    report.rules = metas
        .values()
        .map(|m| crate::report::RuleInfo {
            component: m.component.clone(),
            id: m.id.clone(),
            summary: m.summary.clone(),
            replace_with: m.replace_with.clone(),
            sources: m.sources.clone(),
            category: category_name(m.category).to_string(),
            severity: severity_of(m, m.default_severity),
            docs: m.docs.clone(),
        })
        .collect();
    report.finish();
    report
}

/// The report's parts, not yet sorted: the caller adds what it has, then calls
/// `Report::finish` once.
fn assemble(
    findings: Vec<FindingEntry>,
    errors: Vec<ErrorEntry>,
    skipped: Vec<SkippedEntry>,
    mut summary: Summary,
    components: u32,
    rules: u32,
    superseded: u32,
) -> Report {
    summary.components = components;
    summary.rules = rules;
    summary.superseded = superseded;
    Report {
        version: crate::report::REPORT_VERSION,
        findings,
        errors,
        skipped,
        suppressed: Vec::new(),
        warnings: Vec::new(),
        summary,
        rules: Vec::new(),
    }
}

/// A component that ran: its rules and its (validated) findings, with
/// `resource` rewritten to the index into the run's objects.
struct ComponentRun {
    rules: ComponentRules,
    findings: Vec<sandbox::Finding>,
    /// Whether any of its rules was selected (it was not called otherwise).
    ran: bool,
    /// Options its rules refused.
    config_errors: Vec<ErrorEntry>,
    /// Why `check` failed, after `rules()` succeeded.
    error: Option<sandbox::RuleError>,
}

/// One unit of work for the rule pool.
enum Job {
    /// One component.
    One(RuleSource),
    /// Some of the built-in components (of `builtins` in all), run through
    /// the pack when they can be.
    Pack { pack: RuleSource, group: Vec<RuleSource>, builtins: usize },
}

/// What every component run shares.
struct ComponentContext {
    sandbox: Arc<Sandbox>,
    limits: LimitPolicy,
    policy: Policy,
    selection: Arc<Selection>,
    objects: Arc<Vec<Object>>,
    resources: Arc<Vec<Resource>>,
}

impl ComponentContext {
    /// Compile, instantiate and run one component.
    fn component(&self, source: &RuleSource) -> Result<ComponentRun, sandbox::RuleError> {
        let loaded = self.sandbox.compile(&source.name, &source.bytes)?;
        // The metadata call runs under the built-in defaults, so configuration can
        // key limits by rule id (known only after it); `check` runs under the
        // limits resolved for this component.
        let mut instance = self.sandbox.instantiate(&loaded, Limits::default())?;
        let rules = instance.rules()?;
        instance.set_limits(self.limits.for_component(&source.name, rules.iter().map(|r| r.id.as_str())));
        let mut done = self.plan(&source.name, rules);
        let selected: Vec<&RuleMeta> = done.rules.rules.iter().filter(|r| self.selected(r)).collect();
        if selected.is_empty() {
            return Ok(done);
        }
        let (wanted, batch) = self.batch(&selected);
        let options = self.policy.options_for(&source.name, &selected).0;
        let checked = if batch.is_empty() {
            Ok(Vec::new())
        } else {
            check_batch(
                &mut instance,
                source,
                &done.rules.rules,
                &selected,
                &options,
                &wanted,
                &batch,
                &self.objects,
                None,
            )
        };
        match checked {
            Ok(findings) => done.findings = findings,
            // The rules stay known (for ignores and typo warnings); the component did not run.
            Err(e) => {
                done.ran = false;
                done.error = Some(e);
            }
        }
        Ok(done)
    }

    /// Run built-in components through the pack: one compilation of the SDK
    /// and one parse of each body instead of one per component. The pack is
    /// the same rule crates linked together, so its findings are theirs; each
    /// is credited to the component that declares the rule. `group` is this
    /// instance's share of the `builtins` built-in components (one instance
    /// per core). Anything unusual (per-component limits, a trap, a limit, a
    /// rule error, a pack that does not carry exactly the built-in components)
    /// reruns the group's components one by one, so errors name the component
    /// at fault and hide no other's findings.
    fn pack(
        &self,
        pack: &RuleSource,
        group: &[RuleSource],
        builtins: usize,
    ) -> Vec<Result<ComponentRun, sandbox::RuleError>> {
        match self.try_pack(pack, group, builtins) {
            Some(runs) => runs.into_iter().map(Ok).collect(),
            None => group.iter().map(|b| self.component(b)).collect(),
        }
    }

    fn try_pack(&self, pack: &RuleSource, group: &[RuleSource], builtins: usize) -> Option<Vec<ComponentRun>> {
        let loaded = self.sandbox.compile(&pack.name, &pack.bytes).ok()?;
        let mut instance = self.sandbox.instantiate_pack(&loaded, Limits::default()).ok()?;
        let metas = instance.rules().ok()?;
        let mut by_component: BTreeMap<String, Vec<RuleMeta>> = BTreeMap::new();
        for meta in &metas {
            by_component.entry(format!("builtin:{}", meta.component)).or_default().push(meta.clone());
        }
        if by_component.len() != builtins {
            return None;
        }
        let mut runs = Vec::new();
        for builtin in group {
            let rules = by_component.remove(&builtin.name)?;
            // Limits configured for a component or one of its rules apply to it alone.
            if self.limits.for_component(&builtin.name, rules.iter().map(|r| r.id.as_str())) != self.limits.run {
                return None;
            }
            runs.push(self.plan(&builtin.name, rules));
        }

        let selected: Vec<&RuleMeta> =
            runs.iter().flat_map(|r| r.rules.rules.iter()).filter(|r| self.selected(r)).collect();
        if selected.is_empty() {
            return Some(runs);
        }
        let mut options = Vec::new();
        for run in &runs {
            let mine: Vec<&RuleMeta> = run.rules.rules.iter().filter(|r| self.selected(r)).collect();
            options.extend(self.policy.options_for(&run.rules.component, &mine).0);
        }
        // Only components with a selected rule: the others' findings would be dropped.
        let slugs: Vec<String> =
            runs.iter().filter(|r| r.ran).filter_map(|r| r.rules.rules.first().map(|m| m.component.clone())).collect();
        // The group stands for one call per component: their fuel and time
        // added up (with one component's budget the pack ran out of fuel at
        // 30k documents and fell back to the slow path). Memory stays one
        // component's: the group holds one copy of the batch, as each
        // component would. The findings cap applies per component below.
        let one = self.limits.run;
        let n = slugs.len().max(1);
        instance.set_limits(Limits {
            fuel: one.fuel.saturating_mul(n as u64),
            timeout: one.timeout.saturating_mul(n as u32),
            max_findings: one.max_findings.saturating_mul(n),
            memory_bytes: one.memory_bytes,
        });
        let (wanted, batch) = self.batch(&selected);
        let findings = if batch.is_empty() {
            Vec::new()
        } else {
            let call = Some(slugs.as_slice());
            check_batch(&mut instance, pack, &metas, &selected, &options, &wanted, &batch, &self.objects, call).ok()?
        };
        let owner: BTreeMap<&str, usize> = runs
            .iter()
            .enumerate()
            .flat_map(|(i, run)| run.rules.rules.iter().map(move |r| (r.id.as_str(), i)))
            .collect();
        let mut split: Vec<Vec<sandbox::Finding>> = vec![Vec::new(); runs.len()];
        for finding in findings {
            split[*owner.get(finding.rule.as_str())?].push(finding);
        }
        for (run, findings) in runs.iter_mut().zip(split) {
            // Over one component's cap: let the component report it alone.
            if findings.len() > one.max_findings {
                return None;
            }
            run.findings = findings;
        }
        Some(runs)
    }

    /// A component's run before `check`: its rules, whether any is selected,
    /// and the errors of its configured options.
    fn plan(&self, name: &str, rules: Vec<RuleMeta>) -> ComponentRun {
        let selected: Vec<&RuleMeta> = rules.iter().filter(|r| self.selected(r)).collect();
        let config_errors = self.policy.options_for(name, &selected).1;
        let ran = !selected.is_empty();
        ComponentRun {
            rules: ComponentRules { component: name.to_string(), rules },
            findings: Vec::new(),
            ran,
            config_errors,
            error: None,
        }
    }

    fn selected(&self, rule: &RuleMeta) -> bool {
        self.selection.selects(&rule.id, &rule.component, category_name(rule.category))
    }

    /// The objects the `selected` rules declared (all, if one declared none):
    /// their indices into the run's objects, and the batch to send.
    fn batch(&self, selected: &[&RuleMeta]) -> (Vec<usize>, Cow<'_, [Resource]>) {
        let all_kinds = selected.iter().any(|r| r.kinds.is_empty());
        let kinds: BTreeSet<&str> = selected.iter().flat_map(|r| r.kinds.iter().map(String::as_str)).collect();
        let wanted: Vec<usize> =
            (0..self.objects.len()).filter(|&i| all_kinds || kinds.contains(self.objects[i].kind.as_str())).collect();
        // Everything (as the pack often asks): no copy.
        let batch = if wanted.len() == self.resources.len() {
            Cow::Borrowed(self.resources.as_slice())
        } else {
            Cow::Owned(wanted.iter().map(|&i| self.resources[i].clone()).collect())
        };
        (wanted, batch)
    }
}

/// Call `check` on the batch (`check-components` with `components`, on the
/// built-in pack) and validate what came back.
#[allow(clippy::too_many_arguments)]
fn check_batch(
    instance: &mut sandbox::RuleInstance,
    source: &RuleSource,
    rules: &[RuleMeta],
    selected: &[&RuleMeta],
    options: &[RuleOptions],
    wanted: &[usize],
    batch: &[Resource],
    objects: &[Object],
    components: Option<&[String]>,
) -> Result<Vec<sandbox::Finding>, sandbox::RuleError> {
    {
        let batch_name = format!("{} resources from {} file(s)", batch.len(), count_files(wanted, objects));
        let mut findings = match components {
            Some(components) => instance.check_components(components, batch, options, &batch_name)?,
            None => instance.check(batch, options, &batch_name)?,
        };
        check_output(&source.name, &findings, instance.limits(), &batch_name)?;
        let ids: BTreeSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        for f in &mut findings {
            if !ids.contains(f.rule.as_str()) {
                return Err(sandbox::RuleError::new(
                    &source.name,
                    format!(
                        "returned a finding for rule {:?}, which it does not declare; its findings were discarded",
                        f.rule
                    ),
                ));
            }
            let Some(&index) = wanted.get(f.resource as usize) else {
                return Err(sandbox::RuleError::new(
                    &source.name,
                    format!(
                        "returned a finding for resource {} of a batch of {}; its findings were discarded",
                        f.resource,
                        batch.len()
                    ),
                ));
            };
            f.resource = index as u32;
        }
        // Rules that were not selected may still run inside the component; drop theirs.
        let wanted: BTreeSet<&str> = selected.iter().map(|r| r.id.as_str()).collect();
        findings.retain(|f| wanted.contains(f.rule.as_str()));
        Ok(findings)
    }
}

/// The output caps: a rule that floods the report is an error, and none of its
/// findings are kept.
fn check_output(
    component: &str,
    findings: &[sandbox::Finding],
    limits: Limits,
    batch: &str,
) -> Result<(), sandbox::RuleError> {
    if findings.len() > limits.max_findings {
        return Err(sandbox::RuleError::new(
            component,
            format!(
                "check({batch}) returned {} findings, over the limit of {} (--rule-max-findings, or max-findings in rewheel.toml); its findings were discarded",
                findings.len(),
                limits.max_findings
            ),
        ));
    }
    for (i, f) in findings.iter().enumerate() {
        let fields =
            [("message", Some(&f.message)), ("path", f.path.as_ref()), ("replace-with", f.replace_with.as_ref())];
        for (field, text) in fields {
            if let Some(text) = text.filter(|t| t.len() > sandbox::MAX_FINDING_TEXT_BYTES) {
                return Err(sandbox::RuleError::new(
                    component,
                    format!(
                        "check({batch}) returned a finding whose {field} is {} bytes, over the limit of {} bytes (finding {i}); its findings were discarded",
                        text.len(),
                        sandbox::MAX_FINDING_TEXT_BYTES
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn count_files(indices: &[usize], objects: &[Object]) -> usize {
    indices.iter().map(|&i| objects[i].provenance.file.as_str()).collect::<BTreeSet<_>>().len()
}

/// The resource for `o`, taking its body (serialised: the host never reads it again).
fn to_resource(o: &mut Object) -> Resource {
    Resource {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        labels: o.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        annotations: o.annotations.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        provenance: sandbox::Provenance {
            file: o.provenance.file.clone(),
            document: o.provenance.document,
            line: o.provenance.line,
            template: o.provenance.template.clone(),
            chart: o.provenance.chart.clone(),
        },
        body: std::mem::take(&mut o.body).to_string(),
    }
}

/// A progress bar on stderr for `components` rule components, or a hidden
/// one: CI logs stay clean, a terminal sees the run move.
fn progress_bar(show: bool, components: u64, objects: usize) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(components), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} rule components")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("auditing {objects} objects"));
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Run `work` on every item on a pool of `jobs` threads; results keep item order.
fn parallel<I, O, F>(items: Vec<I>, jobs: usize, work: F) -> Vec<O>
where
    I: Send + 'static,
    O: Send + 'static,
    F: Fn(I) -> O + Send + Sync + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(jobs.max(1))
        .thread_name("rewheel-rule")
        .build()
        .expect("start the tokio runtime");
    let work = Arc::new(work);
    runtime.block_on(async move {
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| {
                let work = work.clone();
                tokio::task::spawn_blocking(move || work(item))
            })
            .collect();
        let mut out = Vec::with_capacity(handles.len());
        for handle in handles {
            out.push(handle.await.expect("a rule thread panicked"));
        }
        out
    })
}

pub fn severity(s: sandbox::Severity) -> Severity {
    match s {
        sandbox::Severity::Info => Severity::Info,
        sandbox::Severity::Warning => Severity::Warning,
        sandbox::Severity::Error => Severity::Error,
    }
}

pub fn category_name(c: sandbox::Category) -> &'static str {
    match c {
        sandbox::Category::ReinventedWorkload => "reinvented-workload",
        sandbox::Category::BootstrapScript => "bootstrap-script",
        sandbox::Category::RetiredPlane => "retired-plane",
        sandbox::Category::UnsafeDefault => "unsafe-default",
        sandbox::Category::InlineSecret => "inline-secret",
        sandbox::Category::PolicyOverlap => "policy-overlap",
    }
}
