//! Redpanda rules (catalog section 2).
//!
//! The upstream `redpanda` chart (https://charts.redpanda.com, sourced from
//! redpanda-operator) renders every object through one gotohelm shim,
//! `# Source: redpanda/templates/entry-point.yaml`; the SDK knows `redpanda`
//! and `console` are upstream charts, so those objects (the broker
//! StatefulSet, its privileged tuning init container and the post-install
//! `<fullname>-configuration` Job running `sync-cluster-config`) are never
//! reported. Topics, users, cluster config, tuning and data-dir ownership all
//! have chart values or CRs.

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell;

const SOURCES: &[&str] = &[
    "https://github.com/redpanda-data/redpanda-operator",
    "https://github.com/redpanda-data/helm-charts",
    "https://docs.redpanda.com/current/deploy/deployment-option/self-hosted/kubernetes/",
];

const CONSOLE_IMAGES: &[&str] = &["redpandadata/console", "vectorized/console"];
const CONNECT_IMAGES: &[&str] = &["redpandadata/connect", "redpandadata/connectors"];

fn broker_images() -> &'static [&'static str] {
    catalog::upstream("redpanda").images
}

/// Does the pod of `object` run a Redpanda broker?
fn runs_broker(object: &Object) -> bool {
    object.containers().iter().any(|c| c.role == ContainerRole::Main && c.image.matches_any(broker_images()))
}

/// A hand-written Redpanda broker, Console or Connect workload.
pub struct HandWrittenWorkload;

impl Rule for HandWrittenWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "redpanda-hand-written-workload",
            component: "redpanda",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Redpanda broker StatefulSet, Console or Connect Deployment",
            replace_with: "the redpanda chart (https://charts.redpanda.com) or the operator chart with a Redpanda CR (spec.clusterSpec mirrors the chart values); console.enabled for Console, connectors/connect values for Connect",
            sources: SOURCES,
            kinds: smell::LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let kinds: [(&[&str], &str, &str); 3] = [
            (
                broker_images(),
                "a Redpanda broker",
                "the redpanda chart, or a Redpanda CR (cluster.redpanda.com/v1alpha2) reconciled by the Redpanda operator",
            ),
            (CONSOLE_IMAGES, "Redpanda Console", "the redpanda chart's console.enabled: true (or a Console CR)"),
            (CONNECT_IMAGES, "Redpanda Connect", "the redpanda-connect chart or a Pipeline CR"),
        ];
        for (images, what, replacement) in kinds {
            if let Some(container) = smell::local_workload(object, images) {
                if tunes_host(&container.command_line()).is_some() {
                    return; // a tuner running the redpanda image: redpanda-host-tuning's finding
                }
                report
                    .flag(
                        object,
                        format!(
                            "{} runs {what} ({}) {}",
                            object.display(),
                            container.image,
                            object.origin().describe()
                        ),
                    )
                    .at(container.field("image"))
                    .replace_with(replacement);
                return;
            }
        }
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A StatefulSet, Deployment, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain
YAML) whose main container runs a Redpanda broker (`redpandadata/redpanda`, `vectorized/redpanda`), Redpanda
Console (`redpandadata/console`) or Redpanda Connect (`redpandadata/connect`), matched by repository path suffix
so `docker.redpanda.com/…` and registry mirrors match. Objects from the chart's
`redpanda/templates/entry-point.yaml` are upstream and never reported.

## Why it matters
A broker StatefulSet needs seed-server config, rolling restarts with maintenance mode, TLS, SASL users,
tuning and decommissioning on scale-down: exactly what the chart and the operator reconcile.

## What to use instead
The `redpanda` chart as a dependency, or the `operator` chart plus a `Redpanda` CR whose `spec.clusterSpec`
mirrors the chart values; `console.enabled: true` for Console.

## Example
```yaml
# Source: platform-kafka/templates/redpanda.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: redpanda
          image: docker.redpanda.com/redpandadata/redpanda:v24.2.4   # flagged
```
";

/// `rpk` commands a CR or chart value owns, and what replaces each.
const RPK: &[(Cmd, &str)] = &[
    (
        Cmd::new(&["rpk"], &["topic", "create|alter-config|add-partitions"], "rpk topic create"),
        "a Topic CR (cluster.redpanda.com/v1alpha2: spec.cluster.clusterRef, partitions, replicationFactor, additionalConfig)",
    ),
    (
        Cmd::new(&["rpk"], &["security", "user|acl|role", "create"], "rpk security user/acl/role create"),
        "User and RedpandaRole CRs, or auth.sasl.{enabled,secretRef,users,bootstrapUser}",
    ),
    (Cmd::new(&["rpk"], &["acl", "user", "create"], "rpk acl user create"), "User CRs, or auth.sasl.users"),
    (
        Cmd::new(&["rpk"], &["acl", "create"], "rpk acl create"),
        "User CRs with spec.authorization.acls, or auth.sasl.users",
    ),
    (
        Cmd::new(&["rpk"], &["cluster", "config", "set|import|edit"], "rpk cluster config set"),
        "config.cluster (the chart's post-install configuration Job syncs it)",
    ),
    (Cmd::new(&["rpk"], &["cluster", "license", "set"], "rpk cluster license set"), "enterprise.licenseSecretRef"),
];

