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
/// `known` holds every loaded rule id; `ran` the `(id, component, category)`
/// of those that ran (selected, and did not fail).
pub fn apply(
    s: &Suppressions,
    findings: Vec<(usize, FindingEntry)>,
    objects: &[Object],
    known: &BTreeSet<&str>,
    ran: &[(&str, &str, &str)],
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
    // Findings left after inline ignores and exemptions, with the first expired
    // exemption that would have matched (counted if the finding is reported).
    let mut remaining: Vec<(FindingEntry, Option<usize>)> = Vec::new();

    // Report order, so which findings the baseline accepts never depends on path order.
    let mut findings = findings;
    findings.sort_by(|(_, a), (_, b)| crate::report::finding_order(a, b));
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
        let mut matching = s.exemptions.iter().enumerate().filter(|(_, e)| e.matches(&subject));
        let mut expired = None;
        let active = matching.find(|(n, e)| {
            if e.expired(s.today) {
                expired.get_or_insert(*n);
                false
            } else {
                true
            }
        });
        match active {
            Some((n, e)) => {
                exemption_hits[n] += 1;
                out.suppressed.push(suppressed(f, SuppressionKind::Exemption, &e.reason, e.origin.clone()));
            }
            None => remaining.push((f, expired)),
        }
    }

    // The baseline accepts up to `count` findings per key, first in report order.
    let mut reported = Vec::new();
    let mut left: BTreeMap<&Key, u32> =
        s.baseline.iter().flat_map(|b| b.entries.iter().map(|(k, c)| (k, *c))).collect();
    for (f, expired) in remaining {
        let slot = s.baseline.as_ref().and_then(|b| left.get_mut(&Key::of(&f)).filter(|c| **c > 0).map(|c| (b, c)));
        match slot {
            Some((baseline, count)) => {
                *count -= 1;
                let reason = "accepted in the baseline";
                out.suppressed.push(suppressed(f, SuppressionKind::Baseline, reason, baseline.path.clone()));
            }
            None => reported.push((f, expired)),
        }
    }
    let mut expired_reported = vec![0u32; s.exemptions.len()];
    for n in reported.iter().filter_map(|(_, e)| *e) {
        expired_reported[n] += 1;
    }
    out.findings = reported.into_iter().map(|(f, _)| f).collect();

    // Unused or stale only where the rule ran: a `--select`ed run does not call
    // the rest unused. (Inputs are not filtered: an exemption or baseline entry
    // whose resource was deleted must be reported, so audit the whole set.)
    let rule_ran = |e: &crate::config::Exemption| ran.iter().any(|(id, c, k)| e.matches_rule(id, c, k));
    for (n, e) in s.exemptions.iter().enumerate() {
        let warn = |kind, message| WarningEntry { kind, file: Some(e.config_file.clone()), line: e.line, message };
        if e.expired(s.today) {
            let date = e.expires.map(|d| d.to_string()).unwrap_or_default();
            let count = expired_reported[n];
            out.warnings.push(warn(
                WarningKind::ExpiredExemption,
                format!(
                    "exemption ({}) expired on {date}: {} reported again; fix {} or renew the exemption with a new date",
                    e.selector,
                    match count {
                        0 => "nothing it matched is".to_string(),
                        1 => "its 1 finding is".to_string(),
                        n => format!("its {n} findings are"),
                    },
                    if count == 1 { "it" } else { "them" },
                ),
            ));
        } else if exemption_hits[n] == 0 && rule_ran(e) {
            out.warnings.push(warn(
                WarningKind::UnusedExemption,
                format!("exemption ({}) matched no finding; remove it", e.selector),
            ));
        }
    }
    let ran_ids: BTreeSet<&str> = ran.iter().map(|(id, _, _)| *id).collect();
    for (index, ignore) in &ignores {
        let o = &objects[*index];
        for id in ignore.rules.iter().filter(|id| ran_ids.contains(id.as_str())) {
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

    // Stale baseline entries, for rules that ran.
    if let Some(baseline) = &s.baseline {
        for (key, unmatched) in left.into_iter().filter(|(_, c)| *c > 0) {
            if !ran_ids.contains(key.rule.as_str()) {
                continue;
            }
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
