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

#[cfg(test)]
mod tests {
    use super::*;

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
            let i = GPRS.iter().position(|&r| r == f.reg).unwrap();
            regs[i] += 1;
            bits[usize::from(f.bit)] += 1;
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
