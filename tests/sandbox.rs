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
    let (report, code, peak_kib) = support::audit_measured(&["--rules", &wasm, "--rule-fuel", "200000000", BEFORE]);
    assert!(peak_kib < 1024 * 1024, "peak RSS {} MiB", peak_kib / 1024);
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
    let (report, code, peak_kib) = support::audit_measured(&["--rules", &wasm, "--rule-memory", "64", BEFORE]);
    assert!(peak_kib < 512 * 1024, "peak RSS {} MiB with a 64 MiB rule limit", peak_kib / 1024);
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

/// Run the built-in pack plus `wasm` on the example; the hostile component must
/// end as exactly one rule error containing `expect`, in bounded memory, with
/// every built-in finding unchanged.
fn hostile(name: &str, extra: &[&str], expect: &str) -> String {
    let wasm = support::hostile_rule(name);
    let wasm = wasm.to_string_lossy().into_owned();
    let mut args = vec!["--rules", wasm.as_str()];
    args.extend_from_slice(extra);
    args.push(BEFORE);
    let (report, code, peak_kib) = support::audit_measured(&args);
    assert_eq!(code, 2, "{name}: a rule error exits 2");
    let errors = rule_errors(&report);
    assert_eq!(errors.len(), 1, "{name}: {errors:?}");
    assert_eq!(errors[0].0, wasm);
    assert!(errors[0].1.contains(expect), "{name}: {}", errors[0].1);
    assert_eq!(support::finding_keys(&report), baseline(), "{name}: the other rules' findings are intact");
    assert!(peak_kib < 1024 * 1024, "{name}: peak RSS {} MiB", peak_kib / 1024);
    eprintln!("{name}: peak RSS {} MiB", peak_kib / 1024);
    errors[0].1.clone()
}

#[test]
fn a_rule_that_overflows_its_stack_is_stopped() {
    hostile("hostile-stack", &[], "trapped");
}

#[test]
fn a_rule_that_panics_loses_its_partial_output() {
    hostile("hostile-panic", &[], "the rule panicked");
}

#[test]
fn a_rule_returning_a_million_findings_hits_the_output_cap() {
    hostile("hostile-flood", &[], "returned 1000000 findings, over the limit of 100000");
    hostile("hostile-flood", &["--rule-max-findings", "10"], "over the limit of 10 (--rule-max-findings");
}

#[test]
fn a_rule_returning_a_100_mb_message_hits_the_size_cap() {
    hostile("hostile-huge-message", &[], "message is 104857600 bytes, over the limit of 65536 bytes");
}

#[test]
fn a_rule_built_against_a_newer_contract_is_refused_by_name() {
    hostile("newer-contract", &[], "targets rewheel:rule@0.6.0, but this rewheel runs rewheel:rule@0.5.x components");
}

#[test]
fn a_rule_built_against_a_later_patch_of_the_contract_runs() {
    let wasm = support::hostile_rule("patch-contract").display().to_string();
    let (report, code) = support::audit_json(&["--no-builtin-rules", "--rules", &wasm, BEFORE]);
    assert_eq!(code, 0, "{}", report["errors"]);
    let names: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["ConfigMap otel-agent-config"]);
    let out = support::run(&["rules", "inspect", &wasm], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("contract:  rewheel:rule@0.5.9 (runs on this rewheel: rewheel:rule@0.5.0)"), "{text}");
    // A newer minor is refused by inspect too, naming both versions.
    let newer = support::hostile_rule("newer-contract").display().to_string();
    let out = support::run(&["rules", "inspect", &newer], None);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("contract:  rewheel:rule@0.6.0 — NOT runnable here: targets rewheel:rule@0.6.0, but this rewheel runs rewheel:rule@0.5.x components"), "{text}");
}

#[test]
fn a_component_of_another_world_is_refused_by_name() {
    hostile(
        "other-world",
        &[],
        "does not implement the rewheel:rule@0.5.0 world `rule`: no `rules` export (exports: run)",
    );
}

