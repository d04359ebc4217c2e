//! Serving `ipc::blkdev` for the disk a C# block driver has bound: the
//! Rust half of `Cordon.Ddk.BlockHost` (`BlockHost.cs`).
//!
//! The managed loop asks [`host_next`] what to do; that call receives
//! messages (answering `Info`/`Attach`/`Detach` at once, queueing `Submit`
//! batches in the native driver's scheduler, `virtio_blk::sched`, with the
//! same `ipc::blkdev::validate`), and returns either an operation to start
//! in a free slot (write data already copied from the client's window into
//! the slot's DMA buffer) or "the interrupt arrived". The driver reports
//! each finished request through [`host_complete`], which copies read data
//! into the window and answers batches that are done.
//!
//! Until the driver is ready (`HostReady`), and for good if no driver
//! could be bound or started ([`serve_unready`]), every `Info` and `Submit`
//! is answered `Err(NotReady)`: a client never hangs on a driver host
//! without a working disk.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use ipc::blkdev::{self, BlkDev, BlkDevError, DeviceInfo, Op, Reply, Request, Status};
use ipc::driverhost::{self as dh, HostState};
use jit::runtime::Runtime;
use spin::Mutex;
use userlib::TaskId;
use userlib::rpc::{self, RpcError};
use userlib::sys::Error;
use userlib::sys::Received;
use virtio_blk::sched::Sched;

use virtio_blk::window::Windows;

/// `HostNext` results (`BlockHost.cs`).
const NEXT_START: i32 = 1;
const NEXT_INTERRUPT: i32 = 2;
/// `BlockOp` values.
const OP_READ: i32 = 1;
const OP_WRITE: i32 = 2;
const OP_FLUSH: i32 = 3;

#[derive(Clone, Copy)]
struct Live {
    batch: u64,
    index: usize,
    client: TaskId,
    op: Op,
}

struct Host {
    /// The bound function and its driver object (a managed reference:
    /// objects never move, there is no collector yet).
    bdf: u16,
    ids: u32,
    driver: usize,
    /// `Namespace.Type` of the bound driver.
    class: String,
    state: HostState,
    /// Every declaration loaded (the control protocol's `Drivers`).
    drivers: Vec<dh::Driver>,
    info: Option<DeviceInfo>,
    windows: Windows,
    sched: Sched,
    slot_buf: Vec<u64>,
    /// Reads handed to the driver (each slot gets its own pattern first).
    reads: u64,
    live: Vec<Option<Live>>,
    irq_pending: bool,
    intx: Option<u16>,
    started_us: u64,
    first_io_logged: bool,
    /// The device's identity string (virtio-blk GET_ID), if the driver read one.
    identity: Option<String>,
    /// [`hold_info`] was called and the driver is not ready yet: an `Info`
    /// that arrives now is held, not refused, and answered when the start
    /// ends (see [`WAITING_MAX`]).
    starting: bool,
    /// Clients whose `Info` is held, in arrival order, with when it came
    /// (µs of uptime).
    waiting: Vec<(TaskId, u64)>,
}

/// At most this many `Info` calls are held during a start; more are
/// answered `NotReady` at once (a client's retry loop then handles them).
const WAITING_MAX: usize = 64;

/// An `Info` held this long is answered `NotReady` at the driver host's
/// next receive (a start that takes longer is no longer "short", and a
/// client's call watchdog — the block service's is 5 s — must not fire).
const HOLD_MAX_US: u64 = 1_000_000;

static HOST: Mutex<Option<Host>> = Mutex::new(None);

/// Records what was bound, before the managed `BlockHost.Run` starts.
pub fn bind(bdf: u16, ids: u32, driver: usize, class: String, started_us: u64) {
    let mut g = HOST.lock();
    let old = g.take();
    let mut h = Host::new(bdf, ids, driver, class, started_us);
    if let Some(old) = old {
        h.drivers = old.drivers;
        h.starting = old.starting;
        h.waiting = old.waiting;
    }
    *g = Some(h);
}

impl Host {
    fn new(bdf: u16, ids: u32, driver: usize, class: String, started_us: u64) -> Host {
        Host {
            bdf,
            ids,
            driver,
            class,
            state: HostState::Starting,
            drivers: Vec::new(),
            info: None,
            // Above the supervisor's file-bundle mapping.
            windows: Windows::new(),
            sched: Sched::new(0),
            slot_buf: Vec::new(),
            reads: 0,
            live: Vec::new(),
            irq_pending: false,
            intx: None,
            started_us,
            first_io_logged: false,
            identity: None,
            starting: false,
            waiting: Vec::new(),
        }
    }
}

