/* The string library's cores, internal to vm/ and its tests: the pattern matcher
 * (lib_string_pattern.c), the format conversions (lib_string_format.c) and the binary
 * pack/unpack format reader (lib_string_pack.c). None of them touches a VM value or allocates:
 * each works over (bytes, len) the caller borrows to it and reports an error as a message the
 * caller raises, so lib_string.c is the only file that speaks the native-function API.
 *
 * Behaviour is Lua 5.4.4's lstrlib, checked byte for byte against `lua5.4`; every limit below
 * is Lua's. */
#ifndef VM_LIB_STRING_H
#define VM_LIB_STRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Patterns (Lua 5.4 manual §6.4.1) --- */

/* Captures one pattern may open; Lua's LUA_MAXCAPTURES. */
#define VM_PAT_MAXCAPTURES 32
/* Nested matcher calls (quantifiers, captures, %b, back-references) before "pattern too
 * complex"; Lua's MAXCCALLS. Bounds the C stack a pattern can use: each level is one frame of
 * match(), about 100 bytes, so 200 levels fit any stack the kernel gives the VM. */
#define VM_PAT_MAXDEPTH 200

/* A capture's 'len' while it is open, and for a position capture `()`. */
#define VM_PAT_CAP_UNFINISHED (-1)
#define VM_PAT_CAP_POSITION (-2)

struct vm_pat_capture {
    const char *init; /* into the subject; borrowed from the caller */
    ptrdiff_t len;    /* bytes, or VM_PAT_CAP_UNFINISHED / VM_PAT_CAP_POSITION */
};

/* One match attempt's state. The subject and pattern are borrowed and must outlive it. After
 * vm_pat_match returns NULL, 'err' says whether that was "no match" (NULL) or a malformed
 * pattern (the message to raise, in Lua's words, pointing at a literal or at 'errbuf'). */
struct vm_pat {
    const char *src_init, *src_end; /* the subject */
    const char *p_end;              /* end of the pattern */
    int level;                      /* captures opened so far */
    int depth;                      /* calls left before "pattern too complex" */
    const char *err;
    char errbuf[48];
    struct vm_pat_capture capture[VM_PAT_MAXCAPTURES];
};

void vm_pat_init(struct vm_pat *ms, const char *s, size_t s_len, const char *p, size_t p_len);
/* Forgets the captures of the last attempt, before trying again at another position. */
void vm_pat_reset(struct vm_pat *ms);
/* Matches pattern 'p' (up to ms->p_end) at subject position 's'. Returns where the match ends,
 * or NULL: no match when ms->err is NULL, a pattern error otherwise. */
const char *vm_pat_match(struct vm_pat *ms, const char *s, const char *p);
/* True if 'p' (len bytes) has none of the magic characters ^$*+?.([%-, so find can use a
 * plain search. */
bool vm_pat_is_plain(const char *p, size_t len);

enum vm_pat_cap_kind {
    VM_PAT_CAP_STRING,   /* *str, *len: a substring of the subject */
    VM_PAT_CAP_POS,      /* *pos: a 1-based subject position */
    VM_PAT_CAP_ERROR,    /* ms->err holds the message */
};
/* Capture 'i' (0-based) of the match [s, e). With no captures at all, capture 0 is the whole
 * match. Errors: "invalid capture index %N in ..." and "unfinished capture". */
enum vm_pat_cap_kind vm_pat_capture_get(struct vm_pat *ms, int i, const char *s, const char *e,
                                        const char **str, size_t *len, int64_t *pos);

/* --- string.format conversions --- */

/* The longest spec (flags, width, precision, conversion) Lua accepts: "invalid format (too
 * long)" past it; Lua's MAX_FORMAT (32) less the 10 bytes it keeps for the length modifier. */
#define VM_FMT_SPEC_MAX 22

/* One conversion spec, parsed from the text after a '%'. 'spec' is the spec as written,
 * "%" included, NUL-terminated, for the error messages that quote it. */
struct vm_fmt_spec {
    char spec[VM_FMT_SPEC_MAX + 2];
    char conv;       /* the conversion letter, or whatever stood there */
    size_t used;     /* bytes of the format consumed after the '%' */
};

/* Parses the spec at 'f' (just past '%'), 'len' bytes left. Returns NULL, or the message
 * "invalid format (too long)". */
const char *vm_fmt_spec_parse(struct vm_fmt_spec *sp, const char *f, size_t len);
/* Checks that the spec's flags are among 'flags', its width has at most two digits, and it
 * has a precision only if 'precision' allows one (Lua 5.4.4's checkformat). Returns NULL, or
 * the message "invalid conversion specification: '%...'" written into 'msg' (cap bytes). */
