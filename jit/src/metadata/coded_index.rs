//! Coded indices (ECMA-335 II.24.2.6): a row index into one of several
//! tables, with the table chosen by the low tag bits.
//!
//! Each kind is decoded into its own enum so the compiler matches on
//! `TypeDefOrRef::TypeRef(rid)` instead of juggling tag numbers. The row
//! number (`rid`) is 1-based; a raw value with rid 0 is the null reference
//! and decodes to `None`.

use super::error::{MetadataError, Result};
use super::tables::TableId;
use super::token::Token;

/// Behaviour shared by all coded index enums.
pub trait CodedIndex: Sized + Copy {
    /// Which kind this is (for sizing and error messages).
    const KIND: CodedIndexKind;

    /// Build from the tag and 1-based row; `None` if the tag names no table.
    fn from_tag(tag: u32, rid: u32) -> Option<Self>;

    /// The table referred to.
    fn table(&self) -> TableId;

    /// The 1-based row referred to.
    fn rid(&self) -> u32;

    /// The tag value of the variant.
    fn tag(&self) -> u32;

    /// The raw column value, as used for ordering sorted tables. Computed in
    /// `u64` because a hostile rid shifted by the tag bits may not fit `u32`.
    fn encode(&self) -> u64 {
        (u64::from(self.rid()) << Self::KIND.tag_bits()) | u64::from(self.tag())
    }

    /// Decode a raw column value. A rid of zero is the null reference.
    fn decode(raw: u32) -> Result<Option<Self>> {
        let bits = Self::KIND.tag_bits();
        let tag = raw & !u32::MAX.checked_shl(bits).unwrap_or(0);
        let rid = raw >> bits;
        if rid == 0 {
            // A null reference still has to carry a valid tag, except that
            // writers commonly emit plain 0.
            return if tag == 0 || Self::from_tag(tag, 1).is_some() {
                Ok(None)
            } else {
                Err(MetadataError::BadCodedIndexTag {
                    kind: Self::KIND,
                    tag,
                })
            };
        }
        Self::from_tag(tag, rid)
            .map(Some)
            .ok_or(MetadataError::BadCodedIndexTag {
                kind: Self::KIND,
                tag,
            })
    }

    /// The metadata token of the referenced row.
    fn token(&self) -> Token {
        Token::new(self.table(), self.rid())
    }
}

macro_rules! coded_indices {
    ($(
        $(#[$doc:meta])*
        $name:ident, bits $bits:literal {
            $( $tag:literal => $variant:ident ( $table:ident ) ),+ $(,)?
        }
    )+) => {
        /// The thirteen coded index kinds of ECMA-335 II.24.2.6.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CodedIndexKind {
            $(
                #[doc = concat!("See [`", stringify!($name), "`].")]
                $name,
            )+
        }

        impl CodedIndexKind {
            /// Number of low bits holding the tag.
            pub const fn tag_bits(self) -> u32 {
                match self {
                    $( Self::$name => $bits, )+
                }
            }

            /// The tables this kind can refer to (determines the column width).
            pub const fn tables(self) -> &'static [TableId] {
                match self {
                    $( Self::$name => &[ $( TableId::$table ),+ ], )+
                }
            }
        }

        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum $name {
                $(
                    #[doc = concat!("Row (1-based) of the `", stringify!($table), "` table.")]
                    $variant(u32),
                )+
            }

            impl CodedIndex for $name {
                const KIND: CodedIndexKind = CodedIndexKind::$name;

                fn from_tag(tag: u32, rid: u32) -> Option<Self> {
                    match tag {
                        $( $tag => Some(Self::$variant(rid)), )+
                        _ => None,
                    }
                }

                fn table(&self) -> TableId {
                    match self {
                        $( Self::$variant(_) => TableId::$table, )+
                    }
                }

                fn rid(&self) -> u32 {
                    match *self {
                        $( Self::$variant(r) => r, )+
                    }
                }

                fn tag(&self) -> u32 {
                    match self {
                        $( Self::$variant(_) => $tag, )+
                    }
                }
            }
        )+
    };
}

