//! Windmill rules (catalog section 24).
//!
//! The `windmill` chart renders the app, `windmill-extra` and one Deployment per
//! `windmill.workerGroups[]` entry; instance settings belong to the chart's
//! operator (`windmill.operator.instanceSpec`). It also ships demo defaults that
//! reach production unchanged: the demo Postgres of `postgresql.enabled`
//! (`templates/postgresql-demo-app.yaml`) and the literal
//! `databaseUrl: postgres://postgres:windmill@…`. Workers' default
//! `privileged: true` is upstream's sandboxing choice, a policy item rather
//! than a reinvention, and is not reported here. The chart emits the legacy
//! `chart:`/`heritage:` labels, which the SDK reads like `helm.sh/chart`.

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::shell::url_has_password;
use rules_sdk::smell::LONG_RUNNING_KINDS;

const SOURCES: &[&str] = &[
    "https://github.com/windmill-labs/windmill-helm-charts/tree/main/charts/windmill",
    "https://windmill-labs.github.io/windmill-helm-charts/",
    "https://www.windmill.dev/docs/advanced/self_host",
];

const WINDMILL_IMAGES: &[&str] = &[
    "windmill-labs/windmill",
    "windmill-labs/windmill-ee",
    "windmill-labs/windmill-extra",
    "windmill-labs/windmillhub-ee-public",
];

/// Hand-written Windmill server or worker workloads.
pub struct HandWrittenWorker;

