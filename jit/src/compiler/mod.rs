//! IL -> Cranelift IR -> x86-64, one method at a time.
//!
//! [`Jit::compile`] decodes the body, translates it with a type-tracked
//! evaluation stack (see [`stack`]) into a Cranelift function, and lets
//! Cranelift produce machine code whose only relocations are the runtime's
//! addresses and ids it refers to ([`symbols`]): every call target
//! (methods, runtime helpers) is an absolute address loaded from an
//! indirection cell or embedded as a relocated constant. The code comes
//! back patched for the runtime that compiled it, with the relocations
//! kept so that another runtime can patch a copy (`runtime/image`).
//!
//! Calling convention (System V x86-64 underneath, see docs/jit.md):
//! `[return buffer if the return type is a struct] [this] params...`;
//! structs of any size are passed as the address of a caller-owned copy and
//! returned through the return buffer; everything else in registers.

mod allocation;
mod barrier;
mod calls;
mod delegates;
mod eh;
pub mod eh_table;
pub mod env;
mod error;
mod func;
pub mod funclet;
mod generic_calls;
pub mod ilmap;
mod intrinsics;
mod liveness;
mod md_arrays;
mod memory;
mod nullable;
mod numeric;
mod objects;
mod opcodes;
pub mod options;
pub mod stack;
pub mod stackmaps;
pub mod symbols;

use alloc::vec::Vec;

use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;

pub use error::{CompileError, ErrorKind};
pub use funclet::FilterFrame;
pub use ilmap::IlMap;
pub use options::{Inject, JitOptions, UnknownInjection};

use crate::types::MethodId;
use env::CompileEnv;

/// The compiler: a Cranelift target and reusable contexts.
pub struct Jit {
    isa: OwnedTargetIsa,
    fctx: FunctionBuilderContext,
    ctx: Context,
}

/// A compiled method.
pub struct Compiled {
    /// Machine code, patched with the values in `syms`.
    pub code: Vec<u8>,
    /// The symbols the code refers to, with the values it was patched with.
    pub syms: Vec<(symbols::Sym, usize)>,
    /// Where the code refers to them.
    pub relocs: Vec<symbols::Reloc>,
    /// Whether the code may be kept in an image for another runtime: it
    /// depends on nothing but the assemblies and options (`func.rs`).
    pub keepable: bool,
    /// The IL size of the method.
    pub il_len: usize,
    /// Native offset -> IL offset.
    pub il_map: IlMap,
    /// The method's EH clauses (what the runtime's first pass reads).
    pub eh: Vec<eh_table::EhClause>,
    /// A method with filters: where its funclets find its variables.
    pub frame: Option<FilterFrame>,
    /// Calls expanded inline as intrinsics (the runtime counts them in
    /// its statistics when it installs the code).
    pub intrinsics: u32,
    /// Where the references are at each call (`stackmaps.rs`), by
    /// ascending return address.
    pub stack_maps: Vec<stackmaps::StackMap>,
}

/// Where compile time goes (the `compile-timing` feature, host only):
/// our translation from IL (with the type-system queries it makes) and
/// each of Cranelift's passes.
#[cfg(feature = "compile-timing")]
pub mod timing {
    use core::sync::atomic::{AtomicU64, Ordering};
    use core::time::Duration;

    static TRANSLATE_NS: AtomicU64 = AtomicU64::new(0);

    pub(super) fn add_translate(d: Duration) {
        TRANSLATE_NS.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    /// The time spent translating since the last call, and Cranelift's
    /// table of its passes (this thread's), both reset.
    pub fn take() -> (Duration, alloc::string::String) {
        let t = Duration::from_nanos(TRANSLATE_NS.swap(0, Ordering::Relaxed));
        let passes = cranelift_codegen::timing::take_current();
        (t, alloc::format!("{passes}"))
    }
}

/// Cranelift could not be configured.
#[derive(Clone, Copy, Debug)]
pub struct IsaError;

impl Jit {
    /// A compiler for the host's x86-64.
    pub fn new() -> Result<Self, IsaError> {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(|_| IsaError)?;
        flags
            .set("enable_probestack", "false")
            .map_err(|_| IsaError)?;
        flags
            .set("preserve_frame_pointers", "true")
            .map_err(|_| IsaError)?;
        // Cranelift's IR verifier catches a translator that lets bad IL
        // through (an `ErrorKind::Codegen` instead of wrong code). Builds
        // with debug assertions on the host (`std`: the unit tests, the C#
        // differential suites, whose cilrun is a dev build, the fuzzers)
        // keep it on; the ring-3 driver host, which compiles its DDK and
        // driver at every start and restart, and a release `cilrun` (the
        // benchmarks measure what ring 3 runs) leave it off (docs/jit.md,
        // "Compile time").
        let verify = if cfg!(all(feature = "std", debug_assertions)) {
            "true"
        } else {
            "false"
        };
        flags.set("enable_verifier", verify).map_err(|_| IsaError)?;
        // Host experiments: `CORDON_JIT_CRANELIFT=name=value,...` sets
        // Cranelift flags over these (`regalloc_algorithm=single_pass`,
        // `opt_level=none`), to measure a setting's compile time against
        // the code it makes before changing a default.
        #[cfg(feature = "std")]
        if let Ok(extra) = std::env::var("CORDON_JIT_CRANELIFT") {
            for kv in extra.split(',').filter(|kv| !kv.is_empty()) {
                let (k, v) = kv.split_once('=').ok_or(IsaError)?;
                flags.set(k, v).map_err(|_| IsaError)?;
            }
        }
        let isa = cranelift_codegen::isa::lookup_by_name("x86_64")
            .map_err(|_| IsaError)?
            .finish(settings::Flags::new(flags))
            .map_err(|_| IsaError)?;
        Ok(Self {
            isa,
            fctx: FunctionBuilderContext::new(),
            ctx: Context::new(),
        })
    }

