//! The last N fault records, for the shell's `faults` command: a bounded
//! ring where the oldest record is dropped, so a crash loop cannot grow the
//! supervisor's memory.

use alloc::collections::VecDeque;

use ipc::supervisor::FaultRecord;

/// How many records the supervisor keeps by default.
pub const DEFAULT_CAPACITY: usize = 32;

/// A bounded log, oldest dropped first.
#[derive(Clone, Debug)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

/// The supervisor's fault log.
pub type FaultLog = Ring<FaultRecord>;

impl<T> Ring<T> {
    /// A ring that keeps at most `capacity` items (0 keeps none).
    pub fn new(capacity: usize) -> Self {
        Ring {
            items: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Adds `item`, dropping the oldest if full.
    pub fn push(&mut self, item: T) {
        if self.capacity == 0 {
            return;
        }
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn iter_newest_first(&self) -> impl Iterator<Item = &T> {
        self.items.iter().rev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn newest(r: &Ring<u32>) -> Vec<u32> {
        r.iter_newest_first().copied().collect()
    }

    #[test]
    fn keeps_the_newest_and_drops_the_oldest() {
        let mut r = Ring::new(3);
        assert!(r.is_empty());
        r.push(1);
        r.push(2);
        assert_eq!((r.len(), newest(&r)), (2, alloc::vec![2, 1]));
        r.push(3);
        r.push(4);
        r.push(5);
        assert_eq!((r.len(), newest(&r)), (3, alloc::vec![5, 4, 3]));
        assert_eq!(r.capacity(), 3);
    }

    #[test]
    fn a_long_crash_loop_stays_bounded() {
        let mut r = Ring::new(DEFAULT_CAPACITY);
        for i in 0..10_000 {
            r.push(i);
        }
        assert_eq!(r.len(), DEFAULT_CAPACITY);
        assert_eq!(r.iter_newest_first().next(), Some(&9_999));
        assert_eq!(r.iter_newest_first().last(), Some(&(10_000 - 32)));
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut r = Ring::new(0);
        r.push(1);
        assert!(r.is_empty());
        assert_eq!(newest(&r), alloc::vec![]);
    }

    #[test]
    fn holds_fault_records() {
        let mut log = FaultLog::new(2);
        for uptime_us in [1, 2, 3] {
            log.push(FaultRecord {
                service: "dh".into(),
                task: ipc::TaskIdWire(2),
                uptime_us,
                cause: ipc::ExitCause::Killed,
                managed: None,
            });
        }
        let times: Vec<u64> = log.iter_newest_first().map(|r| r.uptime_us).collect();
        assert_eq!(times, alloc::vec![3, 2]);
    }
}
