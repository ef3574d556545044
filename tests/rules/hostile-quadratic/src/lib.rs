//! A rule whose work grows with the square of its input (every object compared
//! with every other): fuel stops it at the same point on any machine.

use rules_sdk::prelude::*;

pub struct Quadratic;

impl Rule for Quadratic {
    fn meta(&self) -> Meta {
        Meta {
            id: "hostile-quadratic",
            component: "hostile",
            summary: "compares every pair of objects",
            ..Meta::DEFAULT
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        let mut same = 0usize;
        for a in objects {
            for b in objects {
                for _ in 0..1000 {
                    if std::hint::black_box(&a.body) == std::hint::black_box(&b.body) {
                        same += 1;
                    }
                }
            }
        }
        report.flag(objects[0], format!("{same} identical pairs"));
    }
}

rules_sdk::export_rules!(Quadratic);
