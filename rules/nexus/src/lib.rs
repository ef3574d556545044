//! Sonatype Nexus Repository rules (catalog section 16).
//!
//! The `nxrm-ha` chart (https://sonatype.github.io/helm3-charts/) renders the
//! Nexus StatefulSet, takes the initial admin password from
//! `secret.nexusAdminSecret` and the database credentials from
//! `secret.existingDbSecret`, and has built-in External Secrets support
//! (`externalsecrets.*`). A wrapper that writes the StatefulSet, fixes
//! `/nexus-data` ownership as root, scrapes `admin.password` to call the
//! change-password API or commits `DB_PASSWORD` reinvents those values. The
//! chart's placeholder `yourinitialnexuspassword` is flagged wherever it is
//! rendered. Creating repositories and blob stores through
//! `/service/rest/v1/repositories` has no declarative upstream replacement and
//! is left alone.

use std::collections::BTreeSet;

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::secret::{self, SecretEntry};
use rules_sdk::shell;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};

const SOURCES: &[&str] =
    &["https://github.com/sonatype/nxrm3-ha-repository/tree/main/nxrm-ha", "https://sonatype.github.io/helm3-charts/"];

/// The placeholder `secret.nexusAdminSecret.adminPassword` of `nxrm-ha/values.yaml`.
const PLACEHOLDER_PASSWORD: &str = "yourinitialnexuspassword";

const CHARTS: &[&str] = &["nxrm-ha", "nexus-repository-manager"];

fn nexus_images() -> &'static [&'static str] {
    catalog::upstream("nexus").images
}

fn runs_nexus(object: &Object) -> bool {
    object.pod_spec().is_some_and(|p| p.main_containers().iter().any(|c| c.image.matches_any(nexus_images())))
}

/// Groups (wrapper charts or plain-YAML files) holding Nexus.
fn nexus_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_running(objects, nexus_images(), CHARTS)
}

/// A hand-written Nexus StatefulSet or Deployment.
pub struct NexusWorkload;

impl Rule for NexusWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "nexus-workload",
            component: "nexus",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Nexus Repository StatefulSet/Deployment instead of the nxrm-ha chart",
            replace_with: "the nxrm-ha chart (https://sonatype.github.io/helm3-charts/) with statefulset.podSecurityContext.fsGroup, secret.nexusAdminSecret, secret.existingDbSecret and externalsecrets.*",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_workload(object, report, nexus_images(), "Sonatype Nexus Repository");
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A StatefulSet, Deployment or other long-running workload written locally (wrapper template, extraObjects
value or plain YAML) whose container runs `sonatype/nexus3`, also behind a registry mirror. The StatefulSet the
`nxrm-ha` chart renders is not reported.

## Why it matters
The chart already handles persistence, the database connection, the initial admin password, licences,
log sidecars and External Secrets. A local copy re-implements them and drifts on upgrade. The single-instance
`nexus-repository-manager` chart is deprecated too.

## What to use instead
The `nxrm-ha` chart from `https://sonatype.github.io/helm3-charts/`, with a CNPG `Cluster` for the database,
`secret.existingDbSecret`, `secret.nexusAdminSecret` and `externalsecrets.*` pointing at OpenBao.

## Example
```yaml
# Source: platform-nexus/templates/nexus.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: nexus
          image: sonatype/nexus3:3.91.1   # use the nxrm-ha chart
```
";

/// Root `chown -R` init containers for `/nexus-data`.
pub struct RootChown;

