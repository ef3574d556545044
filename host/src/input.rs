//! Turn command-line paths into manifest sources: files, directories
//! (recursive, `*.yaml`/`*.yml`, sorted) and `-` for stdin.
//!
//! Files are found up front and read when the audit reaches them
//! ([`Source::load`]), one document at a time, so a run holds one part of its
//! input at a time and never a document past the limit. Standard input and
//! pipes are read once, when found, into a [`Spool`]. The whole input is read
//! up to a cap (`--max-input-mib`): each source gets what the ones before it
//! left. Every path that cannot be read becomes an [`InputError`] naming it;
//! the run goes on with the rest.

use std::path::{Path, PathBuf};

use rewheel_manifest::{Loaded, ReadOptions, StopReason, Stopped};

use crate::report::{ErrorEntry, WarningEntry, WarningKind};
use crate::spool::Spool;

/// The default cap on a run's input: far above any platform's rendered
/// manifests, far below what takes a CI runner down.
pub const MAX_INPUT_MIB: u64 = 4096;

/// One manifest to load.
#[derive(Debug)]
pub struct Source {
    /// The file as the user named it (`-` for stdin); reports use this.
    pub name: String,
    /// Its size in bytes when found (for splitting the run into parts).
    pub size: u64,
    /// Bytes of the input cap left when this source's turn comes.
    budget: u64,
    content: Content,
}

#[derive(Debug)]
enum Content {
    /// A file, read by [`Source::load`].
    File(PathBuf),
    /// Standard input or a pipe, read once when found.
    Spooled(Spool),
}

impl Source {
    /// Read and parse the manifest, or say why it cannot be read at all. An
    /// input that ends early (the cap, a read error) keeps what came before,
    /// with `stopped` set.
    pub fn load(&self, options: &ReadOptions) -> Result<Loaded, InputError> {
        let options = ReadOptions { budget: self.budget, ..*options };
        let loaded = match &self.content {
            Content::File(path) => {
                let file = std::fs::File::open(path).map_err(|e| self.error(None, describe_io(&e, "cannot read")))?;
                rewheel_manifest::load_reader(&self.name, std::io::BufReader::with_capacity(1 << 16, file), &options)
            }
            Content::Spooled(spool) => spool.load(&self.name, &options).map_err(|e| {
                self.error(None, format!("cannot read back standard input from its temporary file: {e}"))
            })?,
        };
        match &loaded.stopped {
            Some(Stopped { line, why: StopReason::Binary { byte } }) => {
                Err(self.error(Some(*line), format!("not a text manifest: binary data at byte {byte}")))
            }
            _ => Ok(loaded),
        }
    }

    fn error(&self, line: Option<u32>, message: String) -> InputError {
        InputError { file: self.name.clone(), line, message }
    }
}

/// A path that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based line, where one applies.
    pub line: Option<u32>,
    pub message: String,
}

/// Everything the paths yielded, in command-line order (directories sorted).
#[derive(Debug, Default)]
pub struct Inputs {
    pub sources: Vec<Source>,
    pub errors: Vec<InputError>,
    /// Each path given, and how many sources it yielded.
    pub given: Vec<(String, usize)>,
    /// The input passed the cap: the run audits nothing (an error says where).
    pub capped: bool,
    /// Bytes of the cap left for the next source.
    left: u64,
    /// Bytes found in all (sizes of files, bytes read from pipes).
    total: u64,
    /// The first source at which the input passed the cap.
    crossed_at: Option<String>,
    /// A pipe was read only up to the cap.
    cut_short: bool,
}

/// Find every source the paths name, within `options.budget` bytes in all.
/// `-` reads standard input once.
pub fn find_inputs(paths: &[String], options: &ReadOptions) -> Inputs {
    let mut inputs = Inputs { left: options.budget, ..Inputs::default() };
    let mut stdin_read = false;
    for path in paths {
        let before = inputs.sources.len();
        if path == "-" {
            if !stdin_read {
                stdin_read = true;
                inputs.spool("-", std::io::stdin().lock(), options);
            }
        } else {
            inputs.find(path, options);
        }
        let found = inputs.sources.len() - before;
        inputs.given.push((path.clone(), found));
    }
    inputs.report_cap(options.budget);
    inputs
}

impl Inputs {
    fn find(&mut self, path: &str, options: &ReadOptions) {
        let p = Path::new(path);
        match std::fs::metadata(p) {
            Err(e) => self.error(path, None, describe_io(&e, "cannot read")),
            Ok(meta) if meta.is_dir() => self.walk(path),
            Ok(meta) if meta.is_file() => self.add_file(path.to_string(), p, meta.len()),
            // A pipe or device (`<(helm template …)`): read once, now; it cannot be read again.
            Ok(_) => match std::fs::File::open(p) {
                Ok(file) => self.spool(path, std::io::BufReader::with_capacity(1 << 16, file), options),
                Err(e) => self.error(path, None, describe_io(&e, "cannot read")),
            },
        }
    }

    fn spool(&mut self, name: &str, input: impl std::io::BufRead, options: &ReadOptions) {
        match Spool::read(input, &ReadOptions { budget: self.left, ..*options }) {
            Ok(spool) => {
                self.cut_short |= spool.consumed() > self.left;
                self.count(name, spool.consumed());
                let size = spool.held();
                self.sources.push(Source {
                    name: name.to_string(),
                    size,
                    budget: u64::MAX,
                    content: Content::Spooled(spool),
                });
            }
            Err(e) => self.error(name, None, format!("cannot keep standard input in a temporary file: {e}")),
        }
    }

