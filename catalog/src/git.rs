//! Read one commit of a git repository through the `git` command, so the
//! generator needs no work tree and no libgit2: a bare mirror is enough.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{Context, Result, bail};

/// A repository pinned to the commit its `HEAD` pointed at when opened.
pub struct Repo {
    pub git_dir: PathBuf,
    /// Full 40-hex commit id.
    pub commit: String,
    /// Commit date, `YYYY-MM-DD`.
    pub date: String,
    /// A `git cat-file --batch` process: one per repository instead of one
    /// `git show` per file (bitnami/charts alone has thousands of templates).
    batch: Option<Batch>,
}

struct Batch {
    child: Child,
    /// Taken (closed) on drop, which ends the process.
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

/// Is `dir` a git directory (bare clone or `.git`)?
pub fn is_git_dir(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir()
}

/// The mirror of `folder` (`owner+name`) under `mirrors`: `folder/repo` (bare,
/// or a clone whose `.git` is inside), else `folder` itself.
pub fn find_mirror(mirrors: &Path, folder: &str) -> Option<PathBuf> {
    let base = mirrors.join(folder);
    [base.join("repo"), base.join("repo").join(".git"), base.clone(), base.join(".git")]
        .into_iter()
        .find(|dir| is_git_dir(dir))
}

/// Run `git --git-dir DIR ARGS…` and return its stdout; an error names the command and git's message.
fn git(git_dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run git (is it installed?) for {}", git_dir.display()))?;
    if !output.status.success() {
        bail!(
            "git --git-dir {} {} failed: {}",
            git_dir.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

impl Repo {
    /// Resolve `HEAD` once; every later read uses that commit, so a mirror
    /// updated mid-run cannot mix two versions (and a branch named `HEAD`
    /// cannot make later reads ambiguous).
    pub fn open(git_dir: &Path) -> Result<Repo> {
        let commit = String::from_utf8(git(git_dir, &["rev-parse", "--verify", "HEAD^{commit}"])?)?.trim().to_string();
        if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("{}: HEAD resolves to {commit:?}, not a 40-hex commit id", git_dir.display());
        }
        let date = String::from_utf8(git(git_dir, &["log", "-1", "--format=%cs", &commit])?)?.trim().to_string();
        Ok(Repo { git_dir: git_dir.to_path_buf(), commit, date, batch: None })
    }

    /// Every file path of the commit, sorted.
    pub fn files(&self) -> Result<Vec<String>> {
        let out = git(&self.git_dir, &["ls-tree", "-r", "-z", "--name-only", &self.commit])?;
        let mut files: Vec<String> = out
            .split(|&b| b == 0)
            .filter(|path| !path.is_empty())
            .map(|path| String::from_utf8_lossy(path).into_owned())
            .collect();
        files.sort();
        Ok(files)
    }

    /// The text of `path` at the commit; an error when the blob is absent
    /// (some mirrors leave out large files) or not UTF-8.
    pub fn read(&mut self, path: &str) -> Result<String> {
        let bytes = self.blob(path).with_context(|| format!("{}: cannot read {path}", self.git_dir.display()))?;
        String::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8 text"))
    }

    fn blob(&mut self, path: &str) -> Result<Vec<u8>> {
        if path.contains('\n') {
            bail!("a path with a line break cannot be read through git cat-file --batch");
        }
        let spec = format!("{}:{path}\n", self.commit);
        let batch = self.batch()?;
        let stdin = batch.stdin.as_mut().context("git cat-file has ended")?;
        stdin.write_all(spec.as_bytes())?;
        stdin.flush()?;
        let mut header = String::new();
        batch.stdout.read_line(&mut header)?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        let size = match fields.as_slice() {
            [_, "blob", size] => size.parse::<usize>().context("git cat-file gave a bad size")?,
            _ => bail!("git cat-file: {}", header.trim()),
        };
        let mut content = vec![0; size + 1];
        batch.stdout.read_exact(&mut content)?;
        content.pop(); // the newline after each object
        Ok(content)
    }

    fn batch(&mut self) -> Result<&mut Batch> {
        if self.batch.is_none() {
            let mut child = Command::new("git")
                .arg("--git-dir")
                .arg(&self.git_dir)
                .args(["cat-file", "--batch"])
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .context("cannot run git cat-file --batch")?;
            let stdin = child.stdin.take().context("git cat-file has no stdin")?;
            let stdout = BufReader::new(child.stdout.take().context("git cat-file has no stdout")?);
            self.batch = Some(Batch { child, stdin: Some(stdin), stdout });
        }
        Ok(self.batch.as_mut().expect("just set"))
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Closing stdin ends git cat-file; wait so no zombie is left.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
