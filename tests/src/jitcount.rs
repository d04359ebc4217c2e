//! What the JIT's C# test suites hold on the host, for judging the ring-3
//! run (`jit-ring3`): the test assemblies in `target/managed/tests/` (the
//! same files the initrd carries) and the tests `jit::testrun` finds in
//! them — the discovery the driver host uses, so the two counts mean the
//! same thing.

use std::path::PathBuf;

/// `target/managed` of this checkout (or of `CARGO_TARGET_DIR`).
fn managed_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("managed")
}

/// (test assemblies, tests in them) as the host sees them.
pub fn host_suites() -> Result<(usize, usize), String> {
    let dir = managed_dir();
    let read = |p: &PathBuf| -> Result<&'static [u8], String> {
        std::fs::read(p)
            .map(|b| &*Vec::leak(b))
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let corlib = read(&dir.join("corlib.dll"))?;
    let tests = dir.join("tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&tests)
        .map_err(|e| format!("{}: {e}", tests.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dll"))
        .collect();
    files.sort();
    let mut count = 0;
    for f in &files {
        let mut rt = jit::testrun::runtime(corlib, &[]).map_err(|e| format!("runtime: {e:?}"))?;
        let asm = rt
            .types
            .load(read(f)?)
            .map_err(|e| format!("{}: {e}", f.display()))?;
        count += jit::testrun::find_tests(&mut rt, asm).len();
    }
    Ok((files.len(), count))
}

/// The IL offset and mnemonic of every instruction of `Ns.Type::Method` in
/// `target/managed/tests/FILE` (the fault tests check the supervisor's
/// report against the real method body).
pub fn il_of(file: &str, ns: &str, ty: &str, method: &str) -> Result<Vec<(u32, String)>, String> {
    il_in(&format!("tests/{file}"), ns, ty, method)
}

/// [`il_of`] for any assembly under `target/managed/` (`ddk.dll`,
/// `drivers/virtio-blk.dll`).
pub fn il_in(file: &str, ns: &str, ty: &str, method: &str) -> Result<Vec<(u32, String)>, String> {
    let p = managed_dir().join(file);
    let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let img = jit::metadata::Image::parse(&bytes).map_err(|e| format!("{file}: {e:?}"))?;
    let t = img
        .find_type_def(ns, ty)
        .map_err(|e| format!("{e:?}"))?
        .ok_or(format!("no {ns}.{ty} in {file}"))?;
    for m in img.tables().methods_of(t).map_err(|e| format!("{e:?}"))? {
        let m = m.map_err(|e| format!("{e:?}"))?;
        if img.method_name(m).map_err(|e| format!("{e:?}"))? != method {
            continue;
        }
        let body = img
            .method_body(m)
            .map_err(|e| format!("{e:?}"))?
            .ok_or("no body")?;
        return jit::metadata::IlReader::new(body.code)
            .map(|i| {
                i.map(|i| (i.offset, i.opcode.mnemonic().to_string()))
                    .map_err(|e| format!("{e:?}"))
            })
            .collect();
    }
    Err(format!("no method {ns}.{ty}::{method}"))
}
