//! The register fault injection's victim (`inject-register` QEMU test).
//!
//! Computes a checksum over and over, in short blocks, and compares each
//! round with the value the compiler worked out at build time from the same
//! function: a register the kernel corrupts (`InjectFault`) shows as a fault
//! (the kernel ends the task), as a wrong result (reported, exit code 3), as
//! a round that overruns its time (reported, exit code 4) — or as nothing,
//! when the register was dead at that instruction.

#![no_std]
#![no_main]

use core::hint::black_box;

userlib::entry!(main);

/// Steps per block; a block is the unit between two clock readings.
const BLOCK: u64 = 2_000;
/// Blocks per round.
const BLOCKS: u64 = 16;
/// A round that takes longer than this (µs) was derailed (a loop bound or
/// counter corrupted upwards).
const ROUND_LIMIT_US: u64 = 2_000_000;

/// One block of the checksum: FNV-style mixing of the step numbers.
const fn block(mut h: u64, first: u64) -> u64 {
    let mut i = first;
    while i < first + BLOCK {
        h = (h ^ i).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(5);
        i += 1;
    }
    h
}

/// The whole round's checksum, as the build computes it.
const fn round_const() -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325;
    let mut b = 0;
    while b < BLOCKS {
        h = block(h, b * BLOCK);
        b += 1;
    }
    h
}

const EXPECTED: u64 = round_const();

fn main(_args: &str) -> i64 {
    userlib::log!("injvictim: checking rounds (expecting {EXPECTED:#x})");
    let mut rounds = 0u64;
    loop {
        let started = userlib::uptime_us();
        let mut h = black_box(0xcbf2_9ce4_8422_2325u64);
        let mut b = 0;
        while b < black_box(BLOCKS) {
            h = block(h, b * BLOCK);
            b += 1;
            let took = userlib::uptime_us().saturating_sub(started);
            if took > ROUND_LIMIT_US {
                userlib::log!("injvictim: CORRUPTED round {rounds} overran ({took} us, block {b})");
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
