//! Command-line interface and exit codes.
//!
//! Exit codes (README "Exit codes"):
//! - 0: no finding at or above `--fail-on`, and no error;
//! - 1: findings at or above `--fail-on`;
//! - 2: a usage error, or an input, parse or rule error (the report is still
//!   written: the findings that could be computed are in it).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::{self, AuditOptions, Policy};
use crate::cache::Cache;
use crate::config::{self, LimitPolicy, LimitValues, LoadedConfig};
use crate::report::Severity;
use crate::rulepack;
use crate::sandbox::Limits;

#[derive(Debug, Parser)]
#[command(
    name = "rewheel",
    version,
    about = "Find local control logic in rendered Kubernetes manifests that an upstream chart or operator already reconciles",
    after_help = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, input, parse or rule errors."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audit rendered manifests (files, directories, or - for stdin).
    Audit(AuditArgs),
    /// Inspect the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Accept today's findings so CI reports only new ones.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum BaselineCommand {
    /// Audit PATHs and print a baseline of the findings:
    /// `rewheel baseline create rendered/ > .rewheel-baseline.json`, then
    /// `rewheel audit rendered/ --baseline .rewheel-baseline.json`.
    Create {
        #[command(flatten)]
        run: RunArgs,
        /// Write the baseline to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the merged configuration (built-in defaults, rewheel.toml, flags)
    /// and where each value came from.
    Show {
        #[command(flatten)]
        rules: RuleArgs,
        #[command(flatten)]
        selection: SelectionArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// As --no-inline-ignores would set it.
        #[arg(long)]
        no_inline_ignores: bool,
    },
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List every rule: id, component, category, severity, summary.
    List {
        #[command(flatten)]
        rules: RuleArgs,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Explain one rule: what it detects, why it matters, what to use instead, an example.
    Explain {
        /// The rule id, e.g. novu-raw-datastore.
        id: String,
        #[command(flatten)]
        rules: RuleArgs,
    },
}

/// What every run over manifests takes: inputs, rules, configuration.
#[derive(Debug, Args)]
struct RunArgs {
    /// Manifest files or directories (recursive, *.yaml and *.yml); - reads stdin.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<String>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    selection: SelectionArgs,
    #[command(flatten)]
    limits: LimitArgs,
    /// Do not honour `rewheel.io/ignore` annotations; each one present is a warning.
    #[arg(long)]
    no_inline_ignores: bool,
    /// Rule components run in parallel (default: available cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
}

/// Which rules run, replacing `select`/`ignore` in rewheel.toml.
#[derive(Debug, Args)]
struct SelectionArgs {
    /// Run only these rules: ids, components or categories, globs allowed; comma-separated or repeated.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Do not run these rules (ids, components or categories, globs allowed).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    ignore: Option<Vec<String>>,
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Report only findings not accepted in this baseline (`rewheel baseline create`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<String>,
    /// Colour the text format: auto (only on a terminal, and not with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Output format, repeatable; `FORMAT=FILE` writes to a file instead of stdout:
    /// text, json, markdown, sarif, junit, github (workflow annotations).
    /// Example: `--format sarif=rewheel.sarif --format text`.
    #[arg(long = "format", value_name = "FORMAT[=FILE]", value_parser = parse_output)]
    formats: Vec<Output>,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
struct RuleArgs {
    /// Configuration file [default: rewheel.toml in the working directory or its nearest parent].
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Extra rule components: a .wasm file, or a directory of them. Repeatable.
    #[arg(long = "rules", value_name = "DIR|FILE")]
    rules: Vec<String>,
    /// Do not load the rule pack built into this binary.
    #[arg(long)]
    no_builtin_rules: bool,
    /// Compile every component afresh; neither read nor write the cache
    /// ($REWHEEL_CACHE_DIR, $XDG_CACHE_HOME/rewheel or ~/.cache/rewheel).
    #[arg(long)]
    no_cache: bool,
}

impl RuleArgs {
    fn cache(&self) -> Cache {
        if self.no_cache { Cache::disabled() } else { Cache::from_env() }
    }

    /// rewheel.toml, or an error line for stderr.
    fn load_config(&self) -> Result<LoadedConfig, String> {
        let cwd = std::env::current_dir().unwrap_or_default();
        config::load(self.config.as_deref(), &cwd).map_err(|e| format!("error: {e}"))
    }
}

/// Limits for every rule call in this run. Each overrides `[limits]` in
/// rewheel.toml; `[limits.rule."<name>"]` entries still apply on top.
#[derive(Debug, Args)]
struct LimitArgs {
    /// Instruction budget (wasmtime fuel) for each rule call [default: 20000000000].
    #[arg(long, value_name = "N")]
    rule_fuel: Option<u64>,
    /// Linear memory limit for each rule instance, in MiB [default: 512].
    #[arg(long, value_name = "MIB")]
    rule_memory: Option<usize>,
    /// Wall-clock limit for each rule call, in seconds [default: 60].
    #[arg(long, value_name = "SECS")]
    rule_timeout: Option<f64>,
    /// Findings one rule component may return per call [default: 100000].
    #[arg(long, value_name = "N")]
    rule_max_findings: Option<usize>,
}

impl LimitArgs {
    fn values(&self) -> LimitValues {
        LimitValues {
            fuel: self.rule_fuel,
            memory_mib: self.rule_memory,
            timeout_secs: self.rule_timeout,
            max_findings: self.rule_max_findings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
}

/// Formats of an audit report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Markdown,
    Sarif,
    Junit,
    Github,
}

/// One `--format`: what, and where (stdout when no file).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Output {
    format: ReportFormat,
    file: Option<std::path::PathBuf>,
}

fn parse_output(spec: &str) -> Result<Output, String> {
    let (name, file) = match spec.split_once('=') {
        Some((name, file)) if !file.is_empty() => (name, Some(std::path::PathBuf::from(file))),
        Some((_, _)) => return Err(format!("{spec:?}: give a file after `=`, or drop the `=`")),
        None => (spec, None),
    };
    let format = ReportFormat::from_str(name, true)
        .map_err(|_| format!("unknown format {name:?}; one of: text, json, markdown, sarif, junit, github"))?;
    Ok(Output { format, file })
}

fn render(report: &crate::report::Report, format: ReportFormat, colour: bool) -> String {
    match format {
        ReportFormat::Text => crate::text::to_text(report, colour),
        ReportFormat::Json => report.to_json(),
        ReportFormat::Markdown => report.to_markdown(),
        ReportFormat::Sarif => crate::sarif::to_sarif(report),
        ReportFormat::Junit => crate::junit::to_junit(report),
        ReportFormat::Github => crate::github::to_github(report),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Info,
    Warning,
    Error,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Error => Some(Severity::Error),
            FailOn::Never => None,
        }
    }
}

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN });
        }
    };
    match cli.command {
        Command::Audit(args) => audit_command(args),
        Command::Rules(RulesCommand::List { rules, format }) => rules_list(rules, format),
        Command::Rules(RulesCommand::Explain { id, rules }) => rules_explain(&id, rules),
        Command::Baseline(BaselineCommand::Create { run, output }) => baseline_create(run, output),
        Command::Config(ConfigCommand::Show { rules, selection, limits, no_inline_ignores }) => {
            config_show(&rules, &selection, &limits, no_inline_ignores)
        }
    }
}

