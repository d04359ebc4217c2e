//! Objects in memory: method tables, the allocator, strings, `Type` objects.
//!
//! An object is `[method-table pointer][fields...]`; an array is
//! `[mt][int32 length, 4 bytes padding][elements at element size]`; a
//! string is `[mt][int32 _length][UTF-16 chars][\0]` (docs/managed.md).
//!
//! A method table is an array of words:
//! `[type id | flags][base size | element size][parent mt][0][vtable len][cells...]`
//! — each vtable entry is the address of the implementing method's
//! indirection cell.

use alloc::vec;
use alloc::vec::Vec;

use super::Runtime;
pub use crate::abi::{
    MT_BASE_SIZE, MT_PARENT, MT_TYPE_ID, MT_VTABLE, STRING_CHARS_OFFSET, STRING_LENGTH_OFFSET,
};
use crate::compiler::{CompileError, ErrorKind};
use crate::types::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, MethodId, Prim, Ty, TypeId, TypeKind};

/// The TypeId of the object at `obj` (None for null).
pub(super) fn type_of(obj: usize) -> Option<TypeId> {
    if obj == 0 {
        return None;
    }
    // SAFETY: obj is a live object made by Runtime::alloc: its first word is
    // a method table, whose first u32 is the type id.
    Some(TypeId(unsafe { *(*(obj as *const *const u32)) }))
}

impl Runtime {
    /// THE allocation path: `size` zeroed bytes with `mt` in the header.
    /// Returns 0 when memory is exhausted (callers raise OutOfMemory).
    /// Never collects (callers may hold references in Rust locals); the
    /// helpers compiled code calls use `alloc_at`, which may.
    pub fn alloc(&mut self, mt: usize, size: usize) -> usize {
        self.alloc_at(mt, size, None)
    }

    /// The method table of `t`, built on first use.
    pub fn method_table(&mut self, t: TypeId) -> Result<usize, CompileError> {
        let mt = self.types.ty(t).method_table;
        if mt != 0 {
            return Ok(mt);
        }
        let err = |e| CompileError::runtime(MethodId(u32::MAX), ErrorKind::Type(e));
        self.types.prepare(t).map_err(err)?;
        let parent = match self.types.ty(t).parent {
            Some(p) => self.method_table(p)?,
            None => 0,
        };
        let size = self.types.ensure_layout(t).map_err(err)?.size;
        let elem_size = match self.types.ty(t).kind {
            TypeKind::Array(e) => self.types.size_of(e).map_err(err)?,
            _ => 0,
        };
        let vtable = self.types.ty(t).vtable.clone();
        let mut words = vec![0usize; 5 + vtable.len()];
        words[0] = t.0 as usize;
        words[1] = size as usize | ((elem_size as usize) << 32);
        words[2] = parent;
        words[4] = vtable.len();
        let boxed_value = self.types.ty(t).is_value_type();
        for (i, m) in vtable.iter().enumerate() {
            let owner_is_value = self.types.ty(self.types.method(*m).owner).is_value_type();
            // A boxed struct's virtual calls arrive with `this` = the box;
            // the struct's own methods want the payload (seed bug 3).
            words[5 + i] = if boxed_value && owner_is_value {
                self.unboxing_cell(*m)?
            } else {
                self.cell(*m)?
            };
        }
        let addr = Vec::leak(words).as_ptr() as usize;
        self.types.types[t.0 as usize].method_table = addr;
        Ok(addr)
    }

    /// A cell whose code adjusts `this` from a box to its payload and then
    /// jumps through `m`'s own cell (the vtable entry of a boxed struct).
    pub fn unboxing_cell(&mut self, m: MethodId) -> Result<usize, CompileError> {
        if let Some(&c) = self.unboxing_cells.get(&m) {
            return Ok(c);
        }
        let target = self.cell(m)?;
        let sig = self
            .types
            .method_sig(m)
            .map_err(|e| CompileError::runtime(m, ErrorKind::Type(e)))?;
        // `this` is the first argument, or the second after a return buffer.
        let this_in_rsi = matches!(sig.ret, Ty::Value(_));
        let mut code = Vec::new();
        code.extend_from_slice(if this_in_rsi {
            &[0x48, 0x83, 0xC6, 0x08]
        } else {
            &[0x48, 0x83, 0xC7, 0x08]
        });
        code.extend_from_slice(&[0x48, 0xB8]); // mov rax, imm64 (the cell)
        code.extend_from_slice(&(target as u64).to_le_bytes());
        code.extend_from_slice(&[0xFF, 0x20]); // jmp [rax]
        let stub = self
            .code
            .install(&code)
            .map_err(|e| CompileError::runtime(m, ErrorKind::CodeMemory(e)))?
            as usize;
        let cell = self.new_cell(stub);
        self.unboxing_cells.insert(m, cell);
        Ok(cell)
    }

    /// Allocate an instance of class `t` (fields zeroed).
    pub fn new_object(&mut self, t: TypeId) -> Result<usize, CompileError> {
        let mt = self.method_table(t)?;
        // SAFETY: mt was just built; word 1 holds the base size.
        let size = unsafe { *((mt + MT_BASE_SIZE) as *const u32) } as usize;
        Ok(self.alloc(mt, size))
    }

