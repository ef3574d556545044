//! The `bootstrap-script` principle: reconciliation done by shell in Jobs,
//! CronJobs, initContainers or postStart hooks when the provider has a
//! controller, CRD, chart hook or CLI workflow for it.
//!
//! Component rules flag their own commands with a more specific replacement and
//! list `bootstrap-script` in `supersedes`; this rule catches the rest, in any
//! wrapper, for any component.

use rules_sdk::prelude::*;

/// Commands a provider reconciles natively, with what to use instead.
const COMMANDS: &[(Cmd, &str)] = &[
    (
        Cmd::new(&["kubectl", "oc"], &["apply|create|patch|replace|annotate|label"], "kubectl apply/create/patch"),
        "declare the objects in the chart (or as CRs) and let Argo CD/Helm apply them",
    ),
    (Cmd::new(&["mc"], &["mb"], "mc mb"), "MinIO chart buckets: values or a Tenant CR spec.buckets"),
    (Cmd::new(&["mc"], &["admin", "user|policy"], "mc admin user/policy"), "MinIO chart users:/policies: values"),
    (Cmd::new(&["rpk"], &["topic", "create|alter-config"], "rpk topic create"), "Redpanda Topic CRs"),
    (Cmd::new(&["rpk"], &["security|acl", "create"], "rpk security/acl create"), "Redpanda User and RedpandaRole CRs"),
    (
        Cmd::new(&["rpk"], &["cluster", "config", "set|import"], "rpk cluster config set"),
        "Redpanda chart config.cluster",
    ),
    (
        Cmd::new(&["kafka-topics", "kafka-topics.sh"], &["--create"], "kafka-topics --create"),
        "Topic CRs (Redpanda or Strimzi)",
    ),
    (
        Cmd::new(&["bao", "vault"], &["operator", "init|unseal"], "bao/vault operator init"),
        "OpenBao raft HA with a seal stanza and self-init",
    ),
    (
        Cmd::new(&["tctl"], &["namespace", "register"], "tctl namespace register"),
        "temporal chart server.config.namespaces.create",
    ),
    (
        Cmd::new(&["temporal"], &["operator", "namespace", "create|update"], "temporal operator namespace create"),
        "temporal chart server.config.namespaces.create",
    ),
    (Cmd::new(&["fga"], &["store", "create"], "fga store create"), "an idempotent `fga store import` run from CI"),
    (Cmd::new(&["fga"], &["model", "write"], "fga model write"), "an idempotent `fga store import` run from CI"),
    (
        Cmd::new(&["hasura"], &["metadata|migrate", "apply"], "hasura metadata/migrate apply"),
        "the graphql-engine cli-migrations-v3 image with mounted metadata",
    ),
    (
        Cmd { programs: &["psql"], words: &[], contains: &["create database"], what: "psql CREATE DATABASE" },
        "a CloudNativePG Database CR (or the chart's createDatabase value)",
    ),
    (
        Cmd { programs: &["psql"], words: &[], contains: &["create role"], what: "psql CREATE ROLE" },
        "CloudNativePG managed roles (spec.managed.roles)",
    ),
    (
        Cmd { programs: &["psql"], words: &[], contains: &["create user"], what: "psql CREATE USER" },
        "CloudNativePG managed roles (spec.managed.roles)",
    ),
    (
        Cmd {
            programs: &["mysql", "mariadb"],
            words: &[],
            contains: &["create database"],
            what: "mysql CREATE DATABASE",
        },
        "the database operator's Database CR",
    ),
    (
        Cmd { programs: &["mongosh", "mongo"], words: &[], contains: &["rs.initiate"], what: "mongosh rs.initiate" },
        "a MongoDBCommunity CR",
    ),
    (
        Cmd { programs: &["mongosh", "mongo"], words: &[], contains: &["createuser"], what: "mongosh db.createUser" },
        "MongoDBCommunity spec.users",
    ),
    (
        Cmd {
            programs: &["clickhouse-client"],
            words: &[],
            contains: &["create user"],
            what: "clickhouse-client CREATE USER",
        },
        "ClickHouseInstallation spec.configuration.users",
    ),
    (Cmd::new(&["spire-server"], &["entry", "create"], "spire-server entry create"), "ClusterSPIFFEID CRs"),
    (Cmd::new(&["velero"], &["backup", "create"], "velero backup create"), "the velero chart schedules:"),
    (
        Cmd::new(&["argocd"], &["app|repo|cluster|proj", "create|add"], "argocd app create/repo add"),
        "Application/AppProject CRs",
    ),
    (Cmd::new(&["helm"], &["install|upgrade"], "helm install/upgrade"), "a chart dependency or an Argo CD Application"),
    (
        Cmd {
            programs: &["curl", "wget"],
            words: &[],
            contains: &["/api/dashboards"],
            what: "curl to the Grafana dashboards API",
        },
        "grafana chart sidecar.dashboards or GrafanaDashboard CRs",
    ),
    (
        Cmd {
            programs: &["curl", "wget"],
            words: &[],
            contains: &["/api/datasources"],
            what: "curl to the Grafana datasources API",
        },
        "grafana chart datasources: or GrafanaDatasource CRs",
    ),
    (
        Cmd {
            programs: &["curl", "wget"],
            words: &[],
            contains: &["registration-token"],
            what: "curl for a runner registration token",
        },
        "actions-runner-controller gha-runner-scale-set",
    ),
    (
        Cmd {
            programs: &["curl", "wget"],
            words: &[],
            contains: &["/v1/metadata"],
            what: "curl to the Hasura metadata API",
        },
        "the graphql-engine cli-migrations-v3 image",
    ),
    (
        Cmd {
            programs: &["curl", "wget"],
            words: &[],
            contains: &["/_index_template"],
            what: "curl to create an index template",
        },
        "the chart's setup job or the operator",
    ),
];

