//! Pomerium rules (catalog section 10).
//!
//! The `pomerium/pomerium-helm` chart has been unmaintained since 2023; the
//! current install is the Pomerium Ingress Controller (kustomize,
//! `pomerium/ingress-controller/config/default?ref=<tag>`) configured by a
//! global `Pomerium` CR and one `Ingress` per route. Its one-off
//! `pomerium-gen-secrets` Job generates the bootstrap secrets and is expected.
//!
//! Traefik `forwardAuth` pointed at Pomerium is reported by the `traefik` rules
//! (`traefik-forward-auth-pomerium`), not here, so it is reported once.

use std::collections::{BTreeMap, BTreeSet};

use rules_sdk::prelude::*;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://www.pomerium.com/docs/deploy/k8s/install",
    "https://www.pomerium.com/docs/deploy/k8s/configure",
    "https://github.com/pomerium/ingress-controller",
];

/// The Pomerium proxy image (the controller image is `pomerium/ingress-controller`).
const POMERIUM_IMAGES: &[&str] = &["pomerium/pomerium"];

/// A hand-written `pomerium/pomerium` workload and its `routes:` config.
pub struct HandWrittenProxy;

impl Rule for HandWrittenProxy {
    fn meta(&self) -> Meta {
        Meta {
            id: "pomerium-hand-written-proxy",
            component: "pomerium",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written pomerium/pomerium Deployment (and its config.yaml with a routes: list)",
            replace_with: "the Pomerium Ingress Controller (kustomize github.com/pomerium/ingress-controller/config/default?ref=v0.32.0), a global Pomerium CR (authenticate.url, identityProvider.{provider,secret}, certificates, secrets) and one Ingress per route (ingressClassName: pomerium, ingress.pomerium.io/policy)",
            sources: SOURCES,
            kinds: &[
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "ConfigMap",
                "Secret",
            ],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: PROXY_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let mut mounted: BTreeMap<(Option<String>, String), String> = BTreeMap::new();
        for object in objects {
            if !smell::report_workload(object, report, POMERIUM_IMAGES, "Pomerium") {
                continue;
            }
            let Some(pod) = object.pod_spec() else { continue };
            for v in pod.spec.get("volumes").and_then(Value::as_array).into_iter().flatten() {
                for pointer in ["/configMap/name", "/secret/secretName"] {
                    if let Some(name) = rules_sdk::object::pointer(v, pointer).and_then(Value::as_str) {
                        mounted.insert((object.namespace.clone(), name.to_string()), object.display());
                    }
                }
            }
        }
        for object in objects.iter().filter(|o| matches!(o.kind.as_str(), "ConfigMap" | "Secret")) {
            if !object.origin().is_local() {
                continue;
            }
            let Some(proxy) = mounted.get(&(object.namespace.clone(), object.name.clone())) else { continue };
            let field = if object.kind == "ConfigMap" { "data" } else { "stringData" };
            let Some(Value::Object(data)) = object.get(&format!("/{field}")) else { continue };
            let Some((key, _)) = data.iter().find(|(_, v)| v.as_str().is_some_and(has_routes)) else { continue };
            report
                .flag(object, format!("{} holds a Pomerium routes: list for the hand-written {proxy}", object.display()))
                .at(format!("{field}.{key}"))
                .replace_with("one Ingress per route (ingressClassName: pomerium, ingress.pomerium.io/policy annotations) and the global Pomerium CR");
        }
    }
}

/// Does a Pomerium config file carry a `routes:` list with `from:`/`to:`?
fn has_routes(text: &str) -> bool {
    text.lines().any(|l| l.trim_end() == "routes:" || l.starts_with("routes:"))
        && text.contains("from:")
        && text.contains("to:")
}

const PROXY_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain
YAML) whose main container runs `pomerium/pomerium` (also behind a mirror), and the ConfigMap (or Secret
`stringData`) it mounts holding a Pomerium `config.yaml` with a `routes:` list (`from:`/`to:`/`policy:`).
The Ingress Controller image `pomerium/ingress-controller` is not flagged.

## Why it matters
Routes in a hand-maintained config file are a second routing plane next to the cluster's Ingress objects:
every new app means editing and rolling a shared file. Pomerium's supported Kubernetes install is the
Ingress Controller, which builds routes from Ingress objects and settings from a `Pomerium` CR.

