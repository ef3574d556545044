//! Chart sources: the team's chart folders (`--charts DIR`), read for the
//! ground truth the rendered output can only hint at.
//!
//! A chart's `Chart.yaml` (or a v1 chart's `requirements.yaml`) lists its
//! dependencies, and its `Chart.lock` resolves repository names to URLs. One from an `https://`, `oci://` or `@repo` repository is
//! upstream; one from `file://` or with no repository (vendored under
//! `charts/`) is the team's own. A folder under `charts/` that no dependency
//! names is vendored too. The chart folder also maps each rendered template
//! back to the file a developer edits.

#[cfg(feature = "load")]
use std::path::{Path, PathBuf};

#[cfg(feature = "load")]
use serde::Deserialize;

/// One chart folder of the sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSource {
    /// The folder, as reached from the path given (`charts/platform-novu`).
    pub dir: String,
    /// `name` of its `Chart.yaml`.
    pub name: String,
    /// `version` of its `Chart.yaml`.
    pub version: Option<String>,
    /// Its dependencies, as rendered under `charts/<alias or name>`.
    pub dependencies: Vec<Dependency>,
}

/// A dependency of a chart source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The folder it renders as: its alias, else its name.
    pub folder: String,
    /// Where it comes from.
    pub from: From,
}

/// Where a dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    /// A chart repository (`https://…`, `oci://…`, `@name`): upstream.
    Repository(String),
    /// A folder of the sources (`file://…`, or vendored under `charts/` with no
    /// repository): the team's own chart.
    Local {
        /// How the sources say it (`file://../agent`, `charts/agent`).
        how: String,
        /// The folder, when it exists.
        dir: Option<String>,
    },
}

/// A chart source that could not be read, with its file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

#[cfg(feature = "load")]
#[derive(Deserialize)]
struct ChartYaml {
    name: Option<String>,
    version: Option<serde_yaml::Value>,
    #[serde(default)]
    dependencies: Vec<DependencyYaml>,
}

#[cfg(feature = "load")]
#[derive(Deserialize)]
struct DependencyYaml {
    name: String,
    alias: Option<String>,
    #[serde(default)]
    repository: String,
}

#[cfg(feature = "load")]
/// Every chart under `roots` (folders holding a `Chart.yaml`, at any depth),
/// sorted by folder; unreadable ones are errors and the rest still count.
pub fn discover(roots: &[String]) -> (Vec<ChartSource>, Vec<SourceError>) {
    let mut charts = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        if !Path::new(root).is_dir() {
            errors.push(SourceError {
                file: root.clone(),
                line: None,
                message: "not a folder of chart sources (--charts takes the folder holding Chart.yaml files)".into(),
            });
            continue;
        }
        let mut found = 0;
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let file = e.path().map(display).unwrap_or_else(|| root.clone());
                    errors.push(SourceError { file, line: None, message: format!("cannot read: {e}") });
                    continue;
                }
            };
            if entry.file_name() != "Chart.yaml" || !entry.file_type().is_file() {
                continue;
            }
            let dir = entry.path().parent().unwrap_or(Path::new(".")).to_path_buf();
            found += 1;
            match read(&dir) {
                Ok(chart) => charts.push(chart),
                Err(e) => errors.push(e),
            }
        }
        if found == 0 {
            errors.push(SourceError {
                file: root.clone(),
                line: None,
                message: "no Chart.yaml below this folder: is it the chart sources?".into(),
            });
        }
    }
    // The same folder reached twice (`charts` in rewheel.toml and `--charts`) counts once.
    let mut seen = std::collections::BTreeSet::new();
    charts
        .retain(|c: &ChartSource| seen.insert(std::fs::canonicalize(&c.dir).unwrap_or_else(|_| PathBuf::from(&c.dir))));
    charts.sort_by(|a, b| a.dir.cmp(&b.dir));
    (charts, errors)
}

#[cfg(feature = "load")]
/// The chart in `dir`.
pub fn read(dir: &Path) -> Result<ChartSource, SourceError> {
    let file = dir.join("Chart.yaml");
    let chart: ChartYaml = parse(&file)?;
    let name = chart.name.filter(|n| !n.is_empty()).ok_or_else(|| SourceError {
        file: display(&file),
        line: None,
        message: "Chart.yaml has no `name`".into(),
    })?;
    let mut listed = chart.dependencies;
    // A v1 chart lists them in requirements.yaml.
    let requirements = dir.join("requirements.yaml");
    if requirements.is_file() {
        #[derive(Deserialize)]
        struct Requirements {
            #[serde(default)]
            dependencies: Vec<DependencyYaml>,
        }
        listed.extend(parse::<Requirements>(&requirements)?.dependencies);
    }
    // Chart.lock resolves repository names (`@bitnami`, `alias:bitnami`) to their URL.
    let lock = dir.join("Chart.lock");
    if lock.is_file() {
        #[derive(Deserialize)]
        struct Lock {
            #[serde(default)]
            dependencies: Vec<DependencyYaml>,
        }
        let locked = parse::<Lock>(&lock)?.dependencies;
        for d in listed.iter_mut().filter(|d| d.repository.starts_with('@') || d.repository.starts_with("alias:")) {
            if let Some(url) = locked.iter().find(|l| l.name == d.name).map(|l| l.repository.clone()) {
                d.repository = url;
            }
        }
    }
    let mut dependencies: Vec<Dependency> = listed.into_iter().map(|d| dependency(dir, d)).collect();
    // Folders under charts/ that no dependency names: vendored by hand.
    let vendored_dir = dir.join("charts");
    let entries = match std::fs::read_dir(&vendored_dir) {
        Ok(entries) => Some(entries),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(SourceError { file: display(&vendored_dir), line: None, message: format!("cannot read: {e}") });
        }
    };
    if let Some(entries) = entries {
        let mut vendored: Vec<PathBuf> =
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("Chart.yaml").is_file()).collect();
        vendored.sort();
        for path in vendored {
            let folder = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let sub = read(&path).map(|c| c.name).unwrap_or_else(|_| folder.clone());
            if !dependencies.iter().any(|d| d.folder == folder || d.folder == sub) {
                dependencies.push(Dependency {
                    folder: sub,
                    from: From::Local {
                        how: format!("{} (vendored, no repository)", display(&path)),
                        dir: Some(display(&path)),
                    },
                });
            }
        }
    }
    let version = chart.version.map(|v| match v {
        serde_yaml::Value::String(s) => s,
        other => serde_yaml::to_string(&other).unwrap_or_default().trim().to_string(),
    });
    Ok(ChartSource { dir: display(dir), name, version, dependencies })
}

