//! Longhorn rules (catalog section 22).
//!
//! The `longhorn` chart renders the manager, driver, UI and the CRDs; its
//! settings come from `defaultSettings.*` (rendered into the
//! `longhorn-default-setting` ConfigMap), the backup target from
//! `defaultBackupStore.*`, the default StorageClass from `persistence.*`, and
//! scheduled snapshots and backups are `RecurringJob` CRs. Scripts that patch
//! settings, curl the Longhorn API for snapshots, or hand-written StorageClasses
//! and Longhorn workloads reinvent those. The chart's own pre/post-upgrade and
//! uninstall Jobs and the privileged manager DaemonSet are upstream and allowed.

use rules_sdk::prelude::*;
use rules_sdk::smell::find_script;

const SOURCES: &[&str] = &[
    "https://github.com/longhorn/longhorn/tree/master/chart",
    "https://charts.longhorn.io",
    "https://longhorn.io/docs/latest/advanced-resources/deploy/customizing-default-settings/",
    "https://longhorn.io/docs/latest/snapshots-and-backups/scheduling-backups-and-snapshots/",
];

/// Longhorn's images (`chart/values.yaml`).
const LONGHORN_IMAGES: &[&str] = &[
    "longhornio/longhorn-manager",
    "longhornio/longhorn-engine",
    "longhornio/longhorn-ui",
    "longhornio/longhorn-instance-manager",
    "longhornio/longhorn-share-manager",
    "longhornio/backing-image-manager",
    "longhornio/support-bundle-kit",
];

/// The Longhorn CSI driver name.
const PROVISIONER: &str = "driver.longhorn.io";

/// `kubectl patch|edit` of Longhorn `Setting` or `BackupTarget` objects, or the
/// same through the Longhorn REST API.
const SETTINGS_CMDS: &[Cmd] = &[
    Cmd {
        programs: &["kubectl"],
        words: &["patch|edit|replace|set"],
        contains: &["settings.longhorn.io"],
        what: "kubectl patch settings.longhorn.io",
    },
    Cmd {
        programs: &["kubectl"],
        words: &["patch|edit|replace|set"],
        contains: &["setting.longhorn.io"],
        what: "kubectl patch setting.longhorn.io",
    },
    Cmd::new(&["kubectl"], &["patch|edit", "lhs"], "kubectl patch lhs (Longhorn settings)"),
    Cmd {
        programs: &["kubectl"],
        words: &["patch|edit", "setting|settings"],
        contains: &["longhorn"],
        what: "kubectl patch settings (Longhorn)",
    },
    Cmd {
        programs: &["kubectl"],
        words: &["patch|edit|replace"],
        contains: &["backuptargets.longhorn.io"],
        what: "kubectl patch backuptargets.longhorn.io",
    },
    Cmd {
        programs: &["curl", "wget"],
        words: &[],
        contains: &["/v1/settings/"],
        what: "Longhorn API /v1/settings update",
    },
    Cmd {
        programs: &["curl", "wget"],
        words: &[],
        contains: &["/v1/backuptargets"],
        what: "Longhorn API /v1/backuptargets update",
    },
];

/// Snapshots and backups through the Longhorn REST API
/// (`…/v1/volumes/<name>?action=snapshotCreate|snapshotBackup`).
const SNAPSHOT_CMDS: &[Cmd] = &[
    Cmd {
        programs: &["curl", "wget"],
        words: &[],
        contains: &["/v1/volumes", "action=snapshotCreate"],
        what: "Longhorn API snapshotCreate",
    },
    Cmd {
        programs: &["curl", "wget"],
        words: &[],
        contains: &["/v1/volumes", "action=snapshotBackup"],
        what: "Longhorn API snapshotBackup",
    },
];

/// Jobs, CronJobs and initContainers patching Longhorn settings or the backup target.
pub struct SettingsScript;

