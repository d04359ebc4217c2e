//! Client paths → the components fatfs is given, and the case-folded keys
//! the handle table compares.
//!
//! A path is `/`-separated, absolute or not (the same: no working
//! directory); empty components and `.` are dropped and `..` goes up (never
//! above the root), so fatfs only ever sees plain names.

use alloc::string::String;
use alloc::vec::Vec;
use ipc::fs::{FsError, PATH_MAX};

/// Characters a long file name may not contain (besides controls).
const FORBIDDEN: &[char] = &['"', '*', '/', ':', '<', '>', '?', '\\', '|'];

/// The longest long name: 255 UTF-16 code units.
const NAME_MAX_UNITS: usize = 255;

/// A normalized path: its components, root first. Empty is the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsPath {
    parts: Vec<String>,
}

impl FsPath {
    pub fn parse(path: &str) -> Result<Self, FsError> {
        if path.len() > PATH_MAX {
            return Err(FsError::InvalidName);
        }
        let mut parts: Vec<String> = Vec::new();
        for c in path.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                name => {
                    check_name(name)?;
                    parts.push(name.into());
                }
            }
        }
        Ok(FsPath { parts })
    }

    pub fn is_root(&self) -> bool {
        self.parts.is_empty()
    }

    pub fn parts(&self) -> &[String] {
        &self.parts
    }

    /// The parent's components and the last name; `None` for the root.
    pub fn split_last(&self) -> Option<(&[String], &str)> {
        self.parts
            .split_last()
            .map(|(last, parent)| (parent, last.as_str()))
    }

    /// A case-folded form: two paths FAT treats as the same file have the
    /// same key (FAT compares names case-insensitively).
    pub fn key(&self) -> String {
        let mut k = String::new();
        for p in &self.parts {
            k.push('/');
            for ch in p.chars().flat_map(char::to_uppercase) {
                k.push(ch);
            }
        }
        k
    }

    /// Whether `self` is `other` or inside it.
    pub fn is_within(&self, other: &FsPath) -> bool {
        let (a, b) = (self.key(), other.key());
        a == b || (a.starts_with(&b) && a.as_bytes().get(b.len()) == Some(&b'/')) || b.is_empty()
    }
}

/// A name FAT can hold as a long name.
fn check_name(name: &str) -> Result<(), FsError> {
    let bad = |c: char| c < ' ' || FORBIDDEN.contains(&c);
    if name.chars().any(bad) || name.encode_utf16().count() > NAME_MAX_UNITS {
        return Err(FsError::InvalidName);
    }
    // Windows and mtools drop trailing dots and spaces; a name made only of
    // them would become empty.
    if name.trim_end_matches(['.', ' ']).is_empty() {
        return Err(FsError::InvalidName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str) -> Vec<String> {
        FsPath::parse(p).unwrap().parts().to_vec()
    }

    #[test]
    fn normalizes() {
        assert!(FsPath::parse("/").unwrap().is_root());
        assert!(FsPath::parse("").unwrap().is_root());
        assert_eq!(parts("/a//b/./c/"), ["a", "b", "c"]);
        assert_eq!(parts("a/b/../c"), ["a", "c"]);
        assert_eq!(parts("/../../x"), ["x"]);
    }

    #[test]
    fn refuses_names_fat_cannot_hold() {
        for bad in [
            "a:b", "x*", "q?", "c\\d", "p|q", "<", "\u{1}", "...", " ", "a/ . ",
        ] {
            assert_eq!(FsPath::parse(bad), Err(FsError::InvalidName), "{bad:?}");
        }
        assert_eq!(FsPath::parse(&"n".repeat(256)), Err(FsError::InvalidName));
        assert!(FsPath::parse(&"n".repeat(255)).is_ok());
        assert_eq!(
            FsPath::parse(&"/".repeat(PATH_MAX + 1)),
            Err(FsError::InvalidName)
        );
    }

    #[test]
    fn keys_fold_case_and_nesting_is_by_component() {
        let a = FsPath::parse("/Docs/Read Me.txt").unwrap();
        let b = FsPath::parse("docs/READ ME.TXT").unwrap();
        assert_eq!(a.key(), b.key());
        let docs = FsPath::parse("/DOCS").unwrap();
        assert!(a.is_within(&docs));
        assert!(!FsPath::parse("/docsx/y").unwrap().is_within(&docs));
        assert!(a.is_within(&FsPath::parse("/").unwrap()));
    }
}
