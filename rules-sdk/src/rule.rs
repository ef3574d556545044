//! The [`Rule`] trait, its [`Meta`]data and the [`Report`] findings go to.
//!
//! # Examples
//!
//! A rule run by hand on one object, the way the component's `check` export
//! runs it:
//!
//! ```
//! use rules_sdk::prelude::*;
//!
//! struct LatestTag;
//!
//! impl Rule for LatestTag {
//!     fn meta(&self) -> Meta {
//!         Meta { id: "demo-latest-tag", category: Category::UnsafeDefault, kinds: &["Pod"], ..Meta::DEFAULT }
//!     }
//!     fn check(&self, object: &Object, report: &mut Report) {
//!         for c in object.containers() {
//!             if c.image.tag.as_deref() == Some("latest") {
//!                 report.flag(object, format!("{} runs {}", object.display(), c.image)).at(c.field("image"));
//!             }
//!         }
//!     }
//! }
//!
//! let pod = Object {
//!     index: 0,
//!     api_version: "v1".into(),
//!     kind: "Pod".into(),
//!     namespace: None,
//!     name: "web".into(),
//!     labels: Default::default(),
//!     annotations: Default::default(),
//!     provenance: Default::default(),
//!     runs: Vec::new(),
//!     body: serde_json::json!({"spec": {"containers": [{"name": "web", "image": "nginx:latest"}]}}),
//! };
//! let mut report = Report::new(LatestTag.meta());
//! LatestTag.check(&pod, &mut report);
//! let findings = report.finish().unwrap();
//! assert_eq!(findings[0].message, "Pod web runs nginx:latest");
//! assert_eq!(findings[0].path.as_deref(), Some("spec.containers[0].image"));
//! ```

use crate::object::Object;
use crate::{Category, Scope, Severity};

/// Metadata of one rule. Ids are stable: configuration, baselines and
/// suppressions refer to them.
///
/// Start from [`Meta::DEFAULT`] and set what the rule needs.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Category, Meta, RuleOption, Scope, Severity, WORKLOAD_KINDS, supersede};
/// let meta = Meta {
///     id: "demo-raw-mongo",
///     component: "demo",
///     category: Category::ReinventedWorkload,
///     severity: Severity::Warning,
///     summary: "A hand-written MongoDB workload",
///     replace_with: "a MongoDBCommunity CR",
///     sources: &["https://github.com/mongodb/mongodb-kubernetes"],
///     kinds: WORKLOAD_KINDS,
///     scope: Scope::PerResource,
///     supersedes: supersede::WORKLOAD,
///     docs: "Flags StatefulSets running `mongo` written outside an upstream chart.",
///     options: &[RuleOption {
///         name: "allow-images",
///         description: "list of strings (default: none)",
///         kind: rules_sdk::rule::OptionKind::Strings,
///     }],
/// };
/// assert!(meta.wants("StatefulSet"));
/// assert_eq!(meta.options[0].name, "allow-images");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Stable id, kebab-case, prefixed by the component slug.
    pub id: &'static str,
    /// The component slug (`novu`) or principle (`upstream-available`).
    pub component: &'static str,
    /// The smell category the rule belongs to.
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
    /// [`Scope::PerResource`] when the rule judges each object alone (it
    /// implements [`Rule::check`]): the host may then stream the input to it
    /// in parts. [`Scope::WholeSet`] (the default, always correct) when it
    /// implements [`Rule::check_all`] to relate objects. The
    /// [`testing`](crate::testing) harness checks a `PerResource` rule finds
    /// the same on each object alone as on the whole set.
    pub scope: Scope,
    /// Ids of broader rules this one refines (see the WIT `supersedes`).
    pub supersedes: &'static [&'static str],
    /// Markdown: what it detects, why it matters, what to use instead, an example.
    pub docs: &'static str,
    /// The options the rule reads from `rewheel.toml` (`[rules.options."<id>"]`);
    /// the host refuses any other key. Read them with [`Report::option_strings`]
    /// and friends.
    pub options: &'static [RuleOption],
}

