//! Sample messages shared by the round-trip, golden and malformed tests:
//! at least one of every variant of every protocol.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use ipc::{ExitCause, FaultSummary, TaskIdWire, blk, blkdev, driverhost, echo, fs, supervisor};

pub fn fault() -> FaultSummary {
    FaultSummary {
        vector: 14,
        error_code: 4,
        rip: 0x40_1234,
        cr2: 0x300,
        rsp: 0x7fff_fefe_ff80,
        rflags: 0x246,
        regs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, u64::MAX],
    }
}

pub fn supervisor_requests() -> Vec<supervisor::Request> {
    use supervisor::Request::*;
    vec![
        Status,
        Start { name: "blk".into() },
        Stop {
            name: "driverhost".into(),
        },
        Restart { name: "fs".into() },
        Restart {
            name: String::new(),
        },
        FaultReports { max: 0 },
        FaultReports { max: u16::MAX },
        Shutdown,
        Files,
        CodeMap,
        Kill {
            name: "driverhost".into(),
        },
        RestartWith {
            name: "driverhost".into(),
            args: "inject=oom".into(),
        },
        RestartTask {
            name: "driverhost".into(),
            task: TaskIdWire(0x02aa_0002),
        },
        RestartTask {
            name: String::new(),
            task: TaskIdWire(u32::MAX),
        },
        CrashLoop {
            name: "driverhost".into(),
            args: "inject=always-fault".into(),
            policy: supervisor::LoopPolicy {
                min_run_ms: 15_000,
                backoff_base_ms: 50,
                backoff_max_ms: 400,
                give_up: 4,
            },
        },
        CrashLoop {
            name: String::new(),
            args: String::new(),
            policy: supervisor::LoopPolicy {
                min_run_ms: u32::MAX,
                backoff_base_ms: u32::MAX,
                backoff_max_ms: 0,
                give_up: u16::MAX,
            },
        },
        StoreImage {
            grant: u32::MAX,
            len: u64::MAX,
        },
        FetchImage,
        KillTask {
            name: "driverhost".into(),
            task: TaskIdWire(0x02aa_0002),
        },
        KillTask {
            name: String::new(),
            task: TaskIdWire(u32::MAX),
        },
    ]
}

pub fn supervisor_replies() -> Vec<supervisor::Reply> {
    use supervisor::{FaultRecord, Reply, ServiceState, ServiceStatus, SupervisorError};
    vec![
        Reply::Ok,
        Reply::Status(vec![]),
        Reply::Status(vec![
            ServiceStatus {
                name: "driverhost".into(),
                task: Some(TaskIdWire(0x0003_0002)),
                state: ServiceState::Running,
                restarts: 3,
                last_exit: Some(ExitCause::Faulted(fault())),
            },
            ServiceStatus {
                name: "fs".into(),
                task: None,
                state: ServiceState::Stopped,
                restarts: 0,
                last_exit: None,
            },
            ServiceStatus {
                name: "blk".into(),
                task: Some(TaskIdWire(4)),
                state: ServiceState::WaitingRestart { until_ms: 12_345 },
                restarts: u32::MAX,
                last_exit: Some(ExitCause::Exited(-1)),
            },
            ServiceStatus {
                name: "shell".into(),
                task: Some(TaskIdWire(5)),
                state: ServiceState::Held,
                restarts: 1,
                last_exit: Some(ExitCause::Killed),
            },
        ]),
        Reply::Reports(vec![]),
        Reply::Reports(vec![FaultRecord {
            service: "driverhost".into(),
            task: TaskIdWire(0x0001_0002),
            uptime_us: 1_500_000,
            cause: ExitCause::Faulted(fault()),
            managed: Some("Cordon.Drivers.VirtioBlk.Device::Start+0x2a IL_0012 ldfld".into()),
        }]),
        Reply::Err(SupervisorError::NoSuchService),
        Reply::Err(SupervisorError::AlreadyRunning),
        Reply::Err(SupervisorError::NotRunning),
        Reply::Err(SupervisorError::SpawnFailed(17)),
        Reply::Err(SupervisorError::PermissionDenied),
        Reply::Err(SupervisorError::Internal(u32::MAX)),
        Reply::Err(SupervisorError::NoFiles),
        Reply::Err(SupervisorError::FilesUnavailable),
        Reply::Err(SupervisorError::CodeMapUnavailable),
        Reply::Err(SupervisorError::BadArgs),
        Reply::Err(SupervisorError::Stale),
        Reply::Err(SupervisorError::BadPolicy),
        Reply::Err(SupervisorError::ImageInjected),
        Reply::Err(SupervisorError::ImageTooLarge),
        Reply::Err(SupervisorError::ImageAlreadyStored),
        Reply::Err(SupervisorError::ImageUnavailable),
        Reply::Err(SupervisorError::NoImage),
        Reply::ImageStored {
            len: u64::MAX,
            hash: u64::MAX,
        },
        Reply::Image {
            grant: u32::MAX,
            len: u64::MAX,
            hash: u64::MAX,
        },
        Reply::CodeMap {
            grant: 7,
            len: 1 << 20,
        },
        Reply::Files {
            grant: u32::MAX,
            len: u64::MAX,
        },
    ]
}

