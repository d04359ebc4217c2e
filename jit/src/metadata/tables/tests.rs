//! Row sizes and index validation on hand-built tables streams.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "tests may panic on failure"
)]

use super::*;
use crate::metadata::coded_index::{HasCustomAttribute, TypeDefOrRef};

/// A `#~` stream with the given heap-size flags and row counts, followed by
/// `data` (or zeros up to `zero_fill` bytes).
fn stream(heap_sizes: u8, rows: &[(TableId, u32)], data: &[u8], zero_fill: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0, 2, 0, heap_sizes, 1];
    let valid = rows.iter().fold(0u64, |m, (t, _)| m | 1 << *t as u8);
    v.extend_from_slice(&valid.to_le_bytes());
    v.extend_from_slice(&0u64.to_le_bytes());
    let mut sorted: Vec<_> = rows.to_vec();
    sorted.sort();
    for (_, n) in &sorted {
        v.extend_from_slice(&n.to_le_bytes());
    }
    v.extend_from_slice(data);
    v.resize(v.len() + zero_fill, 0);
    v
}

#[test]
fn narrow_and_wide_columns() {
    let s = stream(
        0,
        &[
            (TableId::TypeDef, 1),
            (TableId::Field, 70_000),
            (TableId::MethodDef, 3),
        ],
        &[],
        16 + 70_000 * 6 + 3 * 14,
    );
    let t = Tables::parse(&s, false).unwrap();
    // Flags 4, name 2, namespace 2, extends 2, FieldList 4 (> 65535 rows), MethodList 2.
    assert_eq!(t.row_size(TableId::TypeDef), 16);
    assert_eq!(t.row_size(TableId::Field), 6);
    // RVA 4, flags 2+2, name 2, signature 2, ParamList 2.
    assert_eq!(t.row_size(TableId::MethodDef), 14);
    // One byte short of the last row.
    let short = &s[..s.len() - 1];
    assert!(matches!(
        Tables::parse(short, false),
        Err(MetadataError::Truncated { needed: 1, .. })
    ));

    let s = stream(0x07, &[(TableId::Module, 1)], &[], 18);
    let t = Tables::parse(&s, false).unwrap();
    // Generation 2, then 4-byte string and three 4-byte GUID indices.
    assert_eq!(t.row_size(TableId::Module), 18);
}

#[test]
fn coded_index_width_threshold() {
    // HasCustomAttribute has 5 tag bits: 2 bytes while every table it can
    // name has fewer than 2^11 rows.
    for (methods, parent_width) in [(2047u32, 2u32), (2048, 4)] {
        let s = stream(
            0,
            &[(TableId::MethodDef, methods), (TableId::CustomAttribute, 1)],
            &[],
            methods as usize * 14 + 8,
        );
        let t = Tables::parse(&s, false).unwrap();
        assert_eq!(
            t.column_width(Column::Coded(CodedIndexKind::HasCustomAttribute)),
            parent_width
        );
        // Parent + CustomAttributeType (3 bits: 2 bytes below 8192) + blob.
        assert_eq!(t.row_size(TableId::CustomAttribute), parent_width + 2 + 2);
    }
}

#[test]
fn rows_decode_and_indices_are_checked() {
    // Two TypeDefs, one InterfaceImpl row.
    let mut data = Vec::new();
    // TypeDef 1: flags, name 0, ns 0, extends TypeDef 2 ((2<<2)|0), fields 1, methods 1
    data.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1, 0, 1, 0]);
    // TypeDef 2: extends null, FieldList 1 (one past the empty Field table is fine)
    data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]);
    // InterfaceImpl: class 3 (only 2 TypeDefs!), interface TypeDef 1
    data.extend_from_slice(&[3, 0, 4, 0]);
    let s = stream(
        0,
        &[(TableId::TypeDef, 2), (TableId::InterfaceImpl, 1)],
        &data,
        0,
    );
    let t = Tables::parse(&s, false).unwrap();
    let first = t.get::<TypeDefRow>(1).unwrap();
    assert_eq!(first.flags, 1);
    assert_eq!(first.extends, Some(TypeDefOrRef::TypeDef(2)));
    assert_eq!(t.get::<TypeDefRow>(2).unwrap().extends, None);
    assert_eq!(
        t.get::<InterfaceImplRow>(1),
        Err(MetadataError::BadRowIndex {
            table: TableId::InterfaceImpl,
            row: 1,
            target: TableId::TypeDef,
            index: 3
        })
    );
    assert_eq!(
        t.get::<TypeDefRow>(3),
        Err(MetadataError::RowOutOfRange {
            table: TableId::TypeDef,
            row: 3,
            count: 2
        })
    );
    assert!(t.get::<TypeDefRow>(0).is_err());
    assert!(t.fields_of(1).unwrap().is_empty());
    let rows: Vec<_> = t.iter::<TypeDefRow>().map(|r| r.unwrap().0).collect();
    assert_eq!(rows, [1, 2]);
}

