//! The COM1 16550 UART: the kernel log's output and the console's input.
//!
//! Output goes through a transmit ring that the UART's own interrupt drains,
//! 16 bytes (one FIFO) at a time, so writing a log line costs the writer a
//! copy, not the line's time on the wire: at 115,200 baud a 512-byte line
//! is 45 ms, which a synchronous write would spend with interrupts off.
//! Before the interrupt is routed (early boot), and whenever the machine is
//! about to stop ([`flush`]), the ring is drained by polling instead.
//!
//! The ring is lossless for the kernel's own lines (a full ring is drained
//! by polling until the line fits); lines from tasks (`Log`) are dropped
//! instead once the ring is three-quarters full, and the number dropped is
//! reported with the next line that fits — a task flooding the log cannot
//! make anyone wait on the UART.

use crate::logic::txring::{TaskLine, TxRing};
use spin::Mutex;
use x86_64::instructions::port::Port;

const COM1: u16 = 0x3f8;
/// Transmit ring size; a power of two.
const TX_RING: usize = 64 * 1024;
/// The 16550's transmit FIFO.
const TX_FIFO: usize = 16;
/// Interrupt enable: received data available, transmit holding register empty.
const IER_RX: u8 = 0x01;
const IER_TX: u8 = 0x02;

pub struct Uart {
    ring: TxRing<TX_RING>,
    /// The transmit interrupt is routed: the ring drains by interrupt.
    irq_tx: bool,
    ier: u8,
}

impl Uart {
    const fn new() -> Self {
        Uart {
            ring: TxRing::new(),
            irq_tx: false,
            ier: 0,
        }
    }

    /// 115200 8N1, FIFOs on, interrupts off (enabled later by `enable_irqs`).
    fn init(&mut self) {
        out(1, 0x00); // IER: no interrupts
        out(3, 0x80); // LCR: DLAB
        out(0, 0x01); // divisor low: 115200
        out(1, 0x00); // divisor high
        out(3, 0x03); // 8N1
        out(2, 0xc7); // FIFO on, cleared, 14-byte threshold
        out(4, 0x0b); // DTR | RTS | OUT2 (OUT2 gates the IRQ line)
    }

    fn push(&mut self, b: u8) {
        // A full ring hands back its oldest byte: sent now, by polling, so
        // the kernel's lines are never lost.
        if let Some(old) = self.ring.push(b) {
            write_byte_polled(old);
        }
    }

    fn push_text(&mut self, s: &str) {
        for b in s.bytes() {
            if b == b'\n' {
                self.push(b'\r');
            }
            self.push(b);
        }
    }

    /// Starts the transmitter: by interrupt once routed, else by polling.
    fn kick(&mut self) {
        if !self.irq_tx {
            self.flush();
        } else if !self.ring.is_empty() && self.ier & IER_TX == 0 {
            // Setting ETBEI with the holding register empty raises the
            // interrupt at once; its handler sends the first FIFO-full.
            self.ier |= IER_TX;
            out(1, self.ier);
        }
    }

    /// The interrupt's part: refill the transmit FIFO, or stop the
    /// transmit interrupt when the ring is empty.
    pub fn service_tx(&mut self) {
        if thr_empty() {
            for _ in 0..TX_FIFO {
                match self.ring.pop() {
                    Some(b) => out(0, b),
                    None => break,
                }
            }
        }
        if self.ring.is_empty() && self.ier & IER_TX != 0 {
            self.ier &= !IER_TX;
            out(1, self.ier);
        }
    }

    /// Queues a task's log line, or drops it when the ring is three-quarters
    /// full (counted, and reported with the next line that fits).
    pub fn write_task_line(&mut self, line: &str) {
        let bytes = line.len() + line.bytes().filter(|b| *b == b'\n').count();
        match self.ring.task_line(bytes) {
            TaskLine::Dropped => {}
            TaskLine::Queued { dropped } => {
                if dropped > 0 {
                    let _ = core::fmt::Write::write_fmt(
                        self,
                        format_args!(
                            "({dropped} task log lines dropped: serial output saturated)\n"
                        ),
                    );
                }
                self.push_text(line);
                self.kick();
            }
        }
    }

    /// Queues the console owner's raw bytes (no prefix, no newline
    /// translation), as many as fit in the tasks' share of the ring;
    /// returns how many were queued. Never waits for the UART.
    pub fn write_task_raw(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.ring.task_room());
        for &b in bytes.get(..n).unwrap_or(&[]) {
            self.push(b);
        }
        self.kick();
        n
    }

    /// A received byte, if one is waiting.
    pub fn try_read(&mut self) -> Option<u8> {
        (inb(5) & 0x01 != 0).then(|| inb(0))
    }

    /// COM1's interrupt is routed: raise it when a byte arrives, and drain
    /// the transmit ring by it from now on.
    pub fn enable_irqs(&mut self) {
        self.ier = IER_RX;
        out(1, IER_RX);
        self.irq_tx = true;
        self.kick();
    }

    /// Sends everything queued, by polling.
    pub fn flush(&mut self) {
        while let Some(b) = self.ring.pop() {
            write_byte_polled(b);
        }
    }
}

impl core::fmt::Write for Uart {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.push_text(s);
        self.kick();
        Ok(())
    }
}

fn out(reg: u16, value: u8) {
    // SAFETY: the registers of the COM1 UART, owned by this driver.
    unsafe { Port::<u8>::new(COM1 + reg).write(value) }
}

fn inb(reg: u16) -> u8 {
    // SAFETY: the registers of the COM1 UART, owned by this driver.
    unsafe { Port::<u8>::new(COM1 + reg).read() }
}

fn thr_empty() -> bool {
    inb(5) & 0x20 != 0
}

/// Writes one byte, waiting (boundedly: a missing UART must not hang the
/// kernel) for the transmitter.
fn write_byte_polled(b: u8) {
    for _ in 0..100_000 {
        if thr_empty() {
            break;
        }
        core::hint::spin_loop();
    }
    out(0, b);
}

/// All zero but the ring's contents, so it lives in `.bss`. Take it with
/// [`with`]: its interrupt handler takes it too, so holding it with
/// interrupts on could deadlock against that handler.
static COM1_PORT: Mutex<Uart> = Mutex::new(Uart::new());

/// Runs `f` on the UART with interrupts off.
pub fn with<R>(f: impl FnOnce(&mut Uart) -> R) -> R {
    x86_64::instructions::interrupts::without_interrupts(|| f(&mut COM1_PORT.lock()))
}

pub fn init() {
    COM1_PORT.lock().init();
}

/// Sends everything queued before the machine stops (test exits, power
/// off, fatal reports). If the lock is held — the code that faulted may
/// hold it — the queued bytes are skipped rather than waited for.
pub fn flush() {
    x86_64::instructions::interrupts::without_interrupts(|| {
        if let Some(mut uart) = COM1_PORT.try_lock() {
            uart.flush();
        }
    });
}

/// Writes without taking the lock: for the panic and fatal-fault paths, where
/// the lock may be held by the code that faulted. Whatever is queued goes
/// first when the lock is free.
pub fn write_unlocked(s: &str) {
    flush();
    for b in s.bytes() {
        if b == b'\n' {
            write_byte_polled(b'\r');
        }
        write_byte_polled(b);
    }
}
