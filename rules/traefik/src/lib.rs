//! Traefik rules (catalog section 9).
//!
//! The upstream `traefik` chart renders the proxy, its static configuration
//! (from `ports`, `providers.*`, `additionalArguments`, `logs`, `metrics`) and
//! the dashboard route (`ingressRoute.dashboard.*`). These rules flag a proxy
//! written by hand, unsafe provider flags and exposures, and the retired
//! forward-auth integration with Pomerium.

use std::collections::BTreeMap;

use rules_sdk::catalog;
use rules_sdk::prelude::*;
use serde_json::Value;

const CHART_SOURCES: &[&str] = &[
    "https://github.com/traefik/traefik-helm-chart",
    "https://traefik.github.io/charts",
    "https://doc.traefik.io/traefik/reference/install-configuration/providers/kubernetes/kubernetes-crd/",
];

fn is_traefik(image: &Image) -> bool {
    catalog::upstream("traefik").runs(image)
}

/// Static configuration file names Traefik reads.
const STATIC_CONFIG_KEYS: &[&str] = &["traefik.yml", "traefik.yaml", "traefik.toml"];

/// The string items of an array at `key` of `value`.
fn strings<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    value.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// `(namespace, name)` of a `{name, namespace}` reference, defaulting the
/// namespace to the referring object's.
fn reference(object: &Object, r: &Value) -> Option<(Option<String>, String)> {
    let name = r.get("name")?.as_str()?.to_string();
    let ns = r.get("namespace").and_then(Value::as_str).map(str::to_string).or_else(|| object.namespace.clone());
    Some((ns, name))
}

/// A Traefik Deployment or DaemonSet written by hand, and its static config.
pub struct HandWrittenProxy;

