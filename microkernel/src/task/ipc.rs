//! Synchronous IPC: `call` (send and wait for the reply; `CallTimeout`
//! with a deadline), `recv`, `reply`, `reply_recv` (a server's answer and
//! its next receive in one entry), and notifications.
//!
//! Messages (≤ 4 KiB) are copied once, by the kernel, from the sender's
//! frames to the receiver's through the physical window, after every page
//! of both ranges was checked (each walked once). Nothing is ever
//! truncated: a message larger than the receiver's buffer fails the call
//! with `MessageTooLarge`, a reply larger than the caller's buffer fails
//! both sides with `ReplyTooLarge`. The common cases — a call to a server
//! waiting in `recv`, a reply to a caller while the server goes back to
//! `recv` — take [`super::fastpath`] instead, with the same semantics.

use super::{State, TABLE, Table, Task, UserBuf};
use crate::logic::abandon::ReplyAction;
use crate::logic::shortcopy::{SHORT, copy_short};
use crate::mem::phys::{PHYS_OFFSET, phys_to_virt};
use crate::mem::space::AddressSpace;
use ddk_abi::syscall::{
    MESSAGE_MAX, RECV_MESSAGE, RECV_NOTIFICATION, REPLY_FAILED, USER_MAX, USER_MIN,
};
use ddk_abi::{SyscallError, TaskId};
use x86_64::PhysAddr;

/// A copy that failed, and whose buffer was at fault: buffers are validated
/// when a call, receive or reply starts, but a grant can be revoked (or a
/// page unmapped) while the task waits, and the party whose buffer went bad
/// must be told rather than left waiting.
#[derive(Clone, Copy, Debug)]
pub(super) enum CopyFault {
    Source(SyscallError),
    Dest(SyscallError),
}

/// A user range of at most one message as physical pieces: 4 KiB can
/// straddle one page boundary, so two pieces at most; `len[1]` is 0 when
/// the range lies in one page.
pub(super) struct Pieces {
    pa: [u64; 2],
    len: [usize; 2],
}

impl Pieces {
    /// Checks every page of `[addr, addr+len)` (`len ≤ MESSAGE_MAX`) in
    /// `space` — present, user, not a device, writable if `write` — walking
    /// each once, and keeps the frames for the copy.
    #[inline(always)]
    pub(super) fn of(
        space: &AddressSpace,
        addr: u64,
        len: u64,
        write: bool,
    ) -> Result<Self, SyscallError> {
        let mut p = Pieces {
            pa: [0; 2],
            len: [0; 2],
        };
        if len == 0 {
            return Ok(p);
        }
        if len > MESSAGE_MAX as u64 {
            return Err(SyscallError::MessageTooLarge);
        }
        // `addr` in [USER_MIN, USER_MAX) with one compare (a smaller `addr`
        // wraps to a huge value); then the end, without overflow.
        if addr.wrapping_sub(USER_MIN) >= USER_MAX - USER_MIN || len > USER_MAX - addr {
            return Err(SyscallError::BadPointer);
        }
        p.pa[0] = space.user_page_in_range(addr, write)?.as_u64();
        let off = addr & 4095;
        if off + len <= 4096 {
            p.len[0] = len as usize;
            return Ok(p);
        }
        let first = 4096 - off;
        p.len[0] = first as usize;
        p.pa[1] = space.user_page_in_range(addr + first, write)?.as_u64();
        p.len[1] = (len - first) as usize;
        Ok(p)
    }
}

impl Pieces {
    /// `[addr, addr+len)` as pieces if it lies inside the first page of a
    /// range `self` already checked as writable at `checked` (so it is
    /// readable too): a caller's message next to its reply buffer costs no
    /// second check.
    #[inline(always)]
    pub(super) fn within_first_page(&self, checked: u64, addr: u64, len: u64) -> Option<Pieces> {
        let same = self.len[0] > 0 && (checked ^ addr) < 4096 && (addr & 4095) + len <= 4096;
        same.then(|| Pieces {
            pa: [(self.pa[0] & !4095) + (addr & 4095), 0],
            len: [len as usize, 0],
        })
    }
}

