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

/// Reads 16 bits from `port`.
///
/// # Safety
/// As for [`inb`].
pub unsafe fn inw(port: u16) -> u16 {
    let v: u16;
    // SAFETY: per the caller's contract.
    unsafe {
        core::arch::asm!("in ax, dx", out("ax") v, in("dx") port, options(nomem, nostack, preserves_flags))
    };
    v
}

/// Reads 32 bits from `port`.
///
/// # Safety
/// As for [`inb`].
pub unsafe fn inl(port: u16) -> u32 {
    let v: u32;
    // SAFETY: per the caller's contract.
    unsafe {
        core::arch::asm!("in eax, dx", out("eax") v, in("dx") port, options(nomem, nostack, preserves_flags))
    };
    v
}

/// Writes 16 bits to `port`.
///
/// # Safety
/// As for [`inb`].
pub unsafe fn outw(port: u16, v: u16) {
    // SAFETY: per the caller's contract.
    unsafe {
        core::arch::asm!("out dx, ax", in("dx") port, in("ax") v, options(nomem, nostack, preserves_flags))
    };
}

/// Writes 32 bits to `port`.
///
/// # Safety
/// As for [`inb`].
pub unsafe fn outl(port: u16, v: u32) {
    // SAFETY: per the caller's contract.
    unsafe {
        core::arch::asm!("out dx, eax", in("dx") port, in("eax") v, options(nomem, nostack, preserves_flags))
    };
}
