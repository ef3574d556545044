//! GitHub Actions self-hosted runner rules (catalog section 5).
//!
//! actions-runner-controller ("ARC") runs ephemeral runners from two charts:
//! `gha-runner-scale-set-controller` once per cluster and `gha-runner-scale-set`
//! once per pool (CRDs `AutoscalingRunnerSet`, `AutoscalingListener`,
//! `EphemeralRunnerSet`, `EphemeralRunner`). Runner pods are created by the
//! controller and never appear in `helm template` output, so their absence is
//! expected. A hand-written runner Deployment registering itself with
//! `config.sh --token`, a curl to the registration-token API, a privileged
//! `docker:dind` sidecar or an HPA/KEDA object scaling runners re-implements
//! what ARC reconciles.

use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell;
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/actions/actions-runner-controller",
    "https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners-with-actions-runner-controller/deploying-runner-scale-sets-with-actions-runner-controller",
];

const RUNNER_IMAGES: &[&str] = &[
    "actions/actions-runner",
    "summerwind/actions-runner",
    "summerwind/actions-runner-dind",
    "summerwind/actions-runner-dind-rootless",
    "myoung34/github-runner",
];

const CONTROLLER_IMAGES: &[&str] = &["actions/gha-runner-scale-set-controller", "summerwind/actions-runner-controller"];

const SCALE_SET: &str = "the gha-runner-scale-set chart: githubConfigUrl, githubConfigSecret (GitHub App Secret from an ExternalSecret), runnerScaleSetName, scaleSetLabels, minRunners, maxRunners, containerMode.type, template.spec";

/// The simple commands of `line`, each starting at its program (shell
/// keywords, `sudo`/`exec` and `VAR=value` prefixes dropped).
fn commands(line: &str) -> Vec<Vec<String>> {
    shell::simple_commands(line)
        .into_iter()
        .filter_map(|words| shell::program_index(&words).map(|start| words[start..].to_vec()))
        .collect()
}

fn program(words: &[String]) -> &str {
    words.first().map_or("", |p| p.rsplit('/').next().unwrap_or(""))
}

/// `./config.sh --url … --token …`: the runner registering itself.
fn registers_runner(line: &str) -> bool {
    commands(line)
        .iter()
        .any(|w| program(w) == "config.sh" && w.iter().any(|x| x.starts_with("--token") || x.starts_with("--url")))
}

/// Does the pod run a self-hosted runner (image, or `config.sh` registration)?
fn runner_container<'a>(object: &'a Object) -> Option<(Container<'a>, &'static str)> {
    object.pod_spec()?.main_containers().into_iter().find_map(|c| {
        if c.image.matches_any(RUNNER_IMAGES) {
            Some((c, "a self-hosted runner image"))
        } else if registers_runner(&c.command_line()) {
            Some((c, "config.sh --url/--token runner registration"))
        } else {
            None
        }
    })
}

/// A locally written, long-running runner workload.
fn local_runner(object: &Object) -> bool {
    object.origin().is_local()
        && smell::LONG_RUNNING_KINDS.contains(&object.kind.as_str())
        && runner_container(object).is_some()
}

/// A hand-written runner (or runner controller) workload.
pub struct HandWrittenRunner;

impl Rule for HandWrittenRunner {
    fn meta(&self) -> Meta {
        Meta {
            id: "github-runner-hand-written-runner",
            component: "github-runner",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written self-hosted GitHub Actions runner (config.sh --token, actions-runner image) or runner controller workload",
            replace_with: SCALE_SET,
            sources: SOURCES,
            kinds: smell::LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: RUNNER_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() || !smell::LONG_RUNNING_KINDS.contains(&object.kind.as_str()) {
            return;
        }
        if let Some((c, why)) = runner_container(object) {
            report
                .flag(
                    object,
                    format!(
                        "{} container {:?} runs {why} ({}) {}",
                        object.display(),
                        c.name,
                        c.image,
                        object.origin().describe()
                    ),
                )
                .at(c.field("image"));
            return;
        }
        if let Some(c) = smell::local_workload(object, CONTROLLER_IMAGES) {
            report
                .flag(
                    object,
                    format!("{} runs the ARC controller ({}) {}", object.display(), c.image, object.origin().describe()),
                )
                .at(c.field("image"))
                .replace_with("the gha-runner-scale-set-controller chart (oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller), once per cluster");
        }
    }
}

const RUNNER_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain YAML)
that runs a self-hosted runner — an image `ghcr.io/actions/actions-runner`, `summerwind/actions-runner*` or
`myoung34/github-runner`, or a command registering one (`./config.sh --url … --token …`, then `./run.sh`) — or
that runs the ARC controller image itself.

## Why it matters
Long-lived, self-registered runners keep state between jobs, hold a registration token, and scale by hand. ARC
creates one ephemeral runner per job from a scale set and removes it afterwards.

## What to use instead
The `gha-runner-scale-set-controller` chart once per cluster and one `gha-runner-scale-set` release per pool:
`githubConfigUrl`, `githubConfigSecret` (a pre-created Secret from an ExternalSecret), `runnerScaleSetName`,
`scaleSetLabels`, `minRunners`, `maxRunners`, `containerMode.type: dind|kubernetes|kubernetes-novolume`,
`template.spec`, `controllerServiceAccount`.

