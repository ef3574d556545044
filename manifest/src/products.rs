//! Who may render what: the products rewheel recognises by their image, and
//! the upstream charts entitled to run them.
//!
//! A chart the host cannot place (a subchart of a name upstream does not
//! publish) is judged by what it runs: an OpenTelemetry Collector rendered by
//! `obs/charts/agent` is a local mini-chart, because upstream ships the
//! collector only in `opentelemetry-collector`, `opentelemetry-kube-stack` and
//! the operator. Only the image identifies a product here: never a port, an
//! environment variable or a workload's name.
//!
//! Chart names are those of the `helm.sh/chart` label or the `charts/<dir>`
//! folder (an alias, when the parent chart sets one). Operators are absent:
//! what they create carries `ownerReferences` or their `managed-by` label.

use crate::image::Image;

/// A product and the upstream charts that may run its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Stable key, shared with the SDK's catalog where it has the product.
    pub key: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Image repository patterns (path suffixes, see [`Image::matches`]).
    pub images: &'static [&'static str],
    /// Charts entitled to render the image (label or folder names).
    pub charts: &'static [&'static str],
}

/// Every product with a known set of entitled charts, most specific first.
pub const PRODUCTS: &[Product] = &[
    Product {
        key: "otel-collector",
        name: "OpenTelemetry Collector",
        images: &[
            "otel/opentelemetry-collector",
            "otel/opentelemetry-collector-contrib",
            "otel/opentelemetry-collector-k8s",
            "opentelemetry-collector-releases/opentelemetry-collector",
            "opentelemetry-collector-releases/opentelemetry-collector-contrib",
            "opentelemetry-collector-releases/opentelemetry-collector-k8s",
            "otelcol",
            "otelcol-contrib",
            "otelcol-k8s",
        ],
        charts: &[
            "opentelemetry-collector",
            "opentelemetry-kube-stack",
            "opentelemetry-operator",
            "otel-ebpf-profiler",
        ],
    },
    Product {
        key: "grafana",
        name: "Grafana",
        images: &["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"],
        charts: &["grafana", "kube-prometheus-stack", "grafana-operator", "lgtm-distributed", "loki-stack"],
    },
    Product {
        key: "prometheus",
        name: "Prometheus",
        images: &["prom/prometheus", "quay.io/prometheus/prometheus"],
        charts: &["prometheus", "kube-prometheus-stack", "kube-prometheus", "loki-stack"],
    },
    Product {
        key: "alertmanager",
        name: "Alertmanager",
        images: &["prom/alertmanager", "quay.io/prometheus/alertmanager"],
        charts: &["alertmanager", "prometheus", "kube-prometheus-stack", "kube-prometheus"],
    },
    Product {
        key: "loki",
        name: "Loki",
        images: &["grafana/loki"],
        charts: &[
            "loki",
            "loki-distributed",
            "loki-simple-scalable",
            "loki-stack",
            "enterprise-logs",
            "lgtm-distributed",
        ],
    },
    Product {
        key: "tempo",
        name: "Grafana Tempo",
        images: &["grafana/tempo", "grafana/tempo-query", "grafana/enterprise-traces"],
        charts: &["tempo", "tempo-distributed", "lgtm-distributed"],
    },
    Product {
        key: "mimir",
        name: "Grafana Mimir",
        images: &["grafana/mimir", "grafana/enterprise-metrics"],
        charts: &["mimir-distributed", "enterprise-metrics", "lgtm-distributed"],
    },
    Product {
        key: "alloy",
        name: "Grafana Alloy",
        images: &["grafana/alloy"],
        charts: &[
            "alloy",
            "alloy-operator",
            "k8s-monitoring",
            "alloy-events",
            "alloy-logs",
            "alloy-profiles",
            "alloy-metrics",
            "alloy-singleton",
            "alloy-receiver",
            "alloy-deployment",
            "alloy-statefulset",
        ],
    },
    Product {
        key: "jaeger",
        name: "Jaeger",
        images: &[
            "jaegertracing/all-in-one",
            "jaegertracing/jaeger",
            "jaegertracing/jaeger-collector",
            "jaegertracing/jaeger-query",
        ],
        charts: &["jaeger", "jaeger-operator"],
    },
    Product {
        key: "mongodb",
        name: "MongoDB",
        images: &[
            "mongo",
            "bitnami/mongodb",
            "bitnamilegacy/mongodb",
            "mongodb/mongodb-community-server",
            "mongodb/mongodb-enterprise-server",
        ],
        charts: &["mongodb", "mongodb-sharded", "mongodb-kubernetes", "community-operator", "enterprise-operator"],
    },
    Product {
        key: "valkey",
        name: "Valkey",
        images: &["valkey/valkey", "bitnami/valkey", "bitnamilegacy/valkey"],
        charts: &["valkey", "valkey-cluster", "valkey-operator"],
    },
    Product {
        key: "redis",
        name: "Redis",
        images: &["redis", "bitnami/redis", "bitnamilegacy/redis", "redis/redis-stack-server"],
        charts: &["redis", "redis-cluster", "redis-ha", "argo-cd", "airflow", "superset"],
    },
    Product {
        key: "postgresql",
        name: "PostgreSQL",
        images: &["postgres", "bitnami/postgresql", "bitnamilegacy/postgresql", "postgis/postgis", "supabase/postgres"],
        charts: &["postgresql", "postgresql-ha", "postgres", "supabase", "windmill", "cloudnative-pg", "cluster"],
    },
    Product {
        key: "mysql",
        name: "MySQL / MariaDB",
        images: &["mysql", "bitnami/mysql", "bitnamilegacy/mysql", "mariadb", "bitnami/mariadb"],
        charts: &["mysql", "mariadb", "mariadb-galera", "mysql-operator", "mysql-innodbcluster", "mariadb-operator"],
    },
    Product {
        key: "minio",
        name: "MinIO",
        images: &["minio/minio", "quay.io/minio/minio", "bitnami/minio", "bitnamilegacy/minio"],
        charts: &["minio", "operator", "tenant", "supabase"],
    },
    Product {
        key: "clickhouse",
        name: "ClickHouse",
        images: &[
            "clickhouse/clickhouse-server",
            "clickhouse/clickhouse-keeper",
            "yandex/clickhouse-server",
            "altinity/clickhouse-server",
            "altinity/clickhouse-keeper",
            "bitnami/clickhouse",
        ],
        charts: &["clickhouse", "altinity-clickhouse-operator"],
    },
    Product {
        key: "redpanda",
        name: "Redpanda",
        images: &["redpandadata/redpanda", "vectorized/redpanda"],
        charts: &["redpanda", "operator", "redpanda-operator"],
    },
    Product {
        key: "kafka",
        name: "Kafka",
        images: &[
            "apache/kafka",
            "apache/kafka-native",
            "bitnami/kafka",
            "bitnamilegacy/kafka",
            "confluentinc/cp-kafka",
            "wurstmeister/kafka",
            "strimzi/kafka",
        ],
        charts: &["kafka", "cp-kafka", "cp-helm-charts", "mimir-distributed", "strimzi-kafka-operator"],
    },
    Product {
        key: "elasticsearch",
        name: "Elasticsearch",
        images: &[
            "elasticsearch/elasticsearch",
            "docker.elastic.co/elasticsearch/elasticsearch",
            "bitnami/elasticsearch",
        ],
        charts: &["elasticsearch", "eck-operator", "eck-elasticsearch", "eck-stack"],
    },
    Product {
        key: "temporal",
        name: "Temporal",
        images: &["temporalio/server", "temporalio/ui", "temporalio/admin-tools"],
        charts: &["temporal", "temporal-operator"],
    },
    Product {
        key: "nexus",
        name: "Sonatype Nexus",
        images: &["sonatype/nexus3"],
        charts: &["nxrm-ha", "nexus-repository-manager", "nexus3"],
    },
    Product { key: "velero", name: "Velero", images: &["velero/velero"], charts: &["velero"] },
    Product {
        key: "traefik",
        name: "Traefik",
        images: &["traefik", "traefik/traefik", "ghcr.io/traefik/traefik-hub"],
        charts: &["traefik"],
    },
    Product {
        key: "openbao",
        name: "OpenBao / Vault",
        images: &["openbao/openbao", "hashicorp/vault", "vault"],
        charts: &["openbao", "vault", "vault-operator"],
    },
];

