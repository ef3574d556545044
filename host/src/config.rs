//! `rewheel.toml`: which rules run, how severe their findings are, the options
//! they get, the exemptions a team has agreed to, and the sandbox limits.
//!
//! Found in the working directory or the nearest parent, or given with
//! `--config`. Unknown keys are errors with their line (a typo must not
//! silently fall back to a default). Paths in the file are relative to it.
//!
//! ```toml
//! [rules]
//! paths = ["team-rules/"]          # extra rule components (.wasm files or dirs)
//! builtin = true                   # the rule pack built into rewheel
//! select = ["novu", "bootstrap-script"]   # rule ids, components or categories; default all
//! ignore = ["thin-overlay"]
//!
//! [rules.options.inline-secret]    # options a rule declares (`rewheel rules explain <id>`)
//! allow-keys = ["cache-url"]
//!
//! [severity]                        # by rule id, component or category (most specific wins)
//! retired-plane = "error"
//! novu-root-chown = "info"
//!
//! [[exemption]]                     # every given selector must match; globs allowed
//! rule = "redpanda-*"
//! namespace = "streaming"
//! template = "platform-redpanda/templates/legacy-*.yaml"
//! reason = "migrating to the Redpanda operator in PLAT-123"
//! expires = 2027-03-31              # afterwards the findings are back, with a warning
//!
//! [limits]                          # per component and run; [limits.rule."<component|slug|rule id>"] overrides
//! fuel = 20000000000
//! memory-mib = 512
//! timeout-secs = 60
//! max-findings = 100000
//! max-input-mib = 4096              # the whole input, for the run (not per rule)
//!
//! [input]
//! strict = false                    # true: a repeated mapping key is an error (--strict-yaml)
//! allow-empty = false               # true: no manifests at all is no error (--allow-empty)
//! ```
//!
//! Limit precedence, most specific last: built-in defaults, `[limits]`,
//! command-line flags, `[limits.rule."<key>"]`. The limits govern `check`; the
//! one metadata call (`rules()`) runs under the built-in defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::report::Severity;
use crate::sandbox::Limits;

/// The file name looked for from the working directory upward.
pub const FILE_NAME: &str = "rewheel.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub rules: RulesConfig,
    /// Severity overrides keyed by rule id, component or category.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// `[[exemption]]` entries.
    #[serde(default, rename = "exemption")]
    pub exemptions: Vec<ExemptionConfig>,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub provenance: ProvenanceConfig,
    #[serde(default)]
    pub catalog: CatalogConfig,
    #[serde(default)]
    pub input: InputConfig,
}

/// `[input]`: how manifests are read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InputConfig {
    /// A repeated mapping key is a parse error, not a warning (`--strict-yaml`).
    #[serde(default)]
    pub strict: bool,
    /// An input with no documents at all is no error (`--allow-empty`).
    #[serde(default)]
    pub allow_empty: bool,
}

/// `[catalog]`: what the team's own images run, on top of the built-in
/// catalogs (docs/CONFIG.md).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CatalogConfig {
    /// `[[catalog.images]]` entries, first match wins.
    #[serde(default)]
    pub images: Vec<CatalogImage>,
}

/// One `[[catalog.images]]` entry: an image pattern and what it runs.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CatalogImage {
    /// Image repository pattern: a path suffix (`corp/pgbouncer`), registry
    /// and tag ignored; may end in `*`.
    pub image: String,
    /// What it runs (`PgBouncer`).
    pub product: String,
    /// The upstream chart to use instead.
    pub chart: Option<String>,
    /// That chart's Helm repository.
    pub repository: Option<String>,
    /// Whether the image is an operator's own controller.
    #[serde(default)]
    pub operator: bool,
}

/// `[provenance]`: what the team says about who wrote which chart, applied
/// before any heuristic (docs/ACCURACY.md).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProvenanceConfig {
    /// Chart-name globs (`*`, `?`) whose templates are upstream's.
    #[serde(default)]
    pub upstream: Vec<String>,
    /// Chart-name globs whose templates are the team's own.
    #[serde(default)]
    pub local: Vec<String>,
    /// Folders of chart sources (holding `Chart.yaml` files), relative to
    /// this file; `--charts` adds more.
    #[serde(default)]
    pub charts: Vec<String>,
}

