//! Streaming (docs/CONTRACT.md, *scope*): the host reads, parses and checks
//! the input a part at a time. `REWHEEL_STREAM_BYTES` sets the part size; 1
//! makes every file a part of its own. Per-resource rules get each part,
//! whole-set rules everything at once; the report does not change, and a
//! component's fuel is one budget for all its calls.

mod support;

use std::path::Path;

/// A part size no test input reaches: the whole run is one part.
const ONE_PART: &str = "1099511627776";

/// `rewheel audit --format json <args>` with parts of `stream_bytes`, with or
/// without the pack: stdout and exit code.
fn audit(args: &[&str], stream_bytes: &str, pack: bool) -> (String, i32) {
    let mut cmd = support::rewheel();
    cmd.env("REWHEEL_STREAM_BYTES", stream_bytes).args(["audit", "--format", "json"]).args(args);
    if pack {
        cmd.env_remove("REWHEEL_NO_PACK");
    } else {
        cmd.env("REWHEEL_NO_PACK", "1");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with('{'), "not a report: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    (stdout, out.status.code().unwrap())
}

/// `n` files under `dir`, each holding one ConfigMap `cm-<i>` whose check burns `burn` iterations.
fn config_maps(dir: &Path, n: usize, burn: u64) {
    for i in 0..n {
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:03}\n  annotations:\n    burn: \"{burn}\"\ndata: {{a: b}}\n"
        );
        std::fs::write(dir.join(format!("cm-{i:03}.yaml")), yaml).unwrap();
    }
}

fn messages(report: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(report).unwrap();
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {}", f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn file_by_file_the_built_in_rules_report_the_same_byte_for_byte() {
    let corpus = support::root().join("../shared/corpus").display().to_string();
    let args = [corpus.as_str(), "tests/fixtures", "examples"];
    let (whole, code) = audit(&args, ONE_PART, true);
    let report: serde_json::Value = serde_json::from_str(&whole).unwrap();
    assert!(report["summary"]["findings"]["total"].as_u64().unwrap() > 100, "the inputs have findings");
    assert!(report["summary"]["files"].as_u64().unwrap() > 50, "the inputs are many files");
    for (jobs, pack) in [("2", true), ("1", true), ("3", true), ("2", false)] {
        let mut streamed_args = vec!["--jobs", jobs];
        streamed_args.extend(args);
        let (streamed, streamed_code) = audit(&streamed_args, "1", pack);
        assert_eq!(streamed, whole, "file by file, --jobs {jobs}, pack {pack}: the report differs from one part's");
        assert_eq!(streamed_code, code);
    }
}

#[test]
fn per_resource_rules_get_each_part_and_whole_set_rules_everything() {
    let dir = tempfile::tempdir().unwrap();
    config_maps(dir.path(), 3, 0);
    let scoped = support::hostile_rule("scoped").display().to_string();
    let input = dir.path().display().to_string();
    let args = ["--no-builtin-rules", "--rules", scoped.as_str(), input.as_str()];
    let cms = ["cm-000", "cm-001", "cm-002"];

    let streamed = messages(&audit(&args, "1", true).0);
    let mut expected: Vec<String> = cms
        .iter()
        .flat_map(|cm| [format!("scoped-part: {cm} in a call of 1"), format!("scoped-set: {cm} among 3")])
        .collect();
    expected.sort();
    assert_eq!(streamed, expected, "file by file");

    let whole = messages(&audit(&args, ONE_PART, true).0);
    let mut expected: Vec<String> = cms
        .iter()
        .flat_map(|cm| [format!("scoped-part: {cm} in a call of 3"), format!("scoped-set: {cm} among 3")])
        .collect();
    expected.sort();
    assert_eq!(whole, expected, "in one part");
}

#[test]
fn a_component_s_fuel_is_one_budget_for_all_its_calls() {
    // Each ConfigMap costs 4e7 to 6e7 instructions (a loop of 2e6
    // iterations, measured); the budget is 1e9. Three fit; a hundred do not,
    // even one per call, where a budget per call would let them all pass.
    let scoped = support::hostile_rule("scoped").display().to_string();
    for (n, fits) in [(3, true), (100, false)] {
        let dir = tempfile::tempdir().unwrap();
        config_maps(dir.path(), n, 2_000_000);
        let input = dir.path().display().to_string();
        let args = ["--no-builtin-rules", "--rules", scoped.as_str(), "--rule-fuel", "1000000000", input.as_str()];
        let (report, _) = audit(&args, "1", true);
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        let errors = report["errors"].as_array().unwrap();
        let findings = report["findings"].as_array().unwrap().len();
        if fits {
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(findings, 2 * n);
        } else {
            assert_eq!(errors.len(), 1, "{errors:?}");
            let message = errors[0]["message"].as_str().unwrap();
            assert!(message.contains("ran out of fuel"), "{message}");
            assert!(
                message.contains("check(1 resources from 1 file(s))"),
                "the call that ran out is one part: {message}"
            );
            assert_eq!(findings, 0, "a component over its budget keeps no finding");
        }
    }
}

#[test]
fn when_whole_set_calls_run_out_of_memory_the_pack_reports_what_the_components_do() {
    // File by file, 12 MiB holds a part but not the whole set: the pack's
    // whole-set calls fail, its per-resource findings stand and each
    // component's whole-set rules run alone, where some fit and some do not.
    // The report must be the components' own, byte for byte.
    let corpus = support::root().join("../shared/corpus").display().to_string();
    let args = ["--rule-memory", "12", corpus.as_str(), "tests/fixtures", "examples"];
    let (packed, code) = audit(&args, "1", true);
    let (one_by_one, one_by_one_code) = audit(&args, "1", false);
    assert_eq!(packed, one_by_one, "the pack's report differs from the components'");
    assert_eq!(code, one_by_one_code);
    let report: serde_json::Value = serde_json::from_str(&packed).unwrap();
    let failed: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["message"].as_str().unwrap().contains("exceeded the memory limit of 12 MiB"))
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert!(!failed.is_empty(), "some whole-set batch needs more than 12 MiB");
    assert!(failed.len() < support::builtin_component_count() / 2, "most components still run: {failed:?}");
    assert!(report["summary"]["findings"]["total"].as_u64().unwrap() > 100, "their findings are kept");
}
