//! Host tests of the whole service over a RAM disk formatted by fatfs:
//! every request, handle ownership, durability points, damaged images.
//! (Interop with `mkfs.fat`, `mtools` and `fsck.fat` is tested in the
//! `image` crate, which builds the data disk.)

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;
use std::collections::BTreeMap;

use ipc::TaskIdWire;
use ipc::blk::BlkError;
use ipc::fs::{FileKind, FsError, Handle, OpenMode, Reply, Request, SeekFrom};

use crate::cache::SectorCache;
use crate::io::DiskIo;
use crate::{FixedTime, GrantAccess, MountError, NoGrants, RamDisk, Service, Volume};

const ALICE: TaskIdWire = TaskIdWire(5 | 1 << 16);
const BOB: TaskIdWire = TaskIdWire(6 | 1 << 16);

/// A RAM disk of `mib` MiB (at least 34) formatted by fatfs as FAT32 with
/// 512-byte clusters.
pub fn formatted(mib: usize) -> RamDisk {
    let cache = Rc::new(RefCell::new(
        SectorCache::new(RamDisk::new(mib << 20), 64).unwrap(),
    ));
    let mut io = DiskIo::new(cache.clone());
    let opts = fatfs::FormatVolumeOptions::new()
        .volume_label(*b"CORDONTEST ")
        .fat_type(fatfs::FatType::Fat32)
        .bytes_per_cluster(512);
    fatfs::format_volume(&mut io, opts).unwrap();
    drop(io);
    cache.borrow_mut().flush().unwrap();
    Rc::try_unwrap(cache)
        .ok()
        .unwrap()
        .into_inner()
        .into_device()
}

fn mount(disk: RamDisk) -> Service<RamDisk> {
    Service::new(Volume::mount(disk, 256, FixedTime::default_time()))
}

/// Grants as a table of buffers, keyed by (client, id). A grant in
/// `revoke_after_check` is revoked by its client right after the service
/// checked it — before the copy — as a client racing the service would.
#[derive(Default)]
struct FakeGrants {
    bufs: BTreeMap<(TaskIdWire, u32), Vec<u8>>,
    read_only: Vec<(TaskIdWire, u32)>,
    revoke_after_check: Vec<(TaskIdWire, u32)>,
}

/// `SyscallError::NoSuchGrant`'s and `PermissionDenied`'s codes.
const NO_SUCH_GRANT: u32 = 12;
const PERMISSION_DENIED: u32 = 7;

impl FakeGrants {
    fn buf(&mut self, client: TaskIdWire, id: u32) -> Result<&mut Vec<u8>, FsError> {
        self.bufs
            .get_mut(&(client, id))
            .ok_or(FsError::Grant(NO_SUCH_GRANT))
    }
}

impl GrantAccess for FakeGrants {
    fn grant_len(&mut self, client: TaskIdWire, id: u32, writable: bool) -> Result<u64, FsError> {
        let len = self.buf(client, id)?.len() as u64;
        if writable && self.read_only.contains(&(client, id)) {
            return Err(FsError::Grant(PERMISSION_DENIED));
        }
        if self.revoke_after_check.contains(&(client, id)) {
            self.bufs.remove(&(client, id));
        }
        Ok(len)
    }

