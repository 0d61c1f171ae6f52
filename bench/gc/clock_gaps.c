/* The host's own pauses, the reference bench/gc/run.sh prints beside the collector's steps:
 * a loop that does nothing but read the monotonic clock for the given milliseconds, counting
 * the gaps between two reads longer than 50 us (the step goal) and the longest. On a shared or
 * virtual machine such gaps are the host taking the CPU away; any timed step can contain one.
 *
 *   clock_gaps MS     prints "gaps_over_50us N" and "gap_max_ns N" */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv)
{
    uint64_t span = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1000) * 1000000u;
    uint64_t start = now_ns(), prev = start, max = 0, over = 0;
    for (uint64_t t = start; t - start < span; t = now_ns()) {
        if (t - prev > max) max = t - prev;
        if (t - prev > 50000) over++;
        prev = t;
    }
    printf("gaps_over_50us %llu\ngap_max_ns %llu\n", (unsigned long long)over, (unsigned long long)max);
    return 0;
}
