/*
 * Host tests of the VSpace region manager (lib/runtime/vspace.c) against a
 * fake kernel: the fake ops keep the VSpace's page tables and mappings the
 * way the kernel does (PageTable Map installs at the first missing level,
 * Frame Map fails with the missing level, a mapped frame cap cannot map
 * again) and record every call.
 */
#include <lake/vspace.h>

#include "unit.h"

#define PAGE VSPACE_PAGE_SIZE
#define FLOOR 0x40000000ull
#define CEIL  (FLOOR + 0x4000000ull)        /* 64 MiB window */

/* ---- the fake kernel ---- */

#define MAX_TABLES 256
#define MAX_MAPS   4096
#define MAX_CAPS   8192

enum cap_kind { CAP_NONE, CAP_FRAME, CAP_TABLE };

struct fake {
    /* caps: index = cptr */
    enum cap_kind cap[MAX_CAPS];
    bool cap_mapped[MAX_CAPS];
    lake_cptr_t next_cap;
    /* installed tables */
    struct { unsigned level; lake_word_t index; } tables[MAX_TABLES];
    size_t ntables;
    /* mappings */
    struct { lake_word_t va; lake_cptr_t frame; unsigned rights, attrs; } maps[MAX_MAPS];
    size_t nmaps;
    /* counters */
    unsigned alloc_frames, free_frames, alloc_tables, free_tables;
    unsigned map_frames, map_frame_failures, unmaps, map_tables;
    int fail_alloc_frame_after;     /* -1: never */
    int fail_map_frame_after;       /* -1: never; fails once */
};

static bool fake_has_table(struct fake *f, unsigned level, lake_word_t va)
{
    for (size_t i = 0; i < f->ntables; i++)
        if (f->tables[i].level == level && f->tables[i].index == va >> vspace_table_shift(level))
            return true;
    return false;
}

static void fake_add_table(struct fake *f, unsigned level, lake_word_t va)
{
    f->tables[f->ntables].level = level;
    f->tables[f->ntables].index = va >> vspace_table_shift(level);
    f->ntables++;
}

static int fake_find_map(struct fake *f, lake_word_t va)
{
    for (size_t i = 0; i < f->nmaps; i++)
        if (f->maps[i].va == va)
            return (int)i;
    return -1;
}

static lake_cptr_t fake_new_cap(struct fake *f, enum cap_kind kind)
{
    lake_cptr_t c = f->next_cap++;
    f->cap[c] = kind;
    f->cap_mapped[c] = false;
    return c;
}

static int f_alloc_frame(void *ctx, lake_cptr_t *frame)
{
    struct fake *f = ctx;
    if (f->fail_alloc_frame_after == 0)
        return LAKE_NOT_ENOUGH_MEMORY;
    if (f->fail_alloc_frame_after > 0)
        f->fail_alloc_frame_after--;
    f->alloc_frames++;
    *frame = fake_new_cap(f, CAP_FRAME);
    return LAKE_OK;
}

static void f_free_frame(void *ctx, lake_cptr_t frame)
{
    struct fake *f = ctx;
    CHECK_EQ(f->cap[frame], CAP_FRAME);
    CHECK(!f->cap_mapped[frame]);
    f->cap[frame] = CAP_NONE;
    f->free_frames++;
}

static int f_alloc_table(void *ctx, lake_cptr_t *table)
{
    struct fake *f = ctx;
    f->alloc_tables++;
    *table = fake_new_cap(f, CAP_TABLE);
    return LAKE_OK;
}

static void f_free_table(void *ctx, lake_cptr_t table)
{
    struct fake *f = ctx;
    CHECK_EQ(f->cap[table], CAP_TABLE);
    CHECK(!f->cap_mapped[table]);
    f->cap[table] = CAP_NONE;
    f->free_tables++;
}

static int f_map_frame(void *ctx, lake_cptr_t frame, lake_word_t va, unsigned rights,
                       unsigned attrs, unsigned *missing)
{
    struct fake *f = ctx;
    f->map_frames++;
    if (f->fail_map_frame_after == 0) {
        f->fail_map_frame_after = -1;       /* fails once */
        return LAKE_NOT_ENOUGH_MEMORY;
    }
    if (f->fail_map_frame_after > 0)
        f->fail_map_frame_after--;
    if (f->cap[frame] != CAP_FRAME)
        return LAKE_INVALID_CAPABILITY;
    if (f->cap_mapped[frame])
        return LAKE_ILLEGAL_OPERATION;
    if (va & (PAGE - 1))
        return LAKE_ALIGNMENT_ERROR;
    if (!(rights & LAKE_RIGHT_READ))
        return LAKE_INVALID_ARGUMENT;
    for (unsigned level = 1; level <= 3; level++) {
        if (!fake_has_table(f, level, va)) {
            *missing = level;
            f->map_frame_failures++;
            return LAKE_FAILED_LOOKUP;
        }
    }
    if (fake_find_map(f, va) >= 0)
        return LAKE_DELETE_FIRST;
    f->maps[f->nmaps].va = va;
    f->maps[f->nmaps].frame = frame;
    f->maps[f->nmaps].rights = rights;
    f->maps[f->nmaps].attrs = attrs;
    f->nmaps++;
    f->cap_mapped[frame] = true;
    return LAKE_OK;
}

