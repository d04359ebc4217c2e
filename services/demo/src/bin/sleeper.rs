//! Sleeps `ms=N` milliseconds, then exits with `code=C` — a task that dies
//! on schedule, for the dead-task tests.

#![no_std]
#![no_main]

userlib::entry!(main);

fn main(args: &str) -> i64 {
    userlib::sleep_ms(demo::arg_u64(args, "ms", 100));
    demo::arg_u64(args, "code", 0) as i64
}