/// Copies `len` bytes from `src`'s frames to `dst`'s (both cover `len`).
#[inline(always)]
pub(super) fn copy_pieces(src: &Pieces, dst: &Pieces, len: usize) {
    let [s0, _] = src.len;
    let [d0, _] = dst.len;
    let [sa, sb] = src.pa;
    let [da, db] = dst.pa;
    if len <= SHORT && s0 >= len && d0 >= len {
        let sp = PHYS_OFFSET + sa;
        let dp = PHYS_OFFSET + da;
        // A short message in one page each side, not overlapping (it could
        // through a grant): copied inline without memmove's call.
        if sp + len as u64 <= dp || dp + len as u64 <= sp {
            // SAFETY: both ranges lie in checked user frames (see below),
            // reached through the window, and do not overlap.
            let (from, to) = unsafe {
                (
                    core::slice::from_raw_parts(sp as *const u8, len),
                    core::slice::from_raw_parts_mut(dp as *mut u8, len),
                )
            };
            copy_short(from, to);
            return;
        }
    }
    // At most three runs: up to the first page end of either side, then
    // to the other's, then the rest (each side has at most two pieces).
    let cut1 = s0.min(d0).min(len);
    let cut2 = s0.max(d0).min(len);
    let at = |pa0: u64, l0: usize, pa1: u64, off: usize| -> u64 {
        if off < l0 {
            pa0 + off as u64
        } else {
            pa1 + (off - l0) as u64
        }
    };
    for (from, to) in [(0, cut1), (cut1, cut2), (cut2, len)] {
        if to > from {
            let sp = phys_to_virt(PhysAddr::new_truncate(at(sa, s0, sb, from)));
            let dp = phys_to_virt(PhysAddr::new_truncate(at(da, d0, db, from)));
            // SAFETY: both runs lie in checked user frames (present, user,
            // not device memory; a run never crosses a piece's end) reached
            // through the kernel's physical window; `copy` (memmove)
            // because one frame may be shared by both tasks via a grant.
            unsafe { core::ptr::copy(sp.as_ptr::<u8>(), dp.as_mut_ptr::<u8>(), to - from) };
        }
    }
}

/// Copies `len` bytes from `src`'s `from` to `dst`'s `to`: both ranges are
/// checked in full before a byte moves, then copied once.
fn copy(src: &Task, from: u64, dst: &Task, to: u64, len: usize) -> Result<(), CopyFault> {
    let s = Pieces::of(&src.space, from, len as u64, false).map_err(CopyFault::Source)?;
    let d = Pieces::of(&dst.space, to, len as u64, true).map_err(CopyFault::Dest)?;
    copy_pieces(&s, &d, len);
    Ok(())
}

/// Copies `len` bytes (any length; callers bound it) from `from` in `src`
/// to `to` in `dst`, message-sized piece by piece: every piece of both
/// ranges is checked before a byte moves (all or nothing), then each is
/// checked again as it is copied — nothing can change in between, since
/// the kernel runs with interrupts off and the table locked, so the second
/// walk finds the same frames. `GrantRead`/`GrantWrite` use it.
pub(super) fn copy_spaces(
    src: &AddressSpace,
    from: u64,
    dst: &AddressSpace,
    to: u64,
    len: u64,
) -> Result<(), CopyFault> {
    let step = MESSAGE_MAX as u64;
    // Pieces are checked in order, and each one checked ends at or below
    // `USER_MAX`, so the next one's start cannot have wrapped (a first
    // piece outside user space is refused before any other is formed).
    let pieces = |at: u64| {
        let n = (len - at).min(step);
        let s = Pieces::of(src, from.wrapping_add(at), n, false).map_err(CopyFault::Source)?;
        let d = Pieces::of(dst, to.wrapping_add(at), n, true).map_err(CopyFault::Dest)?;
        Ok((s, d, n as usize))
    };
    let mut at = 0;
    while at < len {
        pieces(at)?;
        at += step;
    }
    let mut at = 0;
    while at < len {
        let (s, d, n) = pieces(at)?;
        copy_pieces(&s, &d, n);
        at += step;
    }
    Ok(())
}

