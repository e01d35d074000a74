/*
 * IPC: Send/Recv, Call/Reply, ReplyRecv, badges, message lengths, NBSend,
 * NBRecv, SaveCaller, and capability transfer (Grant, unwrapping).
 */
#include "test.h"

#define ROOT TEST_CNODE
#define D TEST_DEPTH

static lake_word_t pattern(unsigned i)
{
    return 0x1000000000000000ull + i * 0x10001ull;
}

/* arg[0] = endpoint, arg[1] = length, arg[2] = label */
static void send_pattern(struct test_thread *t)
{
    unsigned length = (unsigned)t->arg[1];
    for (unsigned i = 0; i < length && i < LAKE_MSG_MAX_LENGTH; i++)
        lake_set_mr(i, pattern(i));
    lake_send(t->arg[0], lake_msginfo(t->arg[2], 0, 0, length));
}

static void check_message(unsigned send_length, unsigned expect_length)
{
    (void)send_length;
    for (unsigned i = 0; i < expect_length; i++)
        test_eq(lake_get_mr(i), pattern(i));
}

static void message_of_length(struct test_env *env, unsigned length, unsigned expect)
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, send_pattern, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = length;
    t.arg[2] = 0x42;
    test_thread_start(&t);
    lake_word_t badge = 99;
    lake_msginfo_t info = lake_recv(ep, &badge);
    test_eq(lake_msginfo_label(info), 0x42);
    test_eq(lake_msginfo_length(info), expect);
    test_eq(lake_msginfo_extra_caps(info), 0);
    test_eq(badge, 0);
    check_message(length, expect);
    test_thread_join(&t);
}

TEST(IPC_001, "Send/Recv of a 4-word message (registers only)")
{
    message_of_length(env, 4, 4);
}

TEST(IPC_002, "Send/Recv of a label-only message")
{
    message_of_length(env, 0, 0);
}

TEST(IPC_003, "Send/Recv of a 64-word message")
{
    message_of_length(env, 64, 64);
}

TEST(IPC_004, "Send/Recv of a 120-word message")
{
    message_of_length(env, 120, 120);
}

TEST(IPC_005, "a length above 120 is clamped to 120")
{
    message_of_length(env, 127, 120);
}

/* arg[0] = endpoint: answer `count` calls with word0 + 1. */
static void echo_server(struct test_thread *t)
{
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(t->arg[0], &badge);
    for (lake_word_t n = 0; n < t->arg[1]; n++) {
        lake_set_mr(0, lake_get_mr(0) + 1);
        lake_set_mr(1, badge);
        lake_set_mr(2, lake_msginfo_label(info));
        if (n + 1 == t->arg[1]) {
            lake_reply(lake_msginfo(0x55, 0, 0, 3));
            break;
        }
        info = lake_reply_recv(t->arg[0], lake_msginfo(0x55, 0, 0, 3), &badge);
    }
}

TEST(IPC_006, "Call gets the reply of Reply")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, echo_server, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = 1;
    test_thread_start(&t);
    lake_set_mr(0, 41);
    lake_msginfo_t info = lake_call(ep, lake_msginfo(7, 0, 0, 1));
    test_eq(lake_msginfo_label(info), 0x55);
    test_eq(lake_msginfo_length(info), 3);
    test_eq(lake_get_mr(0), 42);
    test_eq(lake_get_mr(2), 7);
    test_thread_join(&t);
}

TEST(IPC_007, "a server answers several calls with ReplyRecv")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, echo_server, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = 3;
    test_thread_start(&t);
    for (lake_word_t i = 0; i < 3; i++) {
        lake_word_t mr0 = 100 * i;
        lake_msginfo_t info = lake_call_with_mrs(ep, lake_msginfo(i, 0, 0, 1), &mr0, NULL, NULL, NULL);
        test_eq(lake_msginfo_label(info), 0x55);
        test_eq(mr0, 100 * i + 1);
    }
    test_thread_join(&t);
}

TEST(IPC_008, "badges tell senders apart")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t b1 = test_mint(env, ep, LAKE_RIGHTS_ALL, 0x11);
    lake_cptr_t b2 = test_mint(env, ep, LAKE_RIGHTS_ALL, 0x22);
    struct test_thread t;
    test_thread_init(env, &t, echo_server, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = 2;
    test_thread_start(&t);
    lake_set_mr(0, 0);
    lake_call(b1, lake_msginfo(0, 0, 0, 1));
    test_eq(lake_get_mr(1), 0x11);
    lake_set_mr(0, 0);
    lake_call(b2, lake_msginfo(0, 0, 0, 1));
    test_eq(lake_get_mr(1), 0x22);
    test_thread_join(&t);
}

