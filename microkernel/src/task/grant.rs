//! Shared-memory grants: bulk data between processes without copies.
//!
//! The owner names a page-aligned range of its own memory and the task it
//! grants it to; the grantee maps the same frames at an address of its
//! choosing; the owner can revoke at any time (the grantee's mapping goes).
//! Or the grantee never maps it and copies with `GrantRead`/`GrantWrite`
//! ([`copy`]), which a revoke cannot interrupt.
//! Frames stay owned by the granting space; the grantee's mapping is
//! borrowed, and every grant is revoked before the owner's frames can be
//! freed (owner death, or the owner unmapping the range). Only a task's own
//! memory can be granted — never pages it borrowed through a grant or
//! device registers — so no mapping can outlive the frames behind it.
//!
//! A grant record is a few words, whatever its size: it names the owner's
//! range, not the frames. The frames are looked up in the owner's tables
//! when the grantee maps the grant, and cannot change in between, because
//! the owner cannot unmap, `DmaFree` or remap a granted range without the
//! grant being revoked first. So grants cost the kernel heap nothing that
//! grows with their length, there is no system-wide table to fill up, and
//! each task may own [`GRANTS_PER_TASK`] at a time (charged to the owner;
//! naming a grantee costs the grantee nothing).

use super::ipc::{CopyFault, copy_spaces};
use super::{TABLE, Table};
use alloc::vec::Vec;
use ddk_abi::syscall::GRANT_COPY_MAX;
use ddk_abi::{SyscallError, TaskId};
use spin::Mutex;

const PAGE: u64 = 4096;
/// Largest grant: 16 MiB.
pub const GRANT_MAX: u64 = 16 << 20;
/// Grants one task may own at once: every grant is charged to its owner,
/// so the total is bounded by tasks × this, a few words each.
pub const GRANTS_PER_TASK: usize = 32;

struct Grant {
    id: u32,
    owner: TaskId,
    to: TaskId,
    /// The owner's range the grant covers: `pages` pages from `src`.
    src: u64,
    pages: u64,
    writable: bool,
    mapped_at: Option<u64>,
}

static GRANTS: Mutex<Vec<Grant>> = Mutex::new(Vec::new());
static NEXT_ID: Mutex<u32> = Mutex::new(1);

/// `GrantCreate` from task `oi`.
pub fn create(
    oi: usize,
    to: TaskId,
    addr: u64,
    len: u64,
    writable: bool,
) -> Result<u32, SyscallError> {
    let t = TABLE.lock();
    if !addr.is_multiple_of(PAGE) || !len.is_multiple_of(PAGE) || len == 0 || len > GRANT_MAX {
        return Err(SyscallError::BadLength);
    }
    t.resolve(to).map_err(|(e, _)| e)?;
    let owner = t.get(oi).ok_or(SyscallError::NoSuchTask)?;
    if owner.id == to {
        return Err(SyscallError::InvalidArgument);
    }
    // Only the owner's own memory: re-granting borrowed pages could leave a
    // mapping behind when the first grant is revoked and its frames freed.
    // Checked now (so a bad range is refused at once) and again at `map`.
    owner.space.owned_frames(addr, len, writable)?;
    let mut grants = GRANTS.lock();
    let mine = grants.iter().filter(|g| g.owner == owner.id).count();
    if mine >= GRANTS_PER_TASK {
        return Err(SyscallError::OutOfMemory);
    }
    grants
        .try_reserve(1)
        .map_err(|_| SyscallError::OutOfMemory)?;
    let mut next = NEXT_ID.lock();
    let id = *next;
    *next = next.wrapping_add(1).max(1);
    grants.push(Grant {
        id,
        owner: owner.id,
        to,
        src: addr,
        pages: len / PAGE,
        writable,
        mapped_at: None,
    });
    Ok(id)
}

/// `GrantMap` from task `gi`: maps grant `id` at `addr`; returns its length
/// and whether it is writable (a server told to write into a client's
/// grant checks this instead of faulting on a read-only mapping).
pub fn map(gi: usize, id: u32, addr: u64) -> Result<(u64, bool), SyscallError> {
    let mut t = TABLE.lock();
    let mut grants = GRANTS.lock();
    let me = t.get(gi).ok_or(SyscallError::NoSuchTask)?.id;
    let g = grants
        .iter_mut()
        .find(|g| g.id == id && g.to == me)
        .ok_or(SyscallError::NoSuchGrant)?;
    if g.mapped_at.is_some() {
        return Err(SyscallError::AlreadyMapped);
    }
    // The owner is alive (its grants die with it); its frames for the range
    // are the ones it granted, since nothing could remap them meanwhile.
    let oi = t.resolve(g.owner).map_err(|_| SyscallError::NoSuchGrant)?;
    let frames = t
        .get(oi)
        .ok_or(SyscallError::NoSuchGrant)?
        .space
        .owned_frames(g.src, g.pages * PAGE, g.writable)?;
    let grantee = t.get_mut(gi).ok_or(SyscallError::NoSuchTask)?;
    grantee.space.map_borrowed(addr, &frames, g.writable)?;
    g.mapped_at = Some(addr);
    Ok((g.pages * PAGE, g.writable))
}

/// Which way `GrantRead` / `GrantWrite` copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `GrantRead`: from the grant into the caller's buffer.
    FromGrant,
    /// `GrantWrite`: from the caller's buffer into the grant.
    IntoGrant,
}

