//! Staged installation: the code of an up-front compile (the driver
//! host's before any managed code runs, `cilrun --compile-all`) goes into
//! code memory in one piece when the compile ends, not one installation
//! per method as lazy compiles need.
//!
//! One installation means one mapping and one protection change for all
//! of it (a fresh mapping and an `mprotect` per method on the host, a
//! `MapAnon` and a `Protect` per method in ring 3), and the methods sit
//! next to each other at [`METHOD_ALIGN`] (as a code image installs them)
//! instead of a page each. W^X holds as for any installation: the staged
//! bytes are plain heap data until `CodeMemory::install` copies them and
//! makes them executable; nothing is written after that.
//!
//! A staged method is compiled but not callable: its cell still points at
//! its lazy stub and its code range is not recorded. Whoever needs its
//! code ([`Runtime::compile_method`], a call through the stub) installs
//! the whole stage first; the up-front compiles install it before they
//! return.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::{Cell, Runtime};
use crate::compiler::{CompileError, Compiled, ErrorKind};
use crate::types::MethodId;

/// Where each method's code starts when methods share code memory (a
/// stage here, an imported code image): a cache line, more than the 16
/// bytes Cranelift aligns a function's constants to relative to its start.
pub(super) const METHOD_ALIGN: usize = 64;

/// Code compiled but not yet installed.
#[derive(Default)]
pub(super) struct Stage {
    /// The methods' code, each at a multiple of [`METHOD_ALIGN`], with
    /// `int3` between them.
    code: Vec<u8>,
    /// What is recorded for each method once installed.
    methods: Vec<Staged>,
    /// The methods staged.
    held: BTreeSet<MethodId>,
}

struct Staged {
    m: MethodId,
    cell: usize,
    offset: usize,
    compiled: Compiled,
}

impl Stage {
    /// How many methods are staged.
    pub(super) fn len(&self) -> usize {
        self.methods.len()
    }

    /// Whether nothing is staged.
    pub(super) fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// Whether `m` is staged.
    pub(super) fn holds(&self, m: MethodId) -> bool {
        !self.held.is_empty() && self.held.contains(&m)
    }
}

impl Runtime {
    /// Compile `m` (if it is neither compiled nor staged) with its code
    /// staged, to be installed with the rest by [`Self::install_staged`].
    /// Until then the runtime counts it as compiled but has no code range
    /// for it: an embedder stages and installs within one up-front compile
    /// (as [`Self::compile_up_front`] and `testrun::compile_all` do).
    pub fn compile_staged(&mut self, m: MethodId) -> Result<(), CompileError> {
        let cell = self.cell(m)?;
        // SAFETY: `cell` is the address of a live Cell owned by self.cells.
        let code = unsafe { (*(cell as *const Cell)).code };
        if !self.is_stub(code) || self.stage.holds(m) {
            return Ok(());
        }
        let compiled = self.compile_code(m)?;
        self.count_code(compiled.il_len, compiled.code.len(), compiled.intrinsics);
        let offset = self.stage.code.len().next_multiple_of(METHOD_ALIGN);
        self.stage.code.resize(offset, 0xcc);
        self.stage.code.extend_from_slice(&compiled.code);
        self.stage.held.insert(m);
        self.stage.methods.push(Staged {
            m,
            cell,
            offset,
            compiled,
        });
        Ok(())
    }

    /// Install every staged method's code in one piece of code memory,
    /// record its ranges and point the methods' cells at it.
    pub fn install_staged(&mut self) -> Result<(), CompileError> {
        let Some(first) = self.stage.methods.first() else {
            return Ok(());
        };
        let m = first.m;
        let stage = core::mem::take(&mut self.stage);
        let base = self
            .code
            .install(&stage.code)
            .map_err(|e| CompileError::runtime(m, ErrorKind::CodeMemory(e)))?
            as usize;
        for s in stage.methods {
            let addr = base + s.offset;
            self.record_range(s.m, addr, s.compiled);
            // SAFETY: `s.cell` is the address of a live Cell owned by
            // self.cells; the cell is plain data the runtime owns.
            unsafe { (*(s.cell as *mut Cell)).code = addr };
        }
        Ok(())
    }
}
