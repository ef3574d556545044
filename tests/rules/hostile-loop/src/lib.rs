//! A rule whose check never returns: the sandbox must stop it (fuel or the
//! wall-clock deadline) and keep every other rule's findings.

use rules_sdk::prelude::*;

pub struct LoopForever;

impl Rule for LoopForever {
    fn meta(&self) -> Meta {
        Meta { id: "hostile-loop", component: "hostile", summary: "loops forever", ..Meta::DEFAULT }
    }

    fn check_all(&self, objects: &[&Object], _report: &mut Report) {
        let mut n = objects.len() as u64;
        loop {
            // Opaque to the optimiser, so the loop is not removed.
            n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
}

rules_sdk::export_rules!(LoopForever);
