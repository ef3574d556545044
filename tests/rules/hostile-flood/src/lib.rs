//! A rule that returns a million findings.

use rules_sdk::prelude::*;

pub struct Flood;

impl Rule for Flood {
    fn meta(&self) -> Meta {
        Meta { id: "hostile-flood", component: "hostile", summary: "returns a million findings", ..Meta::DEFAULT }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        for i in 0..1_000_000 {
            report.flag(objects[i % objects.len()], "flood");
        }
    }
}

rules_sdk::export_rules!(Flood);
