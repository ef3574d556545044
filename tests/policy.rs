//! What a team configures for CI: rewheel.toml (rule selection, severity
//! overrides, per-rule options, exemptions with expiry), inline
//! `rewheel.io/ignore` annotations, baselines and `rewheel config show` — each
//! against the built binary and the built-in rule pack.

mod support;

use std::path::Path;

use serde_json::Value;

const BEFORE: &str = "examples/fractalops/before";

/// `(rule, kind, name)` of each entry of `list` (findings or suppressed).
fn keys(list: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"]["kind"].as_str().unwrap().to_string(),
                f["resource"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn key(rule: &str, kind: &str, name: &str) -> (String, String, String) {
    (rule.into(), kind.into(), name.into())
}

/// `(kind, file, line, message)` of each warning.
fn warnings(report: &Value) -> Vec<(String, Option<String>, Option<u64>, String)> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["kind"].as_str().unwrap().to_string(),
                w["file"].as_str().map(String::from),
                w["line"].as_u64(),
                w["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn audit_with_config(config: &str, args: &[&str]) -> (Value, i32, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "rewheel.toml", config);
    let mut full = vec!["--config", file.as_str()];
    full.extend_from_slice(args);
    let (report, code) = support::audit_json(&full);
    (report, code, dir)
}

#[test]
fn select_and_ignore_by_rule_component_and_category() {
    let (report, code, _d) = audit_with_config(
        "[rules]\nselect = [\"novu\", \"retired-plane\"]\nignore = [\"novu-root-chown\"]\n",
        &[BEFORE],
    );
    assert_eq!(code, 1);
    let rules: std::collections::BTreeSet<String> = keys(&report["findings"]).into_iter().map(|k| k.0).collect();
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    assert_eq!(
        rules,
        vec![
            "build-plane-service",
            "build-plane-tcp-route",
            "build-plane-workload",
            "novu-mongo-bootstrap",
            "novu-raw-datastore"
        ]
    );
    assert!(report["warnings"].as_array().unwrap().is_empty(), "{}", report["warnings"]);
    // Only the selected rules are counted as run.
    let selected = support::run(&["rules", "list", "--format", "json"], None);
    let all: Value = serde_json::from_slice(&selected.stdout).unwrap();
    let expected = all["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| (r["component"] == "novu" || r["category"] == "retired-plane") && r["id"] != "novu-root-chown")
        .count();
    assert_eq!(report["summary"]["rules"], expected);

    // --select replaces the file's list; a name that matches nothing is a warning with its line.
    let (report, _, _d) = audit_with_config(
        "[rules]\nselect = [\"novu\"]\nignore = [\"novuu\"]\n",
        &["--select", "temporal-bootstrap-script", BEFORE],
    );
    assert_eq!(keys(&report["findings"]), vec![key("temporal-bootstrap-script", "Job", "register-runtime-namespace")]);
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "unknown-rule");
    assert_eq!(w[0].2, Some(3));
    assert!(w[0].3.contains("\"novuu\" matches no loaded rule"), "{}", w[0].3);
}

#[test]
fn ignoring_the_specific_rule_lets_the_broader_one_report() {
    // Deselected rules do not run: the principle they refine reports instead.
    let (report, _, _d) =
        audit_with_config("[rules]\nignore = [\"novu\"]\n", &[&format!("{BEFORE}/platform-novu.yaml")]);
    let rules: Vec<String> = keys(&report["findings"]).into_iter().map(|k| k.0).collect();
    assert!(rules.iter().all(|r| !r.starts_with("novu-")), "{rules:?}");
    assert!(rules.contains(&"upstream-available".to_string()), "{rules:?}");
}

#[test]
fn severity_overrides_change_findings_and_the_exit_code() {
    let (report, code, _d) = audit_with_config(
        "[severity]\nretired-plane = \"info\"\nnovu = \"info\"\notel-collector = \"info\"\ngrafana-workload = \"info\"\ntemporal = \"info\"\n",
        &["--fail-on", "warning", BEFORE],
    );
    assert_eq!(code, 0, "everything is info now");
    assert_eq!(report["summary"]["findings"]["info"], 16);
    let (report, code, _d) =
        audit_with_config("[severity]\nbuild-plane-workload = \"warning\"\n", &["--fail-on", "error", BEFORE]);
    assert_eq!(code, 1);
    let sev = |rule: &str| {
        report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == rule).unwrap()["severity"].clone()
    };
    assert_eq!(sev("build-plane-workload"), "warning");
    assert_eq!(sev("build-plane-service"), "error");
    // SARIF descriptors carry the overridden default level.
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "rewheel.toml", "[severity]\nbuild-plane-workload = \"info\"\n");
    let out = support::run(&["audit", "--config", &config, "--format", "sarif", BEFORE], None);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "build-plane-workload")
        .unwrap()
        .clone();
    assert_eq!(rule["defaultConfiguration"]["level"], "note");
}

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: app, namespace: team}\nstringData:\n  cache-url: redis://cache:6379\n  api-token: abc123\n";

