//! Compiler options fixed per runtime, among them the fault-injection
//! switches that reproduce known JIT bugs on purpose (docs/driverhost.md,
//! "The fault-injection switch").
//!
//! Options are part of what compiled code depends on: a runtime takes
//! them (and hands them over as [`super::env::CompileEnv::options`])
//! before it compiles anything and refuses to change them afterwards, and
//! compiled code is keyed by (runtime, method) — it lives in that runtime's
//! cells and is never shared with or reused by a runtime with other options.

/// Deliberate miscompiles, all off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inject {
    /// The seed's bug 5: `ldfld` on a struct VALUE (`ldloc <struct>;
    /// ldfld`, a by-value argument, a call result) takes the value's first
    /// pointer-sized bytes — what the seed's JIT held in a register for a
    /// small struct — as an object address and reads the field through it,
    /// instead of reading the field from the value's own storage.
    pub ldfld_struct: bool,
}

/// Options of one runtime's compiler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitOptions {
    /// Deliberate miscompiles (tests of the fault path only).
    pub inject: Inject,
}

/// An unknown name in [`JitOptions::parse_inject`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownInjection;

impl JitOptions {
    /// Turn on the injections named in `list` (comma-separated; today only
    /// `ldfld-struct`). An unknown name is an error, so a misspelt switch
    /// cannot silently test nothing.
    pub fn parse_inject(list: &str) -> Result<Self, UnknownInjection> {
        let mut o = Self::default();
        for name in list.split(',').filter(|s| !s.is_empty()) {
            match name {
                "ldfld-struct" => o.inject.ldfld_struct = true,
                _ => return Err(UnknownInjection),
            }
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse() {
        assert_eq!(JitOptions::parse_inject(""), Ok(JitOptions::default()));
        assert!(
            JitOptions::parse_inject("ldfld-struct")
                .unwrap()
                .inject
                .ldfld_struct
        );
        assert_eq!(
            JitOptions::parse_inject("ldfld-struct,bogus"),
            Err(UnknownInjection)
        );
    }
}
