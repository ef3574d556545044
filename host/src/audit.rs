//! One audit run: find the inputs, set up every rule component in its
//! sandbox, then read, parse and check the inputs (each document parsed once;
//! a big input streamed part by part to per-resource rules, with only what
//! whole-set rules asked for kept for their one call), and merge the findings.
//!
//! A component that fails (bad bytes, a trap, a limit, malformed output) costs
//! only its own findings: the error names it and every other rule still reports.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use indicatif::ProgressBar;

use rewheel_manifest::Object;
use rewheel_manifest::charts::Declared;
use rewheel_manifest::identity::Identifier;

use crate::cache::Cache;
use crate::config::{self, LimitPolicy, LoadedConfig, Selection};
use crate::input;
use crate::provenance;
use crate::report::{
    ErrorEntry, ErrorKind, FindingEntry, Report, ResourceRef, Severity, SkippedEntry, Summary, WarningEntry,
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
    /// Chart source folders given with `--charts` (rewheel.toml's
    /// `[provenance] charts` come with the configuration).
    pub charts: Vec<String>,
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
/// Components run at once when a pack instance gives way to its components:
/// each group of them reads the input again.
const RETRY_AT_ONCE: usize = 8;

/// Inputs up to this size are not streamed: each component gets one call with
/// all its rules, the fastest way (per-resource and whole-set rules share
/// one parse of each body in the guest).
const STREAM_ABOVE: u64 = 32 << 20;

/// Bytes of input parsed and sent to per-resource rules at a time when
/// streaming: a run holds about this much of its input (and rules its parsed
/// trees) at once, plus what whole-set rules keep.
const PART_BYTES: u64 = 4 << 20;

/// The part size, when the `total` bytes of input are streamed.
/// `REWHEEL_STREAM_BYTES=N` streams any input bigger than N, in parts of N
/// (tests use it to stream small inputs).
fn part_bytes(total: u64) -> Option<u64> {
    match std::env::var("REWHEEL_STREAM_BYTES").ok().and_then(|v| v.parse::<u64>().ok()).filter(|&b| b > 0) {
        Some(part) => (total > part).then_some(part),
        None => (total > STREAM_ABOVE).then_some(PART_BYTES),
    }
}

/// What reading and parsing the inputs produced, besides the resources.
#[derive(Default)]
struct Loaded {
    /// Every object, without its body (sent to rules, then dropped).
    objects: Vec<Object>,
    summary: Summary,
    errors: Vec<ErrorEntry>,
    skipped: Vec<SkippedEntry>,
    /// The chart graph provenance was decided with: a retry reuses it rather
    /// than read a streamed input once more.
    graph: Option<rewheel_manifest::charts::ChartGraph>,
}

pub fn run(options: AuditOptions) -> Report {
    let inputs = input::find_inputs(&options.paths);
    let mut errors: Vec<ErrorEntry> =
        inputs.errors.iter().map(|e| ErrorEntry::input(&e.file, e.line, e.message.clone())).collect();
    errors.extend(options.rule_errors.iter().cloned());
    let bar = progress_bar(options.progress, inputs.sources.len() as u64);
    let (declared, source_errors) = provenance::declared(&options.policy.config, &options.charts);
    let identifier = crate::identity::identifier(&options.policy.config);
    errors.extend(source_errors);

    let set_up = options.policy.selection().map_err(|e| ErrorEntry {
        kind: ErrorKind::Config,
        file: None,
        line: None,
        rule: None,
        message: e,
    });
    let set_up = set_up.and_then(|selection| match Sandbox::new(options.limits.run, options.cache.clone()) {
        Ok(sandbox) => Ok((Arc::new(selection), Arc::new(sandbox))),
        Err(e) => Err(ErrorEntry::rule("sandbox", format!("cannot start the sandbox: {e}"))),
    });
    let (selection, sandbox) = match set_up {
        Ok(s) => s,
        Err(e) => {
            // Nothing runs; the inputs are still read, so the summary counts them.
            errors.push(e);
            let loaded = stream(&inputs.sources, &[], options.jobs, true, &bar, (&declared, &identifier, None));
            bar.finish_and_clear();
            errors.extend(loaded.errors);
            let mut report = assemble(Vec::new(), errors, loaded.skipped, loaded.summary, 0, 0, 0);
            report.finish();
            return report;
        }
    };
    let context = Arc::new(ComponentContext {
        sandbox,
        limits: options.limits.clone(),
        policy: options.policy.clone(),
        selection: selection.clone(),
    });

    // The built-in components run as one pack job per core when they can; the
    // pack jobs go first, as the longest.
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

    // Compile, instantiate and ask every component for its rules, in parallel.
    let set_up = parallel(jobs, options.jobs, {
        let context = context.clone();
        move |job: Job| match job {
            Job::One(source) => vec![context.set_up(&source)],
            Job::Pack { pack, group, builtins } => match context.set_up_pack(&pack, &group, builtins) {
                Some(stage) => vec![Ok(stage)],
                None => group.iter().map(|b| context.set_up(b)).collect(),
            },
        }
    });
    let mut stages = Vec::new();
    for stage in set_up.into_iter().flatten() {
        match stage {
            Ok(stage) => stages.push(Mutex::new(stage)),
            Err(e) => errors.push(ErrorEntry::rule(&e.component, e.message)),
        }
    }

    // Read, parse and check the inputs part by part.
    let loaded = stream(&inputs.sources, &stages, options.jobs, true, &bar, (&declared, &identifier, None));
    let Loaded { objects, summary, errors: load_errors, skipped, graph } = loaded;
    errors.extend(load_errors);

    // A pack instance that failed gives way to its components, one by one, on
    // the whole input again: errors name the component at fault, and hide no
    // other's findings.
    let mut outcomes: Vec<Result<ComponentRun, sandbox::RuleError>> = Vec::new();
    let mut retry: Vec<RuleSource> = Vec::new();
    for stage in stages {
        match stage.into_inner().expect("a stage lock is never poisoned").into_runs() {
            Ok(runs) => outcomes.extend(runs.into_iter().map(Ok)),
            Err(group) => retry.extend(group),
        }
    }
    // A few at a time (eight, or --jobs if more), each few streaming the input
    // again: a live instance keeps the memory of its biggest call so far (and
    // drops it after its last), so few at a time bounds what the retry holds.
    for few in retry.chunks(options.jobs.max(RETRY_AT_ONCE)) {
        let set_up = parallel(few.to_vec(), options.jobs, {
            let context = context.clone();
            move |source: RuleSource| context.set_up(&source)
        });
        let mut stages = Vec::new();
        for stage in set_up {
            match stage {
                Ok(stage) => stages.push(Mutex::new(stage)),
                Err(e) => outcomes.push(Err(e)),
            }
        }
        let again = stream(
            &inputs.sources,
            &stages,
            options.jobs,
            false,
            &ProgressBar::hidden(),
            (&declared, &identifier, graph.as_ref()),
        );
        for stage in stages {
            let stage = stage.into_inner().expect("a stage lock is never poisoned");
            // Findings point at objects by their place in the first reading.
            if again.summary.objects as usize != objects.len() {
                outcomes.push(Err(sandbox::RuleError::new(
                    &stage.source,
                    format!(
                        "the input changed during the run ({} objects read first, {} when read again for this component); its findings were discarded",
                        objects.len(),
                        again.summary.objects
                    ),
                )));
                continue;
            }
            outcomes.extend(stage.into_runs().unwrap_or_default().into_iter().map(Ok));
        }
    }
    bar.finish_and_clear();

    // Collect, refusing duplicate rule ids across components.
    let mut components = Vec::new();
    for outcome in outcomes {
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

    let mut source_lines = provenance::SourceLines::default();
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
                location: provenance::location(&o.provenance, &o.kind, &mut source_lines),
            };
            (r, entry)
        })
        .collect();
    let mut outcome = suppress::apply(&options.policy.suppressions, findings, &objects, &known, &ran);
    warnings.append(&mut outcome.warnings);
    let ran_components = components.iter().filter(|c| c.ran).count() as u32;
    let mut report = assemble(outcome.findings, errors, skipped, summary, ran_components, rule_count, superseded);
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

