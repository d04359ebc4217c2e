//! Code images (`ipc::supervisor::Request::StoreImage`/`FetchImage`): the
//! bookkeeping of which image the supervisor keeps for each service and
//! whether a generation may hand one over or install one
//! (docs/driverhost.md, "Keeping compiled code across generations"). The
//! program (`src/images.rs`) does the copying and granting; everything it
//! decides is decided here, from the arguments the supervisor itself
//! started the generation with — never from anything the caller says.
//!
//! The rules:
//! - a generation started with a switch that changes what the JIT compiles
//!   ([`code_switch`]) never stores: its code must never reach another
//!   generation; nor does it fetch ([`fetch_switch`]: it must compile
//!   under its switch), except a campaign generation, whose importer
//!   refuses the image itself when its injection changes the code;
//! - at most one store per generation, of at most [`ipc::image::MAX_LEN`]
//!   bytes;
//! - a store replaces the kept image only once it is whole (the program
//!   calls [`ImageBook::stored`] after its copy succeeded): a generation
//!   that dies mid-hand-over leaves the previous image in place.

use alloc::vec::Vec;
use ipc::TaskIdWire;
use ipc::supervisor::SupervisorError;

/// The kept image of one service, as recorded when it was copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kept {
    /// Which of the service's two copy slots holds it (the program's
    /// business: it copies a new image into the other one).
    pub slot: u8,
    pub len: u64,
    pub hash: u64,
    /// The generation that handed it over.
    pub from: TaskIdWire,
}

#[derive(Clone, Debug, Default)]
struct Entry {
    kept: Option<Kept>,
    /// The last generation that stored (one store each).
    stored_by: Option<TaskIdWire>,
}

/// Every service's kept image, by manifest index.
#[derive(Clone, Debug, Default)]
pub struct ImageBook {
    entries: Vec<Entry>,
}

pub use ipc::image::{code_switch, fetch_switch};

impl ImageBook {
    fn entry(&mut self, index: usize) -> Option<&mut Entry> {
        if self.entries.len() <= index {
            self.entries.resize_with(index + 1, Entry::default);
        }
        self.entries.get_mut(index)
    }

    /// The image kept for service `index`.
    pub fn kept(&self, index: usize) -> Option<Kept> {
        self.entries.get(index)?.kept
    }

    /// May `caller`, the running task of service `index` started with
    /// `started_args`, store an image of `len` bytes? `Ok(slot)`: the copy
    /// slot to copy it into (not the kept image's).
    pub fn check_store(
        &self,
        index: usize,
        caller: TaskIdWire,
        started_args: &str,
        len: u64,
    ) -> Result<u8, SupervisorError> {
        if code_switch(started_args).is_some() {
            return Err(SupervisorError::ImageInjected);
        }
        if len > ipc::image::MAX_LEN {
            return Err(SupervisorError::ImageTooLarge);
        }
        if len == 0 {
            return Err(SupervisorError::ImageUnavailable);
        }
        let e = self.entries.get(index);
        if e.and_then(|e| e.stored_by) == Some(caller) {
            return Err(SupervisorError::ImageAlreadyStored);
        }
        Ok(match e.and_then(|e| e.kept) {
            Some(k) => 1 - (k.slot & 1),
            None => 0,
        })
    }

    /// `caller`'s image was copied whole into `slot`: it is the kept one.
    pub fn stored(&mut self, index: usize, caller: TaskIdWire, slot: u8, len: u64, hash: u64) {
        if let Some(e) = self.entry(index) {
            e.kept = Some(Kept {
                slot,
                len,
                hash,
                from: caller,
            });
            e.stored_by = Some(caller);
        }
    }

    /// What a generation of service `index` started with `started_args`
    /// gets on `FetchImage`.
    pub fn check_fetch(&self, index: usize, started_args: &str) -> Result<Kept, SupervisorError> {
        if fetch_switch(started_args).is_some() {
            return Err(SupervisorError::ImageInjected);
        }
        self.kept(index).ok_or(SupervisorError::NoImage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DH: usize = 1;
    const G1: TaskIdWire = TaskIdWire(0x0001_0002);
    const G2: TaskIdWire = TaskIdWire(0x0002_0002);

    #[test]
    fn store_then_fetch() {
        let mut b = ImageBook::default();
        assert_eq!(
            b.check_fetch(DH, "mode=drivers"),
            Err(SupervisorError::NoImage)
        );
        let slot = b.check_store(DH, G1, "mode=drivers", 4096).unwrap();
        assert_eq!(slot, 0);
        b.stored(DH, G1, slot, 4000, 77);
        let k = b.check_fetch(DH, "mode=drivers").unwrap();
        assert_eq!((k.slot, k.len, k.hash, k.from), (0, 4000, 77, G1));
        // Another service has none.
        assert_eq!(b.check_fetch(0, ""), Err(SupervisorError::NoImage));
    }

    #[test]
    fn one_store_per_generation_and_the_other_slot() {
        let mut b = ImageBook::default();
        b.stored(DH, G1, 0, 10, 1);
        assert_eq!(
            b.check_store(DH, G1, "", 10),
            Err(SupervisorError::ImageAlreadyStored)
        );
        // The next generation may, into the slot not holding the kept one.
        assert_eq!(b.check_store(DH, G2, "", 10), Ok(1));
        b.stored(DH, G2, 1, 20, 2);
        assert_eq!(b.check_store(DH, G1, "", 10), Ok(0));
        assert_eq!(b.kept(DH).map(|k| (k.slot, k.from)), Some((1, G2)));
    }

    #[test]
    fn a_refused_or_unfinished_store_keeps_the_previous_image() {
        let mut b = ImageBook::default();
        b.stored(DH, G1, 0, 10, 1);
        // Checked but never recorded (the copy failed, the caller died).
        assert_eq!(b.check_store(DH, G2, "", 10), Ok(1));
        assert_eq!(b.kept(DH).map(|k| k.hash), Some(1));
        // Still allowed to try again: nothing was stored.
        assert_eq!(b.check_store(DH, G2, "", 10), Ok(1));
    }

    #[test]
    fn injected_generations_never_store_and_fetch_only_in_a_campaign() {
        let mut b = ImageBook::default();
        let inj = "mode=drivers jit-inject=ldfld-struct";
        assert_eq!(
            b.check_store(DH, G1, inj, 10),
            Err(SupervisorError::ImageInjected)
        );
        b.stored(DH, G2, 0, 10, 1);
        assert_eq!(b.check_fetch(DH, inj), Err(SupervisorError::ImageInjected));
        assert_eq!(
            b.check_store(DH, G1, "mode=drivers campaign=5", 10),
            Err(SupervisorError::ImageInjected)
        );
        assert!(b.check_fetch(DH, "mode=drivers campaign=5").is_ok());
        assert!(b.check_fetch(DH, "mode=drivers inject=wild-store").is_ok());
    }

    #[test]
    fn the_size_bound() {
        let b = ImageBook::default();
        assert_eq!(b.check_store(DH, G1, "", ipc::image::MAX_LEN), Ok(0));
        assert_eq!(
            b.check_store(DH, G1, "", ipc::image::MAX_LEN + 1),
            Err(SupervisorError::ImageTooLarge)
        );
        assert_eq!(
            b.check_store(DH, G1, "", u64::MAX),
            Err(SupervisorError::ImageTooLarge)
        );
        assert_eq!(
            b.check_store(DH, G1, "", 0),
            Err(SupervisorError::ImageUnavailable)
        );
    }
}
