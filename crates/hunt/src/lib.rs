//! Detection over the organisation's own logs.
//!
//! - [`lines`]: where records come from: files, directories, `.gz`/`.zst`,
//!   stdin, and files followed while they are written (rotation handled),
//!   cut into lines with their file and 1-based line number.

pub mod lines;
