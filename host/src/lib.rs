//! rewheel: audit rendered Kubernetes manifests for local control logic that an
//! upstream chart, operator CRD or native controller already reconciles.
//!
//! The binary (`src/main.rs`) is a thin shell over these modules:
//! [`input`] reads paths, `rewheel_manifest` parses documents once,
//! [`provenance`] decides who wrote each object over the whole input,
//! [`rulepack`] finds rule components, [`sandbox`] runs each in its own
//! deny-by-default wasmtime store, [`audit`] merges their findings under the
//! [`config`] (selection, severities, options), [`suppress`] applies inline
//! ignores, exemptions and the [`baseline`], and [`report`] writes the stable
//! JSON contract or text; [`output`] writes report files whole or not at all.

pub mod audit;
pub mod baseline;
pub mod cache;
pub mod casetest;
pub mod catalog;
pub mod charts;
pub mod cli;
pub mod config;
pub mod config_show;
pub mod github;
pub mod identity;
pub mod input;
pub mod junit;
pub mod lock;
pub mod output;
pub mod pool;
pub mod provenance;
pub mod report;
pub mod rulepack;
pub mod sandbox;
pub mod sarif;
pub mod scaffold;
pub mod spool;
mod stage;
mod stream;
pub mod suppress;
pub mod text;