static int f_unmap_frame(void *ctx, lake_cptr_t frame)
{
    struct fake *f = ctx;
    f->unmaps++;
    for (size_t i = 0; i < f->nmaps; i++) {
        if (f->maps[i].frame == frame) {
            f->maps[i] = f->maps[--f->nmaps];
            f->cap_mapped[frame] = false;
            return LAKE_OK;
        }
    }
    return LAKE_OK;     /* unmapping an unmapped frame does nothing */
}

static int f_map_table(void *ctx, lake_cptr_t table, lake_word_t va)
{
    struct fake *f = ctx;
    f->map_tables++;
    if (f->cap[table] != CAP_TABLE || f->cap_mapped[table])
        return LAKE_INVALID_CAPABILITY;
    for (unsigned level = 1; level <= 3; level++) {
        if (!fake_has_table(f, level, va)) {
            fake_add_table(f, level, va);
            f->cap_mapped[table] = true;
            return LAKE_OK;
        }
    }
    return LAKE_DELETE_FIRST;
}

static struct fake *fake_new(void)
{
    struct fake *f = calloc(1, sizeof(*f));
    f->next_cap = 100;
    f->fail_alloc_frame_after = -1;
    f->fail_map_frame_after = -1;
    return f;
}

static void setup(struct vspace *vs, struct fake *f)
{
    struct vspace_ops ops = {
        .ctx = f,
        .alloc_frame = f_alloc_frame,
        .free_frame = f_free_frame,
        .alloc_table = f_alloc_table,
        .free_table = f_free_table,
        .map_frame = f_map_frame,
        .unmap_frame = f_unmap_frame,
        .map_table = f_map_table,
    };
    CHECK_EQ(vspace_init(vs, &ops, FLOOR, CEIL), LAKE_OK);
}

static const struct vspace_attr anon_rw = { VSPACE_ANON, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER, 0 };
static const struct vspace_attr fixed_rw = { VSPACE_FIXED, LAKE_RIGHTS_RW, 0, 0 };
static const struct vspace_attr guard = { VSPACE_GUARD, 0, 0, 0 };

/* ---- reserve ---- */

TEST(reserve_fixed_and_overlap)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *a, *b, *c;
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x10000, 0x4000, &anon_rw, &a), LAKE_OK);
    CHECK_EQ(a->start, FLOOR + 0x10000);
    CHECK_EQ(a->end, FLOOR + 0x14000);
    /* Overlaps: inside, straddling either end, covering. */
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x11000, 0x1000, &anon_rw, NULL), LAKE_DELETE_FIRST);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0xf000, 0x2000, &anon_rw, NULL), LAKE_DELETE_FIRST);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x13000, 0x2000, &anon_rw, NULL), LAKE_DELETE_FIRST);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR, 0x100000, &anon_rw, NULL), LAKE_DELETE_FIRST);
    /* Adjacent on both sides is fine. */
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0xc000, 0x4000, &fixed_rw, &b), LAKE_OK);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x14000, 0x1000, &guard, &c), LAKE_OK);
    CHECK_EQ(vs.count, 3);
    CHECK(vs.regions[0] == b && vs.regions[1] == a && vs.regions[2] == c);
    CHECK(vspace_find(&vs, FLOOR + 0xbfff) == NULL);
    CHECK(vspace_find(&vs, FLOOR + 0xc000) == b);
    CHECK(vspace_find(&vs, FLOOR + 0xffff) == b);
    CHECK(vspace_find(&vs, FLOOR + 0x10000) == a);
    CHECK(vspace_find(&vs, FLOOR + 0x13fff) == a);
    CHECK(vspace_find(&vs, FLOOR + 0x14000) == c);
    CHECK(vspace_find(&vs, FLOOR + 0x15000) == NULL);
    /* Bad arguments. */
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x100, 0x1000, &anon_rw, NULL), LAKE_ALIGNMENT_ERROR);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x100000, 0x100, &anon_rw, NULL), LAKE_ALIGNMENT_ERROR);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR - PAGE, PAGE, &anon_rw, NULL), LAKE_RANGE_ERROR);
    CHECK_EQ(vspace_reserve_at(&vs, CEIL - PAGE, 2 * PAGE, &anon_rw, NULL), LAKE_RANGE_ERROR);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x100000, 0, &anon_rw, NULL), LAKE_RANGE_ERROR);
    struct vspace_attr no_read = { VSPACE_ANON, LAKE_RIGHT_WRITE, 0, 0 };
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x100000, PAGE, &no_read, NULL), LAKE_INVALID_ARGUMENT);
    /* Release and reuse. */
    CHECK_EQ(vspace_release(&vs, a), LAKE_OK);
    CHECK(vspace_find(&vs, FLOOR + 0x10000) == NULL);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x11000, 0x1000, &anon_rw, NULL), LAKE_OK);
    vspace_destroy(&vs);
    free(f);
}

