//! Retired in-sandbox BuildKit / compose build plane (catalog section 4).
//!
//! The plane is retired: images are built in CI on ARC ephemeral runners and
//! pushed to Nexus, sandbox images are Daytona snapshots. moby/buildkit ships
//! example manifests only (no chart, no operator), so there is no "upstream"
//! shape to allow: any locally written remnant is an error — BuildKit/DinD/
//! compose workloads and commands, docker.sock and BuildKit hostPaths, the
//! buildkitd Service (tcp 1234), a Traefik `IngressRouteTCP` routing to it (the
//! unauthenticated build edge), compose files in ConfigMaps.
//!
//! Objects rendered by an upstream chart are never reported (the Daytona
//! runner DaemonSet, Windmill workers): their privileges are upstream's
//! documented design and belong to those components' rules.

use std::collections::BTreeMap;

use rules_sdk::prelude::*;
use serde_json::Value;

const SOURCES: &[&str] = &[
    "https://github.com/moby/buildkit/tree/master/examples/kubernetes",
    "https://github.com/actions/actions-runner-controller",
    "https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners-with-actions-runner-controller/deploying-runner-scale-sets-with-actions-runner-controller",
    "https://help.sonatype.com/en/docker-registry.html",
];

const REPLACE: &str = "build in CI on ARC ephemeral runners (gha-runner-scale-set with containerMode.type: kubernetes, or dind inside the ARC-managed template) pushing to a Nexus docker-hosted repository; sandbox images as Daytona snapshots";

/// Build-plane images (repository path suffixes). `docker` is the official
/// Docker image (daemon `*-dind`, CLI `*-cli`); `dind` catches `*/dind`.
const IMAGES: &[&str] = &[
    "moby/buildkit",
    "docker",
    "dind",
    "docker/compose",
    "docker/buildx-bin",
    "kaniko-project/executor",
    "gcr.io/kaniko-project/executor",
];

/// Build-plane commands.
const CMDS: &[Cmd] = &[
    Cmd::new(&["buildkitd", "buildctl-daemonless.sh"], &[], "buildkitd"),
    Cmd::new(&["rootlesskit"], &["buildkitd|dockerd"], "rootlesskit buildkitd"),
    Cmd::new(&["buildctl"], &["build"], "buildctl build"),
    Cmd::new(&["docker"], &["compose|buildx|build"], "docker compose/buildx/build"),
    Cmd::new(&["docker-compose"], &[], "docker-compose"),
    Cmd::new(&["dockerd", "dockerd-entrypoint.sh", "dockerd-rootless.sh"], &[], "dockerd"),
];

fn build_command(line: &str) -> Option<&'static str> {
    CMDS.iter().find(|c| c.matches_line(line)).map(|c| c.what)
}

/// Host paths of the Docker daemon and BuildKit.
const HOST_PATHS: &[&str] =
    &["/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker", "/var/lib/buildkit", "/run/buildkit"];

/// Under those, the container log files every log collector reads: not the daemon.
const LOG_PATHS: &[&str] = &["/var/lib/docker/containers"];

/// Is `path` (or a folder above it) one of `paths`?
fn under(path: &str, paths: &[&str]) -> bool {
    paths.iter().any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Why a locally written workload is a build-plane remnant: the container,
/// what it runs, and the offending field.
struct Remnant<'a> {
    container: Container<'a>,
    what: String,
    field: String,
}

fn remnant(object: &Object) -> Option<Remnant<'_>> {
    if !object.origin().is_local() {
        return None;
    }
    for c in object.containers() {
        if c.image.matches_any(IMAGES) {
            return Some(Remnant {
                what: format!("the build image {}", c.image),
                field: c.field("image"),
                container: c,
            });
        }
        let lines = [c.command_line(), c.post_start_command_line().unwrap_or_default()];
        if let Some(what) = lines.iter().find_map(|l| build_command(l)) {
            let field = c.field(if c.body.get("command").is_some() { "command" } else { "args" });
            return Some(Remnant { what: format!("`{what}`"), field, container: c });
        }
    }
    None
}

/// A BuildKit, DinD, compose or kaniko workload.
pub struct BuildWorkload;

