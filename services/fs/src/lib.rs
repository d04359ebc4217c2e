//! The FAT service (ring 3): `fatfs` over the block service, serving
//! `ipc::fs` (open, read, write, list, mkdir, remove, rename, stat, sync) and
//! refusing malformed FAT images with a typed error while it keeps serving.
//!
//! Not written yet: it stands on the block service.

#![no_std]
