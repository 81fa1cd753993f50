//! Pure domain types and rules of the hub: no I/O. Records and their distribution, roles,
//! the audit hash chain, subscription matching and text normalisation for Chinese search.

pub mod agency;
pub mod agreement;
pub mod audit;
pub mod clock;
pub mod deliberation;
pub mod event;
mod field_error;
pub mod group;
pub mod ids;
pub mod inspection;
pub mod mail;
pub mod object;
pub mod public_report;
pub mod record;
pub mod retry;
pub mod search_terms;
pub mod similarity;
pub mod subscription;
pub mod text;
pub mod transfer;
pub mod user;
pub mod webhook;

pub use field_error::FieldError;

/// A stored value that is not one the hub writes: an error, never a silent default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("数据库中的{what}取值无法识别:{value:?}")]
pub struct UnknownStoredValue {
    pub what: &'static str,
    pub value: String,
}

/// Parses a value read back from the database; an unknown one is an error (fail closed).
pub fn from_stored<T>(
    what: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, UnknownStoredValue> {
    parse(value).ok_or_else(|| UnknownStoredValue { what, value: value.to_string() })
}

/// Current time as fixed-precision RFC 3339 UTC text (sorts correctly as text).
pub fn now() -> String {
    format_time(chrono::Utc::now())
}

pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A new time-ordered identifier (UUID v7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// True when `s` is a syntactically valid identifier (so malformed ids are a clean 404/422).
/// Only the hyphenated form the hub writes (36 characters), as the OpenAPI pattern says.
pub fn is_id(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

/// Defines a string-valued enum with its wire names and Chinese labels in one place.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $wire)] $variant),+ }

        // Written by hand: utoipa's derive does not see a `serde(rename)` that comes from a
        // macro argument and would document the Rust names (`Own`) instead of the wire's (`own`).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($wire),+]))
                    .description(Some([$(concat!("`", $wire, "` ", $label)),+].join(";")))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const fn as_str(self) -> &'static str { match self { $($name::$variant => $wire),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($wire => Some($name::$variant),)+ _ => None } }
            /// The accepted values, for error messages.
            pub fn expected() -> String { [$($wire),+].join(" / ") }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

wire_enum!(
    /// What a user may do. `admin` administers the hub and reads no content (rule 1).
    Role {
        Admin = "admin" / "平台管理员",
        AgencyAdmin = "agency_admin" / "单位管理员",
        Liaison = "liaison" / "联络员",
        Reviewer = "reviewer" / "审核员",
        Viewer = "viewer" / "查阅员",
        Inspected = "inspected" / "被巡察单位整改联络人",
    }
);

impl Role {
    /// Roles given as a comma-separated list (command line); unknown names are dropped.
    pub fn parse_list(s: &str) -> Vec<Role> {
        s.split(',').filter_map(|r| Role::parse(r.trim())).collect()
    }
    /// Roles as stored (comma-separated); a name the hub does not write is an error.
    pub fn from_stored_list(s: &str) -> Result<Vec<Role>, UnknownStoredValue> {
        s.split(',').filter(|r| !r.trim().is_empty()).map(|r| from_stored("角色", r.trim(), Role::parse)).collect()
    }
    pub fn join(roles: &[Role]) -> String {
        roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }
}
