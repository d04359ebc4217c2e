//! The fake machine behind the DDK's InternalCalls: one PCI function
//! ([`super::pci`]) with a virtio-blk model behind its BARs
//! ([`super::virtio_blk`]), DMA memory ([`super::dma`]), an interrupt the
//! model raises, and a block host that feeds the driver a planned
//! workload through `BlockHost.Run` and checks every completion
//! ([`super::host`]). The bodies are registered through the same table as
//! the driver host's (`ddk_native::register`), with intrinsics off: every
//! MMIO access is a call, which the machine routes to the model.
//!
//! The bodies are `extern "C"` and must not unwind: whatever goes wrong
//! in them is recorded in `faults` and the test checks it afterwards.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ddk_native::check::{self, PortWindows};
use ddk_native::{Bodies, HostBodies, block, irq_kind};

use super::dma::Dma;
use super::host::Host;
use super::pci::{self, Bar, Function};
use super::virtio_blk::{Bus, VirtioBlk};

/// Configuration reads after which the machine refuses them: a walk that
/// would never end becomes a typed failure the test reports.
pub const CONFIG_READ_LIMIT: u64 = 100_000;

pub struct Machine {
    pub function: Function,
    pub device: VirtioBlk,
    pub dma: Dma,
    /// Memory BARs handed out: (bar, address, length). The addresses are
    /// of host memory never touched: unique, and never real device memory.
    windows: Vec<(u8, usize, usize)>,
    ports: PortWindows,
    /// The kind `IrqBind` returned (0: not bound).
    pub irq: i32,
    pub irq_pending: bool,
    pub irq_acks: u32,
    pub log: Vec<String>,
    /// What `HostIdentity` reported, if it was called.
    pub identity: Option<String>,
    pub faults: Vec<String>,
    pub config_reads: u64,
    pub mmio_calls: u64,
    pub host: Host,
    started: Instant,
}

impl Machine {
    pub fn new(function: Function, device: VirtioBlk, host: Host) -> Machine {
        Machine {
            function,
            device,
            dma: Dma::default(),
            windows: Vec::new(),
            ports: PortWindows::new(),
            irq: 0,
            irq_pending: false,
            irq_acks: 0,
            log: Vec::new(),
            identity: None,
            faults: Vec::new(),
            config_reads: 0,
            mmio_calls: 0,
            host,
            started: Instant::now(),
        }
    }

    fn fault(&mut self, what: String) {
        if self.faults.len() < 32 {
            self.faults.push(what);
        }
    }

    /// Lets the device work; true if it raised the interrupt.
    pub fn device_time(&mut self) -> bool {
        let bus = Bus {
            dma: &self.dma,
            bus_master: self.function.command() & pci::COMMAND_BUS_MASTER != 0,
            msix: self.irq == irq_kind::MSIX,
        };
        let raised = self.device.run(&bus);
        self.irq_pending |= raised;
        raised
    }

    fn window(&self, a: usize, width: usize) -> Option<(u8, u64)> {
        self.windows
            .iter()
            .find(|&&(_, va, len)| a >= va && a + width <= va + len)
            .map(|&(bar, va, _)| (bar, (a - va) as u64))
    }

    fn mmio_read(&mut self, a: i64, width: usize) -> u64 {
        self.mmio_calls += 1;
        let a = a as usize;
        if let Some((bar, off)) = self.window(a, width) {
            if self.function.command() & pci::COMMAND_MEMORY == 0 {
                self.fault(format!("BAR {bar} read with memory decoding off"));
            }
            return self.device.mmio_read(bar, off, width as u8);
        }
        if self.dma.contains(a, width) {
            let mut b = [0u8; 8];
            // SAFETY: inside a live DMA buffer (checked).
            unsafe { std::ptr::copy_nonoverlapping(a as *const u8, b.as_mut_ptr(), width) };
            return u64::from_le_bytes(b);
        }
        self.fault(format!(
            "read of {width} bytes at {a:#x}: no BAR or DMA buffer there"
        ));
        0
    }

