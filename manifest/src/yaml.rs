//! Parse one YAML document into JSON, with file-relative error lines.
//!
//! The fast path deserialises straight into `serde_json::Value` ([`JsonSeed`]),
//! one allocation per node. Documents with merge keys (`<<`) take the slow
//! path: a `serde_yaml::Value`, `apply_merge`, then [`to_json`]. Both give the
//! same values and the same errors; the tests hold them to it.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
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
    if !text.contains("<<") {
        let merge_key = Cell::new(false);
        match parse_fast(text, &merge_key) {
            // A `<<` key spelled with escapes (`"\x3c<"`): start again on the slow path.
            Err(_) if merge_key.get() => {}
            result => return result.map_err(|e| yaml_error(e, text, first_line)),
        }
    }
    parse_with_merge(text, first_line)
}

/// One pass, no merge keys: `Err` with `merge_key` set when a mapping has a `<<` key.
fn parse_fast(text: &str, merge_key: &Cell<bool>) -> Result<Option<Json>, serde_yaml::Error> {
    let top_tagged = Cell::new(false);
    let seed = JsonSeed { merge_key, top_tagged: Some(&top_tagged) };
    let value = seed.deserialize(serde_yaml::Deserializer::from_str(text))?;
    // `!tag null` is a value, as on the slow path; only a plain null is an empty document.
    Ok(match value {
        Json::Null if !top_tagged.get() => None,
        value => Some(value),
    })
}

/// The general path: `serde_yaml::Value`, merge keys applied, then JSON.
fn parse_with_merge(text: &str, first_line: u32) -> Result<Option<Json>, YamlError> {
    let mut value: Yaml = serde_yaml::from_str(text).map_err(|e| yaml_error(e, text, first_line))?;
    value.apply_merge().map_err(|e| {
        let (offset, last_line) = line_range(text, first_line);
        YamlError { line: None, message: format!("merge key (<<): {}", shift_lines(&e.to_string(), offset, last_line)) }
    })?;
    Ok(match value {
        Yaml::Null => None,
        value => Some(to_json(value)),
    })
}

/// The offset of the document's lines in the file, and its last file line.
fn line_range(text: &str, first_line: u32) -> (u32, u32) {
    let offset = first_line.saturating_sub(1);
    // libyaml reports an error found at end of input on the line after the
    // document (the next `---`); keep the line inside the document.
    let last_line = offset + (text.lines().count() as u32).max(1);
    (offset, last_line)
}

fn yaml_error(e: serde_yaml::Error, text: &str, first_line: u32) -> YamlError {
    let (offset, last_line) = line_range(text, first_line);
    YamlError {
        line: e.location().map(|l| (offset + l.line() as u32).min(last_line)),
        message: shift_lines(&e.to_string(), offset, last_line),
    }
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
        Yaml::Number(n) => number_json(&n),
        Yaml::String(s) => Json::String(s),
        Yaml::Sequence(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => Json::Object(map.into_iter().map(|(k, v)| (key_string(k), to_json(v))).collect()),
        Yaml::Tagged(tagged) => to_json(tagged.value),
    }
}

fn number_json(n: &serde_yaml::Number) -> Json {
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

/// A float as [`to_json`] converts it: a JSON number when finite, else
/// serde_yaml's spelling (`.nan`, `.inf`, `-.inf`).
fn float_json(f: f64) -> Json {
    number_json(&serde_yaml::Number::from(f))
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

/// Deserialises one YAML node straight into JSON: the value, and the error,
/// that `serde_yaml::Value` then [`to_json`] give, without the intermediate
/// tree. Merge keys are not applied: a mapping with a `<<` key sets
/// `merge_key` and fails, and the caller takes the slow path.
#[derive(Clone, Copy)]
struct JsonSeed<'a> {
    merge_key: &'a Cell<bool>,
    /// Only for the document's top node: set when the node is tagged.
    top_tagged: Option<&'a Cell<bool>>,
}

impl JsonSeed<'_> {
    fn nested(self) -> Self {
        JsonSeed { top_tagged: None, ..self }
    }
}

