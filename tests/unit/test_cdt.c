/*
 * kernel/core/cdt.c: capability relations, the derivation tree (insert,
 * move, swap), finality, and Delete/Revoke including the iterative
 * (zombie) destruction of containers and its preemption.
 *
 * cap_finalise (kernel/object/object.c) and preemption_pending (the
 * architecture) are test doubles here: the first records what it was
 * given, the second is scripted by each test.
 */
#include "unit.h"
#include "kmem.h"
#include <cdt.h>

/* ---- test doubles ------------------------------------------------------ */

#define LOG_MAX 64

static struct {
    unsigned calls, finals;
    unsigned logged;
    struct { struct cte *slot; struct cap cap; bool final; } log[LOG_MAX];
} fin;

void cap_finalise(struct cte *slot, bool final)
{
    if (fin.logged < LOG_MAX) {
        fin.log[fin.logged].slot = slot;
        fin.log[fin.logged].cap = slot->cap;
        fin.log[fin.logged].final = final;
        fin.logged++;
    }
    fin.calls++;
    fin.finals += final;
}

/* preemption_pending returns true on its preempt_at-th call (1-based) and
 * every preempt_every calls after that; 0 disables. */
static unsigned preempt_calls, preempt_at, preempt_every;

bool preemption_pending(void)
{
    preempt_calls++;
    if (preempt_at == 0 || preempt_calls < preempt_at)
        return false;
    if (preempt_calls == preempt_at)
        return true;
    return preempt_every != 0 && (preempt_calls - preempt_at) % preempt_every == 0;
}

static void reset(void)
{
    kmem_reset();
    memset(&fin, 0, sizeof(fin));
    preempt_calls = preempt_at = preempt_every = 0;
}

/* Whether cap_finalise saw slot (with the cap it then held) and with what final. */
static int finalised(const struct cte *slot, struct cap c)
{
    for (unsigned i = 0; i < fin.logged; i++) {
        if (fin.log[i].slot == slot && fin.log[i].cap.w0 == c.w0)
            return fin.log[i].final ? 1 : 0;
    }
    return -1;
}

/* ---- building blocks --------------------------------------------------- */

static struct cap ep_cap(paddr_t pa, u64 badge)
{
    return cap_make(LAKE_OBJ_ENDPOINT, pa, LAKE_RIGHTS_ALL, 0, false, 0, badge);
}

static struct cap ntfn_cap(paddr_t pa, u64 badge)
{
    return cap_make(LAKE_OBJ_NOTIFICATION, pa, LAKE_RIGHTS_ALL, 0, false, 0, badge);
}

static struct cap ut_cap(paddr_t pa, unsigned bits)
{
    return cap_make(LAKE_OBJ_UNTYPED, pa, 0, bits, false, 0, 0);
}

static struct cap cnode_cap(const struct cte *slots, unsigned radix)
{
    return kmem_cnode_cap(slots, radix, 0, 0);
}

static struct cap tcb_cap(const struct tcb *t)
{
    return cap_make(LAKE_OBJ_TCB, virt_to_phys(t), LAKE_RIGHTS_ALL, 0, false, 0, 0);
}

/* As CNode Copy/Mint do (kernel/object/cnode.c): derive, maybe badge,
 * decide the flags, insert after the source. */
static void copy_cap(struct cte *src, struct cte *dest, bool mint, u64 badge)
{
    struct cap c;
    CHECK(cap_derive(src->cap, &c));
    if (mint)
        c.data = badge;
    unsigned flags = 0;
    if (cap_is_revocable(c, src->cap)) {
        flags = CTE_REVOCABLE;
        if (cap_type(c) == LAKE_OBJ_ENDPOINT || cap_type(c) == LAKE_OBJ_NOTIFICATION)
            flags |= CTE_FIRST_BADGED;
    }
    cdt_insert(src, dest, c, flags);
}

static void copy(struct cte *src, struct cte *dest) { copy_cap(src, dest, false, 0); }
static void mint(struct cte *src, struct cte *dest, u64 badge) { copy_cap(src, dest, true, badge); }

/* As Untyped Retype does: a revocable child right after the untyped. */
static void retype(struct cte *ut, struct cte *dest, struct cap c)
{
    cdt_insert(ut, dest, c, CTE_REVOCABLE);
}

/* An untyped region of 2^bits bytes in kmem, and a bump allocator in it. */
struct region {
    paddr_t base, used;
    unsigned bits;
};

static struct region region_new(unsigned bits)
{
    struct region r = { kmem_object(bits), 0, bits };
    return r;
}

static paddr_t region_alloc(struct region *r, unsigned bits)
{
    paddr_t pa = (r->base + r->used + BIT(bits) - 1) & ~(BIT(bits) - 1);
    r->used = pa + BIT(bits) - r->base;
    CHECK(r->used <= BIT(r->bits));
    return pa;
}

/* The list holds exactly these slots, in this order, with consistent links. */
static bool list_is(struct cte *const *slots, unsigned n)
{
    bool ok = cte_prev(slots[0]) == NULL && slots[n - 1]->next == NULL;
    for (unsigned i = 0; i + 1 < n; i++)
        ok = ok && slots[i]->next == slots[i + 1] && cte_prev(slots[i + 1]) == slots[i];
    return ok;
}
#define LIST_IS(...) list_is((struct cte *const[]){ __VA_ARGS__ },                     \
                             sizeof((struct cte *const[]){ __VA_ARGS__ }) / sizeof(struct cte *))

static bool unlinked(const struct cte *s)
{
    return cte_prev(s) == NULL && s->next == NULL;
}

static bool all_null(const struct cte *slots, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (!cap_is_null(slots[i].cap) || slots[i].prev != NULL || slots[i].next != NULL)
            return false;
    }
    return true;
}

/* ---- relations --------------------------------------------------------- */

TEST(same_region_untyped_contains_objects)
{
    struct cap ut = ut_cap(0x100000, 16);
    CHECK(cap_same_region_as(ut, ep_cap(0x100000, 0)));
    CHECK(cap_same_region_as(ut, ep_cap(0x10ffe0, 0)));         /* last 32 bytes */
    CHECK(!cap_same_region_as(ut, ep_cap(0x110000, 0)));        /* just past the end */
    CHECK(!cap_same_region_as(ut, ep_cap(0xfffe0, 0)));         /* just before */
    CHECK(cap_same_region_as(ut, cap_make(LAKE_OBJ_FRAME_4K, 0x10f000, 3, 0, false, 0, 0)));
    /* An object reaching past the end is not inside. */
    CHECK(!cap_same_region_as(ut, cap_make(LAKE_OBJ_FRAME_4K, 0x10f800, 3, 0, false, 0, 0)));
    CHECK(!cap_same_region_as(ut, cap_make(LAKE_OBJ_FRAME_2M, 0x100000, 3, 0, false, 0, 0)));
}

