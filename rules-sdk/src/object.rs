//! A rendered Kubernetes object as a rule sees it.
//!
//! The SDK builds an [`Object`] for every resource the host sends; rules read
//! it through typed helpers ([`Object::containers`], [`Object::origin`]) or
//! the raw JSON body.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::object::{Object, Provenance};
//! let object = Object {
//!     index: 0,
//!     api_version: "v1".into(),
//!     kind: "Service".into(),
//!     namespace: Some("shop".into()),
//!     name: "web".into(),
//!     labels: Default::default(),
//!     annotations: Default::default(),
//!     provenance: Provenance { template: Some("shop/templates/service.yaml".into()), ..Provenance::default() },
//!     runs: Vec::new(),
//!     body: serde_json::json!({"spec": {"ports": [{"port": 80}]}}),
//! };
//! assert_eq!(object.display(), "Service shop/web");
//! assert_eq!(object.get("/spec/ports/0/port"), Some(&serde_json::json!(80)));
//! assert_eq!(object.group(), "chart:shop");
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use crate::origin::Origin;
use crate::pod::{Container, PodSpec};
use rewheel_manifest::identity::Identity;

/// Where an object came from in the rendered input.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Origin, Provenance};
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// // `helm template platform-novu …` wrote `# Source: platform-novu/charts/mongodb/templates/sts.yaml`.
/// object.provenance = Provenance {
///     file: "rendered.yaml".into(),
///     document: 3,
///     line: 120,
///     template: Some("platform-novu/charts/mongodb/templates/sts.yaml".into()),
///     chart: Some("mongodb".into()),
///     ..Provenance::default()
/// };
/// assert_eq!(object.origin(), Origin::Upstream { chart: "mongodb".into() });
/// assert_eq!(object.release_chart(), Some("platform-novu"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    /// The file as given on the command line (`-` for stdin).
    pub file: String,
    /// 0-based index among the file's non-empty documents.
    pub document: u32,
    /// 1-based line of the document's first content line.
    pub line: u32,
    /// The `# Source:` template path Helm wrote before the document.
    pub template: Option<String>,
    /// The chart that rendered the object (innermost `charts/<name>` of the
    /// template, else its first segment, else the `helm.sh/chart` label); for
    /// an object a controller made, the controller.
    pub chart: Option<String>,
    /// The version of `chart`, from its objects' `helm.sh/chart` labels.
    pub chart_version: Option<String>,
    /// Who wrote the object, as the host decided over the whole input (always
    /// set in a rule component and under `rules_sdk::testing`). `None` in an
    /// object built by hand: [`Object::origin`] then decides from the object
    /// alone.
    pub origin: Option<crate::origin::Decided>,
    /// Why the host decided `origin`, in one sentence naming the evidence.
    pub evidence: String,
    /// The chart template file a developer edits, when the chart sources were
    /// given (`--charts`).
    pub source: Option<String>,
}

/// A chart of the run, as the host decided it ([`Report::charts`](crate::Report::charts)).
///
/// # Examples
///
/// ```
/// use rules_sdk::Chart;
/// let chart = Chart {
///     name: "minio".into(),
///     version: Some("0.3.0".into()),
///     path: "minio".into(),
///     upstream: false,
///     evidence: "chart minio 0.3.0 renders a subchart of its own name (minio 5.4.0): a wrapper around it".into(),
///     ..Default::default()
/// };
/// assert!(!chart.upstream && chart.source.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chart {
    /// Its name: the `charts/<name>` folder (an alias when the parent sets
    /// one), or its `Chart.yaml` name.
    pub name: String,
    /// Its version, when labels or `Chart.yaml` give it.
    pub version: Option<String>,
    /// Its folder chain in the input (`platform/charts/mongodb`); empty for
    /// a chart only the sources show.
    pub path: String,
    /// Whether its own templates are upstream's.
    pub upstream: bool,
    /// Why.
    pub evidence: String,
    /// Its folder in the chart sources, when `--charts` found it.
    pub source: Option<String>,
    /// The upstream chart this source folder copies, when the sources show it.
    pub copies: Option<String>,
}

