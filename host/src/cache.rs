//! Compiled rule components, cached on disk.
//!
//! Compiling a component with Cranelift costs ~50 ms per 100 KB (seconds for a
//! componentize-py component); loading a precompiled one is a file read. Entries
//! are keyed by the component's SHA-256 and live under a directory named after
//! the engine's compatibility hash, so a different wasmtime or configuration
//! never loads an artifact it did not make.
//!
//! Location: `$REWHEEL_CACHE_DIR`, else `$XDG_CACHE_HOME/rewheel`, else
//! `~/.cache/rewheel`. `--no-cache` turns it off; `rewheel rules compile` fills
//! it ahead of a run.
//!
//! Trust: an entry is native code that runs in this process, outside the
//! sandbox, and wasmtime checks nothing of it beyond a header. So an entry
//! loads only when it proves to be this host's own output: each carries an
//! HMAC-SHA256 under a per-user key kept outside the cache directory
//! (`$REWHEEL_CACHE_KEY`, else `$XDG_CONFIG_HOME/rewheel/cache.key`, else
//! `~/.config/rewheel/cache.key`; 32 bytes, made from OS randomness with mode
//! 0600 on first use). The file is read once, checked, and those same bytes are
//! deserialised, so nothing can swap it in between. An entry that fails (restored
//! from another machine, tampered with, truncated, torn, of an older format) is
//! never run: it is compiled afresh and rewritten, with a warning naming it and
//! why. A cache directory owned by someone else or writable by group or others
//! (the rule ssh applies to `~/.ssh`), or a key file that is not the user's own
//! with mode 0600, is not used at all: the run compiles in memory and warns.
//! Warnings collect here and the binary prints them to stderr when its command
//! is done ([`take_warnings`]): they are about this machine, and the report
//! stays the same whatever the cache held.
//!
//! Entry format, `<engine dir>/<sha256>.cwasm`:
//!
//! | bytes  | what |
//! |--------|------|
//! | 0..8   | magic `rewheel\0` |
//! | 8..12  | format version, u32 little-endian ([`FORMAT`]) |
//! | 12..20 | length of the artifact, u64 little-endian |
//! | 20..52 | HMAC-SHA256 tag |
//! | 52..   | the artifact (`Engine::precompile_component`) |
//!
//! The tag covers a domain string, the format version, the entry's name
//! (`engine-<hash>/<sha256>.cwasm`, so an entry renamed to another component or
//! engine fails) and the artifact, each length-prefixed. Entries are written to
//! a new temporary file in the same directory, then renamed into place.
//!
//! Stale entries: a cache hit refreshes the entry's modification time (at most
//! once a day, so a warm audit barely writes), and writing a new entry removes
//! the entries of this engine unused for [`MAX_AGE`] and the directories of
//! other engines, whose artifacts can never load again. A cache that only
//! hits is never cleaned: nothing new takes room.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Entries of the current engine unused this long are removed when a new entry is written.
pub const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A hit refreshes an entry's modification time once it is this old.
const TOUCH_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The first bytes of every entry: what an older rewheel wrote (a bare
/// wasmtime artifact, an ELF file) never starts so.
const MAGIC: &[u8; 8] = b"rewheel\0";

/// The entry format version; a change makes every older entry recompile.
pub const FORMAT: u32 = 1;

/// Magic, version, artifact length, tag.
const HEADER: usize = 8 + 4 + 8 + 32;

/// What the tag is about, so it can never be taken for another use of the key.
const DOMAIN: &[u8] = b"rewheel compile cache entry\0";

/// Bytes in the key file.
const KEY_LEN: usize = 32;

/// Why the run goes on without the cache, after a refused directory or key.
const WITHOUT: &str = "running without the compile cache (compiling in memory)";

/// Where compiled components go, if anywhere.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    /// Where the key lives; `None` when the environment names no place.
    key_file: Option<PathBuf>,
    /// The key, read or made on first use; clones share it, so a run reads it once.
    key: Arc<OnceLock<Result<Key, String>>>,
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

/// The per-user secret that entries are tagged with.
struct Key([u8; KEY_LEN]);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(..)")
    }
}

/// One entry: its file, and the name its tag binds it to.
struct Entry {
    path: PathBuf,
    name: String,
}

