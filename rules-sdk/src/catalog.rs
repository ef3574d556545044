//! Well-known third-party infrastructure and the upstream chart or operator
//! that runs it (from `catalog.md`). Rules look images up here instead of
//! keeping their own lists.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::{Image, catalog};
//! let image = Image::parse("nexus.internal/dockerhub-proxy/bitnami/mongodb:8.0");
//! let upstream = catalog::upstream_for(&image).unwrap();
//! assert_eq!((upstream.key, upstream.name), ("mongodb", "MongoDB"));
//! assert!(upstream.replace_with.contains("MongoDBCommunity"));
//! ```

use crate::image::Image;
use rewheel_manifest::products;

/// One piece of third-party infrastructure with an upstream chart or operator.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Image, catalog::{self, Upstream}};
/// let valkey: &Upstream = catalog::upstream("valkey");
/// assert_eq!(valkey.name, "Valkey");
/// assert!(valkey.images.contains(&"valkey/valkey"));
/// assert!(valkey.sources.iter().all(|s| s.starts_with("https://")));
/// assert!(valkey.runs(&Image::parse("valkey/valkey:8")));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Upstream {
    /// Stable key, e.g. `mongodb`.
    pub key: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Image repository patterns (path suffixes, see [`Image::matches`]).
    pub images: &'static [&'static str],
    /// The chart or operator to use instead of a hand-written workload.
    pub replace_with: &'static str,
    /// URLs documenting the replacement.
    pub sources: &'static [&'static str],
}

impl Upstream {
    /// Does `image` run this infrastructure?
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{Image, catalog};
    /// let redis = catalog::upstream("redis");
    /// assert!(redis.runs(&Image::parse("mirror.local/dockerhub/library/redis:7-alpine")));
    /// assert!(!redis.runs(&Image::parse("oliver006/redis_exporter")));
    /// ```
    pub fn runs(&self, image: &Image) -> bool {
        image.matches_any(self.images)
    }
}

