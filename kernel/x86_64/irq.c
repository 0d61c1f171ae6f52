/* Interrupts, used for one thing only: waking the CPU from hlt under idle=halt (DESIGN.md
 * section 3). The local APIC's one-shot timer covers the loop's next deadline; the NIC's
 * receive notification, routed by the virtio driver through the IOAPIC (virtio-mmio) or MSI-X
 * (virtio-pci) to X86_WAKE_VECTOR, covers a frame's arrival. Both vectors' handler (boot.S's
 * x86_irq_wake_stub) only sends EOI. (LINT1 is set to deliver NMI, which goes to the exception
 * report like any other non-maskable event: that is how a hung guest is made to say where.)
 *
 * Entry points: x86_irq_init, x86_irq_idle_set, x86_ioapic_route, x86_msi_address,
 * x86_msi_data, plat_wait.
 *
 * Interrupts are enabled only between plat_wait's sti and hlt (one instruction's shadow, so
 * an interrupt cannot slip in before the hlt and be missed) and the wake handler's return,
 * which comes back with them disabled again.
 */
#include "kernel/x86_64/x86.h"

#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "kernel/x86_64/virtio.h"

#define NS_PER_S 1000000000ull

/* Local APIC (Intel SDM vol. 3, "Advanced Programmable Interrupt Controller (APIC)"). */
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_MASK 0xffffff000ull
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_DELIVERY_NMI (4u << 8)
#define TIMER_DIV_1 0x0b
#define TIMER_VECTOR 0x41
#define SPURIOUS_VECTOR 0xff /* low 4 bits must be 1 on older APICs */
#define CALIBRATE_NS                                                                               \
    1000000 /* 1 ms of TSC: the timer only needs to be roughly right,                              \
             * since waking early costs one more loop iteration */

/* The 8259 PICs (Intel 8259A datasheet): initialised only to move them off the exception
 * vectors and mask them, since a PIC left in its reset state could deliver IRQ 0 as #DE. */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_ICW1_INIT_ICW4 0x11
#define PIC1_BASE 0x20
#define PIC2_BASE 0x28
#define PIC_ICW4_8086 0x01

/* IOAPICs (82093AA datasheet §3.2.4): QEMU puts the first at 0xFEC00000 (GSIs 0..23) and
 * microvm's second, when present, at 0xFEC10000 (GSIs 24..47). */
#define IOAPIC0 0xfec00000u
#define IOAPIC1 0xfec10000u
#define IOAPIC1_GSI_BASE 24
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDIR 0x10 /* entry n: registers 0x10 + 2n (low), 0x11 + 2n (high) */
#define REDIR_LEVEL (1u << 15)

#define MSI_ADDRESS_BASE 0xfee00000u

uint64_t x86_lapic_base;      /* read by boot.S's x86_irq_wake_stub */
void x86_irq_wake_stub(void); /* boot.S */

static uint32_t lapic_id;
static uint64_t lapic_hz; /* LAPIC timer ticks per second at divide-by-1 */
static int idle = IDLE_HALT;

static volatile uint32_t *lapic(unsigned reg)
{
    return (volatile uint32_t *)(uintptr_t)(x86_lapic_base + reg);
}

static void pic_mask(void)
{
    x86_out8(PIC1_CMD, PIC_ICW1_INIT_ICW4);
    x86_out8(PIC2_CMD, PIC_ICW1_INIT_ICW4);
    x86_out8(PIC1_DATA, PIC1_BASE);
    x86_out8(PIC2_DATA, PIC2_BASE);
    x86_out8(PIC1_DATA, 1 << 2); /* the slave hangs off IRQ 2 */
    x86_out8(PIC2_DATA, 2);
    x86_out8(PIC1_DATA, PIC_ICW4_8086);
    x86_out8(PIC2_DATA, PIC_ICW4_8086);
    x86_out8(PIC1_DATA, 0xff);
    x86_out8(PIC2_DATA, 0xff);
}

