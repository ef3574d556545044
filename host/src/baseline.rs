//! Baselines: accept today's findings, report only new ones.
//!
//! An entry is keyed on the rule, its component, the resource's kind,
//! namespace and name, and its source (the `# Source:` template, or the file
//! when the document has none) — never on line numbers, so edits elsewhere in
//! a file do not churn it. Each entry counts the findings it accepts: a second
//! smell of the same rule on the same resource is new. The file lists one
//! entry per line, sorted, so a baseline diff reads like the change it is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::FindingEntry;

/// Bumped on an incompatible change to the file.
pub const BASELINE_VERSION: u32 = 1;

/// What a baseline entry matches.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    pub rule: String,
    pub component: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The `# Source:` template, or the file when there is none.
    pub source: String,
}

impl Key {
    pub fn of(f: &FindingEntry) -> Key {
        let file = f.location.file.strip_prefix("./").unwrap_or(&f.location.file);
        Key {
            rule: f.rule.clone(),
            component: f.component.clone(),
            kind: f.resource.kind.clone(),
            namespace: f.resource.namespace.clone(),
            name: f.resource.name.clone(),
            source: f.location.template.clone().unwrap_or_else(|| file.to_string()),
        }
    }

    /// `rule Kind ns/name (source)`, for messages.
    pub fn describe(&self) -> String {
        let ns = self.namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default();
        format!("{} {} {ns}{} ({})", self.rule, self.kind, self.name, self.source)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(flatten)]
    key: Key,
    count: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Checked before the strict parse (see `load`).
    #[allow(dead_code)]
    version: u32,
    entries: Vec<Entry>,
}

/// A loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The file, as given.
    pub path: String,
    pub entries: BTreeMap<Key, u32>,
}

/// The baseline text accepting `findings`.
pub fn create(findings: &[FindingEntry]) -> String {
    let mut counts: BTreeMap<Key, u32> = BTreeMap::new();
    for f in findings {
        *counts.entry(Key::of(f)).or_default() += 1;
    }
    let mut out = format!("{{\n  \"version\": {BASELINE_VERSION},\n  \"entries\": [");
    for (i, (key, count)) in counts.into_iter().enumerate() {
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        out.push_str(&serde_json::to_string(&Entry { key, count }).expect("entry serialises"));
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// Read a baseline file; the error says what is wrong and where.
pub fn load(path: &str) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read the baseline: {e}"))?;
    let not_a_baseline = |e: serde_json::Error| {
        format!(
            "{path}:{}: not a rewheel baseline: {e}; write one with `rewheel baseline create PATH… > {path}`",
            e.line()
        )
    };
    // The version first: a newer file's new fields must not read as corruption.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(not_a_baseline)?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(BASELINE_VERSION) => {}
        Some(v) => {
            return Err(format!(
                "{path}: baseline version {v} is not supported (this rewheel reads version {BASELINE_VERSION}); recreate it with `rewheel baseline create`"
            ));
        }
        None => {
            return Err(format!(
                "{path}: not a rewheel baseline: no `version`; write one with `rewheel baseline create`"
            ));
        }
    }
    let file: File = serde_json::from_str(&text).map_err(not_a_baseline)?;
    let mut entries = BTreeMap::new();
    for e in file.entries {
        *entries.entry(e.key).or_default() += e.count;
    }
    Ok(Baseline { path: path.to_string(), entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, name: &str, line: u32, message: &str) -> FindingEntry {
        let mut f = FindingEntry::sample(rule, name, message);
        f.location.line = line;
        f
    }

    #[test]
    fn keys_ignore_lines_and_count_repeats() {
        let a = finding("novu-raw-datastore", "mongo", 10, "one");
        let b = finding("novu-raw-datastore", "mongo", 99, "two");
        assert_eq!(Key::of(&a), Key::of(&b));
        assert_eq!(Key::of(&a).source, "r/novu.yaml");
        let text = create(&[a, b, finding("novu-root-chown", "api", 3, "x")]);
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"entries\": [\n    {\"rule\":\"novu-raw-datastore\",\"component\":\"novu\",\"kind\":\"Deployment\",\"namespace\":\"novu\",\"name\":\"mongo\",\"source\":\"r/novu.yaml\",\"count\":2},\n    {\"rule\":\"novu-root-chown\",\"component\":\"novu\",\"kind\":\"Deployment\",\"namespace\":\"novu\",\"name\":\"api\",\"source\":\"r/novu.yaml\",\"count\":1}\n  ]\n}\n"
        );
        assert_eq!(create(&[]), "{\n  \"version\": 1,\n  \"entries\": [\n  ]\n}\n");
    }
}