#[test]
fn rule_options_reach_the_rule_through_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "secret.yaml", SECRET);
    let message = |report: &Value| report["findings"][0]["message"].as_str().unwrap().to_string();

    let (report, _, _d) = audit_with_config("", &["--select", "inline-secret", &input]);
    assert!(message(&report).contains("(api-token, cache-url)"), "{}", message(&report));

    let (report, code, _d) = audit_with_config(
        "[rules.options.inline-secret]\nallow-keys = [\"cache-url\"]\n",
        &["--select", "inline-secret", &input],
    );
    assert_eq!(code, 1);
    assert!(message(&report).contains("(api-token)"), "{}", message(&report));

    // An option the rule does not declare: a config error at its line, exit 2; the rule still runs.
    let (report, code, _d) = audit_with_config(
        "[rules.options.inline-secret]\nallow-keys = [\"cache-url\"]\nallow-all = true\n",
        &["--select", "inline-secret", &input],
    );
    assert_eq!(code, 2);
    let e = &report["errors"][0];
    assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("config"), Some(3)));
    assert!(e["file"].as_str().unwrap().ends_with("rewheel.toml"));
    assert_eq!(
        e["message"],
        "rule inline-secret has no option \"allow-all\" (it takes: allow-keys); it was not passed"
    );
    assert!(message(&report).contains("(api-token)"));

    // A value of the wrong type: the rule refuses it, naming the option.
    let (report, code, _d) = audit_with_config(
        "[rules.options.inline-secret]\nallow-keys = \"cache-url\"\n",
        &["--select", "inline-secret", &input],
    );
    assert_eq!(code, 2);
    assert_eq!(report["errors"][0]["kind"], "rule");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("option \"allow-keys\" of rule \"inline-secret\" must be a list of strings"),
        "{}",
        report["errors"][0]
    );

    // Options for a rule nobody loaded: a warning at its line.
    let (report, _, _d) = audit_with_config("[rules.options.inline-secrets]\nallow-keys = []\n", &[&input]);
    let w = warnings(&report);
    assert_eq!((w[0].0.as_str(), w[0].2), ("unknown-rule", Some(1)), "{w:?}");

    let listed: Value =
        serde_json::from_slice(&support::run(&["rules", "list", "--format", "json"], None).stdout).unwrap();
    let rule = listed["rules"].as_array().unwrap().iter().find(|r| r["id"] == "inline-secret").unwrap().clone();
    assert_eq!(rule["options"][0]["name"], "allow-keys");
    let explain = support::run(&["rules", "explain", "inline-secret"], None);
    let text = String::from_utf8(explain.stdout).unwrap();
    assert!(
        text.contains(
            "## Options\nSet in rewheel.toml under `[rules.options.inline-secret]`:\n- `allow-keys`: list of strings"
        ),
        "{text}"
    );
}

