/*
 * TCB: Configure, Resume, Suspend, Read/Write/CopyRegisters, priorities
 * and MCP, TLS base, affinity, notification binding, fault handler.
 */
#include <string.h>

#include "test.h"

static void set_flag(struct test_thread *t)
{
    t->result[0] = 0x600d;
}

TEST(TCB_001, "a configured thread runs when resumed")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, env->priority, 0);
    test_eq(t.result[0], 0);
    test_thread_start(&t);
    test_thread_join(&t);
    test_eq(t.result[0], 0x600d);
}

TEST(TCB_002, "WriteRegisters then ReadRegisters gives the values back")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, env->priority, 0);
    lake_word_t regs[LAKE_NUM_REGS], back[LAKE_NUM_REGS];
    test_thread_initial_registers(&t, regs);
    for (unsigned i = 0; i < 31; i++)
        regs[LAKE_REG_X0 + i] = 0x1000 + i;
    test_ok(lake_tcb_write_registers(t.tcb, false, LAKE_NUM_REGS, regs));
    memset(back, 0, sizeof(back));
    test_ok(lake_tcb_read_registers(t.tcb, false, LAKE_NUM_REGS, back));
    test_eq(back[LAKE_REG_PC], regs[LAKE_REG_PC]);
    test_eq(back[LAKE_REG_SP], regs[LAKE_REG_SP]);
    for (unsigned i = 0; i < 31; i++)
        test_eq(back[LAKE_REG_X0 + i], 0x1000 + i);
    test_eq(back[LAKE_REG_TPIDR], regs[LAKE_REG_TPIDR]);
}

TEST(TCB_003, "ReadRegisters with a count reads just that many")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, env->priority, 0);
    lake_word_t regs[LAKE_NUM_REGS], back[LAKE_NUM_REGS];
    test_thread_initial_registers(&t, regs);
    test_ok(lake_tcb_write_registers(t.tcb, false, LAKE_NUM_REGS, regs));
    test_ok(lake_tcb_read_registers(t.tcb, false, 2, back));
    test_eq(back[LAKE_REG_PC], regs[LAKE_REG_PC]);
    test_eq(back[LAKE_REG_SP], regs[LAKE_REG_SP]);
}

TEST(TCB_004, "only the NZCV flags of SPSR can be written")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, env->priority, 0);
    lake_word_t regs[LAKE_NUM_REGS], back[LAKE_NUM_REGS];
    test_thread_initial_registers(&t, regs);
    regs[LAKE_REG_SPSR] = 0xffffffffffffffffull;
    test_ok(lake_tcb_write_registers(t.tcb, false, LAKE_NUM_REGS, regs));
    test_ok(lake_tcb_read_registers(t.tcb, false, 3, back));
    test_eq(back[LAKE_REG_SPSR], 0xf0000000ull);
    /* And it still runs in EL0. */
    test_ok(lake_tcb_resume(t.tcb));
    test_thread_join(&t);
    test_eq(t.result[0], 0x600d);
}

static void count_forever(struct test_thread *t)
{
    for (;;) {
        t->result[0]++;
        lake_yield();
    }
}

TEST(TCB_005, "Suspend stops a running thread, Resume continues it")
{
    struct test_thread t;
    test_thread_init(env, &t, count_forever, env->priority, 0);
    test_thread_start(&t);
    test_yield_many(5);
    test_assert(t.result[0] > 0);
    test_ok(lake_tcb_suspend(t.tcb));
    lake_word_t stopped = t.result[0];
    test_yield_many(5);
    test_eq(t.result[0], stopped);
    test_ok(lake_tcb_resume(t.tcb));
    test_yield_many(5);
    test_assert(t.result[0] > stopped);
    test_ok(lake_tcb_suspend(t.tcb));
}

TEST(TCB_006, "ReadRegisters can suspend the source first")
{
    struct test_thread t;
    test_thread_init(env, &t, count_forever, env->priority, 0);
    test_thread_start(&t);
    test_yield_many(3);
    lake_word_t regs[LAKE_NUM_REGS];
    test_ok(lake_tcb_read_registers(t.tcb, true, LAKE_NUM_REGS, regs));
    lake_word_t stopped = t.result[0];
    test_yield_many(5);
    test_eq(t.result[0], stopped);
    test_eq(regs[LAKE_REG_TPIDR], t.tls_base);
}

