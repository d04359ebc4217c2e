//! The kernel command line: space-separated `key=value` words (QEMU `-append`).

/// The value of the first `key=value` word, if present.
pub fn value<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    cmdline
        .split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::value;

    #[test]
    fn finds_whole_keys_only() {
        let c = "log=debug manifest=ipc-big  test=heap";
        assert_eq!(value(c, "log"), Some("debug"));
        assert_eq!(value(c, "manifest"), Some("ipc-big"));
        assert_eq!(value(c, "test"), Some("heap"));
        assert_eq!(value(c, "lo"), None, "a prefix of a key is not the key");
        assert_eq!(value(c, "init"), None);
        assert_eq!(value("", "log"), None);
        assert_eq!(value("log", "log"), None, "a bare word has no value");
        assert_eq!(value("log= x", "log"), Some(""));
    }
}
