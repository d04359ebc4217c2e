//! Exception handling without unwind tables (docs/jit.md, "Exception
//! handling").
//!
//! The runtime keeps one word, the *exception in flight*. A helper that
//! raises (and the `throw` helper) sets it and returns normally; compiled
//! code tests it after every call that may throw and, when it is set,
//! branches to a **dispatch block** chosen by the IL offset of the call.
//! A dispatch block tests the EH clauses covering that offset in table
//! order (innermost first, ECMA-335 II.19): a matching `catch` clears the
//! word and jumps to the handler with the exception on the stack; a filter
//! runs inline and, at `endfilter`, either enters its handler or goes on
//! with the clauses that enclose its `try`; a `finally`/`fault` runs inline
//! with its continuation set to "unwind", and its `endfinally` goes on the
//! same way. When no clause is left the dispatch block sets the word again
//! and returns from the method, so the caller's own check continues the
//! search one frame up. Nothing is patched and no frame is unwound by the
//! runtime; each frame leaves through its own epilogue.
//!
//! Filters run first (ECMA-335 I.12.4.2.5's two passes): a filter is not
//! compiled into its method but into a separate *filter funclet*
//! (`FilterFunclet` mode of the translator) that reads the method's
//! arguments and locals in its frame. Before a dispatch block runs a
//! finally/fault or consults a filter, it asks the runtime's first pass
//! (`Helper::FirstPass`, `runtime/first_pass.rs`), which walks the frames
//! from this one outwards, testing catch types and calling filter funclets,
//! until a clause takes the exception; the second pass is the dispatch
//! blocks themselves, running finally blocks on the way to that clause.

use alloc::vec;
use alloc::vec::Vec;

use cranelift_codegen::ir::{
    Block, InstBuilder, SourceLoc, TrapCode, Value, condcodes::IntCC, types,
};
use cranelift_frontend::Variable;

use super::eh_table::{self, ClauseKind, EhClause};
use super::error::ErrorKind;
use super::func::{R, Tr, flags};
use super::stack::{Entry, SKind};
use super::symbols::Sym;
use crate::abi::ExceptionKind;
use crate::abi::Helper;
use crate::metadata::{ExceptionClause, HandlerKind};
use crate::types::Ty;

/// The continuation of a `finally`/`fault` entered by an exception (any
/// other value is the index of a `leave` target).
const UNWIND: i64 = -1;

/// One EH clause of the method being compiled.
pub(super) struct Clause {
    /// Kind and IL ranges (shared with the runtime's first pass).
    pub span: EhClause,
    /// finally/fault: which way `endfinally` goes (a `leave` target index,
    /// or [`UNWIND`]).
    pub cont: Variable,
    /// The exception this clause is handling: caught (for `rethrow`),
    /// being filtered, or passing through a finally/fault.
    pub exc: Variable,
    /// finally: the `leave` targets that go through it, by index.
    pub targets: Vec<u32>,
    /// finally/fault: the blocks `endfinally` jumped to, with their offsets
    /// (filled in at the end, when every `leave` is known).
    pub endfinallies: Vec<(Block, u32)>,
}

/// Where an exception raised at some IL offset goes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum DispatchKey {
    /// Test these clauses, in order; when none takes it, return to the
    /// caller with the exception in flight.
    Clauses(Vec<usize>),
    /// An exception escaped the filter of this clause: ECMA-335 II.19 makes
    /// that the filter saying "no"; the filtered exception goes on.
    InFilter(usize),
}

/// The stack state a handler label starts with.
fn entry_state(kind: ClauseKind) -> Vec<SKind> {
    match kind {
        ClauseKind::Catch(_) | ClauseKind::Filter(_) => vec![SKind::O],
        ClauseKind::Finally | ClauseKind::Fault => Vec::new(),
    }
}

