//! Every rule component has a smelly and a clean fixture under
//! `tests/fixtures/<component>/`, audited with the whole built-in pack. The
//! finding set must equal `<case>.expected` exactly (one
//! `rule kind namespace/name line` per line; `-` for no namespace), so a missed
//! smell, an extra finding, or a finding a more specific rule should have
//! superseded all fail.

mod support;

use std::collections::BTreeSet;

fn case(component: &str, case: &str) {
    let dir = support::root().join("tests/fixtures").join(component);
    let yaml = format!("tests/fixtures/{component}/{case}.yaml");
    let expected: BTreeSet<String> = std::fs::read_to_string(dir.join(format!("{case}.expected")))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let (report, code) = support::audit_json(&[&yaml]);
    assert_eq!(report["errors"], serde_json::json!([]), "{yaml}: unexpected errors");
    let actual: BTreeSet<String> =
        support::finding_keys(&report).into_iter().map(|k| k.replace(&format!(" {yaml}:"), " ")).collect();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{yaml}\n  missing: {missing:#?}\n  extra: {extra:#?}");
    assert_eq!(code, if expected.is_empty() { 0 } else { 1 }, "{yaml}: exit code");
}

#[test]
fn novu_smelly() {
    case("novu", "smelly");
}

#[test]
fn novu_clean() {
    case("novu", "clean");
}

#[test]
fn otel_collector_smelly() {
    case("otel-collector", "smelly");
}

#[test]
fn otel_collector_clean() {
    case("otel-collector", "clean");
}

#[test]
fn upstream_available_smelly() {
    case("upstream-available", "smelly");
}

#[test]
fn upstream_available_clean() {
    case("upstream-available", "clean");
}

/// Every component in `rules/` has both fixtures.
#[test]
fn every_rule_component_has_fixtures() {
    let root = support::root();
    for entry in std::fs::read_dir(root.join("rules")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        for case in ["smelly.yaml", "smelly.expected", "clean.yaml", "clean.expected"] {
            assert!(
                root.join("tests/fixtures").join(&name).join(case).exists(),
                "rules/{name} has no tests/fixtures/{name}/{case}"
            );
        }
        let smelly = std::fs::read_to_string(root.join("tests/fixtures").join(&name).join("smelly.expected")).unwrap();
        assert!(
            smelly.lines().any(|l| !l.trim().is_empty()),
            "tests/fixtures/{name}/smelly.expected expects no finding"
        );
    }
}