TEST(same_region_untyped_nesting)
{
    struct cap big = ut_cap(0x100000, 16), half = ut_cap(0x108000, 15);
    CHECK(cap_same_region_as(big, half));
    CHECK(!cap_same_region_as(half, big));
    CHECK(cap_same_region_as(big, big));
    CHECK(cap_same_region_as(big, cnode_cap((struct cte *)0x10c000, 4)));
    CHECK(cap_same_region_as(big, cap_make(LAKE_OBJ_TCB, 0x10f800, 0, 0, false, 0, 0)));
}

TEST(same_region_untyped_ignores_objects_without_memory)
{
    struct cap ut = ut_cap(0, 40);
    CHECK(!cap_same_region_as(ut, cap_null()));
    CHECK(!cap_same_region_as(ut, cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0)));
    CHECK(!cap_same_region_as(ut, cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 5, 0)));
    CHECK(!cap_same_region_as(ut, cap_make(LAKE_OBJ_ASID_CONTROL, 0, 0, 0, false, 0, 0)));
    CHECK(!cap_same_region_as(ut, cap_make(LAKE_OBJ_REPLY, 0x800, 0, 0, false, 0, 0)));
}

TEST(same_region_untyped_contains_zombies)
{
    /* A zombie keeps its place under the untyped it came from. */
    struct cap ut = ut_cap(0x100000, 12);
    CHECK(cap_same_region_as(ut, cap_make(CAP_ZOMBIE, 0x100800, 0, 0, true, 0, 0)));
    CHECK(cap_same_region_as(ut, cap_make(CAP_ZOMBIE, 0x100000, 0, 7, false, 0, 0)));
    CHECK(!cap_same_region_as(ut, cap_make(CAP_ZOMBIE, 0x100000, 0, 8, false, 0, 0)));
    /* ...but a zombie is nobody's parent. */
    CHECK(!cap_same_region_as(cap_make(CAP_ZOMBIE, 0x100000, 0, 7, false, 0, 0),
                              ep_cap(0x100000, 0)));
}

TEST(same_region_typed_objects_by_address_and_type)
{
    CHECK(cap_same_region_as(ep_cap(0x1000, 0), ep_cap(0x1000, 7)));
    CHECK(!cap_same_region_as(ep_cap(0x1000, 0), ep_cap(0x1020, 0)));
    CHECK(!cap_same_region_as(ep_cap(0x1000, 0), ntfn_cap(0x1000, 0)));
    CHECK(!cap_same_region_as(ep_cap(0x1000, 0), ut_cap(0x1000, 12)));
    struct cap f = cap_make(LAKE_OBJ_FRAME_4K, 0x2000, 3, 0, false, 0, cap_mapping(1, 0x400000));
    CHECK(cap_same_region_as(f, cap_make(LAKE_OBJ_FRAME_4K, 0x2000, 1, 0, false, 0, 0)));
    CHECK(!cap_same_region_as(f, cap_make(LAKE_OBJ_PAGE_TABLE, 0x2000, 0, 0, false, 0, 0)));
}

TEST(same_region_cnode_needs_same_radix_not_guard)
{
    struct cap a = kmem_cnode_cap((struct cte *)0x4000, 4, 0, 0);
    CHECK(cap_same_region_as(a, kmem_cnode_cap((struct cte *)0x4000, 4, 60, 0x9)));
    CHECK(!cap_same_region_as(a, kmem_cnode_cap((struct cte *)0x4000, 5, 0, 0)));
    CHECK(!cap_same_region_as(a, kmem_cnode_cap((struct cte *)0x4200, 4, 0, 0)));
}

TEST(same_region_irq_and_asid_control)
{
    struct cap ctl = cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0);
    struct cap h5 = cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 5, 0);
    struct cap h6 = cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 6, 0);
    CHECK(cap_same_region_as(ctl, h5));
    CHECK(cap_same_region_as(ctl, ctl));
    CHECK(!cap_same_region_as(h5, ctl));
    CHECK(cap_same_region_as(h5, h5));
    CHECK(!cap_same_region_as(h5, h6));
    struct cap asid = cap_make(LAKE_OBJ_ASID_CONTROL, 0, 0, 0, false, 0, 0);
    CHECK(cap_same_region_as(asid, asid));
    CHECK(!cap_same_region_as(asid, ctl));
    CHECK(!cap_same_region_as(cap_null(), cap_null()));
    CHECK(!cap_same_region_as(cap_make(LAKE_OBJ_REPLY, 0x800, 0, 0, false, 0, 0),
                              cap_make(LAKE_OBJ_REPLY, 0x800, 0, 0, false, 0, 0)));
}

TEST(same_object_excludes_untyped_irq_control_and_zombies)
{
    struct cap ut = ut_cap(0x100000, 16);
    CHECK(!cap_same_object_as(ut, ut));
    CHECK(!cap_same_object_as(ut, ep_cap(0x100000, 0)));
    CHECK(!cap_same_object_as(ep_cap(0x100000, 0), ut));
    CHECK(!cap_same_object_as(cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0),
                              cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 5, 0)));
    struct cap z = cap_make(CAP_ZOMBIE, 0x4000, 0, 4, false, 0, 0);
    CHECK(!cap_same_object_as(z, z));
    CHECK(!cap_same_object_as(cnode_cap((struct cte *)0x4000, 4), z));
}

TEST(same_object_ignores_badges_and_rights)
{
    CHECK(cap_same_object_as(ep_cap(0x1000, 0), ep_cap(0x1000, 9)));
    CHECK(cap_same_object_as(cap_with_rights(ntfn_cap(0x1000, 1), 0), ntfn_cap(0x1000, 2)));
    CHECK(cap_same_object_as(cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0),
                             cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0)));
    CHECK(cap_same_object_as(cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 5, 0),
                             cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 5, 0)));
}

TEST(derive_refuses_null_reply_and_zombie)
{
    struct cap out = ep_cap(0x40, 1);
    CHECK(!cap_derive(cap_null(), &out));
    CHECK(!cap_derive(cap_make(LAKE_OBJ_REPLY, 0x800, 0, 0, true, 0, 0), &out));
    CHECK(!cap_derive(cap_make(CAP_ZOMBIE, 0x800, 0, 0, true, 0, 0), &out));
    CHECK_EQ(out.data, 1);      /* untouched */
}

