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
//!   its disk over `ipc::blkdev` ([`drivers`], [`blkhost`]); its runtime
//!   is generational with a 1 MiB nursery (`nursery=BYTES`, 0 for none;
//!   docs/gc.md).
//! - `jit-inject=ldfld-struct`: compile with the fault injection of the
//!   seed's bug 5 (`jit::compiler::Inject`); off by default. Test manifests
//!   give it as `first-args`, so only the first start has it.
//! - `campaign=SEED count=N kinds=a,b first=I`: one injection of the
//!   fault-injection campaign per generation ([`campaign`], docs/campaign.md).
//! - `image-corrupt=N` (tests): flip byte N of the fetched code image
//!   before importing it ([`image`]).
//! - `show-faults=1`: log the supervisor's newest fault records (with
//!   their managed location) when done.
//! - `shutdown=1`: power off when done (QEMU tests); with
//!   `shutdown-after=NAME`, once task NAME has exited.
//!
//! Exit codes: 0 done, 1 a test failed, 2 bad arguments / missing files /
//! a compile error, [`report::EXIT_MANAGED_EXCEPTION`] an unhandled managed
//! exception (`mode=call` and `mode=drivers`; see [`drivers`] for the
//! cases where `mode=drivers` stays up refusing I/O instead).

#![no_std]
#![no_main]

extern crate alloc;

mod bind;
mod blkhost;
mod call;
mod campaign;
mod codemap;
mod codemem;
mod console;
mod ddk;
mod drivers;
mod files;
mod image;
mod inject;
mod report;
mod suites;

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

/// `show-faults=1`: log the supervisor's newest fault records with their
/// managed location (what `jit-fault-ldfld` checks the record keeps).
fn show_faults() {
    let req = ipc::supervisor::Request::FaultReports { max: 4 };
    let reply = userlib::lookup("supervisor")
        .map_err(|e| alloc::format!("{e}"))
        .and_then(|sup| {
            userlib::rpc::call::<ipc::supervisor::Supervisor>(sup, &req)
                .map_err(|e| alloc::format!("{e}"))
        });
    match reply {
        Ok(ipc::supervisor::Reply::Reports(records)) => {
            for r in records {
                userlib::log!(
                    "driverhost: fault record: {}[{}.{}] managed: {}",
                    r.service,
                    r.task.index(),
                    r.task.generation(),
                    r.managed.as_deref().unwrap_or("-")
                );
            }
        }
        Ok(other) => userlib::log!("driverhost: FaultReports answered {other:?}"),
        Err(e) => userlib::log!("driverhost: FaultReports: {e}"),
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
        Some("jit-tests") => {
            i64::from(suites::run(&files, arg(args, "gc-stress") == Some("1")) != 0)
        }
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
    console::flush();
    if arg(args, "show-faults") == Some("1") {
        show_faults();
    }
    if arg(args, "shutdown") == Some("1") {
        // `shutdown-after=NAME`: first wait until that task has exited (a
        // test's client still finishing its calls).
        if let Some(name) = arg(args, "shutdown-after") {
            while !matches!(userlib::lookup(name), Err(userlib::sys::Error::Dead { .. })) {
                userlib::sleep_ms(20);
            }
        }
        shutdown();
    }
    code
}
