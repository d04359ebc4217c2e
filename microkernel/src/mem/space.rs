//! User address spaces.
//!
//! Each process has its own PML4 whose upper half (slots 256..512) is a copy
//! of the kernel's entries — supervisor-only, so ring 3 cannot touch it —
//! and whose lower half maps the process's pages with the U/S bit, NX where
//! not executable. Frames the space owns (ELF segments, stack, anonymous
//! memory) carry the software bit `OWNED` in their PTE and are freed with the
//! space; frames mapped from another process's grant are borrowed and are not.
//! DMA memory carries its own bit, `DMA`, and is freed by `task::dma`, never
//! here (a device may still be writing it until bus mastering is off).
//!
//! User pointers reach the kernel only through [`AddressSpace::user_pages`],
//! which walks this space's tables and checks presence, U/S and W for every
//! page of the range before any byte is copied (through the physical window,
//! never through the user mapping).

use crate::logic::pageprot::{PageKind, Protection, may_protect};
use crate::mem::frame;
use crate::mem::paging::kernel_pml4;
use crate::mem::phys::{PHYS_OFFSET, phys_to_virt};
use core::cell::Cell;
use ddk_abi::SyscallError;
use ddk_abi::syscall::{USER_MAX, USER_MIN};
use x86_64::structures::paging::mapper::MapToError;
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as F, PhysFrame,
    Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

/// PTE software bit: this space owns the frame and frees it on teardown.
const OWNED: F = F::BIT_9;
/// PTE software bit: anonymous memory charged to the task's `MapAnon` quota.
const ANON: F = F::BIT_10;
/// PTE software bit: device registers (`MapDevice`). The kernel never reads
/// or writes them on a task's behalf: they are refused as syscall buffers
/// and grants, since copying through the physical window would touch the
/// device (or miss it, above the window).
const DEVICE: F = F::BIT_11;
/// PTE software bit: `DmaAlloc` memory. Not `OWNED`: its frames belong to
/// the task's DMA list (`task::dma`), which frees them only once no device
/// can still write them — never the unmapping or the teardown of the space.
const DMA: F = F::BIT_52;

/// Page-table frames one space may use. Tables are freed only with the
/// space, so without a bound a task mapping and unmapping at ever new
/// addresses could drain memory that way; the bound is part of every task's
/// memory reservation (`task::quota`).
const PT_QUOTA: u64 = crate::task::quota::PT_FRAMES;
const PAGE: u64 = 4096;

pub struct AddressSpace {
    pml4: PhysFrame,
    /// Page-table frames allocated for the user half so far.
    pt_frames: u64,
    /// Where the leaf entries of recently walked pages are: (page, window
    /// address of its PTE), direct-mapped by the page number's low bits.
    /// Only the entry's location is cached, never its contents — every use
    /// reads the PTE afresh — and the location cannot go stale: tables are
    /// created once and freed only with the space (see `PT_QUOTA`), and a
    /// present upper entry is never replaced.
    leaf_cache: [Cell<(u64, u64)>; LEAF_CACHE],
}

const LEAF_CACHE: usize = 8;

/// Allocates this space's page-table frames: from the user pool (never the
/// kernel's reserve), counted against `PT_QUOTA`.
struct TableFrames<'a> {
    count: &'a mut u64,
}

// SAFETY: frames come from the bitmap, which never hands out a frame twice.
unsafe impl FrameAllocator<Size4KiB> for TableFrames<'_> {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        if *self.count >= PT_QUOTA {
            return None;
        }
        let f = frame::alloc_user()?;
        *self.count += 1;
        Some(PhysFrame::containing_address(f))
    }
}

/// What `unmap` did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unmapped {
    pub pages: u64,
    /// Of those, anonymous pages charged to the quota.
    pub anon: u64,
}

/// What `Protect` may do to a range (see `logic::pageprot`).
fn page_kind(flags: F) -> PageKind {
    if flags.contains(DMA) {
        PageKind::Dma
    } else if flags.contains(DEVICE) {
        PageKind::Device
    } else if !flags.contains(OWNED) {
        PageKind::Borrowed
    } else if flags.contains(ANON) {
        PageKind::Anonymous
    } else {
        PageKind::Program
    }
}

