//! The runtime as the compiler's environment: the one place where the
//! runtime answers the compiler's questions (`compiler/env.rs`).

use super::{Runtime, helpers};
use crate::abi::{CCTOR_DONE, Helper, Intrinsic};
use crate::compiler::env::CompileEnv;
use crate::compiler::{ErrorKind, JitOptions};
use crate::metadata::Token;
use crate::types::{AsmId, MethodId, TypeId, TypeSystem};

impl CompileEnv for Runtime {
    fn types(&self) -> &TypeSystem {
        &self.types
    }

    fn types_mut(&mut self) -> &mut TypeSystem {
        &mut self.types
    }

    fn options(&self) -> JitOptions {
        Runtime::options(self)
    }

    fn helper_addr(&self, h: Helper) -> usize {
        helpers::helper_addr(h)
    }

    fn in_flight_addr(&self) -> usize {
        Runtime::in_flight_addr(self)
    }

    fn write_barrier(&self) -> Option<usize> {
        self.barrier
    }

    fn method_cell(&mut self, m: MethodId) -> Result<usize, ErrorKind> {
        self.cell(m).map_err(|e| e.kind)
    }

    fn unboxing_cell(&mut self, m: MethodId) -> Result<usize, ErrorKind> {
        Runtime::unboxing_cell(self, m).map_err(|e| e.kind)
    }

    fn has_internal_call(&self, m: MethodId) -> bool {
        helpers::internal_call(self, m).is_some()
    }

    fn intrinsic(&self, m: MethodId) -> Option<Intrinsic> {
        if self.externals.is_empty() {
            return None;
        }
        let mi = self.types.method(m);
        let t = self.types.ty(mi.owner);
        self.externals.intrinsic(&t.namespace, &t.name, &mi.name)
    }

    fn method_table(&mut self, t: TypeId) -> Result<usize, ErrorKind> {
        Runtime::method_table(self, t).map_err(|e| e.kind)
    }

    fn cctor_state(&mut self, t: TypeId) -> Option<usize> {
        let flag = self.cctor_flag(t);
        // SAFETY: `flag` is the state byte of `t`, leaked by `cctor_flag`
        // and never freed; only this thread writes it.
        let ran = unsafe { *(flag as *const u8) } == CCTOR_DONE;
        (!ran).then_some(flag)
    }

    fn call_site_cache(&mut self) -> Result<usize, ErrorKind> {
        // Leaked like method tables: compiled code is never freed either.
        Ok(alloc::boxed::Box::leak(alloc::boxed::Box::new([0usize; 2])).as_mut_ptr() as usize)
    }

    fn alloc_fast_path(&self, size: u32) -> Option<crate::compiler::env::AllocFast> {
        self.gc.fast_path(size as usize)
    }

    fn nursery_fast_path(&self, size: u32) -> Option<crate::compiler::env::NurseryFast> {
        self.gc.nursery_fast_path(size as usize)
    }

    fn remember_barrier(&self) -> Option<crate::compiler::env::RememberBarrier> {
        self.gc.remember_barrier()
    }

    fn string_literal(&mut self, asm: AsmId, tok: Token) -> Result<usize, ErrorKind> {
        self.literal(asm, tok).map_err(|e| e.kind)
    }
}
