//! The compiled-component cache: `rewheel rules compile` fills it with what an
//! audit loads, a second run finds every entry, and writing an entry removes
//! the entries unused for 30 days and other engines' directories. An entry
//! that is not this host's own (changed, truncated, older, made under another
//! key), a cache directory others can write and a key others can read are
//! refused with a warning, and the report is the one `--no-cache` gives. Each
//! test has its own cache (REWHEEL_CACHE_DIR in a tempdir).

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// `rewheel rules compile <args>` with its cache in `cache`.
fn compile(cache: &Path, args: &[&str]) -> Output {
    let out = support::rewheel()
        .env("REWHEEL_CACHE_DIR", cache)
        .env_remove("REWHEEL_NO_PACK")
        .args(["rules", "compile"])
        .args(args)
        .output()
        .unwrap();
    eprintln!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

/// The component lines of `rules compile`'s output, and its final line.
fn lines(out: &Output) -> (Vec<String>, String) {
    let mut lines: Vec<String> = String::from_utf8(out.stdout.clone()).unwrap().lines().map(String::from).collect();
    let last = lines.pop().expect("a final line");
    (lines, last)
}

/// The engine directories under the cache.
fn engines(cache: &Path) -> Vec<PathBuf> {
    let Ok(dirs) = std::fs::read_dir(cache.join("components")) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> = dirs.map(|d| d.unwrap().path()).collect();
    dirs.sort();
    dirs
}

/// The only engine directory: the one this rewheel uses.
fn engine_dir(cache: &Path) -> PathBuf {
    let dirs = engines(cache);
    assert_eq!(dirs.len(), 1, "one engine directory: {dirs:?}");
    dirs[0].clone()
}

/// The file names in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|f| f.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn set_age(path: &Path, age: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

fn age(path: &Path) -> Duration {
    std::fs::metadata(path).unwrap().modified().unwrap().elapsed().unwrap_or_default()
}

/// The cache entry of the component at `wasm`.
fn entry(engine_dir: &Path, wasm: &Path) -> PathBuf {
    engine_dir.join(format!("{}.cwasm", rewheel::cache::sha256_hex(&std::fs::read(wasm).unwrap())))
}

#[test]
fn compile_fills_the_cache_with_what_the_audit_loads() {
    let cache = tempfile::tempdir().unwrap();
    let out = compile(cache.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let (cold, last) = lines(&out);
    // The built-in components, and the pack the audit runs in their place.
    let components = support::builtin_component_count() + 1;
    assert_eq!(cold.len(), components, "one line per built-in component and the pack: {cold:?}");
    assert!(cold[0].starts_with("builtin:pack  "), "{cold:?}");
    assert!(cold.iter().all(|l| l.starts_with("builtin:") && l.contains(" KiB  sha256:")), "{cold:?}");
    assert!(cold.iter().all(|l| l.contains("compiled in ") && l.ends_with(" ms")), "{cold:?}");
    assert_eq!(last, format!("{components} compiled, 0 already cached: {}", cache.path().display()));
    let stored = files(&engine_dir(cache.path()));
    assert_eq!(stored.len(), components, "one entry per component: {stored:?}");
    assert!(stored.iter().all(|f| f.ends_with(".cwasm")));

    let out = compile(cache.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let (warm, last) = lines(&out);
    assert!(warm.iter().all(|l| l.ends_with("  already cached")), "{warm:?}");
    let without_status = |lines: &[String]| -> Vec<String> {
        lines.iter().map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" ")).collect()
    };
    assert_eq!(without_status(&warm), without_status(&cold), "the same components, in the same order");
    assert_eq!(last, format!("0 compiled, {components} already cached: {}", cache.path().display()));

    // The audit finds everything it loads: it compiles, writes and removes nothing.
    let audit = support::rewheel()
        .env("REWHEEL_CACHE_DIR", cache.path())
        .env_remove("REWHEEL_NO_PACK")
        .args(["audit", "--format", "json", "examples/fractalops/before"])
        .output()
        .unwrap();
    assert_eq!(audit.status.code(), Some(1), "{}", String::from_utf8_lossy(&audit.stderr));
    assert_eq!(files(&engine_dir(cache.path())), stored, "rules compile warmed the audit's engine and components");
}

#[test]
fn no_builtin_rules_with_one_component_compiles_just_that_one() {
    let cache = tempfile::tempdir().unwrap();
    let wasm = support::hostile_rule("hostile-loop");
    let name = wasm.display().to_string();
    let out = compile(cache.path(), &["--no-builtin-rules", "--rules", &name]);
    assert_eq!(out.status.code(), Some(0));
    let (components, last) = lines(&out);
    assert_eq!(components.len(), 1, "{components:?}");
    let sha = rewheel::cache::sha256_hex(&std::fs::read(&wasm).unwrap());
    assert!(components[0].starts_with(&format!("{name}  ")), "{components:?}");
    assert!(components[0].contains(&format!("sha256:{}  compiled in ", &sha[..12])), "{components:?}");
    assert_eq!(last, format!("1 compiled, 0 already cached: {}", cache.path().display()));
    assert_eq!(files(&engine_dir(cache.path())), vec![format!("{sha}.cwasm")]);
}

#[test]
fn writing_an_entry_removes_stale_entries_and_other_engines() {
    let cache = tempfile::tempdir().unwrap();
    let used = support::hostile_rule("hostile-loop");
    let new = support::hostile_rule("hostile-panic");
    let (used_name, new_name) = (used.display().to_string(), new.display().to_string());
    assert_eq!(compile(cache.path(), &["--no-builtin-rules", "--rules", &used_name]).status.code(), Some(0));
    let here = engine_dir(cache.path());
    let used_entry = entry(&here, &used);
    let (stale, recent) = (here.join("stale.cwasm"), here.join("recent.cwasm"));
    std::fs::write(&stale, b"unused for 60 days").unwrap();
    std::fs::write(&recent, b"used yesterday").unwrap();
    set_age(&stale, 60 * DAY);
    set_age(&recent, DAY);
    set_age(&used_entry, 60 * DAY);
    let other = cache.path().join("components/engine-0000000000000000");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("old.cwasm"), b"another wasmtime's").unwrap();

    // A hit marks its entry as used, and removes nothing.
    let out = compile(cache.path(), &["--no-builtin-rules", "--rules", &used_name]);
    assert_eq!(out.status.code(), Some(0));
    assert!(lines(&out).0[0].ends_with("  already cached"));
    assert!(age(&used_entry) < DAY, "a hit refreshes the entry's mtime");
    assert!(stale.exists() && other.exists(), "a run that writes nothing removes nothing");

    // A new entry: the stale one and the other engine go; what was used stays.
    let out = compile(cache.path(), &["--no-builtin-rules", "--rules", &new_name]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stale.exists(), "an entry unused for 60 days is removed");
    assert!(recent.exists(), "an entry used within 30 days stays");
    assert!(used_entry.exists(), "the entry used by the hit stays");
    assert!(entry(&here, &new).exists());
    assert!(!other.exists(), "another engine's directory is removed");
    assert_eq!(engines(cache.path()), vec![here]);
}

