//! Typed loads and stores, struct copies and zeroing.

use cranelift_codegen::ir::{InstBuilder, Value, types};

use super::func::{R, Tr, flags};
use super::stack::{Entry, SKind};
use crate::abi::Helper;
use crate::types::{Prim, Ty, TypeId};

/// Struct copies up to this size are inlined; larger ones call memcpy.
const INLINE_COPY_MAX: u32 = 128;

impl Tr<'_, '_> {
    /// Load a value of `ty` from `addr + off` and make it a stack entry.
    /// A struct is copied into a fresh temporary: the entry owns its value.
    pub fn load_ty(&mut self, ty: Ty, addr: Value, off: i32) -> R<Entry> {
        let f = flags();
        let v = match ty {
            Ty::Prim(p) => match p {
                Prim::Bool | Prim::U1 => self.b.ins().uload8(types::I32, f, addr, off),
                Prim::I1 => self.b.ins().sload8(types::I32, f, addr, off),
                Prim::Char | Prim::U2 => self.b.ins().uload16(types::I32, f, addr, off),
                Prim::I2 => self.b.ins().sload16(types::I32, f, addr, off),
                Prim::I4 | Prim::U4 => self.b.ins().load(types::I32, f, addr, off),
                Prim::R4 => self.b.ins().load(types::F32, f, addr, off),
                Prim::R8 => self.b.ins().load(types::F64, f, addr, off),
                _ => self.b.ins().load(types::I64, f, addr, off),
            },
            Ty::Ref(_) | Ty::Ptr | Ty::ByRef => self.b.ins().load(types::I64, f, addr, off),
            Ty::Value(t) => {
                let dst = self.temp_value(t)?;
                let src = if off != 0 {
                    self.b.ins().iadd_imm_s(addr, i64::from(off))
                } else {
                    addr
                };
                self.copy_value(t, dst, src, false)?;
                dst
            }
            Ty::Void => return Err(super::ErrorKind::BadStackType),
        };
        Ok(Entry {
            k: SKind::of(ty),
            v,
        })
    }

    /// Store a raw (already coerced) scalar of `ty` at `addr + off`,
    /// without a barrier (stack memory only).
    pub fn store_raw(&mut self, ty: Ty, addr: Value, off: i32, v: Value) -> R<()> {
        let f = flags();
        match ty {
            Ty::Prim(p) if p.size() == 1 => {
                self.b.ins().istore8(f, v, addr, off);
            }
            Ty::Prim(p) if p.size() == 2 => {
                self.b.ins().istore16(f, v, addr, off);
            }
            _ => {
                self.b.ins().store(f, v, addr, off);
            }
        }
        Ok(())
    }

    /// Store a stack entry into heap-or-unknown memory of type `ty`:
    /// reference stores (and structs holding references) go through the
    /// write barrier.
    pub fn store_ty(&mut self, ty: Ty, addr: Value, off: i32, e: Entry) -> R<()> {
        match ty {
            Ty::Ref(_) => {
                let v = self.coerce(e, ty)?;
                self.emit_ref_store(addr, off, v);
                Ok(())
            }
            Ty::Value(t) => {
                if e.k != SKind::V(t) {
                    return Err(super::ErrorKind::BadStackType);
                }
                let dst = if off != 0 {
                    self.b.ins().iadd_imm_s(addr, i64::from(off))
                } else {
                    addr
                };
                self.copy_value(t, dst, e.v, true)
            }
            _ => {
                let v = self.coerce(e, ty)?;
                self.store_raw(ty, addr, off, v)
            }
        }
    }

    /// Store into a local or argument's own stack storage (no barrier).
    pub fn store_local_ty(&mut self, ty: Ty, addr: Value, e: Entry) -> R<()> {
        match ty {
            Ty::Value(t) if e.k == SKind::V(t) => self.copy_value(t, addr, e.v, false),
            Ty::Value(_) => Err(super::ErrorKind::BadStackType),
            _ => {
                let v = self.coerce(e, ty)?;
                self.store_raw(ty, addr, 0, v)
            }
        }
    }

    /// Copy a value of struct type `t` from `src` to `dst`. When the
    /// destination may be in the heap, reference fields are stored through
    /// the write barrier.
    pub fn copy_value(&mut self, t: TypeId, dst: Value, src: Value, barrier: bool) -> R<()> {
        let layout = self.env.types_mut().ensure_layout(t)?;
        let size = layout.size;
        let refs = layout.ref_offsets.clone();
        if size > INLINE_COPY_MAX && (refs.is_empty() || !barrier) {
            let n = self.iconst(types::I64, i64::from(size));
            self.call_helper(Helper::Memcpy, &[dst, src, n], &[types::I64; 3], None);
            return Ok(());
        }
        let f = flags();
        let mut off = 0u32;
        while off < size {
            let rest = size - off;
            let o = off as i32;
            if rest >= 8 {
                let v = self.b.ins().load(types::I64, f, src, o);
                if barrier && refs.contains(&off) {
                    self.emit_ref_store(dst, o, v);
                } else {
                    self.b.ins().store(f, v, dst, o);
                }
                off += 8;
            } else if rest >= 4 {
                let v = self.b.ins().load(types::I32, f, src, o);
                self.b.ins().store(f, v, dst, o);
                off += 4;
            } else if rest >= 2 {
                let v = self.b.ins().load(types::I16, f, src, o);
                self.b.ins().store(f, v, dst, o);
                off += 2;
            } else {
                let v = self.b.ins().load(types::I8, f, src, o);
                self.b.ins().store(f, v, dst, o);
                off += 1;
            }
        }
        Ok(())
    }

    /// Zero `size` bytes at `addr`.
    pub fn zero(&mut self, addr: Value, size: u32) -> R<()> {
        if size > INLINE_COPY_MAX {
            let z = self.iconst(types::I32, 0);
            let n = self.iconst(types::I64, i64::from(size));
            self.call_helper(
                Helper::Memset,
                &[addr, z, n],
                &[types::I64, types::I32, types::I64],
                None,
            );
            return Ok(());
        }
        let f = flags();
        let z64 = self.iconst(types::I64, 0);
        let mut off = 0u32;
        while off < size {
            let rest = size - off;
            let o = off as i32;
            if rest >= 8 {
                self.b.ins().store(f, z64, addr, o);
                off += 8;
            } else if rest >= 4 {
                self.b.ins().istore32(f, z64, addr, o);
                off += 4;
            } else if rest >= 2 {
                self.b.ins().istore16(f, z64, addr, o);
                off += 2;
            } else {
                self.b.ins().istore8(f, z64, addr, o);
                off += 1;
            }
        }
        Ok(())
    }
}
