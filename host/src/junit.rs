//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).
//!
//! One test suite per rule component that ran; one failing test case per
//! finding (named after the resource, its class the rule id); one passing case
//! per component without findings; errors as a suite of their own.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::report::Report;

fn escape(s: &str) -> String {
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

pub fn to_junit(report: &Report) -> String {
    let mut components: BTreeMap<&str, Vec<&crate::report::FindingEntry>> =
        report.rules.iter().map(|r| (r.component.as_str(), Vec::new())).collect();
    for f in &report.findings {
        components.entry(&f.component).or_default().push(f);
    }
    let failures = report.findings.len() + report.errors.len();
    let tests: usize = components.values().map(|f| f.len().max(1)).sum::<usize>() + report.errors.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"rewheel\" tests=\"{tests}\" failures=\"{failures}\">");
    for (component, findings) in &components {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            escape(component),
            findings.len().max(1),
            findings.len()
        );
        if findings.is_empty() {
            let _ = writeln!(out, "    <testcase name=\"no findings\" classname=\"{}\"/>", escape(component));
        }
        for f in findings {
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
    out.push_str("</testsuites>\n");
    out
}
