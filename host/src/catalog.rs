//! `rewheel catalog`: what the identity catalogs know — the repositories the
//! mined catalog was read from (with their commits and dates, so a user sees
//! how fresh it is), and what given images run, with the team's
//! `[[catalog.images]]` entries applied as an audit applies them.

use std::fmt::Write as _;

use rewheel_manifest::catalog;
use rewheel_manifest::identity::Identifier;
use rewheel_manifest::image::Image;
use serde::Serialize;

/// The catalog summary and the identity of each image asked about.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CatalogReport {
    pub charts: usize,
    pub operators: usize,
    pub team_entries: usize,
    /// `(repository, commit, date)` of every repository mined.
    pub sources: Vec<(String, String, String)>,
    pub images: Vec<ImageEntry>,
}

/// What one image runs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImageEntry {
    pub image: String,
    /// `None` when no catalog knows it.
    pub product: Option<String>,
    pub operator: bool,
    /// `chart (repository)`, best first.
    pub charts: Vec<String>,
    /// Which catalog answered.
    pub source: Option<String>,
}

/// The report for `images`, identified by `identifier`.
pub fn inspect(images: &[String], identifier: &Identifier, team_entries: usize) -> CatalogReport {
    let mined = catalog::mined();
    let entry = |image: &String| {
        let identity = identifier.identify(&Image::parse(image));
        ImageEntry {
            image: image.clone(),
            product: identity.as_ref().map(|i| i.product.clone()),
            operator: identity.as_ref().is_some_and(|i| i.operator),
            charts: identity.as_ref().map(|i| i.charts.iter().map(chart_name).collect()).unwrap_or_default(),
            source: identity.map(|i| i.source),
        }
    };
    CatalogReport {
        charts: mined.charts().len(),
        operators: mined.charts().iter().filter(|c| c.operator).count(),
        team_entries,
        sources: mined.sources().iter().map(|s| (s.repository.clone(), s.commit.clone(), s.date.clone())).collect(),
        images: images.iter().map(entry).collect(),
    }
}

/// `name (repository)`, or the name alone when the repository is unknown.
fn chart_name(c: &rewheel_manifest::identity::UpstreamChart) -> String {
    if c.repository.is_empty() { c.name.clone() } else { format!("{} ({})", c.name, c.repository) }
}

/// The report as text: the identities asked for, else the summary.
pub fn to_text(report: &CatalogReport) -> String {
    let mut out = String::new();
    if !report.images.is_empty() {
        for i in &report.images {
            match (&i.product, &i.source) {
                (Some(product), Some(source)) => {
                    let operator = if i.operator { " (an operator's controller)" } else { "" };
                    let _ = writeln!(out, "{}: {product}{operator}", i.image);
                    for chart in &i.charts {
                        let _ = writeln!(out, "  chart   {chart}");
                    }
                    let _ = writeln!(out, "  source  {source}");
                }
                _ => {
                    let _ = writeln!(out, "{}: not in any catalog (add a [[catalog.images]] entry)", i.image);
                }
            }
        }
        return out;
    }
    let _ = writeln!(
        out,
        "{} upstream charts ({} operators) mined from {} repositories, under {} [[catalog.images]] entries of rewheel.toml and the curated products:",
        report.charts,
        report.operators,
        report.sources.len(),
        report.team_entries
    );
    for (repository, commit, date) in &report.sources {
        let _ = writeln!(out, "  {repository:<48} {} {date}", &commit[..commit.len().min(12)]);
    }
    let _ = writeln!(out, "Regenerate: see catalog/README.md (cargo run -p rewheel-catalog).");
    out
}
