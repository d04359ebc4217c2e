//! Small helpers shared by the subcommands: paths, running commands, errors.

use std::fmt;
use std::path::PathBuf;
use std::process::Command;

/// Why an xtask command failed.
#[derive(Debug)]
pub enum Error {
    /// The command line was wrong; the message says how.
    Usage(String),
    /// A tool or package is missing and could not be installed.
    Missing(String),
    /// A child command ran and failed.
    CommandFailed { what: String, status: String },
    /// A child command could not be started at all.
    Spawn { what: String, error: std::io::Error },
    /// A file could not be read or written.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Tests ran and some failed (the count).
    TestsFailed(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Missing(m) => f.write_str(m),
            Error::CommandFailed { what, status } => write!(f, "`{what}` failed ({status})"),
            Error::Spawn { what, error } => write!(f, "could not start `{what}`: {error}"),
            Error::Io { path, error } => write!(f, "{}: {error}", path.display()),
            Error::TestsFailed(n) => write!(f, "{n} test(s) failed"),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// `target/` of the workspace (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// A printable form of a command for error messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` with inherited stdio; fails unless it exits 0.
pub fn run_status(cmd: &mut Command) -> Result<()> {
    let what = describe(cmd);
    let status = cmd.status().map_err(|error| Error::Spawn {
        what: what.clone(),
        error,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed {
            what,
            status: status.to_string(),
        })
    }
}

/// A `cargo` command that uses the same cargo binary (and so the same pinned toolchain).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root());
    cmd
}

/// True when `prog` is found on `PATH`.
pub fn have(prog: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(prog).is_file()))
}
