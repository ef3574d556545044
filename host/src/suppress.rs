//! Suppression, in the order it applies: a `rewheel.io/ignore` annotation on
//! the resource, an `[[exemption]]` in rewheel.toml, then the `--baseline`.
//!
//! Every suppressed finding stays in the report (`suppressed`, and SARIF
//! `suppressions`) with its reason, and the summary counts them. Suppressions
//! that no longer suppress anything are warnings, so they do not rot: unused
//! inline ignores and exemptions (like Ruff's unused-noqa), expired exemptions
//! (whose findings are back), stale baseline entries.

use std::collections::{BTreeMap, BTreeSet};

use rewheel_manifest::Object;

use crate::baseline::{Baseline, Key};
use crate::config::{Exemption, Subject};
use crate::report::{FindingEntry, SuppressedEntry, Suppression, SuppressionKind, WarningEntry, WarningKind};

/// The annotation that suppresses findings on its resource:
/// `rewheel.io/ignore: "<rule-id>[,<rule-id>…]: <reason>"`.
pub const IGNORE_ANNOTATION: &str = "rewheel.io/ignore";

/// What may suppress findings in this run.
#[derive(Debug, Clone)]
pub struct Suppressions {
    /// Honour `rewheel.io/ignore` annotations (`--no-inline-ignores` refuses them).
    pub inline: bool,
    pub exemptions: Vec<Exemption>,
    pub baseline: Option<Baseline>,
    /// The day exemptions are checked against.
    pub today: time::Date,
}

impl Default for Suppressions {
    fn default() -> Self {
        Suppressions { inline: true, exemptions: Vec::new(), baseline: None, today: crate::config::today() }
    }
}

/// A parsed inline ignore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineIgnore {
    pub rules: Vec<String>,
    pub reason: String,
}

/// Parse `"<rule-id>[,<rule-id>…]: <reason>"`.
pub fn parse_ignore(value: &str) -> Result<InlineIgnore, String> {
    let Some((ids, reason)) = value.split_once(':') else {
        return Err(format!(
            "{IGNORE_ANNOTATION}: {value:?} has no reason; write \"<rule-id>[,<rule-id>…]: <why it is accepted>\""
        ));
    };
    let rules: Vec<String> = ids.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    let reason = reason.trim();
    if rules.is_empty() {
        return Err(format!("{IGNORE_ANNOTATION}: {value:?} names no rule id before the `:`"));
    }
    if reason.is_empty() {
        return Err(format!(
            "{IGNORE_ANNOTATION}: {value:?} has an empty reason after the `:`; say why it is accepted"
        ));
    }
    Ok(InlineIgnore { rules, reason: reason.to_string() })
}

/// The outcome of applying suppressions.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<FindingEntry>,
    pub suppressed: Vec<SuppressedEntry>,
    pub warnings: Vec<WarningEntry>,
}

