//! Compiled rule components, cached on disk.
//!
//! Compiling a component with Cranelift costs ~50 ms per 100 KB (seconds for a
//! componentize-py component); loading a precompiled one is a file map. Entries
//! are keyed by the component's SHA-256 and live under a directory named after
//! the engine's compatibility hash, so a different wasmtime or configuration
//! never loads an artifact it did not make; directories of other engines are
//! removed when a new entry is written.
//!
//! Location: `$REWHEEL_CACHE_DIR`, else `$XDG_CACHE_HOME/rewheel`, else
//! `~/.cache/rewheel`. `--no-cache` turns it off.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components go, if anywhere.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
}

impl Cache {
    /// No caching.
    pub fn disabled() -> Cache {
        Cache { dir: None }
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
        Cache { dir }
    }

    /// A cache in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: Some(dir.into()) }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The compiled component for `bytes`: from the cache when present and
    /// loadable, else compiled (and stored, best effort: a read-only or full
    /// disk costs speed, never correctness).
    pub fn load_or_compile(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
        let Some(root) = &self.dir else { return Component::new(engine, bytes) };
        let engine_dir = root.join("components").join(engine_key(engine));
        let path = engine_dir.join(format!("{}.cwasm", sha256_hex(bytes)));
        if path.exists() {
            // SAFETY: the file was written by `precompile_component` of an engine
            // with this compatibility hash (its directory name), atomically (rename
            // after write), under a name that is the SHA-256 of its source; a file
            // that fails wasmtime's own header checks is recompiled below.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok(component);
            }
        }
        let compiled = engine.precompile_component(bytes)?;
        store(root, &engine_dir, &path, &compiled);
        // SAFETY: `compiled` was produced just now by this engine.
        unsafe { Component::deserialize(engine, &compiled) }
    }
}

fn store(root: &Path, engine_dir: &Path, path: &Path, compiled: &[u8]) {
    if std::fs::create_dir_all(engine_dir).is_err() {
        return;
    }
    let tmp = engine_dir.join(format!(".{}.{}.tmp", path.file_name().unwrap().to_string_lossy(), std::process::id()));
    if std::fs::write(&tmp, compiled).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    // Artifacts of other engines can never load again: clean them.
    if let Ok(entries) = std::fs::read_dir(root.join("components")) {
        for entry in entries.flatten() {
            if entry.path() != engine_dir && entry.path().is_dir() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
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
