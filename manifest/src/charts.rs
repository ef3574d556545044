//! Provenance from evidence, decided once over the whole input.
//!
//! Every rendered object says which chart folder rendered it (`# Source:
//! platform/charts/mongodb/templates/sts.yaml`) and usually which chart and
//! version (`helm.sh/chart: mongodb-17.0.2`). Gathered over the whole input,
//! those facts make a graph: which chart renders which subcharts, at which
//! versions, running which products. The graph decides each chart, in order
//! of evidence:
//!
//! 1. what the team declared (`[provenance] upstream`/`local` in rewheel.toml);
//! 2. a chart that renders a subchart of its own name is a wrapper around it
//!    (`minio` 0.3.0 rendering `minio/charts/minio` 5.4.0);
//! 3. a top-level chart: upstream when upstream publishes a chart of its name
//!    and it renders no subchart that chart does not depend on; otherwise a
//!    wrapper;
//! 4. a subchart running a product's image it is not entitled to (a collector
//!    in `obs/charts/agent`) is a local mini-chart ([`crate::products`]);
//! 5. any other subchart is upstream (a dependency pulled from a repository).
//!
//! Each object then takes its chart's verdict, unless the object itself says
//! more: made by a controller, or passed through an `extraObjects` value.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog;
use crate::identity;
use crate::image::Image;
use crate::origin::{self, Origin};
use crate::products::{self, Product};
use crate::sources::{ChartSource, From};
use crate::upstream;
use crate::{chart_name_from_label, helm_chart_label};

/// What the team says about chart names, before any heuristic: globs (`*`,
/// `?`) over chart names, from rewheel.toml's `[provenance]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    /// Charts that are upstream.
    pub upstream: Vec<String>,
    /// Charts that are the team's own.
    pub local: Vec<String>,
    /// Where these lists come from, for evidence (`rewheel.toml`).
    pub from: String,
    /// The team's chart sources (`--charts`, `[provenance] charts`): ground
    /// truth for the charts they hold and the dependencies they declare.
    pub sources: Vec<ChartSource>,
}

impl Declared {
    fn verdict(&self, names: &[&str]) -> Option<(bool, String)> {
        let from = if self.from.is_empty() { "the configuration" } else { self.from.as_str() };
        for (upstream, globs, key) in [(false, &self.local, "local"), (true, &self.upstream, "upstream")] {
            for glob in globs {
                if let Some(name) = names.iter().find(|n| glob_match(glob, n)) {
                    return Some((upstream, format!("{from} declares {name} {key} ([provenance] {key} = {glob:?})")));
                }
            }
        }
        None
    }
}

/// `*` matches any run of characters, `?` any one.
fn glob_match(glob: &str, name: &str) -> bool {
    fn go(g: &[char], n: &[char]) -> bool {
        match g.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(&glob.chars().collect::<Vec<_>>(), &name.chars().collect::<Vec<_>>())
}

/// The chart folders of a `# Source:` path, outermost first:
/// `a/charts/b/charts/c/templates/x.yaml` → `[a, b, c]`.
///
/// # Examples
///
/// ```
/// use rewheel_manifest::charts::chart_chain;
/// assert_eq!(chart_chain("platform/charts/mongodb/templates/sts.yaml"), ["platform", "mongodb"]);
/// assert_eq!(chart_chain("temporal/templates/server/deployment.yaml"), ["temporal"]);
/// assert!(chart_chain("").is_empty());
/// ```
pub fn chart_chain(template: &str) -> Vec<&str> {
    let segments: Vec<&str> = template.split('/').collect();
    let Some(top) = segments.first().filter(|s| !s.is_empty()) else { return Vec::new() };
    let mut chain = vec![*top];
    let mut i = 1;
    while i + 1 < segments.len() && segments[i] == "charts" && !segments[i + 1].is_empty() {
        chain.push(segments[i + 1]);
        i += 2;
    }
    chain
}

/// What the objects of one chart folder showed.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// `helm.sh/chart` labels: (name, version) → objects.
    labels: BTreeMap<(String, Option<String>), u32>,
    /// Products run by its long-running workloads: key → one image.
    runs: BTreeMap<&'static str, String>,
    /// Images of its long-running workloads that only the mined catalog
    /// knows: owning chart → one image.
    mined: BTreeMap<String, String>,
    /// Every image of its long-running workloads (few per chart).
    images: BTreeSet<String>,
}

/// Facts gathered object by object, before anything is decided. Feed it
/// every object of the run ([`ChartFacts::observe`]), then [`ChartFacts::decide`].
#[derive(Debug, Clone, Default)]
pub struct ChartFacts {
    /// By folder path (`platform/charts/mongodb`).
    folders: BTreeMap<String, Seen>,
}

