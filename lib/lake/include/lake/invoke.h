/*
 * Invocation stubs: one function per invocation of docs/ABI.md section 4.
 *
 * Each function sends a Call with the invocation's label, message words
 * and extra capabilities, and returns the error code from the reply's label
 * (enum lake_error, LAKE_OK = 0). On an error, the reply's detail words
 * 0-4 are kept for lake_error_detail(i) until the next failed invocation
 * of the same thread. Results come back through pointer parameters.
 *
 * Slots are named as in the ABI: (root, index, depth) looks up the CNode
 * `root` and resolves `index` in it to `depth` bits. For a CNode with the
 * root task's layout (radix 12, 52-bit zero guard) a slot n is (root, n, 64).
 */
#ifndef LAKE_INVOKE_H
#define LAKE_INVOKE_H

#include <lake/abi_types.h>
#include <lake/errors.h>
#include <lake/invocation.h>
#include <lake/message.h>

#define LAKE_ERROR_DETAIL_WORDS 5

/* Detail word i (0-4) of the last failed invocation. */
lake_word_t lake_error_detail(unsigned i);

/* Name of an error code ("LAKE_DELETE_FIRST"), for messages. */
const char *lake_error_name(int error);

/* Low level: Call `cptr` with `label`, `length` staged message words
 * (lake_set_mr) and `extra_caps` cptrs (lake_set_cap); returns the error
 * code and records the details. Result words stay in the staging area. */
int lake_invoke(lake_cptr_t cptr, lake_word_t label, unsigned length, unsigned extra_caps);

/* ---- Untyped --------------------------------------------------------- */

int lake_untyped_retype(lake_cptr_t untyped, unsigned type, unsigned size_bits, lake_cptr_t root,
                        lake_word_t node_index, unsigned node_depth, lake_word_t node_offset,
                        unsigned num_objects);

/* ---- CNode (the invoked CNode is the destination root) --------------- */

int lake_cnode_copy(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                    lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth,
                    unsigned rights);
int lake_cnode_mint(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                    lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth,
                    unsigned rights, lake_word_t data);
int lake_cnode_move(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                    lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth);
int lake_cnode_mutate(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                      lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth,
                      lake_word_t data);
/* pivot -> dest, src -> pivot (dest may equal src: a swap). */
int lake_cnode_rotate(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                      lake_word_t dest_data, lake_cptr_t pivot_root, lake_word_t pivot_index,
                      unsigned pivot_depth, lake_word_t pivot_data, lake_cptr_t src_root,
                      lake_word_t src_index, unsigned src_depth);
/* Consecutive slots of a CNode for CopyRange/MoveRange: the CNode is the
 * slot (root, index, depth) (depth 0: root itself), the slots start at
 * `offset` in it. */
struct lake_cnode_range {
    lake_word_t index;
    unsigned depth;
    lake_word_t offset;
};
/* `count` caps (1-256) from src's slots to dest's, each one as Copy (rights
 * masked) or Move would; all or nothing. */
int lake_cnode_copy_range(lake_cptr_t root, const struct lake_cnode_range *dest,
                          lake_cptr_t src_root, const struct lake_cnode_range *src,
                          unsigned count, unsigned rights);
int lake_cnode_move_range(lake_cptr_t root, const struct lake_cnode_range *dest,
                          lake_cptr_t src_root, const struct lake_cnode_range *src,
                          unsigned count);
int lake_cnode_delete(lake_cptr_t root, lake_word_t index, unsigned depth);
int lake_cnode_revoke(lake_cptr_t root, lake_word_t index, unsigned depth);
int lake_cnode_save_caller(lake_cptr_t root, lake_word_t index, unsigned depth);

/* Guard data for Mint/Mutate of a CNode cap. */
static inline lake_word_t lake_cnode_guard_data(lake_word_t guard, unsigned guard_size)
{
    return (guard << 6) | (guard_size & 0x3f);
}

/* ---- TCB ------------------------------------------------------------- */

/* fault_ep: cptr in the caller's CSpace (0: none); cspace_root_data: 0 keeps
 * the CNode cap's guard; ipc_buffer_frame 0: no IPC buffer. */
