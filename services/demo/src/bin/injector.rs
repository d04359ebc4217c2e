//! Drives the kernel's register fault injection (`inject-register` and
//! `inject-off` QEMU tests; `docs/faultinject.md`).
//!
//! Args: `target=NAME` (the victim service), `count=N` injections,
//! `seed=S`. First it checks the refusals: itself as a target (its name is
//! not the command line's), an unknown kind, a second injection while one
//! is pending, and query/cancel. Then it injects `count` faults one after
//! another, cycling through the kinds: each waits until the kernel has
//! fired it (`QUERY`), then up to `WATCH_MS` for the victim to die, and the
//! next goes to whatever generation of the victim is alive. Once the victim
//! has died, its old id must be refused with `Dead`.
//!
//! `flood=N` (after the above): N more GPR injections, each armed as soon
//! as the last fired, with no watch — the kernel's injection lines must
//! then be rate-limited, the rest counted (`(K more injections not
//! logged)`).
//!
//! With `mode=off` (a kernel without `inject=`) it only checks that the
//! call is refused with `PermissionDenied`, queries included.

#![no_std]
#![no_main]

use ddk_abi::syscall::inject_kind;
use demo::find;
use userlib::sys::Error;
use userlib::{SyscallError, TaskId};

userlib::entry!(main);

/// How long after an injection fired a death still counts as its effect.
const WATCH_MS: u64 = 500;
/// A delay that never runs out within a test, for the pending checks.
const NEVER_US: u64 = 1 << 50;

fn denied(r: Result<bool, Error>) -> bool {
    r == Err(Error::Sys(SyscallError::PermissionDenied))
}

fn off(victim: TaskId) -> i64 {
    let arm = userlib::inject_fault(victim, inject_kind::GPR_BIT, 0, 1);
    let query = userlib::inject_fault(victim, inject_kind::QUERY, 0, 0);
    if denied(arm) && denied(query) {
        userlib::log!("injector: refused without inject= on the command line: PermissionDenied");
        0
    } else {
        userlib::log!("injector: FAIL without inject=: arm {arm:?}, query {query:?}");
        1
    }
}

/// The refusals and the pending/query/cancel rules, on a live victim.
fn checks(victim: TaskId) -> Result<(), &'static str> {
    let me = userlib::task_self();
    if !denied(userlib::inject_fault(me, inject_kind::GPR_BIT, 0, 1)) {
        return Err("a target the command line does not name was accepted");
    }
    if userlib::inject_fault(victim, 3, 0, 1) != Err(Error::Sys(SyscallError::InvalidArgument)) {
        return Err("an unknown kind was not InvalidArgument");
    }
    if userlib::inject_fault(victim, inject_kind::QUERY, 0, 0) != Ok(false) {
        return Err("a fresh victim had an injection pending");
    }
    if userlib::inject_fault(victim, inject_kind::GPR_BIT, NEVER_US, 1) != Ok(false) {
        return Err("the first injection was refused");
    }
    if userlib::inject_fault(victim, inject_kind::RIP_BIT, 0, 2)
        != Err(Error::Sys(SyscallError::Busy))
    {
        return Err("a second pending injection was not Busy");
    }
    if userlib::inject_fault(victim, inject_kind::QUERY, 0, 0) != Ok(true) {
        return Err("the pending injection was not reported");
    }
    if userlib::inject_fault(victim, inject_kind::CANCEL, 0, 0) != Ok(true) {
        return Err("cancel did not find the pending injection");
    }
    if userlib::inject_fault(victim, inject_kind::CANCEL, 0, 0) != Ok(false) {
        return Err("cancel found one twice");
    }
    Ok(())
}

