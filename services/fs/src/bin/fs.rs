//! The FAT service program: the syscalls around `fs_service`. It finds its
//! block backend, mounts the volume (or, if the image is refused, keeps
//! serving `Unmounted`), and answers `ipc::fs` requests forever.
//!
//! Args: `backend=blk:NAME` (the block service, `ipc::blk`; the default is
//! `blk:blk`) or `backend=blkdev:NAME` (a block-device backend directly,
//! `ipc::blkdev`: the native virtio-blk driver or the driver host — for
//! boots without the block service); `cache=PAGES` (4 KiB pages, default
//! 512).

#![no_std]
#![no_main]

extern crate alloc;

use fs_service::blkclient as backend;
use fs_service::{FixedTime, GrantAccess, Service, Volume};
use ipc::TaskIdWire;
use ipc::fs::{Fs, FsError};
use userlib::rpc::{self, Event};

userlib::entry!(main);

/// Where a client's grant is mapped while a request uses it (1 MiB at most,
/// `ipc::fs::GRANT_MAX`).
const CLIENT_GRANT_AT: u64 = 0x0000_3400_0000_0000;

/// Clients' grants through `GrantMap`.
struct Grants;

impl GrantAccess for Grants {
    fn with_grant(
        &mut self,
        _client: TaskIdWire,
        id: u32,
        len: usize,
        writable: bool,
        f: &mut dyn FnMut(&mut [u8]) -> Result<u32, FsError>,
    ) -> Result<u32, FsError> {
        let (mapped, is_writable) = match userlib::grant_map_checked(id, CLIENT_GRANT_AT) {
            Ok(m) => m,
            Err(userlib::sys::Error::Sys(e)) => return Err(FsError::Grant(e.code())),
            Err(_) => return Err(FsError::Grant(0)),
        };
        let result = if mapped < len as u64 {
            Err(FsError::GrantTooSmall { mapped })
        } else if writable && !is_writable {
            // Storing into it would fault and end the service.
            Err(FsError::Grant(
                ddk_abi::SyscallError::InvalidArgument.code(),
            ))
        } else {
            // SAFETY: the kernel mapped `mapped` (≥ `len`) bytes of the
            // client's memory at CLIENT_GRANT_AT, writable if `writable`
            // (checked above); nothing else refers to them while `f` runs,
            // and they are unmapped before this returns.
            let bytes = unsafe { core::slice::from_raw_parts_mut(CLIENT_GRANT_AT as *mut u8, len) };
            f(bytes)
        };
        let _ = userlib::unmap(CLIENT_GRANT_AT, mapped);
        result
    }
}

fn main(args: &str) -> i64 {
    let spec = arg(args, "backend").unwrap_or("blk:blk");
    let pages = arg(args, "cache")
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    let dev = match backend::connect(spec) {
        Ok(d) => d,
        Err(e) => {
            userlib::log!("fs: no block backend ({spec}): {e}; exiting");
            return 2;
        }
    };
    let volume = Volume::mount(dev, pages, FixedTime::default_time());
    match &volume {
        Ok(v) => match v.statfs_line() {
            Ok(line) => userlib::log!("fs: serving {line} on {spec}"),
            Err(e) => userlib::log!("fs: mounted on {spec}, but statfs failed: {e:?}"),
        },
        Err(e) => userlib::log!(
            "fs: mount refused on {spec}: {e:?}; serving, every request gets Unmounted"
        ),
    }
    let mut service = Service::new(volume);
    let mut server = rpc::Server::new();
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    loop {
        let (from, request) = match server.next::<Fs>(&mut buf, None) {
            Ok(Event::Request { from, request }) => (from, request),
            Ok(Event::Notification(_)) => continue,
            Err(e) => {
                userlib::log!("fs: recv failed: {e}");
                continue;
            }
        };
        let reply = service.handle(TaskIdWire(from.0), request, &mut Grants);
        if let Err(e) = server.reply(from, &reply) {
            userlib::log!(
                "fs: reply to {}.{} failed: {e}",
                from.index(),
                from.generation()
            );
        }
    }
}

fn arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    args.split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}
