//! Argo CD rules (catalog section 11).
//!
//! The `argo-cd` chart renders Argo CD and its configuration from `configs.*`
//! values; `Application`, `ApplicationSet` and `AppProject` CRs (or the
//! `argocd-apps` chart) replace CLI bootstrap. Argo CD `Application`s are
//! resources like any other: one that deploys a third-party component from a
//! chart copied into git, instead of the upstream chart repository, is flagged.

use rules_sdk::prelude::*;
use rules_sdk::secret;
use rules_sdk::smell::LONG_RUNNING_KINDS;
use serde_json::Value;

const CHART_SOURCES: &[&str] = &[
    "https://github.com/argoproj/argo-helm/tree/main/charts/argo-cd",
    "https://argoproj.github.io/argo-helm",
    "https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/",
];

/// Argo CD's own images (server, repo-server, controllers, CLI).
const ARGOCD_IMAGES: &[&str] = &["argoproj/argocd"];

/// Configuration ConfigMaps Argo CD reads by name, and the chart value that renders each.
const CONFIG_MAPS: &[(&str, &str)] = &[
    ("argocd-cm", "configs.cm"),
    ("argocd-rbac-cm", "configs.rbac"),
    ("argocd-cmd-params-cm", "configs.params"),
    ("argocd-ssh-known-hosts-cm", "configs.ssh.knownHosts"),
    ("argocd-tls-certs-cm", "configs.tls.certificates"),
    ("argocd-gpg-keys-cm", "configs.gpg.keys"),
];

/// Does `field` (`data`/`stringData`) of `object` hold at least one entry?
fn has_entries(object: &Object, field: &str) -> bool {
    matches!(object.get(&format!("/{field}")), Some(Value::Object(m)) if !m.is_empty())
}

/// Hand-written `argocd-cm`, `argocd-rbac-cm`, `argocd-cmd-params-cm`, ...
pub struct HandWrittenConfig;

impl Rule for HandWrittenConfig {
    fn meta(&self) -> Meta {
        Meta {
            id: "argocd-hand-written-config",
            component: "argocd",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written argocd-cm, argocd-rbac-cm or argocd-cmd-params-cm ConfigMap instead of the argo-cd chart's configs.* values",
            replace_with: "the argo-cd chart (https://argoproj.github.io/argo-helm) values configs.cm, configs.rbac, configs.params (and configs.ssh.knownHosts, configs.tls.certificates, configs.gpg.keys)",
            sources: CHART_SOURCES,
            kinds: &["ConfigMap"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: CONFIG_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() || !has_entries(object, "data") {
            return;
        }
        let Some((_, value)) = CONFIG_MAPS.iter().find(|(name, _)| *name == object.name) else { return };
        report
            .flag(
                object,
                format!(
                    "{} is Argo CD configuration written {}; the argo-cd chart renders it from {value}",
                    object.display(),
                    object.origin().describe()
                ),
            )
            .at("data")
            .replace_with(format!("{value} in the argo-cd chart values"));
    }
}

const CONFIG_DOCS: &str = "\
## What it detects
A locally written (wrapper template, extraObjects value or plain YAML) ConfigMap with data that Argo CD reads
by its fixed name: `argocd-cm`, `argocd-rbac-cm`, `argocd-cmd-params-cm`, `argocd-ssh-known-hosts-cm`,
`argocd-tls-certs-cm` or `argocd-gpg-keys-cm`. Empty placeholders (as in a vendored install.yaml) are skipped.

## Why it matters
The argo-cd chart renders these ConfigMaps itself; a second copy fights the chart's (last writer wins on
every sync) or forces `configs.*.create: false` and a fork of the chart's defaults.

## What to use instead
The argo-cd chart values `configs.cm`, `configs.rbac`, `configs.params`, `configs.ssh.knownHosts`,
`configs.tls.certificates` and `configs.gpg.keys`.

## Example
```yaml
# Source: platform-argocd/templates/argocd-rbac-cm.yaml
kind: ConfigMap
metadata: {name: argocd-rbac-cm}
data:
  policy.default: role:readonly   # flagged: use configs.rbac
```
";

/// Keys of repository / cluster Secrets that hold credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "password",
    "sshPrivateKey",
    "githubAppPrivateKey",
    "tlsClientCertKey",
    "bearerToken",
    "gcpServiceAccountKey",
    "azureServicePrincipalClientSecret",
];