impl Rule for HandWrittenProxy {
    fn meta(&self) -> Meta {
        Meta {
            id: "traefik-hand-written-proxy",
            component: "traefik",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written Traefik Deployment/DaemonSet (and its traefik.yml/traefik.toml static config ConfigMap)",
            replace_with: "the traefik chart (https://traefik.github.io/charts, oci://ghcr.io/traefik/helm/traefik) with ports, providers.*, additionalArguments, logs, metrics and deployment.kind",
            sources: CHART_SOURCES,
            kinds: &[
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "ConfigMap",
            ],
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: PROXY_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        // ConfigMaps mounted by the flagged proxies, with the proxy's name.
        let mut mounted: BTreeMap<(Option<String>, String), String> = BTreeMap::new();
        for object in objects {
            let Some(container) = rules_sdk::smell::local_workload(object, catalog::upstream("traefik").images) else {
                continue;
            };
            let kind = if object.kind == "DaemonSet" { "DaemonSet" } else { "Deployment" };
            report
                .flag(
                    object,
                    format!(
                        "{} runs Traefik ({}) {}; the traefik chart renders the proxy",
                        object.display(),
                        container.image,
                        object.origin().describe()
                    ),
                )
                .at(container.field("image"))
                .replace_with(format!(
                    "the traefik chart with deployment.kind: {kind}, ports, providers.*, additionalArguments, logs and metrics"
                ));
            let volumes = object.pod_spec().and_then(|p| p.spec.get("volumes").and_then(Value::as_array).cloned());
            for v in volumes.into_iter().flatten() {
                if let Some(name) = rules_sdk::object::pointer(&v, "/configMap/name").and_then(Value::as_str) {
                    mounted.insert((object.namespace.clone(), name.to_string()), object.display());
                }
            }
        }
        for object in objects.iter().filter(|o| o.kind == "ConfigMap" && o.origin().is_local()) {
            let Some(proxy) = mounted.get(&(object.namespace.clone(), object.name.clone())) else { continue };
            let Some(key) = STATIC_CONFIG_KEYS.iter().find(|k| object.get(&format!("/data/{k}")).is_some()) else {
                continue;
            };
            report
                .flag(
                    object,
                    format!("{} holds the static configuration {key} of the hand-written {proxy}", object.display()),
                )
                .at(format!("data.{key}"))
                .replace_with("the traefik chart's ports, providers.*, additionalArguments, logs and metrics values");
        }
    }
}

const PROXY_DOCS: &str = "\
## What it detects
A Deployment, DaemonSet or Pod written locally (wrapper template, extraObjects value or plain YAML) whose
main container runs the `traefik` image (or `ghcr.io/traefik/traefik-hub`, also behind a mirror), and the
ConfigMap it mounts that holds a static configuration file (`traefik.yml`, `traefik.yaml`, `traefik.toml`).

## Why it matters
The traefik chart renders the proxy, its RBAC, CRDs, entry points, probes and security context, and turns
its values into static configuration. A hand-written proxy drifts from upstream defaults at every upgrade.

## What to use instead
The `traefik` chart (`https://traefik.github.io/charts` or `oci://ghcr.io/traefik/helm/traefik`) with
`deployment.kind`, `ports`, `providers.kubernetesCRD`, `providers.kubernetesIngress`, `additionalArguments`,
`logs` and `metrics`; shared `Middleware`/`TLSOption` objects through `extraObjects`.

## Example
```yaml
# Source: platform-edge/templates/traefik.yaml
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: traefik
          image: traefik:v3.7.11          # flagged: use the traefik chart
          args: [--configFile=/etc/traefik/traefik.yml]
```
";

/// Is the referenced MiddlewareTCP an IP allow list? Unknown references
/// (defined elsewhere) get the benefit of the doubt.
fn restricts(middlewares: &BTreeMap<(Option<String>, String), &Object>, key: &(Option<String>, String)) -> bool {
    match middlewares.get(key) {
        Some(m) => m.get("/spec/ipAllowList").is_some() || m.get("/spec/ipWhiteList").is_some(),
        None => true,
    }
}

/// An `IngressRouteTCP` with neither an IP allow list nor client-certificate TLS.
pub struct TcpRouteWithoutMiddleware;

impl Rule for TcpRouteWithoutMiddleware {
    fn meta(&self) -> Meta {
        Meta {
            id: "traefik-tcp-route-without-middleware",
            component: "traefik",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "IngressRouteTCP with no MiddlewareTCP ipAllowList in spec.routes[].middlewares and no mTLS TLSOption",
            replace_with: "a MiddlewareTCP with spec.ipAllowList referenced from every spec.routes[].middlewares, or spec.tls.options naming a TLSOption with clientAuth.clientAuthType: RequireAndVerifyClientCert, or Pomerium TCP tunnelling",
            sources: &[
                "https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/crd/tcp/ingressroutetcp/",
                "https://doc.traefik.io/traefik/reference/routing-configuration/tcp/middlewares/ipallowlist/",
                "https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/crd/tls/tlsoption/",
                "https://github.com/traefik/traefik-helm-chart",
            ],
            kinds: &["IngressRouteTCP", "MiddlewareTCP", "TLSOption"],
            scope: Scope::WholeSet,
            supersedes: &[],
            docs: TCP_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let index = |kind: &str| -> BTreeMap<(Option<String>, String), &Object> {
            objects.iter().filter(|o| o.kind == kind).map(|o| ((o.namespace.clone(), o.name.clone()), *o)).collect()
        };
        let middlewares = index("MiddlewareTCP");
        let tls_options = index("TLSOption");
        for route in objects.iter().filter(|o| o.kind == "IngressRouteTCP") {
            let passthrough = route.get("/spec/tls/passthrough").and_then(Value::as_bool).unwrap_or(false);
            let mtls = !passthrough
                && route.get("/spec/tls/options").and_then(|r| reference(route, r)).is_some_and(
                    |key| match tls_options.get(&key) {
                        Some(option) => {
                            option.str_at("/spec/clientAuth/clientAuthType") == Some("RequireAndVerifyClientCert")
                        }
                        None => true,
                    },
                );
            if mtls {
                continue;
            }
            let routes = route.get("/spec/routes").and_then(Value::as_array).cloned().unwrap_or_default();
            let open = routes.iter().enumerate().find(|(_, r)| {
                let refs: Vec<_> = r
                    .get("middlewares")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| reference(route, m))
                    .collect();
                !refs.iter().any(|key| restricts(&middlewares, key))
            });
            let Some((i, r)) = open else { continue };
            let rule = r.get("match").and_then(Value::as_str).unwrap_or("?");
            let why = if r.get("middlewares").and_then(Value::as_array).is_some_and(|m| !m.is_empty()) {
                "its MiddlewareTCP has no ipAllowList"
            } else {
                "no middlewares"
            };
            let tls = if passthrough { " (TLS passthrough, so no client-certificate check)" } else { "" };
            report
                .flag(
                    route,
                    format!(
                        "{} route {rule:?} is reachable by anyone: {why} and no mTLS TLSOption{tls}",
                        route.display()
                    ),
                )
                .at(format!("spec.routes[{i}].middlewares"));
        }
    }
}

const TCP_DOCS: &str = "\
## What it detects
An `IngressRouteTCP` (any origin) with a route whose `middlewares` list is empty or names only
`MiddlewareTCP`s without `ipAllowList`, and no mutual TLS: no `spec.tls.options`, a TLSOption without
`clientAuth.clientAuthType: RequireAndVerifyClientCert`, or `tls.passthrough: true`.

## Why it matters
`MiddlewareTCP` only supports `inFlightConn` and `ipAllowList` (plus the deprecated `ipWhiteList`), so a TCP
route can never carry identity-aware auth. Without an allow list or client certificates the backend (SSH,
databases, brokers) is exposed to every client that can reach the entry point.

## What to use instead
A `MiddlewareTCP` with `spec.ipAllowList.sourceRange` on every route, or `spec.tls.options` naming a
`TLSOption` with `clientAuth.clientAuthType: RequireAndVerifyClientCert`, or route the service through
Pomerium's TCP tunnelling. Ship shared MiddlewareTCP/TLSOption objects through the chart's `extraObjects`.

## Example
```yaml
kind: IngressRouteTCP
spec:
  entryPoints: [ssh]
  routes:
    - match: HostSNI(`*`)
      services: [{name: sshd, port: 22}]   # flagged: no middlewares, no tls.options
```
";

/// `(flag, value)` of `--providers.kubernetescrd.allowCrossNamespace=true`-style args.
const UNSAFE_FLAGS: &[&str] = &[
    "providers.kubernetescrd.allowcrossnamespace",
    "providers.kubernetescrd.allowexternalnameservices",
    "providers.kubernetesingress.allowexternalnameservices",
];

/// Unsafe provider switches set in the args of a Traefik container.
fn unsafe_args(container: &Container) -> Vec<String> {
    let mut found = Vec::new();
    for arg in strings(container.body, "command").chain(strings(container.body, "args")) {
        let arg = arg.trim().trim_start_matches('-');
        let (flag, value) = arg.split_once('=').unwrap_or((arg, "true"));
        let flag_lc = flag.to_ascii_lowercase();
        if UNSAFE_FLAGS.contains(&flag_lc.as_str()) && value.trim().eq_ignore_ascii_case("true") {
            found.push(format!("--{flag}={value}"));
        }
    }
    found
}

/// The unsafe switches in a static configuration file (YAML `key: true` or TOML `key = true`).
fn unsafe_static(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| {
            let lc = l.to_ascii_lowercase().replace(' ', "");
            [
                "allowcrossnamespace:true",
                "allowcrossnamespace=true",
                "allowexternalnameservices:true",
                "allowexternalnameservices=true",
            ]
            .iter()
            .any(|p| lc == *p)
        })
        .map(str::to_string)
        .collect()
}