impl Tr<'_, '_> {
    /// Read the method's EH clauses; returns the IL offsets that start a
    /// handler or filter (they become labels). Malformed clauses (ranges
    /// that overflow or are empty) are refused here.
    pub fn read_clauses(&mut self, clauses: &[ExceptionClause]) -> R<Vec<u32>> {
        let mut starts = Vec::new();
        for c in clauses {
            let kind = match c.kind {
                HandlerKind::Catch(tok) => ClauseKind::Catch(
                    self.env
                        .types_mut()
                        .resolve_type_token_in(self.asm, tok, &self.gctx)?,
                ),
                HandlerKind::Filter { filter_offset } => ClauseKind::Filter(filter_offset),
                HandlerKind::Finally => ClauseKind::Finally,
                HandlerKind::Fault => ClauseKind::Fault,
            };
            let try_end = c.try_offset.checked_add(c.try_length);
            let handler_end = c.handler_offset.checked_add(c.handler_length);
            let (Some(try_end), Some(handler_end)) = (try_end, handler_end) else {
                return Err(ErrorKind::BadHandler);
            };
            if c.try_length == 0 || c.handler_length == 0 {
                return Err(ErrorKind::BadHandler);
            }
            if let ClauseKind::Filter(f) = kind {
                if f >= c.handler_offset {
                    return Err(ErrorKind::BadHandler);
                }
                starts.push(f);
            }
            starts.push(c.handler_offset);
            let cont = self.b.declare_var(types::I32);
            let exc = self.b.declare_var(types::I64);
            self.var_needs_stack_map(exc, SKind::O);
            self.clauses.push(Clause {
                span: EhClause {
                    kind,
                    try_start: c.try_offset,
                    try_end,
                    handler_start: c.handler_offset,
                    handler_end,
                },
                cont,
                exc,
                targets: Vec::new(),
                endfinallies: Vec::new(),
            });
        }
        Ok(starts)
    }

    /// Give the handler and filter labels their entry stacks (the exception
    /// for catch and filter, nothing for finally and fault). Two clauses
    /// that start a handler at one offset with different stacks, or a
    /// handler at the method's first instruction, are malformed.
    pub fn preset_handler_labels(&mut self) -> R<()> {
        let mut presets = Vec::new();
        for c in &self.clauses {
            presets.push((c.span.handler_start, entry_state(c.span.kind)));
            if let ClauseKind::Filter(f) = c.span.kind {
                presets.push((f, vec![SKind::O]));
            }
        }
        for (off, state) in presets {
            if off == 0 {
                return Err(ErrorKind::BadHandler);
            }
            let l = self.labels.get_mut(&off).ok_or(ErrorKind::BadHandler)?;
            match &l.state {
                Some(s) if *s != state => return Err(ErrorKind::BadHandler),
                Some(_) => {}
                None => {
                    for k in &state {
                        self.b.append_block_param(l.block, k.cl());
                    }
                    l.state = Some(state);
                }
            }
        }
        Ok(())
    }

    /// The clauses' kinds and ranges (what the runtime's first pass reads).
    pub fn spans(&self) -> Vec<EhClause> {
        self.clauses.iter().map(|c| c.span).collect()
    }

    /// The dispatch an exception raised at IL offset `off` goes to.
    fn key_at(&self, off: u32) -> DispatchKey {
        let spans = self.spans();
        match eh_table::in_filter(&spans, off) {
            Some(k) => DispatchKey::InFilter(k),
            None => DispatchKey::Clauses(eh_table::covering(&spans, off)),
        }
    }

    /// The clauses still to test after clause `k` declined (a filter said
    /// no) or ran (a finally/fault): those after it whose `try` encloses
    /// its `try` (for properly nested clauses, exactly the rest of the
    /// covering list that led to `k`).
    fn key_after(&self, k: usize) -> DispatchKey {
        DispatchKey::Clauses(eh_table::after(&self.spans(), k))
    }

    /// The dispatch block for `key` (its one parameter is the exception),
    /// created on first use and filled in by [`Self::finish_eh`].
    fn dispatch_block(&mut self, key: DispatchKey) -> Block {
        if let Some(&b) = self.dispatch.get(&key) {
            return b;
        }
        let b = self.b.create_block();
        let exc = self.b.append_block_param(b, types::I64);
        self.value_needs_stack_map(exc, SKind::O);
        self.b.set_cold_block(b);
        self.dispatch.insert(key.clone(), b);
        self.dispatch_todo.push(key);
        b
    }

    fn in_flight_addr(&mut self) -> Value {
        let a = self.env.in_flight_addr();
        self.sym_known(Sym::InFlight, a)
    }