pub fn set_intx(bdf: u16) {
    if let Some(h) = HOST.lock().as_mut() {
        h.intx = Some(bdf);
    }
}

pub fn register(rt: &mut Runtime) {
    let calls: &[(&str, usize)] = &[
        ("BoundDriver", bound_driver as *const () as usize),
        ("BoundFunction", bound_function as *const () as usize),
        ("HostReady", host_ready as *const () as usize),
        ("HostSlot", host_slot as *const () as usize),
        ("HostNext", host_next as *const () as usize),
        ("HostComplete", host_complete as *const () as usize),
        ("IrqWait", irq_wait as *const () as usize),
        ("HostInFlight", host_in_flight as *const () as usize),
        ("HostIdentity", host_identity as *const () as usize),
    ];
    for (name, addr) in calls {
        crate::ddk::register_native(rt, name, *addr);
    }
}

fn send(h: &mut Host, to: TaskId, reply: &Reply) {
    match rpc::reply(to, reply) {
        Ok(()) => {}
        Err(RpcError::Sys(Error::Dead { .. })) => h.windows.detach(to),
        Err(e) => userlib::log!(
            "driverhost: reply to {}.{} failed: {e}",
            to.index(),
            to.generation()
        ),
    }
}

/// Answers or queues one request.
fn request(h: &mut Host, from: TaskId, req: Request) {
    let reply = match (req, h.info) {
        (Request::Info, Some(info)) => Reply::Info(info),
        (Request::Attach { grant }, _) => match h.windows.attach(from, grant) {
            Ok(len) => Reply::Attached { len },
            Err(e) => Reply::Err(e),
        },
        (Request::Detach, _) => {
            h.windows.detach(from);
            Reply::Ok
        }
        (Request::Submit(ops), Some(info)) => {
            if ops.len() > blkdev::MAX_BATCH {
                let max = blkdev::MAX_BATCH as u32;
                Reply::Err(BlkDevError::TooMany { max })
            } else {
                let window = h.windows.get(from).map(|w| w.len);
                let status = ops
                    .iter()
                    .map(|op| blkdev::validate(op, &info, window).err().map(Status::Err))
                    .collect();
                h.sched.push(from.0, ops, status);
                answer_done(h);
                return;
            }
        }
        (Request::Info, None) if h.starting && h.waiting.len() < WAITING_MAX => {
            h.waiting.push((from, userlib::uptime_us()));
            return;
        }
        (Request::Info | Request::Submit(_), None) => Reply::Err(BlkDevError::NotReady),
    };
    send(h, from, &reply);
}

fn answer_done(h: &mut Host) {
    while let Some(b) = h.sched.take_done() {
        let status = b
            .status
            .into_iter()
            .map(|s| s.unwrap_or(Status::Err(BlkDevError::NotReady)))
            .collect();
        send(h, TaskId(b.client), &Reply::Done(status));
    }
}

/// One message or notification (blocking up to `timeout_ms`); true if
/// the interrupt arrived. Both protocols share the endpoint: the header's
/// protocol id picks `driverhost` (control) or `blkdev`; a message that
/// decodes as neither is rejected with a typed error and skipped.
fn receive(h: &mut Host, timeout_ms: Option<u64>) -> Result<bool, Error> {
    if !h.waiting.is_empty() {
        let now = userlib::uptime_us();
        let (late, keep): (Vec<_>, Vec<_>) = core::mem::take(&mut h.waiting)
            .into_iter()
            .partition(|&(_, since)| now.saturating_sub(since) >= HOLD_MAX_US);
        h.waiting = keep;
        for (c, _) in late {
            send(h, c, &Reply::Err(BlkDevError::NotReady));
        }
    }
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    let (from, len) = match userlib::sys::recv(&mut buf, timeout_ms)? {
        Received::Notification(bits) => {
            return Ok(bits & ddk_abi::syscall::notify::pci(crate::ddk::IRQ_BIT) != 0);
        }
        Received::Message { from, len } => (from, len),
    };
    let msg = buf.get(..len).unwrap_or(&[]);
    if ipc::peek_header(msg).is_ok_and(|hd| hd.protocol == ipc::ids::DRIVERHOST) {
        match ipc::decode::<dh::Request>(msg) {
            Ok(r) => {
                let reply = control(h, r);
                if let Err(e) = rpc::reply(from, &reply) {
                    userlib::log!("driverhost: control reply failed: {e}");
                }
            }
            Err(e) => {
                let _ = rpc::reject::<dh::DriverHost>(from, &e);
            }
        }
        return Ok(false);
    }
    match ipc::decode::<Request>(msg) {
        // Before the driver is ready `request` refuses I/O (NotReady).
        Ok(r) => request(h, from, r),
        Err(e) => {
            userlib::log!("driverhost: rejected a malformed request: {e}");
            let _ = rpc::reject::<BlkDev>(from, &e);
        }
    }
    Ok(false)
}