static void other_entry(struct test_thread *t)
{
    t->result[1] = 0xbeef;
}

TEST(TCB_007, "WriteRegisters moves a suspended thread to a new pc")
{
    struct test_thread t;
    test_thread_init(env, &t, count_forever, env->priority, 0);
    test_thread_start(&t);
    test_yield_many(2);
    test_ok(lake_tcb_suspend(t.tcb));
    t.fn = other_entry;     /* thread_entry calls t->fn: restart it from the top */
    lake_word_t regs[LAKE_NUM_REGS];
    test_thread_initial_registers(&t, regs);
    test_ok(lake_tcb_write_registers(t.tcb, true, LAKE_NUM_REGS, regs));
    test_thread_join(&t);
    test_eq(t.result[1], 0xbeef);
}

TEST(TCB_008, "CopyRegisters copies frame and integer registers")
{
    struct test_thread a, b;
    test_thread_init(env, &a, set_flag, env->priority, 0);
    test_thread_init(env, &b, set_flag, env->priority, 0);
    lake_word_t regs[LAKE_NUM_REGS], back[LAKE_NUM_REGS];
    test_thread_initial_registers(&a, regs);
    regs[LAKE_REG_X0 + 5] = 0x5555;
    regs[LAKE_REG_X0 + 30] = 0x3030;
    test_ok(lake_tcb_write_registers(a.tcb, false, LAKE_NUM_REGS, regs));
    test_ok(lake_tcb_copy_registers(b.tcb, a.tcb,
                                    LAKE_COPY_REGS_FRAME | LAKE_COPY_REGS_INTEGER));
    test_ok(lake_tcb_read_registers(b.tcb, false, LAKE_NUM_REGS, back));
    test_eq(back[LAKE_REG_PC], regs[LAKE_REG_PC]);
    test_eq(back[LAKE_REG_SP], regs[LAKE_REG_SP]);
    test_eq(back[LAKE_REG_X0 + 5], 0x5555);
    test_eq(back[LAKE_REG_X0 + 30], 0x3030);
    test_eq(back[LAKE_REG_TPIDR], regs[LAKE_REG_TPIDR]);
}

TEST(TCB_009, "CopyRegisters with only the frame flag leaves x0-x30 alone")
{
    struct test_thread a, b;
    test_thread_init(env, &a, set_flag, env->priority, 0);
    test_thread_init(env, &b, set_flag, env->priority, 0);
    lake_word_t regs[LAKE_NUM_REGS], back[LAKE_NUM_REGS];
    test_thread_initial_registers(&a, regs);
    regs[LAKE_REG_X0 + 1] = 0x1111;
    test_ok(lake_tcb_write_registers(a.tcb, false, LAKE_NUM_REGS, regs));
    test_thread_initial_registers(&b, regs);
    regs[LAKE_REG_PC] = 0x4444;
    regs[LAKE_REG_X0 + 1] = 0x2222;
    test_ok(lake_tcb_write_registers(b.tcb, false, LAKE_NUM_REGS, regs));
    test_ok(lake_tcb_copy_registers(b.tcb, a.tcb, LAKE_COPY_REGS_FRAME));
    test_ok(lake_tcb_read_registers(b.tcb, false, LAKE_NUM_REGS, back));
    test_eq(back[LAKE_REG_X0 + 1], 0x2222);
    test_assert(back[LAKE_REG_PC] != 0x4444);
}

TEST(TCB_010, "SetTLSBase sets the TPIDR_EL0 register")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, env->priority, 0);
    test_ok(lake_tcb_set_tls_base(t.tcb, 0x12345678));
    lake_word_t regs[LAKE_NUM_REGS];
    test_ok(lake_tcb_read_registers(t.tcb, false, LAKE_NUM_REGS, regs));
    test_eq(regs[LAKE_REG_TPIDR], 0x12345678);
}

