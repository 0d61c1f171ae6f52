/* Lua patterns (Lua 5.4 manual §6.4.1): a backtracking matcher over (bytes, len), the engine of
 * string.find, match, gmatch and gsub. Entry points: vm_pat_init, vm_pat_reset, vm_pat_match,
 * vm_pat_capture_get, vm_pat_is_plain.
 *
 * The matcher recurses once per quantifier, capture, %b/%f and back-reference it passes; a run
 * of single-character items loops instead. 'depth' bounds the recursion (VM_PAT_MAXDEPTH), so
 * no pattern can exhaust the C stack. Errors in the pattern are found as the matcher reaches
 * them, as Lua finds them: ms->err is set and NULL returns all the way up. */
#include "vm/lib_string.h"

#include <stdio.h>
#include <string.h>

#define ESC '%'

static void classes_init(void);

void vm_pat_init(struct vm_pat *ms, const char *s, size_t s_len, const char *p, size_t p_len)
{
    classes_init();
    ms->src_init = s;
    ms->src_end = s + s_len;
    ms->p_end = p + p_len;
    ms->err = NULL;
    vm_pat_reset(ms);
}

void vm_pat_reset(struct vm_pat *ms)
{
    ms->level = 0;
    ms->depth = VM_PAT_MAXDEPTH;
}

bool vm_pat_is_plain(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0')
            return false;
    return true;
}

static const char *fail(struct vm_pat *ms, const char *msg)
{
    ms->err = msg;
    return NULL;
}

/* Character classes in the "C" locale, which is what lua5.4 runs in: one bit per class letter,
 * looked up per byte, since class tests are the matcher's inner loop. Written out rather than
 * taken from <ctype.h> because the freestanding build has no locale. */
enum {
    C_ALPHA = 1 << 0, /* %a */
    C_CNTRL = 1 << 1, /* %c */
    C_DIGIT = 1 << 2, /* %d */
    C_GRAPH = 1 << 3, /* %g */
    C_LOWER = 1 << 4, /* %l */
    C_PUNCT = 1 << 5, /* %p */
    C_SPACE = 1 << 6, /* %s */
    C_UPPER = 1 << 7, /* %u */
    C_XDIGIT = 1 << 8, /* %x */
    C_ZERO = 1 << 9,   /* %z, byte 0: deprecated in 5.2, still accepted by 5.4 */
    C_NEGATE = 1 << 15, /* in letter_table: an upper-case letter, the complement */
};

static uint16_t byte_classes(int c)
{
    uint16_t m = 0;
    if (c >= 'a' && c <= 'z')
        m |= C_ALPHA | C_LOWER;
    if (c >= 'A' && c <= 'Z')
        m |= C_ALPHA | C_UPPER;
    if (c >= '0' && c <= '9')
        m |= C_DIGIT | C_XDIGIT;
    if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
        m |= C_XDIGIT;
    if (c < 32 || c == 127)
        m |= C_CNTRL;
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        m |= C_SPACE;
    if (c > 32 && c < 127) {
        m |= C_GRAPH;
        if (!(m & (C_ALPHA | C_DIGIT)))
            m |= C_PUNCT;
    }
    if (c == 0)
        m |= C_ZERO;
    return m;
}

/* byte_classes for every byte, and class_mask for every letter after '%', filled on first use
 * (both are the same for every VM). */
static uint16_t class_table[256];
static uint16_t letter_table[256];
static bool class_table_ready;

/* The class bits letter 'cl' names (%w is alpha or digit, %z byte 0), or 0 for a letter that
 * names no class and stands for itself. */
static uint16_t class_mask(int cl)
{
    switch (cl | 0x20) {
    case 'a': return C_ALPHA;
    case 'c': return C_CNTRL;
    case 'd': return C_DIGIT;
    case 'g': return C_GRAPH;
    case 'l': return C_LOWER;
    case 'p': return C_PUNCT;
    case 's': return C_SPACE;
    case 'u': return C_UPPER;
    case 'w': return C_ALPHA | C_DIGIT;
    case 'x': return C_XDIGIT;
    case 'z': return C_ZERO;
    default: return 0;
    }
}

