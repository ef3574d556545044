//! Kyverno rules (catalog section 27).
//!
//! Kyverno registers its own admission webhooks at runtime (the chart never
//! renders them) and reconciles policies, cleanup and generated resources from
//! CRs: `ClusterPolicy` / `ValidatingPolicy` / `MutatingPolicy`,
//! `ClusterCleanupPolicy` / `DeletingPolicy`, generate rules /
//! `GeneratingPolicy`. Hand-written admission webhooks and the Deployments
//! serving them, `kubectl delete` cleanup CronJobs, Secret/ConfigMap copy and
//! namespace-label scripts, and Jobs running `kubectl apply -f policies/` are
//! reported. The chart's own hook Jobs (webhook removal, scale-to-zero,
//! resource migration) are upstream and allowed.

use std::collections::{BTreeMap, BTreeSet};

use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell::{self, Script};
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/kyverno/kyverno/tree/main/charts/kyverno",
    "https://kyverno.github.io/kyverno/",
    "https://kyverno.io/docs/",
];

/// API groups of built-in resources: a webhook matching them enforces cluster
/// policy (what Kyverno expresses), not the validation of one's own CRDs.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "*",
    "apps",
    "batch",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "policy",
    "autoscaling",
    "storage.k8s.io",
    "gateway.networking.k8s.io",
];

const WEBHOOK_KINDS: &[&str] = &["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"];

