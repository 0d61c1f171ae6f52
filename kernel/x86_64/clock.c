/* Time: the TSC as a monotonic nanosecond clock, the CMOS RTC for the wall time, and the seed.
 *
 * Entry points: x86_clock_init, x86_clock_tsc_hz, x86_clock_source, plat_clock_ns,
 * plat_wall_ns, plat_random_seed.
 *
 * The TSC's rate is learned once at boot, from the first source that has it: kvmclock (KVM
 * tells us its own scale factor), CPUID leaf 0x15 (crystal clock ratio) or 0x16 (base MHz),
 * else by counting TSC ticks across CALIBRATE_PIT_TICKS of the 8254 PIT. We assume a constant,
 * invariant TSC, which KVM and TCG both give a single-CPU guest. The RTC is read once; after
 * that the wall time is the RTC's plus the monotonic clock.
 */
#include "kernel/x86_64/x86.h"

#include "kernel/platform.h"

#define NS_PER_S 1000000000ull

/* kvmclock (Linux Documentation/virt/kvm/x86/msr.rst and cpuid.rst). */
#define CPUID_HYPERVISOR_BIT (1u << 31) /* CPUID 1 ECX: running under a hypervisor */
#define CPUID_KVM_SIGNATURE 0x40000000
#define CPUID_KVM_FEATURES 0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
struct pvclock_time {
    uint32_t version; /* odd while the host updates the rest */
    uint32_t pad0;
    uint64_t tsc_timestamp, system_time;
    uint32_t tsc_to_system_mul; /* ns = ((tsc << tsc_shift) * mul) >> 32 */
    int8_t tsc_shift;
    uint8_t flags, pad[2];
};

/* The 8254 PIT: channel 0, polled through its latch (no interrupt, no port 0x61 gate, which
 * microvm lacks). */
#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_RATE_LOHI 0x34 /* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_CH0_LATCH 0x00
#define CALIBRATE_PIT_TICKS                                                                        \
    23864                       /* 20 ms: longer costs boot time, shorter costs accuracy           \
                                 * (one polled read under TCG takes about a microsecond) */
#define PIT_STUCK_POLLS 1000000 /* no change in this many reads: there is no PIT */

/* The MC146818 RTC behind the CMOS index/data ports. */
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80 /* keep NMIs masked while we select registers */
#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_CENTURY 0x32 /* QEMU's (and the ACPI FADT's usual) century register */
#define RTC_A_UIP 0x80   /* update in progress: the time registers are changing */
#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04
#define RTC_HOUR_PM 0x80
#define RTC_UIP_POLLS 100000 /* an update lasts under 2 ms */

#define CPUID_RDRAND_BIT (1u << 30) /* CPUID 1 ECX */
#define RDRAND_RETRIES 10           /* Intel's DRNG guide: 10 tries, then give up */

static uint64_t tsc_hz;
static uint64_t tsc_start;
static uint64_t ns_per_tick_q32; /* nanoseconds per TSC tick, 32.32 fixed point */
static uint64_t rtc_ns;          /* wall time at tsc_start; 0 if there is no RTC */
static const char *source;

static uint64_t kvmclock_hz(void)
{
    static struct pvclock_time pv __attribute__((aligned(64)));
    uint32_t r[4];
    x86_cpuid(1, r);
    if ((r[2] & CPUID_HYPERVISOR_BIT) == 0) return 0;
    x86_cpuid(CPUID_KVM_SIGNATURE, r);
    if (r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d) return 0; /* "KVMKVMKVM\0\0\0" */
    x86_cpuid(CPUID_KVM_FEATURES, r);
    if ((r[0] & KVM_FEATURE_CLOCKSOURCE2) == 0) return 0;
    x86_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)&pv | 1);
    uint32_t v, mul;
    int8_t shift;
    do {
        v = __atomic_load_n(&pv.version, __ATOMIC_ACQUIRE);
        mul = pv.tsc_to_system_mul;
        shift = pv.tsc_shift;
    } while ((v & 1) != 0 || v != __atomic_load_n(&pv.version, __ATOMIC_ACQUIRE));
    x86_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0); /* we only wanted the scale: stop the updates */
    if (mul == 0) return 0;
    uint64_t hz = (NS_PER_S << 32) / mul;
    return shift >= 0 ? hz >> shift : hz << -shift;
}

static uint64_t cpuid_hz(void)
{
    uint32_t r[4];
    x86_cpuid(0, r);
    uint32_t max = r[0];
    if (max >= 0x15) {
        x86_cpuid(0x15, r); /* eax: denominator, ebx: numerator, ecx: crystal Hz (0 = unknown) */
        if (r[0] != 0 && r[1] != 0 && r[2] != 0) return (uint64_t)r[2] * r[1] / r[0];
    }
    if (max >= 0x16) {
        x86_cpuid(0x16, r); /* eax: base frequency in MHz, which the TSC runs at */
        if ((r[0] & 0xffff) != 0) return (uint64_t)(r[0] & 0xffff) * 1000000;
    }
    return 0;
}

