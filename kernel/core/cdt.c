/*
 * Capability derivation tree, deletion and revocation.
 *
 * The tree is a doubly linked list in depth-first order: each capability is
 * followed by its descendants. cdt_is_parent_of decides parenthood from the
 * two capabilities and the revocable/first-badged flags (as seL4's
 * isMDBParentOf), so inserting a child right after its parent is all
 * bookkeeping needs.
 *
 * Deleting the last capability to a CNode or TCB must delete the
 * capabilities inside it first, which may hold the last capability to
 * another CNode, and so on. Instead of recursing (user space controls the
 * depth), the slot is turned into a zombie that remembers the zombie it was
 * reached from and how far its slots have been emptied, and a loop walks
 * that chain. The loop can stop at any slot for a pending interrupt (CNode
 * Delete and Revoke are preemptible): the invocation is restarted later and
 * picks up where the zombies say.
 */
#include <cdt.h>
#include <object/objects.h>
#include <panic.h>

u64 cap_object_size(struct cap c)
{
    switch (cap_type(c)) {
    case CAP_ZOMBIE:
        return cap_flag(c) ? BIT(LAKE_TCB_BITS) : BIT(cap_size_bits(c) + LAKE_SLOT_BITS);
    case LAKE_OBJ_UNTYPED:      return BIT(cap_size_bits(c));
    case LAKE_OBJ_TCB:          return BIT(LAKE_TCB_BITS);
    case LAKE_OBJ_ENDPOINT:     return BIT(LAKE_ENDPOINT_BITS);
    case LAKE_OBJ_NOTIFICATION: return BIT(LAKE_NOTIFICATION_BITS);
    case LAKE_OBJ_CNODE:        return BIT(cap_cnode_radix(c) + LAKE_SLOT_BITS);
    case LAKE_OBJ_FRAME_4K:     return BIT(LAKE_PAGE_BITS);
    case LAKE_OBJ_FRAME_2M:     return BIT(LAKE_LARGE_PAGE_BITS);
    case LAKE_OBJ_PAGE_TABLE:   return BIT(LAKE_PAGE_TABLE_BITS);
    case LAKE_OBJ_VSPACE:       return BIT(LAKE_VSPACE_BITS);
    case LAKE_OBJ_ASID_POOL:    return BIT(LAKE_ASID_POOL_BITS);
    default:                    return 0;
    }
}

bool cap_same_region_as(struct cap a, struct cap b)
{
    unsigned ta = cap_type(a), tb = cap_type(b);

    switch (ta) {
    case LAKE_OBJ_UNTYPED: {
        u64 b_size = cap_object_size(b);
        u64 a_base = cap_paddr(a), b_base = cap_paddr(b);
        if (b_size == 0)
            return false;
        return a_base <= b_base && b_base + b_size <= a_base + cap_object_size(a);
    }
    case LAKE_OBJ_CNODE:
        return tb == ta && cap_paddr(a) == cap_paddr(b) &&
               cap_cnode_radix(a) == cap_cnode_radix(b);
    case LAKE_OBJ_FRAME_4K:
    case LAKE_OBJ_FRAME_2M:
    case LAKE_OBJ_TCB:
    case LAKE_OBJ_ENDPOINT:
    case LAKE_OBJ_NOTIFICATION:
    case LAKE_OBJ_PAGE_TABLE:
    case LAKE_OBJ_VSPACE:
    case LAKE_OBJ_ASID_POOL:
        return tb == ta && cap_paddr(a) == cap_paddr(b);
    case LAKE_OBJ_ASID_CONTROL:
        return tb == LAKE_OBJ_ASID_CONTROL;
    case LAKE_OBJ_IRQ_CONTROL:
        return tb == LAKE_OBJ_IRQ_CONTROL || tb == LAKE_OBJ_IRQ_HANDLER;
    case LAKE_OBJ_IRQ_HANDLER:
        return tb == LAKE_OBJ_IRQ_HANDLER && cap_irq(a) == cap_irq(b);
    default:
        return false;
    }
}

bool cap_same_object_as(struct cap a, struct cap b)
{
    /* A zombie is already the last capability of what it names. */
    if (cap_type(a) == CAP_ZOMBIE || cap_type(b) == CAP_ZOMBIE)
        return false;
    /* Untyped memory is never "the last cap to an object": nothing to destroy. */
    if (cap_type(a) == LAKE_OBJ_UNTYPED || cap_type(b) == LAKE_OBJ_UNTYPED)
        return false;
    if (cap_type(a) == LAKE_OBJ_IRQ_CONTROL && cap_type(b) == LAKE_OBJ_IRQ_HANDLER)
        return false;
    return cap_same_region_as(a, b);
}

