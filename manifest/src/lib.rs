//! Load rendered Kubernetes manifests: `helm template` output, plain YAML
//! streams, JSON, and `kind: List` documents.
//!
//! Each input is split into documents first ([`reader`], which holds one
//! document at a time and bounds its size), then each document is
//! parsed on its own, so a bad document costs only itself: the error names its
//! file and line and every other document still loads. Every object carries
//! its [`Provenance`]: file, document index, start line, `# Source:` template
//! and the chart that rendered it.
//!
//! The host and the rules SDK's native test harness share this crate, so a rule
//! sees the same resources under `cargo test` as under `rewheel audit`.

pub mod catalog;
pub mod charts;
pub mod identity;
pub mod image;
#[cfg(feature = "load")]
mod load;
pub mod origin;
pub mod products;
pub mod provenance;
#[cfg(feature = "load")]
pub mod reader;
pub mod sources;
#[cfg(feature = "load")]
pub mod split;
#[cfg(feature = "load")]
mod unrendered;
pub mod upstream;
#[cfg(feature = "load")]
mod yaml;

#[cfg(feature = "load")]
pub use load::*;
pub use provenance::{Provenance, chart_name_from_label, helm_chart_label, rendering_chart};
