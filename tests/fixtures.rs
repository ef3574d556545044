//! Every rule component has a smelly and a clean fixture under
//! `tests/fixtures/<component>/`, audited with the whole built-in pack. The
//! finding set must equal `<case>.expected` exactly (one
//! `rule kind namespace/name line` per line; `-` for no namespace), so a missed
//! smell, an extra finding, or a finding a more specific rule should have
//! superseded all fail.

mod support;

use std::collections::BTreeSet;

fn check(component: &str, case: &str) {
    let dir = support::root().join("tests/fixtures").join(component);
    let yaml = format!("tests/fixtures/{component}/{case}.yaml");
    let expected: BTreeSet<String> = support::expected_keys(&dir.join(format!("{case}.expected")));
    let (report, code) = support::audit_json(&[&yaml]);
    assert_eq!(report["errors"], serde_json::json!([]), "{yaml}: unexpected errors");
    let actual: BTreeSet<String> =
        support::finding_keys(&report).into_iter().map(|k| k.replace(&format!(" {yaml}:"), " ")).collect();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{yaml}\n  missing: {missing:#?}\n  extra: {extra:#?}");
    assert_eq!(code, if expected.is_empty() { 0 } else { 1 }, "{yaml}: exit code");
}

/// Every component's smelly and clean case, each in its own run (rules relate
/// objects within a run, so cases must not see each other). All mismatches are
/// reported together.
#[test]
fn every_component_fixture() {
    let root = support::root();
    let mut components: Vec<String> = std::fs::read_dir(root.join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    components.sort();
    let failures: Vec<String> = components
        .iter()
        .flat_map(|c| ["smelly", "clean"].map(|case| (c.clone(), case)))
        .filter_map(|(component, case)| {
            std::panic::catch_unwind(|| check(&component, case)).err().map(|e| panic_text(&e))
        })
        .collect();
    assert!(failures.is_empty(), "{} fixture case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
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
