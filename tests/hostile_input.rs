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
    parse("duplicate-keys.yaml", 1, "duplicate entry with key \"metadata\"");
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
    assert_eq!(report["errors"].as_array().unwrap().len(), 12, "{:#}", report["errors"]);

    // The good files were audited: the hand-written Postgres in good.yaml and bom.yaml.
    let names: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["bom", "good"]);
    // Files read: everything but the unreadable, looping, missing and non-text ones.
    let s = &report["summary"];
    assert_eq!(s["files"], 12, "{s}");
    // Documents: one per non-empty document, failed ones included (unterminated has two).
    assert_eq!(s["documents"], 11, "{s}");
    assert_eq!(s["objects"], 4, "bom, good, json and the document after the unterminated string: {s}");
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
