//! The request scheduler: batches (one per waiting `Submit`) in arrival
//! order, a fixed number of device slots, and the flush barrier.
//!
//! Operations start in arrival order as slots free up: all of the first
//! batch that can start, then the next batch's, and so on. A `Flush` starts
//! only when *nothing* is in flight on the device, and nothing starts while
//! one waits: `virtio-drivers` 0.13 has no non-blocking flush, so the driver
//! runs it alone and waits for it (see `docs/devices.md`), and draining
//! first is also what makes it cover every write completed before it.

use alloc::vec::Vec;
use ipc::blkdev::{Op, Status};

/// One `Submit` being served.
pub struct Batch {
    pub id: u64,
    /// The caller (a `TaskId` value) waiting for the reply.
    pub client: u32,
    pub ops: Vec<Op>,
    /// Filled as operations finish; invalid ones are filled at once.
    pub status: Vec<Option<Status>>,
    next: usize,
    inflight: usize,
}

impl Batch {
    pub fn done(&self) -> bool {
        self.inflight == 0 && self.status.iter().all(Option::is_some)
    }
}

/// An operation to start now in `slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Start {
    pub slot: usize,
    pub batch: u64,
    pub index: usize,
    pub op: Op,
}

pub struct Sched {
    batches: Vec<Batch>,
    free: Vec<usize>,
    slots: usize,
    next_id: u64,
    /// The slot of the flush in flight, if one is.
    flushing: Option<usize>,
}

impl Sched {
    pub fn new(slots: usize) -> Self {
        Sched {
            batches: Vec::new(),
            free: (0..slots).rev().collect(),
            slots,
            next_id: 0,
            flushing: None,
        }
    }

    /// Operations on the device now.
    pub fn inflight(&self) -> usize {
        self.slots - self.free.len()
    }

    /// The client of batch `batch`.
    pub fn client_of(&self, batch: u64) -> Option<u32> {
        self.batches
            .iter()
            .find(|b| b.id == batch)
            .map(|b| b.client)
    }

    pub fn waiting_batches(&self) -> usize {
        self.batches.len()
    }

    /// Queues a batch; `status[i]` already set means operation `i` was
    /// refused before reaching the device. Returns its id.
    pub fn push(&mut self, client: u32, ops: Vec<Op>, status: Vec<Option<Status>>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.batches.push(Batch {
            id,
            client,
            ops,
            status,
            next: 0,
            inflight: 0,
        });
        id
    }

    /// The next operation to start, if a slot is free and the barrier
    /// allows; the caller starts it and later calls [`Sched::complete`].
    pub fn next_start(&mut self) -> Option<Start> {
        if self.flushing.is_some() {
            return None;
        }
        let device_idle = self.free.len() == self.slots;
        let have_slot = !self.free.is_empty();
        for b in self.batches.iter_mut() {
            while b.next < b.ops.len() && b.status.get(b.next).is_some_and(Option::is_some) {
                b.next += 1;
            }
            let Some(&op) = b.ops.get(b.next) else {
                continue;
            };
            if op == Op::Flush && !device_idle {
                return None; // drain first; nothing later overtakes it
            }
            if !have_slot {
                return None;
            }
            let slot = self.free.pop()?;
            let start = Start {
                slot,
                batch: b.id,
                index: b.next,
                op,
            };
            b.next += 1;
            b.inflight += 1;
            if op == Op::Flush {
                self.flushing = Some(slot);
            }
            return Some(start);
        }
        None
    }

    /// Operation `index` of batch `batch` in `slot` finished.
    pub fn complete(&mut self, slot: usize, batch: u64, index: usize, status: Status) {
        if slot < self.slots && !self.free.contains(&slot) {
            self.free.push(slot);
        }
        if self.flushing == Some(slot) {
            self.flushing = None;
        }
        if let Some(b) = self.batches.iter_mut().find(|b| b.id == batch) {
            if let Some(s) = b.status.get_mut(index) {
                *s = Some(status);
            }
            b.inflight = b.inflight.saturating_sub(1);
        }
    }

    /// Removes and returns a finished batch, if any.
    pub fn take_done(&mut self) -> Option<Batch> {
        let i = self.batches.iter().position(Batch::done)?;
        Some(self.batches.remove(i))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use alloc::vec;
    use ipc::blkdev::BlkDevError;

    fn rd(lba: u64) -> Op {
        Op::Read {
            lba,
            len: 512,
            offset: 0,
        }
    }

    #[test]
    fn starts_up_to_the_slot_count_then_waits_for_completions() {
        let mut s = Sched::new(2);
        let b = s.push(7, vec![rd(0), rd(1), rd(2)], vec![None; 3]);
        let a0 = s.next_start().unwrap();
        let a1 = s.next_start().unwrap();
        assert_eq!((a0.index, a1.index), (0, 1));
        assert_ne!(a0.slot, a1.slot);
        assert_eq!(s.next_start(), None);
        s.complete(a1.slot, b, 1, Status::Ok);
        let a2 = s.next_start().unwrap();
        assert_eq!((a2.index, a2.slot), (2, a1.slot));
        assert!(s.take_done().is_none());
        s.complete(a0.slot, b, 0, Status::Ok);
        s.complete(a2.slot, b, 2, Status::Ok);
        let done = s.take_done().unwrap();
        assert_eq!(done.client, 7);
        assert!(done.status.iter().all(|x| *x == Some(Status::Ok)));
        assert_eq!(s.inflight(), 0);
    }

    #[test]
    fn refused_operations_are_skipped_and_a_fully_refused_batch_is_done() {
        let mut s = Sched::new(4);
        let bad = Some(Status::Err(BlkDevError::NoWindow));
        s.push(1, vec![rd(0), rd(1)], vec![bad, bad]);
        assert_eq!(s.next_start(), None);
        assert_eq!(s.take_done().unwrap().status, vec![bad, bad]);
        let b = s.push(1, vec![rd(0), rd(1)], vec![bad, None]);
        let a = s.next_start().unwrap();
        assert_eq!(a.index, 1);
        s.complete(a.slot, b, 1, Status::Ok);
        assert_eq!(s.take_done().unwrap().status, vec![bad, Some(Status::Ok)]);
    }

    #[test]
    fn flush_waits_for_an_idle_device_and_holds_back_later_work() {
        let mut s = Sched::new(4);
        let b1 = s.push(1, vec![rd(0), Op::Flush, rd(5)], vec![None; 3]);
        let b2 = s.push(2, vec![rd(9)], vec![None]);
        let r0 = s.next_start().unwrap();
        assert_eq!(r0.index, 0);
        // The flush must wait for r0, and batch 2 must not overtake it.
        assert_eq!(s.next_start(), None);
        s.complete(r0.slot, b1, 0, Status::Ok);
        let f = s.next_start().unwrap();
        assert_eq!(f.op, Op::Flush);
        assert_eq!(s.next_start(), None, "nothing runs beside a flush");
        s.complete(f.slot, b1, 1, Status::Ok);
        let r5 = s.next_start().unwrap();
        let r9 = s.next_start().unwrap();
        assert_eq!((r5.batch, r5.index, r9.batch), (b1, 2, b2));
    }
}
