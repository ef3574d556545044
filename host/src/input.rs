//! Turn command-line paths into manifest sources: files, directories
//! (recursive, `*.yaml`/`*.yml`, sorted) and `-` for stdin.
//!
//! Files are found up front and read when the audit reaches them
//! ([`Source::read`]), so a run holds one part of its input at a time.
//! Every path that cannot be read becomes an [`InputError`] naming it; the
//! run goes on with the rest.

use std::io::Read;
use std::path::{Path, PathBuf};

/// One manifest to load.
#[derive(Debug)]
pub struct Source {
    /// The file as the user named it (`-` for stdin); reports use this.
    pub name: String,
    /// Its size in bytes when found (for splitting the run into parts).
    pub size: u64,
    content: Content,
}

#[derive(Debug)]
enum Content {
    /// A file, read by [`Source::read`].
    File(PathBuf),
    /// Standard input or a pipe, read once when found.
    Bytes(Vec<u8>),
}

impl Source {
    /// The manifest text, or why it cannot be had.
    pub fn read(&self) -> Result<String, InputError> {
        let bytes = match &self.content {
            Content::File(path) => std::fs::read(path).map_err(|e| InputError {
                file: self.name.clone(),
                line: None,
                message: describe_io(&e, "cannot read"),
            })?,
            Content::Bytes(bytes) => bytes.clone(),
        };
        String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let what = if bytes[..bytes.len().min(8000)].contains(&0) { "binary data" } else { "invalid UTF-8" };
            InputError {
                file: self.name.clone(),
                line: Some(line),
                message: format!("not a text manifest: {what} at byte {at}"),
            }
        })
    }
}

/// A path that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based line, where one applies (invalid UTF-8).
    pub line: Option<u32>,
    pub message: String,
}

/// Everything the paths yielded, in command-line order (directories sorted).
#[derive(Debug, Default)]
pub struct Inputs {
    pub sources: Vec<Source>,
    pub errors: Vec<InputError>,
}

/// Find every source the paths name. `-` reads standard input once.
pub fn find_inputs(paths: &[String]) -> Inputs {
    let mut inputs = Inputs::default();
    let mut stdin_read = false;
    for path in paths {
        if path == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
            let mut bytes = Vec::new();
            match std::io::stdin().lock().read_to_end(&mut bytes) {
                Ok(_) => inputs.sources.push(Source {
                    name: "-".into(),
                    size: bytes.len() as u64,
                    content: Content::Bytes(bytes),
                }),
                Err(e) => inputs.error("-", None, format!("cannot read standard input: {e}")),
            }
            continue;
        }
        let p = Path::new(path);
        match std::fs::metadata(p) {
            Err(e) => inputs.error(path, None, describe_io(&e, "cannot read")),
            Ok(meta) if meta.is_dir() => inputs.walk(path),
            Ok(meta) if meta.is_file() => inputs.add_file(path.clone(), p, meta.len()),
            // A pipe or device (`<(helm template …)`): read once, now; it cannot be read again.
            Ok(_) => match std::fs::read(p) {
                Ok(bytes) => inputs.sources.push(Source {
                    name: path.clone(),
                    size: bytes.len() as u64,
                    content: Content::Bytes(bytes),
                }),
                Err(e) => inputs.error(path, None, describe_io(&e, "cannot read")),
            },
        }
    }
    inputs
}

impl Inputs {
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
        self.sources.push(Source { name, size, content: Content::File(path.to_path_buf()) });
    }

    fn error(&mut self, file: &str, line: Option<u32>, message: String) {
        self.errors.push(InputError { file: file.to_string(), line, message });
    }
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
