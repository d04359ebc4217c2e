//! The opcode dispatch: one IL instruction at a time, each opcode handed
//! to the translator piece that lowers it (arithmetic, memory, calls,
//! objects, exception handling); `switch` and `ret`, which only move
//! control, are here too. The frame and the evaluation stack are
//! `func.rs`'s.

use alloc::vec::Vec;

use cranelift_codegen::ir::{InstBuilder, condcodes::IntCC, types};

use super::error::ErrorKind;
use super::func::{R, Tr};
use super::stack::SKind;
use crate::metadata::{Instruction, Opcode, Operand};
use crate::types::Ty;

impl Tr<'_, '_> {
    pub(super) fn instruction(&mut self, ins: &Instruction<'_>) -> R<()> {
        if self.labels.contains_key(&ins.offset) {
            self.enter_label(ins.offset)?;
        }
        if !self.reachable {
            return Ok(());
        }
        use Opcode as O;
        let op = ins.opcode;
        let var = match ins.operand {
            Operand::Var(v) => v,
            _ => 0,
        };
        match op {
            O::Nop | O::Volatile | O::Unaligned | O::Tail | O::Readonly => {}
            O::Ldarg0 | O::Ldarg1 | O::Ldarg2 | O::Ldarg3 => {
                let h = self.home(true, op as u16 - O::Ldarg0 as u16)?;
                self.load_home(h)?;
            }
            O::Ldarg | O::LdargS => {
                let h = self.home(true, var)?;
                self.load_home(h)?;
            }
            O::Ldloc0 | O::Ldloc1 | O::Ldloc2 | O::Ldloc3 => {
                let h = self.home(false, op as u16 - O::Ldloc0 as u16)?;
                self.load_home(h)?;
            }
            O::Ldloc | O::LdlocS => {
                let h = self.home(false, var)?;
                self.load_home(h)?;
            }
            O::Stloc0 | O::Stloc1 | O::Stloc2 | O::Stloc3 => {
                let h = self.home(false, op as u16 - O::Stloc0 as u16)?;
                self.store_home(h)?;
            }
            O::Stloc | O::StlocS => {
                let h = self.home(false, var)?;
                self.store_home(h)?;
            }
            O::Starg | O::StargS => {
                let h = self.home(true, var)?;
                self.store_home(h)?;
            }
            O::Ldarga | O::LdargaS | O::Ldloca | O::LdlocaS => {
                let h = self.home(matches!(op, O::Ldarga | O::LdargaS), var)?;
                if self.field_read_by_value {
                    // Injection only (see `translate`): the value, as `ldloc`.
                    self.load_home(h)?;
                    if matches!(self.stack.last().map(|e| e.k), Some(SKind::V(_))) {
                        return Ok(());
                    }
                    // Not a struct: undo, take the address as usual.
                    self.pop()?;
                }
                let a = self.addr_home(h);
                self.push(SKind::M, a);
            }
            O::Ldnull => {
                let v = self.iconst(types::I64, 0);
                self.push(SKind::O, v);
            }
            O::LdcI4M1
            | O::LdcI40
            | O::LdcI41
            | O::LdcI42
            | O::LdcI43
            | O::LdcI44
            | O::LdcI45
            | O::LdcI46
            | O::LdcI47
            | O::LdcI48 => {
                let v = i64::from(op as u16) - i64::from(O::LdcI40 as u16);
                let v = self.iconst(types::I32, v);
                self.push(SKind::I4, v);
            }
            O::LdcI4S | O::LdcI4 => {
                let n = match ins.operand {
                    Operand::Int8(n) => i64::from(n),
                    Operand::Int32(n) => i64::from(n),
                    _ => 0,
                };
                let v = self.iconst(types::I32, n);
                self.push(SKind::I4, v);
            }
            O::LdcI8 => {
                let Operand::Int64(n) = ins.operand else {
                    return Err(ErrorKind::BadStackType);
                };
                let v = self.iconst(types::I64, n);
                self.push(SKind::I8, v);
            }
            O::LdcR4 => {
                let Operand::Float32(x) = ins.operand else {
                    return Err(ErrorKind::BadStackType);
                };
                let v = self.b.ins().f32const(x);
                self.push(SKind::F4, v);
            }
            O::LdcR8 => {
                let Operand::Float64(x) = ins.operand else {
                    return Err(ErrorKind::BadStackType);
                };
                let v = self.b.ins().f64const(x);
                self.push(SKind::F8, v);
            }
            O::Dup => {
                let e = *self.stack.last().ok_or(ErrorKind::StackUnderflow)?;
                match e.k {
                    // Each V entry owns its storage: dup copies the value.
                    SKind::V(t) => {
                        let dst = self.temp_value(t)?;
                        self.copy_value(t, dst, e.v, false)?;
                        self.push(e.k, dst);
                    }
                    _ => self.stack.push(e),
                }
            }
            O::Pop => {
                self.pop()?;
            }
            O::Ret if self.filter.is_some() => return Err(ErrorKind::BadHandler),
            O::Ret => self.ret()?,
            O::Br | O::BrS => {
                let Operand::Branch(t) = ins.operand else {
                    return Err(ErrorKind::BadBranchTarget);
                };
                self.jump_to(t)?;
            }
            O::Leave | O::LeaveS => {
                let Operand::Branch(t) = ins.operand else {
                    return Err(ErrorKind::BadBranchTarget);
                };
                self.leave(t)?;
            }
            O::Endfinally => self.endfinally()?,
            O::Endfilter => self.endfilter()?,
            O::Throw => self.throw()?,
            O::Rethrow => self.rethrow()?,
            O::Brfalse | O::BrfalseS | O::Brtrue | O::BrtrueS => {
                let Operand::Branch(t) = ins.operand else {
                    return Err(ErrorKind::BadBranchTarget);
                };
                let e = self.pop()?;
                let c = match e.k {
                    SKind::F4 | SKind::F8 | SKind::V(_) => return Err(ErrorKind::BadStackType),
                    _ => e.v,
                };
                let c = if matches!(op, O::Brfalse | O::BrfalseS) {
                    self.b.ins().icmp_imm_s(IntCC::Equal, c, 0)
                } else {
                    c
                };
                self.branch_if(c, t, ins.next_offset)?;
            }
            O::Beq
            | O::BeqS
            | O::Bge
            | O::BgeS
            | O::Bgt
            | O::BgtS
            | O::Ble
            | O::BleS
            | O::Blt
            | O::BltS
            | O::BneUn
            | O::BneUnS
            | O::BgeUn
            | O::BgeUnS
            | O::BgtUn
            | O::BgtUnS
            | O::BleUn
            | O::BleUnS
            | O::BltUn
            | O::BltUnS => {
                let Operand::Branch(t) = ins.operand else {
                    return Err(ErrorKind::BadBranchTarget);
                };
                let c = self.compare_branch(op)?;
                self.branch_if(c, t, ins.next_offset)?;
            }
            O::Switch => {
                let Operand::Switch(s) = ins.operand else {
                    return Err(ErrorKind::BadBranchTarget);
                };
                let targets: Vec<u32> = s.iter().collect();
                self.switch(&targets, ins.next_offset)?;
            }
            _ => {
                if !self.numeric(ins)? && !self.object_op(ins)? && !self.call_op(ins)? {
                    return Err(ErrorKind::UnsupportedOpcode(op));
                }
            }
        }
        if !matches!(op, O::Constrained) {
            self.constrained = None;
        }
        Ok(())
    }

