//! The metadata tables stream `#~` / `#-` (ECMA-335 II.24.2.6, II.22).
//!
//! [`Tables`] parses the stream header, computes every table's row size from
//! the heap-size flags and row counts, and hands out typed rows
//! ([`rows`]) by 1-based row number. Row decoding checks every index column
//! against its target table, so a decoded row only holds indices that exist
//! (heap indices are checked when the heap is read).

mod lists;
pub mod rows;

use core::marker::PhantomData;

pub use lists::{MemberList, TypeDefLists};
pub use rows::*;

use super::coded_index::{CodedIndex, CodedIndexKind};
use super::cursor::Cursor;
use super::error::{MetadataError, Region, Result};
use super::heaps::{BlobIndex, GuidIndex, StringIndex};
use super::pe::to_usize;

macro_rules! table_ids {
    ($( $name:ident = $value:literal, )+) => {
        /// The metadata tables, numbered as in ECMA-335 II.22.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum TableId {
            $(
                #[doc = concat!("Table ", stringify!($value), ".")]
                $name = $value,
            )+
        }

        impl TableId {
            /// Every table, in numeric order.
            pub const ALL: &'static [TableId] = &[ $( TableId::$name ),+ ];

            /// The table with number `v`, if it is one of II.22's.
            pub const fn from_u8(v: u8) -> Option<Self> {
                match v {
                    $( $value => Some(Self::$name), )+
                    _ => None,
                }
            }
        }
    };
}

table_ids! {
    Module = 0x00, TypeRef = 0x01, TypeDef = 0x02, FieldPtr = 0x03, Field = 0x04,
    MethodPtr = 0x05, MethodDef = 0x06, ParamPtr = 0x07, Param = 0x08, InterfaceImpl = 0x09,
    MemberRef = 0x0A, Constant = 0x0B, CustomAttribute = 0x0C, FieldMarshal = 0x0D,
    DeclSecurity = 0x0E, ClassLayout = 0x0F, FieldLayout = 0x10, StandAloneSig = 0x11,
    EventMap = 0x12, EventPtr = 0x13, Event = 0x14, PropertyMap = 0x15, PropertyPtr = 0x16,
    Property = 0x17, MethodSemantics = 0x18, MethodImpl = 0x19, ModuleRef = 0x1A,
    TypeSpec = 0x1B, ImplMap = 0x1C, FieldRva = 0x1D, EncLog = 0x1E, EncMap = 0x1F,
    Assembly = 0x20, AssemblyProcessor = 0x21, AssemblyOs = 0x22, AssemblyRef = 0x23,
    AssemblyRefProcessor = 0x24, AssemblyRefOs = 0x25, File = 0x26, ExportedType = 0x27,
    ManifestResource = 0x28, NestedClass = 0x29, GenericParam = 0x2A, MethodSpec = 0x2B,
    GenericParamConstraint = 0x2C,
}

/// Number of table slots the reader tracks (0x00..=0x2C).
pub const TABLE_COUNT: usize = 0x2D;

impl TableId {
    /// Position of this table in per-table arrays.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// One column of a table schema; determines the column's width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// A 1-byte constant.
    U8,
    /// A 2-byte constant.
    U16,
    /// A 4-byte constant.
    U32,
    /// A `#Strings` index.
    String,
    /// A `#GUID` index.
    Guid,
    /// A `#Blob` index.
    Blob,
    /// A simple index into a table.
    Table(TableId),
    /// A coded index.
    Coded(CodedIndexKind),
}

/// A typed table row. Implemented by every struct in [`rows`].
pub trait Row: Sized {
    /// The table the row type belongs to.
    const TABLE: TableId;
    /// The table's columns, in order.
    const COLUMNS: &'static [Column];
    /// Decode one row. Called by [`Tables::get`]; not meant to be called directly.
    fn read(r: &mut RowReader<'_, '_>) -> Result<Self>;
}

/// The parsed tables stream.
#[derive(Clone, Debug)]
pub struct Tables<'a> {
    data: &'a [u8],
    major_version: u8,
    minor_version: u8,
    heap_sizes: u8,
    sorted: u64,
    uncompressed: bool,
    rows: [u32; TABLE_COUNT],
    row_sizes: [u32; TABLE_COUNT],
    offsets: [usize; TABLE_COUNT],
}