/// The `(namespace, name)` of every Service a webhook configuration calls, if
/// any of its webhooks matches built-in resources.
fn policy_webhook_services(object: &Object) -> Option<BTreeSet<(String, String)>> {
    let webhooks = object.get("/webhooks")?.as_array()?;
    let builtin = webhooks.iter().any(|w| {
        w.get("rules").and_then(Value::as_array).into_iter().flatten().any(|r| {
            r.get("apiGroups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|g| g.as_str().is_some_and(|g| BUILTIN_GROUPS.contains(&g)))
        })
    });
    if !builtin {
        return None;
    }
    Some(
        webhooks
            .iter()
            .filter_map(|w| {
                let svc = rules_sdk::object::pointer(w, "/clientConfig/service")?;
                Some((svc.get("namespace")?.as_str()?.to_string(), svc.get("name")?.as_str()?.to_string()))
            })
            .collect(),
    )
}

/// Hand-written admission webhooks for built-in resources, and the workloads serving them.
pub struct CustomAdmission;

impl Rule for CustomAdmission {
    fn meta(&self) -> Meta {
        Meta {
            id: "kyverno-custom-admission",
            component: "kyverno",
            category: Category::PolicyOverlap,
            severity: Severity::Warning,
            summary: "Hand-written Validating/MutatingWebhookConfiguration on built-in resources, and the Service and Deployment serving it",
            replace_with: "Kyverno ClusterPolicy (validate/mutate rules) or ValidatingPolicy/MutatingPolicy (policies.kyverno.io), with PolicyExceptions for documented exceptions; the kyverno-policies chart for Pod Security Standards",
            sources: SOURCES,
            kinds: &[
                "ValidatingWebhookConfiguration",
                "MutatingWebhookConfiguration",
                "Service",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "Pod",
            ],
            scope: Scope::WholeSet,
            supersedes: &["policy-overlap", "upstream-available", "thin-overlay"],
            docs: ADMISSION_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let local = || objects.iter().copied().filter(|o| o.origin().is_local());
        // Service (namespace, name) -> the webhook configuration calling it.
        let mut services: BTreeMap<(String, String), String> = BTreeMap::new();
        for object in local().filter(|o| WEBHOOK_KINDS.contains(&o.kind.as_str())) {
            let Some(refs) = policy_webhook_services(object) else { continue };
            report
                .flag(
                    object,
                    format!(
                        "{} is a hand-written admission webhook on built-in resources {}; Kyverno policies express these rules",
                        object.display(),
                        object.origin().describe()
                    ),
                )
                .at("webhooks");
            for r in refs {
                services.entry(r).or_insert_with(|| object.display());
            }
        }
        if services.is_empty() {
            return;
        }
        // The pods each referenced Service selects: (namespace, selector, webhook).
        let mut selectors: Vec<(String, BTreeMap<String, String>, String)> = Vec::new();
        for svc in local().filter(|o| o.kind == "Service") {
            let ns = svc.namespace.clone().unwrap_or_default();
            let Some(webhook) = services.get(&(ns.clone(), svc.name.clone())) else { continue };
            let Some(Value::Object(sel)) = svc.get("/spec/selector") else { continue };
            let sel: BTreeMap<String, String> =
                sel.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect();
            if !sel.is_empty() {
                report
                    .flag(
                        svc,
                        format!(
                            "{} fronts the hand-written admission webhook {webhook} {}",
                            svc.display(),
                            svc.origin().describe()
                        ),
                    )
                    .at("spec.selector");
                selectors.push((ns, sel, webhook.clone()));
            }
        }
        for workload in local().filter(|o| smell::LONG_RUNNING_KINDS.contains(&o.kind.as_str())) {
            let Some(pod) = workload.pod_spec() else { continue };
            let labels = pod.labels();
            let ns = workload.namespace.clone().unwrap_or_default();
            let hit = selectors
                .iter()
                .find(|(sns, sel, _)| *sns == ns && sel.iter().all(|(k, v)| labels.get(k).is_some_and(|l| l == v)));
            if let Some((_, _, webhook)) = hit {
                let image = pod.main_containers().first().map(|c| c.image.to_string()).unwrap_or_default();
                report.flag(
                    workload,
                    format!(
                        "{} ({image}) serves the hand-written admission webhook {webhook} {}",
                        workload.display(),
                        workload.origin().describe()
                    ),
                );
            }
        }
    }
}

const ADMISSION_DOCS: &str = "\
## What it detects
A locally written `ValidatingWebhookConfiguration` or `MutatingWebhookConfiguration` whose rules match
built-in resources (API groups `\"\"`, `apps`, `batch`, `networking.k8s.io`, `rbac.authorization.k8s.io`,
`policy`, `*`, ...), the locally written Service its `clientConfig.service` names, and the locally written
Deployment/StatefulSet/DaemonSet that Service selects (never identified by name). Webhooks that only validate
one's own CRDs are left alone. Upstream-rendered webhooks (cert-manager, ...) are never reported; Kyverno
registers its own webhooks at runtime.

## Why it matters
A custom admission controller is policy code the team owns: TLS, failure policy, HA, timeouts, exceptions and
audit reporting. Next to Kyverno it is a second policy engine with overlapping, unreported decisions.

## What to use instead
Kyverno `ClusterPolicy` validate/mutate rules, or `ValidatingPolicy`/`MutatingPolicy` (`policies.kyverno.io`),
with `PolicyException`s for documented exceptions; the `kyverno-policies` chart
(`podSecurityStandard`, `validationFailureAction`) for Pod Security Standards.

## Example
```yaml
# Source: platform-policy/templates/webhook.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
webhooks:
  - name: no-privileged.acme.io
    clientConfig: {service: {name: pod-guard, namespace: policy, path: /validate}}
    rules: [{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
```
";

/// The arguments after every `kubectl` word of a command line, one slice per
/// occurrence. `kubectl` may follow shell keywords (`do kubectl …`) or other
/// prefixes, so every occurrence counts, not only the first word.
fn kubectl_calls(command_line: &str) -> Vec<Vec<String>> {
    shell::simple_commands(command_line)
        .into_iter()
        .flat_map(|words| {
            let starts: Vec<usize> = words
                .iter()
                .enumerate()
                .filter(|(_, w)| w.rsplit('/').next() == Some("kubectl"))
                .map(|(i, _)| i)
                .collect();
            starts.into_iter().map(|i| words[i + 1..].to_vec()).collect::<Vec<_>>()
        })
        .collect()
}

/// The positional words of a kubectl call (verb, resource, name…), without
/// flags and the values of flags that take a separate one (`-n ns`).
fn kubectl_positional(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if let Some(flag) = a.strip_prefix('-') {
            skip = !a.contains('=')
                && matches!(
                    flag,
                    "n" | "-namespace" | "-context" | "-kubeconfig" | "-cluster" | "-user" | "s" | "-server"
                );
            continue;
        }
        out.push(a.as_str());
    }
    out
}

/// The verb of a kubectl call.
fn kubectl_verb(args: &[String]) -> Option<&str> {
    kubectl_positional(args).first().copied()
}

/// The first script of a locally written object for which `pred` holds on some
/// kubectl call: `(script, description)`.
fn find_kubectl<'a>(
    object: &'a Object,
    pred: impl Fn(&str, &[String], &[Vec<String>]) -> Option<&'static str>,
) -> Option<(Script<'a>, &'static str)> {
    if !object.origin().is_local() {
        return None;
    }
    smell::scripts(object).into_iter().find_map(|s| {
        let calls = kubectl_calls(&s.command_line);
        let what = calls.iter().find_map(|args| pred(kubectl_verb(args)?, args, &calls))?;
        Some((s, what))
    })
}

