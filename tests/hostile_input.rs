//! Hostile input: each case gets a clear error naming its file (and line,
//! where one exists), costs bounded memory, and the run goes on with every
//! other input; the summary counts what was read, skipped and failed.

mod support;

use std::path::Path;

use serde_json::Value;

/// A hand-written Postgres: proof that the good file next to the bad ones was audited.
const GOOD: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: good}\nspec:\n  template:\n    spec:\n      containers: [{name: db, image: 'postgres:16'}]\n";

fn billion_laughs() -> String {
    let mut yaml = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names: Vec<char> = ('a'..='j').collect();
    for w in names.windows(2) {
        let (prev, name) = (w[0], w[1]);
        yaml.push_str(&format!(
            "  {name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    yaml
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn error_for<'a>(report: &'a Value, file_suffix: &str) -> &'a Value {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with(file_suffix)))
        .unwrap_or_else(|| panic!("no error for {file_suffix}: {:#}", report["errors"]))
}

#[test]
fn every_hostile_file_fails_alone_and_the_rest_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "alias-bomb.yaml", billion_laughs().as_bytes());
    write(
        d,
        "deep.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        )
        .as_bytes(),
    );
    let mut garbage: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    garbage[0] = 0;
    write(d, "garbage.yaml", &garbage);
    write(d, "latin1.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n");
    write(d, "bom.yaml", format!("\u{feff}{GOOD}").replace("name: good", "name: bom").as_bytes());
    write(d, "duplicate-keys.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\nmetadata: {name: e}\n");
    write(d, "tabs.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabs\n");
    write(d, "unterminated.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"open\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: after-unterminated}\n");
    write(d, "truncated.yaml", b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: trunc\nspec:\n  template:\n    spec:\n      containers:\n        - name: x\n          image: \"mongo");
    write(d, "unrendered.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n  {{- include \"labels\" . | nindent 4 }}\n");
    write(d, "json.yaml", br#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "json"}}"#);
    write(d, "empty.yaml", b"");
    write(d, "only-comments.yaml", b"# nothing here\n---\n---\n");
    write(d, "good.yaml", GOOD.as_bytes());
    std::fs::create_dir(d.join("loop")).unwrap();
    std::os::unix::fs::symlink("..", d.join("loop/up")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/manifest.yaml", d.join("dangling.yaml")).unwrap();

    let root = d.to_string_lossy().into_owned();
    let (report, code, peak_kib) = support::audit_measured(&[&root, "does/not/exist.yaml"]);
    assert_eq!(code, 2, "bad input fails the run");

    let parse = |suffix: &str, line: u64, words: &str| {
        let e = error_for(&report, suffix);
        assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("parse"), Some(line)), "{suffix}: {e}");
        assert!(e["message"].as_str().unwrap().contains(words), "{suffix}: {e}");
    };
    parse("alias-bomb.yaml", 1, "repetition limit exceeded");
    parse("deep.yaml", 4, "recursion limit exceeded");
    parse("tabs.yaml", 4, "cannot start any token");
    parse("unterminated.yaml", 3, "quoted scalar");
    parse("truncated.yaml", 10, "unexpected end of stream");
    parse("unrendered.yaml", 5, "unrendered Helm template");
    let input = |suffix: &str, line: Option<u64>, words: &str| {
        let e = error_for(&report, suffix);
        assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("input"), line), "{suffix}: {e}");
        assert!(e["message"].as_str().unwrap().contains(words), "{suffix}: {e}");
    };
    input("garbage.yaml", Some(1), "binary data");
    input("latin1.yaml", Some(3), "invalid UTF-8");
    input("dangling.yaml", None, "no such file");
    input("loop/up", None, "symbolic link loop");
    input("does/not/exist.yaml", None, "no such file");
    assert_eq!(report["errors"].as_array().unwrap().len(), 11, "{:#}", report["errors"]);
    // A repeated key is kept with a warning, the last value winning, as the API server does.
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0]["file"].as_str().unwrap().ends_with("duplicate-keys.yaml"));
    assert_eq!((warnings[0]["kind"].as_str(), warnings[0]["line"].as_u64()), (Some("duplicate-key"), Some(4)));

    // The good files were audited: the hand-written Postgres in good.yaml and bom.yaml.
    let names: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["bom", "good"]);
    // Files read: everything but the unreadable, looping, missing and binary ones
    // (latin1.yaml was read: its one document is not UTF-8).
    let s = &report["summary"];
    assert_eq!(s["files"], 13, "{s}");
    // Documents: one per non-empty document, failed ones included (unterminated has two).
    assert_eq!(s["documents"], 12, "{s}");
    assert_eq!(s["objects"], 5, "bom, good, json, duplicate-keys and the document after the unterminated string: {s}");
    assert!(peak_kib < 300 * 1024, "peak RSS {peak_kib} KiB");
    eprintln!("hostile input run: peak RSS {} MiB", peak_kib / 1024);
}

