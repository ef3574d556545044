//! Daytona rules (catalog section 1).
//!
//! The upstream `daytona` chart (https://charts.daytona.io) renders the API,
//! proxy, SSH gateway, runner manager and the runner DaemonSet. The runner
//! DaemonSet (`daytona/templates/runner-daemonset.yaml`) is privileged with
//! `hostNetwork`/`hostPID` by design, the API migrations are chart Jobs and the
//! proxy Ingress uses a wildcard host: all rendered by upstream, never
//! reported. A wrapper re-implementing any of it is: Daytona services, sandbox
//! transports (socat/websocat/ttyd/ssh relays, wildcard routes), DinD sandbox
//! hosts, curl region/runner registration, an unrestricted SSH edge. The
//! chart's bundled Bitnami PostgreSQL/Redis are upstream objects but a smell
//! in production.

use std::collections::{BTreeMap, BTreeSet};

use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell;
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/daytonaio/helm-charts",
    "https://charts.daytona.io",
    "https://github.com/daytonaio/helm-charts/blob/main/charts/daytona/values.yaml",
];

const DAYTONA_IMAGES: &[&str] = &["daytonaio/daytona-*"];

/// Groups (wrapper charts, or files of plain YAML) that belong to Daytona:
/// named after it, in its namespace, or running one of its images.
fn daytona_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| {
        o.release_chart().is_some_and(|c| c.contains("daytona"))
            || o.namespace.as_deref().is_some_and(|ns| ns.contains("daytona"))
            || o.containers().iter().any(|c| c.image.matches_any(DAYTONA_IMAGES))
    })
}

/// The chart value replacing a hand-written workload of `image`.
fn service_value(image: &Image) -> &'static str {
    let name = image.path.rsplit('/').next().unwrap_or("");
    match name.strip_prefix("daytona-").unwrap_or(name) {
        "api" => "services.api.* in the daytona chart",
        "proxy" => "services.proxy.* in the daytona chart (wildcard *.baseDomain ingress included)",
        "ssh-gateway" => "services.sshGateway.* in the daytona chart",
        "runner-manager" => "services.runnerManager.* in the daytona chart",
        "runner" => "the daytona chart's runner DaemonSet (services.runner.*)",
        _ => "the daytona chart's services.* values",
    }
}

/// A hand-written Daytona API, proxy, SSH gateway, runner manager or runner.
pub struct HandWrittenService;

impl Rule for HandWrittenService {
    fn meta(&self) -> Meta {
        Meta {
            id: "daytona-hand-written-service",
            component: "daytona",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written workload running a daytonaio/daytona-* image (api, proxy, ssh-gateway, runner-manager, runner)",
            replace_with: "the daytona chart (https://charts.daytona.io): services.api.*, services.proxy.*, services.sshGateway.*, services.runnerManager.*, baseDomain",
            sources: SOURCES,
            kinds: smell::LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: SERVICE_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(c) = smell::local_workload(object, DAYTONA_IMAGES) else { return };
        report
            .flag(object, format!("{} runs Daytona ({}) {}", object.display(), c.image, object.origin().describe()))
            .at(c.field("image"))
            .replace_with(service_value(&c.image));
    }
}

const SERVICE_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain YAML)
whose main container runs a `daytonaio/daytona-*` image: `daytona-api`, `daytona-proxy`,
`daytona-ssh-gateway`, `daytona-runner-manager` or `daytona-runner`, also behind a registry mirror. The chart's
own objects (`# Source: daytona/templates/…`, including the privileged `runner-daemonset.yaml`) are never
reported.

## Why it matters
Daytona's services share configuration (API keys, base domain, proxy and SSH gateway wiring, migrations) that
the chart keeps consistent across releases; a hand-written copy drifts with every appVersion.

## What to use instead
The `daytona` chart: `services.api.*`, `services.proxy.*`, `services.sshGateway.*`,
`services.runnerManager.*`, `baseDomain`, `externalDatabase.*`, `externalRedis.*`.

