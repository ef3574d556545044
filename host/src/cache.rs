//! Compiled rule components, cached on disk.
//!
//! Compiling a component with Cranelift costs ~50 ms per 100 KB (seconds for a
//! componentize-py component); loading a precompiled one is a file map. Entries
//! are keyed by the component's SHA-256 and live under a directory named after
//! the engine's compatibility hash, so a different wasmtime or configuration
//! never loads an artifact it did not make.
//!
//! Location: `$REWHEEL_CACHE_DIR`, else `$XDG_CACHE_HOME/rewheel`, else
//! `~/.cache/rewheel`. `--no-cache` turns it off; `rewheel rules compile` fills
//! it ahead of a run.
//!
//! Stale entries: a cache hit refreshes the entry's modification time (at most
//! once a day, so a warm audit barely writes), and writing a new entry removes
//! the entries of this engine unused for [`MAX_AGE`] and the directories of
//! other engines, whose artifacts can never load again. A cache that only
//! hits is never cleaned: nothing new takes room.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Entries of the current engine unused this long are removed when a new entry is written.
pub const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A hit refreshes an entry's modification time once it is this old.
const TOUCH_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Where compiled components go, if anywhere.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    /// What `load_or_compile` did, by the component's SHA-256; clones share it,
    /// so `rewheel rules compile` can read what the sandbox's copy did.
    outcomes: Arc<Mutex<HashMap<String, Outcome>>>,
}

/// What [`Cache::load_or_compile`] did with one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Loaded from the cache.
    Hit,
    /// Compiled; `Err` says why it could not be stored.
    Compiled(Result<(), String>),
}

impl Cache {
    /// No caching.
    pub fn disabled() -> Cache {
        Cache::default()
    }

    /// The cache directory from the environment (see the module docs).
    pub fn from_env() -> Cache {
        let dir = std::env::var_os("REWHEEL_CACHE_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()).map(|d| PathBuf::from(d).join("rewheel"))
            })
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rewheel")));
        Cache { dir, ..Cache::default() }
    }

    /// A cache in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: Some(dir.into()), ..Cache::default() }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The cache directory, created now: for callers that are pointless
    /// without one (`rewheel rules compile`), so they can say why up front.
    pub fn create_dir(&self) -> Result<&Path, String> {
        let dir = self
            .dir()
            .ok_or("no cache directory: set REWHEEL_CACHE_DIR (or XDG_CACHE_HOME, or HOME for ~/.cache/rewheel)")?;
        std::fs::create_dir_all(dir.join("components")).map_err(|e| {
            format!("cannot create the cache directory {}: {e}; set REWHEEL_CACHE_DIR to a writable one", dir.display())
        })?;
        Ok(dir)
    }

    /// What the last `load_or_compile` of the component with this SHA-256 did;
    /// `None` when it was not loaded, or the cache is off.
    pub fn outcome(&self, sha256: &str) -> Option<Outcome> {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).get(sha256).cloned()
    }

    /// The compiled component for `bytes`: from the cache when present and
    /// loadable, else compiled (and stored, best effort: a read-only or full
    /// disk costs speed, never correctness).
    pub fn load_or_compile(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
        let Some(root) = &self.dir else { return Component::new(engine, bytes) };
        let sha = sha256_hex(bytes);
        let engine_dir = root.join("components").join(engine_key(engine));
        let path = engine_dir.join(format!("{sha}.cwasm"));
        if path.exists() {
            // SAFETY: the file was written by `precompile_component` of an engine
            // with this compatibility hash (its directory name), atomically (rename
            // after write), under a name that is the SHA-256 of its source; a file
            // that fails wasmtime's own header checks is recompiled below.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                touch(&path);
                self.record(sha, Outcome::Hit);
                return Ok(component);
            }
        }
        let compiled = engine.precompile_component(bytes)?;
        let stored = store(root, &engine_dir, &path, &compiled);
        self.record(sha, Outcome::Compiled(stored));
        // SAFETY: `compiled` was produced just now by this engine.
        unsafe { Component::deserialize(engine, &compiled) }
    }

    fn record(&self, sha256: String, outcome: Outcome) {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).insert(sha256, outcome);
    }
}

