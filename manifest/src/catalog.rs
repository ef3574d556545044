//! The upstream charts rewheel knows by what they run, mined from the charts
//! upstream publishes (`data/upstream-charts.tsv`, written by the
//! `rewheel-catalog` generator: see catalog/README.md).
//!
//! Each row is one published chart (or an operator's install bundle): its
//! name, Helm repository, whether it is an operator, the images its default
//! values run, its operator's own controller images, the ports its
//! containers serve, and the repository commit it was read from. The
//! hand-written knowledge ([`crate::products`], the SDK's curated catalog)
//! stays on top; this table adds breadth ([`crate::identity`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::image::Image;

/// The generated table, compiled in: rewheel never downloads at run time.
const MINED: &str = include_str!("../data/upstream-charts.tsv");

/// One published chart, as mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// `name` of its Chart.yaml.
    pub name: String,
    /// The Helm repository (or `oci://` URL) that publishes it.
    pub repository: String,
    /// Whether it installs an operator (it ships CRDs).
    pub operator: bool,
    /// Its version at the mined commit.
    pub version: String,
    /// Image repository patterns its default values run (path suffixes, see
    /// [`Image::matches`]).
    pub images: Vec<String>,
    /// The operator's own controller images (operators only).
    pub controller_images: Vec<String>,
    /// Ports its containers serve.
    pub ports: Vec<u16>,
    /// The subcharts it renders: its `Chart.yaml` dependencies (by alias
    /// where one is set, as `helm template` names their folders) and the
    /// charts vendored in it.
    pub dependencies: Vec<String>,
    /// Where it was read: `owner/name@commit:folder`.
    pub source: String,
}

/// The columns of a row, in order (the `# columns:` header line).
pub const COLUMNS: [&str; 9] =
    ["name", "repository", "kind", "version", "images", "controller-images", "ports", "dependencies", "source"];

/// A repository the table was mined from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `owner/name` on GitHub.
    pub repository: String,
    /// The commit read.
    pub commit: String,
    /// That commit's date, `YYYY-MM-DD`.
    pub date: String,
}

/// The mined catalog, indexed by the last segment of each image pattern.
#[derive(Debug, Default)]
pub struct Catalog {
    charts: Vec<Chart>,
    sources: Vec<Source>,
    /// Last path segment → (chart index, pattern).
    by_segment: HashMap<String, Vec<(usize, String)>>,
    /// Chart name → chart indices (a name may come from several repositories).
    by_name: HashMap<String, Vec<usize>>,
}

/// An image a catalog chart runs.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    /// The chart whose values run it.
    pub chart: &'a Chart,
    /// The pattern that matched.
    pub pattern: &'a str,
    /// Whether it is that chart's operator controller image.
    pub controller: bool,
}

/// The table compiled into this rewheel, parsed once.
///
/// # Examples
///
/// ```
/// use rewheel_manifest::catalog;
/// let mined = catalog::mined();
/// assert!(mined.charts().len() >= 300, "{} charts", mined.charts().len());
/// assert!(mined.sources().iter().all(|s| s.commit.len() == 40));
/// ```
pub fn mined() -> &'static Catalog {
    static MINED_CATALOG: OnceLock<Catalog> = OnceLock::new();
    MINED_CATALOG.get_or_init(|| Catalog::parse(MINED).unwrap_or_else(|e| panic!("data/upstream-charts.tsv: {e}")))
}

impl Catalog {
    /// Parse the generator's TSV (catalog/README.md): `#` header lines, of
    /// which `# source OWNER/NAME COMMIT DATE` name the repositories read,
    /// then one tab-separated row per chart.
    ///
    /// # Examples
    ///
    /// ```
    /// use rewheel_manifest::{catalog::Catalog, image::Image};
    /// let table = "# source acme/charts 0123 2026-01-02\n\
    ///     widget\thttps://acme.io/charts\tchart\t1.0.0\tacme/widget,busybox\t-\t8080\tredis\tacme/charts@0123:charts/widget\n";
    /// let catalog = Catalog::parse(table).unwrap();
    /// assert_eq!(catalog.charts()[0].ports, [8080]);
    /// assert_eq!(catalog.sources()[0].date, "2026-01-02");
    /// let hits = catalog.who_runs(&Image::parse("mirror.local/acme/widget:2"));
    /// assert_eq!(hits.iter().map(|h| h.chart.name.as_str()).collect::<Vec<_>>(), ["widget"]);
    /// assert!(Catalog::parse("widget\tonly-two-columns\n").unwrap_err().contains("line 1"));
    /// ```
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let mut catalog = Catalog::default();
        for (i, line) in text.lines().enumerate() {
            if let Some(header) = line.strip_prefix('#') {
                if let Some(source) = Source::parse(header) {
                    catalog.sources.push(source);
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let chart = Chart::parse(line).map_err(|e| format!("line {}: {e}", i + 1))?;
            catalog.push(chart);
        }
        Ok(catalog)
    }

    fn push(&mut self, chart: Chart) {
        let index = self.charts.len();
        for pattern in chart.images.iter().chain(&chart.controller_images) {
            let last = pattern.rsplit('/').next().unwrap_or(pattern).to_string();
            let entry = self.by_segment.entry(last).or_default();
            if !entry.iter().any(|(c, p)| *c == index && p == pattern) {
                entry.push((index, pattern.clone()));
            }
        }
        self.by_name.entry(chart.name.clone()).or_default().push(index);
        self.charts.push(chart);
    }

    /// Every chart, sorted by name then source.
    pub fn charts(&self) -> &[Chart] {
        &self.charts
    }

    /// The repositories read, with their commits.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The charts published under `name`, in table order.
    pub fn named(&self, name: &str) -> impl Iterator<Item = &Chart> {
        self.by_name.get(name).into_iter().flatten().map(|i| &self.charts[*i])
    }

    /// Does upstream publish a chart called `name`?
    pub fn publishes(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Every chart whose images include `image` (a repository suffix match:
    /// mirrors, digests and tags do not matter), in table order.
    pub fn who_runs(&self, image: &Image) -> Vec<Hit<'_>> {
        let last = image.path.rsplit('/').next().unwrap_or("");
        self.hits(last, |pattern| image.matches(pattern))
    }

    /// Every chart with an image whose last segment is `segment`, in table order.
    pub fn by_last_segment(&self, segment: &str) -> Vec<Hit<'_>> {
        self.hits(segment, |_| true)
    }

    /// The charts with a pattern ending in `segment` that `keep` accepts,
    /// each once (its first such pattern), in table order.
    fn hits(&self, segment: &str, keep: impl Fn(&str) -> bool) -> Vec<Hit<'_>> {
        let mut found: Vec<(usize, &str)> = Vec::new();
        for (index, pattern) in self.by_segment.get(segment).into_iter().flatten() {
            if keep(pattern) && !found.iter().any(|(i, _)| i == index) {
                found.push((*index, pattern));
            }
        }
        found.sort_by_key(|(index, _)| *index);
        let mut hits = Vec::with_capacity(found.len());
        for (index, pattern) in found {
            let chart = &self.charts[index];
            hits.push(Hit { chart, pattern, controller: chart.controller_images.iter().any(|c| c == pattern) });
        }
        hits
    }
}