/// Apply `s` to `findings` (each with the index of its object in `objects`).
/// `known` holds every loaded rule id, `ran` those that ran (selected).
pub fn apply(
    s: &Suppressions,
    findings: Vec<(usize, FindingEntry)>,
    objects: &[Object],
    known: &BTreeSet<&str>,
    ran: &BTreeSet<&str>,
) -> Outcome {
    let mut out = Outcome::default();

    // Inline ignores, by object.
    let mut ignores: BTreeMap<usize, InlineIgnore> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        let Some(value) = o.annotations.get(IGNORE_ANNOTATION) else { continue };
        let warn = |kind, message| WarningEntry {
            kind,
            file: Some(o.provenance.file.clone()),
            line: Some(o.provenance.line),
            message,
        };
        if !s.inline {
            out.warnings.push(warn(
                WarningKind::RefusedIgnore,
                format!("{} {}: {IGNORE_ANNOTATION} is not honoured (--no-inline-ignores): {value:?}", o.kind, o.name),
            ));
            continue;
        }
        match parse_ignore(value) {
            Err(message) => {
                out.warnings.push(warn(WarningKind::InvalidIgnore, format!("{} {}: {message}", o.kind, o.name)))
            }
            Ok(ignore) => {
                for id in ignore.rules.iter().filter(|id| !known.contains(id.as_str())) {
                    out.warnings.push(warn(
                        WarningKind::InvalidIgnore,
                        format!(
                            "{} {}: {IGNORE_ANNOTATION} names {id:?}, which is no loaded rule's id",
                            o.kind, o.name
                        ),
                    ));
                }
                ignores.insert(i, ignore);
            }
        }
    }
    let mut used_ignores: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut exemption_hits = vec![0u32; s.exemptions.len()];
    let mut expired_hits = vec![0u32; s.exemptions.len()];
    let mut remaining = Vec::new();

    for (index, f) in findings {
        if let Some(ignore) = ignores.get(&index).filter(|ig| ig.rules.iter().any(|r| r == &f.rule)) {
            used_ignores.insert((index, f.rule.clone()));
            let o = &objects[index];
            let source = format!("{}:{} ({IGNORE_ANNOTATION})", o.provenance.file, o.provenance.line);
            out.suppressed.push(suppressed(f, SuppressionKind::Inline, &ignore.reason, source));
            continue;
        }
        let subject = Subject {
            rule: &f.rule,
            component: &f.component,
            category: &f.category,
            kind: &f.resource.kind,
            namespace: f.resource.namespace.as_deref(),
            name: &f.resource.name,
            template: f.location.template.as_deref(),
            file: &f.location.file,
        };
        let mut exempted = None;
        for (n, e) in s.exemptions.iter().enumerate() {
            if !e.matches(&subject) {
                continue;
            }
            if e.expired(s.today) {
                expired_hits[n] += 1;
                continue;
            }
            exemption_hits[n] += 1;
            exempted = Some(e);
            break;
        }
        match exempted {
            Some(e) => out.suppressed.push(suppressed(f, SuppressionKind::Exemption, &e.reason, e.origin.clone())),
            None => remaining.push(f),
        }
    }

    for (n, e) in s.exemptions.iter().enumerate() {
        let warn = |kind, message| WarningEntry { kind, file: Some(e.config_file.clone()), line: e.line, message };
        if e.expired(s.today) {
            let date = e.expires.map(|d| d.to_string()).unwrap_or_default();
            out.warnings.push(warn(
                WarningKind::ExpiredExemption,
                format!(
                    "exemption ({}) expired on {date}: its {} {} reported again; fix {} or renew the exemption with a new date",
                    e.selector,
                    expired_hits[n],
                    if expired_hits[n] == 1 { "finding is" } else { "findings are" },
                    if expired_hits[n] == 1 { "it" } else { "them" },
                ),
            ));
        } else if exemption_hits[n] == 0 {
            out.warnings.push(warn(
                WarningKind::UnusedExemption,
                format!("exemption ({}) matched no finding; remove it", e.selector),
            ));
        }
    }
    for (index, ignore) in &ignores {
        let o = &objects[*index];
        for id in ignore.rules.iter().filter(|id| ran.contains(id.as_str())) {
            if !used_ignores.contains(&(*index, id.clone())) {
                out.warnings.push(WarningEntry {
                    kind: WarningKind::UnusedIgnore,
                    file: Some(o.provenance.file.clone()),
                    line: Some(o.provenance.line),
                    message: format!(
                        "{} {}: {IGNORE_ANNOTATION} names {id}, which reports nothing here; remove it",
                        o.kind, o.name
                    ),
                });
            }
        }
    }

    // The baseline accepts up to `count` findings per key, first in report order.
    match &s.baseline {
        None => out.findings = remaining,
        Some(baseline) => {
            let mut left: BTreeMap<&Key, u32> = baseline.entries.iter().map(|(k, c)| (k, *c)).collect();
            for f in remaining {
                let key = Key::of(&f);
                match left.get_mut(&key).filter(|c| **c > 0) {
                    Some(count) => {
                        *count -= 1;
                        let reason = "accepted in the baseline".to_string();
                        out.suppressed.push(suppressed(f, SuppressionKind::Baseline, &reason, baseline.path.clone()));
                    }
                    None => out.findings.push(f),
                }
            }
            for (key, unmatched) in left.into_iter().filter(|(_, c)| *c > 0) {
                let recorded = baseline.entries[key];
                let message = if unmatched == recorded {
                    format!(
                        "baseline entry {} matches no finding any more; recreate the baseline to drop it",
                        key.describe()
                    )
                } else {
                    format!(
                        "baseline entry {} records {recorded} findings, {} remain; recreate the baseline to tighten it",
                        key.describe(),
                        recorded - unmatched
                    )
                };
                out.warnings.push(WarningEntry {
                    kind: WarningKind::StaleBaseline,
                    file: Some(baseline.path.clone()),
                    line: None,
                    message,
                });
            }
        }
    }
    out
}

fn suppressed(finding: FindingEntry, kind: SuppressionKind, reason: &str, source: String) -> SuppressedEntry {
    SuppressedEntry { finding, suppression: Suppression { kind, reason: reason.to_string(), source } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_ignore_syntax() {
        assert_eq!(
            parse_ignore("novu-raw-datastore, novu-root-chown: vendored until Q3").unwrap(),
            InlineIgnore {
                rules: vec!["novu-raw-datastore".into(), "novu-root-chown".into()],
                reason: "vendored until Q3".into()
            }
        );
        assert!(parse_ignore("novu-raw-datastore").unwrap_err().contains("has no reason"));
        assert!(parse_ignore("novu-raw-datastore:  ").unwrap_err().contains("empty reason"));
        assert!(parse_ignore(" : because").unwrap_err().contains("names no rule id"));
    }
}
