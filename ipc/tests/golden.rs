//! Golden bytes: the exact wire form of representative messages of every
//! protocol. If one of these fails, the wire format changed. That is allowed
//! only deliberately: bump the protocol's `VERSION` (which changes the second
//! byte of every expectation here), update `docs/ipc.md`, then these bytes.
//!
//! Reading the bytes: the first three are the header (protocol id, version,
//! kind: 0 request / 1 reply), then the enum variant index, then the fields
//! in declaration order. Integers are LEB128 varints (signed ones zigzagged
//! first); strings and vectors are a varint length then the bytes.

use ipc::{
    ExitCause, FaultSummary, IpcError, Message, TaskIdWire, blk, blkdev, control, driverhost, echo,
    fs, supervisor,
};

fn check<M: Message + PartialEq + core::fmt::Debug>(msg: M, expected: &[u8]) {
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    let bytes = ipc::encode(&msg, &mut buf).unwrap();
    assert_eq!(bytes, expected, "wire form of {msg:?} changed");
    assert_eq!(ipc::decode::<M>(expected).unwrap(), msg);
}

#[test]
fn headers() {
    // Protocol ids and versions are wire constants too.
    assert_eq!(ipc::ids::CONTROL, 0);
    assert_eq!(ipc::ids::SUPERVISOR, 1);
    assert_eq!(ipc::ids::ECHO, 2);
    assert_eq!(ipc::ids::BLK, 3);
    assert_eq!(ipc::ids::BLKDEV, 6);
    assert_eq!(blkdev::VERSION, 1);
    assert_eq!(ipc::ids::DRIVERHOST, 5);
    assert_eq!(driverhost::VERSION, 2);
    assert_eq!(supervisor::VERSION, 9);
    assert_eq!(echo::VERSION, 1);
    assert_eq!(blk::VERSION, 1);
    assert_eq!(control::VERSION, 1);
    assert_eq!(ipc::ids::FS, 4);
    assert_eq!(fs::VERSION, 1);
}

#[test]
fn supervisor_requests() {
    use supervisor::Request::*;
    check(Status, &[1, 9, 0, 0]);
    check(
        Start { name: "blk".into() },
        &[1, 9, 0, 1, 3, b'b', b'l', b'k'],
    );
    check(Stop { name: "fs".into() }, &[1, 9, 0, 2, 2, b'f', b's']);
    check(Restart { name: "".into() }, &[1, 9, 0, 3, 0]);
    // 300 = 0b10_0101100 → 0xac 0x02.
    check(FaultReports { max: 300 }, &[1, 9, 0, 4, 0xac, 0x02]);
    check(Shutdown, &[1, 9, 0, 5]);
    check(Files, &[1, 9, 0, 6]);
    check(CodeMap, &[1, 9, 0, 7]);
    check(Kill { name: "fs".into() }, &[1, 9, 0, 8, 2, b'f', b's']);
    check(
        RestartWith {
            name: "dh".into(),
            args: "x=1".into(),
        },
        &[1, 9, 0, 9, 2, b'd', b'h', 3, b'x', b'=', b'1'],
    );
    // 0x20003 = 0x83 0x80 0x08.
    check(
        RestartTask {
            name: "dh".into(),
            task: TaskIdWire(0x0002_0003),
        },
        &[1, 9, 0, 10, 2, b'd', b'h', 0x83, 0x80, 0x08],
    );
    // 15000 = 0x98 0x75; 400 = 0x90 0x03.
    check(
        CrashLoop {
            name: "dh".into(),
            args: "x".into(),
            policy: supervisor::LoopPolicy {
                min_run_ms: 15_000,
                backoff_base_ms: 50,
                backoff_max_ms: 400,
                give_up: 4,
            },
        },
        &[
            1, 9, 0, 11, 2, b'd', b'h', 1, b'x', 0x98, 0x75, 50, 0x90, 0x03, 4,
        ],
    );
    // 0x21000 = 0x80 0xa0 0x08.
    check(
        StoreImage {
            grant: 5,
            len: 0x21000,
        },
        &[1, 9, 0, 12, 5, 0x80, 0xa0, 0x08],
    );
    check(FetchImage, &[1, 9, 0, 13]);
    // 0x20003 = 0x83 0x80 0x08.
    check(
        KillTask {
            name: "dh".into(),
            task: TaskIdWire(0x0002_0003),
        },
        &[1, 9, 0, 14, 2, b'd', b'h', 0x83, 0x80, 0x08],
    );
}

