/*
 * SPAWN_3xx: spawning processes from ELF images (lib/runtime/spawn.c,
 * elf_load.c, procinfo.c).
 *
 * The image is made here, in memory: a text segment with a few AArch64
 * instructions and a data segment of 8 bytes followed by 12 KiB of bss.
 * The child reads its procinfo page (x0), adds up the lengths of its argv
 * strings, reads its data word and the last word of its bss, writes that
 * bss word and reads it back through its stack, and Calls its parent
 * endpoint (cptr from the procinfo page) with label argc and those four
 * words; then it spins (it stays blocked: nobody replies).
 *
 * Every spawn takes its memory from a fresh untyped of the test, so its
 * free bytes (reported by a Retype that cannot fit) return exactly to the
 * full size once the process is destroyed.
 */
#include <stddef.h>
#include <string.h>

#include <lake/elf_load.h>
#include <lake/procinfo.h>
#include <lake/env.h>
#include <lake/spawn.h>

#include "test.h"

#define IMAGE_TEXT_VA   0x400000ul
#define IMAGE_CODE_OFF  0x100ul
#define IMAGE_DATA_VA   0x401000ul
#define IMAGE_DATA_OFF  0x200ul
#define IMAGE_DATA_MEM  0x3000ul
#define IMAGE_SIZE      0x208ul
#define DATA_WORD       0x1234567890abcdeful
#define SPAWN_UT_BITS   21                  /* 2 MiB for each test's spawns */
#define SCRATCH         TEST_FREE_VADDR     /* the parent's scratch page */
#define BADGE           0x77

/* ldr xt, [xn, #imm] (imm a multiple of 8) */
static uint32_t ldr_imm(unsigned t, unsigned n, size_t imm)
{
    return 0xf9400000u | (uint32_t)(imm / 8) << 10 | n << 5 | t;
}

static const uint32_t code_template[] = {
    0,              /* ldr x1, [x0, #argc]       (patched) */
    0,              /* ldr x11, [x0, #argv_offset] (patched) */
    0x8b0b000c,     /* add x12, x0, x11 */
    0xd2800002,     /* mov x2, #0 */
    0xf840858d,     /* 1: ldr x13, [x12], #8 */
    0xb40000cd,     /* cbz x13, 3f */
    0x8b0d000e,     /* add x14, x0, x13 */
    0x384015cf,     /* 2: ldrb w15, [x14], #1 */
    0x34ffff8f,     /* cbz w15, 1b */
    0x91000442,     /* add x2, x2, #1 */
    0x17fffffd,     /* b 2b */
    0xd2a0080a,     /* 3: mov x10, #0x400000 */
    0xf282000a,     /* movk x10, #0x1000 */
    0xf9400143,     /* ldr x3, [x10]              data word */
    0xf957fd44,     /* ldr x4, [x10, #0x2ff8]     last bss word */
    0xf917fd43,     /* str x3, [x10, #0x2ff8] */
    0xf957fd45,     /* ldr x5, [x10, #0x2ff8] */
    0xa9bf17e5,     /* stp x5, x5, [sp, #-16]! */
    0xf94007e5,     /* ldr x5, [sp, #8] */
    0,              /* ldr x9, [x0, #parent_ep]  (patched) */
    0xaa0903e0,     /* mov x0, x9 */
    0xd374cc21,     /* lsl x1, x1, #12            label = argc */
    0xb27e0021,     /* orr x1, x1, #4             4 words: x2-x5 */
    0x92800007,     /* mov x7, #-1                Call */
    0xd4000001,     /* svc #0 */
    0x14000000,     /* b . */
};

static union {
    uint8_t bytes[IMAGE_SIZE];
    uint64_t align;
} image;

