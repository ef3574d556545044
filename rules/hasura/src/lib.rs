//! Hasura GraphQL Engine rules (catalog section 13).
//!
//! The `graphql-engine` chart (hasura/helm-charts) renders the engine from
//! `config.*` and `secret.*` values; the `cli-migrations-v3` image applies
//! metadata and migrations mounted into the engine itself. Its defaults are
//! demo defaults: `secret.adminSecret: "hasura"`, `postgres.enabled: true`
//! (a bundled `postgres:15`) and `config.enableConsole: true`. Those are
//! flagged even when the chart renders them; scripts and engines written by
//! hand are flagged when local.

use rules_sdk::prelude::*;
use rules_sdk::smell::LONG_RUNNING_KINDS;

const SOURCES: &[&str] =
    &["https://github.com/hasura/helm-charts/tree/main/charts/graphql-engine", "https://hasura.github.io/helm-charts/"];

const HASURA_IMAGES: &[&str] = &["hasura/graphql-engine"];

/// Hasura CLI and metadata-API calls that belong to the cli-migrations image.
const METADATA_CMDS: &[Cmd] = &[
    Cmd::new(&["hasura", "hasura-cli"], &["metadata", "apply|reload"], "hasura metadata apply/reload"),
    Cmd::new(&["hasura", "hasura-cli"], &["migrate", "apply"], "hasura migrate apply"),
    Cmd::new(&["hasura", "hasura-cli"], &["seed|seeds", "apply"], "hasura seed apply"),
    Cmd {
        programs: &["curl"],
        words: &[],
        contains: &["/v1/metadata", "replace_metadata"],
        what: "curl /v1/metadata replace_metadata",
    },
    Cmd {
        programs: &["curl"],
        words: &[],
        contains: &["/v1/metadata", "reload_metadata"],
        what: "curl /v1/metadata reload_metadata",
    },
];

/// An init container running the cli-migrations image (the docs warn against it).
fn cli_migrations_init<'a>(object: &'a Object) -> Option<Container<'a>> {
    object.containers().into_iter().find(|c| {
        c.role == ContainerRole::Init
            && c.image.matches_any(HASURA_IMAGES)
            && c.image.tag.as_deref().is_some_and(|t| t.contains("cli-migrations"))
    })
}

/// `hasura metadata apply` / `migrate apply` Jobs and init containers.
pub struct MetadataScript;

impl Rule for MetadataScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "hasura-metadata-script",
            component: "hasura",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or init container running hasura metadata apply / migrate apply / seed apply, or curl /v1/metadata replace_metadata|reload_metadata",
            replace_with: "the graphql-engine chart with image.tag <version>.cli-migrations-v3 and extraVolumes/extraVolumeMounts mounting metadata at /hasura-metadata and migrations at /hasura-migrations (ConfigMap or OCI volume), or apply from CI",
            sources: &[
                "https://hasura.io/docs/latest/migrations-metadata-seeds/auto-apply-migrations/",
                "https://github.com/hasura/helm-charts/tree/main/charts/graphql-engine",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SCRIPT_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if report_script(object, report, METADATA_CMDS) || !object.origin().is_local() {
            return;
        }
        if let Some(c) = cli_migrations_init(object) {
            report
                .flag(
                    object,
                    format!(
                        "{} init container {:?} runs the cli-migrations image ({}), which Hasura says is not intended as an init container",
                        object.display(),
                        c.name,
                        c.image
                    ),
                )
                .at(c.field("image"));
        }
    }
}

const SCRIPT_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, Pod, init container or `postStart` hook running `hasura metadata apply`,
`hasura metadata reload`, `hasura migrate apply` or `hasura seed apply`, or `curl` to `/v1/metadata` with
`replace_metadata` or `reload_metadata`; and an init container running the `*.cli-migrations-v3` image.

## Why it matters
The engine can apply its own metadata and migrations at start-up from mounted directories. A separate
Job races the engine's rollout, needs the admin secret, and leaves metadata drifting between the Job's
last run and the running engine; the docs warn the cli-migrations image is \"not intended … as an init
container\".

