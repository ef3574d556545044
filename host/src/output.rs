//! Report files written whole or not at all.
//!
//! CI kills a run that overruns its timeout (SIGTERM), and the next step
//! uploads whatever `*.sarif` it finds. A report written in place could be
//! cut off mid-way and uploaded as such. [`write_atomic`] writes a temporary
//! file in the target's directory and renames it over the target, so the
//! target is always the previous file, absent, or the complete new text.
//!
//! The temporary file is named `.rewheel-XXXXXX.tmp`: hidden, and not
//! matched by upload globs such as `*.sarif`. It is removed when the write
//! fails, but a process killed by a signal runs no destructor, so a run
//! killed mid-write can leave one behind; it is never read, and safe to delete.

use std::fmt;
use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// The temporary file's name prefix (hidden, and no report extension).
pub const TEMP_PREFIX: &str = ".rewheel-";
/// The temporary file's name suffix.
pub const TEMP_SUFFIX: &str = ".tmp";

/// A report that could not be written: which file, at which step, and why.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    step: Step,
    pub source: io::Error,
}

/// Where writing failed; each needs a different fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Creating the temporary file in the target's directory.
    Create,
    /// Writing, syncing or setting the permissions of the temporary file.
    Write,
    /// Renaming the temporary file over the target.
    Replace,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = directory(&self.path);
        let action = match self.step {
            Step::Create => format!("cannot create a file in {}", dir.display()),
            Step::Write => format!("cannot write a temporary file in {}", dir.display()),
            Step::Replace => "cannot replace it".to_string(),
        };
        write!(f, "{}: {action}: {}; {}", self.path.display(), cause(&self.source), self.hint())
    }
}

/// The error's message without the ` at path "…"` tempfile appends when it
/// cannot create its file: that name never existed and means nothing to the user.
fn cause(error: &io::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at path \"") {
        Some(at) if message.contains(TEMP_PREFIX) => message[..at].to_string(),
        _ => message,
    }
}

// No `source()`: the message already carries the cause.
impl std::error::Error for WriteError {}

impl WriteError {
    /// What the user can do about it.
    fn hint(&self) -> String {
        let dir = directory(&self.path);
        match (self.step, self.source.kind()) {
            (Step::Create, io::ErrorKind::NotFound) => {
                format!("create the directory {} first, or give another file", dir.display())
            }
            (_, io::ErrorKind::PermissionDenied) | (_, io::ErrorKind::ReadOnlyFilesystem) => {
                format!("make {} writable, or give a file in a writable directory", dir.display())
            }
            (Step::Replace, _) => "remove what is at that path, or give another file".to_string(),
            _ => "check the path and the free space, or give another file".to_string(),
        }
    }
}

/// Write `text` to `path` so that `path` is never a partial file: a
/// temporary file in the same directory (a rename within one file system is
/// atomic), synced, then renamed over `path`. The file gets the permissions
/// `fs::write` would give: the existing file's, or 0666 less the umask.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), WriteError> {
    let fail = |step| move |source| WriteError { path: path.to_path_buf(), step, source };
    let mut temp = temp_file(path).map_err(fail(Step::Create))?;
    fill(temp.as_file_mut(), path, text).map_err(fail(Step::Write))?;
    // On error the temporary file comes back in the error and is removed when dropped.
    temp.persist(path).map(drop).map_err(|e| fail(Step::Replace)(e.error))
}

/// The directory `path` is in; `.` for a bare file name.
fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A new `.rewheel-XXXXXX.tmp` beside `path`, created as `fs::write` creates
/// a file (tempfile's own default is 0600: a report is not a secret).
fn temp_file(path: &Path) -> io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    if let Some(permissions) = new_file_permissions() {
        builder.permissions(permissions);
    }
    builder.tempfile_in(directory(path))
}

/// 0666, which `open` reduces by the umask, as for any file the user creates.
#[cfg(unix)]
fn new_file_permissions() -> Option<Permissions> {
    Some(std::os::unix::fs::PermissionsExt::from_mode(0o666))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<Permissions> {
    None
}

/// Write `text`, keep the permissions of the file it replaces (as writing in
/// place would), and sync, so that after a machine crash the renamed file
/// does not point at data that never reached the disk.
fn fill(file: &mut File, path: &Path, text: &str) -> io::Result<()> {
    file.write_all(text.as_bytes())?;
    if let Ok(existing) = std::fs::metadata(path) {
        file.set_permissions(existing.permissions())?;
    }
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_an_existing_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sarif");
        std::fs::write(&path, "x".repeat(10_000)).unwrap();
        write_atomic(&path, "{\"short\": true}\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"short\": true}\n");
        assert_eq!(names(dir.path()), ["r.sarif"], "no temporary file is left");
    }

    #[test]
    fn creates_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        write_atomic(&path, "{}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        assert_eq!(names(dir.path()), ["r.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_follow_the_umask_and_existing_ones_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // What fs::write gives a new file under this process's umask.
        let reference = dir.path().join("reference");
        std::fs::write(&reference, "").unwrap();
        let fresh = dir.path().join("fresh.sarif");
        write_atomic(&fresh, "new").unwrap();
        assert_eq!(mode(&fresh), mode(&reference), "not tempfile's 0600");

        let private = dir.path().join("private.json");
        std::fs::write(&private, "old").unwrap();
        std::fs::set_permissions(&private, Permissions::from_mode(0o640)).unwrap();
        write_atomic(&private, "new").unwrap();
        assert_eq!(mode(&private), 0o640);
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/r.sarif");
        let e = write_atomic(&path, "{}").unwrap_err();
        let message = e.to_string();
        assert!(message.starts_with(&format!("{}: ", path.display())), "{message}");
        assert!(message.contains("create the directory"), "{message}");
        assert!(!message.contains(TEMP_PREFIX), "the temporary file is no concern of the user's: {message}");
        assert_eq!(e.source.kind(), io::ErrorKind::NotFound);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        // A non-empty directory at the target: the rename fails after the write.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sarif");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), "").unwrap();
        let message = write_atomic(&path, "{}").unwrap_err().to_string();
        assert!(message.starts_with(&format!("{}: cannot replace it: ", path.display())), "{message}");
        assert_eq!(names(dir.path()), ["r.sarif"], "the temporary file is removed");
        assert_eq!(names(&path), ["keep"]);
    }

    #[test]
    fn a_bare_file_name_is_in_the_working_directory() {
        assert_eq!(directory(Path::new("r.sarif")), Path::new("."));
        assert_eq!(directory(Path::new("out/r.sarif")), Path::new("out"));
    }
}
