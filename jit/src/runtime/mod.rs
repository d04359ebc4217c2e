//! The runtime the compiled code runs against: method tables, indirection
//! cells and stubs, the allocator, interned strings, `Type` objects, static
//! constructors and the escape path for exceptions.
//!
//! The JIT's contract with it (see `docs/jit.md`):
//! * all allocation goes through [`Runtime::alloc`] (reached from code via
//!   the `rt_alloc` / `rt_new_array` / `rt_alloc_string` helpers);
//! * every reference store the compiler emits goes through one emission
//!   point, `compiler::barrier::emit_ref_store`, which calls [`Runtime::barrier`]
//!   when one is installed;
//! * executable memory comes from a [`CodeMemory`] (W^X).
//! * the compiler sees the runtime only through
//!   [`crate::compiler::env::CompileEnv`], implemented in `compile_env.rs`.

mod arrays;
mod asm;
mod clone;
mod compile_env;
mod exceptions;
pub mod externals;
mod first_pass;
mod float_format;
mod gc;
mod generic_virtual;
pub mod helpers;
pub mod image;
mod lazy;
mod math;
mod md_arrays;
mod objects;
mod stack_trace;
mod staged;
mod upfront;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use crate::codemem::CodeMemory;
use crate::compiler::eh_table::EhClause;
use crate::compiler::{CompileError, FilterFrame, IlMap, Jit, JitOptions};
use crate::types::{MethodId, MethodKind, TypeId, TypeSystem};

pub use asm::Protected;
pub use exceptions::ExceptionKind;
pub use gc::GcStats;
pub use objects::{MT_PARENT, MT_TYPE_ID, MT_VTABLE};

/// Why a protected call ended early.
#[derive(Clone, Debug)]
pub enum Escape {
    /// A managed exception object was thrown and not caught.
    Exception(usize),
    /// A lazily compiled callee failed to compile.
    Unsupported(CompileError),
}

/// An indirection cell: every call to a method loads its code address from
/// here. It starts at the method's stub and is set once the method is compiled.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Cell {
    /// Address to call.
    pub code: usize,
}

const CELLS_PER_CHUNK: usize = 256;

/// Counters for benchmarks and tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Methods compiled.
    pub methods: u64,
    /// IL bytes compiled.
    pub il_bytes: u64,
    /// Machine code bytes emitted.
    pub code_bytes: u64,
    /// Calls expanded inline as intrinsics (`runtime::externals`).
    pub intrinsics: u64,
    /// Of `methods`, those installed from a code image, not compiled.
    pub imported: u64,
}

/// One compiled method's code range.
#[derive(Clone, Debug)]
pub struct CodeRange {
    /// Start address.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
    /// The method.
    pub method: MethodId,
    /// Native offset (from `start`) -> IL offset.
    pub il_map: IlMap,
    /// Where the references are at each call, by return address offset.
    pub stack_maps: Vec<crate::compiler::stackmaps::StackMap>,
}

/// Where a machine-code address is in managed code (fault reports name
/// "method + IL offset").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeLocation {
    /// The method whose code contains the address.
    pub method: MethodId,
    /// The IL instruction the code came from; `None` for code of no single
    /// instruction (prologue, local zeroing, shared exception dispatch).
    pub il_offset: Option<u32>,
}

/// Told about every method as soon as its code is installed (the driver
/// host records its code map for fault reports, docs/driverhost.md).
pub trait CodeListener {
    /// `range` (of method `range.method`) was installed; `rt` is the runtime
    /// (for names and IL bodies).
    fn compiled(&mut self, rt: &Runtime, range: &CodeRange);
}

/// [`Runtime::set_options`] after code was compiled: options are part of
/// what compiled code depends on, so they are fixed before the first compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionsFixed;

