//! The up-front compile: what a driver host compiles before any of its
//! managed code runs, so that a code image taken then covers the driver's
//! start and its I/O loop (docs/driverhost.md). One rule, used both by
//! the driver host at its start and by the ahead-of-time image build
//! (`driverhost-image`), so that the image built ahead of time is the one
//! the driver host would have made.

use super::Runtime;
use crate::types::{AsmId, MethodId, MethodKind};

impl Runtime {
    /// Compile every method with IL of `asms`, then every IL method that
    /// something compiled already refers to (it has an indirection cell:
    /// a direct callee, a `ldftn` target, a vtable slot of a type whose
    /// method table exists) and the static constructor of every type
    /// loaded, until nothing new compiles: the corlib methods and
    /// generic instantiations the DDK and the driver use. Only compiled,
    /// never run; code that does not compile is left to fail when first
    /// called. `between` runs after each method (the driver host answers
    /// requests there). Returns how many methods compiled and how many
    /// did not. The code is installed in one piece at the end
    /// (`staged.rs`).
    pub fn compile_up_front(&mut self, asms: &[AsmId], between: &mut dyn FnMut()) -> (u64, u64) {
        let before = self.stats.methods;
        let mut failed = self.stage_assemblies(asms, between);
        let mut tried = alloc::collections::BTreeSet::new();
        loop {
            let round = self.stats.methods;
            for i in 0..self.types.methods.len() {
                let m = MethodId(i as u32);
                let info = self.types.method(m);
                // A static constructor runs on the first use of its type,
                // reached through no cell.
                let wanted =
                    (info.cell != 0 || info.name == ".cctor") && !self.is_array_interface_method(m);
                if wanted && info.kind == MethodKind::Il && tried.insert(m) {
                    if self.compile(m) {
                        failed += 1;
                    }
                    between();
                }
            }
            if self.stats.methods == round {
                failed += self.install_stage();
                return (self.stats.methods - before, failed);
            }
        }
    }

    /// The first part of [`Self::compile_up_front`] alone: every method
    /// with IL of `asms`, nothing they refer to. For a runtime whose code
    /// no image will keep (a fault-injection run), what it needs to answer
    /// promptly; the rest compiles when first called.
    pub fn compile_assemblies(&mut self, asms: &[AsmId], between: &mut dyn FnMut()) -> (u64, u64) {
        let before = self.stats.methods;
        let failed = self.stage_assemblies(asms, between) + self.install_stage();
        (self.stats.methods - before, failed)
    }

    /// Install what is staged; how many methods that failed for (they
    /// stay at their stubs and compile when first called).
    fn install_stage(&mut self) -> u64 {
        let staged = self.stage.len() as u64;
        if self.install_staged().is_err() {
            staged
        } else {
            0
        }
    }

    /// Stage every method with IL of `asms`; how many failed to compile.
    fn stage_assemblies(&mut self, asms: &[AsmId], between: &mut dyn FnMut()) -> u64 {
        let mut failed = 0u64;
        for &asm in asms {
            let types = self
                .types
                .image(asm)
                .tables()
                .row_count(crate::metadata::TableId::TypeDef);
            for rid in 1..=types {
                let Ok(t) = self.types.type_def(asm, rid) else {
                    continue;
                };
                for m in self.types.ty(t).methods.clone() {
                    if self.types.method(m).kind == MethodKind::Il && self.compile(m) {
                        failed += 1;
                    }
                    between();
                }
            }
        }
        failed
    }

    /// Whether `m` is one of the methods by which a `T[]` implements the
    /// generic collection interfaces (`SZArrayHelper<T>`'s, types/
    /// array_interfaces.rs). Every array type's method table gives them
    /// cells, a dozen per element type, but code reaches them only by
    /// walking an array as an `IList<T>`/`IEnumerable<T>`, which compiled
    /// code's references do not show; left out of the closure (they
    /// doubled it, and with it the import a restart pays for), they
    /// compile when first called, like any method the closure misses.
    fn is_array_interface_method(&self, m: MethodId) -> bool {
        let owner = self.types.ty(self.types.method(m).owner);
        owner.generic_def.is_some_and(|d| {
            let d = self.types.ty(d);
            d.asm == self.types.corlib() && d.name == "SZArrayHelper`1"
        })
    }

    /// Compile `m` (staged) if it is not compiled; whether that failed.
    fn compile(&mut self, m: MethodId) -> bool {
        self.compile_staged(m).is_err()
    }
}
