//! Cordon's user shell, as a library: everything the shell decides without
//! a kernel — pure, `no_std + alloc`, tested on the host with
//! `cargo test -p shell --lib`:
//!
//! - [`editor`]: bytes from the serial line → lines (echo, Backspace/DEL,
//!   ^U, ^C, CR/LF/CR LF, a bounded line);
//! - [`command`]: a line → a [`Command`] (words, quotes, usage errors);
//! - [`exec`]: runs a command against a [`System`], one clear line per
//!   failure;
//! - [`format`]: how `ps`, `faults`, `ls`, `stat`, `df` and `lspci` look;
//! - [`system`]: the trait the program implements with the console
//!   syscalls, `ipc::supervisor`, `ipc::fs` and the PCI syscall.
//!
//! The ring-3 program (`src/main.rs`, `--features program`) owns the
//! serial console (manifest `grant=console`) and loops: wait for input,
//! feed the editor, run each line. See `docs/shell.md`.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod command;
pub mod editor;
pub mod exec;
pub mod format;
pub mod system;

pub use command::{Command, ParseError};
pub use editor::{Editor, Event};
pub use exec::{Outcome, run_line};
pub use system::System;

/// The prompt (the kernel's boot console says `cordon> `; this is the user
/// shell).
pub const PROMPT: &str = "cordon$ ";

#[cfg(test)]
mod fake;
