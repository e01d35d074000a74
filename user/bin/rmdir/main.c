/*
 * rmdir DIRECTORY...: removes empty directories. No options.
 */
#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "rmdir DIRECTORY..."

int main(int argc, char **argv)
{
    bin_name = "rmdir";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs == 0) {
        bin_error("missing operand");
        return bin_usage(USAGE, NULL, 0);
    }
    int status = 0;
    for (int i = 1; i <= o.nargs; i++) {
        if (rmdir(argv[i]) < 0) {
            bin_error("failed to remove '%s': %s", argv[i], strerror(errno));
            status = 1;
        }
    }
    return bin_finish(status);
}
