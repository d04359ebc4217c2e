//! Device grants at work: with `grant=ioports:0x70-0x71 grant=irq:8` this
//! program drives the CMOS real-time clock from ring 3 — it programs the
//! periodic interrupt at 64 Hz through the granted ports and receives
//! `count=N` interrupts as notifications, acknowledging each at the device
//! (register C) and at the kernel (`IrqAck`).

#![no_std]
#![no_main]

use ddk_abi::syscall::notify;
use userlib::port::{inb, outb};
use userlib::sys::Received;

userlib::entry!(main);

const RTC_LINE: u8 = 8;

fn cmos_read(reg: u8) -> u8 {
    // SAFETY: ports 0x70/0x71 are granted to this task; bit 7 keeps NMIs off
    // while the index is selected, as the CMOS protocol asks.
    unsafe {
        outb(0x70, 0x80 | reg);
        inb(0x71)
    }
}

fn cmos_write(reg: u8, v: u8) {
    // SAFETY: as in `cmos_read`.
    unsafe {
        outb(0x70, 0x80 | reg);
        outb(0x71, v);
    }
}

fn main(args: &str) -> i64 {
    let count = demo::arg_u64(args, "count", 16);
    let a = cmos_read(0x0a);
    cmos_write(0x0a, (a & 0xf0) | 10); // rate 10: 32768 >> 9 = 64 Hz
    let b = cmos_read(0x0b);
    cmos_write(0x0b, b | 0x40); // periodic interrupt enable
    let _ = cmos_read(0x0c); // clear anything pending
    let t0 = userlib::uptime_us();
    let mut got = 0u64;
    let mut buf = [0u8; 16];
    let mut failure = None;
    while got < count {
        match userlib::recv(&mut buf, Some(2000)) {
            Ok(Received::Notification(bits)) if bits & notify::irq(RTC_LINE) != 0 => {
                let _ = cmos_read(0x0c); // the RTC's acknowledge
                got += 1;
                if let Err(e) = userlib::irq_ack(RTC_LINE) {
                    failure = Some(alloc_free_msg("IrqAck failed", e));
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => {
                failure = Some(alloc_free_msg("no RTC interrupt within 2 s", e));
                break;
            }
        }
    }
    cmos_write(0x0b, cmos_read(0x0b) & !0x40);
    let ms = (userlib::uptime_us() - t0) / 1000;
    match failure {
        None => userlib::log!(
            "rtcirq: PASS ({got} RTC interrupts as notifications in {ms} ms through granted ports and IRQ 8)"
        ),
        Some(why) => userlib::log!("rtcirq: FAIL ({} after {got} interrupts)", why.as_str()),
    }
    if let Some(others) = demo::arg(args, "after") {
        demo::wait_exited(others);
    }
    if demo::arg_u64(args, "shutdown", 0) == 1 {
        demo::shutdown();
    }
    if got == count { 0 } else { 1 }
}

fn alloc_free_msg(what: &'static str, e: userlib::sys::Error) -> userlib::LineBuf {
    let mut l = userlib::LineBuf::new();
    let _ = core::fmt::Write::write_fmt(&mut l, format_args!("{what}: {e}"));
    l
}
