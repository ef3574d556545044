//! Provenance decided by the host from evidence (docs/ACCURACY.md).
//!
//! Each case under `tests/provenance/<case>/` is an `input.yaml` audited with
//! the whole built-in pack; its findings must equal `expected` exactly (one
//! `rule kind namespace/name line` per line). Then two properties over every
//! fixture in the repository:
//! - renaming a wrapper chart to the name of a subchart it renders changes no
//!   finding (a wrapper is known by what it renders, not by its name);
//! - moving a wrapper's templates into a vendored local subchart hides nothing
//!   when that subchart runs a product upstream ships in other charts;
//! - adding chart sources (`--charts`) never loses a finding.
//!
//! A case with a `charts/` folder is audited with `--charts` on it.

mod support;

use std::collections::BTreeSet;

/// `rule kind namespace/name line` of each finding of `yaml` (given on stdin).
fn findings(yaml: &str) -> BTreeSet<String> {
    findings_with(yaml, &[])
}

/// The same, with more arguments (`--charts DIR`).
fn findings_with(yaml: &str, args: &[&str]) -> BTreeSet<String> {
    let mut all = vec!["-"];
    all.extend_from_slice(args);
    let (report, _) = support::audit_json_stdin(&all, Some(yaml));
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
        let expected = support::expected_keys(&case.join("expected"));
        // A case with chart sources beside it is audited with them.
        let charts = case.join("charts");
        let charts = charts.display().to_string();
        let args: Vec<&str> = if case.join("charts").is_dir() { vec!["--charts", &charts] } else { vec![] };
        let actual = findings_with(&yaml, &args);
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

#[test]
fn chart_sources_reveal_a_vendored_chart_and_name_the_template_to_edit() {
    let case = "tests/provenance/chart-sources";
    let input = format!("{case}/input.yaml");
    let charts = format!("{case}/charts");
    // Rendered alone, the vendored subchart runs no product: nothing says it is local.
    let (alone, _) = support::audit_json(&[&input]);
    assert_eq!(alone["findings"], serde_json::json!([]));
    let (report, code) = support::audit_json(&[&input, "--charts", &charts]);
    assert_eq!(code, 1);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "bootstrap-script");
    let location = &finding["location"];
    assert_eq!(location["origin"], "wrapper");
    assert_eq!(
        location["source"],
        serde_json::json!({"file": format!("{charts}/platform-jobs/charts/bucket-setup/templates/job.yaml"), "line": 3})
    );
    assert!(location["evidence"].as_str().unwrap().contains("(vendored, no repository): the team's own chart"));
    // The upstream dependency's own bucket Job stays upstream, by its repository.
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);

    // SARIF points at the template, with the rendered place related, and validates.
    let out = support::run(&["audit", &input, "--charts", &charts, "--format", "sarif"], None);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema_path = support::root().join("../shared/schemas/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    assert!(
        validator.is_valid(&sarif),
        "{:?}",
        validator.iter_errors(&sarif).map(|e| e.to_string()).collect::<Vec<_>>()
    );
    let result = &sarif["runs"][0]["results"][0];
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        format!("{charts}/platform-jobs/charts/bucket-setup/templates/job.yaml")
    );
    assert_eq!(physical["region"]["startLine"], 3);
    assert_eq!(result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"], input);
    assert_eq!(result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 17);

    // Text names the file to edit too.
    let out = support::run(&["audit", &input, "--charts", &charts], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("edit: {charts}/platform-jobs/charts/bucket-setup/templates/job.yaml:3")), "{text}");

    // A folder that is not chart sources is an error naming it; the audit goes on.
    let (report, _) = support::audit_json(&[&input, "--charts", "tests/provenance/no-such-charts"]);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "tests/provenance/no-such-charts");
    assert!(errors[0]["message"].as_str().unwrap().contains("not a folder of chart sources"), "{errors:?}");
}

/// Chart sources for the local top-level charts of `yaml`, written under
/// `root`: each declares the subcharts it renders, every one from a chart
/// repository (`all_remote`, the sources that could hide the most), or from a
/// repository when the host judged it upstream and a local folder otherwise.
fn synthesize_sources(yaml: &str, root: &std::path::Path, all_remote: bool) -> usize {
    let graph = graph(yaml);
    let mut written = 0;
    for top in graph.charts().filter(|c| c.parent.is_none() && !c.upstream) {
        let mut text = format!("apiVersion: v2\nname: {}\nversion: 1.0.0\ndependencies:\n", top.name);
        for sub in graph.charts().filter(|c| c.parent.as_deref() == Some(top.path.as_str())) {
            let repository = if sub.upstream || all_remote {
                "https://charts.example.org".to_string()
            } else {
                std::fs::create_dir_all(root.join(&sub.name)).unwrap();
                std::fs::write(root.join(&sub.name).join("Chart.yaml"), format!("name: {}\n", sub.name)).unwrap();
                format!("file://../{}", sub.name)
            };
            text.push_str(&format!("  - {{name: {}, repository: \"{repository}\"}}\n", sub.name));
        }
        std::fs::create_dir_all(root.join(&top.name)).unwrap();
        std::fs::write(root.join(&top.name).join("Chart.yaml"), text).unwrap();
        written += 1;
    }
    written
}

