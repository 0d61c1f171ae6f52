/* Physical memory: the boot loader's memory map, the command line, and the page allocator.
 *
 * Entry points: x86_mem_init, x86_mem_cmdline, x86_mem_ram_bytes, plat_pages_alloc.
 *
 * The memory map comes from the PVH start info (version >= 1 carries an E820-style table) or
 * the Multiboot2 memory-map tag. plat_pages_alloc() hands out usable RAM from 1 MiB up, above
 * the kernel image and any boot modules, below 4 GiB (what boot.S maps), in address order and
 * never gives it back: a bump pointer over the usable ranges, as platform.h allows.
 *
 * Boot modules (GRUB module2, PVH modules from -initrd) are only kept out of the allocator's
 * way for now; the app bytecode module that will use them is a later issue's.
 */
#include "kernel/x86_64/x86.h"

#include <string.h>

#include "kernel/platform.h"

#define RANGES_MAX 64 /* QEMU's maps have under 10 entries */
#define MODULES_MAX 16
#define MAPPED_END (4ull << 30) /* boot.S maps the first 4 GiB */
#define LOW_END (1ull << 20)    /* below 1 MiB: BIOS data, option ROMs, boot info */
#define E820_RAM 1              /* usable RAM, in both E820 and Multiboot2 type codes */

/* The PVH start info (xen/include/public/arch-x86/hvm/start_info.h). */
#define PVH_MAGIC 0x336ec578
struct pvh_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
    uint64_t memmap_paddr; /* version >= 1 from here */
    uint32_t memmap_entries, reserved;
};
struct pvh_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};
struct pvh_module {
    uint64_t paddr, size, cmdline_paddr, reserved;
};

/* Multiboot2 spec §3.6.2: the boot information is 8-aligned tags after an 8-byte header;
 * §3.6.5 command line, §3.6.6 modules, §3.6.8 memory map. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
struct mb2_tag {
    uint32_t type, size;
};
struct mb2_mmap_entry {
    uint64_t base, len;
    uint32_t type, reserved;
};

struct range {
    uint64_t start, end; /* [start, end) */
};

static char cmdline[X86_CMDLINE_MAX];
static struct range ram[RANGES_MAX]; /* usable RAM as the loader reported it */
static unsigned n_ram;
static struct range mods[MODULES_MAX]; /* boot modules, kept out of the allocator's way */
static unsigned n_mods;
static uint64_t ram_bytes;

/* The allocator: the next free byte is at or after 'next' in ram[cur]. */
static unsigned cur;
static uint64_t next;

extern char __kernel_end[]; /* linker.ld */

static void ram_add(uint64_t start, uint64_t len, uint32_t type)
{
    if (type != E820_RAM || len == 0) return;
    ram_bytes += len;
    if (n_ram == RANGES_MAX) return; /* counted, but not allocated from: there is plenty */
    ram[n_ram++] = (struct range){start, start + len};
}

static void mod_add(uint64_t start, uint64_t len)
{
    if (n_mods == MODULES_MAX) plat_panic("mem: too many boot modules");
    mods[n_mods++] = (struct range){start, start + len};
}

static void cmdline_copy(uint64_t paddr)
{
    if (paddr == 0 || paddr >= MAPPED_END) return;
    const char *s = (const char *)(uintptr_t)paddr;
    size_t n = 0;
    while (n < sizeof cmdline - 1 && s[n] != '\0') {
        cmdline[n] = s[n];
        n++;
    }
    cmdline[n] = '\0';
}

static void pvh_read(const struct pvh_start_info *si)
{
    if (si->magic != PVH_MAGIC) plat_panic("mem: bad PVH start info magic");
    cmdline_copy(si->cmdline_paddr);
    const struct pvh_module *m = (const struct pvh_module *)(uintptr_t)si->modlist_paddr;
    for (uint32_t i = 0; i < si->nr_modules; i++)
        mod_add(m[i].paddr, m[i].size);
    /* Version 0 has no memory map; Xen would then answer XENMEM_memory_map, QEMU never
     * boots us that way (its PVH loaders write version 1). */
    if (si->version < 1 || si->memmap_entries == 0)
        plat_panic("mem: PVH start info has no memory map");
    const struct pvh_memmap_entry *e = (const struct pvh_memmap_entry *)(uintptr_t)si->memmap_paddr;
    for (uint32_t i = 0; i < si->memmap_entries; i++)
        ram_add(e[i].addr, e[i].size, e[i].type);
}

