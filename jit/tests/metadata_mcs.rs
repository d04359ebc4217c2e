//! The metadata reader against assemblies compiled by `mcs` from
//! `metadata_cs/sample.cs`, and against all of mono's mscorlib.
//!
//! Expected values come from the C# source (and were cross-checked against
//! `monodis` output once); a reader bug in row sizes, coded indices,
//! signatures or bodies changes at least one of them.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail by panicking"
)]

#[path = "metadata_cs/support.rs"]
mod support;

use jit::metadata::tables::*;
use jit::metadata::*;

fn sample() -> Image<'static> {
    Image::parse(support::sample()).unwrap()
}

fn type_def(img: &Image<'_>, ns: &str, name: &str) -> u32 {
    img.find_type_def(ns, name)
        .unwrap()
        .unwrap_or_else(|| panic!("type {ns}.{name} not found"))
}

fn method(img: &Image<'_>, ty: u32, name: &str) -> u32 {
    for m in img.tables().methods_of(ty).unwrap() {
        let m = m.unwrap();
        if img.method_name(m).unwrap() == name {
            return m;
        }
    }
    panic!("method {name} not found")
}

fn field_names(img: &Image<'_>, ty: u32) -> Vec<(String, TypeSig)> {
    img.tables()
        .fields_of(ty)
        .unwrap()
        .map(|f| {
            let f = f.unwrap();
            let row = img.tables().get::<FieldRow>(f).unwrap();
            (
                img.strings().get(row.name).unwrap().to_owned(),
                img.field_sig(f).unwrap().ty,
            )
        })
        .collect()
}

fn mnemonics(code: &[u8]) -> Vec<&'static str> {
    IlReader::new(code)
        .map(|i| i.unwrap().opcode.mnemonic())
        .collect()
}

#[test]
fn headers_and_identity() {
    let img = sample();
    assert_eq!(img.root().version, "v4.0.30319");
    assert!(!img.tables().is_uncompressed());
    assert_eq!(img.tables().version(), (2, 0));
    assert_eq!(img.cli_header().major_runtime_version, 2);
    assert!(img.pe().sections().iter().any(|s| &s.name[..5] == b".text"));
    assert_eq!(
        img.assembly_name().unwrap(),
        "sample-".to_owned() + &std::process::id().to_string()
    );
    let module = img.tables().get::<ModuleRow>(1).unwrap();
    assert!(img.guids().get(module.mvid).unwrap().is_some());
}

#[test]
fn types_and_namespaces() {
    let img = sample();
    let names: Vec<_> = (1..=img.tables().row_count(TableId::TypeDef))
        .map(|t| img.type_def_name(t).unwrap())
        .collect();
    assert_eq!(
        names[..6],
        [
            ("", "<Module>"),
            ("Cordon.Sample", "IDevice"),
            ("Cordon.Sample", "Register"),
            ("Cordon.Sample", "Widget"),
            ("", "Inner"),
            ("Cordon.Sample", "Box`1"),
        ]
    );
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let inner = img.find_nested_type(widget, "Inner").unwrap().unwrap();
    assert_eq!(img.tables().enclosing_class(inner).unwrap(), Some(widget));
    assert_eq!(img.tables().enclosing_class(widget).unwrap(), None);
    // A nested type is not found as a top-level type.
    assert_eq!(img.find_type_def("", "Inner").unwrap(), None);
    assert_eq!(img.find_type_def("Cordon", "Widget").unwrap(), None);

    let idevice = type_def(&img, "Cordon.Sample", "IDevice");
    assert_eq!(
        img.tables().interfaces_of(widget).unwrap(),
        [TypeDefOrRef::TypeDef(idevice)]
    );
    // Interfaces have no base type; Register derives from System.ValueType.
    assert_eq!(
        img.tables().get::<TypeDefRow>(idevice).unwrap().extends,
        None
    );
    let register = type_def(&img, "Cordon.Sample", "Register");
    let base = img
        .tables()
        .get::<TypeDefRow>(register)
        .unwrap()
        .extends
        .unwrap();
    assert_eq!(img.type_name(base).unwrap(), ("System", "ValueType"));
}

