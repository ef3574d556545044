//! Velero rules (catalog section 25, with a MinIO bucket).
//!
//! The `velero` chart renders the server, the node agent (`deployNodeAgent`),
//! `Schedule` CRs from `schedules.*`, `BackupStorageLocation` and
//! `VolumeSnapshotLocation` from `configuration.*`, plugins from
//! `initContainers`, and reads credentials from `credentials.existingSecret`.
//! Its CRD upgrade Job is upstream and allowed, as is MinIO's `make-bucket` Job.
//! Objects passed through the chart's `extraObjects` count as the wrapper's:
//! ExternalSecrets, NetworkPolicies and CRs are fine there, Jobs running the
//! `velero` CLI are not.

use std::collections::BTreeSet;

use rules_sdk::prelude::*;
use rules_sdk::secret;

const SOURCES: &[&str] = &[
    "https://github.com/vmware-tanzu/helm-charts/tree/main/charts/velero",
    "https://vmware-tanzu.github.io/helm-charts",
    "https://velero.io/docs/main/",
];

const VELERO_IMAGES: &[&str] = &["velero/velero"];

/// `velero backup create` / `velero schedule create` (both CLI word orders).
const BACKUP_CMDS: &[Cmd] = &[
    Cmd::new(&["velero"], &["backup", "create"], "velero backup create"),
    Cmd::new(&["velero"], &["create", "backup"], "velero create backup"),
    Cmd::new(&["velero"], &["schedule", "create"], "velero schedule create"),
    Cmd::new(&["velero"], &["create", "schedule"], "velero create schedule"),
];

/// CronJobs and Jobs creating backups or schedules with the velero CLI.
pub struct BackupCronJob;

impl Rule for BackupCronJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "velero-backup-cronjob",
            component: "velero",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "CronJob or Job running `velero backup create` (or `velero schedule create`)",
            replace_with: "the velero chart's schedules.<name>.{schedule,template.{ttl,storageLocation,includedNamespaces}}, which renders Schedule CRs",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: BACKUP_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_script(object, report, BACKUP_CMDS);
    }
}

const BACKUP_DOCS: &str = "\
## What it detects
A locally written CronJob, Job, bare Pod or initContainer running `velero backup create` (or `velero create
backup`, `velero schedule create`). Objects passed through the chart's `extraObjects` count as local.

## Why it matters
Velero has its own scheduler: a `Schedule` CR creates backups on a cron with a TTL and keeps a history. A
CronJob driving the CLI needs a kubeconfig with Velero RBAC, has no retention, and fails silently.

## What to use instead
`schedules.<name>.schedule` and `schedules.<name>.template.{ttl,storageLocation,includedNamespaces,
snapshotVolumes}` in the `velero` chart, which renders `Schedule` CRs.

## Example
```yaml
kind: CronJob
spec:
  schedule: '0 2 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: backup
              image: velero/velero:v1.18.1
              command: [/velero, backup, create, nightly, --ttl, 720h0m0s]
```
";

/// Storage and snapshot locations or plugins configured by the velero CLI.
const LOCATION_CMDS: &[Cmd] = &[
    Cmd::new(&["velero"], &["backup-location", "create|set"], "velero backup-location create"),
    Cmd::new(&["velero"], &["snapshot-location", "create|set"], "velero snapshot-location create"),
    Cmd::new(&["velero"], &["create", "backup-location|snapshot-location"], "velero create backup-location"),
    Cmd::new(&["velero"], &["plugin", "add"], "velero plugin add"),
];

/// Jobs configuring Velero locations and plugins with the CLI.
pub struct LocationScript;

impl Rule for LocationScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "velero-location-script",
            component: "velero",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job running `velero backup-location create`, `velero snapshot-location create` or `velero plugin add`",
            replace_with: "configuration.backupStorageLocation[] (provider, bucket, prefix, default, credential, config.s3Url), configuration.volumeSnapshotLocation[] and initContainers for plugins in the velero chart",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: LOCATION_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_script(object, report, LOCATION_CMDS);
    }
}

