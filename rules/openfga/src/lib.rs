//! OpenFGA rules (catalog section 23).
//!
//! The `openfga` chart renders the server Deployment and its own `<release>-migrate`
//! Job (`openfga migrate`, driven by `datastore.applyMigrations`,
//! `datastore.waitForMigrations` and `datastore.migrationType`); that Job is
//! upstream and allowed. A wrapper's own migrate Job, a hand-written server
//! Deployment, and non-idempotent `fga store create` / `model write` Jobs are
//! reported, and so are the chart's insecure defaults (memory engine,
//! playground on, no authn, literal datastore URI, deprecated Bitnami
//! subcharts) wherever they are rendered.

use rules_sdk::prelude::*;
use rules_sdk::shell::{self, url_has_password};
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};

const SOURCES: &[&str] = &[
    "https://github.com/openfga/helm-charts/tree/main/charts/openfga",
    "https://openfga.github.io/helm-charts",
    "https://openfga.dev/docs/getting-started/setup-openfga/kubernetes",
];

const OPENFGA_IMAGES: &[&str] = &["openfga/openfga"];

/// Does the container run `openfga migrate`: explicitly, or as the argument to
/// the image's `openfga` entrypoint (`args: [migrate]`, as the chart does)?
fn runs_migrate(container: &Container, command_line: &str) -> bool {
    if shell::invokes(command_line, "openfga", &["migrate"]) {
        return true;
    }
    container.image.matches_any(OPENFGA_IMAGES)
        && container.body.get("command").is_none()
        && shell::simple_commands(command_line).first().and_then(|w| w.first()).is_some_and(|w| w == "migrate")
}

/// A wrapper Job (or initContainer) running `openfga migrate` next to the chart's own.
pub struct DuplicateMigrate;

