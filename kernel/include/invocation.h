/*
 * The decode context of one invocation: who invokes what, the message words
 * and extra capabilities, and where the error or the results go. Decoders
 * validate everything through this, then call their perform step, which
 * cannot fail.
 */
#ifndef LAKE_KERNEL_INVOCATION_H
#define LAKE_KERNEL_INVOCATION_H

#include <lake/errors.h>
#include <lake/invocation.h>
#include <lake/syscall.h>
#include <object/objects.h>

#define INV_MAX_RESULTS 40
/* Returned by a decoder that stopped at a preemption point: the caller
 * re-executes the system call when it next runs. Not an ABI error. */
#define INV_PREEMPTED   0x100

struct invocation {
    struct tcb *thread;         /* the caller */
    struct cte *slot;           /* slot of the invoked capability */
    struct cap cap;             /* the invoked capability */
    u64 cptr;
    u64 label;
    unsigned length;            /* message words available (truncated to what exists) */
    unsigned num_extra;         /* extra caps looked up */
    struct cte *extra[LAKE_MSG_MAX_EXTRA_CAPS];

    /* Outcome: error with details, or results for the reply. */
    unsigned error;
    u64 detail[5];
    unsigned num_detail;
    u64 result[INV_MAX_RESULTS];
    unsigned num_results;
};

/* Message word i >= LAKE_MSG_REGISTERS, from the IPC buffer. */
u64 inv_mr_buffer(const struct invocation *inv, unsigned i);

/* Message word i of the invocation (0 if beyond the message). */
static inline u64 inv_mr(const struct invocation *inv, unsigned i)
{
    if (i >= inv->length)
        return 0;
    if (i < LAKE_MSG_REGISTERS)
        return inv->thread->ctx.x[2 + i];
    return inv_mr_buffer(inv, i);
}

/* Error helpers: record the error and return its code. */
unsigned inv_error(struct invocation *inv, unsigned error);
unsigned inv_invalid_argument(struct invocation *inv, unsigned arg_index);
unsigned inv_invalid_capability(struct invocation *inv, unsigned cap_index);
unsigned inv_range_error(struct invocation *inv, u64 min, u64 max);
unsigned inv_truncated(struct invocation *inv);
/* Frame Map's failed lookup: the table of `level` (1-3) is missing. */
unsigned inv_missing_table(struct invocation *inv, unsigned level);
void inv_add_result(struct invocation *inv, u64 value);

/* Requires `words` message words and `caps` extra caps, else truncated message. */
bool inv_require(struct invocation *inv, unsigned words, unsigned caps);

/* Per object type. Each returns LAKE_OK or the error it recorded. */
unsigned decode_untyped_invocation(struct invocation *inv);
unsigned decode_cnode_invocation(struct invocation *inv);
unsigned decode_tcb_invocation(struct invocation *inv);
unsigned decode_frame_invocation(struct invocation *inv);
unsigned decode_page_table_invocation(struct invocation *inv);
unsigned decode_vspace_invocation(struct invocation *inv);
unsigned decode_asid_control_invocation(struct invocation *inv);
unsigned decode_asid_pool_invocation(struct invocation *inv);
unsigned decode_irq_control_invocation(struct invocation *inv);
unsigned decode_irq_handler_invocation(struct invocation *inv);

const char *invocation_label_name(u64 label);
const char *error_name(unsigned error);

#endif
