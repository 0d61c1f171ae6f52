/* Ethernet II framing. Entry points: eth_input, eth_output.
 *
 * Frames arrive without preamble and FCS (the device strips them), so a valid frame is 14 to
 * 1514 bytes. Frames shorter than 802.3's 60-byte minimum are accepted (a virtual NIC or a
 * capture may not pad); our own frames are padded to 60 (net_output_queue). 802.1Q VLAN tags
 * and 802.3 length-field frames are not understood: they count as drop_ethertype. */
#include "net/stack.h"

#include <string.h>

const uint8_t eth_broadcast[ETH_ADDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void eth_input(struct pbuf *b, uint64_t now_ns)
{
    if (b->len < ETH_HDR_LEN) {
        net_drop(b, NET_DROP_TOO_SHORT);
        return;
    }
    if (b->len > ETH_FRAME_MAX) {
        net_drop(b, NET_DROP_TOO_LONG);
        return;
    }
    const uint8_t *dst = b->data + ETH_DST;
    if (memcmp(dst, net_cfg.mac, ETH_ADDR_LEN) != 0 &&
        memcmp(dst, eth_broadcast, ETH_ADDR_LEN) != 0) {
        net_drop(b, NET_DROP_NOT_FOR_US); /* another host's unicast, or multicast */
        return;
    }
    if (memcmp(b->data + ETH_SRC, net_cfg.mac, ETH_ADDR_LEN) == 0) {
        /* Our own frame come back (a hub, a bridge in hairpin mode): answering our own
         * gratuitous ARP would be talking to ourselves. */
        net_drop(b, NET_DROP_NOT_FOR_US);
        return;
    }
    switch (wire_get16(b->data + ETH_TYPE)) {
    case ETH_TYPE_ARP:
        arp_input(b, now_ns);
        return;
    case ETH_TYPE_IPV4:
        ip4_input(b, now_ns);
        return;
    default:
        net_drop(b, NET_DROP_ETHERTYPE);
        return;
    }
}

void eth_output(struct pbuf *b, const uint8_t dst[ETH_ADDR_LEN], uint16_t type)
{
    memcpy(b->data + ETH_DST, dst, ETH_ADDR_LEN);
    memcpy(b->data + ETH_SRC, net_cfg.mac, ETH_ADDR_LEN);
    wire_put16(b->data + ETH_TYPE, type);
    net_output_queue(b);
}
