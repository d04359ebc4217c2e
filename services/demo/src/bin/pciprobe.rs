//! Probes the PCI function syscalls from ring 3.
//!
//! `role=owner` (granted a virtio-blk): `PciInfo` names it; writes to a BAR,
//! the expansion ROM BAR, the MSI-X capability, a forbidden command bit and
//! a function reset (FLR, D3hot) are refused with `PermissionDenied` and read back unchanged; setting bus
//! master works; the MSI-X table page cannot be mapped while the rest of
//! its BAR and the other BARs can; an MSI-X entry binds (and the kernel
//! enabled MSI-X with INTx off); binding errors are typed. It then waits
//! for the tasks named by `after=` and exits — its death must turn bus
//! mastering off. `role=other bdf=N`: every call on a function it does not
//! own is `PermissionDenied`. `role=edu` (granted QEMU's `edu` device):
//! binds its interrupt (`source=intx|auto`, `expect=` the source the kernel
//! must pick) and, with `raise=N`, raises it N times, each arriving as a
//! notification; without, it acks whatever arrives on a shared line,
//! holding its first ack `hold=MS` ms — and the raiser must see its next
//! interrupt held that long (an INTx line stays masked until every notified
//! owner acked). `role=end`: waits for `after=`, then powers off.

#![no_std]
#![no_main]

extern crate alloc;

use ddk_abi::syscall::pci_irq;
use userlib::SyscallError;
use userlib::sys::{self, Error};

userlib::entry!(main);

/// Why a check failed (boxed: a line buffer is large).
type Why = alloc::boxed::Box<userlib::LineBuf>;

const AT: u64 = 0x0000_6100_0000_0000;
const DENIED: Result<(), Error> = Err(Error::Sys(SyscallError::PermissionDenied));
const COMMAND: u16 = 0x04;
const BUS_MASTER: u32 = 1 << 2;
const INTX_DISABLE: u32 = 1 << 10;

fn main(args: &str) -> i64 {
    let code = match demo::arg(args, "role") {
        Some("owner") => report(owner()),
        Some("other") => report(other(demo::arg_u64(args, "bdf", 0x28) as u16)),
        Some("edu") => report(edu(args)),
        Some("end") => 0,
        _ => {
            userlib::log!("pciprobe: FAIL (no role= given)");
            1
        }
    };
    if let Some(others) = demo::arg(args, "after") {
        demo::wait_exited(others);
    }
    if demo::arg_u64(args, "shutdown", 0) == 1 {
        demo::shutdown();
    }
    code
}

fn report(r: Result<&'static str, Why>) -> i64 {
    match r {
        Ok(what) => {
            userlib::log!("pciprobe: PASS ({what})");
            0
        }
        Err(why) => {
            userlib::log!("pciprobe: FAIL ({})", why.as_str());
            1
        }
    }
}

macro_rules! fail {
    ($($t:tt)*) => {{
        let mut l = userlib::LineBuf::new();
        let _ = core::fmt::Write::write_fmt(&mut l, format_args!($($t)*));
        return Err(alloc::boxed::Box::new(l));
    }};
}

fn rd(bdf: u16, off: u16, w: u8) -> Result<u32, Why> {
    match sys::pci_config_read(bdf, off, w) {
        Ok(v) => Ok(v),
        Err(e) => fail!("config read {off:#x}/{w}: {e}"),
    }
}

/// A write the kernel must refuse, leaving the register as it was.
fn refused(bdf: u16, off: u16, w: u8, value: u32, what: &str) -> Result<(), Why> {
    let before = rd(bdf, off, w)?;
    let r = sys::pci_config_write(bdf, off, w, value);
    let after = rd(bdf, off, w)?;
    if r != DENIED || after != before {
        fail!(
            "{what}: write {value:#x} at {off:#x}/{w} gave {r:?}, register {before:#x} -> {after:#x}"
        );
    }
    Ok(())
}

/// Finds capability `id` in the function's list.
fn find_cap(bdf: u16, id: u8) -> Result<Option<u16>, Why> {
    let mut at = rd(bdf, 0x34, 1)? as u16 & 0xfc;
    for _ in 0..48 {
        if at < 0x40 {
            break;
        }
        let head = rd(bdf, at, 2)?;
        if head as u8 == id {
            return Ok(Some(at));
        }
        at = (head >> 8) as u16 & 0xfc;
    }
    Ok(None)
}

