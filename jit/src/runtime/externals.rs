//! InternalCalls the embedder provides: the driver host binds the managed
//! DDK's rarer device operations (configuration space, DMA allocation,
//! interrupt waits) to Rust functions of its own. The compiler treats a
//! registered method like the corlib's built-in InternalCalls: its cell
//! points straight at the function, called with the System V convention
//! (`[this][params...]`, structs by reference, as in `docs/jit.md`).

use alloc::string::String;
use alloc::vec::Vec;

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
/// body is first called or compiled against.
#[derive(Clone, Debug, Default)]
pub struct Externals {
    list: Vec<ExternalCall>,
}

impl Externals {
    /// Registers (or replaces) the body of `namespace.type_name::method`.
    /// Every overload of that name gets the same body, so register only
    /// names that are not overloaded.
    pub fn register(&mut self, namespace: &str, type_name: &str, method: &str, addr: usize) {
        self.list
            .retain(|c| !(c.namespace == namespace && c.type_name == type_name && c.method == method));
        self.list.push(ExternalCall {
            namespace: namespace.into(),
            type_name: type_name.into(),
            method: method.into(),
            addr,
        });
    }

    /// The body registered for a method, if any.
    pub fn find(&self, namespace: &str, type_name: &str, method: &str) -> Option<usize> {
        self.list
            .iter()
            .find(|c| c.namespace == namespace && c.type_name == type_name && c.method == method)
            .map(|c| c.addr)
    }

    /// How many are registered.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none is registered.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}
