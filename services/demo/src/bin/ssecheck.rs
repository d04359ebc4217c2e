//! Preemption and SSE state: fills all sixteen XMM registers with values
//! derived from `seed=N`, spins for `spins=N` iterations without making a
//! syscall (so only timer preemption can interleave other tasks), and checks
//! every register still holds its value. Two instances with different seeds
//! run side by side in the `sse` QEMU test.

#![no_std]
#![no_main]

userlib::entry!(main);

/// Loads xmm0..xmm15 from `vals`, spins `spins` times, stores them back.
fn hold_registers(vals: &[[u64; 2]; 16], spins: u64) -> [[u64; 2]; 16] {
    let mut out = [[0u64; 2]; 16];
    // SAFETY: reads 256 bytes from `vals` and writes 256 bytes to `out`, both
    // valid; clobbers only the XMM registers and the counter register.
    unsafe {
        core::arch::asm!(
            "movdqu xmm0, [{i}]", "movdqu xmm1, [{i} + 16]", "movdqu xmm2, [{i} + 32]", "movdqu xmm3, [{i} + 48]",
            "movdqu xmm4, [{i} + 64]", "movdqu xmm5, [{i} + 80]", "movdqu xmm6, [{i} + 96]", "movdqu xmm7, [{i} + 112]",
            "movdqu xmm8, [{i} + 128]", "movdqu xmm9, [{i} + 144]", "movdqu xmm10, [{i} + 160]", "movdqu xmm11, [{i} + 176]",
            "movdqu xmm12, [{i} + 192]", "movdqu xmm13, [{i} + 208]", "movdqu xmm14, [{i} + 224]", "movdqu xmm15, [{i} + 240]",
            "2:",
            "dec {n}",
            "jnz 2b",
            "movdqu [{o}], xmm0", "movdqu [{o} + 16], xmm1", "movdqu [{o} + 32], xmm2", "movdqu [{o} + 48], xmm3",
            "movdqu [{o} + 64], xmm4", "movdqu [{o} + 80], xmm5", "movdqu [{o} + 96], xmm6", "movdqu [{o} + 112], xmm7",
            "movdqu [{o} + 128], xmm8", "movdqu [{o} + 144], xmm9", "movdqu [{o} + 160], xmm10", "movdqu [{o} + 176], xmm11",
            "movdqu [{o} + 192], xmm12", "movdqu [{o} + 208], xmm13", "movdqu [{o} + 224], xmm14", "movdqu [{o} + 240], xmm15",
            i = in(reg) vals.as_ptr(),
            o = in(reg) out.as_mut_ptr(),
            n = inout(reg) spins.max(1) => _,
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _,
            out("xmm4") _, out("xmm5") _, out("xmm6") _, out("xmm7") _,
            out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
            options(nostack),
        );
    }
    out
}

fn main(args: &str) -> i64 {
    let seed = demo::arg_u64(args, "seed", 1);
    let spins = demo::arg_u64(args, "spins", 50_000_000);
    let mut vals = [[0u64; 2]; 16];
    for (i, v) in vals.iter_mut().enumerate() {
        let x = seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(i as u32 * 3);
        *v = [x, !x ^ i as u64];
    }
    let t0 = userlib::uptime_us();
    let got = hold_registers(&vals, spins);
    let ms = (userlib::uptime_us() - t0) / 1000;
    let bad = vals.iter().zip(got.iter()).filter(|(a, b)| a != b).count();
    if bad == 0 {
        userlib::log!(
            "ssecheck seed={seed}: PASS (16 XMM registers intact over {spins} spins, {ms} ms)"
        );
    } else {
        userlib::log!("ssecheck seed={seed}: FAIL ({bad} XMM registers changed)");
    }
    if demo::arg_u64(args, "shutdown", 0) == 1 {
        demo::shutdown();
    }
    if bad == 0 { 0 } else { 1 }
}
