//! The one error type of the metadata reader.
//!
//! Every malformed input ends in a [`MetadataError`] value; the reader has no
//! other failure path (no panics, no out-of-bounds reads). Variants carry the
//! offset or index that was wrong so a loader can print a useful diagnosis
//! ("bad index into table TypeDef row 12") rather than "bad assembly".

use core::fmt;

use super::coded_index::CodedIndexKind;
use super::tables::TableId;

/// Short alias used throughout the reader.
pub type Result<T> = core::result::Result<T, MetadataError>;

/// The part of an assembly a byte offset or a truncation refers to.
///
/// Offsets in errors are relative to the start of this region, which is the
/// frame of reference a person looking at a hex dump of that region needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// The whole PE file (offsets are file offsets).
    File,
    /// The CLI header (data directory 14).
    CliHeader,
    /// The metadata root and its stream headers.
    MetadataRoot,
    /// The `#~` / `#-` stream (header and row data).
    TablesStream,
    /// The `#Strings` heap.
    StringsHeap,
    /// The `#US` heap.
    UserStringsHeap,
    /// The `#Blob` heap.
    BlobHeap,
    /// The `#GUID` heap.
    GuidHeap,
    /// A signature blob (offsets are within the blob).
    Signature,
    /// A method body (offsets are from the method header).
    MethodBody,
    /// IL code bytes (offsets are IL offsets).
    Il,
}

/// The four metadata heaps, for [`MetadataError::HeapIndexOutOfRange`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heap {
    /// `#Strings`
    Strings,
    /// `#US`
    UserStrings,
    /// `#Blob`
    Blob,
    /// `#GUID`
    Guid,
}

/// Everything that can be wrong with an assembly, as the reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataError {
    /// Needed `needed` bytes at `offset` in `region`, but the region ends first.
    Truncated {
        /// Where the read was attempted.
        region: Region,
        /// Offset of the read within the region.
        offset: usize,
        /// Bytes the read needed.
        needed: usize,
    },
    /// A magic number or signature did not match (`MZ`, `PE\0\0`, `BSJB`, ...).
    BadMagic {
        /// Where the magic was expected.
        region: Region,
        /// What was found there (zero-extended).
        found: u32,
    },
    /// The PE optional header magic is neither PE32 (0x10b) nor PE32+ (0x20b).
    BadOptionalHeaderMagic(u16),
    /// The PE file has no CLI header (data directory 14 is empty): not a .NET assembly.
    NoCliHeader,
    /// An RVA (plus its length) does not lie inside the raw data of any section.
    RvaNotMapped {
        /// The relative virtual address.
        rva: u32,
        /// Bytes requested from that address.
        len: u32,
    },
    /// A required metadata stream is missing.
    MissingStream(StreamKind),
    /// A stream header points outside the metadata block.
    StreamOutOfRange {
        /// Which stream.
        stream: StreamKind,
        /// Its declared offset from the metadata root.
        offset: u32,
        /// Its declared size.
        size: u32,
    },
    /// The tables stream declares a table the reader does not know (id > 0x2C),
    /// so the layout of everything after it is unknown.
    UnknownTable(u8),
    /// An index into a heap is past the end of that heap.
    HeapIndexOutOfRange {
        /// Which heap.
        heap: Heap,
        /// The offending index.
        index: u32,
    },
    /// A `#Strings` entry is not valid UTF-8, or has no terminating nul.
    BadString {
        /// Offset of the string in the heap.
        index: u32,
    },
    /// A GUID index of zero where a GUID is required, or a misaligned heap.
    BadGuidIndex(u32),
    /// A row index column points past the end of its target table.
    BadRowIndex {
        /// The table holding the bad column.
        table: TableId,
        /// The row (1-based) holding the bad column.
        row: u32,
        /// The table the column points into.
        target: TableId,
        /// The offending index.
        index: u32,
    },
    /// A required (non-nullable) index column holds zero.
    NullIndex {
        /// The table holding the column.
        table: TableId,
        /// The row (1-based).
        row: u32,
    },
    /// A caller asked for a row that does not exist (rows are 1-based).
    RowOutOfRange {
        /// The table asked.
        table: TableId,
        /// The row asked for.
        row: u32,
        /// How many rows the table has.
        count: u32,
    },
    /// A coded index carries a tag value that names no table of its kind.
    BadCodedIndexTag {
        /// The coded index kind.
        kind: CodedIndexKind,
        /// The tag found.
        tag: u32,
    },
    /// A token names a table the operation does not accept.
    UnexpectedToken(u32),
    /// A compressed integer has an invalid first byte (`111xxxxx`).
    BadCompressedInt {
        /// Where it was read.
        region: Region,
        /// Offset within the region.
        offset: usize,
    },
    /// A signature contains a byte that is not valid at that position.
    BadSignatureByte {
        /// Offset within the signature blob.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// A signature nests types deeper than [`crate::metadata::signature::MAX_SIG_DEPTH`].
    SignatureTooDeep,
    /// A signature decoded completely but the blob has bytes left over.
    SignatureTrailingBytes {
        /// Offset of the first unused byte.
        offset: usize,
    },
    /// A method header whose first byte is neither a tiny nor a fat header.
    BadMethodHeader {
        /// RVA of the method body.
        rva: u32,
        /// The first header byte.
        byte: u8,
    },
    /// A method data section that is not an exception-handling table, or whose
    /// size does not match its clause count.
    BadMethodSection {
        /// Offset of the section header within the method body.
        offset: usize,
        /// The section kind byte.
        kind: u8,
    },
    /// An exception clause with an unknown kind in its flags.
    BadEhClauseKind(u32),
    /// An IL byte (or 0xFE-prefixed byte) that is not an opcode.
    BadOpcode {
        /// IL offset of the opcode.
        offset: u32,
        /// The opcode, with 0xFE00 added for two-byte opcodes.
        opcode: u16,
    },
    /// A branch whose target lies before IL offset 0 or beyond `u32::MAX`.
    BadBranchTarget {
        /// IL offset of the branch instruction.
        offset: u32,
    },
    /// A nesting chain (e.g. TypeRef scopes, nested classes) is cyclic or too long.
    ChainTooLong,
    /// Some size or offset computation overflowed: the input claims absurd sizes.
    Overflow,
}

