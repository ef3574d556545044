//! Reading Secrets: `data` values are base64, `stringData` values are plain.
//! Rules that look for literal credentials read both the same way through
//! [`entries`].
//!
//! # Examples
//!
//! ```
//! use rules_sdk::secret;
//! let secret = rules_sdk::Object {
//!     index: 0,
//!     api_version: "v1".into(),
//!     kind: "Secret".into(),
//!     namespace: None,
//!     name: "db".into(),
//!     labels: Default::default(),
//!     annotations: Default::default(),
//!     provenance: Default::default(),
//!     runs: Vec::new(),
//!     body: serde_json::json!({"data": {"password": "aHVudGVyMg=="}, "stringData": {"user": "app"}}),
//! };
//! let found: Vec<(String, String)> = secret::entries(&secret).into_iter().map(|e| (e.path(), e.value)).collect();
//! assert_eq!(found, [("stringData.user".into(), "app".into()), ("data.password".into(), "hunter2".into())]);
//! ```

use serde_json::Value;

use crate::object::Object;

/// One entry of a Secret's `data` or `stringData`.
///
/// # Examples
///
/// ```
/// use rules_sdk::secret::{SecretEntry, entries};
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Secret".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// object.body = serde_json::json!({"data": {"password": "aHVudGVyMg=="}});
/// assert_eq!(entries(&object), [SecretEntry { key: "password", field: "data", value: "hunter2".into() }]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEntry<'a> {
    /// The key within `data` or `stringData`.
    pub key: &'a str,
    /// `"data"` or `"stringData"`.
    pub field: &'static str,
    /// The value as text: decoded for `data`.
    pub value: String,
}

impl SecretEntry<'_> {
    /// The dotted path of the entry, e.g. `stringData.password`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::secret::SecretEntry;
    /// let entry = SecretEntry { key: "password", field: "stringData", value: "hunter2".into() };
    /// assert_eq!(entry.path(), "stringData.password");
    /// ```
    pub fn path(&self) -> String {
        format!("{}.{}", self.field, self.key)
    }
}

/// Every string entry of a Secret's `stringData` and `data` (base64-decoded;
/// entries that do not decode to UTF-8 text are skipped), in that order.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Secret".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::secret::entries;
/// object.body = serde_json::json!({
///     "data": {"url": "cG9zdGdyZXM6Ly9hcHA6czNjcmV0QGRiL2FwcA==", "bin": "//79"},
///     "stringData": {"token": "abc"}
/// });
/// let got: Vec<(&str, &str, String)> = entries(&object).into_iter().map(|e| (e.field, e.key, e.value)).collect();
/// assert_eq!(got, [
///     ("stringData", "token", "abc".to_string()),
///     ("data", "url", "postgres://app:s3cret@db/app".to_string()),
/// ]);
/// ```
pub fn entries(secret: &Object) -> Vec<SecretEntry<'_>> {
    let mut out = Vec::new();
    for field in ["stringData", "data"] {
        let Some(Value::Object(map)) = secret.get(&format!("/{field}")) else { continue };
        for (key, value) in map {
            let Some(text) = value.as_str() else { continue };
            let value = if field == "data" { decode_base64(text) } else { Some(text.to_string()) };
            if let Some(value) = value {
                out.push(SecretEntry { key, field, value });
            }
        }
    }
    out
}

/// `(key, "data"|"stringData")` of every entry holding a non-empty string,
/// without decoding: for rules that judge by key name alone.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Secret".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::secret::literal_keys;
/// object.body = serde_json::json!({
///     "data": {"password": "aHVudGVyMg==", "empty": ""},
///     "stringData": {"api-key": "abc"}
/// });
/// assert_eq!(literal_keys(&object), [("password", "data"), ("api-key", "stringData")]);
/// ```
pub fn literal_keys(secret: &Object) -> Vec<(&str, &'static str)> {
    let mut out = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(Value::Object(map)) = secret.get(&format!("/{field}")) {
            out.extend(
                map.iter().filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty())).map(|(k, _)| (k.as_str(), field)),
            );
        }
    }
    out
}

/// Standard or URL-safe base64, padding optional, whitespace ignored. `None`
/// for other characters or bytes that are not UTF-8.
///
/// # Examples
///
/// ```
/// use rules_sdk::secret::decode_base64;
/// assert_eq!(decode_base64("aHVudGVyMg==").as_deref(), Some("hunter2"));
/// assert_eq!(decode_base64("aHVudGVy\nMg").as_deref(), Some("hunter2"), "padding optional, whitespace ignored");
/// assert_eq!(decode_base64("Pz8_").as_deref(), Some("???"), "URL-safe alphabet");
/// assert_eq!(decode_base64("not base64!"), None);
/// ```
pub fn decode_base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_standard_and_url_safe_base64() {
        assert_eq!(decode_base64("aGFzdXJh").as_deref(), Some("hasura"));
        assert_eq!(
            decode_base64("cG9zdGdyZXM6Ly9hcHA6czNjcmV0QGRiOjU0MzIvYXBw").as_deref(),
            Some("postgres://app:s3cret@db:5432/app")
        );
        assert_eq!(decode_base64("Pz8_").as_deref(), Some("???"));
        assert_eq!(decode_base64("not base64!"), None);
    }

    #[test]
    fn entries_read_both_fields() {
        let secret = Object {
            index: 0,
            api_version: "v1".into(),
            kind: "Secret".into(),
            namespace: None,
            name: "s".into(),
            labels: Default::default(),
            annotations: Default::default(),
            provenance: Default::default(),
            runs: Vec::new(),
            body: serde_json::json!({"data": {"a": "aGFzdXJh", "bin": "//79"}, "stringData": {"b": "plain"}}),
        };
        let got: Vec<(String, &str, String)> =
            entries(&secret).into_iter().map(|e| (e.path(), e.field, e.value)).collect();
        assert_eq!(
            got,
            vec![("stringData.b".into(), "stringData", "plain".into()), ("data.a".into(), "data", "hasura".into())]
        );
    }
}