TEST(IPC_009, "NBSend without a receiver drops the message")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_set_mr(0, 1);
    lake_nb_send(ep, lake_msginfo(5, 0, 0, 1));
    lake_word_t badge = 99;
    lake_msginfo_t info = lake_nb_recv(ep, &badge);
    test_eq(lake_msginfo_label(info), 0);
    test_eq(lake_msginfo_length(info), 0);
    test_eq(badge, 0);
}

TEST(IPC_010, "NBRecv with nothing waiting returns at once")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_word_t badge = 99;
    lake_msginfo_t info = lake_nb_recv(ep, &badge);
    test_eq(lake_msginfo_label(info), 0);
    test_eq(lake_msginfo_length(info), 0);
    test_eq(badge, 0);
}

static void nb_send_later(struct test_thread *t)
{
    lake_set_mr(0, 0xabc);
    lake_nb_send(t->arg[0], lake_msginfo(9, 0, 0, 1));
}

TEST(IPC_011, "NBSend reaches a receiver that is waiting")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    /* Lower priority: it runs only once main blocks in Recv. */
    test_thread_init(env, &t, nb_send_later, env->priority - 1, 0);
    t.arg[0] = ep;
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(ep, NULL);
    test_eq(lake_msginfo_label(info), 9);
    test_eq(lake_get_mr(0), 0xabc);
}

static void sequence_sender(struct test_thread *t)
{
    for (lake_word_t i = 1; i <= 3; i++) {
        lake_set_mr(0, i);
        lake_send(t->arg[0], lake_msginfo(0, 0, 0, 1));
    }
}

TEST(IPC_012, "messages from one sender arrive in order")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, sequence_sender, env->priority, 0);
    t.arg[0] = ep;
    test_thread_start(&t);
    for (lake_word_t i = 1; i <= 3; i++) {
        lake_recv(ep, NULL);
        test_eq(lake_get_mr(0), i);
    }
    test_thread_join(&t);
}

/* Saves the caller, then answers through the saved capability. */
static void saving_server(struct test_thread *t)
{
    lake_recv(t->arg[0], NULL);
    lake_word_t slot = t->arg[1];
    test_ok(lake_cnode_save_caller(ROOT, slot, D));
    t->result[0] = lake_debug_cap_identify(slot);
    lake_set_mr(0, 0x5a5a);
    lake_send(slot, lake_msginfo(0, 0, 0, 1));
}

TEST(IPC_013, "SaveCaller keeps a reply capability to answer later")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, saving_server, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = test_slot(env);
    test_thread_start(&t);
    lake_msginfo_t info = lake_call(ep, lake_msginfo(1, 0, 0, 0));
    test_eq(lake_msginfo_length(info), 1);
    test_eq(lake_get_mr(0), 0x5a5a);
    test_eq(t.result[0], LAKE_OBJ_REPLY);
    test_thread_join(&t);
}

/* Receives one message with caps into arg[1]..; records info and badge. */
static void cap_receiver(struct test_thread *t)
{
    lake_set_receive_path(ROOT, t->arg[1], D);
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(t->arg[0], &badge);
    t->result[0] = info;
    t->result[1] = lake_get_badge(0);
    t->result[2] = lake_get_mr(0);
}

TEST(IPC_014, "a capability is transferred with Grant")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    struct test_thread t;
    test_thread_init(env, &t, cap_receiver, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = test_slot(env);
    test_thread_start(&t);
    test_yield_many(2);
    lake_set_cap(0, ntfn);
    lake_set_mr(0, 77);
    lake_send(ep, lake_msginfo(0, 0, 1, 1));
    test_thread_join(&t);
    test_eq(lake_msginfo_extra_caps(t.result[0]), 1);
    test_eq(lake_msginfo_unwrapped(t.result[0]), 0);
    test_eq(t.result[2], 77);
    test_eq(lake_debug_cap_identify(t.arg[1]), LAKE_OBJ_NOTIFICATION);
    test_eq(lake_debug_cap_identify(ntfn), LAKE_OBJ_NOTIFICATION);
}

