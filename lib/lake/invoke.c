/*
 * Invocation stubs (see lake/invoke.h). Every stub stages its arguments
 * with lake_set_mr / lake_set_cap and goes through lake_invoke, which
 * makes the Call and keeps the error details of a failed invocation.
 */
#include <lake/invoke.h>
#include <lake/syscalls.h>

static __thread lake_word_t error_details[LAKE_ERROR_DETAIL_WORDS];

lake_word_t lake_error_detail(unsigned i)
{
    return i < LAKE_ERROR_DETAIL_WORDS ? error_details[i] : 0;
}

const char *lake_error_name(int error)
{
    static const char *const names[] = {
        [LAKE_OK] = "LAKE_OK",
        [LAKE_INVALID_ARGUMENT] = "LAKE_INVALID_ARGUMENT",
        [LAKE_INVALID_CAPABILITY] = "LAKE_INVALID_CAPABILITY",
        [LAKE_ILLEGAL_OPERATION] = "LAKE_ILLEGAL_OPERATION",
        [LAKE_RANGE_ERROR] = "LAKE_RANGE_ERROR",
        [LAKE_ALIGNMENT_ERROR] = "LAKE_ALIGNMENT_ERROR",
        [LAKE_FAILED_LOOKUP] = "LAKE_FAILED_LOOKUP",
        [LAKE_TRUNCATED_MESSAGE] = "LAKE_TRUNCATED_MESSAGE",
        [LAKE_DELETE_FIRST] = "LAKE_DELETE_FIRST",
        [LAKE_REVOKE_FIRST] = "LAKE_REVOKE_FIRST",
        [LAKE_NOT_ENOUGH_MEMORY] = "LAKE_NOT_ENOUGH_MEMORY",
    };
    if (error >= 0 && error < LAKE_NUM_ERRORS)
        return names[error];
    return "unknown error";
}

int lake_invoke(lake_cptr_t cptr, lake_word_t label, unsigned length, unsigned extra_caps)
{
    lake_msginfo_t reply = lake_call(cptr, lake_msginfo(label, 0, extra_caps, length));
    int error = (int)lake_msginfo_label(reply);
    if (error != LAKE_OK) {
        unsigned n = lake_msginfo_length(reply);
        for (unsigned i = 0; i < LAKE_ERROR_DETAIL_WORDS; i++)
            error_details[i] = i < n ? lake_get_mr(i) : 0;
    }
    return error;
}

/* ---- Untyped --------------------------------------------------------- */

int lake_untyped_retype(lake_cptr_t untyped, unsigned type, unsigned size_bits, lake_cptr_t root,
                        lake_word_t node_index, unsigned node_depth, lake_word_t node_offset,
                        unsigned num_objects)
{
    lake_set_cap(0, root);
    lake_set_mr(0, type);
    lake_set_mr(1, size_bits);
    lake_set_mr(2, node_index);
    lake_set_mr(3, node_depth);
    lake_set_mr(4, node_offset);
    lake_set_mr(5, num_objects);
    return lake_invoke(untyped, LAKE_UNTYPED_RETYPE, 6, 1);
}

/* ---- CNode ----------------------------------------------------------- */

static void stage_two_slots(lake_word_t dest_index, unsigned dest_depth, lake_cptr_t src_root,
                            lake_word_t src_index, unsigned src_depth)
{
    lake_set_cap(0, src_root);
    lake_set_mr(0, dest_index);
    lake_set_mr(1, dest_depth);
    lake_set_mr(2, src_index);
    lake_set_mr(3, src_depth);
}

int lake_cnode_copy(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                    lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth,
                    unsigned rights)
{
    stage_two_slots(dest_index, dest_depth, src_root, src_index, src_depth);
    lake_set_mr(4, rights);
    return lake_invoke(root, LAKE_CNODE_COPY, 5, 1);
}

int lake_cnode_mint(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                    lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth,
                    unsigned rights, lake_word_t data)
{
    stage_two_slots(dest_index, dest_depth, src_root, src_index, src_depth);
    lake_set_mr(4, rights);
    lake_set_mr(5, data);
    return lake_invoke(root, LAKE_CNODE_MINT, 6, 1);
}

int lake_cnode_move(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                    lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth)
{
    stage_two_slots(dest_index, dest_depth, src_root, src_index, src_depth);
    return lake_invoke(root, LAKE_CNODE_MOVE, 4, 1);
}

