//! Shared helpers of the metadata integration tests: compile C# with `mcs`
//! into `target/tmp` and load mono's mscorlib.

#![allow(dead_code, reason = "each test crate uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Mono's 4.5 profile corlib, the largest real assembly on the machine.
pub const MSCORLIB: &str = "/usr/lib/mono/4.5/mscorlib.dll";

const SETUP_HINT: &str = "run `cargo xtask setup` to install mono (mcs, mscorlib)";

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/metadata_cs")
}

/// Compile `jit/tests/metadata_cs/<name>.cs` to a library and return its bytes.
/// Panics (failing the test) if `mcs` is missing or the compile fails.
pub fn compile(name: &str) -> Vec<u8> {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("metadata_cs");
    std::fs::create_dir_all(&out_dir).expect("create target/tmp/metadata_cs");
    // One output per test process: parallel test binaries must not race on a file.
    let out = out_dir.join(format!("{name}-{}.dll", std::process::id()));
    let src = source_dir().join(format!("{name}.cs"));
    let result = Command::new("mcs")
        .arg("-target:library")
        .arg("-nowarn:67,169,414,649")
        .arg(format!("-out:{}", out.display()))
        .arg(&src)
        .output();
    let output = match result {
        Ok(o) => o,
        Err(e) => panic!("cannot run `mcs` ({e}): {SETUP_HINT}"),
    };
    assert!(
        output.status.success(),
        "mcs failed on {}:\n{}{}",
        src.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&out).expect("read compiled assembly");
    let _ = std::fs::remove_file(&out);
    bytes
}

/// The sample assembly (`sample.cs`), compiled once per test process.
pub fn sample() -> &'static [u8] {
    static SAMPLE: OnceLock<Vec<u8>> = OnceLock::new();
    SAMPLE.get_or_init(|| compile("sample"))
}

/// Mono's mscorlib bytes.
pub fn mscorlib() -> &'static [u8] {
    static CORLIB: OnceLock<Vec<u8>> = OnceLock::new();
    CORLIB.get_or_init(|| match std::fs::read(MSCORLIB) {
        Ok(b) => b,
        Err(e) => panic!("cannot read {MSCORLIB} ({e}): {SETUP_HINT}"),
    })
}
