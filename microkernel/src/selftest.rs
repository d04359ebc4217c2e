//! Kernel self-tests, compiled only with the `selftest` feature and chosen
//! with `test=NAME` on the kernel command line. The QEMU tests in `tests/`
//! boot one each and judge the serial output and the exit code.

use crate::acpi::Platform;
use crate::qemu;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt::Write;
use ddk_abi::debug_exit::{TEST_FAILED, TEST_PASSED};
use log::{error, info};

mod prt;

/// Waits for QEMU to act on the exit write (or forever without the device).
fn halt() -> ! {
    loop {
        x86_64::instructions::interrupts::enable_and_hlt();
    }
}

fn pass(name: &str, detail: core::fmt::Arguments<'_>) -> ! {
    info!("{name}: PASS ({detail})");
    qemu::exit(TEST_PASSED);
    halt()
}

fn fail(name: &str, detail: core::fmt::Arguments<'_>) -> ! {
    error!("{name}: FAIL ({detail})");
    qemu::exit(TEST_FAILED);
    halt()
}

pub fn run(name: &str, _platform: &Platform) -> ! {
    info!("{name}: start");
    match name {
        "heap" => heap(),
        "frames" => frames(),
        "timer" => timer(),
        "pf300" => page_fault_0x300(),
        "stack-overflow" => stack_overflow(0),
        "task-stack-overflow" => task_stack_overflow(),
        "serial-irq" => serial_irq(),
        "generation-retire" => generation_retire(),
        "nmi" => nmi(),
        "exception-vector" => exception_vector(),
        "prt" => prt::run(),
        other => fail(other, format_args!("no such self-test")),
    }
}

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn fill_byte(id: usize, i: usize) -> u8 {
    (id.wrapping_mul(31) ^ i.wrapping_mul(7)) as u8
}

/// Allocates and frees many sizes in random order, checking every byte of
/// every live block, then forces the heap to grow with one large block.
fn heap() -> ! {
    let (_, size_before) = crate::mem::heap::stats();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut live: Vec<(usize, Box<[u8]>)> = Vec::new();
    let mut allocations = 0usize;
    for round in 0..4000usize {
        if live.len() < 200 && (rng.next() % 3 != 0 || live.is_empty()) {
            let size = match rng.next() % 10 {
                0..=5 => 1 + (rng.next() % 64) as usize,
                6..=8 => 64 + (rng.next() % 4096) as usize,
                _ => 4096 + (rng.next() % 65536) as usize,
            };
            let block: Box<[u8]> = (0..size).map(|i| fill_byte(round, i)).collect();
            live.push((round, block));
            allocations += 1;
        } else {
            let idx = (rng.next() % live.len() as u64) as usize;
            let (id, block) = live.swap_remove(idx);
            if let Some(bad) = block
                .iter()
                .enumerate()
                .position(|(i, &b)| b != fill_byte(id, i))
            {
                fail("heap", format_args!("block {id} corrupted at byte {bad}"));
            }
        }
    }
    for (id, block) in &live {
        if block
            .iter()
            .enumerate()
            .any(|(i, &b)| b != fill_byte(*id, i))
        {
            fail("heap", format_args!("block {id} corrupted"));
        }
    }
    drop(live);
    // Larger than the initial heap: must grow it.
    let big: Vec<u64> = (0..(8usize << 20) / 8).map(|i| i as u64 * 3).collect();
    if big.iter().enumerate().any(|(i, &v)| v != i as u64 * 3) {
        fail("heap", format_args!("large block corrupted"));
    }
    let (used, size_after) = crate::mem::heap::stats();
    drop(big);
    if size_after <= size_before {
        fail("heap", format_args!("heap did not grow for an 8 MiB block"));
    }
    pass(
        "heap",
        format_args!(
            "{allocations} allocations checked, heap grew {} KiB -> {} KiB, {} KiB in use at peak",
            size_before / 1024,
            size_after / 1024,
            used / 1024
        ),
    )
}