fn flag_kubectl(object: &Object, report: &mut Report, script: Script, what: &str) {
    report
        .flag(
            object,
            format!(
                "{} {} {:?} runs `{what}` {}",
                object.display(),
                script.place,
                script.container.name,
                object.origin().describe()
            ),
        )
        .at(script.field);
}

/// CronJobs deleting resources with kubectl on a schedule.
pub struct CleanupCronJob;

impl Rule for CleanupCronJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "kyverno-cleanup-cronjob",
            component: "kyverno",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "CronJob running `kubectl delete` to clean up resources on a schedule",
            replace_with: "a Kyverno ClusterCleanupPolicy/CleanupPolicy (kyverno.io/v2: match, conditions, schedule) or a DeletingPolicy (policies.kyverno.io), run by the chart's cleanup controller",
            sources: &[
                "https://kyverno.io/docs/policy-types/cleanup-policy/",
                "https://github.com/kyverno/kyverno/tree/main/charts/kyverno",
            ],
            kinds: &["CronJob"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: CLEANUP_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if let Some((script, what)) = find_kubectl(object, |verb, _, _| (verb == "delete").then_some("kubectl delete"))
        {
            flag_kubectl(object, report, script, what);
        }
    }
}

const CLEANUP_DOCS: &str = "\
## What it detects
A locally written CronJob whose container or initContainer runs `kubectl delete …` (pods, jobs, replicasets,
namespaces, ...) on a schedule, including inside loops and `sh -c` scripts.

## Why it matters
Cleanup by CronJob needs a service account allowed to delete across namespaces, has no dry-run or report, and
its selection logic lives in shell. Kyverno's cleanup controller deletes declaratively and reports.

## What to use instead
A `ClusterCleanupPolicy`/`CleanupPolicy` (`kyverno.io/v2`: `match`, `exclude`, `conditions`, `schedule`) or a
`DeletingPolicy` (`policies.kyverno.io`), run by the kyverno chart's cleanup controller.

## Example
```yaml
apiVersion: kyverno.io/v2
kind: ClusterCleanupPolicy
metadata: {name: failed-pods}
spec:
  schedule: '*/30 * * * *'
  match: {any: [{resources: {kinds: [Pod]}}]}
  conditions: {all: [{key: '{{ target.status.phase }}', operator: Equals, value: Failed}]}
```
";

/// Secret/ConfigMap copy and namespace-labelling scripts.
pub struct SyncScript;

const COPIED_KINDS: &[&str] = &["secret", "secrets", "configmap", "configmaps", "cm"];
const NAMESPACE_WORDS: &[&str] = &["namespace", "namespaces", "ns"];

impl Rule for SyncScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "kyverno-sync-script",
            component: "kyverno",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Script copying Secrets/ConfigMaps across namespaces or labelling namespaces with kubectl",
            replace_with: "a Kyverno generate rule (ClusterPolicy generate with synchronize: true, clone/cloneList) or a GeneratingPolicy; an ESO ClusterExternalSecret for Secrets; namespace labels set where the namespace is declared or by a mutate rule",
            sources: &[
                "https://kyverno.io/docs/policy-types/cluster-policy/generate/",
                "https://external-secrets.io/latest/api/clusterexternalsecret/",
                "https://github.com/kyverno/kyverno/tree/main/charts/kyverno",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SYNC_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let found = find_kubectl(object, |verb, args, calls| {
            let kind = kubectl_positional(args).get(1).copied();
            let kind_is = |set: &[&str]| kind.is_some_and(|k| set.contains(&k.split('/').next().unwrap_or(k)));
            if verb == "get" && kind_is(COPIED_KINDS) {
                // A copy: the object read here is written back by another kubectl call.
                let writes =
                    calls.iter().any(|c| kubectl_verb(c).is_some_and(|v| matches!(v, "apply" | "create" | "replace")));
                return writes.then_some("kubectl get secret|configmap … | kubectl apply (copy across namespaces)");
            }
            if matches!(verb, "label" | "annotate") && kind_is(NAMESPACE_WORDS) {
                return Some("kubectl label namespace");
            }
            None
        });
        if let Some((script, what)) = found {
            flag_kubectl(object, report, script, what);
        }
    }
}

