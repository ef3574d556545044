//! What a container runs, decided once by the host for every rule.
//!
//! Three catalogs answer, in this order, and the first that knows the image
//! wins:
//! 1. the team's `[[catalog.images]]` entries in rewheel.toml ([`Entry`]);
//! 2. the curated products ([`crate::products`], from the seed audit);
//! 3. the charts upstream publishes ([`crate::catalog`], mined from their
//!    repositories).
//!
//! Only the image decides: its repository path (mirrors, digests and tags do
//! not matter), or a vendor-prefixed copy of a distinctive image name
//! (`acme/statsd-exporter`). A mined chart answers for an image only when the
//! image is its own (the chart's name shares a word with the image's) or its
//! operator's controller: the `busybox`, `kubectl` and sidecar images many
//! charts run identify nothing.

use crate::catalog::{self, Catalog, Hit};
use crate::image::Image;
use crate::products;

/// What an image runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// A curated key (`redis`), a team's product, or the owning chart's name
    /// (`prometheus-statsd-exporter`).
    pub product: String,
    /// Display name.
    pub name: String,
    /// The upstream charts that run it, best first.
    pub charts: Vec<UpstreamChart>,
    /// Whether the image is an operator's own controller.
    pub operator: bool,
    /// Which catalog answered: `rewheel.toml:12`, `curated`, or the mined
    /// chart's `owner/name@commit:folder`.
    pub source: String,
}

impl Identity {
    /// Did the team's rewheel.toml answer (not a built-in catalog)?
    pub fn from_team(&self) -> bool {
        !self.from_curated() && !self.from_mined()
    }

    /// Did the curated products answer?
    pub fn from_curated(&self) -> bool {
        self.source == "curated"
    }

    /// Did the mined catalog answer (its source is `owner/name@COMMIT:folder`,
    /// a 40-hex commit; a config path may hold an `@` too)?
    pub fn from_mined(&self) -> bool {
        self.source
            .split_once('@')
            .and_then(|(_, rest)| rest.split_once(':'))
            .is_some_and(|(commit, _)| commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// "chart prometheus-statsd-exporter (https://prometheus-community.github.io/helm-charts)":
    /// the best chart, from up to two repositories; the product when no
    /// chart is known.
    pub fn chart_list(&self) -> String {
        // The best chart, from up to two repositories.
        let best = self.charts.first().map(|c| c.name.as_str());
        let named: Vec<String> = self
            .charts
            .iter()
            .filter(|c| Some(c.name.as_str()) == best)
            .take(2)
            .map(|c| if c.repository.is_empty() { c.name.clone() } else { format!("{} ({})", c.name, c.repository) })
            .collect();
        match named.as_slice() {
            [] => self.name.clone(),
            [one] => format!("chart {one}"),
            [first, second] => format!("chart {first} or {second}"),
            _ => unreachable!("at most two"),
        }
    }
}

/// A chart that runs a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamChart {
    /// Chart name.
    pub name: String,
    /// Helm repository, when known.
    pub repository: String,
    /// Whether it installs an operator.
    pub operator: bool,
}

/// A team's own catalog entry (`[[catalog.images]]` in rewheel.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Image pattern (a repository path suffix; may end in `*`).
    pub image: String,
    /// What it runs.
    pub product: String,
    /// The chart to use instead, if the team names one.
    pub chart: Option<String>,
    /// That chart's repository.
    pub repository: Option<String>,
    /// Whether the image is an operator's controller.
    pub operator: bool,
    /// Where the entry is written: `rewheel.toml:12`.
    pub origin: String,
}

/// Identifies images: the team's entries, then the curated and mined catalogs.
#[derive(Debug, Clone, Default)]
pub struct Identifier {
    entries: Vec<Entry>,
}