TEST(IPC_015, "no capability moves without Grant, but the message does")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t no_grant = test_copy(env, ep, LAKE_RIGHTS_RW);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    struct test_thread t;
    test_thread_init(env, &t, cap_receiver, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = test_slot(env);
    test_thread_start(&t);
    test_yield_many(2);
    lake_set_cap(0, ntfn);
    lake_set_mr(0, 78);
    lake_send(no_grant, lake_msginfo(0, 0, 1, 1));
    test_thread_join(&t);
    test_eq(lake_msginfo_extra_caps(t.result[0]), 0);
    test_eq(t.result[2], 78);
    test_eq(lake_debug_cap_identify(t.arg[1]), LAKE_OBJ_NULL);
}

TEST(IPC_016, "a badged cap of the same endpoint is unwrapped to its badge")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t badged = test_mint(env, ep, LAKE_RIGHTS_ALL, 0x4242);
    struct test_thread t;
    test_thread_init(env, &t, cap_receiver, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = test_slot(env);
    test_thread_start(&t);
    test_yield_many(2);
    lake_set_cap(0, badged);
    lake_send(ep, lake_msginfo(0, 0, 1, 1));
    test_thread_join(&t);
    test_eq(lake_msginfo_extra_caps(t.result[0]), 1);
    test_eq(lake_msginfo_unwrapped(t.result[0]), 1);
    test_eq(t.result[1], 0x4242);
    test_eq(lake_debug_cap_identify(t.arg[1]), LAKE_OBJ_NULL);
}

TEST(IPC_017, "transfer stops at the first cap that cannot be placed")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t occupied = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, cap_receiver, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = occupied;    /* the receive slot is taken */
    test_thread_start(&t);
    test_yield_many(2);
    lake_set_cap(0, ntfn);
    lake_set_mr(0, 79);
    lake_send(ep, lake_msginfo(0, 0, 1, 1));
    test_thread_join(&t);
    test_eq(lake_msginfo_extra_caps(t.result[0]), 0);
    test_eq(t.result[2], 79);
    test_eq(lake_debug_cap_identify(occupied), LAKE_OBJ_ENDPOINT);
}

TEST(IPC_018, "two capabilities land in consecutive slots")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    struct test_thread t;
    test_thread_init(env, &t, cap_receiver, env->priority, 0);
    t.arg[0] = ep;
    t.arg[1] = test_slot(env);
    lake_cptr_t second = test_slot(env);
    test_thread_start(&t);
    test_yield_many(2);
    lake_set_cap(0, ntfn);
    lake_set_cap(1, tcb);
    lake_send(ep, lake_msginfo(0, 0, 2, 0));
    test_thread_join(&t);
    test_eq(lake_msginfo_extra_caps(t.result[0]), 2);
    test_eq(lake_debug_cap_identify(t.arg[1]), LAKE_OBJ_NOTIFICATION);
    test_eq(lake_debug_cap_identify(second), LAKE_OBJ_TCB);
}

static void blocking_sender(struct test_thread *t)
{
    lake_set_mr(0, 0x77);
    lake_send(t->arg[0], lake_msginfo(3, 0, 0, 1));
    t->result[0] = 1;
}

TEST(IPC_019, "Send blocks until a receiver comes")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, blocking_sender, env->priority, 0);
    t.arg[0] = ep;
    test_thread_start(&t);
    test_yield_many(5);
    test_eq(t.result[0], 0);
    lake_msginfo_t info = lake_recv(ep, NULL);
    test_eq(lake_msginfo_label(info), 3);
    test_eq(lake_get_mr(0), 0x77);
    test_thread_join(&t);
    test_eq(t.result[0], 1);
}

TEST(IPC_020, "Reply with nobody to answer does nothing")
{
    lake_set_mr(0, 1);
    lake_reply(lake_msginfo(0, 0, 0, 1));
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_eq(lake_debug_cap_identify(ep), LAKE_OBJ_ENDPOINT);
}

/* ---- the register contract (docs/ABI.md section 1) ------------------------ */

#define CLIENT_SEED 0xc11e000000000000ull
#define SERVER_SEED 0x5e7e000000000000ull
#define SAVED_REGS 19       /* x10-x28 */

/* Sets x10-x28 to seed + 0..18, makes system call `number` on cptr with a
 * 0-word message, and stores what x10-x28 hold afterwards in out. x8 and
 * x9 carry the arguments across the call (the ABI preserves them). */
