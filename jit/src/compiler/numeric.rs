//! Arithmetic, bitwise, shifts, comparisons and conversions
//! (ECMA-335 III.1.5 operand tables; III.3 opcode semantics).

use cranelift_codegen::ir::{InstBuilder, Value, condcodes::FloatCC, condcodes::IntCC, types};

use super::ErrorKind;
use super::func::{R, Tr};
use super::stack::SKind;
use crate::abi::ExceptionKind;
use crate::abi::Helper;
use crate::metadata::{Instruction, Opcode};
use crate::types::{Prim, Ty};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Int,
    Float,
}

impl Tr<'_, '_> {
    /// Pop two operands and bring them to a common representation.
    /// Returns (result kind, a, b).
    fn operands(&mut self) -> R<(SKind, Value, Value)> {
        let b = self.pop()?;
        let a = self.pop()?;
        use SKind::*;
        Ok(match (a.k, b.k) {
            (I4, I4) => (I4, a.v, b.v),
            (F4, F4) => (F4, a.v, b.v),
            (F8, F8) => (F8, a.v, b.v),
            (F4, F8) => (F8, self.b.ins().fpromote(types::F64, a.v), b.v),
            (F8, F4) => (F8, a.v, self.b.ins().fpromote(types::F64, b.v)),
            (I4, k) if k.cl() == types::I64 && !matches!(k, V(_)) => {
                (k, self.b.ins().sextend(types::I64, a.v), b.v)
            }
            (k, I4) if k.cl() == types::I64 && !matches!(k, V(_)) => {
                (k, a.v, self.b.ins().sextend(types::I64, b.v))
            }
            (I8, I8) => (I8, a.v, b.v),
            (x, y)
                if x.cl() == types::I64
                    && y.cl() == types::I64
                    && !matches!(x, V(_))
                    && !matches!(y, V(_)) =>
            {
                let k = if x == M || y == M {
                    M
                } else if x == I8 || y == I8 {
                    I8
                } else {
                    N
                };
                (k, a.v, b.v)
            }
            _ => return Err(ErrorKind::BadStackType),
        })
    }

    fn class(k: SKind) -> Class {
        if matches!(k, SKind::F4 | SKind::F8) {
            Class::Float
        } else {
            Class::Int
        }
    }

