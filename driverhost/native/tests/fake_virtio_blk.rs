//! The DDK's C# and the unchanged C# virtio-blk driver, JIT-compiled on
//! the host and run through `Cordon.Ddk.BlockHost` against a fake modern
//! virtio-blk device (`fake/`), behind the same InternalCall table the
//! driver host registers (`ddk_native::register`, intrinsics off so every
//! device access reaches the model).
//!
//! What must hold: the driver resets the dirty device before it lets it
//! DMA; negotiates exactly VERSION_1, FLUSH, BLK_SIZE and SEG_MAX of what
//! is offered; keeps 32 requests in flight; every read returns what the
//! shadow disk says and the durable image equals it after the last flush;
//! an I/O error and a broken device are typed errors; a lying capability
//! list is refused, not walked forever. The port-range test reads a
//! transitional device's legacy header through `PortRange`.

mod fake;

use fake::host::{Op, random_plan};
use fake::machine::{CONFIG_READ_LIMIT, Machine};
use fake::run::{self, Driver, Outcome};
use fake::virtio_blk::{self as vb, Options};

const WANTED: u64 =
    1 << vb::F_VERSION_1 | 1 << vb::F_FLUSH | 1 << vb::F_BLK_SIZE | 1 << vb::F_SEG_MAX;

/// What every run must leave behind: no access outside a mapping, no
/// spec violation, no completion mismatch.
fn clean(m: &Machine) {
    assert_eq!(
        m.faults,
        Vec::<String>::new(),
        "machine faults; log: {:?}",
        m.log
    );
    assert_eq!(
        m.device.violations,
        Vec::<String>::new(),
        "device saw violations; log: {:?}",
        m.log
    );
    assert_eq!(
        m.host.mismatches,
        Vec::<String>::new(),
        "reads returned wrong data"
    );
}

fn expect_threw(o: &Outcome, what: &str) {
    match o {
        Outcome::Threw(s) => assert!(
            s.starts_with("Cordon.Ddk.DeviceException: ") && s.contains(what),
            "threw {s:?}, wanted a DeviceException about {what:?}"
        ),
        other => panic!("wanted a DeviceException about {what:?}, got {other:?}"),
    }
}

#[test]
fn reads_writes_and_flushes_with_32_in_flight_match_the_ram_disk() {
    let opts = Options::default();
    let capacity = opts.capacity;
    let plan = random_plan(0x00c0_ffee, 1500, capacity, 128);
    let writes = plan
        .iter()
        .filter(|o| matches!(o, Op::Write { .. }))
        .count();
    let flushes = plan.iter().filter(|o| matches!(o, Op::Flush)).count();
    let (outcome, m) = run::run(run::machine(opts, plan.clone()), Driver::VirtioBlk);
    assert!(
        matches!(outcome, Outcome::Returned(0)),
        "{outcome:?}; log: {:?}",
        m.log
    );
    clean(&m);

    // Reset first (the model started mid-request), then the handshake.
    let s = &m.device.stats;
    assert!(s.resets >= 1);
    assert_eq!(
        s.status_writes.first(),
        Some(&0),
        "first status write is the reset"
    );
    assert_eq!(m.device.negotiated, WANTED, "features accepted");
    assert_eq!(
        m.device.status() & 0x0f,
        0x0f,
        "ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK"
    );
    let ready = m.host.ready.expect("HostReady");
    assert_eq!(
        (ready.blocks, ready.block_size, ready.depth),
        (capacity as i64, 512, 32)
    );
    assert!(
        m.log.iter().any(|l| l.starts_with("virtio-blk (C#)")),
        "{:?}",
        m.log
    );

    // Concurrency: the host kept 32 on the driver, the device held 32.
    assert_eq!(m.host.max_in_flight, 32);
    assert!(
        s.max_pending >= 32,
        "the device held at most {}",
        s.max_pending
    );
    assert!(s.interrupts > 0 && s.notifies > 0);

    // Every operation completed, successfully, and the data is right.
    assert_eq!(m.host.results.len(), plan.len());
    assert!(m.host.results.iter().all(|r| r.1 == 0), "a request failed");
    assert!(writes > 500);
    assert_eq!(s.flushes as usize, flushes, "each flush reached the device");
    assert!(
        m.device.durable == m.host.shadow,
        "the flushed image differs from the shadow"
    );
    assert!(m.device.disk == m.host.shadow);
}

