//! The `root-chown` principle: an initContainer that runs `chown -R`/`chmod -R`
//! as root to fix volume ownership, where `securityContext.fsGroup` (or the
//! upstream chart's value that turns the init container off) does it.
//!
//! Component rules (novu, grafana, nexus, ...) list `root-chown` in
//! `supersedes` when they flag the same container with a sharper replacement.

use rules_sdk::prelude::*;
use rules_sdk::shell;

pub struct RootChown;

impl Rule for RootChown {
    fn meta(&self) -> Meta {
        Meta {
            id: "root-chown",
            component: "root-chown",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Root initContainer running chown -R/chmod -R on a volume",
            replace_with: "pod securityContext.fsGroup with fsGroupChangePolicy: OnRootMismatch, or the upstream chart's value that disables its volume-permissions init container",
            sources: &[
                "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#configure-volume-permission-and-ownership-change-policy-for-pods",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(c) = object.containers().into_iter().find(|c| {
            c.role == ContainerRole::Init && c.runs_as_root() && shell::recursive_ownership_change(&c.command_line())
        }) else {
            return;
        };
        report
            .flag(
                object,
                format!(
                    "{} init container {:?} runs a recursive chown/chmod as root {}",
                    object.display(),
                    c.name,
                    object.origin().describe()
                ),
            )
            .at(c.field("command"));
    }
}

const DOCS: &str = "\
## What it detects
A locally written workload whose initContainer runs `chown -R` or `chmod -R` (also inside `sh -c`) as root:
`runAsUser: 0`, or no `runAsUser` and no `runAsNonRoot` at container or pod level.

## Why it matters
A root container at every pod start, walking the whole volume: slow on large volumes and a privilege the pod
does not need. The kubelet applies `fsGroup` itself, and upstream charts expose a value for it.

## What to use instead
`securityContext.fsGroup` with `fsGroupChangePolicy: OnRootMismatch` on the pod; for upstream charts, their
own switch (`initChownData.enabled: false` in grafana, `volumePermissions.enabled: false` in Bitnami charts).

## Example
```yaml
initContainers:
  - name: fix-permissions
    image: busybox
    command: [sh, -c, 'chown -R 1000:1000 /data']   # use fsGroup: 1000
```
";

rules_sdk::export_rules!(RootChown);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(&[&RootChown], "root-chown");
    }
}