/// One rendered object: identity, labels, provenance and parsed body.
///
/// Rules get them from the SDK; build one directly to unit-test a rule.
///
/// # Examples
///
/// ```
/// use rules_sdk::Object;
/// let object = Object {
///     index: 0,
///     api_version: "apps/v1".into(),
///     kind: "Deployment".into(),
///     namespace: Some("shop".into()),
///     name: "web".into(),
///     labels: [("app".to_string(), "web".to_string())].into(),
///     annotations: Default::default(),
///     provenance: Default::default(),
///     runs: Vec::new(),
///     body: serde_json::json!({"spec": {"replicas": 2, "template": {"spec": {
///         "containers": [{"name": "web", "image": "nginx:1.27"}]
///     }}}}),
/// };
/// assert!(object.is_workload());
/// assert_eq!(object.label("app"), Some("web"));
/// assert_eq!(object.containers()[0].image.path, "nginx");
/// ```
#[derive(Debug, Clone)]
pub struct Object {
    /// Position in the batch the host sent; findings refer to it.
    pub index: u32,
    /// `apiVersion`, e.g. `apps/v1`.
    pub api_version: String,
    /// `kind`, e.g. `StatefulSet`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// Where it came from: file, document, line, `# Source:` template, chart.
    pub provenance: Provenance,
    /// What its containers run, as the host's catalogs know it (see
    /// [`Object::identity_of`]); empty in an object built by hand.
    pub runs: Vec<Known>,
    /// The whole object.
    pub body: Value,
}

/// What one container runs, decided by the host from its image: the team's
/// `[[catalog.images]]` entries first, then the curated products, then the
/// catalog mined from the charts upstream publishes (docs/ACCURACY.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The container's path, e.g. `spec.template.spec.containers[0]`.
    pub container: String,
    /// The image as written.
    pub image: String,
    /// What it runs.
    pub identity: Identity,
}

