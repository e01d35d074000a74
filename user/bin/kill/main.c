/*
 * kill [-9 | -KILL | -s SIGNAL] PID...: ends processes. LakeOS has one
 * way to end a process, so a signal given as -N, -NAME or -s NAME is
 * accepted and ignored. No -l and no negative pids (process groups).
 */
#include <lake/sys.h>

#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "kill [-s SIGNAL | -SIGNAL] PID..."

/* Skips a signal option at argv[*i]; returns false if there is none. */
static bool skip_signal(int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    if (arg[0] != '-' || arg[1] == '\0')
        return false;
    if (strcmp(arg, "-s") == 0 || strcmp(arg, "-n") == 0) {
        if (*i + 1 >= argc)
            return false;
        *i += 2;
        return true;
    }
    if (strcmp(arg, "--") == 0) {
        *i += 1;
        return true;
    }
    *i += 1;            /* -9, -KILL, -TERM, ... */
    return true;
}

int main(int argc, char **argv)
{
    bin_name = "kill";
    int i = 1;
    if (i < argc && argv[i][0] == '-' && argv[i][1] != '\0' && !skip_signal(argc, argv, &i)) {
        bin_error("option requires an argument -- '%c'", argv[i][1]);
        return bin_usage(USAGE, NULL, 0);
    }
    if (i >= argc) {
        bin_error("missing operand");
        return bin_usage(USAGE, NULL, 0);
    }
    int status = 0;
    for (; i < argc; i++) {
        long pid;
        if (bin_parse_pid(argv[i], &pid) < 0) {
            bin_error("%s: arguments must be process IDs", argv[i]);
            status = 1;
            continue;
        }
        if (lake_kill((pid_t)pid) < 0) {
            bin_error("(%ld) - %s", pid, strerror(errno));
            status = 1;
        }
    }
    return bin_finish(status);
}
