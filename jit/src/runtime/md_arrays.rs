//! `System.Array`'s InternalCalls that know about dimensions
//! (`types/md_array.rs` has the layout): `Rank`, the length and lower
//! bound of one dimension, cloning a multi-dimensional array with its
//! dimensions, `CreateInstance` and `SetValue` with .NET's widening of
//! primitive values.

use super::objects::type_of;
use super::{ExceptionKind, Runtime, current};
use crate::types::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET};

/// `Array.Rank`.
pub(super) extern "C" fn ic_array_rank(array: usize) -> i32 {
    let rt = current();
    match type_of(array) {
        Some(t) => rt.types.array_rank(t) as i32,
        None => {
            Runtime::raise(rt, ExceptionKind::NullReference);
            0
        }
    }
}

/// `Array.GetLengthCore(int dimension)`: -1 for a dimension out of range
/// (the C# caller throws IndexOutOfRangeException).
pub(super) extern "C" fn ic_array_get_length(array: usize, dim: i32) -> i32 {
    let rt = current();
    let Some(t) = type_of(array) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    // SAFETY: array is a live array object: its total length at offset 8.
    let total = unsafe { *((array + ARRAY_LENGTH_OFFSET as usize) as *const u32) };
    let rank = rt.types.array_rank(t);
    if dim < 0 || dim as u32 >= rank {
        return -1;
    }
    if rank == 1 {
        return total as i32;
    }
    let crate::types::TypeKind::Array(elem) = rt.types.ty(t).kind else {
        return -1;
    };
    let esize = rt.types.size_of(elem).unwrap_or(0) as usize;
    let dims = array + ARRAY_DATA_OFFSET as usize + total as usize * esize;
    // SAFETY: a multi-dimensional array has `rank` lengths after its elements.
    unsafe { *((dims + 4 * dim as usize) as *const i32) }
}

/// `Array.GetLowerBoundCore(int dimension)`: the lower bound of a
/// dimension the C# caller checked (`0 <= dimension < Rank`); a vector's
/// is 0.
pub(super) extern "C" fn ic_array_get_lower_bound(array: usize, dim: i32) -> i32 {
    let rt = current();
    let Some(t) = type_of(array) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    let rank = rt.types.ty(t).array_rank;
    let crate::types::TypeKind::Array(elem) = rt.types.ty(t).kind else {
        return 0;
    };
    if rank == 0 || dim < 0 || dim as u32 >= rank {
        return 0;
    }
    // SAFETY: array is a live array object: its total length at offset 8.
    let total = unsafe { *((array + ARRAY_LENGTH_OFFSET as usize) as *const u32) };
    let esize = rt.types.size_of(elem).unwrap_or(0) as usize;
    let dims = array + ARRAY_DATA_OFFSET as usize + total as usize * esize;
    // SAFETY: a multi-dimensional array has `rank` lengths, then `rank`
    // lower bounds after its elements.
    unsafe { *((dims + 4 * (rank + dim as u32) as usize) as *const i32) }
}

/// A copy of multi-dimensional `array` (elements of `bytes` bytes in all,
/// then `rank` lengths and `rank` lower bounds).
pub(super) fn clone_md(
    rt: &mut Runtime,
    array: usize,
    mt: usize,
    bytes: usize,
    rank: u32,
) -> usize {
    let tail = bytes + 8 * rank as usize;
    let size = ARRAY_DATA_OFFSET as usize + tail;
    let copy = rt.alloc(mt, size);
    if copy == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    }
    // SAFETY: both objects are `size` bytes: the length word, the
    // elements and the dimensions are copied after the header.
    unsafe {
        core::ptr::copy_nonoverlapping(
            (array + ARRAY_LENGTH_OFFSET as usize) as *const u8,
            (copy + ARRAY_LENGTH_OFFSET as usize) as *mut u8,
            size - ARRAY_LENGTH_OFFSET as usize,
        )
    };
    copy
}

