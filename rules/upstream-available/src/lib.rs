//! The `upstream-available` principle: a hand-written workload of well-known
//! third-party infrastructure has an upstream chart or operator to use instead.
//!
//! Component rules refine this one (they list `upstream-available` in
//! `supersedes`), so a raw MongoDB in the Novu wrapper is reported once, as a
//! `novu` finding.

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
        let Some((container, upstream, evidence)) =
            pod.main_containers().into_iter().find_map(|c| catalog::identify(&c).map(|(u, why)| (c, u, why)))
        else {
            return;
        };
        report
            .flag(object, format!("{} runs {} ({evidence}) {}", object.display(), upstream.name, origin.describe()))
            .at(container.field("image"))
            .replace_with(format!("{} — see {}", upstream.replace_with, upstream.sources.join(", ")));
    }
}

const DOCS: &str = "\
## What it detects
A Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet or ReplicationController written locally (wrapper
template, extraObjects value, or plain YAML) whose main container runs well-known third-party infrastructure:
MongoDB, PostgreSQL, MySQL/MariaDB, Redis, Valkey, MinIO, ClickHouse, Kafka, Redpanda, ZooKeeper, RabbitMQ,
Cassandra, CockroachDB, Elasticsearch, OpenSearch, NATS, Grafana, Prometheus, Loki, Mimir, Jaeger, the
OpenTelemetry Collector, Temporal, Nexus, Traefik, OpenBao/Vault, Memcached. Images match by repository path
suffix, so registry mirrors match; a workload's name never does.

Objects rendered by an upstream chart (`# Source: wrapper/charts/<upstream>/...`, or a known upstream chart
rendered directly) are never reported.

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

rules_sdk::export_rules!(UpstreamAvailable);

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
