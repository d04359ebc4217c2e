//! The fault-injection campaign's driver-host side (`cargo xtask campaign`,
//! docs/campaign.md). Off unless the arguments say `campaign=SEED`.
//!
//! Each generation of the driver host carries one injection: injection
//! number `first + generation` of the campaign (the task id's generation
//! counts the deaths since boot), its kind taken round-robin from `kinds=`
//! and its details (after how many requests, which address, bit, register…)
//! drawn from a generator seeded by the campaign seed and that number.
//! Nothing has to reach a new generation from outside, so a death at any
//! moment — even in the driver's `Start` — never loses the next injection.
//! Generations from `count=` on run clean.
//!
//! An injection ends in the generation's death (a fault, an exit, the block
//! service's watchdog) or, when it had no visible effect, in a deliberate
//! exit ([`EXIT_RETIRED`]) [`RETIRE_AFTER`] requests later, logged as such:
//! either way the supervisor starts the next generation with the next
//! injection. Lines a host parser reads (`xtask/src/campaign`):
//!
//! ```text
//! campaign: injection #I of N: KIND (after A requests, seed P)
//! campaign: injection #I KIND: WHAT AND WHERE
//! campaign: injection #I KIND: no visible effect ...; retiring this generation
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use ddk_abi::syscall::{inject_kind, protect};
use spin::Mutex;

/// Exit code of a generation whose injection had no visible effect.
pub const EXIT_RETIRED: i64 = 75;
/// Exit code of a generation that could bind no working driver (a mutated
/// assembly refused, a driver that failed to start): in a campaign the
/// next generation is more useful than one that refuses I/O forever.
pub const EXIT_UNREADY: i64 = 76;
/// Requests served after the injection before a generation gives up
/// waiting for an effect.
pub const RETIRE_AFTER: u64 = 32;
/// A register injection armed for this long without firing is withdrawn.
const REGISTER_WAIT_US: u64 = 10_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The seed's `ldfld-struct` miscompile (`jit-inject`): `Start` faults.
    Ldfld,
    /// One bit of a random compiled method's code flipped.
    BitFlip,
    /// One bit of a register flipped by the kernel (`InjectFault`).
    Register,
    /// A managed 64-bit store to a random address of some class.
    WildStore,
    /// An endless loop in managed code (the watchdog's case).
    Hang,
    /// Unbounded managed recursion.
    StackOverflow,
    /// Managed allocations until the heap quota is exhausted.
    Oom,
    /// An exception thrown on the I/O path that nothing catches.
    Exception,
    /// Random bytes of the driver assembly changed before it is loaded.
    IlMutation,
}

