//! Keeping compiled code across generations (docs/driverhost.md, "Restart
//! time, and keeping compiled code across generations"): at start, before
//! the up-front compile, install the code image the supervisor keeps for
//! this service ([`install`]); right after the up-front compile, before any
//! driver code runs, hand this generation's image over ([`hand_over`]).
//!
//! The image is checked twice before use: against the hash the supervisor
//! recorded of its copy, then by the JIT's importer (header, assembly
//! hashes, every method key). Either refusal is logged with its typed
//! reason and the generation compiles as it would without an image.
//!
//! A generation whose own arguments carry a switch that changes compiled
//! code (`ipc::image::code_switch`) does neither: its code must not reach
//! another generation, and it must compile under its switch. The
//! supervisor enforces the same from the arguments it started the
//! generation with; this side only avoids asking.
//!
//! `image-corrupt=N` (tests only): flip byte N (modulo the length) of the
//! fetched image after the hash check, before the import, to exercise the
//! importer's refusal (`code-image-corrupt`).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use ipc::supervisor::{Reply, Request, Supervisor, SupervisorError};
use jit::runtime::Runtime;

/// Where the fetched image is mapped (after the code map at 0x3100_…).
const FETCHED_AT: u64 = 0x0000_3200_0000_0000;
/// Where this generation's image is put for the hand-over.
const OUTGOING_AT: u64 = 0x0000_3300_0000_0000;

/// Set once the image is taken (or would have been): methods compiled
/// after it are not in any image, so every later generation compiles them
/// again — logged by name ([`note_late`]), a few at most, so the
/// up-front compile can be taught to include them.
static TAKEN: AtomicBool = AtomicBool::new(false);
static LATE: AtomicU32 = AtomicU32::new(0);
const LATE_LOGGED: u32 = 4;

/// Called for every method installed (the code-map listener).
pub fn note_late(method: &str) {
    if TAKEN.load(Ordering::Relaxed) && LATE.fetch_add(1, Ordering::Relaxed) < LATE_LOGGED {
        userlib::log!("driverhost: compiled after the code image was taken: {method}");
    }
}

/// What [`install`] did, for [`hand_over`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Installed {
    /// The hash of the image installed, if one was.
    pub hash: Option<u64>,
    /// `rt.stats.methods` right after the import.
    pub methods_then: u64,
    /// The image was the supervisor's kept one (not the ahead-of-time
    /// image): taken by an earlier generation after its up-front compile
    /// of the same assemblies, so it holds what that compile would add.
    pub kept: bool,
}

fn supervisor() -> Option<userlib::TaskId> {
    match userlib::lookup("supervisor") {
        Ok(t) => Some(t),
        Err(e) => {
            userlib::log!("driverhost: code image: no supervisor: {e}");
            None
        }
    }
}

/// The image compiled ahead of time by the build (`driverhost-image`,
/// over the corlib, the DDK and `managed/drivers/*.dll`), when the
/// manifest's `files=` hands it over.
pub const AOT: &str = "managed/aot/driverhost.img";

/// Fetches the kept image and imports it into `rt` — or, if the supervisor
/// keeps none, the ahead-of-time image of the bundle ([`AOT`]), so that a
/// first start does not compile either; logs one line.
pub fn install(rt: &mut Runtime, args: &str, files: &ipc::files::Bundle<'_>) -> Installed {
    let t0 = userlib::uptime_us();
    let none = Installed {
        hash: None,
        methods_then: rt.stats.methods,
        kept: false,
    };
    if let Some(switch) = ipc::image::fetch_switch(args) {
        userlib::log!("driverhost: code image: not used ({switch}): compiling");
        return none;
    }
    let Some(sup) = supervisor() else {
        return none;
    };
    let (grant, len, hash) = match userlib::rpc::call::<Supervisor>(sup, &Request::FetchImage) {
        Ok(Reply::Image { grant, len, hash }) => (grant, len, hash),
        Ok(Reply::Err(SupervisorError::NoImage)) => {
            return match files.get(AOT) {
                Some(aot) => import_aot(rt, aot, t0),
                None => {
                    userlib::log!("driverhost: code image: none kept yet: compiling");
                    none
                }
            };
        }
        Ok(other) => {
            userlib::log!("driverhost: code image: FetchImage answered {other:?}: compiling");
            return none;
        }
        Err(e) => {
            userlib::log!("driverhost: code image: FetchImage: {e}: compiling");
            return none;
        }
    };
    let mapped = match userlib::grant_map(grant, FETCHED_AT) {
        Ok(m) => m,
        Err(e) => {
            userlib::log!("driverhost: code image: map grant {grant}: {e}: compiling");
            return none;
        }
    };
    if mapped < len {
        userlib::log!(
            "driverhost: code image refused (the grant has {mapped} of {len} bytes): compiling"
        );
        let _ = userlib::unmap(FETCHED_AT, mapped);
        return none;
    }
    // SAFETY: the grant is mapped read-only at FETCHED_AT for `mapped` >=
    // `len` bytes until the unmap below; only the supervisor can write it,
    // and it never writes a granted copy.
    let bytes = unsafe { core::slice::from_raw_parts(FETCHED_AT as *const u8, len as usize) };
    let result = if ipc::image::hash(bytes) != hash {
        Err(alloc::string::String::from(
            "its hash differs from the supervisor's record",
        ))
    } else {
        let corrupt = crate::arg(args, "image-corrupt").and_then(|n| n.parse::<usize>().ok());
        let owned: Option<Vec<u8>> = corrupt.map(|at| {
            let mut v = bytes.to_vec();
            let at = at % v.len().max(1);
            if let Some(b) = v.get_mut(at) {
                *b ^= 0xff;
                userlib::log!("driverhost: code image: byte {at} flipped (image-corrupt)");
            }
            v
        });
        rt.import_image(owned.as_deref().unwrap_or(bytes))
            .map_err(|e| alloc::format!("{e:?}"))
    };
    let _ = userlib::unmap(FETCHED_AT, mapped);
    let us = userlib::uptime_us() - t0;
    match result {
        Ok(stats) => {
            userlib::log!(
                "driverhost: code image imported: {} methods, {} bytes of code, {} relocations, from {len} bytes in {} us",
                stats.methods,
                stats.code_bytes,
                stats.relocs,
                us
            );
            Installed {
                hash: Some(hash),
                methods_then: rt.stats.methods,
                kept: true,
            }
        }
        Err(why) => {
            userlib::log!("driverhost: code image refused ({why}) after {us} us: compiling");
            none
        }
    }
}

