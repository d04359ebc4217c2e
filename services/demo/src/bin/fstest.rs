//! A client of the FAT service (`ipc::fs`) for the storage QEMU tests. The
//! harness made the disk (`image::datadisk`, plus files put there with
//! `mcopy`) and checks it with `mtools` and `fsck.fat -n` after QEMU exits.
//!
//! `mode=interop`: reads the data disk's samples and the file the harness
//! copied in (printing their FNV-1a checksums for the judge), writes a text
//! file with a long name in a new directory, copies `/BIG.BIN` through
//! grants, renames and removes, checks handle ownership errors, syncs.
//!
//! `mode=hostile`: the disk's `/docs` directory is damaged; listing it must
//! give `Corrupt`, and the service must go on serving the rest.
//!
//! `mode=unmounted`: the disk is not FAT; every request gets `Unmounted`
//! and the service keeps answering.
//!
//! `race=ROUNDS` (with `mode=interop`, before it): revokes grants while
//! the service uses them (below, [`race`]); the interop that follows shows
//! the service kept serving.
//!
//! Args: `shutdown=1` powers off at the end.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use ipc::fs::{FsError, Handle, OpenMode, SeekFrom};
use userlib::fs::{FsClient, FsClientError};

userlib::entry!(main);

/// The client's bulk buffer (granted to the service for `ReadGrant` and
/// `WriteGrant`).
const BUF_AT: u64 = 0x0000_3800_0000_0000;
const BUF: usize = 1 << 20;

/// What `mode=interop` writes; the harness reads it back with `mtools`.
pub const WRITTEN_DIR: &str = "/written by cordon";
pub const WRITTEN_TEXT_PATH: &str = "/written by cordon/A long name, written in ring 3.txt";
pub const BIG_COPY_PATH: &str = "/written by cordon/big copy.bin";

type R<T> = Result<T, String>;

fn buf() -> &'static mut [u8] {
    // SAFETY: BUF bytes at BUF_AT were mapped writable by `main`; this
    // single-threaded program uses them only through this slice.
    unsafe { core::slice::from_raw_parts_mut(BUF_AT as *mut u8, BUF) }
}