/// `Array.CreateInstanceCore(elementTypeHandle, lengths, lowerBounds)`: a
/// new zeroed array of the element type with one dimension per length:
/// a vector for one length and no lower bound other than 0, else an array
/// with dimensions (`T[*]` for one, `T[,]`...; `lowerBounds` null means
/// all 0). The C# caller checked the lengths (non-negative) and that both
/// arrays have the same length.
pub(super) extern "C" fn ic_array_create(handle: usize, lengths: usize, bounds: usize) -> usize {
    let rt = current();
    if type_of(lengths).is_none() {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    }
    let t = crate::types::TypeId(handle.wrapping_sub(1) as u32);
    if handle == 0 || t.0 as usize >= rt.types.types.len() {
        Runtime::raise(rt, ExceptionKind::NotSupported);
        return 0;
    }
    let elem = rt.types.ty_of_type(t);
    let ints = |a: usize| -> alloc::vec::Vec<i32> {
        if a == 0 {
            return alloc::vec::Vec::new();
        }
        // SAFETY: `a` is a live int[]: its length, then the elements.
        let n = unsafe { *((a + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
        (0..n)
            // SAFETY: i < n elements of 4 bytes.
            .map(|i| unsafe { *((a + ARRAY_DATA_OFFSET as usize + 4 * i) as *const i32) })
            .collect()
    };
    let dims: alloc::vec::Vec<usize> = ints(lengths).iter().map(|&d| d.max(0) as usize).collect();
    let mut lower = ints(bounds);
    let n = dims.len();
    lower.resize(n, 0);
    let vector = n == 1 && lower[0] == 0;
    let at = if vector {
        rt.types.array_of(elem)
    } else {
        rt.types.md_array_of(elem, n as u32)
    };
    let (Ok(at), Ok(esize)) = (at, rt.types.size_of(elem)) else {
        Runtime::raise(rt, ExceptionKind::NotSupported);
        return 0;
    };
    let Ok(mt) = rt.method_table(at) else {
        Runtime::raise(rt, ExceptionKind::NotSupported);
        return 0;
    };
    let total = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&t| t <= i32::MAX as usize);
    let Some(total) = total else {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    };
    if vector {
        let a = rt.new_array(mt, total);
        if a == 0 {
            Runtime::raise(rt, ExceptionKind::OutOfMemory);
        }
        return a;
    }
    let bytes = total * esize as usize;
    let a = rt.alloc(mt, ARRAY_DATA_OFFSET as usize + bytes + 8 * n);
    if a == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    }
    let tail = a + ARRAY_DATA_OFFSET as usize + bytes;
    // SAFETY: `a` has room for the length word, the elements, n lengths
    // and n lower bounds.
    unsafe {
        *((a + ARRAY_LENGTH_OFFSET as usize) as *mut u32) = total as u32;
        for (i, (d, l)) in dims.iter().zip(&lower).enumerate() {
            *((tail + 4 * i) as *mut u32) = *d as u32;
            *((tail + 4 * (n + i)) as *mut i32) = *l;
        }
    }
    a
}

/// `Array.SetValueCore(value, flatIndex)`: store `value` (unboxed for a
/// value-type element; null stores the zero value) at element `index` of
/// the flat storage. A boxed primitive (or enum) whose type differs from
/// the element's primitive is widened as .NET's `Array.SetValue` does
/// (`short` into `int[]`, `int` into `double[]`, `byte` into `char[]`).
/// Answers 0 when stored, 1 for InvalidCastException (not a primitive, or
/// a reference not assignable to the element type) and 2 for
/// ArgumentException (a primitive that does not widen); the C# caller
/// throws those.
pub(super) extern "C" fn ic_array_set_value(array: usize, value: usize, index: i32) -> i32 {
    let rt = current();
    let Some(at) = type_of(array) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    let crate::types::TypeKind::Array(elem) = rt.types.ty(at).kind else {
        return 1;
    };
    // The element (a reference, or a struct that may hold some) is
    // written by Rust: the write barrier's work for the whole array.
    rt.wrote_refs(array);
    // SAFETY: array is a live array: its total length at offset 8.
    let total = unsafe { *((array + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
    if index < 0 || index as usize >= total {
        Runtime::raise(rt, ExceptionKind::IndexOutOfRange);
        return 0;
    }
    let esize = rt.types.size_of(elem).unwrap_or(0) as usize;
    let at_addr = array + ARRAY_DATA_OFFSET as usize + index as usize * esize;
    if let crate::types::Ty::Ref(et) = elem {
        if let Some(vt) = type_of(value)
            && !super::helpers::is_assignable(rt, vt, et)
        {
            return 1;
        }
        // SAFETY: a reference element of a live array (`wrote_refs`
        // above did the barrier's work).
        unsafe { *(at_addr as *mut usize) = value };
        return 0;
    }
    if value == 0 {
        // SAFETY: esize bytes of a live array's element.
        unsafe { core::ptr::write_bytes(at_addr as *mut u8, 0, esize) };
        return 0;
    }
    let Some(vt) = type_of(value) else {
        return 1;
    };
    let payload = value + crate::types::OBJECT_HEADER_SIZE as usize;
    if crate::types::Ty::Value(vt) == elem || rt.types.ty_of_type(vt) == elem {
        // SAFETY: value is a box of the element type: esize payload
        // bytes after its header.
        unsafe { core::ptr::copy_nonoverlapping(payload as *const u8, at_addr as *mut u8, esize) };
        return 0;
    }
    let (Some(from), Some(to)) = (
        rt.types.prim_of(rt.types.ty_of_type(vt)),
        rt.types.prim_of(elem),
    ) else {
        return 1;
    };
    if from == to {
        // An enum and its underlying type (either way round).
        // SAFETY: as above; the same primitive has the same size.
        unsafe { core::ptr::copy_nonoverlapping(payload as *const u8, at_addr as *mut u8, esize) };
        return 0;
    }
    if !widens(from, to) {
        return 2;
    }
    // SAFETY: payload holds a `from`, at_addr an element of type `to`.
    unsafe { store_widened(read_prim(from, payload), to, at_addr) };
    0
}

/// A primitive value read for widening.
#[derive(Clone, Copy)]
enum Wide {
    Signed(i64),
    Unsigned(u64),
    Float(f64),
}

/// Whether .NET's `Array.SetValue` widens a `from` into a `to` element
/// (the table mono and .NET share: integers into every wider integer that
/// holds all their values, `char` like `ushort`, bytes and ushorts into
/// `char`, every integer into `float` and `double`, `float` into
/// `double`; nothing into or out of `bool`, `IntPtr` or from `double`).
fn widens(from: crate::types::Prim, to: crate::types::Prim) -> bool {
    use crate::types::Prim::*;
    match from {
        Char | U2 => matches!(to, Char | U2 | I4 | U4 | I8 | U8 | R4 | R8),
        U1 => matches!(to, Char | U1 | I2 | U2 | I4 | U4 | I8 | U8 | R4 | R8),
        I1 => matches!(to, I1 | I2 | I4 | I8 | R4 | R8),
        I2 => matches!(to, I2 | I4 | I8 | R4 | R8),
        I4 => matches!(to, I4 | I8 | R4 | R8),
        U4 => matches!(to, U4 | I8 | U8 | R4 | R8),
        I8 => matches!(to, I8 | R4 | R8),
        U8 => matches!(to, U8 | R4 | R8),
        R4 => matches!(to, R4 | R8),
        Bool | R8 | I | U => from == to,
    }
}

/// # Safety
/// `at` holds a readable value of primitive `p`.
unsafe fn read_prim(p: crate::types::Prim, at: usize) -> Wide {
    use crate::types::Prim::*;
    // SAFETY: the caller's promise; each read has the primitive's size.
    unsafe {
        match p {
            I1 => Wide::Signed(i64::from(*(at as *const i8))),
            I2 => Wide::Signed(i64::from(*(at as *const i16))),
            I4 => Wide::Signed(i64::from(*(at as *const i32))),
            I8 | I => Wide::Signed(*(at as *const i64)),
            Bool | U1 => Wide::Unsigned(u64::from(*(at as *const u8))),
            Char | U2 => Wide::Unsigned(u64::from(*(at as *const u16))),
            U4 => Wide::Unsigned(u64::from(*(at as *const u32))),
            U8 | U => Wide::Unsigned(*(at as *const u64)),
            R4 => Wide::Float(f64::from(*(at as *const f32))),
            R8 => Wide::Float(*(at as *const f64)),
        }
    }
}

/// # Safety
/// `at` is a writable element of primitive `p`, and `v` fits it (`widens`).
unsafe fn store_widened(v: Wide, p: crate::types::Prim, at: usize) {
    use crate::types::Prim::*;
    let (int, float) = match v {
        Wide::Signed(i) => (i as u64, i as f64),
        Wide::Unsigned(u) => (u, u as f64),
        Wide::Float(f) => (0, f),
    };
    // The float of an integer rounds to nearest, as the conversion
    // instructions `conv.r4`/`conv.r8` do (an `i64` straight to `f32`,
    // not through `f64`, which could round twice).
    let single = match v {
        Wide::Signed(i) => i as f32,
        Wide::Unsigned(u) => u as f32,
        Wide::Float(f) => f as f32,
    };
    // SAFETY: the caller's promise; each write has the primitive's size.
    unsafe {
        match p {
            I1 | U1 | Bool => *(at as *mut u8) = int as u8,
            I2 | U2 | Char => *(at as *mut u16) = int as u16,
            I4 | U4 => *(at as *mut u32) = int as u32,
            I8 | U8 | I | U => *(at as *mut u64) = int,
            R4 => *(at as *mut f32) = single,
            R8 => *(at as *mut f64) = float,
        }
    }
}
