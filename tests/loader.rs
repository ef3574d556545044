//! Manifest loading through the binary: document start lines (comments, CRLF),
//! `# Source:`, `kind: List`, anchors, skipped non-objects, parse errors in the
//! middle of a stream, directories and unreadable input.

mod support;

use serde_json::{Value, json};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A hand-written Postgres: `upstream-available` reports it, so the finding's
/// location shows where the loader placed the document.
fn postgres(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: db\n          image: postgres:16\n"
    )
}

fn locations(report: &Value) -> Vec<(String, u64, u64, Value)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["resource"]["name"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["document"].as_u64().unwrap(),
                f["location"]["template"].clone(),
            )
        })
        .collect()
}

#[test]
fn start_lines_count_comments_blank_lines_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# leading comment\n\n---\n# Source: w/templates/a.yaml\n# another comment\n{}---\n---\n# only a comment: an empty document\n---\n\n{}",
        postgres("first"),
        postgres("second")
    );
    let file = write(&dir, "m.yaml", &text);
    let (report, _) = support::audit_json(&[&file]);
    assert_eq!(
        locations(&report),
        vec![("first".into(), 6, 0, json!("w/templates/a.yaml")), ("second".into(), 21, 1, Value::Null)]
    );
    assert_eq!(report["summary"]["documents"], 2, "empty documents are not counted");
}

#[test]
fn crlf_line_ends_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("# c\n---\n{}---\n# Source: w/templates/b.yaml\n{}", postgres("a"), postgres("b"))
        .replace('\n', "\r\n");
    let file = write(&dir, "crlf.yaml", &text);
    let (report, _) = support::audit_json(&[&file]);
    assert_eq!(
        locations(&report),
        vec![("a".into(), 3, 0, Value::Null), ("b".into(), 15, 1, json!("w/templates/b.yaml"))]
    );
}

#[test]
fn list_items_anchors_and_merge_keys() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
apiVersion: v1
kind: List
items:
  - &db
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: one}
    spec: {template: {spec: {containers: [{name: db, image: 'mongo:7'}]}}}
  - <<: *db
    metadata: {name: two}
  - not-an-object
";
    let file = write(&dir, "list.yaml", text);
    let (report, _) = support::audit_json(&[&file]);
    assert_eq!(
        locations(&report),
        vec![("one".into(), 1, 0, Value::Null), ("two".into(), 1, 0, Value::Null)],
        "List items share the List's line and document index"
    );
    assert_eq!(report["summary"]["documents"], 1);
    assert_eq!(report["summary"]["objects"], 2);
    assert_eq!(report["summary"]["skipped"], 1);
    assert_eq!(report["skipped"][0]["reason"], "List item 2: not a Kubernetes object: the document is a string");
}

#[test]
fn a_parse_error_mid_stream_costs_only_its_document() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}---\nmetadata:\n  name: [broken\n  x: 1\n---\n{}", postgres("before"), postgres("after"));
    let bad = write(&dir, "bad.yaml", &text);
    let good = write(&dir, "good.yaml", &postgres("other-file"));
    let (report, code) = support::audit_json(&[&bad, &good]);
    assert_eq!(code, 2, "a parse error makes the run fail");
    let names: Vec<String> = locations(&report).into_iter().map(|l| l.0).collect();
    assert_eq!(names, vec!["before", "after", "other-file"], "sorted by file, then document");
    let after = locations(&report).into_iter().find(|l| l.0 == "after").unwrap();
    assert_eq!((after.1, after.2), (16, 2), "the document after the error keeps its line and index");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["kind"], "parse");
    assert_eq!(errors[0]["file"], bad);
    let line = errors[0]["line"].as_u64().unwrap();
    assert!((12..=14).contains(&line), "error line {line} is inside the broken document");
    assert!(errors[0]["message"].as_str().unwrap().contains("line"), "{}", errors[0]["message"]);
    assert_eq!(report["summary"]["documents"], 4);
    assert_eq!(report["summary"]["errors"], 1);
}

#[test]
fn yaml_that_is_not_a_kubernetes_object_is_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "values.yaml",
        "replicaCount: 2\nimage: {repository: mongo}\n---\n- a\n- b\n---\nkind: Deployment\n",
    );
    let (report, code) = support::audit_json(&[&file]);
    assert_eq!(code, 0, "skipping is not an error");
    assert_eq!(report["summary"]["skipped"], 3);
    let reasons: Vec<&str> =
        report["skipped"].as_array().unwrap().iter().map(|s| s["reason"].as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        vec![
            "not a Kubernetes object: no apiVersion or kind",
            "not a Kubernetes object: the document is a sequence",
            "not a Kubernetes object: no apiVersion"
        ]
    );
    assert_eq!(report["skipped"][1]["line"], 4);
}

#[test]
fn directories_are_walked_recursively_sorted_yaml_only() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "b/z.yml", &postgres("z"));
    write(&dir, "b/a.yaml", &postgres("a"));
    write(&dir, "c.yaml", &postgres("c"));
    write(&dir, "notes.txt", &postgres("ignored"));
    write(&dir, "chart/values.json", "{}");
    let root = dir.path().to_string_lossy().into_owned();
    let (report, _) = support::audit_json(&[&root]);
    let files: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap().strip_prefix(&root).unwrap().to_string())
        .collect();
    assert_eq!(files, vec!["/b/a.yaml", "/b/z.yml", "/c.yaml"]);
    assert_eq!(report["summary"]["files"], 3);
}

#[test]
fn invalid_utf8_is_an_input_error_with_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.yaml");
    std::fs::write(&path, b"apiVersion: v1\nkind: ConfigMap\ndata: {x: \"caf\xe9\"}\n").unwrap();
    let file = path.to_string_lossy().into_owned();
    let (report, code) = support::audit_json(&[&file]);
    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        json!([{"kind": "input", "file": file, "line": 3, "rule": null, "message": "not a text manifest: invalid UTF-8 at byte 45"}])
    );
}

#[test]
fn json_input_and_a_byte_order_mark_load() {
    let dir = tempfile::tempdir().unwrap();
    let json_file = write(
        &dir,
        "m.yaml",
        "\u{feff}{\"apiVersion\": \"apps/v1\", \"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"r\", \"image\": \"redis:7\"}]}}}}\n",
    );
    let (report, _) = support::audit_json(&[&json_file]);
    assert_eq!(locations(&report), vec![("j".into(), 1, 0, Value::Null)]);
}