/// One unit of set-up work for the rule pool.
enum Job {
    /// One component.
    One(RuleSource),
    /// Some of the built-in components (of `builtins` in all), run through
    /// the pack when they can be.
    Pack { pack: RuleSource, group: Vec<RuleSource>, builtins: usize },
}

/// What setting up every stage shares.
struct ComponentContext {
    sandbox: Arc<Sandbox>,
    limits: LimitPolicy,
    policy: Policy,
    selection: Arc<Selection>,
}

impl ComponentContext {
    /// Compile and instantiate one component and ask for its rules.
    fn set_up(&self, source: &RuleSource) -> Result<Stage, sandbox::RuleError> {
        let loaded = self.sandbox.compile(&source.name, &source.bytes)?;
        // The metadata call runs under the built-in defaults, so configuration can
        // key limits by rule id (known only after it); `check` runs under the
        // limits resolved for this component.
        let mut instance = self.sandbox.instantiate(&loaded, Limits::default())?;
        let rules = instance.rules()?;
        let limits = self.limits.for_component(&source.name, rules.iter().map(|r| r.id.as_str()));
        instance.set_limits(limits);
        let run = self.plan(&source.name, rules.clone());
        let selected: Vec<&RuleMeta> = rules.iter().filter(|r| self.selected(r)).collect();
        let options = self.policy.options_for(&source.name, &selected).0;
        Ok(Stage::new(&source.name, None, vec![run], &rules, instance, &selected, options, limits.max_findings))
    }

