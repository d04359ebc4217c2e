//! The `echo` server (protocol `ipc::echo`). With `crash-after=N` it reads
//! address 0x300 while handling its Nth request — the seed document's
//! CR2=0x300 crash, here in a process of its own. With `crash-at-start=1` it
//! faults before serving anything (the crash-loop demo).

#![no_std]
#![no_main]

use ipc::echo::{Echo, EchoError, Reply, Request};
use userlib::rpc::{self, Event};

userlib::entry!(main);

/// Where this server maps a client's grant.
const GRANT_AT: u64 = 0x0000_2000_0000_0000;

fn crash() -> ! {
    let p = core::hint::black_box(0x300usize) as *const u64;
    // SAFETY: deliberately unsound: the demo exists to fault right here.
    let v = unsafe { p.read_volatile() };
    userlib::log!("read at 0x300 gave {v:#x} instead of faulting");
    userlib::exit(3)
}

/// With `probe-regrant=1`: after mapping a client's grant, try to grant
/// those borrowed pages back on; the kernel must refuse (a re-grant could
/// outlive the owner's frames).
fn probe_regrant(to: userlib::TaskId, mapped: u64) {
    match userlib::grant_create(to, GRANT_AT, mapped, false) {
        Err(userlib::sys::Error::Sys(userlib::SyscallError::BadPointer)) => {
            userlib::log!("re-grant of borrowed pages refused: BadPointer")
        }
        other => userlib::log!("SECURITY: re-grant of borrowed pages gave {other:?}"),
    }
}

fn sum_grant(grant: u32, len: u32, probe: Option<userlib::TaskId>) -> Reply {
    let mapped = match userlib::grant_map(grant, GRANT_AT) {
        Ok(n) => n,
        Err(userlib::sys::Error::Sys(e)) => return Reply::Err(EchoError::Grant(e.code())),
        Err(_) => return Reply::Err(EchoError::Grant(0)),
    };
    if let Some(to) = probe {
        probe_regrant(to, mapped);
    }
    let reply = if mapped < u64::from(len) {
        Reply::Err(EchoError::GrantTooSmall { mapped })
    } else {
        // SAFETY: the kernel mapped `mapped` bytes of the client's memory here,
        // writable; nothing else in this program refers to them.
        let bytes = unsafe { core::slice::from_raw_parts_mut(GRANT_AT as *mut u8, len as usize) };
        Reply::Sum(ipc::echo::sum_and_invert(bytes))
    };
    let _ = userlib::unmap(GRANT_AT, mapped);
    reply
}

fn main(args: &str) -> i64 {
    let crash_after = demo::arg_u64(args, "crash-after", 0);
    let probe = demo::arg_u64(args, "probe-regrant", 0) == 1;
    if demo::arg_u64(args, "crash-at-start", 0) == 1 {
        crash();
    }
    let mut served = 0u64;
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    // Each reply goes out with the next receive (`ReplyRecv`).
    let mut server = rpc::Server::new();
    loop {
        let (from, request) = match server.next::<Echo>(&mut buf, None) {
            Ok(Event::Request { from, request }) => (from, request),
            Ok(Event::Notification(_)) => continue,
            Err(e) => {
                userlib::log!("recv failed: {e}");
                continue;
            }
        };
        served += 1;
        if served == crash_after {
            userlib::log!("request {served}: reading address 0x300 on purpose");
            crash();
        }
        let reply = match request {
            Request::Ping { seq, payload } => Reply::Pong { seq, payload },
            Request::Add { a, b } => a
                .checked_add(b)
                .map_or(Reply::Err(EchoError::Overflow), Reply::Sum),
            Request::Crash => crash(),
            Request::SumGrant { grant, len } => sum_grant(grant, len, probe.then_some(from)),
        };
        if let Err(e) = server.reply(from, &reply) {
            userlib::log!(
                "reply to {}.{} failed: {e}",
                from.index(),
                from.generation()
            );
        }
    }
}
