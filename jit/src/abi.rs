//! What compiled code, the compiler and the runtime agree on, as plain
//! data: object-layout constants, the ids of the runtime helpers compiled
//! code calls, the runtime exceptions it raises by number, and the
//! intrinsics the compiler expands inline. Neither the compiler nor the
//! runtime owns these; both depend on this module, and the compiler
//! reaches everything else of the runtime through
//! [`crate::compiler::env::CompileEnv`] (docs/jit.md, "Compiler and
//! runtime"). Array and object-header offsets live with the layout code
//! (`crate::types::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, OBJECT_HEADER_SIZE}`).

// Method tables: `[type id | flags][base size | element size][parent mt][0][vtable len][cells...]`.

/// Offset of the type id (u32) in a method table.
pub const MT_TYPE_ID: i32 = 0;
/// Offset of the parent method table pointer.
pub const MT_PARENT: i32 = 16;
/// Offset of vtable slot 0.
pub const MT_VTABLE: i32 = 40;
/// Offset of the base size (u32; arrays: then the element size, u32).
pub const MT_BASE_SIZE: usize = 8;

/// Offset of `String._length`.
pub const STRING_LENGTH_OFFSET: usize = 8;
/// Offset of `String._firstChar`.
pub const STRING_CHARS_OFFSET: usize = 12;

/// The helpers, by name, so the compiler asks for addresses by enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Helper {
    /// `(mt, size) -> obj`: THE allocation helper.
    Alloc,
    /// `(mt, len) -> array`.
    NewArray,
    /// `(obj)`: make `obj` (or a NullReferenceException) the exception in flight.
    Throw,
    /// `(kind)`: make a new runtime exception the exception in flight.
    Raise,
    /// `(obj, type id) -> obj | 0`.
    IsInst,
    /// `(obj, type id) -> obj`, or InvalidCastException.
    CastClass,
    /// `(obj, type id) -> payload address`.
    Unbox,
    /// `(obj, interface type id, method index) -> cell address`.
    InterfaceCell,
    /// `(type id)`: run the static constructor if it has not run.
    RunCctor,
    /// `(array, value)`: ArrayTypeMismatchException check for `stelem.ref`.
    StelemCheck,
    /// `(f64, f64) -> f64`.
    FmodF64,
    /// `(f32, f32) -> f32`.
    FmodF32,
    /// `(dst, src, n)`.
    Memcpy,
    /// `(dst, byte, n)`.
    Memset,
    /// `(n, prev) -> ptr`: `localloc`. The block lives in the collected
    /// heap and links `prev`, the frame's previous block (its data
    /// pointer, or 0); the frame keeps the newest in a stack-map slot, so
    /// its blocks live exactly as long as the frame (docs/gc.md).
    Localloc,
    /// `(exc, fp, method, clause) -> i32`: the first pass of exception
    /// dispatch (`first_pass.rs`); whether clause `clause` of the frame at
    /// `fp` takes `exc`.
    FirstPass,
    /// `(exc)`: a catch handler took `exc` (the first pass forgets it).
    Caught,
    /// `(obj, instantiated method id) -> cell address`: a generic virtual
    /// method's override for `obj`'s type, instantiated.
    GenericVirtualCell,
}

impl Helper {
    /// Every helper, in declaration order (a code image names a helper by
    /// its index here).
    pub const ALL: [Helper; 18] = [
        Helper::Alloc,
        Helper::NewArray,
        Helper::Throw,
        Helper::Raise,
        Helper::IsInst,
        Helper::CastClass,
        Helper::Unbox,
        Helper::InterfaceCell,
        Helper::RunCctor,
        Helper::StelemCheck,
        Helper::FmodF64,
        Helper::FmodF32,
        Helper::Memcpy,
        Helper::Memset,
        Helper::Localloc,
        Helper::FirstPass,
        Helper::Caught,
        Helper::GenericVirtualCell,
    ];

    /// Whether the helper may leave an exception in flight, so that the
    /// compiler must test the in-flight word after calling it. `Throw` and
    /// `Raise` always do; their call sites dispatch unconditionally.
    pub fn may_throw(self) -> bool {
        matches!(
            self,
            Helper::Alloc
                | Helper::NewArray
                | Helper::CastClass
                | Helper::Unbox
                | Helper::InterfaceCell
                | Helper::GenericVirtualCell
                | Helper::RunCctor
                | Helper::StelemCheck
                | Helper::Localloc
        )
    }
}

/// An exception the runtime raises, by corlib class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
#[allow(missing_docs, reason = "named after the corlib classes")]
pub enum ExceptionKind {
    NullReference = 0,
    IndexOutOfRange = 1,
    Overflow = 2,
    DivideByZero = 3,
    InvalidCast = 4,
    ArrayTypeMismatch = 5,
    OutOfMemory = 6,
    Arithmetic = 7,
    InvalidProgram = 8,
    NotSupported = 9,
}

impl ExceptionKind {
    /// The corlib class name (`System.<name>`).
    pub const fn class_name(self) -> &'static str {
        match self {
            ExceptionKind::NullReference => "NullReferenceException",
            ExceptionKind::IndexOutOfRange => "IndexOutOfRangeException",
            ExceptionKind::Overflow => "OverflowException",
            ExceptionKind::DivideByZero => "DivideByZeroException",
            ExceptionKind::InvalidCast => "InvalidCastException",
            ExceptionKind::ArrayTypeMismatch => "ArrayTypeMismatchException",
            ExceptionKind::OutOfMemory => "OutOfMemoryException",
            ExceptionKind::Arithmetic => "ArithmeticException",
            ExceptionKind::InvalidProgram => "InvalidProgramException",
            ExceptionKind::NotSupported => "NotSupportedException",
        }
    }

    /// From the raw value compiled code passes.
    pub const fn from_u32(v: u32) -> Self {
        match v {
            0 => ExceptionKind::NullReference,
            1 => ExceptionKind::IndexOutOfRange,
            2 => ExceptionKind::Overflow,
            3 => ExceptionKind::DivideByZero,
            4 => ExceptionKind::InvalidCast,
            5 => ExceptionKind::ArrayTypeMismatch,
            6 => ExceptionKind::OutOfMemory,
            8 => ExceptionKind::InvalidProgram,
            9 => ExceptionKind::NotSupported,
            _ => ExceptionKind::Arithmetic,
        }
    }
}

/// An InternalCall the compiler expands inline (`compiler/intrinsics.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intrinsic {
    /// `(long address) -> int|long`: one load of 8, 16, 32 or 64 bits.
    Load(u8),
    /// `(long address, int|long value)`: one store of that many bits.
    Store(u8),
    /// `()`: a full memory fence.
    Fence,
}

/// The value of a type's static-constructor state byte once the
/// constructor has run (0 = not run, 1 = running, 2 = done, 3 = threw).
pub const CCTOR_DONE: u8 = 2;