## Example
```yaml
# Source: platform-daytona/templates/proxy.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: proxy
          image: docker.io/daytonaio/daytona-proxy:v0.132.0   # flagged: services.proxy.*
```
";

const RELAY_IMAGES: &[&str] = &["alpine/socat", "tsl0922/ttyd", "solsson/websocat", "vi/websocat"];

/// A relay command: socat, websocat, ttyd, or an ssh tunnel.
fn relay_command(line: &str) -> Option<&'static str> {
    shell::simple_commands(line).iter().find_map(|w| {
        let start = shell::program_index(w)?;
        match w[start].rsplit('/').next()? {
            "socat" => Some("socat"),
            "websocat" => Some("websocat"),
            "ttyd" => Some("ttyd"),
            "ssh" | "autossh"
                if w[start + 1..].iter().any(|x| ["-L", "-R", "-D"].iter().any(|f| x.starts_with(f)) || x == "-N") =>
            {
                Some("an ssh tunnel")
            }
            _ => None,
        }
    })
}

/// Is this Ingress/IngressRoute a wildcard route (a hand-written sandbox proxy)?
fn wildcard_route(object: &Object) -> bool {
    match object.kind.as_str() {
        "Ingress" => object.get("/spec/rules").and_then(Value::as_array).is_some_and(|r| {
            r.iter().any(|r| r.get("host").and_then(Value::as_str).is_some_and(|h| h.starts_with("*.")))
        }),
        "IngressRoute" => object.get("/spec/routes").and_then(Value::as_array).is_some_and(|r| {
            r.iter().any(|r| {
                r.get("match").and_then(Value::as_str).is_some_and(|m| m.contains("HostRegexp") || m.contains("`*."))
            })
        }),
        _ => false,
    }
}

const TRANSPORT_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Ingress",
    "IngressRoute",
];

/// Home-grown sandbox transport next to Daytona.
pub struct SandboxTransport;

impl Rule for SandboxTransport {
    fn meta(&self) -> Meta {
        Meta {
            id: "daytona-sandbox-transport",
            component: "daytona",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Home-grown sandbox transport in the Daytona wrapper: socat/websocat/ttyd/ssh relay workloads or a hand-written wildcard Ingress/IngressRoute",
            replace_with: "the daytona chart's services.proxy.* (wildcard *.baseDomain preview routing) and services.sshGateway.* (SSH access to sandboxes)",
            sources: SOURCES,
            kinds: TRANSPORT_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: TRANSPORT_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = daytona_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local() && groups.contains(&o.group())) {
            if wildcard_route(object) {
                report
                    .flag(object, format!("{} is a hand-written wildcard route into sandboxes", object.display()))
                    .at(if object.kind == "Ingress" { "spec.rules" } else { "spec.routes" })
                    .replace_with("services.proxy.* in the daytona chart (its Ingress serves *.baseDomain)");
                continue;
            }
            if !smell::LONG_RUNNING_KINDS.contains(&object.kind.as_str()) {
                continue;
            }
            let relay = object.containers().into_iter().find_map(|c| {
                if c.image.matches_any(RELAY_IMAGES) {
                    return Some((c.field("image"), format!("the relay image {}", c.image), c));
                }
                let what = relay_command(&c.command_line())?;
                Some((c.field(if c.body.get("command").is_some() { "command" } else { "args" }), what.to_string(), c))
            });
            if let Some((field, what, c)) = relay {
                report
                    .flag(
                        object,
                        format!(
                            "{} container {:?} relays sandbox traffic with {what} {}",
                            object.display(),
                            c.name,
                            object.origin().describe()
                        ),
                    )
                    .at(field);
            }
        }
    }
}

const TRANSPORT_DOCS: &str = "\
## What it detects
In the Daytona wrapper (a chart or namespace named after Daytona, or a group running `daytonaio/daytona-*`
images), a locally written workload relaying traffic to sandboxes — `socat`, `websocat`, `ttyd`, or an
`ssh -L/-R/-D/-N` tunnel, by command or image — or a hand-written `Ingress` with a `*.` host or a Traefik
`IngressRoute` matching `HostRegexp`/a wildcard host. The chart's own wildcard proxy Ingress is upstream and
never reported.