pub struct BootstrapScript;

impl Rule for BootstrapScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "bootstrap-script",
            component: "bootstrap-script",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Shell in a Job, CronJob, initContainer or postStart hook doing what a controller, CRD or chart value reconciles",
            replace_with: "the provider's controller, CRD, chart hook or CLI workflow named in the finding",
            sources: &[
                "https://helm.sh/docs/topics/charts_hooks/",
                "https://kubernetes.io/docs/concepts/extend-kubernetes/operator/",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        rules_sdk::smell::report_script_table(object, report, COMMANDS);
    }
}

const DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or `postStart` hook whose shell runs a command that a
provider reconciles natively: `kubectl apply|create|patch` of manifests, `mc mb`, `rpk topic create`,
`bao|vault operator init`, `tctl … namespace register`, `temporal operator namespace create`,
`fga store create`, `hasura metadata apply`, `psql … CREATE DATABASE`, `mongosh rs.initiate`,
`spire-server entry create`, `velero backup create`, `argocd app create`, curl to admin APIs, and more.
Hook Jobs rendered by upstream charts (Temporal schema, MinIO make-bucket, OpenFGA migrate) are never flagged.

## Why it matters
A script is reconciliation without a controller: it runs once (or on every sync), fails quietly, and drifts
from what the provider would converge to. Component rules name the exact replacement; this rule catches the
same pattern everywhere else.

## What to use instead
The CRD, chart value, hook or CLI workflow named in the finding (Topic CRs, `buckets:`, self-init,
`server.config.namespaces.create`, a CNPG `Database`, ...).

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: topics
          image: redpandadata/redpanda
          command: [sh, -c, 'rpk topic create orders -p 6']   # use a Topic CR
```
";

rules_sdk::export_rules!(BootstrapScript);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(&[&BootstrapScript], "bootstrap-script");
    }

    #[test]
    fn names_the_command_and_its_replacement() {
        let yaml = r#"
apiVersion: batch/v1
kind: Job
metadata: {name: topics}
spec:
  template:
    spec:
      containers: [{name: t, image: redpandadata/redpanda, command: [sh, -c, "rpk topic create orders -p 6"]}]
"#;
        let findings = check_yaml(&[&BootstrapScript], yaml);
        assert_eq!(keys(&findings), vec![("bootstrap-script", "Job", "topics")]);
        assert!(findings[0].message.contains("`rpk topic create`"), "{}", findings[0].message);
        assert_eq!(findings[0].path.as_deref(), Some("spec.template.spec.containers[0].command"));
    }
}
