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
//! A top-level chart rendered directly (`helm template temporal …` gives
//! `# Source: temporal/templates/…`) is upstream when its name is a known
//! upstream chart ([`UPSTREAM_CHARTS`]); any other top-level chart is a wrapper.
//! Plain YAML with no Helm trace was written by hand, unless a controller made
//! it (`ownerReferences`, or `app.kubernetes.io/managed-by: <x>-operator`).

use crate::object::Object;

/// Who wrote an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Rendered by an upstream chart's own templates.
    Upstream { chart: String },
    /// In a wrapper chart's own `templates/`.
    Wrapper { chart: String },
    /// Passed through an upstream chart's `extraObjects`/`extraDeploy` value.
    Passthrough { chart: String },
    /// No `# Source:` and no Helm chart label: plain, hand-written YAML.
    HandWritten,
}

impl Origin {
    /// Classify an object from its provenance and labels.
    pub fn of(object: &Object) -> Origin {
        let labels = &object.labels;
        // Created by a controller (an operator's output, captured from a cluster
        // or a golden test): nobody wrote it by hand.
        let owned = object.get("/metadata/ownerReferences").and_then(|o| o.as_array()).is_some_and(|o| !o.is_empty());
        let managed_by = labels.get("app.kubernetes.io/managed-by").map(|m| m.to_ascii_lowercase());
        if owned || managed_by.as_deref().is_some_and(|m| m.ends_with("operator") || m.ends_with("controller")) {
            let by = managed_by.unwrap_or_else(|| "a controller".into());
            return Origin::Upstream { chart: by };
        }
        if let Some(template) = object.provenance.template.as_deref() {
            let chart = object.provenance.chart.clone().unwrap_or_default();
            let file = template.rsplit('/').next().unwrap_or(template);
            if is_passthrough_template(file) {
                return Origin::Passthrough { chart };
            }
            if template.contains("/charts/") || is_upstream_chart(&chart) {
                return Origin::Upstream { chart };
            }
            return Origin::Wrapper { chart };
        }
        match rewheel_manifest::helm_chart_label(labels) {
            Some(label) => {
                let chart = rewheel_manifest::chart_name_from_label(label);
                if is_upstream_chart(&chart) { Origin::Upstream { chart } } else { Origin::Wrapper { chart } }
            }
            None => Origin::HandWritten,
        }
    }

    /// Written by the team (wrapper template, passthrough value or plain YAML):
    /// the only objects that can be reinventions.
    pub fn is_local(&self) -> bool {
        !matches!(self, Origin::Upstream { .. })
    }

    /// Rendered by an upstream chart's own templates.
    pub fn is_upstream(&self) -> bool {
        matches!(self, Origin::Upstream { .. })
    }

    /// A short phrase for messages: "in wrapper chart platform-novu".
    pub fn describe(&self) -> String {
        match self {
            Origin::Upstream { chart } => format!("rendered by upstream chart {chart}"),
            Origin::Wrapper { chart } => format!("in wrapper chart {chart}"),
            Origin::Passthrough { chart } => format!("passed through {chart}'s extraObjects"),
            Origin::HandWritten => "in hand-written YAML".to_string(),
        }
    }
}

/// Template files through which upstream charts render user-supplied objects.
pub fn is_passthrough_template(file_name: &str) -> bool {
    let stem = file_name.trim_end_matches(".yaml").trim_end_matches(".yml").trim_end_matches(".tpl");
    let normalised: String =
        stem.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    matches!(normalised.as_str(), "extraobjects" | "extradeploy" | "extramanifests" | "extraresources" | "extralist")
}

/// Charts published upstream (catalog.md and the charts they depend on). A
/// top-level chart of one of these names is upstream, not a wrapper.
pub const UPSTREAM_CHARTS: &[&str] = &[
    // Components of the audit.
    "daytona",
    "daytona-region",
    "redpanda",
    "console",
    "redpanda-operator",
    "temporal",
    "gha-runner-scale-set-controller",
    "gha-runner-scale-set",
    "actions-runner-controller",
    "openbao",
    "external-secrets",
    "spire",
    "spire-crds",
    "spire-nested",
    "traefik",
    "traefik-crds",
    "pomerium",
    "argo-cd",
    "argocd-apps",
    "argocd-image-updater",
    "datahub",
    "datahub-prerequisites",
    "graphql-engine",
    "opentelemetry-collector",
    "opentelemetry-operator",
    "opentelemetry-kube-stack",
    "headlamp",
    "nxrm-ha",
    "nexus-repository-manager",
    "mimir-distributed",
    "supabase",
    "k8s-monitoring",
    "alloy",
    "alloy-operator",
    "rollout-operator",
    "grafana-agent-operator",
    "kube-state-metrics",
    "prometheus-node-exporter",
    "altinity-clickhouse-operator",
    "clickhouse-operator",
    "grafana",
    "grafana-operator",
    "longhorn",
    "openfga",
    "windmill",
    "velero",
    "penpot",
    "kyverno",
    "kyverno-policies",
    // Shared building blocks.
    "cloudnative-pg",
    "mongodb-kubernetes",
    "community-operator",
    "valkey",
    "valkey-operator",
    "minio",
    "operator",
    "tenant",
    "mongodb",
    "postgresql",
    "postgresql-ha",
    "redis",
    "redis-cluster",
    "mysql",
    "mariadb",
    "kafka",
    "rabbitmq",
    "cassandra",
    "elasticsearch",
    "opensearch",
    "zookeeper",
    "memcached",
    "etcd",
    "nats",
    "loki",
    "tempo",
    "jaeger",
    "prometheus",
    "kube-prometheus-stack",
    "cert-manager",
    "ingress-nginx",
];

/// Is `chart` a known upstream chart?
pub fn is_upstream_chart(chart: &str) -> bool {
    UPSTREAM_CHARTS.contains(&chart)
}

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
