//! The driver host's assemblies: an `ipc::files` bundle the supervisor
//! grants read-only on `Request::Files` (the service's `files=` in the
//! manifest). Mapped once; the bytes stay mapped for the life of the
//! process, which the type system needs (it borrows assembly bytes).

use alloc::string::String;
use ipc::files::Bundle;
use ipc::supervisor::{Reply, Request, Supervisor};

/// Where the bundle is mapped.
const BUNDLE_AT: u64 = 0x0000_3000_0000_0000;

/// Asks the supervisor for the files and maps them.
pub fn fetch() -> Result<Bundle<'static>, String> {
    let sup =
        userlib::lookup("supervisor").map_err(|e| alloc::format!("lookup supervisor: {e}"))?;
    let (grant, len) = match userlib::rpc::call::<Supervisor>(sup, &Request::Files) {
        Ok(Reply::Files { grant, len }) => (grant, len),
        Ok(other) => return Err(alloc::format!("supervisor answered Files with {other:?}")),
        Err(e) => return Err(alloc::format!("Files request: {e}")),
    };
    let mapped = userlib::grant_map(grant, BUNDLE_AT)
        .map_err(|e| alloc::format!("map grant {grant}: {e}"))?;
    if mapped < len {
        return Err(alloc::format!(
            "grant {grant}: {mapped} bytes mapped, {len} announced"
        ));
    }
    // SAFETY: the grant is mapped read-only at BUNDLE_AT for `mapped` bytes
    // and stays mapped: the supervisor revokes it only when this process
    // asks again (it does not) or has died.
    let bytes: &'static [u8] =
        unsafe { core::slice::from_raw_parts(BUNDLE_AT as *const u8, mapped as usize) };
    Bundle::parse(bytes).map_err(|e| alloc::format!("bundle: {e:?}"))
}
