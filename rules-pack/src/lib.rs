//! The built-in rule pack: every crate under `rules/` in one component.
//!
//! Each rule crate is also built as its own component (`builtin:<slug>`), and
//! those stay the unit users name, pin and lock. The host runs this pack
//! instead when it can: 33 components each compiling a copy of the SDK and
//! parsing every body again cost ~7 s of cold start and ~10x the parse floor
//! (docs/BENCHMARKS.md). If the pack fails (a trap, a limit, a bad option) the
//! host reruns the built-ins one by one, so a bad rule still hides no other
//! component's findings.
//!
//! Built with the SDK's `pack` feature, `export_rules!` in each crate only
//! collects its rules; this crate exports the world.

use rules_sdk::Rule;
use rules_sdk::bindings::rewheel::rule::types::{Chart, Finding, Resource, RuleMeta, RuleOptions};

// The generated export glue flattens `check`'s lists into pointer/length pairs.
#[allow(clippy::too_many_arguments)]
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "rule",
        // The contract's types are the SDK's, so its `run` glue takes them as they are.
        with: { "rewheel:rule/types@0.5.0": rules_sdk::bindings::rewheel::rule::types },
        runtime_path: "rules_sdk::__wit_bindgen_rt",
    });
}

/// One crate's `__rewheel_rules`.
type RulesOf = fn() -> Vec<Box<dyn Rule>>;

/// Every built-in rule, crate by crate in `rules/` order.
fn rules() -> Vec<Box<dyn Rule>> {
    let crates: [RulesOf; CRATES] = [
        rule_argocd::__rewheel_rules,
        rule_bootstrap_script::__rewheel_rules,
        rule_build_plane::__rewheel_rules,
        rule_clickhouse::__rewheel_rules,
        rule_datahub::__rewheel_rules,
        rule_daytona::__rewheel_rules,
        rule_external_secrets::__rewheel_rules,
        rule_github_runner::__rewheel_rules,
        rule_grafana::__rewheel_rules,
        rule_hasura::__rewheel_rules,
        rule_headlamp::__rewheel_rules,
        rule_inline_secret::__rewheel_rules,
        rule_kyverno::__rewheel_rules,
        rule_longhorn::__rewheel_rules,
        rule_mimir::__rewheel_rules,
        rule_nexus::__rewheel_rules,
        rule_novu::__rewheel_rules,
        rule_openbao::__rewheel_rules,
        rule_openfga::__rewheel_rules,
        rule_otel_collector::__rewheel_rules,
        rule_penpot::__rewheel_rules,
        rule_policy_overlap::__rewheel_rules,
        rule_pomerium::__rewheel_rules,
        rule_redpanda::__rewheel_rules,
        rule_root_chown::__rewheel_rules,
        rule_spire::__rewheel_rules,
        rule_supabase::__rewheel_rules,
        rule_temporal::__rewheel_rules,
        rule_thin_overlay::__rewheel_rules,
        rule_traefik::__rewheel_rules,
        rule_upstream_available::__rewheel_rules,
        rule_velero::__rewheel_rules,
        rule_windmill::__rewheel_rules,
    ];
    crates.iter().flat_map(|rules| rules()).collect()
}

/// How many crates `rules/` holds (host/build.rs refuses a pack that misses one).
const CRATES: usize = 33;

struct Pack;

impl bindings::Guest for Pack {
    fn rules() -> Vec<RuleMeta> {
        let rules = rules();
        rules_sdk::run::metas(&rules.iter().map(|r| r.as_ref()).collect::<Vec<_>>())
    }

    fn check(
        ids: Vec<String>,
        resources: Vec<Resource>,
        options: Vec<RuleOptions>,
        charts: Vec<Chart>,
    ) -> Result<Vec<Finding>, String> {
        let rules = rules();
        rules_sdk::run::check(&rules.iter().map(|r| r.as_ref()).collect::<Vec<_>>(), &ids, resources, options, charts)
    }
}

bindings::export!(Pack with_types_in bindings);
