//! `extern "C"` helpers compiled code calls by absolute address, and the
//! bodies of the corlib's InternalCall methods.

use super::gc::Frame;
use super::objects::{STRING_CHARS_OFFSET, type_of};
use super::{ExceptionKind, Runtime, current};
pub use crate::abi::Helper;
use crate::types::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, MethodId, Ty, TypeId, TypeKind};

/// The address of helper `h` (what `CompileEnv::helper_addr` answers).
pub(crate) fn helper_addr(h: Helper) -> usize {
    match h {
        Helper::Alloc => super::asm::cordon_rt_alloc as *const () as usize,
        Helper::NewArray => super::asm::cordon_rt_new_array as *const () as usize,
        Helper::Throw => super::asm::cordon_rt_throw as *const () as usize,
        Helper::Raise => super::asm::cordon_rt_raise as *const () as usize,
        Helper::IsInst => rt_isinst as *const () as usize,
        Helper::CastClass => rt_castclass as *const () as usize,
        Helper::Unbox => rt_unbox as *const () as usize,
        Helper::InterfaceCell => rt_interface_cell as *const () as usize,
        Helper::RunCctor => super::asm::cordon_rt_run_cctor as *const () as usize,
        Helper::StelemCheck => rt_stelem_check as *const () as usize,
        Helper::FmodF64 => super::asm::cordon_rt_fmod as *const () as usize,
        Helper::FmodF32 => super::asm::cordon_rt_fmodf as *const () as usize,
        Helper::Memcpy => rt_memcpy as *const () as usize,
        Helper::Memset => rt_memset as *const () as usize,
        Helper::Localloc => rt_localloc as *const () as usize,
        Helper::FirstPass => super::asm::cordon_rt_first_pass as *const () as usize,
        Helper::Caught => super::first_pass::rt_caught as *const () as usize,
        Helper::GenericVirtualCell => {
            super::generic_virtual::rt_generic_virtual_cell as *const () as usize
        }
    }
}

/// Reached through `cordon_rt_alloc`, which recorded the caller's frame:
/// may collect.
pub(super) extern "C" fn rt_alloc(mt: usize, size: usize) -> usize {
    let at = Frame::entry();
    let rt = current();
    let p = rt.alloc_at(mt, size, Some(at));
    if p == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
    }
    p
}

/// Reached through `cordon_rt_new_array`: may collect.
pub(super) extern "C" fn rt_new_array(mt: usize, len: i64) -> usize {
    let at = Frame::entry();
    let rt = current();
    if len < 0 || len > i64::from(i32::MAX) {
        Runtime::raise(rt, ExceptionKind::Overflow);
        return 0;
    }
    let p = rt.new_array_at(mt, len as usize, Some(at));
    if p == 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
    }
    p
}

/// Reached through `cordon_rt_throw`: `ret` is the return address into the
/// managed thrower, `fp` its frame pointer.
/// `sp` is the thrower's stack pointer at the call: a safepoint for GC
/// stress (the exception is in flight, a root, by then).
pub(super) extern "C" fn rt_throw(obj: usize, ret: usize, fp: usize, sp: usize) {
    let rt = current();
    Runtime::throw(rt, obj);
    rt.record_trace(ret, fp);
    let exc = rt.in_flight();
    super::stack_trace::attach_trace(rt, exc);
    rt.stress_safepoint(Frame { ret, sp, fp });
}

/// Reached through `cordon_rt_raise` (as `rt_throw`).
pub(super) extern "C" fn rt_raise(kind: u32, ret: usize, fp: usize, sp: usize) {
    let rt = current();
    Runtime::raise(rt, ExceptionKind::from_u32(kind));
    rt.record_trace(ret, fp);
    let exc = rt.in_flight();
    super::stack_trace::attach_trace(rt, exc);
    rt.stress_safepoint(Frame { ret, sp, fp });
}

