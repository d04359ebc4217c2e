//! Method bodies (ECMA-335 II.25.4): tiny and fat headers, the IL bytes and
//! the extra data sections carrying exception handling clauses.

use alloc::vec::Vec;

use super::cursor::Cursor;
use super::error::{MetadataError, Region, Result};
use super::pe::to_usize;
use super::token::Token;

const TINY_FORMAT: u8 = 0x2;
const FAT_FORMAT: u8 = 0x3;
const FLAG_MORE_SECTS: u16 = 0x08;
const FLAG_INIT_LOCALS: u16 = 0x10;

const SECT_EH_TABLE: u8 = 0x01;
const SECT_OPT_IL_TABLE: u8 = 0x02;
const SECT_FAT_FORMAT: u8 = 0x40;
const SECT_MORE_SECTS: u8 = 0x80;

/// A decoded method body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodBody<'a> {
    /// Maximum evaluation stack depth (8 for tiny headers).
    pub max_stack: u16,
    /// `StandAloneSig` token of the locals, if the method has any.
    pub local_var_sig: Option<Token>,
    /// Whether locals are zero-initialised (`.locals init`).
    pub init_locals: bool,
    /// Whether the header was the fat form.
    pub is_fat: bool,
    /// The IL.
    pub code: &'a [u8],
    /// Exception handling clauses from all EH sections, in file order
    /// (innermost first, as II.12.4.2.5 requires of writers).
    pub exception_clauses: Vec<ExceptionClause>,
}

/// What kind of handler a clause has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    /// `catch (T)`: the handler runs for exceptions assignable to `T`.
    Catch(Token),
    /// `catch when (...)`: the filter code starts at this IL offset.
    Filter {
        /// IL offset of the filter block.
        filter_offset: u32,
    },
    /// `finally`
    Finally,
    /// `fault` (a finally that runs only on exceptions)
    Fault,
}

/// One exception handling clause, normalised from small or fat form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionClause {
    /// Handler kind (and catch type or filter start).
    pub kind: HandlerKind,
    /// IL offset where the protected block starts.
    pub try_offset: u32,
    /// Length of the protected block.
    pub try_length: u32,
    /// IL offset where the handler starts.
    pub handler_offset: u32,
    /// Length of the handler.
    pub handler_length: u32,
}

impl ExceptionClause {
    /// Whether IL offset `off` lies in the protected block.
    pub fn try_contains(&self, off: u32) -> bool {
        off >= self.try_offset && off.wrapping_sub(self.try_offset) < self.try_length
    }

    /// Whether IL offset `off` lies in the handler.
    pub fn handler_contains(&self, off: u32) -> bool {
        off >= self.handler_offset && off.wrapping_sub(self.handler_offset) < self.handler_length
    }
}

impl<'a> MethodBody<'a> {
    /// Decode a method body from `bytes`, which start at the body's RVA
    /// `rva` and may run on (to the end of the section); `rva` is needed
    /// because data sections are 4-byte aligned in RVA space.
    pub fn parse(bytes: &'a [u8], rva: u32) -> Result<Self> {
        let mut c = Cursor::new(bytes, Region::MethodBody);
        let first = c.peek_u8()?;
        match first & 0x3 {
            TINY_FORMAT => {
                c.u8()?;
                let code = c.bytes(usize::from(first >> 2))?;
                Ok(Self {
                    max_stack: 8,
                    local_var_sig: None,
                    init_locals: false,
                    is_fat: false,
                    code,
                    exception_clauses: Vec::new(),
                })
            }
            FAT_FORMAT => Self::parse_fat(c, rva),
            _ => Err(MetadataError::BadMethodHeader { rva, byte: first }),
        }
    }

