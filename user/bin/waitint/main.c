/*
 * waitint: catches Ctrl-C instead of being ended by it. It prints a line,
 * waits until Ctrl-C is typed (SIGINT handler), says so and exits 0 --
 * a program that handles the interrupt itself.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

int main(void)
{
    if (signal(SIGINT, on_interrupt) == SIG_ERR) {
        perror("waitint: signal");
        return 1;
    }
    printf("waitint: press Ctrl-C\n");
    fflush(stdout);
    const struct timespec tick = { 0, 20 * 1000 * 1000 };
    while (!interrupted)
        nanosleep(&tick, NULL);
    printf("waitint: caught Ctrl-C\n");
    return 0;
}
