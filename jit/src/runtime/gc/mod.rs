//! The garbage collector: precise, non-moving mark-sweep over the heap of
//! `heap.rs` (docs/gc.md).
//!
//! Roots are exact: the stack-map slots of every managed frame (found by
//! walking frame pointers from the safepoint, `roots.rs`), the reference
//! statics, and the objects the runtime itself holds (interned strings,
//! `Type` objects, failed static constructors' exceptions, the exception
//! in flight and those under dispatch). Objects are traced by their
//! type's layout. Nothing is scanned conservatively: a stack-map slot may
//! hold a managed pointer into an object (or onto the stack), which is
//! resolved to its object or ignored.
//!
//! A collection happens only at an allocation that compiled code made
//! through a helper entered by an assembly shim (which records where the
//! managed frames start), or at `GC.Collect`. Allocations made inside
//! other helpers (string building, `Type` objects, exceptions) never
//! collect, so a helper may hold references in Rust locals while it
//! allocates.

mod heap;
mod minor;
mod nursery;
mod roots;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

pub use heap::Heap;
use nursery::Nursery;
pub use roots::{CORDON_GC_ENTRY, Frame};

use super::Runtime;
use crate::abi::MT_BASE_SIZE;
use crate::types::{
    ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, OBJECT_HEADER_SIZE, Ty, TypeId, TypeKind,
};

/// How an object's references are found, by type.
#[derive(Clone, Debug)]
enum Trace {
    /// No references (strings, arrays of scalars, classes without
    /// reference fields).
    None,
    /// References at these offsets from the object's start.
    Fields(Rc<[u32]>),
    /// An array of references.
    RefArray,
    /// An array of structs with references at these offsets in each
    /// element of `elem` bytes.
    StructArray { elem: u32, offsets: Rc<[u32]> },
}

/// What a collection costs and how often it ran.
#[derive(Clone, Debug, Default)]
pub struct GcStats {
    /// Full (major) collections so far: mark-sweep of the old generation.
    pub collections: u64,
    /// Each full collection's pause, in [`now`] units (nanoseconds on the
    /// host, TSC ticks in ring 3).
    pub pauses: Vec<u64>,
    /// Minor collections (the nursery copied out) so far, including those
    /// a full collection starts with.
    pub minor_collections: u64,
    /// Each minor collection's pause (part of a full collection's pause
    /// when it started one).
    pub minor_pauses: Vec<u64>,
    /// Bytes freed by all collections.
    pub freed: u64,
}

impl GcStats {
    /// The longest pause.
    pub fn max_pause(&self) -> u64 {
        self.pauses.iter().copied().max().unwrap_or(0)
    }

    /// The median pause.
    pub fn median_pause(&self) -> u64 {
        median(&self.pauses)
    }

    /// The longest minor pause.
    pub fn max_minor_pause(&self) -> u64 {
        self.minor_pauses.iter().copied().max().unwrap_or(0)
    }

    /// The median minor pause.
    pub fn median_minor_pause(&self) -> u64 {
        median(&self.minor_pauses)
    }
}

fn median(p: &[u64]) -> u64 {
    let mut p = p.to_vec();
    p.sort_unstable();
    p.get(p.len() / 2).copied().unwrap_or(0)
}

