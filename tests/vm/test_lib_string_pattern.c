/* The pattern matcher (vm/lib_string_pattern.c) alone, over plain byte buffers: classes, sets,
 * quantifiers, anchors, captures, back-references, %b, %f, the limits and every pattern error,
 * each expectation what lua5.4's string.find or string.match gives for the same input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vm/lib_string.h"

static struct vm_pat ms;
static char out[256];

/* string.find(s, p) in Lua's words: "start end" (1-based), "nil", or "error: <message>".
 * Captures follow as " [text]" or " @pos". */
static const char *find(const char *s, const char *p)
{
    size_t ls = strlen(s), lp = strlen(p);
    bool anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    vm_pat_init(&ms, s, ls, p, lp);
    const char *s1 = s;
    do {
        vm_pat_reset(&ms);
        const char *e = vm_pat_match(&ms, s1, p);
        if (ms.err) {
            snprintf(out, sizeof out, "error: %s", ms.err);
            return out;
        }
        if (e) {
            int n = snprintf(out, sizeof out, "%d %d", (int)(s1 - s + 1), (int)(e - s));
            for (int i = 0; i < ms.level; i++) {
                const char *str;
                size_t len;
                int64_t pos;
                enum vm_pat_cap_kind k = vm_pat_capture_get(&ms, i, s1, e, &str, &len, &pos);
                if (k == VM_PAT_CAP_STRING)
                    n += snprintf(out + n, sizeof out - (size_t)n, " [%.*s]", (int)len, str);
                else if (k == VM_PAT_CAP_POS)
                    n += snprintf(out + n, sizeof out - (size_t)n, " @%d", (int)pos);
                else
                    n += snprintf(out + n, sizeof out - (size_t)n, " error: %s", ms.err);
            }
            return out;
        }
    } while (s1++ < ms.src_end && !anchor);
    return "nil";
}

static void test_literal_and_dot(void **state)
{
    (void)state;
    assert_string_equal(find("hello world", "o w"), "5 7");
    assert_string_equal(find("hello", "l.o"), "3 5");
    assert_string_equal(find("hello", "xyz"), "nil");
    assert_string_equal(find("", ""), "1 0");
    assert_string_equal(find("abc", ""), "1 0");
}

static void test_classes_and_complements(void **state)
{
    (void)state;
    assert_string_equal(find("abc 123", "%d+"), "5 7");
    assert_string_equal(find("abc 123", "%D+"), "1 4");
    assert_string_equal(find("  x", "%S"), "3 3");
    assert_string_equal(find("a.b", "%p"), "2 2");
    assert_string_equal(find("aB", "%u"), "2 2");
    assert_string_equal(find("Ab", "%l"), "2 2");
    assert_string_equal(find("zz0fF", "%x+"), "3 5");
    assert_string_equal(find("a\tb", "%c"), "2 2");
    assert_string_equal(find(" _a1", "%w+"), "3 4");
    assert_string_equal(find(" !", "%g"), "2 2");
    assert_string_equal(find("a.b", "%."), "2 2"); /* %x for non-alphanumeric x is x itself */
}

static void test_sets(void **state)
{
    (void)state;
    assert_string_equal(find("hello", "[lo]+"), "3 5");
    assert_string_equal(find("hello", "[^hel]"), "5 5");
    assert_string_equal(find("x-y", "[a-]"), "2 2");
    assert_string_equal(find("abc]", "[]]"), "4 4");
    assert_string_equal(find("ab1", "[%d]"), "3 3");
    assert_string_equal(find("q5", "[a-z0-4]+"), "1 1");
    assert_string_equal(find("a]b", "[%]]"), "2 2");
    assert_string_equal(find("^", "[%^]"), "1 1");
}

static void test_quantifiers(void **state)
{
    (void)state;
    assert_string_equal(find("aaab", "a*"), "1 3");
    assert_string_equal(find("aaab", "a-b"), "1 4");
    assert_string_equal(find("<a><b>", "<.->"), "1 3");
    assert_string_equal(find("<a><b>", "<.*>"), "1 6");
    assert_string_equal(find("b", "a?b"), "1 1");
    assert_string_equal(find("ab", "a?b"), "1 2");
    assert_string_equal(find("bbb", "a+"), "nil");
    assert_string_equal(find("x", "a*"), "1 0");
}

static void test_anchors(void **state)
{
    (void)state;
    assert_string_equal(find("hello", "^h"), "1 1");
    assert_string_equal(find("hello", "^e"), "nil");
    assert_string_equal(find("hello", "o$"), "5 5");
    assert_string_equal(find("a$b", "$b"), "2 3"); /* '$' not at the end is literal */
    assert_string_equal(find("hello", "^hello$"), "1 5");
}

