//! The CI integrations, run for real against the built binary: the GitHub
//! Action (`action.yml` + `ci/action/run.sh`, its steps executed the way the
//! runner would), the pre-commit hooks (`.pre-commit-hooks.yaml`, entries run
//! the way pre-commit would) and the Helm plugin (`helm-plugin/`).
//!
//! helm is not installed here: `tests/integrations/fake-helm` stands in for it
//! (it prints `tests/integrations/rendered.yaml` for `helm template` and logs
//! its arguments). Neither pre-commit nor the code-scanning upload is run.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

const BEFORE: &str = "examples/fractalops/before";
const AFTER: &str = "examples/fractalops/after";
/// What the built-in rules find in `tests/integrations/rendered.yaml`.
const RENDERED_RULES: [&str; 2] = ["build-plane-workload", "grafana-workload"];

// ---------------------------------------------------------------------------
// Shared helpers

fn yaml(path: &str) -> Yaml {
    let text = fs::read_to_string(support::root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

fn s<'a>(v: &'a Yaml, key: &str) -> &'a str {
    v.get(key).and_then(Yaml::as_str).unwrap_or_else(|| panic!("no string `{key}` in {v:?}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!("exit {:?}\nstdout:\n{}\nstderr:\n{}", out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// The directory of the `rewheel` binary cargo built for the tests.
fn rewheel_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_rewheel")).parent().unwrap().to_path_buf()
}

fn write_executable(path: &Path, body: &str) {
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A scratch workspace: `bin/helm` (the fake helm), a home, a temp dir, and
/// the log of helm calls. Commands run with a cleared environment, so that
/// nothing leaks in from a CI runner (GITHUB_OUTPUT, …).
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["bin", "home", "tmp", "work"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        // A wrapper rather than a copy: fake-helm finds rendered.yaml beside
        // itself, and this does not depend on its mode bits in the checkout.
        let fake = support::root().join("tests/integrations/fake-helm");
        write_executable(&dir.path().join("bin/helm"), &format!("#!/bin/sh\nexec sh '{}' \"$@\"\n", fake.display()));
        Sandbox { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The workspace the action and hooks run in.
    fn work(&self) -> PathBuf {
        self.path("work")
    }

    /// `bin/` (fake helm, fake cargo), then the rewheel binary when asked, then the system.
    fn path_var(&self, with_rewheel: bool) -> String {
        let mut dirs = vec![self.path("bin").display().to_string()];
        if with_rewheel {
            dirs.push(rewheel_dir().display().to_string());
        }
        dirs.push("/usr/local/bin:/usr/bin:/bin".into());
        dirs.join(":")
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>, with_rewheel: bool) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", self.path_var(with_rewheel))
            .env("HOME", self.path("home"))
            .env("TMPDIR", self.path("tmp"))
            .env("REWHEEL_CACHE_DIR", support::test_cache())
            .env("REWHEEL_CACHE_KEY", support::test_cache_key())
            .env("FAKE_HELM_LOG", self.path("helm.log"))
            .current_dir(self.work())
            .stdin(Stdio::null());
        cmd
    }

    /// Every helm call, one line each: its arguments joined by spaces.
    fn helm_calls(&self) -> Vec<String> {
        fs::read_to_string(self.path("helm.log")).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    /// A chart directory in the workspace (its templates are never read: the
    /// fake helm prints rendered.yaml), with a values file.
    fn chart(&self, rel: &str, with_dependencies: bool) {
        let dir = self.work().join(rel);
        fs::create_dir_all(dir.join("templates")).unwrap();
        let mut chart = String::from("apiVersion: v2\nname: mychart\nversion: 1.0.0\n");
        if with_dependencies {
            chart.push_str(
                "dependencies:\n  - name: common\n    version: 2.x.x\n    repository: https://charts.example.com\n",
            );
        }
        fs::write(dir.join("Chart.yaml"), chart).unwrap();
        fs::write(dir.join("values.yaml"), "replicas: 1\n").unwrap();
        fs::write(dir.join("values-prod.yaml"), "replicas: 3\n").unwrap();
        // An unrendered template: auditing it would be a parse error (exit 2).
        fs::write(dir.join("templates/cm.yaml"), "metadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n")
            .unwrap();
    }

    /// Copies of the example manifests at `work/deploy/{before,after}`.
    fn examples(&self) {
        copy_dir(&support::root().join(BEFORE), &self.work().join("deploy/before"));
        copy_dir(&support::root().join(AFTER), &self.work().join("deploy/after"));
    }
}

fn sarif_rule_ids(sarif: &Json) -> Vec<String> {
    let mut ids: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .expect("runs[0].results")
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// `::warning …`/`::error …`/`::notice …` annotation lines.
fn annotations(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("::warning ") || l.starts_with("::error ") || l.starts_with("::notice "))
        .collect()
}

// ---------------------------------------------------------------------------
// GitHub Action

/// The inputs of action.yml and their defaults.
fn action_defaults(action: &Yaml) -> BTreeMap<String, String> {
    action["inputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (k.as_str().unwrap().to_owned(), v.get("default").and_then(Yaml::as_str).unwrap_or("").to_owned())
        })
        .collect()
}

/// What one simulated run of the composite action did.
struct ActionRun {
    /// Per step (in order): its name and, if it ran, its output.
    steps: Vec<(String, Option<Output>)>,
    /// Outputs of each step with an id.
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    /// `uses:` steps that ran, with their resolved `with:`, and whether the
    /// SARIF file named by `sarif_file` existed at that moment.
    uploads: Vec<(String, BTreeMap<String, String>, bool)>,
    /// Whether the job failed (a `run` step exited non-zero).
    failed: bool,
    summary: String,
}

impl ActionRun {
    fn step(&self, name: &str) -> Option<&Output> {
        self.steps.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no step {name:?}")).1.as_ref()
    }

    fn audit(&self) -> &Output {
        self.step("rewheel audit").expect("the audit step ran")
    }

    fn exit_code(&self) -> Option<&str> {
        self.outputs.get("audit").and_then(|o| o.get("exit-code")).map(String::as_str)
    }
}

/// Run the steps of action.yml as the GitHub runner would: `${{ … }}`
/// expressions resolved from the inputs (given, else their defaults),
/// `github.action_path` (the repository root) and step outputs; `if:`
/// conditions evaluated; `run:` steps executed with `bash -eo pipefail` and
/// their GITHUB_OUTPUT read back; `uses:` steps recorded, not run.
fn run_action(sandbox: &Sandbox, inputs: &[(&str, &str)], with_rewheel: bool, extra_env: &[(&str, &str)]) -> ActionRun {
    let action = yaml("action.yml");
    let mut input_values = action_defaults(&action);
    for (k, v) in inputs {
        assert!(input_values.contains_key(*k), "action.yml has no input {k:?}");
        input_values.insert((*k).to_owned(), (*v).to_owned());
    }
    let summary_file = sandbox.path("step-summary.md");
    fs::write(&summary_file, "").unwrap();
    let mut run =
        ActionRun { steps: vec![], outputs: BTreeMap::new(), uploads: vec![], failed: false, summary: String::new() };

    for (i, step) in action["runs"]["steps"].as_sequence().unwrap().iter().enumerate() {
        let name = step.get("name").and_then(Yaml::as_str).unwrap_or("").to_owned();
        let lookup = |expr: &str| -> String {
            let expr = expr.trim();
            if let Some(input) = expr.strip_prefix("inputs.") {
                return input_values.get(input).unwrap_or_else(|| panic!("unknown input in {expr}")).clone();
            }
            if expr == "github.action_path" {
                return support::root().display().to_string();
            }
            if let Some(rest) = expr.strip_prefix("steps.") {
                let (id, output) = rest.split_once(".outputs.").unwrap_or_else(|| panic!("unsupported {expr}"));
                return run.outputs.get(id).and_then(|o| o.get(output)).cloned().unwrap_or_default();
            }
            panic!("the simulation does not know the expression {expr:?}")
        };
        let resolve = |value: &str| -> String {
            let mut out = String::new();
            let mut rest = value;
            while let Some(start) = rest.find("${{") {
                out.push_str(&rest[..start]);
                let end = rest[start..].find("}}").expect("closing }}") + start;
                out.push_str(&lookup(&rest[start + 3..end]));
                rest = &rest[end + 2..];
            }
            out.push_str(rest);
            out
        };
        // `a && b && …` of always(), X == 'lit' and X != 'lit'.
        let condition = step.get("if").and_then(Yaml::as_str).unwrap_or("success()");
        let mut always = false;
        let mut holds = true;
        for term in condition.split("&&").map(str::trim) {
            match term {
                "always()" => always = true,
                "success()" => {}
                _ => {
                    let (lhs, rhs, equal) = if let Some((l, r)) = term.split_once("==") {
                        (l, r, true)
                    } else if let Some((l, r)) = term.split_once("!=") {
                        (l, r, false)
                    } else {
                        panic!("the simulation does not know the condition {term:?}")
                    };
                    let literal =
                        rhs.trim().strip_prefix('\'').and_then(|r| r.strip_suffix('\'')).expect("a quoted literal");
                    holds &= (lookup(lhs) == literal) == equal;
                }
            }
        }
        if !holds || (run.failed && !always) {
            run.steps.push((name, None));
            continue;
        }

        if let Some(uses) = step.get("uses").and_then(Yaml::as_str) {
            let with: BTreeMap<String, String> = step
                .get("with")
                .and_then(Yaml::as_mapping)
                .map(|m| {
                    m.iter().map(|(k, v)| (k.as_str().unwrap().to_owned(), resolve(v.as_str().unwrap()))).collect()
                })
                .unwrap_or_default();
            let exists = with.get("sarif_file").is_some_and(|f| sandbox.work().join(f).is_file());
            run.uploads.push((uses.to_owned(), with, exists));
            run.steps.push((name, Some(Command::new("true").output().unwrap())));
            continue;
        }

        assert_eq!(s(step, "shell"), "bash", "step {name:?}");
        let script = sandbox.path(&format!("step-{i}.sh"));
        fs::write(&script, s(step, "run")).unwrap();
        let output_file = sandbox.path(&format!("step-{i}.output"));
        fs::write(&output_file, "").unwrap();
        let mut cmd = sandbox.command("bash", with_rewheel);
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", sandbox.work())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .env("RUNNER_TEMP", sandbox.path("tmp"));
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        if let Some(env) = step.get("env").and_then(Yaml::as_mapping) {
            for (k, v) in env {
                cmd.env(k.as_str().unwrap(), resolve(v.as_str().unwrap()));
            }
        }
        let out = cmd.output().unwrap();
        if !out.status.success() {
            run.failed = true;
        }
        if let Some(id) = step.get("id").and_then(Yaml::as_str) {
            let outputs = fs::read_to_string(&output_file)
                .unwrap()
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            run.outputs.insert(id.to_owned(), outputs);
        }
        run.steps.push((name, Some(out)));
    }
    run.summary = fs::read_to_string(&summary_file).unwrap();
    run
}

#[test]
fn action_yml_is_a_composite_action_wired_to_the_script() {
    let action = yaml("action.yml");
    assert!(!s(&action, "name").is_empty());
    let description = s(&action, "description");
    assert!(description.contains("cargo install --locked --path"), "says how rewheel is installed: {description}");
    assert_eq!(action["runs"]["using"], "composite");

    let defaults = action_defaults(&action);
    let expected: BTreeMap<String, String> = [
        ("paths", ""),
        ("charts", ""),
        ("values", ""),
        ("helm-args", ""),
        ("args", ""),
        ("fail-on", "warning"),
        ("sarif", "rewheel.sarif"),
        ("upload-sarif", "true"),
        ("baseline", ""),
        ("install", "auto"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(defaults, expected);
    for (name, input) in action["inputs"].as_mapping().unwrap() {
        assert!(!s(input, "description").is_empty(), "input {name:?} has a description");
        assert_eq!(input["required"], false, "input {name:?} is optional");
    }
    assert_eq!(action["outputs"]["exit-code"]["value"], "${{ steps.audit.outputs.exit-code }}");

    let steps = action["runs"]["steps"].as_sequence().unwrap();
    assert_eq!(steps.len(), 3, "audit, upload, verdict");
    let (audit, upload, verdict) = (&steps[0], &steps[1], &steps[2]);

    assert_eq!(s(audit, "id"), "audit");
    assert_eq!(s(audit, "shell"), "bash");
    assert!(s(audit, "run").contains("/ci/action/run.sh"));
    // Every input but upload-sarif reaches the script as INPUT_<NAME>.
    let env = audit["env"].as_mapping().unwrap();
    for name in defaults.keys().filter(|n| *n != "upload-sarif") {
        let var = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        assert_eq!(
            env.get(var.as_str()).and_then(Yaml::as_str),
            Some(format!("${{{{ inputs.{name} }}}}").as_str()),
            "{var}"
        );
    }
    assert_eq!(env.get("REWHEEL_DEFER_EXIT").and_then(Yaml::as_str), Some("true"));
    assert_eq!(env.get("REWHEEL_ACTION_PATH").and_then(Yaml::as_str), Some("${{ github.action_path }}"));

    assert_eq!(s(upload, "uses"), "github/codeql-action/upload-sarif@v3");
    let condition = s(upload, "if");
    assert!(condition.contains("always()") && condition.contains("inputs.upload-sarif == 'true'"), "{condition}");
    assert_eq!(upload["with"]["sarif_file"], "${{ inputs.sarif }}");

    assert!(s(verdict, "if").contains("always()"));
    assert_eq!(verdict["env"]["REWHEEL_EXIT_CODE"], "${{ steps.audit.outputs.exit-code }}");
    assert!(s(verdict, "run").contains("exit \"$REWHEEL_EXIT_CODE\""));
}

#[test]
fn action_on_the_before_example_uploads_sarif_then_fails() {
    let sandbox = Sandbox::new();
    sandbox.examples();
    let run = run_action(&sandbox, &[("paths", "deploy/before")], true, &[]);

    // The audit step itself succeeds (the exit is deferred) and reports 1.
    let audit = run.audit();
    assert!(audit.status.success(), "{}", describe(audit));
    assert_eq!(run.exit_code(), Some("1"), "{}", describe(audit));
    assert_eq!(run.outputs["audit"]["sarif"], "rewheel.sarif");

    // Annotations on stdout, one per finding, on the workspace's files.
    let (report, code) = support::audit_json(&[BEFORE]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap().len();
    assert_eq!(findings, 16);
    let stdout = text(&audit.stdout);
    let lines = annotations(&stdout);
    assert_eq!(lines.len(), findings, "{stdout}");
    assert!(lines.iter().all(|l| l.contains(" file=deploy/before/platform-")), "{stdout}");
    assert!(stdout.contains("::warning file=deploy/before/platform-novu.yaml,line=48,title=rewheel novu-root-chown::"));
    assert!(
        stdout.contains("::error file=deploy/before/platform-runtime.yaml,line=3,title=rewheel build-plane-workload::")
    );

    // SARIF written, valid, one result per finding; uploaded before the verdict.
    let sarif: Json = serde_json::from_slice(&fs::read(sandbox.work().join("rewheel.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), findings);
    assert_eq!(run.uploads.len(), 1);
    let (uses, with, existed) = &run.uploads[0];
    assert_eq!(uses, "github/codeql-action/upload-sarif@v3");
    assert_eq!(with["sarif_file"], "rewheel.sarif");
    assert!(existed, "the SARIF file existed when the upload step ran");

    // The verdict step fails the job with rewheel's code.
    let verdict = run.step("rewheel verdict").expect("the verdict step ran");
    assert_eq!(verdict.status.code(), Some(1), "{}", describe(verdict));
    assert!(text(&verdict.stdout).contains("::error title=rewheel::findings at or above 'warning'"));
    assert!(run.failed);

    // The job summary carries the Markdown report.
    assert!(run.summary.starts_with("# Reinvention audit"), "{}", run.summary);
    assert!(run.summary.contains("16 findings"), "{}", run.summary);
    assert!(run.summary.contains("novu-root-chown"));
}

#[test]
fn action_on_the_after_example_passes() {
    let sandbox = Sandbox::new();
    sandbox.examples();
    let run = run_action(&sandbox, &[("paths", "deploy/after"), ("sarif", "reports/rewheel.sarif")], true, &[]);
    assert_eq!(run.exit_code(), Some("0"), "{}", describe(run.audit()));
    assert!(annotations(&text(&run.audit().stdout)).is_empty());
    let sarif: Json = serde_json::from_slice(&fs::read(sandbox.work().join("reports/rewheel.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(run.uploads[0].1["sarif_file"], "reports/rewheel.sarif");
    assert!(run.uploads[0].2);
    assert_eq!(run.step("rewheel verdict").unwrap().status.code(), Some(0));
    assert!(!run.failed);
    assert!(run.summary.contains("0 findings"), "{}", run.summary);
}

#[test]
fn action_inputs_fail_on_and_upload_sarif() {
    let sandbox = Sandbox::new();
    sandbox.examples();
    // Only the build-plane findings are errors: fail-on error still fails.
    let run = run_action(&sandbox, &[("paths", "deploy/before"), ("fail-on", "error")], true, &[]);
    assert_eq!(run.exit_code(), Some("1"));
    // never: the findings are reported, the job passes; no upload when disabled.
    let run =
        run_action(&sandbox, &[("paths", "deploy/before"), ("fail-on", "never"), ("upload-sarif", "false")], true, &[]);
    assert_eq!(run.exit_code(), Some("0"));
    assert_eq!(annotations(&text(&run.audit().stdout)).len(), 16);
    assert!(run.uploads.is_empty());
    assert!(run.step("Upload SARIF").is_none(), "the upload step is skipped");
    assert!(!run.failed);
    // Extra rewheel arguments reach rewheel: a JSON report to a file.
    let run =
        run_action(&sandbox, &[("paths", "deploy/after"), ("args", "--format json=out.json --no-cache")], true, &[]);
    assert_eq!(run.exit_code(), Some("0"), "{}", describe(run.audit()));
    let report: Json = serde_json::from_slice(&fs::read(sandbox.work().join("out.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["files"], 5);
}

#[test]
fn action_renders_charts_with_helm_and_audits_them() {
    let sandbox = Sandbox::new();
    sandbox.chart("charts/platform", true);
    sandbox.chart("charts/tools", false);
    let run = run_action(
        &sandbox,
        &[
            ("charts", "charts/platform\ncharts/tools"),
            ("values", "charts/platform/values.yaml charts/platform/values-prod.yaml"),
            ("helm-args", "--namespace prod"),
        ],
        true,
        &[],
    );
    let audit = run.audit();
    assert_eq!(run.exit_code(), Some("1"), "{}", describe(audit));
    assert_eq!(
        sandbox.helm_calls(),
        [
            "dependency build charts/platform",
            "template charts/platform -f charts/platform/values.yaml -f charts/platform/values-prod.yaml --namespace prod",
            "template charts/tools -f charts/platform/values.yaml -f charts/platform/values-prod.yaml --namespace prod",
        ]
    );
    // The findings are the fake rendered manifest's, once per chart; the
    // unrendered templates/ were not audited (no parse error, exit 1 not 2).
    let sarif: Json = serde_json::from_slice(&fs::read(sandbox.work().join("rewheel.sarif")).unwrap()).unwrap();
    let mut expected: Vec<&str> = RENDERED_RULES.iter().chain(RENDERED_RULES.iter()).copied().collect();
    expected.sort();
    assert_eq!(sarif_rule_ids(&sarif), expected);
    let stdout = text(&audit.stdout);
    assert_eq!(annotations(&stdout).len(), 4, "{stdout}");
    assert!(stdout.contains("01-charts_platform.yaml,line=3,title=rewheel grafana-workload::"), "{stdout}");
    assert!(stdout.contains("02-charts_tools.yaml,line=29,title=rewheel build-plane-workload::"), "{stdout}");
    assert!(run.summary.contains("4 findings"), "{}", run.summary);
    // The chart folders are passed as the chart sources.
    assert!(text(&audit.stderr).contains("--charts charts/platform --charts charts/tools"), "{}", describe(audit));
    assert!(run.uploads[0].2);
    assert_eq!(run.step("rewheel verdict").unwrap().status.code(), Some(1));
    // The rendered output was a temporary directory, removed afterwards.
    let left: Vec<_> = fs::read_dir(sandbox.path("tmp")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left in RUNNER_TEMP: {left:?}");
}

#[test]
fn action_charts_and_paths_together() {
    let sandbox = Sandbox::new();
    sandbox.examples();
    sandbox.chart("chart", false);
    let run = run_action(
        &sandbox,
        &[("charts", "chart"), ("values", "chart/values-prod.yaml"), ("paths", "deploy/after")],
        true,
        &[],
    );
    assert_eq!(run.exit_code(), Some("1"), "{}", describe(run.audit()));
    assert_eq!(sandbox.helm_calls(), ["template chart -f chart/values-prod.yaml"]);
    let sarif: Json = serde_json::from_slice(&fs::read(sandbox.work().join("rewheel.sarif")).unwrap()).unwrap();
    assert_eq!(sarif_rule_ids(&sarif), RENDERED_RULES);
    assert!(run.summary.contains("6 files"), "the chart and deploy/after: {}", run.summary);
}

#[test]
fn action_stops_when_helm_fails() {
    let sandbox = Sandbox::new();
    sandbox.chart("chart", false);
    let run = run_action(&sandbox, &[("charts", "chart")], true, &[("FAKE_HELM_FAIL", "3")]);
    let audit = run.audit();
    assert_eq!(audit.status.code(), Some(2), "{}", describe(audit));
    assert!(
        text(&audit.stderr).contains("::error title=rewheel::helm template chart failed (exit 3)"),
        "{}",
        describe(audit)
    );
    assert_eq!(run.exit_code(), None);
    assert!(run.uploads.is_empty(), "no SARIF, no upload");
    assert!(run.step("rewheel verdict").is_none());
    assert!(run.failed);
}

#[test]
fn action_script_run_directly_exits_with_rewheels_code() {
    let sandbox = Sandbox::new();
    sandbox.examples();
    let script = support::root().join("ci/action/run.sh");
    for (paths, code) in [("deploy/before", 1), ("deploy/after", 0), ("deploy/missing.yaml", 2)] {
        let out = sandbox.command("bash", true).arg(&script).env("INPUT_PATHS", paths).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{paths}: {}", describe(&out));
        assert!(sandbox.work().join("rewheel.sarif").is_file());
    }
    // No paths and no charts: the whole workspace (both examples).
    let out = sandbox.command("bash", true).arg(&script).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(annotations(&text(&out.stdout)).len(), 16);
}

#[test]
fn action_installs_rewheel_with_cargo_when_missing() {
    let sandbox = Sandbox::new();
    sandbox.examples();
    // install: never, and rewheel not on PATH.
    let run = run_action(&sandbox, &[("paths", "deploy/before"), ("install", "never")], false, &[]);
    assert_eq!(run.audit().status.code(), Some(2));
    assert!(text(&run.audit().stderr).contains("rewheel is not on PATH (install: never)"));

    // auto: `cargo install --locked --path host` from the action's checkout.
    // The fake cargo "installs" the test binary into $CARGO_HOME/bin.
    write_executable(
        &sandbox.path("bin/cargo"),
        &format!(
            "#!/bin/sh\nprintf '%s|%s\\n' \"$PWD\" \"$*\" >>\"$CARGO_LOG\"\nmkdir -p \"$CARGO_HOME/bin\"\nln -sf '{}' \"$CARGO_HOME/bin/rewheel\"\n",
            env!("CARGO_BIN_EXE_rewheel")
        ),
    );
    let cargo_log = sandbox.path("cargo.log");
    let cargo_home = sandbox.path("cargo-home");
    let env = [("CARGO_LOG", cargo_log.to_str().unwrap()), ("CARGO_HOME", cargo_home.to_str().unwrap())];
    let run = run_action(&sandbox, &[("paths", "deploy/before")], false, &env);
    assert_eq!(run.exit_code(), Some("1"), "{}", describe(run.audit()));
    assert_eq!(
        fs::read_to_string(&cargo_log).unwrap(),
        format!("{}|install --locked --path host\n", support::root().display())
    );
    assert_eq!(annotations(&text(&run.audit().stdout)).len(), 16);
}

// ---------------------------------------------------------------------------
// pre-commit

/// Split like Python's shlex.split (what pre-commit does with `entry`):
/// blanks separate words; quotes and backslashes group.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut in_word) = (Vec::new(), String::new(), false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.push(chars.next().expect("escaped character")),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next().expect("escaped character"));
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

fn hook(id: &str) -> Yaml {
    let hooks = yaml(".pre-commit-hooks.yaml");
    hooks.as_sequence().unwrap().iter().find(|h| h["id"] == id).unwrap_or_else(|| panic!("no hook {id}")).clone()
}

/// Run a hook as pre-commit does: `entry` split into words (a `script`
/// entry is a path in the hook repository), then the hook's `args`, then
/// the file names when `pass_filenames`; in the user's repository (`cwd`).
fn run_hook(sandbox: &Sandbox, hook: &Yaml, args: &[&str], files: &[&str], cwd: &Path) -> Output {
    let mut argv = shell_words(s(hook, "entry"));
    if s(hook, "language") == "script" {
        argv[0] = support::root().join(&argv[0]).display().to_string();
    }
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    if hook.get("pass_filenames").and_then(Yaml::as_bool).unwrap_or(true) {
        argv.extend(files.iter().map(|f| (*f).to_owned()));
    }
    sandbox.command(&argv[0], true).args(&argv[1..]).current_dir(cwd).output().unwrap()
}

#[test]
fn pre_commit_hooks_follow_the_manifest_schema() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    let known = [
        "id",
        "name",
        "entry",
        "language",
        "alias",
        "files",
        "exclude",
        "types",
        "types_or",
        "exclude_types",
        "additional_dependencies",
        "args",
        "always_run",
        "fail_fast",
        "pass_filenames",
        "description",
        "language_version",
        "log_file",
        "minimum_pre_commit_version",
        "require_serial",
        "stages",
        "verbose",
    ];
    let ids: Vec<&str> = hooks.iter().map(|h| s(h, "id")).collect();
    assert_eq!(ids, ["rewheel", "rewheel-helm"]);
    for h in hooks {
        for key in ["id", "name", "entry", "language"] {
            assert!(!s(h, key).is_empty(), "{key} in {h:?}");
        }
        for key in h.as_mapping().unwrap().keys() {
            assert!(known.contains(&key.as_str().unwrap()), "unknown hook key {key:?}");
        }
        assert!(["system", "script"].contains(&s(h, "language")));
    }

    let audit = hook("rewheel");
    assert_eq!(s(&audit, "entry"), "rewheel audit");
    assert_eq!(s(&audit, "language"), "system");
    assert_eq!(audit["types"], serde_yaml::from_str::<Yaml>("[yaml]").unwrap());
    assert_eq!(audit["pass_filenames"], true);
    // All files in one run: rules correlate objects across files.
    assert_eq!(audit["require_serial"], true);

    let helm = hook("rewheel-helm");
    assert_eq!(helm["pass_filenames"], false);
    let script = support::root().join(s(&helm, "entry"));
    assert!(script.is_file(), "{}", script.display());
}

#[test]
fn pre_commit_hook_audits_the_staged_files() {
    let sandbox = Sandbox::new();
    let audit = hook("rewheel");
    let files = |dir: &str| -> Vec<String> {
        let mut f: Vec<String> = fs::read_dir(support::root().join(dir))
            .unwrap()
            .map(|e| format!("{dir}/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml"))
            .collect();
        f.sort();
        f
    };
    let before = files(BEFORE);
    let before: Vec<&str> = before.iter().map(String::as_str).collect();
    let out = run_hook(&sandbox, &audit, &[], &before, &support::root());
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("examples/fractalops/before/platform-novu.yaml:48: warning[novu-root-chown]"), "{stdout}");
    assert!(stdout.contains("16 findings"), "{stdout}");

    // One staged file alone.
    let out = run_hook(&sandbox, &audit, &[], &["examples/fractalops/before/platform-metrics.yaml"], &support::root());
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stdout).contains("warning[grafana-workload]"));

    let after = files(AFTER);
    let after: Vec<&str> = after.iter().map(String::as_str).collect();
    let out = run_hook(&sandbox, &audit, &[], &after, &support::root());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));

    // `args:` in .pre-commit-config.yaml go before the file names.
    let out = run_hook(&sandbox, &audit, &["--fail-on", "never"], &before, &support::root());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
}

#[test]
fn pre_commit_helm_hook_renders_the_chart() {
    let sandbox = Sandbox::new();
    sandbox.chart("charts/platform", false);
    let helm = hook("rewheel-helm");
    let args = ["charts/platform", "-f", "charts/platform/values-prod.yaml"];
    let out = run_hook(&sandbox, &helm, &args, &["charts/platform/values-prod.yaml"], &sandbox.work());
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(sandbox.helm_calls(), ["template charts/platform -f charts/platform/values-prod.yaml"]);
    assert!(text(&out.stdout).contains("warning[grafana-workload]"), "{}", describe(&out));
}

// ---------------------------------------------------------------------------
// Helm plugin

fn plugin_command(plugin_dir: &Path, manifest: &Yaml) -> PathBuf {
    let command = s(manifest, "command");
    PathBuf::from(command.replace("$HELM_PLUGIN_DIR", &plugin_dir.display().to_string()))
}

#[test]
fn helm_plugin_manifests_agree() {
    let plugin = yaml("helm-plugin/plugin.yaml");
    assert_eq!(s(&plugin, "name"), "rewheel");
    assert_eq!(s(&plugin, "version"), env!("CARGO_PKG_VERSION"), "the plugin's version follows the workspace's");
    assert!(!s(&plugin, "usage").is_empty());
    assert!(s(&plugin, "description").contains("helm rewheel CHART"));
    assert_eq!(plugin["ignoreFlags"], false);
    assert_eq!(s(&plugin, "command"), "$HELM_PLUGIN_DIR/rewheel-helm.sh");

    // The repository-root manifest (for `helm plugin install <URL>`) is the same
    // plugin, pointing at the same script.
    let root = yaml("plugin.yaml");
    for key in ["name", "version", "usage", "description"] {
        assert_eq!(root[key], plugin[key], "{key}");
    }
    assert_eq!(root["ignoreFlags"], false);
    let script = plugin_command(&support::root().join("helm-plugin"), &plugin);
    assert_eq!(plugin_command(&support::root(), &root), script);
    assert!(script.is_file());
}

#[test]
fn scripts_are_executable() {
    // helm and pre-commit (language: script) execute the plugin script directly.
    for path in ["helm-plugin/rewheel-helm.sh", "ci/action/run.sh", "tests/integrations/fake-helm"] {
        let mode = fs::metadata(support::root().join(path)).unwrap().permissions().mode();
        assert!(mode & 0o111 == 0o111, "{path} is not executable ({mode:o}): chmod +x it and commit the mode");
    }
}

/// `sh helm-plugin/rewheel-helm.sh ARGS` with HELM_BIN=<fake helm>.
fn plugin(sandbox: &Sandbox, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut cmd = sandbox.command("sh", true);
    cmd.arg(support::root().join("helm-plugin/rewheel-helm.sh"))
        .args(args)
        .env("HELM_BIN", sandbox.path("bin/helm"))
        .env("HELM_PLUGIN_DIR", support::root().join("helm-plugin"));
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn helm_plugin_audits_the_rendered_chart() {
    let sandbox = Sandbox::new();
    sandbox.chart("chart", false);
    let out = plugin(&sandbox, &["./chart", "--values", "chart/values-prod.yaml", "--", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(sandbox.helm_calls(), ["template ./chart --values chart/values-prod.yaml"]);
    let report: Json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(&out)));
    let mut rules: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    rules.sort();
    assert_eq!(rules, RENDERED_RULES);
    // Read from stdin; the templates are Helm's `# Source:` paths.
    let grafana = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "grafana-workload").unwrap();
    assert_eq!(grafana["location"]["file"], "-");
    assert_eq!(grafana["location"]["template"], "mychart/templates/grafana.yaml");
    assert_eq!(grafana["location"]["line"], 3);
    // The chart folder went along as the chart sources: the finding names the template to edit.
    assert_eq!(grafana["location"]["source"]["file"], "chart/templates/grafana.yaml");
}

#[test]
fn helm_plugin_splits_the_flags_at_the_double_dash() {
    let sandbox = Sandbox::new();
    sandbox.chart("chart", false);
    // Words with blanks and quotes reach each side intact.
    let report = sandbox.path("it's a report.json");
    let json_out = format!("json={}", report.display());
    let out = plugin(
        &sandbox,
        &["chart", "--set", "name=a b", "--namespace", "prod", "--", "--fail-on", "never", "--format", &json_out],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(sandbox.helm_calls(), ["template chart --set name=a b --namespace prod"]);
    assert!(out.stdout.is_empty(), "the report went to the file: {}", describe(&out));
    let report: Json = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["summary"]["findings"]["total"], 2);

    // No `--`: every argument is helm's, the text report goes to stdout.
    let out = plugin(&sandbox, &["chart", "--fail-on", "never"], &[]);
    assert_eq!(sandbox.helm_calls().last().unwrap(), "template chart --fail-on never");
    assert_eq!(out.status.code(), Some(1), "rewheel ran with its defaults: {}", describe(&out));
    assert!(text(&out.stdout).contains("-:3: warning[grafana-workload]"), "{}", describe(&out));

    // --fail-on error: the build-plane finding is an error.
    let out = plugin(&sandbox, &["chart", "--", "--fail-on", "error", "--format", "github"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("::error file=-,line=29,title=rewheel build-plane-workload::"),
        "{}",
        describe(&out)
    );
}

#[test]
fn helm_plugin_reports_helm_failures() {
    let sandbox = Sandbox::new();
    let out = plugin(&sandbox, &["./missing", "--", "--format", "json"], &[("FAKE_HELM_FAIL", "3")]);
    assert_eq!(out.status.code(), Some(3), "helm's exit code: {}", describe(&out));
    assert!(out.stdout.is_empty(), "nothing audited: {}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("fake helm template failure"), "helm's own message: {stderr}");
    assert!(stderr.contains("helm template ./missing' failed with exit code 3; nothing was audited"), "{stderr}");

    // No chart: usage, exit 2. --help: usage, exit 0.
    let out = plugin(&sandbox, &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("helm rewheel CHART"));
    let out = plugin(&sandbox, &["--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("helm rewheel CHART"));

    // rewheel not installed.
    let out = plugin(&sandbox, &["chart"], &[("REWHEEL_BIN", "rewheel-not-installed")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("'rewheel-not-installed' not found on PATH"));
}

#[test]
fn helm_plugin_runs_as_helm_runs_it() {
    // helm runs `command` with $HELM_PLUGIN_DIR expanded, directly (not via sh),
    // with HELM_BIN pointing at itself.
    let sandbox = Sandbox::new();
    sandbox.chart("chart", false);
    let dir = support::root().join("helm-plugin");
    let command = plugin_command(&dir, &yaml("helm-plugin/plugin.yaml"));
    let out = sandbox
        .command(&command, true)
        .args(["chart", "-f", "chart/values.yaml", "--", "--format", "json"])
        .env("HELM_BIN", sandbox.path("bin/helm"))
        .env("HELM_PLUGIN_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["findings"]["total"], 2);
    assert_eq!(sandbox.helm_calls(), ["template chart -f chart/values.yaml"]);
}
