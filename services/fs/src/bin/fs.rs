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
use fs_service::{FixedTime, GrantAccess, MountError, Service, Volume};
use ipc::TaskIdWire;
use ipc::blk::BlkError;
use ipc::fs::{Fs, FsError, Reply};
use userlib::rpc::{self, Event};

userlib::entry!(main);

/// Clients' grants through `GrantRead`/`GrantWrite`: the kernel checks the
/// grant in the same step as the copy, so a client revoking it mid-request
/// gets `Grant(NoSuchGrant)` and the service never touches a page the
/// client can take away (it used to map the grant, and a revoke while it
/// copied faulted the service).
struct Grants;

/// A failed grant copy as the client's typed error.
fn grant_error(id: u32, e: userlib::sys::Error) -> FsError {
    use userlib::sys::Error;
    match e {
        Error::Sys(ddk_abi::SyscallError::BadLength) => match userlib::grant_len(id) {
            Ok(mapped) => FsError::GrantTooSmall { mapped },
            Err(e) => grant_error(id, e),
        },
        Error::Sys(s) => FsError::Grant(s.code()),
        Error::Dead { .. } => FsError::Grant(ddk_abi::SyscallError::Dead.code()),
        Error::Unknown(c) => FsError::Grant(c),
    }
}

impl GrantAccess for Grants {
    fn grant_len(&mut self, _client: TaskIdWire, id: u32, writable: bool) -> Result<u64, FsError> {
        // A copy of nothing: `GrantWrite` checks that the grant may be
        // written (a read-only one is `PermissionDenied`).
        let r = if writable {
            userlib::grant_write(id, 0, &[])
        } else {
            userlib::grant_len(id)
        };
        r.map_err(|e| grant_error(id, e))
    }

    fn copy_from(&mut self, _client: TaskIdWire, id: u32, buf: &mut [u8]) -> Result<(), FsError> {
        userlib::grant_read(id, 0, buf)
            .map(|_| ())
            .map_err(|e| grant_error(id, e))
    }

    fn copy_to(&mut self, _client: TaskIdWire, id: u32, data: &[u8]) -> Result<(), FsError> {
        userlib::grant_write(id, 0, data)
            .map(|_| ())
            .map_err(|e| grant_error(id, e))
    }
}

/// Connects to the block backend and mounts: `None` while the block
/// service answers `Unavailable` (the driver host held by the supervisor):
/// the program serves anyway, answering `Io(Unavailable)`, and tries again
/// at the next request — so a client gets the typed error, not a hang,
/// and the volume mounts once someone restarted the driver host.
fn mount(spec: &str, pages: usize) -> Result<Option<Service<backend::Backend>>, ()> {
    let dev = match backend::connect(spec) {
        Ok(d) => d,
        Err(backend::ConnectError::Unavailable) => return Ok(None),
        Err(e) => {
            userlib::log!("fs: no block backend ({spec}): {e}; exiting");
            return Err(());
        }
    };
    let volume = Volume::mount(dev, pages, FixedTime::default_time());
    match &volume {
        Ok(v) => match v.statfs_line() {
            Ok(line) => userlib::log!("fs: serving {line} on {spec}"),
            Err(e) => userlib::log!("fs: mounted on {spec}, but statfs failed: {e:?}"),
        },
        Err(MountError::Device(BlkError::Unavailable)) => return Ok(None),
        Err(e) => userlib::log!(
            "fs: mount refused on {spec}: {e:?}; serving, every request gets Unmounted"
        ),
    }
    Ok(Some(Service::new(volume)))
}

fn main(args: &str) -> i64 {
    let spec = arg(args, "backend").unwrap_or("blk:blk");
    let pages = arg(args, "cache")
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    let Ok(mut service) = mount(spec, pages) else {
        return 2;
    };
    if service.is_none() {
        userlib::log!(
            "fs: the block device ({spec}) is unavailable; serving, requests get Io(Unavailable) until it is back"
        );
    }
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
        if service.is_none() {
            match mount(spec, pages) {
                Ok(s) => service = s,
                Err(()) => return 2,
            }
        }
        let reply = match &mut service {
            Some(s) => s.handle(TaskIdWire(from.0), request, &mut Grants),
            None => Reply::Err(FsError::Io(BlkError::Unavailable)),
        };
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
