//! The Rust twin of tests/rules-py/twin/app.py: two small rules, written so
//! that the two sources read line for line alike. tests/second_language.rs
//! runs both components and compares their metadata and findings.
//!
//! The body is walked as plain JSON (not through the SDK's typed views) so
//! the Python twin can do exactly the same.

use rules_sdk::prelude::*;
use serde_json::Value;

const KINDS: &[&str] = &["Deployment", "StatefulSet"];

const RAW_MONGO_DOCS: &str = "\
## What it detects

A Deployment or StatefulSet whose container image contains `mongo`, written by
hand rather than rendered by the `mongodb` chart.

## Why it matters

A hand-written MongoDB has no operator reconciling replication, upgrades or
backups: every one of them is local control logic to maintain.

## What to use instead

The MongoDB Community Operator and a `MongoDBCommunity` resource, or the
`mongodb` chart as a dependency.

## Example

```yaml
kind: StatefulSet
spec:
  template:
    spec:
      containers: [{name: db, image: mongo:7}]
```
";

const NO_LIMITS_DOCS: &str = "\
## What it detects

A container of a Deployment or StatefulSet without `resources.limits`.

## Why it matters

A container without limits can take a node's memory and CPU from its
neighbours.

## What to use instead

Set `resources.limits` (the chart's `resources` value).

## Example

```yaml
containers: [{name: app, image: app:1}]
```
";

/// The namespace for messages: `-` when absent.
fn ns(object: &Object) -> &str {
    match object.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => ns,
        _ => "-",
    }
}

/// `spec.template.spec.containers`, or none.
fn containers(object: &Object) -> &[Value] {
    match object.get("/spec/template/spec/containers") {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// A string field of a container, or "".
fn text<'a>(container: &'a Value, key: &str) -> &'a str {
    container.get(key).and_then(Value::as_str).unwrap_or("")
}

pub struct RawMongo;

impl Rule for RawMongo {
    fn meta(&self) -> Meta {
        Meta {
            id: "twin-raw-mongo",
            component: "twin",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "A hand-written MongoDB workload (twin test rule)",
            replace_with: "a MongoDBCommunity resource of the MongoDB Community Operator",
            sources: &["https://github.com/mongodb/mongodb-kubernetes-operator"],
            kinds: KINDS,
            docs: RAW_MONGO_DOCS,
            options: &[RuleOption {
                name: "allow-names",
                description: "list of strings: object names never flagged (default: none)",
                kind: OptionKind::Strings,
            }],
            ..Meta::DEFAULT
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let allow = report.option_strings("allow-names");
        for object in objects {
            if allow.contains(&object.name) || object.provenance.chart.as_deref() == Some("mongodb") {
                continue;
            }
            for (i, container) in containers(object).iter().enumerate() {
                let image = text(container, "image");
                if !image.to_lowercase().contains("mongo") {
                    continue;
                }
                let tagged = image.rsplit('/').next().unwrap_or("").contains(':');
                let severity = if tagged { Severity::Warning } else { Severity::Error };
                report
                    .flag(object, format!("{} {}/{} runs {}", object.kind, ns(object), object.name, image))
                    .at(format!("spec.template.spec.containers[{i}].image"))
                    .severity(severity);
                break; // the first matching container only
            }
        }
    }
}

pub struct NoLimits;

impl Rule for NoLimits {
    fn meta(&self) -> Meta {
        Meta {
            id: "twin-no-limits",
            component: "twin",
            category: Category::UnsafeDefault,
            severity: Severity::Info,
            summary: "A container without resource limits (twin test rule)",
            replace_with: "resources.limits on every container",
            sources: &["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"],
            kinds: KINDS,
            docs: NO_LIMITS_DOCS,
            ..Meta::DEFAULT
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        for object in objects {
            for (i, container) in containers(object).iter().enumerate() {
                let limited =
                    container.pointer("/resources/limits").and_then(Value::as_object).is_some_and(|l| !l.is_empty());
                if !limited {
                    let name = text(container, "name");
                    report
                        .flag(
                            object,
                            format!(
                                "{} {}/{} container {} has no resource limits",
                                object.kind,
                                ns(object),
                                object.name,
                                name
                            ),
                        )
                        .at(format!("spec.template.spec.containers[{i}].resources"));
                }
            }
        }
    }
}

rules_sdk::export_rules!(RawMongo, NoLimits);
