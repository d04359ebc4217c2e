//! `image`: what the supervisor and the driver host agree on about a *code
//! image* — the JIT-compiled code one driver-host generation hands over
//! (`supervisor::Request::StoreImage`) for a later one to install instead
//! of compiling (`supervisor::Request::FetchImage`; docs/driverhost.md,
//! "Restart time, and keeping compiled code across generations").
//!
//! The image's contents are the JIT's business (`jit::runtime::image`,
//! which checks them on import); the hand-over only needs a bound on its
//! size and a hash both sides compute the same way.

/// The largest image the supervisor keeps, in bytes: a few times what the
/// driver host compiles today (~130 methods), so the bound is never the
/// reason an honest image is refused, yet one service cannot make the
/// supervisor copy more than this.
pub const MAX_LEN: u64 = 4 << 20;

/// The hash the supervisor records of its copy and the driver host checks
/// after mapping it: a 64-bit multiply-rotate hash over 8-byte words (the
/// length folded in), cheap under TCG. It detects damage to the copy, not
/// an adversary: nobody but the supervisor can write the copy, and the
/// importer checks the image's contents itself.
pub fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = 0x5151_c0de_1ea5_e5ed ^ (bytes.len() as u64).wrapping_mul(K);
    let (words, rest) = bytes.as_chunks::<8>();
    for w in words {
        h = (h ^ u64::from_le_bytes(*w)).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    for (t, &b) in tail.iter_mut().zip(rest) {
        *t = b;
    }
    h = (h ^ u64::from_le_bytes(tail))
        .wrapping_mul(K)
        .rotate_left(29);
    // Final mix (splitmix64's), so every input bit reaches every output bit.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The first argument word of `args` that changes the code the driver host
/// compiles (or the assemblies it compiles), if any:
/// - `jit-inject=…`: the JIT's miscompiles;
/// - `inject=always-fault`: the same miscompile by another name, and any
///   `inject=` value not known here (assume the worst);
/// - `campaign=…`: the campaign's generations mutate the driver assembly,
///   flip bits of compiled code, or turn `jit-inject` on themselves;
/// - `intrinsics=…`: compiles the DDK's intrinsics as calls or not.
///
/// The managed injections `inject=hang|wild-store|oom|stack-overflow|exception`
/// are not among them: they act at run time, through the DDK's
/// `FaultInjection` asking the driver host (`Native.InjectedFault`), after
/// the image was taken (before any driver code ran), and compile the same
/// code as a clean generation.
pub fn code_switch(args: &str) -> Option<&str> {
    args.split_ascii_whitespace().find(|w| {
        let Some((key, value)) = w.split_once('=') else {
            return false;
        };
        match key {
            "jit-inject" | "campaign" | "intrinsics" => true,
            "inject" => !matches!(
                value,
                "hang" | "wild-store" | "oom" | "stack-overflow" | "exception"
            ),
            _ => false,
        }
    })
}

/// The first argument word of `args` that keeps a generation from
/// installing a kept image: [`code_switch`]'s, except `campaign=`. A
/// campaign generation decides its own injection (from the seed and its
/// generation); when that changes the code, the JIT's importer refuses
/// the image by itself — the miscompile switch is a runtime option it
/// checks (`ImageError::Injected`), a mutated assembly has another hash
/// (`ImageError::Assemblies`) — and the generation compiles. Every other
/// campaign generation installs the image like a clean one, so the
/// campaign measures restarts as users get them. It still never stores
/// ([`code_switch`]).
pub fn fetch_switch(args: &str) -> Option<&str> {
    args.split_ascii_whitespace()
        .filter(|w| !w.starts_with("campaign="))
        .find_map(code_switch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_switches() {
        assert_eq!(code_switch("mode=drivers"), None);
        assert_eq!(code_switch(""), None);
        assert_eq!(
            code_switch("mode=drivers jit-inject=ldfld-struct"),
            Some("jit-inject=ldfld-struct")
        );
        assert_eq!(
            code_switch("inject=always-fault"),
            Some("inject=always-fault")
        );
        assert_eq!(code_switch("inject=new-thing"), Some("inject=new-thing"));
        assert_eq!(code_switch("campaign=7 count=3"), Some("campaign=7"));
        assert_eq!(fetch_switch("campaign=7 count=3"), None);
        assert_eq!(
            fetch_switch("campaign=7 jit-inject=ldfld-struct"),
            Some("jit-inject=ldfld-struct")
        );
        assert_eq!(fetch_switch("intrinsics=off"), Some("intrinsics=off"));
        assert_eq!(code_switch("intrinsics=off"), Some("intrinsics=off"));
        for managed in ["hang", "wild-store", "oom", "stack-overflow", "exception"] {
            let a = alloc::format!("mode=drivers inject={managed} inject-after=64");
            assert_eq!(code_switch(&a), None, "{a}");
        }
        // Only whole keys: these are not switches.
        assert_eq!(code_switch("no-jit-inject=1 xinject=always-fault"), None);
    }

    #[test]
    fn fixed_values() {
        // The value is a wire constant: both sides must compute it alike.
        assert_eq!(hash(&[]), hash(&[]));
        assert_ne!(hash(&[]), hash(&[0]));
        assert_ne!(hash(&[0]), hash(&[0, 0]));
        assert_ne!(hash(&[0; 8]), hash(&[0; 9]));
    }

    #[test]
    fn every_byte_and_bit_counts() {
        let base: alloc::vec::Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let h = hash(&base);
        for at in [0, 1, 7, 8, 500, 993, 999] {
            for bit in [0, 3, 7] {
                let mut b = base.clone();
                b[at] ^= 1 << bit;
                assert_ne!(hash(&b), h, "flip of bit {bit} at {at} unnoticed");
            }
        }
    }
}
