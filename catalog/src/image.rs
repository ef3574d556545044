//! Image references, reduced to the pattern rewheel matches containers by.
//!
//! The audit matches an image by a suffix of its path, so a pull-through
//! mirror (`nexus.internal/quay/oauth2-proxy/oauth2-proxy`) still matches.
//! The catalog therefore keeps only what survives mirroring: the path without
//! tag, digest or registry; only a single-segment path on a registry other
//! than Docker Hub keeps its registry (`ghcr.io/foo` says more than `foo`).

/// Docker Hub and its aliases: images there are written without a registry.
const DOCKER_HUB: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

/// Normalise `reference` to a catalog pattern, or `None` when it is not an
/// image reference (templated, empty, a URL, odd characters).
///
/// ```
/// use rewheel_catalog::image::normalise;
/// assert_eq!(normalise("docker.io/library/redis:7").as_deref(), Some("redis"));
/// assert_eq!(normalise("quay.io/oauth2-proxy/oauth2-proxy:v7@sha256:ab").as_deref(), Some("oauth2-proxy/oauth2-proxy"));
/// assert_eq!(normalise("ghcr.io/pgbouncer:1").as_deref(), Some("ghcr.io/pgbouncer"));
/// assert_eq!(normalise("{{ .Values.image }}"), None);
/// ```
pub fn normalise(reference: &str) -> Option<String> {
    let raw = reference.trim().trim_matches(['"', '\'']).trim();
    if raw.is_empty() || raw.contains("{{") || raw.contains("://") || raw.contains(char::is_whitespace) {
        return None;
    }
    let name = raw.split_once('@').map_or(raw, |(name, _digest)| name);
    // A tag follows the last ':' after the last '/' (an earlier ':' is a registry port).
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let name = name[last_slash..].rfind(':').map_or(name, |i| &name[..last_slash + i]);
    let name = name.to_ascii_lowercase();
    let (registry, path) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (Some(first), rest),
        _ => (None, name.as_str()),
    };
    let registry = registry.filter(|r| !DOCKER_HUB.contains(r));
    let path = if registry.is_none() { path.strip_prefix("library/").unwrap_or(path) } else { path };
    if !valid_path(path) || !registry.is_none_or(valid_registry) {
        return None;
    }
    match registry {
        Some(registry) if !path.contains('/') => Some(format!("{registry}/{path}")),
        _ => Some(path.to_string()),
    }
}

/// Is a string value of an image key an image reference rather than a word?
/// It must name a path (`repo/name`), a tag or a digest: `busybox` alone could
/// be anything, `busybox:1.36` is an image.
pub fn looks_like_reference(value: &str) -> bool {
    let value = value.trim();
    let tagged = value.rsplit('/').next().is_some_and(|last| last.contains(':'));
    (value.contains('/') || tagged || value.contains('@')) && normalise(value).is_some()
}

/// Path segments of lowercase letters, digits and `._-`, none empty.
fn valid_path(path: &str) -> bool {
    path.split('/').all(|segment| {
        !segment.is_empty()
            && segment.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && segment.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

fn valid_registry(registry: &str) -> bool {
    !registry.is_empty() && registry.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_common_shapes() {
        let cases = [
            ("bitnami/redis:8.2.1-debian-12-r0", Some("bitnami/redis")),
            ("docker.io/bitnami/redis", Some("bitnami/redis")),
            ("registry-1.docker.io/library/nginx:1", Some("nginx")),
            ("index.docker.io/library/busybox", Some("busybox")),
            ("prom/statsd-exporter:v0.28.0", Some("prom/statsd-exporter")),
            ("registry.k8s.io/ingress-nginx/controller:v1@sha256:00", Some("ingress-nginx/controller")),
            ("localhost:5000/app:1", Some("localhost:5000/app")),
            ("Quay.IO/Foo/Bar:1", Some("foo/bar")),
            ("", None),
            ("https://example.com/x", None),
            ("a b", None),
            ("-bad", None),
        ];
        for (input, want) in cases {
            assert_eq!(normalise(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn a_bare_word_is_not_a_reference() {
        assert!(!looks_like_reference("IfNotPresent"));
        assert!(looks_like_reference("busybox:1.36"));
        assert!(looks_like_reference("ghcr.io/org/app"));
        assert!(!looks_like_reference("{{ .Values.x }}:1"));
    }
}
