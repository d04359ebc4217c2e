//! Fields, statics, objects, arrays, boxing, casts, indirect loads/stores,
//! `ldstr`, `ldtoken`, `localloc`, `throw`.

use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, condcodes::IntCC, types};

use super::ErrorKind;
use super::func::{R, Tr, flags};
use super::stack::{Entry, SKind};
use super::symbols::Sym;
use crate::abi::{CCTOR_DONE, ExceptionKind, Helper};
use crate::metadata::{Instruction, Opcode, Operand, TableId, Token};
use crate::types::{
    ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, FieldId, OBJECT_HEADER_SIZE, Prim, Ty, TypeId, TypeKind,
};

impl Tr<'_, '_> {
    /// `h(obj, t)` for the runtime helpers that check or unwrap an object
    /// against type `t` (`CastClass`, `IsInst`, `Unbox`): a pointer back.
    pub(super) fn type_helper(&mut self, h: Helper, obj: Value, t: TypeId) -> R<Value> {
        let tid = self.sym_i32(Sym::TypeNum(t))?;
        self.call_helper(h, &[obj, tid], &[types::I64, types::I32], Some(types::I64))
            .ok_or(ErrorKind::Codegen)
    }

    fn token(ins: &Instruction<'_>) -> R<Token> {
        match ins.operand {
            Operand::Token(t) => Ok(t),
            _ => Err(ErrorKind::BadStackType),
        }
    }

    fn field(&mut self, tok: Token) -> R<(FieldId, Ty, i32)> {
        let f = self
            .env
            .types_mut()
            .resolve_field_token_in(self.asm, tok, &self.gctx)?;
        let fi = self.env.types().field(f);
        Ok((f, fi.ty, fi.offset as i32))
    }

    /// Emit the `beforefieldinit`/precise static-constructor trigger for `t`.
    pub fn cctor_check(&mut self, t: TypeId) -> R<()> {
        let Some(cctor) = self.env.types().ty(t).cctor else {
            return Ok(());
        };
        if cctor == self.m {
            return Ok(());
        }
        let Some(flag) = self.env.cctor_state(t) else {
            // Already ran: nothing to check, ever again, in this runtime;
            // a new runtime would have to run it (`keepable`).
            self.keepable = false;
            return Ok(());
        };
        let a = self.sym_known(Sym::CctorState(t), flag);
        let state = self.b.ins().uload8(types::I32, MemFlagsData::new(), a, 0);
        let done = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, state, i64::from(CCTOR_DONE));
        let run = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(run);
        self.b.ins().brif(done, cont, &[], run, &[]);
        self.b.switch_to_block(run);
        let tid = self.sym_i32(Sym::TypeNum(t))?;
        self.call_helper(Helper::RunCctor, &[tid], &[types::I32], None);
        self.rest_is_cold();
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// Address of a static field (running the cctor check first).
    fn static_addr(&mut self, f: FieldId) -> R<Value> {
        let fi = self.env.types().field(f);
        let (owner, off, asm, rid, ty) = (fi.owner, fi.offset, fi.asm, fi.rid, fi.ty);
        self.cctor_check(owner)?;
        if let Ok(Some(rva)) = self.env.types().image(asm).tables().field_rva(rid) {
            let _ = rva;
            let size = self.env.types_mut().size_of(ty)?;
            let data = self
                .env
                .types()
                .image(asm)
                .field_data(rid, size)?
                .ok_or(ErrorKind::BadStackType)?;
            let at = data.as_ptr() as usize;
            return Ok(self.sym_known(Sym::FieldData(f), at));
        }
        self.sym_at(Sym::Statics(owner), i64::from(off))
    }

    /// The address an instance-field access goes through, from the object
    /// entry. `O` is null-checked; `V` is the value's own storage.
    fn field_base(&mut self, obj: Entry, owner: TypeId) -> R<Value> {
        match obj.k {
            SKind::O => {
                self.null_check(obj.v);
                if self.env.types().ty(owner).is_value_type() {
                    // A boxed value: fields follow the header.
                    return Ok(self
                        .b
                        .ins()
                        .iadd_imm_s(obj.v, i64::from(OBJECT_HEADER_SIZE)));
                }
                Ok(obj.v)
            }
            SKind::M | SKind::N | SKind::I8 | SKind::V(_) => Ok(obj.v),
            _ => Err(ErrorKind::BadStackType),
        }
    }