impl Rule for RootChown {
    fn meta(&self) -> Meta {
        Meta {
            id: "nexus-root-chown",
            component: "nexus",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Root chown -R init container for /nexus-data in a locally written workload",
            replace_with: "statefulset.podSecurityContext with fsGroup: 200 and fsGroupChangePolicy: OnRootMismatch (nxrm-ha values)",
            sources: &[
                "https://github.com/sonatype/nxrm3-ha-repository/blob/main/nxrm-ha/values.yaml",
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
        let nexus_pod = runs_nexus(object);
        let root_chown = object.containers().into_iter().find(|c| {
            let line = c.command_line();
            c.role == ContainerRole::Init
                && c.runs_as_root()
                && shell::recursive_ownership_change(&line)
                && (nexus_pod || line.contains("/nexus-data"))
        });
        if let Some(c) = root_chown {
            report
                .flag(
                    object,
                    format!(
                        "{} init container {:?} runs a recursive chown of the Nexus data directory as root {}",
                        object.display(),
                        c.name,
                        object.origin().describe()
                    ),
                )
                .at(c.field("command"));
        }
    }
}

const CHOWN_DOCS: &str = "\
## What it detects
A locally written workload with an init container that runs `chown -R` (or `chmod -R`) as root — `runAsUser: 0`,
or no `runAsUser` and no `runAsNonRoot` — in a pod running Nexus or on `/nexus-data`, typically
`chown -R 200:200 /nexus-data`.

## Why it matters
A root container on every pod start, walking a volume that holds every blob of the repository manager: slow,
and a privilege the pod does not need.

## What to use instead
`statefulset.podSecurityContext` in the `nxrm-ha` values with `fsGroup: 200` and
`fsGroupChangePolicy: OnRootMismatch`.

## Example
```yaml
initContainers:
  - name: fix-perms
    image: busybox:1.36
    command: [sh, -c, 'chown -R 200:200 /nexus-data']
```
";

/// Jobs scraping `admin.password` and calling the change-password API.
pub struct AdminBootstrap;

impl Rule for AdminBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "nexus-admin-bootstrap",
            component: "nexus",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or initContainer reading /nexus-data/admin.password or calling the admin change-password API",
            replace_with: "secret.nexusAdminSecret.{enabled,adminPassword} (mapped to NEXUS_SECURITY_INITIAL_PASSWORD, NEXUS_SECURITY_RANDOMPASSWORD=false), or externalsecrets.secrets.admin from OpenBao",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: ADMIN_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some((script, what)) = smell::find_script_by(object, admin_bootstrap) else { return };
        let message = smell::script_message(object, &script, what);
        report.flag(object, message).at(script.field);
    }
}

/// What a command line does to bootstrap the admin user, if anything.
/// Repository and blob-store REST calls are allowed integration: not matched.
fn admin_bootstrap(command_line: &str) -> Option<&'static str> {
    if command_line.contains("/security/users/admin/change-password") {
        Some("calls the admin change-password REST API")
    } else if command_line.contains("admin.password") {
        Some("reads the generated /nexus-data/admin.password")
    } else {
        None
    }
}

const ADMIN_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook whose command reads the generated
`/nexus-data/admin.password` or calls `/service/rest/v1/security/users/admin/change-password`.

Creating repositories or blob stores through `/service/rest/v1/repositories/...` and
`/service/rest/v1/blobstores/...` is not reported: Nexus has no declarative upstream replacement for it, so it
is allowed integration (keep it idempotent).

## Why it matters
Scraping a file from the data volume and racing the first start is a fragile one-shot; the password ends up in
Job logs and the script breaks when Nexus stops writing `admin.password`.

