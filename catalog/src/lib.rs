//! Mine a catalog of upstream Helm charts and operators from the git
//! repositories that publish them, so rewheel can tell a hand-written object
//! from one an upstream chart already provides (by image and port).
//!
//! Each source of `catalog/sources.toml` is read from a local mirror (a bare
//! clone) at its `HEAD`; every chart folder becomes one row of
//! `manifest/data/upstream-charts.tsv` (format: [`tsv`], catalog/README.md).
//! The same mirrors always give the same bytes.

pub mod bundle;
pub mod chart;
pub mod git;
pub mod image;
pub mod sources;
pub mod tsv;
pub mod values;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::git::Repo;
use crate::sources::Source;
use crate::tsv::{RepoLine, Row};

/// The command-line options of `rewheel-catalog`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Holds `owner+name/repo` (a bare clone) for each source.
    pub mirrors: PathBuf,
    pub sources: PathBuf,
    pub out: PathBuf,
    /// Warn about a source without a mirror instead of failing.
    pub skip_missing: bool,
}

/// The mined catalog, before it is written.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub repos: Vec<RepoLine>,
    /// Sorted by name, then source.
    pub rows: Vec<Row>,
}

impl Catalog {
    pub fn operators(&self) -> usize {
        self.rows.iter().filter(|row| row.operator).count()
    }
}

/// Mine every source and write the catalog to `options.out`. Each chart left
/// out or file that failed to parse is reported through `warn`, one line each.
pub fn run(options: &Options, warn: &mut dyn FnMut(String)) -> Result<Catalog> {
    let sources = sources::load(&options.sources)?;
    let catalog = generate(&sources.sources, &options.mirrors, options.skip_missing, warn)?;
    let text = tsv::render(&command(options), &catalog.repos, &catalog.rows);
    if let Some(parent) = options.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&options.out, text).with_context(|| format!("cannot write {}", options.out.display()))?;
    Ok(catalog)
}

/// The command line that regenerates the file, for its header. The mirrors
/// folder differs between machines, so it is written `MIRRORS`.
pub fn command(options: &Options) -> String {
    let skip = if options.skip_missing { " --skip-missing" } else { "" };
    format!(
        "cargo run -p rewheel-catalog -- --mirrors MIRRORS --sources {} --out {}{skip}",
        options.sources.display(),
        options.out.display()
    )
}

/// Mine `sources` from their mirrors under `mirrors`.
pub fn generate(
    sources: &[Source],
    mirrors: &Path,
    skip_missing: bool,
    warn: &mut dyn FnMut(String),
) -> Result<Catalog> {
    let mut catalog = Catalog::default();
    for source in sources {
        let folder = mirrors.join(source.folder());
        let Some(git_dir) = git::find_mirror(mirrors, &source.folder()) else {
            let fetch = format!("git clone --bare https://github.com/{} {}/repo", source.github, folder.display());
            if skip_missing {
                warn(format!(
                    "warning: {}: no mirror at {}; skipped (fetch it: {fetch})",
                    source.github,
                    folder.display()
                ));
                continue;
            }
            bail!(
                "{}: no git mirror at {} (fetch it: {fetch}; or pass --skip-missing)",
                source.github,
                folder.display()
            );
        };
        let mut repo = Repo::open(&git_dir).with_context(|| format!("{}: cannot open its mirror", source.github))?;
        catalog.rows.extend(mine(source, &mut repo, warn)?);
        catalog.repos.push(RepoLine {
            github: source.github.clone(),
            commit: repo.commit.clone(),
            date: repo.date.clone(),
        });
    }
    tsv::sort(&mut catalog.rows);
    catalog.repos.sort();
    Ok(catalog)
}

