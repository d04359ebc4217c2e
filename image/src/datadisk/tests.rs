//! The data disk: determinism, and interop with `mkfs.fat`'s world —
//! `fsck.fat -n` finds it clean, `mtools` reads what Cordon's FAT service
//! wrote and the service reads what `mtools` wrote. These tests need
//! dosfstools and mtools (`cargo xtask setup` installs them) and fail,
//! saying so, without them.

use super::*;
use std::path::PathBuf;
use std::process::Command;

/// FNV-1a 64 of the whole image. A deliberate change of the disk's
/// contents (or of fatfs's layout) changes it: update it then, after
/// checking the new image with `fsck.fat -n`.
const GOLDEN: u64 = 0x347c_344d_0018_a697;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cordon-datadisk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

fn tool(name: &str, args: &[&str]) -> std::process::Output {
    Command::new(name)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {name} ({e}): install dosfstools and mtools (cargo xtask setup)")
        })
}

/// `fsck.fat -n` finds nothing to fix.
pub fn assert_fsck_clean(img: &Path) {
    let out = tool("fsck.fat", &["-n", img.to_str().unwrap()]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "fsck.fat -n failed:\n{text}");
    // Clean means silent: only the version line and the summary
    // ("IMG: N files, U/T clusters"); anything else is a finding, even
    // one fsck.fat does not count as an error (a stale free count).
    let findings: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("fsck.fat ") && !l.contains(" files, "))
        .collect();
    assert!(findings.is_empty(), "fsck.fat -n reports:\n{text}");
}

fn mtype(img: &Path, path: &str) -> Vec<u8> {
    let out = tool(
        "mcopy",
        &["-n", "-i", img.to_str().unwrap(), &format!("::{path}"), "-"],
    );
    assert!(
        out.status.success(),
        "mcopy ::{path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn the_disk_is_the_same_bytes_every_time() {
    let a = build().unwrap();
    let b = build().unwrap();
    assert_eq!(a.len(), BYTES);
    assert!(a == b, "two builds differ");
    assert_eq!(fnv1a64(&a), GOLDEN, "image checksum changed (see GOLDEN)");
}

#[test]
fn create_never_overwrites_and_writes_the_built_bytes() {
    let p = temp("create.img");
    create(&p).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), build().unwrap());
    std::fs::write(&p, b"user data").unwrap();
    assert!(create(&p).is_err());
    assert_eq!(std::fs::read(&p).unwrap(), b"user data");
}

#[test]
fn fsck_finds_it_clean_and_mtools_reads_every_sample() {
    let p = temp("samples.img");
    create(&p).unwrap();
    assert_fsck_clean(&p);
    assert_eq!(mtype(&p, "/README.TXT"), README.as_bytes());
    let big = mtype(&p, BIG_PATH);
    assert_eq!(big.len(), BIG_LEN);
    assert_eq!(fnv1a64(&big), big_checksum());
    assert_eq!(mtype(&p, LONG_NAME), LONG_NAME_TEXT.as_bytes());
    assert_eq!(mtype(&p, HELLO_PATH), HELLO.as_bytes());
    // mtools sees the volume label and the long name as such.
    let out = tool("mlabel", &["-s", "-i", p.to_str().unwrap(), "::"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("CORDON DATA"));
    let out = tool("mdir", &["-i", p.to_str().unwrap(), "::/docs"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("A file with a long name.txt"));
}

const CLIENT: TaskIdWire = TaskIdWire(7);

fn service(img: &[u8]) -> Service<RamDisk> {
    Service::new(Volume::mount(
        RamDisk::from_image(img.to_vec()),
        256,
        FixedTime::default_time(),
    ))
}

fn write(s: &mut Service<RamDisk>, path: &str, data: &[u8]) {
    let Reply::Opened { handle, .. } = s.handle(
        CLIENT,
        Request::Open {
            path: path.into(),
            mode: OpenMode::CREATE,
        },
        &mut NoGrants,
    ) else {
        panic!("open {path}");
    };
    for c in data.chunks(ipc::fs::DATA_MAX as usize) {
        let r = s.handle(
            CLIENT,
            Request::Write {
                handle,
                data: c.to_vec(),
            },
            &mut NoGrants,
        );
        assert_eq!(r, Reply::Count(c.len() as u32));
    }
    let r = s.handle(CLIENT, Request::Close { handle }, &mut NoGrants);
    assert_eq!(r, Reply::Ok);
}

fn read(s: &mut Service<RamDisk>, path: &str) -> Vec<u8> {
    let Reply::Opened { handle, .. } = s.handle(
        CLIENT,
        Request::Open {
            path: path.into(),
            mode: OpenMode::READ,
        },
        &mut NoGrants,
    ) else {
        panic!("open {path}");
    };
    let mut out = Vec::new();
    loop {
        match s.handle(
            CLIENT,
            Request::Read {
                handle,
                len: ipc::fs::DATA_MAX,
            },
            &mut NoGrants,
        ) {
            Reply::Data(d) if d.is_empty() => break,
            Reply::Data(d) => out.extend(d),
            other => panic!("read {path}: {other:?}"),
        }
    }
    out
}

#[test]
fn mtools_reads_what_the_fat_service_wrote_and_fsck_finds_it_clean() {
    let mut s = service(&build().unwrap());
    let ok = |r: Reply| assert_eq!(r, Reply::Ok);
    ok(s.handle(
        CLIENT,
        Request::Mkdir {
            path: "/written by cordon".into(),
        },
        &mut NoGrants,
    ));
    let text = b"written through ipc::fs\n".repeat(100);
    write(
        &mut s,
        "/written by cordon/a long name, with spaces.txt",
        &text,
    );
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    write(&mut s, "/written by cordon/big.dat", &big);
    ok(s.handle(
        CLIENT,
        Request::Rename {
            from: "/README.TXT".into(),
            to: "/docs/README MOVED.TXT".into(),
        },
        &mut NoGrants,
    ));
    ok(s.handle(
        CLIENT,
        Request::Remove {
            path: HELLO_PATH.into(),
        },
        &mut NoGrants,
    ));
    ok(s.handle(CLIENT, Request::Sync, &mut NoGrants));
    let p = temp("cordon-wrote.img");
    std::fs::write(&p, &s.into_volume().unwrap().into_device().data).unwrap();
    assert_fsck_clean(&p);
    assert_eq!(
        mtype(&p, "/written by cordon/a long name, with spaces.txt"),
        text
    );
    assert_eq!(mtype(&p, "/written by cordon/big.dat"), big);
    assert_eq!(mtype(&p, "/docs/README MOVED.TXT"), README.as_bytes());
    let out = tool(
        "mdir",
        &["-b", "-i", p.to_str().unwrap(), "::/docs/nested/deeper"],
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("HELLO"));
}

#[test]
fn the_fat_service_reads_what_mtools_wrote() {
    let p = temp("mtools-wrote.img");
    create(&p).unwrap();
    let host = temp("from-host.bin");
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&host, &data).unwrap();
    let img = p.to_str().unwrap();
    assert!(tool("mmd", &["-i", img, "::/from mtools"]).status.success());
    let put = tool(
        "mcopy",
        &[
            "-i",
            img,
            host.to_str().unwrap(),
            "::/from mtools/Host File.bin",
        ],
    );
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let mut s = service(&std::fs::read(&p).unwrap());
    assert_eq!(read(&mut s, "/FROM MTOOLS/host file.BIN"), data);
    assert_eq!(fnv1a64(&read(&mut s, BIG_PATH)), big_checksum());
}