/// Words that mark literal credentials inside a cluster Secret's `config` JSON.
const CONFIG_CREDENTIALS: &[&str] = &["bearerToken", "password", "keyData"];

/// The literal credential entries of a Secret: `(field.key)`.
fn literal_credentials(object: &Object, keys: impl Fn(&str, &str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for field in ["stringData", "data"] {
        let Some(Value::Object(map)) = object.get(&format!("/{field}")) else { continue };
        for (key, value) in map {
            let Some(text) = value.as_str().filter(|v| !v.trim().is_empty()) else { continue };
            let plain =
                if field == "data" { secret::decode_base64(text).unwrap_or_default() } else { text.to_string() };
            if keys(key, &plain) {
                found.push(format!("{field}.{key}"));
            }
        }
    }
    found
}

/// Literal credentials in `argocd-secret` and in repository / cluster Secrets.
pub struct LiteralCredentials;

impl Rule for LiteralCredentials {
    fn meta(&self) -> Meta {
        Meta {
            id: "argocd-literal-credentials",
            component: "argocd",
            category: Category::InlineSecret,
            severity: Severity::Warning,
            summary: "Hand-written argocd-secret, or argocd.argoproj.io/secret-type repository/repo-creds/cluster Secret, with literal credentials",
            replace_with: "an ExternalSecret from a ClusterSecretStore (OpenBao) whose target.template.metadata.labels carries argocd.argoproj.io/secret-type; or the argo-cd chart's configs.repositories, configs.credentialTemplates, configs.clusterCredentials and configs.secret values",
            sources: &[
                "https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#repositories",
                "https://github.com/argoproj/argo-helm/tree/main/charts/argo-cd",
                "https://external-secrets.io/latest/",
            ],
            kinds: &["Secret"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SECRET,
            docs: CREDENTIAL_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let (found, what, replace) = if object.name == "argocd-secret" {
            (
                literal_credentials(object, |_, _| true),
                "argocd-secret".to_string(),
                "configs.secret.createSecret: false and an ExternalSecret named argocd-secret (or configs.secret.* values fed from a secret store)",
            )
        } else {
            let Some(kind) = object
                .label("argocd.argoproj.io/secret-type")
                .filter(|t| matches!(*t, "repository" | "repo-creds" | "cluster"))
            else {
                return;
            };
            let found = literal_credentials(object, |key, plain| {
                CREDENTIAL_KEYS.contains(&key)
                    || (key == "config" && CONFIG_CREDENTIALS.iter().any(|c| plain.contains(c)))
            });
            let replace = match kind {
                "cluster" => {
                    "configs.clusterCredentials, or an ExternalSecret labelled argocd.argoproj.io/secret-type: cluster"
                }
                "repo-creds" => {
                    "configs.credentialTemplates, or an ExternalSecret labelled argocd.argoproj.io/secret-type: repo-creds"
                }
                _ => "configs.repositories, or an ExternalSecret labelled argocd.argoproj.io/secret-type: repository",
            };
            (found, format!("Argo CD {kind} Secret"), replace)
        };
        let Some(first) = found.first() else { return };
        report
            .flag(
                object,
                format!(
                    "{} is a {what} with literal credentials ({}) {}",
                    object.display(),
                    found.join(", "),
                    object.origin().describe()
                ),
            )
            .at(first.clone())
            .replace_with(replace);
    }
}

const CREDENTIAL_DOCS: &str = "\
## What it detects
A locally written Secret that is either `argocd-secret` with data, or labelled
`argocd.argoproj.io/secret-type: repository|repo-creds|cluster` with literal credentials (`password`,
`sshPrivateKey`, `githubAppPrivateKey`, `tlsClientCertKey`, `bearerToken`, `gcpServiceAccountKey`,
`azureServicePrincipalClientSecret`, or a cluster `config` carrying `bearerToken`/`password`/`keyData`).
A repository Secret with only `url`/`type`/`project` is fine.

## Why it matters
Credentials in a rendered manifest live in git and in every render of it; rotating them means a commit.
Argo CD discovers repository and cluster Secrets by label, so an ExternalSecret can create them.

## What to use instead
An `ExternalSecret` from a `ClusterSecretStore` backed by OpenBao whose `target.template.metadata.labels`
carries `argocd.argoproj.io/secret-type`; for argocd-secret, `configs.secret.createSecret: false` and an
ExternalSecret. The argo-cd chart's `configs.repositories`, `configs.credentialTemplates` and
`configs.clusterCredentials` render the same Secrets from values.

## Example
```yaml
kind: Secret
metadata:
  name: repo-platform
  labels: {argocd.argoproj.io/secret-type: repository}
stringData:
  url: https://git.example.com/platform.git
  password: glpat-xxxxxxxx   # flagged
```
";

/// `argocd` CLI and `kubectl apply` scripts that create Applications, repos and clusters.
const CLI_CMDS: &[Cmd] = &[
    Cmd::new(&["argocd"], &["app", "create|set"], "argocd app create"),
    Cmd::new(&["argocd"], &["repo", "add"], "argocd repo add"),
    Cmd::new(&["argocd"], &["repocreds", "add"], "argocd repocreds add"),
    Cmd::new(&["argocd"], &["cluster", "add"], "argocd cluster add"),
    Cmd::new(&["argocd"], &["proj", "create"], "argocd proj create"),
    Cmd::new(&["argocd"], &["login"], "argocd login"),
    Cmd {
        programs: &["kubectl"],
        words: &["apply|create"],
        contains: &["application"],
        what: "kubectl apply -f …applications",
    },
    Cmd {
        programs: &["kubectl"],
        words: &["apply|create"],
        contains: &["argoproj/argo-cd"],
        what: "kubectl apply of the Argo CD install manifest",
    },
];

/// Jobs that drive Argo CD through its CLI.
pub struct CliBootstrap;

impl Rule for CliBootstrap {
    fn meta(&self) -> Meta {
        Meta {
            id: "argocd-cli-bootstrap",
            component: "argocd",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job running argocd login / app create / repo add / cluster add / proj create, or kubectl apply of Applications",
            replace_with: "Application, ApplicationSet and AppProject CRs in an app-of-apps (or the argocd-apps chart: applications, applicationsets, projects), repository/cluster Secrets from ExternalSecrets",
            sources: &[
                "https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/",
                "https://github.com/argoproj/argo-helm/tree/main/charts/argocd-apps",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: CLI_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_script(object, report, CLI_CMDS);
    }
}

const CLI_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, Pod, init container or `postStart` hook whose command runs
`argocd login`, `argocd app create|set`, `argocd repo add`, `argocd repocreds add`, `argocd cluster add`,
`argocd proj create`, or `kubectl apply|create -f` of Application manifests or the Argo CD install manifest.

## Why it matters
Imperative CLI calls are state Argo CD cannot see in git: they need an admin token in the Job, run once,
and drift. Argo CD is declarative by design: its own objects are CRs.

## What to use instead
`Application`, `ApplicationSet` and `AppProject` CRs (app-of-apps, or the `argocd-apps` chart's
`applications`, `applicationsets`, `projects` values); repositories and clusters as labelled Secrets from
ExternalSecrets or the argo-cd chart's `configs.repositories` / `configs.clusterCredentials`.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: bootstrap
          image: quay.io/argoproj/argocd:v3.4.4
          command: [sh, -c, 'argocd login argocd-server --insecure --username admin --password $PW &&
            argocd app create platform --repo https://git.example.com/platform.git --path apps']
```
";

/// Hand-written Argo CD workloads and vendored install.yaml workloads.
pub struct VendoredInstall;

impl Rule for VendoredInstall {
    fn meta(&self) -> Meta {
        Meta {
            id: "argocd-vendored-install",
            component: "argocd",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Argo CD workload from a vendored install.yaml (part-of: argocd without helm.sh/chart) or written by hand",
            replace_with: "the argo-cd chart (https://argoproj.github.io/argo-helm, oci://ghcr.io/argoproj/argo-helm/argo-cd) with configs.*, server.ingress.enabled=false, dex.enabled, redis-ha and extraObjects",
            sources: CHART_SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: VENDORED_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        let main = pod.main_containers();
        let argocd = main.iter().find(|c| c.image.matches_any(ARGOCD_IMAGES));
        let vendored = object.label("app.kubernetes.io/part-of") == Some("argocd") && object.helm_chart().is_none();
        let Some(container) = argocd.or(if vendored { main.first() } else { None }) else { return };
        let how = if vendored {
            "is part of a vendored Argo CD install.yaml (app.kubernetes.io/part-of: argocd, no helm.sh/chart label)"
                .to_string()
        } else {
            format!("runs Argo CD ({}) {}", container.image, object.origin().describe())
        };
        report.flag(object, format!("{} {how}", object.display())).at(container.field("image"));
    }
}

const VENDORED_DOCS: &str = "\
## What it detects
A long-running workload written locally that runs Argo CD (`quay.io/argoproj/argocd`, also behind a
mirror), or that carries `app.kubernetes.io/part-of: argocd` without a `helm.sh/chart` label: the shape of
a vendored `install.yaml` (argocd-redis, argocd-dex-server, ...). One finding per workload; objects rendered
by the argo-cd chart carry `helm.sh/chart: argo-cd-<ver>` and are never flagged.

## Why it matters
A copied install.yaml is frozen at the version it was copied from and carries none of the configuration
the chart would render; upgrades become manual diffs of thousands of lines.

## What to use instead
The `argo-cd` chart (`https://argoproj.github.io/argo-helm` or `oci://ghcr.io/argoproj/argo-helm/argo-cd`)
with `configs.*`, `server.ingress.enabled=false` behind the shared edge, `dex.enabled=false` with the shared
IdP, and `extraObjects` for overlays.

## Example
```yaml
kind: Deployment
metadata:
  name: argocd-server
  labels: {app.kubernetes.io/part-of: argocd}   # no helm.sh/chart: flagged
spec:
  template:
    spec:
      containers: [{name: argocd-server, image: quay.io/argoproj/argocd:v2.9.3}]
```
";

/// Published Helm repositories of the catalog's charts.
const CHART_REPOS: &[(&str, &str)] = &[
    ("redpanda", "https://charts.redpanda.com"),
    ("redpanda-operator", "https://charts.redpanda.com"),
    ("temporal", "https://go.temporal.io/helm-charts"),
    ("daytona", "https://charts.daytona.io"),
    ("daytona-region", "https://charts.daytona.io"),
    ("gha-runner-scale-set-controller", "oci://ghcr.io/actions/actions-runner-controller-charts"),
    ("gha-runner-scale-set", "oci://ghcr.io/actions/actions-runner-controller-charts"),
    ("openbao", "https://openbao.github.io/openbao-helm"),
    ("external-secrets", "https://charts.external-secrets.io"),
    ("spire", "https://spiffe.github.io/helm-charts-hardened/"),
    ("spire-crds", "https://spiffe.github.io/helm-charts-hardened/"),
    ("traefik", "https://traefik.github.io/charts"),
    ("traefik-crds", "https://traefik.github.io/charts"),
    ("argo-cd", "https://argoproj.github.io/argo-helm"),
    ("argocd-apps", "https://argoproj.github.io/argo-helm"),
    ("argocd-image-updater", "https://argoproj.github.io/argo-helm"),
    ("datahub", "https://helm.datahubproject.io/"),
    ("datahub-prerequisites", "https://helm.datahubproject.io/"),
    ("graphql-engine", "https://hasura.github.io/helm-charts/"),
    ("opentelemetry-collector", "https://open-telemetry.github.io/opentelemetry-helm-charts"),
    ("opentelemetry-operator", "https://open-telemetry.github.io/opentelemetry-helm-charts"),
    ("opentelemetry-kube-stack", "https://open-telemetry.github.io/opentelemetry-helm-charts"),
    ("headlamp", "https://kubernetes-sigs.github.io/headlamp/"),
    ("nxrm-ha", "https://sonatype.github.io/helm3-charts/"),
    ("mimir-distributed", "https://grafana.github.io/helm-charts"),
    ("loki", "https://grafana.github.io/helm-charts"),
    ("tempo", "https://grafana.github.io/helm-charts"),
    ("grafana", "https://grafana-community.github.io/helm-charts"),
    ("supabase", "https://supabase-community.github.io/supabase-kubernetes"),
    ("altinity-clickhouse-operator", "https://helm.altinity.com"),
    ("longhorn", "https://charts.longhorn.io"),
    ("openfga", "https://openfga.github.io/helm-charts"),
    ("windmill", "https://windmill-labs.github.io/windmill-helm-charts/"),
    ("velero", "https://vmware-tanzu.github.io/helm-charts"),
    ("minio", "https://charts.min.io/"),
    ("penpot", "https://helm.penpot.app/"),
    ("kyverno", "https://kyverno.github.io/kyverno/"),
    ("kyverno-policies", "https://kyverno.github.io/kyverno/"),
    ("cloudnative-pg", "https://cloudnative-pg.github.io/charts"),
    ("valkey", "https://valkey.io/valkey-helm/"),
    ("mongodb-kubernetes", "https://mongodb.github.io/helm-charts"),
];

/// `(pointer prefix, dotted prefix)` of the Application spec of an Application or ApplicationSet.
fn app_spec(object: &Object) -> Option<(&'static str, &'static str)> {
    match object.kind.as_str() {
        "Application" => Some(("/spec", "spec")),
        "ApplicationSet" => Some(("/spec/template/spec", "spec.template.spec")),
        _ => None,
    }
}

/// Every source of the Application spec: `(dotted path, source)`.
fn sources<'a>(object: &'a Object, pointer: &str, dotted: &str) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    if let Some(source) = object.get(&format!("{pointer}/source")) {
        out.push((format!("{dotted}.source"), source));
    }
    for (i, source) in
        object.get(&format!("{pointer}/sources")).and_then(Value::as_array).into_iter().flatten().enumerate()
    {
        out.push((format!("{dotted}.sources[{i}]"), source));
    }
    out
}

/// An Application deploying a third-party chart from a git path.
pub struct LocalChartSource;

impl Rule for LocalChartSource {
    fn meta(&self) -> Meta {
        Meta {
            id: "argocd-local-chart-source",
            component: "argocd",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Argo CD Application deploying a third-party component from a chart copied into git instead of its upstream chart repository",
            replace_with: "spec.source.repoURL of the upstream Helm repository with chart: <name> and a pinned targetRevision; values through helm.valuesObject, or multiple sources with a ref: values source",
            sources: &[
                "https://argo-cd.readthedocs.io/en/stable/user-guide/helm/",
                "https://argo-cd.readthedocs.io/en/stable/user-guide/multiple_sources/",
            ],
            kinds: &["Application", "ApplicationSet"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: SOURCE_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        // Applications from argocd-apps values are the wrapper's own, like extraObjects.
        let authored = object.origin().is_local() || object.provenance.chart.as_deref() == Some("argocd-apps");
        let Some((pointer, dotted)) = app_spec(object).filter(|_| authored) else { return };
        for (at, source) in sources(object, pointer, dotted) {
            if source.get("chart").is_some() {
                continue;
            }
            let Some(path) = source.get("path").and_then(Value::as_str) else { continue };
            // A git path is a smell only when the chart there copies a published
            // chart, which only the chart sources (--charts) can show: a path to
            // the team's own wrapper chart is the thin-wrapper layout.
            let Some((chart, folder)) = copied_chart(report.charts(), path) else { continue };
            let repo = source.get("repoURL").and_then(Value::as_str).unwrap_or("?");
            let upstream = CHART_REPOS.iter().find(|(c, _)| *c == chart).map(|(_, r)| *r);
            let replacement = match upstream {
                Some(url) => format!(
                    "repoURL: {url}, chart: {chart}, targetRevision: <pinned version>; values via helm.valuesObject or a ref: source"
                ),
                None => format!(
                    "repoURL of the published {chart} chart repository, chart: {chart}, targetRevision: <pinned version>; values via helm.valuesObject or a ref: source"
                ),
            };
            report
                .flag(
                    object,
                    format!(
                        "{} deploys {chart} from the git path {path:?} of {repo}, a copy of the published chart ({folder}/Chart.yaml), instead of the upstream chart repository",
                        object.display()
                    ),
                )
                .at(format!("{at}.path"))
                .replace_with(replacement);
            return;
        }
    }
}

/// The published chart copied at the git `path` of an Application, and the
/// chart-sources folder that shows it: the folder must end with the path.
fn copied_chart<'a>(charts: &'a [Chart], path: &str) -> Option<(&'a str, &'a str)> {
    let path = path.trim_matches('/').trim_start_matches("./");
    if path.is_empty() || path.contains("{{") {
        return None;
    }
    charts.iter().find_map(|c| {
        let (copied, folder) = (c.copies.as_deref()?, c.source.as_deref()?);
        (folder == path || folder.ends_with(&format!("/{path}"))).then_some((copied, folder))
    })
}

const SOURCE_DOCS: &str = "\
## What it detects
An Argo CD `Application` (or `ApplicationSet` template) written locally, or passed through the `argocd-apps`
chart's values, with a source that has a git `path` (no `chart:`) where the chart sources (`--charts`) hold a
copy of a published chart: a `Chart.yaml` named like an upstream chart (`charts/redpanda` named `redpanda`)
that does not depend on it. The Application alone cannot show that, so without the chart sources nothing is
reported. The chart sources are taken to be the repository the Applications deploy from: `repoURL` is not
compared, the path must match the end of a source folder segment by segment. A path to the team's own wrapper chart (`charts/platform-novu`, or a `minio` wrapper that depends
on the upstream `minio`) is the thin-wrapper layout and is fine, and so are `chart:` sources from a Helm or
OCI repository.

## Why it matters
Argo CD Applications are resources like any other. A chart copied into git is a fork: it no longer
receives upstream fixes, its version is whatever was copied, and local edits hide in it.

## What to use instead
Point the source at the upstream chart repository: `repoURL: https://charts.redpanda.com`,
`chart: redpanda`, a pinned `targetRevision`, values through `helm.valuesObject`, or multiple sources
with a `ref: values` source for the values file kept in git.

## Example
```yaml
kind: Application
spec:
  source:
    repoURL: https://git.example.com/platform.git
    path: charts/redpanda          # flagged when charts/redpanda/Chart.yaml is a copy of the redpanda chart
    targetRevision: main
```
";

rules_sdk::export_rules!(HandWrittenConfig, LiteralCredentials, CliBootstrap, VendoredInstall, LocalChartSource);

#[cfg(test)]
use rules_sdk::secret::decode_base64 as base64_decode;

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] =
        &[&HandWrittenConfig, &LiteralCredentials, &CliBootstrap, &VendoredInstall, &LocalChartSource];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "argocd");
    }

    #[test]
    fn a_git_path_is_a_copy_only_when_the_chart_sources_show_one() {
        let copy = |source: &str, copies: Option<&str>| Chart {
            name: copies.unwrap_or("platform-novu").into(),
            source: Some(source.into()),
            copies: copies.map(str::to_string),
            upstream: copies.is_some(),
            ..Default::default()
        };
        let charts = [copy("deploy/charts/redpanda", Some("redpanda")), copy("charts/platform-novu", None)];
        assert_eq!(copied_chart(&charts, "charts/redpanda"), Some(("redpanda", "deploy/charts/redpanda")));
        assert_eq!(copied_chart(&charts, "./charts/redpanda/"), Some(("redpanda", "deploy/charts/redpanda")));
        assert_eq!(copied_chart(&charts, "charts/platform-novu"), None, "the team's own chart");
        assert_eq!(copied_chart(&charts, "s/redpanda"), None, "whole path segments only");
        assert_eq!(copied_chart(&charts, "charts/{{path.basename}}"), None);
        assert_eq!(copied_chart(&[], "charts/redpanda"), None, "no chart sources, no evidence");
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64_decode("aGFzdXJh").as_deref(), Some("hasura"));
        assert_eq!(base64_decode("eyJiZWFyZXJUb2tlbiI6ICJ4In0=").as_deref(), Some("{\"bearerToken\": \"x\"}"));
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[test]
    fn application_sets_and_argocd_apps_values_are_checked() {
        let yaml = r#"
# Source: argocd-apps/templates/applications.yaml
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: temporal, namespace: argocd, labels: {helm.sh/chart: argocd-apps-2.0.5}}
spec:
  sources:
    - {repoURL: "https://git.example.com/platform.git", targetRevision: main, ref: values}
    - {repoURL: "https://git.example.com/platform.git", targetRevision: main, path: third_party/temporal}
---
# Source: platform-apps/templates/appset.yaml
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: grafanas, namespace: argocd}
spec:
  template:
    spec:
      source: {repoURL: "https://git.example.com/platform.git", path: vendor/grafana, targetRevision: main}
