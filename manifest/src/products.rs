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
//! The SDK's catalog takes its image lists from here, so the host and the
//! rules recognise a product by the same images.

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

/// OpenTelemetry Collector.
pub const OTEL_COLLECTOR: Product = Product {
    key: "otel-collector",
    name: "OpenTelemetry Collector",
    images: &[
        "otel/opentelemetry-collector",
        "otel/opentelemetry-collector-contrib",
        "otel/opentelemetry-collector-k8s",
        "opentelemetry-collector-releases/*",
        "otelcol",
        "otelcol-contrib",
        "otelcol-k8s",
    ],
    charts: &["opentelemetry-collector", "opentelemetry-kube-stack", "opentelemetry-operator"],
};

/// Grafana.
pub const GRAFANA: Product = Product {
    key: "grafana",
    name: "Grafana",
    images: &["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"],
    charts: &["grafana", "kube-prometheus-stack", "grafana-operator", "lgtm-distributed", "loki-stack"],
};

/// Prometheus.
pub const PROMETHEUS: Product = Product {
    key: "prometheus",
    name: "Prometheus",
    images: &["prom/prometheus", "quay.io/prometheus/prometheus"],
    charts: &["prometheus", "kube-prometheus-stack", "kube-prometheus", "loki-stack"],
};

/// Alertmanager.
pub const ALERTMANAGER: Product = Product {
    key: "alertmanager",
    name: "Alertmanager",
    images: &["prom/alertmanager", "quay.io/prometheus/alertmanager"],
    charts: &["alertmanager", "prometheus", "kube-prometheus-stack", "kube-prometheus"],
};

/// Loki.
pub const LOKI: Product = Product {
    key: "loki",
    name: "Loki",
    images: &["grafana/loki"],
    charts: &["loki", "loki-distributed", "loki-simple-scalable", "loki-stack", "enterprise-logs", "lgtm-distributed"],
};

/// Grafana Tempo.
pub const TEMPO: Product = Product {
    key: "tempo",
    name: "Grafana Tempo",
    images: &["grafana/tempo", "grafana/tempo-query", "grafana/enterprise-traces"],
    charts: &["tempo", "tempo-distributed", "lgtm-distributed"],
};

/// Grafana Mimir.
pub const MIMIR: Product = Product {
    key: "mimir",
    name: "Grafana Mimir",
    images: &["grafana/mimir", "grafana/enterprise-metrics"],
    charts: &["mimir-distributed", "enterprise-metrics", "lgtm-distributed"],
};

/// Grafana Alloy.
pub const ALLOY: Product = Product {
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
};

/// Jaeger.
pub const JAEGER: Product = Product {
    key: "jaeger",
    name: "Jaeger",
    images: &[
        "jaegertracing/all-in-one",
        "jaegertracing/jaeger",
        "jaegertracing/jaeger-collector",
        "jaegertracing/jaeger-query",
    ],
    charts: &["jaeger", "jaeger-operator"],
};

/// MongoDB.
pub const MONGODB: Product = Product {
    key: "mongodb",
    name: "MongoDB",
    images: &[
        "mongo",
        "bitnami/mongodb",
        "bitnamilegacy/mongodb",
        "mongodb/mongodb-community-server",
        "mongodb/mongodb-enterprise-server",
        "quay.io/mongodb/mongodb-community-server",
    ],
    charts: &["mongodb", "mongodb-sharded", "mongodb-kubernetes", "community-operator", "enterprise-operator"],
};

/// Valkey.
pub const VALKEY: Product = Product {
    key: "valkey",
    name: "Valkey",
    images: &["valkey/valkey", "bitnami/valkey", "bitnamilegacy/valkey"],
    charts: &["valkey", "valkey-cluster", "valkey-operator"],
};

/// Redis.
pub const REDIS: Product = Product {
    key: "redis",
    name: "Redis",
    images: &["redis", "bitnami/redis", "bitnamilegacy/redis", "redis/redis-stack-server"],
    charts: &["redis", "redis-cluster", "redis-ha", "argo-cd", "airflow", "superset"],
};

