//! The two pieces of x86-64 assembly the runtime needs: the lazy-compile
//! trampoline every method stub jumps to, and the protected-call /
//! escape pair that ends a managed call early (an uncaught exception or a
//! compile error in a lazily compiled callee) without unwinding JIT frames.

/// One collector entry shim (described where they are listed below):
/// global symbol `$name` saves the caller's frame into `{entry}` and jumps
/// to operand `{$target}`.
#[rustfmt::skip]
macro_rules! gc_entry_shim {
    ($name:literal, $target:literal) => {
        concat!(
            ".globl ", $name, "\n",
            $name, ":\n",
            "lea r11, [rip + {entry}]\n",
            "mov rax, [rsp]\n",
            "mov [r11], rax\n",
            "lea rax, [rsp + 8]\n",
            "mov [r11 + 8], rax\n",
            "mov [r11 + 16], rbp\n",
            "jmp {", $target, "}",
        )
    };
}

core::arch::global_asm!(
    // cordon_compile_trampoline: entered by `jmp` from a method stub with the
    // MethodId in r11 and the caller's arguments untouched in registers and
    // on the stack. Saves the argument registers, compiles, restores them and
    // tail-jumps to the new code, so the caller never knows.
    ".globl cordon_compile_trampoline",
    "cordon_compile_trampoline:",
    "push rbp",
    "mov rbp, rsp",
    "push rdi",
    "push rsi",
    "push rdx",
    "push rcx",
    "push r8",
    "push r9",
    "sub rsp, 128",
    "movdqu [rsp + 0], xmm0",
    "movdqu [rsp + 16], xmm1",
    "movdqu [rsp + 32], xmm2",
    "movdqu [rsp + 48], xmm3",
    "movdqu [rsp + 64], xmm4",
    "movdqu [rsp + 80], xmm5",
    "movdqu [rsp + 96], xmm6",
    "movdqu [rsp + 112], xmm7",
    "mov rdi, r11",
    "call {compile}",
    "movdqu xmm0, [rsp + 0]",
    "movdqu xmm1, [rsp + 16]",
    "movdqu xmm2, [rsp + 32]",
    "movdqu xmm3, [rsp + 48]",
    "movdqu xmm4, [rsp + 64]",
    "movdqu xmm5, [rsp + 80]",
    "movdqu xmm6, [rsp + 96]",
    "movdqu xmm7, [rsp + 112]",
    "add rsp, 128",
    "pop r9",
    "pop r8",
    "pop rcx",
    "pop rdx",
    "pop rsi",
    "pop rdi",
    "pop rbp",
    "jmp rax",
    // cordon_call_protected(fn: rdi, saved_sp: rsi) -> (rax = result, rdx = 0)
    // Saves the callee-saved registers on the stack and the stack pointer in
    // *saved_sp, then calls fn(). cordon_escape returns through here with
    // rdx = 1.
    ".globl cordon_call_protected",
    "cordon_call_protected:",
    "push rbx",
    "push rbp",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov [rsi], rsp",
    "sub rsp, 8",
    "call rdi",
    "add rsp, 8",
    "xor edx, edx",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbp",
    "pop rbx",
    "ret",
    // cordon_escape(saved_sp: rdi, value: rsi): never returns to its caller.
    ".globl cordon_escape",
    "cordon_escape:",
    "mov rsp, rdi",
    "mov rax, rsi",
    "mov edx, 1",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbp",
    "pop rbx",
    "ret",
    // cordon_return_zero: what the compile trampoline jumps to instead of a
    // method that failed to compile (the exception is in flight): return
    // to the caller at once, with zeroed result registers.
    ".globl cordon_return_zero",
    "cordon_return_zero:",
    "xor eax, eax",
    "xor edx, edx",
    "xorps xmm0, xmm0",
    "ret",
    // cordon_rt_fmod(xmm0: f64, xmm1: f64) -> xmm0: the SSE-ABI entry of
    // `rt_fmod_bits` (see helpers.rs: the Rust side never passes floats in
    // registers, so it works on hard- and soft-float targets alike). The
    // push realigns the stack to 16 bytes for the call.
    ".globl cordon_rt_fmod",
    "cordon_rt_fmod:",
    "push rbp",
    "mov rbp, rsp",
    "movq rdi, xmm0",
    "movq rsi, xmm1",
    "call {fmod}",
    "movq xmm0, rax",
    "pop rbp",
    "ret",
    // cordon_rt_fmodf(xmm0: f32, xmm1: f32) -> xmm0: likewise for f32.
    ".globl cordon_rt_fmodf",
    "cordon_rt_fmodf:",
    "push rbp",
    "mov rbp, rsp",
    "movd edi, xmm0",
    "movd esi, xmm1",
    "call {fmodf}",
    "movd xmm0, eax",
    "pop rbp",
    "ret",
    // cordon_rt_throw(rdi: obj) / cordon_rt_raise(edi: kind): the `throw`
    // and runtime-exception helpers as compiled code calls them. They pass
    // on the return address into the managed thrower and its frame pointer
    // (rbp, untouched since the call; Cranelift keeps frame pointers), from
    // which the runtime records the managed stack trace, and its stack
    // pointer at the call (a GC-stress safepoint). Tail jumps: the stack
    // is as the compiled caller left it.
    ".globl cordon_rt_throw",
    "cordon_rt_throw:",
    "mov rsi, [rsp]",
    "mov rdx, rbp",
    "lea rcx, [rsp + 8]",
    "jmp {throw}",
    ".globl cordon_rt_raise",
    "cordon_rt_raise:",
    "mov rsi, [rsp]",
    "mov rdx, rbp",
    "lea rcx, [rsp + 8]",
    "jmp {raise}",
    // The collector's entry shims: compiled code calls these instead of
    // the helpers that may collect (or run managed code that may). Each
    // records its managed caller's return address, stack pointer at the
    // call and frame pointer in CORDON_GC_ENTRY (gc/roots.rs), then jumps
    // to the helper with the arguments untouched. rax and r11 are free at
    // a call.
    gc_entry_shim!("cordon_rt_alloc", "alloc"),
    gc_entry_shim!("cordon_rt_new_array", "new_array"),
    gc_entry_shim!("cordon_rt_run_cctor", "run_cctor"),
    gc_entry_shim!("cordon_rt_first_pass", "first_pass"),
    gc_entry_shim!("cordon_gc_collect", "gc_collect"),
    gc_entry_shim!("cordon_ic_fast_allocate_string", "fast_string"),
    compile = sym super::lazy::compile_entry,
    entry = sym super::gc::CORDON_GC_ENTRY,
    alloc = sym super::helpers::rt_alloc,
    new_array = sym super::helpers::rt_new_array,
    run_cctor = sym super::helpers::rt_run_cctor,
    first_pass = sym super::first_pass::rt_first_pass,
    gc_collect = sym super::gc::ic_gc_collect,
    fast_string = sym super::helpers::ic_fast_allocate_string,
    throw = sym super::helpers::rt_throw,
    raise = sym super::helpers::rt_raise,
    fmod = sym super::helpers::rt_fmod_bits,
    fmodf = sym super::helpers::rt_fmodf_bits,
);