    /// The fault injection `ldfld-struct` (off unless the runtime's
    /// options ask for it): the seed JIT's `ldfld` on a struct value. That
    /// JIT kept a small struct's bytes in a register like any other value
    /// and `ldfld` dereferenced the register, so the struct's first
    /// `min(size, 8)` bytes, zero-extended, became the "object" address —
    /// for the 3-byte `PciAddress { Bus = 0, Device = 3, Function = 0 }`,
    /// 0x300. The result is used exactly like a real base: the field is
    /// then read at `base + offset`.
    fn seed_bug5_value_as_address(&mut self, t: TypeId, slot: Value) -> R<Value> {
        let size = self.env.types_mut().size_of(Ty::Value(t))?.min(8);
        let mut acc = self.iconst(types::I64, 0);
        for i in 0..size {
            let byte = self.b.ins().uload8(types::I64, flags(), slot, i as i32);
            let shifted = self.b.ins().ishl_imm_s(byte, i64::from(8 * i));
            acc = self.b.ins().bor(acc, shifted);
        }
        Ok(acc)
    }

    fn array_mt(&mut self, elem: Ty) -> R<Value> {
        let at = self.env.types_mut().array_of(elem)?;
        self.sym(Sym::MethodTable(at))
    }

    /// Bounds-checked address of element `idx` of `arr` with size `esize`.
    fn elem_addr(&mut self, arr: Value, idx: Entry, esize: u32) -> R<Value> {
        self.null_check(arr);
        let len = self
            .b
            .ins()
            .uload32(flags(), arr, ARRAY_LENGTH_OFFSET as i32);
        let i = self.widen_native(idx)?;
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        self.raise_if(oob, ExceptionKind::IndexOutOfRange);
        let scaled = self.b.ins().imul_imm_s(i, i64::from(esize));
        let base = self.b.ins().iadd(arr, scaled);
        Ok(self.b.ins().iadd_imm_s(base, i64::from(ARRAY_DATA_OFFSET)))
    }

    fn elem_ty(&mut self, op: Opcode, tok: Option<Token>) -> R<Ty> {
        use Opcode as O;
        Ok(match op {
            O::LdelemI1 | O::StelemI1 => Ty::Prim(Prim::I1),
            O::LdelemU1 => Ty::Prim(Prim::U1),
            O::LdelemI2 | O::StelemI2 => Ty::Prim(Prim::I2),
            O::LdelemU2 => Ty::Prim(Prim::U2),
            O::LdelemI4 | O::StelemI4 => Ty::Prim(Prim::I4),
            O::LdelemU4 => Ty::Prim(Prim::U4),
            O::LdelemI8 | O::StelemI8 => Ty::Prim(Prim::I8),
            O::LdelemI | O::StelemI => Ty::Prim(Prim::I),
            O::LdelemR4 | O::StelemR4 => Ty::Prim(Prim::R4),
            O::LdelemR8 | O::StelemR8 => Ty::Prim(Prim::R8),
            O::LdelemRef | O::StelemRef => Ty::Ref(self.env.types_mut().corlib_type("Object")?),
            _ => {
                let tok = tok.ok_or(ErrorKind::BadStackType)?;
                self.env
                    .types_mut()
                    .ty_of_token_in(self.asm, tok, &self.gctx)?
            }
        })
    }

    fn ind_ty(op: Opcode) -> Ty {
        use Opcode as O;
        Ty::Prim(match op {
            O::LdindI1 | O::StindI1 => Prim::I1,
            O::LdindU1 => Prim::U1,
            O::LdindI2 | O::StindI2 => Prim::I2,
            O::LdindU2 => Prim::U2,
            O::LdindI4 | O::StindI4 => Prim::I4,
            O::LdindU4 => Prim::U4,
            O::LdindI8 | O::StindI8 => Prim::I8,
            O::LdindR4 | O::StindR4 => Prim::R4,
            O::LdindR8 | O::StindR8 => Prim::R8,
            _ => Prim::I,
        })
    }

    /// Box the entry `e` as type `t`.
    pub fn box_value(&mut self, t: TypeId, e: Entry) -> R<Value> {
        let ty = self.env.types().ty_of_type(t);
        if matches!(ty, Ty::Ref(_)) {
            // Boxing a reference type is the identity.
            return if e.k == SKind::O {
                Ok(e.v)
            } else {
                Err(ErrorKind::BadStackType)
            };
        }
        let size = OBJECT_HEADER_SIZE + self.env.types_mut().size_of(ty)?;
        let obj = self.alloc_object(t, size)?;
        self.store_ty(ty, obj, OBJECT_HEADER_SIZE as i32, e)?;
        Ok(obj)
    }

