//! The kernel's plain logic — no hardware, no globals — built as a library
//! so `cargo test -p microkernel --lib` runs it on the host: the frame
//! bitmap, the command line, the log filter, exception decoding. The kernel
//! binary (`main.rs`) uses these modules; everything that touches the
//! machine stays there.

#![cfg_attr(not(test), no_std)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::undocumented_unsafe_blocks
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests assert by panicking"
    )
)]

extern crate alloc;

pub mod logic;