/// What `cordon_call_protected` returns: `escaped` is 1 when the call was
/// ended by [`escape`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Protected {
    /// The function's return value (rax), or the escape value.
    pub value: u64,
    /// 0: returned normally; 1: escaped.
    pub escaped: u64,
}

unsafe extern "C" {
    /// Returns at once (for a callee that failed to compile).
    pub fn cordon_return_zero();
    /// Start of the lazy-compile trampoline (its address goes into stubs).
    pub fn cordon_compile_trampoline();
    /// See the assembly above.
    pub fn cordon_call_protected(f: usize, saved_sp: *mut usize) -> Protected;
    /// See the assembly above.
    pub fn cordon_escape(saved_sp: usize, value: u64) -> !;
    /// `throw` for compiled code (records the stack trace).
    pub fn cordon_rt_throw();
    /// Runtime exceptions for compiled code (records the stack trace).
    pub fn cordon_rt_raise();
    /// `fmod` for compiled code: `(xmm0, xmm1) -> xmm0`, f64.
    pub fn cordon_rt_fmod();
    /// `fmod` for compiled code: `(xmm0, xmm1) -> xmm0`, f32.
    pub fn cordon_rt_fmodf();
    /// The allocation helper's entry (records the frame; may collect).
    pub fn cordon_rt_alloc();
    /// The array allocation helper's entry.
    pub fn cordon_rt_new_array();
    /// The static-constructor helper's entry.
    pub fn cordon_rt_run_cctor();
    /// The first pass's entry (filters run inside it).
    pub fn cordon_rt_first_pass();
    /// `GC.Collect()`.
    pub fn cordon_gc_collect();
    /// `String.FastAllocateString` (may collect).
    pub fn cordon_ic_fast_allocate_string();
}
