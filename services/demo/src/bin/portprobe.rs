//! Reads CMOS port 0x70 with no I/O-port grant: the CPU must refuse it
//! (#GP), ending this task with a fault report and nothing else.

#![no_std]
#![no_main]

userlib::entry!(main);

fn main(_args: &str) -> i64 {
    userlib::log!("portprobe: reading port 0x70 without a grant");
    // SAFETY: deliberately unauthorised: the test expects #GP right here.
    let v = unsafe { userlib::port::inb(0x70) };
    userlib::log!("portprobe: FAIL (read {v:#x} from an ungranted port)");
    1
}