/// The answer to a control request.
fn control(h: &Host, r: dh::Request) -> dh::Reply {
    let bound = h.driver != 0;
    match r {
        dh::Request::Status => {
            let (methods, il_bytes, _) = crate::drivers::compiled();
            dh::Reply::Status(dh::HostStatus {
                state: h.state,
                drivers: h.drivers.len() as u32,
                devices: u32::from(bound),
                methods,
                il_bytes,
            })
        }
        dh::Request::Drivers => dh::Reply::Drivers(h.drivers.clone()),
        dh::Request::Device { bdf } if bound && bdf == h.bdf => {
            dh::Reply::Device(dh::BoundDevice {
                bdf,
                vendor: h.ids as u16,
                device: (h.ids >> 16) as u16,
                driver: h.class.clone(),
                state: h.state,
            })
        }
        dh::Request::DeviceId { bdf } if bound && bdf == h.bdf => match &h.identity {
            Some(id) if h.state == HostState::Ready => dh::Reply::DeviceId(id.clone()),
            _ if h.state != HostState::Ready => dh::Reply::Err(dh::DriverHostError::NotReady),
            _ => dh::Reply::Err(dh::DriverHostError::NoId { bdf }),
        },
        dh::Request::Device { bdf } | dh::Request::DeviceId { bdf } => {
            dh::Reply::Err(dh::DriverHostError::UnknownDevice { bdf })
        }
    }
}

/// Records the loaded drivers (for the control protocol).
pub fn set_drivers(list: Vec<dh::Driver>) {
    let mut g = HOST.lock();
    if g.is_none() {
        *g = Some(Host::new(0, 0, 0, String::new(), userlib::uptime_us()));
    }
    if let Some(h) = g.as_mut() {
        h.drivers = list;
    }
}

extern "C" fn bound_driver() -> usize {
    HOST.lock().as_ref().map_or(0, |h| h.driver)
}

extern "C" fn bound_function(ids: *mut i32) -> i32 {
    match HOST.lock().as_ref() {
        Some(h) => {
            // SAFETY: `ids` is the caller's `out int` local.
            unsafe { *ids = h.ids as i32 };
            i32::from(h.bdf)
        }
        None => -1,
    }
}

extern "C" fn host_identity(s: usize) {
    let id = crate::ddk::managed_string(s);
    if let Some(h) = HOST.lock().as_mut() {
        h.identity = id;
    }
}

/// Requests taken from clients and not yet finished by the device (the
/// one being handed to the driver included).
extern "C" fn host_in_flight() -> i32 {
    HOST.lock()
        .as_ref()
        .map_or(0, |h| h.sched.inflight() as i32)
}

extern "C" fn host_slot(slot: i32, va: i64) {
    if let Some(h) = HOST.lock().as_mut()
        && slot >= 0
    {
        let i = slot as usize;
        if h.slot_buf.len() <= i {
            h.slot_buf.resize(i + 1, 0);
        }
        if let Some(b) = h.slot_buf.get_mut(i) {
            *b = va as u64;
        }
    }
}

extern "C" fn host_ready(
    blocks: i64,
    block_size: i32,
    read_only: i32,
    max_transfer: i32,
    depth: i32,
) {
    let mut g = HOST.lock();
    let Some(h) = g.as_mut() else { return };
    let depth = (depth.max(0) as usize).min(h.slot_buf.len());
    let info = DeviceInfo {
        block_size: block_size.max(1) as u32,
        blocks: blocks.max(0) as u64,
        read_only: read_only != 0,
        max_transfer: max_transfer.max(0) as u32,
        queue_depth: depth as u16,
    };
    h.sched = Sched::new(depth);
    h.live = vec![None; depth];
    h.info = Some(info);
    h.state = HostState::Ready;
    h.starting = false;
    for (c, _) in core::mem::take(&mut h.waiting) {
        send(h, c, &Reply::Info(info));
    }
    let b = h.bdf;
    userlib::log!(
        "driverhost: serving {:02x}:{:02x}.{} as blkdev: {} blocks of {} B, {} requests in flight, ready {} ms after the driver host started",
        b >> 8,
        (b >> 3) & 31,
        b & 7,
        info.blocks,
        info.block_size,
        depth,
        (userlib::uptime_us() - h.started_us) / 1000
    );
}