/// `[rules]`: sources, selection and options.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RulesConfig {
    /// Load the rule pack built into the binary (default true).
    pub builtin: Option<bool>,
    /// Extra rule components: `.wasm` files or directories, relative to the
    /// file; a file may be pinned to its SHA-256.
    #[serde(default)]
    pub paths: Vec<RulePath>,
    /// Run only rules matching one of these (rule id, component or category,
    /// globs allowed); empty means every rule.
    #[serde(default)]
    pub select: Vec<String>,
    /// Never run rules matching one of these.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Options per rule id, passed to the rule through the WIT contract.
    #[serde(default)]
    pub options: BTreeMap<String, toml::Table>,
}

/// A rule source in `[rules] paths`: `"team.wasm"`, or
/// `{ path = "team.wasm", sha256 = "…" }` to refuse any other bytes.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RulePath {
    Path(String),
    Pinned(PinnedPath),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PinnedPath {
    pub path: String,
    /// Lowercase hex SHA-256 of the `.wasm` file.
    pub sha256: String,
}

impl RulePath {
    pub fn path(&self) -> &str {
        match self {
            RulePath::Path(p) => p,
            RulePath::Pinned(p) => &p.path,
        }
    }

    pub fn sha256(&self) -> Option<&str> {
        match self {
            RulePath::Path(_) => None,
            RulePath::Pinned(p) => Some(&p.sha256),
        }
    }
}

/// One `[[exemption]]` as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExemptionConfig {
    /// Rule id, component or category (glob).
    pub rule: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// Glob over the `# Source:` template path.
    pub template: Option<String>,
    /// Glob over the file path as given on the command line.
    pub file: Option<String>,
    /// Why the findings are accepted; required.
    pub reason: Option<String>,
    /// The last day the exemption applies (UTC).
    pub expires: Option<toml::value::Datetime>,
}

/// `[limits]`: the values for every component (the same keys as
/// [`LimitValues`], spelled out so an unknown key's error has its line), and
/// `[limits.rule."<key>"]` overrides.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsConfig {
    pub fuel: Option<u64>,
    pub memory_mib: Option<usize>,
    pub timeout_secs: Option<f64>,
    pub max_findings: Option<usize>,
    /// The cap on a run's whole input, in MiB (`--max-input-mib`; default 4096).
    pub max_input_mib: Option<u64>,
    /// Overrides by component name, slug or rule id.
    #[serde(default)]
    pub rule: BTreeMap<String, LimitValues>,
}

impl LimitsConfig {
    /// The values that apply to every component.
    pub fn all(&self) -> LimitValues {
        LimitValues {
            fuel: self.fuel,
            memory_mib: self.memory_mib,
            timeout_secs: self.timeout_secs,
            max_findings: self.max_findings,
        }
    }
}

/// Any subset of the limits.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitValues {
    pub fuel: Option<u64>,
    pub memory_mib: Option<usize>,
    pub timeout_secs: Option<f64>,
    pub max_findings: Option<usize>,
}

impl LimitValues {
    /// `base` with these values on top.
    pub fn apply(&self, mut base: Limits) -> Limits {
        if let Some(fuel) = self.fuel {
            base.fuel = fuel;
        }
        if let Some(mib) = self.memory_mib {
            base.memory_bytes = mib << 20;
        }
        if let Some(secs) = self.timeout_secs {
            base.timeout = Duration::from_secs_f64(secs.max(0.01));
        }
        if let Some(n) = self.max_findings {
            base.max_findings = n;
        }
        base
    }
}

/// The limits of each component: the run's, and per-rule overrides.
#[derive(Debug, Clone, Default)]
pub struct LimitPolicy {
    pub run: Limits,
    pub rule: BTreeMap<String, LimitValues>,
}

