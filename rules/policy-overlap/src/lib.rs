//! The `policy-overlap` principle: Kyverno is the platform's admission and
//! policy engine. Gatekeeper/OPA constraints and OPA admission workloads beside
//! it are a second policy plane. (A hand-written admission webhook for rules
//! Kyverno expresses is the `kyverno` component's `kyverno-custom-admission`.)

use rules_sdk::prelude::*;

/// API groups of Gatekeeper's policy objects.
const GATEKEEPER_GROUPS: &[&str] =
    &["templates.gatekeeper.sh", "constraints.gatekeeper.sh", "config.gatekeeper.sh", "mutations.gatekeeper.sh"];

/// OPA/Gatekeeper admission images.
const OPA_IMAGES: &[&str] = &["openpolicyagent/gatekeeper", "openpolicyagent/opa", "openpolicyagent/kube-mgmt"];

const SOURCES: &[&str] = &[
    "https://kyverno.io/docs/",
    "https://kyverno.io/policies/",
    "https://github.com/kyverno/kyverno/tree/main/charts",
];

pub struct PolicyOverlap;

impl Rule for PolicyOverlap {
    fn meta(&self) -> Meta {
        Meta {
            id: "policy-overlap",
            component: "policy-overlap",
            category: Category::PolicyOverlap,
            severity: Severity::Warning,
            summary: "Gatekeeper/OPA policy objects or admission workloads beside Kyverno",
            replace_with: "Kyverno ClusterPolicy or ValidatingPolicy/MutatingPolicy CRs (or the kyverno-policies chart); keep OPA/OpenFGA for application authorization only",
            sources: SOURCES,
            kinds: &[], // Gatekeeper constraint kinds are user-defined: see every kind
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let group = object.api_version.split('/').next().unwrap_or("");
        if object.api_version.contains('/') && GATEKEEPER_GROUPS.contains(&group) {
            report
                .flag(object, format!("{} is a Gatekeeper policy object ({})", object.display(), object.api_version))
                .replace_with("an equivalent Kyverno ClusterPolicy or ValidatingPolicy");
            return;
        }
        if object.is_workload()
            && let Some(c) = object.containers().into_iter().find(|c| c.image.matches_any(OPA_IMAGES))
        {
            report
                .flag(object, format!("{} runs the OPA/Gatekeeper admission image {}", object.display(), c.image))
                .at(c.field("image"));
        }
    }
}

const DOCS: &str = "\
## What it detects
- Gatekeeper policy objects: `ConstraintTemplate`s and constraints (`templates.gatekeeper.sh`,
  `constraints.gatekeeper.sh`, `config.gatekeeper.sh`, `mutations.gatekeeper.sh`);
- workloads running OPA/Gatekeeper admission images (`openpolicyagent/gatekeeper`, `openpolicyagent/opa`,
  `openpolicyagent/kube-mgmt`).

Hand-written admission webhooks for rules Kyverno expresses are reported by `kyverno-custom-admission`.

## Why it matters
Two admission engines means two policy languages, two failure modes in the API server's request path, and
rules that contradict each other. The platform keeps Kyverno for admission and platform policy, and OPA or
OpenFGA only where an application makes real authorization decisions.

## What to use instead
Kyverno `ClusterPolicy` (or `ValidatingPolicy`/`MutatingPolicy`) CRs, `PolicyException`s for documented
exceptions, and the `kyverno-policies` chart for the Pod Security Standards.

## Example
```yaml
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels          # write it as a Kyverno ClusterPolicy
metadata: {name: ns-must-have-owner}
```
";

rules_sdk::export_rules!(PolicyOverlap);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(&[&PolicyOverlap], "policy-overlap");
    }
}
