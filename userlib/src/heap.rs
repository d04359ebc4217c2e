//! The program heap: `linked_list_allocator` over memory from `MapAnon`,
//! grown a megabyte (or the request) at a time at a fixed address range.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use linked_list_allocator::Heap;
use spin::Mutex;

const HEAP_BASE: u64 = 0x0000_1000_0000_0000;
const HEAP_MAX: u64 = 1 << 32;
const GROW_MIN: u64 = 1 << 20;

struct UserHeap(Mutex<(Heap, bool)>);

#[global_allocator]
static ALLOC: UserHeap = UserHeap(Mutex::new((Heap::empty(), false)));

fn grow(heap: &mut Heap, started: &mut bool, layout: Layout) -> bool {
    let want = (layout.size() + layout.align()) as u64;
    let by = want.max(GROW_MIN).div_ceil(4096) * 4096;
    let top = if *started {
        heap.top() as u64
    } else {
        HEAP_BASE
    };
    if top + by > HEAP_BASE + HEAP_MAX || crate::sys::map_anon(top, by, true).is_err() {
        return false;
    }
    if *started {
        // SAFETY: [top, top+by) was just mapped right after the heap's end.
        unsafe { heap.extend(by as usize) };
    } else {
        // SAFETY: a fresh mapping, handed to the heap once.
        unsafe { heap.init(top as *mut u8, by as usize) };
        *started = true;
    }
    true
}

// SAFETY: all access goes through the mutex; programs are single-threaded.
unsafe impl GlobalAlloc for UserHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut g = self.0.lock();
        let (heap, started) = &mut *g;
        if *started && let Ok(p) = heap.allocate_first_fit(layout) {
            return p.as_ptr();
        }
        if grow(heap, started, layout) {
            return heap
                .allocate_first_fit(layout)
                .map_or(null_mut(), NonNull::as_ptr);
        }
        null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(p) = NonNull::new(ptr) {
            // SAFETY: `ptr` came from `alloc` with this layout.
            unsafe { self.0.lock().0.deallocate(p, layout) };
        }
    }
}