/// One option a rule accepts from `rewheel.toml`, listed in [`Meta::options`].
///
/// # Examples
///
/// ```
/// use rules_sdk::RuleOption;
/// use rules_sdk::rule::OptionKind;
/// const ALLOW_KEYS: RuleOption = RuleOption {
///     name: "allow-keys",
///     description: "list of strings: Secret keys that never hold a credential (default: none)",
///     kind: OptionKind::Strings,
/// };
/// assert_eq!(ALLOW_KEYS.name, "allow-keys");
/// assert!(ALLOW_KEYS.kind.accepts(&serde_json::json!(["cache-url"])));
/// assert!(!ALLOW_KEYS.kind.accepts(&serde_json::json!("cache-url")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleOption {
    /// The key, kebab-case.
    pub name: &'static str,
    /// One line: what it does, its type and its default.
    pub description: &'static str,
    /// The value's type. A configured value of another type fails the
    /// component's `check` before any rule runs, naming the option, whether
    /// or not the batch holds an object the rule would read it for.
    pub kind: OptionKind,
}

/// The type of an option's value.
///
/// # Examples
///
/// ```
/// use rules_sdk::rule::OptionKind;
/// assert!(OptionKind::Bool.accepts(&serde_json::json!(true)));
/// assert!(!OptionKind::Integer.accepts(&serde_json::json!(-1)));
/// assert_eq!(OptionKind::Strings.describe(), "a list of strings");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A list of strings ([`Report::option_strings`]).
    Strings,
    /// `true` or `false` ([`Report::option_bool`]).
    Bool,
    /// A non-negative integer ([`Report::option_u64`]).
    Integer,
    /// Any value; the rule checks it itself ([`Options::get`]).
    Any,
}

impl OptionKind {
    /// Is `value` of this type?
    pub fn accepts(self, value: &serde_json::Value) -> bool {
        match self {
            OptionKind::Strings => value.as_array().is_some_and(|a| a.iter().all(serde_json::Value::is_string)),
            OptionKind::Bool => value.is_boolean(),
            OptionKind::Integer => value.as_u64().is_some(),
            OptionKind::Any => true,
        }
    }

    /// The type in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            OptionKind::Strings => "a list of strings",
            OptionKind::Bool => "true or false",
            OptionKind::Integer => "a non-negative integer",
            OptionKind::Any => "any value",
        }
    }
}

