//! A misbehaving block backend for the block service's tests: an
//! `ipc::blkdev` server that passes every request through to a real one
//! (`device=NAME`, default the native `virtio-blk`), so what it acknowledged
//! is on a real disk the harness checks — and that, in its first
//! generation(s), fails on purpose:
//!
//! - `hang-after=N`: on the N-th `Submit` it stops answering anything (a
//!   hung driver: the block service's watchdog must restart it);
//! - `crash-after=N`: on the N-th `Submit` it faults, with the batch in
//!   flight (a crashing driver);
//! - `crash-at-start=1`: it faults before serving anything (a crash loop);
//! - `gens=K`: the failures above happen in generations below K only
//!   (default 1), so the restarted backend works.
//!
//! Data moves through a window of its own: a write's bytes are copied from
//! the client's window into it before the inner `Submit`, a read's bytes
//! back afterwards (a window borrowed through a grant cannot be granted
//! on).

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ipc::blkdev::{self, BlkDev, BlkDevError, Op, Reply, Request, Status};
use userlib::TaskId;
use userlib::rpc::{self, Event};

userlib::entry!(main);

/// This program's own window, granted to the inner backend.
const OWN_AT: u64 = 0x0000_3000_0000_0000;
const OWN_LEN: u64 = blkdev::MAX_BATCH as u64 * 64 * 1024;
/// The client's window, mapped from its grant.
const CLIENT_AT: u64 = 0x0000_3100_0000_0000;

struct Proxy {
    inner: TaskId,
    info: blkdev::DeviceInfo,
    client: Option<(TaskId, u64)>,
    submits: u64,
    hang_after: Option<u64>,
    crash_after: Option<u64>,
}

fn region(at: u64, len: u64) -> &'static mut [u8] {
    // SAFETY: callers pass ranges inside OWN_AT..+OWN_LEN (mapped at start,
    // never unmapped) or inside the client's window as mapped by `Attach`
    // (checked against its mapped length by `validate`); this program is
    // single-threaded and holds no other reference to them.
    unsafe { core::slice::from_raw_parts_mut(at as *mut u8, len as usize) }
}

fn crash(why: &str) -> ! {
    userlib::log!("fakedisk: crashing on purpose ({why})");
    // SAFETY: deliberately reads an unmapped address: the fault ends this
    // task, which is the point (the kernel reports it, the supervisor
    // restarts or holds it).
    unsafe { core::ptr::read_volatile(0x300 as *const u8) };
    userlib::exit(99)
}

fn connect(name: &str) -> Result<(TaskId, blkdev::DeviceInfo), alloc::string::String> {
    let inner = loop {
        match userlib::lookup(name) {
            Ok(t) => break t,
            Err(_) => userlib::sleep_ms(10),
        }
    };
    let info = loop {
        match rpc::call::<BlkDev>(inner, &Request::Info) {
            Ok(Reply::Info(i)) => break i,
            Ok(Reply::Err(BlkDevError::NotReady)) => userlib::sleep_ms(20),
            other => return Err(alloc::format!("Info from {name}: {other:?}")),
        }
    };
    let g = userlib::grant_create(inner, OWN_AT, OWN_LEN, true)
        .map_err(|e| alloc::format!("GrantCreate: {e}"))?;
    match rpc::call::<BlkDev>(inner, &Request::Attach { grant: g }) {
        Ok(Reply::Attached { len }) if len >= OWN_LEN => Ok((inner, info)),
        other => Err(alloc::format!("Attach to {name}: {other:?}")),
    }
}

impl Proxy {
    fn request(&mut self, from: TaskId, req: Request) -> Reply {
        match req {
            Request::Info => Reply::Info(self.info),
            Request::Attach { grant } => {
                if let Some((_, len)) = self.client.take() {
                    let _ = userlib::unmap(CLIENT_AT, len);
                }
                match userlib::grant_map(grant, CLIENT_AT) {
                    Ok(len) => {
                        self.client = Some((from, len));
                        Reply::Attached { len }
                    }
                    Err(userlib::sys::Error::Sys(e)) => Reply::Err(BlkDevError::Grant(e.code())),
                    Err(_) => Reply::Err(BlkDevError::Grant(u32::MAX)),
                }
            }
            Request::Detach => {
                if let Some((_, len)) = self.client.take() {
                    let _ = userlib::unmap(CLIENT_AT, len);
                }
                Reply::Ok
            }
            Request::Submit(ops) => self.submit(from, ops),
        }
    }

