//! Every decoder over arbitrary bytes: none may panic, and whatever decodes
//! must re-encode, no longer than the input, to bytes that decode to the same
//! message. (Not necessarily to the input itself: postcard accepts overlong
//! varints, so a message can have several spellings; see docs/ipc.md.)

#![no_main]

use ipc::{Message, blk, blkdev, codemap, driverhost, echo, files, fs, supervisor};
use libfuzzer_sys::fuzz_target;

fn check<M: Message + PartialEq + core::fmt::Debug>(data: &[u8]) {
    if let Ok(msg) = ipc::decode::<M>(data) {
        let again = ipc::encode_vec(&msg).expect("a decoded message re-encodes");
        assert!(again.len() <= data.len(), "{msg:?} grew");
        assert_eq!(ipc::decode::<M>(&again).as_ref(), Ok(&msg));
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = ipc::peek_header(data);
    check::<supervisor::Request>(data);
    check::<supervisor::Reply>(data);
    check::<echo::Request>(data);
    check::<echo::Reply>(data);
    check::<blk::Request>(data);
    check::<blk::Reply>(data);
    check::<blkdev::Request>(data);
    check::<blkdev::Reply>(data);
    check::<driverhost::Request>(data);
    check::<driverhost::Reply>(data);
    check::<fs::Request>(data);
    check::<fs::Reply>(data);
    // The region formats a dead or hostile driver host may leave behind, and
    // the file bundle: every lookup bounds-checked, never a panic.
    let _ = codemap::symbolize(data, 0x2000_0000_1000);
    let _ = codemap::count(data);
    let _ = codemap::backtrace(data, 0x1000, data.len() as u64 / 2);
    if let Ok(bundle) = files::Bundle::parse(data) {
        for i in 0..bundle.len().min(64) as u32 {
            let _ = bundle.entry(i);
        }
    }
});