impl Meta {
    /// Defaults for struct-update syntax: `Meta { id: "...", ..Meta::DEFAULT }`.
    /// Every string and list is empty (so the rule sees all kinds), the
    /// category is [`Category::ReinventedWorkload`] and the severity
    /// [`Severity::Warning`].
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Severity};
    /// let meta = Meta { id: "demo-quiet", severity: Severity::Info, ..Meta::DEFAULT };
    /// assert_eq!(meta.id, "demo-quiet");
    /// assert!(meta.kinds.is_empty() && meta.options.is_empty());
    /// ```
    pub const DEFAULT: Meta = Meta {
        id: "",
        component: "",
        category: Category::ReinventedWorkload,
        severity: Severity::Warning,
        summary: "",
        replace_with: "",
        sources: &[],
        kinds: &[],
        scope: Scope::WholeSet,
        supersedes: &[],
        docs: "",
        options: &[],
    };

    /// Does the rule want to see objects of `kind`? Every kind when
    /// [`Meta::kinds`] is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::Meta;
    /// let secrets = Meta { id: "demo-secret", kinds: &["Secret"], ..Meta::DEFAULT };
    /// assert!(secrets.wants("Secret"));
    /// assert!(!secrets.wants("ConfigMap"));
    /// assert!(Meta::DEFAULT.wants("ConfigMap"));
    /// ```
    pub fn wants(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// An audit rule.
///
/// Implement [`Rule::check`] to look at one object at a time, or
/// [`Rule::check_all`] to relate objects (a Service to the workload it selects).
///
/// # Examples
///
/// ```
/// use rules_sdk::prelude::*;
///
/// struct HostNetwork;
///
/// impl Rule for HostNetwork {
///     fn meta(&self) -> Meta {
///         Meta { id: "demo-host-network", category: Category::UnsafeDefault, kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
///     }
///     fn check(&self, object: &Object, report: &mut Report) {
///         if object.pod_spec().is_some_and(|p| p.host_network()) {
///             report.flag(object, format!("{} uses the host network", object.display())).at("spec.hostNetwork");
///         }
///     }
/// }
///
/// let pod = Object {
///     index: 0,
///     api_version: "v1".into(),
///     kind: "Pod".into(),
///     namespace: Some("ops".into()),
///     name: "probe".into(),
///     labels: Default::default(),
///     annotations: Default::default(),
///     provenance: Default::default(),
///     runs: Vec::new(),
///     body: serde_json::json!({"spec": {"hostNetwork": true, "containers": []}}),
/// };
/// let mut report = Report::new(HostNetwork.meta());
/// HostNetwork.check_all(&[&pod], &mut report);
/// assert_eq!(report.findings()[0].message, "Pod ops/probe uses the host network");
/// ```
pub trait Rule {
    /// The rule's metadata. Called once when the host lists the component's
    /// rules, and again for every run; it should be a constant.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::prelude::*;
    /// struct Demo;
    /// impl Rule for Demo {
    ///     fn meta(&self) -> Meta {
    ///         Meta { id: "demo", kinds: &["Service"], ..Meta::DEFAULT }
    ///     }
    /// }
    /// assert_eq!(Demo.meta().id, "demo");
    /// assert!(Demo.meta().wants("Service"));
    /// ```
    fn meta(&self) -> Meta;

    /// Check one object. Called for every object of the kinds in `meta().kinds`.
    /// The default does nothing (for rules that implement [`Rule::check_all`]).
    /// A rule that only implements this can declare
    /// [`Scope::PerResource`](crate::Scope), so the host streams big inputs to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::prelude::*;
    /// struct NoReplicas;
    /// impl Rule for NoReplicas {
    ///     fn meta(&self) -> Meta {
    ///         Meta { id: "demo-no-replicas", kinds: &["Deployment"], ..Meta::DEFAULT }
    ///     }
    ///     fn check(&self, object: &Object, report: &mut Report) {
    ///         if object.get("/spec/replicas").is_none() {
    ///             report.flag(object, "no replicas").at("spec.replicas");
    ///         }
    ///     }
    /// }
    /// let deployment = Object {
    ///     index: 0,
    ///     api_version: "apps/v1".into(),
    ///     kind: "Deployment".into(),
    ///     namespace: None,
    ///     name: "web".into(),
    ///     labels: Default::default(),
    ///     annotations: Default::default(),
    ///     provenance: Default::default(),
    ///     runs: Vec::new(),
    ///     body: serde_json::json!({"spec": {}}),
    /// };
    /// let mut report = Report::new(NoReplicas.meta());
    /// NoReplicas.check(&deployment, &mut report);
    /// assert_eq!(report.findings()[0].path.as_deref(), Some("spec.replicas"));
    /// ```
    fn check(&self, object: &Object, report: &mut Report) {
        let _ = (object, report);
    }

    /// Check the whole batch: with [`Scope::WholeSet`](crate::Scope) (the
    /// default), every object of the declared kinds in the run; with
    /// `PerResource`, one part of them at a time. The default calls
    /// [`Rule::check`] on each.
    ///
    /// # Examples
    ///
    /// A Service whose selector matches no workload's pod labels:
    ///
    /// ```
    /// use rules_sdk::prelude::*;
    /// struct Orphan;
    /// impl Rule for Orphan {
    ///     fn meta(&self) -> Meta {
    ///         Meta { id: "demo-orphan-service", kinds: &["Service", "Deployment"], ..Meta::DEFAULT }
    ///     }
    ///     fn check_all(&self, objects: &[&Object], report: &mut Report) {
    ///         let pods: Vec<_> = objects.iter().filter_map(|o| o.pod_spec()).map(|p| p.labels()).collect();
    ///         for service in objects.iter().filter(|o| o.kind == "Service") {
    ///             let Some(selector) = service.get("/spec/selector").and_then(|s| s.as_object()) else { continue };
    ///             let selects = |labels: &std::collections::BTreeMap<String, String>| {
    ///                 selector.iter().all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
    ///             };
    ///             if !pods.iter().any(selects) {
    ///                 report.flag(service, format!("{} selects no workload", service.display()));
    ///             }
    ///         }
    ///     }
    /// }
    /// let object = |index, kind: &str, name: &str, body| Object {
    ///     index,
    ///     api_version: "v1".into(),
    ///     kind: kind.into(),
    ///     namespace: None,
    ///     name: name.into(),
    ///     labels: Default::default(),
    ///     annotations: Default::default(),
    ///     provenance: Default::default(),
    ///     runs: Vec::new(),
    ///     body,
    /// };
    /// let web = object(0, "Deployment", "web", serde_json::json!({"spec": {"template": {
    ///     "metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}
    /// }}}));
    /// let good = object(1, "Service", "web", serde_json::json!({"spec": {"selector": {"app": "web"}}}));
    /// let bad = object(2, "Service", "api", serde_json::json!({"spec": {"selector": {"app": "api"}}}));
    /// let mut report = Report::new(Orphan.meta());
    /// Orphan.check_all(&[&web, &good, &bad], &mut report);
    /// let findings = report.into_findings();
    /// assert_eq!(findings.len(), 1);
    /// assert_eq!((findings[0].resource, findings[0].message.as_str()), (2, "Service api selects no workload"));
    /// ```
    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        for object in objects {
            self.check(object, report);
        }
    }
}

