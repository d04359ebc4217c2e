//! Fields and methods as the compiler sees them.

use alloc::string::String;
use alloc::vec::Vec;

use super::{AsmId, Ty, TypeId};

/// A loaded field.
#[derive(Debug)]
pub struct FieldInfo {
    /// Declaring type.
    pub owner: TypeId,
    /// Defining assembly and Field rid.
    pub asm: AsmId,
    /// Field rid.
    pub rid: u32,
    /// Name.
    pub name: String,
    /// Resolved type.
    pub ty: Ty,
    /// `static`.
    pub is_static: bool,
    /// `literal` (const): no storage, never accessed by IL.
    pub is_literal: bool,
    /// Byte offset: instance fields of classes include the object header;
    /// instance fields of value types start at 0 (seed bug 3); statics are
    /// offsets into the owner's static block. Valid after layout.
    pub offset: u32,
}

/// A resolved method signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodSigTy {
    /// Has a `this` argument (not counted in `params`: seed bug 2).
    pub has_this: bool,
    /// Parameter types, without `this`.
    pub params: Vec<Ty>,
    /// Return type.
    pub ret: Ty,
}

/// How a method gets its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// IL body, compiled by the JIT.
    Il,
    /// No body: abstract/interface method, reached only through dispatch.
    Abstract,
    /// `InternalCall` or `runtime`: the runtime provides the body.
    Runtime,
}

/// A loaded method.
#[derive(Debug)]
pub struct MethodInfo {
    /// Declaring type.
    pub owner: TypeId,
    /// Defining assembly.
    pub asm: AsmId,
    /// MethodDef rid.
    pub rid: u32,
    /// Name.
    pub name: String,
    /// `MethodAttributes`.
    pub flags: u16,
    /// `MethodImplAttributes`.
    pub impl_flags: u16,
    /// Signature, resolved lazily (`None` until first needed, or when it
    /// uses something unsupported such as generics).
    pub sig: Option<MethodSigTy>,
    /// Kind.
    pub kind: MethodKind,
    /// Vtable slot of a virtual method (after the owner is prepared).
    pub slot: Option<u32>,
    /// Address of the method's indirection cell (0 until the runtime made one).
    pub cell: usize,
    /// A generic method instantiation's method type arguments.
    pub method_args: Vec<Ty>,
    /// Number of generic parameters the method declares (a definition with
    /// parameters and no `method_args` is open: never compiled).
    pub generic_params: u32,
}

impl MethodInfo {
    /// `static`.
    pub fn is_static(&self) -> bool {
        self.flags & 0x0010 != 0
    }

    /// `virtual`.
    pub fn is_virtual(&self) -> bool {
        self.flags & 0x0040 != 0
    }

    /// `newslot`.
    pub fn is_newslot(&self) -> bool {
        self.flags & 0x0100 != 0
    }

    /// `abstract`.
    pub fn is_abstract(&self) -> bool {
        self.flags & 0x0400 != 0
    }
}