pub const ALL: [Kind; 9] = [
    Kind::Ldfld,
    Kind::BitFlip,
    Kind::Register,
    Kind::WildStore,
    Kind::Hang,
    Kind::StackOverflow,
    Kind::Oom,
    Kind::Exception,
    Kind::IlMutation,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ldfld => "ldfld",
            Kind::BitFlip => "bitflip",
            Kind::Register => "register",
            Kind::WildStore => "wild-store",
            Kind::Hang => "hang",
            Kind::StackOverflow => "stack-overflow",
            Kind::Oom => "oom",
            Kind::Exception => "exception",
            Kind::IlMutation => "il-mutation",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// splitmix64: small, and the same stream on every run for a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, index: u64) -> Rng {
        Rng(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5151_c0de)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// This generation's injection.
pub struct Plan {
    pub index: u64,
    pub kind: Kind,
    /// Requests served before the injection (0 for load-time kinds).
    pub after: u64,
    pub seed: u64,
}

struct State {
    plan: Option<Plan>,
    rng: Option<Rng>,
    /// Compiled methods: (name, code start, code length).
    methods: Vec<(String, u64, u64)>,
}

static STATE: Mutex<State> = Mutex::new(State {
    plan: None,
    rng: None,
    methods: Vec::new(),
});
static ON: AtomicBool = AtomicBool::new(false);
/// Requests handed to the driver by this generation.
static REQUESTS: AtomicU64 = AtomicU64::new(0);
/// When the native injection (bit flip, register) happened: request count + 1.
static DONE_AT: AtomicU64 = AtomicU64::new(0);
/// When the injection acted (uptime, µs; 0: not yet).
static DONE_US: AtomicU64 = AtomicU64::new(0);
/// A generation whose injection has acted is retired after this long at
/// most, however few requests came (a flipped register can make the
/// request count itself wrong).
const RETIRE_US: u64 = 5_000_000;
static ARMED_US: AtomicU64 = AtomicU64::new(0);
/// Wild-store class (see [`wild_target`]), drawn at the plan.
static STORE_CLASS: AtomicU32 = AtomicU32::new(0);

/// Reads `campaign=SEED [count=N] [kinds=a,b] [first=I]`; `Err` is the
/// exit code (2) for bad arguments. Returns the plan's extra `jit-inject`
/// for the JIT (the `ldfld` kind).
pub fn setup(args: &str) -> Result<Option<&'static str>, i64> {
    if crate::arg(args, "campaign").is_none() {
        return Ok(None);
    }
    let num = |key: &str, default: u64| -> Result<u64, i64> {
        match crate::arg(args, key) {
            None => Ok(default),
            Some(v) => v.parse::<u64>().map_err(|_| {
                userlib::log!("driverhost: {key}={v}: not a number");
                2
            }),
        }
    };
    let seed = num("campaign", 0)?;
    let count = num("count", u64::MAX)?;
    let first = num("first", 0)?;
    let mut kinds = Vec::new();
    match crate::arg(args, "kinds") {
        None | Some("all") => kinds.extend_from_slice(&ALL),
        Some(list) => {
            for name in list.split(',') {
                match Kind::parse(name) {
                    Some(k) => kinds.push(k),
                    None => {
                        userlib::log!("driverhost: kinds: unknown kind {name}");
                        return Err(2);
                    }
                }
            }
        }
    }
    ON.store(true, Ordering::Relaxed);
    let generation = u64::from(userlib::task_self().generation());
    let index = first + generation;
    if index >= count {
        userlib::log!("campaign: all {count} injections handed out; this generation runs clean");
        return Ok(None);
    }
    let mut rng = Rng::new(seed, index);
    let kind = *kinds
        .get((index % kinds.len() as u64) as usize)
        .unwrap_or(&Kind::Hang);
    let after = match kind {
        Kind::Ldfld | Kind::IlMutation => 0,
        // Half of the register injections are armed at once and fire
        // while the driver host loads and compiles; half on the I/O path.
        Kind::Register if rng.below(2) == 0 => 0,
        _ => 1 + rng.below(48),
    };
    let pseed = rng.next();
    STORE_CLASS.store(rng.below(5) as u32, Ordering::Relaxed);
    userlib::log!(
        "campaign: injection #{index} of {count}: {} (after {after} requests, seed {pseed:#x})",
        kind.name()
    );
    let managed = match kind {
        Kind::Hang => Some(crate::inject::Injection::Hang),
        Kind::WildStore => Some(crate::inject::Injection::WildStore),
        Kind::Oom => Some(crate::inject::Injection::OutOfMemory),
        Kind::StackOverflow => Some(crate::inject::Injection::StackOverflow),
        Kind::Exception => Some(crate::inject::Injection::Throw),
        _ => None,
    };
    if let Some(m) = managed {
        crate::inject::set(m, after as i32);
    }
    let mut st = STATE.lock();
    st.plan = Some(Plan {
        index,
        kind,
        after,
        seed: pseed,
    });
    st.rng = Some(Rng::new(pseed, 0));
    drop(st);
    if kind == Kind::Register && after == 0 {
        arm_register();
    }
    Ok((kind == Kind::Ldfld).then_some("ldfld-struct"))
}

fn label() -> (u64, &'static str) {
    let st = STATE.lock();
    st.plan
        .as_ref()
        .map_or((0, "none"), |p| (p.index, p.kind.name()))
}

/// The plan's kind, if this generation carries one.
pub fn kind() -> Option<Kind> {
    STATE.lock().plan.as_ref().map(|p| p.kind)
}

/// Every compiled method (the code-map listener).
pub fn note_code(method: &str, start: u64, len: u64) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    STATE
        .lock()
        .methods
        .push((String::from(method), start, len));
}