## What to use instead
`secret.nexusAdminSecret.enabled: true` with the password from an ExternalSecret — the chart maps it to
`NEXUS_SECURITY_INITIAL_PASSWORD` and sets `NEXUS_SECURITY_RANDOMPASSWORD=false` — or the chart's built-in
`externalsecrets.enabled` with `externalsecrets.secrets.admin`.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: set-admin
          image: curlimages/curl:8.8.0
          command: [sh, -c, 'curl -u admin:$(cat /nexus-data/admin.password) -XPUT
            http://nexus:8081/service/rest/v1/security/users/admin/change-password -d $NEW']
```
";

/// The chart's placeholder initial admin password, rendered anywhere.
pub struct PlaceholderAdminPassword;

impl Rule for PlaceholderAdminPassword {
    fn meta(&self) -> Meta {
        Meta {
            id: "nexus-placeholder-admin-password",
            component: "nexus",
            category: Category::UnsafeDefault,
            severity: Severity::Error,
            summary: "The nxrm-ha placeholder admin password yourinitialnexuspassword is rendered unchanged",
            replace_with: "externalsecrets.enabled with externalsecrets.secrets.admin (OpenBao), or secret.nexusAdminSecret.adminPassword set from a secret value, never the chart default",
            sources: &["https://github.com/sonatype/nxrm3-ha-repository/blob/main/nxrm-ha/values.yaml"],
            kinds: &[
                "Secret",
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "Job",
                "CronJob",
            ],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SECRET,
            docs: PLACEHOLDER_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        // Upstream-rendered too: the placeholder ships in the chart's values.
        let hit = if object.kind == "Secret" {
            secret_values(object).into_iter().find(|e| e.value.trim() == PLACEHOLDER_PASSWORD).map(|e| e.path())
        } else {
            object.containers().into_iter().find_map(|c| {
                c.env_names()
                    .into_iter()
                    .find(|n| c.env(n).is_some_and(|v| v.trim() == PLACEHOLDER_PASSWORD))
                    .map(|n| format!("{}.env[{n}]", c.path))
            })
        };
        if let Some(at) = hit {
            report
                .flag(
                    object,
                    format!(
                        "{} carries the nxrm-ha placeholder admin password {PLACEHOLDER_PASSWORD:?} ({at}) {}",
                        object.display(),
                        object.origin().describe()
                    ),
                )
                .at(at);
        }
    }
}

const PLACEHOLDER_DOCS: &str = "\
## What it detects
A Secret (`data`, base64-decoded, or `stringData`) or a container `env` value equal to
`yourinitialnexuspassword`, the placeholder `secret.nexusAdminSecret.adminPassword` in `nxrm-ha/values.yaml`.
This is reported even when the `nxrm-ha` chart renders it (`<name>-adminsecret`).

## Why it matters
The placeholder is public: until someone changes it, anyone who can reach Nexus is admin.

## What to use instead
The chart's built-in External Secrets support (`externalsecrets.enabled`, `externalsecrets.secrets.admin`)
backed by OpenBao, or `secret.nexusAdminSecret.adminPassword` from a secret value — never the default.

## Example
```yaml
# Source: platform-nexus/charts/nxrm-ha/templates/nexus-admin-secret.yaml
kind: Secret
metadata: {name: nxrm-ha-adminsecret}
stringData:
  nexus-admin-password: yourinitialnexuspassword   # flagged
```
";

/// A literal `DB_PASSWORD` in the Nexus wrapper.
pub struct InlineDbPassword;

impl Rule for InlineDbPassword {
    fn meta(&self) -> Meta {
        Meta {
            id: "nexus-inline-db-password",
            component: "nexus",
            category: Category::InlineSecret,
            severity: Severity::Warning,
            summary: "Literal Nexus database password in a hand-written Secret or env",
            replace_with: "secret.existingDbSecret (a Secret written by an ExternalSecret, or by CNPG for its Cluster) or externalsecrets.secrets.database",
            sources: SOURCES,
            kinds: &["Secret", "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SECRET,
            docs: DB_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = nexus_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local() && groups.contains(&o.group())) {
            let hit = if object.kind == "Secret" {
                secret_values(object)
                    .into_iter()
                    .find(|e| is_db_password(e.key) && !e.value.is_empty())
                    .map(|e| e.path())
            } else if runs_nexus(object) {
                object.containers().into_iter().find_map(|c| {
                    c.env_names()
                        .into_iter()
                        .find(|n| is_db_password(n) && c.env(n).is_some_and(|v| !v.is_empty()))
                        .map(|n| format!("{}.env[{n}]", c.path))
                })
            } else {
                None
            };
            if let Some(at) = hit {
                report
                    .flag(
                        object,
                        format!(
                            "{} holds the Nexus database password as a literal ({at}) {}",
                            object.display(),
                            object.origin().describe()
                        ),
                    )
                    .at(at);
            }
        }
    }
}

/// `DB_PASSWORD`, `db-password`, `dbPassword`.
fn is_db_password(key: &str) -> bool {
    key.chars().filter(char::is_ascii_alphanumeric).collect::<String>().eq_ignore_ascii_case("dbpassword")
}

const DB_DOCS: &str = "\
## What it detects
In a wrapper or file that deploys Nexus: a locally written Secret with a non-empty `DB_PASSWORD`
(`db-password`, `dbPassword`) key, or a Nexus container with a literal `DB_PASSWORD` env value.

## Why it matters
The database password sits in the wrapper chart or its values in plain text and rotates only with a release.

## What to use instead
`secret.existingDbSecret` naming a Secret written by an ExternalSecret (or the app Secret CNPG generates for its
`Cluster`), or the chart's `externalsecrets.secrets.database`.

## Example
```yaml
# Source: platform-nexus/templates/db-secret.yaml
kind: Secret
stringData:
  DB_PASSWORD: nexus123   # flagged
```
";

/// Every entry of a Secret ([`secret::entries`]: `data` base64-decoded,
/// entries that do not decode skipped), `data` before `stringData`.
fn secret_values(object: &Object) -> Vec<SecretEntry<'_>> {
    let mut entries = secret::entries(object);
    entries.sort_by_key(|e| e.field != "data");
    entries
}

rules_sdk::export_rules!(NexusWorkload, RootChown, AdminBootstrap, PlaceholderAdminPassword, InlineDbPassword);

#[cfg(test)]
use rules_sdk::secret::decode_base64 as base64_decode;

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] =
        &[&NexusWorkload, &RootChown, &AdminBootstrap, &PlaceholderAdminPassword, &InlineDbPassword];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "nexus");
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("eW91cmluaXRpYWxuZXh1c3Bhc3N3b3Jk").as_deref(), Some(PLACEHOLDER_PASSWORD));
        assert_eq!(base64_decode("YQ==").as_deref(), Some("a"));
        assert_eq!(base64_decode("YWI").as_deref(), Some("ab"));
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[test]
    fn repository_creation_is_allowed_integration() {
        let yaml = r#"
# Source: platform-nexus/templates/repos.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: nexus-repos}
spec:
  template:
    spec:
      containers:
        - name: repos
          image: curlimages/curl:8.8.0
          command: [sh, -c, "curl -sf -u admin:$PW -XPOST http://nexus:8081/service/rest/v1/repositories/docker/proxy -d @/cfg/dockerhub.json || true"]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    #[test]
    fn upstream_placeholder_is_flagged_and_upstream_chown_is_not() {
        let yaml = r#"
# Source: nxrm-ha/templates/nexus-admin-secret.yaml
apiVersion: v1
kind: Secret
metadata: {name: nxrm-ha-adminsecret, namespace: nexusrepo, labels: {helm.sh/chart: nxrm-ha-91.1.0}}
type: Opaque
stringData: {nexus-admin-password: yourinitialnexuspassword}
---
# Source: nxrm-ha/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: nexus-repo-nxrm-ha, namespace: nexusrepo, labels: {helm.sh/chart: nxrm-ha-91.1.0}}
spec:
  template:
    spec:
      initContainers:
        - {name: chown-nexusdata-owner-to-nexus-and-init-log-dir, image: "busybox:1.33.1", command: [/bin/sh], args: [-c, "chown -R '200:200' /nexus-data"]}
      containers: [{name: nxrm-app, image: "sonatype/nexus3:3.91.1", env: [{name: DB_PASSWORD, value: inline}]}]
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![("nexus-placeholder-admin-password", "Secret", "nxrm-ha-adminsecret")]
        );
    }
}
