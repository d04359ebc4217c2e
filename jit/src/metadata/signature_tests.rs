//! Hand-built signature blobs with their expected decodings.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests may panic on failure"
)]

use super::*;
use crate::metadata::coded_index::TypeDefOrRef as T;

fn b(t: TypeSig) -> Box<TypeSig> {
    Box::new(t)
}

#[test]
fn static_method_int_int_string() {
    // static int M(int, string)
    let sig = MethodSig::parse(&[0x00, 0x02, 0x08, 0x08, 0x0E]).unwrap();
    assert!(!sig.has_this);
    assert_eq!(sig.calling_convention, CallingConvention::Default);
    assert_eq!(sig.ret, TypeSig::I4);
    assert_eq!(sig.params, [TypeSig::I4, TypeSig::String]);
    assert_eq!(sig.vararg_start, None);
}

#[test]
fn instance_generic_method_with_byref_and_modifiers() {
    // instance void M<2>(ref !!0, int32 modreq(TypeRef 3) , class TypeRef 1)
    let sig = MethodSig::parse(&[
        0x30, 0x02, 0x03, 0x01, 0x10, 0x1E, 0x00, 0x1F, 0x0D, 0x08, 0x12, 0x05,
    ])
    .unwrap();
    assert!(sig.has_this);
    assert_eq!(sig.generic_param_count, 2);
    assert_eq!(sig.ret, TypeSig::Void);
    assert_eq!(
        sig.params,
        [
            TypeSig::ByRef(b(TypeSig::MVar(0))),
            TypeSig::Modified {
                required: true,
                modifier: T::TypeRef(3),
                ty: b(TypeSig::I4)
            },
            TypeSig::Class(T::TypeRef(1)),
        ]
    );
}

#[test]
fn vararg_call_site_with_sentinel() {
    // vararg void(int, ..., double)
    let sig = MethodSig::parse(&[0x05, 0x02, 0x01, 0x08, 0x41, 0x0D]).unwrap();
    assert_eq!(sig.calling_convention, CallingConvention::VarArg);
    assert_eq!(sig.params, [TypeSig::I4, TypeSig::R8]);
    assert_eq!(sig.vararg_start, Some(1));
}

#[test]
fn typedbyref_param_and_explicit_this() {
    let sig = MethodSig::parse(&[0x60, 0x01, 0x16, 0x16]).unwrap();
    assert!(sig.has_this && sig.explicit_this);
    assert_eq!(sig.ret, TypeSig::TypedByRef);
    assert_eq!(sig.params, [TypeSig::TypedByRef]);
}

#[test]
fn method_sig_errors() {
    // Field signature where a method is expected.
    assert_eq!(
        MethodSig::parse(&[0x06, 0x08]),
        Err(MetadataError::BadSignatureByte {
            offset: 0,
            byte: 0x06
        })
    );
    // void as a parameter.
    assert_eq!(
        MethodSig::parse(&[0x00, 0x01, 0x01, 0x01]),
        Err(MetadataError::BadSignatureByte {
            offset: 3,
            byte: 0x01
        })
    );
    // Unknown element type.
    assert_eq!(
        MethodSig::parse(&[0x00, 0x01, 0x01, 0x17]),
        Err(MetadataError::BadSignatureByte {
            offset: 3,
            byte: 0x17
        })
    );
    // Truncated parameter list.
    assert!(matches!(
        MethodSig::parse(&[0x00, 0x03, 0x01, 0x08]),
        Err(MetadataError::Truncated { .. })
    ));
    // Trailing garbage.
    assert_eq!(
        MethodSig::parse(&[0x00, 0x00, 0x01, 0x08]),
        Err(MetadataError::SignatureTrailingBytes { offset: 3 })
    );
    // Two sentinels.
    assert!(MethodSig::parse(&[0x05, 0x02, 0x01, 0x41, 0x08, 0x41, 0x08]).is_err());
    // Empty blob.
    assert!(MethodSig::parse(&[]).is_err());
}

#[test]
fn field_sigs() {
    assert_eq!(FieldSig::parse(&[0x06, 0x0C]).unwrap().ty, TypeSig::R4);
    // int*[] via ptr/szarray
    assert_eq!(
        FieldSig::parse(&[0x06, 0x1D, 0x0F, 0x08]).unwrap().ty,
        TypeSig::SzArray(b(TypeSig::Ptr(b(TypeSig::I4))))
    );
    // void* is fine, void[] is not.
    assert_eq!(
        FieldSig::parse(&[0x06, 0x0F, 0x01]).unwrap().ty,
        TypeSig::Ptr(b(TypeSig::Void))
    );
    assert!(FieldSig::parse(&[0x06, 0x1D, 0x01]).is_err());
    // valuetype TypeDef 2, with a modopt (volatile field)
    assert_eq!(
        FieldSig::parse(&[0x06, 0x20, 0x09, 0x11, 0x08]).unwrap().ty,
        TypeSig::Modified {
            required: false,
            modifier: T::TypeRef(2),
            ty: b(TypeSig::ValueType(T::TypeDef(2)))
        }
    );
    assert!(FieldSig::parse(&[0x07, 0x08]).is_err());
}