#[test]
fn coded_rows_point_at_existing_rows() {
    // A CustomAttribute whose parent is TypeDef 9 with no TypeDef table.
    let parent = (9u16 << 5) | 3;
    let mut data = parent.to_le_bytes().to_vec();
    data.extend_from_slice(&[(1 << 3) | 2, 0, 0, 0]);
    let s = stream(
        0,
        &[(TableId::MethodDef, 1), (TableId::CustomAttribute, 1)],
        &[],
        0,
    );
    let mut s = s;
    s.extend_from_slice(&[0; 14]);
    s.extend_from_slice(&data);
    let t = Tables::parse(&s, false).unwrap();
    assert_eq!(
        t.get::<CustomAttributeRow>(1),
        Err(MetadataError::BadRowIndex {
            table: TableId::CustomAttribute,
            row: 1,
            target: TableId::TypeDef,
            index: 9
        })
    );
    // The same row pointing at MethodDef 1 decodes.
    let idx = s.len() - 6;
    s[idx..idx + 2].copy_from_slice(&(1u16 << 5).to_le_bytes());
    let t = Tables::parse(&s, false).unwrap();
    assert_eq!(
        t.get::<CustomAttributeRow>(1).unwrap().parent,
        HasCustomAttribute::MethodDef(1)
    );
}

#[test]
fn unknown_tables_are_refused() {
    let mut s = stream(0, &[], &[], 0);
    s[8..16].copy_from_slice(&(1u64 << 0x2D).to_le_bytes());
    s.extend_from_slice(&1u32.to_le_bytes());
    assert_eq!(
        Tables::parse(&s, false).unwrap_err(),
        MetadataError::UnknownTable(0x2D)
    );
}

#[test]
fn every_table_has_a_schema() {
    for &t in TableId::ALL {
        assert!(!rows::columns(t).is_empty(), "{t:?}");
    }
    assert_eq!(TableId::ALL.len(), TABLE_COUNT);
    assert_eq!(
        TableId::from_u8(0x2C),
        Some(TableId::GenericParamConstraint)
    );
    assert_eq!(TableId::from_u8(0x2D), None);
}

#[test]
fn uncompressed_stream_follows_ptr_tables() {
    // `#-` layout: TypeDef 1 row, FieldPtr 2 rows (-> Field 2, Field 1), Field 2 rows.
    let mut data = Vec::new();
    // TypeDef: flags, name, ns, extends, FieldList 1 (a FieldPtr position), MethodList 1
    data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]);
    data.extend_from_slice(&[2, 0, 1, 0]); // FieldPtr rows
    data.extend_from_slice(&[0; 12]); // Field rows: flags, name, signature
    let s = stream(
        0,
        &[
            (TableId::TypeDef, 1),
            (TableId::FieldPtr, 2),
            (TableId::Field, 2),
        ],
        &data,
        0,
    );
    let t = Tables::parse(&s, true).unwrap();
    assert!(t.is_uncompressed());
    let fields: Vec<_> = t.fields_of(1).unwrap().map(|f| f.unwrap()).collect();
    assert_eq!(fields, [2, 1]);
    assert_eq!(t.declaring_type_of_field(1).unwrap(), Some(1));
    assert_eq!(t.declaring_type_of_field(2).unwrap(), Some(1));
    assert_eq!(t.declaring_type_of_field(3).unwrap(), None);
}