static void make_image(void)
{
    memset(&image, 0, sizeof(image));
    struct lake_elf64_ehdr h = {
        .ident = { 0x7f, 'E', 'L', 'F', 2, 1, 1 },
        .type = LAKE_ELF_ET_EXEC, .machine = LAKE_ELF_EM_AARCH64, .version = 1,
        .entry = IMAGE_TEXT_VA + IMAGE_CODE_OFF, .phoff = sizeof(h), .ehsize = sizeof(h),
        .phentsize = sizeof(struct lake_elf64_phdr), .phnum = 2,
    };
    struct lake_elf64_phdr text = {
        .type = LAKE_ELF_PT_LOAD, .flags = LAKE_ELF_PF_R | LAKE_ELF_PF_X, .offset = 0,
        .vaddr = IMAGE_TEXT_VA, .filesz = IMAGE_CODE_OFF + sizeof(code_template),
        .memsz = IMAGE_CODE_OFF + sizeof(code_template), .align = 0x1000,
    };
    struct lake_elf64_phdr data = {
        .type = LAKE_ELF_PT_LOAD, .flags = LAKE_ELF_PF_R | LAKE_ELF_PF_W,
        .offset = IMAGE_DATA_OFF, .vaddr = IMAGE_DATA_VA, .filesz = 8,
        .memsz = IMAGE_DATA_MEM, .align = 0x10,
    };
    memcpy(image.bytes, &h, sizeof(h));
    memcpy(image.bytes + sizeof(h), &text, sizeof(text));
    memcpy(image.bytes + sizeof(h) + sizeof(text), &data, sizeof(data));
    uint32_t code[sizeof(code_template) / sizeof(code_template[0])];
    memcpy(code, code_template, sizeof(code));
    code[0] = ldr_imm(1, 0, offsetof(struct lake_procinfo, argc));
    code[1] = ldr_imm(11, 0, offsetof(struct lake_procinfo, argv_offset));
    code[19] = ldr_imm(9, 0, offsetof(struct lake_procinfo, parent_ep));
    _Static_assert(IMAGE_CODE_OFF + sizeof(code) <= IMAGE_DATA_OFF, "code fits");
    memcpy(image.bytes + IMAGE_CODE_OFF, code, sizeof(code));
    uint64_t word = DATA_WORD;
    memcpy(image.bytes + IMAGE_DATA_OFF, &word, sizeof(word));
}

/* ---- the test's side ---- */

struct spawn_env {
    struct test_env *env;
    lake_cptr_t untyped;            /* 2^SPAWN_UT_BITS, only for spawns */
    lake_cptr_t ep;                 /* the parent endpoint (unbadged) */
    lake_cptr_t probe;              /* an empty slot for free_bytes */
    lake_cptr_t reply;              /* where a child's reply cap is parked */
};

static void spawn_setup(struct test_env *env, struct spawn_env *se)
{
    make_image();
    se->env = env;
    se->untyped = test_new_untyped(env, SPAWN_UT_BITS);
    se->ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    se->probe = test_slot(env);
    se->reply = test_slot(env);
    /* The scratch page: map a frame once so its page tables exist. */
    lake_cptr_t frame = test_new_page(env, SCRATCH);
    test_ok(lake_frame_unmap(frame));
}

/* Bytes still free in the spawn untyped: a Retype too large to fit
 * answers "not enough memory" with that number. */
static lake_word_t free_bytes(struct spawn_env *se)
{
    test_error(lake_untyped_retype(se->untyped, LAKE_OBJ_UNTYPED, LAKE_UNTYPED_MAX_BITS,
                                   se->env->cnode, 0, 0, se->probe, 1),
               LAKE_NOT_ENOUGH_MEMORY);
    return lake_error_detail(0);
}

static struct lake_spawn_args spawn_args(struct spawn_env *se, const char *const *argv)
{
    struct test_env *env = se->env;
    return (struct lake_spawn_args){
        .image = image.bytes, .image_size = IMAGE_SIZE, .argv = argv,
        .untyped = se->untyped, .alloc = &env->alloc, .parent_cnode = env->cnode,
        .parent_vspace = env->vspace, .scratch_vaddr = SCRATCH, .asid_pool = env->asid_pool,
        .parent_ep = se->ep, .badge = BADGE, .authority = env->tcb, .priority = env->priority,
        .mcp = env->priority, .stack_pages = 4,
    };
}

/* Wait for the child's Call; check it; drop its reply cap. */
static void expect_child(struct spawn_env *se, const char *const *argv)
{
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(se->ep, &badge);
    const lake_word_t *w = lake_ipc_buffer->msg;
    lake_word_t label = lake_msginfo_label(info);
    size_t argc = 0, total = 0;
    while (argv && argv[argc])
        total += strlen(argv[argc++]);
    if (label != argc)
        test_fail(__FILE__, __LINE__, "child sent label %lu (fault?) words %#lx %#lx %#lx %#lx",
                  (unsigned long)label, (unsigned long)w[0], (unsigned long)w[1],
                  (unsigned long)w[2], (unsigned long)w[3]);
    test_eq(badge, BADGE);
    test_eq(lake_msginfo_length(info), 4);
    test_eq(w[0], total);           /* argv strings read from the procinfo page */
    test_eq(w[1], DATA_WORD);       /* file data copied */
    test_eq(w[2], 0);               /* bss zero */
    test_eq(w[3], DATA_WORD);       /* bss writable, stack works */
    test_ok(lake_cnode_save_caller(se->env->cnode, se->reply, TEST_DEPTH));
    test_ok(lake_cnode_delete(se->env->cnode, se->reply, TEST_DEPTH));
}

