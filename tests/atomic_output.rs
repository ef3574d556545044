//! Reports are written whole or not at all: `rewheel audit` killed with
//! SIGTERM (a CI timeout) while it writes a SARIF and a JSON report of
//! several MB leaves each file as it was before the run (absent, or the
//! previous report) or complete, never cut off.
//!
//! The kills land inside each write: the test polls the output directory for
//! the moment a report starts being written (the `.rewheel-` temporary file
//! appears, or, were reports written in place, the report itself), then sends
//! SIGTERM after delays spread over how long an uninterrupted run takes to
//! write it. Written with `fs::write` instead, the first kill finds a
//! truncated report (checked by hand when this test was written).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// Deployments in the input, two findings each: a report of several MB, so
/// writing it takes long enough to be interrupted.
const DEPLOYMENTS: usize = 1500;
/// The rules that fire on them; the others would only slow each run.
const RULES: &str = "upstream-available,root-chown";
/// Each report's writing is split in this many steps; a run is killed at each
/// step's start and at the end.
const STEPS: u32 = 6;

/// A hand-written Postgres with a root chown init container: an
/// `upstream-available` and a `root-chown` finding.
fn deployment(i: usize) -> String {
    format!(
        "---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: billing-db-{i}, namespace: billing-{i}}}
spec:
  template:
    spec:
      initContainers:
        - name: fix-owner
          image: busybox:1.36
          command: [sh, -c, \"chown -R 999:999 /var/lib/postgresql/data\"]
      containers: [{{name: postgres, image: \"docker.io/library/postgres:16.4\"}}]
"
    )
}

/// The reports one run writes, and what each held before it.
struct Outputs {
    dir: PathBuf,
    sarif: PathBuf,
    json: PathBuf,
}

impl Outputs {
    /// A fresh directory; with `previous`, each report already holds it.
    fn new(parent: &Path, name: &str, previous: Option<&str>) -> Outputs {
        let dir = parent.join(name);
        std::fs::create_dir(&dir).unwrap();
        let outputs = Outputs { sarif: dir.join("out.sarif"), json: dir.join("out.json"), dir };
        if let Some(text) = previous {
            std::fs::write(&outputs.sarif, text).unwrap();
            std::fs::write(&outputs.json, text).unwrap();
        }
        outputs
    }

    fn spawn(&self, input: &Path, stderr: Stdio) -> Child {
        support::rewheel()
            .args(["audit", "--select", RULES, "--fail-on", "never", "--format"])
            .arg(format!("sarif={}", self.sarif.display()))
            .arg("--format")
            .arg(format!("json={}", self.json.display()))
            .arg(input)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("run rewheel")
    }

    /// The names in the directory with their sizes and modification times:
    /// any change is the run starting to write.
    fn state(&self) -> Vec<(String, u64, Option<SystemTime>)> {
        let mut state: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| {
                let meta = e.metadata().ok();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, meta.as_ref().map_or(0, |m| m.len()), meta.and_then(|m| m.modified().ok()))
            })
            .collect();
        state.sort();
        state
    }

    fn temp_files(&self) -> Vec<String> {
        self.state().into_iter().map(|(name, _, _)| name).filter(|n| n.starts_with(".rewheel-")).collect()
    }
}

/// The two files a run writes, in the order of its `--format` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    Sarif,
    Json,
}

/// Poll until the run starts writing `report`: the SARIF report when anything
/// in the directory changes; the JSON one when, with `out.sarif` at its full
/// `sarif_len`, anything else changes. Panics if the run exits first.
fn wait_for(child: &mut Child, outputs: &Outputs, report: Report, sarif_len: u64) -> Instant {
    let others = |state: &[(String, u64, Option<SystemTime>)]| {
        state.iter().filter(|(name, _, _)| name != "out.sarif").cloned().collect::<Vec<_>>()
    };
    let mut before = (report == Report::Sarif).then(|| outputs.state());
    loop {
        // Checked before the listing, so that a listing taken while the SARIF
        // report was being renamed into place does not count as a change.
        let sarif_written = std::fs::metadata(&outputs.sarif).is_ok_and(|m| m.len() == sarif_len);
        let now = outputs.state();
        match &before {
            Some(before) if report == Report::Sarif && *before != now => return Instant::now(),
            Some(before) if report == Report::Json && *before != others(&now) => return Instant::now(),
            None if sarif_written => before = Some(others(&now)),
            _ => {}
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("rewheel exited ({status}) before writing the {report:?} report");
        }
        std::thread::sleep(Duration::from_micros(20));
    }
}

fn sigterm(child: &Child) {
    // SAFETY: signals our own child, which has not been reaped yet.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0, "kill failed");
}

/// The reports an uninterrupted run writes.
fn reference(parent: &Path, input: &Path) -> (String, String) {
    let outputs = Outputs::new(parent, "reference", None);
    let output = outputs.spawn(input, Stdio::piped()).wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(outputs.temp_files().is_empty(), "{:?}", outputs.temp_files());
    (std::fs::read_to_string(&outputs.sarif).unwrap(), std::fs::read_to_string(&outputs.json).unwrap())
}

/// How long an uninterrupted run takes from starting to write the SARIF
/// report to its having the full size, and from starting to write the JSON
/// report to its exit: the windows to kill it in.
fn windows(parent: &Path, input: &Path, sarif_len: u64) -> (Duration, Duration) {
    let outputs = Outputs::new(parent, "timed", None);
    let mut child = outputs.spawn(input, Stdio::null());
    let sarif_started = wait_for(&mut child, &outputs, Report::Sarif, sarif_len);
    while !std::fs::metadata(&outputs.sarif).is_ok_and(|m| m.len() == sarif_len) {
        std::thread::sleep(Duration::from_micros(20));
    }
    let sarif = sarif_started.elapsed();
    let json_started = wait_for(&mut child, &outputs, Report::Json, sarif_len);
    assert!(child.wait().unwrap().success());
    (sarif, json_started.elapsed())
}

/// `path` holds what it held before the run, or the complete `expected`
/// report (valid JSON with every finding). Returns whether it is the new one.
fn whole_or_untouched(path: &Path, previous: Option<&str>, expected: &str, findings: usize, moment: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        assert!(previous.is_none(), "{} vanished ({moment})", path.display());
        return false;
    };
    if previous == Some(text.as_str()) {
        return false;
    }
    let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("{} is cut off or invalid ({moment}): {e}; {} of {} bytes", path.display(), text.len(), expected.len())
    });
    assert_eq!(count_findings(&parsed), findings, "{} ({moment})", path.display());
    assert!(text == expected, "{} differs from the uninterrupted run's ({moment})", path.display());
    true
}

