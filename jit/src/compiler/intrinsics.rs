//! Intrinsics: InternalCalls the compiler expands inline instead of
//! calling. The embedder names them to the runtime
//! (`runtime::externals::Externals::register_intrinsic`), which answers
//! [`super::env::CompileEnv::intrinsic`]; the driver host does so for the
//! managed DDK's device accesses, so an MMIO or DMA register access on the
//! I/O path is one machine load or store, not a call into Rust.
//!
//! - `Load(bits)(long address)` -> `int` (8/16/32 bits, zero-extended) or
//!   `long` (64): one load of exactly that width.
//! - `Store(bits)(long address, int|long value)`: one store of that width.
//! - `Fence()`: `mfence`: every earlier memory access before every later one.
//!
//! "Volatile" here means: exactly one access of the given width, in program
//! order with the method's other memory operations and calls. Cranelift
//! keeps loads and stores in order and never merges a store; it may reuse a
//! *load* of the same address value with no store, call or fence in
//! between, which the DDK never emits (each access is its own method call
//! through `MmioRegion`/`DmaBuffer`, and the address is recomputed).
//! Alignment is the caller's (the DDK checks it); no trap metadata is set,
//! so a bad address faults like any other load.

use alloc::vec::Vec;
use cranelift_codegen::ir::{InstBuilder, types};

use super::ErrorKind;
use super::func::{R, Tr, flags};
use super::stack::{Entry, SKind};
use crate::abi::Intrinsic;
use crate::types::{MethodId, MethodSigTy};

impl Tr<'_, '_> {
    /// The intrinsic `m` is registered as, if any.
    pub(super) fn intrinsic(&self, m: MethodId) -> Option<Intrinsic> {
        self.env.intrinsic(m)
    }

    /// Emits `k` inline in place of a call of a static method with
    /// signature `sig` and arguments `args`.
    pub(super) fn expand_intrinsic(
        &mut self,
        k: Intrinsic,
        sig: &MethodSigTy,
        args: &[Entry],
    ) -> R<()> {
        if sig.has_this || args.len() != sig.params.len() {
            return Err(ErrorKind::BadStackType);
        }
        let mut vals = Vec::new();
        for (e, ty) in args.iter().zip(&sig.params) {
            vals.push(self.coerce(*e, *ty)?);
        }
        self.intrinsics += 1;
        let flags = flags();
        let arg = |i: usize| vals.get(i).copied().ok_or(ErrorKind::BadStackType);
        match k {
            Intrinsic::Load(bits) => {
                let addr = arg(0)?;
                let (ty, kind) = width(bits)?;
                let v = self.b.ins().load(ty, flags, addr, 0);
                match bits {
                    64 => self.push(SKind::I8, v),
                    32 => self.push(SKind::I4, v),
                    _ => {
                        let w = self.b.ins().uextend(types::I32, v);
                        self.push(kind, w)
                    }
                }
            }
            Intrinsic::Store(bits) => {
                let (addr, value) = (arg(0)?, arg(1)?);
                let (ty, _) = width(bits)?;
                let have = self.b.func.dfg.value_type(value);
                let v = if have.bits() > ty.bits() {
                    self.b.ins().ireduce(ty, value)
                } else {
                    value
                };
                self.b.ins().store(flags, v, addr, 0);
            }
            Intrinsic::Fence => {
                self.b.ins().fence();
            }
        }
        Ok(())
    }
}

fn width(bits: u8) -> R<(types::Type, SKind)> {
    Ok(match bits {
        8 => (types::I8, SKind::I4),
        16 => (types::I16, SKind::I4),
        32 => (types::I32, SKind::I4),
        64 => (types::I64, SKind::I8),
        _ => return Err(ErrorKind::UnsupportedInternalCall),
    })
}
