//! `driverhost`: the driver host's control protocol, served on the same
//! endpoint as the `blkdev` protocol of the disk it drives (the header's
//! protocol id tells them apart). What a supervisor, a shell or a test
//! asks a driver host: its state, the drivers it loaded, the devices they
//! are bound to.
//!
//! | request | reply |
//! |---|---|
//! | `Status` | `Status(HostStatus)` |
//! | `Drivers` | `Drivers(list)`: every `[PciDriver]` declaration loaded |
//! | `Device { bdf }` | `Device(BoundDevice)`, or `Err(UnknownDevice { bdf })` if no driver is bound to that function |
//! | `DeviceId { bdf }` | `DeviceId(id)`: the identity string the driver read from the device (virtio-blk `GET_ID`); `Err(NotReady)` before the driver started, `Err(NoId { bdf })` if it has none, `Err(UnknownDevice { bdf })` |

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::frame::{Kind, Message, Protocol};

/// Bumped on every change to the wire form of [`Request`] or [`Reply`].
pub const VERSION: u16 = 2;

/// The protocol marker for [`crate::encode`]/[`crate::decode`] generics.
#[derive(Clone, Copy, Debug)]
pub struct DriverHost;

impl Protocol for DriverHost {
    const ID: u16 = crate::ids::DRIVERHOST;
    const VERSION: u16 = VERSION;
    const NAME: &'static str = "driverhost";
    type Request = Request;
    type Reply = Reply;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    Status,
    Drivers,
    /// The device bound at PCI address `bdf` (`bus << 8 | dev << 3 | fn`).
    Device {
        bdf: u16,
    },
    /// The identity string of the device bound at `bdf` (version 2).
    DeviceId {
        bdf: u16,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Status(HostStatus),
    Drivers(Vec<Driver>),
    Device(BoundDevice),
    Err(DriverHostError),
    /// The device's identity (at most 20 printable ASCII characters for
    /// virtio-blk; may be empty).
    DeviceId(String),
}

/// Where the driver host is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostState {
    /// Loading, compiling, or the driver is starting its device.
    Starting,
    /// The bound driver serves I/O.
    Ready,
    /// No loaded driver matches a granted function; I/O is refused.
    NoDriver,
    /// The driver failed to start or its loop ended; I/O is refused.
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostStatus {
    pub state: HostState,
    /// Drivers loaded (declarations read).
    pub drivers: u32,
    /// Devices bound.
    pub devices: u32,
    /// Methods and IL bytes the JIT compiled so far.
    pub methods: u64,
    pub il_bytes: u64,
}

/// One `[PciDriver(vendor, device)]` declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Driver {
    /// `Namespace.Type` of the driver class.
    pub class: String,
    /// The initrd file it came from.
    pub assembly: String,
    pub vendor: u16,
    pub device: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundDevice {
    pub bdf: u16,
    pub vendor: u16,
    pub device: u16,
    /// `Namespace.Type` of the driver bound to it.
    pub driver: String,
    pub state: HostState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DriverHostError {
    /// No driver is bound to the function at `bdf`.
    UnknownDevice { bdf: u16 },
    /// The driver has not started the device yet.
    NotReady,
    /// The driver read no identity from the device at `bdf`.
    NoId { bdf: u16 },
}

impl Message for Request {
    type Protocol = DriverHost;
    const KIND: Kind = Kind::Request;
}

impl Message for Reply {
    type Protocol = DriverHost;
    const KIND: Kind = Kind::Reply;
}
