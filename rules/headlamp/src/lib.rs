//! Headlamp rules (catalog section 15).
//!
//! The `headlamp` chart (https://kubernetes-sigs.github.io/headlamp/) renders
//! the UI Deployment, its ServiceAccount and ClusterRoleBinding, the OIDC
//! Secret and the plugin manager sidecar. A wrapper that writes them itself,
//! hands out a cluster-admin ServiceAccount token for login or downloads
//! plugins with `curl | tar` reinvents those values. The chart's own default
//! binding to `cluster-admin` is flagged even when the chart renders it.

use std::collections::BTreeSet;

use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};

const SOURCES: &[&str] = &[
    "https://github.com/kubernetes-sigs/headlamp/tree/main/charts/headlamp",
    "https://kubernetes-sigs.github.io/headlamp/",
    "https://headlamp.dev/docs/latest/installation/in-cluster/oidc",
];

/// Headlamp's image (`values.yaml` `image.registry/repository`).
const HEADLAMP_IMAGES: &[&str] = &["headlamp-k8s/headlamp", "kubernetes-sigs/headlamp"];

/// The upstream chart's name, as Helm renders it in `# Source:` paths.
const CHART: &str = "headlamp";

/// Groups (wrapper charts or plain-YAML files) holding Headlamp: an object
/// running its image, or one rendered by the headlamp chart.
fn headlamp_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| {
        o.provenance.chart.as_deref() == Some(CHART)
            || o.containers().iter().any(|c| c.image.matches_any(HEADLAMP_IMAGES))
    })
}

/// `roleRef` of a (Cluster)RoleBinding pointing at the `cluster-admin` ClusterRole.
fn binds_cluster_admin(binding: &Object) -> bool {
    binding.str_at("/roleRef/kind") == Some("ClusterRole") && binding.str_at("/roleRef/name") == Some("cluster-admin")
}

/// A hand-written Headlamp Deployment (or other long-running workload).
pub struct HeadlampWorkload;

impl Rule for HeadlampWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "headlamp-workload",
            component: "headlamp",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Headlamp Deployment instead of the upstream headlamp chart",
            replace_with: "the headlamp chart (https://kubernetes-sigs.github.io/headlamp/) with config.oidc.*, a restricted clusterRoleBinding and pluginsManager.*",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_workload(object, report, HEADLAMP_IMAGES, "Headlamp");
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A Deployment (or other long-running workload) written locally — in a wrapper chart's own templates, passed
through an `extraObjects` value, or plain YAML — whose container runs the Headlamp image
(`ghcr.io/headlamp-k8s/headlamp`, also behind a registry mirror). Deployments rendered by the headlamp chart
are not reported.

## Why it matters
The chart already renders the Deployment with its probes, security context, OIDC wiring, plugin manager and
RBAC. A local copy misses upgrades and tends to come with a hand-rolled login (a cluster-admin token).

## What to use instead
The `headlamp` chart from `https://kubernetes-sigs.github.io/headlamp/`: `config.oidc.*` for login against the
shared IdP, `clusterRoleBinding.clusterRoleName` set to a restricted role, `pluginsManager.enabled` for plugins.

## Example
```yaml
# Source: platform-headlamp/templates/deployment.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: headlamp
          image: ghcr.io/headlamp-k8s/headlamp:v0.45.0   # use the headlamp chart
```
";

/// A hand-written cluster-admin binding and ServiceAccount token handed out
/// for Headlamp login.
pub struct TokenLogin;