#[test]
fn supervisor_replies() {
    use supervisor::{FaultRecord, Reply, ServiceState, ServiceStatus, SupervisorError};
    check(Reply::Ok, &[1, 9, 1, 0]);
    check(Reply::Err(SupervisorError::NoSuchService), &[1, 9, 1, 3, 0]);
    check(
        Reply::Err(SupervisorError::Internal(7)),
        &[1, 9, 1, 3, 5, 7],
    );
    check(Reply::Err(SupervisorError::NoFiles), &[1, 9, 1, 3, 6]);
    check(
        Reply::Err(SupervisorError::FilesUnavailable),
        &[1, 9, 1, 3, 7],
    );
    // 300 = 0xac 0x02; 0x21000 = 0x80 0xa0 0x08.
    check(
        Reply::Files {
            grant: 300,
            len: 0x21000,
        },
        &[1, 9, 1, 4, 0xac, 0x02, 0x80, 0xa0, 0x08],
    );
    check(
        Reply::CodeMap {
            grant: 300,
            len: 0x21000,
        },
        &[1, 9, 1, 5, 0xac, 0x02, 0x80, 0xa0, 0x08],
    );
    check(
        Reply::Err(SupervisorError::CodeMapUnavailable),
        &[1, 9, 1, 3, 8],
    );
    check(Reply::Err(SupervisorError::BadArgs), &[1, 9, 1, 3, 9]);
    check(Reply::Err(SupervisorError::Stale), &[1, 9, 1, 3, 10]);
    check(Reply::Err(SupervisorError::BadPolicy), &[1, 9, 1, 3, 11]);
    check(
        Reply::Err(SupervisorError::ImageInjected),
        &[1, 9, 1, 3, 12],
    );
    check(
        Reply::Err(SupervisorError::ImageTooLarge),
        &[1, 9, 1, 3, 13],
    );
    check(
        Reply::Err(SupervisorError::ImageAlreadyStored),
        &[1, 9, 1, 3, 14],
    );
    check(
        Reply::Err(SupervisorError::ImageUnavailable),
        &[1, 9, 1, 3, 15],
    );
    check(Reply::Err(SupervisorError::NoImage), &[1, 9, 1, 3, 16]);
    // 0x1234 = 0xb4 0x24.
    check(
        Reply::ImageStored {
            len: 0x1234,
            hash: 2,
        },
        &[1, 9, 1, 6, 0xb4, 0x24, 2],
    );
    check(
        Reply::Image {
            grant: 300,
            len: 0x1234,
            hash: 1,
        },
        &[1, 9, 1, 7, 0xac, 0x02, 0xb4, 0x24, 1],
    );
    check(
        Reply::Status(vec![ServiceStatus {
            name: "fs".into(),
            task: Some(TaskIdWire(0x0001_0003)),
            state: ServiceState::WaitingRestart { until_ms: 1000 },
            restarts: 2,
            last_exit: Some(ExitCause::Exited(-1)),
        }]),
        &[
            1, 9, 1, // header
            1, // Status
            1, // one entry
            2, b'f', b's', // name
            1, 0x83, 0x80, 0x04, // Some(0x10003)
            1, 0xe8, 0x07, // WaitingRestart { until_ms: 1000 }
            2,    // restarts
            1, 0, 1, // Some(Exited(-1)); -1 zigzags to 1
        ],
    );
    check(
        Reply::Reports(vec![FaultRecord {
            service: "dh".into(),
            task: TaskIdWire(2),
            uptime_us: 128,
            cause: ExitCause::Faulted(FaultSummary {
                vector: 14,
                error_code: 4,
                rip: 0x40_1000,
                cr2: 0x300,
                rsp: 0,
                rflags: 0x202,
                regs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 127],
            }),
            managed: Some("A::B".into()),
        }]),
        &[
            1, 9, 1, // header
            2, // Reports
            1, // one record
            2, b'd', b'h', // service
            2,    // task
            0x80, 0x01, // uptime_us 128
            1,    // Faulted
            14, 4, // vector, error code
            0x80, 0xa0, 0x80, 0x02, // rip 0x401000
            0x80, 0x06, // cr2 0x300
            0,    // rsp
            0x82, 0x04, // rflags 0x202
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 127, // regs, no length
            1, 4, b'A', b':', b':', b'B', // managed: Some("A::B")
        ],
    );
}