bool cap_derive(struct cap c, struct cap *out)
{
    switch (cap_type(c)) {
    case LAKE_OBJ_NULL:
    case LAKE_OBJ_REPLY:
    case CAP_ZOMBIE:
    /* One capability per untyped region: a copy would keep its own
     * watermark and hand out memory the original already gave away.
     * Untyped caps move; smaller pieces come from Retype. */
    case LAKE_OBJ_UNTYPED:
        return false;
    case LAKE_OBJ_FRAME_4K:
    case LAKE_OBJ_FRAME_2M:
        c.data = 0;     /* each frame capability maps at most once */
        break;
    default:
        break;
    }
    *out = c;
    return true;
}

bool cap_is_revocable(struct cap derived, struct cap source)
{
    switch (cap_type(derived)) {
    case LAKE_OBJ_ENDPOINT:
    case LAKE_OBJ_NOTIFICATION:
        return derived.data != source.data;   /* a new badge */
    case LAKE_OBJ_IRQ_HANDLER:
        return cap_type(source) == LAKE_OBJ_IRQ_CONTROL;
    case LAKE_OBJ_UNTYPED:
        return true;
    default:
        return false;
    }
}

bool cdt_is_parent_of(const struct cte *a, const struct cte *b)
{
    if (!(cte_flags(a) & CTE_REVOCABLE))
        return false;
    if (!cap_same_region_as(a->cap, b->cap))
        return false;
    unsigned type = cap_type(a->cap);
    if (type == LAKE_OBJ_ENDPOINT || type == LAKE_OBJ_NOTIFICATION) {
        u64 badge = a->cap.data;
        if (badge == 0)
            return true;
        return badge == b->cap.data && !(cte_flags(b) & CTE_FIRST_BADGED);
    }
    return true;
}

/* Null and reply caps live outside the tree; everything else (zombies
 * included) keeps its place in it. */
static bool in_tree(struct cap c)
{
    unsigned t = cap_type(c);
    return t != LAKE_OBJ_NULL && t != LAKE_OBJ_REPLY;
}

void cdt_insert(struct cte *parent, struct cte *dest, struct cap cap, unsigned flags)
{
    dest->cap = cap;
    dest->prev = NULL;
    dest->next = NULL;
    cte_set_flags(dest, flags);
    if (parent == NULL || !in_tree(cap))
        return;
    struct cte *next = parent->next;
    cte_set_prev(dest, parent);
    dest->next = next;
    parent->next = dest;
    if (next)
        cte_set_prev(next, dest);
}

static void cdt_unlink(struct cte *slot)
{
    struct cte *prev = cte_prev(slot), *next = slot->next;
    if (prev)
        prev->next = next;
    if (next)
        cte_set_prev(next, prev);
    slot->next = NULL;
    cte_set_prev(slot, NULL);
}

/* Reply caps live outside the tree but their thread points back at them. */
static void reply_slot_moved(struct cte *dest)
{
    if (cap_type(dest->cap) == LAKE_OBJ_REPLY)
        cap_tcb(dest->cap)->reply_slot = dest;
}

void cdt_move(struct cte *src, struct cte *dest, struct cap new_cap)
{
    struct cte *prev = cte_prev(src), *next = src->next;

    dest->cap = new_cap;
    dest->prev = src->prev;     /* keeps the flags */
    dest->next = next;
    if (prev)
        prev->next = dest;
    if (next)
        cte_set_prev(next, dest);
    src->cap = cap_null();
    src->prev = NULL;
    src->next = NULL;
    reply_slot_moved(dest);
}

void cdt_swap(struct cte *a, struct cap a_new, struct cte *b, struct cap b_new)
{
    /* Three moves through a spare slot handle adjacent slots too. */
    static struct cte spare;

    cdt_move(a, &spare, a_new);
    cdt_move(b, a, b_new);
    cdt_move(&spare, b, spare.cap);
}

bool cte_has_children(const struct cte *slot)
{
    /* Zombies are never parents (cap_same_region_as is false for them). */
    return slot->next != NULL && cdt_is_parent_of(slot, slot->next);
}