/// What the managed loop does next (see the module comment).
extern "C" fn host_next(slot: *mut i32, op: *mut i32, lba: *mut i64, len: *mut i32) -> i32 {
    let mut g = HOST.lock();
    let Some(h) = g.as_mut() else { return 0 };
    loop {
        answer_done(h);
        if h.irq_pending {
            h.irq_pending = false;
            return NEXT_INTERRUPT;
        }
        if let Some(s) = h.sched.next_start() {
            let client = h.sched.client_of(s.batch).map(TaskId);
            let window = client.and_then(|c| h.windows.get(c));
            let buf = h.slot_buf.get(s.slot).copied().unwrap_or(0);
            let (kind, l, n) = match (s.op, window) {
                (Op::Flush, _) => (OP_FLUSH, 0, 0),
                (Op::Read { lba, len, .. }, Some(_)) => {
                    // A read the device does not perform must not hand
                    // the client what the slot last held (the write a
                    // verify-writes read-back checks): `virtio_blk::slot`.
                    // SAFETY: as for writes below: the slot's DMA buffer
                    // holds max_transfer >= len bytes, unused now.
                    let dst =
                        unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, len as usize) };
                    h.reads = h.reads.wrapping_add(1);
                    virtio_blk::slot::prepare_read(dst, h.reads);
                    (OP_READ, lba, len)
                }
                (Op::Write { lba, len, offset }, Some(w)) => {
                    // SAFETY: the slot's DMA buffer holds max_transfer >= len
                    // bytes, and no request is using it now.
                    let dst =
                        unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, len as usize) };
                    // The kernel checks the client's window in the copy.
                    if let Err(e) = w.read(offset, dst) {
                        h.sched.complete(s.slot, s.batch, s.index, Status::Err(e));
                        continue;
                    }
                    (OP_WRITE, lba, len)
                }
                _ => {
                    // The client detached (or died) since validation.
                    h.sched
                        .complete(s.slot, s.batch, s.index, Status::Err(BlkDevError::NoWindow));
                    continue;
                }
            };
            if let (Some(l), Some(c)) = (h.live.get_mut(s.slot), client) {
                *l = Some(Live {
                    batch: s.batch,
                    index: s.index,
                    client: c,
                    op: s.op,
                });
            }
            crate::campaign::on_request();
            // SAFETY: the caller's `out` locals.
            unsafe {
                *slot = s.slot as i32;
                *op = kind;
                *lba = l as i64;
                *len = n as i32;
            }
            return NEXT_START;
        }
        match receive(h, None) {
            Ok(true) => h.irq_pending = true,
            Ok(false) => {}
            Err(e) => {
                userlib::log!("driverhost: recv failed: {e}");
                userlib::sleep_ms(10);
            }
        }
    }
}

/// `BlockStatus` (`BlockStatus.cs`) as the protocol's status.
fn to_status(status: i32) -> Status {
    match status {
        0 => Status::Ok,
        2 => Status::Err(BlkDevError::Device(2)),
        3 => Status::Err(BlkDevError::NotReady),
        _ => Status::Err(BlkDevError::Device(1)),
    }
}

