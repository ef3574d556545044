//! A rule that recurses until its stack overflows.

use rules_sdk::prelude::*;

pub struct RecurseForever;

#[inline(never)]
#[allow(unconditional_recursion)] // the point of this rule
fn depth(n: u64, pad: [u64; 16]) -> u64 {
    let pad = std::hint::black_box(pad);
    depth(n + pad[(n % 16) as usize], pad) + 1
}

impl Rule for RecurseForever {
    fn meta(&self) -> Meta {
        Meta {
            id: "hostile-stack",
            component: "hostile",
            summary: "recurses until the stack overflows",
            ..Meta::DEFAULT
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let n = depth(objects.len() as u64, [1; 16]);
        report.flag(objects[0], format!("unreachable {n}"));
    }
}

rules_sdk::export_rules!(RecurseForever);