#[test]
fn a_component_that_fails_is_named_and_the_others_still_compile() {
    let cache = tempfile::tempdir().unwrap();
    let newer = support::hostile_rule("newer-contract").display().to_string();
    let good = support::hostile_rule("hostile-loop").display().to_string();
    let out = compile(cache.path(), &["--no-builtin-rules", "--rules", &newer, "--rules", &good]);
    assert_eq!(out.status.code(), Some(2), "a component that cannot be used fails the run");
    let (components, last) = lines(&out);
    assert_eq!(components.len(), 2, "{components:?}");
    let line = |name: &str| components.iter().find(|l| l.starts_with(name)).unwrap().clone();
    assert!(line(&newer).ends_with("  failed (see below)"), "{components:?}");
    assert!(line(&good).contains("  compiled in "), "{components:?}");
    assert!(last.starts_with("1 compiled, 0 already cached, 1 failed: "), "{last}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{newer}: targets rewheel:rule@0.6.0")),
        "the error names the component: {stderr}"
    );
}

#[test]
fn without_a_cache_directory_it_says_so() {
    let out = support::rewheel()
        .env_remove("REWHEEL_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME")
        .args(["rules", "compile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no cache directory: set REWHEEL_CACHE_DIR"), "{stderr}");
    assert!(out.stdout.is_empty());

    let cache = tempfile::tempdir().unwrap();
    let out = compile(cache.path(), &["--no-cache"]);
    assert_eq!(out.status.code(), Some(2), "--no-cache contradicts `rules compile`");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-cache leaves `rules compile` nothing to do"));
    assert!(engines(cache.path()).is_empty(), "nothing was compiled");
}

