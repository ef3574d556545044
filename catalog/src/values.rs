//! What a chart's default `values.yaml` says it runs: images in the shapes
//! charts commonly write them, and the container ports it serves.

use std::collections::BTreeSet;

use serde_yaml::{Mapping, Value};

use crate::image::{looks_like_reference, normalise};

/// Images and ports found in one chart.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    pub images: BTreeSet<String>,
    pub ports: BTreeSet<u16>,
    /// Whether the chart ships CustomResourceDefinitions (crds/, a template, or
    /// values that offer to install them).
    pub crds: bool,
}

/// Does this key's subtree configure `helm test` hooks (`test`, `tests`,
/// `testFramework`, `test_pod`, `helmTest`)? Those are not what the chart runs.
fn is_test_key(key: &str) -> bool {
    key.starts_with("test") || key.starts_with("helmTest")
}

/// Top-level defaults some charts compose image names from
/// (strimzi: `defaultImageRegistry`; cert-manager: `imageRegistry`, `imageNamespace`).
#[derive(Debug, Default)]
struct Defaults {
    registry: Option<String>,
    namespace: Option<String>,
}

impl Defaults {
    fn of(values: &Value) -> Defaults {
        let first = |keys: &[&str]| keys.iter().find_map(|key| literal(values.get(*key)?));
        Defaults {
            registry: first(&["defaultImageRegistry", "imageRegistry"]),
            namespace: first(&["defaultImageRepository", "imageNamespace"]),
        }
    }
}

/// Walk every nesting level of `values`.
pub fn scan(values: &Value, found: &mut Found) {
    walk(values, None, &Defaults::of(values), found);
}

/// The image of the top-level `image` key, in any of the shapes [`scan`] knows.
pub fn top_level_image(values: &Value) -> Option<String> {
    match values.get("image")? {
        Value::Mapping(mapping) => mapping_image(mapping, Some("image"), &Defaults::of(values)),
        Value::String(reference) => looks_like_reference(reference).then(|| normalise(reference)).flatten(),
        _ => None,
    }
}

/// Whether the chart's values offer to install CRDs (`installCRDs`, or a
/// top-level `crds` block): charts that render their CRDs from generated files.
pub fn offers_crds(values: &Value) -> bool {
    values.get("installCRDs").is_some() || values.get("crds").is_some_and(Value::is_mapping)
}

fn walk(value: &Value, key: Option<&str>, defaults: &Defaults, found: &mut Found) {
    match value {
        Value::Mapping(mapping) => walk_mapping(mapping, key, defaults, found),
        Value::Sequence(items) => items.iter().for_each(|item| walk(item, key, defaults, found)),
        Value::Tagged(tagged) => walk(&tagged.value, key, defaults, found),
        _ => {}
    }
}

fn walk_mapping(mapping: &Mapping, key: Option<&str>, defaults: &Defaults, found: &mut Found) {
    if let Some(image) = mapping_image(mapping, key, defaults) {
        found.images.insert(image);
    }
    for (child_key, child) in mapping {
        let Some(child_key) = child_key.as_str() else {
            walk(child, None, defaults, found);
            continue;
        };
        if is_test_key(child_key) {
            continue;
        }
        match child {
            Value::String(reference) if is_image_key(child_key) && looks_like_reference(reference) => {
                found.images.extend(normalise(reference));
            }
            Value::String(path) if is_repository_key(child_key) => found.images.extend(normalise(path)),
            _ if ["containerPort", "containerPorts"].contains(&child_key) => all_ports(child, &mut found.ports),
            _ if child_key == "targetPort" => found.ports.extend(port(child)),
            _ => {}
        }
        walk(child, Some(child_key), defaults, found);
    }
}

/// `image`, `initImage`, `kubectlimage`: keys whose value is an image.
fn is_image_key(key: &str) -> bool {
    key == "image" || key.ends_with("Image") || key.ends_with("image")
}

/// `imageRepository`, `webImageRepository`: keys whose value is an image
/// without its tag (`defaultImageRepository` is a namespace, see [`Defaults`]).
fn is_repository_key(key: &str) -> bool {
    key == "imageRepository" || (key.ends_with("ImageRepository") && !key.starts_with("default"))
}