TEST(reserve_anywhere_alignment_and_exhaustion)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *r;
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR, 0x3000, &anon_rw, NULL), LAKE_OK);
    /* First fit: right after the first region. */
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x2000, 0, VSPACE_FIRST_FIT, &anon_rw, &r), LAKE_OK);
    CHECK_EQ(r->start, FLOOR + 0x3000);
    /* 2 MiB alignment. */
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0x200000, VSPACE_FIRST_FIT, &anon_rw, &r), LAKE_OK);
    CHECK_EQ(r->start, FLOOR + 0x200000);
    /* The gap below is still found by first fit. */
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x10000, 0, VSPACE_FIRST_FIT, &anon_rw, &r), LAKE_OK);
    CHECK_EQ(r->start, FLOOR + 0x5000);
    /* Bad alignments. */
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0x3000, VSPACE_FIRST_FIT, &anon_rw, &r),
             LAKE_ALIGNMENT_ERROR);
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0x800, VSPACE_FIRST_FIT, &anon_rw, &r),
             LAKE_ALIGNMENT_ERROR);
    /* Too big for the window, then fill it up. */
    CHECK_EQ(vspace_reserve_anywhere(&vs, CEIL - FLOOR, 0, VSPACE_FIRST_FIT, &anon_rw, &r),
             LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(vspace_reserve_anywhere(&vs, CEIL - FLOOR + PAGE, 0, VSPACE_FIRST_FIT, &anon_rw, &r),
             LAKE_RANGE_ERROR);
    int n = 0;
    while (vspace_reserve_anywhere(&vs, 0x100000, 0, VSPACE_FIRST_FIT, &anon_rw, &r) == LAKE_OK)
        n++;
    CHECK(n >= 60 && n <= 64);
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x100000, 0, VSPACE_FIRST_FIT, &anon_rw, &r),
             LAKE_NOT_ENOUGH_MEMORY);
    /* Small pieces still fit in the leftovers. */
    CHECK_EQ(vspace_reserve_anywhere(&vs, PAGE, 0, VSPACE_FIRST_FIT, &anon_rw, &r), LAKE_OK);
    for (size_t i = 1; i < vs.count; i++)
        CHECK(vs.regions[i - 1]->end <= vs.regions[i]->start);
    vspace_destroy(&vs);
    free(f);
}

TEST(reserve_next_fit_wraps)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *a, *b, *c;
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0, VSPACE_NEXT_FIT, &anon_rw, &a), LAKE_OK);
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0, VSPACE_NEXT_FIT, &anon_rw, &b), LAKE_OK);
    CHECK_EQ(a->start, FLOOR);
    CHECK_EQ(b->start, FLOOR + PAGE);
    /* Next fit does not go back into a hole below the cursor... */
    CHECK_EQ(vspace_release(&vs, a), LAKE_OK);
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0, VSPACE_NEXT_FIT, &anon_rw, &c), LAKE_OK);
    CHECK_EQ(c->start, FLOOR + 2 * PAGE);
    /* ...until the space above is used up: then it wraps to the floor. */
    lake_word_t rest = CEIL - (FLOOR + 3 * PAGE);
    CHECK_EQ(vspace_reserve_anywhere(&vs, rest, 0, VSPACE_NEXT_FIT, &anon_rw, NULL), LAKE_OK);
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0, VSPACE_NEXT_FIT, &anon_rw, &c), LAKE_OK);
    CHECK_EQ(c->start, FLOOR);
    CHECK_EQ(vspace_reserve_anywhere(&vs, 0x1000, 0, VSPACE_NEXT_FIT, &anon_rw, &c),
             LAKE_NOT_ENOUGH_MEMORY);
    vspace_destroy(&vs);
    free(f);
}