/// The code image's hash is computed by both the supervisor and the driver
/// host: its values are wire constants too.
#[test]
fn image_hash() {
    assert_eq!(ipc::image::hash(b""), HASH_EMPTY);
    assert_eq!(ipc::image::hash(b"cordon code image"), HASH_TEXT);
    assert_eq!(ipc::image::MAX_LEN, 4 << 20);
}
const HASH_EMPTY: u64 = 14121072491208716072;
const HASH_TEXT: u64 = 15004423573601354767;

#[test]
fn echo_requests() {
    use echo::Request::*;
    check(
        Ping {
            seq: 1,
            payload: vec![1, 2, 3],
        },
        &[2, 1, 0, 0, 1, 3, 1, 2, 3],
    );
    check(Add { a: 2, b: 3 }, &[2, 1, 0, 1, 2, 3]);
    check(Crash, &[2, 1, 0, 2]);
    check(
        SumGrant {
            grant: 7,
            len: 65_536,
        },
        &[2, 1, 0, 3, 7, 0x80, 0x80, 0x04],
    );
}

#[test]
fn echo_replies() {
    use echo::{EchoError, Reply::*};
    check(
        Pong {
            seq: 1,
            payload: vec![1, 2, 3],
        },
        &[2, 1, 1, 0, 1, 3, 1, 2, 3],
    );
    check(Sum(300), &[2, 1, 1, 1, 0xac, 0x02]);
    check(
        Err(EchoError::GrantTooSmall { mapped: 4096 }),
        &[2, 1, 1, 2, 2, 0x80, 0x20],
    );
}

#[test]
fn blk_requests() {
    use blk::Request::*;
    check(Info, &[3, 1, 0, 0]);
    check(
        Read {
            lba: 2048,
            count: 8,
            grant: 3,
        },
        &[3, 1, 0, 1, 0x80, 0x10, 8, 3],
    );
    check(
        Write {
            lba: 1,
            count: 1,
            grant: 4,
        },
        &[3, 1, 0, 2, 1, 1, 4],
    );
    check(Flush, &[3, 1, 0, 3]);
}

#[test]
fn blk_replies() {
    use blk::{BlkError, Reply::*};
    check(Ok, &[3, 1, 1, 0]);
    check(
        Info {
            block_size: 512,
            blocks: 131_072,
        },
        &[3, 1, 1, 1, 0x80, 0x04, 0x80, 0x80, 0x08],
    );
    check(
        Err(BlkError::OutOfRange { blocks: 131_072 }),
        &[3, 1, 1, 2, 0, 0x80, 0x80, 0x08],
    );
}

