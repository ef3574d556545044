//! Supabase rules (catalog section 18).
//!
//! The community `supabase` chart
//! (https://supabase-community.github.io/supabase-kubernetes) renders Storage,
//! Realtime and the other Supabase services behind `deployment.<svc>.enabled`,
//! configures them through `environment.<svc>` and takes credentials from
//! existing Secrets (`secret.*.secretRef`). Storage and Realtime run their own
//! migrations and the `supabase/postgres` image ships the roles, so wrapper
//! Deployments, `psql` schema/role Jobs and `mc mb` bucket Jobs reinvent the
//! chart. The demo JWT keys and placeholder secrets of the chart's
//! `values.yaml` are flagged wherever they are rendered.

use std::collections::BTreeSet;

use rules_sdk::prelude::*;
use rules_sdk::secret;
use rules_sdk::shell;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/supabase-community/supabase-kubernetes/tree/main/charts/supabase",
    "https://supabase-community.github.io/supabase-kubernetes",
];

/// Supabase service images and the chart's `deployment.<svc>` key for each.
const SERVICES: &[(&str, &str)] = &[
    ("supabase/storage-api", "storage"),
    ("supabase/realtime", "realtime"),
    ("supabase/gotrue", "auth"),
    ("supabase/postgres-meta", "meta"),
    ("supabase/studio", "studio"),
    ("supabase/edge-runtime", "functions"),
    ("supabase/logflare", "analytics"),
];

fn runs_supabase(object: &Object) -> bool {
    object.containers().iter().any(|c| c.image.matches("supabase/*"))
}

/// Groups (wrapper charts or plain-YAML files) holding Supabase.
fn supabase_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| o.provenance.chart.as_deref() == Some("supabase") || runs_supabase(o))
}

/// Hand-written Storage, Realtime (or other Supabase service) Deployments.
pub struct SupabaseWorkload;

impl Rule for SupabaseWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "supabase-workload",
            component: "supabase",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Supabase Storage/Realtime (or other Supabase service) Deployment instead of the supabase chart",
            replace_with: "the supabase chart (https://supabase-community.github.io/supabase-kubernetes) with deployment.<svc>.enabled, environment.<svc> and secret.*.secretRef",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(container) = smell::local_workload(object, &SERVICES.iter().map(|(i, _)| *i).collect::<Vec<_>>())
        else {
            return;
        };
        let svc = SERVICES.iter().find(|(image, _)| container.image.matches(image)).map_or("<svc>", |(_, s)| s);
        report
            .flag(
                object,
                format!(
                    "{} runs Supabase {svc} ({}) {}",
                    object.display(),
                    container.image,
                    object.origin().describe()
                ),
            )
            .at(container.field("image"))
            .replace_with(format!(
                "the supabase chart with deployment.{svc}.enabled: true, environment.{svc} for its settings and secret.*.secretRef for credentials"
            ));
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A Deployment or other long-running workload written locally (wrapper template, extraObjects value or plain
YAML) running a Supabase service image: `supabase/storage-api`, `supabase/realtime`, and also
`supabase/gotrue`, `supabase/postgres-meta`, `supabase/studio`, `supabase/edge-runtime`, `supabase/logflare`
(behind registry mirrors too). Objects the supabase chart renders are not reported.

## Why it matters
The chart already wires each service to the database, JWT secret, Kong and storage backend; hand-written
copies duplicate that wiring and drift between Supabase releases.

## What to use instead
The community `supabase` chart with only the needed `deployment.<svc>.enabled`, settings in
`environment.<svc>` (`environment.storage.GLOBAL_S3_BUCKET`, `environment.realtime.DB_AFTER_CONNECT_QUERY`), and
credentials from ExternalSecrets through `secret.*.secretRef`/`secretRefKey`.

## Example
```yaml
# Source: platform-supabase/templates/storage.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: storage
          image: supabase/storage-api:v1.60.4   # deployment.storage.enabled
```
";

/// `psql` schema/role bootstrap and `mc mb` bucket Jobs.
pub struct Bootstrap;