pub fn echo_requests() -> Vec<echo::Request> {
    use echo::Request::*;
    vec![
        Ping {
            seq: 0,
            payload: vec![],
        },
        Ping {
            seq: u64::MAX,
            payload: (0..=255).collect(),
        },
        Add { a: 2, b: 3 },
        Add { a: u64::MAX, b: 1 },
        Crash,
        SumGrant {
            grant: 7,
            len: 65_536,
        },
    ]
}

pub fn echo_replies() -> Vec<echo::Reply> {
    use echo::{EchoError, Reply::*};
    vec![
        Pong {
            seq: 1,
            payload: b"hello".to_vec(),
        },
        Sum(0),
        Sum(u64::MAX),
        Err(EchoError::Overflow),
        Err(EchoError::Grant(12)),
        Err(EchoError::GrantTooSmall { mapped: 4096 }),
        Err(EchoError::Unsupported),
    ]
}

pub fn blk_requests() -> Vec<blk::Request> {
    use blk::Request::*;
    vec![
        Info,
        Read {
            lba: 0,
            count: 1,
            grant: 1,
        },
        Write {
            lba: u64::MAX,
            count: 128,
            grant: u32::MAX,
        },
        Flush,
    ]
}

pub fn blk_replies() -> Vec<blk::Reply> {
    use blk::{BlkError, Reply::*};
    vec![
        Ok,
        Info {
            block_size: 512,
            blocks: 131_072,
        },
        Err(BlkError::OutOfRange { blocks: 131_072 }),
        Err(BlkError::BadCount { max: 2048 }),
        Err(BlkError::Grant(12)),
        Err(BlkError::GrantTooSmall { mapped: 0 }),
        Err(BlkError::ReadOnly),
        Err(BlkError::Device(5)),
        Err(BlkError::Unavailable),
    ]
}

pub fn blkdev_requests() -> Vec<blkdev::Request> {
    use blkdev::{Op, Request::*};
    vec![
        Info,
        Attach { grant: 7 },
        Detach,
        Submit(vec![]),
        Submit(vec![
            Op::Read {
                lba: 0,
                len: 4096,
                offset: 0,
            },
            Op::Write {
                lba: u64::MAX,
                len: u32::MAX,
                offset: u64::MAX,
            },
            Op::Flush,
        ]),
        Submit(vec![Op::Flush; blkdev::MAX_BATCH]),
    ]
}