TEST(derive_unmaps_frames_only)
{
    struct cap f = cap_make(LAKE_OBJ_FRAME_2M, 0x200000, LAKE_RIGHT_READ, 0, true, 0,
                            cap_mapping(3, 0x40000000));
    struct cap out;
    CHECK(cap_derive(f, &out));
    CHECK_EQ(out.w0, f.w0);
    CHECK_EQ(out.data, 0);
    CHECK(cap_derive(ep_cap(0x40, 0x77), &out));
    CHECK_EQ(out.data, 0x77);
    struct cap pt = cap_make(LAKE_OBJ_PAGE_TABLE, 0x3000, 0, 0, false, 2, cap_mapping(3, 0));
    CHECK(cap_derive(pt, &out));
    CHECK_EQ(out.data, pt.data);
    /* Untyped caps are never copied (one cap per region). */
    CHECK(!cap_derive(ut_cap(0x100000, 16), &out));
}

TEST(revocable_new_badge_only)
{
    CHECK(cap_is_revocable(ep_cap(0x40, 5), ep_cap(0x40, 0)));
    CHECK(!cap_is_revocable(ep_cap(0x40, 0), ep_cap(0x40, 0)));
    CHECK(!cap_is_revocable(ep_cap(0x40, 5), ep_cap(0x40, 5)));
    CHECK(cap_is_revocable(ntfn_cap(0x40, 1), ntfn_cap(0x40, 0)));
    CHECK(!cap_is_revocable(ntfn_cap(0x40, 1), ntfn_cap(0x40, 1)));
}

TEST(revocable_irq_handler_from_control_untyped_always)
{
    struct cap ctl = cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0);
    struct cap h = cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 5, 0);
    CHECK(cap_is_revocable(h, ctl));
    CHECK(!cap_is_revocable(h, h));
    CHECK(!cap_is_revocable(ctl, ctl));
    CHECK(cap_is_revocable(ut_cap(0, 12), ut_cap(0, 12)));
    CHECK(!cap_is_revocable(cnode_cap((struct cte *)0x4000, 4), cnode_cap((struct cte *)0x4000, 4)));
    CHECK(!cap_is_revocable(cap_make(LAKE_OBJ_TCB, 0x800, 0, 0, false, 0, 0),
                            cap_make(LAKE_OBJ_TCB, 0x800, 0, 0, false, 0, 0)));
    CHECK(!cap_is_revocable(cap_make(LAKE_OBJ_FRAME_4K, 0x1000, 3, 0, false, 0, 0),
                            cap_make(LAKE_OBJ_FRAME_4K, 0x1000, 3, 0, false, 0, 0)));
}

TEST(parent_requires_revocable_flag)
{
    reset();
    struct cte *s = kmem_cnode(2);
    s[0].cap = ep_cap(0x40, 0);
    s[1].cap = ep_cap(0x40, 0);
    CHECK(!cdt_is_parent_of(&s[0], &s[1]));
    cte_set_flags(&s[0], CTE_REVOCABLE);
    CHECK(cdt_is_parent_of(&s[0], &s[1]));
    s[1].cap = ep_cap(0x60, 0);     /* another object */
    CHECK(!cdt_is_parent_of(&s[0], &s[1]));
}

TEST(parent_badge_rules)
{
    reset();
    struct cte *s = kmem_cnode(2);
    cte_set_flags(&s[0], CTE_REVOCABLE);
    /* Unbadged original: parent of everything naming the endpoint. */
    s[0].cap = ep_cap(0x40, 0);
    s[1].cap = ep_cap(0x40, 5);
    cte_set_flags(&s[1], CTE_REVOCABLE | CTE_FIRST_BADGED);
    CHECK(cdt_is_parent_of(&s[0], &s[1]));
    /* Badged: parent only of same-badge caps that are not first badged. */
    s[0].cap = ep_cap(0x40, 5);
    cte_set_flags(&s[0], CTE_REVOCABLE | CTE_FIRST_BADGED);
    CHECK(!cdt_is_parent_of(&s[0], &s[1]));
    cte_set_flags(&s[1], 0);
    CHECK(cdt_is_parent_of(&s[0], &s[1]));
    s[1].cap = ep_cap(0x40, 6);
    CHECK(!cdt_is_parent_of(&s[0], &s[1]));
    s[1].cap = ep_cap(0x40, 0);
    CHECK(!cdt_is_parent_of(&s[0], &s[1]));
}

/* ---- insert, move, swap ------------------------------------------------ */

TEST(insert_links_right_after_parent)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    CHECK(unlinked(&s[0]));
    CHECK_EQ(cte_flags(&s[0]), CTE_REVOCABLE);
    cdt_insert(&s[0], &s[1], ep_cap(0x40, 0), 0);
    cdt_insert(&s[0], &s[2], ep_cap(0x40, 5), CTE_REVOCABLE | CTE_FIRST_BADGED);
    CHECK(LIST_IS(&s[0], &s[2], &s[1]));
    CHECK_EQ(cte_flags(&s[0]), CTE_REVOCABLE);
    CHECK_EQ(cte_flags(&s[1]), 0);
    CHECK_EQ(cte_flags(&s[2]), CTE_REVOCABLE | CTE_FIRST_BADGED);
    CHECK_EQ(s[2].cap.data, 5);
}

TEST(insert_keeps_null_and_reply_caps_out_of_tree)
{
    reset();
    struct cte *s = kmem_cnode(2);
    struct tcb *t = kmem_tcb();
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    cdt_insert(&s[0], &s[1], cap_make(LAKE_OBJ_REPLY, virt_to_phys(t), 0, 0, true, 0, 0), 0);
    CHECK(unlinked(&s[0]));
    CHECK(unlinked(&s[1]));
    cdt_insert(&s[0], &s[2], cap_null(), 0);
    CHECK(unlinked(&s[0]));
    CHECK(unlinked(&s[2]));
}

TEST(plain_copies_of_unbadged_cap_are_leaves)
{
    reset();
    struct cte *s = kmem_cnode(2);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[1]);
    copy(&s[1], &s[2]);
    CHECK(LIST_IS(&s[0], &s[1], &s[2]));
    CHECK_EQ(cte_flags(&s[1]), 0);
    CHECK_EQ(cte_flags(&s[2]), 0);
    CHECK(cte_has_children(&s[0]));
    CHECK(!cte_has_children(&s[1]));
    CHECK(!cte_has_children(&s[2]));
}

TEST(newly_badged_cap_is_parent_of_its_copies)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    mint(&s[0], &s[1], 5);
    CHECK_EQ(cte_flags(&s[1]), CTE_REVOCABLE | CTE_FIRST_BADGED);
    copy(&s[1], &s[2]);
    CHECK_EQ(cte_flags(&s[2]), 0);
    CHECK_EQ(s[2].cap.data, 5);
    copy(&s[2], &s[3]);
    CHECK(LIST_IS(&s[0], &s[1], &s[2], &s[3]));
    CHECK(cte_has_children(&s[1]));
    CHECK(!cte_has_children(&s[2]));
    CHECK(!cte_has_children(&s[3]));
}

