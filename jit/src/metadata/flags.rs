//! The attribute bits the compiler and loader test most often (ECMA-335
//! II.23.1). Rows keep their flags as raw integers; these name the bits.

/// `TypeAttributes` (TypeDef.flags, ExportedType.flags).
pub mod type_attributes {
    /// Mask of the visibility bits.
    pub const VISIBILITY_MASK: u32 = 0x0000_0007;
    /// Mask of the layout bits.
    pub const LAYOUT_MASK: u32 = 0x0000_0018;
    /// Fields laid out in declaration order.
    pub const SEQUENTIAL_LAYOUT: u32 = 0x0000_0008;
    /// Fields laid out at `[FieldOffset]`s.
    pub const EXPLICIT_LAYOUT: u32 = 0x0000_0010;
    /// The type is an interface.
    pub const INTERFACE: u32 = 0x0000_0020;
    /// Cannot be instantiated.
    pub const ABSTRACT: u32 = 0x0000_0080;
    /// Cannot be derived from.
    pub const SEALED: u32 = 0x0000_0100;
    /// Static constructor may run lazily, before first static field access.
    pub const BEFORE_FIELD_INIT: u32 = 0x0010_0000;
}

/// `FieldAttributes` (Field.flags).
pub mod field_attributes {
    /// Static field.
    pub const STATIC: u16 = 0x0010;
    /// Read-only after initialisation.
    pub const INIT_ONLY: u16 = 0x0020;
    /// Compile-time constant (no storage; value in the Constant table).
    pub const LITERAL: u16 = 0x0040;
    /// Has a FieldRVA row.
    pub const HAS_FIELD_RVA: u16 = 0x0100;
}

/// `MethodAttributes` (MethodDef.flags).
pub mod method_attributes {
    /// Static method (no `this`).
    pub const STATIC: u16 = 0x0010;
    /// Cannot be overridden.
    pub const FINAL: u16 = 0x0020;
    /// Virtual method.
    pub const VIRTUAL: u16 = 0x0040;
    /// Occupies a new vtable slot.
    pub const NEW_SLOT: u16 = 0x0100;
    /// No implementation.
    pub const ABSTRACT: u16 = 0x0400;
    /// `.ctor` / `.cctor` and similar names are special.
    pub const RT_SPECIAL_NAME: u16 = 0x1000;
    /// Implemented by P/Invoke (ImplMap row).
    pub const PINVOKE_IMPL: u16 = 0x2000;
}

/// `MethodImplAttributes` (MethodDef.impl_flags).
pub mod method_impl_attributes {
    /// Mask of the code type bits.
    pub const CODE_TYPE_MASK: u16 = 0x0003;
    /// Implemented in IL.
    pub const IL: u16 = 0x0000;
    /// Implemented by the runtime (delegates' Invoke, ...).
    pub const RUNTIME: u16 = 0x0003;
    /// Implemented inside the runtime; for Cordon, a JIT intrinsic or
    /// driver-host service (`[MethodImpl(MethodImplOptions.InternalCall)]`).
    pub const INTERNAL_CALL: u16 = 0x1000;
    /// Must not be inlined.
    pub const NO_INLINING: u16 = 0x0008;
    /// Should be inlined.
    pub const AGGRESSIVE_INLINING: u16 = 0x0100;
}