/// The catalog, most specific first.
///
/// # Examples
///
/// ```
/// use rules_sdk::catalog::UPSTREAMS;
/// assert!(UPSTREAMS.iter().any(|u| u.key == "kafka"));
/// let position = |key| UPSTREAMS.iter().position(|u| u.key == key);
/// assert!(position("valkey") < position("redis"), "Valkey before Redis");
/// ```
pub const UPSTREAMS: &[Upstream] = &[
    Upstream {
        key: "mongodb",
        name: "MongoDB",
        images: products::MONGODB.images,
        replace_with: "MongoDB Controllers for Kubernetes (chart mongodb-kubernetes, https://mongodb.github.io/helm-charts) with a MongoDBCommunity CR (spec.type: ReplicaSet, spec.members, spec.security.authentication)",
        sources: &["https://github.com/mongodb/mongodb-kubernetes", "https://mongodb.github.io/helm-charts"],
    },
    Upstream {
        key: "valkey",
        name: "Valkey",
        images: products::VALKEY.images,
        replace_with: "the official valkey chart (https://valkey.io/valkey-helm/) with auth.enabled, auth.usersExistingSecret, auth.aclUsers",
        sources: &["https://github.com/valkey-io/valkey-helm"],
    },
    Upstream {
        key: "redis",
        name: "Redis",
        images: products::REDIS.images,
        replace_with: "the official valkey chart (https://valkey.io/valkey-helm/) with auth.usersExistingSecret, or the Bitnami redis chart",
        sources: &[
            "https://github.com/valkey-io/valkey-helm",
            "https://github.com/bitnami/charts/tree/main/bitnami/redis",
        ],
    },
    Upstream {
        key: "postgresql",
        name: "PostgreSQL",
        images: products::POSTGRESQL.images,
        replace_with: "CloudNativePG (charts cloudnative-pg and cluster, https://cloudnative-pg.github.io/charts) with a Cluster CR and Database CRs",
        sources: &["https://github.com/cloudnative-pg/charts", "https://cloudnative-pg.io/documentation/current/"],
    },
    Upstream {
        key: "mysql",
        name: "MySQL / MariaDB",
        images: products::MYSQL.images,
        replace_with: "MySQL Operator for Kubernetes (InnoDBCluster CR) or the MariaDB Operator (MariaDB CR)",
        sources: &["https://github.com/mysql/mysql-operator", "https://github.com/mariadb-operator/mariadb-operator"],
    },
    Upstream {
        key: "minio",
        name: "MinIO",
        images: products::MINIO.images,
        replace_with: "the MinIO Operator Tenant CR with spec.buckets (https://operator.min.io), or the minio chart's buckets/users/existingSecret values",
        sources: &["https://github.com/minio/operator", "https://github.com/minio/minio/tree/master/helm/minio"],
    },
    Upstream {
        key: "clickhouse",
        name: "ClickHouse",
        images: products::CLICKHOUSE.images,
        replace_with: "the Altinity ClickHouse operator (chart altinity-clickhouse-operator, https://helm.altinity.com) with ClickHouseInstallation and ClickHouseKeeperInstallation CRs",
        sources: &["https://github.com/Altinity/clickhouse-operator"],
    },
    Upstream {
        key: "redpanda",
        name: "Redpanda",
        images: products::REDPANDA.images,
        replace_with: "the redpanda chart or the Redpanda operator (https://charts.redpanda.com) with Redpanda, Topic and User CRs",
        sources: &["https://github.com/redpanda-data/redpanda-operator"],
    },
    Upstream {
        key: "kafka",
        name: "Kafka",
        images: products::KAFKA.images,
        replace_with: "a Kafka API from the Redpanda operator (Redpanda and Topic CRs) or Strimzi (Kafka and KafkaTopic CRs)",
        sources: &[
            "https://github.com/redpanda-data/redpanda-operator",
            "https://strimzi.io/docs/operators/latest/overview",
        ],
    },
    Upstream {
        key: "zookeeper",
        name: "ZooKeeper",
        images: &["zookeeper", "bitnami/zookeeper", "bitnamilegacy/zookeeper", "confluentinc/cp-zookeeper"],
        replace_with: "ClickHouse Keeper through a ClickHouseKeeperInstallation CR, or the Bitnami zookeeper chart",
        sources: &[
            "https://github.com/Altinity/clickhouse-operator",
            "https://github.com/bitnami/charts/tree/main/bitnami/zookeeper",
        ],
    },
    Upstream {
        key: "rabbitmq",
        name: "RabbitMQ",
        images: &["rabbitmq", "bitnami/rabbitmq", "bitnamilegacy/rabbitmq"],
        replace_with: "the RabbitMQ Cluster Operator (RabbitmqCluster CR) and Messaging Topology Operator",
        sources: &["https://github.com/rabbitmq/cluster-operator"],
    },
    Upstream {
        key: "cassandra",
        name: "Cassandra",
        images: &["cassandra", "bitnami/cassandra", "k8ssandra/cass-management-api"],
        replace_with: "the K8ssandra operator (K8ssandraCluster CR)",
        sources: &["https://github.com/k8ssandra/k8ssandra-operator"],
    },
    Upstream {
        key: "cockroachdb",
        name: "CockroachDB",
        images: &["cockroachdb/cockroach"],
        replace_with: "the CockroachDB operator or the cockroachdb chart",
        sources: &["https://github.com/cockroachdb/helm-charts"],
    },
    Upstream {
        key: "elasticsearch",
        name: "Elasticsearch",
        images: products::ELASTICSEARCH.images,
        replace_with: "Elastic Cloud on Kubernetes (Elasticsearch CR)",
        sources: &["https://github.com/elastic/cloud-on-k8s"],
    },
    Upstream {
        key: "opensearch",
        name: "OpenSearch",
        images: &["opensearchproject/opensearch", "opensearchproject/opensearch-dashboards"],
        replace_with: "the OpenSearch Kubernetes operator (OpenSearchCluster CR) or the opensearch chart",
        sources: &[
            "https://github.com/opensearch-project/opensearch-k8s-operator",
            "https://github.com/opensearch-project/helm-charts",
        ],
    },
    Upstream {
        key: "nats",
        name: "NATS",
        images: &["nats", "bitnami/nats"],
        replace_with: "the official nats chart",
        sources: &["https://github.com/nats-io/k8s"],
    },
    Upstream {
        key: "grafana",
        name: "Grafana",
        images: products::GRAFANA.images,
        replace_with: "the grafana chart (https://grafana-community.github.io/helm-charts) with admin.existingSecret and sidecars, or the Grafana Operator (Grafana, GrafanaDashboard, GrafanaDatasource CRs)",
        sources: &["https://github.com/grafana-community/helm-charts", "https://github.com/grafana/grafana-operator"],
    },
    Upstream {
        key: "prometheus",
        name: "Prometheus",
        images: &[
            "prom/prometheus",
            "quay.io/prometheus/prometheus",
            "prom/alertmanager",
            "quay.io/prometheus/alertmanager",
        ],
        replace_with: "the Prometheus Operator (kube-prometheus-stack chart) with Prometheus, ServiceMonitor and PrometheusRule CRs",
        sources: &["https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack"],
    },
    Upstream {
        key: "loki",
        name: "Loki",
        images: products::LOKI.images,
        replace_with: "the grafana/loki chart",
        sources: &["https://github.com/grafana/loki/tree/main/production/helm/loki"],
    },
    Upstream {
        key: "mimir",
        name: "Grafana Mimir",
        images: products::MIMIR.images,
        replace_with: "the mimir-distributed chart (https://grafana.github.io/helm-charts) with mimir.structuredConfig",
        sources: &["https://github.com/grafana/mimir/tree/main/operations/helm/charts/mimir-distributed"],
    },
    Upstream {
        key: "jaeger",
        name: "Jaeger",
        images: products::JAEGER.images,
        replace_with: "the jaeger chart, or traces through the opentelemetry-collector chart to a managed backend",
        sources: &["https://github.com/jaegertracing/helm-charts"],
    },
    Upstream {
        key: "otel-collector",
        name: "OpenTelemetry Collector",
        images: products::OTEL_COLLECTOR.images,
        replace_with: "the open-telemetry/opentelemetry-collector chart with mode, config and presets (kubernetesAttributes, logsCollection, kubeletMetrics, hostMetrics, clusterMetrics, kubernetesEvents)",
        sources: &[
            "https://github.com/open-telemetry/opentelemetry-helm-charts",
            "https://opentelemetry.io/docs/collector/",
        ],
    },
    Upstream {
        key: "temporal",
        name: "Temporal",
        images: products::TEMPORAL.images,
        replace_with: "the temporal chart (https://go.temporal.io/helm-charts) with server.config.namespaces.create and datastores.*.sql.{createDatabase,manageSchema,existingSecret}",
        sources: &["https://github.com/temporalio/helm-charts"],
    },
    Upstream {
        key: "nexus",
        name: "Sonatype Nexus Repository",
        images: products::NEXUS.images,
        replace_with: "the nxrm-ha chart (https://sonatype.github.io/helm3-charts/) with persistence, podSecurityContext.fsGroup and secret.nexusAdminSecret",
        sources: &["https://github.com/sonatype/nxrm3-ha-repository"],
    },
    Upstream {
        key: "traefik",
        name: "Traefik",
        images: products::TRAEFIK.images,
        replace_with: "the traefik chart (https://traefik.github.io/charts) with IngressRoute/Middleware CRs",
        sources: &["https://github.com/traefik/traefik-helm-chart"],
    },
    Upstream {
        key: "openbao",
        name: "OpenBao / Vault",
        images: products::OPENBAO.images,
        replace_with: "the openbao chart (https://openbao.github.io/openbao-helm) with raft HA, a seal stanza and self-init",
        sources: &["https://github.com/openbao/openbao-helm"],
    },
    Upstream {
        key: "docker-registry",
        name: "a container registry",
        images: &["registry", "distribution/distribution", "goharbor/registry-photon"],
        replace_with: "Nexus Repository docker-hosted and docker-proxy repositories (nxrm-ha chart), or Harbor",
        sources: &["https://github.com/sonatype/nxrm3-ha-repository", "https://github.com/goharbor/harbor-helm"],
    },
    Upstream {
        key: "memcached",
        name: "Memcached",
        images: &["memcached", "bitnami/memcached"],
        replace_with: "the Bitnami memcached chart (or the memcached settings of the chart that needs it)",
        sources: &["https://github.com/bitnami/charts/tree/main/bitnami/memcached"],
    },
];

