//! Parse one YAML document into JSON, with file-relative error lines.
//!
//! The fast path deserialises straight into `serde_json::Value` ([`JsonSeed`]),
//! one allocation per node. Documents with merge keys (`<<`) take the slow
//! path: a `serde_yaml::Value`, `apply_merge`, then [`to_json`]. Both give the
//! same values, repeated keys and errors; the tests hold them to it.
//!
//! A key repeated in a mapping is an error only in strict parses; otherwise
//! the last value wins and the key is reported, as Kubernetes does. serde
//! shows a visitor no positions, so a repeated key fails inside its own
//! deserialisation ([`KeySeed`]): serde_yaml marks that error with the key's
//! line, and the parse goes on, still in one pass.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt;

use serde::de::value::{EnumAccessDeserializer, MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_json::Value as Json;
use serde_yaml::Value as Yaml;
use serde_yaml::value::{Tag, TaggedValue};

pub(crate) struct YamlError {
    /// 1-based file line, when the parser knows it.
    pub line: Option<u32>,
    pub message: String,
}

/// One parsed document.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// `None` for a document that is `null`.
    pub value: Option<Json>,
    /// The keys that repeat an earlier key of their mapping (lenient parses
    /// only), in line order.
    pub duplicates: Vec<DuplicateKey>,
}

/// A key written again in the same mapping. Kubernetes takes the last value
/// (and warns); so does [`parse_document`], keeping the key where it
/// first stood (serde_json's `preserve_order` map keeps a re-inserted key in
/// place), so only the value moves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct DuplicateKey {
    /// 1-based file line of the later occurrence. A key written as an alias
    /// (`*k`) has the line of its anchor: serde_yaml reports where the node
    /// was defined.
    pub line: u32,
    /// The repeated key as JSON spells keys (`app.kubernetes.io/name`, `80`,
    /// `true`). No path of parent keys: the line finds the mapping, and a
    /// dotted path would be ambiguous with the dotted keys of Kubernetes labels.
    pub key: String,
}

/// Parse `text`, whose first line is file line `first_line`.
///
/// A key repeated in a mapping is serde_yaml's error when `strict`; otherwise
/// the last value wins and the key is listed in [`Parsed::duplicates`], as
/// Kubernetes takes a chart that renders a label twice. Keys that are equal
/// only as JSON strings (`1` and `'1'`) are not duplicates: the last value
/// wins, unreported, in both modes. A repeated key that is a sequence or a
/// mapping stays an error: JSON has no such keys, and serde_yaml cannot go on
/// after failing inside one.
pub(crate) fn parse_document(text: &str, first_line: u32, strict: bool) -> Result<Parsed, YamlError> {
    if !text.contains("<<") {
        let pass = Pass::new(strict);
        match parse_fast(text, &pass) {
            // A `<<` key spelled with escapes (`"\x3c<"`): start again on the slow path.
            Err(_) if pass.merge_key.get() => {}
            result => {
                let value = result.map_err(|e| yaml_error(e, text, first_line))?;
                return Ok(pass.finish(value, first_line));
            }
        }
    }
    parse_with_merge(text, first_line, strict)
}

/// One pass, no merge keys: `Err` with `merge_key` set when a mapping has a `<<` key.
fn parse_fast(text: &str, pass: &Pass) -> Result<Option<Json>, serde_yaml::Error> {
    let top_tagged = Cell::new(false);
    let seed = JsonSeed { pass, top_tagged: Some(&top_tagged) };
    let value = seed.deserialize(serde_yaml::Deserializer::from_str(text))?;
    // `!tag null` is a value, as on the slow path; only a plain null is an empty document.
    Ok(match value {
        Json::Null if !top_tagged.get() => None,
        value => Some(value),
    })
}

