//! The FAT service's logic (ring 3 and host): `fatfs` (the `starry-fatfs`
//! fork) over a sector cache over a [`device::BlockDevice`], serving
//! `ipc::fs`. `main.rs` is only the syscalls around it: an `ipc::blk`
//! client as the device, `GrantMap` for clients' grants, the receive loop.
//!
//! Layers, bottom up: [`device`] (the block device trait, a RAM disk),
//! [`cache`] (4 KiB pages, read-ahead, write-back on sync), [`io`] (fatfs's
//! storage over the cache), [`volume`] (mount, every operation by path,
//! sync), [`path`] and [`handles`] (clients' open files), [`service`]
//! (requests → replies).
//!
//! A damaged or hostile image gives a typed error — the mount refused
//! (every request then gets `Unmounted`) or the one operation refused
//! (`Corrupt`) — and the service keeps serving; `fuzz/` feeds it mutated
//! images. See `docs/storage.md`, "FAT service".

#![cfg_attr(not(test), no_std)]
// Only the program's block client touches memory (its I/O window).
#![cfg_attr(not(feature = "program"), forbid(unsafe_code))]
#![cfg_attr(feature = "program", deny(unsafe_code))]

extern crate alloc;

#[cfg(feature = "program")]
#[allow(
    unsafe_code,
    reason = "the block client's I/O window is memory it maps"
)]
pub mod blkclient;
pub mod cache;
pub mod device;
mod error;
pub mod handles;
pub mod io;
pub mod path;
pub mod service;
pub mod volume;

pub use device::{BlockDevice, RamDisk};
pub use service::{GrantAccess, NoGrants, Service};
pub use volume::{FixedTime, MountError, Volume};

#[cfg(test)]
mod tests;