## What to use instead
`image.tag: <version>.cli-migrations-v3` in the graphql-engine chart, with `extraVolumes` and
`extraVolumeMounts` putting metadata at `/hasura-metadata` and migrations at `/hasura-migrations`
(`HASURA_GRAPHQL_METADATA_DIR`, `HASURA_GRAPHQL_MIGRATIONS_DIR`), from a ConfigMap or an OCI image volume;
or run `hasura deploy` from CI.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: apply
          image: hasura/graphql-engine:v2.48.6.cli-migrations-v3
          command: [sh, -c, 'hasura metadata apply --endpoint http://hasura:8080 && hasura migrate apply --all-databases']
```
";

/// The upstream default admin secret, plain and base64 (`hasura` → `aGFzdXJh`).
const PLACEHOLDER: &str = "hasura";
const PLACEHOLDER_B64: &str = "aGFzdXJh";

/// The default `secret.adminSecret: "hasura"`, wherever it ends up.
pub struct PlaceholderAdminSecret;

impl Rule for PlaceholderAdminSecret {
    fn meta(&self) -> Meta {
        Meta {
            id: "hasura-placeholder-admin-secret",
            component: "hasura",
            category: Category::InlineSecret,
            severity: Severity::Error,
            summary: "Hasura admin secret left at the chart's placeholder value \"hasura\"",
            replace_with: "secret.enabled: false with an ExternalSecret (ClusterSecretStore backed by OpenBao) named by secret.name holding HASURA_GRAPHQL_ADMIN_SECRET, or at least a generated secret.adminSecret",
            sources: &[
                "https://github.com/hasura/helm-charts/blob/main/charts/graphql-engine/values.yaml",
                "https://hasura.io/docs/latest/deployment/securing-graphql-endpoint/",
            ],
            kinds: &[
                "Secret",
                "ConfigMap",
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
        let key = "HASURA_GRAPHQL_ADMIN_SECRET";
        let value = |field: &str| object.str_at(&format!("/{field}/{key}")).map(str::trim);
        let at = match object.kind.as_str() {
            "Secret" if value("data") == Some(PLACEHOLDER_B64) => Some(format!("data.{key}")),
            "Secret" if value("stringData") == Some(PLACEHOLDER) => Some(format!("stringData.{key}")),
            "ConfigMap" if value("data") == Some(PLACEHOLDER) => Some(format!("data.{key}")),
            _ => object.containers().iter().find(|c| c.env(key) == Some(PLACEHOLDER)).map(|c| c.field("env")),
        };
        if let Some(at) = at {
            report
                .flag(
                    object,
                    format!(
                        "{} sets HASURA_GRAPHQL_ADMIN_SECRET to the chart's placeholder \"hasura\" {}",
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
`HASURA_GRAPHQL_ADMIN_SECRET` equal to `hasura`, the graphql-engine chart's default `secret.adminSecret`:
in a Secret (`data`, base64 `aGFzdXJh`, or `stringData`), a ConfigMap, or a literal container `env` value.
Flagged whatever rendered it, the chart included: the value is public.

## Why it matters
The admin secret grants full access to every table, the metadata API and the console. The placeholder is
in the public chart's values.yaml, so anyone who can reach the endpoint can use it.

## What to use instead
`secret.enabled: false` and an `ExternalSecret` (ClusterSecretStore backed by OpenBao) creating the Secret
named by `secret.name` with `HASURA_GRAPHQL_ADMIN_SECRET` and the metadata database URL.

## Example
```yaml
# Source: graphql-engine/templates/secrets.yaml
kind: Secret
data:
  HASURA_GRAPHQL_ADMIN_SECRET: \"aGFzdXJh\"   # flagged: base64 of \"hasura\"
```
";

/// The bundled `postgres` subchart of graphql-engine left enabled.
pub struct BundledPostgres;

impl Rule for BundledPostgres {
    fn meta(&self) -> Meta {
        Meta {
            id: "hasura-bundled-postgres",
            component: "hasura",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "graphql-engine chart's bundled postgres subchart (postgres:15 Deployment) left enabled (postgres.enabled: true)",
            replace_with: "postgres.enabled: false and secret.metadataDbUrl (or secret.enabled: false with an ExternalSecret named by secret.name), pointing at a CloudNativePG Cluster with a Database CR",
            sources: &[
                "https://github.com/hasura/helm-charts/tree/main/charts/graphql-engine",
                "https://cloudnative-pg.github.io/charts",
            ],
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: POSTGRES_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let bundled =
            object.provenance.template.as_deref().is_some_and(|t| t.contains("graphql-engine/charts/postgres/"));
        if !bundled {
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        let Some(c) = pod.main_containers().into_iter().next() else { return };
        report
            .flag(
                object,
                format!(
                    "{} is the graphql-engine chart's bundled demo PostgreSQL ({}); postgres.enabled defaults to true",
                    object.display(),
                    c.image
                ),
            )
            .at(c.field("image"));
    }
}

const POSTGRES_DOCS: &str = "\
## What it detects
A workload rendered by the `postgres` subchart bundled in the graphql-engine chart (`# Source:` path
`…graphql-engine/charts/postgres/templates/…`), i.e. `postgres.enabled: true`, the chart default.

