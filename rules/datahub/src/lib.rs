//! DataHub rules (catalog section 12).
//!
//! The `datahub` chart renders GMS, the frontend, actions and the consumers,
//! and its `datahubSystemUpdate` Job (`acryldata/datahub-upgrade`) performs
//! SQL, Elasticsearch and Kafka setup; `global.kafka.precreateTopics` creates
//! the topics and the `datahub-ingestion-cron` subchart runs recipes. Those
//! upstream objects are expected (they are not local). Setup scripts,
//! ingestion CronJobs and services written by hand reinvent them, and the
//! `datahub-prerequisites` demo datastores do not belong in production.

use std::collections::BTreeSet;

use rules_sdk::prelude::*;
use rules_sdk::shell;
use rules_sdk::smell::{self, LONG_RUNNING_KINDS};

const SOURCES: &[&str] = &[
    "https://github.com/acryldata/datahub-helm/tree/master/charts/datahub",
    "https://helm.datahubproject.io/",
    "https://docs.datahub.com/docs/deploy/kubernetes",
];

/// DataHub's long-running services.
const SERVICE_IMAGES: &[&str] = &[
    "acryldata/datahub-gms",
    "acryldata/datahub-frontend-react",
    "acryldata/datahub-actions",
    "acryldata/datahub-mae-consumer",
    "acryldata/datahub-mce-consumer",
    "linkedin/datahub-gms",
    "linkedin/datahub-frontend-react",
    "linkedin/datahub-mae-consumer",
    "linkedin/datahub-mce-consumer",
];

/// The system-update image and the legacy setup-job images.
const SETUP_IMAGES: &[&str] = &[
    "acryldata/datahub-upgrade",
    "acryldata/datahub-elasticsearch-setup",
    "acryldata/datahub-kafka-setup",
    "acryldata/datahub-mysql-setup",
    "acryldata/datahub-postgres-setup",
    "linkedin/datahub-upgrade",
    "linkedin/datahub-elasticsearch-setup",
    "linkedin/datahub-kafka-setup",
    "linkedin/datahub-mysql-setup",
    "linkedin/datahub-postgres-setup",
];

/// Lower-case fragments of DataHub's Kafka topic names.
const TOPICS: &[&str] = &[
    "metadatachangeproposal",
    "metadatachangelog",
    "platformevent_v1",
    "datahubusageevent",
    "metadataauditevent",
    "metadatachangeevent",
    "datahubupgradehistory",
];

const TOPIC_CMDS: &[Cmd] = &[
    Cmd::new(&["kafka-topics", "kafka-topics.sh"], &["--create"], "kafka-topics --create"),
    Cmd::new(&["rpk"], &["topic", "create"], "rpk topic create"),
];

const DATABASE_CMDS: &[Cmd] = &[
    Cmd {
        programs: &["mysql", "mariadb"],
        words: &[],
        contains: &["create database", "datahub"],
        what: "mysql CREATE DATABASE datahub",
    },
    Cmd {
        programs: &["psql"],
        words: &[],
        contains: &["create database", "datahub"],
        what: "psql CREATE DATABASE datahub",
    },
];

/// Groups (wrapper charts or plain-YAML files) that belong to DataHub.
fn datahub_groups(objects: &[&Object]) -> BTreeSet<String> {
    rules_sdk::groups_where(objects, |o| {
        o.release_chart().is_some_and(|c| c.contains("datahub"))
            || o.namespace.as_deref().is_some_and(|ns| ns.contains("datahub"))
            || o.containers().iter().any(|c| c.image.matches_any(SERVICE_IMAGES) || c.image.matches_any(SETUP_IMAGES))
    })
}

/// `curl -X PUT http://…:9200/…` (index or template creation).
fn curl_put_to_search(command_line: &str) -> bool {
    shell::simple_commands(command_line).iter().any(|words| {
        let Some(start) = words.iter().position(|w| w.rsplit('/').next() == Some("curl")) else { return false };
        let args = &words[start + 1..];
        let put = args.iter().enumerate().any(|(i, w)| {
            let w = w.to_ascii_uppercase();
            w == "-XPUT"
                || w == "--REQUEST=PUT"
                || ((w == "-X" || w == "--REQUEST") && args.get(i + 1).is_some_and(|n| n.eq_ignore_ascii_case("PUT")))
        });
        put && args.iter().any(|w| w.contains(":9200"))
    })
}

/// What a setup script does, and what replaces it.
struct Setup {
    what: String,
    field: String,
    replace_with: &'static str,
}

