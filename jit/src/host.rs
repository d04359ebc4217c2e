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

/// W^X code memory, bump-allocated from chunks: a chunk is mapped
/// read-write once (its pages are only backed when first written), and
/// each installation copies the code to the next page boundary of the
/// chunk and flips just those pages to read-execute. One `mprotect` per
/// method instead of a fresh mapping and an `mprotect` (and the kernel
/// merges the adjacent read-execute ranges into one mapping). A page is
/// never writable and executable at once: the pages after the cursor are
/// read-write and hold no code yet; the pages before it are read-execute
/// and are never written again. Pages are never unmapped (compiled code
/// lives as long as the process).
#[derive(Default)]
pub struct MmapCodeMemory {
    /// The next free (read-write, unused) page of the current chunk.
    next: usize,
    /// The end of the current chunk.
    end: usize,
}

/// The size of a chunk of code memory. Address space only until written:
/// a runtime that compiles one small method touches one page of it.
const CHUNK: usize = 1 << 20;
const PAGE: usize = 4096;

impl CodeMemory for MmapCodeMemory {
    fn install(&mut self, code: &[u8]) -> Result<*const u8, CodeMemoryError> {
        let len = code.len().max(1).div_ceil(PAGE) * PAGE;
        if self.end - self.next < len {
            let size = len.max(CHUNK);
            // SAFETY: anonymous private mapping with no address hint.
            let p = unsafe {
                mmap(
                    core::ptr::null_mut(),
                    size,
                    PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if p.is_null() || p as isize == -1 {
                return Err(CodeMemoryError::OutOfMemory);
            }
            // The rest of the old chunk (read-write, never executable)
            // stays mapped and unused.
            self.next = p as usize;
            self.end = p as usize + size;
        }
        let p = self.next as *mut u8;
        // SAFETY: p..p+len lies in the current chunk past `next`: mapped
        // read-write, written by nothing else, len >= code.len().
        unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), p, code.len()) };
        // SAFETY: p..p+len is part of the chunk mapped above.
        if unsafe { mprotect(p, len, PROT_READ | PROT_EXEC) } != 0 {
            return Err(CodeMemoryError::Protect);
        }
        self.next += len;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The permissions `/proc/self/maps` gives the mapping holding `addr`.
    fn perms_at(addr: usize) -> std::string::String {
        let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
        for line in maps.lines() {
            let mut f = line.split_whitespace();
            let (range, perms) = (f.next().expect("range"), f.next().expect("perms"));
            let (a, b) = range.split_once('-').expect("a-b");
            let a = usize::from_str_radix(a, 16).expect("hex");
            let b = usize::from_str_radix(b, 16).expect("hex");
            if (a..b).contains(&addr) {
                return perms.into();
            }
        }
        panic!("{addr:#x} is not mapped");
    }

    #[test]
    fn installations_share_a_chunk_and_are_never_writable_and_executable() {
        let mut mem = MmapCodeMemory::default();
        // mov eax, imm32; ret
        let code = |v: u8| [0xB8, v, 0, 0, 0, 0xC3];
        let a = mem.install(&code(7)).expect("installs") as usize;
        let b = mem.install(&code(9)).expect("installs") as usize;
        // The second follows the first at the next page of the same chunk.
        assert_eq!(b, a + PAGE);
        for p in [a, b] {
            // SAFETY: the bytes installed at p are a complete function
            // returning an int.
            let f: extern "C" fn() -> i32 = unsafe { core::mem::transmute(p) };
            assert_eq!(f(), if p == a { 7 } else { 9 });
            assert_eq!(&perms_at(p)[..3], "r-x");
        }
        // The rest of the chunk: writable, not executable.
        assert_eq!(&perms_at(b + PAGE)[..3], "rw-");
        // A piece larger than what is left of the chunk gets a chunk of its own.
        let big = vec![0xC3u8; CHUNK];
        let c = mem.install(&big).expect("installs") as usize;
        assert_eq!(&perms_at(c + CHUNK - 1)[..3], "r-x");
    }
}
