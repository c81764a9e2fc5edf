//! [`Value`], the tree the generators build and `emit` writes, and `json!`,
//! its object literal.
//!
//! Why not `serde_json::Value`: every service builds a few hundred objects,
//! and there the general-purpose tree paid for what generated objects never
//! need. Its maps hash every key (`SipHash`) into an index, and own every key
//! and string as a `String`, so `"apiVersion": "apps/v1"` cost two
//! allocations and a hash. Here a [`Map`] is a `Vec` of entries in insertion
//! order (the order written is the order emitted; objects have a handful of
//! keys, so a lookup is a short scan), and keys and strings written as
//! literals are borrowed for the life of the program. Numbers are integers:
//! nothing generated is fractional (a ratio in a query is text).
//!
//! `json!` reads like `serde_json::json!`:
//! - string, integer and boolean literals, and literal keys, are borrowed or
//!   copied, never allocated;
//! - the result of a function call (`metadata(service, name)`), and any
//!   `move value`, is moved in: an object built by a helper and placed into
//!   the next one up costs nothing ([`IntoValue`]);
//! - any other expression is borrowed and converted ([`ToValue`]: a `Value`
//!   is cloned, a `String` copied, an `Option` is its value or `null`).
//!
//! Keys are literals or expressions that turn `Into<String>`; values are
//! `null`, object and array literals, `move <expr>` or any expression.
//! A `null` entry is kept in the tree and skipped when written, as before.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A key or a string: borrowed when it is a literal, owned otherwise.
pub type Str = Cow<'static, str>;

/// A generated document: a YAML (or JSON) value with ordered mappings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    String(Str),
    Array(Vec<Value>),
    Object(Map),
}

/// A mapping that keeps its entries in insertion order; inserting a key it
/// has replaces the value in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map {
    entries: Vec<(Str, Value)>,
}

static NULL: Value = Value::Null;

impl Map {
    pub fn new() -> Map {
        Map { entries: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(existing, _)| existing == key)
    }

    /// Sets `key`, in place when it is there already (returning the old
    /// value), else at the end.
    pub fn insert(&mut self, key: impl Into<Str>, value: Value) -> Option<Value> {
        let key = key.into();
        if let Some(index) = self.position(&key) {
            return Some(std::mem::replace(&mut self.entries[index].1, value));
        }
        self.entries.push((key, value));
        None
    }

    /// Appends an entry the caller knows is new: `json!` object literals,
    /// whose keys are distinct as written.
    pub fn push(&mut self, key: Str, value: Value) {
        debug_assert!(self.position(&key).is_none(), "`{key}` twice in one object literal");
        self.entries.push((key, value));
    }

    /// Inserts a new entry at `index` (at most the length), moving the
    /// ones after it.
    pub fn insert_at(&mut self, index: usize, key: impl Into<Str>, value: Value) {
        let key = key.into();
        debug_assert!(self.position(&key).is_none(), "`{key}` is in the object already");
        self.entries.insert(index.min(self.entries.len()), (key, value));
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(existing, _)| existing == key).map(|(_, value)| value)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(existing, _)| existing == key).map(|(_, value)| value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).map(|index| self.entries.remove(index).1)
    }

    /// The value of `key`, inserted at the end with `make` if missing.
    pub fn entry_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Value) -> &mut Value {
        let index = self.position(key).unwrap_or_else(|| {
            self.entries.push((Cow::Owned(key.to_owned()), make()));
            self.entries.len() - 1
        });
        &mut self.entries[index].1
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(key, value)| (&**key, value))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| &**key)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.entries.iter().map(|(_, value)| value)
    }
}

impl<K: Into<Str>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(entries: I) -> Map {
        let mut map = Map::new();
        for (key, value) in entries {
            map.insert(key, value);
        }
        map
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a str, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (Str, Value)>, fn(&'a (Str, Value)) -> (&'a str, &'a Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(key, value)| (&**key, value))
    }
}

impl IntoIterator for Map {
    type Item = (Str, Value);
    type IntoIter = std::vec::IntoIter<(Str, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(number) => Some(*number),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_i64().and_then(|number| u64::try_from(number).ok())
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// The same value as a `serde_json::Value`: for the schema checks of
    /// objects a user patched or wrote.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(flag) => serde_json::Value::Bool(*flag),
            Value::Int(number) => serde_json::Value::from(*number),
            Value::String(text) => serde_json::Value::String(text.as_ref().to_owned()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Object(map) => {
                serde_json::Value::Object(map.iter().map(|(key, value)| (key.to_owned(), value.to_json())).collect())
            }
        }
    }

