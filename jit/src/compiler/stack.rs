//! The type-tracked evaluation stack (ECMA-335 I.12.3.2.1).
//!
//! Every slot knows its stack type. Value types are never "a number that
//! might be an address": a `V` entry is the address of a compiler-owned
//! stack slot that holds the value, and every instruction that consumes a
//! value type knows it has the value's storage, not a pointer found in it.
//! `ldfld` on a `V` reads the field from that storage; `ldfld` on `O`/`&`
//! reads through the reference (seed bug 5 cannot be expressed).

use cranelift_codegen::ir::{Type, Value, types};

use crate::types::{Prim, Ty, TypeId};

/// A stack type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SKind {
    /// `int32` (also bool, char, and the small integers).
    I4,
    /// `int64`.
    I8,
    /// `native int` (and unmanaged pointers).
    N,
    /// `F` holding a `float32` value (kept single so results match .NET).
    F4,
    /// `F` holding a `float64`.
    F8,
    /// Object reference.
    O,
    /// Managed pointer `&`.
    M,
    /// A value type: the entry's value is the address of its storage.
    V(TypeId),
}

impl SKind {
    /// The Cranelift type carrying the entry.
    pub fn cl(self) -> Type {
        match self {
            SKind::I4 => types::I32,
            SKind::F4 => types::F32,
            SKind::F8 => types::F64,
            _ => types::I64,
        }
    }

    /// The stack type of a value of `ty`.
    pub fn of(ty: Ty) -> SKind {
        match ty {
            Ty::Prim(p) => match p {
                Prim::I8 | Prim::U8 => SKind::I8,
                Prim::I | Prim::U => SKind::N,
                Prim::R4 => SKind::F4,
                Prim::R8 => SKind::F8,
                _ => SKind::I4,
            },
            Ty::Ref(_) => SKind::O,
            Ty::Ptr | Ty::Void => SKind::N,
            Ty::ByRef => SKind::M,
            Ty::Value(t) => SKind::V(t),
        }
    }

    /// Whether two kinds may meet at a join (same machine representation;
    /// value types must be the same type).
    pub fn joins(self, other: SKind) -> bool {
        match (self, other) {
            (SKind::V(a), SKind::V(b)) => a == b,
            (SKind::V(_), _) | (_, SKind::V(_)) => false,
            _ => self.cl() == other.cl(),
        }
    }
}

/// One evaluation stack entry.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Its stack type.
    pub k: SKind,
    /// Its SSA value (for `V`: the address of the value's storage).
    pub v: Value,
}
