//! The native virtio-blk driver's host-testable part: which operation of
//! which batch starts next on the device. The program (`main.rs`) owns the
//! device, the data windows and the DMA slots.

#![no_std]

extern crate alloc;

pub mod sched;
#[cfg(feature = "window")]
pub mod window;