impl Rule for BuildWorkload {
    fn meta(&self) -> Meta {
        Meta {
            id: "build-plane-workload",
            component: "build-plane",
            category: Category::RetiredPlane,
            severity: Severity::Error,
            summary: "Workload of the retired build plane: BuildKit, Docker-in-Docker, compose or kaniko image, or buildkitd/buildctl build/docker compose/dockerd command",
            replace_with: REPLACE,
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: &["upstream-available", "thin-overlay", "bootstrap-script"],
            docs: WORKLOAD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(r) = remnant(object) else { return };
        let privileged = if r.container.privileged() { ", privileged" } else { "" };
        report
            .flag(
                object,
                format!(
                    "{} container {:?} runs {}{privileged} {}: the in-sandbox build plane is retired",
                    object.display(),
                    r.container.name,
                    r.what,
                    object.origin().describe()
                ),
            )
            .at(r.field);
    }
}

const WORKLOAD_DOCS: &str = "\
## What it detects
A locally written workload (any kind, Jobs included) with a container or init container that runs a build-plane
image — `moby/buildkit` (also `*-rootless`), the official `docker` image (`*dind*`, `*-cli`), `*/dind`,
`docker/compose`, `docker/buildx-bin`, kaniko — or whose command or `postStart` hook runs `buildkitd`,
`buildctl build`, `docker compose|buildx|build`, `docker-compose` or `dockerd`. Images match by repository path
suffix, so registry mirrors match. One finding per resource; the message says when the container is privileged.

## Why it matters
The in-sandbox BuildKit/compose build plane is retired. A remnant is a privileged (or seccomp-unconfined
rootless) daemon that builds arbitrary Dockerfiles inside the cluster, outside CI's audit trail and
supply-chain controls.

## What to use instead
Build in CI on ARC ephemeral runners (`gha-runner-scale-set`, `containerMode.type: kubernetes`, or `dind` inside
the ARC-managed pod template) and push to a Nexus docker-hosted repository; build sandbox images as Daytona
snapshots. A clean wrapper contains no build-plane objects.

## Example
```yaml
# Source: platform-sandbox/templates/buildkitd.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: buildkitd
          image: moby/buildkit:v0.15.2      # flagged
          args: [--addr, 'tcp://0.0.0.0:1234']
          securityContext: {privileged: true}
```
";

/// docker.sock / BuildKit state mounted from the host.
pub struct HostSocket;

impl Rule for HostSocket {
    fn meta(&self) -> Meta {
        Meta {
            id: "build-plane-host-socket",
            component: "build-plane",
            category: Category::RetiredPlane,
            severity: Severity::Error,
            summary: "hostPath to the Docker socket or daemon/BuildKit state (/var/run/docker.sock, /var/lib/docker, /var/lib/buildkit, /run/buildkit)",
            replace_with: REPLACE,
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::PerResource,
            supersedes: &[],
            docs: SOCKET_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(pod) = object.pod_spec() else { return };
        let hit = pod.host_paths().into_iter().find(|(_, path)| {
            let path = path.trim_end_matches('/');
            under(path, HOST_PATHS) && !under(path, LOG_PATHS)
        });
        if let Some((volume, path)) = hit {
            report
                .flag(
                    object,
                    format!(
                        "{} mounts hostPath {path} (volume {volume:?}): root-equivalent control of the node's container daemon",
                        object.display()
                    ),
                )
                .at(format!("{}.volumes", pod.path));
        }
    }
}

const SOCKET_DOCS: &str = "\
## What it detects
A locally written workload with a `hostPath` volume on `/var/run/docker.sock`, `/run/docker.sock`,
`/var/lib/docker`, `/var/lib/buildkit` or `/run/buildkit` (or below them), except the container log files
under `/var/lib/docker/containers` that log collectors read. Upstream-rendered objects whose chart documents
the mount (the Daytona runner DaemonSet) are not reported.

## Why it matters
The Docker socket is root on the node: any process that can reach it can start a privileged container with the
host filesystem mounted. Windmill's chart calls the same pattern (`exposeHostDocker`) a \"SECURITY RISK\".

## What to use instead
Nothing on the node: build in CI on ARC ephemeral runners and push to Nexus; sandbox images as Daytona
snapshots.

## Example
```yaml
volumes:
  - name: docker-sock
    hostPath: {path: /var/run/docker.sock}   # flagged
```
";

/// Does a Service `selector` select pods with `labels`?
fn selects(selector: &serde_json::Map<String, Value>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty()
        && selector.iter().all(|(k, v)| v.as_str().is_some_and(|v| labels.get(k).map(String::as_str) == Some(v)))
}

/// buildkitd's TCP port.
const BUILDKIT_PORT: i64 = 1234;

fn service_ports(service: &Object) -> Vec<i64> {
    let Some(Value::Array(ports)) = service.get("/spec/ports") else { return Vec::new() };
    ports.iter().flat_map(|p| [p.get("port"), p.get("targetPort")]).filter_map(|v| v.and_then(Value::as_i64)).collect()
}

/// Locally written Services of the build plane: `(namespace, name)` and why.
fn build_services(objects: &[&Object]) -> Vec<(usize, String)> {
    let workloads: Vec<(&Object, BTreeMap<String, String>)> = objects
        .iter()
        .filter(|o| remnant(o).is_some())
        .filter_map(|o| o.pod_spec().map(|p| (*o, p.labels())))
        .collect();
    let mut out = Vec::new();
    for (i, service) in objects.iter().enumerate() {
        if service.kind != "Service" || !service.origin().is_local() {
            continue;
        }
        let selected = match service.get("/spec/selector") {
            Some(Value::Object(selector)) => {
                workloads.iter().find(|(w, labels)| w.namespace == service.namespace && selects(selector, labels))
            }
            _ => None,
        };
        if let Some((w, _)) = selected {
            let port =
                if service_ports(service).contains(&BUILDKIT_PORT) { " on port 1234 (buildkitd tcp)" } else { "" };
            out.push((i, format!("selects the build-plane workload {}{port}", w.display())));
        }
        // Port 1234 alone is not evidence: many programs serve it.
    }
    out
}

const SERVICE_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
];

/// The Service in front of buildkitd (or another build-plane workload).
pub struct BuildService;

impl Rule for BuildService {
    fn meta(&self) -> Meta {
        Meta {
            id: "build-plane-service",
            component: "build-plane",
            category: Category::RetiredPlane,
            severity: Severity::Error,
            summary: "Service of the retired build plane: selecting a BuildKit/DinD/compose workload",
            replace_with: REPLACE,
            sources: SOURCES,
            kinds: SERVICE_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: SERVICE_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        for (i, why) in build_services(objects) {
            let service = objects[i];
            report
                .flag(service, format!("{} {why}: the in-sandbox build plane is retired", service.display()))
                .at("spec");
        }
    }
}

const SERVICE_DOCS: &str = "\
## What it detects
A locally written Service that selects a build-plane workload (see `build-plane-workload`) in its namespace
(buildkitd's examples expose TCP port 1234). Port 1234 alone is not evidence: many programs serve it.

## Why it matters
buildkitd's TCP API has no authentication of its own: whoever reaches the Service can run builds with the
daemon's privileges and read its cache and secrets.

## What to use instead
Remove it with the plane: CI on ARC ephemeral runners pushing to Nexus, Daytona snapshots for sandbox images.

## Example
```yaml
kind: Service
metadata: {name: buildkitd}
spec:
  selector: {app: buildkitd}
  ports: [{port: 1234}]   # flagged
```
";

const ROUTE_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
    "IngressRouteTCP",
];

/// A Traefik IngressRouteTCP routing to a build-plane Service.
pub struct BuildRoute;

impl Rule for BuildRoute {
    fn meta(&self) -> Meta {
        Meta {
            id: "build-plane-tcp-route",
            component: "build-plane",
            category: Category::RetiredPlane,
            severity: Severity::Error,
            summary: "Traefik IngressRouteTCP routing to a build-plane Service: the build edge, unauthenticated without middleware",
            replace_with: REPLACE,
            sources: &[
                "https://github.com/moby/buildkit/tree/master/examples/kubernetes",
                "https://doc.traefik.io/traefik/routing/providers/kubernetes-crd/#kind-ingressroutetcp",
                "https://github.com/actions/actions-runner-controller",
            ],
            kinds: ROUTE_KINDS,
            scope: Scope::WholeSet,
            supersedes: &["traefik-tcp-route-without-middleware"],
            docs: ROUTE_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let services: Vec<(Option<String>, String)> = build_services(objects)
            .into_iter()
            .map(|(i, _)| (objects[i].namespace.clone(), objects[i].name.clone()))
            .collect();
        for route in objects.iter().filter(|o| o.kind == "IngressRouteTCP" && o.origin().is_local()) {
            let Some(Value::Array(routes)) = route.get("/spec/routes") else { continue };
            let target = routes
                .iter()
                .flat_map(|r| r.get("services").and_then(Value::as_array).into_iter().flatten())
                .find_map(|s| {
                    let name = s.get("name").and_then(Value::as_str)?;
                    let namespace =
                        s.get("namespace").and_then(Value::as_str).map(str::to_string).or(route.namespace.clone());
                    services.contains(&(namespace, name.to_string())).then(|| name.to_string())
                });
            let Some(target) = target else { continue };
            let guarded =
                routes.iter().any(|r| r.get("middlewares").and_then(Value::as_array).is_some_and(|m| !m.is_empty()));
            let edge = if guarded {
                ""
            } else {
                " with no middleware (no ipAllowList, no auth): an unauthenticated build edge"
            };
            report
                .flag(route, format!("{} routes TCP to the build-plane Service {target}{edge}", route.display()))
                .at("spec.routes");
        }
    }
}

const ROUTE_DOCS: &str = "\
## What it detects
A locally written Traefik `IngressRouteTCP` whose `spec.routes[].services[]` points at a build-plane Service
(see `build-plane-service`); a port number alone is not evidence. The message says when no route carries a `MiddlewareTCP`
(`ipAllowList`, ...): then anyone who reaches the entrypoint can drive the build daemon. An `IngressRouteTCP`
without middleware in general is the traefik component's finding; this rule only reports routes to the build
plane.

## Why it matters
It is the edge of the retired build plane: an open TCP path from outside the cluster to a privileged builder.

## What to use instead
Remove it with the plane: CI on ARC ephemeral runners pushing to Nexus, Daytona snapshots for sandbox images.

## Example
```yaml
kind: IngressRouteTCP
spec:
  entryPoints: [buildkit]
  routes:
    - match: HostSNI(`*`)
      services: [{name: buildkitd, port: 1234}]   # flagged, no middlewares
```
";

/// Does a ConfigMap value look like a compose file?
fn is_compose(text: &str) -> bool {
    let services = text.lines().any(|l| l.trim_end() == "services:");
    services
        && text
            .lines()
            .any(|l| l.starts_with(' ') && matches!(l.trim_start().split(':').next(), Some("image" | "build")))
}

fn build_config_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("docker-compose")
        || matches!(k.as_str(), "compose.yml" | "compose.yaml" | "buildkitd.toml")
        || k == "dockerfile"
        || k.ends_with(".dockerfile")
}

/// Compose files, buildkitd.toml or Dockerfiles shipped in ConfigMaps.
pub struct ComposeConfig;

impl Rule for ComposeConfig {
    fn meta(&self) -> Meta {
        Meta {
            id: "build-plane-compose-config",
            component: "build-plane",
            category: Category::RetiredPlane,
            severity: Severity::Error,
            summary: "ConfigMap carrying a compose file, buildkitd.toml or Dockerfile for the retired build plane",
            replace_with: REPLACE,
            sources: SOURCES,
            kinds: &["ConfigMap"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: COMPOSE_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() {
            return;
        }
        let Some(Value::Object(data)) = object.get("/data") else { return };
        let hit = data.iter().find(|(k, v)| build_config_key(k) || v.as_str().is_some_and(is_compose));
        if let Some((key, _)) = hit {
            report
                .flag(object, format!("{} carries {key:?}, build-plane configuration", object.display()))
                .at(format!("data.{key}"));
        }
    }
}

const COMPOSE_DOCS: &str = "\
## What it detects
A locally written ConfigMap with a `docker-compose*.yml`, `compose.yaml`, `buildkitd.toml` or `Dockerfile` key, or
any value that is a compose file (a top-level `services:` with nested `image:`/`build:` keys).

## Why it matters
It is configuration for a build plane that no longer exists, or the sign that one is still running: compose
stacks inside a sandbox re-implement what Kubernetes workloads and CI already do.

## What to use instead
Build in CI on ARC ephemeral runners pushing to Nexus; sandbox images as Daytona snapshots; run services as
Kubernetes workloads from their upstream charts.

## Example
```yaml
kind: ConfigMap
data:
  docker-compose.yml: |   # flagged
    services:
      app: {build: .}
```
";

rules_sdk::export_rules!(BuildWorkload, HostSocket, BuildService, BuildRoute, ComposeConfig);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&BuildWorkload, &HostSocket, &BuildService, &BuildRoute, &ComposeConfig];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "build-plane");
    }

