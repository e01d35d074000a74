/*
 * wc [-l] [-w] [-c] [FILE]...: newline, word and byte counts (all three
 * without options, in that order), a line per file and a "total" line for
 * several; no operand or "-" reads stdin. Words are runs of bytes other
 * than space, \t, \n, \v, \f and \r. Every count is padded to the width
 * of the largest number printed, so the output comes after all input is
 * read.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../common/binfmt.h"
#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "wc [-lwc] [FILE]..."

struct input {
    struct bin_wc counts;
    const char *name;       /* NULL: stdin without an operand */
    bool ok;
};

static int count_fd(int fd, struct bin_wc *c)
{
    static char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (int)n;
        bin_wc_count(c, buf, (size_t)n);
    }
}

static bool count_input(struct input *in)
{
    const char *name = in->name ? in->name : "-";
    int fd = 0;
    if (strcmp(name, "-") != 0) {
        fd = open(name, O_RDONLY);
        if (fd < 0) {
            bin_error("%s: %s", name, strerror(errno));
            return false;
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            bin_error("%s: %s", name, strerror(EISDIR));
            close(fd);
            return false;
        }
    }
    int r = count_fd(fd, &in->counts);
    if (r < 0)
        bin_error("%s: %s", name, strerror(errno));
    if (fd != 0)
        close(fd);
    return r == 0;
}

static void print_counts(const struct bin_wc *c, unsigned what, int width, const char *name)
{
    size_t size = (name ? strlen(name) : 0) + 96;
    char *line = malloc(size);
    if (line == NULL) {
        bin_error("%s", strerror(ENOMEM));
        return;
    }
    if (bin_format_wc(line, size, c, what, width, name) >= 0)
        bin_line(line);
    free(line);
}

int main(int argc, char **argv)
{
    bin_name = "wc";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "lwc", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    unsigned what = (o.set['l'] ? BIN_WC_LINES : 0) | (o.set['w'] ? BIN_WC_WORDS : 0) |
                    (o.set['c'] ? BIN_WC_BYTES : 0);
    if (what == 0)
        what = BIN_WC_LINES | BIN_WC_WORDS | BIN_WC_BYTES;

    size_t n = o.nargs > 0 ? (size_t)o.nargs : 1;
    struct input *inputs = calloc(n, sizeof(*inputs));
    if (inputs == NULL) {
        bin_error("%s", strerror(ENOMEM));
        return 1;
    }
    int status = 0;
    struct bin_wc total = { 0 };
    for (size_t i = 0; i < n; i++) {
        inputs[i].name = o.nargs > 0 ? argv[i + 1] : NULL;
        inputs[i].ok = count_input(&inputs[i]);
        if (!inputs[i].ok)
            status = 1;
        total.lines += inputs[i].counts.lines;
        total.words += inputs[i].counts.words;
        total.bytes += inputs[i].counts.bytes;
    }
    int width = bin_wc_width(&total, what);
    for (size_t i = 0; i < n; i++)
        if (inputs[i].ok)
            print_counts(&inputs[i].counts, what, width, inputs[i].name);
    if (n > 1)
        print_counts(&total, what, width, "total");
    free(inputs);
    return bin_finish(status);
}
