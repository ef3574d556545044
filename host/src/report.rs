//! The report: a stable JSON contract (docs/REPORT.md) and its text rendering.
//!
//! Everything here is sorted before it is written, so the same input gives
//! byte-identical output.

use std::fmt::Write as _;

use serde::Serialize;

/// Bumped on any incompatible change to the JSON shape.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub version: u32,
    pub findings: Vec<FindingEntry>,
    pub errors: Vec<ErrorEntry>,
    pub skipped: Vec<SkippedEntry>,
    /// Findings an inline ignore, an exemption or the baseline suppressed.
    pub suppressed: Vec<SuppressedEntry>,
    /// Configuration and suppression problems that do not stop the run:
    /// expired or unused exemptions, unused or refused inline ignores, stale
    /// baseline entries, selectors that name no rule.
    pub warnings: Vec<WarningEntry>,
    pub summary: Summary,
    /// The rules that ran (for the Markdown report's clean components); not
    /// part of the JSON contract.
    #[serde(skip)]
    pub rules: Vec<RuleInfo>,
}

/// What the Markdown report needs to know about a rule that ran.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleInfo {
    pub component: String,
    pub id: String,
    pub summary: String,
    pub replace_with: String,
    pub sources: Vec<String>,
    pub category: String,
    pub severity: Severity,
    /// Markdown: what it detects, why it matters, what to use instead, an example.
    pub docs: String,
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub document: u32,
    pub template: Option<String>,
    /// Who wrote the object, as the host decided (`wrapper`, `hand-written`, ...).
    pub origin: String,
    /// Why, in one sentence naming the evidence.
    pub evidence: String,
    /// The chart template file a developer edits, when the chart sources
    /// (`--charts`) hold it.
    pub source: Option<SourceLocation>,
}

/// A file of the chart sources and the line to look at.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceLocation {
    pub file: String,
    /// The line declaring the object's `kind:` in the template, else 1.
    pub line: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FindingEntry {
    pub rule: String,
    pub component: String,
    pub category: String,
    pub severity: Severity,
    pub message: String,
    pub replace_with: String,
    pub sources: Vec<String>,
    /// Dotted path of the offending field, when the rule gave one.
    pub path: Option<String>,
    pub resource: ResourceRef,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    Parse,
    Rule,
    Input,
    /// Configuration a rule refused, e.g. an option key it does not declare.
    Config,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Parse => "parse",
            ErrorKind::Rule => "rule",
            ErrorKind::Input => "input",
            ErrorKind::Config => "config",
        }
    }
}

/// A finding that was suppressed, and by what.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SuppressedEntry {
    #[serde(flatten)]
    pub finding: FindingEntry,
    pub suppression: Suppression,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason given (the baseline's is fixed).
    pub reason: String,
    /// Where: `rewheel.toml:LINE`, `FILE:LINE` of the annotated resource, or the baseline file.
    pub source: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// A `rewheel.io/ignore` annotation on the resource.
    Inline,
    /// An `[[exemption]]` in rewheel.toml.
    Exemption,
    /// An entry of the `--baseline` file.
    Baseline,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Exemption => "exemption",
            SuppressionKind::Baseline => "baseline",
        }
    }
}

/// A problem worth fixing that does not stop the run.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct WarningEntry {
    pub kind: WarningKind,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// An exemption past its `expires` date: its findings are reported again.
    ExpiredExemption,
    /// An exemption that matched no finding.
    UnusedExemption,
    /// An inline ignore naming a rule that reported nothing on its resource.
    UnusedIgnore,
    /// An inline ignore without a reason, or naming no known rule: not applied.
    InvalidIgnore,
    /// An inline ignore present under `--no-inline-ignores`: not applied.
    RefusedIgnore,
    /// A baseline entry that matched fewer findings than it records.
    StaleBaseline,
    /// A rule id, component or category in the configuration that names no loaded rule.
    UnknownRule,
    /// A mapping key repeated in a document: the last value was kept (`--strict-yaml` refuses it).
    DuplicateKey,
}

impl WarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::ExpiredExemption => "expired-exemption",
            WarningKind::UnusedExemption => "unused-exemption",
            WarningKind::UnusedIgnore => "unused-ignore",
            WarningKind::InvalidIgnore => "invalid-ignore",
            WarningKind::RefusedIgnore => "refused-ignore",
            WarningKind::StaleBaseline => "stale-baseline",
            WarningKind::UnknownRule => "unknown-rule",
            WarningKind::DuplicateKey => "duplicate-key",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ErrorEntry {
    pub kind: ErrorKind,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub rule: Option<String>,
    pub message: String,
}

impl ErrorEntry {
    pub fn input(file: &str, line: Option<u32>, message: String) -> ErrorEntry {
        ErrorEntry { kind: ErrorKind::Input, file: Some(file.to_string()), line, rule: None, message }
    }

    pub fn parse(file: &str, line: u32, message: String) -> ErrorEntry {
        ErrorEntry { kind: ErrorKind::Parse, file: Some(file.to_string()), line: Some(line), rule: None, message }
    }

