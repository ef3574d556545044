//! Who wrote each object, decided once by the host over the whole input and
//! handed to every rule through the contract (`provenance.origin`, the
//! `charts` of `check`), so a third-party rule gets the same answer as the
//! built-in ones. The decision itself lives in `rewheel_manifest::charts`,
//! shared with the SDK's test harness.

use rewheel_manifest::charts::{ChartFacts, ChartGraph, Declared, ObjectFacts};
use rewheel_manifest::origin::Origin;
use rewheel_manifest::{Loaded, Object, ReadOptions};

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
pub fn pre_pass(sources: &[input::Source], jobs: usize, read: &ReadOptions, declared: &Declared) -> ChartGraph {
    let facts = crate::pool::map(sources, jobs, |source| {
        let mut facts = ChartFacts::default();
        if let Ok(loaded) = source.load(read) {
            for o in loaded.objects {
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

/// One file parsed for a run: its objects (bodies gone), the resources rules
/// get, and what provenance needs of each object until the graph is known.
pub struct ReadFile {
    loaded: Loaded,
    resources: Vec<sandbox::Resource>,
    facts: Vec<ObjectFacts>,
    charts: ChartFacts,
}

/// Turn a parsed file into resources at once (so its bodies are not held
/// until the whole input is read), keeping the facts provenance needs.
pub fn read(mut loaded: Loaded, to_resource: impl Fn(&mut Object) -> sandbox::Resource) -> ReadFile {
    let mut charts = ChartFacts::default();
    let mut facts = Vec::with_capacity(loaded.objects.len());
    let resources = loaded
        .objects
        .iter_mut()
        .map(|o| {
            charts.observe(o.provenance.template.as_deref(), &o.labels, &o.body);
            facts.push(ObjectFacts::of(o.provenance.template.as_deref(), &o.labels, &o.body));
            to_resource(o)
        })
        .collect();
    ReadFile { loaded, resources, facts, charts }
}

/// The chart graph of files read whole.
pub fn graph_of_read<'a>(files: impl IntoIterator<Item = &'a ReadFile>, declared: &Declared) -> ChartGraph {
    let mut all = ChartFacts::default();
    for file in files {
        all.merge(file.charts.clone());
    }
    all.decide(declared)
}

/// Write each object's verdict into its resource (for rules) and its
/// provenance (for reports); the file's objects and resources.
pub fn settle(graph: &ChartGraph, file: &mut ReadFile) -> (Loaded, Vec<sandbox::Resource>) {
    let objects = file.loaded.objects.iter_mut().zip(&mut file.resources).zip(&file.facts);
    for ((object, resource), facts) in objects {
        let d = graph.decide_object(facts);
        object.provenance.origin = Some(d.origin);
        object.provenance.evidence.clone_from(&d.evidence);
        object.provenance.source.clone_from(&d.source);
        let p = &mut resource.provenance;
        (p.chart, p.chart_version, p.origin, p.evidence, p.source) =
            (d.chart, d.chart_version, origin(d.origin), d.evidence, d.source);
    }
    (std::mem::take(&mut file.loaded), std::mem::take(&mut file.resources))
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

/// The contract's provenance of an object before its verdict is known
/// ([`settle`] fills it in); the host drops the chart it no longer needs.
pub fn unsettled(p: &mut rewheel_manifest::Provenance) -> sandbox::Provenance {
    sandbox::Provenance {
        file: p.file.clone(),
        document: p.document,
        line: p.line,
        template: p.template.clone(),
        chart: p.chart.take(),
        chart_version: None,
        origin: sandbox::Origin::HandWritten,
        evidence: String::new(),
        source: None,
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
