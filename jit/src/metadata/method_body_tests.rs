//! Hand-built method bodies: tiny and fat headers, small and fat EH sections.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests may panic on failure"
)]

use super::*;

#[test]
fn tiny_header() {
    // 3 bytes of code: ldc.i4.1; ldc.i4.2; ret  => header (3 << 2) | 2
    let body = MethodBody::parse(&[0x0E, 0x17, 0x18, 0x2A, 0xFF], 0x2050).unwrap();
    assert!(!body.is_fat);
    assert_eq!(body.max_stack, 8);
    assert_eq!(body.code, &[0x17, 0x18, 0x2A]);
    assert_eq!(body.local_var_sig, None);
    assert!(body.exception_clauses.is_empty());
    // Code runs past the end.
    assert!(matches!(
        MethodBody::parse(&[0x0E, 0x17], 0),
        Err(MetadataError::Truncated { .. })
    ));
    // Neither tiny nor fat.
    assert_eq!(
        MethodBody::parse(&[0x01, 0x00], 0x2000),
        Err(MetadataError::BadMethodHeader {
            rva: 0x2000,
            byte: 0x01
        })
    );
}

fn fat_header(flags: u16, max_stack: u16, code: &[u8], locals: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&(0x3000 | flags | 0x3).to_le_bytes());
    v.extend_from_slice(&max_stack.to_le_bytes());
    v.extend_from_slice(&(code.len() as u32).to_le_bytes());
    v.extend_from_slice(&locals.to_le_bytes());
    v.extend_from_slice(code);
    v
}

#[test]
fn fat_header_without_sections() {
    let v = fat_header(0x10, 5, &[0x00, 0x2A], 0x1100_0003);
    let body = MethodBody::parse(&v, 0x2000).unwrap();
    assert!(body.is_fat && body.init_locals);
    assert_eq!(body.max_stack, 5);
    assert_eq!(body.code, &[0x00, 0x2A]);
    assert_eq!(body.local_var_sig, Some(Token::from_raw(0x1100_0003)));
    // Header size field below 3 dwords.
    let mut bad = v.clone();
    bad[1] = 0x20;
    assert!(matches!(
        MethodBody::parse(&bad, 0),
        Err(MetadataError::BadMethodHeader { .. })
    ));
}

#[test]
fn small_then_fat_eh_sections() {
    // 5 bytes of code, so the first section needs 3 padding bytes.
    let mut v = fat_header(0x08 | 0x10, 2, &[0, 0, 0, 0, 0x2A], 0);
    v.extend_from_slice(&[0xAA; 3]);
    // Small EH section with one catch clause, chained to another section.
    v.extend_from_slice(&[SECT_EH_TABLE | SECT_MORE_SECTS, 16, 0, 0]);
    v.extend_from_slice(&0u16.to_le_bytes()); // flags: catch
    v.extend_from_slice(&1u16.to_le_bytes()); // try offset
    v.push(2); // try length
    v.extend_from_slice(&3u16.to_le_bytes()); // handler offset
    v.push(1); // handler length
    v.extend_from_slice(&0x0100_0007u32.to_le_bytes()); // TypeRef 7
    // Fat EH section with a finally and a filter.
    v.extend_from_slice(&[SECT_EH_TABLE | SECT_FAT_FORMAT, 4 + 48, 0, 0]);
    for word in [2u32, 0, 4, 4, 1, 0, 1, 0x10, 0x20, 0x30, 0x40, 0x50] {
        v.extend_from_slice(&word.to_le_bytes());
    }
    let body = MethodBody::parse(&v, 0x2000).unwrap();
    assert_eq!(
        body.exception_clauses,
        [
            ExceptionClause {
                kind: HandlerKind::Catch(Token::from_raw(0x0100_0007)),
                try_offset: 1,
                try_length: 2,
                handler_offset: 3,
                handler_length: 1
            },
            ExceptionClause {
                kind: HandlerKind::Finally,
                try_offset: 0,
                try_length: 4,
                handler_offset: 4,
                handler_length: 1
            },
            ExceptionClause {
                kind: HandlerKind::Filter {
                    filter_offset: 0x50
                },
                try_offset: 0x10,
                try_length: 0x20,
                handler_offset: 0x30,
                handler_length: 0x40
            },
        ]
    );
    assert!(body.exception_clauses[1].try_contains(3));
    assert!(!body.exception_clauses[1].try_contains(4));
    assert!(body.exception_clauses[1].handler_contains(4));

    // The same body at an RVA that is 2 mod 4 aligns differently, so the
    // section header is read from the padding and must be rejected.
    assert!(MethodBody::parse(&v, 0x2002).is_err());

    // Fault clause and a bad clause kind.
    let mut f = fat_header(0x08, 1, &[0x2A, 0, 0, 0], 0);
    f.extend_from_slice(&[SECT_EH_TABLE, 16, 0, 0]);
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0, 0, 1, 1, 0, 1, 0, 0, 0, 0]);
    let body = MethodBody::parse(&f, 0x1000).unwrap();
    assert_eq!(body.exception_clauses[0].kind, HandlerKind::Fault);
    let idx = f.len() - 12;
    f[idx] = 3;
    assert_eq!(
        MethodBody::parse(&f, 0x1000),
        Err(MetadataError::BadEhClauseKind(3))
    );
}

#[test]
fn bad_sections() {
    // Section size not a whole number of clauses.
    let mut v = fat_header(0x08, 1, &[0x2A, 0, 0, 0], 0);
    v.extend_from_slice(&[SECT_EH_TABLE, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(
        MethodBody::parse(&v, 0),
        Err(MetadataError::BadMethodSection { offset: 16, .. })
    ));
    // Unknown section kind.
    let mut v = fat_header(0x08, 1, &[0x2A, 0, 0, 0], 0);
    v.extend_from_slice(&[0x05, 4, 0, 0]);
    assert!(matches!(
        MethodBody::parse(&v, 0),
        Err(MetadataError::BadMethodSection { kind: 0x05, .. })
    ));
    // Section size smaller than its own header.
    let mut v = fat_header(0x08, 1, &[0x2A, 0, 0, 0], 0);
    v.extend_from_slice(&[SECT_EH_TABLE, 2, 0, 0]);
    assert!(MethodBody::parse(&v, 0).is_err());
    // MoreSects set but nothing follows.
    let v = fat_header(0x08, 1, &[0x2A, 0, 0, 0], 0);
    assert!(matches!(
        MethodBody::parse(&v, 0),
        Err(MetadataError::Truncated { .. })
    ));
}
