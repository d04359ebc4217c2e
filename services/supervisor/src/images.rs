//! `Request::StoreImage`/`FetchImage`: the supervisor's copies of each
//! service's code image (docs/driverhost.md, "Keeping compiled code across
//! generations"). What may be stored or fetched is decided by
//! `supervisor::image`; this module does the memory work.
//!
//! A store copies the caller's grant (`GrantRead`, without mapping it)
//! into one of the service's two slots of the supervisor's own memory —
//! the one not holding the kept image, so a copy that fails leaves the
//! kept image whole — hashes the copy, and only then makes it the kept
//! one. A fetch grants the kept slot read-only: nobody but the supervisor
//! ever writes it.

use ipc::TaskIdWire;
use ipc::supervisor::{Reply, SupervisorError};
use supervisor::image::ImageBook;
use supervisor::table::ServiceTable;
use userlib::TaskId;

/// Where service `i`'s two slots live (after the code maps' slots,
/// `codemaps.rs`), each [`ipc::image::MAX_LEN`] bytes.
const BASE: u64 = 0x0000_3c00_0000_0000;
const SLOT: u64 = ipc::image::MAX_LEN;

/// What a slot has mapped (whole pages), so a new copy maps only what it
/// needs beyond.
#[derive(Default)]
pub struct Images {
    book: ImageBook,
    /// Per service, per slot: bytes mapped; the grant of the kept image to
    /// its current fetcher.
    mapped: alloc::vec::Vec<[u64; 2]>,
    grants: alloc::vec::Vec<Option<u32>>,
}

fn slot_addr(index: usize, slot: u8) -> u64 {
    BASE + (index as u64 * 2 + u64::from(slot & 1)) * SLOT
}

impl Images {
    fn mapped(&mut self, index: usize) -> Option<&mut [u64; 2]> {
        if self.mapped.len() <= index {
            self.mapped.resize(index + 1, [0, 0]);
        }
        self.mapped.get_mut(index)
    }

    /// The reply to `StoreImage { grant, len }` from `from`.
    pub fn store(&mut self, table: &ServiceTable, from: TaskId, grant: u32, len: u64) -> Reply {
        let caller = TaskIdWire(from.0);
        let Some(i) = table.running_index(caller) else {
            return Reply::Err(SupervisorError::PermissionDenied);
        };
        let Some(s) = table.get(i) else {
            return Reply::Err(SupervisorError::Internal(30));
        };
        let name = s.spec.name.as_str();
        let slot = match self.book.check_store(i, caller, &s.started_args, len) {
            Ok(slot) => slot,
            Err(e) => {
                let why = match e {
                    SupervisorError::ImageInjected => alloc::format!(
                        "it was started with {}",
                        supervisor::image::code_switch(&s.started_args).unwrap_or("?")
                    ),
                    SupervisorError::ImageTooLarge => {
                        alloc::format!("{len} bytes, more than {}", ipc::image::MAX_LEN)
                    }
                    _ => alloc::format!("{e:?}"),
                };
                userlib::log!(
                    "code image of {name} from {}.{} not kept: {why}",
                    from.index(),
                    from.generation()
                );
                return Reply::Err(e);
            }
        };
        let addr = slot_addr(i, slot);
        let pages = len.div_ceil(4096) * 4096;
        let Some(m) = self.mapped(i) else {
            return Reply::Err(SupervisorError::Internal(31));
        };
        let have = m[usize::from(slot & 1)];
        if pages > have {
            if let Err(e) = userlib::map_anon(addr + have, pages - have, true) {
                userlib::log!("code image of {name}: no memory for {len} bytes: {e}");
                return Reply::Err(SupervisorError::ImageUnavailable);
            }
            m[usize::from(slot & 1)] = pages;
        }
        // SAFETY: [addr, addr + pages) is mapped writable for the
        // supervisor (above, or by an earlier store into this slot), is
        // not the kept image's slot and is granted to nobody: a previous
        // grant of it was revoked when it stopped being the kept one.
        let copy = unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len as usize) };
        // A grant shorter than `len` is `BadLength` before any byte moves.
        if let Err(e) = userlib::grant_read(grant, 0, copy) {
            userlib::log!("code image of {name}: grant {grant} not readable for {len} bytes: {e}");
            return Reply::Err(SupervisorError::ImageUnavailable);
        }
        let hash = ipc::image::hash(copy);
        // The old kept slot becomes the next copy target: nobody may still
        // read it through a grant.
        if let Some(Some(old)) = self.grants.get_mut(i).map(Option::take) {
            let _ = userlib::grant_revoke(old);
        }
        self.book.stored(i, caller, slot, len, hash);
        userlib::log!(
            "code image of {name} from {}.{} kept: {len} bytes, hash {hash:016x}",
            from.index(),
            from.generation()
        );
        Reply::ImageStored { len, hash }
    }

    /// The reply to `FetchImage` from `from`.
    pub fn fetch(&mut self, table: &ServiceTable, from: TaskId) -> Reply {
        let caller = TaskIdWire(from.0);
        let Some(i) = table.running_index(caller) else {
            return Reply::Err(SupervisorError::PermissionDenied);
        };
        let Some(s) = table.get(i) else {
            return Reply::Err(SupervisorError::Internal(32));
        };
        let kept = match self.book.check_fetch(i, &s.started_args) {
            Ok(k) => k,
            Err(e) => return Reply::Err(e),
        };
        if self.grants.len() <= i {
            self.grants.resize(i + 1, None);
        }
        let Some(g) = self.grants.get_mut(i) else {
            return Reply::Err(SupervisorError::Internal(33));
        };
        if let Some(old) = g.take() {
            // Gone already if its holder died; either way not reused.
            let _ = userlib::grant_revoke(old);
        }
        let pages = kept.len.div_ceil(4096).max(1) * 4096;
        match userlib::grant_create(from, slot_addr(i, kept.slot), pages, false) {
            Ok(grant) => {
                *g = Some(grant);
                Reply::Image {
                    grant,
                    len: kept.len,
                    hash: kept.hash,
                }
            }
            Err(e) => {
                userlib::log!("code image of {}: grant refused: {e}", s.spec.name);
                Reply::Err(SupervisorError::Internal(34))
            }
        }
    }
}