fn main(args: &str) -> i64 {
    let target = demo::arg(args, "target").unwrap_or("injvictim");
    let count = demo::arg_u64(args, "count", 30);
    let seed = demo::arg_u64(args, "seed", 1);
    let mut victim = find(target);
    if demo::arg(args, "mode") == Some("off") {
        return off(victim);
    }
    if let Err(e) = checks(victim) {
        userlib::log!("injector: FAIL {e}");
        return 1;
    }
    userlib::log!(
        "injector: refusals checked (other target PermissionDenied, unknown kind InvalidArgument, second pending Busy, query, cancel)"
    );
    let kinds = [
        inject_kind::GPR_BIT,
        inject_kind::RSP_BIT,
        inject_kind::RIP_BIT,
    ];
    let (mut died, mut survived) = (0u64, 0u64);
    let mut stale_checked = false;
    let mut k = 0;
    while k < count {
        let kind = kinds.get((k % 3) as usize).copied().unwrap_or(0);
        let s = seed.wrapping_mul(1_000_003).wrapping_add(k);
        // Up to 20 ms, so the tick lands anywhere in the victim's loop.
        let delay = (s.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) % 20_000;
        match userlib::inject_fault(victim, kind, delay, s) {
            Ok(_) => {}
            Err(Error::Dead { .. }) => {
                victim = find(target);
                continue;
            }
            Err(e) => {
                userlib::log!("injector: FAIL injection {k} refused: {e}");
                return 1;
            }
        }
        k += 1;
        // Fired once nothing is pending. `Dead` means the victim died
        // (a pending injection would have gone with it): counted as the
        // injection's effect, as nothing else ends the victim — the judge
        // checks that in the kernel log, which names every injection's
        // generation.
        let fired_and_died = loop {
            match userlib::inject_fault(victim, inject_kind::QUERY, 0, 0) {
                Ok(true) => userlib::sleep_ms(2),
                Ok(false) => break false,
                Err(Error::Dead { .. }) => break true,
                Err(e) => {
                    userlib::log!("injector: FAIL query after injection {k}: {e}");
                    return 1;
                }
            }
        };
        let fired = userlib::uptime_us();
        let gone = fired_and_died
            || loop {
                if userlib::lookup(target) != Ok(victim) {
                    break true;
                }
                if userlib::uptime_us() - fired > WATCH_MS * 1000 {
                    break false;
                }
                userlib::sleep_ms(5);
            };
        if gone {
            died += 1;
            if !stale_checked {
                let r = userlib::inject_fault(victim, inject_kind::GPR_BIT, 0, 1);
                if !matches!(r, Err(Error::Dead { .. })) {
                    userlib::log!("injector: FAIL the dead victim's old id gave {r:?}");
                    return 1;
                }
                stale_checked = true;
            }
            victim = find(target);
        } else {
            survived += 1;
        }
    }
    userlib::log!(
        "injector: {count} injections fired: {died} ended the victim within {WATCH_MS} ms, {survived} no visible effect by then; stale id refused: {stale_checked}"
    );
    let flood = demo::arg_u64(args, "flood", 0);
    if flood > 0 {
        return run_flood(target, victim, flood, seed);
    }
    0
}

/// `n` GPR injections, each armed as soon as the last one fired (or the
/// victim died), to overrun the kernel's log budget.
fn run_flood(target: &str, mut victim: TaskId, n: u64, seed: u64) -> i64 {
    userlib::log!("injector: flood of {n} injections starts");
    let mut armed = 0u64;
    while armed < n {
        let s = seed.wrapping_mul(7_000_001).wrapping_add(armed);
        match userlib::inject_fault(victim, inject_kind::GPR_BIT, 0, s) {
            Ok(_) => armed += 1,
            Err(Error::Dead { .. }) => {
                victim = find(target);
                continue;
            }
            Err(e) => {
                userlib::log!("injector: FAIL flood injection {armed} refused: {e}");
                return 1;
            }
        }
        loop {
            match userlib::inject_fault(victim, inject_kind::QUERY, 0, 0) {
                Ok(true) => userlib::sleep_ms(1),
                Ok(false) => break,
                Err(Error::Dead { .. }) => {
                    victim = find(target);
                    break;
                }
                Err(e) => {
                    userlib::log!("injector: FAIL flood query: {e}");
                    return 1;
                }
            }
        }
    }
    // Time for the kernel's count of held-back lines to come out.
    userlib::sleep_ms(500);
    userlib::log!("injector: flood of {n} injections done");
    0
}