/// The collector's state in a runtime.
pub struct Gc {
    pub(super) heap: Heap,
    /// Bytes of heap a runtime may use; an allocation past it after a
    /// collection fails with OutOfMemoryException.
    pub(super) limit: usize,
    /// Collect at every allocation that can (stress mode).
    pub(super) stress: bool,
    /// Collect when `heap.used` passes this.
    next: usize,
    pub(super) stats: GcStats,
    /// Where managed code called into a helper that runs managed code
    /// again (a static constructor, a filter), innermost last: the
    /// frame walk continues there past the helper's Rust frames.
    pub(super) segments: Vec<Frame>,
    /// The exception the last protected call ended with, kept alive for
    /// its Rust caller.
    pub(super) escaped: usize,
    traces: Vec<Option<Trace>>,
    /// `String`'s method table, once made (string allocation is hot).
    pub(super) string_mt: usize,
    /// Objects the embedder holds outside managed code ([`Runtime::add_root`]).
    handles: Vec<usize>,
    /// The method table of `localloc` blocks (made on first use; no type
    /// of the type system: `[mt][prev][length][data...]`, traced through
    /// `prev` only).
    localloc_mt: usize,
    /// Bytes compiled code may still allocate inline (popping free lists,
    /// `compiler::env::AllocFast`) before it must call the helper, which
    /// counts them into `heap.used` and may collect. Boxed: compiled code
    /// embeds its address.
    budget: Box<AtomicIsize>,
    /// What `budget` was set to (the difference is what was allocated
    /// inline since).
    granted: isize,
    /// The young generation (empty region when not generational).
    nursery: Nursery,
    /// Old slots that refer to young objects (the write barrier's
    /// remembered set).
    remset: Vec<usize>,
    /// Old objects allocated since the last minor collection: Rust helpers
    /// fill fresh objects without a barrier, so a minor collection reads
    /// all their references.
    old_since_minor: Vec<usize>,
    /// Identity hashes of objects that were hashed while young, by their
    /// present address (the hash is their first address, which they keep
    /// when they move).
    hashes: BTreeMap<usize, i32>,
    /// While nonzero, no collection may move objects (a Rust frame holds
    /// an object's address across managed code: exception filters).
    pub(super) no_move: u32,
    /// The word compiled code reads the young region's start from (the
    /// barrier's filter); boxed, as its address is embedded.
    young_base: Box<AtomicUsize>,
}

impl Gc {
    /// Count what compiled code allocated inline into `heap.used`.
    pub(super) fn sync_used(&mut self) {
        let b = self.budget.load(Ordering::Relaxed);
        self.heap.used += (self.granted - b).max(0) as usize;
        self.granted = b;
    }

    /// Let compiled code allocate inline up to the next collection's
    /// trigger or the heap limit, whichever comes first.
    pub(super) fn grant_budget(&mut self) {
        let room = self.next.min(self.limit).saturating_sub(self.heap.used);
        let room = room.min(isize::MAX as usize) as isize;
        self.budget.store(room, Ordering::Relaxed);
        self.granted = room;
    }

    /// The inline allocation path for objects of `size` bytes, if there is
    /// one (not in stress mode: every allocation must reach the helper).
    pub(super) fn fast_path(&self, size: usize) -> Option<crate::compiler::env::AllocFast> {
        if self.stress || self.nursery.start != 0 {
            return None;
        }
        let (free_list, cell) = self.heap.free_list(size)?;
        Some(crate::compiler::env::AllocFast {
            free_list,
            cell: cell as u32,
            budget: &*self.budget as *const AtomicIsize as usize,
        })
    }
}

impl Gc {
    /// Whether the runtime is generational (has a nursery).
    pub(super) fn generational(&self) -> bool {
        self.nursery.start != 0
    }

    /// The nursery's size in bytes (0 when not generational): compiled
    /// code depends on it (code images' fingerprint).
    pub(super) fn nursery_size(&self) -> usize {
        self.nursery.size
    }

    /// The inline nursery path for objects of `size` bytes (not in stress
    /// mode, not for objects the nursery does not take).
    pub(super) fn nursery_fast_path(
        &self,
        size: usize,
    ) -> Option<crate::compiler::env::NurseryFast> {
        if self.stress || !self.generational() || size > nursery::MAX_YOUNG {
            return None;
        }
        Some(crate::compiler::env::NurseryFast {
            bump: &self.nursery.words[0] as *const AtomicUsize as usize,
            limit: &self.nursery.words[1] as *const AtomicUsize as usize,
            record: nursery::record_size(size) as u32,
        })
    }

    /// The generational barrier's inline filter, when generational.
    pub(super) fn remember_barrier(&self) -> Option<crate::compiler::env::RememberBarrier> {
        if !self.generational() {
            return None;
        }
        Some(crate::compiler::env::RememberBarrier {
            young_base: &*self.young_base as *const AtomicUsize as usize,
            young_len: self.nursery.size as u32,
            remember: rt_remember as *const () as usize,
        })
    }
}

/// The generational write barrier's slow path: `slot` (just written with
/// a young object's address) is remembered when it is a field of an old
/// object; stores into statics (roots anyway) and onto the stack are not.
/// Never collects.
extern "C" fn rt_remember(slot: usize) {
    let g = &mut super::current().gc;
    if g.heap.object_at(slot).is_some() {
        g.remset.push(slot);
    }
}

