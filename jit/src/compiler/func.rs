//! The translator: sets up a method's frame (arguments, locals, branch
//! targets) and walks its IL once, Wasm-style: the evaluation stack lives
//! in the translator, and at every join the stack travels as block params.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, Function, InstBuilder, MemFlagsData, Signature, SourceLoc,
    StackSlot, StackSlotData, StackSlotKind, TrapCode, Value, condcodes::IntCC, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};

use super::eh::{Clause, DispatchKey};
use super::eh_table::ClauseKind;
use super::env::CompileEnv;
use super::error::{CompileError, ErrorKind};
use super::funclet::{FilterFrame, FrameHome, FrameSlot};
use super::stack::{Entry, SKind};
use crate::abi::Helper;
use crate::metadata::{IlReader, Instruction, Opcode, Operand};
use crate::types::{AsmId, MethodId, MethodSigTy, Prim, Ty, TypeId};

pub(super) type R<T> = Result<T, ErrorKind>;

/// The most stack a method's slots (struct locals, temporaries) may use.
pub(super) const MAX_FRAME: u32 = 1 << 20;

/// Where an argument or local lives.
#[derive(Clone, Copy, Debug)]
pub(super) enum Home {
    /// An SSA variable (scalars whose address is never taken).
    Var(Variable, Ty),
    /// A stack slot (structs, scalars whose address is taken, and
    /// references in a method with a call in a loop: `stackmaps.rs`).
    Slot(StackSlot, Ty),
    /// A struct argument: the address of the caller's copy.
    Ptr(Value, Ty),
}

pub(super) struct Label {
    pub block: Block,
    pub state: Option<Vec<SKind>>,
}

pub(super) struct Tr<'r, 'f> {
    /// The runtime, as far as the compiler sees it.
    pub env: &'r mut dyn CompileEnv,
    pub b: FunctionBuilder<'f>,
    pub m: MethodId,
    pub asm: AsmId,
    /// What `!n`/`!!n` stand for in this method's body.
    pub gctx: crate::types::GenericCtx,
    pub sig: MethodSigTy,
    pub args: Vec<Home>,
    pub locals: Vec<Home>,
    pub stack: Vec<Entry>,
    pub labels: BTreeMap<u32, Label>,
    pub retbuf: Option<Value>,
    pub reachable: bool,
    /// Cold blocks raising a runtime exception, by (kind, dispatch).
    pub raise_blocks: BTreeMap<(u32, DispatchKey), Block>,
    pub constrained: Option<crate::metadata::Token>,
    /// The method's EH clauses, in table order (innermost first).
    pub clauses: Vec<Clause>,
    /// Dispatch blocks, by where they send an exception (see eh.rs).
    pub dispatch: BTreeMap<DispatchKey, Block>,
    /// Dispatch blocks created but not filled in yet.
    pub dispatch_todo: Vec<DispatchKey>,
    pub offset: u32,
    pub call_conv: CallConv,
    /// Bytes of stack slots so far (see `new_slot`).
    pub frame_bytes: u32,
    /// Fault injection `ldfld-struct` only: the current `ldloca`/`ldarga`
    /// is followed by `ldfld` and is read as `ldloc`/`ldarg` (below).
    pub field_read_by_value: bool,
    /// The current instruction is a `box` whose result only meets a null
    /// test (`brtrue`/`brfalse`, or `ldnull; ceq`/`cgt.un`): what C#
    /// compiles `x == null` on an unconstrained `T` to. A value type's box
    /// is never null, so `box` then allocates nothing (objects.rs).
    pub box_only_null_tested: bool,
    /// `Some(k)`: this is the filter funclet of clause `k` (funclet.rs),
    /// which translates only that filter; `None`: the method, without its
    /// filters.
    pub filter: Option<usize>,
    /// Funclet only: where the method keeps its arguments and locals.
    pub frame_in: Option<FilterFrame>,
    /// A method with filters: the stack slots of its arguments and locals,
    /// which its filter funclets read through its frame pointer.
    pub frame_out: Option<(Vec<FrameSlot>, Vec<FrameSlot>)>,
    /// Calls expanded inline as intrinsics so far (`intrinsics.rs`).
    pub intrinsics: u32,
    /// Stack slots holding references (struct locals and temporaries,
    /// address-taken reference locals), with the byte offsets of the
    /// references in them: every safepoint's stack map lists them
    /// (`stackmaps.rs`).
    pub ref_slots: Vec<(StackSlot, Vec<u32>)>,
    /// Reference locals kept in slots listed only where they are live
    /// (`liveness.rs`): the analysis and each slot with its bit.
    pub tracked: Option<(super::liveness::RefLocals, Vec<(StackSlot, u32)>)>,
    /// The slots of pinned locals among `ref_slots` (marked as such in the
    /// stack maps: their objects must not move).
    pub pinned_slots: Vec<StackSlot>,
    /// A method with `localloc`: the slot holding its newest block (which
    /// links the older ones), listed in every stack map, zeroed at entry.
    pub localloc_slot: Option<StackSlot>,
    /// The runtime addresses and ids the code refers to (`symbols.rs`).
    pub syms: super::symbols::Symbols,
    /// Interface call-site caches made so far (each its own symbol).
    pub call_sites: u32,
    /// Whether the code depends only on the assemblies and options, not on
    /// what managed code already ran (a static constructor's check left
    /// out because it had run): only such code may be kept in an image.
    pub keepable: bool,
}

