//! Who wrote each object, decided once by the host over the whole input and
//! handed to every rule through the contract (`provenance.origin`, the
//! `charts` of `check`), so a third-party rule gets the same answer as the
//! built-in ones. The decision itself lives in `rewheel_manifest::charts`,
//! shared with the SDK's test harness.

use rewheel_manifest::charts::{ChartFacts, ChartGraph, Decision, Declared};
use rewheel_manifest::origin::Origin;
use rewheel_manifest::{Loaded, Object};

use crate::input;
use crate::sandbox;

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

/// The run's charts, as the contract hands them to rules.
pub fn charts(graph: &ChartGraph) -> Vec<sandbox::Chart> {
    graph
        .charts()
        .map(|c| sandbox::Chart {
            name: c.name.clone(),
            version: c.version.clone(),
            path: c.path.clone(),
            upstream: c.upstream,
            evidence: c.evidence.clone(),
            source: None,
            copies: None,
        })
        .collect()
}

/// The contract's provenance of a decided object, taking its chart.
pub fn to_contract(p: &mut rewheel_manifest::Provenance) -> sandbox::Provenance {
    sandbox::Provenance {
        file: p.file.clone(),
        document: p.document,
        line: p.line,
        template: p.template.clone(),
        chart: p.chart.take(),
        chart_version: p.chart_version.take(),
        origin: origin(p.origin.expect("provenance is decided before objects go to rules")),
        evidence: std::mem::take(&mut p.evidence),
        source: p.source.clone(),
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