/// The `il-mutation` kind: a copy of the driver assembly with 1–8 random
/// bytes replaced (leaked: the type system borrows it for the process's
/// life). Other kinds: the bytes as they are.
pub fn driver_bytes(name: &str, bytes: &'static [u8]) -> &'static [u8] {
    if kind() != Some(Kind::IlMutation) || bytes.is_empty() {
        return bytes;
    }
    let mut st = STATE.lock();
    let index = st.plan.as_ref().map_or(0, |p| p.index);
    let Some(rng) = st.rng.as_mut() else {
        return bytes;
    };
    let mut copy = Vec::from(bytes);
    let n = 1 + rng.below(8);
    let mut what = String::new();
    for _ in 0..n {
        let at = rng.below(copy.len() as u64) as usize;
        let v = rng.next() as u8;
        if let Some(b) = copy.get_mut(at) {
            what.push_str(&alloc::format!(" +{at:#x}:{b:02x}->{v:02x}"));
            *b = v;
        }
    }
    drop(st);
    userlib::log!(
        "campaign: injection #{index} il-mutation: {name} ({} bytes), {n} bytes changed:{what}",
        bytes.len()
    );
    alloc::boxed::Box::leak(copy.into_boxed_slice())
}

/// Called for each request handed to the driver (`blkhost::host_next`):
/// performs the native injections when their turn comes, and retires a
/// generation whose injection had no visible effect.
pub fn on_request() {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed) + 1;
    let Some((kind, after, index)) = STATE
        .lock()
        .plan
        .as_ref()
        .map(|p| (p.kind, p.after, p.index))
    else {
        return;
    };
    if n == after + 1 {
        match kind {
            Kind::BitFlip => bit_flip(index),
            // `after == 0`: armed at the start already.
            Kind::Register if after > 0 => arm_register(),
            _ => {}
        }
        mark_done();
    }
    let armed = ARMED_US.load(Ordering::Relaxed);
    if kind == Kind::Register && armed != 0 {
        let me = userlib::task_self();
        match userlib::inject_fault(me, inject_kind::QUERY, 0, 0) {
            Ok(true) if userlib::uptime_us().saturating_sub(armed) > REGISTER_WAIT_US => {
                let _ = userlib::inject_fault(me, inject_kind::CANCEL, 0, 0);
                retire(
                    index,
                    kind,
                    "the register injection never fired (withdrawn)",
                );
            }
            Ok(true) => return,
            Ok(false) => {
                // Fired: the effect has RETIRE_AFTER requests from now.
                ARMED_US.store(0, Ordering::Relaxed);
                mark_done();
                return;
            }
            Err(e) => {
                userlib::log!("campaign: injection #{index} register: QUERY refused: {e}");
                ARMED_US.store(0, Ordering::Relaxed);
            }
        }
    }
    // Counted afresh from memory, not from `n`: a register injection can
    // flip the register that holds `n` here (it did: the generation then
    // never retired).
    let now = REQUESTS.load(Ordering::Relaxed);
    let done = DONE_AT.load(Ordering::Relaxed);
    let start = if done == 0 { after } else { done };
    let since = DONE_US.load(Ordering::Relaxed);
    if now > start.saturating_add(RETIRE_AFTER)
        || (since != 0 && userlib::uptime_us().saturating_sub(since) > RETIRE_US)
    {
        retire(index, kind, "");
    }
}

/// The injection has acted (or been armed and fired): the effect has
/// [`RETIRE_AFTER`] requests, and at most [`RETIRE_US`], from now.
fn mark_done() {
    DONE_AT.store(REQUESTS.load(Ordering::Relaxed), Ordering::Relaxed);
    DONE_US.store(userlib::uptime_us(), Ordering::Relaxed);
}

fn retire(index: u64, kind: Kind, why: &str) -> ! {
    let why = if why.is_empty() {
        alloc::format!("no visible effect after {RETIRE_AFTER} more requests")
    } else {
        alloc::format!("no visible effect: {why}")
    };
    userlib::log!(
        "campaign: injection #{index} {}: {why}; retiring this generation",
        kind.name()
    );
    userlib::sys::exit(EXIT_RETIRED)
}

/// In a campaign, a generation that cannot serve exits instead of
/// refusing I/O forever (`blkhost::serve_unready`).
pub fn on_unready(why: &str) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let (index, kind) = label();
    userlib::log!(
        "campaign: injection #{index} {kind}: no working driver ({why}); exiting so the next generation serves"
    );
    userlib::sys::exit(EXIT_UNREADY)
}

fn arm_register() {
    let (index, seed) = {
        let st = STATE.lock();
        st.plan.as_ref().map_or((0, 0), |p| (p.index, p.seed))
    };
    let which = match seed % 3 {
        0 => inject_kind::GPR_BIT,
        1 => inject_kind::RSP_BIT,
        _ => inject_kind::RIP_BIT,
    };
    let me = userlib::task_self();
    match userlib::inject_fault(me, which, 0, seed >> 2) {
        Ok(_) => {
            ARMED_US.store(userlib::uptime_us().max(1), Ordering::Relaxed);
            userlib::log!(
                "campaign: injection #{index} register: armed ({}, kernel seed {}) after {} requests",
                ["a general register", "RSP", "RIP"][(seed % 3) as usize],
                seed >> 2,
                REQUESTS.load(Ordering::Relaxed)
            );
        }
        Err(e) => userlib::log!(
            "campaign: injection #{index} register: InjectFault refused ({e}): the kernel command line needs inject=driverhost"
        ),
    }
}

