//! Files to objects: split, parse, classify.

use std::collections::BTreeMap;

use crate::provenance::{Provenance, rendering_chart};
use crate::reader::{Piece, Reader, Stop};
use crate::split::RawDocument;
use crate::{unrendered, yaml};

/// Documents larger than this are reported, not parsed: no Kubernetes object
/// comes close (etcd caps a request at ~1.5 MiB), and parsing one into a tree
/// costs several times its size in memory.
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;

/// One Kubernetes object found in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub provenance: Provenance,
    /// The whole object.
    pub body: serde_json::Value,
}

/// A document that is valid YAML but not a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: u32,
    pub document: u32,
    pub reason: String,
}

/// A document that is not valid YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the error in the file.
    pub line: u32,
    pub document: u32,
    pub message: String,
}

/// A document kept despite something worth fixing (a repeated mapping key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    pub line: u32,
    pub document: u32,
    pub message: String,
}

/// Why an input ended early: the rest of it was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// 1-based line being read.
    pub line: u32,
    pub why: StopReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// A NUL byte at this offset, near the start: not a text file.
    Binary { byte: u64 },
    /// The input passed this many bytes.
    Budget { bytes: u64 },
    /// Reading failed.
    Io(String),
}

/// Everything one file yielded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// Non-empty documents seen (objects, skipped and failed alike).
    pub documents: u32,
    pub objects: Vec<Object>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ParseError>,
    /// Documents that are not text (invalid UTF-8), by line and byte offset.
    pub not_text: Vec<(u32, u64)>,
    pub warnings: Vec<ParseWarning>,
    /// Set when the input ended before its end.
    pub stopped: Option<Stopped>,
}

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Documents over this many bytes are reported, not parsed (nor held).
    pub document_bytes: usize,
    /// Bytes read from the input at most; the rest is not read.
    pub budget: u64,
    /// A repeated mapping key is an error, not a warning.
    pub strict_yaml: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { document_bytes: MAX_DOCUMENT_BYTES, budget: u64::MAX, strict_yaml: false }
    }
}

/// Decide who wrote each of `objects`, over all of them (the whole run's
/// objects, when the run is not streamed): the chart graph, then each
/// object's verdict in its provenance.
pub fn decide_provenance(objects: &mut [Object], declared: &crate::charts::Declared) -> crate::charts::ChartGraph {
    let graph = crate::charts::ChartGraph::of(
        objects.iter().map(|o| (o.provenance.template.as_deref(), &o.labels, &o.body)),
        declared,
    );
    for object in objects.iter_mut() {
        let decision = graph.decide(object.provenance.template.as_deref(), &object.labels, &object.body);
        object.provenance.set(decision);
    }
    graph
}

/// Parse one file's text. `file` is recorded in each object's provenance as given.
pub fn load_str(file: &str, text: &str) -> Loaded {
    let options = ReadOptions::default();
    load_pieces(file, Reader::new(text.as_bytes(), options.document_bytes, options.budget).text(), options.strict_yaml)
}

/// Read and parse one input (a file, a pipe), holding one document at a time.
pub fn load_reader(file: &str, input: impl std::io::BufRead, options: &ReadOptions) -> Loaded {
    load_pieces(file, Reader::new(input, options.document_bytes, options.budget), options.strict_yaml)
}

/// Parse the pieces a [`Reader`] gave (or a copy of them kept for replay).
pub fn load_pieces(file: &str, pieces: impl IntoIterator<Item = Result<Piece, Stop>>, strict_yaml: bool) -> Loaded {
    let mut loaded = Loaded::default();
    for piece in pieces {
        match piece {
            Ok(Piece::Document(raw)) => loaded.document(file, raw, strict_yaml),
            Ok(Piece::Oversized { content_line, bytes, .. }) => {
                loaded.error(content_line, oversized(bytes));
            }
            Ok(Piece::NotText { line, byte }) => {
                loaded.not_text.push((line, byte));
                loaded.documents += 1;
            }
            Err(stop) => loaded.stopped = Some(Stopped::from(stop)),
        }
    }
    loaded
}

fn oversized(bytes: u64) -> String {
    format!(
        "the document is {:.1} MiB, over the {} MiB limit for one document (the API server stores at most ~1.5 MiB per object); not parsed",
        bytes as f64 / (1024.0 * 1024.0),
        MAX_DOCUMENT_BYTES >> 20
    )
}