impl Object {
    /// A label's value.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.labels.insert("app.kubernetes.io/name".into(), "web".into());
    /// assert_eq!(object.label("app.kubernetes.io/name"), Some("web"));
    /// assert_eq!(object.label("tier"), None);
    /// ```
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    /// An annotation's value.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.annotations.insert("helm.sh/resource-policy".into(), "keep".into());
    /// assert_eq!(object.annotation("helm.sh/resource-policy"), Some("keep"));
    /// assert_eq!(object.annotation("helm.sh/hook"), None);
    /// ```
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }

    /// A field by JSON pointer, e.g. `/spec/replicas`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"replicas": 3, "template": {"spec": {
    ///     "containers": [{"name": "web"}]
    /// }}}});
    /// assert_eq!(object.get("/spec/replicas"), Some(&serde_json::json!(3)));
    /// assert_eq!(object.get("/spec/template/spec/containers/0/name"), Some(&serde_json::json!("web")));
    /// assert_eq!(object.get("/spec/paused"), None);
    /// ```
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self::pointer(&self.body, pointer)
    }

    /// A string field by JSON pointer.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"data": {"mode": "debug", "retries": 3}});
    /// assert_eq!(object.str_at("/data/mode"), Some("debug"));
    /// assert_eq!(object.str_at("/data/retries"), None, "a number is not a string");
    /// ```
    pub fn str_at(&self, pointer: &str) -> Option<&str> {
        self.get(pointer).and_then(Value::as_str)
    }

    /// `Kind namespace/name`, for messages.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// (object.kind, object.name) = ("Namespace".into(), "shop".into());
    /// assert_eq!(object.display(), "Namespace shop");
    /// (object.kind, object.namespace, object.name) = ("Secret".into(), Some("shop".into()), "db".into());
    /// assert_eq!(object.display(), "Secret shop/db");
    /// ```
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", self.kind, ns, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// Is this a Pod or a kind carrying a pod template?
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.kind = "Service".into();
    /// assert!(!object.is_workload());
    /// object.kind = "CronJob".into();
    /// assert!(object.is_workload());
    /// ```
    pub fn is_workload(&self) -> bool {
        crate::WORKLOAD_KINDS.contains(&self.kind.as_str())
    }

    /// The pod spec of any pod-bearing kind.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.kind = "CronJob".into();
    /// object.body = serde_json::json!({"spec": {"jobTemplate": {"spec": {"template": {
    ///     "spec": {"serviceAccountName": "backup", "containers": []}
    /// }}}}});
    /// let pod = object.pod_spec().unwrap();
    /// assert_eq!(pod.path, "spec.jobTemplate.spec.template.spec");
    /// assert_eq!(pod.service_account(), Some("backup"));
    /// object.kind = "ConfigMap".into();
    /// assert!(object.pod_spec().is_none());
    /// ```
    pub fn pod_spec(&self) -> Option<PodSpec<'_>> {
        PodSpec::of(self)
    }

    /// Every container and initContainer of the pod spec (none for other kinds).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.kind = "Pod".into();
    /// object.body = serde_json::json!({"spec": {
    ///     "containers": [{"name": "web"}],
    ///     "initContainers": [{"name": "init-db"}],
    /// }});
    /// let names: Vec<&str> = object.containers().iter().map(|c| c.name).collect();
    /// assert_eq!(names, ["init-db", "web"], "init containers first");
    /// ```
    pub fn containers(&self) -> Vec<Container<'_>> {
        self.pod_spec().map(|p| p.containers()).unwrap_or_default()
    }

    /// What `container` runs, as the host decided from its image (the
    /// team's catalog entries, then the curated products, then the charts
    /// upstream publishes): the same answer for every rule.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::testing::load_yaml;
    /// let objects = load_yaml("
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: metrics}
    /// spec: {template: {spec: {containers: [{name: statsd, image: 'mirror.corp/prom/statsd-exporter:v0.28.0'}]}}}
    /// ");
    /// let deployment = &objects[0];
    /// let identity = deployment.identity_of(&deployment.containers()[0]).unwrap();
    /// assert_eq!(identity.product, "prometheus-statsd-exporter");
    /// assert!(identity.charts[0].repository.starts_with("https://"));
    /// ```
    pub fn identity_of(&self, container: &Container<'_>) -> Option<&Identity> {
        self.runs.iter().find(|k| k.container == container.path).map(|k| &k.identity)
    }

    /// Who wrote this object: an upstream chart, the wrapper, or a person.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// use rules_sdk::Origin;
    /// assert_eq!(object.origin(), Origin::HandWritten, "no Helm trace");
    /// object.provenance.template = Some("platform-novu/templates/mongo.yaml".into());
    /// object.provenance.chart = Some("platform-novu".into());
    /// assert_eq!(object.origin(), Origin::Wrapper { chart: "platform-novu".into() });
    /// assert!(object.origin().is_local());
    /// ```
    pub fn origin(&self) -> Origin {
        Origin::of(self)
    }

    /// Rendered by an upstream dependency of the top-level chart
    /// (`W/charts/U/templates/…`, and the host decided `U` upstream: a local
    /// chart vendored under `charts/` is not one).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.provenance.template = Some("platform-novu/charts/mongodb/templates/sts.yaml".into());
    /// assert!(object.is_upstream_subchart());
    /// object.provenance.template = Some("platform-novu/templates/mongo.yaml".into());
    /// assert!(!object.is_upstream_subchart());
    /// ```
    pub fn is_upstream_subchart(&self) -> bool {
        self.provenance.template.as_deref().is_some_and(|t| t.contains("/charts/")) && self.origin().is_upstream()
    }

    /// The chart folders of the `# Source:` path, outermost first
    /// (`platform/charts/mongodb/templates/sts.yaml` → `["platform", "mongodb"]`);
    /// empty without one.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.provenance.template = Some("platform/charts/datahub-prerequisites/charts/kafka/templates/sts.yaml".into());
    /// assert_eq!(object.chart_folders(), ["platform", "datahub-prerequisites", "kafka"]);
    /// ```
    pub fn chart_folders(&self) -> Vec<&str> {
        self.provenance.template.as_deref().map(rewheel_manifest::charts::chart_chain).unwrap_or_default()
    }

    /// In the top-level chart's own templates (`W/templates/…`, not an
    /// extraObjects passthrough). Whether `W` is a wrapper or an upstream chart
    /// rendered directly is [`Object::origin`]'s question.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.provenance.template = Some("platform-novu/templates/mongo.yaml".into());
    /// object.provenance.chart = Some("platform-novu".into());
    /// assert!(object.is_wrapper_template());
    /// // A top-level chart of a known upstream name is upstream, not a wrapper.
    /// object.provenance.template = Some("temporal/templates/server-deployment.yaml".into());
    /// object.provenance.chart = Some("temporal".into());
    /// assert!(!object.is_wrapper_template());
    /// ```
    pub fn is_wrapper_template(&self) -> bool {
        matches!(self.origin(), Origin::Wrapper { .. })
    }

    /// The Helm chart label as `(name, version)`: `helm.sh/chart`, or the legacy
    /// `chart` label next to `heritage: Helm`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.labels.insert("helm.sh/chart".into(), "opentelemetry-collector-0.170.0".into());
    /// assert_eq!(object.helm_chart(), Some(("opentelemetry-collector".into(), "0.170.0".into())));
    /// object.labels.clear();
    /// assert_eq!(object.helm_chart(), None);
    /// object.labels.insert("chart".into(), "windmill-4.0.246".into());
    /// object.labels.insert("heritage".into(), "Helm".into());
    /// assert_eq!(object.helm_chart(), Some(("windmill".into(), "4.0.246".into())));
    /// ```
    pub fn helm_chart(&self) -> Option<(String, String)> {
        let label = rewheel_manifest::helm_chart_label(&self.labels)?;
        let name = rewheel_manifest::chart_name_from_label(label);
        let version = label.get(name.len() + 1..).unwrap_or("").to_string();
        Some((name, version))
    }

    /// Rendered from `chart`'s template `file` (`…/<chart>/templates/<file>`),
    /// as a subchart or directly: "is this Windmill's demo Postgres?"
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.provenance.template = Some("platform/charts/windmill/templates/postgres.yaml".into());
    /// assert!(object.rendered_from("windmill", "postgres.yaml"));
    /// assert!(!object.rendered_from("windmill", "app.yaml"));
    /// object.provenance.template = Some("windmill/templates/postgres.yaml".into());
    /// assert!(object.rendered_from("windmill", "postgres.yaml"));
    /// assert!(!object.rendered_from("mill", "postgres.yaml"));
    /// ```
    pub fn rendered_from(&self, chart: &str, file: &str) -> bool {
        self.provenance.template.as_deref().is_some_and(|t| {
            let suffix = format!("{chart}/templates/{file}");
            t == suffix || t.ends_with(&format!("/{suffix}"))
        })
    }

    /// A Helm hook (`helm.sh/hook` annotation), e.g. `post-install,post-upgrade`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// assert_eq!(object.helm_hook(), None);
    /// object.annotations.insert("helm.sh/hook".into(), "post-install,post-upgrade".into());
    /// assert_eq!(object.helm_hook(), Some("post-install,post-upgrade"));
    /// ```
    pub fn helm_hook(&self) -> Option<&str> {
        self.annotation("helm.sh/hook")
    }

    /// The name of the top-level chart (release) that rendered the object:
    /// the first segment of the `# Source:` path, else the rendering chart.
    /// Objects from the same wrapper chart share it.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.provenance.template = Some("platform-novu/charts/mongodb/templates/sts.yaml".into());
    /// assert_eq!(object.release_chart(), Some("platform-novu"));
    /// object.provenance.template = None;
    /// object.provenance.chart = Some("grafana".into()); // from a `helm.sh/chart` label
    /// assert_eq!(object.release_chart(), Some("grafana"));
    /// ```
    pub fn release_chart(&self) -> Option<&str> {
        match &self.provenance.template {
            Some(t) => t.split('/').next().filter(|s| !s.is_empty()),
            None => self.provenance.chart.as_deref(),
        }
    }

    /// The unit a wrapper is judged as: its top-level chart, or for plain YAML
    /// its file. Rules use it to ask "is this object part of the Novu wrapper?".
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.provenance.template = Some("platform-novu/templates/api.yaml".into());
    /// assert_eq!(object.group(), "chart:platform-novu");
    /// object.provenance.template = None;
    /// object.provenance.file = "manifests/novu.yaml".into();
    /// assert_eq!(object.group(), "file:manifests/novu.yaml");
    /// ```
    pub fn group(&self) -> String {
        match self.release_chart() {
            Some(chart) => format!("chart:{chart}"),
            None => format!("file:{}", self.provenance.file),
        }
    }
}