/// `{registry, repository, tag, digest}` (bitnami and most charts), or
/// `{registry, repository, name, tag}` under an image key (strimzi,
/// cert-manager: missing parts come from the top-level defaults). A mapping
/// with `repository` but neither an image key nor an image's other fields
/// (`backup: {repository: s3-bucket}`) is not an image.
fn mapping_image(mapping: &Mapping, key: Option<&str>, defaults: &Defaults) -> Option<String> {
    let text = |field: &str| literal(mapping.get(field)?);
    let image_key = key.is_some_and(is_image_key);
    let has = |fields: &[&str]| fields.iter().any(|f| mapping.contains_key(*f));
    let registry = text("registry");
    let path = match (text("repository"), text("name")) {
        (Some(repository), _) if image_key || has(&["tag", "registry", "digest", "pullPolicy"]) => repository,
        (repository, Some(name)) if image_key && has(&["registry", "tag", "repository", "digest"]) => {
            let registry = registry.clone().or_else(|| defaults.registry.clone());
            let namespace = repository.or_else(|| defaults.namespace.clone());
            let parts = [registry, namespace, Some(name)];
            return normalise(&parts.into_iter().flatten().collect::<Vec<_>>().join("/"));
        }
        _ => return None,
    };
    match registry {
        Some(registry) => normalise(&format!("{}/{path}", registry.trim_end_matches('/'))),
        None => normalise(&path),
    }
}

/// A non-empty, untemplated string.
fn literal(value: &Value) -> Option<String> {
    let text = value.as_str()?.trim();
    (!text.is_empty() && !text.contains("{{")).then(|| text.to_string())
}

fn port(value: &Value) -> Option<u16> {
    value.as_u64().filter(|&p| p >= 1).and_then(|p| u16::try_from(p).ok())
}

/// Every port number at any depth under a `containerPort` or `containerPorts`
/// key (`containerPort: {http: 80, https: 443}` in ingress-nginx).
fn all_ports(value: &Value, ports: &mut BTreeSet<u16>) {
    match value {
        Value::Mapping(mapping) => mapping.values().for_each(|v| all_ports(v, ports)),
        Value::Sequence(items) => items.iter().for_each(|v| all_ports(v, ports)),
        Value::Tagged(tagged) => all_ports(&tagged.value, ports),
        other => ports.extend(port(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(yaml: &str) -> Found {
        let mut found = Found::default();
        scan(&serde_yaml::from_str(yaml).unwrap(), &mut found);
        found
    }

    fn images(yaml: &str) -> Vec<String> {
        found(yaml).images.into_iter().collect()
    }

    #[test]
    fn reads_each_image_shape() {
        assert_eq!(images("image: {registry: docker.io, repository: bitnami/redis, tag: '8'}"), ["bitnami/redis"]);
        assert_eq!(images("image: {repository: nginx, tag: ''}"), ["nginx"]);
        assert_eq!(images("x: {image: {registry: ghcr.io, name: app, tag: '1'}}"), ["ghcr.io/app"]);
        assert_eq!(images("initImage: busybox:1.36"), ["busybox"]);
        assert_eq!(images("server: {repository: org/srv, pullPolicy: Always}"), ["org/srv"]);
        assert_eq!(images("sidecars: [{name: s, image: 'quay.io/a/b:1'}]"), ["a/b"]);
        assert_eq!(images("app: {imageRepository: ghcr.io/org/app, imageTag: ''}"), ["org/app"]);
        let strimzi = "defaultImageRegistry: quay.io\ndefaultImageRepository: strimzi\n\
                       image: {registry: '', repository: '', name: operator, tag: ''}";
        assert_eq!(images(strimzi), ["strimzi/operator"]);
    }

    #[test]
    fn skips_what_is_not_an_image() {
        assert!(images("backup: {repository: my-bucket}").is_empty());
        assert!(images("image: {repository: '{{ .Values.x }}', tag: 1}").is_empty());
        assert!(images("image: {repository: '', tag: 1}").is_empty());
        assert!(images("pullImage: IfNotPresent").is_empty());
        assert!(images("image: {name: app}").is_empty(), "a name alone is not an image");
        assert!(images("test: {image: busybox:1}\ntestFramework: {image: {repository: bats/bats}}").is_empty());
    }

    #[test]
    fn collects_ports() {
        let yaml = "a: {containerPort: 8080, targetPort: http}\nb: {containerPorts: {http: 80, x: {y: 70000}}}\n\
                    c: {targetPort: 9000}\nd: {containerPort: {http: 81, https: 443}}";
        assert_eq!(found(yaml).ports.into_iter().collect::<Vec<_>>(), [80, 81, 443, 8080, 9000]);
    }
}
