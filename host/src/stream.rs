//! Reading the input for the rules: parsed part by part when it is big, each
//! part's resources sent to the stages' per-resource rules and dropped, what
//! whole-set rules asked for kept for one last call.

use std::sync::Mutex;

use indicatif::ProgressBar;
use rewheel_manifest::charts::Declared;
use rewheel_manifest::identity::Identifier;
use rewheel_manifest::{Object, ReadOptions};

use crate::input;
use crate::provenance;
use crate::report::{ErrorEntry, SkippedEntry, Summary, WarningEntry};
use crate::sandbox::{self, Resource};
use crate::stage::{Kinds, Part, Stage};

/// Inputs up to this size are not streamed: each component gets one call with
/// all its rules, the fastest way (per-resource and whole-set rules share
/// one parse of each body in the guest).
pub(crate) const STREAM_ABOVE: u64 = 32 << 20;

/// Bytes of input parsed and sent to per-resource rules at a time when
/// streaming: a run holds about this much of its input (and rules its parsed
/// trees) at once, plus what whole-set rules keep.
pub(crate) const PART_BYTES: u64 = 4 << 20;

/// The part size, when the `total` bytes of input are streamed.
/// `REWHEEL_STREAM_BYTES=N` streams any input bigger than N, in parts of N
/// (tests use it to stream small inputs).
pub(crate) fn part_bytes(total: u64) -> Option<u64> {
    match std::env::var("REWHEEL_STREAM_BYTES").ok().and_then(|v| v.parse::<u64>().ok()).filter(|&b| b > 0) {
        Some(part) => (total > part).then_some(part),
        None => (total > STREAM_ABOVE).then_some(PART_BYTES),
    }
}

/// What reading and parsing the inputs produced, besides the resources.
#[derive(Default)]
pub(crate) struct Loaded {
    /// Every object, without its body (sent to rules, then dropped).
    pub(crate) objects: Vec<Object>,
    pub(crate) summary: Summary,
    pub(crate) errors: Vec<ErrorEntry>,
    /// Documents kept despite a problem (duplicate keys).
    pub(crate) warnings: Vec<WarningEntry>,
    pub(crate) skipped: Vec<SkippedEntry>,
    /// The chart graph provenance was decided with: a retry reuses it rather
    /// than read a streamed input once more.
    pub(crate) graph: Option<rewheel_manifest::charts::ChartGraph>,
}

