//! OpenBao rules (catalog section 6).
//!
//! The upstream `openbao` chart (https://openbao.github.io/openbao-helm)
//! renders the server StatefulSet (HA raft), the injector, the CSI provider and
//! the snapshot agent. Initialisation, unsealing, raft joins, mounts, auth
//! methods and policies belong in the server config (a `seal` stanza for
//! auto-unseal, `retry_join`, the self-init `initialize` stanza), not in
//! scripts. Scripts are reported wherever they run, also in an upstream
//! StatefulSet's `postStart` hook: the chart never runs them itself, so one
//! there came from the wrapper's `server.postStart` value.

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell;

const SOURCES: &[&str] = &[
    "https://github.com/openbao/openbao-helm",
    "https://openbao.org/docs/platform/k8s/helm/",
    "https://openbao.org/docs/configuration/self-init/",
];

/// Images of the injector, CSI provider and snapshot agent the chart renders.
const CHART_EXTRA_IMAGES: &[&str] = &[
    "hashicorp/vault-k8s",
    "openbao/openbao-k8s",
    "openbao/openbao-csi-provider",
    "hashicorp/vault-csi-provider",
    "openbao/openbao-snapshot-agent",
];

/// Where a command runs: every script [`smell::scripts`] knows, plus the main
/// containers of long-running workloads (an unseal sidecar loop).
struct Site<'a> {
    container: Container<'a>,
    line: String,
    field: String,
    place: &'static str,
}

fn command_sites(object: &Object) -> Vec<Site<'_>> {
    let mut sites: Vec<Site<'_>> = smell::scripts(object)
        .into_iter()
        .map(|s| Site { container: s.container, line: s.command_line, field: s.field, place: s.place })
        .collect();
    if smell::LONG_RUNNING_KINDS.contains(&object.kind.as_str()) && object.kind != "Pod" {
        for c in object.containers().into_iter().filter(|c| c.role == ContainerRole::Main) {
            let field = c.field(if c.body.get("command").is_some() { "command" } else { "args" });
            sites.push(Site { line: c.command_line(), field, place: "container", container: c });
        }
    }
    sites
}