/// Checks `[addr, addr+len)` is page-aligned user space.
pub fn check_user_range(addr: u64, len: u64) -> Result<(), SyscallError> {
    if !addr.is_multiple_of(PAGE) || !len.is_multiple_of(PAGE) {
        return Err(SyscallError::BadAddress);
    }
    let end = addr.checked_add(len).ok_or(SyscallError::BadAddress)?;
    if len == 0 || addr < USER_MIN || end > USER_MAX {
        return Err(SyscallError::BadAddress);
    }
    Ok(())
}

/// Uncached user pages (device registers, uncached DMA memory) are never
/// touched by the kernel: its physical window maps all RAM write-back, and
/// mixing memory types over one frame is undefined on x86.
fn uncached(flags: F) -> bool {
    flags.contains(F::NO_CACHE)
}

fn table(f: PhysAddr) -> &'static PageTable {
    // SAFETY: a page-table frame of a live space, read through the window.
    unsafe { &*phys_to_virt(f).as_ptr::<PageTable>() }
}

impl AddressSpace {
    pub fn new() -> Result<Self, SyscallError> {
        let kernel = kernel_pml4().ok_or(SyscallError::OutOfMemory)?;
        let f = frame::alloc_user().ok_or(SyscallError::OutOfMemory)?;
        let pml4 = PhysFrame::containing_address(f);
        let dst = phys_to_virt(f).as_mut_ptr::<PageTable>();
        let src = phys_to_virt(kernel.start_address()).as_ptr::<PageTable>();
        // SAFETY: `f` is a fresh frame; the kernel PML4 is live and only read.
        // Entries 0..256 start empty; 256..512 are the shared kernel half.
        unsafe {
            core::ptr::write_bytes(dst.cast::<u8>(), 0, 4096);
            for i in 256..512 {
                if let (Some(d), Some(s)) = ((*dst).iter_mut().nth(i), (*src).iter().nth(i)) {
                    *d = s.clone();
                }
            }
        }
        Ok(AddressSpace {
            pml4,
            pt_frames: 0,
            leaf_cache: [const { Cell::new((0, 0)) }; LEAF_CACHE],
        })
    }

    pub fn pml4(&self) -> PhysFrame {
        self.pml4
    }

