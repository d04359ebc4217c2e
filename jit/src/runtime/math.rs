//! `System.Math`'s InternalCalls: IEEE operations and elementary functions
//! from the `libm` crate (musl's libm in Rust). Compiled code passes and
//! receives doubles in xmm registers (System V); the Rust side takes raw
//! bits in integer registers, because the driver host's target is
//! soft-float (see `helpers.rs` on `fmod`). Each function has an assembly
//! entry that moves the operands, calls the bits function and moves the
//! result back.

macro_rules! math_fns {
    ($(unary $u:ident => $uf:path;)* $(binary $b:ident => $bf:path;)*) => {
        $(
            extern "C" fn $u(a: u64) -> u64 {
                $uf(f64::from_bits(a)).to_bits()
            }
        )*
        $(
            extern "C" fn $b(a: u64, b: u64) -> u64 {
                $bf(f64::from_bits(a), f64::from_bits(b)).to_bits()
            }
        )*
    };
}

math_fns! {
    unary m_sqrt => libm::sqrt;
    unary m_floor => libm::floor;
    unary m_ceil => libm::ceil;
    unary m_trunc => libm::trunc;
    unary m_rint => libm::rint;
    unary m_exp => libm::exp;
    unary m_log => libm::log;
    unary m_log10 => libm::log10;
    unary m_sin => libm::sin;
    unary m_cos => libm::cos;
    unary m_tan => libm::tan;
    unary m_asin => libm::asin;
    unary m_acos => libm::acos;
    unary m_atan => libm::atan;
    binary m_pow => libm::pow;
    binary m_atan2 => libm::atan2;
}

// Each entry loads its bits function into rax and jumps to a common tail,
// which moves xmm0 (and xmm1) to rdi (and rsi), calls it, and moves rax
// back to xmm0. The push realigns the stack to 16 bytes for the call.
core::arch::global_asm!(
    "cordon_math_unary:",
    "push rbp",
    "mov rbp, rsp",
    "movq rdi, xmm0",
    "call rax",
    "movq xmm0, rax",
    "pop rbp",
    "ret",
    "cordon_math_binary:",
    "push rbp",
    "mov rbp, rsp",
    "movq rdi, xmm0",
    "movq rsi, xmm1",
    "call rax",
    "movq xmm0, rax",
    "pop rbp",
    "ret",
    ".globl cordon_math_sqrt",
    "cordon_math_sqrt: lea rax, [rip + {sqrt}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_floor",
    "cordon_math_floor: lea rax, [rip + {floor}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_ceil",
    "cordon_math_ceil: lea rax, [rip + {ceil}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_trunc",
    "cordon_math_trunc: lea rax, [rip + {trunc}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_rint",
    "cordon_math_rint: lea rax, [rip + {rint}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_exp",
    "cordon_math_exp: lea rax, [rip + {exp}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_log",
    "cordon_math_log: lea rax, [rip + {log}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_log10",
    "cordon_math_log10: lea rax, [rip + {log10}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_sin",
    "cordon_math_sin: lea rax, [rip + {sin}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_cos",
    "cordon_math_cos: lea rax, [rip + {cos}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_tan",
    "cordon_math_tan: lea rax, [rip + {tan}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_asin",
    "cordon_math_asin: lea rax, [rip + {asin}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_acos",
    "cordon_math_acos: lea rax, [rip + {acos}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_atan",
    "cordon_math_atan: lea rax, [rip + {atan}]",
    "jmp cordon_math_unary",
    ".globl cordon_math_pow",
    "cordon_math_pow: lea rax, [rip + {pow}]",
    "jmp cordon_math_binary",
    ".globl cordon_math_atan2",
    "cordon_math_atan2: lea rax, [rip + {atan2}]",
    "jmp cordon_math_binary",
    sqrt = sym m_sqrt,
    floor = sym m_floor,
    ceil = sym m_ceil,
    trunc = sym m_trunc,
    rint = sym m_rint,
    exp = sym m_exp,
    log = sym m_log,
    log10 = sym m_log10,
    sin = sym m_sin,
    cos = sym m_cos,
    tan = sym m_tan,
    asin = sym m_asin,
    acos = sym m_acos,
    atan = sym m_atan,
    pow = sym m_pow,
    atan2 = sym m_atan2,
);

unsafe extern "C" {
    fn cordon_math_sqrt();
    fn cordon_math_floor();
    fn cordon_math_ceil();
    fn cordon_math_trunc();
    fn cordon_math_rint();
    fn cordon_math_exp();
    fn cordon_math_log();
    fn cordon_math_log10();
    fn cordon_math_sin();
    fn cordon_math_cos();
    fn cordon_math_tan();
    fn cordon_math_asin();
    fn cordon_math_acos();
    fn cordon_math_atan();
    fn cordon_math_pow();
    fn cordon_math_atan2();
}

/// The entry of `System.Math`'s InternalCall `name`, if it is one.
pub(super) fn internal_call(name: &str) -> Option<usize> {
    let f: unsafe extern "C" fn() = match name {
        "Sqrt" => cordon_math_sqrt,
        "Floor" => cordon_math_floor,
        "Ceiling" => cordon_math_ceil,
        "Truncate" => cordon_math_trunc,
        "RoundToEven" => cordon_math_rint,
        "Exp" => cordon_math_exp,
        "Log" => cordon_math_log,
        "Log10" => cordon_math_log10,
        "Sin" => cordon_math_sin,
        "Cos" => cordon_math_cos,
        "Tan" => cordon_math_tan,
        "Asin" => cordon_math_asin,
        "Acos" => cordon_math_acos,
        "Atan" => cordon_math_atan,
        "Pow" => cordon_math_pow,
        "Atan2" => cordon_math_atan2,
        _ => return None,
    };
    Some(f as usize)
}
