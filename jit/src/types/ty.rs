//! The loader's view of a type as the compiler needs it: a primitive, a
//! reference to a loaded type, a value type by id, or a pointer.

use super::TypeId;

/// A primitive: the built-in numeric types, `bool`, `char`, `nint`/`nuint`.
/// Enums and corlib's `System.Int32` & co. normalise to their primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs, reason = "the names are ECMA-335's element types")]
pub enum Prim {
    Bool,
    Char,
    I1,
    U1,
    I2,
    U2,
    I4,
    U4,
    I8,
    U8,
    R4,
    R8,
    I,
    U,
}

impl Prim {
    /// Size in bytes.
    pub const fn size(self) -> u32 {
        match self {
            Prim::Bool | Prim::I1 | Prim::U1 => 1,
            Prim::Char | Prim::I2 | Prim::U2 => 2,
            Prim::I4 | Prim::U4 | Prim::R4 => 4,
            Prim::I8 | Prim::U8 | Prim::R8 | Prim::I | Prim::U => 8,
        }
    }

    /// Whether loads of this type sign-extend.
    pub const fn is_signed(self) -> bool {
        matches!(
            self,
            Prim::I1 | Prim::I2 | Prim::I4 | Prim::I8 | Prim::I | Prim::R4 | Prim::R8
        )
    }

    /// Whether this is a floating-point type.
    pub const fn is_float(self) -> bool {
        matches!(self, Prim::R4 | Prim::R8)
    }

    /// The corlib type name (`System.<name>`) of the primitive.
    pub const fn corlib_name(self) -> &'static str {
        match self {
            Prim::Bool => "Boolean",
            Prim::Char => "Char",
            Prim::I1 => "SByte",
            Prim::U1 => "Byte",
            Prim::I2 => "Int16",
            Prim::U2 => "UInt16",
            Prim::I4 => "Int32",
            Prim::U4 => "UInt32",
            Prim::I8 => "Int64",
            Prim::U8 => "UInt64",
            Prim::R4 => "Single",
            Prim::R8 => "Double",
            Prim::I => "IntPtr",
            Prim::U => "UIntPtr",
        }
    }

    /// All primitives, for building the corlib name table.
    pub const ALL: [Prim; 14] = [
        Prim::Bool,
        Prim::Char,
        Prim::I1,
        Prim::U1,
        Prim::I2,
        Prim::U2,
        Prim::I4,
        Prim::U4,
        Prim::I8,
        Prim::U8,
        Prim::R4,
        Prim::R8,
        Prim::I,
        Prim::U,
    ];
}

/// A resolved signature type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ty {
    /// `void` (return types only).
    Void,
    /// A primitive (also enums and the corlib primitive structs).
    Prim(Prim),
    /// An object reference to a class, interface, array or string type.
    Ref(TypeId),
    /// A value type that is not a primitive or enum: a struct of known layout.
    Value(TypeId),
    /// An unmanaged pointer or function pointer (`T*`, `method*`).
    Ptr,
    /// A managed pointer (`ref T`).
    ByRef,
}

impl Ty {
    /// Whether a slot of this type holds an object reference (GC-visible,
    /// stored through the write barrier).
    pub const fn is_ref(self) -> bool {
        matches!(self, Ty::Ref(_))
    }
}