const SYNC_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or postStart hook that copies Secrets or ConfigMaps
between namespaces (`kubectl get secret|configmap … -o yaml | … | kubectl apply|create -n <other> -f -`), or
labels/annotates namespaces (`kubectl label namespace …`), including inside loops over namespaces.

## Why it matters
Copies drift as soon as the source changes and new namespaces miss them until the script runs again; the
script needs cluster-wide read access to Secrets.

## What to use instead
A Kyverno generate rule (`ClusterPolicy` with `generate.synchronize: true` and `clone`/`cloneList`) or a
`GeneratingPolicy`; for Secrets an ESO `ClusterExternalSecret` with a `namespaceSelector`. Set namespace labels
where the namespace is declared, or with a mutate rule.

## Example
```yaml
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: copy
              image: bitnami/kubectl
              command: [sh, -c, 'for ns in $(kubectl get ns -o name); do kubectl get secret registry -n infra -o yaml | sed ... | kubectl apply -n ${ns#*/} -f -; done']
```
";

/// Jobs applying policy manifests with kubectl.
pub struct PolicyApplyJob;

impl Rule for PolicyApplyJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "kyverno-policy-apply-job",
            component: "kyverno",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or CronJob running `kubectl apply -f policies/` to install Kyverno policies",
            replace_with: "ship the policies as ClusterPolicy/ValidatingPolicy CRs in the wrapper's templates, or use the kyverno-policies chart (podSecurityStandard: baseline|restricted, validationFailureAction: Audit|Enforce, policyKind, policyType, customPolicies, policyExclude)",
            sources: &[
                "https://github.com/kyverno/kyverno/tree/main/charts/kyverno-policies",
                "https://kyverno.github.io/kyverno/",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: APPLY_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let found = find_kubectl(object, |verb, args, _| {
            let applies = matches!(verb, "apply" | "create" | "replace");
            let policies = args.iter().any(|a| a.to_ascii_lowercase().contains("polic"));
            (applies && policies).then_some("kubectl apply -f policies/")
        });
        if let Some((script, what)) = found {
            flag_kubectl(object, report, script, what);
        }
    }
}

const APPLY_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod or initContainer running `kubectl apply|create|replace` on policy
manifests: a file, directory, kustomization or URL whose path mentions policies (`-f policies/`,
`-k kyverno-policies`, `-f …/clusterpolicy.yaml`).

## Why it matters
Policies applied by a Job live outside the release: Helm does not track, diff or prune them, and a failed Job
leaves the cluster without its guardrails.

## What to use instead
Ship `ClusterPolicy`/`ValidatingPolicy` CRs in the wrapper's templates, or use the `kyverno-policies` chart
(`podSecurityStandard: baseline|restricted`, `validationFailureAction: Audit|Enforce`, `policyKind`,
`policyType`, `customPolicies`, `policyExclude`).

## Example
```yaml
kind: Job
metadata:
  annotations: {helm.sh/hook: post-install,post-upgrade}
spec:
  template:
    spec:
      containers:
        - name: apply
          image: bitnami/kubectl
          command: [kubectl, apply, -f, /policies/]
```
";

