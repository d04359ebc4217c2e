//! The kernel's own page tables, replacing the boot trampoline's.
//!
//! Layout of the kernel half (PML4 slots 256..512, shared by every address
//! space once processes exist):
//!
//! | slot | range | what |
//! |---|---|---|
//! | 256.. | `0xffff_8000_0000_0000` | physical window: all RAM + the first 4 GiB, 2 MiB pages, NX |
//! | 384 | `0xffff_c000_0000_0000` | kernel heap, grown on demand |
//! | 416 | `0xffff_d000_0000_0000` | MMIO mappings, uncached |
//! | 448 | `0xffff_e000_0000_0000` | task kernel stacks, 32 KiB windows with a guard page each |
//! | 511 | `0xffff_ffff_8000_0000` | kernel image: text RX, rodata R, data RW NX |
//!
//! The identity map is gone after [`init`]; the page below the boot stack is
//! left unmapped as a guard.

use crate::mem::frame::{self, GlobalFrames};
use crate::mem::phys::{KERNEL_OFFSET, PHYS_OFFSET, phys_to_virt};
use spin::Mutex;
use x86_64::registers::control::{Cr3, Cr4, Cr4Flags};
use x86_64::structures::paging::mapper::MapToError;
use x86_64::structures::paging::{
    Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as F, PhysFrame, Size1GiB, Size2MiB,
    Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

pub const HEAP_BASE: u64 = 0xffff_c000_0000_0000;
pub const HEAP_MAX: u64 = 1 << 30;
const MMIO_BASE: u64 = 0xffff_d000_0000_0000;
const MMIO_MAX: u64 = 1 << 36;
/// Task kernel stacks: one 32 KiB window per task slot — an unmapped guard
/// page, then the stack.
pub const KSTACK_BASE: u64 = 0xffff_e000_0000_0000;
pub const KSTACK_WINDOW: u64 = 32 * 1024;
pub const KSTACK_GUARD: u64 = 4096;

unsafe extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
}

fn sym(s: *const u8) -> u64 {
    s as u64
}

struct KernelSpace {
    pml4: PhysFrame,
    mmio_next: u64,
}

static KERNEL_SPACE: Mutex<Option<KernelSpace>> = Mutex::new(None);

/// Why a mapping could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    OutOfFrames,
    AlreadyMapped,
    OutOfVirtualSpace,
    NotInitialised,
}

impl<S: x86_64::structures::paging::PageSize> From<MapToError<S>> for MapError {
    fn from(e: MapToError<S>) -> Self {
        match e {
            MapToError::FrameAllocationFailed => MapError::OutOfFrames,
            MapToError::ParentEntryHugePage | MapToError::PageAlreadyMapped(_) => {
                MapError::AlreadyMapped
            }
        }
    }
}

/// A mapper over the table rooted at `pml4` (active or not).
///
/// # Safety
/// `pml4` must be a page-table frame reachable through the physical window,
/// and no other live mapper may alias it.
unsafe fn mapper(pml4: PhysFrame) -> OffsetPageTable<'static> {
    let table = phys_to_virt(pml4.start_address()).as_mut_ptr::<PageTable>();
    // SAFETY: per the caller's contract, the frame holds a page table that only
    // this mapper touches for its lifetime.
    unsafe { OffsetPageTable::new(&mut *table, VirtAddr::new_truncate(PHYS_OFFSET)) }
}