/// `allowCrossNamespace` / `allowExternalNameServices` turned on.
pub struct UnsafeProviderFlags;

impl Rule for UnsafeProviderFlags {
    fn meta(&self) -> Meta {
        Meta {
            id: "traefik-unsafe-provider-flags",
            component: "traefik",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Traefik started with providers.kubernetesCRD.allowCrossNamespace or allowExternalNameServices set to true",
            replace_with: "providers.kubernetesCRD.allowCrossNamespace: false and allowExternalNameServices: false (the chart defaults); keep routes, middlewares and services in the route's namespace",
            sources: &[
                "https://github.com/traefik/traefik-helm-chart/blob/master/traefik/values.yaml",
                "https://doc.traefik.io/traefik/reference/install-configuration/providers/kubernetes/kubernetes-crd/",
            ],
            kinds: &[
                "Pod",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ReplicationController",
                "ConfigMap",
            ],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: FLAGS_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if object.kind == "ConfigMap" {
            for key in STATIC_CONFIG_KEYS {
                let Some(text) = object.str_at(&format!("/data/{key}")) else { continue };
                let found = unsafe_static(text);
                if !found.is_empty() {
                    report
                        .flag(object, format!("{} static config {key} sets {}", object.display(), found.join(", ")))
                        .at(format!("data.{key}"));
                    return;
                }
            }
            return;
        }
        for container in object.containers().into_iter().filter(|c| is_traefik(&c.image)) {
            let found = unsafe_args(&container);
            if !found.is_empty() {
                report
                    .flag(
                        object,
                        format!(
                            "{} container {:?} runs Traefik with {} {}",
                            object.display(),
                            container.name,
                            found.join(" "),
                            object.origin().describe()
                        ),
                    )
                    .at(container.field("args"));
                return;
            }
        }
    }
}

const FLAGS_DOCS: &str = "\
## What it detects
A Traefik container (any origin: the chart renders these flags from its values) whose args set
`--providers.kubernetescrd.allowCrossNamespace=true`, `--providers.kubernetescrd.allowExternalNameServices=true`
or `--providers.kubernetesingress.allowExternalNameServices=true`, and static configuration files
(`traefik.yml`/`traefik.toml` in a ConfigMap) setting `allowCrossNamespace` or `allowExternalNameServices`.

## Why it matters
Both default to `false`. Cross-namespace references let any namespace's IngressRoute use another team's
Middlewares and Services; ExternalName services let a route proxy to arbitrary hosts, including cloud
metadata endpoints and services outside the cluster's policy.

## What to use instead
Leave `providers.kubernetesCRD.allowCrossNamespace` and `allowExternalNameServices` at `false` in the chart
values. Share Middlewares per namespace (through `extraObjects`) and route to in-cluster Services.

## Example
```yaml
# values.yaml of the traefik dependency
providers:
  kubernetesCRD:
    allowCrossNamespace: true         # flagged
    allowExternalNameServices: true   # flagged
```
";

/// The host of a URL (`http://pomerium-proxy.pomerium:80/verify` → `pomerium-proxy.pomerium`).
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host_port.split(':').next().unwrap_or("")
}

