//! Time `load_str` on a directory of YAML files, next to the bare serde_yaml
//! parse of the same documents into `serde_json::Value` (the floor): once as
//! one multi-document stream per file, as `bench` measures it, and once per
//! document after `split_documents`, as `load_str` parses.
//!
//! ```text
//! cargo run --release -p rewheel-manifest --example load_bench -- target/bench/platform-10000 [runs] [load|floor]
//! ```
//!
//! Files are read before timing; each figure is the best of `runs` (default 5).
//! `load` or `floor` runs only that part (for a profiler).

use std::time::{Duration, Instant};

use serde::Deserialize;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "target/bench/platform-10000".into());
    let runs: usize = args.next().map(|r| r.parse().expect("runs: a number")).unwrap_or(5);
    let only = args.next();
    let (run_load, run_floor) = match only.as_deref() {
        None => (runs, runs),
        Some("load") => (runs, 0),
        Some("floor") => (0, runs),
        Some(other) => panic!("{other}: expected `load` or `floor`"),
    };

    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    paths.sort();
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            (p.display().to_string(), std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();

    let mut objects = 0;
    let mut documents = 0;
    let load = best(run_load, || {
        objects = 0;
        documents = 0;
        for (name, text) in &files {
            let loaded = rewheel_manifest::load_str(name, text);
            objects += loaded.objects.len();
            documents += loaded.documents as usize;
            std::hint::black_box(&loaded);
        }
    });

    let mut parsed = 0;
    let mut failed = 0;
    let floor = best(run_floor, || {
        parsed = 0;
        failed = 0;
        for (_, text) in &files {
            for doc in serde_yaml::Deserializer::from_str(text) {
                match serde_json::Value::deserialize(doc) {
                    Ok(value) => {
                        std::hint::black_box(&value);
                        parsed += 1;
                    }
                    Err(_) => failed += 1,
                }
            }
        }
    });

    let mut split_failed = 0;
    let split_floor = best(run_floor, || {
        split_failed = 0;
        for (_, text) in &files {
            for raw in rewheel_manifest::split::split_documents(text) {
                match serde_json::Value::deserialize(serde_yaml::Deserializer::from_str(&raw.text)) {
                    Ok(value) => {
                        std::hint::black_box(&value);
                    }
                    Err(_) => split_failed += 1,
                }
            }
        }
    });

    println!(
        "{} files, {:.1} MB, {documents} documents, {objects} objects; best of {runs}",
        files.len(),
        bytes as f64 / 1e6
    );
    if run_load > 0 {
        println!("load_str:                         {:>8.1} ms", ms(load));
    }
    if run_floor > 0 {
        println!("serde_yaml -> serde_json (floor): {:>8.1} ms  ({parsed} documents, {failed} failed)", ms(floor));
        println!("  the same, per split document:   {:>8.1} ms  ({split_failed} failed)", ms(split_floor));
    }
    if run_load > 0 && run_floor > 0 {
        println!(
            "load_str / floor:                 {:>8.2}x ({:.2}x the per-document floor)",
            load.as_secs_f64() / floor.as_secs_f64(),
            load.as_secs_f64() / split_floor.as_secs_f64()
        );
    }
}

/// The fastest of `runs` runs; zero when `runs` is 0.
fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
