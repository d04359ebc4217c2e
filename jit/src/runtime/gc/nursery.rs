//! The nursery: one contiguous region where compiled code allocates by
//! bumping a pointer, emptied by copying its survivors into the old
//! generation (`minor.rs`; docs/gc.md, "Generations").
//!
//! The region is a sequence of *records* `[size word][object...]`: the
//! size word is the record's bytes (header included, a multiple of 8),
//! so the region can be walked from its start, which is how a stack-map
//! slot holding a managed pointer into the middle of a young object finds
//! that object. Its two low bits are flags the minor collection uses
//! ([`PINNED`], [`TRACED`]). A record whose object has no method table
//! (zero) is a filler covering dead space. Allocation happens in one
//! *fragment* at a time; the walk jumps from `bump` to the fragment's
//! end. The current chunk is zero past `bump` (chunks are cleared when
//! allocation opens them).
//!
//! No record crosses a [`CHUNK`] boundary (compiled code bumps up to the
//! end of the current chunk only; the helper closes a chunk with a filler
//! and opens the next), so every chunk boundary is a record boundary and
//! the object holding an interior pointer is found by walking from the
//! start of its chunk, not of the region.
//!
//! Objects that cannot move (reached from a pinned local, or held by the
//! embedder through `Runtime::add_root`) stay where they are through a
//! minor collection; the next allocation fragment is then the largest gap
//! between them.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::sync::atomic::{AtomicUsize, Ordering};

/// The size-word flag of a record whose object may not move in this
/// collection.
pub const PINNED: usize = 1;
/// The size-word flag of a pinned record whose fields were traced.
pub const TRACED: usize = 2;
/// Bytes of a chunk (and the region's alignment).
pub const CHUNK: usize = 4096;
/// The largest object allocated in the nursery (larger ones go straight
/// to the old generation: copying them costs more than it saves).
pub const MAX_YOUNG: usize = 2048;

/// The record size for an object of `size` bytes.
pub fn record_size(size: usize) -> usize {
    8 + ((size.max(16) + 7) & !7)
}

/// The nursery region and its allocation words.
pub struct Nursery {
    /// First byte of the region (0: no nursery).
    pub start: usize,
    /// Bytes of the region.
    pub size: usize,
    /// `[bump, limit]`: the next free byte of the current fragment and
    /// the end of its current chunk. Boxed: compiled code bumps `bump`
    /// inline at this address.
    pub words: Box<[AtomicUsize; 2]>,
    /// The end of the current fragment.
    frag_end: usize,
    /// What the global allocator returned (`start` is aligned up from it).
    raw: usize,
    /// Bytes of the region that hold objects allocated since the last
    /// collection or survivors pinned in place (for `GC.GetTotalMemory`
    /// and the heap limit).
    pub pinned_bytes: usize,
    /// Where the current fragment started.
    pub frag_start: usize,
    /// Fill the free fragment with a pattern instead of zero (stress
    /// mode; allocation then clears each record itself).
    pub poison: bool,
    /// Everything from here to the region's end was never written (zero):
    /// the highest address ever bumped to. A chunk below it is cleared
    /// when allocation opens it.
    clean: usize,
}

impl Default for Nursery {
    fn default() -> Self {
        Self {
            start: 0,
            size: 0,
            words: Box::new([const { AtomicUsize::new(0) }; 2]),
            frag_end: 0,
            raw: 0,
            pinned_bytes: 0,
            frag_start: 0,
            poison: false,
            clean: 0,
        }
    }
}

impl Nursery {
    /// Reserve a region of `size` bytes (a multiple of 8); false when the
    /// system refuses.
    pub fn reserve(&mut self, size: usize) -> bool {
        let size = size.div_ceil(CHUNK) * CHUNK;
        // A chunk more than asked, at the allocator's ordinary alignment,
        // then aligned by hand: an over-aligned zeroed allocation is
        // cleared byte by byte (touching every page at start-up), an
        // ordinary one comes zeroed from the system.
        let Ok(layout) = Layout::from_size_align(size + CHUNK, 16) else {
            return false;
        };
        // SAFETY: non-zero size layout.
        let raw = unsafe { alloc::alloc::alloc_zeroed(layout) } as usize;
        if raw == 0 {
            return false;
        }
        self.raw = raw;
        let p = raw.next_multiple_of(CHUNK);
        self.start = p;
        self.size = size;
        self.clean = p;
        self.frag_start = p;
        self.set_fragment(p, p + size);
        true
    }

