//! The native virtio-blk driver: `virtio-drivers`' `VirtIOBlk` over the
//! modern PCI transport, in ring 3, serving `ipc::blkdev`.
//!
//! One loop waits for messages and the device's interrupt together
//! (`recv`). A `Submit` is validated, its operations start on the device
//! through the non-blocking request API (up to [`SLOTS`] at once), and the
//! caller stays blocked in its `call` while the loop serves other callers;
//! completions are taken from the used ring when the interrupt arrives, and
//! a batch is answered once all its operations are done. Block data is
//! copied once between the client's data window and a DMA slot buffer.
//!
//! Args: `crash-after=N` — in the first incarnation only, die on purpose
//! right after starting the operations of the N-th `Submit`, with them in
//! flight (the `dma-quiesce` test).

#![no_std]
#![no_main]

extern crate alloc;

mod device;

use alloc::boxed::Box;
use alloc::vec::Vec;
use device::{Device, IRQ_BIT};
use ipc::blkdev::{self, BlkDev, BlkDevError, DeviceInfo, Op, Reply, Request, Status};
use userlib::TaskId;
use userlib::rpc::{self, Event, RpcError};
use userlib::sys::Error;
use virtio_blk::sched::{Sched, Start};
use virtio_blk::window::Windows;
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE};

userlib::entry!(main);

/// Requests on the device at once: `VirtIOBlk`'s queue has 16 descriptors
/// and, with indirect descriptors, each request takes one.
const SLOTS: usize = 16;
/// Largest operation, and each slot's DMA buffer.
const MAX_TRANSFER: u32 = 64 * 1024;

/// What a busy slot is doing.
#[derive(Clone, Copy)]
struct Live {
    batch: u64,
    index: usize,
    client: TaskId,
    op: Op,
    token: u16,
}

/// A device slot: the request header and status byte `virtio-drivers`
/// hands the device (on the heap: bounced by the HAL), and a DMA buffer.
struct Slot {
    req: BlkReq,
    resp: BlkResp,
    buf: u64,
    live: Option<Live>,
}

struct Driver {
    dev: Device,
    info: DeviceInfo,
    windows: Windows,
    sched: Sched,
    slots: Box<[Slot]>,
    submits: u64,
    crash_after: Option<u64>,
}

fn main(args: &str) -> i64 {
    let me = userlib::task_self();
    let mut dev = match device::bring_up() {
        Ok(d) => d,
        Err(e) => {
            userlib::log!("virtio-blk: cannot bring up the device: {e}");
            return 2;
        }
    };
    let (buf_va, _) = match devlib::hal::alloc_region(u64::from(MAX_TRANSFER) * SLOTS as u64) {
        Ok(r) => r,
        Err(e) => {
            userlib::log!("virtio-blk: no DMA memory for the slot buffers: {e}");
            return 3;
        }
    };
    let slots: Vec<Slot> = (0..SLOTS)
        .map(|i| Slot {
            req: BlkReq::default(),
            resp: BlkResp::default(),
            buf: buf_va + i as u64 * u64::from(MAX_TRANSFER),
            live: None,
        })
        .collect();
    let info = DeviceInfo {
        block_size: SECTOR_SIZE as u32,
        blocks: dev.blk.capacity(),
        read_only: dev.blk.readonly(),
        max_transfer: MAX_TRANSFER,
        queue_depth: SLOTS as u16,
    };
    let crash_after = demo_arg(args, "crash-after")
        .and_then(|v| v.parse().ok())
        .filter(|_| me.generation() == 0);
    let b = dev.bdf;
    userlib::log!(
        "virtio-blk: serving {:02x}:{:02x}.{} as blkdev: {} blocks of {} B{}, {} interrupts, {} requests in flight (device reset; its status was {:#04x})",
        b >> 8,
        (b >> 3) & 31,
        b & 7,
        info.blocks,
        info.block_size,
        if info.read_only { ", read-only" } else { "" },
        device::irq_name(dev.irq),
        SLOTS,
        dev.found_status
    );
    dev.ack();
    let mut d = Driver {
        dev,
        info,
        windows: Windows::new(),
        sched: Sched::new(SLOTS),
        slots: slots.into_boxed_slice(),
        submits: 0,
        crash_after,
    };
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    loop {
        match rpc::next::<BlkDev>(&mut buf, None) {
            Ok(Event::Request { from, request }) => d.request(from, request),
            Ok(Event::Notification(bits)) => {
                if bits & ddk_abi::syscall::notify::pci(IRQ_BIT) != 0 {
                    d.dev.ack();
                    d.harvest();
                    d.pump();
                }
            }
            Err(e) => {
                userlib::log!("virtio-blk: recv failed: {e}");
                userlib::sleep_ms(10);
            }
        }
    }
}

