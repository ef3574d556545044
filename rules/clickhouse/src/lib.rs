//! ClickHouse rules (catalog section 19).
//!
//! The Altinity operator (chart `altinity-clickhouse-operator`,
//! https://helm.altinity.com) reconciles ClickHouse clusters from
//! `ClickHouseInstallation` (CHI) and Keeper ensembles from
//! `ClickHouseKeeperInstallation` (CHK) CRs, including users, profiles, quotas
//! and `config.d`/`users.d` files. A wrapper that writes ClickHouse, Keeper or
//! ZooKeeper StatefulSets, creates users with `clickhouse-client` Jobs or
//! keeps XML config in its own ConfigMaps reinvents the operator. Operator-
//! created StatefulSets never appear in rendered output, and a CHI/CHK is the
//! expected thin overlay.

use std::collections::BTreeSet;

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/Altinity/clickhouse-operator",
    "https://github.com/Altinity/clickhouse-operator/tree/master/deploy/helm/clickhouse-operator",
    "https://helm.altinity.com",
];

const SERVER_IMAGES: &[&str] =
    &["clickhouse/clickhouse-server", "altinity/clickhouse-server", "yandex/clickhouse-server", "bitnami/clickhouse"];
const KEEPER_IMAGES: &[&str] = &["clickhouse/clickhouse-keeper", "altinity/clickhouse-keeper"];
const OPERATOR_IMAGES: &[&str] = &["altinity/clickhouse-operator", "altinity/metrics-exporter"];
const CR_KINDS: &[&str] = &["ClickHouseInstallation", "ClickHouseKeeperInstallation"];

/// Groups (wrapper charts or plain-YAML files) holding ClickHouse: its
/// images, the operator, or a CHI/CHK.
fn clickhouse_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| {
        CR_KINDS.contains(&o.kind.as_str())
            || o.provenance.chart.as_deref() == Some("altinity-clickhouse-operator")
            || o.containers().iter().any(|c| {
                c.image.matches_any(SERVER_IMAGES)
                    || c.image.matches_any(KEEPER_IMAGES)
                    || c.image.matches_any(OPERATOR_IMAGES)
            })
    })
}

/// Hand-written ClickHouse, Keeper or (next to ClickHouse) ZooKeeper workloads.
pub struct ClickHouseWorkload;

impl Rule for ClickHouseWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "clickhouse-workload",
            component: "clickhouse",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written ClickHouse, ClickHouse Keeper or ZooKeeper StatefulSet instead of operator CRs",
            replace_with: "the altinity-clickhouse-operator chart (https://helm.altinity.com) with a ClickHouseInstallation (spec.configuration.clusters[].layout.{shardsCount,replicasCount}, spec.templates.{podTemplates,volumeClaimTemplates,serviceTemplates}) and a ClickHouseKeeperInstallation referenced from spec.configuration.zookeeper.nodes",
            sources: SOURCES,
            kinds: &[
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "ClickHouseInstallation",
                "ClickHouseKeeperInstallation",
            ],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = clickhouse_groups(objects);
        let zookeeper = catalog::upstream("zookeeper");
        for object in objects.iter().filter(|o| o.origin().is_local() && LONG_RUNNING_KINDS.contains(&o.kind.as_str()))
        {
            let Some(pod) = object.pod_spec() else { continue };
            let near = groups.contains(&object.group());
            let hit = pod.main_containers().into_iter().find_map(|c| {
                if c.image.matches_any(SERVER_IMAGES) {
                    Some((c, "ClickHouse server", CHI_REPLACEMENT))
                } else if c.image.matches_any(KEEPER_IMAGES) {
                    Some((c, "ClickHouse Keeper", CHK_REPLACEMENT))
                } else if near && zookeeper.runs(&c.image) {
                    Some((c, "ZooKeeper for ClickHouse", CHK_REPLACEMENT))
                } else {
                    None
                }
            });
            if let Some((c, what, replacement)) = hit {
                report
                    .flag(
                        object,
                        format!("{} runs {what} ({}) {}", object.display(), c.image, object.origin().describe()),
                    )
                    .at(c.field("image"))
                    .replace_with(replacement);
            }
        }
    }
}

const CHI_REPLACEMENT: &str = "a ClickHouseInstallation CR: spec.configuration.clusters[].layout.{shardsCount,replicasCount}, spec.templates.{podTemplates,volumeClaimTemplates,serviceTemplates}";
const CHK_REPLACEMENT: &str =
    "a ClickHouseKeeperInstallation CR, referenced from the CHI's spec.configuration.zookeeper.nodes";

