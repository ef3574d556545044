//! Helpers shared by the integration tests: run the built `rewheel` binary,
//! parse its JSON report, and build the hostile test rule components once.
#![allow(dead_code)]

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The `rewheel` binary cargo built for these tests, run from the repo root,
/// with compiled components cached under `<target>/test-cache`.
pub fn rewheel() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rewheel"));
    cmd.current_dir(root()).env("REWHEEL_CACHE_DIR", test_cache());
    cmd
}

/// `<target>/test-cache`: shared by the test binaries, never the user's cache.
pub fn test_cache() -> PathBuf {
    target_dir().join("test-cache")
}

/// `<target>`, from the test binary's path (`<target>/<profile>/rewheel`).
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_rewheel")).parent().unwrap().parent().unwrap().to_path_buf()
}

/// Run `rewheel` with `args`, feeding `stdin`.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = rewheel();
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("run rewheel");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// `rewheel audit --format json <args>`: the parsed report and the exit code.
pub fn audit_json(args: &[&str]) -> (Value, i32) {
    audit_json_stdin(args, None)
}

pub fn audit_json_stdin(args: &[&str], stdin: Option<&str>) -> (Value, i32) {
    let mut full = vec!["audit", "--format", "json"];
    full.extend_from_slice(args);
    let out = run(&full, stdin);
    let text = String::from_utf8(out.stdout).expect("UTF-8 report");
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("stdout is not a JSON report ({e}):\n{text}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr))
    });
    (report, out.status.code().expect("exit code"))
}

/// Run `rewheel audit --format json <args>` and measure the child's peak RSS (KiB).
// The child is reaped by `wait4` (which also returns its rusage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn audit_measured(args: &[&str]) -> (Value, i32, u64) {
    let mut child = rewheel()
        .args(["audit", "--format", "json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let err = err.join().unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: waits for our own child; `status` and `usage` are valid out-pointers.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    let code = std::process::ExitStatus::from_raw(status).code().expect("exited normally, not by a signal");
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not a JSON report ({e}): {out}\n{err}"));
    (report, code, usage.ru_maxrss as u64)
}

/// How many rules the built-in pack carries (from `rewheel rules list`).
pub fn builtin_rule_count() -> u64 {
    let out = run(&["rules", "list", "--format", "json"], None);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    list["rules"].as_array().unwrap().len() as u64
}

/// How many components the built-in pack has.
pub fn builtin_component_count() -> usize {
    let out = run(&["rules", "list", "--format", "json"], None);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources: std::collections::BTreeSet<&str> =
        list["rules"].as_array().unwrap().iter().map(|r| r["source"].as_str().unwrap()).collect();
    sources.len()
}

/// `rule kind namespace/name file:line` of every finding, sorted.
pub fn finding_keys(report: &Value) -> Vec<String> {
    let mut keys: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let r = &f["resource"];
            let ns = r["namespace"].as_str().unwrap_or("-");
            format!(
                "{} {} {}/{} {}:{}",
                f["rule"].as_str().unwrap(),
                r["kind"].as_str().unwrap(),
                ns,
                r["name"].as_str().unwrap(),
                f["location"]["file"].as_str().unwrap(),
                f["location"]["line"]
            )
        })
        .collect();
    keys.sort();
    keys
}

/// The hostile rule components under `tests/rules/`, built for
/// `wasm32-wasip2` once per test binary into `<target>/test-rules`.
pub fn hostile_rule(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let target_dir = target_dir().join("test-rules");
        let crates: Vec<String> = std::fs::read_dir(root().join("tests/rules"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(root())
            .args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir"])
            .arg(&target_dir)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        for c in &crates {
            cmd.args(["-p", c]);
        }
        let status = cmd.status().expect("run cargo to build the hostile test rules");
        assert!(status.success(), "building the hostile test rules failed");
        target_dir.join("wasm32-wasip2/release")
    });
    let path = dir.join(format!("{}.wasm", name.replace('-', "_")));
    assert!(path.exists(), "{} was not built", path.display());
    path
}
