//! A fake virtio-blk device, virtio 1.x over modern PCI (virtio 1.2:
//! 4.1.4 for the capabilities and the common configuration, 2.7 for the
//! split virtqueue, 5.2 for the block device), written from the spec.
//!
//! It keeps a RAM disk (`disk`, the device's write cache) and what a
//! flush made durable (`durable`; without FLUSH every write goes straight
//! through). Notifications only mark the queue kicked; the device works
//! when the machine lets time pass ([`VirtioBlk::run`]): it takes every
//! new chain from the available ring, finishes a random subset of what it
//! holds, in random order, writes the used ring and raises the interrupt.
//!
//! Everything a driver does against the spec is recorded in
//! `violations` rather than tolerated silently, and the options make it
//! misbehave in the ways a driver must survive: a dirty start (a
//! predecessor died mid-request), a slow reset, no VERSION_1, an I/O
//! error on some sectors, DEVICE_NEEDS_RESET at DRIVER_OK.

use super::dma::Dma;

pub const F_SIZE_MAX: u32 = 1;
pub const F_SEG_MAX: u32 = 2;
pub const F_BLK_SIZE: u32 = 6;
pub const F_FLUSH: u32 = 9;
pub const F_TOPOLOGY: u32 = 10;
pub const F_INDIRECT_DESC: u32 = 28;
pub const F_EVENT_IDX: u32 = 29;
pub const F_VERSION_1: u32 = 32;

pub const S_ACKNOWLEDGE: u8 = 1;
pub const S_DRIVER: u8 = 2;
pub const S_DRIVER_OK: u8 = 4;
pub const S_FEATURES_OK: u8 = 8;
pub const S_NEEDS_RESET: u8 = 64;
pub const S_FAILED: u8 = 128;

const NO_VECTOR: u16 = 0xffff;
/// MSI-X table entries the function has.
pub const MSIX_ENTRIES: u16 = 2;

/// Where the modern structures sit in [`MODERN_BAR`] (the capabilities
/// say so; the driver must not assume it).
pub const MODERN_BAR: u8 = 4;
pub const COMMON: u64 = 0x0000;
pub const COMMON_LEN: u32 = 0x38;
pub const ISR: u64 = 0x1000;
pub const DEVICE: u64 = 0x2000;
pub const DEVICE_LEN: u32 = 0x40;
pub const NOTIFY: u64 = 0x3000;
pub const NOTIFY_MULTIPLIER: u32 = 4;
pub const MODERN_BAR_LEN: u64 = 0x4000;

const DESC_NEXT: u16 = 1;
const DESC_WRITE: u16 = 2;
const DESC_INDIRECT: u16 = 4;

const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
const T_GET_ID: u32 = 8;
const ST_OK: u8 = 0;
const ST_IOERR: u8 = 1;
const ST_UNSUPP: u8 = 2;

pub const SECTOR: usize = 512;

