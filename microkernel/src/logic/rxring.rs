//! The console owner's input ring: bytes the COM1 interrupt received for
//! the task holding the console grant, until its `ConsoleRead`.
//!
//! The interrupt must never wait, so a full ring drops the *newest* bytes
//! (what was already typed stays in order) and counts them; the count is
//! handed out with the next read, so the loss is reported, not silent.

/// A byte ring of `N` bytes.
pub struct RxRing<const N: usize> {
    buf: [u8; N],
    head: usize,
    len: usize,
    /// Bytes dropped (ring full) since the last [`RxRing::take_dropped`].
    dropped: u64,
}

impl<const N: usize> RxRing<N> {
    pub const fn new() -> Self {
        RxRing {
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

    /// Queues `b`, or drops it (counted) when the ring is full.
    pub fn push(&mut self, b: u8) {
        if self.len == N {
            self.dropped += 1;
            return;
        }
        if let Some(slot) = self.buf.get_mut((self.head + self.len) % N) {
            *slot = b;
            self.len += 1;
        }
    }

    /// Moves the oldest bytes into `out`; returns how many.
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        for o in out.iter_mut() {
            if self.len == 0 {
                break;
            }
            let Some(&b) = self.buf.get(self.head) else {
                break;
            };
            *o = b;
            self.head = (self.head + 1) % N;
            self.len -= 1;
            n += 1;
        }
        n
    }

    /// Bytes dropped since the last call.
    pub fn take_dropped(&mut self) -> u64 {
        core::mem::take(&mut self.dropped)
    }

    /// Empties the ring (a new owner starts clean of its predecessor's
    /// unread input).
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
        self.dropped = 0;
    }
}

impl<const N: usize> Default for RxRing<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_come_out_in_order_across_wraparound() {
        let mut r = RxRing::<8>::new();
        let mut out = [0u8; 5];
        for round in 0..6u8 {
            for i in 0..5 {
                r.push(round * 10 + i);
            }
            assert_eq!(r.read(&mut out), 5);
            assert_eq!(out, [0, 1, 2, 3, 4].map(|i| round * 10 + i));
            assert!(r.is_empty());
        }
    }

    #[test]
    fn a_full_ring_drops_the_newest_bytes_and_counts_them() {
        let mut r = RxRing::<4>::new();
        for b in 1..=7 {
            r.push(b);
        }
        assert_eq!(r.len(), 4);
        assert_eq!(r.take_dropped(), 3);
        assert_eq!(r.take_dropped(), 0);
        let mut out = [0u8; 8];
        assert_eq!(r.read(&mut out), 4);
        assert_eq!(out.get(..4), Some(&[1, 2, 3, 4][..]));
        // Room again: new bytes are kept.
        r.push(9);
        assert_eq!(r.read(&mut out), 1);
        assert_eq!(out.first(), Some(&9));
    }

    #[test]
    fn a_short_read_leaves_the_rest_and_clear_forgets_everything() {
        let mut r = RxRing::<16>::new();
        for b in b"hello" {
            r.push(*b);
        }
        let mut two = [0u8; 2];
        assert_eq!(r.read(&mut two), 2);
        assert_eq!(&two, b"he");
        assert_eq!(r.read(&mut []), 0);
        assert_eq!(r.len(), 3);
        for _ in 0..20 {
            r.push(b'x');
        }
        r.clear();
        assert!(r.is_empty());
        assert_eq!(r.take_dropped(), 0);
        assert_eq!(r.read(&mut two), 0);
    }
}
