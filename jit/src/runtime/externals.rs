//! InternalCalls the embedder provides: the driver host binds the managed
//! DDK's rarer device operations (configuration space, DMA allocation,
//! interrupt waits) to Rust functions of its own. The compiler treats a
//! registered method like the corlib's built-in InternalCalls: its cell
//! points straight at the function, called with the System V convention
//! (`[this][params...]`, structs by reference, as in `docs/jit.md`).

use alloc::string::String;
use alloc::vec::Vec;

pub use crate::abi::Intrinsic;

/// One registered InternalCall: `Namespace.Type::Method` -> function address.
#[derive(Clone, Debug)]
pub struct ExternalCall {
    /// The declaring type's namespace.
    pub namespace: String,
    /// The declaring type's name.
    pub type_name: String,
    /// The method's name.
    pub method: String,
    /// The `extern "C"` function compiled code calls.
    pub addr: usize,
}

/// The embedder's InternalCalls, looked up by name when a method without a
/// body is first called or compiled against, and its intrinsics.
#[derive(Clone, Debug, Default)]
pub struct Externals {
    list: Vec<ExternalCall>,
    intrinsics: Vec<(String, String, String, Intrinsic)>,
}

impl Externals {
    /// Registers (or replaces) the body of `namespace.type_name::method`.
    /// Every overload of that name gets the same body, so register only
    /// names that are not overloaded.
    pub fn register(&mut self, namespace: &str, type_name: &str, method: &str, addr: usize) {
        self.list.retain(|c| {
            !(c.namespace == namespace && c.type_name == type_name && c.method == method)
        });
        self.list.push(ExternalCall {
            namespace: namespace.into(),
            type_name: type_name.into(),
            method: method.into(),
            addr,
        });
    }

    /// Makes calls of `namespace.type_name::method` (a static method) expand
    /// to `k` inline. Register a callable body too ([`Self::register`]):
    /// a call the compiler does not see (a delegate, later) still needs one.
    pub fn register_intrinsic(
        &mut self,
        namespace: &str,
        type_name: &str,
        method: &str,
        k: Intrinsic,
    ) {
        self.intrinsics
            .retain(|c| !(c.0 == namespace && c.1 == type_name && c.2 == method));
        self.intrinsics
            .push((namespace.into(), type_name.into(), method.into(), k));
    }

    /// The intrinsic registered for a method, if any.
    pub fn intrinsic(&self, namespace: &str, type_name: &str, method: &str) -> Option<Intrinsic> {
        self.intrinsics
            .iter()
            .find(|c| c.0 == namespace && c.1 == type_name && c.2 == method)
            .map(|c| c.3)
    }

    /// The body registered for a method, if any.
    pub fn find(&self, namespace: &str, type_name: &str, method: &str) -> Option<usize> {
        self.list
            .iter()
            .find(|c| c.namespace == namespace && c.type_name == type_name && c.method == method)
            .map(|c| c.addr)
    }

    /// A hash of the intrinsics registered (names and kinds; order does
    /// not matter): compiled code expands them inline, so code compiled
    /// with other intrinsics is other code. Plain bodies do not change
    /// the code (a cell leads to them; a code image checks that each one
    /// its code calls exists, `runtime/image`).
    pub fn intrinsics_fingerprint(&self) -> u64 {
        let mut names: Vec<String> = self
            .intrinsics
            .iter()
            .map(|c| alloc::format!("{}.{}::{}={:?}", c.0, c.1, c.2, c.3))
            .collect();
        names.sort();
        crate::types::content_hash(names.join("\n").as_bytes())
    }

    /// How many are registered.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none is registered.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.intrinsics.is_empty()
    }
}
