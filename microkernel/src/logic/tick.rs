//! The timer tick: how often it fires, and which ticks end a time slice.
//!
//! Deadlines (`Sleep`, `recv` and call timeouts) are checked only at a
//! tick, so the tick period is the resolution of every timed wait: at
//! 100 Hz a 1 ms wait took up to 10 ms — the supervisor's 1 ms restart
//! backoff cost a driver-host restart 0–10 ms depending on where the tick
//! fell. The tick therefore fires at 1 kHz. Preemption keeps its 10 ms
//! slice: a tick ends the running task's slice only every
//! [`SLICE_TICKS`] ticks, or when it woke a task whose deadline passed
//! (which then runs without waiting out the slice, as before).

/// Timer interrupts per second.
pub const TICK_HZ: u64 = 1000;

/// Ticks per time slice (10 ms at [`TICK_HZ`]).
pub const SLICE_TICKS: u64 = 10;

/// Whether tick number `tick` (counted from 1) should preempt the running
/// task; `woke`: it made a sleeping or timed-out task runnable.
pub fn ends_slice(tick: u64, woke: bool) -> bool {
    woke || tick.is_multiple_of(SLICE_TICKS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_is_ten_milliseconds() {
        assert_eq!(SLICE_TICKS * 1000 / TICK_HZ, 10);
        let ends: Vec<u64> = (1..=30).filter(|&t| ends_slice(t, false)).collect();
        assert_eq!(ends, [10, 20, 30]);
    }

    #[test]
    fn a_wakeup_preempts_at_once() {
        assert!(ends_slice(3, true));
        assert!(!ends_slice(3, false));
    }
}