void x86_irq_init(void)
{
    pic_mask();
    uint64_t base = x86_rdmsr(MSR_APIC_BASE);
    x86_wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    x86_lapic_base = base & APIC_BASE_MASK;
    lapic_id = *lapic(LAPIC_ID) >> 24;
    *lapic(LAPIC_TPR) = 0;
    *lapic(LAPIC_LVT_LINT0) = LVT_MASKED;
    /* LINT1 delivers NMI, as the MP spec's virtual-wire setup has it: a hypervisor's "inject
     * NMI" (QEMU monitor `nmi`, virsh inject-nmi) then reaches the exception report, which
     * prints where a hung guest was and exits. */
    *lapic(LAPIC_LVT_LINT1) = LVT_DELIVERY_NMI;
    *lapic(LAPIC_LVT_ERROR) = LVT_MASKED;
    *lapic(LAPIC_SVR) = SVR_ENABLE | SPURIOUS_VECTOR;
    x86_idt_set(X86_WAKE_VECTOR, x86_irq_wake_stub);
    x86_idt_set(TIMER_VECTOR, x86_irq_wake_stub);

    /* Count the timer down, masked, across CALIBRATE_NS of the (calibrated) TSC. */
    *lapic(LAPIC_TIMER_DIV) = TIMER_DIV_1;
    *lapic(LAPIC_LVT_TIMER) = LVT_MASKED | TIMER_VECTOR;
    uint64_t span = x86_clock_tsc_hz() * CALIBRATE_NS / NS_PER_S;
    uint64_t t0 = x86_rdtsc();
    *lapic(LAPIC_TIMER_INIT) = 0xffffffffu;
    while (x86_rdtsc() - t0 < span)
        ;
    uint32_t left = *lapic(LAPIC_TIMER_CUR);
    *lapic(LAPIC_TIMER_INIT) = 0;
    lapic_hz = (uint64_t)(0xffffffffu - left) * (NS_PER_S / CALIBRATE_NS);
    if (lapic_hz == 0) plat_panic("irq: LAPIC timer does not count");
    *lapic(LAPIC_LVT_TIMER) = TIMER_VECTOR; /* one-shot, unmasked; armed by plat_wait */
}

void x86_irq_idle_set(int mode)
{
    idle = mode;
}

static uint32_t ioapic_read(uint32_t base, uint32_t reg)
{
    *(volatile uint32_t *)(uintptr_t)(base + IOAPIC_REGSEL) = reg;
    return *(volatile uint32_t *)(uintptr_t)(base + IOAPIC_WIN);
}

static void ioapic_write(uint32_t base, uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(base + IOAPIC_REGSEL) = reg;
    *(volatile uint32_t *)(uintptr_t)(base + IOAPIC_WIN) = v;
}

/* Inputs of the IOAPIC at 'base', 0 if there is none (its registers read all ones). */
static unsigned ioapic_inputs(uint32_t base)
{
    uint32_t ver = ioapic_read(base, IOAPIC_VER);
    return ver == 0xffffffffu ? 0 : ((ver >> 16) & 0xff) + 1;
}

/* The IOAPIC serving 'gsi' and its input there. */
static uint32_t ioapic_of(unsigned gsi, unsigned *pin)
{
    *pin = gsi >= IOAPIC1_GSI_BASE ? gsi - IOAPIC1_GSI_BASE : gsi;
    return gsi >= IOAPIC1_GSI_BASE ? IOAPIC1 : IOAPIC0;
}

bool x86_ioapic_has(unsigned gsi)
{
    unsigned pin;
    uint32_t base = ioapic_of(gsi, &pin);
    return pin < ioapic_inputs(base);
}

void x86_ioapic_route(unsigned gsi, bool level_triggered)
{
    unsigned pin;
    uint32_t base = ioapic_of(gsi, &pin);
    if (pin >= ioapic_inputs(base)) plat_panic("irq: no IOAPIC for gsi");
    /* Fixed delivery, physical destination, active high, unmasked. */
    ioapic_write(base, IOAPIC_REDIR + 2 * pin + 1, lapic_id << 24);
    ioapic_write(base, IOAPIC_REDIR + 2 * pin,
                 X86_WAKE_VECTOR | (level_triggered ? REDIR_LEVEL : 0));
}

uint64_t x86_msi_address(void)
{
    return MSI_ADDRESS_BASE | lapic_id << 12;
}

uint32_t x86_msi_data(void)
{
    return X86_WAKE_VECTOR; /* fixed delivery, edge */
}

bool plat_wait(uint64_t deadline_ns)
{
    if (idle == IDLE_POLL) return true;
    if (virtio_net_arm_wake()) {
        virtio_net_disarm_wake();
        return true;
    }
    uint64_t now = plat_clock_ns();
    if (deadline_ns > now) {
        /* A deadline past the timer's reach (4.29 s at 1 GHz) wakes early; the loop waits
         * again. */
        unsigned __int128 ticks = (unsigned __int128)(deadline_ns - now) * lapic_hz / NS_PER_S;
        uint32_t count = ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks;
        *lapic(LAPIC_TIMER_INIT) = count;
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        *lapic(LAPIC_TIMER_INIT) = 0;
    }
    virtio_net_disarm_wake();
    return true;
}
