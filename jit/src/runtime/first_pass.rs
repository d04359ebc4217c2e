//! The first pass of exception dispatch (ECMA-335 I.12.4.2.5): find the
//! clause that takes an exception, running filters, before any `finally`
//! or `fault` runs. The second pass is compiled code's dispatch blocks
//! (`compiler/eh.rs`): before running a finally/fault, and to read a
//! filter's verdict, a dispatch block calls [`rt_first_pass`] with its frame
//! pointer. The first call for an exception walks the frames from there
//! outwards (Cranelift keeps frame pointers: `[fp]` is the caller's frame
//! pointer, `[fp + 8]` the return address into it), testing each frame's
//! clauses that cover its call site in table order: a catch by type, a
//! filter by calling its funclet (`compiler/funclet.rs`) with that frame's
//! pointer. It records the clause found (or that none was, up to where
//! the walk stopped); later calls for the same exception read the record.
//!
//! The walk stops at a return address outside compiled code (the protected
//! call, a Rust helper that called managed code) or inside a filter
//! funclet: an exception does not leave a filter (it means "no"). A frame
//! beyond such a boundary asks again when the exception reaches it.

use alloc::vec::Vec;

use super::{Escape, Runtime, current};
use crate::compiler::eh_table::{self, ClauseKind};
use crate::types::MethodId;

/// What the first pass found for one exception.
#[derive(Clone, Copy, Debug)]
pub(super) struct Record {
    exc: usize,
    /// The frame pointer and clause index that take it, if one does.
    chosen: Option<(usize, usize)>,
    /// The outermost frame the walk examined: frames beyond it (higher
    /// addresses) have not been asked.
    end_fp: usize,
}

impl Record {
    /// The exception being dispatched (a root for the collector).
    pub(super) fn exc(&self) -> usize {
        self.exc
    }

    /// The exception's slot (a moving collection updates it).
    pub(super) fn exc_mut(&mut self) -> &mut usize {
        &mut self.exc
    }
}

/// `(exc, fp, method, clause) -> i32`: whether clause `clause` of method
/// `method`, whose frame is at `fp`, takes `exc`; runs the first pass from
/// that clause outwards unless a record for `exc` covers this frame.
/// Reached through `cordon_rt_first_pass`: filters run inside it, so the
/// caller's frame is a segment of the collector's walk meanwhile.
pub(super) extern "C" fn rt_first_pass(exc: usize, fp: usize, method: u32, clause: u32) -> u32 {
    let at = super::gc::Frame::entry();
    let rt = current();
    rt.stress_safepoint(at);
    rt.gc.segments.push(at);
    let r = first_pass(rt, exc, fp, method, clause);
    rt.gc.segments.pop();
    r
}

fn first_pass(rt: &mut Runtime, exc: usize, fp: usize, method: u32, clause: u32) -> u32 {
    let (fp, k) = (fp, clause as usize);
    let record = match rt.first_pass.iter().find(|r| r.exc == exc) {
        Some(r) if fp <= r.end_fp => *r,
        _ => {
            let r = walk(rt, exc, fp, MethodId(method), k);
            rt.first_pass.retain(|x| x.exc != exc);
            rt.first_pass.push(r);
            r
        }
    };
    let taken = record.chosen == Some((fp, k));
    if taken {
        // The second pass reached the clause: the exception is caught.
        rt.first_pass.retain(|x| x.exc != exc);
    }
    u32::from(taken)
}

/// `(exc)`: a catch handler took `exc`.
pub(super) extern "C" fn rt_caught(exc: usize) {
    current().forget_first_pass(exc);
}

impl Runtime {
    /// Drop the first-pass record of `exc` (it was caught, or is thrown
    /// afresh).
    pub(super) fn forget_first_pass(&mut self, exc: usize) {
        if !self.first_pass.is_empty() {
            self.first_pass.retain(|r| r.exc != exc);
        }
    }

