//! Device support for Cordon's Rust drivers in ring 3, so `virtio-drivers`
//! runs unchanged over the kernel's device syscalls:
//!
//! - [`config`]: PCI configuration access for `virtio_drivers`' `PciRoot`,
//!   with the BAR registers emulated from `PciBar` (the kernel refuses BAR
//!   writes, and `PciRoot::bar_info` sizes BARs by writing all-ones);
//! - [`regions`]: the bookkeeping behind the HAL — which virtual ranges are
//!   DMA memory at which physical address, and the bounce slots;
//! - `hal` (Cordon only): `virtio_drivers::Hal` over `DmaAlloc`, `DmaFree`
//!   and `MapDevice`;
//! - `pci` (Cordon only): the configuration syscalls behind [`config`].
//!
//! The logic is host-tested with fakes (`cargo test -p devlib`); only the
//! thin syscall layer is target-only.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod config;
pub mod regions;

#[cfg(target_os = "none")]
pub mod hal;
#[cfg(target_os = "none")]
pub mod pci;

/// Where the HAL maps device registers: `MMIO_BASE + phys`, so each BAR
/// page has one fixed address and mapping it twice is never needed.
pub const MMIO_BASE: u64 = 0x0000_5000_0000_0000;
/// Where the HAL places DMA memory (a bump range, never reused).
pub const DMA_BASE: u64 = 0x0000_6000_0000_0000;
/// Page size of DMA and MMIO mappings.
pub const PAGE: u64 = 4096;
