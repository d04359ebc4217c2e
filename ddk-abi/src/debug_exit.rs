//! Codes the kernel writes to QEMU's `isa-debug-exit` device, and how the
//! host reads them back from QEMU's exit status.
//!
//! QEMU exits with status `(code << 1) | 1`, so no code can look like a clean
//! QEMU exit (status 0, which is what an ACPI power-off gives).

/// I/O port of the device (`-device isa-debug-exit,iobase=0xf4,iosize=0x04`).
pub const PORT: u16 = 0xf4;

/// A self-test finished and passed.
pub const TEST_PASSED: u8 = 0x10;
/// A self-test finished and failed.
pub const TEST_FAILED: u8 = 0x11;
/// The kernel stopped: panic, kernel fault, or unrecoverable boot error.
pub const KERNEL_DIED: u8 = 0x12;

/// The QEMU exit status that a write of `code` produces.
pub const fn qemu_status(code: u8) -> i32 {
    ((code as i32) << 1) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_distinct_and_never_zero() {
        let s = [
            qemu_status(TEST_PASSED),
            qemu_status(TEST_FAILED),
            qemu_status(KERNEL_DIED),
        ];
        assert_eq!(s, [33, 35, 37]);
    }
}