TEST(SPAWN_301, "spawn: a child from an ELF image calls its parent with argc; destroy returns all")
{
    struct spawn_env se;
    spawn_setup(env, &se);
    const lake_word_t full = free_bytes(&se);
    test_eq(full, 1ul << SPAWN_UT_BITS);
    const lake_cptr_t next_slot = env->alloc.next_slot;

    static const char *const argv[] = { "spawnee", "one", "two", "three", "four", "five", NULL };
    static const char *const envp[] = { "HOME=/", "LAKE=1", NULL };
    struct lake_spawn_args a = spawn_args(&se, argv);
    a.envp = envp;
    a.quota_bits = 16;
    struct lake_process p;
    size_t size = lake_spawn_size(&a);
    test_ok(lake_spawn(&a, &p));
    test_eq(size, 1ul << p.untyped_bits);
    test_eq(free_bytes(&se), full - size);
    test_eq(env->alloc.next_slot, next_slot + 3);   /* P, CNode, TCB */
    test_eq(p.entry, IMAGE_TEXT_VA + IMAGE_CODE_OFF);
    test_eq(p.image_pages, 4);                      /* text, data, 2 of bss */
    test_eq(p.page_tables, 6);                      /* two of each level */
    test_eq(p.cnode_radix, LAKE_SPAWN_MIN_CNODE_RADIX);  /* fits, with the spare slots */
    test_eq(p.stack_top, LAKE_SPAWN_DEFAULT_AREA + LAKE_SPAWN_AREA_STACK + 4 * LAKE_PAGE_SIZE);
    expect_child(&se, argv);

    test_ok(lake_process_destroy(&p));
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, next_slot);
}

TEST(SPAWN_302, "spawn: malformed images and failing set-ups are rejected and leave nothing")
{
    struct spawn_env se;
    spawn_setup(env, &se);
    const lake_word_t full = free_bytes(&se);
    const lake_cptr_t next_slot = env->alloc.next_slot;
    static const char *const argv[] = { "a", "b", "c", "d", "e", NULL };
    struct lake_process p;
    struct lake_spawn_args a;
    struct lake_elf64_ehdr *h = (struct lake_elf64_ehdr *)image.bytes;
    struct lake_elf64_phdr *ph = (struct lake_elf64_phdr *)(image.bytes + sizeof(*h));

#define REJECT(expected, what)                                                          \
    do {                                                                                \
        test_error(lake_spawn(&a, &p), expected);                                       \
        test_assert(strcmp(lake_spawn_error_reason(), what) == 0);                      \
        test_eq(free_bytes(&se), full);                                                 \
        test_eq(env->alloc.next_slot, next_slot);                                       \
        make_image();                                                                   \
        a = spawn_args(&se, argv);                                                      \
    } while (0)

    a = spawn_args(&se, argv);
    a.image_size = 40;                  REJECT(LAKE_INVALID_ARGUMENT, "shorter than an ELF header");
    image.bytes[1] = 'X';               REJECT(LAKE_INVALID_ARGUMENT, "not an ELF file");
    h->machine = 62;                    REJECT(LAKE_INVALID_ARGUMENT, "not AArch64");
    h->entry = IMAGE_DATA_VA;
    REJECT(LAKE_INVALID_ARGUMENT, "entry point in a segment that is not executable");
    h->entry = 0x900000;                REJECT(LAKE_INVALID_ARGUMENT, "entry point outside every segment");
    ph[1].filesz = 0x100;               REJECT(LAKE_INVALID_ARGUMENT, "segment data outside the file");
    ph[1].vaddr = IMAGE_TEXT_VA;        REJECT(LAKE_INVALID_ARGUMENT, "segments overlap or are not sorted");
    h->phoff = IMAGE_SIZE - 8;          REJECT(LAKE_INVALID_ARGUMENT, "program headers outside the file");
    a.image_size = IMAGE_SIZE - 1;      REJECT(LAKE_INVALID_ARGUMENT, "segment data outside the file");

    /* Arguments that do not fit in the procinfo page. */
    static char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    static const char *too_long[] = { big, big, NULL };
    a.argv = too_long;
    REJECT(LAKE_RANGE_ERROR, "arguments and environment do not fit in the procinfo page");
    /* The stack area over the image. */
    a.area = IMAGE_TEXT_VA;             REJECT(LAKE_INVALID_ARGUMENT, "stack area overlaps the image");
    /* A first CNode outside the radix range, or too small for the image. */
    a.cnode_radix = LAKE_SPAWN_MIN_CNODE_RADIX - 1;
    REJECT(LAKE_INVALID_ARGUMENT, "CNode radix out of range");
    a.cnode_radix = LAKE_SPAWN_MAX_CNODE_RADIX + 1;
    REJECT(LAKE_INVALID_ARGUMENT, "CNode radix out of range");
    a.cnode_radix = LAKE_SPAWN_MIN_CNODE_RADIX;
    a.stack_pages = a.resident_stack_pages = 1u << LAKE_SPAWN_MIN_CNODE_RADIX;
    REJECT(LAKE_RANGE_ERROR, "image or stack too large for the child's CNode");
    a.stack_pages = 4;
    a.resident_stack_pages = 5;
    REJECT(LAKE_INVALID_ARGUMENT, "more resident stack pages than stack pages");

    /* Failures after P exists: everything is undone. */
    a.asid_pool = env->tcb;             /* not an ASID pool */
    test_assert(lake_spawn(&a, &p) != LAKE_OK);
    test_assert(strcmp(lake_spawn_error_reason(), "assign an ASID") == 0);
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, next_slot);
    a = spawn_args(&se, argv);
    lake_cptr_t badged = test_mint(env, se.ep, LAKE_RIGHTS_ALL, 5);
    lake_cptr_t after_mint = env->alloc.next_slot;
    a.parent_ep = badged;
    test_error(lake_spawn(&a, &p), LAKE_ILLEGAL_OPERATION);
    test_assert(strcmp(lake_spawn_error_reason(), "mint the parent endpoint") == 0);
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, after_mint);
    test_eq(lake_debug_cap_identify(after_mint), LAKE_OBJ_NULL);
    a = spawn_args(&se, argv);
    a.scratch_vaddr = 0x50000000ul;     /* no page tables there */
    test_error(lake_spawn(&a, &p), LAKE_FAILED_LOOKUP);
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, after_mint);

    /* Too little memory: P does not fit. */
    a = spawn_args(&se, argv);
    a.quota_bits = SPAWN_UT_BITS;
    test_error(lake_spawn(&a, &p), LAKE_NOT_ENOUGH_MEMORY);
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, after_mint);

    /* And after all that, a good spawn works. */
    a = spawn_args(&se, argv);
    test_ok(lake_spawn(&a, &p));
    expect_child(&se, argv);
    test_ok(lake_process_destroy(&p));
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, after_mint);
#undef REJECT
}

