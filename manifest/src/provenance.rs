//! Where an object came from: its file, document, line and the chart that
//! rendered it.
//!
//! Helm writes `# Source: <chart>/templates/<file>` before each document, and
//! `<wrapper>/charts/<subchart>/templates/<file>` for objects a dependency
//! rendered. The innermost `charts/<name>` therefore names the rendering chart.
//! Plain YAML has no `# Source:`; the `helm.sh/chart` label (or the legacy
//! `chart` label next to `heritage: Helm`) is the fallback.

use std::collections::BTreeMap;

/// Where one object came from in the input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    /// The file as given on the command line (`-` for stdin).
    pub file: String,
    /// 0-based index among the file's non-empty documents.
    pub document: u32,
    /// 1-based line of the document's first content line.
    pub line: u32,
    /// The `# Source:` template path.
    pub template: Option<String>,
    /// The chart that rendered the object (see the module docs); for an
    /// object a controller made, the controller.
    pub chart: Option<String>,
    /// The version of `chart`, from its objects' `helm.sh/chart` labels.
    pub chart_version: Option<String>,
    /// Who wrote it, decided over the whole input ([`crate::charts`]); `None`
    /// until decided.
    pub origin: Option<crate::origin::Origin>,
    /// Why `origin` was decided so.
    pub evidence: String,
    /// The chart template file a developer edits, when chart sources are known.
    pub source: Option<String>,
}

impl Provenance {
    /// Take a decision of [`crate::charts::ChartGraph::decide`].
    pub fn set(&mut self, decision: crate::charts::Decision) {
        self.origin = Some(decision.origin);
        self.chart = decision.chart;
        self.chart_version = decision.chart_version;
        self.evidence = decision.evidence;
        self.source = decision.source;
    }
}

/// The chart that rendered an object with this template path and labels.
pub fn rendering_chart(template: Option<&str>, labels: &BTreeMap<String, String>) -> Option<String> {
    if let Some(template) = template {
        let segments: Vec<&str> = template.split('/').collect();
        let sub = segments.windows(2).rev().find(|w| w[0] == "charts" && !w[1].is_empty()).map(|w| w[1]);
        if let Some(chart) = sub.or_else(|| segments.first().copied().filter(|s| !s.is_empty())) {
            return Some(chart.to_string());
        }
    }
    helm_chart_label(labels).map(chart_name_from_label)
}

/// The `helm.sh/chart` label, or the legacy `chart` label when `heritage: Helm`.
pub fn helm_chart_label(labels: &BTreeMap<String, String>) -> Option<&str> {
    if let Some(chart) = labels.get("helm.sh/chart") {
        return Some(chart);
    }
    let legacy = labels.get("heritage").is_some_and(|h| h.eq_ignore_ascii_case("helm"));
    labels.get("chart").filter(|_| legacy).map(String::as_str)
}

/// `opentelemetry-collector-0.170.0` → `opentelemetry-collector`. Helm joins
/// name and version with `-`; the version is the first `-`-separated part that
/// starts with a digit and contains a dot.
pub fn chart_name_from_label(label: &str) -> String {
    let mut search = 0;
    while let Some(pos) = label[search..].find('-').map(|p| p + search) {
        let rest = &label[pos + 1..];
        let part = rest.split('-').next().unwrap_or("");
        if part.starts_with(|c: char| c.is_ascii_digit()) && part.contains('.') {
            return label[..pos].to_string();
        }
        search = pos + 1;
    }
    label.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn chart_from_template_path() {
        let none = BTreeMap::new();
        assert_eq!(
            rendering_chart(Some("platform-novu/templates/mongo.yaml"), &none).as_deref(),
            Some("platform-novu")
        );
        assert_eq!(
            rendering_chart(Some("platform-novu/charts/mongodb/templates/sts.yaml"), &none).as_deref(),
            Some("mongodb")
        );
        assert_eq!(
            rendering_chart(Some("w/charts/u/charts/common/templates/x.yaml"), &none).as_deref(),
            Some("common")
        );
    }

    #[test]
    fn chart_from_labels_including_legacy_pair() {
        assert_eq!(
            rendering_chart(None, &labels(&[("helm.sh/chart", "opentelemetry-collector-0.170.0")])).as_deref(),
            Some("opentelemetry-collector")
        );
        assert_eq!(
            rendering_chart(None, &labels(&[("chart", "windmill-4.0.246"), ("heritage", "Helm")])).as_deref(),
            Some("windmill")
        );
        assert_eq!(rendering_chart(None, &labels(&[("chart", "windmill-4.0.246")])), None);
        assert_eq!(rendering_chart(None, &BTreeMap::new()), None);
    }

    #[test]
    fn chart_name_strips_only_the_version() {
        assert_eq!(chart_name_from_label("penpot-1.8.0-unreleased"), "penpot");
        assert_eq!(chart_name_from_label("foo-2fa-1.0.0"), "foo-2fa");
        assert_eq!(chart_name_from_label("nover"), "nover");
        assert_eq!(chart_name_from_label("mongodb-17.0.2"), "mongodb");
    }
}