impl LimitPolicy {
    /// The limits for the component `name` carrying `rule_ids`. Keys naming the
    /// component apply before keys naming one of its rules (ids sorted), so the
    /// result does not depend on declaration order.
    pub fn for_component<'a>(&self, name: &str, rule_ids: impl IntoIterator<Item = &'a str>) -> Limits {
        let slug = name.strip_prefix("builtin:").unwrap_or(name);
        let mut limits = self.run;
        for key in [name, slug] {
            if let Some(values) = self.rule.get(key) {
                limits = values.apply(limits);
            }
        }
        let mut ids: Vec<&str> = rule_ids.into_iter().collect();
        ids.sort();
        for id in ids {
            if let Some(values) = self.rule.get(id) {
                limits = values.apply(limits);
            }
        }
        limits
    }
}

/// A configuration file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            _ if self.file.is_empty() => write!(f, "{}", self.message),
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A parsed `rewheel.toml` with what is needed to point back into it.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    /// The file, or `None` when there is none (built-in defaults).
    pub path: Option<PathBuf>,
    /// Its text, for line lookups.
    pub text: String,
    pub config: Config,
    /// The exemptions, compiled and validated, in file order.
    pub exemptions: Vec<Exemption>,
}

impl LoadedConfig {
    /// The file name as shown in messages.
    pub fn file_name(&self) -> String {
        self.path.as_ref().map_or_else(|| FILE_NAME.to_string(), |p| p.display().to_string())
    }

    /// The 1-based line where the value at `path` (table keys, or array
    /// indices as decimal strings) is written, if it is.
    pub fn line_of(&self, path: &[&str]) -> Option<u32> {
        line_of(&self.text, path)
    }

    /// Where the value at `path` came from: `rewheel.toml:LINE`, or `None`.
    pub fn origin(&self, path: &[&str]) -> Option<String> {
        self.line_of(path).map(|line| format!("{}:{line}", self.file_name()))
    }

    /// `[provenance]` as the chart graph takes it.
    pub fn declared(&self) -> rewheel_manifest::charts::Declared {
        let p = &self.config.provenance;
        rewheel_manifest::charts::Declared {
            upstream: p.upstream.clone(),
            local: p.local.clone(),
            from: self.file_name(),
            sources: Vec::new(),
        }
    }

    /// A path in the file, resolved against the file's directory.
    pub fn resolve(&self, relative: &str) -> String {
        let base = self.path.as_deref().and_then(Path::parent).filter(|p| !p.as_os_str().is_empty());
        match base {
            Some(dir) if Path::new(relative).is_relative() => dir.join(relative).display().to_string(),
            _ => relative.to_string(),
        }
    }
}

/// Load `explicit`, or the nearest `rewheel.toml` from `start` upward; the
/// built-in defaults when there is none (an explicit path that does not exist
/// is an error).
pub fn load(explicit: Option<&Path>, start: &Path) -> Result<LoadedConfig, ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        // Found upward: name it relative to `start` (`../rewheel.toml`), so
        // reports do not vary with where the repository is checked out.
        None => match start.ancestors().enumerate().find(|(_, d)| d.join(FILE_NAME).is_file()) {
            Some((0, _)) => PathBuf::from(FILE_NAME),
            Some((up, _)) => (0..up).map(|_| "..").collect::<PathBuf>().join(FILE_NAME),
            None => return Ok(LoadedConfig::default()),
        },
    };
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        message: format!("cannot read: {e}"),
    })?;
    let config = parse(&text).map_err(|(line, message)| ConfigError { file: file.clone(), line, message })?;
    let mut loaded = LoadedConfig { path: Some(path), text, config, exemptions: Vec::new() };
    loaded.exemptions = compile_exemptions(&loaded)?;
    check_catalog(&loaded)?;
    Ok(loaded)
}

/// Parse configuration text; errors carry the 1-based line.
pub fn parse(text: &str) -> Result<Config, (Option<u32>, String)> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_at(text, s.start));
        (line, e.message().trim_end().to_string())
    })
}

fn line_at(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())].matches('\n').count() as u32 + 1
}