impl Rule for DuplicateMigrate {
    fn meta(&self) -> Meta {
        Meta {
            id: "openfga-duplicate-migrate",
            component: "openfga",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Locally written Job or initContainer running `openfga migrate`, duplicating the chart's migrate Job",
            replace_with: "the openfga chart's own <release>-migrate Job: datastore.applyMigrations: true, datastore.waitForMigrations: true, datastore.migrationType: job",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: MIGRATE_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(script) = smell::scripts(object).into_iter().find(|s| runs_migrate(&s.container, &s.command_line))
        else {
            return;
        };
        report
            .flag(
                object,
                format!(
                    "{} {} {:?} runs `openfga migrate` {}; the chart's <release>-migrate Job already does",
                    object.display(),
                    script.place,
                    script.container.name,
                    object.origin().describe()
                ),
            )
            .at(script.field);
    }
}

const MIGRATE_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook that runs `openfga migrate`, either
as a command or as the `migrate` argument to the `openfga/openfga` image's entrypoint. The chart's own
`<release>-migrate` Job (`templates/job.yaml`) is upstream and never reported.

## Why it matters
The chart already runs migrations as a hook and makes the server wait for them (`k8s-wait-for`). A second
migrate Job races it on every upgrade and keeps a copy of the datastore credentials in the wrapper.

## What to use instead
`datastore.applyMigrations: true`, `datastore.waitForMigrations: true`, `datastore.migrationType: job`
(or `initContainer`).

## Example
```yaml
# Source: platform-authz/templates/migrate.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: openfga/openfga:v1.18.3
          args: [migrate, --datastore-engine, postgres]
```
";

/// `fga` CLI commands that create stores, write models or tuples.
const FGA_CMDS: &[Cmd] = &[
    Cmd::new(&["fga"], &["store", "create|import"], "fga store create/import"),
    Cmd::new(&["fga"], &["model", "write"], "fga model write"),
    Cmd::new(&["fga"], &["tuple", "write"], "fga tuple write"),
];

/// `fga` commands that look up what exists: a script using one is taken to be idempotent.
const FGA_EXISTENCE_CHECKS: &[Cmd] = &[
    Cmd::new(&["fga"], &["store", "list|get"], "fga store list"),
    Cmd::new(&["fga"], &["model", "list|get"], "fga model get"),
    Cmd::new(&["fga"], &["tuple", "read"], "fga tuple read"),
];

/// Does some simple command of `command_line` run one of [`FGA_EXISTENCE_CHECKS`]?
/// The `fga` word may follow shell keywords (`if fga store list …; then`), so the
/// check starts at every `fga` word, not only at the first word.
fn looks_up_store(command_line: &str) -> bool {
    shell::simple_commands(command_line).iter().any(|words| {
        words.iter().enumerate().any(|(i, w)| {
            w.rsplit('/').next() == Some("fga") && FGA_EXISTENCE_CHECKS.iter().any(|c| c.matches(&words[i..]))
        })
    })
}

/// Jobs creating OpenFGA stores, models or tuples without an existence check.
pub struct StoreBootstrap;

impl Rule for StoreBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "openfga-store-bootstrap",
            component: "openfga",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job running `fga store create`, `fga model write` or `fga tuple write` with no existence check",
            replace_with: "an idempotent `fga store import --file store.fga.yaml` run from CI (or a Job that first looks the store up with `fga store list`), with the store id passed to clients from a Secret",
            sources: &[
                "https://github.com/openfga/cli",
                "https://openfga.dev/docs/getting-started/cli",
                "https://github.com/openfga/helm-charts/tree/main/charts/openfga",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: STORE_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some((script, cmd)) = smell::find_script(object, FGA_CMDS) else { return };
        // The whole pod's scripts: a lookup in an initContainer guards the main container too.
        let checked = smell::scripts(object).iter().any(|s| looks_up_store(&s.command_line));
        if checked {
            return;
        }
        report
            .flag(
                object,
                format!(
                    "{} {} {:?} runs `{}` on every run without checking whether the store exists {}",
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

const STORE_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod or initContainer running `fga store create|import`, `fga model write`
or `fga tuple write` with no `fga store list|get` / `fga model list|get` / `fga tuple read` lookup anywhere in
the pod: it creates a new store (or a new model version) every time it runs.

## Why it matters
OpenFGA has no operator or CRD reconciling stores and models, so this is integration code, and it must be
idempotent. A hook Job that runs `fga store create` on every sync leaves a trail of orphan stores and clients
pointing at the wrong one.

## What to use instead
`fga store import --file store.fga.yaml` run from CI against a known store id, or a Job that looks the store up
first (`fga store list`) and only then writes the model; pass the store id to clients from a Secret.

## Example
```yaml
kind: Job
metadata:
  annotations: {helm.sh/hook: post-install,post-upgrade}
spec:
  template:
    spec:
      containers:
        - name: bootstrap
          image: openfga/cli:v0.6
          command: [sh, -c, 'fga store create --name platform --model /model/model.fga']
```
";

/// A hand-written OpenFGA server Deployment.
pub struct HandWrittenServer;

impl Rule for HandWrittenServer {
    fn meta(&self) -> Meta {
        Meta {
            id: "openfga-workload",
            component: "openfga",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written OpenFGA server workload instead of the openfga chart",
            replace_with: "the openfga chart (https://openfga.github.io/helm-charts) with datastore.engine: postgres, datastore.uriSecret, authn.method: preshared|oidc and playground.enabled: false",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_workload(object, report, OPENFGA_IMAGES, "OpenFGA");
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A locally written Deployment, StatefulSet, DaemonSet or Pod whose main container runs `openfga/openfga`
(matched by repository path, so mirrors match).

## Why it matters
The chart wires migrations, the wait-for-migration init container, probes, metrics and the datastore secret;
a hand-written server re-does all of it and usually ships the insecure defaults (memory engine, playground).

## What to use instead
The `openfga` chart with `datastore.engine: postgres`, `datastore.uriSecret` (from an ExternalSecret),
`authn.method: preshared` with `authn.preshared.keysSecret` (or `oidc`), `playground.enabled: false`.

## Example
```yaml
# Source: platform-authz/templates/openfga.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: openfga
          image: openfga/openfga:v1.18.3
          args: [run]
```
";

/// The chart's insecure defaults, wherever the server is rendered.
pub struct InsecureDefaults;

/// Deprecated Bitnami datastore subcharts bundled in the openfga chart.
const BUNDLED_SUBCHARTS: &[&str] = &["openfga/charts/postgresql/", "openfga/charts/mysql/"];

impl InsecureDefaults {
    /// The insecure settings of an OpenFGA server container.
    fn problems(container: &Container) -> Vec<&'static str> {
        let mut out = Vec::new();
        let engine = container.env("OPENFGA_DATASTORE_ENGINE");
        let has_engine = container.env_names().contains(&"OPENFGA_DATASTORE_ENGINE");
        if engine == Some("memory") || (!has_engine && !container.command_line().contains("--datastore-engine")) {
            out.push("datastore engine `memory` (data lost on restart, no replicas)");
        }
        if container.env("OPENFGA_PLAYGROUND_ENABLED") == Some("true") {
            out.push("playground enabled");
        }
        let authn = container.env("OPENFGA_AUTHN_METHOD");
        let has_authn = container.env_names().contains(&"OPENFGA_AUTHN_METHOD");
        if (!has_authn || authn == Some("none") || authn == Some(""))
            && !container.command_line().contains("--authn-method")
        {
            out.push("no authentication (authn.method unset)");
        }
        if container.env("OPENFGA_DATASTORE_URI").is_some_and(url_has_password) {
            out.push("literal datastore URI with a password");
        }
        out
    }
}

impl Rule for InsecureDefaults {
    fn meta(&self) -> Meta {
        Meta {
            id: "openfga-insecure-defaults",
            component: "openfga",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "OpenFGA server with the chart's insecure defaults: memory engine, playground on, no authn, literal datastore URI, bundled Bitnami datastores",
            replace_with: "datastore.engine: postgres with datastore.uriSecret (or datastore.existingSecret + secretKeys.uriKey), authn.method: preshared with authn.preshared.keysSecret (or oidc), playground.enabled: false, postgresql.enabled: false and mysql.enabled: false with a CNPG Database",
            sources: SOURCES,
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
        let template = object.provenance.template.as_deref().unwrap_or("");
        if BUNDLED_SUBCHARTS.iter().any(|p| template.contains(p)) && object.pod_spec().is_some() {
            report
                .flag(
                    object,
                    format!(
                        "{} is the openfga chart's bundled Bitnami datastore ({template}), deprecated upstream",
                        object.display()
                    ),
                )
                .replace_with("postgresql.enabled: false, mysql.enabled: false; datastore.engine: postgres with datastore.uriSecret pointing at a CNPG Cluster/Database");
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        for container in pod.main_containers() {
            if !container.image.matches_any(OPENFGA_IMAGES) {
                continue;
            }
            // The server (`run`), not a test or migrate container.
            let line = container.command_line();
            if !shell::simple_commands(&line).iter().any(|w| w.iter().any(|x| x == "run")) {
                continue;
            }
            let problems = Self::problems(&container);
            if problems.is_empty() {
                continue;
            }
            report
                .flag(
                    object,
                    format!(
                        "{} runs OpenFGA with {} {}",
                        object.display(),
                        problems.join(", "),
                        object.origin().describe()
                    ),
                )
                .at(container.field("env"));
            return;
        }
    }
}

const DEFAULTS_DOCS: &str = "\
## What it detects
An OpenFGA server container (`openfga/openfga … run`), rendered by the chart or written locally, with any of
the chart's insecure defaults: `OPENFGA_DATASTORE_ENGINE=memory` (or no engine at all),
`OPENFGA_PLAYGROUND_ENABLED=true`, no `OPENFGA_AUTHN_METHOD` (or `none`), or a literal
`OPENFGA_DATASTORE_URI` carrying a password. Also the chart's bundled Bitnami `postgresql`/`mysql`
subcharts (`openfga/charts/{postgresql,mysql}/…`), deprecated upstream and on `bitnamilegacy` images.
One finding per workload lists every problem.

## Why it matters
The memory engine loses every store and tuple on restart, the playground exposes an unauthenticated UI, and
without authn any pod that reaches the API can rewrite authorization data.

## What to use instead
`datastore.engine: postgres` with `datastore.uriSecret` (or `datastore.existingSecret` with
`secretKeys.uriKey`) from an ExternalSecret and a CNPG `Database`; `authn.method: preshared` with
`authn.preshared.keysSecret`, or `oidc`; `playground.enabled: false`; `postgresql.enabled: false`,
`mysql.enabled: false`.

## Example
```yaml
# values.yaml of the wrapper
openfga:
  datastore: {engine: postgres, uriSecret: openfga-datastore-uri}
  authn: {method: preshared, preshared: {keysSecret: openfga-preshared-keys}}
  playground: {enabled: false}
```
";

rules_sdk::export_rules!(DuplicateMigrate, StoreBootstrap, HandWrittenServer, InsecureDefaults);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&DuplicateMigrate, &StoreBootstrap, &HandWrittenServer, &InsecureDefaults];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "openfga");
    }

    #[test]
    fn upstream_migrate_job_is_allowed_wrapper_one_is_not() {
        let yaml = r#"
# Source: openfga/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: openfga-migrate, labels: {helm.sh/chart: openfga-0.3.12}}
spec:
  template:
    spec:
      containers: [{name: migrate-database, image: "openfga/openfga:v1.18.3", args: [migrate]}]
---
# Source: platform-authz/templates/migrate.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: authz-migrate}
spec:
  template:
    spec:
      containers: [{name: m, image: "mirror.corp/openfga/openfga:v1.18.3", args: [migrate]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("openfga-duplicate-migrate", "Job", "authz-migrate")]);
    }

    #[test]
    fn store_bootstrap_with_lookup_is_idempotent() {
        let yaml = r#"
apiVersion: batch/v1
kind: Job
metadata: {name: guarded}
spec:
  template:
    spec:
      containers:
        - name: b
          image: openfga/cli
          command: [sh, -c, "fga store list | grep -q platform || fga store create --name platform --model model.fga"]
---
apiVersion: batch/v1
kind: Job
metadata: {name: blind}
spec:
  template:
    spec:
      containers:
        - {name: b, image: openfga/cli, command: [fga, model, write, --store-id, "$STORE", --file, model.fga]}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("openfga-store-bootstrap", "Job", "blind")]);
    }

    #[test]
    fn defaults_flagged_on_upstream_render_once() {
        let yaml = r#"
# Source: openfga/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: openfga, labels: {helm.sh/chart: openfga-0.3.12}}
spec:
  template:
    spec:
      initContainers: [{name: wait-for-migration, image: "groundnuty/k8s-wait-for:v2.0", args: [job-wr, openfga-migrate]}]
      containers:
        - name: openfga
          image: openfga/openfga:v1.18.3
          args: [run]
          env:
            - {name: OPENFGA_DATASTORE_ENGINE, value: memory}
            - {name: OPENFGA_PLAYGROUND_ENABLED, value: "true"}
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("openfga-insecure-defaults", "Deployment", "openfga")]);
        let m = &findings[0].message;
        assert!(m.contains("memory") && m.contains("playground") && m.contains("no authentication"), "{m}");
    }

    #[test]
    fn url_passwords() {
        assert!(url_has_password("postgres://openfga:s3cret@pg:5432/openfga?sslmode=disable"));
        assert!(!url_has_password("postgres://pg:5432/openfga"));
        assert!(!url_has_password("postgres://openfga@pg:5432/openfga"));
    }
}
