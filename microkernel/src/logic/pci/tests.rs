use super::*;

/// A virtio-blk-like function: MSI-X at 0x98, MSI (64-bit, maskable) at 0x50.
fn device() -> ConfigLayout {
    ConfigLayout {
        header_type: 0,
        msi: Some((0x50, msi::ADDR64 | msi::PER_VECTOR_MASK)),
        msix: Some(0x98),
        bar_ext_caps: [Some(0x100), None, None],
        pcie: Some(0x70),
        af: Some(0xb0),
        pm: Some(0x40),
    }
}

const CMD: u16 = command::MEMORY | command::IO;

fn w(offset: u64, width: u64, value: u32) -> Result<(), ConfigError> {
    check_write(&device(), offset, width, value, CMD)
}

#[test]
fn access_width_alignment_and_bounds() {
    assert_eq!(check_access(0, 4), Ok((0, 4)));
    assert_eq!(check_access(0xffc, 4), Ok((0xffc, 4)));
    assert_eq!(check_access(0xfff, 1), Ok((0xfff, 1)));
    for (o, wd) in [
        (0, 3),
        (0, 0),
        (0, 8),
        (1, 2),
        (2, 4),
        (3, 2),
        (0x1000, 1),
        (0xffe, 4),
        (u64::MAX, 1),
        (u64::MAX - 3, 4),
    ] {
        assert_eq!(
            check_access(o, wd),
            Err(ConfigError::BadAccess),
            "{o:#x}/{wd}"
        );
    }
    assert_eq!(w(0x41, 2, 0), Err(ConfigError::BadAccess));
}

#[test]
fn every_bar_register_is_refused_at_every_width() {
    for off in 0x10..0x28u64 {
        for wd in [1, 2, 4] {
            if off % wd == 0 {
                assert_eq!(
                    w(off, wd, 0xffff_ffff),
                    Err(ConfigError::Bar),
                    "{off:#x}/{wd}"
                );
            }
        }
    }
}

#[test]
fn expansion_rom_bar_is_refused() {
    for off in 0x30..0x34u64 {
        assert_eq!(w(off, 1, 0), Err(ConfigError::Bar));
    }
    assert_eq!(w(0x30, 4, 1), Err(ConfigError::Bar));
    // Its neighbours are not.
    assert_eq!(w(0x2c, 4, 0), Ok(()));
    assert_eq!(w(0x3c, 1, 11), Ok(()));
}

#[test]
fn bridge_bars_bus_numbers_windows_and_rom_are_refused() {
    let bridge = ConfigLayout {
        header_type: 1,
        ..ConfigLayout::default()
    };
    for off in (0x10..0x3cu64).step_by(4) {
        assert_eq!(
            check_write(&bridge, off, 4, 0, 0),
            Err(ConfigError::Bar),
            "{off:#x}"
        );
    }
    assert_eq!(check_write(&bridge, 0x19, 1, 5, 0), Err(ConfigError::Bar));
    assert_eq!(check_write(&bridge, 0x3c, 1, 5, 0), Ok(()));
}

#[test]
fn msi_capability_is_refused_over_its_whole_length() {
    // 64-bit with per-vector masking: 0x18 bytes from 0x50.
    for off in 0x50..0x68u64 {
        assert_eq!(w(off, 1, 0), Err(ConfigError::MsiCapability), "{off:#x}");
    }
    assert_eq!(w(0x68, 4, 0), Ok(()));
    assert_eq!(w(0x4c, 4, 0), Ok(()));
    // A 32-bit MSI without masking is 10 bytes; a dword write at +8
    // straddles its data register and is refused; the next dword is free.
    let small = ConfigLayout {
        msi: Some((0x50, 0)),
        msix: None,
        ..device()
    };
    assert_eq!(
        check_write(&small, 0x58, 4, 0, CMD),
        Err(ConfigError::MsiCapability)
    );
    assert_eq!(check_write(&small, 0x5a, 2, 0, CMD), Ok(()));
    assert_eq!(check_write(&small, 0x5c, 4, 0, CMD), Ok(()));
    assert_eq!(msi::len(msi::ADDR64), 0x0e);
    assert_eq!(msi::len(msi::PER_VECTOR_MASK), 0x14);
}

#[test]
fn msix_capability_is_refused() {
    for off in 0x98..0xa4u64 {
        assert_eq!(w(off, 1, 0), Err(ConfigError::MsiCapability), "{off:#x}");
    }
    // The enable bit in the message control word, at every width that reaches it.
    assert_eq!(w(0x98, 4, 0x8000_0000), Err(ConfigError::MsiCapability));
    assert_eq!(w(0x9a, 2, 0x8000), Err(ConfigError::MsiCapability));
    assert_eq!(w(0x9b, 1, 0x80), Err(ConfigError::MsiCapability));
    assert_eq!(w(0xa4, 4, 0), Ok(()));
    assert_eq!(w(0x94, 4, 0), Ok(()));
}