/// Ends receiver `ri`'s `recv` with `e` (its buffer went bad).
fn fail_receiver(t: &mut Table, ri: usize, e: SyscallError) {
    if let Some(r) = t.get_mut(ri) {
        r.state = State::Runnable;
        r.set_error(e, 0);
    }
}

/// Hands the message of caller `ci` to receiver `ri` (which is in `recv`).
/// On success the caller waits for the reply and the receiver is runnable.
fn deliver(t: &mut Table, ci: usize, ri: usize) -> Result<(), CopyFault> {
    let (caller, receiver) = match (t.get(ci), t.get(ri)) {
        (Some(c), Some(r)) => (c, r),
        _ => return Err(CopyFault::Source(SyscallError::NoSuchTask)),
    };
    let msg = caller.call_msg;
    let rbuf = receiver.recv_buf;
    if msg.len > rbuf.len {
        return Err(CopyFault::Source(SyscallError::MessageTooLarge));
    }
    copy(caller, msg.addr, receiver, rbuf.addr, msg.len as usize)?;
    let caller_id = caller.id;
    let receiver_id = receiver.id;
    // A `CallTimeout`'s deadline covers the wait for the reply too.
    let deadline = match caller.state {
        State::SendBlocked { deadline, .. } => deadline,
        _ => None,
    };
    if let Some(r) = t.get_mut(ri) {
        r.state = State::Runnable;
        r.set_result(0, [RECV_MESSAGE, u64::from(caller_id.0), msg.len]);
    }
    if let Some(c) = t.get_mut(ci) {
        c.state = State::ReplyBlocked {
            from: receiver_id,
            deadline,
        };
    }
    Ok(())
}

/// How long a call may wait for its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// `Call`: until the reply (or the server's death).
    Forever,
    /// `CallTimeout`: until the reply or this uptime (µs), whichever first;
    /// a deadline already passed means "only if the server is in `recv`".
    Until(u64),
}

/// `call(to, msg, reply_buf)` from task `ci`, and `CallTimeout` (`wait`).
pub fn call(ci: usize, to: TaskId, msg: UserBuf, reply: UserBuf, wait: Wait) {
    let mut t = TABLE.lock();
    let t = &mut *t;
    let deadline = match wait {
        Wait::Forever => None,
        Wait::Until(d) => Some(d),
    };
    let result = (|| {
        if msg.len > MESSAGE_MAX as u64 {
            return Err((SyscallError::MessageTooLarge, 0));
        }
        let ri = t.resolve(to)?;
        if ri == ci {
            return Err((SyscallError::CallToSelf, 0));
        }
        let caller = t.get(ci).ok_or((SyscallError::NoSuchTask, 0))?;
        // A server still holding a call this task abandoned may answer it
        // late: no new call to it may be waiting then (`logic::abandon`).
        caller
            .abandoned
            .admit(to, deadline.is_some())
            .map_err(|_| (SyscallError::Busy, 0))?;
        // Both buffers are checked now, so a bad pointer fails the call here
        // rather than half-way through a rendezvous.
        caller
            .space
            .user_pages(msg.addr, msg.len, false, |_, _| {})
            .map_err(|e| (e, 0))?;
        caller
            .space
            .user_pages(
                reply.addr,
                reply.len.min(MESSAGE_MAX as u64),
                true,
                |_, _| {},
            )
            .map_err(|e| (e, 0))?;
        Ok(ri)
    })();
    let ri = match result {
        Ok(ri) => ri,
        Err((e, v)) => {
            if let Some(c) = t.get_mut(ci) {
                c.set_error(e, v);
            }
            return;
        }
    };
    t.send_seq += 1;
    let seq = t.send_seq;
    if let Some(c) = t.get_mut(ci) {
        c.call_msg = msg;
        c.reply_buf = UserBuf {
            addr: reply.addr,
            len: reply.len.min(MESSAGE_MAX as u64),
        };
        c.state = State::SendBlocked { to, seq, deadline };
    }
    // The only place a task starts waiting to send: the receiver learns it
    // may have callers queued (see `Task::maybe_senders`).
    if let Some(r) = t.get_mut(ri) {
        r.maybe_senders = true;
    }
    let receiving = t
        .get(ri)
        .is_some_and(|r| matches!(r.state, State::RecvBlocked { .. }));
    if receiving {
        match deliver(t, ci, ri) {
            Ok(()) => {}
            Err(CopyFault::Source(e)) => {
                if let Some(c) = t.get_mut(ci) {
                    c.state = State::Runnable;
                    c.set_error(e, 0);
                }
            }
            // The receiver's buffer went bad while it waited: its `recv`
            // fails; this call stays queued for its next `recv`.
            Err(CopyFault::Dest(e)) => fail_receiver(t, ri, e),
        }
    }
    // A deadline already passed (`CallTimeout` with 0 ms) does not queue.
    if let Some(c) = t.get_mut(ci)
        && let State::SendBlocked {
            deadline: Some(d), ..
        } = c.state
        && d <= crate::time::uptime_us()
    {
        c.state = State::Runnable;
        c.set_error(SyscallError::Timeout, 0);
    }
}

