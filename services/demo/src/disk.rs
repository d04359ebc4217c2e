//! The sector patterns of the harness's block test disks, which the block
//! clients (`blktest`, `blkclient`, `dhinject`) check and write. The
//! harness's side (`tests/src/blkdisk.rs`) has the same seeds and writes.

use alloc::format;
use alloc::string::String;

pub use ipc::blkdev::sector_pattern;

/// Every sector of a fresh test disk holds `SEED_OLD`'s pattern; the
/// clients write `SEED_NEW`'s.
pub const SEED_OLD: u64 = 0x5eed_0001;
pub const SEED_NEW: u64 = 0x5eed_0002;

/// What `blktest mode=rw` and `blkclient mode=rw` write with `SEED_NEW`:
/// (first LBA, sectors); `u64::MAX` is the last sector. The harness checks
/// exactly these.
pub const WRITES: &[(u64, u64)] = &[(8, 32), (1000, 1), (5000, 128), (u64::MAX, 1)];

/// `lba`, with `u64::MAX` standing for the last of `blocks` sectors.
pub fn resolve(blocks: u64, lba: u64) -> u64 {
    if lba == u64::MAX { blocks - 1 } else { lba }
}

/// Whether [`WRITES`] cover `lba` on a disk of `blocks` sectors.
pub fn written(blocks: u64, lba: u64) -> bool {
    WRITES.iter().any(|&(first, n)| {
        let first = resolve(blocks, first);
        (first..first + n).contains(&lba)
    })
}

/// The seed `lba` holds after [`WRITES`].
pub fn seed_after_writes(blocks: u64, lba: u64) -> u64 {
    if written(blocks, lba) {
        SEED_NEW
    } else {
        SEED_OLD
    }
}

/// Fills `buf`, whole sectors, with `seed`'s pattern from `lba` on.
pub fn fill(buf: &mut [u8], lba: u64, seed: u64) {
    for (i, sector) in buf.as_chunks_mut::<512>().0.iter_mut().enumerate() {
        sector_pattern(seed, lba + i as u64, sector);
    }
}

/// `buf`'s sectors hold `seed`'s pattern from `lba` on; else the first
/// that does not, named.
pub fn check(buf: &[u8], lba: u64, seed: u64) -> Result<(), String> {
    let mut want = [0u8; 512];
    for (i, sector) in buf.chunks(512).enumerate() {
        let lba = lba + i as u64;
        sector_pattern(seed, lba, &mut want);
        if sector != want {
            return Err(format!(
                "sector {lba} has the wrong contents (seed {seed:#x} expected)"
            ));
        }
    }
    Ok(())
}