impl<'de> DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = Json;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Mirrors `serde_yaml::Value`'s visitor method for method; what it leaves to
/// serde's defaults (`u128`/`i128`, bytes) is left to them here too, and
/// `expecting` reads the same, so the errors match.
impl<'de> Visitor<'de> for JsonSeed<'_> {
    type Value = Json;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Json, E> {
        Ok(Json::from(i))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Json, E> {
        Ok(Json::from(u))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Json, E> {
        Ok(float_json(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.nested())? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    /// As `serde_yaml::Mapping`: each key is read as a `serde_yaml::Value` and
    /// checked for a duplicate before its value is read. Keys that differ in YAML
    /// but not as strings (`1` and `"1"`) are no error; the last value wins, as
    /// when [`to_json`] collects the mapping.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Json, A::Error> {
        let mut map = serde_json::Map::new();
        // Until a key that is not a string shows up, `map`'s keys are exactly the
        // YAML keys seen; from then on every YAML key is kept here.
        let mut yaml_keys: Option<HashSet<Yaml>> = None;
        while let Some(key) = access.next_key::<Yaml>()? {
            if matches!(&key, Yaml::String(s) if s == "<<") {
                self.merge_key.set(true);
                return Err(de::Error::custom("merge key (<<): the caller applies merge keys"));
            }
            match (key, &mut yaml_keys) {
                (Yaml::String(key), None) => match map.entry(key) {
                    serde_json::map::Entry::Occupied(entry) => {
                        return Err(duplicate_key(&Yaml::String(entry.key().clone())));
                    }
                    serde_json::map::Entry::Vacant(entry) => {
                        entry.insert(access.next_value_seed(self.nested())?);
                    }
                },
                (key, yaml_keys) => {
                    let seen = yaml_keys.get_or_insert_with(|| map.keys().map(|k| Yaml::String(k.clone())).collect());
                    if let Some(existing) = seen.get(&key) {
                        return Err(duplicate_key(existing));
                    }
                    seen.insert(key.clone());
                    let value = access.next_value_seed(self.nested())?;
                    map.insert(key_string(key), value);
                }
            }
        }
        Ok(Json::Object(map))
    }

    /// A tagged node (`!custom x`); the tag is dropped, as [`to_json`] drops it.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Json, A::Error> {
        if let Some(top_tagged) = self.top_tagged {
            top_tagged.set(true);
        }
        let ((), contents) = data.variant_seed(TagSeed)?;
        contents.newtype_variant_seed(self.nested())
    }
}

/// serde_yaml's `Mapping` error for a repeated key, word for word.
fn duplicate_key<E: de::Error>(key: &Yaml) -> E {
    let what = match key {
        Yaml::Null => "with null key".to_string(),
        Yaml::Bool(b) => format!("with key `{b}`"),
        Yaml::Number(n) => format!("with key {n}"),
        Yaml::String(s) => format!("with key {s:?}"),
        Yaml::Sequence(_) | Yaml::Mapping(_) | Yaml::Tagged(_) => "in YAML map".to_string(),
    };
    E::custom(format_args!("duplicate entry {what}"))
}

/// The tag of a tagged node, checked as `serde_yaml::Value` checks it.
struct TagSeed;

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl<'de> Visitor<'de> for TagSeed {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a YAML tag string")
    }

    fn visit_str<E: de::Error>(self, tag: &str) -> Result<(), E> {
        if tag.is_empty() {
            return Err(E::custom("empty YAML tag is not allowed"));
        }
        Ok(())
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

    /// What a parse gave, in a form that compares everything: the value as JSON
    /// text (so key order counts under `preserve_order`) and the error's line and message.
    type Outcome = Result<Option<(Json, String)>, (Option<u32>, String)>;

    fn outcome(result: Result<Option<Json>, YamlError>) -> Outcome {
        match result {
            Ok(value) => Ok(value.map(|v| {
                let text = serde_json::to_string(&v).expect("JSON");
                (v, text)
            })),
            Err(e) => Err((e.line, e.message)),
        }
    }

    /// `parse_document` gives what the old code (`Value`, `apply_merge`, `to_json`)
    /// gives, and documents without a merge key really take the fast path.
    fn assert_same(text: &str) {
        let fast = outcome(parse_document(text, 7));
        let slow = outcome(parse_with_merge(text, 7));
        assert_eq!(fast, slow, "document {text:?}");
        let merge_key = Cell::new(false);
        let direct = parse_fast(text, &merge_key);
        if !merge_key.get() {
            let direct = outcome(direct.map_err(|e| yaml_error(e, text, 7)));
            assert_eq!(direct, slow, "fast path on {text:?}");
        } else {
            assert!(slow.is_err() || text.contains("<<") || text.contains("\\x3c"), "merge fallback on {text:?}");
        }
    }

    const TRICKY: &[&str] = &[
        // Empty and null documents, scalars at the top.
        "",
        "# only a comment\n",
        "~\n",
        "null\n",
        "NULL\n",
        "!custom null\n",
        "!custom ~\n",
        "!custom\n",
        "!custom {a: 1}\n",
        "!!null ''\n",
        "42\n",
        "'quoted'\n",
        "[1, 2]\n",
        "--- |\n  text\n",
        // Anchors and aliases.
        "a: &x {b: [1, 2], c: {d: e}}\nf: *x\ng: [*x, *x]\n",
        "a: &s scalar\nb: *s\n",
        "a: *undefined\n",
        "a: &a [&b [&c [1]]]\nb: [*a, *b, *c]\n",
        "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
        // Merge keys, good and bad; one spelled with escapes, which only the value shows.
        "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n",
        "a: &a {x: 1}\nb: &b {x: 2, z: 3}\nc:\n  <<: [*a, *b]\n  w: 0\n",
        "a: {<<: 1}\n",
        "a: {<<: [1]}\n",
        "a: {<<: [[1]]}\n",
        "a: {<<: !t {x: 1}}\n",
        "a: &a {x: 1}\nb: [{<<: *a}, {<<: *a, x: 2}]\n",
        "base: &b {x: 1}\nuse: {\"\\x3c\\x3c\": *b, y: 2}\n",
        "base: &b {x: 1}\nuse: {\"\\x3c\\x3c\": *b, y: 2, y: 3}\n",
        "a: '<<'\nb: \"a << b\"\n",
        "? {\"\\x3c\\x3c\": {x: 1}}\n: v\n",
        "a: !t {\"\\x3c\\x3c\": {x: 1}}\n",
        "a: {!t \"\\x3c\\x3c\": {x: 1}}\n",
        // Keys that are not strings.
        "80: http\ntrue: t\n~: n\n1.5: f\n-3: neg\n0x10: hex\n.nan: nan\n.inf: inf\n-.inf: ninf\n",
        "? [a, b]\n: seq\n? {k: v, n: [1]}\n: map\n? !t tagged\n: x\n? !t [1]\n: y\n? []\n: e\n? {}\n: e2\n",
        "1e3: a\n1.0: b\n-0.0: c\n9223372036854775808: d\n-9223372036854775808: e\n",
        "? &k {a: 1}\n: x\n? *k\n: y\n",
        "! x: 1\ny: 2\n",
        // Keys that differ in YAML but not as strings: no error, the last wins.
        "1: a\n'1': b\n",
        "'1': a\n1: b\n",
        "true: a\n'true': b\n",
        "~: a\nnull_: b\n'null': c\n",
        "!t a: 1\na: 2\n",
        "!t a: 1\n!u a: 2\n",
        "[1]: a\n'[1]': b\n",
        "1.0: a\n'1.0': b\n1: c\n",
        "z: 0\n1: a\ny: 0\n'1': b\nx: 0\n",
        // Duplicates, in every kind of key.
        "a: 1\na: 2\n",
        "x:\n  y:\n    a: 1\n    b: 2\n    a: 3\n",
        "1: a\n0x1: b\n",
        "1.0: a\n1.00: b\n",
        "-0.0: a\n0.0: b\n",
        "0.0: a\n-0.0: b\n",
        ".nan: a\n.NaN: b\n",
        "~: a\nnull: b\n",
        "true: a\nTrue: b\n",
        "[a]: 1\n[a]: 2\n",
        "{a: 1}: x\n{a: 1}: y\n",
        "!t a: 1\n!t a: 2\n",
        "1: x\na: 1\na: 2\n",
        "a: 1\n1: x\na: 2\n",
        "a: 1\n'1': x\n1: y\n1: z\n",
        "\"a\\tb\": 1\n\"a\\tb\": 2\n",
        "a: 1\na: 99999999999999999999999\n",
        "a: 99999999999999999999999\na: 1\n",
        "a: [1, {b: 1, b: 2}]\n",
        "a: !t {b: 1, b: 2}\n",
        // Tags.
        "a: !!binary aGVsbG8=\nb: !custom {x: 1}\nc: !custom [1]\nd: !custom 12\ne: !custom '12'\nf: !!str 12\n",
        "g: !!int '12'\nh: !!float 1\ni: !!bool 'true'\nj: !<tag:example.com,2000:x> v\nk: ! v\nl: !custom\nm: !!float '.nan'\n",
        "a: !custom !!str x\n",
        "a: !!int x\n",
        "a: !!bool maybe\n",
        "a: !!float x\n",
        "a: !!null x\n",
        "a: !!int 99999999999999999999999\n",
        "a: !t |\n  literal\n",
        "a: !!int |\n  12\n",
        "!t [!u {a: !v 1}]\n",
        // Numbers.
        "a: .nan\nb: .inf\nc: -.inf\nd: .NaN\ne: +.inf\nf: .INF\ng: -.Inf\n",
        "a: 9223372036854775807\nb: 9223372036854775808\nc: 18446744073709551615\nd: -9223372036854775808\n",
        "a: 18446744073709551616\n",
        "a: -9223372036854775809\n",
        "a: 340282366920938463463374607431768211456\n",
        "a: -170141183460469231731687303715884105729\n",
        "a: 1e400\nb: -1e400\nc: 1e-400\n",
        "a: 1.0\nb: 1e3\nc: -0.0\nd: 0.1\ne: 1_000\nf: 0o17\ng: 0x_1F\nh: 1.5e-7\ni: 007\nj: +12\nk: 0b101\nl: -0x10\nm: 0x\nn: +-1\no: 1.\np: .5\nq: -.5\nr: 1E3\ns: 0.0\n",
        "a: 08\nb: -007\nc: +0\nd: -0\ne: 0xFFFFFFFFFFFFFFFF\nf: 0x10000000000000000\ng: 6.02e23\nh: 1e15\ni: 12e0\n",
        // Strings that look like other things.
        "a: '1'\nb: \"2.0\"\nc: 'true'\nd: \"null\"\ne: '0x10'\nf: \"~\"\ng: '.nan'\nh: ''\ni: \"\"\nj: yes\nk: no\nl: on\nm: y\nn: 'NaN'\no: nan\np: inf\n",
        "a: |\n  line1\n  line2\nb: >-\n  folded\n  text\nc: |+\n  kept\n\nd: \"esc\\u00e9\\n\"\ne: 'it''s'\nf: plain text with: colon\n",
        "a:\nb: ~\nc: null\nd: Null\n",
        // Nested flow collections.
        "a: {b: [1, {c: [2, [3, {d: e}]]}], f: {}}\ng: []\nh: [[], [{}], {x: [y]}]\ni: {? complex : 1}\n",
        "[{a: [b, {c: d}]}, [[[]]], {}]\n",
        // Errors: syntax, structure, several documents, depth.
        "a: [1, 2\n",
        "a: b: c\n",
        "a: 1\n  b: 2\n",
        "\tx: 1\n",
        "a: 'unterminated\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "key: {a: 1, a: 2\n",
        "a: 1\na: 2\nb: [unclosed\n",
    ];

    #[test]
    fn fast_path_matches_the_old_path() {
        for text in TRICKY {
            assert_same(text);
        }
        let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
        assert_same(&deep);
        let deep = format!("{}1{}", "{a: ".repeat(127), "}".repeat(127));
        assert_same(&deep);
    }

    #[test]
    fn fast_path_values() {
        let value = |text: &str| parse_document(text, 1).ok().flatten().expect("a value");
        let v = value("a: .nan\nb: .inf\nc: -.inf\nd: 1.0\ne: 1e3\nf: 18446744073709551615\ng: '1'\nh: !t 5\n");
        assert_eq!(v["a"], ".nan");
        assert_eq!(v["b"], ".inf");
        assert_eq!(v["c"], "-.inf");
        assert_eq!(v["d"], serde_json::json!(1.0));
        assert!(v["d"].is_f64());
        assert_eq!(v["e"], serde_json::json!(1000.0));
        assert_eq!(v["f"], serde_json::json!(u64::MAX));
        assert_eq!(v["g"], "1");
        assert_eq!(v["h"], 5);
        assert_eq!(value("!t null\n"), Json::Null);
        assert!(matches!(parse_document("~\n", 1), Ok(None)));
        assert_eq!(value("1: a\n'1': b\n")["1"], "b");
        assert_eq!(value("? [a, {b: 1}]\n: x\n")["[\"a\",{\"b\":1}]"], "x");
        let base = value("base: &b {x: 1}\nuse: {\"\\x3c\\x3c\": *b, y: 2}\n");
        assert_eq!(base["use"], serde_json::json!({"x": 1, "y": 2}));
        let err = parse_document("a: 1\nb: {c: 1, c: 2}\n", 3).expect_err("duplicate");
        assert!(err.message.starts_with("b: duplicate entry with key \"c\" at line 4"), "{}", err.message);
        assert_eq!(err.line, Some(4));
    }

    /// Every document under the directories in `REWHEEL_YAML_EQUIV_DIRS`
    /// (`:`-separated), e.g. the fuzz corpus and the bench platforms:
    /// `REWHEEL_YAML_EQUIV_DIRS=fuzz/corpus/manifest_loader cargo test -p rewheel-manifest -- --ignored`.
    #[test]
    #[ignore = "needs REWHEEL_YAML_EQUIV_DIRS"]
    fn fast_path_matches_the_old_path_on_a_corpus() {
        let dirs = std::env::var("REWHEEL_YAML_EQUIV_DIRS").expect("REWHEEL_YAML_EQUIV_DIRS");
        let mut documents = 0;
        let mut stack: Vec<std::path::PathBuf> = std::env::split_paths(&dirs).collect();
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).expect("directory").map(|e| e.expect("entry").path()));
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            for raw in crate::split::split_documents(&text) {
                let fast = outcome(parse_document(&raw.text, raw.first_line));
                let slow = outcome(parse_with_merge(&raw.text, raw.first_line));
                assert_eq!(fast, slow, "{} line {}", path.display(), raw.first_line);
                documents += 1;
            }
        }
        eprintln!("{documents} documents agree");
        assert!(documents > 0);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse_document("a: 1\na: 2\n", 5).expect_err("duplicate key");
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }
}