/// `recv(buf, timeout)` for task `ri`.
pub fn recv(ri: usize, buf: UserBuf, timeout_us: Option<u64>) {
    let mut t = TABLE.lock();
    let t = &mut *t;
    let Some(me) = t.get_mut(ri) else { return };
    if let Err(e) = me
        .space
        .user_pages(buf.addr, buf.len.min(MESSAGE_MAX as u64), true, |_, _| {})
    {
        me.set_error(e, 0);
        return;
    }
    if me.notify != 0 {
        let bits = core::mem::take(&mut me.notify);
        me.set_result(0, [RECV_NOTIFICATION, bits, 0]);
        return;
    }
    me.recv_buf = UserBuf {
        addr: buf.addr,
        len: buf.len.min(MESSAGE_MAX as u64),
    };
    let my_id = me.id;
    // Deadlines are enforced at the timer tick; a `CallTimeout` whose
    // deadline passed since the last tick is past its promise ("a message
    // still queued at the deadline is never seen"), so it is failed here
    // rather than delivered and then abandoned.
    let now = crate::time::uptime_us();
    // The longest-waiting sender first.
    loop {
        let sender = t
            .used_slots()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.task.as_ref()?.state {
                State::SendBlocked { to, seq, deadline } if to == my_id => {
                    Some((seq, i, deadline.is_some_and(|d| d <= now)))
                }
                _ => None,
            })
            .min();
        let Some((_, si, expired)) = sender else {
            break;
        };
        if expired {
            if let Some(s) = t.get_mut(si) {
                s.state = State::Runnable;
                s.set_error(SyscallError::Timeout, 0);
            }
            continue;
        }
        if let Some(me) = t.get_mut(ri) {
            me.state = State::RecvBlocked { deadline: None };
        }
        match deliver(t, si, ri) {
            Ok(()) => return,
            Err(CopyFault::Source(e)) => {
                // That sender's message cannot be taken: fail its call, try the next.
                if let Some(s) = t.get_mut(si) {
                    s.state = State::Runnable;
                    s.set_error(e, 0);
                }
            }
            Err(CopyFault::Dest(e)) => {
                // Our own buffer (checked above, so not expected): fail this
                // `recv`; the sender stays queued.
                fail_receiver(t, ri, e);
                return;
            }
        }
    }
    let Some(me) = t.get_mut(ri) else { return };
    match timeout_us {
        Some(0) => {
            me.state = State::Runnable;
            me.set_error(SyscallError::Timeout, 0);
        }
        Some(us) => {
            me.state = State::RecvBlocked {
                deadline: Some(crate::time::uptime_us().saturating_add(us)),
            };
        }
        None => me.state = State::RecvBlocked { deadline: None },
    }
}

