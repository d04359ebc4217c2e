//! With a PCI function granted (`grant=pci:1af4:1042`, a modern virtio-blk),
//! this maps the first page of its BAR 4 — where QEMU puts the virtio common
//! configuration — through `MapDevice` and reads the device's queue count.
//! It also checks that a device page is refused as a syscall buffer and that
//! ranges it was not granted (RAM, past its BAR) are refused.
//!
//! (Raw `grant=mmio:` ranges are for platform devices the kernel does not
//! keep; on QEMU's q35 every MMIO device is either the kernel's — APICs,
//! HPET, ECAM — or a PCI function, granted whole.)

#![no_std]
#![no_main]

use userlib::SyscallError;
use userlib::sys::{self, Error};

userlib::entry!(main);

const AT: u64 = 0x0000_6000_0000_0000;
/// `num_queues` in the virtio PCI common configuration structure.
const NUM_QUEUES: u64 = 0x12;

fn main(_args: &str) -> i64 {
    let Ok((bdf, ids, _)) = sys::pci_info(0) else {
        userlib::log!("mmioprobe: FAIL (no PCI function granted)");
        return 1;
    };
    let (phys, len, flags) = match sys::pci_bar(bdf, 4) {
        Ok(b) => b,
        Err(e) => {
            userlib::log!("mmioprobe: FAIL (BAR 4: {e})");
            return 1;
        }
    };
    if len < 0x1000 || flags & ddk_abi::syscall::pci_bar::IO != 0 {
        userlib::log!("mmioprobe: FAIL (BAR 4 is {len:#x} bytes, flags {flags:#x})");
        return 1;
    }
    if let Err(e) = userlib::map_device(phys, 0x1000, AT) {
        userlib::log!("mmioprobe: FAIL (mapping the granted BAR page: {e})");
        return 1;
    }
    // SAFETY: the first page of the function's BAR 4, just mapped uncached;
    // the common configuration's 16-bit queue count is at 0x12.
    let queues = unsafe { ((AT + NUM_QUEUES) as *const u16).read_volatile() };
    // Device registers are never a syscall buffer: the kernel would touch
    // the device through its own mapping.
    let as_buffer = sys::raw(ddk_abi::Syscall::Log, [AT, 16, 0, 0, 0, 0]).0;
    if as_buffer != u64::from(SyscallError::BadPointer.code()) {
        userlib::log!("mmioprobe: FAIL (a device page as a Log buffer gave status {as_buffer})");
        return 1;
    }
    let ram = userlib::map_device(0x10_0000, 0x1000, AT + 0x10_0000);
    let past = userlib::map_device(phys + len, 0x1000, AT + 0x20_0000);
    let denied = Err(Error::Sys(SyscallError::PermissionDenied));
    if queues == 0 || ram != denied || past != denied {
        userlib::log!("mmioprobe: FAIL (queues {queues}; RAM map {ram:?}; past-BAR map {past:?})");
        return 1;
    }
    userlib::log!(
        "mmioprobe: PASS ({:04x}:{:04x} BAR 4 mapped, {queues} virtqueue(s); ungranted RAM and past-BAR maps refused; device page refused as a buffer)",
        ids & 0xffff,
        ids >> 16
    );
    0
}
