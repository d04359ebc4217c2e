//! The driver host: the unprivileged ring-3 process that runs Cordon's C#
//! drivers (`docs/driverhost.md`).
//!
//! It gets its assemblies from the supervisor (the `files=` of its manifest
//! entry, one read-only grant: [`files`]) and runs the `jit` crate with W^X
//! code memory over `MapAnon` + `Protect` ([`codemem`]); the runtime's heap
//! is this process's own (userlib's allocator). A JIT or driver bug kills
//! only this process.
//!
//! Arguments (`key=value`, space-separated):
//! - `mode=jit-tests`: run the JIT's C# test suites ([`suites`]), the
//!   `jit-ring3` QEMU test.
//! - `mode=call method=Type::Method` (optionally `asm=NAME`, default any
//!   test assembly): compile and call one `static int` method and log its
//!   result — how the `jit-ring3-fault` test runs a method that faults.
//!   `mode=write-code method=...` writes into the compiled code instead,
//!   which must fault (the W^X witness of the same test).
//! - `mode=drivers`: bind a C# driver to a granted PCI function and serve
//!   its disk over `ipc::blkdev` ([`drivers`], [`blkhost`]).
//! - `shutdown=1`: power off when done (QEMU tests).

#![no_std]
#![no_main]

extern crate alloc;

mod bind;
mod blkhost;
mod call;
mod codemem;
mod ddk;
mod drivers;
mod files;
mod suites;
mod window;

userlib::entry!(main);

fn arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    args.split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

fn shutdown() {
    match userlib::lookup("supervisor") {
        Ok(sup) => {
            let req = ipc::supervisor::Request::Shutdown;
            if let Err(e) = userlib::rpc::call::<ipc::supervisor::Supervisor>(sup, &req) {
                userlib::log!("driverhost: shutdown request failed: {e}");
            }
        }
        Err(e) => userlib::log!("driverhost: no supervisor to shut down: {e}"),
    }
}

fn main(args: &str) -> i64 {
    let t0 = userlib::uptime_us();
    let files = match files::fetch() {
        Ok(f) => f,
        Err(e) => {
            userlib::log!("driverhost: no assemblies: {e}");
            return 2;
        }
    };
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    userlib::log!(
        "driverhost: {} files ({bytes} bytes) from the supervisor in {} us",
        files.len(),
        userlib::uptime_us() - t0
    );
    let code = match arg(args, "mode") {
        Some("jit-tests") => i64::from(suites::run(&files) != 0),
        Some("call" | "write-code") => call::run(&files, args),
        Some("drivers") => drivers::run(&files, args, t0),
        Some(other) => {
            userlib::log!("driverhost: unknown mode={other}");
            2
        }
        None => {
            userlib::log!("driverhost: no mode given; nothing to do yet");
            0
        }
    };
    if arg(args, "shutdown") == Some("1") {
        shutdown();
    }
    code
}