/* ---- page tables ---- */

TEST(tables_once_per_2mib)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *r;
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR, 0x400000, &anon_rw, &r), LAKE_OK);
    CHECK_EQ(vspace_map(&vs, FLOOR, 1, NULL), LAKE_OK);
    CHECK_EQ(f->alloc_tables, 3);           /* levels 1, 2, 3 */
    CHECK_EQ(vspace_table_count(&vs), 3);
    CHECK_EQ(f->map_frame_failures, 0);     /* tables first, never a failing Frame Map */
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x1ff000, 1, NULL), LAKE_OK);
    CHECK_EQ(f->alloc_tables, 3);           /* same 2 MiB: no new table */
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x200000, 1, NULL), LAKE_OK);
    CHECK_EQ(f->alloc_tables, 4);           /* next 2 MiB: one level-3 table */
    CHECK(vspace_has_table(&vs, 3, FLOOR + 0x200000));
    CHECK(vspace_has_table(&vs, 2, FLOOR));
    CHECK(!vspace_has_table(&vs, 3, FLOOR + 0x400000));
    CHECK_EQ(f->map_frames, 3);
    CHECK_EQ(f->map_frame_failures, 0);
    CHECK_EQ(vs.tables_made, 4);
    vspace_destroy(&vs);
    free(f);
}

TEST(tables_noted_and_stale_knowledge)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    /* Level 1 exists already (made by the process's creator) and is noted. */
    fake_add_table(f, 1, 0);
    CHECK_EQ(vspace_note_table(&vs, 1, 0, 0), LAKE_OK);
    CHECK_EQ(vspace_note_table(&vs, 1, 0x1000, 0), LAKE_DELETE_FIRST);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR, 0x800000, &anon_rw, NULL), LAKE_OK);
    CHECK_EQ(vspace_map(&vs, FLOOR, 1, NULL), LAKE_OK);
    CHECK_EQ(f->alloc_tables, 2);           /* levels 2 and 3 only */

    /* Stale: the set claims a level-3 table that is not there. Frame Map
     * reports the missing level and the manager installs it. */
    CHECK_EQ(vspace_note_table(&vs, 3, FLOOR + 0x200000, 0), LAKE_OK);
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x200000, 1, NULL), LAKE_OK);
    CHECK_EQ(f->map_frame_failures, 1);
    CHECK_EQ(f->alloc_tables, 3);
    CHECK(fake_has_table(f, 3, FLOOR + 0x200000));

    /* Unknown: all levels exist but the set does not know the level-3 one:
     * PageTable Map says delete first; the table is given back. */
    fake_add_table(f, 3, FLOOR + 0x400000);
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x400000, 1, NULL), LAKE_OK);
    CHECK_EQ(f->free_tables, 1);
    CHECK(vspace_has_table(&vs, 3, FLOOR + 0x400000));
    CHECK_EQ(f->nmaps, 3);
    vspace_destroy(&vs);
    CHECK_EQ(f->nmaps, 0);
    free(f);
}

TEST(table_set_grows)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    /* 200 tables: more than the initial hash capacity. */
    for (lake_word_t i = 0; i < 200; i++)
        CHECK_EQ(vspace_note_table(&vs, 3, FLOOR + i * 0x200000, i + 1), LAKE_OK);
    for (lake_word_t i = 0; i < 200; i++)
        CHECK(vspace_has_table(&vs, 3, FLOOR + i * 0x200000 + 0x1234));
    CHECK(!vspace_has_table(&vs, 3, FLOOR + 200 * 0x200000));
    CHECK(!vspace_has_table(&vs, 2, FLOOR));
    CHECK_EQ(vspace_table_count(&vs), 200);
    vspace_destroy(&vs);
    free(f);
}

/* ---- map, unmap, protect, lookup ---- */

