/* net/: packet buffers and the network stack, bottom half (Ethernet, ARP, IPv4, ICMP).
 *
 * net/ is a pure function of (frames in, time) -> (frames out): it never touches the device.
 * The loop in kernel/ receives frames from the platform, hands them to net_input(), takes the
 * frames net/ wants sent with net_output_take() and gives them to the platform, and calls
 * net_timers() when net_next_deadline() has passed.
 *
 * Order of calls: pbuf_pool_init(), then net_init(), then any of net_input(),
 * net_output_take(), net_timers(), net_next_deadline(), net_stats_each() in any order.
 *
 * Error convention: enum net_outcome; functions that move frames return counts.
 * Bad input from the wire is never an error to the caller: it is dropped and counted by reason
 * (enum net_drop), and net_stats_each() reports the counters.
 *
 * Not supported (see net/README.md): IPv6, IPv4 options (skipped), IP fragments (dropped and
 * counted), VLAN tags, multicast, DHCP (addresses are static boot arguments).
 */
#ifndef SKIFF_NET_H
#define SKIFF_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Packet buffers (pbuf.c) ---- */

#define PBUF_SIZE 2048 /* bytes of memory per buffer: one Ethernet frame plus headroom */
#define PBUF_HEADROOM                                                                              \
    64 /* bytes before a frame's first byte, for the device's own header                           \
        * (virtio-net's 12) in front of it; a received frame starts here */
#define PBUF_FRAME_MAX (PBUF_SIZE - PBUF_HEADROOM)

/* Who owns a buffer. Exactly one at a time; pbuf_give() checks and moves ownership. */
enum pbuf_owner {
    PBUF_POOL,   /* free, in the pool */
    PBUF_DEVICE, /* posted to the device: an rx ring slot, or a tx ring slot until reclaimed */
    PBUF_NET,    /* being parsed by net/, or queued by net/ for transmission */
};

/* One frame, parsed in place where the device wrote it (no copy on receive). Owner, in turn:
 * pool -> device (rx ring) -> net (parsing; an ICMP echo is answered in the same buffer) ->
 * device (tx ring) -> pool once the device has sent it; or net -> pool when a frame is dropped.
 * Whoever owns a buffer is the only one who may read or write it. */
struct pbuf {
    uint8_t *head;     /* start of the buffer's PBUF_SIZE bytes; pool memory, never freed */
    uint8_t *data;     /* first byte of the frame, inside [head, head + PBUF_SIZE) */
    uint16_t len;      /* bytes of frame valid at 'data' */
    uint8_t owner;     /* enum pbuf_owner */
    struct pbuf *next; /* link in the owner's queue; unused while in the pool */
};

/* Allocates the pool of 'n' buffers from platform pages. Returns NET_OK, or NET_NOMEM when the
 * platform has not enough memory. Call once, before anything else in net/. */
int pbuf_pool_init(unsigned n);

/* Takes a free buffer out of the pool for 'owner', with 'data' at head + PBUF_HEADROOM and
 * 'len' 0. Returns NULL when the pool is dry (counted as a drop by the caller, never a panic). */
struct pbuf *pbuf_take(enum pbuf_owner owner);

/* Hands 'b' from owner 'from' to owner 'to'. Panics ("pbuf: wrong owner") if 'from' does not
 * own it: two owners at once is our bug, never the wire's. */
void pbuf_give(struct pbuf *b, enum pbuf_owner from, enum pbuf_owner to);

/* Returns 'b', owned by 'from', to the pool. */
void pbuf_free(struct pbuf *b, enum pbuf_owner from);

/* Buffers now in the pool, and the pool's size. */
unsigned pbuf_pool_free(void);
unsigned pbuf_pool_size(void);

/* ---- The stack (net.c and the protocol files) ---- */

enum net_outcome {
    NET_OK = 0,      /* done */
    NET_NOMEM = -1,  /* not enough memory for the pools asked for */
    NET_EINVAL = -2, /* a configuration value is unusable (say, a gateway outside the subnet) */
};

/* Static configuration, from the boot arguments and the device. Addresses are host order. */
struct net_config {
    uint8_t mac[6];
    uint32_t ip;      /* our IPv4 address */
    uint32_t netmask; /* our subnet */
    uint32_t gw;      /* the router for addresses outside the subnet; 0 = none */
    bool trace;       /* log=net: one console line per dropped frame, with its reason */
};

