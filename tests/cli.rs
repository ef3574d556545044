//! The `rewheel` binary end to end: the bundled example, the JSON contract,
//! exit codes, stdin, determinism, and `rules list`.

mod support;

use serde_json::{Value, json};

const BEFORE: &str = "examples/fractalops/before";
const AFTER: &str = "examples/fractalops/after";

#[test]
fn example_before_reports_its_smells_exactly() {
    let (report, code) = support::audit_json(&[BEFORE]);
    assert_eq!(code, 1, "findings at warning fail the run by default");
    let expected: Vec<String> = [
        ("platform-metrics", "grafana-workload Deployment observability/grafana", 3),
        ("platform-novu", "novu-mongo-bootstrap Job novu/novu-mongodb-init", 93),
        ("platform-novu", "novu-raw-datastore Deployment novu/novu-mongodb", 48),
        ("platform-novu", "novu-raw-datastore PersistentVolumeClaim novu/novu-mongodb-data", 19),
        ("platform-novu", "novu-raw-datastore Service novu/novu-mongodb", 33),
        ("platform-novu", "novu-raw-datastore Service novu/novu-valkey", 119),
        ("platform-novu", "novu-raw-datastore StatefulSet novu/novu-valkey", 134),
        ("platform-novu", "novu-root-chown Deployment novu/novu-mongodb", 48),
        ("platform-novu", "novu-root-chown StatefulSet novu/novu-valkey", 134),
        ("platform-otel", "otel-collector-configmap ConfigMap observability/otel-agent-config", 13),
        ("platform-otel", "otel-collector-k8sattributes-rbac ClusterRole -/otel-agent-k8sattributes", 44),
        ("platform-otel", "otel-collector-workload DaemonSet observability/otel-agent", 72),
        ("platform-runtime", "build-plane-service Service sandbox/buildkitd", 31),
        ("platform-runtime", "build-plane-tcp-route IngressRouteTCP sandbox/build-edge", 46),
        ("platform-runtime", "build-plane-workload Deployment sandbox/buildkitd", 3),
        ("platform-runtime", "temporal-bootstrap-script Job temporal/register-runtime-namespace", 62),
    ]
    .iter()
    .map(|(file, finding, line)| format!("{finding} {BEFORE}/{file}.yaml:{line}"))
    .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(support::finding_keys(&report), expected);
    // Each smell once, at the most specific rule: the raw MongoDB, Valkey,
    // collector and Grafana are not also upstream-available findings (4), the
    // two chown init containers not also root-chown (2), the mongosh and tctl
    // Jobs not also bootstrap-script (2), the build edge not also the generic
    // traefik TCP-route finding (1).
    assert_eq!(report["summary"]["superseded"], 9);
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
    assert_eq!(report["summary"]["files"], 5);
}