/// The runtime state. There is one per driver host (or test process); the
/// helpers compiled code calls find it through [`current`].
pub struct Runtime {
    /// The type system.
    pub types: TypeSystem,
    /// Write-barrier helper (`extern "C" fn(slot: usize, value: usize)`);
    /// `None` makes the barrier an inline no-op.
    pub barrier: Option<usize>,
    /// Counters.
    pub stats: Stats,
    /// Compiled code ranges, in compile order.
    pub code_ranges: Vec<CodeRange>,
    /// Keep the machine code of each compiled method (disassembly tests).
    pub keep_code: bool,
    /// The kept machine code, by method.
    pub kept_code: BTreeMap<MethodId, Vec<u8>>,
    /// InternalCall bodies the embedder registered (the driver host's DDK).
    pub externals: externals::Externals,
    code: Box<dyn CodeMemory>,
    jit: Option<Jit>,
    options: JitOptions,
    listener: Option<Box<dyn CodeListener>>,
    #[allow(
        clippy::vec_box,
        reason = "cells must not move: compiled code embeds their addresses"
    )]
    cells: Vec<Box<[Cell; CELLS_PER_CHUNK]>>,
    cell_count: usize,
    stub_batches: BTreeMap<usize, usize>,
    strings: BTreeMap<(u16, u32), usize>,
    type_objects: BTreeMap<TypeId, usize>,
    cctor_flags: BTreeMap<TypeId, usize>,
    unboxing_cells: BTreeMap<MethodId, usize>,
    saved_sp: usize,
    pending: Option<Escape>,
    /// The exception in flight (0: none). Compiled code reads it after every
    /// call that may throw and branches to its dispatch block when it is set
    /// (docs/jit.md, "Exception handling"); boxed so its address, which the
    /// code embeds, never moves.
    in_flight: Box<AtomicUsize>,
    gc: gc::Gc,
    /// Code range start -> index in `code_ranges` (the collector's frame
    /// walk maps return addresses to methods).
    range_index: BTreeMap<usize, usize>,
    /// The managed stack trace of the exception `trace_of`, innermost frame
    /// first, recorded when it was thrown (`throw` or a runtime exception).
    trace: Vec<CodeLocation>,
    trace_of: usize,
    /// The EH clauses of every compiled method that has any (the first
    /// pass reads its callers' clauses).
    eh_tables: BTreeMap<MethodId, Vec<EhClause>>,
    /// Methods with filters: where their funclets find their variables.
    filter_frames: BTreeMap<MethodId, FilterFrame>,
    /// Compiled filter funclets, by method and clause.
    funclets: BTreeMap<(MethodId, usize), usize>,
    /// First-pass records of exceptions being dispatched (`first_pass.rs`).
    first_pass: Vec<first_pass::Record>,
    /// Types whose static constructor threw, with the
    /// TypeInitializationException every access throws (kept for good: a
    /// collector must treat these as roots).
    failed_cctors: BTreeMap<TypeId, usize>,
    /// What a code image needs of each compiled method besides its code
    /// range (`image`): only methods whose code may be kept.
    image_parts: BTreeMap<MethodId, image::Part>,
    /// Code compiled up front and not installed yet (`staged.rs`).
    stage: staged::Stage,
}

/// Most frames a recorded stack trace keeps.
pub const TRACE_FRAMES: usize = 64;

static CURRENT: AtomicPtr<Runtime> = AtomicPtr::new(core::ptr::null_mut());

/// The runtime the currently running managed code belongs to.
pub(crate) fn current() -> &'static mut Runtime {
    let p = CURRENT.load(Ordering::Relaxed);
    assert!(
        !p.is_null(),
        "managed code ran outside Runtime::call_protected"
    );
    // SAFETY: CURRENT is set by `call_protected` to a live, boxed Runtime for
    // the duration of the managed call; managed code is single-threaded and
    // the Rust caller does not touch the runtime until the call returns.
    unsafe { &mut *p }
}

/// Errors creating a runtime.
#[derive(Clone, Debug)]
pub enum RuntimeError {
    /// Cranelift could not be set up for this machine.
    Isa,
    /// Loading failed.
    Type(crate::types::TypeError),
}

impl Runtime {
    /// A runtime with the corlib `corlib` loaded.
    pub fn new(
        corlib: &'static [u8],
        code: Box<dyn CodeMemory>,
    ) -> Result<Box<Self>, RuntimeError> {
        let mut types = TypeSystem::new();
        types.load(corlib).map_err(RuntimeError::Type)?;
        Ok(Box::new(Self {
            types,
            barrier: None,
            stats: Stats::default(),
            code_ranges: Vec::new(),
            keep_code: false,
            kept_code: BTreeMap::new(),
            externals: externals::Externals::default(),
            code,
            jit: Some(Jit::new().map_err(|_| RuntimeError::Isa)?),
            options: JitOptions::default(),
            listener: None,
            cells: Vec::new(),
            cell_count: 0,
            stub_batches: BTreeMap::new(),
            strings: BTreeMap::new(),
            type_objects: BTreeMap::new(),
            cctor_flags: BTreeMap::new(),
            unboxing_cells: BTreeMap::new(),
            saved_sp: 0,
            pending: None,
            in_flight: Box::new(AtomicUsize::new(0)),
            gc: gc::Gc::default(),
            range_index: BTreeMap::new(),
            trace: Vec::new(),
            trace_of: 0,
            eh_tables: BTreeMap::new(),
            filter_frames: BTreeMap::new(),
            funclets: BTreeMap::new(),
            first_pass: Vec::new(),
            failed_cctors: BTreeMap::new(),
            image_parts: BTreeMap::new(),
            stage: staged::Stage::default(),
        }))
    }

