//! Deterministic checks of ring-0 rules an attacker would probe, one line
//! each, ending with `rules: PASS` or the first rule that did not hold:
//!
//! * the top user page is never mappable (a `syscall` in its last two bytes
//!   would return to a non-canonical RIP);
//! * a refused `Unmap` (bad range) changes nothing — in particular it does
//!   not revoke the caller's grants first;
//! * work per syscall is bounded (interrupts are off while it runs): one
//!   `MapAnon` zeroes at most 1 MiB, one `Unmap` takes down at most 256
//!   pages and says where it stopped, and a task flooding `Log` has its
//!   lines dropped (and counted) instead of making anyone wait on the UART;
//! * with `meddle=1` (run as a service without `allow=`): the supervisor
//!   refuses this task `Shutdown`, `Stop` and `Restart` with
//!   `PermissionDenied`, and still answers `Status`;
//! * with `flood=1`: the task owns 32 grants at once (over one page) and a
//!   33rd is refused — grants are charged to their owner, so nine such
//!   tasks together (288 grants) still all get theirs.

#![no_std]
#![no_main]

extern crate alloc;

use ddk_abi::SyscallError;
use userlib::sys::{self, Error};

userlib::entry!(main);

const PAGE: u64 = 4096;
/// The last page below the canonical user half's end.
const TOP_PAGE: u64 = 0x0000_7fff_ffff_f000;
const SCRATCH: u64 = 0x0000_5100_0000_0000;

fn expect(what: &str, got: Result<(), Error>, want: Result<(), SyscallError>) -> bool {
    let want = want.map_err(Error::Sys);
    if got == want {
        userlib::log!("rules: {what}: {got:?} as required");
        true
    } else {
        userlib::log!("rules: FAIL {what}: got {got:?}, want {want:?}");
        false
    }
}

fn top_page() -> bool {
    let mut ok = expect(
        "MapAnon of the top user page",
        sys::map_anon(TOP_PAGE, PAGE, true),
        Err(SyscallError::BadAddress),
    );
    ok &= expect(
        "MapAnon of two pages ending at the top",
        sys::map_anon(TOP_PAGE - PAGE, 2 * PAGE, true),
        Err(SyscallError::BadAddress),
    );
    ok &= expect(
        "MapAnon of the page below the top one",
        sys::map_anon(TOP_PAGE - PAGE, PAGE, true),
        Ok(()),
    );
    ok &= expect(
        "Unmap of the page below the top one",
        sys::unmap(TOP_PAGE - PAGE, PAGE).map(|_| ()),
        Ok(()),
    );
    ok
}

fn bounded_work() -> bool {
    use ddk_abi::Syscall;
    const AT: u64 = 0x0000_5300_0000_0000;
    let mut ok = expect(
        "one MapAnon of 2 MiB",
        sys::map_anon_raw(AT, 2 << 20),
        Err(SyscallError::BadLength),
    );
    ok &= expect(
        "userlib::map_anon of 4 MiB (split into calls)",
        sys::map_anon(AT, 4 << 20, true),
        Ok(()),
    );
    // One raw Unmap of the 4 MiB: 256 pages, and where it stopped.
    let (status, pages, next, _) = sys::raw(Syscall::Unmap, [AT, 4 << 20, 0, 0, 0, 0]);
    if status == 0 && pages == 256 && next == AT + (1 << 20) {
        userlib::log!(
            "rules: one Unmap of 4 MiB took down 256 pages and stopped at +1 MiB as required"
        );
    } else {
        userlib::log!(
            "rules: FAIL one Unmap of 4 MiB: status {status}, {pages} pages, stopped at {next:#x}"
        );
        ok = false;
    }
    ok &= expect(
        "userlib::unmap of the rest",
        sys::unmap(AT, 4 << 20).map(|n| {
            if n != 768 {
                userlib::log!("rules: FAIL the rest was {n} pages, not 768");
            }
        }),
        Ok(()),
    );
    ok
}

/// Logs far faster than a real UART can send: the kernel queues the lines
/// and would drop (and count) them rather than stall on the serial line.
/// (Under QEMU the emulated UART drains as fast as its interrupt runs, so
/// the drop itself is host-tested in `logic::txring`.)
fn log_flood() {
    let line = [b'x'; 480];
    let text = core::str::from_utf8(&line).unwrap_or("");
    let t0 = userlib::uptime_us();
    for i in 0..200 {
        userlib::log!("rules: flood {i:4} {text}");
    }
    let took = userlib::uptime_us() - t0;
    userlib::log!("rules: logged 200 lines of 500 bytes in {} ms", took / 1000);
}

