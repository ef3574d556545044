//! Build the built-in rule pack (every crate under `rules/`) for
//! `wasm32-wasip2` and embed the components in the `rewheel` binary, so the
//! pack is found with no flags and a `cargo install`ed binary carries it.
//!
//! The nested cargo uses its own target directory (`<target>/rules`): run
//! against the outer one it would wait forever on the outer build's lock.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().expect("host/ sits in the workspace root").to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    for watched in ["rules", "rules-sdk", "manifest", "wit", "Cargo.lock", "Cargo.toml"] {
        println!("cargo::rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo::rerun-if-env-changed=REWHEEL_SKIP_BUILTIN_RULES");

    let crates = rule_crates(&root.join("rules"));
    let mut generated = String::from(
        "/// The built-in rule pack: (component slug, component bytes).\npub const BUILTIN_RULES: &[(&str, &[u8])] = &[\n",
    );

    let skip = env::var_os("REWHEEL_SKIP_BUILTIN_RULES").is_some_and(|v| !v.is_empty());
    if !skip && !crates.is_empty() {
        // <target>/<profile>/build/<pkg>-<hash>/out → <target>
        let target_root = out_dir.ancestors().nth(4).expect("OUT_DIR layout").to_path_buf();
        let rules_target = target_root.join("rules");
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&root)
            .args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir"])
            .arg(&rules_target);
        for (slug, _) in &crates {
            cmd.args(["-p", &format!("rule-{slug}")]);
        }
        // The outer build's settings are for the host target, not for wasm.
        for var in [
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            cmd.env_remove(var);
        }
        let status = cmd.status().expect("run cargo to build the rule pack");
        if !status.success() {
            panic!(
                "building the built-in rules for wasm32-wasip2 failed (see above). If the target is missing, \
                 install it with `rustup target add wasm32-wasip2` (rust-toolchain.toml lists it)."
            );
        }
        for (slug, _) in &crates {
            let wasm = rules_target.join("wasm32-wasip2/release").join(format!("rule_{}.wasm", slug.replace('-', "_")));
            assert!(wasm.exists(), "rule component {} was not built", wasm.display());
            writeln!(generated, "    ({slug:?}, include_bytes!({:?})),", wasm.display().to_string()).unwrap();
        }
    }
    generated.push_str("];\n");
    fs::write(out_dir.join("builtin_rules.rs"), generated).unwrap();
}

/// `(slug, dir)` of every rule crate, sorted.
fn rule_crates(rules_dir: &Path) -> Vec<(String, PathBuf)> {
    let mut crates: Vec<_> = fs::read_dir(rules_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("Cargo.toml").exists())
                .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
                .collect()
        })
        .unwrap_or_default();
    crates.sort();
    crates
}