    fn switch(&mut self, targets: &[u32], next: u32) -> R<()> {
        use cranelift_codegen::ir::JumpTableData;
        let e = self.pop()?;
        let idx = match e.k {
            SKind::I4 => e.v,
            SKind::I8 | SKind::N => self.b.ins().ireduce(types::I32, e.v),
            _ => return Err(ErrorKind::BadStackType),
        };
        // Each case goes through a small block that passes the stack along.
        let mut calls = Vec::new();
        let mut tramps = Vec::new();
        for &t in targets {
            let tb = self.b.create_block();
            tramps.push((tb, t));
            calls.push(self.b.func.dfg.block_call(tb, &[]));
        }
        let db = self.b.create_block();
        let def = self.b.func.dfg.block_call(db, &[]);
        let jt = self.b.create_jump_table(JumpTableData::new(def, &calls));
        self.b.ins().br_table(idx, jt);
        for (tb, t) in tramps {
            self.b.switch_to_block(tb);
            self.jump_to(t)?;
        }
        self.b.switch_to_block(db);
        self.jump_to(next)?;
        Ok(())
    }

    fn ret(&mut self) -> R<()> {
        match self.sig.ret {
            Ty::Void => {
                self.b.ins().return_(&[]);
            }
            Ty::Value(t) => {
                let e = self.pop()?;
                if e.k != SKind::V(t) {
                    return Err(ErrorKind::BadStackType);
                }
                let dst = self.retbuf.ok_or(ErrorKind::BadStackType)?;
                self.copy_value(t, dst, e.v, false)?;
                self.b.ins().return_(&[]);
            }
            ty => {
                let e = self.pop()?;
                let v = self.coerce(e, ty)?;
                let v = self.normalize(ty, v);
                self.b.ins().return_(&[v]);
            }
        }
        self.reachable = false;
        Ok(())
    }
}
