//! Who wrote an object. Only locally written objects can be reinventions.
//!
//! A wrapper chart `W` depending on an upstream chart `U` renders three kinds of
//! object (catalog section 0):
//! 1. `# Source: W/charts/U/templates/…` — rendered by upstream: expected.
//! 2. `# Source: W/templates/…` — written in the wrapper: the only place a
//!    reinvention comes from.
//! 3. `# Source: U/templates/extra-objects.yaml` (or `extraDeploy`) — passed
//!    through an upstream value, so authored by the wrapper.
//!
//! The host decides who wrote each object once, over the whole input
//! (`rewheel_manifest::charts`: the chart graph, what each chart runs, what
//! rewheel.toml declares) and hands the verdict to every rule in
//! [`Provenance::origin`](crate::Provenance::origin), with the evidence in
//! [`Provenance::evidence`](crate::Provenance::evidence). [`Origin::of`]
//! reads it, so every rule gets the same answer. An object built by hand (a
//! unit test) has none: it is decided the same way, from the object alone.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::{Object, Origin};
//! let rendered = |template: &str, chart: &str| Object {
//!     index: 0,
//!     api_version: "apps/v1".into(),
//!     kind: "StatefulSet".into(),
//!     namespace: None,
//!     name: "db".into(),
//!     labels: Default::default(),
//!     annotations: Default::default(),
//!     provenance: rules_sdk::Provenance {
//!         template: Some(template.into()),
//!         chart: Some(chart.into()),
//!         ..Default::default()
//!     },
//!     runs: Vec::new(),
//!     body: serde_json::json!({}),
//! };
//! let upstream = rendered("platform-novu/charts/mongodb/templates/sts.yaml", "mongodb");
//! let wrapper = rendered("platform-novu/templates/mongo.yaml", "platform-novu");
//! let passthrough = rendered("platform/charts/velero/templates/extra-objects.yaml", "velero");
//! assert_eq!(upstream.origin(), Origin::Upstream { chart: "mongodb".into() });
//! assert_eq!(wrapper.origin(), Origin::Wrapper { chart: "platform-novu".into() });
//! assert_eq!(passthrough.origin(), Origin::Passthrough { chart: "velero".into() });
//! assert!(!upstream.origin().is_local() && wrapper.origin().is_local() && passthrough.origin().is_local());
//! ```

use crate::object::Object;

/// Who wrote an object.
///
/// # Examples
///
/// ```
/// use rules_sdk::Origin;
/// let origins = [
///     Origin::Upstream { chart: "mongodb".into() },
///     Origin::Wrapper { chart: "platform-novu".into() },
///     Origin::Passthrough { chart: "velero".into() },
///     Origin::HandWritten,
/// ];
/// let local: Vec<bool> = origins.iter().map(Origin::is_local).collect();
/// assert_eq!(local, [false, true, true, true]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Rendered by an upstream chart's own templates.
    Upstream {
        /// The upstream chart, or for an object a controller made, its
        /// `app.kubernetes.io/managed-by` value (`a controller` if none).
        chart: String,
    },
    /// In a wrapper chart's own `templates/`.
    Wrapper {
        /// The wrapper chart.
        chart: String,
    },
    /// Passed through an upstream chart's `extraObjects`/`extraDeploy` value.
    Passthrough {
        /// The upstream chart whose value carried the object.
        chart: String,
    },
    /// No `# Source:` and no Helm chart label: plain, hand-written YAML.
    HandWritten,
}

impl Origin {
    /// Classify an object from its provenance and labels.
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
    /// assert_eq!(Origin::of(&object), Origin::HandWritten);
    /// // No `# Source:`, but a chart label.
    /// object.labels.insert("helm.sh/chart".into(), "acme-platform-1.0.0".into());
    /// assert_eq!(Origin::of(&object), Origin::Wrapper { chart: "acme-platform".into() });
    /// // Managed by an operator: its output, not hand-written.
    /// object.labels.insert("app.kubernetes.io/managed-by".into(), "redpanda-operator".into());
    /// assert_eq!(Origin::of(&object), Origin::Upstream { chart: "redpanda-operator".into() });
    /// ```
    pub fn of(object: &Object) -> Origin {
        crate::memo::origin(object, Origin::compute)
    }

    fn compute(object: &Object) -> Origin {
        let p = &object.provenance;
        let (decided, chart) = match p.origin {
            Some(decided) => (decided, p.chart.clone().unwrap_or_default()),
            None => {
                let alone = rewheel_manifest::charts::ChartGraph::of(
                    [(p.template.as_deref(), &object.labels, &object.body)],
                    &Default::default(),
                );
                let d = alone.decide(p.template.as_deref(), &object.labels, &object.body);
                (d.origin, d.chart.unwrap_or_default())
            }
        };
        match decided {
            Decided::Upstream => Origin::Upstream { chart },
            Decided::Wrapper => Origin::Wrapper { chart },
            Decided::Passthrough => Origin::Passthrough { chart },
            Decided::HandWritten => Origin::HandWritten,
            Decided::Controller => Origin::Upstream { chart },
        }
    }