bool cte_is_final(const struct cte *slot)
{
    if (!in_tree(slot->cap))
        return true;
    const struct cte *prev = cte_prev(slot), *next = slot->next;
    if (prev && cap_same_object_as(slot->cap, prev->cap))
        return false;
    if (next && cap_same_object_as(slot->cap, next->cap))
        return false;
    return true;
}

static void empty_slot(struct cte *slot)
{
    if (in_tree(slot->cap))
        cdt_unlink(slot);
    slot->cap = cap_null();
    slot->prev = NULL;
    slot->next = NULL;
}

static bool is_container(struct cap c)
{
    return cap_type(c) == LAKE_OBJ_CNODE || cap_type(c) == LAKE_OBJ_TCB;
}

/*
 * A zombie's data word: the slot of the zombie it was reached from (its
 * physical address / 32, 35 bits; 0 for the top of a deletion), how many
 * of its own slots have been emptied (28 bits), and whether a zombie on
 * the walk's own path was passed over inside it (bit 63).
 */
#define ZOMBIE_PARENT_BITS 35
#define ZOMBIE_PROGRESS_BITS 28
#define ZOMBIE_SKIPPED BIT(63)

static struct cte *zombie_parent(struct cap z)
{
    u64 field = bits_extract(z.data, 0, ZOMBIE_PARENT_BITS);
    return field ? phys_to_virt(field << LAKE_SLOT_BITS) : NULL;
}

static u64 zombie_progress(struct cap z)
{
    return bits_extract(z.data, ZOMBIE_PARENT_BITS, ZOMBIE_PROGRESS_BITS);
}

static void zombie_set(struct cte *slot, struct cte *parent, u64 progress)
{
    u64 field = parent ? virt_to_phys(parent) >> LAKE_SLOT_BITS : 0;
    slot->cap.data = field | (progress << ZOMBIE_PARENT_BITS) | (slot->cap.data & ZOMBIE_SKIPPED);
}

/* Turns the slot of a final container cap into a zombie reached from
 * parent. It keeps its place in the derivation tree, so revoking the
 * untyped it came from finishes it off. */
static void make_zombie(struct cte *slot, struct cte *parent)
{
    struct cap c = slot->cap;
    bool is_tcb = cap_type(c) == LAKE_OBJ_TCB;

    cap_finalise(slot, true);   /* TCB: stop it; CNode: nothing */
    slot->cap = cap_make(CAP_ZOMBIE, cap_paddr(c), 0, is_tcb ? 0 : cap_cnode_radix(c), is_tcb,
                         0, 0);
    zombie_set(slot, parent, 0);
    cte_set_flags(slot, 0);
}

static struct cte *zombie_slots(struct cap z, u64 *count)
{
    if (cap_flag(z)) {
        *count = TCB_NUM_SLOTS;
        return ((struct tcb *)cap_ptr(z))->slots;
    }
    *count = BIT(cap_size_bits(z));
    return cap_ptr(z);
}

static bool chain_contains(struct cte *cur, const struct cte *slot)
{
    for (struct cte *p = cur; p != NULL; p = zombie_parent(p->cap)) {
        if (p == slot)
            return true;
    }
    return false;
}

/* A zombie inside the container that is not on the current path (an
 * interrupted deletion's leftover, or one passed over earlier), or NULL. */
/* The first slot at or after i that is not empty (count if none): eight
 * slots a step over the empty stretches most CNodes consist of (a null cap
 * has type 0, and the type is the top bits of w0). */
static u64 next_used_slot(const struct cte *slots, u64 i, u64 count)
{
    const struct cte *s = slots + i, *end = slots + count;
    for (; end - s >= 8; s += 8) {
        u64 types = s[0].cap.w0 | s[1].cap.w0 | s[2].cap.w0 | s[3].cap.w0 | s[4].cap.w0 |
                    s[5].cap.w0 | s[6].cap.w0 | s[7].cap.w0;
        if (types >> CAP_TYPE_SHIFT)
            break;
    }
    while (s < end && cap_is_null(s->cap))
        s++;
    return (u64)(s - slots);
}

static struct cte *zombie_to_finish(struct cte *cur, struct cte *slots, u64 count)
{
    for (u64 i = next_used_slot(slots, 0, count); i < count;
         i = next_used_slot(slots, i + 1, count)) {
        if (cap_type(slots[i].cap) == CAP_ZOMBIE && !chain_contains(cur, &slots[i]))
            return &slots[i];
    }
    return NULL;
}