coded_indices! {
    /// A type: defined here, referenced elsewhere, or a constructed spec.
    TypeDefOrRef, bits 2 { 0 => TypeDef(TypeDef), 1 => TypeRef(TypeRef), 2 => TypeSpec(TypeSpec) }
    /// Owner of a `Constant` row.
    HasConstant, bits 2 { 0 => Field(Field), 1 => Param(Param), 2 => Property(Property) }
    /// Owner of a `CustomAttribute` row.
    HasCustomAttribute, bits 5 {
        0 => MethodDef(MethodDef), 1 => Field(Field), 2 => TypeRef(TypeRef), 3 => TypeDef(TypeDef),
        4 => Param(Param), 5 => InterfaceImpl(InterfaceImpl), 6 => MemberRef(MemberRef),
        7 => Module(Module), 8 => DeclSecurity(DeclSecurity), 9 => Property(Property),
        10 => Event(Event), 11 => StandAloneSig(StandAloneSig), 12 => ModuleRef(ModuleRef),
        13 => TypeSpec(TypeSpec), 14 => Assembly(Assembly), 15 => AssemblyRef(AssemblyRef),
        16 => File(File), 17 => ExportedType(ExportedType), 18 => ManifestResource(ManifestResource),
        19 => GenericParam(GenericParam), 20 => GenericParamConstraint(GenericParamConstraint),
        21 => MethodSpec(MethodSpec),
    }
    /// Owner of a `FieldMarshal` row.
    HasFieldMarshal, bits 1 { 0 => Field(Field), 1 => Param(Param) }
    /// Owner of a `DeclSecurity` row.
    HasDeclSecurity, bits 2 { 0 => TypeDef(TypeDef), 1 => MethodDef(MethodDef), 2 => Assembly(Assembly) }
    /// The parent of a `MemberRef`: where the referenced member lives.
    MemberRefParent, bits 3 {
        0 => TypeDef(TypeDef), 1 => TypeRef(TypeRef), 2 => ModuleRef(ModuleRef),
        3 => MethodDef(MethodDef), 4 => TypeSpec(TypeSpec),
    }
    /// The event or property a `MethodSemantics` row attaches to.
    HasSemantics, bits 1 { 0 => Event(Event), 1 => Property(Property) }
    /// A method: defined here or referenced.
    MethodDefOrRef, bits 1 { 0 => MethodDef(MethodDef), 1 => MemberRef(MemberRef) }
    /// The member an `ImplMap` (P/Invoke) row forwards.
    MemberForwarded, bits 1 { 0 => Field(Field), 1 => MethodDef(MethodDef) }
    /// Where an exported type or resource lives.
    Implementation, bits 2 { 0 => File(File), 1 => AssemblyRef(AssemblyRef), 2 => ExportedType(ExportedType) }
    /// The constructor of a custom attribute (tags 0, 1 and 4 are unused).
    CustomAttributeType, bits 3 { 2 => MethodDef(MethodDef), 3 => MemberRef(MemberRef) }
    /// Where a `TypeRef` is to be resolved.
    ResolutionScope, bits 2 {
        0 => Module(Module), 1 => ModuleRef(ModuleRef), 2 => AssemblyRef(AssemblyRef), 3 => TypeRef(TypeRef),
    }
    /// Owner of a generic parameter.
    TypeOrMethodDef, bits 1 { 0 => TypeDef(TypeDef), 1 => MethodDef(MethodDef) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests may panic on failure")]
mod tests {
    use super::*;

    #[test]
    fn decodes_tags_and_rows() {
        // TypeRef row 6: (6 << 2) | 1.
        assert_eq!(
            TypeDefOrRef::decode(0x19).unwrap(),
            Some(TypeDefOrRef::TypeRef(6))
        );
        assert_eq!(
            TypeDefOrRef::decode(0x0A).unwrap(),
            Some(TypeDefOrRef::TypeSpec(2))
        );
        assert_eq!(
            HasCustomAttribute::decode((3 << 5) | 14).unwrap(),
            Some(HasCustomAttribute::Assembly(3))
        );
        assert_eq!(
            CustomAttributeType::decode((0x1234 << 3) | 3).unwrap(),
            Some(CustomAttributeType::MemberRef(0x1234))
        );
        assert_eq!(
            ResolutionScope::decode((1 << 2) | 2).unwrap(),
            Some(ResolutionScope::AssemblyRef(1))
        );
        assert_eq!(MethodDefOrRef::decode(0).unwrap(), None);
        assert_eq!(
            TypeOrMethodDef::decode(0x7).unwrap(),
            Some(TypeOrMethodDef::MethodDef(3))
        );
    }

    #[test]
    fn rejects_bad_tags() {
        assert_eq!(
            TypeDefOrRef::decode((5 << 2) | 3),
            Err(MetadataError::BadCodedIndexTag {
                kind: CodedIndexKind::TypeDefOrRef,
                tag: 3
            })
        );
        assert!(CustomAttributeType::decode((1 << 3) | 1).is_err());
        assert!(CustomAttributeType::decode((1 << 3) | 4).is_err());
        assert!(HasCustomAttribute::decode((1 << 5) | 22).is_err());
        assert!(MemberRefParent::decode((1 << 3) | 5).is_err());
        // Null with an invalid tag is still a bad tag.
        assert!(TypeDefOrRef::decode(3).is_err());
    }

    #[test]
    fn tokens_round_trip() {
        let t = MethodDefOrRef::MemberRef(0x42).token();
        assert_eq!(t.raw(), 0x0A00_0042);
        assert_eq!(t.table(), Some(TableId::MemberRef));
        assert_eq!(t.rid(), 0x42);
        assert_eq!(CodedIndexKind::HasCustomAttribute.tables().len(), 22);
        assert_eq!(CodedIndexKind::CustomAttributeType.tag_bits(), 3);
    }
}
