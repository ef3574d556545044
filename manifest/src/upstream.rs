//! Charts that upstream publishes, and the subcharts each depends on.
//!
//! A chart of one of these names, rendered directly (`helm template temporal
//! …` gives `# Source: temporal/templates/…`) or as a dependency, is upstream
//! unless the input shows otherwise: a chart that renders a subchart of its own
//! name, or a subchart its upstream namesake does not depend on, is a team's
//! wrapper whatever its name ([`crate::charts`]).

/// Charts published upstream (catalog.md, the charts they depend on, and the
/// charts entitled to run a catalog product).
///
/// # Examples
///
/// ```
/// use rewheel_manifest::upstream::UPSTREAM_CHARTS;
/// assert!(UPSTREAM_CHARTS.contains(&"cloudnative-pg"));
/// assert!(!UPSTREAM_CHARTS.contains(&"platform-novu"));
/// ```
pub const UPSTREAM_CHARTS: &[&str] = &[
    // Components of the audit.
    "daytona",
    "daytona-region",
    "redpanda",
    "console",
    "redpanda-operator",
    "temporal",
    "gha-runner-scale-set-controller",
    "gha-runner-scale-set",
    "actions-runner-controller",
    "openbao",
    "external-secrets",
    "spire",
    "spire-crds",
    "spire-nested",
    "traefik",
    "traefik-crds",
    "pomerium",
    "argo-cd",
    "argocd-apps",
    "argocd-image-updater",
    "datahub",
    "datahub-prerequisites",
    "graphql-engine",
    "opentelemetry-collector",
    "opentelemetry-operator",
    "opentelemetry-kube-stack",
    "headlamp",
    "nxrm-ha",
    "nexus-repository-manager",
    "mimir-distributed",
    "supabase",
    "k8s-monitoring",
    "alloy",
    "alloy-operator",
    "rollout-operator",
    "grafana-agent-operator",
    "kube-state-metrics",
    "prometheus-node-exporter",
    "altinity-clickhouse-operator",
    "clickhouse-operator",
    "grafana",
    "grafana-operator",
    "longhorn",
    "openfga",
    "windmill",
    "velero",
    "penpot",
    "kyverno",
    "kyverno-policies",
    // Shared building blocks.
    "cloudnative-pg",
    "mongodb-kubernetes",
    "community-operator",
    "valkey",
    "valkey-operator",
    "minio",
    "operator",
    "tenant",
    "mongodb",
    "postgresql",
    "postgresql-ha",
    "redis",
    "redis-cluster",
    "mysql",
    "mariadb",
    "kafka",
    "rabbitmq",
    "cassandra",
    "elasticsearch",
    "opensearch",
    "zookeeper",
    "memcached",
    "etcd",
    "nats",
    "loki",
    "tempo",
    "jaeger",
    "prometheus",
    "kube-prometheus-stack",
    "cert-manager",
    "ingress-nginx",
    // Also entitled upstream (charts that render the products above).
    "alertmanager",
    "tempo-distributed",
    "loki-distributed",
    "loki-stack",
    "lgtm-distributed",
    "enterprise-logs",
    "enterprise-metrics",
    "redis-ha",
    "harbor",
    "docker-registry",
    "vault",
    "gha-rs",
    "gha-rs-controller",
    "strimzi-kafka-operator",
    "eck-operator",
    "jaeger-operator",
    "mysql-operator",
    "mariadb-operator",
    "rabbitmq-cluster-operator",
    "cockroachdb",
    "hasura-enterprise-stack",
    "node-exporter",
    "rollout_operator",
    "prometheus-pushgateway",
    "prometheus-windows-exporter",
    "telemetry-services",
    "spire-server",
    "spire-agent",
    "spiffe-csi-driver",
    "spiffe-oidc-discovery-provider",
    "tornjak-frontend",
    "datahub-gms",
    "datahub-frontend",
    "datahub-mae-consumer",
    "datahub-mce-consumer",
    "datahub-ingestion-cron",
    "acryl-datahub-actions",
    "bitwarden-sdk-server",
    "airflow",
    "superset",
];

/// Is `chart` a known upstream chart: listed here, or published with its
/// images in one of the repositories the mined catalog read
/// ([`crate::catalog`]), under a name that is not generic?
///
/// # Examples
///
/// ```
/// use rewheel_manifest::upstream::is_upstream_chart;
/// assert!(is_upstream_chart("temporal"));
/// assert!(is_upstream_chart("prometheus-statsd-exporter"), "mined");
/// assert!(!is_upstream_chart("platform-temporal"));
/// assert!(!is_upstream_chart("k8s-resources"), "published, but a generic name");
/// ```
pub fn is_upstream_chart(chart: &str) -> bool {
    UPSTREAM_CHARTS.contains(&chart) || mined_publishes(chart)
}

/// A chart the mined catalog read with the images it runs, under a name that
/// says which program it runs: a team's `k8s-resources` or `cluster` chart is
/// not taken for the published chart of that name.
fn mined_publishes(chart: &str) -> bool {
    !crate::identity::GENERIC_NAMES.contains(&chart)
        && crate::catalog::mined().named(chart).any(|c| !c.images.is_empty())
}