#[derive(Clone, Debug)]
pub struct Options {
    /// Disk size in 512-byte sectors.
    pub capacity: u64,
    /// Feature bits offered.
    pub offered: u64,
    pub seg_max: u32,
    pub max_queue: u16,
    /// Sectors whose reads and writes fail with VIRTIO_BLK_S_IOERR.
    pub bad: Option<(u64, u64)>,
    /// Set DEVICE_NEEDS_RESET when the driver sets DRIVER_OK.
    pub needs_reset_at_driver_ok: bool,
    /// Never keep FEATURES_OK, whatever the driver accepted.
    pub refuse_features: bool,
    /// Status reads that still return the old status after a reset.
    pub reset_reads: u32,
    /// Start as a predecessor left it: DRIVER_OK, the queue enabled on
    /// rings that are gone, requests kicked but not finished.
    pub dirty: bool,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            capacity: 8192,
            offered: [
                F_VERSION_1,
                F_FLUSH,
                F_BLK_SIZE,
                F_SEG_MAX,
                F_SIZE_MAX,
                F_TOPOLOGY,
                F_INDIRECT_DESC,
                F_EVENT_IDX,
            ]
            .iter()
            .fold(0, |a, b| a | 1u64 << b),
            seg_max: 126,
            max_queue: 256,
            bad: None,
            needs_reset_at_driver_ok: false,
            refuse_features: false,
            reset_reads: 3,
            dirty: true,
            seed: 0x5eed,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Queue {
    size: u16,
    msix: u16,
    enable: bool,
    desc: u64,
    driver: u64,
    device: u64,
    last_avail: u16,
    used_idx: u16,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub resets: u32,
    pub notifies: u32,
    /// Most chains the device held at once (taken from the ring, unfinished).
    pub max_pending: usize,
    pub completed: u64,
    pub flushes: u32,
    pub io_errors: u32,
    pub interrupts: u32,
    pub status_writes: Vec<u8>,
    /// Port (legacy interface) accesses.
    pub port_accesses: u32,
}

pub struct VirtioBlk {
    pub opts: Options,
    status: u8,
    status_before_reset: u8,
    reset_countdown: u32,
    device_select: u32,
    driver_select: u32,
    driver_features: u64,
    /// What FEATURES_OK accepted.
    pub negotiated: u64,
    config_msix: u16,
    queue_select: u16,
    queue: Queue,
    isr: u8,
    kicked: bool,
    pending: Vec<u16>,
    pub disk: Vec<u8>,
    pub durable: Vec<u8>,
    pub stats: Stats,
    pub violations: Vec<String>,
    reset_seen: bool,
    rng: u64,
}

/// What the device needs from the machine while it works.
pub struct Bus<'a> {
    pub dma: &'a Dma,
    pub bus_master: bool,
    /// The interrupt is MSI-X (else INTx).
    pub msix: bool,
}

impl VirtioBlk {
    pub fn new(opts: Options) -> VirtioBlk {
        let bytes = opts.capacity as usize * SECTOR;
        let mut disk = vec![0u8; bytes];
        // A recognisable pattern, so reads of unwritten sectors are checked too.
        for (i, b) in disk.iter_mut().enumerate() {
            *b = (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1];
        }
        let mut d = VirtioBlk {
            status: 0,
            status_before_reset: 0,
            reset_countdown: 0,
            device_select: 0,
            driver_select: 0,
            driver_features: 0,
            negotiated: 0,
            config_msix: NO_VECTOR,
            queue_select: 0,
            queue: Queue::default(),
            isr: 0,
            kicked: false,
            pending: Vec::new(),
            durable: disk.clone(),
            disk,
            stats: Stats::default(),
            violations: Vec::new(),
            reset_seen: false,
            rng: opts.seed | 1,
            opts,
        };
        d.reset_state();
        if d.opts.dirty {
            // As a predecessor left it: running, with a kicked queue whose
            // rings were in memory that no longer exists.
            d.status = S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK;
            d.negotiated = 1 << F_VERSION_1;
            d.queue = Queue {
                size: 128,
                msix: 0,
                enable: true,
                desc: 0xdead_0000,
                driver: 0xdead_1000,
                device: 0xdead_2000,
                last_avail: 7,
                used_idx: 7,
            };
            d.kicked = true;
        }
        d
    }

    fn reset_state(&mut self) {
        self.driver_features = 0;
        self.negotiated = 0;
        self.config_msix = NO_VECTOR;
        self.queue_select = 0;
        self.queue = Queue {
            size: self.opts.max_queue,
            msix: NO_VECTOR,
            ..Queue::default()
        };
        self.isr = 0;
        self.kicked = false;
        self.pending.clear();
    }

    fn violation(&mut self, what: String) {
        if self.violations.len() < 32 {
            self.violations.push(what);
        }
    }