/// The first site of `object` running one of `cmds`.
/// Flag the first command site of `object` running one of `cmds`, with that
/// command's replacement.
fn report_command(object: &Object, report: &mut Report, cmds: &[(Cmd, &'static str)]) {
    let Some((site, cmd, replacement)) = find_command(object, cmds) else { return };
    report
        .flag(
            object,
            format!(
                "{} {} {:?} runs `{}` {}",
                object.display(),
                site.place,
                site.container.name,
                cmd.what,
                where_from(object, &site)
            ),
        )
        .at(site.field)
        .replace_with(replacement);
}

fn find_command<'a>(object: &'a Object, cmds: &[(Cmd, &'static str)]) -> Option<(Site<'a>, Cmd, &'static str)> {
    command_sites(object)
        .into_iter()
        .find_map(|site| cmds.iter().find(|(c, _)| c.matches_line(&site.line)).map(|(c, r)| (site, *c, *r)))
}

/// "in wrapper chart X", or for an upstream StatefulSet the value it came from.
fn where_from(object: &Object, site: &Site<'_>) -> String {
    match (object.origin().is_upstream(), site.place) {
        (true, "postStart hook") => "set through the chart's server.postStart value".to_string(),
        (true, _) => "set through the chart's extraContainers/extraInitContainers values".to_string(),
        (false, _) => object.origin().describe(),
    }
}

/// A hand-written OpenBao/Vault server, injector, CSI provider or snapshot agent.
pub struct HandWrittenServer;

impl Rule for HandWrittenServer {
    fn meta(&self) -> Meta {
        Meta {
            id: "openbao-hand-written-server",
            component: "openbao",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written OpenBao/Vault server, agent injector, CSI provider or snapshot agent workload",
            replace_with: "the openbao chart (https://openbao.github.io/openbao-helm): server.ha.enabled with server.ha.raft.{enabled,config}, server.dataStorage, server.auditStorage, injector.*, csi.*, snapshotAgent.enabled",
            sources: SOURCES,
            kinds: smell::LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: SERVER_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() || !smell::LONG_RUNNING_KINDS.contains(&object.kind.as_str()) {
            return;
        }
        let servers = catalog::upstream("openbao").images;
        let Some(pod) = object.pod_spec() else { return };
        for c in pod.main_containers() {
            // `bao agent`/`vault agent` sidecars are the injector's pattern, not a server.
            let agent = shell::simple_commands(&c.command_line()).iter().any(|w| w.iter().any(|x| x == "agent"));
            let (what, replacement) = if c.image.matches_any(servers) && !agent {
                ("an OpenBao/Vault server", "the openbao chart's server.ha.enabled with server.ha.raft.enabled")
            } else if c.image.matches_any(CHART_EXTRA_IMAGES) {
                (
                    "an OpenBao injector, CSI provider or snapshot agent",
                    "the openbao chart's injector.*, csi.* or snapshotAgent.* values",
                )
            } else {
                continue;
            };
            report
                .flag(object, format!("{} runs {what} ({}) {}", object.display(), c.image, object.origin().describe()))
                .at(c.field("image"))
                .replace_with(replacement);
            return;
        }
    }
}

const SERVER_DOCS: &str = "\
## What it detects
A StatefulSet, Deployment, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain YAML)
whose main container runs an OpenBao or Vault server (`quay.io/openbao/openbao`, `openbao/openbao`,
`openbao/openbao-ubi`, `hashicorp/vault`, `hashicorp/vault-enterprise`, `vault`, `bitnami/vault`), or the injector
(`hashicorp/vault-k8s`), CSI provider or snapshot agent the chart ships. `bao agent`/`vault agent` sidecars are not
servers and are left alone.

## Why it matters
An HA OpenBao needs raft storage, `retry_join`, a seal stanza, TLS, PodDisruptionBudgets and ordered upgrades.
The chart renders all of it; a hand-written StatefulSet re-implements it and usually ends with manual unseal.

## What to use instead
The `openbao` chart: `server.ha.enabled: true`, `server.ha.raft.enabled: true` with `server.ha.raft.config`
(`storage \"raft\"`, `retry_join`, `seal \"<kms|transit>\"`), `server.dataStorage`, `server.auditStorage`,
`snapshotAgent.enabled`, `server.networkPolicy.enabled`.

## Example
```yaml
# Source: platform-secrets/templates/openbao.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: openbao
          image: quay.io/openbao/openbao:2.2.0   # flagged: use the openbao chart
          args: [server, -config=/openbao/config/config.hcl]
```
";

const INIT_CMDS: &[(Cmd, &str)] = &[
    (
        Cmd::new(&["bao", "vault"], &["operator", "init"], "bao operator init"),
        "OpenBao self-initialization: an initialize stanza in the server config (server.ha.raft.config), with auto-unseal through a seal stanza",
    ),
    (
        Cmd::new(&["bao", "vault"], &["operator", "unseal"], "bao operator unseal"),
        "auto-unseal: a seal \"<kms|transit>\" stanza in server.ha.raft.config, credentials through server.extraSecretEnvironmentVars",
    ),
    (
        Cmd::new(&["bao", "vault"], &["operator", "raft", "join"], "bao operator raft join"),
        "retry_join blocks in the raft storage stanza of server.ha.raft.config (the chart's default config joins the headless Service)",
    ),
];

/// `bao operator init|unseal|raft join` in Jobs, initContainers, postStart hooks or sidecars.
pub struct InitUnsealScript;

impl Rule for InitUnsealScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "openbao-init-unseal-script",
            component: "openbao",
            category: Category::BootstrapScript,
            severity: Severity::Error,
            summary: "bao/vault operator init, unseal or raft join run by a Job, initContainer, postStart hook or sidecar",
            replace_with: "a seal \"<kms|transit>\" stanza for auto-unseal and retry_join in server.ha.raft.config, seal credentials through server.extraSecretEnvironmentVars, and OpenBao self-initialization (initialize stanza)",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: INIT_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_command(object, report, INIT_CMDS);
    }
}

const INIT_DOCS: &str = "\
## What it detects
`bao operator init`, `bao operator unseal` or `bao operator raft join` (or the `vault` equivalents) in a Job,
CronJob, bare Pod, initContainer, `postStart` hook or sidecar loop, also when the script runs it in the server
pod with `kubectl exec <pod> -- vault operator init`. Reported wherever it runs, including the
`postStart` hook of the chart's own StatefulSet: the chart documents `server.postStart` as a place to
\"automate processes such as initialization\", but putting `bao operator init` there is still a script doing
the server's job.

## Why it matters
Scripted init has to capture the unseal keys and root token somewhere (usually a Kubernetes Secret); scripted
unseal has to keep those keys next to the server it protects. Every restart depends on the script.

## What to use instead
- Auto-unseal: a `seal \"<kms|transit>\"` stanza in `server.ha.raft.config`, credentials through
  `server.extraSecretEnvironmentVars`.
- Cluster formation: `retry_join` in the raft `storage` stanza.
- First-start provisioning: OpenBao self-initialization (`initialize` stanza).

## Example
```yaml
# Source: platform-secrets/templates/init.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: init
          image: quay.io/openbao/openbao:2.2.0
          command: [sh, -c, 'bao operator init -format=json > /tmp/init.json']   # flagged
```
";

/// Key names of unseal keys and root tokens.
fn is_key_material(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    n.contains("unseal") || n.contains("root_token") || n.contains("roottoken") || n.contains("recovery_key")
}

/// Unseal keys or the root token stored in a Kubernetes Secret.
pub struct KeysInSecret;

impl Rule for KeysInSecret {
    fn meta(&self) -> Meta {
        Meta {
            id: "openbao-keys-in-secret",
            component: "openbao",
            category: Category::InlineSecret,
            severity: Severity::Error,
            summary: "OpenBao unseal keys or root token written to a Kubernetes Secret (literal Secret or kubectl create secret)",
            replace_with: "auto-unseal with a seal \"<kms|transit>\" stanza (no unseal keys to store) and self-initialization; revoke the root token after bootstrap",
            sources: SOURCES,
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
            docs: KEYS_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if object.kind == "Secret" {
            if !object.origin().is_local() {
                return;
            }
            for field in ["data", "stringData"] {
                let Some(serde_json::Value::Object(map)) = object.get(&format!("/{field}")) else { continue };
                if let Some(key) = map.keys().find(|k| is_key_material(k)) {
                    report
                        .flag(
                            object,
                            format!("{} holds {key:?}: OpenBao key material in a Kubernetes Secret", object.display()),
                        )
                        .at(format!("{field}.{key}"));
                    return;
                }
            }
            return;
        }
        let kubectl_secret = Cmd::new(&["kubectl"], &["create|apply", "secret"], "kubectl create secret");
        for site in command_sites(object) {
            let lower = site.line.to_ascii_lowercase();
            let keys = ["unseal", "root_token", "root-token", "roottoken"].iter().any(|k| lower.contains(k));
            if keys && kubectl_secret.matches_line(&site.line) {
                report
                    .flag(
                        object,
                        format!(
                            "{} {} {:?} writes unseal keys or the root token to a Secret with kubectl {}",
                            object.display(),
                            site.place,
                            site.container.name,
                            where_from(object, &site)
                        ),
                    )
                    .at(site.field);
                return;
            }
        }
    }
}

const KEYS_DOCS: &str = "\
## What it detects
A locally written `Secret` whose `data`/`stringData` keys name unseal keys, recovery keys or the root token
(`unseal-key-0`, `unseal_keys_b64`, `root_token`, ...), or a script that pipes them into
`kubectl create secret`.

## Why it matters
The unseal keys and root token are the keys to every secret OpenBao holds. In a Kubernetes Secret they sit in
etcd next to the server they protect, readable by anyone with `get secrets` in the namespace.

## What to use instead
Auto-unseal through a `seal \"<kms|transit>\"` stanza, so there are no unseal keys to store; self-initialization
for first-start provisioning; revoke the root token after bootstrap.

## Example
```yaml
# Source: platform-secrets/templates/init.yaml
command: [sh, -c, 'bao operator init -format=json > /tmp/i.json &&
  kubectl create secret generic openbao-unseal --from-file=/tmp/i.json']   # flagged
```
";

const CONFIG_CMDS: &[(Cmd, &str)] = &[
    (Cmd::new(&["bao", "vault"], &["secrets", "enable"], "bao secrets enable"), SELF_INIT),
    (Cmd::new(&["bao", "vault"], &["auth", "enable"], "bao auth enable"), SELF_INIT),
    (Cmd::new(&["bao", "vault"], &["audit", "enable"], "bao audit enable"), SELF_INIT),
    (Cmd::new(&["bao", "vault"], &["policy", "write"], "bao policy write"), SELF_INIT),
    (
        Cmd {
            programs: &["bao", "vault"],
            words: &["write"],
            contains: &["auth/kubernetes/config"],
            what: "bao write auth/kubernetes/config",
        },
        SELF_INIT,
    ),
    (
        Cmd::new(&["bao", "vault"], &["operator", "raft", "snapshot", "save"], "bao operator raft snapshot save"),
        "the chart's snapshotAgent.enabled (ghcr.io/openbao/openbao-snapshot-agent CronJob) with snapshotAgent.config",
    ),
];

const SELF_INIT: &str = "OpenBao self-initialization: an initialize stanza in the server config that enables mounts, auth methods, audit devices and policies on first start";

/// Imperative mount/auth/policy configuration and snapshot scripts.
pub struct ImperativeConfig;

impl Rule for ImperativeConfig {
    fn meta(&self) -> Meta {
        Meta {
            id: "openbao-imperative-config",
            component: "openbao",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or hook enabling OpenBao secrets engines, auth methods, audit devices or policies, or saving raft snapshots, by script",
            replace_with: "OpenBao self-initialization (initialize stanza: mounts, auth, audit, policies) and the chart's snapshotAgent.enabled for raft snapshots",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: CONFIG_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_command(object, report, CONFIG_CMDS);
    }
}

const CONFIG_DOCS: &str = "\
## What it detects
A Job, CronJob, bare Pod, initContainer, `postStart` hook or sidecar running `bao|vault secrets enable`,
`auth enable`, `audit enable`, `policy write`, `write auth/kubernetes/config`, or
`operator raft snapshot save`.

## Why it matters
Imperative configuration is applied once by whoever ran the Job last; a restored or re-created cluster does not
get it back, and nothing shows the drift. A snapshot CronJob re-implements the chart's snapshot agent.

## What to use instead
OpenBao self-initialization: an `initialize` stanza in the server config that provisions audit devices, auth
methods, mounts and policies on first start (https://openbao.org/docs/configuration/self-init). Raft
snapshots: the chart's `snapshotAgent.enabled`.

## Example
```yaml
# Source: platform-secrets/templates/configure.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: configure
          image: quay.io/openbao/openbao:2.2.0
          command: [sh, -c, 'bao secrets enable -path=platform kv-v2 && bao auth enable kubernetes']   # flagged
```
";

const INJECT: &str = "vault.hashicorp.com/agent-inject";
const ESO_KINDS: &[&str] = &["ExternalSecret", "ClusterExternalSecret", "SecretStore", "ClusterSecretStore"];

/// Agent-injector secret delivery next to External Secrets.
pub struct InjectorWithEso;

impl Rule for InjectorWithEso {
    fn meta(&self) -> Meta {
        Meta {
            id: "openbao-injector-with-eso",
            component: "openbao",
            category: Category::PolicyOverlap,
            severity: Severity::Warning,
            summary: "OpenBao agent injector in use (pods annotated vault.hashicorp.com/agent-inject, or the chart's injector next to External Secrets): a second secret delivery path",
            replace_with: "injector.enabled: false in the openbao chart, and an ExternalSecret from a ClusterSecretStore backed by OpenBao for each consumer",
            sources: &[
                "https://github.com/openbao/openbao-helm",
                "https://external-secrets.io/latest/provider/openbao/",
            ],
            kinds: &[
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "Job",
                "CronJob",
                "ExternalSecret",
                "ClusterExternalSecret",
                "SecretStore",
                "ClusterSecretStore",
            ],
            scope: Scope::WholeSet,
            supersedes: &[],
            docs: INJECT_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let eso = objects.iter().any(|o| ESO_KINDS.contains(&o.kind.as_str()));
        for object in objects.iter().filter(|o| o.is_workload()) {
            let Some(pod) = object.pod_spec() else { continue };
            let annotated = pod
                .metadata
                .and_then(|m| rules_sdk::object::pointer(m, &format!("/annotations/{}", INJECT.replace('/', "~1"))))
                .and_then(serde_json::Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            if annotated && object.origin().is_local() {
                report
                    .flag(
                        object,
                        format!("{} asks the agent injector for secrets ({INJECT}: \"true\")", object.display()),
                    )
                    .at(match pod.path.strip_suffix(".spec") {
                        Some(template) => format!("{template}.metadata.annotations"),
                        None => "metadata.annotations".to_string(),
                    });
                continue;
            }
            let injector = object.origin().is_upstream()
                && object.kind == "Deployment"
                && pod
                    .main_containers()
                    .iter()
                    .any(|c| c.image.matches_any(&["hashicorp/vault-k8s", "openbao/openbao-k8s"]));
            if eso && injector {
                report
                    .flag(
                        object,
                        format!(
                            "{} is the chart's agent injector (injector.enabled), running next to External Secrets",
                            object.display()
                        ),
                    )
                    .replace_with("injector.enabled: false");
            }
        }
    }
}

const INJECT_DOCS: &str = "\
## What it detects
A locally written workload whose pod template is annotated `vault.hashicorp.com/agent-inject: \"true\"`, and
the openbao chart's injector Deployment (`injector.enabled`, on by default) when the same run also holds
External Secrets objects (`ExternalSecret`, `ClusterSecretStore`, ...).

## Why it matters
The platform standard is External Secrets Operator: secrets reach pods as Kubernetes Secrets synced from
OpenBao. A second path through an injected agent sidecar means two sets of policies, two auth roles, and
secrets that never show up where the rest of the platform looks for them.

## What to use instead
`injector.enabled: false` in the openbao chart, and per consumer an `ExternalSecret` reading from a
`ClusterSecretStore` backed by OpenBao.

## Example
```yaml
kind: Deployment
spec:
  template:
    metadata:
      annotations:
        vault.hashicorp.com/agent-inject: \"true\"   # flagged: use an ExternalSecret
```
";

rules_sdk::export_rules!(HandWrittenServer, InitUnsealScript, KeysInSecret, ImperativeConfig, InjectorWithEso);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] =
        &[&HandWrittenServer, &InitUnsealScript, &KeysInSecret, &ImperativeConfig, &InjectorWithEso];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "openbao");
    }

    #[test]
    fn init_through_the_charts_post_start_value_is_still_a_script() {
        let yaml = r#"
# Source: openbao/templates/server-statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: openbao, labels: {helm.sh/chart: openbao-0.29.2}}
spec:
  template:
    spec:
      containers:
        - name: openbao
          image: quay.io/openbao/openbao:2.6.2
          lifecycle: {postStart: {exec: {command: [sh, -c, "sleep 5; bao operator init -key-shares=1 > /openbao/data/init.txt"]}}}
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("openbao-init-unseal-script", "StatefulSet", "openbao")]);
        assert!(findings[0].message.contains("server.postStart"), "{}", findings[0].message);
        assert_eq!(
            findings[0].path.as_deref(),
            Some("spec.template.spec.containers[0].lifecycle.postStart.exec.command")
        );
    }

    #[test]
    fn agent_sidecars_are_not_servers_and_status_checks_are_fine() {
        let yaml = r#"
# Source: platform-app/templates/app.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
        - {name: app, image: ghcr.io/acme/app:1}
        - {name: agent, image: quay.io/openbao/openbao:2.6.2, args: [agent, -config=/etc/agent.hcl]}
---
# Source: platform-app/templates/check.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: check}
spec:
  template:
    spec:
      containers: [{name: check, image: quay.io/openbao/openbao:2.6.2, command: [sh, -c, "bao status || true"]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    /// A wrapper's post-install Job running `script` in `image`.
    fn job(name: &str, image: &str, script: &str) -> String {
        format!(
            "# Source: platform-vault/templates/{name}.yaml\napiVersion: batch/v1\nkind: Job\nmetadata: {{name: {name}, namespace: vault, annotations: {{helm.sh/hook: post-install}}}}\nspec:\n  template:\n    spec:\n      restartPolicy: OnFailure\n      containers: [{{name: {name}, image: '{image}', command: [sh, -c, {}]}}]\n",
            serde_json::Value::String(script.to_string())
        )
    }

    #[test]
    fn init_unseal_and_join_through_kubectl_exec_into_the_server_pod() {
        let cases = [
            (
                "bitnami/kubectl:1.31",
                "kubectl exec -n vault vault-0 -- vault operator init -key-shares=1 -key-threshold=1 -format=json > /tmp/keys.json",
                "bao operator init",
            ),
            (
                "alpine/k8s:1.30.2",
                "kubectl -n vault exec -it vault-0 -c vault -- vault operator unseal $KEY",
                "bao operator unseal",
            ),
            ("hashicorp/vault:1.19.0", "kubectl exec vault-0 -- sh -c 'vault operator init'", "bao operator init"),
            (
                "quay.io/openbao/openbao:2.6.2",
                "kubectl exec $(kubectl get pod -l app=vault -o name | head -1) -- vault operator raft join http://vault-0.vault-internal:8200",
                "bao operator raft join",
            ),
            (
                "openbao/openbao:2.6.2",
                "KEYS=\"$(kubectl exec -n openbao openbao-0 -- bao operator init -format=json)\"; echo \"$KEYS\" > /tmp/k",
                "bao operator init",
            ),
        ];
        for (image, script, what) in cases {
            let findings = check_yaml(RULES, &job("vault-init", image, script));
            assert_eq!(keys(&findings), vec![("openbao-init-unseal-script", "Job", "vault-init")], "{image}: {script}");
            assert!(findings[0].message.contains(&format!("runs `{what}`")), "{}", findings[0].message);
            assert_eq!(findings[0].path.as_deref(), Some("spec.template.spec.containers[0].command"));
        }
        // As an argv list rather than a script, split between `command` and `args`.
        let yaml = "# Source: platform-vault/templates/init.yaml\napiVersion: batch/v1\nkind: Job\nmetadata: {name: init}\nspec:\n  template:\n    spec:\n      containers:\n        - name: init\n          image: bitnami/kubectl:1.31\n          command: [kubectl]\n          args: [exec, vault-0, --, vault, operator, init]\n";
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("openbao-init-unseal-script", "Job", "init")]);
        // Imperative configuration through kubectl exec is found the same way.
        let findings = check_yaml(
            RULES,
            &job("vault-config", "bitnami/kubectl:1.31", "kubectl exec vault-0 -- vault secrets enable -path=kv kv-v2"),
        );
        assert_eq!(keys(&findings), vec![("openbao-imperative-config", "Job", "vault-config")]);
    }

    #[test]
    fn kubectl_exec_text_and_vault_words_are_not_commands() {
        for script in [
            "echo 'Initialise with: kubectl exec -n vault vault-0 -- vault operator init'",
            "echo \"then run kubectl exec vault-0 -- vault operator unseal\"",
            "echo vault operator init",
            "kubectl exec vault-0 -- echo vault operator raft join",
            "kubectl exec vault-0 -- vault status; kubectl -n vault exec vault-0 -- vault operator raft list-peers",
            "kubectl get pods -n vault -l app.kubernetes.io/name=vault",
        ] {
            assert_eq!(
                keys(&check_yaml(RULES, &job("vault-check", "bitnami/kubectl:1.31", script))),
                vec![],
                "{script}"
            );
        }
        let readme = "# Source: platform-vault/templates/readme.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: readme}\ndata:\n  README.md: |\n    kubectl exec -n vault vault-0 -- vault operator init\n    kubectl exec -n vault vault-0 -- vault operator unseal\n";
        assert_eq!(keys(&check_yaml(RULES, readme)), vec![]);
    }

    #[test]
    fn vault_server_images_are_servers() {
        for image in [
            "hashicorp/vault:1.19.0",
            "docker.io/hashicorp/vault-enterprise:1.19.0-ent",
            "bitnami/vault:1.19.0",
            "vault:1.13.3",
            "registry.connect.redhat.com/hashicorp/vault:1.19.0-ubi",
            "quay.io/openbao/openbao-ubi:2.6.2",
        ] {
            let yaml = format!(
                "# Source: platform-vault/templates/vault.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: vault}}\nspec:\n  template:\n    spec:\n      containers: [{{name: vault, image: '{image}', args: [server]}}]\n"
            );
            assert_eq!(
                keys(&check_yaml(RULES, &yaml)),
                vec![("openbao-hand-written-server", "StatefulSet", "vault")],
                "{image}"
            );
        }
        // Images that merely share a word are not servers.
        for image in ["bitnami/kubectl:1.31", "ghcr.io/acme/vault-backup:1.0", "hashicorp/vault-csi-provider-x:1"] {
            let yaml = format!(
                "# Source: platform-vault/templates/tools.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: tools}}\nspec:\n  template:\n    spec:\n      containers: [{{name: tools, image: '{image}'}}]\n"
            );
            assert_eq!(keys(&check_yaml(RULES, &yaml)), vec![], "{image}");
        }
    }

    #[test]
    fn upstream_injector_is_fine_without_eso() {
        let yaml = r#"
# Source: openbao/templates/injector-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: openbao-agent-injector}
spec:
  template:
    spec:
      containers: [{name: sidecar-injector, image: docker.io/hashicorp/vault-k8s:1.7.2}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
        let with_eso = format!(
            "{yaml}---\n# Source: platform-app/templates/es.yaml\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: app}}\n"
        );
        assert_eq!(
            keys(&check_yaml(RULES, &with_eso)),
            vec![("openbao-injector-with-eso", "Deployment", "openbao-agent-injector")]
        );
    }
}