impl Rule for Bootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "supabase-bootstrap",
            component: "supabase",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or initContainer creating Supabase's storage/_realtime schemas or roles with psql, or its bucket with mc mb",
            replace_with: "the supabase/postgres image's role init plus Storage's and Realtime's own start-up migrations; application SQL in the chart's migration: value; buckets from MinIO buckets:/Tenant spec.buckets or external S3 with environment.storage.GLOBAL_S3_BUCKET",
            sources: &[
                "https://github.com/supabase-community/supabase-kubernetes/tree/main/charts/supabase",
                "https://github.com/supabase/storage",
                "https://github.com/supabase/realtime",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: BOOTSTRAP_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = supabase_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local()) {
            let near_supabase = groups.contains(&object.group());
            if let Some((script, (what, replacement))) =
                smell::find_script_by(object, |line| bootstrap(line, near_supabase))
            {
                let message = smell::script_message(object, &script, what);
                report.flag(object, message).at(script.field).replace_with(replacement);
            }
        }
    }
}

const ROLES: &[&str] = &["supabase_storage_admin", "supabase_realtime_admin", "authenticator"];

/// What a command line bootstraps, with its replacement.
fn bootstrap(command_line: &str, near_supabase: bool) -> Option<(&'static str, &'static str)> {
    let lower = command_line.to_ascii_lowercase();
    if shell::invokes(command_line, "psql", &[]) {
        let role_ddl = ["create role", "create user", "alter role", "alter user"].iter().any(|d| lower.contains(d));
        if role_ddl && ROLES.iter().any(|r| lower.contains(r)) {
            return Some((
                "creates Supabase roles with psql",
                "the supabase/postgres image's built-in role init (supabase_storage_admin, supabase_realtime_admin, authenticator) with passwords from secret.db.secretRef",
            ));
        }
        if lower.contains("create schema") && (lower.contains("storage") || lower.contains("_realtime")) {
            return Some((
                "creates the storage/_realtime schema with psql",
                "Storage's and Realtime's own migrations on start (environment.realtime.DB_AFTER_CONNECT_QUERY, SEED_SELF_HOST); application SQL in the chart's migration: value",
            ));
        }
    }
    let mc_mb = Cmd::new(&["mc", "mcli"], &["mb"], "mc mb");
    if mc_mb.matches_line(command_line) && (near_supabase || lower.contains("supabase")) {
        return Some((
            "creates the Storage bucket with `mc mb`",
            "MinIO buckets: (or a MinIO Tenant's spec.buckets), or external S3 with environment.storage.GLOBAL_S3_BUCKET",
        ));
    }
    None
}

const BOOTSTRAP_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook that runs `psql` to create the
`storage` or `_realtime` schema or the `supabase_storage_admin`, `supabase_realtime_admin` or `authenticator`
roles, or that runs `mc mb` in a wrapper that deploys Supabase (or for a bucket named after it).

## Why it matters
The `supabase/postgres` image already creates these roles, and Storage and Realtime run their own migrations on
start; a parallel script races them, hard-codes role passwords and breaks on upgrades. A one-shot `mc mb` holds
the object store's root credentials.

## What to use instead
The `supabase/postgres` image (for a CNPG cluster too), the services' own migrations, application SQL in the
chart's `migration:` value; buckets from MinIO `buckets:` / a Tenant's `spec.buckets`, or external S3 with
`environment.storage.GLOBAL_S3_BUCKET`.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: init-db
          image: postgres:17-alpine
          command: [sh, -c, 'psql -c \"CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_storage_admin\"']