fn fnv1a64(h: &mut u64, data: &[u8]) {
    for &b in data {
        *h ^= u64::from(b);
        *h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn e(what: &str) -> impl Fn(FsClientError) -> String + '_ {
    move |err| format!("{what}: {err}")
}

fn expect_err(
    what: &str,
    got: Result<impl core::fmt::Debug, FsClientError>,
    want: FsError,
) -> R<()> {
    match got {
        Err(FsClientError::Fs(f)) if f == want => Ok(()),
        other => Err(format!("{what}: expected {want:?}, got {other:?}")),
    }
}

/// Reads the whole file at `path` through a grant; returns (bytes, FNV).
fn checksum_via_grant(fs: &FsClient, path: &str) -> R<(u64, u64)> {
    let (h, size) = fs.open(path, OpenMode::READ).map_err(e(path))?;
    let g = userlib::grant_create(fs.server, BUF_AT, BUF as u64, true)
        .map_err(|x| format!("GrantCreate: {x}"))?;
    let mut hash = FNV_START;
    let mut total = 0u64;
    loop {
        let n = fs.read_grant(h, g, BUF as u32).map_err(e(path))?;
        if n == 0 {
            break;
        }
        fnv1a64(&mut hash, buf().get(..n as usize).unwrap_or(&[]));
        total += u64::from(n);
    }
    let _ = userlib::grant_revoke(g);
    fs.close(h).map_err(e(path))?;
    if total != size {
        return Err(format!("{path}: read {total} bytes of {size}"));
    }
    Ok((total, hash))
}

/// A 1 MiB `ReadGrant` of `/BIG.BIN` (even rounds) or `WriteGrant` into a
/// scratch file (odd rounds), the call given up after 1–3 ms and the grant
/// revoked at once — while the service is still reading the file or
/// writing it (the service used to map the grant, and faulted when it was
/// revoked under it). Every fourth round revokes before calling: that
/// must be `Grant(NoSuchGrant)`. A call the service is still working on
/// when the next one comes is `Busy`; the next round waits for it.
fn race(fs: &FsClient, rounds: u64) -> R<String> {
    use ipc::fs::{Fs, GRANT_MAX, Request};
    use userlib::rpc::{self, RpcError};
    const SCRATCH: &str = "/revoked grants.bin";
    let (src, _) = fs.open("/BIG.BIN", OpenMode::READ).map_err(e("open BIG"))?;
    let (dst, _) = fs
        .open(SCRATCH, OpenMode::CREATE)
        .map_err(e("create scratch"))?;
    let (mut gave_up, mut before, mut answered) = (0u64, 0u64, 0u64);
    for round in 0..rounds {
        let g = userlib::grant_create(fs.server, BUF_AT, BUF as u64, true)
            .map_err(|x| format!("GrantCreate: {x}"))?;
        let req = if round % 2 == 0 {
            Request::ReadGrant {
                handle: src,
                grant: g,
                len: GRANT_MAX,
            }
        } else {
            Request::WriteGrant {
                handle: dst,
                grant: g,
                len: GRANT_MAX,
            }
        };
        if round % 4 == 3 {
            let _ = userlib::grant_revoke(g);
            // The previous round's request may still be running.
            let r = loop {
                match rpc::call::<Fs>(fs.server, &req) {
                    Err(RpcError::Sys(userlib::sys::Error::Sys(ddk_abi::SyscallError::Busy))) => {
                        userlib::sleep_ms(5)
                    }
                    r => break r,
                }
            };
            match r {
                Ok(ipc::fs::Reply::Err(FsError::Grant(c)))
                    if c == ddk_abi::SyscallError::NoSuchGrant.code() =>
                {
                    before += 1
                }
                other => return Err(format!("round {round}: a revoked grant gave {other:?}")),
            }
            continue;
        }
        let r = loop {
            match rpc::call_timeout::<Fs>(fs.server, &req, 1 + round % 3) {
                Err(RpcError::Sys(userlib::sys::Error::Sys(ddk_abi::SyscallError::Busy))) => {
                    userlib::sleep_ms(5)
                }
                r => break r,
            }
        };
        let _ = userlib::grant_revoke(g);
        match r {
            Err(RpcError::Sys(userlib::sys::Error::Sys(ddk_abi::SyscallError::Timeout))) => {
                gave_up += 1
            }
            Ok(ipc::fs::Reply::Count(_)) | Ok(ipc::fs::Reply::Err(FsError::Grant(_))) => {
                answered += 1
            }
            other => return Err(format!("round {round}: {other:?}")),
        }
    }
    // The service answers this client again (waiting out the last round).
    let pos = loop {
        match fs.seek(src, SeekFrom::Current(0)) {
            Err(FsClientError::Rpc(RpcError::Sys(userlib::sys::Error::Sys(
                ddk_abi::SyscallError::Busy,
            )))) => userlib::sleep_ms(5),
            r => break r.map_err(e("seek"))?,
        }
    };
    fs.close(src).map_err(e("close BIG"))?;
    fs.close(dst).map_err(e("close scratch"))?;
    fs.remove(SCRATCH).map_err(e("remove scratch"))?;
    if gave_up == 0 {
        return Err(String::from(
            "no call was given up while the service worked on it",
        ));
    }
    userlib::log!(
        "fstest: revoked {gave_up} grants while the service used them, {before} before the call (Grant(NoSuchGrant)), {answered} calls answered first; /BIG.BIN's position {pos}; the service kept serving"
    );
    Ok(String::new())
}

fn interop(fs: &FsClient) -> R<String> {
    let info = fs.statfs().map_err(e("statfs"))?;
    userlib::log!(
        "fstest: {:?} '{}', {} of {} clusters free",
        info.fat_type,
        info.label,
        info.free_clusters,
        info.total_clusters
    );
    let readme = fs.read_file("/readme.txt").map_err(e("README.TXT"))?;
    if !readme.starts_with(b"Cordon data disk.") {
        return Err(String::from(
            "README.TXT does not start as the data disk's does",
        ));
    }
    let (len, hash) = checksum_via_grant(fs, "/BIG.BIN")?;
    userlib::log!("fstest: /BIG.BIN {len} bytes fnv1a64={hash:#018x}");
    let (hlen, hhash) = checksum_via_grant(fs, "/from mtools/Host File.bin")?;
    userlib::log!("fstest: /from mtools/Host File.bin {hlen} bytes fnv1a64={hhash:#018x}");
    let names: alloc::vec::Vec<String> = fs
        .read_dir("/docs/nested/deeper")
        .map_err(e("readdir"))?
        .into_iter()
        .map(|d| d.name)
        .collect();
    if names != ["HELLO.TXT"] {
        return Err(format!("/docs/nested/deeper lists {names:?}"));
    }

    // Writes: a text file with a long name in a new directory (inline).
    fs.mkdir(WRITTEN_DIR).map_err(e("mkdir"))?;
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!("line {i}: written by fstest through ipc::fs\n"));
    }
    fs.write_file(WRITTEN_TEXT_PATH, text.as_bytes())
        .map_err(e("write text"))?;
    // A copy of BIG.BIN through grants, 1 MiB at a time.
    let (src, size) = fs.open("/BIG.BIN", OpenMode::READ).map_err(e("open BIG"))?;
    let (dst, _) = fs
        .open(BIG_COPY_PATH, OpenMode::CREATE)
        .map_err(e("create copy"))?;
    let gr = userlib::grant_create(fs.server, BUF_AT, BUF as u64, true)
        .map_err(|x| format!("GrantCreate: {x}"))?;
    let mut copied = 0u64;
    loop {
        let n = fs.read_grant(src, gr, BUF as u32).map_err(e("read BIG"))?;
        if n == 0 {
            break;
        }
        let w = fs.write_grant(dst, gr, n).map_err(e("write copy"))?;
        if w != n {
            return Err(format!("wrote {w} of {n}"));
        }
        copied += u64::from(n);
    }
    let _ = userlib::grant_revoke(gr);
    fs.close(src).map_err(e("close BIG"))?;
    fs.close(dst).map_err(e("close copy"))?;
    if copied != size {
        return Err(format!("copied {copied} of {size}"));
    }
    // A read-only grant for a ReadGrant is refused, not written through.
    let (h, _) = fs.open("/BIG.BIN", OpenMode::READ).map_err(e("open BIG"))?;
    let ro = userlib::grant_create(fs.server, BUF_AT, 4096, false)
        .map_err(|x| format!("GrantCreate: {x}"))?;
    match fs.read_grant(h, ro, 4096) {
        Err(FsClientError::Fs(FsError::Grant(_))) => {}
        other => return Err(format!("ReadGrant into a read-only grant: {other:?}")),
    }
    let _ = userlib::grant_revoke(ro);
    // Handles: a closed handle and a never-issued one are refused.
    fs.close(h).map_err(e("close"))?;
    expect_err(
        "read after close",
        fs.seek(h, SeekFrom::Start(0)),
        FsError::BadHandle,
    )?;
    expect_err(
        "a handle never issued",
        fs.close(Handle(0x7fff_0000)),
        FsError::BadHandle,
    )?;
    // Rename and remove; errors are typed.
    fs.rename("/README.TXT", "/docs/README, moved.txt")
        .map_err(e("rename"))?;
    fs.remove("/docs/nested/deeper/HELLO.TXT")
        .map_err(e("remove"))?;
    expect_err(
        "remove a non-empty dir",
        fs.remove("/docs"),
        FsError::NotEmpty,
    )?;
    expect_err(
        "stat a removed file",
        fs.stat("/docs/nested/deeper/HELLO.TXT"),
        FsError::NotFound,
    )?;
    fs.sync().map_err(e("sync"))?;
    Ok(format!(
        "read and checked {} bytes, wrote {} + {copied} bytes",
        len + hlen,
        text.len()
    ))
}