TEST(SPAWN_303, "spawn: 50 spawn/destroy cycles leave free memory and slots where they started")
{
    struct spawn_env se;
    spawn_setup(env, &se);
    const lake_word_t full = free_bytes(&se);
    const lake_cptr_t next_slot = env->alloc.next_slot;
    static const char *const words[] = { "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8",
                                         "w9", NULL };
    for (unsigned i = 0; i < 50; i++) {
        const char *argv[12];
        unsigned argc = 5 + i % 5;
        for (unsigned k = 0; k < argc; k++)
            argv[k] = words[(k + i) % 10];
        argv[argc] = NULL;
        struct lake_spawn_args a = spawn_args(&se, argv);
        a.quota_bits = 12 + i % 8;
        struct lake_process p;
        test_ok(lake_spawn(&a, &p));
        expect_child(&se, argv);
        test_ok(lake_process_destroy(&p));
        test_eq(free_bytes(&se), full);
        test_eq(env->alloc.next_slot, next_slot);
    }
}

TEST(SPAWN_304, "spawn: the child's CNode and procinfo page as the child sees them")
{
    struct spawn_env se;
    spawn_setup(env, &se);
    const lake_word_t full = free_bytes(&se);
    static const char *const argv[] = { "spawnee", "--flag", "", "last arg", NULL };
    static const char *const envp[] = { "PATH=/bin", NULL };
    struct lake_spawn_args a = spawn_args(&se, argv);
    a.envp = envp;
    a.quota_bits = 14;
    a.give_asid_pool = true;
    lake_cptr_t extra[2] = { se.ep, env->asid_pool };
    a.caps = extra;
    a.num_caps = 2;
    a.dont_start = true;
    struct lake_process p;
    test_ok(lake_spawn(&a, &p));

    /* The procinfo frame, mapped read-only at the child's address here. */
    lake_cptr_t copy = test_slot(env);
    test_ok(lake_cnode_copy(env->cnode, copy, TEST_DEPTH, p.cnode, p.procinfo_frame,
                            p.cnode_radix, LAKE_RIGHT_READ));
    test_map(env, copy, p.procinfo_vaddr, LAKE_RIGHT_READ, LAKE_ATTR_EXECUTE_NEVER);
    const struct lake_procinfo *pi = (const struct lake_procinfo *)p.procinfo_vaddr;
    test_assert(lake_procinfo_is(pi));
    test_assert(!lake_procinfo_is(env->bootinfo));
    test_eq(pi->ipc_buffer, LAKE_SPAWN_DEFAULT_AREA);
    test_eq(pi->tcb, LAKE_PROC_TCB);

    test_eq(pi->parent_badge, BADGE);
    test_eq(pi->asid_pool, LAKE_PROC_ASID_POOL);
    test_eq(pi->num_untyped, 1);
    test_eq(pi->untyped[0].size_bits, 14);
    test_eq(pi->image_frames.end - pi->image_frames.start, 4);
    test_eq(pi->stack_frames.end - pi->stack_frames.start, 4);
    test_eq(pi->page_tables.end - pi->page_tables.start, 6);
    test_eq(pi->caps.end - pi->caps.start, 2);
    /* The ranges follow each other from LAKE_PROC_FIRST_RANGE_SLOT. */
    test_eq(pi->image_frames.start, LAKE_PROC_FIRST_RANGE_SLOT);
    test_eq(pi->stack_frames.start, pi->image_frames.end);
    test_eq(pi->ipc_buffer_frame, pi->stack_frames.end);
    test_eq(pi->procinfo_frame, pi->ipc_buffer_frame + 1);
    test_eq(pi->procinfo_frame, p.procinfo_frame);
    test_eq(pi->kit.start, pi->procinfo_frame + 1);
    test_eq(pi->kit.end - pi->kit.start, LAKE_KIT_SLOTS);
    test_eq(pi->page_tables.start, pi->kit.end);
    test_eq(pi->vspace, pi->page_tables.end);
    test_eq(pi->parent_ep, pi->vspace + 1);
    test_eq(pi->untyped[0].cptr, pi->parent_ep + 1);
    test_eq(pi->caps.start, pi->untyped[0].cptr + 1);
    test_eq(pi->first_free_slot, pi->caps.end);
    /* A first CNode of the second-level radix with room to spare is the
     * slot allocator's node 0: no second-level CNode yet. */
    test_eq(p.cnode_radix, LAKE_PROC_L2_RADIX);
    test_eq(pi->l2_first_index, 0);
    test_eq(pi->top_radix, LAKE_PROC_TOP_RADIX);
    test_eq(pi->image_start, IMAGE_TEXT_VA);
    test_eq(pi->image_end, IMAGE_DATA_VA + IMAGE_DATA_MEM);
    test_eq(pi->stack_guard + LAKE_PAGE_SIZE, pi->stack_start);
    int argc;
    char **av, **ev;
    test_eq(lake_procinfo_parse(pi, &argc, &av, &ev), 0);
    test_eq(argc, 4);
    for (int i = 0; i < 4; i++)
        test_assert(strcmp(av[i], argv[i]) == 0);
    test_assert(av[4] == NULL);
    test_assert(strcmp(ev[0], "PATH=/bin") == 0 && ev[1] == NULL);
    av[1][0] = '+';                                 /* copies: writable */
    test_eq(lake_procinfo, pi);
    test_eq(lake_procinfo_parse(env->bootinfo, &argc, &av, &ev), -1);
    test_eq(argc, 0);
    lake_procinfo = NULL;

    /* The child's caps, seen through copies. */
    static const struct { lake_cptr_t slot; unsigned type; } expected[] = {
        { LAKE_PROC_TCB, LAKE_OBJ_TCB }, { LAKE_PROC_CNODE, LAKE_OBJ_CNODE },
        { LAKE_PROC_ASID_POOL, LAKE_OBJ_ASID_POOL }, { LAKE_PROC_CSPACE_TOP, LAKE_OBJ_CNODE },
    };
    lake_cptr_t probe = test_slot(env);
    for (unsigned i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        test_ok(lake_cnode_copy(env->cnode, probe, TEST_DEPTH, p.cnode, expected[i].slot,
                                p.cnode_radix, LAKE_RIGHT_READ));
        test_eq(lake_debug_cap_identify(probe), expected[i].type);
        test_ok(lake_cnode_delete(env->cnode, probe, TEST_DEPTH));
    }
    lake_cptr_t ranges[][2] = {
        { pi->image_frames.start, LAKE_OBJ_FRAME_4K }, { pi->stack_frames.end - 1, LAKE_OBJ_FRAME_4K },
        { pi->page_tables.start, LAKE_OBJ_PAGE_TABLE }, { pi->page_tables.end - 1, LAKE_OBJ_PAGE_TABLE },
        { pi->caps.start, LAKE_OBJ_ENDPOINT }, { pi->caps.start + 1, LAKE_OBJ_ASID_POOL },
        { pi->ipc_buffer_frame, LAKE_OBJ_FRAME_4K }, { pi->vspace, LAKE_OBJ_VSPACE },
        { pi->parent_ep, LAKE_OBJ_ENDPOINT },
        /* The kit: frames, TCB, notifications, endpoint (lake/procinfo.h). */
        { pi->kit.start, LAKE_OBJ_FRAME_4K },
        { pi->kit.start + LAKE_KIT_FRAMES - 1, LAKE_OBJ_FRAME_4K },
        { pi->kit.start + LAKE_KIT_FRAMES, LAKE_OBJ_TCB },
        { pi->kit.start + LAKE_KIT_FRAMES + LAKE_KIT_TCBS, LAKE_OBJ_NOTIFICATION },
        { pi->kit.end - LAKE_KIT_ENDPOINTS - 1, LAKE_OBJ_NOTIFICATION },
        { pi->kit.end - 1, LAKE_OBJ_ENDPOINT },
    };
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        test_ok(lake_cnode_copy(env->cnode, probe, TEST_DEPTH, p.cnode, ranges[i][0],
                                p.cnode_radix, LAKE_RIGHT_READ));
        test_eq(lake_debug_cap_identify(probe), ranges[i][1]);
        test_ok(lake_cnode_delete(env->cnode, probe, TEST_DEPTH));
    }
    /* The quota is an untyped (those cannot be copied): move it here, ask
     * for its free bytes, move it back. */
    test_ok(lake_cnode_move(env->cnode, probe, TEST_DEPTH, p.cnode, pi->untyped[0].cptr,
                            p.cnode_radix));
    test_eq(lake_debug_cap_identify(probe), LAKE_OBJ_UNTYPED);
    test_error(lake_untyped_retype(probe, LAKE_OBJ_UNTYPED, LAKE_UNTYPED_MAX_BITS, env->cnode, 0,
                                   0, se.probe, 1), LAKE_NOT_ENOUGH_MEMORY);
    test_eq(lake_error_detail(0), 1ul << 14);
    test_ok(lake_cnode_move(p.cnode, pi->untyped[0].cptr, p.cnode_radix, env->cnode, probe,
                            TEST_DEPTH));

    test_ok(lake_frame_unmap(copy));
    test_ok(lake_cnode_delete(env->cnode, copy, TEST_DEPTH));

    /* Started late, it runs like the others. */
    test_ok(lake_process_start(&p));
    test_error(lake_process_start(&p), LAKE_ILLEGAL_OPERATION);
    expect_child(&se, argv);
    test_ok(lake_process_destroy(&p));
    test_eq(free_bytes(&se), full);
}

