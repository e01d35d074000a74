/*
 * The child side of the test suite: the entry point the driver starts each
 * test's process at, the report, and the helpers tests use to make objects,
 * map pages and run threads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

static struct test_env *current_env;

/* Report to the driver: Call on the report endpoint with the label and the
 * message bytes as words. The driver never replies. */
static void __attribute__((noreturn)) report(unsigned label, const char *text)
{
    size_t len = strlen(text);
    if (len > LAKE_DEBUG_PUTS_MAX - 1)
        len = LAKE_DEBUG_PUTS_MAX - 1;
    char *buf = (char *)lake_ipc_buffer->msg;
    memcpy(buf, text, len);
    buf[len] = '\0';
    unsigned words = (unsigned)((len + sizeof(lake_word_t)) / sizeof(lake_word_t));
    for (;;)
        lake_call(current_env->report_ep, lake_msginfo(label, 0, 0, words));
}

void test_child_entry(struct test_env *env)
{
    lake_ipc_buffer = (struct lake_ipc_buffer *)env->ipc_buffer;
    current_env = env;
    env->test->run(env);
    report(TEST_REPORT_PASS, "");
}

void test_fail(const char *file, int line, const char *format, ...)
{
    static char message[LAKE_DEBUG_PUTS_MAX];
    const char *base = strrchr(file, '/');
    int n = snprintf(message, sizeof(message), "%s:%d: ", base ? base + 1 : file, line);
    va_list ap;
    va_start(ap, format);
    vsnprintf(message + n, sizeof(message) - (size_t)n, format, ap);
    va_end(ap);
    if (test_running_in_root)
        test_root_failed(message);
    report(TEST_REPORT_FAIL, message);
}

/* ---- objects and mappings -------------------------------------------- */

lake_cptr_t test_slot(struct test_env *env)
{
    lake_cptr_t slot;
    if (lake_alloc_slot(&env->alloc, &slot) != LAKE_OK)
        test_fail(__FILE__, __LINE__, "out of slots");
    return slot;
}

lake_cptr_t test_new(struct test_env *env, unsigned type, unsigned size_bits)
{
    lake_cptr_t slot;
    int error = lake_alloc_object(&env->alloc, type, size_bits, &slot);
    if (error != LAKE_OK)
        test_fail(__FILE__, __LINE__, "retype of type %u (size %u) failed: %s", type, size_bits,
                  lake_error_name(error));
    return slot;
}

lake_cptr_t test_new_untyped(struct test_env *env, unsigned bits)
{
    return test_new(env, LAKE_OBJ_UNTYPED, bits);
}

void test_map(struct test_env *env, lake_cptr_t frame, lake_word_t vaddr, unsigned rights,
              unsigned attrs)
{
    int error = lake_map_page(&env->alloc, frame, env->vspace, vaddr, rights, attrs);
    if (error != LAKE_OK)
        test_fail(__FILE__, __LINE__, "mapping a frame at %#lx failed: %s", (unsigned long)vaddr,
                  lake_error_name(error));
}

lake_cptr_t test_new_page(struct test_env *env, lake_word_t vaddr)
{
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    test_map(env, frame, vaddr, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
    return frame;
}

lake_cptr_t test_copy(struct test_env *env, lake_cptr_t slot, unsigned rights)
{
    lake_cptr_t dest = test_slot(env);
    test_ok(lake_cnode_copy(env->cnode, dest, TEST_DEPTH, env->cnode, slot, TEST_DEPTH, rights));
    return dest;
}

lake_cptr_t test_mint(struct test_env *env, lake_cptr_t slot, unsigned rights, lake_word_t badge)
{
    lake_cptr_t dest = test_slot(env);
    test_ok(lake_cnode_mint(env->cnode, dest, TEST_DEPTH, env->cnode, slot, TEST_DEPTH, rights,
                            badge));
    return dest;
}

/* ---- threads --------------------------------------------------------- */

#define THREAD_STACK_SIZE   16384
#define THREAD_TLS_SIZE     512

static char thread_stacks[TEST_MAX_THREADS][THREAD_STACK_SIZE] __attribute__((aligned(16)));
static char thread_tls[TEST_MAX_THREADS][THREAD_TLS_SIZE] __attribute__((aligned(64)));

static void __attribute__((noreturn)) thread_entry(struct test_thread *t)
{
    lake_ipc_buffer = (struct lake_ipc_buffer *)t->ipc_buffer;
    t->fn(t);
    /* After the signal the joiner may reuse *t (often a stack local). */
    lake_cptr_t self = t->tcb;
    lake_signal(t->done);
    for (;;)
        lake_tcb_suspend(self);
}

void test_thread_init(struct test_env *env, struct test_thread *t,
                      void (*fn)(struct test_thread *), unsigned priority, lake_cptr_t fault_ep)
{
    if (env->threads_used >= TEST_MAX_THREADS)
        test_fail(__FILE__, __LINE__, "more than %d helper threads", TEST_MAX_THREADS);
    if (lake_tls_area_size() > THREAD_TLS_SIZE)
        test_fail(__FILE__, __LINE__, "TLS area of %zu bytes does not fit", lake_tls_area_size());
    unsigned index = env->threads_used++;

    memset(t, 0, sizeof(*t));
    t->env = env;
    t->fn = fn;
    t->tcb = test_new(env, LAKE_OBJ_TCB, 0);
    t->done = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    t->ipc_buffer = TEST_THREAD_IPC_BASE + index * LAKE_PAGE_SIZE;
    t->ipc_frame = test_new_page(env, t->ipc_buffer);
    t->stack_top = (lake_word_t)&thread_stacks[index][THREAD_STACK_SIZE];
    t->tls_base = lake_tls_init(thread_tls[index], THREAD_TLS_SIZE);

    test_ok(lake_tcb_configure(t->tcb, fault_ep ? fault_ep : env->fault_ep, env->cnode, 0,
                               env->vspace, t->ipc_buffer, t->ipc_frame));
    test_ok(lake_tcb_set_priority(t->tcb, env->tcb, priority));
}

void test_thread_initial_registers(struct test_thread *t, lake_word_t regs[LAKE_NUM_REGS])
{
    memset(regs, 0, LAKE_NUM_REGS * sizeof(lake_word_t));
    regs[LAKE_REG_PC] = (lake_word_t)thread_entry;
    regs[LAKE_REG_SP] = t->stack_top;
    regs[LAKE_REG_X0] = (lake_word_t)t;
    regs[LAKE_REG_TPIDR] = t->tls_base;
}

void test_thread_start(struct test_thread *t)
{
    lake_word_t regs[LAKE_NUM_REGS];
    test_thread_initial_registers(t, regs);
    test_ok(lake_tcb_write_registers(t->tcb, false, LAKE_NUM_REGS, regs));
    test_ok(lake_tcb_resume(t->tcb));
}

void test_thread_join(struct test_thread *t)
{
    lake_wait(t->done, NULL);
}

void test_yield_many(int count)
{
    for (int i = 0; i < count; i++)
        lake_yield();
}
