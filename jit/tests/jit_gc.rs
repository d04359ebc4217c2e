//! The collector on the host (docs/gc.md): a heap limit turns exhaustion
//! into a managed OutOfMemoryException and garbage is reclaimed under it;
//! the stack maps and root enumeration are checked over the whole C# suite
//! by the GC-stress differential run (`cargo xtask test jit`).

mod jit_support;

use jit::runtime::Runtime;

const DIR: &str = "jit-gc";

fn call(rt: &mut Runtime, asm: jit::types::AsmId, name: &str) -> i32 {
    let m = jit_support::find_method(rt, asm, "Limit", name);
    let code = rt.compile_method(m).expect("compiles");
    // SAFETY: a static int method without parameters of this runtime.
    let r = unsafe { Runtime::call_protected(rt as *mut Runtime, code) };
    r.expect("no uncaught exception") as i32
}

#[test]
fn exhausting_the_heap_limit_raises_out_of_memory() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "gc_limit", |_| {});
    rt.set_heap_limit(4 << 20);
    let n = call(&mut rt, asm, "Fill");
    // Each link is 8,024 bytes of array plus a 32-byte Chain cell: 4 MiB
    // holds at most 521 of them.
    assert!((400..=530).contains(&n), "links before OOM: {n}");
    assert!(rt.heap_used() <= 4 << 20, "used {}", rt.heap_used());
    assert!(rt.gc_stats().collections > 0);
}

#[test]
fn garbage_is_reclaimed_under_the_limit() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "gc_limit", |_| {});
    rt.set_heap_limit(2 << 20);
    // 5,000 arrays of 8 KiB: 40 MiB through a 2 MiB heap.
    assert_eq!(call(&mut rt, asm, "Churn"), 1);
    assert!(rt.gc_stats().collections >= 10);
    assert!(rt.gc_stats().freed >= 30 << 20);
}

#[test]
fn collect_outside_managed_code_keeps_statics() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "gc_limit", |_| {});
    rt.set_heap_limit(4 << 20);
    assert!(call(&mut rt, asm, "Fill") > 0);
    let before = rt.gc_stats().collections;
    rt.collect();
    assert_eq!(rt.gc_stats().collections, before + 1);
    // Fill dropped its chain: what is left is small.
    assert!(rt.heap_used() < 1 << 20, "used {}", rt.heap_used());
}

/// The stack maps of `name`'s compiled code (compiled on demand).
fn maps(
    rt: &mut Runtime,
    asm: jit::types::AsmId,
    name: &str,
) -> Vec<jit::compiler::stackmaps::StackMap> {
    let m = jit_support::find_method(rt, asm, "Limit", name);
    rt.compile_method(m).expect("compiles");
    let r = rt
        .code_ranges
        .iter()
        .find(|r| r.method == m)
        .expect("code range");
    r.stack_maps.clone()
}

#[test]
fn stack_maps_list_exactly_the_live_references() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "gc_limit", |_| {});
    assert!(maps(&mut rt, asm, "NoRefs").is_empty());
    let three = maps(&mut rt, asm, "ThreeRefs");
    // At the call `Id(2)` a, b and c are live: some safepoint has at
    // least three slots, and no safepoint more than the references the
    // method ever holds at once (a, b, c and the concatenation's operand).
    let most = three.iter().map(|m| m.slots.len()).max().unwrap_or(0);
    assert!((3..=4).contains(&most), "{three:?}");
    for m in &three {
        let mut s = m.slots.clone();
        s.dedup();
        assert_eq!(s.len(), m.slots.len(), "distinct slots");
        assert!(s.iter().all(|o| o % 8 == 0), "word-aligned: {s:?}");
    }
    assert_eq!(call(&mut rt, asm, "ThreeRefs"), 6);
}

#[test]
fn reference_locals_in_slots_die_after_their_last_read() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "gc_limit", |_| {});
    rt.set_heap_limit(4 << 20);
    assert_eq!(call(&mut rt, asm, "DropThenAllocate"), 1);
    // Not every call lists the locals' slots: the second loop's do not.
    let maps = maps(&mut rt, asm, "DropThenAllocate");
    let most = maps.iter().map(|m| m.slots.len()).max().unwrap_or(0);
    assert!(maps.iter().any(|m| m.slots.len() < most), "{maps:?}");
}

#[test]
fn roots_added_by_the_embedder_survive() {
    let _serial = jit_support::serial();
    let (mut rt, _asm) = jit_support::load_patched(DIR, "gc_limit", |_| {});
    let t = rt.types.corlib_type("Object").expect("Object");
    let obj = rt.new_object(t).expect("allocates");
    let used = rt.heap_used();
    rt.add_root(obj);
    rt.collect();
    assert_eq!(rt.heap_used(), used, "the rooted object stays");
    rt.remove_root(obj);
    rt.collect();
    assert!(rt.heap_used() < used, "freed once unrooted");
}

#[test]
fn inline_allocations_are_counted_and_collected() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "gc_limit", |_| {});
    let before = rt.heap_used();
    assert_eq!(call(&mut rt, asm, "KeepSmall"), 10_000);
    // 10,000 Chains of 24 bytes (inline) and their 80 KB array (helper).
    let grown = rt.heap_used() - before;
    assert!(grown >= 10_000 * 24 + 80_000, "grew by {grown}");
    rt.collect();
    assert!(
        rt.heap_used() - before >= 10_000 * 24,
        "kept through a static"
    );
    assert_eq!(call(&mut rt, asm, "DropSmall"), 0);
    rt.collect();
    assert!(
        rt.heap_used() < before + 10_000,
        "freed: {}",
        rt.heap_used()
    );
}
