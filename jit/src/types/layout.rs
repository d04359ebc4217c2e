//! Field layout (ECMA-335 II.10.1.2, II.10.7).
//!
//! Classes: the object header (the method-table pointer) is 8 bytes; fields
//! follow the parent's fields. Value types: NO header, fields start at 0
//! (seed bug 3); sequential layout aligns each field naturally (capped by
//! `Pack`), explicit layout takes `[FieldOffset]`, and `ClassLayout.Size`
//! is a minimum size (exact, not rounded, for explicit layout, as in mono). Arrays: header, length, then elements at their own
//! element size (seed bug 1). Statics live in a zeroed block per type.

use alloc::vec::Vec;

use crate::metadata::tables::FieldRow;

use super::{FieldInfo, Layout, Ty, TypeError, TypeId, TypeKind, TypeSystem};

type Result<T> = core::result::Result<T, TypeError>;

/// Bytes before the first field of an object: the method-table pointer.
pub const OBJECT_HEADER_SIZE: u32 = 8;
/// Offset of an array's `int32` length (the next 4 bytes are padding).
pub const ARRAY_LENGTH_OFFSET: u32 = 8;
/// Offset of element 0 of an array.
pub const ARRAY_DATA_OFFSET: u32 = 16;

const FIELD_STATIC: u16 = 0x0010;
const FIELD_LITERAL: u16 = 0x0040;
const FIELD_HAS_RVA: u16 = 0x0100;
const LAYOUT_MASK: u32 = 0x18;
const LAYOUT_EXPLICIT: u32 = 0x10;

impl TypeSystem {
    /// `(size, align)` of a value of type `ty` stored in a field, local,
    /// array element or on the stack.
    pub fn size_align(&mut self, ty: Ty) -> Result<(u32, u32)> {
        Ok(match ty {
            Ty::Void => (0, 1),
            Ty::Prim(p) => (p.size(), p.size()),
            Ty::Ref(_) | Ty::Ptr | Ty::ByRef => (8, 8),
            Ty::Value(t) => {
                let l = self.ensure_layout(t)?;
                (l.size, l.align)
            }
        })
    }

    /// Size of a value of `ty`.
    pub fn size_of(&mut self, ty: Ty) -> Result<u32> {
        Ok(self.size_align(ty)?.0)
    }

    /// Compute (once) the layout of `t` and register its fields.
    pub fn ensure_layout(&mut self, t: TypeId) -> Result<&Layout> {
        if self.ty(t).layout.is_none() {
            self.compute_layout(t)?;
        }
        self.ty(t).layout.as_ref().ok_or(TypeError::RecursiveLayout)
    }