```
";

/// Placeholder values of the chart's `values.yaml`, public and unique enough to flag anywhere.
const DEMO_VALUES: &[&str] = &[
    "your-super-secret-jwt-token-with-at-least-32-characters-long",
    "your-super-secret-and-long-postgres-password",
    "this_password_is_insecure_and_should_be_updated",
    "your-encryption-key-32-chars-min",
    "UpNVntn3cDxHJpq99YMc1T1AQgQpc8kfYTuRgBiYa15BLrx8etQoXz3gZv1/u2oq",
    // secret.s3.keyId / accessKey
    "625729a08b95bf1b7ff351a663f3a23c",
    "850181e4652dd023b7a98c58ae0d2d34bd487ee0cc3254aed6eda37307425907",
];
/// Prefixes of placeholder values (`…-logflare-key-public`, `…-private`).
const DEMO_PREFIXES: &[&str] = &["your-super-secret-and-long-logflare-key"];
/// Short chart defaults, only flagged next to Supabase.
const DEMO_VALUES_NEAR: &[&str] = &["secret1234", "supabaserealtime", "fake_mail_user", "fake_mail_password"];

/// The demo JWT keys and placeholder secrets from the chart's values.yaml.
pub struct DemoSecrets;

impl Rule for DemoSecrets {
    fn meta(&self) -> Meta {
        Meta {
            id: "supabase-demo-secrets",
            component: "supabase",
            category: Category::UnsafeDefault,
            severity: Severity::Error,
            summary: "Supabase demo JWT keys or placeholder secrets from the chart's values.yaml rendered unchanged",
            replace_with: "secret.jwt.secretRef (and secret.db/analytics/dashboard/meta/realtime/s3 .secretRef with secretRefKey) naming Secrets written by ExternalSecrets; a freshly generated JWT secret with anon/service keys signed by it",
            sources: &[
                "https://github.com/supabase-community/supabase-kubernetes/blob/main/charts/supabase/values.yaml",
                "https://supabase.com/docs/guides/self-hosting/docker#securing-your-services",
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
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SECRET,
            docs: DEMO_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = supabase_groups(objects);
        for object in objects {
            // Upstream-rendered too: the placeholders ship in the chart's values.
            let near = groups.contains(&object.group());
            let hit = literal_values(object).into_iter().find(|(_, v)| is_demo(v, near));
            if let Some((at, _)) = hit {
                report
                    .flag(
                        object,
                        format!(
                            "{} carries a Supabase demo key or placeholder secret ({at}) {}",
                            object.display(),
                            object.origin().describe()
                        ),
                    )
                    .at(at);
            }
        }
    }
}

fn is_demo(value: &str, near_supabase: bool) -> bool {
    let value = value.trim();
    DEMO_VALUES.contains(&value)
        || DEMO_PREFIXES.iter().any(|p| value.starts_with(p))
        || is_demo_jwt(value)
        || (near_supabase && DEMO_VALUES_NEAR.contains(&value))
}

/// A JWT issued by `supabase-demo` (the chart's `secret.jwt.anonKey`/`serviceKey`).
fn is_demo_jwt(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && secret::decode_base64(parts[1]).is_some_and(|payload| payload.contains("\"supabase-demo\""))
}

/// `(path, value)` of every literal a rule can see: Secret `data` (decoded) and
/// `stringData`, ConfigMap `data`, container `env` values.
fn literal_values(object: &Object) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match object.kind.as_str() {
        "Secret" => {
            let mut entries = secret::entries(object);
            // `data` before `stringData`: the first demo value found is the one reported.
            entries.sort_by_key(|e| e.field != "data");
            out.extend(entries.into_iter().map(|e| (e.path(), e.value)));
        }
        "ConfigMap" => {
            if let Some(Value::Object(map)) = object.get("/data") {
                out.extend(map.iter().filter_map(|(key, value)| Some((format!("data.{key}"), value.as_str()?.into()))));
            }
        }
        _ => {}
    }
    for c in object.containers() {
        for name in c.env_names() {
            if let Some(v) = c.env(name) {
                out.push((format!("{}.env[{name}]", c.path), v.to_string()));
            }
        }
    }
    out
}

const DEMO_DOCS: &str = "\
## What it detects
A Secret (`data` base64-decoded, `stringData`), ConfigMap or container `env` value equal to a placeholder from
the supabase chart's `values.yaml`: the JWT secret `your-super-secret-jwt-token-with-at-least-32-characters-long`,
the demo `anonKey`/`serviceKey` (JWTs issued by `supabase-demo`), `your-super-secret-and-long-postgres-password`,
the logflare keys, the dashboard password, the meta crypto key, the Realtime `secretKeyBase`, the S3 key pair;
next to Supabase also the MinIO password `secret1234`, the Realtime `dbEncKey` and the fake SMTP login. This is
reported even when the chart renders it.

## Why it matters
The demo keys are public: anyone can sign a `service_role` token with the published JWT secret and bypass Row
Level Security, and the database password is in every tutorial.

## What to use instead
Generate a JWT secret and sign fresh anon/service keys with it; keep them in OpenBao and reference the
ExternalSecret-written Secrets through `secret.jwt.secretRef` (and `secret.db`, `secret.analytics`,
`secret.dashboard`, `secret.meta`, `secret.realtime`, `secret.s3`) with `secretRefKey`.

## Example
```yaml
# Source: supabase/templates/secret/jwt.yaml
kind: Secret
data:
  secret: eW91ci1zdXBlci1zZWNyZXQtand0LXRva2VuLXdpdGgtYXQtbGVhc3QtMzItY2hhcmFjdGVycy1sb25n   # flagged