/* ---- a real program: build/user/spawnee.elf --------------------------
 * Built only when user/user.mk embeds it: it defines LAKE_SPAWNEE_ELF (the
 * path of build/user/spawnee.elf) for this file and makes this object
 * depend on that file (see docs/RUNTIME.md "Process creation"). */
/* The address of the frame in slot `slot` of the child's CNode. */
static lake_word_t child_frame_address(struct test_env *env, struct lake_process *p,
                                       lake_cptr_t slot)
{
    lake_cptr_t probe = test_slot(env);
    test_ok(lake_cnode_copy(env->cnode, probe, TEST_DEPTH, p->cnode, slot, p->cnode_radix,
                            LAKE_RIGHT_READ));
    lake_word_t paddr;
    test_ok(lake_frame_get_address(probe, &paddr));
    test_ok(lake_cnode_delete(env->cnode, probe, TEST_DEPTH));
    return paddr;
}

static void write_first_word(struct test_thread *t)
{
    *(volatile lake_word_t *)t->arg[0] = 1;
}

TEST(SPAWN_307, "spawn: a prepared image's read-only pages are shared by its processes, the rest not")
{
    struct spawn_env se;
    spawn_setup(env, &se);
    const lake_word_t full = free_bytes(&se);
    static const char *const argv[] = { "spawnee", "shared", NULL };
    struct lake_spawn_args a = spawn_args(&se, argv);
    a.untyped = test_new_untyped(env, 16);          /* the shared frames' */
    const lake_cptr_t image_slot = env->alloc.next_slot;
    struct lake_image img;

    /* A malformed image prepares nothing. */
    image.bytes[0] = 0;
    test_error(lake_image_prepare(&img, &a), LAKE_INVALID_ARGUMENT);
    test_eq(env->alloc.next_slot, image_slot);
    make_image();
    test_ok(lake_image_prepare(&img, &a));
    test_eq(img.num_pages, 4);
    test_eq(img.num_shared, 1);                     /* the text page */
    test_eq(img.frames[0], img.shared_first);
    test_eq(img.frames[1], 0);
    lake_word_t text;
    test_ok(lake_frame_get_address(img.shared_first, &text));

    /* Two processes from it: the same text frame, data frames of their own. */
    a.untyped = se.untyped;
    a.prepared = &img;
    a.image = NULL;
    a.dont_start = true;
    struct lake_process p1, p2;
    test_ok(lake_spawn(&a, &p1));
    test_ok(lake_spawn(&a, &p2));
    test_eq(child_frame_address(env, &p1, LAKE_PROC_FIRST_RANGE_SLOT), text);
    test_eq(child_frame_address(env, &p2, LAKE_PROC_FIRST_RANGE_SLOT), text);
    test_assert(child_frame_address(env, &p1, LAKE_PROC_FIRST_RANGE_SLOT + 1) !=
                child_frame_address(env, &p2, LAKE_PROC_FIRST_RANGE_SLOT + 1));
    /* The child's cap of the shared frame has no Write right: a mapping
     * of it asked to be writable is not. */
    lake_cptr_t text_copy = test_slot(env);
    test_ok(lake_cnode_copy(env->cnode, text_copy, TEST_DEPTH, p1.cnode,
                            LAKE_PROC_FIRST_RANGE_SLOT, p1.cnode_radix, LAKE_RIGHTS_ALL));
    lake_word_t va = SCRATCH + 16 * LAKE_PAGE_SIZE;
    if (lake_map_page(&env->alloc, text_copy, env->vspace, va, LAKE_RIGHTS_RW,
                      LAKE_ATTR_EXECUTE_NEVER) == LAKE_OK) {
        lake_word_t first = *(volatile lake_word_t *)va;
        lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
        struct test_thread t;
        test_thread_init(env, &t, write_first_word, env->priority, handler);
        t.arg[0] = va;
        test_thread_start(&t);
        test_eq(lake_msginfo_label(lake_recv(handler, NULL)), LAKE_FAULT_VM);
        test_eq(*(volatile lake_word_t *)va, first);
        test_ok(lake_tcb_suspend(t.tcb));
        test_ok(lake_frame_unmap(text_copy));
    }
    test_ok(lake_cnode_delete(env->cnode, text_copy, TEST_DEPTH));

    test_ok(lake_process_start(&p1));
    expect_child(&se, argv);
    test_ok(lake_process_start(&p2));
    expect_child(&se, argv);
    test_ok(lake_process_destroy(&p2));
    test_ok(lake_process_destroy(&p1));
    test_eq(free_bytes(&se), full);

    /* A spawn that fails after the shared copies were made (the data
     * page's fill needs the scratch page) leaves none of them behind. */
    lake_cptr_t next = env->alloc.next_slot;
    a.scratch_vaddr = 0x50000000ul;                 /* no page tables there */
    struct lake_process bad;
    test_error(lake_spawn(&a, &bad), LAKE_FAILED_LOOKUP);
    test_assert(strcmp(lake_spawn_error_reason(), "map the scratch page") == 0);
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, next);
    for (lake_cptr_t slot = next; slot < next + 64; slot++)
        test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
    a.scratch_vaddr = SCRATCH;

    /* Released, its frame caps are gone and it spawns no more. */
    lake_cptr_t shared = img.shared_first;
    lake_image_release(&img);
    test_eq(lake_debug_cap_identify(shared), LAKE_OBJ_NULL);
    a.prepared = &img;
    struct lake_process p3;
    lake_cptr_t before = env->alloc.next_slot;
    test_error(lake_spawn(&a, &p3), LAKE_INVALID_ARGUMENT);
    test_eq(free_bytes(&se), full);
    test_eq(env->alloc.next_slot, before);
}