/// Why an entry was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rejection {
    /// No `rewheel` header: an older rewheel's entry, or not rewheel's.
    Foreign,
    /// Another entry format version.
    Version(u32),
    /// Shorter than its header.
    Truncated,
    /// The artifact is not as long as the header says.
    Length {
        have: u64,
        want: u64,
    },
    /// The tag does not check out under this host's key.
    Mac,
    Unreadable(String),
    /// Checked, but wasmtime refused it.
    Refused(String),
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Foreign => {
                write!(
                    f,
                    "not in rewheel's entry format (no `rewheel` header: an older rewheel's entry, or not rewheel's)"
                )
            }
            Rejection::Version(v) => write!(f, "entry format {v}, not {FORMAT} (another rewheel's)"),
            Rejection::Truncated => write!(f, "truncated: shorter than its {HEADER}-byte header"),
            Rejection::Length { have, want } if have < want => {
                write!(f, "truncated: {have} bytes of the {want} its header announces")
            }
            Rejection::Length { have, want } => write!(f, "{have} bytes where its header announces {want}"),
            Rejection::Mac => write!(
                f,
                "its MAC does not match this host's key: changed since this host wrote it, or made under another key (another machine, user or CI run)"
            ),
            Rejection::Unreadable(e) => write!(f, "cannot be read: {e}"),
            Rejection::Refused(e) => write!(f, "its MAC matches, but wasmtime refused it: {e}"),
        }
    }
}

impl Cache {
    /// No caching.
    pub fn disabled() -> Cache {
        Cache::default()
    }

    /// The cache directory and key file from the environment (see the module docs).
    pub fn from_env() -> Cache {
        let dir = std::env::var_os("REWHEEL_CACHE_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()).map(|d| PathBuf::from(d).join("rewheel"))
            })
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rewheel")));
        Cache { dir, key_file: key_file_from_env(), ..Cache::default() }
    }

    /// A cache in `dir`, its entries tagged with the key in `key_file`.
    pub fn at(dir: impl Into<PathBuf>, key_file: impl Into<PathBuf>) -> Cache {
        Cache { dir: Some(dir.into()), key_file: Some(key_file.into()), ..Cache::default() }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The cache directory, created now and checked (owner, mode, key): for
    /// callers that are pointless without one (`rewheel rules compile`), so
    /// they can say why up front.
    pub fn create_dir(&self) -> Result<&Path, String> {
        let dir = self
            .dir()
            .ok_or("no cache directory: set REWHEEL_CACHE_DIR (or XDG_CACHE_HOME, or HOME for ~/.cache/rewheel)")?;
        let cannot = |e: std::io::Error| {
            format!("cannot create the cache directory {}: {e}; set REWHEEL_CACHE_DIR to a writable one", dir.display())
        };
        make_dir(dir).map_err(cannot)?;
        trusted_dir(dir)?;
        let components = dir.join("components");
        make_dir(&components).map_err(cannot)?;
        self.check(dir, &components)?;
        Ok(dir)
    }

    /// What the last `load_or_compile` of the component with this SHA-256 did;
    /// `None` when it was not loaded, or the cache is off.
    pub fn outcome(&self, sha256: &str) -> Option<Outcome> {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).get(sha256).cloned()
    }

    /// The compiled component for `bytes`: from the cache when its entry is
    /// this host's own, else compiled (and stored, best effort: a read-only or
    /// full disk costs speed, never correctness).
    pub fn load_or_compile(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
        let Some(root) = &self.dir else { return Component::new(engine, bytes) };
        let sha = sha256_hex(bytes);
        let engine_name = engine_key(engine);
        let engine_dir = root.join("components").join(&engine_name);
        let key = match self.ready(root, &engine_dir) {
            Ok(key) => key,
            Err(why) => {
                self.record(sha, Outcome::Compiled(Err(why)));
                return Component::new(engine, bytes);
            }
        };
        let entry = Entry { path: engine_dir.join(format!("{sha}.cwasm")), name: format!("{engine_name}/{sha}.cwasm") };
        if let Some(component) = load(engine, key, &entry) {
            touch(&entry.path);
            self.record(sha, Outcome::Hit);
            return Ok(component);
        }
        let compiled = engine.precompile_component(bytes)?;
        let stored = store(root, &engine_dir, &entry, key, &compiled);
        self.record(sha, Outcome::Compiled(stored));
        // SAFETY: `compiled` was produced just now by this engine.
        unsafe { Component::deserialize(engine, &compiled) }
    }

    /// The key, once the cache directory exists and it and the key may be
    /// trusted; a refusal is also a warning (said once per process), since the
    /// run goes on slower, and only an unwritable place stays quiet, as before.
    fn ready(&self, root: &Path, engine_dir: &Path) -> Result<&Key, String> {
        make_dir(root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
        self.check(root, engine_dir).inspect_err(|why| warn(format!("{why}; {WITHOUT}")))
    }

    /// The directories from `root` down to `dir` (those that exist) are this
    /// user's alone, and so is the key: then the key is the one to use.
    fn check(&self, root: &Path, dir: &Path) -> Result<&Key, String> {
        let mut dirs: Vec<&Path> = dir.ancestors().take_while(|d| d.starts_with(root)).collect();
        dirs.reverse();
        dirs.into_iter().try_for_each(trusted_dir)?;
        self.key(root)
    }

    /// The key, read (or made) on first use.
    fn key(&self, root: &Path) -> Result<&Key, String> {
        self.key.get_or_init(|| load_key(self.key_file.as_deref(), root)).as_ref().map_err(String::clone)
    }

    fn record(&self, sha256: String, outcome: Outcome) {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).insert(sha256, outcome);
    }
}

