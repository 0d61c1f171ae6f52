/* kernel/hosted/cmd_lua.c: `skiff lua [--heap=SIZE] FILE [args]`, the VM on the host, run
 * like `lua5.4 FILE`: print and io.write go to stdout, the script sees `arg` and its arguments
 * as `...`, and an uncaught error goes to stderr as lua5.4 prints it, with the program name
 * "skiff" in place of "lua5.4" ("skiff: app.lua:3: message", then the traceback), exit status 1.
 * FILE is Lua source, compiled by lang/ first (a syntax error: lua5.4's message, status 1), or
 * a .skb bundle (recognised by its magic); a bundle the verifier refuses exits with status 2
 * and its "bad bytecode" message.
 *
 * --heap=SIZE caps the VM's memory (bytes, or with a K, M or G suffix), parsed by the boot
 * argument table (kernel.h), so its bounds and its message for a bad value are those of the
 * heap= boot argument ("skiff: --heap=5: must be 1M..4G", exit status 2). The default is 256 MiB,
 * not the boot argument's 16M: `skiff lua` stands in for lua5.4, which has no cap. An
 * allocation that would pass the cap first runs a full collection, then raises "not enough
 * memory" in the script.
 *
 * Environment: SKIFF_GC_TORTURE=1 runs a full collection at every allocation, =2 one piece of
 * collector work at every allocation (vm.h's torture modes); SKIFF_GC_STATS=1 prints the
 * collector's statistics (vm_gc_stats) on stderr when the script ends, one `key value` a line,
 * times in nanoseconds (bench/gc reads them). */
#include "kernel/hosted/hosted.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "lang/lang.h"
#include "vm/skb.h"
#include "vm/vm.h"

#define DEFAULT_HEAP ((size_t)256 << 20)