fn owner() -> Result<&'static str, Why> {
    let (bdf, ids, class) = match sys::pci_info(0) {
        Ok(i) => i,
        Err(e) => fail!("PciInfo 0: {e}"),
    };
    if ids != 0x1042_1af4 || class >> 16 != 0x0100 {
        fail!("PciInfo 0 gave {bdf:#x} ids {ids:#x} class {class:#x}");
    }
    if sys::pci_info(1) != Err(Error::Sys(SyscallError::NotFound)) {
        fail!("PciInfo 1 of a one-function owner did not say NotFound");
    }
    // Where the MSI-X table is.
    let Some(msix) = find_cap(bdf, 0x11)? else {
        fail!("no MSI-X capability");
    };
    let table = rd(bdf, msix + 4, 4)?;
    let entries = (rd(bdf, msix + 2, 2)? & 0x7ff) + 1;
    let bir = (table & 7) as u8;
    let t_off = u64::from(table & !7);
    let (t_phys, t_len, _) = match sys::pci_bar(bdf, bir) {
        Ok(b) => b,
        Err(e) => fail!("PciBar {bir}: {e}"),
    };
    let t_page = (t_phys + t_off) & !0xfff;
    let t_end = (t_phys + t_off + u64::from(entries) * 16).div_ceil(4096) * 4096;
    if userlib::map_device(t_page, 4096, AT) != DENIED {
        fail!("the MSI-X table page {t_page:#x} was mappable");
    }
    // Every other page of the table's BAR maps.
    let mut others = 0;
    let mut page = t_phys;
    while page < t_phys + t_len {
        if page < t_page || page >= t_end {
            if let Err(e) = userlib::map_device(page, 4096, AT + 0x10_0000 + (page - t_phys)) {
                fail!("page {page:#x} of the MSI-X BAR (outside the table) refused: {e}");
            }
            others += 1;
        }
        page += 4096;
    }
    if others == 0 {
        fail!("the MSI-X BAR ({t_len:#x} bytes) has no page besides the table");
    }
    // The other memory BARs map whole.
    let mut mapped = 0;
    for b in 0..6u8 {
        let Ok((phys, len, flags)) = sys::pci_bar(bdf, b) else {
            fail!("PciBar {b} refused");
        };
        if b == bir || len == 0 || flags & ddk_abi::syscall::pci_bar::IO != 0 {
            continue;
        }
        if let Err(e) = userlib::map_device(phys, len, AT + 0x100_0000 * u64::from(b + 1)) {
            fail!("BAR{b} {phys:#x}+{len:#x} refused: {e}");
        }
        mapped += 1;
    }
    if sys::pci_bar(bdf, 6).is_ok() {
        fail!("PciBar 6 answered");
    }

    // Refused writes.
    refused(bdf, 0x20, 4, 0xffff_ffff, "BAR4")?;
    refused(bdf, 0x10 + 4 * u16::from(bir), 4, 0, "the MSI-X BAR")?;
    refused(bdf, 0x22, 2, 0, "BAR4 upper half")?;
    refused(bdf, 0x30, 4, 0xffff_f801, "expansion ROM BAR")?;
    let ctl = rd(bdf, msix + 2, 2)?;
    refused(bdf, msix + 2, 2, ctl | 0x8000, "MSI-X enable")?;
    refused(
        bdf,
        msix,
        4,
        0xc000_0000 | rd(bdf, msix, 4)?,
        "MSI-X capability dword",
    )?;
    refused(bdf, msix + 4, 4, 0, "MSI-X table offset")?;
    let cmd = rd(bdf, COMMAND, 2)?;
    refused(bdf, COMMAND, 2, cmd ^ INTX_DISABLE, "INTx disable")?;
    refused(bdf, COMMAND, 2, cmd | (1 << 6), "parity error response")?;
    refused(bdf, COMMAND + 1, 1, (cmd >> 8) ^ 1, "SERR# enable (byte)")?;
    // A function reset would clear the BARs behind the kernel's back.
    let Some(pcie) = find_cap(bdf, 0x10)? else {
        fail!("no PCI Express capability (q35's virtio-blk has one)");
    };
    let devctl = rd(bdf, pcie + 8, 2)?;
    refused(bdf, pcie + 8, 2, devctl | 0x8000, "Initiate FLR")?;
    if let Some(pm) = find_cap(bdf, 0x01)? {
        let pmcsr = rd(bdf, pm + 4, 2)?;
        refused(bdf, pm + 4, 2, pmcsr | 3, "power state D3hot")?;
    }
    if sys::pci_config_write(bdf, 0x41, 2, 0) != Err(Error::Sys(SyscallError::InvalidArgument)) {
        fail!("a misaligned write was not InvalidArgument");
    }
    if sys::pci_config_read(bdf, 0x1000, 1) != Err(Error::Sys(SyscallError::InvalidArgument)) {
        fail!("a read past 4 KiB was not InvalidArgument");
    }
    // Allowed: bus mastering on.
    if let Err(e) = sys::pci_config_write(bdf, COMMAND, 2, cmd | BUS_MASTER) {
        fail!("setting bus master refused: {e}");
    }
    let now = rd(bdf, COMMAND, 2)?;
    if now != cmd | BUS_MASTER {
        fail!("command {cmd:#x} | bus master read back {now:#x}");
    }

    // MSI-X entry 0 to notification bit 40.
    let bit_low = sys::pci_irq_bind(bdf, pci_irq::MSIX, 0, 31);
    let bad_entry = sys::pci_irq_bind(bdf, pci_irq::MSIX, entries as u16, 40);
    let inval = Err(Error::Sys(SyscallError::InvalidArgument));
    if bit_low != inval || bad_entry != inval {
        fail!("bit 31 bind gave {bit_low:?}, entry {entries} bind gave {bad_entry:?}");
    }
    match sys::pci_irq_bind(bdf, pci_irq::MSIX, 0, 40) {
        Ok(s) if s == pci_irq::MSIX => {}
        other => fail!("MSI-X entry 0 bind gave {other:?}"),
    }
    let again = sys::pci_irq_bind(bdf, pci_irq::MSIX, 0, 41);
    let msi = sys::pci_irq_bind(bdf, pci_irq::MSI, 0, 41);
    if again != Err(Error::Sys(SyscallError::AlreadyMapped)) || msi != inval {
        fail!("rebinding entry 0 gave {again:?}; MSI beside MSI-X gave {msi:?}");
    }
    match sys::pci_irq_bind(bdf, pci_irq::AUTO, 1, 41) {
        Ok(s) if s == pci_irq::MSIX => {}
        other => fail!("AUTO bind of entry 1 gave {other:?}"),
    }
    let ctl = rd(bdf, msix + 2, 2)?;
    let cmd = rd(bdf, COMMAND, 2)?;
    if ctl & 0x8000 == 0 || ctl & 0x4000 != 0 || cmd & INTX_DISABLE == 0 {
        fail!("after binding: MSI-X control {ctl:#x}, command {cmd:#x}");
    }
    if let Err(e) = sys::pci_irq_ack(bdf) {
        fail!("an ack on an MSI-X binding gave {e}");
    }
    // Up to 32 entries per function; the 33rd is refused.
    for entry in 2..32u16 {
        if let Err(e) = sys::pci_irq_bind(bdf, pci_irq::MSIX, entry, 42) {
            fail!("binding MSI-X entry {entry}: {e}");
        }
    }
    let over = sys::pci_irq_bind(bdf, pci_irq::MSIX, 32, 42);
    if over != Err(Error::Sys(SyscallError::OutOfMemory)) {
        fail!("a 33rd MSI-X entry gave {over:?}");
    }
    let _ = mapped;
    Ok(
        "PciInfo; BAR, ROM, MSI-X, command-bit and reset writes refused and unchanged; bus master set; MSI-X table page unmappable, rest of its BAR and the other BARs mapped; MSI-X entries 0 and 1 bound, at most 32",
    )
}

