//! Grafana Mimir rules (catalog section 17).
//!
//! The `mimir-distributed` chart (https://grafana.github.io/helm-charts)
//! renders every Mimir component, the nginx gateway and the runtime
//! (tenant-overrides) ConfigMap, and configures object storage through
//! `mimir.structuredConfig`. A wrapper that writes Mimir StatefulSets, its own
//! gateway or MinIO, creates the `mimir-*` buckets with `mc mb` or keeps the
//! tenant overrides in its own ConfigMap reinvents those values. The chart's
//! bundled MinIO and Kafka are demo datastores: flagged even though the chart
//! renders them. The bundled MinIO's own make-bucket hook Job is upstream and
//! never reported.

use std::collections::BTreeSet;

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/grafana/mimir/tree/main/operations/helm/charts/mimir-distributed",
    "https://grafana.com/docs/helm-charts/mimir-distributed/latest/",
];

const MIMIR_IMAGES: &[&str] = &["grafana/mimir", "grafana/enterprise-metrics"];
const GATEWAY_IMAGES: &[&str] = &["nginxinc/nginx-unprivileged", "nginx", "nginx-unprivileged"];

/// Groups (wrapper charts or plain-YAML files) holding Mimir.
fn mimir_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_running(objects, MIMIR_IMAGES, &["mimir-distributed"])
}

/// The `-target=` of a Mimir container (`-target=ingester`, `--target ingester`).
fn target(container: &Container) -> Option<String> {
    let words: Vec<String> =
        rules_sdk::shell::simple_commands(&container.command_line()).into_iter().flatten().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let flag = w.trim_start_matches('-');
        if !w.starts_with('-') {
            return None;
        }
        match flag.split_once('=') {
            Some(("target", value)) => Some(value.to_string()),
            None if flag == "target" => words.get(i + 1).cloned(),
            _ => None,
        }
    })
}

/// Hand-written Mimir components, gateway or MinIO in the Mimir wrapper.
pub struct MimirWorkload;

impl Rule for MimirWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "mimir-workload",
            component: "mimir",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Mimir component, nginx gateway or MinIO workload instead of the mimir-distributed chart",
            replace_with: "the mimir-distributed chart (https://grafana.github.io/helm-charts): <component>.replicas/zoneAwareReplication, gateway.enabledNonEnterprise with gateway.nginx.*, mimir.structuredConfig for object storage (minio.enabled: false, external S3 via global.extraEnvFrom)",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = mimir_groups(objects);
        let minio = catalog::upstream("minio");
        for object in objects.iter().filter(|o| o.origin().is_local() && LONG_RUNNING_KINDS.contains(&o.kind.as_str()))
        {
            let Some(pod) = object.pod_spec() else { continue };
            let in_wrapper = groups.contains(&object.group());
            for c in pod.main_containers() {
                let (what, replacement) = if c.image.matches_any(MIMIR_IMAGES) {
                    let t = target(&c).unwrap_or_else(|| "all".to_string());
                    (
                        format!("Mimir -target={t}"),
                        format!(
                            "the mimir-distributed chart's {} values (replicas, zoneAwareReplication, persistentVolume) with mimir.structuredConfig",
                            chart_section(&t)
                        ),
                    )
                } else if in_wrapper && c.image.matches_any(GATEWAY_IMAGES) {
                    (
                        "an nginx gateway".to_string(),
                        "gateway.enabledNonEnterprise: true with gateway.nginx.* (basicAuth.existingSecret) in mimir-distributed".to_string(),
                    )
                } else if in_wrapper && minio.runs(&c.image) {
                    (
                        "MinIO for Mimir's buckets".to_string(),
                        "external object storage in mimir.structuredConfig (common.storage.backend: s3, bucket names) with keys from global.extraEnvFrom, or a MinIO Tenant with spec.buckets".to_string(),
                    )
                } else {
                    continue;
                };
                report
                    .flag(
                        object,
                        format!("{} runs {what} ({}) {}", object.display(), c.image, object.origin().describe()),
                    )
                    .at(c.field("image"))
                    .replace_with(replacement);
                break;
            }
        }
    }
}