impl Chart {
    fn parse(line: &str) -> Result<Chart, String> {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, repository, kind, version, images, controllers, ports, dependencies, source] = fields[..] else {
            return Err(format!("expected {} tab-separated fields, found {}", COLUMNS.len(), fields.len()));
        };
        let ports = list(ports)
            .iter()
            .map(|p| p.parse::<u16>().map_err(|_| format!("port {p:?} of chart {name} is not a number")))
            .collect::<Result<Vec<_>, _>>()?;
        let operator = match kind {
            "operator" => true,
            "chart" => false,
            other => return Err(format!("kind {other:?} of chart {name} is neither chart nor operator")),
        };
        Ok(Chart {
            name: name.to_string(),
            repository: repository.to_string(),
            operator,
            version: version.to_string(),
            images: list(images),
            controller_images: list(controllers),
            ports,
            dependencies: list(dependencies),
            source: source.to_string(),
        })
    }

    /// The chart as one row of the table: the inverse of parsing it. Tabs and
    /// line breaks in a field become spaces; an empty field is written `-`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rewheel_manifest::catalog::{Catalog, Chart};
    /// let chart = Chart {
    ///     name: "widget".into(),
    ///     repository: "https://acme.io/charts".into(),
    ///     operator: true,
    ///     version: "1.0.0".into(),
    ///     images: vec!["acme/widget-operator".into()],
    ///     controller_images: vec!["acme/widget-operator".into()],
    ///     ports: vec![8080, 9443],
    ///     dependencies: Vec::new(),
    ///     source: "acme/charts@0123:charts/widget".into(),
    /// };
    /// let row = chart.row();
    /// assert_eq!(row, "widget\thttps://acme.io/charts\toperator\t1.0.0\tacme/widget-operator\tacme/widget-operator\t8080,9443\t-\tacme/charts@0123:charts/widget");
    /// assert_eq!(Catalog::parse(&row).unwrap().charts(), [chart]);
    /// ```
    pub fn row(&self) -> String {
        let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
        [
            cell(&self.name),
            cell(&self.repository),
            (if self.operator { "operator" } else { "chart" }).to_string(),
            cell(&self.version),
            cell(&self.images.join(",")),
            cell(&self.controller_images.join(",")),
            cell(&ports.join(",")),
            cell(&self.dependencies.join(",")),
            cell(&self.source),
        ]
        .join("\t")
    }

    /// `owner/name` of the repository it was mined from.
    pub fn repository_name(&self) -> &str {
        self.source.split('@').next().unwrap_or(&self.source)
    }
}

/// A list field: comma-separated, `-` when empty.
fn list(field: &str) -> Vec<String> {
    if field == "-" { Vec::new() } else { field.split(',').map(str::to_string).collect() }
}

/// A field of a row: control characters become spaces (a tab or line break
/// would break the row); empty is `-`.
fn cell(text: &str) -> String {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let text = text.trim();
    if text.is_empty() { "-".to_string() } else { text.to_string() }
}

impl Source {
    fn parse(header: &str) -> Option<Source> {
        let mut words = header.split_whitespace();
        (words.next()? == "source").then_some(())?;
        let (repository, commit, date) = (words.next()?, words.next()?, words.next()?);
        Some(Source { repository: repository.into(), commit: commit.into(), date: date.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_table_parses_and_is_sorted() {
        let charts = mined().charts();
        let keys: Vec<_> = charts.iter().map(|c| (c.name.as_str(), c.source.as_str())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for chart in charts {
            let repo = chart.repository_name();
            assert!(mined().sources().iter().any(|s| s.repository == repo), "{} has no source line", chart.name);
            assert!(chart.source.contains('@'), "{}: {}", chart.name, chart.source);
        }
    }
}
