/* lang/: the compiler, Lua 5.4 source to .skb bytecode (docs/bytecode.md), run on the host by
 * `skiff build`. The language is Lua 5.4's whole grammar; the instructions are the ones luac5.4
 * generates, one for one, and error messages are worded as lua5.4 words them.
 *
 * Order of calls: fill an array of struct lang_module, call lang_compile(), use out->bytes or
 * out->errors, then lang_output_free().
 *
 * Error convention: lang_compile() returns enum lang_outcome. A syntax error stops the compile
 * of its module (Lua's grammar has no recovery point), but every module is compiled, so one
 * call reports the first error of each module. On any error no bytes are produced.
 *
 * Not supported: compiling at run time (the VM's load() takes bytecode only); see
 * lang/README.md.
 */
#ifndef SKIFF_LANG_H
#define SKIFF_LANG_H

#include <stddef.h>
#include <stdint.h>

enum lang_outcome {
    LANG_OK = 0,
    LANG_ERROR = -1, /* some module has an error; out->errors says which */
    LANG_NOMEM = -2, /* the host ran out of memory */
    LANG_LIMIT = -3, /* too many modules, or a module name too long (docs/bytecode.md) */
};

/* One source file. Everything is borrowed for the duration of lang_compile(). */
struct lang_module {
    const char *name; /* module name, as require() will ask for it ("lib.util") */
    const char *path; /* file name used in messages ("lib/util.lua") */
    const char *text; /* the source; need not be NUL-terminated; may contain NULs */
    size_t len;
};

/* What lang_compile() produced. Owns both buffers; lang_output_free() releases them. */
struct lang_output {
    uint8_t *bytes; /* the .skb file, or NULL after an error */
    size_t len;
    char *errors; /* NUL-terminated, one "path:line: message\n" per error; NULL when none */
    int nerrors;
};

/* Compiles 'n' modules (1 ..= SKB_MAX_MODULES) into one bundle; module 0 is the entry point.
 * A first line starting with '#' is skipped, as lua5.4 does for scripts. 'out' is always set. */
int lang_compile(const struct lang_module *mods, int n, struct lang_output *out);

void lang_output_free(struct lang_output *out);

/* The module name for a file path: the ".lua" suffix dropped, '/' turned into '.', a leading
 * "./" removed ("lib/util.lua" -> "lib.util"). Returns the name's length, or -1 when it does
 * not fit 'cap' bytes (with its NUL) or is empty. */
int lang_module_name(const char *path, char *buf, size_t cap);

#endif
