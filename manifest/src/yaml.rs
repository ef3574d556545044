//! Parse one YAML document into JSON, with file-relative error lines.

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

pub(crate) struct YamlError {
    /// 1-based file line, when the parser knows it.
    pub line: Option<u32>,
    pub message: String,
}

/// Parse `text`, whose first line is file line `first_line`. `Ok(None)` for a
/// document that is `null`.
pub(crate) fn parse_document(text: &str, first_line: u32) -> Result<Option<Json>, YamlError> {
    let offset = first_line.saturating_sub(1);
    // libyaml reports an error found at end of input on the line after the
    // document (the next `---`); keep the line inside the document.
    let last_line = offset + (text.lines().count() as u32).max(1);
    let mut value: Yaml = serde_yaml::from_str(text).map_err(|e| YamlError {
        line: e.location().map(|l| (offset + l.line() as u32).min(last_line)),
        message: shift_lines(&e.to_string(), offset, last_line),
    })?;
    value.apply_merge().map_err(|e| YamlError {
        line: None,
        message: format!("merge key (<<): {}", shift_lines(&e.to_string(), offset, last_line)),
    })?;
    Ok(match value {
        Yaml::Null => None,
        value => Some(to_json(value)),
    })
}

/// Rewrite every `line N` in a parser message to the file's line numbering.
/// A position past the document (libyaml reports end of input on the line of
/// the next `---`) becomes "the end of the document".
fn shift_lines(message: &str, offset: u32, last_line: u32) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        let (before, after) = rest.split_at(at);
        let after = &after["line ".len()..];
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let mut tail = &after[digits..];
        match after[..digits].parse::<u32>() {
            Ok(n) if n + offset > last_line => {
                out.push_str("the end of the document");
                // Drop the column that went with the line.
                if let Some(col) = tail.strip_prefix(" column ") {
                    tail = &col[col.bytes().take_while(u8::is_ascii_digit).count()..];
                }
            }
            Ok(n) => out.push_str(&format!("line {}", n + offset)),
            Err(_) => out.push_str("line "),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// YAML allows what JSON does not (non-string keys, tags, NaN); keep the data,
/// as Kubernetes' own YAML-to-JSON conversion does, by turning keys into strings.
fn to_json(value: Yaml) -> Json {
    match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Json::Number)
                    .unwrap_or_else(|| Json::String(n.to_string()))
            }
        }
        Yaml::String(s) => Json::String(s),
        Yaml::Sequence(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => Json::Object(map.into_iter().map(|(k, v)| (key_string(k), to_json(v))).collect()),
        Yaml::Tagged(tagged) => to_json(tagged.value),
    }
}

fn key_string(key: Yaml) -> String {
    match key {
        Yaml::String(s) => s,
        Yaml::Null => "null".into(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Tagged(tagged) => key_string(tagged.value),
        other => serde_json::to_string(&to_json(other)).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_file_lines() {
        let err = parse_document("a: 1\nb: [x\n", 10).expect_err("parse error");
        assert!(err.line.is_some_and(|l| l >= 11), "line {:?}", err.line);
        assert!(err.message.contains("line 1"), "{}", err.message);
        assert_eq!(
            shift_lines("x at line 2 column 3, while parsing at line 1", 9, 20),
            "x at line 11 column 3, while parsing at line 10"
        );
        assert_eq!(
            shift_lines("x at line 3 column 1, while parsing at line 1", 9, 11),
            "x at the end of the document, while parsing at line 10"
        );
    }

    #[test]
    fn anchors_merge_keys_and_odd_keys() {
        let v =
            parse_document("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n80: http\ntrue: t\n", 1).ok().flatten().unwrap();
        assert_eq!(v["use"]["x"], 1);
        assert_eq!(v["use"]["y"], 2);
        assert_eq!(v["80"], "http");
        assert_eq!(v["true"], "t");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse_document("a: 1\na: 2\n", 5).expect_err("duplicate key");
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }
}