## Why it matters
Daytona's proxy authenticates preview URLs and its SSH gateway authenticates SSH sessions against the API. A
relay or wildcard route bypasses both and exposes sandbox ports directly.

## What to use instead
`services.proxy.*` (wildcard `*.baseDomain` routing with auth) and `services.sshGateway.*` in the `daytona`
chart.

## Example
```yaml
# Source: platform-daytona/templates/preview-relay.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: relay
          image: alpine/socat:1.8.0.0
          args: ['TCP-LISTEN:3000,fork', 'TCP:sandbox-1:3000']   # flagged
```
";

/// A privileged Docker daemon container (dind image or dockerd).
fn dind_container<'a>(object: &'a Object) -> Option<Container<'a>> {
    object.containers().into_iter().find(|c| {
        let image = c.image.matches("dind")
            || (c.image.matches("docker") && c.image.tag.as_deref().is_some_and(|t| t.contains("dind")));
        let daemon = shell::simple_commands(&c.command_line())
            .iter()
            .any(|w| w.iter().any(|x| x.rsplit('/').next().is_some_and(|p| p.starts_with("dockerd"))));
        c.privileged() && (image || daemon)
    })
}

/// Hand-written privileged DinD sandbox hosts.
pub struct DindSandboxHost;

impl Rule for DindSandboxHost {
    fn meta(&self) -> Meta {
        Meta {
            id: "daytona-dind-sandbox-host",
            component: "daytona",
            category: Category::UnsafeDefault,
            severity: Severity::Error,
            summary: "Hand-written privileged Docker-in-Docker sandbox host in the Daytona wrapper (outside the chart's runner DaemonSet)",
            replace_with: "the daytona chart's runner DaemonSet (services.runner.*, node pool via nodeSelector/tolerations) and runner-manager; sandbox images as Daytona snapshots",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: &["build-plane-workload", "build-plane-host-socket"],
            docs: DIND_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = daytona_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local() && groups.contains(&o.group())) {
            if let Some(c) = dind_container(object) {
                report
                    .flag(
                        object,
                        format!(
                            "{} runs a privileged Docker daemon {:?} ({}) as a sandbox host {}",
                            object.display(),
                            c.name,
                            c.image,
                            object.origin().describe()
                        ),
                    )
                    .at(c.field("securityContext.privileged"));
            }
        }
    }
}

const DIND_DOCS: &str = "\
## What it detects
In the Daytona wrapper, a locally written workload with a privileged container running a Docker daemon
(`docker:*dind*`, `*/dind`, or a `dockerd` command). The chart's privileged runner DaemonSet
(`daytona/templates/runner-daemonset.yaml`) is Daytona's documented design and never reported. It refines the
build-plane rules: in Daytona the fix is the chart's runner, not removing a build plane.

## Why it matters
Each hand-written DinD host is a privileged container outside the runner the chart manages: no runner-manager
scheduling, no snapshot handling, and root on the node for anything that escapes a sandbox.

## What to use instead
The `daytona` chart's runner DaemonSet on a dedicated node pool (`nodeSelector`/`tolerations`) with the runner
manager; build sandbox images as Daytona snapshots.

## Example
```yaml
# Source: platform-daytona/templates/sandbox-host.yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - name: docker
          image: docker:27-dind
          securityContext: {privileged: true}   # flagged
```
";

const REGISTRATION: &[Cmd] = &[
    Cmd {
        programs: &["curl", "wget", "http", "xh"],
        words: &[],
        contains: &["/api/regions"],
        what: "curl …/api/regions",
    },
    Cmd {
        programs: &["curl", "wget", "http", "xh"],
        words: &[],
        contains: &["/api/runners"],
        what: "curl …/api/runners",
    },
];