#[test]
fn a_100_mb_document_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    let mut text = String::with_capacity(100 << 20);
    text.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: \"");
    text.push_str(&"x".repeat(100 << 20));
    text.push_str("\"\n---\n");
    text.push_str(GOOD);
    std::fs::write(&big, &text).unwrap();
    drop(text);
    let (report, code, peak_kib) = support::audit_measured(&[&big.to_string_lossy()]);
    assert_eq!(code, 2);
    let e = error_for(&report, "big.yaml");
    assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("parse"), Some(1)));
    assert!(e["message"].as_str().unwrap().contains("over the 16 MiB limit"), "{e}");
    assert_eq!(report["findings"][0]["resource"]["name"], "good", "the next document is still audited");
    // The file is read once (100 MiB); nothing parses or copies the big document.
    assert!(peak_kib < 350 * 1024, "peak RSS {} MiB for a 100 MiB input", peak_kib / 1024);
    eprintln!("100 MiB document: peak RSS {} MiB", peak_kib / 1024);
}

#[test]
fn a_run_without_readable_input_still_reports() {
    let (report, code, _) = support::audit_measured(&["missing-1.yaml", "missing-2.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(report["summary"]["files"], 0);
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
}

/// Peak RSS (KiB) of an audit of one small file: what every run costs
/// (the rule pack, wasmtime), which the bounded cases below are measured against.
fn baseline_kib(dir: &Path) -> u64 {
    let good = dir.join("good.yaml");
    std::fs::write(&good, GOOD).unwrap();
    let good = good.to_string_lossy().into_owned();
    // The first run may compile the pack into the test cache; measure warm runs.
    support::audit_measured(&[&good]);
    (0..2).map(|_| support::audit_measured(&[&good]).2).max().unwrap()
}

/// What the bounded cases may cost above the baseline: one 16 MiB document
/// (held once while reading, with its buffer's growth) and ~100 MB.
const ALLOWED_ABOVE_KIB: u64 = (2 * 16 + 100) * 1024;

#[test]
fn dev_zero_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_kib(dir.path());
    let good = dir.path().join("good.yaml").to_string_lossy().into_owned();
    let (report, code, peak_kib) = support::audit_measured(&["/dev/zero", &good]);
    assert_eq!(code, 2);
    let e = error_for(&report, "/dev/zero");
    assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("input"), Some(1)), "{e}");
    assert_eq!(e["message"], "not a text manifest: binary data at byte 0");
    assert_eq!(report["findings"][0]["resource"]["name"], "good", "the next input is still audited");
    assert!(peak_kib < baseline + ALLOWED_ABOVE_KIB, "peak RSS {peak_kib} KiB, baseline {baseline} KiB");
}

