//! Implements a newer `rewheel:rule@0.6.0` world.

wit_bindgen::generate!({ path: "wit", world: "rule" });

struct Newer;

impl Guest for Newer {
    fn rules() -> Vec<rewheel::rule::types::RuleMeta> {
        vec![rewheel::rule::types::RuleMeta { id: "newer-rule".into(), severity_levels: vec![] }]
    }

    fn check(resources: Vec<String>) -> Vec<String> {
        resources
    }
}

export!(Newer);
