//! `rewheel.lock`: the SHA-256 of every rule component a repository runs.
//!
//! `rewheel rules lock` writes it beside rewheel.toml; `--locked` makes a run
//! refuse any component whose digest is not in it (a changed third-party
//! rule, or a rewheel upgrade whose built-in pack changed), so CI runs only
//! reviewed rule code. Entries are matched by digest: moving a `.wasm` file
//! does not unlock it, and changing one byte does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cache::sha256_hex;
use crate::config::LoadedConfig;
use crate::report::ErrorEntry;
use crate::rulepack::RuleSource;

pub const FILE_NAME: &str = "rewheel.lock";
pub const LOCK_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct LockFile {
    version: u32,
    #[serde(default, rename = "component")]
    components: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    sha256: String,
}

/// A loaded lock: digest → the name it was locked under.
#[derive(Debug, Clone, Default)]
pub struct Lock {
    pub path: PathBuf,
    pub digests: BTreeMap<String, String>,
}

/// Where the lock lives: beside rewheel.toml, else in the working directory.
pub fn path_for(config: &LoadedConfig) -> PathBuf {
    match config.path.as_deref().and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(FILE_NAME),
        _ => PathBuf::from(FILE_NAME),
    }
}

/// The lock text for `sources`, sorted by name.
pub fn render(sources: &[RuleSource]) -> String {
    let mut entries: Vec<Entry> =
        sources.iter().map(|s| Entry { name: s.name.clone(), sha256: sha256_hex(&s.bytes) }).collect();
    entries.sort();
    entries.dedup();
    let body = toml::to_string(&LockFile { version: LOCK_VERSION, components: entries }).expect("lock serialises");
    format!(
        "# rewheel.lock: the rule components this repository runs, by SHA-256.\n# Written by `rewheel rules lock`; `rewheel audit --locked` refuses any other component.\n{body}"
    )
}

/// Read a lock file; errors say what to do.
pub fn load(path: &Path) -> Result<Lock, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the lock ({e}); write it with `rewheel rules lock`", path.display()))?;
    let file: LockFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        format!("{}:{}: {}", path.display(), line.unwrap_or(1), e.message())
    })?;
    if file.version != LOCK_VERSION {
        return Err(format!(
            "{}: lock version {} is not supported (this rewheel writes version {LOCK_VERSION}); run `rewheel rules lock`",
            path.display(),
            file.version
        ));
    }
    Ok(Lock { path: path.to_path_buf(), digests: file.components.into_iter().map(|e| (e.sha256, e.name)).collect() })
}

/// Keep the sources whose digest the lock holds; an error for each other one.
pub fn enforce(lock: &Lock, sources: Vec<RuleSource>) -> (Vec<RuleSource>, Vec<ErrorEntry>) {
    let mut kept = Vec::new();
    let mut errors = Vec::new();
    for source in sources {
        let digest = sha256_hex(&source.bytes);
        if lock.digests.contains_key(&digest) {
            kept.push(source);
        } else {
            let was = if lock.digests.values().any(|n| n == &source.name) {
                " (it is locked with another digest: the component changed)"
            } else {
                ""
            };
            errors.push(ErrorEntry::rule(
                &source.name,
                format!(
                    "sha256 {digest} is not in {}{was}; refused under --locked. Review the component, then run `rewheel rules lock`",
                    lock.path.display()
                ),
            ));
        }
    }
    (kept, errors)
}