#[test]
fn an_intx_only_function_is_served_through_the_isr() {
    let opts = Options::default();
    let plan = random_plan(7, 200, opts.capacity, 16);
    let mut m = run::machine(opts, plan.clone());
    m.function = run::function(false, false);
    let (outcome, m) = run::run(m, Driver::VirtioBlk);
    assert!(
        matches!(outcome, Outcome::Returned(0)),
        "{outcome:?}; log: {:?}",
        m.log
    );
    clean(&m);
    assert_eq!(m.irq, ddk_native::irq_kind::INTX);
    assert!(m.irq_acks > 0, "INTx lines are acknowledged");
    assert_eq!(m.host.results.len(), plan.len());
    assert!(m.device.durable == m.host.shadow);
}

#[test]
fn only_offered_features_are_taken_and_flush_without_a_cache_is_done_at_once() {
    let opts = Options {
        offered: 1 << vb::F_VERSION_1 | 1 << vb::F_EVENT_IDX,
        ..Options::default()
    };
    let plan = random_plan(11, 300, opts.capacity, 128);
    let flushes = plan.iter().filter(|o| matches!(o, Op::Flush)).count();
    let (outcome, m) = run::run(run::machine(opts, plan.clone()), Driver::VirtioBlk);
    assert!(
        matches!(outcome, Outcome::Returned(0)),
        "{outcome:?}; log: {:?}",
        m.log
    );
    clean(&m);
    assert_eq!(m.device.negotiated, 1 << vb::F_VERSION_1);
    assert!(flushes > 1);
    assert_eq!(
        m.device.stats.flushes, 0,
        "no flush reached a device without FLUSH"
    );
    assert_eq!(m.host.results.len(), plan.len());
    assert!(m.host.results.iter().all(|r| r.1 == 0));
    assert!(
        m.device.durable == m.host.shadow,
        "writes went straight through"
    );
    assert!(m.log.iter().any(|l| l.contains("flush no")), "{:?}", m.log);
}

/// Runs the driver on a device made with `opts`, which it must refuse
/// with a `DeviceException` about `what` before telling the host it is
/// ready, without a spec violation; the device's final status.
fn refused(opts: Options, what: &str) -> u8 {
    let (outcome, m) = run::run(run::machine(opts, vec![]), Driver::VirtioBlk);
    expect_threw(&outcome, what);
    assert!(m.host.ready.is_none());
    assert_eq!(m.device.violations, Vec::<String>::new());
    m.device.status()
}

#[test]
fn a_device_without_version_1_is_refused() {
    let offered = Options::default().offered & !(1 << vb::F_VERSION_1);
    let st = refused(
        Options {
            offered,
            ..Options::default()
        },
        "VERSION_1",
    );
    assert_eq!(st & vb::S_FEATURES_OK, 0);
    assert_ne!(st & vb::S_FAILED, 0, "the driver gave up: FAILED");
}

#[test]
fn refused_features_are_a_typed_error_and_the_device_is_failed() {
    let opts = Options {
        refuse_features: true,
        ..Options::default()
    };
    let st = refused(opts, "refused the features");
    assert_eq!(st & (vb::S_FEATURES_OK | vb::S_DRIVER_OK), 0);
    assert_ne!(st & vb::S_FAILED, 0, "the driver gave up: FAILED");
}

#[test]
fn a_device_that_needs_a_reset_at_driver_ok_is_refused() {
    let opts = Options {
        needs_reset_at_driver_ok: true,
        ..Options::default()
    };
    let st = refused(opts, "needs a reset");
    assert_ne!(st & vb::S_NEEDS_RESET, 0);
}

#[test]
fn device_io_errors_are_typed_and_other_requests_carry_on() {
    let opts = Options {
        bad: Some((100, 108)),
        ..Options::default()
    };
    let plan = vec![
        Op::Write {
            lba: 90,
            sectors: 4,
            seed: 1,
        },
        Op::Read {
            lba: 96,
            sectors: 8,
        },
        Op::Write {
            lba: 104,
            sectors: 2,
            seed: 2,
        },
        Op::Read {
            lba: 90,
            sectors: 4,
        },
        Op::Read {
            lba: 107,
            sectors: 1,
        },
        Op::Read {
            lba: 108,
            sectors: 8,
        },
        Op::Flush,
    ];
    let (outcome, m) = run::run(run::machine(opts, plan), Driver::VirtioBlk);
    assert!(
        matches!(outcome, Outcome::Returned(0)),
        "{outcome:?}; log: {:?}",
        m.log
    );
    clean(&m);
    let status = |op: Op| m.host.results.iter().find(|r| r.0 == op).map(|r| r.1);
    let io_error = ddk_native::block::STATUS_IO_ERROR;
    assert_eq!(
        status(Op::Read {
            lba: 96,
            sectors: 8
        }),
        Some(io_error)
    );
    assert_eq!(
        status(Op::Write {
            lba: 104,
            sectors: 2,
            seed: 2
        }),
        Some(io_error)
    );
    assert_eq!(
        status(Op::Read {
            lba: 107,
            sectors: 1
        }),
        Some(io_error)
    );
    assert_eq!(
        status(Op::Read {
            lba: 90,
            sectors: 4
        }),
        Some(0)
    );
    assert_eq!(
        status(Op::Read {
            lba: 108,
            sectors: 8
        }),
        Some(0)
    );
    assert_eq!(m.device.stats.io_errors, 3);
    assert!(
        m.device.durable == m.host.shadow,
        "the failed write changed nothing"
    );
}