const WORKLOAD_DOCS: &str = "\
## What it detects
A StatefulSet (or other long-running workload) written locally — wrapper template, extraObjects value, plain
YAML — running `clickhouse/clickhouse-server`, `altinity/clickhouse-server` (also `yandex/`, `bitnami/clickhouse`)
or `clickhouse/clickhouse-keeper`, and a ZooKeeper workload in a wrapper or file that runs ClickHouse. Images
match by repository path suffix, behind registry mirrors too. Pods the operator creates from a CHI never appear
in rendered output and are not expected.

## Why it matters
Shards, replicas, Keeper quorum, schema propagation to new replicas, users and rolling upgrades become shell and
YAML the team maintains; the operator already reconciles all of them.

## What to use instead
The `altinity-clickhouse-operator` chart and a `ClickHouseInstallation` with
`spec.configuration.clusters[].layout.{shardsCount,replicasCount}` and `spec.templates.*`; Keeper as a
`ClickHouseKeeperInstallation` referenced from `spec.configuration.zookeeper.nodes`.

## Example
```yaml
# Source: platform-clickhouse/templates/clickhouse.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: clickhouse
          image: clickhouse/clickhouse-server:25.3   # use a ClickHouseInstallation
```
";

/// `clickhouse-client` Jobs creating users, roles, profiles, quotas or grants.
pub struct SqlBootstrap;

impl Rule for SqlBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "clickhouse-sql-bootstrap",
            component: "clickhouse",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or initContainer running clickhouse-client CREATE USER/ROLE/SETTINGS PROFILE/QUOTA or GRANT",
            replace_with: "the CHI's spec.configuration.{users,profiles,quotas,settings} (user passwords from Secrets via k8s_secret_password / valueFrom.secretKeyRef)",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SQL_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some((script, statement)) = smell::find_script_by(object, access_ddl) else { return };
        let message = smell::script_message(object, &script, &format!("runs clickhouse-client {statement}"));
        report.flag(object, message).at(script.field);
    }
}

/// The access-management statement a `clickhouse-client` command line runs.
fn access_ddl(command_line: &str) -> Option<&'static str> {
    let client = shell::invokes(command_line, "clickhouse-client", &[])
        || shell::invokes(command_line, "clickhouse", &["client"]);
    if !client {
        return None;
    }
    let upper = command_line.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    ["CREATE USER", "CREATE ROLE", "CREATE SETTINGS PROFILE", "CREATE QUOTA", "GRANT "]
        .into_iter()
        .find(|s| upper.contains(s))
        .map(str::trim_end)
}

const SQL_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook that runs `clickhouse-client` (or
`clickhouse client`) with `CREATE USER`, `CREATE ROLE`, `CREATE SETTINGS PROFILE`, `CREATE QUOTA` or `GRANT`.
Application DDL (tables, views) in migrations is not reported.

## Why it matters
SQL-driven access management lives only on the replicas the Job reached, is not re-applied to new replicas, and
carries passwords on the command line.

