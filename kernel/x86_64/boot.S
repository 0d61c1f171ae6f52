/* The first instructions: both boot headers, the 32-bit entries, the page tables, the switch
 * to long mode, and the interrupt entry stubs. Everything here runs before or beneath C.
 *
 * Entry points: pvh_entry (QEMU -kernel on q35 and microvm, through the PVH ELF note) and
 * mb2_entry (GRUB's multiboot2 command, the ELF entry point). Both arrive in 32-bit protected
 * mode, paging off, interrupts off, flat segments, no usable stack, and meet at common32,
 * which calls x86_start(proto, info) in 64-bit mode (x86.h).
 */

#define MB2_MAGIC 0xe85250d6           /* Multiboot2 spec §3.1.2: header magic */
#define MB2_LOADER_MAGIC 0x36d76289    /* Multiboot2 spec §3.3: %eax on entry */
#define XEN_ELFNOTE_PHYS32_ENTRY 18    /* xen/include/public/elfnote.h */

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)                /* wait/fwait honour CR0.TS: needed with SSE */
#define CR0_EM (1 << 2)                /* x87 emulation: must be clear for x87 and SSE */
#define CR0_TS (1 << 3)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)            /* SSE instructions and fxsave */
#define CR4_OSXMMEXCPT (1 << 10)       /* SIMD floating-point exceptions as #XM, not #UD */
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define MSR_FS_BASE 0xc0000100

#define PTE_P 0x01
#define PTE_W 0x02
#define PTE_PWT 0x08
#define PTE_PCD 0x10
#define PTE_PS 0x80                    /* in a page directory entry: a 2 MiB page */
#define PD_UNCACHED_FROM 1536          /* 2 MiB pages from 3 GiB up: device memory */

#define SEL_CODE 0x08
#define SEL_DATA 0x10

#define BOOT_STACK_BYTES 65536
#define TLS_BYTES 4096                 /* musl's struct pthread fits in far less */

/* ---- Multiboot2 header (Multiboot2 spec §3.1.1): in the first 32 KiB, 8-aligned ---- */
    .section .multiboot2, "a"
    .p2align 3
