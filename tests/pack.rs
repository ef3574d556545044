//! The built-in pack (rules-pack/) stands in for the built-in components: the
//! same report byte for byte, from one compiled component instead of one per
//! crate; and when the pack cannot run as the components would (a limit, a
//! rule error, per-component limits), the components run one by one.

mod support;

use std::path::{Path, PathBuf};

/// `rewheel audit --format json <args>`, with or without the pack, and with
/// `config` as rewheel.toml: stdout and exit code. With `fresh`, the cache
/// starts empty and the third value is how many components were compiled.
fn audit(args: &[&str], pack: bool, config: Option<&str>, fresh: bool) -> (String, i32, usize) {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let mut cmd = support::rewheel();
    if fresh {
        cmd.env("REWHEEL_CACHE_DIR", &cache);
    }
    cmd.args(["audit", "--format", "json"]);
    if let Some(text) = config {
        let file = dir.path().join("rewheel.toml");
        std::fs::write(&file, text).unwrap();
        cmd.arg("--config").arg(&file);
    }
    if pack {
        cmd.env_remove("REWHEEL_NO_PACK");
    } else {
        cmd.env("REWHEEL_NO_PACK", "1");
    }
    let out = cmd.args(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with('{'), "not a report: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    (stdout, out.status.code().unwrap(), files(&cache).len())
}

/// The same run with the pack and with the components one by one.
fn both(args: &[&str], config: Option<&str>) -> (String, String) {
    (audit(args, true, config, false).0, audit(args, false, config, false).0)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .flat_map(|e| if e.path().is_dir() { files(&e.path()) } else { vec![e.path()] })
        .collect()
}

fn corpus() -> String {
    support::root().join("../shared/corpus").display().to_string()
}

#[test]
fn the_pack_reports_what_the_components_report_from_one_compilation() {
    let corpus = corpus();
    let args = [corpus.as_str(), "tests/fixtures"];
    let (packed, packed_code, compiled) = audit(&args, true, None, true);
    let (one_by_one, code, _) = audit(&args, false, None, false);
    assert_eq!(packed, one_by_one, "the pack's report differs from the components'");
    assert_eq!(packed_code, code);
    assert_eq!(compiled, 1, "only the pack is compiled");
    let report: serde_json::Value = serde_json::from_str(&packed).unwrap();
    assert!(report["summary"]["findings"]["total"].as_u64().unwrap() > 100, "the inputs have findings");
    assert_eq!(report["summary"]["components"].as_u64().unwrap() as usize, support::builtin_component_count());
    // One instance per core, or one for everything: the same report.
    for jobs in ["1", "3"] {
        let (report, _, _) = audit(&["--jobs", jobs, &corpus, "tests/fixtures"], true, None, false);
        assert_eq!(report, packed, "--jobs {jobs}");
    }
}

#[test]
fn selection_and_options_reach_the_rules_in_the_pack() {
    let corpus = corpus();
    let options = "[rules.options.inline-secret]\nallow-keys = [\"RABBITMQ_DEFAULT_PASS\", \"ORDER_QUEUE_PASSWORD\"]\n";
    for (args, config) in
        [(vec!["--select", "redpanda,inline-secret", corpus.as_str()], None), (vec![corpus.as_str()], Some(options))]
    {
        let (packed, one_by_one) = both(&args, config);
        assert_eq!(packed, one_by_one, "{args:?} {config:?}");
    }
    // The option changed what inline-secret reports, through the pack.
    let (plain, _, _) = audit(&[&corpus], true, None, false);
    let (allowed, _, _) = audit(&[&corpus], true, Some(options), false);
    let count = |report: &str| {
        let report: serde_json::Value = serde_json::from_str(report).unwrap();
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "inline-secret").count()
    };
    assert!(count(&allowed) < count(&plain), "allow-keys had no effect: {} vs {}", count(&allowed), count(&plain));
}

#[test]
fn a_failing_pack_falls_back_to_the_components_one_by_one() {
    // Too little memory: the pack fails, so each component runs (and fails)
    // alone, and the errors name the components, as without the pack.
    let args = ["--rule-memory", "1", "tests/fixtures"];
    let (packed, packed_code, compiled) = audit(&args, true, None, true);
    let (one_by_one, code, _) = audit(&args, false, None, false);
    assert_eq!(packed, one_by_one);
    assert_eq!(packed_code, code);
    assert_eq!(compiled, 1 + support::builtin_component_count(), "the pack, then every component");
    let report: serde_json::Value = serde_json::from_str(&packed).unwrap();
    let failed: Vec<&str> = report["errors"].as_array().unwrap().iter().filter_map(|e| e["rule"].as_str()).collect();
    assert!(failed.len() > 1 && failed.iter().all(|c| c.starts_with("builtin:") && *c != "builtin:pack"), "{failed:?}");

    // A rule error (an option of the wrong type) names its rule, not the pack.
    let bad = "[rules.options.inline-secret]\nallow-keys = \"password\"\n";
    let (packed, one_by_one) = both(&["tests/fixtures"], Some(bad));
    assert_eq!(packed, one_by_one);
    assert!(packed.contains("option \\\"allow-keys\\\" of rule \\\"inline-secret\\\""), "{packed}");
}

#[test]
fn limits_for_one_component_run_the_components_one_by_one() {
    // One instance (--jobs 1) stands for every built-in component, datahub's too.
    let config = "[limits.rule.datahub]\nfuel = 50000000000\n";
    let args = ["--jobs", "1", "tests/fixtures"];
    let (packed, _, compiled) = audit(&args, true, Some(config), true);
    let (one_by_one, _, _) = audit(&args, false, Some(config), false);
    assert_eq!(packed, one_by_one);
    assert_eq!(compiled, 1 + support::builtin_component_count(), "the pack was asked, then set aside");
    // Limits for a rule no built-in component carries leave the pack alone.
    let config = "[limits.rule.\"team-scan\"]\ntimeout-secs = 120\n";
    let (packed, _, compiled) = audit(&args, true, Some(config), true);
    let (one_by_one, _, _) = audit(&args, false, Some(config), false);
    assert_eq!(packed, one_by_one);
    assert_eq!(compiled, 1, "only the pack");
}