pub fn blkdev_replies() -> Vec<blkdev::Reply> {
    use blkdev::{BlkDevError, DeviceInfo, Reply::*, Status};
    vec![
        Ok,
        Info(DeviceInfo {
            block_size: 512,
            blocks: 16_384,
            read_only: false,
            max_transfer: 65_536,
            queue_depth: 16,
        }),
        Attached { len: 262_144 },
        Done(vec![]),
        Done(vec![
            Status::Ok,
            Status::Err(BlkDevError::OutOfRange { blocks: 16_384 }),
            Status::Err(BlkDevError::BadLength { block_size: 512 }),
            Status::Err(BlkDevError::TooLong { max: 65_536 }),
            Status::Err(BlkDevError::NoWindow),
            Status::Err(BlkDevError::OutsideWindow { window: 4096 }),
            Status::Err(BlkDevError::ReadOnly),
            Status::Err(BlkDevError::Device(1)),
            Status::Err(BlkDevError::NotReady),
        ]),
        Done(vec![Status::Ok; blkdev::MAX_BATCH]),
        Err(BlkDevError::Grant(12)),
        Err(BlkDevError::TooMany { max: 32 }),
    ]
}

pub fn driverhost_requests() -> Vec<driverhost::Request> {
    use driverhost::Request::*;
    vec![
        Status,
        Drivers,
        Device { bdf: 0 },
        Device { bdf: 0xffff },
        DeviceId { bdf: 0x18 },
    ]
}

pub fn driverhost_replies() -> Vec<driverhost::Reply> {
    use driverhost::{BoundDevice, Driver, DriverHostError, HostState, HostStatus, Reply::*};
    vec![
        Status(HostStatus {
            state: HostState::NoDriver,
            drivers: 0,
            devices: 0,
            methods: 0,
            il_bytes: 0,
        }),
        Status(HostStatus {
            state: HostState::Failed,
            drivers: 3,
            devices: 1,
            methods: u64::MAX,
            il_bytes: 1 << 40,
        }),
        Drivers(vec![]),
        Drivers(vec![
            Driver {
                class: "Cordon.Drivers.VirtioBlk.VirtioBlkDriver".into(),
                assembly: "managed/drivers/virtio-blk.dll".into(),
                vendor: 0x1af4,
                device: 0x1042,
            };
            3
        ]),
        Device(BoundDevice {
            bdf: 0x28,
            vendor: 0x1af4,
            device: 0x1042,
            driver: "Cordon.Drivers.VirtioBlk.VirtioBlkDriver".into(),
            state: HostState::Ready,
        }),
        Err(DriverHostError::UnknownDevice { bdf: 7 }),
        Err(DriverHostError::NotReady),
        Err(DriverHostError::NoId { bdf: 0x18 }),
        DeviceId(String::new()),
        DeviceId("01234567890123456789".into()),
    ]
}

pub fn fs_requests() -> Vec<fs::Request> {
    use fs::{Handle, OpenMode, Request::*, SeekFrom};
    vec![
        Open {
            path: "/README.TXT".into(),
            mode: OpenMode::READ,
        },
        Open {
            path: "docs/a long name with spaces.txt".into(),
            mode: OpenMode {
                read: true,
                write: true,
                create: true,
                truncate: true,
                append: true,
                exclusive: true,
            },
        },
        Read {
            handle: Handle(0),
            len: fs::DATA_MAX,
        },
        Write {
            handle: Handle(u32::MAX),
            data: vec![],
        },
        Write {
            handle: Handle(1),
            data: vec![0xa5; fs::DATA_MAX as usize],
        },
        ReadGrant {
            handle: Handle(2),
            grant: 7,
            len: fs::GRANT_MAX,
        },
        WriteGrant {
            handle: Handle(3),
            grant: u32::MAX,
            len: 1,
        },
        Seek {
            handle: Handle(1),
            to: SeekFrom::Start(u64::MAX),
        },
        Seek {
            handle: Handle(1),
            to: SeekFrom::Current(i64::MIN),
        },
        Seek {
            handle: Handle(1),
            to: SeekFrom::End(-1),
        },
        Truncate {
            handle: Handle(1),
            len: 0,
        },
        Close { handle: Handle(9) },
        ReadDir {
            path: "/".into(),
            cursor: 0,
        },
        ReadDir {
            path: "/DATA/NESTED".into(),
            cursor: u32::MAX,
        },
        Mkdir { path: "new".into() },
        Remove {
            path: "é/ü.txt".into(),
        },
        Rename {
            from: "a".repeat(fs::PATH_MAX),
            to: "b".repeat(fs::PATH_MAX),
        },
        Stat {
            path: String::new(),
        },
        StatFs,
        Sync,
    ]
}

