//! Operator install bundles: plain multi-document YAML (`kubectl apply -f`)
//! for operators that users install without a chart.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_yaml::Value;

use crate::git::Repo;
use crate::image::normalise;
use crate::sources::{Manifest, Source};
use crate::tsv::Row;

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet"];

/// The bundle's row: its workloads' images, the controller's among them; the version is the tag of the first workload container's image.
pub fn read(repo: &mut Repo, source: &Source, manifest: &Manifest) -> Result<Row> {
    let text = repo.read(&manifest.path)?;
    let mut images = BTreeSet::new();
    let mut ports: BTreeSet<u16> = BTreeSet::new();
    let mut version = None;
    for document in serde_yaml::Deserializer::from_str(&text) {
        let document = Value::deserialize(document).with_context(|| format!("{}: invalid YAML", manifest.path))?;
        if !document.get("kind").and_then(Value::as_str).is_some_and(|kind| WORKLOADS.contains(&kind)) {
            continue;
        }
        for container in containers(&document) {
            let Some(reference) = container.get("image").and_then(Value::as_str) else { continue };
            version = version.or_else(|| tag(reference));
            images.extend(normalise(reference));
            let declared = container.get("ports").and_then(Value::as_sequence).into_iter().flatten();
            ports.extend(declared.filter_map(|p| u16::try_from(p.get("containerPort")?.as_u64()?).ok()));
        }
    }
    let images: Vec<String> = images.into_iter().collect();
    Ok(Row {
        name: manifest.name.clone(),
        repository: manifest.repository_of(source),
        operator: true,
        version: version.unwrap_or_default(),
        controller_images: controllers(&images),
        images,
        ports: ports.into_iter().filter(|&p| p >= 1).collect(),
        dependencies: Vec::new(),
        source: format!("{}@{}:{}", source.github, repo.commit, manifest.path),
    })
}

/// The bundle's controller images: those named like a controller (as for a
/// chart), else every image (a bundle installs nothing but its operator).
/// `altinity/metrics-exporter` beside `altinity/clickhouse-operator` is not one.
fn controllers(images: &[String]) -> Vec<String> {
    let named = crate::chart::controller_images(images, None);
    if named.is_empty() { images.to_vec() } else { named }
}

/// `spec.template.spec.containers` and `initContainers` of a workload.
fn containers(workload: &Value) -> impl Iterator<Item = &Value> {
    let pod = workload.get("spec").and_then(|s| s.get("template")).and_then(|t| t.get("spec"));
    ["containers", "initContainers"].into_iter().filter_map(move |field| pod?.get(field)?.as_sequence()).flatten()
}

/// The tag of an image reference, if it has one.
fn tag(reference: &str) -> Option<String> {
    let name = reference.split('@').next()?;
    let last = name.rsplit('/').next()?;
    last.split_once(':').map(|(_, tag)| tag.to_string())
}