impl ChartFacts {
    /// Record what one object shows about the chart that rendered it.
    pub fn observe(&mut self, template: Option<&str>, labels: &BTreeMap<String, String>, body: &serde_json::Value) {
        let Some(chain) = template.map(chart_chain).filter(|c| !c.is_empty()) else { return };
        for depth in 1..chain.len() {
            self.folders.entry(folder_path(&chain[..depth])).or_default();
        }
        let seen = self.folders.entry(folder_path(&chain)).or_default();
        // Objects passed through values are the team's, not what the chart runs.
        let file = template.and_then(|t| t.rsplit('/').next()).unwrap_or("");
        if origin::is_passthrough_template(file) {
            return;
        }
        if let Some(label) = helm_chart_label(labels) {
            *seen.labels.entry(split_label(label)).or_default() += 1;
        }
        for image in main_images(body) {
            if let Some(product) = products::product_of(&image) {
                seen.runs.entry(product.key).or_insert_with(|| image.raw.clone());
            } else if let Some(owner) = identity::mined_owner(&image) {
                seen.mined.entry(owner.product).or_insert_with(|| image.raw.clone());
            }
            if !seen.images.contains(&image.raw) {
                seen.images.insert(image.raw.clone());
            }
        }
    }

    /// Add what another reader gathered (files parsed in parallel).
    pub fn merge(&mut self, other: ChartFacts) {
        for (path, seen) in other.folders {
            let mine = self.folders.entry(path).or_default();
            for (label, n) in seen.labels {
                *mine.labels.entry(label).or_default() += n;
            }
            for (key, image) in seen.runs {
                mine.runs.entry(key).or_insert(image);
            }
            for (owner, image) in seen.mined {
                mine.mined.entry(owner).or_insert(image);
            }
            mine.images.extend(seen.images);
        }
    }

    /// Decide every chart, parents before children.
    pub fn decide(self, declared: &Declared) -> ChartGraph {
        let mut charts: BTreeMap<String, Chart> = BTreeMap::new();
        // BTreeMap order puts `a` before `a/charts/b`: parents are decided first.
        let paths: Vec<String> = self.folders.keys().cloned().collect();
        for path in paths {
            let chart = self.decide_one(&path, &charts, declared);
            charts.insert(path, chart);
        }
        ChartGraph { charts, declared: declared.clone() }
    }

    fn decide_one(&self, path: &str, decided: &BTreeMap<String, Chart>, declared: &Declared) -> Chart {
        let seen = &self.folders[path];
        let folder = path.rsplit("/charts/").next().unwrap_or(path).to_string();
        let (name, version) = identity(&folder, seen);
        // The folder, and the names its labels give (an alias's label may differ).
        let mut names: Vec<&str> = vec![folder.as_str()];
        names.extend(seen.labels.keys().map(|(n, _)| n.as_str()).filter(|n| *n != folder));
        let children: Vec<(String, Option<String>)> = self
            .folders
            .iter()
            .filter(|(p, _)| {
                p.strip_prefix(path).and_then(|r| r.strip_prefix("/charts/")).is_some_and(|r| !r.contains('/'))
            })
            .map(|(p, s)| identity(p.rsplit("/charts/").next().unwrap_or(p), s))
            .collect();
        let parent = path.rsplit_once("/charts/").map(|(p, _)| p.to_string());
        let label = display(&name, version.as_deref());
        let sourced = from_sources(&folder, parent.as_ref().map(|p| &decided[p]), declared);
        let heuristic = || {
            // Its own name is its folder: a chart may label objects it renders for a
            // subchart with the subchart's name (redpanda's console).
            if let Some((child, v)) = children.iter().find(|(c, _)| *c == folder) {
                let child = display(child, v.as_deref());
                (false, format!("chart {label} renders a subchart of its own name ({child}): a wrapper around it"))
            } else if let Some(parent) = &parent {
                subchart_verdict(&label, &names, seen, &decided[parent])
            } else {
                top_level_verdict(&label, &names, seen, &children)
            }
        };
        let (upstream, evidence) = match (declared.verdict(&names), sourced.verdict.clone()) {
            (Some(verdict), _) => verdict,
            // A repository says upstream; what the chart runs can still say it is the
            // team's (its own chart, published to a private registry).
            (None, Some((true, why))) if parent.is_some() => match heuristic() {
                (false, local) if !seen.runs.is_empty() => (false, format!("{local} (although {why})")),
                _ => (true, why),
            },
            (None, Some(verdict)) => verdict,
            (None, None) => heuristic(),
        };
        let source = sourced.dir;
        Chart { path: path.to_string(), name, version, parent, upstream, evidence, source, copies: sourced.copies }
    }
}

/// The published chart a source folder copies: it bears a published chart's
/// name and does not depend on it (a wrapper of that name would).
pub fn copies(source: &ChartSource) -> Option<String> {
    let depends_on_namesake = source.dependencies.iter().any(|d| d.folder == source.name);
    (upstream::is_upstream_chart(&source.name) && !depends_on_namesake).then(|| source.name.clone())
}

/// What the chart sources say about one chart.
#[derive(Default)]
struct Sourced {
    verdict: Option<(bool, String)>,
    /// Its folder in the sources.
    dir: Option<String>,
    /// The published chart a top-level source folder copies.
    copies: Option<String>,
}