static uint16_t pit_read(void)
{
    x86_out8(PIT_CMD, PIT_CH0_LATCH);
    uint8_t lo = x86_in8(PIT_CH0);
    return (uint16_t)(lo | x86_in8(PIT_CH0) << 8);
}

static uint64_t pit_hz(void)
{
    x86_out8(PIT_CMD, PIT_CH0_RATE_LOHI);
    x86_out8(PIT_CH0, 0); /* reload value 0 = 65536: the longest period between wraps */
    x86_out8(PIT_CH0, 0);
    uint16_t prev = pit_read();
    uint64_t stuck = 0;
    while (pit_read() == prev) /* start on a tick edge */
        if (++stuck == PIT_STUCK_POLLS) plat_panic("clock: no PIT to calibrate the TSC");
    prev = pit_read();
    uint64_t t0 = x86_rdtsc(), ticks = 0;
    while (ticks < CALIBRATE_PIT_TICKS) {
        uint16_t now = pit_read(); /* counts down, wrapping at 65536 */
        ticks += (uint16_t)(prev - now);
        prev = now;
    }
    return (x86_rdtsc() - t0) * PIT_HZ / ticks;
}

static uint8_t cmos_read(uint8_t reg)
{
    x86_out8(CMOS_INDEX, CMOS_NMI_OFF | reg);
    return x86_in8(CMOS_DATA);
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), counting years from March
 * so that the leap day comes last. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned bcd(uint8_t v, bool binary)
{
    return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0x0f);
}

/* Reads the RTC as nanoseconds since the epoch, or 0 if there is none (microvm,rtc=off reads
 * 0xFF everywhere). Reads until two passes agree, so an update between registers is not
 * mixed in. */
static uint64_t rtc_read(void)
{
    uint8_t t[7], prev[7] = {0};
    const uint8_t regs[7] = {RTC_SEC, RTC_MIN, RTC_HOUR, RTC_DAY, RTC_MONTH, RTC_YEAR, RTC_CENTURY};
    for (int pass = 0; pass < 4; pass++) {
        for (int i = 0; i < RTC_UIP_POLLS && (cmos_read(RTC_STATUS_A) & RTC_A_UIP) != 0; i++)
            ;
        for (int i = 0; i < 7; i++)
            t[i] = cmos_read(regs[i]);
        bool same = true;
        for (int i = 0; i < 7; i++)
            same &= t[i] == prev[i];
        if (same) break;
        for (int i = 0; i < 7; i++)
            prev[i] = t[i];
    }
    uint8_t b = cmos_read(RTC_STATUS_B);
    if (b == 0xff && t[0] == 0xff) return 0;
    bool bin = (b & RTC_B_BINARY) != 0;
    unsigned sec = bcd(t[0], bin), min = bcd(t[1], bin), day = bcd(t[3], bin);
    unsigned month = bcd(t[4], bin), year = bcd(t[5], bin), century = bcd(t[6], bin);
    unsigned hour = bcd(t[2] & (uint8_t)~RTC_HOUR_PM, bin);
    if ((b & RTC_B_24H) == 0) /* 12-hour mode: 12 AM is 0, 12 PM is 12 */
        hour = hour % 12 + ((t[2] & RTC_HOUR_PM) != 0 ? 12 : 0);
    if (century < 19 || century > 21) century = 20;
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || month < 1 || month > 12)
        return 0;
    int64_t days = days_from_civil((int64_t)century * 100 + year, month, day);
    return ((uint64_t)days * 86400 + hour * 3600 + min * 60 + sec) * NS_PER_S;
}

void x86_clock_init(void)
{
    if ((tsc_hz = kvmclock_hz()) != 0)
        source = "kvmclock";
    else if ((tsc_hz = cpuid_hz()) != 0)
        source = "cpuid";
    else {
        tsc_hz = pit_hz();
        source = "pit";
    }
    if (tsc_hz == 0) plat_panic("clock: TSC rate is 0");
    ns_per_tick_q32 = (NS_PER_S << 32) / tsc_hz;
    tsc_start = x86_rdtsc();
    rtc_ns = rtc_read();
}

uint64_t x86_clock_tsc_hz(void)
{
    return tsc_hz;
}

const char *x86_clock_source(void)
{
    return source;
}

uint64_t plat_clock_ns(void)
{
    return (uint64_t)(((unsigned __int128)(x86_rdtsc() - tsc_start) * ns_per_tick_q32) >> 32);
}

uint64_t plat_wall_ns(void)
{
    return rtc_ns + plat_clock_ns();
}

uint64_t plat_random_seed(void)
{
    uint32_t r[4];
    x86_cpuid(1, r);
    if ((r[2] & CPUID_RDRAND_BIT) != 0) {
        for (int i = 0; i < RDRAND_RETRIES; i++) {
            uint64_t v;
            bool ok;
            __asm__ volatile("rdrand %0" : "=r"(v), "=@ccc"(ok));
            if (ok) return v;
        }
    }
    return x86_rdtsc() ^ rtc_ns;
}
