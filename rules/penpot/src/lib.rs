//! Penpot rules (catalog section 26, with PostgreSQL and Valkey).
//!
//! Since chart 1.0 the `penpot` chart no longer bundles Bitnami PostgreSQL or
//! Valkey/Redis: the database and cache are external, through
//! `config.postgresql.*` and `config.redis.*` with `existingSecret` and URI
//! keys. A wrapper that re-adds the Bitnami charts, writes its own datastore
//! StatefulSets or creates the database with `psql` reinvents what a CNPG
//! `Cluster` and the `valkey` chart do. The chart's default `apiSecretKey` and
//! literal database passwords are reported wherever they are rendered.

use std::collections::BTreeSet;

use rules_sdk::catalog::{self, Upstream};
use rules_sdk::prelude::*;
use rules_sdk::shell::url_has_password;
use rules_sdk::smell::LONG_RUNNING_KINDS;

const SOURCES: &[&str] = &[
    "https://github.com/penpot/penpot-helm/tree/main/charts/penpot",
    "https://helm.penpot.app/",
    "https://help.penpot.app/technical-guide/configuration/",
];

const PENPOT_IMAGES: &[&str] = &["penpotapp/backend", "penpotapp/frontend", "penpotapp/exporter", "penpotapp/mcp"];

/// The datastores Penpot needs.
const DATASTORES: &[&str] = &["postgresql", "valkey", "redis"];

/// Bitnami datastore images (the dependencies removed in chart 1.0).
const BITNAMI_DATASTORE_IMAGES: &[&str] = &[
    "bitnami/postgresql",
    "bitnamilegacy/postgresql",
    "bitnami/valkey",
    "bitnamilegacy/valkey",
    "bitnami/redis",
    "bitnamilegacy/redis",
];

/// Groups (wrapper charts or plain-YAML files) that deploy Penpot.
fn penpot_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| {
        o.containers().iter().any(|c| c.image.matches_any(PENPOT_IMAGES))
            || o.release_chart().is_some_and(|c| c.contains("penpot"))
            || o.provenance.chart.as_deref() == Some("penpot")
    })
}

fn datastore(image: &Image) -> Option<&'static Upstream> {
    DATASTORES.iter().map(|k| catalog::upstream(k)).find(|u| u.runs(image))
}

/// Hand-written or re-added Bitnami PostgreSQL / Valkey / Redis next to Penpot.
pub struct Datastore;

