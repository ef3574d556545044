//! Two rules that report what each `check` call held, so tests can see how
//! the host splits a run (tests/stream.rs). `scoped-part` (per-resource)
//! flags every ConfigMap and Secret with the size of the call it came in,
//! after burning `burn` iterations (an annotation) of CPU; `scoped-set`
//! (whole-set) flags every ConfigMap with how many it saw. Deliberately,
//! `scoped-part`'s message depends on the call, which a real per-resource
//! rule's must not.

use rules_sdk::prelude::*;

pub struct Part;

impl Rule for Part {
    fn meta(&self) -> Meta {
        Meta {
            id: "scoped-part",
            component: "scoped",
            summary: "every ConfigMap and Secret, with the size of its call",
            kinds: &["ConfigMap", "Secret"],
            scope: Scope::PerResource,
            ..Meta::DEFAULT
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        for object in objects {
            let burn: u64 = object.annotations.get("burn").and_then(|b| b.parse().ok()).unwrap_or(0);
            let mut n = burn;
            for _ in 0..burn {
                // Opaque to the optimiser, so the loop is not removed.
                n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
            std::hint::black_box(n);
            report.flag(object, format!("{} {} in a call of {}", object.kind, object.name, objects.len()));
        }
    }
}

pub struct Set;

impl Rule for Set {
    fn meta(&self) -> Meta {
        Meta {
            id: "scoped-set",
            component: "scoped",
            summary: "every ConfigMap, with how many it saw",
            kinds: &["ConfigMap"],
            scope: Scope::WholeSet,
            ..Meta::DEFAULT
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        for object in objects {
            report.flag(object, format!("{} {} among {}", object.kind, object.name, objects.len()));
        }
    }
}

rules_sdk::export_rules!(Part, Set);
