//! Fuzz the ECMA-335 metadata reader: arbitrary bytes through the full walk
//! (every table row, signature, method body and IL instruction) and the
//! per-type lookups a loader makes. Any panic, overflow or out-of-bounds
//! access is a bug; `Err` is the expected answer to garbage.
//!
//! Seed the corpus with real assemblies (see docs/jit-metadata.md): random
//! bytes rarely get past the PE and metadata headers on their own.

#![no_main]

use jit::metadata::tables::TypeDefRow;
use jit::metadata::{Image, TableId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(img) = Image::parse(data) else {
        return;
    };
    let _ = img.check_all();
    let _ = img.assembly_name();
    let _ = img.find_type_def("System", "Object");
    let t = img.tables();
    for rid in 1..=t.row_count(TableId::TypeDef).min(64) {
        let _ = t.get::<TypeDefRow>(rid);
        let _ = t.fields_of(rid).map(|l| l.for_each(drop));
        if let Ok(methods) = t.methods_of(rid) {
            for m in methods.flatten().take(64) {
                let _ = t.declaring_type_of_method(m);
                let _ = img.method_body(m).map(|b| b.map(|b| img.locals(&b)));
            }
        }
        let _ = t.properties_of(rid).map(|l| l.for_each(drop));
        let _ = t.events_of(rid).map(|l| l.for_each(drop));
        let _ = t.nested_classes_of(rid);
        let _ = t.interfaces_of(rid);
    }
});