    /// Written by the team (wrapper template, passthrough value or plain YAML):
    /// the only objects that can be reinventions.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::Origin;
    /// assert!(Origin::HandWritten.is_local());
    /// assert!(Origin::Passthrough { chart: "velero".into() }.is_local());
    /// assert!(!Origin::Upstream { chart: "mongodb".into() }.is_local());
    /// ```
    pub fn is_local(&self) -> bool {
        !matches!(self, Origin::Upstream { .. })
    }

    /// Rendered by an upstream chart's own templates.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::Origin;
    /// assert!(Origin::Upstream { chart: "grafana".into() }.is_upstream());
    /// assert!(!Origin::Wrapper { chart: "platform-grafana".into() }.is_upstream());
    /// ```
    pub fn is_upstream(&self) -> bool {
        matches!(self, Origin::Upstream { .. })
    }

    /// A short phrase for messages: "in wrapper chart platform-novu".
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::Origin;
    /// assert_eq!(Origin::Wrapper { chart: "platform-novu".into() }.describe(), "in wrapper chart platform-novu");
    /// assert_eq!(Origin::Passthrough { chart: "velero".into() }.describe(), "passed through velero's extraObjects");
    /// assert_eq!(Origin::HandWritten.describe(), "in hand-written YAML");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Origin::Upstream { chart } => format!("rendered by upstream chart {chart}"),
            Origin::Wrapper { chart } => format!("in wrapper chart {chart}"),
            Origin::Passthrough { chart } => format!("passed through {chart}'s extraObjects"),
            Origin::HandWritten => "in hand-written YAML".to_string(),
        }
    }
}

/// The host's verdict, as [`Provenance::origin`](crate::Provenance::origin) carries it.
pub use rewheel_manifest::origin::Origin as Decided;
pub use rewheel_manifest::origin::is_passthrough_template;
pub use rewheel_manifest::upstream::{UPSTREAM_CHARTS, is_upstream_chart};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Provenance;

    fn object(template: Option<&str>, labels: &[(&str, &str)]) -> Object {
        let labels: std::collections::BTreeMap<String, String> =
            labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Object {
            index: 0,
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: None,
            name: "x".into(),
            provenance: Provenance {
                template: template.map(str::to_string),
                chart: rewheel_manifest::rendering_chart(template, &labels),
                ..Provenance::default()
            },
            labels,
            annotations: Default::default(),
            runs: Vec::new(),
            body: serde_json::Value::Null,
        }
    }

    #[test]
    fn classifies_the_three_helm_cases_and_plain_yaml() {
        let up = |c: &str| Origin::Upstream { chart: c.into() };
        assert_eq!(object(Some("platform-novu/charts/mongodb/templates/sts.yaml"), &[]).origin(), up("mongodb"));
        assert_eq!(
            object(Some("platform-novu/templates/mongo.yaml"), &[]).origin(),
            Origin::Wrapper { chart: "platform-novu".into() }
        );
        assert_eq!(
            object(Some("platform/charts/velero/templates/extra-objects.yaml"), &[]).origin(),
            Origin::Passthrough { chart: "velero".into() }
        );
        assert_eq!(
            object(Some("windmill/templates/extra-deploy.yaml"), &[]).origin(),
            Origin::Passthrough { chart: "windmill".into() }
        );
        assert_eq!(object(Some("redpanda/templates/entry-point.yaml"), &[]).origin(), up("redpanda"));
        assert_eq!(object(None, &[]).origin(), Origin::HandWritten);
        assert_eq!(object(None, &[("helm.sh/chart", "grafana-12.11.1")]).origin(), up("grafana"));
        assert_eq!(object(None, &[("chart", "windmill-4.0.246"), ("heritage", "Helm")]).origin(), up("windmill"));
        assert_eq!(
            object(None, &[("helm.sh/chart", "acme-platform-1.0.0")]).origin(),
            Origin::Wrapper { chart: "acme-platform".into() }
        );
        let mut operated = object(None, &[("app.kubernetes.io/managed-by", "redpanda-operator")]);
        assert!(operated.origin().is_upstream(), "objects an operator manages are not hand-written");
        operated.labels.clear();
        operated.body = serde_json::json!({"metadata": {"ownerReferences": [{"kind": "Cluster", "name": "x"}]}});
        assert!(operated.origin().is_upstream(), "objects a controller owns are not hand-written");
        assert!(Origin::HandWritten.is_local());
        assert!(!up("x").is_local());
    }
}
