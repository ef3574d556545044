//! Where rule components come from: the built-in pack embedded at build time,
//! and `--rules DIR|FILE` paths (a directory contributes its `*.wasm` files,
//! sorted).

use std::borrow::Cow;
use std::path::Path;

use crate::report::ErrorEntry;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// One rule component's bytes and the name errors and reports use for it.
#[derive(Debug, Clone)]
pub struct RuleSource {
    /// `builtin:<slug>` or the path as given.
    pub name: String,
    pub bytes: Cow<'static, [u8]>,
}

/// The rule pack built into this binary.
pub fn builtin() -> Vec<RuleSource> {
    builtin::BUILTIN_RULES
        .iter()
        .map(|(slug, bytes)| RuleSource { name: format!("builtin:{slug}"), bytes: Cow::Borrowed(bytes) })
        .collect()
}

/// Every built-in rule in one component (rules-pack/), which `audit` runs in
/// place of the built-in components when it can (see `audit::run_pack`).
/// `None` when the binary was built without its rules, or when
/// `REWHEEL_NO_PACK` is set (to compare both paths, in tests and benchmarks).
pub fn builtin_pack() -> Option<RuleSource> {
    let disabled = std::env::var_os("REWHEEL_NO_PACK").is_some_and(|v| !v.is_empty());
    (!disabled && !builtin::BUILTIN_PACK.is_empty())
        .then(|| RuleSource { name: "builtin:pack".into(), bytes: Cow::Borrowed(builtin::BUILTIN_PACK) })
}

/// Read the components named by `--rules` paths.
pub fn from_paths(paths: &[String]) -> (Vec<RuleSource>, Vec<ErrorEntry>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let p = Path::new(path);
        if p.is_dir() {
            let mut files: Vec<_> = match std::fs::read_dir(p) {
                Ok(entries) => entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|f| f.extension().is_some_and(|x| x == "wasm") && f.is_file())
                    .collect(),
                Err(e) => {
                    errors.push(ErrorEntry::input(path, None, format!("cannot read rules directory: {e}")));
                    continue;
                }
            };
            files.sort();
            if files.is_empty() {
                errors.push(ErrorEntry::input(path, None, "rules directory holds no .wasm components".to_string()));
            }
            for file in files {
                read(&file.to_string_lossy(), &mut sources, &mut errors);
            }
        } else {
            read(path, &mut sources, &mut errors);
        }
    }
    (sources, errors)
}

/// Read the component at `path` and refuse it unless its SHA-256 is `sha256`
/// (a pin from rewheel.toml). Pins name one file, not a directory.
pub fn pinned(path: &str, sha256: &str) -> Result<RuleSource, ErrorEntry> {
    if Path::new(path).is_dir() {
        return Err(ErrorEntry::input(path, None, "a sha256 pin names one .wasm file, not a directory".into()));
    }
    let bytes =
        std::fs::read(path).map_err(|e| ErrorEntry::input(path, None, format!("cannot read rule component: {e}")))?;
    let actual = crate::cache::sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(sha256.trim()) {
        return Err(ErrorEntry::rule(
            path,
            format!(
                "sha256 is {actual}, but rewheel.toml pins {sha256}; refused. If the new component is reviewed, update the pin"
            ),
        ));
    }
    Ok(RuleSource { name: path.to_string(), bytes: Cow::Owned(bytes) })
}

fn read(path: &str, sources: &mut Vec<RuleSource>, errors: &mut Vec<ErrorEntry>) {
    match std::fs::read(path) {
        Ok(bytes) => sources.push(RuleSource { name: path.to_string(), bytes: Cow::Owned(bytes) }),
        Err(e) => errors.push(ErrorEntry::input(path, None, format!("cannot read rule component: {e}"))),
    }
}
