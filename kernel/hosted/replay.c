/* The replay device: frames in from a pcap trace at their timestamps, frames out to a pcap,
 * and the clock driven by the trace, so that a replay is a pure function of (trace, arguments)
 * (DESIGN.md section 8). Entry point: hosted_replay_open(); the rest is reached through
 * struct hosted_dev.
 *
 * Rules, all deterministic:
 * - Input frames are the trace's frames whose Ethernet source is not hosted_mac: the frames we
 *   sent when the trace was recorded are skipped (counted as trace_frames_ours), since this run
 *   sends its own.
 * - Time: plat_clock_ns() is the trace's time since its first frame (any frame), and
 *   plat_wall_ns() that first frame's timestamp plus plat_clock_ns(). Timestamps that go
 *   backwards in the file are read as the previous one, so the clock never does.
 * - A frame is given to plat_net_rx() once the clock has reached its timestamp. plat_wait()
 *   moves the clock to the next frame's timestamp or the deadline, whichever is first.
 * - After the last input frame, timers due up to REPLAY_TAIL_NS after the trace's last frame
 *   still run; a later deadline (or none, UINT64_MAX) ends the replay.
 * - A frame cut short by the capture's snap length is fed as captured (caplen bytes). A frame
 *   longer than PBUF_FRAME_MAX does not fit a buffer: like a NIC that refuses a giant frame, the
 *   device drops it and counts it (rx_too_long); net/ never sees it. A frame that finds the pool
 *   dry is dropped too (rx_no_buffer), as a NIC with an empty ring would.
 * - Every frame sent goes to the output pcap (Ethernet, microsecond timestamps) stamped with the
 *   virtual wall time at which it was sent.
 * - idle= does not apply: waiting costs no real time, the clock just moves on.
 * The whole trace is read at open, so that a truncated or corrupt file is refused before the
 * stack has run at all (exit status 2, nothing half done); traces are small (kilobytes to a few
 * megabytes), and the memory is held until exit.
 */
#include "kernel/hosted/hosted.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "net/net.h"

/* How long timers keep running after the trace's last frame. Long enough for what a trace
 * usually ends on (an ARP retry, a delayed ACK, a TCP retransmission at the initial RTO of one
 * second, RFC 6298 (2.1)); short enough that a periodic timer cannot make a replay run on. */
#define REPLAY_TAIL_NS (5ull * 1000000000ull)

/* Snap length written in the output's header: any frame we send fits. */
#define REPLAY_SNAPLEN 65535

struct replay_frame {
    uint64_t t_ns;   /* since the trace's first frame */
    size_t off;      /* of its bytes in 'bytes' */
    uint32_t len;    /* bytes captured */
    uint32_t number; /* in the file, from 1, as tcpdump and Wireshark count */
};

/* The trace, read at open; owned here until exit. */
static struct replay_frame *frames_in; /* input frames only, in file order */
static size_t nframes, frames_cap;
static uint8_t *bytes; /* their bytes, back to back */
static size_t bytes_len, bytes_cap;
static size_t next_frame; /* the first input frame not yet received */
static uint64_t trace_end_ns;
static bool trace_drops;

static pcap_t *out_dead;     /* owns the output's link type and snap length */
static pcap_dumper_t *out;   /* the output pcap, open from open until close */
static const char *out_name; /* borrowed from argv */

#define REPLAY_COUNTERS(X)                                                                         \
    X(trace_frames)      /* frames in the trace file */                                            \
    X(trace_frames_ours) /* of those, sent by us when it was recorded: skipped */                  \
    X(rx_frames)         /* frames given to the stack */                                           \
    X(rx_too_long)       /* input frames longer than PBUF_FRAME_MAX: dropped by the device */      \
    X(rx_no_buffer)      /* input frames that found the pool dry: dropped by the device */         \
    X(tx_frames)         /* frames written to the output */

static struct {
#define REPLAY_FIELD(name) uint64_t name;
    REPLAY_COUNTERS(REPLAY_FIELD)
#undef REPLAY_FIELD
} stats;