#[test]
fn generic_inst_and_array_shape() {
    // List`1<int32>[,] with lower bounds (0, -64): ARRAY GENERICINST CLASS TypeRef(4) 1 I4, rank 2, 0 sizes, 2 bounds
    let ty = TypeSig::parse_type_spec(&[
        0x14, 0x15, 0x12, 0x11, 0x01, 0x08, 0x02, 0x00, 0x02, 0x00, 0x01,
    ])
    .unwrap();
    assert_eq!(
        ty,
        TypeSig::Array(
            b(TypeSig::GenericInst {
                value_type: false,
                generic: T::TypeRef(4),
                args: vec![TypeSig::I4]
            }),
            ArrayShape {
                rank: 2,
                sizes: vec![],
                lower_bounds: vec![0, -64]
            }
        )
    );
    // Generic instance with zero arguments is malformed.
    assert!(TypeSig::parse_type_spec(&[0x15, 0x12, 0x11, 0x00]).is_err());
    // GENERICINST must be followed by CLASS or VALUETYPE.
    assert_eq!(
        TypeSig::parse_type_spec(&[0x15, 0x08, 0x11, 0x01, 0x08]),
        Err(MetadataError::BadSignatureByte {
            offset: 1,
            byte: 0x08
        })
    );
    // More sizes than dimensions.
    assert!(TypeSig::parse_type_spec(&[0x14, 0x08, 0x01, 0x02, 0x01, 0x01, 0x00]).is_err());
    // Rank zero.
    assert!(TypeSig::parse_type_spec(&[0x14, 0x08, 0x00, 0x00, 0x00]).is_err());
    // Bad TypeDefOrRef tag (3).
    assert!(TypeSig::parse_type_spec(&[0x12, 0x07]).is_err());
    // Var / MVar
    assert_eq!(
        TypeSig::parse_type_spec(&[0x13, 0x03]).unwrap(),
        TypeSig::Var(3)
    );
}

#[test]
fn fn_ptr() {
    let ty = TypeSig::parse_type_spec(&[0x1B, 0x00, 0x01, 0x08, 0x0A]).unwrap();
    let TypeSig::FnPtr(sig) = ty else {
        panic!("not a fnptr: {ty:?}")
    };
    assert_eq!(sig.ret, TypeSig::I4);
    assert_eq!(sig.params, [TypeSig::I8]);
}

#[test]
fn local_sigs() {
    // .locals (int32, pinned uint8&, typedref, string)
    let sig = LocalVarSig::parse(&[0x07, 0x04, 0x08, 0x45, 0x10, 0x05, 0x16, 0x0E]).unwrap();
    assert_eq!(
        sig.locals,
        [
            TypeSig::I4,
            TypeSig::Pinned(b(TypeSig::ByRef(b(TypeSig::U1)))),
            TypeSig::TypedByRef,
            TypeSig::String
        ]
    );
    assert_eq!(sig.locals[1].unmodified(), &TypeSig::ByRef(b(TypeSig::U1)));
    // Huge count in a short blob must not allocate or panic.
    assert!(matches!(
        LocalVarSig::parse(&[0x07, 0xDF, 0xFF, 0xFF, 0xFF, 0x08]),
        Err(MetadataError::Truncated { .. })
    ));
    assert!(matches!(
        StandAloneSig::parse(&[0x07, 0x01, 0x08]).unwrap(),
        StandAloneSig::Locals(_)
    ));
    assert!(matches!(
        StandAloneSig::parse(&[0x00, 0x00, 0x01]).unwrap(),
        StandAloneSig::Method(_)
    ));
}

#[test]
fn property_and_method_spec() {
    // instance int32 Item(int32)
    let p = PropertySig::parse(&[0x28, 0x01, 0x08, 0x08]).unwrap();
    assert!(p.has_this);
    assert_eq!(p.ty, TypeSig::I4);
    assert_eq!(p.params, [TypeSig::I4]);
    let m = MethodSpecSig::parse(&[0x0A, 0x02, 0x0E, 0x11, 0x08]).unwrap();
    assert_eq!(m.args, [TypeSig::String, TypeSig::ValueType(T::TypeDef(2))]);
    assert!(MethodSpecSig::parse(&[0x0B, 0x00]).is_err());
    assert!(matches!(
        MemberRefSig::parse(&[0x06, 0x08]).unwrap(),
        MemberRefSig::Field(_)
    ));
    assert!(matches!(
        MemberRefSig::parse(&[0x20, 0x00, 0x01]).unwrap(),
        MemberRefSig::Method(_)
    ));
}

#[test]
fn depth_is_bounded() {
    let mut blob = vec![0x06];
    blob.extend(std::iter::repeat_n(0x0F, 10_000));
    blob.push(0x08);
    assert_eq!(FieldSig::parse(&blob), Err(MetadataError::SignatureTooDeep));
    let mut ok = vec![0x06];
    ok.extend(std::iter::repeat_n(0x0F, 60));
    ok.push(0x08);
    assert!(FieldSig::parse(&ok).is_ok());
}