    pub fn rule(rule: &str, message: String) -> ErrorEntry {
        ErrorEntry { kind: ErrorKind::Rule, file: None, line: None, rule: Some(rule.to_string()), message }
    }
}

/// A document that is YAML but not a Kubernetes object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedEntry {
    pub file: String,
    pub line: u32,
    pub document: u32,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Files read (stdin counts as one).
    pub files: u32,
    /// Non-empty documents seen.
    pub documents: u32,
    /// Kubernetes objects loaded (`kind: List` items count one each).
    pub objects: u32,
    /// Documents (or List items) that are not Kubernetes objects.
    pub skipped: u32,
    /// Entries in `errors`.
    pub errors: u32,
    /// Rule components that ran, and rules they carry.
    pub components: u32,
    pub rules: u32,
    pub findings: SeverityCounts,
    /// Findings dropped because a more specific rule reported the same resource.
    pub superseded: u32,
    /// Findings suppressed, by what.
    pub suppressed: SuppressedCounts,
    /// Entries in `warnings`.
    pub warnings: u32,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SuppressedCounts {
    pub total: u32,
    pub inline: u32,
    pub exemption: u32,
    pub baseline: u32,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SeverityCounts {
    pub total: u32,
    pub info: u32,
    pub warning: u32,
    pub error: u32,
}

#[cfg(test)]
impl FindingEntry {
    /// A warning of `rule` on Deployment `novu/<name>` in `./r/novu.yaml`, for unit tests.
    pub fn sample(rule: &str, name: &str, message: &str) -> FindingEntry {
        FindingEntry {
            rule: rule.into(),
            component: "novu".into(),
            category: "reinvented-workload".into(),
            severity: Severity::Warning,
            message: message.into(),
            replace_with: String::new(),
            sources: vec![],
            path: None,
            resource: ResourceRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("novu".into()),
                name: name.into(),
            },
            location: Location {
                file: "./r/novu.yaml".into(),
                line: 1,
                document: 0,
                template: None,
                origin: "hand-written".into(),
                evidence: "no # Source: comment and no Helm chart label: plain YAML".into(),
                source: None,
            },
        }
    }
}

/// The report order of findings: file, document, rule, resource, message, path.
pub fn finding_order(a: &FindingEntry, b: &FindingEntry) -> std::cmp::Ordering {
    (&a.location.file, a.location.document, &a.rule, &a.resource, &a.message, &a.path, a.severity, &a.replace_with).cmp(
        &(
            &b.location.file,
            b.location.document,
            &b.rule,
            &b.resource,
            &b.message,
            &b.path,
            b.severity,
            &b.replace_with,
        ),
    )
}

impl Report {
    /// A report of a run that could not start: only `errors`.
    pub fn with_errors(errors: Vec<ErrorEntry>) -> Report {
        let mut report = Report {
            version: REPORT_VERSION,
            findings: Vec::new(),
            errors,
            skipped: Vec::new(),
            suppressed: Vec::new(),
            warnings: Vec::new(),
            summary: Summary::default(),
            rules: Vec::new(),
        };
        report.finish();
        report
    }

    /// Sort everything into its stable order and fill the summary counts that
    /// follow from the lists.
    pub fn finish(&mut self) {
        self.findings.sort_by(finding_order);
        self.errors.sort_by(|a, b| {
            (&a.file, a.line, &a.rule, a.kind, &a.message).cmp(&(&b.file, b.line, &b.rule, b.kind, &b.message))
        });
        self.skipped.sort();
        self.rules.sort();
        self.warnings.sort();
        self.warnings.dedup();
        self.suppressed.sort_by(|a, b| finding_order(&a.finding, &b.finding));
        let mut suppressed = SuppressedCounts::default();
        for e in &self.suppressed {
            suppressed.total += 1;
            match e.suppression.kind {
                SuppressionKind::Inline => suppressed.inline += 1,
                SuppressionKind::Exemption => suppressed.exemption += 1,
                SuppressionKind::Baseline => suppressed.baseline += 1,
            }
        }
        self.summary.suppressed = suppressed;
        self.summary.warnings = self.warnings.len() as u32;
        let mut counts = SeverityCounts::default();
        for f in &self.findings {
            counts.total += 1;
            match f.severity {
                Severity::Info => counts.info += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Error => counts.error += 1,
            }
        }
        self.summary.findings = counts;
        self.summary.errors = self.errors.len() as u32;
        self.summary.skipped = self.skipped.len() as u32;
    }

    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("report serialises");
        out.push('\n');
        out
    }
}

