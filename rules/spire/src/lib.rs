//! SPIRE rules (catalog section 8).
//!
//! The `spire` umbrella chart (spiffe/helm-charts-hardened) renders the server,
//! the agent DaemonSet, the SPIFFE CSI driver, the OIDC discovery provider and
//! the spire-controller-manager, which reconciles `ClusterSPIFFEID`,
//! `ClusterStaticEntry` and `ClusterFederatedTrustDomain` CRs. Registration
//! entries created by `spire-server entry create` scripts, and SPIRE workloads
//! written by hand, reinvent what the chart and its controller already do.

use rules_sdk::prelude::*;
use rules_sdk::smell::LONG_RUNNING_KINDS;

const SOURCES: &[&str] = &[
    "https://github.com/spiffe/helm-charts-hardened",
    "https://spiffe.github.io/helm-charts-hardened/",
    "https://github.com/spiffe/spire-controller-manager",
];

/// A SPIRE image and what replaces a hand-written workload running it.
struct Part {
    images: &'static [&'static str],
    what: &'static str,
    replace_with: &'static str,
}

/// Most specific first: a k8s-workload-registrar sidecar inside a hand-written
/// server is reported as the registrar.
const PARTS: &[Part] = &[
    Part {
        images: &["spiffe/k8s-workload-registrar", "spiffe-io/k8s-workload-registrar"],
        what: "the SPIRE k8s-workload-registrar",
        replace_with: "the spire-controller-manager the spire chart enables (spire-server.controllerManager.enabled: true) with ClusterSPIFFEID CRs from spire-server.controllerManager.identities.clusterSPIFFEIDs.<name>.{spiffeIDTemplate,podSelector,namespaceSelector}",
    },
    Part {
        images: &["spiffe/spire-agent", "spiffe-io/spire-agent"],
        what: "the SPIRE agent",
        replace_with: "the spire chart's spire-agent DaemonSet plus the spiffe-csi-driver (workloads mount the Workload API through a csi.spiffe.io volume, not a hostPath under /run/spire)",
    },
    Part {
        images: &["spiffe/oidc-discovery-provider", "spiffe-io/oidc-discovery-provider"],
        what: "the SPIFFE OIDC discovery provider",
        replace_with: "spiffe-oidc-discovery-provider.enabled: true in the spire chart",
    },
    Part {
        images: &["spiffe/spire-controller-manager"],
        what: "the spire-controller-manager",
        replace_with: "spire-server.controllerManager.enabled: true in the spire chart (the default)",
    },
    Part {
        images: &["spiffe/spiffe-csi-driver"],
        what: "the SPIFFE CSI driver",
        replace_with: "spiffe-csi-driver.enabled: true in the spire chart (the default)",
    },
    Part {
        images: &["spiffe/spire-server", "spiffe-io/spire-server"],
        what: "the SPIRE server",
        replace_with: "the spire-crds and spire charts (https://spiffe.github.io/helm-charts-hardened/) with global.spire.{trustDomain,clusterName} and spire-server.* values",
    },
];

/// A hand-written SPIRE server, agent, registrar, controller manager, CSI
/// driver or OIDC discovery provider.
pub struct HandWrittenSpire;