/// One bit of one compiled method's code, flipped through a short
/// read-write window (Protect RW → flip → Protect RX): the only write to
/// code after installation, made for the campaign. The method is one of
/// the DDK's or the drivers' (`Cordon.…`): the code a driver bug lives
/// in, and most of it runs on the I/O path. The corlib methods the
/// up-front compile brings in (hundreds, since arrays implement the
/// generic collection interfaces) mostly never run, so a flip there is
/// almost always "no effect".
fn bit_flip(index: u64) {
    let mut st = STATE.lock();
    let State { methods, rng, .. } = &mut *st;
    let Some(rng) = rng.as_mut() else { return };
    let ours: Vec<&(String, u64, u64)> = methods
        .iter()
        .filter(|m| m.0.starts_with("Cordon."))
        .collect();
    let pool: Vec<&(String, u64, u64)> = if ours.is_empty() {
        methods.iter().collect()
    } else {
        ours
    };
    let Some((name, start, len)) = pool
        .get(rng.below(pool.len() as u64) as usize)
        .map(|m| (*m).clone())
    else {
        userlib::log!("campaign: injection #{index} bitflip: no compiled method");
        return;
    };
    let off = rng.below(len.max(1));
    let bit = rng.below(8) as u8;
    drop(st);
    let addr = start + off;
    let page = addr & !0xfff;
    if let Err(e) = userlib::protect(page, 4096, protect::READ_WRITE) {
        userlib::log!("campaign: injection #{index} bitflip: Protect RW refused: {e}");
        return;
    }
    // SAFETY: `addr` is inside a compiled method's code page, made
    // writable just above; nothing runs from it while this runs (single
    // thread). The flip itself is the point.
    let (before, after) = unsafe {
        let p = addr as *mut u8;
        let b = p.read_volatile();
        p.write_volatile(b ^ (1 << bit));
        (b, b ^ (1 << bit))
    };
    if let Err(e) = userlib::protect(page, 4096, protect::READ_EXEC) {
        userlib::log!("campaign: injection #{index} bitflip: Protect RX refused: {e}");
    }
    userlib::log!(
        "campaign: injection #{index} bitflip: {name}+{off:#x} of {len:#x} bit {bit} ({before:#04x} -> {after:#04x}) at {addr:#x}"
    );
}

/// The wild store's target for this generation: `Some` in a campaign.
/// Classes: the driver's own code (RX: faults), an unmapped user
/// address, an address in the kernel half (faults), an address inside a
/// live heap block (mapped: silent damage or nothing), or inside one of
/// the driver's DMA slot buffers (mapped: the data of a request).
pub fn wild_target(code: u64) -> Option<u64> {
    if kind() != Some(Kind::WildStore) {
        return None;
    }
    let mut st = STATE.lock();
    let index = st.plan.as_ref().map_or(0, |p| p.index);
    let rng = st.rng.as_mut()?;
    let r = rng.next();
    let class = STORE_CLASS.load(Ordering::Relaxed);
    drop(st);
    let (target, what) = match class {
        0 => (code, String::from("the driver's own compiled code")),
        1 => (
            0x0000_0100_0000_0000 + (r & 0x0000_3fff_ffff_fff8),
            String::from("a random user address (unmapped unless unlucky)"),
        ),
        2 => (
            0xffff_8000_0000_0000 | (r & 0x0000_7fff_ffff_fff8),
            String::from("a random kernel-half address"),
        ),
        3 => {
            // A live heap block: a fresh allocation's neighbourhood.
            let probe = alloc::boxed::Box::new(0u64);
            let at = (&*probe as *const u64 as u64).wrapping_sub(r & 0xfff8);
            (at, String::from("the managed/native heap (mapped)"))
        }
        _ => {
            let bufs = crate::blkhost::slot_buffers();
            let b = bufs
                .get((r % bufs.len().max(1) as u64) as usize)
                .copied()
                .unwrap_or(code);
            (
                b + ((r >> 16) & 0xff8),
                String::from("a DMA slot buffer (mapped: request data)"),
            )
        }
    };
    userlib::log!("campaign: injection #{index} wild-store: {target:#x}, {what}");
    Some(target)
}
