/*
 * sleep NUMBER[SUFFIX]...: waits for the sum of the intervals. A number
 * may have a fraction (0.5, .25); the suffix is s (seconds, the default),
 * m (minutes), h (hours) or d (days).
 */
#include <time.h>

#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "sleep NUMBER[smhd]..."

static int sleep_ns(uint64_t ns)
{
    struct timespec req = { .tv_sec = (time_t)(ns / 1000000000u),
                            .tv_nsec = (long)(ns % 1000000000u) };
    struct timespec rem;
    while (nanosleep(&req, &rem) < 0) {
        if (errno != EINTR) {
            bin_error("cannot sleep: %s", strerror(errno));
            return 1;
        }
        req = rem;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bin_name = "sleep";
    /* No options: "-1" is an (invalid) interval, not an option. */
    int first = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
    if (first >= argc) {
        bin_error("missing operand");
        return bin_usage(USAGE, NULL, 0);
    }
    uint64_t total = 0;
    for (int i = first; i < argc; i++) {
        uint64_t ns;
        if (bin_parse_duration(argv[i], &ns) < 0) {
            bin_error("invalid time interval '%s'", argv[i]);
            return bin_usage(USAGE, NULL, 0);
        }
        total = bin_sat_add(total, ns);
    }
    return sleep_ns(total);
}
