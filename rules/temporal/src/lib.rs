//! Temporal rules (catalog section 3).
//!
//! The upstream `temporal` chart (https://go.temporal.io/helm-charts) renders
//! the server services, the UI and admin-tools, and runs the schema and
//! namespace setup as its own hook Jobs (`templates/server-job.yaml`,
//! `templates/server-namespace-job.yaml`). Those Jobs are rendered by upstream
//! and never reported; the same commands in a wrapper Job are.

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::smell;

const SOURCES: &[&str] = &[
    "https://github.com/temporalio/helm-charts",
    "https://github.com/temporalio/helm-charts/blob/main/charts/temporal/values.yaml",
    "https://docs.temporal.io/self-hosted-guide/deployment",
];

/// The chart value replacing a hand-written workload of `image`.
fn workload_replacement(image: &Image) -> &'static str {
    if image.matches("temporalio/ui") {
        "the temporal chart's web.enabled: true (web.ingress, web.service)"
    } else if image.matches("temporalio/admin-tools") {
        "the temporal chart's admintools.enabled: true"
    } else if image.matches("temporalio/auto-setup") {
        "the temporal chart's server.* values with server.config.persistence.datastores.*.sql.{createDatabase,manageSchema} (auto-setup is a development image)"
    } else {
        "the temporal chart's server.* values (server.replicaCount, server.frontend/history/matching/worker.*, server.config.persistence.*)"
    }
}

/// A hand-written Deployment/StatefulSet of the Temporal server, UI or admin-tools.
pub struct HandWrittenServer;

impl Rule for HandWrittenServer {
    fn meta(&self) -> Meta {
        Meta {
            id: "temporal-hand-written-server",
            component: "temporal",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written workload of temporalio/server, temporalio/ui, temporalio/admin-tools or temporalio/auto-setup",
            replace_with: "the temporal chart (https://go.temporal.io/helm-charts): server.*, web.enabled, admintools.enabled",
            sources: SOURCES,
            kinds: smell::LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: SERVER_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(container) = smell::local_workload(object, catalog::upstream("temporal").images) else { return };
        report
            .flag(
                object,
                format!(
                    "{} runs Temporal ({}) {}; the temporal chart renders it",
                    object.display(),
                    container.image,
                    object.origin().describe()
                ),
            )
            .at(container.field("image"))
            .replace_with(workload_replacement(&container.image));
    }
}

const SERVER_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain YAML)
whose main container runs `temporalio/server`, `temporalio/ui`, `temporalio/admin-tools` or
`temporalio/auto-setup`, matched by repository path suffix so registry mirrors match. The chart's own
Deployments (`# Source: …/charts/temporal/templates/server-deployment.yaml`) are never reported.

## Why it matters
The frontend, history, matching and worker services need consistent config, membership ports, dynamic config
and schema versions; the chart keeps them in step across upgrades. A local copy drifts with every release.

## What to use instead
The `temporal` chart: `server.*` (per-service `server.frontend|history|matching|worker`), `web.enabled` for the
UI, `admintools.enabled` for admin-tools, and external SQL through
`server.config.persistence.datastores.<default|visibility>.sql.*` with `existingSecret`.

## Example
```yaml
# Source: platform-temporal/templates/frontend.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: frontend
          image: temporalio/server:1.28.0   # flagged: use the temporal chart's server.*
          env: [{name: SERVICES, value: frontend}]
```
";

const CREATE_DATABASE: &str = "server.config.persistence.datastores.<default|visibility>.sql.createDatabase: true, or CNPG Database CRs for temporal and temporal_visibility";

/// Bootstrap commands the chart's values (or its own hook Jobs) own.
const BOOTSTRAP: &[(Cmd, &str)] = &[
    (
        Cmd::new(&["tctl"], &["namespace|n", "register|re"], "tctl namespace register"),
        "server.config.namespaces.create: true with server.config.namespaces.namespace: [{name, retention}]",
    ),
    (
        Cmd::new(&["temporal"], &["operator", "namespace", "create|update"], "temporal operator namespace create"),
        "server.config.namespaces.create: true with server.config.namespaces.namespace: [{name, retention}]",
    ),
    (
        Cmd::new(&["tctl"], &["admin|adm"], "tctl admin"),
        "the chart's schema Job (server.config.persistence.datastores.*.sql.manageSchema, schema.useHelmHooks) and admintools.enabled for ad-hoc use",
    ),
    (
        Cmd::new(&["temporal-sql-tool"], &[], "temporal-sql-tool"),
        "server.config.persistence.datastores.<default|visibility>.sql.{createDatabase,manageSchema,existingSecret} (schema.useHelmHooks: false for GitOps)",
    ),
    (
        Cmd::new(&["temporal-cassandra-tool"], &[], "temporal-cassandra-tool"),
        "the chart's schema Job: server.config.persistence.datastores.*.cassandra with schema.setup.enabled / schema.update.enabled",
    ),
    (
        Cmd::new(&["temporal-elasticsearch-tool"], &[], "temporal-elasticsearch-tool"),
        "the chart's schema Job for visibility: server.config.persistence.datastores.visibility.elasticsearch with schema.setup.enabled",
    ),
    (
        Cmd {
            programs: &["psql"],
            words: &[],
            contains: &["create database temporal"],
            what: "psql CREATE DATABASE temporal",
        },
        CREATE_DATABASE,
    ),
    (
        Cmd {
            programs: &["psql"],
            words: &[],
            contains: &["create database \"temporal"],
            what: "psql CREATE DATABASE \"temporal\"",
        },
        CREATE_DATABASE,
    ),
];