extern "C" fn host_complete(slot: i32, status: i32) {
    let mut g = HOST.lock();
    let Some(h) = g.as_mut() else { return };
    let i = slot.max(0) as usize;
    let Some(live) = h.live.get_mut(i).and_then(Option::take) else {
        userlib::log!("driverhost: the driver completed idle slot {slot}");
        return;
    };
    let mut st = to_status(status);
    if !matches!(st, Status::Ok | Status::Err(BlkDevError::NotReady)) {
        // Rare, and the block service restarts this generation for it
        // (a second opinion): say what the driver returned, so a log
        // tells a device's IOERR (1) from a corrupt driver's garbage.
        userlib::log!(
            "driverhost: the driver completed {:?} on slot {slot} with status {status}",
            live.op
        );
    }
    if let (Op::Read { len, offset, .. }, Status::Ok) = (live.op, st) {
        let buf = h.slot_buf.get(i).copied().unwrap_or(0);
        match h.windows.get(live.client) {
            Some(w) => {
                // SAFETY: the slot buffer holds the `len` bytes the device
                // wrote, and nothing else uses it now.
                let src = unsafe { core::slice::from_raw_parts(buf as *const u8, len as usize) };
                if let Err(e) = w.write(offset, src) {
                    st = Status::Err(e);
                }
            }
            _ => st = Status::Err(BlkDevError::NoWindow),
        }
    }
    h.sched.complete(i, live.batch, live.index, st);
    if !h.first_io_logged {
        h.first_io_logged = true;
        let (methods, il, inline) = crate::drivers::compiled();
        userlib::log!(
            "driverhost: first I/O served {} ms after the driver host started; {methods} methods, {il} IL bytes compiled, {inline} device accesses inline",
            (userlib::uptime_us() - h.started_us) / 1000
        );
    }
}

/// `Interrupt.Wait`: 1 when the interrupt arrived, 0 after `timeout_ms`.
/// Messages that arrive meanwhile are served (or refused before ready).
extern "C" fn irq_wait(timeout_ms: i32) -> i32 {
    let mut g = HOST.lock();
    let Some(h) = g.as_mut() else { return 0 };
    if h.irq_pending {
        h.irq_pending = false;
        return 1;
    }
    let deadline = userlib::uptime_us() + timeout_ms.max(0) as u64 * 1000;
    loop {
        let now = userlib::uptime_us();
        if now >= deadline {
            return 0;
        }
        match receive(h, Some((deadline - now).div_ceil(1000))) {
            Ok(true) => return 1,
            Ok(false) => {}
            Err(Error::Sys(ddk_abi::SyscallError::Timeout)) => return 0,
            Err(e) => {
                userlib::log!("driverhost: recv failed: {e}");
                return 0;
            }
        }
    }
}

/// From now until the driver's start ends (`HostReady`, or
/// [`serve_unready`] if it fails) an `Info` is held and answered then
/// (`NotReady` after [`HOLD_MAX_US`]), rather than refused at once: called once what is left before
/// serving is short — a code image installed (little or nothing left to
/// compile) or the driver's `Start` under way (a device reset and a few
/// commands). A client that connects to a restarting driver host is then
/// answered the moment the disk is ready instead of polling for it (the
/// block service retries `NotReady` only every 20 ms). Callers that die
/// meanwhile are skipped; a driver host that dies first leaves them `Dead`.
pub fn hold_info() {
    let mut g = HOST.lock();
    if g.is_none() {
        *g = Some(Host::new(0, 0, 0, String::new(), userlib::uptime_us()));
    }
    if let Some(h) = g.as_mut() {
        h.starting = true;
    }
}

/// Answers every message already waiting (before the driver is ready:
/// `NotReady` for I/O), without blocking.
pub fn drain() {
    let mut g = HOST.lock();
    let Some(h) = g.as_mut() else { return };
    // A notification cannot be pending yet: the interrupt is bound later,
    // by the driver's start.
    while receive(h, Some(0)).is_ok() {}
}

/// The DMA slot buffers' addresses (the campaign's wild store).
pub fn slot_buffers() -> Vec<u64> {
    HOST.lock()
        .as_ref()
        .map(|h| h.slot_buf.iter().copied().filter(|&b| b != 0).collect())
        .unwrap_or_default()
}

/// No working driver: answer every request, `NotReady` for I/O, forever.
/// `state` says why (`NoDriver` or `Failed`).
pub fn serve_unready(state: HostState) -> ! {
    crate::campaign::on_unready(if state == HostState::NoDriver {
        "no driver matches"
    } else {
        "the driver failed"
    });
    {
        let mut g = HOST.lock();
        if g.is_none() {
            *g = Some(Host::new(0, 0, 0, String::new(), userlib::uptime_us()));
        }
        if let Some(h) = g.as_mut() {
            h.state = state;
        }
    }
    let mut g = HOST.lock();
    let Some(h) = g.as_mut() else {
        loop {
            userlib::sleep_ms(1000);
        }
    };
    h.info = None;
    h.starting = false;
    for (c, _) in core::mem::take(&mut h.waiting) {
        send(h, c, &Reply::Err(BlkDevError::NotReady));
    }
    loop {
        if let Err(e) = receive(h, None) {
            userlib::log!("driverhost: recv failed: {e}");
            userlib::sleep_ms(10);
        }
    }
}
