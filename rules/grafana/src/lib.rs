//! Grafana rules (catalog section 20).
//!
//! The `grafana` chart (now at https://grafana-community.github.io/helm-charts)
//! renders Grafana with dashboard/datasource/alert sidecars, plugins and an
//! admin Secret it can take from `admin.existingSecret`; the Grafana Operator
//! reconciles the same through CRs. A wrapper that writes the Deployment,
//! pushes dashboards with `curl`, installs plugins with `grafana-cli` or
//! commits the admin password reinvents those. The chart's `initChownData`
//! root busybox is flagged even when the chart renders it.

use std::collections::BTreeSet;

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};

const SOURCES: &[&str] = &[
    "https://github.com/grafana-community/helm-charts/tree/main/charts/grafana",
    "https://grafana-community.github.io/helm-charts",
    "https://github.com/grafana/grafana-operator",
];

fn grafana_images() -> &'static [&'static str] {
    catalog::upstream("grafana").images
}

fn runs_grafana(object: &Object) -> bool {
    object.pod_spec().is_some_and(|p| p.main_containers().iter().any(|c| c.image.matches_any(grafana_images())))
}

/// Groups (wrapper charts or plain-YAML files) holding Grafana: an object
/// running its image, or one rendered by the grafana chart.
fn grafana_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_running(objects, grafana_images(), &["grafana"])
}

/// A hand-written Grafana Deployment or StatefulSet.
pub struct GrafanaWorkload;

impl Rule for GrafanaWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "grafana-workload",
            component: "grafana",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Grafana Deployment/StatefulSet instead of the grafana chart or the Grafana Operator",
            replace_with: "the grafana chart (https://grafana-community.github.io/helm-charts) with admin.existingSecret, persistence.* and sidecar.{dashboards,datasources}.enabled; or a Grafana CR (Grafana Operator)",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_workload(object, report, grafana_images(), "Grafana");
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet or other long-running workload written locally (wrapper template, extraObjects value
or plain YAML) whose container runs `grafana/grafana` (also `grafana-oss`, `grafana-enterprise`, behind a
registry mirror). Grafana rendered by the grafana chart, or created by the Grafana Operator, is not reported.

## Why it matters
The chart already handles persistence, the admin Secret, plugins, provisioning sidecars and upgrades; a local
copy re-implements them and usually comes with curl bootstrap Jobs and a committed admin password.

## What to use instead
The `grafana` chart (moved to `https://grafana-community.github.io/helm-charts`, or
`oci://ghcr.io/grafana-community/helm-charts/grafana`) with `admin.existingSecret`, `persistence.enabled` and
`sidecar.dashboards.enabled`/`sidecar.datasources.enabled`; or the Grafana Operator with a `Grafana` CR.

## Example
```yaml
# Source: platform-grafana/templates/grafana.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: grafana
          image: grafana/grafana:12.1.0   # use the grafana chart
```
";

/// Which Grafana API paths a bootstrap `curl` may hit, and what replaces each.
const API_PATHS: &[(&str, &str)] = &[
    (
        "/api/dashboards/db",
        "dashboard ConfigMaps labelled grafana_dashboard with sidecar.dashboards.enabled, the chart's dashboards: value, or GrafanaDashboard CRs",
    ),
    (
        "/api/datasources",
        "datasources: values or ConfigMaps labelled grafana_datasource with sidecar.datasources.enabled, or GrafanaDatasource CRs",
    ),
    ("/api/folders", "sidecar.dashboards.folderAnnotation / dashboardProviders, or GrafanaFolder CRs"),
    ("/api/serviceaccounts", "GrafanaServiceAccount CRs (Grafana Operator)"),
    (
        "/api/v1/provisioning",
        "alerting: values or ConfigMaps labelled grafana_alert with sidecar.alerts.enabled, or GrafanaAlertRuleGroup/GrafanaContactPoint/GrafanaNotificationPolicy CRs",
    ),
];

const PLUGINS_REPLACEMENT: &str =
    "the chart's plugins: list (or a Grafana CR's spec.plugins / GrafanaDashboard plugins)";

/// curl Jobs against the Grafana HTTP API and `grafana-cli plugins install`.
pub struct ApiBootstrap;

impl Rule for ApiBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "grafana-api-bootstrap",
            component: "grafana",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or initContainer provisioning Grafana through curl to its HTTP API, or grafana-cli plugins install",
            replace_with: "sidecar.dashboards.enabled (label grafana_dashboard), sidecar.datasources.enabled (label grafana_datasource), sidecar.alerts, the dashboards:/datasources:/alerting:/plugins: values, or Grafana Operator CRs (GrafanaDashboard, GrafanaDatasource, GrafanaFolder)",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: BOOTSTRAP_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some((script, (what, replacement))) = smell::find_script_by(object, bootstrap_call) else { return };
        let message = smell::script_message(object, &script, &format!("runs {what}"));
        report.flag(object, message).at(script.field).replace_with(replacement);
    }
}