/// Imports the bundle's ahead-of-time image (no hash to check: the bundle
/// is the supervisor's read-only copy of the initrd; the importer checks
/// the rest).
fn import_aot(rt: &mut Runtime, bytes: &[u8], t0: u64) -> Installed {
    let result = rt.import_image(bytes);
    let us = userlib::uptime_us() - t0;
    match result {
        Ok(stats) => {
            userlib::log!(
                "driverhost: code image imported (ahead of time, {AOT}): {} methods, {} bytes of code, {} relocations, from {} bytes in {} us",
                stats.methods,
                stats.code_bytes,
                stats.relocs,
                bytes.len(),
                us
            );
            Installed {
                hash: Some(ipc::image::hash(bytes)),
                methods_then: rt.stats.methods,
                kept: false,
            }
        }
        Err(e) => {
            userlib::log!(
                "driverhost: code image refused (ahead of time, {AOT}: {e:?}) after {us} us: compiling"
            );
            Installed {
                hash: None,
                methods_then: rt.stats.methods,
                kept: false,
            }
        }
    }
}

/// Exports `rt`'s image and hands it to the supervisor, unless this
/// generation runs with a code switch or installed an image and compiled
/// nothing since (the kept image is already this generation's). Logs one
/// line.
pub fn hand_over(rt: &Runtime, args: &str, installed: Installed) {
    TAKEN.store(true, Ordering::Relaxed);
    let t0 = userlib::uptime_us();
    if let Some(switch) = ipc::image::code_switch(args) {
        userlib::log!("driverhost: code image: not handed over ({switch})");
        return;
    }
    if installed.hash.is_some() && rt.stats.methods == installed.methods_then {
        userlib::log!("driverhost: code image: nothing compiled since the import: not handed over");
        return;
    }
    let bytes = match rt.export_image() {
        Ok(b) => b,
        Err(e) => {
            userlib::log!("driverhost: code image: not exported ({e:?})");
            return;
        }
    };
    let export_us = userlib::uptime_us() - t0;
    if installed.hash == Some(ipc::image::hash(&bytes)) {
        userlib::log!("driverhost: code image: identical to the kept one: not handed over");
        return;
    }
    let Some(sup) = supervisor() else { return };
    let len = bytes.len() as u64;
    let pages = len.div_ceil(4096).max(1) * 4096;
    if let Err(e) = userlib::map_anon(OUTGOING_AT, pages, true) {
        userlib::log!("driverhost: code image: no memory for {len} bytes: {e}");
        return;
    }
    // SAFETY: [OUTGOING_AT, +pages) was just mapped writable for this
    // process; nothing else refers to it; pages >= len.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), OUTGOING_AT as *mut u8, bytes.len()) };
    let reply = userlib::grant_create(sup, OUTGOING_AT, pages, false)
        .map_err(|e| alloc::format!("grant: {e}"))
        .and_then(|grant| {
            let r = userlib::rpc::call::<Supervisor>(sup, &Request::StoreImage { grant, len })
                .map_err(|e| alloc::format!("StoreImage: {e}"));
            let _ = userlib::grant_revoke(grant);
            r
        });
    let _ = userlib::unmap(OUTGOING_AT, pages);
    let us = userlib::uptime_us() - t0;
    match reply {
        Ok(Reply::ImageStored { len, hash }) => userlib::log!(
            "driverhost: code image handed over: {len} bytes (hash {hash:016x}), exported in {export_us} us, kept in {us} us"
        ),
        Ok(Reply::Err(e)) => {
            userlib::log!("driverhost: code image not kept by the supervisor: {e:?}")
        }
        Ok(other) => userlib::log!("driverhost: code image: StoreImage answered {other:?}"),
        Err(e) => userlib::log!("driverhost: code image: {e}"),
    }
}
