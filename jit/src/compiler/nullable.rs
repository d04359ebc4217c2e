//! `Nullable<T>`'s boxing rules (ECMA-335 III.4.1, III.4.32, III.4.6): no
//! object is ever a boxed `Nullable<T>`. `box` gives null or a boxed `T`;
//! `unbox.any` accepts null or a boxed `T`; `isinst`/`castclass` of
//! `Nullable<T>` test for `T`. The struct itself is corlib C#
//! (`Nullable.cs`); its fields `hasValue` and `value` are found by name.

use cranelift_codegen::ir::{InstBuilder, Value, types};

use super::ErrorKind;
use super::func::{R, Tr, flags};
use super::stack::{Entry, SKind};
use crate::abi::Helper;
use crate::types::{Ty, TypeId};

impl Tr<'_, '_> {
    /// `T` when `t` is a closed `System.Nullable<T>`.
    pub fn nullable_arg(&self, t: TypeId) -> Option<Ty> {
        let ti = self.env.types().ty(t);
        let def = self.env.types().ty(ti.generic_def?);
        (def.namespace == "System" && def.name == "Nullable`1" && def.asm.0 == 0)
            .then(|| ti.type_args.first().copied())
            .flatten()
    }

    /// The TypeId a boxed `ty` has (its corlib struct for a primitive).
    pub fn boxed_type_of(&mut self, ty: Ty) -> R<TypeId> {
        match ty {
            Ty::Prim(p) => Ok(self.env.types_mut().prim_type(p)?),
            Ty::Value(t) | Ty::Ref(t) => Ok(t),
            _ => Err(ErrorKind::BadStackType),
        }
    }

    fn nullable_offsets(&mut self, t: TypeId) -> R<(i32, i32)> {
        let types = self.env.types_mut();
        types.ensure_layout(t)?;
        let has = types
            .find_field(t, "hasValue")
            .ok_or(ErrorKind::UnsupportedCall)?;
        let val = types
            .find_field(t, "value")
            .ok_or(ErrorKind::UnsupportedCall)?;
        Ok((
            types.field(has).offset as i32,
            types.field(val).offset as i32,
        ))
    }

    /// `box Nullable<T>`: null without a value, else the value boxed as `T`.
    pub fn box_nullable(&mut self, t: TypeId, inner: Ty, e: Entry) -> R<Value> {
        if e.k != SKind::V(t) {
            return Err(ErrorKind::BadStackType);
        }
        let (has_off, val_off) = self.nullable_offsets(t)?;
        let boxed_t = self.boxed_type_of(inner)?;
        let some = self.b.create_block();
        let join = self.b.create_block();
        let r = self.b.append_block_param(join, types::I64);
        let has = self.b.ins().uload8(types::I32, flags(), e.v, has_off);
        let null = self.iconst(types::I64, 0);
        self.b.ins().brif(has, some, &[], join, &[null.into()]);
        self.b.switch_to_block(some);
        let v = self.load_ty(inner, e.v, val_off)?;
        let obj = self.box_value(boxed_t, v)?;
        self.b.ins().jump(join, &[obj.into()]);
        self.b.switch_to_block(join);
        Ok(r)
    }

    /// `unbox.any Nullable<T>` of `obj`: an empty one for null, else the
    /// boxed `T` (InvalidCastException for anything else).
    pub fn unbox_nullable(&mut self, t: TypeId, inner: Ty, obj: Value) -> R<Entry> {
        let (has_off, val_off) = self.nullable_offsets(t)?;
        let boxed_t = self.boxed_type_of(inner)?;
        let a = self.temp_value(t)?;
        let size = self.env.types_mut().size_of(Ty::Value(t))?;
        self.zero(a, size)?;
        let some = self.b.create_block();
        let join = self.b.create_block();
        self.b.ins().brif(obj, some, &[], join, &[]);
        self.b.switch_to_block(some);
        let p = self.type_helper(Helper::Unbox, obj, boxed_t)?;
        let v = self.load_ty(inner, p, 0)?;
        self.store_ty(inner, a, val_off, v)?;
        let one = self.iconst(types::I8, 1);
        self.b.ins().store(flags(), one, a, has_off);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        Ok(Entry {
            k: SKind::V(t),
            v: a,
        })
    }
}