/// A top-level chart found in the sources is the team's (unless it is a copy
/// of a published chart: same name, no dependency on it); a subchart takes
/// what its parent's `Chart.yaml` says of the dependency.
fn from_sources(folder: &str, parent: Option<&Chart>, declared: &Declared) -> Sourced {
    let Some(parent) = parent else {
        let Some(source) = declared.sources.iter().find(|s| s.name == folder) else { return Sourced::default() };
        if let Some(copied) = copies(source) {
            return Sourced { dir: Some(source.dir.clone()), copies: Some(copied), ..Sourced::default() };
        }
        let why = format!("{}/Chart.yaml is in the chart sources: the team's own chart", source.dir);
        return Sourced { verdict: Some((false, why)), dir: Some(source.dir.clone()), copies: None };
    };
    let Some(source) = parent.source.as_ref().and_then(|dir| declared.sources.iter().find(|s| &s.dir == dir)) else {
        return Sourced::default();
    };
    let Some(dependency) = source.dependencies.iter().find(|d| d.folder == folder) else { return Sourced::default() };
    match &dependency.from {
        From::Repository(repo) => Sourced {
            verdict: Some((
                true,
                format!("{}/Chart.yaml: dependency {folder} comes from {repo}: upstream", source.dir),
            )),
            ..Sourced::default()
        },
        From::Local { how, dir } => {
            let vendored = dir.as_ref().and_then(|d| declared.sources.iter().find(|s| &s.dir == d));
            if let Some(copied) = vendored.and_then(copies) {
                let why = format!(
                    "{}/Chart.yaml: dependency {folder} ({how}) is a copy of the published chart {copied}",
                    source.dir
                );
                return Sourced { verdict: Some((true, why)), dir: dir.clone(), copies: Some(copied) };
            }
            let why = format!("{}/Chart.yaml: dependency {folder} comes from {how}: the team's own chart", source.dir);
            Sourced { verdict: Some((false, why)), dir: dir.clone(), copies: None }
        }
    }
}

/// A subchart: upstream (a dependency) unless it runs a product it is not
/// entitled to.
fn subchart_verdict(label: &str, names: &[&str], seen: &Seen, parent: &Chart) -> (bool, String) {
    let dependency_of_upstream = parent.upstream
        && (names.iter().any(|n| upstream::depends_on(&parent.name, n)) || upstream::is_umbrella(&parent.name));
    let entitled = |p: &Product| names.iter().any(|n| p.entitles(n)) || dependency_of_upstream;
    if let Some((product, image)) = unentitled(seen, entitled) {
        return (
            false,
            format!(
                "subchart {label} of {} runs {} ({image}), which upstream ships only in {}: a local chart",
                parent.name,
                product.name,
                product.entitled_list()
            ),
        );
    }
    if names.iter().any(|n| upstream::is_upstream_chart(n)) {
        (true, format!("subchart {label} of {}: a chart upstream publishes", parent.name))
    } else {
        (true, format!("subchart {label} of {}: a dependency, taken as upstream", parent.name))
    }
}

/// A chart rendered directly: upstream only when upstream publishes it, it
/// renders nothing its upstream namesake does not, and runs nothing that
/// chart is not entitled to.
fn top_level_verdict(
    label: &str,
    names: &[&str],
    seen: &Seen,
    children: &[(String, Option<String>)],
) -> (bool, String) {
    let Some(name) = names.iter().copied().find(|n| upstream::is_upstream_chart(n)) else {
        return (false, format!("chart {label} is not one upstream publishes: a wrapper"));
    };
    if let Some((product, image)) = unentitled(seen, |p| names.iter().any(|n| p.entitles(n))) {
        return (
            false,
            format!(
                "chart {label} runs {} ({image}), which upstream ships only in {}: a team's chart named like a published one",
                product.name,
                product.entitled_list()
            ),
        );
    }
    if let Some((owner, image)) = runs_another_charts_image(name, seen) {
        return (
            false,
            format!(
                "chart {label} runs {image}, an image of the published chart {owner}, which the published {name} does not run: a team's chart named like a published one"
            ),
        );
    }
    let foreign = children.iter().find(|(c, _)| !upstream::depends_on(name, c) && !upstream::is_umbrella(name));
    match foreign {
        Some((child, v)) => (
            false,
            format!(
                "chart {label} renders subchart {}, which upstream chart {name} does not depend on: a wrapper",
                display(child, v.as_deref())
            ),
        ),
        None => (true, format!("chart {label} is published upstream")),
    }
}

/// An image of another published chart that a chart named like published
/// chart `name` runs, when it runs none of the images a published `name`
/// runs, even by name (an overridden exporter beside the chart's own server,
/// from a renamed namespace, is still that chart) and does not render that chart as a subchart. Only for names the
/// mined catalog read with their images, and only exact image repositories:
/// what a chart runs is known there, not guessed.
fn runs_another_charts_image<'a>(name: &str, seen: &'a Seen) -> Option<(&'a str, &'a str)> {
    let published: Vec<&catalog::Chart> = catalog::mined().named(name).filter(|c| !c.images.is_empty()).collect();
    // Its own images by their name too: a renamed namespace
    // (`bitnamilegacy/postgresql`) is still the published chart's server.
    let its_own = |image: &str| {
        let parsed = Image::parse(image);
        let name = parsed.path.rsplit('/').next().unwrap_or("");
        published.iter().any(|c| {
            c.images.iter().chain(&c.controller_images).any(|p| parsed.matches(p) || p.rsplit('/').next() == Some(name))
        })
    };
    if published.is_empty() || seen.images.iter().any(|i| its_own(i)) {
        return None;
    }
    seen.mined
        .iter()
        .map(|(owner, image)| (owner.as_str(), image.as_str()))
        .find(|(owner, _)| *owner != name && !upstream::depends_on(name, owner))
}