int lake_cnode_mutate(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                      lake_cptr_t src_root, lake_word_t src_index, unsigned src_depth,
                      lake_word_t data)
{
    stage_two_slots(dest_index, dest_depth, src_root, src_index, src_depth);
    lake_set_mr(4, data);
    return lake_invoke(root, LAKE_CNODE_MUTATE, 5, 1);
}

int lake_cnode_rotate(lake_cptr_t root, lake_word_t dest_index, unsigned dest_depth,
                      lake_word_t dest_data, lake_cptr_t pivot_root, lake_word_t pivot_index,
                      unsigned pivot_depth, lake_word_t pivot_data, lake_cptr_t src_root,
                      lake_word_t src_index, unsigned src_depth)
{
    lake_set_cap(0, pivot_root);
    lake_set_cap(1, src_root);
    lake_set_mr(0, dest_index);
    lake_set_mr(1, dest_depth);
    lake_set_mr(2, dest_data);
    lake_set_mr(3, pivot_index);
    lake_set_mr(4, pivot_depth);
    lake_set_mr(5, pivot_data);
    lake_set_mr(6, src_index);
    lake_set_mr(7, src_depth);
    return lake_invoke(root, LAKE_CNODE_ROTATE, 8, 2);
}

/* A CNode range as three message words from MR`first` on. */
static void stage_range(unsigned first, const struct lake_cnode_range *r)
{
    lake_set_mr(first, r->index);
    lake_set_mr(first + 1, r->depth);
    lake_set_mr(first + 2, r->offset);
}

static int cnode_range(lake_cptr_t root, lake_word_t label, const struct lake_cnode_range *dest,
                       lake_cptr_t src_root, const struct lake_cnode_range *src, unsigned count,
                       unsigned rights)
{
    stage_range(0, dest);
    stage_range(3, src);
    lake_set_mr(6, count);
    lake_set_mr(7, rights);
    lake_set_cap(0, src_root);
    return lake_invoke(root, label, label == LAKE_CNODE_COPY_RANGE ? 8 : 7, 1);
}

int lake_cnode_copy_range(lake_cptr_t root, const struct lake_cnode_range *dest,
                          lake_cptr_t src_root, const struct lake_cnode_range *src,
                          unsigned count, unsigned rights)
{
    return cnode_range(root, LAKE_CNODE_COPY_RANGE, dest, src_root, src, count, rights);
}

int lake_cnode_move_range(lake_cptr_t root, const struct lake_cnode_range *dest,
                          lake_cptr_t src_root, const struct lake_cnode_range *src,
                          unsigned count)
{
    return cnode_range(root, LAKE_CNODE_MOVE_RANGE, dest, src_root, src, count, 0);
}

static int cnode_slot_op(lake_cptr_t root, lake_word_t label, lake_word_t index, unsigned depth)
{
    lake_set_mr(0, index);
    lake_set_mr(1, depth);
    return lake_invoke(root, label, 2, 0);
}

int lake_cnode_delete(lake_cptr_t root, lake_word_t index, unsigned depth)
{
    return cnode_slot_op(root, LAKE_CNODE_DELETE, index, depth);
}

int lake_cnode_revoke(lake_cptr_t root, lake_word_t index, unsigned depth)
{
    return cnode_slot_op(root, LAKE_CNODE_REVOKE, index, depth);
}

int lake_cnode_save_caller(lake_cptr_t root, lake_word_t index, unsigned depth)
{
    return cnode_slot_op(root, LAKE_CNODE_SAVE_CALLER, index, depth);
}

/* ---- TCB ------------------------------------------------------------- */

int lake_tcb_configure(lake_cptr_t tcb, lake_cptr_t fault_ep, lake_cptr_t cspace_root,
                       lake_word_t cspace_root_data, lake_cptr_t vspace,
                       lake_word_t ipc_buffer_addr, lake_cptr_t ipc_buffer_frame)
{
    lake_set_cap(0, cspace_root);
    lake_set_cap(1, vspace);
    lake_set_cap(2, ipc_buffer_frame);
    lake_set_mr(0, fault_ep);
    lake_set_mr(1, cspace_root_data);
    lake_set_mr(2, ipc_buffer_addr);
    return lake_invoke(tcb, LAKE_TCB_CONFIGURE, 3, 3);
}

