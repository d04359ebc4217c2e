//! `Exception.StackTrace`: the managed frames an exception was thrown
//! through, kept in the exception object itself so it survives later
//! throws. When `throw` or a runtime check records the trace
//! (`Runtime::record_trace`), [`attach_trace`] stores it in the
//! exception's private `_stackTrace` field as an `int[]` of (method id,
//! IL offset or -1) pairs, innermost first; corlib C# formats it, asking
//! [`ic_frame_name`] for each method's name. The array is an ordinary
//! field of `System.Exception`, so its layout lists it for the collector.

use super::{Runtime, current};
use crate::types::{ARRAY_DATA_OFFSET, MethodId, Prim, Ty};

/// Store the trace just recorded for `exc` in its `_stackTrace` field.
pub(super) fn attach_trace(rt: &mut Runtime, exc: usize) {
    let trace: alloc::vec::Vec<(u32, i32)> = rt
        .exception_trace(exc)
        .iter()
        .map(|l| (l.method.0, l.il_offset.map_or(-1, |o| o as i32)))
        .collect();
    if exc == 0 || trace.is_empty() {
        return;
    }
    let Some(off) = rt.exception_field_offset("_stackTrace") else {
        return;
    };
    // Not every object thrown is a System.Exception (IL may throw any
    // object): only those get a trace.
    let Ok(exc_t) = rt.types.corlib_type("Exception") else {
        return;
    };
    let is_exception = super::objects::type_of(exc).is_some_and(|t| rt.types.is_subclass(t, exc_t));
    if !is_exception {
        return;
    }
    let Ok(at) = rt.types.array_of(Ty::Prim(Prim::I4)) else {
        return;
    };
    let Ok(mt) = rt.method_table(at) else {
        return;
    };
    let array = rt.new_array(mt, trace.len() * 2);
    if array == 0 {
        return; // out of memory: the exception goes on without a trace
    }
    for (i, (m, il)) in trace.iter().enumerate() {
        let p = (array + ARRAY_DATA_OFFSET as usize + 8 * i) as *mut i32;
        // SAFETY: the array has 2 * len int elements.
        unsafe {
            *p = *m as i32;
            *p.add(1) = *il;
        }
    }
    // SAFETY: `off` is the offset of `_stackTrace` (an int[] field) in
    // `exc`, a live System.Exception. No barrier: `array` was allocated
    // by the runtime, in the old generation, so it is never young.
    unsafe { *((exc + off) as *mut usize) = array };
}

/// `Exception.FrameName(int)`: `Type.Method` of a method id, as a string.
pub(super) extern "C" fn ic_frame_name(m: i32) -> usize {
    let rt = current();
    let name = if m >= 0 && (m as usize) < rt.types.methods.len() {
        let mi = rt.types.method(MethodId(m as u32));
        alloc::format!("{}.{}", rt.types.type_name(mi.owner), mi.name)
    } else {
        alloc::string::String::from("?")
    };
    rt.string_from_utf16(
        name.encode_utf16()
            .collect::<alloc::vec::Vec<u16>>()
            .into_iter(),
    )
    .unwrap_or(0)
}
