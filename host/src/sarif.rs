//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).
//!
//! One run; one `reportingDescriptor` per rule that ran (summary, Markdown
//! help, help URI, default level); one result per finding at the document's
//! start line with the resource identity in the message and as a logical
//! location; suppressed findings as results with a `suppressions` entry
//! (inline ignores are `inSource`, exemptions and the baseline `external`),
//! so viewers that honour SARIF suppressions hide them; input, parse, rule and config
//! errors and configuration warnings as tool execution notifications.
//! File paths stay relative as given (`uriBaseId: %SRCROOT%`), so uploads
//! line up with the repository.

use serde_json::{Value, json};

use crate::report::{FindingEntry, Report, Severity, SuppressionKind};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Info => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// A SARIF `artifactLocation` for a file as given on the command line.
fn artifact(file: &str) -> Value {
    if file == "-" {
        return json!({"uri": "stdin"});
    }
    let uri = file.trim_start_matches("./").replace('\\', "/");
    if uri.starts_with('/') {
        json!({"uri": format!("file://{}", percent_encode(&uri))})
    } else {
        json!({"uri": percent_encode(&uri), "uriBaseId": "%SRCROOT%"})
    }
}

/// Encode the characters a URI reference may not hold.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b':'
            | b'@'
            | b'+'
            | b'='
            | b',' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The report as a SARIF 2.1.0 log (pretty JSON, one trailing newline).
pub fn to_sarif(report: &Report) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            let mut descriptor = json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": format!("{} Use instead: {}", r.summary, r.replace_with)},
                "help": {"text": format!("Use instead: {}", r.replace_with), "markdown": r.docs},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"component": r.component, "category": r.category, "tags": [r.component, r.category]},
            });
            // SARIF tags are a set: a principle rule's component and category share a name.
            let mut tags = vec![r.component.as_str(), r.category.as_str()];
            tags.dedup();
            descriptor["properties"]["tags"] = json!(tags);
            if let Some(uri) = r.sources.first() {
                descriptor["helpUri"] = json!(uri);
            }
            descriptor
        })
        .collect();
    let index = |id: &str| report.rules.iter().position(|r| r.id == id);
    let result = |f: &FindingEntry| {
        let r = &f.resource;
        let identity = match &r.namespace {
            Some(ns) => format!("{}/{}/{}/{}", r.api_version, r.kind, ns, r.name),
            None => format!("{}/{}/{}", r.api_version, r.kind, r.name),
        };
        let rendered = json!({
            "artifactLocation": artifact(&f.location.file),
            "region": {"startLine": f.location.line},
        });
        // With chart sources, the alert lands on the template a developer edits
        // (the pull request's own file); the rendered place goes along.
        let (physical, related) = match &f.location.source {
            Some(source) => (
                json!({"artifactLocation": artifact(&source.file), "region": {"startLine": source.line}}),
                Some(json!([{"id": 0, "physicalLocation": rendered, "message": {"text": "rendered here"}}])),
            ),
            None => (rendered, None),
        };
        let mut result = json!({
            "ruleId": f.rule,
            "level": level(f.severity),
            "message": {"text": format!("{} [{identity}] Use instead: {}", f.message, f.replace_with)},
            "locations": [{
                "physicalLocation": physical,
                "logicalLocations": [{"fullyQualifiedName": identity, "name": r.name, "kind": "resource"}],
            }],
            "partialFingerprints": {
                // Stable across unrelated edits: rule, resource identity and template, never lines
                // (the occurrence number is added below).
                "rewheel/v1": format!("{}|{}|{}", f.rule, identity, f.location.template.as_deref().unwrap_or("")),
            },
            "properties": {
                "component": f.component,
                "category": f.category,
                "template": f.location.template,
                "path": f.path,
                "origin": f.location.origin,
                "evidence": f.location.evidence,
            },
        });
        if let Some(related) = related {
            result["relatedLocations"] = related;
        }
        if let Some(i) = index(&f.rule) {
            result["ruleIndex"] = json!(i);
        }
        result
    };
    // Reported and suppressed findings together, in report order.
    let mut all: Vec<(&FindingEntry, Option<&crate::report::Suppression>)> =
        report.findings.iter().map(|f| (f, None)).collect();
    all.extend(report.suppressed.iter().map(|s| (&s.finding, Some(&s.suppression))));
    all.sort_by(|a, b| crate::report::finding_order(a.0, b.0));
    let mut occurrences: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    let mut results: Vec<Value> = Vec::with_capacity(all.len());
    for (f, suppression) in all {
        let mut r = result(f);
        // Two smells of one rule on one resource are two alerts: number them.
        let key = r["partialFingerprints"]["rewheel/v1"].as_str().unwrap_or_default().to_string();
        let n = occurrences.entry(key.clone()).or_default();
        *n += 1;
        r["partialFingerprints"]["rewheel/v1"] = json!(format!("{key}|{n}"));
        if let Some(s) = suppression {
            let kind = if s.kind == SuppressionKind::Inline { "inSource" } else { "external" };
            r["suppressions"] = json!([{
                "kind": kind,
                "status": "accepted",
                "justification": format!("{} ({}): {}", s.kind.as_str(), s.source, s.reason),
            }]);
        }
        results.push(r);
    }
    let mut notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": "error",
                "message": {"text": format!("{} error{}: {}", e.kind.as_str(), e.rule.as_deref().map(|r| format!(" in {r}")).unwrap_or_default(), e.message)},
            });
            if let Some(file) = &e.file {
                let mut physical = json!({"artifactLocation": artifact(file)});
                if let Some(line) = e.line {
                    physical["region"] = json!({"startLine": line});
                }
                n["locations"] = json!([{"physicalLocation": physical}]);
            }
            n
        })
        .collect();
    for w in &report.warnings {
        let mut n = json!({
            "level": "warning",
            "message": {"text": format!("{}: {}", w.kind.as_str(), w.message)},
            "descriptor": {"id": w.kind.as_str()},
        });
        if let Some(file) = &w.file {
            let mut physical = json!({"artifactLocation": artifact(file)});
            if let Some(line) = w.line {
                physical["region"] = json!({"startLine": line});
            }
            n["locations"] = json!([{"physicalLocation": physical}]);
        }
        notifications.push(n);
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rewheel",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/rewheel/rewheel",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory rewheel ran in."}}},
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    out.push('\n');
    out
}