/// The first Grafana provisioning call of a command line: `(what, replacement)`.
fn bootstrap_call(command_line: &str) -> Option<(String, &'static str)> {
    for words in shell::simple_commands(command_line) {
        let Some(start) = shell::program_index(&words) else { continue };
        let words = &words[start..];
        let program = words[0].rsplit('/').next().unwrap_or("");
        if matches!(program, "curl" | "wget") {
            let path = API_PATHS.iter().find(|(path, _)| words.iter().any(|w| w.contains(path)));
            if let Some((path, replacement)) = path {
                return Some((format!("`{program} …{path}`"), replacement));
            }
        }
        let plugins_install = match program {
            "grafana-cli" => words[1..].windows(2).any(|w| w[0] == "plugins" && w[1] == "install"),
            "grafana" => words[1..].windows(3).any(|w| w[0] == "cli" && w[1] == "plugins" && w[2] == "install"),
            _ => false,
        };
        if plugins_install {
            return Some(("`grafana-cli plugins install`".to_string(), PLUGINS_REPLACEMENT));
        }
    }
    None
}

const BOOTSTRAP_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook that runs `curl`/`wget` against the
Grafana HTTP API — `/api/dashboards/db`, `/api/datasources`, `/api/folders`, `/api/serviceaccounts`,
`/api/v1/provisioning` — or `grafana-cli plugins install`.

## Why it matters
API pushes run once: a Grafana restart without persistence, a changed dashboard or a failed call leaves the
instance drifting from Git, and the Job needs the admin password. The chart's sidecars and the Grafana
Operator reconcile the same objects continuously.

## What to use instead
`sidecar.dashboards.enabled` with ConfigMaps labelled `grafana_dashboard`, `sidecar.datasources.enabled` with
`grafana_datasource`, `sidecar.alerts`, or the chart's `dashboards:`/`datasources:`/`alerting:` values; with the
Grafana Operator, `GrafanaDashboard`, `GrafanaDatasource`, `GrafanaFolder` and alerting CRs. Plugins go in the
chart's `plugins:` list.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: import
          image: curlimages/curl:8.8.0
          command: [sh, -c, 'curl -XPOST -d @/d/node.json http://admin:$PW@grafana/api/dashboards/db']
```
";

/// A hand-written Secret with Grafana's admin password.
pub struct AdminSecret;

impl Rule for AdminSecret {
    fn meta(&self) -> Meta {
        Meta {
            id: "grafana-admin-secret",
            component: "grafana",
            category: Category::InlineSecret,
            severity: Severity::Warning,
            summary: "Hand-written Secret with a literal Grafana admin password",
            replace_with: "admin.existingSecret (with admin.userKey/admin.passwordKey) naming a Secret written by an ExternalSecret from a ClusterSecretStore backed by OpenBao",
            sources: SOURCES,
            kinds: &["Secret", "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SECRET,
            docs: ADMIN_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = grafana_groups(objects);
        for object in objects.iter().filter(|o| o.kind == "Secret" && o.origin().is_local()) {
            let near_grafana = groups.contains(&object.group());
            let hit = rules_sdk::secret::literal_keys(object).into_iter().find(|(key, _)| {
                *key == "GF_SECURITY_ADMIN_PASSWORD"
                    || (near_grafana && matches!(*key, "admin-password" | "admin_password"))
            });
            if let Some((key, field)) = hit {
                report
                    .flag(
                        object,
                        format!(
                            "{} holds the Grafana admin password as a literal ({field}.{key}) {}",
                            object.display(),
                            object.origin().describe()
                        ),
                    )
                    .at(format!("{field}.{key}"));
            }
        }
    }
}

const ADMIN_DOCS: &str = "\
## What it detects
A locally written Secret with a non-empty `GF_SECURITY_ADMIN_PASSWORD` key anywhere, or an `admin-password` key
in a wrapper or file that deploys Grafana. The admin Secret the grafana chart itself renders is not reported
by this rule.

## Why it matters
The admin password sits in the wrapper chart or its values in plain text and rotates only with a release.

## What to use instead
An `ExternalSecret` (ClusterSecretStore backed by OpenBao) writing the Secret, and the chart's
`admin.existingSecret` with `admin.userKey` and `admin.passwordKey`.

## Example
```yaml
# Source: platform-grafana/templates/admin-secret.yaml
kind: Secret
metadata: {name: grafana-admin}
stringData:
  admin-user: admin
  admin-password: changeme   # flagged
