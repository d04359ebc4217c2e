//! The managed DDK's InternalCalls (`Cordon.Ddk.Native`,
//! `driverhost/managed/ddk/Native.cs`), written once on the Rust side:
//!
//! - [`Bodies`] / [`HostBodies`]: every name with its signature as a typed
//!   `extern "C"` function pointer, and [`register`] / [`register_host`],
//!   which bind them (and the I/O path's intrinsics) in a runtime. The
//!   driver host passes its syscall-backed bodies (`driverhost/src/ddk.rs`);
//!   the host test suite passes a fake machine's (`tests/fake/`), so both
//!   provide exactly the same set with the same signatures.
//! - [`check`]: the argument checks both sets of bodies make before they
//!   touch a device, [`string`]: a managed string as Rust text, and
//!   [`lines`]: `System.Console` output cut into log lines.
//!
//! `no_std`; host-tested (`cargo test -p ddk-native`), including the DDK's
//! C# and the C# virtio-blk driver against a fake virtio-blk device.

#![no_std]

extern crate alloc;

pub mod check;
pub mod lines;
pub mod string;

use jit::runtime::externals::{Externals, Intrinsic};

/// The namespace and type the InternalCalls are declared in.
/// The nursery of the drivers' runtime (docs/gc.md, "Generations"): the
/// driver host's default, and what the ahead-of-time image is compiled
/// for (compiled code depends on it; an image compiled for another size is
/// refused).
pub const NURSERY: usize = 1 << 20;

pub const NAMESPACE: &str = "Cordon.Ddk";
pub const TYPE: &str = "Native";

/// `IrqBind` results (`InterruptKind` in `Interrupt.cs`); negative: failed.
pub mod irq_kind {
    pub const MSIX: i32 = 1;
    pub const MSI: i32 = 2;
    pub const INTX: i32 = 3;
}

/// The device-facing InternalCalls (C# signature in each comment).
#[derive(Clone, Copy)]
pub struct Bodies {
    /// `long ConfigRead(int bdf, int offset, int width)`: the value, or -1.
    pub config_read: extern "C" fn(i32, i32, i32) -> i64,
    /// `int ConfigWrite(int bdf, int offset, int width, int value)`: 0 or -1.
    pub config_write: extern "C" fn(i32, i32, i32, i32) -> i32,
    /// `long MapBar(int bdf, int bar, out long length)`: address or 0.
    pub map_bar: extern "C" fn(i32, i32, *mut i64) -> i64,
    /// `int IoBar(int bdf, int bar, out int length)`: first port or -1.
    pub io_bar: extern "C" fn(i32, i32, *mut i32) -> i32,
    /// `long PortIn(int port, int width)`: the value, or -1 if refused.
    pub port_in: extern "C" fn(i32, i32) -> i64,
    /// `int PortOut(int port, int width, int value)`: 0, or -1 if refused.
    pub port_out: extern "C" fn(i32, i32, i32) -> i32,
    /// `int Read8(long address)` (and 16, 32).
    pub read8: extern "C" fn(i64) -> i32,
    pub read16: extern "C" fn(i64) -> i32,
    pub read32: extern "C" fn(i64) -> i32,
    /// `long Read64(long address)`.
    pub read64: extern "C" fn(i64) -> i64,
    /// `void Write8(long address, int value)` (and 16, 32).
    pub write8: extern "C" fn(i64, i32),
    pub write16: extern "C" fn(i64, i32),
    pub write32: extern "C" fn(i64, i32),
    /// `void Write64(long address, long value)`.
    pub write64: extern "C" fn(i64, i64),
    /// `void Fence()`.
    pub fence: extern "C" fn(),
    /// `long DmaAlloc(int length, out long phys)`: address or 0.
    pub dma_alloc: extern "C" fn(i32, *mut i64) -> i64,
    /// `int IrqBind(int bdf)`: an [`irq_kind`], or negative.
    pub irq_bind: extern "C" fn(i32) -> i32,
    /// `void IrqAck(int bdf)`.
    pub irq_ack: extern "C" fn(i32),
    /// `long UptimeMicros()`.
    pub uptime_micros: extern "C" fn() -> i64,
    /// `void SleepMillis(int ms)`.
    pub sleep_millis: extern "C" fn(i32),
    /// `void Log(string message)`: the string object's address.
    pub log: extern "C" fn(usize),
}