const LOCATION_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod or initContainer running `velero backup-location create|set`,
`velero snapshot-location create|set`, `velero create backup-location` or `velero plugin add`.

## Why it matters
Locations and plugins are part of the server's configuration: the chart renders `BackupStorageLocation` and
`VolumeSnapshotLocation` CRs and the plugin init containers, and keeps them in step with upgrades. A script
patches the server Deployment behind the chart's back (`plugin add`) or creates locations once and drifts.

## What to use instead
`configuration.backupStorageLocation[]` (`provider`, `bucket`, `prefix`, `default`, `credential`,
`config.s3Url`), `configuration.volumeSnapshotLocation[]` and `initContainers` (e.g.
`velero/velero-plugin-for-aws`) in the `velero` chart.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: bsl
          image: velero/velero:v1.18.1
          command: [/velero, backup-location, create, minio, --provider, aws, --bucket, velero]
```
";

/// Bucket bootstrap with the MinIO client for Velero.
const BUCKET_CMDS: &[Cmd] = &[
    Cmd { programs: &["mc"], words: &["mb"], contains: &["velero"], what: "mc mb (velero bucket)" },
    Cmd {
        programs: &["mc"],
        words: &["alias|config", "set|host"],
        contains: &["velero"],
        what: "mc alias set (velero bucket)",
    },
];

/// Jobs creating the Velero bucket with `mc`.
pub struct BucketJob;

impl Rule for BucketJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "velero-bucket-job",
            component: "velero",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job creating the Velero bucket with the MinIO client (`mc alias set` / `mc mb …velero`)",
            replace_with: "the bucket declared by whoever owns MinIO: the minio chart's buckets: value or a MinIO Operator Tenant spec.buckets (the minio/minio chart repository is no longer maintained), or the storage team's bucket",
            sources: &[
                "https://github.com/minio/operator",
                "https://github.com/minio/minio/tree/master/helm/minio",
                "https://github.com/vmware-tanzu/helm-charts/tree/main/charts/velero",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: BUCKET_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_script(object, report, BUCKET_CMDS);
    }
}

const BUCKET_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook running `mc mb` or `mc alias set`
for a Velero bucket (the command mentions `velero`). The minio chart's own `make-bucket` Job is upstream and
never reported.

## Why it matters
The bucket belongs to the object store, not to the backup tool: a bootstrap Job in the Velero wrapper needs
MinIO root credentials, runs once, and leaves the bucket without policy or lifecycle management.

## What to use instead
Declare the bucket where MinIO is owned: the minio chart's `buckets:` (with `users:`/`policies:`), or a MinIO
Operator `Tenant` with `spec.buckets`. Note that the `minio/minio` repository (and its chart) is no longer
maintained; the Operator is the maintained path. Point Velero at it with
`configuration.backupStorageLocation[].bucket`.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: mc
          image: quay.io/minio/mc
          command: [sh, -c, 'mc alias set local http://minio:9000 $USER $PASS && mc mb -p local/velero']
```
";

/// Does `value` hold an AWS-style credentials file (Velero's `cloud` key)?
fn has_cloud_credentials(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    ["aws_access_key_id", "aws_secret_access_key"]
        .iter()
        .any(|k| lower.match_indices(k).any(|(i, _)| lower[i + k.len()..].trim_start().starts_with('=')))
}

/// Is `object` part of a Velero deployment (runs Velero, is a Velero CR, or is
/// rendered with the velero chart)?
fn is_velero(object: &Object) -> bool {
    object.api_version.starts_with("velero.io/")
        || object.containers().iter().any(|c| c.image.matches_any(VELERO_IMAGES))
        || object.release_chart() == Some("velero")
        || object.provenance.chart.as_deref() == Some("velero")
}

/// Hand-written `cloud-credentials` Secrets with literal AWS keys.
pub struct InlineCredentials;