#[test]
fn blkdev_requests() {
    use blkdev::{Op, Request::*};
    check(Info, &[6, 1, 0, 0]);
    check(Attach { grant: 7 }, &[6, 1, 0, 1, 7]);
    check(Detach, &[6, 1, 0, 2]);
    // Submit: a varint count, then each Op (variant index, then fields).
    check(
        Submit(vec![
            Op::Read {
                lba: 2048,
                len: 4096,
                offset: 8192,
            },
            Op::Write {
                lba: 1,
                len: 512,
                offset: 0,
            },
            Op::Flush,
        ]),
        &[
            6, 1, 0, 3, 3, 0, 0x80, 0x10, 0x80, 0x20, 0x80, 0x40, 1, 1, 0x80, 0x04, 0, 2,
        ],
    );
}

#[test]
fn blkdev_replies() {
    use blkdev::{BlkDevError, DeviceInfo, Reply::*, Status};
    check(Ok, &[6, 1, 1, 0]);
    check(
        Info(DeviceInfo {
            block_size: 512,
            blocks: 16_384,
            read_only: false,
            max_transfer: 65_536,
            queue_depth: 16,
        }),
        &[
            6, 1, 1, 1, 0x80, 0x04, 0x80, 0x80, 0x01, 0, 0x80, 0x80, 0x04, 16,
        ],
    );
    check(Attached { len: 4096 }, &[6, 1, 1, 2, 0x80, 0x20]);
    check(
        Done(vec![
            Status::Ok,
            Status::Err(BlkDevError::OutOfRange { blocks: 16_384 }),
            Status::Err(BlkDevError::BadLength { block_size: 512 }),
            Status::Err(BlkDevError::OutsideWindow { window: 4096 }),
        ]),
        &[
            6, 1, 1, 3, 4, 0, 1, 0, 0x80, 0x80, 0x01, 1, 1, 0x80, 0x04, 1, 4, 0x80, 0x20,
        ],
    );
    check(Err(BlkDevError::Grant(12)), &[6, 1, 1, 4, 5, 12]);
    check(Err(BlkDevError::TooMany { max: 32 }), &[6, 1, 1, 4, 9, 32]);
}

#[test]
fn control_rejection() {
    let mut buf = [0u8; 16];
    let err = IpcError::WrongVersion {
        protocol: 2,
        expected: 1,
        found: 2,
    };
    let bytes = control::reject::<echo::Echo>(&err, &mut buf).unwrap();
    // Header (control, v1, reply), then echo v1 refused it: WrongVersion.
    assert_eq!(bytes, &[0, 1, 1, 2, 1, 1]);
    assert_eq!(
        ipc::decode::<echo::Reply>(bytes),
        Err(IpcError::Rejected(control::Rejection {
            protocol: 2,
            version: 1,
            reason: control::RejectReason::WrongVersion,
        }))
    );
}

#[test]
fn driverhost_requests() {
    use driverhost::Request::*;
    check(Status, &[5, 2, 0, 0]);
    check(Drivers, &[5, 2, 0, 1]);
    // bdf 00:05.0 = 0x28.
    check(Device { bdf: 0x28 }, &[5, 2, 0, 2, 0x28]);
    // Version 2: the device's identity string.
    check(DeviceId { bdf: 0x20 }, &[5, 2, 0, 3, 0x20]);
}