## Example
```yaml
# Source: platform-ci/templates/runner.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: runner
          image: ghcr.io/actions/actions-runner:2.317.0
          command: [sh, -c, './config.sh --url https://github.com/acme --token $RUNNER_TOKEN && ./run.sh']
```
";

/// `…/actions/runners/registration-token` or `remove-token` called from a script.
fn token_call(line: &str) -> Option<&'static str> {
    commands(line).iter().find_map(|w| {
        if !matches!(program(w), "curl" | "wget" | "gh" | "http" | "xh") {
            return None;
        }
        let text = w.join(" ");
        if text.contains("actions/runners/registration-token") {
            Some("registration-token")
        } else if text.contains("actions/runners/remove-token") {
            Some("remove-token")
        } else {
            None
        }
    })
}

/// Jobs, CronJobs, initContainers or hooks fetching runner tokens.
pub struct RegistrationToken;

impl Rule for RegistrationToken {
    fn meta(&self) -> Meta {
        Meta {
            id: "github-runner-registration-token",
            component: "github-runner",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job, CronJob, initContainer or hook calling the GitHub API for a runner registration-token or remove-token",
            replace_with: "githubConfigSecret on the gha-runner-scale-set chart (GitHub App credentials from an ExternalSecret); the ARC listener and controller manage runner registration",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: TOKEN_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if let Some((script, token)) = smell::find_script_by(object, token_call) {
            let message =
                smell::script_message(object, &script, &format!("requests a runner {token} from the GitHub API"));
            report.flag(object, message).at(script.field);
        }
    }
}

const TOKEN_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or `postStart` hook whose script calls
`…/actions/runners/registration-token` or `…/actions/runners/remove-token` with curl, wget or `gh api`.

## Why it matters
The script needs a PAT or App key with admin rights on the org, writes short-lived tokens into the cluster and
has to clean up runners that died without deregistering. ARC does all of this from `githubConfigSecret`.

## What to use instead
`githubConfigSecret` on the `gha-runner-scale-set` chart, holding GitHub App credentials synced from OpenBao by
an `ExternalSecret`; ARC's listener registers and removes ephemeral runners.

## Example
```yaml
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: token
              command: [sh, -c, 'curl -X POST -H \"Authorization: Bearer $PAT\"
                https://api.github.com/orgs/acme/actions/runners/registration-token']   # flagged
```
";

/// Is `c` a Docker daemon (dind image or dockerd command)?
fn is_dind(c: &Container<'_>) -> bool {
    let dind_image = c.image.matches("dind")
        || (c.image.matches("docker") && c.image.tag.as_deref().is_some_and(|t| t.contains("dind")))
        || c.image.matches_any(&["summerwind/actions-runner-dind", "summerwind/actions-runner-dind-rootless"]);
    dind_image || commands(&c.command_line()).iter().any(|w| program(w).starts_with("dockerd"))
}

/// A privileged dind sidecar next to a hand-written runner.
pub struct DindSidecar;

impl Rule for DindSidecar {
    fn meta(&self) -> Meta {
        Meta {
            id: "github-runner-dind-sidecar",
            component: "github-runner",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Hand-written privileged docker:dind sidecar in a self-hosted runner pod",
            replace_with: "containerMode.type: dind on the gha-runner-scale-set chart (or containerMode.type: kubernetes with kubernetesModeWorkVolumeClaim to avoid privileged pods)",
            sources: SOURCES,
            kinds: smell::LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: &["build-plane-workload", "build-plane-host-socket"],
            docs: DIND_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !local_runner(object) {
            return;
        }
        if let Some(c) = object.containers().into_iter().find(|c| c.privileged() && is_dind(c)) {
            report
                .flag(
                    object,
                    format!(
                        "{} runs a privileged Docker daemon {:?} ({}) next to a hand-written runner",
                        object.display(),
                        c.name,
                        c.image
                    ),
                )
                .at(c.field("securityContext.privileged"));
        }
    }
}

const DIND_DOCS: &str = "\
## What it detects
A privileged Docker daemon container (`docker:*dind*`, `*/dind`, `summerwind/actions-runner-dind*`, or a
`dockerd` command) in a locally written runner pod (see `github-runner-hand-written-runner`). It refines the
build-plane rules: in a runner pod the fix is ARC's container mode, not removing a build plane.

## Why it matters
A hand-wired dind sidecar is privileged on every runner, shares its socket through an emptyDir the job can
reach, and usually outlives the job. ARC's dind mode scopes it to one ephemeral runner; kubernetes mode needs no
privileged container at all.

## What to use instead
`containerMode.type: dind` on the `gha-runner-scale-set` chart, or `containerMode.type: kubernetes` (with
`kubernetesModeWorkVolumeClaim`) to run job containers as separate pods without privilege.

## Example
```yaml
containers:
  - name: runner
    image: ghcr.io/actions/actions-runner:2.317.0
  - name: dind
    image: docker:27-dind
    securityContext: {privileged: true}   # flagged: containerMode.type: dind
```
";

const AUTOSCALER_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "HorizontalPodAutoscaler",
    "ScaledObject",
    "ScaledJob",
];

/// HPA or KEDA objects scaling runners.
pub struct HandWrittenAutoscaler;

impl Rule for HandWrittenAutoscaler {
    fn meta(&self) -> Meta {
        Meta {
            id: "github-runner-hand-written-autoscaler",
            component: "github-runner",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "HorizontalPodAutoscaler or KEDA ScaledObject/ScaledJob scaling self-hosted runners",
            replace_with: "minRunners and maxRunners on the gha-runner-scale-set chart: the ARC listener scales ephemeral runners on queued jobs",
            sources: SOURCES,
            kinds: AUTOSCALER_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: AUTOSCALER_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let runners: Vec<(&Object, String)> =
            objects.iter().filter(|o| local_runner(o)).map(|o| (*o, o.kind.clone())).collect();
        for scaler in objects.iter().filter(|o| {
            matches!(o.kind.as_str(), "HorizontalPodAutoscaler" | "ScaledObject" | "ScaledJob") && o.origin().is_local()
        }) {
            let github_trigger = scaler
                .get("/spec/triggers")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t.get("type").and_then(Value::as_str) == Some("github-runner")));
            let target_name = scaler.str_at("/spec/scaleTargetRef/name");
            let target = runners.iter().find(|(r, kind)| {
                Some(r.name.as_str()) == target_name
                    && r.namespace == scaler.namespace
                    && scaler.str_at("/spec/scaleTargetRef/kind").is_none_or(|k| k == kind)
            });
            let why = match (target, github_trigger) {
                (Some((r, _)), _) => format!("scales the hand-written runner {}", r.display()),
                (None, true) => "scales runners on KEDA's github-runner trigger".to_string(),
                (None, false) => continue,
            };
            report.flag(scaler, format!("{} {why}", scaler.display())).at(if target.is_some() {
                "spec.scaleTargetRef"
            } else {
                "spec.triggers"
            });
        }
    }
}

