//! A safe IL instruction decoder: walks a method's code bytes and yields
//! opcodes with typed operands, so the compiler and tests never index raw IL.
//!
//! It checks encodings only (known opcodes, complete operands, branch targets
//! representable as IL offsets). Whether a target lands on an instruction
//! boundary inside the method is the verifier's business.

use super::cursor::Cursor;
use super::error::{MetadataError, Region, Result};
use super::opcodes::{Opcode, OperandKind};
use super::pe::to_usize;
use super::token::Token;

/// An inline operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand<'a> {
    /// No operand.
    None,
    /// `ldc.i4.s`
    Int8(i8),
    /// `unaligned.` alignment, `no.` flags.
    UInt8(u8),
    /// `ldc.i4`
    Int32(i32),
    /// `ldc.i8`
    Int64(i64),
    /// `ldc.r4`
    Float32(f32),
    /// `ldc.r8`
    Float64(f64),
    /// A metadata token (or `#US` token for `ldstr`).
    Token(Token),
    /// Absolute IL offset of a branch target.
    Branch(u32),
    /// The targets of a `switch`.
    Switch(SwitchTargets<'a>),
    /// Argument or local index.
    Var(u16),
}

/// The jump table of a `switch`, as absolute IL offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwitchTargets<'a> {
    next: u32,
    raw: &'a [u8],
}

impl SwitchTargets<'_> {
    /// Number of targets.
    pub fn len(&self) -> usize {
        self.raw.len() / 4
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The targets in case order. The decoder has already checked that each
    /// one is a valid `u32` offset.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.raw
            .as_chunks::<4>()
            .0
            .iter()
            .map(move |d| target(self.next, i32::from_le_bytes(*d)).unwrap_or(u32::MAX))
    }
}

/// One decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Instruction<'a> {
    /// IL offset of the first opcode byte.
    pub offset: u32,
    /// The opcode.
    pub opcode: Opcode,
    /// Its operand.
    pub operand: Operand<'a>,
    /// IL offset of the following instruction.
    pub next_offset: u32,
}

fn target(next: u32, delta: i32) -> Option<u32> {
    let t = i64::from(next).checked_add(i64::from(delta))?;
    u32::try_from(t).ok()
}

/// Iterator over the instructions of a code block; stops after the first error.
#[derive(Clone, Debug)]
pub struct IlReader<'a> {
    c: Cursor<'a>,
    failed: bool,
}

impl<'a> IlReader<'a> {
    /// Decode `code` (a method body's IL).
    pub fn new(code: &'a [u8]) -> Self {
        Self {
            c: Cursor::new(code, Region::Il),
            failed: false,
        }
    }

    fn offset(&self) -> Result<u32> {
        u32::try_from(self.c.pos()).map_err(|_| MetadataError::Overflow)
    }

    fn decode(&mut self) -> Result<Instruction<'a>> {
        let offset = self.offset()?;
        let first = self.c.u8()?;
        let value = if first == 0xFE {
            0xFE00 | u16::from(self.c.u8()?)
        } else {
            u16::from(first)
        };
        let opcode = Opcode::from_u16(value).ok_or(MetadataError::BadOpcode {
            offset,
            opcode: value,
        })?;
        let c = &mut self.c;
        let operand = match opcode.operand_kind() {
            OperandKind::None => Operand::None,
            OperandKind::ShortI => Operand::Int8(i8::from_le_bytes(c.array()?)),
            OperandKind::UnsignedByte => Operand::UInt8(c.u8()?),
            OperandKind::I => Operand::Int32(i32::from_le_bytes(c.array()?)),
            OperandKind::I8 => Operand::Int64(i64::from_le_bytes(c.array()?)),
            OperandKind::ShortR => Operand::Float32(f32::from_le_bytes(c.array()?)),
            OperandKind::R => Operand::Float64(f64::from_le_bytes(c.array()?)),
            OperandKind::Token => Operand::Token(Token::from_raw(c.u32()?)),
            OperandKind::ShortVar => Operand::Var(u16::from(c.u8()?)),
            OperandKind::Var => Operand::Var(c.u16()?),
            OperandKind::ShortBr => {
                let delta = i32::from(i8::from_le_bytes(c.array()?));
                self.branch(offset, delta)?
            }
            OperandKind::Br => {
                let delta = i32::from_le_bytes(c.array()?);
                self.branch(offset, delta)?
            }
            OperandKind::Switch => {
                let count = c.u32()?;
                let len = to_usize(count)
                    .checked_mul(4)
                    .ok_or(MetadataError::Overflow)?;
                let raw = c.bytes(len)?;
                let next = self.offset()?;
                let targets = SwitchTargets { next, raw };
                for d in raw.as_chunks::<4>().0 {
                    target(next, i32::from_le_bytes(*d))
                        .ok_or(MetadataError::BadBranchTarget { offset })?;
                }
                Operand::Switch(targets)
            }
        };
        Ok(Instruction {
            offset,
            opcode,
            operand,
            next_offset: self.offset()?,
        })
    }

    fn branch(&self, offset: u32, delta: i32) -> Result<Operand<'a>> {
        let next = self.offset()?;
        target(next, delta)
            .map(Operand::Branch)
            .ok_or(MetadataError::BadBranchTarget { offset })
    }
}