/// A finding before it leaves the component: what [`Report::flag`] returns
/// for refining, and what [`Report::findings`] lists.
///
/// # Examples
///
/// ```
/// use rules_sdk::{FindingDraft, Meta, Report, Severity};
/// # let object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// let mut report = Report::new(Meta { id: "demo", ..Meta::DEFAULT });
/// report.flag(&object, "ConfigMap c holds a script").at("data.init").replace_with("a Job hook of the chart");
/// assert_eq!(report.findings(), [FindingDraft {
///     rule: "demo",
///     resource: 0,
///     severity: Severity::Warning,
///     message: "ConfigMap c holds a script".into(),
///     path: Some("data.init".into()),
///     replace_with: Some("a Job hook of the chart".into()),
/// }]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingDraft {
    /// Id of the rule that reported it.
    pub rule: &'static str,
    /// Batch index of the object.
    pub resource: u32,
    /// The rule's default severity unless [`FindingDraft::severity`] changed it.
    pub severity: Severity,
    /// One line naming the object and what is wrong with it.
    pub message: String,
    /// The offending field as a dotted path (see [`FindingDraft::at`]).
    pub path: Option<String>,
    /// A replacement more specific than the rule's [`Meta::replace_with`].
    pub replace_with: Option<String>,
}

impl FindingDraft {
    /// The offending field, as a dotted path.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report};
    /// # let object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// let mut report = Report::new(Meta { id: "demo", ..Meta::DEFAULT });
    /// report.flag(&object, "mode is debug").at("data.mode");
    /// assert_eq!(report.findings()[0].path.as_deref(), Some("data.mode"));
    /// ```
    pub fn at(&mut self, path: impl Into<String>) -> &mut Self {
        self.path = Some(path.into());
        self
    }

    /// A severity other than the rule's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, Severity};
    /// # let object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// let mut report = Report::new(Meta { id: "demo", severity: Severity::Warning, ..Meta::DEFAULT });
    /// report.flag(&object, "a placeholder password").severity(Severity::Error);
    /// report.flag(&object, "a default user");
    /// assert_eq!(report.findings()[0].severity, Severity::Error);
    /// assert_eq!(report.findings()[1].severity, Severity::Warning);
    /// ```
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    /// A replacement more specific than the rule's `replace_with`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report};
    /// # let object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// let mut report = Report::new(Meta { id: "demo", replace_with: "an operator", ..Meta::DEFAULT });
    /// report.flag(&object, "runs rpk topic create").replace_with("a Topic CR of the Redpanda operator");
    /// assert_eq!(report.findings()[0].replace_with.as_deref(), Some("a Topic CR of the Redpanda operator"));
    /// ```
    pub fn replace_with(&mut self, replacement: impl Into<String>) -> &mut Self {
        self.replace_with = Some(replacement.into());
        self
    }
}

/// Where a rule's findings go, and where it reads its options. Each finding
/// is attributed to the rule being run.
///
/// The SDK makes one per rule and run; build one yourself to unit-test a rule
/// without the `testing` feature.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Meta, Report, rule::Options};
/// # let object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// let options = Options::from_json(r#"{"max-keys": 1}"#).unwrap();
/// let mut report = Report::with_options(Meta { id: "demo-big-config", ..Meta::DEFAULT }, options);
/// if report.option_u64("max-keys", 10) < 2 {
///     report.flag(&object, "too many keys");
/// }
/// let findings = report.finish().unwrap();
/// assert_eq!((findings[0].rule, findings[0].message.as_str()), ("demo-big-config", "too many keys"));
/// ```
#[derive(Debug)]
pub struct Report {
    meta: Meta,
    options: Options,
    charts: std::rc::Rc<[crate::object::Chart]>,
    findings: Vec<FindingDraft>,
    errors: Vec<String>,
}

