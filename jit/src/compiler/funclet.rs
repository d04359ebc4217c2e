//! Filter funclets: how a filter runs in the first pass of exception
//! dispatch while its method's frame is suspended in a call.
//!
//! ECMA-335 runs every filter between the throw and the catching handler
//! before any `finally` on the way. A filter therefore cannot be code
//! inside its method (that code only runs when the method's frame regains
//! control, which is after the inner frames' `finally` blocks ran).
//! Instead the filter's IL is compiled on its own, as
//! `extern "C" fn(exception, frame pointer) -> i32`, and the runtime calls
//! it with the frame pointer of the suspended method. A method with
//! filters keeps all its arguments and locals in stack slots; after
//! Cranelift laid out the frame, the slots' offsets from the frame pointer
//! ([`FilterFrame`]) tell the funclet where they are. Filter code reads
//! and writes them there, so the method sees what its filter stored.

use alloc::vec::Vec;

use cranelift_codegen::MachBufferFrameLayout;
use cranelift_codegen::ir::StackSlot;

/// Where a method with filters keeps a variable (at translation time).
#[derive(Clone, Copy, Debug)]
pub enum FrameSlot {
    /// The value is in this slot.
    In(StackSlot),
    /// A struct argument: this slot holds the address of the caller's copy.
    PtrIn(StackSlot),
}

/// Where a filter funclet finds a variable: a byte offset from its
/// method's frame pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameHome {
    /// The value is at `fp + offset`.
    At(i32),
    /// The address of the value is at `fp + offset`.
    PtrAt(i32),
}

/// The arguments and locals of a method with filters, as its funclets
/// find them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterFrame {
    /// Arguments (`this` first), in order.
    pub args: Vec<FrameHome>,
    /// Locals, in order.
    pub locals: Vec<FrameHome>,
}

impl FilterFrame {
    /// The frame-pointer offsets of `slots` in a compiled frame. A slot is
    /// at `sp + offset` and the frame pointer at `sp + frame_to_fp_offset`
    /// (Cranelift's frame layout), so at `fp + offset - frame_to_fp_offset`.
    pub fn from_layout(
        args: &[FrameSlot],
        locals: &[FrameSlot],
        layout: &MachBufferFrameLayout,
    ) -> Option<Self> {
        let home = |s: &FrameSlot| -> Option<FrameHome> {
            let slot = match s {
                FrameSlot::In(x) | FrameSlot::PtrIn(x) => *x,
            };
            let off = i64::from(layout.stackslots.get(slot)?.offset)
                - i64::from(layout.frame_to_fp_offset);
            let off = i32::try_from(off).ok()?;
            Some(match s {
                FrameSlot::In(_) => FrameHome::At(off),
                FrameSlot::PtrIn(_) => FrameHome::PtrAt(off),
            })
        };
        Some(Self {
            args: args.iter().map(home).collect::<Option<_>>()?,
            locals: locals.iter().map(home).collect::<Option<_>>()?,
        })
    }
}
