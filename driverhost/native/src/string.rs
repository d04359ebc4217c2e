//! A managed `string` (`[method table][int32 length][UTF-16 chars]`, the
//! object address the JIT passes) as Rust text, for `Log`.

use alloc::string::String;

/// Longest line taken; the rest is cut.
pub const MAX_CHARS: usize = 4096;
const LENGTH_OFFSET: usize = 8;

/// The length in UTF-16 units of the string object at `s` (0 for null);
/// [`text`] takes at most [`MAX_CHARS`] of them.
///
/// # Safety
/// `s` is 0 or the address of a live managed string object.
pub unsafe fn units(s: usize) -> usize {
    if s == 0 {
        return 0;
    }
    // SAFETY: as in `text`.
    unsafe { *((s + LENGTH_OFFSET) as *const i32) }.max(0) as usize
}

/// The text of the string object at `s` (empty for null), unpaired
/// surrogates as `?`.
///
/// # Safety
/// `s` is 0 or the address of a live managed string object.
pub unsafe fn text(s: usize) -> String {
    if s == 0 {
        return String::new();
    }
    // SAFETY: a live string object (the caller's contract) has its length
    // at `LENGTH_OFFSET`.
    let len = unsafe { *((s + LENGTH_OFFSET) as *const i32) }.clamp(0, MAX_CHARS as i32) as usize;
    let chars = s + LENGTH_OFFSET + 4;
    // SAFETY: `i < len` UTF-16 units follow the length field.
    let units = (0..len).map(|i| unsafe { *((chars + 2 * i) as *const u16) });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or('?'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// A string object's layout built by hand (no runtime needed).
    fn object(s: &str) -> Vec<u64> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut words = alloc::vec![0u64; 2 + units.len().div_ceil(4) + 1];
        let base = words.as_mut_ptr() as usize;
        // SAFETY: inside `words`, which is large enough for the header and
        // the units.
        unsafe {
            *((base + 8) as *mut i32) = units.len() as i32;
            for (i, u) in units.iter().enumerate() {
                *((base + 12 + 2 * i) as *mut u16) = *u;
            }
        }
        words
    }

    #[test]
    fn decodes_utf16_and_null() {
        let o = object("virtio-blk (C#) é");
        // SAFETY: `o` is laid out as a string object.
        assert_eq!(unsafe { text(o.as_ptr() as usize) }, "virtio-blk (C#) é");
        // SAFETY: null is allowed.
        assert_eq!(unsafe { text(0) }, "");
    }
}
