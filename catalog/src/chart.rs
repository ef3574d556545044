//! One chart folder of a repository, read into a catalog row.

use anyhow::{Context, Result, bail};
use serde_yaml::Value;

use crate::ChartDir;
use crate::git::Repo;
use crate::image::{looks_like_reference, normalise};
use crate::tsv::Row;
use crate::values::{self, Found};

/// `dir/name`, or `name` for the repository root.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

/// The files of `files` (sorted paths) below `dir/sub/`.
fn under<'a>(files: &'a [String], dir: &str, sub: &str) -> impl Iterator<Item = &'a String> {
    let prefix = join(dir, sub) + "/";
    let start = files.partition_point(|f| f.as_str() < prefix.as_str());
    files[start..].iter().take_while(move |f| f.starts_with(&prefix))
}

/// Read the chart in `chart.dir`, with the charts vendored into it. An error
/// is a chart left out: a library chart, or a Chart.yaml or values.yaml that
/// does not parse (the message says which).
pub fn read(repo: &mut Repo, github: &str, repository: &str, chart: &ChartDir, files: &[String]) -> Result<Row> {
    let dir = chart.dir.as_str();
    let chart_path = join(dir, "Chart.yaml");
    let meta: Value = parse(repo, &chart_path)?;
    if meta.get("type").and_then(Value::as_str) == Some("library") {
        bail!("{chart_path}: a library chart (type: library) installs nothing; skipped");
    }
    let name = scalar(meta.get("name")).with_context(|| format!("{chart_path}: no name"))?;
    let version = scalar(meta.get("version")).unwrap_or_default();
    let mut found = Found::default();
    let values = scan_folder(repo, dir, files, &mut found)?;
    for sub in &chart.vendored {
        scan_folder(repo, sub, files, &mut found)?;
    }
    let operator = found.crds || name == "operator" || name.ends_with("-operator");
    let images: Vec<String> = found.images.into_iter().collect();
    let controller_images =
        if operator { controller_images(&images, values::top_level_image(&values)) } else { Vec::new() };
    Ok(Row {
        name,
        repository: repository.to_string(),
        operator,
        version,
        images,
        controller_images,
        ports: found.ports.into_iter().collect(),
        dependencies: dependencies(&meta, chart),
        source: format!("{github}@{}:{dir}", repo.commit),
    })
}

/// The subcharts a chart renders, by the folder `helm template` gives them:
/// each `Chart.yaml` dependency's alias, else its name, and each chart
/// vendored in it. Sorted and unique.
fn dependencies(meta: &Value, chart: &ChartDir) -> Vec<String> {
    let declared = meta.get("dependencies").and_then(Value::as_sequence).into_iter().flatten();
    let names = declared.filter_map(|d| scalar(d.get("alias")).or_else(|| scalar(d.get("name"))));
    let vendored = chart.vendored.iter().filter_map(|dir| {
        let relative = dir.strip_prefix(&format!("{}/", chart.dir)).unwrap_or(dir);
        relative.strip_prefix("charts/").filter(|n| !n.contains('/')).map(str::to_string)
    });
    let all: std::collections::BTreeSet<String> = names.chain(vendored).filter(|n| !n.is_empty()).collect();
    all.into_iter().collect()
}

/// Scan one chart folder's values.yaml, templates and crds/ into `found`;
/// return its values (null when it has no values.yaml). `templates/tests/`
/// holds `helm test` hooks, not what the chart runs: it is left out.
fn scan_folder(repo: &mut Repo, dir: &str, files: &[String], found: &mut Found) -> Result<Value> {
    let values_path = join(dir, "values.yaml");
    let values = if files.binary_search(&values_path).is_ok() { parse(repo, &values_path)? } else { Value::Null };
    values::scan(&values, found);
    found.crds |= under(files, dir, "crds").next().is_some() || values::offers_crds(&values);
    let tests = join(dir, "templates/tests/");
    let templates: Vec<String> = under(files, dir, "templates").filter(|t| !t.starts_with(&tests)).cloned().collect();
    for template in templates {
        let text = repo.read(&template)?;
        found.crds |= scan_template(&text, found);
    }
    Ok(values)
}

/// Parse a YAML file of the repository; the error names the file and the YAML error.
fn parse(repo: &mut Repo, path: &str) -> Result<Value> {
    let text = repo.read(path)?;
    let mut value: Value = serde_yaml::from_str(&text).with_context(|| format!("{path}: invalid YAML"))?;
    // Resolve `<<: *anchor` merges so merged image blocks are seen; a bad merge keeps the raw value.
    let _ = value.apply_merge();
    Ok(value)
}

/// A string or number field (`version: 1.2` is a YAML float) as text.
fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Literal `image:` and `containerPort:` lines of a template; whether it
/// defines a CustomResourceDefinition. Of a templated image only a quoted
/// default counts (`image: {{ default "ghcr.io/org/app" .Values.image }}`).
pub fn scan_template(text: &str, found: &mut Found) -> bool {
    let mut crd = false;
    for line in text.lines() {
        let line = line.trim().trim_start_matches("- ").trim_start();
        if let Some(value) = line.strip_prefix("image:") {
            let value = value.split(" #").next().unwrap_or_default().trim();
            let defaults = value.split("default \"").skip(1).filter_map(|rest| rest.split('"').next());
            for reference in std::iter::once(value).chain(defaults) {
                if looks_like_reference(reference) {
                    found.images.extend(normalise(reference));
                }
            }
        } else if let Some(value) = line.strip_prefix("containerPort:") {
            found.ports.extend(value.trim().parse::<u16>().ok().filter(|&p| p >= 1));
        } else if line.strip_prefix("kind:").is_some_and(|kind| kind.trim() == "CustomResourceDefinition") {
            crd = true;
        }
    }
    crd
}

/// An operator's own images: those named like a controller (a word of the
/// last path segment is, or ends in, `operator` or `controller`, or is
/// `manager`: `cert-manager-controller`, not `alertmanager`), else the
/// top-level `image` of its values.
pub fn controller_images(images: &[String], top_level: Option<String>) -> Vec<String> {
    let named: Vec<String> = images.iter().filter(|image| controller_named(image)).cloned().collect();
    if named.is_empty() { top_level.into_iter().collect() } else { named }
}

fn controller_named(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split(['-', '_', '.'])
        .any(|word| word.ends_with("operator") || word.ends_with("controller") || word == "manager")
}
