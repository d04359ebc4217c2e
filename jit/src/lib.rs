//! The JIT of Cordon's driver host: the ECMA-335 metadata reader, the type
//! system and the IL -> x86-64 compiler that turn C# driver assemblies into
//! machine code in ring 3.
//!
//! The crate is `no_std + alloc` so it runs inside the driver host, and is
//! tested on the host with plain `cargo test -p jit`. Its input (assemblies)
//! is untrusted: every decoder returns a typed error instead of panicking.
//!
//! Today the crate holds the metadata reader, [`metadata`].

#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod metadata;

pub mod abi;
pub mod codemem;
pub mod compiler;
#[cfg(feature = "std")]
pub mod host;
pub mod runtime;
pub mod testrun;
pub mod types;

#[cfg(feature = "std")]
extern crate std;
