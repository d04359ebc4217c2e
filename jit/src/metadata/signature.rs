//! Signature blobs (ECMA-335 II.23.2): method, field, property, local
//! variable, type spec and method spec signatures.
//!
//! Decoding is strict about bytes (an unknown `ELEMENT_TYPE_*`, a bad calling
//! convention, trailing bytes are all errors) and bounded: nesting is capped
//! at [`MAX_SIG_DEPTH`] so a hostile blob cannot exhaust the stack, and
//! element counts never pre-allocate more than the blob could hold.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::coded_index::{CodedIndex, TypeDefOrRef};
use super::cursor::Cursor;
use super::error::{MetadataError, Region, Result};
use super::pe::to_usize;

/// Deepest nesting of types a signature may have (`int****...`, nested
/// generic instances). Real code stays far below; hostile blobs do not.
pub const MAX_SIG_DEPTH: u32 = 64;

/// `ELEMENT_TYPE_*` values (II.23.1.16) used in signatures.
#[allow(missing_docs, reason = "the names are the spec's")]
pub mod element_type {
    pub const END: u8 = 0x00;
    pub const VOID: u8 = 0x01;
    pub const BOOLEAN: u8 = 0x02;
    pub const CHAR: u8 = 0x03;
    pub const I1: u8 = 0x04;
    pub const U1: u8 = 0x05;
    pub const I2: u8 = 0x06;
    pub const U2: u8 = 0x07;
    pub const I4: u8 = 0x08;
    pub const U4: u8 = 0x09;
    pub const I8: u8 = 0x0A;
    pub const U8: u8 = 0x0B;
    pub const R4: u8 = 0x0C;
    pub const R8: u8 = 0x0D;
    pub const STRING: u8 = 0x0E;
    pub const PTR: u8 = 0x0F;
    pub const BYREF: u8 = 0x10;
    pub const VALUETYPE: u8 = 0x11;
    pub const CLASS: u8 = 0x12;
    pub const VAR: u8 = 0x13;
    pub const ARRAY: u8 = 0x14;
    pub const GENERICINST: u8 = 0x15;
    pub const TYPEDBYREF: u8 = 0x16;
    pub const I: u8 = 0x18;
    pub const U: u8 = 0x19;
    pub const FNPTR: u8 = 0x1B;
    pub const OBJECT: u8 = 0x1C;
    pub const SZARRAY: u8 = 0x1D;
    pub const MVAR: u8 = 0x1E;
    pub const CMOD_REQD: u8 = 0x1F;
    pub const CMOD_OPT: u8 = 0x20;
    pub const INTERNAL: u8 = 0x21;
    pub const SENTINEL: u8 = 0x41;
    pub const PINNED: u8 = 0x45;
}

use element_type as et;

/// A type as written in a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeSig {
    /// `void` (only as a return type or pointee).
    Void,
    /// `bool`
    Boolean,
    /// `char` (UTF-16 code unit)
    Char,
    /// `sbyte`
    I1,
    /// `byte`
    U1,
    /// `short`
    I2,
    /// `ushort`
    U2,
    /// `int`
    I4,
    /// `uint`
    U4,
    /// `long`
    I8,
    /// `ulong`
    U8,
    /// `float`
    R4,
    /// `double`
    R8,
    /// `nint`
    I,
    /// `nuint`
    U,
    /// `string`
    String,
    /// `object`
    Object,
    /// `System.TypedReference`
    TypedByRef,
    /// A reference type named by token.
    Class(TypeDefOrRef),
    /// A value type named by token.
    ValueType(TypeDefOrRef),
    /// Unmanaged pointer `T*`.
    Ptr(Box<TypeSig>),
    /// Managed pointer `ref T`.
    ByRef(Box<TypeSig>),
    /// Single-dimensional zero-based array `T[]`.
    SzArray(Box<TypeSig>),
    /// General array `T[,]` with its shape.
    Array(Box<TypeSig>, ArrayShape),
    /// A generic instantiation `G<A, B>`.
    GenericInst {
        /// Whether the generic type is a value type (`VALUETYPE` vs `CLASS`).
        value_type: bool,
        /// The generic type definition.
        generic: TypeDefOrRef,
        /// The type arguments.
        args: Vec<TypeSig>,
    },
    /// Generic parameter of the enclosing type (`!n`).
    Var(u32),
    /// Generic parameter of the method (`!!n`).
    MVar(u32),
    /// Function pointer.
    FnPtr(Box<MethodSig>),
    /// A custom modifier (`modreq` when `required`, else `modopt`) on `ty`.
    Modified {
        /// `CMOD_REQD` (true) or `CMOD_OPT` (false).
        required: bool,
        /// The modifier type (e.g. `IsVolatile`).
        modifier: TypeDefOrRef,
        /// The modified type.
        ty: Box<TypeSig>,
    },
    /// A pinned local (local variable signatures only).
    Pinned(Box<TypeSig>),
}

