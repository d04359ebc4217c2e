//! Multi-dimensional arrays' methods, which exist only by name (ECMA-335
//! II.14.2): `newobj T[,]::.ctor(int32, int32)`, `call T[,]::Get`, `Set`,
//! `Address`. The layout is in `types/md_array.rs`: elements where a
//! vector's are, the dimensions' lengths and then their lower bounds after
//! them (C# makes zero lower bounds, `Array.CreateInstance` others, so
//! every access subtracts them).

use alloc::vec::Vec;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};

use super::ErrorKind;
use super::func::{R, Tr, flags};
use super::stack::{Entry, SKind};
use super::symbols::Sym;
use crate::abi::{ExceptionKind, Helper};
use crate::metadata::Token;
use crate::types::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, MdArrayOp, TypeKind};

impl Tr<'_, '_> {
    /// Expand a call of a multi-dimensional array's method; false when
    /// `tok` names none.
    pub fn md_array_call(&mut self, tok: Token) -> R<bool> {
        let Some((t, op)) = self
            .env
            .types_mut()
            .md_array_member(self.asm, tok, &self.gctx)?
        else {
            return Ok(false);
        };
        let rank = self.env.types().array_rank(t) as usize;
        let TypeKind::Array(elem) = self.env.types().ty(t).kind else {
            return Err(ErrorKind::BadToken);
        };
        let esize = i64::from(self.env.types_mut().size_of(elem)?);
        match op {
            MdArrayOp::Ctor => {
                let lens = self.popn(rank)?;
                let mut total = self.iconst(types::I64, 1);
                let mut lens64 = Vec::with_capacity(rank);
                for l in lens {
                    let l = self.index64(l)?;
                    let neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, l, 0);
                    self.raise_if(neg, ExceptionKind::Overflow);
                    total = self.b.ins().imul(total, l);
                    let big = self.b.ins().icmp_imm_s(
                        IntCC::SignedGreaterThan,
                        total,
                        i64::from(i32::MAX),
                    );
                    self.raise_if(big, ExceptionKind::OutOfMemory);
                    lens64.push(l);
                }
                let bytes = self.b.ins().imul_imm_s(total, esize);
                // The lower bounds stay 0 (the allocator zeroes).
                let extra = i64::from(ARRAY_DATA_OFFSET) + 8 * rank as i64;
                let size = self.b.ins().iadd_imm_s(bytes, extra);
                let mtv = self.sym(Sym::MethodTable(t))?;
                let obj = self
                    .call_helper(
                        Helper::Alloc,
                        &[mtv, size],
                        &[types::I64, types::I64],
                        Some(types::I64),
                    )
                    .ok_or(ErrorKind::Codegen)?;
                let total32 = self.b.ins().ireduce(types::I32, total);
                self.b
                    .ins()
                    .store(flags(), total32, obj, ARRAY_LENGTH_OFFSET as i32);
                let dims = self.b.ins().iadd(obj, bytes);
                for (k, l) in lens64.into_iter().enumerate() {
                    let l32 = self.b.ins().ireduce(types::I32, l);
                    self.b
                        .ins()
                        .store(flags(), l32, dims, ARRAY_DATA_OFFSET as i32 + 4 * k as i32);
                }
                self.push(SKind::O, obj);
            }
            MdArrayOp::Get | MdArrayOp::Set | MdArrayOp::Address => {
                let value = if op == MdArrayOp::Set {
                    Some(self.pop()?)
                } else {
                    None
                };
                let idx = self.popn(rank)?;
                let arr = self.pop_obj()?;
                self.null_check(arr);
                let addr = self.md_element_addr(arr, &idx, esize)?;
                match (op, value) {
                    (MdArrayOp::Get, _) => {
                        let e = self.load_ty(elem, addr, 0)?;
                        self.stack.push(e);
                    }
                    (MdArrayOp::Set, Some(v)) => {
                        if elem.is_ref() {
                            // Array covariance (`object[,] m = new
                            // string[2, 2]`): checked as `stelem.ref` is.
                            if v.k != SKind::O {
                                return Err(ErrorKind::BadStackType);
                            }
                            self.call_helper(
                                Helper::StelemCheck,
                                &[arr, v.v],
                                &[types::I64, types::I64],
                                None,
                            );
                        }
                        self.store_ty(elem, addr, 0, v)?
                    }
                    _ => self.push(SKind::M, addr),
                }
            }
        }
        Ok(true)
    }

    fn index64(&mut self, e: Entry) -> R<Value> {
        match e.k {
            SKind::I4 => Ok(self.b.ins().sextend(types::I64, e.v)),
            SKind::N | SKind::I8 => Ok(e.v),
            _ => Err(ErrorKind::BadStackType),
        }
    }

    /// The address of element `idx` (row major), each index less its
    /// dimension's lower bound checked against its length
    /// (IndexOutOfRangeException).
    fn md_element_addr(&mut self, arr: Value, idx: &[Entry], esize: i64) -> R<Value> {
        let total = self
            .b
            .ins()
            .uload32(flags(), arr, ARRAY_LENGTH_OFFSET as i32);
        let bytes = self.b.ins().imul_imm_s(total, esize);
        let dims = self.b.ins().iadd(arr, bytes);
        let mut flat = self.iconst(types::I64, 0);
        for (k, e) in idx.iter().enumerate() {
            let i = self.index64(*e)?;
            let lower = self.b.ins().sload32(
                flags(),
                dims,
                ARRAY_DATA_OFFSET as i32 + 4 * (idx.len() + k) as i32,
            );
            let i = self.b.ins().isub(i, lower);
            let len = self
                .b
                .ins()
                .uload32(flags(), dims, ARRAY_DATA_OFFSET as i32 + 4 * k as i32);
            let out = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
            self.raise_if(out, ExceptionKind::IndexOutOfRange);
            let scaled = self.b.ins().imul(flat, len);
            flat = self.b.ins().iadd(scaled, i);
        }
        let off = self.b.ins().imul_imm_s(flat, esize);
        let a = self.b.ins().iadd(arr, off);
        Ok(self.b.ins().iadd_imm_s(a, i64::from(ARRAY_DATA_OFFSET)))
    }
}
