/* What the kernel supplies in place of musl members that would make system calls.
 *
 * Entry points: none of ours; these are musl's internal names, resolved here before the linker
 * looks in libc.a, so that the members defining them (and the futex calls inside) stay out of
 * the image and check-image.sh passes:
 *
 *   __lockfile, __unlockfile (src/stdio/__lockfile.c, futex wait/wake): referenced by
 *     vfprintf's FLOCK, which skips them for snprintf's string FILE (its lock field is -1).
 *   __stdio_exit_needed (src/stdio/__stdio_exit.c, which takes the open-file-list __lock):
 *     referenced from __toread.c, pulled in by strtol/strtod's string reader, only so that a
 *     hosted exit() flushes streams; the kernel has no exit() and no streams.
 *
 * None is ever called; being called means something used a real stream, which the kernel has
 * none of, so each panics.
 */
#include "kernel/platform.h"

struct _IO_FILE;

int __lockfile(struct _IO_FILE *f);
void __unlockfile(struct _IO_FILE *f);
void __stdio_exit_needed(void);

int __lockfile(struct _IO_FILE *f)
{
    (void)f;
    plat_panic("libc: __lockfile on a stream");
}

void __unlockfile(struct _IO_FILE *f)
{
    (void)f;
    plat_panic("libc: __unlockfile on a stream");
}

void __stdio_exit_needed(void)
{
    plat_panic("libc: __stdio_exit_needed");
}
