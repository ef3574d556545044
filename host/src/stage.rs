//! One rule instance's work in a run (a component, or a group of built-in
//! components through the pack): set up, called on parts of the input, its
//! findings checked and credited to the component that declares each rule.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::audit::{ComponentRules, Policy, category_name};
use crate::config::{LimitPolicy, Selection};
use crate::report::ErrorEntry;
use crate::rulepack::RuleSource;
use crate::sandbox::{self, Limits, Resource, RuleMeta, RuleOptions, Sandbox};

/// A component that ran: its rules and its (validated) findings, with
/// `resource` rewritten to the index into the run's objects.
pub(crate) struct ComponentRun {
    pub(crate) rules: ComponentRules,
    pub(crate) findings: Vec<sandbox::Finding>,
    /// Whether any of its rules was selected (it was not called otherwise).
    pub(crate) ran: bool,
    /// Options its rules refused.
    pub(crate) config_errors: Vec<ErrorEntry>,
    /// Why `check` failed, after `rules()` succeeded.
    pub(crate) error: Option<sandbox::RuleError>,
}

/// One unit of set-up work for the rule pool.
pub(crate) enum Job {
    /// One component.
    One(RuleSource),
    /// Some of the built-in components (of `builtins` in all), run through
    /// the pack when they can be.
    Pack { pack: RuleSource, group: Vec<RuleSource>, builtins: usize },
}

/// What setting up every stage shares.
pub(crate) struct ComponentContext {
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) limits: LimitPolicy,
    pub(crate) policy: Policy,
    pub(crate) selection: Arc<Selection>,
}

impl ComponentContext {
    /// Compile and instantiate one component and ask for its rules.
    pub(crate) fn set_up(&self, source: &RuleSource) -> Result<Stage, sandbox::RuleError> {
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
    pub(crate) fn set_up_pack(&self, pack: &RuleSource, group: &[RuleSource], builtins: usize) -> Option<Stage> {
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
    pub(crate) fn plan(&self, name: &str, rules: Vec<RuleMeta>) -> ComponentRun {
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

    pub(crate) fn selected(&self, rule: &RuleMeta) -> bool {
        self.selection.selects(&rule.id, &rule.component, category_name(rule.category))
    }
}

/// The kinds some rules asked for: every kind, or a list (none at all when
/// there are no such rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kinds {
    All,
    Only(BTreeSet<String>),
}

impl Kinds {
    pub(crate) fn of<'a>(rules: impl IntoIterator<Item = &'a RuleMeta>) -> Kinds {
        Kinds::union(
            rules
                .into_iter()
                .map(|r| if r.kinds.is_empty() { Kinds::All } else { Kinds::Only(r.kinds.iter().cloned().collect()) }),
        )
    }

    pub(crate) fn union(all: impl IntoIterator<Item = Kinds>) -> Kinds {
        let mut out = BTreeSet::new();
        for kinds in all {
            match kinds {
                Kinds::All => return Kinds::All,
                Kinds::Only(k) => out.extend(k),
            }
        }
        Kinds::Only(out)
    }

    pub(crate) fn wants(&self, kind: &str) -> bool {
        match self {
            Kinds::All => true,
            Kinds::Only(kinds) => kinds.contains(kind),
        }
    }
}

/// Which of a stage's rules a call runs, on which resources.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part<'a> {
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
pub(crate) struct Rules {
    pub(crate) ids: Vec<String>,
    pub(crate) kinds: Kinds,
}

impl Rules {
    pub(crate) fn of(rules: &[&RuleMeta]) -> Rules {
        Rules { ids: rules.iter().map(|r| r.id.clone()).collect(), kinds: Kinds::of(rules.iter().copied()) }
    }
}

/// One rule instance's work in a run: a component, or a group of built-in
/// components through the pack.
pub(crate) struct Stage {
    /// The component, or the pack.
    pub(crate) source: String,
    /// For the pack: the built-in components it stands for.
    pub(crate) group: Option<Vec<RuleSource>>,
    /// One per component, in `group` order.
    pub(crate) runs: Vec<ComponentRun>,
    /// Every rule the instance declares (findings for others are refused).
    pub(crate) declared: BTreeSet<String>,
    pub(crate) instance: Option<sandbox::RuleInstance>,
    pub(crate) per_resource: Rules,
    /// The kinds its whole-set rules asked for: held back from per-resource
    /// calls until the last call, when the input is streamed.
    pub(crate) held: Kinds,
    pub(crate) all: Rules,
    pub(crate) options: Vec<RuleOptions>,
    /// Findings one component may return (the pack's budget is its group's).
    pub(crate) cap: usize,
    /// Findings so far, `resource` rewritten to the index into the run's objects.
    pub(crate) findings: Vec<sandbox::Finding>,
    pub(crate) failed: Option<sandbox::RuleError>,
}

impl Stage {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
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
    pub(crate) fn check(
        &mut self,
        part: Part,
        resources: &[Resource],
        charts: &[sandbox::Chart],
        index: impl Fn(usize) -> usize,
    ) {
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
    pub(crate) fn into_runs(mut self) -> Result<Vec<ComponentRun>, Vec<RuleSource>> {
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
pub(crate) fn check_output(
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
