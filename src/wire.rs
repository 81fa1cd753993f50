//! Serde shapes of request bodies, shared by the domain's wire types and the API: nested
//! objects that refuse the array form, and integers that accept `2.0`. A leaf module: serde only.

/// A field that may be cleared (`#[serde(default, deserialize_with = …)]`): `Some(None)` for
/// `null`, `None` when left out.
pub fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    <Option<String> as serde::Deserialize>::deserialize(d).map(Some)
}

/// A nested object in a request body (`deserialize_with`): refuses the array form serde would
/// otherwise accept for a struct.
pub fn object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    d.deserialize_map(ObjectOnly(std::marker::PhantomData))
}

/// [`object`] for an optional field (`#[serde(default, deserialize_with = …)]`); `null` is `None`.
pub fn opt_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    struct Maybe<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Maybe<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON 对象或 null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            object(d).map(Some)
        }
    }
    d.deserialize_option(Maybe(std::marker::PhantomData))
}

/// Takes a map, and nothing else, into `T` (its fields still pass through the deserializer
/// chain, so unknown ones are noted and errors keep their path).
struct ObjectOnly<T>(std::marker::PhantomData<T>);

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for ObjectOnly<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON 对象")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
    }
}

/// Integers in request bodies: JSON Schema counts `2.0` as the integer 2 (and generated
/// clients may send it so); anything with a fraction, or out of range, is refused.
pub mod whole {
    use serde::{Deserialize, Deserializer};

    fn to_i64<E: serde::de::Error>(v: serde_json::Number) -> Result<i64, E> {
        if let Some(i) = v.as_i64() {
            return Ok(i);
        }
        match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            _ => Err(E::custom(format!("须为整数(收到 {v})"))),
        }
    }

    pub fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        let n = to_i64(serde_json::Number::deserialize(d)?)?;
        i32::try_from(n).map_err(|_| serde::de::Error::custom(format!("超出范围(收到 {n})")))
    }

    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Option::<serde_json::Number>::deserialize(d)?.map(to_i64).transpose()
    }

    pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        to_i64(serde_json::Number::deserialize(d)?)
    }

    /// An integer where serde picks the type (a map's values, a list's items).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Whole(pub i64);

    impl<'de> Deserialize<'de> for Whole {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Whole, D::Error> {
            i64(d).map(Whole)
        }
    }
}
