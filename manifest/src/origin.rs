//! Who wrote an object, and the evidence that can be read off the object
//! alone. What needs the whole input (which chart renders which subcharts,
//! what each chart runs) is in [`crate::charts`].

use std::collections::BTreeMap;

/// Who wrote an object. Only local objects (`Wrapper`, `Passthrough`,
/// `HandWritten`) can be reinventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// Rendered by an upstream chart's own templates.
    Upstream,
    /// In a local chart's own templates: a team's wrapper, whatever its name,
    /// or a local chart vendored under `charts/`.
    Wrapper,
    /// Passed through an upstream chart's `extraObjects`-style value.
    Passthrough,
    /// Plain YAML with no Helm trace.
    HandWritten,
    /// Made by a controller (`ownerReferences`, or a `managed-by` label naming
    /// an operator or controller).
    Controller,
}

impl Origin {
    /// Written by the team: the only objects that can be reinventions.
    pub fn is_local(self) -> bool {
        matches!(self, Origin::Wrapper | Origin::Passthrough | Origin::HandWritten)
    }

    /// The contract's name for it (`hand-written`, `controller-generated`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Origin::Upstream => "upstream",
            Origin::Wrapper => "wrapper",
            Origin::Passthrough => "passthrough",
            Origin::HandWritten => "hand-written",
            Origin::Controller => "controller-generated",
        }
    }
}

/// The controller that made an object, and how that shows: non-empty
/// `ownerReferences`, or `app.kubernetes.io/managed-by` (or the plain
/// `managed-by` prometheus-operator sets) ending in `operator` or `controller`.
///
/// # Examples
///
/// ```
/// use rewheel_manifest::origin::controller;
/// let labels = [("app.kubernetes.io/managed-by".to_string(), "redpanda-operator".to_string())].into();
/// let (by, evidence) = controller(&labels, &serde_json::json!({})).unwrap();
/// assert_eq!(by, "redpanda-operator");
/// assert_eq!(evidence, "labelled app.kubernetes.io/managed-by: redpanda-operator");
/// assert!(controller(&Default::default(), &serde_json::json!({})).is_none());
/// ```
pub fn controller(labels: &BTreeMap<String, String>, body: &serde_json::Value) -> Option<(String, String)> {
    let owner =
        body.get("metadata").and_then(|m| m.get("ownerReferences")).and_then(|o| o.as_array()).and_then(|o| o.first());
    let managed = ["app.kubernetes.io/managed-by", "managed-by"].into_iter().find_map(|key| {
        let value = labels.get(key)?;
        let lower = value.to_ascii_lowercase();
        (lower.ends_with("operator") || lower.ends_with("controller")).then(|| (key, value.clone()))
    });
    if let Some((key, value)) = &managed {
        return Some((value.clone(), format!("labelled {key}: {value}")));
    }
    let owner = owner?;
    let field = |k: &str| owner.get(k).and_then(|v| v.as_str()).unwrap_or("?");
    Some((
        labels.get("app.kubernetes.io/managed-by").cloned().unwrap_or_else(|| "a controller".to_string()),
        format!("owned by {} {} (ownerReferences)", field("kind"), field("name")),
    ))
}

/// Template files through which upstream charts render user-supplied objects.
///
/// # Examples
///
/// ```
/// use rewheel_manifest::origin::is_passthrough_template;
/// assert!(is_passthrough_template("extra-objects.yaml"));
/// assert!(is_passthrough_template("extraDeploy.yaml"));
/// assert!(is_passthrough_template("extra_manifests.tpl"));
/// assert!(!is_passthrough_template("deployment.yaml"));
/// ```
pub fn is_passthrough_template(file_name: &str) -> bool {
    let stem = file_name.trim_end_matches(".yaml").trim_end_matches(".yml").trim_end_matches(".tpl");
    let normalised: String =
        stem.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    matches!(normalised.as_str(), "extraobjects" | "extradeploy" | "extramanifests" | "extraresources" | "extralist")
}
