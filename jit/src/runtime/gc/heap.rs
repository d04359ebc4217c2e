//! The collected heap: size-class pages and large objects, never moved
//! (docs/gc.md, "Heap").
//!
//! Small objects (up to [`MAX_SMALL`] bytes) live in 64 KiB pages, each
//! holding cells of one size class; a free cell has a zero first word
//! (no method table) and links the class's free list through its second
//! word. Larger objects are allocated one by one. Any address can be
//! mapped back to the object containing it (interior pointers: managed
//! pointers into fields and array elements), which is how the collector
//! reads stack-map slots of kind `M`.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of a page (and its alignment).
pub const PAGE: usize = 1 << 16;
/// The largest size allocated from pages.
pub const MAX_SMALL: usize = 2048;

const CLASSES: [usize; 17] = [
    16, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 384, 512, 768, 1024, 2048,
];

/// The size class index for a request of `size` bytes (at most
/// [`MAX_SMALL`]).
fn class_of(size: usize) -> usize {
    CLASSES
        .iter()
        .position(|&c| c >= size)
        .unwrap_or(CLASSES.len() - 1)
}

struct Page {
    class: usize,
    cell: usize,
    cells: usize,
    marks: Vec<u64>,
}

struct Large {
    layout: Layout,
    size: usize,
    marked: bool,
}

/// The heap.
pub struct Heap {
    pages: BTreeMap<usize, Page>,
    /// Empty pages kept for reuse by any size class (reserved, not used).
    spare: Vec<usize>,
    /// Pages marked but not swept yet, by class (`sweep`).
    unswept: [Vec<usize>; CLASSES.len()],
    /// Bytes of the small objects marked so far in this collection.
    marked_bytes: usize,
    /// Free-list heads by class; boxed, as compiled code pops them inline
    /// at these addresses (`Heap::free_list`).
    free: Box<[AtomicUsize; CLASSES.len()]>,
    large: BTreeMap<usize, Large>,
    /// Bytes in live-or-unswept objects (cells by their class size).
    pub used: usize,
    /// Bytes the pages and large objects take from the system.
    pub reserved: usize,
    /// Fill dead objects with a pattern when sweeping (stress mode), so
    /// that a use of a wrongly freed object fails loudly.
    pub poison: bool,
}

impl Default for Heap {
    fn default() -> Self {
        Self {
            pages: BTreeMap::new(),
            spare: Vec::new(),
            unswept: [const { Vec::new() }; CLASSES.len()],
            marked_bytes: 0,
            free: Box::new([const { AtomicUsize::new(0) }; CLASSES.len()]),
            large: BTreeMap::new(),
            used: 0,
            reserved: 0,
            poison: false,
        }
    }
}

/// Empty pages kept as spares (16 MiB).
const KEEP_SPARE: usize = 256;

/// The byte dead cells are filled with in stress mode.
pub const POISON: u8 = 0xdb;

impl Heap {
    /// `size` zeroed bytes, 8-aligned, or `None` when the system has no
    /// memory. Does not collect.
    pub fn alloc(&mut self, size: usize) -> Option<usize> {
        let size = size.max(16);
        if size > MAX_SMALL {
            return self.alloc_large(size);
        }
        let c = class_of(size);
        if self.head(c) == 0 {
            self.sweep_class(c);
        }
        if self.head(c) == 0 {
            self.new_page(c)?;
        }
        let p = self.head(c);
        // SAFETY: p is a free cell of class c: its second word links the
        // free list.
        let next = unsafe { *((p + 8) as *const usize) };
        self.set_head(c, next);
        let cell = CLASSES[c];
        if self.poison {
            // SAFETY: the cell is `cell` bytes this heap owns.
            unsafe { core::ptr::write_bytes(p as *mut u8, 0, cell) };
        } else {
            // Free cells are zero but for the free-list link (fresh and
            // spare pages are zeroed, sweep zeroes dead cells).
            // SAFETY: as above.
            unsafe { *((p + 8) as *mut usize) = 0 };
        }
        self.used += cell;
        Some(p)
    }

    fn alloc_large(&mut self, size: usize) -> Option<usize> {
        let size = size.checked_add(7)? & !7;
        let layout = Layout::from_size_align(size, 16).ok()?;
        // SAFETY: non-zero size layout.
        let p = unsafe { alloc::alloc::alloc_zeroed(layout) };
        if p.is_null() {
            return None;
        }
        self.large.insert(
            p as usize,
            Large {
                layout,
                size,
                marked: false,
            },
        );
        self.used += size;
        self.reserved += size;
        Some(p as usize)
    }