/// Base, runtime and tool images: a workload running one runs the team's
/// own program, whatever chart also lists it.
const GENERIC_IMAGES: &[&str] = &[
    "busybox",
    "alpine",
    "ubuntu",
    "debian",
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "ubi",
    "ubi-minimal",
    "distroless",
    "scratch",
    "python",
    "node",
    "golang",
    "openjdk",
    "eclipse-temurin",
    "ruby",
    "php",
    "nginx",
    "nginx-unprivileged",
    "httpd",
    "caddy",
    "curl",
    "kubectl",
    "bash",
    "os-shell",
    "git",
    "k8s",
    "jq",
    "shell",
    "tomcat",
    "jetty",
    "wildfly",
    "dotnet",
    "aspnet",
    "aspnet-core",
    "pytorch",
    "tensorflow",
    "tensorflow-serving",
    "deepspeed",
    "jupyter",
    "notebook",
    "nextjs",
    "java",
    "maven",
    "gradle",
    "rust",
    "perl",
];

/// Words too common in image names to tie an image to a chart.
const STRUCTURAL_WORDS: &[&str] = &[
    "server",
    "app",
    "api",
    "web",
    "ui",
    "k8s",
    "kube",
    "kubernetes",
    "docker",
    "image",
    "base",
    "core",
    "agent",
    "controller",
    "operator",
    "exporter",
    "manager",
    "proxy",
    "cli",
    "tools",
    "helm",
    "chart",
    "official",
    "oss",
    "community",
    "enterprise",
    "release",
    "releases",
    "bitnami",
    "io",
    "com",
    "v1",
    "v2",
];

impl Identifier {
    /// An identifier with the team's `entries` on top of the built-in catalogs.
    pub fn new(entries: Vec<Entry>) -> Identifier {
        Identifier { entries }
    }

    /// What `image` runs, if any catalog knows.
    ///
    /// # Examples
    ///
    /// ```
    /// use rewheel_manifest::{identity::{Entry, Identifier}, image::Image};
    /// let ids = Identifier::default();
    /// let id = |image: &str| ids.identify(&Image::parse(image)).map(|i| (i.product, i.operator));
    /// assert_eq!(id("mirror.corp/docker/bitnami/mongodb:8@sha256:00ff"), Some(("mongodb".into(), false)));
    /// assert_eq!(id("quay.io/prometheus/statsd-exporter:v0.28.0"), Some(("prometheus-statsd-exporter".into(), false)));
    /// assert_eq!(id("acme/busybox:1"), None);
    /// let team = Identifier::new(vec![Entry {
    ///     image: "corp/pgbouncer".into(), product: "PgBouncer".into(), chart: Some("pgbouncer".into()),
    ///     repository: Some("https://icoretech.github.io/helm".into()), operator: false,
    ///     origin: "rewheel.toml:3".into(),
    /// }]);
    /// let found = team.identify(&Image::parse("registry.local/corp/pgbouncer:1.23")).unwrap();
    /// assert_eq!((found.product.as_str(), found.source.as_str()), ("PgBouncer", "rewheel.toml:3"));
    /// ```
    pub fn identify(&self, image: &Image) -> Option<Identity> {
        self.entries
            .iter()
            .find(|e| image.matches(&e.image))
            .map(Entry::identity)
            .or_else(|| products::product_of(image).map(curated))
            .or_else(|| mined(catalog::mined(), image))
    }

    /// Every container of a workload, Pod or Job `body` whose image some
    /// catalog knows: its field path (`spec.template.spec.containers[0]`),
    /// image as written, and identity.
    pub fn containers(&self, body: &serde_json::Value) -> Vec<(String, String, Identity)> {
        let mut found = Vec::new();
        let Some((prefix, spec)) = pod_spec(body) else { return found };
        for list in ["initContainers", "containers"] {
            let containers = spec.get(list).and_then(|c| c.as_array()).into_iter().flatten();
            for (i, container) in containers.enumerate() {
                let Some(image) = container.get("image").and_then(|i| i.as_str()) else { continue };
                if let Some(identity) = self.identify(&Image::parse(image)) {
                    found.push((format!("{prefix}.{list}[{i}]"), image.to_string(), identity));
                }
            }
        }
        found
    }
}

/// The pod spec of a workload, Pod, Job or CronJob, and its path.
pub(crate) fn pod_spec(body: &serde_json::Value) -> Option<(&'static str, &serde_json::Value)> {
    let kind = body.get("kind")?.as_str()?;
    let (prefix, pointer) = match kind {
        "Pod" => ("spec", "/spec"),
        "CronJob" => ("spec.jobTemplate.spec.template.spec", "/spec/jobTemplate/spec/template/spec"),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job" => {
            ("spec.template.spec", "/spec/template/spec")
        }
        _ => return None,
    };
    Some((prefix, body.pointer(pointer)?))
}