/// The general path: `serde_yaml::Value`, merge keys applied, then JSON.
/// Strict parses use serde_yaml's own `Value`, the reference the fast path is
/// tested against; lenient ones [`YamlSeed`], which differs only in keeping
/// repeated keys.
fn parse_with_merge(text: &str, first_line: u32, strict: bool) -> Result<Parsed, YamlError> {
    let pass = Pass::new(strict);
    let value = match strict {
        true => serde_yaml::from_str(text),
        false => YamlSeed { pass: &pass }.deserialize(serde_yaml::Deserializer::from_str(text)),
    };
    let mut value: Yaml = value.map_err(|e| yaml_error(e, text, first_line))?;
    value.apply_merge().map_err(|e| {
        let (offset, last_line) = line_range(text, first_line);
        YamlError { line: None, message: format!("merge key (<<): {}", shift_lines(&e.to_string(), offset, last_line)) }
    })?;
    let value = match value {
        Yaml::Null => None,
        value => Some(to_json(value)),
    };
    Ok(pass.finish(value, first_line))
}

/// What one parse shares between the nodes it visits.
struct Pass {
    /// Set when a mapping has a `<<` key: the fast path stops there.
    merge_key: Cell<bool>,
    /// Lenient parses: the repeated keys so far, lines counted in the
    /// document. `None`: strict, a repeated key is an error.
    duplicates: Option<RefCell<Vec<DuplicateKey>>>,
}

impl Pass {
    fn new(strict: bool) -> Self {
        Pass { merge_key: Cell::new(false), duplicates: (!strict).then(RefCell::default) }
    }

    /// The next key of a mapping, filed in `keys`, and whether it repeats an
    /// earlier one. Strict: read as serde_yaml's `Mapping` reads it, and left
    /// to the caller to check. Lenient: a repeat is noted with its line.
    fn next_key<'de, A: MapAccess<'de>, K: Keys>(
        &self,
        access: &mut A,
        keys: K,
    ) -> Result<Option<(K::Slot, bool)>, A::Error> {
        let Some(duplicates) = &self.duplicates else {
            return Ok(access.next_key()?.map(|key| (K::unchecked(key), false)));
        };
        let repeated = Cell::new(None);
        match access.next_key_seed(KeySeed { keys, repeated: &repeated }) {
            Ok(slot) => Ok(slot.map(|slot| (slot, false))),
            Err(error) => {
                let Some(key) = repeated.take() else { return Err(error) };
                let line = message_line(&error.to_string());
                duplicates.borrow_mut().push(DuplicateKey { line, key: key_string(key.clone()) });
                Ok(Some((K::unchecked(key), true)))
            }
        }
    }

    /// The parse's result, duplicates on file lines. One record per key and
    /// line: a mapping replayed through aliases repeats its keys each time.
    fn finish(self, value: Option<Json>, first_line: u32) -> Parsed {
        let mut duplicates = self.duplicates.map(RefCell::into_inner).unwrap_or_default();
        duplicates.sort();
        duplicates.dedup();
        for duplicate in &mut duplicates {
            duplicate.line += first_line.saturating_sub(1);
        }
        Parsed { value, duplicates }
    }
}

/// The 1-based line in the text of [`KeySeed`]'s error (`… repeated key at
/// line 3 column 5`); the text is all a generic `MapAccess` error offers.
/// serde_yaml writes no position for the document's first character: line 1.
fn message_line(message: &str) -> u32 {
    let after = message.rsplit_once(REPEATED_KEY).map_or("", |(_, after)| after);
    let line = after.strip_prefix(" at line ").and_then(|rest| rest.split(' ').next()?.parse().ok());
    line.unwrap_or(1)
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
    pass: &'a Pass,
    /// Only for the document's top node: set when the node is tagged.
    top_tagged: Option<&'a Cell<bool>>,
}

