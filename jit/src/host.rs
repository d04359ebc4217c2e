//! Host-only pieces (the `std` feature): executable memory from
//! `mmap`/`mprotect`, and a convenience loader for test runners.

use crate::codemem::{CodeMemory, CodeMemoryError};

const PROT_READ: i32 = 1;
const PROT_WRITE: i32 = 2;
const PROT_EXEC: i32 = 4;
const MAP_PRIVATE: i32 = 2;
const MAP_ANONYMOUS: i32 = 0x20;

unsafe extern "C" {
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut u8;
    fn mprotect(addr: *mut u8, len: usize, prot: i32) -> i32;
}

/// W^X code memory: each installation maps fresh read-write pages, copies
/// the code, then flips them to read-execute. Pages are never unmapped
/// (compiled code lives as long as the process).
#[derive(Default)]
pub struct MmapCodeMemory;

impl CodeMemory for MmapCodeMemory {
    fn install(&mut self, code: &[u8]) -> Result<*const u8, CodeMemoryError> {
        let len = code.len().max(1).div_ceil(4096) * 4096;
        // SAFETY: anonymous private mapping with no address hint.
        let p = unsafe {
            mmap(
                core::ptr::null_mut(),
                len,
                PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p.is_null() || p as isize == -1 {
            return Err(CodeMemoryError::OutOfMemory);
        }
        // SAFETY: p is a fresh writable mapping of len >= code.len() bytes.
        unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), p, code.len()) };
        // SAFETY: p..p+len is the mapping made above.
        if unsafe { mprotect(p, len, PROT_READ | PROT_EXEC) } != 0 {
            return Err(CodeMemoryError::Protect);
        }
        Ok(p)
    }
}

/// Intel-syntax disassembly of `code` (one instruction per line, offsets
/// from 0), for tests and fault reports on the host.
pub fn disassemble(code: &[u8]) -> alloc::string::String {
    use alloc::string::String;
    use core::fmt::Write;
    use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
    let mut decoder = Decoder::with_ip(64, code, 0, DecoderOptions::NONE);
    let mut fmt = IntelFormatter::new();
    let mut out = String::new();
    let mut text = String::new();
    for ins in &mut decoder {
        text.clear();
        fmt.format(&ins, &mut text);
        let _ = writeln!(out, "{:04x}  {}", ins.ip(), text);
    }
    out
}