/// What a translation produced besides the IR.
pub(super) struct Translated {
    /// IL bytes of the method.
    pub il_len: usize,
    /// The method's EH clauses.
    pub eh: Vec<super::eh_table::EhClause>,
    /// A method with filters: the slots of its arguments and locals.
    pub frame: Option<(Vec<FrameSlot>, Vec<FrameSlot>)>,
    /// Calls expanded inline as intrinsics.
    pub intrinsics: u32,
    /// The symbols the code's relocations refer to, with their values.
    pub syms: Vec<(super::symbols::Sym, usize)>,
    /// See [`Tr::keepable`].
    pub keepable: bool,
}

/// Which function of a method is translated.
#[derive(Clone, Debug)]
pub(super) enum Part {
    /// The method (without the code of its filters).
    Method,
    /// The filter of clause `.0`, as a funclet
    /// `extern "C" fn(exception, method's frame pointer) -> i32` reading
    /// the method's variables where `.1` says.
    Filter(usize, FilterFrame),
}

pub(super) fn flags() -> MemFlagsData {
    MemFlagsData::new()
}

/// Build the Cranelift signature of a method with signature `sig`.
pub(super) fn abi_signature(sig: &MethodSigTy, cc: CallConv) -> Signature {
    let mut s = Signature::new(cc);
    if let Ty::Value(_) = sig.ret {
        s.params.push(AbiParam::new(types::I64));
    }
    if sig.has_this {
        s.params.push(AbiParam::new(types::I64));
    }
    for p in &sig.params {
        s.params.push(AbiParam::new(SKind::of(*p).cl()));
    }
    match sig.ret {
        Ty::Void | Ty::Value(_) => {}
        r => s.returns.push(AbiParam::new(SKind::of(r).cl())),
    }
    s
}