    /// Set up built-in components to run through the pack: one compilation
    /// of the SDK and one parse of each body instead of one per component.
    /// The pack is the same rule crates linked together, so its findings are
    /// theirs; each is credited to the component that declares the rule.
    /// `group` is this instance's share of the `builtins` built-in components
    /// (one instance per core). `None` (the pack fails, does not carry exactly
    /// the built-in components, or a component has limits of its own) sets the
    /// group's components up one by one.
    fn set_up_pack(&self, pack: &RuleSource, group: &[RuleSource], builtins: usize) -> Option<Stage> {
        let loaded = self.sandbox.compile(&pack.name, &pack.bytes).ok()?;
        let mut instance = self.sandbox.instantiate(&loaded, Limits::default()).ok()?;
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
        let mut options = Vec::new();
        for run in &runs {
            let mine: Vec<&RuleMeta> = run.rules.rules.iter().filter(|r| self.selected(r)).collect();
            options.extend(self.policy.options_for(&run.rules.component, &mine).0);
        }
        let selected: Vec<&RuleMeta> =
            runs.iter().flat_map(|r| r.rules.rules.iter()).filter(|r| self.selected(r)).collect();
        // The group stands for its components: their fuel and time added up
        // (with one component's budget the pack ran out of fuel at 30k
        // documents and fell back to the slow path). Memory stays one
        // component's: the group holds one copy of each part, as each
        // component would. The findings cap applies per component too.
        let one = self.limits.run;
        let n = runs.iter().filter(|r| r.ran).count().max(1);
        instance.set_limits(Limits {
            fuel: one.fuel.saturating_mul(n as u64),
            timeout: one.timeout.saturating_mul(n as u32),
            max_findings: one.max_findings.saturating_mul(n),
            memory_bytes: one.memory_bytes,
        });
        let selected: Vec<RuleMeta> = selected.into_iter().cloned().collect();
        let selected: Vec<&RuleMeta> = selected.iter().collect();
        Some(Stage::new(&pack.name, Some(group.to_vec()), runs, &metas, instance, &selected, options, one.max_findings))
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
}

/// Read, parse and check the inputs. A big input is streamed part by part
/// (about [`PART_BYTES`] of files at a time): what whole-set rules asked for
/// is kept, and the rest of each part goes to the stages' per-resource rules
/// and is dropped. Otherwise everything is kept. Each stage ends with one call
/// naming all its rules on what was kept, so each body is parsed once in the
/// guest, for both scopes. The objects (without bodies) are returned when
/// `collect` is set.
fn stream(
    sources: &[input::Source],
    stages: &[Mutex<Stage>],
    jobs: usize,
    collect: bool,
    bar: &ProgressBar,
    (declared, identifier, known): (&Declared, &Identifier, Option<&rewheel_manifest::charts::ChartGraph>),
) -> Loaded {
    let mut loaded = Loaded::default();
    let total = sources.iter().map(|s| s.size).sum();
    let (parts, keep) = match part_bytes(total) {
        Some(bytes) => {
            (parts(sources, bytes), Kinds::union(stages.iter().map(|s| s.lock().expect("unpoisoned").held.clone())))
        }
        None => (vec![sources], Kinds::All),
    };
    let streamed = parts.len() > 1 || keep != Kinds::All;
    // Provenance is decided over the whole input: a streamed input is read
    // once more first; one read whole is decided once parsed.
    let mut graph = known.cloned().or_else(|| streamed.then(|| provenance::pre_pass(sources, jobs, declared)));
    let mut charts: Vec<sandbox::Chart> = graph.as_ref().map(provenance::charts).unwrap_or_default();
    let mut kept: Vec<Resource> = Vec::new();
    let mut kept_at: Vec<usize> = Vec::new();
    let mut seen = 0usize;
    for part in parts {
        // Each file becomes resources as it is parsed (its bodies dropped at
        // once); provenance is filled in once the graph is known.
        let mut parsed = crate::pool::map(part, jobs, |source| {
            source.read().map(|text| {
                provenance::read(rewheel_manifest::load_str(&source.name, &text), |o| to_resource(o, identifier))
            })
        });
        let graph = graph.get_or_insert_with(|| {
            let graph = provenance::graph_of_read(parsed.iter().flatten(), declared);
            charts = provenance::charts(&graph);
            graph
        });
        let parsed: Vec<_> = parsed
            .iter_mut()
            .map(|file| file.as_mut().map_err(|e| e.clone()).map(|file| provenance::settle(graph, file)))
            .collect();
        let mut resources: Vec<Resource> = Vec::new();
        for (source, parsed) in part.iter().zip(parsed) {
            let (file, file_resources) = match parsed {
                Ok(p) => p,
                Err(e) => {
                    loaded.errors.push(ErrorEntry::input(&e.file, e.line, e.message));
                    continue;
                }
            };
            loaded.summary.files += 1;
            loaded.summary.documents += file.documents;
            for e in file.errors {
                loaded.errors.push(ErrorEntry::parse(&source.name, e.line, e.message));
            }
            for s in file.skipped {
                loaded.skipped.push(SkippedEntry {
                    file: source.name.clone(),
                    line: s.line,
                    document: s.document,
                    reason: s.reason,
                });
            }
            if collect {
                loaded.objects.extend(file.objects);
            }
            resources.extend(file_resources);
        }
        let base = seen;
        seen += resources.len();
        if streamed {
            crate::pool::map(stages, jobs, |stage| {
                stage.lock().expect("unpoisoned").check(Part::PerResource, &resources, &charts, |i| base + i)
            });
        }
        for (i, resource) in resources.into_iter().enumerate() {
            if keep.wants(&resource.kind) {
                kept_at.push(base + i);
                kept.push(resource);
            }
        }
        bar.inc(part.len() as u64);
    }
    crate::pool::map(stages, jobs, |stage| {
        let mut stage = stage.lock().expect("unpoisoned");
        let held = stage.held.clone();
        stage.check(if streamed { Part::Last(&held) } else { Part::All }, &kept, &charts, |i| kept_at[i]);
        // Its last call: the instance's memory goes back now, not after the run.
        stage.instance = None;
    });

    loaded.summary.objects = seen as u32;
    loaded.graph = graph;
    loaded
}

/// Consecutive sources of about `bytes` in all (at least one each).
fn parts(sources: &[input::Source], bytes: u64) -> Vec<&[input::Source]> {
    let mut parts = Vec::new();
    let (mut start, mut size) = (0, 0u64);
    for (i, source) in sources.iter().enumerate() {
        size += source.size;
        if size >= bytes {
            parts.push(&sources[start..=i]);
            (start, size) = (i + 1, 0);
        }
    }
    if start < sources.len() {
        parts.push(&sources[start..]);
    }
    parts
}

/// The kinds some rules asked for: every kind, or a list (none at all when
/// there are no such rules).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kinds {
    All,
    Only(BTreeSet<String>),
}