    fn new_page(&mut self, c: usize) -> Option<()> {
        let base = match self.spare.pop() {
            Some(b) => {
                // A spare may have had another cell size: clear it, so that
                // every free cell's first word is zero again.
                // SAFETY: a page of PAGE bytes this heap owns, holding no
                // object.
                unsafe { core::ptr::write_bytes(b as *mut u8, 0, PAGE) };
                b
            }
            None => {
                let layout = Layout::from_size_align(PAGE, PAGE).ok()?;
                // SAFETY: non-zero size layout.
                let base = unsafe { alloc::alloc::alloc_zeroed(layout) } as usize;
                if base == 0 {
                    return None;
                }
                self.reserved += PAGE;
                base
            }
        };
        let cell = CLASSES[c];
        let cells = PAGE / cell;
        // Thread the cells onto the free list, lowest address first.
        let mut next = self.head(c);
        for i in (0..cells).rev() {
            let p = base + i * cell;
            // SAFETY: p is inside the fresh page.
            unsafe { *((p + 8) as *mut usize) = next };
            next = p;
        }
        self.set_head(c, next);
        self.pages.insert(
            base,
            Page {
                class: c,
                cell,
                cells,
                marks: vec![0; cells.div_ceil(64)],
            },
        );
        Some(())
    }

    fn head(&self, c: usize) -> usize {
        self.free[c].load(Ordering::Relaxed)
    }

    fn set_head(&self, c: usize, p: usize) {
        self.free[c].store(p, Ordering::Relaxed);
    }

    /// For an object of `size` bytes that compiled code may allocate
    /// inline: the address of its class's free-list head and the cell
    /// size. A free cell is zero but for its link (second word), so the
    /// inline path pops it, clears the link and writes the method table.
    /// Not in poison mode (dead cells hold the pattern there).
    pub fn free_list(&self, size: usize) -> Option<(usize, usize)> {
        if self.poison || size > MAX_SMALL {
            return None;
        }
        let c = class_of(size.max(16));
        Some((&self.free[c] as *const AtomicUsize as usize, CLASSES[c]))
    }

    /// The object containing `addr` (its start), if `addr` points into an
    /// allocated object of this heap.
    pub fn object_at(&self, addr: usize) -> Option<usize> {
        let base = addr & !(PAGE - 1);
        if let Some(pg) = self.pages.get(&base) {
            let i = (addr - base) / pg.cell;
            if i >= pg.cells {
                return None;
            }
            let p = base + i * pg.cell;
            // SAFETY: p is a cell of a page this heap owns.
            return (unsafe { *(p as *const usize) } != 0).then_some(p);
        }
        let (&p, l) = self.large.range(..=addr).next_back()?;
        (addr < p + l.size).then_some(p)
    }

    /// Set the mark of object `p` (a result of [`Self::object_at`]);
    /// whether it was unmarked.
    pub fn mark(&mut self, p: usize) -> bool {
        let base = p & !(PAGE - 1);
        if let Some(pg) = self.pages.get_mut(&base) {
            let i = (p - base) / pg.cell;
            let (w, b) = (i / 64, 1u64 << (i % 64));
            let Some(word) = pg.marks.get_mut(w) else {
                return false;
            };
            let fresh = *word & b == 0;
            *word |= b;
            if fresh {
                self.marked_bytes += pg.cell;
            }
            return fresh;
        }
        match self.large.get_mut(&p) {
            Some(l) => !core::mem::replace(&mut l.marked, true),
            None => false,
        }
    }

    /// Whether object `p` (a result of [`Self::object_at`]) is marked.
    pub fn is_marked(&self, p: usize) -> bool {
        let base = p & !(PAGE - 1);
        if let Some(pg) = self.pages.get(&base) {
            let i = (p - base) / pg.cell;
            return pg
                .marks
                .get(i / 64)
                .is_some_and(|w| w & (1u64 << (i % 64)) != 0);
        }
        self.large.get(&p).is_some_and(|l| l.marked)
    }

