//! STIX 2.1 for Vigil: the object model, a streaming parser for bundles of any
//! size, the STIX 2.0 → 2.1 upgrade, and validation of every single-object MUST
//! of the spec.
//!
//! The crate is pure: it reads from a [`std::io::Read`] and never touches files,
//! the network or async runtimes.
//!
//! ```
//! use vigil_stix::parse::{parse_reader, Item};
//! let bundle = br#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
//!   {"type":"campaign","spec_version":"2.1","id":"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!    "created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","name":"Green Group Attacks"}]}"#;
//! let mut names = vec![];
//! parse_reader(&bundle[..], |item| {
//!     if let Item::Object(obj) = item { names.push(obj.name().unwrap_or_default().to_string()); }
//!     std::ops::ControlFlow::Continue(())
//! }).unwrap();
//! assert_eq!(names, ["Green Group Attacks"]);
//! ```

pub mod finding;
pub mod id;
pub mod object;
pub mod parse;
pub mod timestamp;
pub mod upgrade;
pub mod validate;

pub use finding::{Finding, Severity};
pub use id::Identifier;
pub use object::StixObject;
pub use timestamp::Timestamp;
pub use validate::validate_object;