fn setup_in(object: &Object, in_datahub: bool) -> Option<Setup> {
    if matches!(object.kind.as_str(), "Job" | "CronJob")
        && let Some(c) = object.containers().into_iter().find(|c| c.image.matches_any(SETUP_IMAGES))
    {
        return Some(Setup {
            what: format!("container {:?} runs the DataHub upgrade/setup image {}", c.name, c.image),
            field: c.field("image"),
            replace_with: "the datahub chart's system-update Job (global.datahub.systemUpdate.enabled: true, consolidatedUpgrade: true)",
        });
    }
    for script in smell::scripts(object) {
        let line = &script.command_line;
        let lower = line.to_ascii_lowercase();
        let env: String = script
            .container
            .env_names()
            .into_iter()
            .filter_map(|n| script.container.env(n))
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
        let place = format!("{} {:?}", script.place, script.container.name);
        if let Some(cmd) = TOPIC_CMDS.iter().find(|c| c.matches_line(line))
            && TOPICS.iter().any(|t| lower.contains(t) || env.contains(t))
        {
            return Some(Setup {
                what: format!("{place} runs `{}` for DataHub topics", cmd.what),
                field: script.field,
                replace_with: "global.kafka.precreateTopics: true (system-update creates the topics), or Redpanda Topic CRs when precreate is disabled",
            });
        }
        if curl_put_to_search(line) && (in_datahub || lower.contains("datahub")) {
            return Some(Setup {
                what: format!("{place} creates Elasticsearch/OpenSearch indices or templates with curl -X PUT"),
                field: script.field,
                replace_with: "the datahub chart's system-update Job, which creates indices and templates (global.elasticsearch.host)",
            });
        }
        if let Some(cmd) = DATABASE_CMDS.iter().find(|c| c.matches_line(line)) {
            return Some(Setup {
                what: format!("{place} runs `{}`", cmd.what),
                field: script.field,
                replace_with: "the system-update SQL setup (global.sql.datasource.*), or a CNPG Database CR for PostgreSQL",
            });
        }
    }
    None
}

/// Topic, index and database setup scripts, and hand-written upgrade Jobs.
pub struct SetupJob;

impl Rule for SetupJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "datahub-setup-job",
            component: "datahub",
            category: Category::BootstrapScript,
            severity: Severity::Warning,
            summary: "Hand-written DataHub setup: kafka-topics/rpk topic creation, curl -X PUT :9200 index creation, CREATE DATABASE datahub, or an upgrade/setup-image Job",
            replace_with: "the datahub chart's system-update Job (global.datahub.systemUpdate.enabled, consolidatedUpgrade) and global.kafka.precreateTopics (or Redpanda Topic CRs); a CNPG Database for PostgreSQL",
            sources: SOURCES,
            kinds: WORKLOAD_KINDS,
            scope: Scope::WholeSet,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: SETUP_DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let groups = datahub_groups(objects);
        for object in objects.iter().filter(|o| o.origin().is_local()) {
            let Some(setup) = setup_in(object, groups.contains(&object.group())) else { continue };
            report
                .flag(object, format!("{} {} {}", object.display(), setup.what, object.origin().describe()))
                .at(setup.field)
                .replace_with(setup.replace_with);
        }
    }
}

const SETUP_DOCS: &str = "\
## What it detects
A locally written Job, CronJob, Pod, init container or `postStart` hook that sets DataHub up by hand:
`kafka-topics(.sh) --create` or `rpk topic create` for DataHub topics (`MetadataChangeProposal_v1`,
`MetadataChangeLog_*`, `PlatformEvent_v1`, ...), `curl -X PUT …:9200/…` index or template creation in a
DataHub context, `mysql`/`psql` `CREATE DATABASE datahub`, or a Job running the `datahub-upgrade` or legacy
`datahub-*-setup` images. The chart's own system-update Job is rendered upstream and never flagged.

## Why it matters
The chart's system-update Job already performs SQL, Elasticsearch and Kafka setup on every upgrade, in the
order the DataHub release needs. A parallel script drifts from the topic, index and schema layout of the
next release and races with system-update.

## What to use instead
`global.datahub.systemUpdate.enabled: true` with `consolidatedUpgrade: true`, `global.kafka.precreateTopics: true`
(or Redpanda `Topic` CRs when precreate is disabled), `global.sql.datasource.*` and
`global.elasticsearch.host`; a CNPG `Database` CR for the PostgreSQL database.

## Example
```yaml
# Source: platform-datahub/templates/topics.yaml
kind: Job
spec:
  template:
    spec:
      containers:
        - name: topics
          image: confluentinc/cp-kafka:7.6.0
          command: [sh, -c, 'kafka-topics --bootstrap-server kafka:9092 --create --topic MetadataChangeProposal_v1']
```
";