impl TypeSig {
    /// Decode a `TypeSpec` blob.
    pub fn parse_type_spec(blob: &[u8]) -> Result<Self> {
        let mut r = SigReader::new(blob);
        let ty = r.ty(Pos::Nested)?;
        r.finish()?;
        Ok(ty)
    }

    /// The type with custom modifiers and `pinned` stripped off.
    pub fn unmodified(&self) -> &TypeSig {
        match self {
            TypeSig::Modified { ty, .. } | TypeSig::Pinned(ty) => ty.unmodified(),
            other => other,
        }
    }
}

/// Shape of a general array (II.23.2.13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayShape {
    /// Number of dimensions (at least 1).
    pub rank: u32,
    /// Sizes of the leading dimensions that have one.
    pub sizes: Vec<u32>,
    /// Lower bounds of the leading dimensions that have one.
    pub lower_bounds: Vec<i32>,
}

/// Calling convention of a method signature (low nibble of the first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallingConvention {
    /// Managed default.
    Default,
    /// Unmanaged cdecl.
    C,
    /// Unmanaged stdcall.
    StdCall,
    /// Unmanaged thiscall.
    ThisCall,
    /// Unmanaged fastcall.
    FastCall,
    /// Managed varargs.
    VarArg,
    /// Unmanaged, convention given by modifiers.
    Unmanaged,
}

/// A method signature: `MethodDefSig`, `MethodRefSig` or `StandAloneMethodSig`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodSig {
    /// Instance method: a `this` argument precedes `params`.
    pub has_this: bool,
    /// `this` is spelled out as the first entry of `params`.
    pub explicit_this: bool,
    /// Calling convention.
    pub calling_convention: CallingConvention,
    /// Number of generic parameters (0 for non-generic methods).
    pub generic_param_count: u32,
    /// Return type (possibly `Void`, `ByRef`, `TypedByRef`, `Modified`).
    pub ret: TypeSig,
    /// Parameter types, including the varargs part of a call site.
    pub params: Vec<TypeSig>,
    /// For a vararg call site: index in `params` where the `SENTINEL` was,
    /// i.e. where the variable arguments start.
    pub vararg_start: Option<usize>,
}

impl MethodSig {
    /// Decode a method signature blob.
    pub fn parse(blob: &[u8]) -> Result<Self> {
        let mut r = SigReader::new(blob);
        let sig = r.method_sig()?;
        r.finish()?;
        Ok(sig)
    }
}

/// A field signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSig {
    /// The field type (custom modifiers appear as [`TypeSig::Modified`]).
    pub ty: TypeSig,
}

impl FieldSig {
    /// Decode a field signature blob.
    pub fn parse(blob: &[u8]) -> Result<Self> {
        let mut r = SigReader::new(blob);
        r.expect_kind(0x06, 0x00)?;
        let ty = r.ty(Pos::Top)?;
        r.finish()?;
        Ok(Self { ty })
    }
}

/// A property signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertySig {
    /// Instance property.
    pub has_this: bool,
    /// Property type.
    pub ty: TypeSig,
    /// Indexer parameters.
    pub params: Vec<TypeSig>,
}

