//! A full consistency walk over an assembly: every row of every table,
//! every signature blob, every method body and its IL, every `#US` entry.
//!
//! The loader can run it once to refuse a malformed assembly up front (the
//! rest of the reader is lazy); the tests and the fuzzer use it to drive
//! every decoder over real and mutated inputs.

use super::error::{MetadataError, Result};
use super::il::IlReader;
use super::image::Image;
use super::signature::{MethodSpecSig, PropertySig};
use super::tables::*;
use super::token::Token;

/// What [`Image::check_all`] looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Table rows decoded.
    pub rows: u64,
    /// Signature blobs decoded.
    pub signatures: u64,
    /// Method bodies parsed.
    pub method_bodies: u64,
    /// IL instructions decoded.
    pub instructions: u64,
    /// Exception clauses read.
    pub exception_clauses: u64,
    /// `#US` literals read.
    pub user_strings: u64,
}

/// The first problem [`Image::check_all`] found, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFailure {
    /// The row being checked (a token of its table), if the failure is tied to one.
    pub token: Option<Token>,
    /// What was wrong.
    pub error: MetadataError,
}

impl core::fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.token {
            Some(t) => write!(f, "{t:?}: {}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

impl From<MetadataError> for CheckFailure {
    fn from(error: MetadataError) -> Self {
        Self { token: None, error }
    }
}

fn at<T>(table: TableId, rid: u32, r: Result<T>) -> core::result::Result<T, CheckFailure> {
    r.map_err(|error| CheckFailure {
        token: Some(Token::new(table, rid)),
        error,
    })
}

fn bump(n: &mut u64) {
    *n = n.saturating_add(1);
}

impl Image<'_> {
    /// Decode everything; stop at the first error.
    pub fn check_all(&self) -> core::result::Result<CheckReport, CheckFailure> {
        let mut report = CheckReport::default();
        self.check_rows(&mut report)?;
        self.check_signatures(&mut report)?;
        self.check_bodies(&mut report)?;
        for item in self.user_strings().iter() {
            item?;
            bump(&mut report.user_strings);
        }
        Ok(report)
    }

    fn check_rows(&self, report: &mut CheckReport) -> core::result::Result<(), CheckFailure> {
        let t = self.tables();
        let s = self.strings();
        macro_rules! each {
            ($row:ty, |$rid:ident, $r:ident| $body:expr) => {
                for item in t.iter::<$row>() {
                    let ($rid, $r) = item.map_err(CheckFailure::from)?;
                    bump(&mut report.rows);
                    at(<$row as Row>::TABLE, $rid, $body)?;
                }
            };
            ($row:ty) => {
                each!($row, |_rid, _r| Ok(()))
            };
        }
        each!(ModuleRow, |_rid, r| s
            .get(r.name)
            .and(self.guids().get(r.mvid))
            .map(drop));
        each!(TypeRefRow, |rid, r| {
            s.get(r.name)
                .and(s.get(r.namespace))
                .and(self.type_ref_scope(rid))
                .map(drop)
        });
        // Without `*Ptr` tables the members of a validated run cannot fail,
        // and iterating them would make a hostile file with overlapping runs
        // quadratic; with them, every indirection row is followed.
        let follow_ptrs = t.is_uncompressed();
        each!(TypeDefRow, |rid, r| {
            s.get(r.name)
                .and(s.get(r.namespace))
                .and(t.enclosing_class(rid))
                .and(t.class_layout(rid))
                .and(t.type_def_lists(rid))
                .and_then(|l| {
                    if follow_ptrs {
                        l.fields.chain(l.methods).try_for_each(|m| m.map(drop))
                    } else {
                        Ok(())
                    }
                })
        });
        each!(FieldPtrRow);
        each!(FieldRow, |_rid, r| s.get(r.name).map(drop));
        each!(MethodPtrRow);
        each!(MethodDefRow, |rid, r| {
            s.get(r.name).and(t.params_of(rid)).and_then(|l| {
                if follow_ptrs {
                    l.into_iter().try_for_each(|m| m.map(drop))
                } else {
                    Ok(())
                }
            })
        });
        each!(ParamPtrRow);
        each!(ParamRow, |_rid, r| s.get(r.name).map(drop));
        each!(InterfaceImplRow);
        each!(MemberRefRow, |_rid, r| s.get(r.name).map(drop));
        each!(ConstantRow, |_rid, r| self.blobs().get(r.value).map(drop));
        each!(CustomAttributeRow, |_rid, r| self
            .blobs()
            .get(r.value)
            .map(drop));
        each!(FieldMarshalRow, |_rid, r| self
            .blobs()
            .get(r.native_type)
            .map(drop));
        each!(DeclSecurityRow, |_rid, r| self
            .blobs()
            .get(r.permission_set)
            .map(drop));
        each!(ClassLayoutRow);
        each!(FieldLayoutRow);
        each!(StandAloneSigRow);
        each!(EventMapRow, |_rid, r| {
            t.events_of(r.parent)
                .and_then(|l| l.into_iter().try_for_each(|m| m.map(drop)))
        });
        each!(EventPtrRow);
        each!(EventRow, |_rid, r| s.get(r.name).map(drop));
        each!(PropertyMapRow, |_rid, r| {
            t.properties_of(r.parent)
                .and_then(|l| l.into_iter().try_for_each(|m| m.map(drop)))
        });
        each!(PropertyPtrRow);
        each!(PropertyRow, |_rid, r| s.get(r.name).map(drop));
        each!(MethodSemanticsRow);
        each!(MethodImplRow);
        each!(ModuleRefRow, |_rid, r| s.get(r.name).map(drop));
        each!(TypeSpecRow);
        each!(ImplMapRow, |_rid, r| s.get(r.import_name).map(drop));
        each!(FieldRvaRow);
        each!(EncLogRow);
        each!(EncMapRow);
        each!(AssemblyRow, |_rid, r| s
            .get(r.name)
            .and(s.get(r.culture))
            .map(drop));
        each!(AssemblyProcessorRow);
        each!(AssemblyOsRow);
        each!(AssemblyRefRow, |_rid, r| {
            s.get(r.name)
                .and(s.get(r.culture))
                .and(self.blobs().get(r.public_key_or_token))
                .map(drop)
        });
        each!(AssemblyRefProcessorRow);
        each!(AssemblyRefOsRow);
        each!(FileRow, |_rid, r| s.get(r.name).map(drop));
        each!(ExportedTypeRow, |_rid, r| s
            .get(r.name)
            .and(s.get(r.namespace))
            .map(drop));
        each!(ManifestResourceRow, |_rid, r| s.get(r.name).map(drop));
        each!(NestedClassRow);
        each!(GenericParamRow, |_rid, r| s.get(r.name).map(drop));
        each!(MethodSpecRow);
        each!(GenericParamConstraintRow);
        Ok(())
    }

    fn check_signatures(&self, report: &mut CheckReport) -> core::result::Result<(), CheckFailure> {
        let t = self.tables();
        let b = self.blobs();
        macro_rules! sigs {
            ($table:ident, $decode:expr) => {
                for rid in 1..=t.row_count(TableId::$table) {
                    at(TableId::$table, rid, $decode(rid).map(drop))?;
                    bump(&mut report.signatures);
                }
            };
        }
        sigs!(Field, |rid| self.field_sig(rid));
        sigs!(MethodDef, |rid| self.method_sig(rid));
        sigs!(MemberRef, |rid| self.member_ref_sig(rid));
        sigs!(StandAloneSig, |rid| self.stand_alone_sig(rid));
        sigs!(TypeSpec, |rid| self.type_spec(rid));
        sigs!(Property, |rid| t
            .get::<PropertyRow>(rid)
            .and_then(|r| b.get(r.signature))
            .and_then(PropertySig::parse));
        sigs!(MethodSpec, |rid| t
            .get::<MethodSpecRow>(rid)
            .and_then(|r| b.get(r.instantiation))
            .and_then(MethodSpecSig::parse));
        Ok(())
    }

    fn check_bodies(&self, report: &mut CheckReport) -> core::result::Result<(), CheckFailure> {
        for rid in 1..=self.tables().row_count(TableId::MethodDef) {
            let Some(body) = at(TableId::MethodDef, rid, self.method_body(rid))? else {
                continue;
            };
            bump(&mut report.method_bodies);
            at(TableId::MethodDef, rid, self.locals(&body))?;
            report.exception_clauses = report
                .exception_clauses
                .saturating_add(u64::try_from(body.exception_clauses.len()).unwrap_or(u64::MAX));
            for ins in IlReader::new(body.code) {
                at(TableId::MethodDef, rid, ins)?;
                bump(&mut report.instructions);
            }
        }
        Ok(())
    }
}