    /// Compile `m`.
    pub fn compile(
        &mut self,
        env: &mut dyn CompileEnv,
        m: MethodId,
    ) -> Result<Compiled, CompileError> {
        self.compile_part(env, m, func::Part::Method)
    }

    /// Compile the filter of `m`'s EH clause `clause` as a funclet
    /// (`funclet.rs`), given where `m`'s compiled frame keeps its variables.
    pub fn compile_filter(
        &mut self,
        env: &mut dyn CompileEnv,
        m: MethodId,
        clause: usize,
        frame: FilterFrame,
    ) -> Result<Compiled, CompileError> {
        self.compile_part(env, m, func::Part::Filter(clause, frame))
    }

    fn compile_part(
        &mut self,
        env: &mut dyn CompileEnv,
        m: MethodId,
        part: func::Part,
    ) -> Result<Compiled, CompileError> {
        // The context's function (and the buffers of its previous
        // method's IR, kept by `clear`) is reused, not allocated afresh.
        self.ctx.clear();
        self.ctx.func.name = UserFuncName::user(0, m.0);
        self.ctx.func.signature.call_conv = self.isa.default_call_conv();
        #[cfg(feature = "compile-timing")]
        let started = std::time::Instant::now();
        let translated = match func::translate(
            env,
            m,
            part,
            &mut self.ctx.func,
            &mut self.fctx,
            self.isa.default_call_conv(),
            self.isa.frontend_config(),
        ) {
            Ok(t) => t,
            Err(e) => {
                // The builder context is left mid-function: start afresh.
                self.fctx = FunctionBuilderContext::new();
                return Err(e);
            }
        };
        #[cfg(feature = "compile-timing")]
        timing::add_translate(started.elapsed());
        let names = self.ctx.func.params.user_named_funcs().clone();
        let code = self
            .ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .map_err(|_e| {
                // Host debugging aid: Cranelift's verifier message and the IR
                // (a Codegen error means the translator let bad IL through).
                #[cfg(feature = "std")]
                if std::env::var("JIT_DEBUG_CODEGEN").is_ok() {
                    std::eprintln!("CODEGEN {:?}\n{}", _e.inner, _e.func.display());
                }
                CompileError::runtime(m, ErrorKind::Codegen)
            })?;
        let relocs = symbols::relocs(&names, code.buffer.relocs(), translated.syms.len())
            .map_err(|k| CompileError::runtime(m, k))?;
        let mut bytes = code.code_buffer().to_vec();
        symbols::patch(&mut bytes, &relocs, |i| {
            translated.syms.get(i as usize).map(|&(_, v)| v)
        })
        .ok_or(CompileError::runtime(m, ErrorKind::Codegen))?;
        let frame = match &translated.frame {
            None => None,
            Some((args, locals)) => Some(
                code.buffer
                    .frame_layout()
                    .and_then(|l| FilterFrame::from_layout(args, locals, l))
                    .ok_or(CompileError::runtime(m, ErrorKind::Codegen))?,
            ),
        };
        Ok(Compiled {
            code: bytes,
            syms: translated.syms,
            relocs,
            keepable: translated.keepable,
            il_len: translated.il_len,
            il_map: IlMap::from_srclocs(code.buffer.get_srclocs_sorted()),
            eh: translated.eh,
            frame,
            intrinsics: translated.intrinsics,
            stack_maps: stackmaps::collect(&code.buffer),
        })
    }

    /// The Cranelift IR of `m` as text (tests and debugging).
    pub fn ir_text(
        &mut self,
        env: &mut dyn CompileEnv,
        m: MethodId,
    ) -> Result<alloc::string::String, CompileError> {
        let mut func = Function::with_name_signature(
            UserFuncName::user(0, m.0),
            cranelift_codegen::ir::Signature::new(self.isa.default_call_conv()),
        );
        if let Err(e) = func::translate(
            env,
            m,
            func::Part::Method,
            &mut func,
            &mut self.fctx,
            self.isa.default_call_conv(),
            self.isa.frontend_config(),
        ) {
            self.fctx = FunctionBuilderContext::new();
            return Err(e);
        }
        Ok(alloc::format!("{}", func.display()))
    }
}