rules_sdk::export_rules!(CustomAdmission, CleanupCronJob, SyncScript, PolicyApplyJob);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&CustomAdmission, &CleanupCronJob, &SyncScript, &PolicyApplyJob];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "kyverno");
    }

    #[test]
    fn kubectl_verbs_skip_flags() {
        let calls = kubectl_calls("for ns in a b; do kubectl -n $ns --context=x delete pods -l x=y; done");
        assert_eq!(calls.len(), 1);
        assert_eq!(kubectl_verb(&calls[0]), Some("delete"));
        assert_eq!(kubectl_verb(&["--namespace".into(), "x".into(), "get".into()]), Some("get"));
    }

    #[test]
    fn crd_only_webhooks_and_upstream_hooks_are_clean() {
        let yaml = r#"
# Source: platform-operators/templates/webhook.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: widgets.acme.io}
webhooks:
  - name: widgets.acme.io
    clientConfig: {service: {name: widget-operator, namespace: ops}}
    rules: [{apiGroups: [acme.io], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [widgets]}]
---
# Source: kyverno/templates/hooks/pre-delete-remove-webhooks.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: kyverno-rm-webhooks, namespace: kyverno, labels: {helm.sh/chart: kyverno-3.9.0}}
spec:
  template:
    spec:
      containers: [{name: kubectl, image: "ghcr.io/kyverno/readiness-checker:v1.19.0", command: [sh, -c, "kubectl delete validatingwebhookconfiguration -l webhook.kyverno.io/managed-by=kyverno"]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    #[test]
    fn gatekeeper_beside_kyverno_is_one_finding_per_resource() {
        let yaml = r#"
# Source: gatekeeper/templates/gatekeeper-validating-webhook-configuration-validatingwebhookconfiguration.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: gatekeeper-validating-webhook-configuration}
webhooks:
  - name: validation.gatekeeper.sh
    clientConfig: {service: {name: gatekeeper-webhook-service, namespace: gatekeeper-system, path: /v1/admit}}
    rules: [{apiGroups: ["*"], apiVersions: ["*"], operations: [CREATE, UPDATE], resources: ["*"]}]
  - name: check-ignore-label.gatekeeper.sh
    clientConfig: {service: {name: gatekeeper-webhook-service, namespace: gatekeeper-system, path: /v1/admitlabel}}
    rules: [{apiGroups: [""], apiVersions: ["*"], operations: [CREATE, UPDATE], resources: [namespaces]}]
---
# Source: gatekeeper/templates/gatekeeper-webhook-service-service.yaml
apiVersion: v1
kind: Service
metadata: {name: gatekeeper-webhook-service, namespace: gatekeeper-system}
spec: {selector: {control-plane: controller-manager, gatekeeper.sh/operation: webhook}}
---
# Source: gatekeeper/templates/gatekeeper-controller-manager-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: gatekeeper-controller-manager, namespace: gatekeeper-system}
spec:
  template:
    metadata: {labels: {control-plane: controller-manager, gatekeeper.sh/operation: webhook, gatekeeper.sh/system: "yes"}}
    spec:
      containers: [{name: manager, image: "openpolicyagent/gatekeeper:v3.20.0"}]
---
# Source: gatekeeper/templates/gatekeeper-audit-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: gatekeeper-audit, namespace: gatekeeper-system}
spec:
  template:
    metadata: {labels: {control-plane: audit-controller, gatekeeper.sh/operation: audit}}
    spec:
      containers: [{name: manager, image: "openpolicyagent/gatekeeper:v3.20.0"}]
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![
                ("kyverno-custom-admission", "Deployment", "gatekeeper-controller-manager"),
                ("kyverno-custom-admission", "Service", "gatekeeper-webhook-service"),
                (
                    "kyverno-custom-admission",
                    "ValidatingWebhookConfiguration",
                    "gatekeeper-validating-webhook-configuration"
                ),
            ]
        );
    }

    #[test]
    fn secret_copy_needs_a_write() {
        let yaml = r#"
apiVersion: batch/v1
kind: Job
metadata: {name: read-only}
spec:
  template:
    spec:
      containers: [{name: r, image: bitnami/kubectl, command: [sh, -c, "kubectl get secret tls -n infra -o jsonpath='{.data}'"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: label-ns}
spec:
  template:
    spec:
      containers: [{name: l, image: bitnami/kubectl, command: [kubectl, label, ns, apps, "istio-injection=enabled", --overwrite]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("kyverno-sync-script", "Job", "label-ns")]);
    }
}
