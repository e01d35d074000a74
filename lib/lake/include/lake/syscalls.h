/*
 * System call stubs: the user side of docs/ABI.md section 1.
 *
 * Register convention of `svc #0`: x7 = system call number, x0 = cptr in /
 * badge out, x1 = message info, x2-x5 = message words 0-3. The kernel
 * returns results in x0-x5 (the asm outputs) and may leave x10-x18, v0-v7
 * and v16-v31 with other values (LAKE_SYSCALL_CLOBBERS); it reads and
 * writes the IPC buffer ("memory").
 *
 * Message words follow libsel4's model. Words 4 and up live in the IPC
 * buffer's msg[]; msg[0-3] are not used by the kernel, so the binding uses
 * them as the staging area for the words that travel in registers:
 * lake_set_mr(i, v) / lake_get_mr(i) always go through
 * lake_ipc_buffer->msg[i], and the plain stubs (lake_call, lake_send,
 * lake_recv, ...) load msg[0-3] into x2-x5 before the trap and store x2-x5
 * back after it. After any receive, lake_ipc_buffer->msg[0..length-1] is
 * therefore the whole message. The *_with_mrs variants take the four
 * register words as pointers (NULL: not sent / not wanted) and leave the
 * staging area alone, for code that wants to stay in registers.
 */
#ifndef LAKE_SYSCALLS_H
#define LAKE_SYSCALLS_H

#include <lake/abi_types.h>
#include <lake/ipc_buffer.h>
#include <lake/message.h>
#include <lake/syscall.h>

/* The calling thread's IPC buffer (thread-local; the runtime sets it at
 * start-up and for every thread it creates). */
extern __thread struct lake_ipc_buffer *lake_ipc_buffer;

/* ---- message words --------------------------------------------------- */

static inline void lake_set_mr(unsigned i, lake_word_t value)
{
    lake_ipc_buffer->msg[i] = value;
}

static inline lake_word_t lake_get_mr(unsigned i)
{
    return lake_ipc_buffer->msg[i];
}

/* Extra capability i of the next message (a cptr), or, after a receive,
 * the badge of unwrapped cap i. */
static inline void lake_set_cap(unsigned i, lake_cptr_t cptr)
{
    lake_ipc_buffer->caps_or_badges[i] = cptr;
}

static inline lake_word_t lake_get_badge(unsigned i)
{
    return lake_ipc_buffer->caps_or_badges[i];
}

/* Where capabilities received by the next Recv go. */
static inline void lake_set_receive_path(lake_cptr_t cnode, lake_cptr_t index, lake_word_t depth)
{
    lake_ipc_buffer->receive_cnode = cnode;
    lake_ipc_buffer->receive_index = index;
    lake_ipc_buffer->receive_depth = depth;
}

/* ---- the trap -------------------------------------------------------- */

/* What a system call may change besides x0-x5 (docs/ABI.md): x10-x18,
 * v0-v7 and v16-v31 come back with values of the thread's own but not
 * necessarily those it had; v8-v15, FPCR and FPSR are kept. The compiler
 * treats those v registers as call-clobbered already (AAPCS64), so this
 * matters only for inline system calls. */
#define LAKE_SYSCALL_CLOBBERS                                                          \
    "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "v0", "v1", "v2",   \
        "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19", "v20", "v21", "v22", \
        "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31", "memory"

/* One system call with every register of the convention. */
static inline void lake_syscall6(long number, lake_word_t *x0, lake_word_t *x1, lake_word_t *x2,
                                 lake_word_t *x3, lake_word_t *x4, lake_word_t *x5)
{
    register lake_word_t r0 __asm__("x0") = *x0;
    register lake_word_t r1 __asm__("x1") = *x1;
    register lake_word_t r2 __asm__("x2") = *x2;
    register lake_word_t r3 __asm__("x3") = *x3;
    register lake_word_t r4 __asm__("x4") = *x4;
    register lake_word_t r5 __asm__("x5") = *x5;
    register long r7 __asm__("x7") = number;
    __asm__ volatile("svc #0"
                     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5)
                     : "r"(r7)
                     : LAKE_SYSCALL_CLOBBERS);
    *x0 = r0;
    *x1 = r1;
    *x2 = r2;
    *x3 = r3;
    *x4 = r4;
    *x5 = r5;
}

/* A system call that sends and/or receives a message with the four
 * register words given as pointers (NULL = zero in / ignored out). */