    /// After a call that may throw: when an exception is in flight, go to
    /// the dispatch for the current IL offset.
    pub fn check_exception(&mut self) {
        let a = self.in_flight_addr();
        let exc = self.b.ins().load(types::I64, flags(), a, 0);
        let key = self.key_at(self.offset);
        let d = self.dispatch_block(key);
        let cont = self.b.create_block();
        self.b.ins().brif(exc, d, &[exc.into()], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// Mark the block being filled cold: the rest of a slow path after its
    /// helper call's exception check (which starts a new block). Without
    /// it that block (the call's result moved into the join's parameter,
    /// a cache update) stays where the lowering order puts it, between the
    /// fast path and the join, and the fast path jumps over it.
    pub fn rest_is_cold(&mut self) {
        if let Some(b) = self.b.current_block() {
            self.b.set_cold_block(b);
        }
    }

    /// Raise `kind` when `cond` is non-zero; continue in a new block.
    pub fn raise_if(&mut self, cond: Value, kind: ExceptionKind) {
        // One cold block per (exception, dispatch), filled in at the end:
        // the builder cannot leave the current block before it is terminated.
        let key = (kind as u32, self.key_at(self.offset));
        let raise = match self.raise_blocks.get(&key) {
            Some(&b) => b,
            None => {
                let b = self.b.create_block();
                self.b.set_cold_block(b);
                self.raise_blocks.insert(key, b);
                b
            }
        };
        let cont = self.b.create_block();
        self.b.ins().brif(cond, raise, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// Raise NullReferenceException when `v` is null.
    pub fn null_check(&mut self, v: Value) {
        let c = self.b.ins().icmp_imm_s(IntCC::Equal, v, 0);
        self.raise_if(c, ExceptionKind::NullReference);
    }

    /// `throw`: the helper makes the object (or a NullReferenceException
    /// for null) the exception in flight; dispatch it.
    pub fn throw(&mut self) -> R<()> {
        let e = self.pop()?;
        if e.k != SKind::O {
            return Err(ErrorKind::BadStackType);
        }
        self.call_helper(Helper::Throw, &[e.v], &[types::I64], None);
        let a = self.in_flight_addr();
        let exc = self.b.ins().load(types::I64, flags(), a, 0);
        let d = self.dispatch_block(self.key_at(self.offset));
        self.b.ins().jump(d, &[exc.into()]);
        self.stack.clear();
        self.reachable = false;
        Ok(())
    }

    /// `rethrow`: dispatch the exception the innermost enclosing catch (or
    /// filter) handler caught, from here.
    pub fn rethrow(&mut self) -> R<()> {
        let here = self.offset;
        let k = self
            .clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                matches!(c.span.kind, ClauseKind::Catch(_) | ClauseKind::Filter(_))
                    && c.span.handler_covers(here)
            })
            .min_by_key(|(_, c)| c.span.handler_end - c.span.handler_start)
            .map(|(i, _)| i)
            .ok_or(ErrorKind::BadHandler)?;
        let exc = self.b.use_var(self.clauses[k].exc);
        let d = self.dispatch_block(self.key_at(here));
        self.b.ins().jump(d, &[exc.into()]);
        self.stack.clear();
        self.reachable = false;
        Ok(())
    }

    /// `endfilter`: the end of a filter funclet, which returns the
    /// filter's verdict (non-zero: this clause takes the exception) to the
    /// runtime's first pass. A method's own translation skips its filters.
    pub fn endfilter(&mut self) -> R<()> {
        let here = self.offset;
        let k = eh_table::in_filter(&self.spans(), here).ok_or(ErrorKind::BadHandler)?;
        if self.filter != Some(k) {
            return Err(ErrorKind::BadHandler);
        }
        let v = self.pop()?;
        if v.k != SKind::I4 || !self.stack.is_empty() {
            return Err(ErrorKind::BadStackType);
        }
        self.b.ins().return_(&[v.v]);
        self.stack.clear();
        self.reachable = false;
        Ok(())
    }

    /// Ask the runtime's first pass whether clause `k` of this frame takes
    /// `exc` (running the first pass, which calls filters, unless it already
    /// ran for this exception over this frame). An i32: non-zero for yes.
    fn first_pass(&mut self, exc: Value, k: usize) -> R<Value> {
        let fp = self.b.ins().get_frame_pointer(types::I64);
        let m = self.sym_i32(Sym::MethodNum(self.m))?;
        let kv = self.iconst(types::I32, k as i64);
        self.call_helper(
            Helper::FirstPass,
            &[exc, fp, m, kv],
            &[types::I64, types::I64, types::I32, types::I32],
            Some(types::I32),
        )
        .ok_or(ErrorKind::Codegen)
    }

    /// A catch or filter handler takes `exc`: the runtime forgets its
    /// first-pass record (a later `throw`/`rethrow` searches afresh).
    fn caught(&mut self, exc: Value) {
        self.call_helper(Helper::Caught, &[exc], &[types::I64], None);
    }

    /// `leave target`: run the `finally` handlers being exited, innermost
    /// first, then continue at `target`. Leaving a catch handler needs
    /// nothing else: the exception stopped being in flight when it was caught.
    pub fn leave(&mut self, target: u32) -> R<()> {
        self.stack.clear();
        let here = self.offset;
        // Innermost enclosing finally that the leave exits.
        let idx = self
            .clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.span.kind == ClauseKind::Finally
                    && c.span.try_covers(here)
                    && !c.span.try_covers(target)
            })
            .min_by_key(|(_, c)| c.span.try_end - c.span.try_start)
            .map(|(i, _)| i);
        match idx {
            None => self.jump_to(target),
            Some(i) => {
                let n = match self.clauses[i].targets.iter().position(|&t| t == target) {
                    Some(n) => n,
                    None => {
                        self.clauses[i].targets.push(target);
                        self.clauses[i].targets.len() - 1
                    }
                };
                let cont = self.clauses[i].cont;
                let nv = self.iconst(types::I32, n as i64);
                self.b.def_var(cont, nv);
                let h = self.clauses[i].span.handler_start;
                self.jump_to(h)
            }
        }
    }

