//! W^X code pages through `Protect` (QEMU test `wx-code`).
//!
//! Without arguments it writes machine code into `MapAnon` pages, flips
//! them to read-execute and calls it, then checks every refusal `Protect`
//! documents. With `mode=exec-rw`, `mode=write-rx` or `mode=write-ro` it
//! does the one forbidden access named and must die of the page fault (the
//! test reads the kernel's fault report); surviving it logs FAIL.
//! `after=a,b shutdown=1` waits for those tasks, then powers off.

#![no_std]
#![no_main]

use ddk_abi::syscall::protect::{READ_EXEC, READ_ONLY, READ_WRITE};
use userlib::SyscallError;
use userlib::sys::Error;

userlib::entry!(main);

/// Where the probe maps its code pages.
const CODE: u64 = 0x0000_3000_0000_0000;
const PAGE: u64 = 4096;
/// `mov eax, 42; ret`
const RETURN_42: [u8; 6] = [0xb8, 42, 0, 0, 0, 0xc3];
/// `mov eax, 7; ret`
const RETURN_7: [u8; 6] = [0xb8, 7, 0, 0, 0, 0xc3];

fn write_code(at: u64, code: &[u8]) {
    for (i, &b) in code.iter().enumerate() {
        // SAFETY: `at` is a page of this task's own mapping, just made
        // writable; the caller knows a fault here is what it may be testing.
        unsafe { ((at + i as u64) as *mut u8).write_volatile(b) };
    }
}

fn call(at: u64) -> u32 {
    // SAFETY: `at` holds a complete `mov eax, imm32; ret` written by this
    // program (or, in `exec-rw`, a page that must not execute at all).
    let f: extern "C" fn() -> u32 = unsafe { core::mem::transmute(at as *const ()) };
    f()
}

fn expect(what: &str, got: Result<(), Error>, want: Result<(), SyscallError>) -> bool {
    let want = want.map_err(Error::Sys);
    if got != want {
        userlib::log!("wxprobe: FAIL ({what}: {got:?}, expected {want:?})");
        return false;
    }
    true
}

fn main(args: &str) -> i64 {
    let code = match demo::arg(args, "mode") {
        Some(mode) => faulting(mode),
        None => i64::from(!checks()),
    };
    if let Some(after) = demo::arg(args, "after") {
        demo::wait_exited(after);
    }
    if demo::arg(args, "shutdown") == Some("1") {
        demo::shutdown();
    }
    code
}

/// One forbidden access; returning at all is a failure.
fn faulting(mode: &str) -> i64 {
    if let Err(e) = userlib::map_anon(CODE, PAGE, true) {
        userlib::log!("wxprobe {mode}: FAIL (MapAnon: {e})");
        return 1;
    }
    write_code(CODE, &RETURN_42);
    match mode {
        "exec-rw" => {
            userlib::log!("wxprobe exec-rw: calling RW page {CODE:#x}");
            let r = call(CODE);
            userlib::log!("wxprobe exec-rw: FAIL (a RW page executed and returned {r})");
        }
        "write-rx" | "write-ro" => {
            let to = if mode == "write-rx" {
                READ_EXEC
            } else {
                READ_ONLY
            };
            if let Err(e) = userlib::protect(CODE, PAGE, to) {
                userlib::log!("wxprobe {mode}: FAIL (Protect: {e})");
                return 1;
            }
            userlib::log!("wxprobe {mode}: writing page {CODE:#x}");
            write_code(CODE, &[0x90]);
            userlib::log!("wxprobe {mode}: FAIL (the write went through)");
        }
        _ => userlib::log!("wxprobe: FAIL (unknown mode {mode})"),
    }
    1
}