/// `reply(to, msg)` from task `si`.
pub fn reply(si: usize, to: TaskId, msg: UserBuf) {
    let mut t = TABLE.lock();
    let t = &mut *t;
    let result = (|| {
        if msg.len > MESSAGE_MAX as u64 {
            return Err((SyscallError::MessageTooLarge, 0));
        }
        let server = t.get(si).ok_or((SyscallError::NoSuchTask, 0))?;
        server
            .space
            .user_pages(msg.addr, msg.len, false, |_, _| {})
            .map_err(|e| (e, 0))?;
        let server_id = server.id;
        let ci = t.resolve(to)?;
        let caller = t.get_mut(ci).ok_or((SyscallError::NoSuchTask, 0))?;
        let waiting = caller.waits_for_reply_from(server_id);
        match caller.abandoned.on_reply(server_id, waiting) {
            ReplyAction::Deliver => {}
            // The answer to a call the caller gave up on: it must not reach
            // a later call, and the server need not know.
            ReplyAction::Discard => return Ok(()),
            ReplyAction::Refuse => return Err((SyscallError::NotWaitingForReply, 0)),
        }
        if msg.len > caller.reply_buf.len {
            if let Some(c) = t.get_mut(ci) {
                c.state = State::Runnable;
                c.set_error(SyscallError::ReplyTooLarge, 0);
            }
            return Err((SyscallError::ReplyTooLarge, 0));
        }
        let (server, caller) = match (t.get(si), t.get(ci)) {
            (Some(s), Some(c)) => (s, c),
            _ => return Err((SyscallError::NoSuchTask, 0)),
        };
        match copy(
            server,
            msg.addr,
            caller,
            caller.reply_buf.addr,
            msg.len as usize,
        ) {
            Ok(()) => {}
            Err(CopyFault::Source(e)) => return Err((e, 0)),
            Err(CopyFault::Dest(e)) => {
                // The caller's reply buffer went bad while it waited: wake it
                // with the error instead of leaving it blocked for good.
                fail_receiver(t, ci, e);
                return Err((e, 0));
            }
        }
        if let Some(c) = t.get_mut(ci) {
            c.state = State::Runnable;
            c.set_result(0, [msg.len, 0, 0]);
        }
        Ok(())
    })();
    if let Some(s) = t.get_mut(si) {
        match result {
            Ok(()) => s.set_result(0, [0; 3]),
            Err((e, v)) => s.set_error(e, v),
        }
    }
}

/// `reply_recv(to, msg, buf, timeout)` from server `si`: the reply, then —
/// only if it went out — a `recv`. A failed reply returns its error with
/// RSI = `REPLY_FAILED` and receives nothing, so no message is lost unseen.
pub fn reply_recv(si: usize, to: TaskId, msg: UserBuf, buf: UserBuf, timeout_us: Option<u64>) {
    reply(si, to, msg);
    let failed = {
        let mut t = TABLE.lock();
        match t.get_mut(si).map(Task::frame_mut) {
            Some(f) if f.rax != 0 => {
                f.rsi = REPLY_FAILED;
                true
            }
            Some(_) => false,
            None => true,
        }
    };
    if !failed {
        recv(si, buf, timeout_us);
    }
}

/// Raises notification `bits` on task `i`; a task blocked in `recv` gets
/// them at once.
pub fn notify_locked(t: &mut Table, i: usize, bits: u64) {
    let Some(task) = t.get_mut(i) else { return };
    task.notify |= bits;
    if matches!(task.state, State::RecvBlocked { .. }) {
        let pending = core::mem::take(&mut task.notify);
        task.state = State::Runnable;
        task.set_result(0, [RECV_NOTIFICATION, pending, 0]);
    }
}