static void classes_init(void)
{
    if (class_table_ready)
        return;
    for (int c = 0; c < 256; c++) {
        class_table[c] = byte_classes(c);
        uint16_t m = class_mask(c);
        letter_table[c] = (m && c >= 'A' && c <= 'Z') ? (uint16_t)(m | C_NEGATE) : m;
    }
    class_table_ready = true;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* Does byte 'c' belong to class letter 'cl' (%a, %d, ...; upper case complements)? A letter
 * that names no class stands for itself. */
static bool class_has(int c, int cl)
{
    uint16_t m = letter_table[cl];
    if (m == 0)
        return cl == c;
    bool r = (class_table[c] & m & ~C_NEGATE) != 0;
    return (m & C_NEGATE) ? !r : r;
}

/* Where the single-character item at 'p' ends; sets ms->err on a malformed item. */
static const char *item_end(struct vm_pat *ms, const char *p)
{
    char c = *p++;
    if (c == ESC) {
        if (p >= ms->p_end)
            return fail(ms, "malformed pattern (ends with '%')");
        return p + 1;
    }
    if (c == '[') {
        if (p < ms->p_end && *p == '^')
            p++;
        do { /* the first ']' of a set is a member, so the loop looks for the end after it */
            if (p >= ms->p_end)
                return fail(ms, "malformed pattern (missing ']')");
            c = *p++;
            if (c == ESC && p < ms->p_end)
                p++;
        } while (p >= ms->p_end || *p != ']');
        return p + 1;
    }
    return p;
}

/* Is 'c' in the set [p, ec), where 'p' is at the '[' and 'ec' at the closing ']'? */
static bool set_has(int c, const char *p, const char *ec)
{
    bool want = true;
    p++;
    if (*p == '^') {
        want = false;
        p++;
    }
    for (; p < ec; p++) {
        if (*p == ESC) {
            p++;
            if (class_has(c, (unsigned char)*p))
                return want;
        } else if (p[1] == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p)
                return want;
        } else if ((unsigned char)*p == c) {
            return want;
        }
    }
    return !want;
}