impl<'a> Tables<'a> {
    /// Parse the tables stream header and lay out the tables.
    ///
    /// `uncompressed` is true for a `#-` stream.
    pub fn parse(data: &'a [u8], uncompressed: bool) -> Result<Self> {
        let mut c = Cursor::new(data, Region::TablesStream);
        let _reserved = c.u32()?;
        let major_version = c.u8()?;
        let minor_version = c.u8()?;
        let heap_sizes = c.u8()?;
        let _reserved2 = c.u8()?;
        let valid = c.u64()?;
        let sorted = c.u64()?;
        let mut rows = [0u32; TABLE_COUNT];
        for bit in 0u8..64 {
            if valid & (1u64 << bit) == 0 {
                continue;
            }
            let count = c.u32()?;
            // A table we cannot size makes every later table unlocatable.
            let table = TableId::from_u8(bit).ok_or(MetadataError::UnknownTable(bit))?;
            if let Some(slot) = rows.get_mut(table.index()) {
                *slot = count;
            }
        }
        // `#-` streams written by edit-and-continue carry 4 extra bytes.
        if heap_sizes & 0x40 != 0 {
            c.skip(4)?;
        }
        let mut tables = Self {
            data,
            major_version,
            minor_version,
            heap_sizes,
            sorted,
            uncompressed,
            rows,
            row_sizes: [0; TABLE_COUNT],
            offsets: [0; TABLE_COUNT],
        };
        let mut offset = c.pos();
        for &t in TableId::ALL {
            let size = tables.row_size_of(rows::columns(t));
            let count = tables.row_count(t);
            let bytes = size.checked_mul(count).ok_or(MetadataError::Overflow)?;
            if let Some(s) = tables.row_sizes.get_mut(t.index()) {
                *s = size;
            }
            if let Some(o) = tables.offsets.get_mut(t.index()) {
                *o = offset;
            }
            offset = offset
                .checked_add(to_usize(bytes))
                .ok_or(MetadataError::Overflow)?;
        }
        if offset > data.len() {
            return Err(MetadataError::Truncated {
                region: Region::TablesStream,
                offset: data.len(),
                needed: offset.saturating_sub(data.len()),
            });
        }
        Ok(tables)
    }

    fn row_size_of(&self, columns: &[Column]) -> u32 {
        columns.iter().map(|&c| self.column_width(c)).sum()
    }

    /// Width in bytes of a column under this stream's heap sizes and row counts.
    pub fn column_width(&self, column: Column) -> u32 {
        let wide = |w: bool| if w { 4 } else { 2 };
        match column {
            Column::U8 => 1,
            Column::U16 => 2,
            Column::U32 => 4,
            Column::String => wide(self.heap_sizes & 0x01 != 0),
            Column::Guid => wide(self.heap_sizes & 0x02 != 0),
            Column::Blob => wide(self.heap_sizes & 0x04 != 0),
            Column::Table(t) => wide(self.row_count(t) > 0xFFFF),
            Column::Coded(kind) => {
                let max = kind
                    .tables()
                    .iter()
                    .map(|&t| self.row_count(t))
                    .max()
                    .unwrap_or(0);
                // 2 bytes suffice while the rid fits in the bits the tag leaves.
                let limit = 1u64.checked_shl(16u32.saturating_sub(kind.tag_bits()));
                wide(limit.is_none_or(|l| u64::from(max) >= l))
            }
        }
    }

    /// Number of rows in `table`.
    pub fn row_count(&self, table: TableId) -> u32 {
        self.rows.get(table.index()).copied().unwrap_or(0)
    }

    /// Size in bytes of one row of `table`.
    pub fn row_size(&self, table: TableId) -> u32 {
        self.row_sizes.get(table.index()).copied().unwrap_or(0)
    }

    /// Whether the header's `Sorted` bit is set for `table`.
    pub fn is_sorted(&self, table: TableId) -> bool {
        self.sorted & (1u64 << table.index()) != 0
    }

    /// Whether this is the uncompressed `#-` form.
    pub fn is_uncompressed(&self) -> bool {
        self.uncompressed
    }

    /// Stream format version (major, minor), 2.0 for current assemblies.
    pub fn version(&self) -> (u8, u8) {
        (self.major_version, self.minor_version)
    }

