//! One audit run: find the inputs, set up every rule component in its
//! sandbox, then read, parse and check the inputs (each document parsed once;
//! a big input streamed part by part to per-resource rules, with only what
//! whole-set rules asked for kept for their one call), and merge the findings.
//!
//! A component that fails (bad bytes, a trap, a limit, malformed output) costs
//! only its own findings: the error names it and every other rule still reports.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use indicatif::ProgressBar;

use rewheel_manifest::{Object, ReadOptions};

use crate::cache::Cache;
use crate::config::{self, LimitPolicy, LoadedConfig, Selection};
use crate::input;
use crate::provenance;
use crate::report::{
    ErrorEntry, ErrorKind, FindingEntry, Report, ResourceRef, Severity, SkippedEntry, Summary, WarningEntry,
    WarningKind,
};
use crate::rulepack::RuleSource;
use crate::sandbox::{self, Limits, RuleMeta, RuleOptions, Sandbox};
use crate::stage::{ComponentContext, ComponentRun, Job, Stage};
use crate::stream::{Loaded, Reading, stream};
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
    /// How inputs are read: the per-document limit, the input cap, strict YAML.
    pub read: ReadOptions,
    /// An input with no documents at all is no error (`--allow-empty`).
    pub allow_empty: bool,
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
    pub(crate) fn options_for(&self, component: &str, rules: &[&RuleMeta]) -> (Vec<RuleOptions>, Vec<ErrorEntry>) {
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

/// Components run at once when a pack instance gives way to its components:
/// each group of them reads the input again.
const RETRY_AT_ONCE: usize = 8;

/// Run the audit: read the inputs, set up every rule component, check the
/// input part by part, retry a failed pack's components alone, then turn
/// what they found into the report.
pub fn run(options: AuditOptions) -> Report {
    let inputs = input::find_inputs(&options.paths, &options.read);
    let mut errors: Vec<ErrorEntry> =
        inputs.errors.iter().map(|e| ErrorEntry::input(&e.file, e.line, e.message.clone())).collect();
    errors.extend(options.rule_errors.iter().cloned());
    if inputs.capped {
        return finished(assemble(Vec::new(), errors, Vec::new(), Summary::default(), 0, 0, 0));
    }
    let bar = progress_bar(options.progress, inputs.sources.len() as u64);
    let (declared, source_errors) = provenance::declared(&options.policy.config, &options.charts);
    let identifier = crate::identity::identifier(&options.policy.config);
    errors.extend(source_errors);
    let reading = (&options.read, &declared, &identifier, None);

    let (selection, context) = match context(&options) {
        Ok(set_up) => set_up,
        Err(e) => {
            // Nothing runs; the inputs are still read, so the summary counts them.
            errors.push(e);
            let loaded = stream(&inputs.sources, &[], options.jobs, true, &bar, reading);
            bar.finish_and_clear();
            errors.extend(loaded.errors);
            return finished(assemble(Vec::new(), errors, loaded.skipped, loaded.summary, 0, 0, 0));
        }
    };
    let stages = set_up_stages(&context, &options, &mut errors);
    let loaded = stream(&inputs.sources, &stages, options.jobs, true, &bar, reading);
    let Loaded { objects, summary, errors: load_errors, warnings: load_warnings, skipped, graph } = loaded;
    errors.extend(load_errors);
    if summary.documents == 0 && !options.allow_empty && !errors.iter().any(|e| e.kind == ErrorKind::Input) {
        errors.push(input::nothing_given(&inputs.given));
    }
    let reading = (&options.read, &declared, &identifier, graph.as_ref());
    let outcomes = finish_stages(stages, &context, &options, &inputs.sources, reading, objects.len());
    bar.finish_and_clear();
    let components = collect(outcomes, &options, &mut errors);
    let mut report = report_of(&components, &objects, &options, &selection, errors, skipped, summary);
    report.warnings.extend(load_warnings);
    finished(report)
}

fn finished(mut report: Report) -> Report {
    report.finish();
    report
}

/// The rule selection and what setting up every stage shares, or why nothing can run.
fn context(options: &AuditOptions) -> Result<(Arc<Selection>, Arc<ComponentContext>), ErrorEntry> {
    let selection = options.policy.selection().map_err(|message| ErrorEntry {
        kind: ErrorKind::Config,
        file: None,
        line: None,
        rule: None,
        message,
    })?;
    let sandbox = Sandbox::new(options.limits.run, options.cache.clone())
        .map_err(|e| ErrorEntry::rule("sandbox", format!("cannot start the sandbox: {e}")))?;
    let selection = Arc::new(selection);
    let context = ComponentContext {
        sandbox: Arc::new(sandbox),
        limits: options.limits.clone(),
        policy: options.policy.clone(),
        selection: selection.clone(),
    };
    Ok((selection, Arc::new(context)))
}

/// Compile, instantiate and ask every component for its rules, in parallel.
/// The built-in components run as one pack job per core when they can; the
/// pack jobs go first, as the longest.
fn set_up_stages(
    context: &Arc<ComponentContext>,
    options: &AuditOptions,
    errors: &mut Vec<ErrorEntry>,
) -> Vec<Mutex<Stage>> {
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
    stages
}

/// Each stage's component runs. A pack instance that failed gives way to its
/// components, one by one, on the whole input again: errors name the
/// component at fault, and hide no other's findings.
fn finish_stages(
    stages: Vec<Mutex<Stage>>,
    context: &Arc<ComponentContext>,
    options: &AuditOptions,
    sources: &[input::Source],
    reading: Reading,
    objects: usize,
) -> Vec<Result<ComponentRun, sandbox::RuleError>> {
    let mut outcomes = Vec::new();
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
        outcomes.extend(retry_alone(few, context, options.jobs, sources, reading, objects));
    }
    outcomes
}

