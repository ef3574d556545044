//! A rule that panics halfway through reporting.

use rules_sdk::prelude::*;

pub struct Panics;

impl Rule for Panics {
    fn meta(&self) -> Meta {
        Meta { id: "hostile-panic", component: "hostile", summary: "panics", ..Meta::DEFAULT }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        report.flag(objects[0], "a partial finding that must not survive");
        let index = std::hint::black_box(objects.len() + 1);
        let _ = objects[index]; // out of bounds: panics
    }
}

rules_sdk::export_rules!(Panics);
