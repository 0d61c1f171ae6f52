/* Boot arguments: the BOOTARGS table in kernel.h turned into defaults, a strict parser with
 * messages that name the key, the value and the bounds, the banner's summary and --help.
 * Entry points: bootargs_defaults, bootargs_set, bootargs_parse_cmdline, bootargs_format,
 * bootargs_print_help. */
#include "kernel/kernel.h"

#include <stdio.h>
#include <string.h>

#include "kernel/platform.h"

struct bootarg_row {
    const char *key;
    enum bootarg_type type;
    const char *def;
    uint64_t min, max;
    const char *help;
    size_t offset; /* of the field in struct bootargs */
};

static const struct bootarg_row rows[] = {
#define BOOTARG_ROW(key, type, def, min, max, help)                                                \
    {#key, type, def, min, max, help, offsetof(struct bootargs, key)},
    BOOTARGS(BOOTARG_ROW)
#undef BOOTARG_ROW
};
#define NROWS (sizeof rows / sizeof rows[0])

static const char *const log_words[] = {
#define BOOTARG_LOG_NAME(id, word) word,
    BOOTARG_LOG_WORDS(BOOTARG_LOG_NAME)
#undef BOOTARG_LOG_NAME
};
#define NLOG_WORDS (sizeof log_words / sizeof log_words[0])

static const char *const idle_words[] = {[IDLE_POLL] = "poll", [IDLE_HALT] = "halt"};

/* Decimal digits only: no sign, no spaces, no base prefixes, and no silent wrap-around. */
static bool parse_decimal(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9') return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *s = p;
    *out = v;
    return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
    uint64_t v;
    if (!parse_decimal(&s, &v)) return false;
    unsigned shift = 0;
    switch (*s) {
    case '\0': break;
    case 'K': case 'k': shift = 10; s++; break;
    case 'M': case 'm': shift = 20; s++; break;
    case 'G': case 'g': shift = 30; s++; break;
    default: return false;
    }
    if (*s != '\0' || v > (UINT64_MAX >> shift)) return false;
    *out = v << shift;
    return true;
}

static bool parse_ipv4(const char *s, uint64_t *out)
{
    uint32_t ip = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t octet;
        const char *start = s;
        if (!parse_decimal(&s, &octet) || octet > 255 || s - start > 3) return false;
        ip = ip << 8 | (uint32_t)octet;
        if (*s != (i < 3 ? '.' : '\0')) return false;
        s++;
    }
    *out = ip;
    return true;
}