#[cfg(feature = "load")]
fn dependency(dir: &Path, d: DependencyYaml) -> Dependency {
    let folder = d.alias.filter(|a| !a.is_empty()).unwrap_or_else(|| d.name.clone());
    let repo = d.repository.trim().to_string();
    let from = if let Some(path) = repo.strip_prefix("file://") {
        let target = dir.join(path);
        From::Local { how: repo.clone(), dir: target.join("Chart.yaml").is_file().then(|| display(&target)) }
    } else if repo.is_empty() {
        let vendored = dir.join("charts").join(&d.name);
        From::Local {
            how: "no repository (vendored in charts/)".into(),
            dir: vendored.join("Chart.yaml").is_file().then(|| display(&vendored)),
        }
    } else {
        From::Repository(repo)
    };
    Dependency { folder, from }
}

#[cfg(feature = "load")]
fn parse<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, SourceError> {
    let text = std::fs::read_to_string(file).map_err(|e| SourceError {
        file: display(file),
        line: None,
        message: format!("cannot read: {e}"),
    })?;
    serde_yaml::from_str(&text).map_err(|e| SourceError {
        file: display(file),
        line: e.location().map(|l| l.line() as u32),
        message: e.to_string(),
    })
}

#[cfg(feature = "load")]
/// A path as the user would write it, `/`-separated, without `./`.
fn display(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "." | "" if !parts.is_empty() => {}
            "." => {}
            ".." if parts.last().is_some_and(|p| *p != ".." && !p.is_empty()) => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    if text.starts_with('/') && parts.first() != Some(&"") {
        parts.insert(0, "");
    }
    match parts.join("/") {
        joined if joined.is_empty() => ".".to_string(),
        joined => joined,
    }
}

#[cfg(all(test, feature = "load"))]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn dependencies_are_upstream_or_local_by_their_repository() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "obs/Chart.yaml",
            "apiVersion: v2\nname: obs\nversion: 1.0.0\ndependencies:\n\
             - {name: opentelemetry-collector, version: 0.170.0, repository: https://open-telemetry.github.io/opentelemetry-helm-charts}\n\
             - {name: kube-state-metrics, alias: ksm, repository: oci://ghcr.io/prometheus-community/charts}\n\
             - {name: agent, version: 0.1.0, repository: file://../agent}\n",
        );
        write(root, "agent/Chart.yaml", "apiVersion: v2\nname: agent\nversion: 0.1.0\n");
        write(
            root,
            "db/Chart.yaml",
            "name: db\ndependencies:\n- {name: postgresql, version: 16.x.x, repository: \"@bitnami\"}\n",
        );
        write(
            root,
            "db/Chart.lock",
            "dependencies:\n- {name: postgresql, version: 16.4.0, repository: oci://registry-1.docker.io/bitnamicharts}\n",
        );
        write(root, "obs/charts/extras/Chart.yaml", "apiVersion: v2\nname: extras\nversion: 0.0.1\n");
        let roots = vec![root.display().to_string()];
        let (charts, errors) = discover(&roots);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["agent", "db", "obs", "extras"]);
        assert_eq!(
            charts[1].dependencies[0].from,
            From::Repository("oci://registry-1.docker.io/bitnamicharts".into()),
            "Chart.lock resolves @bitnami"
        );
        let obs = &charts[2];
        assert_eq!(obs.version.as_deref(), Some("1.0.0"));
        let folders: Vec<(&str, bool)> =
            obs.dependencies.iter().map(|d| (d.folder.as_str(), matches!(d.from, From::Repository(_)))).collect();
        assert_eq!(folders, [("opentelemetry-collector", true), ("ksm", true), ("agent", false), ("extras", false)]);
        let From::Local { dir, .. } = &obs.dependencies[2].from else { panic!() };
        assert_eq!(dir.as_deref(), Some(format!("{}/agent", display(root)).as_str()));
    }

    #[test]
    fn a_broken_chart_yaml_names_its_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "bad/Chart.yaml", "name: bad\nversion: [1\n");
        write(tmp.path(), "good/Chart.yaml", "name: good\n");
        let (charts, errors) = discover(&[tmp.path().display().to_string()]);
        assert_eq!(charts.len(), 1, "the good chart still counts");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].file.ends_with("bad/Chart.yaml") && errors[0].line.is_some(), "{errors:?}");
        let (_, errors) = discover(&[tmp.path().join("nowhere").display().to_string()]);
        assert!(errors[0].message.contains("not a folder of chart sources"), "{errors:?}");
    }

    #[test]
    fn paths_read_as_written() {
        assert_eq!(display(Path::new("./charts/obs/../agent")), "charts/agent");
        assert_eq!(display(Path::new("/abs/./x")), "/abs/x");
        assert_eq!(display(Path::new("../up/x")), "../up/x");
        assert_eq!(display(Path::new(".")), ".");
        assert_eq!(display(Path::new("./")), ".");
    }
}
