/* PCI configuration space through configuration mechanism #1 (ports 0xCF8/0xCFC), bus
 * enumeration and capability lists: just what virtio_pci.c needs to find its device.
 *
 * Entry points: pci_fn_find, pci_cfg_read8/16/32, pci_cfg_write16, pci_bar_addr,
 * pci_cap_find (contracts in virtio.h).
 *
 * Mechanism #1 reaches the first 256 bytes of each function, which hold every capability a
 * virtio device uses; ECAM would add the PCIe extended space, which we never need.
 */
#include "kernel/x86_64/virtio.h"

#include "kernel/x86_64/x86.h"

#define CFG_ADDRESS 0xcf8
#define CFG_DATA 0xcfc
#define CFG_ENABLE 0x80000000u

#define REG_VENDOR 0x00
#define REG_DEVICE 0x02
#define REG_STATUS 0x06
#define REG_HEADER_TYPE 0x0e
#define REG_BAR0 0x10
#define REG_CAP_PTR 0x34

#define STATUS_CAP_LIST 0x10 /* PCI Local Bus 3.0 §6.2.3: capabilities list present */
#define HEADER_MULTIFUNCTION 0x80
#define CAP_LINKS_MAX 48 /* (256 - 64) / 4: more links than fit means a loop */

/* Selects the aligned dword holding 'off'. */
static void select(struct pci_fn f, unsigned off)
{
    x86_out32(CFG_ADDRESS, CFG_ENABLE | (uint32_t)f.bus << 16 | (uint32_t)(f.dev & 31) << 11 |
                           (uint32_t)(f.fn & 7) << 8 | (off & 0xfc));
}

uint32_t pci_cfg_read32(struct pci_fn f, unsigned off)
{
    select(f, off);
    return x86_in32(CFG_DATA);
}

uint16_t pci_cfg_read16(struct pci_fn f, unsigned off)
{
    return (uint16_t)(pci_cfg_read32(f, off) >> (8 * (off & 2)));
}

uint8_t pci_cfg_read8(struct pci_fn f, unsigned off)
{
    return (uint8_t)(pci_cfg_read32(f, off) >> (8 * (off & 3)));
}

void pci_cfg_write16(struct pci_fn f, unsigned off, uint16_t v)
{
    select(f, off);
    x86_out16(CFG_DATA + (off & 2), v); /* a word access to 0xCFE writes the upper half alone */
}

bool pci_fn_find(uint16_t vendor, bool (*match)(struct pci_fn f, uint16_t device_id),
                 struct pci_fn *out)
{
    for (unsigned bus = 0; bus < 256; bus++) {
        for (unsigned dev = 0; dev < 32; dev++) {
            struct pci_fn f = {(uint8_t)bus, (uint8_t)dev, 0};
            uint16_t v = pci_cfg_read16(f, REG_VENDOR);
            if (v == 0xffff) continue; /* no device: reads of an absent function return all ones */
            unsigned nfn = (pci_cfg_read8(f, REG_HEADER_TYPE) & HEADER_MULTIFUNCTION) ? 8 : 1;
            for (unsigned fn = 0; fn < nfn; fn++) {
                f.fn = (uint8_t)fn;
                if (fn > 0) v = pci_cfg_read16(f, REG_VENDOR);
                if (v == vendor && match(f, pci_cfg_read16(f, REG_DEVICE))) {
                    *out = f;
                    return true;
                }
            }
        }
    }
    return false;
}

uint64_t pci_bar_addr(struct pci_fn f, unsigned bar)
{
    if (bar > 5) return 0;
    uint32_t lo = pci_cfg_read32(f, REG_BAR0 + 4 * bar);
    if (lo & 1) return 0; /* an I/O BAR */
    uint64_t addr = lo & ~0xfu;
    if (((lo >> 1) & 3) == 2 && bar < 5) /* type 2: 64-bit, the next BAR is the upper half */
        addr |= (uint64_t)pci_cfg_read32(f, REG_BAR0 + 4 * (bar + 1)) << 32;
    return addr;
}

unsigned pci_cap_find(struct pci_fn f, uint8_t id, unsigned prev)
{
    unsigned off;
    if (prev == 0) {
        if (!(pci_cfg_read16(f, REG_STATUS) & STATUS_CAP_LIST)) return 0;
        off = pci_cfg_read8(f, REG_CAP_PTR);
    } else {
        off = pci_cfg_read8(f, prev + 1);
    }
    for (unsigned links = 0; links < CAP_LINKS_MAX; links++) {
        off &= 0xfc;              /* the low two bits are reserved */
        if (off < 0x40) return 0; /* 0 ends the list; below 0x40 is the header, so also the end */
        if (pci_cfg_read8(f, off) == id) return off;
        off = pci_cfg_read8(f, off + 1);
    }
    return 0;
}
