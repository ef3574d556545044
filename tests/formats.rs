//! The CI formats: SARIF (validated against the SARIF 2.1.0 schema), JUnit,
//! GitHub annotations, and several formats from one run.

mod support;

use serde_json::Value;

const BEFORE: &str = "examples/fractalops/before";

fn stdout(args: &[&str]) -> (String, i32) {
    let out = support::run(args, None);
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap())
}

fn sarif_schema() -> jsonschema::Validator {
    let path = support::root().join("../shared/schemas/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the SARIF schema in ../shared/schemas")).unwrap();
    jsonschema::draft4::new(&schema).expect("a valid schema")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_schema();
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_and_points_at_the_document_line() {
    let (text, code) = stdout(&["audit", "--format", "sarif", BEFORE]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&text).expect("only SARIF on stdout");
    assert_valid_sarif(&log);
    let (json, _) = support::audit_json(&[BEFORE]);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len());
    // Same order as the JSON report: each result at its document's start line, relative URI.
    for (result, finding) in results.iter().zip(json["findings"].as_array().unwrap()) {
        assert_eq!(result["ruleId"], finding["rule"]);
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], finding["location"]["file"]);
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(physical["region"]["startLine"], finding["location"]["line"]);
        let name = finding["resource"]["name"].as_str().unwrap();
        assert!(result["message"]["text"].as_str().unwrap().contains(name));
        assert!(result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].as_str().unwrap().ends_with(name));
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], result["ruleId"]);
    }
    let levels: Vec<&str> = results.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert!(levels.contains(&"error") && levels.contains(&"warning"), "{levels:?}");
    // One descriptor per rule, with summary, help and help URI.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len() as u64, support::builtin_rule_count());
    for rule in rules {
        assert!(!rule["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert!(rule["help"]["markdown"].as_str().unwrap().contains("## What it detects"));
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
    }
}

#[test]
fn sarif_has_a_results_array_when_clean_and_reports_errors_as_notifications() {
    let (text, code) = stdout(&["audit", "--format", "sarif", "examples/fractalops/after"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "a: [unclosed\n").unwrap();
    let (text, code) = stdout(&["audit", "--format", "sarif", &bad.to_string_lossy()]);
    assert_eq!(code, 2);
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert!(note["message"]["text"].as_str().unwrap().starts_with("parse error: "));
    assert_eq!(note["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
    assert!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().starts_with("file:///")
    );
}

#[test]
fn github_annotations_one_per_finding() {
    let (text, code) = stdout(&["audit", "--format", "github", BEFORE]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = text.lines().collect();
    let (json, _) = support::audit_json(&[BEFORE]);
    assert_eq!(lines.len(), json["findings"].as_array().unwrap().len());
    let buildkit = lines
        .iter()
        .find(|l| l.starts_with("::error file=examples/fractalops/before/platform-runtime.yaml,line=3,title=rewheel build-plane-workload::Deployment sandbox/buildkitd "))
        .unwrap_or_else(|| panic!("no annotation for the BuildKit Deployment:\n{text}"));
    assert!(buildkit.contains(" Use instead: "), "{buildkit}");
    assert!(lines.iter().all(|l| l.starts_with("::warning file=") || l.starts_with("::error file=")));
}

#[test]
fn junit_is_well_formed_with_a_failure_per_finding() {
    let (text, code) = stdout(&["audit", "--format", "junit", BEFORE]);
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let failures: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("failure")).collect();
    let (json, _) = support::audit_json(&[BEFORE]);
    assert_eq!(failures.len(), json["findings"].as_array().unwrap().len());
    assert_eq!(root.attribute("failures"), Some(failures.len().to_string().as_str()));
    let suites: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("testsuite")).filter_map(|n| n.attribute("name")).collect();
    assert_eq!(suites.len(), 33, "one suite per component: {suites:?}");
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("classname") == Some("novu-root-chown"))
        .expect("a novu-root-chown case");
    assert_eq!(case.attribute("file"), Some("examples/fractalops/before/platform-novu.yaml"));
}

#[test]
fn several_formats_in_one_run_each_to_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("r.sarif");
    let junit = dir.path().join("r.xml");
    let sarif_arg = format!("sarif={}", sarif.display());
    let junit_arg = format!("junit={}", junit.display());
    let (text, code) = stdout(&["audit", "--format", &sarif_arg, "--format", &junit_arg, "--format", "json", BEFORE]);
    assert_eq!(code, 1);
    let (json, _) = support::audit_json(&[BEFORE]);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json, "stdout holds only the JSON report");
    assert_valid_sarif(&serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap());
    roxmltree::Document::parse(&std::fs::read_to_string(&junit).unwrap()).unwrap();

    let out = support::run(&["audit", "--format", "json", "--format", "text", BEFORE], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than one --format writes to stdout"));
    let out = support::run(&["audit", "--format", "yaml", BEFORE], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format \"yaml\""));
}