    fn mmio_write(&mut self, a: i64, width: usize, v: u64) {
        self.mmio_calls += 1;
        let a = a as usize;
        if let Some((bar, off)) = self.window(a, width) {
            if self.function.command() & pci::COMMAND_MEMORY == 0 {
                self.fault(format!("BAR {bar} written with memory decoding off"));
            }
            self.device.mmio_write(bar, off, width as u8, v);
            return;
        }
        if self.dma.contains(a, width) {
            let b = v.to_le_bytes();
            // SAFETY: inside a live DMA buffer (checked).
            unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), a as *mut u8, width) };
            return;
        }
        self.fault(format!(
            "write of {width} bytes at {a:#x}: no BAR or DMA buffer there"
        ));
    }
}

pub static MACHINE: Mutex<Option<Machine>> = Mutex::new(None);

/// Runs `f` on the installed machine (a default if there is none).
fn with<R: Default>(f: impl FnOnce(&mut Machine) -> R) -> R {
    let mut g = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    match g.as_mut() {
        Some(m) => f(m),
        None => R::default(),
    }
}

pub const BODIES: Bodies = Bodies {
    config_read,
    config_write,
    map_bar,
    io_bar,
    port_in,
    port_out,
    read8,
    read16,
    read32,
    read64,
    write8,
    write16,
    write32,
    write64,
    fence,
    dma_alloc,
    irq_bind,
    irq_ack,
    uptime_micros,
    sleep_millis,
    log,
};

pub const HOST_BODIES: HostBodies = HostBodies {
    bound_driver,
    bound_function,
    host_ready,
    host_slot,
    host_next,
    host_complete,
    irq_wait,
};

extern "C" fn config_read(bdf: i32, offset: i32, width: i32) -> i64 {
    with(|m| {
        let Some((o, w)) = check::config(offset, width) else {
            return -1;
        };
        m.config_reads += 1;
        if check::bdf(bdf) != Some(m.function.bdf) || m.config_reads > CONFIG_READ_LIMIT {
            return -1;
        }
        i64::from(m.function.read(usize::from(o), usize::from(w)))
    })
}

extern "C" fn config_write(bdf: i32, offset: i32, width: i32, value: i32) -> i32 {
    with(|m| {
        let Some((o, w)) = check::config(offset, width) else {
            return -1;
        };
        if check::bdf(bdf) != Some(m.function.bdf) {
            return -1;
        }
        let before = m.function.command();
        if !m
            .function
            .write(usize::from(o), usize::from(w), value as u32)
        {
            return -1;
        }
        let after = m.function.command();
        if (before ^ after) & pci::COMMAND_BUS_MASTER != 0 {
            m.device
                .command_written(after & pci::COMMAND_BUS_MASTER != 0);
        }
        0
    })
}

extern "C" fn map_bar(bdf: i32, bar: i32, length: *mut i64) -> i64 {
    with(|m| {
        let (Some(bdf), Some(bar)) = (check::bdf(bdf), check::bar(bar)) else {
            return 0;
        };
        let Bar::Memory(len) = m.function.bars[usize::from(bar)] else {
            return 0;
        };
        if bdf != m.function.bdf {
            return 0;
        }
        let va = match m.windows.iter().find(|w| w.0 == bar) {
            Some(w) => w.1,
            None => {
                let va = Vec::leak(vec![0u8; len as usize]).as_ptr() as usize;
                m.windows.push((bar, va, len as usize));
                va
            }
        };
        // SAFETY: `length` is the caller's `out long` local.
        unsafe { *length = len as i64 };
        va as i64
    })
}

