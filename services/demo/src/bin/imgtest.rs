//! The supervisor's code-image requests from a client (`code-image-store`,
//! docs/driverhost.md "Keeping compiled code across generations"): the
//! bookkeeping the driver host relies on, exercised without a JIT.
//!
//! One service, `allow=code-image`, three generations (each exits, the
//! supervisor restarts it):
//! - the first is started with `first-args="jit-inject=ldfld-struct"`: its
//!   `StoreImage` and `FetchImage` are refused `ImageInjected` — decided by
//!   the supervisor from how it started this generation;
//! - the second finds no image (`NoImage`); a store of more than
//!   `ipc::image::MAX_LEN` is `ImageTooLarge`, one whose grant holds fewer
//!   bytes than announced `ImageUnavailable`; a pattern of [`LEN`] bytes is
//!   kept (`ImageStored` with the hash computed here), a second store
//!   from the same generation is `ImageAlreadyStored`; then it exits;
//! - the third fetches the image, maps the read-only grant and finds the
//!   same bytes and hash, finds it cannot write it (a write would fault:
//!   the grant is read-only, `GrantMap` says so), and powers off.
//!
//! `mode=denied` (a second service, without `allow=code-image`): both
//! requests are `PermissionDenied`.
//!
//! Prints `imgtest: PASS (...)` or `imgtest: FAIL (...)` per generation.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use ipc::supervisor::{Reply, Request, Supervisor, SupervisorError};
use userlib::TaskId;
use userlib::rpc;

userlib::entry!(main);

/// Not a whole number of pages, nor of 8-byte words (the hash's tail).
const LEN: u64 = 3 * 4096 + 1001;
const OUT_AT: u64 = 0x0000_3300_0000_0000;
const IN_AT: u64 = 0x0000_3200_0000_0000;

fn pattern(i: u64) -> u8 {
    (i.wrapping_mul(131) ^ (i >> 7)) as u8
}

fn ask(sup: TaskId, r: &Request) -> Result<Reply, String> {
    rpc::call::<Supervisor>(sup, r).map_err(|e| format!("{r:?}: {e}"))
}

/// A grant to the supervisor of `pages` pages holding the pattern.
fn offer(sup: TaskId, pages: u64) -> Result<u32, String> {
    let len = pages * 4096;
    userlib::map_anon(OUT_AT, len, true).map_err(|e| format!("map: {e}"))?;
    // SAFETY: just mapped writable for this process, `len` bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(OUT_AT as *mut u8, len as usize) };
    for (i, b) in out.iter_mut().enumerate() {
        *b = pattern(i as u64);
    }
    userlib::grant_create(sup, OUT_AT, len, false).map_err(|e| format!("grant: {e}"))
}

fn expect(sup: TaskId, r: Request, want: SupervisorError) -> Result<(), String> {
    match ask(sup, &r)? {
        Reply::Err(e) if e == want => Ok(()),
        other => Err(format!("{r:?} answered {other:?}, not {want:?}")),
    }
}

fn injected(sup: TaskId) -> Result<String, String> {
    let grant = offer(sup, LEN.div_ceil(4096))?;
    let store = Request::StoreImage { grant, len: LEN };
    expect(sup, store, SupervisorError::ImageInjected)?;
    expect(sup, Request::FetchImage, SupervisorError::ImageInjected)?;
    Ok(String::from(
        "first generation (jit-inject): store and fetch refused ImageInjected",
    ))
}

/// `mode=denied`: a service without `allow=code-image`.
fn denied(sup: TaskId) -> Result<String, String> {
    let grant = offer(sup, 1)?;
    let store = Request::StoreImage { grant, len: 4096 };
    expect(sup, store, SupervisorError::PermissionDenied)?;
    expect(sup, Request::FetchImage, SupervisorError::PermissionDenied)?;
    Ok(String::from(
        "without allow=code-image: store and fetch PermissionDenied",
    ))
}

fn store(sup: TaskId) -> Result<String, String> {
    expect(sup, Request::FetchImage, SupervisorError::NoImage)?;
    let pages = LEN.div_ceil(4096);
    let grant = offer(sup, pages)?;
    let too_large = Request::StoreImage {
        grant,
        len: ipc::image::MAX_LEN + 1,
    };
    expect(sup, too_large, SupervisorError::ImageTooLarge)?;
    let short = Request::StoreImage {
        grant,
        len: pages * 4096 + 4096,
    };
    expect(sup, short, SupervisorError::ImageUnavailable)?;
    // SAFETY: `offer` mapped `pages` pages at OUT_AT, still mapped.
    let mine = unsafe { core::slice::from_raw_parts(OUT_AT as *const u8, LEN as usize) };
    let want = ipc::image::hash(mine);
    match ask(sup, &Request::StoreImage { grant, len: LEN })? {
        Reply::ImageStored { len, hash } if len == LEN && hash == want => {}
        other => return Err(format!("StoreImage answered {other:?}, hash {want:016x}")),
    }
    expect(
        sup,
        Request::StoreImage { grant, len: LEN },
        SupervisorError::ImageAlreadyStored,
    )?;
    Ok(format!(
        "second generation: NoImage, ImageTooLarge, ImageUnavailable, {LEN} bytes kept, ImageAlreadyStored"
    ))
}

fn fetch(sup: TaskId, grant: u32, len: u64, hash: u64) -> Result<String, String> {
    if len != LEN {
        return Err(format!("the kept image has {len} bytes, not {LEN}"));
    }
    let (mapped, writable) =
        userlib::sys::grant_map_checked(grant, IN_AT).map_err(|e| format!("map: {e}"))?;
    if writable || mapped < len {
        return Err(format!(
            "the image's grant: {mapped} bytes, writable {writable}"
        ));
    }
    // SAFETY: the grant is mapped read-only at IN_AT for `mapped` >= `len`
    // bytes.
    let got = unsafe { core::slice::from_raw_parts(IN_AT as *const u8, len as usize) };
    if let Some(at) = (0..len).find(|&i| got.get(i as usize) != Some(&pattern(i))) {
        return Err(format!("the kept image differs at byte {at}"));
    }
    if ipc::image::hash(got) != hash {
        return Err(format!("the recorded hash {hash:016x} is not the copy's"));
    }
    let _ = sup;
    Ok(format!(
        "third generation: the kept {len} bytes and their hash, through a read-only grant"
    ))
}

fn main(args: &str) -> i64 {
    let result = userlib::lookup("supervisor")
        .map_err(|e| format!("lookup supervisor: {e}"))
        .and_then(|sup| {
            if demo::arg(args, "mode") == Some("denied") {
                return denied(sup).map(|s| (s, false));
            }
            if args.contains("jit-inject=") {
                return injected(sup).map(|s| (s, false));
            }
            match ask(sup, &Request::FetchImage)? {
                Reply::Image { grant, len, hash } => {
                    fetch(sup, grant, len, hash).map(|s| (s, true))
                }
                Reply::Err(SupervisorError::NoImage) => store(sup).map(|s| (s, false)),
                other => Err(format!("FetchImage answered {other:?}")),
            }
        });
    let last = match &result {
        Ok((what, last)) => {
            userlib::log!("imgtest: PASS ({what})");
            *last
        }
        Err(why) => {
            userlib::log!("imgtest: FAIL ({why})");
            true
        }
    };
    if last && demo::arg_u64(args, "shutdown", 0) == 1 {
        demo::shutdown();
    }
    i64::from(result.is_err())
}
