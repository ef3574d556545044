//! Helpers shared by the integration tests: run the built `rewheel` binary,
//! parse its JSON report, and build the hostile test rule components once.
#![allow(dead_code)]

use std::io::Read;
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
    cmd.current_dir(root()).env("REWHEEL_CACHE_DIR", test_cache()).env("REWHEEL_CACHE_KEY", test_cache_key());
    cmd
}

/// `<target>/test-cache`: shared by the test binaries, never the user's cache.
pub fn test_cache() -> PathBuf {
    target_dir().join("test-cache")
}

/// `<target>/test-cache.key`: the key every test run's cache entries are made
/// and checked with (outside any cache directory), never the user's key.
pub fn test_cache_key() -> PathBuf {
    target_dir().join("test-cache.key")
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

/// Run `rewheel audit --format json <args>` and measure the child's peak RSS
/// (KiB), as it reports it (`REWHEEL_PEAK_RSS=1`): `wait4`'s `ru_maxrss`
/// would include this test process's own RSS, which Linux carries into a
/// child across fork and exec.
pub fn audit_measured(args: &[&str]) -> (Value, i32, u64) {
    audit_measured_fed(args, |_| {})
}

/// As [`audit_measured`], with `feed` writing the child's standard input on
/// its own thread (write errors are the feeder's to ignore: the child may stop
/// reading early).
pub fn audit_measured_fed(
    args: &[&str],
    feed: impl FnOnce(std::process::ChildStdin) + Send + 'static,
) -> (Value, i32, u64) {
    let mut child = rewheel()
        .env("REWHEEL_PEAK_RSS", "1")
        .args(["audit", "--format", "json"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || feed(stdin));
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
    feeder.join().unwrap();
    let code = child.wait().unwrap().code().expect("exited normally, not by a signal");
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not a JSON report ({e}): {out}\n{err}"));
    let peak = err.lines().find_map(|l| l.strip_prefix("rewheel: peak RSS ")?.strip_suffix(" KiB")?.parse().ok());
    (report, code, peak.unwrap_or_else(|| panic!("no peak RSS on stderr: {err}")))
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

/// The lines of an expected-findings file (`rule kind namespace/name line`),
/// without blanks and `#` comments.
pub fn expected_keys(path: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
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
        // The host's build script added the target, unless it was removed since.
        rewheel_toolchain::Toolchain::from_env()
            .in_dir(root())
            .ensure_target(rewheel_toolchain::WASM_TARGET, &mut |line| eprintln!("{line}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(root())
            .args(["build", "--profile", "rules", "--target", "wasm32-wasip2", "--target-dir"])
            .arg(&target_dir)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        for c in &crates {
            cmd.args(["-p", c]);
        }
        let status = cmd.status().expect("run cargo to build the hostile test rules");
        assert!(status.success(), "building the hostile test rules failed");
        target_dir.join("wasm32-wasip2/rules")
    });
    let path = dir.join(format!("{}.wasm", name.replace('-', "_")));
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// The componentize-py release the Python test rules are built with: the
/// newest on PyPI when pinned, and one whose components wasmtime 48 runs.
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// The Python rule component `tests/rules-py/<name>/app.py`, built with
/// componentize-py against `wit/` (world `rule`) into
/// `<target>/py-rules/<name>.wasm`.
///
/// Once per test process, a venv at `<target>/py-venv` gets
/// `componentize-py==`[`COMPONENTIZE_PY`] (from PyPI, like cargo fetching
/// crates; skipped when already installed). The build is skipped when the
/// component is newer than the rule's sources, the WIT and the installed
/// componentize-py. The sources are copied next to the output first, so the
/// build leaves no `__pycache__` in the tree. Panics, saying what to install,
/// when python3 has no venv or pip.
pub fn python_rule(name: &str) -> PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let tool = TOOL.get_or_init(componentize_py);

    let src = root().join("tests/rules-py").join(name);
    assert!(src.join("app.py").is_file(), "{} has no app.py", src.display());
    let out_dir = target_dir().join("py-rules");
    let out = out_dir.join(format!("{name}.wasm"));
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built.iter().any(|b| b == name) {
        return out;
    }
    let inputs = [src.clone(), root().join("wit"), tool.clone()];
    let newest_input = inputs.iter().filter_map(|p| newest_mtime(p)).max().expect("sources have mtimes");
    let fresh = std::fs::metadata(&out).and_then(|m| m.modified()).is_ok_and(|t| t > newest_input);
    if !fresh {
        let started = std::time::Instant::now();
        let copy = out_dir.join(format!("{name}.src"));
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&src, &copy);
        let tmp = out_dir.join(format!("{name}.wasm.tmp{}", std::process::id()));
        let mut cmd = Command::new(tool);
        cmd.arg("-d").arg(root().join("wit")).args(["-w", "rule", "componentize", "-p"]).arg(&copy);
        cmd.args(["app", "-o"]).arg(&tmp).current_dir(&copy);
        checked(&mut cmd, &format!("building the Python rule {name} with componentize-py"));
        std::fs::rename(&tmp, &out).unwrap();
        let size = std::fs::metadata(&out).unwrap().len();
        eprintln!("built {} ({} bytes) in {:?}", out.display(), size, started.elapsed());
    }
    built.push(name.to_string());
    out
}

/// `<target>/py-venv/bin/componentize-py`, at [`COMPONENTIZE_PY`]: the venv
/// created and the tool installed when missing.
fn componentize_py() -> PathBuf {
    let venv = target_dir().join("py-venv");
    let python = venv.join("bin/python");
    const INSTALL: &str = "the Python tests need Python 3 with venv and pip \
        (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip)";
    if !python.exists() {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "venv"]).arg(&venv);
        checked(&mut cmd, &format!("creating a venv at {} ({INSTALL})", venv.display()));
    }
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pip", "--version"]);
    checked(&mut cmd, &format!("the venv at {} has no pip ({INSTALL}; then delete the venv)", venv.display()));

    let mut cmd = Command::new(&python);
    cmd.args(["-c", "import importlib.metadata as m; print(m.version('componentize-py'))"]);
    let installed =
        cmd.output().ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if installed.as_deref() != Some(COMPONENTIZE_PY) {
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet"])
            .arg(format!("componentize-py=={COMPONENTIZE_PY}"));
        checked(&mut cmd, &format!("installing componentize-py=={COMPONENTIZE_PY} from PyPI into {}", venv.display()));
    }
    let tool = venv.join("bin/componentize-py");
    assert!(tool.exists(), "{} is missing after installing componentize-py", tool.display());
    tool
}

/// Run `cmd`; panic naming `what`, with its output, unless it succeeds.
fn checked(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{what} failed ({}): {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The newest modification time of `path` or of any file under it.
fn newest_mtime(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    let own = meta.modified().ok();
    if !meta.is_dir() {
        return own;
    }
    std::fs::read_dir(path).ok()?.filter_map(|e| e.ok()).filter_map(|e| newest_mtime(&e.path())).chain(own).max()
}

/// Copy the files under `from` to `to`, skipping `__pycache__`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_tree(&src, &dst);
            }
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