/// `(catalog key, name tokens, container ports, env prefixes)`. A name token
/// `a+b` needs both words (`otel-collector`).
type Signal = (&'static str, &'static [&'static str], &'static [u16], &'static [&'static str]);

/// Weaker evidence than an exact image: repackaged images (`sourcegraph/redis-cache`,
/// `quay.io/fedora/mysql-80`, `acme/opentelemetry-collector`), or images that
/// serve a datastore's distinctive port or take its server-side settings.
/// Ports here are the server's own (27017, 5432, ...): a generic port (80,
/// 8080, 9090, 1234, ...) is never evidence ([`GENERIC_PORTS`]). Environment
/// names are the server's (`MONGO_INITDB_*`), never a client's (`*_HOST`).
const SIGNALS: &[Signal] = &[
    ("mongodb", &["mongo", "mongodb"], &[27017], &["MONGO_INITDB_"]),
    ("postgresql", &["postgres", "postgresql", "postgis"], &[5432], &[]),
    ("mysql", &["mysql", "mariadb"], &[3306], &["MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD"]),
    ("valkey", &["valkey"], &[], &[]),
    ("redis", &["redis"], &[6379], &[]),
    ("minio", &["minio"], &[], &["MINIO_ROOT_USER"]),
    ("clickhouse", &["clickhouse"], &[8123, 9009], &[]),
    ("redpanda", &["redpanda"], &[], &[]),
    ("kafka", &["kafka"], &[9092], &["KAFKA_BROKER_ID", "KAFKA_CFG_", "KAFKA_NODE_ID"]),
    ("zookeeper", &["zookeeper"], &[2181], &["ZOO_MY_ID"]),
    ("rabbitmq", &["rabbitmq"], &[5672], &["RABBITMQ_DEFAULT_USER"]),
    (
        "cassandra",
        &["cassandra"],
        &[9042],
        &["CASSANDRA_CLUSTER_NAME", "CASSANDRA_NUM_TOKENS", "CASSANDRA_ENDPOINT_SNITCH"],
    ),
    ("cockroachdb", &["cockroach", "cockroachdb"], &[26257], &[]),
    ("elasticsearch", &["elasticsearch"], &[9200], &[]),
    ("opensearch", &["opensearch"], &[], &[]),
    ("nats", &["nats"], &[4222], &[]),
    ("grafana", &["grafana"], &[], &["GF_SECURITY_"]),
    ("prometheus", &["prometheus", "alertmanager"], &[], &[]),
    ("loki", &["loki"], &[], &[]),
    ("jaeger", &["jaeger"], &[16686], &[]),
    ("memcached", &["memcached"], &[11211], &[]),
    ("otel-collector", &["opentelemetry+collector", "otel+collector", "otelcol"], &[], &[]),
];