impl Rule for InlineCredentials {
    fn meta(&self) -> Meta {
        Meta {
            id: "velero-inline-credentials",
            component: "velero",
            category: Category::InlineSecret,
            severity: Severity::Error,
            summary: "Hand-written Secret with a literal Velero cloud-credentials file (aws_access_key_id=…)",
            replace_with: "credentials.existingSecret fed by an ExternalSecret (ClusterSecretStore backed by OpenBao) passed through extraObjects, or credentials.useSecret: false with workload identity (IRSA / Pod Identity)",
            sources: SOURCES,
            kinds: &[
                "Secret",
                "Deployment",
                "DaemonSet",
                "Job",
                "CronJob",
                "BackupStorageLocation",
                "VolumeSnapshotLocation",
                "Schedule",
            ],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SECRET,
            docs: CREDENTIALS_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups: BTreeSet<String> = rules_sdk::groups_where(objects, is_velero);
        for object in objects.iter().filter(|o| o.kind == "Secret" && o.origin().is_local()) {
            if !groups.contains(&object.group()) && !object.namespace.as_deref().is_some_and(|n| n.contains("velero")) {
                continue;
            }
            let hit = secret::entries(object).into_iter().find(|e| has_cloud_credentials(&e.value)).map(|e| e.path());
            if let Some(path) = hit {
                report
                    .flag(
                        object,
                        format!(
                            "{} holds a literal cloud-credentials file ({path}: aws_access_key_id=…) {}",
                            object.display(),
                            object.origin().describe()
                        ),
                    )
                    .at(path);
            }
        }
    }
}

const CREDENTIALS_DOCS: &str = "\
## What it detects
A locally written `Secret` next to Velero (same wrapper chart or file, or a `*velero*` namespace) whose
`stringData` or base64 `data` holds an AWS-style credentials file: `aws_access_key_id=` /
`aws_secret_access_key=`, the format of Velero's `cloud-credentials` key.

## Why it matters
The object-store keys that can read and delete every backup end up in Git and in every rendered manifest.

## What to use instead
`credentials.existingSecret` pointing at a Secret produced by an `ExternalSecret` (from a
`ClusterSecretStore` backed by OpenBao), shipped through the chart's `extraObjects`; its `target.template`
can render the `[default]` credentials file. Better still, `credentials.useSecret: false` with workload
identity (IRSA, EKS Pod Identity, GKE/Azure workload identity).

## Example
```yaml
# Source: platform-backup/templates/cloud-credentials.yaml
apiVersion: v1
kind: Secret
metadata: {name: cloud-credentials, namespace: velero}
stringData:
  cloud: |
    [default]
    aws_access_key_id=minio
    aws_secret_access_key=minio123
```
";

/// File-level backup tools a hand-written node agent runs.
const NODE_AGENT_IMAGES: &[&str] = &["velero/velero", "restic/restic", "kopia/kopia"];

/// Hand-written Velero server or node-agent workloads.
pub struct HandWrittenWorkload;

impl Rule for HandWrittenWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "velero-workload",
            component: "velero",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Velero server or restic/kopia node-agent DaemonSet (hostPath /var/lib/kubelet/pods)",
            replace_with: "the velero chart (https://vmware-tanzu.github.io/helm-charts) with deployNodeAgent: true and nodeAgent.* for file-system backups",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
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
        let kubelet_pods = pod.host_paths().iter().any(|(_, p)| p.trim_end_matches('/') == "/var/lib/kubelet/pods");
        if object.kind == "DaemonSet" && kubelet_pods {
            let agent = pod.main_containers().into_iter().find(|c| {
                c.image.matches_any(NODE_AGENT_IMAGES) || {
                    let line = c.command_line();
                    ["node-agent", "restic", "kopia"].iter().any(|w| line.contains(w))
                }
            });
            if let Some(c) = agent {
                report
                    .flag(
                        object,
                        format!(
                            "{} is a hand-written file-system backup agent ({}) mounting /var/lib/kubelet/pods {}",
                            object.display(),
                            c.image,
                            object.origin().describe()
                        ),
                    )
                    .at(c.field("image"))
                    .replace_with("deployNodeAgent: true with nodeAgent.{podVolumePath,privileged,resources,tolerations} in the velero chart");
                return;
            }
        }
        report_workload(object, report, VELERO_IMAGES, "Velero");
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A locally written DaemonSet mounting `/var/lib/kubelet/pods` that runs a file-system backup agent (image
`velero/velero`, `restic/restic` or `kopia/kopia`, or a command running `node-agent`, `restic` or `kopia`),
and any other locally written long-running workload of `velero/velero` (a hand-written server).

## Why it matters
The node agent needs privileged access to every pod's volumes and must match the server's version and
uploader (kopia/restic); the chart renders both with the right RBAC, mounts and plugins.

## What to use instead
The `velero` chart with `deployNodeAgent: true` and `nodeAgent.*` (`podVolumePath`, `privileged`,
`resources`, `tolerations`), `configuration.uploaderType`, `configuration.defaultVolumesToFsBackup`.

## Example
```yaml
# Source: platform-backup/templates/restic.yaml
kind: DaemonSet
spec:
  template:
    spec:
      containers:
        - name: restic
          image: velero/velero:v1.18.1
          command: [/velero, node-agent, server]
      volumes:
        - {name: host-pods, hostPath: {path: /var/lib/kubelet/pods}}
```
";

rules_sdk::export_rules!(BackupCronJob, LocationScript, BucketJob, InlineCredentials, HandWrittenWorkload);

#[cfg(test)]
use rules_sdk::secret::decode_base64 as base64_decode;

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] =
        &[&BackupCronJob, &LocationScript, &BucketJob, &InlineCredentials, &HandWrittenWorkload];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "velero");
    }

    #[test]
    fn decodes_base64_credentials() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some("hello"));
        assert_eq!(base64_decode("YQ==").as_deref(), Some("a"));
        assert!(has_cloud_credentials("[default]\naws_access_key_id = AKIA\n"));
        assert!(!has_cloud_credentials("aws_access_key_id"));
    }

    #[test]
    fn extra_objects_job_is_local_upstream_crd_job_is_not() {
        let yaml = r#"
# Source: velero/templates/upgrade-crds/upgrade-crds.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: velero-upgrade-crds, namespace: velero, labels: {helm.sh/chart: velero-12.1.0}}
spec:
  template:
    spec:
      containers: [{name: velero, image: "docker.io/velero/velero:v1.18.1", command: [/velero], args: [install, --crds-only, --apply]}]
---
# Source: velero/templates/extra-objects.yaml
apiVersion: batch/v1
kind: CronJob
metadata: {name: adhoc-backup, namespace: velero}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: b, image: "velero/velero:v1.18.1", command: [/velero, backup, create, --from-schedule, daily]}]
---
# Source: velero/templates/extra-objects.yaml
apiVersion: velero.io/v1
kind: Schedule
metadata: {name: weekly, namespace: velero}
spec: {schedule: "0 4 * * 0", template: {ttl: 2160h}}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("velero-backup-cronjob", "CronJob", "adhoc-backup")]);
    }

    #[test]
    fn credentials_in_data_only_next_to_velero() {
        let yaml = r#"
# Source: platform-backup/templates/creds.yaml
apiVersion: v1
kind: Secret
metadata: {name: cloud-credentials, namespace: backup}
data:
  cloud: W2RlZmF1bHRdCmF3c19hY2Nlc3Nfa2V5X2lkPW1pbmlvCmF3c19zZWNyZXRfYWNjZXNzX2tleT1taW5pbzEyMwo=
---
# Source: platform-backup/templates/bsl.yaml
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {name: default, namespace: backup}
spec: {provider: aws, objectStorage: {bucket: velero}}
---
# Source: billing/templates/creds.yaml
apiVersion: v1
kind: Secret
metadata: {name: s3, namespace: billing}
stringData: {credentials: "aws_access_key_id=x\naws_secret_access_key=y"}
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("velero-inline-credentials", "Secret", "cloud-credentials")]);
        assert_eq!(findings[0].path.as_deref(), Some("data.cloud"));
    }
}