TEST(map_fixed_frames_and_lookup)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *r, *found;
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x10000, 0x4000, &fixed_rw, &r), LAKE_OK);
    lake_cptr_t frames[2] = { fake_new_cap(f, CAP_FRAME), fake_new_cap(f, CAP_FRAME) };
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x11000, 2, frames), LAKE_OK);
    lake_cptr_t frame;
    CHECK_EQ(vspace_lookup(&vs, FLOOR + 0x11abc, &found, &frame), VSPACE_MAPPED);
    CHECK(found == r);
    CHECK_EQ(frame, frames[0]);
    CHECK_EQ(vspace_lookup(&vs, FLOOR + 0x12fff, NULL, &frame), VSPACE_MAPPED);
    CHECK_EQ(frame, frames[1]);
    CHECK_EQ(vspace_lookup(&vs, FLOOR + 0x10000, NULL, &frame), VSPACE_UNMAPPED);
    CHECK_EQ(frame, 0);
    CHECK_EQ(vspace_lookup(&vs, FLOOR + 0x14000, &found, NULL), VSPACE_NOWHERE);
    CHECK(found == NULL);
    CHECK_EQ(r->mapped, 2);
    CHECK_EQ(f->maps[0].rights, LAKE_RIGHTS_RW);
    /* Mapping over a mapped page, past the region, unaligned. */
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x10000, 2, NULL), LAKE_DELETE_FIRST);
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x13000, 2, NULL), LAKE_FAILED_LOOKUP);
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x20000, 1, NULL), LAKE_FAILED_LOOKUP);
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x10800, 1, NULL), LAKE_ALIGNMENT_ERROR);
    CHECK_EQ(r->mapped, 2);
    /* Unmap one: the caller's frames are not freed. */
    CHECK_EQ(vspace_unmap(&vs, FLOOR + 0x11000, 1), LAKE_OK);
    CHECK_EQ(r->mapped, 1);
    CHECK_EQ(f->free_frames, 0);
    CHECK(!f->cap_mapped[frames[0]]);
    CHECK_EQ(vspace_lookup(&vs, FLOOR + 0x11000, NULL, NULL), VSPACE_UNMAPPED);
    CHECK_EQ(vspace_release(&vs, r), LAKE_OK);
    CHECK_EQ(f->nmaps, 0);
    CHECK_EQ(f->free_frames, 0);
    vspace_destroy(&vs);
    free(f);
}

TEST(map_rolls_back_on_failure)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR, 0x8000, &anon_rw, NULL), LAKE_OK);
    f->fail_alloc_frame_after = 3;
    CHECK_EQ(vspace_map(&vs, FLOOR, 5, NULL), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(f->nmaps, 0);
    CHECK_EQ(f->alloc_frames, 3);
    CHECK_EQ(f->free_frames, 3);
    CHECK_EQ(vs.frames_allocated, 0);
    CHECK_EQ(vspace_find(&vs, FLOOR)->mapped, 0);
    f->fail_alloc_frame_after = -1;
    f->fail_map_frame_after = 2;
    CHECK_EQ(vspace_map(&vs, FLOOR, 5, NULL), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(f->nmaps, 0);
    CHECK_EQ(f->alloc_frames, f->free_frames);
    CHECK_EQ(vspace_map(&vs, FLOOR, 5, NULL), LAKE_OK);
    CHECK_EQ(f->nmaps, 5);
    CHECK_EQ(vs.frames_allocated, 5);
    vspace_destroy(&vs);
    CHECK_EQ(f->alloc_frames, f->free_frames);
    free(f);
}

TEST(protect_remaps_every_page)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *r;
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR, 0x10000, &anon_rw, &r), LAKE_OK);
    CHECK_EQ(vspace_map(&vs, FLOOR + 0x2000, 3, NULL), LAKE_OK);
    lake_cptr_t before;
    vspace_lookup(&vs, FLOOR + 0x3000, NULL, &before);
    unsigned unmaps = f->unmaps, maps = f->map_frames;
    CHECK_EQ(vspace_protect(&vs, r, LAKE_RIGHT_READ), LAKE_OK);
    CHECK_EQ(f->unmaps - unmaps, 3);
    CHECK_EQ(f->map_frames - maps, 3);
    for (size_t i = 0; i < f->nmaps; i++)
        CHECK_EQ(f->maps[i].rights, LAKE_RIGHT_READ);
    lake_cptr_t after;
    vspace_lookup(&vs, FLOOR + 0x3000, NULL, &after);
    CHECK_EQ(after, before);                /* same frame: contents kept */
    CHECK_EQ(r->attr.rights, LAKE_RIGHT_READ);
    CHECK_EQ(vspace_protect(&vs, r, LAKE_RIGHT_WRITE), LAKE_INVALID_ARGUMENT);
    /* A failing re-map puts everything back. */
    f->fail_map_frame_after = 1;
    CHECK_EQ(vspace_protect(&vs, r, LAKE_RIGHTS_RW), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(f->nmaps, 3);
    CHECK_EQ(r->attr.rights, LAKE_RIGHT_READ);
    for (size_t i = 0; i < f->nmaps; i++)
        CHECK_EQ(f->maps[i].rights, LAKE_RIGHT_READ);
    vspace_destroy(&vs);
    free(f);
}

