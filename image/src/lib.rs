//! Builds Cordon's boot images on the host: the initrd (below) and a GRUB
//! ISO (`iso`).
//!
//! The initrd is a POSIX (ustar) tar archive: a standard format that the
//! kernel reads with a `no_std` crate, and that `tar tvf` can inspect. Files
//! are stored in the order given, with fixed metadata (mtime 0, mode 0644 or
//! 0755, uid/gid 0), so the same inputs always give the same bytes.

pub mod datadisk;
mod iso;

pub use iso::{build_iso, grub_cfg};

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One file to put in the initrd.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Path inside the archive, e.g. `bin/supervisor`.
    pub name: String,
    pub source: Source,
    pub executable: bool,
}

#[derive(Clone, Debug)]
pub enum Source {
    File(PathBuf),
    Bytes(Vec<u8>),
}

/// Why an initrd could not be built.
#[derive(Debug)]
pub enum ImageError {
    /// A name that is empty, absolute, has `..`, or is too long for ustar.
    BadName(String),
    Read {
        path: PathBuf,
        error: io::Error,
    },
    Write {
        path: PathBuf,
        error: io::Error,
    },
    /// An external tool (`grub-mkrescue`) could not run or failed.
    Tool {
        tool: &'static str,
        detail: String,
    },
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::BadName(n) => write!(f, "bad initrd entry name {n:?}"),
            ImageError::Read { path, error } => write!(f, "reading {}: {error}", path.display()),
            ImageError::Write { path, error } => write!(f, "writing {}: {error}", path.display()),
            ImageError::Tool { tool, detail } => write!(f, "{tool}: {detail}"),
        }
    }
}

impl std::error::Error for ImageError {}

fn check_name(name: &str) -> Result<(), ImageError> {
    let ok = !name.is_empty()
        && !name.starts_with('/')
        && name.len() <= 100
        && name.split('/').all(|c| !c.is_empty() && c != "..");
    if ok {
        Ok(())
    } else {
        Err(ImageError::BadName(name.to_string()))
    }
}

/// The archive bytes for `entries`.
pub fn initrd_bytes(entries: &[Entry]) -> Result<Vec<u8>, ImageError> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Deterministic);
    for e in entries {
        check_name(&e.name)?;
        let data = match &e.source {
            Source::Bytes(b) => b.clone(),
            Source::File(p) => fs::read(p).map_err(|error| ImageError::Read {
                path: p.clone(),
                error,
            })?,
        };
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(if e.executable { 0o755 } else { 0o644 });
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, &e.name, data.as_slice())
            .map_err(|_| ImageError::BadName(e.name.clone()))?;
    }
    builder.into_inner().map_err(|error| ImageError::Write {
        path: PathBuf::from("<memory>"),
        error,
    })
}

/// Writes the initrd to `out` (only when its bytes changed, so timestamps
/// stay meaningful for incremental builds).
pub fn write_initrd(out: &Path, entries: &[Entry]) -> Result<(), ImageError> {
    let bytes = initrd_bytes(entries)?;
    if fs::read(out).ok().as_deref() == Some(bytes.as_slice()) {
        return Ok(());
    }
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir).map_err(|error| ImageError::Write {
            path: dir.to_path_buf(),
            error,
        })?;
    }
    fs::write(out, bytes).map_err(|error| ImageError::Write {
        path: out.to_path_buf(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.into(),
            source: Source::Bytes(data.to_vec()),
            executable: false,
        }
    }

    #[test]
    fn archive_round_trips_through_the_tar_reader() {
        let bytes =
            initrd_bytes(&[entry("etc/manifest", b"hello"), entry("bin/x", &[1, 2, 3])]).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut seen = Vec::new();
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut data).unwrap();
            seen.push((e.path().unwrap().to_string_lossy().into_owned(), data));
        }
        assert_eq!(
            seen,
            vec![
                ("etc/manifest".into(), b"hello".to_vec()),
                ("bin/x".into(), vec![1, 2, 3])
            ]
        );
    }

    #[test]
    fn same_inputs_give_same_bytes() {
        let a = initrd_bytes(&[entry("a", b"1")]).unwrap();
        let b = initrd_bytes(&[entry("a", b"1")]).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in ["", "/abs", "a/../b", "a//b"] {
            assert!(
                matches!(
                    initrd_bytes(&[entry(bad, b"")]),
                    Err(ImageError::BadName(_))
                ),
                "{bad:?}"
            );
        }
    }
}
