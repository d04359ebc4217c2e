//! x86_64 CPU structures: GDT/TSS, the IDT and trap entry, fault reports.

pub mod cpu;
pub mod fault;
pub mod gdt;
pub mod idt;
pub mod percpu;
pub mod trap;

pub fn init() {
    gdt::init();
    idt::init();
    percpu::init();
}