/// Metadata streams, for errors that name one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    /// `#~` (or `#-`)
    Tables,
    /// `#Strings`
    Strings,
    /// `#US`
    UserStrings,
    /// `#Blob`
    Blob,
    /// `#GUID`
    Guid,
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MetadataError as E;
        match self {
            E::Truncated {
                region,
                offset,
                needed,
            } => write!(
                f,
                "{region:?} truncated: need {needed} bytes at offset {offset:#x}"
            ),
            E::BadMagic { region, found } => write!(f, "bad magic {found:#x} in {region:?}"),
            E::BadOptionalHeaderMagic(m) => write!(f, "bad PE optional header magic {m:#x}"),
            E::NoCliHeader => write!(f, "not a CLI assembly: no CLI header"),
            E::RvaNotMapped { rva, len } => {
                write!(f, "RVA {rva:#x} (+{len:#x}) is not inside any section")
            }
            E::MissingStream(s) => write!(f, "missing metadata stream {s:?}"),
            E::StreamOutOfRange {
                stream,
                offset,
                size,
            } => write!(
                f,
                "stream {stream:?} at {offset:#x} size {size:#x} exceeds the metadata"
            ),
            E::UnknownTable(t) => write!(f, "unknown metadata table {t:#x}"),
            E::HeapIndexOutOfRange { heap, index } => {
                write!(f, "index {index:#x} out of range for heap {heap:?}")
            }
            E::BadString { index } => write!(f, "bad #Strings entry at {index:#x}"),
            E::BadGuidIndex(i) => write!(f, "bad #GUID index {i}"),
            E::BadRowIndex {
                table,
                row,
                target,
                index,
            } => write!(
                f,
                "bad index {index} into table {target:?} in table {table:?} row {row}"
            ),
            E::NullIndex { table, row } => {
                write!(
                    f,
                    "null index in a required column of table {table:?} row {row}"
                )
            }
            E::RowOutOfRange { table, row, count } => {
                write!(
                    f,
                    "row {row} requested from table {table:?} with {count} rows"
                )
            }
            E::BadCodedIndexTag { kind, tag } => {
                write!(f, "bad tag {tag} for coded index {kind:?}")
            }
            E::UnexpectedToken(t) => write!(f, "unexpected token {t:#010x}"),
            E::BadCompressedInt { region, offset } => {
                write!(f, "bad compressed integer in {region:?} at {offset:#x}")
            }
            E::BadSignatureByte { offset, byte } => {
                write!(f, "bad signature byte {byte:#04x} at offset {offset}")
            }
            E::SignatureTooDeep => write!(f, "signature nested too deeply"),
            E::SignatureTrailingBytes { offset } => {
                write!(f, "signature has trailing bytes from offset {offset}")
            }
            E::BadMethodHeader { rva, byte } => {
                write!(f, "bad method header byte {byte:#04x} at RVA {rva:#x}")
            }
            E::BadMethodSection { offset, kind } => {
                write!(
                    f,
                    "bad method data section kind {kind:#04x} at offset {offset:#x}"
                )
            }
            E::BadEhClauseKind(k) => write!(f, "bad exception clause kind {k:#x}"),
            E::BadOpcode { offset, opcode } => {
                write!(f, "bad opcode {opcode:#x} at IL offset {offset:#x}")
            }
            E::BadBranchTarget { offset } => {
                write!(f, "branch at IL_{offset:04x} targets outside u32")
            }
            E::ChainTooLong => write!(f, "cyclic or over-long nesting chain"),
            E::Overflow => write!(f, "size computation overflowed"),
        }
    }
}

impl core::error::Error for MetadataError {}
