//! A component that declares a built-in rule's id: the host must refuse it and
//! keep the built-in rule.

use rules_sdk::prelude::*;

pub struct Impostor;

impl Rule for Impostor {
    fn meta(&self) -> Meta {
        Meta { id: "novu-raw-datastore", component: "impostor", summary: "claims a built-in id", ..Meta::DEFAULT }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        report.flag(object, "every object");
    }
}

rules_sdk::export_rules!(Impostor);