/// The rows of one repository: its charts, then its install bundles.
fn mine(source: &Source, repo: &mut Repo, warn: &mut dyn FnMut(String)) -> Result<Vec<Row>> {
    let files = repo.files().with_context(|| format!("{}: cannot list its files", source.github))?;
    let mut rows = Vec::new();
    for chart in chart_dirs(source, &files, warn) {
        match chart::read(repo, &source.github, &source.repository, &chart, &files) {
            Ok(row) => rows.push(row),
            Err(error) => warn(format!("warning: {}: {error:#}", source.github)),
        }
    }
    for manifest in &source.manifests {
        match bundle::read(repo, source, manifest) {
            Ok(row) => rows.push(row),
            Err(error) => warn(format!("warning: {}: bundle {}: {error:#}", source.github, manifest.name)),
        }
    }
    Ok(rows)
}

/// A chart folder to read, with the charts vendored into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartDir {
    pub dir: String,
    /// Chart folders below `dir` (`charts/crds`, `subcharts/gms`): installed
    /// with the chart, so their images, ports and CRDs count for its row.
    pub vendored: Vec<String>,
}

/// The chart folders to read: those holding a Chart.yaml, matching `charts`
/// (all when empty) and not `exclude`. A chart inside another chart's folder
/// is vendored into that chart: it gets no row of its own (a warning says so)
/// and counts for its parent's row.
pub fn chart_dirs(source: &Source, files: &[String], warn: &mut dyn FnMut(String)) -> Vec<ChartDir> {
    let excluded = |dir: &str| source.exclude.iter().any(|g| glob(g, dir));
    let all: Vec<&str> = files
        .iter()
        .filter_map(|f| if f == "Chart.yaml" { Some("") } else { f.strip_suffix("/Chart.yaml") })
        .filter(|dir| !excluded(dir))
        .collect();
    let selected = |dir: &str| source.charts.is_empty() || source.charts.iter().any(|g| glob(g, dir));
    let mut dirs = Vec::new();
    for &dir in all.iter().filter(|dir| selected(dir)) {
        match all.iter().find(|parent| is_inside(dir, parent)) {
            Some(parent) => warn(format!(
                "warning: {}: {dir}: vendored inside the chart {}; no row of its own, it counts for that chart",
                source.github,
                if parent.is_empty() { "at the repository root" } else { parent }
            )),
            None => {
                let vendored = all.iter().filter(|sub| is_inside(sub, dir)).map(|sub| sub.to_string()).collect();
                dirs.push(ChartDir { dir: dir.to_string(), vendored });
            }
        }
    }
    dirs
}

/// Is `dir` strictly below `parent` (`""` is the repository root)?
fn is_inside(dir: &str, parent: &str) -> bool {
    dir != parent && (parent.is_empty() || dir.strip_prefix(parent).is_some_and(|rest| rest.starts_with('/')))
}

/// Match a folder path against a glob: `*` and `?` within a segment, `**` any number of segments.
pub fn glob(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let path: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    glob_segments(&pattern, &path)
}

fn glob_segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| glob_segments(rest, &path[skip..])),
        Some((first, rest)) => path.split_first().is_some_and(|(segment, tail)| {
            glob_segment(first.as_bytes(), segment.as_bytes()) && glob_segments(rest, tail)
        }),
    }
}

fn glob_segment(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob_segment(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && glob_segment(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && glob_segment(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_folders() {
        assert!(glob("bitnami/*", "bitnami/redis"));
        assert!(!glob("bitnami/*", "bitnami/redis/charts/common"));
        assert!(glob("**/charts/*", "a/b/charts/x"));
        assert!(glob("stable/**", "stable/x"));
        assert!(glob("charts/open*", "charts/openfga"));
        assert!(!glob("charts/open*", "archive/benchmark"));
    }

    #[test]
    fn a_chart_below_another_is_vendored() {
        assert!(is_inside("a/charts/b", "a"));
        assert!(is_inside("charts/x", ""));
        assert!(!is_inside("ab", "a"));
        assert!(!is_inside("a", "a"));
    }
}
