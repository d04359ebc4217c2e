//! The COM1 16550 UART: the kernel log's output and, later, the shell's input.

use spin::Mutex;
use x86_64::instructions::port::Port;

const COM1: u16 = 0x3f8;

pub struct Uart {
    base: u16,
}

impl Uart {
    const fn new(base: u16) -> Self {
        Uart { base }
    }

    fn out(&mut self, reg: u16, value: u8) {
        // SAFETY: the registers of the COM1 UART, owned by this driver.
        unsafe { Port::<u8>::new(self.base + reg).write(value) }
    }

    fn inb(&mut self, reg: u16) -> u8 {
        // SAFETY: the registers of the COM1 UART, owned by this driver.
        unsafe { Port::<u8>::new(self.base + reg).read() }
    }

    /// 115200 8N1, FIFOs on, interrupts off (enabled later by `enable_rx_irq`).
    fn init(&mut self) {
        self.out(1, 0x00); // IER: no interrupts
        self.out(3, 0x80); // LCR: DLAB
        self.out(0, 0x01); // divisor low: 115200
        self.out(1, 0x00); // divisor high
        self.out(3, 0x03); // 8N1
        self.out(2, 0xc7); // FIFO on, cleared, 14-byte threshold
        self.out(4, 0x0b); // DTR | RTS | OUT2 (OUT2 gates the IRQ line)
    }

    fn write_byte(&mut self, b: u8) {
        // Bounded wait for the transmit holding register: a missing UART must
        // not hang the kernel.
        for _ in 0..100_000 {
            if self.inb(5) & 0x20 != 0 {
                break;
            }
            core::hint::spin_loop();
        }
        self.out(0, b);
    }

    /// A received byte, if one is waiting.
    pub fn try_read(&mut self) -> Option<u8> {
        (self.inb(5) & 0x01 != 0).then(|| self.inb(0))
    }

    /// Raise an interrupt when a byte arrives.
    pub fn enable_rx_irq(&mut self) {
        self.out(1, 0x01);
    }
}

impl core::fmt::Write for Uart {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                self.write_byte(b'\r');
            }
            self.write_byte(b);
        }
        Ok(())
    }
}

pub static COM1_PORT: Mutex<Uart> = Mutex::new(Uart::new(COM1));

pub fn init() {
    COM1_PORT.lock().init();
}

/// Writes without taking the lock: for the panic and fatal-fault paths, where
/// the lock may be held by the code that faulted.
pub fn write_unlocked(s: &str) {
    let mut uart = Uart::new(COM1);
    let _ = core::fmt::Write::write_str(&mut uart, s);
}
