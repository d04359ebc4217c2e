//! Generic virtual methods (`virtual T M<T>()`, and generic interface
//! methods): a vtable slot belongs to the open definition, but the code to
//! call is one instantiation of the override the object's type chose.
//! Compiled code asks [`rt_generic_virtual_cell`] at the call (behind a
//! call-site cache keyed by the method table), which finds that override
//! through the slot or the interface map, instantiates it with the call's
//! method arguments, and answers its cell.

use super::objects::type_of;
use super::{ExceptionKind, Runtime, current};
use crate::types::{MethodId, TypeKind};

/// `(obj, instantiated method) -> cell` of the override `obj`'s type
/// dispatches to, instantiated with the same method arguments.
pub(super) extern "C" fn rt_generic_virtual_cell(obj: usize, m: u32) -> usize {
    let rt = current();
    let Some(t) = type_of(obj) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    match resolve(rt, t, MethodId(m)) {
        Some(cell) => cell,
        None => {
            Runtime::raise(rt, ExceptionKind::InvalidCast);
            0
        }
    }
}

fn resolve(rt: &mut Runtime, t: crate::types::TypeId, m: MethodId) -> Option<usize> {
    let mi = rt.types.method(m);
    let (owner, rid, args) = (mi.owner, mi.rid, mi.method_args.clone());
    // The open definition the slot was given to: same owner and row.
    let def = rt.types.method_of_type_by_rid(owner, rid)?;
    rt.types.prepare(t).ok()?;
    let impl_def = if rt.types.ty(owner).kind == TypeKind::Interface {
        let idx = rt.types.ty(owner).methods.iter().position(|&x| x == def)?;
        let mut cur = Some(t);
        let mut found = None;
        while let Some(c) = cur {
            if let Some(slots) = rt.types.interface_slots(c, owner) {
                let s = *slots.get(idx)? as usize;
                found = rt.types.ty(t).vtable.get(s).copied();
                break;
            }
            cur = rt.types.ty(c).parent;
        }
        found?
    } else {
        let slot = rt.types.method(def).slot? as usize;
        *rt.types.ty(t).vtable.get(slot)?
    };
    let inst = rt.types.instantiate_method(impl_def, args).ok()?;
    let impl_owner = rt.types.method(inst).owner;
    if rt.types.ty(impl_owner).is_value_type() {
        // Reached through a box: `this` must move to the payload.
        return rt.unboxing_cell(inst).ok();
    }
    rt.cell(inst).ok()
}
