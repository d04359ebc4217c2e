//! `jit-inject=NAME[,NAME]`: the JIT's fault injections
//! (`jit::compiler::Inject`, docs/driverhost.md "The fault-injection
//! switch"), set on a fresh runtime before it compiles anything. Any mode
//! that runs managed code calls [`apply`] right after creating its runtime.

use jit::compiler::JitOptions;
use jit::runtime::Runtime;

/// Set the injections `args` names, if any. `Err` carries the exit code
/// (2): an unknown name, or a runtime that already compiled code.
pub fn apply(rt: &mut Runtime, args: &str) -> Result<(), i64> {
    let Some(list) = crate::arg(args, "jit-inject") else {
        return Ok(());
    };
    let Ok(options) = JitOptions::parse_inject(list) else {
        userlib::log!("driverhost: jit-inject={list}: unknown injection");
        return Err(2);
    };
    if rt.set_options(options).is_err() {
        userlib::log!("driverhost: jit-inject: code already compiled");
        return Err(2);
    }
    userlib::log!("driverhost: JIT fault injection on: {list}");
    Ok(())
}