    /// Allocate `elem[len]` (never collects).
    pub fn new_array(&mut self, mt: usize, len: usize) -> usize {
        self.new_array_at(mt, len, None)
    }

    /// Allocate `elem[len]`; may collect when `at` is the safepoint of
    /// compiled code (see `alloc_at`).
    pub(super) fn new_array_at(
        &mut self,
        mt: usize,
        len: usize,
        at: Option<super::gc::Frame>,
    ) -> usize {
        // SAFETY: mt is an array method table made by method_table.
        let elem = unsafe { *((mt + MT_BASE_SIZE + 4) as *const u32) } as usize;
        let Some(size) = elem
            .checked_mul(len)
            .and_then(|s| s.checked_add(ARRAY_DATA_OFFSET as usize))
        else {
            return 0;
        };
        let p = self.alloc_at(mt, size, at);
        if p != 0 {
            // SAFETY: p has room for the header and length.
            unsafe { *((p + ARRAY_LENGTH_OFFSET as usize) as *mut u32) = len as u32 };
        }
        p
    }

    /// Allocate a string of `len` NUL chars (plus the terminator).
    pub fn new_string(&mut self, len: usize) -> Result<usize, CompileError> {
        self.new_string_at(len, None)
    }

    /// A string of `len` chars; may collect when `at` is the safepoint of
    /// compiled code (see `alloc_at`).
    pub(super) fn new_string_at(
        &mut self,
        len: usize,
        at: Option<super::gc::Frame>,
    ) -> Result<usize, CompileError> {
        let mt = match self.gc.string_mt {
            0 => {
                let t = self
                    .types
                    .corlib_type("String")
                    .map_err(|e| CompileError::runtime(MethodId(u32::MAX), ErrorKind::Type(e)))?;
                let mt = self.method_table(t)?;
                self.gc.string_mt = mt;
                mt
            }
            mt => mt,
        };
        let size = STRING_CHARS_OFFSET + 2 * (len + 1);
        let p = self.alloc_at(mt, size, at);
        if p != 0 {
            // SAFETY: p has room for the length field.
            unsafe { *((p + STRING_LENGTH_OFFSET) as *mut u32) = len as u32 };
        }
        Ok(p)
    }

    /// A string object holding `units`.
    pub fn string_from_utf16(
        &mut self,
        units: impl ExactSizeIterator<Item = u16>,
    ) -> Result<usize, CompileError> {
        let p = self.new_string(units.len())?;
        if p != 0 {
            for (i, u) in units.enumerate() {
                // SAFETY: the string has room for len chars.
                unsafe { *((p + STRING_CHARS_OFFSET + 2 * i) as *mut u16) = u };
            }
        }
        Ok(p)
    }

    /// The interned string of an `ldstr` token (made once, never moves).
    pub fn literal(
        &mut self,
        asm: crate::types::AsmId,
        token: crate::metadata::Token,
    ) -> Result<usize, CompileError> {
        if let Some(&s) = self.strings.get(&(asm.0, token.rid())) {
            return Ok(s);
        }
        let img = self.types.image(asm).clone();
        let us = img
            .user_string(token)
            .map_err(|e| CompileError::runtime(MethodId(u32::MAX), ErrorKind::Type(e.into())))?;
        let units: Vec<u16> = us.units().collect();
        let s = self.string_from_utf16(units.into_iter())?;
        self.strings.insert((asm.0, token.rid()), s);
        Ok(s)
    }

    /// The one `System.Type` object of `t`.
    pub fn type_object(&mut self, t: TypeId) -> Result<usize, CompileError> {
        if let Some(&o) = self.type_objects.get(&t) {
            return Ok(o);
        }
        let err = |e| CompileError::runtime(MethodId(u32::MAX), ErrorKind::Type(e));
        let ty_class = self.types.corlib_type("Type").map_err(err)?;
        let obj = self.new_object(ty_class)?;
        let name: Vec<u16> = self.types.ty(t).name.encode_utf16().collect();
        let ns: Vec<u16> = self.types.ty(t).namespace.encode_utf16().collect();
        let name = self.string_from_utf16(name.into_iter())?;
        let ns = self.string_from_utf16(ns.into_iter())?;
        for (field, value) in [
            ("_handle", t.0 as usize + 1),
            ("_name", name),
            ("_namespace", ns),
        ] {
            if let Some(f) = self.types.find_field(ty_class, field) {
                let off = self.types.field(f).offset as usize;
                // SAFETY: obj is a fresh Type instance; off is a field offset in it.
                unsafe { *((obj + off) as *mut usize) = value };
            }
        }
        self.type_objects.insert(t, obj);
        Ok(obj)
    }

    /// Size of the payload of a boxed `t` (0 for reference types).
    pub fn value_size(&mut self, t: TypeId) -> usize {
        match self.types.ty_of_type(t) {
            Ty::Prim(p) => Prim::size(p) as usize,
            ty @ Ty::Value(_) => self.types.size_of(ty).unwrap_or(0) as usize,
            _ => 0,
        }
    }
}
