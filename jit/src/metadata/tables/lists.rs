//! Ownership queries: which fields, methods, parameters, events and
//! properties belong to a row, and the sorted "side tables" keyed by a
//! parent (NestedClass, ClassLayout, FieldLayout, FieldRVA, ...).
//!
//! Member lists are runs (II.22: a `TypeDef`'s fields run from its
//! `FieldList` to the next row's `FieldList`, or to the end of the Field
//! table). In `#-` streams the runs index the `*Ptr` tables instead, which
//! [`MemberList`] resolves transparently.

use alloc::vec::Vec;

use super::rows::*;
use super::{Row, TableId, Tables};
use crate::metadata::coded_index::{CodedIndex, HasConstant, TypeDefOrRef, TypeOrMethodDef};
use crate::metadata::error::{MetadataError, Result};

/// The rows of a member table owned by one parent, as 1-based rids of the
/// member table (after `*Ptr` indirection). Yields `Err` only for a broken
/// `*Ptr` row.
#[derive(Clone, Debug)]
pub struct MemberList<'t, 'a> {
    tables: &'t Tables<'a>,
    ptr: Option<TableId>,
    next: u32,
    end: u32,
}

impl MemberList<'_, '_> {
    /// Number of members in the run.
    pub fn len(&self) -> usize {
        usize::try_from(self.end.saturating_sub(self.next)).unwrap_or(0)
    }

    /// Whether the run is empty.
    pub fn is_empty(&self) -> bool {
        self.next >= self.end
    }
}

impl Iterator for MemberList<'_, '_> {
    type Item = Result<u32>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let pos = self.next;
        self.next = pos.checked_add(1)?;
        Some(match self.ptr {
            None => Ok(pos),
            Some(TableId::FieldPtr) => self.tables.get::<FieldPtrRow>(pos).map(|r| r.field),
            Some(TableId::MethodPtr) => self.tables.get::<MethodPtrRow>(pos).map(|r| r.method),
            Some(TableId::ParamPtr) => self.tables.get::<ParamPtrRow>(pos).map(|r| r.param),
            Some(TableId::EventPtr) => self.tables.get::<EventPtrRow>(pos).map(|r| r.event),
            Some(TableId::PropertyPtr) => {
                self.tables.get::<PropertyPtrRow>(pos).map(|r| r.property)
            }
            Some(_) => Ok(pos),
        })
    }
}

/// The member lists of one `TypeDef`, as returned by [`Tables::type_def_lists`].
#[derive(Clone, Debug)]
pub struct TypeDefLists<'t, 'a> {
    /// Fields, in declaration order.
    pub fields: MemberList<'t, 'a>,
    /// Methods, in declaration order.
    pub methods: MemberList<'t, 'a>,
}

fn ptr_table_for(target: TableId) -> Option<TableId> {
    match target {
        TableId::Field => Some(TableId::FieldPtr),
        TableId::MethodDef => Some(TableId::MethodPtr),
        TableId::Param => Some(TableId::ParamPtr),
        TableId::Event => Some(TableId::EventPtr),
        TableId::Property => Some(TableId::PropertyPtr),
        _ => None,
    }
}

impl<'a> Tables<'a> {
    /// The run `[start, next_start)` of `target` rows owned by `owner` row `rid`.
    fn run(
        &self,
        owner: TableId,
        rid: u32,
        start: u32,
        next_start: Option<u32>,
        target: TableId,
    ) -> Result<MemberList<'_, 'a>> {
        let ptr = ptr_table_for(target).filter(|&p| self.row_count(p) > 0);
        let list_table = ptr.unwrap_or(target);
        let table_end = self.row_count(list_table).saturating_add(1);
        // Some writers put 0 in the list column of an empty table.
        let start = start.max(1);
        let end = next_start.map_or(table_end, |n| n.max(1));
        if end < start || end > table_end {
            return Err(MetadataError::BadRowIndex {
                table: owner,
                row: rid,
                target: list_table,
                index: end,
            });
        }
        Ok(MemberList {
            tables: self,
            ptr,
            next: start,
            end,
        })
    }

    /// The next row's list column, or `None` for the last row.
    fn next_list_value<R: Row>(&self, rid: u32, column: impl Fn(&R) -> u32) -> Result<Option<u32>> {
        if rid >= self.row_count(R::TABLE) {
            return Ok(None);
        }
        let next = rid.checked_add(1).ok_or(MetadataError::Overflow)?;
        self.get::<R>(next).map(|r| Some(column(&r)))
    }