## Why it matters
The bundled subchart is a single-replica `postgres:15` Deployment (Recreate strategy) with no backups,
failover or upgrades: fine for a demo, data loss waiting to happen in production.

## What to use instead
`postgres.enabled: false` and `secret.metadataDbUrl`, or `secret.enabled: false` with an ExternalSecret named
by `secret.name`, pointing at a CloudNativePG `Cluster` with a `Database` CR for Hasura.

## Example
```yaml
# values of the graphql-engine dependency
postgres:
  enabled: false
secret:
  enabled: false
  name: hasura-secrets   # from an ExternalSecret
```
";

/// A hand-written `hasura/graphql-engine` Deployment.
pub struct HandWrittenEngine;

impl Rule for HandWrittenEngine {
    fn meta(&self) -> Meta {
        Meta {
            id: "hasura-hand-written-engine",
            component: "hasura",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written hasura/graphql-engine Deployment instead of the graphql-engine chart",
            replace_with: "the graphql-engine chart (https://hasura.github.io/helm-charts/) with config.*, secret.* (or secret.enabled: false and an ExternalSecret), postgres.enabled: false, extraEnvs, extraVolumes",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: ENGINE_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_workload(object, report, HASURA_IMAGES, "Hasura GraphQL Engine");
    }
}

const ENGINE_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet or Pod written locally (wrapper template, extraObjects value, or plain YAML such
as a copy of `install-manifests/kubernetes`) whose main container runs `hasura/graphql-engine` (any tag,
also behind a mirror).

## Why it matters
The chart renders the engine with probes, config and secret wiring, the metadata-only database switch,
autoscaling and the cli-migrations volume mounts; a hand-written copy drifts from each release.

## What to use instead
The `graphql-engine` chart from `https://hasura.github.io/helm-charts/`: `config.*`, `secret.*` (or
`secret.enabled: false` plus an ExternalSecret), `postgres.enabled: false`, `extraEnvs`, `extraVolumes`.

## Example
```yaml
# Source: platform-hasura/templates/hasura.yaml
kind: Deployment
spec:
  template:
    spec:
      containers: [{name: hasura, image: hasura/graphql-engine:v2.48.6}]   # flagged
```
";

/// Settings that must be off in production, as rendered by the chart.
const DEV_SETTINGS: &[(&str, &str)] = &[
    ("HASURA_GRAPHQL_DEV_MODE", "config.devMode: false"),
    ("HASURA_GRAPHQL_ENABLE_CONSOLE", "config.enableConsole: false"),
];

/// `config.devMode` or the console enabled.
pub struct DevModeOrConsole;

impl Rule for DevModeOrConsole {
    fn meta(&self) -> Meta {
        Meta {
            id: "hasura-dev-mode-console",
            component: "hasura",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Hasura dev mode (HASURA_GRAPHQL_DEV_MODE) or the console (HASURA_GRAPHQL_ENABLE_CONSOLE, chart default true) enabled",
            replace_with: "config.enableConsole: false and config.devMode: false in the graphql-engine chart; run the console locally with hasura console against the API",
            sources: &[
                "https://github.com/hasura/helm-charts/blob/main/charts/graphql-engine/values.yaml",
                "https://hasura.io/docs/latest/deployment/production-checklist/",
            ],
            kinds: &[
                "ConfigMap",
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
            ],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DEV_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let on = |v: Option<&str>| v.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let mut found: Vec<(String, &str, &str)> = Vec::new();
        if object.kind == "ConfigMap" {
            for (key, fix) in DEV_SETTINGS {
                if on(object.str_at(&format!("/data/{key}"))) {
                    found.push((format!("data.{key}"), key, fix));
                }
            }
        } else {
            for c in object.containers() {
                for (key, fix) in DEV_SETTINGS {
                    if on(c.env(key)) {
                        found.push((c.field("env"), key, fix));
                    }
                }
            }
        }
        let Some((at, _, _)) = found.first() else { return };
        let keys: Vec<&str> = found.iter().map(|(_, k, _)| *k).collect();
        let fixes: Vec<&str> = found.iter().map(|(_, _, f)| *f).collect();
        report
            .flag(
                object,
                format!("{} turns on {} {}", object.display(), keys.join(" and "), object.origin().describe()),
            )
            .at(at.clone())
            .replace_with(fixes.join(", "));
    }
}

const DEV_DOCS: &str = "\
## What it detects
`HASURA_GRAPHQL_DEV_MODE` or `HASURA_GRAPHQL_ENABLE_CONSOLE` set to `true`: in the chart's ConfigMap (it
renders `config.enableConsole`, which defaults to `true`) or in a literal container `env` value. Flagged
whatever rendered it.

## Why it matters
Dev mode returns internal error details (SQL, stack context) to clients; the console is a full admin UI on
the public endpoint, protected only by the admin secret.

## What to use instead
`config.enableConsole: false` and `config.devMode: false` in the graphql-engine chart; developers run
`hasura console` locally against the API, or the console sits behind Pomerium.

## Example
```yaml
# values of the graphql-engine dependency
config:
  enableConsole: false
  devMode: false
```
";

rules_sdk::export_rules!(MetadataScript, PlaceholderAdminSecret, BundledPostgres, HandWrittenEngine, DevModeOrConsole);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] =
        &[&MetadataScript, &PlaceholderAdminSecret, &BundledPostgres, &HandWrittenEngine, &DevModeOrConsole];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "hasura");
    }

    #[test]
    fn chart_defaults_rendered_directly_are_flagged() {
        let yaml = r#"
# Source: graphql-engine/templates/secrets.yaml
apiVersion: v1
kind: Secret
metadata: {name: hasura-secrets, namespace: hasura}
data: {HASURA_GRAPHQL_METADATA_DATABASE_URL: "cG9zdGdyZXM6Ly8=", HASURA_GRAPHQL_ADMIN_SECRET: "aGFzdXJh"}
---
# Source: graphql-engine/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: hasura-graphql-engine-configs, namespace: hasura}
data: {HASURA_GRAPHQL_ENABLE_CONSOLE: "true"}
---
# Source: graphql-engine/charts/postgres/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: hasura-postgres, namespace: hasura, labels: {app: hasura-postgres}}
spec:
  template:
    spec:
      containers: [{name: postgres, image: "postgres:15"}]
---
# Source: graphql-engine/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: hasura-graphql-engine, namespace: hasura}
spec:
  template:
    spec:
      containers: [{name: graphql-engine, image: "hasura/graphql-engine:v2.48.6"}]
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![
                ("hasura-bundled-postgres", "Deployment", "hasura-postgres"),
                ("hasura-dev-mode-console", "ConfigMap", "hasura-graphql-engine-configs"),
                ("hasura-placeholder-admin-secret", "Secret", "hasura-secrets"),
            ]
        );
    }

    #[test]
    fn cli_migrations_as_init_container_is_flagged() {
        let yaml = r#"
# Source: platform-hasura/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-api, namespace: orders}
spec:
  template:
    spec:
      initContainers: [{name: migrate, image: "hasura/graphql-engine:v2.48.6.cli-migrations-v3"}]
      containers: [{name: api, image: "ghcr.io/example/orders-api:1.0"}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("hasura-metadata-script", "Deployment", "orders-api")]);
        assert!(findings[0].message.contains("not intended as an init container"), "{}", findings[0].message);
    }

    #[test]
    fn curl_replace_metadata() {
        let yaml = r#"
apiVersion: batch/v1
kind: Job
metadata: {name: reload, namespace: hasura}
spec:
  template:
    spec:
      containers:
        - name: c
          image: curlimages/curl
          command: [sh, -c, "curl -sf -X POST http://hasura:8080/v1/metadata -H \"X-Hasura-Admin-Secret: $S\" -d '{\"type\":\"reload_metadata\",\"args\":{}}'"]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("hasura-metadata-script", "Job", "reload")]);
    }
}