/* log=net: one line per frame the device itself drops, like net/'s lines for the stack's. */
static void note_drop(const struct replay_frame *f, const char *why)
{
    if (!trace_drops) return;
    char line[160];
    int n = snprintf(line, sizeof line, "replay: frame %u (%u bytes): %s: dropped\n", f->number,
                     f->len, why);
    plat_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int replay_rx(struct pbuf **frames, int max)
{
    uint64_t now = plat_clock_ns();
    int n = 0;
    while (n < max && next_frame < nframes && frames_in[next_frame].t_ns <= now) {
        const struct replay_frame *f = &frames_in[next_frame++];
        if (f->len > PBUF_FRAME_MAX) {
            stats.rx_too_long++;
            note_drop(f, "longer than a buffer holds");
            continue;
        }
        struct pbuf *b = pbuf_take(PBUF_DEVICE);
        if (b == NULL) {
            stats.rx_no_buffer++;
            note_drop(f, "no free buffer");
            continue;
        }
        /* The copy out of the trace is this device's DMA; the stack parses the frame in place. */
        memcpy(b->data, bytes + f->off, f->len);
        b->len = (uint16_t)f->len;
        pbuf_give(b, PBUF_DEVICE, PBUF_NET);
        frames[n++] = b;
        stats.rx_frames++;
    }
    return n;
}

static int replay_tx(struct pbuf **frames, int n)
{
    uint64_t wall = plat_wall_ns();
    struct pcap_pkthdr h = {
        .ts = {.tv_sec = (time_t)(wall / 1000000000ull),
               .tv_usec = (suseconds_t)(wall % 1000000000ull / 1000)},
    };
    for (int i = 0; i < n; i++) {
        struct pbuf *b = frames[i];
        pbuf_give(b, PBUF_NET, PBUF_DEVICE);
        h.caplen = h.len = b->len;
        pcap_dump((u_char *)out, &h, b->data);
        pbuf_free(b, PBUF_DEVICE);
        stats.tx_frames++;
    }
    return n;
}

static bool replay_wait(uint64_t deadline_ns)
{
    if (next_frame < nframes) {
        uint64_t t = frames_in[next_frame].t_ns;
        hosted_clock_advance(t < deadline_ns ? t : deadline_ns);
        return true;
    }
    if (deadline_ns > trace_end_ns + REPLAY_TAIL_NS) return false;
    hosted_clock_advance(deadline_ns);
    return true;
}

static void replay_print_stats(void)
{
    static const char head[] = "device (replay):\n";
    plat_console_write(head, sizeof head - 1);
#define REPLAY_PRINT(name) loop_print_counter(#name, stats.name);
    REPLAY_COUNTERS(REPLAY_PRINT)
#undef REPLAY_PRINT
}

static int replay_close(void)
{
    int status = 0;
    if (pcap_dump_flush(out) != 0 || ferror(pcap_dump_file(out))) {
        char line[256];
        int n = snprintf(line, sizeof line, "replay: cannot write '%s'\n", out_name);
        plat_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        status = -1;
    }
    pcap_dump_close(out);
    pcap_close(out_dead);
    return status;
}

static const struct hosted_dev replay_dev = {
    .rx = replay_rx,
    .tx = replay_tx,
    .wait = replay_wait,
    .print_stats = replay_print_stats,
    .close = replay_close,
};

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (q == NULL) return false;
    *p = q;
    *cap = n;
    return true;
}

/* Reads every frame of 'in' and keeps the input ones. Returns HOSTED_OK or an outcome with the
 * message in 'err'. */
static int read_trace(pcap_t *in, const char *path, char *err, size_t errcap)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t first_ns = 0, last_ns = 0;
    int r;
    while ((r = pcap_next_ex(in, &h, &data)) == 1) {
        /* Opened with nanosecond precision: tv_usec holds nanoseconds. */
        uint64_t t = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
        stats.trace_frames++;
        if (stats.trace_frames == 1) {
            first_ns = last_ns = t;
            hosted_clock_virtual(first_ns);
        }
        if (t < last_ns) t = last_ns;
        last_ns = t;
        if (h->caplen >= 12 && memcmp(data + 6, hosted_mac, 6) == 0) {
            stats.trace_frames_ours++;
            continue;
        }
        if (!grow((void **)&frames_in, &frames_cap, nframes + 1, sizeof *frames_in) ||
            !grow((void **)&bytes, &bytes_cap, bytes_len + h->caplen, 1)) {
            snprintf(err, errcap, "replay: trace '%s' does not fit in memory", path);
            return HOSTED_SYSTEM;
        }
        frames_in[nframes++] = (struct replay_frame){
            .t_ns = t - first_ns,
            .off = bytes_len,
            .len = h->caplen,
            .number = (uint32_t)stats.trace_frames,
        };
        memcpy(bytes + bytes_len, data, h->caplen);
        bytes_len += h->caplen;
    }
    if (r != PCAP_ERROR_BREAK) {
        snprintf(err, errcap, "replay: trace '%s' is truncated or corrupt after frame %llu: %s",
                 path, (unsigned long long)stats.trace_frames, pcap_geterr(in));
        return HOSTED_BAD_INPUT;
    }
    if (stats.trace_frames == 0) hosted_clock_virtual(0);
    trace_end_ns = last_ns - first_ns;
    return HOSTED_OK;
}

int hosted_replay_open(const char *in_path, const char *out_path, bool trace, char *err,
                       size_t errcap)
{
    /* A fresh start, should a test open one trace after another. */
    free(frames_in);
    free(bytes);
    frames_in = NULL;
    bytes = NULL;
    nframes = frames_cap = bytes_len = bytes_cap = next_frame = 0;
    memset(&stats, 0, sizeof stats);

    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *in =
        pcap_open_offline_with_tstamp_precision(in_path, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (in == NULL) {
        snprintf(err, errcap, "replay: cannot read trace '%s': %s", in_path, pcap_err);
        return HOSTED_BAD_INPUT;
    }
    int link = pcap_datalink(in);
    if (link != DLT_EN10MB) {
        const char *name = pcap_datalink_val_to_name(link);
        snprintf(err, errcap,
                 "replay: trace '%s' has link type %s (%d); only Ethernet (EN10MB) "
                 "traces can be replayed",
                 in_path, name ? name : "unknown", link);
        pcap_close(in);
        return HOSTED_BAD_INPUT;
    }
    int status = read_trace(in, in_path, err, errcap);
    pcap_close(in);
    if (status != HOSTED_OK) return status;

    out_dead = pcap_open_dead(DLT_EN10MB, REPLAY_SNAPLEN);
    if (out_dead == NULL) {
        snprintf(err, errcap, "replay: cannot create '%s': out of memory", out_path);
        return HOSTED_SYSTEM;
    }
    out = pcap_dump_open(out_dead, out_path);
    if (out == NULL) {
        snprintf(err, errcap, "replay: cannot create '%s': %s", out_path, pcap_geterr(out_dead));
        pcap_close(out_dead);
        return HOSTED_SYSTEM;
    }
    out_name = out_path;
    trace_drops = trace;
    hosted_dev_use(&replay_dev);
    return HOSTED_OK;
}
