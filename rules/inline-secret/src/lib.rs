//! The `inline-secret` principle: literal credentials in a wrapper's own
//! `Secret`, where the platform standard is an ExternalSecret from a
//! ClusterSecretStore backed by OpenBao (or the chart's `existingSecret`).

use rules_sdk::prelude::*;
use rules_sdk::secret;
use serde_json::Value;

/// Key fragments that name a credential.
const CREDENTIAL_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api-key",
    "api_key",
    "access-key",
    "access_key",
    "accesskey",
    "private-key",
    "private_key",
    "credentials",
    "credential",
    "auth",
    "dsn",
    "connection-string",
    "connectionstring",
    "database-url",
    "database_url",
    "databaseurl",
    "uri",
    "url",
    "key",
];

/// Secret types that are not literal credentials written by a person.
const EXEMPT_TYPES: &[&str] =
    &["kubernetes.io/service-account-token", "helm.sh/release.v1", "bootstrap.kubernetes.io/token"];

pub struct InlineSecret;

impl Rule for InlineSecret {
    fn meta(&self) -> Meta {
        Meta {
            id: "inline-secret",
            component: "inline-secret",
            category: Category::InlineSecret,
            severity: Severity::Error,
            summary: "Literal credentials in a locally written Secret",
            replace_with: "an ExternalSecret from a ClusterSecretStore backed by OpenBao, consumed through the chart's existingSecret/secretRef value (or an ESO Password generator for generated values)",
            sources: &[
                "https://external-secrets.io/latest/api/externalsecret/",
                "https://external-secrets.io/latest/provider/hashicorp-vault/",
                "https://external-secrets.io/latest/api/generator/password/",
            ],
            kinds: &["Secret"],
            scope: Scope::PerResource,
            supersedes: &[],
            docs: DOCS,
            options: &[RuleOption {
                name: "allow-keys",
                description: "list of strings: Secret keys known to hold no credential (matched exactly, case-insensitively), e.g. [\"cache-url\"]; default none",
                kind: OptionKind::Strings,
            }],
        }
    }

    fn check(&self, object: &Object, report: &mut Report) {
        if !object.origin().is_local() || object.str_at("/type").is_some_and(|t| EXEMPT_TYPES.contains(&t)) {
            return;
        }
        let allowed: Vec<String> = report.option_strings("allow-keys").iter().map(|k| k.to_ascii_lowercase()).collect();
        for section in ["stringData", "data"] {
            let Some(Value::Object(entries)) = object.get(&format!("/{section}")) else { continue };
            let mut keys: Vec<&String> = entries
                .iter()
                .filter(|(k, _)| !allowed.contains(&k.to_ascii_lowercase()))
                .filter(|(k, v)| {
                    v.as_str().is_some_and(|v| is_literal(v) && (names_credential(k) || carries_credential(v)))
                })
                .map(|(k, _)| k)
                .collect();
            if keys.is_empty() {
                continue;
            }
            keys.sort();
            let listed = keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
            report
                .flag(
                    object,
                    format!(
                        "{} holds literal credentials in {section} ({listed}) {}",
                        object.display(),
                        object.origin().describe()
                    ),
                )
                .at(format!("{section}.{}", keys[0]));
            return;
        }
    }
}

fn names_credential(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    CREDENTIAL_KEYS.iter().any(|c| key.contains(c)) || matches!(key.as_str(), "tls.key" | "ssh-privatekey")
}

/// A value someone typed: not empty, not a reference to something else.
fn is_literal(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && !v.starts_with("${") && !v.starts_with("{{") && v != "<nil>"
}

/// A value holding a credential whatever its key: a connection string with
/// `user:password@`, or a credentials file (`aws_secret_access_key=`,
/// `password=`), plain or base64-encoded (`data` values are).
fn carries_credential(value: &str) -> bool {
    let check = |s: &str| {
        let userinfo = s.split_once("://").is_some_and(|(_, rest)| {
            rest.split('/').next().is_some_and(|auth| auth.contains('@') && auth.contains(':'))
        });
        let lower = s.to_ascii_lowercase();
        let file = ["aws_access_key_id", "aws_secret_access_key", "password=", "password:", "client_secret"]
            .iter()
            .any(|k| lower.contains(k));
        userinfo || file
    };
    check(value) || decode_base64(value).is_some_and(|d| check(&d))
}