    #[test]
    fn images_and_commands() {
        for (image, command) in [
            ("nexus.example/dockerhub-proxy/moby/buildkit:master-rootless", "[]"),
            ("docker:27-dind", "[]"),
            ("sourcegraph/dind:5.0", "[]"),
            ("ghcr.io/acme/tools:1", "[sh, -c, 'dockerd --host=tcp://0.0.0.0:2375 &']"),
            ("ghcr.io/acme/tools:1", "[sh, -c, 'for s in a b; do docker compose -f /c/$s.yml up -d; done']"),
            ("ghcr.io/acme/tools:1", "[buildctl, --addr, 'tcp://buildkitd:1234', build, --frontend, dockerfile.v0]"),
        ] {
            let yaml = format!(
                "# Source: w/templates/x.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: x}}\nspec:\n  template:\n    spec:\n      containers: [{{name: c, image: '{image}', command: {command}}}]\n"
            );
            assert_eq!(
                keys(&check_yaml(RULES, &yaml)),
                vec![("build-plane-workload", "Deployment", "x")],
                "{image} {command}"
            );
        }
        let fine = "# Source: w/templates/x.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'ghcr.io/acme/docker-registry-ui:2', command: [sh, -c, 'docker-entrypoint.sh nginx']}]\n";
        assert_eq!(keys(&check_yaml(RULES, fine)), vec![]);
    }