/// Builds and activates the kernel's tables. `phys_top` is the end of the
/// highest e820 region; `guard` is the virtual address of the stack guard page.
pub fn init(phys_top: u64, guard: u64) -> Result<(), MapError> {
    let pml4 = PhysFrame::containing_address(frame::alloc().ok_or(MapError::OutOfFrames)?);
    // SAFETY: a fresh frame, mapped by the boot window, zeroed before use.
    unsafe {
        core::ptr::write_bytes(
            phys_to_virt(pml4.start_address()).as_mut_ptr::<u8>(),
            0,
            4096,
        )
    };
    // SAFETY: the new PML4 is ours alone until it is loaded.
    let mut m = unsafe { mapper(pml4) };
    let mut frames = GlobalFrames;

    // The physical window: 1 GiB pages where the CPU has them (four entries
    // for the first 4 GiB instead of 2048), else 2 MiB pages.
    let window_flags = F::PRESENT | F::WRITABLE | F::NO_EXECUTE | F::GLOBAL;
    let gib_pages = core::arch::x86_64::__cpuid(0x8000_0001).edx & (1 << 26) != 0;
    let step: u64 = if gib_pages { 1 << 30 } else { 1 << 21 };
    let window_top = phys_top.max(1 << 32).div_ceil(step) * step;
    let mut p = 0u64;
    while p < window_top {
        let v = VirtAddr::new_truncate(PHYS_OFFSET + p);
        let pa = PhysAddr::new_truncate(p);
        // SAFETY: the window maps each frame once, at a fixed offset, in the new table.
        unsafe {
            if gib_pages {
                let page = Page::<Size1GiB>::containing_address(v);
                m.map_to(
                    page,
                    PhysFrame::<Size1GiB>::containing_address(pa),
                    window_flags,
                    &mut frames,
                )?
                .ignore();
            } else {
                let page = Page::<Size2MiB>::containing_address(v);
                m.map_to(
                    page,
                    PhysFrame::<Size2MiB>::containing_address(pa),
                    window_flags,
                    &mut frames,
                )?
                .ignore();
            }
        }
        p += step;
    }

    // The kernel image, 4 KiB pages, permissions per section.
    let sections = [
        (
            sym(&raw const __text_start),
            sym(&raw const __text_end),
            F::PRESENT | F::GLOBAL,
        ),
        (
            sym(&raw const __rodata_start),
            sym(&raw const __rodata_end),
            F::PRESENT | F::GLOBAL | F::NO_EXECUTE,
        ),
        (
            sym(&raw const __data_start),
            sym(&raw const __data_end),
            F::PRESENT | F::GLOBAL | F::NO_EXECUTE | F::WRITABLE,
        ),
    ];
    for (start, end, flags) in sections {
        let mut v = start;
        while v < end {
            if v != guard {
                let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(v));
                let frame =
                    PhysFrame::containing_address(PhysAddr::new_truncate(v - KERNEL_OFFSET));
                // SAFETY: maps the kernel image onto itself, as the boot tables did.
                unsafe { m.map_to(page, frame, flags, &mut frames)?.ignore() };
            }
            v += 4096;
        }
    }

    // Pre-create the heap, MMIO and kernel-stack slots so that every future
    // address space can share the kernel half by copying PML4 entries
    // 256..512 once. The scratch mapping is writable so the intermediate
    // entries are created writable: a copied PML4 entry never learns flags
    // added to the kernel's entry later.
    for base in [HEAP_BASE, MMIO_BASE, KSTACK_BASE] {
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(base));
        let f = frame::alloc().ok_or(MapError::OutOfFrames)?;
        // SAFETY: a scratch mapping that is removed again right away; it only
        // forces the intermediate tables into existence.
        unsafe {
            m.map_to(
                page,
                PhysFrame::containing_address(f),
                F::PRESENT | F::WRITABLE | F::NO_EXECUTE,
                &mut frames,
            )?
            .ignore();
        }
        if let Ok((_, flush)) = m.unmap(page) {
            flush.ignore();
        }
        frame::free(f);
    }

    // SAFETY: global pages are supported on every x86_64 CPU; turning them on
    // before the switch makes the kernel half survive future CR3 loads.
    unsafe { Cr4::update(|f| f.insert(Cr4Flags::PAGE_GLOBAL)) };
    let (_, cr3_flags) = Cr3::read();
    // SAFETY: the new table maps the running code, the stack (minus its
    // guard), the physical window and everything the kernel touches.
    unsafe { Cr3::write(pml4, cr3_flags) };
    *KERNEL_SPACE.lock() = Some(KernelSpace {
        pml4,
        mmio_next: MMIO_BASE,
    });
    Ok(())
}

