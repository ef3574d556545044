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

    for watched in ["rules", "rules-pack", "rules-sdk", "manifest", "wit", "Cargo.lock", "Cargo.toml"] {
        println!("cargo::rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo::rerun-if-env-changed=REWHEEL_SKIP_BUILTIN_RULES");

    let crates = rule_crates(&root.join("rules"));
    let mut generated = String::from(
        "/// The built-in rules, one component per crate: (component slug, component bytes).\n\
         pub const BUILTIN_RULES: &[(&str, &[u8])] = &[\n",
    );
    let mut pack = String::from("&[]");

    let skip = env::var_os("REWHEEL_SKIP_BUILTIN_RULES").is_some_and(|v| !v.is_empty());
    if !skip && !crates.is_empty() {
        check_pack_lists(&root, &crates);
        ensure_wasm_target();
        // <target>/<profile>/build/<pkg>-<hash>/out → <target>
        let target_root = out_dir.ancestors().nth(4).expect("OUT_DIR layout").to_path_buf();
        // Two target directories: the pack builds the same crates with the
        // SDK's `pack` feature, and would overwrite the components' files.
        let rules_target = target_root.join("rules");
        let packages: Vec<String> = crates.iter().map(|(slug, _)| format!("rule-{slug}")).collect();
        build_wasm(&root, &rules_target, &packages);
        for (slug, _) in &crates {
            let wasm = rules_target.join("wasm32-wasip2/rules").join(format!("rule_{}.wasm", slug.replace('-', "_")));
            assert!(wasm.exists(), "rule component {} was not built", wasm.display());
            writeln!(generated, "    ({slug:?}, include_bytes!({:?})),", wasm.display().to_string()).unwrap();
        }
        let pack_target = target_root.join("rules-pack");
        build_wasm(&root, &pack_target, &["rules-pack".to_string()]);
        let wasm = pack_target.join("wasm32-wasip2/rules/rules_pack.wasm");
        assert!(wasm.exists(), "the rule pack {} was not built", wasm.display());
        pack = format!("include_bytes!({:?})", wasm.display().to_string());
    }
    generated.push_str("];\n");
    writeln!(
        generated,
        "/// Every built-in rule in one component (rules-pack/), run instead of the\n\
         /// components above when it can be; empty when the rules were not built.\n\
         pub const BUILTIN_PACK: &[u8] = {pack};"
    )
    .unwrap();
    fs::write(out_dir.join("builtin_rules.rs"), generated).unwrap();
}

/// A toolchain that was installed before `rust-toolchain.toml` asked for
/// `wasm32-wasip2` lacks it, and rustup does not add it then: add it here
/// (saying so), or stop with the one command that fixes it.
fn ensure_wasm_target() {
    use rewheel_toolchain::{Ensured, Toolchain, WASM_TARGET};
    let mut note = |line: &str| eprintln!("rewheel: {line}");
    match Toolchain::from_env().ensure_target(WASM_TARGET, &mut note) {
        Ok(Ensured::Present) => {}
        Ok(Ensured::Added { command }) => {
            // Build scripts' stderr is shown only on failure; a warning is always shown.
            println!(
                "cargo::warning=the built-in rules need the {WASM_TARGET} target, which was missing: added it with `{command}`"
            );
        }
        Err(e) => {
            eprintln!("error: cannot build the built-in rules: {e}");
            std::process::exit(1);
        }
    }
}

/// `cargo build --release --target wasm32-wasip2` of `packages` into `target_dir`.
///
/// The nested cargo uses its own target directory: run against the outer one
/// it would wait forever on the outer build's lock.
fn build_wasm(root: &Path, target_dir: &Path, packages: &[String]) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--profile", "rules", "--target", "wasm32-wasip2", "--target-dir"])
        .arg(target_dir);
    for package in packages {
        cmd.args(["-p", package]);
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
        panic!("building the built-in rules for wasm32-wasip2 failed (see above)");
    }
}

/// The pack must carry every crate under `rules/`: a crate added there but not
/// to rules-pack/ would silently run only in the slow path.
fn check_pack_lists(root: &Path, crates: &[(String, PathBuf)]) {
    let manifest = fs::read_to_string(root.join("rules-pack/Cargo.toml")).expect("read rules-pack/Cargo.toml");
    let lib = fs::read_to_string(root.join("rules-pack/src/lib.rs")).expect("read rules-pack/src/lib.rs");
    for (slug, _) in crates {
        let dependency = format!("rule-{slug} = {{ path = \"../rules/{slug}\" }}");
        let call = format!("rule_{}::__rewheel_rules,", slug.replace('-', "_"));
        assert!(
            manifest.contains(&dependency) && lib.contains(&call),
            "rules/{slug} is not in the built-in pack: add `{dependency}` to rules-pack/Cargo.toml and \
             `{call}` to the list in rules-pack/src/lib.rs"
        );
    }
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