#[test]
fn type_ref_to_object_resolves_to_mscorlib() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let Some(TypeDefOrRef::TypeRef(object)) =
        img.tables().get::<TypeDefRow>(widget).unwrap().extends
    else {
        panic!("Widget should extend a TypeRef");
    };
    assert_eq!(img.type_ref_name(object).unwrap(), ("System", "Object"));
    let TypeRefScope::AssemblyRef(aref) = img.type_ref_scope(object).unwrap() else {
        panic!("System.Object should resolve to an AssemblyRef");
    };
    let (row, name) = img.assembly_ref(aref).unwrap();
    assert_eq!(name, "mscorlib");
    assert_eq!(row.major_version, 4);

    // And the loader's next step: find it in the corlib by name.
    let corlib = Image::parse(support::mscorlib()).unwrap();
    assert_eq!(corlib.assembly_name().unwrap(), "mscorlib");
    let obj = corlib.find_type_def("System", "Object").unwrap().unwrap();
    assert_eq!(corlib.type_def_name(obj).unwrap(), ("System", "Object"));
    assert_eq!(
        corlib.tables().get::<TypeDefRow>(obj).unwrap().extends,
        None
    );
}

#[test]
fn fields_and_their_signatures() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let register = type_def(&img, "Cordon.Sample", "Register");
    let fields = field_names(&img, widget);
    let (ns, name) = match &fields[6].1 {
        TypeSig::Class(t) => img.type_name(*t).unwrap(),
        other => panic!("event field type {other:?}"),
    };
    assert_eq!((ns, name), ("System", "EventHandler"));
    assert_eq!(
        fields[..6],
        [
            ("Answer".into(), TypeSig::I4),
            ("Table".into(), TypeSig::SzArray(Box::new(TypeSig::U1))),
            ("Count".into(), TypeSig::I4),
            ("name".into(), TypeSig::String),
            ("Samples".into(), TypeSig::SzArray(Box::new(TypeSig::I8))),
            (
                "Reg".into(),
                TypeSig::ValueType(TypeDefOrRef::TypeDef(register))
            ),
        ]
    );
    // `const int Answer = 42` has a Constant row holding ELEMENT_TYPE_I4 42.
    let answer = img
        .tables()
        .fields_of(widget)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(
        img.tables().declaring_type_of_field(answer).unwrap(),
        Some(widget)
    );
    let c = img
        .tables()
        .constant_of(HasConstant::Field(answer))
        .unwrap()
        .unwrap();
    assert_eq!(c.kind, 0x08);
    assert_eq!(img.blobs().get(c.value).unwrap(), 42i32.to_le_bytes());

    let boxed = type_def(&img, "Cordon.Sample", "Box`1");
    assert_eq!(
        field_names(&img, boxed),
        [
            ("Item".into(), TypeSig::Var(0)),
            (
                "Grid".into(),
                TypeSig::Array(
                    Box::new(TypeSig::Var(0)),
                    ArrayShape {
                        rank: 2,
                        sizes: vec![],
                        lower_bounds: vec![0, 0]
                    }
                )
            ),
        ]
    );
    let params = img
        .tables()
        .generic_params_of(TypeOrMethodDef::TypeDef(boxed))
        .unwrap();
    assert_eq!(params.len(), 1);
    assert_eq!(img.strings().get(params[0].name).unwrap(), "T");
    // `where T : struct`: NotNullableValueTypeConstraint (0x8) + DefaultConstructorConstraint (0x10).
    assert_eq!(params[0].flags & 0x18, 0x18);
}

#[test]
fn explicit_layout() {
    let img = sample();
    let register = type_def(&img, "Cordon.Sample", "Register");
    let layout = img.tables().class_layout(register).unwrap().unwrap();
    assert_eq!((layout.packing_size, layout.class_size), (4, 24));
    let offsets: Vec<_> = img
        .tables()
        .fields_of(register)
        .unwrap()
        .map(|f| img.tables().field_layout(f.unwrap()).unwrap())
        .collect();
    assert_eq!(offsets, [Some(0), Some(4), Some(0), Some(16)]);
    // TypeAttributes.ExplicitLayout = 0x10.
    assert_eq!(
        img.tables().get::<TypeDefRow>(register).unwrap().flags & 0x18,
        0x10
    );
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    assert_eq!(img.tables().class_layout(widget).unwrap(), None);
}

