//! `rewheel charts`: the chart graph the host inferred from rendered
//! manifests (and chart sources), each chart's verdict and its evidence, so a
//! user sees why an object counted as the team's and can correct it
//! (`[provenance]` in rewheel.toml, or `--charts`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rewheel_manifest::charts::ChartGraph;
use rewheel_manifest::origin::Origin;
use serde::Serialize;

use crate::config::LoadedConfig;
use crate::input;
use crate::report::{ErrorEntry, SkippedEntry};

/// One chart as `rewheel charts` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChartEntry {
    pub path: String,
    pub name: String,
    pub version: Option<String>,
    pub parent: Option<String>,
    /// `upstream`, or `local` (the team's own).
    pub verdict: &'static str,
    pub evidence: String,
    /// Its folder in the chart sources.
    pub source: Option<String>,
    /// The published chart its source folder copies.
    pub copies: Option<String>,
    /// Objects its own templates render.
    pub objects: u32,
}

/// The chart graph of a set of inputs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChartsReport {
    pub version: u32,
    pub charts: Vec<ChartEntry>,
    /// Objects by origin, over the whole input (`hand-written`, `controller-generated`, ...).
    pub origins: BTreeMap<&'static str, u32>,
    /// Documents that are not Kubernetes objects, with why.
    pub skipped: Vec<SkippedEntry>,
    pub errors: Vec<ErrorEntry>,
}

/// Read `paths`, decide provenance as an audit would, and describe it.
pub fn inspect(paths: &[String], config: &LoadedConfig, charts: &[String], jobs: usize) -> ChartsReport {
    let read = rewheel_manifest::ReadOptions { budget: input::MAX_INPUT_MIB << 20, ..Default::default() };
    let inputs = input::find_inputs(paths, &read);
    let mut errors: Vec<ErrorEntry> =
        inputs.errors.iter().map(|e| ErrorEntry::input(&e.file, e.line, e.message.clone())).collect();
    let (declared, source_errors) = crate::provenance::declared(config, charts);
    errors.extend(source_errors);
    // Over the input cap nothing is read (the error says so).
    let sources = if inputs.capped { &[][..] } else { &inputs.sources[..] };
    let parsed = crate::pool::map(sources, jobs, |source| source.load(&read));
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for (source, result) in sources.iter().zip(parsed) {
        match result {
            Ok(file) => {
                errors.extend(input::problems(&source.name, &file, read.budget).0);
                skipped.extend(file.skipped.iter().map(|s| SkippedEntry {
                    file: source.name.clone(),
                    line: s.line,
                    document: s.document,
                    reason: s.reason.clone(),
                }));
                files.push(file);
            }
            Err(e) => errors.push(ErrorEntry::input(&e.file, e.line, e.message)),
        }
    }
    let graph = crate::provenance::graph_of(&files, &declared);
    let (objects, origins) = count(&graph, &files);
    let unrendered = graph.unrendered_sources();
    let charts = graph
        .charts()
        .chain(&unrendered)
        .map(|c| ChartEntry {
            path: c.path.clone(),
            name: c.name.clone(),
            version: c.version.clone(),
            parent: c.parent.clone(),
            verdict: if c.upstream { "upstream" } else { "local" },
            evidence: c.evidence.clone(),
            source: c.source.clone(),
            copies: c.copies.clone(),
            objects: objects.get(c.path.as_str()).copied().unwrap_or(0),
        })
        .collect();
    ChartsReport { version: 1, charts, origins, skipped, errors }
}

/// Objects per chart folder, and per origin.
fn count(
    graph: &ChartGraph,
    files: &[rewheel_manifest::Loaded],
) -> (BTreeMap<String, u32>, BTreeMap<&'static str, u32>) {
    let mut per_chart: BTreeMap<String, u32> = BTreeMap::new();
    let mut per_origin: BTreeMap<&'static str, u32> = BTreeMap::new();
    for o in files.iter().flat_map(|f| &f.objects) {
        let decision = graph.decide(o.provenance.template.as_deref(), &o.labels, &o.body);
        *per_origin.entry(decision.origin.name()).or_default() += 1;
        if let Some(template) = o.provenance.template.as_deref() {
            let chain = rewheel_manifest::charts::chart_chain(template);
            if decision.origin != Origin::Controller && !chain.is_empty() {
                *per_chart.entry(chain.join("/charts/")).or_default() += 1;
            }
        }
    }
    (per_chart, per_origin)
}

/// The report as text: one block per chart, parents first.
pub fn to_text(report: &ChartsReport) -> String {
    let mut out = String::new();
    for c in &report.charts {
        let depth = c.path.matches("/charts/").count();
        let indent = "  ".repeat(depth);
        let version = c.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
        let head = match c.path.as_str() {
            "" => format!("{}{version} (in the sources, not rendered)", c.name),
            path => format!("{indent}{}{version}", path.rsplit("/charts/").next().unwrap_or(path)),
        };
        let _ = writeln!(out, "{head:50} {:8} {} object(s)", c.verdict, c.objects);
        let _ = writeln!(out, "{indent}  why: {}", c.evidence);
        if let Some(source) = &c.source {
            let _ = writeln!(out, "{indent}  source: {source}");
        }
        if let Some(copies) = &c.copies {
            let _ = writeln!(out, "{indent}  copies the published chart {copies}");
        }
    }
    if report.charts.is_empty() {
        out.push_str("no chart: no object carries a `# Source:` comment\n");
    }
    let origins: Vec<String> = report.origins.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let _ = writeln!(out, "\nobjects: {}", if origins.is_empty() { "none".into() } else { origins.join(", ") });
    for s in &report.skipped {
        let _ = writeln!(out, "skipped: {}:{}: {}", s.file, s.line, s.reason);
    }
    for e in &report.errors {
        let _ = writeln!(out, "{}", crate::text::error_line(e));
    }
    out
}