fn hostile(fs: &FsClient) -> R<String> {
    expect_err(
        "listing the damaged /docs",
        fs.read_dir("/docs"),
        FsError::Corrupt,
    )?;
    expect_err(
        "creating in the damaged /docs",
        fs.write_file("/docs/new.txt", b"x"),
        FsError::Corrupt,
    )?;
    // The rest of the volume still serves, reads and writes.
    let readme = fs.read_file("/README.TXT").map_err(e("README.TXT"))?;
    if !readme.starts_with(b"Cordon data disk.") {
        return Err(String::from("README.TXT changed"));
    }
    fs.write_file("/after damage.txt", b"still serving\n")
        .map_err(e("write"))?;
    if fs.read_file("/after damage.txt").map_err(e("read back"))? != b"still serving\n" {
        return Err(String::from("read back differs"));
    }
    Ok(String::from(
        "the damaged directory is Corrupt; the rest still serves",
    ))
}

fn unmounted(fs: &FsClient) -> R<String> {
    for _ in 0..3 {
        expect_err("statfs", fs.statfs(), FsError::Unmounted)?;
        expect_err(
            "open",
            fs.open("/README.TXT", OpenMode::READ),
            FsError::Unmounted,
        )?;
        expect_err("readdir", fs.read_dir("/"), FsError::Unmounted)?;
    }
    Ok(String::from(
        "every request got Unmounted; the service kept answering",
    ))
}

fn main(args: &str) -> i64 {
    let mode = demo::arg(args, "mode").unwrap_or("interop");
    if let Err(x) = userlib::map_anon(BUF_AT, BUF as u64, true) {
        userlib::log!("fstest: FAIL (mapping the buffer: {x})");
        return 1;
    }
    let server = loop {
        match userlib::lookup("fs") {
            Ok(id) => break id,
            Err(_) => userlib::sleep_ms(10),
        }
    };
    let fs = FsClient::new(server);
    let result = match mode {
        "interop" => match demo::arg_u64(args, "race", 0) {
            0 => interop(&fs),
            rounds => race(&fs, rounds).and_then(|_| interop(&fs)),
        },
        "hostile" => hostile(&fs),
        "unmounted" => unmounted(&fs),
        other => Err(format!("unknown mode {other}")),
    };
    demo::finish("fstest", args, result)
}