const AUTOSCALER_DOCS: &str = "\
## What it detects
A locally written `HorizontalPodAutoscaler`, KEDA `ScaledObject` or `ScaledJob` whose `scaleTargetRef` is a
hand-written runner workload (see `github-runner-hand-written-runner`) in the same namespace, or that uses
KEDA's `github-runner` trigger.

## Why it matters
CPU-based or polling autoscalers scale long-lived runners with a lag and kill runners mid-job on scale-down.
ARC's listener receives job-queued events and creates one ephemeral runner per job.

## What to use instead
`minRunners` and `maxRunners` on the `gha-runner-scale-set` chart.

## Example
```yaml
kind: HorizontalPodAutoscaler
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gh-runner}   # flagged
  minReplicas: 2
  maxReplicas: 20
```
";

rules_sdk::export_rules!(HandWrittenRunner, RegistrationToken, DindSidecar, HandWrittenAutoscaler);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&HandWrittenRunner, &RegistrationToken, &DindSidecar, &HandWrittenAutoscaler];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "github-runner");
    }

    #[test]
    fn a_runner_is_recognised_by_its_registration_not_its_name() {
        let yaml = r#"
# Source: platform-ci/templates/builder.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: builder}
spec:
  template:
    spec:
      containers:
        - name: agent
          image: ghcr.io/acme/ubuntu-ci:22.04
          command: [bash, -c, "cd /actions-runner && ./config.sh --unattended --url https://github.com/acme --token \"$TOKEN\" && exec ./run.sh"]
---
# Source: platform-ci/templates/gh-runner.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: gh-runner}
spec:
  template:
    spec:
      containers: [{name: web, image: ghcr.io/acme/runner-dashboard:1.0}]
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![("github-runner-hand-written-runner", "StatefulSet", "builder")]
        );
    }

    #[test]
    fn token_calls_behind_shell_keywords() {
        let yaml = r#"
# Source: platform-ci/templates/token.yaml
apiVersion: batch/v1
kind: CronJob
metadata: {name: token}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: t
              image: curlimages/curl:8.8.0
              command: [sh, -c, "if curl -sf -X POST https://api.github.com/orgs/acme/actions/runners/remove-token > /t; then echo ok; fi"]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("github-runner-registration-token", "CronJob", "token")]);
        assert!(findings[0].message.contains("remove-token"));
    }

    #[test]
    fn keda_github_runner_trigger_is_an_autoscaler_even_without_a_known_target() {
        let yaml = r#"
# Source: platform-ci/templates/keda.yaml
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: runners, namespace: ci}
spec:
  jobTargetRef: {template: {spec: {containers: [{name: runner, image: ghcr.io/acme/runner:1}]}}}
  triggers: [{type: github-runner, metadata: {owner: acme, runnerScope: org}}]
---
# Source: platform-ci/templates/web-hpa.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: ci}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![("github-runner-hand-written-autoscaler", "ScaledJob", "runners")]
        );
    }
}