/// The first product a chart runs without being entitled to it, and its image.
fn unentitled(seen: &Seen, entitled: impl Fn(&Product) -> bool) -> Option<(&'static Product, &str)> {
    seen.runs.iter().find_map(|(key, image)| {
        let product = products::PRODUCTS.iter().find(|p| p.key == *key)?;
        (!entitled(product)).then_some((product, image.as_str()))
    })
}

/// A chart's name and version: the folder's name (an alias when the parent
/// sets one) and the version of the labels that carry it, else the most
/// common label.
fn identity(folder: &str, seen: &Seen) -> (String, Option<String>) {
    let named = seen.labels.iter().filter(|((n, _), _)| n == folder).max_by_key(|(_, count)| **count);
    let version =
        named.or_else(|| seen.labels.iter().max_by_key(|(_, count)| **count)).and_then(|((_, v), _)| v.clone());
    (folder.to_string(), version)
}

fn display(name: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{name} {v}"),
        None => name.to_string(),
    }
}

fn folder_path(chain: &[&str]) -> String {
    chain.join("/charts/")
}

/// `minio-5.4.0` → (`minio`, `5.4.0`).
fn split_label(label: &str) -> (String, Option<String>) {
    let name = chart_name_from_label(label);
    let version = label.strip_prefix(&name).and_then(|v| v.strip_prefix('-')).map(str::to_string);
    (name, version)
}

/// Images of the main containers of a long-running workload (not init
/// containers, not Jobs: those run tools, not the product).
fn main_images(body: &serde_json::Value) -> Vec<Image> {
    let kind = body.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if !matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Pod") {
        return Vec::new();
    }
    let containers = identity::pod_spec(body).and_then(|(_, s)| s.get("containers")).and_then(|c| c.as_array());
    containers.into_iter().flatten().filter_map(|c| c.get("image").and_then(|i| i.as_str())).map(Image::parse).collect()
}

/// What decides an object's provenance besides its chart, read off the object
/// alone: small enough to keep for every object of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFacts {
    /// The controller that made it, and how that shows.
    controller: Option<(String, String)>,
    /// Its `# Source:` template.
    template: Option<String>,
    /// Its Helm chart label.
    label: Option<String>,
}

impl ObjectFacts {
    /// Read the facts off an object.
    pub fn of(template: Option<&str>, labels: &BTreeMap<String, String>, body: &serde_json::Value) -> ObjectFacts {
        ObjectFacts {
            controller: origin::controller(labels, body),
            template: template.map(str::to_string),
            label: helm_chart_label(labels).map(str::to_string),
        }
    }
}

/// One chart, decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Its folder chain in the input: `platform/charts/mongodb`.
    pub path: String,
    /// Its name: the folder (an alias when the parent sets one).
    pub name: String,
    /// Its version, from its objects' `helm.sh/chart` labels.
    pub version: Option<String>,
    /// The chart that renders it, when it is a subchart.
    pub parent: Option<String>,
    /// Whether its own templates are upstream's (else the team's).
    pub upstream: bool,
    /// Why, in a sentence naming the evidence.
    pub evidence: String,
    /// Its folder in the chart sources, when they hold it.
    pub source: Option<String>,
    /// The published chart its source folder copies, when the sources show it.
    pub copies: Option<String>,
}

/// Who wrote an object, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The verdict.
    pub origin: Origin,
    /// The chart that rendered it (or the controller that made it).
    pub chart: Option<String>,
    /// That chart's version, when its labels give it.
    pub chart_version: Option<String>,
    /// Why.
    pub evidence: String,
    /// The template file to edit, when the chart sources hold its chart.
    pub source: Option<String>,
}

/// Every chart of the input, decided; answers for each object.
#[derive(Debug, Clone, Default)]
pub struct ChartGraph {
    charts: BTreeMap<String, Chart>,
    declared: Declared,
}

impl ChartGraph {
    /// The graph of a set of objects given as (template, labels, body).
    pub fn of<'a>(
        objects: impl IntoIterator<Item = (Option<&'a str>, &'a BTreeMap<String, String>, &'a serde_json::Value)>,
        declared: &Declared,
    ) -> ChartGraph {
        let mut facts = ChartFacts::default();
        for (template, labels, body) in objects {
            facts.observe(template, labels, body);
        }
        facts.decide(declared)
    }

