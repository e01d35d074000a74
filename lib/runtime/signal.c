/*
 * signal and raise for picolibc (its own pair is replaced as a whole).
 * LakeOS has no signals in the kernel; what a program can catch is Ctrl-C
 * (SIGINT): a program spawned by init that sets a handler (or SIG_IGN)
 * for SIGINT gets a thread that waits on a notification init signals
 * when Ctrl-C is typed while the program is in the foreground job, and
 * that thread calls the handler. Without a handler Ctrl-C ends the
 * program (init does it, status 130). raise() calls the handler of any
 * signal directly; the default action of a raised signal ends the
 * process with status 128 + the signal number.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <lake/env.h>
#include <lake/lake.h>
#include <lake/procinfo.h>
#include <lake/sys.h>

static _sig_func_ptr handlers[NSIG];
static lake_cptr_t interrupt_ntfn;
static struct lake_thread interrupt_thread;

static void interrupt_waiter(void *arg)
{
    (void)arg;
    for (;;) {
        lake_wait(interrupt_ntfn, NULL);
        _sig_func_ptr h = handlers[SIGINT];
        if (h != SIG_IGN && h != SIG_DFL && h != SIG_ERR)
            h(SIGINT);
    }
}

/* Ask init to tell this process about Ctrl-C (a thread waits for it). */
static int catch_interrupts(void)
{
    if (interrupt_ntfn == 0) {
        lake_cptr_t ntfn;
        if (lake_env_alloc_object(LAKE_OBJ_NOTIFICATION, 0, &ntfn) != LAKE_OK)
            return -1;
        interrupt_ntfn = ntfn;
        if (lake_env_thread_create(&interrupt_thread, 16 << 10, LAKE_THREAD_PRIORITY_INHERIT,
                                   interrupt_waiter, NULL) != LAKE_OK)
            return -1;
    }
    struct init_catch_interrupts_in in = { .caps = { interrupt_ntfn } };
    struct init_catch_interrupts_out out;
    return init_catch_interrupts(lake_init_client(), &in, &out) == 0 ? 0 : -1;
}

static int default_interrupts(void)
{
    struct init_default_interrupts_in in;
    struct init_default_interrupts_out out;
    return init_default_interrupts(lake_init_client(), &in, &out) == 0 ? 0 : -1;
}

_sig_func_ptr signal(int sig, _sig_func_ptr handler)
{
    if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP) {
        errno = EINVAL;
        return SIG_ERR;
    }
    if (sig == SIGINT && lake_sys_available()) {
        int error = handler == SIG_DFL ? default_interrupts() : catch_interrupts();
        if (error) {
            errno = ENOMEM;
            return SIG_ERR;
        }
    }
    _sig_func_ptr old = handlers[sig];
    handlers[sig] = handler;
    return old ? old : SIG_DFL;
}

int raise(int sig)
{
    if (sig <= 0 || sig >= NSIG) {
        errno = EINVAL;
        return -1;
    }
    _sig_func_ptr h = handlers[sig];
    if (h == SIG_IGN)
        return 0;
    if (h == SIG_DFL || h == NULL) {
        fflush(stdout);
        _exit(128 + sig);
    }
    h(sig);
    return 0;
}