static int tcb_with_authority(lake_cptr_t tcb, lake_word_t label, lake_cptr_t authority,
                              lake_word_t value)
{
    lake_set_cap(0, authority);
    lake_set_mr(0, value);
    return lake_invoke(tcb, label, 1, 1);
}

int lake_tcb_set_priority(lake_cptr_t tcb, lake_cptr_t authority, unsigned priority)
{
    return tcb_with_authority(tcb, LAKE_TCB_SET_PRIORITY, authority, priority);
}

int lake_tcb_set_mc_priority(lake_cptr_t tcb, lake_cptr_t authority, unsigned mcp)
{
    return tcb_with_authority(tcb, LAKE_TCB_SET_MC_PRIORITY, authority, mcp);
}

int lake_tcb_resume(lake_cptr_t tcb)
{
    return lake_invoke(tcb, LAKE_TCB_RESUME, 0, 0);
}

int lake_tcb_suspend(lake_cptr_t tcb)
{
    return lake_invoke(tcb, LAKE_TCB_SUSPEND, 0, 0);
}

int lake_tcb_read_registers(lake_cptr_t tcb, bool suspend_source, unsigned count, lake_word_t *regs)
{
    lake_set_mr(0, suspend_source);
    lake_set_mr(1, count);
    int error = lake_invoke(tcb, LAKE_TCB_READ_REGISTERS, 2, 0);
    if (error == LAKE_OK) {
        for (unsigned i = 0; i < count && i < LAKE_MSG_MAX_LENGTH; i++)
            regs[i] = lake_get_mr(i);
    }
    return error;
}

int lake_tcb_write_registers(lake_cptr_t tcb, bool resume_target, unsigned count,
                             const lake_word_t *regs)
{
    if (count > LAKE_MSG_MAX_LENGTH - 2)
        count = LAKE_MSG_MAX_LENGTH - 2;
    lake_set_mr(0, resume_target);
    lake_set_mr(1, count);
    for (unsigned i = 0; i < count; i++)
        lake_set_mr(2 + i, regs[i]);
    return lake_invoke(tcb, LAKE_TCB_WRITE_REGISTERS, 2 + count, 0);
}

int lake_tcb_copy_registers(lake_cptr_t tcb, lake_cptr_t source, unsigned flags)
{
    lake_set_cap(0, source);
    lake_set_mr(0, flags);
    return lake_invoke(tcb, LAKE_TCB_COPY_REGISTERS, 1, 1);
}

int lake_tcb_bind_notification(lake_cptr_t tcb, lake_cptr_t ntfn)
{
    lake_set_cap(0, ntfn);
    return lake_invoke(tcb, LAKE_TCB_BIND_NOTIFICATION, 0, 1);
}

int lake_tcb_unbind_notification(lake_cptr_t tcb)
{
    return lake_invoke(tcb, LAKE_TCB_UNBIND_NOTIFICATION, 0, 0);
}

static int tcb_one_word(lake_cptr_t tcb, lake_word_t label, lake_word_t value)
{
    lake_set_mr(0, value);
    return lake_invoke(tcb, label, 1, 0);
}

int lake_tcb_set_tls_base(lake_cptr_t tcb, lake_word_t tls_base)
{
    return tcb_one_word(tcb, LAKE_TCB_SET_TLS_BASE, tls_base);
}

int lake_tcb_set_affinity(lake_cptr_t tcb, unsigned core)
{
    return tcb_one_word(tcb, LAKE_TCB_SET_AFFINITY, core);
}

int lake_tcb_set_fault_handler(lake_cptr_t tcb, lake_cptr_t fault_ep)
{
    return tcb_one_word(tcb, LAKE_TCB_SET_FAULT_HANDLER, fault_ep);
}

/* ---- Frame ----------------------------------------------------------- */

int lake_frame_map(lake_cptr_t frame, lake_cptr_t vspace, lake_word_t vaddr, unsigned rights,
                   unsigned attrs)
{
    lake_set_cap(0, vspace);
    lake_set_mr(0, vaddr);
    lake_set_mr(1, rights);
    lake_set_mr(2, attrs);
    return lake_invoke(frame, LAKE_FRAME_MAP, 3, 1);
}

int lake_frame_unmap(lake_cptr_t frame)
{
    return lake_invoke(frame, LAKE_FRAME_UNMAP, 0, 0);
}

