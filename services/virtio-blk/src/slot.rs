//! A DMA slot's buffer before the driver is given a read.
//!
//! The driver host copies a write's data into a slot's buffer, and a
//! read's data out of it when the driver reports the read done. Slots are
//! reused last-freed first ([`crate::sched`]), so the block service's
//! read-back of a write (`verify-writes=1`) runs in the very slot that
//! still holds the write's data. A corrupted driver that completes
//! requests without the device doing them (the campaign saw one: seed 46,
//! write #3034, docs/campaign.md) then "reads back" exactly the data it
//! never wrote, and the check passes. So before each read the slot is
//! filled with a pattern no earlier request left there: a read the device
//! did not perform returns that, not someone's data.

/// The pattern's base; each read gets its own words ([`prepare_read`]).
const POISON: u64 = 0x6e6f_7420_7265_6164; // "daer ton": "not read"

/// Fills the first `len` bytes of a slot's buffer for read number `seq`
/// of this driver host (every read a different pattern, so that even data
/// that happens to equal one read's pattern cannot match the next's).
pub fn prepare_read(buf: &mut [u8], seq: u64) {
    let word = (POISON ^ seq.rotate_left(17)).to_le_bytes();
    for chunk in buf.chunks_mut(8) {
        let n = chunk.len();
        chunk.copy_from_slice(word.get(..n).unwrap_or(&[]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::Sched;
    use alloc::vec;
    use alloc::vec::Vec;
    use ipc::blkdev::{Op, Status};

    /// A write and its read-back through the scheduler's slots, the way
    /// the driver host moves the data (`driverhost/src/blkhost.rs`), with
    /// a device that does nothing but report success.
    fn read_back_from_a_device_that_does_nothing(poison: bool) -> Vec<u8> {
        let mut sched = Sched::new(4);
        let mut slots = vec![vec![0u8; 4096]; 4];
        let data: Vec<u8> = (0..4096).map(|i| (i * 7 + 3) as u8).collect();
        let write = Op::Write {
            lba: 8,
            len: 4096,
            offset: 0,
        };
        sched.push(1, vec![write], vec![None]);
        let s = sched.next_start().unwrap();
        slots[s.slot].copy_from_slice(&data);
        sched.complete(s.slot, s.batch, s.index, Status::Ok);
        sched.take_done().unwrap();
        let read = Op::Read {
            lba: 8,
            len: 4096,
            offset: 0,
        };
        sched.push(1, vec![read], vec![None]);
        let r = sched.next_start().unwrap();
        assert_eq!(r.slot, s.slot, "the read-back reuses the write's slot");
        if poison {
            prepare_read(&mut slots[r.slot], 1);
        }
        sched.complete(r.slot, r.batch, r.index, Status::Ok);
        slots[r.slot].clone()
    }

    #[test]
    fn a_read_the_device_did_not_do_cannot_return_the_slots_last_write() {
        let data: Vec<u8> = (0..4096).map(|i| (i * 7 + 3) as u8).collect();
        // Without the pattern the check would pass (the campaign's loss).
        assert_eq!(read_back_from_a_device_that_does_nothing(false), data);
        assert_ne!(read_back_from_a_device_that_does_nothing(true), data);
    }

    #[test]
    fn every_read_gets_its_own_pattern_and_odd_lengths_are_filled() {
        let mut a = vec![0u8; 4099];
        let mut b = vec![0u8; 4099];
        prepare_read(&mut a, 1);
        prepare_read(&mut b, 2);
        assert_ne!(a, b);
        assert!(a.chunks(8).all(|c| c == &a[..c.len()]));
        assert_ne!(a[4098], 0);
    }
}
