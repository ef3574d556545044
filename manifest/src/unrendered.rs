//! Catch a Helm template that parsed as YAML because every `{{ … }}` sat in
//! quotes: `name: "{{ .Release.Name }}-db"` is valid YAML, and audited as if
//! rendered it would give findings about an object that does not exist.
//!
//! Only fields Kubernetes validates are looked at: names, namespaces, kinds,
//! label keys and values, and container images can never hold `{{`. Values
//! that may (a ConfigMap's data, a PrometheusRule's annotations, an Argo
//! Workflow's parameters) are rendered content and are left alone.

use serde_json::Value;

/// A message naming the first field still holding a template expression.
pub(crate) fn find(body: &Value) -> Option<String> {
    let field = identity_fields(body).find(|(_, value)| is_template(value))?;
    Some(format!(
        "unrendered Helm template: {} is `{}`; audit `helm template` output, not the chart's templates",
        field.0,
        shorten(&field.1)
    ))
}

/// `{{` followed later by `}}`: a Go template action.
fn is_template(value: &str) -> bool {
    value.find("{{").is_some_and(|at| value[at + 2..].contains("}}"))
}

/// The fields checked, by their path, in a fixed order.
fn identity_fields(body: &Value) -> impl Iterator<Item = (String, String)> + '_ {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut push = |path: String, value: Option<&Value>| {
        if let Some(text) = value.and_then(Value::as_str) {
            fields.push((path, text.to_string()));
        }
    };
    push("apiVersion".into(), body.get("apiVersion"));
    push("kind".into(), body.get("kind"));
    let metadata = body.get("metadata");
    for key in ["name", "generateName", "namespace"] {
        push(format!("metadata.{key}"), metadata.and_then(|m| m.get(key)));
    }
    if let Some(labels) = metadata.and_then(|m| m.get("labels")).and_then(Value::as_object) {
        for (key, value) in labels {
            push("a label key".into(), Some(&Value::String(key.clone())));
            push(format!("metadata.labels.{key}"), Some(value));
        }
    }
    if let Some((prefix, spec)) = crate::identity::pod_spec(body) {
        for list in ["initContainers", "containers"] {
            let containers = spec.get(list).and_then(Value::as_array).into_iter().flatten();
            for (i, container) in containers.enumerate() {
                push(format!("{prefix}.{list}[{i}].image"), container.get("image"));
            }
        }
    }
    fields.into_iter()
}

fn shorten(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quoted_expressions_in_identity_fields_are_found() {
        let body = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "{{ .Release.Namespace }}"}});
        assert_eq!(
            find(&body).as_deref(),
            Some(
                "unrendered Helm template: metadata.namespace is `{{ .Release.Namespace }}`; audit `helm template` output, not the chart's templates"
            )
        );
        let body = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"},
            "spec": {"template": {"spec": {"containers": [{"image": "{{ .Values.image }}:1"}]}}}});
        assert!(find(&body).unwrap().contains("spec.template.spec.containers[0].image"));
        let body = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "a", "labels": {"app": "{{ include \"x\" . }}"}}});
        assert!(find(&body).unwrap().contains("metadata.labels.app"));
    }

    #[test]
    fn rendered_content_that_holds_braces_is_left_alone() {
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "alerts",
            "annotations": {"description": "{{ $labels.instance }} is down"}},
            "data": {"tpl": "{{ .Values.x }}"}});
        assert_eq!(find(&body), None);
        let body = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "w"},
            "spec": {"templates": [{"container": {"image": "{{inputs.parameters.image}}"}}]}});
        assert_eq!(find(&body), None, "Argo's own parameters live outside pod specs");
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "{{ unclosed"}});
        assert_eq!(find(&body), None);
    }
}
