//! The fake machine the DDK's C# runs against on the host (see
//! `machine.rs`), and the runner that loads the managed assemblies into a
//! JIT runtime and calls the driver through `Cordon.Ddk.BlockHost.Run`.

#![allow(dead_code, reason = "each test uses a different part of the machine")]

pub mod build;
pub mod dma;
pub mod host;
pub mod machine;
pub mod pci;
pub mod run;
pub mod virtio_blk;
