//! `Protect`: the caller's own anonymous pages between read-write and
//! read-execute, never both (JIT code pages).
//!
//! Only `MapAnon` memory changes — never ELF segments, the stack, pages
//! borrowed through a grant, device registers or DMA memory — and the
//! whole range is checked before any page changes (`logic::pageprot` has
//! the rules). A page the caller has granted writable to another task may
//! not become executable: the grantee's PTE is its own and stays writable,
//! so the frame would be writable and executable at once. (The reverse is
//! refused by `GrantCreate`, which grants writable only pages writable in
//! the owner, and an executable page never is.)

use super::TABLE;
use crate::logic::pageprot::Protection;
use ddk_abi::SyscallError;

/// `Protect`.
pub fn protect(index: usize, addr: u64, len: u64, mode: u64) -> Result<(), SyscallError> {
    let to = Protection::from_mode(mode)?;
    let mut t = TABLE.lock();
    let task = t.get_mut(index).ok_or(SyscallError::NoSuchTask)?;
    let granted = super::grant::writable_ranges(task.id);
    task.space.protect(addr, len, to, |va| {
        granted
            .iter()
            .any(|&(start, n)| start <= va && va < start.saturating_add(n))
    })
}
