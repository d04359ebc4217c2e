//! `fs`: files on the FAT data disk, served by `services/fs` to its clients
//! (the shell, demos, tests).
//!
//! Paths are UTF-8 strings, `/`-separated, absolute or relative to the root
//! (the two are the same: there is no working directory on the server), at
//! most [`PATH_MAX`] bytes. Names are long file names (VFAT), compared
//! case-insensitively by the server as FAT does.
//!
//! Open files are named by a [`Handle`], valid only for the client that
//! opened it: the server keys handles by the caller's task id *including its
//! generation*, so a handle of another client, of a dead predecessor, or one
//! already closed is refused with [`FsError::BadHandle`]. A handle has a
//! position, which `Read`/`Write` advance and `Seek` sets.
//!
//! Data moves two ways:
//! - **inline**: `Read { len }` returns up to [`DATA_MAX`] bytes in the reply,
//!   `Write { data }` carries up to [`DATA_MAX`] bytes in the request — for
//!   small files and the shell;
//! - **grant**: `ReadGrant`/`WriteGrant` name a grant the client created over
//!   its own buffer (writable for `ReadGrant`) of at least `len` bytes, up to
//!   [`GRANT_MAX`]; the server maps it, moves the data and unmaps it before
//!   replying — for bulk copies, as `blk` moves blocks.
//!
//! `Write`, `WriteGrant`, `Truncate`, `Mkdir`, `Remove` and `Rename` are
//! acknowledged once the file system's metadata and data are in the server's
//! sector cache; `Close` of a handle that wrote and `Sync` write every dirty
//! sector and flush the block device before they reply `Ok` (the durable
//! points, design invariant 4).
//!
//! | request | reply |
//! |---|---|
//! | `Open { path, mode }` | `Opened { handle, size }` |
//! | `Read { handle, len }` | `Data(bytes)`, empty at end of file |
//! | `Write { handle, data }` | `Count(n)` |
//! | `ReadGrant { handle, grant, len }` | `Count(n)`, `n < len` only at end of file |
//! | `WriteGrant { handle, grant, len }` | `Count(n)` |
//! | `Seek { handle, to }` | `Position(pos)` |
//! | `Truncate { handle, len }` | `Ok` |
//! | `Close { handle }` | `Ok` |
//! | `ReadDir { path, cursor }` | `Entries { entries, next }` |
//! | `Mkdir { path }`, `Remove { path }`, `Rename { from, to }` | `Ok` |
//! | `Stat { path }` | `Stat(Metadata)` |
//! | `StatFs` | `StatFs(FsInfo)` |
//! | `Sync` | `Ok` |
//!
//! Any request may instead get `Err(FsError)`.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::blk::BlkError;
use crate::frame::{Kind, Message, Protocol};

/// Bumped on every change to the wire form of [`Request`] or [`Reply`].
pub const VERSION: u16 = 1;

/// The longest path, in bytes, a request may carry. Two of them (`Rename`)
/// plus framing fit one message.
pub const PATH_MAX: usize = 1024;

/// The most bytes one inline `Read` returns or one `Write` carries: a
/// `Data` reply of this many bytes (3 header, 1 variant, 2 length) fits one
/// message with room to spare.
pub const DATA_MAX: u32 = 3584;

/// The most bytes one `ReadGrant`/`WriteGrant` moves.
pub const GRANT_MAX: u32 = 1 << 20;

/// The most open handles one client may hold.
pub const HANDLES_PER_CLIENT: usize = 16;

/// The protocol marker for [`crate::encode`]/[`crate::decode`] generics.
#[derive(Clone, Copy, Debug)]
pub struct Fs;

impl Protocol for Fs {
    const ID: u16 = crate::ids::FS;
    const VERSION: u16 = VERSION;
    const NAME: &'static str = "fs";
    type Request = Request;
    type Reply = Reply;
}

/// An open file of one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Handle(pub u32);

