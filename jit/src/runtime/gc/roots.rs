//! Finding the managed frames on the stack and their stack-map slots.
//!
//! Compiled code keeps frame pointers (Cranelift's `preserve_frame_pointers`):
//! in a managed frame whose frame pointer is `fp`, `[fp]` is the caller's
//! frame pointer and `[fp + 8]` the return address into the caller, and
//! the caller's stack pointer at that call was `fp + 16`. A helper that
//! may collect is entered through an assembly shim (`asm.rs`) that writes
//! its managed caller's return address, stack pointer at the call and
//! frame pointer to [`ENTRY`] before jumping to the Rust function, which
//! takes them with [`Frame::entry`]. The walk goes outwards while the
//! return address lies in compiled code; where it reaches a Rust frame (a
//! helper that ran managed code again: a static constructor, a filter)
//! it continues at the frame that helper recorded in `Gc::segments`.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use super::super::Runtime;

/// A managed frame at a call: the return address into it, its stack
/// pointer at the call, its frame pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Return address into the frame's code.
    pub ret: usize,
    /// The frame's stack pointer at the call (stack maps are relative to it).
    pub sp: usize,
    /// The frame's frame pointer.
    pub fp: usize,
}

/// Where the shims leave the caller's frame: return address, stack
/// pointer at the call, frame pointer. Managed code runs on one thread.
#[unsafe(no_mangle)]
pub static CORDON_GC_ENTRY: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];

impl Frame {
    /// The frame the last shim recorded (read at once on entry to the
    /// helper it jumped to).
    pub fn entry() -> Self {
        Frame {
            ret: CORDON_GC_ENTRY[0].load(Ordering::Relaxed),
            sp: CORDON_GC_ENTRY[1].load(Ordering::Relaxed),
            fp: CORDON_GC_ENTRY[2].load(Ordering::Relaxed),
        }
    }
}

/// Most frames one walk follows (a corrupt chain ends the walk).
const MAX_FRAMES: usize = 1 << 16;

impl Runtime {
    /// The index of the code range holding return address `ret`.
    fn range_of_return(&self, ret: usize) -> Option<usize> {
        let a = ret.checked_sub(1)?;
        let (_, &i) = self.range_index.range(..=a).next_back()?;
        let r = self.code_ranges.get(i)?;
        (a - r.start < r.len).then_some(i)
    }

    /// The addresses of the stack-map slots of the managed frames from
    /// `f` outwards, up to the first frame that is not managed code.
    pub(super) fn frame_roots(&self, f: Frame, out: &mut Vec<usize>) {
        self.frame_roots_pinned(f, out, None);
    }

    /// [`Self::frame_roots`], also listing the pinned slots (pinned locals)
    /// into `pinned` when given.
    pub(super) fn frame_roots_pinned(
        &self,
        f: Frame,
        out: &mut Vec<usize>,
        mut pinned: Option<&mut Vec<usize>>,
    ) {
        let mut f = f;
        for _ in 0..MAX_FRAMES {
            let Some(i) = self.range_of_return(f.ret) else {
                return;
            };
            let r = &self.code_ranges[i];
            let off = (f.ret - r.start) as u32;
            if let Ok(k) = r.stack_maps.binary_search_by_key(&off, |m| m.ret) {
                let m = &r.stack_maps[k];
                out.extend(m.slots.iter().map(|&s| f.sp + s as usize));
                if let Some(p) = pinned.as_deref_mut() {
                    p.extend(m.pinned.iter().map(|&s| f.sp + s as usize));
                }
            }
            if f.fp == 0 {
                return;
            }
            // SAFETY: f.fp is the frame pointer of a live managed frame:
            // it points at the saved caller frame pointer, followed by the
            // return address.
            let (caller_fp, ret) =
                unsafe { (*(f.fp as *const usize), *((f.fp + 8) as *const usize)) };
            f = Frame {
                ret,
                sp: f.fp + 16,
                fp: caller_fp,
            };
        }
    }
}