    /// `endfinally` (also `endfault`): the way on is decided at the end,
    /// when all `leave`s through this handler are known.
    pub fn endfinally(&mut self) -> R<()> {
        let here = self.offset;
        let i = self
            .clauses
            .iter()
            .position(|c| {
                matches!(c.span.kind, ClauseKind::Finally | ClauseKind::Fault)
                    && c.span.handler_covers(here)
            })
            .ok_or(ErrorKind::BadHandler)?;
        let d = self.b.create_block();
        self.b.ins().jump(d, &[]);
        self.clauses[i].endfinallies.push((d, here));
        self.reachable = false;
        self.stack.clear();
        Ok(())
    }

    /// Fill in everything that waited for the whole method: the ways out of
    /// each `endfinally`, the raise blocks, and the dispatch blocks.
    pub fn finish_eh(&mut self) -> R<()> {
        self.finish_endfinallies()?;
        // Raise and dispatch blocks are shared by several IL instructions:
        // they map to none.
        self.b.set_srcloc(SourceLoc::default());
        self.finish_raise_blocks();
        while let Some(key) = self.dispatch_todo.pop() {
            self.fill_dispatch(key)?;
        }
        Ok(())
    }

    fn finish_endfinallies(&mut self) -> R<()> {
        for i in 0..self.clauses.len() {
            let sites = core::mem::take(&mut self.clauses[i].endfinallies);
            let targets = self.clauses[i].targets.clone();
            let cont = self.clauses[i].cont;
            for (d, at) in sites {
                self.b.switch_to_block(d);
                self.b.set_srcloc(SourceLoc::new(at));
                self.offset = at;
                self.stack.clear();
                let c = self.b.use_var(cont);
                // Entered by an exception: go on with the enclosing clauses.
                let unwind = self.b.create_block();
                let normal = self.b.create_block();
                let is = self.b.ins().icmp_imm_s(IntCC::Equal, c, UNWIND);
                self.b.ins().brif(is, unwind, &[], normal, &[]);
                self.b.switch_to_block(unwind);
                let exc = self.b.use_var(self.clauses[i].exc);
                let key = self.key_after(i);
                let db = self.dispatch_block(key);
                self.b.ins().jump(db, &[exc.into()]);
                self.b.switch_to_block(normal);
                for (n, &t) in targets.iter().enumerate() {
                    let next = self.b.create_block();
                    let is = self.b.ins().icmp_imm_s(IntCC::Equal, c, n as i64);
                    // A target outside an outer finally is reached by
                    // leaving that finally's try in turn.
                    let tb = self.b.create_block();
                    self.b.ins().brif(is, tb, &[], next, &[]);
                    self.b.switch_to_block(tb);
                    self.reachable = true;
                    self.leave(t)?;
                    self.b.switch_to_block(next);
                }
                self.b.ins().trap(TrapCode::unwrap_user(3));
            }
        }
        Ok(())
    }

