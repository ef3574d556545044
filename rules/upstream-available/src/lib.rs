//! The `upstream-available` principle: a hand-written workload of well-known
//! third-party infrastructure has an upstream chart or operator to use instead.
//!
//! Component rules refine this one (they list `upstream-available` in
//! `supersedes`), so a raw MongoDB in the Novu wrapper is reported once, as a
//! `novu` finding.

use rules_sdk::Identity;
use rules_sdk::catalog;
use rules_sdk::prelude::*;

/// Long-running kinds; Jobs are bootstrap scripts, not reinvented workloads.
const KINDS: &[&str] = &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];

pub struct UpstreamAvailable;

impl Rule for UpstreamAvailable {
    fn meta(&self) -> Meta {
        Meta {
            id: "upstream-available",
            component: "upstream-available",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written workload of third-party infrastructure that an upstream chart or operator runs",
            replace_with: "the upstream chart or operator named in the finding",
            sources: &["https://artifacthub.io/"],
            kinds: KINDS,
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let origin = object.origin();
        if !origin.is_local() {
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        // The best-known container wins, not the first: a curated PostgreSQL
        // beside a mined exporter sidecar is PostgreSQL.
        let containers = pod.main_containers();
        let best = Known::ALL
            .iter()
            .find_map(|known| containers.iter().find_map(|c| upstream_of(object, c, *known).map(|found| (c, found))));
        if let Some((container, (what, evidence, replacement))) = best {
            report
                .flag(object, format!("{} runs {what} ({evidence}) {}", object.display(), origin.describe()))
                .at(container.field("image"))
                .replace_with(replacement);
        }
    }
}

/// Which catalog knows a container, in order of precedence.
#[derive(Debug, Clone, Copy)]
enum Known {
    Team,
    Curated,
    Mined,
}

impl Known {
    const ALL: [Known; 3] = [Known::Team, Known::Curated, Known::Mined];
}

/// What `container` runs and the upstream to use instead, if the catalog
/// `known` knows it: the team's `[[catalog.images]]` entry, the curated
/// catalog (with its values keys), or the charts upstream publishes. An
/// operator's own controller is `upstream-available-operator-copy`'s.
fn upstream_of(object: &Object, container: &Container<'_>, known: Known) -> Option<(String, String, String)> {
    let identity = object.identity_of(container).filter(|i| !i.operator);
    match known {
        Known::Team => {
            let team = identity.filter(|i| i.from_team())?;
            let evidence = format!("image {}, as {} says", container.image, team.source);
            return Some((team.name.clone(), evidence, format!("the upstream {}", team.chart_list())));
        }
        Known::Curated => {
            let (upstream, evidence) = catalog::identify(container)?;
            let replacement = format!("{} — see {}", upstream.replace_with, upstream.sources.join(", "));
            return Some((upstream.name.to_string(), evidence, replacement));
        }
        Known::Mined => {}
    }
    // A chart of the very name that publishes the image renders it: that
    // chart running its own software. The chart may still be the team's by
    // what else it runs (opentelemetry-demo's raw PostgreSQL, Kafka and
    // Valkey are, and stay findings), so this is the rule's call on this
    // image, not a provenance verdict.
    let rendered_by_its_chart =
        |i: &&Identity| i.charts.iter().any(|c| Some(&c.name) == object.provenance.chart.as_ref());
    let mined = identity.filter(|i| i.from_mined()).filter(|i| !rendered_by_its_chart(i))?;
    let evidence = format!("image {}, which upstream {} runs", container.image, mined.chart_list());
    let replacement = format!(
        "the upstream {} as a dependency, configured through its values; keep only thin overlays (mined from {})",
        mined.chart_list(),
        mined.source
    );
    Some((mined.name.clone(), evidence, replacement))
}

const DOCS: &str = "\
## What it detects
A Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet or ReplicationController written locally (wrapper
template, extraObjects value, or plain YAML) whose main container runs third-party software an upstream
chart or operator ships. What a container runs is decided by the host from its image, and three catalogs
answer in this order (docs/ACCURACY.md, *Identity*):
1. the team's `[[catalog.images]]` entries in rewheel.toml;
2. the curated products of the seed audit, each with its replacement and values keys: MongoDB, PostgreSQL,
   MySQL/MariaDB, Redis, Valkey, MinIO, ClickHouse, Kafka, Redpanda, ZooKeeper, RabbitMQ, Cassandra,
   CockroachDB, Elasticsearch, OpenSearch, NATS, Grafana, Prometheus, Loki, Mimir, Jaeger, the OpenTelemetry
   Collector, Temporal, Nexus, Traefik, OpenBao/Vault, Memcached;
3. the catalog mined from the charts upstream publishes (`manifest/data/upstream-charts.tsv`: 366 charts of
   45 chart repositories, each row with the repository commit it was read from). `rewheel catalog` lists
   those repositories with their commits and dates (how fresh it is); catalog/README.md says how to
   regenerate it; `rewheel catalog IMAGE` shows what an image runs and which catalog said so.

Images match by repository path suffix, so registry mirrors, tags and digests do not matter; a workload's name
never does. Base and tool images (`busybox`, `nginx`, `bitnami/kubectl`) identify nothing. An operator's own
controller is `upstream-available-operator-copy`'s.

Objects rendered by an upstream chart (`# Source: wrapper/charts/<upstream>/...`, or a chart upstream
publishes rendered directly) are never reported, nor is a workload rendered by a chart of the very name that
publishes its image.

## Why it matters
Every hand-written datastore or platform service is local control logic the team now owns: upgrades,
persistence, probes, security context, backups. The upstream chart or operator already reconciles it.

## What to use instead
The chart or operator named in the finding, configured through values; keep only thin overlays
(ExternalSecret, NetworkPolicy, CRs) in the wrapper.

## Example
```yaml
# Source: platform/templates/postgres.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: postgres
          image: postgres:16   # use a CloudNativePG Cluster
```
";

/// Kinds an operator's install bundle holds besides its controller.
const INSTALL_KINDS: &[&str] =
    &["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Service"];

/// A copy of an operator's own install (its controller workload, RBAC and
/// config) written into a wrapper or plain YAML.
pub struct OperatorCopy;

impl Rule for OperatorCopy {
    fn meta(&self) -> Meta {
        Meta {
            id: "upstream-available-operator-copy",
            component: "upstream-available",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Copy of an operator's own install (controller workload, RBAC, config) instead of its chart",
            replace_with: "the operator's chart named in the finding, as a dependency; keep only its values and the CRs",
            sources: &["https://artifacthub.io/", "https://helm.sh/docs/topics/charts/#chart-dependencies"],
            kinds: OPERATOR_COPY_KINDS,
            scope: Scope::WholeSet,
            supersedes: &["upstream-available"],
            docs: OPERATOR_COPY_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        // Copied into a chart's templates or values; plain YAML may be the
        // operator's own release manifest, applied as published.
        let copied = |o: &Object| matches!(o.origin(), Origin::Wrapper { .. } | Origin::Passthrough { .. });
        // A part shared by two copied controllers is reported once, with the first.
        let mut reported: std::collections::BTreeSet<u32> = std::collections::BTreeSet::new();
        for controller in objects.iter().filter(|o| copied(o)) {
            let Some(pod) = controller.pod_spec() else { continue };
            let Some((container, operator)) = pod
                .main_containers()
                .into_iter()
                .find_map(|c| controller.identity_of(&c).filter(|i| i.operator).cloned().map(|i| (c, i)))
            else {
                continue;
            };
            let replacement = replacement(&operator);
            report
                .flag(
                    controller,
                    format!(
                        "{} runs the {} operator's own controller (image {}) {}: a copy of the operator's install",
                        controller.display(),
                        operator.name,
                        container.image,
                        controller.origin().describe()
                    ),
                )
                .at(container.field("image"))
                .replace_with(replacement.clone());
            let install = Install { controller, pod: &pod, objects };
            for part in objects.iter().filter(|o| o.origin().is_local() && install.holds(o)) {
                if !reported.insert(part.index) {
                    continue;
                }
                report
                    .flag(
                        part,
                        format!(
                            "{} is part of the copied {} operator install (its controller is {})",
                            part.display(),
                            operator.name,
                            controller.display()
                        ),
                    )
                    .replace_with(replacement.clone());
            }
        }
    }
}

/// What to do instead, naming the chart and which catalog knows it.
fn replacement(operator: &Identity) -> String {
    let chart = if operator.charts.is_empty() { format!("chart of {}", operator.name) } else { operator.chart_list() };
    let known = if operator.from_mined() {
        format!("mined from {}", operator.source)
    } else if operator.from_team() {
        format!("as {} says", operator.source)
    } else {
        "curated".to_string()
    };
    format!(
        "install the upstream {chart} as a dependency and delete the copied controller, RBAC and config; keep only its values and the custom resources ({known})"
    )
}

const OPERATOR_COPY_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Service",
];

/// A copied operator's controller and the objects around it.
struct Install<'a> {
    controller: &'a Object,
    pod: &'a PodSpec<'a>,
    objects: &'a [&'a Object],
}