static void test_captures(void **state)
{
    (void)state;
    assert_string_equal(find("key=val", "(%w+)=(%w+)"), "1 7 [key] [val]");
    assert_string_equal(find("abc", "()b()"), "2 2 @2 @3");
    assert_string_equal(find("abcd", "(a(b)(c))"), "1 3 [abc] [b] [c]");
    assert_string_equal(find("x = 'hi'", "(['\"])(.-)%1"), "5 8 ['] [hi]");
}

static void test_balance_and_frontier(void **state)
{
    (void)state;
    assert_string_equal(find("f(a(b)c) d", "%b()"), "2 8");
    assert_string_equal(find("f(a(b c", "%b()"), "nil");
    assert_string_equal(find("THE (quick) fox", "%f[%a]%a+"), "1 3");
    assert_string_equal(find("hello world", "%f[%w]%w+$"), "7 11");
    assert_string_equal(find("aaa", "%f[%z]"), "4 3");
    assert_string_equal(find("abc", "%f[^%a]"), "4 3"); /* the end counts as byte 0 */
}

static void test_pattern_errors(void **state)
{
    (void)state;
    assert_string_equal(find("abc", "%"), "error: malformed pattern (ends with '%')");
    assert_string_equal(find("abc", "[a"), "error: malformed pattern (missing ']')");
    assert_string_equal(find("abc", "[]"), "error: malformed pattern (missing ']')");
    assert_string_equal(find("abc", "%f"), "error: missing '[' after '%f' in pattern");
    assert_string_equal(find("abc", "%b"), "error: malformed pattern (missing arguments to '%b')");
    assert_string_equal(find("abc", "(a)%2"), "error: invalid capture index %2");
    assert_string_equal(find("abc", "(a%1)"), "error: invalid capture index %1");
    assert_string_equal(find("abc", "%0"), "error: invalid capture index %0");
    assert_string_equal(find("bcd", "a)"), "nil"); /* an error only once 'a' has matched */
    assert_string_equal(find("xa)", "a)"), "error: invalid pattern capture");
    assert_string_equal(find("abc", "(a"), "1 1 error: unfinished capture");
}

static void test_too_many_captures(void **state)
{
    (void)state;
    char p[3 * 33 + 1] = "";
    for (int i = 0; i < 32; i++)
        strcat(p, "(a)");
    char s[40];
    memset(s, 'a', 32);
    s[32] = '\0';
    find(s, p); /* 32 captures: the limit, fine */
    assert_null(ms.err);
    assert_int_equal(ms.level, 32);
    strcat(p, "(a)");
    assert_string_equal(find(s, p), "error: too many captures");
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* Each 'a?' item is a branch point: 200 of them nest 200 calls, the limit. */
    static char s[400], p[1000];
    memset(s, 'a', 300);
    s[300] = '\0';
    p[0] = '\0';
    for (int i = 0; i < 300; i++)
        strcat(p, "a?");
    assert_string_equal(find(s, p), "error: pattern too complex");
    p[0] = '\0';
    for (int i = 0; i < VM_PAT_MAXDEPTH - 1; i++)
        strcat(p, "a?");
    assert_string_equal(find(s, p), "1 199");
}

static void test_embedded_zeros(void **state)
{
    (void)state;
    const char s[] = "a\0b";
    vm_pat_init(&ms, s, 3, "%z*b", 4);
    /* %z, deprecated but still in 5.4, is the class of byte 0. */
    assert_ptr_equal(vm_pat_match(&ms, s + 1, "%z*b"), s + 3);
    vm_pat_init(&ms, s, 3, "\0b", 2);
    assert_ptr_equal(vm_pat_match(&ms, s + 1, "\0b"), s + 3);
}

static void test_is_plain(void **state)
{
    (void)state;
    assert_true(vm_pat_is_plain("abc d", 5));
    assert_true(vm_pat_is_plain("a\0b", 3));
    assert_false(vm_pat_is_plain("a.b", 3));
    assert_false(vm_pat_is_plain("a%", 2));
    assert_false(vm_pat_is_plain("-", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_dot),
        cmocka_unit_test(test_classes_and_complements),
        cmocka_unit_test(test_sets),
        cmocka_unit_test(test_quantifiers),
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_captures),
        cmocka_unit_test(test_balance_and_frontier),
        cmocka_unit_test(test_pattern_errors),
        cmocka_unit_test(test_too_many_captures),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_embedded_zeros),
        cmocka_unit_test(test_is_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
