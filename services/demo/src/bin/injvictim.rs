//! The register fault injection's victim (`inject-register` QEMU test).
//!
//! Computes a checksum over and over, in blocks (`block=N` steps between
//! two clock readings), and compares each round with the value the compiler
//! worked out at build time from the same function: a register the kernel
//! corrupts (`InjectFault`) shows as a fault (the kernel ends the task), as
//! a wrong result (reported, exit code 3), as a round that overruns its
//! time (reported, exit code 4) — or as nothing, when the register was dead
//! at that instruction.

#![no_std]
#![no_main]

use core::hint::black_box;

userlib::entry!(main);

/// Checksum steps per round.
const STEPS: u64 = 32_000;
/// A round that takes longer than this (µs) was derailed (a loop bound or
/// counter corrupted upwards).
const ROUND_LIMIT_US: u64 = 2_000_000;
const START: u64 = 0xcbf2_9ce4_8422_2325;

/// Steps `first..end` of the checksum: FNV-style mixing of the step
/// numbers. The result does not depend on how a round is cut into blocks.
const fn run(mut h: u64, first: u64, end: u64) -> u64 {
    let mut i = first;
    while i < end {
        h = (h ^ i).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(5);
        i += 1;
    }
    h
}

/// The whole round's checksum, as the build computes it.
const EXPECTED: u64 = run(START, 0, STEPS);

fn main(args: &str) -> i64 {
    // `block=N`: steps between two clock readings (syscalls). Small blocks
    // make the kernel's single-stepping cross many `syscall` instructions.
    let block = demo::arg_u64(args, "block", 2_000).clamp(1, STEPS);
    userlib::log!(
        "injvictim: checking rounds of {STEPS} steps in blocks of {block} (expecting {EXPECTED:#x})"
    );
    let mut rounds = 0u64;
    loop {
        let started = userlib::uptime_us();
        let mut h = black_box(START);
        let mut first = 0;
        while first < black_box(STEPS) {
            let end = (first + block).min(STEPS);
            h = run(h, first, end);
            first = end;
            let took = userlib::uptime_us().saturating_sub(started);
            if took > ROUND_LIMIT_US {
                userlib::log!(
                    "injvictim: CORRUPTED round {rounds} overran ({took} us, at step {first})"
                );
                return 4;
            }
        }
        if h != EXPECTED {
            userlib::log!(
                "injvictim: CORRUPTED checksum in round {rounds}: {h:#x}, expected {EXPECTED:#x}"
            );
            return 3;
        }
        rounds += 1;
    }
}