impl Install<'_> {
    /// Is `part` (RBAC, config, Service) a piece of this install: written in
    /// the controller's template, its service account, a binding of that
    /// account, a role such a binding grants, or a ConfigMap its pods mount?
    fn holds(&self, part: &Object) -> bool {
        if !INSTALL_KINDS.contains(&part.kind.as_str()) {
            return false;
        }
        let same_template =
            part.provenance.template.is_some() && part.provenance.template == self.controller.provenance.template;
        let same_namespace = part.namespace.is_none() || part.namespace == self.controller.namespace;
        same_template
            || match part.kind.as_str() {
                "ServiceAccount" => Some(part.name.as_str()) == self.pod.service_account() && same_namespace,
                "ClusterRoleBinding" | "RoleBinding" => self.binds_account(part),
                "ClusterRole" | "Role" => self.objects.iter().any(|b| self.binds_account(b) && grants(b, part)),
                "ConfigMap" => same_namespace && self.pod.config_volume_names().contains(&part.name.as_str()),
                _ => false,
            }
    }

    /// Does `binding` name the controller's service account (in its namespace)?
    fn binds_account(&self, binding: &Object) -> bool {
        let Some(account) = self.pod.service_account() else { return false };
        let namespace = self.controller.namespace.as_deref();
        binding.kind.ends_with("Binding")
            && binding.get("/subjects").and_then(|s| s.as_array()).into_iter().flatten().any(|s| {
                let subject_namespace = s.get("namespace").and_then(|n| n.as_str()).or(binding.namespace.as_deref());
                s.get("kind").and_then(|k| k.as_str()) == Some("ServiceAccount")
                    && s.get("name").and_then(|n| n.as_str()) == Some(account)
                    && (subject_namespace.is_none() || namespace.is_none() || subject_namespace == namespace)
            })
    }
}