/// The key file the environment names: `$REWHEEL_CACHE_KEY` (so tests and CI
/// images can place it), else under `$XDG_CONFIG_HOME` or `~/.config`: a
/// config directory, never the cache directory that a CI cache may restore.
fn key_file_from_env() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("REWHEEL_CACHE_KEY")
        .or_else(|| var("XDG_CONFIG_HOME").map(|d| d.join("rewheel/cache.key")))
        .or_else(|| var("HOME").map(|h| h.join(".config/rewheel/cache.key")))
}

/// What the cache had to say in this process, deduplicated. A command may make
/// several `Cache`s and compile on many threads; the binary prints these once,
/// sorted, when the command is done, so their order never depends on timing.
static WARNINGS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn warn(message: String) {
    WARNINGS.lock().unwrap_or_else(|e| e.into_inner()).insert(message);
}

/// The warnings so far, sorted; taken, so each is printed once.
pub fn take_warnings() -> Vec<String> {
    std::mem::take(&mut *WARNINGS.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect()
}

/// The component in `entry`, if it is this host's own: the file is read once,
/// its tag checked, and those same bytes deserialised. `None` (with a warning,
/// unless there is no entry) means compile it.
fn load(engine: &Engine, key: &Key, entry: &Entry) -> Option<Component> {
    let bytes = match std::fs::read(&entry.path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return reject(entry, Rejection::Unreadable(e.to_string())),
    };
    let artifact = match open(key, &entry.name, &bytes) {
        Ok(artifact) => artifact,
        Err(why) => return reject(entry, why),
    };
    // SAFETY: `artifact` carries this host's tag for this entry's name: it is
    // what `precompile_component` of an engine with this compatibility hash (the
    // directory in the name) made for this component (the SHA-256 in the name),
    // byte for byte, and it is the buffer that was checked, not the file again.
    match unsafe { Component::deserialize(engine, artifact) } {
        Ok(component) => Some(component),
        Err(e) => reject(entry, Rejection::Refused(format!("{e:#}").replace('\n', " "))),
    }
}

/// Warn that `entry` was not loaded, and why.
fn reject(entry: &Entry, why: Rejection) -> Option<Component> {
    warn(format!("compile cache entry {}: {why}; not loaded: compiled afresh instead", entry.path.display()));
    None
}

/// The artifact in an entry's bytes, if its header is this format's and its
/// tag is this key's for `name`.
fn open<'a>(key: &Key, name: &str, entry: &'a [u8]) -> Result<&'a [u8], Rejection> {
    let Some(header) = entry.get(..HEADER) else {
        let torn = entry.starts_with(MAGIC) || MAGIC.starts_with(entry);
        return Err(if torn { Rejection::Truncated } else { Rejection::Foreign });
    };
    if !header.starts_with(MAGIC) {
        return Err(Rejection::Foreign);
    }
    let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if version != FORMAT {
        return Err(Rejection::Version(version));
    }
    let want = u64::from_le_bytes(header[12..20].try_into().expect("8 bytes"));
    let artifact = &entry[HEADER..];
    if artifact.len() as u64 != want {
        return Err(Rejection::Length { have: artifact.len() as u64, want });
    }
    tag(key, name, artifact).verify_slice(&header[20..]).map_err(|_| Rejection::Mac)?;
    Ok(artifact)
}