/// Where a `localloc` block's data starts (after `[mt][prev][length]`).
const LOCALLOC_DATA: usize = 24;

/// The default heap limit.
pub const DEFAULT_LIMIT: usize = 1 << 30;
/// The heap grows at least this much past the live data before the next
/// collection (and at least as much again as is live): a collection costs
/// a mark of the live data and a sweep of every page, so it should buy
/// many allocations.
const MIN_TRIGGER: usize = 16 << 20;

impl Default for Gc {
    fn default() -> Self {
        Self {
            heap: Heap::default(),
            limit: DEFAULT_LIMIT,
            stress: false,
            next: MIN_TRIGGER,
            stats: GcStats::default(),
            segments: Vec::new(),
            escaped: 0,
            traces: Vec::new(),
            string_mt: 0,
            handles: Vec::new(),
            localloc_mt: 0,
            budget: Box::new(AtomicIsize::new(0)),
            granted: 0,
            nursery: Nursery::default(),
            remset: Vec::new(),
            old_since_minor: Vec::new(),
            hashes: BTreeMap::new(),
            no_move: 0,
            young_base: Box::new(AtomicUsize::new(0)),
        }
    }
}

/// A clock for pause times: nanoseconds on the host, TSC ticks elsewhere.
pub fn now() -> u64 {
    #[cfg(feature = "std")]
    {
        static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let e = EPOCH.get_or_init(std::time::Instant::now);
        e.elapsed().as_nanos() as u64
    }
    #[cfg(not(feature = "std"))]
    {
        // SAFETY: rdtsc has no preconditions on x86-64.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
}

impl Runtime {
    /// THE allocation path: `size` zeroed bytes with `mt` in the header,
    /// or 0 when the heap limit (or the system) refuses (callers raise
    /// OutOfMemoryException). `at` is the safepoint the allocation comes
    /// from, when compiled code called a helper through a shim; only
    /// then may it collect.
    pub(super) fn alloc_at(&mut self, mt: usize, size: usize, at: Option<Frame>) -> usize {
        self.gc.sync_used();
        let p = self.alloc_counted(mt, size, at);
        self.gc.grant_budget();
        p
    }

    fn alloc_counted(&mut self, mt: usize, size: usize, at: Option<Frame>) -> usize {
        if self.gc.generational() {
            return self.alloc_generational(mt, size, at);
        }
        let g = &self.gc;
        let want = g.heap.used.saturating_add(size);
        let mut collected = false;
        if let Some(f) = at
            && (g.stress || want > g.next)
        {
            self.collect_at(Some(f));
            collected = true;
        }
        if self.gc.heap.used.saturating_add(size) > self.gc.limit {
            if !collected && let Some(f) = at {
                self.collect_at(Some(f));
            }
            if self.gc.heap.used.saturating_add(size) > self.gc.limit {
                return 0;
            }
        }
        match self.gc.heap.alloc(size) {
            Some(p) => {
                // SAFETY: p is a fresh allocation of at least 16 bytes.
                unsafe { *(p as *mut usize) = mt };
                p
            }
            None => 0,
        }
    }

    /// The generational allocation path: compiled code's allocations (`at`
    /// given) of small objects go to the nursery, emptied by a minor
    /// collection when full; everything else goes to the old generation,
    /// whose growth past the trigger starts a full collection. Helpers'
    /// allocations (`at` None) never collect, so nothing moves under them.
    fn alloc_generational(&mut self, mt: usize, size: usize, at: Option<Frame>) -> usize {
        let total = |g: &Gc| g.heap.used + g.nursery.used();
        let young = at.is_some() && size <= nursery::MAX_YOUNG && self.gc.no_move == 0;
        // `localloc` blocks go young from their helper too (without
        // collecting): a minor collection never moves them (`minor.rs`), and
        // the short-lived blocks of number formatting no longer fill the old
        // generation.
        if at.is_none()
            && mt == self.gc.localloc_mt
            && size <= nursery::MAX_YOUNG
            && total(&self.gc).saturating_add(size) <= self.gc.limit
            && let Some(p) = self.gc.nursery.alloc(mt, size)
        {
            return p;
        }
        let mut collected = false;
        if let Some(f) = at
            && (self.gc.stress
                || total(&self.gc).saturating_add(size) > self.gc.limit
                || (!young && self.gc.heap.used.saturating_add(size) > self.gc.next))
        {
            self.collect_at(Some(f));
            collected = true;
        }
        if total(&self.gc).saturating_add(size) > self.gc.limit {
            if !collected && let Some(f) = at {
                self.collect_at(Some(f));
            }
            if total(&self.gc).saturating_add(size) > self.gc.limit {
                return 0;
            }
        }
        if young {
            if let Some(p) = self.gc.nursery.alloc(mt, size) {
                return p;
            }
            if let Some(f) = at {
                if self.gc.heap.used > self.gc.next {
                    self.collect_at(Some(f));
                } else {
                    self.minor_collect(Some(f));
                }
            }
            if let Some(p) = self.gc.nursery.alloc(mt, size) {
                return p;
            }
        }
        match self.gc.heap.alloc(size) {
            Some(p) => {
                // SAFETY: p is a fresh allocation of at least 16 bytes.
                unsafe { *(p as *mut usize) = mt };
                self.gc.old_since_minor.push(p);
                p
            }
            None => 0,
        }
    }

    /// Collect now. `at`: the innermost managed frame, when managed code
    /// is running (it is the caller of the helper that collects); `None`
    /// only when no managed code is on the stack.
    pub(super) fn collect_at(&mut self, at: Option<Frame>) {
        let moving = self.gc.no_move == 0;
        self.collect_full(at, moving);
    }

    /// A full collection: when generational and `moving`, a minor
    /// collection first (so the nursery holds only objects pinned in
    /// place); then mark-sweep of the old generation, with every object
    /// left in the nursery a root.
    pub(super) fn collect_full(&mut self, at: Option<Frame>, moving: bool) {
        let start = now();
        if moving {
            self.minor_collect(at);
        }
        self.gc.sync_used();
        // Marks must start clear: sweep what the last collection left.
        self.gc.heap.finish_sweep();
        let mut stack = Vec::new();
        let mut slots = Vec::new();
        let mut frames: Vec<Frame> = at.into_iter().collect();
        frames.extend(self.gc.segments.iter().rev().copied());
        for f in frames {
            self.frame_roots(f, &mut slots);
        }
        for s in slots {
            // SAFETY: s is a stack-map slot of a live managed frame.
            let v = unsafe { *(s as *const usize) };
            self.mark_value(v, &mut stack);
        }
        let mut held = Vec::new();
        self.runtime_roots(&mut held);
        for v in held {
            self.mark_value(v, &mut stack);
        }
        if self.gc.generational() {
            let mut young = Vec::new();
            self.gc.nursery.for_each_record(|rec, w| {
                young.extend(Nursery::object_of(rec, w));
            });
            for o in young {
                self.trace_object(o, &mut stack);
            }
        }
        while let Some(o) = stack.pop() {
            self.trace_object(o, &mut stack);
        }
        if self.gc.generational() {
            // What the sweep frees must not stay listed.
            let g = &mut self.gc;
            let heap = &g.heap;
            let old_live = |p: usize| heap.object_at(p).is_some_and(|o| heap.is_marked(o));
            g.remset.retain(|&s| old_live(s));
            g.old_since_minor.retain(|&o| old_live(o));
            let n = &g.nursery;
            g.hashes.retain(|&k, _| n.contains(k) || old_live(k));
        }
        let freed = self.gc.heap.sweep();
        let g = &mut self.gc;
        g.next = g.heap.used.saturating_mul(2).max(g.heap.used + MIN_TRIGGER);
        g.stats.collections += 1;
        g.stats.freed += freed as u64;
        g.stats.pauses.push(now().saturating_sub(start));
        g.grant_budget();
    }

    fn mark_value(&mut self, v: usize, stack: &mut Vec<usize>) {
        if v == 0 {
            return;
        }
        if let Some(o) = self.gc.heap.object_at(v)
            && self.gc.heap.mark(o)
        {
            stack.push(o);
        }
    }

    /// The addresses of the reference fields of object `o` (appended).
    fn ref_fields(&mut self, o: usize, out: &mut Vec<usize>) {
        // SAFETY: o is an allocated object: its first word is its method
        // table.
        let mt = unsafe { *(o as *const usize) };
        match self.trace_info(mt) {
            Trace::None => {}
            Trace::Fields(offs) => out.extend(offs.iter().map(|&off| o + off as usize)),
            Trace::RefArray => {
                // SAFETY: o is an array: its length is at ARRAY_LENGTH_OFFSET.
                let n = unsafe { *((o + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
                out.extend((0..n).map(|i| o + ARRAY_DATA_OFFSET as usize + 8 * i));
            }
            Trace::StructArray { elem, offsets } => {
                // SAFETY: as above.
                let n = unsafe { *((o + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
                for i in 0..n {
                    let e = o + ARRAY_DATA_OFFSET as usize + elem as usize * i;
                    out.extend(offsets.iter().map(|&off| e + off as usize));
                }
            }
        }
    }

    fn trace_object(&mut self, o: usize, stack: &mut Vec<usize>) {
        // SAFETY: o is an allocated object: its first word is its method
        // table.
        let mt = unsafe { *(o as *const usize) };
        let trace = self.trace_info(mt);
        let read = |a: usize| -> usize {
            // SAFETY: a is a reference field inside the live object o.
            unsafe { *(a as *const usize) }
        };
        match trace {
            Trace::None => {}
            Trace::Fields(offs) => {
                for &off in offs.iter() {
                    self.mark_value(read(o + off as usize), stack);
                }
            }
            Trace::RefArray => {
                // SAFETY: o is an array: its length is at ARRAY_LENGTH_OFFSET.
                let n = unsafe { *((o + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
                for i in 0..n {
                    self.mark_value(read(o + ARRAY_DATA_OFFSET as usize + 8 * i), stack);
                }
            }
            Trace::StructArray { elem, offsets } => {
                // SAFETY: as above.
                let n = unsafe { *((o + ARRAY_LENGTH_OFFSET as usize) as *const u32) } as usize;
                for i in 0..n {
                    let e = o + ARRAY_DATA_OFFSET as usize + elem as usize * i;
                    for &off in offsets.iter() {
                        self.mark_value(read(e + off as usize), stack);
                    }
                }
            }
        }
    }

    /// A zeroed `localloc` block of `n` bytes linking `prev` (the data
    /// pointer of the frame's previous block, or 0); its data pointer, or
    /// 0 when the heap is full. Never collects.
    pub(super) fn localloc_block(&mut self, n: usize, prev: usize) -> usize {
        if self.gc.localloc_mt == 0 {
            // Type id u32::MAX (no type); nothing else of a method table
            // is read for these blocks.
            let words: Vec<usize> = alloc::vec![u32::MAX as usize, 0, 0, 0, 0];
            self.gc.localloc_mt = Vec::leak(words).as_ptr() as usize;
        }
        let Some(size) = n.checked_add(LOCALLOC_DATA) else {
            return 0;
        };
        let p = self.alloc_at(self.gc.localloc_mt, size, None);
        if p == 0 {
            return 0;
        }
        // SAFETY: p is a fresh block of at least LOCALLOC_DATA bytes.
        unsafe {
            *((p + 8) as *mut usize) = prev;
            *((p + 16) as *mut usize) = n;
        }
        p + LOCALLOC_DATA
    }

    /// How to trace objects with method table `mt` (cached by type).
    fn trace_info(&mut self, mt: usize) -> Trace {
        if mt == self.gc.localloc_mt {
            return Trace::Fields(Rc::from([8u32].as_slice()));
        }
        // SAFETY: mt is a method table made by `method_table`: its first
        // u32 is the type id.
        let t = TypeId(unsafe { *(mt as *const u32) });
        if let Some(Some(tr)) = self.gc.traces.get(t.0 as usize) {
            return tr.clone();
        }
        let tr = self.compute_trace(t, mt);
        let i = t.0 as usize;
        if self.gc.traces.len() <= i {
            self.gc.traces.resize(i + 1, None);
        }
        self.gc.traces[i] = Some(tr.clone());
        tr
    }

    fn compute_trace(&mut self, t: TypeId, mt: usize) -> Trace {
        let ti = self.types.ty(t);
        match ti.kind {
            TypeKind::Array(Ty::Ref(_)) => Trace::RefArray,
            TypeKind::Array(Ty::Value(e)) => {
                let offsets = self
                    .types
                    .ensure_layout(e)
                    .map(|l| l.ref_offsets.clone())
                    .unwrap_or_default();
                // SAFETY: an array method table holds the element size in
                // the high half of its size word.
                let elem = unsafe { *((mt + MT_BASE_SIZE + 4) as *const u32) };
                if offsets.is_empty() {
                    Trace::None
                } else {
                    Trace::StructArray {
                        elem,
                        offsets: offsets.into(),
                    }
                }
            }
            TypeKind::Array(_) => Trace::None,
            _ => {
                let boxed = ti.is_value_type();
                let offs = match &ti.layout {
                    Some(l) => l.ref_offsets.clone(),
                    None => Vec::new(),
                };
                if offs.is_empty() {
                    Trace::None
                } else if boxed {
                    // A box: `[mt][payload]`, the payload laid out as the
                    // value type (offsets from 0).
                    Trace::Fields(offs.iter().map(|o| o + OBJECT_HEADER_SIZE).collect())
                } else {
                    Trace::Fields(offs.into())
                }
            }
        }
    }

    /// Objects the runtime holds, and the reference statics.
    fn runtime_roots(&self, out: &mut Vec<usize>) {
        out.extend(self.strings.values().copied());
        out.extend(self.type_objects.values().copied());
        out.extend(self.failed_cctors.values().copied());
        out.push(self.in_flight());
        out.push(self.gc.escaped);
        out.push(self.trace_of);
        out.extend(self.first_pass.iter().map(|r| r.exc()));
        out.extend(self.gc.handles.iter().copied());
        if let Some(super::Escape::Exception(e)) = &self.pending {
            out.push(*e);
        }
        let mut statics = Vec::new();
        self.static_slots(&mut statics);
        for a in statics {
            // SAFETY: a is a reference slot inside a type's static block,
            // which lives as long as the runtime.
            out.push(unsafe { *(a as *const usize) });
        }
    }

    /// The addresses of the reference slots of every static block.
    fn static_slots(&self, out: &mut Vec<usize>) {
        for ti in &self.types.types {
            if ti.statics == 0 {
                continue;
            }
            for &f in &ti.static_fields {
                let fi = self.types.field(f);
                let base = ti.statics + fi.offset as usize;
                match fi.ty {
                    Ty::Ref(_) => out.push(base),
                    Ty::Value(v) => {
                        if let Some(l) = &self.types.ty(v).layout {
                            out.extend(l.ref_offsets.iter().map(|&o| base + o as usize));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// `GC.Collect()`, reached through `cordon_gc_collect`.
pub(super) extern "C" fn ic_gc_collect() {
    let at = Frame::entry();
    super::current().collect_at(Some(at));
}

/// `GC.GetTotalMemory(bool forceFullCollection)`: bytes in the heap's
/// objects. It does not collect (a collection needs the caller's frame,
/// which only the shimmed entries record); managed code that wants one
/// calls `GC.Collect()` first, as the corlib's wrapper does.
pub(super) extern "C" fn ic_gc_total_memory() -> i64 {
    let rt = super::current();
    rt.gc.sync_used();
    (rt.gc.heap.used + rt.gc.nursery.used()) as i64
}

/// `GC.CollectionCount(int generation)`: full collections so far for
/// generation 1 and up; for generation 0 also the minor ones (a full
/// collection starts with a minor one, so the larger count covers both).
pub(super) extern "C" fn ic_gc_collection_count(generation: i32) -> i32 {
    if generation < 0 {
        return 0;
    }
    let s = &super::current().gc.stats;
    if generation == 0 {
        s.collections.max(s.minor_collections) as i32
    } else {
        s.collections as i32
    }
}

impl Runtime {
    /// Collection statistics (benchmarks print the pauses).
    pub fn gc_stats(&self) -> &GcStats {
        &self.gc.stats
    }

    /// Bytes in heap objects (live ones and garbage not yet collected).
    pub fn heap_used(&self) -> usize {
        let b = self.gc.budget.load(Ordering::Relaxed);
        self.gc.heap.used + (self.gc.granted - b).max(0) as usize + self.gc.nursery.used()
    }

    /// Set the heap limit in bytes: an allocation that would pass it after
    /// a collection raises OutOfMemoryException.
    pub fn set_heap_limit(&mut self, bytes: usize) {
        self.gc.sync_used();
        self.gc.limit = bytes;
        self.gc.grant_budget();
    }

    /// Stress mode: collect at every allocation compiled code makes, and
    /// fill dead objects with a pattern, so that a missed root shows.
    pub fn set_gc_stress(&mut self, on: bool) {
        assert!(
            self.code_ranges.is_empty(),
            "GC stress is chosen before code is compiled (it decides the inline allocation path)"
        );
        self.gc.stress = on;
        self.gc.heap.poison = on;
        self.gc.nursery.poison = on;
    }

    /// Keep `obj` alive while the embedder holds it outside managed code
    /// (the driver host's bound driver object): a root until
    /// [`Self::remove_root`]. Objects never move, so the address stays valid.
    pub fn add_root(&mut self, obj: usize) {
        self.gc.handles.push(obj);
    }

    /// Undo one [`Self::add_root`] of `obj`.
    pub fn remove_root(&mut self, obj: usize) {
        if let Some(i) = self.gc.handles.iter().position(|&h| h == obj) {
            self.gc.handles.swap_remove(i);
        }
    }

    /// Make the runtime generational with a nursery of `bytes` (rounded to
    /// 8; 0 turns it off), before anything is compiled (it decides the
    /// inline allocation path and the write barrier). False when the
    /// system refuses the region.
    pub fn set_generational(&mut self, bytes: usize) -> bool {
        assert!(
            self.code_ranges.is_empty(),
            "the nursery is chosen before code is compiled (allocation path, barrier)"
        );
        self.gc.nursery = Nursery::default();
        self.gc.young_base.store(0, Ordering::Relaxed);
        let bytes = bytes & !7;
        if bytes == 0 {
            return true;
        }
        if !self.gc.nursery.reserve(bytes) {
            return false;
        }
        self.gc.nursery.poison = self.gc.stress;
        self.gc
            .young_base
            .store(self.gc.nursery.start, Ordering::Relaxed);
        true
    }

    /// The write barrier for Rust code: a helper that stored references
    /// (possibly young ones) into `obj` says so here; an old `obj` is then
    /// read whole by the next minor collection.
    pub(super) fn wrote_refs(&mut self, obj: usize) {
        if self.gc.generational() && !self.gc.nursery.contains(obj) {
            self.gc.old_since_minor.push(obj);
        }
    }

    /// Whether the runtime is generational.
    pub fn is_generational(&self) -> bool {
        self.gc.generational()
    }

    /// The identity hash of `obj`: from its address, and for a young
    /// object (which may move) remembered by the table that follows it.
    pub(super) fn identity_hash(&mut self, obj: usize) -> i32 {
        if let Some(&h) = self.gc.hashes.get(&obj) {
            return h;
        }
        let h = ((obj >> 3) as u32 ^ (obj >> 35) as u32) as i32 & 0x7FFF_FFFF;
        if self.gc.nursery.contains(obj) {
            self.gc.hashes.insert(obj, h);
        }
        h
    }

    /// In stress mode, collect at a safepoint that is not an allocation
    /// (a static-constructor check, the first pass of exception dispatch):
    /// those helpers are entered through shims, so the frame is known.
    pub(super) fn stress_safepoint(&mut self, at: Frame) {
        if self.gc.stress {
            // Not moving: these helpers may hold objects in Rust locals.
            self.collect_full(Some(at), false);
        }
    }

    /// A minor collection while no managed code runs: the nursery's
    /// survivors move to the old generation (a no-op when not
    /// generational). The embedder's raw addresses of young objects are
    /// stale afterwards unless it holds them through [`Self::add_root`].
    pub fn collect_minor(&mut self) {
        assert!(
            self.saved_sp == 0,
            "Runtime::collect_minor inside managed code (use GC.Collect)"
        );
        self.minor_collect(None);
    }

    /// Collect while no managed code runs (roots: statics and the
    /// runtime's own references).
    pub fn collect(&mut self) {
        assert!(
            self.saved_sp == 0,
            "Runtime::collect inside managed code (use GC.Collect)"
        );
        self.collect_at(None);
    }
}
