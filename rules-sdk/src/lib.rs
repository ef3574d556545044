//! The rewheel rules SDK: write audit rules in plain Rust, export them as a
//! WebAssembly component, test them natively with `cargo test`.
//!
//! A rule is a type implementing [`Rule`]: its [`Meta`] (stable id, component,
//! category, severity, summary, replacement, sources, kinds, docs) and a check
//! over typed [`Object`]s. [`export_rules!`] turns a list of rules into a
//! component implementing the `rewheel:rule` WIT world.
//!
//! ```
//! use rules_sdk::prelude::*;
//!
//! pub struct RawMongo;
//!
//! impl Rule for RawMongo {
//!     fn meta(&self) -> Meta {
//!         Meta {
//!             id: "demo-raw-mongo",
//!             component: "demo",
//!             category: Category::ReinventedWorkload,
//!             severity: Severity::Warning,
//!             summary: "A hand-written MongoDB workload",
//!             replace_with: "a MongoDBCommunity CR",
//!             sources: &["https://github.com/mongodb/mongodb-kubernetes"],
//!             kinds: WORKLOAD_KINDS,
//!             ..Meta::DEFAULT
//!         }
//!     }
//!
//!     fn check(&self, object: &Object, report: &mut Report) {
//!         if !object.origin().is_local() {
//!             return; // rendered by an upstream chart: not a reinvention
//!         }
//!         for container in object.containers() {
//!             if container.image.matches("mongo") {
//!                 report.flag(object, format!("{} runs {}", object.display(), container.image))
//!                     .at(container.field("image"));
//!             }
//!         }
//!     }
//! }
//!
//! // In a rule crate: rules_sdk::export_rules!(RawMongo);
//! # #[cfg(feature = "testing")] {
//! let findings = rules_sdk::testing::check_yaml(&[&RawMongo], "
//! apiVersion: apps/v1
//! kind: StatefulSet
//! metadata: {name: db}
//! spec:
//!   template:
//!     spec:
//!       containers: [{name: mongo, image: 'mirror.local/dockerhub/library/mongo:7'}]
//! ");
//! assert_eq!(findings.len(), 1);
//! # }
//! ```

extern crate self as rules_sdk;

pub mod catalog;
pub mod image;
pub mod object;
pub mod origin;
pub mod pod;
pub mod rule;
pub mod secret;
pub mod shell;
pub mod smell;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
pub mod run;

/// Bindings generated from `wit/rule.wit` (the `rewheel:rule` world).
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "rule",
        pub_export_macro: true,
        export_macro_name: "__export_rule_world",
        default_bindings_module: "rules_sdk::bindings",
        runtime_path: "rules_sdk::__wit_bindgen_rt",
    });
}

#[doc(hidden)]
pub use wit_bindgen::rt as __wit_bindgen_rt;

pub use bindings::rewheel::rule::types::{Category, Severity};
pub use image::Image;
pub use object::{Object, Provenance};
pub use origin::Origin;
pub use pod::{Container, ContainerRole, PodSpec};
pub use rule::{FindingDraft, Meta, Options, Report, Rule, RuleOption};

/// Kinds that carry a pod template (or are a Pod).
pub const WORKLOAD_KINDS: &[&str] =
    &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

/// Principle rules a component rule usually refines: list them in
/// [`Meta::supersedes`] so a smell is reported once, at the component rule.
pub mod supersede {
    /// For rules flagging hand-written workloads (and their Services, PVCs, ConfigMaps).
    pub const WORKLOAD: &[&str] = &["upstream-available", "thin-overlay"];
    /// For rules flagging bootstrap scripts.
    pub const SCRIPT: &[&str] = &["bootstrap-script"];
    /// For rules flagging root chown/chmod init containers.
    pub const CHOWN: &[&str] = &["root-chown"];
    /// For rules flagging literal credentials in Secrets.
    pub const SECRET: &[&str] = &["inline-secret"];
}

/// The groups (see [`Object::group`]) holding an object that satisfies
/// `pred`: "which wrapper charts contain a Novu image?"
pub fn groups_where(objects: &[&Object], pred: impl Fn(&Object) -> bool) -> std::collections::BTreeSet<String> {
    objects.iter().filter(|o| pred(o)).map(|o| o.group()).collect()
}

/// The groups holding a workload that runs one of `images`, or an object
/// rendered by one of `charts`: "where is this component deployed?"
pub fn groups_running(objects: &[&Object], images: &[&str], charts: &[&str]) -> std::collections::BTreeSet<String> {
    groups_where(objects, |o| {
        o.provenance.chart.as_deref().is_some_and(|c| charts.contains(&c))
            || o.containers().iter().any(|c| c.role == ContainerRole::Main && c.image.matches_any(images))
    })
}

/// Everything a rule file usually needs.
pub mod prelude {
    pub use crate::smell::{Cmd, report_script, report_workload};
    pub use crate::{
        Category, Container, ContainerRole, Image, Meta, Object, Origin, PodSpec, Report, Rule, RuleOption, Severity,
        WORKLOAD_KINDS,
    };
}

/// Export rules as the component's implementation of the `rewheel:rule` world.
///
/// Call it once per rule crate, at the crate root, with every rule the crate
/// carries: `rules_sdk::export_rules!(RawMongo, RootChown);`
#[macro_export]
macro_rules! export_rules {
    ($($rule:expr),+ $(,)?) => {
        #[doc(hidden)]
        pub struct __RewheelRuleComponent;

        impl $crate::bindings::Guest for __RewheelRuleComponent {
            fn rules() -> ::std::vec::Vec<$crate::bindings::rewheel::rule::types::RuleMeta> {
                $crate::run::metas(&[$(&$rule as &dyn $crate::Rule),+])
            }

            fn check(
                resources: ::std::vec::Vec<$crate::bindings::rewheel::rule::types::Resource>,
                options: ::std::vec::Vec<$crate::bindings::rewheel::rule::types::RuleOptions>,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::bindings::rewheel::rule::types::Finding>, ::std::string::String> {
                $crate::run::check(&[$(&$rule as &dyn $crate::Rule),+], resources, options)
            }
        }

        $crate::bindings::__export_rule_world!(__RewheelRuleComponent);
    };
}
