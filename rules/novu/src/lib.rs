//! Novu wrapper rules (catalog section 21).
//!
//! Novu has no published official chart, so a wrapper's own Deployments of the
//! Novu images (api, worker, ws, dashboard) are allowed. Its datastores are
//! not: MongoDB and Valkey/Redis have upstream operators and charts, and the
//! root `chown` initContainers that came with the raw workloads are replaced by
//! `fsGroup`.

use std::collections::{BTreeMap, BTreeSet};

use rules_sdk::catalog::{self, Upstream};
use rules_sdk::prelude::*;
use rules_sdk::shell;

const SOURCES: &[&str] = &[
    "https://github.com/bitnami/charts/tree/main/bitnami/mongodb",
    "https://github.com/bitnami/charts/tree/main/bitnami/valkey",
    "https://github.com/mongodb/mongodb-kubernetes",
    "https://github.com/valkey-io/valkey-helm",
];

/// Novu's own images; their presence marks a wrapper chart as the Novu wrapper.
const NOVU_IMAGES: &[&str] = &["novuhq/novu/*", "novuhq/*"];

/// The datastores Novu needs, each with an upstream replacement.
const DATASTORES: &[&str] = &["mongodb", "valkey", "redis"];

/// Groups (wrapper charts, or files of plain YAML) that belong to Novu: named
/// after it, in its namespace, or running one of its images.
fn novu_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| {
        o.release_chart().is_some_and(|c| c.contains("novu"))
            || o.namespace.as_deref().is_some_and(|ns| ns.contains("novu"))
            || o.containers().iter().any(|c| c.image.matches_any(NOVU_IMAGES))
    })
}

fn datastore(image: &Image) -> Option<&'static Upstream> {
    DATASTORES.iter().map(|k| catalog::upstream(k)).find(|u| u.runs(image))
}