/// Wrapper Jobs, CronJobs, initContainers or postStart hooks running Temporal
/// namespace, schema or database bootstrap.
pub struct BootstrapJob;

impl Rule for BootstrapJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "temporal-bootstrap-script",
            component: "temporal",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Wrapper Job or initContainer running tctl/temporal namespace registration, temporal-*-tool schema setup or psql CREATE DATABASE temporal",
            replace_with: "server.config.namespaces.create: true with server.config.namespaces.namespace, and server.config.persistence.datastores.<default|visibility>.sql.{createDatabase,manageSchema,existingSecret}; schema.useHelmHooks: false for GitOps tools",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: BOOTSTRAP_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        rules_sdk::smell::report_script_table(object, report, BOOTSTRAP);
    }
}

const BOOTSTRAP_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or `postStart` hook whose command runs
`tctl … namespace register`, `tctl admin …`, `temporal operator namespace create|update`,
`temporal-sql-tool`, `temporal-cassandra-tool`, `temporal-elasticsearch-tool`, or
`psql … CREATE DATABASE temporal`. The chart's own schema and namespace hook Jobs
(`templates/server-job.yaml`, `templates/server-namespace-job.yaml`) are rendered by upstream and never
reported.

## Why it matters
A wrapper script re-implements what the chart already reconciles on every install and upgrade: it runs once,
is not idempotent across schema versions, and silently diverges from the server version.

## What to use instead
- Namespaces: `server.config.namespaces.create: true` with `server.config.namespaces.namespace: [{name, retention}]`.
- Databases and schema: `server.config.persistence.datastores.<default|visibility>.sql.createDatabase`,
  `manageSchema` and `existingSecret` (or CNPG `Database` CRs for `temporal` and `temporal_visibility`).
- GitOps tools that skip hooks: `schema.useHelmHooks: false`.

## Example
```yaml
# Source: platform-temporal/templates/register-namespace.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: register
          image: temporalio/admin-tools:1.28.0
          command: [sh, -c, 'tctl --ns orders namespace register --rd 3']   # flagged
```
";

rules_sdk::export_rules!(HandWrittenServer, BootstrapJob);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&HandWrittenServer, &BootstrapJob];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "temporal");
    }

    #[test]
    fn flags_mirrored_server_images_with_the_matching_value() {
        let yaml = r#"
# Source: platform-temporal/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: temporal-web, namespace: temporal}
spec:
  template:
    spec:
      containers: [{name: web, image: "nexus.example/dockerhub-proxy/temporalio/ui:2.30.0"}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("temporal-hand-written-server", "Deployment", "temporal-web")]);
        assert_eq!(findings[0].path.as_deref(), Some("spec.template.spec.containers[0].image"));
    }

    #[test]
    fn each_bootstrap_command_is_recognised_once_per_resource() {
        for command in [
            "tctl --ns orders namespace register --rd 3",
            "tctl --namespace orders n re",
            "tctl admin cluster describe",
            "temporal operator namespace create -n orders --retention 72h",
            "temporal-sql-tool --ep db setup-schema -v 0.0",
            "temporal-cassandra-tool create -k temporal",
            "temporal-elasticsearch-tool --ep es setup-schema",
            "psql -h db -U postgres -c 'CREATE DATABASE temporal_visibility'",
        ] {
            let yaml = format!(
                r#"
# Source: platform-temporal/templates/setup.yaml
apiVersion: batch/v1
kind: Job
metadata: {{name: setup}}
spec:
  template:
    spec:
      initContainers: [{{name: wait, image: busybox, command: [sh, -c, "{command} && echo ok"]}}]
      containers: [{{name: setup, image: temporalio/admin-tools:1.28.0, command: [sh, -c, "{command}"]}}]
"#
            );
            assert_eq!(
                keys(&check_yaml(RULES, &yaml)),
                vec![("temporal-bootstrap-script", "Job", "setup")],
                "{command}"
            );
        }
    }

    #[test]
    fn read_only_commands_and_other_databases_are_fine() {
        let yaml = r#"
# Source: platform-temporal/templates/check.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: check}
spec:
  template:
    spec:
      containers:
        - name: check
          image: temporalio/admin-tools:1.28.0
          command: [sh, -c, "temporal operator namespace describe -n orders; psql -h temporal-db -c 'CREATE DATABASE billing'"]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