impl Rule for TokenLogin {
    fn meta(&self) -> Meta {
        Meta {
            id: "headlamp-token-login",
            component: "headlamp",
            category: Category::UnsafeDefault,
            severity: Severity::Error,
            summary: "Hand-written cluster-admin ClusterRoleBinding or long-lived ServiceAccount token Secret for Headlamp login",
            replace_with: "OIDC login through the chart's config.oidc.{clientID,issuerURL,scopes} (secret from config.oidc.secret.create: false plus an ExternalSecret), so users act with their own RBAC; no ServiceAccount token Secret",
            sources: SOURCES,
            kinds: &[
                "ClusterRoleBinding",
                "Secret",
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
            ],
            scope: Scope::WholeSet,
            supersedes: &[],
            docs: TOKEN_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = headlamp_groups(objects);
        let local = objects.iter().filter(|o| o.origin().is_local() && groups.contains(&o.group()));
        for object in local {
            match object.kind.as_str() {
                "ClusterRoleBinding" if binds_cluster_admin(object) => {
                    report
                        .flag(
                            object,
                            format!(
                                "{} binds cluster-admin next to Headlamp {}; whoever holds its token is cluster-admin",
                                object.display(),
                                object.origin().describe()
                            ),
                        )
                        .at("roleRef.name");
                }
                "Secret" if object.str_at("/type") == Some("kubernetes.io/service-account-token") => {
                    let account = object.annotation("kubernetes.io/service-account.name").unwrap_or("?");
                    report
                        .flag(
                            object,
                            format!(
                                "{} is a long-lived token of ServiceAccount {account:?} handed out for Headlamp login",
                                object.display()
                            ),
                        )
                        .at("type");
                }
                _ => {}
            }
        }
    }
}

const TOKEN_DOCS: &str = "\
## What it detects
In a wrapper (or plain YAML) that deploys Headlamp: a locally written `ClusterRoleBinding` to the
`cluster-admin` ClusterRole, and a `kubernetes.io/service-account-token` Secret — the hand-rolled \"paste this
token to log in\" setup.

## Why it matters
Everyone who logs in with that token is cluster-admin, the token never expires and is not tied to a person,
so the audit log cannot tell users apart.

## What to use instead
OIDC: the chart's `config.oidc.clientID`, `config.oidc.issuerURL`, `config.oidc.scopes`, with the client secret
from an ExternalSecret (`config.oidc.secret.create: false`, `config.oidc.secret.name`). Users then act with
their own RBAC. Keep the chart's `clusterRoleBinding` on a restricted role, or `create: false`.

## Example
```yaml
# Source: platform-headlamp/templates/admin.yaml
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  annotations: {kubernetes.io/service-account.name: headlamp-admin}
```
";

/// The chart default `clusterRoleBinding.clusterRoleName: cluster-admin`.
pub struct ClusterAdminDefault;

impl Rule for ClusterAdminDefault {
    fn meta(&self) -> Meta {
        Meta {
            id: "headlamp-cluster-admin-default",
            component: "headlamp",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "The headlamp chart's default ClusterRoleBinding to cluster-admin is rendered unchanged",
            replace_with: "clusterRoleBinding.clusterRoleName: view (or a custom restricted ClusterRole), or clusterRoleBinding.create: false with OIDC user tokens (config.oidc.*)",
            sources: SOURCES,
            kinds: &["ClusterRoleBinding"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DEFAULT_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        // Local bindings are headlamp-token-login's; this one is the chart default.
        if object.origin().is_upstream()
            && object.provenance.chart.as_deref() == Some(CHART)
            && binds_cluster_admin(object)
        {
            report
                .flag(
                    object,
                    format!(
                        "{} binds Headlamp's ServiceAccount to cluster-admin (chart default clusterRoleBinding.clusterRoleName)",
                        object.display()
                    ),
                )
                .at("roleRef.name");
        }
    }
}

const DEFAULT_DOCS: &str = "\
## What it detects
A ClusterRoleBinding rendered by the headlamp chart whose `roleRef` is the `cluster-admin` ClusterRole: the
chart's defaults `clusterRoleBinding.create: true` and `clusterRoleBinding.clusterRoleName: cluster-admin`. This
is reported even though the chart renders it.

## Why it matters
Headlamp's ServiceAccount becomes cluster-admin: anyone reaching the UI without their own token acts as
cluster-admin, and so does anything that compromises the pod.

## What to use instead
Set `clusterRoleBinding.clusterRoleName` to `view` or a restricted ClusterRole, or `clusterRoleBinding.create:
false` and log users in with OIDC (`config.oidc.*`) so requests carry their own identity.

## Example
```yaml
# values.yaml of the wrapper
headlamp:
  clusterRoleBinding:
    create: true
    clusterRoleName: view
```
";

/// `curl|wget … | tar … /headlamp/plugins` plugin downloads.
pub struct PluginDownload;

impl Rule for PluginDownload {
    fn meta(&self) -> Meta {
        Meta {
            id: "headlamp-plugin-download",
            component: "headlamp",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "initContainer or Job downloading Headlamp plugins with curl/wget | tar",
            replace_with: "pluginsManager.enabled: true with pluginsManager.configContent listing the plugins (name, source, version)",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: PLUGIN_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let runs_headlamp =
            object.pod_spec().is_some_and(|p| p.main_containers().iter().any(|c| c.image.matches_any(HEADLAMP_IMAGES)));
        let plugin_download = |line: &str| {
            let downloads = shell::invokes(line, "curl", &[]) || shell::invokes(line, "wget", &[]);
            let unpacks = shell::invokes(line, "tar", &[]);
            let into_plugins = line.contains("/headlamp/plugins") || (runs_headlamp && line.contains("plugins"));
            (downloads && unpacks && into_plugins).then_some(())
        };
        if let Some((script, ())) = smell::find_script_by(object, plugin_download) {
            let message = smell::script_message(object, &script, "downloads Headlamp plugins with curl/wget | tar");
            report.flag(object, message).at(script.field);
        }
    }
}

const PLUGIN_DOCS: &str = "\
## What it detects
A locally written initContainer, Job container or postStart hook whose command downloads an archive with
`curl` or `wget` and unpacks it with `tar` into Headlamp's plugin directory (`/headlamp/plugins`, or a
`plugins` path in a pod running Headlamp).

## Why it matters
Plugin versions, checksums and upgrades live in a shell one-liner; a failed download silently leaves the UI
without its plugins.

## What to use instead
The chart's plugin manager: `pluginsManager.enabled: true` and `pluginsManager.configContent` listing each
plugin's name, source and version.

## Example
```yaml
initContainers:
  - name: plugins
    image: alpine:3.20
    command: [sh, -c, 'wget -qO- https://example.com/flux.tgz | tar xz -C /headlamp/plugins']
```
";

/// A hand-written Secret holding Headlamp's OIDC client secret.
pub struct OidcSecret;

impl Rule for OidcSecret {
    fn meta(&self) -> Meta {
        Meta {
            id: "headlamp-oidc-secret",
            component: "headlamp",
            category: Category::InlineSecret,
            severity: Severity::Warning,
            summary: "Hand-written Secret with a literal Headlamp OIDC client secret",
            replace_with: "config.oidc.secret.create: false and config.oidc.secret.name pointing at a Secret written by an ExternalSecret (ClusterSecretStore backed by OpenBao)",
            sources: SOURCES,
            kinds: &["Secret", "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SECRET,
            docs: OIDC_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = headlamp_groups(objects);
        for object in objects.iter().filter(|o| o.kind == "Secret" && o.origin().is_local()) {
            if object.str_at("/type") == Some("kubernetes.io/service-account-token") {
                continue;
            }
            // A literal client secret anywhere next to Headlamp, or Headlamp's own env name anywhere.
            let hit = rules_sdk::secret::literal_keys(object).into_iter().find(|(key, _)| {
                let k = normalise(key);
                k.contains("headlampconfigoidcclientsecret")
                    || (k.ends_with("clientsecret") && groups.contains(&object.group()))
            });
            if let Some((key, field)) = hit {
                report
                    .flag(
                        object,
                        format!(
                            "{} holds the Headlamp OIDC client secret as a literal ({field}.{key}) {}",
                            object.display(),
                            object.origin().describe()
                        ),
                    )
                    .at(format!("{field}.{key}"));
            }
        }
    }
}

/// Lowercase, alphanumerics only: `OIDC_CLIENT_SECRET` and `clientSecret` compare equal.
fn normalise(key: &str) -> String {
    key.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

const OIDC_DOCS: &str = "\
## What it detects
A locally written Secret with a non-empty `clientSecret` (or `OIDC_CLIENT_SECRET`,
`HEADLAMP_CONFIG_OIDC_CLIENT_SECRET`) key in a wrapper or file that deploys Headlamp. The Secret the headlamp
chart renders from `config.oidc.*` is not reported by this rule.

## Why it matters
The client secret is committed to the wrapper chart (or its values) in plain text and rotates only with a
release.

## What to use instead
An `ExternalSecret` from a `ClusterSecretStore` backed by OpenBao writing the Secret, and the chart's
`config.oidc.secret.create: false` with `config.oidc.secret.name` naming it.

## Example
```yaml
# Source: platform-headlamp/templates/oidc-secret.yaml
kind: Secret
metadata: {name: headlamp-oidc}
stringData:
  clientID: headlamp
  clientSecret: s3cr3t   # flagged
```
";

rules_sdk::export_rules!(HeadlampWorkload, TokenLogin, ClusterAdminDefault, PluginDownload, OidcSecret);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&HeadlampWorkload, &TokenLogin, &ClusterAdminDefault, &PluginDownload, &OidcSecret];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "headlamp");
    }

    #[test]
    fn chart_default_binding_is_flagged_once_even_from_upstream() {
        let yaml = r#"
# Source: headlamp/templates/clusterrolebinding.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: headlamp-admin, labels: {helm.sh/chart: headlamp-0.45.0}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: headlamp, namespace: kube-system}]
---
# Source: headlamp/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: headlamp, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: headlamp, image: "ghcr.io/headlamp-k8s/headlamp:v0.45.0"}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("headlamp-cluster-admin-default", "ClusterRoleBinding", "headlamp-admin")]);
        assert_eq!(findings[0].path.as_deref(), Some("roleRef.name"));
    }

    #[test]
    fn mirrored_image_matches_and_names_do_not() {
        let yaml = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: k8s-ui}
spec:
  template:
    spec:
      containers: [{name: ui, image: "nexus.internal/ghcr-proxy/headlamp-k8s/headlamp:v0.45.0"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: headlamp}
spec:
  template:
    spec:
      containers: [{name: headlamp, image: "ghcr.io/acme/dashboard:1"}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("headlamp-workload", "Deployment", "k8s-ui")]);
    }

    #[test]
    fn cluster_admin_away_from_headlamp_is_not_headlamps() {
        let yaml = r#"
# Source: ops/templates/crb.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: ci}]
---
# Source: ops/templates/oidc.yaml
apiVersion: v1
kind: Secret
metadata: {name: other-oidc}
stringData: {clientSecret: abc}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
