//! The console holder's dropped input (`logic::rxring` counts it), as
//! kernel log lines: at most one a second, and none of the count lost.
//!
//! Kernel lines are never dropped (they wait for the UART when its ring is
//! full), so a holder that keeps its input ring full under a flood must not
//! turn each `ConsoleRead` into a line. Drops counted while a line would
//! come too soon are held back, and go out with the first read after the
//! interval even when that read dropped nothing — or when the holder's
//! tenure ends — rather than waiting for a drop that may never come.

/// Least time between two lines (µs).
pub const INTERVAL_US: u64 = 1_000_000;

/// Drops counted but not logged yet, and when the last line went out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropLog {
    unlogged: u64,
    last_us: Option<u64>,
}

impl DropLog {
    pub const fn new() -> Self {
        DropLog {
            unlogged: 0,
            last_us: None,
        }
    }

    /// Counts `dropped` more bytes (0 is fine) at uptime `now_us`; returns
    /// the count to log now, if a line is due: every drop not logged yet.
    pub fn note(&mut self, dropped: u64, now_us: u64) -> Option<u64> {
        self.unlogged = self.unlogged.saturating_add(dropped);
        if self.unlogged == 0 {
            return None;
        }
        if let Some(last) = self.last_us
            && now_us.saturating_sub(last) < INTERVAL_US
        {
            return None;
        }
        self.last_us = Some(now_us);
        Some(core::mem::take(&mut self.unlogged))
    }

    /// The holder is gone, with `unread` more drops it never read back:
    /// everything not logged yet, whatever the interval; the next holder
    /// starts afresh.
    pub fn finish(&mut self, unread: u64) -> Option<u64> {
        let n = self.unlogged.saturating_add(unread);
        *self = DropLog::new();
        (n > 0).then_some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = INTERVAL_US;

    #[test]
    fn the_first_drop_is_logged_at_once_then_one_line_a_second() {
        let mut d = DropLog::new();
        assert_eq!(d.note(0, 5), None);
        assert_eq!(d.note(477, 10), Some(477));
        assert_eq!(d.note(3, 10 + S / 2), None);
        assert_eq!(d.note(4, 10 + S - 1), None);
        assert_eq!(d.note(1, 10 + S), Some(8));
    }

    #[test]
    fn a_count_held_back_goes_out_with_a_later_read_that_dropped_nothing() {
        // A flood ends within the second after the last line: its tail
        // must still be logged, by the next read after the interval.
        let mut d = DropLog::new();
        assert_eq!(d.note(100, 0), Some(100));
        assert_eq!(d.note(20, S / 4), None);
        assert_eq!(d.note(0, S / 2), None);
        assert_eq!(d.note(0, S + 1), Some(20));
        assert_eq!(d.note(0, 3 * S), None);
    }

    #[test]
    fn the_end_of_a_tenure_logs_what_is_left_and_starts_afresh() {
        let mut d = DropLog::new();
        assert_eq!(d.note(7, 1), Some(7));
        assert_eq!(d.note(9, 2), None);
        assert_eq!(d.finish(5), Some(14));
        assert_eq!(d.finish(0), None);
        assert_eq!(d.note(0, 4), None);
        assert_eq!(d.finish(6), Some(6), "drops it never read back count too");
        // The next holder's first drop is logged at once.
        assert_eq!(d.note(2, 3), Some(2));
    }
}
