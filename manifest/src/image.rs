//! Container image references, normalised for matching.
//!
//! Rules match images by a suffix of the repository path, never by workload
//! name, so pull-through mirrors still match:
//! `nexus.internal/dockerhub-proxy/library/mongo:7` is `mongo`.
//!
//! # Examples
//!
//! ```
//! use rewheel_manifest::image::Image;
//! let image = Image::parse("nexus.internal/dockerhub-proxy/library/mongo:7");
//! assert!(image.matches("mongo"));
//! assert!(image.matches("docker.io/library/mongo"));
//! assert!(!Image::parse("mongo-express:1").matches("mongo"));
//! ```

use std::fmt;

/// A parsed image reference. It displays as written.
///
/// # Examples
///
/// ```
/// use rewheel_manifest::image::Image;
/// let image = Image::parse("docker.io/bitnami/mongodb:8.0@sha256:00ff");
/// assert_eq!(image.registry, "docker.io");
/// assert_eq!(image.path, "bitnami/mongodb");
/// assert_eq!(image.tag.as_deref(), Some("8.0"));
/// assert_eq!(image.digest.as_deref(), Some("sha256:00ff"));
/// assert_eq!(image.to_string(), "docker.io/bitnami/mongodb:8.0@sha256:00ff");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The reference as written.
    pub raw: String,
    /// Registry host, `docker.io` when none is given (`index.docker.io` too).
    pub registry: String,
    /// Repository path without registry, tag or digest; Docker Hub's
    /// `library/` prefix removed (`mongo`, `bitnami/mongodb`).
    pub path: String,
    /// The tag (`7.0`, `latest`), if written.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if written.
    pub digest: Option<String>,
}

impl Image {
    /// Parse an image reference. Never fails: odd input yields an image whose
    /// path is the input without tag or digest.
    ///
    /// # Examples
    ///
    /// ```
    /// use rewheel_manifest::image::Image;
    /// let image = Image::parse("registry.internal:5000/team/app:1.2");
    /// assert_eq!((image.registry.as_str(), image.path.as_str()), ("registry.internal:5000", "team/app"));
    /// assert_eq!(image.tag.as_deref(), Some("1.2"));
    /// let hub = Image::parse("index.docker.io/library/redis");
    /// assert_eq!((hub.registry.as_str(), hub.path.as_str(), hub.tag), ("docker.io", "redis", None));
    /// ```
    pub fn parse(reference: &str) -> Image {
        let parts = Parts::of(reference);
        Image {
            raw: parts.raw.to_string(),
            registry: parts.registry.to_ascii_lowercase(),
            path: parts.path.to_string(),
            tag: parts.tag.map(str::to_string),
            digest: parts.digest.map(str::to_string),
        }
    }

    /// `registry/path`, with Docker Hub written as a bare path.
    ///
    /// # Examples
    ///
    /// ```
    /// use rewheel_manifest::image::Image;
    /// assert_eq!(Image::parse("docker.io/library/mongo:7").repository(), "mongo");
    /// assert_eq!(Image::parse("quay.io/minio/minio:RELEASE.2024").repository(), "quay.io/minio/minio");
    /// ```
    pub fn repository(&self) -> String {
        if self.registry == "docker.io" { self.path.clone() } else { format!("{}/{}", self.registry, self.path) }
    }

    /// Does the repository end with `pattern` on a path-segment boundary?
    ///
    /// The pattern is normalised like an image (`docker.io/library/mongo` is
    /// `mongo`). A `library/` segment inside a mirror path is skipped, so
    /// `mirror/dockerhub/library/mongo` matches `mongo`. A pattern may end in
    /// `*` to match any segment suffix (`bitnami*/mongodb` is not supported;
    /// list each namespace).
    ///
    /// # Examples
    ///
    /// ```
    /// use rewheel_manifest::image::Image;
    /// let image = Image::parse("nexus.internal/dockerhub/library/mongo:7");
    /// assert!(image.matches("mongo"));
    /// assert!(!image.matches("bitnami/mongodb"));
    /// assert!(!Image::parse("ghcr.io/acme/not-mongo").matches("mongo"), "whole segments only");
    /// assert!(Image::parse("otel/opentelemetry-collector-contrib").matches("otel/opentelemetry-collector*"));
    /// ```
    pub fn matches(&self, pattern: &str) -> bool {
        // Rules ask this of every container many times: compare segments in
        // place, and build strings only for the rare `*` and `/library/` cases.
        if !pattern.contains('*') && !self.path.contains("library") && !self.registry.contains("library") {
            return self.ends_with_segments(&Parts::of(pattern));
        }
        let pattern = Image::parse(pattern).repository();
        let full = self.repository();
        if let Some(prefix) = pattern.strip_suffix('*') {
            return segment_suffix_prefix(&full, prefix);
        }
        segment_suffix(&full, &pattern) || segment_suffix(&full.replace("/library/", "/"), &pattern)
    }

    /// Does any of `patterns` match?
    ///
    /// # Examples
    ///
    /// ```
    /// use rewheel_manifest::image::Image;
    /// let patterns = ["mongo", "bitnami/mongodb"];
    /// assert!(Image::parse("bitnami/mongodb:8.0").matches_any(&patterns));
    /// assert!(!Image::parse("mongo-express").matches_any(&patterns));
    /// assert!(!Image::parse("mongo").matches_any(&[]));
    /// ```
    pub fn matches_any(&self, patterns: &[&str]) -> bool {
        patterns.iter().any(|p| self.matches(p))
    }