/// Jobs registering regions or runners with the Daytona API.
pub struct RegionRegistration;

impl Rule for RegionRegistration {
    fn meta(&self) -> Meta {
        Meta {
            id: "daytona-region-registration",
            component: "daytona",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Job or hook registering a region or runner with the Daytona API by curl (POST …/api/regions|runners)",
            replace_with: "the daytona-region chart with registration.enabled: true (its pre-install hook registers the region and stores proxyApiKey in a Secret)",
            sources: &[
                "https://github.com/daytonaio/helm-charts/tree/main/charts/daytona-region",
                "https://charts.daytona.io",
            ],
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: REGISTRATION_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        smell::report_script(object, report, REGISTRATION);
    }
}

const REGISTRATION_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, bare Pod, initContainer or `postStart` hook whose script calls the Daytona API's
`/api/regions` or `/api/runners` with curl or wget (typically `-X POST` with `Authorization: Bearer dtn_…`).
The `daytona-region` chart's own registration hook is upstream and never reported.

## Why it matters
The script holds an admin API key, is not idempotent (a second run registers a second region), and leaves the
returned proxy API key to be stored by hand.

## What to use instead
The `daytona-region` chart with `registration.enabled: true`: its pre-install hook registers the region and
stores `proxyApiKey` in a Secret; `services.snapshotManager.*` for the region's snapshot manager.

## Example
```yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: register
          image: curlimages/curl:8.8.0
          command: [sh, -c, 'curl -X POST -H \"Authorization: Bearer $DAYTONA_API_KEY\"
            https://daytona.example.com/api/regions -d @/region.json']   # flagged
```
";

/// The Daytona SSH gateway port.
const SSH_PORT: i64 = 2222;

fn selects(selector: &serde_json::Map<String, Value>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty()
        && selector.iter().all(|(k, v)| v.as_str().is_some_and(|v| labels.get(k).map(String::as_str) == Some(v)))
}

fn ports(object: &Object, pointer: &str) -> Vec<i64> {
    let Some(Value::Array(ports)) = object.get(pointer) else { return Vec::new() };
    ports.iter().flat_map(|p| [p.get("port"), p.get("targetPort")]).filter_map(|v| v.and_then(Value::as_i64)).collect()
}

const SSH_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Service",
    "IngressRouteTCP",
];

/// The SSH gateway exposed without an IP allow-list.
pub struct OpenSshEdge;