/// Runs the driver on a function whose capability list `lie` broke.
fn lying(lie: impl FnOnce(&mut fake::pci::Function)) -> (Outcome, Machine) {
    let mut m = run::machine(Options::default(), vec![]);
    lie(&mut m.function);
    run::run(m, Driver::VirtioBlk)
}

/// Breaks a function's capability list.
type Lie = Box<dyn FnOnce(&mut fake::pci::Function)>;

#[test]
fn lying_capability_lists_are_refused_not_walked_forever() {
    use fake::run::{CAP_COMMON_AT, CAP_DEVICE_AT, CAP_ISR_AT, CAP_NOTIFY_AT, virtio_cap};
    let missing = "a modern PCI capability is missing";
    let cases: Vec<(&str, Lie, &str)> = vec![
        (
            "notify points back at common",
            Box::new(|f| f.set_next(CAP_NOTIFY_AT, CAP_COMMON_AT as u8)),
            missing,
        ),
        (
            "common points at itself",
            Box::new(|f| f.set_next(CAP_COMMON_AT, CAP_COMMON_AT as u8)),
            missing,
        ),
        (
            "ISR points into the header",
            Box::new(|f| f.set_next(CAP_ISR_AT, 0x10)),
            missing,
        ),
        (
            "the device structure lies beyond its BAR",
            Box::new(|f| {
                let c = virtio_cap(4, vb::MODERN_BAR, 0x3f00, 0x200, None);
                f.config[CAP_DEVICE_AT + 8..CAP_DEVICE_AT + 16].copy_from_slice(&c[8..16]);
            }),
            "MMIO slice outside its region",
        ),
        (
            "the common structure is in a BAR that does not exist",
            Box::new(|f| f.config[CAP_COMMON_AT + 4] = 2),
            "not a granted memory BAR",
        ),
        (
            "the common structure is too short for its registers",
            Box::new(|f| {
                f.config[CAP_COMMON_AT + 12..CAP_COMMON_AT + 16]
                    .copy_from_slice(&8u32.to_le_bytes())
            }),
            "MMIO access outside its region",
        ),
    ];
    for (name, lie, what) in cases {
        let (outcome, m) = lying(lie);
        assert!(
            m.config_reads < CONFIG_READ_LIMIT,
            "{name}: the walk did not end"
        );
        match &outcome {
            Outcome::Threw(s) => assert!(
                s.starts_with("Cordon.Ddk.DeviceException: ") && s.contains(what),
                "{name}: threw {s:?}, wanted {what:?}"
            ),
            other => panic!("{name}: wanted a DeviceException, got {other:?}"),
        }
        assert!(m.host.ready.is_none(), "{name}");
        assert_eq!(m.faults, Vec::<String>::new(), "{name}");
    }
}

#[test]
fn port_range_reads_a_transitional_devices_legacy_header() {
    let opts = Options {
        dirty: false,
        ..Options::default()
    };
    let capacity = opts.capacity;
    let offered = opts.offered;
    let mut m = run::machine(opts, vec![]);
    m.function = run::function(true, false);
    let (outcome, m) = run::run(m, Driver::Probe("PortProbe"));
    assert!(
        matches!(outcome, Outcome::Returned(0)),
        "{outcome:?}; log: {:?}",
        m.log
    );
    clean(&m);
    let ready = m.host.ready.expect("HostReady");
    assert_eq!(
        ready.blocks, capacity as i64,
        "capacity read through the ports"
    );
    let line = format!(
        "portrange: vendor 00001af4 device 00001001 features {:08x} status 1 capacity {capacity} (slice {capacity}) refused 6 of 64",
        offered as u32
    );
    assert_eq!(m.log, vec![line]);
    assert_eq!(m.device.stats.status_writes, vec![0, 1]);
    // features, 2 status writes, status, 2 capacity halves, the slice's read
    assert_eq!(
        m.device.stats.port_accesses, 7,
        "refused accesses never reached the device"
    );
}
