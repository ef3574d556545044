//! External Secrets Operator rules (catalog section 7).
//!
//! ESO (https://charts.external-secrets.io) reconciles Kubernetes Secrets from
//! OpenBao: `ExternalSecret` pulls, `ClusterExternalSecret` fans one secret out
//! to many namespaces, `PushSecret` writes back, and the `Password` generator
//! makes random values. Scripts doing any of that by hand (`bao kv get |
//! kubectl create secret`, copy loops, `openssl rand`, curl to the KV API) are
//! reported once per resource, with the CRD that replaces what they do.

use rules_sdk::prelude::*;
use rules_sdk::smell;

const SOURCES: &[&str] = &[
    "https://github.com/external-secrets/external-secrets",
    "https://external-secrets.io/latest/",
    "https://external-secrets.io/latest/provider/openbao/",
];

const KV_GET: Cmd = Cmd::new(&["bao", "vault"], &["kv", "get"], "bao kv get");
const KV_READ: Cmd = Cmd::new(&["bao", "vault"], &["read"], "bao read");
const KV_PUT: Cmd = Cmd::new(&["bao", "vault"], &["kv", "put|patch"], "bao kv put");
const CURL_KV: Cmd = Cmd {
    programs: &["curl", "wget"],
    words: &[],
    contains: &["/v1/", "/data/", "token"],
    what: "curl to the OpenBao KV API",
};
const KUBECTL_GET_SECRET: Cmd =
    Cmd { programs: &["kubectl"], words: &["get"], contains: &["secret"], what: "kubectl get secret" };
const KUBECTL_WRITE: Cmd = Cmd::new(&["kubectl"], &["create|apply|replace"], "kubectl create/apply");
const KUBECTL_LITERAL: Cmd = Cmd {
    programs: &["kubectl"],
    words: &["create", "secret"],
    contains: &["--from-literal"],
    what: "kubectl create secret --from-literal",
};
const OPENSSL_RAND: Cmd = Cmd::new(&["openssl"], &["rand"], "openssl rand");
const PWGEN: Cmd = Cmd::new(&["pwgen"], &[], "pwgen");

/// Does some simple command of `line` match `cmd`?
fn runs(line: &str, cmd: &Cmd) -> bool {
    cmd.matches_line(line)
}

/// Random-secret generation: `openssl rand`, `/dev/urandom`, `pwgen`.
fn generates_secret(line: &str) -> bool {
    runs(line, &OPENSSL_RAND) || runs(line, &PWGEN) || line.contains("/dev/urandom")
}

/// What a secret script does, and the ESO object that does it instead.
fn classify(line: &str) -> Option<(&'static str, &'static str)> {
    let kv_read = runs(line, &KV_GET) || runs(line, &KV_READ) || runs(line, &CURL_KV);
    let kube_write = runs(line, &KUBECTL_WRITE);
    let kube_read = runs(line, &KUBECTL_GET_SECRET);
    if kube_read && runs(line, &KV_PUT) {
        return Some((
            "writes a Kubernetes Secret back to OpenBao (kubectl get secret | bao kv put)",
            "a PushSecret (or ClusterPushSecret) with a ClusterSecretStore backed by OpenBao",
        ));
    }
    if kv_read && kube_write {
        return Some((
            "copies an OpenBao secret into a Kubernetes Secret (bao kv get | kubectl create secret)",
            "an ExternalSecret with secretStoreRef to a ClusterSecretStore backed by OpenBao (spec.provider.vault or spec.provider.openBao)",
        ));
    }
    if kube_read && kube_write {
        return Some((
            "copies a Secret between namespaces (kubectl get secret | kubectl apply)",
            "a ClusterExternalSecret with namespaceSelectors",
        ));
    }
    if kv_read {
        return Some((
            "reads OpenBao KV at start-up (bao kv get / curl …/v1/<mount>/data/…) into files or env",
            "an ExternalSecret whose target Secret the pod consumes through envFrom.secretRef or a volume",
        ));
    }
    if runs(line, &KUBECTL_LITERAL) && !generates_secret(line) {
        return Some((
            "creates a Secret from literals (kubectl create secret --from-literal)",
            "an ExternalSecret reading the value from OpenBao",
        ));
    }
    None
}

