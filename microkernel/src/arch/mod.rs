//! x86_64 CPU structures: GDT/TSS, the IDT and trap entry, fault reports.

pub mod fault;
pub mod gdt;
pub mod idt;
pub mod trap;

pub fn init() {
    gdt::init();
    idt::init();
}

/// The idle loop: interrupts on, `hlt` until the next one.
pub fn idle() -> ! {
    loop {
        x86_64::instructions::interrupts::enable_and_hlt();
    }
}