#ifdef LAKE_SPAWNEE_ELF
__asm__(".section .rodata.spawnee_elf, \"a\"\n"
        ".balign 16\n"
        "spawnee_elf_start:\n"
        ".incbin \"" LAKE_SPAWNEE_ELF "\"\n"
        "spawnee_elf_end:\n"
        ".previous\n");
extern const char spawnee_elf_start[], spawnee_elf_end[];

TEST(SPAWN_305, "spawn: build/user/spawnee.elf prints its argv and exits with a status")
{
    struct spawn_env se;
    spawn_setup(env, &se);
    lake_cptr_t ut = test_new_untyped(env, 22);
    static const char *const argv[] = { "spawnee", "hello", "world", NULL };
    static const char *const envp[] = { "LAKE=1", NULL };
    struct lake_spawn_args a = spawn_args(&se, argv);
    a.image = spawnee_elf_start;
    a.image_size = (size_t)(spawnee_elf_end - spawnee_elf_start);
    a.envp = envp;
    a.untyped = ut;
    a.quota_bits = 20;          /* its environment: pager, heap */
    struct lake_process p;
    int error = lake_spawn(&a, &p);
    if (error)
        test_fail(__FILE__, __LINE__, "lake_spawn: %s: %s", lake_error_name(error),
                  lake_spawn_error_reason());
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(se.ep, &badge);
    const lake_word_t *w = lake_ipc_buffer->msg;
    if (lake_msginfo_label(info) != LAKE_PROC_EXIT_LABEL)
        test_fail(__FILE__, __LINE__, "child sent label %lu (fault?) words %#lx %#lx %#lx",
                  (unsigned long)lake_msginfo_label(info), (unsigned long)w[0],
                  (unsigned long)w[1], (unsigned long)w[2]);
    test_eq(badge, BADGE);
    test_eq(w[0], 3 + 7 + 5 + 5);
    test_ok(lake_process_destroy(&p));
    test_error(lake_untyped_retype(ut, LAKE_OBJ_UNTYPED, LAKE_UNTYPED_MAX_BITS, env->cnode, 0, 0,
                                   se.probe, 1), LAKE_NOT_ENOUGH_MEMORY);
    test_eq(lake_error_detail(0), 1ul << 22);
}
#endif