const char *vm_fmt_spec_check(const struct vm_fmt_spec *sp, const char *flags, bool precision,
                              char *msg, size_t cap);

/* Bytes enough for any one conversion of a number: '%99.99f' of the largest double has 309
 * integer digits; Lua's MAX_ITEMF (110 + DBL_MAX_10_EXP). */
#define VM_FMT_ITEM_MAX 420

/* Each writes one conversion into 'out' (VM_FMT_ITEM_MAX bytes) as snprintf does and returns
 * the bytes written (not NUL-terminated). The spec must have passed vm_fmt_spec_check for its
 * conversion. "%d" and "%[W][.P]f" (P <= 20) are written without snprintf, byte for byte as it
 * would. */
int vm_fmt_int(char *out, const struct vm_fmt_spec *sp, int64_t v);
int vm_fmt_float(char *out, const struct vm_fmt_spec *sp, double v);
/* %c and %s (and %p's text) with width and precision: 'v' is 'len' bytes. 'out' must have room
 * for max(width, len) bytes, which is at most 99 + len since a width has two digits. */
#define VM_FMT_WIDTH_MAX 99
int vm_fmt_chars(char *out, const struct vm_fmt_spec *sp, const char *v, size_t len);
/* %q of a float: "1e9999", "-1e9999", "(0/0)" or the hexadecimal float ("%a"). */
int vm_fmt_quote_float(char *out, double v);
/* %q of an integer: decimal, except minint, which has no decimal literal and is written in hex. */
int vm_fmt_quote_int(char *out, int64_t v);
/* %q of a string: the quoted literal, written through 'put' piece by piece. */
void vm_fmt_quote_string(const char *s, size_t len, void (*put)(void *ctx, const char *p, size_t n),
                         void *ctx);

/* --- string.pack / unpack / packsize (Lua 5.4 manual §6.4.2) --- */

/* The largest size an [iIjJ] option may name; Lua's MAXINTSIZE. */
#define VM_PACK_MAXINTSIZE 16
/* The largest alignment '!' may set; Lua's MAXALIGN (what a C double or pointer needs). */
#define VM_PACK_MAXALIGN 8

enum vm_pack_kind {
    VM_PACK_INT,      /* signed integer of 'size' bytes */
    VM_PACK_UINT,     /* unsigned integer */
    VM_PACK_FLOAT,    /* float (size 4) */
    VM_PACK_DOUBLE,   /* double or lua_Number (size 8) */
    VM_PACK_CHAR,     /* fixed-size string 'size' bytes */
    VM_PACK_STRING,   /* string preceded by its length in 'size' bytes */
    VM_PACK_ZSTR,     /* zero-terminated string */
    VM_PACK_PADDING,  /* 'x': one zero byte */
    VM_PACK_PADALIGN, /* 'X': align to the next option's size */
    VM_PACK_NOP,      /* ' ', '<', '>', '=', '!': no data */
};

/* The reader's state over one format string: endianness and maximum alignment, both changed
 * by options as they go by. */
struct vm_pack_state {
    const char *fmt, *end; /* borrowed */
    bool little;
    int maxalign;
};

/* One option, as read by vm_pack_next. */
struct vm_pack_opt {
    enum vm_pack_kind kind;
    int size;   /* bytes of data (0 for NOP, ZSTR and PADALIGN) */
    int ntoalign; /* padding bytes before it, given 'total' bytes so far */
};

void vm_pack_init(struct vm_pack_state *st, const char *fmt, size_t len);
/* Reads the next option, 'total' bytes having been packed so far. Returns 1 and fills 'opt',
 * 0 at the end of the format, or -1 with the error message in '*err' ("invalid format option
 * 'y'", "integral size (17) out of limits [1,16]", "missing size for format option 'c'",
 * "format asks for alignment not power of 2", "invalid next option for option 'X'"). */
int vm_pack_next(struct vm_pack_state *st, size_t total, struct vm_pack_opt *opt,
                 const char **err, char *errbuf, size_t errcap);

/* Writes 'v' as a 'size'-byte integer (sign-extending past 8 bytes when 'neg'). */
void vm_pack_int_put(uint8_t *out, uint64_t v, bool little, int size, bool neg);
/* Reads a 'size'-byte integer. Returns false if a value wider than 8 bytes does not fit in
 * 64 bits (Lua's "%d-byte integer does not fit into Lua Integer"). */
bool vm_pack_int_get(const uint8_t *in, bool little, int size, bool is_signed, int64_t *v);

#endif
