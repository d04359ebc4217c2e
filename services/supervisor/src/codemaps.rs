//! `Request::CodeMap`: a writable region of the supervisor's memory per
//! service, granted to the service (the driver host) to record its
//! JIT-compiled code in (`ipc::codemap`). The region outlives the grantee:
//! when it dies of a fault the supervisor reads it and names the managed
//! method, IL offset and instruction of the faulting RIP
//! (docs/driverhost.md, "Fault reports").
//!
//! The writer is untrusted and may have died mid-write, so the region is
//! only ever read through `ipc::codemap`'s bounds-checked reader.

use alloc::string::String;
use alloc::vec::Vec;
use ipc::TaskIdWire;
use ipc::codemap::{self, ReadError};
use ipc::supervisor::{Reply, SupervisorError};
use supervisor::table::ServiceTable;
use userlib::TaskId;

/// Where service `i`'s region lives in the supervisor (after the file
/// bundles' slots, `handover.rs`).
const BASE: u64 = 0x0000_3800_0000_0000;
const SLOT: u64 = 16 << 20;
/// One region: the driver host's managed stack, then room for about a
/// thousand methods' records (`ipc::codemap`).
pub const LEN: u64 = (codemap::STACK_LEN + codemap::MAP_LEN) as u64;
const STACK: usize = codemap::STACK_LEN;

struct Region {
    addr: u64,
    grant: Option<u32>,
}

#[derive(Default)]
pub struct CodeMaps {
    regions: Vec<Option<Region>>,
}

impl Region {
    /// The code map part.
    fn map(&self) -> &[u8] {
        self.bytes().get(STACK..).unwrap_or(&[])
    }

    /// The stack part.
    fn stack(&self) -> &[u8] {
        self.bytes().get(..STACK).unwrap_or(&[])
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: [addr, addr + LEN) was mapped for the supervisor by
        // `answer` and is never unmapped; the grantee may write it
        // concurrently only while alive, and it is read only through the
        // bounds-checked reader (any bytes are acceptable).
        unsafe { core::slice::from_raw_parts(self.addr as *const u8, LEN as usize) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above; the previous grant was revoked before this.
        unsafe { core::slice::from_raw_parts_mut(self.addr as *mut u8, LEN as usize) }
    }
}

impl CodeMaps {
    /// The managed callers of a fault in service `i` whose frame pointer
    /// was `rbp`: the frame-pointer chain read from the stack the driver
    /// host ran managed code on (part of the region, so it outlives the
    /// task), each return address named from the code map, innermost first,
    /// up to the first frame outside compiled code.
    pub fn backtrace(&self, i: usize, rbp: u64) -> Vec<String> {
        let Some(Some(r)) = self.regions.get(i) else {
            return Vec::new();
        };
        let base = codemap::base(r.map());
        let mut out = Vec::new();
        for ret in codemap::backtrace(r.stack(), base, rbp) {
            // The return address follows the call: look up the call.
            match codemap::symbolize(r.map(), ret.wrapping_sub(1)).0 {
                Some(s) => out.push(match s.il {
                    Some((il, op)) => alloc::format!("{} IL_{il:04x} ({op})", s.method),
                    None => s.method,
                }),
                None => break,
            }
        }
        out
    }

    /// The reply to `CodeMap` from `from`.
    pub fn answer(&mut self, table: &ServiceTable, from: TaskId) -> Reply {
        let Some(i) = table.running_index(TaskIdWire(from.0)) else {
            return Reply::Err(SupervisorError::PermissionDenied);
        };
        if self.regions.len() <= i {
            self.regions.resize_with(i + 1, || None);
        }
        let Some(slot) = self.regions.get_mut(i) else {
            return Reply::Err(SupervisorError::Internal(20));
        };
        if slot.is_none() {
            let addr = BASE + i as u64 * SLOT;
            if let Err(e) = userlib::map_anon(addr, LEN, true) {
                userlib::log!("code map for service {i}: {e}");
                return Reply::Err(SupervisorError::CodeMapUnavailable);
            }
            *slot = Some(Region { addr, grant: None });
        }
        let Some(r) = slot.as_mut() else {
            return Reply::Err(SupervisorError::Internal(21));
        };
        if let Some(old) = r.grant.take() {
            // Gone already if its holder died; either way not reused.
            let _ = userlib::grant_revoke(old);
        }
        if codemap::init(r.bytes_mut().get_mut(STACK..).unwrap_or(&mut [])).is_err() {
            return Reply::Err(SupervisorError::Internal(22));
        }
        match userlib::grant_create(from, r.addr, LEN, true) {
            Ok(grant) => {
                r.grant = Some(grant);
                Reply::CodeMap { grant, len: LEN }
            }
            Err(e) => {
                userlib::log!("code map: grant refused: {e}");
                Reply::Err(SupervisorError::Internal(23))
            }
        }
    }

    /// Service `i` died with its RIP at `rip`: where in managed code that
    /// was, as (the log's words, the fault record's short form). `None` if
    /// the service never asked for a code map.
    pub fn symbolize(&self, i: usize, rip: u64) -> Option<(String, String)> {
        let r = self.regions.get(i)?.as_ref()?;
        let bytes = r.map();
        let (hit, err) = codemap::symbolize(bytes, rip);
        let damaged = match err {
            None => String::new(),
            Some(ReadError::BadHeader) => String::from(" (its code map header is damaged)"),
            Some(ReadError::UsedOutOfRange) => String::from(" (its code map length is damaged)"),
            Some(ReadError::BadRecord(at)) => {
                alloc::format!(" (its code map is damaged from byte {at})")
            }
        };
        Some(match hit {
            Some(s) => {
                let (long, short) = match &s.il {
                    Some((il, op)) => (
                        alloc::format!("at IL_{il:04x} ({op})"),
                        alloc::format!("IL_{il:04x} {op}"),
                    ),
                    None => (
                        String::from("outside any IL instruction"),
                        String::from("no IL"),
                    ),
                };
                (
                    alloc::format!("in {} {long}, code +{:#x}{damaged}", s.method, s.offset),
                    alloc::format!("{}+{:#x} {short}", s.method, s.offset),
                )
            }
            None => {
                let (n, _) = codemap::count(bytes);
                (
                    alloc::format!(
                        "outside JIT-compiled code ({n} methods in its code map){damaged}"
                    ),
                    String::from("not managed code"),
                )
            }
        })
    }
}