/* ---- the process environment: pager, heap, threads (lib/runtime/env.c) ----
 * spawnee runs with a quota of its own; its exit status (or the pager's
 * status for a fault) comes back on the parent endpoint, and destroying
 * it returns every byte of the untyped it was spawned from. */
#ifdef LAKE_SPAWNEE_ELF
static lake_word_t run_spawnee(struct test_env *env, const char *const *argv, unsigned ut_bits,
                               unsigned quota_bits)
{
    struct spawn_env se;
    spawn_setup(env, &se);
    lake_cptr_t ut = test_new_untyped(env, ut_bits);
    struct lake_spawn_args a = spawn_args(&se, argv);
    a.image = spawnee_elf_start;
    a.image_size = (size_t)(spawnee_elf_end - spawnee_elf_start);
    a.untyped = ut;
    a.quota_bits = quota_bits;
    a.stack_pages = 16;
    struct lake_process p;
    int error = lake_spawn(&a, &p);
    if (error)
        test_fail(__FILE__, __LINE__, "lake_spawn: %s: %s", lake_error_name(error),
                  lake_spawn_error_reason());
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(se.ep, &badge);
    const lake_word_t *w = lake_ipc_buffer->msg;
    if (lake_msginfo_label(info) != LAKE_PROC_EXIT_LABEL)
        test_fail(__FILE__, __LINE__, "child sent label %lu (fault?) words %#lx %#lx %#lx",
                  (unsigned long)lake_msginfo_label(info), (unsigned long)w[0],
                  (unsigned long)w[1], (unsigned long)w[2]);
    lake_word_t status = w[0];
    test_ok(lake_process_destroy(&p));
    test_error(lake_untyped_retype(ut, LAKE_OBJ_UNTYPED, LAKE_UNTYPED_MAX_BITS, env->cnode, 0, 0,
                                   se.probe, 1), LAKE_NOT_ENOUGH_MEMORY);
    test_eq(lake_error_detail(0), 1ul << ut_bits);
    return status;
}

