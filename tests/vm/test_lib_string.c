/* The string library through the VM's native-function API (vm/lib_string.c): each case calls
 * string.<name> on a fresh stack, as pcall(string.<name>, ...) would, and compares what comes
 * back, printed as print() prints it, with what lua5.4 printed for the same call. The cores
 * under it have their own tests (test_lib_string_pattern.c, _format.c, _pack.c). gsub with a
 * replacement function is also run with 100,000 matches and inside a coroutine that yields
 * from the function (issue 5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vm/script_fixture.h"
#include "vm/vm.h"

#define HEAP_BYTES (4u << 20)

static struct vm *vm;
static void *heap;
static char out[2048];

static void discard(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    (void)s;
    (void)len;
}

static int setup(void **state)
{
    (void)state;
    heap = aligned_alloc(16, HEAP_BYTES);
    vm = vm_init(heap, HEAP_BYTES, discard, NULL);
    assert_non_null(vm);
    vm_open_libs(vm);
    /* A collection at every allocation: a string the library forgot to keep on the stack
     * would be freed under it, and ASan would say so. */
    vm_gc_torture(vm, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vm_fini(vm);
    free(heap);
    return 0;
}

/* Pushes string.<name>. */
static void push_fn(const char *name)
{
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, "string");
    vm_tab_getfield(vm, -1, name);
    vm_stack_insert(vm, -3);
    vm_stack_pop(vm, 2);
}

/* Calls the function below 'nargs' arguments and prints the outcome as pcall would:
 * "true<TAB>results..." or "false<TAB>message". Results are separated by tabs, as print()
 * writes them. */
static const char *finish(int nargs)
{
    int base = vm_stack_top(vm) - nargs - 1;
    enum vm_outcome rc = vm_run(vm, nargs, VM_MULTRET);
    size_t n = 0;
    if (rc != VM_DONE) {
        size_t len;
        const char *msg = vm_error_message(vm, &len);
        snprintf(out, sizeof out, "false\t%.*s", (int)len, msg);
        vm_stack_set_top(vm, base);
        return out;
    }
    n += (size_t)snprintf(out, sizeof out, "true");
    int top = vm_stack_top(vm);
    for (int i = base + 1; i <= top; i++) {
        size_t len;
        const char *s = vm_push_tostring(vm, i, &len);
        n += (size_t)snprintf(out + n, sizeof out - n, "\t%.*s", (int)len, s);
        vm_stack_pop(vm, 1);
    }
    vm_stack_set_top(vm, base);
    return out;
}

/* string.<name>(args) where 'sig' gives each argument's kind: s a C string, i an int64_t,
 * f a double, n nil, b a bool (int). */
static const char *call(const char *name, const char *sig, ...)
{
    va_list ap;
    va_start(ap, sig);
    push_fn(name);
    for (const char *k = sig; *k; k++) {
        switch (*k) {
        case 's': vm_push_cstr(vm, va_arg(ap, const char *)); break;
        case 'i': vm_push_int(vm, va_arg(ap, int64_t)); break;
        case 'f': vm_push_num(vm, va_arg(ap, double)); break;
        case 'n': vm_push_nil(vm); break;
        case 'b': vm_push_bool(vm, va_arg(ap, int)); break;
        }
    }
    va_end(ap);
    return finish((int)strlen(sig));
}

static void test_byte_char_len(void **state)
{
    (void)state;
    assert_string_equal(call("byte", "sii", "ABC", (int64_t)1, (int64_t)-1), "true\t65\t66\t67");
    assert_string_equal(call("byte", "sii", "ABC", (int64_t)3, (int64_t)2), "true");
    assert_string_equal(call("char", "ii", (int64_t)72, (int64_t)105), "true\tHi");
    assert_string_equal(call("char", "i", (int64_t)256),
                        "false\tbad argument #1 to 'string.char' (value out of range)");
    assert_string_equal(call("len", "i", (int64_t)123), "true\t3");
}

static void test_sub_rep_reverse_case(void **state)
{
    (void)state;
    assert_string_equal(call("sub", "si", "hello world", (int64_t)-5), "true\tworld");
    assert_string_equal(call("sub", "sii", "hello world", INT64_MIN, INT64_MAX),
                        "true\thello world");
    assert_string_equal(call("sub", "sf", "hello", 1.5),
                        "false\tbad argument #2 to 'string.sub' (number has no integer "
                        "representation)");
    assert_string_equal(call("rep", "sis", "ab", (int64_t)3, ","), "true\tab,ab,ab");
    assert_string_equal(call("rep", "si", "x", (int64_t)1 << 40),
                        "false\tresulting string too large");
    assert_string_equal(call("rep", "si", "", (int64_t)1 << 40), "true\t");
    assert_string_equal(call("reverse", "s", "hello"), "true\tolleh");
    assert_string_equal(call("upper", "s", "HeLLo 1"), "true\tHELLO 1");
    assert_string_equal(call("lower", "s", "HeLLo 1"), "true\thello 1");
}

