//! The ECMA-335 metadata reader.
//!
//! Start at [`Image::parse`] with the bytes of a `.dll`. From there:
//!
//! * [`Image::tables`] gives typed rows ([`Tables::get`], [`Tables::iter`])
//!   and ownership lookups (fields/methods of a type, nested classes,
//!   explicit layout, FieldRVA);
//! * [`Image::strings`], [`Image::blobs`], [`Image::user_strings`],
//!   [`Image::guids`] read the heaps by typed index;
//! * [`Image::method_sig`], [`Image::field_sig`], ... decode signatures into
//!   [`TypeSig`] trees;
//! * [`Image::method_body`] parses a body and [`IlReader`] walks its IL;
//! * [`Image::find_type_def`] and [`Image::type_ref_scope`] support
//!   resolving one assembly's TypeRefs against another's TypeDefs.
//!
//! Every function returns [`MetadataError`] for malformed input; the module
//! denies the lints that could hide a panic or an unchecked access.

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod check;
pub mod coded_index;
mod cursor;
pub mod error;
pub mod flags;
pub mod heaps;
pub mod il;
pub mod image;
pub mod method_body;
pub mod opcodes;
pub mod pe;
pub mod signature;
pub mod streams;
pub mod tables;
pub mod token;

pub use check::{CheckFailure, CheckReport};
pub use coded_index::{
    CodedIndex, CodedIndexKind, CustomAttributeType, HasConstant, HasCustomAttribute,
    HasDeclSecurity, HasFieldMarshal, HasSemantics, Implementation, MemberForwarded,
    MemberRefParent, MethodDefOrRef, ResolutionScope, TypeDefOrRef, TypeOrMethodDef,
};
pub use error::{MetadataError, Result};
pub use heaps::{BlobIndex, GuidIndex, StringIndex, UserString, UserStringIndex};
pub use il::{IlReader, Instruction, Operand};
pub use image::{Image, TypeRefScope};
pub use method_body::{ExceptionClause, HandlerKind, MethodBody};
pub use opcodes::{Opcode, OperandKind};
pub use signature::{
    ArrayShape, CallingConvention, FieldSig, LocalVarSig, MemberRefSig, MethodSig, MethodSpecSig,
    PropertySig, StandAloneSig, TypeSig,
};
pub use tables::{Row, TableId, Tables};
pub use token::Token;
