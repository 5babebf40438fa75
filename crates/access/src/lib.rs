//! Vigil's access model: who may see what.
//!
//! [`view`] is the one place in Vigil that decides what of an object a principal
//! receives; every read path (TAXII, the JSON API, search, neighbours, export)
//! sends each object through it. Pure: no I/O, no async, no store.
//!
//! ```
//! use vigil_access::{view, Clearance, Policy, View, tlp};
//!
//! let green = Clearance::parse(&["TLP:GREEN"]).unwrap();
//! let object = format!(
//!     r#"{{"type":"note","id":"note--1","content":"x","object_marking_refs":["{}"]}}"#,
//!     tlp::TLP2_AMBER
//! );
//! assert_eq!(view(&Policy::default(), &green, &object), View::Hidden);
//! ```
//!
//! - [`tlp`]: the TLP 1.0 and 2.0 marking definitions known out of the box.
//! - [`Clearance`]: the markings a principal may read (TLP level + compartments).
//! - [`view`], [`view_value`], [`needs_read_audit`]: the visibility decision.
//! - [`can_read`], [`can_write`]: collection permissions from group membership.
//! - [`secrets`]: password hashing (argon2id) and API tokens (random, stored as
//!   SHA-256 digests).

mod acl;
mod clearance;
pub mod secrets;
mod selector;
pub mod tlp;
mod view;

pub use acl::{can_read, can_write, CollectionAcl, Principal};
pub use clearance::{AccessError, Clearance};
pub use view::{audited_marking, needs_read_audit, object_visible, view, view_value, Policy, View};
