/*
 * free [-b | -k | -m]: the RAM init manages for programs, as total, used
 * (held by processes) and free, in KiB (-k, the default), bytes (-b) or
 * MiB (-m). No swap line, no shared/buff/cache/available columns.
 */
#include <lake/sys.h>

#include "../common/binfmt.h"
#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "free [-b|-k|-m]"

int main(int argc, char **argv)
{
    bin_name = "free";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "bkm", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs > 0) {
        bin_error("extra operand '%s'", argv[1]);
        return bin_usage(USAGE, NULL, 0);
    }
    unsigned shift = o.set['b'] ? 0 : o.set['m'] ? 20 : 10;
    struct lake_meminfo info;
    if (lake_meminfo(&info) < 0) {
        bin_error("cannot read memory information: %s", strerror(errno));
        return 1;
    }
    char text[160];
    if (bin_format_free(text, sizeof(text), info.total, info.used, info.free, shift) >= 0)
        bin_puts(text);
    return bin_finish(0);
}