    /// A `serde_json::Value` as a generated value: for what a user patches
    /// in or writes beside the generated objects. Numbers that are not
    /// integers keep their text (YAML reads `0.5` written plain or quoted
    /// alike for a quantity, and nothing platc patches is a float).
    pub fn from_json(value: &serde_json::Value) -> Value {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(*flag),
            serde_json::Value::Number(number) => match number.as_i64() {
                Some(integer) => Value::Int(integer),
                None => Value::String(Cow::Owned(number.to_string())),
            },
            serde_json::Value::String(text) => Value::String(Cow::Owned(text.clone())),
            serde_json::Value::Array(items) => Value::Array(items.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(map) => Value::Object(Map {
                entries: map.iter().map(|(key, value)| (Cow::Owned(key.clone()), Value::from_json(value))).collect(),
            }),
        }
    }

    /// The value as JSON, indented by two spaces: byte for byte what
    /// `serde_json::to_string_pretty` writes for the same tree, without
    /// building one (the Grafana dashboards are JSON inside YAML).
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        write_json(self, 0, &mut out);
        out
    }
}

fn write_json(value: &Value, level: usize, out: &mut String) {
    fn newline(level: usize, out: &mut String) {
        const SPACES: &str = "\n                                                                ";
        let width = 1 + level * 2;
        if width <= SPACES.len() {
            out.push_str(&SPACES[..width]);
        } else {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', level * 2));
        }
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Int(number) => crate::emit::push_integer(*number, out),
        Value::String(text) => write_json_string(text, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(level + 1, out);
                write_json(item, level + 1, out);
            }
            newline(level, out);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push('{');
            for (index, (key, item)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(level + 1, out);
                write_json_string(key, out);
                out.push_str(": ");
                write_json(item, level + 1, out);
            }
            newline(level, out);
            out.push('}');
        }
    }
}

/// A JSON string as `serde_json` escapes it: `"`, `\`, and the C0 controls
/// (short forms where JSON has them), nothing else.
fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(offset) = bytes[start..].iter().position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\') {
        let index = start + offset;
        out.push_str(&text[start..index]);
        match bytes[index] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            control => {
                let _ = write!(out, "\\u{control:04x}");
            }
        }
        start = index + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

impl std::ops::Index<&str> for Value {
    type Output = Value;

    /// The value of `key`, or `null` when there is none or this is not an object.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::IndexMut<&str> for Value {
    /// The value of `key`, inserted as `null` when missing; a `null` becomes
    /// an empty object first. Indexing anything else by a key is a bug in a
    /// generator (`serde_json` panics alike).
    fn index_mut(&mut self, key: &str) -> &mut Value {
        if self.is_null() {
            *self = Value::Object(Map::new());
        }
        match self {
            Value::Object(map) => map.entry_or_insert_with(key, || Value::Null),
            other => panic!("cannot index {other:?} by the key `{key}`"),
        }
    }
}

impl std::ops::IndexMut<String> for Value {
    fn index_mut(&mut self, key: String) -> &mut Value {
        &mut self[key.as_str()]
    }
}

impl std::ops::Index<String> for Value {
    type Output = Value;

    fn index(&self, key: String) -> &Value {
        &self[key.as_str()]
    }
}

impl std::ops::Index<&String> for Value {
    type Output = Value;

    fn index(&self, key: &String) -> &Value {
        &self[key.as_str()]
    }
}

impl std::ops::IndexMut<&String> for Value {
    fn index_mut(&mut self, key: &String) -> &mut Value {
        &mut self[key.as_str()]
    }
}

impl std::ops::Index<usize> for Value {
    type Output = Value;

    fn index(&self, index: usize) -> &Value {
        self.as_array().and_then(|items| items.get(index)).unwrap_or(&NULL)
    }
}

impl std::ops::IndexMut<usize> for Value {
    fn index_mut(&mut self, index: usize) -> &mut Value {
        let length = self.as_array().map(Vec::len);
        match self {
            Value::Array(items) if index < items.len() => &mut items[index],
            _ => panic!("cannot index a value by {index} (an array of {length:?} items)"),
        }
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(flag) => serializer.serialize_bool(*flag),
            Value::Int(number) => serializer.serialize_i64(*number),
            Value::String(text) => serializer.serialize_str(text),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map.iter() {
                    out.serialize_entry(key, value)?;
                }
                out.end()
            }
        }
    }
}

// Conversions that move: `move x` and the results of calls in `json!`.

impl From<&'static str> for Value {
    fn from(text: &'static str) -> Value {
        Value::String(Cow::Borrowed(text))
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(Cow::Owned(text))
    }
}