impl Kinds {
    fn of<'a>(rules: impl IntoIterator<Item = &'a RuleMeta>) -> Kinds {
        Kinds::union(
            rules
                .into_iter()
                .map(|r| if r.kinds.is_empty() { Kinds::All } else { Kinds::Only(r.kinds.iter().cloned().collect()) }),
        )
    }

    fn union(all: impl IntoIterator<Item = Kinds>) -> Kinds {
        let mut out = BTreeSet::new();
        for kinds in all {
            match kinds {
                Kinds::All => return Kinds::All,
                Kinds::Only(k) => out.extend(k),
            }
        }
        Kinds::Only(out)
    }

    fn wants(&self, kind: &str) -> bool {
        match self {
            Kinds::All => true,
            Kinds::Only(kinds) => kinds.contains(kind),
        }
    }
}

/// Which of a stage's rules a call runs, on which resources.
#[derive(Debug, Clone, Copy)]
enum Part<'a> {
    /// Rules of scope `per-resource`, on a part of a streamed input, less
    /// the kinds the stage's whole-set rules asked for.
    PerResource,
    /// Every selected rule, on everything (an input not streamed).
    All,
    /// Every selected rule, on the kept resources of these kinds: the last
    /// call of a streamed input.
    Last(&'a Kinds),
}