---
# Source: argocd-apps/templates/applications.yaml
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: traefik, namespace: argocd, labels: {helm.sh/chart: argocd-apps-2.0.5}}
spec:
  source: {repoURL: "https://traefik.github.io/charts", chart: traefik, targetRevision: 41.3.0}
"#;
        // The Applications alone show no copy.
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
        // The chart sources do.
        let copy = |dir: &str, name: &str| Chart {
            name: name.into(),
            source: Some(dir.into()),
            copies: Some(name.into()),
            upstream: true,
            ..Default::default()
        };
        let charts = [copy("third_party/temporal", "temporal"), copy("vendor/grafana", "grafana")];
        let findings = rules_sdk::testing::check_yaml_with_charts(RULES, yaml, &charts);
        assert_eq!(
            keys(&findings),
            vec![
                ("argocd-local-chart-source", "Application", "temporal"),
                ("argocd-local-chart-source", "ApplicationSet", "grafanas"),
            ]
        );
        let temporal = findings.iter().find(|f| f.name == "temporal").unwrap();
        assert_eq!(temporal.path.as_deref(), Some("spec.sources[1].path"));
    }

    #[test]
    fn repository_secret_without_credentials_is_fine() {
        let yaml = r#"
apiVersion: v1
kind: Secret
metadata: {name: public-charts, namespace: argocd, labels: {argocd.argoproj.io/secret-type: repository}}
stringData: {url: "https://charts.example.com", type: helm, name: public}
---
apiVersion: v1
kind: Secret
metadata: {name: prod, namespace: argocd, labels: {argocd.argoproj.io/secret-type: cluster}}
stringData:
  server: https://prod.example.com
  config: '{"awsAuthConfig": {"clusterName": "prod", "roleARN": "arn:aws:iam::1:role/argocd"}}'
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
