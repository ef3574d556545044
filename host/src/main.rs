fn main() -> std::process::ExitCode {
    let code = rewheel::cli::main();
    // The compile cache's warnings (an entry, directory or key it refused) go to
    // stderr once the command is done: they are about this machine, not the
    // audited manifests, and the report is the same whatever the cache held.
    for warning in rewheel::cache::take_warnings() {
        eprintln!("warning: {warning}");
    }
    code
}