/// The line of the key or array item at `path`, from toml's spanned tree.
fn line_of(text: &str, path: &[&str]) -> Option<u32> {
    use toml::de::{DeTable, DeValue};
    fn key<'a, 'i>(t: &'a DeTable<'i>, step: &str) -> Option<(std::ops::Range<usize>, &'a toml::Spanned<DeValue<'i>>)> {
        t.iter().find(|(k, _)| k.get_ref().as_ref() == step).map(|(k, v)| (k.span(), v))
    }
    let root = DeTable::parse(text).ok()?;
    let mut current: Option<&toml::Spanned<DeValue>> = None;
    let mut span = None;
    for step in path {
        let (s, v) = match current.map(|v| v.get_ref()) {
            None => key(root.get_ref(), step),
            Some(DeValue::Table(t)) => key(t, step),
            Some(DeValue::Array(a)) => step.parse::<usize>().ok().and_then(|n| a.get(n)).map(|v| (v.span(), v)),
            _ => None,
        }?;
        span = Some(s);
        current = Some(v);
    }
    span.map(|s| line_at(text, s.start))
}

/// An exemption, ready to match findings.
#[derive(Debug, Clone)]
pub struct Exemption {
    /// Index among the file's `[[exemption]]` entries.
    pub index: usize,
    /// `rewheel.toml:LINE`.
    pub origin: String,
    /// The configuration file and the line of the `[[exemption]]`.
    pub config_file: String,
    pub line: Option<u32>,
    pub reason: String,
    /// `YYYY-MM-DD`, when it expires.
    pub expires: Option<time::Date>,
    rule: Option<GlobMatcher>,
    kind: Option<GlobMatcher>,
    namespace: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    template: Option<GlobMatcher>,
    file: Option<GlobMatcher>,
    /// The selectors as written, for messages.
    pub selector: String,
}

/// What an exemption is matched against.
pub struct Subject<'a> {
    pub rule: &'a str,
    pub component: &'a str,
    pub category: &'a str,
    pub kind: &'a str,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub template: Option<&'a str>,
    pub file: &'a str,
}

impl Exemption {
    /// Does every given selector match?
    pub fn matches(&self, s: &Subject) -> bool {
        self.matches_rule(s.rule, s.component, s.category)
            && self.matches_resource(s.kind, s.namespace, s.name, s.template, s.file)
    }

    /// Does the `rule` selector (if any) match this rule?
    pub fn matches_rule(&self, id: &str, component: &str, category: &str) -> bool {
        self.rule.as_ref().is_none_or(|m| m.is_match(id) || m.is_match(component) || m.is_match(category))
    }

    /// Do the resource selectors (kind, namespace, name, template, file) match?
    pub fn matches_resource(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
        template: Option<&str>,
        file: &str,
    ) -> bool {
        let is = |m: &Option<GlobMatcher>, v: Option<&str>| m.as_ref().is_none_or(|m| v.is_some_and(|v| m.is_match(v)));
        is(&self.kind, Some(kind))
            && is(&self.namespace, namespace)
            && is(&self.name, Some(name))
            && is(&self.template, template)
            && is(&self.file, Some(file.strip_prefix("./").unwrap_or(file)))
    }

    /// Has it expired on `today` (it applies through its `expires` day)?
    pub fn expired(&self, today: time::Date) -> bool {
        self.expires.is_some_and(|d| today > d)
    }
}

/// Refuse a `[[catalog.images]]` entry that would identify every image or
/// none, or name no product: a typo must not relabel the whole run.
fn check_catalog(loaded: &LoadedConfig) -> Result<(), ConfigError> {
    for (index, entry) in loaded.config.catalog.images.iter().enumerate() {
        let line = loaded.line_of(&["catalog", "images", &index.to_string()]);
        let fail = |message: String| ConfigError { file: loaded.file_name(), line, message };
        let image = entry.image.trim().trim_end_matches('*').trim_matches('/');
        if image.is_empty() {
            return Err(fail(format!(
                "[[catalog.images]] entry {} has image {:?}, which matches every image or none: name a repository path such as \"corp/pgbouncer\"",
                index + 1,
                entry.image
            )));
        }
        if entry.product.trim().is_empty() {
            return Err(fail(format!(
                "[[catalog.images]] entry {} has an empty `product`: say what the image runs",
                index + 1
            )));
        }
    }
    Ok(())
}

