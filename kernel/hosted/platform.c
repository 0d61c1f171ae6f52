/* The machine half of kernel/platform.h for a Linux process: clock, pages, console, random
 * seed, exit and panic. The network half is netdev.c. Entry points: the plat_* functions, and
 * hosted_clock_virtual()/hosted_clock_advance(), through which replay.c drives time. */
#include "kernel/platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kernel/hosted/hosted.h"

/* Under replay the seed must not vary between runs (DESIGN.md section 8); any constant does.
 * This one is "skiffsee" in ASCII, easy to spot in a debugger. */
#define REPLAY_RANDOM_SEED 0x736b696666736565ull

/* The clock. Live: CLOCK_MONOTONIC minus its value at the first reading, and the wall time read
 * once then. Virtual (replay): both set by replay.c from the trace. */
static bool clock_virtual;
static bool clock_started;
static uint64_t mono_start_ns;
static uint64_t wall_base_ns;
static uint64_t virtual_now_ns;

static uint64_t read_clock(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) plat_panic("hosted: clock_gettime");
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void clock_start(void)
{
    if (clock_started) return;
    mono_start_ns = read_clock(CLOCK_MONOTONIC);
    wall_base_ns = read_clock(CLOCK_REALTIME);
    clock_started = true;
}

void hosted_clock_virtual(uint64_t wall_base)
{
    clock_virtual = true;
    clock_started = true;
    wall_base_ns = wall_base;
    virtual_now_ns = 0;
}

void hosted_clock_advance(uint64_t now_ns)
{
    if (now_ns > virtual_now_ns) virtual_now_ns = now_ns;
}

uint64_t plat_clock_ns(void)
{
    if (clock_virtual) return virtual_now_ns;
    clock_start();
    return read_clock(CLOCK_MONOTONIC) - mono_start_ns;
}

uint64_t plat_wall_ns(void)
{
    clock_start();
    return wall_base_ns + plat_clock_ns();
}

void *plat_pages_alloc(size_t n)
{
    if (n == 0 || n > SIZE_MAX / PLAT_PAGE_SIZE) return NULL;
    /* aligned_alloc rather than mmap so that ASan sees the pools and catches overruns. */
    void *p = aligned_alloc(PLAT_PAGE_SIZE, n * PLAT_PAGE_SIZE);
    if (p != NULL) memset(p, 0, n * PLAT_PAGE_SIZE);
    return p;
}

void plat_console_write(const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, s, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* stderr is gone: nowhere left to say anything */
        s += n;
        len -= (size_t)n;
    }
}

uint64_t plat_random_seed(void)
{
    if (clock_virtual) return REPLAY_RANDOM_SEED;
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) plat_panic("hosted: getrandom");
    return seed;
}

_Noreturn void plat_exit(int status)
{
    /* A replay whose output could not be written has not succeeded, whatever the loop says. */
    if (hosted_dev_close() != 0 && status == 0) status = 1;
    exit(status);
}

/* _exit, not exit or abort: status 3 exactly (abort would die by SIGABRT, which ASan turns
 * into its own report and status), and no atexit handlers run on state we know is broken. The
 * replay's output pcap is therefore left incomplete after a panic. Unit tests that expect a
 * panic run the call in a fork()ed child and check for exit status 3. */
_Noreturn void plat_panic(const char *tag)
{
    static const char head[] = "panic: ";
    plat_console_write(head, sizeof head - 1);
    plat_console_write(tag, strlen(tag));
    plat_console_write("\n", 1);
    _exit(3);
}