    /// Fields and methods of `TypeDef` row `type_def`.
    pub fn type_def_lists(&self, type_def: u32) -> Result<TypeDefLists<'_, 'a>> {
        let row = self.get::<TypeDefRow>(type_def)?;
        let next = self.next_list_value::<TypeDefRow>(type_def, |r| r.field_list)?;
        let fields = self.run(
            TableId::TypeDef,
            type_def,
            row.field_list,
            next,
            TableId::Field,
        )?;
        let next = self.next_list_value::<TypeDefRow>(type_def, |r| r.method_list)?;
        let methods = self.run(
            TableId::TypeDef,
            type_def,
            row.method_list,
            next,
            TableId::MethodDef,
        )?;
        Ok(TypeDefLists { fields, methods })
    }

    /// Fields of `TypeDef` row `type_def`, in declaration order.
    pub fn fields_of(&self, type_def: u32) -> Result<MemberList<'_, 'a>> {
        Ok(self.type_def_lists(type_def)?.fields)
    }

    /// Methods of `TypeDef` row `type_def`, in declaration order.
    pub fn methods_of(&self, type_def: u32) -> Result<MemberList<'_, 'a>> {
        Ok(self.type_def_lists(type_def)?.methods)
    }

    /// Param rows of `MethodDef` row `method` (sequence 0, if present, is the
    /// return value; the others are not guaranteed to cover every parameter).
    pub fn params_of(&self, method: u32) -> Result<MemberList<'_, 'a>> {
        let row = self.get::<MethodDefRow>(method)?;
        let next = self.next_list_value::<MethodDefRow>(method, |r| r.param_list)?;
        self.run(
            TableId::MethodDef,
            method,
            row.param_list,
            next,
            TableId::Param,
        )
    }

    /// Events of `TypeDef` row `type_def` (empty when it has no EventMap row).
    pub fn events_of(&self, type_def: u32) -> Result<MemberList<'_, 'a>> {
        let Some(map) =
            self.find_one::<EventMapRow>(u64::from(type_def), |r| u64::from(r.parent))?
        else {
            return Ok(self.empty_list());
        };
        let row = self.get::<EventMapRow>(map)?;
        let next = self.next_list_value::<EventMapRow>(map, |r| r.event_list)?;
        self.run(TableId::EventMap, map, row.event_list, next, TableId::Event)
    }

    /// Properties of `TypeDef` row `type_def` (empty when it has no PropertyMap row).
    pub fn properties_of(&self, type_def: u32) -> Result<MemberList<'_, 'a>> {
        let Some(map) =
            self.find_one::<PropertyMapRow>(u64::from(type_def), |r| u64::from(r.parent))?
        else {
            return Ok(self.empty_list());
        };
        let row = self.get::<PropertyMapRow>(map)?;
        let next = self.next_list_value::<PropertyMapRow>(map, |r| r.property_list)?;
        self.run(
            TableId::PropertyMap,
            map,
            row.property_list,
            next,
            TableId::Property,
        )
    }

    fn empty_list(&self) -> MemberList<'_, 'a> {
        MemberList {
            tables: self,
            ptr: None,
            next: 1,
            end: 1,
        }
    }

    /// The `TypeDef` that declares `MethodDef` row `method`.
    pub fn declaring_type_of_method(&self, method: u32) -> Result<Option<u32>> {
        self.owner_of(method, TableId::MethodDef, |t| t.method_list, |l| l.methods)
    }

    /// The `TypeDef` that declares `Field` row `field`.
    pub fn declaring_type_of_field(&self, field: u32) -> Result<Option<u32>> {
        self.owner_of(field, TableId::Field, |t| t.field_list, |l| l.fields)
    }