    /// The raw bytes of one row.
    pub fn raw_row(&self, table: TableId, rid: u32) -> Result<&'a [u8]> {
        let count = self.row_count(table);
        let out_of_range = MetadataError::RowOutOfRange {
            table,
            row: rid,
            count,
        };
        let zero_based = rid
            .checked_sub(1)
            .filter(|&r| r < count)
            .ok_or(out_of_range)?;
        let size = self.row_size(table);
        let start = self
            .offsets
            .get(table.index())
            .copied()
            .ok_or(MetadataError::Overflow)?
            .checked_add(to_usize(
                zero_based
                    .checked_mul(size)
                    .ok_or(MetadataError::Overflow)?,
            ))
            .ok_or(MetadataError::Overflow)?;
        let end = start
            .checked_add(to_usize(size))
            .ok_or(MetadataError::Overflow)?;
        self.data.get(start..end).ok_or(MetadataError::Truncated {
            region: Region::TablesStream,
            offset: start,
            needed: to_usize(size),
        })
    }

    /// Decode row `rid` (1-based) of `R`'s table.
    pub fn get<R: Row>(&self, rid: u32) -> Result<R> {
        let bytes = self.raw_row(R::TABLE, rid)?;
        let mut r = RowReader {
            tables: self,
            cursor: Cursor::new(bytes, Region::TablesStream),
            table: R::TABLE,
            rid,
        };
        // Schema (`COLUMNS`) and decoder (`read`) are generated by one macro
        // from one field list, so the decoder consumes exactly `row_size` bytes.
        R::read(&mut r)
    }

    /// Iterate over all rows of `R`'s table as `(rid, row)`.
    pub fn iter<R: Row>(&self) -> RowIter<'_, 'a, R> {
        RowIter {
            tables: self,
            next: 1,
            end: self.row_count(R::TABLE),
            _row: PhantomData,
        }
    }
}

/// Iterator over the rows of one table; see [`Tables::iter`].
#[derive(Clone, Debug)]
pub struct RowIter<'t, 'a, R> {
    tables: &'t Tables<'a>,
    next: u32,
    end: u32,
    _row: PhantomData<fn() -> R>,
}

impl<R: Row> Iterator for RowIter<'_, '_, R> {
    type Item = Result<(u32, R)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next > self.end {
            return None;
        }
        let rid = self.next;
        self.next = self.next.checked_add(1)?;
        Some(self.tables.get::<R>(rid).map(|r| (rid, r)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = to_usize(self.end.saturating_add(1).saturating_sub(self.next));
        (n, Some(n))
    }
}

/// Column-by-column decoder of one row, handed to [`Row::read`].
pub struct RowReader<'t, 'a> {
    tables: &'t Tables<'a>,
    cursor: Cursor<'a>,
    table: TableId,
    rid: u32,
}

impl RowReader<'_, '_> {
    fn wide(&self, column: Column) -> bool {
        self.tables.column_width(column) == 4
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.cursor.u8()
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        self.cursor.u16()
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.cursor.u32()
    }

    pub(crate) fn string(&mut self) -> Result<StringIndex> {
        let wide = self.wide(Column::String);
        self.cursor.index(wide).map(StringIndex)
    }

    pub(crate) fn guid(&mut self) -> Result<GuidIndex> {
        let wide = self.wide(Column::Guid);
        self.cursor.index(wide).map(GuidIndex)
    }

    pub(crate) fn blob(&mut self) -> Result<BlobIndex> {
        let wide = self.wide(Column::Blob);
        self.cursor.index(wide).map(BlobIndex)
    }

    fn bad_index(&self, target: TableId, index: u32) -> MetadataError {
        MetadataError::BadRowIndex {
            table: self.table,
            row: self.rid,
            target,
            index,
        }
    }

    /// A required simple index: 1..=row count of `target`.
    pub(crate) fn index(&mut self, target: TableId) -> Result<u32> {
        let wide = self.wide(Column::Table(target));
        let v = self.cursor.index(wide)?;
        if v == 0 || v > self.tables.row_count(target) {
            return Err(self.bad_index(target, v));
        }
        Ok(v)
    }

    /// The start of a run of rows (`FieldList`, `MethodList`, ...): may be
    /// one past the last row when the run is empty.
    pub(crate) fn list(&mut self, target: TableId) -> Result<u32> {
        let wide = self.wide(Column::Table(target));
        let v = self.cursor.index(wide)?;
        if v > self.tables.row_count(target).saturating_add(1) {
            return Err(self.bad_index(target, v));
        }
        Ok(v)
    }

    /// A nullable coded index.
    pub(crate) fn coded_opt<C: CodedIndex>(&mut self) -> Result<Option<C>> {
        let wide = self.wide(Column::Coded(C::KIND));
        let raw = self.cursor.index(wide)?;
        let decoded = C::decode(raw)?;
        if let Some(c) = decoded
            && c.rid() > self.tables.row_count(c.table())
        {
            return Err(self.bad_index(c.table(), c.rid()));
        }
        Ok(decoded)
    }

    /// A required coded index.
    pub(crate) fn coded<C: CodedIndex>(&mut self) -> Result<C> {
        self.coded_opt()?.ok_or(MetadataError::NullIndex {
            table: self.table,
            row: self.rid,
        })
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
