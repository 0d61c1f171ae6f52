/* The platform seam: everything vm/, net/, httpd/ and the loop need from the machine under them.
 *
 * Implemented once per platform: kernel/x86_64/ (a QEMU/KVM guest) and kernel/hosted/ (a Linux
 * process replaying a pcap or serving a TAP device). Nothing above this header knows which one
 * it runs on, and nothing here knows what runs above it.
 *
 * Order of calls: the platform's own entry point sets up memory, console and clock, parses the
 * boot arguments, brings up the network device, then hands control to loop_run() (kernel.h).
 * From then on every call below may be made at any time.
 *
 * Error convention: calls that can come back empty return a count (0 = nothing now, retry
 * later); calls that cannot fail either succeed or end the program through plat_panic(). There
 * is no errno.
 *
 * Not supported: more than one CPU, more than one network device, freeing pages.
 */
#ifndef SKIFF_PLATFORM_H
#define SKIFF_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pbuf;

#define PLAT_PAGE_SIZE 4096

/* Monotonic time in nanoseconds since the platform started. Never goes back. Under replay it
 * is the trace's time, so a replay is a pure function of its inputs. */
uint64_t plat_clock_ns(void);

/* Wall-clock time in nanoseconds since the Unix epoch (read once at boot, then advanced by the
 * monotonic clock). Under replay, the first frame's timestamp. */
uint64_t plat_wall_ns(void);

/* Returns 'n' contiguous, zeroed, page-aligned pages, or NULL when memory is exhausted. Pages
 * are never given back: callers allocate their fixed pools once at start. */
void *plat_pages_alloc(size_t n);

/* Writes 'len' bytes to the console (the serial port, or stderr when hosted). Never fails. */
void plat_console_write(const char *s, size_t len);

/* A seed for pseudo-random numbers (TCP initial sequence numbers, math.random). Fixed under
 * replay so that replays are deterministic. */
uint64_t plat_random_seed(void);

/* The network device. */

/* Offload features the device performs itself; net/ computes in software whatever is not set. */
enum plat_net_offload {
    PLAT_NET_TX_CSUM = 1 << 0, /* device fills in TCP/UDP checksums on transmit */
    PLAT_NET_RX_CSUM = 1 << 1, /* device has verified TCP/UDP checksums on receive */
};

/* Copies the device's MAC address into 'mac'. */
void plat_net_mac(uint8_t mac[6]);

/* Returns the enum plat_net_offload bits the device has negotiated. */
unsigned plat_net_offloads(void);

/* Receives up to 'max' frames into 'frames' and returns how many (0 when none are waiting).
 * Gives each frame to the caller (owner PBUF_NET); the device refills its ring from the pool. */
int plat_net_rx(struct pbuf **frames, int max);

/* Transmits 'frames[0..n)' in order with at most one device notification, and returns how many
 * the device took (0..n). It takes the frames it accepted (owner PBUF_DEVICE) and gives them back
 * to the pool once sent; the rest stay with the caller, to be offered again. */
int plat_net_tx(struct pbuf **frames, int n);

/* Idles until a frame may have arrived or 'deadline_ns' (plat_clock_ns time) has passed,
 * whichever is first; with idle=poll it returns at once. Returns false when the platform wants
 * the loop to stop (end of a replayed trace, SIGINT), true otherwise. */
bool plat_wait(uint64_t deadline_ns);

/* Ends the program with 'status' (0 = success) through isa-debug-exit or the process exit. */
_Noreturn void plat_exit(int status);

/* Reports a broken invariant of our own, "panic: <tag>", and exits with status 3. */
_Noreturn void plat_panic(const char *tag);

#endif