#[test]
fn bar_resizing_extended_capabilities_are_refused() {
    assert_eq!(w(0x100, 4, 0), Err(ConfigError::BarCapability));
    assert_eq!(w(0x13c, 4, 0), Err(ConfigError::BarCapability));
    assert_eq!(w(0x140, 4, 0), Ok(()));
}

#[test]
fn command_register_owner_bits_only() {
    // Bus master on, memory and I/O off and on: allowed at 2 and 4 bytes.
    assert_eq!(w(4, 2, u32::from(CMD | command::BUS_MASTER)), Ok(()));
    assert_eq!(w(4, 2, 0), Ok(()));
    assert_eq!(w(4, 1, 0x07), Ok(()));
    // A dword write also writes status (write-one-to-clear): allowed as long
    // as the command half keeps the other bits.
    assert_eq!(
        w(4, 4, 0xffff_0000 | u32::from(CMD | command::BUS_MASTER)),
        Ok(())
    );
    // Every other command bit, from the low and the high byte.
    for bit in 3..16 {
        let v = u32::from(CMD) | (1 << bit);
        assert_eq!(w(4, 2, v), Err(ConfigError::CommandBit), "bit {bit}");
        assert_eq!(w(4, 4, v), Err(ConfigError::CommandBit), "bit {bit}");
    }
    assert_eq!(w(5, 1, 0x04), Err(ConfigError::CommandBit), "INTx disable");
    assert_eq!(
        w(4, 1, 0x08),
        Err(ConfigError::CommandBit),
        "special cycles"
    );
    // Clearing a bit the kernel set is as much a change as setting one.
    let now = CMD | command::INTX_DISABLE;
    assert_eq!(
        check_write(&device(), 4, 2, u32::from(CMD | command::BUS_MASTER), now),
        Err(ConfigError::CommandBit)
    );
    assert_eq!(
        check_write(&device(), 4, 1, u32::from(CMD | command::BUS_MASTER), now),
        Ok(()),
        "a byte write to the low half leaves INTx disable alone"
    );
    assert_eq!(check_write(&device(), 5, 1, 0x04, now), Ok(()));
}

#[test]
fn status_and_other_registers_are_writable() {
    assert_eq!(w(6, 2, 0xf900), Ok(()));
    assert_eq!(w(0x0c, 1, 0x10), Ok(()), "cache line size");
    assert_eq!(w(0x0d, 1, 0x40), Ok(()), "latency timer");
    assert_eq!(w(0x3c, 1, 0x0b), Ok(()), "interrupt line");
    assert_eq!(w(0xc0, 4, 0x1234), Ok(()), "device-specific");
    assert_eq!(w(0xffc, 4, 0), Ok(()));
}

#[test]
fn a_function_without_msi_refuses_only_bars_and_command_bits() {
    let plain = ConfigLayout::default();
    assert_eq!(check_write(&plain, 0x50, 4, 0, 0), Ok(()));
    assert_eq!(check_write(&plain, 0x78, 4, 0xffff_ffff, 0), Ok(()));
    assert_eq!(check_write(&plain, 0x98, 4, 0, 0), Ok(()));
    assert_eq!(check_write(&plain, 0x100, 4, 0, 0), Ok(()));
    assert_eq!(check_write(&plain, 0x14, 4, 0, 0), Err(ConfigError::Bar));
}

#[test]
fn bar_decoding() {
    // 32-bit memory, 4 KiB.
    assert_eq!(
        decode_bar(0xfebd_1000, 0xffff_f000, None),
        Bar {
            phys: 0xfebd_1000,
            len: 0x1000,
            flags: 0
        }
    );
    // 64-bit prefetchable, 16 KiB above 4 GiB.
    assert_eq!(
        decode_bar(0x0000_000c, 0xffff_c00c, Some((0x8, 0xffff_ffff))),
        Bar {
            phys: 0x8_0000_0000,
            len: 0x4000,
            flags: bar_flags::MEM64 | bar_flags::PREFETCHABLE
        }
    );
    // 64-bit BAR of 8 GiB: the low probe is all zero in the address bits.
    let big = decode_bar(0x4, 0x4, Some((0x4, 0xffff_fffe)));
    assert_eq!(big.len, 0x2_0000_0000);
    // I/O, 32 ports (upper 16 bits read back zero).
    assert_eq!(
        decode_bar(0xc041, 0x0000_ffe1, None),
        Bar {
            phys: 0xc040,
            len: 0x20,
            flags: bar_flags::IO
        }
    );
    // Unimplemented BARs.
    assert_eq!(decode_bar(0, 0, None), Bar::default());
    assert_eq!(decode_bar(0x4, 0x4, Some((0, 0))), Bar::default());
    assert_eq!(decode_bar(1, 1, None), Bar::default());
    // Small memory BAR (256 bytes).
    assert_eq!(decode_bar(0xfebd_2000, 0xffff_ff00, None).len, 0x100);
}

