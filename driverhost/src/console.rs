//! `System.Console` in the driver host: the corlib's `Console.WriteCore`
//! (the InternalCall every `Console.Write*` ends in; `cilrun` binds it to
//! stdout) goes to this task's log, one log line per line written
//! ([`ddk_native::lines`] holds a line until its newline). Drivers should
//! log through the DDK's `Log`; this is for code written for any .NET.

use ddk_native::lines::LineBuffer;
use ddk_native::string;
use jit::runtime::Runtime;
use spin::Mutex;

static PENDING: Mutex<LineBuffer> = Mutex::new(LineBuffer::new());

/// Binds `Console.WriteCore` in `rt` (before anything is compiled).
pub fn register(rt: &mut Runtime) {
    rt.externals.register(
        "System",
        "Console",
        "WriteCore",
        write_core as *const () as usize,
    );
}

/// Logs what a last `Console.Write` left without its newline.
pub fn flush() {
    if let Some(rest) = PENDING.lock().take_pending() {
        userlib::log!("{rest}");
    }
}

extern "C" fn write_core(s: usize) {
    let Some(text) = crate::ddk::managed_string(s) else {
        return;
    };
    // SAFETY: `s` is the live string the JIT passed (as for `text`).
    let units = unsafe { string::units(s) };
    let mut pending = PENDING.lock();
    pending.write(&text, |line| userlib::log!("{line}"));
    if units > string::MAX_CHARS {
        // Said, not silently cut.
        pending.write(
            &alloc::format!(
                " … ({} more characters not shown)",
                units - string::MAX_CHARS
            ),
            |line| userlib::log!("{line}"),
        );
    }
}
