//! Hostile rules next to the built-in pack: a rule that loops forever and one
//! that allocates without bound, each built from `tests/rules/` for
//! `wasm32-wasip2`. Each must end as a rule error naming the component and the
//! limit it hit, and the built-in rules' findings must be exactly those of a
//! run without it.

mod support;

use serde_json::Value;

const BEFORE: &str = "examples/fractalops/before";

fn baseline() -> Vec<String> {
    let (report, code) = support::audit_json(&[BEFORE]);
    assert_eq!(code, 1);
    support::finding_keys(&report)
}

fn rule_errors(report: &Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["kind"], "rule");
            (e["rule"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_rule_that_loops_forever_runs_out_of_fuel() {
    let wasm = support::hostile_rule("hostile-loop");
    let wasm = wasm.to_string_lossy();
    let started = std::time::Instant::now();
    let (report, code) = support::audit_json(&["--rules", &wasm, "--rule-fuel", "200000000", BEFORE]);
    let elapsed = started.elapsed();
    assert_eq!(code, 2, "a rule error exits 2");
    let errors = rule_errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, wasm);
    assert!(
        errors[0].1.contains("ran out of fuel") && errors[0].1.contains("200000000 instructions"),
        "the error names the limit and its value: {}",
        errors[0].1
    );
    assert!(errors[0].1.contains("resources from"), "the error names the batch: {}", errors[0].1);
    assert_eq!(support::finding_keys(&report), baseline(), "every other rule's findings are intact");
    eprintln!("hostile-loop stopped after {elapsed:?}");
}

#[test]
fn a_rule_that_loops_forever_hits_the_wall_clock_backstop() {
    let wasm = support::hostile_rule("hostile-loop");
    let wasm = wasm.to_string_lossy();
    // Fuel high enough not to trip first: the epoch deadline stops it.
    let (report, code) = support::audit_json(&[
        "--rules",
        &wasm,
        "--rule-fuel",
        "18446744073709551615",
        "--rule-timeout",
        "0.5",
        BEFORE,
    ]);
    assert_eq!(code, 2);
    let errors = rule_errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("wall-clock limit of 500ms"), "{}", errors[0].1);
    assert_eq!(support::finding_keys(&report), baseline());
}

#[test]
fn a_rule_that_allocates_without_bound_hits_the_memory_limit() {
    let wasm = support::hostile_rule("hostile-alloc");
    let wasm = wasm.to_string_lossy();
    let (report, code) = support::audit_json(&["--rules", &wasm, "--rule-memory", "64", BEFORE]);
    assert_eq!(code, 2);
    let errors = rule_errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, wasm);
    assert!(errors[0].1.contains("memory limit of 64 MiB"), "the error names the limit: {}", errors[0].1);
    assert_eq!(support::finding_keys(&report), baseline(), "every other rule's findings are intact");
}

#[test]
fn bytes_that_are_not_a_component_are_a_rule_error() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm not really").unwrap();
    let empty = dir.path().join("empty.wasm");
    std::fs::write(&empty, b"").unwrap();
    let rules_dir = dir.path().to_string_lossy().into_owned();
    let (report, code) = support::audit_json(&["--rules", &rules_dir, BEFORE]);
    assert_eq!(code, 2);
    let errors = rule_errors(&report);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].0.ends_with("empty.wasm") && errors[0].1.contains("empty"), "{errors:?}");
    assert!(errors[1].0.ends_with("garbage.wasm") && errors[1].1.contains("not a valid rule component"), "{errors:?}");
    assert_eq!(support::finding_keys(&report), baseline());
}

#[test]
fn a_component_declaring_a_builtin_rule_id_is_refused() {
    let wasm = support::hostile_rule("clashing-id");
    let wasm = wasm.to_string_lossy();
    let (report, code) = support::audit_json(&["--rules", &wasm, BEFORE]);
    assert_eq!(code, 2);
    let errors = rule_errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, wasm);
    assert!(errors[0].1.contains("\"novu-raw-datastore\" is already declared by builtin:novu"), "{}", errors[0].1);
    assert_eq!(support::finding_keys(&report), baseline(), "the impostor's findings are dropped");
}
