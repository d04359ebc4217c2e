//! The fault-injection campaign's file records (docs/campaign.md): what
//! the guest's controller (`bin/campaign.rs`) writes and what the host's
//! checker (`tests/src/campaign_records.rs`, which includes this file by path)
//! expects on the disk image. Both sides compute every record from the
//! campaign seed, the file and the record's index, so no data has to be
//! logged for the host to check every acknowledged write.
//!
//! Write number `n` appends record `n / files` to file `n % files`; the
//! files only grow, so every acknowledged record stays on the image.
//!
//! Only `core`: it is built for the guest and for the host.

/// The shortest and longest record, bytes.
pub const MIN_LEN: usize = 512;
pub const MAX_LEN: usize = 4096;
/// A record starts with this, then the file (u32) and the record's index
/// (u64), little-endian: misplaced data names where it came from.
pub const MAGIC: [u8; 4] = *b"CRec";
pub const HEADER: usize = 16;

/// splitmix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn key(seed: u64, file: u32, index: u64) -> u64 {
    mix(seed ^ mix((u64::from(file) << 40) ^ index ^ 0x5ca1_ab1e))
}

/// The length of record `index` of `file`.
pub fn len(seed: u64, file: u32, index: u64) -> usize {
    MIN_LEN + (mix(key(seed, file, index)) % (MAX_LEN - MIN_LEN + 1) as u64) as usize
}

/// Fills `out` (of [`len`] bytes) with record `index` of `file`.
pub fn fill(seed: u64, file: u32, index: u64, out: &mut [u8]) {
    let mut s = key(seed, file, index);
    for chunk in out.chunks_mut(8) {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let bytes = mix(s).to_le_bytes();
        chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or(&[]));
    }
    let mut header = [0u8; HEADER];
    header[..4].copy_from_slice(&MAGIC);
    header[4..8].copy_from_slice(&file.to_le_bytes());
    header[8..16].copy_from_slice(&index.to_le_bytes());
    for (o, h) in out.iter_mut().zip(header) {
        *o = h;
    }
}

/// The file write number `n` goes to, and the record's index in it.
pub fn place(n: u64, files: u32) -> (u32, u64) {
    let files = u64::from(files.max(1));
    ((n % files) as u32, n / files)
}

/// The path of `file` in the campaign's directory.
pub const DIR: &str = "/campaign";

/// `f007.bin` for file 7 (the name in [`DIR`]).
pub fn name(file: u32) -> [u8; 8] {
    let d = |p: u32| b'0' + ((file / p) % 10) as u8;
    [b'f', d(100), d(10), d(1), b'.', b'b', b'i', b'n']
}

/// Where a later boot of a campaign goes on: the number of the first
/// write to make, with `ends` (one per file, as `sizes`) set to where each
/// file's acknowledged records end.
///
/// `sizes` are the files' lengths on the disk. Every write but the last
/// one made before the stop was acknowledged (written and closed, so
/// synced); the last may have been cut off in the middle of its close. The
/// FAT service writes its dirty pages back in disk order, so such a write
/// can leave the directory entry's new size on the disk without all of the
/// data (seed 46's `f026.bin` record 219, docs/campaign.md): a record that
/// is whole *by size* is not necessarily there. So the last write whole by
/// size is checked by content — `intact(file, index, offset)`: whether
/// that record's bytes are on the disk — and written again if not (an
/// unacknowledged write; the retry puts the same bytes at the same place).
pub fn resume(
    seed: u64,
    files: u32,
    sizes: &[u64],
    ends: &mut [u64],
    mut intact: impl FnMut(u32, u64, u64) -> bool,
) -> u64 {
    for e in ends.iter_mut() {
        *e = 0;
    }
    let mut n = 0u64;
    loop {
        let (file, index) = place(n, files);
        let l = len(seed, file, index) as u64;
        let (Some(e), Some(&have)) = (ends.get_mut(file as usize), sizes.get(file as usize)) else {
            break;
        };
        if *e + l > have {
            break;
        }
        *e += l;
        n += 1;
    }
    if n > 0 {
        let (file, index) = place(n - 1, files);
        let l = len(seed, file, index) as u64;
        if let Some(e) = ends.get_mut(file as usize) {
            let at = *e - l;
            if !intact(file, index, at) {
                *e = at;
                n -= 1;
            }
        }
    }
    n
}