```
";

/// The chart's `initChownData` root busybox (or any root chown init container
/// in a Grafana pod).
pub struct InitChownData;

impl Rule for InitChownData {
    fn meta(&self) -> Meta {
        Meta {
            id: "grafana-init-chown-data",
            component: "grafana",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Root chown -R init container in a Grafana pod (the chart's initChownData default)",
            replace_with: "initChownData.enabled: false with podSecurityContext.fsGroup: 472 and fsGroupChangePolicy: OnRootMismatch",
            sources: &[
                "https://github.com/grafana-community/helm-charts/blob/main/charts/grafana/values.yaml",
                "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
            ],
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::CHOWN,
            docs: CHOWN_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        // Upstream-rendered too: initChownData is a chart default to override.
        if !runs_grafana(object) {
            return;
        }
        let root_chown = object.containers().into_iter().find(|c| {
            c.role == ContainerRole::Init && c.runs_as_root() && shell::recursive_ownership_change(&c.command_line())
        });
        if let Some(c) = root_chown {
            report
                .flag(
                    object,
                    format!(
                        "{} init container {:?} ({}) runs a recursive chown as root {}",
                        object.display(),
                        c.name,
                        c.image,
                        object.origin().describe()
                    ),
                )
                .at(c.field("command"));
        }
    }
}

const CHOWN_DOCS: &str = "\
## What it detects
A pod running Grafana with an init container that runs `chown -R`/`chmod -R` as root (`runAsUser: 0`, or no
`runAsUser` and no `runAsNonRoot`). The grafana chart renders exactly that — busybox as `runAsUser: 0`,
`runAsNonRoot: false`, `chown -R 472:472 /var/lib/grafana` — whenever persistence is on and
`initChownData.enabled` keeps its default `true`, so this is reported even when the chart renders it.

## Why it matters
A root container with CHOWN and DAC_OVERRIDE runs on every pod start and walks the whole volume; the pod's
`fsGroup` already makes the volume writable for Grafana.

## What to use instead
`initChownData.enabled: false` and the chart's `podSecurityContext` with `fsGroup: 472` and
`fsGroupChangePolicy: OnRootMismatch` (the chart's default securityContext already sets `fsGroup: 472`).

## Example
```yaml
# values.yaml of the wrapper
grafana:
  initChownData:
    enabled: false
  persistence:
    enabled: true
```
";

rules_sdk::export_rules!(GrafanaWorkload, ApiBootstrap, AdminSecret, InitChownData);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&GrafanaWorkload, &ApiBootstrap, &AdminSecret, &InitChownData];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "grafana");
    }

    #[test]
    fn bootstrap_calls() {
        let call = |l: &str| bootstrap_call(l).map(|(what, _)| what);
        assert_eq!(
            call(
                "sh -c 'curl -sf -XPOST -H \"Content-Type: application/json\" http://grafana/api/datasources -d @ds.json'"
            ),
            Some("`curl …/api/datasources`".into())
        );
        assert_eq!(
            call("grafana-cli --pluginsDir /p plugins install grafana-piechart-panel"),
            Some("`grafana-cli plugins install`".into())
        );
        assert_eq!(call("grafana cli plugins install x"), Some("`grafana-cli plugins install`".into()));
        assert_eq!(call("curl -sf http://grafana/api/health"), None);
        assert_eq!(call("echo /api/dashboards/db"), None);
        assert_eq!(call("grafana-cli plugins ls"), None);
    }

    #[test]
    fn chart_init_chown_is_flagged_even_from_upstream_and_helper_jobs_are_not() {
        let yaml = r#"
# Source: grafana/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana, namespace: monitoring, labels: {helm.sh/chart: grafana-12.11.1}}
spec:
  template:
    spec:
      securityContext: {fsGroup: 472, runAsUser: 472, runAsNonRoot: true}
      initContainers:
        - name: init-chown-data
          image: docker.io/library/busybox:1.38.0
          securityContext: {runAsNonRoot: false, runAsUser: 0}
          command: [chown, -R, "472:472", /var/lib/grafana]
      containers: [{name: grafana, image: docker.io/grafana/grafana:13.2.0}]
---
# Source: grafana/templates/tests/test.yaml
apiVersion: v1
kind: Pod
metadata: {name: grafana-test, annotations: {helm.sh/hook: test}}
spec:
  containers: [{name: t, image: docker.io/bats/bats:v1.4.1, command: [/opt/bats/bin/bats, -t, /tests/run.sh]}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("grafana-init-chown-data", "Deployment", "grafana")]);
        assert_eq!(findings[0].path.as_deref(), Some("spec.template.spec.initContainers[0].command"));
    }

    #[test]
    fn admin_password_key_only_counts_next_to_grafana() {
        let yaml = r#"
# Source: billing/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata: {name: billing}
stringData: {admin-password: x}
---
# Source: billing/templates/gf.yaml
apiVersion: v1
kind: Secret
metadata: {name: gf-env}
stringData: {GF_SECURITY_ADMIN_PASSWORD: x}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("grafana-admin-secret", "Secret", "gf-env")]);
    }
}