static void mb2_read(const uint8_t *info)
{
    uint32_t total = *(const uint32_t *)info;
    bool have_map = false;
    for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
        const struct mb2_tag *t = (const struct mb2_tag *)(info + off);
        if (t->type == MB2_TAG_END || t->size < sizeof *t) break;
        const uint8_t *body = (const uint8_t *)(t + 1);
        switch (t->type) {
        case MB2_TAG_CMDLINE: /* a NUL-terminated string */
            cmdline_copy((uint64_t)(uintptr_t)body);
            break;
        case MB2_TAG_MODULE: { /* u32 mod_start, u32 mod_end, string */
            const uint32_t *m = (const uint32_t *)body;
            mod_add(m[0], (uint64_t)m[1] - m[0]);
            break;
        }
        case MB2_TAG_MMAP: { /* u32 entry_size, u32 entry_version, entries */
            const uint32_t *h = (const uint32_t *)body;
            uint32_t esize = h[0];
            if (esize < sizeof(struct mb2_mmap_entry))
                plat_panic("mem: bad multiboot2 mmap entry size");
            for (uint32_t e = 16; e + esize <= t->size; e += esize) {
                const struct mb2_mmap_entry *me =
                    (const struct mb2_mmap_entry *)((const uint8_t *)t + e);
                ram_add(me->base, me->len, me->type);
            }
            have_map = true;
            break;
        }
        }
        off += (t->size + 7) & ~7u;
    }
    if (!have_map) plat_panic("mem: multiboot2 gave no memory map");
}

void x86_mem_init(enum x86_boot_proto proto, uint32_t info)
{
    if (proto == X86_BOOT_PVH)
        pvh_read((const struct pvh_start_info *)(uintptr_t)info);
    else
        mb2_read((const uint8_t *)(uintptr_t)info);
}

const char *x86_mem_cmdline(void)
{
    return cmdline;
}

uint64_t x86_mem_ram_bytes(void)
{
    return ram_bytes;
}

/* The first address at or after 'a' where 'len' bytes avoid the kernel image, the modules,
 * low memory and everything unmapped; 0 if none in [a, end). */
static uint64_t fit(uint64_t a, uint64_t end, uint64_t len)
{
    uint64_t floor = (uint64_t)(uintptr_t)__kernel_end;
    if (a < LOW_END) a = LOW_END;
    if (a < floor) a = floor;
    a = (a + PLAT_PAGE_SIZE - 1) & ~(uint64_t)(PLAT_PAGE_SIZE - 1);
    if (end > MAPPED_END) end = MAPPED_END;
    for (unsigned i = 0; i < n_mods; i++) {
        if (a < mods[i].end && mods[i].start < a + len) {
            /* Overlaps module i: move past it and look at every module again. */
            a = (mods[i].end + PLAT_PAGE_SIZE - 1) & ~(uint64_t)(PLAT_PAGE_SIZE - 1);
            i = (unsigned)-1;
        }
    }
    return a < end && end - a >= len ? a : 0;
}

void *plat_pages_alloc(size_t n)
{
    uint64_t len = (uint64_t)n * PLAT_PAGE_SIZE;
    if (n == 0) return NULL;
    /* A request too large for what is left of ram[cur] moves on to later ranges; the rest of
     * ram[cur] is then given up, which costs little with QEMU's one or two big ranges. */
    for (unsigned i = cur; i < n_ram; i++) {
        uint64_t a = fit(i == cur && next > ram[i].start ? next : ram[i].start, ram[i].end, len);
        if (a != 0) {
            cur = i;
            next = a + len;
            void *p = (void *)(uintptr_t)a;
            memset(p, 0, len);
            return p;
        }
    }
    return NULL;
}