/// Results in a SARIF log, or findings in a JSON report.
fn count_findings(report: &Value) -> usize {
    let list = report.get("runs").map_or(&report["findings"], |runs| &runs[0]["results"]);
    list.as_array().map_or(0, Vec::len)
}

#[test]
fn a_killed_audit_leaves_each_report_untouched_or_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("deployments.yaml");
    std::fs::write(&input, (0..DEPLOYMENTS).map(deployment).collect::<String>()).unwrap();

    let (sarif, json) = reference(tmp.path(), &input);
    let findings = 2 * DEPLOYMENTS;
    assert_eq!(count_findings(&serde_json::from_str(&sarif).unwrap()), findings);
    assert_eq!(count_findings(&serde_json::from_str(&json).unwrap()), findings);
    assert!(sarif.len() > 3_000_000, "the SARIF report is only {} bytes: too quick to write", sarif.len());
    let (sarif_window, json_window) = windows(tmp.path(), &input, sarif.len() as u64);
    eprintln!(
        "SARIF {} bytes, written in {sarif_window:?}; JSON {} bytes, written and exited in {json_window:?}",
        sarif.len(),
        json.len()
    );

    let previous = r#"{"previous": "report"}"#;
    let mut interrupted = Vec::new();
    for (report, window) in [(Report::Sarif, sarif_window), (Report::Json, json_window)] {
        for step in 0..=STEPS {
            let delay = window * step / STEPS;
            let before = (step % 2 == 1).then_some(previous);
            let outputs = Outputs::new(tmp.path(), &format!("{report:?}-{step}"), before);
            let mut child = outputs.spawn(&input, Stdio::null());
            let started = wait_for(&mut child, &outputs, report, sarif.len() as u64);
            std::thread::sleep(delay.saturating_sub(started.elapsed()));
            sigterm(&child);
            let status = child.wait().unwrap();
            let moment = format!("SIGTERM {delay:?} into writing the {report:?} report, {status}");

            let new_sarif = whole_or_untouched(&outputs.sarif, before, &sarif, findings, &moment);
            let new_json = whole_or_untouched(&outputs.json, before, &json, findings, &moment);
            let temps = outputs.temp_files();
            eprintln!("{moment}: new SARIF {new_sarif}, new JSON {new_json}, temporary files {temps:?}");
            assert!(temps.len() <= 1, "one temporary file at most ({moment}): {temps:?}");
            assert!(temps.iter().all(|t| t.ends_with(".tmp")), "{temps:?}");
            // A temporary file left behind: the kill landed while that report was written.
            if !temps.is_empty() {
                interrupted.push(if new_sarif { Report::Json } else { Report::Sarif });
            }
        }
    }
    for report in [Report::Sarif, Report::Json] {
        assert!(
            interrupted.contains(&report),
            "no run was killed while writing the {report:?} report: the test proves nothing"
        );
    }
}

// Runs that are not killed: an unwritable report is an error naming it, and
// `baseline create -o` replaces a file whole.

const BEFORE: &str = "examples/fractalops/before";

#[test]
fn a_report_in_a_missing_directory_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("missing/r.sarif");
    let out = support::run(&["audit", "--format", &format!("sarif={}", target.display()), BEFORE], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!("error: cannot write the report: {}: cannot create a file in ", target.display());
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("create the directory"), "{stderr}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn baseline_create_replaces_the_file_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("baseline.json");
    std::fs::write(&path, "x".repeat(1_000_000)).unwrap();
    let out = support::run(&["baseline", "create", BEFORE, "-o", &path.to_string_lossy()], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let baseline: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("a whole baseline");
    assert!(baseline.is_object());
    let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["baseline.json"], "no temporary file is left");
}