/// `value` as strict standard base64 (the alphabet `data` values are written
/// in, no whitespace inside, no URL-safe characters), decoded by the SDK.
fn decode_base64(value: &str) -> Option<String> {
    let value = value.trim();
    let standard = value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if standard { secret::decode_base64(value) } else { None }
}

const DOCS: &str = "\
## What it detects
A `kind: Secret` written locally (wrapper template, extraObjects value, or plain YAML) whose `stringData` or
`data` holds a literal value under a credential-like key (`password`, `token`, `secret`, `apiKey`,
`aws_access_key_id`, `database-url`, ...) or a connection string with `user:password@`. Service-account token
Secrets and Helm release Secrets are not literal credentials and are skipped.

## Why it matters
Credentials in a chart end up in Git, in rendered manifests, in CI logs and in every copy of the release. They
cannot be rotated without a commit, and every consumer of the repository can read them.

## What to use instead
An `ExternalSecret` from a `ClusterSecretStore` backed by OpenBao, whose target Secret name goes to the chart's
`existingSecret`/`secretRef` value; an ESO `Password` generator for values the platform generates.

## Example
```yaml
kind: Secret
metadata: {name: app-db}
stringData:
  password: hunter2      # use an ExternalSecret
```
";

rules_sdk::export_rules!(InlineSecret);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(&[&InlineSecret], "inline-secret");
    }

    #[test]
    fn credentials_in_values_plain_and_base64() {
        assert!(carries_credential("postgres://app:s3cret@db:5432/app"));
        assert!(carries_credential("cG9zdGdyZXM6Ly9hcHA6czNjcmV0QGRiOjU0MzIvYXBw"));
        assert!(carries_credential("W2RlZmF1bHRdCmF3c19hY2Nlc3Nfa2V5X2lkPUFLSUEK"));
        assert!(!carries_credential("https://example.com/path@x"));
        assert!(!carries_credential("aW5mbw=="));
        assert!(names_credential("AWS_SECRET_ACCESS_KEY"));
        assert!(!names_credential("username"));
    }

    const CACHE_SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: app, namespace: app}\nstringData:\n  cache-url: redis://cache:6379\n  api-token: abc123\n";

    #[test]
    fn allow_keys_option_exempts_named_keys_only() {
        use rules_sdk::testing::check_yaml_with_options;
        let flagged = check_yaml_with_options(&[&InlineSecret], CACHE_SECRET, &[]).unwrap();
        assert_eq!(flagged.len(), 1);
        assert!(flagged[0].message.contains("(api-token, cache-url)"), "{}", flagged[0].message);
        let one = check_yaml_with_options(
            &[&InlineSecret],
            CACHE_SECRET,
            &[("inline-secret", r#"{"allow-keys": ["Cache-URL"]}"#)],
        )
        .unwrap();
        assert!(one[0].message.contains("(api-token)"), "{}", one[0].message);
        let none = check_yaml_with_options(
            &[&InlineSecret],
            CACHE_SECRET,
            &[("inline-secret", r#"{"allow-keys": ["cache-url", "api-token"]}"#)],
        )
        .unwrap();
        assert!(none.is_empty(), "{none:?}");
        let bad = check_yaml_with_options(
            &[&InlineSecret],
            CACHE_SECRET,
            &[("inline-secret", r#"{"allow-keys": "cache-url"}"#)],
        );
        assert_eq!(
            bad.unwrap_err(),
            r#"option "allow-keys" of rule "inline-secret" must be a list of strings, not "cache-url""#
        );
        // Refused before any object is looked at: the same with no Secret in the batch.
        let none = check_yaml_with_options(
            &[&InlineSecret],
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            &[("inline-secret", r#"{"allow-keys": 3}"#)],
        );
        assert_eq!(
            none.unwrap_err(),
            r#"option "allow-keys" of rule "inline-secret" must be a list of strings, not 3"#
        );
    }
}
