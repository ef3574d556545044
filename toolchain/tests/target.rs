//! The target check against real and fake toolchains.
//!
//! The fake ones are a sysroot folder without `wasm32-wasip2`, a `rustc`
//! script that answers `--print sysroot` and `--print target-libdir` for it,
//! and a `rustup` script that logs its arguments and installs (or fails to
//! install) the target's `libcore`. So the test proves the add step is taken
//! whatever this machine's own toolchain holds.
#![cfg(unix)]

use std::path::PathBuf;

use rewheel_toolchain::{Ensured, Toolchain, WASM_TARGET};

const NAME: &str = "1.95.0-x86_64-unknown-linux-gnu";

/// A fake rustup home: `<tmp>/toolchains/<name>` as the sysroot, and the
/// scripts beside it. It holds the lock below for the test's length.
struct Fake {
    dir: tempfile::TempDir,
    sysroot: PathBuf,
    _serial: std::sync::MutexGuard<'static, ()>,
}

/// One test at a time: a script written while another test's thread forks
/// is held open in the child until it execs, and running it then fails with
/// "Text file busy" (ETXTBSY).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Fake {
    fn new(sysroot_under: &str) -> Fake {
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let sysroot = dir.path().join(sysroot_under);
        std::fs::create_dir_all(sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu/lib")).unwrap();
        let fake = Fake { dir, sysroot, _serial: serial };
        fake.script(
            "rustc",
            &format!(
                "case \"$1 $2\" in\n\
                 '--print sysroot') echo '{s}' ;;\n\
                 '--print target-libdir') echo '{s}/lib/rustlib/'\"$4\"'/lib' ;;\n\
                 *) echo \"unexpected: $*\" >&2; exit 2 ;;\n\
                 esac",
                s = fake.sysroot.display()
            ),
        );
        fake
    }

    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// A rustup that logs its arguments and installs `$3`'s libcore.
    fn working_rustup(&self) -> PathBuf {
        self.script(
            "rustup",
            &format!(
                "echo \"$@\" >> '{log}'\nmkdir -p '{s}/lib/rustlib/'\"$3\"'/lib'\n\
                 touch '{s}/lib/rustlib/'\"$3\"'/lib/libcore-0123abcd.rlib'",
                log = self.log().display(),
                s = self.sysroot.display()
            ),
        )
    }

    /// A rustup that logs its arguments and fails as an offline one does.
    fn offline_rustup(&self) -> PathBuf {
        self.script(
            "rustup",
            &format!(
                "echo \"$@\" >> '{log}'\necho 'error: could not download file from https://static.rust-lang.org/' >&2\nexit 1",
                log = self.log().display()
            ),
        )
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("rustup.log")
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.log()).unwrap_or_default().lines().map(str::to_string).collect()
    }

    fn toolchain(&self) -> Toolchain {
        Toolchain::new(self.dir.path().join("rustc"))
    }
}

fn ensure(toolchain: &Toolchain) -> (Result<Ensured, String>, Vec<String>) {
    let mut notes = Vec::new();
    let result = toolchain.ensure_target(WASM_TARGET, &mut |line| notes.push(line.to_string()));
    (result.map_err(|e| e.to_string()), notes)
}

#[test]
fn a_missing_target_is_added_to_the_active_toolchain() {
    let fake = Fake::new(&format!("toolchains/{NAME}"));
    let toolchain = fake.toolchain().with_rustup(Some(fake.working_rustup())).with_name(Some(NAME.into()));
    assert!(!toolchain.has_target(WASM_TARGET).unwrap());

    let (result, notes) = ensure(&toolchain);
    let command = format!("rustup target add wasm32-wasip2 --toolchain {NAME}");
    assert_eq!(result, Ok(Ensured::Added { command: command.clone() }));
    assert_eq!(fake.calls(), vec![format!("target add wasm32-wasip2 --toolchain {NAME}")]);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains(&command), "{notes:?}");
    assert!(toolchain.has_target(WASM_TARGET).unwrap());

    // Once there, nothing runs again.
    assert_eq!(ensure(&toolchain).0, Ok(Ensured::Present));
    assert_eq!(fake.calls().len(), 1);
}

#[test]
fn without_rustup_toolchain_the_name_comes_from_the_sysroot() {
    let fake = Fake::new("toolchains/linked-tc");
    let toolchain = fake.toolchain().with_rustup(Some(fake.working_rustup()));
    let (result, _) = ensure(&toolchain);
    assert_eq!(result, Ok(Ensured::Added { command: "rustup target add wasm32-wasip2 --toolchain linked-tc".into() }));
    assert_eq!(fake.calls(), vec!["target add wasm32-wasip2 --toolchain linked-tc".to_string()]);
}

#[test]
fn offline_rustup_stops_with_the_command_that_fixes_it() {
    let fake = Fake::new(&format!("toolchains/{NAME}"));
    let toolchain = fake.toolchain().with_rustup(Some(fake.offline_rustup())).with_name(Some(NAME.into()));
    let (result, _) = ensure(&toolchain);
    let message = result.unwrap_err();
    assert!(message.contains(&format!("`rustup target add wasm32-wasip2 --toolchain {NAME}` failed")), "{message}");
    assert!(message.contains("could not download file"), "rustup's own error is shown: {message}");
    assert!(message.contains("offline"), "{message}");
    assert_eq!(fake.calls().len(), 1);
}

#[test]
fn no_rustup_stops_with_the_command_that_fixes_it() {
    let fake = Fake::new(&format!("toolchains/{NAME}"));
    let toolchain = fake.toolchain().with_name(Some(NAME.into()));
    let message = ensure(&toolchain).0.unwrap_err();
    assert!(message.contains("no `rustup` on PATH"), "{message}");
    assert!(message.contains(&format!("Run `rustup target add wasm32-wasip2 --toolchain {NAME}`")), "{message}");
}

#[test]
fn a_toolchain_rustup_does_not_manage_is_not_touched() {
    let fake = Fake::new("opt/rust");
    let toolchain = fake.toolchain().with_rustup(Some(fake.working_rustup()));
    let message = ensure(&toolchain).0.unwrap_err();
    assert!(message.contains("rustup does not manage it"), "{message}");
    assert!(fake.calls().is_empty(), "rustup must not run: {:?}", fake.calls());
}

#[test]
fn a_rustup_that_adds_nothing_is_reported() {
    let fake = Fake::new(&format!("toolchains/{NAME}"));
    let rustup = fake.script("rustup", "exit 0");
    let toolchain = fake.toolchain().with_rustup(Some(rustup)).with_name(Some(NAME.into()));
    let message = ensure(&toolchain).0.unwrap_err();
    assert!(message.contains("still has no standard library for wasm32-wasip2"), "{message}");
}

#[test]
fn the_real_compiler_has_its_host_target_and_no_bogus_one() {
    // This machine's own toolchain: its host target is always installed, so
    // ensure_target must not call rustup (the fake one here would fail).
    let fake = Fake::new("unused");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let toolchain = Toolchain::new(rustc).with_rustup(Some(fake.offline_rustup())).with_name(Some(NAME.into()));
    let host = host_triple();
    let mut notes = Vec::new();
    assert_eq!(toolchain.ensure_target(&host, &mut |l| notes.push(l.to_string())), Ok(Ensured::Present));
    assert!(fake.calls().is_empty() && notes.is_empty());
    // A target name rustc does not know is an error naming the command.
    let err = toolchain.has_target("no-such-target-triple").unwrap_err().to_string();
    assert!(err.contains("--print target-libdir --target no-such-target-triple"), "{err}");
}

fn host_triple() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc).arg("-vV").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names its host")
}
