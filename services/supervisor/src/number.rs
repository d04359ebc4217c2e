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

#[cfg(test)]
mod tests {
    use super::parse_u64;

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
