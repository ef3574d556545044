//! The WIT contract is not Rust-only: the same two rules, written once in Rust
//! with rules-sdk (tests/rules/twin-rust) and once in Python straight against
//! wit/rule.wit with componentize-py (tests/rules-py/twin), must give the host
//! the same metadata, the same findings (with and without options from
//! rewheel.toml) and the same rule error for a bad option value.
//!
//! The Python component is built by support::python_rule (a venv under
//! <target>, componentize-py from PyPI, pinned).

mod support;

use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

const FIXTURES: &str = "tests/fixtures-twin";

/// The Rust and the Python component, as `--rules` arguments. The first call
/// also compiles both into the test cache once (`rules list`), so the tests
/// running in parallel do not each compile the ~18 MB Python component.
fn twins() -> [String; 2] {
    static TWINS: OnceLock<[String; 2]> = OnceLock::new();
    TWINS
        .get_or_init(|| {
            let rust = support::hostile_rule("twin-rust").display().to_string();
            let python = support::python_rule("twin").display().to_string();
            for wasm in [&rust, &python] {
                let started = Instant::now();
                let out = support::run(&["rules", "list", "--no-builtin-rules", "--rules", wasm], None);
                assert!(out.status.success(), "rules list {wasm}: {}", String::from_utf8_lossy(&out.stderr));
                eprintln!(
                    "{wasm}: {} bytes, loaded in {:?}",
                    std::fs::metadata(wasm).unwrap().len(),
                    started.elapsed()
                );
            }
            [rust, python]
        })
        .clone()
}

/// `rewheel audit --no-builtin-rules --rules <wasm> --format json --config <toml> tests/fixtures-twin`.
fn audit(wasm: &str, config: Option<&str>) -> (Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    // An empty configuration when none is given: never a rewheel.toml found above the repo.
    let file = dir.path().join("rewheel.toml");
    std::fs::write(&file, config.unwrap_or("")).unwrap();
    let args = ["--no-builtin-rules", "--rules", wasm, "--config", file.to_str().unwrap(), FIXTURES];
    let started = Instant::now();
    let result = support::audit_json(&args);
    eprintln!("audit with {wasm}: {:?}", started.elapsed());
    result
}

/// Audit with both twins; assert no errors, identical reports, and return the
/// findings as `rule severity file:line path | message`, in report order.
fn audit_twins(config: Option<&str>) -> Vec<String> {
    let [rust, python] = twins();
    let (rust_report, rust_code) = audit(&rust, config);
    let (python_report, python_code) = audit(&python, config);
    assert_eq!(rust_report["errors"], serde_json::json!([]), "Rust twin errors");
    assert_eq!(python_report["errors"], serde_json::json!([]), "Python twin errors");
    assert_eq!(rust_report["findings"], python_report["findings"], "the findings differ");
    assert!(rust_report == python_report, "the reports differ:\nRust: {rust_report:#}\nPython: {python_report:#}");
    assert_eq!((rust_code, python_code), (1, 1), "error findings exit 1");
    summary(&python_report)
}