/// The options configured for a rule: the `[rules.options."<id>"]` table of
/// `rewheel.toml` as JSON. Empty when none are set.
///
/// Rules usually read them through [`Report::option_strings`],
/// [`Report::option_bool`] and [`Report::option_u64`], which check the type.
///
/// # Examples
///
/// ```
/// use rules_sdk::rule::Options;
/// let options = Options::from_json(r#"{"allow-keys": ["cache-url"], "strict": true}"#).unwrap();
/// assert_eq!(options.0.len(), 2);
/// assert_eq!(options.get("strict"), Some(&serde_json::Value::Bool(true)));
/// assert!(Options::default().0.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options(
    /// The option table, keyed by option name.
    pub serde_json::Map<String, serde_json::Value>,
);

impl Options {
    /// Parse the JSON object text the host sends. Anything but a JSON object
    /// is an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::rule::Options;
    /// assert_eq!(Options::from_json(r#"{"quiet": true}"#).unwrap().get("quiet"), Some(&serde_json::json!(true)));
    /// assert_eq!(Options::from_json("{}"), Ok(Options::default()));
    /// assert_eq!(Options::from_json("[1]").unwrap_err(), "options must be a JSON object, not [1]");
    /// assert!(Options::from_json("{quiet").unwrap_err().starts_with("options are not JSON"));
    /// ```
    pub fn from_json(text: &str) -> Result<Options, String> {
        match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => Ok(Options(map)),
            Ok(other) => Err(format!("options must be a JSON object, not {other}")),
            Err(e) => Err(format!("options are not JSON: {e}")),
        }
    }

    /// The raw value of `key`, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::rule::Options;
    /// let options = Options::from_json(r#"{"max-replicas": 3}"#).unwrap();
    /// assert_eq!(options.get("max-replicas").and_then(|v| v.as_u64()), Some(3));
    /// assert_eq!(options.get("unset"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }
}

impl Report {
    /// A report for the rule with `meta`, with no options set.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, rule::Options};
    /// let report = Report::new(Meta { id: "demo", ..Meta::DEFAULT });
    /// assert!(report.findings().is_empty());
    /// assert_eq!(report.options(), &Options::default());
    /// ```
    pub fn new(meta: Meta) -> Report {
        Report::with_options(meta, Options::default())
    }

    /// A report for the rule with `meta` and its configured `options`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"quiet": true}"#).unwrap();
    /// let mut report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert!(report.option_bool("quiet", false));
    /// ```
    pub fn with_options(meta: Meta, options: Options) -> Report {
        Report { meta, options, charts: std::rc::Rc::new([]), findings: Vec::new(), errors: Vec::new() }
    }

    /// The same report, with the run's charts (the SDK sets them).
    pub fn with_charts(mut self, charts: std::rc::Rc<[crate::object::Chart]>) -> Report {
        self.charts = charts;
        self
    }