extern "C" fn io_bar(bdf: i32, bar: i32, length: *mut i32) -> i32 {
    with(|m| {
        let (Some(bdf), Some(bar)) = (check::bdf(bdf), check::bar(bar)) else {
            return -1;
        };
        let Bar::Io(first, len) = m.function.bars[usize::from(bar)] else {
            return -1;
        };
        if bdf != m.function.bdf {
            return -1;
        }
        match m.ports.open(bdf, bar, u64::from(first), u64::from(len)) {
            Ok(w) => {
                // SAFETY: `length` is the caller's `out int` local.
                unsafe { *length = i32::from(w.len) };
                i32::from(w.first)
            }
            Err(_) => -1,
        }
    })
}

/// The offset of `port` in the (one) I/O BAR it lies in.
fn io_offset(m: &Machine, port: u16) -> Option<u16> {
    m.function.bars.iter().find_map(|b| match *b {
        Bar::Io(first, len) if port >= first && port < first + len => Some(port - first),
        _ => None,
    })
}

extern "C" fn port_in(port: i32, width: i32) -> i64 {
    with(|m| {
        let Some(p) = m.ports.check(port, width) else {
            return -1;
        };
        if m.function.command() & pci::COMMAND_IO == 0 {
            m.fault(format!("port {p:#x} read with I/O decoding off"));
        }
        match io_offset(m, p) {
            Some(off) => i64::from(m.device.io_read(off, width as u8)),
            None => -1,
        }
    })
}

extern "C" fn port_out(port: i32, width: i32, value: i32) -> i32 {
    with(|m| {
        let Some(p) = m.ports.check(port, width) else {
            return -1;
        };
        if m.function.command() & pci::COMMAND_IO == 0 {
            m.fault(format!("port {p:#x} written with I/O decoding off"));
        }
        match io_offset(m, p) {
            Some(off) => {
                m.device.io_write(off, width as u8, value as u32);
                0
            }
            None => -1,
        }
    })
}

extern "C" fn read8(a: i64) -> i32 {
    with(|m| m.mmio_read(a, 1) as i32)
}
extern "C" fn read16(a: i64) -> i32 {
    with(|m| m.mmio_read(a, 2) as i32)
}
extern "C" fn read32(a: i64) -> i32 {
    with(|m| m.mmio_read(a, 4) as i32)
}
extern "C" fn read64(a: i64) -> i64 {
    with(|m| m.mmio_read(a, 8) as i64)
}
extern "C" fn write8(a: i64, v: i32) {
    with(|m| m.mmio_write(a, 1, u64::from(v as u8)));
}
extern "C" fn write16(a: i64, v: i32) {
    with(|m| m.mmio_write(a, 2, u64::from(v as u16)));
}
extern "C" fn write32(a: i64, v: i32) {
    with(|m| m.mmio_write(a, 4, u64::from(v as u32)));
}
extern "C" fn write64(a: i64, v: i64) {
    with(|m| m.mmio_write(a, 8, v as u64));
}
extern "C" fn fence() {
    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
}

extern "C" fn dma_alloc(len: i32, phys: *mut i64) -> i64 {
    with(|m| {
        let Some(bytes) = check::dma_bytes(len) else {
            return 0;
        };
        match m.dma.allocate(len as usize, bytes as usize) {
            Some(a) => {
                // SAFETY: `phys` is the caller's `out long` local.
                unsafe { *phys = a as i64 };
                a as i64
            }
            None => 0,
        }
    })
}

/// MSI-X when the function has the capability (entry 0), else INTx, as
/// the kernel's AUTO binding chooses.
extern "C" fn irq_bind(bdf: i32) -> i32 {
    with(|m| {
        if check::bdf(bdf) != Some(m.function.bdf) {
            return -1;
        }
        m.irq = if m.function.has_capability(pci::CAP_MSIX) {
            irq_kind::MSIX
        } else {
            irq_kind::INTX
        };
        m.irq
    })
}

extern "C" fn irq_ack(_bdf: i32) {
    with(|m| m.irq_acks += 1);
}

/// The device works while the driver watches the clock: a driver that
/// polls for a completion (with a deadline) sees it as on hardware.
extern "C" fn uptime_micros() -> i64 {
    with(|m| {
        m.device_time();
        m.started.elapsed().as_micros() as i64
    })
}