int lake_frame_get_address(lake_cptr_t frame, lake_word_t *paddr)
{
    int error = lake_invoke(frame, LAKE_FRAME_GET_ADDRESS, 0, 0);
    if (error == LAKE_OK && paddr)
        *paddr = lake_get_mr(0);
    return error;
}

static int frame_range_op(lake_cptr_t frame, lake_word_t label, lake_word_t start, lake_word_t end)
{
    lake_set_mr(0, start);
    lake_set_mr(1, end);
    return lake_invoke(frame, label, 2, 0);
}

int lake_frame_clean(lake_cptr_t frame, lake_word_t start, lake_word_t end)
{
    return frame_range_op(frame, LAKE_FRAME_CLEAN, start, end);
}

int lake_frame_invalidate(lake_cptr_t frame, lake_word_t start, lake_word_t end)
{
    return frame_range_op(frame, LAKE_FRAME_INVALIDATE, start, end);
}

int lake_frame_clean_invalidate(lake_cptr_t frame, lake_word_t start, lake_word_t end)
{
    return frame_range_op(frame, LAKE_FRAME_CLEAN_INVALIDATE, start, end);
}

int lake_frame_unify_instruction(lake_cptr_t frame, lake_word_t start, lake_word_t end)
{
    return frame_range_op(frame, LAKE_FRAME_UNIFY_INSTRUCTION, start, end);
}

/* ---- PageTable, VSpace, ASIDs ----------------------------------------- */

int lake_vspace_map_frames(lake_cptr_t vspace, lake_cptr_t root,
                           const struct lake_cnode_range *frames, unsigned count,
                           lake_word_t vaddr, unsigned rights, unsigned attrs)
{
    stage_range(0, frames);
    lake_set_mr(3, count);
    lake_set_mr(4, vaddr);
    lake_set_mr(5, rights);
    lake_set_mr(6, attrs);
    lake_set_cap(0, root);
    return lake_invoke(vspace, LAKE_VSPACE_MAP_FRAMES, 7, 1);
}

int lake_page_table_map(lake_cptr_t table, lake_cptr_t vspace, lake_word_t vaddr)
{
    lake_set_cap(0, vspace);
    lake_set_mr(0, vaddr);
    return lake_invoke(table, LAKE_PAGE_TABLE_MAP, 1, 1);
}

int lake_page_table_unmap(lake_cptr_t table)
{
    return lake_invoke(table, LAKE_PAGE_TABLE_UNMAP, 0, 0);
}

int lake_asid_control_make_pool(lake_cptr_t asid_control, lake_cptr_t untyped, lake_cptr_t root,
                                lake_word_t index, unsigned depth)
{
    lake_set_cap(0, untyped);
    lake_set_cap(1, root);
    lake_set_mr(0, index);
    lake_set_mr(1, depth);
    return lake_invoke(asid_control, LAKE_ASID_CONTROL_MAKE_POOL, 2, 2);
}

int lake_asid_pool_assign(lake_cptr_t pool, lake_cptr_t vspace)
{
    lake_set_cap(0, vspace);
    return lake_invoke(pool, LAKE_ASID_POOL_ASSIGN, 0, 1);
}

/* ---- IRQs ------------------------------------------------------------ */

int lake_irq_control_get(lake_cptr_t irq_control, unsigned irq, lake_cptr_t root,
                         lake_word_t index, unsigned depth)
{
    lake_set_cap(0, root);
    lake_set_mr(0, irq);
    lake_set_mr(1, index);
    lake_set_mr(2, depth);
    return lake_invoke(irq_control, LAKE_IRQ_CONTROL_GET, 3, 1);
}

int lake_irq_handler_ack(lake_cptr_t handler)
{
    return lake_invoke(handler, LAKE_IRQ_HANDLER_ACK, 0, 0);
}

int lake_irq_handler_set_notification(lake_cptr_t handler, lake_cptr_t ntfn)
{
    lake_set_cap(0, ntfn);
    return lake_invoke(handler, LAKE_IRQ_HANDLER_SET_NOTIFICATION, 0, 1);
}

int lake_irq_handler_clear(lake_cptr_t handler)
{
    return lake_invoke(handler, LAKE_IRQ_HANDLER_CLEAR, 0, 0);
}
