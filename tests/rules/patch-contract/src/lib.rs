//! Implements the `rewheel:rule@0.5.9` world: the same types as the host's
//! 0.5.0, a later patch (documentation only, per docs/CONTRACT.md). The host
//! must run it. It flags every ConfigMap.

// The generated export glue flattens `check`'s lists into pointer/length pairs.
#[allow(clippy::too_many_arguments)]
mod world {
    wit_bindgen::generate!({ path: "wit", world: "rule" });
}
use world::*;

use rewheel::rule::types::{Category, Scope, Severity};

struct Patch;

impl Guest for Patch {
    fn rules() -> Vec<RuleMeta> {
        vec![RuleMeta {
            id: "patch-configmap".into(),
            component: "patch".into(),
            category: Category::ReinventedWorkload,
            default_severity: Severity::Info,
            summary: "Every ConfigMap (a test rule built against contract 0.5.9)".into(),
            replace_with: "nothing".into(),
            sources: vec![],
            kinds: vec!["ConfigMap".into()],
            scope: Scope::PerResource,
            supersedes: vec![],
            docs: String::new(),
            options: vec![],
        }]
    }

    fn check(
        _rules: Vec<String>,
        resources: Vec<Resource>,
        _options: Vec<RuleOptions>,
        _charts: Vec<Chart>,
    ) -> Result<Vec<Finding>, String> {
        Ok(resources
            .iter()
            .enumerate()
            .map(|(i, r)| Finding {
                rule: "patch-configmap".into(),
                resource: i as u32,
                severity: Severity::Info,
                message: format!("ConfigMap {}", r.name),
                path: None,
                replace_with: None,
            })
            .collect())
    }
}

export!(Patch with_types_in world);
