/*
 * Invocation labels: a Call on a kernel object's capability with one of
 * these labels in the message info asks the object to do something. One
 * table, used for the enum, the kernel's debug names and docs/ABI.md.
 *
 * X(name, object, value)
 */
#ifndef LAKE_INVOCATION_H
#define LAKE_INVOCATION_H

#define LAKE_INVOCATIONS(X)                              \
    X(UNTYPED_RETYPE, Untyped, 1)                        \
    X(CNODE_COPY, CNode, 10)                             \
    X(CNODE_MINT, CNode, 11)                             \
    X(CNODE_MOVE, CNode, 12)                             \
    X(CNODE_MUTATE, CNode, 13)                           \
    X(CNODE_ROTATE, CNode, 14)                           \
    X(CNODE_DELETE, CNode, 15)                           \
    X(CNODE_REVOKE, CNode, 16)                           \
    X(CNODE_SAVE_CALLER, CNode, 17)                      \
    X(CNODE_COPY_RANGE, CNode, 18)                       \
    X(CNODE_MOVE_RANGE, CNode, 19)                       \
    X(TCB_CONFIGURE, TCB, 20)                            \
    X(TCB_SET_PRIORITY, TCB, 21)                         \
    X(TCB_SET_MC_PRIORITY, TCB, 22)                      \
    X(TCB_RESUME, TCB, 23)                               \
    X(TCB_SUSPEND, TCB, 24)                              \
    X(TCB_READ_REGISTERS, TCB, 25)                       \
    X(TCB_WRITE_REGISTERS, TCB, 26)                      \
    X(TCB_COPY_REGISTERS, TCB, 27)                       \
    X(TCB_BIND_NOTIFICATION, TCB, 28)                    \
    X(TCB_UNBIND_NOTIFICATION, TCB, 29)                  \
    X(TCB_SET_TLS_BASE, TCB, 30)                         \
    X(TCB_SET_AFFINITY, TCB, 31)                         \
    X(TCB_SET_FAULT_HANDLER, TCB, 32)                    \
    X(FRAME_MAP, Frame, 40)                              \
    X(FRAME_UNMAP, Frame, 41)                            \
    X(FRAME_GET_ADDRESS, Frame, 42)                      \
    X(FRAME_CLEAN, Frame, 43)                            \
    X(FRAME_INVALIDATE, Frame, 44)                       \
    X(FRAME_CLEAN_INVALIDATE, Frame, 45)                 \
    X(FRAME_UNIFY_INSTRUCTION, Frame, 46)                \
    X(PAGE_TABLE_MAP, PageTable, 50)                     \
    X(PAGE_TABLE_UNMAP, PageTable, 51)                   \
    X(VSPACE_MAP_FRAMES, VSpace, 55)                     \
    X(ASID_CONTROL_MAKE_POOL, ASIDControl, 60)           \
    X(ASID_POOL_ASSIGN, ASIDPool, 61)                    \
    X(IRQ_CONTROL_GET, IRQControl, 70)                   \
    X(IRQ_HANDLER_ACK, IRQHandler, 71)                   \
    X(IRQ_HANDLER_SET_NOTIFICATION, IRQHandler, 72)      \
    X(IRQ_HANDLER_CLEAR, IRQHandler, 73)

enum lake_invocation_label {
    LAKE_INVOCATION_NONE = 0,
#define LAKE_X_LABEL(name, object, value) LAKE_##name = value,
    LAKE_INVOCATIONS(LAKE_X_LABEL)
#undef LAKE_X_LABEL
};

/* TCB register file order for Read/Write/CopyRegisters. */
enum lake_tcb_register {
    LAKE_REG_PC = 0,
    LAKE_REG_SP = 1,
    LAKE_REG_SPSR = 2,
    LAKE_REG_X0 = 3,        /* x0..x30 follow: LAKE_REG_X0 + n */
    LAKE_REG_TPIDR = 34,    /* TLS base (TPIDR_EL0) */
    LAKE_NUM_REGS = 35
};

#endif