#[test]
fn exemptions_suppress_with_a_reason_until_they_expire() {
    let config = "\
[[exemption]]
rule = \"novu-raw-datastore\"
namespace = \"novu\"
template = \"platform-novu/templates/valkey.yaml\"
reason = \"valkey moves to the novu chart in PLAT-42\"
expires = 2999-12-31

[[exemption]]
rule = \"retired-plane\"
name = \"buildkit*\"
reason = \"decommissioned with the sandbox cluster\"
expires = 2020-01-31

[[exemption]]
kind = \"Middleware\"
reason = \"nothing matches this\"
";
    let (report, code, _d) = audit_with_config(config, &[BEFORE]);
    assert_eq!(code, 1);
    assert_eq!(
        keys(&report["suppressed"]),
        vec![
            key("novu-raw-datastore", "Service", "novu-valkey"),
            key("novu-raw-datastore", "StatefulSet", "novu-valkey")
        ]
    );
    let s = &report["suppressed"][0];
    assert_eq!(s["suppression"]["kind"], "exemption");
    assert_eq!(s["suppression"]["reason"], "valkey moves to the novu chart in PLAT-42");
    assert!(s["suppression"]["source"].as_str().unwrap().ends_with("rewheel.toml:1"), "{}", s["suppression"]);
    assert_eq!(report["summary"]["suppressed"]["exemption"], 2);
    assert_eq!(report["summary"]["suppressed"]["total"], 2);
    assert_eq!(report["summary"]["findings"]["total"], 14);
    // The expired exemption applies no more: the build plane is reported, with a warning.
    assert!(keys(&report["findings"]).contains(&key("build-plane-workload", "Deployment", "buildkitd")));
    let w = warnings(&report);
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!((w[0].0.as_str(), w[0].2), ("expired-exemption", Some(8)));
    assert!(w[0].3.contains("expired on 2020-01-31: its 2 findings are reported again"), "{}", w[0].3);
    assert_eq!((w[1].0.as_str(), w[1].2), ("unused-exemption", Some(14)));
    assert!(w[1].1.as_deref().unwrap().ends_with("rewheel.toml"));
    // With only the OpenTelemetry rules running, neither active exemption can be called unused
    // (the one without a rule selector still could); the expired one matched nothing reported.
    let (report, _, _d) = audit_with_config(config, &["--select", "otel-collector", BEFORE]);
    let w = warnings(&report);
    let kinds: Vec<(&str, Option<u64>)> = w.iter().map(|w| (w.0.as_str(), w.2)).collect();
    assert_eq!(kinds, vec![("expired-exemption", Some(8)), ("unused-exemption", Some(14))], "{w:?}");
    assert!(w[0].3.contains("nothing it matched is reported again"), "{}", w[0].3);

    // A reason is required: the config is refused with its line.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "rewheel.toml", "# exemptions\n[[exemption]]\nname = \"grafana\"\n");
    let out = support::run(&["audit", "--config", &file, BEFORE], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{file}:2: exemption 1 has no `reason`")), "{stderr}");
}

const IGNORED: &str = "\
# Source: platform-x/templates/grafana.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: grafana
  namespace: observability
  annotations:
    rewheel.io/ignore: \"grafana-workload, novu-root-chown: dashboards move to the operator in Q3\"
spec:
  template:
    spec:
      containers:
        - name: grafana
          image: grafana/grafana:11.1.0
---
# Source: platform-x/templates/grafana2.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: grafana-two
  namespace: observability
  annotations:
    rewheel.io/ignore: \"grafana-workload\"
spec:
  template:
    spec:
      containers:
        - name: grafana
          image: grafana/grafana:11.1.0
";

#[test]
fn inline_ignores_need_a_reason_and_are_reported_when_unused_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "ignored.yaml", IGNORED);
    let (report, code) = support::audit_json(&[&input]);
    assert_eq!(code, 1, "grafana-two is still reported");
    assert_eq!(keys(&report["findings"]), vec![key("grafana-workload", "Deployment", "grafana-two")]);
    assert_eq!(keys(&report["suppressed"]), vec![key("grafana-workload", "Deployment", "grafana")]);
    let s = &report["suppressed"][0]["suppression"];
    assert_eq!(s["kind"], "inline");
    assert_eq!(s["reason"], "dashboards move to the operator in Q3");
    assert_eq!(s["source"], format!("{input}:2 (rewheel.io/ignore)"));
    assert_eq!(report["summary"]["suppressed"]["inline"], 1);
    let w = warnings(&report);
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!((w[0].0.as_str(), w[0].2), ("unused-ignore", Some(2)));
    assert!(w[0].3.contains("names novu-root-chown, which reports nothing here"), "{}", w[0].3);
    assert_eq!((w[1].0.as_str(), w[1].2), ("invalid-ignore", Some(17)));
    assert!(w[1].3.contains("has no reason"), "{}", w[1].3);

    // CI can refuse inline ignores: nothing is suppressed, each one is a warning.
    let (report, _) = support::audit_json(&["--no-inline-ignores", &input]);
    assert_eq!(report["findings"].as_array().unwrap().len(), 2);
    assert_eq!(report["summary"]["suppressed"]["total"], 0);
    let w = warnings(&report);
    assert_eq!(w.iter().map(|w| w.0.as_str()).collect::<Vec<_>>(), vec!["refused-ignore", "refused-ignore"]);
}

