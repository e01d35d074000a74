/*
 * spawnee: a test program for lake_spawn (RUNTIME_305). It prints its
 * argv and environment and exits with status argc + the total length of
 * its argument strings (mod 256), which exit() reports to its parent.
 */
#include <stdio.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
    char **envp = environ;
    unsigned status = (unsigned)argc;
    for (int i = 0; i < argc; i++) {
        printf("spawnee: argv[%d] = \"%s\"\n", i, argv[i]);
        status += (unsigned)strlen(argv[i]);
    }
    for (int i = 0; envp && envp[i]; i++)
        printf("spawnee: envp[%d] = \"%s\"\n", i, envp[i]);
    status &= 0xff;
    printf("spawnee: exit status %u\n", status);
    return (int)status;
}