#[test]
fn msix_table_pages_are_cut_out_of_the_bar() {
    let bar = Bar {
        phys: 0x1000_0000,
        len: 0x4000,
        flags: 0,
    };
    // Table in the second page: before and after pieces.
    assert_eq!(
        mappable_pieces(&bar, Some((0x1000, 0x30)), true),
        [Some((0x1000_0000, 0x1000)), Some((0x1000_2000, 0x2000))]
    );
    // Table at the start, spilling into a second page.
    assert_eq!(
        mappable_pieces(&bar, Some((0x800, 0x1000)), true),
        [None, Some((0x1000_2000, 0x2000))]
    );
    // Table at the end.
    assert_eq!(
        mappable_pieces(&bar, Some((0x3ff0, 0x10)), true),
        [Some((0x1000_0000, 0x3000)), None]
    );
    // Table alone in a one-page BAR: nothing mappable.
    let one = Bar { len: 0x1000, ..bar };
    assert_eq!(mappable_pieces(&one, Some((0, 0x20)), true), [None, None]);
    // No table: all of it.
    assert_eq!(
        mappable_pieces(&bar, None, true),
        [Some((0x1000_0000, 0x4000)), None]
    );
}

#[test]
fn sub_page_bars_map_their_page_only_when_alone() {
    let small = Bar {
        phys: 0xfebd_2100,
        len: 0x100,
        flags: 0,
    };
    assert_eq!(
        mappable_pieces(&small, None, true),
        [Some((0xfebd_2000, 0x1000)), None]
    );
    assert_eq!(mappable_pieces(&small, None, false), [None, None]);
    assert_eq!(mappable_pieces(&Bar::default(), None, true), [None, None]);
}

#[test]
fn names_and_bdf() {
    assert_eq!(short_name(0x1af4, 0x1042, 1, 0), "virtio-blk");
    assert_eq!(short_name(0x8086, 0x29c0, 6, 0), "host bridge");
    assert_eq!(short_name(0x8086, 0x2918, 6, 1), "ISA bridge");
    assert_eq!(short_name(0x8086, 0x2922, 1, 6), "SATA");
    assert_eq!(short_name(0x8086, 0x2930, 0x0c, 5), "SMBus");
    assert_eq!(short_name(0x1234, 0x1111, 3, 0), "VGA");
    assert_eq!(short_name(0x1b36, 0x0001, 6, 4), "PCI bridge");
    assert_eq!(short_name(0x8086, 0x100e, 2, 0), "e1000");
    assert_eq!(short_name(0xabcd, 0x1, 0xff, 0), "device");
    assert_eq!(bdf_parts(0x0528), (5, 5, 0));
    assert_eq!(bdf_parts(0x00ff), (0, 31, 7));
    assert!(!grantable_class(6));
    assert!(grantable_class(1));
}

#[test]
fn function_resets_are_refused() {
    // PCIe Device Control (0x78) bit 15, Initiate FLR, at every width.
    assert_eq!(w(0x78, 2, 0x8000), Err(ConfigError::Reset));
    assert_eq!(w(0x78, 4, 0x0000_8000), Err(ConfigError::Reset));
    assert_eq!(w(0x79, 1, 0x80), Err(ConfigError::Reset));
    // The rest of Device Control (payload sizes, error reporting) is the
    // driver's, as is Device Status above it.
    assert_eq!(w(0x78, 2, 0x2810), Ok(()));
    assert_eq!(w(0x78, 4, 0x000f_2810), Ok(()));
    assert_eq!(w(0x7a, 2, 0x000f), Ok(()));
    // Advanced Features Control (0xb4) bit 0.
    assert_eq!(w(0xb4, 1, 0x01), Err(ConfigError::Reset));
    assert_eq!(w(0xb4, 4, 0x0000_0001), Err(ConfigError::Reset));
    assert_eq!(w(0xb4, 4, 0x0100_0000), Ok(()), "AF status is not a reset");
    // PMCSR (0x44): D1..D3hot refused; D0 and PME bits allowed.
    for state in 1..4u32 {
        assert_eq!(w(0x44, 2, state), Err(ConfigError::Reset), "D{state}");
        assert_eq!(w(0x44, 4, state), Err(ConfigError::Reset), "D{state}");
    }
    assert_eq!(
        w(0x44, 2, 0x8100),
        Ok(()),
        "D0, PME status clear, PME enable"
    );
    assert_eq!(w(0x45, 1, 0x81), Ok(()));
}
