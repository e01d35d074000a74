/*
 * uptime: how long the system has been running, "up H:MM:SS" (with
 * "N days, " in front after a day). No load averages or user counts.
 * uptime -b: the time from reset to the shell's first prompt, in ns of the
 * system counter (under QEMU's -icount shift=0 that is also the number of
 * instructions executed).
 */
#include <stdio.h>

#include <lake/sys.h>

#include "../common/binfmt.h"
#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "uptime [-b]"

int main(int argc, char **argv)
{
    bin_name = "uptime";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "b", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs > 0) {
        bin_error("extra operand '%s'", argv[1]);
        return bin_usage(USAGE, NULL, 0);
    }
    if (o.set['b']) {
        uint64_t prompt = lake_boot_to_prompt_ns();
        if (prompt == 0) {
            bin_error("no prompt time known");
            return 1;
        }
        char text[64];
        snprintf(text, sizeof(text), "boot to prompt: %llu ns", (unsigned long long)prompt);
        bin_line(text);
        return bin_finish(0);
    }
    errno = 0;
    uint64_t ns = lake_uptime_ns();
    if (ns == 0 && errno != 0) {
        bin_error("cannot read the uptime: %s", strerror(errno));
        return 1;
    }
    char text[64];
    if (bin_format_uptime(ns, text, sizeof(text)) >= 0)
        bin_line(text);
    return bin_finish(0);
}
