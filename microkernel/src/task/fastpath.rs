//! The IPC fast path: `Call` to a server waiting in `recv`, and a server's
//! `ReplyRecv` to a caller waiting for its reply with nothing else queued,
//! handled at trap entry in one pass under one lock, with a direct switch
//! to the partner — no scheduler pass, no generic syscall decoding.
//!
//! It covers every message size (up to 4 KiB): the copy is one pass
//! between the two tasks' frames either way (`ipc::Pieces`), so what the
//! fast path saves is the kernel's bookkeeping, not bytes. Anything unusual
//! — a bad pointer, a too-large message, a timeout, a pending notification
//! or queued sender, a partner that is not waiting — returns `None` before
//! any state changed, and the general path (`ipc::call`, `ipc::reply_recv`)
//! handles it with its full semantics and errors.

use super::ipc::{Pieces, copy_pieces};
use super::{State, TABLE, Table, UserBuf, sched};
use crate::arch::trap::TrapFrame;
use ddk_abi::syscall::{FOREVER, MESSAGE_MAX, RECV_MESSAGE, USER_CANONICAL_END};
use ddk_abi::{Syscall, TaskId};

const CALL: u64 = Syscall::Call as u64;
const REPLY_RECV: u64 = Syscall::ReplyRecv as u64;

/// Handles the syscall in `frame` (the current task's, just saved by the
/// stub) if it can take the fast path; returns the frame to resume.
#[inline(always)]
pub fn try_syscall(frame: *mut TrapFrame) -> Option<*mut TrapFrame> {
    // SAFETY: the syscall stub built this frame on the current task's kernel
    // stack; nothing else refers to it during this trap.
    let f = unsafe { &*frame };
    if (f.rax != CALL && f.rax != REPLY_RECV) || f.rip >= USER_CANONICAL_END {
        return None;
    }
    let mut t = TABLE.lock();
    let cur = t.current?;
    if f.rax == CALL {
        call(&mut t, cur, f, frame)
    } else {
        reply_recv(&mut t, cur, f, frame)
    }
}

/// `Call(to, msg, len, reply, cap)` when `to` waits in `recv`.
#[inline(never)]
fn call(t: &mut Table, ci: usize, f: &TrapFrame, frame: *mut TrapFrame) -> Option<*mut TrapFrame> {
    let to = TaskId(u32::try_from(f.rdi).ok()?);
    let msg = UserBuf {
        addr: f.rsi,
        len: f.rdx,
    };
    let reply = UserBuf {
        addr: f.r10,
        len: f.r8.min(MESSAGE_MAX as u64),
    };
    if msg.len > MESSAGE_MAX as u64 {
        return None;
    }
    let ri = t.resolve(to).ok()?;
    if ri == ci {
        return None;
    }
    let (caller, receiver) = (t.get(ci)?, t.get(ri)?);
    // A receiver in `recv` has no queued senders (it would have taken the
    // oldest), so delivering now keeps callers in FIFO order. A server
    // holding a call this caller abandoned is refused by the general path.
    if !matches!(receiver.state, State::RecvBlocked { .. })
        || msg.len > receiver.recv_buf.len
        || caller.abandoned.contains(to)
    {
        return None;
    }
    // The reply buffer is checked now, as `call` always does; a message in
    // the same page needs no check of its own.
    let back = Pieces::of(&caller.space, reply.addr, reply.len, true).ok()?;
    let src = match back.within_first_page(reply.addr, msg.addr, msg.len) {
        Some(p) => p,
        None => Pieces::of(&caller.space, msg.addr, msg.len, false).ok()?,
    };
    let dst = Pieces::of(&receiver.space, receiver.recv_buf.addr, msg.len, true).ok()?;
    let (caller_id, receiver_id) = (caller.id, receiver.id);
    copy_pieces(&src, &dst, msg.len as usize);
    if let Some(c) = t.get_mut(ci) {
        c.frame = frame;
        c.call_msg = msg;
        c.reply_buf = reply;
        c.state = State::ReplyBlocked {
            from: receiver_id,
            deadline: None,
        };
    }
    if let Some(r) = t.get_mut(ri) {
        r.state = State::Runnable;
        r.set_result(0, [RECV_MESSAGE, u64::from(caller_id.0), msg.len]);
    }
    Some(sched::switch(t, Some(ri)))
}

/// `ReplyRecv(to, msg, len, buf, cap, FOREVER)` when `to` waits for this
/// server's reply and nothing waits for the server: the reply is copied,
/// the server blocks in `recv`, and the caller runs.
#[inline(never)]
fn reply_recv(
    t: &mut Table,
    si: usize,
    f: &TrapFrame,
    frame: *mut TrapFrame,
) -> Option<*mut TrapFrame> {
    if f.r9 != FOREVER {
        return None;
    }
    let to = TaskId(u32::try_from(f.rdi).ok()?);
    let msg = UserBuf {
        addr: f.rsi,
        len: f.rdx,
    };
    let buf = UserBuf {
        addr: f.r10,
        len: f.r8.min(MESSAGE_MAX as u64),
    };
    let ci = t.resolve(to).ok()?;
    let (server, caller) = (t.get(si)?, t.get(ci)?);
    // A caller that gave up on this server (`CallTimeout`) is not waiting:
    // the general path discards the late reply.
    if !caller.waits_for_reply_from(server.id)
        || msg.len > caller.reply_buf.len
        || server.notify != 0
    {
        return None;
    }
    // FIFO: a queued caller is served first (by the general path). The scan
    // runs only if a caller ever queued since the last scan found none.
    if server.maybe_senders {
        let me = server.id;
        let queued = t.used_slots().iter().any(|s| {
            s.task
                .as_ref()
                .is_some_and(|task| matches!(task.state, State::SendBlocked { to, .. } if to == me))
        });
        if queued {
            return None;
        }
        if let Some(s) = t.get_mut(si) {
            s.maybe_senders = false;
        }
    }
    let (server, caller) = (t.get(si)?, t.get(ci)?);
    let src = Pieces::of(&server.space, msg.addr, msg.len, false).ok()?;
    let dst = Pieces::of(&caller.space, caller.reply_buf.addr, msg.len, true).ok()?;
    // The receive buffer is checked now, as `recv` always does.
    Pieces::of(&server.space, buf.addr, buf.len, true).ok()?;
    copy_pieces(&src, &dst, msg.len as usize);
    if let Some(c) = t.get_mut(ci) {
        c.state = State::Runnable;
        c.set_result(0, [msg.len, 0, 0]);
    }
    if let Some(s) = t.get_mut(si) {
        s.frame = frame;
        s.recv_buf = buf;
        s.state = State::RecvBlocked { deadline: None };
    }
    Some(sched::switch(t, Some(ci)))
}