impl PropertySig {
    /// Decode a property signature blob.
    pub fn parse(blob: &[u8]) -> Result<Self> {
        let mut r = SigReader::new(blob);
        let head = r.expect_kind(0x08, 0x20)?;
        let has_this = head & 0x20 != 0;
        let count = r.c.compressed_u32()?;
        let ty = r.ty(Pos::Top)?;
        let mut params = r.vec(count)?;
        for _ in 0..count {
            params.push(r.ty(Pos::Top)?);
        }
        r.finish()?;
        Ok(Self {
            has_this,
            ty,
            params,
        })
    }
}

/// A local variable signature (`.locals`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalVarSig {
    /// The locals in slot order; pinned locals are [`TypeSig::Pinned`].
    pub locals: Vec<TypeSig>,
}

impl LocalVarSig {
    /// Decode a local variable signature blob.
    pub fn parse(blob: &[u8]) -> Result<Self> {
        let mut r = SigReader::new(blob);
        let locals = r.locals()?;
        r.finish()?;
        Ok(Self { locals })
    }
}

/// A method instantiation (`MethodSpec` blob).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodSpecSig {
    /// The type arguments.
    pub args: Vec<TypeSig>,
}

impl MethodSpecSig {
    /// Decode a method spec blob.
    pub fn parse(blob: &[u8]) -> Result<Self> {
        let mut r = SigReader::new(blob);
        r.expect_kind(0x0A, 0x00)?;
        let count = r.c.compressed_u32()?;
        let mut args = r.vec(count)?;
        for _ in 0..count {
            args.push(r.ty(Pos::Nested)?);
        }
        r.finish()?;
        Ok(Self { args })
    }
}

/// The signature of a `MemberRef`: a method or a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberRefSig {
    /// A method reference.
    Method(MethodSig),
    /// A field reference.
    Field(FieldSig),
}

impl MemberRefSig {
    /// Decode a member reference signature, telling field from method by its
    /// first byte.
    pub fn parse(blob: &[u8]) -> Result<Self> {
        match blob.first() {
            Some(b) if b & 0x0F == 0x06 => FieldSig::parse(blob).map(Self::Field),
            _ => MethodSig::parse(blob).map(Self::Method),
        }
    }
}

/// The signature of a `StandAloneSig` row: locals or a `calli` site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StandAloneSig {
    /// A method body's locals.
    Locals(LocalVarSig),
    /// The signature of an indirect call.
    Method(MethodSig),
}

impl StandAloneSig {
    /// Decode, telling locals from a method signature by the first byte.
    pub fn parse(blob: &[u8]) -> Result<Self> {
        match blob.first() {
            Some(0x07) => LocalVarSig::parse(blob).map(Self::Locals),
            _ => MethodSig::parse(blob).map(Self::Method),
        }
    }
}

/// Where a type occurs, which decides whether `void`/`typedref` are allowed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pos {
    /// Return type: `void`, `typedref` and byrefs allowed.
    Ret,
    /// Parameter, field, local, property type: `typedref` and byrefs allowed.
    Top,
    /// Pointee of `*`: `void` allowed.
    Pointee,
    /// Anywhere else (array elements, generic arguments, ...).
    Nested,
}

struct SigReader<'a> {
    c: Cursor<'a>,
    depth: u32,
}

impl<'a> SigReader<'a> {
    fn new(blob: &'a [u8]) -> Self {
        Self {
            c: Cursor::new(blob, Region::Signature),
            depth: 0,
        }
    }

    fn bad(&self, offset: usize, byte: u8) -> MetadataError {
        MetadataError::BadSignatureByte { offset, byte }
    }

    fn finish(&self) -> Result<()> {
        if self.c.is_empty() {
            Ok(())
        } else {
            Err(MetadataError::SignatureTrailingBytes {
                offset: self.c.pos(),
            })
        }
    }

    /// Read the leading byte and check its kind nibble; `allowed` masks the
    /// flag bits that may be set.
    fn expect_kind(&mut self, kind: u8, allowed: u8) -> Result<u8> {
        let at = self.c.pos();
        let b = self.c.u8()?;
        if b & 0x0F != kind || b & !(allowed | 0x0F) != 0 {
            return Err(self.bad(at, b));
        }
        Ok(b)
    }