int lake_tcb_configure(lake_cptr_t tcb, lake_cptr_t fault_ep, lake_cptr_t cspace_root,
                       lake_word_t cspace_root_data, lake_cptr_t vspace,
                       lake_word_t ipc_buffer_addr, lake_cptr_t ipc_buffer_frame);
int lake_tcb_set_priority(lake_cptr_t tcb, lake_cptr_t authority, unsigned priority);
int lake_tcb_set_mc_priority(lake_cptr_t tcb, lake_cptr_t authority, unsigned mcp);
int lake_tcb_resume(lake_cptr_t tcb);
int lake_tcb_suspend(lake_cptr_t tcb);
/* Reads `count` registers in lake_tcb_register order into regs[]. */
int lake_tcb_read_registers(lake_cptr_t tcb, bool suspend_source, unsigned count, lake_word_t *regs);
int lake_tcb_write_registers(lake_cptr_t tcb, bool resume_target, unsigned count,
                             const lake_word_t *regs);

#define LAKE_COPY_REGS_SUSPEND_SOURCE   1u
#define LAKE_COPY_REGS_RESUME_TARGET    2u
#define LAKE_COPY_REGS_FRAME            4u      /* pc, sp, spsr */
#define LAKE_COPY_REGS_INTEGER          8u      /* x0-x30, TLS */

int lake_tcb_copy_registers(lake_cptr_t tcb, lake_cptr_t source, unsigned flags);
int lake_tcb_bind_notification(lake_cptr_t tcb, lake_cptr_t ntfn);
int lake_tcb_unbind_notification(lake_cptr_t tcb);
int lake_tcb_set_tls_base(lake_cptr_t tcb, lake_word_t tls_base);
int lake_tcb_set_affinity(lake_cptr_t tcb, unsigned core);
int lake_tcb_set_fault_handler(lake_cptr_t tcb, lake_cptr_t fault_ep);

/* ---- Frame ----------------------------------------------------------- */

int lake_frame_map(lake_cptr_t frame, lake_cptr_t vspace, lake_word_t vaddr, unsigned rights,
                   unsigned attrs);
int lake_frame_unmap(lake_cptr_t frame);
int lake_frame_get_address(lake_cptr_t frame, lake_word_t *paddr);
int lake_frame_clean(lake_cptr_t frame, lake_word_t start, lake_word_t end);
int lake_frame_invalidate(lake_cptr_t frame, lake_word_t start, lake_word_t end);
int lake_frame_clean_invalidate(lake_cptr_t frame, lake_word_t start, lake_word_t end);
int lake_frame_unify_instruction(lake_cptr_t frame, lake_word_t start, lake_word_t end);

/* ---- PageTable, ASIDs ------------------------------------------------ */

int lake_page_table_map(lake_cptr_t table, lake_cptr_t vspace, lake_word_t vaddr);
/* VSpace MapFrames: the `count` (1-512) frames in the slots `frames` of the
 * CNode `root` names, at vaddr, vaddr + 4 KiB, ...; as that many Frame Maps
 * with these rights and attributes, all or nothing. */
int lake_vspace_map_frames(lake_cptr_t vspace, lake_cptr_t root,
                           const struct lake_cnode_range *frames, unsigned count,
                           lake_word_t vaddr, unsigned rights, unsigned attrs);
int lake_page_table_unmap(lake_cptr_t table);
int lake_asid_control_make_pool(lake_cptr_t asid_control, lake_cptr_t untyped, lake_cptr_t root,
                                lake_word_t index, unsigned depth);
int lake_asid_pool_assign(lake_cptr_t pool, lake_cptr_t vspace);

/* ---- IRQs ------------------------------------------------------------ */

int lake_irq_control_get(lake_cptr_t irq_control, unsigned irq, lake_cptr_t root,
                         lake_word_t index, unsigned depth);
int lake_irq_handler_ack(lake_cptr_t handler);
int lake_irq_handler_set_notification(lake_cptr_t handler, lake_cptr_t ntfn);
int lake_irq_handler_clear(lake_cptr_t handler);

#endif
