//! `rewheel test`: run one rule component on fixture cases and compare the
//! findings with each case's `expected.yaml`, strictly.
//!
//! A case is a folder holding input manifests (`*.yaml`, `*.yml`), an
//! `expected.yaml` and optionally a `rewheel.toml` (rule options, severity
//! overrides). Every expected finding must be reported, nothing else may be,
//! and severities must agree: a case that expects findings fails when the rule
//! reports none, and a rule error fails the case.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::audit::{self, AuditOptions, Policy};
use crate::cache::Cache;
use crate::config::{self, LimitPolicy};
use crate::report::{FindingEntry, Severity};
use crate::rulepack::RuleSource;
use crate::sandbox::Limits;

/// The file each case holds its expectations in.
pub const EXPECTED: &str = "expected.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFile {
    findings: Vec<Expected>,
}

/// One expected finding.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub rule: String,
    pub kind: String,
    /// Absent for cluster-scoped objects (and objects written without one).
    pub namespace: Option<String>,
    pub name: String,
    pub severity: Severity,
    /// A substring the message must contain.
    pub message: Option<String>,
}

impl Expected {
    fn describe(&self) -> String {
        let message = self.message.as_deref().map(|m| format!(" {m:?}")).unwrap_or_default();
        format!(
            "{} {} {}/{} {}{message}",
            self.rule,
            self.kind,
            self.namespace.as_deref().unwrap_or("-"),
            self.name,
            self.severity.as_str()
        )
    }

    fn same_object(&self, f: &FindingEntry) -> bool {
        self.rule == f.rule
            && self.kind == f.resource.kind
            && self.namespace == f.resource.namespace
            && self.name == f.resource.name
            && self.message.as_deref().is_none_or(|m| f.message.contains(m))
    }
}

fn describe_actual(f: &FindingEntry) -> String {
    format!(
        "{} {} {}/{} {}: {}",
        f.rule,
        f.resource.kind,
        f.resource.namespace.as_deref().unwrap_or("-"),
        f.resource.name,
        f.severity.as_str(),
        f.message
    )
}

/// The outcome of one case.
#[derive(Debug, Clone, Default)]
pub struct CaseResult {
    /// The case folder, as found under the cases directory.
    pub name: String,
    pub findings: usize,
    pub missing: Vec<Expected>,
    pub extra: Vec<FindingEntry>,
    /// Found with another severity: what was expected, what was reported.
    pub severity: Vec<(Expected, FindingEntry)>,
    /// Input, parse, configuration or rule errors: any fails the case.
    pub errors: Vec<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.severity.is_empty() && self.errors.is_empty()
    }

    /// The mismatch, one line each: `- missing`, `+ extra`, `~ severity`, `! error`.
    pub fn diff(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.errors.iter().map(|e| format!("! error     {e}")));
        out.extend(self.missing.iter().map(|e| format!("- missing   {}", e.describe())));
        out.extend(self.extra.iter().map(|f| format!("+ extra     {}", describe_actual(f))));
        out.extend(self.severity.iter().map(|(e, f)| {
            format!(
                "~ severity  {} {} {}/{}: expected {}, got {}",
                e.rule,
                e.kind,
                e.namespace.as_deref().unwrap_or("-"),
                e.name,
                e.severity.as_str(),
                f.severity.as_str()
            )
        }));
        out
    }
}

/// The case folders under `dir` (or `dir` itself when it holds an `expected.yaml`), sorted.
pub fn find_cases(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if dir.join(EXPECTED).is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read the cases directory: {e}", dir.display()))?;
    let mut cases: Vec<PathBuf> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join(EXPECTED).is_file()).collect();
    cases.sort();
    if cases.is_empty() {
        return Err(format!(
            "{}: no cases: a case is a folder with input manifests and an {EXPECTED} listing the expected findings",
            dir.display()
        ));
    }
    Ok(cases)
}

/// Read a case's `expected.yaml`; errors name the file and line.
pub fn read_expected(path: &Path) -> Result<Vec<Expected>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: ExpectedFile = serde_yaml::from_str(&text).map_err(|e| {
        let line = e.location().map(|l| format!(":{}", l.line())).unwrap_or_default();
        format!(
            "{}{line}: {e} (expected `findings:` with entries of rule, kind, namespace, name, severity, and optionally message)",
            path.display()
        )
    })?;
    Ok(file.findings)
}