/// The subcharts (names or aliases, as rendered under `charts/`) that an
/// upstream chart renders. An upstream chart not listed renders none of its
/// own; the library chart `common` renders nothing, so it never shows.
pub const UPSTREAM_DEPENDENCIES: &[(&str, &[&str])] = &[
    ("argo-cd", &["redis-ha"]),
    ("cloudnative-pg", &["monitoring"]),
    (
        "datahub",
        &[
            "datahub-gms",
            "datahub-frontend",
            "datahub-mae-consumer",
            "datahub-mce-consumer",
            "datahub-ingestion-cron",
            "acryl-datahub-actions",
        ],
    ),
    (
        "datahub-prerequisites",
        &["elasticsearch", "opensearch", "neo4j", "mysql", "postgresql", "gcloud-sqlproxy", "cp-helm-charts", "kafka"],
    ),
    ("daytona", &["postgresql", "redis", "minio", "harbor", "dex"]),
    ("external-secrets", &["bitwarden-sdk-server"]),
    ("graphql-engine", &["postgres"]),
    (
        "hasura-enterprise-stack",
        &[
            "graphql-engine",
            "graphql-data-connector",
            "mongo-data-connector",
            "redis",
            "dex",
            "kube-prometheus-stack",
            "jaeger",
        ],
    ),
    (
        "k8s-monitoring",
        &[
            "alloy-operator",
            "telemetryServices",
            "alloy",
            "alloy-events",
            "alloy-logs",
            "alloy-profiles",
            "kube-state-metrics",
            "prometheus-node-exporter",
            "prometheus-operator-crds",
            "prometheus-windows-exporter",
            "opencost",
            "kepler",
            "beyla",
        ],
    ),
    (
        "kube-prometheus-stack",
        &["crds", "kube-state-metrics", "prometheus-node-exporter", "grafana", "prometheus-windows-exporter"],
    ),
    ("kyverno", &["crds", "grafana"]),
    ("lgtm-distributed", &["grafana", "loki", "mimir", "tempo", "grafana-oncall"]),
    ("loki", &["minio", "rollout_operator", "grafana-agent-operator"]),
    ("loki-stack", &["loki", "promtail", "fluent-bit", "grafana", "prometheus", "filebeat", "logstash"]),
    ("mimir-distributed", &["minio", "grafana-agent-operator", "rollout_operator"]),
    ("openfga", &["postgresql", "mysql"]),
    (
        "opentelemetry-demo",
        &["opentelemetry-collector", "otel-ebpf-profiler", "jaeger", "prometheus", "grafana", "opensearch"],
    ),
    (
        "opentelemetry-kube-stack",
        &[
            "otel-crds",
            "prometheus-crds",
            "opentelemetry-operator",
            "kube-state-metrics",
            "prometheus-node-exporter",
            "crds",
        ],
    ),
    ("prometheus", &["alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"]),
    ("redpanda", &["console"]),
    (
        "spire",
        &[
            "spire-lib",
            "spire-server",
            "spire-agent",
            "upstream-spire-agent",
            "spiffe-csi-driver",
            "upstream-spiffe-csi-driver",
            "spiffe-oidc-discovery-provider",
            "tornjak-frontend",
            "spike-keeper",
            "spike-nexus",
            "spike-pilot",
            "spire-identity-exchange",
        ],
    ),
    ("supabase", &[]),
    ("temporal", &["cassandra", "prometheus", "elasticsearch", "grafana"]),
    ("tempo-distributed", &["minio", "grafana-agent-operator", "rollout_operator"]),
    ("windmill", &["minio", "postgresql", "hub-postgresql"]),
    ("airflow", &["postgresql"]),
    ("jaeger", &["cassandra", "elasticsearch", "kafka"]),
    ("kafka", &["zookeeper"]),
    ("penpot", &["postgresql", "redis", "valkey"]),
    ("pomerium", &["redis"]),
    ("superset", &["postgresql", "redis"]),
];

/// Does upstream chart `chart` render subchart `child` (a folder name: the
/// alias where one is set)? Listed in [`UPSTREAM_DEPENDENCIES`], or a
/// dependency of a chart of that name the mined catalog read
/// ([`crate::catalog`]).
///
/// # Examples
///
/// ```
/// use rewheel_manifest::upstream::depends_on;
/// assert!(depends_on("argo-cd", "redis-ha"), "listed here");
/// assert!(depends_on("opentelemetry-demo", "opentelemetry-collector"), "mined from its Chart.yaml");
/// assert!(!depends_on("temporal", "mongodb"));
/// ```
pub fn depends_on(chart: &str, child: &str) -> bool {
    let listed = UPSTREAM_DEPENDENCIES.iter().find(|(name, _)| *name == chart).map(|(_, deps)| *deps).unwrap_or(&[]);
    listed.contains(&child) || crate::catalog::mined().named(chart).any(|c| c.dependencies.iter().any(|d| d == child))
}

/// Umbrella charts whose subcharts nest their own (`spire-nested`, the
/// k8s-monitoring `telemetryServices` chart): any subchart below them that is
/// itself upstream is accepted.
pub fn is_umbrella(chart: &str) -> bool {
    matches!(chart, "spire-nested" | "telemetry-services" | "telemetryServices" | "cp-helm-charts")
}
