//! The GDT and the TSS with its interrupt stacks.
//!
//! Segment order is fixed by SYSCALL/SYSRET: kernel code, kernel data, then
//! user data and user code at the offsets STAR expects.

use spin::Once;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::registers::segmentation::SegmentSelector;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::{PrivilegeLevel, VirtAddr};

/// IST slots (1-based in the IDT, 0-based in the TSS array).
pub const IST_DOUBLE_FAULT: u16 = 1;
pub const IST_NMI: u16 = 2;
pub const IST_MACHINE_CHECK: u16 = 3;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct IstStack([u8; IST_STACK_SIZE]);

static mut IST_STACKS: [IstStack; 3] = [const { IstStack([0; IST_STACK_SIZE]) }; 3];

pub const KERNEL_CS: SegmentSelector = SegmentSelector::new(1, PrivilegeLevel::Ring0);
pub const KERNEL_DS: SegmentSelector = SegmentSelector::new(2, PrivilegeLevel::Ring0);
#[allow(dead_code, reason = "ring-3 entry (SYSRET, iretq to user) uses these")]
pub const USER_DS: SegmentSelector = SegmentSelector::new(3, PrivilegeLevel::Ring3);
#[allow(dead_code, reason = "ring-3 entry (SYSRET, iretq to user) uses these")]
pub const USER_CS: SegmentSelector = SegmentSelector::new(4, PrivilegeLevel::Ring3);
const TSS_SEL: SegmentSelector = SegmentSelector::new(5, PrivilegeLevel::Ring0);

/// Bytes of the I/O permission bitmap: one bit per port, 65,536 ports.
pub const IOMAP_BYTES: usize = 8192;

/// The TSS followed by its I/O permission bitmap (plus the terminating 0xff
/// byte the CPU requires). Lives in a `static mut` reached only through raw
/// pointers: the CPU reads it, and the scheduler rewrites RSP0 and the
/// bitmap on task switches.
#[repr(C)]
struct TssBlock {
    tss: TaskStateSegment,
    iomap: [u8; IOMAP_BYTES + 1],
}

static mut TSS: TssBlock = TssBlock {
    tss: TaskStateSegment::new(),
    iomap: [0xff; IOMAP_BYTES + 1],
};

/// Sets RSP0: the stack the CPU switches to on an interrupt or exception
/// from ring 3 (the running task's kernel stack).
pub fn set_rsp0(top: u64) {
    // SAFETY: one CPU with interrupts off in the kernel, so nothing else
    // touches the TSS during the write; the field is written unaligned-safe.
    unsafe {
        (&raw mut TSS.tss.privilege_stack_table)
            .cast::<VirtAddr>()
            .write_unaligned(VirtAddr::new_truncate(top));
    }
}

/// Loads the running task's I/O permission bitmap (`None`: no ports).
pub fn set_io_bitmap(map: Option<&[u8; IOMAP_BYTES]>) {
    // SAFETY: as in `set_rsp0`; `dst` is the first of the bitmap's
    // IOMAP_BYTES bytes inside the TSS block (the final 0xff stays).
    unsafe {
        let dst = (&raw mut TSS.iomap).cast::<u8>();
        match map {
            Some(m) => core::ptr::copy_nonoverlapping(m.as_ptr(), dst, IOMAP_BYTES),
            None => core::ptr::write_bytes(dst, 0xff, IOMAP_BYTES),
        }
    }
}

/// The 16-byte descriptor of the TSS block (limit covers the bitmap).
fn tss_descriptor() -> Descriptor {
    let base = (&raw const TSS) as u64;
    let limit = (core::mem::size_of::<TssBlock>() - 1) as u64;
    let mut low = limit & 0xffff;
    low |= (base & 0xff_ffff) << 16;
    low |= 0x9 << 40; // available 64-bit TSS
    low |= 1 << 47; // present
    low |= ((limit >> 16) & 0xf) << 48;
    low |= ((base >> 24) & 0xff) << 56;
    Descriptor::SystemSegment(low, base >> 32)
}

static GDT: Once<GlobalDescriptorTable> = Once::new();

fn ist_top(i: usize) -> VirtAddr {
    let base = &raw const IST_STACKS;
    // Top of stack i; 16-byte aligned because each stack is.
    VirtAddr::new_truncate(base as u64 + ((i + 1) * IST_STACK_SIZE) as u64)
}

/// The address range of IST stack `slot` (1-based), for fault reports.
pub fn ist_range(slot: u16) -> (u64, u64) {
    let i = usize::from(slot.saturating_sub(1));
    let top = ist_top(i).as_u64();
    (top - IST_STACK_SIZE as u64, top)
}

pub fn init() {
    // SAFETY: boot, before any interrupt can use the TSS; raw-pointer access.
    unsafe {
        (&raw mut TSS.tss.iomap_base)
            .write_unaligned(core::mem::size_of::<TaskStateSegment>() as u16);
        let mut ist = (&raw const TSS.tss.interrupt_stack_table).read_unaligned();
        for (slot, i) in [(IST_DOUBLE_FAULT, 0), (IST_NMI, 1), (IST_MACHINE_CHECK, 2)] {
            if let Some(entry) = ist.get_mut(usize::from(slot - 1)) {
                *entry = ist_top(i);
            }
        }
        (&raw mut TSS.tss.interrupt_stack_table).write_unaligned(ist);
    }
    let gdt = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        gdt.append(Descriptor::kernel_code_segment());
        gdt.append(Descriptor::kernel_data_segment());
        gdt.append(Descriptor::user_data_segment());
        gdt.append(Descriptor::user_code_segment());
        gdt.append(tss_descriptor());
        gdt
    });
    gdt.load();
    // SAFETY: the selectors name the descriptors appended above, in that order.
    unsafe {
        CS::set_reg(KERNEL_CS);
        SS::set_reg(KERNEL_DS);
        DS::set_reg(KERNEL_DS);
        ES::set_reg(KERNEL_DS);
        load_tss(TSS_SEL);
    }
}