/// A flagged datastore workload: namespace, pod labels, what it runs, its name.
type Served = (Option<String>, BTreeMap<String, String>, &'static Upstream, String);

/// Raw MongoDB / Valkey / Redis workloads in the Novu wrapper, and the Services
/// and PVCs written for them.
pub struct RawDatastore;

impl Rule for RawDatastore {
    fn meta(&self) -> Meta {
        Meta {
            id: "novu-raw-datastore",
            component: "novu",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written MongoDB, Valkey or Redis workload (or its Service/PVC) in the Novu wrapper",
            replace_with: "a MongoDBCommunity CR (MongoDB Controllers for Kubernetes) or the Bitnami mongodb chart, and the valkey chart with auth.usersExistingSecret; keep the novu-mongodb/novu-valkey Service names through the charts' fullnameOverride",
            sources: SOURCES,
            kinds: &[
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "Service",
                "PersistentVolumeClaim",
            ],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: DATASTORE_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = novu_groups(objects);
        let local_novu = |o: &&&Object| o.origin().is_local() && groups.contains(&o.group());
        // Pod labels and claims of every flagged workload, to find what serves it.
        let mut served: Vec<Served> = Vec::new();
        let mut claims: BTreeMap<(Option<String>, String), (&'static Upstream, String)> = BTreeMap::new();

        for object in objects.iter().filter(local_novu).filter(|o| o.is_workload()) {
            let Some(pod) = object.pod_spec() else { continue };
            let Some((container, upstream)) =
                pod.main_containers().into_iter().find_map(|c| datastore(&c.image).map(|u| (c, u)))
            else {
                continue;
            };
            report
                .flag(
                    object,
                    format!(
                        "{} runs {} ({}) {}; Novu's datastores belong to an upstream chart or operator",
                        object.display(),
                        upstream.name,
                        container.image,
                        object.origin().describe()
                    ),
                )
                .at(container.field("image"))
                .replace_with(upstream.replace_with);
            served.push((object.namespace.clone(), pod.labels(), upstream, object.display()));
            for claim in pod.claim_names() {
                claims.insert((object.namespace.clone(), claim.to_string()), (upstream, object.display()));
            }
        }

        for object in objects.iter().filter(local_novu) {
            match object.kind.as_str() {
                "Service" => {
                    let Some(serde_json::Value::Object(selector)) = object.get("/spec/selector") else { continue };
                    if selector.is_empty() {
                        continue;
                    }
                    let hit = served.iter().find(|(ns, labels, _, _)| {
                        *ns == object.namespace
                            && selector
                                .iter()
                                .all(|(k, v)| v.as_str().is_some_and(|v| labels.get(k).map(String::as_str) == Some(v)))
                    });
                    if let Some((_, _, upstream, workload)) = hit {
                        report
                            .flag(
                                object,
                                format!(
                                    "{} is hand-written for the {} workload {workload}",
                                    object.display(),
                                    upstream.name
                                ),
                            )
                            .at("spec.selector")
                            .replace_with(upstream.replace_with);
                    }
                }
                "PersistentVolumeClaim" => {
                    if let Some((upstream, workload)) = claims.get(&(object.namespace.clone(), object.name.clone())) {
                        report
                            .flag(
                                object,
                                format!(
                                    "{} is a standalone claim for the {} workload {workload}",
                                    object.display(),
                                    upstream.name
                                ),
                            )
                            .replace_with(format!("persistence managed by {}", upstream.replace_with));
                    }
                }
                _ => {}
            }
        }
    }
}

const DATASTORE_DOCS: &str = "\
## What it detects
A MongoDB, Valkey or Redis Deployment/StatefulSet written in the Novu wrapper's own templates (or as plain
YAML next to Novu), matched by image repository (`mongo`, `bitnami/mongodb`, `valkey/valkey`, `redis`, ... also
behind a registry mirror), plus the hand-written Services selecting those pods and the standalone PVCs they mount.

## Why it matters
A raw datastore workload is local control logic: replica-set initiation, users, persistence, probes, security
context and upgrades all become the platform team's code. The upstream charts and operators already reconcile them.

## What to use instead
A `MongoDBCommunity` CR (MongoDB Controllers for Kubernetes) or the Bitnami `mongodb` chart, and the `valkey`
chart with `auth.enabled`, `auth.usersExistingSecret`. Keep `novu-mongodb`/`novu-valkey` Service names stable
with the charts' `fullnameOverride`. Novu's own api/worker/ws Deployments are fine: Novu has no official chart.

## Example
```yaml
# Source: platform-novu/templates/mongodb.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: mongodb
          image: mongo:7.0   # flagged: use a MongoDBCommunity CR
```
";

const CHOWN_SOURCES: &[&str] = &[
    "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    "https://github.com/bitnami/charts/tree/main/bitnami/mongodb",
    "https://github.com/bitnami/charts/tree/main/bitnami/valkey",
];

/// Root `chown -R`/`chmod -R` initContainers in the Novu wrapper.
pub struct RootChown;

impl Rule for RootChown {
    fn meta(&self) -> Meta {
        Meta {
            id: "novu-root-chown",
            component: "novu",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Root chown/chmod initContainer in the Novu wrapper",
            replace_with: "pod securityContext.fsGroup with fsGroupChangePolicy: OnRootMismatch (the upstream datastore charts set it; turn their volumePermissions init container off)",
            sources: CHOWN_SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::CHOWN,
            docs: CHOWN_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = novu_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local() && groups.contains(&o.group())) {
            for c in object.containers().iter().filter(|c| c.role == ContainerRole::Init) {
                if c.runs_as_root() && shell::recursive_ownership_change(&c.command_line()) {
                    report
                        .flag(
                            object,
                            format!(
                                "{} init container {:?} runs a recursive chown/chmod as root",
                                object.display(),
                                c.name
                            ),
                        )
                        .at(c.field("command"));
                }
            }
        }
    }
}

const CHOWN_DOCS: &str = "\
## What it detects
An initContainer in the Novu wrapper that runs `chown -R` or `chmod -R` as root (`runAsUser: 0`, or no
`runAsUser` and no `runAsNonRoot`) to fix volume ownership for a datastore.

## Why it matters
A root container in every pod start, walking the whole volume: slow on big volumes and a privilege the pod
does not need. Kubernetes does this itself.

## What to use instead
`securityContext.fsGroup` with `fsGroupChangePolicy: OnRootMismatch`; the upstream datastore charts set it.

## Example
```yaml
initContainers:
  - name: fix-permissions
    image: busybox
    command: [sh, -c, 'chown -R 999:999 /data/db']
    securityContext: {runAsUser: 0}
```
";

/// `mongosh` Jobs doing replica-set initiation, users or indexes.
pub struct MongoBootstrap;

impl Rule for MongoBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "novu-mongo-bootstrap",
            component: "novu",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "mongosh script (rs.initiate, db.createUser, createIndex) in a Novu Job or initContainer",
            replace_with: "MongoDBCommunity spec.members/spec.users (the operator initiates the replica set and creates users); Novu's MONGO_AUTO_CREATE_INDEXES creates indexes",
            sources: &["https://github.com/mongodb/mongodb-kubernetes", "https://github.com/novuhq/novu"],
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: BOOTSTRAP_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = novu_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local() && groups.contains(&o.group())) {
            for c in object.containers() {
                let cmd = c.command_line();
                let mongo_shell = shell::simple_commands(&cmd)
                    .iter()
                    .any(|w| w.first().is_some_and(|p| matches!(p.rsplit('/').next(), Some("mongosh" | "mongo"))));
                let action = ["rs.initiate", "db.createUser", "createIndex"].into_iter().find(|a| cmd.contains(a));
                if let (true, Some(action)) = (mongo_shell, action) {
                    report
                        .flag(object, format!("{} container {:?} runs mongosh {action}", object.display(), c.name))
                        .at(c.field("command"));
                    break;
                }
            }
        }
    }
}

const BOOTSTRAP_DOCS: &str = "\
## What it detects
A Job, CronJob or container in the Novu wrapper whose command runs `mongosh` (or `mongo`) with `rs.initiate`,
`db.createUser` or `createIndex`.

