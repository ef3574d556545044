//! The whole rule pack on real manifests written by others
//! (`../shared/corpus/`, labelled per document in `LABELS.tsv`):
//!
//! - no reinvention-category finding on a document labelled `none`
//!   (upstream-rendered objects, applications' own services, CRDs, RBAC);
//! - at least 90% of the documents labelled `flag` reported;
//! - unrendered Helm templates (`not-rendered/`) are parse errors naming file
//!   and line, and the run goes on with every other file.
//!
//! The achieved numbers are printed and must match `docs/ACCURACY.md`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Categories that claim something was reinvented.
const REINVENTION: &[&str] = &["reinvented-workload", "bootstrap-script", "retired-plane"];

struct Label {
    kind: String,
    name: String,
    expect: String,
    component: String,
}

fn corpus() -> PathBuf {
    let dir = support::root().join("../shared/corpus");
    assert!(dir.join("LABELS.tsv").exists(), "the labelled corpus is expected at {}", dir.display());
    dir
}

fn labels() -> BTreeMap<(String, u64), Label> {
    let text = std::fs::read_to_string(corpus().join("LABELS.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let key = (cols[0].to_string(), cols[1].parse::<u64>().unwrap());
            (
                key,
                Label { kind: cols[3].into(), name: cols[5].into(), expect: cols[7].into(), component: cols[8].into() },
            )
        })
        .collect()
}

fn audit_corpus() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rewheel"))
        .current_dir(corpus())
        .env("REWHEEL_CACHE_DIR", support::test_cache())
        .env("REWHEEL_CACHE_KEY", support::test_cache_key())
        .args(["audit", "--format", "json", "upstream", "handwritten", "rendered", "not-rendered"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "parse errors in not-rendered/ make the run exit 2");
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

#[test]
fn corpus_accuracy() {
    let labels = labels();
    let report = audit_corpus();

    // (file, document) → findings on it.
    let mut found: BTreeMap<(String, u64), Vec<&Value>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let key = (f["location"]["file"].as_str().unwrap().to_string(), f["location"]["document"].as_u64().unwrap());
        found.entry(key).or_default().push(f);
    }

    // Document indices agree with the labels: each finding names the labelled object.
    for ((file, doc), findings) in &found {
        let Some(label) = labels.get(&(file.clone(), *doc)) else { continue };
        for f in findings {
            if f["resource"]["kind"] != "List" && label.kind != "List" {
                assert_eq!(
                    (f["resource"]["kind"].as_str().unwrap(), f["resource"]["name"].as_str().unwrap()),
                    (label.kind.as_str(), label.name.as_str()),
                    "{file} document {doc}: the report and LABELS.tsv disagree on which object this is"
                );
            }
        }
    }

    let mut false_positives = Vec::new();
    let (mut flagged, mut reported, mut missed) = (0, 0, Vec::new());
    for ((file, doc), label) in &labels {
        let hits = found.get(&(file.clone(), *doc)).map(Vec::as_slice).unwrap_or_default();
        match label.expect.as_str() {
            "none" => {
                for f in hits.iter().filter(|f| REINVENTION.contains(&f["category"].as_str().unwrap())) {
                    false_positives
                        .push(format!("{file}#{doc} {} {}: {} — {}", label.kind, label.name, f["rule"], f["message"]));
                }
            }
            "flag" => {
                flagged += 1;
                if hits.is_empty() {
                    missed.push(format!("{file}#{doc} {} {} ({})", label.kind, label.name, label.component));
                } else {
                    reported += 1;
                }
            }
            _ => {}
        }
    }
    let recall = f64::from(reported) / f64::from(flagged);
    println!(
        "corpus: recall {reported}/{flagged} ({:.1}%), reinvention false positives on `none`: {}",
        recall * 100.0,
        false_positives.len()
    );
    for m in &missed {
        println!("  missed: {m}");
    }
    assert!(
        false_positives.is_empty(),
        "reinvention findings on documents labelled none:\n{}",
        false_positives.join("\n")
    );
    assert!(recall >= 0.9, "recall {reported}/{flagged} is below 90%; missed:\n{}", missed.join("\n"));

    let accuracy = std::fs::read_to_string(support::root().join("docs/ACCURACY.md")).unwrap();
    let line = format!("| Recall on `flag` documents | {reported} / {flagged} |");
    assert!(accuracy.contains(&line), "docs/ACCURACY.md is stale: expected the line\n{line}");
    let line = format!("| Reinvention findings on `none` documents | {} |", false_positives.len());
    assert!(accuracy.contains(&line), "docs/ACCURACY.md is stale: expected the line\n{line}");
}

#[test]
fn unrendered_templates_are_parse_errors_with_file_and_line() {
    let report = audit_corpus();
    let not_rendered: BTreeSet<String> = std::fs::read_dir(corpus().join("not-rendered"))
        .unwrap()
        .map(|e| format!("not-rendered/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    let errors = report["errors"].as_array().unwrap();
    for file in &not_rendered {
        let e = errors.iter().find(|e| e["file"] == file.as_str()).unwrap_or_else(|| panic!("no error for {file}"));
        assert_eq!(e["kind"], "parse", "{file}: {e}");
        assert!(e["line"].as_u64().is_some_and(|l| l >= 1), "{file}: the error names a line: {e}");
    }
    assert!(
        errors.iter().all(|e| e["file"].as_str().is_some_and(|f| not_rendered.contains(f))),
        "only the unrendered templates fail to parse: {errors:#?}"
    );
    // The run went on: the rendered and hand-written files were audited.
    assert!(report["summary"]["files"].as_u64().unwrap() > not_rendered.len() as u64);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"]["file"].as_str().unwrap().starts_with("handwritten/"))
    );
}
