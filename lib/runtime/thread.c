/*
 * Threads in the calling process (see lake/thread.h and docs/RUNTIME.md).
 *
 * A thread's objects are made in this order and freed in the reverse one:
 * exit notification, wait notification, TCB, IPC buffer frame, then the
 * stack frames from the top page down. The stack frames' cptrs are kept
 * at the very top of the stack (entry i at top - 8 (i + 1), always in a
 * page that is mapped by the time it is written), then the TLS area, then
 * the initial stack pointer.
 */
#include <stdlib.h>
#include <string.h>

#include <lake/runtime.h>
#include <lake/thread.h>

#define PAGE LAKE_PAGE_SIZE

static struct lake_thread main_thread;
static __thread struct lake_thread *current;
static const struct lake_thread_ops *default_ops;

struct lake_thread *lake_thread_self(void)
{
    return current ? current : &main_thread;
}

void lake_thread_adopt_main(lake_cptr_t tcb, unsigned priority, lake_cptr_t wait_ntfn)
{
    main_thread.tcb = tcb;
    main_thread.priority = priority;
    main_thread.wait_ntfn = wait_ntfn;
}

void lake_thread_set_default_ops(const struct lake_thread_ops *ops)
{
    default_ops = ops;
}

void lake_thread_attr_init(struct lake_thread_attr *attr)
{
    memset(attr, 0, sizeof(*attr));
    attr->priority = LAKE_THREAD_PRIORITY_INHERIT;
}

size_t lake_thread_vaddr_pages(const struct lake_thread_attr *attr)
{
    return attr->stack_pages ? attr->stack_pages + 2 : 1;
}

/* ---- start and end --------------------------------------------------- */

static void __attribute__((noreturn)) thread_entry(struct lake_thread *t)
{
    lake_ipc_buffer = (struct lake_ipc_buffer *)t->ipc_buffer;
    current = t;
    t->fn(t->arg);
    lake_thread_exit(0);
}

void lake_thread_exit(lake_word_t result)
{
    struct lake_thread *t = lake_thread_self();
    if (t == &main_thread) {
        lake_console_flush();
        exit((int)result);
    }
    t->result = result;
    __atomic_store_n(&t->exited, 1, __ATOMIC_RELEASE);
    lake_signal(t->exit_ntfn);
    /* join suspends and deletes us; until then stay off the CPU. */
    for (;;)
        lake_tcb_suspend(t->tcb);
}

/* ---- freeing ----------------------------------------------------------- */

static lake_cptr_t *frame_entry(struct lake_thread *t, size_t i)
{
    return (lake_cptr_t *)(t->stack_top - 8 * (i + 1));
}

static void free_frame(const struct lake_thread_ops *ops, lake_cptr_t frame)
{
    if (ops->unmap_frame)
        ops->unmap_frame(ops->ctx, frame);
    else
        lake_frame_unmap(frame);
    ops->free_object(ops->ctx, frame);
}

/* Free the first `frames` stack frames (0..frames-1, top down) and the
 * objects made so far, in reverse order. */
static void free_objects(struct lake_thread *t, size_t frames)
{
    const struct lake_thread_ops *ops = t->ops;
    for (size_t i = frames; i-- > 0;)
        free_frame(ops, *frame_entry(t, i));    /* read before its page goes */
    if (t->ipc_frame)
        free_frame(ops, t->ipc_frame);
    if (t->tcb)
        ops->free_object(ops->ctx, t->tcb);
    if (t->wait_ntfn)
        ops->free_object(ops->ctx, t->wait_ntfn);
    if (t->exit_ntfn)
        ops->free_object(ops->ctx, t->exit_ntfn);
    t->ipc_frame = t->tcb = t->wait_ntfn = t->exit_ntfn = 0;
}

/* ---- create ------------------------------------------------------------ */