    /// Whether `a` lies in the region.
    pub fn contains(&self, a: usize) -> bool {
        a.wrapping_sub(self.start) < self.size
    }

    /// The end of the region.
    pub fn end(&self) -> usize {
        self.start + self.size
    }

    /// The current fragment's bump pointer.
    pub fn bump(&self) -> usize {
        self.words[0].load(Ordering::Relaxed)
    }

    /// The current fragment's end.
    pub fn limit(&self) -> usize {
        self.words[1].load(Ordering::Relaxed)
    }

    fn set_fragment(&mut self, bump: usize, end: usize) {
        self.frag_start = bump;
        self.frag_end = end;
        self.open_chunk(bump);
    }

    /// Allocate from `p` to the end of its chunk (or of the fragment),
    /// which is cleared first unless it was never written: the nursery is
    /// cleared a chunk at a time as allocation reaches it, not in the
    /// collection's pause (and the chunk is in the cache when the objects
    /// are written).
    fn open_chunk(&mut self, p: usize) {
        let limit = chunk_end(p).min(self.frag_end);
        if p < self.clean && p < limit {
            // SAFETY: [p, limit) is free memory of the current fragment.
            unsafe { core::ptr::write_bytes(p as *mut u8, 0, limit - p) };
        }
        self.words[0].store(p, Ordering::Relaxed);
        self.words[1].store(limit, Ordering::Relaxed);
    }

    /// Bytes taken: what was bumped in this fragment and the survivors
    /// pinned in place.
    pub fn used(&self) -> usize {
        if self.start == 0 {
            return 0;
        }
        self.pinned_bytes + (self.bump() - self.frag_start)
    }

    /// Allocate a zeroed object of `size` bytes (at most [`MAX_YOUNG`])
    /// from the current fragment: its address, with `mt` written, or
    /// `None` when the fragment is full. Never collects.
    pub fn alloc(&mut self, mt: usize, size: usize) -> Option<usize> {
        let rec = record_size(size);
        let mut p = self.bump();
        if self.start == 0 || rec > CHUNK {
            return None;
        }
        while p + rec > self.limit() {
            // Close this chunk with a filler and open the next one.
            let limit = self.limit();
            if limit >= self.frag_end {
                return None;
            }
            write_filler(p, limit);
            p = limit;
            self.open_chunk(p);
        }
        self.words[0].store(p + rec, Ordering::Relaxed);
        if self.poison {
            // SAFETY: the record lies in the current fragment, which the
            // nursery owns and no object uses.
            unsafe { core::ptr::write_bytes(p as *mut u8, 0, rec) };
        }
        // SAFETY: as above; the fragment is zero (or was just cleared).
        unsafe {
            *(p as *mut usize) = rec;
            *((p + 8) as *mut usize) = mt;
        }
        Some(p + 8)
    }

    /// Visit every record `(record address, size word)` in address order,
    /// skipping the free part of the current fragment.
    pub fn for_each_record(&self, mut f: impl FnMut(usize, usize)) {
        self.walk_records(|r, w| {
            f(r, w);
            true
        });
    }

    /// [`Self::for_each_record`] until `f` returns false.
    pub fn walk_records(&self, f: impl FnMut(usize, usize) -> bool) {
        self.walk_from(self.start, f);
    }

    /// The object whose record holds address `a` (in the region), if `a`
    /// lies inside a live object: a walk from the start of `a`'s chunk.
    pub fn object_holding(&self, a: usize) -> Option<usize> {
        let mut found = None;
        self.walk_from(a & !(CHUNK - 1), |rec, w| {
            let end = rec + (w & !7);
            if a < end {
                if a >= rec + 8 {
                    found = Self::object_of(rec, w);
                }
                return false;
            }
            true
        });
        found
    }

