//! Stack maps: where the references of a frame are at each safepoint,
//! for the collector's root enumeration (docs/gc.md, "Roots").
//!
//! Four kinds of place hold references while a call is in progress:
//! * SSA values of stack kind `O` (object) or `M` (managed pointer, which
//!   may point into an object): declared to Cranelift as needing a stack
//!   map when they are pushed, when they enter a block as parameters, and
//!   for variables of those kinds. Cranelift spills such a value to a stack
//!   slot across every call where it is live and records that slot in the
//!   call's user stack map.
//! * Stack slots of struct locals and temporaries with reference fields,
//!   and address-taken reference locals: [`add_slot_entries`] lists their
//!   reference offsets at every call of the function (they are zeroed at
//!   entry or written before use; a slot holding a stale value only keeps
//!   an object alive longer, and a moving collector updates it in place).
//! * The reference locals of a method with a call inside a loop and no
//!   exception clauses ([`loop_has_call`]): stack slots too, but listed
//!   only at the calls after which the local is read again
//!   (`liveness.rs`), so they die where an SSA variable would.
//! * Arguments in registers: the callee's own stack map covers them, as
//!   its parameters are declared too.
//!
//! Every call is a safepoint (a helper that allocates, or a managed callee
//! that may). A map is keyed by the call's return address and gives byte
//! offsets from the stack pointer at the call.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use cranelift_codegen::MachBufferFinalized;
use cranelift_codegen::ir::{Function, StackSlot, UserStackMapEntry, Value, types};
use cranelift_frontend::Variable;

use super::func::Tr;
use super::liveness::RefLocals;
use super::stack::SKind;
use crate::metadata::{Instruction, Opcode, Operand};
use crate::types::{Ty, TypeError, TypeSystem};

/// One safepoint: the return address's offset in the method's code and
/// the stack-pointer-relative byte offsets of the references live there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackMap {
    /// Offset of the return address from the code's start.
    pub ret: u32,
    /// Offsets from the stack pointer at the call (the word the return
    /// address is pushed below), ascending.
    pub slots: Vec<u32>,
    /// The subset of `slots` that are pinned locals (`fixed`): native code
    /// may hold a pointer derived from them, so a moving collector must
    /// leave their objects in place. Ascending.
    pub pinned: Vec<u32>,
}

/// The entry type that marks a pinned slot in Cranelift's user stack map
/// (any 8-byte type other than `I64` would do: only its size is used).
const PINNED_TY: cranelift_codegen::ir::Type = types::F64;

/// Byte offsets of the references a stack slot of type `ty` holds.
pub(super) fn slot_refs(types: &mut TypeSystem, ty: Ty) -> Result<Vec<u32>, TypeError> {
    Ok(match ty {
        Ty::Ref(_) | Ty::ByRef => alloc::vec![0],
        Ty::Value(t) => types.ensure_layout(t)?.ref_offsets.clone(),
        _ => Vec::new(),
    })
}

/// Whether some loop of the method (a backward branch's range) contains a
/// call or an allocation, i.e. a safepoint. Such a method keeps its
/// reference locals in stack slots instead of SSA variables: as
/// variables, the frontend spills each live one around every call and,
/// across the loop's back edge, moves it between the spill slots of its
/// block parameters (the `delegates and lambdas` benchmark paid six memory
/// moves per iteration for two delegates). In a slot the only memory
/// accesses are the IL's own `ldloc`/`stloc`. A loop without safepoints
/// keeps its references in registers, which a slot would turn into a load
/// per `ldloc`, so such methods stay with variables.
pub(super) fn loop_has_call(insns: &[Instruction<'_>]) -> bool {
    let safepoints: BTreeSet<u32> = insns
        .iter()
        .filter(|i| {
            matches!(
                i.opcode,
                Opcode::Call
                    | Opcode::Callvirt
                    | Opcode::Calli
                    | Opcode::Newobj
                    | Opcode::Newarr
                    | Opcode::Box
            )
        })
        .map(|i| i.offset)
        .collect();
    if safepoints.is_empty() {
        return false;
    }
    let back = |from: u32, to: u32| to <= from && safepoints.range(to..=from).next().is_some();
    insns.iter().any(|i| match &i.operand {
        Operand::Branch(t) => back(i.offset, *t),
        Operand::Switch(s) => s.iter().any(|t| back(i.offset, t)),
        _ => false,
    })
}

/// Whether a value of stack kind `k` must be in the stack maps.
fn is_traced(k: SKind) -> bool {
    matches!(k, SKind::O | SKind::M)
}

impl Tr<'_, '_> {
    /// Declare `v` (of stack kind `k`) to Cranelift if it is a reference.
    pub fn value_needs_stack_map(&mut self, v: Value, k: SKind) {
        if is_traced(k) && self.b.func.dfg.value_type(v) == types::I64 {
            self.b.declare_value_needs_stack_map(v);
        }
    }

    /// Declare variable `var` (of stack kind `k`) if it holds references.
    pub fn var_needs_stack_map(&mut self, var: Variable, k: SKind) {
        if is_traced(k) {
            self.b.declare_var_needs_stack_map(var);
        }
    }
}

/// List the reference-holding stack slots at every call of `func` (after
/// the frontend has added its spill slots), and each tracked local's slot
/// at the calls after which it is live (by the call's IL offset).
pub(super) fn add_slot_entries(
    func: &mut Function,
    ref_slots: &[(StackSlot, Vec<u32>)],
    pinned: &[StackSlot],
    tracked: Option<&(RefLocals, Vec<(StackSlot, u32)>)>,
) {
    if ref_slots.is_empty() && tracked.is_none() {
        return;
    }
    let mut calls = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if func.dfg.insts[inst].opcode().is_call() {
                calls.push(inst);
            }
        }
    }
    for inst in calls {
        if let Some((live, slots)) = tracked {
            let loc = func.srcloc(inst);
            let mask = if loc.is_default() {
                0
            } else {
                live.live_after(loc.bits())
            };
            for &(slot, bit) in slots {
                if mask & (1 << bit) != 0 {
                    func.dfg.append_user_stack_map_entry(
                        inst,
                        UserStackMapEntry {
                            ty: types::I64,
                            slot,
                            offset: 0,
                        },
                    );
                }
            }
        }
        for (slot, offsets) in ref_slots {
            for &offset in offsets {
                func.dfg.append_user_stack_map_entry(
                    inst,
                    UserStackMapEntry {
                        ty: if pinned.contains(slot) {
                            PINNED_TY
                        } else {
                            types::I64
                        },
                        slot: *slot,
                        offset,
                    },
                );
            }
        }
    }
}

/// The stack maps of a compiled function, by return address.
pub(super) fn collect(buffer: &MachBufferFinalized) -> Vec<StackMap> {
    buffer
        .user_stack_maps()
        .iter()
        .map(|(ret, _span, map)| {
            let mut slots: Vec<u32> = map.entries().map(|(_, off)| off).collect();
            slots.sort_unstable();
            slots.dedup();
            let mut pinned: Vec<u32> = map
                .entries()
                .filter(|&(ty, _)| ty == PINNED_TY)
                .map(|(_, off)| off)
                .collect();
            pinned.sort_unstable();
            pinned.dedup();
            StackMap {
                ret: *ret,
                slots,
                pinned,
            }
        })
        .filter(|m| !m.slots.is_empty())
        .collect()
}