static inline lake_msginfo_t lake_syscall_mrs(long number, lake_word_t *x0, lake_msginfo_t info,
                                              lake_word_t *mr0, lake_word_t *mr1,
                                              lake_word_t *mr2, lake_word_t *mr3)
{
    lake_word_t r1 = info;
    lake_word_t m0 = mr0 ? *mr0 : 0, m1 = mr1 ? *mr1 : 0;
    lake_word_t m2 = mr2 ? *mr2 : 0, m3 = mr3 ? *mr3 : 0;
    lake_syscall6(number, x0, &r1, &m0, &m1, &m2, &m3);
    if (mr0) *mr0 = m0;
    if (mr1) *mr1 = m1;
    if (mr2) *mr2 = m2;
    if (mr3) *mr3 = m3;
    return r1;
}

/* A system call whose register words come from and go back to the
 * staging area msg[0-3]. */
static inline lake_msginfo_t lake_syscall_staged(long number, lake_word_t *x0, lake_msginfo_t info)
{
    lake_word_t *msg = lake_ipc_buffer->msg;
    lake_word_t r1 = info;
    lake_syscall6(number, x0, &r1, &msg[0], &msg[1], &msg[2], &msg[3]);
    return r1;
}

/* ---- IPC with staged message words ----------------------------------- */

/* Send `info` to `cptr` and wait for the reply; returns the reply's info. */
static inline lake_msginfo_t lake_call(lake_cptr_t cptr, lake_msginfo_t info)
{
    lake_word_t x0 = cptr;
    return lake_syscall_staged(LAKE_SYS_CALL, &x0, info);
}

static inline void lake_send(lake_cptr_t cptr, lake_msginfo_t info)
{
    lake_word_t x0 = cptr;
    lake_syscall_staged(LAKE_SYS_SEND, &x0, info);
}

static inline void lake_nb_send(lake_cptr_t cptr, lake_msginfo_t info)
{
    lake_word_t x0 = cptr;
    lake_syscall_staged(LAKE_SYS_NB_SEND, &x0, info);
}

/* Wait for a message on `cptr`; the sender's badge goes to *badge (if not
 * NULL); returns the message info. */
static inline lake_msginfo_t lake_recv(lake_cptr_t cptr, lake_word_t *badge)
{
    lake_word_t x0 = cptr;
    lake_msginfo_t info = lake_syscall_staged(LAKE_SYS_RECV, &x0, 0);
    if (badge)
        *badge = x0;
    return info;
}

static inline lake_msginfo_t lake_nb_recv(lake_cptr_t cptr, lake_word_t *badge)
{
    lake_word_t x0 = cptr;
    lake_msginfo_t info = lake_syscall_staged(LAKE_SYS_NB_RECV, &x0, 0);
    if (badge)
        *badge = x0;
    return info;
}

/* Answer the caller saved in the reply slot. */
static inline void lake_reply(lake_msginfo_t info)
{
    lake_word_t x0 = 0;
    lake_syscall_staged(LAKE_SYS_REPLY, &x0, info);
}

/* Reply to the current caller, then wait on `cptr`. */
static inline lake_msginfo_t lake_reply_recv(lake_cptr_t cptr, lake_msginfo_t info, lake_word_t *badge)
{
    lake_word_t x0 = cptr;
    lake_msginfo_t got = lake_syscall_staged(LAKE_SYS_REPLY_RECV, &x0, info);
    if (badge)
        *badge = x0;
    return got;
}

/* ---- IPC with explicit register words -------------------------------- */

static inline lake_msginfo_t lake_call_with_mrs(lake_cptr_t cptr, lake_msginfo_t info,
                                                lake_word_t *mr0, lake_word_t *mr1,
                                                lake_word_t *mr2, lake_word_t *mr3)
{
    lake_word_t x0 = cptr;
    return lake_syscall_mrs(LAKE_SYS_CALL, &x0, info, mr0, mr1, mr2, mr3);
}

static inline void lake_send_with_mrs(lake_cptr_t cptr, lake_msginfo_t info, lake_word_t mr0,
                                      lake_word_t mr1, lake_word_t mr2, lake_word_t mr3)
{
    lake_word_t x0 = cptr;
    lake_syscall_mrs(LAKE_SYS_SEND, &x0, info, &mr0, &mr1, &mr2, &mr3);
}

