//! GitHub Actions workflow commands: one annotation per finding, error and
//! configuration warning, shown on the pull request's changed files.
//! Suppressed findings are not annotated.

use std::fmt::Write as _;

use crate::report::{Report, Severity};

/// Workflow-command data escaping (`%`, CR, LF), and properties also `:`/`,`.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn to_github(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},title={}::{} Use instead: {}",
            property(&f.location.file),
            f.location.line,
            property(&format!("rewheel {}", f.rule)),
            data(&f.message),
            data(&f.replace_with)
        );
    }
    for e in &report.errors {
        let mut props = Vec::new();
        if let Some(file) = &e.file {
            props.push(format!("file={}", property(file)));
        }
        if let Some(line) = e.line {
            props.push(format!("line={line}"));
        }
        props.push(format!("title={}", property(&format!("rewheel {} error", e.kind.as_str()))));
        let _ = writeln!(out, "::error {}::{}", props.join(","), data(&e.message));
    }
    for w in &report.warnings {
        let mut props = Vec::new();
        if let Some(file) = &w.file {
            props.push(format!("file={}", property(file)));
        }
        if let Some(line) = w.line {
            props.push(format!("line={line}"));
        }
        props.push(format!("title={}", property(&format!("rewheel {}", w.kind.as_str()))));
        let _ = writeln!(out, "::warning {}::{}", props.join(","), data(&w.message));
    }
    out
}