    /// A vector with capacity for `count` items, but never more than the
    /// bytes left (each item takes at least one byte).
    fn vec<T>(&self, count: u32) -> Result<Vec<T>> {
        let count = to_usize(count);
        if count > self.c.remaining() {
            return Err(self.c.truncated(count));
        }
        Ok(Vec::with_capacity(count))
    }

    fn type_def_or_ref(&mut self) -> Result<TypeDefOrRef> {
        let at = self.c.pos();
        let raw = self.c.compressed_u32()?;
        // TypeDefOrRefOrSpecEncoded: same tag layout as the TypeDefOrRef
        // coded index; a null reference is meaningless here.
        TypeDefOrRef::decode(raw)
            .ok()
            .flatten()
            .ok_or(MetadataError::BadSignatureByte {
                offset: at,
                byte: raw.to_le_bytes().first().copied().unwrap_or(0),
            })
    }

    fn method_sig(&mut self) -> Result<MethodSig> {
        let at = self.c.pos();
        let head = self.c.u8()?;
        // Bits: 0x20 HASTHIS, 0x40 EXPLICITTHIS, 0x10 GENERIC; 0x80 is unused.
        if head & 0x80 != 0 {
            return Err(self.bad(at, head));
        }
        let calling_convention = match head & 0x0F {
            0 => CallingConvention::Default,
            1 => CallingConvention::C,
            2 => CallingConvention::StdCall,
            3 => CallingConvention::ThisCall,
            4 => CallingConvention::FastCall,
            5 => CallingConvention::VarArg,
            9 => CallingConvention::Unmanaged,
            _ => return Err(self.bad(at, head)),
        };
        let has_this = head & 0x20 != 0;
        let explicit_this = head & 0x40 != 0;
        let generic_param_count = if head & 0x10 != 0 {
            self.c.compressed_u32()?
        } else {
            0
        };
        let count = self.c.compressed_u32()?;
        let ret = self.ty(Pos::Ret)?;
        let mut params = self.vec(count)?;
        let mut vararg_start = None;
        while params.len() < to_usize(count) {
            if self.c.peek_u8()? == et::SENTINEL {
                let at = self.c.pos();
                if vararg_start.is_some() {
                    return Err(self.bad(at, et::SENTINEL));
                }
                self.c.u8()?;
                vararg_start = Some(params.len());
                continue;
            }
            params.push(self.ty(Pos::Top)?);
        }
        Ok(MethodSig {
            has_this,
            explicit_this,
            calling_convention,
            generic_param_count,
            ret,
            params,
            vararg_start,
        })
    }

    fn locals(&mut self) -> Result<Vec<TypeSig>> {
        self.expect_kind(0x07, 0x00)?;
        let count = self.c.compressed_u32()?;
        let mut locals = self.vec(count)?;
        for _ in 0..count {
            locals.push(self.local()?);
        }
        Ok(locals)
    }

    /// One local: custom modifiers and `PINNED` in any order, then the type.
    fn local(&mut self) -> Result<TypeSig> {
        let b = self.c.peek_u8()?;
        match b {
            et::PINNED => {
                self.c.u8()?;
                let inner = self.nested(|r| r.local())?;
                Ok(TypeSig::Pinned(Box::new(inner)))
            }
            et::CMOD_REQD | et::CMOD_OPT => {
                self.c.u8()?;
                let modifier = self.type_def_or_ref()?;
                let inner = self.nested(|r| r.local())?;
                Ok(TypeSig::Modified {
                    required: b == et::CMOD_REQD,
                    modifier,
                    ty: Box::new(inner),
                })
            }
            _ => self.ty(Pos::Top),
        }
    }

