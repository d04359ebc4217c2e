//! Object allocation: the one place the compiler emits an allocation,
//! with the inline fast paths the runtime offers (a nursery bump or a
//! free-list pop) in front of the helper call, whose path is kept cold so
//! that the fast path stays compact in the code around it.

use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, Value, condcodes::IntCC, types};

use super::env::NurseryFast;
use super::error::ErrorKind;
use super::func::{R, Tr, flags};
use super::symbols::Sym;
use crate::abi::Helper;
use crate::types::TypeId;

impl Tr<'_, '_> {
    /// A new object of `size` bytes with method table `mt`: the one place the
    /// compiler emits an allocation (the runtime contract's single helper).
    ///
    /// When the runtime offers an inline path for the size
    /// ([`CompileEnv::alloc_fast_path`]), the common case pops a free cell
    /// inline and only an exhausted budget or an empty free list calls the
    /// helper (which may collect).
    pub fn alloc_object(&mut self, t: TypeId, size: u32) -> Result<Value, ErrorKind> {
        if let Some(n) = self.env.nursery_fast_path(size) {
            return self.alloc_young(t, size, n);
        }
        let Some(fast) = self.env.alloc_fast_path(size) else {
            return self.alloc_call(t, size);
        };
        let (take, slow, done, obj) = self.alloc_blocks();
        // budget -= cell, unless that goes below zero.
        let budget_at = self.sym_known(Sym::AllocBudget, fast.budget);
        let budget = self.b.ins().load(types::I64, flags(), budget_at, 0);
        let left = self.b.ins().iadd_imm_s(budget, -i64::from(fast.cell));
        let over = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, left, 0);
        let head_at = self.sym_known(Sym::AllocFreeList(size), fast.free_list);
        let head = self.b.ins().load(types::I64, flags(), head_at, 0);
        let empty = self.b.ins().icmp_imm_s(IntCC::Equal, head, 0);
        let go_slow = self.b.ins().bor(over, empty);
        self.b.ins().brif(go_slow, slow, &[], take, &[]);
        // Pop the head: link out, link word cleared, method table in.
        self.b.switch_to_block(take);
        let next = self.b.ins().load(types::I64, flags(), head, 8);
        self.b.ins().store(flags(), next, head_at, 0);
        let zero = self.iconst(types::I64, 0);
        self.b.ins().store(flags(), zero, head, 8);
        let mtv = self.sym(Sym::MethodTable(t))?;
        self.b.ins().store(flags(), mtv, head, 0);
        self.b.ins().store(flags(), left, budget_at, 0);
        self.b.ins().jump(done, &[BlockArg::Value(head)]);
        self.alloc_slow_path(slow, done, t, size)?;
        Ok(obj)
    }

    /// Inline bump allocation in the nursery (`CompileEnv::nursery_fast_path`):
    /// bump the pointer unless that passes the fragment's end, write the
    /// record's size word and the method table; else the helper.
    fn alloc_young(&mut self, t: TypeId, size: u32, n: NurseryFast) -> Result<Value, ErrorKind> {
        let (take, slow, done, obj) = self.alloc_blocks();
        let bump_at = self.sym_known(Sym::NurseryBump, n.bump);
        let p = self.b.ins().load(types::I64, flags(), bump_at, 0);
        let np = self.b.ins().iadd_imm_s(p, i64::from(n.record));
        let limit_at = self.sym_known(Sym::NurseryLimit, n.limit);
        let limit = self.b.ins().load(types::I64, flags(), limit_at, 0);
        let over = self.b.ins().icmp(IntCC::UnsignedGreaterThan, np, limit);
        self.b.ins().brif(over, slow, &[], take, &[]);
        self.b.switch_to_block(take);
        self.b.ins().store(flags(), np, bump_at, 0);
        let rec = self.iconst(types::I64, i64::from(n.record));
        self.b.ins().store(flags(), rec, p, 0);
        let mtv = self.sym(Sym::MethodTable(t))?;
        self.b.ins().store(flags(), mtv, p, 8);
        let o = self.b.ins().iadd_imm_s(p, 8);
        self.b.ins().jump(done, &[BlockArg::Value(o)]);
        self.alloc_slow_path(slow, done, t, size)?;
        Ok(obj)
    }

    /// The blocks of an inline path: the fast path (`take`), the helper
    /// call (`slow`, cold) and the join, whose parameter is the object.
    fn alloc_blocks(&mut self) -> (Block, Block, Block, Value) {
        let take = self.b.create_block();
        let slow = self.b.create_block();
        let done = self.b.create_block();
        self.b.set_cold_block(slow);
        let obj = self.b.append_block_param(done, types::I64);
        (take, slow, done, obj)
    }

    /// Fills `slow` with the helper call (everything after it cold too:
    /// `rest_is_cold`) and continues at the join `done`.
    fn alloc_slow_path(&mut self, slow: Block, done: Block, t: TypeId, size: u32) -> R<()> {
        self.b.switch_to_block(slow);
        let r = self.alloc_call(t, size)?;
        self.rest_is_cold();
        self.b.ins().jump(done, &[BlockArg::Value(r)]);
        self.b.switch_to_block(done);
        Ok(())
    }

    /// The allocation helper call.
    fn alloc_call(&mut self, t: TypeId, size: u32) -> Result<Value, ErrorKind> {
        let mtv = self.sym(Sym::MethodTable(t))?;
        let sz = self.iconst(types::I64, i64::from(size));
        self.call_helper(
            Helper::Alloc,
            &[mtv, sz],
            &[types::I64, types::I64],
            Some(types::I64),
        )
        .ok_or(ErrorKind::Codegen)
    }
}