pub(super) fn translate(
    env: &mut dyn CompileEnv,
    m: MethodId,
    part: Part,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    cc: CallConv,
    fcfg: cranelift_codegen::isa::TargetFrontendConfig,
) -> Result<Translated, CompileError> {
    let at = |kind: ErrorKind| CompileError {
        method: m,
        il_offset: 0,
        kind,
    };
    let sig = env
        .types_mut()
        .method_sig(m)
        .map_err(|e| at(e.into()))?
        .clone();
    let asm = env.types().method(m).asm;
    let rid = env.types().method(m).rid;
    let img = env.types().image(asm).clone();
    let body = match img.method_body(rid).map_err(|e| at(e.into()))? {
        Some(b) => b,
        None => {
            let kind = if env.types().method(m).kind == crate::types::MethodKind::Runtime {
                ErrorKind::UnsupportedInternalCall
            } else {
                ErrorKind::NoBody
            };
            return Err(at(kind));
        }
    };
    let gctx = env.types().ctx_of_method(m);
    if env.types().method(m).generic_params as usize != gctx.method_args.len()
        || env.types().is_open(env.types().method(m).owner)
    {
        // An open generic definition: only its instantiations run.
        return Err(at(ErrorKind::Type(crate::types::TypeError::Generic)));
    }
    let locals_sig = img.locals(&body).map_err(|e| at(e.into()))?;
    let mut local_tys = Vec::new();
    // Pinned locals keep their object alive for their whole scope, even
    // where their value is no longer read (a `fixed` block's native
    // pointer is derived from them): they live in stack slots, which every
    // stack map lists (`stackmaps.rs`).
    let pinned: BTreeSet<u16> = locals_sig
        .locals
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l, crate::metadata::TypeSig::Pinned(_)))
        .map(|(i, _)| i as u16)
        .collect();
    for l in &locals_sig.locals {
        local_tys.push(
            env.types_mut()
                .ty_of_sig_in(asm, l, &gctx)
                .map_err(|e| at(e.into()))?,
        );
    }
    let mut insns: Vec<Instruction<'_>> = Vec::new();
    for i in IlReader::new(body.code) {
        insns.push(i.map_err(|e| at(e.into()))?);
    }
    let (filter, frame_in) = match part {
        Part::Method => {
            func.signature = abi_signature(&sig, cc);
            (None, None)
        }
        Part::Filter(k, frame) => {
            let mut s = Signature::new(cc);
            s.params.push(AbiParam::new(types::I64));
            s.params.push(AbiParam::new(types::I64));
            s.returns.push(AbiParam::new(types::I32));
            func.signature = s;
            (Some(k), Some(frame))
        }
    };
    let b = FunctionBuilder::new(func, fctx);
    let mut tr = Tr {
        env,
        b,
        m,
        asm,
        gctx,
        sig,
        args: Vec::new(),
        locals: Vec::new(),
        stack: Vec::new(),
        labels: BTreeMap::new(),
        retbuf: None,
        reachable: true,
        raise_blocks: BTreeMap::new(),
        constrained: None,
        clauses: Vec::new(),
        dispatch: BTreeMap::new(),
        dispatch_todo: Vec::new(),
        offset: 0,
        frame_bytes: 0,
        call_conv: cc,
        field_read_by_value: false,
        box_only_null_tested: false,
        filter,
        frame_in,
        frame_out: None,
        intrinsics: 0,
        ref_slots: Vec::new(),
        tracked: None,
        pinned_slots: Vec::new(),
        localloc_slot: None,
        syms: super::symbols::Symbols::default(),
        call_sites: 0,
        keepable: true,
    };
    let inject = tr.env.options().inject.ldfld_struct;
    tr.setup(&insns, &local_tys, &pinned, &body)
        .map_err(|kind| CompileError {
            method: m,
            il_offset: 0,
            kind,
        })?;
    for (i, ins) in insns.iter().enumerate() {
        tr.offset = ins.offset;
        // A method and its filter funclets split the IL: each translates
        // only its own part. Control never falls from one into the other.
        if !tr.translates(ins.offset) {
            if tr.reachable {
                return Err(CompileError {
                    method: m,
                    il_offset: ins.offset,
                    kind: ErrorKind::BadHandler,
                });
            }
            continue;
        }
        // Fault injection `ldfld-struct` (docs/driverhost.md): the seed's C#
        // compiler read a field of a struct local as `ldloc s; ldfld f` (the
        // value, then the field), where mcs emits `ldloca s; ldfld f`. Both
        // are valid IL for the same read; with the injection on, the
        // translator takes the mcs form as the value form, so that the seed
        // JIT's `ldfld` on a struct value (objects.rs) is reached by mcs code.
        tr.field_read_by_value = inject
            && matches!(
                ins.opcode,
                Opcode::Ldloca | Opcode::LdlocaS | Opcode::Ldarga | Opcode::LdargaS
            )
            && insns
                .get(i + 1)
                .is_some_and(|n| n.opcode == Opcode::Ldfld && !tr.labels.contains_key(&n.offset));
        tr.box_only_null_tested = ins.opcode == Opcode::Box && {
            let plain = |k: usize| {
                insns
                    .get(i + k)
                    .filter(|n| !tr.labels.contains_key(&n.offset))
                    .map(|n| n.opcode)
            };
            match plain(1) {
                Some(Opcode::Brtrue | Opcode::BrtrueS | Opcode::Brfalse | Opcode::BrfalseS) => true,
                Some(Opcode::Ldnull) => matches!(plain(2), Some(Opcode::Ceq | Opcode::CgtUn)),
                _ => false,
            }
        };
        // Tag the instruction's code with its IL offset (docs/jit.md, "IL
        // offsets of machine code").
        tr.b.set_srcloc(SourceLoc::new(ins.offset));
        tr.instruction(ins)
            .and_then(|()| {
                // The header's MaxStack bounds the evaluation stack (ECMA-335
                // III.1.7.4); it also bounds the block parameters at joins.
                if tr.stack.len() > usize::from(body.max_stack) {
                    Err(ErrorKind::StackOverflow)
                } else {
                    Ok(())
                }
            })
            .map_err(|kind| CompileError {
                method: m,
                il_offset: ins.offset,
                kind,
            })?;
    }
    if tr.reachable {
        // Falling off the end is invalid IL; trap rather than run on.
        tr.b.ins().trap(TrapCode::unwrap_user(1));
    }
    tr.finish_eh().map_err(|kind| CompileError {
        method: m,
        il_offset: 0,
        kind,
    })?;
    tr.b.seal_all_blocks();
    let eh = tr.spans();
    let frame = tr.frame_out.take();
    let ref_slots = core::mem::take(&mut tr.ref_slots);
    let tracked = tr.tracked.take();
    super::stackmaps::add_slot_entries(tr.b.func, &ref_slots, &tr.pinned_slots, tracked.as_ref());
    let syms = core::mem::take(&mut tr.syms.list);
    let keepable = tr.keepable;
    let intrinsics = tr.intrinsics;
    tr.b.finalize(fcfg);
    Ok(Translated {
        il_len: body.code.len(),
        eh,
        frame,
        intrinsics,
        syms,
        keepable,
    })
}