/// The allowed path and the refusals; logs PASS or the first FAIL.
fn checks() -> bool {
    if let Err(e) = userlib::map_anon(CODE, 3 * PAGE, true) {
        userlib::log!("wxprobe: FAIL (MapAnon: {e})");
        return false;
    }
    write_code(CODE, &RETURN_42);
    let text = (main as *const () as u64) & !(PAGE - 1);
    let local = 0u8;
    let stack = core::ptr::from_ref(&local) as u64 & !(PAGE - 1);
    let unmapped = CODE + 0x10_0000;
    let ok = expect(
        "W+X mode 3",
        userlib::protect(CODE, PAGE, 3),
        Err(SyscallError::InvalidArgument),
    ) && expect(
        "mode u64::MAX",
        userlib::protect(CODE, PAGE, u64::MAX),
        Err(SyscallError::InvalidArgument),
    ) && expect(
        "ELF text to RW",
        userlib::protect(text, PAGE, READ_WRITE),
        Err(SyscallError::PermissionDenied),
    ) && expect(
        "stack to RX",
        userlib::protect(stack, PAGE, READ_EXEC),
        Err(SyscallError::PermissionDenied),
    ) && expect(
        "unmapped page",
        userlib::protect(unmapped, PAGE, READ_EXEC),
        Err(SyscallError::NotMapped),
    ) && expect(
        "misaligned address",
        userlib::protect(CODE + 1, PAGE, READ_EXEC),
        Err(SyscallError::BadAddress),
    ) && expect(
        "zero length",
        userlib::protect(CODE, 0, READ_EXEC),
        Err(SyscallError::BadAddress),
    ) && expect(
        "range running into unmapped memory",
        userlib::protect(CODE, 4 * PAGE, READ_EXEC),
        Err(SyscallError::NotMapped),
    );
    if !ok {
        return false;
    }
    // All-or-nothing: the refused range above left the first page writable
    // (were it RX now, this write would kill the probe).
    write_code(CODE, &RETURN_42);
    if !expect(
        "code page to RX",
        userlib::protect(CODE, PAGE, READ_EXEC),
        Ok(()),
    ) {
        return false;
    }
    let first = call(CODE);
    let back = expect(
        "RX back to RW",
        userlib::protect(CODE, PAGE, READ_WRITE),
        Ok(()),
    );
    if !back {
        return false;
    }
    write_code(CODE, &RETURN_7);
    if !expect(
        "RW to RX again",
        userlib::protect(CODE, PAGE, READ_EXEC),
        Ok(()),
    ) {
        return false;
    }
    let second = call(CODE);
    if first != 42 || second != 7 {
        userlib::log!("wxprobe: FAIL (the code pages returned {first} and {second}, not 42 and 7)");
        return false;
    }
    grant_rules() && read_only() && fresh_read_only() && finish()
}

/// A page mapped read-only in tables of its own (nothing writable mapped
/// near it) becomes writable through `Protect`: the kernel must make the
/// parent entries writable too, or this write kills the probe.
fn fresh_read_only() -> bool {
    const ALONE: u64 = 0x0000_3100_0000_0000;
    if let Err(e) = userlib::map_anon(ALONE, PAGE, false) {
        userlib::log!("wxprobe: FAIL (read-only MapAnon: {e})");
        return false;
    }
    if !expect(
        "RO MapAnon to RW",
        userlib::protect(ALONE, PAGE, READ_WRITE),
        Ok(()),
    ) {
        return false;
    }
    write_code(ALONE, &RETURN_7);
    // SAFETY: a present, readable page of this task.
    let b = unsafe { (ALONE as *const u8).read_volatile() };
    b == RETURN_7[0] && userlib::unmap(ALONE, PAGE).is_ok()
}

/// A page granted writable to another task stays writable there, so it may
/// not become executable here; an executable page cannot be granted
/// writable; read-only grants are fine either way.
fn grant_rules() -> bool {
    let page = CODE + 2 * PAGE;
    let to = match userlib::lookup("supervisor") {
        Ok(t) => t,
        Err(e) => {
            userlib::log!("wxprobe: FAIL (no grantee: {e})");
            return false;
        }
    };
    let Ok(grant) = userlib::grant_create(to, page, PAGE, true) else {
        userlib::log!("wxprobe: FAIL (granting a RW anonymous page)");
        return false;
    };
    let ok = expect(
        "RX under a writable grant",
        userlib::protect(page, PAGE, READ_EXEC),
        Err(SyscallError::PermissionDenied),
    ) && expect(
        "RO under a writable grant",
        userlib::protect(page, PAGE, READ_ONLY),
        Ok(()),
    ) && expect("revoke", userlib::grant_revoke(grant), Ok(()))
        && expect(
            "RX once the grant is revoked",
            userlib::protect(page, PAGE, READ_EXEC),
            Ok(()),
        )
        && expect(
            "writable grant of an RX page",
            userlib::grant_create(to, page, PAGE, true).map(|_| ()),
            Err(SyscallError::BadPointer),
        );
    if !ok {
        return false;
    }
    match userlib::grant_create(to, page, PAGE, false) {
        Ok(g) => expect("revoke", userlib::grant_revoke(g), Ok(())),
        Err(e) => {
            userlib::log!("wxprobe: FAIL (read-only grant of an RX page: {e})");
            false
        }
    }
}

/// READ_ONLY pages read (the write fault is the `write-ro` task's part).
fn read_only() -> bool {
    let page = CODE + PAGE;
    write_code(page, &[0x5a]);
    if !expect("RW to RO", userlib::protect(page, PAGE, READ_ONLY), Ok(())) {
        return false;
    }
    // SAFETY: a present, readable page of this task.
    let b = unsafe { (page as *const u8).read_volatile() };
    if b != 0x5a {
        userlib::log!("wxprobe: FAIL (read-only page reads {b:#x})");
        return false;
    }
    true
}

fn finish() -> bool {
    if let Err(e) = userlib::unmap(CODE, 3 * PAGE) {
        userlib::log!("wxprobe: FAIL (unmapping the code pages: {e})");
        return false;
    }
    // Kept short: a kernel log line holds 160 characters.
    userlib::log!(
        "wxprobe: PASS (RW->RX code returned 42, RX->RW->RX 7; W+X, text, stack, unmapped, partial refused; grant rules hold)"
    );
    true
}