/// Some selected rules of a stage: their ids and the kinds they asked for.
#[derive(Debug, Clone)]
struct Rules {
    ids: Vec<String>,
    kinds: Kinds,
}

impl Rules {
    fn of(rules: &[&RuleMeta]) -> Rules {
        Rules { ids: rules.iter().map(|r| r.id.clone()).collect(), kinds: Kinds::of(rules.iter().copied()) }
    }
}

/// One rule instance's work in a run: a component, or a group of built-in
/// components through the pack.
struct Stage {
    /// The component, or the pack.
    source: String,
    /// For the pack: the built-in components it stands for.
    group: Option<Vec<RuleSource>>,
    /// One per component, in `group` order.
    runs: Vec<ComponentRun>,
    /// Every rule the instance declares (findings for others are refused).
    declared: BTreeSet<String>,
    instance: Option<sandbox::RuleInstance>,
    per_resource: Rules,
    /// The kinds its whole-set rules asked for: held back from per-resource
    /// calls until the last call, when the input is streamed.
    held: Kinds,
    all: Rules,
    options: Vec<RuleOptions>,
    /// Findings one component may return (the pack's budget is its group's).
    cap: usize,
    /// Findings so far, `resource` rewritten to the index into the run's objects.
    findings: Vec<sandbox::Finding>,
    failed: Option<sandbox::RuleError>,
}

impl Stage {
    #[allow(clippy::too_many_arguments)]
    fn new(
        source: &str,
        group: Option<Vec<RuleSource>>,
        runs: Vec<ComponentRun>,
        declared: &[RuleMeta],
        instance: sandbox::RuleInstance,
        selected: &[&RuleMeta],
        options: Vec<RuleOptions>,
        cap: usize,
    ) -> Stage {
        let (per_resource, whole_set): (Vec<&RuleMeta>, Vec<&RuleMeta>) =
            selected.iter().partition(|r| r.scope == sandbox::Scope::PerResource);
        Stage {
            source: source.to_string(),
            group,
            runs,
            declared: declared.iter().map(|r| r.id.clone()).collect(),
            instance: (!selected.is_empty()).then_some(instance),
            per_resource: Rules::of(&per_resource),
            held: Kinds::of(whole_set.iter().copied()),
            all: Rules::of(selected),
            options,
            cap,
            findings: Vec::new(),
            failed: None,
        }
    }