const BEFORE: &str = "examples/fractalops/before";

/// A cache directory and a key file of a test's own: `<tmp>/cache` and `<tmp>/cache.key`.
struct Place {
    _tmp: tempfile::TempDir,
    cache: PathBuf,
    key: PathBuf,
}

fn place() -> Place {
    let tmp = tempfile::tempdir().unwrap();
    let (cache, key) = (tmp.path().join("cache"), tmp.path().join("cache.key"));
    Place { _tmp: tmp, cache, key }
}

/// `rewheel audit --format json` of the example, with `place`'s cache and key.
fn audit(place: &Place) -> Output {
    support::rewheel()
        .env("REWHEEL_CACHE_DIR", &place.cache)
        .env("REWHEEL_CACHE_KEY", &place.key)
        .env_remove("REWHEEL_NO_PACK")
        .args(["audit", "--format", "json", BEFORE])
        .output()
        .unwrap()
}

/// The same audit with `--no-cache`: what every run prints, whatever its cache held.
fn uncached() -> &'static Output {
    static OUT: OnceLock<Output> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = support::rewheel()
            .env_remove("REWHEEL_NO_PACK")
            .args(["audit", "--format", "json", "--no-cache", BEFORE])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        out
    })
}

/// The run printed exactly the report and exit code of `--no-cache`.
fn assert_same_report(out: &Output) {
    let cold = uncached();
    assert_eq!(out.status.code(), cold.status.code(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.stdout == cold.stdout,
        "the report differs from --no-cache's:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The run warned, on one stderr line, with everything in `said`.
fn assert_warned(out: &Output, said: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().any(|l| l.starts_with("warning: ") && said.iter().all(|s| l.contains(s))),
        "no warning with {said:?}: {stderr}"
    );
}

/// A cold audit into `place`, which writes the entry of the built-in pack:
/// that entry.
fn fill(place: &Place) -> PathBuf {
    let out = audit(place);
    assert_same_report(&out);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = engine_dir(&place.cache);
    let stored = files(&dir);
    assert_eq!(stored.len(), 1, "one entry, the built-in pack's: {stored:?}");
    dir.join(&stored[0])
}

/// The entry was refused with `why`, recompiled and rewritten: a second run
/// loads it without a word.
fn assert_recompiled(place: &Place, entry: &Path, why: &str) {
    let damaged = std::fs::read(entry).unwrap();
    let out = audit(place);
    assert_same_report(&out);
    let named = format!("warning: compile cache entry {}: {why}", entry.display());
    assert_warned(&out, &[&named, "not loaded: compiled afresh instead"]);
    assert_ne!(std::fs::read(entry).unwrap(), damaged, "the entry was rewritten");
    let again = audit(place);
    assert_same_report(&again);
    assert!(again.stderr.is_empty(), "the rewritten entry loads: {}", String::from_utf8_lossy(&again.stderr));
}

#[test]
fn an_entry_changed_in_its_middle_is_recompiled_not_run() {
    let place = place();
    let entry = fill(&place);
    let key = std::fs::metadata(&place.key).expect("the key is made on first use, outside the cache");
    assert_eq!((key.mode() & 0o777, key.len()), (0o600, 32));
    let mut bytes = std::fs::read(&entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 64].iter_mut().for_each(|b| *b ^= 0xa5);
    std::fs::write(&entry, &bytes).unwrap();
    assert_recompiled(&place, &entry, "its MAC does not match this host's key");
}

#[test]
fn a_truncated_entry_is_recompiled() {
    let place = place();
    let entry = fill(&place);
    let bytes = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &bytes[..bytes.len() / 2]).unwrap();
    let (have, want) = (bytes.len() / 2 - 52, bytes.len() - 52);
    assert_recompiled(&place, &entry, &format!("truncated: {have} bytes of the {want} its header announces"));
}

#[test]
fn an_entry_of_the_old_format_is_recompiled() {
    let place = place();
    let entry = fill(&place);
    // What an older rewheel wrote: the bare wasmtime artifact, without the header.
    let bytes = std::fs::read(&entry).unwrap();
    assert!(bytes[52..].starts_with(b"\x7fELF"));
    std::fs::write(&entry, &bytes[52..]).unwrap();
    assert_recompiled(&place, &entry, "not in rewheel's entry format");
}

#[test]
fn an_entry_copied_from_a_cache_made_under_another_key_is_recompiled() {
    let (mine, theirs) = (place(), place());
    let entry = fill(&mine);
    let foreign = fill(&theirs);
    assert_ne!(std::fs::read(&entry).unwrap(), std::fs::read(&foreign).unwrap(), "two keys, two MACs");
    std::fs::copy(&foreign, &entry).unwrap();
    assert_recompiled(&mine, &entry, "its MAC does not match this host's key");
}

#[test]
fn a_cache_directory_others_can_write_is_not_used() {
    let place = place();
    std::fs::create_dir(&place.cache).unwrap();
    std::fs::set_permissions(&place.cache, std::fs::Permissions::from_mode(0o775)).unwrap();
    let out = audit(&place);
    assert_same_report(&out);
    let dir = place.cache.display();
    assert_warned(
        &out,
        &[
            &format!("the compile cache directory {dir} is writable by its group (mode 0775)"),
            &format!("run `chmod go-w {dir}`"),
            "running without the compile cache (compiling in memory)",
        ],
    );
    assert!(!place.cache.join("components").exists(), "nothing is written there");
    assert!(!place.key.exists(), "no key is made for it");

    // `rules compile`, which only fills the cache, fails instead.
    let compile = support::rewheel()
        .env("REWHEEL_CACHE_DIR", &place.cache)
        .env("REWHEEL_CACHE_KEY", &place.key)
        .args(["rules", "compile", "--no-builtin-rules", "--rules"])
        .arg(support::hostile_rule("hostile-loop"))
        .output()
        .unwrap();
    assert_eq!(compile.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&compile.stderr);
    assert!(stderr.contains(&format!("error: the compile cache directory {dir} is writable by its group")), "{stderr}");

    // Once it is the user's alone, it is used.
    std::fs::set_permissions(&place.cache, std::fs::Permissions::from_mode(0o755)).unwrap();
    fill(&place);
}

#[test]
fn a_key_others_can_read_is_not_used() {
    let place = place();
    std::fs::write(&place.key, [7; 32]).unwrap();
    std::fs::set_permissions(&place.key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = audit(&place);
    assert_same_report(&out);
    let key = place.key.display();
    assert_warned(
        &out,
        &[
            &format!("the compile cache key {key} is open to others (mode 0644)"),
            &format!("run `chmod 600 {key}`"),
            "running without the compile cache",
        ],
    );
    assert!(!place.cache.join("components").exists(), "nothing is written under that key");
}