/// The rule components to load: the built-in pack unless `--no-builtin-rules`
/// or `builtin = false`, then `[rules] paths` (relative to rewheel.toml), then `--rules`.
fn rule_sources(args: &RuleArgs, config: &LoadedConfig) -> (Vec<rulepack::RuleSource>, Vec<crate::report::ErrorEntry>) {
    let builtin = !args.no_builtin_rules && config.config.rules.builtin.unwrap_or(true);
    let mut sources = if builtin { rulepack::builtin() } else { Vec::new() };
    let mut paths: Vec<String> = config.config.rules.paths.iter().map(|p| config.resolve(p)).collect();
    paths.extend(args.rules.iter().cloned());
    let (extra, errors) = rulepack::from_paths(&paths);
    sources.extend(extra);
    (sources, errors)
}

/// Everything an audit or a baseline run needs, from flags and rewheel.toml.
fn audit_options(run: RunArgs, baseline: Option<crate::baseline::Baseline>) -> Result<AuditOptions, String> {
    let config = run.rules.load_config()?;
    let limits = LimitPolicy {
        run: run.limits.values().apply(config.config.limits.all().apply(Limits::default())),
        rule: config.config.limits.rule.clone(),
    };
    let (rules, rule_errors) = rule_sources(&run.rules, &config);
    if rules.is_empty() && rule_errors.is_empty() {
        return Err(
            "error: no rules to run: drop --no-builtin-rules (or `builtin = false`) or add --rules DIR|FILE".into()
        );
    }
    let suppressions = crate::suppress::Suppressions {
        inline: !run.no_inline_ignores,
        exemptions: config.exemptions.clone(),
        baseline,
        today: config::today(),
    };
    Ok(AuditOptions {
        paths: run.paths,
        rules,
        rule_errors,
        limits,
        jobs: run.jobs.unwrap_or_else(default_jobs),
        cache: run.rules.cache(),
        policy: Policy {
            config: std::sync::Arc::new(config),
            select: run.selection.select,
            ignore: run.selection.ignore,
            suppressions,
        },
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    })
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn audit_command(args: AuditArgs) -> ExitCode {
    let mut outputs = args.formats.clone();
    if outputs.is_empty() {
        outputs.push(Output { format: ReportFormat::Text, file: None });
    }
    if outputs.iter().filter(|o| o.file.is_none()).count() > 1 {
        eprintln!(
            "error: more than one --format writes to stdout; give all but one a file: --format sarif=rewheel.sarif"
        );
        return ExitCode::from(EXIT_ERROR);
    }
    let baseline = match args.baseline.as_deref().map(crate::baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let options = match audit_options(args.run, baseline) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let report = audit::run(options);
    for output in &outputs {
        let colour = output.file.is_none()
            && match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::IsTerminal::is_terminal(&std::io::stdout())
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
        let text = render(&report, output.format, colour);
        let written = match &output.file {
            Some(path) => std::fs::write(path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display())),
            None => match std::io::stdout().lock().write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
                _ => Ok(()),
            },
        };
        if let Err(e) = written {
            eprintln!("error: cannot write the report: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let failing = args.fail_on.threshold().is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    ExitCode::from(if !report.errors.is_empty() {
        EXIT_ERROR
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn baseline_create(run: RunArgs, output: Option<std::path::PathBuf>) -> ExitCode {
    let options = match audit_options(run, None) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let report = audit::run(options);
    let text = crate::baseline::create(&report.findings);
    let written = match &output {
        Some(path) => std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout().lock().write_all(text.as_bytes()).map_err(|e| format!("stdout: {e}")),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the baseline: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    for e in &report.errors {
        eprintln!("{}", crate::text::error_line(e));
    }
    eprintln!(
        "baseline: {} finding{} accepted{}",
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" },
        if report.errors.is_empty() {
            String::new()
        } else {
            format!("; {} error(s) above: the baseline may be incomplete", report.errors.len())
        }
    );
    ExitCode::from(if report.errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

fn config_show(rules: &RuleArgs, selection: &SelectionArgs, limits: &LimitArgs, no_inline_ignores: bool) -> ExitCode {
    let config = match rules.load_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let flags = crate::config_show::Flags {
        no_builtin_rules: rules.no_builtin_rules,
        rules: rules.rules.clone(),
        select: selection.select.clone(),
        ignore: selection.ignore.clone(),
        limits: limits.values(),
        no_inline_ignores,
    };
    print!("{}", crate::config_show::show(&config, &flags));
    ExitCode::from(EXIT_CLEAN)
}

fn rules_list(args: RuleArgs, format: Format) -> ExitCode {
    let config = match args.load_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let (sources, mut errors) = rule_sources(&args, &config);
    let (components, more) = audit::list_rules(&sources, Limits::default(), default_jobs(), args.cache());
    errors.extend(more);
    let mut rows: Vec<serde_json::Value> = Vec::new();
    for c in &components {
        for r in &c.rules {
            rows.push(serde_json::json!({
                "id": r.id,
                "component": r.component,
                "category": audit::category_name(r.category),
                "severity": audit::severity(r.default_severity).as_str(),
                "summary": r.summary,
                "replace_with": r.replace_with,
                "sources": r.sources,
                "kinds": r.kinds,
                "supersedes": r.supersedes,
                "docs": r.docs,
                "source": c.component,
            }));
        }
    }
    rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let out = match format {
        Format::Json => {
            let errs: Vec<_> = errors.iter().map(|e| serde_json::to_value(e).expect("serialises")).collect();
            let mut s = serde_json::to_string_pretty(&serde_json::json!({ "rules": rows, "errors": errs })).unwrap();
            s.push('\n');
            s
        }
        Format::Markdown => {
            let mut s = String::from("| Rule | Component | Category | Severity | Summary |\n|---|---|---|---|---|\n");
            for r in &rows {
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    r["id"].as_str().unwrap_or(""),
                    r["component"].as_str().unwrap_or(""),
                    r["category"].as_str().unwrap_or(""),
                    r["severity"].as_str().unwrap_or(""),
                    r["summary"].as_str().unwrap_or("").replace('|', "\\|"),
                ));
            }
            s
        }
        Format::Text => {
            let mut s = String::new();
            let width = rows.iter().map(|r| r["id"].as_str().unwrap_or("").len()).max().unwrap_or(2).max(2);
            s.push_str(&format!("{:width$}  {:20}  {:19}  {:8}  SUMMARY\n", "ID", "COMPONENT", "CATEGORY", "SEVERITY"));
            for r in &rows {
                s.push_str(&format!(
                    "{:width$}  {:20}  {:19}  {:8}  {}\n",
                    r["id"].as_str().unwrap_or(""),
                    r["component"].as_str().unwrap_or(""),
                    r["category"].as_str().unwrap_or(""),
                    r["severity"].as_str().unwrap_or(""),
                    r["summary"].as_str().unwrap_or(""),
                ));
            }
            s
        }
    };
    print!("{out}");
    for e in &errors {
        eprintln!("error: {}: {}", e.rule.as_deref().or(e.file.as_deref()).unwrap_or(""), e.message);
    }
    ExitCode::from(if errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

fn rules_explain(id: &str, args: RuleArgs) -> ExitCode {
    let config = match args.load_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let (sources, mut errors) = rule_sources(&args, &config);
    let (components, more) = audit::list_rules(&sources, Limits::default(), default_jobs(), args.cache());
    errors.extend(more);
    for e in &errors {
        eprintln!("error: {}: {}", e.rule.as_deref().or(e.file.as_deref()).unwrap_or(""), e.message);
    }
    let Some(rule) = components.iter().flat_map(|c| c.rules.iter()).find(|r| r.id == id) else {
        let mut ids: Vec<&str> = components.iter().flat_map(|c| c.rules.iter().map(|r| r.id.as_str())).collect();
        ids.sort();
        let close: Vec<&str> = ids.iter().copied().filter(|i| i.contains(id) || id.contains(*i)).take(5).collect();
        eprintln!(
            "error: no rule {id:?}{}",
            if close.is_empty() { String::new() } else { format!("; did you mean {}?", close.join(", ")) }
        );
        eprintln!("hint: `rewheel rules list` shows every rule");
        return ExitCode::from(EXIT_ERROR);
    };
    let mut out = format!(
        "# {} ({})\n\n{}\n\n- Component: {}\n- Category: {}\n- Default severity: {}\n- Use instead: {}\n",
        rule.id,
        rule.component,
        rule.summary,
        rule.component,
        audit::category_name(rule.category),
        audit::severity(rule.default_severity).as_str(),
        rule.replace_with,
    );
    if !rule.supersedes.is_empty() {
        out.push_str(&format!("- Refines: {}\n", rule.supersedes.join(", ")));
    }
    out.push('\n');
    out.push_str(rule.docs.trim_end());
    if !rule.options.is_empty() {
        out.push_str(&format!("\n\n## Options\nSet in rewheel.toml under `[rules.options.{}]`:\n", rule.id));
        for o in &rule.options {
            out.push_str(&format!("- `{}`: {}\n", o.name, o.description));
        }
        out.pop();
    }
    out.push_str("\n\n## Sources\n");
    for s in &rule.sources {
        out.push_str(&format!("- {s}\n"));
    }
    print!("{out}");
    ExitCode::from(EXIT_CLEAN)
}