fn summary(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{} {} | {}",
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["location"]["file"].as_str().unwrap(),
                f["location"]["line"],
                f["path"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Derived by hand from tests/fixtures-twin (no options set). Not flagged:
/// `api` (not mongo, limits), the subchart's `app-mongodb` for twin-raw-mongo
/// (chart mongodb), the Service, Job and DaemonSet (kinds not asked for),
/// `app-mongo`'s exporter (not mongo, limits) and the second mongo container of
/// `app-mongo-tagged` for twin-raw-mongo (first match only).
const EXPECTED: &[&str] = &[
    "twin-no-limits info tests/fixtures-twin/plain.yaml:4 spec.template.spec.containers[0].resources | StatefulSet -/legacy-mongo container db has no resource limits",
    "twin-raw-mongo error tests/fixtures-twin/plain.yaml:4 spec.template.spec.containers[0].image | StatefulSet -/legacy-mongo runs mongo",
    "twin-raw-mongo warning tests/fixtures-twin/plain.yaml:18 spec.template.spec.containers[0].image | Deployment ops/allowed-mongo runs mongo:6",
    "twin-no-limits info tests/fixtures-twin/plain.yaml:33 spec.template.spec.containers[0].resources | Deployment ops/worker container worker has no resource limits",
    "twin-raw-mongo error tests/fixtures-twin/wrapper.yaml:7 spec.template.spec.containers[1].image | Deployment data/app-mongo runs registry.local:5000/library/Mongo",
    "twin-no-limits info tests/fixtures-twin/wrapper.yaml:28 spec.template.spec.containers[1].resources | Deployment data/app-mongo-tagged container mongo-backup has no resource limits",
    "twin-raw-mongo warning tests/fixtures-twin/wrapper.yaml:28 spec.template.spec.containers[0].image | Deployment data/app-mongo-tagged runs mongo:7.0.12",
    "twin-no-limits info tests/fixtures-twin/wrapper.yaml:46 spec.template.spec.containers[0].resources | StatefulSet data/app-mongodb container mongodb has no resource limits",
];

#[test]
fn both_twins_report_the_hand_derived_findings() {
    let findings = audit_twins(None);
    assert_eq!(findings, EXPECTED, "{findings:#?}");
}

#[test]
fn both_twins_honour_allow_names() {
    let findings = audit_twins(Some(
        "[rules.options.twin-raw-mongo]\nallow-names = [\"allowed-mongo\", \"legacy-mongo\", \"no-such-object\"]\n",
    ));
    let expected: Vec<&str> = EXPECTED
        .iter()
        .copied()
        .filter(|f| {
            !(f.starts_with("twin-raw-mongo") && (f.contains("/allowed-mongo ") || f.contains("/legacy-mongo ")))
        })
        .collect();
    assert_eq!(expected.len(), EXPECTED.len() - 2);
    assert_eq!(findings, expected, "{findings:#?}");
}

#[test]
fn a_bad_option_type_is_a_rule_error_in_both() {
    let [rust, python] = twins();
    let config = "[rules.options.twin-raw-mongo]\nallow-names = \"allowed-mongo\"\n";
    let (mut rust_report, rust_code) = audit(&rust, Some(config));
    let (mut python_report, python_code) = audit(&python, Some(config));
    assert_eq!((rust_code, python_code), (2, 2), "a rule error exits 2");
    for (report, wasm) in [(&mut rust_report, &rust), (&mut python_report, &python)] {
        let errors = report["errors"].as_array_mut().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0]["kind"], "rule");
        assert_eq!(errors[0]["rule"], wasm.as_str(), "the error names the component");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(
            message.ends_with(
                "returned an error: option \"allow-names\" of rule \"twin-raw-mongo\" must be a list of strings, not \"allowed-mongo\""
            ),
            "{message}"
        );
        errors[0]["rule"] = Value::Null; // the only difference between the twins
        assert_eq!(report["findings"], serde_json::json!([]), "the component's findings are discarded");
    }
    assert!(rust_report == python_report, "the reports differ:\nRust: {rust_report:#}\nPython: {python_report:#}");
}

/// `rewheel rules <args> --no-builtin-rules --rules <wasm>`: stdout.
fn rules_command(args: &[&str], wasm: &str) -> String {
    let mut full = vec!["rules"];
    full.extend_from_slice(args);
    full.extend(["--no-builtin-rules", "--rules", wasm]);
    let out = support::run(&full, None);
    assert!(out.status.success(), "rewheel {full:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn both_twins_declare_the_same_metadata() {
    let [rust, python] = twins();
    let list = |wasm: &str| {
        let mut list: Value = serde_json::from_str(&rules_command(&["list", "--format", "json"], wasm)).unwrap();
        assert_eq!(list["errors"], serde_json::json!([]));
        for rule in list["rules"].as_array_mut().unwrap() {
            assert_eq!(rule["source"], wasm);
            rule.as_object_mut().unwrap().remove("source");
        }
        list
    };
    let rust_list = list(&rust);
    assert_eq!(rust_list, list(&python));
    let ids: Vec<&str> = rust_list["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["twin-no-limits", "twin-raw-mongo"]);

    // `rules explain` also shows each rule's options, which the JSON list omits.
    for id in ids {
        let rust_text = rules_command(&["explain", id], &rust);
        assert_eq!(rust_text, rules_command(&["explain", id], &python), "rules explain {id}");
        for heading in ["## What it detects", "## Why it matters", "## What to use instead", "## Example"] {
            assert!(rust_text.contains(heading), "{id}: {heading}");
        }
    }
    let explain = rules_command(&["explain", "twin-raw-mongo"], &python);
    assert!(
        explain.contains("- `allow-names`: list of strings: object names never flagged (default: none)"),
        "{explain}"
    );
}