    fn mapper(&self) -> OffsetPageTable<'_> {
        let table = phys_to_virt(self.pml4.start_address()).as_mut_ptr::<PageTable>();
        // SAFETY: the PML4 belongs to this space; the kernel mutates a space's
        // tables only from the one CPU, with interrupts off.
        unsafe { OffsetPageTable::new(&mut *table, VirtAddr::new_truncate(PHYS_OFFSET)) }
    }

    fn map_frame(&mut self, va: u64, pa: PhysAddr, flags: F) -> Result<(), SyscallError> {
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(va));
        let table = phys_to_virt(self.pml4.start_address()).as_mut_ptr::<PageTable>();
        // SAFETY: as in `mapper`; a separate borrow so the table-frame counter
        // can be borrowed mutably alongside.
        let mut m =
            unsafe { OffsetPageTable::new(&mut *table, VirtAddr::new_truncate(PHYS_OFFSET)) };
        let mut frames = TableFrames {
            count: &mut self.pt_frames,
        };
        // SAFETY: user-half page of this space; the frame is either fresh or a
        // granted/device frame whose owner keeps it valid while it is mapped.
        match unsafe { m.map_to(page, PhysFrame::containing_address(pa), flags, &mut frames) } {
            Ok(flush) => {
                flush.flush();
                Ok(())
            }
            Err(MapToError::FrameAllocationFailed) => Err(SyscallError::OutOfMemory),
            Err(_) => Err(SyscallError::AlreadyMapped),
        }
    }

    /// Maps fresh zeroed frames at `[addr, addr+len)`; all-or-nothing.
    /// `charged` marks them as the task's `MapAnon` memory.
    pub fn map_anon(
        &mut self,
        addr: u64,
        len: u64,
        writable: bool,
        executable: bool,
        charged: bool,
    ) -> Result<(), SyscallError> {
        check_user_range(addr, len)?;
        if self.next_mapped(addr, addr + len).is_some() {
            return Err(SyscallError::AlreadyMapped);
        }
        let mut flags = F::PRESENT | F::USER_ACCESSIBLE | OWNED;
        if writable {
            flags |= F::WRITABLE;
        }
        if !executable {
            flags |= F::NO_EXECUTE;
        }
        if charged {
            flags |= ANON;
        }
        for i in 0..len / PAGE {
            let va = addr + i * PAGE;
            let result = frame::alloc_user()
                .ok_or(SyscallError::OutOfMemory)
                .and_then(|f| {
                    // SAFETY: a fresh frame, reachable through the physical window.
                    unsafe {
                        core::ptr::write_bytes(phys_to_virt(f).as_mut_ptr::<u8>(), 0, PAGE as usize)
                    };
                    self.map_frame(va, f, flags).inspect_err(|_| frame::free(f))
                });
            if let Err(e) = result {
                let _ = self.unmap(addr, i * PAGE);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Maps `frame` read-only at `va`, executable if asked: one page of a
    /// program's read-only segments, shared by every task started from the
    /// same image (`task::lifecycle`). Not owned (never freed with this
    /// space), and like every borrowed page it can be neither made
    /// writable (`Protect`) nor granted, so no task can change it.
    pub fn map_shared_text(
        &mut self,
        va: u64,
        frame: PhysAddr,
        executable: bool,
    ) -> Result<(), SyscallError> {
        check_user_range(va, PAGE)?;
        if self.next_mapped(va, va + PAGE).is_some() {
            return Err(SyscallError::AlreadyMapped);
        }
        let mut flags = F::PRESENT | F::USER_ACCESSIBLE;
        if !executable {
            flags |= F::NO_EXECUTE;
        }
        self.map_frame(va, frame, flags)
    }

    /// Maps frames this space does not own (a grant) at `addr`.
    pub fn map_borrowed(
        &mut self,
        addr: u64,
        frames: &[PhysAddr],
        writable: bool,
    ) -> Result<(), SyscallError> {
        self.map_frames(
            addr,
            frames,
            if writable { F::WRITABLE } else { F::empty() },
            false,
        )
    }

    /// Maps `frames` (not owned: a grant, or device registers if `device`)
    /// at `addr`, user-accessible, never executable, with `extra` flags;
    /// all-or-nothing.
    pub fn map_frames(
        &mut self,
        addr: u64,
        frames: &[PhysAddr],
        extra: F,
        device: bool,
    ) -> Result<(), SyscallError> {
        let len = (frames.len() as u64)
            .checked_mul(PAGE)
            .ok_or(SyscallError::BadLength)?;
        check_user_range(addr, len)?;
        if self.next_mapped(addr, addr + len).is_some() {
            return Err(SyscallError::AlreadyMapped);
        }
        let mut flags = F::PRESENT
            | F::USER_ACCESSIBLE
            | F::NO_EXECUTE
            | (extra & (F::WRITABLE | F::NO_CACHE | F::WRITE_THROUGH));
        if device {
            flags |= DEVICE;
        }
        for (i, &f) in frames.iter().enumerate() {
            if let Err(e) = self.map_frame(addr + i as u64 * PAGE, f, flags) {
                let _ = self.unmap(addr, i as u64 * PAGE);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Maps the `count` contiguous frames from `first` at `addr` as DMA
    /// memory: writable, never executable, uncached (PCD|PWT) if asked,
    /// not owned (see [`DMA`]); all-or-nothing.
    pub fn map_dma(
        &mut self,
        addr: u64,
        first: PhysAddr,
        count: u64,
        uncached: bool,
    ) -> Result<(), SyscallError> {
        let len = count.checked_mul(PAGE).ok_or(SyscallError::BadLength)?;
        check_user_range(addr, len)?;
        if self.next_mapped(addr, addr + len).is_some() {
            return Err(SyscallError::AlreadyMapped);
        }
        let mut flags = F::PRESENT | F::USER_ACCESSIBLE | F::WRITABLE | F::NO_EXECUTE | DMA;
        if uncached {
            flags |= F::NO_CACHE | F::WRITE_THROUGH;
        }
        for i in 0..count {
            if let Err(e) = self.map_frame(addr + i * PAGE, first + i * PAGE, flags) {
                let _ = self.unmap(addr, i * PAGE);
                return Err(e);
            }
        }
        Ok(())
    }

    /// `Protect` over `[addr, addr+len)`: every page is checked first
    /// (present, else `NotMapped`; the task's own anonymous memory and not
    /// under a writable grant if it is to become executable, else
    /// `PermissionDenied`), then all are changed and their TLB entries
    /// flushed. `granted_writable(va)` says whether the task has granted
    /// page `va` writable to another task.
    pub fn protect(
        &mut self,
        addr: u64,
        len: u64,
        to: Protection,
        granted_writable: impl Fn(u64) -> bool,
    ) -> Result<(), SyscallError> {
        check_user_range(addr, len)?;
        let end = addr + len;
        let mut va = addr;
        while va < end {
            let (_, flags) = self.walk(va).ok_or(SyscallError::NotMapped)?;
            may_protect(page_kind(flags), to, granted_writable(va))?;
            va += PAGE;
        }
        let mut va = addr;
        while va < end {
            let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(va));
            if to == Protection::ReadWrite {
                self.parents_writable(va);
            }
            if let Some((_, old)) = self.walk(va) {
                let new = F::from_bits_retain(to.apply(old.bits()));
                // SAFETY: a present 4 KiB user page of this space, checked
                // above to be the task's own anonymous memory; only W and NX
                // change, never the frame.
                if let Ok(flush) = unsafe { self.mapper().update_flags(page, new) } {
                    flush.flush();
                }
            }
            va += PAGE;
        }
        Ok(())
    }

    /// Sets W on the PML4, PDPT and PD entries above user page `va`: the
    /// mapper gives a parent W only if some page mapped under it was
    /// writable, so a page mapped read-only in fresh tables would stay
    /// unwritable after `Protect` to read-write. Parents carry no NX, and
    /// W there grants nothing by itself (the leaf decides).
    fn parents_writable(&mut self, va: u64) {
        let mut t = self.pml4.start_address();
        for shift in [39u32, 30, 21] {
            // SAFETY: a page-table frame of this space, changed only from
            // the one CPU with interrupts off (as in `mapper`).
            let table = unsafe { &mut *phys_to_virt(t).as_mut_ptr::<PageTable>() };
            let Some(e) = table.iter_mut().nth(((va >> shift) & 0x1ff) as usize) else {
                return;
            };
            if !e.flags().contains(F::PRESENT) || e.flags().contains(F::HUGE_PAGE) {
                return;
            }
            e.set_flags(e.flags() | F::WRITABLE);
            t = e.addr();
        }
    }

    /// Unmaps `[addr, addr+len)`, freeing owned frames. Unmapped stretches
    /// are skipped a table at a time, so a huge range over little memory is
    /// cheap.
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<Unmapped, SyscallError> {
        self.unmap_some(addr, len, u64::MAX).map(|(done, _)| done)
    }

    /// Unmaps at most `max_pages` mapped pages of `[addr, addr+len)`, in
    /// address order; returns what it did and where it stopped — `addr +
    /// len` once the whole range is done. (The `Unmap` syscall's bound on
    /// its work per call.)
    pub fn unmap_some(
        &mut self,
        addr: u64,
        len: u64,
        max_pages: u64,
    ) -> Result<(Unmapped, u64), SyscallError> {
        let mut done = Unmapped::default();
        if len == 0 {
            return Ok((done, addr));
        }
        check_user_range(addr, len)?;
        let end = addr + len;
        let mut va = addr;
        while let Some(at) = self.next_mapped(va, end) {
            if done.pages >= max_pages {
                return Ok((done, at));
            }
            let flags = self.walk(at).map_or(F::empty(), |(_, f)| f);
            let page = Page::<Size4KiB>::containing_address(VirtAddr::new_truncate(at));
            if let Ok((f, flush)) = self.mapper().unmap(page) {
                flush.flush();
                if flags.contains(OWNED) {
                    frame::free(f.start_address());
                }
                done.pages += 1;
                if flags.contains(ANON) {
                    done.anon += 1;
                }
            }
            va = at + PAGE;
        }
        Ok((done, end))
    }

    /// The first mapped user page in `[va, end)`, skipping absent tables.
    fn next_mapped(&self, mut va: u64, end: u64) -> Option<u64> {
        va &= !(PAGE - 1);
        while va < end && va < USER_MAX {
            let idx = |shift: u32| ((va >> shift) & 0x1ff) as usize;
            let skip = |shift: u32| (va | ((1u64 << shift) - 1)).wrapping_add(1);
            let e4 = table(self.pml4.start_address())
                .iter()
                .nth(idx(39))?
                .clone();
            if !e4.flags().contains(F::PRESENT) {
                va = skip(39);
                continue;
            }
            let e3 = table(e4.addr()).iter().nth(idx(30))?.clone();
            if !e3.flags().contains(F::PRESENT) || e3.flags().contains(F::HUGE_PAGE) {
                va = skip(30);
                continue;
            }
            let e2 = table(e3.addr()).iter().nth(idx(21))?.clone();
            if !e2.flags().contains(F::PRESENT) || e2.flags().contains(F::HUGE_PAGE) {
                va = skip(21);
                continue;
            }
            let e1 = table(e2.addr()).iter().nth(idx(12))?.clone();
            if e1.flags().contains(F::PRESENT) {
                return Some(va);
            }
            va += PAGE;
        }
        None
    }

    /// The frame and flags behind user page `va` (4 KiB pages only: the user
    /// half has no others). Every syscall buffer's pages go through here, so
    /// it reads the entries as plain words (no iterator, no generic mapper)
    /// and remembers where recent leaf entries are (`leaf_cache`): a page
    /// seen before costs one tag check and one read of its live PTE.
    #[inline(always)]
    fn walk(&self, va: u64) -> Option<(PhysAddr, F)> {
        if !(USER_MIN..USER_MAX).contains(&va) {
            return None;
        }
        self.walk_checked(va)
    }

    /// [`Self::walk`] for a `va` already known to lie in the user range.
    /// (Outside it the walk would only read kernel-half entries, which
    /// carry no user bit, so the page checks built on it still refuse.)
    #[inline(always)]
    fn walk_checked(&self, va: u64) -> Option<(PhysAddr, F)> {
        const ADDR: u64 = 0x000f_ffff_ffff_f000;
        const PRESENT: u64 = 1;
        const HUGE: u64 = 1 << 7;
        let page = va & !(PAGE - 1);
        let slot = self.leaf_cache.get(((va >> 12) as usize) % LEAF_CACHE)?;
        let (tag, at) = slot.get();
        let at = if tag == page {
            at
        } else {
            let entry = |table: u64, shift: u32| -> u64 {
                let at = PHYS_OFFSET + table + ((va >> shift) & 0x1ff) * 8;
                // SAFETY: `table` is a page-table frame of this live space
                // (the PML4, or an address taken from a present non-huge
                // entry), read through the physical window; index < 512.
                unsafe { (at as *const u64).read() }
            };
            let mut t = self.pml4.start_address().as_u64();
            for shift in [39u32, 30, 21] {
                let e = entry(t, shift);
                if e & (PRESENT | HUGE) != PRESENT {
                    return None;
                }
                t = e & ADDR;
            }
            let at = PHYS_OFFSET + t + ((va >> 12) & 0x1ff) * 8;
            slot.set((page, at));
            at
        };
        // SAFETY: `at` is the window address of this page's leaf entry in a
        // page table of this live space (found by the walk above, now or
        // earlier: tables are never freed or replaced while the space lives).
        let e = unsafe { (at as *const u64).read_volatile() };
        (e & PRESENT != 0).then(|| {
            (
                PhysAddr::new_truncate((e & ADDR) + (va & (PAGE - 1))),
                F::from_bits_truncate(e),
            )
        })
    }

    /// The frame and flags behind user page `va`.
    pub fn translate(&self, va: u64) -> Option<(PhysAddr, F)> {
        self.walk(va)
    }

    /// The frames of `[addr, addr+len)` for a grant: every page must be the
    /// caller's own memory (not borrowed from another grant — a re-grant
    /// could outlive the original owner's frames — and not a device), and
    /// writable if the grant is.
    pub fn owned_frames(
        &self,
        addr: u64,
        len: u64,
        writable: bool,
    ) -> Result<alloc::vec::Vec<PhysAddr>, SyscallError> {
        check_user_range(addr, len).map_err(|_| SyscallError::BadPointer)?;
        // A kernel-heap shortage is the caller's `OutOfMemory`, never a panic.
        let mut frames = alloc::vec::Vec::new();
        frames
            .try_reserve_exact((len / PAGE) as usize)
            .map_err(|_| SyscallError::OutOfMemory)?;
        let mut va = addr;
        while va < addr + len {
            let (pa, flags) = self.walk(va).ok_or(SyscallError::BadPointer)?;
            // DMA pages are the task's own too (`task::dma` revokes grants
            // over a region before freeing it), but only write-back ones:
            // the grantee's mapping is write-back, and two mappings of one
            // frame with different memory types are undefined on x86.
            let own = flags.contains(OWNED) || (flags.contains(DMA) && !uncached(flags));
            if !flags.contains(F::USER_ACCESSIBLE)
                || !own
                || flags.contains(DEVICE)
                || (writable && !flags.contains(F::WRITABLE))
            {
                return Err(SyscallError::BadPointer);
            }
            frames.push(pa);
            va += PAGE;
        }
        Ok(frames)
    }

    /// The physical pieces of user range `[addr, addr+len)`, checking each
    /// page is present, user-accessible, not device registers nor uncached
    /// DMA memory (see [`uncached`]) and (if
    /// `write`) writable. Calls `f` with (physical address, length) per
    /// piece, in order. Callers bound `len` (messages, names, records).
    pub fn user_pages(
        &self,
        addr: u64,
        len: u64,
        write: bool,
        mut f: impl FnMut(PhysAddr, usize),
    ) -> Result<(), SyscallError> {
        if len == 0 {
            return Ok(()); // nothing to touch, so nothing to check
        }
        let end = addr.checked_add(len).ok_or(SyscallError::BadPointer)?;
        if addr < USER_MIN || end > USER_MAX {
            return Err(SyscallError::BadPointer);
        }
        // Validate the whole range first, so a bad page means nothing was
        // touched. The frames found are kept for up to SHORT pages (every
        // IPC buffer, every log line) so those are walked once, not twice.
        const SHORT: usize = 4;
        let mut frames = [0u64; SHORT];
        let mut va = addr;
        let mut n = 0usize;
        while va < end {
            let pa = self.user_page(va, write)?;
            if let Some(slot) = frames.get_mut(n) {
                *slot = pa.as_u64() & !(PAGE - 1);
            }
            n += 1;
            va = (va & !(PAGE - 1)) + PAGE;
        }
        let mut va = addr;
        let mut k = 0usize;
        while va < end {
            let chunk = ((va & !(PAGE - 1)) + PAGE).min(end) - va;
            let pa = match frames.get(k) {
                Some(&base) if n <= SHORT => PhysAddr::new_truncate(base + (va & (PAGE - 1))),
                _ => self.walk(va).ok_or(SyscallError::BadPointer)?.0,
            };
            f(pa, chunk as usize);
            va += chunk;
            k += 1;
        }
        Ok(())
    }

    /// The frame behind user byte `va` if a syscall may copy through it:
    /// present, user-accessible, not a device or uncached page, and
    /// writable when `write`. One walk; IPC copies use it page by page.
    #[inline(always)]
    pub fn user_page(&self, va: u64, write: bool) -> Result<PhysAddr, SyscallError> {
        if !(USER_MIN..USER_MAX).contains(&va) {
            return Err(SyscallError::BadPointer);
        }
        self.user_page_in_range(va, write)
    }

    /// [`Self::user_page`] for a `va` the caller has range-checked already
    /// (IPC checks a whole message range once, then its one or two pages).
    #[inline(always)]
    pub fn user_page_in_range(&self, va: u64, write: bool) -> Result<PhysAddr, SyscallError> {
        let (pa, flags) = self.walk_checked(va).ok_or(SyscallError::BadPointer)?;
        if !flags.contains(F::USER_ACCESSIBLE)
            || flags.contains(DEVICE)
            || uncached(flags)
            || (write && !flags.contains(F::WRITABLE))
        {
            return Err(SyscallError::BadPointer);
        }
        Ok(pa)
    }

    /// Copies user bytes at `addr` into `out` (all of it or nothing).
    pub fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), SyscallError> {
        let mut done = 0usize;
        self.user_pages(addr, out.len() as u64, false, |pa, n| {
            if let Some(dst) = out.get_mut(done..done + n) {
                // SAFETY: `pa..pa+n` is a validated user frame, read through the window.
                let src =
                    unsafe { core::slice::from_raw_parts(phys_to_virt(pa).as_ptr::<u8>(), n) };
                dst.copy_from_slice(src);
            }
            done += n;
        })
    }

    /// Fills user memory at `addr` with `data`, read-only pages included:
    /// how the loader writes code and the initial arguments.
    pub fn load(&self, addr: u64, data: &[u8]) -> Result<(), SyscallError> {
        let mut done = 0usize;
        self.user_pages(addr, data.len() as u64, false, |pa, n| {
            if let Some(src) = data.get(done..done + n) {
                // SAFETY: `pa..pa+n` is a present user frame of this space.
                let dst = unsafe {
                    core::slice::from_raw_parts_mut(phys_to_virt(pa).as_mut_ptr::<u8>(), n)
                };
                dst.copy_from_slice(src);
            }
            done += n;
        })
    }

    /// Copies `data` to user memory at `addr` (validated writable first).
    pub fn write(&self, addr: u64, data: &[u8]) -> Result<(), SyscallError> {
        let mut done = 0usize;
        self.user_pages(addr, data.len() as u64, true, |pa, n| {
            if let Some(src) = data.get(done..done + n) {
                // SAFETY: `pa..pa+n` is a validated, writable user frame.
                let dst = unsafe {
                    core::slice::from_raw_parts_mut(phys_to_virt(pa).as_mut_ptr::<u8>(), n)
                };
                dst.copy_from_slice(src);
            }
            done += n;
        })
    }
}

/// Frees every page-table frame of the user half and every owned frame.
/// The space must not be the active one.
fn free_user_half(pml4: PhysFrame) {
    fn table(f: PhysAddr) -> &'static mut PageTable {
        // SAFETY: a page-table frame of a space nobody runs on any more.
        unsafe { &mut *phys_to_virt(f).as_mut_ptr::<PageTable>() }
    }
    let top = table(pml4.start_address());
    for e4 in top.iter_mut().take(256) {
        if !e4.flags().contains(F::PRESENT) {
            continue;
        }
        let pdpt = e4.addr();
        for e3 in table(pdpt).iter_mut() {
            if !e3.flags().contains(F::PRESENT) || e3.flags().contains(F::HUGE_PAGE) {
                continue;
            }
            let pd = e3.addr();
            for e2 in table(pd).iter_mut() {
                if !e2.flags().contains(F::PRESENT) || e2.flags().contains(F::HUGE_PAGE) {
                    continue;
                }
                let pt = e2.addr();
                for e1 in table(pt).iter_mut() {
                    if e1.flags().contains(F::PRESENT) && e1.flags().contains(OWNED) {
                        frame::free(e1.addr());
                    }
                }
                frame::free(pt);
            }
            frame::free(pd);
        }
        frame::free(pdpt);
        e4.set_unused();
    }
    frame::free(pml4.start_address());
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        free_user_half(self.pml4);
    }
}
