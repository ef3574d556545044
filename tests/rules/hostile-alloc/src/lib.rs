//! A rule that allocates without bound: the sandbox's memory limit must stop
//! it and keep every other rule's findings.

use rules_sdk::prelude::*;

pub struct AllocateForever;

impl Rule for AllocateForever {
    fn meta(&self) -> Meta {
        Meta { id: "hostile-alloc", component: "hostile", summary: "allocates without bound", ..Meta::DEFAULT }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut chunk = vec![0u8; 16 << 20];
            chunk[objects.len() % 7] = 1; // touch it
            hoard.push(std::hint::black_box(chunk));
            if hoard.len() == usize::MAX {
                report.flag(objects[0], "unreachable");
            }
        }
    }
}

rules_sdk::export_rules!(AllocateForever);