/// Set up `few` components alone and check the whole input again with them.
fn retry_alone(
    few: &[RuleSource],
    context: &Arc<ComponentContext>,
    jobs: usize,
    sources: &[input::Source],
    reading: Reading,
    objects: usize,
) -> Vec<Result<ComponentRun, sandbox::RuleError>> {
    let mut outcomes = Vec::new();
    let set_up = parallel(few.to_vec(), jobs, {
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
    let again = stream(sources, &stages, jobs, false, &ProgressBar::hidden(), reading);
    for stage in stages {
        let stage = stage.into_inner().expect("a stage lock is never poisoned");
        // Findings point at objects by their place in the first reading.
        if again.summary.objects as usize != objects {
            outcomes.push(Err(sandbox::RuleError::new(
                &stage.source,
                format!(
                    "the input changed during the run ({objects} objects read first, {} when read again for this component); its findings were discarded",
                    again.summary.objects
                ),
            )));
            continue;
        }
        outcomes.extend(stage.into_runs().unwrap_or_default().into_iter().map(Ok));
    }
    outcomes
}

/// The components that ran, in rule-source order, refusing duplicate rule
/// ids across components (the first declaration of an id wins).
fn collect(
    outcomes: Vec<Result<ComponentRun, sandbox::RuleError>>,
    options: &AuditOptions,
    errors: &mut Vec<ErrorEntry>,
) -> Vec<ComponentRun> {
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
    // Source order, whichever job ran a component.
    let position: BTreeMap<&str, usize> = options.rules.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    components.sort_by_key(|c: &ComponentRun| position.get(c.rules.component.as_str()).copied());
    let mut declared: Vec<ComponentRules> = components.iter().map(|c| c.rules.clone()).collect();
    validate_metas(&mut declared, errors);
    let kept: BTreeSet<&str> = declared.iter().map(|c| c.component.as_str()).collect();
    components.into_iter().filter(|c| kept.contains(c.rules.component.as_str())).collect()
}

/// The report of the components' findings: each smell once per resource,
/// suppressions applied, severities configured, the rules that ran listed.
fn report_of(
    components: &[ComponentRun],
    objects: &[Object],
    options: &AuditOptions,
    selection: &Selection,
    mut errors: Vec<ErrorEntry>,
    skipped: Vec<SkippedEntry>,
    summary: Summary,
) -> Report {
    // Everything loaded, for typo warnings and inline ignores; what ran, for the rest.
    let loaded: Vec<(&str, &str, &str)> = components
        .iter()
        .flat_map(|c| c.rules.rules.iter().map(|m| (m.id.as_str(), m.component.as_str(), category_name(m.category))))
        .collect();
    let mut warnings = options.policy.unknown_names(selection, &loaded);
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
    let (findings, superseded) = findings_of(components, &metas, objects, options);
    let mut outcome = suppress::apply(&options.policy.suppressions, findings, objects, &known, &ran);
    warnings.append(&mut outcome.warnings);
    let ran_components = components.iter().filter(|c| c.ran).count() as u32;
    let rule_count = metas.len() as u32;
    let mut report = assemble(outcome.findings, errors, skipped, summary, ran_components, rule_count, superseded);
    report.suppressed = outcome.suppressed;
    report.warnings = warnings;
    report.rules = metas.values().map(|m| rule_info(m, options)).collect();
    report
}

/// A finding's configured severity.
fn severity_of(m: &RuleMeta, s: sandbox::Severity, options: &AuditOptions) -> Severity {
    let severities = &options.policy.config.config.severity;
    config::severity_for(severities, &m.id, &m.component, category_name(m.category), severity(s))
}

/// The findings of rules that ran, each smell once per resource (at the most
/// specific rule), by object; and how many were superseded.
fn findings_of(
    components: &[ComponentRun],
    metas: &BTreeMap<&str, &RuleMeta>,
    objects: &[Object],
    options: &AuditOptions,
) -> (Vec<(usize, FindingEntry)>, u32) {
    let mut raw: Vec<(usize, &sandbox::Finding)> =
        components.iter().flat_map(|c| c.findings.iter().map(|f| (f.resource as usize, f))).collect();
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
    let findings = raw
        .into_iter()
        .map(|(r, f)| {
            let meta = metas[f.rule.as_str()];
            let o = &objects[r];
            let entry = FindingEntry {
                rule: f.rule.clone(),
                component: meta.component.clone(),
                category: category_name(meta.category).to_string(),
                severity: severity_of(meta, f.severity, options),
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
    (findings, superseded)
}

fn rule_info(m: &RuleMeta, options: &AuditOptions) -> crate::report::RuleInfo {
    crate::report::RuleInfo {
        component: m.component.clone(),
        id: m.id.clone(),
        summary: m.summary.clone(),
        replace_with: m.replace_with.clone(),
        sources: m.sources.clone(),
        category: category_name(m.category).to_string(),
        severity: severity_of(m, m.default_severity, options),
        docs: m.docs.clone(),
    }
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
