//! Arbitrary resources through a real rule component, across the WIT boundary:
//! the host must never panic, whatever the resources hold, and the component
//! either returns findings for resources it was given or fails as a rule error.
//!
//! The component comes from `REWHEEL_FUZZ_RULE` (a `.wasm` path), e.g. a rule of
//! the built-in pack: `target/rules/wasm32-wasip2/rules/rule_novu.wasm`.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rewheel::cache::Cache;
use rewheel::sandbox::{Limits, LoadedComponent, Origin, Provenance, Resource, Sandbox};

#[derive(Debug, Arbitrary)]
struct Input {
    api_version: String,
    kind: u8,
    namespace: Option<String>,
    name: String,
    labels: Vec<(String, String)>,
    template: Option<String>,
    /// Either raw text (often not JSON) or a JSON object built from parts.
    body: Body,
}

#[derive(Debug, Arbitrary)]
enum Body {
    Raw(String),
    Pod { image: String, command: Vec<String>, init: bool, privileged: bool },
}

const KINDS: &[&str] = &["Deployment", "StatefulSet", "Job", "CronJob", "Pod", "Service", "ConfigMap", "Secret", "Other"];

fn component() -> &'static (Sandbox, LoadedComponent) {
    static LOADED: OnceLock<(Sandbox, LoadedComponent)> = OnceLock::new();
    LOADED.get_or_init(|| {
        let path = std::env::var("REWHEEL_FUZZ_RULE").expect("set REWHEEL_FUZZ_RULE to a rule component (.wasm)");
        let bytes = std::fs::read(&path).expect("read REWHEEL_FUZZ_RULE");
        let limits = Limits { fuel: 200_000_000, ..Limits::default() };
        let sandbox = Sandbox::new(limits, Cache::disabled()).expect("sandbox");
        let loaded = sandbox.compile(&path, &bytes).expect("a valid component");
        (sandbox, loaded)
    })
}

fuzz_target!(|inputs: Vec<Input>| {
    let (sandbox, loaded) = component();
    let resources: Vec<Resource> = inputs
        .into_iter()
        .take(64)
        .enumerate()
        .map(|(i, input)| {
            let kind = KINDS[input.kind as usize % KINDS.len()].to_string();
            let body = match input.body {
                Body::Raw(text) => text,
                Body::Pod { image, command, init, privileged } => {
                    let container = serde_json::json!({"name": "c", "image": image, "command": command,
                        "securityContext": {"privileged": privileged, "runAsUser": 0}});
                    let key = if init { "initContainers" } else { "containers" };
                    serde_json::json!({"apiVersion": input.api_version, "kind": kind,
                        "metadata": {"name": input.name},
                        "spec": {"template": {"spec": {key: [container]}}}})
                    .to_string()
                }
            };
            Resource {
                api_version: input.api_version,
                kind,
                namespace: input.namespace,
                name: input.name,
                labels: input.labels,
                annotations: Vec::new(),
                provenance: Provenance {
                    file: "fuzz.yaml".into(),
                    document: i as u32,
                    line: 1,
                    template: input.template,
                    chart: None,
                    chart_version: None,
                    origin: Origin::Wrapper,
                    evidence: String::new(),
                    source: None,
                },
                body,
            }
        })
        .collect();
    let Ok(mut instance) = sandbox.instantiate(loaded, sandbox.limits()) else { return };
    let Ok(rules) = instance.rules() else { return };
    let ids: Vec<String> = rules.into_iter().map(|r| r.id).collect();
    if let Ok(findings) = instance.check(&ids, &resources, &[], &[], "fuzz") {
        for f in findings {
            assert!((f.resource as usize) < resources.len().max(1) || resources.is_empty());
        }
    }
});