/// Jobs, CronJobs, initContainers or hooks that move secrets around by script.
pub struct SyncScript;

impl Rule for SyncScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "external-secrets-sync-script",
            component: "external-secrets",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Script syncing secrets by hand: bao kv get into kubectl, curl to the KV API, cross-namespace copies, write-back to OpenBao, kubectl create secret --from-literal",
            replace_with: "ExternalSecret (pull), ClusterExternalSecret (fan-out to namespaces), PushSecret (write-back), from a ClusterSecretStore backed by OpenBao",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: &["bootstrap-script", "kyverno-sync-script"],
            docs: SYNC_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some((script, (what, replacement))) = smell::find_script_by(object, classify) else { return };
        report
            .flag(
                object,
                format!(
                    "{} {} {:?} {what} {}",
                    object.display(),
                    script.place,
                    script.container.name,
                    object.origin().describe()
                ),
            )
            .at(script.field)
            .replace_with(replacement);
    }
}

const SYNC_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or `postStart` hook whose script:
- reads OpenBao/Vault (`bao|vault kv get`, `bao read`, or curl to `/v1/<mount>/data/…` with a token) and
  writes a Secret with `kubectl create|apply`, or writes the values to files or env at start-up;
- copies a Secret between namespaces (`kubectl get secret … | kubectl apply -n …`);
- writes a Kubernetes Secret back to OpenBao (`kubectl get secret … | bao kv put`);
- creates a Secret from literals (`kubectl create secret generic --from-literal`).

One finding per resource, naming the ESO object that replaces what the script does.

## Why it matters
A sync script runs on a schedule or once; between runs, rotated values are stale, and the script needs a
token with read access to OpenBao and write access to Secrets in every namespace it touches.

## What to use instead
- Pull: an `ExternalSecret` with `secretStoreRef` to a `ClusterSecretStore` backed by OpenBao
  (`spec.provider.vault`, or the alpha `spec.provider.openBao`), with `refreshInterval`.
- Fan-out: a `ClusterExternalSecret` with `namespaceSelectors`.
- Write-back: a `PushSecret`.

## Example
```yaml
# Source: platform-apps/templates/sync-secrets.yaml
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: sync
              command: [sh, -c, 'bao kv get -format=json platform/billing/db | jq … |
                kubectl apply -f -']   # flagged: use an ExternalSecret
```
";

/// Random-secret scripts feeding kubectl.
pub struct GeneratedSecret;