fn demo_arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    args.split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

fn to_status(e: virtio_drivers::Error) -> Status {
    Status::Err(match e {
        virtio_drivers::Error::Unsupported => BlkDevError::Device(2),
        virtio_drivers::Error::NotReady => BlkDevError::NotReady,
        _ => BlkDevError::Device(1),
    })
}

impl Driver {
    fn request(&mut self, from: TaskId, request: Request) {
        let reply = match request {
            Request::Info => Reply::Info(self.info),
            Request::Attach { grant } => match self.windows.attach(from, grant) {
                Ok(len) => Reply::Attached { len },
                Err(e) => Reply::Err(e),
            },
            Request::Detach => {
                self.windows.detach(from);
                Reply::Ok
            }
            Request::Submit(ops) => return self.submit(from, ops),
        };
        self.send(from, &reply);
    }

    fn submit(&mut self, from: TaskId, ops: Vec<Op>) {
        if ops.len() > blkdev::MAX_BATCH {
            let max = blkdev::MAX_BATCH as u32;
            return self.send(from, &Reply::Err(BlkDevError::TooMany { max }));
        }
        let window = self.windows.get(from).map(|w| w.len);
        let status = ops
            .iter()
            .map(|op| {
                blkdev::validate(op, &self.info, window)
                    .err()
                    .map(Status::Err)
            })
            .collect();
        self.sched.push(from.0, ops, status);
        self.submits += 1;
        self.pump();
        if self.crash_after == Some(self.submits) && self.sched.inflight() > 0 {
            userlib::log!(
                "virtio-blk: dying on purpose with {} requests in flight",
                self.sched.inflight()
            );
            // SAFETY: ud2 raises #UD: this task faults and dies, which is
            // the point (the supervisor restarts it).
            unsafe { core::arch::asm!("ud2", options(noreturn)) }
        }
    }

    /// Starts what can start, then answers finished batches.
    fn pump(&mut self) {
        while let Some(s) = self.sched.next_start() {
            self.start(s);
        }
        while let Some(b) = self.sched.take_done() {
            let status = b
                .status
                .into_iter()
                .map(|s| s.unwrap_or(Status::Err(BlkDevError::NotReady)))
                .collect();
            self.send(TaskId(b.client), &Reply::Done(status));
        }
    }