/// Whether a value of type `from` may be stored where `to` is expected
/// (ECMA-335 I.8.7 assignment compatibility for reference types).
pub(crate) fn is_assignable(rt: &mut Runtime, from: TypeId, to: TypeId) -> bool {
    if from == to {
        return true;
    }
    let _ = rt.types.prepare(from);
    let _ = rt.types.prepare(to);
    if rt.types.ty(to).kind == TypeKind::Interface {
        let mut t = Some(from);
        while let Some(c) = t {
            if rt.types.interface_slots(c, to).is_some() || c == to {
                return true;
            }
            t = rt.types.ty(c).parent;
        }
        // A `string[]` is an `IList<object>` (types/array_interfaces.rs).
        return match rt.types.variant_array_interface(from, to) {
            Some((elem, x)) => is_assignable(rt, elem, x),
            None => false,
        };
    }
    if let (TypeKind::Array(a), TypeKind::Array(b)) = (rt.types.ty(from).kind, rt.types.ty(to).kind)
    {
        if rt.types.ty(from).array_rank != rt.types.ty(to).array_rank {
            return false;
        }
        return match (a, b) {
            (Ty::Ref(x), Ty::Ref(y)) => is_assignable(rt, x, y),
            _ => a == b,
        };
    }
    rt.types.is_subclass(from, to)
}

pub(super) fn instance_of(rt: &mut Runtime, obj: usize, t: TypeId) -> bool {
    match type_of(obj) {
        Some(ot) => is_assignable(rt, ot, t),
        None => false,
    }
}

extern "C" fn rt_isinst(obj: usize, t: u32) -> usize {
    let rt = current();
    if obj != 0 && instance_of(rt, obj, TypeId(t)) {
        obj
    } else {
        0
    }
}

extern "C" fn rt_castclass(obj: usize, t: u32) -> usize {
    let rt = current();
    if obj == 0 || instance_of(rt, obj, TypeId(t)) {
        obj
    } else {
        Runtime::raise(rt, ExceptionKind::InvalidCast);
        0
    }
}

extern "C" fn rt_unbox(obj: usize, t: u32) -> usize {
    let rt = current();
    let Some(ot) = type_of(obj) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    let want = TypeId(t);
    // Exact type, or an enum and its underlying primitive (ECMA III.4.33).
    let ok = ot == want || {
        let (a, b) = (rt.types.ty_of_type(ot), rt.types.ty_of_type(want));
        matches!((a, b), (Ty::Prim(x), Ty::Prim(y)) if x == y)
    };
    if !ok {
        Runtime::raise(rt, ExceptionKind::InvalidCast);
        return 0;
    }
    obj + 8
}

extern "C" fn rt_interface_cell(obj: usize, iface: u32, index: u32) -> usize {
    let rt = current();
    let Some(mut t) = type_of(obj) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    loop {
        if let Some(slots) = rt.types.interface_slots(t, TypeId(iface)) {
            let slot = slots.get(index as usize).copied().unwrap_or(u32::MAX);
            let ot = type_of(obj).unwrap_or(t);
            let mt = rt.types.ty(ot).method_table;
            if slot != u32::MAX && mt != 0 {
                // SAFETY: mt is the live method table of obj's type; the
                // vtable has at least slot+1 entries (it came from this map).
                return unsafe {
                    *((mt + super::MT_VTABLE as usize + 8 * slot as usize) as *const usize)
                };
            }
            break;
        }
        match rt.types.ty(t).parent {
            Some(p) => t = p,
            None => break,
        }
    }
    // Array covariance through IList<X> and its bases: SZArrayHelper<X>.
    if let Some(at) = type_of(obj)
        && let Some((elem, x)) = rt.types.variant_array_interface(at, TypeId(iface))
        && is_assignable(rt, elem, x)
        && let Ok(Some(m)) = rt.types.variant_array_method(TypeId(iface), index as usize)
        && let Ok(cell) = rt.cell(m)
    {
        return cell;
    }
    Runtime::raise(rt, ExceptionKind::InvalidCast);
    0
}

/// Reached through `cordon_rt_run_cctor`: the constructor's frames are
/// inside this helper's, so the caller's frame is a segment of the
/// collector's walk while it runs.
pub(super) extern "C" fn rt_run_cctor(t: u32) {
    let at = Frame::entry();
    run_cctor_at(current(), t, at);
}

/// Run `t`'s static constructor (and first its parent's) for managed code
/// whose call into the runtime is at `at`.
fn run_cctor_at(rt: &mut Runtime, t: u32, at: Frame) {
    rt.stress_safepoint(at);
    rt.gc.segments.push(at);
    run_cctor(rt, t, at);
    rt.gc.segments.pop();
}