    /// Call `check` with the rules of `part` on those of `resources` they
    /// asked for (`index` maps a position in `resources` to the run's objects).
    /// The first failure ends the stage: no later call, no findings.
    fn check(&mut self, part: Part, resources: &[Resource], charts: &[sandbox::Chart], index: impl Fn(usize) -> usize) {
        let rules = match part {
            Part::PerResource => &self.per_resource,
            Part::All | Part::Last(_) => &self.all,
        };
        let Some(instance) = self.instance.as_mut().filter(|_| self.failed.is_none() && !rules.ids.is_empty()) else {
            return;
        };
        let wants = |kind: &str| match part {
            // What its own whole-set rules asked for waits for the last call.
            Part::PerResource => rules.kinds.wants(kind) && !self.held.wants(kind),
            Part::All => rules.kinds.wants(kind),
            Part::Last(held) => rules.kinds.wants(kind) && held.wants(kind),
        };
        let wanted: Vec<usize> = (0..resources.len()).filter(|&i| wants(&resources[i].kind)).collect();
        if wanted.is_empty() {
            return;
        }
        // Everything (as the pack often asks): no copy.
        let batch: Cow<'_, [Resource]> = if wanted.len() == resources.len() {
            Cow::Borrowed(resources)
        } else {
            Cow::Owned(wanted.iter().map(|&i| resources[i].clone()).collect())
        };
        let files = batch.iter().map(|r| r.provenance.file.as_str()).collect::<BTreeSet<_>>().len();
        let name = format!("{} resources from {files} file(s)", batch.len());
        let checked = instance.check(&rules.ids, &batch, &self.options, charts, &name).and_then(|mut findings| {
            check_output(&self.source, &findings, instance.limits(), &name)?;
            for f in &mut findings {
                if !self.declared.contains(&f.rule) {
                    return Err(sandbox::RuleError::new(
                        &self.source,
                        format!(
                            "returned a finding for rule {:?}, which it does not declare; its findings were discarded",
                            f.rule
                        ),
                    ));
                }
                let Some(&at) = wanted.get(f.resource as usize) else {
                    return Err(sandbox::RuleError::new(
                        &self.source,
                        format!(
                            "returned a finding for resource {} of a batch of {}; its findings were discarded",
                            f.resource,
                            batch.len()
                        ),
                    ));
                };
                f.resource = index(at) as u32;
            }
            // Only the rules this call ran (a component may report others: they are not selected here).
            findings.retain(|f| rules.ids.contains(&f.rule));
            Ok(findings)
        });
        match checked {
            Ok(findings) => {
                self.findings.extend(findings);
                let cap = instance.limits().max_findings;
                if self.findings.len() > cap {
                    self.failed = Some(sandbox::RuleError::new(
                        &self.source,
                        format!(
                            "check returned {} findings in all, over the limit of {cap} (--rule-max-findings, or max-findings in rewheel.toml); its findings were discarded",
                            self.findings.len()
                        ),
                    ));
                }
            }
            Err(e) => {
                self.failed = Some(e);
                // No later call: its memory goes back now.
                self.instance = None;
            }
        }
    }

    /// The components' runs, each with its findings; for a pack that failed,
    /// the components to run one by one instead.
    fn into_runs(mut self) -> Result<Vec<ComponentRun>, Vec<RuleSource>> {
        let Some(group) = self.group.take() else {
            let mut run = self.runs.pop().expect("a component stage has one run");
            match self.failed {
                // The rules stay known (for ignores and typo warnings); the component did not run.
                Some(e) => {
                    run.ran = false;
                    run.error = Some(e);
                }
                None => run.findings = self.findings,
            }
            return Ok(vec![run]);
        };
        if self.failed.is_some() {
            return Err(group);
        }
        let owner: BTreeMap<String, usize> = self
            .runs
            .iter()
            .enumerate()
            .flat_map(|(i, run)| run.rules.rules.iter().map(move |r| (r.id.clone(), i)))
            .collect();
        let mut split: Vec<Vec<sandbox::Finding>> = vec![Vec::new(); self.runs.len()];
        for finding in self.findings {
            match owner.get(&finding.rule) {
                Some(&i) => split[i].push(finding),
                None => return Err(group),
            }
        }
        for (run, findings) in self.runs.iter_mut().zip(split) {
            // Over one component's cap: let the component report it alone.
            if findings.len() > self.cap {
                return Err(group);
            }
            run.findings = findings;
        }
        Ok(self.runs)
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

/// The resource for `o`, taking what the host never reads again: its body
/// (serialised), labels, chart and annotations but `rewheel.io/ignore`. The
/// object keeps what reports and inline ignores need.
fn to_resource(o: &mut Object, identifier: &Identifier) -> Resource {
    let annotations: Vec<(String, String)> = std::mem::take(&mut o.annotations).into_iter().collect();
    if let Some((key, value)) = annotations.iter().find(|(k, _)| k == suppress::IGNORE_ANNOTATION) {
        o.annotations.insert(key.clone(), value.clone());
    }
    Resource {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        labels: std::mem::take(&mut o.labels).into_iter().collect(),
        annotations,
        provenance: provenance::unsettled(&mut o.provenance),
        runs: crate::identity::runs(identifier, &o.body),
        body: std::mem::take(&mut o.body).to_string(),
    }
}

/// A progress bar on stderr over the input files, or a hidden
/// one: CI logs stay clean, a terminal sees the run move.
fn progress_bar(show: bool, files: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(files), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} auditing [{bar:30}] {pos}/{len} files")
            .expect("valid template")
            .progress_chars("=> "),
    );
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

/// The WIT name of a rule's scope.
pub fn scope_name(s: sandbox::Scope) -> &'static str {
    match s {
        sandbox::Scope::PerResource => "per-resource",
        sandbox::Scope::WholeSet => "whole-set",
    }
}
