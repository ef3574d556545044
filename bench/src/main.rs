//! `rewheel-bench`: generate platforms and measure rewheel on them.
//!
//! ```sh
//! cargo build --release -p rewheel -p rewheel-bench
//! target/release/rewheel-bench run                      # 1k and 10k documents
//! target/release/rewheel-bench run --sizes 1000,10000,100000 --checkov
//! target/release/rewheel-bench generate --docs 10000 --out /tmp/platform
//! ```
//!
//! `run` prints a Markdown table (docs/BENCHMARKS.md holds the published
//! one): wall time, documents/s, MB/s and peak RSS of a full-pack audit, the
//! bare serde_yaml parse of the same files into `serde_json::Value` (the
//! floor), their ratio, cold and warm start on one small file, and Checkov on
//! the same files when asked. Nothing here is a pass/fail test: the numbers
//! are for people to read.

mod generate;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEED: u64 = 0x5eed_2026;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    match args.first().map(String::as_str) {
        Some("generate") => {
            let docs: usize = flag("--docs").and_then(|d| d.parse().ok()).unwrap_or(1000);
            let out = PathBuf::from(flag("--out").unwrap_or_else(|| format!("platform-{docs}")));
            let bytes = write_platform(docs, &out);
            eprintln!("{}: {docs} documents, {bytes} bytes", out.display());
        }
        Some("run") => {
            let sizes: Vec<usize> = flag("--sizes")
                .unwrap_or_else(|| "1000,10000".into())
                .split(',')
                .map(|s| s.trim().parse().expect("--sizes: numbers, comma-separated"))
                .collect();
            let target = target_dir();
            let rewheel = flag("--rewheel").map(PathBuf::from).unwrap_or_else(|| target.join("release/rewheel"));
            assert!(rewheel.is_file(), "{}: build it first: cargo build --release -p rewheel", rewheel.display());
            // Everything after `--` goes to `rewheel audit` (e.g. `--rule-memory 2048`).
            let extra: Vec<String> =
                args.iter().position(|a| a == "--").map(|i| args[i + 1..].to_vec()).unwrap_or_default();
            run(&rewheel, &sizes, args.iter().any(|a| a == "--checkov"), &extra, &target.join("bench"));
        }
        _ => {
            eprintln!(
                "usage: rewheel-bench generate --docs N --out DIR | run [--sizes 1000,10000] [--checkov] [--rewheel PATH] [-- AUDIT FLAGS]"
            );
            std::process::exit(2);
        }
    }
}

/// `<workspace>/target`, from this binary's path (`target/release/rewheel-bench`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/rewheel-bench").to_path_buf()
}

/// Write the platform under `dir` (replacing it); its size in bytes.
fn write_platform(docs: usize, dir: &Path) -> u64 {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create the platform directory");
    let mut bytes = 0;
    for file in generate::platform(docs, SEED) {
        bytes += file.text.len() as u64;
        std::fs::write(dir.join(&file.name), &file.text).expect("write a platform file");
    }
    bytes
}

/// Wall time and peak RSS (KiB) of a child process; panics if it fails to run.
/// rewheel reports its own peak (`REWHEEL_PEAK_RSS=1`): `ru_maxrss` would
/// include this process's high-water mark, which Linux carries into a child
/// across fork and exec. Other tools (Checkov) get `ru_maxrss`.
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives the rusage
fn measure(cmd: &mut Command) -> (Duration, u64, i32) {
    let started = Instant::now();
    let mut child =
        cmd.env("REWHEEL_PEAK_RSS", "1").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn");
    let stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let stderr = reader.join().unwrap_or_default();
    let own = stderr.lines().find_map(|l| l.strip_prefix("rewheel: peak RSS ")?.strip_suffix(" KiB")?.parse().ok());
    (elapsed, own.unwrap_or(usage.ru_maxrss as u64), code)
}

/// The floor: read every file and parse each document into `serde_json::Value`.
fn bare_parse(dir: &Path) -> Duration {
    let started = Instant::now();
    let mut documents = 0usize;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let value: serde_json::Value = serde::Deserialize::deserialize(doc).expect("valid YAML");
            std::hint::black_box(&value);
            documents += 1;
        }
    }
    std::hint::black_box(documents);
    started.elapsed()
}