    fn compute_layout(&mut self, t: TypeId) -> Result<()> {
        let info = self.ty(t);
        let (asm, def, kind, flags, parent) =
            (info.asm, info.def, info.kind, info.flags, info.parent);
        if let TypeKind::Array(_) = kind {
            self.types[t.0 as usize].layout = Some(Layout {
                size: ARRAY_DATA_OFFSET,
                align: 8,
                ref_offsets: Vec::new(),
            });
            return Ok(());
        }
        let is_value = self.ty(t).is_value_type();
        let (mut size, mut ref_offsets) = match (is_value, parent) {
            (false, Some(p)) => {
                let l = self.ensure_layout(p)?;
                (l.size, l.ref_offsets.clone())
            }
            (false, None) => (OBJECT_HEADER_SIZE, Vec::new()),
            (true, _) => (0, Vec::new()),
        };
        let base = if is_value { 0 } else { OBJECT_HEADER_SIZE };
        let img = self.image(asm).clone();
        let class_layout = img.tables().class_layout(def)?;
        let pack = class_layout.map_or(0, |c| u32::from(c.packing_size));
        let explicit = flags & LAYOUT_MASK == LAYOUT_EXPLICIT;
        let mut align = 1u32;
        let mut fields = Vec::new();
        let mut statics = Vec::new();
        let mut static_size = 0u32;
        // Mark in progress: a struct that contains itself fails instead of
        // recursing forever.
        let field_rids: Vec<u32> = img
            .tables()
            .fields_of(def)?
            .collect::<core::result::Result<_, _>>()?;
        for f in field_rids {
            let row = img.tables().get::<FieldRow>(f)?;
            let name = img.strings().get(row.name)?;
            let is_static = row.flags & FIELD_STATIC != 0;
            let is_literal = row.flags & FIELD_LITERAL != 0;
            let sig = img.field_sig(f)?;
            let ty = if is_literal {
                // Constants are folded by the C# compiler; their type may be
                // anything (even the enclosing enum) and needs no layout.
                Ty::Void
            } else {
                let ctx = self.ctx_of_type(t);
                let ty = self.ty_of_sig_in(asm, &sig.ty, &ctx)?;
                if ty == Ty::Value(t) {
                    return Err(TypeError::RecursiveLayout);
                }
                ty
            };
            let mut info = FieldInfo {
                owner: t,
                asm,
                rid: f,
                name: name.into(),
                ty,
                is_static,
                is_literal,
                offset: 0,
            };
            if is_literal {
                self.register_field(info)?;
                continue;
            }
            let (fsize, falign) = self.size_align(ty)?;
            if is_static {
                if row.flags & FIELD_HAS_RVA == 0 {
                    let off = align_up(static_size, falign.max(1))?;
                    info.offset = off;
                    static_size = off.checked_add(fsize).ok_or(TypeError::TooLarge)?;
                }
                statics.push(self.register_field(info)?);
                continue;
            }
            let falign = if pack != 0 { falign.min(pack) } else { falign }.max(1);
            align = align.max(falign);
            let off = if explicit {
                let o = img.tables().field_layout(f)?.unwrap_or(0);
                base.checked_add(o).ok_or(TypeError::TooLarge)?
            } else {
                align_up(size, falign)?
            };
            info.offset = off;
            let end = off.checked_add(fsize).ok_or(TypeError::TooLarge)?;
            size = size.max(end);
            if ty.is_ref() {
                ref_offsets.push(off);
            }
            if let Ty::Value(v) = ty {
                let inner = self.ensure_layout(v)?.ref_offsets.clone();
                ref_offsets.extend(inner.iter().map(|r| r + off));
            }
            fields.push(self.register_field(info)?);
        }
        let (size, align) = match kind {
            TypeKind::Enum(p) | TypeKind::Primitive(p) => (p.size(), p.size()),
            _ if is_value => {
                let class_size = class_layout.map_or(0, |c| c.class_size);
                let mut s = size.max(class_size);
                if s == 0 {
                    s = 1; // an empty struct still occupies a byte
                }
                // An explicit layout with a declared `Size` describes the
                // bytes exactly (hardware registers, wire formats): its size
                // is max(Size, end of the last field), not rounded up to the
                // alignment, as mono does; arrays of it have that stride.
                // Everything else is rounded so that array elements stay
                // aligned (mono rounds sequential layouts even with a Size).
                if explicit && class_size != 0 {
                    (s, align)
                } else {
                    (align_up(s, align)?, align)
                }
            }
            _ => (align_up(size, 8)?, 8),
        };
        let statics_addr = if static_size > 0 {
            alloc_static_block(static_size)?
        } else {
            0
        };
        let ti = &mut self.types[t.0 as usize];
        ti.layout = Some(Layout {
            size,
            align,
            ref_offsets,
        });
        ti.fields = fields;
        ti.static_fields = statics;
        ti.statics = statics_addr;
        Ok(())
    }
}

fn align_up(v: u32, a: u32) -> Result<u32> {
    let a = a.max(1);
    v.checked_add(a - 1)
        .map(|x| x / a * a)
        .ok_or(TypeError::TooLarge)
}

/// Zeroed, never-freed storage for a type's static fields; its address is
/// baked into compiled code.
fn alloc_static_block(size: u32) -> Result<usize> {
    let layout =
        core::alloc::Layout::from_size_align(size as usize, 16).map_err(|_| TypeError::TooLarge)?;
    // SAFETY: the layout has a non-zero size (checked by the caller).
    let p = unsafe { alloc::alloc::alloc_zeroed(layout) };
    if p.is_null() {
        return Err(TypeError::TooLarge);
    }
    Ok(p as usize)
}
