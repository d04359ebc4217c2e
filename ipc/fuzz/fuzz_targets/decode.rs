//! Every decoder over arbitrary bytes: none may panic, and whatever decodes
//! must re-encode, no longer than the input, to bytes that decode to the same
//! message. (Not necessarily to the input itself: postcard accepts overlong
//! varints, so a message can have several spellings; see docs/ipc.md.)

#![no_main]

use ipc::{Message, blk, blkdev, echo, supervisor};
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
});
