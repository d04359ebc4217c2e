//! Time: the TSC, calibrated once against the PIT, gives uptime and short
//! delays; the LAPIC timer (see `apic`) gives the scheduler's tick.

use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::instructions::port::Port;

static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
/// TSC ticks per second; 0 until [`calibrate`] ran.
static TSC_HZ: AtomicU64 = AtomicU64::new(0);

const PIT_HZ: u64 = 1_193_182;

pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects; CR4.TSD is clear in ring 0.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Measures the TSC against a 10 ms one-shot of PIT channel 2.
pub fn calibrate() {
    const MS: u64 = 10;
    let count = (PIT_HZ * MS / 1000) as u16;
    let mut gate = Port::<u8>::new(0x61);
    let mut cmd = Port::<u8>::new(0x43);
    let mut ch2 = Port::<u8>::new(0x42);
    // SAFETY: the PIT and the port-0x61 gate are legacy devices the kernel owns;
    // channel 2 drives only the (silent) speaker gate we leave off.
    let hz = unsafe {
        let g = gate.read();
        gate.write((g & !0x02) | 0x01); // gate on, speaker off
        cmd.write(0b1011_0000); // channel 2, lo/hi byte, mode 0, binary
        ch2.write((count & 0xff) as u8);
        ch2.write((count >> 8) as u8);
        let start = rdtsc();
        let mut spins = 0u64;
        while gate.read() & 0x20 == 0 && spins < 50_000_000 {
            spins += 1;
            core::hint::spin_loop();
        }
        let end = rdtsc();
        gate.write(g);
        (end - start) * (1000 / MS)
    };
    // A broken PIT would give nonsense: fall back to a plausible 1 GHz.
    let hz = if hz < 10_000_000 { 1_000_000_000 } else { hz };
    TSC_HZ.store(hz, Ordering::Relaxed);
}

/// Marks "boot" for [`uptime_us`]; called first thing in `kernel_entry`.
pub fn mark_boot() {
    BOOT_TSC.store(rdtsc(), Ordering::Relaxed);
}

pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Microseconds since [`mark_boot`]; 0 before calibration.
pub fn uptime_us() -> u64 {
    let hz = tsc_hz();
    if hz == 0 {
        return 0;
    }
    let ticks = rdtsc().saturating_sub(BOOT_TSC.load(Ordering::Relaxed));
    ((ticks as u128 * 1_000_000) / hz as u128) as u64
}

/// Busy-waits at least `us` microseconds (for ACPI stalls and device resets).
pub fn spin_us(us: u64) {
    let hz = tsc_hz().max(1_000_000);
    let end = rdtsc().saturating_add(us.saturating_mul(hz / 1_000_000));
    while rdtsc() < end {
        core::hint::spin_loop();
    }
}
