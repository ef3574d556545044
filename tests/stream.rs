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

/// `n` files under `dir`, each holding one `kind` (ConfigMap or Secret)
/// named `<prefix>-<i>`, whose check burns `burn` iterations.
fn objects(dir: &Path, kind: &str, prefix: &str, n: usize, burn: u64) {
    for i in 0..n {
        let yaml = format!(
            "apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {prefix}-{i:03}\n  annotations:\n    burn: \"{burn}\"\ndata: {{a: b}}\n"
        );
        std::fs::write(dir.join(format!("{prefix}-{i:03}.yaml")), yaml).unwrap();
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
    // Three ConfigMaps (which the whole-set rule asks for) and two Secrets
    // (which only the per-resource rule does), a file each.
    let dir = tempfile::tempdir().unwrap();
    objects(dir.path(), "ConfigMap", "cm", 3, 0);
    objects(dir.path(), "Secret", "s", 2, 0);
    let scoped = support::hostile_rule("scoped").display().to_string();
    let input = dir.path().display().to_string();
    let args = ["--no-builtin-rules", "--rules", scoped.as_str(), input.as_str()];
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    // Streamed: each Secret alone in a part; the ConfigMaps are kept for the
    // last call, where both rules see them, each exactly once.
    let streamed = messages(&audit(&args, "1", true).0);
    let mut expected = Vec::new();
    for cm in ["cm-000", "cm-001", "cm-002"] {
        expected.push(format!("scoped-part: ConfigMap {cm} in a call of 3"));
        expected.push(format!("scoped-set: ConfigMap {cm} among 3"));
    }
    for s in ["s-000", "s-001"] {
        expected.push(format!("scoped-part: Secret {s} in a call of 1"));
    }
    assert_eq!(streamed, sorted(expected.clone()), "file by file");

    // In one part: one call with both rules and everything.
    let whole = messages(&audit(&args, ONE_PART, true).0);
    let expected: Vec<String> = expected
        .iter()
        .map(|m| m.replace("in a call of 3", "in a call of 5").replace("in a call of 1", "in a call of 5"))
        .collect();
    assert_eq!(whole, sorted(expected), "in one part");
}

#[test]
fn a_component_s_fuel_is_one_budget_for_all_its_calls() {
    // Each Secret costs 4e7 to 6e7 instructions (a loop of 2e6 iterations,
    // measured); the budget is 1e9. Three fit; a hundred do not, even one
    // per call, where a budget per call would let them all pass.
    let scoped = support::hostile_rule("scoped").display().to_string();
    for (n, fits) in [(3, true), (100, false)] {
        let dir = tempfile::tempdir().unwrap();
        objects(dir.path(), "Secret", "s", n, 2_000_000);
        let input = dir.path().display().to_string();
        let args = ["--no-builtin-rules", "--rules", scoped.as_str(), "--rule-fuel", "1000000000", input.as_str()];
        let (report, _) = audit(&args, "1", true);
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        let errors = report["errors"].as_array().unwrap();
        let findings = report["findings"].as_array().unwrap().len();
        if fits {
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(findings, n);
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
fn when_the_pack_runs_out_of_memory_streaming_its_components_report_what_they_do_alone() {
    // File by file, 12 MiB holds a part but not everything whole-set rules
    // keep: the pack's last calls fail, and its components run alone on the
    // whole input again, where some fit and some do not. The report must be
    // the components' own, byte for byte.
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

#[test]
fn a_pipe_is_read_once_even_when_the_pack_gives_way_and_the_input_is_read_again() {
    // A bad option type fails the pack's call, so its components read the
    // input again; a pipe (`<(helm template …)`) cannot be read twice, so
    // it is read once, up front. Same report as from a regular file.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rewheel.toml");
    std::fs::write(&config, "[rules.options.inline-secret]\nallow-keys = \"password\"\n").unwrap();
    let mut yaml =
        std::fs::read_to_string(support::root().join("examples/fractalops/before/platform-novu.yaml")).unwrap();
    yaml.push_str("\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n");
    let file = dir.path().join("input.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let fifo = dir.path().join("input.pipe");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let writer = {
        let (fifo, yaml) = (fifo.clone(), yaml.clone());
        std::thread::spawn(move || std::fs::write(fifo, yaml).unwrap())
    };
    let config = config.display().to_string();
    // Reading a pipe a second time would wait forever for a writer: give up after a minute.
    let mut child = support::rewheel()
        .env("REWHEEL_STREAM_BYTES", "1")
        .args(["audit", "--format", "json", "--config", &config, "--fail-on", "never"])
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("rewheel still runs after a minute: it is waiting to read the pipe again");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let piped = reader.join().unwrap();
    writer.join().unwrap();
    let (regular, _) = audit(&["--config", &config, "--fail-on", "never", &file.display().to_string()], "1", true);
    let keys = |report: &str| {
        let report: serde_json::Value = serde_json::from_str(report).unwrap();
        assert!(report["errors"].as_array().unwrap().iter().any(|e| e["rule"] == "builtin:inline-secret"), "{report}");
        let mut keys: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {} {}", f["rule"], f["resource"]["name"], f["location"]["line"]))
            .collect();
        keys.sort();
        keys
    };
    let (piped, regular) = (keys(&piped), keys(&regular));
    assert!(!regular.is_empty(), "the input has findings");
    assert_eq!(piped, regular);
}