impl Entry {
    fn identity(&self) -> Identity {
        let charts = self.chart.iter().map(|name| UpstreamChart {
            name: name.clone(),
            repository: self.repository.clone().unwrap_or_default(),
            operator: self.operator,
        });
        Identity {
            product: self.product.clone(),
            name: self.product.clone(),
            charts: charts.collect(),
            operator: self.operator,
            source: self.origin.clone(),
        }
    }
}

/// A curated product, with the repositories the mined catalog knows for its charts.
fn curated(product: &products::Product) -> Identity {
    let charts = product.charts.iter().map(|name| {
        let mut named: Vec<_> = catalog::mined().named(name).collect();
        named.sort_by_key(|c| COLLECTIONS.contains(&c.repository_name()));
        let published = named.first();
        UpstreamChart {
            name: name.to_string(),
            repository: published.map(|c| c.repository.clone()).unwrap_or_default(),
            operator: published.is_some_and(|c| c.operator),
        }
    });
    Identity {
        product: product.key.to_string(),
        name: product.name.to_string(),
        charts: charts.collect(),
        operator: false,
        source: "curated".to_string(),
    }
}

/// The mined chart that owns `image`, if any ([`Identifier::identify`]'s third
/// catalog alone): what provenance asks when a chart runs an image the
/// curated products do not know.
///
/// Only an exact repository match counts here: a vendor's rebuild or a
/// renamed namespace (`bitnamilegacy/redis-exporter`) is not evidence that
/// a chart runs another chart's software.
pub fn mined_owner(image: &Image) -> Option<Identity> {
    let hits = catalog::mined().who_runs(image);
    if hits.is_empty() || generic(image) {
        return None;
    }
    owner_of(image, hits)
}

/// The mined chart that owns `image`: an exact repository match, else a
/// vendor-prefixed copy of a distinctive name; then the chart whose name
/// shares most words with the image's, or whose operator it is.
fn mined(catalog: &Catalog, image: &Image) -> Option<Identity> {
    if generic(image) {
        return None;
    }
    let last = image.path.rsplit('/').next().unwrap_or("");
    let mut hits = catalog.who_runs(image);
    if hits.is_empty() && distinctive(last) {
        hits = catalog.by_last_segment(last);
    }
    if hits.is_empty() {
        return named_like_a_chart(catalog, last);
    }
    owner_of(image, hits)
}

/// A base, runtime or tool image: it identifies nothing.
fn generic(image: &Image) -> bool {
    let last = image.path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    GENERIC_IMAGES.contains(&last.as_str())
}

