//! Who wrote each object, decided once by the host over the whole input and
//! handed to every rule through the contract (`provenance.origin`, the
//! `charts` of `check`), so a third-party rule gets the same answer as the
//! built-in ones. The decision itself lives in `rewheel_manifest::charts`,
//! shared with the SDK's test harness.

use rewheel_manifest::charts::{ChartFacts, ChartGraph, Decision, Declared};
use rewheel_manifest::origin::Origin;
use rewheel_manifest::{Loaded, Object};

use std::collections::BTreeMap;

use crate::config::LoadedConfig;
use crate::input;
use crate::report::{ErrorEntry, Location, SourceLocation};
use crate::sandbox;

/// What decides provenance before any heuristic: rewheel.toml's
/// `[provenance]` lists, and the chart sources found under its `charts`
/// folders and `--charts` (each unreadable chart an error naming its file).
pub fn declared(config: &LoadedConfig, flags: &[String]) -> (Declared, Vec<ErrorEntry>) {
    let mut declared = config.declared();
    let mut roots: Vec<String> = config.config.provenance.charts.iter().map(|c| config.resolve(c)).collect();
    roots.extend(flags.iter().cloned());
    let (sources, errors) = rewheel_manifest::sources::discover(&roots);
    declared.sources = sources;
    let errors = errors
        .into_iter()
        .map(|e| ErrorEntry::input(&e.file, e.line, format!("chart sources: {}", e.message)))
        .collect();
    (declared, errors)
}

/// The chart graph of a streamed input: every part is read and parsed once
/// before any is sent to rules, keeping only the facts the graph needs.
/// Unreadable files are skipped here; the main pass reports them.
pub fn pre_pass(sources: &[input::Source], jobs: usize, declared: &Declared) -> ChartGraph {
    let facts = crate::pool::map(sources, jobs, |source| {
        let mut facts = ChartFacts::default();
        if let Ok(text) = source.read() {
            for o in rewheel_manifest::load_str(&source.name, &text).objects {
                facts.observe(o.provenance.template.as_deref(), &o.labels, &o.body);
            }
        }
        facts
    });
    gather(facts).decide(declared)
}

/// The chart graph of files already parsed (an input read whole).
pub fn graph_of<'a>(files: impl IntoIterator<Item = &'a Loaded>, declared: &Declared) -> ChartGraph {
    let mut facts = ChartFacts::default();
    for o in files.into_iter().flat_map(|f| &f.objects) {
        facts.observe(o.provenance.template.as_deref(), &o.labels, &o.body);
    }
    facts.decide(declared)
}

fn gather(all: Vec<ChartFacts>) -> ChartFacts {
    all.into_iter().fold(ChartFacts::default(), |mut acc, f| {
        acc.merge(f);
        acc
    })
}

/// Decide `object` and write the verdict into its provenance.
pub fn decide(graph: &ChartGraph, object: &mut Object) {
    let decision: Decision = graph.decide(object.provenance.template.as_deref(), &object.labels, &object.body);
    object.provenance.set(decision);
}

/// The run's charts, as the contract hands them to rules: those rendered in
/// the input, then the chart sources none of them came from.
pub fn charts(graph: &ChartGraph) -> Vec<sandbox::Chart> {
    let unrendered = graph.unrendered_sources();
    graph
        .charts()
        .chain(&unrendered)
        .map(|c| sandbox::Chart {
            name: c.name.clone(),
            version: c.version.clone(),
            path: c.path.clone(),
            upstream: c.upstream,
            evidence: c.evidence.clone(),
            source: c.source.clone(),
            copies: c.copies.clone(),
        })
        .collect()
}

/// The contract's provenance of a decided object, taking its chart (the
/// host keeps what reports need: origin, evidence, source).
pub fn to_contract(p: &mut rewheel_manifest::Provenance) -> sandbox::Provenance {
    sandbox::Provenance {
        file: p.file.clone(),
        document: p.document,
        line: p.line,
        template: p.template.clone(),
        chart: p.chart.take(),
        chart_version: p.chart_version.take(),
        origin: origin(p.origin.expect("provenance is decided before objects go to rules")),
        evidence: p.evidence.clone(),
        source: p.source.clone(),
    }
}

/// A finding's location: the rendered place, who wrote it and why, and the
/// template file to edit when the chart sources hold it.
pub fn location(p: &rewheel_manifest::Provenance, kind: &str, lines: &mut SourceLines) -> Location {
    Location {
        file: p.file.clone(),
        line: p.line,
        document: p.document,
        template: p.template.clone(),
        origin: p.origin.map(Origin::name).unwrap_or("hand-written").to_string(),
        evidence: p.evidence.clone(),
        source: p.source.as_ref().map(|file| SourceLocation { file: file.clone(), line: lines.line_of(file, kind) }),
    }
}

/// Template files of the chart sources, read once each, for the line of a
/// kind in them.
#[derive(Default)]
pub struct SourceLines {
    files: BTreeMap<String, Option<String>>,
}

impl SourceLines {
    /// The first line of `file` declaring `kind: <kind>`, else 1 (a template
    /// that builds the kind from values, or a file that cannot be read).
    pub fn line_of(&mut self, file: &str, kind: &str) -> u32 {
        let text = self.files.entry(file.to_string()).or_insert_with(|| std::fs::read_to_string(file).ok());
        let Some(text) = text else { return 1 };
        text.lines()
            .position(|l| {
                l.trim_start().strip_prefix("kind:").is_some_and(|k| k.trim().trim_matches(['"', '\'']) == kind)
            })
            .map_or(1, |i| i as u32 + 1)
    }
}

fn origin(o: Origin) -> sandbox::Origin {
    match o {
        Origin::Upstream => sandbox::Origin::Upstream,
        Origin::Wrapper => sandbox::Origin::Wrapper,
        Origin::Passthrough => sandbox::Origin::Passthrough,
        Origin::HandWritten => sandbox::Origin::HandWritten,
        Origin::Controller => sandbox::Origin::ControllerGenerated,
    }
}