TEST(stack_guard_pages)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *s1, *s2, *found;
    CHECK_EQ(vspace_reserve_stack(&vs, 4, 1, &s1), LAKE_OK);
    CHECK_EQ(vspace_reserve_stack(&vs, 4, 1, &s2), LAKE_OK);
    CHECK_EQ(s1->end - s1->start, 5 * PAGE);
    CHECK_EQ(s2->start, s1->end);           /* s2's guard sits right above s1's top */
    CHECK_EQ(vspace_lookup(&vs, s1->start, &found, NULL), VSPACE_GUARD_PAGE);
    CHECK(found == s1);
    CHECK_EQ(vspace_lookup(&vs, s2->start + 0x10, NULL, NULL), VSPACE_GUARD_PAGE);
    CHECK_EQ(vspace_lookup(&vs, vspace_region_base(s2), NULL, NULL), VSPACE_UNMAPPED);
    CHECK_EQ(vspace_lookup(&vs, vspace_region_top(s1) - 8, NULL, NULL), VSPACE_UNMAPPED);
    CHECK_EQ(vspace_map(&vs, s1->start, 1, NULL), LAKE_ILLEGAL_OPERATION);
    CHECK_EQ(vspace_map(&vs, vspace_region_base(s1), 4, NULL), LAKE_OK);
    CHECK_EQ(f->maps[0].attrs, LAKE_ATTR_EXECUTE_NEVER);
    struct vspace_attr bad = { VSPACE_STACK, LAKE_RIGHTS_RW, 0, 0 };
    CHECK_EQ(vspace_reserve_anywhere(&vs, 4 * PAGE, 0, VSPACE_FIRST_FIT, &bad, NULL),
             LAKE_INVALID_ARGUMENT);
    CHECK_EQ(vspace_reserve_stack(&vs, 0, 1, NULL), LAKE_INVALID_ARGUMENT);
    /* A plain guard region. */
    CHECK_EQ(vspace_reserve_at(&vs, CEIL - PAGE, PAGE, &guard, NULL), LAKE_OK);
    CHECK_EQ(vspace_lookup(&vs, CEIL - 1, NULL, NULL), VSPACE_GUARD_PAGE);
    CHECK_EQ(vspace_map(&vs, CEIL - PAGE, 1, NULL), LAKE_ILLEGAL_OPERATION);
    vspace_destroy(&vs);
    free(f);
}

/* ---- self-pager ---- */

TEST(fault_decisions)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    struct vspace_region *heap, *ro, *stack, *fixed, *code;
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR, 0x100000, &anon_rw, &heap), LAKE_OK);
    struct vspace_attr ro_attr = { VSPACE_ANON, LAKE_RIGHT_READ, LAKE_ATTR_EXECUTE_NEVER, 0 };
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x200000, 0x4000, &ro_attr, &ro), LAKE_OK);
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x300000, 0x4000, &fixed_rw, &fixed), LAKE_OK);
    struct vspace_attr code_attr = { VSPACE_ANON, LAKE_RIGHT_READ, 0, 0 };
    CHECK_EQ(vspace_reserve_at(&vs, FLOOR + 0x400000, 0x4000, &code_attr, &code), LAKE_OK);
    CHECK_EQ(vspace_reserve_stack(&vs, 2, 1, &stack), LAKE_OK);
    const char *why;

    /* Lazy heap: a fresh frame, once. */
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x5008, true, false, &why), VSPACE_RESUME);
    CHECK(why == NULL);
    CHECK_EQ(f->nmaps, 1);
    CHECK_EQ(f->maps[0].va, FLOOR + 0x5000);
    CHECK_EQ(heap->mapped, 1);
    CHECK_EQ(vs.faults_resolved, 1);
    /* A second fault on the same page (another thread raced): resume, no new frame. */
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x5010, false, false, &why), VSPACE_RESUME);
    CHECK_EQ(f->alloc_frames, 1);
    /* Reads of a read-only lazy region are fine; writes are not. */
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x200000, false, false, &why), VSPACE_RESUME);
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x201000, true, false, &why), VSPACE_KILL);
    CHECK_STR(why, "write to a read-only region");
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x200000, true, false, &why), VSPACE_KILL);
    /* Execute: never in an XN region, fine in the code region. */
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x6000, false, true, &why), VSPACE_KILL);
    CHECK_STR(why, "execution in an execute-never region");
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x400000, false, true, &why), VSPACE_RESUME);
    /* Fixed region, guard page, nowhere. */
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x300000, false, false, &why), VSPACE_KILL);
    CHECK_STR(why, "unmapped page of a fixed region");
    CHECK_EQ(vspace_handle_fault(&vs, stack->start + 0xff8, true, false, &why), VSPACE_KILL);
    CHECK_STR(why, "stack overflow (guard page)");
    CHECK_EQ(vspace_handle_fault(&vs, stack->end - 8, true, false, &why), VSPACE_RESUME);
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x180000, false, false, &why), VSPACE_KILL);
    CHECK_STR(why, "no region at the address");
    /* Out of memory. */
    f->fail_alloc_frame_after = 0;
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x7000, false, false, &why), VSPACE_KILL);
    CHECK_STR(why, "out of memory for a page");
    f->fail_alloc_frame_after = -1;
    /* Unmapped lazily backed pages come back fresh. */
    lake_cptr_t old;
    vspace_lookup(&vs, FLOOR + 0x5000, NULL, &old);
    CHECK_EQ(vspace_unmap(&vs, FLOOR + 0x5000, 1), LAKE_OK);
    CHECK_EQ(vspace_handle_fault(&vs, FLOOR + 0x5000, true, false, NULL), VSPACE_RESUME);
    lake_cptr_t fresh;
    CHECK_EQ(vspace_lookup(&vs, FLOOR + 0x5000, NULL, &fresh), VSPACE_MAPPED);
    CHECK(fresh != old);
    vspace_destroy(&vs);
    CHECK_EQ(f->alloc_frames, f->free_frames);
    free(f);
}

