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