impl Report {
    /// The report in the shape of the seed audit: a summary table, then per
    /// component the local smells (each resource with file, line, template),
    /// what to replace them with and the sources; clean components listed.
    pub fn to_markdown(&self) -> String {
        use std::collections::BTreeMap;
        let mut out = String::from("# Reinvention audit\n\n");
        let s = &self.summary;
        let _ = writeln!(
            out,
            "Read-only audit of {} file{} ({} documents, {} objects) with {} rules from {} components: {} finding{}, {} error{}.\n",
            s.files,
            plural(s.files),
            s.documents,
            s.objects,
            s.rules,
            s.components,
            s.findings.total,
            plural(s.findings.total),
            s.errors,
            plural(s.errors)
        );
        if s.suppressed.total > 0 || s.warnings > 0 {
            let _ = writeln!(
                out,
                "Suppressed: {} ({} inline, {} exemption, {} baseline). Warnings: {}.\n",
                s.suppressed.total, s.suppressed.inline, s.suppressed.exemption, s.suppressed.baseline, s.warnings
            );
        }
        let mut by_component: BTreeMap<&str, Vec<&FindingEntry>> = BTreeMap::new();
        for f in &self.findings {
            by_component.entry(&f.component).or_default().push(f);
        }
        let mut components: Vec<&str> = self.rules.iter().map(|r| r.component.as_str()).collect();
        components.extend(by_component.keys());
        components.sort();
        components.dedup();
        let clean: Vec<&str> = components.iter().copied().filter(|c| !by_component.contains_key(c)).collect();

        out.push_str("| Component | Findings | Error | Warning | Info | Resources |\n|---|---:|---:|---:|---:|---|\n");
        for (component, findings) in &by_component {
            let count = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
            let mut resources: Vec<String> = findings.iter().map(|f| resource_name(&f.resource)).collect();
            resources.sort();
            resources.dedup();
            let _ = writeln!(
                out,
                "| {component} | {} | {} | {} | {} | {} |",
                findings.len(),
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info),
                md_cell(&resources.join(", "))
            );
        }
        if !clean.is_empty() {
            let _ = writeln!(out, "| clean | 0 | 0 | 0 | 0 | {} |", clean.join(", "));
        }

        for (n, (component, findings)) in by_component.iter().enumerate() {
            let _ = writeln!(out, "\n## {}. {component}\n", n + 1);
            let mut by_rule: BTreeMap<&str, Vec<&&FindingEntry>> = BTreeMap::new();
            for f in findings {
                by_rule.entry(&f.rule).or_default().push(f);
            }
            for (rule, hits) in by_rule {
                let info = self.rules.iter().find(|r| r.id == rule);
                let summary = info.map(|r| r.summary.as_str()).unwrap_or(rule);
                let _ = writeln!(out, "- **Local smell** (`{rule}`): {summary}");
                for f in &hits {
                    let template =
                        f.location.template.as_deref().map(|t| format!(", template `{t}`")).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  - {} `{}` — `{}:{}`{template}: {}",
                        f.severity.as_str(),
                        resource_name(&f.resource),
                        f.location.file,
                        f.location.line,
                        f.message
                    );
                }
                let mut replacements: Vec<&str> = hits.iter().map(|f| f.replace_with.as_str()).collect();
                replacements.sort();
                replacements.dedup();
                for r in replacements {
                    let _ = writeln!(out, "- **Replace with:** {r}");
                }
                let mut sources: Vec<&str> = hits.iter().flat_map(|f| f.sources.iter().map(String::as_str)).collect();
                sources.sort();
                sources.dedup();
                if !sources.is_empty() {
                    let _ = writeln!(out, "- **Sources:** {}", sources.join(", "));
                }
            }
        }
        if !clean.is_empty() {
            let _ = writeln!(out, "\n## Clean\n\nNo finding for: {}.", clean.join(", "));
        }
        if !self.errors.is_empty() {
            out.push_str("\n## Errors\n\n");
            for e in &self.errors {
                let place = match (&e.file, e.line, &e.rule) {
                    (Some(f), Some(l), _) => format!("`{f}:{l}`"),
                    (Some(f), None, _) => format!("`{f}`"),
                    (None, _, Some(r)) => format!("rule `{r}`"),
                    _ => String::new(),
                };
                let _ = writeln!(out, "- {} error {place}: {}", e.kind.as_str(), e.message);
            }
        }
        if !self.warnings.is_empty() {
            out.push_str("\n## Warnings\n\n");
            for w in &self.warnings {
                let place = match (&w.file, w.line) {
                    (Some(f), Some(l)) => format!(" `{f}:{l}`"),
                    (Some(f), None) => format!(" `{f}`"),
                    _ => String::new(),
                };
                let _ = writeln!(out, "- {}{place}: {}", w.kind.as_str(), w.message);
            }
        }
        if !self.suppressed.is_empty() {
            out.push_str("\n## Suppressed\n\n");
            for e in &self.suppressed {
                let f = &e.finding;
                let _ = writeln!(
                    out,
                    "- `{}` `{}` — `{}:{}`: {} by {} (`{}`): {}",
                    f.rule,
                    resource_name(&f.resource),
                    f.location.file,
                    f.location.line,
                    f.severity.as_str(),
                    e.suppression.kind.as_str(),
                    e.suppression.source,
                    e.suppression.reason
                );
            }
        }
        out
    }
}

/// `Kind namespace/name` (or `Kind name` without a namespace), for messages.
pub fn resource_name(r: &ResourceRef) -> String {
    match &r.namespace {
        Some(ns) => format!("{} {}/{}", r.kind, ns, r.name),
        None => format!("{} {}", r.kind, r.name),
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

pub(crate) fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