/* ---- randomized model test ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define MODEL_PAGES 256                 /* a 1 MiB window of the space */
#define MODEL_BASE  (FLOOR + 0x1f0000)  /* straddles a 2 MiB boundary */

struct model_page {
    int region;                         /* id, -1: none */
    bool mapped;
    bool guard;
};

static void check_model(struct vspace *vs, struct fake *f, struct model_page *m)
{
    for (size_t i = 1; i < vs->count; i++)
        CHECK(vs->regions[i - 1]->end <= vs->regions[i]->start);
    size_t mapped = 0;
    for (int i = 0; i < MODEL_PAGES; i++) {
        lake_word_t va = MODEL_BASE + (lake_word_t)i * PAGE;
        struct vspace_region *r;
        lake_cptr_t frame;
        enum vspace_where w = vspace_lookup(vs, va, &r, &frame);
        if (m[i].region < 0) {
            CHECK_EQ(w, VSPACE_NOWHERE);
            continue;
        }
        CHECK(r != NULL && r->user == (void *)(intptr_t)(m[i].region + 1));
        if (m[i].guard)
            CHECK_EQ(w, VSPACE_GUARD_PAGE);
        else
            CHECK_EQ(w, m[i].mapped ? VSPACE_MAPPED : VSPACE_UNMAPPED);
        int k = fake_find_map(f, va);
        CHECK_EQ(k >= 0, m[i].mapped);
        if (k >= 0 && r) {
            CHECK_EQ(f->maps[k].frame, frame);
            CHECK_EQ(f->maps[k].rights, r->attr.rights);
            mapped++;
        }
    }
    CHECK_EQ(f->nmaps, mapped);
    CHECK_EQ(vs->frames_allocated, f->alloc_frames - f->free_frames);
    CHECK_EQ(f->map_frame_failures, 0);
}