pub fn fs_replies() -> Vec<fs::Reply> {
    use fs::{DateTime, DirEntry, FatType, FileKind, FsError, FsInfo, Handle, Metadata, Reply::*};
    vec![
        Ok,
        Opened {
            handle: Handle(0),
            size: 0,
        },
        Opened {
            handle: Handle(u32::MAX),
            size: u64::MAX,
        },
        Data(vec![]),
        Data(vec![7; fs::DATA_MAX as usize]),
        Count(0),
        Count(fs::GRANT_MAX),
        Position(u64::MAX),
        Entries {
            entries: vec![],
            next: None,
        },
        Entries {
            entries: vec![
                DirEntry {
                    name: "README.TXT".into(),
                    kind: FileKind::File,
                    size: 1234,
                },
                DirEntry {
                    name: "a directory with a long name".into(),
                    kind: FileKind::Directory,
                    size: 0,
                },
            ],
            next: Some(2),
        },
        Stat(Metadata {
            kind: FileKind::File,
            size: 1 << 20,
            attributes: 0x20,
            created: DateTime {
                year: 1980,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
            },
            modified: DateTime {
                year: 2107,
                month: 12,
                day: 31,
                hour: 23,
                minute: 59,
                second: 58,
            },
        }),
        StatFs(FsInfo {
            fat_type: FatType::Fat32,
            label: "CORDON".into(),
            cluster_size: 512,
            total_clusters: 130_000,
            free_clusters: 120_000,
        }),
        StatFs(FsInfo {
            fat_type: FatType::Fat12,
            label: String::new(),
            cluster_size: 0,
            total_clusters: 0,
            free_clusters: 0,
        }),
        Err(FsError::NotFound),
        Err(FsError::Exists),
        Err(FsError::NotADirectory),
        Err(FsError::IsADirectory),
        Err(FsError::NotEmpty),
        Err(FsError::BadHandle),
        Err(FsError::InvalidName),
        Err(FsError::InvalidArgument),
        Err(FsError::AccessDenied),
        Err(FsError::Busy),
        Err(FsError::NoSpace),
        Err(FsError::ReadOnly),
        Err(FsError::FileTooLarge),
        Err(FsError::Corrupt),
        Err(FsError::Unmounted),
        Err(FsError::Io(blk::BlkError::Device(5))),
        Err(FsError::Io(blk::BlkError::Unavailable)),
        Err(FsError::TooManyHandles),
        Err(FsError::TooManyClients),
        Err(FsError::Grant(12)),
        Err(FsError::GrantTooSmall { mapped: 4096 }),
    ]
}

/// Every sample, encoded, with a label: the malformed-input tests mutate these.
pub fn all_encoded() -> Vec<(String, Vec<u8>)> {
    fn enc<M: ipc::Message + core::fmt::Debug>(v: Vec<M>, out: &mut Vec<(String, Vec<u8>)>) {
        for m in v {
            out.push((format!("{m:?}"), ipc::encode_vec(&m).unwrap()));
        }
    }
    let mut out = Vec::new();
    enc(supervisor_requests(), &mut out);
    enc(supervisor_replies(), &mut out);
    enc(echo_requests(), &mut out);
    enc(echo_replies(), &mut out);
    enc(blk_requests(), &mut out);
    enc(blk_replies(), &mut out);
    enc(blkdev_requests(), &mut out);
    enc(blkdev_replies(), &mut out);
    enc(driverhost_requests(), &mut out);
    enc(driverhost_replies(), &mut out);
    enc(fs_requests(), &mut out);
    enc(fs_replies(), &mut out);
    out
}

/// A deterministic xorshift64* generator, so a failing fuzz case reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
