fn main() -> std::process::ExitCode {
    rewheel::cli::main()
}