/// The header that makes `artifact` the entry `name` under `key`.
fn header(key: &Key, name: &str, artifact: &[u8]) -> Vec<u8> {
    let mut header = Vec::with_capacity(HEADER);
    header.extend(MAGIC);
    header.extend(FORMAT.to_le_bytes());
    header.extend((artifact.len() as u64).to_le_bytes());
    header.extend(tag(key, name, artifact).finalize().into_bytes());
    header
}

/// The MAC of `artifact` as the entry `name`, each part length-prefixed so no
/// two (name, artifact) pairs feed it the same bytes.
fn tag(key: &Key, name: &str, artifact: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.0).expect("HMAC takes a key of any length");
    mac.update(DOMAIN);
    mac.update(&FORMAT.to_le_bytes());
    for part in [name.as_bytes(), artifact] {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part);
    }
    mac
}

/// Write the entry atomically, then clean what can no longer be of use.
fn store(root: &Path, engine_dir: &Path, entry: &Entry, key: &Key, compiled: &[u8]) -> Result<(), String> {
    make_dir(engine_dir).map_err(|e| format!("cannot create {}: {e}", engine_dir.display()))?;
    let path = &entry.path;
    let tmp = temporary(path);
    let header = header(key, &entry.name, compiled);
    let written = write_new(&tmp, 0o644, &[&header, compiled]).and_then(|_| std::fs::rename(&tmp, path));
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

/// A temporary name beside `path`, for this process and call: threads writing
/// the same file never share one.
fn temporary(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// A new file at `path` with `mode`, holding `parts`: created afresh, never
/// written through a file or link already there (a leftover of a run that
/// died with this process id is removed first).
fn write_new(path: &Path, mode: u32, parts: &[&[u8]]) -> std::io::Result<std::fs::File> {
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(path)?;
    for part in parts {
        file.write_all(part)?;
    }
    Ok(file)
}

/// Create `dir` and its missing parents, writable by this user only whatever
/// the umask, so that the cache never refuses a directory it made itself.
fn make_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o755).create(dir)
}

/// `dir` may hold code this process runs only if no one else can write there:
/// owned by this user, and not writable by group or others. A directory not
/// made yet is fine: [`make_dir`] makes it so.
fn trusted_dir(dir: &Path) -> Result<(), String> {
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot check the compile cache directory {}: {e}", dir.display())),
    };
    let what = "the compile cache directory";
    owned_by_me(&meta, dir, what, "use a directory of your own (REWHEEL_CACHE_DIR)")?;
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{what} {} is writable by {} (mode {:04o}): whoever can write there could plant native code that every later run executes; run `chmod go-w {}`",
            dir.display(),
            if meta.mode() & 0o020 != 0 { "its group" } else { "others" },
            meta.mode() & 0o7777,
            dir.display()
        ));
    }
    Ok(())
}

/// Refuse what another user owns: they could change it at will.
fn owned_by_me(meta: &std::fs::Metadata, path: &Path, what: &str, remedy: &str) -> Result<(), String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(format!(
            "{what} {} is owned by uid {}, not by the user running rewheel (uid {me}): {remedy}",
            path.display(),
            meta.uid()
        ));
    }
    Ok(())
}

/// The key in `file`, made now if there is none; refused when it lies in the
/// cache directory `root` (a restored cache would bring its own key).
fn load_key(file: Option<&Path>, root: &Path) -> Result<Key, String> {
    let file = file.ok_or(
        "no place for the compile cache key: set REWHEEL_CACHE_KEY (or XDG_CONFIG_HOME, or HOME for ~/.config/rewheel/cache.key)",
    )?;
    if inside(file, root) {
        return Err(format!(
            "the compile cache key {} lies in the cache directory {}: whoever restores the cache would bring the key with it; keep it elsewhere (REWHEEL_CACHE_KEY)",
            file.display(),
            root.display()
        ));
    }
    match read_key(file)? {
        Some(key) => Ok(key),
        None => make_key(file),
    }
}