/* Does the subject byte at 's' match the single-character item [p, ep)? */
static bool single_match(struct vm_pat *ms, const char *s, const char *p, const char *ep)
{
    if (s >= ms->src_end)
        return false;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return true;
    case ESC: return class_has(c, (unsigned char)p[1]);
    case '[': return set_has(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match(struct vm_pat *ms, const char *s, const char *p);

/* %bxy: a balanced run from x to its matching y. */
static const char *match_balance(struct vm_pat *ms, const char *s, const char *p)
{
    if (p + 1 >= ms->p_end)
        return fail(ms, "malformed pattern (missing arguments to '%b')");
    if (s >= ms->src_end || *s != *p)
        return NULL;
    char open = p[0], close = p[1];
    int nest = 1;
    while (++s < ms->src_end) {
        if (*s == close) {
            if (--nest == 0)
                return s + 1;
        } else if (*s == open) {
            nest++;
        }
    }
    return NULL;
}

/* 'item*' (min 0) or 'item+' (min 1, already matched once): the longest run first. */
static const char *max_expand(struct vm_pat *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (single_match(ms, s + i, p, ep))
        i++;
    for (; i >= 0; i--) {
        const char *r = match(ms, s + i, ep + 1);
        if (r || ms->err)
            return r;
    }
    return NULL;
}

/* 'item-': the shortest run first. */
static const char *min_expand(struct vm_pat *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *r = match(ms, s, ep + 1);
        if (r || ms->err)
            return r;
        if (!single_match(ms, s, p, ep))
            return NULL;
        s++;
    }
}

static const char *start_capture(struct vm_pat *ms, const char *s, const char *p, ptrdiff_t what)
{
    if (ms->level >= VM_PAT_MAXCAPTURES)
        return fail(ms, "too many captures");
    ms->capture[ms->level].init = s;
    ms->capture[ms->level].len = what;
    ms->level++;
    const char *r = match(ms, s, p);
    if (!r)
        ms->level--; /* undo the capture so a retry elsewhere starts clean */
    return r;
}

static const char *end_capture(struct vm_pat *ms, const char *s, const char *p)
{
    int l = -1;
    for (int i = ms->level - 1; i >= 0; i--)
        if (ms->capture[i].len == VM_PAT_CAP_UNFINISHED) {
            l = i;
            break;
        }
    if (l < 0)
        return fail(ms, "invalid pattern capture");
    ms->capture[l].len = s - ms->capture[l].init;
    const char *r = match(ms, s, p);
    if (!r)
        ms->capture[l].len = VM_PAT_CAP_UNFINISHED;
    return r;
}

/* %1-%9: the text of an earlier, closed capture, again. */
static const char *match_backref(struct vm_pat *ms, const char *s, int digit)
{
    int l = digit - '1';
    if (l < 0 || l >= ms->level || ms->capture[l].len == VM_PAT_CAP_UNFINISHED) {
        snprintf(ms->errbuf, sizeof ms->errbuf, "invalid capture index %%%d", l + 1);
        return fail(ms, ms->errbuf);
    }
    size_t len = (size_t)ms->capture[l].len;
    if ((size_t)(ms->src_end - s) >= len && memcmp(ms->capture[l].init, s, len) == 0)
        return s + len;
    return NULL;
}

/* The matcher proper: 'p' against the subject at 's'. A tail call in Lua's sense (the next
 * item after a single character, a %b, %f or back-reference) loops here instead of recursing,
 * so only branching points use depth. */
static const char *match(struct vm_pat *ms, const char *s, const char *p)
{
    if (ms->depth-- == 0)
        return fail(ms, "pattern too complex");
    for (;;) {
        if (p >= ms->p_end)
            break;
        if (*p == '(') {
            if (p + 1 < ms->p_end && p[1] == ')')
                s = start_capture(ms, s, p + 2, VM_PAT_CAP_POSITION);
            else
                s = start_capture(ms, s, p + 1, VM_PAT_CAP_UNFINISHED);
            break;
        }
        if (*p == ')') {
            s = end_capture(ms, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == ms->p_end) {
            if (s != ms->src_end)
                s = NULL;
            break;
        }
        if (*p == ESC && p + 1 < ms->p_end) {
            char c = p[1];
            if (c == 'b') {
                s = match_balance(ms, s, p + 2);
                if (s) {
                    p += 4;
                    continue;
                }
                break;
            }
            if (c == 'f') {
                p += 2;
                if (p >= ms->p_end || *p != '[') {
                    s = fail(ms, "missing '[' after '%f' in pattern");
                    break;
                }
                const char *ep = item_end(ms, p);
                if (!ep) {
                    s = NULL;
                    break;
                }
                int prev = (s == ms->src_init) ? 0 : (unsigned char)s[-1];
                int cur = (s < ms->src_end) ? (unsigned char)*s : 0;
                if (!set_has(prev, p, ep - 1) && set_has(cur, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                break;
            }
            if (is_digit((unsigned char)c)) {
                s = match_backref(ms, s, (unsigned char)c);
                if (s) {
                    p += 2;
                    continue;
                }
                break;
            }
        }
        /* A single-character item, perhaps with a quantifier. */
        const char *ep = item_end(ms, p);
        if (!ep) {
            s = NULL;
            break;
        }
        char q = ep < ms->p_end ? *ep : '\0';
        if (!single_match(ms, s, p, ep)) {
            if (q == '*' || q == '?' || q == '-') { /* zero repetitions are fine */
                p = ep + 1;
                continue;
            }
            s = NULL;
            break;
        }
        if (q == '?') {
            const char *r = match(ms, s + 1, ep + 1);
            if (r || ms->err) {
                s = r;
                break;
            }
            p = ep + 1;
            continue;
        }
        if (q == '+') {
            s = max_expand(ms, s + 1, p, ep);
            break;
        }
        if (q == '*') {
            s = max_expand(ms, s, p, ep);
            break;
        }
        if (q == '-') {
            s = min_expand(ms, s, p, ep);
            break;
        }
        s++;
        p = ep;
    }
    ms->depth++;
    return s;
}

const char *vm_pat_match(struct vm_pat *ms, const char *s, const char *p)
{
    return match(ms, s, p);
}

enum vm_pat_cap_kind vm_pat_capture_get(struct vm_pat *ms, int i, const char *s, const char *e,
                                        const char **str, size_t *len, int64_t *pos)
{
    if (i >= ms->level) {
        if (i != 0) {
            snprintf(ms->errbuf, sizeof ms->errbuf, "invalid capture index %%%d", i + 1);
            ms->err = ms->errbuf;
            return VM_PAT_CAP_ERROR;
        }
        *str = s;
        *len = (size_t)(e - s);
        return VM_PAT_CAP_STRING;
    }
    ptrdiff_t l = ms->capture[i].len;
    if (l == VM_PAT_CAP_UNFINISHED) {
        ms->err = "unfinished capture";
        return VM_PAT_CAP_ERROR;
    }
    if (l == VM_PAT_CAP_POSITION) {
        *pos = ms->capture[i].init - ms->src_init + 1;
        return VM_PAT_CAP_POS;
    }
    *str = ms->capture[i].init;
    *len = (size_t)l;
    return VM_PAT_CAP_STRING;
}
