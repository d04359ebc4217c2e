//! PCI: enumeration through ECAM (the ACPI MCFG window), the registry of
//! functions, and the PCI function grants that give one task a device.
//!
//! Skeleton: the interface other kernel parts use. Enumeration, grants,
//! config filtering and interrupts are filled in by the devices work.

pub mod syscall;

use ddk_abi::TaskId;

/// True when `task` holds at least one PCI function grant (what `DmaAlloc`
/// requires).
pub fn holds_any(_task: TaskId) -> bool {
    false
}

/// A task died: bus mastering off on every function it held, its
/// interrupts unbound and masked, its functions free for a new owner.
/// Runs before the task's DMA frames are freed.
pub fn release_task(_dead: TaskId) {}