fn refused_unmap_keeps_grants() -> bool {
    let peer = match userlib::lookup("echo") {
        Ok(p) => p,
        Err(e) => {
            userlib::log!("rules: FAIL no echo task to grant to: {e}");
            return false;
        }
    };
    if let Err(e) = sys::map_anon(SCRATCH, PAGE, true) {
        userlib::log!("rules: FAIL scratch page: {e}");
        return false;
    }
    let grant = match sys::grant_create(peer, SCRATCH, PAGE, false) {
        Ok(g) => g,
        Err(e) => {
            userlib::log!("rules: FAIL grant: {e}");
            return false;
        }
    };
    // A misaligned length makes the range invalid: refused before anything
    // (the grant over the page included) is touched.
    let mut ok = expect(
        "Unmap with a misaligned length",
        sys::unmap(SCRATCH, PAGE + 1).map(|_| ()),
        Err(SyscallError::BadAddress),
    );
    ok &= expect(
        "revoking the grant afterwards (it must still exist)",
        sys::grant_revoke(grant),
        Ok(()),
    );
    let _ = sys::unmap(SCRATCH, PAGE);
    ok
}

/// Asks the supervisor for what only entitled services may have.
fn meddle() -> bool {
    use ipc::supervisor::{Reply, Request, Supervisor, SupervisorError};
    let Ok(sup) = userlib::lookup("supervisor") else {
        userlib::log!("rules: FAIL no supervisor");
        return false;
    };
    let mut ok = true;
    for request in [
        Request::Shutdown,
        Request::Stop {
            name: "echo".into(),
        },
        Request::Restart {
            name: "echo".into(),
        },
        Request::Start {
            name: "echo".into(),
        },
        Request::Kill {
            name: "echo".into(),
        },
        // Naming echo's current task does not make it allowed.
        Request::RestartTask {
            name: "echo".into(),
            task: ipc::TaskIdWire(userlib::lookup("echo").map_or(0, |t| t.0)),
        },
        Request::KillTask {
            name: "echo".into(),
            task: ipc::TaskIdWire(userlib::lookup("echo").map_or(0, |t| t.0)),
        },
    ] {
        let what = alloc::format!("{request:?}");
        match userlib::rpc::call::<Supervisor>(sup, &request) {
            Ok(Reply::Err(SupervisorError::PermissionDenied)) => {
                userlib::log!("rules: unentitled {what}: PermissionDenied as required")
            }
            other => {
                userlib::log!("rules: FAIL unentitled {what} answered {other:?}");
                ok = false;
            }
        }
    }
    match userlib::rpc::call::<Supervisor>(sup, &Request::Status) {
        Ok(Reply::Status(s)) => userlib::log!("rules: Status still open: {} services", s.len()),
        other => {
            userlib::log!("rules: FAIL Status answered {other:?}");
            ok = false;
        }
    }
    ok
}

/// Owns as many grants as a task may, holds them a while, and exits.
fn flood() -> bool {
    const FLOOD_PAGE: u64 = 0x0000_5200_0000_0000;
    let Ok(peer) = userlib::lookup("echo") else {
        userlib::log!("rules: FAIL no echo task to grant to");
        return false;
    };
    if let Err(e) = sys::map_anon(FLOOD_PAGE, PAGE, true) {
        userlib::log!("rules: FAIL flood page: {e}");
        return false;
    }
    let mut held = 0;
    let refused = loop {
        match sys::grant_create(peer, FLOOD_PAGE, PAGE, false) {
            Ok(_) => held += 1,
            Err(e) => break e,
        }
        if held > 64 {
            userlib::log!("rules: FAIL flood: more than 64 grants accepted");
            return false;
        }
    };
    let ok = held == 32 && refused == Error::Sys(SyscallError::OutOfMemory);
    userlib::log!(
        "rules: {}flood held {held} grants; the next refused with {refused}",
        if ok { "" } else { "FAIL " }
    );
    // Hold them while the other flooders take theirs.
    userlib::sleep_ms(1500);
    ok
}

fn main(args: &str) -> i64 {
    if demo::arg(args, "flood") == Some("1") {
        return i64::from(!flood());
    }
    if demo::arg(args, "meddle") == Some("1") {
        let ok = meddle();
        if ok {
            userlib::log!("rules: meddler refused");
        }
        return i64::from(!ok);
    }
    if let Some(names) = demo::arg(args, "after") {
        demo::wait_exited(names);
    }
    let ok = top_page() & refused_unmap_keeps_grants() & bounded_work();
    log_flood();
    if ok {
        userlib::log!("rules: PASS");
    }
    if demo::arg(args, "shutdown") == Some("1") {
        demo::shutdown();
    }
    i64::from(!ok)
}
