//! `rewheel-catalog --mirrors DIR --sources catalog/sources.toml --out manifest/data/upstream-charts.tsv`

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rewheel_catalog::Options;

const USAGE: &str = "usage: rewheel-catalog --mirrors DIR --sources FILE --out FILE [--skip-missing]

Mine upstream Helm charts and operator bundles from git mirrors (DIR/OWNER+NAME/repo,
e.g. `git clone --bare https://github.com/OWNER/NAME DIR/OWNER+NAME/repo`) into a TSV catalog.
See catalog/README.md.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match parse(&args).and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<()> {
    let catalog = rewheel_catalog::run(options, &mut |line| eprintln!("{line}"))?;
    println!(
        "wrote {} charts ({} operators) from {} repositories to {}",
        catalog.rows.len(),
        catalog.operators(),
        catalog.repos.len(),
        options.out.display()
    );
    Ok(())
}

fn parse(args: &[String]) -> Result<Options> {
    let (mut mirrors, mut sources, mut out, mut skip_missing) = (None, None, None, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().map(PathBuf::from).with_context(|| format!("{arg} needs a value\n\n{USAGE}"));
        match arg.as_str() {
            "--mirrors" => mirrors = Some(value()?),
            "--sources" => sources = Some(value()?),
            "--out" => out = Some(value()?),
            "--skip-missing" => skip_missing = true,
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    let missing = |name: &str| format!("{name} is required\n\n{USAGE}");
    Ok(Options {
        mirrors: mirrors.with_context(|| missing("--mirrors"))?,
        sources: sources.with_context(|| missing("--sources"))?,
        out: out.with_context(|| missing("--out"))?,
        skip_missing,
    })
}
