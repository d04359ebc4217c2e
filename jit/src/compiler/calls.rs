//! `call`, `callvirt` (virtual and interface dispatch), `newobj`.
//!
//! Every call loads the callee's code address from its indirection cell
//! (direct calls: a constant cell address; virtual calls: the cell found in
//! the object's vtable; interface calls: the cell the runtime finds in the
//! type's interface map), so a not-yet-compiled callee runs its stub.

use alloc::vec::Vec;

use cranelift_codegen::ir::{InstBuilder, Value, types};

use super::ErrorKind;
use super::func::{R, Tr, abi_signature, flags};
use super::stack::{Entry, SKind};
use super::symbols::Sym;
use crate::abi::Helper;
use crate::abi::MT_VTABLE;
use crate::metadata::{Instruction, Opcode, Operand};
use crate::types::{MethodId, MethodKind, MethodSigTy, Ty, TypeId, TypeKind};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dispatch {
    Direct,
    Virtual,
}

impl Tr<'_, '_> {
    /// Call opcodes; returns false when `ins` is not one.
    pub fn call_op(&mut self, ins: &Instruction<'_>) -> R<bool> {
        let Operand::Token(tok) = ins.operand else {
            return Ok(false);
        };
        if matches!(ins.opcode, Opcode::Call | Opcode::Callvirt | Opcode::Newobj)
            && self.md_array_call(tok)?
        {
            return Ok(true);
        }
        match ins.opcode {
            Opcode::Call | Opcode::Callvirt => {
                let m = self
                    .env
                    .types_mut()
                    .resolve_method_token_in(self.asm, tok, &self.gctx)?;
                let virt = ins.opcode == Opcode::Callvirt;
                self.call(
                    m,
                    if virt {
                        Dispatch::Virtual
                    } else {
                        Dispatch::Direct
                    },
                )?;
            }
            Opcode::Newobj => {
                let m = self
                    .env
                    .types_mut()
                    .resolve_method_token_in(self.asm, tok, &self.gctx)?;
                self.newobj(m)?;
            }
            Opcode::Ldftn => {
                let m = self
                    .env
                    .types_mut()
                    .resolve_method_token_in(self.asm, tok, &self.gctx)?;
                self.ldftn(m)?;
            }
            Opcode::Ldvirtftn => {
                let m = self
                    .env
                    .types_mut()
                    .resolve_method_token_in(self.asm, tok, &self.gctx)?;
                self.ldvirtftn(m)?;
            }
            Opcode::Calli => self.calli(tok)?,
            Opcode::Jmp => {
                return Err(ErrorKind::UnsupportedOpcode(ins.opcode));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn call(&mut self, m: MethodId, dispatch: Dispatch) -> R<()> {
        let sig = self.env.types_mut().method_sig(m)?.clone();
        let owner = self.env.types().method(m).owner;
        if self.generic_special_call(m)? {
            return Ok(());
        }
        if self.env.types().method(m).kind == MethodKind::Runtime
            && self.env.types().method(m).name == "Invoke"
            && self.is_delegate_type(owner)
        {
            return self.delegate_invoke(m);
        }
        let mut args = self.popn(sig.params.len())?;
        let mut this = if sig.has_this {
            Some(self.pop()?)
        } else {
            None
        };
        let mut dispatch = dispatch;
        // constrained. T callvirt M: `this` is a managed pointer to a T.
        if let (Some(tok), Some(t)) = (self.constrained.take(), this) {
            let ct = self
                .env
                .types_mut()
                .resolve_type_token_in(self.asm, tok, &self.gctx)?;
            if !matches!(t.k, SKind::M | SKind::N) {
                return Err(ErrorKind::BadStackType);
            }
            if self.env.types().ty(ct).is_value_type() {
                let own = self.implementing_method(ct, m)?;
                match own {
                    Some(own) => return self.finish_call(own, Dispatch::Direct, Some(t), args),
                    None => {
                        let ty = self.env.types().ty_of_type(ct);
                        let e = self.load_ty(ty, t.v, 0)?;
                        let boxed = self.box_value(ct, e)?;
                        this = Some(Entry {
                            k: SKind::O,
                            v: boxed,
                        });
                    }
                }
            } else {
                let r = self.b.ins().load(types::I64, flags(), t.v, 0);
                this = Some(Entry { k: SKind::O, v: r });
            }
        }
        if self.env.types().method(m).is_static() && !self.env.types().ty(owner).before_field_init()
        {
            self.cctor_check(owner)?;
        }
        if dispatch == Dispatch::Virtual && !self.env.types().method(m).is_virtual() {
            // callvirt of a non-virtual method: a null check, then a direct call.
            if let Some(t) = this {
                self.null_check(t.v);
            }
            dispatch = Dispatch::Direct;
        }
        // A by-value struct `this` (ldloc; call) is fine: pass its storage.
        let _ = &mut args;
        self.finish_call(m, dispatch, this, args)
    }

    /// The method of value type `t` that implements/overrides `m`, if `t`
    /// declares one (used by `constrained.`).
    fn implementing_method(&mut self, t: crate::types::TypeId, m: MethodId) -> R<Option<MethodId>> {
        self.env.types_mut().prepare(t)?;
        let mowner = self.env.types().method(m).owner;
        if self.env.types().ty(mowner).kind == TypeKind::Interface {
            let idx = self
                .env
                .types()
                .ty(mowner)
                .methods
                .iter()
                .position(|&x| x == m);
            if let (Some(slots), Some(i)) = (self.env.types().interface_slots(t, mowner), idx) {
                let s = slots.get(i).copied().unwrap_or(u32::MAX);
                if let Some(&impl_m) = self.env.types().ty(t).vtable.get(s as usize) {
                    return Ok(Some(impl_m));
                }
            }
            return Ok(None);
        }
        if let Some(s) = self.env.types().method(m).slot
            && let Some(&impl_m) = self.env.types().ty(t).vtable.get(s as usize)
            && self.env.types().method(impl_m).owner == t
        {
            return Ok(Some(impl_m));
        }
        Ok(None)
    }

    fn finish_call(
        &mut self,
        m: MethodId,
        dispatch: Dispatch,
        this: Option<Entry>,
        args: Vec<Entry>,
    ) -> R<()> {
        let sig = self.env.types_mut().method_sig(m)?.clone();
        if let Some(k) = self.intrinsic(m)
            && this.is_none()
        {
            return self.expand_intrinsic(k, &sig, &args);
        }
        if self.env.types().method(m).kind == MethodKind::Runtime && !self.env.has_internal_call(m)
        {
            return Err(ErrorKind::UnsupportedInternalCall);
        }
        let mut vals = Vec::new();
        let retbuf = match sig.ret {
            Ty::Value(t) => {
                let a = self.temp_value(t)?;
                vals.push(a);
                Some((a, t))
            }
            _ => None,
        };
        if let Some(t) = this {
            // `this`: a reference, a managed/native pointer, or a struct
            // value's storage; never a number of another width.
            match t.k {
                SKind::O | SKind::M | SKind::N | SKind::V(_) => vals.push(t.v),
                _ => return Err(ErrorKind::BadStackType),
            }
        }
        for (e, ty) in args.iter().zip(&sig.params) {
            vals.push(self.arg_value(*e, *ty)?);
        }
        let code = match dispatch {
            Dispatch::Direct => {
                if self.env.types().method(m).kind == MethodKind::Abstract {
                    return Err(ErrorKind::NoBody);
                }
                let c = self.sym(Sym::MethodCell(m))?;
                self.b.ins().load(types::I64, flags(), c, 0)
            }
            Dispatch::Virtual => {
                let obj = match this {
                    Some(Entry { k: SKind::O, v }) => v,
                    _ => return Err(ErrorKind::BadStackType),
                };
                self.null_check(obj);
                let cell = self.virtual_cell(obj, m, true)?;
                self.b.ins().load(types::I64, flags(), cell, 0)
            }
        };
        self.managed_call(&sig, code, &vals, retbuf)
    }

    /// `calli sig`: the method pointer on top of the stack, the arguments
    /// below it. A method pointer is what `ldftn`/`ldvirtftn` push: the
    /// address of an indirection cell (delegates.rs), so the code address
    /// is loaded from it, exactly as a direct call loads its callee's cell,
    /// and a callee not yet compiled runs its stub. Only the managed
    /// default calling convention is compiled (no varargs, no unmanaged
    /// targets: nothing in a driver host has a native function pointer).
    fn calli(&mut self, tok: crate::metadata::Token) -> R<()> {
        let sig = self
            .env
            .types_mut()
            .calli_sig(self.asm, tok, &self.gctx)?
            .ok_or(ErrorKind::UnsupportedCall)?;
        let ftn = self.pop()?;
        if ftn.k != SKind::N {
            return Err(ErrorKind::BadStackType);
        }
        let args = self.popn(sig.params.len())?;
        let this = if sig.has_this {
            Some(self.pop()?)
        } else {
            None
        };
        let mut vals = Vec::new();
        let retbuf = match sig.ret {
            Ty::Value(t) => {
                let a = self.temp_value(t)?;
                vals.push(a);
                Some((a, t))
            }
            _ => None,
        };
        if let Some(t) = this {
            match t.k {
                SKind::O | SKind::M | SKind::N => vals.push(t.v),
                _ => return Err(ErrorKind::BadStackType),
            }
        }
        for (e, ty) in args.iter().zip(&sig.params) {
            vals.push(self.arg_value(*e, *ty)?);
        }
        // A null method pointer is a NullReferenceException, not a jump
        // to address 0 read from page 0.
        self.null_check(ftn.v);
        let code = self.b.ins().load(types::I64, flags(), ftn.v, 0);
        self.managed_call(&sig, code, &vals, retbuf)
    }

    /// Calls managed code at `code` with `vals` (the return buffer first,
    /// if any), checks for an exception in flight (every managed call may
    /// leave one) and pushes the result: the buffer's value, or the
    /// returned value unless `void`.
    fn managed_call(
        &mut self,
        sig: &MethodSigTy,
        code: Value,
        vals: &[Value],
        retbuf: Option<(Value, TypeId)>,
    ) -> R<()> {
        let s = abi_signature(sig, self.call_conv);
        let sigref = self.b.import_signature(s);
        let call = self.b.ins().call_indirect(sigref, code, vals);
        let results: Vec<Value> = self.b.inst_results(call).to_vec();
        self.check_exception();
        match (sig.ret, retbuf) {
            (_, Some((a, t))) => self.push(SKind::V(t), a),
            (Ty::Void, _) => {}
            (ty, _) => {
                let r = results.first().copied().ok_or(ErrorKind::Codegen)?;
                self.push(SKind::of(ty), r);
            }
        }
        Ok(())
    }

    /// Stack entry `e` as an argument of declared type `ty`.
    pub(super) fn arg_value(&mut self, e: Entry, ty: Ty) -> R<Value> {
        Ok(match ty {
            // Structs go by reference to a copy. Every V entry owns its
            // storage (see stack.rs), so the entry itself is that copy.
            Ty::Value(_) => match e.k {
                SKind::V(_) => e.v,
                _ => return Err(ErrorKind::BadStackType),
            },
            _ => self.coerce(e, ty)?,
        })
    }

    /// The cell virtual (or interface) dispatch of `m` on the non-null
    /// `obj` reaches. Calls look an interface method up through a
    /// call-site cache (`cache_interface`); `ldvirtftn` asks the runtime
    /// directly.
    pub(super) fn virtual_cell(
        &mut self,
        obj: Value,
        m: MethodId,
        cache_interface: bool,
    ) -> R<Value> {
        let owner = self.env.types().method(m).owner;
        self.env.types_mut().prepare(owner)?;
        Ok(if !self.env.types().method(m).method_args.is_empty() {
            // A generic virtual method: the runtime instantiates
            // the override (runtime/generic_virtual.rs).
            let mv = self.sym_i32(Sym::MethodNum(m))?;
            self.cached_cell(
                obj,
                Helper::GenericVirtualCell,
                &[mv],
                &[types::I64, types::I32],
            )?
        } else if self.env.types().ty(owner).kind == TypeKind::Interface {
            let idx = self
                .env
                .types()
                .ty(owner)
                .methods
                .iter()
                .position(|&x| x == m)
                .ok_or(ErrorKind::UnsupportedCall)?;
            if cache_interface {
                self.interface_cell_cached(obj, owner, idx)?
            } else {
                let iface = self.sym_i32(Sym::TypeNum(owner))?;
                let ix = self.iconst(types::I32, idx as i64);
                self.call_helper(
                    Helper::InterfaceCell,
                    &[obj, iface, ix],
                    &[types::I64, types::I32, types::I32],
                    Some(types::I64),
                )
                .ok_or(ErrorKind::Codegen)?
            }
        } else {
            let slot = self
                .env
                .types()
                .method(m)
                .slot
                .ok_or(ErrorKind::UnsupportedCall)?;
            let mt = self.b.ins().load(types::I64, flags(), obj, 0);
            self.b
                .ins()
                .load(types::I64, flags(), mt, MT_VTABLE + 8 * slot as i32)
        })
    }

    /// The cell an interface call on `obj` reaches, through a monomorphic
    /// cache at the call site: the method table seen last and the cell it
    /// dispatched to. A hit costs two loads and a compare; a miss asks the
    /// runtime (`rt_interface_cell`) and refills the cache.
    fn interface_cell_cached(
        &mut self,
        obj: Value,
        iface: crate::types::TypeId,
        idx: usize,
    ) -> R<Value> {
        let ifv = self.sym_i32(Sym::TypeNum(iface))?;
        let ix = self.iconst(types::I32, idx as i64);
        self.cached_cell(
            obj,
            Helper::InterfaceCell,
            &[ifv, ix],
            &[types::I64, types::I32, types::I32],
        )
    }

    /// The cell `helper(obj, extra...)` answers, cached at the call site
    /// by `obj`'s method table (the answer depends on nothing else).
    pub(super) fn cached_cell(
        &mut self,
        obj: Value,
        helper: Helper,
        extra: &[Value],
        params: &[types::Type],
    ) -> R<Value> {
        let n = self.call_sites;
        self.call_sites += 1;
        let sitev = self.sym(Sym::CallSiteCache(n))?;
        let mt = self.b.ins().load(types::I64, flags(), obj, 0);
        let seen = self.b.ins().load(types::I64, flags(), sitev, 0);
        let hit = self
            .b
            .ins()
            .icmp(cranelift_codegen::ir::condcodes::IntCC::Equal, mt, seen);
        let hit_b = self.b.create_block();
        let miss_b = self.b.create_block();
        let join = self.b.create_block();
        let cell = self.b.append_block_param(join, types::I64);
        self.b.set_cold_block(miss_b);
        self.b.ins().brif(hit, hit_b, &[], miss_b, &[]);
        self.b.switch_to_block(hit_b);
        let c = self.b.ins().load(types::I64, flags(), sitev, 8);
        self.b.ins().jump(join, &[c.into()]);
        self.b.switch_to_block(miss_b);
        let mut args = alloc::vec![obj];
        args.extend_from_slice(extra);
        let c = self
            .call_helper(helper, &args, params, Some(types::I64))
            .ok_or(ErrorKind::Codegen)?;
        self.rest_is_cold();
        self.b.ins().store(flags(), mt, sitev, 0);
        self.b.ins().store(flags(), c, sitev, 8);
        self.b.ins().jump(join, &[c.into()]);
        self.b.switch_to_block(join);
        Ok(cell)
    }

    pub(super) fn newobj(&mut self, ctor: MethodId) -> R<()> {
        let owner = self.env.types().method(ctor).owner;
        let (ns, name) = {
            let t = self.env.types().ty(owner);
            (t.namespace.clone(), t.name.clone())
        };
        let sig = self.env.types_mut().method_sig(ctor)?.clone();
        if !sig.has_this || self.env.types().method(ctor).is_static() {
            // newobj names an instance constructor; anything else is bad IL.
            return Err(ErrorKind::BadToken);
        }
        if ns == "System" && name == "String" {
            // `new string(...)` is a call to the static String.Ctor(...) with
            // the same parameters (docs/managed.md).
            let methods = self.env.types().ty(owner).methods.clone();
            for cand in methods {
                if self.env.types().method(cand).name == "Ctor"
                    && self.env.types_mut().method_sig(cand)?.params == sig.params
                {
                    return self.call(cand, Dispatch::Direct);
                }
            }
            return Err(ErrorKind::UnsupportedCall);
        }
        match self.env.types().ty(owner).kind {
            TypeKind::Class => {}
            TypeKind::Struct | TypeKind::Enum(_) | TypeKind::Primitive(_) => {
                let args = self.popn(sig.params.len())?;
                let ty = self.env.types().ty_of_type(owner);
                let slot = self.new_slot(ty)?;
                let a = self.b.ins().stack_addr(types::I64, slot, 0);
                let size = self.env.types_mut().size_of(ty)?;
                self.zero(a, size)?;
                if !self.env.types().ty(owner).before_field_init() {
                    self.cctor_check(owner)?;
                }
                self.finish_call(
                    ctor,
                    Dispatch::Direct,
                    Some(Entry { k: SKind::M, v: a }),
                    args,
                )?;
                let e = self.load_ty(ty, a, 0)?;
                self.stack.push(e);
                return Ok(());
            }
            _ => return Err(ErrorKind::UnsupportedCall),
        }
        if self.is_delegate_type(owner) {
            return self.delegate_ctor(ctor);
        }
        let args = self.popn(sig.params.len())?;
        if !self.env.types().ty(owner).before_field_init() {
            self.cctor_check(owner)?;
        }
        let size = self.env.types_mut().ensure_layout(owner)?.size;
        let obj = self.alloc_object(owner, size)?;
        self.finish_call(
            ctor,
            Dispatch::Direct,
            Some(Entry {
                k: SKind::O,
                v: obj,
            }),
            args,
        )?;
        self.push(SKind::O, obj);
        Ok(())
    }
}