## What to use instead
The Pomerium Ingress Controller (`kubectl apply -k github.com/pomerium/ingress-controller/config/default?ref=v0.32.0`,
or an Argo CD Application with that kustomize source), a global `Pomerium` CR (`authenticate.url`,
`identityProvider.{provider,secret}`, `certificates`, `secrets`) with the IdP secret from an ExternalSecret,
and one `Ingress` per app (`ingressClassName: pomerium`, `ingress.pomerium.io/policy`).

## Example
```yaml
# Source: platform-access/templates/pomerium.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: pomerium
          image: pomerium/pomerium:v0.30.0   # flagged
          args: [--config=/etc/pomerium/config.yaml]
```
";

/// Workloads rendered by the archived `pomerium` Helm chart.
pub struct ArchivedChart;

impl Rule for ArchivedChart {
    fn meta(&self) -> Meta {
        Meta {
            id: "pomerium-archived-chart",
            component: "pomerium",
            category: Category::RetiredPlane,
            severity: Severity::Warning,
            summary: "Workload rendered by the archived pomerium Helm chart (pomerium-helm, unmaintained since 2023-05-30)",
            replace_with: "the Pomerium Ingress Controller (kustomize github.com/pomerium/ingress-controller/config/default?ref=v0.32.0) with a Pomerium CR, or the Pomerium Zero chart oci://docker.io/pomerium/pomerium-zero",
            sources: &[
                "https://github.com/pomerium/pomerium-helm",
                "https://pomerium.com/docs/guides/helm",
                "https://www.pomerium.com/docs/deploy/k8s/install",
            ],
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: &[],
            docs: ARCHIVED_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_upstream() {
            return;
        }
        let by_path = object.provenance.chart.as_deref() == Some("pomerium");
        let by_label = object.helm_chart().is_some_and(|(name, _)| name == "pomerium");
        if !(by_path || by_label) {
            return;
        }
        let version = object.helm_chart().map(|(_, v)| format!(" {v}")).unwrap_or_default();
        report
            .flag(
                object,
                format!(
                    "{} is rendered by the archived pomerium chart{version}; Pomerium stopped updating its Helm chart in 2023",
                    object.display()
                ),
            )
            .at("metadata.labels");
    }
}

const ARCHIVED_DOCS: &str = "\
## What it detects
A long-running workload rendered by the `pomerium` Helm chart (`pomerium/pomerium-helm`, repo
`https://helm.pomerium.io`), identified by its `# Source:` path or its `helm.sh/chart: pomerium-<ver>` label.
One finding per workload.

## Why it matters
The chart has been unmaintained since 2023-05-30 (last chart 34.0.1, app v0.22.0); Pomerium's docs say
\"we've opted not to continue updating our Helm chart\". A dependency on it pins an old Pomerium without
security fixes and without the CRD-based configuration.

## What to use instead
The Pomerium Ingress Controller via kustomize
(`github.com/pomerium/ingress-controller/config/default?ref=v0.32.0`), configured by a global `Pomerium` CR and
`Ingress` objects; or, for Pomerium Zero, `oci://docker.io/pomerium/pomerium-zero`.

## Example
```yaml
# Chart.yaml of the wrapper
dependencies:
  - name: pomerium
    version: 34.0.1
    repository: https://helm.pomerium.io   # flagged: archived
```
";

/// Words that name Pomerium's bootstrap secrets.
const SECRET_KEYS: &[&str] = &["shared_secret", "cookie_secret", "shared-secret", "cookie-secret"];

/// Random generators a script uses to make them.
const GENERATORS: &[&str] = &["openssl rand", "/dev/urandom", "pwgen"];

/// Groups (wrapper charts, or plain-YAML files) that belong to Pomerium.
fn pomerium_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| {
        o.release_chart().is_some_and(|c| c.contains("pomerium"))
            || o.namespace.as_deref().is_some_and(|ns| ns.contains("pomerium"))
            || o.containers().iter().any(|c| c.image.matches_any(&["pomerium/pomerium", "pomerium/ingress-controller"]))
    })
}