/// PostgreSQL.
pub const POSTGRESQL: Product = Product {
    key: "postgresql",
    name: "PostgreSQL",
    images: &["postgres", "bitnami/postgresql", "bitnamilegacy/postgresql", "postgis/postgis", "supabase/postgres"],
    charts: &["postgresql", "postgresql-ha", "postgres", "supabase", "windmill", "cloudnative-pg", "cluster"],
};

/// MySQL / MariaDB.
pub const MYSQL: Product = Product {
    key: "mysql",
    name: "MySQL / MariaDB",
    images: &[
        "mysql",
        "bitnami/mysql",
        "bitnamilegacy/mysql",
        "mariadb",
        "bitnami/mariadb",
        "container-registry.oracle.com/mysql/community-server",
    ],
    charts: &["mysql", "mariadb", "mariadb-galera", "mysql-operator", "mysql-innodbcluster", "mariadb-operator"],
};

/// MinIO.
pub const MINIO: Product = Product {
    key: "minio",
    name: "MinIO",
    images: &["minio/minio", "quay.io/minio/minio", "bitnami/minio", "bitnamilegacy/minio"],
    charts: &["minio", "operator", "tenant", "supabase"],
};

/// ClickHouse.
pub const CLICKHOUSE: Product = Product {
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
};

/// Redpanda.
pub const REDPANDA: Product = Product {
    key: "redpanda",
    name: "Redpanda",
    images: &["redpandadata/redpanda", "vectorized/redpanda"],
    charts: &["redpanda", "operator", "redpanda-operator"],
};

/// Kafka.
pub const KAFKA: Product = Product {
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
};

/// Elasticsearch.
pub const ELASTICSEARCH: Product = Product {
    key: "elasticsearch",
    name: "Elasticsearch",
    images: &[
        "elasticsearch/elasticsearch",
        "docker.elastic.co/elasticsearch/elasticsearch",
        "bitnami/elasticsearch",
        "elasticsearch",
    ],
    charts: &["elasticsearch", "eck-operator", "eck-elasticsearch", "eck-stack"],
};

/// Temporal.
pub const TEMPORAL: Product = Product {
    key: "temporal",
    name: "Temporal",
    images: &["temporalio/server", "temporalio/ui", "temporalio/admin-tools", "temporalio/auto-setup"],
    charts: &["temporal", "temporal-operator"],
};

/// Sonatype Nexus.
pub const NEXUS: Product = Product {
    key: "nexus",
    name: "Sonatype Nexus",
    images: &["sonatype/nexus3"],
    charts: &["nxrm-ha", "nexus-repository-manager", "nexus3"],
};

/// Velero.
pub const VELERO: Product = Product { key: "velero", name: "Velero", images: &["velero/velero"], charts: &["velero"] };

/// Traefik.
pub const TRAEFIK: Product = Product {
    key: "traefik",
    name: "Traefik",
    images: &["traefik", "traefik/traefik", "ghcr.io/traefik/traefik-hub"],
    charts: &["traefik"],
};

/// OpenBao / Vault. `vault` also covers `bitnami/vault` and Red Hat's
/// `registry.connect.redhat.com/hashicorp/vault`; `openbao/openbao-ubi` is the
/// RHEL UBI build (https://openbao.org/docs/install/), `hashicorp/vault-enterprise`
/// the server image of the vault chart's Enterprise setups.
pub const OPENBAO: Product = Product {
    key: "openbao",
    name: "OpenBao / Vault",
    images: &[
        "openbao/openbao",
        "openbao/openbao-ubi",
        "hashicorp/vault",
        "hashicorp/vault-enterprise",
        "vault",
        "quay.io/openbao/openbao",
    ],
    charts: &["openbao", "vault", "vault-operator"],
};

/// Every product with a known set of entitled charts, most specific first.
pub const PRODUCTS: &[Product] = &[
    OTEL_COLLECTOR,
    GRAFANA,
    PROMETHEUS,
    ALERTMANAGER,
    LOKI,
    TEMPO,
    MIMIR,
    ALLOY,
    JAEGER,
    MONGODB,
    VALKEY,
    REDIS,
    POSTGRESQL,
    MYSQL,
    MINIO,
    CLICKHOUSE,
    REDPANDA,
    KAFKA,
    ELASTICSEARCH,
    TEMPORAL,
    NEXUS,
    VELERO,
    TRAEFIK,
    OPENBAO,
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
