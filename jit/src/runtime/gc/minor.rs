//! The minor collection: copy the nursery's survivors into the old
//! generation and update every reference to them (docs/gc.md,
//! "Generations").
//!
//! References to young objects can be in: the stack-map slots of managed
//! frames (object references, and managed pointers into a young object,
//! which are rebased to the copy keeping their offset; a slot whose value
//! points elsewhere is left alone), the statics and the runtime's own
//! references (updated in place), old objects (the remembered set the
//! write barrier fills, and every old object allocated since the last
//! minor collection, which Rust helpers may have filled without a
//! barrier), and young objects (updated as the copies are traced).
//!
//! Objects reached from a pinned local or held by the embedder are not
//! moved; they stay in the nursery (`nursery.rs`), and so does one whose
//! copy the old generation cannot take.

use alloc::vec::Vec;

use super::Frame;
use super::nursery::{PINNED, TRACED};
use crate::runtime::Runtime;

impl Runtime {
    /// Empty the nursery into the old generation. `at`: the innermost
    /// managed frame, or `None` when no managed code runs. Only call where
    /// no Rust frame holds a young object's address (docs/gc.md, "Where
    /// objects may move").
    pub(super) fn minor_collect(&mut self, at: Option<Frame>) {
        if self.gc.nursery.start == 0 {
            return;
        }
        let start = super::now();
        // 1. The stack slots, and which are pinned.
        let mut slots = Vec::new();
        let mut pinned_slots = Vec::new();
        let mut frames: Vec<Frame> = at.into_iter().collect();
        frames.extend(self.gc.segments.iter().rev().copied());
        for f in frames {
            self.frame_roots_pinned(f, &mut slots, Some(&mut pinned_slots));
        }
        pinned_slots.sort_unstable();
        // (slot, value, pinned) for the values in the nursery; handles
        // (slot 0) are pinned too.
        let n = &self.gc.nursery;
        let mut young: Vec<(usize, usize, bool)> = Vec::new();
        for &s in &slots {
            // SAFETY: s is a stack-map slot of a live managed frame.
            let v = unsafe { *(s as *const usize) };
            if n.contains(v) {
                young.push((s, v, pinned_slots.binary_search(&s).is_ok()));
            }
        }
        for &h in &self.gc.handles {
            if n.contains(h) {
                young.push((0, h, true));
            }
        }
        // 2. Resolve each value to the object holding it (a walk from the
        // start of its chunk), pinning what pinned slots reach.
        let mut resolved: Vec<(usize, usize, usize)> = Vec::with_capacity(young.len());
        for &(s, v, pin) in &young {
            if let Some(o) = n.object_holding(v) {
                if pin {
                    // SAFETY: o is an object of the nursery: its record's
                    // size word is before it.
                    unsafe { *((o - 8) as *mut usize) |= PINNED };
                }
                resolved.push((s, v, o));
            }
        }
        // 3. Copy what the roots reach.
        let mut work: Vec<usize> = Vec::new();
        let mut kept: Vec<usize> = Vec::new();
        let mut remset: Vec<usize> = Vec::new();
        for &(s, v, o) in &resolved {
            let to = self.forward(o, &mut work, &mut kept);
            if s != 0 && to != o {
                // SAFETY: s is a stack-map slot of a live managed frame.
                unsafe { *(s as *mut usize) = to + (v - o) };
            }
        }
        for p in self.runtime_root_slots() {
            // SAFETY: p is a reference slot the runtime owns (a map value,
            // a static, the exception in flight...).
            unsafe { self.update_slot(p, &mut work, &mut kept) };
        }
        let old_slots = core::mem::take(&mut self.gc.remset);
        for s in old_slots {
            // SAFETY: the barrier remembered s, a reference field of an
            // old object that is still allocated (a major collection drops
            // the slots of the objects it frees).
            unsafe { self.update_slot(s as *mut usize, &mut work, &mut kept) };
            // SAFETY: as above.
            if self.gc.nursery.contains(unsafe { *(s as *const usize) }) {
                remset.push(s);
            }
        }
        let fresh = core::mem::take(&mut self.gc.old_since_minor);
        let mut fields = Vec::new();
        for o in fresh {
            self.trace_fields(o, &mut fields, &mut work, &mut kept, &mut remset);
        }
        // 4. Trace the copies (and the objects kept in place).
        while let Some(o) = work.pop() {
            self.trace_fields(o, &mut fields, &mut work, &mut kept, &mut remset);
        }
        // 5. Identity hashes of the dead young objects go; the nursery is
        // free again but for what stayed.
        let n = &self.gc.nursery;
        if !self.gc.hashes.is_empty() {
            let (a, b) = (n.start, n.end());
            self.gc.hashes.retain(|&k, _| {
                // SAFETY: k is an object of the nursery (the record word
                // before it says whether it stayed).
                !(a..b).contains(&k) || unsafe { *((k - 8) as *const usize) } & PINNED != 0
            });
        }
        kept.sort_unstable();
        self.gc.nursery.reset(&kept);
        self.gc.remset = remset;
        let g = &mut self.gc;
        g.stats.minor_collections += 1;
        g.stats
            .minor_pauses
            .push(super::now().saturating_sub(start));
    }