## What to use instead
The CHI's `spec.configuration.users`, `profiles`, `quotas` and `settings`, with user passwords from Secrets
(`k8s_secret_password` or `valueFrom.secretKeyRef`), reconciled by the operator on every replica.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: users
          image: clickhouse/clickhouse-server:25.3
          command: [clickhouse-client, --host, ch, --query, \"CREATE USER app IDENTIFIED BY 'x'\"]
```
";

/// Hand-written ConfigMaps holding ClickHouse `config.d`/`users.d` XML.
pub struct ConfigConfigMap;

impl Rule for ConfigConfigMap {
    fn meta(&self) -> Meta {
        Meta {
            id: "clickhouse-config-configmap",
            component: "clickhouse",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written ConfigMap with ClickHouse config.d/users.d XML instead of the CHI's configuration",
            replace_with: "the CHI's spec.configuration.files (config.d/users.d files), or spec.configuration.{users,profiles,quotas,settings,zookeeper,clusters}",
            sources: SOURCES,
            kinds: &["ConfigMap"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: CONFIG_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(Value::Object(data)) = object.get("/data") else { return };
        let Some((key, text)) =
            data.iter().find_map(|(k, v)| v.as_str().filter(|t| is_clickhouse_xml(t)).map(|t| (k, t)))
        else {
            return;
        };
        let what =
            if ["<users>", "<profiles>", "<quotas>"].iter().any(|t| text.contains(t)) { "users.d" } else { "config.d" };
        report
            .flag(object, format!("{} holds ClickHouse {what} XML in data.{key}", object.display()))
            .at(format!("data.{key}"));
    }
}

/// An XML document whose root element is `<clickhouse>` or `<yandex>`.
fn is_clickhouse_xml(text: &str) -> bool {
    let mut rest = text.trim_start();
    // Skip the XML declaration and comments before the root element.
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.split_once("?>").map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    ["<clickhouse", "<yandex"]
        .iter()
        .any(|root| rest.strip_prefix(root).is_some_and(|r| r.starts_with('>') || r.starts_with(char::is_whitespace)))
}

const CONFIG_DOCS: &str = "\
## What it detects
A locally written ConfigMap whose data holds a ClickHouse XML configuration (root element `<clickhouse>` or
the legacy `<yandex>`) — the `config.d`/`users.d` files of a hand-written cluster. ConfigMaps the operator chart
renders are not reported.

## Why it matters
Mounted by hand into hand-written StatefulSets, these files bypass the operator: users, remote_servers and
Keeper settings drift from the cluster the operator thinks it runs.

## What to use instead
The CHI's `spec.configuration.files` for extra `config.d`/`users.d` files, or the typed
`spec.configuration.users`, `profiles`, `quotas`, `settings`, `zookeeper` and `clusters`.

## Example
```yaml
# Source: platform-clickhouse/templates/users.yaml
kind: ConfigMap
data:
  users.xml: |
    <clickhouse><users><app><password>secret</password></app></users></clickhouse>
```
";

rules_sdk::export_rules!(ClickHouseWorkload, SqlBootstrap, ConfigConfigMap);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&ClickHouseWorkload, &SqlBootstrap, &ConfigConfigMap];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "clickhouse");
    }

    #[test]
    fn access_ddl_needs_the_client_and_an_access_statement() {
        assert_eq!(access_ddl("clickhouse-client -q \"CREATE USER IF NOT EXISTS app\""), Some("CREATE USER"));
        assert_eq!(access_ddl("sh -c 'clickhouse client --query \"GRANT SELECT ON db.* TO app\"'"), Some("GRANT"));
        assert_eq!(access_ddl("clickhouse-client -q 'CREATE TABLE t (x UInt8) ENGINE = Memory'"), None);
        assert_eq!(access_ddl("clickhouse-client -q 'SHOW GRANTS'"), None);
        assert_eq!(access_ddl("echo 'CREATE USER x'"), None);
    }

    #[test]
    fn xml_roots() {
        assert!(is_clickhouse_xml("<?xml version=\"1.0\"?>\n<!-- users -->\n<clickhouse>\n</clickhouse>"));
        assert!(is_clickhouse_xml("<yandex><zookeeper/></yandex>"));
        assert!(!is_clickhouse_xml("<configuration><clickhouse/></configuration>"));
        assert!(!is_clickhouse_xml("<clickhouse_keeper_is_not_it/>"));
    }

    #[test]
    fn zookeeper_away_from_clickhouse_is_left_to_other_rules() {
        let yaml = r#"
# Source: kafka-old/templates/zk.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: zk}
spec:
  template:
    spec:
      containers: [{name: zk, image: "zookeeper:3.8.4"}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    #[test]
    fn operator_chart_objects_are_clean() {
        let yaml = r#"
# Source: altinity-clickhouse-operator/templates/generated/ConfigMap-etc-clickhouse-operator-confd-files.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: clickhouse-operator-confd-files, labels: {helm.sh/chart: altinity-clickhouse-operator-0.25.6}}
data:
  01-clickhouse-01-listen.xml: "<clickhouse><listen_host>::</listen_host></clickhouse>"
---
# Source: altinity-clickhouse-operator/templates/generated/Deployment-clickhouse-operator.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: clickhouse-operator, labels: {helm.sh/chart: altinity-clickhouse-operator-0.25.6}}
spec:
  template:
    spec:
      containers:
        - {name: clickhouse-operator, image: "altinity/clickhouse-operator:0.25.6"}
        - {name: metrics-exporter, image: "altinity/metrics-exporter:0.25.6"}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
