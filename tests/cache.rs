//! The compiled-component cache: `rewheel rules compile` fills it with what an
//! audit loads, a second run finds every entry, and writing an entry removes
//! the entries unused for 30 days and other engines' directories. Each test
//! has its own cache (REWHEEL_CACHE_DIR in a tempdir).

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
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
