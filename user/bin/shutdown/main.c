/*
 * shutdown [now]: powers the machine off (QEMU exits with status 0). No
 * delays, messages or reboot (-r).
 */
#include <lake/sys.h>

#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "shutdown [now]"

int main(int argc, char **argv)
{
    bin_name = "shutdown";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "hP", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs > 1 || (o.nargs == 1 && strcmp(argv[1], "now") != 0)) {
        bin_error("unsupported operand '%s'", argv[1]);
        return bin_usage(USAGE, NULL, 0);
    }
    lake_shutdown(0);
    bin_error("cannot power off: %s", strerror(errno));
    return 1;
}