/// A config with an exemption that suppresses the Valkey findings and one
/// that matches nothing, for the formats' suppression and warning output.
fn suppressing_config(dir: &std::path::Path) -> String {
    let path = dir.join("rewheel.toml");
    std::fs::write(
        &path,
        "[[exemption]]\nname = \"novu-valkey\"\nreason = \"moves to the novu chart in PLAT-42\"\n\n[[exemption]]\nkind = \"Middleware\"\nreason = \"matches nothing\"\n",
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn suppressed_findings_and_warnings_in_every_ci_format() {
    let dir = tempfile::tempdir().unwrap();
    let config = suppressing_config(dir.path());

    // SARIF: suppressed results carry an external suppression with the reason; warnings are notifications.
    let (text, code) = stdout(&["audit", "--config", &config, "--format", "sarif", BEFORE]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 16, "13 findings and 3 suppressed results");
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 3, "novu-raw-datastore x2 and novu-root-chown on the Valkey StatefulSet");
    for r in &suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "external");
        assert_eq!(r["suppressions"][0]["status"], "accepted");
        let justification = r["suppressions"][0]["justification"].as_str().unwrap();
        assert!(justification.ends_with("rewheel.toml:1): moves to the novu chart in PLAT-42"), "{justification}");
    }
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "warning");
    assert_eq!(notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 5);
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("unused-exemption: exemption (kind = \"Middleware\")")
    );

    // GitHub: annotations for the 13 findings and the warning; none for suppressed findings.
    let (text, _) = stdout(&["audit", "--config", &config, "--format", "github", BEFORE]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 14, "{text}");
    assert!(!text.contains("novu-valkey"), "{text}");
    assert!(
        lines[13].starts_with(&format!(
            "::warning file={},line=5,title=rewheel unused-exemption::",
            config.replace(':', "%3A")
        )),
        "{}",
        lines[13]
    );

    // JUnit: suppressed findings are skipped cases with their reason.
    let (text, _) = stdout(&["audit", "--config", &config, "--format", "junit", BEFORE]);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let skipped: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("skipped")).collect();
    assert_eq!(skipped.len(), 3);
    assert!(skipped[0].attribute("message").unwrap().contains("suppressed by exemption"));
    assert_eq!(doc.root_element().attribute("skipped"), Some("3"));
    assert_eq!(doc.root_element().attribute("failures"), Some("13"));

    // Text: the summary counts them.
    let (text, _) = stdout(&["audit", "--config", &config, BEFORE]);
    assert!(text.contains("3 suppressed (0 inline, 3 exemption, 0 baseline)"), "{text}");
    assert!(text.contains("warning[unused-exemption]: "), "{text}");
}

#[test]
fn inline_suppressions_are_in_source_and_markdown_lists_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("grafana.yaml");
    let text = std::fs::read_to_string(support::root().join(BEFORE).join("platform-metrics.yaml")).unwrap();
    let annotated = text.replacen(
        "metadata:\n",
        "metadata:\n  annotations:\n    rewheel.io/ignore: \"grafana-workload: the operator migration is PLAT-9\"\n",
        1,
    );
    assert_ne!(annotated, text, "the fixture has a metadata block to annotate");
    std::fs::write(&input, annotated).unwrap();
    let input = input.display().to_string();
    let (text, code) = stdout(&["audit", "--format", "sarif", &input]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
    assert!(
        results[0]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .ends_with(": the operator migration is PLAT-9")
    );

    let config = suppressing_config(dir.path());
    let (md, _) = stdout(&["audit", "--config", &config, "--format", "markdown", BEFORE]);
    assert!(md.contains("Suppressed: 3 (0 inline, 3 exemption, 0 baseline). Warnings: 1."), "{md}");
    assert!(md.contains("\n## Warnings\n\n- unused-exemption `"), "{md}");
    assert!(md.contains("\n## Suppressed\n\n- `novu-raw-datastore` `Service novu/novu-valkey`"), "{md}");
}