extern "C" fn sleep_millis(ms: i32) {
    std::thread::sleep(Duration::from_millis(ms.clamp(0, 10) as u64));
}

extern "C" fn log(s: usize) {
    // SAFETY: the JIT passes a live string object (or null).
    let line = unsafe { ddk_native::string::text(s) };
    with(|m| m.log.push(line));
}

/// Bodies for InternalCalls this table does not have: the block host's
/// identity and in-flight calls and the fault-injection calls (the demos'
/// work, `dev-demos`). Registered by name so `BlockHost.Run` compiles
/// here with or without them: no identity recorded, no injection.
pub fn extra() -> [(&'static str, usize); 4] {
    [
        ("HostIdentity", host_identity as *const () as usize),
        ("HostInFlight", host_in_flight as *const () as usize),
        ("InjectedFault", injected_fault as *const () as usize),
        ("InjectTarget", inject_target as *const () as usize),
    ]
}

extern "C" fn host_identity(s: usize) {
    // SAFETY: the JIT passes a live string object (or null).
    let id = (s != 0).then(|| unsafe { ddk_native::string::text(s) });
    with(|m| m.identity = id);
}

extern "C" fn host_in_flight() -> i32 {
    with(|m| m.host.in_flight() as i32)
}

extern "C" fn injected_fault(after: *mut i32) -> i32 {
    // SAFETY: the caller's `out int` local.
    unsafe { *after = 0 };
    0
}

extern "C" fn inject_target() -> i64 {
    0
}

extern "C" fn bound_driver() -> usize {
    with(|m| m.host.driver)
}

extern "C" fn bound_function(ids: *mut i32) -> i32 {
    with(|m| {
        let v = m.function.read(0, 4);
        // SAFETY: `ids` is the caller's `out int` local.
        unsafe { *ids = v as i32 };
        i32::from(m.function.bdf)
    })
}

extern "C" fn host_ready(
    blocks: i64,
    block_size: i32,
    read_only: i32,
    max_transfer: i32,
    depth: i32,
) {
    with(|m| {
        m.host
            .ready(blocks, block_size, read_only, max_transfer, depth)
    });
}

extern "C" fn host_slot(slot: i32, va: i64) {
    with(|m| m.host.slot(slot, va));
}

/// What the managed loop does next: an interrupt that arrived, the next
/// planned operation that may start, or (nothing startable) time for the
/// device to work. 0 ends the loop: plan done, or the device is stuck.
extern "C" fn host_next(slot: *mut i32, op: *mut i32, lba: *mut i64, len: *mut i32) -> i32 {
    with(|m| {
        let mut idle = 0;
        loop {
            if m.irq_pending {
                m.irq_pending = false;
                return block::NEXT_INTERRUPT;
            }
            if let Some(s) = m.host.start(&m.dma) {
                // SAFETY: the caller's `out` locals.
                unsafe {
                    *slot = s.slot;
                    *op = s.op;
                    *lba = s.lba;
                    *len = s.len;
                }
                return block::NEXT_START;
            }
            if m.host.finished() {
                return 0;
            }
            if !m.device_time() {
                idle += 1;
                if idle > 100 {
                    let n = m.host.in_flight();
                    m.fault(format!(
                        "stuck: {n} requests in flight, the device has nothing to do"
                    ));
                    return 0;
                }
            }
        }
    })
}

extern "C" fn host_complete(slot: i32, status: i32) {
    with(|m| {
        if let Err(e) = m.host.complete(slot, status) {
            m.fault(e);
        }
    });
}

/// `Interrupt.Wait`: the device works for the wait's length.
extern "C" fn irq_wait(_timeout_ms: i32) -> i32 {
    with(|m| {
        if m.irq_pending || m.device_time() {
            m.irq_pending = false;
            1
        } else {
            0
        }
    })
}