fn other(bdf: u16) -> Result<&'static str, Why> {
    let denied = Err(Error::Sys(SyscallError::PermissionDenied));
    let read = sys::pci_config_read(bdf, 0, 4);
    let write = sys::pci_config_write(bdf, COMMAND, 2, 0);
    let bar = sys::pci_bar(bdf, 4);
    let bind = sys::pci_irq_bind(bdf, pci_irq::AUTO, 0, 40);
    let ack = sys::pci_irq_ack(bdf);
    if read.map(|_| ()) != denied
        || write != denied
        || bar.map(|_| ()) != denied
        || bind.map(|_| ()) != denied
        || ack != denied
    {
        fail!(
            "a non-owner on {bdf:#x}: read {read:?}, write {write:?}, bar {bar:?}, bind {bind:?}, ack {ack:?}"
        );
    }
    if sys::pci_info(0) != Err(Error::Sys(SyscallError::NotFound)) {
        fail!("PciInfo 0 of a task without functions did not say NotFound");
    }
    Ok("a non-owner is refused every call on the function")
}

const EDU_STATUS: u64 = 0x24;
const EDU_RAISE: u64 = 0x60;
const EDU_ACK: u64 = 0x64;
const EDU_AT: u64 = 0x0000_6200_0000_0000;
const EDU_BIT: u8 = 33;

fn edu_reg(off: u64) -> *mut u32 {
    (EDU_AT + off) as *mut u32
}

