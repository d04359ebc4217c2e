//! What the driver host says when managed code ends badly: an unhandled
//! managed exception is logged with its type, message and managed stack
//! trace (method, IL offset, instruction per frame), and the driver host
//! exits with [`EXIT_MANAGED_EXCEPTION`].

use jit::runtime::Runtime;

/// Exit code of a driver host ended by an unhandled managed exception
/// (docs/driverhost.md). Distinct from 0 (done), 1 (a test failed) and 2
/// (bad arguments, missing files, a compile error).
pub const EXIT_MANAGED_EXCEPTION: i64 = 70;

/// Log the unhandled exception `obj`, thrown out of `entry`.
pub fn unhandled_exception(rt: &mut Runtime, entry: &str, obj: usize) {
    // A `Console.Write` the program left without its newline goes first.
    crate::console::flush();
    let ty = rt.object_type_name(obj);
    let msg = rt.exception_message(obj);
    userlib::log!(
        "driverhost: unhandled exception {ty}: {} (out of {entry})",
        msg.as_deref().unwrap_or("(no message)")
    );
    let trace = rt.exception_trace(obj);
    if trace.is_empty() {
        userlib::log!("driverhost:    (no managed frames recorded)");
    }
    for loc in trace {
        let name = rt.types.method_name(loc.method);
        match loc.il_offset {
            Some(il) => userlib::log!(
                "driverhost:    at {name} IL_{il:04x} ({})",
                rt.il_mnemonic_at(loc.method, il).unwrap_or("?")
            ),
            // The shared raise block of a runtime check: no single instruction.
            None => userlib::log!("driverhost:    at {name} (runtime check)"),
        }
    }
}
