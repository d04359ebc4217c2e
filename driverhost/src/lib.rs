//! The driver host: the unprivileged ring-3 process that runs Cordon's C#
//! drivers.
//!
//! It will load `corlib.dll`, `ddk.dll` and `drivers/*.dll` from the initrd,
//! compile their methods lazily with the `jit` crate, host the managed DDK
//! (port and MMIO intrinsics over the device grants the supervisor gives it),
//! bind each driver to its PCI device, and serve the `ipc::driverhost`
//! protocol to the block service. A JIT or driver bug kills only this
//! process; the supervisor restarts it and the block service replays what
//! was in flight.
//!
//! Today the crate holds no code yet: the kernel mechanisms it stands on
//! (processes, IPC, grants of ports, MMIO and interrupt lines) and the JIT
//! exist; the process itself is the driver-host work. The C# side lives in
//! `managed/` (see `docs/managed.md`).

#![no_std]
