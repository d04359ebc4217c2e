//! The kernel heap: `linked_list_allocator` over a virtual range that grows
//! a page run at a time when an allocation does not fit.

use crate::mem::paging::{self, HEAP_BASE, HEAP_MAX};
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use linked_list_allocator::Heap;
use spin::Mutex;
use x86_64::instructions::interrupts::without_interrupts;
use x86_64::structures::paging::PageTableFlags as F;

const INITIAL: u64 = 4 << 20;
const GROW_MIN: u64 = 1 << 20;

struct KernelHeap {
    heap: Mutex<Heap>,
}

#[global_allocator]
static ALLOCATOR: KernelHeap = KernelHeap {
    heap: Mutex::new(Heap::empty()),
};

fn heap_flags() -> F {
    F::PRESENT | F::WRITABLE | F::NO_EXECUTE | F::GLOBAL
}

/// Maps the first `INITIAL` bytes and hands them to the allocator.
pub fn init() -> Result<(), paging::MapError> {
    paging::map_fresh(HEAP_BASE, INITIAL, heap_flags())?;
    // SAFETY: [HEAP_BASE, +INITIAL) was just mapped, is unused, and is given
    // to the heap exactly once.
    unsafe {
        ALLOCATOR
            .heap
            .lock()
            .init(HEAP_BASE as *mut u8, INITIAL as usize)
    };
    Ok(())
}

/// Maps more pages at the top of the heap for a request of `layout`.
fn grow(heap: &mut Heap, layout: Layout) -> bool {
    let want = (layout.size() + layout.align()) as u64;
    let by = want.max(GROW_MIN).div_ceil(4096) * 4096;
    let top = heap.top() as u64;
    if top + by > HEAP_BASE + HEAP_MAX || paging::map_fresh(top, by, heap_flags()).is_err() {
        return false;
    }
    // SAFETY: [top, top + by) was just mapped and directly follows the heap.
    unsafe { heap.extend(by as usize) };
    true
}

/// (used, size) in bytes.
pub fn stats() -> (usize, usize) {
    without_interrupts(|| {
        let h = ALLOCATOR.heap.lock();
        (h.used(), h.size())
    })
}

// SAFETY: all paths go through the locked `Heap`, with interrupts off so an
// interrupt handler cannot deadlock on the lock its own CPU holds.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        without_interrupts(|| {
            let mut heap = self.heap.lock();
            if let Ok(p) = heap.allocate_first_fit(layout) {
                return p.as_ptr();
            }
            if grow(&mut heap, layout) {
                return heap
                    .allocate_first_fit(layout)
                    .map_or(null_mut(), NonNull::as_ptr);
            }
            null_mut()
        })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(p) = NonNull::new(ptr) {
            // SAFETY: `ptr` came from `alloc` with this `layout` (GlobalAlloc contract).
            without_interrupts(|| unsafe { self.heap.lock().deallocate(p, layout) });
        }
    }
}
