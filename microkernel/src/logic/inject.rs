//! Register fault injection (`InjectFault`, test only): who may be a target,
//! and which bit of which saved register a seed picks. The kernel side
//! (`task::inject`) applies the choice to the target's trap frame.

use ddk_abi::syscall::inject_kind;

/// What an injection corrupts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One bit of one general register other than RSP.
    GprBit,
    /// One bit (0..=46) of RSP.
    RspBit,
    /// One bit (0..=46) of RIP.
    RipBit,
}

impl Kind {
    /// The kind an `InjectFault` argument names (not `QUERY`/`CANCEL`).
    pub fn from_abi(kind: u64) -> Option<Kind> {
        match kind {
            inject_kind::GPR_BIT => Some(Kind::GprBit),
            inject_kind::RSP_BIT => Some(Kind::RspBit),
            inject_kind::RIP_BIT => Some(Kind::RipBit),
            _ => None,
        }
    }
}

/// A saved user register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    Rax,
    Rbx,
    Rcx,
    Rdx,
    Rsi,
    Rdi,
    Rbp,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    Rsp,
    Rip,
}

/// The registers [`Kind::GprBit`] chooses among.
pub const GPRS: [Reg; 15] = [
    Reg::Rax,
    Reg::Rbx,
    Reg::Rcx,
    Reg::Rdx,
    Reg::Rsi,
    Reg::Rdi,
    Reg::Rbp,
    Reg::R8,
    Reg::R9,
    Reg::R10,
    Reg::R11,
    Reg::R12,
    Reg::R13,
    Reg::R14,
    Reg::R15,
];

impl Reg {
    pub fn name(self) -> &'static str {
        match self {
            Reg::Rax => "RAX",
            Reg::Rbx => "RBX",
            Reg::Rcx => "RCX",
            Reg::Rdx => "RDX",
            Reg::Rsi => "RSI",
            Reg::Rdi => "RDI",
            Reg::Rbp => "RBP",
            Reg::R8 => "R8",
            Reg::R9 => "R9",
            Reg::R10 => "R10",
            Reg::R11 => "R11",
            Reg::R12 => "R12",
            Reg::R13 => "R13",
            Reg::R14 => "R14",
            Reg::R15 => "R15",
            Reg::Rsp => "RSP",
            Reg::Rip => "RIP",
        }
    }
}

/// Address bits a flip in RSP or RIP may touch: flipping bit 47 or above
/// would make the address non-canonical, and `iretq` to a non-canonical RIP
/// faults in ring 0. Below it the worst is a user-mode fault.
pub const ADDRESS_BITS: u64 = 47;

/// The bit to flip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flip {
    pub reg: Reg,
    pub bit: u8,
}

impl Flip {
    /// `value` with the chosen bit flipped.
    pub fn apply(self, value: u64) -> u64 {
        value ^ (1u64 << (self.bit & 63))
    }
}

/// SplitMix64: one well-mixed 64-bit value per seed, so consecutive seeds
/// pick unrelated registers and bits.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The register and bit `seed` picks for `kind`: the same seed always picks
/// the same flip, so a campaign's run can be replayed.
pub fn choose(kind: Kind, seed: u64) -> Flip {
    let x = mix(seed);
    let high = x >> 32;
    match kind {
        Kind::GprBit => Flip {
            reg: GPRS
                .get((x % GPRS.len() as u64) as usize)
                .copied()
                .unwrap_or(Reg::Rax),
            bit: (high % 64) as u8,
        },
        Kind::RspBit => Flip {
            reg: Reg::Rsp,
            bit: (high % ADDRESS_BITS) as u8,
        },
        Kind::RipBit => Flip {
            reg: Reg::Rip,
            bit: (high % ADDRESS_BITS) as u8,
        },
    }
}

/// Most instructions the target runs, single-stepped, between the
/// interrupt that finds the injection due and the injection itself.
pub const STEPS_MAX: u16 = 255;

/// How many instructions `seed` lets the target run (single-stepped) after
/// the interrupt before the flip, 0..=[`STEPS_MAX`]. Interrupts land only
/// on some instructions (under QEMU's TCG, only at translation-block
/// starts); the steps move the flip to any instruction of the code.
pub fn steps(seed: u64) -> u16 {
    (mix(seed ^ 0x5151_5151_5151_5151) % (u64::from(STEPS_MAX) + 1)) as u16
}

/// Whether a task named `name` may be a target, given the command line's
/// `inject=` value (`None`: the facility is off for everyone).
pub fn is_target(configured: Option<&str>, name: &str) -> bool {
    matches!(configured, Some(c) if !c.is_empty() && c == name)
}

