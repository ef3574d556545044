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
    /// Show the chart graph inferred from rendered manifests: each chart, upstream or the
    /// team's own, and the evidence (correct it with [provenance] in rewheel.toml or --charts).
    Charts {
        /// Manifest files or directories (recursive, *.yaml and *.yml); - reads stdin.
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<String>,
        /// Chart sources (a folder holding Chart.yaml files). Repeatable.
        #[arg(long, value_name = "DIR")]
        charts: Vec<String>,
        /// Configuration file [default: rewheel.toml in the working directory or its nearest parent].
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// Show what the identity catalogs know: the repositories the mined catalog was read from
    /// (commit and date), or what each IMAGE runs, with rewheel.toml's [[catalog.images]] applied.
    Catalog {
        /// Images to identify, e.g. quay.io/oauth2-proxy/oauth2-proxy:v7.6.0.
        #[arg(value_name = "IMAGE")]
        images: Vec<String>,
        /// Configuration file [default: rewheel.toml in the working directory or its nearest parent].
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// Scaffold a rule crate: Cargo.toml on rules-sdk, a working rule, a native test, cases/.
    New {
        /// Crate name, kebab-case, e.g. team-redpanda-rules.
        name: String,
        /// The component slug the rules audit (rule id prefix) [default: the name].
        #[arg(long, value_name = "SLUG")]
        component: Option<String>,
        /// Where to create the crate [default: ./NAME].
        #[arg(long, value_name = "PATH")]
        dir: Option<std::path::PathBuf>,
        /// The rules-sdk crate to depend on [default: the one beside this rewheel's sources].
        #[arg(long, value_name = "PATH")]
        sdk: Option<std::path::PathBuf>,
    },
    /// Run a rule component on fixture cases and compare with each case's expected.yaml.
    Test {
        /// A rule crate (built with cargo for wasm32-wasip2 first) or a .wasm component.
        #[arg(value_name = "CRATE|WASM")]
        target: std::path::PathBuf,
        /// The cases: folders with input manifests and an expected.yaml [default: CRATE/cases].
        #[arg(long, value_name = "DIR")]
        cases: Option<std::path::PathBuf>,
        /// text, or junit (XML) for CI test reports.
        #[arg(long, value_enum, default_value_t = TestFormat::Text)]
        format: TestFormat,
        #[arg(long)]
        no_cache: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TestFormat {
    Text,
    Junit,
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
        /// As --charts would add them.
        #[arg(long, value_name = "DIR")]
        charts: Vec<String>,
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
    /// Show a component: its rules and metadata, the contract version it targets, its sha256 and imports.
    Inspect {
        /// The .wasm rule component.
        wasm: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// Write rewheel.lock (beside rewheel.toml) with the sha256 of every rule component in use.
    Lock {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Compile every rule component an audit would load into the cache, so the
    /// first audit (in a fresh CI image, say) does not pay for it.
    Compile(CompileArgs),
}

/// `rewheel rules compile`: the rule sources an audit would load.
#[derive(Debug, Args)]
struct CompileArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Components compiled in parallel (default: available cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InspectFormat {
    Text,
    Json,
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
    /// Chart sources (a folder holding Chart.yaml files, e.g. charts/): who wrote each
    /// chart from its dependencies, and findings that name the template to edit. Repeatable.
    #[arg(long, value_name = "DIR")]
    charts: Vec<String>,
    /// Stop reading after this many MiB of input in all, with an error [default: 4096].
    #[arg(long, value_name = "MIB")]
    max_input_mib: Option<u64>,
    /// An input with no manifests at all is no error (by default it fails the run: a
    /// `helm template … |` pipe that failed must not pass CI).
    #[arg(long)]
    allow_empty: bool,
    /// A mapping key repeated in a document is a parse error (by default a warning, and
    /// the last value is kept, as the API server does).
    #[arg(long)]
    strict_yaml: bool,
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
    /// Refuse any rule component whose sha256 is not in rewheel.lock (`rewheel rules lock`).
    #[arg(long)]
    locked: bool,
    /// Compile every component afresh; neither read nor write the cache
    /// ($REWHEEL_CACHE_DIR, $XDG_CACHE_HOME/rewheel or ~/.cache/rewheel).
    #[arg(long)]
    no_cache: bool,
}

impl RuleArgs {
    fn cache(&self) -> Cache {
        if self.no_cache { Cache::disabled() } else { Cache::from_env() }
    }

    /// rewheel.toml; on error, says so on stderr and gives the exit code.
    fn load_config(&self) -> Result<LoadedConfig, ExitCode> {
        self.load_config_entry().map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        })
    }

    fn load_config_entry(&self) -> Result<LoadedConfig, config::ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        config::load(self.config.as_deref(), &cwd)
    }
}

/// Limits for every rule call in this run. Each overrides `[limits]` in
/// rewheel.toml; `[limits.rule."<name>"]` entries still apply on top.
#[derive(Debug, Args)]
struct LimitArgs {
    /// Instruction budget (wasmtime fuel) of each rule component, for all its calls [default: 20000000000].
    #[arg(long, value_name = "N")]
    rule_fuel: Option<u64>,
    /// Linear memory limit for each rule instance, in MiB [default: 512].
    #[arg(long, value_name = "MIB")]
    rule_memory: Option<usize>,
    /// Wall-clock limit of each rule component, for all its calls, in seconds [default: 60].
    #[arg(long, value_name = "SECS")]
    rule_timeout: Option<f64>,
    /// Findings one rule component may return in a run [default: 100000].
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
    let code = run_command(cli.command);
    report_peak_memory();
    code
}

/// `REWHEEL_PEAK_RSS=1`: the process's own peak RSS on stderr at exit, for
/// tests and benchmarks. A parent's rusage cannot give it: Linux carries the
/// parent's high-water mark into a child across fork and exec.
fn report_peak_memory() {
    if std::env::var_os("REWHEEL_PEAK_RSS").is_none_or(|v| v != "1") {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(|v| v.trim().trim_end_matches(" kB").trim());
    if let Some(kib) = peak {
        eprintln!("rewheel: peak RSS {kib} KiB");
    }
}

fn run_command(command: Command) -> ExitCode {
    match command {
        Command::Audit(args) => audit_command(args),
        Command::Charts { paths, charts, config, format } => charts_command(&paths, &charts, config, format),
        Command::Catalog { images, config, format } => catalog_command(&images, config, format),
        Command::Rules(RulesCommand::List { rules, format }) => rules_list(rules, format),
        Command::Rules(RulesCommand::Explain { id, rules }) => rules_explain(&id, rules),
        Command::Baseline(BaselineCommand::Create { run, output }) => baseline_create(run, output),
        Command::Config(ConfigCommand::Show { rules, selection, limits, no_inline_ignores, charts }) => {
            config_show(&rules, &selection, &limits, no_inline_ignores, charts)
        }
        Command::Rules(RulesCommand::Inspect { wasm, format }) => rules_inspect(&wasm, format),
        Command::Rules(RulesCommand::Lock { rules }) => rules_lock(rules),
        Command::Rules(RulesCommand::Compile(args)) => rules_compile(args),
        Command::New { name, component, dir, sdk } => new_rule(name, component, dir, sdk),
        Command::Test { target, cases, format, no_cache } => test_rule(&target, cases, format, no_cache),
    }
}

/// The rule components to load: the built-in pack unless `--no-builtin-rules`
/// or `builtin = false`, then `[rules] paths` (relative to rewheel.toml), then `--rules`.
fn rule_sources(args: &RuleArgs, config: &LoadedConfig) -> (Vec<rulepack::RuleSource>, Vec<crate::report::ErrorEntry>) {
    let builtin = !args.no_builtin_rules && config.config.rules.builtin.unwrap_or(true);
    let mut sources = if builtin { rulepack::builtin() } else { Vec::new() };
    let mut errors = Vec::new();
    for entry in &config.config.rules.paths {
        let path = config.resolve(entry.path());
        match entry.sha256() {
            Some(sha) => match rulepack::pinned(&path, sha) {
                Ok(source) => sources.push(source),
                Err(e) => errors.push(e),
            },
            None => {
                let (extra, more) = rulepack::from_paths(&[path]);
                sources.extend(extra);
                errors.extend(more);
            }
        }
    }
    let (extra, more) = rulepack::from_paths(&args.rules);
    sources.extend(extra);
    errors.extend(more);
    if args.locked {
        let path = crate::lock::path_for(config);
        match crate::lock::load(&path) {
            Ok(lock) => {
                let (kept, refused) = crate::lock::enforce(&lock, sources);
                sources = kept;
                errors.extend(refused);
            }
            Err(e) => {
                errors.push(crate::report::ErrorEntry::input(&path.display().to_string(), None, e));
                sources = Vec::new();
            }
        }
    }
    (sources, errors)
}

/// A configuration problem as a report error.
fn config_error(e: &config::ConfigError) -> crate::report::ErrorEntry {
    crate::report::ErrorEntry {
        kind: crate::report::ErrorKind::Config,
        file: (!e.file.is_empty()).then(|| e.file.clone()),
        line: e.line,
        rule: None,
        message: e.message.clone(),
    }
}

/// Everything an audit or a baseline run needs, from flags and rewheel.toml.
fn audit_options(
    run: RunArgs,
    baseline: Option<crate::baseline::Baseline>,
) -> Result<AuditOptions, config::ConfigError> {
    let config = run.rules.load_config_entry()?;
    let limits = LimitPolicy {
        run: run.limits.values().apply(config.config.limits.all().apply(Limits::default())),
        rule: config.config.limits.rule.clone(),
    };
    let (rules, rule_errors) = rule_sources(&run.rules, &config);
    if rules.is_empty() && rule_errors.is_empty() {
        return Err(config::ConfigError {
            file: String::new(),
            line: None,
            message: "no rules to run: drop --no-builtin-rules (or `builtin = false`) or add --rules DIR|FILE".into(),
        });
    }
    let suppressions = crate::suppress::Suppressions {
        inline: !run.no_inline_ignores,
        exemptions: config.exemptions.clone(),
        baseline,
        today: config::today(),
    };
    let max_input_mib = run.max_input_mib.or(config.config.limits.max_input_mib).unwrap_or(crate::input::MAX_INPUT_MIB);
    let read = rewheel_manifest::ReadOptions {
        budget: max_input_mib.saturating_mul(1 << 20),
        strict_yaml: run.strict_yaml || config.config.input.strict,
        ..Default::default()
    };
    let allow_empty = run.allow_empty || config.config.input.allow_empty;
    Ok(AuditOptions {
        paths: run.paths,
        rules,
        rule_errors,
        limits,
        pack: crate::rulepack::builtin_pack(),
        jobs: run.jobs.unwrap_or_else(default_jobs),
        cache: run.rules.cache(),
        policy: Policy {
            config: std::sync::Arc::new(config),
            select: run.selection.select,
            ignore: run.selection.ignore,
            suppressions,
        },
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        read,
        allow_empty,
        charts: run.charts,
    })
}

/// `rewheel charts`: exits 0, or 2 when an input or chart source could not be read.
fn charts_command(
    paths: &[String],
    charts: &[String],
    config: Option<std::path::PathBuf>,
    format: InspectFormat,
) -> ExitCode {
    let args = RuleArgs { config, rules: Vec::new(), no_builtin_rules: true, locked: false, no_cache: true };
    let config = match args.load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let report = crate::charts::inspect(paths, &config, charts, default_jobs());
    match format {
        InspectFormat::Text => print!("{}", crate::charts::to_text(&report)),
        InspectFormat::Json => println!("{}", serde_json::to_string_pretty(&report).expect("the report serialises")),
    }
    ExitCode::from(if report.errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

fn catalog_command(images: &[String], config: Option<std::path::PathBuf>, format: InspectFormat) -> ExitCode {
    let args = RuleArgs { config, rules: Vec::new(), no_builtin_rules: true, locked: false, no_cache: true };
    let config = match args.load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let identifier = crate::identity::identifier(&config);
    let report = crate::catalog::inspect(images, &identifier, config.config.catalog.images.len());
    match format {
        InspectFormat::Text => print!("{}", crate::catalog::to_text(&report)),
        InspectFormat::Json => println!("{}", serde_json::to_string_pretty(&report).expect("the report serialises")),
    }
    ExitCode::from(EXIT_CLEAN)
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
    // A configuration or baseline that cannot be used still gets a report
    // (with the error) in every format asked for: CI uploads what it expects.
    let baseline = args.baseline.as_deref().map(crate::baseline::load).transpose();
    let options = baseline
        .map_err(|e| crate::report::ErrorEntry {
            kind: crate::report::ErrorKind::Config,
            file: None,
            line: None,
            rule: None,
            message: e,
        })
        .and_then(|b| audit_options(args.run, b).map_err(|e| config_error(&e)));
    let report = match options {
        Ok(o) => audit::run(o),
        Err(e) => {
            eprintln!("{}", crate::text::error_line(&e));
            crate::report::Report::with_errors(vec![e])
        }
    };
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
            Some(path) => crate::output::write_atomic(path, &text).map_err(|e| e.to_string()),
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
            eprintln!("{}", crate::text::error_line(&config_error(&e)));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let report = audit::run(options);
    let text = crate::baseline::create(&report.findings);
    let written = match &output {
        Some(path) => crate::output::write_atomic(path, &text).map_err(|e| e.to_string()),
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

fn rules_lock(args: RuleArgs) -> ExitCode {
    let config = match args.load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (sources, errors) = rule_sources(&RuleArgs { locked: false, ..args }, &config);
    for e in &errors {
        eprintln!("{}", crate::text::error_line(e));
    }
    if !errors.is_empty() {
        eprintln!("error: rewheel.lock not written: fix the rule sources above first");
        return ExitCode::from(EXIT_ERROR);
    }
    let path = crate::lock::path_for(&config);
    if let Err(e) = crate::output::write_atomic(&path, &crate::lock::render(&sources)) {
        eprintln!("error: cannot write the lock file: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    eprintln!(
        "{}: {} rule component{} locked",
        path.display(),
        sources.len(),
        if sources.len() == 1 { "" } else { "s" }
    );
    ExitCode::from(EXIT_CLEAN)
}

/// `rewheel rules compile`: one line per component, in the sources' order,
/// then the totals and the cache directory.
fn rules_compile(args: CompileArgs) -> ExitCode {
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    let args = args.rules;
    if args.no_cache {
        eprintln!("error: --no-cache leaves `rules compile` nothing to do: drop it");
        return ExitCode::from(EXIT_ERROR);
    }
    let cache = args.cache();
    let dir = match cache.create_dir() {
        Ok(dir) => dir.to_path_buf(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let config = match args.load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (mut sources, mut errors) = rule_sources(&args, &config);
    // The audit runs the built-in components as one pack when it can, and
    // each alone when it cannot: both are used, both are compiled.
    if sources.iter().any(|s| s.name.starts_with("builtin:"))
        && let Some(pack) = rulepack::builtin_pack()
    {
        sources.insert(0, pack);
    }
    if sources.is_empty() && errors.is_empty() {
        eprintln!(
            "error: no rule components to compile: drop --no-builtin-rules (or `builtin = false`) or add --rules DIR|FILE"
        );
        return ExitCode::from(EXIT_ERROR);
    }
    let sandbox = match crate::sandbox::Sandbox::new(Limits::default(), cache.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the sandbox: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let results = compile_all(&sandbox, &sources, jobs);
    let width = sources.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let (mut compiled, mut cached, mut failed) = (0, 0, 0);
    for (source, (result, took)) in sources.iter().zip(results) {
        let sha = crate::cache::sha256_hex(&source.bytes);
        let status = match (result, cache.outcome(&sha)) {
            (Err(e), _) => {
                failed += 1;
                errors.push(crate::report::ErrorEntry::rule(&e.component, e.message));
                "failed (see below)".to_string()
            }
            (Ok(()), Some(crate::cache::Outcome::Hit)) => {
                cached += 1;
                "already cached".to_string()
            }
            (Ok(()), Some(crate::cache::Outcome::Compiled(Err(why)))) => {
                failed += 1;
                errors.push(crate::report::ErrorEntry::rule(&source.name, format!("compiled, but not cached: {why}")));
                format!("compiled in {} ms, not cached (see below)", took.as_millis())
            }
            (Ok(()), _) => {
                compiled += 1;
                format!("compiled in {} ms", took.as_millis())
            }
        };
        println!(
            "{:width$}  {:>6} KiB  sha256:{}  {status}",
            source.name,
            source.bytes.len().div_ceil(1024),
            &sha[..12]
        );
    }
    println!(
        "{compiled} compiled, {cached} already cached{}: {}",
        if failed > 0 { format!(", {failed} failed") } else { String::new() },
        dir.display()
    );
    for e in &errors {
        eprintln!("{}", crate::text::error_line(e));
    }
    ExitCode::from(if errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

/// Compile `sources` on up to `jobs` threads: each one's result and time, in
/// the sources' order.
fn compile_all(
    sandbox: &crate::sandbox::Sandbox,
    sources: &[rulepack::RuleSource],
    jobs: usize,
) -> Vec<(Result<(), crate::sandbox::RuleError>, std::time::Duration)> {
    crate::pool::map(sources, jobs, |source| {
        let started = std::time::Instant::now();
        let result = sandbox.compile(&source.name, &source.bytes).map(drop);
        (result, started.elapsed())
    })
}

fn rules_inspect(wasm: &std::path::Path, format: InspectFormat) -> ExitCode {
    let name = wasm.display().to_string();
    let bytes = match std::fs::read(wasm) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {name}: cannot read: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let source = rulepack::RuleSource { name: name.clone(), bytes: std::borrow::Cow::Owned(bytes) };
    let sandbox = match crate::sandbox::Sandbox::new(Limits::default(), Cache::from_env()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the sandbox: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let inspection = match sandbox.inspect(&name, &source.bytes) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {}: {}", e.component, e.message);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let (components, errors) = match &inspection.compatible {
        Ok(()) => audit::list_rules(std::slice::from_ref(&source), Limits::default(), 1, Cache::from_env()),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let rules: Vec<&crate::sandbox::RuleMeta> = components.iter().flat_map(|c| c.rules.iter()).collect();
    let sha = crate::cache::sha256_hex(&source.bytes);
    let rule_json = |r: &crate::sandbox::RuleMeta| {
        serde_json::json!({
            "id": r.id,
            "component": r.component,
            "category": audit::category_name(r.category),
            "severity": audit::severity(r.default_severity).as_str(),
            "summary": r.summary,
            "replace_with": r.replace_with,
            "sources": r.sources,
            "kinds": r.kinds,
            "scope": audit::scope_name(r.scope),
            "supersedes": r.supersedes,
            "options": r.options.iter().map(|o| serde_json::json!({"name": o.name, "description": o.description})).collect::<Vec<_>>(),
        })
    };
    let out = match format {
        InspectFormat::Json => {
            let mut text = serde_json::to_string_pretty(&serde_json::json!({
                "file": name,
                "sha256": sha,
                "size": source.bytes.len(),
                "contract": inspection.contract,
                "host_contract": crate::sandbox::CONTRACT_VERSION,
                "compatible": inspection.compatible.is_ok(),
                "incompatibility": inspection.compatible.as_ref().err(),
                "imports": inspection.imports,
                "exports": inspection.exports,
                "rules": rules.iter().map(|r| rule_json(r)).collect::<Vec<_>>(),
                "errors": errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>(),
            }))
            .expect("serialises");
            text.push('\n');
            text
        }
        InspectFormat::Text => {
            let mut text = format!(
                "{name}\n  sha256:    {sha}\n  size:      {} bytes\n  contract:  {}{}\n",
                source.bytes.len(),
                inspection
                    .contract
                    .as_deref()
                    .map(|v| format!("rewheel:rule@{v}"))
                    .unwrap_or_else(|| "none (does not import rewheel:rule)".into()),
                match &inspection.compatible {
                    Ok(()) => format!(" (runs on this rewheel: rewheel:rule@{})", crate::sandbox::CONTRACT_VERSION),
                    Err(why) => format!(" — NOT runnable here: {why}"),
                }
            );
            text.push_str("  imports:\n");
            for i in &inspection.imports {
                text.push_str(&format!("    {i}\n"));
            }
            text.push_str(&format!("  exports:   {}\n", inspection.exports.join(", ")));
            text.push_str(&format!("  rules ({}):\n", rules.len()));
            for r in &rules {
                text.push_str(&format!(
                    "    {}  [{} {} {}] {}\n",
                    r.id,
                    r.component,
                    audit::category_name(r.category),
                    audit::severity(r.default_severity).as_str(),
                    r.summary
                ));
                if !r.kinds.is_empty() {
                    text.push_str(&format!("      kinds: {}\n", r.kinds.join(", ")));
                }
                text.push_str(&format!("      scope: {}\n", audit::scope_name(r.scope)));
                for o in &r.options {
                    text.push_str(&format!("      option {}: {}\n", o.name, o.description));
                }
            }
            text
        }
    };
    print!("{out}");
    for e in &errors {
        eprintln!("{}", crate::text::error_line(e));
    }
    ExitCode::from(if inspection.compatible.is_ok() && errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

fn new_rule(
    name: String,
    component: Option<String>,
    dir: Option<std::path::PathBuf>,
    sdk: Option<std::path::PathBuf>,
) -> ExitCode {
    let Some(sdk) = sdk.or_else(crate::scaffold::default_sdk) else {
        eprintln!(
            "error: where is rules-sdk? This rewheel was built from sources that are gone; give --sdk PATH (the rules-sdk folder of a rewheel checkout)"
        );
        return ExitCode::from(EXIT_ERROR);
    };
    if !sdk.join("Cargo.toml").is_file() {
        eprintln!("error: {}: no Cargo.toml; --sdk must be the rules-sdk folder of a rewheel checkout", sdk.display());
        return ExitCode::from(EXIT_ERROR);
    }
    let sdk = sdk.canonicalize().unwrap_or(sdk);
    let new = crate::scaffold::NewRule {
        component: component.unwrap_or_else(|| name.clone()),
        dir: dir.unwrap_or_else(|| std::path::PathBuf::from(&name)),
        name,
        sdk,
    };
    match crate::scaffold::create(&new) {
        Ok(files) => {
            println!("created {} ({} files):", new.dir.display(), files.len());
            for f in files {
                println!("  {}", f.display());
            }
            let lib = new.name.replace('-', "_");
            println!(
                "\nnext:\n  cd {}\n  cargo test                                     # native tests\n  cargo build --release --target wasm32-wasip2\n  rewheel test .                                 # the component on cases/\n  rewheel audit rendered/ --rules target/wasm32-wasip2/release/{lib}.wasm",
                new.dir.display()
            );
            ExitCode::from(EXIT_CLEAN)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Build the rule crate at `dir` for wasm32-wasip2; the component's path.
fn build_crate(dir: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The crate's rust-toolchain.toml picks the toolchain; an older install of
    // it may lack the target (rustup adds listed targets only on install).
    rewheel_toolchain::Toolchain::from_env()
        .in_dir(dir)
        .ensure_target(rewheel_toolchain::WASM_TARGET, &mut |line| eprintln!("{line}"))
        .map_err(|e| e.to_string())?;
    eprintln!("building {} for wasm32-wasip2 (cargo build --release)…", dir.display());
    let output = std::process::Command::new(cargo)
        .current_dir(dir)
        .args(["build", "--release", "--target", "wasm32-wasip2", "--message-format=json-render-diagnostics"])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo build failed in {} (see above)", dir.display()));
    }
    let artifacts = crate::casetest::wasm_artifacts(&String::from_utf8_lossy(&output.stdout));
    match artifacts.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "cargo built no .wasm in {}: is `crate-type = [\"cdylib\", ...]` set under [lib]?",
            dir.display()
        )),
        many => Err(format!(
            "cargo built several components in {}: {}; give the .wasm to test",
            dir.display(),
            many.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn test_rule(
    target: &std::path::Path,
    cases: Option<std::path::PathBuf>,
    format: TestFormat,
    no_cache: bool,
) -> ExitCode {
    let is_crate = target.join("Cargo.toml").is_file();
    let wasm = if is_crate {
        match build_crate(target) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    } else {
        target.to_path_buf()
    };
    let Some(cases) = cases.or_else(|| is_crate.then(|| target.join("cases"))) else {
        eprintln!("error: give --cases DIR for a .wasm component (a crate's default is CRATE/cases)");
        return ExitCode::from(EXIT_ERROR);
    };
    let name = wasm.display().to_string();
    let bytes = match std::fs::read(&wasm) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {name}: cannot read: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let source = rulepack::RuleSource { name: name.clone(), bytes: std::borrow::Cow::Owned(bytes) };
    let cache = if no_cache { Cache::disabled() } else { Cache::from_env() };
    let results = match crate::casetest::run(&source, &cases, cache) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let out = match format {
        TestFormat::Text => crate::casetest::to_text(&name, &results),
        TestFormat::Junit => crate::casetest::to_junit(&name, &results),
    };
    print!("{out}");
    ExitCode::from(if crate::casetest::all_passed(&results) { EXIT_CLEAN } else { EXIT_FINDINGS })
}

fn config_show(
    rules: &RuleArgs,
    selection: &SelectionArgs,
    limits: &LimitArgs,
    no_inline_ignores: bool,
    charts: Vec<String>,
) -> ExitCode {
    let config = match rules.load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let flags = crate::config_show::Flags {
        no_builtin_rules: rules.no_builtin_rules,
        rules: rules.rules.clone(),
        select: selection.select.clone(),
        ignore: selection.ignore.clone(),
        limits: limits.values(),
        no_inline_ignores,
        charts,
    };
    print!("{}", crate::config_show::show(&config, &flags));
    ExitCode::from(EXIT_CLEAN)
}

fn rules_list(args: RuleArgs, format: Format) -> ExitCode {
    let config = match args.load_config() {
        Ok(c) => c,
        Err(code) => return code,
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
                "scope": audit::scope_name(r.scope),
                "supersedes": r.supersedes,
                "docs": r.docs,
                "options": r.options.iter().map(|o| serde_json::json!({"name": o.name, "description": o.description})).collect::<Vec<_>>(),
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
        Err(code) => return code,
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
        "# {} ({})\n\n{}\n\n- Component: {}\n- Category: {}\n- Default severity: {}\n- Scope: {}\n- Use instead: {}\n",
        rule.id,
        rule.component,
        rule.summary,
        rule.component,
        audit::category_name(rule.category),
        audit::severity(rule.default_severity).as_str(),
        match rule.scope {
            crate::sandbox::Scope::PerResource =>
                "per-resource (judges each object alone; big inputs are streamed to it)",
            crate::sandbox::Scope::WholeSet => "whole-set (relates objects: sees every object of its kinds at once)",
        },
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