    fn walk(&mut self, root: &str) {
        let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_file() && is_yaml(entry.path()) => {
                    let name = entry.path().to_string_lossy().into_owned();
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    self.add_file(name, entry.path(), size);
                }
                Ok(_) => {}
                Err(e) => {
                    let file = e.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| root.to_string());
                    let message = if e.loop_ancestor().is_some() {
                        format!("symbolic link loop: {} points back to {}", file, e.loop_ancestor().unwrap().display())
                    } else if let Some(io) = e.io_error() {
                        describe_io(io, "cannot read")
                    } else {
                        e.to_string()
                    };
                    self.error(&file, None, message);
                }
            }
        }
    }

    fn add_file(&mut self, name: String, path: &Path, size: u64) {
        // A file that grows after this is still read only up to what was left.
        let budget = self.left;
        self.count(&name, size);
        self.sources.push(Source { name, size, budget, content: Content::File(path.to_path_buf()) });
    }

    /// Count `bytes` of `name` against the cap.
    fn count(&mut self, name: &str, bytes: u64) {
        self.total = self.total.saturating_add(bytes);
        if bytes > self.left && self.crossed_at.is_none() {
            self.crossed_at = Some(name.to_string());
        }
        self.left -= bytes.min(self.left);
    }

    /// Over the cap, one error at the source where the input passed it: the
    /// run audits nothing, so a mistaken path or an endless pipe fails fast.
    fn report_cap(&mut self, cap: u64) {
        let Some(at) = self.crossed_at.clone() else { return };
        self.capped = true;
        // A pipe is read only up to the cap: its size is a lower bound.
        let more = if self.cut_short { " or more" } else { "" };
        let message = format!(
            "the input passes the {} MiB input cap here ({} MiB{more} in all); nothing was audited. {RAISE_CAP}",
            cap >> 20,
            self.total >> 20
        );
        self.error(&at, None, message);
    }

    fn error(&mut self, file: &str, line: Option<u32>, message: String) {
        self.errors.push(InputError { file: file.to_string(), line, message });
    }
}

/// What a read file reports besides its objects: documents that are not
/// text, documents kept with a warning, and why the input ended early.
pub fn problems(name: &str, loaded: &Loaded, cap: u64) -> (Vec<ErrorEntry>, Vec<WarningEntry>) {
    let mut errors: Vec<ErrorEntry> =
        loaded.errors.iter().map(|e| ErrorEntry::parse(name, e.line, e.message.clone())).collect();
    for (line, byte) in &loaded.not_text {
        errors.push(ErrorEntry::input(name, Some(*line), format!("not a text manifest: invalid UTF-8 at byte {byte}")));
    }
    if let Some(stopped) = &loaded.stopped {
        let message = match &stopped.why {
            StopReason::Budget { .. } => {
                format!("the input reached the {} MiB input cap; the rest was not read. {RAISE_CAP}", cap >> 20)
            }
            StopReason::Io(e) => format!("cannot read further: {e}; the rest was not read"),
            StopReason::Binary { byte } => format!("not a text manifest: binary data at byte {byte}"),
        };
        errors.push(ErrorEntry::input(name, Some(stopped.line), message));
    }
    let warnings = loaded
        .warnings
        .iter()
        .map(|w| WarningEntry {
            kind: WarningKind::DuplicateKey,
            file: Some(name.to_string()),
            line: Some(w.line),
            message: w.message.clone(),
        })
        .collect();
    (errors, warnings)
}

/// How to raise the input cap, for the errors that hit it.
const RAISE_CAP: &str = "Raise the cap with --max-input-mib or `max-input-mib` in [limits]";

/// Nothing to audit: an error naming each path given and what it held, so a
/// CI step fed by a failed `helm template` pipe does not pass.
pub fn nothing_given(given: &[(String, usize)]) -> ErrorEntry {
    let what: Vec<String> = given
        .iter()
        .map(|(path, found)| match (path.as_str(), found) {
            ("-", _) => "standard input (-) was empty".to_string(),
            (_, 0) => format!("{path} holds no *.yaml or *.yml files"),
            (_, 1) => format!("{path} holds no YAML documents"),
            (_, n) => format!("the {n} files under {path} hold no YAML documents"),
        })
        .collect();
    let message = format!(
        "no manifests to audit: {}. If a pipe feeds rewheel (`helm template … | rewheel audit -`), the command before it may have failed: run the shell with `set -o pipefail`. Pass --allow-empty if an empty input is expected",
        what.join("; ")
    );
    ErrorEntry { kind: crate::report::ErrorKind::Input, file: None, line: None, rule: None, message }
}

fn is_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

fn describe_io(e: &std::io::Error, what: &str) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => format!("{what}: permission denied"),
        _ => format!("{what}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_read_file_reports_names_file_and_line() {
        let mut loaded = rewheel_manifest::load_str("f.yaml", "a: 1\n");
        loaded.not_text.push((7, 120));
        loaded.stopped = Some(Stopped { line: 9, why: StopReason::Budget { bytes: 10 } });
        let (errors, warnings) = problems("f.yaml", &loaded, 64 << 20);
        let shown: Vec<(Option<u32>, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            shown,
            [
                (Some(7), "not a text manifest: invalid UTF-8 at byte 120"),
                (
                    Some(9),
                    "the input reached the 64 MiB input cap; the rest was not read. Raise the cap with --max-input-mib or `max-input-mib` in [limits]"
                ),
            ]
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn nothing_given_names_each_path() {
        let e = nothing_given(&[("-".into(), 1), ("charts/".into(), 0), ("a.yaml".into(), 1), ("out/".into(), 3)]);
        assert!(
            e.message.starts_with("no manifests to audit: standard input (-) was empty; charts/ holds no *.yaml or *.yml files; a.yaml holds no YAML documents; the 3 files under out/ hold no YAML documents. "),
            "{}",
            e.message
        );
    }
}