/// What a single-step trap (#DB with DR6.BS) from ring 3 is, with the
/// facility on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepTrap {
    /// One of an injection's steps: counted down.
    Step,
    /// A TF this facility set earlier in this very task and the task copied
    /// (`pushf`, or the RFLAGS `syscall` leaves in R11) and restored later:
    /// cleared and resumed, not charged to it.
    Stray,
    /// The task set TF itself: its fault, exactly as without `inject=`.
    Fault,
}

/// Sorts a ring-3 single-step trap of the current task: `stepping` whether
/// an injection is stepping it now, `stepped` whether this facility ever
/// set TF in it (this generation). A task the facility never stepped —
/// every task but the target — gets the kernel's ordinary treatment.
pub fn step_trap(stepping: bool, stepped: bool) -> StepTrap {
    if stepping {
        StepTrap::Step
    } else if stepped {
        StepTrap::Stray
    } else {
        StepTrap::Fault
    }
}

/// Injection lines logged per second, in the long run. A campaign fires one
/// per driver-host generation, seconds apart; a target re-armed as soon as
/// the last fired could otherwise fill the UART (kernel lines are never
/// dropped, and this one is written with the task table locked).
pub const LOG_RATE: u64 = 10;
/// Lines that may come at once before the rate applies: more than a whole
/// `inject-register` run (30 injections), so tests never lose one.
pub const LOG_BURST: u64 = 32;
/// The budget one line costs, in µs of refill.
const LINE_US: u64 = 1_000_000 / LOG_RATE;

/// A token bucket over the injection lines, counting those it holds back so
/// a later line can say how many (never silently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogBudget {
    /// Refill time banked, at most `LOG_BURST` lines' worth.
    credit_us: u64,
    /// Uptime of the last refill.
    last_us: u64,
    /// Injections fired and not logged since the last report.
    skipped: u64,
}

impl Default for LogBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl LogBudget {
    pub const fn new() -> Self {
        LogBudget {
            credit_us: LOG_BURST * LINE_US,
            last_us: 0,
            skipped: 0,
        }
    }

    fn refill(&mut self, now_us: u64) {
        let elapsed = now_us.saturating_sub(self.last_us);
        self.last_us = self.last_us.max(now_us);
        self.credit_us = self
            .credit_us
            .saturating_add(elapsed)
            .min(LOG_BURST * LINE_US);
    }

    fn take_line(&mut self, now_us: u64) -> bool {
        self.refill(now_us);
        if self.credit_us < LINE_US {
            return false;
        }
        self.credit_us -= LINE_US;
        true
    }

    /// An injection fired at `now_us`. `Some(k)`: log its line, after a
    /// line saying `k` earlier ones were not logged if `k > 0`; `None`:
    /// counted, not logged.
    pub fn fire(&mut self, now_us: u64) -> Option<u64> {
        if self.take_line(now_us) {
            Some(core::mem::take(&mut self.skipped))
        } else {
            self.skipped = self.skipped.saturating_add(1);
            None
        }
    }

    /// Whether some injections went unlogged and are still to be reported.
    pub fn has_skipped(&self) -> bool {
        self.skipped > 0
    }