/// The key in `file`; `None` when there is none. Checked on the open file, so
/// what is checked is what is read.
fn read_key(file: &Path) -> Result<Option<Key>, String> {
    let shown = file.display();
    let mut handle = match std::fs::File::open(file) {
        Ok(handle) => handle,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the compile cache key {shown}: {e}")),
    };
    let meta = handle.metadata().map_err(|e| format!("cannot read the compile cache key {shown}: {e}"))?;
    let what = "the compile cache key";
    if !meta.is_file() {
        return Err(format!("{what} {shown} is not a file"));
    }
    owned_by_me(&meta, file, what, "make your own (REWHEEL_CACHE_KEY names where)")?;
    if meta.mode() & 0o077 != 0 {
        return Err(format!(
            "{what} {shown} is open to others (mode {:04o}): whoever can read or change it can forge cache entries; run `chmod 600 {shown}`",
            meta.mode() & 0o7777
        ));
    }
    let mut key = [0; KEY_LEN];
    if meta.len() != KEY_LEN as u64 || handle.read_exact(&mut key).is_err() {
        return Err(format!(
            "{what} {shown} is not a {KEY_LEN}-byte file: remove it and a new one is made (entries made under the old one are then recompiled)"
        ));
    }
    Ok(Some(Key(key)))
}

/// A new key from OS randomness, written with mode 0600 beside `file` and
/// linked into place: of two runs making one at once, one links it and the
/// other reads it; no run ever sees half a key.
fn make_key(file: &Path) -> Result<Key, String> {
    let failed = |e: &dyn fmt::Display| format!("cannot create the compile cache key {}: {e}", file.display());
    let mut key = [0; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| failed(&e))?;
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| failed(&e))?;
    let tmp = temporary(file);
    let linked = write_new(&tmp, 0o600, &[&key])
        .and_then(|written| written.sync_all())
        .and_then(|()| std::fs::hard_link(&tmp, file));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(Key(key)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key(file)?.ok_or_else(|| failed(&"it vanished"))
        }
        Err(e) => Err(failed(&e)),
    }
}