/// Single frames come back distinct and reusable; contiguous runs are aligned,
/// disjoint from single frames, and returned whole.
fn frames() -> ! {
    use crate::mem::frame;
    let free0 = frame::free_bytes();
    let mut got: Vec<u64> = Vec::new();
    for _ in 0..512 {
        match frame::alloc() {
            Some(f) => got.push(f.as_u64()),
            None => fail("frames", format_args!("ran out after {} frames", got.len())),
        }
    }
    let mut sorted = got.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != got.len() || got.iter().any(|f| f % 4096 != 0) {
        fail("frames", format_args!("duplicate or misaligned frames"));
    }
    let Some(run) = frame::alloc_contiguous(64, 16) else {
        fail("frames", format_args!("no 64-frame run"))
    };
    let run = run.as_u64();
    if run % (16 * 4096) != 0 || got.iter().any(|&f| f >= run && f < run + 64 * 4096) {
        fail(
            "frames",
            format_args!("contiguous run {run:#x} misaligned or overlapping"),
        );
    }
    if frame::free_bytes() != free0 - (512 + 64) * 4096 {
        fail("frames", format_args!("free count off after allocation"));
    }
    for f in got {
        frame::free(x86_64::PhysAddr::new_truncate(f));
    }
    for i in 0..64 {
        frame::free(x86_64::PhysAddr::new_truncate(run + i * 4096));
    }
    if frame::free_bytes() != free0 {
        fail(
            "frames",
            format_args!(
                "free count {} != {} after freeing",
                frame::free_bytes(),
                free0
            ),
        );
    }
    pass(
        "frames",
        format_args!("512 single frames, one aligned 64-frame run at {run:#x}, all returned"),
    )
}

fn timer() -> ! {
    x86_64::instructions::interrupts::enable();
    let t0 = crate::apic::ticks();
    let start = crate::time::uptime_us();
    while crate::apic::ticks() < t0 + 20 {
        if crate::time::uptime_us() - start > 10_000_000 {
            fail(
                "timer",
                format_args!("ticks stuck at {}", crate::apic::ticks()),
            );
        }
        x86_64::instructions::hlt();
    }
    let t1 = crate::apic::ticks();
    let ms = (crate::time::uptime_us() - start) / 1000;
    info!("timer ticks advanced {t0} -> {t1} in {ms} ms");
    pass("timer", format_args!("{} ticks in {ms} ms", t1 - t0))
}

/// The seed document's crash, in ring 0: a read at 0x300 must produce a
/// report with CR2=0x300 (and stop the kernel).
fn page_fault_0x300() -> ! {
    let p = 0x300 as *const u64;
    // SAFETY: deliberately unsound: this self-test exists to fault here.
    let v = unsafe { p.read_volatile() };
    fail(
        "pf300",
        format_args!("read at 0x300 returned {v:#x} instead of faulting"),
    )
}

/// Recurses with a large frame until the guard page below the boot stack is hit.
#[inline(never)]
extern "C" fn stack_overflow(depth: u64) -> ! {
    let mut pad = [0u8; 512];
    // Keep the buffer and the recursion from being optimised away.
    core::hint::black_box(&mut pad);
    if depth == u64::MAX {
        fail("stack-overflow", format_args!("unreachable depth"));
    }
    stack_overflow(core::hint::black_box(depth + 1))
}

/// Runs the same recursion on a task kernel stack (slot 63's window), which
/// must end in a double-fault report naming that task stack's guard page.
fn task_stack_overflow() -> ! {
    let stack = match crate::task::TaskStack::map(crate::task::MAX_TASKS - 1) {
        Ok(s) => s,
        Err(e) => fail(
            "task-stack-overflow",
            format_args!("cannot map a task stack: {e:?}"),
        ),
    };
    let top = stack.top();
    core::mem::forget(stack);
    // SAFETY: switches to a freshly mapped 16 KiB kernel stack and never
    // returns; the recursion is meant to overflow it into its guard page.
    unsafe {
        core::arch::asm!(
            "mov rsp, {top}",
            "xor edi, edi",
            "call {f}",
            top = in(reg) top,
            f = sym stack_overflow,
            options(noreturn)
        )
    }
}