    #[test]
    fn a_guarded_route_is_still_a_remnant_but_unrelated_routes_are_not() {
        let yaml = r#"
# Source: w/templates/buildkitd.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: buildkitd, namespace: b}
spec:
  template:
    metadata: {labels: {app: buildkitd}}
    spec:
      containers: [{name: buildkitd, image: moby/buildkit:v0.20.0}]
---
# Source: w/templates/svc.yaml
apiVersion: v1
kind: Service
metadata: {name: buildkitd, namespace: b}
spec: {selector: {app: buildkitd}, ports: [{port: 1234}]}
---
# Source: w/templates/app.yaml
apiVersion: v1
kind: Service
metadata: {name: app-on-1234, namespace: b}
spec: {selector: {app: myapp}, ports: [{port: 1234}]}
---
# Source: w/templates/route.yaml
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: app, namespace: b}
spec:
  routes: [{match: "HostSNI(`*`)", services: [{name: app-on-1234, port: 1234}]}]
---
# Source: w/templates/route.yaml
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: build, namespace: b}
spec:
  routes: [{match: "HostSNI(`*`)", middlewares: [{name: allow-office}], services: [{name: buildkitd, port: 1234}]}]
---
# Source: w/templates/route.yaml
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: postgres, namespace: b}
spec:
  routes: [{match: "HostSNI(`*`)", services: [{name: db, port: 5432}]}]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(
            keys(&findings),
            vec![
                ("build-plane-service", "Service", "buildkitd"),
                ("build-plane-tcp-route", "IngressRouteTCP", "build"),
                ("build-plane-workload", "Deployment", "buildkitd"),
            ],
            "port 1234 alone (app-on-1234 and the route to it) is not the build plane"
        );
        assert!(!findings[1].message.contains("no middleware"), "{}", findings[1].message);
    }
}