/// Compare `expected` with `actual`, pairing each expected finding with a
/// reported one on the same object (and message substring).
pub fn compare(
    expected: &[Expected],
    actual: &[FindingEntry],
) -> (Vec<Expected>, Vec<FindingEntry>, Vec<(Expected, FindingEntry)>) {
    let mut left: Vec<Option<&FindingEntry>> = actual.iter().map(Some).collect();
    let mut unmatched = Vec::new();
    // Exact matches first, so a severity mismatch is reported only where one remains.
    for e in expected {
        let hit = left.iter_mut().find(|f| f.is_some_and(|f| e.same_object(f) && f.severity == e.severity));
        match hit {
            Some(slot) => *slot = None,
            None => unmatched.push(e),
        }
    }
    let mut missing = Vec::new();
    let mut severity = Vec::new();
    for e in unmatched {
        match left.iter_mut().find(|f| f.is_some_and(|f| e.same_object(f))) {
            Some(slot) => severity.push((e.clone(), slot.take().expect("found").clone())),
            None => missing.push(e.clone()),
        }
    }
    let extra = left.into_iter().flatten().cloned().collect();
    (missing, extra, severity)
}

/// Run `component` on every case under `cases_dir`.
pub fn run(component: &RuleSource, cases_dir: &Path, cache: Cache) -> Result<Vec<CaseResult>, String> {
    let mut results = Vec::new();
    for case in find_cases(cases_dir)? {
        let name = case.strip_prefix(cases_dir).ok().filter(|p| !p.as_os_str().is_empty()).unwrap_or(&case);
        let mut result = CaseResult { name: name.display().to_string(), ..CaseResult::default() };
        let expected = match read_expected(&case.join(EXPECTED)) {
            Ok(e) => e,
            Err(e) => {
                result.errors.push(e);
                results.push(result);
                continue;
            }
        };
        let config_path = case.join(config::FILE_NAME);
        let loaded = if config_path.is_file() {
            match config::load(Some(&config_path), &case) {
                Ok(c) => c,
                Err(e) => {
                    result.errors.push(e.to_string());
                    results.push(result);
                    continue;
                }
            }
        } else {
            config::LoadedConfig::default()
        };
        let mut inputs: Vec<String> = std::fs::read_dir(&case)
            .map_err(|e| format!("{}: {e}", case.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != EXPECTED))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .map(|p| p.display().to_string())
            .collect();
        inputs.sort();
        if inputs.is_empty() {
            result.errors.push(format!("{}: no input manifests (*.yaml, *.yml) besides {EXPECTED}", case.display()));
            results.push(result);
            continue;
        }
        let limits = LimitPolicy {
            run: loaded.config.limits.all().apply(Limits::default()),
            rule: loaded.config.limits.rule.clone(),
        };
        let read = rewheel_manifest::ReadOptions {
            budget: crate::input::MAX_INPUT_MIB << 20,
            strict_yaml: loaded.config.input.strict,
            ..Default::default()
        };
        let report = audit::run(AuditOptions {
            paths: inputs,
            rules: vec![component.clone()],
            rule_errors: Vec::new(),
            limits,
            pack: None,
            jobs: 1,
            cache: cache.clone(),
            policy: Policy { config: Arc::new(loaded), ..Policy::default() },
            progress: false,
            charts: Vec::new(),
            read,
            allow_empty: false,
        });
        result.errors.extend(report.errors.iter().map(crate::text::error_line));
        result.findings = report.findings.len();
        let (missing, extra, severity) = compare(&expected, &report.findings);
        (result.missing, result.extra, result.severity) = (missing, extra, severity);
        results.push(result);
    }
    Ok(results)
}