TEST(second_mint_with_same_badge_is_a_sibling)
{
    reset();
    struct cte *s = kmem_cnode(2);
    cdt_insert(NULL, &s[0], ntfn_cap(0x40, 0), CTE_REVOCABLE);
    mint(&s[0], &s[1], 5);
    mint(&s[0], &s[2], 5);
    CHECK(LIST_IS(&s[0], &s[2], &s[1]));
    CHECK(!cte_has_children(&s[2]));    /* s[1] is first badged itself */
    cte_revoke(&s[2]);
    CHECK_EQ(cap_type(s[1].cap), LAKE_OBJ_NOTIFICATION);
    CHECK_EQ(fin.calls, 0);
}

TEST(retyped_objects_are_children_of_untyped)
{
    reset();
    struct region r = region_new(12);
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ut_cap(r.base, 12), CTE_REVOCABLE);
    retype(&s[0], &s[1], ep_cap(region_alloc(&r, 5), 0));
    retype(&s[0], &s[2], ntfn_cap(region_alloc(&r, 5), 0));
    CHECK(LIST_IS(&s[0], &s[2], &s[1]));
    CHECK(cte_has_children(&s[0]));
    CHECK(cdt_is_parent_of(&s[0], &s[1]));
    CHECK(!cte_has_children(&s[2]));    /* a notification is not parent of an endpoint */
}

TEST(move_keeps_derivation_position_and_flags)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    mint(&s[0], &s[1], 5);
    copy(&s[1], &s[2]);
    cdt_move(&s[1], &s[7], ep_cap(0x40, 5));
    CHECK(LIST_IS(&s[0], &s[7], &s[2]));
    CHECK_EQ(cte_flags(&s[7]), CTE_REVOCABLE | CTE_FIRST_BADGED);
    CHECK(cap_is_null(s[1].cap));
    CHECK(unlinked(&s[1]));
    CHECK(s[1].prev == NULL);           /* no flags left behind either */
    CHECK(cte_has_children(&s[7]));
    /* Moving the head and the tail. */
    cdt_move(&s[0], &s[4], s[0].cap);
    cdt_move(&s[2], &s[5], s[2].cap);
    CHECK(LIST_IS(&s[4], &s[7], &s[5]));
    CHECK_EQ(cte_flags(&s[4]), CTE_REVOCABLE);
}

TEST(move_stores_the_new_cap)
{
    /* Mutate: the moved capability may carry new data. */
    reset();
    struct cte *s = kmem_cnode(2);
    struct cte *c = kmem_cnode(2);
    cdt_insert(NULL, &s[0], cnode_cap(c, 2), CTE_REVOCABLE);
    cdt_move(&s[0], &s[1], kmem_cnode_cap(c, 2, 62, 3));
    CHECK_EQ(cap_cnode_guard_size(s[1].cap), 62);
    CHECK_EQ(cap_cnode_guard(s[1].cap), 3);
    CHECK_EQ(cte_flags(&s[1]), CTE_REVOCABLE);
}

TEST(move_reply_cap_updates_its_thread)
{
    reset();
    struct tcb *caller = kmem_tcb(), *server = kmem_tcb();
    struct cte *s = kmem_cnode(2);
    struct cte *reply = &server->slots[TCB_SLOT_REPLY];
    reply->cap = cap_make(LAKE_OBJ_REPLY, virt_to_phys(caller), 0, 0, true, 0, 0);
    caller->reply_slot = reply;
    cdt_move(reply, &s[2], reply->cap);
    CHECK(caller->reply_slot == &s[2]);
    CHECK_EQ(cap_type(s[2].cap), LAKE_OBJ_REPLY);
    CHECK(unlinked(&s[2]));
    CHECK(cap_is_null(reply->cap));
}

TEST(swap_adjacent_slots)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[3]);                 /* Y */
    mint(&s[0], &s[2], 9);              /* b */
    copy(&s[0], &s[1]);                 /* a */
    CHECK(LIST_IS(&s[0], &s[1], &s[2], &s[3]));
    struct cap a = s[1].cap, b = s[2].cap;
    cdt_swap(&s[1], a, &s[2], b);
    /* Each cap moved with its position and flags. */
    CHECK_EQ(s[1].cap.data, 9);
    CHECK_EQ(s[2].cap.data, 0);
    CHECK_EQ(cte_flags(&s[1]), CTE_REVOCABLE | CTE_FIRST_BADGED);
    CHECK_EQ(cte_flags(&s[2]), 0);
    CHECK(LIST_IS(&s[0], &s[2], &s[1], &s[3]));
}

TEST(swap_adjacent_slots_reverse_order)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[2]);
    copy(&s[0], &s[1]);
    CHECK(LIST_IS(&s[0], &s[1], &s[2]));
    cdt_swap(&s[2], s[2].cap, &s[1], s[1].cap);
    CHECK(LIST_IS(&s[0], &s[2], &s[1]));
}

TEST(swap_non_adjacent_slots_with_new_data)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[4]);
    copy(&s[0], &s[3]);
    copy(&s[0], &s[2]);
    copy(&s[0], &s[1]);
    CHECK(LIST_IS(&s[0], &s[1], &s[2], &s[3], &s[4]));
    cdt_swap(&s[1], ep_cap(0x40, 11), &s[3], ep_cap(0x40, 33));
    CHECK(LIST_IS(&s[0], &s[3], &s[2], &s[1], &s[4]));
    CHECK_EQ(s[3].cap.data, 11);    /* a's new cap ends in b's slot */
    CHECK_EQ(s[1].cap.data, 33);
}

TEST(swap_with_the_list_head)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[1]);
    copy(&s[1], &s[2]);
    cdt_swap(&s[0], s[0].cap, &s[2], s[2].cap);
    CHECK(LIST_IS(&s[2], &s[1], &s[0]));
    CHECK_EQ(cte_flags(&s[2]), CTE_REVOCABLE);
    CHECK_EQ(cte_flags(&s[0]), 0);
    CHECK(cte_has_children(&s[2]));
}

TEST(swap_tree_cap_with_reply_cap)
{
    reset();
    struct tcb *caller = kmem_tcb();
    struct cte *s = kmem_cnode(2);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[1]);
    s[3].cap = cap_make(LAKE_OBJ_REPLY, virt_to_phys(caller), 0, 0, false, 0, 0);
    caller->reply_slot = &s[3];
    cdt_swap(&s[1], s[1].cap, &s[3], s[3].cap);
    CHECK_EQ(cap_type(s[1].cap), LAKE_OBJ_REPLY);
    CHECK(unlinked(&s[1]));
    CHECK(caller->reply_slot == &s[1]);
    CHECK_EQ(cap_type(s[3].cap), LAKE_OBJ_ENDPOINT);
    CHECK(LIST_IS(&s[0], &s[3]));
}