    /// Walk the records from `from` (a record boundary: the region's start
    /// or a chunk's) while `f` says so.
    fn walk_from(&self, from: usize, mut f: impl FnMut(usize, usize) -> bool) {
        let (bump, frag_end, end) = (self.bump(), self.frag_end, self.end());
        let mut p = from;
        while p < end {
            if p >= bump && p < frag_end {
                // The free part of the current fragment.
                p = frag_end;
                continue;
            }
            // SAFETY: p is a record boundary inside the region.
            let w = unsafe { *(p as *const usize) };
            let size = w & !7;
            if size == 0 {
                // Only the free part of a fragment is zero; never reached
                // for a well-formed region, but a walk must end.
                return;
            }
            if !f(p, w) {
                return;
            }
            p += size;
        }
    }

    /// The live object of a record (None for fillers).
    pub fn object_of(rec: usize, word: usize) -> Option<usize> {
        if word & !7 < 16 {
            return None;
        }
        // SAFETY: a record of at least 16 bytes has an object word.
        let mt = unsafe { *((rec + 8) as *const usize) };
        (mt != 0).then_some(rec + 8)
    }

    /// After a minor collection: every record but the pinned survivors
    /// `pinned` (record addresses, ascending) is dead. Clears their flags,
    /// turns the gaps into fillers, and makes the largest gap the next
    /// fragment (poisoned in stress mode; cleared a chunk at a time later).
    pub fn reset(&mut self, pinned: &[usize]) {
        let mut gaps = Vec::new();
        let mut at = self.start;
        let mut kept = 0;
        for &r in pinned {
            // SAFETY: r is a pinned record in the region.
            let w = unsafe { *(r as *const usize) } & !7;
            // SAFETY: as above.
            unsafe { *(r as *mut usize) = w };
            if r > at {
                gaps.push((at, r));
            }
            at = r + w;
            kept += w;
        }
        if at < self.end() {
            gaps.push((at, self.end()));
        }
        let best = gaps
            .iter()
            .copied()
            .max_by_key(|&(a, b)| b - a)
            .unwrap_or((self.end(), self.end()));
        for &(a, b) in &gaps {
            if (a, b) == best {
                continue;
            }
            // One filler per chunk piece: chunk boundaries stay record
            // boundaries.
            let mut at = a;
            while at < b {
                let next = chunk_end(at).min(b);
                write_filler(at, next);
                at = next;
            }
        }
        // Everything below the high-water mark may be dirty: the chunks
        // of the new fragment are cleared as they are opened. Stress mode
        // poisons the dead memory now.
        self.clean = self.clean.max(self.bump());
        let dirty_end = best.1.min(self.clean);
        if self.poison && dirty_end > best.0 {
            // SAFETY: the gap holds no live object.
            unsafe {
                core::ptr::write_bytes(best.0 as *mut u8, super::heap::POISON, dirty_end - best.0)
            };
        }
        self.pinned_bytes = kept;
        self.set_fragment(best.0, best.1);
    }
}

/// The end of the chunk holding `a`.
fn chunk_end(a: usize) -> usize {
    (a & !(CHUNK - 1)) + CHUNK
}

/// Make `[a, b)` (dead memory of the region, a multiple of 8 bytes) one
/// filler record.
fn write_filler(a: usize, b: usize) {
    if b <= a {
        return;
    }
    // SAFETY: the caller's promise: b - a >= 8 bytes the nursery owns and
    // no object uses.
    unsafe {
        *(a as *mut usize) = b - a;
        if b - a >= 16 {
            *((a + 8) as *mut usize) = 0;
        }
    }
}

impl Drop for Nursery {
    fn drop(&mut self) {
        if self.raw != 0
            && let Ok(layout) = Layout::from_size_align(self.size + CHUNK, 16)
        {
            // SAFETY: allocated by `reserve` with this layout, freed once.
            unsafe { alloc::alloc::dealloc(self.raw as *mut u8, layout) };
        }
    }
}
