//! fatfs's and the cache's errors → the protocol's `FsError`.

use ipc::fs::FsError;

use crate::cache::CacheError;
use crate::io::IoFailure;

pub fn from_cache(e: CacheError) -> FsError {
    match e {
        CacheError::Device(b) => FsError::Io(b),
        // Only the image's own structures can point past the disk, or loop.
        CacheError::OutOfDevice | CacheError::OverBudget => FsError::Corrupt,
    }
}

pub fn from_fatfs(e: fatfs::Error<IoFailure>) -> FsError {
    match e {
        fatfs::Error::Io(IoFailure::Cache(c)) => from_cache(c),
        fatfs::Error::Io(_) => FsError::Corrupt,
        fatfs::Error::NotFound => FsError::NotFound,
        fatfs::Error::AlreadyExists => FsError::Exists,
        fatfs::Error::DirectoryIsNotEmpty => FsError::NotEmpty,
        fatfs::Error::NotEnoughSpace => FsError::NoSpace,
        fatfs::Error::InvalidFileNameLength | fatfs::Error::UnsupportedFileNameCharacter => {
            FsError::InvalidName
        }
        // Paths are resolved before fatfs sees them, so fatfs's own
        // "wrong kind" errors (InvalidInput) and short reads or writes
        // (UnexpectedEof, WriteZero) mean its structures did not match
        // what was just read: a damaged image.
        fatfs::Error::InvalidInput
        | fatfs::Error::UnexpectedEof
        | fatfs::Error::WriteZero
        | fatfs::Error::CorruptedFileSystem => FsError::Corrupt,
        _ => FsError::Corrupt,
    }
}