/* ---- finality ---------------------------------------------------------- */

TEST(final_when_no_neighbour_names_the_object)
{
    reset();
    struct cte *s = kmem_cnode(2);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    CHECK(cte_is_final(&s[0]));
    mint(&s[0], &s[1], 3);
    CHECK(!cte_is_final(&s[0]));
    CHECK(!cte_is_final(&s[1]));
    CHECK(cte_is_final(&s[2]));         /* empty slot */
    cte_delete(&s[0]);
    CHECK(cte_is_final(&s[1]));
}

TEST(untyped_caps_are_always_final)
{
    /* cap_same_object_as is false for untyped (there is nothing to
     * destroy: cap_finalise does nothing for untyped), and untyped caps
     * cannot be copied, so an untyped is always its region's only cap. */
    reset();
    struct region r = region_new(12);
    struct cte *s = kmem_cnode(2);
    struct cap derived;
    cdt_insert(NULL, &s[0], ut_cap(r.base, 12), CTE_REVOCABLE);
    retype(&s[0], &s[1], ut_cap(region_alloc(&r, 8), 8));
    CHECK(cte_is_final(&s[0]));
    CHECK(cte_is_final(&s[1]));
    CHECK(!cap_derive(s[0].cap, &derived));
    cte_delete(&s[1]);
    CHECK_EQ(finalised(&s[1], ut_cap(r.base, 8)), 1);
    CHECK(cap_is_null(s[1].cap));
    CHECK_EQ(cap_type(s[0].cap), LAKE_OBJ_UNTYPED);
}

/* ---- delete and revoke of leaf objects --------------------------------- */

TEST(delete_empty_slot_does_nothing)
{
    reset();
    struct cte *s = kmem_cnode(1);
    cte_delete(&s[0]);
    CHECK(cte_delete_preemptible(&s[0]));
    CHECK_EQ(fin.calls, 0);
    CHECK(all_null(s, 2));
}

TEST(delete_finalises_with_finality)
{
    reset();
    struct cte *s = kmem_cnode(2);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[1]);
    cte_delete(&s[0]);
    CHECK_EQ(fin.calls, 1);
    CHECK_EQ(finalised(&s[0], ep_cap(0x40, 0)), 0);
    CHECK(cap_is_null(s[0].cap));
    CHECK(unlinked(&s[0]));
    CHECK(unlinked(&s[1]));
    cte_delete(&s[1]);
    CHECK_EQ(fin.calls, 2);
    CHECK_EQ(finalised(&s[1], ep_cap(0x40, 0)), 1);
    CHECK(all_null(s, 4));
}

TEST(delete_middle_cap_keeps_its_children_in_tree)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    mint(&s[0], &s[1], 5);
    copy(&s[1], &s[2]);
    copy(&s[1], &s[3]);
    CHECK(LIST_IS(&s[0], &s[1], &s[3], &s[2]));
    cte_delete(&s[1]);
    CHECK(LIST_IS(&s[0], &s[3], &s[2]));
    CHECK_EQ(fin.finals, 0);
    /* They now hang off the original and go with its revoke. */
    cte_revoke(&s[0]);
    CHECK(cap_is_null(s[2].cap));
    CHECK(cap_is_null(s[3].cap));
    CHECK(unlinked(&s[0]));
}

TEST(delete_sub_untyped_keeps_its_objects_under_the_parent)
{
    reset();
    struct region r = region_new(14);
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ut_cap(r.base, 14), CTE_REVOCABLE);
    paddr_t sub = region_alloc(&r, 12);
    retype(&s[0], &s[1], ut_cap(sub, 12));
    retype(&s[1], &s[2], ep_cap(sub, 0));
    retype(&s[1], &s[3], ep_cap(sub + 32, 0));
    CHECK(LIST_IS(&s[0], &s[1], &s[3], &s[2]));
    cte_delete(&s[1]);
    CHECK(LIST_IS(&s[0], &s[3], &s[2]));
    CHECK(cte_has_children(&s[0]));
}

TEST(revoke_deletes_exactly_the_descendants)
{
    reset();
    struct cte *s = kmem_cnode(4);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[9]);                 /* a sibling after the badged subtree */
    mint(&s[0], &s[1], 5);
    copy(&s[1], &s[2]);
    copy(&s[2], &s[3]);
    mint(&s[0], &s[4], 6);              /* another badge: before s[1] */
    CHECK(LIST_IS(&s[0], &s[4], &s[1], &s[2], &s[3], &s[9]));
    cte_revoke(&s[1]);
    CHECK(LIST_IS(&s[0], &s[4], &s[1], &s[9]));
    CHECK(cap_is_null(s[2].cap));
    CHECK(cap_is_null(s[3].cap));
    CHECK_EQ(fin.calls, 2);
    CHECK_EQ(fin.finals, 0);
    CHECK(!cte_has_children(&s[1]));
}

TEST(revoke_leaf_does_nothing)
{
    reset();
    struct cte *s = kmem_cnode(2);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&s[0], &s[1]);
    copy(&s[0], &s[2]);
    cte_revoke(&s[1]);
    CHECK(cte_revoke_preemptible(&s[1]));
    CHECK(LIST_IS(&s[0], &s[2], &s[1]));
    CHECK_EQ(fin.calls, 0);
}

TEST(revoke_untyped_stops_at_caps_outside_its_region)
{
    /* Two halves of a parent untyped; revoking one leaves the other. */
    reset();
    struct region r = region_new(14);
    struct cte *s = kmem_cnode(4);
    cdt_insert(NULL, &s[0], ut_cap(r.base, 14), CTE_REVOCABLE);
    paddr_t lo = region_alloc(&r, 13), hi = region_alloc(&r, 13);
    retype(&s[0], &s[2], ut_cap(hi, 13));
    retype(&s[2], &s[3], ep_cap(hi, 0));
    retype(&s[0], &s[1], ut_cap(lo, 13));
    retype(&s[1], &s[4], ep_cap(lo, 0));
    retype(&s[1], &s[5], ntfn_cap(lo + 32, 0));
    copy(&s[5], &s[6]);
    CHECK(LIST_IS(&s[0], &s[1], &s[5], &s[6], &s[4], &s[2], &s[3]));
    cte_revoke(&s[1]);
    CHECK(LIST_IS(&s[0], &s[1], &s[2], &s[3]));
    CHECK_EQ(fin.calls, 3);
    CHECK_EQ(finalised(&s[5], ntfn_cap(lo + 32, 0)), 0);  /* s[6] was still there */
    CHECK_EQ(finalised(&s[6], ntfn_cap(lo + 32, 0)), 1);
    CHECK_EQ(finalised(&s[4], ep_cap(lo, 0)), 1);
    CHECK_EQ(cap_type(s[3].cap), LAKE_OBJ_ENDPOINT);
}