impl Rule for Datastore {
    fn meta(&self) -> Meta {
        Meta {
            id: "penpot-datastore",
            component: "penpot",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written PostgreSQL/Valkey/Redis workload, or a re-added Bitnami subchart, in the Penpot wrapper",
            replace_with: "a CNPG Cluster (bootstrap.initdb.{database,owner,secret}) and the valkey chart, wired through config.postgresql.{host,existingSecret,secretKeys.*} and config.redis.{host,existingSecret,secretKeys.redisUriKey}",
            sources: &[
                "https://github.com/penpot/penpot-helm/tree/main/charts/penpot",
                "https://github.com/cloudnative-pg/charts",
                "https://github.com/valkey-io/valkey-helm",
            ],
            kinds: &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: DATASTORE_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = penpot_groups(objects);
        for object in objects.iter().filter(|o| groups.contains(&o.group())) {
            if !LONG_RUNNING_KINDS.contains(&object.kind.as_str()) {
                continue;
            }
            let Some(pod) = object.pod_spec() else { continue };
            let Some((container, upstream)) =
                pod.main_containers().into_iter().find_map(|c| datastore(&c.image).map(|u| (c, u)))
            else {
                continue;
            };
            let origin = object.origin();
            let message = if origin.is_local() {
                format!(
                    "{} runs {} ({}) {}; Penpot's datastores belong to CNPG and the valkey chart",
                    object.display(),
                    upstream.name,
                    container.image,
                    origin.describe()
                )
            } else if object.is_upstream_subchart() && container.image.matches_any(BITNAMI_DATASTORE_IMAGES) {
                format!(
                    "{} is a Bitnami {} subchart re-added to the Penpot wrapper ({}); penpot 1.0 removed these dependencies",
                    object.display(),
                    upstream.name,
                    container.image
                )
            } else {
                continue;
            };
            report
                .flag(object, message)
                .at(container.field("image"))
                .replace_with(if upstream.key == "postgresql" {
                    "a CNPG Cluster with bootstrap.initdb.{database: penpot, owner: penpot, secret}, wired through config.postgresql.{host,existingSecret,secretKeys.*}"
                } else {
                    "the valkey chart (auth.enabled, auth.usersExistingSecret), wired through config.redis.{host,existingSecret,secretKeys.redisUriKey}"
                });
        }
    }
}

const DATASTORE_DOCS: &str = "\
## What it detects
In a wrapper that deploys Penpot (a `penpotapp/*` image, or a chart named after it):
- a locally written PostgreSQL, Valkey or Redis workload (matched by image: `postgres`, `bitnami*/postgresql`,
  `valkey/valkey`, `redis`, ... also behind registry mirrors);
- a Bitnami `postgresql`, `valkey` or `redis` subchart the wrapper re-added as its own dependency
  (`W/charts/postgresql/…` running a `bitnami`/`bitnamilegacy` image). The official `valkey` chart
  (`valkey/valkey` image) is the replacement and is not reported.

## Why it matters
Penpot chart 1.0 removed the Bitnami dependencies (\"Remove support for Bitnami charts\"); the Bitnami images
moved to the unmaintained `bitnamilegacy` namespace. A hand-written database has no failover or backups.

## What to use instead
A CNPG `Cluster` with `bootstrap.initdb.{database,owner,secret}` and the `valkey` chart in standalone mode,
wired into Penpot with `config.postgresql.{host,existingSecret,secretKeys.{postgresqlUriKey,usernameKey,
passwordKey}}` and `config.redis.{host,existingSecret,secretKeys.redisUriKey}`.

## Example
```yaml
# Source: platform-design/charts/postgresql/templates/primary/statefulset.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: postgresql
          image: docker.io/bitnamilegacy/postgresql:16.4.0   # use a CNPG Cluster
```
";

/// `psql … CREATE DATABASE` / `createdb`.
const CREATE_DB_CMDS: &[Cmd] = &[
    Cmd { programs: &["psql"], words: &[], contains: &["create database"], what: "psql CREATE DATABASE" },
    Cmd { programs: &["psql"], words: &[], contains: &["create user"], what: "psql CREATE USER" },
    Cmd { programs: &["psql"], words: &[], contains: &["create role"], what: "psql CREATE ROLE" },
    Cmd::new(&["createdb"], &[], "createdb"),
    Cmd::new(&["createuser"], &[], "createuser"),
];

/// Jobs creating Penpot's database or role with psql.
pub struct CreateDatabase;

impl Rule for CreateDatabase {
    fn meta(&self) -> Meta {
        Meta {
            id: "penpot-create-database",
            component: "penpot",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job in the Penpot wrapper creating the database or role with psql (CREATE DATABASE, createdb)",
            replace_with: "CNPG bootstrap.initdb.{database,owner,secret} on the Cluster, or a CNPG Database CR (and a DatabaseRole / managed.roles for the owner)",
            sources: &[
                "https://cloudnative-pg.io/documentation/current/bootstrap/",
                "https://cloudnative-pg.io/documentation/current/declarative_database_management/",
                "https://github.com/penpot/penpot-helm/tree/main/charts/penpot",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: CREATE_DB_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = penpot_groups(objects);
        for object in objects.iter().filter(|o| groups.contains(&o.group())) {
            report_script(object, report, CREATE_DB_CMDS);
        }
    }
}

const CREATE_DB_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook in the Penpot wrapper running
`psql` with `CREATE DATABASE` / `CREATE USER` / `CREATE ROLE`, or `createdb` / `createuser`.

## Why it matters
Database bootstrap by script runs once, races the database's readiness, and keeps superuser credentials in
the wrapper. CloudNativePG creates the database and its owner declaratively.

## What to use instead
`bootstrap.initdb.{database: penpot, owner: penpot, secret: {name: penpot-db}}` on a CNPG `Cluster`, or a
`Database` CR (`postgresql.cnpg.io/v1`) on a shared cluster; point Penpot at it with
`config.postgresql.{host,existingSecret,secretKeys.*}`.

## Example
```yaml
# Source: platform-design/templates/create-db.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: createdb
          image: postgres:16
          command: [sh, -c, 'psql -h penpot-pg -U postgres -c \"CREATE DATABASE penpot OWNER penpot\"']
```
";

/// The chart's published default `config.apiSecretKey` (penpot-helm `values.yaml`).
const DEFAULT_API_SECRET_KEY: &str =
    "kmZ96pAxhTgk3HZvvBkPeVTspGBneKVLEpO_3ecORs_gwACENZ77z05zCe7skvPsQ3jI3QgkULQOWCuLjmjQsg";

/// Default secret key and literal database/cache passwords, wherever rendered.
pub struct DefaultSecrets;

impl Rule for DefaultSecrets {
    fn meta(&self) -> Meta {
        Meta {
            id: "penpot-default-secrets",
            component: "penpot",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Penpot running with the chart's published default apiSecretKey, or with literal database/Redis passwords",
            replace_with: "config.existingSecret with config.secretKeys.apiSecretKey, config.postgresql.existingSecret with secretKeys.{postgresqlUriKey,usernameKey,passwordKey}, config.redis.existingSecret with secretKeys.redisUriKey, all fed by ExternalSecrets",
            sources: SOURCES,
            kinds: &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: SECRETS_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(pod) = object.pod_spec() else { return };
        let mut problems = Vec::new();
        let mut path = None;
        let mut default_key = false;
        for c in pod.main_containers().into_iter().filter(|c| c.image.matches_any(PENPOT_IMAGES)) {
            let mut note = |problem: &'static str, c: &Container| {
                if !problems.contains(&problem) {
                    problems.push(problem);
                }
                path.get_or_insert_with(|| c.field("env"));
            };
            if c.env("PENPOT_SECRET_KEY") == Some(DEFAULT_API_SECRET_KEY) {
                default_key = true;
                note("the chart's published default apiSecretKey (PENPOT_SECRET_KEY)", &c);
            }
            if c.env("PENPOT_DATABASE_PASSWORD").is_some_and(|p| !p.is_empty()) {
                note("a literal PENPOT_DATABASE_PASSWORD", &c);
            }
            if c.env("PENPOT_DATABASE_URI").is_some_and(url_has_password) {
                note("a password in PENPOT_DATABASE_URI", &c);
            }
            if c.env("PENPOT_REDIS_URI").is_some_and(url_has_password) {
                note("a password in PENPOT_REDIS_URI", &c);
            }
        }
        if problems.is_empty() {
            return;
        }
        let draft = report.flag(
            object,
            format!("{} runs Penpot with {} {}", object.display(), problems.join(", "), object.origin().describe()),
        );
        if let Some(path) = path {
            draft.at(path);
        }
        if default_key {
            // Anyone can forge session tokens with a key published in the chart.
            draft.severity(Severity::Error);
        }
    }
}

const SECRETS_DOCS: &str = "\
## What it detects
A Penpot container (`penpotapp/*`), rendered by the chart or written locally, with:
- `PENPOT_SECRET_KEY` equal to the chart's published default `config.apiSecretKey` (`kmZ96pAx…`), reported
  as an error;
- a literal `PENPOT_DATABASE_PASSWORD` (the chart default is `penpot`), or a password inside
  `PENPOT_DATABASE_URI` or `PENPOT_REDIS_URI`.

One finding per workload lists every problem.

## Why it matters
The default key is public: anyone can forge session tokens for an instance that keeps it. Literal passwords
sit in every rendered Deployment and in Git.

## What to use instead
`config.existingSecret` with `config.secretKeys.apiSecretKey`, `config.postgresql.existingSecret` with
`secretKeys.{postgresqlUriKey,usernameKey,passwordKey}` and `config.redis.existingSecret` with
`secretKeys.redisUriKey`, all Secrets produced by ExternalSecrets.

## Example
```yaml
# values.yaml of the wrapper
penpot:
  config:
    existingSecret: penpot-api
    secretKeys: {apiSecretKey: api-secret-key}
    postgresql: {existingSecret: penpot-db, secretKeys: {usernameKey: username, passwordKey: password}}
```
";

rules_sdk::export_rules!(Datastore, CreateDatabase, DefaultSecrets);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&Datastore, &CreateDatabase, &DefaultSecrets];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "penpot");
    }

