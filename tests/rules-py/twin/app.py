"""The Python twin of tests/rules/twin-rust: the same two rules, written
directly against the `rewheel:rule` world of wit/rule.wit with the bindings
componentize-py generates (module `wit_world`). tests/second_language.rs
builds it (support::python_rule) and compares it with the Rust twin.

Build by hand:
    componentize-py -d ../../../wit -w rule componentize app -o twin.wasm
"""

import json

import wit_world
from wit_world.imports.types import (
    Category,
    Finding,
    Resource,
    RuleMeta,
    RuleOption,
    RuleOptions,
    Scope,
    Severity,
)
from componentize_py_types import Err

KINDS = ["Deployment", "StatefulSet"]

RAW_MONGO_DOCS = """\
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
"""

NO_LIMITS_DOCS = """\
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
"""

RAW_MONGO = RuleMeta(
    id="twin-raw-mongo",
    component="twin",
    category=Category.REINVENTED_WORKLOAD,
    default_severity=Severity.WARNING,
    summary="A hand-written MongoDB workload (twin test rule)",
    replace_with="a MongoDBCommunity resource of the MongoDB Community Operator",
    sources=["https://github.com/mongodb/mongodb-kubernetes-operator"],
    kinds=KINDS,
    scope=Scope.WHOLE_SET,
    supersedes=[],
    docs=RAW_MONGO_DOCS,
    options=[
        RuleOption(
            name="allow-names",
            description="list of strings: object names never flagged (default: none)",
        )
    ],
)

NO_LIMITS = RuleMeta(
    id="twin-no-limits",
    component="twin",
    category=Category.UNSAFE_DEFAULT,
    default_severity=Severity.INFO,
    summary="A container without resource limits (twin test rule)",
    replace_with="resources.limits on every container",
    sources=["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"],
    kinds=KINDS,
    scope=Scope.WHOLE_SET,
    supersedes=[],
    docs=NO_LIMITS_DOCS,
    options=[],
)


class Obj:
    """One resource with its parsed body and batch index."""

    def __init__(self, index: int, r: Resource):
        self.index = index
        self.kind = r.kind
        self.namespace = r.namespace
        self.name = r.name
        self.chart = r.provenance.chart
        try:
            self.body = json.loads(r.body)
        except ValueError as e:
            raise Err(f"resource {index} ({r.kind} {r.name}): body is not JSON: {e}")


def ns(obj: Obj) -> str:
    """The namespace for messages: `-` when absent."""
    return obj.namespace if obj.namespace else "-"


def containers(obj: Obj) -> list:
    """`spec.template.spec.containers`, or none."""
    node = obj.body
    for key in ["spec", "template", "spec", "containers"]:
        if not isinstance(node, dict):
            return []
        node = node.get(key)
    return node if isinstance(node, list) else []


def text(container, key: str) -> str:
    """A string field of a container, or ""."""
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, str) else ""


def compact(value) -> str:
    """JSON text as serde_json prints it, for error messages."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def option_strings(meta: RuleMeta, options: dict, key: str, errors: list) -> list:
    """A list-of-strings option; [] when unset, an error when of another type."""
    if key not in options:
        return []
    value = options[key]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    errors.append(f'option "{key}" of rule "{meta.id}" must be a list of strings, not {compact(value)}')
    return []


def check_raw_mongo(objects: list, options: dict, findings: list, errors: list):
    allow = option_strings(RAW_MONGO, options, "allow-names", errors)
    for obj in objects:
        if obj.name in allow or obj.chart == "mongodb":
            continue
        for i, container in enumerate(containers(obj)):
            image = text(container, "image")
            if "mongo" not in image.lower():
                continue
            tagged = ":" in image.rsplit("/", 1)[-1]
            findings.append(
                Finding(
                    rule=RAW_MONGO.id,
                    resource=obj.index,
                    severity=Severity.WARNING if tagged else Severity.ERROR,
                    message=f"{obj.kind} {ns(obj)}/{obj.name} runs {image}",
                    path=f"spec.template.spec.containers[{i}].image",
                    replace_with=None,
                )
            )
            break  # the first matching container only


def check_no_limits(objects: list, options: dict, findings: list, errors: list):
    for obj in objects:
        for i, container in enumerate(containers(obj)):
            resources = container.get("resources") if isinstance(container, dict) else None
            limits = resources.get("limits") if isinstance(resources, dict) else None
            limited = isinstance(limits, dict) and len(limits) > 0
            if not limited:
                name = text(container, "name")
                findings.append(
                    Finding(
                        rule=NO_LIMITS.id,
                        resource=obj.index,
                        severity=NO_LIMITS.default_severity,
                        message=f"{obj.kind} {ns(obj)}/{obj.name} container {name} has no resource limits",
                        path=f"spec.template.spec.containers[{i}].resources",
                        replace_with=None,
                    )
                )


RULES = [(RAW_MONGO, check_raw_mongo), (NO_LIMITS, check_no_limits)]


class WitWorld(wit_world.WitWorld):
    def rules(self) -> list:
        return [meta for meta, _ in RULES]

    def check(self, rules: list, resources: list, options: list, charts: list) -> list:
        # Raising componentize_py_types.Err returns `err` to the host.
        objects = [Obj(i, r) for i, r in enumerate(resources)]
        configured = {}
        for o in options:
            try:
                parsed = json.loads(o.options)
            except ValueError as e:
                raise Err(f'rule "{o.rule}": options are not JSON: {e}')
            if not isinstance(parsed, dict):
                raise Err(f'rule "{o.rule}": options must be a JSON object, not {compact(parsed)}')
            configured[o.rule] = parsed
        findings = []
        errors = []
        for meta, check in RULES:
            if meta.id not in rules:
                continue
            wanted = [obj for obj in objects if not meta.kinds or obj.kind in meta.kinds]
            if not wanted:
                continue
            rule_findings = []
            rule_errors = []
            check(wanted, configured.get(meta.id, {}), rule_findings, rule_errors)
            if rule_errors:
                errors.extend(rule_errors)
            else:
                findings.extend(rule_findings)
        if errors:
            raise Err("; ".join(errors))
        return findings