    /// At any later moment (an interrupt): `Some(k)` when `k > 0` injections
    /// went unlogged and the budget allows the line that says so.
    pub fn flush(&mut self, now_us: u64) -> Option<u64> {
        if self.skipped == 0 || !self.take_line(now_us) {
            return None;
        }
        Some(core::mem::take(&mut self.skipped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tasks_the_facility_stepped_have_their_traps_forgiven() {
        assert_eq!(step_trap(true, true), StepTrap::Step);
        assert_eq!(step_trap(true, false), StepTrap::Step);
        assert_eq!(step_trap(false, true), StepTrap::Stray);
        // Any other task (not the target, or a target never stepped) that
        // sets TF itself faults as without `inject=`.
        assert_eq!(step_trap(false, false), StepTrap::Fault);
    }

    #[test]
    fn a_burst_is_logged_then_the_rate_applies_and_nothing_is_lost() {
        let mut b = LogBudget::new();
        let mut now = 5_000_000;
        for _ in 0..LOG_BURST {
            assert_eq!(b.fire(now), Some(0));
        }
        // A flood: one fire every millisecond for 10 s.
        let (mut logged, mut reported) = (0u64, 0u64);
        let flood = 10_000u64;
        for _ in 0..flood {
            now += 1_000;
            match b.fire(now) {
                Some(k) => {
                    logged += 1;
                    reported += k;
                }
                None => assert!(b.has_skipped()),
            }
        }
        // About LOG_RATE a second, not one a millisecond.
        assert!(
            (LOG_RATE * 10 - 1..=LOG_RATE * 10 + 1).contains(&logged),
            "{logged}"
        );
        // Every fire is either logged or counted: the rest comes with flush.
        now += 1_000_000;
        let rest = b.flush(now).unwrap_or(0);
        assert_eq!(logged + reported + rest, flood);
        assert!(!b.has_skipped());
        assert_eq!(b.flush(now + 1_000_000), None);
    }

    #[test]
    fn injections_seconds_apart_are_all_logged() {
        let mut b = LogBudget::new();
        for i in 0..10_000u64 {
            assert_eq!(b.fire(i * 150_000), Some(0), "fire {i}");
        }
    }

    #[test]
    fn the_budget_refills_to_the_burst_only_and_survives_a_clock_going_back() {
        let mut b = LogBudget::new();
        for _ in 0..LOG_BURST {
            assert!(b.fire(0).is_some());
        }
        assert_eq!(b.fire(0), None);
        assert_eq!(b.flush(10), None);
        // An hour later: a burst's worth again, not more.
        let later = 3_600_000_000;
        assert_eq!(b.fire(later), Some(1));
        for _ in 1..LOG_BURST {
            assert_eq!(b.fire(later), Some(0));
        }
        assert_eq!(b.fire(later), None);
        assert_eq!(b.fire(later - 1), None);
        assert_eq!(b.flush(later + 200_000), Some(2));
    }

    #[test]
    fn off_without_the_command_line_and_exact_names_only() {
        assert!(!is_target(None, "victim"));
        assert!(!is_target(Some(""), ""));
        assert!(!is_target(Some("victim"), "victi"));
        assert!(!is_target(Some("victim"), "victim2"));
        assert!(!is_target(Some("victim"), "injector"));
        assert!(is_target(Some("victim"), "victim"));
    }

    #[test]
    fn kinds_parse_and_others_are_refused() {
        assert_eq!(Kind::from_abi(inject_kind::GPR_BIT), Some(Kind::GprBit));
        assert_eq!(Kind::from_abi(inject_kind::RSP_BIT), Some(Kind::RspBit));
        assert_eq!(Kind::from_abi(inject_kind::RIP_BIT), Some(Kind::RipBit));
        assert_eq!(Kind::from_abi(3), None);
        assert_eq!(Kind::from_abi(inject_kind::QUERY), None);
        assert_eq!(Kind::from_abi(u64::MAX), None);
    }

    #[test]
    fn choices_are_deterministic_and_in_range() {
        assert_eq!(choose(Kind::GprBit, 42), choose(Kind::GprBit, 42));
        for seed in 0..10_000u64 {
            let g = choose(Kind::GprBit, seed);
            assert!(g.bit < 64);
            assert_ne!(g.reg, Reg::Rsp);
            assert_ne!(g.reg, Reg::Rip);
            for k in [Kind::RspBit, Kind::RipBit] {
                let f = choose(k, seed);
                assert!(u64::from(f.bit) < ADDRESS_BITS, "{f:?}");
                // Any canonical user address stays one.
                assert!(f.apply(0x0000_7fff_ffff_fff0) < 1 << 47);
                assert!(f.apply(0x1000) < 1 << 47);
            }
        }
    }

    #[test]
    fn seeds_spread_over_every_register_and_bit() {
        let mut regs = [0u32; 15];
        let mut bits = [0u32; 64];
        for seed in 0..15_000u64 {
            let f = choose(Kind::GprBit, seed);
            let i = GPRS.iter().position(|&r| r == f.reg);
            assert!(i.is_some(), "seed {seed} chose {:?}, not a GPR", f.reg);
            if let Some(n) = i.and_then(|i| regs.get_mut(i)) {
                *n += 1;
            }
            if let Some(n) = bits.get_mut(usize::from(f.bit)) {
                *n += 1;
            }
        }
        // 1,000 expected each: a gross bias (a constant, a stuck bit) fails.
        assert!(regs.iter().all(|&n| (700..1300).contains(&n)), "{regs:?}");
        assert!(bits.iter().all(|&n| (120..350).contains(&n)), "{bits:?}");
    }

    #[test]
    fn steps_stay_in_range_and_cover_it() {
        let mut seen = [false; STEPS_MAX as usize + 1];
        for seed in 0..20_000u64 {
            let n = steps(seed);
            assert!(n <= STEPS_MAX);
            seen[usize::from(n)] = true;
        }
        assert!(seen.iter().all(|&s| s), "some step counts never drawn");
        assert_eq!(steps(9), steps(9));
    }

    #[test]
    fn a_flip_changes_exactly_one_bit() {
        let f = Flip {
            reg: Reg::Rbx,
            bit: 17,
        };
        assert_eq!(f.apply(0), 1 << 17);
        assert_eq!(f.apply(f.apply(0x1234)), 0x1234);
        assert_eq!((f.apply(u64::MAX) ^ u64::MAX).count_ones(), 1);
    }
}