    fn start(&mut self, s: Start) {
        let Some(batch_client) = self.sched_client(s.batch) else {
            return;
        };
        let window = self.windows.get(batch_client);
        let Some(slot) = self.slots.get_mut(s.slot) else {
            return;
        };
        let started = match (s.op, window) {
            (Op::Flush, _) => {
                // virtio-drivers 0.13 has no non-blocking flush: the
                // scheduler drained the queue, so this request is alone
                // on it and waits for its own completion.
                let st = match self.dev.blk.flush() {
                    Ok(()) => Status::Ok,
                    Err(e) => to_status(e),
                };
                self.sched.complete(s.slot, s.batch, s.index, st);
                return;
            }
            (Op::Read { lba, len, .. }, Some(_)) => {
                // SAFETY: the slot's DMA buffer holds MAX_TRANSFER >= len
                // bytes and is not touched again until the completion
                // hands the same buffer, header and status back.
                unsafe {
                    let buf = core::slice::from_raw_parts_mut(slot.buf as *mut u8, len as usize);
                    self.dev
                        .blk
                        .read_blocks_nb(lba as usize, &mut slot.req, buf, &mut slot.resp)
                }
            }
            (Op::Write { lba, len, offset }, Some(w)) => {
                // SAFETY: the slot's DMA buffer holds MAX_TRANSFER >= len
                // bytes and stays untouched until the completion (as above).
                let buf =
                    unsafe { core::slice::from_raw_parts_mut(slot.buf as *mut u8, len as usize) };
                // The kernel checks the client's window in the copy itself.
                if let Err(e) = w.read(offset, buf) {
                    self.sched
                        .complete(s.slot, s.batch, s.index, Status::Err(e));
                    return;
                }
                // SAFETY: as for reads, with the bytes just copied in.
                unsafe {
                    self.dev
                        .blk
                        .write_blocks_nb(lba as usize, &mut slot.req, buf, &mut slot.resp)
                }
            }
            _ => Err(virtio_drivers::Error::NotReady),
        };
        match started {
            Ok(token) => {
                slot.live = Some(Live {
                    batch: s.batch,
                    index: s.index,
                    client: batch_client,
                    op: s.op,
                    token,
                })
            }
            Err(e) => self.sched.complete(s.slot, s.batch, s.index, to_status(e)),
        }
    }

    fn sched_client(&self, batch: u64) -> Option<TaskId> {
        self.sched.client_of(batch).map(TaskId)
    }

    /// Takes every completed request off the used ring.
    fn harvest(&mut self) {
        while let Some(token) = self.dev.blk.peek_used() {
            let Some(i) = self
                .slots
                .iter()
                .position(|s| s.live.is_some_and(|l| l.token == token))
            else {
                userlib::log!("virtio-blk: the device completed unknown token {token}");
                return;
            };
            let Some(slot) = self.slots.get_mut(i) else {
                return;
            };
            let Some(live) = slot.live.take() else {
                return;
            };
            let status = match live.op {
                Op::Read { len, offset, .. } => {
                    // SAFETY: the same header, buffer and status that
                    // `read_blocks_nb` was given for this token.
                    let r = unsafe {
                        let buf =
                            core::slice::from_raw_parts_mut(slot.buf as *mut u8, len as usize);
                        self.dev
                            .blk
                            .complete_read_blocks(token, &slot.req, buf, &mut slot.resp)
                    };
                    match (r, self.windows.get(live.client)) {
                        (Ok(()), Some(w)) => {
                            // SAFETY: the slot buffer holds the `len` bytes
                            // the device wrote, and nothing else uses it now.
                            let buf = unsafe {
                                core::slice::from_raw_parts(slot.buf as *const u8, len as usize)
                            };
                            match w.write(offset, buf) {
                                Ok(()) => Status::Ok,
                                Err(e) => Status::Err(e),
                            }
                        }
                        (Ok(()), _) => Status::Err(BlkDevError::NoWindow),
                        (Err(e), _) => to_status(e),
                    }
                }
                Op::Write { len, .. } => {
                    // SAFETY: as for reads, with `write_blocks_nb`'s buffers.
                    let r = unsafe {
                        let buf = core::slice::from_raw_parts(slot.buf as *const u8, len as usize);
                        self.dev
                            .blk
                            .complete_write_blocks(token, &slot.req, buf, &mut slot.resp)
                    };
                    match r {
                        Ok(()) => Status::Ok,
                        Err(e) => to_status(e),
                    }
                }
                Op::Flush => Status::Ok,
            };
            self.sched.complete(i, live.batch, live.index, status);
        }
    }

    fn send(&mut self, to: TaskId, reply: &Reply) {
        match rpc::reply(to, reply) {
            Ok(()) => {}
            Err(RpcError::Sys(Error::Dead { .. })) => self.windows.detach(to),
            Err(e) => userlib::log!(
                "virtio-blk: reply to {}.{} failed: {e}",
                to.index(),
                to.generation()
            ),
        }
    }
}
