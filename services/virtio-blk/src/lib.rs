//! The native virtio-blk driver's host-testable part: which operation of
//! which batch starts next on the device, and what a slot holds before a
//! read ([`slot`]). The program (`main.rs`) owns the
//! device, the data windows and the DMA slots.

#![no_std]

extern crate alloc;

pub mod sched;
pub mod slot;
#[cfg(feature = "window")]
pub mod window;