#[test]
fn method_signatures() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let add = img.method_sig(method(&img, widget, "Add")).unwrap();
    assert!(!add.has_this);
    assert_eq!(
        (add.ret, add.params),
        (TypeSig::I4, vec![TypeSig::I4, TypeSig::I4])
    );
    let ctor = img.method_sig(method(&img, widget, ".ctor")).unwrap();
    assert!(ctor.has_this);
    assert_eq!(
        (ctor.ret, ctor.params),
        (TypeSig::Void, vec![TypeSig::String])
    );
    let pick = img.method_sig(method(&img, widget, "Pick")).unwrap();
    assert_eq!(pick.generic_param_count, 1);
    assert_eq!(pick.ret, TypeSig::MVar(0));
    assert_eq!(
        pick.params,
        [TypeSig::MVar(0), TypeSig::MVar(0), TypeSig::Boolean]
    );
    let open = method(&img, widget, "Open");
    assert_eq!(
        img.method_sig(open).unwrap().params,
        [TypeSig::String, TypeSig::ByRef(Box::new(TypeSig::I4))]
    );
    assert_eq!(
        img.tables().declaring_type_of_method(open).unwrap(),
        Some(widget)
    );
    let boxed = type_def(&img, "Cordon.Sample", "Box`1");
    let make = img.method_sig(method(&img, boxed, "Make")).unwrap();
    assert_eq!(
        make.ret,
        TypeSig::GenericInst {
            value_type: false,
            generic: TypeDefOrRef::TypeDef(boxed),
            args: vec![TypeSig::I4]
        }
    );
    // Parameter names come from the Param table.
    let names: Vec<_> = img
        .tables()
        .params_of(method(&img, widget, "Add"))
        .unwrap()
        .map(|p| {
            let row = img.tables().get::<ParamRow>(p.unwrap()).unwrap();
            (row.sequence, img.strings().get(row.name).unwrap())
        })
        .collect();
    assert_eq!(names, [(1, "a"), (2, "b")]);
}

#[test]
fn method_bodies_and_il() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let add = img
        .method_body(method(&img, widget, "Add"))
        .unwrap()
        .unwrap();
    assert!(!add.is_fat);
    assert_eq!(add.code, [0x02, 0x03, 0x58, 0x2A]);
    assert_eq!(mnemonics(add.code), ["ldarg.0", "ldarg.1", "add", "ret"]);
    assert!(img.locals(&add).unwrap().locals.is_empty());

    let switchy = img
        .method_body(method(&img, widget, "Switchy"))
        .unwrap()
        .unwrap();
    let ins: Vec<_> = IlReader::new(switchy.code).map(Result::unwrap).collect();
    let Operand::Switch(targets) = ins[1].operand else {
        panic!("expected a switch, got {:?}", ins[1]);
    };
    assert_eq!(targets.iter().collect::<Vec<_>>(), [0x1B, 0x1E, 0x21, 0x24]);
    assert_eq!(ins[2].operand, Operand::Branch(0x27));

    // P/Invoke: no body, an ImplMap row naming the native entry point.
    let open = method(&img, widget, "Open");
    assert_eq!(img.method_body(open).unwrap(), None);
    let map = img.tables().iter::<ImplMapRow>().next().unwrap().unwrap().1;
    assert_eq!(map.member_forwarded, MemberForwarded::MethodDef(open));
    assert_eq!(img.strings().get(map.import_name).unwrap(), "dev_open");
    let module = img.tables().get::<ModuleRefRow>(map.import_scope).unwrap();
    assert_eq!(img.strings().get(module.name).unwrap(), "libdevice");
}

#[test]
fn try_catch_finally_clauses_and_locals() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let body = img
        .method_body(method(&img, widget, "Guarded"))
        .unwrap()
        .unwrap();
    assert!(body.is_fat && body.init_locals);
    assert_eq!(body.max_stack, 2);
    assert_eq!(body.code.len(), 0x1B);
    assert_eq!(img.locals(&body).unwrap().locals, [TypeSig::I4]);
    let [catch, finally] = body.exception_clauses[..] else {
        panic!("expected two clauses: {:?}", body.exception_clauses);
    };
    let HandlerKind::Catch(class) = catch.kind else {
        panic!("first clause should be a catch: {catch:?}");
    };
    assert_eq!(class.table(), Some(TableId::TypeRef));
    assert_eq!(
        img.type_ref_name(class.rid()).unwrap(),
        ("System", "DivideByZeroException")
    );
    assert_eq!(
        (
            catch.try_offset,
            catch.try_length,
            catch.handler_offset,
            catch.handler_length
        ),
        (0x02, 0x0A, 0x0C, 0x08)
    );
    assert_eq!(finally.kind, HandlerKind::Finally);
    assert_eq!(
        (
            finally.try_offset,
            finally.try_length,
            finally.handler_offset,
            finally.handler_length
        ),
        (0x02, 0x12, 0x14, 0x05)
    );
    let ops = mnemonics(body.code);
    assert_eq!(ops.iter().filter(|m| **m == "leave").count(), 2);
    assert_eq!(ops[ops.len() - 3], "endfinally");
}