impl JsonSeed<'_> {
    fn nested(self) -> Self {
        JsonSeed { top_tagged: None, ..self }
    }

    /// Read the value of a key [`JsonKeys`] did not file (a strict parse's key,
    /// a key that is not a string, a repeat) and file both. A repeat a strict
    /// parse refuses is serde_yaml's error; an allowed one keeps the first
    /// key's spelling (`-0.0` then `0.0`) and place, as a `Mapping` does.
    fn insert_unchecked<'de, A: MapAccess<'de>>(
        self,
        access: &mut A,
        map: &mut serde_json::Map<String, Json>,
        yaml_keys: &mut Option<HashSet<Yaml>>,
        key: Yaml,
        repeated: bool,
    ) -> Result<(), A::Error> {
        let name = match (key, yaml_keys) {
            (Yaml::String(key), None) => match map.entry(key) {
                serde_json::map::Entry::Occupied(entry) if !repeated => {
                    return Err(duplicate_key(&Yaml::String(entry.key().clone())));
                }
                serde_json::map::Entry::Occupied(mut entry) => {
                    entry.insert(access.next_value_seed(self.nested())?);
                    return Ok(());
                }
                serde_json::map::Entry::Vacant(entry) => {
                    entry.insert(access.next_value_seed(self.nested())?);
                    return Ok(());
                }
            },
            (key, yaml_keys) => {
                let seen = yaml_keys.get_or_insert_with(|| map.keys().map(|k| Yaml::String(k.clone())).collect());
                match seen.get(&key) {
                    Some(existing) if !repeated => return Err(duplicate_key(existing)),
                    Some(existing) => key_string(existing.clone()),
                    None => {
                        seen.insert(key.clone());
                        key_string(key)
                    }
                }
            }
        };
        let value = access.next_value_seed(self.nested())?;
        map.insert(name, value);
        Ok(())
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
    /// checked for a repeat before its value is read. Keys that differ in YAML
    /// but not as strings (`1` and `"1"`) are no repeat; the last value wins, as
    /// when [`to_json`] collects the mapping.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Json, A::Error> {
        let mut map = serde_json::Map::new();
        // Until a key that is not a string shows up, `map`'s keys are exactly the
        // YAML keys seen; from then on every YAML key is kept here.
        let mut yaml_keys: Option<HashSet<Yaml>> = None;
        loop {
            let keys = JsonKeys { map: &mut map, yaml_keys: &yaml_keys };
            let Some((key, repeated)) = self.pass.next_key(&mut access, keys)? else { break };
            let key = match key {
                JsonKey::Vacant(entry) if entry.key() != "<<" => {
                    entry.insert(access.next_value_seed(self.nested())?);
                    continue;
                }
                JsonKey::Vacant(_) => Yaml::String("<<".into()),
                JsonKey::Unchecked(key) => key,
            };
            if matches!(&key, Yaml::String(s) if s == "<<") {
                self.pass.merge_key.set(true);
                return Err(de::Error::custom("merge key (<<): the caller applies merge keys"));
            }
            self.insert_unchecked(&mut access, &mut map, &mut yaml_keys, key, repeated)?;
        }
        Ok(Json::Object(map))
    }

    /// A tagged node (`!custom x`); the tag is dropped, as [`to_json`] drops it.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Json, A::Error> {
        if let Some(top_tagged) = self.top_tagged {
            top_tagged.set(true);
        }
        let ((), contents) = data.variant_seed(TagSeed(|_: &str| ()))?;
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

/// The mapping [`KeySeed`] reads a key for, which files a key it does not
/// have yet.
trait Keys {
    /// Where the caller puts the key's value.
    type Slot;
    /// `key` filed, or `Err(key)` when the mapping has it already.
    fn claim(self, key: Yaml) -> Result<Self::Slot, Yaml>;
    /// `key` not looked up: the caller checks it.
    fn unchecked(key: Yaml) -> Self::Slot;
}

/// The fast path's mapping: a new string key gets its entry, so a key costs
/// one lookup, as in a strict parse.
struct JsonKeys<'m, 'k> {
    map: &'m mut serde_json::Map<String, Json>,
    yaml_keys: &'k Option<HashSet<Yaml>>,
}

