/*
 * echo [-n] [STRING]...: the strings separated by spaces, then a newline
 * unless -n. Leading arguments made only of "-n" (such as -nn) are the
 * option; anything else is printed as it is. No escapes (-e) are
 * interpreted.
 */
#include <stdbool.h>
#include <string.h>

#include "../common/binio.h"

static bool is_n_option(const char *arg)
{
    if (arg[0] != '-' || arg[1] != 'n')
        return false;
    for (const char *p = arg + 1; *p != '\0'; p++)
        if (*p != 'n')
            return false;
    return true;
}

int main(int argc, char **argv)
{
    bin_name = "echo";
    bool newline = true;
    int i = 1;
    for (; i < argc && is_n_option(argv[i]); i++)
        newline = false;
    for (int first = i; i < argc; i++) {
        if (i > first)
            bin_out(" ", 1);
        bin_puts(argv[i]);
    }
    if (newline)
        bin_out("\n", 1);
    return bin_finish(0);
}
