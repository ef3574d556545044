//! The `rewheel` binary end to end: the bundled example, the JSON contract,
//! exit codes, stdin, determinism, and `rules list`.

mod support;

use serde_json::{Value, json};

const BEFORE: &str = "examples/fractalops/before";
const AFTER: &str = "examples/fractalops/after";

#[test]
fn example_before_reports_the_novu_and_otel_smells_exactly() {
    let (report, code) = support::audit_json(&[BEFORE]);
    assert_eq!(code, 1, "findings at warning fail the run by default");
    let f = |s: &str| s.to_string();
    assert_eq!(
        support::finding_keys(&report),
        vec![
            f("novu-mongo-bootstrap Job novu/novu-mongodb-init examples/fractalops/before/platform-novu.yaml:93"),
            f("novu-raw-datastore Deployment novu/novu-mongodb examples/fractalops/before/platform-novu.yaml:48"),
            f(
                "novu-raw-datastore PersistentVolumeClaim novu/novu-mongodb-data examples/fractalops/before/platform-novu.yaml:19"
            ),
            f("novu-raw-datastore Service novu/novu-mongodb examples/fractalops/before/platform-novu.yaml:33"),
            f("novu-raw-datastore Service novu/novu-valkey examples/fractalops/before/platform-novu.yaml:119"),
            f("novu-raw-datastore StatefulSet novu/novu-valkey examples/fractalops/before/platform-novu.yaml:134"),
            f("novu-root-chown Deployment novu/novu-mongodb examples/fractalops/before/platform-novu.yaml:48"),
            f("novu-root-chown StatefulSet novu/novu-valkey examples/fractalops/before/platform-novu.yaml:134"),
            f(
                "otel-collector-configmap ConfigMap observability/otel-agent-config examples/fractalops/before/platform-otel.yaml:13"
            ),
            f(
                "otel-collector-k8sattributes-rbac ClusterRole -/otel-agent-k8sattributes examples/fractalops/before/platform-otel.yaml:44"
            ),
            f(
                "otel-collector-workload DaemonSet observability/otel-agent examples/fractalops/before/platform-otel.yaml:72"
            ),
            f("upstream-available Deployment observability/grafana examples/fractalops/before/platform-metrics.yaml:3"),
        ]
    );
    // The raw MongoDB, Valkey and collector are novu/otel findings, not also upstream-available ones.
    assert_eq!(report["summary"]["superseded"], 3);
    // Nothing rendered by an upstream subchart is reported (Traefik in platform-edge).
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["location"]["file"].as_str().unwrap().ends_with("platform-edge.yaml"))
    );
}

#[test]
fn example_after_is_clean() {
    let (report, code) = support::audit_json(&[AFTER]);
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["errors"], json!([]));
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["files"], 4);
}

#[test]
fn json_report_follows_the_contract() {
    let (report, _) = support::audit_json(&[BEFORE]);
    assert_eq!(report["version"], 1);
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["version", "findings", "errors", "skipped", "summary"]);

    let chown = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "novu-root-chown" && f["resource"]["kind"] == "Deployment")
        .expect("chown finding");
    assert_eq!(chown["component"], "novu");
    assert_eq!(chown["category"], "unsafe-default");
    assert_eq!(chown["severity"], "warning");
    assert_eq!(chown["path"], "spec.template.spec.initContainers[0].command");
    assert!(chown["replace_with"].as_str().unwrap().contains("fsGroup"));
    assert!(chown["sources"].as_array().unwrap().iter().all(|s| s.as_str().unwrap().starts_with("https://")));
    assert_eq!(
        chown["resource"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "novu", "name": "novu-mongodb"})
    );
    assert_eq!(
        chown["location"],
        json!({
            "file": "examples/fractalops/before/platform-novu.yaml",
            "line": 48,
            "document": 3,
            "template": "platform-novu/templates/mongodb.yaml"
        })
    );
    let rbac = report["findings"].as_array().unwrap().iter().find(|f| f["resource"]["kind"] == "ClusterRole").unwrap();
    assert_eq!(rbac["resource"]["namespace"], Value::Null, "absent namespace is null");

    let s = &report["summary"];
    assert_eq!(s["files"], 4);
    assert_eq!(s["documents"], 21);
    assert_eq!(s["objects"], 21);
    assert_eq!(s["skipped"], 0);
    assert_eq!(s["errors"], 0);
    assert_eq!(s["components"], 3);
    assert_eq!(s["rules"], 7);
    assert_eq!(s["findings"], json!({"total": 12, "info": 0, "warning": 12, "error": 0}));
}