impl Tr<'_, '_> {
    fn setup(
        &mut self,
        insns: &[Instruction<'_>],
        local_tys: &[Ty],
        pinned: &BTreeSet<u16>,
        body: &crate::metadata::MethodBody<'_>,
    ) -> R<()> {
        // Which args/locals have their address taken: those live in memory.
        let mut addr_args = BTreeSet::new();
        let mut addr_locals = pinned.clone();
        let mut targets = BTreeSet::new();
        for ins in insns {
            match (ins.opcode, ins.operand) {
                (Opcode::Ldarga | Opcode::LdargaS, Operand::Var(i)) => {
                    addr_args.insert(i);
                }
                (Opcode::Ldloca | Opcode::LdlocaS, Operand::Var(i)) => {
                    addr_locals.insert(i);
                }
                (_, Operand::Branch(t)) => {
                    targets.insert(t);
                    targets.insert(ins.next_offset);
                }
                (_, Operand::Switch(s)) => {
                    targets.extend(s.iter());
                    targets.insert(ins.next_offset);
                }
                (
                    Opcode::Ret
                    | Opcode::Throw
                    | Opcode::Rethrow
                    | Opcode::Endfinally
                    | Opcode::Endfilter,
                    _,
                ) => {
                    targets.insert(ins.next_offset);
                }
                _ => {}
            }
        }
        let handler_starts = self.read_clauses(&body.exception_clauses)?;
        let starts: BTreeSet<u32> = insns.iter().map(|i| i.offset).collect();
        let end = insns.last().map_or(0, |i| i.next_offset);
        for &h in &handler_starts {
            if !starts.contains(&h) {
                return Err(ErrorKind::BadHandler);
            }
        }
        targets.extend(handler_starts);
        for t in targets {
            if t == end {
                continue;
            }
            if !starts.contains(&t) {
                return Err(ErrorKind::BadBranchTarget);
            }
            let block = self.b.create_block();
            self.labels.insert(t, Label { block, state: None });
        }
        self.preset_handler_labels()?;
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params: Vec<Value> = self.b.block_params(entry).to_vec();
        let mut arg_tys = Vec::new();
        if self.sig.has_this {
            let owner = self.env.types().method(self.m).owner;
            let this_ty = if self.env.types().ty(owner).is_value_type() {
                Ty::ByRef
            } else {
                Ty::Ref(owner)
            };
            arg_tys.push(this_ty);
        }
        arg_tys.extend(self.sig.params.iter().copied());
        if let Some(k) = self.filter {
            return self.setup_funclet(k, &params, &arg_tys, local_tys);
        }
        if insns.iter().any(|i| i.opcode == Opcode::Localloc) {
            let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                8,
                3,
            ));
            let zero = self.iconst(types::I64, 0);
            let a = self.b.ins().stack_addr(types::I64, slot, 0);
            self.b.ins().store(flags(), zero, a, 0);
            self.ref_slots.push((slot, alloc::vec![0]));
            self.localloc_slot = Some(slot);
        }
        // A method with filters keeps every variable in memory, where its
        // filter funclets find them.
        let in_memory = self
            .clauses
            .iter()
            .any(|c| matches!(c.span.kind, ClauseKind::Filter(_)));
        let tracked_locals =
            super::liveness::tracked_locals(insns, local_tys, &addr_locals, &self.clauses);
        let mut tracked_slots = Vec::new();
        let (mut arg_slots, mut local_slots) = (Vec::new(), Vec::new());
        let mut pi = 0;
        if let Ty::Value(_) = self.sig.ret {
            self.retbuf = Some(params[0]);
            pi = 1;
        }
        for (i, ty) in arg_tys.into_iter().enumerate() {
            let v = params[pi + i];
            let home = match ty {
                Ty::Value(_) => {
                    if in_memory {
                        let slot = self.new_slot(Ty::Ptr)?;
                        let addr = self.b.ins().stack_addr(types::I64, slot, 0);
                        self.b.ins().store(flags(), v, addr, 0);
                        arg_slots.push(FrameSlot::PtrIn(slot));
                    }
                    Home::Ptr(v, ty)
                }
                _ if in_memory || addr_args.contains(&(i as u16)) => {
                    let slot = self.new_slot(ty)?;
                    let addr = self.b.ins().stack_addr(types::I64, slot, 0);
                    self.store_raw(ty, addr, 0, v)?;
                    arg_slots.push(FrameSlot::In(slot));
                    Home::Slot(slot, ty)
                }
                _ => {
                    let var = self.b.declare_var(SKind::of(ty).cl());
                    self.var_needs_stack_map(var, SKind::of(ty));
                    self.b.def_var(var, v);
                    Home::Var(var, ty)
                }
            };
            self.args.push(home);
        }
        for (i, &ty) in local_tys.iter().enumerate() {
            let home = if in_memory
                || matches!(ty, Ty::Value(_))
                || addr_locals.contains(&(i as u16))
                || tracked_locals.contains(&(i as u16))
            {
                let slot = self.new_slot(ty)?;
                if let Some(b) = tracked_locals.iter().position(|&l| l == i as u16) {
                    // Listed by liveness, not at every call.
                    self.ref_slots.retain(|(s, _)| *s != slot);
                    tracked_slots.push((slot, b as u32));
                }
                if pinned.contains(&(i as u16)) {
                    self.pinned_slots.push(slot);
                }
                // Locals start zeroed (mcs always sets InitLocals; the GC
                // will need it for reference fields regardless).
                let addr = self.b.ins().stack_addr(types::I64, slot, 0);
                let size = self.env.types_mut().size_of(ty)?;
                self.zero(addr, size)?;
                local_slots.push(FrameSlot::In(slot));
                Home::Slot(slot, ty)
            } else {
                let k = SKind::of(ty);
                let var = self.b.declare_var(k.cl());
                self.var_needs_stack_map(var, k);
                let zero = self.zero_value(k);
                self.b.def_var(var, zero);
                Home::Var(var, ty)
            };
            self.locals.push(home);
        }
        if in_memory {
            self.frame_out = Some((arg_slots, local_slots));
        }
        if !tracked_slots.is_empty() {
            let live = super::liveness::RefLocals::analyse(insns, &tracked_locals);
            self.tracked = Some((live, tracked_slots));
        }
        if let Some(l) = self.labels.get_mut(&0) {
            l.state = Some(Vec::new());
            let blk = l.block;
            self.b.ins().jump(blk, &[]);
            self.reachable = false;
        }
        Ok(())
    }

    /// A filter funclet's entry: `(exception, frame pointer)`; the
    /// variables are the method's, in its frame; go to the filter with the
    /// exception on the stack.
    fn setup_funclet(
        &mut self,
        k: usize,
        params: &[Value],
        arg_tys: &[Ty],
        local_tys: &[Ty],
    ) -> R<()> {
        let (&[exc, fp], Some(frame)) = (params, self.frame_in.take()) else {
            return Err(ErrorKind::Codegen);
        };
        if frame.args.len() != arg_tys.len() || frame.locals.len() != local_tys.len() {
            return Err(ErrorKind::Codegen);
        }
        let homes = |tr: &mut Self, hs: &[FrameHome], tys: &[Ty]| -> Vec<Home> {
            hs.iter()
                .zip(tys)
                .map(|(h, &ty)| match *h {
                    FrameHome::At(o) => Home::Ptr(tr.b.ins().iadd_imm_s(fp, i64::from(o)), ty),
                    FrameHome::PtrAt(o) => {
                        let p = tr.b.ins().load(types::I64, flags(), fp, o);
                        Home::Ptr(p, ty)
                    }
                })
                .collect()
        };
        self.args = homes(self, &frame.args, arg_tys);
        self.locals = homes(self, &frame.locals, local_tys);
        let ClauseKind::Filter(start) = self.clauses[k].span.kind else {
            return Err(ErrorKind::Codegen);
        };
        self.value_needs_stack_map(exc, SKind::O);
        self.stack = alloc::vec![Entry {
            k: SKind::O,
            v: exc,
        }];
        self.jump_to(start)
    }

    /// Whether this translation covers the instruction at `off`: a
    /// funclet its filter, a method everything but its filters.
    pub(super) fn translates(&self, off: u32) -> bool {
        match self.filter {
            Some(k) => self.clauses[k].span.filter_covers(off),
            None => !self.clauses.iter().any(|c| c.span.filter_covers(off)),
        }
    }

    pub fn zero_value(&mut self, k: SKind) -> Value {
        match k {
            SKind::F4 => self.b.ins().f32const(0.0),
            SKind::F8 => self.b.ins().f64const(0.0),
            k => self.b.ins().iconst(k.cl(), 0),
        }
    }

    /// A fresh stack slot for a value of `ty`. The whole frame is capped at
    /// [`MAX_FRAME`]: a (malformed) huge struct is refused here rather than
    /// by Cranelift's frame-size limit, or by a stack overflow at run time.
    pub fn new_slot(&mut self, ty: Ty) -> R<StackSlot> {
        let (size, align) = self.env.types_mut().size_align(ty)?;
        self.frame_bytes = self.frame_bytes.saturating_add(size.max(8));
        if self.frame_bytes > MAX_FRAME {
            return Err(ErrorKind::FrameTooLarge);
        }
        let shift = align.max(1).trailing_zeros().min(4) as u8;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size.max(1),
            shift.max(3),
        ));
        let refs = super::stackmaps::slot_refs(self.env.types_mut(), ty)?;
        if !refs.is_empty() {
            self.ref_slots.push((slot, refs));
        }
        Ok(slot)
    }

    /// A fresh temporary for a value of struct type `t`; returns its address.
    pub fn temp_value(&mut self, t: TypeId) -> R<Value> {
        let slot = self.new_slot(Ty::Value(t))?;
        Ok(self.b.ins().stack_addr(types::I64, slot, 0))
    }

    pub fn push(&mut self, k: SKind, v: Value) {
        self.value_needs_stack_map(v, k);
        self.stack.push(Entry { k, v });
    }

    pub fn pop(&mut self) -> R<Entry> {
        self.stack.pop().ok_or(ErrorKind::StackUnderflow)
    }

    pub fn popn(&mut self, n: usize) -> R<Vec<Entry>> {
        if self.stack.len() < n {
            return Err(ErrorKind::StackUnderflow);
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    pub fn iconst(&mut self, ty: cranelift_codegen::ir::Type, v: i64) -> Value {
        self.b.ins().iconst(ty, v)
    }

    /// Enter the block of the label at `off` (called at every label).
    pub(super) fn enter_label(&mut self, off: u32) -> R<()> {
        if self.reachable {
            self.jump_to(off)?;
        }
        let l = self.labels.get(&off).ok_or(ErrorKind::BadBranchTarget)?;
        let block = l.block;
        let state = match &l.state {
            Some(s) => s.clone(),
            None => {
                // Reached only by backward branches: ECMA-335 III.1.7.5
                // says the stack is empty there.
                self.labels
                    .get_mut(&off)
                    .ok_or(ErrorKind::BadBranchTarget)?
                    .state = Some(Vec::new());
                Vec::new()
            }
        };
        self.b.switch_to_block(block);
        let params: Vec<Value> = self.b.block_params(block).to_vec();
        self.stack = state
            .iter()
            .zip(params)
            .map(|(&k, v)| Entry { k, v })
            .collect();
        for i in 0..self.stack.len() {
            let e = self.stack[i];
            self.value_needs_stack_map(e.v, e.k);
        }
        self.reachable = true;
        Ok(())
    }

    /// The block and arguments for a branch to `off` with the current stack.
    pub fn branch_args(&mut self, off: u32) -> R<(Block, Vec<BlockArg>)> {
        // No branch crosses between a filter and the rest of its method.
        if !self.translates(off) {
            return Err(ErrorKind::BadBranchTarget);
        }
        let kinds: Vec<SKind> = self.stack.iter().map(|e| e.k).collect();
        let l = self
            .labels
            .get_mut(&off)
            .ok_or(ErrorKind::BadBranchTarget)?;
        let block = l.block;
        match &l.state {
            None => {
                l.state = Some(kinds.clone());
                for k in &kinds {
                    self.b.append_block_param(block, k.cl());
                }
            }
            Some(s) => {
                if s.len() != kinds.len() || s.iter().zip(&kinds).any(|(a, b)| !a.joins(*b)) {
                    return Err(ErrorKind::StackMismatch);
                }
            }
        }
        let args = self.stack.iter().map(|e| BlockArg::Value(e.v)).collect();
        Ok((block, args))
    }

    pub fn jump_to(&mut self, off: u32) -> R<()> {
        let (block, args) = self.branch_args(off)?;
        self.b.ins().jump(block, &args);
        self.reachable = false;
        Ok(())
    }

    /// Branch to `off` when `cond` (an integer) is non-zero, else fall
    /// through to `next`.
    pub fn branch_if(&mut self, cond: Value, off: u32, next: u32) -> R<()> {
        let (t, targs) = self.branch_args(off)?;
        let (f, fargs) = self.branch_args(next)?;
        if off <= self.offset && !self.is_fcmp(cond) {
            // A backward branch closes a loop (the IL's test at the bottom).
            // Cranelift lays blocks out in reverse postorder, which puts a
            // branch's first target last: brif(cond, body, exit) would put
            // the loop's exit (often the method's return) between the test
            // and the body, which the loop then jumps over every round.
            // Branching on the negation lays the body out after the test
            // (`eq(icmp, 0)` folds into the inverted compare; a float
            // compare's would not, so those keep the old shape).
            let inv = self.b.ins().icmp_imm_s(IntCC::Equal, cond, 0);
            self.b.ins().brif(inv, f, &fargs, t, &targs);
            self.reachable = false;
            return Ok(());
        }
        self.b.ins().brif(cond, t, &targs, f, &fargs);
        self.reachable = false;
        Ok(())
    }

    /// Whether `v` is a float comparison's result.
    fn is_fcmp(&self, v: Value) -> bool {
        let dfg = &self.b.func.dfg;
        dfg.value_def(v)
            .inst()
            .is_some_and(|i| dfg.insts[i].opcode() == cranelift_codegen::ir::Opcode::Fcmp)
    }

    /// Call a runtime helper by address.
    pub fn call_helper(
        &mut self,
        h: Helper,
        args: &[Value],
        params: &[cranelift_codegen::ir::Type],
        ret: Option<cranelift_codegen::ir::Type>,
    ) -> Option<Value> {
        let mut s = Signature::new(self.call_conv);
        s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        if let Some(r) = ret {
            s.returns.push(AbiParam::new(r));
        }
        let sig = self.b.import_signature(s);
        let addr = self.helper_value(h);
        let call = self.b.ins().call_indirect(sig, addr, args);
        let r = self.b.inst_results(call).first().copied();
        if h.may_throw() {
            self.check_exception();
        }
        r
    }

    /// Pop an entry expected to be an integer; widen to i64 (`native int`).
    pub fn pop_native(&mut self) -> R<Value> {
        let e = self.pop()?;
        self.widen_native(e)
    }

    pub fn widen_native(&mut self, e: Entry) -> R<Value> {
        match e.k {
            SKind::I4 => Ok(self.b.ins().sextend(types::I64, e.v)),
            SKind::I8 | SKind::N | SKind::M | SKind::O => Ok(e.v),
            _ => Err(ErrorKind::BadStackType),
        }
    }

    /// Pop an object reference (`O` only: arrays, casts, unboxing).
    pub fn pop_obj(&mut self) -> R<Value> {
        let e = self.pop()?;
        match e.k {
            SKind::O => Ok(e.v),
            _ => Err(ErrorKind::BadStackType),
        }
    }

    /// Pop an address (O, &, native int, or a value's storage).
    pub fn pop_addr(&mut self) -> R<Value> {
        let e = self.pop()?;
        match e.k {
            SKind::O | SKind::M | SKind::N | SKind::I8 | SKind::V(_) => Ok(e.v),
            SKind::I4 => Ok(self.b.ins().uextend(types::I64, e.v)),
            _ => Err(ErrorKind::BadStackType),
        }
    }

    pub(super) fn home(&self, arg: bool, i: u16) -> R<Home> {
        let v = if arg { &self.args } else { &self.locals };
        v.get(usize::from(i)).copied().ok_or(ErrorKind::BadVariable)
    }

    pub(super) fn load_home(&mut self, h: Home) -> R<()> {
        match h {
            Home::Var(var, ty) => {
                let v = self.b.use_var(var);
                self.push(SKind::of(ty), v);
            }
            // A reference read from memory may stay on the evaluation
            // stack across a call: declared like any other pushed value.
            Home::Slot(slot, ty) => {
                let addr = self.b.ins().stack_addr(types::I64, slot, 0);
                let e = self.load_ty(ty, addr, 0)?;
                self.push(e.k, e.v);
            }
            Home::Ptr(p, ty) => {
                let e = self.load_ty(ty, p, 0)?;
                self.push(e.k, e.v);
            }
        }
        Ok(())
    }

    pub(super) fn store_home(&mut self, h: Home) -> R<()> {
        let e = self.pop()?;
        match h {
            Home::Var(var, ty) => {
                let v = self.coerce(e, ty)?;
                let v = self.normalize(ty, v);
                self.b.def_var(var, v);
            }
            Home::Slot(slot, ty) => {
                let addr = self.b.ins().stack_addr(types::I64, slot, 0);
                self.store_local_ty(ty, addr, e)?;
            }
            Home::Ptr(p, ty) => self.store_local_ty(ty, p, e)?,
        }
        Ok(())
    }

    pub(super) fn addr_home(&mut self, h: Home) -> Value {
        match h {
            Home::Slot(slot, _) => self.b.ins().stack_addr(types::I64, slot, 0),
            Home::Ptr(p, _) => p,
            // setup() gives every address-taken variable a slot.
            Home::Var(..) => self.b.ins().iconst(types::I64, 0),
        }
    }

    /// Sign- or zero-extend a small integer held in an i32 to its type's range.
    pub fn normalize(&mut self, ty: Ty, v: Value) -> Value {
        let (bits, signed) = match ty {
            Ty::Prim(Prim::Bool | Prim::U1) => (types::I8, false),
            Ty::Prim(Prim::I1) => (types::I8, true),
            Ty::Prim(Prim::Char | Prim::U2) => (types::I16, false),
            Ty::Prim(Prim::I2) => (types::I16, true),
            _ => return v,
        };
        let r = self.b.ins().ireduce(bits, v);
        if signed {
            self.b.ins().sextend(types::I32, r)
        } else {
            self.b.ins().uextend(types::I32, r)
        }
    }

    /// Convert a stack entry to the representation of `ty` (the implicit
    /// conversions of ECMA-335 III.1.6: int32 -> native int, F widths).
    pub fn coerce(&mut self, e: Entry, ty: Ty) -> R<Value> {
        let want = SKind::of(ty);
        Ok(match (e.k, want) {
            (a, b)
                if a.cl() == b.cl() && !matches!(a, SKind::V(_)) && !matches!(b, SKind::V(_)) =>
            {
                e.v
            }
            (SKind::I4, SKind::I8 | SKind::N | SKind::M | SKind::O) => match ty {
                Ty::Prim(Prim::U | Prim::U8) | Ty::Ptr => self.b.ins().uextend(types::I64, e.v),
                _ => self.b.ins().sextend(types::I64, e.v),
            },
            (SKind::I8 | SKind::N | SKind::M | SKind::O, SKind::I4) => {
                self.b.ins().ireduce(types::I32, e.v)
            }
            (SKind::F4, SKind::F8) => self.b.ins().fpromote(types::F64, e.v),
            (SKind::F8, SKind::F4) => self.b.ins().fdemote(types::F32, e.v),
            (SKind::V(a), SKind::V(b)) if a == b => e.v,
            _ => return Err(ErrorKind::BadStackType),
        })
    }
}
