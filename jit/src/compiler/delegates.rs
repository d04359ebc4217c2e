//! Delegates: `ldftn`, `ldvirtftn`, `newobj` of a delegate type, `Invoke`.
//!
//! A *method pointer* (what `ldftn`/`ldvirtftn` push) is the address of
//! the method's indirection cell, not of its code: the cell is stable while
//! the method is compiled lazily behind it, so two delegates of the same
//! method compare equal (`Delegate.Remove`, `==`) whether or not it has
//! been compiled in between. Calling through one loads the cell first.
//!
//! A delegate object is a `System.Delegate` (corlib `Delegate.cs`):
//! `_target` (the closed-over object or null), `_methodPtr` (the cell) and
//! `_invocationList` (a `Delegate[]` of single-cast delegates for a
//! multicast one, else null). All are ordinary fields of a corlib class,
//! so the type's layout lists the two references for the collector.
//!
//! The delegate type's constructor and `Invoke` have no bodies (`runtime
//! managed`); the compiler expands both at the call site:
//! * `newobj D::.ctor(object, native int)` allocates a `D` and stores the
//!   two fields.
//! * `callvirt D::Invoke(args)` walks the invocation list (a single-cast
//!   delegate is a list of one) and calls each entry's cell with `_target`
//!   as the first argument when it is not null (instance methods, and
//!   static methods closed over their first argument), without it when it
//!   is null (static methods); the last call's result is the result.

use alloc::vec::Vec;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};

use super::ErrorKind;
use super::func::{R, Tr, abi_signature, flags};
use super::stack::SKind;
use super::symbols::Sym;
use crate::types::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, MethodId, Ty, TypeId};

/// Field offsets of `System.Delegate` in an instance.
struct DelegateFields {
    target: i32,
    method: i32,
    list: i32,
}

impl Tr<'_, '_> {
    /// Whether `t` derives from `System.MulticastDelegate` (a delegate type).
    pub fn is_delegate_type(&self, t: TypeId) -> bool {
        let mut parent = self.env.types().ty(t).parent;
        while let Some(p) = parent {
            let ty = self.env.types().ty(p);
            if ty.namespace == "System" && ty.name == "MulticastDelegate" {
                return true;
            }
            parent = ty.parent;
        }
        false
    }

    fn delegate_fields(&mut self) -> R<DelegateFields> {
        let types = self.env.types_mut();
        let d = types.corlib_type_in("System", "Delegate")?;
        types.ensure_layout(d)?;
        let off = |name: &str| -> R<i32> {
            let f = types
                .find_field(d, name)
                .ok_or(ErrorKind::UnsupportedCall)?;
            Ok(types.field(f).offset as i32)
        };
        Ok(DelegateFields {
            target: off("_target")?,
            method: off("_methodPtr")?,
            list: off("_invocationList")?,
        })
    }

    /// `ldftn m`: push `m`'s method pointer.
    pub fn ldftn(&mut self, m: MethodId) -> R<()> {
        let sym = self.method_pointer(m);
        let v = self.sym(sym)?;
        self.push(SKind::N, v);
        Ok(())
    }

    /// The method pointer of `m` as `ldftn` gives it: its cell, or for an
    /// instance method of a value type the unboxing cell (a delegate over
    /// a struct method is closed over the boxed struct).
    fn method_pointer(&mut self, m: MethodId) -> Sym {
        let mi = self.env.types().method(m);
        let owner = mi.owner;
        if !mi.is_static() && self.env.types().ty(owner).is_value_type() {
            return Sym::UnboxingCell(m);
        }
        Sym::MethodCell(m)
    }

    /// `ldvirtftn m`: pop an object, push the method pointer its virtual
    /// (or interface) dispatch of `m` reaches.
    pub fn ldvirtftn(&mut self, m: MethodId) -> R<()> {
        let obj = self.pop_obj()?;
        self.null_check(obj);
        if !self.env.types().method(m).is_virtual() {
            return self.ldftn(m);
        }
        let cell = self.virtual_cell(obj, m, false)?;
        self.push(SKind::N, cell);
        Ok(())
    }