    fn random(&mut self) -> u64 {
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    pub fn status(&self) -> u8 {
        self.status
    }

    fn has(&self, bit: u32) -> bool {
        self.negotiated & (1 << bit) != 0
    }

    /// The command register changed (bus mastering on or off).
    pub fn command_written(&mut self, bus_master: bool) {
        if bus_master && self.opts.dirty && !self.reset_seen {
            self.violation("bus mastering enabled before the device was reset".into());
        }
    }

    // ---- the modern BAR ----

    pub fn mmio_read(&mut self, bar: u8, off: u64, width: u8) -> u64 {
        if bar != MODERN_BAR {
            self.violation(format!("read of BAR {bar} at {off:#x}"));
            return 0;
        }
        match off {
            COMMON..0x1000 => self.common_read(off - COMMON, width),
            ISR..0x2000 if off == ISR && width == 1 => {
                let v = self.isr;
                self.isr = 0;
                u64::from(v)
            }
            DEVICE..0x3000 => self.device_config(off - DEVICE, width),
            _ => {
                self.violation(format!("read of {width} bytes at {off:#x}"));
                0
            }
        }
    }

    pub fn mmio_write(&mut self, bar: u8, off: u64, width: u8, v: u64) {
        if bar != MODERN_BAR {
            self.violation(format!("write of BAR {bar} at {off:#x}"));
            return;
        }
        match off {
            COMMON..0x1000 => self.common_write(off - COMMON, width, v),
            NOTIFY..0x4000 => self.notify(off - NOTIFY, width, v),
            _ => self.violation(format!("write of {width} bytes at {off:#x}")),
        }
    }

    /// A field access of the wrong width is a driver bug (4.1.3.1: each
    /// field with its own width; 64-bit fields also as two 32-bit halves).
    fn field_width(&mut self, off: u64, width: u8) -> bool {
        let natural = match off {
            0x00 | 0x04 | 0x08 | 0x0c => 4,
            0x10 | 0x12 | 0x16 | 0x18 | 0x1a | 0x1c | 0x1e => 2,
            0x14 | 0x15 => 1,
            0x20 | 0x28 | 0x30 => 8,
            0x24 | 0x2c | 0x34 => 4,
            _ => 0,
        };
        let ok = natural == width || (natural == 8 && width == 4);
        if !ok {
            self.violation(format!(
                "common config {off:#x} accessed with width {width}"
            ));
        }
        ok
    }

    fn queue_addr(&mut self, off: u64) -> Option<&mut u64> {
        match off & !7 {
            0x20 => Some(&mut self.queue.desc),
            0x28 => Some(&mut self.queue.driver),
            0x30 => Some(&mut self.queue.device),
            _ => None,
        }
    }

    fn common_read(&mut self, off: u64, width: u8) -> u64 {
        if !self.field_width(off, width) {
            return 0;
        }
        let q0 = self.queue_select == 0;
        match off {
            0x00 => u64::from(self.device_select),
            0x04 => match self.device_select {
                0 => self.opts.offered & 0xffff_ffff,
                1 => self.opts.offered >> 32,
                _ => 0,
            },
            0x08 => u64::from(self.driver_select),
            0x0c => match self.driver_select {
                0 => self.driver_features & 0xffff_ffff,
                1 => self.driver_features >> 32,
                _ => 0,
            },
            0x10 => u64::from(self.config_msix),
            0x12 => 1,
            0x14 => {
                if self.reset_countdown > 0 {
                    self.reset_countdown -= 1;
                    u64::from(self.status_before_reset)
                } else {
                    u64::from(self.status)
                }
            }
            0x15 => 0,
            0x16 => u64::from(self.queue_select),
            0x18 if q0 => u64::from(self.queue.size),
            0x1a if q0 => u64::from(self.queue.msix),
            0x1c if q0 => u64::from(self.queue.enable),
            0x1e => 0,
            0x20..0x38 if q0 => {
                let shift = (off & 4) * 8;
                let v = self.queue_addr(off).map_or(0, |a| *a);
                if width == 8 {
                    v
                } else {
                    (v >> shift) & 0xffff_ffff
                }
            }
            _ => 0,
        }
    }

    fn common_write(&mut self, off: u64, width: u8, v: u64) {
        if !self.field_width(off, width) {
            return;
        }
        let running = self.status & S_DRIVER_OK != 0;
        match off {
            0x00 => self.device_select = v as u32,
            0x08 => self.driver_select = v as u32,
            0x0c => {
                if self.status & S_FEATURES_OK != 0 {
                    self.violation("driver features written after FEATURES_OK".into());
                    return;
                }
                match self.driver_select {
                    0 => {
                        self.driver_features =
                            (self.driver_features & !0xffff_ffff) | (v & 0xffff_ffff)
                    }
                    1 => self.driver_features = (self.driver_features & 0xffff_ffff) | (v << 32),
                    s => self.violation(format!("driver feature select {s}")),
                }
            }
            0x10 => {
                self.config_msix = if (v as u16) < MSIX_ENTRIES {
                    v as u16
                } else {
                    NO_VECTOR
                }
            }
            0x14 => self.write_status(v as u8),
            0x16 => self.queue_select = v as u16,
            0x18..0x38 if self.queue_select != 0 => self.violation(format!(
                "queue {} configured: the device has one",
                self.queue_select
            )),
            0x18..0x38 if running || self.queue.enable => self.violation(format!(
                "queue register {off:#x} written while the queue is live"
            )),
            0x18 => {
                let n = v as u16;
                if n == 0 || n > self.opts.max_queue {
                    self.violation(format!("queue size {n} (max {})", self.opts.max_queue));
                } else {
                    self.queue.size = n;
                }
            }
            0x1a => {
                self.queue.msix = if (v as u16) < MSIX_ENTRIES {
                    v as u16
                } else {
                    NO_VECTOR
                }
            }
            0x1c => {
                if v != 1 {
                    self.violation("queue_enable written with 0".into());
                } else if self.queue.desc == 0 || self.queue.driver == 0 || self.queue.device == 0 {
                    self.violation("queue enabled without its rings".into());
                } else {
                    self.queue.enable = true;
                }
            }
            0x20..0x38 => {
                let shift = (off & 4) * 8;
                if let Some(a) = self.queue_addr(off) {
                    *a = if width == 8 {
                        v
                    } else {
                        (*a & !(0xffff_ffff << shift)) | ((v & 0xffff_ffff) << shift)
                    };
                }
            }
            _ => self.violation(format!("write of read-only common config {off:#x}")),
        }
    }

    /// 2.1 and 3.1.1: the status only grows until a reset (a write of 0).
    fn write_status(&mut self, v: u8) {
        self.stats.status_writes.push(v);
        if v == 0 {
            self.status_before_reset = self.status;
            self.reset_countdown = if self.status != 0 {
                self.opts.reset_reads
            } else {
                0
            };
            self.status = 0;
            self.reset_state();
            self.stats.resets += 1;
            self.reset_seen = true;
            return;
        }
        let old = self.status;
        if old & !v & !S_NEEDS_RESET != 0 {
            self.violation(format!(
                "status {old:#x} -> {v:#x} clears bits without a reset"
            ));
        }
        let mut new = v | (old & S_NEEDS_RESET);
        let added = new & !old;
        if added & S_FEATURES_OK != 0 {
            let f = self.driver_features;
            if f & !self.opts.offered != 0
                || f & (1 << F_VERSION_1) == 0
                || self.opts.refuse_features
            {
                // 3.1.1 step 6: the device does not keep FEATURES_OK.
                new &= !S_FEATURES_OK;
            } else {
                self.negotiated = f;
            }
        }
        if added & S_DRIVER_OK != 0 {
            if new & S_FEATURES_OK == 0 {
                self.violation("DRIVER_OK without FEATURES_OK".into());
                new |= S_NEEDS_RESET;
            }
            if self.opts.needs_reset_at_driver_ok {
                new |= S_NEEDS_RESET;
            }
        }
        self.status = new;
    }

    fn device_config(&mut self, off: u64, width: u8) -> u64 {
        let mut cfg = [0u8; DEVICE_LEN as usize];
        cfg[0..8].copy_from_slice(&self.opts.capacity.to_le_bytes());
        cfg[8..12].copy_from_slice(&(64u32 * 1024).to_le_bytes());
        cfg[12..16].copy_from_slice(&self.opts.seg_max.to_le_bytes());
        cfg[20..24].copy_from_slice(&(SECTOR as u32).to_le_bytes());
        let (o, w) = (off as usize, usize::from(width));
        if o + w > cfg.len() || o % w != 0 {
            self.violation(format!("device config read of {w} at {o:#x}"));
            return 0;
        }
        let mut b = [0u8; 8];
        b[..w].copy_from_slice(&cfg[o..o + w]);
        u64::from_le_bytes(b)
    }

    fn notify(&mut self, off: u64, width: u8, v: u64) {
        self.stats.notifies += 1;
        if width != 2 || off != 0 || v != 0 {
            self.violation(format!("notify of {width} bytes at {off:#x} value {v}"));
            return;
        }
        if self.status & S_DRIVER_OK == 0 {
            self.violation("notify before DRIVER_OK".into());
        }
        self.kicked = true;
    }

    // ---- the legacy interface (a transitional device's I/O BAR, 4.1.4.8) ----

    pub fn io_read(&mut self, off: u16, width: u8) -> u32 {
        self.stats.port_accesses += 1;
        match (off, width) {
            (0, 4) => self.opts.offered as u32,
            (4, 4) => self.driver_features as u32,
            (12, 2) => u32::from(self.opts.max_queue),
            (14, 2) => u32::from(self.queue_select),
            (18, 1) => u32::from(self.status),
            (19, 1) => {
                let v = self.isr;
                self.isr = 0;
                u32::from(v)
            }
            (20..=59, _) => self.device_config(u64::from(off - 20), width) as u32,
            _ => {
                self.violation(format!("legacy read of {width} at {off}"));
                0
            }
        }
    }

    pub fn io_write(&mut self, off: u16, width: u8, v: u32) {
        self.stats.port_accesses += 1;
        match (off, width) {
            (4, 4) => self.driver_features = u64::from(v),
            (14, 2) => self.queue_select = v as u16,
            (18, 1) => self.write_status(v as u8),
            _ => self.violation(format!("legacy write of {width} at {off}")),
        }
    }

    // ---- the device at work ----

    /// Lets time pass: takes what was kicked, finishes some of it. True if
    /// anything was finished (and the interrupt raised).
    pub fn run(&mut self, bus: &Bus) -> bool {
        let live = S_DRIVER_OK;
        if self.status & (S_NEEDS_RESET | S_FAILED) != 0
            || self.status & live == 0
            || !self.queue.enable
        {
            return false;
        }
        if !bus.bus_master {
            return false;
        }
        let q = self.queue;
        if self.kicked {
            self.kicked = false;
            let Some(idx) = bus.dma.read_u16(q.driver + 2) else {
                self.device_error(format!(
                    "available ring at {:#x} is not DMA memory",
                    q.driver
                ));
                return false;
            };
            let new = idx.wrapping_sub(q.last_avail);
            if new > q.size {
                self.device_error(format!("available index jumped by {new}"));
                return false;
            }
            for i in 0..new {
                let slot = q.last_avail.wrapping_add(i) % q.size;
                match bus.dma.read_u16(q.driver + 4 + 2 * u64::from(slot)) {
                    Some(h) if h < q.size => self.pending.push(h),
                    _ => {
                        self.device_error(format!("bad available ring entry {slot}"));
                        return false;
                    }
                }
            }
            self.queue.last_avail = idx;
            self.stats.max_pending = self.stats.max_pending.max(self.pending.len());
        }
        if self.pending.is_empty() {
            return false;
        }
        let n = 1 + (self.random() as usize) % self.pending.len();
        for _ in 0..n {
            let i = (self.random() as usize) % self.pending.len();
            let head = self.pending.swap_remove(i);
            let Some(written) = self.serve(bus.dma, head) else {
                return false;
            };
            let q = self.queue;
            let at = q.device + 4 + 8 * u64::from(q.used_idx % q.size);
            let mut elem = [0u8; 8];
            elem[..4].copy_from_slice(&u32::from(head).to_le_bytes());
            elem[4..].copy_from_slice(&written.to_le_bytes());
            if !bus.dma.write(at, &elem) {
                self.device_error("used ring is not DMA memory".into());
                return false;
            }
            self.queue.used_idx = q.used_idx.wrapping_add(1);
            self.stats.completed += 1;
        }
        // The entries before the index that publishes them (2.7.8.2).
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        if !bus
            .dma
            .write(self.queue.device + 2, &self.queue.used_idx.to_le_bytes())
        {
            self.device_error("used ring is not DMA memory".into());
            return false;
        }
        if bus.msix && self.queue.msix == NO_VECTOR {
            // 4.1.5.1.2: no vector, no interrupt; the driver will wait.
            return false;
        }
        self.isr |= 1;
        self.stats.interrupts += 1;
        true
    }

    /// A device that met something it cannot handle sets DEVICE_NEEDS_RESET.
    fn device_error(&mut self, what: String) {
        self.violation(what);
        self.status |= S_NEEDS_RESET;
    }

    /// Performs one request; the bytes written into device-writable
    /// buffers, or None after a device error.
    fn serve(&mut self, dma: &Dma, head: u16) -> Option<u32> {
        let size = self.queue.size;
        let mut chain: Vec<(u64, u32, u16)> = Vec::new();
        let mut d = head;
        loop {
            if chain.len() >= usize::from(size) || d >= size {
                self.device_error(format!(
                    "descriptor chain from {head} loops or leaves the table"
                ));
                return None;
            }
            let at = self.queue.desc + 16 * u64::from(d);
            let (Some(addr), Some(len), Some(flags), Some(next)) = (
                dma.read_u64(at),
                dma.read_u32(at + 8),
                dma.read_u16(at + 12),
                dma.read_u16(at + 14),
            ) else {
                self.device_error("descriptor table is not DMA memory".into());
                return None;
            };
            if flags & DESC_INDIRECT != 0 && !self.has(F_INDIRECT_DESC) {
                self.device_error("indirect descriptor without the feature".into());
                return None;
            }
            chain.push((addr, len, flags));
            if flags & DESC_NEXT == 0 {
                break;
            }
            d = next;
        }
        let (Some(&(haddr, hlen, hflags)), Some(&(saddr, slen, sflags))) =
            (chain.first(), chain.last())
        else {
            return None;
        };
        if chain.len() < 2
            || hlen < 16
            || hflags & DESC_WRITE != 0
            || slen < 1
            || sflags & DESC_WRITE == 0
        {
            self.device_error(format!("malformed request chain {chain:x?}"));
            return None;
        }
        let data = &chain[1..chain.len() - 1];
        if self.has(F_SEG_MAX) && data.len() > self.opts.seg_max as usize {
            self.violation(format!(
                "{} segments, seg_max {}",
                data.len(),
                self.opts.seg_max
            ));
        }
        let mut header = [0u8; 16];
        if !dma.read(haddr, &mut header) {
            self.device_error("request header is not DMA memory".into());
            return None;
        }
        let kind = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let sector = u64::from_le_bytes(header[8..16].try_into().ok()?);
        let total: u64 = data.iter().map(|s| u64::from(s.1)).sum();
        let device_writes = kind == T_IN || kind == T_GET_ID;
        if data
            .iter()
            .any(|s| (s.2 & DESC_WRITE != 0) != device_writes)
        {
            self.device_error(format!(
                "request type {kind} with data buffers of the wrong direction"
            ));
            return None;
        }
        let in_range = total.is_multiple_of(SECTOR as u64)
            && sector
                .checked_add(total / SECTOR as u64)
                .is_some_and(|e| e <= self.opts.capacity);
        let bad = self
            .opts
            .bad
            .is_some_and(|(a, b)| sector < b && a < sector + total.div_ceil(SECTOR as u64).max(1));
        let mut written = 0u32;
        let status = match kind {
            T_IN | T_OUT if !in_range || bad => {
                self.stats.io_errors += 1;
                ST_IOERR
            }
            T_IN => {
                let mut at = sector as usize * SECTOR;
                for &(a, l, _) in data {
                    let l = l as usize;
                    if !dma.write(a, &self.disk[at..at + l]) {
                        self.device_error("read buffer is not DMA memory".into());
                        return None;
                    }
                    at += l;
                    written += l as u32;
                }
                ST_OK
            }
            T_OUT => {
                let mut at = sector as usize * SECTOR;
                for &(a, l, _) in data {
                    let l = l as usize;
                    if !dma.read(a, &mut self.disk[at..at + l]) {
                        self.device_error("write buffer is not DMA memory".into());
                        return None;
                    }
                    if !self.has(F_FLUSH) {
                        self.durable[at..at + l].copy_from_slice(&self.disk[at..at + l]);
                    }
                    at += l;
                }
                ST_OK
            }
            T_FLUSH if self.has(F_FLUSH) => {
                self.durable.copy_from_slice(&self.disk);
                self.stats.flushes += 1;
                ST_OK
            }
            T_GET_ID => {
                let id = b"cordon-fake-blk\0\0\0\0\0";
                match data.first() {
                    Some(&(a, l, _)) if l >= 20 && dma.write(a, id) => {
                        written = 20;
                        ST_OK
                    }
                    _ => ST_IOERR,
                }
            }
            _ => ST_UNSUPP,
        };
        if !dma.write(saddr, &[status]) {
            self.device_error("status byte is not DMA memory".into());
            return None;
        }
        Some(written + 1)
    }
}
