//! Calls that generics need expanded by the compiler: `Activator.
//! CreateInstance<T>()` (C#'s `new T()`), which no IL body can express for
//! every `T` without reflection.

use cranelift_codegen::ir::InstBuilder;

use super::ErrorKind;
use super::func::{R, Tr};
use crate::types::{MethodId, Ty};

impl Tr<'_, '_> {
    /// Expand `m` if it is a call generics need inline; false otherwise.
    pub fn generic_special_call(&mut self, m: MethodId) -> R<bool> {
        let mi = self.env.types().method(m);
        let owner = self.env.types().ty(mi.owner);
        if !(owner.namespace == "System"
            && owner.name == "Activator"
            && mi.name == "CreateInstance"
            && mi.method_args.len() == 1)
        {
            return Ok(false);
        }
        let t = mi.method_args[0];
        match t {
            Ty::Ref(c) => {
                let mut ctor = None;
                for x in self.env.types().ty(c).methods.clone() {
                    let xi = self.env.types().method(x);
                    if xi.name == ".ctor"
                        && !xi.is_static()
                        && self.env.types_mut().method_sig(x)?.params.is_empty()
                    {
                        ctor = Some(x);
                        break;
                    }
                }
                self.newobj(ctor.ok_or(ErrorKind::UnsupportedCall)?)?;
            }
            _ => {
                // A value type: its default value (a zeroed struct, 0).
                let slot = self.new_slot(t)?;
                let a = self
                    .b
                    .ins()
                    .stack_addr(cranelift_codegen::ir::types::I64, slot, 0);
                let size = self.env.types_mut().size_of(t)?;
                self.zero(a, size)?;
                let e = self.load_ty(t, a, 0)?;
                self.stack.push(e);
            }
        }
        Ok(true)
    }
}
