//! The [`Rule`] trait, its [`Meta`]data and the [`Report`] findings go to.

use crate::object::Object;
use crate::{Category, Severity};

/// Metadata of one rule. Ids are stable: configuration, baselines and
/// suppressions refer to them.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Stable id, kebab-case, prefixed by the component slug.
    pub id: &'static str,
    /// The component slug (`novu`) or principle (`upstream-available`).
    pub component: &'static str,
    pub category: Category,
    /// Default severity of findings.
    pub severity: Severity,
    /// One line: what the rule detects.
    pub summary: &'static str,
    /// What to use instead: upstream chart, operator CRD or values keys.
    pub replace_with: &'static str,
    /// URLs documenting the replacement.
    pub sources: &'static [&'static str],
    /// Kinds the rule looks at; empty for all. The host sends only these.
    pub kinds: &'static [&'static str],
    /// Ids of broader rules this one refines (see the WIT `supersedes`).
    pub supersedes: &'static [&'static str],
    /// Markdown: what it detects, why it matters, what to use instead, an example.
    pub docs: &'static str,
}

impl Meta {
    /// Defaults for struct-update syntax: `Meta { id: "...", ..Meta::DEFAULT }`.
    pub const DEFAULT: Meta = Meta {
        id: "",
        component: "",
        category: Category::ReinventedWorkload,
        severity: Severity::Warning,
        summary: "",
        replace_with: "",
        sources: &[],
        kinds: &[],
        supersedes: &[],
        docs: "",
    };

    /// Does the rule want to see objects of `kind`?
    pub fn wants(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// An audit rule.
///
/// Implement [`Rule::check`] to look at one object at a time, or
/// [`Rule::check_all`] to relate objects (a Service to the workload it selects).
pub trait Rule {
    fn meta(&self) -> Meta;

    /// Check one object. Called for every object of the kinds in `meta().kinds`.
    fn check(&self, object: &Object, report: &mut Report) {
        let _ = (object, report);
    }

    /// Check the whole batch: every object of the declared kinds in the run.
    /// The default calls [`Rule::check`] on each.
    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        for object in objects {
            self.check(object, report);
        }
    }
}

/// A finding before it leaves the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingDraft {
    pub rule: &'static str,
    /// Batch index of the object.
    pub resource: u32,
    pub severity: Severity,
    pub message: String,
    pub path: Option<String>,
    pub replace_with: Option<String>,
}

impl FindingDraft {
    /// The offending field, as a dotted path.
    pub fn at(&mut self, path: impl Into<String>) -> &mut Self {
        self.path = Some(path.into());
        self
    }

    /// A severity other than the rule's default.
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    /// A replacement more specific than the rule's `replace_with`.
    pub fn replace_with(&mut self, replacement: impl Into<String>) -> &mut Self {
        self.replace_with = Some(replacement.into());
        self
    }
}

/// Where a rule's findings go. Each finding is attributed to the rule being run.
#[derive(Debug)]
pub struct Report {
    meta: Meta,
    findings: Vec<FindingDraft>,
}

impl Report {
    /// A report for the rule with `meta`.
    pub fn new(meta: Meta) -> Report {
        Report { meta, findings: Vec::new() }
    }

    /// Report a smell on `object`. Refine it through the returned draft.
    pub fn flag(&mut self, object: &Object, message: impl Into<String>) -> &mut FindingDraft {
        self.findings.push(FindingDraft {
            rule: self.meta.id,
            resource: object.index,
            severity: self.meta.severity,
            message: message.into(),
            path: None,
            replace_with: None,
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// The findings so far.
    pub fn findings(&self) -> &[FindingDraft] {
        &self.findings
    }

    pub fn into_findings(self) -> Vec<FindingDraft> {
        self.findings
    }
}