impl From<Stop> for Stopped {
    /// The reader's stop, as a loaded input keeps it (clonable, comparable).
    fn from(stop: Stop) -> Stopped {
        match stop {
            Stop::Binary { line, byte } => Stopped { line, why: StopReason::Binary { byte } },
            Stop::Budget { line, budget } => Stopped { line, why: StopReason::Budget { bytes: budget } },
            Stop::Io { line, error } => Stopped { line, why: StopReason::Io(error.to_string()) },
        }
    }
}

impl Loaded {
    /// A document that was not parsed (counted all the same).
    fn error(&mut self, line: u32, message: String) {
        self.errors.push(ParseError { line, document: self.documents, message });
        self.documents += 1;
    }

    /// Parse one document and keep what it holds.
    fn document(&mut self, file: &str, raw: RawDocument<'_>, strict_yaml: bool) {
        let line = raw.content_line;
        let parsed = match yaml::parse_document(&raw.text, raw.first_line, strict_yaml) {
            Ok(parsed) => parsed,
            Err(error) => return self.error(error.line.unwrap_or(line), parse_message(error.message, &raw.text)),
        };
        let Some(value) = parsed.value else { return }; // `null` or `~`: an empty document
        if let Some(message) = unrendered::find(&value) {
            return self.error(line, message);
        }
        let document = self.documents;
        self.documents += 1;
        for duplicate in parsed.duplicates {
            self.warnings.push(ParseWarning {
                line: duplicate.line,
                document,
                message: format!(
                    "duplicate key `{}`: the last value is kept, as the API server does (--strict-yaml makes this an error)",
                    duplicate.key
                ),
            });
        }
        let origin = Origin { file, document, line, template: raw.source.as_deref() };
        self.classify(&origin, value);
    }

    fn classify(&mut self, origin: &Origin, value: serde_json::Value) {
        let (line, document) = (origin.line, origin.document);
        match classify(value) {
            Shape::Object(body) => self.objects.push(origin.object(body)),
            Shape::List(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    match classify(item) {
                        Shape::Object(body) => self.objects.push(origin.object(body)),
                        Shape::List(_) => self.skipped.push(Skipped {
                            line,
                            document,
                            reason: format!("List item {i} is itself a List; nested Lists are not expanded"),
                        }),
                        Shape::Other(reason) => {
                            self.skipped.push(Skipped { line, document, reason: format!("List item {i}: {reason}") })
                        }
                    }
                }
            }
            Shape::Other(reason) => self.skipped.push(Skipped { line, document, reason }),
        }
    }
}

fn parse_message(mut message: String, text: &str) -> String {
    if message.starts_with("deserializing from YAML containing more than one document") {
        message = "more than one YAML node at the top level of the document".into();
    }
    if text.contains("{{") {
        message
            .push_str(" (the document contains `{{ … }}`: an unrendered Helm template? audit `helm template` output)");
    }
    message
}

struct Origin<'a> {
    file: &'a str,
    document: u32,
    line: u32,
    template: Option<&'a str>,
}

impl Origin<'_> {
    fn object(&self, body: serde_json::Value) -> Object {
        // `Value::get`, not `Value::pointer`: a pointer allocates two strings
        // per segment (`~` unescaping), and these keys need none.
        let metadata = body.get("metadata");
        let str_in = |value: Option<&serde_json::Value>, key: &str| {
            value.and_then(|v| v.get(key)).and_then(|v| v.as_str()).map(str::to_string)
        };
        let labels = string_map(metadata.and_then(|m| m.get("labels")));
        let annotations = string_map(metadata.and_then(|m| m.get("annotations")));
        let chart = rendering_chart(self.template, &labels);
        Object {
            api_version: str_in(Some(&body), "apiVersion").unwrap_or_default(),
            kind: str_in(Some(&body), "kind").unwrap_or_default(),
            namespace: str_in(metadata, "namespace").filter(|ns| !ns.is_empty()),
            name: str_in(metadata, "name").or_else(|| str_in(metadata, "generateName")).unwrap_or_default(),
            labels,
            annotations,
            provenance: Provenance {
                file: self.file.to_string(),
                document: self.document,
                line: self.line,
                template: self.template.map(str::to_string),
                chart,
                ..Provenance::default()
            },
            body,
        }
    }
}

enum Shape {
    Object(serde_json::Value),
    List(Vec<serde_json::Value>),
    Other(String),
}