mb2_header:
    .long MB2_MAGIC
    .long 0                                 /* architecture: i386 protected mode */
    .long mb2_header_end - mb2_header
    .long 0x100000000 - (MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
    .word 0, 0                              /* end tag: type 0, flags 0, size 8 */
    .long 8
mb2_header_end:

/* ---- PVH entry note: QEMU reads the descriptor as a 64-bit address ---- */
    .section .note.Xen, "a"
    .p2align 2
    .long 4                                 /* namesz: "Xen\0" */
    .long 8                                 /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long pvh_entry
    .long 0

/* ---- 32-bit entries ---- */
    .section .text.boot, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    movl $1, %esi                           /* X86_BOOT_PVH; %ebx = struct hvm_start_info */
    jmp common32

    .globl mb2_entry
mb2_entry:
    cli
    cld
    cmpl $MB2_LOADER_MAGIC, %eax
    jne halt32                              /* not a Multiboot2 loader: nothing to report to */
    movl $2, %esi                           /* X86_BOOT_MULTIBOOT2; %ebx = boot information */

common32:
    movl %ebx, %ebp                         /* %esi and %ebp survive until x86_start */

    /* Zero .bss: loaders should, but the page tables below must start empty regardless. */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages = 4 GiB. */
    movl $boot_pdpt + (PTE_P | PTE_W), boot_pml4
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $12, %eax
    addl $boot_pd + (PTE_P | PTE_W), %eax
    movl %eax, boot_pdpt(, %ecx, 8)
    incl %ecx
    cmpl $4, %ecx
    jb 1b

    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $(PTE_P | PTE_W | PTE_PS), %eax
    cmpl $PD_UNCACHED_FROM, %ecx
    jb 2f
    orl $(PTE_PCD | PTE_PWT), %eax
2:  movl %eax, boot_pd(, %ecx, 8)
    incl %ecx
    cmpl $2048, %ecx
    jb 1b

    /* The first 2 MiB through 4 KiB pages instead, so that x86_cpu_guard_null() can take
     * page 0 away once the boot information (which QEMU's PVH loaders put there) is read. */
    movl $x86_boot_pt + (PTE_P | PTE_W), boot_pd
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $12, %eax
    orl $(PTE_P | PTE_W), %eax
    movl %eax, x86_boot_pt(, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jb 1b
    /* The page below the stack stays unmapped: an overflow faults (and, with no stack left to
     * report on, becomes a double fault, which cpu.c runs on a stack of its own). */
    movl $boot_stack_guard, %eax
    shrl $12, %eax
    movl $0, x86_boot_pt(, %eax, 8)

    /* Long mode (Intel SDM vol. 3, "Initializing IA-32e Mode"): PAE, CR3, EFER.LME, then
     * paging. */
    movl %cr4, %eax
    orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    andl $~(CR0_EM | CR0_TS | CR0_NW | CR0_CD), %eax
    orl $(CR0_PG | CR0_MP | CR0_PE), %eax
    movl %eax, %cr0
    lgdt gdt_ptr
    ljmp $SEL_CODE, $start64

halt32:
    cli
    hlt
    jmp halt32

/* ---- 64-bit ---- */
    .code64
start64:
    movw $SEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs                           /* before FS.base: loading %fs may reset it */
    movw %ax, %gs
    movq $boot_stack + BOOT_STACK_BYTES, %rsp
    fninit

    /* musl reads its thread pointer as %fs:0 (errno lives behind it): a zeroed block whose
     * first word is its own address, before any C runs. */
    movq $boot_tls, %rax
    movq %rax, (%rax)
    movq %rax, %rdx
    shrq $32, %rdx
    movl $MSR_FS_BASE, %ecx
    wrmsr

    movl %esi, %edi                         /* proto */
    movl %ebp, %esi                         /* info */
    call x86_start
1:  cli
    hlt
    jmp 1b

/* ---- Exception entries: push a zero error code where the CPU pushes none, then the vector,
 * then every general register, and hand the frame (struct x86_frame, cpu.c) to
 * x86_exception(), which does not return. 5 + 2 + 15 words keep %rsp 16-byte aligned. ---- */
    .text
.macro EXC vec
exc\vec:
    /* Intel SDM vol. 3, "Protected-Mode Exceptions and Interrupts" table: the vectors
     * for which the CPU pushes an error code. */
    .set err_lo, (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13)
    .set err_hi, (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .ifeq err_lo || err_hi
    pushq $0
    .endif
    pushq $\vec
    jmp exc_common
.endm

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    EXC \v
.endr

exc_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rdi
    call x86_exception
1:  cli
    hlt
    jmp 1b

/* The wake and timer vectors (irq.c): EOI to the LAPIC, then return with IF clear in the
 * saved RFLAGS, so that execution resumes after plat_wait's hlt with interrupts already off
 * and a level-triggered line still asserted cannot interrupt again before the driver
 * acknowledges it. */
    .globl x86_irq_wake_stub
x86_irq_wake_stub:
    pushq %rax
    movq x86_lapic_base(%rip), %rax
    movl $0, 0xb0(%rax)                     /* EOI register */
    andq $~0x200, 24(%rsp)                  /* saved RFLAGS.IF, above %rax, RIP and CS */
    popq %rax
    iretq

/* Every other vector: spurious LAPIC and 8259 interrupts, which take no EOI. */
    .globl x86_irq_spurious_stub
x86_irq_spurious_stub:
    iretq

    .section .rodata
    .p2align 3
    .globl x86_exc_stubs
x86_exc_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad exc\v
.endr

    .data
    .p2align 3
    .globl x86_gdt
x86_gdt:
    .quad 0
    .quad 0x00af9b000000ffff                /* SEL_CODE: 64-bit code, present, accessed */
    .quad 0x00cf93000000ffff                /* SEL_DATA: flat data, writable, accessed */
    .quad 0, 0                              /* 0x18: the TSS, filled in by cpu.c */
gdt_ptr:
    .word gdt_ptr - x86_gdt - 1
    .quad x86_gdt

    .bss
    .p2align 12
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4 * 4096
    .globl x86_boot_pt
x86_boot_pt: .skip 4096
boot_tls:  .skip TLS_BYTES
boot_stack_guard: .skip 4096
boot_stack: .skip BOOT_STACK_BYTES

    .section .note.GNU-stack, "", @progbits
