//! Lazy compilation: every method is called through its indirection cell,
//! which first holds the address of a per-method stub. The stub loads the
//! MethodId into r11 and jumps to the compile trampoline
//! ([`super::asm`]), which calls [`compile_entry`]; that compiles the
//! method, stores the code address in the cell (data, not code: no
//! patching) and returns it for the trampoline to jump to. A method that
//! fails to compile becomes a managed exception at the call.

use super::{Escape, Runtime, current};
use crate::types::MethodId;

/// Called by the compile trampoline with the MethodId of the stub.
pub(super) extern "C" fn compile_entry(method: u64) -> usize {
    let rt = current();
    let m = MethodId(method as u32);
    match Runtime::compile_method(rt, m) {
        Ok(code) => code,
        // The callee cannot be compiled: the call raises a managed
        // exception instead; the trampoline "calls" a function that
        // returns at once, and the caller's check after the call finds
        // the exception in flight (its finally blocks run, a catch may
        // take it). The cell stays at the stub: the next call tries again.
        Err(e) if Runtime::raise_compile_error(rt, &e) => {
            super::asm::cordon_return_zero as *const () as usize
        }
        Err(e) => Runtime::escape(rt, Escape::Unsupported(e)),
    }
}

/// Bytes of one stub: `mov r11, imm64; mov rax, imm64; jmp rax`, padded.
pub(super) const STUB_SIZE: usize = 32;
/// Stubs made per executable page-sized batch.
pub(super) const STUBS_PER_BATCH: usize = 128;

/// The machine code of the stub for `method`.
pub(super) fn stub_bytes(method: u32, trampoline: usize, out: &mut [u8; STUB_SIZE]) {
    out.fill(0xCC); // int3 padding
    out[0] = 0x49; // mov r11, imm64
    out[1] = 0xBB;
    out[2..10].copy_from_slice(&u64::from(method).to_le_bytes());
    out[10] = 0x48; // mov rax, imm64
    out[11] = 0xB8;
    out[12..20].copy_from_slice(&(trampoline as u64).to_le_bytes());
    out[20] = 0xFF; // jmp rax
    out[21] = 0xE0;
}
