//! The hand-written list of repositories to mine (`catalog/sources.toml`).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// Every `[[source]]` table of the sources file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    #[serde(rename = "source", default)]
    pub sources: Vec<Source>,
}

/// One git repository holding charts (or operator install bundles).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// `owner/name` on GitHub; also names the mirror folder (`owner+name`).
    pub github: String,
    /// Where users install the charts from: a Helm repository or `oci://` URL.
    pub repository: String,
    /// Globs of chart folders to read; empty means every top-level chart.
    #[serde(default)]
    pub charts: Vec<String>,
    /// Globs of chart folders to leave out (examples, fixtures, docs).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Plain YAML install bundles of operators that ship without a chart.
    #[serde(default)]
    pub manifests: Vec<Manifest>,
}

/// An operator install bundle: multi-document YAML applied with kubectl.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The catalog name of the bundle.
    pub name: String,
    /// Its path in the repository.
    pub path: String,
    /// Where users get it; the repository's GitHub URL when not given.
    pub repository: Option<String>,
}

impl Source {
    /// The mirror folder name: `owner/name` with `/` written `+`.
    pub fn folder(&self) -> String {
        self.github.replace('/', "+")
    }
}

impl Manifest {
    /// The repository column of the bundle's row.
    pub fn repository_of(&self, source: &Source) -> String {
        self.repository.clone().unwrap_or_else(|| format!("https://github.com/{}", source.github))
    }
}

/// Read and check the sources file: each `github` is `owner/name` and listed once.
pub fn load(path: &Path) -> Result<Sources> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read sources file {}", path.display()))?;
    let sources: Sources =
        toml::from_str(&text).with_context(|| format!("{}: not a valid sources file", path.display()))?;
    let mut seen = BTreeSet::new();
    for source in &sources.sources {
        let valid = source.github.split('/').count() == 2
            && source.github.split('/').all(|part| !part.is_empty() && !part.starts_with('.'))
            && !source.github.contains(['+', ' ', '\\']);
        if !valid {
            bail!("{}: github = {:?} is not of the form \"owner/name\"", path.display(), source.github);
        }
        if !seen.insert(source.github.to_ascii_lowercase()) {
            bail!("{}: {} is listed twice", path.display(), source.github);
        }
        if source.repository.trim().is_empty() {
            bail!("{}: {} has an empty repository", path.display(), source.github);
        }
    }
    Ok(sources)
}