    /// Object-model opcodes; returns false when `ins` is not one.
    pub fn object_op(&mut self, ins: &Instruction<'_>) -> R<bool> {
        use Opcode as O;
        let op = ins.opcode;
        match op {
            O::Ldfld => {
                let (f, ty, off) = self.field(Self::token(ins)?)?;
                let owner = self.env.types().field(f).owner;
                let obj = self.pop()?;
                if self.env.types().field(f).is_static {
                    let a = self.static_addr(f)?;
                    let e = self.load_ty(ty, a, 0)?;
                    self.stack.push(e);
                    return Ok(true);
                }
                // The seed's bug 5: a struct VALUE (from ldloc, a call, a
                // by-value argument) is `V`, whose storage we hold: read the
                // field from it, never through it.
                let base = match obj.k {
                    SKind::V(t) if self.env.options().inject.ldfld_struct => {
                        self.seed_bug5_value_as_address(t, obj.v)?
                    }
                    _ => self.field_base(obj, owner)?,
                };
                let e = self.load_ty(ty, base, off)?;
                self.stack.push(e);
            }
            O::Ldflda => {
                let (f, _, off) = self.field(Self::token(ins)?)?;
                let owner = self.env.types().field(f).owner;
                let obj = self.pop()?;
                let base = self.field_base(obj, owner)?;
                let a = self.b.ins().iadd_imm_s(base, i64::from(off));
                self.push(SKind::M, a);
            }
            O::Stfld => {
                let (f, ty, off) = self.field(Self::token(ins)?)?;
                let owner = self.env.types().field(f).owner;
                let val = self.pop()?;
                let obj = self.pop()?;
                let base = self.field_base(obj, owner)?;
                self.store_ty(ty, base, off, val)?;
            }
            O::Ldsfld | O::Ldsflda | O::Stsfld => {
                let (f, ty, _) = self.field(Self::token(ins)?)?;
                let a = self.static_addr(f)?;
                match op {
                    O::Ldsfld => {
                        let e = self.load_ty(ty, a, 0)?;
                        self.stack.push(e);
                    }
                    O::Ldsflda => self.push(SKind::M, a),
                    _ => {
                        let v = self.pop()?;
                        self.store_ty(ty, a, 0, v)?;
                    }
                }
            }
            O::Newarr => {
                let elem =
                    self.env
                        .types_mut()
                        .ty_of_token_in(self.asm, Self::token(ins)?, &self.gctx)?;
                let mtv = self.array_mt(elem)?;
                let len = self.pop_native()?;
                let a = self
                    .call_helper(
                        Helper::NewArray,
                        &[mtv, len],
                        &[types::I64, types::I64],
                        Some(types::I64),
                    )
                    .ok_or(ErrorKind::Codegen)?;
                self.push(SKind::O, a);
            }
            O::Ldlen => {
                let arr = self.pop_obj()?;
                self.null_check(arr);
                let len = self
                    .b
                    .ins()
                    .uload32(flags(), arr, ARRAY_LENGTH_OFFSET as i32);
                self.push(SKind::N, len);
            }
            O::LdelemI1
            | O::LdelemU1
            | O::LdelemI2
            | O::LdelemU2
            | O::LdelemI4
            | O::LdelemU4
            | O::LdelemI8
            | O::LdelemI
            | O::LdelemR4
            | O::LdelemR8
            | O::LdelemRef
            | O::Ldelem
            | O::Ldelema => {
                let tok = if matches!(op, O::Ldelem | O::Ldelema) {
                    Some(Self::token(ins)?)
                } else {
                    None
                };
                let ty = self.elem_ty(op, tok)?;
                let esize = self.env.types_mut().size_of(ty)?;
                let idx = self.pop()?;
                let arr = self.pop_obj()?;
                let a = self.elem_addr(arr, idx, esize)?;
                if op == O::Ldelema {
                    self.push(SKind::M, a);
                } else {
                    let e = self.load_ty(ty, a, 0)?;
                    self.stack.push(e);
                }
            }
            O::StelemI1
            | O::StelemI2
            | O::StelemI4
            | O::StelemI8
            | O::StelemI
            | O::StelemR4
            | O::StelemR8
            | O::StelemRef
            | O::Stelem => {
                let tok = if op == O::Stelem {
                    Some(Self::token(ins)?)
                } else {
                    None
                };
                let ty = self.elem_ty(op, tok)?;
                let esize = self.env.types_mut().size_of(ty)?;
                let val = self.pop()?;
                let idx = self.pop()?;
                let arr = self.pop_obj()?;
                let a = self.elem_addr(arr, idx, esize)?;
                if ty.is_ref() {
                    if val.k != SKind::O {
                        return Err(ErrorKind::BadStackType);
                    }
                    self.call_helper(
                        Helper::StelemCheck,
                        &[arr, val.v],
                        &[types::I64, types::I64],
                        None,
                    );
                }
                self.store_ty(ty, a, 0, val)?;
            }
            O::LdindI1
            | O::LdindU1
            | O::LdindI2
            | O::LdindU2
            | O::LdindI4
            | O::LdindU4
            | O::LdindI8
            | O::LdindI
            | O::LdindR4
            | O::LdindR8
            | O::LdindRef => {
                let a = self.pop_addr()?;
                let ty = if op == O::LdindRef {
                    Ty::Ref(self.env.types_mut().corlib_type("Object")?)
                } else {
                    Self::ind_ty(op)
                };
                let e = self.load_ty(ty, a, 0)?;
                self.stack.push(e);
            }
            O::StindI1
            | O::StindI2
            | O::StindI4
            | O::StindI8
            | O::StindI
            | O::StindR4
            | O::StindR8
            | O::StindRef => {
                let v = self.pop()?;
                let a = self.pop_addr()?;
                let ty = if op == O::StindRef {
                    Ty::Ref(self.env.types_mut().corlib_type("Object")?)
                } else {
                    Self::ind_ty(op)
                };
                self.store_ty(ty, a, 0, v)?;
            }
            O::Ldobj => {
                let ty =
                    self.env
                        .types_mut()
                        .ty_of_token_in(self.asm, Self::token(ins)?, &self.gctx)?;
                let a = self.pop_addr()?;
                let e = self.load_ty(ty, a, 0)?;
                self.stack.push(e);
            }
            O::Stobj => {
                let ty =
                    self.env
                        .types_mut()
                        .ty_of_token_in(self.asm, Self::token(ins)?, &self.gctx)?;
                let v = self.pop()?;
                let a = self.pop_addr()?;
                self.store_ty(ty, a, 0, v)?;
            }
            O::Cpobj => {
                let ty =
                    self.env
                        .types_mut()
                        .ty_of_token_in(self.asm, Self::token(ins)?, &self.gctx)?;
                let src = self.pop_addr()?;
                let dst = self.pop_addr()?;
                let e = self.load_ty(ty, src, 0)?;
                self.store_ty(ty, dst, 0, e)?;
            }
            O::Initobj => {
                let ty =
                    self.env
                        .types_mut()
                        .ty_of_token_in(self.asm, Self::token(ins)?, &self.gctx)?;
                let a = self.pop_addr()?;
                let size = self.env.types_mut().size_of(ty)?;
                self.zero(a, size)?;
            }
            O::Sizeof => {
                let ty =
                    self.env
                        .types_mut()
                        .ty_of_token_in(self.asm, Self::token(ins)?, &self.gctx)?;
                let size = self.env.types_mut().size_of(ty)?;
                let v = self.iconst(types::I32, i64::from(size));
                self.push(SKind::I4, v);
            }
            O::Box => {
                let t = self.env.types_mut().resolve_type_token_in(
                    self.asm,
                    Self::token(ins)?,
                    &self.gctx,
                )?;
                let e = self.pop()?;
                let o = match self.nullable_arg(t) {
                    Some(inner) => self.box_nullable(t, inner, e)?,
                    // Only tested against null (func.rs): a value type's
                    // box would be a fresh object, never null, so a
                    // non-zero stand-in does; the test consumes it before
                    // any call, so no stack map ever holds it.
                    None if self.box_only_null_tested
                        && !matches!(self.env.types().ty_of_type(t), Ty::Ref(_)) =>
                    {
                        if !matches!(
                            e.k,
                            SKind::I4 | SKind::I8 | SKind::N | SKind::F4 | SKind::F8 | SKind::V(_)
                        ) {
                            return Err(ErrorKind::BadStackType);
                        }
                        self.iconst(types::I64, 1)
                    }
                    None => self.box_value(t, e)?,
                };
                self.push(SKind::O, o);
            }
            O::Unbox | O::UnboxAny => {
                let t = self.env.types_mut().resolve_type_token_in(
                    self.asm,
                    Self::token(ins)?,
                    &self.gctx,
                )?;
                let obj = self.pop_obj()?;
                if let (Some(inner), O::UnboxAny) = (self.nullable_arg(t), op) {
                    let e = self.unbox_nullable(t, inner, obj)?;
                    self.stack.push(e);
                    return Ok(true);
                }
                let ty = self.env.types().ty_of_type(t);
                if let Ty::Ref(_) = ty {
                    // unbox.any of a reference type is castclass.
                    let r = self.type_helper(Helper::CastClass, obj, t)?;
                    self.push(SKind::O, r);
                    return Ok(true);
                }
                let a = self.type_helper(Helper::Unbox, obj, t)?;
                if op == O::Unbox {
                    self.push(SKind::M, a);
                } else {
                    let e = self.load_ty(ty, a, 0)?;
                    self.stack.push(e);
                }
            }
            O::Castclass | O::Isinst => {
                let t = self.env.types_mut().resolve_type_token_in(
                    self.asm,
                    Self::token(ins)?,
                    &self.gctx,
                )?;
                // A Nullable<T> is never boxed: the test is for T.
                let t = match self.nullable_arg(t) {
                    Some(inner) => self.boxed_type_of(inner)?,
                    None => t,
                };
                self.env.types_mut().prepare(t)?;
                let obj = self.pop_obj()?;
                let h = if op == O::Castclass {
                    Helper::CastClass
                } else {
                    Helper::IsInst
                };
                let r = self.type_helper(h, obj, t)?;
                self.push(SKind::O, r);
            }
            O::Ldstr => {
                let v = self.sym(Sym::StringLiteral(self.asm, Self::token(ins)?))?;
                self.push(SKind::O, v);
            }
            O::Ldtoken => {
                let tok = Self::token(ins)?;
                // A handle is the id plus one (0 is no handle).
                let (name, sym) = match tok.table() {
                    Some(TableId::Field) | Some(TableId::MemberRef) => {
                        let f = self
                            .env
                            .types_mut()
                            .resolve_field_token_in(self.asm, tok, &self.gctx)?;
                        ("RuntimeFieldHandle", Sym::FieldNum(f))
                    }
                    _ => {
                        let t = self
                            .env
                            .types_mut()
                            .resolve_type_token_in(self.asm, tok, &self.gctx)?;
                        ("RuntimeTypeHandle", Sym::TypeNum(t))
                    }
                };
                let ht = self.env.types_mut().corlib_type(name)?;
                let a = self.temp_value(ht)?;
                let v = self.sym_at(sym, 1)?;
                self.b.ins().store(flags(), v, a, 0);
                self.push(SKind::V(ht), a);
            }
            O::Localloc => {
                let n = self.pop_native()?;
                // Not in a filter (ECMA-335 III.3.47: not in any handler).
                let slot = self.localloc_slot.ok_or(ErrorKind::BadHandler)?;
                let at = self.b.ins().stack_addr(types::I64, slot, 0);
                let prev = self.b.ins().load(types::I64, flags(), at, 0);
                let p = self
                    .call_helper(
                        Helper::Localloc,
                        &[n, prev],
                        &[types::I64, types::I64],
                        Some(types::I64),
                    )
                    .ok_or(ErrorKind::Codegen)?;
                let at = self.b.ins().stack_addr(types::I64, slot, 0);
                self.b.ins().store(flags(), p, at, 0);
                self.push(SKind::N, p);
            }
            O::Cpblk => {
                let n = self.pop_native()?;
                let src = self.pop_addr()?;
                let dst = self.pop_addr()?;
                self.call_helper(Helper::Memcpy, &[dst, src, n], &[types::I64; 3], None);
            }
            O::Initblk => {
                let n = self.pop_native()?;
                let v = self.pop()?;
                if v.k != SKind::I4 {
                    return Err(ErrorKind::BadStackType);
                }
                let dst = self.pop_addr()?;
                self.call_helper(
                    Helper::Memset,
                    &[dst, v.v, n],
                    &[types::I64, types::I32, types::I64],
                    None,
                );
            }
            O::Constrained => {
                self.constrained = Some(Self::token(ins)?);
            }
            _ => {
                let _ = TypeKind::Class;
                return Ok(false);
            }
        }
        Ok(true)
    }
}