TEST(randomized_model)
{
    struct fake *f = fake_new();
    struct vspace vs;
    setup(&vs, f);
    vs.floor = MODEL_BASE;
    vs.ceiling = MODEL_BASE + MODEL_PAGES * PAGE;
    vs.next_fit = vs.floor;
    struct model_page *m = calloc(MODEL_PAGES, sizeof(*m));
    for (int i = 0; i < MODEL_PAGES; i++)
        m[i].region = -1;
    int next_id = 0;
    rng_state = 0x1234567887654321ull;

    for (int step = 0; step < 20000; step++) {
        int op = (int)(rnd() % 8);
        int page = (int)(rnd() % MODEL_PAGES);
        int len = 1 + (int)(rnd() % 12);
        lake_word_t va = MODEL_BASE + (lake_word_t)page * PAGE;
        struct vspace_region *r;
        switch (op) {
        case 0:
        case 1: {       /* reserve at a fixed address, or a stack */
            bool free_range = page + len <= MODEL_PAGES;
            for (int i = page; free_range && i < page + len; i++)
                free_range = m[i].region < 0;
            bool stack = len > 1 && (rnd() & 1);
            struct vspace_attr a = stack
                ? (struct vspace_attr){ VSPACE_STACK, LAKE_RIGHTS_RW, 0, 1 }
                : (struct vspace_attr){ (rnd() & 1) ? VSPACE_ANON : VSPACE_FIXED, LAKE_RIGHTS_RW, 0, 0 };
            int e = vspace_reserve_at(&vs, va, (lake_word_t)len * PAGE, &a, &r);
            if (page + len > MODEL_PAGES)
                CHECK_EQ(e, LAKE_RANGE_ERROR);
            else
                CHECK_EQ(e, free_range ? LAKE_OK : LAKE_DELETE_FIRST);
            if (e == LAKE_OK) {
                r->user = (void *)(intptr_t)(next_id + 1);
                for (int i = page; i < page + len; i++) {
                    m[i].region = next_id;
                    m[i].mapped = false;
                    m[i].guard = stack && i == page;
                }
                next_id++;
            }
            break;
        }
        case 2: {       /* reserve anywhere (first fit): model the search */
            int expect = -1;
            for (int s = 0; s + len <= MODEL_PAGES && expect < 0; s++) {
                bool ok = true;
                for (int i = s; ok && i < s + len; i++)
                    ok = m[i].region < 0;
                if (ok)
                    expect = s;
            }
            int e = vspace_reserve_anywhere(&vs, (lake_word_t)len * PAGE, 0, VSPACE_FIRST_FIT,
                                            &anon_rw, &r);
            CHECK_EQ(e, expect < 0 ? LAKE_NOT_ENOUGH_MEMORY : LAKE_OK);
            if (e == LAKE_OK) {
                CHECK_EQ(r->start, MODEL_BASE + (lake_word_t)expect * PAGE);
                r->user = (void *)(intptr_t)(next_id + 1);
                for (int i = expect; i < expect + len; i++) {
                    m[i].region = next_id;
                    m[i].mapped = false;
                    m[i].guard = false;
                }
                next_id++;
            }
            break;
        }
        case 3: {       /* map a range of a region */
            int id = m[page].region;
            bool ok = id >= 0 && page + len <= MODEL_PAGES;
            for (int i = page; ok && i < page + len; i++)
                ok = m[i].region == id && !m[i].guard && !m[i].mapped;
            int e = vspace_map(&vs, va, (size_t)len, NULL);
            CHECK_EQ(e == LAKE_OK, ok);
            if (e == LAKE_OK)
                for (int i = page; i < page + len; i++)
                    m[i].mapped = true;
            break;
        }
        case 4: {       /* unmap a range */
            int id = m[page].region;
            bool ok = id >= 0 && !m[page].guard && page + len <= MODEL_PAGES;
            for (int i = page; ok && i < page + len; i++)
                ok = m[i].region == id;
            int e = vspace_unmap(&vs, va, (size_t)len);
            CHECK_EQ(e == LAKE_OK, ok);
            if (e == LAKE_OK)
                for (int i = page; i < page + len; i++)
                    m[i].mapped = false;
            break;
        }
        case 5: {       /* protect the region at page */
            r = vspace_find(&vs, va);
            CHECK_EQ(r != NULL, m[page].region >= 0);
            if (r) {
                unsigned rights = (rnd() & 1) ? LAKE_RIGHT_READ : LAKE_RIGHTS_RW;
                CHECK_EQ(vspace_protect(&vs, r, rights), LAKE_OK);
                CHECK_EQ(r->attr.rights, rights);
            }
            break;
        }
        case 6: {       /* release the region at page (rarely) */
            if (rnd() % 3)
                break;
            r = vspace_find(&vs, va);
            if (r) {
                int id = m[page].region;
                CHECK_EQ(vspace_release(&vs, r), LAKE_OK);
                for (int i = 0; i < MODEL_PAGES; i++)
                    if (m[i].region == id)
                        m[i] = (struct model_page){ -1, false, false };
            }
            break;
        }
        case 7: {       /* a read fault */
            enum vspace_fault_action a = vspace_handle_fault(&vs, va + 8, false, false, NULL);
            r = vspace_find(&vs, va);
            bool lazy = r && (r->attr.kind == VSPACE_ANON || r->attr.kind == VSPACE_STACK);
            bool resolvable = m[page].region >= 0 && !m[page].guard && (m[page].mapped || lazy);
            CHECK_EQ(a, resolvable ? VSPACE_RESUME : VSPACE_KILL);
            if (a == VSPACE_RESUME)
                m[page].mapped = true;
            break;
        }
        }
        if (step % 64 == 0 || unit_failures)
            check_model(&vs, f, m);
        if (unit_failures) {
            printf("  step %d op %d page %d len %d\n", step, op, page, len);
            break;
        }
    }
    check_model(&vs, f, m);
    vspace_destroy(&vs);
    CHECK_EQ(f->nmaps, 0);
    CHECK_EQ(f->alloc_frames, f->free_frames);
    free(m);
    free(f);
}
