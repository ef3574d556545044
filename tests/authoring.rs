//! Third-party rule authoring end to end, with the host binary built once:
//! `rewheel new` scaffolds a crate outside the workspace, its native tests
//! pass, `rewheel test` builds it to a component and checks its cases
//! strictly, `rules inspect` describes it, `audit --rules that.wasm` runs it,
//! a sha256 pin and `rewheel.lock` guard it — and the rewheel binary is the
//! same file, byte for byte, before and after.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// `rewheel` with the environment a user's shell would have: no cargo
/// test-harness variables leaking into the cargo it runs, and the scaffolded
/// crate's builds cached under `<target>/authoring-e2e`.
fn rewheel_in(dir: &Path) -> Command {
    let mut cmd = support::rewheel();
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", support::target_dir().join("authoring-e2e"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd
}

fn ok(out: Output, what: &str) -> String {
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn from_rewheel_new_to_a_pinned_rule_in_ci_without_rebuilding_the_host() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_rewheel"));
    let (hash_before, mtime_before) = (sha256(&binary), std::fs::metadata(&binary).unwrap().modified().unwrap());

    let work = tempfile::tempdir().unwrap();
    let sdk = support::root().join("rules-sdk");
    // As docs/authoring.md writes it: the rules-sdk of the checkout rewheel was built from.
    let out =
        rewheel_in(work.path()).args(["new", "team-redpanda-rules", "--component", "team-redpanda"]).output().unwrap();
    let created = ok(out, "rewheel new");
    assert!(created.contains("created team-redpanda-rules (9 files)"), "{created}");
    let crate_dir = work.path().join("team-redpanda-rules");
    for file in
        ["Cargo.toml", "rust-toolchain.toml", "src/lib.rs", "cases/smelly/expected.yaml", "cases/clean/input.yaml"]
    {
        assert!(crate_dir.join(file).is_file(), "{file} scaffolded");
    }
    // Not over an existing crate.
    let again = rewheel_in(work.path()).args(["new", "team-redpanda-rules", "--sdk"]).arg(&sdk).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists and is not empty"));

    // The crate's native tests pass with plain cargo.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let native = Command::new(&cargo)
        .current_dir(&crate_dir)
        .arg("test")
        .env("CARGO_TARGET_DIR", support::target_dir().join("authoring-e2e"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .unwrap();
    let native_out = String::from_utf8_lossy(&native.stdout);
    assert!(
        native.status.success(),
        "cargo test in the scaffold:\n{native_out}\n{}",
        String::from_utf8_lossy(&native.stderr)
    );
    assert!(native_out.contains("test result: ok. 2 passed"), "{native_out}");

    // `rewheel test CRATE` builds the component and runs cases/ strictly.
    let tested = ok(rewheel_in(&crate_dir).args(["test", "."]).output().unwrap(), "rewheel test");
    assert!(
        tested.contains("  PASS  clean (0 findings)\n  PASS  smelly (1 finding)\n2 cases: 2 passed, 0 failed"),
        "{tested}"
    );
    let wasm = support::target_dir().join("authoring-e2e/wasm32-wasip2/release/team_redpanda_rules.wasm");
    assert!(tested.starts_with(&format!("rewheel test: {}\n", wasm.display())), "{tested}");
    let wasm_arg = wasm.display().to_string();

    // Strict: a wrong severity, a finding the rule does not report, and a case
    // expecting findings where the rule reports none all fail, with a diff.
    let cases = work.path().join("cases");
    std::fs::create_dir_all(cases.join("wrong")).unwrap();
    std::fs::create_dir_all(cases.join("expects-something")).unwrap();
    std::fs::copy(crate_dir.join("cases/smelly/input.yaml"), cases.join("wrong/input.yaml")).unwrap();
    std::fs::write(
        cases.join("wrong/expected.yaml"),
        "findings:\n  - {rule: team-redpanda-hand-written-workload, kind: StatefulSet, namespace: apps, name: team-redpanda, severity: error}\n  - {rule: team-redpanda-hand-written-workload, kind: Deployment, namespace: apps, name: ghost, severity: warning}\n",
    )
    .unwrap();
    std::fs::copy(crate_dir.join("cases/clean/input.yaml"), cases.join("expects-something/input.yaml")).unwrap();
    std::fs::write(
        cases.join("expects-something/expected.yaml"),
        "findings:\n  - {rule: team-redpanda-hand-written-workload, kind: StatefulSet, namespace: apps, name: team-redpanda, severity: warning, message: runs}\n",
    )
    .unwrap();
    let out = rewheel_in(work.path()).args(["test", &wasm_arg, "--cases"]).arg(&cases).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "  FAIL  expects-something\n        - missing   team-redpanda-hand-written-workload StatefulSet apps/team-redpanda warning \"runs\"\n"
        ),
        "{text}"
    );
    assert!(text.contains("  FAIL  wrong\n        - missing   team-redpanda-hand-written-workload Deployment apps/ghost warning\n        ~ severity  team-redpanda-hand-written-workload StatefulSet apps/team-redpanda: expected error, got warning\n"), "{text}");
    assert!(text.ends_with("2 cases: 0 passed, 2 failed\n"), "{text}");
    let out =
        rewheel_in(work.path()).args(["test", &wasm_arg, "--format", "junit", "--cases"]).arg(&cases).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let junit = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&junit).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 2);
    // An extra finding fails too.
    std::fs::write(cases.join("wrong/expected.yaml"), "findings: []\n").unwrap();
    let out = rewheel_in(work.path()).args(["test", &wasm_arg, "--cases"]).arg(cases.join("wrong")).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("        + extra     team-redpanda-hand-written-workload StatefulSet apps/team-redpanda warning: StatefulSet apps/team-redpanda runs mirror.local/team-redpanda:1.0"), "{text}");
    // A malformed expected.yaml names its file and line.
    std::fs::write(cases.join("wrong/expected.yaml"), "findings:\n  - {rule: x, kind: y}\n").unwrap();
    let out = rewheel_in(work.path()).args(["test", &wasm_arg, "--cases"]).arg(cases.join("wrong")).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("expected.yaml:2: "), "{text}");
    assert!(text.contains("missing field `name`"), "{text}");

    // Inspect: metadata, contract version, sha256, imports.
    let inspected = ok(
        rewheel_in(work.path()).args(["rules", "inspect", &wasm_arg, "--format", "json"]).output().unwrap(),
        "inspect",
    );
    let inspected: Value = serde_json::from_str(&inspected).unwrap();
    assert_eq!(inspected["contract"], "0.5.0");
    assert_eq!(inspected["compatible"], true);
    assert_eq!(inspected["rules"][0]["id"], "team-redpanda-hand-written-workload");
    assert_eq!(inspected["rules"][0]["options"][0]["name"], "allow-names");
    assert!(
        inspected["imports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i.as_str().unwrap().starts_with("rewheel:rule/types@0.5.0"))
    );
    let digest = inspected["sha256"].as_str().unwrap().to_string();
    assert_eq!(digest.len(), 64);

    // Used in an audit beside the built-in pack, with options from rewheel.toml.
    let manifest = crate_dir.join("cases/smelly/input.yaml").display().to_string();
    let (report, code) = support::audit_json(&["--rules", &wasm_arg, &manifest]);
    assert_eq!(code, 1);
    let ours: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["component"] == "team-redpanda").collect();
    assert_eq!(ours.len(), 1, "{}", report["findings"]);
    assert_eq!(ours[0]["rule"], "team-redpanda-hand-written-workload");

    // Pinned in rewheel.toml: the right digest runs, another is refused.
    let config = work.path().join("rewheel.toml");
    let pin = |sha: &str| {
        std::fs::write(
            &config,
            format!("[rules]\nbuiltin = false\npaths = [{{ path = \"{wasm_arg}\", sha256 = \"{sha}\" }}]\n"),
        )
        .unwrap();
        support::audit_json(&["--config", config.to_str().unwrap(), &manifest])
    };
    let (report, code) = pin(&digest);
    assert_eq!((code, report["summary"]["findings"]["total"].as_u64()), (1, Some(1)));
    let (report, code) = pin(&"0".repeat(64));
    assert_eq!(code, 2);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("sha256 is {digest}, but rewheel.toml pins 000")),
        "{}",
        report["errors"]
    );
    assert_eq!(report["summary"]["findings"]["total"], 0);

    // rewheel.lock: `rules lock` records what is in use; `--locked` refuses anything else.
    std::fs::write(&config, format!("[rules]\npaths = [\"{wasm_arg}\"]\n")).unwrap();
    let locked = rewheel_in(work.path()).args(["rules", "lock"]).output().unwrap();
    assert!(locked.status.success(), "{}", String::from_utf8_lossy(&locked.stderr));
    let lock = std::fs::read_to_string(work.path().join("rewheel.lock")).unwrap();
    assert!(lock.contains(&format!("sha256 = \"{digest}\"")), "{lock}");
    assert_eq!(lock.matches("[[component]]").count(), support::builtin_component_count() + 1);
    let run_locked = |extra: &[&str]| {
        let mut cmd = rewheel_in(work.path());
        cmd.args(["audit", "--format", "json", "--locked"]).args(extra).arg(&manifest);
        let out = cmd.output().unwrap();
        (serde_json::from_slice::<Value>(&out.stdout).unwrap(), out.status.code().unwrap())
    };
    let (report, code) = run_locked(&[]);
    assert_eq!(code, 1, "{}", report["errors"]);
    let other = support::hostile_rule("patch-contract").display().to_string();
    let (report, code) = run_locked(&["--rules", &other]);
    assert_eq!(code, 2);
    let e = &report["errors"][0];
    assert_eq!(e["rule"], other);
    assert!(e["message"].as_str().unwrap().contains("is not in rewheel.lock"), "{e}");
    assert!(e["message"].as_str().unwrap().contains("refused under --locked"), "{e}");

    // The host was never rebuilt.
    assert_eq!(sha256(&binary), hash_before);
    assert_eq!(std::fs::metadata(&binary).unwrap().modified().unwrap(), mtime_before);
}