/// A forwardAuth Middleware whose address is Pomerium.
pub struct ForwardAuthToPomerium;

impl Rule for ForwardAuthToPomerium {
    fn meta(&self) -> Meta {
        Meta {
            id: "traefik-forward-auth-pomerium",
            component: "traefik",
            category: Category::RetiredPlane,
            severity: Severity::Error,
            summary: "Traefik forwardAuth Middleware pointed at Pomerium (forward auth was removed in Pomerium v0.21.0)",
            replace_with: "route the hosts through Pomerium itself: the Pomerium Ingress Controller with one Ingress (ingressClassName: pomerium, ingress.pomerium.io/policy) per app, Traefik forwarding to the pomerium-proxy Service",
            sources: &[
                "https://github.com/pomerium/documentation/pull/351",
                "https://www.pomerium.com/docs/deploy/k8s/install",
                "https://github.com/traefik/traefik/pull/13012",
            ],
            kinds: &["Middleware"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: FORWARD_AUTH_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let Some(address) = object.str_at("/spec/forwardAuth/address") else { return };
        let host = url_host(address).to_ascii_lowercase();
        let pomerium = host.split('.').any(|label| label.contains("pomerium")) || address.contains("/.pomerium/");
        if !pomerium {
            return;
        }
        let mut message = format!(
            "{} forwards auth to Pomerium at {address}; Pomerium removed forward auth in v0.21.0",
            object.display()
        );
        if object.get("/spec/forwardAuth/trustForwardHeader").and_then(Value::as_bool) == Some(true) {
            message.push_str(" (and trustForwardHeader, deprecated by Traefik, is on)");
        }
        report.flag(object, message).at("spec.forwardAuth.address");
    }
}

const FORWARD_AUTH_DOCS: &str = "\
## What it detects
A Traefik `Middleware` (any origin, `traefik.io` or the legacy `traefik.containo.us` group) whose
`spec.forwardAuth.address` points at Pomerium: a host with a `pomerium` label (`pomerium-proxy.pomerium.svc`,
`pomerium.example.com`) or Pomerium's old `/.pomerium/verify` endpoint.

## Why it matters
Pomerium removed forward-auth support in v0.21.0 (pomerium/documentation#351, #327): the pattern is both
reinvented plumbing and broken on any current Pomerium. Traefik also deprecated
`forwardAuth.trustForwardHeader` (traefik/traefik#13012).

## What to use instead
Let Pomerium be the proxy for protected apps: the Pomerium Ingress Controller, a `Pomerium` CR for global
settings and one `Ingress` per app (`ingressClassName: pomerium`, `ingress.pomerium.io/policy`). Traefik
forwards the app hosts to the `pomerium-proxy` Service (TLS passthrough IngressRouteTCP with an
`ipAllowList`, or an HTTP IngressRoute).

## Example
```yaml
kind: Middleware
spec:
  forwardAuth:
    address: http://pomerium-proxy.pomerium.svc/.pomerium/verify   # flagged
    trustForwardHeader: true
```
";

/// Is this IngressRoute route served by Traefik's own API/dashboard?
fn serves_dashboard(route: &Value) -> bool {
    route
        .get("services")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|s| s.get("name").and_then(Value::as_str) == Some("api@internal"))
}

/// A dashboard route written by hand, or any dashboard route without auth.
pub struct DashboardRoute;

impl Rule for DashboardRoute {
    fn meta(&self) -> Meta {
        Meta {
            id: "traefik-dashboard-route",
            component: "traefik",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Hand-written IngressRoute to the Traefik dashboard (api@internal), or a dashboard route without auth middleware",
            replace_with: "ingressRoute.dashboard.{enabled,matchRule,entryPoints,middlewares} in the traefik chart, with an auth middleware (or keep ingressRoute.dashboard.enabled: false)",
            sources: CHART_SOURCES,
            kinds: &["IngressRoute"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DASHBOARD_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        let routes = object.get("/spec/routes").and_then(Value::as_array).cloned().unwrap_or_default();
        let Some((i, route)) = routes.iter().enumerate().find(|(_, r)| serves_dashboard(r)) else { return };
        let protected = route.get("middlewares").and_then(Value::as_array).is_some_and(|m| !m.is_empty());
        let origin = object.origin();
        let message = match (origin.is_local(), protected) {
            (true, true) => {
                format!("{} is a hand-written dashboard route (api@internal) {}", object.display(), origin.describe())
            }
            (true, false) => format!(
                "{} is a hand-written dashboard route (api@internal) {} with no auth middleware",
                object.display(),
                origin.describe()
            ),
            (false, false) => format!(
                "{} exposes the Traefik dashboard (api@internal) without middlewares; the chart warns not to expose it unprotected",
                object.display()
            ),
            (false, true) => return,
        };
        report.flag(object, message).at(format!("spec.routes[{i}]"));
    }
}

const DASHBOARD_DOCS: &str = "\
## What it detects
An `IngressRoute` whose route targets the `api@internal` TraefikService (the dashboard and API): written
locally (wrapper template, extraObjects value or plain YAML), or rendered by the chart with no
`middlewares` on the route.

## Why it matters
The chart already renders the dashboard route from `ingressRoute.dashboard.*` and warns \"Do not expose your
dashboard without any protection\": the dashboard shows every router, service and middleware of the edge.

## What to use instead
`ingressRoute.dashboard.enabled`, `matchRule`, `entryPoints` and `middlewares` (an auth middleware, or
Pomerium in front), or keep `ingressRoute.dashboard.enabled: false`.

## Example
```yaml
# Source: platform-edge/templates/dashboard.yaml
kind: IngressRoute
spec:
  routes:
    - match: Host(`traefik.example.com`)
      services: [{name: api@internal, kind: TraefikService}]   # flagged
```
";

rules_sdk::export_rules!(
    HandWrittenProxy,
    TcpRouteWithoutMiddleware,
    UnsafeProviderFlags,
    ForwardAuthToPomerium,
    DashboardRoute
);

/// Every rule of the crate, for tests.
#[cfg(test)]
const RULES: &[&dyn Rule] =
    &[&HandWrittenProxy, &TcpRouteWithoutMiddleware, &UnsafeProviderFlags, &ForwardAuthToPomerium, &DashboardRoute];

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "traefik");
    }

    #[test]
    fn tcp_route_needs_an_allow_list_or_mtls() {
        let yaml = r#"
apiVersion: traefik.io/v1alpha1
kind: MiddlewareTCP
metadata: {name: limit, namespace: edge}
spec: {inFlightConn: {amount: 10}}
---
apiVersion: traefik.io/v1alpha1
kind: MiddlewareTCP
metadata: {name: office, namespace: edge}
spec: {ipAllowList: {sourceRange: [10.0.0.0/8]}}
---
apiVersion: traefik.io/v1alpha1
kind: TLSOption
metadata: {name: plain, namespace: edge}
spec: {minVersion: VersionTLS12}
---
apiVersion: traefik.io/v1alpha1
kind: TLSOption
metadata: {name: mtls, namespace: edge}
spec: {clientAuth: {secretNames: [ca], clientAuthType: RequireAndVerifyClientCert}}
---
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: in-flight-only, namespace: edge}
spec:
  routes: [{match: "HostSNI(`*`)", middlewares: [{name: limit}], services: [{name: db, port: 5432}]}]
---
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: allow-listed, namespace: edge}
spec:
  routes: [{match: "HostSNI(`*`)", middlewares: [{name: office}], services: [{name: db, port: 5432}]}]
---
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: weak-tls, namespace: edge}
spec:
  routes: [{match: "HostSNI(`db.example.com`)", services: [{name: db, port: 5432}]}]
  tls: {options: {name: plain}}
---
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: client-certs, namespace: edge}
spec:
  routes: [{match: "HostSNI(`db.example.com`)", services: [{name: db, port: 5432}]}]
  tls: {options: {name: mtls}}
