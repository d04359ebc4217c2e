//! Bad input is an `Err`, never a panic and never a wrong message: truncation
//! at every length, wrong protocol/version/kind, trailing bytes, oversize
//! input, invalid encodings, and a few thousand deterministic random and
//! mutated inputs fed to every decoder.

mod common;

use common::Rng;
use ipc::{IpcError, Kind, MESSAGE_MAX, blk, blkdev, control, driverhost, echo, fs, supervisor};

/// Runs every decoder over `bytes`; only panics would fail.
fn decode_all(bytes: &[u8]) {
    let _ = ipc::decode::<supervisor::Request>(bytes);
    let _ = ipc::decode::<supervisor::Reply>(bytes);
    let _ = ipc::decode::<echo::Request>(bytes);
    let _ = ipc::decode::<echo::Reply>(bytes);
    let _ = ipc::decode::<blk::Request>(bytes);
    let _ = ipc::decode::<blk::Reply>(bytes);
    let _ = ipc::decode::<blkdev::Request>(bytes);
    let _ = ipc::decode::<blkdev::Reply>(bytes);
    let _ = ipc::decode::<driverhost::Request>(bytes);
    let _ = ipc::decode::<driverhost::Reply>(bytes);
    let _ = ipc::decode::<fs::Request>(bytes);
    let _ = ipc::decode::<fs::Reply>(bytes);
    let _ = ipc::peek_header(bytes);
}

/// Calls `$f::<M>($arg...)` with `M` the message type that `$header`
/// (protocol, kind) names; unknown protocols give `$other`.
macro_rules! by_header {
    ($header:expr, $f:ident($($arg:expr),*), $other:expr) => {{
        let h: ipc::Header = $header;
        match (h.protocol, h.kind) {
            (ipc::ids::SUPERVISOR, Kind::Request) => $f::<supervisor::Request>($($arg),*),
            (ipc::ids::SUPERVISOR, Kind::Reply) => $f::<supervisor::Reply>($($arg),*),
            (ipc::ids::ECHO, Kind::Request) => $f::<echo::Request>($($arg),*),
            (ipc::ids::ECHO, Kind::Reply) => $f::<echo::Reply>($($arg),*),
            (ipc::ids::BLK, Kind::Request) => $f::<blk::Request>($($arg),*),
            (ipc::ids::BLK, Kind::Reply) => $f::<blk::Reply>($($arg),*),
            (ipc::ids::BLKDEV, Kind::Request) => $f::<blkdev::Request>($($arg),*),
            (ipc::ids::BLKDEV, Kind::Reply) => $f::<blkdev::Reply>($($arg),*),
            (ipc::ids::DRIVERHOST, Kind::Request) => $f::<driverhost::Request>($($arg),*),
            (ipc::ids::DRIVERHOST, Kind::Reply) => $f::<driverhost::Reply>($($arg),*),
            (ipc::ids::FS, Kind::Request) => $f::<fs::Request>($($arg),*),
            (ipc::ids::FS, Kind::Reply) => $f::<fs::Reply>($($arg),*),
            _ => $other,
        }
    }};
}

fn decode_drop<M: ipc::Message>(bytes: &[u8]) -> Result<(), IpcError> {
    ipc::decode::<M>(bytes).map(drop)
}

/// Decodes `bytes` as the type its own header names.
fn decode_as_own(bytes: &[u8]) -> Result<(), IpcError> {
    let h = ipc::peek_header(bytes)?;
    by_header!(h, decode_drop(bytes), Err(IpcError::Malformed))
}

/// Decodes `full` (a valid sample) and re-encodes it into `buf`.
fn reencode<M: ipc::Message>(full: &[u8], buf: &mut [u8]) -> Result<usize, IpcError> {
    let msg = ipc::decode::<M>(full).unwrap();
    ipc::encode(&msg, buf).map(<[u8]>::len)
}

#[test]
fn every_truncation_is_truncated() {
    for (label, bytes) in common::all_encoded() {
        assert_eq!(decode_as_own(&bytes), Ok(()), "{label}");
        for n in 0..bytes.len() {
            assert_eq!(
                decode_as_own_prefix(&bytes, n),
                Err(IpcError::Truncated),
                "{label} cut to {n} bytes"
            );
        }
    }
}

/// Decodes the first `n` bytes of `full` as the type the whole message's
/// header names (a prefix may be too short to have a header).
fn decode_as_own_prefix(full: &[u8], n: usize) -> Result<(), IpcError> {
    let h = ipc::peek_header(full).unwrap();
    by_header!(
        h,
        decode_drop(&full[..n]),
        panic!("sample of protocol {}", h.protocol)
    )
}