enum JsonKey<'m> {
    Vacant(serde_json::map::VacantEntry<'m>),
    Unchecked(Yaml),
}

impl<'m> Keys for JsonKeys<'m, '_> {
    type Slot = JsonKey<'m>;

    #[inline]
    fn claim(self, key: Yaml) -> Result<JsonKey<'m>, Yaml> {
        match (key, self.yaml_keys) {
            (Yaml::String(key), None) => match self.map.entry(key) {
                serde_json::map::Entry::Vacant(entry) => Ok(JsonKey::Vacant(entry)),
                serde_json::map::Entry::Occupied(entry) => Err(Yaml::String(entry.key().clone())),
            },
            (key, Some(seen)) if seen.contains(&key) => Err(key),
            (key, _) => Ok(JsonKey::Unchecked(key)),
        }
    }

    fn unchecked(key: Yaml) -> JsonKey<'m> {
        JsonKey::Unchecked(key)
    }
}

/// The slow path's mapping.
impl Keys for &serde_yaml::Mapping {
    type Slot = Yaml;

    fn claim(self, key: Yaml) -> Result<Yaml, Yaml> {
        if self.contains_key(&key) {
            return Err(key);
        }
        Ok(key)
    }

    fn unchecked(key: Yaml) -> Yaml {
        key
    }
}

/// Reads a mapping key as `serde_yaml::Value` does, for lenient parses. A
/// scalar key the mapping already has fails inside its own deserialisation,
/// after its one event is consumed: serde_yaml then marks the error with the
/// key's position, the line a warning needs, and the parse can go on with
/// the value. The key is left in `repeated`. A key that is a sequence or a
/// mapping cannot fail this way (serde_yaml would still expect its end
/// event), so it is left unchecked, and the caller's check fails the parse.
struct KeySeed<'a, K> {
    keys: K,
    repeated: &'a Cell<Option<Yaml>>,
}

/// The text of the error [`KeySeed`] raises; only its position is read.
const REPEATED_KEY: &str = "repeated key";

impl<K: Keys> KeySeed<'_, K> {
    #[inline]
    fn check<E: de::Error>(self, key: Yaml) -> Result<K::Slot, E> {
        self.keys.claim(key).map_err(|key| {
            self.repeated.set(Some(key));
            E::custom(REPEATED_KEY)
        })
    }
}

impl<'de, K: Keys> DeserializeSeed<'de> for KeySeed<'_, K> {
    type Value = K::Slot;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<K::Slot, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// `serde_yaml::Value`'s visitor, as [`JsonSeed`] mirrors it, plus [`KeySeed::check`].
