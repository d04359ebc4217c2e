//! `System.Array`'s InternalCalls that need the element type: `Clone`,
//! `GetValueCore` (an element of the flat storage as an object, boxed for value types) and
//! `CopyCore` (the typed part of `Array.Copy`; its bounds checks are C#).
//! The runtime copies elements itself here; with a collector these copies
//! of references will need the write barrier too.

use super::objects::type_of;
use super::{ExceptionKind, Runtime, current};
use crate::types::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, Ty, TypeKind};

/// `(array) -> (element type, element size, length)`, raising
/// NullReferenceException for null.
fn array_info(rt: &mut Runtime, array: usize) -> Option<(Ty, usize, usize)> {
    let Some(at) = type_of(array) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return None;
    };
    let TypeKind::Array(elem) = rt.types.ty(at).kind else {
        Runtime::raise(rt, ExceptionKind::InvalidCast);
        return None;
    };
    let esize = rt.types.size_of(elem).ok()? as usize;
    // SAFETY: array is a live array object.
    let len = unsafe { *((array + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
    Some((elem, esize, len))
}

fn element(array: usize, esize: usize, i: usize) -> usize {
    array + ARRAY_DATA_OFFSET as usize + i * esize
}

/// `Array.Clone()`: a new array of the same type, length and elements.
pub(super) extern "C" fn ic_array_clone(array: usize) -> usize {
    let rt = current();
    let Some((_, esize, len)) = array_info(rt, array) else {
        return 0;
    };
    // SAFETY: word 0 of an object is its method table.
    let mt = unsafe { *(array as *const usize) };
    if let Some(t) = type_of(array)
        && rt.types.ty(t).array_rank >= 1
    {
        return super::md_arrays::clone_md(rt, array, mt, esize * len, rt.types.ty(t).array_rank);
    }
    let copy = rt.new_array(mt, len);
    if copy == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    }
    // SAFETY: both arrays have len elements of esize bytes.
    unsafe {
        core::ptr::copy_nonoverlapping(
            element(array, esize, 0) as *const u8,
            element(copy, esize, 0) as *mut u8,
            len * esize,
        )
    };
    copy
}

/// `Array.GetValueCore(int)`: element `index` of the flat storage, boxed
/// if it is a value.
pub(super) extern "C" fn ic_array_get_value(array: usize, index: i32) -> usize {
    let rt = current();
    let Some((elem, esize, len)) = array_info(rt, array) else {
        return 0;
    };
    if index < 0 || index as usize >= len {
        Runtime::raise(rt, ExceptionKind::IndexOutOfRange);
        return 0;
    }
    let at = element(array, esize, index as usize);
    let t = match elem {
        Ty::Ref(_) => {
            // SAFETY: at is a reference element of a live array.
            return unsafe { *(at as *const usize) };
        }
        Ty::Value(t) => Ok(t),
        Ty::Prim(p) => rt.types.prim_type(p),
        _ => {
            // Pointer arrays: not boxable.
            Runtime::raise(rt, ExceptionKind::NotSupported);
            return 0;
        }
    };
    let mt = match t.map(|t| rt.method_table(t)) {
        Ok(Ok(mt)) => mt,
        _ => {
            Runtime::raise(rt, ExceptionKind::NotSupported);
            return 0;
        }
    };
    let boxed = rt.alloc(mt, 8 + esize);
    if boxed == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    }
    // SAFETY: the box has esize payload bytes after its header.
    unsafe { core::ptr::copy_nonoverlapping(at as *const u8, (boxed + 8) as *mut u8, esize) };
    boxed
}

/// `Array.CopyCore(src, srcIndex, dst, dstIndex, length)`, ranges already
/// checked: same element types copy as bytes (overlap allowed); reference
/// elements into another reference element type are checked one by one
/// (InvalidCastException); anything else is ArrayTypeMismatchException.
pub(super) extern "C" fn ic_array_copy(
    src: usize,
    src_index: i32,
    dst: usize,
    dst_index: i32,
    length: i32,
) {
    let rt = current();
    let (Some((se, ssize, slen)), Some((de, dsize, dlen))) =
        (array_info(rt, src), array_info(rt, dst))
    else {
        return;
    };
    let (si, di, n) = (src_index as usize, dst_index as usize, length as usize);
    if src_index < 0 || dst_index < 0 || length < 0 || si + n > slen || di + n > dlen {
        Runtime::raise(rt, ExceptionKind::IndexOutOfRange);
        return;
    }
    // References (or structs holding them) written by Rust: the write
    // barrier's work for `dst` as a whole.
    rt.wrote_refs(dst);
    if se == de {
        // SAFETY: both ranges were checked against the arrays' lengths.
        unsafe {
            core::ptr::copy(
                element(src, ssize, si) as *const u8,
                element(dst, dsize, di) as *mut u8,
                n * ssize,
            )
        };
        return;
    }
    let Ty::Ref(target) = de else {
        Runtime::raise(rt, ExceptionKind::ArrayTypeMismatch);
        return;
    };
    if !matches!(se, Ty::Ref(_)) {
        Runtime::raise(rt, ExceptionKind::ArrayTypeMismatch);
        return;
    }
    // Distinct arrays (their types differ), so no overlap.
    for i in 0..n {
        // SAFETY: i < n, within both checked ranges.
        let v = unsafe { *(element(src, 8, si + i) as *const usize) };
        if v != 0 && !super::helpers::instance_of(rt, v, target) {
            Runtime::raise(rt, ExceptionKind::InvalidCast);
            return;
        }
        // SAFETY: as above.
        unsafe { *(element(dst, 8, di + i) as *mut usize) = v };
    }
}