    /// Run `f` one nesting level deeper, failing past [`MAX_SIG_DEPTH`].
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_SIG_DEPTH {
            return Err(MetadataError::SignatureTooDeep);
        }
        self.depth = self.depth.saturating_add(1);
        let out = f(self);
        self.depth = self.depth.saturating_sub(1);
        out
    }

    fn boxed(&mut self, pos: Pos) -> Result<Box<TypeSig>> {
        self.nested(|r| r.ty(pos)).map(Box::new)
    }

    fn ty(&mut self, pos: Pos) -> Result<TypeSig> {
        let at = self.c.pos();
        let b = self.c.u8()?;
        let top = matches!(pos, Pos::Ret | Pos::Top);
        Ok(match b {
            et::VOID if matches!(pos, Pos::Ret | Pos::Pointee) => TypeSig::Void,
            et::BOOLEAN => TypeSig::Boolean,
            et::CHAR => TypeSig::Char,
            et::I1 => TypeSig::I1,
            et::U1 => TypeSig::U1,
            et::I2 => TypeSig::I2,
            et::U2 => TypeSig::U2,
            et::I4 => TypeSig::I4,
            et::U4 => TypeSig::U4,
            et::I8 => TypeSig::I8,
            et::U8 => TypeSig::U8,
            et::R4 => TypeSig::R4,
            et::R8 => TypeSig::R8,
            et::I => TypeSig::I,
            et::U => TypeSig::U,
            et::STRING => TypeSig::String,
            et::OBJECT => TypeSig::Object,
            et::TYPEDBYREF if top => TypeSig::TypedByRef,
            et::CLASS => TypeSig::Class(self.type_def_or_ref()?),
            et::VALUETYPE => TypeSig::ValueType(self.type_def_or_ref()?),
            et::PTR => TypeSig::Ptr(self.boxed(Pos::Pointee)?),
            // Byrefs belong at the top of a parameter, return, local or field
            // type (ref fields of ref structs), never inside another type.
            et::BYREF if top => TypeSig::ByRef(self.boxed(Pos::Nested)?),
            et::SZARRAY => TypeSig::SzArray(self.boxed(Pos::Nested)?),
            et::ARRAY => {
                let elem = self.boxed(Pos::Nested)?;
                let shape = self.array_shape()?;
                TypeSig::Array(elem, shape)
            }
            et::GENERICINST => {
                let kind_at = self.c.pos();
                let kind = self.c.u8()?;
                let value_type = match kind {
                    et::CLASS => false,
                    et::VALUETYPE => true,
                    other => return Err(self.bad(kind_at, other)),
                };
                let generic = self.type_def_or_ref()?;
                let count = self.c.compressed_u32()?;
                if count == 0 {
                    return Err(self.bad(kind_at, kind));
                }
                let mut args = self.vec(count)?;
                for _ in 0..count {
                    args.push(*self.boxed(Pos::Nested)?);
                }
                TypeSig::GenericInst {
                    value_type,
                    generic,
                    args,
                }
            }
            et::VAR => TypeSig::Var(self.c.compressed_u32()?),
            et::MVAR => TypeSig::MVar(self.c.compressed_u32()?),
            et::FNPTR => TypeSig::FnPtr(Box::new(self.nested(|r| r.method_sig())?)),
            et::CMOD_REQD | et::CMOD_OPT => {
                let modifier = self.type_def_or_ref()?;
                TypeSig::Modified {
                    required: b == et::CMOD_REQD,
                    modifier,
                    ty: self.boxed(pos)?,
                }
            }
            other => return Err(self.bad(at, other)),
        })
    }

    fn array_shape(&mut self) -> Result<ArrayShape> {
        let at = self.c.pos();
        let rank = self.c.compressed_u32()?;
        if rank == 0 {
            return Err(self.bad(at, 0));
        }
        let (at, first) = (self.c.pos(), self.c.peek_u8()?);
        let num_sizes = self.c.compressed_u32()?;
        if num_sizes > rank {
            return Err(self.bad(at, first));
        }
        let mut sizes = self.vec(num_sizes)?;
        for _ in 0..num_sizes {
            sizes.push(self.c.compressed_u32()?);
        }
        let (at, first) = (self.c.pos(), self.c.peek_u8()?);
        let num_bounds = self.c.compressed_u32()?;
        if num_bounds > rank {
            return Err(self.bad(at, first));
        }
        let mut lower_bounds = self.vec(num_bounds)?;
        for _ in 0..num_bounds {
            lower_bounds.push(self.c.compressed_i32()?);
        }
        Ok(ArrayShape {
            rank,
            sizes,
            lower_bounds,
        })
    }
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
