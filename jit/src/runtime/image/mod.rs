//! Code images: the machine code a runtime compiled, kept so that a later
//! runtime over the same assemblies installs it instead of compiling again
//! (docs/driverhost.md, "Keeping compiled code across generations").
//!
//! An image names everything its code refers to symbolically (types,
//! methods and fields by assembly and metadata row, runtime words by
//! kind: `compiler/symbols.rs`), never by one runtime's addresses or ids:
//! the importing runtime resolves each name in its own type system and
//! patches the code's relocations. The bytes are untrusted: every check
//! fails with a typed [`ImageError`], installs nothing, and leaves the
//! runtime able to compile as usual.
//!
//! Layout: a header (magic, [`fingerprint`], the content hash of every
//! loaded assembly), the key table (`keys.rs`), the methods (key, code,
//! symbols, relocations, IL map, EH clauses, filter frame, stack maps),
//! and a trailing hash of everything before it.

mod export;
mod import;
mod keys;
mod wire;

use alloc::vec::Vec;

use crate::abi::Helper;
use crate::compiler::symbols::{Reloc, Sym};
use crate::types::content_hash;

/// The first bytes of every image (version 2: stack maps list pinned
/// slots; nursery symbols).
const MAGIC: &[u8; 8] = b"CDNCODE\x02";

/// Why an image was not exported or not imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// The runtime compiles with a fault injection: its code is never
    /// kept, and it never takes kept code.
    Injected,
    /// The bytes end early (or a length runs past them).
    Truncated,
    /// Not an image (wrong magic) or an image of another format.
    BadMagic,
    /// The trailing hash does not match the bytes.
    Corrupt,
    /// Made by a JIT or with options other than this runtime's.
    Fingerprint,
    /// Made over other assemblies (or another number of them).
    Assemblies,
    /// A value that cannot be what the image claims (a bad tag, an index
    /// out of range, a relocation outside its code).
    Malformed,
    /// A type, method or field key names nothing in the loaded metadata.
    Key,
    /// A symbol this runtime cannot provide (e.g. no write barrier, no
    /// inline allocation path for a size).
    Symbol,
    /// Something the code refers to has no key (a type made by no
    /// assembly row): the method is left out of the export.
    Unkeyable,
    /// The code memory refused the code.
    CodeMemory,
    /// An imported method is already compiled in this runtime.
    AlreadyCompiled,
}

/// What an import installed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageStats {
    /// Methods installed from the image.
    pub methods: u32,
    /// Bytes of machine code installed.
    pub code_bytes: u64,
    /// Relocations patched.
    pub relocs: u32,
}

/// What the runtime keeps of each compiled method besides its code range,
/// to export it: the code's symbols and relocations.
#[derive(Clone, Debug)]
pub(super) struct Part {
    /// The machine code as compiled, with every relocated word zero (so
    /// that two runtimes that compiled the same code keep the same bytes).
    pub code: Vec<u8>,
    pub syms: Vec<(Sym, usize)>,
    pub relocs: Vec<Reloc>,
    pub il_len: u32,
    pub intrinsics: u32,
}

/// `code` with the words `relocs` patch set to zero.
pub(super) fn unpatched(code: &[u8], relocs: &[Reloc]) -> Vec<u8> {
    let mut c = code.to_vec();
    for r in relocs {
        let at = r.offset as usize;
        if let Some(w) = c.get_mut(at..at.saturating_add(8)) {
            w.fill(0);
        }
    }
    c
}

/// What code compiled by this build with these settings depends on
/// besides the assemblies: the JIT's version and image format, whether
/// every allocation calls the helper (GC stress), whether reference
/// stores call a barrier, the nursery's size (0: not generational; the
/// inline nursery path and the generational barrier, whose filter embeds
/// the size, depend on it), and which intrinsics the embedder registered
/// (the driver host's `intrinsics=off` compiles DDK calls as calls). Two runtimes with equal fingerprints over
/// equal assemblies compile every method to the same code.
fn fingerprint(rt: &super::Runtime) -> u64 {
    let mut s = Vec::new();
    s.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    s.extend_from_slice(MAGIC);
    s.push(u8::from(rt.gc.stress));
    s.push(u8::from(rt.barrier.is_some()));
    s.extend_from_slice(&(rt.gc.nursery_size() as u64).to_le_bytes());
    s.extend_from_slice(&(Helper::ALL.len() as u64).to_le_bytes());
    s.extend_from_slice(&rt.externals.intrinsics_fingerprint().to_le_bytes());
    content_hash(&s)
}

impl super::Runtime {
    /// The image of every method this runtime compiled so far that can be
    /// kept: none when it compiles with a fault injection, and never code
    /// that depends on what managed code already ran (a static
    /// constructor check left out) or on a type no key names.
    pub fn export_image(&self) -> Result<Vec<u8>, ImageError> {
        if self.options.inject != Default::default() {
            return Err(ImageError::Injected);
        }
        export::write(self)
    }

    /// Install the methods of `bytes`, an image exported by a runtime over
    /// the same assemblies, options and JIT; all or nothing. Call it after
    /// loading the assemblies and registering InternalCalls, before
    /// compiling: each method's cell then leads to the installed code, and
    /// the code listener hears of every method as if it were compiled.
    pub fn import_image(&mut self, bytes: &[u8]) -> Result<ImageStats, ImageError> {
        if self.options.inject != Default::default() {
            return Err(ImageError::Injected);
        }
        import::read(self, bytes)
    }
}