    /// `newobj D::.ctor(object target, native int method)`.
    pub fn delegate_ctor(&mut self, ctor: MethodId) -> R<()> {
        let owner = self.env.types().method(ctor).owner;
        let args = self.popn(2)?;
        let (target, method) = (args[0], args[1]);
        if target.k != SKind::O {
            return Err(ErrorKind::BadStackType);
        }
        let method = self.widen_native(method)?;
        let f = self.delegate_fields()?;
        let size = self.env.types_mut().ensure_layout(owner)?.size;
        self.value_needs_stack_map(target.v, SKind::O);
        let obj = self.alloc_object(owner, size)?;
        self.emit_ref_store(obj, f.target, target.v);
        self.b.ins().store(flags(), method, obj, f.method);
        self.push(SKind::O, obj);
        Ok(())
    }

    /// `callvirt D::Invoke(args)`: call every delegate of the invocation list.
    pub fn delegate_invoke(&mut self, m: MethodId) -> R<()> {
        let sig = self.env.types_mut().method_sig(m)?.clone();
        let args = self.popn(sig.params.len())?;
        let this = self.pop()?;
        if this.k != SKind::O {
            return Err(ErrorKind::BadStackType);
        }
        self.null_check(this.v);
        let f = self.delegate_fields()?;

        let retbuf = match sig.ret {
            Ty::Value(t) => Some((self.temp_value(t)?, t)),
            _ => None,
        };
        let mut arg_vals = Vec::new();
        for (e, ty) in args.iter().zip(&sig.params) {
            arg_vals.push(self.arg_value(*e, *ty)?);
        }

        let mut inst_sig = sig.clone();
        inst_sig.has_this = true;
        let mut stat_sig = sig.clone();
        stat_sig.has_this = false;
        let inst_ref = self
            .b
            .import_signature(abi_signature(&inst_sig, self.call_conv));
        let stat_abi = abi_signature(&stat_sig, self.call_conv);
        let ret_ty = stat_abi.returns.first().map(|p| p.value_type);
        let stat_ref = self.b.import_signature(stat_abi);

        let leading: Vec<Value> = retbuf.iter().map(|(a, _)| *a).collect();
        let calls = InvokeCalls {
            inst_ref,
            stat_ref,
            ret_ty,
            leading: &leading,
            args: &arg_vals,
        };
        let single = self.b.create_block();
        let multi = self.b.create_block();
        let fetch = self.b.create_block();
        let done = self.b.create_block();
        let dr = ret_ty.map(|t| self.b.append_block_param(done, t));
        // fetch(i, n)
        let fi = self.b.append_block_param(fetch, types::I32);
        let fnn = self.b.append_block_param(fetch, types::I32);

        // A single-cast delegate (no invocation list) calls its own target
        // straight away; only a multicast one loops over its list, so the
        // common case keeps no loop counters alive across the call.
        // Only tested here (reloaded below for the loop), so it is not live
        // across the single-cast call and never spilled for a stack map.
        let has_list = self.b.ins().load(types::I64, flags(), this.v, f.list);
        self.b.ins().brif(has_list, multi, &[], single, &[]);

        self.b.switch_to_block(single);
        let r = self.invoke_one(this.v, &f, &calls, false)?;
        if let (Some(r), Ty::Ref(_)) = (r, sig.ret) {
            self.value_needs_stack_map(r, SKind::O);
        }
        self.check_exception();
        let done_args: Vec<BlockArg> = r.map(|r| r.into()).into_iter().collect();
        self.b.ins().jump(done, &done_args);

        // The multicast loop is laid out after the method's hot code, so
        // the single-cast path falls through to `done`.
        self.b.switch_to_block(multi);
        self.b.set_cold_block(multi);
        let list = self.b.ins().load(types::I64, flags(), this.v, f.list);
        self.value_needs_stack_map(list, SKind::O);
        let n = self
            .b
            .ins()
            .load(types::I32, flags(), list, ARRAY_LENGTH_OFFSET as i32);
        let zero = self.iconst(types::I32, 0);
        self.b.ins().jump(fetch, &[zero.into(), n.into()]);

        self.b.switch_to_block(fetch);
        self.b.set_cold_block(fetch);
        let i64v = self.b.ins().uextend(types::I64, fi);
        let off = self.b.ins().ishl_imm_u(i64v, 3);
        let addr = self.b.ins().iadd(list, off);
        let elem = self
            .b
            .ins()
            .load(types::I64, flags(), addr, ARRAY_DATA_OFFSET as i32);
        let r = self.invoke_one(elem, &f, &calls, true)?;
        if let (Some(r), Ty::Ref(_)) = (r, sig.ret) {
            self.value_needs_stack_map(r, SKind::O);
        }
        self.check_exception();
        if let Some(b) = self.b.current_block() {
            self.b.set_cold_block(b);
        }
        let next = self.b.ins().iadd_imm_s(fi, 1);
        let more = self.b.ins().icmp(IntCC::SignedLessThan, next, fnn);
        let done_args: Vec<BlockArg> = r.map(|r| r.into()).into_iter().collect();
        // The loop leaves through a cold block of its own: a branch
        // straight to `done` would be a critical edge, whose block (with
        // the register moves of the join) Cranelift lays out with `done`,
        // i.e. in the hot path, where the single-cast call jumped over it.
        let leave = self.b.create_block();
        self.b.set_cold_block(leave);
        self.b
            .ins()
            .brif(more, fetch, &[next.into(), fnn.into()], leave, &[]);
        self.b.switch_to_block(leave);
        self.b.ins().jump(done, &done_args);

        self.b.switch_to_block(done);
        match (sig.ret, retbuf) {
            (_, Some((a, t))) => self.push(SKind::V(t), a),
            (Ty::Void, _) => {}
            (ty, _) => {
                let r = dr.ok_or(ErrorKind::Codegen)?;
                self.push(SKind::of(ty), r);
            }
        }
        Ok(())
    }