impl From<Str> for Value {
    fn from(text: Str) -> Value {
        Value::String(text)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Value {
        Value::Bool(flag)
    }
}

macro_rules! from_integer {
    ($($integer:ty),*) => {$(
        impl From<$integer> for Value {
            fn from(number: $integer) -> Value {
                Value::Int(i64::from(number))
            }
        }
        impl ToValue for $integer {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}

from_integer!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_size {
    ($($integer:ty),*) => {$(
        impl From<$integer> for Value {
            /// Sizes and counts in generated objects are far below `i64::MAX`.
            fn from(number: $integer) -> Value {
                Value::Int(i64::try_from(number).unwrap_or(i64::MAX))
            }
        }
        impl ToValue for $integer {
            fn to_value(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}

from_size!(u64, usize);

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Value {
        Value::Object(map)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

/// A function's result (or `move x`) on its way into `json!`: moved in.
pub trait IntoValue {
    fn into_value(self) -> Value;
}

macro_rules! into_value_by_from {
    ($($type:ty),*) => {$(
        impl IntoValue for $type {
            fn into_value(self) -> Value {
                Value::from(self)
            }
        }
    )*};
}

into_value_by_from!(Value, String, Str, bool, Map, Vec<Value>, i8, i16, i32, i64, u8, u16, u32, u64, usize);

/// A borrowed string a function returned: copied (only literals are kept
/// borrowed).
impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::String(Cow::Owned(self.to_owned()))
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}

impl IntoValue for Vec<String> {
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(Value::from).collect())
    }
}

/// A borrowed expression on its way into `json!`: converted, copying what
/// it must.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for Map {
    fn to_value(&self) -> Value {
        Value::Object(self.clone())
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::String(Cow::Owned(self.to_owned()))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::String(Cow::Owned(self.clone()))
    }
}

impl ToValue for Str {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue> ToValue for [T] {
    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(ToValue::to_value).collect())
    }
}

impl<T: ToValue, const N: usize> ToValue for [T; N] {
    fn to_value(&self) -> Value {
        self.as_slice().to_value()
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        self.as_slice().to_value()
    }
}

impl<K: AsRef<str>, T: ToValue> ToValue for BTreeMap<K, T> {
    fn to_value(&self) -> Value {
        Value::Object(Map {
            entries: self.iter().map(|(key, value)| (Cow::Owned(key.as_ref().to_owned()), value.to_value())).collect(),
        })
    }
}

/// Builds a [`Value`]; see the module documentation.
macro_rules! json {
    (null) => {
        $crate::generate::value::Value::Null
    };
    (move $value:expr) => {
        $crate::generate::value::IntoValue::into_value($value)
    };
    ([]) => {
        $crate::generate::value::Value::Array(::std::vec::Vec::new())
    };
    ([ $($items:tt)+ ]) => {
        $crate::generate::value::Value::Array(json_internal!(@array [] () $($items)+))
    };
    ({}) => {
        $crate::generate::value::Value::Object($crate::generate::value::Map::new())
    };
    ({ $($entries:tt)+ }) => {{
        let mut object = $crate::generate::value::Map::new();
        json_internal!(@key object () $($entries)+);
        $crate::generate::value::Value::Object(object)
    }};
    // A literal is borrowed (a string) or copied.
    ($literal:literal) => {
        $crate::generate::value::Value::from($literal)
    };
    // A function call makes a new value: it is moved, not cloned.
    ($($function:ident)::+ ( $($arguments:tt)* )) => {
        $crate::generate::value::IntoValue::into_value($($function)::+($($arguments)*))
    };
    ($other:expr) => {
        $crate::generate::value::ToValue::to_value(&$other)
    };
}

/// The munchers behind [`json!`]: elements and entries are split at
/// top-level commas (and keys at the colon), one token at a time.
macro_rules! json_internal {
    // Arrays: `[done elements] (pending tokens) rest`.
    (@array [$($done:expr,)*] ()) => {
        vec![$($done,)*]
    };
    (@array [$($done:expr,)*] ($($pending:tt)+)) => {
        vec![$($done,)* json!($($pending)+),]
    };
    (@array [$($done:expr,)*] ($($pending:tt)+) , $($rest:tt)*) => {
        json_internal!(@array [$($done,)* json!($($pending)+),] () $($rest)*)
    };
    (@array [$($done:expr,)*] ($($pending:tt)*) $next:tt $($rest:tt)*) => {
        json_internal!(@array [$($done,)*] ($($pending)* $next) $($rest)*)
    };
    // Objects: a key's tokens up to `:`, then its value's up to `,`.
    (@key $object:ident ()) => {};
    (@key $object:ident ($($key:tt)+) : $($rest:tt)*) => {
        json_internal!(@value $object ($($key)+) () $($rest)*)
    };
    (@key $object:ident ($($key:tt)*) $next:tt $($rest:tt)*) => {
        json_internal!(@key $object ($($key)* $next) $($rest)*)
    };
    (@value $object:ident ($($key:tt)+) ($($value:tt)+)) => {
        $object.push(json_internal!(@name $($key)+), json!($($value)+));
    };
    (@value $object:ident ($($key:tt)+) ($($value:tt)+) , $($rest:tt)*) => {
        $object.push(json_internal!(@name $($key)+), json!($($value)+));
        json_internal!(@key $object () $($rest)*)
    };
    (@value $object:ident ($($key:tt)+) ($($value:tt)*) $next:tt $($rest:tt)*) => {
        json_internal!(@value $object ($($key)+) ($($value)* $next) $($rest)*)
    };
    // Keys: a literal is borrowed, anything else becomes a `String`.
    (@name $key:literal) => {
        ::std::borrow::Cow::Borrowed($key)
    };
    (@name $($key:tt)+) => {
        ::std::borrow::Cow::Owned(::std::string::String::from($($key)+))
    };
}

#[cfg(test)]
mod tests {
    use super::{Map, Value};

    fn object() -> Value {
        json!({ "made": true })
    }

    fn text() -> String {
        "t".to_owned()
    }

    #[test]
    fn builds_what_serde_json_builds() {
        let name = String::from("api");
        let labels = json!({ "a": "b" });
        let ports = vec![json!({ "port": 80 })];
        let key = format!("{name}-key");
        let ours = json!({
            "name": name,
            "labels": labels,
            "moved": move labels.clone(),
            "ports": ports,
            "empty": {},
            "list": [],
            "nested": { "x": [1, "two", null, { "y": true }], "z": 1 + 2 },
            "maybe": Option::<u32>::None,
            "count": 7_usize,
        });
        let theirs = serde_json::json!({
            "name": name,
            "labels": { "a": "b" },
            "moved": { "a": "b" },
            "ports": [{ "port": 80 }],
            "empty": {},
            "list": [],
            "nested": { "x": [1, "two", null, { "y": true }], "z": 3 },
            "maybe": null,
            "count": 7,
        });
        assert_eq!(ours.to_json(), theirs);
        assert_eq!(serde_json::to_string(&ours).ok(), serde_json::to_string(&theirs).ok(), "same key order");
        // Calls: moved in, whatever they return.
        assert_eq!(
            json!({ "object": object(), "text": text(), "some": Some(3), "path": std::string::String::from("p") })
                .to_json(),
            serde_json::json!({ "object": { "made": true }, "text": "t", "some": 3, "path": "p" })
        );
        let computed = json!({ key.clone(): 1, (format!("{name}-2")): 2 });
        assert_eq!(computed.to_json(), serde_json::json!({ "api-key": 1, "api-2": 2 }));
    }

    #[test]
    fn maps_keep_insertion_order_and_replace_in_place() {
        let mut map = Map::new();
        map.insert("b", json!(1));
        map.insert("a", json!(2));
        assert_eq!(map.insert("b", json!(3)), Some(json!(1)));
        assert_eq!(map.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(map.get("b"), Some(&json!(3)));
        map.insert(String::from("c"), json!(4));
        assert_eq!(map.remove("b"), Some(json!(3)));
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "c"], "remove keeps the order of the rest");
        let mut value = Value::Null;
        value["x"]["y"] = json!("z");
        assert_eq!(value.to_json(), serde_json::json!({ "x": { "y": "z" } }));
        assert!(value["missing"]["deeper"].is_null());
    }

    #[test]
    fn converts_to_and_from_serde_json_without_loss() {
        let original = serde_json::json!({
            "z": [1, -2, true, null, "s", { "k": [] }],
            "a": {},
            "ratio": 0.5,
        });
        let ours = Value::from_json(&original);
        assert_eq!(ours["ratio"], json!("0.5"), "a fraction keeps its text");
        let mut expected = original.clone();
        expected["ratio"] = serde_json::json!("0.5");
        assert_eq!(ours.to_json(), expected);
        assert_eq!(serde_json::to_string(&ours).ok(), serde_json::to_string(&expected).ok(), "same key order");
    }

    #[test]
    fn pretty_json_is_what_serde_json_writes() {
        let mut strings = vec![json!("plain"), json!("quote \" and \\ back"), json!("tab\tline\nfeed\r")];
        strings.push(Value::from(String::from("\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f} é ✓ / <>")));
        let value = json!({
            "strings": move strings,
            "numbers": [0, -1, 42, i64::MAX, i64::MIN],
            "empty": { "object": {}, "array": [] },
            "nested": [[1, [2]], { "a": { "b": null } }, true, false],
            "key \"quoted\"\n": "x",
        });
        assert_eq!(Some(value.to_json_pretty()), serde_json::to_string_pretty(&value.to_json()).ok());
        for scalar in [json!(null), json!(true), json!(7), json!("s"), json!([]), json!({})] {
            assert_eq!(Some(scalar.to_json_pretty()), serde_json::to_string_pretty(&scalar.to_json()).ok());
        }
    }
}