#[test]
fn driverhost_replies() {
    use driverhost::{BoundDevice, Driver, DriverHostError, HostState, HostStatus, Reply};
    check(
        Reply::Status(HostStatus {
            state: HostState::Ready,
            drivers: 1,
            devices: 1,
            methods: 98,
            il_bytes: 4916,
        }),
        // 4916 = 0x1334 → 0xb4 0x26.
        &[5, 2, 1, 0, 1, 1, 1, 98, 0xb4, 0x26],
    );
    check(
        Reply::Drivers(vec![Driver {
            class: "A.B".into(),
            assembly: "d".into(),
            vendor: 0x1af4,
            device: 0x1042,
        }]),
        // 0x1af4 → 0xf4 0x35; 0x1042 → 0xc2 0x20.
        &[
            5, 2, 1, 1, 1, 3, b'A', b'.', b'B', 1, b'd', 0xf4, 0x35, 0xc2, 0x20,
        ],
    );
    check(
        Reply::Device(BoundDevice {
            bdf: 0x28,
            vendor: 0x1af4,
            device: 0x1042,
            driver: "X".into(),
            state: HostState::Starting,
        }),
        &[5, 2, 1, 2, 0x28, 0xf4, 0x35, 0xc2, 0x20, 1, b'X', 0],
    );
    check(
        Reply::Err(DriverHostError::UnknownDevice { bdf: 0xffff }),
        &[5, 2, 1, 3, 0, 0xff, 0xff, 0x03],
    );
    check(Reply::Err(DriverHostError::NotReady), &[5, 2, 1, 3, 1]);
    check(
        Reply::Err(DriverHostError::NoId { bdf: 0x20 }),
        &[5, 2, 1, 3, 2, 0x20],
    );
    check(
        Reply::DeviceId("cordon-1".into()),
        &[
            5, 2, 1, 4, 8, b'c', b'o', b'r', b'd', b'o', b'n', b'-', b'1',
        ],
    );
}

#[test]
fn fs_requests() {
    use fs::{Handle, OpenMode, Request::*, SeekFrom};
    // OpenMode is six bools in order: read write create truncate append exclusive.
    check(
        Open {
            path: "/A.TXT".into(),
            mode: OpenMode::READ,
        },
        &[
            4, 1, 0, 0, 6, b'/', b'A', b'.', b'T', b'X', b'T', 1, 0, 0, 0, 0, 0,
        ],
    );
    check(
        Open {
            path: "b".into(),
            mode: OpenMode {
                read: true,
                write: true,
                create: true,
                truncate: false,
                append: true,
                exclusive: true,
            },
        },
        &[4, 1, 0, 0, 1, b'b', 1, 1, 1, 0, 1, 1],
    );
    // 3584 = 0x80 0x1c.
    check(
        Read {
            handle: Handle(2),
            len: fs::DATA_MAX,
        },
        &[4, 1, 0, 1, 2, 0x80, 0x1c],
    );
    check(
        Write {
            handle: Handle(1),
            data: vec![0xde, 0xad],
        },
        &[4, 1, 0, 2, 1, 2, 0xde, 0xad],
    );
    // 1 MiB = 0x80 0x80 0x40.
    check(
        ReadGrant {
            handle: Handle(3),
            grant: 5,
            len: fs::GRANT_MAX,
        },
        &[4, 1, 0, 3, 3, 5, 0x80, 0x80, 0x40],
    );
    check(
        WriteGrant {
            handle: Handle(3),
            grant: 5,
            len: 512,
        },
        &[4, 1, 0, 4, 3, 5, 0x80, 0x04],
    );
    // SeekFrom: Start 0, Current 1, End 2; i64 zigzagged (-1 → 1).
    check(
        Seek {
            handle: Handle(0),
            to: SeekFrom::Start(300),
        },
        &[4, 1, 0, 5, 0, 0, 0xac, 0x02],
    );
    check(
        Seek {
            handle: Handle(0),
            to: SeekFrom::Current(-1),
        },
        &[4, 1, 0, 5, 0, 1, 1],
    );
    check(
        Seek {
            handle: Handle(0),
            to: SeekFrom::End(2),
        },
        &[4, 1, 0, 5, 0, 2, 4],
    );
    check(
        Truncate {
            handle: Handle(1),
            len: 7,
        },
        &[4, 1, 0, 6, 1, 7],
    );
    check(Close { handle: Handle(4) }, &[4, 1, 0, 7, 4]);
    check(
        ReadDir {
            path: "/".into(),
            cursor: 3,
        },
        &[4, 1, 0, 8, 1, b'/', 3],
    );
    check(Mkdir { path: "d".into() }, &[4, 1, 0, 9, 1, b'd']);
    check(Remove { path: "f".into() }, &[4, 1, 0, 10, 1, b'f']);
    check(
        Rename {
            from: "a".into(),
            to: "bc".into(),
        },
        &[4, 1, 0, 11, 1, b'a', 2, b'b', b'c'],
    );
    check(Stat { path: "x".into() }, &[4, 1, 0, 12, 1, b'x']);
    check(StatFs, &[4, 1, 0, 13]);
    check(Sync, &[4, 1, 0, 14]);
}