static void test_find_match(void **state)
{
    (void)state;
    assert_string_equal(call("find", "ss", "key = value", "(%w+)%s*=%s*(%w+)"),
                        "true\t1\t11\tkey\tvalue");
    assert_string_equal(call("find", "ssib", "a.b", ".", (int64_t)1, 1), "true\t2\t2");
    assert_string_equal(call("find", "ssi", "hello", "", (int64_t)10), "true\tnil");
    assert_string_equal(call("match", "ss", "hello", "()ll()"), "true\t3\t5");
    assert_string_equal(call("match", "ss", "  trim  ", "^%s*(.-)%s*$"), "true\ttrim");
    assert_string_equal(call("find", "ss", "a", "[a"),
                        "false\tmalformed pattern (missing ']')");
    assert_string_equal(call("match", "ss", "a", "(a"), "false\tunfinished capture");
}

static void test_gsub(void **state)
{
    (void)state;
    assert_string_equal(call("gsub", "sss", "hello world", "(%w+)", "<%1>"),
                        "true\t<hello> <world>\t2");
    assert_string_equal(call("gsub", "sssi", "hello world", "o", "0", (int64_t)1),
                        "true\thell0 world\t1");
    assert_string_equal(call("gsub", "sss", "hello", "", "-"), "true\t-h-e-l-l-o-\t6");
    assert_string_equal(call("gsub", "sss", "abc", "%w", "%1"), "true\tabc\t3");
    assert_string_equal(call("gsub", "sss", "abc", "(b)", "%2"),
                        "false\tinvalid capture index %2");
    assert_string_equal(call("gsub", "sss", "abc", "b", "%"),
                        "false\tinvalid use of '%' in replacement string");
    assert_string_equal(call("gsub", "ss", "abc", "b"),
                        "false\tbad argument #3 to 'string.gsub' (string/function/table "
                        "expected, got no value)");
}

static void test_gsub_table(void **state)
{
    (void)state;
    push_fn("gsub");
    vm_push_cstr(vm, "$name is $x");
    vm_push_cstr(vm, "%$(%w+)");
    vm_push_table(vm, 0, 1);
    vm_push_cstr(vm, "Bob");
    vm_tab_setfield(vm, -2, "name");
    assert_string_equal(finish(3), "true\tBob is $x\t2");
    push_fn("gsub");
    vm_push_cstr(vm, "abc");
    vm_push_cstr(vm, "(b)");
    vm_push_table(vm, 0, 1);
    vm_push_table(vm, 0, 0);
    vm_tab_setfield(vm, -2, "b");
    assert_string_equal(finish(3), "false\tinvalid replacement value (a table)");
}

/* A gsub replacement function: its captures joined by ','. */
static int join_captures(struct vm *v)
{
    int n = vm_stack_top(v);
    char buf[256] = "";
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = vm_push_tostring(v, i, &len);
        if (i > 1)
            strcat(buf, ",");
        strncat(buf, s, len);
        vm_stack_pop(v, 1);
    }
    vm_push_cstr(v, buf);
    return 1;
}

static int no_result(struct vm *v)
{
    (void)v;
    return 0;
}

static void test_gsub_function(void **state)
{
    (void)state;
    push_fn("gsub");
    vm_push_cstr(vm, "k=v, a=b");
    vm_push_cstr(vm, "(%w+)=(%w+)");
    vm_push_native(vm, join_captures, "join", 0);
    assert_string_equal(finish(3), "true\tk,v, a,b\t2");
    push_fn("gsub");
    vm_push_cstr(vm, "hello world");
    vm_push_cstr(vm, "%w+");
    vm_push_native(vm, no_result, "none", 0);
    assert_string_equal(finish(3), "true\thello world\t2");
}

/* A gsub replacement function: its match doubled. */
static int twice(struct vm *v)
{
    size_t len;
    const char *s = vm_to_str(v, 1, &len);
    struct vm_buf b;
    vm_buf_init(v, &b);
    vm_buf_add(&b, s, len);
    vm_buf_add(&b, s, len);
    vm_buf_push(&b);
    return 1;
}

/* Each call of the function ends in vm_call_cont, whose continuation scans on to the next
 * match and makes the next call: 100,000 matches would overflow the C stack if each call
 * nested in the last. */
