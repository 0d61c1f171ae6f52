/* kernel/: the boot arguments and the poll loop, shared by every platform.
 *
 * A platform's entry point (kernel/x86_64/start.c, kernel/hosted/main.c) does, in order:
 *   bootargs_defaults(&args); bootargs_set(&args, key, value, ...) for each argument, stopping
 *   with the message on failure; brings up its console, clock and network device; then
 *   loop_run(&args), which returns the exit status when plat_wait() asks it to stop.
 *
 * The boot arguments are one table, BOOTARGS below: the kernel command line (key=value) and the
 * hosted program's flags (--key=value) both go through bootargs_set(), so names, defaults and
 * bounds are the same everywhere.
 */
#ifndef SKIFF_KERNEL_H
#define SKIFF_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kinds of boot argument value. */
enum bootarg_type {
    BOOTARG_UINT, /* decimal integer in [min, max] */
    BOOTARG_SIZE, /* bytes, decimal with an optional K, M or G suffix (powers of 1024) */
    BOOTARG_IPV4, /* dotted quad a.b.c.d */
    BOOTARG_IDLE, /* poll | halt */
    BOOTARG_LOG,  /* comma-separated words from BOOTARG_LOG_WORDS, or none */
};

enum bootarg_idle { IDLE_POLL, IDLE_HALT };

/* Words of log=; each sets one bit in bootargs.log. */
#define BOOTARG_LOG_WORDS(X)                                                                       \
    X(STATS, "stats") /* print the counters at exit */                                             \
    X(NET, "net")     /* one line per dropped frame, with its reason */

enum bootarg_log_bit {
#define BOOTARG_LOG_BIT(id, word) LOG_##id##_BIT,
    BOOTARG_LOG_WORDS(BOOTARG_LOG_BIT)
#undef BOOTARG_LOG_BIT
};
#define LOG_STATS (1u << LOG_STATS_BIT)
#define LOG_NET (1u << LOG_NET_BIT)

/* The table: key, type, default (as text, parsed like a given value), min, max (for UINT and
 * SIZE), one-line help. Generate, don't copy: the struct, the defaults, the parser and --help
 * all come from these rows. Later layers add their rows here. */
#define BOOTARGS(X)                                                                                \
    X(rx_batch, BOOTARG_UINT, "32", 1, 256, "frames received per loop iteration, at most")         \
    X(tx_batch, BOOTARG_UINT, "32", 1, 256, "frames sent per device notification, at most")        \
    X(vm_budget, BOOTARG_UINT, "10000", 100, 100000000, "VM instructions per coroutine resume")    \
    X(run_budget, BOOTARG_UINT, "100000", 100, 1000000000, "VM instructions per loop iteration")   \
    X(gc_budget, BOOTARG_UINT, "1000", 1, 100000000, "garbage collector work units per step")      \
    X(heap, BOOTARG_SIZE, "16M", 1 << 20, 1ull << 32, "bytes of VM heap")                          \
    X(conns, BOOTARG_UINT, "1024", 1, 65535, "TCP connections at once, at most")                   \
    X(bufs, BOOTARG_UINT, "1024", 64, 65536, "packet buffers in the pool (2 KiB each)")            \
    X(ip, BOOTARG_IPV4, "10.0.2.15", 0, 0, "our IPv4 address")                                     \
    X(netmask, BOOTARG_IPV4, "255.255.255.0", 0, 0, "our subnet mask")                             \
    X(gw, BOOTARG_IPV4, "10.0.2.2", 0, 0, "the gateway for addresses outside the subnet")          \
    X(port, BOOTARG_UINT, "80", 1, 65535, "the TCP port the service listens on")                   \
    X(idle, BOOTARG_IDLE, "halt", 0, 0, "when there is no work: poll (spin) or halt (sleep)")      \
    X(log, BOOTARG_LOG, "none", 0, 0, "what to log: none, or a comma list of stats,net")

/* Parsed values, one field per row. IPv4 addresses are host byte order. */
struct bootargs {
#define BOOTARG_FIELD(key, type, def, min, max, help) uint64_t key;
    BOOTARGS(BOOTARG_FIELD)
#undef BOOTARG_FIELD
};

/* Fills 'args' with every row's default. */
void bootargs_defaults(struct bootargs *args);

/* Sets 'key' to 'value' (text). Returns 0, or -1 with a one-line message in 'err' (at most
 * 'errcap' bytes, no newline) that names the key, the value and the bounds:
 *   "bootarg rx_batch=0: must be 1..256"
 *   "bootarg foo: unknown key; known keys: rx_batch tx_batch ..."
 * On failure 'args' is unchanged. */
int bootargs_set(struct bootargs *args, const char *key, const char *value, char *err,
                 size_t errcap);

/* Parses a kernel command line: space-separated key=value words. Words whose key contains a
 * '.' belong to the platform (virtio_mmio.device=...) and are skipped; so is a first word
 * without '=' (a boot loader's kernel path). Returns 0, or -1 with the first error in 'err'. */
int bootargs_parse_cmdline(struct bootargs *args, const char *cmdline, char *err, size_t errcap);

/* Formats the parsed values as "key=value key=value ..." into 'buf' (the banner uses it).
 * Returns the length written (truncated to 'cap' - 1). */
size_t bootargs_format(const struct bootargs *args, char *buf, size_t cap);

/* Prints the table, one row a key: name, type, default, bounds, help (hosted --help). */
void bootargs_print_help(void (*write)(const char *s, size_t len));

/* Runs the poll loop until plat_wait() returns false; prints the counters if log=stats; returns
 * the exit status (0). One iteration, in this order and nowhere else: receive up to rx_batch
 * frames and run them through the stack; send what the stack queued, tx_batch frames per
 * device call; run due timers; idle until the next deadline when there was nothing to do. The
 * platform has already called pbuf_pool_init() and its device is up. */
int loop_run(const struct bootargs *args);

/* Prints every counter as "name value" lines, to the console (log=stats, hosted --stats). */
void loop_print_stats(void);

/* Prints one counter line in the format loop_print_stats() uses; platforms print their own
 * device counters with it after the stack's. */
void loop_print_counter(const char *name, uint64_t value);

#endif