/// Wrapper Jobs, initContainers or postStart hooks creating topics, users and
/// ACLs or setting cluster config with `rpk`.
pub struct RpkBootstrap;

impl Rule for RpkBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "redpanda-rpk-bootstrap",
            component: "redpanda",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Wrapper Job or initContainer running rpk topic/user/ACL creation or rpk cluster config/license set",
            replace_with: "Topic, User and RedpandaRole CRs, or chart values config.cluster, auth.sasl.{enabled,secretRef,users,bootstrapUser} and enterprise.*",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: RPK_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        rules_sdk::smell::report_script_table(object, report, RPK);
    }
}

const RPK_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or `postStart` hook whose command runs
`rpk topic create|alter-config|add-partitions`, `rpk acl [user] create`, `rpk security user|acl|role create`,
`rpk cluster config set|import|edit` or `rpk cluster license set`. The chart's own
`<fullname>-configuration` Job (`/redpanda-operator sync-cluster-config`) is upstream and never reported.

## Why it matters
A script creates the topic or user once; nothing reconciles it afterwards. Partition counts, retention and
passwords drift, and deleting the Job does not delete the topic.

## What to use instead
- Topics: `Topic` CRs (`spec.cluster.clusterRef`, `partitions`, `replicationFactor`, `additionalConfig`).
- Users and ACLs: `User` and `RedpandaRole` CRs, or `auth.sasl.{enabled,secretRef,users,bootstrapUser}`.
- Cluster properties: `config.cluster`; licence: `enterprise.licenseSecretRef`.

## Example
```yaml
# Source: platform-kafka/templates/topics.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: topics
          image: docker.redpanda.com/redpandadata/redpanda:v24.2.4
          command: [sh, -c, 'rpk topic create orders -p 12 -r 3']   # flagged: use a Topic CR
```
";

/// Does this command line tune the host the way `tuning.*` does?
fn tunes_host(command_line: &str) -> Option<&'static str> {
    let commands = shell::simple_commands(command_line);
    let program = |w: &[String]| w.first().map(|p| p.rsplit('/').next().unwrap_or("").to_string());
    for words in &commands {
        match program(words).as_deref() {
            Some("rpk") if words.iter().any(|w| w == "tune" || w == "iotune") => return Some("rpk redpanda tune"),
            Some("sysctl") => return Some("sysctl"),
            _ => {}
        }
    }
    (command_line.contains("/proc/sys/") && command_line.contains('>')).then_some("a write to /proc/sys")
}

/// Hand-written tuning DaemonSets and privileged sysctl init containers.
pub struct HostTuning;

