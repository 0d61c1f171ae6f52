/* The poll loop: the one place that knows the order of the stages (DESIGN.md section 1).
 * Entry points: loop_run, loop_print_stats. Later layers add their stages (TCP output, the VM,
 * the collector) here, each bounded by its boot argument. */
#include "kernel/kernel.h"

#include <stdio.h>

#include "kernel/platform.h"
#include "net/net.h"

/* The largest rx_batch/tx_batch the table allows; the loop's frame arrays are this long. */
#define LOOP_BATCH_MAX 256

/* Sends what the stack has queued, at most tx_batch frames per device call (one notification
 * each). Returns true if frames are left because the device's ring is full. */
static bool flush_output(unsigned tx_batch)
{
    struct pbuf *frames[LOOP_BATCH_MAX];
    int n;
    while ((n = net_output_take(frames, (int)tx_batch)) > 0) {
        int sent = plat_net_tx(frames, n);
        if (sent < n) {
            net_output_return(frames + sent, n - sent);
            return true;
        }
    }
    return false;
}

int loop_run(const struct bootargs *args)
{
    _Static_assert(LOOP_BATCH_MAX >= 256, "rx_batch and tx_batch go up to 256 in BOOTARGS");
    struct net_config cfg = {
        .ip = (uint32_t)args->ip,
        .netmask = (uint32_t)args->netmask,
        .gw = (uint32_t)args->gw,
        .trace = (args->log & LOG_NET) != 0,
    };
    plat_net_mac(cfg.mac);
    if (net_init(&cfg, plat_clock_ns()) != NET_OK) {
        static const char msg[] =
            "net: unusable ip/netmask/gw: ip must be a unicast address that is neither the "
            "subnet's nor its broadcast address, netmask contiguous, gw 0.0.0.0 or another "
            "host inside the subnet\n";
        plat_console_write(msg, sizeof msg - 1);
        return 2;
    }

    struct pbuf *frames[LOOP_BATCH_MAX];
    for (;;) {
        uint64_t now = plat_clock_ns();

        int n = plat_net_rx(frames, (int)args->rx_batch);
        for (int i = 0; i < n; i++)
            net_input(frames[i], now);

        bool device_full = flush_output((unsigned)args->tx_batch);

        if (net_next_deadline() <= now) {
            net_timers(now);
            device_full |= flush_output((unsigned)args->tx_batch);
        }

        /* Idle only after an iteration that found nothing to do: a full receive batch means
         * more frames are likely waiting, and queued output waits for ring space, which
         * raises no interrupt. */
        if (n == 0 && !device_full && !plat_wait(net_next_deadline())) break;
    }
    if (args->log & LOG_STATS) loop_print_stats();
    return 0;
}

void loop_print_counter(const char *name, uint64_t value)
{
    char line[64];
    int n = snprintf(line, sizeof line, "  %-24s %llu\n", name, (unsigned long long)value);
    plat_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void print_net_counter(const char *name, uint64_t value, void *arg)
{
    (void)arg;
    loop_print_counter(name, value);
}

void loop_print_stats(void)
{
    static const char head[] = "counters:\n";
    plat_console_write(head, sizeof head - 1);
    net_stats_each(print_net_counter, NULL);
}