#[test]
fn user_string_literal() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let body = img
        .method_body(method(&img, widget, "Greet"))
        .unwrap()
        .unwrap();
    let first = IlReader::new(body.code).next().unwrap().unwrap();
    assert_eq!(first.opcode, Opcode::Ldstr);
    let Operand::Token(tok) = first.operand else {
        panic!("ldstr without a token");
    };
    let s = img.user_string(tok).unwrap();
    assert_eq!(s.to_string_lossy(), "Hello, Cordon \u{e9}!");
    assert_eq!(s.len(), 16);
    // 'é' is outside the plain-ASCII set, so the trailing byte is 1.
    assert_eq!(s.trailing_byte(), 1);
    assert!(img.user_string(Token::from_raw(0x0100_0001)).is_err());
}

#[test]
fn generic_method_instantiation_and_typespec_ctor() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let body = img
        .method_body(method(&img, widget, "UsePick"))
        .unwrap()
        .unwrap();
    let call = IlReader::new(body.code)
        .map(Result::unwrap)
        .find(|i| i.opcode == Opcode::Call)
        .unwrap();
    let Operand::Token(tok) = call.operand else {
        panic!("call without token")
    };
    assert_eq!(tok.table(), Some(TableId::MethodSpec));
    let spec = img.tables().get::<MethodSpecRow>(tok.rid()).unwrap();
    assert_eq!(
        spec.method,
        MethodDefOrRef::MethodDef(method(&img, widget, "Pick"))
    );
    let inst = MethodSpecSig::parse(img.blobs().get(spec.instantiation).unwrap()).unwrap();
    assert_eq!(inst.args, [TypeSig::String]);

    // `new Box<int>()` calls a MemberRef whose parent is a TypeSpec.
    let boxed = type_def(&img, "Cordon.Sample", "Box`1");
    let body = img
        .method_body(method(&img, boxed, "Make"))
        .unwrap()
        .unwrap();
    let newobj = IlReader::new(body.code).next().unwrap().unwrap();
    assert_eq!(newobj.opcode, Opcode::Newobj);
    let Operand::Token(tok) = newobj.operand else {
        panic!("newobj without token")
    };
    let mref = img.tables().get::<MemberRefRow>(tok.rid()).unwrap();
    assert_eq!(img.strings().get(mref.name).unwrap(), ".ctor");
    let MemberRefParent::TypeSpec(ts) = mref.class else {
        panic!("parent should be a TypeSpec: {:?}", mref.class);
    };
    assert_eq!(
        img.type_spec(ts).unwrap(),
        TypeSig::GenericInst {
            value_type: false,
            generic: TypeDefOrRef::TypeDef(boxed),
            args: vec![TypeSig::I4]
        }
    );
    let MemberRefSig::Method(sig) = img.member_ref_sig(tok.rid()).unwrap() else {
        panic!("ctor ref should have a method signature");
    };
    assert!(sig.has_this);
}

#[test]
fn properties_events_and_semantics() {
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let t = img.tables();
    let props: Vec<_> = t
        .properties_of(widget)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(props.len(), 1);
    let prop = t.get::<PropertyRow>(props[0]).unwrap();
    assert_eq!(img.strings().get(prop.name).unwrap(), "Id");
    let sig = PropertySig::parse(img.blobs().get(prop.signature).unwrap()).unwrap();
    assert!(sig.has_this);
    assert_eq!(sig.ty, TypeSig::I4);
    let events: Vec<_> = t.events_of(widget).unwrap().map(Result::unwrap).collect();
    assert_eq!(events.len(), 1);
    let event = t.get::<EventRow>(events[0]).unwrap();
    assert_eq!(img.strings().get(event.name).unwrap(), "Changed");
    // get_Id is the getter (2) of property Id.
    let getter = method(&img, widget, "get_Id");
    let sem = t
        .iter::<MethodSemanticsRow>()
        .map(|r| r.unwrap().1)
        .find(|s| s.method == getter)
        .unwrap();
    assert_eq!(sem.semantics, 2);
    assert_eq!(sem.association, HasSemantics::Property(props[0]));
    // Types without properties get an empty list.
    let register = type_def(&img, "Cordon.Sample", "Register");
    assert!(t.properties_of(register).unwrap().is_empty());
}

#[test]
fn static_array_initializer_data() {
    let img = sample();
    let t = img.tables();
    assert_eq!(t.row_count(TableId::FieldRva), 1);
    let (_, rva) = t.iter::<FieldRvaRow>().next().unwrap().unwrap();
    let data = img.field_data(rva.field, 16).unwrap().unwrap();
    assert_eq!(data, (1..=16).collect::<Vec<u8>>());
    assert_eq!(t.field_rva(rva.field).unwrap(), Some(rva.rva));
}

