/*
 * System call numbers and the register convention (see docs/ABI.md).
 *
 * `svc #0` with the number in x7. x0: capability pointer in, badge out.
 * x1: message info. x2-x5: message registers 0-3. The rest of the message
 * lives in the thread's IPC buffer. System calls are negative so that
 * "is this a system call" is one range check; debug calls follow them.
 */
#ifndef LAKE_SYSCALL_H
#define LAKE_SYSCALL_H

#define LAKE_SYS_CALL           (-1)
#define LAKE_SYS_REPLY_RECV     (-2)
#define LAKE_SYS_SEND           (-3)
#define LAKE_SYS_NB_SEND        (-4)
#define LAKE_SYS_RECV           (-5)
#define LAKE_SYS_REPLY          (-6)
#define LAKE_SYS_YIELD          (-7)
#define LAKE_SYS_NB_RECV        (-8)
#define LAKE_SYS_FIRST          LAKE_SYS_NB_RECV

/* Debug calls (kernel console, tests, benchmarks). */
#define LAKE_SYS_DEBUG_PUTCHAR      (-9)    /* x0 = character */
#define LAKE_SYS_DEBUG_DUMP_SCHED   (-10)   /* print every thread and its state */
#define LAKE_SYS_DEBUG_NAME_THREAD  (-11)   /* x0 = TCB cptr; name in the IPC buffer */
#define LAKE_SYS_DEBUG_HALT         (-12)   /* x0 = status: end the system (QEMU exits) */
#define LAKE_SYS_DEBUG_CAP_IDENTIFY (-13)   /* x0 = cptr -> x0 = object type (0 = null) */
#define LAKE_SYS_DEBUG_PUTS         (-14)   /* x0 = length; text in the IPC buffer */
#define LAKE_SYS_DEBUG_FIRST        LAKE_SYS_DEBUG_PUTS

/* Registers that carry message words. */
#define LAKE_MSG_REGISTERS      4

#endif
