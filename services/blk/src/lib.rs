//! The block service (ring 3): serves `ipc::blk` — read, write, flush and
//! info at LBA granularity — to its clients, forwards requests to the driver
//! host, tracks what is in flight and replays it to a restarted driver host,
//! so nothing it acknowledged is lost. It can also run a native
//! `virtio-drivers` backend on a second disk for comparison.
//!
//! Not written yet: the protocol it will serve is `ipc::blk` (see
//! `docs/ipc.md`); the service is the block-service work.

#![no_std]