/// Whether `file` lies in `dir`, both resolved as far as they exist.
fn inside(file: &Path, dir: &Path) -> bool {
    let resolve = |p: &Path| {
        p.canonicalize()
            .ok()
            .or_else(|| Some(p.parent()?.canonicalize().ok()?.join(p.file_name()?)))
            .unwrap_or_else(|| p.to_path_buf())
    };
    resolve(file).starts_with(resolve(dir))
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
    use std::fs::Permissions;
    use std::os::unix::fs::PermissionsExt;

    /// The smallest component: the preamble of an empty one, then a custom
    /// section named `tag`, so different tags are different components.
    fn component(tag: &str) -> Vec<u8> {
        let mut bytes = b"\0asm\x0d\x00\x01\x00".to_vec();
        bytes.extend([0, tag.len() as u8 + 1, tag.len() as u8]);
        bytes.extend(tag.as_bytes());
        bytes
    }

    /// A cache in a new temporary directory, `<tmp>/cache`, its key beside it
    /// in `<tmp>/cache.key`.
    fn fresh() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"), dir.path().join("cache.key"));
        (dir, cache)
    }

    fn engine_dir(cache: &Cache, engine: &Engine) -> PathBuf {
        cache.dir().unwrap().join("components").join(engine_key(engine))
    }

    fn entry_path(cache: &Cache, engine: &Engine, bytes: &[u8]) -> PathBuf {
        engine_dir(cache, engine).join(format!("{}.cwasm", sha256_hex(bytes)))
    }

    /// Whether some warning so far holds `needle` (tests run at once, each
    /// with its own temporary paths, so a warning is found by its path).
    fn warned(needle: &str) -> bool {
        WARNINGS.lock().unwrap().iter().any(|w| w.contains(needle))
    }

    /// The reason `load_or_compile` could not use the cache for `bytes`.
    fn refusal(cache: &Cache, bytes: &[u8]) -> String {
        cache.load_or_compile(&Engine::default(), bytes).unwrap();
        match cache.outcome(&sha256_hex(bytes)) {
            Some(Outcome::Compiled(Err(why))) => why,
            other => panic!("the cache was used: {other:?}"),
        }
    }

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, Permissions::from_mode(mode)).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().mode() & 0o7777
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
    const KEY: Key = Key([7; KEY_LEN]);

    /// An entry as `store` writes it.
    fn sealed(key: &Key, name: &str, artifact: &[u8]) -> Vec<u8> {
        let mut entry = header(key, name, artifact);
        entry.extend(artifact);
        entry
    }

    #[test]
    fn an_entry_opens_only_under_its_own_name_and_key() {
        let artifact = b"\x7fELF stands for an artifact".repeat(10);
        let entry = sealed(&KEY, "engine-1/a.cwasm", &artifact);
        assert_eq!(entry.len(), HEADER + artifact.len());
        assert!(entry.starts_with(b"rewheel\0\x01\0\0\0"), "magic, then format 1");
        assert_eq!(open(&KEY, "engine-1/a.cwasm", &entry), Ok(&artifact[..]));
        assert_eq!(open(&KEY, "engine-1/b.cwasm", &entry), Err(Rejection::Mac), "renamed to another component");
        assert_eq!(open(&KEY, "engine-2/a.cwasm", &entry), Err(Rejection::Mac), "moved to another engine");
        assert_eq!(open(&Key([8; KEY_LEN]), "engine-1/a.cwasm", &entry), Err(Rejection::Mac), "another key");
    }

    #[test]
    fn every_changed_byte_is_caught() {
        let (name, artifact) = ("engine-1/a.cwasm", vec![0x5a; 200]);
        let entry = sealed(&KEY, name, &artifact);
        for at in 0..entry.len() {
            let mut changed = entry.clone();
            changed[at] ^= 0x01;
            let why = open(&KEY, name, &changed).expect_err("a changed byte is caught");
            let expected = match at {
                0..8 => Rejection::Foreign,
                8 => Rejection::Version(0),
                9..12 => Rejection::Version(1 | (1 << (8 * (at - 8)))),
                12..20 => Rejection::Length { have: 200, want: 200 ^ (1 << (8 * (at - 12))) },
                _ => Rejection::Mac,
            };
            assert_eq!(why, expected, "byte {at}");
        }
    }

    #[test]
    fn truncated_and_older_entries_say_so() {
        let entry = sealed(&KEY, "n", &[1; 100]);
        for len in [0, 5, 8, 30, HEADER - 1] {
            assert_eq!(open(&KEY, "n", &entry[..len]), Err(Rejection::Truncated), "{len} bytes");
        }
        assert_eq!(open(&KEY, "n", &entry[..HEADER + 40]), Err(Rejection::Length { have: 40, want: 100 }));
        assert_eq!(
            open(&KEY, "n", &[&entry[..], &[0u8][..]].concat()),
            Err(Rejection::Length { have: 101, want: 100 })
        );
        // What an older rewheel wrote: the bare artifact, an ELF file.
        let older = Engine::default().precompile_component(&component("older")).unwrap();
        assert!(older.starts_with(b"\x7fELF"));
        assert_eq!(open(&KEY, "n", &older), Err(Rejection::Foreign));
        assert_eq!(open(&KEY, "n", b"\x7fELF"), Err(Rejection::Foreign));
        let said = Rejection::Length { have: 40, want: 100 }.to_string();
        assert!(said.starts_with("truncated: 40 bytes of the 100"), "{said}");
    }

    #[test]
    fn outcomes_say_compiled_then_hit() {
        let (_dir, cache) = fresh();
        let (engine, bytes) = (Engine::default(), component("a"));
        let sha = sha256_hex(&bytes);
        assert_eq!(cache.outcome(&sha), None);
        cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(cache.outcome(&sha), Some(Outcome::Compiled(Ok(()))));
        assert!(entry_path(&cache, &engine, &bytes).is_file());
        // A clone (the sandbox's) records into the same outcomes.
        cache.clone().load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(cache.outcome(&sha), Some(Outcome::Hit));
    }

    #[test]
    fn a_changed_entry_is_named_recompiled_and_rewritten() {
        let (_dir, cache) = fresh();
        let (engine, bytes) = (Engine::default(), component("changed"));
        let sha = sha256_hex(&bytes);
        cache.load_or_compile(&engine, &bytes).unwrap();
        let path = entry_path(&cache, &engine, &bytes);
        let mut changed = std::fs::read(&path).unwrap();
        let middle = changed.len() / 2;
        changed[middle..middle + 64].iter_mut().for_each(|b| *b ^= 0xff);
        std::fs::write(&path, &changed).unwrap();

        cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(cache.outcome(&sha), Some(Outcome::Compiled(Ok(()))), "compiled, not loaded");
        assert!(warned(&format!("compile cache entry {}: its MAC does not match", path.display())));
        assert_ne!(std::fs::read(&path).unwrap(), changed, "rewritten");
        cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(cache.outcome(&sha), Some(Outcome::Hit), "the rewritten entry loads");
    }

    #[test]
    fn an_older_entry_is_recompiled() {
        let (_dir, cache) = fresh();
        let (engine, bytes) = (Engine::default(), component("older"));
        cache.load_or_compile(&engine, &bytes).unwrap();
        let path = entry_path(&cache, &engine, &bytes);
        let bare = std::fs::read(&path).unwrap()[HEADER..].to_vec();
        std::fs::write(&path, &bare).unwrap();
        cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(cache.outcome(&sha256_hex(&bytes)), Some(Outcome::Compiled(Ok(()))));
        assert!(warned(&format!("compile cache entry {}: not in rewheel's entry format", path.display())));
        assert!(std::fs::read(&path).unwrap().starts_with(MAGIC));
    }

    #[test]
    fn an_entry_from_another_key_or_component_is_not_loaded() {
        let (_a_dir, a) = fresh();
        let (_b_dir, b) = fresh();
        let (engine, one, other) = (Engine::default(), component("one"), component("other"));
        for cache in [&a, &b] {
            cache.load_or_compile(&engine, &one).unwrap();
            cache.load_or_compile(&engine, &other).unwrap();
        }
        // A's entry in B's cache: made under another key.
        let in_b = entry_path(&b, &engine, &one);
        std::fs::copy(entry_path(&a, &engine, &one), &in_b).unwrap();
        b.load_or_compile(&engine, &one).unwrap();
        assert_eq!(b.outcome(&sha256_hex(&one)), Some(Outcome::Compiled(Ok(()))));
        assert!(warned(&format!("compile cache entry {}: its MAC does not match", in_b.display())));
        // B's own entry for one component, renamed to the other's.
        let renamed = entry_path(&b, &engine, &other);
        std::fs::copy(&in_b, &renamed).unwrap();
        b.load_or_compile(&engine, &other).unwrap();
        assert_eq!(b.outcome(&sha256_hex(&other)), Some(Outcome::Compiled(Ok(()))));
        assert!(warned(&format!("compile cache entry {}: its MAC does not match", renamed.display())));
    }

    #[test]
    fn a_directory_others_can_write_is_not_used() {
        let (dir, cache) = fresh();
        let root = cache.dir().unwrap().to_path_buf();
        std::fs::create_dir(&root).unwrap();
        set_mode(&root, 0o775);
        let why = refusal(&cache, &component("shared"));
        let shown = root.display();
        assert!(why.contains(&format!("{shown} is writable by its group (mode 0775)")), "{why}");
        assert!(why.ends_with(&format!("run `chmod go-w {shown}`")), "{why}");
        assert!(warned(&format!("{why}; {WITHOUT}")));
        assert!(!root.join("components").exists(), "nothing is written there");
        assert!(!dir.path().join("cache.key").exists(), "nor a key made for it");
        assert_eq!(cache.create_dir().unwrap_err(), why, "`rules compile` refuses it too");
        set_mode(&root, 0o757);
        assert!(
            Cache::at(&root, dir.path().join("cache.key")).create_dir().unwrap_err().contains("writable by others")
        );

        // A directory below it that an older rewheel made group-writable.
        set_mode(&root, 0o755);
        let (engine, bytes) = (Engine::default(), component("below"));
        cache.load_or_compile(&engine, &bytes).unwrap();
        set_mode(&engine_dir(&cache, &engine), 0o775);
        let why = refusal(&cache, &bytes);
        assert!(why.contains(&format!("`chmod go-w {}`", engine_dir(&cache, &engine).display())), "{why}");
    }

    #[test]
    fn the_directories_and_key_it_makes_are_its_own() {
        let (dir, cache) = fresh();
        let (engine, bytes) = (Engine::default(), component("made"));
        cache.load_or_compile(&engine, &bytes).unwrap();
        let root = cache.dir().unwrap();
        for made in [root.to_path_buf(), root.join("components"), engine_dir(&cache, &engine)] {
            assert_eq!(mode(&made) & 0o022, 0, "{} is writable by others", made.display());
        }
        let key = dir.path().join("cache.key");
        assert_eq!(mode(&key), 0o600);
        let made = std::fs::read(&key).unwrap();
        assert_eq!(made.len(), KEY_LEN);
        assert_ne!(made, [0; KEY_LEN]);
        // Another run with that key loads the entry, and leaves the key as it was.
        let again = Cache::at(root, &key);
        again.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(again.outcome(&sha256_hex(&bytes)), Some(Outcome::Hit));
        assert_eq!(std::fs::read(&key).unwrap(), made);
    }

    #[test]
    fn runs_making_the_key_at_once_agree_on_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config/rewheel/cache.key");
        let keys: Vec<[u8; KEY_LEN]> = std::thread::scope(|s| {
            let made: Vec<_> =
                (0..8).map(|_| s.spawn(|| load_key(Some(&file), &dir.path().join("cache")).map(|k| k.0))).collect();
            made.into_iter().map(|t| t.join().unwrap().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
        assert_eq!(std::fs::read(&file).unwrap(), keys[0]);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        let left: Vec<_> = std::fs::read_dir(file.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
    }

    #[test]
    fn a_key_that_is_not_the_users_alone_is_refused() {
        let (dir, cache) = fresh();
        let key = dir.path().join("cache.key");
        std::fs::write(&key, [1; KEY_LEN]).unwrap();
        set_mode(&key, 0o644);
        let why = refusal(&cache, &component("open key"));
        assert!(why.contains("is open to others (mode 0644)"), "{why}");
        assert!(why.ends_with(&format!("run `chmod 600 {}`", key.display())), "{why}");
        assert!(warned(&format!("{why}; {WITHOUT}")));
        assert!(!cache.dir().unwrap().join("components").exists(), "nothing is written under it");
        assert_eq!(std::fs::read(&key).unwrap(), [1; KEY_LEN], "the key is left alone");

        let (dir, cache) = fresh();
        std::fs::write(dir.path().join("cache.key"), [1; 16]).unwrap();
        set_mode(&dir.path().join("cache.key"), 0o600);
        assert!(refusal(&cache, &component("short key")).contains("is not a 32-byte file"));
    }

    #[test]
    fn a_key_in_the_cache_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        let cache = Cache::at(&root, root.join("keys/cache.key"));
        let why = refusal(&cache, &component("key inside"));
        assert!(why.contains("lies in the cache directory"), "{why}");
        assert!(!root.join("keys").exists(), "no key is made there");
    }

    #[test]
    fn a_write_removes_stale_entries_and_other_engines() {
        let (_dir, cache) = fresh();
        let engine = Engine::default();
        let used = component("used");
        cache.load_or_compile(&engine, &used).unwrap();
        let here = engine_dir(&cache, &engine);
        let used_entry = entry_path(&cache, &engine, &used);
        let (stale, recent) = (here.join("stale.cwasm"), here.join("recent.cwasm"));
        let abandoned = here.join(".abandoned.cwasm.1.tmp");
        for f in [&stale, &recent, &abandoned] {
            std::fs::write(f, b"x").unwrap();
        }
        set_age(&stale, 60 * DAY);
        set_age(&abandoned, 60 * DAY);
        set_age(&recent, 29 * DAY);
        set_age(&used_entry, 60 * DAY);
        let other = cache.dir().unwrap().join("components/engine-0000000000000000");
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
        let (_dir, cache) = fresh();
        let (engine, bytes) = (Engine::default(), component("a"));
        cache.load_or_compile(&engine, &bytes).unwrap();
        let entry = entry_path(&cache, &engine, &bytes);
        set_age(&entry, 3 * HOUR);
        cache.load_or_compile(&engine, &bytes).unwrap();
        assert!(age(&entry) > 2 * HOUR, "an entry used today is not touched again");
    }

    #[test]
    fn an_unwritable_cache_says_why() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let key = tempfile::tempdir().unwrap();
        let cache = Cache::at(file.path(), key.path().join("cache.key"));
        assert!(cache.create_dir().unwrap_err().contains("cannot create the cache directory"));
        let bytes = component("a");
        cache.load_or_compile(&Engine::default(), &bytes).unwrap();
        let Some(Outcome::Compiled(Err(why))) = cache.outcome(&sha256_hex(&bytes)) else { panic!("not compiled") };
        assert!(why.contains("cannot create"), "{why}");
        assert!(!warned(&file.path().display().to_string()), "an unwritable cache costs speed, quietly");
        assert!(Cache::disabled().create_dir().unwrap_err().contains("REWHEEL_CACHE_DIR"));
    }
}