/// Of the charts that run `image`, the one that owns it: the chart whose
/// name shares most words with the image's, or whose operator it is. A role
/// word of the image (`exporter`, `proxy`, ...) must be in the chart's name
/// too: `bitnami/redis-exporter` is not Redis.
fn owner_of(image: &Image, hits: Vec<Hit<'_>>) -> Option<Identity> {
    let last = image.path.rsplit('/').next().unwrap_or("");
    let image_words = words(last);
    let roles: Vec<String> = role_words(last);
    let mut owners: Vec<(usize, Hit<'_>)> = hits
        .into_iter()
        .map(|hit| (shared_words(&image_words, &hit.chart.name), hit))
        .filter(|(shared, hit)| {
            let chart_roles = role_words(&hit.chart.name);
            hit.controller || (*shared > 0 && roles.iter().all(|r| chart_roles.contains(r)))
        })
        .collect();
    // Most shared words first, then controllers, then the project's own
    // chart over a collection's, then the name with fewest other words
    // (`fluent-bit` before `fluent-bit-aggregator`), then the narrower chart.
    owners.sort_by_key(|(shared, hit)| {
        let project = project_of(image, hit.chart);
        let extra = words(&hit.chart.name).len().saturating_sub(*shared);
        (std::cmp::Reverse(*shared), !hit.controller, !project, extra, hit.chart.images.len())
    });
    let (_, owner) = *owners.first()?;
    let mut charts: Vec<UpstreamChart> = Vec::new();
    for (_, hit) in &owners {
        if !charts.iter().any(|c| c.name == hit.chart.name && c.repository == hit.chart.repository) {
            charts.push(UpstreamChart {
                name: hit.chart.name.clone(),
                repository: hit.chart.repository.clone(),
                operator: hit.chart.operator,
            });
        }
    }
    Some(Identity {
        product: owner.chart.name.clone(),
        name: owner.chart.name.clone(),
        charts,
        operator: owner.controller,
        source: owner.chart.source.clone(),
    })
}

/// Words that say what part an image plays beside a product (an exporter of
/// it, a proxy for it), not which product it is.
const ROLE_WORDS: &[&str] = &["exporter", "proxy", "sidecar", "agent", "webhook", "operator", "controller"];

fn role_words(name: &str) -> Vec<String> {
    name.split(['-', '_', '.', '/']).map(str::to_ascii_lowercase).filter(|w| ROLE_WORDS.contains(&w.as_str())).collect()
}

/// An image named exactly like a published chart that runs an image of
/// that name (`edoburu/pgbouncer`, the `pgbouncer` chart): that chart's
/// product, the project's own chart first.
fn named_like_a_chart(catalog: &Catalog, last: &str) -> Option<Identity> {
    let name = last.to_ascii_lowercase();
    if name.len() < 4 || STRUCTURAL_WORDS.contains(&name.as_str()) || GENERIC_NAMES.contains(&name.as_str()) {
        return None;
    }
    // The chart must run an image of that name itself (`pgbouncer` runs
    // `icoretech/pgbouncer-docker`); `nextjs`, running nginx, says nothing of
    // an image called `nextjs`.
    let runs_its_name = |c: &&crate::catalog::Chart| {
        c.images.iter().any(|i| i.rsplit('/').next().unwrap_or(i).to_ascii_lowercase().starts_with(&name))
    };
    let mut charts: Vec<&crate::catalog::Chart> = catalog.named(&name).filter(runs_its_name).collect();
    charts.sort_by_key(|c| COLLECTIONS.contains(&c.repository_name()));
    let owner = *charts.first()?;
    Some(Identity {
        product: owner.name.clone(),
        name: owner.name.clone(),
        charts: charts
            .iter()
            .map(|c| UpstreamChart { name: c.name.clone(), repository: c.repository.clone(), operator: c.operator })
            .collect(),
        operator: false,
        source: owner.source.clone(),
    })
}

/// Chart names that say what a chart is for, not which program it runs: an
/// image of that name is the team's own.
pub(crate) const GENERIC_NAMES: &[&str] = &[
    "common",
    "cluster",
    "backend",
    "frontend",
    "worker",
    "gateway",
    "service",
    "service-account",
    "priority-class",
    "storage-class",
    "k8s-resources",
    "monitoring",
    "logging",
    "storage",
    "database",
    "cache",
    "queue",
    "auth",
    "admin",
    "dashboard",
    "docs",
    "website",
    "sample",
    "example",
    "demo",
    "test",
    "tests",
    "connect",
    "console",
    "tenant",
    "operator",
    "controller",
    "server",
    "agent",
    "proxy",
    "exporter",
    "nginx",
];

/// Repositories that collect charts of many projects: a project's own chart
/// repository is the better answer where both publish one.
const COLLECTIONS: &[&str] = &["bitnami/charts", "deliveryhero/helm-charts"];

/// Is `chart` published by the image's own project: not a collection, or
/// from the GitHub owner that names the image's namespace?
fn project_of(image: &Image, chart: &crate::catalog::Chart) -> bool {
    let repository = chart.repository_name();
    let owner = repository.split('/').next().unwrap_or("").to_ascii_lowercase();
    !COLLECTIONS.contains(&repository) || image.path.to_ascii_lowercase().split('/').any(|s| s == owner)
}

/// A last segment specific enough to identify a vendor's copy
/// (`statsd-exporter`, `clickhouse-operator`), not `server` or `redis`.
fn distinctive(segment: &str) -> bool {
    segment.len() >= 8 && segment.contains(['-', '_'])
}

fn words(s: &str) -> Vec<String> {
    s.split(['-', '_', '.', '/'])
        .filter(|w| w.len() > 1 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_ascii_lowercase)
        .filter(|w| !STRUCTURAL_WORDS.contains(&w.as_str()))
        .collect()
}

/// How many distinct words of the image's name the chart's name has.
fn shared_words(image_words: &[String], chart: &str) -> usize {
    let chart_words = words(chart);
    let shared: std::collections::BTreeSet<&String> = image_words.iter().filter(|w| chart_words.contains(w)).collect();
    shared.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(image: &str) -> Option<String> {
        Identifier::default().identify(&Image::parse(image)).map(|i| i.product)
    }

    #[test]
    fn mirrored_digested_and_vendor_prefixed_images() {
        assert_eq!(product("oauth2-proxy/oauth2-proxy:v7.6.0").as_deref(), Some("oauth2-proxy"));
        assert_eq!(product("nexus.corp/quay/oauth2-proxy/oauth2-proxy@sha256:0011").as_deref(), Some("oauth2-proxy"));
        assert_eq!(product("registry.corp/acme/statsd-exporter:1").as_deref(), Some("prometheus-statsd-exporter"));
        assert_eq!(product("prom/statsd-exporter:v0.26.0").as_deref(), Some("prometheus-statsd-exporter"));
    }

    #[test]
    fn curated_products_come_before_mined_charts() {
        let id = Identifier::default().identify(&Image::parse("bitnami/redis:7")).unwrap();
        assert_eq!((id.product.as_str(), id.source.as_str()), ("redis", "curated"));
        assert!(id.charts.iter().any(|c| c.name == "redis"));
    }

    #[test]
    fn helper_images_identify_nothing() {
        for image in ["busybox:1.36", "bitnami/os-shell:12", "bitnami/kubectl:1.31", "curlimages/curl:8", "alpine:3"] {
            assert_eq!(product(image), None, "{image}");
        }
    }

    #[test]
    fn exporters_runtimes_and_generic_names_are_not_the_product() {
        for image in [
            "bitnami/redis-exporter:1.62",
            "debezium/connect:2.7",
            "registry.corp/acme/nextjs:1",
            "tomcat:10",
            "acme/tenant:1",
        ] {
            assert_eq!(product(image), None, "{image}");
        }
    }

    #[test]
    fn a_repeated_word_neither_panics_nor_misleads() {
        let table = "# source acme/charts 0123 2026-01-02\n\
            foo\thttps://acme.io\tchart\t1\tx/foo-foo\t-\t-\t-\tacme/charts@0123456789012345678901234567890123456789:foo\n";
        let catalog = Catalog::parse(table).unwrap();
        let found = mined(&catalog, &Image::parse("x/foo-foo:1")).unwrap();
        assert_eq!(found.product, "foo");
        assert!(found.from_mined() && !found.from_team());
    }

    #[test]
    fn a_team_entry_in_a_folder_with_an_at_sign_is_the_teams() {
        let ids = Identifier::new(vec![Entry {
            image: "corp/queue".into(),
            product: "Queue".into(),
            chart: None,
            repository: None,
            operator: false,
            origin: "/var/lib/jenkins/workspace/job@2/rewheel.toml:3".into(),
        }]);
        let found = ids.identify(&Image::parse("corp/queue:1")).unwrap();
        assert!(found.from_team() && !found.from_mined(), "{found:?}");
    }

    #[test]
    fn an_operator_controller_is_marked() {
        let id = Identifier::default().identify(&Image::parse("altinity/clickhouse-operator:0.24.0")).unwrap();
        assert!(id.operator, "{id:?}");
        assert!(id.charts.iter().any(|c| c.operator), "{id:?}");
    }

    #[test]
    fn containers_have_paths() {
        let body = serde_json::json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "initContainers": [{"name": "wait", "image": "busybox"}],
            "containers": [{"name": "app", "image": "acme/app:1"}, {"name": "db", "image": "postgres:16"}],
        }}}});
        let found = Identifier::default().containers(&body);
        let paths: Vec<_> = found.iter().map(|(p, i, id)| (p.as_str(), i.as_str(), id.product.as_str())).collect();
        assert_eq!(paths, [("spec.template.spec.containers[1]", "postgres:16", "postgresql")]);
    }
}