/* ---- containers -------------------------------------------------------- */

TEST(delete_last_cnode_cap_empties_its_slots)
{
    reset();
    struct cte *top = kmem_cnode(2);
    struct cte *c = kmem_cnode(3);
    struct cte *out = kmem_cnode(2);
    cdt_insert(NULL, &top[0], cnode_cap(c, 3), CTE_REVOCABLE);
    cdt_insert(NULL, &c[1], ep_cap(0x40, 0), CTE_REVOCABLE);     /* only cap: final */
    cdt_insert(NULL, &c[4], ntfn_cap(0x60, 0), CTE_REVOCABLE);
    copy(&c[4], &out[0]);                                        /* also outside: not final */
    cdt_insert(NULL, &c[7], ep_cap(0x80, 0), CTE_REVOCABLE);
    cte_delete(&top[0]);
    CHECK(all_null(top, 4));
    CHECK(all_null(c, 8));
    CHECK_EQ(finalised(&top[0], cnode_cap(c, 3)), 1);
    CHECK_EQ(finalised(&c[1], ep_cap(0x40, 0)), 1);
    CHECK_EQ(finalised(&c[4], ntfn_cap(0x60, 0)), 0);
    CHECK_EQ(finalised(&c[7], ep_cap(0x80, 0)), 1);
    CHECK_EQ(fin.calls, 4);
    CHECK_EQ(cap_type(out[0].cap), LAKE_OBJ_NOTIFICATION);
    CHECK(unlinked(&out[0]));
    CHECK(cte_is_final(&out[0]));
}