fn best<T: Copy + PartialOrd>(runs: impl Iterator<Item = T>) -> T {
    runs.reduce(|a, b| if b < a { b } else { a }).expect("at least one run")
}

fn run(rewheel: &Path, sizes: &[usize], checkov: bool, extra: &[String], work: &Path) {
    std::fs::create_dir_all(work).unwrap();
    let cache = work.join("cache");
    let audit = |dir: &Path, cache: &Path| {
        let mut cmd = Command::new(rewheel);
        cmd.args(["audit", "--format", "json", "--fail-on", "never"])
            .args(extra)
            .arg(dir)
            .env("REWHEEL_CACHE_DIR", cache);
        cmd
    };
    let mut timings: Vec<(usize, f64)> = Vec::new();

    // Start-up on one small file: cold (empty cache) and warm.
    let tiny = work.join("tiny");
    write_platform(20, &tiny);
    let cold = best((0..3).map(|n| {
        let empty = work.join(format!("cold-cache-{n}"));
        let _ = std::fs::remove_dir_all(&empty);
        let (t, _, _) = measure(&mut audit(&tiny, &empty));
        t
    }));
    let _ = measure(&mut audit(&tiny, &cache));
    let warm = best((0..5).map(|_| measure(&mut audit(&tiny, &cache)).0));

    println!(
        "| Documents | MB | Bare parse | rewheel | Ratio | Documents/s | MB/s | Peak RSS |{}",
        if checkov { " Checkov | Checkov RSS | rewheel speed-up |" } else { "" }
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|{}", if checkov { "---:|---:|---:|" } else { "" });
    for &docs in sizes {
        let dir = work.join(format!("platform-{docs}"));
        let bytes = write_platform(docs, &dir);
        let mb = bytes as f64 / 1e6;
        let floor = best((0..3).map(|_| bare_parse(&dir)));
        let runs: Vec<(Duration, u64, i32)> = (0..3).map(|_| measure(&mut audit(&dir, &cache))).collect();
        assert!(runs.iter().all(|r| r.2 == 0), "rewheel failed on {}", dir.display());
        let wall = best(runs.iter().map(|r| r.0));
        timings.push((docs, wall.as_secs_f64()));
        let rss = runs.iter().map(|r| r.1).max().unwrap_or(0);
        let mut row = format!(
            "| {docs} | {mb:.1} | {:.2} s | {:.2} s | {:.2}× | {:.0} | {:.1} | {} MB |",
            floor.as_secs_f64(),
            wall.as_secs_f64(),
            wall.as_secs_f64() / floor.as_secs_f64(),
            docs as f64 / wall.as_secs_f64(),
            mb / wall.as_secs_f64(),
            rss / 1024
        );
        if checkov && docs <= 10_000 {
            let bin = checkov_bin(work);
            let (t, rss, _) = measure(
                Command::new(&bin)
                    .args(["--framework", "kubernetes", "--quiet", "--compact", "-o", "json", "-d"])
                    .arg(&dir),
            );
            row.push_str(&format!(
                " {:.1} s | {} MB | {:.0}× |",
                t.as_secs_f64(),
                rss / 1024,
                t.as_secs_f64() / wall.as_secs_f64()
            ));
        } else if checkov {
            row.push_str(" – | – | – |");
        }
        println!("{row}");
    }
    println!();
    if let [(n0, t0), .., (n1, t1)] = timings[..] {
        println!(
            "Scaling: {:.1} ms per 1000 documents from {n0} to {n1} documents; {n1} documents took {:.1}× the time of {n0} ({:.0}× the documents).",
            (t1 - t0) / (n1 - n0) as f64 * 1e6,
            t1 / t0,
            n1 as f64 / n0 as f64
        );
    }
    println!(
        "Start-up on one small file (20 documents), full rule pack: cold (empty cache) {:.0} ms, warm {:.0} ms.",
        cold.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3
    );
}

/// Checkov in a venv under the bench directory, installed from PyPI when absent.
fn checkov_bin(work: &Path) -> PathBuf {
    let venv = work.join("checkov-venv");
    let bin = venv.join("bin/checkov");
    if !bin.is_file() {
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "checkov"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(ok, "could not install checkov into {} (python3 -m venv, pip install checkov)", venv.display());
    }
    bin
}
