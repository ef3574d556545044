//! OpenTelemetry Collector rules (catalog section 14).
//!
//! The upstream `open-telemetry/opentelemetry-collector` chart renders the
//! collector workload, its ConfigMap and the RBAC its presets need. A wrapper
//! that writes them itself reinvents the chart's `mode`, `config:` and
//! `presets.*` values.

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/open-telemetry/opentelemetry-helm-charts",
    "https://opentelemetry.io/docs/collector/",
    "https://opentelemetry.io/docs/platforms/kubernetes/helm/collector/",
];

/// A collector image: upstream's, or a repackaged one (`acme/opentelemetry-collector`).
fn is_collector(image: &Image) -> bool {
    catalog::identify_image(image).is_some_and(|(u, _)| u.key == "otel-collector")
}

/// Locally written workloads running a collector image.
fn local_collectors<'a>(objects: &[&'a Object]) -> Vec<&'a Object> {
    objects
        .iter()
        .copied()
        .filter(|o| {
            o.origin().is_local()
                && o.containers().iter().any(|c| c.role == ContainerRole::Main && is_collector(&c.image))
        })
        .collect()
}

/// A hand-written collector Deployment, DaemonSet or StatefulSet.
pub struct HandWrittenCollector;

impl Rule for HandWrittenCollector {
    fn meta(&self) -> Meta {
        Meta {
            id: "otel-collector-workload",
            component: "otel-collector",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written OpenTelemetry Collector workload instead of the upstream chart",
            replace_with: "the open-telemetry/opentelemetry-collector chart with mode (daemonset|deployment|statefulset), config: and presets.*",
            sources: SOURCES,
            kinds: &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        let Some(container) = pod.main_containers().into_iter().find(|c| is_collector(&c.image)) else { return };
        let mode = match object.kind.as_str() {
            "DaemonSet" => "daemonset",
            "StatefulSet" => "statefulset",
            _ => "deployment",
        };
        let mut presets = Vec::new();
        let host_paths = pod.host_paths();
        if host_paths.iter().any(|(_, p)| {
            p.starts_with("/var/log/pods") || p.starts_with("/var/lib/docker/containers") || *p == "/var/log"
        }) {
            presets.push("presets.logsCollection.enabled: true");
        }
        if host_paths.iter().any(|(_, p)| *p == "/" || p.starts_with("/proc") || p.starts_with("/sys")) {
            presets.push("presets.hostMetrics.enabled: true");
        }
        let mut replacement = format!("opentelemetry-collector chart with mode: {mode}");
        for preset in &presets {
            replacement.push_str(", ");
            replacement.push_str(preset);
        }
        report
            .flag(
                object,
                format!(
                    "{} runs the collector image {} {}",
                    object.display(),
                    container.image,
                    object.origin().describe()
                ),
            )
            .at(container.field("image"))
            .replace_with(replacement);
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A Deployment, DaemonSet or StatefulSet written locally (wrapper template, extraObjects or plain YAML) whose
container runs an OpenTelemetry Collector image (`otel/opentelemetry-collector*`,
`ghcr.io/open-telemetry/opentelemetry-collector-releases/*`), also behind a registry mirror.

## Why it matters
The collector chart already renders the workload for every mode, with the RBAC, host mounts and config its
presets need. A local copy misses upgrades and re-implements presets by hand.

## What to use instead
The `open-telemetry/opentelemetry-collector` chart: `mode: daemonset` for agents (with
`presets.logsCollection.enabled`, `presets.kubernetesAttributes.enabled`, `presets.kubeletMetrics.enabled`),
`mode: deployment` for a gateway (`presets.clusterMetrics.enabled`, `presets.kubernetesEvents.enabled`).

## Example
```yaml
# Source: platform-otel/templates/collector.yaml
kind: DaemonSet
spec:
  template:
    spec:
      containers:
        - name: otel-collector
          image: otel/opentelemetry-collector-contrib:0.130.0
      volumes:
        - name: varlogpods
          hostPath: {path: /var/log/pods}   # presets.logsCollection.enabled
```
";

/// A hand-written collector ConfigMap (`receivers:`/`exporters:`/`service:`).
pub struct CollectorConfigMap;

impl Rule for CollectorConfigMap {
    fn meta(&self) -> Meta {
        Meta {
            id: "otel-collector-configmap",
            component: "otel-collector",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written OpenTelemetry Collector ConfigMap instead of the chart's config: values",
            replace_with: "the chart's config: values (merged with the presets) or alternateConfig",
            sources: SOURCES,
            kinds: &["ConfigMap"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: CONFIGMAP_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(Value::Object(data)) = object.get("/data") else { return };
        for (key, value) in data {
            if value.as_str().is_some_and(is_collector_config) {
                report
                    .flag(
                        object,
                        format!("{} holds an OpenTelemetry Collector pipeline in data.{key}", object.display()),
                    )
                    .at(format!("data.{key}"));
                return;
            }
        }
    }
}

/// A collector config has top-level `receivers`, `exporters` and a `service`
/// with `pipelines`.
fn is_collector_config(text: &str) -> bool {
    let top = |key: &str| text.lines().any(|l| l.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':')));
    top("receivers") && top("exporters") && top("service") && text.contains("pipelines")
}

const CONFIGMAP_DOCS: &str = "\
## What it detects
A locally written ConfigMap whose data holds a collector configuration: top-level `receivers:`, `exporters:`
and a `service:` with `pipelines`.

## Why it matters
The chart generates the collector ConfigMap from `config:` and merges the presets' receivers and processors
into it. A hand-written one bypasses the presets, so Kubernetes attributes, log collection and metrics must
then be wired by hand too.

## What to use instead
The chart's `config:` values (or `alternateConfig`), with `presets.*` for the Kubernetes-specific parts.

## Example
```yaml
kind: ConfigMap
metadata: {name: otel-collector-config}
data:
  config.yaml: |
    receivers: {otlp: {protocols: {grpc: {}}}}
    exporters: {otlphttp: {endpoint: http://mimir/otlp}}
    service: {pipelines: {metrics: {receivers: [otlp], exporters: [otlphttp]}}}
```
";

/// A hand-written ClusterRole for the `k8sattributes` processor.
pub struct K8sAttributesRbac;

impl Rule for K8sAttributesRbac {
    fn meta(&self) -> Meta {
        Meta {
            id: "otel-collector-k8sattributes-rbac",
            component: "otel-collector",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written k8sattributes ClusterRole instead of presets.kubernetesAttributes",
            replace_with: "presets.kubernetesAttributes.enabled: true (with extractAllPodLabels / extractAllPodAnnotations as needed)",
            sources: SOURCES,
            kinds: &["ClusterRole", "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: RBAC_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let collector_groups: Vec<String> = local_collectors(objects).iter().map(|o| o.group()).collect();
        for object in objects.iter().filter(|o| o.kind == "ClusterRole" && o.origin().is_local()) {
            if !reads_pods_and_namespaces(object) {
                continue;
            }
            let named = [object.name.as_str()]
                .into_iter()
                .chain(object.labels.values().map(String::as_str))
                .any(|s| s.contains("otel") || s.contains("opentelemetry") || s.contains("collector"));
            if named || collector_groups.contains(&object.group()) {
                report
                    .flag(
                        object,
                        format!(
                            "{} grants the k8sattributes processor's pod/namespace reads by hand",
                            object.display()
                        ),
                    )
                    .at("rules");
            }
        }
    }
}

/// Does the ClusterRole grant `get`/`watch`/`list` on both pods and namespaces?
fn reads_pods_and_namespaces(role: &Object) -> bool {
    let Some(Value::Array(rules)) = role.get("/rules") else { return false };
    let grants = |resource: &str| {
        rules.iter().any(|rule| {
            let has = |key: &str, want: &[&str]| {
                rule.get(key)
                    .and_then(Value::as_array)
                    .is_some_and(|xs| xs.iter().filter_map(Value::as_str).any(|x| x == "*" || want.contains(&x)))
            };
            let core_group = rule
                .get("apiGroups")
                .and_then(Value::as_array)
                .is_some_and(|gs| gs.iter().filter_map(Value::as_str).any(|g| g.is_empty() || g == "*"));
            core_group && has("resources", &[resource]) && has("verbs", &["watch"]) && has("verbs", &["list"])
        })
    };
    grants("pods") && grants("namespaces")
}

const RBAC_DOCS: &str = "\
## What it detects
A locally written ClusterRole granting `get`/`watch`/`list` on pods and namespaces that belongs to a collector:
its name or labels mention otel/opentelemetry/collector, or it sits in the same wrapper as a hand-written
collector workload.

## Why it matters
That is exactly the RBAC the chart renders for `presets.kubernetesAttributes`; a hand-written copy drifts from
what the processor needs (replicasets for deployment names, for example).

## What to use instead
`presets.kubernetesAttributes.enabled: true`.

## Example
```yaml
kind: ClusterRole
metadata: {name: otel-collector-k8sattributes}
rules:
  - apiGroups: ['']
    resources: [pods, namespaces]
    verbs: [get, watch, list]
```
";

rules_sdk::export_rules!(HandWrittenCollector, CollectorConfigMap, K8sAttributesRbac);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(
            &[&HandWrittenCollector, &CollectorConfigMap, &K8sAttributesRbac],
            "otel-collector",
        );
    }

    const RULES: &[&dyn Rule] = &[&HandWrittenCollector, &CollectorConfigMap, &K8sAttributesRbac];

    #[test]
    fn flags_hand_written_collector_configmap_and_rbac() {
        let yaml = r#"
# Source: platform-otel/templates/collector.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: otel-agent, namespace: observability}
spec:
  template:
    spec:
      containers: [{name: otelcol, image: "mirror.local/otel/opentelemetry-collector-contrib:0.130.0"}]
      volumes: [{name: logs, hostPath: {path: /var/log/pods}}]
---
# Source: platform-otel/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: otel-agent-config, namespace: observability}
data:
  relay: |
    receivers:
      otlp: {}
    exporters:
      debug: {}
    service:
      pipelines:
        traces: {receivers: [otlp], exporters: [debug]}
---
# Source: platform-otel/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agent-reader}
rules:
  - {apiGroups: [""], resources: [pods, namespaces], verbs: [get, watch, list]}
  - {apiGroups: [apps], resources: [replicasets], verbs: [get, watch, list]}
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(
            keys(&findings),
            vec![
                ("otel-collector-configmap", "ConfigMap", "otel-agent-config"),
                ("otel-collector-k8sattributes-rbac", "ClusterRole", "agent-reader"),
                ("otel-collector-workload", "DaemonSet", "otel-agent"),
            ]
        );
        let ds = findings.iter().find(|f| f.kind == "DaemonSet").unwrap();
        assert_eq!(ds.path.as_deref(), Some("spec.template.spec.containers[0].image"));
    }

    #[test]
    fn upstream_chart_objects_and_unrelated_roles_are_clean() {
        let yaml = r#"
# Source: platform-otel/charts/opentelemetry-collector/templates/daemonset.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: otel-agent, labels: {helm.sh/chart: opentelemetry-collector-0.170.0}}
spec:
  template:
    spec:
      containers: [{name: opentelemetry-collector, image: otel/opentelemetry-collector-k8s:0.158.0}]
---
# Source: platform-otel/charts/opentelemetry-collector/templates/clusterrole.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: otel-agent}
rules:
  - {apiGroups: [""], resources: [pods, namespaces], verbs: [get, watch, list]}
---
# Source: platform-otel/templates/dashboards.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: dashboards}
data: {note: "service: not a collector config"}
---
# Source: monitoring/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: prometheus-reader}
rules:
  - {apiGroups: [""], resources: [pods, namespaces, services], verbs: [get, watch, list]}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
