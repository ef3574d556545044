//! A rule that returns one finding with a 100 MB message.

use rules_sdk::prelude::*;

pub struct HugeMessage;

impl Rule for HugeMessage {
    fn meta(&self) -> Meta {
        Meta { id: "hostile-huge-message", component: "hostile", summary: "returns a 100 MB message", ..Meta::DEFAULT }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        report.flag(objects[0], "x".repeat(100 << 20));
    }
}

rules_sdk::export_rules!(HugeMessage);