    /// Call the target of single-cast delegate `d` with the invocation's
    /// arguments: with `_target` as the first argument when it is not null
    /// (instance methods, static methods closed over their first
    /// argument), without when it is (static methods). Answers the result
    /// (in a join block, which is current afterwards); the caller checks
    /// the exception word. `cold`: its blocks are laid out with the
    /// method's cold code (the multicast loop).
    fn invoke_one(
        &mut self,
        d: Value,
        f: &DelegateFields,
        calls: &InvokeCalls<'_>,
        cold: bool,
    ) -> R<Option<Value>> {
        let inst = self.b.create_block();
        let stat = self.b.create_block();
        let after = self.b.create_block();
        if cold {
            for b in [inst, stat, after] {
                self.b.set_cold_block(b);
            }
        }
        let ar = calls.ret_ty.map(|t| self.b.append_block_param(after, t));
        let target = self.b.ins().load(types::I64, flags(), d, f.target);
        let cell = self.b.ins().load(types::I64, flags(), d, f.method);
        let code = self.b.ins().load(types::I64, flags(), cell, 0);
        self.b.ins().brif(target, inst, &[], stat, &[]);
        for (blk, with_this) in [(inst, true), (stat, false)] {
            self.b.switch_to_block(blk);
            let mut vals = calls.leading.to_vec();
            if with_this {
                vals.push(target);
            }
            vals.extend_from_slice(calls.args);
            let sref = if with_this {
                calls.inst_ref
            } else {
                calls.stat_ref
            };
            let c = self.b.ins().call_indirect(sref, code, &vals);
            let mut out: Vec<BlockArg> = Vec::new();
            if calls.ret_ty.is_some() {
                let r = self
                    .b
                    .inst_results(c)
                    .first()
                    .copied()
                    .ok_or(ErrorKind::Codegen)?;
                out.push(r.into());
            }
            self.b.ins().jump(after, &out);
        }
        self.b.switch_to_block(after);
        Ok(ar)
    }
}

/// What every call of one `Invoke` expansion shares: the two signatures
/// (with and without `this`), the return type, the leading return
/// buffer and the arguments.
struct InvokeCalls<'a> {
    inst_ref: cranelift_codegen::ir::SigRef,
    stat_ref: cranelift_codegen::ir::SigRef,
    ret_ty: Option<cranelift_codegen::ir::Type>,
    leading: &'a [Value],
    args: &'a [Value],
}
