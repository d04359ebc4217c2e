//! Cordon's ring-0 kernel.
//!
//! Boots through PVH (QEMU `-kernel`), takes over memory, interrupts, the
//! timer and ACPI, and — from the process issue on — runs ring-3 processes
//! that talk over IPC. Nothing here parses untrusted bytes or drives devices
//! beyond the serial log and the interrupt controllers.

#![no_std]
#![no_main]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::undocumented_unsafe_blocks
)]

extern crate alloc;

mod acpi;
mod apic;
mod arch;
mod boot;
use microkernel::logic::{self, cmdline};
mod console;
mod initrd;
mod klog;
mod mem;
mod panic;
mod pci;
mod qemu;
#[cfg(feature = "selftest")]
mod selftest;
mod serial;
mod syscall;
mod task;
mod time;

use log::info;

/// Called by the trampoline on the boot stack, in long mode, with the boot
/// page tables. Never returns.
#[unsafe(no_mangle)]
extern "C" fn kernel_entry(handover_paddr: u32, magic: u32) -> ! {
    time::mark_boot();
    serial::init();
    // SAFETY: the boot loader passed this address in EBX (and `magic` in EAX);
    // the boot tables still map it.
    let boot = match unsafe { boot::info::read(u64::from(handover_paddr), magic) } {
        Ok(b) => b,
        Err(e) => panic::halt_with(format_args!("bad boot hand-over: {e:?}")),
    };
    time::calibrate();
    klog::init(boot.cmdline());
    info!(
        "Cordon {} booting ({}), TSC {} MHz",
        env!("CARGO_PKG_VERSION"),
        match boot.protocol {
            boot::info::Protocol::Pvh => "PVH",
            boot::info::Protocol::Multiboot2 => "multiboot2",
        },
        time::tsc_hz() / 1_000_000
    );
    info!("command line: {:?}", boot.cmdline());

    arch::init();
    let (acpi_ranges, n) = acpi::table_ranges(boot.rsdp);
    mem::init(&boot, acpi_ranges.get(..n).unwrap_or(&[]));
    apic::begin_timer_calibration();
    klog::init_ring();
    initrd::init(boot.initrd);
    initrd::log_contents();
    let platform = acpi::init(boot.rsdp);
    apic::init(&platform);
    pci::init(&platform);
    task::device::init(&platform);
    syscall::entry::init();
    let p = arch::cpu::enable_protections();
    let on = |b: bool| if b { "on" } else { "not available" };
    info!(
        "CPU protections: NX on, SMEP {}, SMAP {}, UMIP {}",
        on(p.smep),
        on(p.smap),
        on(p.umip)
    );

    info!(
        "{} CPUs found; the boot CPU runs everything (APs stay parked); log ring holds {} lines",
        platform.cpu_count,
        klog::ring_len()
    );
    info!("kernel ready in {} us", time::uptime_us());

    #[cfg(feature = "selftest")]
    if let Some(name) = cmdline::value(boot.cmdline(), "test") {
        selftest::run(name, &platform);
    }
    task::inject::init(boot.cmdline());
    task::lifecycle::spawn_supervisor(boot.cmdline());
    task::sched::start()
}