/// Maps fresh, zeroed frames at `[virt, virt + len)` in the kernel half.
pub fn map_fresh(virt: u64, len: u64, flags: F) -> Result<(), MapError> {
    let guard = KERNEL_SPACE.lock();
    let ks = guard.as_ref().ok_or(MapError::NotInitialised)?;
    // SAFETY: the kernel PML4, touched only under KERNEL_SPACE's lock.
    let mut m = unsafe { mapper(ks.pml4) };
    let mut v = virt;
    while v < virt + len {
        let f = frame::alloc().ok_or(MapError::OutOfFrames)?;
        // SAFETY: a fresh frame, reachable through the physical window.
        unsafe { core::ptr::write_bytes(phys_to_virt(f).as_mut_ptr::<u8>(), 0, 4096) };
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(v));
        // SAFETY: the caller hands us an unused kernel range; the frame is new.
        match unsafe {
            m.map_to(
                page,
                PhysFrame::containing_address(f),
                flags,
                &mut GlobalFrames,
            )
        } {
            Ok(flush) => flush.flush(),
            Err(e) => {
                frame::free(f);
                return Err(e.into());
            }
        }
        v += 4096;
    }
    Ok(())
}

/// Maps device registers at physical `[phys, phys + len)` uncached and returns
/// the virtual address of `phys`.
pub fn map_mmio(phys: u64, len: u64) -> Result<VirtAddr, MapError> {
    let mut guard = KERNEL_SPACE.lock();
    let ks = guard.as_mut().ok_or(MapError::NotInitialised)?;
    let first = phys & !0xfff;
    let end = phys
        .checked_add(len)
        .ok_or(MapError::OutOfVirtualSpace)?
        .div_ceil(4096)
        * 4096;
    let size = end - first;
    if ks.mmio_next + size > MMIO_BASE + MMIO_MAX {
        return Err(MapError::OutOfVirtualSpace);
    }
    let base = ks.mmio_next;
    // SAFETY: the kernel PML4, touched only under KERNEL_SPACE's lock.
    let mut m = unsafe { mapper(ks.pml4) };
    let flags =
        F::PRESENT | F::WRITABLE | F::NO_CACHE | F::WRITE_THROUGH | F::NO_EXECUTE | F::GLOBAL;
    let mut off = 0;
    while off < size {
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(base + off));
        let frame = PhysFrame::containing_address(PhysAddr::new_truncate(first + off));
        // SAFETY: a fresh virtual range of the MMIO window onto device registers.
        unsafe { m.map_to(page, frame, flags, &mut GlobalFrames)?.flush() };
        off += 4096;
    }
    ks.mmio_next += size + 4096; // one unmapped page between mappings
    Ok(VirtAddr::new_truncate(base + (phys - first)))
}

/// The kernel's PML4 frame (every address space copies its upper half).
pub fn kernel_pml4() -> Option<PhysFrame> {
    KERNEL_SPACE.lock().as_ref().map(|ks| ks.pml4)
}

/// Unmaps `[virt, virt + len)` in the kernel half and frees the frames.
pub fn unmap_and_free(virt: u64, len: u64) {
    let guard = KERNEL_SPACE.lock();
    let Some(ks) = guard.as_ref() else { return };
    // SAFETY: the kernel PML4, touched only under KERNEL_SPACE's lock.
    let mut m = unsafe { mapper(ks.pml4) };
    let mut v = virt;
    while v < virt + len {
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(v));
        if let Ok((f, flush)) = m.unmap(page) {
            flush.flush();
            frame::free(f.start_address());
        }
        v += 4096;
    }
}