    /// End a collection's mark: dead large objects are freed now; pages
    /// are swept lazily, a page of a class when that class's free list
    /// runs dry (`alloc`), all of them before the next mark
    /// ([`Self::finish_sweep`]) — a pause marks, it does not walk every
    /// page. Poison mode sweeps everything now, so that a wrongly freed
    /// object is poisoned at once. Sets `used` to the live bytes (the
    /// marked ones); returns the bytes found dead.
    pub fn sweep(&mut self) -> usize {
        let before = self.used;
        let mut live = self.marked_bytes;
        self.marked_bytes = 0;
        for c in 0..CLASSES.len() {
            self.set_head(c, 0);
            self.unswept[c].clear();
        }
        for (&base, pg) in &self.pages {
            self.unswept[pg.class].push(base);
        }
        let dead: Vec<usize> = self
            .large
            .iter()
            .filter(|(_, l)| !l.marked)
            .map(|(&p, _)| p)
            .collect();
        for p in dead {
            if let Some(l) = self.large.remove(&p) {
                self.reserved -= l.size;
                // SAFETY: allocated by alloc_large with this layout; dead.
                unsafe { alloc::alloc::dealloc(p as *mut u8, l.layout) };
            }
        }
        for l in self.large.values_mut() {
            l.marked = false;
            live += l.size;
        }
        if self.poison {
            self.finish_sweep();
        }
        self.used = live;
        before.saturating_sub(live)
    }

    /// Sweep every page still unswept (before a mark).
    pub fn finish_sweep(&mut self) {
        for c in 0..CLASSES.len() {
            while let Some(base) = self.unswept[c].pop() {
                self.sweep_page(base);
            }
        }
    }

    /// Sweep the unswept pages of class `c` until its free list has a cell.
    fn sweep_class(&mut self, c: usize) {
        while self.head(c) == 0 {
            let Some(base) = self.unswept[c].pop() else {
                return;
            };
            self.sweep_page(base);
        }
    }

    /// Free the unmarked cells of page `base` onto its class's free list
    /// and clear its marks; an empty page becomes a spare (any class may
    /// take it; beyond KEEP_SPARE it goes back to the system).
    fn sweep_page(&mut self, base: usize) {
        let poison = self.poison;
        let Some(pg) = self.pages.get_mut(&base) else {
            return;
        };
        let (cell, cells, c) = (pg.cell, pg.cells, pg.class);
        let mut live = 0;
        let mut next = self.free[c].load(Ordering::Relaxed);
        for i in (0..cells).rev() {
            let p = base + i * cell;
            let marked = pg.marks[i / 64] & (1u64 << (i % 64)) != 0;
            if marked {
                live += 1;
                continue;
            }
            // SAFETY: p is a cell of this page.
            let allocated = unsafe { *(p as *const usize) } != 0;
            if allocated {
                // Zeroed for the next allocation (or poisoned in stress
                // mode, where allocation zeroes the cell itself).
                let fill = if poison { POISON } else { 0 };
                // SAFETY: a dead cell this heap owns.
                unsafe { core::ptr::write_bytes(p as *mut u8, fill, cell) };
                // SAFETY: as above.
                unsafe { *(p as *mut usize) = 0 };
            }
            // SAFETY: as above.
            unsafe { *((p + 8) as *mut usize) = next };
            next = p;
        }
        pg.marks.iter_mut().for_each(|w| *w = 0);
        if live > 0 {
            self.free[c].store(next, Ordering::Relaxed);
            return;
        }
        self.pages.remove(&base);
        if self.spare.len() < KEEP_SPARE {
            self.spare.push(base);
        } else {
            if let Ok(layout) = Layout::from_size_align(PAGE, PAGE) {
                // SAFETY: the page was allocated by new_page with this
                // layout and holds no live object.
                unsafe { alloc::alloc::dealloc(base as *mut u8, layout) };
            }
            self.reserved -= PAGE;
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        if let Ok(layout) = Layout::from_size_align(PAGE, PAGE) {
            for &base in self.pages.keys().chain(self.spare.iter()) {
                // SAFETY: allocated by new_page with this layout, freed once;
                // no object outlives the runtime that owns the heap.
                unsafe { alloc::alloc::dealloc(base as *mut u8, layout) };
            }
        }
        for (&p, l) in &self.large {
            // SAFETY: allocated by alloc_large with this layout, freed once.
            unsafe { alloc::alloc::dealloc(p as *mut u8, l.layout) };
        }
    }
}
