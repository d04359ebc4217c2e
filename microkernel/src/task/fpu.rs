//! SSE/x87 state per task. The kernel itself never touches SSE (it is built
//! soft-float), so a task's state only needs saving when another task is
//! about to run.

/// An FXSAVE image: 512 bytes, 16-byte aligned.
#[repr(C, align(16))]
pub struct FxArea(pub [u8; 512]);

impl FxArea {
    /// The state of a fresh task: x87 control word 0x037f (all exceptions
    /// masked, 64-bit precision) and MXCSR 0x1f80 (all SIMD exceptions masked).
    pub fn initial() -> Self {
        let mut a = [0u8; 512];
        if let Some(fcw) = a.get_mut(0..2) {
            fcw.copy_from_slice(&0x037fu16.to_le_bytes());
        }
        if let Some(mxcsr) = a.get_mut(24..28) {
            mxcsr.copy_from_slice(&0x1f80u32.to_le_bytes());
        }
        FxArea(a)
    }

    pub fn save(&mut self) {
        // SAFETY: the area is 512 bytes and 16-byte aligned, as FXSAVE requires;
        // CR4.OSFXSR is set by the boot trampoline.
        unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) self.0.as_mut_ptr(), options(nostack)) };
    }

    pub fn restore(&self) {
        // SAFETY: as in `save`; the image came from FXSAVE or `initial`, whose
        // reserved bits are zero, so FXRSTOR does not fault.
        unsafe { core::arch::asm!("fxrstor64 [{}]", in(reg) self.0.as_ptr(), options(nostack)) };
    }
}