    /// The filter funclet of `m`'s clause `k`, compiled on first use.
    fn filter_funclet(&mut self, m: MethodId, k: usize) -> Result<usize, Escape> {
        if let Some(&code) = self.funclets.get(&(m, k)) {
            return Ok(code);
        }
        let frame = self
            .filter_frames
            .get(&m)
            .cloned()
            .ok_or(Escape::Unsupported(crate::compiler::CompileError::runtime(
                m,
                crate::compiler::ErrorKind::BadHandler,
            )))?;
        let code = self
            .compile_funclet(m, k, frame)
            .map_err(Escape::Unsupported)?;
        self.funclets.insert((m, k), code);
        Ok(code)
    }
}

/// Walk the frames from `fp` (method `m`, starting at its clause `k`).
fn walk(rt: &mut Runtime, exc: usize, fp: usize, m: MethodId, k: usize) -> Record {
    let mut record = Record {
        exc,
        chosen: None,
        end_fp: fp,
    };
    let mut frame = (fp, m);
    let mut list = {
        let mut l = Vec::from([k]);
        if let Some(t) = rt.eh_tables.get(&m) {
            l.extend(eh_table::after(t, k));
        }
        l
    };
    loop {
        let (fp, m) = frame;
        record.end_fp = fp;
        for &j in &list {
            if takes(rt, exc, fp, m, j) {
                record.chosen = Some((fp, j));
                return record;
            }
        }
        // The caller's frame and the IL offset of its call.
        if fp == 0 || fp % 8 != 0 {
            return record;
        }
        // SAFETY: `fp` is the frame pointer of a live compiled frame (the
        // dispatching method, or a caller found through the chain below):
        // its first two words are the saved frame pointer and the return
        // address (`preserve_frame_pointers`).
        let (next_fp, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if next_fp <= fp {
            return record;
        }
        let Some(loc) = rt.method_at(ret.wrapping_sub(1)) else {
            return record; // not compiled code: a boundary
        };
        let Some(off) = loc.il_offset else {
            return record;
        };
        let Some(table) = rt.eh_tables.get(&loc.method) else {
            // No clauses in this frame: go on to its caller.
            frame = (next_fp, loc.method);
            list = Vec::new();
            continue;
        };
        if eh_table::in_filter(table, off).is_some() {
            return record; // a filter funclet's frame: exceptions end there
        }
        list = eh_table::covering(table, off);
        frame = (next_fp, loc.method);
    }
}

/// Whether clause `j` of `m` (frame `fp`) takes `exc`: the catch type
/// matches, or the filter says yes.
fn takes(rt: &mut Runtime, exc: usize, fp: usize, m: MethodId, j: usize) -> bool {
    let Some(c) = rt.eh_tables.get(&m).and_then(|t| t.get(j)).copied() else {
        return false;
    };
    match c.kind {
        ClauseKind::Catch(t) => super::helpers::instance_of(rt, exc, t),
        ClauseKind::Filter(_) => {
            let code = match rt.filter_funclet(m, j) {
                Ok(code) => code,
                Err(e) => Runtime::escape(rt, e),
            };
            // The filter runs like a handler: with no exception in flight.
            // One escaping it is forgotten and the filter says no.
            let outer = rt.in_flight();
            rt.set_in_flight(0);
            // SAFETY: `code` is a compiled filter funclet of `m`
            // (`extern "C" fn(exception, frame pointer) -> i32`) and `fp` is
            // the live frame of `m` it reads its variables from.
            let f: extern "C" fn(usize, usize) -> u32 = unsafe { core::mem::transmute(code) };
            // The first pass holds `exc` (and its callers their copies) in
            // Rust locals across the filter: nothing may move meanwhile.
            rt.gc.no_move += 1;
            let verdict = f(exc, fp);
            rt.gc.no_move -= 1;
            let escaped = rt.in_flight();
            rt.set_in_flight(outer);
            if escaped != 0 {
                rt.forget_first_pass(escaped);
                return false;
            }
            verdict != 0
        }
        ClauseKind::Finally | ClauseKind::Fault => false,
    }
}