impl Rule for OpenSshEdge {
    fn meta(&self) -> Meta {
        Meta {
            id: "daytona-open-ssh-edge",
            component: "daytona",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Daytona SSH gateway exposed through a hand-written LoadBalancer Service or IngressRouteTCP (port 2222) with no IP allow-list",
            replace_with: "services.sshGateway.service (type ClusterIP) behind a Traefik IngressRouteTCP with a MiddlewareTCP ipAllowList, or loadBalancerSourceRanges on the LoadBalancer Service",
            sources: &[
                "https://github.com/daytonaio/helm-charts/blob/main/charts/daytona/values.yaml",
                "https://doc.traefik.io/traefik/middlewares/tcp/ipallowlist/",
            ],
            kinds: SSH_KINDS,
            scope: Scope::WholeSet,
            supersedes: &["traefik-tcp-route-without-middleware"],
            docs: SSH_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = daytona_groups(objects);
        let gateways: Vec<(Option<String>, BTreeMap<String, String>)> = objects
            .iter()
            .filter(|o| o.containers().iter().any(|c| c.image.matches("daytonaio/daytona-ssh-gateway")))
            .filter_map(|o| o.pod_spec().map(|p| (o.namespace.clone(), p.labels())))
            .collect();
        // Every Service in front of the SSH gateway, any origin: `(namespace, name)`.
        let ssh_services: Vec<(Option<String>, String)> = objects
            .iter()
            .filter(|o| o.kind == "Service")
            .filter(|s| {
                let selected = match s.get("/spec/selector") {
                    Some(Value::Object(sel)) => gateways.iter().any(|(ns, l)| *ns == s.namespace && selects(sel, l)),
                    _ => false,
                };
                selected || (groups.contains(&s.group()) && ports(s, "/spec/ports").contains(&SSH_PORT))
            })
            .map(|s| (s.namespace.clone(), s.name.clone()))
            .collect();
        for object in objects.iter().filter(|o| o.origin().is_local()) {
            match object.kind.as_str() {
                "Service" => {
                    let lb = object.str_at("/spec/type") == Some("LoadBalancer");
                    let ranges = object
                        .get("/spec/loadBalancerSourceRanges")
                        .and_then(Value::as_array)
                        .is_some_and(|r| !r.is_empty());
                    if lb && !ranges && ssh_services.contains(&(object.namespace.clone(), object.name.clone())) {
                        report
                            .flag(
                                object,
                                format!(
                                    "{} exposes the Daytona SSH gateway as a LoadBalancer with no loadBalancerSourceRanges",
                                    object.display()
                                ),
                            )
                            .at("spec.type");
                    }
                }
                "IngressRouteTCP" => {
                    let Some(Value::Array(routes)) = object.get("/spec/routes") else { continue };
                    let to_ssh = routes
                        .iter()
                        .flat_map(|r| r.get("services").and_then(Value::as_array).into_iter().flatten())
                        .any(|s| {
                            let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                            let ns = s
                                .get("namespace")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                                .or(object.namespace.clone());
                            ssh_services.contains(&(ns, name.to_string()))
                                || (groups.contains(&object.group())
                                    && s.get("port").and_then(Value::as_i64) == Some(SSH_PORT))
                        });
                    let guarded = routes
                        .iter()
                        .any(|r| r.get("middlewares").and_then(Value::as_array).is_some_and(|m| !m.is_empty()));
                    if to_ssh && !guarded {
                        report
                            .flag(
                                object,
                                format!(
                                    "{} routes to the Daytona SSH gateway with no MiddlewareTCP (no ipAllowList)",
                                    object.display()
                                ),
                            )
                            .at("spec.routes");
                    }
                }
                _ => {}
            }
        }
    }
}

const SSH_DOCS: &str = "\
## What it detects
A locally written `Service` of `type: LoadBalancer` in front of the Daytona SSH gateway (selecting
`daytonaio/daytona-ssh-gateway` pods, or port 2222 in the Daytona wrapper) with no `loadBalancerSourceRanges`,
or a Traefik `IngressRouteTCP` routing to it with no middleware. The chart's own `ssh-gateway-service.yaml`
(default `services.sshGateway.service.type: LoadBalancer`, port 2222) is upstream and not reported here.
An `IngressRouteTCP` without middleware in general is the traefik component's finding; this rule only reports
routes to the SSH gateway.

## Why it matters
SSH into sandboxes from the whole internet: every sandbox becomes a brute-force and scanning target, and the
gateway's logs fill with noise that hides real attempts.

## What to use instead
`services.sshGateway.service.type: ClusterIP` and a Traefik `IngressRouteTCP` with a `MiddlewareTCP`
`ipAllowList`, or keep the LoadBalancer with `loadBalancerSourceRanges`.

## Example
```yaml
# Source: platform-daytona/templates/ssh.yaml
kind: IngressRouteTCP
spec:
  entryPoints: [ssh]
  routes:
    - match: HostSNI(`*`)
      services: [{name: daytona-ssh-gateway, port: 2222}]   # flagged: add middlewares: [{name: office-only}]
```
";

/// `daytona/charts/<postgresql|redis>/` in a template path: the chart's bundled datastores.
fn bundled_datastore(object: &Object) -> Option<&'static str> {
    let template = object.provenance.template.as_deref()?;
    if template.contains("daytona/charts/postgresql/") {
        Some("postgresql")
    } else if template.contains("daytona/charts/redis/") {
        Some("redis")
    } else {
        None
    }
}

/// Bundled Bitnami PostgreSQL/Redis left enabled.
pub struct BundledDatastore;