/// The mimir-distributed values section of a `-target`.
fn chart_section(target: &str) -> String {
    match target {
        "store-gateway" => "store_gateway".to_string(),
        "query-frontend" => "query_frontend".to_string(),
        "query-scheduler" => "query_scheduler".to_string(),
        "all" => "<component>".to_string(),
        other => other.replace('-', "_"),
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A locally written (wrapper template, extraObjects value, plain YAML) long-running workload running
`grafana/mimir` (any `-target`: ingester, distributor, store-gateway, compactor, querier, ...), and — in a
wrapper or file that runs Mimir — an nginx gateway (`nginxinc/nginx-unprivileged`, `nginx`) or a MinIO server.
Images match by repository path suffix, behind registry mirrors too.

## Why it matters
The chart already renders each component with zone-aware replication, rollout-operator integration, memberlist,
probes and the gateway's routing; hand-written StatefulSets drift with every Mimir release.

## What to use instead
The `mimir-distributed` chart: per-component values (`ingester.*`, `store_gateway.*`, `compactor.*`),
`gateway.enabledNonEnterprise` with `gateway.nginx.*`, object storage in `mimir.structuredConfig` with S3 keys
from `global.extraEnvFrom` (an ExternalSecret), and `minio.enabled: false`.

## Example
```yaml
# Source: platform-mimir/templates/ingester.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: ingester
          image: grafana/mimir:3.2.0
          args: [-target=ingester, -config.file=/etc/mimir/mimir.yaml]
```
";

const MC: &[Cmd] =
    &[Cmd::new(&["mc", "mcli"], &["mb"], "mc mb"), Cmd::new(&["mc", "mcli"], &["alias", "set"], "mc alias set")];

/// `mc mb` / `mc alias set` Jobs creating Mimir's buckets.
pub struct BucketBootstrap;

impl Rule for BucketBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "mimir-bucket-bootstrap",
            component: "mimir",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or initContainer creating Mimir's buckets (mimir-tsdb, mimir-ruler, mimir-alertmanager) with mc",
            replace_with: "buckets owned by the object store: a MinIO Tenant with spec.buckets (or the minio chart's buckets: value), bucket names in mimir.structuredConfig (blocks_storage/ruler_storage/alertmanager_storage)",
            sources: &[
                "https://github.com/grafana/mimir/tree/main/operations/helm/charts/mimir-distributed",
                "https://github.com/minio/operator",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: BUCKET_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = mimir_groups(objects);
        for object in objects {
            // find_script only looks at locally written objects.
            let Some((script, cmd)) = smell::find_script(object, MC) else { continue };
            if !groups.contains(&object.group()) && !script.command_line.contains("mimir") {
                continue;
            }
            report
                .flag(
                    object,
                    format!(
                        "{} {} {:?} runs `{}` for Mimir's buckets {}",
                        object.display(),
                        script.place,
                        script.container.name,
                        cmd.what,
                        object.origin().describe()
                    ),
                )
                .at(script.field);
        }
    }
}

const BUCKET_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook running `mc mb` or `mc alias set`
in a wrapper or file that runs Mimir, or whose command names a `mimir` bucket (`mimir-tsdb`, `mimir-ruler`,
`mimir-alertmanager`). The make-bucket hook Job rendered by the minio subchart is upstream and not reported.

## Why it matters
Bucket creation becomes a one-shot script holding the object store's root credentials; it fails or races on
reinstall and never fixes a deleted bucket.

## What to use instead
Let the object store own its buckets — a MinIO `Tenant` with `spec.buckets`, the minio chart's `buckets:` value,
or the cloud bucket from infrastructure code — and name them in `mimir.structuredConfig`
(`blocks_storage.s3.bucket_name`, `ruler_storage`, `alertmanager_storage`).

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: buckets
          image: quay.io/minio/mc
          command: [sh, -c, 'mc alias set s3 http://minio:9000 $AK $SK && mc mb -p s3/mimir-tsdb']
```
";

/// The chart's bundled MinIO and Kafka left on.
pub struct BundledStorage;

impl Rule for BundledStorage {
    fn meta(&self) -> Meta {
        Meta {
            id: "mimir-bundled-storage",
            component: "mimir",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "mimir-distributed's bundled demo MinIO or Kafka is rendered (minio.enabled / kafka.enabled left on)",
            replace_with: "minio.enabled: false with object storage in mimir.structuredConfig (keys from global.extraEnvFrom); kafka.enabled: false with mimir.structuredConfig.ingest_storage.kafka.address pointing at Redpanda",
            sources: &[
                "https://grafana.com/docs/helm-charts/mimir-distributed/latest/migration-guides/migrate-helm-chart-5.x-to-6.0/",
                "https://grafana.com/docs/mimir/latest/configure/configure-kafka-backend/",
                "https://github.com/grafana/mimir/tree/main/operations/helm/charts/mimir-distributed",
            ],
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::WholeSet,
            supersedes: &[],
            docs: BUNDLED_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = mimir_groups(objects);
        let minio = catalog::upstream("minio");
        let kafka = catalog::upstream("kafka");
        for object in objects.iter().filter(|o| o.origin().is_upstream()) {
            let from_mimir = match object.provenance.template.as_deref() {
                Some(t) => t.starts_with("mimir-distributed/") || t.contains("/charts/mimir-distributed/"),
                None => groups.contains(&object.group()),
            };
            if !from_mimir {
                continue;
            }
            let Some(pod) = object.pod_spec() else { continue };
            let hit = pod.main_containers().into_iter().find_map(|c| {
                if minio.runs(&c.image) {
                    Some((c, "MinIO", "minio.enabled: false"))
                } else if kafka.runs(&c.image) {
                    Some((c, "Kafka", "kafka.enabled: false"))
                } else {
                    None
                }
            });
            if let Some((c, what, value)) = hit {
                report
                    .flag(
                        object,
                        format!(
                            "{} is mimir-distributed's bundled demo {what} ({}); set {value} for production",
                            object.display(),
                            c.image
                        ),
                    )
                    .at(c.field("image"));
            }
        }
    }
}

const BUNDLED_DOCS: &str = "\
## What it detects
A MinIO or Kafka workload rendered by the `mimir-distributed` chart itself (its `minio` subchart, or the
bundled Kafka StatefulSet chart 6.x enables by default for ingest storage). These objects come from upstream,
but upstream documents them as \"for demonstration and testing purposes only\". The bundled MinIO's
make-bucket hook Job is not reported.

## Why it matters
A single-replica MinIO and Kafka inside the Mimir release hold every metric block and the write path; they
have no backup, no tuning and share the release's lifecycle.

## What to use instead
`minio.enabled: false` with object storage configured in `mimir.structuredConfig` (S3 keys from
`global.extraEnvFrom`), and `kafka.enabled: false` with
`mimir.structuredConfig.ingest_storage.kafka.address` pointing at Redpanda (a `Topic` CR for the ingest topic).

## Example
```yaml
# values.yaml of the wrapper
mimir-distributed:
  minio: {enabled: false}
  kafka: {enabled: false}
  mimir:
    structuredConfig:
      ingest_storage:
        kafka: {address: redpanda.redpanda.svc:9093, topic: mimir-ingest}
```
";

/// A hand-written tenant-overrides (runtime config) ConfigMap.
pub struct OverridesConfigMap;

impl Rule for OverridesConfigMap {
    fn meta(&self) -> Meta {
        Meta {
            id: "mimir-overrides-configmap",
            component: "mimir",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Mimir tenant-overrides (runtime config) ConfigMap instead of the chart's runtimeConfig",
            replace_with: "runtimeConfig: (overrides per tenant) in the mimir-distributed values; the chart renders and mounts the runtime ConfigMap",
            sources: SOURCES,
            kinds: &[
                "ConfigMap",
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
            ],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: OVERRIDES_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = mimir_groups(objects);
        for object in objects.iter().filter(|o| o.kind == "ConfigMap" && o.origin().is_local()) {
            if !groups.contains(&object.group()) {
                continue;
            }
            let Some(Value::Object(data)) = object.get("/data") else { continue };
            let key = data.iter().find(|(_, v)| v.as_str().is_some_and(has_top_level_overrides)).map(|(k, _)| k);
            if let Some(key) = key {
                report
                    .flag(object, format!("{} holds Mimir tenant overrides in data.{key}", object.display()))
                    .at(format!("data.{key}"));
            }
        }
    }
}

/// A YAML document with a top-level `overrides:` mapping.
fn has_top_level_overrides(text: &str) -> bool {
    text.lines().any(|l| l.strip_prefix("overrides").is_some_and(|r| r.trim_start().starts_with(':')))
}

const OVERRIDES_DOCS: &str = "\
## What it detects
A locally written ConfigMap, in a wrapper or file that runs Mimir, whose data holds a runtime configuration with
a top-level `overrides:` mapping (per-tenant limits).

## Why it matters
The chart renders the runtime ConfigMap from `runtimeConfig` and mounts it with `-runtime-config.file`; a second,
hand-written one must be wired into every component by hand and silently stops applying when it is not.

## What to use instead
`runtimeConfig:` in the `mimir-distributed` values.

## Example
```yaml
# Source: platform-mimir/templates/overrides.yaml
kind: ConfigMap
data:
  overrides.yaml: |
    overrides:
      tenant-a: {ingestion_rate: 100000}
```
";

rules_sdk::export_rules!(MimirWorkload, BucketBootstrap, BundledStorage, OverridesConfigMap);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&MimirWorkload, &BucketBootstrap, &BundledStorage, &OverridesConfigMap];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "mimir");
    }

    #[test]
    fn bundled_minio_is_flagged_and_its_make_bucket_hook_is_not() {
        let yaml = r#"
# Source: mimir-distributed/charts/minio/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: mimir-minio, labels: {helm.sh/chart: minio-5.4.0}}
spec:
  template:
    spec:
      containers: [{name: minio, image: "quay.io/minio/minio:RELEASE.2024-12-18T13-15-44Z"}]
---
# Source: mimir-distributed/charts/minio/templates/post-job.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: mimir-minio-post-job, annotations: {helm.sh/hook: post-install,post-upgrade}}
spec:
  template:
    spec:
      containers: [{name: minio-make-bucket, image: "quay.io/minio/mc:RELEASE.2024-11-21T17-21-54Z", command: [/bin/sh, /config/initialize]}]
---
# Source: mimir-distributed/templates/ingester/ingester-statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mimir-ingester-zone-a}
spec:
  template:
    spec:
      containers: [{name: ingester, image: "grafana/mimir:3.2.0", args: [-target=ingester]}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("mimir-bundled-storage", "Deployment", "mimir-minio")]);
    }

    #[test]
    fn target_flag_forms() {
        let yaml = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sg}
spec:
  template:
    spec:
      containers: [{name: m, image: "mirror.local/hub/grafana/mimir:3.2.0", args: [--target, store-gateway]}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("mimir-workload", "StatefulSet", "sg")]);
        assert!(findings[0].message.contains("-target=store-gateway"), "{}", findings[0].message);
    }

    #[test]
    fn nginx_and_mc_outside_mimir_are_not_mimirs() {
        let yaml = r#"
# Source: web/templates/nginx.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
---
# Source: web/templates/bucket.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: web-bucket}
spec:
  template:
    spec:
      containers: [{name: mc, image: quay.io/minio/mc, command: [sh, -c, "mc mb -p s3/web-assets"]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
