//! The driver host's code map: every method the JIT compiles is recorded
//! (name, code range, native → IL ranges with each instruction's mnemonic)
//! in a writable grant of the supervisor's memory (`Request::CodeMap`,
//! `ipc::codemap`), so that when this process dies of a fault in
//! JIT-compiled code the supervisor can still name the method, the IL
//! offset and the instruction (docs/driverhost.md, "Fault reports").
//!
//! Records are appended as methods are installed, before any of their code
//! runs, so the method that faults is always in the map (unless the region
//! is full, which is logged once).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use ipc::codemap::{self, Method, WriteError};
use ipc::supervisor::{Reply, Request, Supervisor};
use jit::runtime::{CodeListener, CodeRange, Runtime};

/// Where the region is mapped (next to the file bundle at 0x3000_0000_0000).
const MAP_AT: u64 = 0x0000_3100_0000_0000;

/// Appends one record per compiled method to the granted region's code map.
pub struct Recorder {
    region: &'static mut [u8],
    full_logged: bool,
    /// Methods recorded.
    pub methods: usize,
}

/// Asks the supervisor for a code-map region and maps it; returns the
/// recorder (over the code map part) and the top of the stack part.
pub fn fetch() -> Result<(Recorder, usize), String> {
    let sup =
        userlib::lookup("supervisor").map_err(|e| alloc::format!("lookup supervisor: {e}"))?;
    let (grant, len) = match userlib::rpc::call::<Supervisor>(sup, &Request::CodeMap) {
        Ok(Reply::CodeMap { grant, len }) => (grant, len),
        Ok(other) => return Err(alloc::format!("supervisor answered CodeMap with {other:?}")),
        Err(e) => return Err(alloc::format!("CodeMap request: {e}")),
    };
    let mapped =
        userlib::grant_map(grant, MAP_AT).map_err(|e| alloc::format!("map grant {grant}: {e}"))?;
    let len = mapped.min(len) as usize;
    if len <= codemap::STACK_LEN {
        return Err(alloc::format!("grant {grant}: {len} bytes, too small"));
    }
    let map_at = MAP_AT as usize + codemap::STACK_LEN;
    // SAFETY: the grant is mapped writable at MAP_AT for `len` bytes for the
    // rest of this process's life; the part after the stack is the code
    // map, which nothing else refers to.
    let region =
        unsafe { core::slice::from_raw_parts_mut(map_at as *mut u8, len - codemap::STACK_LEN) };
    codemap::set_base(region, MAP_AT).map_err(|e| alloc::format!("code map header: {e:?}"))?;
    Ok((
        Recorder {
            region,
            full_logged: false,
            methods: 0,
        },
        MAP_AT as usize + codemap::STACK_LEN,
    ))
}

impl CodeListener for Recorder {
    fn compiled(&mut self, rt: &Runtime, r: &CodeRange) {
        self.record(rt, r);
    }
}

impl Recorder {
    fn record(&mut self, rt: &Runtime, r: &CodeRange) {
        let name = rt.types.method_name(r.method);
        crate::image::note_late(&name);
        crate::inject::note_code(&name, r.start as u64, r.len as u64);
        let ops = rt.il_mnemonics(r.method);
        let ranges: Vec<(u32, u32, u32, &str)> = r
            .il_map
            .ranges()
            .iter()
            .map(|x| {
                let op = ops
                    .binary_search_by_key(&x.il, |(o, _)| *o)
                    .ok()
                    .and_then(|i| ops.get(i))
                    .map_or("?", |(_, n)| n);
                (x.start, x.end, x.il, op)
            })
            .collect();
        let m = Method {
            name: &name,
            code_start: r.start as u64,
            code_len: u32::try_from(r.len).unwrap_or(u32::MAX),
            ranges: &ranges,
        };
        let result = codemap::encode(&m).and_then(|rec| codemap::append(self.region, &rec));
        match result {
            Ok(()) => self.methods += 1,
            Err(WriteError::Full) if !self.full_logged => {
                self.full_logged = true;
                userlib::log!(
                    "driverhost: code map full after {} methods; later faults name no method",
                    self.methods
                );
            }
            Err(WriteError::Full) => {}
            Err(e) => userlib::log!("driverhost: code map: {name}: {e:?}"),
        }
    }
}

/// Install the recorder in `rt`, if the supervisor gives a region (a
/// driver host without one still runs; its faults are reported by address).
/// Returns the top of the region's stack, for [`on_stack`].
pub fn install(rt: &mut Runtime) -> Option<usize> {
    match fetch() {
        Ok((r, top)) => {
            rt.set_code_listener(Box::new(r));
            Some(top)
        }
        Err(e) => {
            userlib::log!("driverhost: no code map ({e}); faults will not name methods");
            None
        }
    }
}

core::arch::global_asm!(
    // dh_on_stack(f: rdi, ctx: rsi, top: rdx): call f(ctx) with the stack
    // pointer at `top` (16-aligned), then return on the original stack.
    // rbp (callee-saved, so f keeps it) remembers the original frame.
    ".globl dh_on_stack",
    "dh_on_stack:",
    "push rbp",
    "mov rbp, rsp",
    "mov rsp, rdx",
    "mov rax, rdi",
    "mov rdi, rsi",
    "call rax",
    "mov rsp, rbp",
    "pop rbp",
    "ret",
);

unsafe extern "C" {
    fn dh_on_stack(f: extern "C" fn(*mut u8), ctx: *mut u8, top: usize);
}

/// Run `f` on the code-map region's stack (`top` from [`install`]), so the
/// frames of managed code outlive this process for the supervisor's fault
/// report (docs/driverhost.md, "Fault reports"). With `None`, on this stack.
pub fn on_stack<R, F: FnOnce() -> R>(top: Option<usize>, f: F) -> R {
    let Some(top) = top else {
        return f();
    };
    struct Ctx<F, R> {
        f: Option<F>,
        out: Option<R>,
    }
    extern "C" fn tramp<F: FnOnce() -> R, R>(ctx: *mut u8) {
        // SAFETY: `ctx` is the `Ctx<F, R>` below, alive across the call.
        let c = unsafe { &mut *(ctx as *mut Ctx<F, R>) };
        if let Some(f) = c.f.take() {
            c.out = Some(f());
        }
    }
    let mut ctx = Ctx {
        f: Some(f),
        out: None,
    };
    // SAFETY: `top` is the 16-aligned end of a writable region of
    // STACK_LEN bytes mapped for the life of the process and used by
    // nothing else; `tramp` matches the context type.
    unsafe { dh_on_stack(tramp::<F, R>, (&raw mut ctx).cast::<u8>(), top & !15) };
    match ctx.out {
        Some(r) => r,
        // Unreachable: tramp always runs f once.
        None => userlib::sys::exit(2),
    }
}
