//! Every sample message survives encode → decode unchanged, through both the
//! slice and the vector encoder, and the two encoders agree.

mod common;

use ipc::{MESSAGE_MAX, Message, echo, supervisor};

fn round_trip<M: Message + PartialEq + core::fmt::Debug>(msgs: Vec<M>) {
    for m in msgs {
        let mut buf = [0u8; MESSAGE_MAX];
        let sliced = ipc::encode(&m, &mut buf).unwrap().to_vec();
        let vec = ipc::encode_vec(&m).unwrap();
        assert_eq!(sliced, vec, "{m:?}");
        assert_eq!(ipc::decode::<M>(&vec).unwrap(), m);
        assert_eq!(ipc::peek_header(&vec).unwrap(), M::header());
    }
}

#[test]
fn supervisor_requests() {
    round_trip(common::supervisor_requests());
}

#[test]
fn supervisor_replies() {
    round_trip(common::supervisor_replies());
}

#[test]
fn echo_requests() {
    round_trip(common::echo_requests());
}

#[test]
fn echo_replies() {
    round_trip(common::echo_replies());
}

#[test]
fn blk_requests() {
    round_trip(common::blk_requests());
}

#[test]
fn blk_replies() {
    round_trip(common::blk_replies());
}

#[test]
fn blkdev_requests() {
    round_trip(common::blkdev_requests());
}

#[test]
fn blkdev_replies() {
    round_trip(common::blkdev_replies());
}

#[test]
fn driverhost_requests() {
    round_trip(common::driverhost_requests());
}

#[test]
fn driverhost_replies() {
    round_trip(common::driverhost_replies());
}

#[test]
fn a_message_of_exactly_message_max_bytes_round_trips() {
    // Header 3 + tag 1 + seq 1 + length varint 2 = 7 bytes of overhead.
    let m = echo::Request::Ping {
        seq: 0,
        payload: vec![0xa5; MESSAGE_MAX - 7],
    };
    let mut buf = [0u8; MESSAGE_MAX];
    let bytes = ipc::encode(&m, &mut buf).unwrap();
    assert_eq!(bytes.len(), MESSAGE_MAX);
    assert_eq!(ipc::decode::<echo::Request>(bytes).unwrap(), m);
}

#[test]
fn the_largest_status_reply_fits() {
    // MAX_SERVICES services with 16-byte names and every number at its
    // widest, each with a fault as its last exit: the supervisor's worst
    // case must fit one message (it is 3941 bytes).
    let status = supervisor::ServiceStatus {
        name: "x".repeat(supervisor::NAME_MAX),
        task: Some(ipc::TaskIdWire(u32::MAX)),
        state: supervisor::ServiceState::WaitingRestart { until_ms: u64::MAX },
        restarts: u32::MAX,
        last_exit: Some(ipc::ExitCause::Faulted(ipc::FaultSummary {
            vector: u32::MAX,
            error_code: u64::MAX,
            rip: u64::MAX,
            cr2: u64::MAX,
            rsp: u64::MAX,
            rflags: u64::MAX,
            regs: [u64::MAX; 15],
        })),
    };
    let reply = supervisor::Reply::Status(vec![status; supervisor::MAX_SERVICES]);
    let bytes = ipc::encode_vec(&reply).unwrap();
    assert!(bytes.len() <= MESSAGE_MAX, "{}", bytes.len());
}

#[test]
fn sum_and_invert_sums_then_complements() {
    let mut data: Vec<u8> = (0..65_536u32).map(|i| (i * 7) as u8).collect();
    let expect: u64 = data.iter().map(|&b| u64::from(b)).sum();
    let before = data.clone();
    assert_eq!(echo::sum_and_invert(&mut data), expect);
    assert!(data.iter().zip(&before).all(|(a, b)| *a == !*b));
}

#[test]
fn the_largest_reports_reply_fits() {
    let record = supervisor::FaultRecord {
        service: "x".repeat(supervisor::NAME_MAX),
        task: ipc::TaskIdWire(u32::MAX),
        uptime_us: u64::MAX,
        cause: ipc::ExitCause::Faulted(ipc::FaultSummary {
            vector: u32::MAX,
            error_code: u64::MAX,
            rip: u64::MAX,
            cr2: u64::MAX,
            rsp: u64::MAX,
            rflags: u64::MAX,
            regs: [u64::MAX; 15],
        }),
        managed: Some("\u{10ffff}".repeat(supervisor::MANAGED_MAX / 4)),
    };
    let reply = supervisor::Reply::Reports(vec![record; supervisor::REPORTS_PER_REPLY]);
    let bytes = ipc::encode_vec(&reply).unwrap();
    assert!(bytes.len() <= MESSAGE_MAX, "{}", bytes.len());
}

#[test]
fn fs_requests() {
    round_trip(common::fs_requests());
}

#[test]
fn fs_replies() {
    round_trip(common::fs_replies());
}

/// `fs::entries_size` is what the FAT service uses to fill a `ReadDir`
/// page: it must equal the encoded size exactly, or a page could overflow
/// the message.
#[test]
fn fs_entries_size_is_exact() {
    use ipc::fs::{DirEntry, FileKind, Reply, entries_size};
    let mut entries = Vec::new();
    for i in 0..40u64 {
        let reply = Reply::Entries {
            entries: entries.clone(),
            next: Some((i * 1000) as u32),
        };
        assert_eq!(
            ipc::encode_vec(&reply).unwrap().len(),
            entries_size(&entries, Some((i * 1000) as u32))
        );
        let reply = Reply::Entries {
            entries: entries.clone(),
            next: None,
        };
        assert_eq!(
            ipc::encode_vec(&reply).unwrap().len(),
            entries_size(&entries, None)
        );
        entries.push(DirEntry {
            name: "ä".repeat(i as usize),
            kind: if i % 2 == 0 {
                FileKind::File
            } else {
                FileKind::Directory
            },
            size: 1 << (i % 64),
        });
    }
}
