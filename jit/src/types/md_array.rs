//! Arrays with dimensions (`int[,]`, and `int[*]`, a one-dimensional
//! array that is not a vector; ECMA-335 II.14.2). An instance is
//! `[mt][int32 total length + 4 pad][elements, row major][int32 length of
//! each dimension][int32 lower bound of each dimension]`: the elements sit
//! where a vector's do, so everything that sees an array as flat storage
//! (the collector's tracing of reference elements, `Array.Copy`,
//! `GetValueCore`, `RuntimeHelpers.InitializeArray`) works unchanged; the
//! dimensions follow the elements. The object is `16 + total * element
//! size + 8 * rank` bytes. The type is a `TypeKind::Array(elem)` with
//! `array_rank >= 1` (0 is a vector `T[]`). C# makes only zero lower
//! bounds; `Array.CreateInstance(Type, int[], int[])` makes others, and a
//! `T[*]` only that way (a rank-1 array with a non-zero lower bound).
//!
//! The array types' methods do not exist in metadata (II.14.2): `.ctor`,
//! `Get`, `Set` and `Address` are named by MemberRefs on the array's
//! TypeSpec and expanded by the compiler (`compiler/md_arrays.rs`).

use alloc::string::String;

use crate::metadata::tables::MemberRefRow;
use crate::metadata::{MemberRefParent, TableId, Token, TypeDefOrRef};

use super::{GenericCtx, Ty, TypeError, TypeId, TypeSystem};

type Result<T> = core::result::Result<T, TypeError>;

/// One of the methods every multi-dimensional array type has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MdArrayOp {
    /// `.ctor(int32 length, ...)`: one length per dimension.
    Ctor,
    /// `T Get(int32 index, ...)`.
    Get,
    /// `void Set(int32 index, ..., T value)`.
    Set,
    /// `T& Address(int32 index, ...)`.
    Address,
}

impl TypeSystem {
    /// The array type `elem[,...]` of `rank` dimensions (`elem[*]` for 1).
    pub fn md_array_of(&mut self, elem: Ty, rank: u32) -> Result<TypeId> {
        if !(1..=32).contains(&rank) {
            return Err(TypeError::UnsupportedType);
        }
        if let Some(&t) = self.md_arrays.get(&(elem, rank)) {
            return Ok(t);
        }
        let mut name = String::from(self.array_elem_name(elem));
        name.push('[');
        if rank == 1 {
            name.push('*');
        }
        for _ in 1..rank {
            name.push(',');
        }
        name.push(']');
        let id = self.push_array_type(elem, name, rank)?;
        self.md_arrays.insert((elem, rank), id);
        Ok(id)
    }

    /// The number of dimensions of array type `t` (1 for a vector `T[]`).
    pub fn array_rank(&self, t: TypeId) -> u32 {
        self.ty(t).array_rank.max(1)
    }

    /// When `tok` is a MemberRef naming a method of a multi-dimensional
    /// array type: the type and the method.
    pub fn md_array_member(
        &mut self,
        asm: super::AsmId,
        tok: Token,
        ctx: &GenericCtx,
    ) -> Result<Option<(TypeId, MdArrayOp)>> {
        if tok.table() != Some(TableId::MemberRef) {
            return Ok(None);
        }
        let img = self.image(asm).clone();
        let row = img.tables().get::<MemberRefRow>(tok.rid())?;
        let MemberRefParent::TypeSpec(spec) = row.class else {
            return Ok(None);
        };
        let sig = img.type_spec(spec)?;
        if !matches!(sig, crate::metadata::TypeSig::Array(..)) {
            return Ok(None);
        }
        let t = self.resolve_type_in(asm, TypeDefOrRef::TypeSpec(spec), ctx)?;
        let op = match img.strings().get(row.name)? {
            ".ctor" => MdArrayOp::Ctor,
            "Get" => MdArrayOp::Get,
            "Set" => MdArrayOp::Set,
            "Address" => MdArrayOp::Address,
            _ => return Err(TypeError::UnsupportedType),
        };
        // The compiler pops one index (or length) per dimension, and the
        // value for `Set`: a signature with another count (the `(lower
        // bound, length)` constructor of II.14.2, which C# never emits, or
        // malformed metadata) is refused rather than mis-popped.
        let crate::metadata::MemberRefSig::Method(sig) = img.member_ref_sig(tok.rid())? else {
            return Err(TypeError::UnsupportedType);
        };
        let rank = self.array_rank(t) as usize;
        let want = if op == MdArrayOp::Set { rank + 1 } else { rank };
        if sig.params.len() != want {
            return Err(TypeError::UnsupportedType);
        }
        Ok(Some((t, op)))
    }
}