fn run_cctor(rt: &mut Runtime, t: u32, at: Frame) {
    let t = TypeId(t);
    let flag = rt.cctor_flag(t) as *mut u8;
    // SAFETY: flag is the leaked state byte of t.
    match unsafe { *flag } {
        0 => {}
        CCTOR_FAILED => {
            // Every access after a failed static constructor throws the
            // same TypeInitializationException again.
            let tie = rt.failed_cctors.get(&t).copied().unwrap_or(0);
            Runtime::throw(rt, tie);
            return;
        }
        _ => return, // done, or running (a recursive access during the cctor)
    }
    // SAFETY: as above.
    unsafe { *flag = 1 };
    if let Some(parent) = rt.types.ty(t).parent
        && rt.types.ty(parent).cctor.is_some()
        && !rt.types.ty(parent).before_field_init()
    {
        run_cctor_at(rt, parent.0, at);
        if rt.in_flight() != 0 {
            // The parent's cctor threw: the caller's check dispatches it;
            // this type's own cctor has not run.
            // SAFETY: as above.
            unsafe { *flag = 0 };
            return;
        }
    }
    if let Some(c) = rt.types.ty(t).cctor {
        let code = match rt.compile_method(c) {
            Ok(code) => code,
            Err(e) => {
                if !Runtime::raise_compile_error(rt, &e) {
                    Runtime::escape(rt, super::Escape::Unsupported(e));
                }
                // SAFETY: as above. Not run: the next access tries again.
                unsafe { *flag = 0 };
                return;
            }
        };
        // SAFETY: code is a compiled `static void .cctor()`.
        let f: extern "C" fn() = unsafe { core::mem::transmute(code) };
        f();
        let thrown = rt.in_flight();
        if thrown != 0 {
            // ECMA-335 II.10.5.3.3: the access throws a
            // TypeInitializationException wrapping what the cctor threw,
            // and so does every later access (the type stays failed).
            let tie = rt.type_initialization_exception(t, thrown);
            rt.failed_cctors.insert(t, tie);
            // SAFETY: as above.
            unsafe { *flag = CCTOR_FAILED };
            Runtime::throw(rt, tie);
            return;
        }
    }
    // SAFETY: as above.
    unsafe { *flag = 2 };
}

/// The state byte of a type whose static constructor threw.
const CCTOR_FAILED: u8 = 3;

extern "C" fn rt_stelem_check(array: usize, value: usize) {
    let rt = current();
    if value == 0 {
        return;
    }
    let Some(at) = type_of(array) else { return };
    if let TypeKind::Array(Ty::Ref(elem)) = rt.types.ty(at).kind
        && !instance_of(rt, value, elem)
    {
        Runtime::raise(rt, ExceptionKind::ArrayTypeMismatch);
    }
}

// The float helpers take and return raw bits in integer registers; the
// assembly entry points in `asm.rs` move them from and to xmm0/xmm1, where
// compiled code (System V with SSE) passes them. Rust's own `extern "C"`
// float ABI cannot be used: the driver host's target (`x86_64-unknown-none`)
// is soft-float and would expect the operands in general registers.

/// `fmod` on `f64` bits.
pub(super) extern "C" fn rt_fmod_bits(a: u64, b: u64) -> u64 {
    libm_fmod(f64::from_bits(a), f64::from_bits(b)).to_bits()
}

/// `fmod` on `f32` bits (computed in `f64`, which is exact for the remainder).
pub(super) extern "C" fn rt_fmodf_bits(a: u32, b: u32) -> u32 {
    (libm_fmod(f64::from(f32::from_bits(a)), f64::from(f32::from_bits(b))) as f32).to_bits()
}