#[test]
fn findings_are_sorted_by_file_document_rule() {
    let (report, _) = support::audit_json(&[BEFORE]);
    let order: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["document"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn output_is_byte_identical_across_runs_jobs_and_path_order() {
    let a = support::run(&["audit", "--format", "json", BEFORE, AFTER], None);
    let b = support::run(&["audit", "--format", "json", "--jobs", "1", AFTER, BEFORE], None);
    let c = support::run(&["audit", "--format", "json", "-j", "3", BEFORE, AFTER], None);
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout, c.stdout);
    let t1 = support::run(&["audit", BEFORE], None);
    let t2 = support::run(&["audit", BEFORE], None);
    assert_eq!(t1.stdout, t2.stdout);
}

#[test]
fn reads_stdin_as_dash() {
    let yaml = std::fs::read_to_string(support::root().join(BEFORE).join("platform-otel.yaml")).unwrap();
    let (report, code) = support::audit_json_stdin(&["-"], Some(&yaml));
    assert_eq!(code, 1);
    let files: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["location"]["file"].as_str().unwrap()).collect();
    assert_eq!(files, vec!["-", "-", "-"]);
}

#[test]
fn fail_on_sets_the_threshold() {
    assert_eq!(support::audit_json(&["--fail-on", "error", BEFORE]).1, 0, "only warnings: below error");
    assert_eq!(support::audit_json(&["--fail-on", "never", BEFORE]).1, 0);
    assert_eq!(support::audit_json(&["--fail-on", "info", BEFORE]).1, 1);
    assert_eq!(support::audit_json(&["--fail-on", "warning", BEFORE]).1, 1);
}

#[test]
fn missing_path_is_an_input_error_and_the_rest_still_runs() {
    let (report, code) = support::audit_json(&["does/not/exist.yaml", BEFORE]);
    assert_eq!(code, 2, "an input error exits 2 even with findings");
    assert_eq!(
        report["errors"],
        json!([{"kind": "input", "file": "does/not/exist.yaml", "line": null, "rule": null, "message": "no such file or directory"}])
    );
    assert_eq!(report["summary"]["findings"]["total"], 12);
}

#[test]
fn usage_errors_exit_2() {
    let out = support::run(&["audit"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PATH"));
    let out = support::run(&["audit", "--format", "yaml", BEFORE], None);
    assert_eq!(out.status.code(), Some(2));
    let out = support::run(&["audit", "--no-builtin-rules", BEFORE], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rules to run"));
}

#[test]
fn text_report_points_at_file_and_line() {
    let out = support::run(&["audit", BEFORE], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("examples/fractalops/before/platform-novu.yaml:134: warning[novu-raw-datastore] StatefulSet novu/novu-valkey runs Valkey"),
        "{text}"
    );
    assert!(text.contains("template: platform-novu/templates/valkey.yaml"));
    assert!(text.trim_end().ends_with("12 findings (0 error, 12 warning, 0 info) in 4 files: 21 documents, 21 objects, 0 skipped, 0 errors; 7 rules from 3 components"), "{text}");
}

#[test]
fn rules_list_shows_every_builtin_rule_with_metadata() {
    let out = support::run(&["rules", "list", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            "novu-mongo-bootstrap",
            "novu-raw-datastore",
            "novu-root-chown",
            "otel-collector-configmap",
            "otel-collector-k8sattributes-rbac",
            "otel-collector-workload",
            "upstream-available"
        ]
    );
    for rule in list["rules"].as_array().unwrap() {
        for key in ["component", "category", "severity", "summary", "replace_with"] {
            assert!(!rule[key].as_str().unwrap().is_empty(), "{} has no {key}", rule["id"]);
        }
        assert!(!rule["sources"].as_array().unwrap().is_empty(), "{} has no sources", rule["id"]);
    }
    let text = String::from_utf8(support::run(&["rules", "list"], None).stdout).unwrap();
    assert!(text.lines().next().unwrap().starts_with("ID"));
    assert!(text.contains("novu-raw-datastore"));
}
