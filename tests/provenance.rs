//! Provenance decided by the host from evidence (docs/ACCURACY.md).
//!
//! Each case under `tests/provenance/<case>/` is an `input.yaml` audited with
//! the whole built-in pack; its findings must equal `expected` exactly (one
//! `rule kind namespace/name line` per line). Then two properties over every
//! fixture in the repository:
//! - renaming a wrapper chart to the name of a subchart it renders changes no
//!   finding (a wrapper is known by what it renders, not by its name);
//! - moving a wrapper's templates into a vendored local subchart hides nothing
//!   when that subchart runs a product upstream ships in other charts.

mod support;

use std::collections::BTreeSet;

/// `rule kind namespace/name line` of each finding of `yaml` (given on stdin).
fn findings(yaml: &str) -> BTreeSet<String> {
    let (report, _) = support::audit_json_stdin(&["-"], Some(yaml));
    assert_eq!(report["errors"], serde_json::json!([]), "unexpected errors");
    support::finding_keys(&report).into_iter().map(|k| k.replace(" -:", " ")).collect()
}

#[test]
fn every_provenance_case() {
    let root = support::root().join("tests/provenance");
    let mut cases: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 2, "the provenance cases are missing");
    let mut failures = Vec::new();
    for case in cases {
        let yaml = std::fs::read_to_string(case.join("input.yaml")).unwrap();
        let expected: BTreeSet<String> = std::fs::read_to_string(case.join("expected"))
            .unwrap()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        let actual = findings(&yaml);
        if actual != expected {
            failures.push(format!(
                "{}\n  missing: {:#?}\n  extra: {:#?}",
                case.display(),
                expected.difference(&actual).collect::<Vec<_>>(),
                actual.difference(&expected).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every fixture of the repository: the provenance cases and each
/// component's smelly and clean cases.
fn fixtures() -> Vec<(String, String)> {
    let root = support::root();
    let mut out = Vec::new();
    for dir in ["tests/provenance", "tests/fixtures"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for case in entries {
            for file in ["input.yaml", "smelly.yaml", "clean.yaml"] {
                if let Ok(text) = std::fs::read_to_string(case.join(file)) {
                    out.push((format!("{}/{file}", case.display()), text));
                }
            }
        }
    }
    out
}

/// The chart graph the host decides for `yaml`.
fn graph(yaml: &str) -> rewheel_manifest::charts::ChartGraph {
    let loaded = rewheel_manifest::load_str("fixture.yaml", yaml);
    rewheel_manifest::charts::ChartGraph::of(
        loaded.objects.iter().map(|o| (o.provenance.template.as_deref(), &o.labels, &o.body)),
        &Default::default(),
    )
}

/// `(wrapper, subchart)` for each top-level local chart of `yaml` that
/// renders a subchart: `# Source: W/charts/S/templates/…`.
fn wrappers(yaml: &str) -> BTreeSet<(String, String)> {
    let graph = graph(yaml);
    graph
        .charts()
        .filter_map(|c| {
            let parent = graph.charts().find(|p| Some(&p.path) == c.parent.as_ref())?;
            (parent.parent.is_none() && !parent.upstream).then(|| (parent.name.clone(), c.name.clone()))
        })
        .collect()
}

/// Rename chart `from` to `to` where the input names it: `# Source:` paths
/// and `helm.sh/chart` labels. Line numbers do not move.
fn rename(yaml: &str, from: &str, to: &str) -> String {
    yaml.lines()
        .map(|l| {
            let l = l.replace(&format!("# Source: {from}/"), &format!("# Source: {to}/"));
            l.replace(&format!("helm.sh/chart: {from}-"), &format!("helm.sh/chart: {to}-"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn renaming_a_wrapper_to_its_dependency_changes_no_finding() {
    let mut tried = 0;
    let mut failures = Vec::new();
    for (name, yaml) in fixtures() {
        for (wrapper, subchart) in wrappers(&yaml) {
            if wrapper == subchart || yaml.contains(&format!("# Source: {subchart}/")) {
                continue;
            }
            tried += 1;
            let before = findings(&yaml);
            let after = findings(&rename(&yaml, &wrapper, &subchart));
            if before != after {
                failures.push(format!(
                    "{name}: renaming {wrapper} to {subchart}\n  lost: {:#?}\n  gained: {:#?}",
                    before.difference(&after).collect::<Vec<_>>(),
                    after.difference(&before).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(tried >= 5, "only {tried} wrappers tried");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Move the own templates of top-level chart `wrapper` into a vendored local
/// subchart `wrapper/charts/<local>` with its own chart label.
fn vendor(yaml: &str, wrapper: &str, local: &str) -> String {
    yaml.lines()
        .map(|l| {
            let l = l.replace(
                &format!("# Source: {wrapper}/templates/"),
                &format!("# Source: {wrapper}/charts/{local}/templates/"),
            );
            // Only the labels of the moved documents name the wrapper itself.
            l.replace(&format!("helm.sh/chart: {wrapper}-"), &format!("helm.sh/chart: {local}-0.1.0-was-"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level charts whose own templates run a product that upstream ships
/// in other charts (the only evidence a vendored chart leaves without its
/// sources).
fn product_wrappers(yaml: &str) -> BTreeSet<String> {
    let loaded = rewheel_manifest::load_str("fixture.yaml", yaml);
    let graph = graph(yaml);
    let mut out = BTreeSet::new();
    for o in &loaded.objects {
        let Some(template) = o.provenance.template.as_deref() else { continue };
        let chain = rewheel_manifest::charts::chart_chain(template);
        let [wrapper] = chain.as_slice() else { continue };
        let local = graph.charts().any(|c| c.path == *wrapper && !c.upstream);
        let runs = ["Deployment", "StatefulSet", "DaemonSet"].contains(&o.kind.as_str())
            && o.body.pointer("/spec/template/spec/containers").and_then(|c| c.as_array()).is_some_and(|cs| {
                cs.iter().filter_map(|c| c["image"].as_str()).any(|i| {
                    rewheel_manifest::products::product_of(&rewheel_manifest::image::Image::parse(i)).is_some()
                })
            });
        if local && runs {
            out.insert(wrapper.to_string());
        }
    }
    out
}

#[test]
fn moving_wrapper_templates_into_a_vendored_local_subchart_hides_nothing() {
    let mut tried = 0;
    let mut failures = Vec::new();
    for (name, yaml) in fixtures() {
        for wrapper in product_wrappers(&yaml) {
            tried += 1;
            let before = findings(&yaml);
            let after = findings(&vendor(&yaml, &wrapper, "agent"));
            let lost: Vec<_> = before.difference(&after).collect();
            if !lost.is_empty() {
                failures.push(format!("{name}: moving {wrapper}/templates into {wrapper}/charts/agent lost {lost:#?}"));
            }
        }
    }
    assert!(tried >= 5, "only {tried} wrappers tried");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
