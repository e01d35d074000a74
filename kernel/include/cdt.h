/*
 * Capability derivation tree (seL4's "mapping database"): who was derived
 * from whom, so Revoke can find every descendant and Delete can tell the
 * last capability to an object.
 */
#ifndef LAKE_KERNEL_CDT_H
#define LAKE_KERNEL_CDT_H

#include <object/objects.h>

/* Relations between capabilities (pure; host-tested). */
bool cap_same_region_as(struct cap a, struct cap b);
bool cap_same_object_as(struct cap a, struct cap b);
/* The capability a copy of c starts as (a frame copy is unmapped); false if
 * c cannot be copied at all (null, reply, zombie, untyped). */
bool cap_derive(struct cap c, struct cap *out);
/* Whether a copy `derived` of `source` may have children of its own. */
bool cap_is_revocable(struct cap derived, struct cap source);
/* Whether slot a (earlier in the list) is the parent of slot b. */
bool cdt_is_parent_of(const struct cte *a, const struct cte *b);

/* Puts cap into the empty slot dest as a child of parent (NULL: no parent,
 * as at boot). */
void cdt_insert(struct cte *parent, struct cte *dest, struct cap cap, unsigned flags);
/* Moves the capability in src to the empty slot dest, with its position. */
void cdt_move(struct cte *src, struct cte *dest, struct cap new_cap);
/* Exchanges the capabilities (and positions) of two slots. */
void cdt_swap(struct cte *a, struct cap a_new, struct cte *b, struct cap b_new);

bool cte_has_children(const struct cte *slot);
/* True when no other capability names the same object. */
bool cte_is_final(const struct cte *slot);

/* Deletes the capability in slot; destroys the object if it was the last. */
void cte_delete(struct cte *slot);
/* Deletes every descendant of the capability in slot. */
void cte_revoke(struct cte *slot);
/* The same, but stop (returning false) when an interrupt is pending; calling
 * again continues. Progress is kept in the capabilities themselves. */
bool cte_delete_preemptible(struct cte *slot);
bool cte_revoke_preemptible(struct cte *slot);

/* Whether an interrupt is waiting: long operations stop at their
 * preemption points when it is (provided by the architecture). */
bool preemption_pending(void);
#ifdef CONFIG_DEBUG_INVOCATIONS
extern bool preempt_stress;     /* test images: stop at every third point */
#endif

/* Called by cte_delete to release what a capability holds. */
void cap_finalise(struct cte *slot, bool final);

#endif