/// The block host's InternalCalls (`BlockHost.cs`) and the interrupt wait
/// it serves while it waits.
#[derive(Clone, Copy)]
pub struct HostBodies {
    /// `BlockDriver BoundDriver()`: the driver object, or 0.
    pub bound_driver: extern "C" fn() -> usize,
    /// `int BoundFunction(out int ids)`: bdf (ids `vendor | device << 16`), or -1.
    pub bound_function: extern "C" fn(*mut i32) -> i32,
    /// `void HostReady(long blocks, int blockSize, int readOnly, int maxTransfer, int depth)`.
    pub host_ready: extern "C" fn(i64, i32, i32, i32, i32),
    /// `void HostSlot(int slot, long buffer)`.
    pub host_slot: extern "C" fn(i32, i64),
    /// `int HostNext(out int slot, out int op, out long lba, out int length)`.
    pub host_next: extern "C" fn(*mut i32, *mut i32, *mut i64, *mut i32) -> i32,
    /// `void HostComplete(int slot, int status)`.
    pub host_complete: extern "C" fn(i32, i32),
    /// `int IrqWait(int timeoutMs)`: 1 arrived, 0 timed out.
    pub irq_wait: extern "C" fn(i32) -> i32,
}

/// `HostNext` results and `BlockOp` values (`BlockHost.cs`, `BlockOp.cs`).
pub mod block {
    pub const NEXT_START: i32 = 1;
    pub const NEXT_INTERRUPT: i32 = 2;
    pub const OP_READ: i32 = 1;
    pub const OP_WRITE: i32 = 2;
    pub const OP_FLUSH: i32 = 3;
    /// `BlockStatus` values.
    pub const STATUS_OK: i32 = 0;
    pub const STATUS_IO_ERROR: i32 = 1;
    pub const STATUS_UNSUPPORTED: i32 = 2;
}

/// The accesses the JIT expands inline when intrinsics are on: one load
/// or store of that width, or a fence (`jit/src/compiler/intrinsics.rs`).
pub const INLINE: &[(&str, Intrinsic)] = &[
    ("Read8", Intrinsic::Load(8)),
    ("Read16", Intrinsic::Load(16)),
    ("Read32", Intrinsic::Load(32)),
    ("Read64", Intrinsic::Load(64)),
    ("Write8", Intrinsic::Store(8)),
    ("Write16", Intrinsic::Store(16)),
    ("Write32", Intrinsic::Store(32)),
    ("Write64", Intrinsic::Store(64)),
    ("Fence", Intrinsic::Fence),
];

/// Binds every device-facing body; with `intrinsics`, the accesses in
/// [`INLINE`] are also expanded inline (their bodies stay registered for
/// indirect calls). Without, every MMIO and DMA access is a call of the
/// body — what a fake device behind the bodies needs.
pub fn register(ext: &mut Externals, b: &Bodies, intrinsics: bool) {
    let calls: [(&str, usize); 21] = [
        ("ConfigRead", b.config_read as usize),
        ("ConfigWrite", b.config_write as usize),
        ("MapBar", b.map_bar as usize),
        ("IoBar", b.io_bar as usize),
        ("PortIn", b.port_in as usize),
        ("PortOut", b.port_out as usize),
        ("Read8", b.read8 as usize),
        ("Read16", b.read16 as usize),
        ("Read32", b.read32 as usize),
        ("Read64", b.read64 as usize),
        ("Write8", b.write8 as usize),
        ("Write16", b.write16 as usize),
        ("Write32", b.write32 as usize),
        ("Write64", b.write64 as usize),
        ("Fence", b.fence as usize),
        ("DmaAlloc", b.dma_alloc as usize),
        ("IrqBind", b.irq_bind as usize),
        ("IrqAck", b.irq_ack as usize),
        ("UptimeMicros", b.uptime_micros as usize),
        ("SleepMillis", b.sleep_millis as usize),
        ("Log", b.log as usize),
    ];
    for (name, a) in calls {
        ext.register(NAMESPACE, TYPE, name, a);
    }
    if intrinsics {
        for (name, k) in INLINE {
            ext.register_intrinsic(NAMESPACE, TYPE, name, *k);
        }
    }
}

/// Binds the block host's bodies.
pub fn register_host(ext: &mut Externals, b: &HostBodies) {
    let calls: [(&str, usize); 7] = [
        ("BoundDriver", b.bound_driver as usize),
        ("BoundFunction", b.bound_function as usize),
        ("HostReady", b.host_ready as usize),
        ("HostSlot", b.host_slot as usize),
        ("HostNext", b.host_next as usize),
        ("HostComplete", b.host_complete as usize),
        ("IrqWait", b.irq_wait as usize),
    ];
    for (name, a) in calls {
        ext.register(NAMESPACE, TYPE, name, a);
    }
}
