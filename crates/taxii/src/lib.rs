//! TAXII 2.1: the server routes (mounted by `vigil-server`) and a client.

pub mod client;
pub mod server;