impl<'a> Iterator for IlReader<'a> {
    type Item = Result<Instruction<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.c.is_empty() {
            return None;
        }
        let r = self.decode();
        self.failed = r.is_err();
        Some(r)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests may panic on failure"
)]
mod tests {
    use super::*;

    fn decode(code: &[u8]) -> Result<Vec<Instruction<'_>>> {
        IlReader::new(code).collect()
    }

    #[test]
    fn operands_of_every_kind() {
        let code = [
            0x1F, 0xFB, // ldc.i4.s -5
            0x20, 0x78, 0x56, 0x34, 0x12, // ldc.i4 0x12345678
            0x21, 1, 0, 0, 0, 0, 0, 0, 0x80, // ldc.i8
            0x22, 0, 0, 0x80, 0x3F, // ldc.r4 1.0
            0x23, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, // ldc.r8 1.0
            0x72, 0x01, 0, 0, 0x70, // ldstr
            0x11, 0x07, // ldloc.s 7
            0xFE, 0x0C, 0x00, 0x01, // ldloc 256
            0xFE, 0x12, 0x04, // unaligned. 4
            0xFE, 0x16, 0x05, 0, 0, 0x02, // constrained. TypeDef 5
            0x2A, // ret
        ];
        let ins = decode(&code).unwrap();
        let ops: Vec<_> = ins.iter().map(|i| (i.opcode, i.operand)).collect();
        assert_eq!(
            ops,
            [
                (Opcode::LdcI4S, Operand::Int8(-5)),
                (Opcode::LdcI4, Operand::Int32(0x1234_5678)),
                (Opcode::LdcI8, Operand::Int64(i64::MIN + 1)),
                (Opcode::LdcR4, Operand::Float32(1.0)),
                (Opcode::LdcR8, Operand::Float64(1.0)),
                (Opcode::Ldstr, Operand::Token(Token::from_raw(0x7000_0001))),
                (Opcode::LdlocS, Operand::Var(7)),
                (Opcode::Ldloc, Operand::Var(256)),
                (Opcode::Unaligned, Operand::UInt8(4)),
                (
                    Opcode::Constrained,
                    Operand::Token(Token::from_raw(0x0200_0005))
                ),
                (Opcode::Ret, Operand::None),
            ]
        );
        assert_eq!(ins[1].offset, 2);
        assert_eq!(ins[1].next_offset, 7);
        assert_eq!(Opcode::Constrained.mnemonic(), "constrained.");
    }

    #[test]
    fn branches_and_switch() {
        let code = [
            0x2B, 0x02, // 0: br.s +2 -> 4
            0x00, 0x00, // 2, 3: nop nop
            0x38, 0xFA, 0xFF, 0xFF, 0xFF, // 4: br -6 -> 3
            0x45, 2, 0, 0, 0, 0, 0, 0, 0, 0xF7, 0xFF, 0xFF, 0xFF, // 9: switch (0, -9) next=22
            0x2A,
        ];
        let ins = decode(&code).unwrap();
        assert_eq!(ins[0].operand, Operand::Branch(4));
        assert_eq!(ins[3].operand, Operand::Branch(3));
        let Operand::Switch(t) = ins[4].operand else {
            panic!("expected switch")
        };
        assert_eq!(t.iter().collect::<Vec<_>>(), [22, 13]);
        assert_eq!(t.len(), 2);
        // A branch before offset 0.
        assert_eq!(
            decode(&[0x00, 0x2B, 0xF0]),
            Err(MetadataError::BadBranchTarget { offset: 1 })
        );
    }

    #[test]
    fn malformed_il() {
        assert_eq!(
            decode(&[0x00, 0x24]),
            Err(MetadataError::BadOpcode {
                offset: 1,
                opcode: 0x24
            })
        );
        assert_eq!(
            decode(&[0xFE, 0x1F]),
            Err(MetadataError::BadOpcode {
                offset: 0,
                opcode: 0xFE1F
            })
        );
        assert!(matches!(
            decode(&[0xFE]),
            Err(MetadataError::Truncated { .. })
        ));
        assert!(matches!(
            decode(&[0x28, 1, 2]),
            Err(MetadataError::Truncated { .. })
        ));
        // A switch claiming 2^30 targets.
        assert!(matches!(
            decode(&[0x45, 0, 0, 0, 0x40]),
            Err(MetadataError::Truncated { .. })
        ));
        // Iteration stops after the first error.
        assert_eq!(IlReader::new(&[0x24, 0x00, 0x00]).count(), 1);
    }

    #[test]
    fn opcode_table_is_consistent() {
        let mut n = 0;
        for v in 0..=0xFEFFu16 {
            if let Some(op) = Opcode::from_u16(v) {
                assert_eq!(op as u16, v);
                n += 1;
            }
        }
        // 0x00..=0xE0 minus 34 unused values, plus 0xFE00..=0xFE1E minus 3.
        assert_eq!(n, 191 + 28);
    }
}
