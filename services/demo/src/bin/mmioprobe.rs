//! With `grant=mmio:0xfed00000+0x1000` this maps the HPET's registers and
//! reads its capabilities (vendor and tick period); it also checks that a
//! range it was not granted — RAM, or past its grant — is refused.

#![no_std]
#![no_main]

use userlib::SyscallError;
use userlib::sys::Error;

userlib::entry!(main);

const HPET: u64 = 0xfed0_0000;
const AT: u64 = 0x0000_6000_0000_0000;

fn main(_args: &str) -> i64 {
    if let Err(e) = userlib::map_device(HPET, 0x1000, AT) {
        userlib::log!("mmioprobe: FAIL (mapping the granted HPET page: {e})");
        return 1;
    }
    // SAFETY: the HPET register page, just mapped uncached; offset 0 is the
    // 64-bit General Capabilities and ID register.
    let caps = unsafe { (AT as *const u64).read_volatile() };
    let vendor = (caps >> 16) & 0xffff;
    let period_fs = caps >> 32;
    // Device registers are never a syscall buffer: the kernel would touch
    // the device through its own mapping.
    let as_buffer = userlib::sys::raw(ddk_abi::Syscall::Log, [AT, 16, 0, 0, 0, 0]).0;
    if as_buffer != u64::from(SyscallError::BadPointer.code()) {
        userlib::log!("mmioprobe: FAIL (a device page as a Log buffer gave status {as_buffer})");
        return 1;
    }
    let ram = userlib::map_device(0x10_0000, 0x1000, AT + 0x10_0000);
    let past = userlib::map_device(HPET, 0x2000, AT + 0x20_0000);
    let denied = Err(Error::Sys(SyscallError::PermissionDenied));
    if period_fs == 0 || period_fs > 100_000_000 || ram != denied || past != denied {
        userlib::log!("mmioprobe: FAIL (caps {caps:#x}; RAM map {ram:?}; past-grant map {past:?})");
        return 1;
    }
    userlib::log!(
        "mmioprobe: PASS (HPET vendor {vendor:#06x}, period {period_fs} fs; ungranted RAM and past-grant maps refused; device page refused as a buffer)"
    );
    0
}
