/* The bytecode mutation test (issue 4: "No byte sequence can crash the interpreter"). Every
 * bundle of tests/vm/mutate/ (real programs; make-corpus.sh) is corrupted many times over with
 * a fixed-seed generator (bit flips, random bytes, random 32-bit words, truncation, a copied
 * span) and each result is loaded, and run if the verifier accepts it, under ASan and UBSan,
 * in a small heap (so memory errors are exercised too) with an instruction limit (so a mutated
 * infinite loop ends). Passing means: no sanitizer report, no crash, and each outcome is one
 * of the three the API promises. The unmutated bundles must load and run cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/vm.h"

/* Mutations per bundle: 16 bundles x 500 = 8000 runs, a few seconds under ASan. */
#define MUTATIONS 500
/* Enough for every corpus program to finish unmutated; small enough that loops end quickly. */
#define STEP_LIMIT 200000
#define HEAP (2u << 20)

static _Alignas(16) unsigned char heap[HEAP];

static const char *const corpus[] = {
    "basics", "closures", "metatables", "tables", "varargs", "goto",    "forloop", "operators",
    "strings", "patterns", "format",    "pack",   "utf8",    "sort",    "numbers", "close",
    "coroutines", "coroutines_yield_points"};

static void discard(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    (void)s;
    (void)len;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static unsigned char *read_bundle(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/vm/mutate/%s.skb", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* Loads and runs 'b'; returns the outcome of the load (and checks the run's). */
static enum vm_outcome run(const unsigned char *b, size_t len)
{
    struct vm *vm = vm_init(heap, sizeof heap, discard, NULL);
    assert_non_null(vm);
    vm_open_libs(vm);
    vm_step_limit_set(vm, STEP_LIMIT);
    enum vm_outcome r = vm_load(vm, b, len, "m.skb");
    assert_true(r == VM_DONE || r == VM_ERROR || r == VM_BAD_BYTECODE);
    if (r == VM_DONE) {
        enum vm_outcome e = vm_run(vm, 0, 0);
        assert_true(e == VM_DONE || e == VM_ERROR);
        if (e == VM_ERROR) {
            size_t n;
            vm_error_message(vm, &n);
        }
    }
    vm_fini(vm);
    return r;
}

static void mutate(unsigned char *b, size_t *len, size_t max)
{
    size_t n = *len;
    switch (rnd() % 6) {
    case 0: /* one to four bit flips */
        for (int i = 1 + (int)(rnd() % 4); i > 0; i--) b[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
        break;
    case 1: /* random bytes */
        for (int i = 1 + (int)(rnd() % 4); i > 0; i--) b[rnd() % n] = (unsigned char)rnd();
        break;
    case 2: { /* a random 32-bit word at a word boundary of the code */
        size_t at = (rnd() % (n / 4)) * 4;
        uint32_t w = (uint32_t)rnd();
        memcpy(b + at, &w, 4);
        break;
    }
    case 3: /* truncation */
        *len = rnd() % n;
        break;
    case 4: { /* a copied span */
        size_t from = rnd() % n, to = rnd() % n, span = 1 + rnd() % 16;
        if (from + span > n) span = n - from;
        if (to + span > n) span = n - to;
        memmove(b + to, b + from, span);
        break;
    }
    default: { /* an instruction-sized field set to an extreme value */
        size_t at = rnd() % (n - 4);
        uint32_t w = (rnd() & 1) ? 0xffffffffu : 0x7fffffffu;
        memcpy(b + at, &w, 4);
        break;
    }
    }
    (void)max;
}

static void test_corpus_runs_unmutated(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof corpus / sizeof corpus[0]; c++) {
        size_t len;
        unsigned char *b = read_bundle(corpus[c], &len);
        assert_int_equal(run(b, len), VM_DONE);
        free(b);
    }
}

static void test_mutated_bundles_refused_or_run_safely(void **state)
{
    (void)state;
    int refused = 0, ran = 0;
    for (size_t c = 0; c < sizeof corpus / sizeof corpus[0]; c++) {
        size_t len;
        unsigned char *orig = read_bundle(corpus[c], &len);
        unsigned char *b = malloc(len);
        assert_non_null(b);
        for (int m = 0; m < MUTATIONS; m++) {
            memcpy(b, orig, len);
            size_t n = len;
            for (int k = 1 + (int)(rnd() % 3); k > 0 && n > 8; k--) mutate(b, &n, len);
            if (run(b, n) == VM_DONE) ran++;
            else refused++;
        }
        free(b);
        free(orig);
    }
    print_message("mutation test: %d refused, %d ran\n", refused, ran);
    assert_true(refused > 0);
    assert_true(ran > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_runs_unmutated),
        cmocka_unit_test(test_mutated_bundles_refused_or_run_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