/// `fmod` without libm: exact for finite operands (the remainder of two
/// doubles is representable), computed by repeated scaled subtraction.
fn libm_fmod(x: f64, y: f64) -> f64 {
    if y == 0.0 || x.is_nan() || y.is_nan() || x.is_infinite() {
        return f64::NAN;
    }
    if y.is_infinite() {
        return x;
    }
    let (ax, ay) = (x.abs(), y.abs());
    let mut r = ax;
    while r >= ay {
        let mut d = ay;
        while d * 2.0 <= r && (d * 2.0).is_finite() {
            d *= 2.0;
        }
        r -= d;
    }
    // The result takes the dividend's sign, zero included: `-0.0 % y` and
    // `-4.0 % 2.0` are `-0.0` (IEEE 754 `fmod`; mono agrees).
    if x.is_sign_negative() { -r } else { r }
}

extern "C" fn rt_memcpy(dst: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the compiler passes two valid, possibly overlapping regions
    // of n bytes (struct copies, cpblk).
    unsafe { core::ptr::copy(src, dst, n) };
}

extern "C" fn rt_memset(dst: *mut u8, v: u32, n: usize) {
    // SAFETY: the compiler passes a valid region of n bytes.
    unsafe { core::ptr::write_bytes(dst, v as u8, n) };
}

extern "C" fn rt_localloc(n: usize, prev: usize) -> usize {
    let rt = current();
    match rt.localloc_block(n, prev) {
        0 => {
            Runtime::raise(rt, ExceptionKind::OutOfMemory);
            0
        }
        p => p,
    }
}

// ---- InternalCall bodies ---------------------------------------------------

/// `String.FastAllocateString`, reached through
/// `cordon_ic_fast_allocate_string`: may collect.
pub(super) extern "C" fn ic_fast_allocate_string(len: i32) -> usize {
    let at = Frame::entry();
    let rt = current();
    if len < 0 {
        Runtime::raise(rt, ExceptionKind::OutOfMemory);
        return 0;
    }
    match rt.new_string_at(len as usize, Some(at)) {
        Ok(p) if p != 0 => p,
        _ => {
            Runtime::raise(rt, ExceptionKind::OutOfMemory);
            0
        }
    }
}

extern "C" fn ic_array_length(array: usize) -> i32 {
    if array == 0 {
        Runtime::raise(current(), ExceptionKind::NullReference);
        return 0;
    }
    // SAFETY: array is a live array object.
    unsafe { *((array + ARRAY_LENGTH_OFFSET as usize) as *const i32) }
}

extern "C" fn ic_get_type(obj: usize) -> usize {
    let rt = current();
    let Some(t) = type_of(obj) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return 0;
    };
    rt.type_object(t).unwrap_or(0)
}

extern "C" fn ic_type_from_handle(handle_ptr: usize) -> usize {
    let rt = current();
    // Value types are passed by reference to a copy (docs/jit.md).
    // SAFETY: handle_ptr points at the caller's RuntimeTypeHandle copy.
    let handle = unsafe { *(handle_ptr as *const usize) };
    if handle == 0 {
        return 0;
    }
    rt.type_object(TypeId((handle - 1) as u32)).unwrap_or(0)
}

