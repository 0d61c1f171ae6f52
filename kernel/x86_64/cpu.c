/* The interrupt descriptor table, the TSS, and the CPU exception report.
 *
 * Entry points: x86_cpu_init, x86_cpu_guard_null, x86_idt_set, and x86_exception (called by
 * boot.S's stubs). Every one of the 32 exception vectors prints its vector, name, error code,
 * RIP, CR2 and the general registers on the console and exits X86_EXIT_EXCEPTION: the kernel
 * has no way to recover from its own fault, and a report is worth more than a retry. Vectors
 * 32..255 start out as spurious (an iretq); irq.c installs the ones it uses.
 *
 * A stack overflow runs into boot.S's unmapped guard page; the #PF cannot be delivered on the
 * exhausted stack, so the CPU raises #DF, whose gate switches to a stack of its own (Intel
 * SDM vol. 3, "Interrupt Stack Table"), and the report still comes out.
 */
#include "kernel/x86_64/x86.h"

#include <stdio.h>

#include "kernel/platform.h"

#define IDT_VECTORS 256
#define EXC_VECTORS 32
#define SEL_CODE 0x08 /* boot.S's GDT */
#define SEL_TSS 0x18
#define GDT_TSS_AVAILABLE 0x89 /* present, DPL 0, 64-bit TSS (available) */
#define VEC_DOUBLE_FAULT 8
#define IST_DOUBLE_FAULT 1   /* tss.ist[0] */
#define DF_STACK_BYTES 16384 /* x86_exception and snprintf need a few KiB */
#define GATE_INTERRUPT 0x8e  /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */

/* What boot.S's exc_common leaves on the stack, lowest address first. */
struct x86_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;            /* error is 0 where the CPU pushes none */
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* One 16-byte gate (Intel SDM vol. 3, "64-Bit Mode IDT"). */
struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gates are 16 bytes in long mode");

/* The 64-bit task state segment (Intel SDM vol. 3, "Task Management in 64-bit Mode"): only
 * its IST slot 1 is used. */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "the 64-bit TSS is 104 bytes");

static struct idt_gate idt[IDT_VECTORS];
static struct tss tss;
static uint8_t df_stack[DF_STACK_BYTES] __attribute__((aligned(16)));

extern uint64_t x86_gdt[5]; /* boot.S: null, code, data, and the TSS's two slots */

extern void (*const x86_exc_stubs[EXC_VECTORS])(void); /* boot.S */
void x86_irq_spurious_stub(void);                      /* boot.S */
_Noreturn void x86_exception(const struct x86_frame *f);

/* Intel SDM vol. 3, "Protected-Mode Exceptions and Interrupts" table; the reserved vectors
 * keep their numbers. */
static const char *const exc_names[EXC_VECTORS] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 floating point",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating point",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

void x86_idt_set(unsigned vector, void (*stub)(void))
{
    uint64_t a = (uint64_t)(uintptr_t)stub;
    idt[vector] = (struct idt_gate){
        .off_lo = (uint16_t)a,
        .sel = SEL_CODE,
        .type = GATE_INTERRUPT,
        .off_mid = (uint16_t)(a >> 16),
        .off_hi = (uint32_t)(a >> 32),
    };
}

/* Loads the TSS, whose only job is the double fault's stack. */
static void tss_load(void)
{
    tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(uintptr_t)(df_stack + sizeof df_stack);
    tss.iomap_base = sizeof tss; /* no I/O permission bitmap */
    uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
    /* A 16-byte system descriptor (Intel SDM vol. 3, "TSS Descriptor in 64-bit mode"). */
    x86_gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
                           (uint64_t)GDT_TSS_AVAILABLE << 40 | ((limit >> 16) & 0xf) << 48 |
                           ((base >> 24) & 0xff) << 56;
    x86_gdt[SEL_TSS / 8 + 1] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
}

void x86_cpu_init(void)
{
    tss_load();
    for (unsigned v = 0; v < IDT_VECTORS; v++)
        x86_idt_set(v, v < EXC_VECTORS ? x86_exc_stubs[v] : x86_irq_spurious_stub);
    idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

void x86_cpu_guard_null(void)
{
    extern uint64_t x86_boot_pt[512]; /* boot.S: the first 2 MiB in 4 KiB pages */
    x86_boot_pt[0] = 0;
    __asm__ volatile("invlpg (%0)" : : "r"(0ul) : "memory");
}

static void say(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    plat_console_write(s, n);
}

_Noreturn void x86_exception(const struct x86_frame *f)
{
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    /* snprintf into a stack buffer: if the fault came from inside snprintf itself we fault
     * again, and that second report is just as useful. */
    char line[160];
    const char *name = f->vector < EXC_VECTORS ? exc_names[f->vector] : "?";
    snprintf(line, sizeof line,
             "\ncpu exception %llu (%s), error 0x%llx, rip 0x%016llx, cr2 0x%016llx\n",
             (unsigned long long)f->vector, name, (unsigned long long)f->error,
             (unsigned long long)f->rip, (unsigned long long)cr2);
    say(line);
    const struct {
        const char *name;
        uint64_t v;
    } regs[] = {
        {"rax", f->rax}, {"rbx", f->rbx},       {"rcx", f->rcx}, {"rdx", f->rdx}, {"rsi", f->rsi},
        {"rdi", f->rdi}, {"rbp", f->rbp},       {"rsp", f->rsp}, {"r8", f->r8},   {"r9", f->r9},
        {"r10", f->r10}, {"r11", f->r11},       {"r12", f->r12}, {"r13", f->r13}, {"r14", f->r14},
        {"r15", f->r15}, {"rflags", f->rflags}, {"cs", f->cs},   {"ss", f->ss},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        snprintf(line, sizeof line, "  %-6s 0x%016llx%s", regs[i].name,
                 (unsigned long long)regs[i].v, i % 4 == 3 ? "\n" : "");
        say(line);
    }
    say("\n");
    plat_exit(X86_EXIT_EXCEPTION);
}
