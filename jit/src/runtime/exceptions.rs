//! The exceptions the runtime raises itself (null, bounds, overflow, cast,
//! divide by zero, ...). Raising allocates the corlib exception object and
//! makes it the exception in flight; the helper then returns to compiled
//! code, whose check after the call branches to the method's dispatch block
//! (docs/jit.md, "Exception handling"). No JIT frame is unwound by the
//! runtime: each frame returns to its caller with the word still set.

use super::{Escape, Runtime};
pub use crate::abi::ExceptionKind;
use crate::compiler::CompileError;
use crate::types::TypeId;

impl Runtime {
    /// Raise a runtime exception of `kind` in the running managed code: it
    /// becomes the exception in flight, and the caller (a helper) returns to
    /// compiled code, which checks for it.
    ///
    /// The exception object is a corlib class made with its parameterless
    /// constructor's layout (fields zeroed; the constructor is not run, so
    /// `Message` is null). When even that allocation fails there is nothing
    /// to throw: the whole protected call ends (`Escape::Exception(0)`).
    pub(crate) fn raise(rt: &mut Runtime, kind: ExceptionKind) {
        // The exception itself may pass the heap limit (an
        // OutOfMemoryException is raised exactly when the heap is full).
        let limit = core::mem::replace(&mut rt.gc.limit, usize::MAX);
        let obj = match rt.types.corlib_type(kind.class_name()) {
            Ok(t) => rt.new_object(t).unwrap_or(0),
            Err(_) => 0,
        };
        rt.gc.limit = limit;
        rt.gc.sync_used();
        rt.gc.grant_budget();
        if obj == 0 {
            Runtime::escape(rt, Escape::Exception(0));
        }
        rt.set_in_flight(obj);
    }

    /// A method that compiled code called could not be compiled: make that
    /// a managed exception at the call (ECMA-335 lets a JIT report it as
    /// `InvalidProgramException`). IL the JIT does not support raises
    /// `NotSupportedException`, malformed IL `InvalidProgramException`; the
    /// message is "<reason> in <method> at IL_<offset>". Returns false when
    /// not even the exception could be made (the caller then escapes).
    pub(crate) fn raise_compile_error(rt: &mut Runtime, e: &CompileError) -> bool {
        let kind = if e.kind.is_unsupported() {
            ExceptionKind::NotSupported
        } else {
            ExceptionKind::InvalidProgram
        };
        let obj = match rt.types.corlib_type(kind.class_name()) {
            Ok(t) => rt.new_object(t).unwrap_or(0),
            Err(_) => 0,
        };
        if obj == 0 {
            return false;
        }
        let method = if (e.method.0 as usize) < rt.types.methods.len() {
            rt.types.method_name(e.method)
        } else {
            alloc::string::String::from("<runtime>")
        };
        let text = alloc::format!("{} in {} at IL_{:04x}", e.kind, method, e.il_offset);
        let message = rt
            .string_from_utf16(
                text.encode_utf16()
                    .collect::<alloc::vec::Vec<u16>>()
                    .into_iter(),
            )
            .unwrap_or(0);
        if let Some(off) = rt.exception_field_offset("_message") {
            // SAFETY: obj is a fresh System.Exception subclass instance
            // with `_message` at `off`; message is a string or null.
            unsafe { *((obj + off) as *mut usize) = message };
        }
        Runtime::throw(rt, obj);
        true
    }

    /// A `TypeInitializationException` for type `t` whose static
    /// constructor threw `inner` (made without running its constructor:
    /// the fields are set as `TypeInitializationException.cs` describes).
    /// When it cannot be made, `inner` itself.
    pub(crate) fn type_initialization_exception(&mut self, t: TypeId, inner: usize) -> usize {
        let Ok(tie_t) = self.types.corlib_type("TypeInitializationException") else {
            return inner;
        };
        let obj = self.new_object(tie_t).unwrap_or(0);
        if obj == 0 {
            return inner;
        }
        let name = self.types.type_name(t);
        let text = alloc::format!("The type initializer for '{name}' threw an exception.");
        let mut string = |s: &str| {
            self.string_from_utf16(
                s.encode_utf16()
                    .collect::<alloc::vec::Vec<u16>>()
                    .into_iter(),
            )
            .unwrap_or(0)
        };
        let (message, type_name) = (string(&text), string(&name));
        let fields = [
            (self.exception_field_offset("_message"), message),
            (self.exception_field_offset("_innerException"), inner),
            (
                self.types
                    .find_field(tie_t, "_typeName")
                    .map(|f| self.types.field(f).offset as usize),
                type_name,
            ),
        ];
        for (off, value) in fields {
            if let Some(off) = off {
                // SAFETY: obj is a fresh TypeInitializationException; `off`
                // is the offset of one of its reference fields.
                unsafe { *((obj + off) as *mut usize) = value };
            }
        }
        obj
    }

    /// Throw `obj` (the `throw` opcode); null throws NullReferenceException.
    pub(crate) fn throw(rt: &mut Runtime, obj: usize) {
        // A throw starts a new search, even for an object thrown before.
        rt.forget_first_pass(obj);
        if obj == 0 {
            Runtime::raise(rt, ExceptionKind::NullReference);
        } else {
            rt.set_in_flight(obj);
        }
    }
}