#[test]
fn baselines_report_only_new_findings_and_stale_entries() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("rendered");
    std::fs::create_dir(&work).unwrap();
    for entry in std::fs::read_dir(support::root().join(BEFORE)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), work.join(entry.file_name())).unwrap();
    }
    let rendered = work.display().to_string();
    let baseline_path = dir.path().join("baseline.json").display().to_string();
    let out = support::run(&["baseline", "create", &rendered, "--output", &baseline_path], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("baseline: 16 findings accepted"));
    let text = std::fs::read_to_string(&baseline_path).unwrap();
    // To stdout, byte-identical; one entry per line, no line numbers.
    let stdout = support::run(&["baseline", "create", &rendered], None);
    assert_eq!(String::from_utf8(stdout.stdout).unwrap(), text);
    let baseline: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(baseline["version"], 1);
    let entries = baseline["entries"].as_array().unwrap();
    assert_eq!(entries.iter().map(|e| e["count"].as_u64().unwrap()).sum::<u64>(), 16);
    assert!(!text.contains("\"line\""));
    assert_eq!(text.lines().filter(|l| l.trim_start().starts_with("{\"rule\"")).count(), entries.len());

    let (report, code) = support::audit_json(&["--baseline", &baseline_path, &rendered]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["findings"]["total"], 0);
    assert_eq!(report["summary"]["suppressed"]["baseline"], 16);
    assert!(report["warnings"].as_array().unwrap().is_empty());

    // Unrelated edits move every line: nothing churns. A new smell is reported;
    // a removed resource leaves a stale entry.
    let novu = work.join("platform-novu.yaml");
    let shifted = format!("# a comment\n# another\n\n{}", std::fs::read_to_string(&novu).unwrap());
    std::fs::write(&novu, shifted).unwrap();
    std::fs::remove_file(work.join("platform-metrics.yaml")).unwrap();
    std::fs::write(work.join("new.yaml"), IGNORED.replace("rewheel.io/ignore", "note")).unwrap();
    let (report, code) = support::audit_json(&["--baseline", &baseline_path, &rendered]);
    assert_eq!(code, 1);
    assert_eq!(
        keys(&report["findings"]),
        vec![key("grafana-workload", "Deployment", "grafana"), key("grafana-workload", "Deployment", "grafana-two")]
    );
    assert_eq!(report["summary"]["suppressed"]["baseline"], 15);
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "stale-baseline");
    assert_eq!(w[0].1.as_deref(), Some(baseline_path.as_str()));
    assert!(
        w[0].3.contains("grafana-workload Deployment observability/grafana (platform-metrics/templates/grafana.yaml) matches no finding"),
        "{}",
        w[0].3
    );

    // Which findings a baseline accepts does not depend on path order; a run over
    // part of the inputs does not call the rest of the baseline stale.
    let twin = dir.path().join("twin");
    std::fs::create_dir(&twin).unwrap();
    std::fs::copy(work.join("platform-novu.yaml"), twin.join("platform-novu.yaml")).unwrap();
    let twin = twin.display().to_string();
    let a = support::run(&["audit", "--format", "json", "--baseline", &baseline_path, &rendered, &twin], None);
    let b = support::run(&["audit", "--format", "json", "--baseline", &baseline_path, &twin, &rendered], None);
    assert_eq!(a.stdout, b.stdout);
    let (report, _) = support::audit_json(&[
        "--baseline",
        &baseline_path,
        "--select",
        "otel-collector",
        &format!("{rendered}/platform-otel.yaml"),
    ]);
    assert_eq!(report["summary"]["suppressed"]["baseline"], 3);
    assert!(report["warnings"].as_array().unwrap().is_empty(), "only rules that ran: {}", report["warnings"]);

    // A file that is not a baseline: a clear error, exit 2.
    let bad = write(dir.path(), "bad.json", "{\"version\": 1, \"entries\": [{\"rule\": 3}]}");
    let out = support::run(&["audit", "--baseline", &bad, &rendered], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{bad}:1: not a rewheel baseline")), "{stderr}");
    let newer = write(dir.path(), "newer.json", "{\"version\": 2, \"entries\": [], \"tool\": \"x\"}");
    let out = support::run(&["audit", "--baseline", &newer, &rendered], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("baseline version 2 is not supported"));
}

