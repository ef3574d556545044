//! Make sure the Rust toolchain that builds rule components can target
//! `wasm32-wasip2`.
//!
//! rustup installs the targets `rust-toolchain.toml` lists only when it
//! installs the toolchain itself. A toolchain that was already there (installed
//! earlier, or linked to another one) keeps only its host target, and the first
//! `cargo build --target wasm32-wasip2` stops with "can't find crate for
//! `core`". So `host/build.rs` and `rewheel test` ask the toolchain first and,
//! when its sysroot lacks the target, add it with
//! `rustup target add wasm32-wasip2 --toolchain <the active one>`. Only when
//! that is impossible (no rustup, a toolchain rustup does not manage, offline)
//! do they stop, with the one command that fixes it.
//!
//! ```no_run
//! use rewheel_toolchain::{Ensured, Toolchain, WASM_TARGET};
//!
//! match Toolchain::from_env().ensure_target(WASM_TARGET, &mut |line| eprintln!("{line}")) {
//!     Ok(Ensured::Present) => {}
//!     Ok(Ensured::Added { command }) => eprintln!("ran {command}"),
//!     Err(e) => panic!("{e}"),
//! }
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every rule component is built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// A Rust toolchain, as far as adding a target to it goes.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The compiler cargo will use (`RUSTC` in a build script, else `rustc`).
    rustc: OsString,
    /// The rustup binary, when there is one.
    rustup: Option<PathBuf>,
    /// The rustup toolchain name (`RUSTUP_TOOLCHAIN`), when known; otherwise
    /// read off the sysroot (`…/toolchains/<name>`).
    name: Option<String>,
    /// Where to run `rustc`, so that a rustup proxy reads the right
    /// `rust-toolchain.toml`.
    dir: Option<PathBuf>,
}

/// What [`Toolchain::ensure_target`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensured {
    /// The sysroot already had the target.
    Present,
    /// The target was missing and this rustup command added it.
    Added {
        /// The command that ran, as a user would type it.
        command: String,
    },
}

/// Why the target is missing and could not be added; its text ends with what
/// to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError(String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TargetError {}

impl Toolchain {
    /// The toolchain described by this process's environment: `RUSTC` (set by
    /// cargo for build scripts), `RUSTUP_TOOLCHAIN` (set by rustup's proxies),
    /// and `rustup` on `PATH` or in `CARGO_HOME/bin`.
    pub fn from_env() -> Self {
        Self::from_vars(|key| std::env::var_os(key))
    }