TEST(delete_non_final_cnode_cap_keeps_contents)
{
    reset();
    struct cte *top = kmem_cnode(2);
    struct cte *c = kmem_cnode(2);
    cdt_insert(NULL, &top[0], cnode_cap(c, 2), CTE_REVOCABLE);
    copy(&top[0], &top[1]);
    cdt_insert(NULL, &c[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    cte_delete(&top[0]);
    CHECK_EQ(fin.calls, 1);
    CHECK_EQ(finalised(&top[0], cnode_cap(c, 2)), 0);
    CHECK_EQ(cap_type(c[0].cap), LAKE_OBJ_ENDPOINT);
    CHECK(unlinked(&top[1]));
}

TEST(delete_cnode_holding_its_only_cap)
{
    reset();
    struct cte *c = kmem_cnode(2);
    cdt_insert(NULL, &c[0], cnode_cap(c, 2), CTE_REVOCABLE);
    cdt_insert(NULL, &c[2], ep_cap(0x40, 0), CTE_REVOCABLE);
    cdt_insert(NULL, &c[3], ntfn_cap(0x60, 0), CTE_REVOCABLE);
    cte_delete(&c[0]);
    CHECK(all_null(c, 4));
    CHECK_EQ(fin.calls, 3);
    CHECK_EQ(fin.finals, 3);
}

TEST(delete_cnode_holding_its_own_cap_in_a_later_slot)
{
    reset();
    struct cte *c = kmem_cnode(2);
    cdt_insert(NULL, &c[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    cdt_insert(NULL, &c[3], cnode_cap(c, 2), CTE_REVOCABLE);
    cte_delete(&c[3]);
    CHECK(all_null(c, 4));
    CHECK_EQ(finalised(&c[0], ep_cap(0x40, 0)), 1);
}

TEST(cnode_reachable_only_from_itself_is_reclaimed_by_revoking_its_untyped)
{
    /* Deleting the outside cap while a copy sits inside the CNode leaves
     * the CNode unreachable (as in seL4); revoking the untyped it came
     * from still destroys it. */
    reset();
    struct region r = region_new(12);
    struct cte *root = kmem_cnode(2);
    cdt_insert(NULL, &root[0], ut_cap(r.base, 12), CTE_REVOCABLE);
    struct cte *c = phys_to_virt(region_alloc(&r, 2 + LAKE_SLOT_BITS));
    retype(&root[0], &root[1], cnode_cap(c, 2));
    copy(&root[1], &c[1]);
    cdt_insert(NULL, &c[2], ep_cap(0x40, 0), CTE_REVOCABLE);
    cte_delete(&root[1]);
    CHECK_EQ(finalised(&root[1], cnode_cap(c, 2)), 0);
    CHECK_EQ(cap_type(c[2].cap), LAKE_OBJ_ENDPOINT);
    CHECK(LIST_IS(&root[0], &c[1]));
    cte_revoke(&root[0]);
    CHECK(all_null(c, 4));
    CHECK(unlinked(&root[0]));
    CHECK_EQ(finalised(&c[1], cnode_cap(c, 2)), 1);
    CHECK_EQ(finalised(&c[2], ep_cap(0x40, 0)), 1);
}

TEST(delete_nested_cnodes)
{
    /* top -> A; A[1] -> B (last cap); B[0] -> endpoint; A[3] endpoint. */
    reset();
    struct cte *top = kmem_cnode(1), *a = kmem_cnode(2), *b = kmem_cnode(1);
    cdt_insert(NULL, &top[0], cnode_cap(a, 2), CTE_REVOCABLE);
    cdt_insert(NULL, &a[1], cnode_cap(b, 1), CTE_REVOCABLE);
    cdt_insert(NULL, &a[3], ep_cap(0x40, 0), CTE_REVOCABLE);
    cdt_insert(NULL, &b[0], ep_cap(0x60, 0), CTE_REVOCABLE);
    cte_delete(&top[0]);
    CHECK(all_null(top, 2));
    CHECK(all_null(a, 4));
    CHECK(all_null(b, 2));
    CHECK_EQ(fin.calls, 4);
    CHECK_EQ(fin.finals, 4);
    /* Containers are finalised before their contents. */
    CHECK(fin.log[0].slot == &top[0]);
    CHECK(fin.log[1].slot == &a[1]);
    CHECK(fin.log[2].slot == &b[0]);
    CHECK(fin.log[3].slot == &a[3]);
}

TEST(delete_mutually_containing_cnodes)
{
    /* A[0] is the last cap to B, B[0] the last to A: deleting B[0]
     * (reached, say, by revoking A's untyped) empties both. */
    reset();
    struct cte *a = kmem_cnode(2), *b = kmem_cnode(2);
    cdt_insert(NULL, &a[0], cnode_cap(b, 2), CTE_REVOCABLE);
    cdt_insert(NULL, &b[0], cnode_cap(a, 2), CTE_REVOCABLE);
    cdt_insert(NULL, &a[1], ep_cap(0x40, 0), CTE_REVOCABLE);
    cdt_insert(NULL, &b[3], ep_cap(0x60, 0), CTE_REVOCABLE);
    cte_delete(&b[0]);
    CHECK(all_null(a, 4));
    CHECK(all_null(b, 4));
    CHECK_EQ(fin.calls, 4);
}

static void build_chain(struct cte *top, unsigned depth, struct cte **last)
{
    struct cte *prev_slot = top;
    for (unsigned i = 0; i < depth; i++) {
        struct cte *c = kmem_cnode(1);
        cdt_insert(NULL, prev_slot, cnode_cap(c, 1), CTE_REVOCABLE);
        cdt_insert(NULL, &c[1], ep_cap(0x40 + 32 * (u64)i, 0), CTE_REVOCABLE);
        prev_slot = &c[0];
    }
    *last = prev_slot;
}

TEST(delete_chain_of_1000_nested_cnodes)
{
    reset();
    struct cte *top = kmem_cnode(1), *last;
    build_chain(&top[0], 1000, &last);
    cdt_insert(NULL, last, ep_cap(0x10, 0), CTE_REVOCABLE);
    cte_delete(&top[0]);
    CHECK(cap_is_null(top[0].cap));
    CHECK(cap_is_null(last->cap));
    CHECK_EQ(fin.calls, 1000 + 1000 + 1);
    CHECK_EQ(fin.finals, fin.calls);
    /* Every slot of every CNode is empty: the arena holds only zeroes. */
    const u8 *p = (const u8 *)top;
    bool zero = true;
    for (u64 i = 0; i < (1000 + 1) * 2 * sizeof(struct cte); i++)
        zero = zero && p[i] == 0;
    CHECK(zero);
}

TEST(delete_chain_of_50000_nested_cnodes_without_recursion)
{
    /* Deep enough that one stack frame per level would overflow the stack
     * under ASan; the zombie chain is walked in a loop. */
    reset();
    struct cte *top = kmem_cnode(1), *last;
    build_chain(&top[0], 50000, &last);
    cte_delete(&top[0]);
    CHECK(cap_is_null(top[0].cap));
    CHECK(cap_is_null(last->cap));
    CHECK_EQ(fin.calls, 2 * 50000);
}

TEST(delete_last_tcb_cap_empties_its_slots)
{
    reset();
    struct tcb *t = kmem_tcb();
    struct cte *top = kmem_cnode(1), *cs = kmem_cnode(2);
    cdt_insert(NULL, &top[0], tcb_cap(t), CTE_REVOCABLE);
    cdt_insert(NULL, &t->slots[TCB_SLOT_CSPACE], cnode_cap(cs, 2), CTE_REVOCABLE);
    cdt_insert(NULL, &t->slots[TCB_SLOT_FAULT_HANDLER], ep_cap(0x40, 0), CTE_REVOCABLE);
    copy(&t->slots[TCB_SLOT_FAULT_HANDLER], &top[1]);
    cdt_insert(NULL, &cs[2], ntfn_cap(0x60, 0), CTE_REVOCABLE);
    cte_delete(&top[0]);
    CHECK(cap_is_null(top[0].cap));
    CHECK(all_null(t->slots, TCB_NUM_SLOTS));
    CHECK(all_null(cs, 4));
    CHECK_EQ(finalised(&top[0], tcb_cap(t)), 1);       /* stopped first */
    CHECK(fin.log[0].slot == &top[0]);
    CHECK_EQ(finalised(&t->slots[TCB_SLOT_FAULT_HANDLER], ep_cap(0x40, 0)), 0);
    CHECK_EQ(finalised(&cs[2], ntfn_cap(0x60, 0)), 1);
    CHECK(unlinked(&top[1]));
}

TEST(delete_tcb_holding_a_reply_cap)
{
    reset();
    struct tcb *t = kmem_tcb(), *caller = kmem_tcb();
    struct cte *top = kmem_cnode(1);
    cdt_insert(NULL, &top[0], tcb_cap(t), CTE_REVOCABLE);
    struct cap reply = cap_make(LAKE_OBJ_REPLY, virt_to_phys(caller), 0, 0, true, 0, 0);
    t->slots[TCB_SLOT_REPLY].cap = reply;
    cte_delete(&top[0]);
    CHECK_EQ(finalised(&t->slots[TCB_SLOT_REPLY], reply), 1);
    CHECK(cap_is_null(t->slots[TCB_SLOT_REPLY].cap));
}

TEST(revoke_untyped_destroys_retyped_cnode_and_contents)
{
    reset();
    struct region r = region_new(12);
    struct cte *root = kmem_cnode(2);
    cdt_insert(NULL, &root[0], ut_cap(r.base, 12), CTE_REVOCABLE);
    struct cte *c = phys_to_virt(region_alloc(&r, 3 + LAKE_SLOT_BITS));
    paddr_t ep = region_alloc(&r, LAKE_ENDPOINT_BITS);
    retype(&root[0], &root[1], cnode_cap(c, 3));
    retype(&root[0], &c[5], ep_cap(ep, 0));     /* an object whose cap lives in c */
    copy(&c[5], &root[2]);
    CHECK(LIST_IS(&root[0], &c[5], &root[2], &root[1]));
    cte_revoke(&root[0]);
    CHECK(unlinked(&root[0]));
    CHECK(all_null(c, 8));
    CHECK(cap_is_null(root[1].cap));
    CHECK(cap_is_null(root[2].cap));
    CHECK_EQ(fin.finals, 2);    /* the endpoint (last copy) and the CNode */
}

/* ---- preemption -------------------------------------------------------- */

TEST(preemptible_delete_stops_and_resumes)
{
    reset();
    struct cte *top = kmem_cnode(1), *c = kmem_cnode(3);
    cdt_insert(NULL, &top[0], cnode_cap(c, 3), CTE_REVOCABLE);
    for (unsigned i = 0; i < 8; i++)
        cdt_insert(NULL, &c[i], ep_cap(0x40 + 32 * i, 0), CTE_REVOCABLE);
    preempt_at = 3;     /* after the third emptied slot */
    CHECK(!cte_delete_preemptible(&top[0]));
    CHECK_EQ(cap_type(top[0].cap), CAP_ZOMBIE);
    CHECK(cap_is_null(c[2].cap));
    CHECK_EQ(cap_type(c[3].cap), LAKE_OBJ_ENDPOINT);
    CHECK_EQ(fin.calls, 1 + 3);
    preempt_at = 0;
    CHECK(cte_delete_preemptible(&top[0]));
    CHECK(cap_is_null(top[0].cap));
    CHECK(all_null(c, 8));
    CHECK_EQ(fin.calls, 1 + 8);     /* the container once, each slot once */
}

TEST(preemptible_delete_of_nested_chain_resumes_until_done)
{
    reset();
    struct cte *top = kmem_cnode(1), *last;
    build_chain(&top[0], 20, &last);
    preempt_at = 1;
    preempt_every = 1;          /* an interrupt at every preemption point */
    unsigned rounds = 0;
    while (!cte_delete_preemptible(&top[0]) && rounds < 1000)
        rounds++;
    CHECK(rounds >= 20);
    CHECK(rounds < 1000);
    CHECK(cap_is_null(top[0].cap));
    CHECK_EQ(fin.calls, 2 * 20);
    const u8 *p = (const u8 *)top;
    bool zero = true;
    for (u64 i = 0; i < 21 * 2 * sizeof(struct cte); i++)
        zero = zero && p[i] == 0;
    CHECK(zero);
}

TEST(preempted_zombie_stays_under_its_untyped)
{
    /* Revoking the untyped finishes a deletion that was interrupted. */
    reset();
    struct region r = region_new(12);
    struct cte *root = kmem_cnode(2);
    cdt_insert(NULL, &root[0], ut_cap(r.base, 12), CTE_REVOCABLE);
    struct cte *c = phys_to_virt(region_alloc(&r, 2 + LAKE_SLOT_BITS));
    retype(&root[0], &root[1], cnode_cap(c, 2));
    for (unsigned i = 0; i < 4; i++)
        cdt_insert(NULL, &c[i], ep_cap(0x40 + 32 * i, 0), CTE_REVOCABLE);
    preempt_at = 1;
    CHECK(!cte_delete_preemptible(&root[1]));
    CHECK_EQ(cap_type(root[1].cap), CAP_ZOMBIE);
    CHECK(LIST_IS(&root[0], &root[1]));
    CHECK(cte_has_children(&root[0]));
    CHECK(!cte_has_children(&root[1]));     /* a zombie is nobody's parent */
    CHECK(cte_is_final(&root[1]));
    preempt_at = 0;
    cte_revoke(&root[0]);
    CHECK(unlinked(&root[0]));
    CHECK(cap_is_null(root[1].cap));
    CHECK(all_null(c, 4));
    CHECK_EQ(fin.calls, 1 + 4);
}

TEST(preemptible_revoke_resumes)
{
    reset();
    struct cte *s = kmem_cnode(3);
    cdt_insert(NULL, &s[0], ep_cap(0x40, 0), CTE_REVOCABLE);
    for (unsigned i = 1; i < 8; i++)
        copy(&s[0], &s[i]);
    preempt_at = 2;
    CHECK(!cte_revoke_preemptible(&s[0]));
    CHECK_EQ(fin.calls, 2);
    CHECK(cte_has_children(&s[0]));
    preempt_at = 0;
    CHECK(cte_revoke_preemptible(&s[0]));
    CHECK(!cte_has_children(&s[0]));
    CHECK(all_null(&s[1], 7));
    CHECK_EQ(fin.calls, 7);
    CHECK_EQ(fin.finals, 0);
}

TEST(delete_zombie_slot_finishes_its_deletion)
{
    /* CNode Delete on a slot left as a zombie continues the deletion. */
    reset();
    struct cte *top = kmem_cnode(1), *c = kmem_cnode(2);
    cdt_insert(NULL, &top[0], cnode_cap(c, 2), CTE_REVOCABLE);
    for (unsigned i = 0; i < 4; i++)
        cdt_insert(NULL, &c[i], ep_cap(0x40 + 32 * i, 0), CTE_REVOCABLE);
    preempt_at = 2;
    CHECK(!cte_delete_preemptible(&top[0]));
    preempt_at = 0;
    cte_delete(&top[0]);
    CHECK(cap_is_null(top[0].cap));
    CHECK(all_null(c, 4));
    CHECK_EQ(fin.calls, 5);
}

/*
 * Regression: two CNodes holding each other's last capability, A[0] -> B
 * and B[0] -> A (B[0] is a child of A's untyped UA, A[0] of B's untyped
 * UB). Revoking UA is preempted after it has made B[0] a zombie of A and
 * descended into A[0] (a zombie of B whose parent link is B[0]). Revoking
 * UB then resumes from A[0]: the old parent link must not make B[0] look
 * like part of the new walk, so B[0] is finished too and both CNodes end
 * up empty, with no zombie left in memory UB no longer owns.
 */
TEST(revoke_resumed_from_another_untyped_finishes_both_cnodes)
{
    reset();
    struct region ra = region_new(7), rb = region_new(7);
    struct cte *ua = kmem_cnode(1), *ub = kmem_cnode(1);
    struct cte *a = phys_to_virt(ra.base), *b = phys_to_virt(rb.base);
    cdt_insert(NULL, &ua[0], ut_cap(ra.base, 7), CTE_REVOCABLE);
    cdt_insert(NULL, &ub[0], ut_cap(rb.base, 7), CTE_REVOCABLE);
    retype(&ua[0], &b[0], cnode_cap(a, 2));
    retype(&ub[0], &a[0], cnode_cap(b, 2));
    cdt_insert(NULL, &b[1], ep_cap(0x40, 0), CTE_REVOCABLE);
    cdt_insert(NULL, &b[2], ep_cap(0x60, 0), CTE_REVOCABLE);

    preempt_at = 1;             /* stop after emptying b[1] */
    CHECK(!cte_revoke_preemptible(&ua[0]));
    CHECK_EQ(cap_type(b[0].cap), CAP_ZOMBIE);
    CHECK_EQ(cap_type(a[0].cap), CAP_ZOMBIE);
    preempt_at = 0;

    cte_revoke(&ub[0]);
    CHECK(!cte_has_children(&ub[0]));
    CHECK(all_null(a, 4));
    CHECK(all_null(b, 4));
    CHECK(!cte_has_children(&ua[0]));
    CHECK(ua[0].next == NULL);

    /* Nothing is left for the first revoke to do. */
    cte_revoke(&ua[0]);
    CHECK(all_null(a, 4));
    CHECK(all_null(b, 4));
}

/* Regression: an untyped cap cannot be copied (one cap per region), so no
 * second watermark can hand out memory the original already gave away. */
TEST(untyped_caps_cannot_be_derived)
{
    reset();
    struct region r = region_new(12);
    struct cap derived;
    CHECK(!cap_derive(ut_cap(r.base, 12), &derived));
}