TEST_BIG(HEAP_001, "heap: malloc and touch 16 MiB; frames mapped == pages touched, all memory back")
{
    static const char *const argv[] = { "spawnee", "heap", "16", NULL };
    test_eq(run_spawnee(env, argv, 26, 25), 0);
}

TEST(PAGER_001, "pager: a write through NULL ends the process with status 139")
{
    static const char *const argv[] = { "spawnee", "null", NULL };
    test_eq(run_spawnee(env, argv, 22, 20), LAKE_EXIT_FAULT_VM);
}

TEST(PAGER_002, "pager: a stack overflow in a thread hits the guard page, status 139")
{
    static const char *const argv[] = { "spawnee", "overflow", NULL };
    test_eq(run_spawnee(env, argv, 22, 20), LAKE_EXIT_FAULT_VM);
}

/* 16 pages of stack, 4 of them resident (LAKE_SPAWN_DEFAULT_RESIDENT_STACK_PAGES). */
TEST(PAGER_004, "pager: the main thread's stack below its resident top comes by faults")
{
    static const char *const deep[] = { "spawnee", "stack", "40", NULL };
    test_eq(run_spawnee(env, deep, 22, 20), 0);
}

TEST(PAGER_005, "pager: the main thread's stack overflow hits the guard page, status 139")
{
    static const char *const past[] = { "spawnee", "stack", "80", NULL };
    test_eq(run_spawnee(env, past, 22, 20), LAKE_EXIT_FAULT_VM);
}

TEST(SPAWN_306, "spawn: the environment starts on spawn's kit: the quota is untouched at main")
{
    static const char *const argv[] = { "spawnee", "quota", NULL };
    test_eq(run_spawnee(env, argv, 22, 20), 0);
}

TEST(PAGER_003, "pager: an undefined instruction ends the process with status 132")
{
    static const char *const argv[] = { "spawnee", "undef", NULL };
    test_eq(run_spawnee(env, argv, 22, 20), LAKE_EXIT_FAULT_OTHER);
}

TEST_BIG(THREAD_001, "threads: 64 threads on lazily paged stacks pass a token around a ring 20 times")
{
    static const char *const argv[] = { "spawnee", "ring", "64", "20", NULL };
    test_eq(run_spawnee(env, argv, 24, 23), 0);
}
#endif
