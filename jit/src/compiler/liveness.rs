//! Which reference locals are live after each IL instruction, for the
//! stack maps of methods that keep their reference locals in stack slots
//! (`stackmaps::loop_has_call`).
//!
//! A slot listed at every call would keep its last object alive until the
//! method returns (or the local is overwritten), where an SSA variable
//! dies after its last use: a method that drops a large structure and then
//! allocates would run out of memory where it did not before. So such a
//! slot is listed only at the calls after which the local is still read.
//!
//! This is also what keeps a moving collector safe: a slot not listed at a
//! collection is not updated and may point into reclaimed memory, but it
//! is dead there, so on every path from that call it is stored before it
//! is read again, and every later call that lists it comes after that
//! store (the usual backward dataflow argument: a local live at a later
//! call with no store in between was live at the earlier one too).
//!
//! Only methods without exception clauses use it: their calls either
//! belong to an IL instruction (the source location of the translation)
//! or raise an exception out of the method, after which no local is read.
//! Address-taken and pinned locals are never tracked: a callee may read
//! them through the address.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::eh::Clause;
use crate::metadata::{Instruction, Opcode, Operand};
use crate::types::Ty;

/// Bit `i` stands for the tracked local `RefLocals::locals[i]`.
pub(super) type Mask = u64;

/// At most this many reference locals are kept in tracked slots; the rest
/// stay SSA variables.
pub(super) const MAX_TRACKED: usize = 64;

/// The liveness of a method's tracked reference locals.
pub(super) struct RefLocals {
    /// IL offset of each instruction, ascending.
    offsets: Vec<u32>,
    /// Tracked locals live after each instruction.
    live_out: Vec<Mask>,
}

/// The reference locals a method keeps in tracked slots, in bit order:
/// those of a method with a call in a loop (`stackmaps::loop_has_call`)
/// and no exception clauses, except address-taken (and pinned) ones.
pub(super) fn tracked_locals(
    insns: &[Instruction<'_>],
    local_tys: &[Ty],
    addr_locals: &BTreeSet<u16>,
    clauses: &[Clause],
) -> Vec<u16> {
    if !clauses.is_empty() || !super::stackmaps::loop_has_call(insns) {
        return Vec::new();
    }
    (0..local_tys.len() as u16)
        .filter(|i| {
            matches!(local_tys[usize::from(*i)], Ty::Ref(_) | Ty::ByRef) && !addr_locals.contains(i)
        })
        .take(MAX_TRACKED)
        .collect()
}

/// The local an instruction reads (`ldloc`) or writes (`stloc`), if any.
fn local_access(ins: &Instruction<'_>) -> Option<(bool, u16)> {
    let var = match ins.operand {
        Operand::Var(i) => Some(i),
        _ => None,
    };
    Some(match ins.opcode {
        Opcode::Ldloc0 | Opcode::Ldloc1 | Opcode::Ldloc2 | Opcode::Ldloc3 => {
            (true, ins.opcode as u16 - Opcode::Ldloc0 as u16)
        }
        Opcode::Stloc0 | Opcode::Stloc1 | Opcode::Stloc2 | Opcode::Stloc3 => {
            (false, ins.opcode as u16 - Opcode::Stloc0 as u16)
        }
        Opcode::Ldloc | Opcode::LdlocS => (true, var?),
        Opcode::Stloc | Opcode::StlocS => (false, var?),
        _ => return None,
    })
}

/// Whether control never falls from `op` to the next instruction.
fn ends_flow(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::Br
            | Opcode::BrS
            | Opcode::Leave
            | Opcode::LeaveS
            | Opcode::Ret
            | Opcode::Throw
            | Opcode::Rethrow
            | Opcode::Endfinally
            | Opcode::Endfilter
            | Opcode::Jmp
    )
}

impl RefLocals {
    /// Backward dataflow over the instructions: live-in = reads ∪
    /// (live-out − writes), live-out = the union of the successors'
    /// live-in, to a fixed point. Local `tracked[i]` is bit `i`.
    pub(super) fn analyse(insns: &[Instruction<'_>], tracked: &[u16]) -> Self {
        let bit = |l: u16| tracked.iter().position(|&t| t == l);
        let offsets: Vec<u32> = insns.iter().map(|i| i.offset).collect();
        let index = |off: u32| offsets.binary_search(&off).ok();
        let mut succs: Vec<Vec<usize>> = Vec::with_capacity(insns.len());
        let mut gen_kill: Vec<(Mask, Mask)> = Vec::with_capacity(insns.len());
        for (n, ins) in insns.iter().enumerate() {
            let mut s = Vec::new();
            if !ends_flow(ins.opcode) && n + 1 < insns.len() {
                s.push(n + 1);
            }
            match &ins.operand {
                Operand::Branch(t) => s.extend(index(*t)),
                Operand::Switch(ts) => s.extend(ts.iter().filter_map(index)),
                _ => {}
            }
            succs.push(s);
            gen_kill.push(match local_access(ins) {
                Some((read, l)) => match bit(l) {
                    Some(b) if read => (1 << b, 0),
                    Some(b) => (0, 1 << b),
                    None => (0, 0),
                },
                None => (0, 0),
            });
        }
        let mut live_in: Vec<Mask> = alloc::vec![0; insns.len()];
        let mut live_out: Vec<Mask> = alloc::vec![0; insns.len()];
        let mut changed = true;
        while changed {
            changed = false;
            for n in (0..insns.len()).rev() {
                let out = succs[n].iter().fold(0, |m, &s| m | live_in[s]);
                let (g, k) = gen_kill[n];
                let inn = g | (out & !k);
                if out != live_out[n] || inn != live_in[n] {
                    live_out[n] = out;
                    live_in[n] = inn;
                    changed = true;
                }
            }
        }
        RefLocals { offsets, live_out }
    }

    /// The tracked locals live after the instruction at `il_offset` (none
    /// for an offset that starts no instruction: code outside the IL's
    /// flow, which only raises out of the method).
    pub(super) fn live_after(&self, il_offset: u32) -> Mask {
        self.offsets
            .binary_search(&il_offset)
            .ok()
            .and_then(|n| self.live_out.get(n).copied())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::IlReader;

    fn live(code: &[u8]) -> Vec<Mask> {
        let insns: Vec<Instruction<'_>> = IlReader::new(code).map(|i| i.unwrap()).collect();
        let r = RefLocals::analyse(&insns, &[0, 1]);
        r.offsets.iter().map(|&o| r.live_after(o)).collect()
    }

    #[test]
    fn a_local_dies_after_its_last_read() {
        // 0: ldnull; 1: stloc.0; 2: ldloc.0; 3: pop; 4: ldnull; 5: pop; 6: ret
        assert_eq!(
            live(&[0x14, 0x0A, 0x06, 0x26, 0x14, 0x26, 0x2A]),
            [0, 1, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_local_read_around_a_loop_is_live_across_its_back_edge() {
        // 0: ldnull; 1: stloc.1; 2: ldloc.1; 3: pop; 4: br.s 2 (-4);
        assert_eq!(live(&[0x14, 0x0B, 0x07, 0x26, 0x2B, 0xFC]), [0, 2, 2, 2, 2]);
    }

    #[test]
    fn a_store_ends_the_old_value() {
        // 0: ldnull; 1: stloc.0; 2: ldnull; 3: stloc.0; 4: ldloc.0; 5: pop; 6: ret
        assert_eq!(
            live(&[0x14, 0x0A, 0x14, 0x0A, 0x06, 0x26, 0x2A]),
            [0, 0, 0, 1, 0, 0, 0]
        );
    }
}
