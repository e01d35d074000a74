/*
 * ps: every process as PID, PPID, STATE (running or zombie), MEM (KiB of
 * RAM it holds) and NAME, in pid order. No options.
 */
#include <lake/sys.h>

#include "../common/binfmt.h"
#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "ps"

int main(int argc, char **argv)
{
    bin_name = "ps";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs > 0) {
        bin_error("extra operand '%s'", argv[1]);
        return bin_usage(USAGE, NULL, 0);
    }
    static struct lake_proc_entry batch[LAKE_INIT_PS_BATCH];
    char line[128];
    pid_t after = 0;
    bool header = false;
    for (;;) {
        int n = lake_ps(after, batch, LAKE_INIT_PS_BATCH);
        if (n < 0) {
            bin_error("cannot list processes: %s", strerror(errno));
            return bin_finish(1);
        }
        if (n > LAKE_INIT_PS_BATCH)
            n = LAKE_INIT_PS_BATCH;
        if (!header) {          /* only once the process manager answers */
            bin_line(BIN_PS_HEADER);
            header = true;
        }
        if (n == 0)
            break;
        pid_t before = after;
        for (int i = 0; i < n; i++) {
            const struct lake_proc_entry *e = &batch[i];
            if (bin_format_ps(line, sizeof(line), e->pid, e->ppid, e->state, e->memory, e->name,
                              sizeof(e->name)) >= 0)
                bin_line(line);
            if (e->pid > after)
                after = (pid_t)e->pid;
        }
        if (after == before)
            break;      /* no progress: do not loop forever */
    }
    return bin_finish(0);
}