---
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata: {name: passthrough, namespace: edge}
spec:
  routes: [{match: "HostSNI(`db.example.com`)", services: [{name: db, port: 5432}]}]
  tls: {passthrough: true, options: {name: mtls}}
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![
                ("traefik-tcp-route-without-middleware", "IngressRouteTCP", "in-flight-only"),
                ("traefik-tcp-route-without-middleware", "IngressRouteTCP", "passthrough"),
                ("traefik-tcp-route-without-middleware", "IngressRouteTCP", "weak-tls"),
            ]
        );
    }

    #[test]
    fn provider_flags_in_chart_rendered_args_are_flagged() {
        let yaml = r#"
# Source: traefik/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: traefik, namespace: traefik, labels: {helm.sh/chart: traefik-41.3.0}}
spec:
  template:
    spec:
      containers:
        - name: traefik
          image: docker.io/traefik:v3.7.11
          args: [--entryPoints.web.address=:8000/tcp, --providers.kubernetescrd, --providers.kubernetescrd.allowCrossNamespace=true, --providers.kubernetescrd.allowExternalNameServices=false]
"#;
        let findings = check_yaml(RULES, yaml);
        assert_eq!(keys(&findings), vec![("traefik-unsafe-provider-flags", "Deployment", "traefik")]);
        assert!(findings[0].message.contains("allowCrossNamespace=true"), "{}", findings[0].message);
        assert!(!findings[0].message.contains("allowExternalNameServices"), "{}", findings[0].message);
    }

    #[test]
    fn forward_auth_elsewhere_is_fine() {
        let yaml = r#"
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: authelia, namespace: edge}
spec: {forwardAuth: {address: "http://authelia.auth.svc:9091/api/verify"}}
---
apiVersion: traefik.containo.us/v1alpha1
kind: Middleware
metadata: {name: pomerium-auth, namespace: edge}
spec: {forwardAuth: {address: "https://authenticate.pomerium.example.com/.pomerium/verify?uri=x"}}
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![("traefik-forward-auth-pomerium", "Middleware", "pomerium-auth")]
        );
        assert_eq!(url_host("http://user:pw@pomerium-proxy.pomerium:80/x"), "pomerium-proxy.pomerium");
    }

    #[test]
    fn chart_dashboard_with_middlewares_is_clean_without_is_not() {
        let yaml = r#"
# Source: traefik/templates/dashboard-ingressroute.yaml
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: traefik-dashboard, namespace: traefik, labels: {helm.sh/chart: traefik-41.3.0}}
spec:
  routes: [{match: "Host(`traefik.example.com`)", kind: Rule, services: [{name: api@internal, kind: TraefikService}]}]
"#;
        assert_eq!(
            keys(&check_yaml(RULES, yaml)),
            vec![("traefik-dashboard-route", "IngressRoute", "traefik-dashboard")]
        );
        let protected = yaml.replace("kind: Rule,", "kind: Rule, middlewares: [{name: sso}],");
        assert_eq!(keys(&check_yaml(RULES, &protected)), vec![]);
    }
}
