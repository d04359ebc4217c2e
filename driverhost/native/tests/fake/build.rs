//! Compiles the managed side with mcs, once per test binary, into
//! `target/tmp/ddk-fake/`: the corlib, the DDK, the C# virtio-blk driver
//! (all unchanged sources) and the probe driver
//! `driverhost/managed/probes/portrange/` (which a QEMU test also runs). Flags as
//! `cargo xtask managed` (`xtask/src/managed.rs`) uses them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The assemblies' bytes (leaked: the type system borrows them).
pub struct Assemblies {
    pub corlib: &'static [u8],
    pub ddk: &'static [u8],
    pub virtio_blk: &'static [u8],
    pub probes: &'static [u8],
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sources(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cs"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mcs(out: &Path, refs: &[&Path], dir: &Path) -> &'static [u8] {
    let mut cmd = Command::new("mcs");
    cmd.args([
        "-unsafe",
        "-debug-",
        "-optimize+",
        "-target:library",
        "-nostdlib",
    ]);
    for r in refs {
        cmd.arg(format!("-r:{}", r.display()));
    }
    cmd.arg(format!("-out:{}", out.display()));
    cmd.args(sources(dir));
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run mcs ({e}): run `cargo xtask setup`"));
    assert!(
        o.status.success(),
        "mcs for {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    Vec::leak(std::fs::read(out).expect("read the assembly"))
}

/// Builds everything (first call) and returns the bytes.
pub fn assemblies() -> &'static Assemblies {
    static ONCE: OnceLock<Assemblies> = OnceLock::new();
    ONCE.get_or_init(|| {
        let managed = root().join("driverhost/managed");
        let out = root().join("target/tmp/ddk-fake");
        std::fs::create_dir_all(&out).expect("create target/tmp/ddk-fake");
        let (corlib, ddk) = (out.join("corlib.dll"), out.join("ddk.dll"));
        let (blk, probes) = (out.join("virtio-blk.dll"), out.join("probes.dll"));
        Assemblies {
            corlib: mcs(&corlib, &[], &managed.join("corlib")),
            ddk: mcs(&ddk, &[&corlib], &managed.join("ddk")),
            virtio_blk: mcs(&blk, &[&corlib, &ddk], &managed.join("drivers/virtio-blk")),
            probes: mcs(&probes, &[&corlib, &ddk], &managed.join("probes/portrange")),
        }
    })
}
