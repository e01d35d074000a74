/*
 * Fault messages: when a thread faults, the kernel sends a message on its
 * fault endpoint as if the thread had made a Call, so the handler's reply
 * resumes it. The message label is the fault kind; the words follow.
 */
#ifndef LAKE_FAULT_H
#define LAKE_FAULT_H

enum lake_fault_kind {
    LAKE_FAULT_NONE = 0,
    LAKE_FAULT_CAP = 1,             /* words: cptr, in receive phase, lookup failure (3) */
    LAKE_FAULT_UNKNOWN_SYSCALL = 2, /* words: pc, sp, spsr, syscall number, x0..x5 */
    LAKE_FAULT_USER_EXCEPTION = 3,  /* words: pc, sp, spsr, esr */
    LAKE_FAULT_VM = 4,              /* words: pc, address, fault status (ESR), instruction fault? */
};

/* Word positions in a VM fault message. */
#define LAKE_VM_FAULT_PC        0
#define LAKE_VM_FAULT_ADDR      1
#define LAKE_VM_FAULT_FSR       2
#define LAKE_VM_FAULT_IS_PREFETCH 3
#define LAKE_VM_FAULT_LENGTH    4

/* User exception message. */
#define LAKE_USER_EXC_PC        0
#define LAKE_USER_EXC_SP        1
#define LAKE_USER_EXC_SPSR      2
#define LAKE_USER_EXC_ESR       3
#define LAKE_USER_EXC_LENGTH    4

/* Unknown system call message. */
#define LAKE_UNKNOWN_SYSCALL_PC     0
#define LAKE_UNKNOWN_SYSCALL_SP     1
#define LAKE_UNKNOWN_SYSCALL_SPSR   2
#define LAKE_UNKNOWN_SYSCALL_NUMBER 3
#define LAKE_UNKNOWN_SYSCALL_X0     4   /* x0..x5 in words 4..9 */
#define LAKE_UNKNOWN_SYSCALL_LENGTH 10

/* Capability fault message. */
#define LAKE_CAP_FAULT_ADDR         0
#define LAKE_CAP_FAULT_IN_RECV      1
#define LAKE_CAP_FAULT_LOOKUP_TYPE  2
#define LAKE_CAP_FAULT_BITS_LEFT    3
#define LAKE_CAP_FAULT_LENGTH       4

/*
 * Replying to a fault: a reply with label 0 resumes the thread. For user
 * exceptions and unknown system calls, a reply of length >= 1 sets the pc
 * from word 0 (and sp from word 1 when length >= 2) before resuming. A VM
 * fault resumes by re-executing the faulting instruction. A reply with a
 * non-zero label leaves the thread suspended.
 */

#endif