fn compile_exemptions(loaded: &LoadedConfig) -> Result<Vec<Exemption>, ConfigError> {
    let file = loaded.file_name();
    let mut out = Vec::new();
    for (index, e) in loaded.config.exemptions.iter().enumerate() {
        let at = index.to_string();
        let line = loaded.line_of(&["exemption", &at]);
        let fail = |message: String| ConfigError { file: file.clone(), line, message };
        let reason = e.reason.as_deref().map(str::trim).unwrap_or_default();
        if reason.is_empty() {
            return Err(fail(format!(
                "exemption {} has no `reason`: say why the findings are accepted (and consider `expires`)",
                index + 1
            )));
        }
        let fields = [
            ("rule", &e.rule),
            ("kind", &e.kind),
            ("namespace", &e.namespace),
            ("name", &e.name),
            ("template", &e.template),
            ("file", &e.file),
        ];
        if fields.iter().all(|(_, v)| v.is_none()) {
            return Err(fail(format!(
                "exemption {} selects nothing: give at least one of rule, kind, namespace, name, template, file",
                index + 1
            )));
        }
        let mut compiled: Vec<Option<GlobMatcher>> = Vec::new();
        for (field, value) in fields {
            compiled.push(match value {
                None => None,
                Some(pattern) => {
                    let pattern = if field == "file" { pattern.strip_prefix("./").unwrap_or(pattern) } else { pattern };
                    Some(
                        globset::GlobBuilder::new(pattern)
                            .literal_separator(matches!(field, "template" | "file"))
                            .build()
                            .map(|g: Glob| g.compile_matcher())
                            .map_err(|err| fail(format!("exemption {} `{field}`: {err}", index + 1)))?,
                    )
                }
            });
        }
        let expires = match &e.expires {
            None => None,
            Some(dt) => match (dt.date, dt.time) {
                (Some(d), None) => Some(
                    time::Date::from_calendar_date(
                        i32::from(d.year),
                        time::Month::try_from(d.month).map_err(|err| fail(format!("`expires`: {err}")))?,
                        d.day,
                    )
                    .map_err(|err| fail(format!("`expires`: {err}")))?,
                ),
                _ => return Err(fail("`expires` must be a date such as 2027-03-31 (no time of day)".into())),
            },
        };
        let selector = fields
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {v:?}")))
            .collect::<Vec<_>>()
            .join(", ");
        let mut compiled = compiled.into_iter();
        out.push(Exemption {
            index,
            origin: line.map_or_else(|| file.clone(), |l| format!("{file}:{l}")),
            config_file: file.clone(),
            line,
            reason: reason.to_string(),
            expires,
            rule: compiled.next().flatten(),
            kind: compiled.next().flatten(),
            namespace: compiled.next().flatten(),
            name: compiled.next().flatten(),
            template: compiled.next().flatten(),
            file: compiled.next().flatten(),
            selector,
        });
    }
    Ok(out)
}

/// Which rules run: `select` (default all) minus `ignore`, each entry a rule
/// id, component or category, globs allowed.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    select: Vec<(String, GlobMatcher)>,
    ignore: Vec<(String, GlobMatcher)>,
}

impl Selection {
    pub fn new(select: &[String], ignore: &[String]) -> Result<Selection, String> {
        let compile = |list: &[String]| -> Result<Vec<(String, GlobMatcher)>, String> {
            list.iter()
                .map(|p| Glob::new(p).map(|g| (p.clone(), g.compile_matcher())).map_err(|e| format!("{p:?}: {e}")))
                .collect()
        };
        Ok(Selection { select: compile(select)?, ignore: compile(ignore)? })
    }

    /// Is the rule with these names selected?
    pub fn selects(&self, id: &str, component: &str, category: &str) -> bool {
        let hit = |(_, m): &(String, GlobMatcher)| m.is_match(id) || m.is_match(component) || m.is_match(category);
        (self.select.is_empty() || self.select.iter().any(hit)) && !self.ignore.iter().any(hit)
    }

