//! The program heap: memory from `MapAnon`, grown a megabyte (or the
//! request) at a time at a fixed address range.
//!
//! Small blocks (up to [`SMALL_MAX`] bytes, alignment included) come from
//! power-of-two size classes, each a LIFO free list threaded through its
//! free blocks plus a bump pointer into its current chunk; everything else,
//! and the chunks themselves, from `linked_list_allocator`'s first fit.
//! First fit alone walks a free list that grows with every hole: the
//! driver host's JIT (Cranelift) makes and frees many small blocks per
//! method while its runtime keeps thousands alive, and under TCG that walk
//! was a large share of every compile at every driver-host start
//! (docs/demos.md, "Measured: `cargo xtask bench restart`"). A freed small
//! block stays in its class (memory is not given back to the big heap),
//! so a program's heap is at most its peak small-block use per class plus
//! its large blocks.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use linked_list_allocator::Heap;
use spin::Mutex;

const HEAP_BASE: u64 = 0x0000_1000_0000_0000;
const HEAP_MAX: u64 = 1 << 32;
const GROW_MIN: u64 = 1 << 20;

/// Size classes 16, 32, ..., `SMALL_MAX` bytes.
const MIN_SHIFT: u32 = 4;
const CLASSES: usize = 9;
const SMALL_MAX: usize = 1 << (MIN_SHIFT as usize + CLASSES - 1);
/// A class's chunk: at least this, or 8 blocks. Chunks are page-aligned,
/// so a block of class size 2^k is aligned to 2^k.
const CHUNK_MIN: usize = 32 * 1024;

/// The size class of `layout`, if it is small: blocks of a class are
/// aligned to their size, so the class covers the alignment too.
fn class_of(layout: Layout) -> Option<usize> {
    let need = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    if need > SMALL_MAX {
        return None;
    }
    let shift = need.next_power_of_two().trailing_zeros();
    Some((shift - MIN_SHIFT) as usize)
}

const fn class_size(class: usize) -> usize {
    1 << (class + MIN_SHIFT as usize)
}

/// One size class: free blocks (each holds the address of the next, 0
/// ends the list) and the unused rest of its newest chunk.
#[derive(Clone, Copy)]
struct Class {
    free: usize,
    bump: usize,
    end: usize,
}

struct State {
    big: Heap,
    started: bool,
    classes: [Class; CLASSES],
}

struct UserHeap(Mutex<State>);

#[global_allocator]
static ALLOC: UserHeap = UserHeap(Mutex::new(State {
    big: Heap::empty(),
    started: false,
    classes: [Class {
        free: 0,
        bump: 0,
        end: 0,
    }; CLASSES],
}));

impl State {
    fn grow(&mut self, layout: Layout) -> bool {
        let want = (layout.size() + layout.align()) as u64;
        let by = want.max(GROW_MIN).div_ceil(4096) * 4096;
        let top = if self.started {
            self.big.top() as u64
        } else {
            HEAP_BASE
        };
        if top + by > HEAP_BASE + HEAP_MAX || crate::sys::map_anon(top, by, true).is_err() {
            return false;
        }
        if self.started {
            // SAFETY: [top, top+by) was just mapped right after the heap's end.
            unsafe { self.big.extend(by as usize) };
        } else {
            // SAFETY: a fresh mapping, handed to the heap once.
            unsafe { self.big.init(top as *mut u8, by as usize) };
            self.started = true;
        }
        true
    }

    fn alloc_big(&mut self, layout: Layout) -> *mut u8 {
        if self.started
            && let Ok(p) = self.big.allocate_first_fit(layout)
        {
            return p.as_ptr();
        }
        if self.grow(layout) {
            return self
                .big
                .allocate_first_fit(layout)
                .map_or(null_mut(), NonNull::as_ptr);
        }
        null_mut()
    }

    fn alloc_small(&mut self, class: usize) -> *mut u8 {
        let size = class_size(class);
        let Some(c) = self.classes.get(class).copied() else {
            return null_mut();
        };
        if c.free != 0 {
            // SAFETY: a block on the free list is a free block of this
            // class, whose first word `dealloc` wrote: the next free block.
            let next = unsafe { *(c.free as *const usize) };
            if let Some(slot) = self.classes.get_mut(class) {
                slot.free = next;
            }
            return c.free as *mut u8;
        }
        let (mut bump, mut end) = (c.bump, c.end);
        if bump == 0 || bump + size > end {
            let chunk = CHUNK_MIN.max(8 * size);
            let Ok(layout) = Layout::from_size_align(chunk, 4096) else {
                return null_mut();
            };
            let p = self.alloc_big(layout);
            if p.is_null() {
                return null_mut();
            }
            (bump, end) = (p as usize, p as usize + chunk);
        }
        if let Some(slot) = self.classes.get_mut(class) {
            slot.bump = bump + size;
            slot.end = end;
        }
        bump as *mut u8
    }

    /// # Safety
    /// `p` is a block of `class` that `alloc_small` handed out and nobody uses.
    unsafe fn free_small(&mut self, p: *mut u8, class: usize) {
        if let Some(c) = self.classes.get_mut(class) {
            // SAFETY: the block is at least 16 bytes, aligned to its size,
            // and now free: its first word links it into the list.
            unsafe { *(p as *mut usize) = c.free };
            c.free = p as usize;
        }
    }
}

// SAFETY: all access goes through the mutex; programs are single-threaded.
// Small blocks are handed out once until freed (free list or bump), each
// of its class's size and aligned to it; big ones by the linked-list heap.
unsafe impl GlobalAlloc for UserHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut g = self.0.lock();
        match class_of(layout) {
            Some(class) => g.alloc_small(class),
            None => g.alloc_big(layout),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut g = self.0.lock();
        match class_of(layout) {
            // SAFETY: `ptr` came from `alloc` with this layout, so from
            // this class.
            Some(class) => unsafe { g.free_small(ptr, class) },
            None => {
                if let Some(p) = NonNull::new(ptr) {
                    // SAFETY: `ptr` came from `alloc` with this layout.
                    unsafe { g.big.deallocate(p, layout) };
                }
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A block that stays in its class stays where it is (a growing
        // Vec of small elements doubles within few classes).
        if let Ok(new) = Layout::from_size_align(new_size, layout.align())
            && let Some(class) = class_of(layout)
            && class_of(new) == Some(class)
        {
            return ptr;
        }
        let Ok(new) = Layout::from_size_align(new_size, layout.align()) else {
            return null_mut();
        };
        // SAFETY: `new` has a non-zero size (GlobalAlloc::realloc's contract).
        let p = unsafe { self.alloc(new) };
        if !p.is_null() {
            // SAFETY: both blocks are live and distinct; the smaller size
            // is within both.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        p
    }
}