/// Shell that generates Pomerium's shared or cookie secret.
pub struct SecretScript;

impl Rule for SecretScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "pomerium-secret-script",
            component: "pomerium",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Script generating Pomerium's shared_secret or cookie_secret with openssl rand / /dev/urandom",
            replace_with: "the Ingress Controller's pomerium-gen-secrets bootstrap Job (Pomerium CR spec.secrets), or an ESO Password generator (generators.external-secrets.io) feeding an ExternalSecret",
            sources: &[
                "https://www.pomerium.com/docs/deploy/k8s/install",
                "https://external-secrets.io/latest/api/generator/password/",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: &["bootstrap-script", "external-secrets-generated-secret"],
            docs: SECRET_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = pomerium_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local()) {
            let in_group = groups.contains(&object.group());
            let hit = smell::scripts(object).into_iter().find(|s| {
                let line = s.command_line.to_ascii_lowercase();
                GENERATORS.iter().any(|g| line.contains(g))
                    && SECRET_KEYS.iter().any(|k| line.contains(k))
                    && (in_group || line.contains("pomerium"))
            });
            if let Some(script) = hit {
                report
                    .flag(
                        object,
                        format!(
                            "{} {} {:?} generates Pomerium bootstrap secrets with a shell script {}",
                            object.display(),
                            script.place,
                            script.container.name,
                            object.origin().describe()
                        ),
                    )
                    .at(script.field);
            }
        }
    }
}

const SECRET_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, Pod, init container or `postStart` hook in a Pomerium context (a wrapper or
namespace named after Pomerium, a group running Pomerium images, or a script mentioning it) whose command
generates `shared_secret` or `cookie_secret` with `openssl rand`, `/dev/urandom` or `pwgen`. The Ingress
Controller's own `pomerium-gen-secrets` Job (`gen-secrets` subcommand) is upstream behaviour and not matched.

## Why it matters
A secret generated by shell in a hook either rotates on every upgrade (logging every user out, breaking
service-to-service auth) or needs bespoke guards; the value also often ends up in logs or in git.

## What to use instead
The Ingress Controller's bootstrap Job, which writes the `bootstrap` Secret the `Pomerium` CR's `secrets`
field points at, or an ESO `Password` generator (`generators.external-secrets.io`) behind an ExternalSecret.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: gen
          image: bitnami/kubectl
          command: [sh, -c, 'kubectl create secret generic pomerium
            --from-literal=shared_secret=$(openssl rand -base64 32)
            --from-literal=cookie_secret=$(openssl rand -base64 32)']
```
";

rules_sdk::export_rules!(HandWrittenProxy, ArchivedChart, SecretScript);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&HandWrittenProxy, &ArchivedChart, &SecretScript];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "pomerium");
    }

    #[test]
    fn archived_chart_found_by_label_in_plain_yaml() {
        let yaml = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: pomerium-proxy, namespace: pomerium, labels: {helm.sh/chart: pomerium-34.0.1}}
spec:
  template:
    spec:
      containers: [{name: pomerium, image: pomerium/pomerium:v0.22.0}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("pomerium-archived-chart", "Deployment", "pomerium-proxy")]);
        assert!(findings[0].message.contains("34.0.1"), "{}", findings[0].message);
    }

    #[test]
    fn cookie_secrets_outside_pomerium_are_not_ours() {
        let yaml = r#"
# Source: platform-auth/templates/oauth2-proxy-secret.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: gen-cookie, namespace: auth}
spec:
  template:
    spec:
      containers: [{name: gen, image: bitnami/kubectl, command: [sh, -c, "kubectl create secret generic oauth2-proxy --from-literal=cookie-secret=$(openssl rand -base64 32)"]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
        let pomerium = yaml.replace("oauth2-proxy --", "pomerium --");
        assert_eq!(keys(&check_yaml(RULES, &pomerium)), vec![("pomerium-secret-script", "Job", "gen-cookie")]);
    }

    #[test]
    fn routes_detection_needs_a_routes_list() {
        assert!(has_routes("address: :443\nroutes:\n  - from: https://a\n    to: http://b\n"));
        assert!(!has_routes("address: :443\nidp_provider: oidc\n"));
    }
}
