//! The text report: findings grouped by component, then file, each line
//! `FILE:LINE: severity[rule] message` so terminals and editors can jump to
//! it; then errors, warnings and a summary. Colour only when asked for (the
//! CLI asks on a terminal without `NO_COLOR`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::report::{ErrorEntry, FindingEntry, Report, Severity, WarningEntry, plural};

/// Styles, or none of them.
struct Paint {
    on: bool,
}

impl Paint {
    fn style(&self, style: Style, text: &str) -> String {
        if self.on { format!("{style}{text}{style:#}") } else { text.to_string() }
    }

    fn severity(&self, s: Severity) -> String {
        let colour = match s {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        self.style(Style::new().fg_color(Some(colour.into())).bold(), s.as_str())
    }

    fn bold(&self, text: &str) -> String {
        self.style(Style::new().bold(), text)
    }

    fn dim(&self, text: &str) -> String {
        self.style(Style::new().dimmed(), text)
    }
}

/// The report as text; `colour` adds ANSI styles.
pub fn to_text(report: &Report, colour: bool) -> String {
    let paint = Paint { on: colour };
    let mut out = String::new();
    let mut by_component: BTreeMap<&str, BTreeMap<&str, Vec<&FindingEntry>>> = BTreeMap::new();
    for f in &report.findings {
        by_component.entry(&f.component).or_default().entry(&f.location.file).or_default().push(f);
    }
    for (component, files) in &by_component {
        if !out.is_empty() {
            out.push('\n');
        }
        let n: usize = files.values().map(Vec::len).sum();
        let _ = writeln!(out, "{} ({n} finding{})", paint.bold(component), plural(n as u32));
        for (file, findings) in files {
            let _ = writeln!(out, "  {}", paint.style(Style::new().underline(), file));
            for f in findings {
                let _ = writeln!(
                    out,
                    "    {}:{}: {}[{}] {}",
                    f.location.file,
                    f.location.line,
                    paint.severity(f.severity),
                    f.rule,
                    f.message
                );
                if let Some(t) = &f.location.template {
                    let _ = writeln!(out, "        {} {t}", paint.dim("template:"));
                }
                if let Some(source) = &f.location.source {
                    let _ = writeln!(out, "        {} {}:{}", paint.dim("edit:"), source.file, source.line);
                }
                if let Some(p) = &f.path {
                    let _ = writeln!(out, "        {} {p}", paint.dim("field:"));
                }
                let _ = writeln!(out, "        {} {}", paint.dim("use instead:"), f.replace_with);
            }
        }
    }
    if !report.errors.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        for e in &report.errors {
            let _ = writeln!(out, "{}", error_line_with(e, &paint));
        }
    }
    if !report.warnings.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        for w in &report.warnings {
            let _ = writeln!(out, "{}", warning_line_with(w, &paint));
        }
    }
    let s = &report.summary;
    if !out.is_empty() {
        out.push('\n');
    }
    let mut extra = Vec::new();
    if s.suppressed.total > 0 {
        extra.push(format!(
            "{} suppressed ({} inline, {} exemption, {} baseline)",
            s.suppressed.total, s.suppressed.inline, s.suppressed.exemption, s.suppressed.baseline
        ));
    }
    if s.superseded > 0 {
        extra.push(format!("{} superseded by a more specific rule", s.superseded));
    }
    if s.warnings > 0 {
        extra.push(format!("{} warning{}", s.warnings, plural(s.warnings)));
    }
    let headline = format!(
        "{} finding{} ({} error, {} warning, {} info)",
        s.findings.total,
        plural(s.findings.total),
        s.findings.error,
        s.findings.warning,
        s.findings.info
    );
    let _ = writeln!(
        out,
        "{} in {} file{}: {} documents, {} objects, {} skipped, {} error{}; {} rules from {} components{}",
        paint.bold(&headline),
        s.files,
        plural(s.files),
        s.documents,
        s.objects,
        s.skipped,
        s.errors,
        plural(s.errors),
        s.rules,
        s.components,
        if extra.is_empty() { String::new() } else { format!("; {}", extra.join(", ")) },
    );
    out
}

/// `parse error: FILE:LINE: message`, for stderr and the text report.
pub fn error_line(e: &ErrorEntry) -> String {
    error_line_with(e, &Paint { on: false })
}

fn error_line_with(e: &ErrorEntry, paint: &Paint) -> String {
    let place = match (&e.file, e.line, &e.rule) {
        (Some(f), Some(l), _) => format!("{f}:{l}: "),
        (Some(f), None, _) => format!("{f}: "),
        (None, _, Some(r)) => format!("{r}: "),
        _ => String::new(),
    };
    let kind = format!("{} error", e.kind.as_str());
    format!("{}: {place}{}", paint.severity_text(Severity::Error, &kind), e.message)
}

fn warning_line_with(w: &WarningEntry, paint: &Paint) -> String {
    let place = match (&w.file, w.line) {
        (Some(f), Some(l)) => format!("{f}:{l}: "),
        (Some(f), None) => format!("{f}: "),
        _ => String::new(),
    };
    format!("{}[{}]: {place}{}", paint.severity_text(Severity::Warning, "warning"), w.kind.as_str(), w.message)
}

impl Paint {
    fn severity_text(&self, s: Severity, text: &str) -> String {
        let colour = if s == Severity::Error { AnsiColor::Red } else { AnsiColor::Yellow };
        self.style(Style::new().fg_color(Some(colour.into())).bold(), text)
    }
}