```
";

rules_sdk::export_rules!(SupabaseWorkload, Bootstrap, DemoSecrets);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&SupabaseWorkload, &Bootstrap, &DemoSecrets];

    /// The chart's demo `secret.jwt.anonKey`.
    const DEMO_ANON: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyAgCiAgICAicm9sZSI6ICJhbm9uIiwKICAgICJpc3MiOiAic3VwYWJhc2UtZGVtbyIsCiAgICAiaWF0IjogMTY0MTc2OTIwMCwKICAgICJleHAiOiAxNzk5NTM1NjAwCn0.dc_X5iR_VP_qT0zsiyj_I_OZ2T9FtRU2BBNWN8Bu4GE";

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "supabase");
    }

    #[test]
    fn demo_values() {
        assert!(is_demo_jwt(DEMO_ANON));
        assert!(!is_demo_jwt("eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJzdXBhYmFzZSJ9.x"));
        assert!(is_demo("your-super-secret-and-long-logflare-key-public", false));
        assert!(!is_demo("secret1234", false));
        assert!(is_demo("secret1234", true));
        assert!(!is_demo("a-real-generated-secret", true));
    }

    #[test]
    fn upstream_demo_secret_is_flagged_upstream_services_are_not() {
        let yaml = r#"
# Source: supabase/templates/secret/jwt.yaml
apiVersion: v1
kind: Secret
metadata: {name: supabase-jwt, labels: {helm.sh/chart: supabase-0.7.2}}
data:
  secret: "eW91ci1zdXBlci1zZWNyZXQtand0LXRva2VuLXdpdGgtYXQtbGVhc3QtMzItY2hhcmFjdGVycy1sb25n"
---
# Source: supabase/templates/secret/s3.yaml
apiVersion: v1
kind: Secret
metadata: {name: supabase-s3, labels: {helm.sh/chart: supabase-0.7.2}}
data: {keyId: "bXktcmVhbC1rZXktaWQ="}
---
# Source: supabase/templates/storage/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: supabase-storage, labels: {helm.sh/chart: supabase-0.7.2}}
spec:
  template:
    spec:
      containers:
        - name: storage
          image: "supabase/storage-api:v1.60.4"
          env: [{name: PGRST_JWT_SECRET, valueFrom: {secretKeyRef: {name: supabase-jwt, key: secret}}}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("supabase-demo-secrets", "Secret", "supabase-jwt")]);
    }

    #[test]
    fn psql_without_supabase_ddl_is_fine() {
        assert!(bootstrap("psql -h db -c 'select 1'", true).is_none());
        assert!(bootstrap("sh -c 'psql -c \"CREATE ROLE authenticator NOINHERIT LOGIN\"'", false).is_some());
        assert!(bootstrap("mc mb s3/app-uploads", false).is_none());
        assert!(bootstrap("mc mb s3/app-uploads", true).is_some());
    }
}
