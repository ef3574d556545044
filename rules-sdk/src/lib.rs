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

#![warn(missing_docs)]

extern crate self as rules_sdk;

pub mod catalog;
pub use rewheel_manifest::image;
mod memo;
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
// The generated export glue flattens `check`'s lists into pointer/length pairs.
#[allow(clippy::too_many_arguments)]
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

/// The smell category of a rule (see [`Meta::category`]).
///
/// # Examples
///
/// ```
/// use rules_sdk::{Category, Meta};
/// let meta = Meta { id: "demo-bootstrap", category: Category::BootstrapScript, ..Meta::DEFAULT };
/// assert_eq!(meta.category, Category::BootstrapScript);
/// assert_ne!(Meta::DEFAULT.category, Category::BootstrapScript);
/// ```
pub use bindings::rewheel::rule::types::Category;
/// How much of the input a rule must see at once, in [`Meta::scope`]:
/// [`Scope::PerResource`] when the rule judges each object on its own (the
/// default `check` of [`Rule`]), so the host can stream big inputs to it;
/// [`Scope::WholeSet`] (the default) when it overrides
/// [`Rule::check_all`] to relate objects to each other.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Meta, Scope};
/// let meta = Meta { id: "demo-latest-tag", scope: Scope::PerResource, ..Meta::DEFAULT };
/// assert_eq!(meta.scope, Scope::PerResource);
/// assert_eq!(Meta::DEFAULT.scope, Scope::WholeSet);
/// ```
pub use bindings::rewheel::rule::types::Scope;
/// How serious a finding is: a rule's default in [`Meta::severity`], or one
/// finding's through [`FindingDraft::severity`].
///
/// # Examples
///
/// ```
/// use rules_sdk::{Meta, Severity};
/// let meta = Meta { id: "demo-root-chown", severity: Severity::Error, ..Meta::DEFAULT };
/// assert_eq!(meta.severity, Severity::Error);
/// assert_eq!(Meta::DEFAULT.severity, Severity::Warning);
/// ```
pub use bindings::rewheel::rule::types::Severity;
pub use image::Image;
pub use object::{Chart, Known, Object, Provenance};
pub use origin::Origin;
pub use pod::{Container, ContainerRole, PodSpec};
pub use rewheel_manifest::identity::{Identity, UpstreamChart};
pub use rule::{FindingDraft, Meta, OptionKind, Options, Report, Rule, RuleOption};

/// Kinds that carry a pod template (or are a Pod): the usual [`Meta::kinds`]
/// of a rule that looks at containers.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Meta, WORKLOAD_KINDS};
/// let meta = Meta { id: "demo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT };
/// assert!(meta.wants("CronJob"));
/// assert!(!meta.wants("Service"));
/// ```
pub const WORKLOAD_KINDS: &[&str] =
    &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

/// Principle rules a component rule usually refines: list them in
/// [`Meta::supersedes`] so a smell is reported once, at the component rule.
///
/// # Examples
///
/// ```
/// use rules_sdk::{Category, Meta, supersede};
/// let meta = Meta {
///     id: "novu-raw-datastore",
///     category: Category::ReinventedWorkload,
///     supersedes: supersede::WORKLOAD,
///     ..Meta::DEFAULT
/// };
/// assert!(meta.supersedes.contains(&"upstream-available"));
/// ```
pub mod supersede {
    /// For rules flagging hand-written workloads (and their Services, PVCs,
    /// ConfigMaps), an operator's controller among them.
    ///
    /// ```
    /// assert_eq!(
    ///     rules_sdk::supersede::WORKLOAD,
    ///     ["upstream-available", "upstream-available-operator-copy", "thin-overlay"]
    /// );
    /// ```
    pub const WORKLOAD: &[&str] = &["upstream-available", "upstream-available-operator-copy", "thin-overlay"];
    /// For rules flagging bootstrap scripts.
    ///
    /// ```
    /// assert_eq!(rules_sdk::supersede::SCRIPT, ["bootstrap-script"]);
    /// ```
    pub const SCRIPT: &[&str] = &["bootstrap-script"];
    /// For rules flagging root chown/chmod init containers.
    ///
    /// ```
    /// assert_eq!(rules_sdk::supersede::CHOWN, ["root-chown"]);
    /// ```
    pub const CHOWN: &[&str] = &["root-chown"];
    /// For rules flagging literal credentials in Secrets.
    ///
    /// ```
    /// assert_eq!(rules_sdk::supersede::SECRET, ["inline-secret"]);
    /// ```
    pub const SECRET: &[&str] = &["inline-secret"];
}