fn classify(value: serde_json::Value) -> Shape {
    let serde_json::Value::Object(map) = &value else {
        return Shape::Other(format!("not a Kubernetes object: the document is {}", kind_of(&value)));
    };
    let api_version = map.get("apiVersion").and_then(|v| v.as_str());
    let kind = map.get("kind").and_then(|v| v.as_str());
    match (api_version, kind) {
        (Some(_), Some("List")) => match value {
            serde_json::Value::Object(mut map) => match map.remove("items") {
                Some(serde_json::Value::Array(items)) => Shape::List(items),
                Some(serde_json::Value::Null) | None => Shape::List(Vec::new()),
                Some(other) => Shape::Other(format!("List whose items is {}, not a list", kind_of(&other))),
            },
            _ => unreachable!("checked above"),
        },
        (Some(_), Some(_)) => Shape::Object(value),
        (None, None) => Shape::Other("not a Kubernetes object: no apiVersion or kind".into()),
        (None, _) => Shape::Other("not a Kubernetes object: no apiVersion".into()),
        (_, None) => Shape::Other("not a Kubernetes object: no kind".into()),
    }
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a sequence",
        serde_json::Value::Object(_) => "a mapping",
    }
}

fn string_map(value: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    let Some(serde_json::Value::Object(map)) = value else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_lists_skips_and_errors_in_one_stream() {
        let text = "\
# Source: app/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: ns, labels: {x: '1', n: 2}}
---
just: yaml
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Service, metadata: {name: s1}}
- {apiVersion: v1, kind: Service, metadata: {name: s2}}
- 42
---
key: [unclosed
---
apiVersion: v1
kind: Secret
metadata: {name: after-error}
";
        let loaded = load_str("f.yaml", text);
        assert_eq!(loaded.documents, 5);
        let names: Vec<_> = loaded
            .objects
            .iter()
            .map(|o| (o.kind.as_str(), o.name.as_str(), o.provenance.document, o.provenance.line))
            .collect();
        assert_eq!(
            names,
            vec![
                ("ConfigMap", "a", 0, 2),
                ("Service", "s1", 2, 8),
                ("Service", "s2", 2, 8),
                ("Secret", "after-error", 4, 17)
            ]
        );
        let cm = &loaded.objects[0];
        assert_eq!(cm.namespace.as_deref(), Some("ns"));
        assert_eq!(cm.labels.get("n").map(String::as_str), Some("2"));
        assert_eq!(cm.provenance.template.as_deref(), Some("app/templates/cm.yaml"));
        assert_eq!(cm.provenance.chart.as_deref(), Some("app"));
        assert_eq!(
            loaded.skipped,
            vec![
                Skipped { line: 6, document: 1, reason: "not a Kubernetes object: no apiVersion or kind".into() },
                Skipped {
                    line: 8,
                    document: 2,
                    reason: "List item 2: not a Kubernetes object: the document is a number".into()
                },
            ]
        );
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].document, 3);
        assert_eq!(loaded.errors[0].line, 15, "{:?}", loaded.errors[0]);
    }

    #[test]
    fn unrendered_templates_get_a_hint() {
        let loaded = load_str(
            "t.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n  {{- if .Values.x }}\n",
        );
        assert_eq!(loaded.errors.len(), 1);
        assert!(loaded.errors[0].message.contains("unrendered Helm template"), "{}", loaded.errors[0].message);
        assert_eq!(loaded.errors[0].line, 5);
    }

    #[test]
    fn oversized_documents_are_errors_and_the_rest_loads() {
        let big = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata: {{x: \"{}\"}}\n",
            "x".repeat(MAX_DOCUMENT_BYTES)
        );
        let loaded = load_str("f", &format!("{big}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: ok}}\n"));
        assert_eq!(loaded.documents, 2);
        assert_eq!(loaded.objects.len(), 1);
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].line, 1);
        assert!(loaded.errors[0].message.contains("over the 16 MiB limit"), "{}", loaded.errors[0].message);
    }

    #[test]
    fn metadata_of_the_wrong_shape_gives_empty_fields() {
        let loaded = load_str(
            "f",
            "apiVersion: v1\nkind: A\nmetadata: [{name: x}]\n---\napiVersion: v1\nkind: B\nmetadata: {name: 5, generateName: g-, labels: [a], namespace: ''}\n---\napiVersion: [v1]\nkind: C\n",
        );
        let fields: Vec<_> = loaded
            .objects
            .iter()
            .map(|o| (o.api_version.as_str(), o.kind.as_str(), o.name.as_str(), o.namespace.as_deref(), o.labels.len()))
            .collect();
        assert_eq!(fields, vec![("v1", "A", "", None, 0), ("v1", "B", "g-", None, 0)]);
        assert_eq!(loaded.skipped.len(), 1, "{:?}", loaded.skipped);
    }

    #[test]
    fn null_documents_are_empty() {
        let loaded = load_str("f", "---\n~\n---\nnull\n");
        assert_eq!(loaded, Loaded::default());
    }
}