#[test]
fn a_rule_sees_nothing_ambient_and_the_same_clock_and_randomness_every_run() {
    let wasm = support::hostile_rule("hostile-ambient");
    let wasm = wasm.to_string_lossy().into_owned();
    let observe = || {
        let (report, code) = support::audit_json(&["--no-builtin-rules", "--rules", &wasm, BEFORE]);
        assert_eq!(code, 1);
        let mut seen: Vec<String> =
            report["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect();
        seen.sort();
        seen
    };
    let first = observe();
    let random = first.iter().find(|m| m.starts_with("random: ")).expect("a random observation").clone();
    assert_eq!(
        first,
        vec![
            "args: 0".to_string(),
            "clock: 946684800".into(),
            "dir: denied (entity not found)".into(),
            "env: 0 variables, HOME=None".into(),
            "file: denied (entity not found)".into(),
            random,
            "tcp: denied (permission denied)".into(),
        ],
        "no files, no directories, no environment, no arguments, no network; the clock reads 2000-01-01"
    );
    assert_eq!(observe(), first, "randomness and time are the same in every run");
}

#[test]
fn bytes_that_are_not_components_are_named_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core-module.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let real = std::fs::read(support::hostile_rule("hostile-panic")).unwrap();
    let truncated = dir.path().join("truncated.wasm");
    std::fs::write(&truncated, &real[..real.len() / 2]).unwrap();
    let text = dir.path().join("text.wasm");
    std::fs::write(&text, b"apiVersion: v1\n").unwrap();
    let (report, code) = support::audit_json(&["--rules", &dir.path().to_string_lossy(), BEFORE]);
    assert_eq!(code, 2);
    let errors = rule_errors(&report);
    let message =
        |suffix: &str| errors.iter().find(|(r, _)| r.ends_with(suffix)).map(|(_, m)| m.as_str()).unwrap_or_default();
    assert!(message("core-module.wasm").contains("is a core WebAssembly module, not a component"), "{errors:?}");
    assert!(message("truncated.wasm").contains("not a valid rule component"), "{errors:?}");
    assert!(message("text.wasm").contains("is not WebAssembly"), "{errors:?}");
    assert_eq!(errors.len(), 3);
    assert_eq!(support::finding_keys(&report), baseline());
}

#[test]
fn a_quadratic_rule_runs_out_of_fuel_deterministically() {
    let first = hostile("hostile-quadratic", &["--rule-fuel", "300000000"], "ran out of fuel");
    let again = hostile("hostile-quadratic", &["--rule-fuel", "300000000"], "ran out of fuel");
    assert_eq!(first, again, "the same input stops at the same limit with the same message");
}

#[test]
fn limits_come_from_rewheel_toml_per_run_and_per_rule() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rewheel.toml");
    // Every component gets almost no fuel, except the ones named below; the
    // looping rule gets its own, smaller budget by rule id.
    std::fs::write(&config, "[limits]\nfuel = 1000\n\n[limits.rule.hostile-loop]\nfuel = 150000000\n").unwrap();
    let wasm = support::hostile_rule("hostile-loop");
    let wasm = wasm.to_string_lossy().into_owned();
    let config = config.to_string_lossy().into_owned();

    // [limits] applies to the built-in pack: 1000 instructions is not enough for any of them.
    let (report, code) = support::audit_json(&["--config", &config, "--rules", &wasm, BEFORE]);
    assert_eq!(code, 2);
    let errors = rule_errors(&report);
    // Every component that had resources to check ran out (inline-secret sees no Secret here).
    assert!(errors.len() > support::builtin_component_count() / 2, "{errors:?}");
    let looping = errors.iter().find(|(r, _)| *r == wasm).unwrap();
    assert!(looping.1.contains("exceeded the CPU limit of 150000000 instructions"), "per-rule override: {}", looping.1);
    assert!(errors.iter().filter(|(r, _)| *r != wasm).all(|(_, m)| m.contains("of 1000 instructions")), "{errors:?}");

    // A command-line limit replaces [limits]; the per-rule entry still wins for its rule.
    let (report, _) =
        support::audit_json(&["--config", &config, "--rule-fuel", "20000000000", "--rules", &wasm, BEFORE]);
    let errors = rule_errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("of 150000000 instructions"), "{}", errors[0].1);
    assert_eq!(support::finding_keys(&report), baseline());
}

#[test]
fn a_bad_rewheel_toml_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rewheel.toml");
    std::fs::write(&config, "[limits]\nfuel = 10\nmemory-mb = 64\n").unwrap();
    let out = support::run(&["audit", "--config", &config.to_string_lossy(), BEFORE], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{}:3: unknown field `memory-mb`", config.display())), "{stderr}");
}