const INGEST_CMDS: &[Cmd] = &[
    Cmd::new(&["datahub"], &["ingest"], "datahub ingest"),
    Cmd::new(&["python", "python3"], &["-m", "datahub", "ingest"], "python -m datahub ingest"),
];

/// CronJobs running `datahub ingest` recipes.
pub struct IngestCronJob;

impl Rule for IngestCronJob {
    fn meta(&self) -> Meta {
        Meta {
            id: "datahub-ingest-cronjob",
            component: "datahub",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written CronJob running datahub ingest -c <recipe>",
            replace_with: "datahub-ingestion-cron.enabled: true with datahub-ingestion-cron.crons.<name>.{schedule,recipe,command} in the datahub chart",
            sources: &[
                "https://github.com/acryldata/datahub-helm/tree/master/charts/datahub/subcharts/datahub-ingestion-cron",
                "https://helm.datahubproject.io/",
            ],
            kinds: &["CronJob"],
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::SCRIPT,
            docs: INGEST_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_script(object, report, INGEST_CMDS);
    }
}

const INGEST_DOCS: &str = "\
## What it detects
A locally written CronJob whose container, init container or `postStart` hook runs `datahub ingest`
(also `python -m datahub ingest`), typically `datahub ingest -c /recipes/<source>.yml`. CronJobs rendered by
the chart's `datahub-ingestion-cron` subchart are upstream and not flagged.

## Why it matters
The chart already ships a subchart for scheduled recipes, with the ingestion image, GMS wiring, recipe
ConfigMaps and credentials handled the same way for every source.

## What to use instead
`datahub-ingestion-cron.enabled: true` and one entry per recipe under
`datahub-ingestion-cron.crons.<name>` with `schedule`, `recipe` (`configmapName`, `fileName`) and `command`
(`datahub ingest -c <recipe.fileName>`).

## Example
```yaml
# Source: platform-datahub/templates/ingest-postgres.yaml
kind: CronJob
spec:
  schedule: '0 2 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: ingest
              image: acryldata/datahub-ingestion:v1.7.0
              command: [datahub, ingest, -c, /recipes/postgres.yml]
```
";

/// Hand-written GMS, frontend, actions or consumer workloads.
pub struct HandWrittenService;

impl Rule for HandWrittenService {
    fn meta(&self) -> Meta {
        Meta {
            id: "datahub-hand-written-service",
            component: "datahub",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Hand-written DataHub GMS, frontend, actions or MAE/MCE consumer workload",
            replace_with: "the datahub chart (https://helm.datahubproject.io/) with global.kafka.bootstrap.server, global.kafka.schemaregistry.*, global.sql.datasource.*, global.elasticsearch.host and global.graph_service_impl",
            sources: SOURCES,
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: SERVICE_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report_workload(object, report, SERVICE_IMAGES, "DataHub");
    }
}

const SERVICE_DOCS: &str = "\
## What it detects
A Deployment, StatefulSet or Pod written locally whose main container runs `acryldata/datahub-gms`,
`datahub-frontend-react`, `datahub-actions`, `datahub-mae-consumer` or `datahub-mce-consumer` (also the older
`linkedin/` images and mirrored registries).

## Why it matters
The datahub chart wires these services to Kafka, SQL, the search index and each other, and runs the
system-update Job before them on upgrades. Hand-written copies miss that ordering and drift from the
environment each release expects.

## What to use instead
The `datahub` chart with `global.kafka.bootstrap.server`, `global.kafka.schemaregistry.*`,
`global.sql.datasource.{host,url,driver,username,password.secretRef,password.secretKey}`,
`global.elasticsearch.host` and `global.graph_service_impl`, pointed at shared Redpanda, CNPG/MySQL and
OpenSearch.

## Example
```yaml
# Source: platform-datahub/templates/gms.yaml
kind: Deployment
spec:
  template:
    spec:
      containers: [{name: gms, image: acryldata/datahub-gms:v1.7.0}]   # flagged
```
";

/// Is the object rendered by the upstream `datahub-prerequisites` chart (or
/// one of its subcharts)? A wrapper that only bears the name is not it.
fn from_prerequisites(object: &Object) -> bool {
    object.origin().is_upstream() && object.chart_folders().contains(&"datahub-prerequisites")
}

/// Demo datastores of `datahub-prerequisites` left running.
pub struct Prerequisites;

impl Rule for Prerequisites {
    fn meta(&self) -> Meta {
        Meta {
            id: "datahub-prerequisites",
            component: "datahub",
            category: Category::UnsafeDefault,
            severity: Severity::Warning,
            summary: "Datastore rendered by the datahub-prerequisites demo chart (Elasticsearch/OpenSearch, Neo4j, MySQL/PostgreSQL, Kafka)",
            replace_with: "shared services instead of datahub-prerequisites: Redpanda (Kafka API) via global.kafka.bootstrap.server, CNPG or MySQL via global.sql.datasource.*, OpenSearch via global.elasticsearch.host",
            sources: &[
                "https://github.com/acryldata/datahub-helm/tree/master/charts/prerequisites",
                "https://helm.datahubproject.io/",
            ],
            kinds: LONG_RUNNING_KINDS,
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: PREREQUISITES_DOCS,
            options: &[],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !from_prerequisites(object) {
            return;
        }
        let sub = object.provenance.chart.as_deref().unwrap_or("datahub-prerequisites");
        let image = object.pod_spec().and_then(|p| p.main_containers().into_iter().next());
        let finding = report.flag(
            object,
            format!(
                "{} is a demo datastore from datahub-prerequisites ({sub}){}",
                object.display(),
                image.as_ref().map(|c| format!(", image {}", c.image)).unwrap_or_default()
            ),
        );
        if let Some(c) = image {
            finding.at(c.field("image"));
        }
    }
}

const PREREQUISITES_DOCS: &str = "\
## What it detects
A long-running workload rendered by the `datahub-prerequisites` chart or its subcharts (Elasticsearch or
OpenSearch, Neo4j, Bitnami MySQL/PostgreSQL/Kafka, cp-helm-charts), identified by its `# Source:` path under
`datahub-prerequisites/`. These are upstream objects, flagged because they are demo datastores.

## Why it matters
The prerequisites chart is meant for demos: single-node datastores with deprecated Bitnami images, no
backups and default credentials. Production DataHub should use the platform's shared, operated services.

## What to use instead
Drop the `datahub-prerequisites` dependency and point the datahub chart at shared services:
`global.kafka.bootstrap.server` (Redpanda), `global.sql.datasource.*` (CNPG or MySQL),
`global.elasticsearch.host` (OpenSearch).

## Example
```yaml
# Source: platform-datahub/charts/datahub-prerequisites/charts/kafka/templates/statefulset.yaml
kind: StatefulSet   # flagged: use the shared Redpanda cluster
```
";

rules_sdk::export_rules!(SetupJob, IngestCronJob, HandWrittenService, Prerequisites);

#[cfg(test)]
mod tests {
    use super::*;
    use rules_sdk::testing::{check_yaml, keys};