/// Write the entry atomically, then clean what can no longer be of use.
fn store(root: &Path, engine_dir: &Path, path: &Path, compiled: &[u8]) -> Result<(), String> {
    std::fs::create_dir_all(engine_dir).map_err(|e| format!("cannot create {}: {e}", engine_dir.display()))?;
    let tmp = engine_dir.join(format!(".{}.{}.tmp", path.file_name().unwrap().to_string_lossy(), std::process::id()));
    let written = std::fs::write(&tmp, compiled).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    prune(engine_dir, path);
    // Artifacts of other engines can never load again: clean them.
    if let Ok(entries) = std::fs::read_dir(root.join("components")) {
        for entry in entries.flatten() {
            if entry.path() != engine_dir && entry.path().is_dir() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(())
}

/// Remove the files of `engine_dir` unused for [`MAX_AGE`]: entries of rule
/// components no longer run, and leftovers of interrupted writes. A concurrent
/// run that loses an entry this way recompiles it.
fn prune(engine_dir: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(engine_dir) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let stale = meta.modified().is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > MAX_AGE));
        if stale && meta.is_file() && entry.path() != keep {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Mark an entry as used, so [`prune`] keeps it.
fn touch(path: &Path) {
    let recent = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < TOUCH_AFTER));
    if !recent && let Ok(file) = std::fs::File::options().write(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// A short, stable name for the engine's compatibility hash.
fn engine_key(engine: &Engine) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("engine-{:016x}", hasher.finish())
}

/// The SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component: the preamble of an empty one, then a custom
    /// section named `tag`, so different tags are different components.
    fn component(tag: &str) -> Vec<u8> {
        let mut bytes = b"\0asm\x0d\x00\x01\x00".to_vec();
        bytes.extend([0, tag.len() as u8 + 1, tag.len() as u8]);
        bytes.extend(tag.as_bytes());
        bytes
    }

    fn engine_dir(cache: &Path, engine: &Engine) -> PathBuf {
        cache.join("components").join(engine_key(engine))
    }

    fn set_age(path: &Path, age: Duration) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    fn age(path: &Path) -> Duration {
        std::fs::metadata(path).unwrap().modified().unwrap().elapsed().unwrap_or_default()
    }

    const HOUR: Duration = Duration::from_secs(60 * 60);
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    #[test]
    fn outcomes_say_compiled_then_hit() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, engine, bytes) = (Cache::at(dir.path()), Engine::default(), component("a"));
        let sha = sha256_hex(&bytes);
        assert_eq!(cache.outcome(&sha), None);
        cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(cache.outcome(&sha), Some(Outcome::Compiled(Ok(()))));
        assert!(engine_dir(dir.path(), &engine).join(format!("{sha}.cwasm")).is_file());
        // A clone (the sandbox's) records into the same outcomes.
        cache.clone().load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(cache.outcome(&sha), Some(Outcome::Hit));
    }

    #[test]
    fn a_write_removes_stale_entries_and_other_engines() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, engine) = (Cache::at(dir.path()), Engine::default());
        let used = component("used");
        cache.load_or_compile(&engine, &used).unwrap();
        let here = engine_dir(dir.path(), &engine);
        let used_entry = here.join(format!("{}.cwasm", sha256_hex(&used)));
        let (stale, recent) = (here.join("stale.cwasm"), here.join("recent.cwasm"));
        let abandoned = here.join(".abandoned.cwasm.1.tmp");
        for f in [&stale, &recent, &abandoned] {
            std::fs::write(f, b"x").unwrap();
        }
        set_age(&stale, 60 * DAY);
        set_age(&abandoned, 60 * DAY);
        set_age(&recent, 29 * DAY);
        set_age(&used_entry, 60 * DAY);
        let other = dir.path().join("components/engine-0000000000000000");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("x.cwasm"), b"x").unwrap();

        // A hit refreshes the old entry; a hit alone removes nothing.
        cache.load_or_compile(&engine, &used).unwrap();
        assert!(age(&used_entry) < DAY, "a hit refreshes the entry's mtime");
        assert!(stale.exists() && other.exists());

        cache.load_or_compile(&engine, &component("new")).unwrap();
        assert!(!stale.exists(), "an entry unused for 60 days is removed");
        assert!(!abandoned.exists(), "an abandoned temporary file is removed");
        assert!(recent.exists() && used_entry.exists(), "entries used within 30 days stay");
        assert!(!other.exists(), "another engine's directory is removed");
    }

    #[test]
    fn a_recent_hit_does_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, engine, bytes) = (Cache::at(dir.path()), Engine::default(), component("a"));
        cache.load_or_compile(&engine, &bytes).unwrap();
        let entry = engine_dir(dir.path(), &engine).join(format!("{}.cwasm", sha256_hex(&bytes)));
        set_age(&entry, 3 * HOUR);
        cache.load_or_compile(&engine, &bytes).unwrap();
        assert!(age(&entry) > 2 * HOUR, "an entry used today is not touched again");
    }

    #[test]
    fn an_unwritable_cache_says_why() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let cache = Cache::at(file.path());
        assert!(cache.create_dir().unwrap_err().contains("cannot create the cache directory"));
        let bytes = component("a");
        cache.load_or_compile(&Engine::default(), &bytes).unwrap();
        let Some(Outcome::Compiled(Err(why))) = cache.outcome(&sha256_hex(&bytes)) else { panic!("not compiled") };
        assert!(why.contains("cannot create"), "{why}");
        assert!(Cache::disabled().create_dir().unwrap_err().contains("REWHEEL_CACHE_DIR"));
    }
}