    /// The compiler options of this runtime.
    pub fn options(&self) -> JitOptions {
        self.options
    }

    /// Set the compiler options; only before anything is compiled (code is
    /// keyed by runtime and method, and every method of a runtime must come
    /// from the same options).
    pub fn set_options(&mut self, options: JitOptions) -> Result<(), OptionsFixed> {
        if !self.code_ranges.is_empty() || !self.stage.is_empty() {
            return Err(OptionsFixed);
        }
        self.options = options;
        Ok(())
    }

    /// Install `l` to be told about every method compiled from now on.
    pub fn set_code_listener(&mut self, l: Box<dyn CodeListener>) {
        self.listener = Some(l);
    }

    /// The address of `m`'s indirection cell, creating it (pointing at the
    /// method's stub, or at the runtime's implementation) on first use.
    pub fn cell(&mut self, m: MethodId) -> Result<usize, CompileError> {
        let existing = self.types.method(m).cell;
        if existing != 0 {
            return Ok(existing);
        }
        let target = match self.types.method(m).kind {
            MethodKind::Runtime => match helpers::internal_call(self, m) {
                Some(addr) => addr,
                None => self.stub(m)?,
            },
            _ => self.stub(m)?,
        };
        let addr = self.new_cell(target);
        self.types.methods[m.0 as usize].cell = addr;
        Ok(addr)
    }

    /// A new cell holding `target`, at a stable address.
    pub(crate) fn new_cell(&mut self, target: usize) -> usize {
        let chunk = self.cell_count / CELLS_PER_CHUNK;
        if chunk == self.cells.len() {
            self.cells
                .push(Box::new([Cell::default(); CELLS_PER_CHUNK]));
        }
        let cell = &mut self.cells[chunk][self.cell_count % CELLS_PER_CHUNK];
        cell.code = target;
        self.cell_count += 1;
        cell as *mut Cell as usize
    }

    fn stub(&mut self, m: MethodId) -> Result<usize, CompileError> {
        let batch = m.0 as usize / lazy::STUBS_PER_BATCH;
        let base = match self.stub_batches.get(&batch) {
            Some(&b) => b,
            None => {
                let tramp = asm::cordon_compile_trampoline as *const () as usize;
                let mut bytes = Vec::with_capacity(lazy::STUB_SIZE * lazy::STUBS_PER_BATCH);
                for i in 0..lazy::STUBS_PER_BATCH {
                    let mut s = [0u8; lazy::STUB_SIZE];
                    lazy::stub_bytes((batch * lazy::STUBS_PER_BATCH + i) as u32, tramp, &mut s);
                    bytes.extend_from_slice(&s);
                }
                let b = self.code.install(&bytes).map_err(|e| {
                    CompileError::runtime(m, crate::compiler::ErrorKind::CodeMemory(e))
                })? as usize;
                self.stub_batches.insert(batch, b);
                b
            }
        };
        Ok(base + (m.0 as usize % lazy::STUBS_PER_BATCH) * lazy::STUB_SIZE)
    }

    /// Compile `m` now (if it is not compiled yet) and return its code address.
    pub fn compile_method(&mut self, m: MethodId) -> Result<usize, CompileError> {
        if self.stage.holds(m) {
            self.install_staged()?;
        }
        let cell = self.cell(m)?;
        // SAFETY: `cell` is the address of a live Cell owned by self.cells.
        let code = unsafe { (*(cell as *const Cell)).code };
        if !self.is_stub(code) {
            return Ok(code);
        }
        let compiled = self.compile_code(m)?;
        let addr = self.install(m, compiled)?;
        // SAFETY: as above; the cell is plain data the runtime owns.
        unsafe { (*(cell as *mut Cell)).code = addr };
        Ok(addr)
    }

