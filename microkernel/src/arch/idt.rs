//! The IDT: every vector points at its trap stub; the double fault, NMI and
//! machine check run on their own IST stacks so a broken kernel stack still
//! gets a report.

use super::gdt::{IST_DOUBLE_FAULT, IST_MACHINE_CHECK, IST_NMI, KERNEL_CS};
use super::trap::stub_address;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::tables::lidt;
use x86_64::structures::DescriptorTablePointer;

/// One 64-bit interrupt gate (Intel SDM vol. 3, 6.14.1).
#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    type_attr: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}
const _: () = assert!(core::mem::size_of::<Gate>() == 16);

impl Gate {
    /// An interrupt gate (IF cleared on entry), present, callable from `dpl`.
    fn new(handler: u64, ist: u16, dpl: u8) -> Gate {
        Gate {
            offset_low: handler as u16,
            selector: KERNEL_CS.0,
            ist: (ist & 0x7) as u8,
            type_attr: 0x80 | ((dpl & 3) << 5) | 0xe,
            offset_mid: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        }
    }
}

#[repr(C, align(16))]
struct Idt([Gate; 256]);

static IDT: Once<Idt> = Once::new();

pub fn init() {
    let idt = IDT.call_once(|| {
        let mut gates = [Gate::new(0, 0, 0); 256];
        for (v, gate) in (0u8..=255).zip(gates.iter_mut()) {
            let ist = match v {
                2 => IST_NMI,
                8 => IST_DOUBLE_FAULT,
                18 => IST_MACHINE_CHECK,
                _ => 0,
            };
            // #BP and #OF may be raised on purpose from ring 3 (int3, into).
            let dpl = if v == 3 || v == 4 { 3 } else { 0 };
            *gate = Gate::new(stub_address(v), ist, dpl);
        }
        Idt(gates)
    });
    let ptr = DescriptorTablePointer {
        limit: (core::mem::size_of::<Idt>() - 1) as u16,
        base: VirtAddr::from_ptr(idt),
    };
    // SAFETY: the IDT is a 'static, fully initialised table of valid gates.
    unsafe { lidt(&ptr) };
}