/// `GrantRead` / `GrantWrite` from task `gi`: copies `len` bytes between
/// `[offset, offset+len)` of grant `id` (granted to the caller, mapped or
/// not) and the caller's `buf`; returns the grant's length.
///
/// The grant is looked up, its length and permission checked and its
/// frames found in the owner's tables (as `map` does) in the same locked,
/// interrupts-off step as the copy, so a revoke cannot land half-way: it
/// happens before (the call fails with `NoSuchGrant`) or after (the copy
/// is complete). A grantee copying this way never maps a page its client
/// can take away, and so cannot be made to fault.
pub fn copy(
    gi: usize,
    id: u32,
    offset: u64,
    buf: u64,
    len: u64,
    dir: Direction,
) -> Result<u64, SyscallError> {
    if len > GRANT_COPY_MAX {
        return Err(SyscallError::BadLength);
    }
    let t = TABLE.lock();
    let grants = GRANTS.lock();
    let me = t.get(gi).ok_or(SyscallError::NoSuchTask)?;
    let g = grants
        .iter()
        .find(|g| g.id == id && g.to == me.id)
        .ok_or(SyscallError::NoSuchGrant)?;
    let g_len = g.pages * PAGE;
    if dir == Direction::IntoGrant && !g.writable {
        return Err(SyscallError::PermissionDenied);
    }
    match offset.checked_add(len) {
        Some(end) if end <= g_len => {}
        _ => return Err(SyscallError::BadLength),
    }
    // The owner is alive (its grants die with it) and its range is still
    // the one it granted: it cannot be unmapped or remapped unrevoked.
    let oi = t.resolve(g.owner).map_err(|_| SyscallError::NoSuchGrant)?;
    let owner = &t.get(oi).ok_or(SyscallError::NoSuchGrant)?.space;
    let at = g.src + offset;
    let result = match dir {
        Direction::FromGrant => copy_spaces(owner, at, &me.space, buf, len),
        Direction::IntoGrant => copy_spaces(&me.space, buf, owner, at, len),
    };
    // The caller's buffer is its own fault (`BadPointer`); the grant's side
    // only fails if the owner made its pages read-only (`Protect`) since.
    result.map_err(|f| match (f, dir) {
        (CopyFault::Source(e), Direction::IntoGrant)
        | (CopyFault::Dest(e), Direction::FromGrant) => e,
        _ => SyscallError::PermissionDenied,
    })?;
    Ok(g_len)
}

fn unmap_from_grantee(t: &mut Table, g: &Grant) {
    if let (Some(at), Ok(i)) = (g.mapped_at, t.resolve(g.to))
        && let Some(task) = t.get_mut(i)
    {
        let _ = task.space.unmap(at, g.pages * PAGE);
    }
}

/// `GrantRevoke` from the owner, task `oi`.
pub fn revoke(oi: usize, id: u32) -> Result<(), SyscallError> {
    let mut t = TABLE.lock();
    let owner = t.get(oi).ok_or(SyscallError::NoSuchTask)?.id;
    let mut grants = GRANTS.lock();
    let pos = grants
        .iter()
        .position(|g| g.id == id && g.owner == owner)
        .ok_or(SyscallError::NoSuchGrant)?;
    let g = grants.swap_remove(pos);
    unmap_from_grantee(&mut t, &g);
    Ok(())
}

/// The start addresses of the `owner`'s writable grants' ranges, with
/// their lengths: `Protect` refuses to make those pages executable, since
/// the grantee's mapping would stay writable (W^X across tasks).
pub fn writable_ranges(owner: TaskId) -> Vec<(u64, u64)> {
    GRANTS
        .lock()
        .iter()
        .filter(|g| g.owner == owner && g.writable)
        .map(|g| (g.src, g.pages * PAGE))
        .collect()
}

/// Revokes the grants of `owner` that overlap `[addr, addr+len)`: called
/// before the owner unmaps (and so frees) those pages.
pub fn revoke_overlapping(t: &mut Table, owner: TaskId, addr: u64, len: u64) {
    let end = addr.saturating_add(len);
    let mut grants = GRANTS.lock();
    let mut i = 0;
    while let Some(g) = grants.get(i) {
        let g_end = g.src + g.pages * PAGE;
        if g.owner == owner && g.src < end && addr < g_end {
            let g = grants.swap_remove(i);
            unmap_from_grantee(t, &g);
        } else {
            i += 1;
        }
    }
}

/// Task `me` unmaps `[addr, addr+len)`: grants it owns there are revoked,
/// and grants it had mapped there are marked unmapped (whole grant).
pub fn before_unmap(t: &mut Table, me: TaskId, addr: u64, len: u64) {
    revoke_overlapping(t, me, addr, len);
    let end = addr.saturating_add(len);
    let mut grants = GRANTS.lock();
    for g in grants.iter_mut().filter(|g| g.to == me) {
        if let Some(at) = g.mapped_at {
            let g_len = g.pages * PAGE;
            if at < end && addr < at + g_len {
                if let Ok(i) = t.resolve(me)
                    && let Some(task) = t.get_mut(i)
                {
                    let _ = task.space.unmap(at, g_len);
                }
                g.mapped_at = None;
            }
        }
    }
}

/// A task died: its own grants are revoked, grants to it are dropped.
pub fn forget_task(t: &mut Table, dead: TaskId) {
    let mut grants = GRANTS.lock();
    let mut i = 0;
    while let Some(g) = grants.get(i) {
        if g.owner == dead {
            let g = grants.swap_remove(i);
            unmap_from_grantee(t, &g);
        } else if g.to == dead {
            grants.swap_remove(i);
        } else {
            i += 1;
        }
    }
}
