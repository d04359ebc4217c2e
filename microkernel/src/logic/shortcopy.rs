//! Copying a short IPC message (≤ [`SHORT`] bytes) with a few word moves:
//! for the common few-byte request, memmove's call and size dispatch cost
//! more than the bytes themselves.

/// Messages up to this size take the short copy.
pub const SHORT: usize = 64;

fn moves<const N: usize>(src: &[u8], dst: &mut [u8], at: usize) {
    if let (Some(s), Some(d)) = (src.get(at..at + N), dst.get_mut(at..at + N)) {
        d.copy_from_slice(s);
    }
}

/// Copies all of `src` to the start of `dst`, and returns true, if `src` is
/// at most [`SHORT`] bytes and `dst` long enough; otherwise copies nothing
/// and returns false. Sizes 8..=64 move 8-byte words (the last one
/// overlapping the one before), 4..8 two overlapping 4-byte words, 1..4
/// single bytes.
#[inline(always)]
pub fn copy_short(src: &[u8], dst: &mut [u8]) -> bool {
    let len = src.len();
    if len > SHORT || dst.len() < len {
        return false;
    }
    if len >= 8 {
        let mut i = 0;
        while i + 8 < len {
            moves::<8>(src, dst, i);
            i += 8;
        }
        moves::<8>(src, dst, len - 8);
    } else if len >= 4 {
        moves::<4>(src, dst, 0);
        moves::<4>(src, dst, len - 4);
    } else if len > 0 {
        moves::<1>(src, dst, 0);
        moves::<1>(src, dst, len / 2);
        moves::<1>(src, dst, len - 1);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_short_size_copies_exactly_its_bytes() {
        for len in 0..=SHORT {
            let src: Vec<u8> = (0..len)
                .map(|i| (i as u8).wrapping_mul(37) ^ 0x5a)
                .collect();
            let mut dst = [0xeeu8; SHORT + 8];
            assert!(copy_short(&src, &mut dst));
            assert_eq!(&dst[..len], &src[..], "len {len}");
            assert!(
                dst[len..].iter().all(|&b| b == 0xee),
                "len {len}: wrote past the end"
            );
        }
    }

    #[test]
    fn too_long_or_too_small_copies_nothing() {
        let src = [1u8; SHORT + 1];
        let mut dst = [0u8; SHORT + 1];
        assert!(!copy_short(&src, &mut dst));
        assert!(dst.iter().all(|&b| b == 0));
        let mut small = [0u8; 3];
        assert!(!copy_short(&src[..4], &mut small));
        assert_eq!(small, [0; 3]);
    }
}