#[test]
fn config_is_discovered_upward_and_shown_with_origins() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rewheel.toml",
        "[rules]\nignore = [\"thin-overlay\"]\n\n[severity]\nnovu = \"error\"\n\n[limits]\nmemory-mib = 256\n\n[[exemption]]\nname = \"grafana\"\nreason = \"tracked in PLAT-7\"\nexpires = 2020-01-01\n",
    );
    let nested = dir.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    let out = support::rewheel().current_dir(&nested).args(["config", "show", "--rule-fuel", "1000"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // Found two levels up: named relative to the working directory.
    let file = "../../rewheel.toml";
    let line_of = |text: &str, key: &str| {
        text.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key}:\n{text}")).to_string()
    };
    assert!(line_of(&text, "builtin = true").ends_with("# default"));
    assert!(line_of(&text, "ignore = [\"thin-overlay\"]").ends_with(&format!("# {file}:2")));
    assert!(line_of(&text, "select = []").ends_with("# default: every rule"));
    assert!(line_of(&text, "novu = \"error\"").ends_with(&format!("# {file}:5")));
    assert!(line_of(&text, "memory-mib = 256").ends_with(&format!("# {file}:8")));
    assert!(line_of(&text, "fuel = 1000").ends_with("# --rule-fuel"));
    assert!(line_of(&text, "timeout-secs = 60.0").ends_with("# default"));
    assert!(line_of(&text, "[[exemption]]").ends_with(&format!("# {file}:10, EXPIRED on 2020-01-01: not applied")));
    // What it prints is a configuration rewheel reads back to the same values.
    let again = write(dir.path(), "shown.toml", &text);
    let out = support::run(&["config", "show", "--config", &again], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let values = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(" # ").next().unwrap().trim_end().to_string())
            .collect()
    };
    assert_eq!(values(&String::from_utf8(out.stdout).unwrap()), values(&text));

    // Discovery applies to audit too: the severity override is in effect.
    let out = support::rewheel()
        .current_dir(&nested)
        .args([
            "audit",
            "--format",
            "json",
            &support::root().join(BEFORE).join("platform-novu.yaml").display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 8);
    assert!(findings.iter().all(|f| f["severity"] == "error"));
}

#[test]
fn a_selection_that_runs_nothing_is_an_error() {
    let (report, code) = support::audit_json(&["--select", "novuu", BEFORE]);
    assert_eq!(code, 2);
    assert_eq!(report["errors"][0]["kind"], "config");
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("select/ignore leave no rule to run"));
    // A bad glob names where it came from.
    let (report, code) = support::audit_json(&["--ignore", "[novu", BEFORE]);
    assert_eq!(code, 2);
    assert!(
        report["errors"][0]["message"].as_str().unwrap().starts_with("--select/--ignore: "),
        "{}",
        report["errors"]
    );
}