/// Reads one line from COM1 through the IOAPIC-routed interrupt.
fn serial_irq() -> ! {
    info!("serial-irq: type a line");
    x86_64::instructions::interrupts::enable();
    let mut line: Vec<u8> = Vec::new();
    let start = crate::time::uptime_us();
    loop {
        while let Some(b) = crate::apic::SERIAL_RX.get().and_then(|q| q.pop()) {
            if b == b'\r' || b == b'\n' {
                let text = core::str::from_utf8(&line).unwrap_or("<not UTF-8>");
                let mut msg = alloc::string::String::new();
                let _ = write!(msg, "received {:?} by interrupt", text);
                pass("serial-irq", format_args!("{msg}"));
            }
            line.push(b);
        }
        if crate::time::uptime_us() - start > 30_000_000 {
            fail("serial-irq", format_args!("no line within 30 s"));
        }
        x86_64::instructions::hlt();
    }
}

/// A slot whose generations are spent is retired, never wrapped: the old id
/// stays `Dead`, and the service's next incarnation gets a fresh slot.
fn generation_retire() -> ! {
    use crate::task::{TABLE, lifecycle};
    const NAME: &str = "gen-test";
    let name = "generation-retire";
    let Some(image) = crate::initrd::file("bin/sleeper") else {
        fail(name, format_args!("bin/sleeper missing from the initrd"))
    };
    let first = match lifecycle::spawn(NAME, image, b"", false, false) {
        Ok(id) => id,
        Err(e) => fail(name, format_args!("spawn: {e:?}")),
    };
    let index = usize::from(first.index());
    // Fast-forward the slot to its last usable generation.
    let last = {
        let mut t = TABLE.lock();
        let Some(slot) = t.slots.get_mut(index) else {
            fail(name, format_args!("no slot {index}"))
        };
        slot.generation = 0xfffe;
        let id = ddk_abi::TaskId::new(first.index(), 0xfffe);
        if let Some(task) = slot.task.as_deref_mut() {
            task.id = id;
        }
        id
    };
    lifecycle::die(index, ddk_abi::DeathCause::Killed, 0, None);
    let (generation, named) = {
        let t = TABLE.lock();
        let slot = t.slots.get(index);
        (
            slot.map(|s| s.generation),
            slot.is_some_and(|s| s.name == crate::task::name_array(NAME)),
        )
    };
    if generation != Some(crate::logic::generation::RETIRED) || named {
        fail(
            name,
            format_args!(
                "slot {index} not retired: generation {generation:?}, still named {named}"
            ),
        );
    }
    let next = match lifecycle::spawn(NAME, image, b"", false, false) {
        Ok(id) => id,
        Err(e) => fail(name, format_args!("respawn: {e:?}")),
    };
    if usize::from(next.index()) == index {
        fail(
            name,
            format_args!("the retired slot {index} was reused as {next:?}"),
        );
    }
    let stale = TABLE.lock().resolve(last);
    if !matches!(stale, Err((ddk_abi::SyscallError::Dead, _))) {
        fail(
            name,
            format_args!("the last id of the retired slot resolved to {stale:?}"),
        );
    }
    pass(
        name,
        format_args!(
            "slot {index} retired after generation 0xfffe; {NAME} restarted as {}.{}",
            next.index(),
            next.generation()
        ),
    )
}

/// An NMI arriving while the kernel holds the task table's lock neither
/// deadlocks nor kills anything: it is logged and the kernel carries on.
fn nmi() -> ! {
    let before = crate::arch::fault::nmi_count();
    {
        let _held = crate::task::TABLE.lock();
        crate::apic::send_self_nmi();
        crate::time::spin_us(10_000);
    }
    let after = crate::arch::fault::nmi_count();
    if after == before + 1 {
        pass(
            "nmi",
            format_args!("1 NMI handled while the task table was locked"),
        )
    } else {
        fail(
            "nmi",
            format_args!("{} NMIs seen, expected 1", after - before),
        )
    }
}

/// An interrupt arriving on an exception vector (20, #VE, which has no
/// error code) is recognised as an interrupt and dropped, not taken for a
/// fault of the interrupted kernel.
fn exception_vector() -> ! {
    x86_64::instructions::interrupts::enable();
    crate::apic::send_self_ipi(20);
    crate::time::spin_us(10_000);
    x86_64::instructions::interrupts::disable();
    pass(
        "exception-vector",
        format_args!("an interrupt on vector 20 was dropped; the kernel carries on"),
    )
}