impl Rule for BundledDatastore {
    fn meta(&self) -> Meta {
        Meta {
            id: "daytona-bundled-datastore",
            component: "daytona",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "The daytona chart's bundled Bitnami PostgreSQL or Redis left enabled",
            replace_with: "postgresql.enabled: false with externalDatabase.{host,existingSecret} on a CNPG Cluster/Database, and redis.enabled: false with externalRedis.{host,existingSecret} on the valkey chart",
            sources: &[
                "https://github.com/daytonaio/helm-charts/blob/main/charts/daytona/Chart.yaml",
                "https://cloudnative-pg.io/documentation/current/",
                "https://github.com/valkey-io/valkey-helm",
            ],
            kinds: &["StatefulSet", "Deployment"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: BUNDLED_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(which) = bundled_datastore(object) else { return };
        let fix = if which == "postgresql" {
            "postgresql.enabled: false with externalDatabase.{host,existingSecret} (CNPG Cluster and Database)"
        } else {
            "redis.enabled: false with externalRedis.{host,existingSecret} (valkey chart)"
        };
        report
            .flag(object, format!("{} is the daytona chart's bundled {which} ({which}.enabled)", object.display()))
            .replace_with(fix);
    }
}

const BUNDLED_DOCS: &str = "\
## What it detects
A StatefulSet or Deployment rendered by the `daytona` chart's bundled Bitnami `postgresql` or `redis`
dependency (`# Source: …daytona/charts/postgresql/…`, `…daytona/charts/redis/…`), i.e. `postgresql.enabled` or
`redis.enabled` left on. These objects are upstream, but a demo datastore in production is still a smell.

## Why it matters
The bundled single-instance datastores have no managed backups, failover or upgrades, and the Bitnami images
they pull have moved to `bitnamilegacy`.

## What to use instead
`postgresql.enabled: false` with `externalDatabase.{host,existingSecret}` on a CNPG `Cluster`/`Database`, and
`redis.enabled: false` with `externalRedis.{host,existingSecret}` on the `valkey` chart.

## Example
```yaml
# Source: platform-daytona/charts/daytona/charts/postgresql/templates/primary/statefulset.yaml
kind: StatefulSet   # flagged: postgresql.enabled: false, externalDatabase.*
```
";

rules_sdk::export_rules!(
    HandWrittenService,
    SandboxTransport,
    DindSandboxHost,
    RegionRegistration,
    OpenSshEdge,
    BundledDatastore
);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[
        &HandWrittenService,
        &SandboxTransport,
        &DindSandboxHost,
        &RegionRegistration,
        &OpenSshEdge,
        &BundledDatastore,
    ];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "daytona");
    }

    #[test]
    fn the_charts_privileged_runner_and_default_ssh_service_are_upstream() {
        let yaml = r#"
# Source: daytona/templates/runner-daemonset.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: daytona-runner, namespace: daytona, labels: {helm.sh/chart: daytona-0.0.23}}
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: true
      containers:
        - {name: docker-installer, image: "ubuntu:22.04", command: [sh, -c, "nsenter -t 1 -m sh -c 'dockerd &'"], securityContext: {privileged: true}}
        - {name: runner, image: docker.io/daytonaio/daytona-runner:v0.158.4-k8s-amd64, securityContext: {privileged: true}}
---
# Source: daytona/templates/ssh-gateway-service.yaml
apiVersion: v1
kind: Service
metadata: {name: daytona-ssh-gateway, namespace: daytona}
spec:
  type: LoadBalancer
  ports: [{port: 2222, targetPort: ssh}]
  selector: {app.kubernetes.io/component: ssh-gateway}
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }

    #[test]
    fn dind_outside_daytona_is_left_to_build_plane() {
        let yaml = r#"
# Source: platform-ci/templates/dind.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: dind, namespace: ci}
spec:
  template:
    spec:
      containers: [{name: dind, image: "docker:27-dind", securityContext: {privileged: true}}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
