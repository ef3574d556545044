//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).
//!
//! One test suite per rule component that ran; one failing test case per
//! finding (named after the resource, its class the rule id); one passing case
//! per component without findings; one skipped case per suppressed finding,
//! with its reason; errors as a suite of their own; warnings (an expired
//! exemption, a duplicate key) as a suite of passing cases whose output says
//! what to fix, since JUnit has no warning status.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::report::{FindingEntry, Report, SuppressedEntry};

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A component's findings and suppressed findings.
#[derive(Default)]
struct Suite<'a> {
    findings: Vec<&'a FindingEntry>,
    suppressed: Vec<&'a SuppressedEntry>,
}

impl Suite<'_> {
    fn tests(&self) -> usize {
        (self.findings.len() + self.suppressed.len()).max(1)
    }
}

fn open_case(out: &mut String, f: &FindingEntry) -> String {
    let resource = crate::report::resource_name(&f.resource);
    let place = format!("{}:{}", f.location.file, f.location.line);
    let _ = writeln!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\">",
        escape(&format!("{resource} ({place})")),
        escape(&f.rule),
        escape(&f.location.file),
        f.location.line
    );
    place
}

pub fn to_junit(report: &Report) -> String {
    let mut components: BTreeMap<&str, Suite> =
        report.rules.iter().map(|r| (r.component.as_str(), Suite::default())).collect();
    for f in &report.findings {
        components.entry(&f.component).or_default().findings.push(f);
    }
    for s in &report.suppressed {
        components.entry(&s.finding.component).or_default().suppressed.push(s);
    }
    let failures = report.findings.len();
    let tests: usize =
        components.values().map(Suite::tests).sum::<usize>() + report.errors.len() + report.warnings.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"rewheel\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{}\">",
        report.errors.len(),
        report.suppressed.len()
    );
    for (component, suite) in &components {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            escape(component),
            suite.tests(),
            suite.findings.len(),
            suite.suppressed.len()
        );
        if suite.findings.is_empty() && suite.suppressed.is_empty() {
            let _ = writeln!(out, "    <testcase name=\"no findings\" classname=\"{}\"/>", escape(component));
        }
        for s in &suite.suppressed {
            open_case(&mut out, &s.finding);
            let message = format!(
                "suppressed by {} ({}): {}",
                s.suppression.kind.as_str(),
                s.suppression.source,
                s.suppression.reason
            );
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", escape(&message));
            out.push_str("    </testcase>\n");
        }
        for f in &suite.findings {
            let place = open_case(&mut out, f);
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                f.severity.as_str(),
                escape(&f.message),
                escape(&format!("{place}\n{}\nUse instead: {}", f.message, f.replace_with))
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    if !report.errors.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"errors\" tests=\"{0}\" failures=\"0\" errors=\"{0}\">",
            report.errors.len()
        );
        for e in &report.errors {
            let place = e.file.as_deref().or(e.rule.as_deref()).unwrap_or("rewheel");
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{:?}\">\n      <error message=\"{}\"/>\n    </testcase>",
                escape(place),
                e.kind,
                escape(&e.message)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    warnings_suite(&mut out, report);
    out.push_str("</testsuites>\n");
    out
}

fn warnings_suite(out: &mut String, report: &Report) {
    if report.warnings.is_empty() {
        return;
    }
    let _ = writeln!(out, "  <testsuite name=\"warnings\" tests=\"{}\" failures=\"0\">", report.warnings.len());
    for w in &report.warnings {
        let place = match (&w.file, w.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.clone(),
            _ => "rewheel".to_string(),
        };
        let _ = writeln!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\">\n      <system-out>{}</system-out>\n    </testcase>",
            escape(&place),
            w.kind.as_str(),
            escape(&w.message)
        );
    }
    out.push_str("  </testsuite>\n");
}