#[test]
fn json_report_follows_the_contract() {
    let (report, _) = support::audit_json(&[BEFORE]);
    assert_eq!(report["version"], 1);
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["version", "findings", "errors", "skipped", "suppressed", "warnings", "summary"]);

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
            "template": "platform-novu/templates/mongodb.yaml",
            "origin": "wrapper",
            "evidence": "chart platform-novu 0.3.0 is not one upstream publishes: a wrapper",
            "source": null
        })
    );
    let rbac = report["findings"].as_array().unwrap().iter().find(|f| f["resource"]["kind"] == "ClusterRole").unwrap();
    assert_eq!(rbac["resource"]["namespace"], Value::Null, "absent namespace is null");

    let s = &report["summary"];
    assert_eq!(s["files"], 5);
    assert_eq!(s["documents"], 25);
    assert_eq!(s["objects"], 25);
    assert_eq!(s["skipped"], 0);
    assert_eq!(s["errors"], 0);
    assert_eq!(s["components"], 33);
    assert_eq!(s["rules"], support::builtin_rule_count());
    assert_eq!(s["findings"], json!({"total": 16, "info": 0, "warning": 13, "error": 3}));
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
    let warnings_only = "examples/fractalops/before/platform-novu.yaml";
    assert_eq!(support::audit_json(&["--fail-on", "error", warnings_only]).1, 0, "only warnings: below error");
    assert_eq!(support::audit_json(&["--fail-on", "error", BEFORE]).1, 1, "the build plane's findings are errors");
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
    assert_eq!(report["summary"]["findings"]["total"], 16);
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
    let rules = support::builtin_rule_count();
    let summary = format!(
        "16 findings (3 error, 13 warning, 0 info) in 5 files: 25 documents, 25 objects, 0 skipped, 0 errors; {rules} rules from 33 components; 9 superseded by a more specific rule"
    );
    assert!(text.trim_end().ends_with(&summary), "{text}");
    // Grouped by component, then file; no colour when stdout is not a terminal.
    let novu = text.find("\nnovu (").expect("a novu group");
    let file = text[novu..].find("\n  examples/fractalops/before/platform-novu.yaml\n").expect("the file under it");
    assert!(
        text[novu + file..].starts_with("\n  examples/fractalops/before/platform-novu.yaml\n    examples/"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no ANSI codes off a terminal");
    let coloured = String::from_utf8(support::run(&["audit", "--color", "always", BEFORE], None).stdout).unwrap();
    assert!(coloured.contains("\x1b[1m\x1b[33mwarning\x1b[0m[novu-raw-datastore]"), "{coloured}");
}

#[test]
fn rules_list_shows_every_builtin_rule_with_metadata() {
    let out = support::run(&["rules", "list", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut components: Vec<&str> =
        list["rules"].as_array().unwrap().iter().map(|r| r["component"].as_str().unwrap()).collect();
    components.sort();
    components.dedup();
    assert_eq!(
        components,
        vec![
            "argocd",
            "bootstrap-script",
            "build-plane",
            "clickhouse",
            "datahub",
            "daytona",
            "external-secrets",
            "github-runner",
            "grafana",
            "hasura",
            "headlamp",
            "inline-secret",
            "kyverno",
            "longhorn",
            "mimir",
            "nexus",
            "novu",
            "openbao",
            "openfga",
            "otel-collector",
            "penpot",
            "policy-overlap",
            "pomerium",
            "redpanda",
            "root-chown",
            "spire",
            "supabase",
            "temporal",
            "thin-overlay",
            "traefik",
            "upstream-available",
            "velero",
            "windmill",
        ],
        "the 27 component rules and the 6 principle rules"
    );
    let ids: Vec<&str> = list["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "listed sorted by id, each once");
    for principle in
        ["upstream-available", "bootstrap-script", "root-chown", "inline-secret", "thin-overlay", "policy-overlap"]
    {
        assert!(ids.contains(&principle), "principle rule {principle} is listed");
    }
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

#[test]
fn markdown_report_reads_like_the_audit() {
    let (report, _) = support::audit_json(&[BEFORE]);
    let out = support::run(&["audit", "--format", "markdown", BEFORE], None);
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Reinvention audit\n"), "{md}");
    let table = md.find("| Component | Findings |").expect("a summary table");
    let mut components: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["component"].as_str().unwrap()).collect();
    components.sort();
    components.dedup();
    assert!(!components.is_empty());
    for component in &components {
        let heading =
            md.find(&format!(". {component}\n")).unwrap_or_else(|| panic!("no section for {component}:\n{md}"));
        assert!(heading > table, "the summary table comes first");
    }
    for f in report["findings"].as_array().unwrap() {
        let location = format!("`{}:{}`", f["location"]["file"].as_str().unwrap(), f["location"]["line"]);
        assert!(md.contains(&location), "{location} missing from the markdown report");
        assert!(md.contains(&format!("- **Replace with:** {}", f["replace_with"].as_str().unwrap())));
    }
    // Every component of the pack without a finding is listed as clean.
    let clean = md.split("## Clean\n\nNo finding for: ").nth(1).expect("a Clean section");
    let listed: Vec<&str> = clean.trim_end().trim_end_matches('.').split(", ").collect();
    let rules: Value =
        serde_json::from_slice(&support::run(&["rules", "list", "--format", "json"], None).stdout).unwrap();
    let mut all: Vec<&str> =
        rules["rules"].as_array().unwrap().iter().map(|r| r["component"].as_str().unwrap()).collect();
    all.sort();
    all.dedup();
    let expected_clean: Vec<&str> = all.iter().copied().filter(|c| !components.contains(c)).collect();
    assert_eq!(listed, expected_clean);
}

#[test]
fn every_rule_documents_itself_in_the_fixed_shape() {
    let rules: Value =
        serde_json::from_slice(&support::run(&["rules", "list", "--format", "json"], None).stdout).unwrap();
    for rule in rules["rules"].as_array().unwrap() {
        let docs = rule["docs"].as_str().unwrap();
        let mut at = 0;
        for heading in ["## What it detects", "## Why it matters", "## What to use instead", "## Example"] {
            let found =
                docs[at..].find(heading).unwrap_or_else(|| panic!("{}: docs lack {heading:?} (in order)", rule["id"]));
            at += found + heading.len();
        }
        assert!(
            rule["id"].as_str().unwrap().starts_with(rule["component"].as_str().unwrap()),
            "{} is not prefixed by its component",
            rule["id"]
        );
    }
}

#[test]
fn rules_explain_prints_the_docs() {
    let out = support::run(&["rules", "explain", "novu-root-chown"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# novu-root-chown (novu)\n"), "{text}");
    for part in [
        "- Category: unsafe-default",
        "- Scope: whole-set",
        "- Use instead: pod securityContext.fsGroup",
        "## What it detects",
        "## Example",
        "## Sources\n- https://",
    ] {
        assert!(text.contains(part), "missing {part:?}:\n{text}");
    }
    let out = support::run(&["rules", "explain", "novu-chown"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule \"novu-chown\""));
}

#[test]
fn compiled_components_are_cached_and_reused() {
    let cache = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = support::rewheel();
        cmd.env("REWHEEL_CACHE_DIR", cache.path()).args(["audit", "--format", "json"]).args(extra).arg(BEFORE);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        out.stdout
    };
    let artifacts = || -> Vec<std::path::PathBuf> {
        let components = cache.path().join("components");
        let Ok(engines) = std::fs::read_dir(&components) else { return Vec::new() };
        engines.flat_map(|e| std::fs::read_dir(e.unwrap().path()).unwrap()).map(|f| f.unwrap().path()).collect()
    };
    let uncached = run(&["--no-cache"]);
    assert!(artifacts().is_empty(), "--no-cache writes nothing");
    let cold = run(&[]);
    // The built-in components run as one pack (tests/pack.rs): one artifact.
    let stored = artifacts();
    assert_eq!(stored.len(), 1, "one artifact, the built-in pack: {stored:?}");
    assert!(stored.iter().all(|p| p.extension().is_some_and(|e| e == "cwasm")));
    let warm = run(&[]);
    assert_eq!(cold, uncached);
    assert_eq!(warm, uncached, "cached components give the same report");
    // A damaged artifact is recompiled, not trusted.
    std::fs::write(&stored[0], b"garbage").unwrap();
    assert_eq!(run(&[]), uncached);
    assert_ne!(std::fs::read(&stored[0]).unwrap(), b"garbage", "the damaged artifact was replaced");
}

#[test]
fn readme_rules_table_is_current() {
    let readme = std::fs::read_to_string(support::root().join("README.md")).unwrap();
    let start = readme.find("<!-- rules-table:").expect("README has the rules table");
    let body = &readme[readme[start..].find('\n').unwrap() + start + 1..readme.find("<!-- /rules-table -->").unwrap()];
    let out = support::run(&["rules", "list", "--format", "markdown"], None);
    assert_eq!(
        body,
        String::from_utf8(out.stdout).unwrap(),
        "README's rules table is stale: regenerate it with `rewheel rules list --format markdown`"
    );
}

#[test]
fn progress_goes_to_stderr_only_on_a_terminal() {
    // Not a terminal (the test's pipes): stderr stays empty on a clean run.
    let out = support::run(&["audit", "--format", "json", "examples/fractalops/after"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // On a terminal (a pty from util-linux `script`), the run shows progress on stderr.
    let binary = env!("CARGO_BIN_EXE_rewheel");
    let (cache, key) = (support::test_cache(), support::test_cache_key());
    let command = format!(
        "REWHEEL_CACHE_DIR='{}' REWHEEL_CACHE_KEY='{}' '{binary}' audit --format json -j 1 examples/fractalops/after > /dev/null",
        cache.display(),
        key.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(support::root())
        .output()
        .expect("util-linux `script` to run rewheel on a pseudo-terminal");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("auditing [") && shown.contains("files"), "no progress on a terminal: {shown:?}");
}

#[test]
fn catalog_shows_where_the_mined_catalog_comes_from_and_what_an_image_runs() {
    let out = support::run(&["catalog"], None);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    let charts: usize = first.split_whitespace().next().unwrap().parse().unwrap();
    assert!(charts >= 300, "{first}");
    assert!(text.contains("  bitnami/charts "), "a repository line per source: {text}");
    let out = support::run(
        &["catalog", "--format", "json", "registry.corp/prom/statsd-exporter:v0.28.0@sha256:00ff", "acme/shop:1"],
        None,
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let images = report["images"].as_array().unwrap();
    assert_eq!(images[0]["product"], "prometheus-statsd-exporter");
    assert!(images[0]["source"].as_str().unwrap().starts_with("prometheus-community/helm-charts@"), "{report}");
    assert!(images[1]["product"].is_null(), "{report}");
    assert!(report["sources"].as_array().unwrap().iter().all(|s| s[1].as_str().unwrap().len() == 40));
}