impl Rule for SettingsScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "longhorn-settings-script",
            component: "longhorn",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or CronJob patching Longhorn settings (settings.longhorn.io, backup target) by script",
            replace_with: "the longhorn chart's defaultSettings.* (rendered into longhorn-default-setting) and defaultBackupStore.{backupTarget,backupTargetCredentialSecret}, or Setting CRs shipped as manifests",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SETTINGS_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some((script, cmd)) = find_script(object, SETTINGS_CMDS) else { return };
        let backup_target = script.command_line.contains("backup-target") || cmd.what.contains("backuptargets");
        let draft = report
            .flag(
                object,
                format!(
                    "{} {} {:?} runs `{}`{} {}",
                    object.display(),
                    script.place,
                    script.container.name,
                    cmd.what,
                    if backup_target { " to set the backup target" } else { "" },
                    object.origin().describe()
                ),
            )
            .at(script.field);
        if backup_target {
            draft.replace_with(
                "defaultBackupStore.backupTarget and defaultBackupStore.backupTargetCredentialSecret (credentials from an ExternalSecret)",
            );
        }
    }
}

const SETTINGS_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook that changes Longhorn settings
imperatively: `kubectl patch|edit settings.longhorn.io` (or the `lhs` short name), `kubectl patch
backuptargets.longhorn.io`, or `curl` against the Longhorn API's `/v1/settings/` and `/v1/backuptargets`.
Setting the backup target this way is reported with the `defaultBackupStore` replacement.

## Why it matters
Longhorn's manager reconciles its settings from the chart: a script that patches them afterwards fights the
chart on every upgrade, runs once and silently drifts, and needs RBAC to write cluster storage settings.

## What to use instead
The chart's `defaultSettings.*` (rendered into the `longhorn-default-setting` ConfigMap the manager applies)
and `defaultBackupStore.{backupTarget,backupTargetCredentialSecret}`, with the credentials from an
ExternalSecret. Settings the chart does not expose can be shipped as `Setting` CRs.

## Example
```yaml
# Source: platform-storage/templates/longhorn-settings.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: patch
          image: bitnami/kubectl:1.31
          command: [sh, -c, 'kubectl -n longhorn-system patch settings.longhorn.io backup-target --type merge -p ...']
```
";

/// CronJobs taking snapshots or backups through the Longhorn API.
pub struct SnapshotCronJob;