    /// [`Toolchain::from_env`] with the environment given as a lookup, so it
    /// can be tested without touching the process's environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Self {
        let rustc = var("RUSTC").filter(|v| !v.is_empty()).unwrap_or_else(|| "rustc".into());
        let name = var("RUSTUP_TOOLCHAIN").and_then(|v| v.into_string().ok()).filter(|v| !v.is_empty());
        Toolchain { rustc, rustup: find_rustup(&var), name, dir: None }
    }

    /// A toolchain whose compiler is `rustc`, with no rustup and no name.
    pub fn new(rustc: impl Into<OsString>) -> Self {
        Toolchain { rustc: rustc.into(), rustup: None, name: None, dir: None }
    }

    /// Use this rustup binary (or none).
    pub fn with_rustup(mut self, rustup: Option<PathBuf>) -> Self {
        self.rustup = rustup;
        self
    }

    /// The rustup toolchain name, as `RUSTUP_TOOLCHAIN` would give it.
    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.name = name;
        self
    }

    /// Run the compiler in `dir`, where a `rust-toolchain.toml` may choose
    /// the toolchain.
    pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Whether the sysroot holds the standard library for `target` (a
    /// `libcore-*.rlib` in its target libdir).
    pub fn has_target(&self, target: &str) -> Result<bool, TargetError> {
        let libdir = PathBuf::from(self.print(&["--print", "target-libdir", "--target", target])?);
        let Ok(entries) = std::fs::read_dir(&libdir) else { return Ok(false) };
        Ok(entries.filter_map(Result::ok).any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libcore-") && name.ends_with(".rlib")
        }))
    }

    /// Make sure the sysroot holds `target`, adding it with rustup when it
    /// does not. `note` receives one line to show the user before the
    /// download starts.
    pub fn ensure_target(&self, target: &str, note: &mut dyn FnMut(&str)) -> Result<Ensured, TargetError> {
        if self.has_target(target)? {
            return Ok(Ensured::Present);
        }
        let sysroot = self.print(&["--print", "sysroot"])?;
        let Some(name) = self.name.clone().or_else(|| name_from_sysroot(Path::new(&sysroot))) else {
            return Err(TargetError(format!(
                "the Rust toolchain at {sysroot} has no standard library for {target}, and rustup does not \
                 manage it, so it cannot be added from here. Install the {target} target for that toolchain, \
                 or use rustup (rust-toolchain.toml pins the toolchain and lists the target)."
            )));
        };
        let command = format!("rustup target add {target} --toolchain {name}");
        let Some(rustup) = &self.rustup else {
            return Err(TargetError(format!(
                "the Rust toolchain {name} has no standard library for {target}, and there is no `rustup` on \
                 PATH to add it. Run `{command}`, then build again."
            )));
        };
        note(&format!(
            "the Rust toolchain {name} lacks the {target} target: running `{command}` (a one-time download)"
        ));
        let output =
            Command::new(rustup).args(["target", "add", target, "--toolchain", &name]).output().map_err(|e| {
                TargetError(format!("cannot run {}: {e}. Run `{command}`, then build again.", rustup.display()))
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(TargetError(format!(
                "`{command}` failed ({}):\n{}\nRun it again once rustup can reach its server (is this machine \
                 offline?), then build again.",
                output.status,
                stderr.trim_end()
            )));
        }
        if !self.has_target(target)? {
            return Err(TargetError(format!(
                "`{command}` succeeded, but the compiler {} still has no standard library for {target}: does \
                 RUSTC point at another toolchain than {name}?",
                self.rustc.to_string_lossy()
            )));
        }
        Ok(Ensured::Added { command })
    }

    /// One line of `rustc <args>`'s output.
    fn print(&self, args: &[&str]) -> Result<String, TargetError> {
        let mut cmd = Command::new(&self.rustc);
        cmd.args(args);
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        let rustc = self.rustc.to_string_lossy();
        let output = cmd.output().map_err(|e| TargetError(format!("cannot run the Rust compiler `{rustc}`: {e}")))?;
        if !output.status.success() {
            return Err(TargetError(format!(
                "`{rustc} {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim_end()
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }
}

/// `…/toolchains/<name>` → `<name>`: the layout of every rustup toolchain.
fn name_from_sysroot(sysroot: &Path) -> Option<String> {
    let parent = sysroot.parent()?;
    (parent.file_name()? == OsStr::new("toolchains")).then(|| sysroot.file_name()?.to_str().map(str::to_string))?
}

/// `rustup` on `PATH`, else in `CARGO_HOME/bin` or `~/.cargo/bin`, where its
/// installer puts it.
fn find_rustup(var: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let exe = format!("rustup{}", std::env::consts::EXE_SUFFIX);
    let on_path = var("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let cargo_home = var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin"));
    on_path.chain(cargo_home).map(|dir| dir.join(&exe)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_read_off_a_rustup_sysroot_only() {
        assert_eq!(
            name_from_sysroot(Path::new("/home/u/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu")).as_deref(),
            Some("1.95.0-x86_64-unknown-linux-gnu")
        );
        assert_eq!(name_from_sysroot(Path::new("/usr/lib/rust")), None);
        assert_eq!(name_from_sysroot(Path::new("/")), None);
    }

    #[test]
    fn the_environment_gives_compiler_name_and_rustup() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("cargo-home/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join(format!("rustup{}", std::env::consts::EXE_SUFFIX)), "").unwrap();
        let home = dir.path().join("cargo-home");
        let toolchain = Toolchain::from_vars(|key| match key {
            "RUSTC" => Some("/tc/bin/rustc".into()),
            "RUSTUP_TOOLCHAIN" => Some("1.95.0-x86_64-unknown-linux-gnu".into()),
            "PATH" => Some(dir.path().join("empty").into()),
            "CARGO_HOME" => Some(home.clone().into()),
            _ => None,
        });
        assert_eq!(toolchain.rustc, OsString::from("/tc/bin/rustc"));
        assert_eq!(toolchain.name.as_deref(), Some("1.95.0-x86_64-unknown-linux-gnu"));
        assert_eq!(toolchain.rustup, Some(bin.join(format!("rustup{}", std::env::consts::EXE_SUFFIX))));

        let bare = Toolchain::from_vars(|_| None);
        assert_eq!(bare.rustc, OsString::from("rustc"));
        assert_eq!(bare.name, None);
        assert_eq!(bare.rustup, None);
    }
}