/// How to open a file, as POSIX `open` flags. At least one of `read` and
/// `write` must be set; `truncate`, `append`, `create` and `exclusive` need
/// `write`; `exclusive` needs `create` (else `InvalidArgument`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenMode {
    pub read: bool,
    pub write: bool,
    /// Create the file if it does not exist.
    pub create: bool,
    /// Cut an existing file to length 0.
    pub truncate: bool,
    /// Every write goes to the end of the file, whatever the position.
    pub append: bool,
    /// With `create`: fail with `Exists` if the file exists.
    pub exclusive: bool,
}

impl OpenMode {
    /// Read only.
    pub const READ: Self = Self {
        read: true,
        write: false,
        create: false,
        truncate: false,
        append: false,
        exclusive: false,
    };

    /// Write, create if missing, truncate: a fresh file (`>` in a shell).
    pub const CREATE: Self = Self {
        read: false,
        write: true,
        create: true,
        truncate: true,
        append: false,
        exclusive: false,
    };

    /// Write at the end, create if missing (`>>` in a shell).
    pub const APPEND: Self = Self {
        read: false,
        write: true,
        create: true,
        truncate: false,
        append: true,
        exclusive: false,
    };

    /// Whether the flags make sense together (the rules in the type's doc).
    pub const fn is_valid(&self) -> bool {
        (self.read || self.write)
            && (self.write || !(self.truncate || self.append || self.create || self.exclusive))
            && (self.create || !self.exclusive)
    }
}

/// Where `Seek` measures from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeekFrom {
    Start(u64),
    Current(i64),
    End(i64),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Open (or create) the file at `path`.
    Open { path: String, mode: OpenMode },
    /// Up to `len` (≤ [`DATA_MAX`]) bytes from the position, in the reply.
    Read { handle: Handle, len: u32 },
    /// `data` (≤ [`DATA_MAX`] bytes) at the position (the end with `append`).
    Write { handle: Handle, data: Vec<u8> },
    /// Up to `len` (≤ [`GRANT_MAX`]) bytes from the position into the
    /// client's writable grant.
    ReadGrant {
        handle: Handle,
        grant: u32,
        len: u32,
    },
    /// `len` (≤ [`GRANT_MAX`]) bytes from the client's grant at the position.
    WriteGrant {
        handle: Handle,
        grant: u32,
        len: u32,
    },
    /// Move the position; past the end is allowed (a later write fills the
    /// gap with zeros), before the start is `InvalidArgument`.
    Seek { handle: Handle, to: SeekFrom },
    /// Set the file's length: shorter cuts it, longer extends it with zeros.
    /// The position is unchanged.
    Truncate { handle: Handle, len: u64 },
    /// Forget the handle; if it wrote, make its data durable first.
    Close { handle: Handle },
    /// Entries of the directory at `path` from the `cursor`th on (0 for the
    /// first page; then the `next` of the previous reply). `.` and `..` are
    /// not listed.
    ReadDir { path: String, cursor: u32 },
    /// Create a directory; its parent must exist.
    Mkdir { path: String },
    /// Remove a file or an empty directory.
    Remove { path: String },
    /// Move `from` to `to`; `to` must not exist (`Exists`).
    Rename { from: String, to: String },
    /// What is at `path`.
    Stat { path: String },
    /// The file system's geometry and free space.
    StatFs,
    /// Write every dirty sector and flush the block device.
    Sync,
}

/// A FAT date and time (two-second resolution, local time as FAT keeps it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    File,
    Directory,
}

/// One directory entry in a `ReadDir` page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirEntry {
    /// The long name (the short 8.3 name when there is none).
    pub name: String,
    pub kind: FileKind,
    /// Bytes; 0 for directories.
    pub size: u64,
}

/// What `Stat` tells about a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub kind: FileKind,
    /// Bytes; 0 for directories.
    pub size: u64,
    /// The FAT attribute byte (read-only 0x01, hidden 0x02, system 0x04,
    /// directory 0x10, archive 0x20).
    pub attributes: u8,
    pub created: DateTime,
    pub modified: DateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FatType {
    Fat12,
    Fat16,
    Fat32,
}