/// The groups (see [`Object::group`]) holding an object that satisfies
/// `pred`: "which wrapper charts contain a Novu image?"
///
/// # Examples
///
/// ```
/// use rules_sdk::{Object, Provenance, groups_where};
/// let object = |kind: &str, template: &str| Object {
///     index: 0,
///     api_version: "v1".into(),
///     kind: kind.into(),
///     namespace: None,
///     name: "x".into(),
///     labels: Default::default(),
///     annotations: Default::default(),
///     provenance: Provenance { template: Some(template.into()), ..Provenance::default() },
///     runs: Vec::new(),
///     body: serde_json::json!({}),
/// };
/// let sts = object("StatefulSet", "platform-novu/templates/mongo.yaml");
/// let cm = object("ConfigMap", "platform-kafka/templates/topics.yaml");
/// let groups = groups_where(&[&sts, &cm], |o| o.kind == "StatefulSet");
/// assert_eq!(groups.into_iter().collect::<Vec<_>>(), ["chart:platform-novu"]);
/// ```
pub fn groups_where(objects: &[&Object], pred: impl Fn(&Object) -> bool) -> std::collections::BTreeSet<String> {
    objects.iter().filter(|o| pred(o)).map(|o| o.group()).collect()
}

/// The groups holding a workload that runs one of `images`, or an object
/// rendered by one of `charts`: "where is this component deployed?"
///
/// # Examples
///
/// ```
/// use rules_sdk::{Object, Provenance, groups_running};
/// let object = |template: &str, chart: &str, body| Object {
///     index: 0,
///     api_version: "apps/v1".into(),
///     kind: "Deployment".into(),
///     namespace: None,
///     name: "x".into(),
///     labels: Default::default(),
///     annotations: Default::default(),
///     provenance: Provenance {
///         template: Some(template.into()),
///         chart: Some(chart.into()),
///         ..Provenance::default()
///     },
///     runs: Vec::new(),
///     body,
/// };
/// let pod = |image: &str| serde_json::json!({"spec": {"template": {"spec": {
///     "containers": [{"name": "app", "image": image}]
/// }}}});
/// // A wrapper running Novu's image, an upstream novu chart, and something else.
/// let wrapper = object("platform-novu/templates/api.yaml", "platform-novu", pod("ghcr.io/novuhq/novu/api:2.0"));
/// let chart = object("novu/templates/worker.yaml", "novu", pod("busybox"));
/// let other = object("shop/templates/web.yaml", "shop", pod("nginx:1.27"));
/// let groups = groups_running(&[&wrapper, &chart, &other], &["novuhq/novu/api"], &["novu"]);
/// assert_eq!(groups.into_iter().collect::<Vec<_>>(), ["chart:novu", "chart:platform-novu"]);
/// ```
pub fn groups_running(objects: &[&Object], images: &[&str], charts: &[&str]) -> std::collections::BTreeSet<String> {
    groups_where(objects, |o| {
        o.provenance.chart.as_deref().is_some_and(|c| charts.contains(&c))
            || memo::with_images(o, |found| {
                found.iter().any(|(role, image)| *role == ContainerRole::Main && image.matches_any(images))
            })
    })
}

/// Everything a rule file usually needs: the [`Rule`] trait and its types,
/// the typed views of objects, and the two common smell checks
/// ([`report_workload`](crate::smell::report_workload),
/// [`report_script`](crate::smell::report_script)).
///
/// # Examples
///
/// ```
/// use rules_sdk::prelude::*;
///
/// struct RawRedis;
///
/// impl Rule for RawRedis {
///     fn meta(&self) -> Meta {
///         Meta {
///             id: "demo-raw-redis",
///             category: Category::ReinventedWorkload,
///             severity: Severity::Warning,
///             kinds: WORKLOAD_KINDS,
///             ..Meta::DEFAULT
///         }
///     }
///     fn check(&self, object: &Object, report: &mut Report) {
///         report_workload(object, report, &["redis", "bitnami/redis"], "Redis");
///     }
/// }
/// # #[cfg(feature = "testing")] {
/// let findings = rules_sdk::testing::check_yaml(&[&RawRedis], "
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata: {name: cache, namespace: shop}
/// spec:
///   template:
///     spec:
///       containers: [{name: redis, image: 'redis:7-alpine'}]
/// ");
/// assert_eq!(findings.len(), 1);
/// assert_eq!(findings[0].message, "Deployment shop/cache runs Redis (redis:7-alpine) in hand-written YAML");
/// assert_eq!(findings[0].path.as_deref(), Some("spec.template.spec.containers[0].image"));
/// # }
/// ```
pub mod prelude {
    pub use crate::smell::{Cmd, report_script, report_workload};
    pub use crate::{
        Category, Chart, Container, ContainerRole, Image, Meta, Object, OptionKind, Origin, PodSpec, Report, Rule,
        RuleOption, Scope, Severity, WORKLOAD_KINDS,
    };
}