int lake_thread_create(struct lake_thread *t, const struct lake_thread_attr *attr,
                       void (*fn)(void *), void *arg)
{
    const struct lake_thread_ops *ops = attr->ops ? attr->ops : default_ops;
    struct lake_thread *self = lake_thread_self();
    if (!ops || !fn || !attr->vaddr || (attr->vaddr & (PAGE - 1)))
        return LAKE_INVALID_ARGUMENT;
    if (!attr->stack_pages && (!attr->stack || attr->stack_size < 2048))
        return LAKE_INVALID_ARGUMENT;
    lake_cptr_t authority = ops->authority ? ops->authority : self->tcb;
    int priority = attr->priority >= 0 ? attr->priority : (int)self->priority;
    if (!authority || priority > 255)
        return LAKE_INVALID_ARGUMENT;

    memset(t, 0, sizeof(*t));
    t->ops = ops;
    t->fn = fn;
    t->arg = arg;
    t->priority = (unsigned)priority;

    size_t frames = 0;
    int error;
    if ((error = ops->alloc_object(ops->ctx, LAKE_OBJ_NOTIFICATION, 0, &t->exit_ntfn)) ||
        (error = ops->alloc_object(ops->ctx, LAKE_OBJ_NOTIFICATION, 0, &t->wait_ntfn)) ||
        (error = ops->alloc_object(ops->ctx, LAKE_OBJ_TCB, 0, &t->tcb)))
        goto fail;

    /* Stack: allocated frames above a guard page, or the caller's memory. */
    lake_word_t top, ipc_vaddr;
    if (attr->stack_pages) {
        t->guard_page = attr->vaddr;
        t->stack_base = attr->vaddr + PAGE;
        t->stack_top = top = t->stack_base + attr->stack_pages * PAGE;
        ipc_vaddr = top;
        t->stack_pages = attr->stack_pages;
    } else {
        t->stack_base = ((lake_word_t)attr->stack + 15) & ~(lake_word_t)15;
        t->stack_top = top = ((lake_word_t)attr->stack + attr->stack_size) & ~(lake_word_t)15;
        ipc_vaddr = attr->vaddr;
    }

    if ((error = ops->alloc_object(ops->ctx, LAKE_OBJ_FRAME_4K, 0, &t->ipc_frame)))
        goto fail;
    if ((error = ops->map_frame(ops->ctx, t->ipc_frame, ipc_vaddr))) {
        ops->free_object(ops->ctx, t->ipc_frame);
        t->ipc_frame = 0;
        goto fail;
    }
    t->ipc_buffer = ipc_vaddr;

    for (; frames < t->stack_pages; frames++) {
        lake_cptr_t frame;
        if ((error = ops->alloc_object(ops->ctx, LAKE_OBJ_FRAME_4K, 0, &frame)))
            goto fail;
        if ((error = ops->map_frame(ops->ctx, frame, top - (frames + 1) * PAGE))) {
            ops->free_object(ops->ctx, frame);
            goto fail;
        }
        *frame_entry(t, frames) = frame;
    }

    /* Top of the stack: frame list, TLS area, then the stack pointer. */
    size_t tls_size = lake_tls_area_size();
    lake_word_t area = (top - 8 * t->stack_pages - tls_size) & ~(lake_word_t)63;
    lake_word_t sp = area & ~(lake_word_t)15;
    if (sp < t->stack_base + 1024) {
        error = LAKE_INVALID_ARGUMENT;
        goto fail;
    }
    t->tls_base = lake_tls_init((void *)area, tls_size);

    if ((error = lake_tcb_configure(t->tcb, attr->fault_ep, ops->cspace, ops->cspace_data,
                                    ops->vspace, t->ipc_buffer, t->ipc_frame)) ||
        (error = lake_tcb_set_priority(t->tcb, authority, t->priority)))
        goto fail;
    if (attr->name)
        lake_debug_name_thread(t->tcb, attr->name);

    /* pc, sp, spsr (0: EL0) and x0 fit in the message registers; the TLS
     * register comes last of all 35, so it gets a call of its own (cheaper
     * than 35 words through the IPC buffer). The TCB is fresh: every other
     * register is zero. */
    lake_word_t regs[LAKE_REG_X0 + 1] = {0};
    regs[LAKE_REG_PC] = (lake_word_t)thread_entry;
    regs[LAKE_REG_SP] = sp;
    regs[LAKE_REG_X0] = (lake_word_t)t;
    if ((error = lake_tcb_set_tls_base(t->tcb, t->tls_base)) ||
        (error = lake_tcb_write_registers(t->tcb, true, LAKE_REG_X0 + 1, regs)))
        goto fail;
    return LAKE_OK;

fail:
    free_objects(t, frames);
    return error;
}

/* ---- join and destroy -------------------------------------------------- */

int lake_thread_destroy(struct lake_thread *t)
{
    if (!t->tcb)
        return LAKE_INVALID_ARGUMENT;
    /* Off the CPU for good before its stack goes (the TCB is deleted
     * before any frame). */
    lake_tcb_suspend(t->tcb);
    free_objects(t, t->stack_pages);
    return LAKE_OK;
}

int lake_thread_join(struct lake_thread *t, lake_word_t *result)
{
    if (!t->tcb || t == lake_thread_self())
        return LAKE_INVALID_ARGUMENT;
    while (!__atomic_load_n(&t->exited, __ATOMIC_ACQUIRE))
        lake_wait(t->exit_ntfn, NULL);
    if (result)
        *result = t->result;
    return lake_thread_destroy(t);
}

/* ---- binding to struct lake_alloc ------------------------------------- */

static int la_alloc_object(void *ctx, unsigned type, unsigned size_bits, lake_cptr_t *slot)
{
    struct lake_thread_alloc_ctx *c = ctx;
    return lake_alloc_object(c->alloc, type, size_bits, slot);
}

static void la_free_object(void *ctx, lake_cptr_t slot)
{
    struct lake_thread_alloc_ctx *c = ctx;
    lake_cnode_delete(c->cnode, slot, c->depth);
    if (slot + 1 == c->alloc->next_slot)
        c->alloc->next_slot = slot;     /* the last slot handed out: reuse it */
}

static int la_map_frame(void *ctx, lake_cptr_t frame, lake_word_t vaddr)
{
    struct lake_thread_alloc_ctx *c = ctx;
    return lake_map_page(c->alloc, frame, c->vspace, vaddr, LAKE_RIGHTS_RW,
                         LAKE_ATTR_EXECUTE_NEVER);
}

void lake_thread_alloc_ops(struct lake_thread_ops *ops, struct lake_thread_alloc_ctx *ctx,
                           lake_cptr_t cspace, lake_cptr_t vspace, lake_cptr_t authority)
{
    ctx->vspace = vspace;
    *ops = (struct lake_thread_ops){
        .ctx = ctx,
        .alloc_object = la_alloc_object,
        .free_object = la_free_object,
        .map_frame = la_map_frame,
        .unmap_frame = NULL,
        .cspace = cspace,
        .cspace_data = 0,
        .vspace = vspace,
        .authority = authority,
    };
}
