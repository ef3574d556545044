//! `rewheel.toml`: limits for every rule component, and per rule.
//!
//! Found in the working directory or the nearest parent, or given with
//! `--config`. Unknown keys are errors (a typo must not silently fall back to a
//! default). Precedence, most specific last: built-in defaults, `[limits]`,
//! command-line flags, `[limits.rule."<key>"]` where the key is a component's
//! name (`builtin:datahub`, or the `.wasm` path as given), its slug
//! (`datahub`), or the id of a rule it carries. The limits govern `check`; the
//! one metadata call (`rules()`) runs under the built-in defaults.
//!
//! ```toml
//! [limits]
//! fuel = 20000000000
//! memory-mib = 512
//! timeout-secs = 60
//! max-findings = 100000
//!
//! [limits.rule.datahub]
//! fuel = 50000000000
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::sandbox::Limits;

/// The file name looked for from the working directory upward.
pub const FILE_NAME: &str = "rewheel.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub limits: LimitsConfig,
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

/// Load `explicit`, or the nearest `rewheel.toml` from `start` upward. `None`
/// when there is none (an explicit path that does not exist is an error).
pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Option<(PathBuf, Config)>, ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match start.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file()) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text).map(|c| Some((path, c))).map_err(|(line, message)| ConfigError { file, line, message })
}

/// Parse configuration text; errors carry the 1-based line.
pub fn parse(text: &str) -> Result<Config, (Option<u32>, String)> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1);
        (line, e.message().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
