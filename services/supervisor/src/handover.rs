//! `Request::Files`: hands a service the initrd files its `files=` names,
//! as one read-only grant of an `ipc::files` bundle.
//!
//! The bundle is built on the first request (reading `etc/initrd.index` and
//! the files) into a region of the supervisor's own memory that it keeps:
//! a restarted service asks again and gets a new grant of the same pages, so
//! nothing is read or copied twice. Grants die with the grantee, so each
//! generation of a service holds at most one.

use alloc::string::String;
use alloc::vec::Vec;
use ipc::TaskIdWire;
use ipc::supervisor::{Reply, SupervisorError};
use supervisor::files::{INDEX_PATH, select};
use supervisor::table::ServiceTable;
use userlib::TaskId;

/// Where service `i`'s bundle lives in the supervisor: one grant-sized slot
/// per service (the kernel's largest grant, 16 MiB).
const BASE: u64 = 0x0000_3000_0000_0000;
const SLOT: u64 = 16 << 20;

struct Held {
    addr: u64,
    /// Whole pages.
    len: u64,
    files: usize,
    bytes: usize,
    /// The grant of the current holder, revoked on the next request.
    grant: Option<u32>,
}

#[derive(Default)]
pub struct Handover {
    held: Vec<Option<Held>>,
}

/// A whole initrd file.
fn read_file(path: &str) -> Result<Vec<u8>, String> {
    let mut probe = [0u8; 1];
    let (_, size) =
        userlib::initrd_read(path, 0, &mut probe).map_err(|e| alloc::format!("{path}: {e}"))?;
    let mut out = alloc::vec![0u8; size];
    let mut at = 0;
    while at < size {
        let (n, _) = userlib::initrd_read(path, at as u64, &mut out[at..])
            .map_err(|e| alloc::format!("{path}: {e}"))?;
        if n == 0 {
            return Err(alloc::format!("{path}: short read at {at} of {size}"));
        }
        at += n;
    }
    Ok(out)
}

fn build(index: usize, patterns: &[String]) -> Result<Held, String> {
    let listing = read_file(INDEX_PATH)?;
    let listing = core::str::from_utf8(&listing).map_err(|_| String::from("index not UTF-8"))?;
    let paths = select(listing, patterns).map_err(|e| alloc::format!("{e:?}"))?;
    let mut contents = Vec::with_capacity(paths.len());
    for p in &paths {
        contents.push(read_file(p)?);
    }
    let pairs: Vec<(&str, &[u8])> = paths
        .iter()
        .map(String::as_str)
        .zip(contents.iter().map(Vec::as_slice))
        .collect();
    let bundle = ipc::files::build(&pairs).map_err(|e| alloc::format!("{e:?}"))?;
    let len = (bundle.len() as u64).div_ceil(4096) * 4096;
    if len > SLOT {
        return Err(alloc::format!(
            "{} bytes, more than one grant",
            bundle.len()
        ));
    }
    let addr = BASE + index as u64 * SLOT;
    userlib::map_anon(addr, len, true).map_err(|e| alloc::format!("map: {e}"))?;
    // SAFETY: [addr, addr + len) was just mapped writable for us, and
    // len >= bundle.len(); nothing else refers to it.
    unsafe { core::ptr::copy_nonoverlapping(bundle.as_ptr(), addr as *mut u8, bundle.len()) };
    Ok(Held {
        addr,
        len,
        files: paths.len(),
        bytes: bundle.len(),
        grant: None,
    })
}

impl Handover {
    /// The reply to `Files` from `from`.
    pub fn answer(&mut self, table: &ServiceTable, from: TaskId) -> Reply {
        let Some(i) = table.running_index(TaskIdWire(from.0)) else {
            return Reply::Err(SupervisorError::NoFiles);
        };
        let Some(s) = table.get(i) else {
            return Reply::Err(SupervisorError::NoFiles);
        };
        if s.spec.files.is_empty() {
            return Reply::Err(SupervisorError::NoFiles);
        }
        if self.held.len() <= i {
            self.held.resize_with(i + 1, || None);
        }
        let Some(slot) = self.held.get_mut(i) else {
            return Reply::Err(SupervisorError::Internal(10));
        };
        if slot.is_none() {
            match build(i, &s.spec.files) {
                Ok(h) => {
                    userlib::log!(
                        "files for {}: {} files, {} bytes",
                        s.spec.name,
                        h.files,
                        h.bytes
                    );
                    *slot = Some(h);
                }
                Err(e) => {
                    userlib::log!("files for {}: {e}", s.spec.name);
                    return Reply::Err(SupervisorError::FilesUnavailable);
                }
            }
        }
        let Some(h) = slot.as_mut() else {
            return Reply::Err(SupervisorError::Internal(11));
        };
        if let Some(old) = h.grant.take() {
            // Gone already if its holder died; either way it is not reused.
            let _ = userlib::grant_revoke(old);
        }
        match userlib::grant_create(from, h.addr, h.len, false) {
            Ok(grant) => {
                h.grant = Some(grant);
                Reply::Files { grant, len: h.len }
            }
            Err(e) => {
                userlib::log!("files for {}: grant refused: {e}", s.spec.name);
                Reply::Err(SupervisorError::Internal(12))
            }
        }
    }
}
