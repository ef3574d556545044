//! `rewheel config show`: the merged configuration, as TOML a team could
//! paste into rewheel.toml, with a comment on each value saying where it came
//! from (`default`, `rewheel.toml:LINE` or the flag).

use std::fmt::Write as _;

use crate::config::{LimitValues, LoadedConfig};
use crate::sandbox::Limits;

/// The command-line flags that change the configuration.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub no_builtin_rules: bool,
    pub rules: Vec<String>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub limits: LimitValues,
    pub no_inline_ignores: bool,
    /// `--charts` folders.
    pub charts: Vec<String>,
}

const WIDTH: usize = 44;

fn line(out: &mut String, key: &str, value: impl std::fmt::Display, origin: &str) {
    let text = format!("{key} = {value}");
    let _ = writeln!(out, "{text:WIDTH$} # {origin}");
}

fn strings(items: &[String]) -> toml::Value {
    toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
}

fn quoted(key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare { key.to_string() } else { toml::Value::String(key.to_string()).to_string() }
}

/// The merged configuration with origins.
pub fn show(config: &LoadedConfig, flags: &Flags) -> String {
    let c = &config.config;
    let origin = |path: &[&str]| config.origin(path).unwrap_or_else(|| "default".into());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# rewheel configuration: built-in defaults{}, then command-line flags.",
        config
            .path
            .as_ref()
            .map(|p| format!(", then {}", p.display()))
            .unwrap_or_else(|| " (no rewheel.toml found)".into())
    );
    let _ = writeln!(out, "# Each value says where it came from.\n");

    out.push_str("[rules]\n");
    if flags.no_builtin_rules {
        line(&mut out, "builtin", false, "--no-builtin-rules");
    } else {
        line(&mut out, "builtin", c.rules.builtin.unwrap_or(true), &origin(&["rules", "builtin"]));
    }
    let mut paths: Vec<toml::Value> = c
        .rules
        .paths
        .iter()
        .map(|p| {
            let path = toml::Value::String(config.resolve(p.path()));
            match p.sha256() {
                None => path,
                Some(sha) => {
                    let mut t = toml::Table::new();
                    t.insert("path".into(), path);
                    t.insert("sha256".into(), toml::Value::String(sha.into()));
                    toml::Value::Table(t)
                }
            }
        })
        .collect();
    let mut paths_origin = origin(&["rules", "paths"]);
    if !flags.rules.is_empty() {
        paths.extend(flags.rules.iter().cloned().map(toml::Value::String));
        paths_origin =
            if c.rules.paths.is_empty() { "--rules".into() } else { format!("{paths_origin}, then --rules") };
    }
    line(&mut out, "paths", toml::Value::Array(paths), &paths_origin);
    for (key, flag, from_file) in
        [("select", &flags.select, &c.rules.select), ("ignore", &flags.ignore, &c.rules.ignore)]
    {
        match flag {
            Some(list) => line(&mut out, key, strings(list), &format!("--{key}")),
            None => {
                let o = origin(&["rules", key]);
                let o = if key == "select" && from_file.is_empty() && o == "default" {
                    "default: every rule".into()
                } else {
                    o
                };
                line(&mut out, key, strings(from_file), &o);
            }
        }
    }
    let inline = if flags.no_inline_ignores {
        "refused (--no-inline-ignores)"
    } else {
        "honoured (default; --no-inline-ignores refuses them)"
    };
    let _ = writeln!(out, "# inline rewheel.io/ignore annotations: {inline}");

    for (id, table) in &c.rules.options {
        let header = format!("[rules.options.{}]", quoted(id));
        let _ = writeln!(out, "\n{header:WIDTH$} # {}", origin(&["rules", "options", id]));
        for (key, value) in table {
            line(&mut out, &quoted(key), value, &origin(&["rules", "options", id, key]));
        }
    }

    out.push_str("\n[severity]\n");
    if c.severity.is_empty() {
        out.push_str("# none: every rule's own severity (default)\n");
    }
    for (key, severity) in &c.severity {
        line(&mut out, &quoted(key), toml::Value::String(severity.as_str().into()), &origin(&["severity", key]));
    }

    let today = crate::config::today();
    for e in &config.exemptions {
        let raw = &c.exemptions[e.index];
        let state = match e.expires {
            Some(d) if e.expired(today) => format!(", EXPIRED on {d}: not applied"),
            _ => String::new(),
        };
        let _ = writeln!(out, "\n{:WIDTH$} # {}{state}", "[[exemption]]", e.origin);
        for (key, value) in [
            ("rule", &raw.rule),
            ("kind", &raw.kind),
            ("namespace", &raw.namespace),
            ("name", &raw.name),
            ("template", &raw.template),
            ("file", &raw.file),
            ("reason", &raw.reason),
        ] {
            if let Some(v) = value {
                let _ = writeln!(out, "{key} = {}", toml::Value::String(v.clone()));
            }
        }
        if let Some(expires) = &raw.expires {
            let _ = writeln!(out, "expires = {expires}");
        }
    }

    out.push_str("\n[limits]\n");
    let defaults = Limits::default();
    let file = c.limits.all();
    let limit =
        |out: &mut String, key: &str, default: String, file: Option<String>, flag: Option<String>, flag_name: &str| {
            match (flag, file) {
                (Some(v), _) => line(out, key, v, flag_name),
                (None, Some(v)) => line(out, key, v, &origin(&["limits", key])),
                (None, None) => line(out, key, default, "default"),
            }
        };
    limit(
        &mut out,
        "fuel",
        defaults.fuel.to_string(),
        file.fuel.map(|v| v.to_string()),
        flags.limits.fuel.map(|v| v.to_string()),
        "--rule-fuel",
    );
    limit(
        &mut out,
        "memory-mib",
        (defaults.memory_bytes >> 20).to_string(),
        file.memory_mib.map(|v| v.to_string()),
        flags.limits.memory_mib.map(|v| v.to_string()),
        "--rule-memory",
    );
    limit(
        &mut out,
        "timeout-secs",
        format!("{:?}", defaults.timeout.as_secs_f64()),
        file.timeout_secs.map(|v| format!("{v:?}")),
        flags.limits.timeout_secs.map(|v| format!("{v:?}")),
        "--rule-timeout",
    );
    limit(
        &mut out,
        "max-findings",
        defaults.max_findings.to_string(),
        file.max_findings.map(|v| v.to_string()),
        flags.limits.max_findings.map(|v| v.to_string()),
        "--rule-max-findings",
    );
    limit(
        &mut out,
        "max-input-mib",
        crate::input::MAX_INPUT_MIB.to_string(),
        c.limits.max_input_mib.map(|v| v.to_string()),
        None,
        "--max-input-mib",
    );
    for (key, values) in &c.limits.rule {
        let _ = writeln!(out, "\n[limits.rule.{}]", quoted(key));
        let at = |k: &str| origin(&["limits", "rule", key, k]);
        if let Some(v) = values.fuel {
            line(&mut out, "fuel", v, &at("fuel"));
        }
        if let Some(v) = values.memory_mib {
            line(&mut out, "memory-mib", v, &at("memory-mib"));
        }
        if let Some(v) = values.timeout_secs {
            line(&mut out, "timeout-secs", format!("{v:?}"), &at("timeout-secs"));
        }
        if let Some(v) = values.max_findings {
            line(&mut out, "max-findings", v, &at("max-findings"));
        }
    }

    out.push_str("\n[input]\n");
    line(&mut out, "strict", c.input.strict, &origin(&["input", "strict"]));
    line(&mut out, "allow-empty", c.input.allow_empty, &origin(&["input", "allow-empty"]));

    out.push_str("\n[provenance]\n");
    for (key, globs) in [("upstream", &c.provenance.upstream), ("local", &c.provenance.local)] {
        let from = config.origin(&["provenance", key]);
        let from = from.unwrap_or_else(|| "default: none, the evidence decides (docs/ACCURACY.md)".into());
        line(&mut out, key, strings(globs), &from);
    }
    let mut charts: Vec<String> = c.provenance.charts.iter().map(|p| config.resolve(p)).collect();
    let mut from = config.origin(&["provenance", "charts"]).unwrap_or_else(|| "default: none".into());
    if !flags.charts.is_empty() {
        charts.extend(flags.charts.iter().cloned());
        from = if c.provenance.charts.is_empty() { "--charts".into() } else { format!("{from}, then --charts") };
    }
    line(&mut out, "charts", strings(&charts), &from);

    out.push_str(
        "\n# [[catalog.images]]: first match wins, before the curated and mined catalogs (`rewheel catalog`)\n",
    );
    if c.catalog.images.is_empty() {
        out.push_str("# none (default)\n");
    }
    for (i, entry) in c.catalog.images.iter().enumerate() {
        let from = config.origin(&["catalog", "images", &i.to_string()]).unwrap_or_default();
        out.push_str("[[catalog.images]]\n");
        line(&mut out, "image", toml::Value::from(entry.image.as_str()), &from);
        line(&mut out, "product", toml::Value::from(entry.product.as_str()), &from);
        if let Some(chart) = &entry.chart {
            line(&mut out, "chart", toml::Value::from(chart.as_str()), &from);
        }
        if let Some(repository) = &entry.repository {
            line(&mut out, "repository", toml::Value::from(repository.as_str()), &from);
        }
        line(&mut out, "operator", entry.operator, &from);
    }
    out
}