/// Waits up to `ms` for notification bit `EDU_BIT`.
fn wait_bit(ms: u64) -> Result<bool, Why> {
    let deadline = userlib::uptime_us() + ms * 1000;
    loop {
        let now = userlib::uptime_us();
        if now >= deadline {
            return Ok(false);
        }
        match sys::recv(&mut [], Some((deadline - now).div_ceil(1000))) {
            Ok(sys::Received::Notification(bits))
                if bits & ddk_abi::syscall::notify::pci(EDU_BIT) != 0 =>
            {
                return Ok(true);
            }
            Ok(_) | Err(Error::Sys(SyscallError::Timeout)) => {}
            Err(e) => fail!("recv: {e}"),
        }
    }
}

fn edu(args: &str) -> Result<&'static str, Why> {
    let (bdf, ids, _) = match sys::pci_info(0) {
        Ok(i) => i,
        Err(e) => fail!("PciInfo 0: {e}"),
    };
    if ids != 0x11e8_1234 {
        fail!("PciInfo 0 gave ids {ids:#x}, not edu's");
    }
    let (phys, len, _) = match sys::pci_bar(bdf, 0) {
        Ok(b) => b,
        Err(e) => fail!("PciBar 0: {e}"),
    };
    if let Err(e) = userlib::map_device(phys, len, EDU_AT) {
        fail!("mapping edu's BAR0: {e}");
    }
    let cmd = rd(bdf, COMMAND, 2)?;
    // Memory space for the registers; bus mastering because an MSI is a
    // memory write by the device.
    if let Err(e) = sys::pci_config_write(bdf, COMMAND, 2, cmd | 0x2 | BUS_MASTER) {
        fail!("memory space and bus master on: {e}");
    }
    let source = match demo::arg(args, "source") {
        Some("intx") => pci_irq::INTX,
        _ => pci_irq::AUTO,
    };
    let expect = match demo::arg(args, "expect") {
        Some("msi") => pci_irq::MSI,
        _ => pci_irq::INTX,
    };
    match sys::pci_irq_bind(bdf, source, 0, EDU_BIT) {
        Ok(s) if s == expect => {}
        other => fail!("bind gave {other:?}, expected source {expect}"),
    }
    let raises = demo::arg_u64(args, "raise", 0);
    let hold = demo::arg_u64(args, "hold", 0);
    if raises == 0 {
        // A sharer: ack whatever arrives (its own device never raised).
        let mut got = 0u64;
        while wait_bit(3000)? {
            // SAFETY: edu's status register in its BAR0, mapped above.
            let status = unsafe { edu_reg(EDU_STATUS).read_volatile() };
            if status != 0 {
                fail!("a sharer's own edu has status {status:#x}");
            }
            if got == 0 {
                userlib::sleep_ms(hold);
            }
            got += 1;
            if let Err(e) = sys::pci_irq_ack(bdf) {
                fail!("ack: {e}");
            }
        }
        if got == 0 {
            fail!("no interrupt arrived on the shared line");
        }
        userlib::log!("pciprobe: edu sharer acked {got} interrupts of the other device");
        return Ok("edu sharer notified and acked");
    }
    userlib::sleep_ms(100);
    for k in 0..raises {
        let t0 = userlib::uptime_us();
        // SAFETY: edu's raise register.
        unsafe { edu_reg(EDU_RAISE).write_volatile(1) };
        if !wait_bit(2000)? {
            fail!("interrupt {k} did not arrive");
        }
        let waited_ms = (userlib::uptime_us() - t0) / 1000;
        if k == 1 && hold > 0 && waited_ms < hold / 2 {
            fail!(
                "interrupt 1 came after {waited_ms} ms: the line was unmasked before the sharer acked"
            );
        }
        // SAFETY: edu's status and ack registers.
        let status = unsafe { edu_reg(EDU_STATUS).read_volatile() };
        if status & 1 == 0 {
            fail!("notified, but edu's status is {status:#x}");
        }
        // SAFETY: as above.
        unsafe { edu_reg(EDU_ACK).write_volatile(status) };
        if let Err(e) = sys::pci_irq_ack(bdf) {
            fail!("ack: {e}");
        }
        if k == 0 {
            userlib::log!("pciprobe: edu interrupt 0 after {waited_ms} ms");
        } else if k == 1 {
            userlib::log!("pciprobe: edu interrupt 1 after {waited_ms} ms");
        }
    }
    // No interrupt without a raise.
    if wait_bit(200)? {
        fail!("an interrupt arrived with nothing raised");
    }
    Ok(if expect == pci_irq::MSI {
        "edu MSI interrupts arrived as notifications"
    } else {
        "edu INTx interrupts arrived as notifications, acked"
    })
}