impl Rule for GeneratedSecret {
    fn meta(&self) -> Meta {
        Meta {
            id: "external-secrets-generated-secret",
            component: "external-secrets",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Script generating a random secret (openssl rand, /dev/urandom, pwgen) and feeding it to kubectl create secret",
            replace_with: "an ESO Password generator (generators.external-secrets.io/v1alpha1 Password) referenced from an ExternalSecret's dataFrom[].sourceRef.generatorRef, or the upstream chart's generated/existing-secret value",
            sources: &[
                "https://external-secrets.io/latest/api/generator/password/",
                "https://github.com/external-secrets/external-secrets",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: GENERATED_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let generated = |line: &str| {
            let feeds_kubectl = runs(line, &KUBECTL_WRITE);
            (generates_secret(line) && feeds_kubectl).then_some(())
        };
        let Some((script, ())) = smell::find_script_by(object, generated) else { return };
        report
            .flag(
                object,
                format!(
                    "{} {} {:?} generates a random secret and writes it with kubectl {}",
                    object.display(),
                    script.place,
                    script.container.name,
                    object.origin().describe()
                ),
            )
            .at(script.field);
    }
}

const GENERATED_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or `postStart` hook whose script generates a random
value (`openssl rand`, `head -c … /dev/urandom`, `pwgen`) and writes it with `kubectl create|apply`.

## Why it matters
The generated value lives only in the cluster: a re-install generates a different one, nothing backs it up in
OpenBao, and the Job needs write access to Secrets.

## What to use instead
An ESO `Password` generator (`generators.external-secrets.io`) referenced from an `ExternalSecret`
(`dataFrom[].sourceRef.generatorRef`), optionally pushed to OpenBao with a `PushSecret`; or the upstream chart's
own generated or `existingSecret` value.

## Example
```yaml
# Source: platform-apps/templates/gen-secret.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: gen
          command: [sh, -c, 'kubectl create secret generic app-key
            --from-literal=key=$(openssl rand -hex 32)']   # flagged: use a Password generator
```
";

const ESO_IMAGES: &[&str] = &["external-secrets/external-secrets", "oracle/external-secrets"];

/// A hand-written External Secrets controller, webhook or cert-controller.
pub struct HandWrittenController;

impl Rule for HandWrittenController {
    fn meta(&self) -> Meta {
        Meta {
            id: "external-secrets-hand-written-controller",
            component: "external-secrets",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written External Secrets Operator controller, webhook or cert-controller workload",
            replace_with: "the external-secrets chart (https://charts.external-secrets.io) with installCRDs: true, webhook.*, certController.*",
            sources: SOURCES,
            kinds: smell::LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: CONTROLLER_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        smell::report_workload(object, report, ESO_IMAGES, "the External Secrets Operator");
    }
}

const CONTROLLER_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain YAML)
whose main container runs `ghcr.io/external-secrets/external-secrets` (controller, webhook or cert-controller),
also behind a registry mirror. The chart's own Deployments are never reported.

## Why it matters
The controller, its webhook and the cert-controller that rotates the webhook's certificate have to match the
CRD versions installed; the chart keeps CRDs, RBAC and the three workloads in step.

## What to use instead
The `external-secrets` chart with `installCRDs: true`, `webhook.*` and `certController.*`.

## Example
```yaml
# Source: platform-secrets/templates/eso.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: external-secrets
          image: ghcr.io/external-secrets/external-secrets:v0.9.20   # flagged
```
";

rules_sdk::export_rules!(SyncScript, GeneratedSecret, HandWrittenController);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&SyncScript, &GeneratedSecret, &HandWrittenController];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "external-secrets");
    }

    fn job(script: &str) -> String {
        format!(
            r#"
# Source: platform-apps/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata: {{name: job}}
spec:
  template:
    spec:
      containers: [{{name: c, image: alpine/k8s:1.30.2, command: [sh, -c, "{script}"]}}]
"#
        )
    }

    #[test]
    fn classifies_each_script_once() {
        let cases = [
            (
                "bao kv get -format=json platform/db | jq -r .data | kubectl apply -f -",
                "external-secrets-sync-script",
                "bao kv get",
            ),
            (
                "kubectl get secret tls -n infra -o yaml | sed s/infra/apps/ | kubectl apply -n apps -f -",
                "external-secrets-sync-script",
                "between namespaces",
            ),
            (
                "for ns in a b; do kubectl get secret tls -n infra -o yaml | kubectl apply -n $ns -f -; done",
                "external-secrets-sync-script",
                "between namespaces",
            ),
            (
                "kubectl get secret app -o jsonpath={.data.key} | base64 -d | bao kv put platform/app key=-",
                "external-secrets-sync-script",
                "back to OpenBao",
            ),
            (
                "kubectl create secret generic smtp --from-literal=password=hunter2",
                "external-secrets-sync-script",
                "from literals",
            ),
            (
                "curl -s -H X-Vault-Token:$TOKEN http://openbao:8200/v1/platform/data/app > /env/app.json",
                "external-secrets-sync-script",
                "start-up",
            ),
            (
                "kubectl create secret generic app-key --from-literal=key=$(openssl rand -hex 32)",
                "external-secrets-generated-secret",
                "random",
            ),
            (
                "PW=$(head -c 24 /dev/urandom | base64); kubectl create secret generic db --from-literal=password=$PW",
                "external-secrets-generated-secret",
                "random",
            ),
        ];
        for (script, rule, words) in cases {
            let findings = check_yaml(RULES, &job(script));
            assert_eq!(keys(&findings), vec![(rule, "Job", "job")], "{script}");
            assert!(findings[0].message.contains(words), "{}", findings[0].message);
        }
    }

    #[test]
    fn unrelated_kubectl_and_bao_are_fine() {
        for script in [
            "kubectl get pods",
            "bao status",
            "kubectl apply -f /manifests/app.yaml",
            "openssl rand -hex 16 > /tmp/nonce",
        ] {
            assert_eq!(keys(&check_yaml(RULES, &job(script))), vec![], "{script}");
        }
    }
}