#[test]
fn a_broken_config_still_writes_every_report_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "rewheel.toml", "[rules]\nselekt = []\n");
    let sarif = dir.path().join("r.sarif");
    let out = support::run(
        &["audit", "--config", &config, "--format", &format!("sarif={}", sarif.display()), "--format", "json", BEFORE],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("config error: {config}:2: unknown field `selekt`"))
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["errors"][0]["file"].as_str(), report["errors"][0]["line"].as_u64()),
        (Some(config.as_str()), Some(2))
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn rule_sources_and_file_globs_from_the_config() {
    // `builtin = false` and a component path relative to rewheel.toml.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("team-rules")).unwrap();
    let novu = support::target_dir().join("rules/wasm32-wasip2/rules/rule_novu.wasm");
    std::fs::copy(&novu, dir.path().join("team-rules/novu.wasm")).unwrap();
    let config = "[rules]\nbuiltin = false\npaths = [\"team-rules/\"]\n\n[[exemption]]\nfile = \"examples/*/before/platform-novu.yaml\"\nkind = \"Job\"\nreason = \"the init Job goes with the chart migration\"\n";
    let file = write(dir.path(), "rewheel.toml", config);
    let (report, code) = support::audit_json(&["--config", &file, BEFORE]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["components"], 1, "only the component from paths");
    let rules: std::collections::BTreeSet<String> = keys(&report["findings"]).into_iter().map(|k| k.0).collect();
    assert_eq!(rules.into_iter().collect::<Vec<_>>(), vec!["novu-raw-datastore", "novu-root-chown"]);
    assert_eq!(keys(&report["suppressed"]), vec![key("novu-mongo-bootstrap", "Job", "novu-mongodb-init")]);
    // A file glob's * does not cross directories.
    let (report, _, _d) = audit_with_config("[[exemption]]\nfile = \"examples/*.yaml\"\nreason = \"r\"\n", &[BEFORE]);
    assert_eq!(report["summary"]["suppressed"]["total"], 0);
    assert_eq!(warnings(&report)[0].0, "unused-exemption");
}

#[test]
fn catalog_entries_in_rewheel_toml_identify_the_teams_images_for_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "queue.yaml",
        "# Source: platform/templates/queue.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: queue, namespace: team}\nspec:\n  template:\n    spec:\n      containers: [{name: broker, image: 'registry.corp/vendor/acme-queue:4.1'}]\n",
    );
    let config = "[rules]\nselect = [\"upstream-available\"]\n\n[[catalog.images]]\nimage = \"vendor/acme-queue\"\nproduct = \"Acme Queue\"\nchart = \"acme-queue\"\nrepository = \"https://charts.acme.example\"\n";
    let (report, code, _d) = audit_with_config(config, &[&input]);
    assert_eq!(code, 1, "{report}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let message = findings[0]["message"].as_str().unwrap();
    assert!(message.contains("runs Acme Queue (image registry.corp/vendor/acme-queue:4.1, as "), "{message}");
    assert!(message.contains("rewheel.toml:4 says)"), "the entry's line: {message}");
    assert_eq!(
        findings[0]["replace_with"].as_str().unwrap(),
        "the upstream chart acme-queue (https://charts.acme.example)"
    );
    // Without the entry nothing knows the image.
    let (report, code, _d) = audit_with_config("[rules]\nselect = [\"upstream-available\"]\n", &[&input]);
    assert_eq!((code, report["findings"].as_array().unwrap().len()), (0, 0), "{report}");
    // A key the entry does not take is a config error naming its line.
    let (report, code, _d) =
        audit_with_config("[[catalog.images]]\nimage = \"a/b\"\nproduct = \"B\"\nrepo = \"x\"\n", &[&input]);
    assert_eq!(code, 2, "{report}");
    let error = report["errors"][0].to_string();
    assert!(error.contains("repo") && error.contains("\"line\":4"), "{error}");
    // An entry that would relabel every image, or name no product, is refused with its line.
    for (entry, says) in [
        ("image = \"*\"\nproduct = \"X\"", "matches every image or none"),
        ("image = \"a/b\"\nproduct = \" \"", "empty `product`"),
    ] {
        let (report, code, _d) = audit_with_config(&format!("\n[[catalog.images]]\n{entry}\n"), &[&input]);
        assert_eq!(code, 2, "{report}");
        let error = &report["errors"][0];
        assert!(error["message"].as_str().unwrap().contains(says), "{error}");
        assert_eq!(error["line"], 2, "{error}");
    }
    // `config show` lists the entries with their line.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "rewheel.toml", config);
    let out = support::run(&["config", "show", "--config", &file], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[[catalog.images]]"), "{text}");
    let product = text.lines().find(|l| l.starts_with("product = \"Acme Queue\"")).expect("the entry's product");
    assert!(product.ends_with("rewheel.toml:4"), "{product}");
}