    /// The entries (select, then ignore) that match none of `rules`
    /// (`(id, component, category)`): probably typos.
    pub fn unmatched<'a>(&'a self, rules: &[(&str, &str, &str)]) -> Vec<(&'static str, &'a str)> {
        let mut out = Vec::new();
        for (list, entries) in [("select", &self.select), ("ignore", &self.ignore)] {
            for (pattern, m) in entries {
                if !rules.iter().any(|(i, c, k)| m.is_match(i) || m.is_match(c) || m.is_match(k)) {
                    out.push((list, pattern.as_str()));
                }
            }
        }
        out
    }
}

/// The severity a finding of rule `id` gets under `overrides`: the rule id's
/// entry, else its component's, else its category's, else `default`.
pub fn severity_for(
    overrides: &BTreeMap<String, Severity>,
    id: &str,
    component: &str,
    category: &str,
    default: Severity,
) -> Severity {
    [id, component, category].iter().find_map(|k| overrides.get(*k).copied()).unwrap_or(default)
}

/// Today's date (UTC), for exemption expiry.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(text: &str) -> Result<LoadedConfig, ConfigError> {
        let config = parse(text).map_err(|(line, message)| ConfigError { file: "t.toml".into(), line, message })?;
        let mut l = LoadedConfig { path: Some("t.toml".into()), text: text.into(), config, exemptions: Vec::new() };
        l.exemptions = compile_exemptions(&l)?;
        Ok(l)
    }

    #[test]
    fn parses_limits_and_per_rule_overrides() {
        let config = parse(
            "[limits]\nfuel = 1000\nmemory-mib = 64\n\n[limits.rule.datahub]\nfuel = 5000\n\n[limits.rule.\"novu-raw-datastore\"]\ntimeout-secs = 2.5\n",
        )
        .unwrap();
        let policy = LimitPolicy { run: config.limits.all().apply(Limits::default()), rule: config.limits.rule };
        let datahub = policy.for_component("builtin:datahub", ["datahub-setup-job"]);
        assert_eq!((datahub.fuel, datahub.memory_bytes), (5000, 64 << 20));
        let novu = policy.for_component("builtin:novu", ["novu-root-chown", "novu-raw-datastore"]);
        assert_eq!((novu.fuel, novu.timeout), (1000, Duration::from_millis(2500)));
        let other = policy.for_component("team/rules.wasm", ["team-rule"]);
        assert_eq!(other.fuel, 1000);
    }

    #[test]
    fn typos_are_errors_with_a_line() {
        let (line, message) = parse("[limits]\nfuel = 1\nmemory-mb = 64\n").unwrap_err();
        assert_eq!(line, Some(3));
        assert!(message.contains("memory-mb"), "{message}");
        let (line, message) = parse("[rules]\nselect = [\"novu\"]\nignor = []\n").unwrap_err();
        assert_eq!(line, Some(3));
        assert!(message.contains("ignor"), "{message}");
        let (line, message) = parse("[severity]\nnovu = \"fatal\"\n").unwrap_err();
        assert_eq!(line, Some(2));
        assert!(message.contains("fatal"), "{message}");
    }

    #[test]
    fn rule_paths_plain_or_pinned() {
        let c = parse("[rules]\npaths = [\"a/\", { path = \"b.wasm\", sha256 = \"00ff\" }]\n").unwrap();
        assert_eq!(c.rules.paths[0].path(), "a/");
        assert_eq!(c.rules.paths[1].sha256(), Some("00ff"));
        let (line, _) = parse("[rules]\npaths = [{ path = \"b.wasm\", sha = \"00ff\" }]\n").unwrap_err();
        assert_eq!(line, Some(2));
    }

    #[test]
    fn lines_of_nested_keys_and_array_items() {
        let text = "# top\n[rules]\nselect = [\"a\"]\n\n[[exemption]]\nrule = \"x\"\nreason = \"r\"\n\n[[exemption]]\nname = \"y\"\nreason = \"r\"\n[limits.rule.datahub]\nfuel = 5\n";
        assert_eq!(line_of(text, &["rules", "select"]), Some(3));
        assert_eq!(line_of(text, &["exemption", "1", "name"]), Some(10));
        assert_eq!(line_of(text, &["limits", "rule", "datahub", "fuel"]), Some(13));
        assert_eq!(line_of(text, &["rules", "ignore"]), None);
        let l = loaded(text).unwrap();
        assert_eq!(l.exemptions[1].line, Some(9));
        assert_eq!(l.exemptions[0].origin, "t.toml:5");
    }

    #[test]
    fn exemptions_need_a_reason_and_a_selector() {
        let e = loaded("[[exemption]]\nrule = \"novu-*\"\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("no `reason`"), "{}", e.message);
        let e = loaded("\n[[exemption]]\nreason = \"because\"\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("selects nothing"), "{}", e.message);
        let e = loaded("[[exemption]]\nname = \"a\"\nreason = \"r\"\nexpires = 2027-01-01T10:00:00Z\n").unwrap_err();
        assert!(e.message.contains("must be a date"), "{}", e.message);
    }

    #[test]
    fn exemption_selectors_all_must_match() {
        let l = loaded(
            "[[exemption]]\nrule = \"novu\"\nnamespace = \"novu\"\ntemplate = \"platform-novu/templates/*.yaml\"\nreason = \"r\"\nexpires = 2027-01-31\n",
        )
        .unwrap();
        let e = &l.exemptions[0];
        let mut s = Subject {
            rule: "novu-raw-datastore",
            component: "novu",
            category: "reinvented-workload",
            kind: "Deployment",
            namespace: Some("novu"),
            name: "novu-mongodb",
            template: Some("platform-novu/templates/mongodb.yaml"),
            file: "./rendered/novu.yaml",
        };
        assert!(e.matches(&s));
        s.template = Some("platform-novu/templates/sub/mongodb.yaml");
        assert!(!e.matches(&s), "* does not cross /");
        s.template = None;
        assert!(!e.matches(&s), "a template selector needs a template");
        let date = |y, m, d| time::Date::from_calendar_date(y, m, d).unwrap();
        assert!(!e.expired(date(2027, time::Month::January, 31)), "applies through its last day");
        assert!(e.expired(date(2027, time::Month::February, 1)));
    }

    #[test]
    fn selection_by_id_component_category_and_glob() {
        let sel = Selection::new(
            &["novu".into(), "bootstrap-script".into(), "temporal-*".into()],
            &["novu-root-chown".into()],
        )
        .unwrap();
        assert!(sel.selects("novu-raw-datastore", "novu", "reinvented-workload"));
        assert!(!sel.selects("novu-root-chown", "novu", "unsafe-default"));
        assert!(sel.selects("datahub-setup-job", "datahub", "bootstrap-script"));
        assert!(sel.selects("temporal-raw-server", "temporal", "reinvented-workload"));
        assert!(!sel.selects("velero-raw", "velero", "reinvented-workload"));
        let unmatched = sel.unmatched(&[("novu-root-chown", "novu", "unsafe-default")]);
        assert_eq!(unmatched, vec![("select", "bootstrap-script"), ("select", "temporal-*")]);
        let all = Selection::default();
        assert!(all.selects("anything", "x", "y"));
    }

    #[test]
    fn severity_overrides_most_specific_wins() {
        let mut o = BTreeMap::new();
        o.insert("novu".to_string(), Severity::Error);
        o.insert("novu-root-chown".to_string(), Severity::Info);
        o.insert("unsafe-default".to_string(), Severity::Warning);
        assert_eq!(severity_for(&o, "novu-root-chown", "novu", "unsafe-default", Severity::Warning), Severity::Info);
        assert_eq!(severity_for(&o, "novu-raw", "novu", "reinvented-workload", Severity::Warning), Severity::Error);
        assert_eq!(severity_for(&o, "x-chown", "x", "unsafe-default", Severity::Error), Severity::Warning);
        assert_eq!(severity_for(&o, "y", "y", "retired-plane", Severity::Info), Severity::Info);
    }
}