    /// Whether `repository()` ends with the pattern's repository at a `/`
    /// boundary (`segment_suffix`), without building either string.
    fn ends_with_segments(&self, pattern: &Parts<'_>) -> bool {
        let hub = |registry: &str| registry == "docker.io";
        let mut full = self.path.rsplit('/').chain((!hub(&self.registry)).then_some(self.registry.as_str()));
        for segment in pattern.path.rsplit('/') {
            if full.next() != Some(segment) {
                return false;
            }
        }
        // The pattern's registry, lowercased as `parse` does.
        if !pattern.registry.eq_ignore_ascii_case("docker.io") {
            let Some(segment) = full.next() else { return false };
            let lowered = pattern.registry.bytes().map(|b| b.to_ascii_lowercase());
            if segment.len() != pattern.registry.len() || !segment.bytes().eq(lowered) {
                return false;
            }
        }
        true
    }
}

/// An image reference split in place: what [`Image::parse`] stores, before
/// the registry is lowercased and the parts are copied.
struct Parts<'a> {
    raw: &'a str,
    /// With Docker Hub's aliases written `docker.io`; not lowercased.
    registry: &'a str,
    path: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

impl<'a> Parts<'a> {
    fn of(reference: &'a str) -> Parts<'a> {
        let raw = reference.trim();
        let (name, digest) = match raw.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (raw, None),
        };
        // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
            None => (name, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
            _ => ("docker.io", name),
        };
        let registry = match registry {
            "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io",
            other => other,
        };
        let path = if registry == "docker.io" { path.strip_prefix("library/").unwrap_or(path) } else { path };
        Parts { raw, registry, path, tag, digest }
    }
}

fn segment_suffix(full: &str, pattern: &str) -> bool {
    full == pattern
        || (full.len() > pattern.len()
            && full.ends_with(pattern)
            && full.as_bytes()[full.len() - pattern.len() - 1] == b'/')
}

/// `prefix*`: the last segments of `full` start with `prefix`, aligned to a segment.
fn segment_suffix_prefix(full: &str, prefix: &str) -> bool {
    let segments = prefix.matches('/').count() + 1;
    let parts: Vec<&str> = full.split('/').collect();
    parts.len() >= segments && parts[parts.len() - segments..].join("/").starts_with(prefix)
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> (String, String, Option<String>, Option<String>) {
        let i = Image::parse(s);
        (i.registry, i.path, i.tag, i.digest)
    }

    #[test]
    fn parses_and_normalises() {
        let s = |x: &str| x.to_string();
        assert_eq!(parts("mongo"), (s("docker.io"), s("mongo"), None, None));
        assert_eq!(parts("mongo:7.0"), (s("docker.io"), s("mongo"), Some(s("7.0")), None));
        assert_eq!(parts("docker.io/library/mongo:7"), (s("docker.io"), s("mongo"), Some(s("7")), None));
        assert_eq!(parts("index.docker.io/library/redis"), (s("docker.io"), s("redis"), None, None));
        assert_eq!(parts("bitnami/mongodb:8.0"), (s("docker.io"), s("bitnami/mongodb"), Some(s("8.0")), None));
        assert_eq!(
            parts("registry:5000/team/app:1@sha256:abc"),
            (s("registry:5000"), s("team/app"), Some(s("1")), Some(s("sha256:abc")))
        );
        assert_eq!(parts("localhost/app"), (s("localhost"), s("app"), None, None));
        assert_eq!(
            parts("nexus.internal/dockerhub-proxy/library/mongo:7"),
            (s("nexus.internal"), s("dockerhub-proxy/library/mongo"), Some(s("7")), None)
        );
        assert_eq!(
            parts("quay.io/minio/minio@sha256:00"),
            (s("quay.io"), s("minio/minio"), None, Some(s("sha256:00")))
        );
    }

    #[test]
    fn matches_by_path_suffix_across_mirrors() {
        let mirror = Image::parse("nexus.internal/dockerhub-proxy/library/mongo:7");
        assert!(mirror.matches("mongo"));
        assert!(mirror.matches("docker.io/library/mongo"));
        assert!(!mirror.matches("mongodb"));
        assert!(Image::parse("nexus.example/dockerhub-proxy/temporalio/server:1.28").matches("temporalio/server"));
        assert!(Image::parse("quay.io/minio/minio").matches("minio/minio"));
        assert!(Image::parse("quay.io/minio/minio").matches("quay.io/minio/minio"));
        assert!(!Image::parse("docker.io/minio/minio").matches("quay.io/minio/minio"));
        assert!(!Image::parse("ghcr.io/acme/not-mongo").matches("mongo"));
        assert!(!Image::parse("mongo-express").matches("mongo"));
        assert!(
            Image::parse("ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.1")
                .matches("opentelemetry-collector-releases/*")
        );
        assert!(Image::parse("otel/opentelemetry-collector-contrib").matches("otel/opentelemetry-collector*"));
        assert!(!Image::parse("acme/otel").matches("otel/opentelemetry-collector*"));
    }
}