impl Rule for HandWrittenWorker {
    fn meta(&self) -> Meta {
        Meta {
            id: "windmill-workload",
            component: "windmill",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Windmill worker or server workload instead of the windmill chart's workerGroups",
            replace_with: "the windmill chart's windmill.workerGroups[] (name, replicas, resources, mode, privileged, extraEnv, nodeSelector) and windmill.app.*",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(container) = rules_sdk::smell::local_workload(object, WINDMILL_IMAGES) else { return };
        let role = match container.env("MODE") {
            Some("worker") => "a Windmill worker",
            Some("server") => "the Windmill server",
            _ => "Windmill",
        };
        report
            .flag(
                object,
                format!("{} runs {role} ({}) {}", object.display(), container.image, object.origin().describe()),
            )
            .at(container.field("image"));
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A locally written Deployment, StatefulSet, DaemonSet or Pod whose main container runs a Windmill image
(`ghcr.io/windmill-labs/windmill`, `windmill-ee`, `windmill-extra`, `windmillhub-ee-public`, matched by
repository path so mirrors match): typically an extra worker group written by hand.

## Why it matters
The chart renders one Deployment per worker group with the right `MODE`, `WORKER_GROUP`, database secret,
graceful termination and probes; a hand-written worker drifts from the app's version and configuration.

## What to use instead
`windmill.workerGroups[]` (`name`, `replicas`, `resources`, `mode`, `privileged`, `extraEnv`, `nodeSelector`,
`tolerations`) and `windmill.app.*` in the `windmill` chart.

## Example
```yaml
# Source: platform-windmill/templates/gpu-workers.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/windmill-labs/windmill:1.794.0
          env: [{name: MODE, value: worker}, {name: WORKER_GROUP, value: gpu}]
```
";

/// Instance settings pushed by script.
const SETTINGS_CMDS: &[Cmd] = &[
    Cmd::new(&["wmill"], &["instance", "push"], "wmill instance push"),
    Cmd::new(&["wmill"], &["sync", "push"], "wmill sync push"),
    Cmd {
        programs: &["curl", "wget"],
        words: &[],
        contains: &["/api/settings/global/"],
        what: "curl /api/settings/global/",
    },
];

/// Jobs pushing Windmill instance settings with `wmill` or curl.
pub struct SettingsScript;

impl Rule for SettingsScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "windmill-settings-script",
            component: "windmill",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job pushing Windmill instance settings (`wmill instance|sync push`, curl /api/settings/global/)",
            replace_with: "windmill.operator.enabled: true with windmill.operator.instanceSpec.{global_settings,worker_configs} (rendered to a ConfigMap the operator syncs to the database)",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SETTINGS_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_script(object, report, SETTINGS_CMDS);
    }
}

const SETTINGS_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook running `wmill instance push`,
`wmill sync push`, or `curl …/api/settings/global/…` to set Windmill instance settings.

## Why it matters
Settings pushed by a one-shot script drift as soon as someone edits them in the UI, and the script needs a
superadmin token in the wrapper. The chart's operator reconciles them declaratively.

## What to use instead
`windmill.operator.enabled: true` with `windmill.operator.instanceSpec` (`global_settings`,
`worker_configs`), rendered into a ConfigMap the operator syncs to the database.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: settings
          image: curlimages/curl
          command: [sh, -c, 'curl -X POST -H \"Authorization: Bearer $TOKEN\" $WM/api/settings/global/base_url -d ...']
```
";

/// Template files of the chart's demo Postgres (current and older chart versions).
const DEMO_POSTGRES_TEMPLATES: &[&str] = &["postgresql-demo-app.yaml", "deploy_postgres.yaml"];

/// Is the object the chart's demo Postgres (`postgresql.enabled: true`)?
fn is_demo_postgres(object: &Object) -> bool {
    DEMO_POSTGRES_TEMPLATES.iter().any(|file| object.rendered_from("windmill", file))
        && object.containers().iter().any(|c| catalog::upstream("postgresql").runs(&c.image))
}

/// Demo Postgres, literal database URL and host Docker socket, wherever rendered.
pub struct UnsafeDefaults;

impl Rule for UnsafeDefaults {
    fn meta(&self) -> Meta {
        Meta {
            id: "windmill-unsafe-defaults",
            component: "windmill",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Windmill demo defaults in production: bundled demo Postgres, literal databaseUrl with a password, exposeHostDocker",
            replace_with: "postgresql.enabled: false with a CNPG Cluster, windmill.databaseUrlSecretName + windmill.databaseUrlSecretKey (or databaseUrlAsFile) from an ExternalSecret, windmill.exposeHostDocker: false",
            sources: &[
                "https://github.com/windmill-labs/windmill-helm-charts/blob/main/charts/windmill/values.yaml",
                "https://github.com/cloudnative-pg/charts",
            ],
            kinds: &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DEFAULTS_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !LONG_RUNNING_KINDS.contains(&object.kind.as_str()) {
            return;
        }
        if is_demo_postgres(object) {
            report
                .flag(
                    object,
                    format!(
                        "{} is the windmill chart's demo Postgres (postgresql.enabled: true, \"demo purposes only\", password `windmill`)",
                        object.display()
                    ),
                )
                .at("spec.template.spec.containers[0].image")
                .replace_with("postgresql.enabled: false; a CNPG Cluster with windmill.databaseUrlSecretName/databaseUrlSecretKey");
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        let windmill: Vec<Container> =
            pod.main_containers().into_iter().filter(|c| c.image.matches_any(WINDMILL_IMAGES)).collect();
        if windmill.is_empty() {
            return;
        }
        let mut problems = Vec::new();
        let mut path = None;
        if let Some(c) = windmill.iter().find(|c| c.env("DATABASE_URL").is_some_and(url_has_password)) {
            problems.push("a literal DATABASE_URL with a password (windmill.databaseUrl)");
            path = Some(c.field("env"));
        }
        if pod.host_paths().iter().any(|(_, p)| p.trim_end_matches('/') == "/var/run/docker.sock") {
            problems.push("the host Docker socket mounted (windmill.exposeHostDocker: true)");
            path.get_or_insert_with(|| format!("{}.volumes", pod.path));
        }
        if problems.is_empty() {
            return;
        }
        let draft = report.flag(
            object,
            format!(
                "{} runs Windmill with {} {}",
                object.display(),
                problems.join(" and "),
                object.origin().describe()
            ),
        );
        if let Some(path) = path {
            draft.at(path);
        }
    }
}

const DEFAULTS_DOCS: &str = "\
## What it detects
Upstream defaults of the `windmill` chart that reach production, reported even on chart-rendered objects:
- the demo Postgres of `postgresql.enabled: true` (`windmill/templates/postgresql-demo-app.yaml`, a plain
  `postgres` workload with password `windmill`, \"demo purposes only\" in the chart's values);
- a Windmill container with a literal `DATABASE_URL` carrying a password (the default
  `databaseUrl: postgres://postgres:windmill@windmill-postgresql/…`);
- a Windmill pod mounting `/var/run/docker.sock` (`windmill.exposeHostDocker: true`).

Workers' default `privileged: true` is upstream's sandboxing (nsjail) and is not reported here.

## Why it matters
The demo database has no backups, no HA and a published password; a literal URL puts the database password in
every Deployment spec; the host Docker socket gives every script root on the node.

## What to use instead
`postgresql.enabled: false` and a CNPG `Cluster`; `windmill.databaseUrlSecretName` with
`windmill.databaseUrlSecretKey` (or `databaseUrlAsFile`) fed by an ExternalSecret;
`windmill.exposeHostDocker: false`.

## Example
```yaml
# values.yaml of the wrapper
windmill:
  windmill: {databaseUrlSecretName: windmill-db, databaseUrlSecretKey: url}
  postgresql: {enabled: false}
```
";

rules_sdk::export_rules!(HandWrittenWorker, SettingsScript, UnsafeDefaults);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&HandWrittenWorker, &SettingsScript, &UnsafeDefaults];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "windmill");
    }

    #[test]
    fn upstream_default_render_reports_demo_db_and_literal_url_not_privileged_workers() {
        let yaml = r#"
# Source: windmill/templates/postgresql-demo-app.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: windmill-postgresql-demo-app, namespace: windmill}
spec:
  template:
    spec:
      containers: [{name: postgres, image: "postgres:18", env: [{name: POSTGRES_PASSWORD, value: windmill}]}]
---
# Source: windmill/templates/worker-groups.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: windmill-workers-default
  namespace: windmill
  labels: {chart: windmill-4.0.246, release: windmill, heritage: Helm}
spec:
  template:
    spec:
      containers:
        - name: windmill-worker
          image: ghcr.io/windmill-labs/windmill:1.794.0
          securityContext: {privileged: true}
          env:
            - {name: DATABASE_URL, value: "postgres://postgres:windmill@windmill-postgresql/windmill?sslmode=disable"}
            - {name: MODE, value: worker}
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![
                ("windmill-unsafe-defaults", "Deployment", "windmill-postgresql-demo-app"),
                ("windmill-unsafe-defaults", "Deployment", "windmill-workers-default"),
            ]
        );
    }

    #[test]
    fn legacy_labels_without_source_are_upstream() {
        let yaml = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: windmill-workers-native
  labels: {chart: windmill-4.0.246, heritage: Helm}
spec:
  template:
    spec:
      containers: [{name: w, image: ghcr.io/windmill-labs/windmill:1.794.0}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    #[test]
    fn postgres_outside_the_demo_template_is_not_this_rule() {
        let yaml = r#"
# Source: platform-windmill/templates/postgres.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  template:
    spec:
      containers: [{name: postgres, image: postgres:16}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