#[test]
fn fs_replies() {
    use fs::{DateTime, DirEntry, FatType, FileKind, FsError, FsInfo, Handle, Metadata, Reply::*};
    check(Ok, &[4, 1, 1, 0]);
    check(
        Opened {
            handle: Handle(1),
            size: 1000,
        },
        &[4, 1, 1, 1, 1, 0xe8, 0x07],
    );
    check(Data(vec![1, 2, 3]), &[4, 1, 1, 2, 3, 1, 2, 3]);
    check(Count(4096), &[4, 1, 1, 3, 0x80, 0x20]);
    check(Position(5), &[4, 1, 1, 4, 5]);
    // Entries: count, each (name, kind, size), then the Option cursor.
    check(
        Entries {
            entries: vec![
                DirEntry {
                    name: "A".into(),
                    kind: FileKind::File,
                    size: 2,
                },
                DirEntry {
                    name: "sub".into(),
                    kind: FileKind::Directory,
                    size: 0,
                },
            ],
            next: Some(2),
        },
        &[
            4, 1, 1, 5, 2, 1, b'A', 0, 2, 3, b's', b'u', b'b', 1, 0, 1, 2,
        ],
    );
    check(
        Entries {
            entries: vec![],
            next: None,
        },
        &[4, 1, 1, 5, 0, 0],
    );
    // 2026 = 0xea 0x0f.
    check(
        Stat(Metadata {
            kind: FileKind::File,
            size: 3,
            attributes: 0x20,
            created: DateTime {
                year: 2026,
                month: 12,
                day: 1,
                hour: 3,
                minute: 4,
                second: 6,
            },
            modified: DateTime::default(),
        }),
        &[
            4, 1, 1, 6, 0, 3, 0x20, 0xea, 0x0f, 12, 1, 3, 4, 6, 0, 0, 0, 0, 0, 0,
        ],
    );
    // FatType: Fat12 0, Fat16 1, Fat32 2.
    check(
        StatFs(FsInfo {
            fat_type: FatType::Fat32,
            label: "CD".into(),
            cluster_size: 512,
            total_clusters: 128,
            free_clusters: 1,
        }),
        &[4, 1, 1, 7, 2, 2, b'C', b'D', 0x80, 0x04, 0x80, 0x01, 1],
    );
    // FsError indices, in declaration order.
    let errors = [
        FsError::NotFound,
        FsError::Exists,
        FsError::NotADirectory,
        FsError::IsADirectory,
        FsError::NotEmpty,
        FsError::BadHandle,
        FsError::InvalidName,
        FsError::InvalidArgument,
        FsError::AccessDenied,
        FsError::Busy,
        FsError::NoSpace,
        FsError::ReadOnly,
        FsError::FileTooLarge,
        FsError::Corrupt,
        FsError::Unmounted,
    ];
    for (i, e) in errors.into_iter().enumerate() {
        check(Err(e), &[4, 1, 1, 8, i as u8]);
    }
    // Io carries the blk error: Device is blk's variant 5.
    check(
        Err(FsError::Io(blk::BlkError::Device(5))),
        &[4, 1, 1, 8, 15, 5, 5],
    );
    check(Err(FsError::TooManyHandles), &[4, 1, 1, 8, 16]);
    check(Err(FsError::TooManyClients), &[4, 1, 1, 8, 17]);
    check(Err(FsError::Grant(12)), &[4, 1, 1, 8, 18, 12]);
    check(
        Err(FsError::GrantTooSmall { mapped: 4096 }),
        &[4, 1, 1, 8, 19, 0x80, 0x20],
    );
}