/// `PASS`/`FAIL` per case with the diff, then a count.
pub fn to_text(component: &str, results: &[CaseResult]) -> String {
    let mut out = format!("rewheel test: {component}\n");
    for r in results {
        if r.passed() {
            let _ =
                writeln!(out, "  PASS  {} ({} finding{})", r.name, r.findings, if r.findings == 1 { "" } else { "s" });
        } else {
            let _ = writeln!(out, "  FAIL  {}", r.name);
            for line in r.diff() {
                let _ = writeln!(out, "        {line}");
            }
        }
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    let _ = writeln!(
        out,
        "{} case{}: {} passed, {failed} failed",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        results.len() - failed
    );
    out
}

/// One test suite for the component, one test case per case.
pub fn to_junit(component: &str, results: &[CaseResult]) -> String {
    let escape = crate::junit::escape;
    let failed = results.iter().filter(|r| !r.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"rewheel test\" tests=\"{}\" failures=\"{failed}\">", results.len());
    let _ =
        writeln!(out, "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">", escape(component), results.len());
    for r in results {
        let _ = write!(out, "    <testcase name=\"{}\" classname=\"{}\"", escape(&r.name), escape(component));
        if r.passed() {
            out.push_str("/>\n");
            continue;
        }
        let diff = r.diff();
        let _ = writeln!(
            out,
            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
            escape(diff.first().map(String::as_str).unwrap_or("failed")),
            escape(&diff.join("\n"))
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Counts by case outcome, for the exit code.
pub fn all_passed(results: &[CaseResult]) -> bool {
    results.iter().all(CaseResult::passed)
}

/// The `.wasm` files a `cargo build --message-format=json` run produced.
pub fn wasm_artifacts(cargo_json: &str) -> Vec<PathBuf> {
    let mut out = BTreeMap::new();
    for line in cargo_json.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        for file in message["filenames"].as_array().into_iter().flatten().filter_map(|f| f.as_str()) {
            if file.ends_with(".wasm") {
                out.insert(file.to_string(), ());
            }
        }
    }
    out.into_keys().map(PathBuf::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actual(rule: &str, name: &str, severity: Severity, message: &str) -> FindingEntry {
        let mut f = FindingEntry::sample(rule, name, message);
        (f.severity, f.resource.kind, f.resource.namespace) = (severity, "StatefulSet".into(), Some("db".into()));
        f
    }

    fn expected(rule: &str, name: &str, severity: Severity, message: Option<&str>) -> Expected {
        Expected {
            rule: rule.into(),
            kind: "StatefulSet".into(),
            namespace: Some("db".into()),
            name: name.into(),
            severity,
            message: message.map(String::from),
        }
    }

    #[test]
    fn strict_comparison() {
        let got = vec![
            actual("r", "mongo", Severity::Warning, "StatefulSet db/mongo runs mongo:7"),
            actual("r", "redis", Severity::Error, "StatefulSet db/redis runs redis"),
            actual("r", "extra", Severity::Warning, "unexpected"),
        ];
        let want = vec![
            expected("r", "mongo", Severity::Warning, Some("runs mongo")),
            expected("r", "redis", Severity::Warning, None),
            expected("r", "gone", Severity::Warning, None),
        ];
        let (missing, extra, severity) = compare(&want, &got);
        assert_eq!(missing, vec![want[2].clone()]);
        assert_eq!(extra, vec![got[2].clone()]);
        assert_eq!(severity, vec![(want[1].clone(), got[1].clone())]);
        // A message substring that does not match is a missing and an extra finding.
        let (missing, extra, _) = compare(&[expected("r", "mongo", Severity::Warning, Some("runs redis"))], &got[..1]);
        assert_eq!((missing.len(), extra.len()), (1, 1));
        // Nothing expected, nothing reported: a pass; expected but none reported: missing.
        assert_eq!(compare(&[], &[]), (vec![], vec![], vec![]));
        assert_eq!(compare(&want[..1], &[]).0.len(), 1);
    }

    #[test]
    fn cargo_artifacts() {
        let json = r#"{"reason":"compiler-artifact","filenames":["/t/wasm32-wasip2/release/team.wasm","/t/wasm32-wasip2/release/libteam.rlib"]}
{"reason":"build-finished","success":true}"#;
        assert_eq!(wasm_artifacts(json), vec![PathBuf::from("/t/wasm32-wasip2/release/team.wasm")]);
    }
}