impl Rule for SnapshotCronJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "longhorn-snapshot-cronjob",
            component: "longhorn",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "CronJob or Job taking Longhorn snapshots or backups by curling the Longhorn API",
            replace_with: "RecurringJob CRs (task snapshot|backup|snapshot-cleanup|filesystem-trim, cron, retain, groups) selected by the volume label recurring-job-group.longhorn.io/<group>=enabled, or persistence.recurringJobSelector.{enable,jobList}",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SNAPSHOT_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some((script, cmd)) = find_script(object, SNAPSHOT_CMDS) else { return };
        report
            .flag(
                object,
                format!(
                    "{} {} {:?} calls the `{}` action {}",
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

const SNAPSHOT_DOCS: &str = "\
## What it detects
A locally written CronJob, Job, bare Pod or initContainer calling the Longhorn REST API to snapshot or back up
volumes: `curl …longhorn-backend:9500/v1/volumes/<name>?action=snapshotCreate` or `?action=snapshotBackup`
(also with `wget`).

## Why it matters
Longhorn schedules snapshots and backups itself and enforces retention; a CronJob with curl has no
retention, no retry, no view of which volumes exist, and it breaks when the API changes.

## What to use instead
`RecurringJob` CRs (`task: snapshot|backup|snapshot-cleanup|filesystem-trim`, `cron`, `retain`,
`concurrency`, `groups`) shipped through the chart's `extraObjects`, selected by the volume label
`recurring-job-group.longhorn.io/<group>=enabled`, or by the StorageClass through
`persistence.recurringJobSelector.{enable,jobList}`.

## Example
```yaml
apiVersion: longhorn.io/v1beta2
kind: RecurringJob
metadata: {name: nightly-backup, namespace: longhorn-system}
spec: {task: backup, cron: '0 2 * * *', retain: 7, concurrency: 2, groups: [default]}
```
";

/// Hand-written StorageClasses for the Longhorn CSI driver.
pub struct HandWrittenStorageClass;

impl Rule for HandWrittenStorageClass {
    fn meta(&self) -> Meta {
        Meta {
            id: "longhorn-storageclass",
            component: "longhorn",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written StorageClass with provisioner driver.longhorn.io",
            replace_with: "the longhorn chart's persistence.defaultClass, persistence.defaultClassReplicaCount, persistence.defaultFsType, persistence.reclaimPolicy and persistence.recurringJobSelector",
            sources: SOURCES,
            kinds: &["StorageClass"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: STORAGECLASS_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() || object.str_at("/provisioner") != Some(PROVISIONER) {
            return;
        }
        let default = object.annotation("storageclass.kubernetes.io/is-default-class") == Some("true");
        let draft = report
            .flag(
                object,
                format!(
                    "{} provisions Longhorn volumes ({PROVISIONER}){} {}",
                    object.display(),
                    if default { " as the cluster default class" } else { "" },
                    object.origin().describe()
                ),
            )
            .at("provisioner");
        if !default {
            // The chart renders one class; a second class with other parameters
            // can be deliberate, so a non-default class is a hint, not a warning.
            draft.severity(Severity::Info);
        }
    }
}

const STORAGECLASS_DOCS: &str = "\
## What it detects
A `StorageClass` with `provisioner: driver.longhorn.io` written locally (wrapper template, extraObjects value
or plain YAML). A class marked `storageclass.kubernetes.io/is-default-class: \"true\"` is a warning; another
class is reported as info (a second class with different parameters can be deliberate).

## Why it matters
The chart renders Longhorn's StorageClass (through the `longhorn-storageclass` ConfigMap the manager applies)
from `persistence.*`; a hand-written copy duplicates it and drifts from the chart's replica count, fs type
and recurring-job selector on upgrades.

## What to use instead
`persistence.defaultClass`, `persistence.defaultClassReplicaCount`, `persistence.defaultFsType`,
`persistence.reclaimPolicy`, `persistence.recurringJobSelector.{enable,jobList}`.

## Example
```yaml
# Source: platform-storage/templates/storageclass.yaml
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: longhorn-fast
  annotations: {storageclass.kubernetes.io/is-default-class: 'true'}
provisioner: driver.longhorn.io
parameters: {numberOfReplicas: '3'}
```
";

/// Hand-written Longhorn manager, UI or engine workloads.
pub struct HandWrittenWorkload;

impl Rule for HandWrittenWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "longhorn-workload",
            component: "longhorn",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written workload running a Longhorn image (manager, UI, engine, instance manager)",
            replace_with: "the longhorn chart (https://charts.longhorn.io) with longhornManager.*, longhornUI.*, longhornDriver.* and defaultSettings.*",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_workload(object, report, LONGHORN_IMAGES, "Longhorn");
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A locally written Deployment, DaemonSet, StatefulSet or Pod whose main container runs a Longhorn image
(`longhornio/longhorn-manager`, `longhorn-ui`, `longhorn-engine`, `longhorn-instance-manager`,
`longhorn-share-manager`, `backing-image-manager`, `support-bundle-kit`), matched by repository path so
registry mirrors match. The chart's own manager DaemonSet (privileged by design), driver deployer, UI and
upgrade Jobs are upstream and never reported.

## Why it matters
Longhorn's manager, CSI driver and engine images must move together; a hand-written copy of the manager
DaemonSet or UI pins versions and privileges the chart manages for you.

## What to use instead
The `longhorn` chart with `longhornManager.*`, `longhornUI.*`, `longhornDriver.*`, `defaultSettings.*`.

## Example
```yaml
# Source: platform-storage/templates/longhorn-ui.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: ui
          image: longhornio/longhorn-ui:v1.12.1   # use the chart's longhornUI.*
```
";

rules_sdk::export_rules!(SettingsScript, SnapshotCronJob, HandWrittenStorageClass, HandWrittenWorkload);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&SettingsScript, &SnapshotCronJob, &HandWrittenStorageClass, &HandWrittenWorkload];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "longhorn");
    }

    #[test]
    fn settings_patch_and_backup_target() {
        let yaml = r#"
# Source: platform/templates/settings.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: lh-settings, namespace: longhorn-system}
spec:
  template:
    spec:
      containers:
        - name: patch
          image: bitnami/kubectl
          command: [sh, -c, "kubectl -n longhorn-system patch settings.longhorn.io backup-target --type merge -p '{\"value\":\"s3://b@r/\"}'"]
---
# Source: platform/templates/settings.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: lh-short, namespace: longhorn-system}
spec:
  template:
    spec:
      containers:
        - {name: patch, image: bitnami/kubectl, args: [kubectl, -n, longhorn-system, patch, lhs, guaranteed-instance-manager-cpu, -p, "{}"]}
---
# Source: platform/templates/other.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: unrelated, namespace: apps}
spec:
  template:
    spec:
      containers:
        - {name: k, image: bitnami/kubectl, command: [kubectl, get, settings.longhorn.io]}
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(
            keys(&findings),
            vec![("longhorn-settings-script", "Job", "lh-settings"), ("longhorn-settings-script", "Job", "lh-short")]
        );
        let target = &findings[0];
        assert!(target.message.contains("backup target"), "{}", target.message);
        assert_eq!(target.path.as_deref(), Some("spec.template.spec.containers[0].command"));
    }

    #[test]
    fn snapshot_curl_once_per_cronjob() {
        let yaml = r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: snap, namespace: longhorn-system}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - {name: a, image: curlimages/curl, command: [sh, -c, "curl -X POST 'http://longhorn-backend:9500/v1/volumes/pvc-1?action=snapshotCreate'"]}
          containers:
            - {name: b, image: curlimages/curl, command: [sh, -c, "curl -X POST 'http://longhorn-backend:9500/v1/volumes/pvc-1?action=snapshotBackup' -d '{}'"]}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("longhorn-snapshot-cronjob", "CronJob", "snap")]);
    }

    #[test]
    fn upstream_chart_objects_are_clean() {
        let yaml = r#"
# Source: longhorn/templates/daemonset-sa.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: longhorn-manager, namespace: longhorn-system, labels: {helm.sh/chart: longhorn-1.12.1}}
spec:
  template:
    spec:
      containers:
        - {name: longhorn-manager, image: docker.io/longhornio/longhorn-manager:v1.12.1, securityContext: {privileged: true}}
---
# Source: longhorn/templates/preupgrade-job.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: longhorn-pre-upgrade, namespace: longhorn-system, annotations: {helm.sh/hook: pre-upgrade}}
spec:
  template:
    spec:
      containers: [{name: pre, image: docker.io/longhornio/longhorn-manager:v1.12.1, command: [longhorn-manager, pre-upgrade]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    #[test]
    fn storageclass_severity_and_mirrored_images() {
        let yaml = r#"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: longhorn-single}
provisioner: driver.longhorn.io
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: gp3}
provisioner: ebs.csi.aws.com
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: storage-console, namespace: longhorn-system}
spec:
  template:
    spec:
      containers: [{name: ui, image: "harbor.corp/dockerhub/longhornio/longhorn-ui:v1.12.1"}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(
            keys(&findings),
            vec![
                ("longhorn-storageclass", "StorageClass", "longhorn-single"),
                ("longhorn-workload", "Deployment", "storage-console")
            ]
        );
        assert_eq!(findings[0].severity, "info");
    }
}