    fn finish_raise_blocks(&mut self) {
        let blocks: Vec<((u32, DispatchKey), Block)> = core::mem::take(&mut self.raise_blocks)
            .into_iter()
            .collect();
        for ((kind, key), b) in blocks {
            self.b.switch_to_block(b);
            let k = self.b.ins().iconst(types::I32, i64::from(kind));
            self.call_helper(Helper::Raise, &[k], &[types::I32], None);
            let a = self.in_flight_addr();
            let exc = self.b.ins().load(types::I64, flags(), a, 0);
            let d = self.dispatch_block(key);
            self.b.ins().jump(d, &[exc.into()]);
        }
    }

    fn fill_dispatch(&mut self, key: DispatchKey) -> R<()> {
        let b = self.dispatch.get(&key).copied().ok_or(ErrorKind::Codegen)?;
        self.b.switch_to_block(b);
        let exc = self
            .b
            .block_params(b)
            .first()
            .copied()
            .ok_or(ErrorKind::Codegen)?;
        let a = self.in_flight_addr();
        let list = match key {
            DispatchKey::Clauses(list) => list,
            DispatchKey::InFilter(k) => {
                // Only a filter funclet has code inside a filter: an
                // exception escaping it is the filter saying no (ECMA-335
                // II.19); the first pass forgets it.
                if self.filter != Some(k) {
                    return Err(ErrorKind::BadHandler);
                }
                let zero = self.iconst(types::I64, 0);
                self.b.ins().store(flags(), zero, a, 0);
                let no = self.iconst(types::I32, 0);
                self.b.ins().return_(&[no]);
                return Ok(());
            }
        };
        if list.is_empty() {
            // Nobody here takes it: return with it in flight; the caller's
            // check after this call goes on with the search.
            self.b.ins().store(flags(), exc, a, 0);
            self.return_dummy()?;
            return Ok(());
        }
        // Handlers and filters may call methods, whose call sites test the
        // word: it is clear while they run, and the exception lives in the
        // clause's variable.
        let zero = self.iconst(types::I64, 0);
        self.b.ins().store(flags(), zero, a, 0);
        for &k in &list {
            let (kind, var, start) = {
                let c = &self.clauses[k];
                (c.span.kind, c.exc, c.span.handler_start)
            };
            self.reachable = true;
            let taken = match kind {
                ClauseKind::Catch(t) => self.type_helper(Helper::IsInst, exc, t)?,
                // The first pass ran the filter (before any finally on the
                // way); this is the second pass reading its verdict.
                ClauseKind::Filter(_) => self.first_pass(exc, k)?,
                ClauseKind::Finally | ClauseKind::Fault => {
                    // Filters further out run before this finally does.
                    self.first_pass(exc, k)?;
                    let cont = self.clauses[k].cont;
                    let u = self.iconst(types::I32, UNWIND);
                    self.b.def_var(cont, u);
                    self.b.def_var(var, exc);
                    self.stack.clear();
                    self.jump_to(start)?;
                    return Ok(());
                }
            };
            let yes = self.b.create_block();
            let no = self.b.create_block();
            self.b.ins().brif(taken, yes, &[], no, &[]);
            self.b.switch_to_block(yes);
            if matches!(kind, ClauseKind::Catch(_)) {
                self.caught(exc);
            }
            self.b.def_var(var, exc);
            self.stack = vec![Entry {
                k: SKind::O,
                v: exc,
            }];
            self.jump_to(start)?;
            self.b.switch_to_block(no);
        }
        // No catch clause matched: propagate.
        self.stack.clear();
        let d = self.dispatch_block(DispatchKey::Clauses(Vec::new()));
        self.b.ins().jump(d, &[exc.into()]);
        Ok(())
    }

    /// Return from the method with a placeholder result (the caller ignores
    /// it: it sees the exception in flight first).
    fn return_dummy(&mut self) -> R<()> {
        match self.sig.ret {
            Ty::Void | Ty::Value(_) => {
                self.b.ins().return_(&[]);
            }
            ty => {
                let v = self.zero_value(SKind::of(ty));
                self.b.ins().return_(&[v]);
            }
        }
        Ok(())
    }
}