    fn owner_of<'t>(
        &'t self,
        member: u32,
        member_table: TableId,
        list: impl Fn(&TypeDefRow) -> u32,
        pick: impl Fn(TypeDefLists<'t, 'a>) -> MemberList<'t, 'a>,
    ) -> Result<Option<u32>> {
        let count = self.row_count(TableId::TypeDef);
        let direct = ptr_table_for(member_table).is_none_or(|p| self.row_count(p) == 0);
        if direct {
            // Runs are ascending, so the owner is the last type whose run
            // starts at or before `member`; then confirm it really contains it
            // (hostile, unsorted lists just fail the confirmation).
            let (mut lo, mut hi) = (1u32, count);
            let mut found = None;
            while lo <= hi {
                let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
                if list(&self.get::<TypeDefRow>(mid)?).max(1) <= member {
                    found = Some(mid);
                    lo = mid.saturating_add(1);
                } else if mid == 0 {
                    break;
                } else {
                    hi = mid.saturating_sub(1);
                }
            }
            if let Some(t) = found {
                let run = pick(self.type_def_lists(t)?);
                if member >= run.next && member < run.end {
                    return Ok(Some(t));
                }
            }
            return Ok(None);
        }
        for t in 1..=count {
            for m in pick(self.type_def_lists(t)?) {
                if m? == member {
                    return Ok(Some(t));
                }
            }
        }
        Ok(None)
    }

    /// All rows of `R` whose key equals `key`: binary search when the table
    /// is marked sorted, a scan otherwise. Returns rids.
    pub fn find_by_key<R: Row>(&self, key: u64, key_of: impl Fn(&R) -> u64) -> Result<Vec<u32>> {
        let count = self.row_count(R::TABLE);
        let mut out = Vec::new();
        if self.is_sorted(R::TABLE) {
            // Lower bound of `key`.
            let (mut lo, mut hi) = (1u32, count.saturating_add(1));
            while lo < hi {
                let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
                if key_of(&self.get::<R>(mid)?) < key {
                    lo = mid.saturating_add(1);
                } else {
                    hi = mid;
                }
            }
            let mut rid = lo;
            while rid <= count && key_of(&self.get::<R>(rid)?) == key {
                out.push(rid);
                rid = rid.saturating_add(1);
            }
        } else {
            for item in self.iter::<R>() {
                let (rid, row) = item?;
                if key_of(&row) == key {
                    out.push(rid);
                }
            }
        }
        Ok(out)
    }

    fn find_one<R: Row>(&self, key: u64, key_of: impl Fn(&R) -> u64) -> Result<Option<u32>> {
        Ok(self.find_by_key::<R>(key, key_of)?.first().copied())
    }

    /// The enclosing type of `type_def` if it is nested.
    pub fn enclosing_class(&self, type_def: u32) -> Result<Option<u32>> {
        let Some(rid) =
            self.find_one::<NestedClassRow>(u64::from(type_def), |r| u64::from(r.nested_class))?
        else {
            return Ok(None);
        };
        Ok(Some(self.get::<NestedClassRow>(rid)?.enclosing_class))
    }

    /// Types directly nested in `type_def` (NestedClass is not sorted by the
    /// enclosing column, so this scans).
    pub fn nested_classes_of(&self, type_def: u32) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        for item in self.iter::<NestedClassRow>() {
            let (_, row) = item?;
            if row.enclosing_class == type_def {
                out.push(row.nested_class);
            }
        }
        Ok(out)
    }

    /// `[StructLayout(Pack, Size)]` of `type_def`, if it has a ClassLayout row.
    pub fn class_layout(&self, type_def: u32) -> Result<Option<ClassLayoutRow>> {
        self.find_one::<ClassLayoutRow>(u64::from(type_def), |r| u64::from(r.parent))?
            .map(|rid| self.get::<ClassLayoutRow>(rid))
            .transpose()
    }

    /// `[FieldOffset]` of `field`, if it has a FieldLayout row.
    pub fn field_layout(&self, field: u32) -> Result<Option<u32>> {
        self.find_one::<FieldLayoutRow>(u64::from(field), |r| u64::from(r.field))?
            .map(|rid| self.get::<FieldLayoutRow>(rid).map(|r| r.offset))
            .transpose()
    }

    /// RVA of the initial data of `field`, if it has a FieldRVA row.
    pub fn field_rva(&self, field: u32) -> Result<Option<u32>> {
        self.find_one::<FieldRvaRow>(u64::from(field), |r| u64::from(r.field))?
            .map(|rid| self.get::<FieldRvaRow>(rid).map(|r| r.rva))
            .transpose()
    }

    /// Interfaces `type_def` declares it implements.
    pub fn interfaces_of(&self, type_def: u32) -> Result<Vec<TypeDefOrRef>> {
        self.find_by_key::<InterfaceImplRow>(u64::from(type_def), |r| u64::from(r.class))?
            .into_iter()
            .map(|rid| self.get::<InterfaceImplRow>(rid).map(|r| r.interface))
            .collect()
    }

    /// Generic parameters of a type or method, ordered by number.
    pub fn generic_params_of(&self, owner: TypeOrMethodDef) -> Result<Vec<GenericParamRow>> {
        let mut params: Vec<GenericParamRow> = self
            .find_by_key::<GenericParamRow>(owner.encode(), |r| r.owner.encode())?
            .into_iter()
            .map(|rid| self.get::<GenericParamRow>(rid))
            .collect::<Result<_>>()?;
        params.sort_by_key(|p| p.number);
        Ok(params)
    }

    /// The default value of a field, parameter or property.
    pub fn constant_of(&self, parent: HasConstant) -> Result<Option<ConstantRow>> {
        self.find_one::<ConstantRow>(parent.encode(), |r| r.parent.encode())?
            .map(|rid| self.get::<ConstantRow>(rid))
            .transpose()
    }
}