    fn copy_from(&mut self, client: TaskIdWire, id: u32, buf: &mut [u8]) -> Result<(), FsError> {
        let g = self.buf(client, id)?;
        let src = g.get(..buf.len()).ok_or(FsError::GrantTooSmall {
            mapped: g.len() as u64,
        })?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn copy_to(&mut self, client: TaskIdWire, id: u32, data: &[u8]) -> Result<(), FsError> {
        let g = self.buf(client, id)?;
        let mapped = g.len() as u64;
        g.get_mut(..data.len())
            .ok_or(FsError::GrantTooSmall { mapped })?
            .copy_from_slice(data);
        Ok(())
    }
}

/// A client revoking its grant after the service checked it (between the
/// check and the copy): the request is `Grant(NoSuchGrant)`, a read leaves
/// the position where it was, a write changes nothing, and the service
/// goes on serving the same handles. A read-only grant for a read is
/// refused before the file is read.
#[test]
fn a_grant_revoked_mid_request_is_a_typed_error_and_changes_nothing() {
    let mut s = mount(formatted(40));
    let mut g = FakeGrants::default();
    let data = pattern(200_000, 7);
    s.write_file(ALICE, "/f", &data);
    let (h, size) = s.open(ALICE, "/f", OpenMode::READ);
    assert_eq!(size, 200_000);
    g.bufs.insert((ALICE, 1), vec![0; 100_000]);
    g.revoke_after_check.push((ALICE, 1));
    let read = |grant| Request::ReadGrant {
        handle: h,
        grant,
        len: 100_000,
    };
    assert_eq!(
        s.handle(ALICE, read(1), &mut g),
        Reply::Err(FsError::Grant(NO_SUCH_GRANT))
    );
    g.bufs.insert((ALICE, 2), vec![0; 100_000]);
    g.read_only.push((ALICE, 2));
    assert_eq!(
        s.handle(ALICE, read(2), &mut g),
        Reply::Err(FsError::Grant(PERMISSION_DENIED))
    );
    // Neither moved the position: the next read starts at 0.
    g.bufs.insert((ALICE, 3), vec![0; 100_000]);
    assert_eq!(s.handle(ALICE, read(3), &mut g), Reply::Count(100_000));
    assert_eq!(g.bufs[&(ALICE, 3)], data[..100_000]);

    let (w, _) = s.open(ALICE, "/f", OpenMode::APPEND);
    g.bufs.insert((ALICE, 4), vec![0xee; 50_000]);
    g.revoke_after_check.push((ALICE, 4));
    let write = Request::WriteGrant {
        handle: w,
        grant: 4,
        len: 50_000,
    };
    assert_eq!(
        s.handle(ALICE, write, &mut g),
        Reply::Err(FsError::Grant(NO_SUCH_GRANT))
    );
    s.ok(ALICE, Request::Close { handle: w });
    s.ok(ALICE, Request::Close { handle: h });
    assert_eq!(s.read_file(ALICE, "/f"), data, "nothing was written");
}

/// The requests the tests send most, by path.
fn open(path: &str, mode: OpenMode) -> Request {
    Request::Open {
        path: path.into(),
        mode,
    }
}

fn mkdir(path: &str) -> Request {
    Request::Mkdir { path: path.into() }
}

fn remove(path: &str) -> Request {
    Request::Remove { path: path.into() }
}

fn stat(path: &str) -> Request {
    Request::Stat { path: path.into() }
}

fn write(handle: Handle, data: &[u8]) -> Request {
    Request::Write {
        handle,
        data: data.to_vec(),
    }
}

/// The first page of `path`'s listing.
fn readdir(path: &str) -> Request {
    Request::ReadDir {
        path: path.into(),
        cursor: 0,
    }
}

trait Call {
    fn call(&mut self, who: TaskIdWire, req: Request) -> Reply;
    fn ok(&mut self, who: TaskIdWire, req: Request) {
        let r = self.call(who, req.clone());
        assert_eq!(r, Reply::Ok, "{req:?}");
    }
    fn err(&mut self, who: TaskIdWire, req: Request) -> FsError {
        match self.call(who, req.clone()) {
            Reply::Err(e) => e,
            other => panic!("{req:?} gave {other:?}"),
        }
    }
    fn open(&mut self, who: TaskIdWire, path: &str, mode: OpenMode) -> (Handle, u64) {
        match self.call(who, open(path, mode)) {
            Reply::Opened { handle, size } => (handle, size),
            other => panic!("open {path} gave {other:?}"),
        }
    }
    fn write_file(&mut self, who: TaskIdWire, path: &str, data: &[u8]) {
        let (h, _) = self.open(who, path, OpenMode::CREATE);
        for chunk in data.chunks(ipc::fs::DATA_MAX as usize) {
            let r = self.call(who, write(h, chunk));
            assert_eq!(r, Reply::Count(chunk.len() as u32));
        }
        self.ok(who, Request::Close { handle: h });
    }
    fn read_file(&mut self, who: TaskIdWire, path: &str) -> Vec<u8> {
        let (h, size) = self.open(who, path, OpenMode::READ);
        let mut out = Vec::new();
        loop {
            match self.call(
                who,
                Request::Read {
                    handle: h,
                    len: ipc::fs::DATA_MAX,
                },
            ) {
                Reply::Data(d) if d.is_empty() => break,
                Reply::Data(d) => out.extend(d),
                other => panic!("read {path} gave {other:?}"),
            }
        }
        self.ok(who, Request::Close { handle: h });
        assert_eq!(out.len() as u64, size);
        out
    }
    fn list(&mut self, who: TaskIdWire, path: &str) -> Vec<ipc::fs::DirEntry> {
        let mut all = Vec::new();
        let mut cursor = 0;
        loop {
            let reply = self.call(
                who,
                Request::ReadDir {
                    path: path.into(),
                    cursor,
                },
            );
            // Every page must fit one message.
            ipc::encode_vec(&reply).unwrap();
            match reply {
                Reply::Entries { entries, next } => {
                    all.extend(entries);
                    match next {
                        Some(n) => cursor = n,
                        None => return all,
                    }
                }
                other => panic!("readdir {path} gave {other:?}"),
            }
        }
    }
}

impl Call for Service<RamDisk> {
    fn call(&mut self, who: TaskIdWire, req: Request) -> Reply {
        self.handle(who, req, &mut NoGrants)
    }
}

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The service's disk after `sync`, mounted afresh from the device bytes:
/// what a reboot would see.
fn remount(s: Service<RamDisk>) -> Service<RamDisk> {
    let disk = s.into_volume().unwrap().into_device();
    mount(RamDisk::from_image(disk.data))
}

#[test]
fn files_round_trip_and_survive_a_remount() {
    let mut s = mount(formatted(40));
    let small = b"hello, Cordon\n".to_vec();
    let big = pattern(300_000, 7);
    s.write_file(ALICE, "/README.TXT", &small);
    s.ok(ALICE, mkdir("/data"));
    s.ok(ALICE, mkdir("/data/a nested directory with a long name"));
    s.write_file(
        ALICE,
        "/data/a nested directory with a long name/Big File.bin",
        &big,
    );
    let mut s = remount(s);
    assert_eq!(s.read_file(BOB, "/readme.txt"), small);
    assert_eq!(
        s.read_file(BOB, "DATA/A NESTED DIRECTORY WITH A LONG NAME/big file.BIN"),
        big
    );
    let root = s.list(BOB, "/");
    let names: Vec<&str> = root.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["README.TXT", "data"]);
    assert_eq!(root[1].kind, FileKind::Directory);
    match s.call(BOB, stat("/README.TXT")) {
        Reply::Stat(m) => {
            assert_eq!((m.kind, m.size), (FileKind::File, small.len() as u64));
            assert_eq!(
                (m.modified.year, m.modified.month, m.modified.day),
                (2026, 1, 1)
            );
        }
        other => panic!("{other:?}"),
    }
    match s.call(BOB, Request::StatFs) {
        Reply::StatFs(i) => {
            assert_eq!(i.fat_type, ipc::fs::FatType::Fat32);
            assert_eq!(i.label, "CORDONTEST");
            assert!(i.free_clusters < i.total_clusters);
            let used = u64::from(i.total_clusters - i.free_clusters) * u64::from(i.cluster_size);
            assert!(used >= big.len() as u64, "{used}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nothing_reaches_the_device_before_sync_or_close_and_sync_leaves_it_clean() {
    let mut s = mount(formatted(40));
    let writes_before = s.volume().unwrap().cache().device().writes;
    let (h, _) = s.open(ALICE, "/f.txt", OpenMode::CREATE);
    let r = s.call(ALICE, write(h, &[1; 3000]));
    assert_eq!(r, Reply::Count(3000));
    {
        let vol = s.volume().unwrap();
        let cache = vol.cache();
        assert_eq!(
            cache.device().writes,
            writes_before,
            "written through before sync"
        );
        assert!(cache.is_dirty());
    }
    s.ok(ALICE, Request::Close { handle: h });
    let vol = s.volume().unwrap();
    let cache = vol.cache();
    assert!(!cache.is_dirty());
    let dev = cache.device();
    assert!(dev.writes > writes_before);
    assert_eq!(dev.unflushed, 0, "close did not flush the device");
    // The dirty bit (FAT32: byte 0x41 of the boot sector, bit 0) is clear:
    // fsck.fat would see a cleanly unmounted volume.
    assert_eq!(dev.data[0x41] & 1, 0);
    // A read-only handle's close costs no flush.
    let flushes = dev.flushes;
    drop(cache);
    let (h, _) = s.open(ALICE, "/f.txt", OpenMode::READ);
    s.ok(ALICE, Request::Close { handle: h });
    assert_eq!(s.volume().unwrap().cache().device().flushes, flushes);
}

#[test]
fn an_unsynced_write_is_lost_with_the_cache_and_a_synced_one_is_not() {
    let mut s = mount(formatted(40));
    s.write_file(ALICE, "/kept.txt", b"kept");
    let (h, _) = s.open(ALICE, "/lost.txt", OpenMode::CREATE);
    s.call(ALICE, write(h, b"lost"));
    // No sync, no close: a power cut now.
    let mut s = remount(s);
    assert_eq!(s.read_file(BOB, "/kept.txt"), b"kept");
    assert_eq!(s.err(BOB, stat("/lost.txt")), FsError::NotFound);
}

#[test]
fn handles_belong_to_their_client_and_generation() {
    let mut s = mount(formatted(40));
    s.write_file(ALICE, "/a", b"abc");
    let (h, _) = s.open(ALICE, "/a", OpenMode::READ);
    let read = |h| Request::Read { handle: h, len: 10 };
    assert_eq!(s.err(BOB, read(h)), FsError::BadHandle);
    assert_eq!(s.err(BOB, Request::Close { handle: h }), FsError::BadHandle);
    // Alice's next generation (same slot) is another client.
    let alice2 = TaskIdWire(ALICE.0 + (1 << 16));
    assert_eq!(s.err(alice2, read(h)), FsError::BadHandle);
    // ... and its arrival drops the dead generation's handles.
    assert_eq!(s.open_handles(), 0);
    assert_eq!(s.err(ALICE, read(h)), FsError::BadHandle);
    let (h, _) = s.open(ALICE, "/a", OpenMode::READ);
    assert_eq!(s.call(ALICE, read(h)), Reply::Data(b"abc".to_vec()));
    s.ok(ALICE, Request::Close { handle: h });
    assert_eq!(s.err(ALICE, read(h)), FsError::BadHandle, "a closed handle");
    assert_eq!(
        s.err(ALICE, Request::Close { handle: h }),
        FsError::BadHandle
    );
    // A new handle does not reuse the closed one's number.
    let (h2, _) = s.open(ALICE, "/a", OpenMode::READ);
    assert_ne!(h2, h);
    for _ in 1..ipc::fs::HANDLES_PER_CLIENT {
        s.open(ALICE, "/a", OpenMode::READ);
    }
    let r = s.call(ALICE, open("/a", OpenMode::READ));
    assert_eq!(r, Reply::Err(FsError::TooManyHandles));
    // Bob is not limited by Alice's handles.
    s.open(BOB, "/a", OpenMode::READ);
}

#[test]
fn open_modes() {
    let mut s = mount(formatted(40));
    assert_eq!(
        s.err(ALICE, open("/nope", OpenMode::READ)),
        FsError::NotFound
    );
    let excl = OpenMode {
        exclusive: true,
        ..OpenMode::CREATE
    };
    let (h, size) = s.open(ALICE, "/x", excl);
    assert_eq!(size, 0);
    s.call(ALICE, write(h, b"12345"));
    s.ok(ALICE, Request::Close { handle: h });
    assert_eq!(s.err(ALICE, open("/x", excl)), FsError::Exists);
    // Read-only handle: no writes; write-only handle: no reads.
    let (r, size) = s.open(ALICE, "/x", OpenMode::READ);
    assert_eq!(size, 5);
    let w = write(r, b"z");
    assert_eq!(s.err(ALICE, w), FsError::AccessDenied);
    assert_eq!(
        s.err(ALICE, Request::Truncate { handle: r, len: 0 }),
        FsError::AccessDenied
    );
    let write_only = OpenMode {
        read: false,
        write: true,
        ..OpenMode::default()
    };
    let (wh, _) = s.open(ALICE, "/x", write_only);
    assert_eq!(
        s.err(ALICE, Request::Read { handle: wh, len: 1 }),
        FsError::AccessDenied
    );
    // Append writes at the end whatever the position.
    let (a, _) = s.open(ALICE, "/x", OpenMode::APPEND);
    s.call(ALICE, write(a, b"67"));
    s.ok(ALICE, Request::Close { handle: a });
    assert_eq!(s.read_file(ALICE, "/x"), b"1234567");
    // Truncate on open.
    let (t, size) = s.open(ALICE, "/x", OpenMode::CREATE);
    assert_eq!(size, 0);
    s.ok(ALICE, Request::Close { handle: t });
    assert_eq!(s.read_file(ALICE, "/x"), b"");
    // Bad flag combinations and directories.
    let bad = OpenMode {
        truncate: true,
        ..OpenMode::READ
    };
    assert_eq!(s.err(ALICE, open("/x", bad)), FsError::InvalidArgument);
    s.ok(ALICE, mkdir("/d"));
    for (path, mode, want) in [
        ("/d", OpenMode::READ, FsError::IsADirectory),
        ("/", OpenMode::READ, FsError::IsADirectory),
        ("/x/y", OpenMode::CREATE, FsError::NotADirectory),
        ("/no/y", OpenMode::CREATE, FsError::NotFound),
        ("/bad:name", OpenMode::CREATE, FsError::InvalidName),
    ] {
        assert_eq!(s.err(ALICE, open(path, mode)), want, "{path}");
    }
}

#[test]
fn seek_write_past_the_end_and_truncate_both_ways() {
    let mut s = mount(formatted(40));
    let rw = OpenMode {
        read: true,
        ..OpenMode::CREATE
    };
    let (h, _) = s.open(ALICE, "/s", rw);
    let pos = s.call(
        ALICE,
        Request::Seek {
            handle: h,
            to: SeekFrom::Start(10_000),
        },
    );
    assert_eq!(pos, Reply::Position(10_000));
    s.call(ALICE, write(h, b"end"));
    assert_eq!(
        s.call(
            ALICE,
            Request::Seek {
                handle: h,
                to: SeekFrom::End(-3)
            }
        ),
        Reply::Position(10_000)
    );
    assert_eq!(
        s.call(
            ALICE,
            Request::Seek {
                handle: h,
                to: SeekFrom::Current(-10_001)
            }
        ),
        Reply::Err(FsError::InvalidArgument)
    );
    s.ok(
        ALICE,
        Request::Truncate {
            handle: h,
            len: 20_000,
        },
    );
    s.ok(ALICE, Request::Close { handle: h });
    let data = s.read_file(ALICE, "/s");
    assert_eq!(data.len(), 20_000);
    assert!(data[..10_000].iter().all(|&b| b == 0));
    assert_eq!(&data[10_000..10_003], b"end");
    assert!(data[10_003..].iter().all(|&b| b == 0));
    let rw_keep = OpenMode {
        truncate: false,
        ..rw
    };
    let (h, _) = s.open(ALICE, "/s", rw_keep);
    s.ok(
        ALICE,
        Request::Truncate {
            handle: h,
            len: 10_001,
        },
    );
    s.ok(ALICE, Request::Close { handle: h });
    let data = s.read_file(ALICE, "/s");
    assert_eq!(data.len(), 10_001);
    assert_eq!(data[10_000], b'e');
}

#[test]
fn directory_operations_and_their_errors() {
    let mut s = mount(formatted(40));
    let p = |x: &str| String::from(x);
    s.ok(ALICE, mkdir("/d"));
    assert_eq!(s.err(ALICE, mkdir("/D")), FsError::Exists);
    assert_eq!(s.err(ALICE, mkdir("/")), FsError::Exists);
    assert_eq!(s.err(ALICE, mkdir("/no/d")), FsError::NotFound);
    s.write_file(ALICE, "/d/f", b"1");
    assert_eq!(s.err(ALICE, remove("/d")), FsError::NotEmpty);
    assert_eq!(s.err(ALICE, remove("/d/g")), FsError::NotFound);
    assert_eq!(s.err(ALICE, readdir("/d/f")), FsError::NotADirectory);
    // Open files cannot be removed or renamed (nor their directories).
    let (h, _) = s.open(BOB, "/d/f", OpenMode::READ);
    assert_eq!(s.err(ALICE, remove("/d/F")), FsError::Busy);
    let mv = |a: &str, b: &str| Request::Rename {
        from: p(a),
        to: p(b),
    };
    assert_eq!(s.err(ALICE, mv("/d", "/e")), FsError::Busy);
    s.ok(BOB, Request::Close { handle: h });
    // Rename within a directory, move a file across directories.
    s.ok(ALICE, mv("/d/f", "/d/a much longer name.txt"));
    s.ok(ALICE, mkdir("/e"));
    s.ok(ALICE, mv("/d/a much longer name.txt", "/e/g"));
    assert_eq!(s.read_file(ALICE, "/e/g"), b"1");
    s.write_file(ALICE, "/e/h", b"2");
    assert_eq!(s.err(ALICE, mv("/e/g", "/e/h")), FsError::Exists);
    assert_eq!(s.err(ALICE, mv("/e/zz", "/e/y")), FsError::NotFound);
    // Directories: renamed in place yes, moved to another parent or into
    // themselves no.
    s.ok(ALICE, mv("/d", "/renamed dir"));
    assert_eq!(
        s.err(ALICE, mv("/renamed dir", "/e/d")),
        FsError::InvalidArgument
    );
    assert_eq!(s.err(ALICE, mv("/e", "/e/inner")), FsError::InvalidArgument);
    s.ok(ALICE, remove("/renamed dir"));
    s.ok(ALICE, remove("/e/g"));
    let names: Vec<String> = s.list(ALICE, "/e").into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["h"]);
    assert_eq!(s.err(ALICE, stat("/d")), FsError::NotFound);
    assert_eq!(s.err(ALICE, remove("/")), FsError::InvalidArgument);
}

#[test]
fn readdir_pages_fit_a_message_and_list_everything_once() {
    let mut s = mount(formatted(40));
    s.ok(ALICE, mkdir("/many"));
    let mut want = Vec::new();
    for i in 0..150 {
        let name = format!("a rather long file name number {i:03} to fill pages.txt");
        s.write_file(ALICE, &format!("/many/{name}"), &[i as u8]);
        want.push(name);
    }
    let got: Vec<String> = s.list(ALICE, "/many").into_iter().map(|e| e.name).collect();
    assert_eq!(got, want);
    // More than one page was needed.
    match s.call(ALICE, readdir("/many")) {
        Reply::Entries { entries, next } => {
            assert!(next.is_some());
            assert!(entries.len() < 150);
            let bytes = ipc::encode_vec(&Reply::Entries { entries, next }).unwrap();
            assert!(
                bytes.len() > ipc::MESSAGE_MAX - 200,
                "page underfilled: {}",
                bytes.len()
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bulk_data_through_grants() {
    let mut s = mount(formatted(40));
    let mut g = FakeGrants::default();
    let data = pattern(ipc::fs::GRANT_MAX as usize, 99);
    g.bufs.insert((ALICE, 1), data.clone());
    let (h, _) = s.open(ALICE, "/big", OpenMode::CREATE);
    let r = s.handle(
        ALICE,
        Request::WriteGrant {
            handle: h,
            grant: 1,
            len: ipc::fs::GRANT_MAX,
        },
        &mut g,
    );
    assert_eq!(r, Reply::Count(ipc::fs::GRANT_MAX));
    s.ok(ALICE, Request::Close { handle: h });
    g.bufs.insert((ALICE, 2), vec![0; 600_000]);
    let (h, _) = s.open(ALICE, "/big", OpenMode::READ);
    let read = |len| Request::ReadGrant {
        handle: h,
        grant: 2,
        len,
    };
    assert_eq!(
        s.handle(ALICE, read(600_000), &mut g),
        Reply::Count(600_000)
    );
    assert_eq!(g.bufs[&(ALICE, 2)], data[..600_000]);
    // The rest: fewer bytes than asked, at the end of the file.
    assert_eq!(
        s.handle(ALICE, read(600_000), &mut g),
        Reply::Count(448_576)
    );
    assert_eq!(g.bufs[&(ALICE, 2)][..448_576], data[600_000..]);
    assert_eq!(s.handle(ALICE, read(10), &mut g), Reply::Count(0));
    // Errors: too long, a grant too small, a grant that does not map, a
    // grant of another client.
    assert_eq!(
        s.handle(ALICE, read(ipc::fs::GRANT_MAX + 1), &mut g),
        Reply::Err(FsError::InvalidArgument)
    );
    assert_eq!(
        s.handle(ALICE, read(600_001), &mut g),
        Reply::Err(FsError::GrantTooSmall { mapped: 600_000 })
    );
    let other = Request::ReadGrant {
        handle: h,
        grant: 9,
        len: 1,
    };
    assert_eq!(
        s.handle(ALICE, other, &mut g),
        Reply::Err(FsError::Grant(NO_SUCH_GRANT))
    );
    // A bad handle is refused before the grant is touched.
    let bad = Request::ReadGrant {
        handle: h,
        grant: 2,
        len: 1,
    };
    assert_eq!(s.handle(BOB, bad, &mut g), Reply::Err(FsError::BadHandle));
    // Inline reads larger than a message are refused.
    assert_eq!(
        s.err(
            ALICE,
            Request::Read {
                handle: h,
                len: ipc::fs::DATA_MAX + 1
            }
        ),
        FsError::InvalidArgument
    );
}

#[test]
fn a_disk_that_is_not_fat_is_refused_and_the_service_answers_unmounted() {
    let mut s = mount(RamDisk::new(4 << 20));
    assert!(matches!(s.volume(), Err(MountError::NotFat)));
    for req in [
        Request::StatFs,
        Request::Sync,
        readdir("/"),
        open("/x", OpenMode::CREATE),
    ] {
        assert_eq!(s.call(ALICE, req), Reply::Err(FsError::Unmounted));
    }
    // A path error still comes first where the path is bad.
    assert_eq!(s.err(ALICE, stat("a*")), FsError::InvalidName);
}

#[test]
fn a_volume_larger_than_its_device_is_refused() {
    let disk = formatted(40);
    let mut cut = disk.data.clone();
    cut.truncate(20 << 20);
    let r = Volume::mount(RamDisk::from_image(cut), 64, FixedTime::default_time());
    assert!(matches!(
        r,
        Err(MountError::LargerThanDevice {
            device: 20_971_520,
            ..
        })
    ));
}

#[test]
fn a_directory_pointing_outside_the_disk_is_corrupt_and_the_rest_still_serves() {
    let mut s = mount(formatted(40));
    s.ok(ALICE, mkdir("/bad"));
    s.write_file(ALICE, "/good.txt", b"fine");
    s.ok(ALICE, Request::Sync);
    let mut img = s.into_volume().unwrap().into_device().data;
    // Find BAD's short entry in the root directory and point its first
    // cluster far past the end of the disk.
    let at = find_short_entry(&img, b"BAD        ").expect("BAD entry");
    set_first_cluster(&mut img, at, 0x0fff_fff0);
    let mut s = mount(RamDisk::from_image(img));
    assert_eq!(s.err(ALICE, readdir("/bad")), FsError::Corrupt);
    assert_eq!(
        s.err(ALICE, open("/bad/x", OpenMode::CREATE)),
        FsError::Corrupt
    );
    assert_eq!(s.read_file(ALICE, "/good.txt"), b"fine");
}

/// The fuzz target's first finding (`services/fs/fuzz`): a FAT32 entry
/// whose first cluster is 2^30 or more makes fatfs compute `cluster * 4`
/// in `u32`, which overflows. fatfs is built wrapping (the workspace
/// profile; docs/storage.md), so this must be a typed error, not a panic.
#[test]
fn a_first_cluster_past_2_pow_30_is_refused_not_a_panic() {
    let mut s = mount(formatted(40));
    s.write_file(ALICE, "/f.txt", &[7; 2000]);
    s.ok(ALICE, mkdir("/d"));
    s.ok(ALICE, Request::Sync);
    let mut img = s.into_volume().unwrap().into_device().data;
    for name in [b"F       TXT", b"D          "] {
        let at = (0..img.len() / 32)
            .map(|i| i * 32)
            .find(|&o| &img[o..o + 11] == name)
            .expect("entry");
        set_first_cluster(&mut img, at, 0x4000_0003);
    }
    let mut s = mount(RamDisk::from_image(img));
    let (h, _) = s.open(ALICE, "/f.txt", OpenMode::APPEND);
    let r = s.call(
        ALICE,
        Request::Read {
            handle: h,
            len: 100,
        },
    );
    assert!(matches!(r, Reply::Err(_)), "{r:?}");
    let w = s.call(ALICE, write(h, &[1; 600]));
    assert!(matches!(w, Reply::Err(_) | Reply::Count(600)), "{w:?}");
    let l = s.call(ALICE, readdir("/d"));
    assert!(matches!(l, Reply::Err(_) | Reply::Entries { .. }), "{l:?}");
    // Still serving.
    assert!(!s.call(ALICE, Request::StatFs).is_err_reply());
}

/// An image whose directory `/loop` has its only cluster as its own
/// successor, filled with entries that are `deleted` or plain files.
fn looping_directory_image(deleted: bool) -> Vec<u8> {
    let mut s = mount(formatted(40));
    s.ok(ALICE, mkdir("/loop"));
    s.write_file(ALICE, "/fine.txt", b"fine");
    let mut img = s.into_volume().unwrap().into_device().data;
    let at = find_short_entry(&img, b"LOOP       ").expect("LOOP entry");
    let cluster = first_cluster(&img, at);
    // FAT32: the FAT starts after the reserved sectors, the data after the
    // FATs; cluster 2 is the first.
    let reserved = usize::from(u16::from_le_bytes([img[14], img[15]]));
    let fat = reserved * 512 + cluster as usize * 4;
    img[fat..fat + 4].copy_from_slice(&cluster.to_le_bytes());
    let spc = usize::from(img[13]);
    let fats = usize::from(img[16]);
    let fat_sectors = u32::from_le_bytes([img[36], img[37], img[38], img[39]]) as usize;
    let data = (reserved + fats * fat_sectors) * 512;
    let dir = data + (cluster as usize - 2) * spc * 512;
    // Deleted: the dot entries too, so that fatfs's iterator never
    // returns at all.
    let keep = if deleted { 0 } else { 2 };
    for (i, e) in img[dir..dir + spc * 512]
        .chunks_mut(32)
        .enumerate()
        .skip(keep)
    {
        e[..11].copy_from_slice(format!("F{i:07}TXT").as_bytes());
        e[11] = 0x20;
        if deleted {
            e[0] = 0xe5;
        }
    }
    img
}

#[test]
fn a_directory_whose_cluster_chain_loops_is_corrupt_not_endless() {
    let mut s = mount(RamDisk::from_image(looping_directory_image(false)));
    // The first page would fill before the loop shows: the server checks
    // that the directory ends before handing out a cursor.
    assert_eq!(s.err(ALICE, readdir("/loop")), FsError::Corrupt);
    assert_eq!(s.err(ALICE, stat("/loop/nothing")), FsError::Corrupt);
    // The rest of the volume still serves.
    assert_eq!(s.read_file(ALICE, "/fine.txt"), b"fine");
    assert!(!s.call(ALICE, Request::StatFs).is_err_reply());
}

#[test]
fn a_looping_directory_of_deleted_entries_runs_out_of_budget() {
    // fatfs skips deleted entries inside its iterator, so no entry ever
    // comes back to be counted: only the access budget ends the walk.
    let mut s = mount(RamDisk::from_image(looping_directory_image(true)));
    let started = std::time::Instant::now();
    assert_eq!(s.err(ALICE, readdir("/loop")), FsError::Corrupt);
    assert_eq!(
        s.err(ALICE, open("/loop/new", OpenMode::CREATE)),
        FsError::Corrupt
    );
    assert!(started.elapsed().as_secs() < 30);
    assert_eq!(s.read_file(ALICE, "/fine.txt"), b"fine");
}

trait IsErr {
    fn is_err_reply(&self) -> bool;
}

impl IsErr for Reply {
    fn is_err_reply(&self) -> bool {
        matches!(self, Reply::Err(_))
    }
}

/// The first cluster of the short directory entry at `at` (FAT32: high
/// half at byte 20, low half at 26).
fn first_cluster(img: &[u8], at: usize) -> u32 {
    u32::from(u16::from_le_bytes([img[at + 26], img[at + 27]]))
        | u32::from(u16::from_le_bytes([img[at + 20], img[at + 21]])) << 16
}

fn set_first_cluster(img: &mut [u8], at: usize, cluster: u32) {
    img[at + 20..at + 22].copy_from_slice(&((cluster >> 16) as u16).to_le_bytes());
    img[at + 26..at + 28].copy_from_slice(&(cluster as u16).to_le_bytes());
}

fn find_short_entry(img: &[u8], name: &[u8; 11]) -> Option<usize> {
    (0..img.len() / 32)
        .map(|i| i * 32)
        .find(|&o| &img[o..o + 11] == name && img[o + 11] & 0x10 != 0)
}

#[test]
fn device_errors_come_back_typed_and_the_service_recovers() {
    let mut s = mount(formatted(40));
    s.write_file(ALICE, "/a", b"1");
    let (h, _) = s.open(ALICE, "/b", OpenMode::CREATE);
    s.call(ALICE, write(h, b"22"));
    s.volume().unwrap().cache_mut().device_mut().fail = Some(BlkError::Device(5));
    assert_eq!(
        s.err(ALICE, Request::Close { handle: h }),
        FsError::Io(BlkError::Device(5))
    );
    s.volume().unwrap().cache_mut().device_mut().fail = None;
    // The dirty data stayed in the cache; the next sync writes it.
    s.ok(ALICE, Request::Sync);
    let mut s = remount(s);
    assert_eq!(s.read_file(ALICE, "/b"), b"22");
}

#[test]
fn the_cache_reads_ahead_and_coalesces_writes() {
    let mut s = mount(formatted(40));
    let data = pattern(256 * 1024, 3);
    s.write_file(ALICE, "/seq", &data);
    let writes = s.volume().unwrap().cache().device().writes;
    let mut s = remount(s);
    let reads0 = s.volume().unwrap().cache().device().reads;
    assert_eq!(s.read_file(ALICE, "/seq"), data);
    let reads = s.volume().unwrap().cache().device().reads - reads0;
    // 256 KiB in 64 KiB read-ahead runs: a handful of device reads, not
    // one per sector (512) or page (64).
    assert!(reads <= 12, "{reads} device reads");
    assert!(writes <= 24, "{writes} device writes for 256 KiB");
}
