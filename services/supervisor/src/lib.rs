//! The supervisor's logic: Cordon's first user process, which starts the
//! services named in the manifest (a text file in the initrd), learns of
//! every death with its fault report, restarts services per policy, and keeps the last reports
//! for the shell.
//!
//! This library is everything that can be decided without a kernel — pure,
//! `no_std + alloc`, tested on the host with `cargo test -p supervisor --lib`:
//!
//! - [`manifest`]: parses the manifest text into [`ServiceSpec`]s, with
//!   [`grant`]s of device resources checked at parse time;
//! - [`allow`]: who may power off or start/stop/restart services;
//! - [`policy`]: one service's state machine — when to (re)start it, the
//!   minimum run time and exponential backoff that stop a crash loop from
//!   starving the system, hold, and the shell's start/stop/restart requests;
//! - [`reports`]: the bounded log of recent deaths;
//! - [`image`]: which code image is kept per service, and which
//!   generations may store or fetch one;
//! - [`table`]: every service plus the log — turns due starts, deaths and
//!   `ipc::supervisor` requests into replies and [`Effect`]s (kill, shut
//!   down) for the program to carry out.
//!
//! The ring-3 program (`src/main.rs`, built with `--features program`) owns
//! the syscalls: it reads the manifest from the initrd, spawns and kills
//! tasks, receives death notifications and serves `ipc::supervisor`, calling
//! into this library for every decision.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod allow;
pub mod files;
pub mod grant;
pub mod image;
pub mod manifest;
mod number;
pub mod policy;
pub mod reports;
pub mod table;

pub use grant::Grant;
pub use manifest::{Manifest, ManifestError, ManifestErrorKind, ServiceSpec};
pub use policy::{Action, Decision, Phase, RestartPolicy, ServicePolicy};
pub use reports::{FaultLog, Ring};
pub use table::{Effect, Service, ServiceTable};