extern "C" fn ic_initialize_array(array: usize, field_ptr: usize) {
    let rt = current();
    // SAFETY: field_ptr points at the caller's RuntimeFieldHandle copy.
    let field = unsafe { *(field_ptr as *const usize) };
    let Some(at) = type_of(array) else {
        Runtime::raise(rt, ExceptionKind::NullReference);
        return;
    };
    let TypeKind::Array(elem) = rt.types.ty(at).kind else {
        return;
    };
    let esize = rt.types.size_of(elem).unwrap_or(0) as usize;
    // SAFETY: array is a live array object.
    let len = unsafe { *((array + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
    let bytes = esize * len;
    let f = rt.types.field(crate::types::FieldId((field - 1) as u32));
    let (asm, rid) = (f.asm, f.rid);
    if let Ok(Some(data)) = rt.types.image(asm).field_data(rid, bytes as u32) {
        // SAFETY: the array has `bytes` bytes of elements after the header.
        unsafe {
            core::ptr::copy_nonoverlapping(
                data.as_ptr(),
                (array + ARRAY_DATA_OFFSET as usize) as *mut u8,
                bytes,
            )
        };
    }
}

extern "C" fn ic_identity_hash(obj: usize) -> i32 {
    // The hash of an object's first address; an object that may still
    // move (a young one) keeps it in a table that follows it.
    current().identity_hash(obj)
}

extern "C" fn ic_payload_equals(a: usize, b: usize) -> i32 {
    let rt = current();
    let (Some(ta), Some(tb)) = (type_of(a), type_of(b)) else {
        return 0;
    };
    if ta != tb {
        return 0;
    }
    let n = rt.value_size(ta);
    // SAFETY: both are boxed values of the same type with n payload bytes.
    let (x, y) = unsafe {
        (
            core::slice::from_raw_parts((a + 8) as *const u8, n),
            core::slice::from_raw_parts((b + 8) as *const u8, n),
        )
    };
    i32::from(x == y)
}

/// `String.MoveChars(char* d, char* s, int n)`: a memmove of `n` UTF-16
/// units between addresses the corlib's unsafe C# computed (it passes
/// pointers into strings and buffers it owns, as its own pointer writes
/// do).
extern "C" fn ic_move_chars(d: usize, s: usize, n: i32) {
    if n > 0 {
        // SAFETY: the corlib passes `n` valid chars at `s` and room for
        // them at `d` (String.CopyChars' callers size both).
        unsafe { core::ptr::copy(s as *const u16, d as *mut u16, n as usize) };
    }
}

/// The implementation of an InternalCall/runtime method, if the runtime has one.
pub(crate) fn internal_call(rt: &Runtime, m: MethodId) -> Option<usize> {
    let mi = rt.types.method(m);
    let t = rt.types.ty(mi.owner);
    let _ = STRING_CHARS_OFFSET;
    Some(
        match (t.namespace.as_str(), t.name.as_str(), mi.name.as_str()) {
            ("System", "String", "FastAllocateString") => {
                super::asm::cordon_ic_fast_allocate_string as *const () as usize
            }
            ("System", "String", "MoveChars") => ic_move_chars as *const () as usize,
            ("System", "Array", "get_Length") => ic_array_length as *const () as usize,
            ("System", "Array", "get_Rank") => {
                super::md_arrays::ic_array_rank as *const () as usize
            }
            ("System", "Array", "CreateInstanceCore") => {
                super::md_arrays::ic_array_create as *const () as usize
            }
            ("System", "Array", "SetValueCore") => {
                super::md_arrays::ic_array_set_value as *const () as usize
            }
            ("System", "Array", "GetLengthCore") => {
                super::md_arrays::ic_array_get_length as *const () as usize
            }
            ("System", "Array", "Clone") => super::arrays::ic_array_clone as *const () as usize,
            ("System", "Array", "GetLowerBoundCore") => {
                super::md_arrays::ic_array_get_lower_bound as *const () as usize
            }
            ("System", "Array", "GetValueCore") => {
                super::arrays::ic_array_get_value as *const () as usize
            }
            ("System", "Array", "CopyCore") => super::arrays::ic_array_copy as *const () as usize,
            ("System", "Object", "MemberwiseClone") => {
                super::clone::ic_memberwise_clone as *const () as usize
            }
            ("System", "Exception", "FrameName") => {
                super::stack_trace::ic_frame_name as *const () as usize
            }
            ("System", "Number", "FormatFloatBits") => {
                super::float_format::ic_format_float_bits as *const () as usize
            }
            ("System", "Object", "GetType") => ic_get_type as *const () as usize,
            ("System", "Type", "GetTypeFromHandle") => ic_type_from_handle as *const () as usize,
            ("System.Runtime.CompilerServices", "RuntimeHelpers", "InitializeArray") => {
                ic_initialize_array as *const () as usize
            }
            ("System.Runtime.CompilerServices", "RuntimeHelpers", "GetHashCode") => {
                ic_identity_hash as *const () as usize
            }
            ("System.Runtime.CompilerServices", "RuntimeHelpers", "PayloadEquals") => {
                ic_payload_equals as *const () as usize
            }
            ("System", "GC", "Collect") => super::asm::cordon_gc_collect as *const () as usize,
            ("System", "GC", "GetTotalMemoryCore") => {
                super::gc::ic_gc_total_memory as *const () as usize
            }
            ("System", "GC", "CollectionCount") => {
                super::gc::ic_gc_collection_count as *const () as usize
            }
            ("System", "Math", name) => return super::math::internal_call(name),
            (ns, ty, name) => return rt.externals.find(ns, ty, name),
        },
    )
}