#[test]
fn trailing_bytes_are_refused() {
    for (label, mut bytes) in common::all_encoded() {
        bytes.push(0);
        assert_eq!(
            decode_as_own(&bytes),
            Err(IpcError::TrailingBytes { extra: 1 }),
            "{label}"
        );
        bytes.extend_from_slice(&[0xff; 9]);
        assert_eq!(
            decode_as_own(&bytes),
            Err(IpcError::TrailingBytes { extra: 10 }),
            "{label}"
        );
    }
}

#[test]
fn wrong_version_is_refused_before_the_body_is_read() {
    let mut bytes = ipc::encode_vec(&echo::Request::Add { a: 1, b: 2 }).unwrap();
    bytes[1] = 2;
    assert_eq!(
        ipc::decode::<echo::Request>(&bytes),
        Err(IpcError::WrongVersion {
            protocol: ipc::ids::ECHO,
            expected: 1,
            found: 2
        })
    );
    // A version-2 body this version cannot read still gets WrongVersion, not
    // Malformed: the header is checked first.
    let v2 = [2, 2, 0, 200, 1, 2, 3];
    assert!(matches!(
        ipc::decode::<echo::Request>(&v2),
        Err(IpcError::WrongVersion { found: 2, .. })
    ));
    // A two-byte version varint decodes and is refused.
    let v300 = [2, 0xac, 0x02, 0, 2];
    assert!(matches!(
        ipc::decode::<echo::Request>(&v300),
        Err(IpcError::WrongVersion { found: 300, .. })
    ));
}

#[test]
fn wrong_protocol_and_wrong_kind_are_refused() {
    let req = ipc::encode_vec(&supervisor::Request::Status).unwrap();
    assert_eq!(
        ipc::decode::<echo::Request>(&req),
        Err(IpcError::WrongProtocol {
            expected: ipc::ids::ECHO,
            found: ipc::ids::SUPERVISOR
        })
    );
    assert_eq!(
        ipc::decode::<supervisor::Reply>(&req),
        Err(IpcError::WrongKind {
            expected: Kind::Reply,
            found: Kind::Request
        })
    );
    let unknown = [9, 1, 0, 0];
    assert!(matches!(
        ipc::decode::<blk::Request>(&unknown),
        Err(IpcError::WrongProtocol { found: 9, .. })
    ));
}

#[test]
fn every_sample_is_refused_by_every_other_decoder() {
    for (label, bytes) in common::all_encoded() {
        let h = ipc::peek_header(&bytes).unwrap();
        let results = [
            (
                ipc::ids::SUPERVISOR,
                Kind::Request,
                ipc::decode::<supervisor::Request>(&bytes).is_ok(),
            ),
            (
                ipc::ids::SUPERVISOR,
                Kind::Reply,
                ipc::decode::<supervisor::Reply>(&bytes).is_ok(),
            ),
            (
                ipc::ids::ECHO,
                Kind::Request,
                ipc::decode::<echo::Request>(&bytes).is_ok(),
            ),
            (
                ipc::ids::ECHO,
                Kind::Reply,
                ipc::decode::<echo::Reply>(&bytes).is_ok(),
            ),
            (
                ipc::ids::BLK,
                Kind::Request,
                ipc::decode::<blk::Request>(&bytes).is_ok(),
            ),
            (
                ipc::ids::BLK,
                Kind::Reply,
                ipc::decode::<blk::Reply>(&bytes).is_ok(),
            ),
            (
                ipc::ids::BLKDEV,
                Kind::Request,
                ipc::decode::<blkdev::Request>(&bytes).is_ok(),
            ),
            (
                ipc::ids::BLKDEV,
                Kind::Reply,
                ipc::decode::<blkdev::Reply>(&bytes).is_ok(),
            ),
            (
                ipc::ids::DRIVERHOST,
                Kind::Request,
                ipc::decode::<driverhost::Request>(&bytes).is_ok(),
            ),
            (
                ipc::ids::DRIVERHOST,
                Kind::Reply,
                ipc::decode::<driverhost::Reply>(&bytes).is_ok(),
            ),
            (
                ipc::ids::FS,
                Kind::Request,
                ipc::decode::<fs::Request>(&bytes).is_ok(),
            ),
            (
                ipc::ids::FS,
                Kind::Reply,
                ipc::decode::<fs::Reply>(&bytes).is_ok(),
            ),
        ];
        for (protocol, kind, ok) in results {
            assert_eq!(ok, (protocol, kind) == (h.protocol, h.kind), "{label}");
        }
    }
}

