//! Errors of the loader and type system.

use crate::metadata::MetadataError;

use super::AsmId;

/// Why a type, field or method could not be loaded.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TypeError {
    /// The metadata reader refused the assembly.
    Metadata(MetadataError),
    /// A token named something the loader cannot find (`asm`, raw token).
    Unresolved {
        /// The assembly whose token it is.
        asm: AsmId,
        /// The raw token.
        token: u32,
    },
    /// An AssemblyRef names an assembly that is not loaded.
    MissingAssembly {
        /// The referring assembly.
        asm: AsmId,
        /// The AssemblyRef rid.
        assembly_ref: u32,
    },
    /// The corlib lacks a type the runtime needs (`System.<name>`).
    MissingCorlibType(&'static str),
    /// Generic types and methods are not supported yet.
    Generic,
    /// Multi-dimensional arrays, `TypedReference` and similar.
    UnsupportedType,
    /// A value type contains itself.
    RecursiveLayout,
    /// Layout overflowed `u32`.
    TooLarge,
    /// A second assembly with the same simple name.
    DuplicateAssembly,
}

impl From<MetadataError> for TypeError {
    fn from(e: MetadataError) -> Self {
        TypeError::Metadata(e)
    }
}

impl core::fmt::Display for TypeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TypeError::Metadata(e) => write!(f, "bad metadata: {e:?}"),
            TypeError::Unresolved { asm, token } => {
                write!(f, "unresolved token {token:#010x} in assembly {}", asm.0)
            }
            TypeError::MissingAssembly { asm, assembly_ref } => write!(
                f,
                "assembly {} references AssemblyRef {assembly_ref} which is not loaded",
                asm.0
            ),
            TypeError::MissingCorlibType(n) => write!(f, "corlib has no System.{n}"),
            TypeError::Generic => write!(f, "generics"),
            TypeError::UnsupportedType => write!(f, "unsupported type"),
            TypeError::RecursiveLayout => write!(f, "value type contains itself"),
            TypeError::TooLarge => write!(f, "type too large"),
            TypeError::DuplicateAssembly => write!(f, "assembly loaded twice"),
        }
    }
}