#[test]
fn adding_chart_sources_never_loses_a_finding() {
    let mut tried = 0;
    let mut failures = Vec::new();
    for (name, yaml) in fixtures() {
        let before = findings(&yaml);
        for all_remote in [true, false] {
            let sources = tempfile::tempdir().unwrap();
            if synthesize_sources(&yaml, sources.path(), all_remote) == 0 {
                continue;
            }
            tried += 1;
            let dir = sources.path().display().to_string();
            let after = findings_with(&yaml, &["--charts", &dir]);
            let lost: Vec<_> = before.difference(&after).collect();
            if !lost.is_empty() {
                failures.push(format!("{name}: --charts (all from repositories: {all_remote}) lost {lost:#?}"));
            }
        }
    }
    assert!(tried >= 20, "only {tried} fixtures had local charts");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn what_rewheel_toml_declares_comes_before_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rewheel.toml");
    let input = "tests/provenance/wrapper-named-like-dependency/input.yaml";
    let config_arg = config.display().to_string();
    // The wrapper declared upstream: its own templates are no longer the team's.
    std::fs::write(&config, "[provenance]\nupstream = [\"min*\"]\n").unwrap();
    let (report, code) = support::audit_json(&[input, "--config", &config_arg]);
    assert_eq!((report["findings"].clone(), code), (serde_json::json!([]), 0));
    // The upstream subchart declared local: its bucket Job and StatefulSet are now the team's.
    std::fs::write(&config, "[provenance]\nlocal = [\"minio\"]\n").unwrap();
    let (report, _) = support::audit_json(&[input, "--config", &config_arg]);
    let evidence: BTreeSet<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["location"]["evidence"].as_str().unwrap()).collect();
    assert_eq!(
        evidence,
        [format!("{config_arg} declares minio local ([provenance] local = \"minio\")").as_str()].into(),
        "every finding names the declaration"
    );
    let names: BTreeSet<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"]["name"].as_str().unwrap()).collect();
    assert!(names.contains("minio-settings") && names.contains("minio-metadata-db"), "{names:?}");
    // `config show` lists [provenance] with where each value comes from.
    let out = support::run(&["config", "show", "--config", &config_arg, "--charts", "charts/"], None);
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("\n[provenance]\n"), "{shown}");
    assert!(
        shown.lines().any(|l| l.starts_with("local = [\"minio\"]") && l.ends_with(&format!("# {config_arg}:2"))),
        "{shown}"
    );
    assert!(shown.lines().any(|l| l.starts_with("charts = [\"charts/\"]") && l.ends_with("# --charts")), "{shown}");
    // A key [provenance] does not know is refused with its line.
    std::fs::write(&config, "[provenance]\nlocals = [\"minio\"]\n").unwrap();
    let (report, _) = support::audit_json(&[input, "--config", &config_arg]);
    assert_eq!(report["errors"][0]["line"], 2, "{}", report["errors"]);
}

#[test]
fn rewheel_charts_shows_the_graph_and_why() {
    let input = "tests/provenance/wrapper-named-like-dependency/input.yaml";
    let out = support::run(&["charts", input, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let charts: Vec<(&str, &str, u64)> = report["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["path"].as_str().unwrap(), c["verdict"].as_str().unwrap(), c["objects"].as_u64().unwrap()))
        .collect();
    assert_eq!(charts, [("minio", "local", 4), ("minio/charts/minio", "upstream", 3)]);
    assert_eq!(report["charts"][0]["version"], "0.3.0");
    assert_eq!(
        report["charts"][0]["evidence"],
        "chart minio 0.3.0 renders a subchart of its own name (minio 5.4.0): a wrapper around it"
    );
    assert_eq!(report["origins"], serde_json::json!({"upstream": 3, "wrapper": 4}));

    let out = support::run(&["charts", input], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("minio 0.3.0"), "{text}");
    assert!(text.contains("  why: chart minio 0.3.0 renders a subchart of its own name"), "{text}");
    assert!(text.contains("  minio 5.4.0"), "the subchart sits under its parent: {text}");
    assert!(text.ends_with("objects: 3 upstream, 4 wrapper\n"), "{text}");

    // With the sources, the chart's folder and the dependency's repository decide.
    let case = "tests/provenance/chart-sources";
    let out = support::run(&["charts", &format!("{case}/input.yaml"), "--charts", &format!("{case}/charts")], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("source: {case}/charts/platform-jobs/charts/bucket-setup")), "{text}");
    assert!(text.contains("dependency minio comes from https://charts.min.io/: upstream"), "{text}");

    // What cannot be read is an error, and the rest is still shown.
    let out = support::run(&["charts", input, "no-such-file.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("minio 0.3.0") && text.contains("no-such-file.yaml"), "{text}");
}

#[test]
fn an_argocd_git_path_is_reported_only_with_the_chart_sources_that_show_a_copy() {
    let case = "tests/provenance/argocd-copied-chart";
    let input = format!("{case}/input.yaml");
    let (alone, code) = support::audit_json(&[&input]);
    assert_eq!((alone["findings"].clone(), code), (serde_json::json!([]), 0), "the Applications alone show no copy");
    let (report, _) = support::audit_json(&[&input, "--charts", &format!("{case}/charts")]);
    let names: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["redpanda"], "the wrappers (platform-novu, minio over the upstream minio) are fine");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("a copy of the published chart ({case}/charts/redpanda/Chart.yaml)")),
        "{message}"
    );
}