    /// Update the references of live object `o` (a copy, an object kept
    /// in place, or an old object); the slots of an old one that still
    /// refer to young objects (kept in place) go to `remset`.
    fn trace_fields(
        &mut self,
        o: usize,
        fields: &mut Vec<usize>,
        work: &mut Vec<usize>,
        kept: &mut Vec<usize>,
        remset: &mut Vec<usize>,
    ) {
        // SAFETY: o is a live object: its first word is its method table.
        if unsafe { *(o as *const usize) } == self.gc.localloc_mt {
            // A `localloc` block links the previous one by its data pointer
            // (what compiled code holds), and blocks never move: keep it.
            // SAFETY: the link word of a `localloc` block.
            let prev = unsafe { *((o + 8) as *const usize) };
            if self.gc.nursery.contains(prev) {
                self.forward(prev - super::LOCALLOC_DATA, work, kept);
                if !self.gc.nursery.contains(o) {
                    // An old block linking a young one: read again at the
                    // next minor collection (its link is not a reference
                    // the remembered set could update).
                    self.gc.old_since_minor.push(o);
                }
            }
            return;
        }
        let old = !self.gc.nursery.contains(o);
        self.ref_fields(o, fields);
        for s in fields.drain(..) {
            // SAFETY: s is a reference field of the live object o.
            unsafe { self.update_slot(s as *mut usize, work, kept) };
            // SAFETY: as above.
            if old && self.gc.nursery.contains(unsafe { *(s as *const usize) }) {
                remset.push(s);
            }
        }
    }

    /// Where young object `o` is after this collection: its copy in the
    /// old generation (made now, or earlier), or `o` itself when it may
    /// not move. New copies and kept objects go on `work` to be traced.
    fn forward(&mut self, o: usize, work: &mut Vec<usize>, kept: &mut Vec<usize>) -> usize {
        let rec = o - 8;
        // SAFETY: o is an object of the nursery: its record's size word is
        // before it and its first word is its method table (or, once
        // copied, the copy's address with bit 0 set).
        let (w, mt) = unsafe { (*(rec as *const usize), *(o as *const usize)) };
        if mt & 1 != 0 {
            return mt & !1;
        }
        if mt == 0 {
            return o; // a filler: never referenced by a well-formed slot
        }
        let size = (w & !7) - 8;
        // Pinned, or a `localloc` block (compiled code holds native
        // pointers into it): it stays.
        let copy = if w & PINNED != 0 || mt == self.gc.localloc_mt {
            None
        } else {
            self.gc.heap.alloc(size)
        };
        let Some(copy) = copy else {
            if w & TRACED == 0 {
                // SAFETY: as above.
                unsafe { *(rec as *mut usize) = w | PINNED | TRACED };
                work.push(o);
                kept.push(rec);
            }
            return o;
        };
        // SAFETY: copy is a fresh old-generation cell of at least size
        // bytes; o is size bytes of a live young object.
        unsafe {
            core::ptr::copy_nonoverlapping(o as *const u8, copy as *mut u8, size);
            *(o as *mut usize) = copy | 1;
        }
        if let Some(h) = self.gc.hashes.remove(&o) {
            self.gc.hashes.insert(copy, h);
        }
        work.push(copy);
        copy
    }

    /// If the object reference at `p` points into the nursery, point it
    /// at the object's new place.
    ///
    /// # Safety
    /// `p` is a live reference slot holding 0 or an object's address.
    unsafe fn update_slot(&mut self, p: *mut usize, work: &mut Vec<usize>, kept: &mut Vec<usize>) {
        // SAFETY: the caller's promise.
        let v = unsafe { *p };
        if v != 0 && self.gc.nursery.contains(v) {
            let to = self.forward(v, work, kept);
            if to != v {
                // SAFETY: as above.
                unsafe { *p = to };
            }
        }
    }

    /// The addresses of every reference slot the runtime itself owns:
    /// map values, the exceptions it keeps, the reference statics.
    /// (Embedder handles are not here: they pin their objects.)
    pub(super) fn runtime_root_slots(&mut self) -> Vec<*mut usize> {
        let mut out: Vec<*mut usize> = Vec::new();
        out.extend(self.strings.values_mut().map(|v| v as *mut usize));
        out.extend(self.type_objects.values_mut().map(|v| v as *mut usize));
        out.extend(self.failed_cctors.values_mut().map(|v| v as *mut usize));
        out.push(self.in_flight.as_ptr());
        out.push(&mut self.gc.escaped as *mut usize);
        out.push(&mut self.trace_of as *mut usize);
        out.extend(
            self.first_pass
                .iter_mut()
                .map(|r| r.exc_mut() as *mut usize),
        );
        if let Some(crate::runtime::Escape::Exception(e)) = &mut self.pending {
            out.push(e as *mut usize);
        }
        let mut statics = Vec::new();
        self.static_slots(&mut statics);
        out.extend(statics.into_iter().map(|a| a as *mut usize));
        out
    }
}