#[test]
fn sample_full_walk() {
    let report = sample().check_all().unwrap();
    assert_eq!(report.method_bodies, 15);
    assert_eq!(report.exception_clauses, 2);
    assert!(report.rows > 100);
}

#[test]
fn mscorlib_full_walk_has_no_errors() {
    let img = Image::parse(support::mscorlib()).unwrap();
    let report = img.check_all().unwrap_or_else(|e| panic!("mscorlib: {e}"));
    // Mono's 4.5 corlib: thousands of types, tens of thousands of bodies.
    let t = img.tables();
    assert!(t.row_count(TableId::TypeDef) > 2000);
    assert!(report.method_bodies > 20_000, "{report:?}");
    assert!(report.instructions > 500_000, "{report:?}");
    assert!(report.exception_clauses > 1000, "{report:?}");
    assert!(report.user_strings > 1000, "{report:?}");
    let bodies = (1..=t.row_count(TableId::MethodDef))
        .filter(|&m| t.get::<MethodDefRow>(m).unwrap().rva != 0)
        .count();
    assert_eq!(report.method_bodies, bodies as u64);
    // Every TypeDef has a declaring-type answer consistent with its lists.
    let string = img.find_type_def("System", "String").unwrap().unwrap();
    for m in t.methods_of(string).unwrap() {
        assert_eq!(
            t.declaring_type_of_method(m.unwrap()).unwrap(),
            Some(string)
        );
    }
    let list = img
        .find_type_def("System.Collections.Generic", "List`1")
        .unwrap()
        .unwrap();
    let gp = t.generic_params_of(TypeOrMethodDef::TypeDef(list)).unwrap();
    assert_eq!(img.strings().get(gp[0].name).unwrap(), "T");
}

#[test]
fn corrupted_headers_give_typed_errors() {
    let good = support::sample();
    let mut bytes = good.to_vec();
    bytes[0] = b'X';
    assert!(matches!(
        Image::parse(&bytes),
        Err(MetadataError::BadMagic {
            region: error::Region::File,
            ..
        })
    ));

    // Point e_lfanew past the end of the file.
    let mut bytes = good.to_vec();
    bytes[0x3C..0x40].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        Image::parse(&bytes),
        Err(MetadataError::Truncated { .. })
    ));

    // Break the metadata root signature.
    let img = Image::parse(good).unwrap();
    let md = img
        .pe()
        .rva_to_offset(img.cli_header().metadata.rva)
        .unwrap();
    let mut bytes = good.to_vec();
    bytes[md] ^= 0xFF;
    assert!(matches!(
        Image::parse(&bytes),
        Err(MetadataError::BadMagic {
            region: error::Region::MetadataRoot,
            ..
        })
    ));

    // A native DLL: data directory 14 empty.
    let lfanew = u32::from_le_bytes(good[0x3C..0x40].try_into().unwrap()) as usize;
    let magic = u16::from_le_bytes(good[lfanew + 24..lfanew + 26].try_into().unwrap());
    let dirs = lfanew + 24 + if magic == 0x20B { 112 } else { 96 };
    let mut bytes = good.to_vec();
    bytes[dirs + 14 * 8..dirs + 15 * 8].fill(0);
    assert_eq!(
        Image::parse(&bytes).unwrap_err(),
        MetadataError::NoCliHeader
    );

    // Truncating the file inside the metadata is a truncation, not a panic.
    let cut = md + 40;
    assert!(Image::parse(&good[..cut]).is_err());
}

#[test]
fn flags_match_the_sample() {
    use jit::metadata::flags::*;
    let img = sample();
    let widget = type_def(&img, "Cordon.Sample", "Widget");
    let t = img.tables();
    let open = t.get::<MethodDefRow>(method(&img, widget, "Open")).unwrap();
    assert_ne!(open.flags & method_attributes::PINVOKE_IMPL, 0);
    assert_ne!(open.flags & method_attributes::STATIC, 0);
    let idevice = type_def(&img, "Cordon.Sample", "IDevice");
    let flags = t.get::<TypeDefRow>(idevice).unwrap().flags;
    assert_ne!(flags & type_attributes::INTERFACE, 0);
    let answer = t.fields_of(widget).unwrap().next().unwrap().unwrap();
    let f = t.get::<FieldRow>(answer).unwrap().flags;
    assert_ne!(f & field_attributes::LITERAL, 0);
}
