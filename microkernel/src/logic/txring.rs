//! The serial transmit ring's bookkeeping: bytes queued for the UART, the
//! kernel's lines never lost (a full ring hands back its oldest byte for the
//! caller to send by polling), a task's lines dropped — and counted — once
//! the ring is three-quarters full. The UART driver (`serial.rs`) owns the
//! hardware side.

/// A byte ring of `N` bytes.
pub struct TxRing<const N: usize> {
    buf: [u8; N],
    head: usize,
    len: usize,
    /// Task lines dropped since the last one that fitted.
    dropped: u64,
}

/// What [`TxRing::task_line`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskLine {
    /// Queued; `dropped` lines before it were lost (the caller reports them).
    Queued { dropped: u64 },
    /// Dropped: the ring is too full.
    Dropped,
}

impl<const N: usize> TxRing<N> {
    pub const fn new() -> Self {
        TxRing {
            buf: [0; N],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The oldest queued byte.
    pub fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let b = self.buf.get(self.head).copied();
        self.head = (self.head + 1) % N;
        self.len -= 1;
        b
    }

    /// Queues `b`. When the ring is full its oldest byte is handed back to
    /// be sent at once (by polling), so nothing is lost and order is kept.
    #[must_use]
    pub fn push(&mut self, b: u8) -> Option<u8> {
        let evicted = if self.len == N { self.pop() } else { None };
        if let Some(slot) = self.buf.get_mut((self.head + self.len) % N) {
            *slot = b;
            self.len += 1;
        }
        evicted
    }

    /// May a task's line of `bytes` bytes be queued? Only while the ring
    /// stays under three-quarters full with room to report earlier drops.
    pub fn task_line(&mut self, bytes: usize) -> TaskLine {
        if self.len + bytes + 64 > N / 4 * 3 {
            self.dropped += 1;
            return TaskLine::Dropped;
        }
        let dropped = core::mem::take(&mut self.dropped);
        TaskLine::Queued { dropped }
    }

    /// How many raw bytes of a task (the console owner's `ConsoleWrite`)
    /// may be queued now: as many as keep the ring under the tasks' three
    /// quarters, less room to report dropped log lines.
    pub fn task_room(&self) -> usize {
        (N / 4 * 3).saturating_sub(self.len + 64)
    }
}

impl<const N: usize> Default for TxRing<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_and_wraparound() {
        let mut r = TxRing::<8>::new();
        for round in 0..5u8 {
            for i in 0..6 {
                assert_eq!(r.push(round * 10 + i), None);
            }
            for i in 0..6 {
                assert_eq!(r.pop(), Some(round * 10 + i));
            }
            assert!(r.is_empty());
        }
    }

    #[test]
    fn a_full_ring_hands_back_its_oldest_byte() {
        let mut r = TxRing::<4>::new();
        for b in 1..=4 {
            assert_eq!(r.push(b), None);
        }
        assert_eq!(r.push(5), Some(1));
        assert_eq!(r.push(6), Some(2));
        let rest: Vec<u8> = std::iter::from_fn(|| r.pop()).collect();
        assert_eq!(rest, [3, 4, 5, 6]);
    }

    #[test]
    fn a_tasks_raw_bytes_get_the_room_below_three_quarters() {
        let mut r = TxRing::<1024>::new();
        assert_eq!(r.task_room(), 768 - 64);
        for _ in 0..700 {
            let _ = r.push(b'x');
        }
        assert_eq!(r.task_room(), 4);
        for _ in 0..10 {
            let _ = r.push(b'x');
        }
        assert_eq!(r.task_room(), 0);
        while r.pop().is_some() {}
        assert_eq!(r.task_room(), 704);
    }

    #[test]
    fn task_lines_are_dropped_and_counted_when_three_quarters_full() {
        let mut r = TxRing::<1024>::new();
        assert_eq!(r.task_line(100), TaskLine::Queued { dropped: 0 });
        for _ in 0..700 {
            let _ = r.push(b'x');
        }
        // 700 + 100 + 64 > 768: dropped, three times.
        for _ in 0..3 {
            assert_eq!(r.task_line(100), TaskLine::Dropped);
        }
        while r.len() > 100 {
            r.pop();
        }
        assert_eq!(r.task_line(100), TaskLine::Queued { dropped: 3 });
        assert_eq!(r.task_line(100), TaskLine::Queued { dropped: 0 });
    }
}