/// What `StatFs` tells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FsInfo {
    pub fat_type: FatType,
    /// The volume label (at most 11 bytes, trailing spaces removed).
    pub label: String,
    pub cluster_size: u32,
    pub total_clusters: u32,
    pub free_clusters: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Ok,
    Opened {
        handle: Handle,
        size: u64,
    },
    Data(Vec<u8>),
    Count(u32),
    Position(u64),
    /// A page of a directory listing: as many entries as fit one message;
    /// `next` is the cursor of the next page, `None` after the last entry.
    Entries {
        entries: Vec<DirEntry>,
        next: Option<u32>,
    },
    Stat(Metadata),
    StatFs(FsInfo),
    Err(FsError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FsError {
    /// No file or directory at the path (or a parent is missing).
    NotFound,
    /// The path exists (`Mkdir`, `Rename` target, `Open` with `exclusive`).
    Exists,
    /// A path component that must be a directory is a file.
    NotADirectory,
    /// The operation needs a file and the path is a directory.
    IsADirectory,
    /// `Remove` of a directory that has entries.
    NotEmpty,
    /// The handle is not one of the caller's open handles.
    BadHandle,
    /// A name FAT cannot hold: empty, `.`/`..` where a name is created,
    /// reserved characters, longer than 255 UTF-16 units, or a path longer
    /// than [`PATH_MAX`].
    InvalidName,
    /// A flag combination, seek target, or length the request cannot have
    /// (e.g. `Read` with `len > DATA_MAX`).
    InvalidArgument,
    /// The handle was not opened for this (`Read` on a write-only handle).
    AccessDenied,
    /// `Remove` or `Rename` of a file or directory some handle has open.
    Busy,
    /// No free cluster left.
    NoSpace,
    /// The block device is read-only.
    ReadOnly,
    /// A FAT file is at most 4 GiB - 1 bytes.
    FileTooLarge,
    /// The file system's structures are inconsistent (a hostile or damaged
    /// image); the operation was refused, the service keeps serving.
    Corrupt,
    /// No file system is mounted: the image was refused at start (the
    /// service's log says why) and every request gets this.
    Unmounted,
    /// The block service refused or failed a request.
    Io(BlkError),
    /// The caller holds [`HANDLES_PER_CLIENT`] handles already.
    TooManyHandles,
    /// The server has as many clients with open handles as it tracks.
    TooManyClients,
    /// `GrantMap` failed; the `ddk_abi::SyscallError` code.
    Grant(u32),
    /// The grant maps fewer than `len` bytes.
    GrantTooSmall { mapped: u64 },
}

impl Message for Request {
    type Protocol = Fs;
    const KIND: Kind = Kind::Request;
}

impl Message for Reply {
    type Protocol = Fs;
    const KIND: Kind = Kind::Reply;
}

/// The encoded size of an `Entries` reply holding `entries` (header
/// included): what a server checks before adding one more entry to a page.
pub fn entries_size(entries: &[DirEntry], next: Option<u32>) -> usize {
    // Header (3 bytes: id 4, version, kind all below 128) + variant index.
    let mut size = 3 + 1 + varint_len(entries.len() as u64);
    for e in entries {
        size += entry_size(e);
    }
    size + match next {
        None => 1,
        Some(n) => 1 + varint_len(u64::from(n)),
    }
}

/// The encoded size of one [`DirEntry`].
pub fn entry_size(e: &DirEntry) -> usize {
    varint_len(e.name.len() as u64) + e.name.len() + 1 + varint_len(e.size)
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_mode_rules() {
        assert!(OpenMode::READ.is_valid());
        assert!(OpenMode::CREATE.is_valid());
        assert!(OpenMode::APPEND.is_valid());
        assert!(!OpenMode::default().is_valid(), "neither read nor write");
        let read_create = OpenMode {
            create: true,
            ..OpenMode::READ
        };
        assert!(!read_create.is_valid(), "create needs write");
        let read_truncate = OpenMode {
            truncate: true,
            ..OpenMode::READ
        };
        assert!(!read_truncate.is_valid(), "truncate needs write");
        let exclusive_alone = OpenMode {
            create: false,
            exclusive: true,
            ..OpenMode::CREATE
        };
        assert!(!exclusive_alone.is_valid(), "exclusive needs create");
        let exclusive = OpenMode {
            exclusive: true,
            ..OpenMode::CREATE
        };
        assert!(exclusive.is_valid());
    }
}
