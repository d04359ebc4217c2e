//! A method's EH clauses as both the compiler and the runtime's first pass
//! read them (docs/jit.md, "Exception handling"): which clauses an
//! exception raised at an IL offset tests, in which order, and which
//! clauses come after one that declined or ran. One definition, so the
//! dispatch blocks the compiler emits and the runtime's walk over the
//! frames agree on the order.

use alloc::vec::Vec;

use crate::types::TypeId;

/// What a clause does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClauseKind {
    /// `catch (T)`.
    Catch(TypeId),
    /// `catch when (...)`: the filter starts at this IL offset and ends
    /// where the handler starts.
    Filter(u32),
    /// `finally`.
    Finally,
    /// `fault`: a finally that only exceptions enter.
    Fault,
}

/// One EH clause: its kind and IL ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EhClause {
    /// What it does.
    pub kind: ClauseKind,
    /// First IL offset of the `try`.
    pub try_start: u32,
    /// IL offset after the `try`.
    pub try_end: u32,
    /// First IL offset of the handler.
    pub handler_start: u32,
    /// IL offset after the handler.
    pub handler_end: u32,
}

impl EhClause {
    /// Whether the `try` covers `off`.
    pub fn try_covers(&self, off: u32) -> bool {
        off >= self.try_start && off < self.try_end
    }

    /// Whether the handler covers `off`.
    pub fn handler_covers(&self, off: u32) -> bool {
        off >= self.handler_start && off < self.handler_end
    }

    /// Whether `off` is inside this clause's filter.
    pub fn filter_covers(&self, off: u32) -> bool {
        matches!(self.kind, ClauseKind::Filter(f) if off >= f && off < self.handler_start)
    }

    /// Whether this clause's `try` contains `other`'s.
    pub fn try_encloses(&self, other: &EhClause) -> bool {
        self.try_start <= other.try_start && other.try_end <= self.try_end
    }
}

/// The clauses an exception raised at `off` (outside any filter) tests, in
/// table order: innermost first (ECMA-335 II.19).
pub fn covering(clauses: &[EhClause], off: u32) -> Vec<usize> {
    (0..clauses.len())
        .filter(|&j| clauses[j].try_covers(off))
        .collect()
}

/// The clause whose filter contains `off`, if any.
pub fn in_filter(clauses: &[EhClause], off: u32) -> Option<usize> {
    clauses.iter().position(|c| c.filter_covers(off))
}

/// The clauses still to test after clause `k` declined (a catch that did
/// not match, a filter that said no) or ran (a finally/fault): those after
/// it whose `try` encloses its `try` (for properly nested clauses, exactly
/// the rest of the covering list that led to `k`).
pub fn after(clauses: &[EhClause], k: usize) -> Vec<usize> {
    let Some(c) = clauses.get(k) else {
        return Vec::new();
    };
    (k + 1..clauses.len())
        .filter(|&j| clauses[j].try_encloses(c))
        .collect()
}