/// Ports many programs serve: never evidence of a product on their own.
pub const GENERIC_PORTS: &[u16] =
    &[80, 443, 1234, 3000, 3100, 5000, 8000, 8080, 8081, 8088, 8443, 8888, 9000, 9090, 9091, 9100, 9443];

/// Words of products outside the catalog's signals: an image named with one
/// (`grafana/tempo`, `hashicorp/consul`) runs that product, so a port or an
/// environment variable it shares with a catalog entry does not make it one.
const OTHER_PRODUCTS: &[&str] = &[
    "tempo",
    "consul",
    "vault",
    "openbao",
    "traefik",
    "nginx",
    "envoy",
    "haproxy",
    "keycloak",
    "temporal",
    "nexus",
    "velero",
    "vector",
    "fluentd",
    "fluent",
    "promtail",
    "thanos",
    "mimir",
    "alloy",
    "pyroscope",
    "sentry",
    "superset",
    "airflow",
    "metabase",
    "outline",
    "gitea",
    "gitlab",
    "harbor",
    "registry",
    "argocd",
    "kyverno",
    "headlamp",
    "pomerium",
    "hasura",
    "supabase",
    "windmill",
    "penpot",
    "openfga",
    "datahub",
    "daytona",
    "novu",
    "exporter",
    "express",
    "adminer",
    "pgadmin",
    "phpmyadmin",
    "pgbouncer",
    "pgpool",
    "documentdb",
    "kong",
];

