//! The compiler's only view of the runtime it compiles for.
//!
//! The compiler never names the runtime: it translates a method against a
//! [`CompileEnv`], and the runtime implements it (`runtime/compile_env.rs`).
//! The arrow runs one way (runtime -> compiler); `jit/tests/jit_seam.rs`
//! fails if a compiler module reaches `crate::runtime` (docs/jit.md,
//! "Compiler and runtime"). Plain data both sides agree on (object layout,
//! helper ids, exception kinds, intrinsics) is in [`crate::abi`]; types,
//! fields, methods, signatures and layouts are the loader's
//! ([`crate::types`]), which the environment lends out.
//!
//! What an answer may cost: a query may make runtime data (a method table,
//! an indirection cell pointing at a lazy stub, an interned string), but it
//! never compiles another method: lazy compilation is the runtime's, behind
//! the cells.

use super::error::ErrorKind;
use super::options::JitOptions;
use crate::abi::{Helper, Intrinsic};
use crate::metadata::Token;
use crate::types::{AsmId, MethodId, TypeId, TypeSystem};

/// The inline allocation path for one object size: compiled code takes
/// `cell` bytes from the signed word at `budget` (going to the helper when
/// it would become negative), pops the free cell at the head of the list
/// whose head word is at `free_list` (going to the helper when it is
/// empty), clears the cell's second word (its link) and writes the method
/// table into its first. The rest of the cell is already zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocFast {
    /// Address of the free-list head word.
    pub free_list: usize,
    /// Bytes of a cell of that list.
    pub cell: u32,
    /// Address of the allocation budget (an `isize`).
    pub budget: usize,
}

/// The inline nursery allocation path (a generational runtime): compiled
/// code loads the bump pointer from the word at `bump` and the fragment
/// end from the word at `limit`; when `bump + record` does not pass the
/// end it stores the new bump pointer, writes `record` (the record's size
/// word) at the old one and the method table after it, and the object is
/// the old bump pointer plus 8. The fragment is already zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NurseryFast {
    /// Address of the bump-pointer word.
    pub bump: usize,
    /// Address of the fragment-end word.
    pub limit: usize,
    /// Bytes of the record (size word and object), a multiple of 8.
    pub record: u32,
}

/// The generational write barrier's inline filter: after a reference
/// store, when the stored value lies in the young region (`value - base <
/// len`, unsigned, `base` loaded from the word at `young_base`) and the
/// slot written does not, compiled code calls `remember(slot)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RememberBarrier {
    /// Address of the word holding the young region's first byte.
    pub young_base: usize,
    /// Bytes of the young region.
    pub young_len: u32,
    /// `extern "C" fn(slot)`: records an old slot that now refers to a
    /// young object. Never collects.
    pub remember: usize,
}

/// What the compiler asks of the runtime while it translates a method.
pub trait CompileEnv {
    /// The type system: type, field and method queries, signatures,
    /// layouts, token resolution.
    fn types(&self) -> &TypeSystem;

    /// The type system, for the queries that load or lay out types lazily.
    fn types_mut(&mut self) -> &mut TypeSystem;

    /// The options every method of this runtime is compiled with.
    fn options(&self) -> JitOptions;

    /// The absolute address of helper `h` (an `extern "C"` function).
    fn helper_addr(&self, h: Helper) -> usize;

    /// The address of the exception-in-flight word (a `usize`: the
    /// exception object, or 0) that code tests after calls that may throw.
    fn in_flight_addr(&self) -> usize;

    /// The write-barrier helper (`extern "C" fn(slot, value)`) called after
    /// every reference store, or `None` for no barrier call.
    fn write_barrier(&self) -> Option<usize>;

    /// The address of `m`'s indirection cell (a word holding the address
    /// to call), made on first use. What the cell points at (a lazy stub,
    /// compiled code, an InternalCall body) is the runtime's business.
    fn method_cell(&mut self, m: MethodId) -> Result<usize, ErrorKind>;

    /// The cell of value-type instance method `m` as reached through a box:
    /// its code moves `this` from the box to the payload, then goes on
    /// through `m`'s own cell (a delegate closed over a boxed struct).
    fn unboxing_cell(&mut self, m: MethodId) -> Result<usize, ErrorKind>;

    /// Whether the runtime has a body for InternalCall `m` (corlib's or
    /// one the embedder registered).
    fn has_internal_call(&self, m: MethodId) -> bool;

    /// The intrinsic InternalCall `m` is registered as, if any: the
    /// compiler expands it inline instead of calling.
    fn intrinsic(&self, m: MethodId) -> Option<Intrinsic>;

    /// The address of `t`'s method table (`crate::abi` `MT_*` layout), made
    /// on first use.
    fn method_table(&mut self, t: TypeId) -> Result<usize, ErrorKind>;

    /// The static-constructor state byte of `t` that code checks before a
    /// static access (0 = not run, 1 = running, 2 = done, 3 = threw), or
    /// `None` when the constructor has already run and no check is needed.
    fn cctor_state(&mut self, t: TypeId) -> Option<usize>;

    /// The inline allocation path for objects of `size` bytes, or `None`
    /// when every allocation of that size must call the helper.
    fn alloc_fast_path(&self, size: u32) -> Option<AllocFast>;

    /// The inline nursery allocation path for objects of `size` bytes
    /// (tried before [`Self::alloc_fast_path`]), or `None`.
    fn nursery_fast_path(&self, _size: u32) -> Option<NurseryFast> {
        None
    }

    /// The generational write barrier compiled inline after every
    /// reference store, or `None` when the runtime's collector needs none.
    fn remember_barrier(&self) -> Option<RememberBarrier> {
        None
    }

    /// The interned string object of user-string token `tok` in `asm`.
    fn string_literal(&mut self, asm: AsmId, tok: Token) -> Result<usize, ErrorKind>;

    /// Two zeroed words that live as long as the code (an interface call
    /// site's cache: the method table last seen and the cell it reached).
    /// They never hold object references.
    fn call_site_cache(&mut self) -> Result<usize, ErrorKind>;
}
