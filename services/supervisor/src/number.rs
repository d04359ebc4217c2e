//! Numbers in the manifest: decimal, or hex with a `0x` prefix.

/// `None` for anything that is not a whole number that fits a `u64`.
pub fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        // from_str_radix accepts a leading '+'; the manifest does not.
        Some(hex) if !hex.starts_with('+') => u64::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None if !s.starts_with('+') => s.parse().ok(),
        None => None,
    }
}

/// A size: a number with an optional `K`, `M` or `G` suffix (powers of
/// 1024). `None` for junk or overflow.
pub fn parse_size(s: &str) -> Option<u64> {
    let (digits, shift) = match s.as_bytes().last() {
        Some(b'K') => (s.get(..s.len() - 1)?, 10),
        Some(b'M') => (s.get(..s.len() - 1)?, 20),
        Some(b'G') => (s.get(..s.len() - 1)?, 30),
        _ => (s, 0),
    };
    let n = parse_u64(digits)?;
    n.checked_mul(1u64 << shift)
}

#[cfg(test)]
mod tests {
    use super::{parse_size, parse_u64};

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("48M"), Some(48 << 20));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("0x10M"), Some(16 << 20));
        for s in [
            "",
            "M",
            "1T",
            "1m",
            "-1M",
            "99999999999999999999G",
            "17179869184G",
        ] {
            assert_eq!(parse_size(s), None, "{s:?}");
        }
    }

    #[test]
    fn decimal_and_hex() {
        assert_eq!(parse_u64("0"), Some(0));
        assert_eq!(parse_u64("1000"), Some(1000));
        assert_eq!(parse_u64("0x3f8"), Some(0x3f8));
        assert_eq!(parse_u64("0XFF"), Some(255));
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
    }

    #[test]
    fn refuses_junk() {
        for s in [
            "",
            "0x",
            "-1",
            "+1",
            "0x+1",
            "1_000",
            "12a",
            "18446744073709551616",
            " 1",
        ] {
            assert_eq!(parse_u64(s), None, "{s:?}");
        }
    }
}