static void test_gsub_function_many_matches_in_constant_c_stack(void **state)
{
    (void)state;
    vm_gc_torture(vm, false); /* a collection per allocation would take minutes here */
    push_fn("rep");
    vm_push_cstr(vm, "ab");
    vm_push_int(vm, 100000);
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    push_fn("gsub");
    vm_stack_insert(vm, -2);
    vm_push_cstr(vm, "b");
    vm_push_native(vm, twice, "twice", 0);
    assert_int_equal(vm_run(vm, 3, 2), VM_DONE);
    int64_t n;
    assert_true(vm_to_int(vm, -1, &n));
    assert_int_equal(n, 100000);
    size_t len;
    const char *s = vm_to_str(vm, -2, &len);
    assert_int_equal(len, 300000);
    assert_memory_equal(s, "abbabbabb", 9);
    assert_memory_equal(s + len - 6, "abbabb", 6);
    vm_stack_pop(vm, 2);
}

/* --- yields inside a replacement function (issue 5): a script compiled by lang/ --- */

/* Compiles and runs 'src', then calls its global function 'fn' and returns its string result. */
static const char *run_script(const char *src, const char *fn)
{
    fixture_run_script(vm, src);
    return fixture_call_global(vm, fn);
}

/* The function yields at every match, with its captures; the resumer's values come back as
 * the yield's results and become the replacements (or keep the match, for false). */
static void test_gsub_function_yields(void **state)
{
    (void)state;
    static const char *const src =
        "function go()\n"
        "  local co = coroutine.wrap(function(s)\n"
        "    local r, n = s:gsub('(%a)()', function(c, p) return coroutine.yield(c, p) end)\n"
        "    return 'end', r .. '/' .. n\n"
        "  end)\n"
        "  local log = {}\n"
        "  local c, p = co('ab1cd')\n"
        "  while c ~= 'end' do\n"
        "    log[#log + 1] = c .. p\n"
        "    local r = false\n"
        "    if c ~= 'c' then r = c:upper() .. p end\n"
        "    c, p = co(r)\n"
        "  end\n"
        "  return table.concat(log, ',') .. ' ' .. p\n"
        "end\n";
    assert_string_equal(run_script(src, "go"), "a2,b3,c5,d6 A2B31cD6/4");
}

static void test_gmatch_iterates_with_init(void **state)
{
    (void)state;
    push_fn("gmatch");
    vm_push_cstr(vm, "one two three");
    vm_push_cstr(vm, "%a+");
    vm_push_int(vm, 5);
    assert_int_equal(vm_run(vm, 3, 1), VM_DONE);
    const char *want[] = {"true\ttwo", "true\tthree", "true", "true"};
    for (int i = 0; i < 4; i++) {
        vm_stack_copy(vm, -1);
        assert_string_equal(finish(0), want[i]);
    }
    vm_stack_pop(vm, 1);
}

static void test_format(void **state)
{
    (void)state;
    assert_string_equal(call("format", "siii", "%5d|%-5d|%05d", (int64_t)42, (int64_t)42,
                             (int64_t)42),
                        "true\t   42|42   |00042");
    assert_string_equal(call("format", "sff", "%.3f %g", 3.14159, 1e20), "true\t3.142 1e+20");
    assert_string_equal(call("format", "ss", "%q", "a\nb"), "true\t\"a\\\nb\"");
    assert_string_equal(call("format", "sfi", "%q %q", 0.1, INT64_MIN),
                        "true\t0x1.999999999999ap-4 0x8000000000000000");
    assert_string_equal(call("format", "snbs", "%s %s %10.2s|", true, "abc"),
                        "true\tnil true         ab|");
    assert_string_equal(call("format", "si", "%y", (int64_t)1),
                        "false\tinvalid conversion '%y' to 'format'");
    assert_string_equal(call("format", "sf", "%d", 1.5),
                        "false\tbad argument #2 to 'string.format' (number has no integer "
                        "representation)");
    assert_string_equal(call("format", "s", "%d"),
                        "false\tbad argument #2 to 'string.format' (no value)");
    assert_string_equal(call("format", "si", "%100d", (int64_t)1),
                        "false\tinvalid conversion specification: '%100d'");
}

static void test_pack_unpack(void **state)
{
    (void)state;
    assert_string_equal(call("unpack", "ss", "<i3 >I2", "\375\377\377\1\2"),
                        "true\t-3\t258\t6");
    assert_string_equal(call("packsize", "s", "!8 b d"), "true\t16");
    assert_string_equal(call("pack", "si", "b", (int64_t)128),
                        "false\tbad argument #2 to 'string.pack' (integer overflow)");
    assert_string_equal(call("pack", "si", "i17", (int64_t)1),
                        "false\tintegral size (17) out of limits [1,16]");
    assert_string_equal(call("unpack", "ss", "z", "abc"),
                        "false\tbad argument #2 to 'string.unpack' (unfinished string for "
                        "format 'z')");
    assert_string_equal(call("pack", "sss", "s1 c2", "ab", "cd"), "true\t\2abcd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_byte_char_len, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sub_rep_reverse_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gsub, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gsub_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gsub_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gsub_function_many_matches_in_constant_c_stack, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gsub_function_yields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmatch_iterates_with_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_unpack, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
