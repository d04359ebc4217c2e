//! `Object.MemberwiseClone`: a shallow copy of any object (what
//! `Delegate.Combine` and `ICloneable` implementations build on).

use super::objects::type_of;
use super::{ExceptionKind, Runtime, current};
use crate::types::{OBJECT_HEADER_SIZE, TypeKind};

/// `(obj) -> copy`: the same method table, the same field bytes. References
/// are copied as they are; with a collector that needs a barrier the new
/// object's reference fields would have to go through it too (the copy is
/// a fresh object, so a generational collector sees it in the nursery).
pub(super) extern "C" fn ic_memberwise_clone(obj: usize) -> usize {
    let rt = current();
    let Some(t) = type_of(obj) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    let size = match rt.types.ty(t).kind {
        TypeKind::Array(_) => return super::arrays::ic_array_clone(obj),
        // Strings are immutable: the copy is indistinguishable but for identity.
        _ if rt.types.ty(t).namespace == "System" && rt.types.ty(t).name == "String" => {
            return obj;
        }
        _ if rt.types.ty(t).is_value_type() => OBJECT_HEADER_SIZE as usize + rt.value_size(t),
        _ => match rt.types.ensure_layout(t) {
            Ok(l) => l.size as usize,
            Err(_) => {
                Runtime::raise(rt, ExceptionKind::InvalidCast);
                return 0;
            }
        },
    };
    // SAFETY: word 0 of an object is its method table.
    let mt = unsafe { *(obj as *const usize) };
    let copy = rt.alloc(mt, size);
    if copy == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    }
    let h = OBJECT_HEADER_SIZE as usize;
    // SAFETY: both objects are `size` bytes of the same type; the header
    // (method table) is already in place.
    unsafe {
        core::ptr::copy_nonoverlapping((obj + h) as *const u8, (copy + h) as *mut u8, size - h)
    };
    copy
}