static bool parse_word(const char *s, const char *const *words, size_t n, uint64_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, words[i]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* "none", or words from log_words separated by single commas, each at most once. */
static bool parse_log(const char *s, uint64_t *out)
{
    if (strcmp(s, "none") == 0) {
        *out = 0;
        return true;
    }
    uint64_t bits = 0;
    while (*s) {
        size_t len = strcspn(s, ",");
        size_t i;
        for (i = 0; i < NLOG_WORDS; i++)
            if (strlen(log_words[i]) == len && memcmp(s, log_words[i], len) == 0) break;
        if (i == NLOG_WORDS || (bits & (1u << i))) return false;
        bits |= 1u << i;
        s += len;
        if (*s == ',' && *++s == '\0') return false;
    }
    *out = bits;
    return bits != 0;
}

/* Writes a byte count with the largest exact K/M/G suffix. */
static int format_size(char *buf, size_t cap, uint64_t v)
{
    static const char suffix[] = "KMG";
    int i = -1;
    while (i < 2 && v != 0 && (v & 1023) == 0) {
        v >>= 10;
        i++;
    }
    if (i < 0) return snprintf(buf, cap, "%llu", (unsigned long long)v);
    return snprintf(buf, cap, "%llu%c", (unsigned long long)v, suffix[i]);
}

static int format_value(char *buf, size_t cap, const struct bootarg_row *row, uint64_t v)
{
    switch (row->type) {
    case BOOTARG_UINT: return snprintf(buf, cap, "%llu", (unsigned long long)v);
    case BOOTARG_SIZE: return format_size(buf, cap, v);
    case BOOTARG_IPV4:
        return snprintf(buf, cap, "%u.%u.%u.%u", (unsigned)(v >> 24) & 255,
                        (unsigned)(v >> 16) & 255, (unsigned)(v >> 8) & 255, (unsigned)v & 255);
    case BOOTARG_IDLE: return snprintf(buf, cap, "%s", idle_words[v]);
    case BOOTARG_LOG: {
        if (v == 0) return snprintf(buf, cap, "none");
        int n = 0;
        for (size_t i = 0; i < NLOG_WORDS; i++) {
            if (!(v & (1u << i))) continue;
            size_t used = (size_t)n < cap ? (size_t)n : cap;
            n += snprintf(buf + used, cap - used, "%s%s", n ? "," : "", log_words[i]);
        }
        return n;
    }
    }
    return 0;
}

/* What a value of this row must be, as the error message and --help say it. */
static void format_bounds(char *buf, size_t cap, const struct bootarg_row *row)
{
    char lo[24], hi[24];
    switch (row->type) {
    case BOOTARG_UINT:
    case BOOTARG_SIZE:
        format_value(lo, sizeof lo, row, row->min);
        format_value(hi, sizeof hi, row, row->max);
        snprintf(buf, cap, "%s..%s", lo, hi);
        break;
    case BOOTARG_IPV4: snprintf(buf, cap, "an IPv4 address a.b.c.d"); break;
    case BOOTARG_IDLE: snprintf(buf, cap, "poll or halt"); break;
    case BOOTARG_LOG: {
        int n = snprintf(buf, cap, "none or a comma list of");
        for (size_t i = 0; i < NLOG_WORDS && (size_t)n < cap; i++)
            n += snprintf(buf + n, cap - (size_t)n, "%c%s", i ? ',' : ' ', log_words[i]);
        break;
    }
    }
}

static bool parse_value(const struct bootarg_row *row, const char *value, uint64_t *out)
{
    const char *end = value;
    switch (row->type) {
    case BOOTARG_UINT:
        return parse_decimal(&end, out) && *end == '\0' && *out >= row->min && *out <= row->max;
    case BOOTARG_SIZE: return parse_size(value, out) && *out >= row->min && *out <= row->max;
    case BOOTARG_IPV4: return parse_ipv4(value, out);
    case BOOTARG_IDLE: return parse_word(value, idle_words, 2, out);
    case BOOTARG_LOG: return parse_log(value, out);
    }
    return false;
}

static uint64_t *field(struct bootargs *args, const struct bootarg_row *row)
{
    return (uint64_t *)((char *)args + row->offset);
}

void bootargs_defaults(struct bootargs *args)
{
    for (size_t i = 0; i < NROWS; i++)
        if (!parse_value(&rows[i], rows[i].def, field(args, &rows[i])))
            plat_panic("bootargs: default out of bounds");
}

int bootargs_set(struct bootargs *args, const char *key, const char *value, char *err,
                 size_t errcap)
{
    for (size_t i = 0; i < NROWS; i++) {
        if (strcmp(key, rows[i].key) != 0) continue;
        uint64_t v;
        if (parse_value(&rows[i], value, &v)) {
            *field(args, &rows[i]) = v;
            return 0;
        }
        char bounds[96];
        format_bounds(bounds, sizeof bounds, &rows[i]);
        snprintf(err, errcap, "bootarg %s=%s: must be %s", key, value, bounds);
        return -1;
    }
    int n = snprintf(err, errcap, "bootarg %s: unknown key; known keys:", key);
    for (size_t i = 0; i < NROWS && n >= 0 && (size_t)n < errcap; i++)
        n += snprintf(err + n, errcap - (size_t)n, " %s", rows[i].key);
    return -1;
}

/* Longest key=value word the command line parser accepts; a kernel command line is a few
 * hundred bytes at most, and no value of ours comes near this. */
#define CMDLINE_WORD_MAX 256

int bootargs_parse_cmdline(struct bootargs *args, const char *cmdline, char *err, size_t errcap)
{
    struct bootargs parsed = *args;
    bool first = true;
    for (const char *p = cmdline; *p;) {
        if (*p == ' ' || *p == '\t' || *p == '\n') {
            p++;
            continue;
        }
        size_t len = strcspn(p, " \t\n");
        char word[CMDLINE_WORD_MAX];
        if (len >= sizeof word) {
            snprintf(err, errcap, "bootarg %.32s...: longer than %d bytes", p,
                     CMDLINE_WORD_MAX - 1);
            return -1;
        }
        memcpy(word, p, len);
        word[len] = '\0';
        p += len;
        char *eq = strchr(word, '=');
        bool was_first = first;
        first = false;
        if (!eq) {
            if (was_first) continue; /* the boot loader's kernel path */
            snprintf(err, errcap, "bootarg %s: expected key=value", word);
            return -1;
        }
        *eq = '\0';
        if (strchr(word, '.')) continue; /* virtio_mmio.device= and friends: the platform's */
        if (bootargs_set(&parsed, word, eq + 1, err, errcap) != 0) return -1;
    }
    *args = parsed;
    return 0;
}

size_t bootargs_format(const struct bootargs *args, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0) return 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NROWS && n < cap - 1; i++) {
        char value[64];
        format_value(value, sizeof value, &rows[i], *field((struct bootargs *)args, &rows[i]));
        int w = snprintf(buf + n, cap - n, "%s%s=%s", i ? " " : "", rows[i].key, value);
        if (w < 0) break;
        n += (size_t)w;
    }
    return n < cap ? n : cap - 1;
}

void bootargs_print_help(void (*write)(const char *s, size_t len))
{
    static const char *const type_names[] = {
        [BOOTARG_UINT] = "integer", [BOOTARG_SIZE] = "bytes", [BOOTARG_IPV4] = "ipv4",
        [BOOTARG_IDLE] = "word", [BOOTARG_LOG] = "words"};
    char line[256];
    int n = snprintf(line, sizeof line, "%-11s %-8s %-14s %-28s %s\n", "key", "type", "default",
                     "must be", "what it sets");
    write(line, (size_t)n);
    for (size_t i = 0; i < NROWS; i++) {
        char bounds[96];
        format_bounds(bounds, sizeof bounds, &rows[i]);
        n = snprintf(line, sizeof line, "%-11s %-8s %-14s %-28s %s\n", rows[i].key,
                     type_names[rows[i].type], rows[i].def, bounds, rows[i].help);
        write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
}
