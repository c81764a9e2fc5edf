//! `json!`, the generators' object literal: `serde_json::json!` with two
//! differences that matter when every service builds dozens of objects.
//!
//! - A `Value` (or a `Vec` of them) interpolated into a literal is cloned,
//!   not serialized into a new `Value` through serde as `serde_json::json!`
//!   does with everything it is given.
//! - The result of a function call (`metadata(service, name)`), and any
//!   `move value`, is moved in: an object built by a helper and placed into
//!   the next one up costs nothing.
//!
//! Everything else converts as in `serde_json::json!`, through `Serialize`.
//! Keys are expressions that turn `Into<String>`; values are `null`, object
//! and array literals, `move <expr>` or any expression.

use serde::Serialize;
use serde_json::Value;

/// Builds a [`Value`]; see the module documentation.
macro_rules! json {
    (null) => {
        ::serde_json::Value::Null
    };
    (move $value:expr) => {
        ::serde_json::Value::from($value)
    };
    ([]) => {
        ::serde_json::Value::Array(::std::vec::Vec::new())
    };
    ([ $($items:tt)+ ]) => {
        ::serde_json::Value::Array(json_internal!(@array [] () $($items)+))
    };
    ({}) => {
        ::serde_json::Value::Object(::serde_json::Map::new())
    };
    ({ $($entries:tt)+ }) => {{
        let mut object = ::serde_json::Map::new();
        json_internal!(@key object () $($entries)+);
        ::serde_json::Value::Object(object)
    }};
    // A function call makes a new value: a `Value` is moved, not cloned.
    ($($function:ident)::+ ( $($arguments:tt)* )) => {{
        #[allow(unused_imports)]
        use $crate::generate::value::{ByMove as _, BySerializeOwned as _};
        $crate::generate::value::Owned($($function)::+($($arguments)*)).into_json()
    }};
    ($other:expr) => {{
        #[allow(unused_imports)]
        use $crate::generate::value::{ByClone as _, BySerialize as _};
        (&$crate::generate::value::Probe(&$other)).to_json()
    }};
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
        $object.insert(::std::string::String::from($($key)+), json!($($value)+));
    };
    (@value $object:ident ($($key:tt)+) ($($value:tt)+) , $($rest:tt)*) => {
        $object.insert(::std::string::String::from($($key)+), json!($($value)+));
        json_internal!(@key $object () $($rest)*)
    };
    (@value $object:ident ($($key:tt)+) ($($value:tt)*) $next:tt $($rest:tt)*) => {
        json_internal!(@value $object ($($key)+) ($($value)* $next) $($rest)*)
    };
}

/// A borrowed value on its way into [`json!`]: method resolution picks
/// [`ByClone`] when it is a `Value` (or a `Vec` of them), [`BySerialize`]
/// otherwise (autoref specialization: `ByClone` is implemented for the probe,
/// `BySerialize` for a reference to it).
#[derive(Debug)]
pub(crate) struct Probe<'a, T: ?Sized>(pub(crate) &'a T);

pub(crate) trait ByClone {
    fn to_json(&self) -> Value;
}

impl ByClone for Probe<'_, Value> {
    fn to_json(&self) -> Value {
        self.0.clone()
    }
}

impl ByClone for Probe<'_, Vec<Value>> {
    fn to_json(&self) -> Value {
        Value::Array(self.0.clone())
    }
}

impl ByClone for Probe<'_, serde_json::Map<String, Value>> {
    fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// A new value on its way into [`json!`] (the result of a call): method
/// resolution picks [`ByMove`] for a `Value`, else [`BySerializeOwned`]
/// through a reference.
#[derive(Debug)]
pub(crate) struct Owned<T>(pub(crate) T);

pub(crate) trait ByMove {
    fn into_json(self) -> Value;
}

impl ByMove for Owned<Value> {
    fn into_json(self) -> Value {
        self.0
    }
}

pub(crate) trait BySerializeOwned {
    fn into_json(self) -> Value;
}

impl<T: Serialize> BySerializeOwned for &Owned<T> {
    fn into_json(self) -> Value {
        serde_json::to_value(&self.0).unwrap_or(Value::Null)
    }
}

pub(crate) trait BySerialize {
    fn to_json(&self) -> Value;
}

impl<T: Serialize + ?Sized> BySerialize for &Probe<'_, T> {
    fn to_json(&self) -> Value {
        // Only maps with non-string keys fail, and generators build none.
        serde_json::to_value(self.0).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn object() -> Value {
        serde_json::json!({ "made": true })
    }

    fn text() -> String {
        "t".to_owned()
    }

    #[test]
    fn builds_what_serde_json_builds() {
        let name = String::from("api");
        let labels = serde_json::json!({ "a": "b" });
        let ports = vec![serde_json::json!({ "port": 80 })];
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
        });
        let theirs = serde_json::json!({
            "name": name,
            "labels": labels,
            "moved": labels,
            "ports": ports,
            "empty": {},
            "list": [],
            "nested": { "x": [1, "two", null, { "y": true }], "z": 3 },
            "maybe": Value::Null,
        });
        assert_eq!(ours, theirs);
        assert_eq!(serde_json::to_string(&ours).ok(), serde_json::to_string(&theirs).ok(), "same key order");
        // Calls: a `Value` moved in, anything else serialized.
        assert_eq!(
            json!({ "object": object(), "text": text(), "some": Some(3), "path": std::string::String::from("p") }),
            serde_json::json!({ "object": { "made": true }, "text": "t", "some": 3, "path": "p" })
        );
        let computed = json!({ key.clone(): 1, (format!("{name}-2")): 2 });
        assert_eq!(computed, serde_json::json!({ "api-key": 1, "api-2": 2 }));
    }
}