    /// Compile `m` and keep what the runtime needs of it besides its code
    /// range: EH clauses, filter frame, image part, the code for tests.
    fn compile_code(&mut self, m: MethodId) -> Result<crate::compiler::Compiled, CompileError> {
        let mut jit = self.jit.take().ok_or(CompileError::runtime(
            m,
            crate::compiler::ErrorKind::Reentrant,
        ))?;
        let result = jit.compile(self, m);
        self.jit = Some(jit);
        let compiled = result?;
        if !compiled.eh.is_empty() {
            self.eh_tables.insert(m, compiled.eh.clone());
        }
        if let Some(f) = &compiled.frame {
            self.filter_frames.insert(m, f.clone());
        }
        if compiled.keepable {
            let part = image::Part {
                code: image::unpatched(&compiled.code, &compiled.relocs),
                syms: compiled.syms.clone(),
                relocs: compiled.relocs.clone(),
                il_len: compiled.il_len as u32,
                intrinsics: compiled.intrinsics,
            };
            self.image_parts.insert(m, part);
        }
        if self.keep_code {
            self.kept_code.insert(m, compiled.code.clone());
        }
        Ok(compiled)
    }

    /// Compile the filter of `m`'s clause `k` as a funclet (`m` is
    /// compiled and its frame is `frame`); its code range is `m`'s too, so
    /// fault reports and stack traces name the method and the filter's IL.
    fn compile_funclet(
        &mut self,
        m: MethodId,
        k: usize,
        frame: FilterFrame,
    ) -> Result<usize, CompileError> {
        let mut jit = self.jit.take().ok_or(CompileError::runtime(
            m,
            crate::compiler::ErrorKind::Reentrant,
        ))?;
        let result = jit.compile_filter(self, m, k, frame);
        self.jit = Some(jit);
        let mut compiled = result?;
        // The method's IL was counted when the method was compiled.
        compiled.il_len = 0;
        self.install(m, compiled)
    }

    /// Put compiled code in executable memory and record its range.
    fn install(
        &mut self,
        m: MethodId,
        compiled: crate::compiler::Compiled,
    ) -> Result<usize, CompileError> {
        let addr = self
            .code
            .install(&compiled.code)
            .map_err(|e| CompileError::runtime(m, crate::compiler::ErrorKind::CodeMemory(e)))?
            as usize;
        self.count_code(compiled.il_len, compiled.code.len(), compiled.intrinsics);
        self.record_range(m, addr, compiled);
        Ok(addr)
    }

    /// Count a compiled method in the statistics.
    fn count_code(&mut self, il_len: usize, len: usize, intrinsics: u32) {
        self.stats.methods += 1;
        self.stats.il_bytes += il_len as u64;
        self.stats.code_bytes += len as u64;
        self.stats.intrinsics += u64::from(intrinsics);
    }

    /// Record the range of `compiled`, installed at `addr`.
    fn record_range(&mut self, m: MethodId, addr: usize, compiled: crate::compiler::Compiled) {
        let crate::compiler::Compiled {
            code,
            il_map,
            stack_maps,
            ..
        } = compiled;
        self.push_range(m, addr, code.len(), il_map, stack_maps);
    }

    /// Record method `m`'s code, installed at `addr` (`len` bytes): its
    /// range for fault reports, stack traces and the collector's frame
    /// walk, the statistics, and the code listener.
    #[allow(clippy::too_many_arguments, reason = "the parts of a Compiled, moved")]
    fn record_code(
        &mut self,
        m: MethodId,
        addr: usize,
        len: usize,
        il_len: usize,
        il_map: IlMap,
        intrinsics: u32,
        stack_maps: Vec<crate::compiler::stackmaps::StackMap>,
    ) {
        self.count_code(il_len, len, intrinsics);
        self.push_range(m, addr, len, il_map, stack_maps);
    }

    /// Record `m`'s code range (`len` bytes at `addr`) for fault reports,
    /// stack traces and the collector's frame walk, and tell the code
    /// listener.
    fn push_range(
        &mut self,
        m: MethodId,
        addr: usize,
        len: usize,
        il_map: IlMap,
        stack_maps: Vec<crate::compiler::stackmaps::StackMap>,
    ) {
        self.range_index.insert(addr, self.code_ranges.len());
        self.code_ranges.push(CodeRange {
            start: addr,
            len,
            method: m,
            il_map,
            stack_maps,
        });
        if let Some(mut l) = self.listener.take() {
            if let Some(r) = self.code_ranges.last() {
                l.compiled(self, r);
            }
            self.listener = Some(l);
        }
    }

