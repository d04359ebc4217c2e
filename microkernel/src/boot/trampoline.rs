//! PVH entry: the ELF note QEMU looks for and the 32→64-bit trampoline.
//!
//! QEMU enters `pvh_start` in 32-bit protected mode, paging off, interrupts
//! off, with EBX = physical address of `hvm_start_info`; GRUB enters it the
//! same way through the multiboot2 header below, with EBX = its boot
//! information and EAX = the multiboot2 magic. The trampoline builds
//! boot page tables that map the first 4 GiB three times — identity (so the
//! next instruction after enabling paging still runs), at the physical-memory
//! window `PHYS_OFFSET`, and at the kernel's link address — switches to long
//! mode and calls `kernel_entry` on the boot stack. The Rust side then builds
//! the real tables (see `mem::paging`) and drops the identity map.

use core::arch::global_asm;

/// The boot stack: 64 KiB, with one 4 KiB guard page below it that the final
/// page tables leave unmapped, so a kernel stack overflow faults.
pub const BOOT_STACK_SIZE: usize = 64 * 1024;

#[repr(C, align(4096))]
pub struct BootStack(pub [u8; 4096 + BOOT_STACK_SIZE]);

/// Guard page + stack. Lives in .bss (zeroed by the trampoline).
#[unsafe(no_mangle)]
pub static mut BOOT_STACK: BootStack = BootStack([0; 4096 + BOOT_STACK_SIZE]);

global_asm!(
    r#"
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                 /* namesz: "Xen\0" */
    .long 8                 /* descsz: a 64-bit physical address */
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .quad pvh_start
    .balign 4

    /* Multiboot2 header (GRUB): magic, architecture 0 (i386 protected
       mode), length, checksum, then the end tag. GRUB loads our PT_LOAD
       segments at their physical addresses and enters `pvh_start` (the ELF
       entry) with EAX = 0x36d76289 and EBX = the boot information. */
    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long 0xe85250d6
    .long 0
    .long mb2_header_end - mb2_header
    .long 0x17adaf2a - (mb2_header_end - mb2_header)
    .short 0
    .short 0
    .long 8
mb2_header_end:

    .section .boot.data, "aw"
    .balign 8
boot_magic:
    .long 0                     /* EAX at entry: the multiboot2 magic, or not */
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code, ring 0 */
    .quad 0x00cf92000000ffff    /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4:    .skip 4096
boot_pdpt_lo: .skip 4096
boot_pdpt_hi: .skip 4096
boot_pd:      .skip 4096 * 4      /* 4 x 1 GiB of 2 MiB pages */
boot_stack32: .skip 256
boot_stack32_top:

    .section .boot.text, "ax"
    .code32
    .global pvh_start
pvh_start:
    cli
    cld
    mov %eax, boot_magic        /* tells multiboot2 (GRUB) from PVH */
    mov $boot_stack32_top, %esp
    mov %ebx, %esi              /* hand-over structure, kept until the 64-bit call */

    /* Long mode available? (CPUID 0x80000001 EDX bit 29). Otherwise stop. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc no_long_mode

    /* Zero the boot page tables. */
    mov $boot_pml4, %edi
    mov $(4096 * 7 / 4), %ecx
    xor %eax, %eax
    rep stosl

    /* 2048 x 2 MiB pages = the first 4 GiB, present | writable | huge. */
    mov $boot_pd, %edi
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, (%edi,%ecx,8)
    mov %ecx, %eax
    shr $11, %eax               /* high dword: (i * 2 MiB) >> 32 */
    mov %eax, 4(%edi,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    /* pdpt_lo[0..4] -> the four page directories (identity + PHYS_OFFSET). */
    mov $boot_pdpt_lo, %edi
    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, 0(%edi)
    add $4096, %eax
    mov %eax, 8(%edi)
    add $4096, %eax
    mov %eax, 16(%edi)
    add $4096, %eax
    mov %eax, 24(%edi)

    /* pdpt_hi[510] -> first GiB, pdpt_hi[511] -> second GiB (kernel window). */
    mov $boot_pdpt_hi, %edi
    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, (510 * 8)(%edi)
    add $4096, %eax
    mov %eax, (511 * 8)(%edi)

    mov $boot_pml4, %edi
    mov $boot_pdpt_lo, %eax
    or $0x3, %eax
    mov %eax, 0(%edi)           /* identity, dropped once Rust has its tables */
    mov %eax, (256 * 8)(%edi)   /* PHYS_OFFSET = 0xffff800000000000 */
    mov $boot_pdpt_hi, %eax
    or $0x3, %eax
    mov %eax, (511 * 8)(%edi)   /* 0xffffff8000000000.. (kernel at -2 GiB) */

    /* PAE + OSFXSR + OSXMMEXCPT, then CR3, then EFER.LME | EFER.NXE. */
    mov %cr4, %eax
    or $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr

    /* Paging + write-protect (ring 0 honours read-only pages). */
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16)), %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_entry

no_long_mode:
    hlt
    jmp no_long_mode

    .code64
long_mode_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs

    /* Zero .bss before anything (the boot stack lives there). */
    movabs $__bss_start, %rdi
    movabs $__bss_end, %rcx
    sub %rdi, %rcx
    xor %eax, %eax
    rep stosb

    movabs $(BOOT_STACK + 4096 + {stack_size}), %rsp
    xor %ebp, %ebp              /* ends the frame-pointer chain for backtraces */
    mov %esi, %edi              /* zero-extends: the hand-over's physical address */
    movl boot_magic, %esi       /* second argument: the boot loader's EAX */
    movabs $kernel_entry, %rax
    call *%rax
2:  hlt
    jmp 2b
    "#,
    stack_size = const BOOT_STACK_SIZE,
    options(att_syntax)
);