impl Rule for HostTuning {
    fn meta(&self) -> Meta {
        Meta {
            id: "redpanda-host-tuning",
            component: "redpanda",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Hand-written privileged tuning DaemonSet or sysctl init container for Redpanda",
            replace_with: "the redpanda chart's tuning.* values (tuning.tune_aio_events) or rpk redpanda tune run by the chart",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: TUNING_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let broker = runs_broker(object);
        for c in object.containers() {
            if !c.privileged() {
                continue;
            }
            let line = c.command_line();
            let Some(what) = tunes_host(&line) else { continue };
            // `rpk … tune` and fs.aio-max-nr are Redpanda's own tuning; a bare
            // sysctl only counts next to a broker.
            let redpanda_specific = what == "rpk redpanda tune" || line.contains("aio-max-nr");
            let in_scope = redpanda_specific || broker;
            let placement = c.role == ContainerRole::Init || object.kind == "DaemonSet";
            if in_scope && placement {
                report
                    .flag(
                        object,
                        format!(
                            "{} privileged container {:?} tunes the host with {what} {}",
                            object.display(),
                            c.name,
                            object.origin().describe()
                        ),
                    )
                    .at(c.field("command"));
                return;
            }
        }
    }
}

const TUNING_DOCS: &str = "\
## What it detects
A locally written DaemonSet, or an init container, that is privileged and tunes the host for Redpanda:
`rpk redpanda tune`/`rpk iotune`, `sysctl -w fs.aio-max-nr=…`, or writes to `/proc/sys`. A bare `sysctl` counts
only in a pod that also runs a Redpanda broker. The chart's own tuning init container is upstream and never
reported.

## Why it matters
A privileged container is the most dangerous thing in a namespace; a second, hand-written one that duplicates
the chart's tuning doubles the attack surface and drifts from the broker version.

## What to use instead
The chart's `tuning.*` values (`tuning.tune_aio_events: true`), which run the tuner the chart ships.

## Example
```yaml
# Source: platform-kafka/templates/tuner.yaml
kind: DaemonSet
spec:
  template:
    spec:
      containers:
        - name: aio
          image: busybox:1.36
          command: [sh, -c, 'sysctl -w fs.aio-max-nr=1048576 && sleep infinity']
          securityContext: {privileged: true}
```
";

/// Root `chown -R` of the Redpanda data directory.
pub struct RootChown;

impl Rule for RootChown {
    fn meta(&self) -> Meta {
        Meta {
            id: "redpanda-root-chown",
            component: "redpanda",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Root chown/chmod init container for the Redpanda data directory",
            replace_with: "pod securityContext.fsGroup (101) with fsGroupChangePolicy: OnRootMismatch, or the chart's statefulset.initContainers.setDataDirOwnership.enabled",
            sources: &[
                "https://github.com/redpanda-data/redpanda-operator",
                "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::CHOWN,
            docs: CHOWN_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let broker = runs_broker(object);
        for c in object.containers().into_iter().filter(|c| c.role == ContainerRole::Init) {
            let line = c.command_line();
            if c.runs_as_root()
                && shell::recursive_ownership_change(&line)
                && (broker || line.contains("/var/lib/redpanda"))
            {
                report
                    .flag(
                        object,
                        format!(
                            "{} init container {:?} runs a recursive chown/chmod of the Redpanda data directory as root",
                            object.display(),
                            c.name
                        ),
                    )
                    .at(c.field("command"));
                return;
            }
        }
    }
}

const CHOWN_DOCS: &str = "\
## What it detects
An init container, running as root, that runs `chown -R`/`chmod -R` in a pod that runs a Redpanda broker or
on `/var/lib/redpanda`.

## Why it matters
A root container walking the whole data volume on every start: slow on large volumes and a privilege the pod
does not need.

## What to use instead
`securityContext.fsGroup: 101` with `fsGroupChangePolicy: OnRootMismatch`, or, when the volume really needs
it, the chart's `statefulset.initContainers.setDataDirOwnership.enabled: true`.

## Example
```yaml
initContainers:
  - name: fix-perms
    image: busybox:1.36
    command: [sh, -c, 'chown -R 101:101 /var/lib/redpanda/data']
```
";

rules_sdk::export_rules!(HandWrittenWorkload, RpkBootstrap, HostTuning, RootChown);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&HandWrittenWorkload, &RpkBootstrap, &HostTuning, &RootChown];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "redpanda");
    }

    #[test]
    fn entry_point_objects_are_upstream() {
        let yaml = r#"
# Source: redpanda/templates/entry-point.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redpanda, labels: {helm.sh/chart: redpanda-26.2.1}}
spec:
  template:
    spec:
      initContainers:
        - name: tuning
          image: docker.redpanda.com/redpandadata/redpanda:v26.2.1
          command: [/bin/bash, -c, "rpk redpanda tune all"]
          securityContext: {privileged: true, runAsUser: 0}
        - {name: set-datadir-ownership, image: busybox:1.36, command: [sh, -c, "chown -R 101:101 /var/lib/redpanda/data"]}
      containers: [{name: redpanda, image: docker.redpanda.com/redpandadata/redpanda:v26.2.1}]
---
# Source: redpanda/templates/entry-point.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: redpanda-configuration, annotations: {helm.sh/hook: "post-install,post-upgrade"}}
spec:
  template:
    spec:
      containers:
        - name: post-install
          image: docker.redpanda.com/redpandadata/redpanda-operator:v26.2.1
          command: [/redpanda-operator, sync-cluster-config, --users-directory, /etc/secrets/users, --bootstrap-yaml, /tmp/base-config/bootstrap.yaml]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    #[test]
    fn rpk_commands_and_their_replacements() {
        for (command, what) in [
            ("rpk topic create orders -p 3", "rpk topic create"),
            ("rpk -X brokers=rp:9092 topic alter-config orders --set retention.ms=1", "rpk topic create"),
            ("rpk security user create svc -p secret", "rpk security user/acl/role create"),
            ("rpk acl user create svc -p secret", "rpk acl user create"),
            ("rpk acl create --allow-principal User:svc --operation read --topic orders", "rpk acl create"),
            ("rpk cluster config set auto_create_topics_enabled false", "rpk cluster config set"),
            ("rpk cluster license set --path /l", "rpk cluster license set"),
        ] {
            let yaml = format!(
                r#"
# Source: platform-kafka/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata: {{name: init}}
spec:
  template:
    spec:
      containers: [{{name: rpk, image: redpandadata/redpanda:v24.2.4, command: [sh, -c, "{command}"]}}]
"#
            );
            let findings = check_yaml(RULES, &yaml);
            assert_eq!(keys(&findings), vec![("redpanda-rpk-bootstrap", "Job", "init")], "{command}");
            assert!(findings[0].message.contains(&format!("`{what}`")), "{}", findings[0].message);
        }
        let read_only = r#"
# Source: platform-kafka/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: check}
spec:
  template:
    spec:
      containers: [{name: rpk, image: redpandadata/redpanda:v24.2.4, command: [sh, -c, "rpk topic list; rpk cluster health"]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, read_only)), vec![]);
    }

    #[test]
    fn generic_sysctl_outside_redpanda_is_left_alone() {
        let yaml = r#"
# Source: platform-search/templates/es.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: search}
spec:
  template:
    spec:
      initContainers:
        - {name: sysctl, image: busybox, command: [sysctl, -w, vm.max_map_count=262144], securityContext: {privileged: true}}
      containers: [{name: search, image: ghcr.io/acme/search:1}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