    fn submit(&mut self, from: TaskId, ops: Vec<Op>) -> Reply {
        if ops.len() > blkdev::MAX_BATCH {
            return Reply::Err(BlkDevError::TooMany {
                max: blkdev::MAX_BATCH as u32,
            });
        }
        self.submits += 1;
        if self.hang_after == Some(self.submits) {
            userlib::log!(
                "fakedisk: hanging on purpose with a batch of {} in flight",
                ops.len()
            );
            loop {
                userlib::sleep_ms(60_000);
            }
        }
        if self.crash_after == Some(self.submits) {
            crash("with a batch in flight");
        }
        let window = self
            .client
            .filter(|(c, _)| *c == from)
            .map(|(_, len)| len.min(OWN_LEN));
        // Each op checked as the backend would; good ones go through.
        let checks: Vec<Result<(), BlkDevError>> = ops
            .iter()
            .map(|op| blkdev::validate(op, &self.info, window))
            .collect();
        let good: Vec<Op> = ops
            .iter()
            .zip(&checks)
            .filter(|(_, c)| c.is_ok())
            .map(|(o, _)| *o)
            .collect();
        for op in &good {
            if let Op::Write { len, offset, .. } = *op {
                region(OWN_AT + offset, u64::from(len))
                    .copy_from_slice(region(CLIENT_AT + offset, u64::from(len)));
            }
        }
        let mut inner = match rpc::call::<BlkDev>(self.inner, &Request::Submit(good.clone())) {
            Ok(Reply::Done(s)) if s.len() == good.len() => s.into_iter(),
            other => {
                userlib::log!("fakedisk: the inner backend answered {other:?}");
                return Reply::Err(BlkDevError::NotReady);
            }
        };
        let mut out = Vec::with_capacity(ops.len());
        for (op, check) in ops.iter().zip(checks) {
            let status = match check {
                Err(e) => Status::Err(e),
                Ok(()) => inner.next().unwrap_or(Status::Err(BlkDevError::NotReady)),
            };
            if let (Status::Ok, Op::Read { len, offset, .. }) = (status, *op) {
                region(CLIENT_AT + offset, u64::from(len))
                    .copy_from_slice(region(OWN_AT + offset, u64::from(len)));
            }
            out.push(status);
        }
        Reply::Done(out)
    }
}

fn main(args: &str) -> i64 {
    let me = userlib::task_self();
    let faulty = u64::from(me.generation()) < demo::arg_u64(args, "gens", 1);
    let knob = |k: &str| {
        demo::arg(args, k)
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|_| faulty)
    };
    if faulty && demo::arg(args, "crash-at-start") == Some("1") {
        crash("at start");
    }
    if let Err(e) = userlib::map_anon(OWN_AT, OWN_LEN, true) {
        userlib::log!("fakedisk: cannot map its window: {e}");
        return 3;
    }
    let name = demo::arg(args, "device").unwrap_or("virtio-blk");
    let (inner, info) = match connect(name) {
        Ok(c) => c,
        Err(e) => {
            userlib::log!("fakedisk: {e}");
            return 2;
        }
    };
    let mut p = Proxy {
        inner,
        info,
        client: None,
        submits: 0,
        hang_after: knob("hang-after"),
        crash_after: knob("crash-after"),
    };
    userlib::log!(
        "fakedisk: serving {} blocks through {name}{}{}",
        info.blocks,
        p.hang_after
            .map_or(alloc::string::String::new(), |n| alloc::format!(
                ", hanging at submit {n}"
            )),
        p.crash_after
            .map_or(alloc::string::String::new(), |n| alloc::format!(
                ", crashing at submit {n}"
            )),
    );
    let mut server = rpc::Server::new();
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    loop {
        match server.next::<BlkDev>(&mut buf, None) {
            Ok(Event::Request { from, request }) => {
                let reply = p.request(from, request);
                let _ = server.reply(from, &reply);
            }
            Ok(Event::Notification(_)) => {}
            Err(e) => {
                userlib::log!("fakedisk: recv failed: {e}");
                userlib::sleep_ms(10);
            }
        }
    }
}