/// Does `binding`'s roleRef name `role` (its kind and name; a RoleBinding's
/// Role in the binding's namespace)?
fn grants(binding: &Object, role: &Object) -> bool {
    let kind = binding.get("/roleRef/kind").and_then(|k| k.as_str());
    let name = binding.get("/roleRef/name").and_then(|n| n.as_str());
    kind == Some(role.kind.as_str())
        && name == Some(role.name.as_str())
        && (role.kind == "ClusterRole" || role.namespace == binding.namespace)
}

const OPERATOR_COPY_DOCS: &str = "\
## What it detects
A workload written into a chart's templates (a wrapper) or passed through an extraObjects value whose main
container runs an operator's own controller image — one the catalog mined from published charts lists as an operator chart's
controller (`altinity/clickhouse-operator`, `ghcr.io/cloudnative-pg/cloudnative-pg`,
`quay.io/prometheus-operator/prometheus-operator`, ...) or a `[[catalog.images]]` entry with `operator = true`
— and the rest of that install written beside it: objects of the same template, its ServiceAccount, the
bindings granting that account a role (in its namespace), the roles they grant, and the ConfigMaps its pods
mount. A part shared by two copied controllers is reported once. Plain YAML is left alone: it may be
the operator's release manifest applied as published.

## Why it matters
An operator's install is versioned with its CRDs, RBAC and webhooks. A pasted copy drifts: the next operator
release changes a flag, a role or a CRD version and the copy keeps the old one, and nobody owns upgrading it.

## What to use instead
The operator's chart, named in the finding with its repository, as a dependency of the wrapper; keep only its
values and the custom resources (ClickHouseInstallation, Cluster, Prometheus, ...).

## Example
```yaml
# Source: platform/templates/clickhouse-operator.yaml
kind: Deployment
metadata: {name: clickhouse-operator}
spec:
  template:
    spec:
      serviceAccountName: clickhouse-operator
      containers:
        - name: clickhouse-operator
          image: altinity/clickhouse-operator:0.24.0   # use chart altinity-clickhouse-operator
```
";