    fn is_stub(&self, code: usize) -> bool {
        self.stub_batches
            .values()
            .any(|&b| code >= b && code < b + lazy::STUB_SIZE * lazy::STUBS_PER_BATCH)
    }

    /// The method whose compiled code contains `addr`, and the IL offset
    /// of the instruction it belongs to (fault reports). For a faulting
    /// instruction pass its own address; for a return address found in a
    /// frame pass `addr - 1`, which lies in the call instruction.
    pub fn method_at(&self, addr: usize) -> Option<CodeLocation> {
        let r = self
            .code_ranges
            .iter()
            .find(|r| addr >= r.start && addr - r.start < r.len)?;
        let off = u32::try_from(addr - r.start).ok()?;
        Some(CodeLocation {
            method: r.method,
            il_offset: r.il_map.il_offset(off),
        })
    }

    /// Record the managed stack trace of the exception now in flight, from
    /// the thrower's return address `ret` (into its code) and frame pointer
    /// `fp`. Cranelift keeps frame pointers (`preserve_frame_pointers`), so
    /// a managed frame at `fp` holds its caller's frame pointer at `[fp]`
    /// and the return address into the caller at `[fp + 8]`. The walk stops
    /// at the first return address outside compiled code (the protected
    /// call, a Rust InternalCall) before following that frame's pointer.
    pub(crate) fn record_trace(&mut self, mut ret: usize, mut fp: usize) {
        self.trace.clear();
        self.trace_of = self.in_flight();
        while self.trace.len() < TRACE_FRAMES {
            let Some(loc) = self.method_at(ret.wrapping_sub(1)) else {
                break;
            };
            self.trace.push(loc);
            if fp == 0 || fp % 8 != 0 {
                break;
            }
            // SAFETY: `fp` is the frame pointer of a compiled method's live
            // frame (the thrower, or a caller whose return address we just
            // found in compiled code): its first two words are the saved
            // frame pointer and the return address.
            let (next_fp, next_ret) =
                unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
            // Callers' frames are higher on the stack; anything else is not
            // a frame chain.
            if next_fp <= fp {
                break;
            }
            ret = next_ret;
            fp = next_fp;
        }
    }

    /// The managed stack trace (innermost first) recorded when `exception`
    /// was thrown; empty if it was not thrown by `throw` or a runtime check
    /// (e.g. one a helper raised), or another exception was thrown since.
    pub fn exception_trace(&self, exception: usize) -> &[CodeLocation] {
        if exception != 0 && exception == self.trace_of {
            &self.trace
        } else {
            &[]
        }
    }

    /// The IL mnemonics of `m`'s body by offset, sorted (fault reports name
    /// the instruction at an IL offset). Empty if the body does not decode.
    pub fn il_mnemonics(&self, m: MethodId) -> Vec<(u32, &'static str)> {
        let info = self.types.method(m);
        let img = self.types.image(info.asm);
        let Ok(Some(body)) = img.method_body(info.rid) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ins in crate::metadata::IlReader::new(body.code) {
            match ins {
                Ok(i) => out.push((i.offset, i.opcode.mnemonic())),
                Err(_) => break,
            }
        }
        out
    }

