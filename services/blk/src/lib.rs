//! The block service (ring 3): serves `ipc::blk` — read, write, flush and
//! info at LBA granularity — to any number of clients over one `ipc::blkdev`
//! backend (the driver host's C# driver or the native virtio-blk driver,
//! named in the manifest), batches their requests into `Submit`s, tracks
//! what is in flight and replays it to the backend's next generation, so
//! nothing it acknowledged is lost and clients see a backend restart only
//! as latency. See `docs/storage.md`, "Block service".
//!
//! This library is the logic, `no_std + alloc`, tested on the host with
//! `cargo test -p blk-service --lib`:
//!
//! - [`config`]: the manifest arguments;
//! - [`service`]: the state machine — queue, batch in flight, replay,
//!   flush ordering, watchdog, `Unavailable` — over an [`service::Env`]
//!   that the program implements with syscalls and the tests with a fake
//!   backend.
//!
//! The ring-3 program (`src/main.rs`, built with `--features program`) owns
//! the syscalls: receiving, the data window and the clients' grants, calls
//! to the backend and the supervisor.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod config;
pub mod service;

pub use config::{Config, ConfigError};
pub use service::{CallError, Env, Link, Located, Restarted, Service, Stats};
