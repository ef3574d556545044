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
    /// The options the rule reads from `rewheel.toml` (`[rules.options."<id>"]`);
    /// the host refuses any other key. Read them with [`Report::option_strings`]
    /// and friends.
    pub options: &'static [RuleOption],
}

/// One option a rule accepts from `rewheel.toml`.
///
/// ```
/// use rules_sdk::RuleOption;
/// const ALLOW_KEYS: RuleOption = RuleOption {
///     name: "allow-keys",
///     description: "list of strings: Secret keys that never hold a credential (default: none)",
/// };
/// assert_eq!(ALLOW_KEYS.name, "allow-keys");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleOption {
    /// The key, kebab-case.
    pub name: &'static str,
    /// One line: what it does, its type and its default.
    pub description: &'static str,
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
        options: &[],
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

/// Where a rule's findings go, and where it reads its options. Each finding
/// is attributed to the rule being run.
#[derive(Debug)]
pub struct Report {
    meta: Meta,
    options: Options,
    findings: Vec<FindingDraft>,
    errors: Vec<String>,
}

/// The options configured for a rule: the `[rules.options."<id>"]` table of
/// `rewheel.toml` as JSON. Empty when none are set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options(pub serde_json::Map<String, serde_json::Value>);

impl Options {
    /// Parse the JSON object text the host sends.
    pub fn from_json(text: &str) -> Result<Options, String> {
        match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => Ok(Options(map)),
            Ok(other) => Err(format!("options must be a JSON object, not {other}")),
            Err(e) => Err(format!("options are not JSON: {e}")),
        }
    }

    /// The raw value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }
}

impl Report {
    /// A report for the rule with `meta`, with no options set.
    pub fn new(meta: Meta) -> Report {
        Report::with_options(meta, Options::default())
    }

    /// A report for the rule with `meta` and its configured `options`.
    pub fn with_options(meta: Meta, options: Options) -> Report {
        Report { meta, options, findings: Vec::new(), errors: Vec::new() }
    }

    /// The rule's configured options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// A list-of-strings option; empty when unset. A value of another type is
    /// recorded as an error: the component's `check` then fails with it.
    ///
    /// ```
    /// # use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"allow-keys": ["cache-url"]}"#).unwrap();
    /// let mut report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert_eq!(report.option_strings("allow-keys"), vec!["cache-url".to_string()]);
    /// assert!(report.option_strings("unset").is_empty());
    /// ```
    pub fn option_strings(&mut self, key: &str) -> Vec<String> {
        match self.options.get(key) {
            None => Vec::new(),
            Some(serde_json::Value::Array(items)) if items.iter().all(|i| i.is_string()) => {
                items.iter().filter_map(|i| i.as_str().map(String::from)).collect()
            }
            Some(other) => {
                let other = other.clone();
                self.option_error(key, "a list of strings", &other);
                Vec::new()
            }
        }
    }

    /// A boolean option; `default` when unset (or of another type, recorded as an error).
    pub fn option_bool(&mut self, key: &str, default: bool) -> bool {
        match self.options.get(key) {
            None => default,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(other) => {
                let other = other.clone();
                self.option_error(key, "true or false", &other);
                default
            }
        }
    }

    /// A non-negative integer option; `default` when unset (or of another
    /// type, recorded as an error).
    pub fn option_u64(&mut self, key: &str, default: u64) -> u64 {
        match self.options.get(key) {
            None => default,
            Some(v) if v.as_u64().is_some() => v.as_u64().unwrap_or(default),
            Some(other) => {
                let other = other.clone();
                self.option_error(key, "a non-negative integer", &other);
                default
            }
        }
    }

    fn option_error(&mut self, key: &str, wanted: &str, got: &serde_json::Value) {
        let message = format!("option {key:?} of rule {:?} must be {wanted}, not {got}", self.meta.id);
        if !self.errors.contains(&message) {
            self.errors.push(message);
        }
    }

    /// Errors recorded while the rule ran (bad option values).
    pub fn errors(&self) -> &[String] {
        &self.errors
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

    /// The findings, or the recorded errors if there are any.
    pub fn finish(self) -> Result<Vec<FindingDraft>, Vec<String>> {
        if self.errors.is_empty() { Ok(self.findings) } else { Err(self.errors) }
    }
}
