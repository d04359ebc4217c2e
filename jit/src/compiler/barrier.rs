//! THE write-barrier emission point. Every reference store the compiler
//! emits (stfld, stsfld, stelem.ref/stelem, stind.ref, stobj/cpobj and
//! struct copies into the heap, box payloads) calls [`Tr::emit_ref_store`];
//! nothing else writes a reference to memory that may be in the heap.
//!
//! A generational runtime ([`super::env::CompileEnv::remember_barrier`])
//! gets an inline filter after every reference store: when the value
//! stored is young (in the nursery) and the slot is not, a call records
//! the slot in the remembered set, so that a minor collection finds the
//! old-to-young reference (docs/gc.md, "Generations"). Stores of old
//! values, of null, and into young objects (initialising a fresh object)
//! take no call. The barrier is always compiled in when the runtime asks
//! for it; nothing is ever patched on or off.
//!
//! A runtime that installs a plain barrier helper
//! ([`super::env::CompileEnv::write_barrier`]) gets a call to it after
//! every reference store (tests count them). With neither this is a plain
//! store.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, Value, types};

use super::func::{Tr, flags};
use super::symbols::Sym;

impl Tr<'_, '_> {
    /// Store reference `v` at `addr + off`, then run the write barrier.
    pub fn emit_ref_store(&mut self, addr: Value, off: i32, v: Value) {
        self.b.ins().store(flags(), v, addr, off);
        if let Some(helper) = self.env.write_barrier() {
            let mut s = Signature::new(self.call_conv);
            s.params.push(AbiParam::new(types::I64));
            s.params.push(AbiParam::new(types::I64));
            let sig = self.b.import_signature(s);
            let slot = if off != 0 {
                self.b.ins().iadd_imm_s(addr, i64::from(off))
            } else {
                addr
            };
            let f = self.sym_known(Sym::WriteBarrier, helper);
            self.b.ins().call_indirect(sig, f, &[slot, v]);
        }
        if let Some(rb) = self.env.remember_barrier() {
            // young(v) && !young(slot): unsigned `x - base < len`.
            let base_at = self.sym_known(Sym::YoungBase, rb.young_base);
            let base = self.b.ins().load(types::I64, flags(), base_at, 0);
            let slot = if off != 0 {
                self.b.ins().iadd_imm_s(addr, i64::from(off))
            } else {
                addr
            };
            let vo = self.b.ins().isub(v, base);
            let so = self.b.ins().isub(slot, base);
            let len = i64::from(rb.young_len);
            let v_young = self.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, vo, len);
            let s_old = self
                .b
                .ins()
                .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, so, len);
            let both = self.b.ins().band(v_young, s_old);
            let record = self.b.create_block();
            let done = self.b.create_block();
            self.b.set_cold_block(record);
            self.b.ins().brif(both, record, &[], done, &[]);
            self.b.switch_to_block(record);
            let mut s = Signature::new(self.call_conv);
            s.params.push(AbiParam::new(types::I64));
            let sig = self.b.import_signature(s);
            let f = self.sym_known(Sym::Remember, rb.remember);
            self.b.ins().call_indirect(sig, f, &[slot]);
            self.b.ins().jump(done, &[]);
            self.b.switch_to_block(done);
        }
    }
}