    fn parse_fat(mut c: Cursor<'a>, rva: u32) -> Result<Self> {
        let flags_and_size = c.u16()?;
        let flags = flags_and_size & 0x0FFF;
        // Header size in 4-byte units; 3 for every writer, but honour larger.
        let header_size = usize::from(flags_and_size >> 12).saturating_mul(4);
        if header_size < 12 {
            return Err(MetadataError::BadMethodHeader {
                rva,
                byte: flags_and_size.to_le_bytes().first().copied().unwrap_or(0),
            });
        }
        let max_stack = c.u16()?;
        let code_size = c.u32()?;
        let local_tok = c.u32()?;
        let mut c = Cursor::at(c.data(), header_size, Region::MethodBody);
        let code = c.bytes(to_usize(code_size))?;
        let local_var_sig = (local_tok != 0).then_some(Token::from_raw(local_tok));
        let mut exception_clauses = Vec::new();
        let mut more = flags & FLAG_MORE_SECTS != 0;
        let base = to_usize(rva);
        while more {
            c.align4(base)?;
            more = parse_section(&mut c, &mut exception_clauses)?;
        }
        Ok(Self {
            max_stack,
            local_var_sig,
            init_locals: flags & FLAG_INIT_LOCALS != 0,
            is_fat: true,
            code,
            exception_clauses,
        })
    }
}

/// Parse one data section at the cursor, appending its clauses; returns
/// whether another section follows.
fn parse_section(c: &mut Cursor<'_>, out: &mut Vec<ExceptionClause>) -> Result<bool> {
    let start = c.pos();
    let kind = c.u8()?;
    let fat = kind & SECT_FAT_FORMAT != 0;
    // Data size includes the 4-byte section header.
    let data_size = if fat {
        let [a, b, d] = c.array::<3>()?;
        u32::from_le_bytes([a, b, d, 0])
    } else {
        let size = c.u8()?;
        c.u16()?; // reserved
        u32::from(size)
    };
    let bad = MetadataError::BadMethodSection {
        offset: start,
        kind,
    };
    let body_len = data_size.checked_sub(4).ok_or(bad.clone())?;
    let body = c.bytes(to_usize(body_len))?;
    match kind & 0x3F {
        SECT_EH_TABLE => {
            let clause_size = if fat { 24 } else { 12 };
            if !body.len().is_multiple_of(clause_size) {
                return Err(bad);
            }
            let mut cc = Cursor::new(body, Region::MethodBody);
            while cc.remaining() >= clause_size {
                out.push(if fat {
                    read_clause(
                        cc.u32()?,
                        cc.u32()?,
                        cc.u32()?,
                        cc.u32()?,
                        cc.u32()?,
                        cc.u32()?,
                    )?
                } else {
                    let flags = u32::from(cc.u16()?);
                    let try_offset = u32::from(cc.u16()?);
                    let try_length = u32::from(cc.u8()?);
                    let handler_offset = u32::from(cc.u16()?);
                    let handler_length = u32::from(cc.u8()?);
                    read_clause(
                        flags,
                        try_offset,
                        try_length,
                        handler_offset,
                        handler_length,
                        cc.u32()?,
                    )?
                });
            }
        }
        // Optional IL tables are unused by every runtime; skip them.
        SECT_OPT_IL_TABLE => {}
        _ => return Err(bad),
    }
    Ok(kind & SECT_MORE_SECTS != 0)
}

fn read_clause(
    flags: u32,
    try_offset: u32,
    try_length: u32,
    handler_offset: u32,
    handler_length: u32,
    class_or_filter: u32,
) -> Result<ExceptionClause> {
    let kind = match flags {
        0 => HandlerKind::Catch(Token::from_raw(class_or_filter)),
        1 => HandlerKind::Filter {
            filter_offset: class_or_filter,
        },
        2 => HandlerKind::Finally,
        4 => HandlerKind::Fault,
        other => return Err(MetadataError::BadEhClauseKind(other)),
    };
    Ok(ExceptionClause {
        kind,
        try_offset,
        try_length,
        handler_offset,
        handler_length,
    })
}

#[cfg(test)]
#[path = "method_body_tests.rs"]
mod tests;