    /// Every chart of the run, as the host decided it: rendered in the input
    /// or found in the chart sources (`--charts`). An object's own chart
    /// verdict is already in its [`Provenance`](crate::Provenance).
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Chart, Meta, Report};
    /// let chart = Chart { name: "minio".into(), path: "minio".into(), ..Default::default() };
    /// let report = Report::new(Meta::DEFAULT).with_charts(vec![chart].into());
    /// assert_eq!(report.charts()[0].name, "minio");
    /// assert!(!report.charts()[0].upstream);
    /// ```
    pub fn charts(&self) -> &[crate::object::Chart] {
        &self.charts
    }

    /// The rule's configured options.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"mode": "strict"}"#).unwrap();
    /// let report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert_eq!(report.options().get("mode").and_then(|v| v.as_str()), Some("strict"));
    /// ```
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// A list-of-strings option; empty when unset. A value of another type is
    /// recorded as an error: the component's `check` then fails with it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"allow-keys": ["cache-url"]}"#).unwrap();
    /// let mut report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert_eq!(report.option_strings("allow-keys"), vec!["cache-url".to_string()]);
    /// assert!(report.option_strings("unset").is_empty());
    /// ```
    ///
    /// A value of the wrong type:
    ///
    /// ```
    /// # use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"allow-keys": "cache-url"}"#).unwrap();
    /// let mut report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert!(report.option_strings("allow-keys").is_empty());
    /// let error = r#"option "allow-keys" of rule "demo" must be a list of strings, not "cache-url""#;
    /// assert_eq!(report.errors(), [error]);
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
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"quiet": true, "strict": "yes"}"#).unwrap();
    /// let mut report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert!(report.option_bool("quiet", false));
    /// assert!(report.option_bool("unset", true));
    /// assert!(!report.option_bool("strict", false), "a string is not a boolean: the default");
    /// assert_eq!(report.errors(), [r#"option "strict" of rule "demo" must be true or false, not "yes""#]);
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"max-keys": 20, "min-replicas": -1}"#).unwrap();
    /// let mut report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert_eq!(report.option_u64("max-keys", 10), 20);
    /// assert_eq!(report.option_u64("unset", 10), 10);
    /// assert_eq!(report.option_u64("min-replicas", 2), 2);
    /// assert_eq!(report.errors(), [r#"option "min-replicas" of rule "demo" must be a non-negative integer, not -1"#]);
    /// ```
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

    /// Errors recorded while the rule ran (bad option values), each once.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, rule::Options};
    /// let options = Options::from_json(r#"{"quiet": 1}"#).unwrap();
    /// let mut report = Report::with_options(Meta { id: "demo", ..Meta::DEFAULT }, options);
    /// assert!(report.errors().is_empty());
    /// report.option_bool("quiet", false);
    /// report.option_bool("quiet", false);
    /// assert_eq!(report.errors().len(), 1);
    /// assert!(report.errors()[0].contains(r#"option "quiet" of rule "demo""#));
    /// ```
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Report a smell on `object`. Refine it through the returned draft.
    ///
    /// The finding takes the rule's id and default severity, and refers to
    /// the object by its batch index.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, Severity};
    /// # let object = rules_sdk::Object {
    /// #     index: 7, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// let mut report = Report::new(Meta { id: "demo", severity: Severity::Info, ..Meta::DEFAULT });
    /// report.flag(&object, format!("{} is empty", object.display())).at("data");
    /// let finding = &report.findings()[0];
    /// assert_eq!((finding.rule, finding.resource, finding.severity), ("demo", 7, Severity::Info));
    /// assert_eq!(finding.message, "ConfigMap c is empty");
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report};
    /// # let object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// let mut report = Report::new(Meta { id: "demo", ..Meta::DEFAULT });
    /// assert!(report.findings().is_empty());
    /// report.flag(&object, "first");
    /// report.flag(&object, "second");
    /// let messages: Vec<&str> = report.findings().iter().map(|f| f.message.as_str()).collect();
    /// assert_eq!(messages, ["first", "second"]);
    /// ```
    pub fn findings(&self) -> &[FindingDraft] {
        &self.findings
    }

    /// The findings, ignoring any recorded errors (see [`Report::finish`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report};
    /// # let object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// let mut report = Report::new(Meta { id: "demo", ..Meta::DEFAULT });
    /// report.flag(&object, "a smell");
    /// let findings = report.into_findings();
    /// assert_eq!(findings[0].message, "a smell");
    /// ```
    pub fn into_findings(self) -> Vec<FindingDraft> {
        self.findings
    }

    /// The findings, or the recorded errors if there are any.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Meta, Report, rule::Options};
    /// # let object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// let meta = Meta { id: "demo", ..Meta::DEFAULT };
    /// let mut ok = Report::new(meta);
    /// ok.flag(&object, "a smell");
    /// assert_eq!(ok.finish().unwrap().len(), 1);
    ///
    /// let mut bad = Report::with_options(meta, Options::from_json(r#"{"quiet": "no"}"#).unwrap());
    /// bad.option_bool("quiet", false);
    /// bad.flag(&object, "a smell");
    /// assert_eq!(bad.finish().unwrap_err().len(), 1);
    /// ```
    pub fn finish(self) -> Result<Vec<FindingDraft>, Vec<String>> {
        if self.errors.is_empty() { Ok(self.findings) } else { Err(self.errors) }
    }
}
