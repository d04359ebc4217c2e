//! The user shell: owns the serial console (manifest `grant=console`),
//! reads what is typed, and runs each line with the host-tested library
//! (`shell::exec`). Everything here is the syscalls around it: the console,
//! `ipc::supervisor`, `ipc::fs` (through `userlib::fs::FsClient`) and the
//! PCI listing.

#![no_std]
#![no_main]

extern crate alloc;

mod console;
mod sys;

use ddk_abi::syscall::notify;
use shell::{Editor, Event, PROMPT};
use userlib::sys::Received;

userlib::entry!(main);

fn main(_args: &str) -> i64 {
    let mut sys = sys::Sys::new();
    userlib::log!("shell: serving the serial console");
    console::write(b"\nCordon shell: type `help` for the commands\n");
    console::write(PROMPT.as_bytes());
    let mut editor = Editor::new();
    let mut echo = alloc::vec::Vec::new();
    let mut msg = [0u8; 64];
    loop {
        // Bytes that arrived while a command ran (kept by `interrupted`)
        // come first, then whatever the console holds now.
        let mut input = sys.take_kept();
        console::read_all(&mut input);
        if input.is_empty() {
            // Nothing typed: sleep until the console's notification (bits
            // are sticky, so input arriving since the read is not missed).
            match userlib::sys::recv(&mut msg, None) {
                Ok(Received::Notification(bits)) if bits & notify::CONSOLE != 0 => {}
                Ok(Received::Notification(_)) => {}
                // The shell serves no protocol: an empty reply, so a caller
                // does not wait forever.
                Ok(Received::Message { from, .. }) => {
                    let _ = userlib::sys::reply(from, &[]);
                }
                Err(e) => userlib::log!("shell: recv: {e}"),
            }
            continue;
        }
        for b in input {
            echo.clear();
            let event = editor.feed(b, &mut echo);
            console::write(&echo);
            match event {
                None => {}
                Some(Event::Line(line)) => {
                    let _ = shell::run_line(&mut sys, &line);
                    console::write(PROMPT.as_bytes());
                }
                Some(Event::Interrupt) => console::write(PROMPT.as_bytes()),
                Some(Event::TooLong) => {
                    let msg = alloc::format!(
                        "line longer than {} bytes refused\n",
                        shell::editor::LINE_MAX
                    );
                    console::write(msg.as_bytes());
                    console::write(PROMPT.as_bytes());
                }
            }
        }
    }
}
