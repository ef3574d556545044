//! A rendered Kubernetes object as a rule sees it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::origin::Origin;
use crate::pod::{Container, PodSpec};

/// Where an object came from in the rendered input.
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
    /// template, else its first segment, else the `helm.sh/chart` label).
    pub chart: Option<String>,
}

/// One rendered object: identity, labels, provenance and parsed body.
#[derive(Debug, Clone)]
pub struct Object {
    /// Position in the batch the host sent; findings refer to it.
    pub index: u32,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub provenance: Provenance,
    /// The whole object.
    pub body: Value,
}

impl Object {
    /// A label's value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }

    /// A field by JSON pointer, e.g. `/spec/replicas`.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.body.pointer(pointer)
    }

    /// A string field by JSON pointer.
    pub fn str_at(&self, pointer: &str) -> Option<&str> {
        self.get(pointer).and_then(Value::as_str)
    }

    /// `Kind namespace/name`, for messages.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", self.kind, ns, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// Is this a Pod or a kind carrying a pod template?
    pub fn is_workload(&self) -> bool {
        crate::WORKLOAD_KINDS.contains(&self.kind.as_str())
    }

    /// The pod spec of any pod-bearing kind.
    pub fn pod_spec(&self) -> Option<PodSpec<'_>> {
        PodSpec::of(self)
    }

    /// Every container and initContainer of the pod spec (none for other kinds).
    pub fn containers(&self) -> Vec<Container<'_>> {
        self.pod_spec().map(|p| p.containers()).unwrap_or_default()
    }

    /// Who wrote this object: an upstream chart, the wrapper, or a person.
    pub fn origin(&self) -> Origin {
        Origin::of(self)
    }

    /// Rendered by a dependency of the top-level chart (`W/charts/U/templates/…`).
    pub fn is_upstream_subchart(&self) -> bool {
        self.provenance.template.as_deref().is_some_and(|t| t.contains("/charts/"))
    }

    /// In the top-level chart's own templates (`W/templates/…`, not an
    /// extraObjects passthrough). Whether `W` is a wrapper or an upstream chart
    /// rendered directly is [`Object::origin`]'s question.
    pub fn is_wrapper_template(&self) -> bool {
        matches!(self.origin(), Origin::Wrapper { .. })
    }

    /// The Helm chart label as `(name, version)`: `helm.sh/chart`, or the legacy
    /// `chart` label next to `heritage: Helm`.
    pub fn helm_chart(&self) -> Option<(String, String)> {
        let label = rewheel_manifest::helm_chart_label(&self.labels)?;
        let name = rewheel_manifest::chart_name_from_label(label);
        let version = label.get(name.len() + 1..).unwrap_or("").to_string();
        Some((name, version))
    }

    /// Rendered from `chart`'s template `file` (`…/<chart>/templates/<file>`),
    /// as a subchart or directly: "is this Windmill's demo Postgres?"
    pub fn rendered_from(&self, chart: &str, file: &str) -> bool {
        self.provenance.template.as_deref().is_some_and(|t| {
            let suffix = format!("{chart}/templates/{file}");
            t == suffix || t.ends_with(&format!("/{suffix}"))
        })
    }

    /// A Helm hook (`helm.sh/hook` annotation), e.g. `post-install,post-upgrade`.
    pub fn helm_hook(&self) -> Option<&str> {
        self.annotation("helm.sh/hook")
    }

    /// The name of the top-level chart (release) that rendered the object:
    /// the first segment of the `# Source:` path, else the rendering chart.
    /// Objects from the same wrapper chart share it.
    pub fn release_chart(&self) -> Option<&str> {
        match &self.provenance.template {
            Some(t) => t.split('/').next().filter(|s| !s.is_empty()),
            None => self.provenance.chart.as_deref(),
        }
    }

    /// The unit a wrapper is judged as: its top-level chart, or for plain YAML
    /// its file. Rules use it to ask "is this object part of the Novu wrapper?".
    pub fn group(&self) -> String {
        match self.release_chart() {
            Some(chart) => format!("chart:{chart}"),
            None => format!("file:{}", self.provenance.file),
        }
    }
}