## Why it matters
Shell bootstrap is reconciliation without a controller: it runs once, fails silently, and drifts.

## What to use instead
A `MongoDBCommunity` CR: `spec.members` initiates the replica set, `spec.users[]` creates users from Secrets.
Novu creates its indexes itself with `MONGO_AUTO_CREATE_INDEXES=true`.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: init-replica
          image: mongo:7.0
          command: [mongosh, --eval, 'rs.initiate()']
```
";

rules_sdk::export_rules!(RawDatastore, RootChown, MongoBootstrap);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(&[&RawDatastore, &RootChown, &MongoBootstrap], "novu");
    }

    const RULES: &[&dyn Rule] = &[&RawDatastore, &RootChown, &MongoBootstrap];

    const SMELLY: &str = r#"
# Source: platform-novu/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: novu-api, namespace: novu}
spec:
  template:
    spec:
      containers: [{name: api, image: ghcr.io/novuhq/novu/api:2.3.0}]
---
# Source: platform-novu/templates/mongodb.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: novu-mongodb, namespace: novu}
spec:
  template:
    metadata: {labels: {app: novu-mongodb}}
    spec:
      initContainers:
        - {name: fix-perms, image: busybox, command: [sh, -c, "chown -R 999:999 /data/db"]}
      containers: [{name: mongodb, image: "nexus.internal/dockerhub-proxy/library/mongo:7.0"}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: novu-mongodb-data}}]
---
# Source: platform-novu/templates/mongodb.yaml
apiVersion: v1
kind: Service
metadata: {name: novu-mongodb, namespace: novu}
spec: {selector: {app: novu-mongodb}}
---
# Source: platform-novu/templates/mongodb.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: novu-mongodb-data, namespace: novu}
---
# Source: platform-novu/templates/mongo-init.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: novu-mongo-init, namespace: novu}
spec:
  template:
    spec:
      containers: [{name: init, image: mongo:7.0, command: [mongosh, --eval, "rs.initiate()"]}]
"#;

    #[test]
    fn flags_raw_datastores_their_services_claims_chown_and_bootstrap() {
        let findings = check_yaml(RULES, SMELLY);
        assert_eq!(
            keys(&findings),
            vec![
                ("novu-mongo-bootstrap", "Job", "novu-mongo-init"),
                ("novu-raw-datastore", "PersistentVolumeClaim", "novu-mongodb-data"),
                ("novu-raw-datastore", "Service", "novu-mongodb"),
                ("novu-raw-datastore", "StatefulSet", "novu-mongodb"),
                ("novu-root-chown", "StatefulSet", "novu-mongodb"),
            ]
        );
        let sts = findings.iter().find(|f| f.rule == "novu-raw-datastore" && f.kind == "StatefulSet").unwrap();
        assert_eq!(sts.path.as_deref(), Some("spec.template.spec.containers[0].image"));
        assert!(sts.message.contains("MongoDB"), "{}", sts.message);
    }

    #[test]
    fn upstream_subcharts_and_novu_services_are_clean() {
        let clean = r#"
# Source: platform-novu/charts/mongodb/templates/replicaset/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: novu-mongodb, namespace: novu, labels: {helm.sh/chart: mongodb-17.0.2}}
spec:
  template:
    metadata: {labels: {app: mongodb}}
    spec:
      initContainers: [{name: volume-permissions, image: bitnami/os-shell, command: [sh, -c, "chown -R 1001:1001 /bitnami"]}]
      containers: [{name: mongodb, image: docker.io/bitnami/mongodb:8.0.13}]
---
# Source: platform-novu/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: novu-api, namespace: novu}
spec:
  template:
    metadata: {labels: {app: novu-api}}
    spec:
      containers: [{name: api, image: ghcr.io/novuhq/novu/api:2.3.0}]
---
# Source: platform-novu/templates/services.yaml
apiVersion: v1
kind: Service
metadata: {name: novu-api, namespace: novu}
spec: {selector: {app: novu-api}}
"#;
        assert_eq!(keys(&check_yaml(RULES, clean)), vec![]);
    }

    #[test]
    fn mongo_outside_novu_is_left_to_other_rules() {
        let other = r#"
# Source: billing/templates/mongo.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: billing-mongo, namespace: billing}
spec:
  template:
    spec:
      containers: [{name: mongodb, image: mongo:7.0}]
"#;
        assert_eq!(keys(&check_yaml(RULES, other)), vec![]);
    }

    #[test]
    fn non_root_chown_is_fine() {
        let yaml = r#"
# Source: platform-novu/templates/valkey.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: novu-valkey, namespace: novu}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      initContainers: [{name: perms, image: busybox, command: [sh, -c, "chown -R 1000 /data"]}]
      containers: [{name: valkey, image: valkey/valkey:8.1, args: [--requirepass, secret]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("novu-raw-datastore", "Deployment", "novu-valkey")]);
    }
}