static void write_stdout(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    fwrite(s, 1, len, stdout);
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            unsigned char *nb = realloc(buf, cap);
            if (nb == NULL) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void print_error(struct vm *vm)
{
    size_t len, tlen;
    const char *msg = vm_error_message(vm, &len);
    const char *tb = vm_traceback(vm, &tlen);
    fflush(stdout);
    fprintf(stderr, "skiff: %.*s\n", (int)len, msg);
    if (tlen > 0) fprintf(stderr, "%.*s\n", (int)tlen, tb);
}

static void print_gc_stats(struct vm *vm)
{
    struct vm_gc_stats st;
    vm_gc_stats(vm, &st);
    fprintf(stderr,
            "gc_steps %llu\ngc_step_ns %llu\ngc_step_max_ns %llu\ngc_step_p99_ns %llu\n"
            "gc_steps_long %llu\ngc_fulls %llu\ngc_full_ns %llu\ngc_full_max_ns %llu\n"
            "gc_cycles %llu\ngc_run_ns %llu\n",
            (unsigned long long)st.steps, (unsigned long long)st.step_ns,
            (unsigned long long)st.step_max_ns, (unsigned long long)st.step_p99_ns,
            (unsigned long long)st.steps_long,
            (unsigned long long)st.fulls, (unsigned long long)st.full_ns,
            (unsigned long long)st.full_max_ns, (unsigned long long)st.cycles,
            (unsigned long long)st.run_ns);
}

int hosted_cmd_lua(int argc, char **argv)
{
    static const char usage[] = "usage: skiff lua [--heap=SIZE] FILE.lua|FILE.skb [args]\n";
    size_t heap = DEFAULT_HEAP;
    int first = 2; /* argv[first] is FILE once the options are read */
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strncmp(argv[first], "--heap=", 7) != 0) {
            fprintf(stderr, "skiff: unknown option '%s'\n%s", argv[first], usage);
            return 2; /* main.c's EXIT_USAGE */
        }
        struct bootargs args;
        char err[256];
        bootargs_defaults(&args);
        if (bootargs_set(&args, "heap", argv[first] + 7, err, sizeof err) != 0) {
            /* "bootarg heap=X: ..." (kernel.h) said as the option the user typed. */
            const char *prefix = "bootarg ";
            size_t plen = strlen(prefix);
            bool ours = strncmp(err, prefix, plen) == 0;
            fprintf(stderr, "skiff: %s%s\n", ours ? "--" : "", ours ? err + plen : err);
            return 2;
        }
        heap = (size_t)args.heap;
    }
    if (first >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    const char *path = argv[first];
    int nargs = argc - first - 1; /* the script's own arguments follow FILE */
    size_t len;
    unsigned char *bytes = read_file(path, &len);
    if (bytes == NULL) {
        fprintf(stderr, "skiff: cannot open %s\n", path);
        return 1;
    }
    if (len < SKB_MAGIC_LEN || memcmp(bytes, SKB_MAGIC, SKB_MAGIC_LEN) != 0) {
        char modname[256];
        if (lang_module_name(path, modname, sizeof modname) < 0) snprintf(modname, sizeof modname, "main");
        struct lang_module mod = {modname, path, (const char *)bytes, len};
        struct lang_output out;
        int rc = lang_compile(&mod, 1, &out);
        free(bytes);
        if (rc != 0) {
            const char *e = out.errors ? out.errors : "cannot compile\n";
            size_t elen = strcspn(e, "\n");
            fprintf(stderr, "skiff: %.*s\n", (int)elen, e);
            lang_output_free(&out);
            return 1;
        }
        bytes = malloc(out.len);
        if (bytes == NULL) return 1;
        memcpy(bytes, out.bytes, out.len);
        len = out.len;
        lang_output_free(&out);
    }
    void *mem = aligned_alloc(4096, (heap + 4095) & ~(size_t)4095);
    struct vm *vm = mem ? vm_init(mem, heap, write_stdout, NULL) : NULL;
    if (vm == NULL) {
        fprintf(stderr, "skiff: cannot create a VM with a heap of %zu bytes\n", heap);
        return 1;
    }
    const char *torture = getenv("SKIFF_GC_TORTURE");
    vm_open_libs(vm);
    if (torture != NULL && strcmp(torture, "1") == 0) vm_gc_torture(vm, VM_GC_TORTURE_FULL);
    if (torture != NULL && strcmp(torture, "2") == 0) vm_gc_torture(vm, VM_GC_TORTURE_STEP);

    /* The script's name, as lua.c's chunk name for a file. */
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int status = 0;
    enum vm_outcome r = vm_load(vm, bytes, len, name);
    free(bytes);
    if (r == VM_BAD_BYTECODE) {
        size_t mlen;
        const char *msg = vm_error_message(vm, &mlen);
        fprintf(stderr, "skiff: %.*s\n", (int)mlen, msg);
        status = 2;
    } else if (r != VM_DONE) {
        print_error(vm);
        status = 1;
    } else {
        /* arg: arg[0] the script, arg[1..] its arguments, arg[-1] the program. */
        vm_push_globals(vm);
        vm_push_table(vm, nargs, 2);
        vm_push_cstr(vm, argv[0]);
        vm_tab_rawseti(vm, -2, -1);
        vm_push_cstr(vm, path);
        vm_tab_rawseti(vm, -2, 0);
        for (int i = 1; i <= nargs; i++) {
            vm_push_cstr(vm, argv[first + i]);
            vm_tab_rawseti(vm, -2, i);
        }
        vm_tab_setfield(vm, -2, "arg");
        vm_stack_pop(vm, 1);
        for (int i = 1; i <= nargs; i++) vm_push_cstr(vm, argv[first + i]);
        if (vm_run(vm, nargs, 0) != VM_DONE) {
            print_error(vm);
            status = 1;
        }
    }
    fflush(stdout);
    const char *stats = getenv("SKIFF_GC_STATS");
    if (stats != NULL && strcmp(stats, "1") == 0) print_gc_stats(vm);
    vm_fini(vm);
    free(mem);
    return status;
}
