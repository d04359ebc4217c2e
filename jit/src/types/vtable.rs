//! Virtual slots and interface maps (ECMA-335 II.10.3, II.12.2).
//!
//! A type's vtable starts as a copy of its parent's. Each virtual method
//! either takes a new slot (`newslot`, or nothing to override) or replaces
//! the slot of the parent's method with the same name and signature. Explicit
//! overrides (MethodImpl rows: C#'s explicit interface implementations) are
//! applied after. The interface map records, per implemented interface and
//! per interface method, the vtable slot of the implementation — so a
//! derived class that overrides an implementing method is reached through
//! the interface too.

use alloc::vec::Vec;

use crate::metadata::tables::MethodImplRow;

use super::{MethodId, TypeError, TypeId, TypeKind, TypeSystem};

type Result<T> = core::result::Result<T, TypeError>;

impl TypeSystem {
    /// Lay out `t`, build its vtable and interface map (once). The parent is
    /// prepared first.
    pub fn prepare(&mut self, t: TypeId) -> Result<()> {
        if self.ty(t).prepared {
            return Ok(());
        }
        self.ensure_layout(t)?;
        let parent = self.ty(t).parent;
        let (mut vtable, mut interfaces) = match parent {
            Some(p) => {
                self.prepare(p)?;
                (self.ty(p).vtable.clone(), self.ty(p).interfaces.clone())
            }
            None => (Vec::new(), Vec::new()),
        };
        let methods = self.ty(t).methods.clone();
        for &m in &methods {
            if !self.method(m).is_virtual() {
                continue;
            }
            let mut slot = None;
            if !self.method(m).is_newslot() {
                // Most-derived first: the slot a C# `override` replaces.
                for (i, &cand) in vtable.iter().enumerate().rev() {
                    if self.same_name_sig(cand, m)? {
                        slot = Some(i);
                        break;
                    }
                }
            }
            let slot = match slot {
                Some(s) => {
                    vtable[s] = m;
                    s
                }
                None => {
                    vtable.push(m);
                    vtable.len() - 1
                }
            };
            self.methods[m.0 as usize].slot = Some(slot as u32);
        }
        // Explicit overrides of base-class virtuals (interface ones below).
        let impls = self.method_impls(t)?;
        for &(body, decl) in &impls {
            if let Some(s) = self.method(decl).slot
                && self.ty(self.method(decl).owner).kind != TypeKind::Interface
            {
                vtable[s as usize] = body;
            }
        }
        // Interfaces declared here (and those they extend).
        let (asm, def) = (self.ty(t).asm, self.ty(t).def);
        let mut declared = Vec::new();
        let ctx = self.ctx_of_type(t);
        if def != 0 {
            for i in self.image(asm).tables().interfaces_of(def)? {
                let i = self.resolve_type_in(asm, i, &ctx)?;
                self.collect_interfaces(i, &mut declared)?;
            }
        }
        let is_interface = self.ty(t).kind == TypeKind::Interface;
        for i in declared {
            if is_interface {
                if !interfaces.iter().any(|(x, _)| *x == i) {
                    interfaces.push((i, Vec::new()));
                }
                continue;
            }
            let imethods = self.ty(i).methods.clone();
            let mut slots = Vec::with_capacity(imethods.len());
            for im in imethods {
                let body = match impls.iter().find(|(_, d)| *d == im) {
                    Some(&(b, _)) => Some(b),
                    None => {
                        let mut found = None;
                        for (s, &cand) in vtable.iter().enumerate().rev() {
                            if self.method(cand).flags & 0x0007 == 0x0006
                                && self.same_name_sig(cand, im)?
                            {
                                found = Some(s);
                                break;
                            }
                        }
                        found.map(|s| vtable[s])
                    }
                };
                let slot = match body.and_then(|b| self.method(b).slot) {
                    Some(s) if vtable.get(s as usize) == body.as_ref() => s,
                    _ => match body {
                        // A non-virtual or hidden implementation: give it a
                        // private slot so dispatch still has a cell to call.
                        Some(b) => {
                            vtable.push(b);
                            (vtable.len() - 1) as u32
                        }
                        None => u32::MAX,
                    },
                };
                slots.push(slot);
            }
            match interfaces.iter_mut().find(|(x, _)| *x == i) {
                Some(e) => e.1 = slots,
                None => interfaces.push((i, slots)),
            }
        }
        self.add_array_interfaces(t, &mut vtable, &mut interfaces)?;
        let ti = &mut self.types[t.0 as usize];
        ti.vtable = vtable;
        ti.interfaces = interfaces;
        ti.prepared = true;
        Ok(())
    }

    pub(super) fn collect_interfaces(&mut self, i: TypeId, out: &mut Vec<TypeId>) -> Result<()> {
        if out.contains(&i) {
            return Ok(());
        }
        self.prepare(i)?;
        out.push(i);
        let (asm, def) = (self.ty(i).asm, self.ty(i).def);
        let ctx = self.ctx_of_type(i);
        for j in self.image(asm).tables().interfaces_of(def)? {
            let j = self.resolve_type_in(asm, j, &ctx)?;
            self.collect_interfaces(j, out)?;
        }
        Ok(())
    }

    /// `(body, declaration)` pairs of `t`'s MethodImpl rows.
    fn method_impls(&mut self, t: TypeId) -> Result<Vec<(MethodId, MethodId)>> {
        let (asm, def) = (self.ty(t).asm, self.ty(t).def);
        let mut out = Vec::new();
        if def == 0 {
            return Ok(out);
        }
        let rows: Vec<MethodImplRow> = self
            .image(asm)
            .tables()
            .iter::<MethodImplRow>()
            .filter_map(|r| r.ok())
            .filter(|(_, r)| r.class == def)
            .map(|(_, r)| r)
            .collect();
        let ctx = self.ctx_of_type(t);
        for r in rows {
            // A body named by MethodDef is this (possibly instantiated)
            // type's own method.
            let body = match r.body {
                crate::metadata::MethodDefOrRef::MethodDef(rid) => {
                    match self.method_of_type_by_rid(t, rid) {
                        Some(m) => m,
                        None => self.method_def(asm, rid)?,
                    }
                }
                other => self.resolve_method_def_or_ref_in(asm, other, &ctx)?,
            };
            let decl = self.resolve_method_def_or_ref_in(asm, r.declaration, &ctx)?;
            out.push((body, decl));
        }
        Ok(out)
    }

    pub(super) fn same_name_sig(&mut self, a: MethodId, b: MethodId) -> Result<bool> {
        if self.method(a).name != self.method(b).name {
            return Ok(false);
        }
        let (ga, gb) = (self.method(a).generic_params, self.method(b).generic_params);
        if ga != 0 || gb != 0 {
            // Open generic methods: their `!!n` have no arguments to
            // resolve; compare the parameter counts.
            if ga != gb {
                return Ok(false);
            }
            let (aa, ar) = (self.method(a).asm, self.method(a).rid);
            let (ba, br) = (self.method(b).asm, self.method(b).rid);
            let sa = self.image(aa).method_sig(ar)?;
            let sb = self.image(ba).method_sig(br)?;
            return Ok(sa.params.len() == sb.params.len());
        }
        let sa = self.method_sig(a)?.clone();
        Ok(*self.method_sig(b)? == sa)
    }

    /// The interface-map slot list of `iface` in `t`, if `t` implements it.
    pub fn interface_slots(&self, t: TypeId, iface: TypeId) -> Option<&[u32]> {
        self.ty(t)
            .interfaces
            .iter()
            .find(|(i, _)| *i == iface)
            .map(|(_, s)| s.as_slice())
    }
}