/*
 * Empties the container of the zombie in top, descending into containers
 * whose last capability it holds, without recursion. Returns false if it
 * stopped for a pending interrupt (only when preemptible); the zombies
 * record where to go on.
 *
 * Cycles (a container holding a zombie of the walk's own path, e.g. a
 * CNode holding its own last capability) are passed over and the
 * container is rescanned when it is otherwise empty. If one is still
 * inside when the container is emptied, that zombie now lives in memory
 * whose last capability is gone, so the walk then runs to the end without
 * stopping: nothing can reuse the memory before the walk empties it.
 */
static bool destroy_zombie_chain(struct cte *top, bool preemptible)
{
    struct cte *cur = top;

    for (;;) {
        u64 count, i = zombie_progress(cur->cap);
        struct cte *slots = zombie_slots(cur->cap, &count);
        struct cte *descend = NULL;

        for (i = next_used_slot(slots, i, count); i < count;
             i = next_used_slot(slots, i + 1, count)) {
            struct cte *s = &slots[i];
            if (cap_type(s->cap) != CAP_ZOMBIE)
                break;
            if (chain_contains(cur, s)) {
                cur->cap.data |= ZOMBIE_SKIPPED;
                continue;
            }
            /* A zombie left by an interrupted deletion: finish it here. */
            descend = s;
            break;
        }
        zombie_set(cur, zombie_parent(cur->cap), i);
        if (descend == NULL && i == count && (cur->cap.data & ZOMBIE_SKIPPED))
            descend = zombie_to_finish(cur, slots, count);
        if (descend != NULL) {
            zombie_set(descend, cur, zombie_progress(descend->cap));
            cur = descend;
            continue;
        }
        if (i == count) {
            struct cte *parent = zombie_parent(cur->cap);
            if (cur->cap.data & ZOMBIE_SKIPPED)
                preemptible = false;    /* a zombie of our path is still inside */
            empty_slot(cur);
            if (cur == top)
                return true;
            cur = parent;
            continue;
        }
        struct cte *s = &slots[i];
        bool final = cte_is_final(s);
        if (final && is_container(s->cap)) {
            make_zombie(s, cur);
            cur = s;
            continue;
        }
        cap_finalise(s, final);
        empty_slot(s);
        if (preemptible && preemption_pending())
            return false;
    }
}

static bool delete_slot(struct cte *slot, bool preemptible)
{
    if (cap_is_null(slot->cap))
        return true;
    if (cap_type(slot->cap) == CAP_ZOMBIE) {
        /* Finishing a zombie left by an interrupted deletion: it is the top
         * of this walk, so a parent link from that earlier walk must not
         * make its old parent look like part of our own path. */
        zombie_set(slot, NULL, zombie_progress(slot->cap));
        return destroy_zombie_chain(slot, preemptible);
    }
    bool final = cte_is_final(slot);
    if (final && is_container(slot->cap)) {
        make_zombie(slot, NULL);
        return destroy_zombie_chain(slot, preemptible);
    }
    cap_finalise(slot, final);
    empty_slot(slot);
    return true;
}

/* Whether c names an object inside [base, end) (an untyped's region). */
static inline bool inside(struct cap c, u64 base, u64 end)
{
    u64 size = cap_object_size(c), pa = cap_paddr(c);
    return size != 0 && pa >= base && pa + size <= end;
}

static bool revoke_slot(struct cte *slot, bool preemptible)
{
    /* An untyped's children are the caps after it inside its region (as
     * cdt_is_parent_of says): the region is worked out once, not per
     * child (a process's revoke has dozens). */
    if (cap_type(slot->cap) == LAKE_OBJ_UNTYPED && (cte_flags(slot) & CTE_REVOCABLE)) {
        u64 base = cap_paddr(slot->cap), end = base + cap_object_size(slot->cap);
        while (slot->next != NULL && inside(slot->next->cap, base, end)) {
            if (!delete_slot(slot->next, preemptible))
                return false;
            if (preemptible && preemption_pending())
                return false;
        }
        return true;
    }
    while (cte_has_children(slot)) {
        if (!delete_slot(slot->next, preemptible))
            return false;
        if (preemptible && preemption_pending())
            return false;
    }
    return true;
}

void cte_delete(struct cte *slot) { delete_slot(slot, false); }
void cte_revoke(struct cte *slot) { revoke_slot(slot, false); }
bool cte_delete_preemptible(struct cte *slot) { return delete_slot(slot, true); }
bool cte_revoke_preemptible(struct cte *slot) { return revoke_slot(slot, true); }
