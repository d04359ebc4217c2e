//! Code images: the machine code a runtime compiled, kept so that a later
//! runtime over the same assemblies installs it instead of compiling again
//! (docs/driverhost.md, "Keeping compiled code across generations").
//!
//! An image names everything its code refers to symbolically (types,
//! methods and fields by assembly and metadata row, runtime words by
//! kind), never by one runtime's addresses or ids: the importing runtime
//! resolves each name in its own type system and patches the code's
//! relocations. The bytes are untrusted: every check fails with a typed
//! [`ImageError`] and leaves the runtime able to compile as usual.

/// Why an image was not exported or not imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Code images are not built yet.
    NotBuilt,
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

impl super::Runtime {
    /// The image of every method this runtime compiled so far that can be
    /// kept (not code compiled with an injection switch, nor code that
    /// depends on what managed code already ran).
    pub fn export_image(&self) -> Result<alloc::vec::Vec<u8>, ImageError> {
        Err(ImageError::NotBuilt)
    }

    /// Install the methods of `bytes`, an image exported by a runtime over
    /// the same assemblies, options and JIT; all or nothing. Call it after
    /// loading the assemblies and registering InternalCalls, before
    /// compiling.
    pub fn import_image(&mut self, bytes: &[u8]) -> Result<ImageStats, ImageError> {
        let _ = bytes;
        Err(ImageError::NotBuilt)
    }
}