/// Read, parse and check the inputs. A big input is streamed part by part
/// (about [`PART_BYTES`] of files at a time): what whole-set rules asked for
/// is kept, and the rest of each part goes to the stages' per-resource rules
/// and is dropped. Otherwise everything is kept. Each stage ends with one call
/// naming all its rules on what was kept, so each body is parsed once in the
/// guest, for both scopes. The objects (without bodies) are returned when
/// `collect` is set.
pub(crate) fn stream(
    sources: &[input::Source],
    stages: &[Mutex<Stage>],
    jobs: usize,
    collect: bool,
    bar: &ProgressBar,
    (read, declared, identifier, known): Reading,
) -> Loaded {
    let mut loaded = Loaded::default();
    let total = sources.iter().map(|s| s.size).sum();
    let (parts, keep) = match part_bytes(total) {
        Some(bytes) => {
            (parts(sources, bytes), Kinds::union(stages.iter().map(|s| s.lock().expect("unpoisoned").held.clone())))
        }
        None => (vec![sources], Kinds::All),
    };
    let streamed = parts.len() > 1 || keep != Kinds::All;
    // Provenance is decided over the whole input: a streamed input is read
    // once more first; one read whole is decided once parsed.
    let mut graph = known.cloned().or_else(|| streamed.then(|| provenance::pre_pass(sources, jobs, read, declared)));
    let mut charts: Vec<sandbox::Chart> = graph.as_ref().map(provenance::charts).unwrap_or_default();
    let mut kept: Vec<Resource> = Vec::new();
    let mut kept_at: Vec<usize> = Vec::new();
    let mut seen = 0usize;
    for part in parts {
        // Each file becomes resources as it is parsed (its bodies dropped at
        // once); provenance is filled in once the graph is known.
        let mut parsed = crate::pool::map(part, jobs, |source| {
            source.load(read).map(|loaded| provenance::read(loaded, |o| to_resource(o, identifier)))
        });
        let graph = graph.get_or_insert_with(|| {
            let graph = provenance::graph_of_read(parsed.iter().flatten(), declared);
            charts = provenance::charts(&graph);
            graph
        });
        let parsed: Vec<_> = parsed
            .iter_mut()
            .map(|file| file.as_mut().map_err(|e| e.clone()).map(|file| provenance::settle(graph, file)))
            .collect();
        let mut resources: Vec<Resource> = Vec::new();
        for (source, parsed) in part.iter().zip(parsed) {
            let (file, file_resources) = match parsed {
                Ok(p) => p,
                Err(e) => {
                    loaded.errors.push(ErrorEntry::input(&e.file, e.line, e.message));
                    continue;
                }
            };
            loaded.summary.files += 1;
            loaded.summary.documents += file.documents;
            let (errors, warnings) = input::problems(&source.name, &file, read.budget);
            loaded.errors.extend(errors);
            loaded.warnings.extend(warnings);
            for s in file.skipped {
                loaded.skipped.push(SkippedEntry {
                    file: source.name.clone(),
                    line: s.line,
                    document: s.document,
                    reason: s.reason,
                });
            }
            if collect {
                loaded.objects.extend(file.objects);
            }
            resources.extend(file_resources);
        }
        let base = seen;
        seen += resources.len();
        if streamed {
            crate::pool::map(stages, jobs, |stage| {
                stage.lock().expect("unpoisoned").check(Part::PerResource, &resources, &charts, |i| base + i)
            });
        }
        for (i, resource) in resources.into_iter().enumerate() {
            if keep.wants(&resource.kind) {
                kept_at.push(base + i);
                kept.push(resource);
            }
        }
        bar.inc(part.len() as u64);
    }
    crate::pool::map(stages, jobs, |stage| {
        let mut stage = stage.lock().expect("unpoisoned");
        let held = stage.held.clone();
        stage.check(if streamed { Part::Last(&held) } else { Part::All }, &kept, &charts, |i| kept_at[i]);
        // Its last call: the instance's memory goes back now, not after the run.
        stage.instance = None;
    });

    loaded.summary.objects = seen as u32;
    loaded.graph = graph;
    loaded
}

/// What reading needs besides the sources: how to read, what decides
/// provenance, the catalog, and a chart graph already decided (on a retry).
pub(crate) type Reading<'a> =
    (&'a ReadOptions, &'a Declared, &'a Identifier, Option<&'a rewheel_manifest::charts::ChartGraph>);

/// Consecutive sources of about `bytes` in all (at least one each).
pub(crate) fn parts(sources: &[input::Source], bytes: u64) -> Vec<&[input::Source]> {
    let mut parts = Vec::new();
    let (mut start, mut size) = (0, 0u64);
    for (i, source) in sources.iter().enumerate() {
        size += source.size;
        if size >= bytes {
            parts.push(&sources[start..=i]);
            (start, size) = (i + 1, 0);
        }
    }
    if start < sources.len() {
        parts.push(&sources[start..]);
    }
    parts
}

/// The resource for `o`, taking what the host never reads again: its body
/// (serialised), labels, chart and annotations but `rewheel.io/ignore`. The
/// object keeps what reports and inline ignores need.
pub(crate) fn to_resource(o: &mut Object, identifier: &Identifier) -> Resource {
    let annotations: Vec<(String, String)> = std::mem::take(&mut o.annotations).into_iter().collect();
    if let Some((key, value)) = annotations.iter().find(|(k, _)| k == crate::suppress::IGNORE_ANNOTATION) {
        o.annotations.insert(key.clone(), value.clone());
    }
    Resource {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        labels: std::mem::take(&mut o.labels).into_iter().collect(),
        annotations,
        provenance: provenance::unsettled(&mut o.provenance),
        runs: crate::identity::runs(identifier, &o.body),
        body: std::mem::take(&mut o.body).to_string(),
    }
}