static __attribute__((noinline)) void syscall_with_registers(lake_word_t seed, long number,
                                                            lake_cptr_t cptr,
                                                            lake_word_t out[SAVED_REGS])
{
    register lake_word_t x0 __asm__("x0") = cptr;
    register lake_word_t x1 __asm__("x1") = 0;
    register long x7 __asm__("x7") = number;
    register lake_word_t *x8 __asm__("x8") = out;
    register lake_word_t x9 __asm__("x9") = seed;
    __asm__ volatile(
        "add x10, x9, #0\n\tadd x11, x9, #1\n\tadd x12, x9, #2\n\tadd x13, x9, #3\n\t"
        "add x14, x9, #4\n\tadd x15, x9, #5\n\tadd x16, x9, #6\n\tadd x17, x9, #7\n\t"
        "add x18, x9, #8\n\tadd x19, x9, #9\n\tadd x20, x9, #10\n\tadd x21, x9, #11\n\t"
        "add x22, x9, #12\n\tadd x23, x9, #13\n\tadd x24, x9, #14\n\tadd x25, x9, #15\n\t"
        "add x26, x9, #16\n\tadd x27, x9, #17\n\tadd x28, x9, #18\n\t"
        "svc #0\n\t"
        "stp x10, x11, [x8, #0]\n\tstp x12, x13, [x8, #16]\n\tstp x14, x15, [x8, #32]\n\t"
        "stp x16, x17, [x8, #48]\n\tstp x18, x19, [x8, #64]\n\tstp x20, x21, [x8, #80]\n\t"
        "stp x22, x23, [x8, #96]\n\tstp x24, x25, [x8, #112]\n\tstp x26, x27, [x8, #128]\n\t"
        "str x28, [x8, #144]"
        : "+r"(x0), "+r"(x1)
        : "r"(x7), "r"(x8), "r"(x9)
        : "x2", "x3", "x4", "x5", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
          "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28",
          "memory");
}

/* x19-x28 as they were; x10-x18 anything but the other thread's values. */
static void check_registers_after(const lake_word_t out[SAVED_REGS], lake_word_t seed,
                                  lake_word_t other_seed)
{
    for (unsigned i = 9; i < SAVED_REGS; i++)
        test_eq(out[i], seed + i);
    for (unsigned i = 0; i < 9; i++)
        test_assert(out[i] - other_seed >= SAVED_REGS);
}

/* arg[0] = endpoint. Answers the first call with ReplyRecv (the fast
 * path's switch) and the second with Reply (the general path), x10-x28
 * loaded with its own pattern both times. */
static void register_server(struct test_thread *t)
{
    lake_word_t out[SAVED_REGS];
    lake_recv(t->arg[0], NULL);
    syscall_with_registers(SERVER_SEED, LAKE_SYS_REPLY_RECV, t->arg[0], out);
    check_registers_after(out, SERVER_SEED, CLIENT_SEED);
    syscall_with_registers(SERVER_SEED + 0x100, LAKE_SYS_REPLY, 0, out);
    check_registers_after(out, SERVER_SEED + 0x100, CLIENT_SEED + 0x100);
    t->result[0] = 1;
}

TEST(IPC_021, "a blocking Call keeps x19-x28, and x10-x18 never bring back another thread's values")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, register_server, env->priority, 0);
    t.arg[0] = ep;
    test_thread_start(&t);
    lake_word_t out[SAVED_REGS];
    syscall_with_registers(CLIENT_SEED, LAKE_SYS_CALL, ep, out);
    check_registers_after(out, CLIENT_SEED, SERVER_SEED);
    syscall_with_registers(CLIENT_SEED + 0x100, LAKE_SYS_CALL, ep, out);
    check_registers_after(out, CLIENT_SEED + 0x100, SERVER_SEED);
    test_thread_join(&t);
    test_eq(t.result[0], 1);
}

TEST(IPC_022, "Reply and Signal, which never block, keep x19-x28")
{
    lake_word_t out[SAVED_REGS];
    syscall_with_registers(CLIENT_SEED, LAKE_SYS_REPLY, 0, out);
    check_registers_after(out, CLIENT_SEED, SERVER_SEED);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x10);
    syscall_with_registers(CLIENT_SEED + 0x100, LAKE_SYS_SEND, badged, out);
    check_registers_after(out, CLIENT_SEED + 0x100, SERVER_SEED);
    test_eq(lake_poll(ntfn, NULL), 0x10);
}
