//! Vigil's access model: who may see what.
//!
//! - [`secrets`]: password hashing (argon2id) and API tokens (random, stored as
//!   SHA-256 digests).

pub mod secrets;