/// Words that may sit next to a datastore's name in a repackaged server image
/// (`redis-cache`, `jaeger-all-in-one`, `clickhouse-server`,
/// `opentelemetry-collector-contrib`); any other word (`exporter`, `express`,
/// `reporting`) makes it a different program.
const SERVER_WORDS: &[&str] = &[
    "server",
    "cache",
    "db",
    "database",
    "master",
    "primary",
    "replica",
    "slave",
    "leader",
    "follower",
    "node",
    "standalone",
    "cluster",
    "community",
    "enterprise",
    "oss",
    "alpine",
    "debian",
    "bookworm",
    "bullseye",
    "ubi",
    "local",
    "all",
    "in",
    "one",
    "keeper",
    "management",
    "latest",
    "v",
    "contrib",
    "k8s",
    "core",
];

/// Lowercase words of an image's last path segment or tag (`redis-cache` →
/// `redis`, `cache`).
fn words(s: &str) -> Vec<String> {
    s.split(['-', '_', '.']).filter(|t| !t.is_empty()).map(str::to_ascii_lowercase).collect()
}

/// Does one of the row's name tokens occur in `part` (`a+b`: both words)?
fn names(part: &[String], tokens: &[&str]) -> bool {
    tokens.iter().any(|t| t.split('+').all(|w| part.iter().any(|p| p == w)))
}

/// The signal row whose name `part` is, with only versions and server words
/// beside it.
fn repackaged(part: &[String]) -> Option<&'static str> {
    SIGNALS.iter().find_map(|(key, tokens, _, _)| {
        let row_word = |t: &str| tokens.iter().any(|k| k.split('+').any(|w| w == t));
        let rest_is_server = part
            .iter()
            .all(|t| row_word(t) || t.chars().all(|c| c.is_ascii_digit()) || SERVER_WORDS.contains(&t.as_str()));
        (names(part, tokens) && rest_is_server).then_some(*key)
    })
}

/// Which catalog infrastructure an image runs, from the image alone: its
/// repository (`upstream_for`), else its name (a repackaged or vendor-prefixed
/// server image: `sourcegraph/redis-cache`, `acme/opentelemetry-collector`),
/// else its tag (`ghcr.io/open-telemetry/demo:2.0-kafka`) when the name names
/// no product.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Image, catalog::identify_image};
/// let key = |image| identify_image(&Image::parse(image)).map(|(u, _)| u.key);
/// assert_eq!(key("acme/opentelemetry-collector:0.120.0"), Some("otel-collector"));
/// assert_eq!(key("ghcr.io/vendor/otelcol-contrib:0.120.0"), Some("otel-collector"));
/// assert_eq!(key("acme/opentelemetry-collector:0.1-redis"), Some("otel-collector"), "the name wins over the tag");
/// assert_eq!(key("acme/collector:1"), None);
/// assert_eq!(key("oliver006/redis_exporter:1"), None);
/// ```
pub fn identify_image(image: &Image) -> Option<(&'static Upstream, String)> {
    if let Some(u) = upstream_for(image) {
        return Some((u, format!("image {image}")));
    }
    let name = words(image.path.rsplit('/').next().unwrap_or(""));
    let tag = image.tag.as_deref().map(words).unwrap_or_default();
    let key = repackaged(&name).or_else(|| (!names_a_product(&name)).then(|| repackaged(&tag)).flatten())?;
    Some((upstream(key), format!("image {image} (a repackaged {})", upstream(key).name)))
}