    /// Every chart, by folder path.
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.charts.values()
    }

    /// The chart sources no rendered chart came from (an Argo CD Application
    /// may deploy them from git), as charts with an empty path.
    pub fn unrendered_sources(&self) -> Vec<Chart> {
        let rendered: BTreeSet<&str> = self.charts.values().filter_map(|c| c.source.as_deref()).collect();
        self.declared
            .sources
            .iter()
            .filter(|s| !rendered.contains(s.dir.as_str()))
            .map(|s| {
                let copies = copies(s);
                let evidence = match &copies {
                    Some(c) => {
                        format!("{}/Chart.yaml copies the published chart {c} (not rendered in the input)", s.dir)
                    }
                    None => format!("{}/Chart.yaml is in the chart sources (not rendered in the input)", s.dir),
                };
                Chart {
                    path: String::new(),
                    name: s.name.clone(),
                    version: s.version.clone(),
                    parent: None,
                    upstream: copies.is_some(),
                    evidence,
                    source: Some(s.dir.clone()),
                    copies,
                }
            })
            .collect()
    }

    /// Who wrote the object with this template, labels and body.
    pub fn decide(
        &self,
        template: Option<&str>,
        labels: &BTreeMap<String, String>,
        body: &serde_json::Value,
    ) -> Decision {
        self.decide_object(&ObjectFacts::of(template, labels, body))
    }

    /// [`ChartGraph::decide`] from what was read off the object while parsing
    /// ([`ObjectFacts`]), so its body need not be kept until the graph exists.
    pub fn decide_object(&self, facts: &ObjectFacts) -> Decision {
        if let Some((by, evidence)) = &facts.controller {
            return Decision {
                origin: Origin::Controller,
                chart: Some(by.clone()),
                chart_version: None,
                evidence: evidence.clone(),
                source: None,
            };
        }
        if let Some(template) = facts.template.as_deref() {
            let chain = chart_chain(template);
            if let Some(chart) = self.charts.get(&folder_path(&chain)) {
                return self.decide_rendered(template, chart);
            }
        }
        match facts.label.as_deref() {
            Some(label) => self.decide_labelled(label),
            None => Decision {
                origin: Origin::HandWritten,
                chart: None,
                chart_version: None,
                evidence: "no # Source: comment and no Helm chart label: plain YAML".into(),
                source: None,
            },
        }
    }

    fn decide_rendered(&self, template: &str, chart: &Chart) -> Decision {
        let file = template.rsplit('/').next().unwrap_or(template);
        let (origin, evidence) = if origin::is_passthrough_template(file) {
            let how = if chart.upstream { "upstream chart" } else { "chart" };
            (Origin::Passthrough, format!("{template} renders objects given in values ({how} {})", chart.name))
        } else if chart.upstream {
            (Origin::Upstream, chart.evidence.clone())
        } else {
            (Origin::Wrapper, chart.evidence.clone())
        };
        // `platform/charts/agent/templates/x.yaml` → `<agent's folder>/templates/x.yaml`:
        // a file of the team's repository (its chart, or its copy of a published one).
        let editable = origin.is_local() || chart.copies.is_some();
        let source = chart.source.as_ref().filter(|_| editable).and_then(|dir| {
            let rest = template.strip_prefix(chart.path.as_str())?.strip_prefix('/')?;
            Some(if dir == "." { rest.to_string() } else { format!("{dir}/{rest}") })
        });
        Decision { origin, chart: Some(chart.name.clone()), chart_version: chart.version.clone(), evidence, source }
    }

    /// No `# Source:`, but a chart label (YAML captured from a cluster).
    fn decide_labelled(&self, label: &str) -> Decision {
        let (name, version) = split_label(label);
        let (upstream, evidence) = match self.declared.verdict(&[name.as_str()]) {
            Some(verdict) => verdict,
            None if upstream::is_upstream_chart(&name) => {
                (true, format!("labelled helm.sh/chart: {label}, a chart upstream publishes"))
            }
            None => (false, format!("labelled helm.sh/chart: {label}, not a chart upstream publishes")),
        };
        let origin = if upstream { Origin::Upstream } else { Origin::Wrapper };
        Decision { origin, chart: Some(name), chart_version: version, evidence, source: None }
    }
}

