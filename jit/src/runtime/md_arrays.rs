//! `System.Array`'s InternalCalls that know about dimensions
//! (`types/md_array.rs` has the layout): `Rank`, the length of one
//! dimension, and cloning a multi-dimensional array with its dimensions.

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

/// A copy of multi-dimensional `array` (elements of `bytes` bytes in all,
/// then `rank` lengths).
pub(super) fn clone_md(
    rt: &mut Runtime,
    array: usize,
    mt: usize,
    bytes: usize,
    rank: u32,
) -> usize {
    let tail = bytes + 4 * rank as usize;
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

/// `Array.CreateInstanceCore(elementTypeHandle, lengths)`: a new zeroed
/// array of the element type with one dimension per length (a vector for
/// one). The lengths were checked (non-negative) by the C# caller.
pub(super) extern "C" fn ic_array_create(handle: usize, lengths: usize) -> usize {
    let rt = current();
    let Some(lt) = type_of(lengths) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    let _ = lt;
    let t = crate::types::TypeId(handle.wrapping_sub(1) as u32);
    if handle == 0 || t.0 as usize >= rt.types.types.len() {
        Runtime::raise(rt, ExceptionKind::NotSupported);
        return 0;
    }
    let elem = rt.types.ty_of_type(t);
    // SAFETY: `lengths` is a live int[]: its length, then the elements.
    let n = unsafe { *((lengths + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
    let dims: alloc::vec::Vec<usize> = (0..n)
        .map(|i| {
            // SAFETY: i < n elements of 4 bytes.
            (unsafe { *((lengths + ARRAY_DATA_OFFSET as usize + 4 * i) as *const i32) }).max(0)
                as usize
        })
        .collect();
    let at = if n == 1 {
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
    if n == 1 {
        let a = rt.new_array(mt, total);
        if a == 0 {
            Runtime::raise(rt, ExceptionKind::OutOfMemory);
        }
        return a;
    }
    let bytes = total * esize as usize;
    let a = rt.alloc(mt, ARRAY_DATA_OFFSET as usize + bytes + 4 * n);
    if a == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    }
    // SAFETY: `a` has room for the length word, the elements and n lengths.
    unsafe {
        *((a + ARRAY_LENGTH_OFFSET as usize) as *mut u32) = total as u32;
        for (i, d) in dims.iter().enumerate() {
            *((a + ARRAY_DATA_OFFSET as usize + bytes + 4 * i) as *mut u32) = *d as u32;
        }
    }
    a
}

/// `Array.SetValueCore(value, flatIndex)`: store `value` (unboxed for a
/// value-type element; null stores the zero value) at element `index` of
/// the flat storage. InvalidCastException when the value's type is not
/// the element type (or, for references, assignable to it).
pub(super) extern "C" fn ic_array_set_value(array: usize, value: usize, index: i32) {
    let rt = current();
    let Some(at) = type_of(array) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return;
    };
    let crate::types::TypeKind::Array(elem) = rt.types.ty(at).kind else {
        Runtime::raise(rt, ExceptionKind::InvalidCast);
        return;
    };
    // The element (a reference, or a struct that may hold some) is
    // written by Rust: the write barrier's work for the whole array.
    rt.wrote_refs(array);
    // SAFETY: array is a live array: its total length at offset 8.
    let total = unsafe { *((array + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
    if index < 0 || index as usize >= total {
        Runtime::raise(rt, ExceptionKind::IndexOutOfRange);
        return;
    }
    let esize = rt.types.size_of(elem).unwrap_or(0) as usize;
    let at_addr = array + ARRAY_DATA_OFFSET as usize + index as usize * esize;
    match elem {
        crate::types::Ty::Ref(et) => {
            if let Some(vt) = type_of(value)
                && !super::helpers::is_assignable(rt, vt, et)
            {
                Runtime::raise(rt, ExceptionKind::InvalidCast);
                return;
            }
            // SAFETY: a reference element of a live array (`wrote_refs`
            // above did the barrier's work).
            unsafe { *(at_addr as *mut usize) = value };
        }
        _ => {
            let want = match elem {
                crate::types::Ty::Prim(p) => rt.types.prim_type(p).ok(),
                crate::types::Ty::Value(t) => Some(t),
                _ => None,
            };
            if value == 0 {
                // SAFETY: esize bytes of a live array's element.
                unsafe { core::ptr::write_bytes(at_addr as *mut u8, 0, esize) };
                return;
            }
            if want.is_none() || type_of(value) != want {
                Runtime::raise(rt, ExceptionKind::InvalidCast);
                return;
            }
            // SAFETY: value is a box of the element type: esize payload
            // bytes after its header.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    (value + crate::types::OBJECT_HEADER_SIZE as usize) as *const u8,
                    at_addr as *mut u8,
                    esize,
                )
            };
        }
    }
}