TEST(TCB_011, "SetPriority above the authority's MCP is a range error")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, 10, 0);
    test_error(lake_tcb_set_priority(t.tcb, env->tcb, env->mcp + 1), LAKE_RANGE_ERROR);
    test_eq(lake_error_detail(1), env->mcp);
    test_ok(lake_tcb_set_priority(t.tcb, env->tcb, env->mcp));
}

TEST(TCB_012, "SetMCPriority above the authority's MCP is a range error")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, 10, 0);
    test_error(lake_tcb_set_mc_priority(t.tcb, env->tcb, env->mcp + 1), LAKE_RANGE_ERROR);
    test_ok(lake_tcb_set_mc_priority(t.tcb, env->tcb, 20));
}

TEST(TCB_013, "a thread's MCP bounds what it authorises")
{
    struct test_thread auth, t;
    test_thread_init(env, &auth, set_flag, 10, 0);
    test_thread_init(env, &t, set_flag, 10, 0);
    test_ok(lake_tcb_set_mc_priority(auth.tcb, env->tcb, 30));
    test_error(lake_tcb_set_priority(t.tcb, auth.tcb, 31), LAKE_RANGE_ERROR);
    test_ok(lake_tcb_set_priority(t.tcb, auth.tcb, 30));
    test_error(lake_tcb_set_mc_priority(t.tcb, auth.tcb, 31), LAKE_RANGE_ERROR);
}

TEST(TCB_014, "SetAffinity accepts core 0 only")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, 10, 0);
    test_ok(lake_tcb_set_affinity(t.tcb, 0));
    test_error(lake_tcb_set_affinity(t.tcb, 1), LAKE_RANGE_ERROR);
    test_error(lake_tcb_set_affinity(t.tcb, 1000), LAKE_RANGE_ERROR);
}

TEST(TCB_015, "ReadRegisters of more than 35 registers is a range error")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, 10, 0);
    lake_word_t regs[LAKE_NUM_REGS + 1];
    test_error(lake_tcb_read_registers(t.tcb, false, LAKE_NUM_REGS + 1, regs), LAKE_RANGE_ERROR);
}

TEST(TCB_016, "binding a notification twice is an illegal operation")
{
    struct test_thread a, b;
    test_thread_init(env, &a, set_flag, 10, 0);
    test_thread_init(env, &b, set_flag, 10, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t other = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_ok(lake_tcb_bind_notification(a.tcb, ntfn));
    test_error(lake_tcb_bind_notification(b.tcb, ntfn), LAKE_ILLEGAL_OPERATION);
    test_error(lake_tcb_bind_notification(a.tcb, other), LAKE_ILLEGAL_OPERATION);
    test_ok(lake_tcb_unbind_notification(a.tcb));
    test_ok(lake_tcb_bind_notification(b.tcb, ntfn));
}

TEST(TCB_017, "unbinding when nothing is bound is an illegal operation")
{
    struct test_thread t;
    test_thread_init(env, &t, set_flag, 10, 0);
    test_error(lake_tcb_unbind_notification(t.tcb), LAKE_ILLEGAL_OPERATION);
}

TEST(TCB_018, "Configure with a misaligned IPC buffer is an alignment error")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    lake_cptr_t frame = test_new_page(env, TEST_FREE_VADDR);
    test_error(lake_tcb_configure(tcb, 0, env->cnode, 0, env->vspace, TEST_FREE_VADDR + 8, frame),
               LAKE_ALIGNMENT_ERROR);
    test_ok(lake_tcb_configure(tcb, 0, env->cnode, 0, env->vspace, TEST_FREE_VADDR + 1024, frame));
}

TEST(TCB_019, "Configure with a CSpace root that is not a CNode is an invalid capability")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_tcb_configure(tcb, 0, ep, 0, env->vspace, 0, 0), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
    test_error(lake_tcb_configure(tcb, 0, env->cnode, 0, ep, 0, 0), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 2);
}

TEST(TCB_020, "Configure without an IPC buffer is allowed")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    test_ok(lake_tcb_configure(tcb, 0, env->cnode, 0, env->vspace, 0, 0));
}
