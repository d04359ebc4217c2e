//! The kernel command line: space-separated `key=value` words (QEMU `-append`).

/// The value of the first `key=value` word, if present.
pub fn value<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    cmdline
        .split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}