/// Does an image name (its last segment's words) name some product, in the
/// catalog's signals or outside them?
fn names_a_product(name: &[String]) -> bool {
    SIGNALS.iter().any(|(_, tokens, _, _)| names(name, tokens))
        || name.iter().any(|w| OTHER_PRODUCTS.contains(&w.as_str()))
}

/// Which catalog infrastructure a container runs, and why we think so.
///
/// The image comes first ([`identify_image`]). Only when the image names no
/// product at all (`acme/user-db`, not `grafana/tempo` nor `acme/mongo-reporting`)
/// do the ports it serves and the server-side environment it takes count,
/// and a generic port ([`GENERIC_PORTS`]: 8080, 9090, 1234, ...) never does.
/// A workload's own name is never evidence.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::catalog::identify;
/// object.kind = "Pod".into();
/// object.body = serde_json::json!({"spec": {"containers": [
///     {"name": "cache", "image": "sourcegraph/redis-cache:6.0"},
///     {"name": "db", "image": "acme/user-db:1", "ports": [{"containerPort": 27017}]},
///     {"name": "app", "image": "ghcr.io/acme/orders:1", "env": [{"name": "REDIS_HOST", "value": "cache"}]},
///     {"name": "web", "image": "acme/myapp:1", "ports": [{"containerPort": 9090}]},
///     {"name": "traces", "image": "grafana/tempo:2.6", "ports": [{"containerPort": 3100}, {"containerPort": 27017}]},
/// ]}});
/// let containers = object.containers();
/// let (redis, why) = identify(&containers[0]).unwrap();
/// assert_eq!((redis.key, why.as_str()), ("redis", "image sourcegraph/redis-cache:6.0 (a repackaged Redis)"));
/// let (mongo, why) = identify(&containers[1]).unwrap();
/// assert_eq!((mongo.key, why.as_str()), ("mongodb", "image acme/user-db:1 serving port 27017"));
/// assert!(identify(&containers[2]).is_none(), "a client of Redis is not Redis");
/// assert!(identify(&containers[3]).is_none(), "a generic port is not Prometheus");
/// assert!(identify(&containers[4]).is_none(), "an image naming another product is that product");
/// ```
pub fn identify(container: &crate::pod::Container<'_>) -> Option<(&'static Upstream, String)> {
    if let Some(found) = identify_image(&container.image) {
        return Some(found);
    }
    if names_a_product(&words(container.image.path.rsplit('/').next().unwrap_or(""))) {
        return None;
    }
    let ports: Vec<u64> = container
        .body
        .get("ports")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("containerPort")?.as_u64())
        .filter(|p| !GENERIC_PORTS.iter().any(|g| u64::from(*g) == *p))
        .collect();
    for (key, _, known, _) in SIGNALS {
        if let Some(port) = known.iter().find(|k| ports.contains(&u64::from(**k))) {
            return Some((upstream(key), format!("image {} serving port {port}", container.image)));
        }
    }
    let env = container.env_names();
    for (key, _, _, prefixes) in SIGNALS {
        if let Some(var) = env.iter().find(|e| prefixes.iter().any(|p| e.starts_with(p))) {
            return Some((upstream(key), format!("image {} configured with {var}", container.image)));
        }
    }
    None
}

