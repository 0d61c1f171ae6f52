/* The TAP device: the loop live on a Linux TAP interface (bare Ethernet frames, no packet
 * information header, no offloads). Entry point: hosted_tap_open(); the rest is reached
 * through struct hosted_dev.
 *
 * The interface is attached, or created if absent, by name; configuring the host's side of it
 * (its address, `ip link set NAME up`) is the caller's business. One read() or write() per
 * frame, non-blocking. plat_wait() sleeps in ppoll() on the TAP until a frame arrives or the
 * deadline passes. SIGINT and SIGTERM are blocked except inside that ppoll(), so a signal can
 * neither be lost between the check of the flag and the sleep nor interrupt anything else. The
 * loop calls plat_wait() only when a receive found nothing, so under a steady flood of frames
 * the stop waits for the first lull.
 */
#include "kernel/hosted/hosted.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "net/net.h"

static int tap_fd = -1;    /* open from hosted_tap_open() until close */
static bool idle_poll;     /* idle=poll: plat_wait() does not sleep */
static sigset_t wait_mask; /* the signal mask inside ppoll(): SIGINT and SIGTERM let in */
static volatile sig_atomic_t stop_requested;

#define TAP_COUNTERS(X)                                                                            \
    X(rx_frames)    /* frames given to the stack */                                                \
    X(rx_no_buffer) /* frames read while the pool was dry: dropped, as by a NIC's empty ring */    \
    X(rx_errors)    /* read() failures other than "nothing waiting" */                             \
    X(tx_frames)    /* frames written to the interface */                                          \
    X(tx_errors)    /* frames the interface refused (say, while it is down): dropped */

static struct {
#define TAP_FIELD(name) uint64_t name;
    TAP_COUNTERS(TAP_FIELD)
#undef TAP_FIELD
} stats;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* True once SIGINT or SIGTERM has come. ppoll() restores the blocking mask without running
 * the handler when it returns for a frame or a zero timeout, so a signal may also sit pending. */
static bool stop_seen(void)
{
    sigset_t pending;
    if (!stop_requested && sigpending(&pending) == 0 &&
        (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1))
        stop_requested = 1;
    return stop_requested;
}

static int tap_rx(struct pbuf **frames, int max)
{
    /* Once a stop is asked for, receive nothing: the loop then goes idle and asks tap_wait(),
     * which ends it, even while a flood keeps the interface readable. */
    if (stop_seen()) return 0;
    int n = 0;
    while (n < max) {
        struct pbuf *b = pbuf_take(PBUF_DEVICE);
        if (b == NULL) {
            /* Read and drop, or the TAP stays readable and ppoll() never sleeps. */
            uint8_t scratch[PBUF_FRAME_MAX];
            if (read(tap_fd, scratch, sizeof scratch) < 0) break;
            stats.rx_no_buffer++;
            continue;
        }
        /* A frame longer than the buffer would be cut short; the interface's MTU (1500 unless
         * someone raises it past PBUF_FRAME_MAX - 14) keeps frames shorter than that. */
        ssize_t len = read(tap_fd, b->data, PBUF_FRAME_MAX);
        if (len < 0) {
            if (errno != EAGAIN && errno != EINTR) stats.rx_errors++;
            pbuf_free(b, PBUF_DEVICE);
            break;
        }
        b->len = (uint16_t)len;
        pbuf_give(b, PBUF_DEVICE, PBUF_NET);
        frames[n++] = b;
        stats.rx_frames++;
    }
    return n;
}

static int tap_tx(struct pbuf **frames, int n)
{
    for (int i = 0; i < n; i++) {
        struct pbuf *b = frames[i];
        pbuf_give(b, PBUF_NET, PBUF_DEVICE);
        if (write(tap_fd, b->data, b->len) < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                pbuf_give(b, PBUF_DEVICE, PBUF_NET); /* the rest stay the caller's */
                return i;
            }
            stats.tx_errors++;
        } else {
            stats.tx_frames++;
        }
        pbuf_free(b, PBUF_DEVICE);
    }
    return n;
}

static bool tap_wait(uint64_t deadline_ns)
{
    if (stop_seen()) return false;
    struct timespec timeout = {0, 0}, *tp = &timeout;
    if (!idle_poll) {
        uint64_t now = plat_clock_ns();
        if (deadline_ns == UINT64_MAX) {
            tp = NULL; /* nothing due: sleep until a frame or a signal */
        } else if (deadline_ns > now) {
            timeout.tv_sec = (time_t)((deadline_ns - now) / 1000000000ull);
            timeout.tv_nsec = (long)((deadline_ns - now) % 1000000000ull);
        }
    }
    struct pollfd p = {.fd = tap_fd, .events = POLLIN};
    /* EINTR is the signal we wait for; any other failure just ends this wait early. */
    (void)ppoll(&p, 1, tp, &wait_mask);
    return !stop_seen();
}

static void tap_print_stats(void)
{
    static const char head[] = "device (tap):\n";
    plat_console_write(head, sizeof head - 1);
#define TAP_PRINT(name) loop_print_counter(#name, stats.name);
    TAP_COUNTERS(TAP_PRINT)
#undef TAP_PRINT
}

static int tap_close(void)
{
    close(tap_fd);
    tap_fd = -1;
    return 0;
}

static const struct hosted_dev tap_dev = {
    .rx = tap_rx,
    .tx = tap_tx,
    .wait = tap_wait,
    .print_stats = tap_print_stats,
    .close = tap_close,
};

int hosted_tap_open(const char *name, bool poll_only, char *err, size_t errcap)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
    if (name[0] == '\0' || strlen(name) >= sizeof ifr.ifr_name) {
        snprintf(err, errcap, "tap: interface name '%s' must be 1..%zu bytes", name,
                 sizeof ifr.ifr_name - 1);
        return HOSTED_BAD_INPUT;
    }
    memcpy(ifr.ifr_name, name, strlen(name));
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errcap, "tap: cannot open /dev/net/tun: %s", strerror(errno));
        return HOSTED_SYSTEM;
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        snprintf(err, errcap,
                 "tap: cannot attach to '%s': %s (creating a TAP needs "
                 "CAP_NET_ADMIN; an existing one must be a TAP, not a TUN)",
                 name, strerror(errno));
        close(fd);
        return HOSTED_SYSTEM;
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, &wait_mask);
    sigdelset(&wait_mask, SIGINT);
    sigdelset(&wait_mask, SIGTERM);
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    tap_fd = fd;
    idle_poll = poll_only;
    hosted_dev_use(&tap_dev);
    return HOSTED_OK;
}