#[test]
fn an_endless_document_on_stdin_ends_at_the_input_cap() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_kib(dir.path());
    // `yes "a: b" | rewheel audit -`: one document that never ends.
    let (report, code, peak_kib) = support::audit_measured_fed(&["-", "--max-input-mib", "256"], |mut stdin| {
        use std::io::Write;
        let chunk = "a: b\n".repeat(1 << 14);
        while stdin.write_all(chunk.as_bytes()).is_ok() {}
    });
    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        serde_json::json!([{"kind": "input", "file": "-", "line": null, "rule": null,
            "message": "the input passes the 256 MiB input cap here (256 MiB or more in all); nothing was audited. Raise the cap with --max-input-mib or `max-input-mib` in [limits]"}])
    );
    assert_eq!(report["summary"]["files"], 0, "nothing was audited");
    assert!(peak_kib < baseline + ALLOWED_ABOVE_KIB, "peak RSS {peak_kib} KiB, baseline {baseline} KiB");
    eprintln!("endless stdin: peak RSS {} MiB (baseline {} MiB)", peak_kib / 1024, baseline / 1024);
}

#[test]
fn a_1_gib_line_on_stdin_is_skipped_and_the_next_document_audited() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_kib(dir.path());
    let (report, code, peak_kib) = support::audit_measured_fed(&["-"], |mut stdin| {
        use std::io::Write;
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..1024 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
        let _ = stdin.write_all(format!("\n---\n{GOOD}").as_bytes());
    });
    assert_eq!(code, 2);
    let e = error_for(&report, "-");
    assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("parse"), Some(1)), "{e}");
    assert_eq!(
        e["message"],
        "the document is 1024.0 MiB, over the 16 MiB limit for one document (the API server stores at most ~1.5 MiB per object); not parsed"
    );
    assert_eq!(report["errors"].as_array().unwrap().len(), 1, "{:#}", report["errors"]);
    assert_eq!(report["findings"][0]["resource"]["name"], "good", "the next document is still audited");
    assert_eq!(report["findings"][0]["location"]["line"], 3);
    assert_eq!((report["summary"]["files"].as_u64(), report["summary"]["documents"].as_u64()), (Some(1), Some(2)));
    assert!(peak_kib < baseline + ALLOWED_ABOVE_KIB, "peak RSS {peak_kib} KiB, baseline {baseline} KiB");
    eprintln!("1 GiB line: peak RSS {} MiB (baseline {} MiB)", peak_kib / 1024, baseline / 1024);
}

#[test]
fn files_past_the_input_cap_fail_fast_with_every_report_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.yaml", GOOD.as_bytes());
    write(d, "b.yaml", format!("# {}\n{GOOD}", "x".repeat(2 << 20)).as_bytes());
    let sarif = d.join("out.sarif");
    let root = d.to_string_lossy().into_owned();
    let spec = format!("sarif={}", sarif.display());
    let (report, code) = support::audit_json(&[&root, "--max-input-mib", "1", "--format", &spec]);
    assert_eq!(code, 2);
    let e = error_for(&report, "b.yaml");
    assert_eq!(
        e["message"],
        "the input passes the 1 MiB input cap here (2 MiB in all); nothing was audited. Raise the cap with --max-input-mib or `max-input-mib` in [limits]"
    );
    assert_eq!(report["findings"], serde_json::json!([]));
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(notes.to_string().contains("input cap"), "{notes}");
}

#[test]
fn no_manifest_at_all_fails_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().to_string_lossy().into_owned();
    let (report, code) = support::audit_json(&[&empty]);
    assert_eq!(code, 2, "an empty directory checks nothing: {report:#}");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("no manifests to audit: {empty} holds no *.yaml or *.yml files.")),
        "{message}"
    );
    // `helm template … | rewheel audit -` where helm failed without pipefail.
    let (report, code) = support::audit_json_stdin(&["-"], Some(""));
    assert_eq!(code, 2);
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("standard input (-) was empty"), "{message}");
    assert!(message.contains("set -o pipefail"), "{message}");
    let (report, code) = support::audit_json_stdin(&["-", "--allow-empty"], Some("# nothing\n---\n"));
    assert_eq!((code, report["errors"].as_array().unwrap().len()), (0, 0), "{report:#}");
}

