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
        let title = format!("rewheel {} error", e.kind.as_str());
        annotate(&mut out, "error", e.file.as_deref(), e.line, &title, &e.message);
    }
    for w in &report.warnings {
        let title = format!("rewheel {}", w.kind.as_str());
        annotate(&mut out, "warning", w.file.as_deref(), w.line, &title, &w.message);
    }
    out
}

/// `::LEVEL file=…,line=…,title=…::message`, with the properties that are known.
fn annotate(out: &mut String, level: &str, file: Option<&str>, line: Option<u32>, title: &str, message: &str) {
    let mut props = Vec::new();
    if let Some(file) = file {
        props.push(format!("file={}", property(file)));
    }
    if let Some(line) = line {
        props.push(format!("line={line}"));
    }
    props.push(format!("title={}", property(title)));
    let _ = writeln!(out, "::{level} {}::{}", props.join(","), data(message));
}