#[test]
fn blkdev_batch_claiming_more_ops_than_bytes_is_truncated() {
    // Submit claiming 1,000,000 operations with one present: refused
    // without allocating the claimed vector.
    let bytes = [6, 1, 0, 3, 0xc0, 0x84, 0x3d, 2];
    assert_eq!(
        ipc::decode::<blkdev::Request>(&bytes),
        Err(IpcError::Truncated)
    );
    // Op variant 3 does not exist.
    assert_eq!(
        ipc::decode::<blkdev::Request>(&[6, 1, 0, 3, 1, 3]),
        Err(IpcError::Malformed)
    );
    // A bool that is neither 0 nor 1 in DeviceInfo.read_only.
    assert_eq!(
        ipc::decode::<blkdev::Reply>(&[6, 1, 1, 1, 1, 1, 2, 1, 1]),
        Err(IpcError::Malformed)
    );
}

#[test]
fn invalid_encodings_are_malformed() {
    // A varint longer than a u16 can be, in the header.
    assert_eq!(
        ipc::peek_header(&[0xff, 0xff, 0xff, 0xff, 0x0f]),
        Err(IpcError::Malformed)
    );
    // Kind 2 does not exist.
    assert_eq!(ipc::peek_header(&[2, 1, 2, 0]), Err(IpcError::Malformed));
    // Variant 9 of echo::Request does not exist.
    assert_eq!(
        ipc::decode::<echo::Request>(&[2, 1, 0, 9]),
        Err(IpcError::Malformed)
    );
    // A name that is not UTF-8.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 9, 0, 1, 2, 0xc3, 0x28]),
        Err(IpcError::Malformed)
    );
    // An Option tag of 2.
    assert_eq!(
        ipc::decode::<supervisor::Reply>(&[1, 9, 1, 1, 1, 0, 2]),
        Err(IpcError::Malformed)
    );
    // RestartTask (variant 10) with a task id longer than a u32 can be.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 9, 0, 10, 0, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        Err(IpcError::Malformed)
    );
    // KillTask (variant 14) with a task id longer than a u32 can be.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 9, 0, 14, 0, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        Err(IpcError::Malformed)
    );
    // A KillTask the version before it (8) did not know is refused by
    // version, not misread.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 8, 0, 14, 0, 1]),
        Err(IpcError::WrongVersion {
            protocol: 1,
            expected: 9,
            found: 8
        })
    );
    // Request variant 15 and SupervisorError variant 17 do not exist (yet).
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 9, 0, 15]),
        Err(IpcError::Malformed)
    );
    assert_eq!(
        ipc::decode::<supervisor::Reply>(&[1, 9, 1, 3, 17]),
        Err(IpcError::Malformed)
    );
    // StoreImage (variant 12) with a grant id longer than a u32 can be.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 9, 0, 12, 0xff, 0xff, 0xff, 0xff, 0x7f, 0]),
        Err(IpcError::Malformed)
    );
    // A StoreImage the version before it (7) did not know is refused by
    // version, not misread.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 7, 0, 12, 1, 1]),
        Err(IpcError::WrongVersion {
            protocol: 1,
            expected: 9,
            found: 7
        })
    );
    // A CrashLoop (variant 11) cut short inside its policy.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 9, 0, 11, 0, 0, 0x98, 0x75, 50]),
        Err(IpcError::Truncated)
    );
    // A CrashLoop the version before it (6) did not know is refused by
    // version, not misread.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 6, 0, 11, 0, 0, 1, 1, 1, 1]),
        Err(IpcError::WrongVersion {
            protocol: 1,
            expected: 9,
            found: 6
        })
    );
    // A RestartTask the version before it (5) did not know is refused by
    // version, not misread.
    assert_eq!(
        ipc::decode::<supervisor::Request>(&[1, 5, 0, 10, 0, 1]),
        Err(IpcError::WrongVersion {
            protocol: 1,
            expected: 9,
            found: 5
        })
    );
    // A payload length far beyond the input is truncation, and does not
    // allocate the claimed length.
    assert_eq!(
        ipc::decode::<echo::Request>(&[2, 1, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        Err(IpcError::Truncated)
    );
}

#[test]
fn oversize_input_is_refused_unread() {
    let mut bytes = ipc::encode_vec(&echo::Request::Crash).unwrap();
    bytes.resize(MESSAGE_MAX + 1, 0);
    assert_eq!(
        ipc::decode::<echo::Request>(&bytes),
        Err(IpcError::MessageTooLarge {
            size: MESSAGE_MAX + 1
        })
    );
}

#[test]
fn encoding_into_a_short_buffer_is_an_error() {
    for (label, bytes) in common::all_encoded() {
        let needed = bytes.len();
        let h = ipc::peek_header(&bytes).unwrap();
        for capacity in [0, needed / 2, needed - 1] {
            let mut buf = vec![0u8; capacity];
            assert_eq!(
                by_header!(h, reencode(&bytes, &mut buf), panic!()),
                Err(IpcError::BufferTooSmall { needed, capacity }),
                "{label}"
            );
        }
        let mut exact = vec![0u8; needed];
        assert_eq!(
            by_header!(h, reencode(&bytes, &mut exact), panic!()),
            Ok(needed)
        );
    }
    let mut tiny = [0u8; 3];
    assert_eq!(
        ipc::encode(&echo::Request::Add { a: 1, b: 2 }, &mut tiny),
        Err(IpcError::BufferTooSmall {
            needed: 6,
            capacity: 3
        })
    );
}

#[test]
fn a_message_over_the_limit_cannot_be_encoded() {
    let m = echo::Request::Ping {
        seq: 0,
        payload: vec![0; MESSAGE_MAX],
    };
    let size = MESSAGE_MAX + 7;
    assert_eq!(ipc::encode_vec(&m), Err(IpcError::MessageTooLarge { size }));
    let mut big = vec![0u8; 2 * MESSAGE_MAX];
    assert_eq!(
        ipc::encode(&m, &mut big),
        Err(IpcError::MessageTooLarge { size })
    );
}

#[test]
fn a_server_rejection_reaches_the_client_as_a_typed_error() {
    // A client on echo v2 sends; a v1 server fails to decode and rejects.
    let from_v2_client = [2, 2, 0, 1, 2, 3];
    let err = ipc::decode::<echo::Request>(&from_v2_client).unwrap_err();
    let mut buf = [0u8; 16];
    let rejection = control::reject::<echo::Echo>(&err, &mut buf).unwrap();
    match ipc::decode::<echo::Reply>(rejection) {
        Err(IpcError::Rejected(r)) => {
            assert_eq!(r.protocol, ipc::ids::ECHO);
            assert_eq!(r.version, echo::VERSION);
            assert_eq!(r.reason, control::RejectReason::WrongVersion);
        }
        other => panic!("{other:?}"),
    }
    // A truncated rejection is truncated, not a panic.
    assert_eq!(
        ipc::decode::<echo::Reply>(&rejection[..rejection.len() - 1]),
        Err(IpcError::Truncated)
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x0c0d_0e0f_1234_5678);
    let mut reached_the_end = 0;
    for _ in 0..5000 {
        let len = rng.below(48);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Half the cases get a valid header, so the body decoders run too.
        if len >= 3 && rng.below(2) == 0 {
            bytes[0] = 1 + rng.below(3) as u8;
            bytes[1] = 1;
            bytes[2] = rng.below(2) as u8;
        }
        decode_all(&bytes);
        if matches!(
            decode_as_own(&bytes),
            Ok(()) | Err(IpcError::TrailingBytes { .. })
        ) {
            reached_the_end += 1;
        }
    }
    // Some random bodies decode completely, so the body decoders were really
    // exercised; the point is that nothing panicked.
    assert!(reached_the_end > 0);
}

#[test]
fn mutated_samples_never_panic_and_never_decode_as_other_protocols() {
    let samples = common::all_encoded();
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..5000 {
        let (_, original) = &samples[rng.below(samples.len())];
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(3) {
            match rng.below(3) {
                0 => {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(bytes.len() + 1);
                    bytes.insert(i, rng.next() as u8);
                }
                _ if bytes.len() > 1 => {
                    let i = rng.below(bytes.len());
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        decode_all(&bytes);
    }
}

#[test]
fn overlong_varints_are_accepted_but_never_produced() {
    // postcard's decoder takes a non-minimal varint (0x82 0x00 for 2); the
    // encoder always writes the minimal form, which the golden tests pin.
    let overlong = [2, 1, 0, 1, 0x82, 0x00, 3];
    let m = ipc::decode::<echo::Request>(&overlong).unwrap();
    assert_eq!(m, echo::Request::Add { a: 2, b: 3 });
    assert_eq!(ipc::encode_vec(&m).unwrap(), [2, 1, 0, 1, 2, 3]);
}
