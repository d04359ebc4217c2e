//! The driver host's code map: every method the JIT compiles is recorded
//! (name, code range, native → IL ranges with each instruction's mnemonic)
//! in a writable grant of the supervisor's memory (`Request::CodeMap`,
//! `ipc::codemap`), so that when this process dies of a fault in
//! JIT-compiled code the supervisor can still name the method, the IL
//! offset and the instruction (docs/driverhost.md, "Fault reports").
//!
//! Records are appended as methods are installed, before any of their code
//! runs, so the method that faults is always in the map (unless the region
//! is full, which is logged once).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use ipc::codemap::{self, Method, WriteError};
use ipc::supervisor::{Reply, Request, Supervisor};
use jit::runtime::{CodeListener, CodeRange, Runtime};

/// Where the region is mapped (next to the file bundle at 0x3000_0000_0000).
const MAP_AT: u64 = 0x0000_3100_0000_0000;

/// Appends one record per compiled method to the granted region.
pub struct Recorder {
    region: &'static mut [u8],
    full_logged: bool,
    /// Methods recorded.
    pub methods: usize,
}

/// Asks the supervisor for a code-map region and maps it.
pub fn fetch() -> Result<Recorder, String> {
    let sup =
        userlib::lookup("supervisor").map_err(|e| alloc::format!("lookup supervisor: {e}"))?;
    let (grant, len) = match userlib::rpc::call::<Supervisor>(sup, &Request::CodeMap) {
        Ok(Reply::CodeMap { grant, len }) => (grant, len),
        Ok(other) => return Err(alloc::format!("supervisor answered CodeMap with {other:?}")),
        Err(e) => return Err(alloc::format!("CodeMap request: {e}")),
    };
    let mapped =
        userlib::grant_map(grant, MAP_AT).map_err(|e| alloc::format!("map grant {grant}: {e}"))?;
    let len = mapped.min(len);
    // SAFETY: the grant is mapped writable at MAP_AT for `mapped` bytes for
    // the rest of this process's life; nothing else in it refers to them.
    let region = unsafe { core::slice::from_raw_parts_mut(MAP_AT as *mut u8, len as usize) };
    Ok(Recorder {
        region,
        full_logged: false,
        methods: 0,
    })
}

impl CodeListener for Recorder {
    fn compiled(&mut self, rt: &Runtime, r: &CodeRange) {
        let name = rt.types.method_name(r.method);
        let ops = rt.il_mnemonics(r.method);
        let ranges: Vec<(u32, u32, u32, &str)> = r
            .il_map
            .ranges()
            .iter()
            .map(|x| {
                let op = ops
                    .binary_search_by_key(&x.il, |(o, _)| *o)
                    .ok()
                    .and_then(|i| ops.get(i))
                    .map_or("?", |(_, n)| n);
                (x.start, x.end, x.il, op)
            })
            .collect();
        let m = Method {
            name: &name,
            code_start: r.start as u64,
            code_len: u32::try_from(r.len).unwrap_or(u32::MAX),
            ranges: &ranges,
        };
        let result = codemap::encode(&m).and_then(|rec| codemap::append(self.region, &rec));
        match result {
            Ok(()) => self.methods += 1,
            Err(WriteError::Full) if !self.full_logged => {
                self.full_logged = true;
                userlib::log!(
                    "driverhost: code map full after {} methods; later faults name no method",
                    self.methods
                );
            }
            Err(WriteError::Full) => {}
            Err(e) => userlib::log!("driverhost: code map: {name}: {e:?}"),
        }
    }
}

/// Install the recorder in `rt`, if the supervisor gives a region (a
/// driver host without one still runs; its faults are reported by address).
pub fn install(rt: &mut Runtime) {
    match fetch() {
        Ok(r) => rt.set_code_listener(Box::new(r)),
        Err(e) => userlib::log!("driverhost: no code map ({e}); faults will not name methods"),
    }
}