/// The product `image` runs, when its repository is one of a product's.
///
/// # Examples
///
/// ```
/// use rewheel_manifest::{image::Image, products};
/// let collector = Image::parse("mirror.local/otel/opentelemetry-collector-contrib:0.120.0");
/// assert_eq!(products::product_of(&collector).map(|p| p.key), Some("otel-collector"));
/// assert_eq!(products::product_of(&Image::parse("acme/shop:1.0")), None);
/// let vendored = Image::parse("registry.example.com/acme/opentelemetry-collector:0.120.0");
/// assert_eq!(products::product_of(&vendored).map(|p| p.key), Some("otel-collector"));
/// ```
pub fn product_of(image: &Image) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| image.matches_any(p.images)).or_else(|| {
        // A repackaged image under another vendor keeps a distinctive name
        // (`acme/opentelemetry-collector`): a last segment of several words.
        let last = image.path.rsplit('/').next().unwrap_or("");
        PRODUCTS.iter().find(|p| {
            p.images.iter().filter_map(|i| i.rsplit('/').next()).any(|name| name.contains('-') && name == last)
        })
    })
}

impl Product {
    /// May `chart` (a label or folder name) run this product?
    pub fn entitles(&self, chart: &str) -> bool {
        self.charts.contains(&chart)
    }

    /// "opentelemetry-collector, opentelemetry-kube-stack or opentelemetry-operator"
    pub fn entitled_list(&self) -> String {
        match self.charts {
            [] => String::new(),
            [one] => one.to_string(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        }
    }
}