impl<'de, K: Keys> Visitor<'de> for KeySeed<'_, K> {
    type Value = K::Slot;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<K::Slot, E> {
        self.check(Yaml::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<K::Slot, E> {
        self.check(Yaml::Number(i.into()))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<K::Slot, E> {
        self.check(Yaml::Number(u.into()))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<K::Slot, E> {
        self.check(Yaml::Number(f.into()))
    }

    /// Most keys come this way; inlined (with `check` and `claim`), a lenient
    /// key costs about what a strict one does.
    #[inline]
    fn visit_str<E: de::Error>(self, s: &str) -> Result<K::Slot, E> {
        self.check(Yaml::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<K::Slot, E> {
        self.check(Yaml::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<K::Slot, E> {
        self.check(Yaml::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<K::Slot, E> {
        self.check(Yaml::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<K::Slot, D::Error> {
        Yaml::deserialize(deserializer).map(K::unchecked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<K::Slot, A::Error> {
        Yaml::deserialize(SeqAccessDeserializer::new(seq)).map(K::unchecked)
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<K::Slot, A::Error> {
        Yaml::deserialize(MapAccessDeserializer::new(access)).map(K::unchecked)
    }

    /// A tagged key: read whole, then checked, unless it tags a sequence or a mapping.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<K::Slot, A::Error> {
        let tagged = TaggedValue::deserialize(EnumAccessDeserializer::new(data))?;
        let compound = matches!(tagged.value, Yaml::Sequence(_) | Yaml::Mapping(_));
        let key = Yaml::Tagged(Box::new(tagged));
        if compound {
            return Ok(K::unchecked(key));
        }
        self.check(key)
    }
}

/// Deserialises one YAML node into `serde_yaml::Value` as serde_yaml does,
/// but a lenient [`Pass`] keeps the last value of a repeated key: the slow
/// path's tree for lenient parses.
#[derive(Clone, Copy)]
struct YamlSeed<'a> {
    pass: &'a Pass,
}

impl<'de> DeserializeSeed<'de> for YamlSeed<'_> {
    type Value = Yaml;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Yaml, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// `serde_yaml::Value`'s visitor, method for method, but for `visit_map`.
impl<'de> Visitor<'de> for YamlSeed<'_> {
    type Value = Yaml;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Yaml, E> {
        Ok(Yaml::Number(i.into()))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Yaml, E> {
        Ok(Yaml::Number(u.into()))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Yaml, E> {
        Ok(Yaml::Number(f.into()))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Yaml, E> {
        Ok(Yaml::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Yaml, E> {
        Ok(Yaml::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Yaml, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Yaml::Sequence(items))
    }

    /// As `serde_yaml::Mapping`, but a repeat the [`Pass`] allows takes the
    /// place of the earlier value.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Yaml, A::Error> {
        let mut mapping = serde_yaml::Mapping::new();
        while let Some((key, repeated)) = self.pass.next_key(&mut access, &mapping)? {
            match mapping.entry(key) {
                serde_yaml::mapping::Entry::Occupied(entry) if !repeated => return Err(duplicate_key(entry.key())),
                serde_yaml::mapping::Entry::Occupied(mut entry) => {
                    entry.insert(access.next_value_seed(self)?);
                }
                serde_yaml::mapping::Entry::Vacant(entry) => {
                    entry.insert(access.next_value_seed(self)?);
                }
            }
        }
        Ok(Yaml::Mapping(mapping))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Yaml, A::Error> {
        let (tag, contents) = data.variant_seed(TagSeed(|tag: &str| Tag::new(tag)))?;
        let value = contents.newtype_variant_seed(self)?;
        Ok(Yaml::Tagged(Box::new(TaggedValue { tag, value })))
    }
}

/// The tag of a tagged node, checked as `serde_yaml::Value` checks it, and
/// turned into what the caller keeps of it.
struct TagSeed<F>(F);

impl<'de, T, F: FnOnce(&str) -> T> DeserializeSeed<'de> for TagSeed<F> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl<'de, T, F: FnOnce(&str) -> T> Visitor<'de> for TagSeed<F> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a YAML tag string")
    }

    fn visit_str<E: de::Error>(self, tag: &str) -> Result<T, E> {
        if tag.is_empty() {
            return Err(E::custom("empty YAML tag is not allowed"));
        }
        Ok((self.0)(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lenient parse's value, which must be there.
    fn value(text: &str) -> Json {
        parse_document(text, 1, false).ok().and_then(|parsed| parsed.value).expect("a value")
    }

    #[test]
    fn error_lines_are_file_lines() {
        let err = parse_document("a: 1\nb: [x\n", 10, false).expect_err("parse error");
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
        let v = value("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n80: http\ntrue: t\n");
        assert_eq!(v["use"]["x"], 1);
        assert_eq!(v["use"]["y"], 2);
        assert_eq!(v["80"], "http");
        assert_eq!(v["true"], "t");
    }

    /// What a parse gave, in a form that compares everything: the value as JSON
    /// text (so key order counts under `preserve_order`), the duplicates, and
    /// the error's line and message.
    type Outcome = Result<(Option<(Json, String)>, Vec<DuplicateKey>), (Option<u32>, String)>;

    fn outcome(result: Result<Parsed, YamlError>) -> Outcome {
        match result {
            Ok(Parsed { value, duplicates }) => {
                let value = value.map(|v| {
                    let text = serde_json::to_string(&v).expect("JSON");
                    (v, text)
                });
                Ok((value, duplicates))
            }
            Err(e) => Err((e.line, e.message)),
        }
    }

    /// In both modes, `parse_document` gives what the slow path gives, and
    /// documents without a merge key really take the fast path. Strict, the
    /// slow path is the old code (`Value`, `apply_merge`, `to_json`). Lenient
    /// differs from strict only where strict fails on a repeated key.
    fn assert_same(text: &str) {
        for strict in [true, false] {
            let fast = outcome(parse_document(text, 7, strict));
            let slow = outcome(parse_with_merge(text, 7, strict));
            assert_eq!(fast, slow, "document {text:?}, strict {strict}");
            let pass = Pass::new(strict);
            let direct = parse_fast(text, &pass);
            if !pass.merge_key.get() {
                let direct = outcome(direct.map(|v| pass.finish(v, 7)).map_err(|e| yaml_error(e, text, 7)));
                assert_eq!(direct, slow, "fast path on {text:?}, strict {strict}");
            } else {
                assert!(slow.is_err() || text.contains("<<") || text.contains("\\x3c"), "merge fallback on {text:?}");
            }
        }
        let strict = outcome(parse_document(text, 7, true));
        let lenient = outcome(parse_document(text, 7, false));
        match &strict {
            Err((_, message)) if message.contains("duplicate entry") => {
                assert!(lenient.as_ref().map_or(true, |(_, d)| !d.is_empty()), "{text:?}: {lenient:?}");
            }
            _ => assert_eq!(lenient, strict, "lenient on {text:?}"),
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
        "!!int x: 1\n",
        "!!float x: 1\n1: a\n1: b\n",
        "1: a\n1: b\n18446744073709551616: c\n",
        "1: a\n1: b\n!!binary aGk=: c\n",
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
        "a: 1\na: {b: [1, 2]}\nc: 3\n",
        "a: 1\nb: {c: 1, c: 2, c: [3]}\nb: x\na: 4\n",
        "{a: 1, a: 2}\n",
        "x: {a: 1,\n  b: 2, a: 3}\n",
        "a: &x {b: 1, b: 2}\nc: *x\nd: [*x, *x]\n",
        "&k a: 1\n*k : 2\n",
        "a: &k b\nc:\n  *k : 1\n  b: 2\n",
        "? [a]\n: 1\nb: 1\n? [a]\n: 2\nb: 2\n",
        "? !t [a]\n: 1\n? !t [a]\n: 2\n",
        "{a: 1}: {b: 1, b: 2}\n{a: 1}: y\n",
        "? {a: 1, a: 2}\n: x\n",
        "'p repeated key at line 99 column 9':\n  a: 1\n  a: 2\n",
        // Repeated keys on the slow path: around merge keys, and the merge key itself.
        "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n  y: 3\n",
        "a: &a {x: 1}\nb:\n  x: 5\n  <<: *a\n  x: 6\n",
        "a: &a {x: 1}\nb: &b {y: 2}\nc: {<<: *a, <<: *b}\n",
        "a: &a {x: 1, x: 2}\nc: {<<: *a}\nc: 1\n",
        "base: &b {x: 1}\nuse: {\"\\x3c\\x3c\": *b, y: 2, y: 3, \"\\x3c\\x3c\": *b}\n",
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
        let bomb = "a: &a {x: 1, x: 2}\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n";
        assert_same(bomb);
        assert_eq!(
            outcome(parse_document(bomb, 1, false)).map(|(_, d)| d.len()),
            Ok(1),
            "one record for a replayed key"
        );
    }

    #[test]
    fn fast_path_values() {
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
        assert!(matches!(parse_document("~\n", 1, false), Ok(Parsed { value: None, .. })));
        assert_eq!(value("1: a\n'1': b\n")["1"], "b");
        assert_eq!(value("? [a, {b: 1}]\n: x\n")["[\"a\",{\"b\":1}]"], "x");
        let base = value("base: &b {x: 1}\nuse: {\"\\x3c\\x3c\": *b, y: 2}\n");
        assert_eq!(base["use"], serde_json::json!({"x": 1, "y": 2}));
        let err = parse_document("a: 1\nb: {c: 1, c: 2}\n", 3, true).expect_err("duplicate");
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
                for strict in [true, false] {
                    let fast = outcome(parse_document(&raw.text, raw.first_line, strict));
                    let slow = outcome(parse_with_merge(&raw.text, raw.first_line, strict));
                    assert_eq!(fast, slow, "{} line {}, strict {strict}", path.display(), raw.first_line);
                }
                documents += 1;
            }
        }
        eprintln!("{documents} documents agree");
        assert!(documents > 0);
    }

    /// The lines and keys a lenient parse reports, the document starting on file line 10.
    fn duplicates(text: &str) -> Vec<(u32, String)> {
        let parsed = parse_document(text, 10, false).unwrap_or_else(|e| panic!("{text:?}: {}", e.message));
        parsed.duplicates.into_iter().map(|d| (d.line, d.key)).collect()
    }

    fn at(line: u32, key: &str) -> (u32, String) {
        (line, key.to_string())
    }

    /// Strict keeps serde_yaml's error, on the line where the mapping starts
    /// (where serde_yaml marks it), not the repeated key's.
    #[test]
    fn duplicate_keys_are_errors_when_strict() {
        let err = parse_document("a: 1\na: 2\n", 5, true).expect_err("duplicate key");
        assert_eq!((err.line, err.message.as_str()), (Some(5), "duplicate entry with key \"a\""));
        let err = parse_document("x:\n  y:\n    a: 1\n    b: 2\n    a: 3\n", 10, true).expect_err("duplicate key");
        assert_eq!(
            (err.line, err.message.as_str()),
            (Some(12), "x.y: duplicate entry with key \"a\" at line 12 column 5")
        );
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_when_lenient() {
        let text = "kind: Service\nmetadata:\n  labels:\n    app.kubernetes.io/name: a\n    tier: web\n    app.kubernetes.io/name: b\n";
        assert_eq!(duplicates(text), vec![at(15, "app.kubernetes.io/name")]);
        let labels = value(text)["metadata"]["labels"].clone();
        assert_eq!(labels, serde_json::json!({"app.kubernetes.io/name": "b", "tier": "web"}));
        // Under `preserve_order` the key stays where it first stood.
        let order_kept = serde_json::json!({"b": 0, "a": 0}).as_object().unwrap().keys().next().unwrap() == "b";
        if order_kept {
            let keys: Vec<&String> = labels.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["app.kubernetes.io/name", "tier"]);
        }
        // The parse goes on after a repeated key, its value whatever it is.
        assert_eq!(value("a: 1\na: {b: [1, 2]}\nc: 3\n"), serde_json::json!({"a": {"b": [1, 2]}, "c": 3}));
    }

    #[test]
    fn duplicate_key_lines() {
        // Two in one document, one nested; reported in line order.
        assert_eq!(duplicates("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"), vec![at(13, "c"), at(14, "a")]);
        // Keys that are not strings, as the JSON spells them.
        assert_eq!(duplicates("1: a\n0x1: b\n1: c\n"), vec![at(11, "1"), at(12, "1")]);
        assert_eq!(duplicates("true: a\nTrue: b\n~: c\nnull: d\n"), vec![at(11, "true"), at(13, "null")]);
        assert_eq!(duplicates("!t a: 1\n!t a: 2\n"), vec![at(11, "a")]);
        assert_eq!(value("1: a\n0x1: b\n1: c\n"), serde_json::json!({"1": "c"}));
        // Flow mappings; one record per key and line.
        assert_eq!(duplicates("{a: 1, a: 2}\n"), vec![at(10, "a")]);
        assert_eq!(duplicates("x: {a: 1,\n  b: 2, a: 3}\n"), vec![at(11, "a")]);
        assert_eq!(duplicates("{a: 1, a: 2, a: 3}\n"), vec![at(10, "a")]);
        // A parent key that reads like a position.
        assert_eq!(duplicates("'p repeated key at line 99 column 9':\n  a: 1\n  a: 2\n"), vec![at(12, "a")]);
        // Replayed through aliases: once. An alias key: its anchor's line.
        assert_eq!(duplicates("a: &x {b: 1, b: 2}\nc: *x\nd: [*x, *x]\n"), vec![at(10, "b")]);
        assert_eq!(duplicates("a: &k b\nc:\n  *k : 1\n  b: 2\n"), vec![at(13, "b")]);
        assert_eq!(duplicates("x: 0\ny:\n  &k a: 1\n  *k : 2\n"), vec![at(12, "a")]);
        assert_eq!(duplicates("&k a: 1\n*k : 2\n"), vec![at(10, "a")]);
    }

    #[test]
    fn duplicate_keys_on_the_merge_key_path() {
        let text = "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n  y: 3\n";
        assert_eq!(duplicates(text), vec![at(14, "y")]);
        assert_eq!(value(text)["use"], serde_json::json!({"x": 1, "y": 3}));
        // The mapping's own last value beats the merged one.
        let text = "a: &a {x: 1}\nb:\n  x: 5\n  <<: *a\n  x: 6\n";
        assert_eq!((duplicates(text), value(text)["b"].clone()), (vec![at(14, "x")], serde_json::json!({"x": 6})));
        // A repeated merge key: the last one is merged.
        let text = "a: &a {x: 1}\nb: &b {y: 2}\nc: {<<: *a, <<: *b}\n";
        assert_eq!((duplicates(text), value(text)["c"].clone()), (vec![at(12, "<<")], serde_json::json!({"y": 2})));
        // Found by the fast path before a `<<` it cannot apply: counted once, by the slow path.
        let text = "a: {b: 1, b: 2}\nbase: &b {x: 1}\nuse: {\"\\x3c\\x3c\": *b}\n";
        assert_eq!(duplicates(text), vec![at(10, "b")]);
    }

    /// A repeated key that is a sequence or a mapping stays serde_yaml's error.
    #[test]
    fn repeated_compound_keys_are_errors() {
        for text in
            ["[a]: 1\n[a]: 2\n", "{a: 1}: x\n{a: 1}: y\n", "? {a: 1, a: 2}\n: x\n", "? !t [a]\n: 1\n? !t [a]\n: 2\n"]
        {
            let strict = parse_document(text, 1, true).map(|_| ()).map_err(|e| e.message);
            let lenient = parse_document(text, 1, false).map(|_| ()).map_err(|e| e.message);
            assert!(strict.as_ref().is_err_and(|m| m.contains("duplicate entry")), "{text:?}: {strict:?}");
            assert_eq!(lenient, strict, "{text:?}");
        }
    }

    /// [`YamlSeed`] in a strict pass is serde_yaml's `Value`, errors included.
    #[test]
    fn yaml_seed_mirrors_serde_yaml() {
        for text in TRICKY {
            let pass = Pass::new(true);
            let ours = YamlSeed { pass: &pass }.deserialize(serde_yaml::Deserializer::from_str(text));
            let theirs: Result<Yaml, _> = serde_yaml::from_str(text);
            assert_eq!(ours.map_err(|e| e.to_string()), theirs.map_err(|e| e.to_string()), "{text:?}");
        }
    }
}