#[test]
fn a_template_with_quoted_expressions_is_not_audited_as_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A chart's templates/ folder whose expressions all sit in quotes: valid YAML.
    write(
        d,
        "statefulset.yaml",
        b"apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: \"{{ .Release.Name }}-db\"\n  namespace: \"{{ .Release.Namespace }}\"\nspec:\n  template:\n    spec:\n      containers: [{name: db, image: 'postgres:16'}]\n",
    );
    write(d, "good.yaml", GOOD.as_bytes());
    let (report, code) = support::audit_json(&[&d.to_string_lossy()]);
    assert_eq!(code, 2);
    let e = error_for(&report, "statefulset.yaml");
    assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("parse"), Some(1)), "{e}");
    assert_eq!(
        e["message"],
        "unrendered Helm template: metadata.name is `{{ .Release.Name }}-db`; audit `helm template` output, not the chart's templates"
    );
    let names: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["good"], "the template is not audited as if rendered");
}

#[test]
fn a_repeated_key_is_a_warning_in_every_format_and_an_error_when_strict() {
    let dir = tempfile::tempdir().unwrap();
    // A helper template's labels plus an explicit one, as real charts render.
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    app.kubernetes.io/name: web\n    app.kubernetes.io/instance: r\n    app.kubernetes.io/name: web-explicit\nspec: {ports: [{port: 80}]}\n";
    write(dir.path(), "service.yaml", service.as_bytes());
    let file = dir.path().join("service.yaml").to_string_lossy().into_owned();
    let message = "duplicate key `app.kubernetes.io/name`: the last value is kept, as the API server does (--strict-yaml makes this an error)";
    let (report, _) = support::audit_json(&[&file]);
    assert_eq!(
        report["warnings"],
        serde_json::json!([{"kind": "duplicate-key", "file": file, "line": 8, "message": message}])
    );
    assert_eq!(report["errors"], serde_json::json!([]));
    let s = &report["summary"];
    assert_eq!((s["objects"].as_u64(), s["warnings"].as_u64()), (Some(1), Some(1)), "{s}");

    let shown = |format: &str| {
        let out = support::run(&["audit", "--format", format, &file], None);
        String::from_utf8(out.stdout).unwrap()
    };
    let text = shown("text");
    assert!(text.contains(&format!("{file}:8")) && text.contains(message) && text.contains("1 warning"), "{text}");
    assert!(shown("markdown").contains(message));
    let github = shown("github");
    assert!(github.contains(&format!("::warning file={file},line=8,title=rewheel duplicate-key::")), "{github}");
    let sarif: Value = serde_json::from_str(&shown("sarif")).unwrap();
    let note = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(note["descriptor"]["id"], "duplicate-key", "{note}");
    assert_eq!(note["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
    let junit = shown("junit");
    assert!(
        junit.contains("<testsuite name=\"warnings\" tests=\"1\"") && junit.contains("classname=\"duplicate-key\""),
        "{junit}"
    );

    let strict_message = "duplicate entry with key \"app.kubernetes.io/name\"";
    let (report, code) = support::audit_json(&[&file, "--strict-yaml"]);
    assert_eq!(code, 2);
    let e = error_for(&report, "service.yaml");
    assert_eq!(e["kind"], "parse");
    assert!(e["message"].as_str().unwrap().contains(strict_message), "{e}");
    assert_eq!((report["summary"]["objects"].as_u64(), report["warnings"].as_array().unwrap().len()), (Some(0), 0));
    // `[input] strict = true` does the same.
    write(dir.path(), "rewheel.toml", b"[input]\nstrict = true\n");
    let config = dir.path().join("rewheel.toml").to_string_lossy().into_owned();
    let (report, code) = support::audit_json(&[&file, "--config", &config]);
    assert_eq!(code, 2);
    assert!(error_for(&report, "service.yaml")["message"].as_str().unwrap().contains(strict_message));
}