    /// Numeric opcodes; returns false when `ins` is not one.
    pub fn numeric(&mut self, ins: &Instruction<'_>) -> R<bool> {
        use Opcode as O;
        let op = ins.opcode;
        match op {
            O::Add | O::Sub | O::Mul | O::And | O::Or | O::Xor => {
                let (k, a, b) = self.operands()?;
                let v = match (Self::class(k), op) {
                    (Class::Float, O::Add) => self.b.ins().fadd(a, b),
                    (Class::Float, O::Sub) => self.b.ins().fsub(a, b),
                    (Class::Float, O::Mul) => self.b.ins().fmul(a, b),
                    (Class::Float, _) => return Err(ErrorKind::BadStackType),
                    (_, O::Add) => self.b.ins().iadd(a, b),
                    (_, O::Sub) => self.b.ins().isub(a, b),
                    (_, O::Mul) => self.b.ins().imul(a, b),
                    (_, O::And) => self.b.ins().band(a, b),
                    (_, O::Or) => self.b.ins().bor(a, b),
                    _ => self.b.ins().bxor(a, b),
                };
                let k = if k == SKind::M && op == O::Sub {
                    SKind::N
                } else {
                    k
                };
                self.push(k, v);
            }
            O::Div | O::Rem | O::DivUn | O::RemUn => {
                let (k, a, b) = self.operands()?;
                if Self::class(k) == Class::Float {
                    let v = match op {
                        O::Div => self.b.ins().fdiv(a, b),
                        O::Rem => {
                            let (h, t) = if k == SKind::F4 {
                                (Helper::FmodF32, types::F32)
                            } else {
                                (Helper::FmodF64, types::F64)
                            };
                            self.call_helper(h, &[a, b], &[t, t], Some(t))
                                .ok_or(ErrorKind::Codegen)?
                        }
                        _ => return Err(ErrorKind::BadStackType),
                    };
                    self.push(k, v);
                    return Ok(true);
                }
                let z = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                self.raise_if(z, ExceptionKind::DivideByZero);
                let v = match op {
                    O::DivUn => self.b.ins().udiv(a, b),
                    O::RemUn => self.b.ins().urem(a, b),
                    _ => {
                        // MIN / -1 overflows (and would fault in idiv).
                        let ty = k.cl();
                        let min = if ty == types::I32 {
                            i64::from(i32::MIN)
                        } else {
                            i64::MIN
                        };
                        let am = self.b.ins().icmp_imm_s(IntCC::Equal, a, min);
                        let bm = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                        let both = self.b.ins().band(am, bm);
                        self.raise_if(both, ExceptionKind::Overflow);
                        if op == O::Div {
                            self.b.ins().sdiv(a, b)
                        } else {
                            self.b.ins().srem(a, b)
                        }
                    }
                };
                self.push(k, v);
            }
            O::AddOvf | O::AddOvfUn | O::SubOvf | O::SubOvfUn | O::MulOvf | O::MulOvfUn => {
                let (k, a, b) = self.operands()?;
                if Self::class(k) == Class::Float {
                    return Err(ErrorKind::BadStackType);
                }
                let (v, of) = match op {
                    O::AddOvf => self.b.ins().sadd_overflow(a, b),
                    O::AddOvfUn => self.b.ins().uadd_overflow(a, b),
                    O::SubOvf => self.b.ins().ssub_overflow(a, b),
                    O::SubOvfUn => self.b.ins().usub_overflow(a, b),
                    O::MulOvf => self.b.ins().smul_overflow(a, b),
                    _ => self.b.ins().umul_overflow(a, b),
                };
                self.raise_if(of, ExceptionKind::Overflow);
                self.push(k, v);
            }
            O::Shl | O::Shr | O::ShrUn => {
                let amount = self.pop()?;
                let value = self.pop()?;
                if !matches!(amount.k, SKind::I4 | SKind::N | SKind::I8)
                    || Self::class(value.k) == Class::Float
                {
                    return Err(ErrorKind::BadStackType);
                }
                // Cranelift masks the count by the width, as .NET does.
                let v = match op {
                    O::Shl => self.b.ins().ishl(value.v, amount.v),
                    O::Shr => self.b.ins().sshr(value.v, amount.v),
                    _ => self.b.ins().ushr(value.v, amount.v),
                };
                let k = if value.k == SKind::I4 {
                    SKind::I4
                } else if value.k == SKind::I8 {
                    SKind::I8
                } else {
                    SKind::N
                };
                self.push(k, v);
            }
            O::Neg => {
                let e = self.pop()?;
                let v = if Self::class(e.k) == Class::Float {
                    self.b.ins().fneg(e.v)
                } else {
                    self.b.ins().ineg(e.v)
                };
                self.push(e.k, v);
            }
            O::Not => {
                let e = self.pop()?;
                let v = self.b.ins().bnot(e.v);
                self.push(e.k, v);
            }
            O::Ceq | O::Cgt | O::CgtUn | O::Clt | O::CltUn => {
                let (k, a, b) = self.operands()?;
                let c = if Self::class(k) == Class::Float {
                    let cc = match op {
                        O::Ceq => FloatCC::Equal,
                        O::Cgt => FloatCC::GreaterThan,
                        O::CgtUn => FloatCC::UnorderedOrGreaterThan,
                        O::Clt => FloatCC::LessThan,
                        _ => FloatCC::UnorderedOrLessThan,
                    };
                    self.b.ins().fcmp(cc, a, b)
                } else {
                    let cc = match op {
                        O::Ceq => IntCC::Equal,
                        O::Cgt => IntCC::SignedGreaterThan,
                        O::CgtUn => IntCC::UnsignedGreaterThan,
                        O::Clt => IntCC::SignedLessThan,
                        _ => IntCC::UnsignedLessThan,
                    };
                    self.b.ins().icmp(cc, a, b)
                };
                let v = self.b.ins().uextend(types::I32, c);
                self.push(SKind::I4, v);
            }
            O::ConvI1
            | O::ConvU1
            | O::ConvI2
            | O::ConvU2
            | O::ConvI4
            | O::ConvU4
            | O::ConvI8
            | O::ConvU8
            | O::ConvI
            | O::ConvU
            | O::ConvR4
            | O::ConvR8
            | O::ConvRUn => {
                let e = self.pop()?;
                let (p, _) = conv_target(op);
                let unsigned_src = op == O::ConvRUn;
                let v = self.convert(e.k, e.v, p, unsigned_src)?;
                self.push(SKind::of(Ty::Prim(p)), v);
            }
            O::ConvOvfI1
            | O::ConvOvfU1
            | O::ConvOvfI2
            | O::ConvOvfU2
            | O::ConvOvfI4
            | O::ConvOvfU4
            | O::ConvOvfI8
            | O::ConvOvfU8
            | O::ConvOvfI
            | O::ConvOvfU
            | O::ConvOvfI1Un
            | O::ConvOvfU1Un
            | O::ConvOvfI2Un
            | O::ConvOvfU2Un
            | O::ConvOvfI4Un
            | O::ConvOvfU4Un
            | O::ConvOvfI8Un
            | O::ConvOvfU8Un
            | O::ConvOvfIUn
            | O::ConvOvfUUn => {
                let e = self.pop()?;
                let (p, un) = conv_target(op);
                self.overflow_check(e.k, e.v, p, un)?;
                let v = self.convert(e.k, e.v, p, un)?;
                self.push(SKind::of(Ty::Prim(p)), v);
            }
            O::Ckfinite => {
                let e = self.pop()?;
                let x = match e.k {
                    SKind::F4 => self.b.ins().fpromote(types::F64, e.v),
                    SKind::F8 => e.v,
                    _ => return Err(ErrorKind::BadStackType),
                };
                let d = self.b.ins().fsub(x, x); // NaN for NaN and ±inf
                let bad = self.b.ins().fcmp(FloatCC::Unordered, d, d);
                self.raise_if(bad, ExceptionKind::Arithmetic);
                self.push(e.k, e.v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Convert an entry to primitive `p` (no overflow check).
    fn convert(&mut self, k: SKind, v: Value, p: Prim, unsigned_src: bool) -> R<Value> {
        let float_src = matches!(k, SKind::F4 | SKind::F8);
        if matches!(k, SKind::V(_)) {
            return Err(ErrorKind::BadStackType);
        }
        Ok(match p {
            Prim::R4 | Prim::R8 => {
                let ft = if p == Prim::R4 {
                    types::F32
                } else {
                    types::F64
                };
                match k {
                    SKind::F4 if ft == types::F64 => self.b.ins().fpromote(ft, v),
                    SKind::F8 if ft == types::F32 => self.b.ins().fdemote(ft, v),
                    SKind::F4 | SKind::F8 => v,
                    SKind::I4 if unsigned_src => {
                        let w = self.b.ins().uextend(types::I64, v);
                        self.b.ins().fcvt_from_uint(ft, w)
                    }
                    _ if unsigned_src => self.b.ins().fcvt_from_uint(ft, v),
                    _ => self.b.ins().fcvt_from_sint(ft, v),
                }
            }
            _ => {
                let size = p.size();
                let target = if size == 8 { types::I64 } else { types::I32 };
                let raw = if float_src {
                    // Out-of-range float->int is unspecified (ECMA III.3.27);
                    // saturate rather than trap.
                    let wide = if p.is_signed() || size < 8 {
                        self.b.ins().fcvt_to_sint_sat(types::I64, v)
                    } else {
                        self.b.ins().fcvt_to_uint_sat(types::I64, v)
                    };
                    if target == types::I32 {
                        self.b.ins().ireduce(types::I32, wide)
                    } else {
                        wide
                    }
                } else {
                    match (k, target) {
                        (SKind::I4, t) if t == types::I64 => {
                            if p.is_signed() && !unsigned_src {
                                self.b.ins().sextend(types::I64, v)
                            } else {
                                self.b.ins().uextend(types::I64, v)
                            }
                        }
                        (SKind::I4, _) => v,
                        (_, t) if t == types::I32 => self.b.ins().ireduce(types::I32, v),
                        _ => v,
                    }
                };
                if size < 4 {
                    self.normalize(Ty::Prim(p), raw)
                } else {
                    raw
                }
            }
        })
    }

    /// Raise OverflowException when converting (k, v) to `p` loses range.
    fn overflow_check(&mut self, k: SKind, v: Value, p: Prim, unsigned_src: bool) -> R<()> {
        let (min, max): (i128, i128) = match p {
            Prim::I1 => (i8::MIN.into(), i8::MAX.into()),
            Prim::U1 | Prim::Bool => (0, u8::MAX.into()),
            Prim::I2 => (i16::MIN.into(), i16::MAX.into()),
            Prim::U2 | Prim::Char => (0, u16::MAX.into()),
            Prim::I4 => (i32::MIN.into(), i32::MAX.into()),
            Prim::U4 => (0, u32::MAX.into()),
            Prim::I8 | Prim::I => (i64::MIN.into(), i64::MAX.into()),
            _ => (0, u64::MAX.into()),
        };
        match k {
            SKind::F4 | SKind::F8 => {
                let x = if k == SKind::F4 {
                    self.b.ins().fpromote(types::F64, v)
                } else {
                    v
                };
                let lo = self.b.ins().f64const(min as f64 - 1.0);
                let hi = self.b.ins().f64const(max as f64 + 1.0);
                // In range iff lo < x < hi (false for NaN). For 64-bit
                // bounds lo/hi round to ±2^63 / 2^64, handled by >=.
                let ok_lo = if min == i128::from(i64::MIN) {
                    self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, lo)
                } else {
                    self.b.ins().fcmp(FloatCC::GreaterThan, x, lo)
                };
                let ok_hi = self.b.ins().fcmp(FloatCC::LessThan, x, hi);
                let ok = self.b.ins().band(ok_lo, ok_hi);
                let bad = self.b.ins().bxor_imm_s(ok, 1);
                self.raise_if(bad, ExceptionKind::Overflow);
            }
            SKind::V(_) => return Err(ErrorKind::BadStackType),
            _ => {
                let s = if k == SKind::I4 {
                    if unsigned_src {
                        self.b.ins().uextend(types::I64, v)
                    } else {
                        self.b.ins().sextend(types::I64, v)
                    }
                } else {
                    v
                };
                if unsigned_src {
                    if max < i128::from(u64::MAX) {
                        let bad =
                            self.b
                                .ins()
                                .icmp_imm_s(IntCC::UnsignedGreaterThan, s, max as i64);
                        self.raise_if(bad, ExceptionKind::Overflow);
                    }
                } else {
                    if min > i128::from(i64::MIN) {
                        let bad = self
                            .b
                            .ins()
                            .icmp_imm_s(IntCC::SignedLessThan, s, min as i64);
                        self.raise_if(bad, ExceptionKind::Overflow);
                    }
                    if max < i128::from(i64::MAX) {
                        let bad = self
                            .b
                            .ins()
                            .icmp_imm_s(IntCC::SignedGreaterThan, s, max as i64);
                        self.raise_if(bad, ExceptionKind::Overflow);
                    }
                }
            }
        }
        Ok(())
    }

    /// The condition of a two-operand conditional branch.
    pub fn compare_branch(&mut self, op: Opcode) -> R<Value> {
        use Opcode as O;
        let (k, a, b) = self.operands()?;
        Ok(if Self::class(k) == Class::Float {
            let cc = match op {
                O::Beq | O::BeqS => FloatCC::Equal,
                O::BneUn | O::BneUnS => FloatCC::NotEqual,
                O::Bge | O::BgeS => FloatCC::GreaterThanOrEqual,
                O::BgeUn | O::BgeUnS => FloatCC::UnorderedOrGreaterThanOrEqual,
                O::Bgt | O::BgtS => FloatCC::GreaterThan,
                O::BgtUn | O::BgtUnS => FloatCC::UnorderedOrGreaterThan,
                O::Ble | O::BleS => FloatCC::LessThanOrEqual,
                O::BleUn | O::BleUnS => FloatCC::UnorderedOrLessThanOrEqual,
                O::Blt | O::BltS => FloatCC::LessThan,
                _ => FloatCC::UnorderedOrLessThan,
            };
            self.b.ins().fcmp(cc, a, b)
        } else {
            let cc = match op {
                O::Beq | O::BeqS => IntCC::Equal,
                O::BneUn | O::BneUnS => IntCC::NotEqual,
                O::Bge | O::BgeS => IntCC::SignedGreaterThanOrEqual,
                O::BgeUn | O::BgeUnS => IntCC::UnsignedGreaterThanOrEqual,
                O::Bgt | O::BgtS => IntCC::SignedGreaterThan,
                O::BgtUn | O::BgtUnS => IntCC::UnsignedGreaterThan,
                O::Ble | O::BleS => IntCC::SignedLessThanOrEqual,
                O::BleUn | O::BleUnS => IntCC::UnsignedLessThanOrEqual,
                O::Blt | O::BltS => IntCC::SignedLessThan,
                _ => IntCC::UnsignedLessThan,
            };
            self.b.ins().icmp(cc, a, b)
        })
    }
}

/// Target primitive of a conversion opcode and whether the source is
/// treated as unsigned (`.un`).
fn conv_target(op: Opcode) -> (Prim, bool) {
    use Opcode as O;
    match op {
        O::ConvI1 | O::ConvOvfI1 => (Prim::I1, false),
        O::ConvU1 | O::ConvOvfU1 => (Prim::U1, false),
        O::ConvI2 | O::ConvOvfI2 => (Prim::I2, false),
        O::ConvU2 | O::ConvOvfU2 => (Prim::U2, false),
        O::ConvI4 | O::ConvOvfI4 => (Prim::I4, false),
        O::ConvU4 | O::ConvOvfU4 => (Prim::U4, false),
        O::ConvI8 | O::ConvOvfI8 => (Prim::I8, false),
        O::ConvU8 | O::ConvOvfU8 => (Prim::U8, false),
        O::ConvI | O::ConvOvfI => (Prim::I, false),
        O::ConvU | O::ConvOvfU => (Prim::U, false),
        O::ConvR4 => (Prim::R4, false),
        O::ConvR8 => (Prim::R8, false),
        O::ConvRUn => (Prim::R8, true),
        O::ConvOvfI1Un => (Prim::I1, true),
        O::ConvOvfU1Un => (Prim::U1, true),
        O::ConvOvfI2Un => (Prim::I2, true),
        O::ConvOvfU2Un => (Prim::U2, true),
        O::ConvOvfI4Un => (Prim::I4, true),
        O::ConvOvfU4Un => (Prim::U4, true),
        O::ConvOvfI8Un => (Prim::I8, true),
        O::ConvOvfU8Un => (Prim::U8, true),
        O::ConvOvfIUn => (Prim::I, true),
        _ => (Prim::U, true),
    }
}