/// Export rules as the component's implementation of the `rewheel:rule` world.
///
/// Call it once per rule crate, at the crate root, with every rule the crate
/// carries: `rules_sdk::export_rules!(RawMongo, RootChown);`. Each argument is
/// an expression whose value implements [`Rule`] (usually a unit struct). The
/// component's `rules()` export returns their [`Meta`]s in that order; its
/// `check` export runs each on the objects of its kinds, with its options.
///
/// # Examples
///
/// ```standalone_crate
/// use rules_sdk::prelude::*;
///
/// pub struct RawMongo;
///
/// impl Rule for RawMongo {
///     fn meta(&self) -> Meta {
///         Meta { id: "demo-raw-mongo", kinds: WORKLOAD_KINDS, ..Meta::DEFAULT }
///     }
///     fn check(&self, object: &Object, report: &mut Report) {
///         report_workload(object, report, &["mongo"], "MongoDB");
///     }
/// }
///
/// pub struct RootChown;
///
/// impl Rule for RootChown {
///     fn meta(&self) -> Meta {
///         Meta { id: "demo-root-chown", category: Category::UnsafeDefault, ..Meta::DEFAULT }
///     }
/// }
///
/// rules_sdk::export_rules!(RawMongo, RootChown);
/// # fn main() {
/// #     use rules_sdk::bindings::Guest;
/// #     let ids: Vec<String> = __RewheelRuleComponent::rules().into_iter().map(|m| m.id).collect();
/// #     assert_eq!(ids, ["demo-raw-mongo", "demo-root-chown"]);
/// # }
/// ```
#[cfg(not(feature = "pack"))]
#[macro_export]
macro_rules! export_rules {
    ($($rule:expr),+ $(,)?) => {
        $crate::__rule_component!($($rule),+);
        $crate::bindings::__export_rule_world!(__RewheelRuleComponent);
    };
}

/// With the `pack` feature (set only by the built-in pack, which links every
/// built-in rule crate into one component and exports the world itself), the
/// crate's rules are collected but not exported.
#[cfg(feature = "pack")]
#[macro_export]
macro_rules! export_rules {
    ($($rule:expr),+ $(,)?) => {
        $crate::__rule_component!($($rule),+);
    };
}

/// The implementation [`export_rules!`] exports, and `__rewheel_rules()`, the
/// crate's rules for the built-in pack.
#[doc(hidden)]
#[macro_export]
macro_rules! __rule_component {
    ($($rule:expr),+ $(,)?) => {
        /// Every rule this crate exports, in order (the built-in pack collects them).
        #[doc(hidden)]
        pub fn __rewheel_rules() -> ::std::vec::Vec<::std::boxed::Box<dyn $crate::Rule>> {
            ::std::vec![$(::std::boxed::Box::new($rule) as ::std::boxed::Box<dyn $crate::Rule>),+]
        }

        #[doc(hidden)]
        pub struct __RewheelRuleComponent;

        impl $crate::bindings::Guest for __RewheelRuleComponent {
            fn rules() -> ::std::vec::Vec<$crate::bindings::rewheel::rule::types::RuleMeta> {
                $crate::run::metas(&[$(&$rule as &dyn $crate::Rule),+])
            }

            fn check(
                rules: ::std::vec::Vec<::std::string::String>,
                resources: ::std::vec::Vec<$crate::bindings::rewheel::rule::types::Resource>,
                options: ::std::vec::Vec<$crate::bindings::rewheel::rule::types::RuleOptions>,
                charts: ::std::vec::Vec<$crate::bindings::rewheel::rule::types::Chart>,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::bindings::rewheel::rule::types::Finding>, ::std::string::String> {
                $crate::run::check(&[$(&$rule as &dyn $crate::Rule),+], &rules, resources, options, charts)
            }
        }
    };
}