/// The catalog entry whose images include `image`.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Image, catalog::upstream_for};
/// let key = |image| upstream_for(&Image::parse(image)).map(|u| u.key);
/// assert_eq!(key("quay.io/minio/minio:RELEASE.2024"), Some("minio"));
/// assert_eq!(key("docker.io/bitnami/postgresql:16"), Some("postgresql"));
/// assert_eq!(key("ghcr.io/novuhq/novu/api:2.0"), None);
/// ```
pub fn upstream_for(image: &Image) -> Option<&'static Upstream> {
    UPSTREAMS.iter().find(|u| u.runs(image))
}

/// The catalog entry with `key`. Panics on an unknown key: a typo in a rule.
///
/// # Examples
///
/// ```
/// use rules_sdk::catalog::upstream;
/// assert_eq!(upstream("postgresql").name, "PostgreSQL");
/// ```
///
/// A key not in the catalog:
///
/// ```should_panic
/// rules_sdk::catalog::upstream("postgres"); // panics: the key is "postgresql"
/// ```
pub fn upstream(key: &str) -> &'static Upstream {
    UPSTREAMS.iter().find(|u| u.key == key).unwrap_or_else(|| panic!("no catalog entry {key:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_upstream_by_image_not_name() {
        let key = |i: &str| upstream_for(&Image::parse(i)).map(|u| u.key);
        assert_eq!(key("nexus.internal/dockerhub-proxy/library/mongo:7"), Some("mongodb"));
        assert_eq!(key("docker.io/bitnami/mongodb:8.0.13"), Some("mongodb"));
        assert_eq!(key("valkey/valkey:8"), Some("valkey"));
        assert_eq!(key("redis:alpine"), Some("redis"));
        assert_eq!(key("quay.io/minio/minio:RELEASE.2024"), Some("minio"));
        assert_eq!(
            key("ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.1"),
            Some("otel-collector")
        );
        assert_eq!(key("ghcr.io/novuhq/novu/api:2.0"), None);
        assert_eq!(key("mongo-express"), None);
        assert_eq!(upstream("redis").name, "Redis");
    }

    #[test]
    fn identifies_repackaged_images_ports_and_env_but_not_clients() {
        let key = |yaml: &str| {
            let body: serde_json::Value = serde_json::from_str(yaml).unwrap();
            let object = crate::object::Object {
                index: 0,
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: None,
                name: "x".into(),
                labels: Default::default(),
                annotations: Default::default(),
                provenance: Default::default(),
                runs: Vec::new(),
                body: serde_json::json!({"spec": {"containers": [body]}}),
            };
            object.containers().first().and_then(identify).map(|(u, _)| u.key)
        };
        assert_eq!(key(r#"{"image": "sourcegraph/postgresql-16:6.0"}"#), Some("postgresql"));
        assert_eq!(key(r#"{"image": "sourcegraph/redis-cache:6.0"}"#), Some("redis"));
        assert_eq!(key(r#"{"image": "quay.io/fedora/mysql-80"}"#), Some("mysql"));
        assert_eq!(key(r#"{"image": "ghcr.io/open-telemetry/demo:3.0.0-kafka"}"#), Some("kafka"));
        assert_eq!(
            key(r#"{"image": "weaveworksdemos/user-db", "ports": [{"containerPort": 27017}]}"#),
            Some("mongodb")
        );
        assert_eq!(
            key(r#"{"image": "acme/catalogue-db", "env": [{"name": "MYSQL_ROOT_PASSWORD", "value": "x"}]}"#),
            Some("mysql")
        );
        assert_eq!(key(r#"{"image": "oliver006/redis_exporter"}"#), None);
        assert_eq!(key(r#"{"image": "mongo-express:1"}"#), None);
        assert_eq!(key(r#"{"image": "ghcr.io/acme/mongo-reporting:1.4"}"#), None);
        assert_eq!(key(r#"{"image": "sourcegraph/jaeger-all-in-one:6"}"#), Some("jaeger"));
        assert_eq!(key(r#"{"image": "ghcr.io/acme/orders:1", "env": [{"name": "REDIS_HOST", "value": "r"}]}"#), None);
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = UPSTREAMS.iter().map(|u| u.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), UPSTREAMS.len());
    }
}