    const RULES: &[&dyn Rule] = &[&SetupJob, &IngestCronJob, &HandWrittenService, &Prerequisites];

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(RULES, "datahub");
    }

    #[test]
    fn curl_put_forms() {
        assert!(curl_put_to_search("curl -s -X PUT http://es:9200/datahubpolicyindex_v2"));
        assert!(curl_put_to_search("sh -c 'curl -XPUT \"opensearch:9200/_index_template/datahub\" -d @t.json'"));
        assert!(curl_put_to_search("curl --request PUT https://search.internal:9200/x"));
        assert!(!curl_put_to_search("curl -X GET http://es:9200/_cluster/health"));
        assert!(!curl_put_to_search("curl -X PUT http://gms:8080/entities"));
    }

    #[test]
    fn topic_names_may_come_from_env() {
        let yaml = r#"
# Source: platform-datahub/templates/topics.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: topics, namespace: datahub}
spec:
  template:
    spec:
      containers:
        - name: topics
          image: docker.redpanda.com/redpandadata/redpanda:v25.1.1
          env: [{name: TOPICS, value: "MetadataChangeLog_Versioned_v1 PlatformEvent_v1"}]
          command: [sh, -c, "for t in $TOPICS; do rpk topic create $t -p 3; done"]
---
# Source: platform-orders/templates/topics.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: order-topics, namespace: orders}
spec:
  template:
    spec:
      containers: [{name: topics, image: redpandadata/redpanda:v25.1.1, command: [rpk, topic, create, orders]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![("datahub-setup-job", "Job", "topics")]);
    }

    #[test]
    fn index_creation_outside_datahub_is_not_ours() {
        let yaml = r#"
# Source: platform-logs/templates/index.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: logs-index, namespace: logging}
spec:
  template:
    spec:
      containers: [{name: c, image: curlimages/curl, command: [curl, -X, PUT, "http://opensearch:9200/logs-000001"]}]
"#;
        assert_eq!(keys(&check_yaml(RULES, yaml)), vec![]);
    }
}
