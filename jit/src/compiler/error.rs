//! Typed compile errors: what went wrong, in which method, at which IL offset.

use crate::codemem::CodeMemoryError;
use crate::metadata::{MetadataError, Opcode};
use crate::types::{MethodId, TypeError};

/// What the compiler could not do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An opcode the JIT does not compile (yet).
    UnsupportedOpcode(Opcode),
    /// A malformed exception-handling clause, or `rethrow`/`endfilter`/
    /// `endfinally` outside the handler it belongs in.
    BadHandler,
    /// An InternalCall the runtime does not implement.
    UnsupportedInternalCall,
    /// A call shape not supported (delegates, varargs, multi-dim arrays...).
    UnsupportedCall,
    /// A method with no body was called directly.
    NoBody,
    /// Loading a type, field or method failed (incl. generics).
    Type(TypeError),
    /// The IL is malformed.
    Metadata(MetadataError),
    /// Too few operands on the evaluation stack.
    StackUnderflow,
    /// An operand has a stack type the instruction does not accept.
    BadStackType,
    /// The method's stack frame would exceed the JIT's limit (huge structs).
    FrameTooLarge,
    /// The evaluation stack grew past the method header's MaxStack.
    StackOverflow,
    /// Two paths reach a branch target with different stacks.
    StackMismatch,
    /// A local or argument index out of range.
    BadVariable,
    /// A branch into the middle of an instruction.
    BadBranchTarget,
    /// A token that names the wrong kind of member for its instruction.
    BadToken,
    /// Cranelift rejected the function.
    Codegen,
    /// Executable memory could not be provided.
    CodeMemory(CodeMemoryError),
    /// The compiler was entered while compiling.
    Reentrant,
}

/// A compile error with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    /// The method being compiled (`u32::MAX` when the runtime itself failed).
    pub method: MethodId,
    /// IL offset of the instruction (0 for whole-method problems).
    pub il_offset: u32,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl ErrorKind {
    /// Whether the IL may be valid but uses something the JIT does not
    /// compile yet (raised as `NotSupportedException`); otherwise the IL
    /// or the runtime is at fault (`InvalidProgramException`).
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            ErrorKind::UnsupportedOpcode(_)
                | ErrorKind::UnsupportedInternalCall
                | ErrorKind::UnsupportedCall
                | ErrorKind::Type(TypeError::Generic)
        )
    }
}

impl CompileError {
    /// An error not tied to an instruction.
    pub fn runtime(method: MethodId, kind: ErrorKind) -> Self {
        Self {
            method,
            il_offset: 0,
            kind,
        }
    }
}

impl From<TypeError> for ErrorKind {
    fn from(e: TypeError) -> Self {
        ErrorKind::Type(e)
    }
}

impl From<MetadataError> for ErrorKind {
    fn from(e: MetadataError) -> Self {
        ErrorKind::Metadata(e)
    }
}

impl core::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ErrorKind::UnsupportedOpcode(op) => write!(f, "opcode {}", op.mnemonic()),
            ErrorKind::BadHandler => write!(f, "malformed exception handler"),
            ErrorKind::UnsupportedInternalCall => write!(f, "internal call without runtime body"),
            ErrorKind::UnsupportedCall => write!(f, "call shape (delegate/vararg/multi-dim array)"),
            ErrorKind::NoBody => write!(f, "direct call of a method without body"),
            ErrorKind::Type(TypeError::Generic) => write!(f, "generics"),
            ErrorKind::Type(e) => write!(f, "{e}"),
            ErrorKind::Metadata(e) => write!(f, "bad IL: {e:?}"),
            ErrorKind::StackUnderflow => write!(f, "evaluation stack underflow"),
            ErrorKind::BadStackType => write!(f, "operand of the wrong stack type"),
            ErrorKind::FrameTooLarge => write!(f, "stack frame too large"),
            ErrorKind::StackOverflow => write!(f, "evaluation stack deeper than MaxStack"),
            ErrorKind::StackMismatch => write!(f, "stack shapes differ at a join"),
            ErrorKind::BadVariable => write!(f, "bad local/argument index"),
            ErrorKind::BadBranchTarget => write!(f, "branch into an instruction"),
            ErrorKind::BadToken => write!(f, "token of the wrong kind for the instruction"),
            ErrorKind::Codegen => write!(f, "code generator error"),
            ErrorKind::CodeMemory(e) => write!(f, "code memory: {e:?}"),
            ErrorKind::Reentrant => write!(f, "compiler re-entered"),
        }
    }
}
