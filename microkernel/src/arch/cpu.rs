//! CPU protection features the kernel turns on when the CPU has them.
//!
//! SMEP stops ring 0 from executing user pages, SMAP from touching them
//! (the kernel reads and writes user memory only through the physical
//! window, after validating the range, so it never needs `stac`), UMIP
//! keeps `sgdt`/`sidt`/`str` from leaking kernel addresses to ring 3.

use core::arch::x86_64::__cpuid_count;
use x86_64::registers::control::{Cr4, Cr4Flags};

/// Which protections are on, for the boot log and the tests.
pub struct Protections {
    pub smep: bool,
    pub smap: bool,
    pub umip: bool,
}

pub fn enable_protections() -> Protections {
    let leaf7 = __cpuid_count(7, 0);
    let p = Protections {
        smep: leaf7.ebx & (1 << 7) != 0,
        smap: leaf7.ebx & (1 << 20) != 0,
        umip: leaf7.ecx & (1 << 2) != 0,
    };
    // SAFETY: each bit is set only when CPUID reports the feature; the kernel
    // never executes or touches user pages through user addresses.
    unsafe {
        Cr4::update(|f| {
            f.set(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION, p.smep);
            f.set(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION, p.smap);
            f.set(Cr4Flags::USER_MODE_INSTRUCTION_PREVENTION, p.umip);
        })
    };
    p
}