impl Rule for HandWrittenSpire {
    fn meta(&self) -> Meta {
        Meta {
            id: "spire-hand-written-workload",
            component: "spire",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written SPIRE server, agent DaemonSet, k8s-workload-registrar or OIDC discovery workload",
            replace_with: "the spire-crds and spire charts (https://spiffe.github.io/helm-charts-hardened/): global.spire.{trustDomain,clusterName}, the chart's agent plus the csi.spiffe.io CSI driver, spiffe-oidc-discovery-provider.enabled, and ClusterSPIFFEID CRs via spire-server.controllerManager.identities.clusterSPIFFEIDs",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        let containers = pod.main_containers();
        let Some((part, container)) =
            PARTS.iter().find_map(|p| containers.iter().find(|c| c.image.matches_any(p.images)).map(|c| (p, c)))
        else {
            return;
        };
        let mut message =
            format!("{} runs {} ({}) {}", object.display(), part.what, container.image, object.origin().describe());
        let sockets: Vec<&str> =
            pod.host_paths().into_iter().map(|(_, p)| p).filter(|p| p.starts_with("/run/spire")).collect();
        if !sockets.is_empty() {
            message.push_str(&format!(", exposing the Workload API through hostPath {}", sockets.join(", ")));
        }
        report.flag(object, message).at(container.field("image")).replace_with(part.replace_with);
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain
YAML) that runs a SPIRE component: `spire-server`, `spire-agent` (typically a DaemonSet sharing its socket
through a hostPath under `/run/spire`), the retired `k8s-workload-registrar`, `spire-controller-manager`,
`spiffe-csi-driver` or `oidc-discovery-provider`. Images match by repository suffix (`ghcr.io/spiffe/…`,
`gcr.io/spiffe-io/…`, also behind a mirror).

## Why it matters
The hardened `spire` umbrella chart renders all of these with tested defaults (PSAT node attestation,
controller-manager reconciliation, CSI socket delivery). A hand-written agent with a hostPath socket gives
every pod on the node a path to the Workload API and ties workloads to the node layout; a hand-written
registrar is a retired control loop the spire-controller-manager replaced.

## What to use instead
The `spire-crds` and `spire` charts from `https://spiffe.github.io/helm-charts-hardened/`:
`global.spire.trustDomain`, `global.spire.clusterName`, the chart's agent plus the `csi.spiffe.io` CSI driver,
`spiffe-oidc-discovery-provider.enabled: true`, and `ClusterSPIFFEID` CRs through
`spire-server.controllerManager.identities.clusterSPIFFEIDs.<name>`.

## Example
```yaml
# Source: platform-spire/templates/agent.yaml
kind: DaemonSet
spec:
  template:
    spec:
      containers:
        - name: spire-agent
          image: ghcr.io/spiffe/spire-agent:1.15.3   # flagged: use the spire chart's agent
      volumes:
        - name: agent-socket
          hostPath: {path: /run/spire/sockets}
```
";

/// `spire-server entry create` / `token generate` / `bundle show|set` scripts.
const REGISTRATION_CMDS: &[Cmd] = &[
    Cmd::new(&["spire-server"], &["entry", "create|update"], "spire-server entry create"),
    Cmd::new(&["spire-server"], &["token", "generate"], "spire-server token generate"),
    Cmd::new(&["spire-server"], &["bundle", "show|set"], "spire-server bundle show|set"),
    Cmd {
        programs: &["kubectl", "oc"],
        words: &["exec"],
        contains: &["spire-server entry create"],
        what: "kubectl exec … spire-server entry create",
    },
    Cmd {
        programs: &["kubectl", "oc"],
        words: &["exec"],
        contains: &["spire-server token generate"],
        what: "kubectl exec … spire-server token generate",
    },
    Cmd {
        programs: &["kubectl", "oc"],
        words: &["exec"],
        contains: &["spire-server bundle"],
        what: "kubectl exec … spire-server bundle",
    },
];

/// Registration entries, join tokens and bundles managed by shell.
pub struct RegistrationScript;

impl Rule for RegistrationScript {
    fn meta(&self) -> Meta {
        Meta {
            id: "spire-registration-script",
            component: "spire",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or init container running spire-server entry create, token generate or bundle show/set",
            replace_with: "ClusterSPIFFEID CRs reconciled by the spire-controller-manager (spire-server.controllerManager.identities.clusterSPIFFEIDs.<name>.{spiffeIDTemplate,podSelector,namespaceSelector}); ClusterStaticEntry and ClusterFederatedTrustDomain via spire-server.controllerManager.reconcile.{clusterStaticEntries,clusterFederatedTrustDomains}",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SCRIPT_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_script(object, report, REGISTRATION_CMDS);
    }
}

const SCRIPT_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, init container or `postStart` hook whose command runs
`spire-server entry create` (or `entry update`), `spire-server token generate`, `spire-server bundle show|set`,
or the same through `kubectl exec <spire-server pod> -- spire-server …`, for example with
`-selector k8s:ns:<namespace>`.

## Why it matters
Registration entries written by a script are created once and never reconciled: a renamed namespace or
service account silently loses its identity, deleted workloads leave stale entries, and the script needs
exec rights into the SPIRE server. The spire-controller-manager reconciles entries from CRs continuously.

## What to use instead
`ClusterSPIFFEID` CRs (the spire chart's
`spire-server.controllerManager.identities.clusterSPIFFEIDs.<name>.{spiffeIDTemplate,podSelector,namespaceSelector}`;
the default template is `spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}`).
Static entries and federation: `ClusterStaticEntry` and `ClusterFederatedTrustDomain` through
`spire-server.controllerManager.reconcile.*`. Nodes attest through the chart's node attestor, not join tokens.

## Example
```yaml
# Source: platform-spire/templates/register.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: register
          image: bitnami/kubectl:1.31
          command: [sh, -c, 'kubectl exec -n spire spire-server-0 -- spire-server entry create
            -spiffeID spiffe://example.org/ns/app/sa/api -parentID spiffe://example.org/agent
            -selector k8s:ns:app -selector k8s:sa:api']
```
";

rules_sdk::export_rules!(HandWrittenSpire, RegistrationScript);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&HandWrittenSpire, &RegistrationScript];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "spire");
    }

    #[test]
    fn agent_daemonset_names_its_host_socket_and_the_csi_driver() {
        let yaml = r#"
# Source: platform-spire/templates/agent.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-identity, namespace: spire}
spec:
  template:
    spec:
      containers: [{name: agent, image: "mirror.example/ghcr-proxy/spiffe/spire-agent:1.15.3"}]
      volumes: [{name: sock, hostPath: {path: /run/spire/sockets}}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("spire-hand-written-workload", "DaemonSet", "node-identity")]);
        assert!(findings[0].message.contains("hostPath /run/spire/sockets"), "{}", findings[0].message);
        assert_eq!(findings[0].path.as_deref(), Some("spec.template.spec.containers[0].image"));
    }

    #[test]
    fn registrar_sidecar_is_reported_once_as_the_registrar() {
        let yaml = r#"
# Source: platform-spire/templates/server.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: spire-server, namespace: spire}
spec:
  template:
    spec:
      containers:
        - {name: server, image: gcr.io/spiffe-io/spire-server:1.4.0}
        - {name: registrar, image: gcr.io/spiffe-io/k8s-workload-registrar:1.4.0}
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("spire-hand-written-workload", "StatefulSet", "spire-server")]);
        assert!(findings[0].message.contains("k8s-workload-registrar"), "{}", findings[0].message);
    }

    #[test]
    fn scripts_are_matched_by_command_not_name() {
        let yaml = r#"
# Source: platform-spire/templates/jobs.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: spire-entries, namespace: spire}
spec:
  template:
    spec:
      containers: [{name: c, image: ghcr.io/spiffe/spire-server:1.15.3, command: [/opt/spire/bin/spire-server, entry, show]}]
---
# Source: platform-spire/templates/jobs.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: make-token, namespace: spire}
spec:
  template:
    spec:
      containers: [{name: c, image: ghcr.io/spiffe/spire-server:1.15.3, command: [/opt/spire/bin/spire-server, token, generate, -spiffeID, "spiffe://example.org/node"]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("spire-registration-script", "Job", "make-token")]);
    }

    #[test]
    fn upstream_chart_workloads_are_clean() {
        let yaml = r#"
# Source: spire/charts/spire-agent/templates/daemonset.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: spire-agent, namespace: spire-system, labels: {helm.sh/chart: spire-agent-0.30.0}}
spec:
  template:
    spec:
      containers: [{name: spire-agent, image: ghcr.io/spiffe/spire-agent:1.15.3}]
      volumes: [{name: spire-agent-socket-dir, hostPath: {path: /run/spire/agent-sockets}}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
