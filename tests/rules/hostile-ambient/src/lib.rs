//! A rule that reaches for everything ambient — files, directories, the
//! environment, arguments, the network, the clock, randomness — and reports
//! what it saw, so the sandbox test can check it saw nothing.

use std::hash::BuildHasher;
use std::time::{SystemTime, UNIX_EPOCH};

use rules_sdk::prelude::*;

pub struct Ambient;

impl Rule for Ambient {
    fn meta(&self) -> Meta {
        Meta { id: "hostile-ambient", component: "hostile", summary: "probes the sandbox", ..Meta::DEFAULT }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let o = objects[0];
        let file = match std::fs::read_to_string("/etc/passwd") {
            Ok(text) => format!("read {} bytes", text.len()),
            Err(e) => format!("denied ({})", e.kind()),
        };
        report.flag(o, format!("file: {file}"));
        let dir = match std::fs::read_dir("/") {
            Ok(entries) => format!("listed {} entries", entries.count()),
            Err(e) => format!("denied ({})", e.kind()),
        };
        report.flag(o, format!("dir: {dir}"));
        report.flag(o, format!("env: {} variables, HOME={:?}", std::env::vars().count(), std::env::var("HOME").ok()));
        report.flag(o, format!("args: {}", std::env::args().count()));
        let tcp = match std::net::TcpStream::connect("127.0.0.1:22") {
            Ok(_) => "connected".to_string(),
            Err(e) => format!("denied ({})", e.kind()),
        };
        report.flag(o, format!("tcp: {tcp}"));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        report.flag(o, format!("clock: {now}"));
        let hash = std::collections::hash_map::RandomState::new().hash_one(42u64);
        report.flag(o, format!("random: {hash}"));
    }
}

rules_sdk::export_rules!(Ambient);
