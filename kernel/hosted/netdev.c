/* The network half of kernel/platform.h for a Linux process: each plat_net_* call and
 * plat_wait() goes to the one device main.c opened (replay.c or tap.c). */
#include "kernel/platform.h"

#include "kernel/hosted/hosted.h"

const uint8_t hosted_mac[6] = {0x02, 0x53, 0x4b, 0x49, 0x46, 0x46};

static const struct hosted_dev *dev; /* borrowed; static storage in replay.c or tap.c */

void hosted_dev_use(const struct hosted_dev *d)
{
    dev = d;
}

void hosted_dev_print_stats(void)
{
    if (dev != NULL) dev->print_stats();
}

int hosted_dev_close(void)
{
    const struct hosted_dev *d = dev;
    dev = NULL;
    return d != NULL ? d->close() : 0;
}

void plat_net_mac(uint8_t mac[6])
{
    for (int i = 0; i < 6; i++)
        mac[i] = hosted_mac[i];
}

/* Neither device offloads anything: a TAP without IFF_VNET_HDR carries bare frames, and the
 * replay writes what net/ computed, so the output trace shows our own checksums. */
unsigned plat_net_offloads(void)
{
    return 0;
}

int plat_net_rx(struct pbuf **frames, int max)
{
    if (dev == NULL) plat_panic("hosted: plat_net_rx without a device");
    return dev->rx(frames, max);
}

int plat_net_tx(struct pbuf **frames, int n)
{
    if (dev == NULL) plat_panic("hosted: plat_net_tx without a device");
    return dev->tx(frames, n);
}

bool plat_wait(uint64_t deadline_ns)
{
    if (dev == NULL) plat_panic("hosted: plat_wait without a device");
    return dev->wait(deadline_ns);
}