static inline lake_msginfo_t lake_recv_with_mrs(lake_cptr_t cptr, lake_word_t *badge,
                                                lake_word_t *mr0, lake_word_t *mr1,
                                                lake_word_t *mr2, lake_word_t *mr3)
{
    lake_word_t x0 = cptr;
    lake_msginfo_t info = lake_syscall_mrs(LAKE_SYS_RECV, &x0, 0, mr0, mr1, mr2, mr3);
    if (badge)
        *badge = x0;
    return info;
}

static inline void lake_yield(void)
{
    lake_word_t x0 = 0;
    lake_syscall_mrs(LAKE_SYS_YIELD, &x0, 0, NULL, NULL, NULL, NULL);
}

/* ---- notifications --------------------------------------------------- */

/* Signal: OR the cap's badge into the notification word. */
static inline void lake_signal(lake_cptr_t ntfn)
{
    lake_word_t x0 = ntfn;
    lake_syscall_mrs(LAKE_SYS_SEND, &x0, 0, NULL, NULL, NULL, NULL);
}

/* Wait until the word is non-zero; returns (and clears) it. */
static inline lake_word_t lake_wait(lake_cptr_t ntfn, lake_word_t *badge)
{
    lake_word_t x0 = ntfn;
    lake_syscall_mrs(LAKE_SYS_RECV, &x0, 0, NULL, NULL, NULL, NULL);
    if (badge)
        *badge = x0;
    return x0;
}

/* Poll: returns the word (0 if nothing was signalled) and clears it. */
static inline lake_word_t lake_poll(lake_cptr_t ntfn, lake_word_t *badge)
{
    lake_word_t x0 = ntfn;
    lake_syscall_mrs(LAKE_SYS_NB_RECV, &x0, 0, NULL, NULL, NULL, NULL);
    if (badge)
        *badge = x0;
    return x0;
}

/* ---- debug calls ----------------------------------------------------- */

static inline void lake_debug_putchar(char c)
{
    lake_word_t x0 = (unsigned char)c;
    lake_syscall_mrs(LAKE_SYS_DEBUG_PUTCHAR, &x0, 0, NULL, NULL, NULL, NULL);
}

static inline void lake_debug_dump_scheduler(void)
{
    lake_word_t x0 = 0;
    lake_syscall_mrs(LAKE_SYS_DEBUG_DUMP_SCHED, &x0, 0, NULL, NULL, NULL, NULL);
}

static inline void __attribute__((noreturn)) lake_debug_halt(int status)
{
    lake_word_t x0 = (lake_word_t)(unsigned)status;
    lake_syscall_mrs(LAKE_SYS_DEBUG_HALT, &x0, 0, NULL, NULL, NULL, NULL);
    for (;;)
        ;
}

/* Object type (LAKE_OBJ_*) of the capability at cptr; 0 if empty. */
static inline unsigned lake_debug_cap_identify(lake_cptr_t cptr)
{
    lake_word_t x0 = cptr;
    lake_syscall_mrs(LAKE_SYS_DEBUG_CAP_IDENTIFY, &x0, 0, NULL, NULL, NULL, NULL);
    return (unsigned)x0;
}

#define LAKE_DEBUG_PUTS_MAX     (LAKE_MSG_MAX_LENGTH * sizeof(lake_word_t))  /* 960 */
#define LAKE_THREAD_NAME_MAX    15

/* Print len bytes of s on the kernel console (in chunks of 960 bytes,
 * through the IPC buffer's msg[]). */
static inline void lake_debug_puts(const char *s, size_t len)
{
    char *buf = (char *)lake_ipc_buffer->msg;
    while (len > 0) {
        size_t n = len < LAKE_DEBUG_PUTS_MAX ? len : LAKE_DEBUG_PUTS_MAX;
        for (size_t i = 0; i < n; i++)
            buf[i] = s[i];
        lake_word_t x0 = n;
        lake_syscall_mrs(LAKE_SYS_DEBUG_PUTS, &x0, 0, NULL, NULL, NULL, NULL);
        s += n;
        len -= n;
    }
}

/* Name a thread in kernel messages (at most 15 characters are kept). */
static inline void lake_debug_name_thread(lake_cptr_t tcb, const char *name)
{
    char *buf = (char *)lake_ipc_buffer->msg;
    size_t i = 0;
    for (; i < LAKE_THREAD_NAME_MAX && name[i]; i++)
        buf[i] = name[i];
    buf[i] = '\0';
    lake_word_t x0 = tcb;
    lake_syscall_mrs(LAKE_SYS_DEBUG_NAME_THREAD, &x0, 0, NULL, NULL, NULL, NULL);
}

#endif
