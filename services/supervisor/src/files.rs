//! `files=` in the manifest: which initrd files a service is handed (as one
//! read-only `ipc::files` bundle it asks for with `Request::Files`).
//!
//! A pattern is an initrd path, or a path whose last component holds one
//! `*` (`managed/tests/*.dll`). Patterns are matched against the initrd's
//! own listing, `etc/initrd.index` (one path per line, written by the image
//! build), since the kernel's `InitrdRead` reads files but lists nothing.

use alloc::string::String;
use alloc::vec::Vec;

/// Where the image build lists every initrd file.
pub const INDEX_PATH: &str = "etc/initrd.index";

/// Why a `files=` value is refused at parse time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// Empty, absolute, with an empty or `..` component, or a `*` outside
    /// the last component or more than one.
    Bad,
}

/// Checks one pattern of `files=A,B,...`.
pub fn check_pattern(p: &str) -> Result<(), PatternError> {
    let mut parts = p.split('/').peekable();
    while let Some(part) = parts.next() {
        let last = parts.peek().is_none();
        let stars = part.matches('*').count();
        if part.is_empty() || part == ".." || part == "." || stars > 1 || (!last && stars > 0) {
            return Err(PatternError::Bad);
        }
    }
    Ok(())
}

/// Whether `path` matches `pattern` (one `*` in the last component matches
/// any run of characters except `/`).
pub fn matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((head, tail)) => {
            path.len() >= head.len() + tail.len()
                && path.starts_with(head)
                && path.ends_with(tail)
                && !path[head.len()..path.len() - tail.len()].contains('/')
        }
    }
}

/// Why the files of a service cannot be collected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectError {
    /// The pattern matched no file of the index.
    NoMatch(String),
}

/// The index's paths that `patterns` select, each once, in pattern order
/// and index order within a pattern. Every pattern must match something, so
/// a missing assembly is an error at hand-over and not a silently smaller set.
pub fn select(index: &str, patterns: &[String]) -> Result<Vec<String>, SelectError> {
    let mut out: Vec<String> = Vec::new();
    for p in patterns {
        let mut hit = false;
        for line in index.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if matches(p, line) {
                hit = true;
                if !out.iter().any(|o| o == line) {
                    out.push(String::from(line));
                }
            }
        }
        if !hit {
            return Err(SelectError::NoMatch(p.clone()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn patterns() {
        for good in ["managed/corlib.dll", "managed/tests/*.dll", "*", "a/*x"] {
            assert_eq!(check_pattern(good), Ok(()), "{good}");
        }
        for bad in ["", "/abs", "a//b", "a/../b", "./a", "*/a", "a/**", "a/b*c*"] {
            assert_eq!(check_pattern(bad), Err(PatternError::Bad), "{bad}");
        }
        assert!(matches("managed/tests/*.dll", "managed/tests/a.dll"));
        assert!(!matches("managed/tests/*.dll", "managed/tests/sub/a.dll"));
        assert!(!matches("managed/tests/*.dll", "managed/tests/a.pdb"));
        assert!(!matches("m/*.dll", "m/.dl"));
        assert!(matches("m/*", "m/x"));
        assert!(matches("m/x", "m/x"));
        assert!(!matches("m/x", "m/xy"));
    }

    #[test]
    fn selection_in_pattern_order_without_duplicates() {
        let index =
            "bin/driverhost\nmanaged/corlib.dll\nmanaged/tests/b.dll\nmanaged/tests/a.dll\n";
        let got = select(
            index,
            &[
                "managed/corlib.dll".into(),
                "managed/tests/*.dll".into(),
                "managed/tests/a.dll".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                "managed/corlib.dll",
                "managed/tests/b.dll",
                "managed/tests/a.dll"
            ]
        );
        assert_eq!(
            select(index, &["managed/ddk.dll".into()]),
            Err(SelectError::NoMatch("managed/ddk.dll".into()))
        );
    }
}
