//! The generic interfaces of a vector `T[]` (ECMA-335 II.14.1 lets the
//! runtime give arrays interfaces; .NET and mono give every `T[]`
//! `IList<T>` and what it extends). The corlib implements them once, in
//! C#, as the methods of `System.SZArrayHelper<T>`; here each method of
//! `IList<T>`, `ICollection<T>` and `IEnumerable<T>` gets a private
//! vtable slot in `T[]` holding the helper's method of the same name and
//! signature, so interface dispatch (the call-site cache, the interface
//! map, `is`/`castclass`) needs nothing new. The helper's methods run with
//! `this` = the array.
//!
//! Array covariance reaches these interfaces too: a `string[]` is an
//! `IList<object>` (and `IEnumerable<IComparable>`...) because a `string[]`
//! is an `object[]`. Those are not listed in the map (a reference type has
//! many bases and interfaces); `variant_array_method` answers them when a
//! cast or an interface call asks (the runtime checks that the element
//! types are assignable), with `SZArrayHelper<X>`'s method for
//! `IList<X>`, whose `T[]` cast then holds by array covariance.

use alloc::vec::Vec;

use super::{MethodId, Ty, TypeError, TypeId, TypeKind, TypeSystem};

type Result<T> = core::result::Result<T, TypeError>;

impl TypeSystem {
    /// Add `IList<T>` and the interfaces it extends to vector `t`'s
    /// `interfaces`, their slots appended to `vtable`. Nothing for other
    /// types, for elements that cannot be a type argument (pointers), or
    /// when the corlib has no `SZArrayHelper<T>`.
    pub(super) fn add_array_interfaces(
        &mut self,
        t: TypeId,
        vtable: &mut Vec<MethodId>,
        interfaces: &mut Vec<(TypeId, Vec<u32>)>,
    ) -> Result<()> {
        let TypeKind::Array(elem) = self.ty(t).kind else {
            return Ok(());
        };
        if self.ty(t).array_rank != 0 || !matches!(elem, Ty::Prim(_) | Ty::Ref(_) | Ty::Value(_)) {
            return Ok(());
        }
        let (Ok(helper), Ok(ilist)) = (
            self.corlib_type("SZArrayHelper`1"),
            self.corlib_type_in("System.Collections.Generic", "IList`1"),
        ) else {
            return Ok(());
        };
        let helper = self.instantiate(helper, alloc::vec![elem])?;
        let ilist = self.instantiate(ilist, alloc::vec![elem])?;
        let mut all = Vec::new();
        self.collect_interfaces(ilist, &mut all)?;
        let bodies = self.ty(helper).methods.clone();
        for i in all {
            if interfaces.iter().any(|(x, _)| *x == i) {
                continue;
            }
            let imethods = self.ty(i).methods.clone();
            let mut slots = Vec::with_capacity(imethods.len());
            for im in imethods {
                let mut slot = u32::MAX;
                for &b in &bodies {
                    if self.same_name_sig(b, im)? {
                        vtable.push(b);
                        slot = (vtable.len() - 1) as u32;
                        break;
                    }
                }
                slots.push(slot);
            }
            interfaces.push((i, slots));
        }
        Ok(())
    }

    /// When `iface` is `IList<X>`, `ICollection<X>` or `IEnumerable<X>`
    /// of a reference type `X` and `array` a vector of another reference
    /// type: `(element type, X)`, for the runtime's assignability check.
    pub fn variant_array_interface(
        &mut self,
        array: TypeId,
        iface: TypeId,
    ) -> Option<(TypeId, TypeId)> {
        let TypeKind::Array(Ty::Ref(elem)) = self.ty(array).kind else {
            return None;
        };
        if self.ty(array).array_rank != 0 {
            return None;
        }
        let def = self.ty(iface).generic_def?;
        let Some(&Ty::Ref(x)) = self.ty(iface).type_args.first() else {
            return None;
        };
        if x == elem {
            return None;
        }
        let ns = "System.Collections.Generic";
        let known = ["IList`1", "ICollection`1", "IEnumerable`1"]
            .iter()
            .any(|n| self.corlib_type_in(ns, n).ok() == Some(def));
        known.then_some((elem, x))
    }

    /// The method of `SZArrayHelper<X>` that implements method `index` of
    /// `iface` (an interface `variant_array_interface` accepted).
    pub fn variant_array_method(
        &mut self,
        iface: TypeId,
        index: usize,
    ) -> Result<Option<MethodId>> {
        let Some(&x) = self.ty(iface).type_args.first() else {
            return Ok(None);
        };
        let Some(&im) = self.ty(iface).methods.get(index) else {
            return Ok(None);
        };
        let helper = self.corlib_type("SZArrayHelper`1")?;
        let helper = self.instantiate(helper, alloc::vec![x])?;
        let bodies = self.ty(helper).methods.clone();
        for b in bodies {
            if self.same_name_sig(b, im)? {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }
}