rules_sdk::export_rules!(UpstreamAvailable, OperatorCopy);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(&[&UpstreamAvailable], "upstream-available");
    }

    #[test]
    fn flags_local_infrastructure_by_image() {
        let yaml = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  template:
    spec:
      initContainers: [{name: wait, image: busybox}]
      containers: [{name: db, image: "registry.corp/hub/library/postgres:16"}]
---
# Source: platform/templates/minio.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: storage, namespace: infra}
spec:
  template:
    spec:
      containers: [{name: s3, image: quay.io/minio/minio:RELEASE.2025-01-01}]
---
# Source: velero/templates/extra-objects.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  template:
    spec:
      containers: [{name: c, image: redis:7}]
"#;
        let findings = check_yaml(&[&UpstreamAvailable], yaml);
        assert_eq!(
            keys(&findings),
            vec![
                ("upstream-available", "Deployment", "cache"),
                ("upstream-available", "Deployment", "storage"),
                ("upstream-available", "StatefulSet", "pg"),
            ]
        );
        let pg = findings.iter().find(|f| f.name == "pg").unwrap();
        assert!(pg.message.contains("PostgreSQL"), "{}", pg.message);
    }

    #[test]
    fn software_known_only_to_the_mined_catalog_is_flagged_where_written_locally() {
        let yaml = r#"
# Source: platform/templates/statsd.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: statsd}
spec:
  template:
    spec:
      containers: [{name: exporter, image: "mirror.corp/prom/statsd-exporter:v0.28.0"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: auth}
spec:
  template:
    spec:
      containers: [{name: proxy, image: "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0@sha256:00ff"}]
---
# Source: platform/charts/prometheus-statsd-exporter/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: platform-statsd}
spec:
  template:
    spec:
      containers: [{name: exporter, image: "prom/statsd-exporter:v0.28.0"}]
---
# Source: platform/templates/pgbouncer.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: pool}
spec:
  template:
    spec:
      containers: [{name: pgbouncer, image: "edoburu/pgbouncer:v1.23.1-p2"}]
---
# Source: oauth2-proxy/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: oauth2-proxy}
spec:
  template:
    spec:
      containers: [{name: oauth2-proxy, image: "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0"}]
---
# Source: platform/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web, image: "nginx:1.27"}, {name: sh, image: "bitnami/os-shell:12"}]
"#;
        let findings = check_yaml(&[&UpstreamAvailable], yaml);
        assert_eq!(
            keys(&findings),
            vec![
                ("upstream-available", "Deployment", "auth"),
                ("upstream-available", "Deployment", "pool"),
                ("upstream-available", "Deployment", "statsd"),
            ],
            "the upstream chart rendered directly (oauth2-proxy) and nested (prometheus-statsd-exporter) is clean"
        );
        let pool = findings.iter().find(|f| f.name == "pool").unwrap();
        assert!(pool.message.contains("runs pgbouncer (image edoburu/pgbouncer:v1.23.1-p2, which upstream chart pgbouncer (https://icoretech.github.io/helm) runs)"), "{}", pool.message);
        let statsd = findings.iter().find(|f| f.name == "statsd").unwrap();
        assert!(
            statsd.message.contains(
                "runs prometheus-statsd-exporter (image mirror.corp/prom/statsd-exporter:v0.28.0, which upstream chart prometheus-statsd-exporter (https://prometheus-community.github.io/helm-charts)"
            ),
            "{}",
            statsd.message
        );
    }

    #[test]
    fn an_operators_install_copied_into_a_wrapper_is_flagged_with_its_rbac_and_config() {
        let yaml = r#"
# Source: analytics/templates/clickhouse-operator.yaml
apiVersion: v1
kind: ServiceAccount
metadata: {name: clickhouse-operator, namespace: analytics}
---
# Source: analytics/templates/clickhouse-operator.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: clickhouse-operator, namespace: analytics}
spec:
  template:
    spec:
      serviceAccountName: clickhouse-operator
      volumes: [{name: etc, configMap: {name: etc-clickhouse-operator-files}}]
      containers:
        - {name: clickhouse-operator, image: "altinity/clickhouse-operator:0.24.0"}
        - {name: metrics-exporter, image: "altinity/metrics-exporter:0.24.0"}
---
# Source: analytics/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: clickhouse-operator-analytics}
roleRef: {kind: ClusterRole, name: clickhouse-operator-analytics}
subjects: [{kind: ServiceAccount, name: clickhouse-operator, namespace: analytics}]
---
# Source: analytics/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: clickhouse-operator-analytics}
rules: [{apiGroups: [clickhouse.altinity.com], resources: ["*"], verbs: ["*"]}]
---
# Source: analytics/templates/payments.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: payments-reader, namespace: payments}
roleRef: {kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: clickhouse-operator, namespace: payments}]
---
# Source: analytics/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: etc-clickhouse-operator-files, namespace: analytics}
data: {config.yaml: "watch: {}"}
---
# Source: analytics/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: dashboards, namespace: analytics}
data: {a: b}
---
# Source: analytics/charts/altinity-clickhouse-operator/templates/generated/Deployment-clickhouse-operator.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: upstream-operator, namespace: analytics}
spec:
  template:
    spec:
      serviceAccountName: upstream-operator
      containers: [{name: clickhouse-operator, image: "altinity/clickhouse-operator:0.24.0"}]
"#;
        let findings = check_yaml(&[&UpstreamAvailable, &OperatorCopy], yaml);
        assert_eq!(
            keys(&findings),
            vec![
                ("upstream-available-operator-copy", "ClusterRole", "clickhouse-operator-analytics"),
                ("upstream-available-operator-copy", "ClusterRoleBinding", "clickhouse-operator-analytics"),
                ("upstream-available-operator-copy", "ConfigMap", "etc-clickhouse-operator-files"),
                ("upstream-available-operator-copy", "Deployment", "clickhouse-operator"),
                ("upstream-available-operator-copy", "ServiceAccount", "clickhouse-operator"),
            ]
        );
        let deployment = findings.iter().find(|f| f.kind == "Deployment").unwrap();
        assert!(deployment.message.contains("operator's own controller (image altinity/clickhouse-operator:0.24.0)"));
    }

    #[test]
    fn a_part_shared_by_two_copied_controllers_is_reported_once() {
        let controller = |name: &str| {
            format!(
                "# Source: analytics/templates/{name}.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: analytics}}\nspec:\n  template:\n    spec:\n      serviceAccountName: shared\n      containers: [{{name: op, image: \"altinity/clickhouse-operator:0.24.0\"}}]\n"
            )
        };
        let yaml = format!(
            "{}---\n{}---\n# Source: analytics/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: shared, namespace: analytics}}\n",
            controller("first"),
            controller("second")
        );
        let findings = check_yaml(&[&OperatorCopy], &yaml);
        assert_eq!(
            keys(&findings),
            vec![
                ("upstream-available-operator-copy", "Deployment", "first"),
                ("upstream-available-operator-copy", "Deployment", "second"),
                ("upstream-available-operator-copy", "ServiceAccount", "shared"),
            ]
        );
    }

    #[test]
    fn a_curated_server_beside_a_mined_sidecar_is_the_server() {
        let yaml = r#"
# Source: platform/templates/db.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers:
        - {name: metrics, image: "quay.io/prometheuscommunity/postgres-exporter:v0.16.0"}
        - {name: postgres, image: "postgres:16"}
"#;
        let findings = check_yaml(&[&UpstreamAvailable], yaml);
        assert_eq!(keys(&findings), vec![("upstream-available", "StatefulSet", "db")]);
        assert!(findings[0].message.contains("runs PostgreSQL (image postgres:16)"), "{}", findings[0].message);
    }

    #[test]
    fn upstream_rendered_jobs_names_and_init_containers_are_clean() {
        let yaml = r#"
# Source: platform/charts/mongodb/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongodb}
spec:
  template:
    spec:
      containers: [{name: mongodb, image: bitnami/mongodb:8}]
---
# Source: temporal/templates/server-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: temporal-frontend}
spec:
  template:
    spec:
      containers: [{name: t, image: temporalio/server:1.28}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: postgres-and-redis-client}
spec:
  template:
    spec:
      initContainers: [{name: wait, image: postgres:16, command: [pg_isready]}]
      containers: [{name: app, image: ghcr.io/acme/app:1}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: make-bucket}
spec:
  template:
    spec:
      containers: [{name: mc, image: quay.io/minio/minio}]
"#;
        assert_eq!(keys(&check_yaml(&[&UpstreamAvailable], yaml)), vec![]);
    }
}