    /// The IL mnemonic at `il` in `m`, if an instruction starts there.
    pub fn il_mnemonic_at(&self, m: MethodId, il: u32) -> Option<&'static str> {
        let ms = self.il_mnemonics(m);
        let i = ms.binary_search_by_key(&il, |(o, _)| *o).ok()?;
        ms.get(i).map(|(_, n)| *n)
    }

    /// The `Message` of exception object `obj` as the runtime can read it
    /// without running managed code: its `_message` field (`None` when null,
    /// as for the runtime's own exceptions, or when there is no such field).
    pub fn exception_message(&mut self, obj: usize) -> Option<alloc::string::String> {
        let t = objects::type_of(obj)?;
        let exc = self.types.corlib_type("Exception").ok()?;
        if !self.types.is_subclass(t, exc) {
            return None;
        }
        let off = self.exception_field_offset("_message")?;
        // SAFETY: obj is a live exception object (the caller got it from an
        // escape), an instance of System.Exception or a subclass, so its
        // `_message` field is at `off`.
        let s = unsafe { *((obj + off) as *const usize) };
        if s == 0 {
            return None;
        }
        // SAFETY: a non-null `_message` is a string object:
        // `[mt][int32 length][UTF-16 chars]`.
        let len = unsafe { *((s + objects::STRING_LENGTH_OFFSET) as *const u32) } as usize;
        let chars = s + objects::STRING_LENGTH_OFFSET + 4;
        let units = (0..len.min(1024))
            // SAFETY: within the string's `len` chars.
            .map(|i| unsafe { *((chars + 2 * i) as *const u16) });
        Some(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('?'))
                .collect(),
        )
    }

    /// The offset of `System.Exception`'s private field `name` in an
    /// exception object.
    pub(crate) fn exception_field_offset(&mut self, name: &str) -> Option<usize> {
        let exc = self.types.corlib_type("Exception").ok()?;
        self.types.ensure_layout(exc).ok()?;
        let f = self.types.find_field(exc, name)?;
        Some(self.types.field(f).offset as usize)
    }

    /// The address of the exception-in-flight word compiled code tests after
    /// calls (a `usize`: the exception object, or 0).
    pub fn in_flight_addr(&self) -> usize {
        &*self.in_flight as *const AtomicUsize as usize
    }

    /// The exception in flight, if any.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Make `obj` the exception in flight (runtime helpers do this, then
    /// return to compiled code, which dispatches on it).
    pub(crate) fn set_in_flight(&self, obj: usize) {
        self.in_flight.store(obj, Ordering::Relaxed);
    }

    /// Call `code` (an `extern "C" fn() -> u64` compiled by this runtime)
    /// so that an uncaught exception or a lazy compile error ends the call
    /// with an [`Escape`] instead of unwinding. An exception no managed
    /// frame caught arrives here with the in-flight word still set.
    ///
    /// # Safety
    /// `code` must be the address of a function compiled by this runtime
    /// that takes no arguments.
    pub unsafe fn call_protected(this: *mut Runtime, code: usize) -> Result<u64, Escape> {
        let prev = CURRENT.swap(this, Ordering::Relaxed);
        // SAFETY: `this` is live (caller's contract); we only touch plain fields.
        let saved = unsafe { (*this).saved_sp };
        // SAFETY: as above.
        let segments = unsafe { (*this).gc.segments.len() };
        // SAFETY: as above.
        let outer_exception = unsafe { (*this).in_flight.swap(0, Ordering::Relaxed) };
        // SAFETY: saved_sp is a field of the live runtime; the asm stores the
        // stack pointer there and `escape` reads it back while the frame of
        // cordon_call_protected is still live.
        let r = unsafe { asm::cordon_call_protected(code, &raw mut (*this).saved_sp) };
        // SAFETY: as above.
        let rt = unsafe { &mut *this };
        rt.saved_sp = saved;
        // An escape skips the helpers that recorded frames inside the call.
        rt.gc.segments.truncate(segments);
        CURRENT.store(prev, Ordering::Relaxed);
        let uncaught = rt.in_flight.swap(outer_exception, Ordering::Relaxed);
        if saved == 0 {
            // The outermost managed call ended: no dispatch is under way.
            rt.first_pass.clear();
        }
        let result = if r.escaped != 0 {
            Err(rt
                .pending
                .take()
                .unwrap_or(Escape::Exception(r.value as usize)))
        } else if uncaught != 0 {
            Err(Escape::Exception(uncaught))
        } else {
            Ok(r.value)
        };
        // The caller reads the exception (its message, its trace), maybe
        // by calling managed code again: keep it alive until the next one.
        if let Err(Escape::Exception(e)) = &result {
            rt.gc.escaped = *e;
        }
        result
    }

    /// End the current protected call with `e`.
    pub(crate) fn escape(rt: &mut Runtime, e: Escape) -> ! {
        let sp = rt.saved_sp;
        rt.pending = Some(e);
        assert!(sp != 0, "escape outside a protected call");
        // SAFETY: sp was saved by cordon_call_protected, whose frame is still
        // on the stack (we are running inside the call it made).
        unsafe { asm::cordon_escape(sp, 0) }
    }

    /// The `Namespace.Name` of the type of object `obj`.
    pub fn object_type_name(&self, obj: usize) -> alloc::string::String {
        match objects::type_of(obj) {
            Some(t) => self.types.type_name(t),
            None => "null".into(),
        }
    }

    /// The static-constructor state byte of `t` (0 = not run, 1 = running,
    /// 2 = done, 3 = threw), allocated on first use.
    pub fn cctor_flag(&mut self, t: TypeId) -> usize {
        *self
            .cctor_flags
            .entry(t)
            .or_insert_with(|| Box::leak(Box::new(0u8)) as *mut u8 as usize)
    }
}
