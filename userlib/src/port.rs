//! Port I/O for tasks holding an I/O-port grant. Without the grant the CPU
//! raises #GP and the task ends with a fault report.

/// Reads a byte from `port`.
///
/// # Safety
/// The caller must hold a grant for `port` and know what reading it does to
/// the device.
pub unsafe fn inb(port: u16) -> u8 {
    let v: u8;
    // SAFETY: per the caller's contract.
    unsafe {
        core::arch::asm!("in al, dx", out("al") v, in("dx") port, options(nomem, nostack, preserves_flags))
    };
    v
}

/// Writes a byte to `port`.
///
/// # Safety
/// As for [`inb`].
pub unsafe fn outb(port: u16, v: u8) {
    // SAFETY: per the caller's contract.
    unsafe {
        core::arch::asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack, preserves_flags))
    };
}
