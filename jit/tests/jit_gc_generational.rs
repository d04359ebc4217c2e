//! The generational collector on the host (docs/gc.md, "Generations"):
//! a minor collection keeps the young objects only old objects refer to
//! (through the write barrier's remembered set), rebases managed pointers
//! into the objects it moves, leaves pinned objects and `stackalloc`
//! blocks in place and keeps identity hashes. Each runs with and without GC stress (a collection at
//! every allocation; dead young memory poisoned).

mod jit_support;

use jit::runtime::Runtime;

const DIR: &str = "jit-gc-gen";

fn runtime(stress: bool) -> (Box<Runtime>, jit::types::AsmId) {
    let (mut rt, asm) = jit_support::load_patched(DIR, "gc_generational", |_| {});
    rt.set_gc_stress(stress);
    // Small, so that `Churn` fills it many times.
    assert!(rt.set_generational(64 << 10));
    (rt, asm)
}

fn call(rt: &mut Runtime, asm: jit::types::AsmId, name: &str) -> i32 {
    let m = jit_support::find_method(rt, asm, "Gen", name);
    let code = rt.compile_method(m).expect("compiles");
    // SAFETY: a static int method without parameters of this runtime.
    let r = unsafe { Runtime::call_protected(rt as *mut Runtime, code) };
    r.expect("no uncaught exception") as i32
}

fn young_reachable_only_from_old_objects_survive(stress: bool) {
    let (mut rt, asm) = runtime(stress);
    assert_eq!(call(&mut rt, asm, "MakeOld"), 1);
    // A full collection moves `old` and `oldArray` to the old generation.
    rt.collect();
    let minors = rt.gc_stats().minor_collections;
    assert_eq!(call(&mut rt, asm, "StoreYoung"), 1);
    // Only the remembered set (the barrier at `old.Next = n` and
    // `oldArray[i] = n`) refers to the young nodes now.
    rt.collect_minor();
    assert!(rt.gc_stats().minor_collections > minors);
    assert_eq!(call(&mut rt, asm, "CheckYoung"), 1);
    // Once more (the survivors are old now), and through a full one.
    rt.collect_minor();
    rt.collect();
    assert_eq!(call(&mut rt, asm, "CheckYoung"), 1);
}

#[test]
fn young_objects_kept_only_by_old_fields_survive_a_minor_collection() {
    let _serial = jit_support::serial();
    young_reachable_only_from_old_objects_survive(false);
}

#[test]
fn young_objects_kept_only_by_old_fields_survive_under_stress() {
    let _serial = jit_support::serial();
    young_reachable_only_from_old_objects_survive(true);
}

fn moving_cases(stress: bool) {
    let (mut rt, asm) = runtime(stress);
    assert_eq!(call(&mut rt, asm, "ManagedPointer"), 42);
    assert_eq!(call(&mut rt, asm, "ManagedPointerAndRef"), 1);
    assert_eq!(call(&mut rt, asm, "Pinned"), 56);
    assert_eq!(call(&mut rt, asm, "Hash"), 1);
    assert_eq!(call(&mut rt, asm, "StackAlloc"), 347);
    assert!(
        rt.gc_stats().minor_collections >= 10,
        "minor collections: {}",
        rt.gc_stats().minor_collections
    );
}

#[test]
fn managed_pointers_are_rebased_and_pinned_objects_stay() {
    let _serial = jit_support::serial();
    moving_cases(false);
}

#[test]
fn managed_pointers_are_rebased_and_pinned_objects_stay_under_stress() {
    let _serial = jit_support::serial();
    moving_cases(true);
}