/// [`Value::pointer`] (RFC 6901) without its allocations: rules follow
/// pointers into every object, and serde_json's version builds two strings per
/// token, which was a quarter of the built-in pack's time (docs/BENCHMARKS.md).
///
/// # Examples
///
/// ```
/// use rules_sdk::object::pointer;
/// let body = serde_json::json!({"metadata": {"annotations": {"a/b": "x"}}, "items": [1, 2]});
/// assert_eq!(pointer(&body, "/metadata/annotations/a~1b"), Some(&serde_json::json!("x")));
/// assert_eq!(pointer(&body, "/items/1"), Some(&serde_json::json!(2)));
/// assert_eq!(pointer(&body, "/items/01"), None);
/// assert_eq!(pointer(&body, ""), Some(&body));
/// assert_eq!(pointer(&body, "items"), None);
/// ```
pub fn pointer<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let mut target = value;
    for token in pointer.strip_prefix('/')?.split('/') {
        let unescaped;
        let token = if token.contains('~') {
            unescaped = token.replace("~1", "/").replace("~0", "~");
            unescaped.as_str()
        } else {
            token
        };
        target = match target {
            Value::Object(map) => map.get(token)?,
            Value::Array(items) => items.get(array_index(token)?)?,
            _ => return None,
        };
    }
    Some(target)
}

/// A JSON-pointer array index as serde_json reads it: no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}