    #[test]
    fn default_key_is_an_error_even_upstream() {
        let yaml = format!(
            r#"
# Source: penpot/templates/backend-deployment.yml
apiVersion: apps/v1
kind: Deployment
metadata: {{name: penpot-backend, labels: {{helm.sh/chart: penpot-1.7.0}}}}
spec:
  template:
    spec:
      containers:
        - name: penpot-backend
          image: penpotapp/backend:2.17.0
          env:
            - {{name: PENPOT_SECRET_KEY, value: "{DEFAULT_API_SECRET_KEY}"}}
            - {{name: PENPOT_DATABASE_USERNAME, value: penpot}}
            - {{name: PENPOT_DATABASE_PASSWORD, value: penpot}}
"#
        );
        let findings = check_yaml(RULES, &yaml);
        assert_eq!(keys(&findings), vec![("penpot-default-secrets", "Deployment", "penpot-backend")]);
        assert_eq!(findings[0].severity, "error");
        assert!(findings[0].message.contains("PENPOT_DATABASE_PASSWORD"), "{}", findings[0].message);
    }

    #[test]
    fn datastores_outside_penpot_and_official_valkey_are_not_reported() {
        let yaml = r#"
# Source: platform-design/charts/penpot/templates/backend-deployment.yml
apiVersion: apps/v1
kind: Deployment
metadata: {name: penpot-backend, labels: {helm.sh/chart: penpot-1.7.0}}
spec:
  template:
    spec:
      containers: [{name: b, image: penpotapp/backend:2.17.0}]
---
# Source: platform-design/charts/valkey/templates/deploy_valkey.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: penpot-valkey, labels: {helm.sh/chart: valkey-0.11.0}}
spec:
  template:
    spec:
      containers: [{name: valkey, image: docker.io/valkey/valkey:9.1.1}]
---
# Source: billing/templates/pg.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: billing-pg}
spec:
  template:
    spec:
      containers: [{name: pg, image: postgres:16}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
