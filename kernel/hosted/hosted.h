/* kernel/hosted/: the platform as a Linux process (internal header; nothing outside
 * kernel/hosted/ includes it).
 *
 * platform.c implements the machine half of kernel/platform.h (clock, pages, console, seed, exit,
 * panic); netdev.c the network half, by handing each call to the one device main.c opened:
 *   replay.c  a pcap trace in, a pcap trace out, time driven by the trace (DESIGN.md section 8);
 *   tap.c     a Linux TAP device, live, time from CLOCK_MONOTONIC.
 *
 * Order of calls (main.c): open exactly one device with hosted_replay_open() or
 * hosted_tap_open(), which also sets the clock's mode; pbuf_pool_init(); loop_run(); then
 * plat_exit(), which closes the device (the replay's output is complete only after that).
 *
 * Error convention: the open functions return enum hosted_outcome and write a one-line message
 * (no newline) naming the file or device into 'err'; after open, device calls cannot fail (a
 * frame the host refuses is dropped and counted in the device's counters).
 */
#ifndef SKIFF_HOSTED_H
#define SKIFF_HOSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pbuf;

/* The device's MAC address, in both modes: locally administered (the U/L bit, 0x02 in the first
 * byte, set), unicast (0x01 clear), and spelling "SKIFF" in its last five bytes. serve and replay
 * use the same one, so a trace captured against `skiff serve` replays with its frames still
 * addressed to us, and our own frames in it are recognised (and skipped) by their source. */
extern const uint8_t hosted_mac[6]; /* netdev.c: 02:53:4b:49:46:46 */

enum hosted_outcome {
    HOSTED_OK = 0,
    HOSTED_BAD_INPUT = -1, /* the trace is missing, unreadable, truncated or not Ethernet */
    HOSTED_SYSTEM = -2,    /* the host refused: cannot create the output, open the TAP, ... */
};

/* One network device. Each function is what the plat_net_* call of the same name does
 * (kernel/platform.h); netdev.c forwards to the device hosted_dev_use() installed. */
struct hosted_dev {
    int (*rx)(struct pbuf **frames, int max);
    int (*tx)(struct pbuf **frames, int n);
    bool (*wait)(uint64_t deadline_ns);
    void (*print_stats)(void); /* the device's own counters, in loop_print_stats()'s format */
    int (*close)(void);        /* flushes and closes; called once, by plat_exit(); returns 0,
                                * or -1 after saying on the console what was lost */
};

/* netdev.c: installs 'dev' (borrowed; static storage) as the device behind plat_net_*. */
void hosted_dev_use(const struct hosted_dev *dev);

/* netdev.c: prints the device's counters, if a device is open. */
void hosted_dev_print_stats(void);

/* netdev.c: closes the device, if one is open (plat_exit() does). Returns 0, or -1 if the
 * device lost output (the replay could not write its pcap). */
int hosted_dev_close(void);

/* platform.c: switches the clock to virtual time (replay): plat_clock_ns() is 0 and
 * plat_wall_ns() is 'wall_base_ns' until hosted_clock_advance(), and plat_random_seed() is a
 * constant. Without this call the clock is CLOCK_MONOTONIC since start and the seed is random. */
void hosted_clock_virtual(uint64_t wall_base_ns);

/* platform.c: moves the virtual clock to 'now_ns' (plat_clock_ns() time); never backwards: an
 * earlier 'now_ns' leaves it where it is. */
void hosted_clock_advance(uint64_t now_ns);

/* replay.c: reads the whole trace 'in_path' (pcap or pcapng, Ethernet link type) into memory,
 * creates the pcap 'out_path' for what we send, and installs the replay device. 'trace' (log=net)
 * prints a console line per frame the device itself drops. May be called again after
 * hosted_dev_close() (tests do): it starts afresh, the clock at 0. */
int hosted_replay_open(const char *in_path, const char *out_path, bool trace, char *err,
                       size_t errcap);

/* tap.c: attaches to the TAP interface 'name' (created if absent, removed at exit if we created
 * it), non-blocking, and installs the TAP device. SIGINT and SIGTERM from then on make
 * plat_wait() return false. 'idle_poll' (idle=poll) makes plat_wait() return at once. */
int hosted_tap_open(const char *name, bool idle_poll, char *err, size_t errcap);

/* cmd_lua.c: `skiff lua FILE [args]` (argv as main's); returns the exit status: 0, 1 for a
 * script error, 2 for bytecode the verifier refuses. */
int hosted_cmd_lua(int argc, char **argv);

/* cmd_build.c: `skiff build -o APP.skb FILE.lua ...` and `skiff dis APP.skb` (argv as main's);
 * return the exit status: 0, 1 for a compile error or an unreadable file, 2 for bad usage. */
int hosted_cmd_build(int argc, char **argv);
int hosted_cmd_dis(int argc, char **argv);

#endif
