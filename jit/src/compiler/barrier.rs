//! THE write-barrier emission point. Every reference store the compiler
//! emits (stfld, stsfld, stelem.ref/stelem, stind.ref, stobj/cpobj and
//! struct copies into the heap, box payloads) calls [`Tr::emit_ref_store`];
//! nothing else writes a reference to memory that may be in the heap.
//!
//! Today the collector needs no barrier, so when the runtime has none
//! ([`super::env::CompileEnv::write_barrier`] is `None`) this is a plain
//! store. A runtime that installs a barrier helper gets a
//! call to it after every reference store (tests count them).

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
    }
}
