/* build/skiff: the hosted program, the platform's entry point (kernel/kernel.h).
 *
 *   skiff replay IN.pcap -o OUT.pcap [--key=value ...] [--stats]
 *   skiff serve --tap NAME [--key=value ...] [--stats]
 *   skiff --help | --version
 *
 * Every --key=value goes through bootargs_set(), so the keys, defaults and bounds are the
 * kernel command line's. --stats prints the counters at the end, as log=stats does (it sets
 * that bit), followed by the device's own; serve always prints them when a signal stops it.
 *
 * Exit status: 0 success; 1 the host refused something (memory, the TAP, the output file);
 * 2 bad usage, a bad boot argument or a bad input trace; 3 panic (plat_panic).
 */
#include "kernel/hosted/hosted.h"

#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "net/net.h"

#define EXIT_USAGE 2
#define EXIT_HOST 1

static const char usage[] = "usage: skiff replay IN.pcap -o OUT.pcap [--key=value ...] [--stats]\n"
                            "       skiff serve --tap NAME [--key=value ...] [--stats]\n"
                            "       skiff --help | --version\n";

static const char help_text[] =
    "\n"
    "replay  runs the stack on the frames of IN.pcap that skiff did not send, at their\n"
    "        timestamps, with the clock driven by the trace, and writes every frame it sends\n"
    "        to OUT.pcap. The same trace and arguments give a byte-identical OUT.pcap.\n"
    "serve   runs the stack live on the TAP interface NAME until SIGINT or SIGTERM, then\n"
    "        prints the counters. NAME is created if absent; the host's side of it (its\n"
    "        address, `ip link set NAME up`) is for the caller to set up.\n"
    "--stats prints the counters at the end (the same as --log=stats).\n"
    "\n"
    "The device's MAC address is the same in both modes: ";

static const char help_args[] =
    "\n"
    "Boot arguments, --key=value here, key=value on the kernel command line:\n";

static void write_stdout(const char *s, size_t len)
{
    fwrite(s, 1, len, stdout);
}

/* hosted_mac as text, "02:53:..." ('buf' holds 18 bytes). */
static const char *mac_text(char buf[18])
{
    const uint8_t *mac = hosted_mac;
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return buf;
}

static _Noreturn void fail(int status, const char *msg)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "skiff: %s\n", msg);
    plat_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    plat_exit(status);
}

/* For a command line that is wrong in shape, not in a value. */
static _Noreturn void fail_usage(const char *msg)
{
    static const char hint[] = "run 'skiff --help' for usage";
    char line[512];
    snprintf(line, sizeof line, "%s; %s", msg, hint);
    fail(EXIT_USAGE, line);
}

/* Applies "--key=value" (or "--key", as an empty value) through bootargs_set(); exits with its
 * message on failure. */
static void set_bootarg(struct bootargs *args, const char *opt)
{
    char key[64], err[512];
    const char *eq = strchr(opt, '=');
    size_t key_len = eq != NULL ? (size_t)(eq - opt) : strlen(opt);
    if (key_len >= sizeof key) {
        snprintf(err, sizeof err, "unknown option '--%.64s...'", opt);
        fail_usage(err);
    }
    memcpy(key, opt, key_len);
    key[key_len] = '\0';
    if (bootargs_set(args, key, eq != NULL ? eq + 1 : "", err, sizeof err) != 0)
        fail(EXIT_USAGE, err);
}

/* One line on the console saying what runs, with every boot argument's value. */
static void print_banner(const char *what, const struct bootargs *args)
{
    char values[512], line[1024], mac[18];
    bootargs_format(args, values, sizeof values);
    int n = snprintf(line, sizeof line, "skiff %s hosted: %s, mac %s, %s\n", SKIFF_VERSION, what,
                     mac_text(mac), values);
    plat_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        plat_console_write(usage, sizeof usage - 1);
        plat_exit(EXIT_USAGE);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        char mac[18];
        fputs(usage, stdout);
        fputs(help_text, stdout);
        puts(mac_text(mac));
        fputs(help_args, stdout);
        bootargs_print_help(write_stdout);
        return fflush(stdout) == 0 ? 0 : EXIT_HOST;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("skiff " SKIFF_VERSION);
        return 0;
    }

    if (strcmp(argv[1], "lua") == 0) return hosted_cmd_lua(argc, argv);
    if (strcmp(argv[1], "build") == 0) return hosted_cmd_build(argc, argv);
    if (strcmp(argv[1], "dis") == 0) return hosted_cmd_dis(argc, argv);

    bool replay = strcmp(argv[1], "replay") == 0;
    if (!replay && strcmp(argv[1], "serve") != 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown command '%.64s' (replay or serve)", argv[1]);
        fail_usage(msg);
    }

    struct bootargs args;
    bootargs_defaults(&args);
    const char *in_path = NULL, *out_path = NULL, *tap_name = NULL;
    bool stats = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (replay && strcmp(a, "-o") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else if (!replay && strcmp(a, "--tap") == 0 && i + 1 < argc) {
            tap_name = argv[++i];
        } else if (!replay && strncmp(a, "--tap=", 6) == 0) {
            tap_name = a + 6;
        } else if (strcmp(a, "--stats") == 0) {
            stats = true;
        } else if (strncmp(a, "--", 2) == 0) {
            set_bootarg(&args, a + 2);
        } else if (replay && a[0] != '-' && in_path == NULL) {
            in_path = a;
        } else {
            char msg[256];
            snprintf(msg, sizeof msg, "unexpected argument '%.64s'", a);
            fail_usage(msg);
        }
    }
    if (replay && (in_path == NULL || out_path == NULL))
        fail_usage("replay needs a trace and an output: replay IN.pcap -o OUT.pcap");
    if (!replay && tap_name == NULL) fail_usage("serve needs an interface: --tap NAME");
    /* serve ends only by a signal, and that is when its counters are wanted. */
    if (stats || !replay) args.log |= LOG_STATS;

    char err[512];
    int opened =
        replay ? hosted_replay_open(in_path, out_path, (args.log & LOG_NET) != 0, err, sizeof err)
               : hosted_tap_open(tap_name, args.idle == IDLE_POLL, err, sizeof err);
    if (opened != HOSTED_OK) fail(opened == HOSTED_BAD_INPUT ? EXIT_USAGE : EXIT_HOST, err);

    if (pbuf_pool_init((unsigned)args.bufs) != NET_OK) {
        snprintf(err, sizeof err, "cannot allocate %llu packet buffers",
                 (unsigned long long)args.bufs);
        fail(EXIT_HOST, err);
    }

    char what[512];
    if (replay)
        snprintf(what, sizeof what, "replay %s -o %s", in_path, out_path);
    else
        snprintf(what, sizeof what, "serve on tap %s (SIGINT stops)", tap_name);
    print_banner(what, &args);

    int status = loop_run(&args);
    if (args.log & LOG_STATS) hosted_dev_print_stats();
    plat_exit(status);
}