/* Resets the stack to 'cfg' and queues a gratuitous ARP announcing our address. Returns NET_OK,
 * or NET_EINVAL if the configuration is inconsistent. Can be called again to start afresh
 * (tests do); buffers still queued for output are freed. */
int net_init(const struct net_config *cfg, uint64_t now_ns);

/* Takes one received frame and runs it up the stack. Every frame ends in exactly one place:
 * answered (the buffer reused or a new one queued for output), kept (for a later layer), or
 * dropped and counted. The caller must not touch 'frame' afterwards. */
void net_input(struct pbuf *frame, uint64_t now_ns);

/* Gives up to 'max' queued output frames, oldest first, to the caller (they stay PBUF_NET, now
 * the caller's responsibility: to the device, or back with net_output_return()). Returns
 * how many. */
int net_output_take(struct pbuf **frames, int max);

/* Puts back frames[0..n) that the device did not accept, in front of the queue, in order. */
void net_output_return(struct pbuf **frames, int n);

/* Runs every timer due at 'now_ns' (ARP cache expiry, ARP retries). Bounded by the number of
 * cache entries. */
void net_timers(uint64_t now_ns);

/* The earliest plat_clock_ns time at which net_timers() has work, or UINT64_MAX if none. */
uint64_t net_next_deadline(void);

/* Counters: every frame received, sent, and dropped by reason. One row per counter, in this
 * order; 'name' is what the stats print. Generate, don't copy: this list makes the enum and
 * the names. */
#define NET_COUNTERS(X)                                                                            \
    X(RX_FRAMES, "rx_frames")       /* frames received */                                          \
    X(TX_FRAMES, "tx_frames")       /* frames queued for output */                                 \
    X(ARP_REPLIES, "arp_replies")   /* ARP replies we sent */                                      \
    X(ARP_REQUESTS, "arp_requests") /* ARP requests we sent (incl. gratuitous) */                  \
    X(ICMP_ECHO_REPLIES, "icmp_echo_replies")                                                      \
    X(DROP_TOO_SHORT, "drop_too_short")   /* shorter than its headers claim */                     \
    X(DROP_TOO_LONG, "drop_too_long")     /* longer than an Ethernet frame may be */               \
    X(DROP_NOT_FOR_US, "drop_not_for_us") /* another MAC or IP address */                          \
    X(DROP_ETHERTYPE, "drop_ethertype")   /* neither ARP nor IPv4 */                               \
    X(DROP_ARP_BAD, "drop_arp_bad") /* ARP that is not Ethernet/IPv4 or not a request/reply */     \
    X(DROP_IP_BAD_VERSION, "drop_ip_bad_version")                                                  \
    X(DROP_IP_BAD_LEN, "drop_ip_bad_len") /* header or total length inconsistent with the frame */ \
    X(DROP_IP_BAD_CSUM, "drop_ip_bad_csum")                                                        \
    X(DROP_IP_FRAGMENT, "drop_ip_fragment")                                                        \
    X(DROP_IP_PROTO, "drop_ip_proto") /* an IP protocol we do not serve */                         \
    X(DROP_ICMP_BAD_CSUM, "drop_icmp_bad_csum")                                                    \
    X(DROP_ICMP_TYPE, "drop_icmp_type")           /* ICMP other than echo request */               \
    X(DROP_ICMP_BROADCAST, "drop_icmp_broadcast") /* echo request to a broadcast address */        \
    X(DROP_NO_ROUTE, "drop_no_route") /* destination outside the subnet and no gateway */          \
    X(DROP_ARP_UNRESOLVED, "drop_arp_unresolved") /* output waiting for ARP that never came */     \
    X(DROP_NO_BUFFER, "drop_no_buffer")           /* pool dry when an answer needed a buffer */

enum net_counter {
#define NET_COUNTER_ENUM(id, name) NET_##id,
    NET_COUNTERS(NET_COUNTER_ENUM)
#undef NET_COUNTER_ENUM
        NET_COUNTER_COUNT
};

/* Returns the current value of counter 'c'. */
uint64_t net_counter(enum net_counter c);

/* Calls 'fn' once per counter, in NET_COUNTERS order. */
void net_stats_each(void (*fn)(const char *name, uint64_t value, void *arg), void *arg);

#endif