/// The folder paths of the charts `graph` decided local (for tests).
pub fn local_charts(graph: &ChartGraph) -> BTreeSet<&str> {
    graph.charts().filter(|c| !c.upstream).map(|c| c.path.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(chart: &str) -> BTreeMap<String, String> {
        [("helm.sh/chart".to_string(), chart.to_string())].into()
    }

    fn deployment(image: &str) -> serde_json::Value {
        json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}})
    }

    fn graph(objects: &[(&str, &str, serde_json::Value)]) -> ChartGraph {
        let labelled: Vec<_> = objects.iter().map(|(t, l, b)| (*t, labels(l), b.clone())).collect();
        ChartGraph::of(labelled.iter().map(|(t, l, b)| (Some(*t), l, b)), &Declared::default())
    }

    #[test]
    fn a_wrapper_named_like_its_dependency_is_a_wrapper() {
        let g = graph(&[
            ("minio/templates/postgres.yaml", "minio-0.3.0", deployment("postgres:16")),
            ("minio/charts/minio/templates/statefulset.yaml", "minio-5.4.0", deployment("quay.io/minio/minio:RELEASE")),
        ]);
        let wrapper = g.decide(Some("minio/templates/postgres.yaml"), &labels("minio-0.3.0"), &json!({}));
        assert_eq!(wrapper.origin, Origin::Wrapper);
        assert_eq!(wrapper.chart_version.as_deref(), Some("0.3.0"));
        assert_eq!(
            wrapper.evidence,
            "chart minio 0.3.0 renders a subchart of its own name (minio 5.4.0): a wrapper around it"
        );
        let upstream =
            g.decide(Some("minio/charts/minio/templates/statefulset.yaml"), &labels("minio-5.4.0"), &json!({}));
        assert_eq!(upstream.origin, Origin::Upstream);
        assert_eq!(upstream.chart_version.as_deref(), Some("5.4.0"));
    }

    #[test]
    fn an_upstream_chart_rendering_a_foreign_subchart_is_a_wrapper() {
        let g = graph(&[
            ("temporal/templates/server.yaml", "temporal-0.1.0", deployment("temporalio/server:1.27")),
            ("temporal/charts/postgresql/templates/sts.yaml", "postgresql-17.1.0", deployment("bitnami/postgresql:17")),
        ]);
        assert_eq!(local_charts(&g), ["temporal"].into());
        // Its real dependencies do not make it a wrapper.
        let g = graph(&[
            ("temporal/templates/server.yaml", "temporal-0.65.0", deployment("temporalio/server:1.27")),
            ("temporal/charts/cassandra/templates/sts.yaml", "cassandra-0.14.3", deployment("cassandra:3.11")),
        ]);
        assert!(local_charts(&g).is_empty(), "{:?}", g.charts().collect::<Vec<_>>());
    }

    #[test]
    fn the_mined_catalog_says_what_a_published_chart_runs_and_renders() {
        // Published charts rendered directly, running their own images, are upstream.
        let g = graph(&[
            (
                "oauth2-proxy/templates/deployment.yaml",
                "oauth2-proxy-10.7.0",
                deployment("quay.io/oauth2-proxy/oauth2-proxy:v7"),
            ),
            (
                "pgbouncer/templates/deployment.yaml",
                "pgbouncer-4.1.9",
                deployment("ghcr.io/icoretech/pgbouncer-docker:1.24"),
            ),
        ]);
        assert!(local_charts(&g).is_empty(), "{:?}", g.charts().collect::<Vec<_>>());
        // Named like one, running another published chart's image: the team's.
        let g = graph(&[(
            "oauth2-proxy/templates/metrics.yaml",
            "oauth2-proxy-0.1.0",
            deployment("prom/statsd-exporter:v0.28"),
        )]);
        assert_eq!(local_charts(&g), ["oauth2-proxy"].into());
        let d = g.decide(Some("oauth2-proxy/templates/metrics.yaml"), &labels("oauth2-proxy-0.1.0"), &json!({}));
        assert_eq!(
            d.evidence,
            "chart oauth2-proxy 0.1.0 runs prom/statsd-exporter:v0.28, an image of the published chart prometheus-statsd-exporter, which the published oauth2-proxy does not run: a team's chart named like a published one"
        );
        // Its own server beside an overridden or renamed exporter is still the published chart.
        let g = graph(&[
            (
                "redis-cluster/templates/sts.yaml",
                "redis-cluster-12.0.0",
                json!({"kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [
                    {"name": "redis", "image": "bitnamilegacy/redis-cluster:8.0"},
                    {"name": "metrics", "image": "bitnamilegacy/redis-exporter:1.62"},
                ]}}}}),
            ),
            (
                "postgresql/templates/primary/sts.yaml",
                "postgresql-16.0.0",
                json!({"kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [
                    {"name": "postgresql", "image": "docker.io/bitnamilegacy/postgresql:17.5.0"},
                    {"name": "metrics", "image": "quay.io/prometheuscommunity/postgres-exporter:v0.16.0"},
                ]}}}}),
            ),
        ]);
        assert!(local_charts(&g).is_empty(), "{:?}", g.charts().collect::<Vec<_>>());
        // Its Chart.yaml dependencies (by alias) are its own subcharts.
        let g = graph(&[
            (
                "opentelemetry-demo/templates/component.yaml",
                "opentelemetry-demo-0.38.0",
                deployment("ghcr.io/open-telemetry/demo:2.1.3-cart"),
            ),
            (
                "opentelemetry-demo/charts/jaeger/templates/deploy.yaml",
                "jaeger-3.4.0",
                deployment("jaegertracing/jaeger:2.9.0"),
            ),
        ]);
        assert!(local_charts(&g).is_empty(), "{:?}", g.charts().collect::<Vec<_>>());
    }

    #[test]
    fn a_chart_named_like_a_published_one_running_what_that_chart_does_not_is_a_wrapper() {
        let g = graph(&[("minio/templates/db.yaml", "minio-0.1.0", deployment("postgres:16"))]);
        assert_eq!(local_charts(&g), ["minio"].into());
        let d = g.decide(Some("minio/templates/db.yaml"), &labels("minio-0.1.0"), &json!({}));
        assert_eq!(
            d.evidence,
            "chart minio 0.1.0 runs PostgreSQL (postgres:16), which upstream ships only in postgresql, postgresql-ha, \
             postgres, supabase, windmill, cloudnative-pg or cluster: a team's chart named like a published one"
        );
        // What the published chart runs itself keeps it upstream.
        let g = graph(&[("minio/templates/sts.yaml", "minio-5.4.0", deployment("quay.io/minio/minio:RELEASE"))]);
        assert!(local_charts(&g).is_empty());
    }

    #[test]
    fn a_vendored_mini_chart_running_a_product_it_is_not_entitled_to_is_local() {
        let g = graph(&[
            ("obs/templates/cm.yaml", "obs-1.0.0", json!({"kind": "ConfigMap"})),
            (
                "obs/charts/agent/templates/deployment.yaml",
                "agent-0.1.0",
                deployment("otel/opentelemetry-collector-contrib:0.120.0"),
            ),
            ("obs/charts/agent/templates/configmap.yaml", "agent-0.1.0", json!({"kind": "ConfigMap"})),
            (
                "obs/charts/opentelemetry-collector/templates/deployment.yaml",
                "opentelemetry-collector-0.170.0",
                deployment("otel/opentelemetry-collector-k8s:0.130.0"),
            ),
        ]);
        assert_eq!(local_charts(&g), ["obs", "obs/charts/agent"].into());
        let cm = g.decide(Some("obs/charts/agent/templates/configmap.yaml"), &labels("agent-0.1.0"), &json!({}));
        assert_eq!(cm.origin, Origin::Wrapper);
        assert!(cm.evidence.starts_with("subchart agent 0.1.0 of obs runs OpenTelemetry Collector (otel/opentelemetry-collector-contrib:0.120.0), which upstream ships only in opentelemetry-collector"), "{}", cm.evidence);
    }

    #[test]
    fn declarations_come_first() {
        let objects = [("acme-db/templates/sts.yaml", labels("acme-db-2.0.0"), deployment("postgres:16"))];
        let declared = Declared { upstream: vec!["acme-*".into()], from: "rewheel.toml".into(), ..Default::default() };
        let g = ChartGraph::of(objects.iter().map(|(t, l, b)| (Some(*t), l, b)), &declared);
        let d = g.decide(Some("acme-db/templates/sts.yaml"), &labels("acme-db-2.0.0"), &json!({}));
        assert_eq!(d.origin, Origin::Upstream);
        assert_eq!(d.evidence, "rewheel.toml declares acme-db upstream ([provenance] upstream = \"acme-*\")");
        let declared = Declared { local: vec!["grafana".into()], ..Default::default() };
        let objects = [("grafana/templates/deploy.yaml", labels("grafana-12.0.0"), deployment("grafana/grafana:12"))];
        let g = ChartGraph::of(objects.iter().map(|(t, l, b)| (Some(*t), l, b)), &declared);
        assert_eq!(local_charts(&g), ["grafana"].into());
    }

    #[test]
    fn objects_say_more_than_their_chart() {
        let g = graph(&[("velero/templates/extra-objects.yaml", "velero-12.1.0", json!({}))]);
        let d = g.decide(Some("velero/templates/extra-objects.yaml"), &labels("velero-12.1.0"), &json!({}));
        assert_eq!(d.origin, Origin::Passthrough);
        let owned = json!({"metadata": {"ownerReferences": [{"kind": "Cluster", "name": "pg"}]}});
        let d = g.decide(None, &BTreeMap::new(), &owned);
        assert_eq!((d.origin, d.evidence.as_str()), (Origin::Controller, "owned by Cluster pg (ownerReferences)"));
        let d = g.decide(None, &BTreeMap::new(), &json!({}));
        assert_eq!(d.origin, Origin::HandWritten);
        let d = g.decide(None, &labels("grafana-12.11.1"), &json!({}));
        assert_eq!(
            (d.origin, d.chart.as_deref(), d.chart_version.as_deref()),
            (Origin::Upstream, Some("grafana"), Some("12.11.1"))
        );
        let d = g.decide(None, &labels("acme-platform-1.0.0"), &json!({}));
        assert_eq!(d.origin, Origin::Wrapper);
    }

    #[test]
    fn chart_sources_are_ground_truth() {
        use crate::sources::{ChartSource, Dependency, From};
        let dep = |folder: &str, from: From| Dependency { folder: folder.into(), from };
        let sources = vec![
            ChartSource {
                dir: "charts/obs".into(),
                name: "obs".into(),
                version: Some("1.0.0".into()),
                dependencies: vec![
                    dep("outline", From::Repository("https://charts.example.org".into())),
                    dep("jobs", From::Local { how: "file://../jobs".into(), dir: Some("charts/jobs".into()) }),
                ],
            },
            ChartSource { dir: "charts/jobs".into(), name: "jobs".into(), version: None, dependencies: vec![] },
            ChartSource { dir: "vendor/redpanda".into(), name: "redpanda".into(), version: None, dependencies: vec![] },
        ];
        let declared = Declared { sources, ..Default::default() };
        let objects = [
            ("obs/templates/cm.yaml", labels("obs-1.0.0"), json!({"kind": "ConfigMap"})),
            ("obs/charts/jobs/templates/job.yaml", labels("jobs-0.1.0"), json!({"kind": "Job"})),
            (
                "obs/charts/outline/templates/deploy.yaml",
                labels("outline-0.9.0"),
                deployment("outlinewiki/outline:0.84"),
            ),
            ("redpanda/templates/entry-point.yaml", labels("redpanda-26.2.1"), json!({"kind": "ConfigMap"})),
        ];
        let g = ChartGraph::of(objects.iter().map(|(t, l, b)| (Some(*t), l, b)), &declared);
        // A subchart with no product is still local when the sources say so.
        let job = g.decide(Some("obs/charts/jobs/templates/job.yaml"), &labels("jobs-0.1.0"), &json!({}));
        assert_eq!(job.origin, Origin::Wrapper);
        assert_eq!(
            job.evidence,
            "charts/obs/Chart.yaml: dependency jobs comes from file://../jobs: the team's own chart"
        );
        assert_eq!(job.source.as_deref(), Some("charts/jobs/templates/job.yaml"));
        let cm = g.decide(Some("obs/templates/cm.yaml"), &labels("obs-1.0.0"), &json!({}));
        assert_eq!((cm.origin, cm.source.as_deref()), (Origin::Wrapper, Some("charts/obs/templates/cm.yaml")));
        let outline = g.decide(Some("obs/charts/outline/templates/deploy.yaml"), &labels("outline-0.9.0"), &json!({}));
        assert_eq!((outline.origin, outline.source), (Origin::Upstream, None));
        // A copy of a published chart: its objects are upstream's, and the copy is known.
        let redpanda = g.charts().find(|c| c.path == "redpanda").unwrap();
        assert!(redpanda.upstream);
        assert_eq!(redpanda.copies.as_deref(), Some("redpanda"));
    }

    #[test]
    fn what_values_pass_through_does_not_make_a_chart_local() {
        let g = graph(&[
            ("platform/templates/cm.yaml", "platform-1.0.0", json!({"kind": "ConfigMap"})),
            ("platform/charts/grafana/templates/deployment.yaml", "grafana-12.11.1", deployment("grafana/grafana:12")),
            ("platform/charts/grafana/templates/extra-manifests.yaml", "grafana-12.11.1", deployment("postgres:16")),
        ]);
        assert_eq!(local_charts(&g), ["platform"].into(), "grafana stays upstream");
        let passed = g.decide(Some("platform/charts/grafana/templates/extra-manifests.yaml"), &labels("x"), &json!({}));
        assert_eq!(passed.origin, Origin::Passthrough);
    }

    #[test]
    fn a_label_naming_the_chart_counts_beside_its_folder() {
        // `charts/db` labelled postgresql: the published chart, entitled to PostgreSQL.
        let g = graph(&[
            ("platform/templates/cm.yaml", "platform-1.0.0", json!({"kind": "ConfigMap"})),
            ("platform/charts/db/templates/sts.yaml", "postgresql-16.4.0", deployment("bitnami/postgresql:17")),
        ]);
        assert_eq!(local_charts(&g), ["platform"].into());
    }

    #[test]
    fn the_sources_cannot_hide_what_a_chart_runs() {
        use crate::sources::{ChartSource, Dependency, From};
        let private = From::Repository("oci://registry.acme.internal/charts".into());
        let sources = vec![ChartSource {
            dir: ".".into(),
            name: "obs".into(),
            version: None,
            dependencies: vec![Dependency { folder: "agent".into(), from: private }],
        }];
        let declared = Declared { sources, ..Default::default() };
        let objects = [
            ("obs/templates/cm.yaml", labels("obs-1.0.0"), json!({"kind": "ConfigMap"})),
            (
                "obs/charts/agent/templates/ds.yaml",
                labels("agent-0.1.0"),
                deployment("otel/opentelemetry-collector:0.1"),
            ),
        ];
        let g = ChartGraph::of(objects.iter().map(|(t, l, b)| (Some(*t), l, b)), &declared);
        let agent = g.charts().find(|c| c.path == "obs/charts/agent").unwrap();
        assert!(!agent.upstream, "its own chart, published to a private registry: {}", agent.evidence);
        assert!(
            agent.evidence.ends_with(
                "(although ./Chart.yaml: dependency agent comes from oci://registry.acme.internal/charts: upstream)"
            ),
            "{}",
            agent.evidence
        );
        // Sources found at `.`: the template to edit is relative, not `/templates/…`.
        let cm = g.decide(Some("obs/templates/cm.yaml"), &labels("obs-1.0.0"), &json!({}));
        assert_eq!(cm.source.as_deref(), Some("templates/cm.yaml"));
    }

    #[test]
    fn a_copy_vendored_under_charts_is_upstream_as_a_top_level_copy_is() {
        use crate::sources::{ChartSource, Dependency, From};
        let local =
            From::Local { how: "no repository (vendored in charts/)".into(), dir: Some("p/charts/redis".into()) };
        let sources = vec![
            ChartSource {
                dir: "p".into(),
                name: "platform".into(),
                version: None,
                dependencies: vec![Dependency { folder: "redis".into(), from: local }],
            },
            ChartSource { dir: "p/charts/redis".into(), name: "redis".into(), version: None, dependencies: vec![] },
        ];
        let declared = Declared { sources, ..Default::default() };
        let objects =
            [("platform/charts/redis/templates/sts.yaml", labels("redis-23.1.1"), deployment("bitnami/redis:8"))];
        let g = ChartGraph::of(objects.iter().map(|(t, l, b)| (Some(*t), l, b)), &declared);
        let redis = g.charts().find(|c| c.path == "platform/charts/redis").unwrap();
        assert!(redis.upstream, "{}", redis.evidence);
        assert_eq!(redis.copies.as_deref(), Some("redis"));
        assert!(g.unrendered_sources().is_empty(), "both sources were rendered");
    }

    #[test]
    fn globs() {
        assert!(glob_match("platform-*", "platform-novu"));
        assert!(glob_match("?inio", "minio"));
        assert!(!glob_match("platform-*", "novu"));
        assert!(glob_match("*", ""));
    }
}
