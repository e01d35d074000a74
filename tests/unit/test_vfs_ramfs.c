/*
 * Host tests of the RAM file system (user/vfs/ramfs.c) through its
 * operations table: files, holes, truncation, directories, link counts,
 * timestamps, the byte budget, rename's rules, and a randomized model test
 * against a simple reference model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ramfs.h"

#include "unit.h"

#define OPS ramfs_ops
#define NAME(s) s, strlen(s)

static int64_t clock_now;

static struct vfs_time test_clock(void *arg)
{
    (void)arg;
    return (struct vfs_time){ clock_now, 0 };
}

static struct ramfs *new_fs(uint64_t budget)
{
    struct ramfs_config config = { budget, test_clock, NULL };
    struct ramfs *fs = NULL;
    clock_now = 1;
    CHECK_EQ(ramfs_create(&config, &fs), 0);
    return fs;
}

static uint64_t root(struct ramfs *fs)
{
    return OPS.root(fs);
}

static uint64_t make(struct ramfs *fs, uint64_t dir, const char *name, uint32_t mode)
{
    uint64_t ino = 0;
    CHECK_EQ(OPS.create(fs, dir, NAME(name), mode, &ino), 0);
    return ino;
}

static struct vfs_stat stat_of(struct ramfs *fs, uint64_t ino)
{
    struct vfs_stat st;
    memset(&st, 0xff, sizeof(st));
    CHECK_EQ(OPS.stat(fs, ino, &st), 0);
    return st;
}

TEST(create_lookup_stat)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t f = make(fs, root(fs), "file", VFS_S_IFREG | 0644);
    uint64_t d = make(fs, root(fs), "dir", VFS_S_IFDIR | 0755);
    uint64_t found;
    CHECK_EQ(OPS.lookup(fs, root(fs), NAME("file"), &found), 0);
    CHECK_EQ(found, f);
    CHECK_EQ(OPS.lookup(fs, root(fs), NAME("fil"), &found), -ENOENT);
    CHECK_EQ(OPS.lookup(fs, f, NAME("x"), &found), -ENOTDIR);
    CHECK_EQ(OPS.create(fs, root(fs), NAME("file"), VFS_S_IFREG, &found), -EEXIST);
    CHECK_EQ(OPS.create(fs, f, NAME("x"), VFS_S_IFREG, &found), -ENOTDIR);
    CHECK_EQ(OPS.create(fs, root(fs), NAME("fifo"), VFS_S_IFIFO, &found), -EINVAL);
    struct vfs_stat st = stat_of(fs, f);
    CHECK_EQ(st.st_mode, VFS_S_IFREG | 0644);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_ino, f);
    CHECK_EQ(stat_of(fs, d).st_nlink, 2);
    CHECK_EQ(stat_of(fs, root(fs)).st_nlink, 3);
    uint64_t parent;
    CHECK_EQ(OPS.parent(fs, d, &parent), 0);
    CHECK_EQ(parent, root(fs));
    CHECK_EQ(OPS.parent(fs, root(fs), &parent), 0);
    CHECK_EQ(parent, root(fs));
    CHECK_EQ(OPS.parent(fs, f, &parent), -ENOTDIR);
    CHECK_EQ(OPS.stat(fs, 999, &st), -ENOENT);
    ramfs_destroy(fs);
}

TEST(write_read_across_blocks)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t f = make(fs, root(fs), "f", VFS_S_IFREG | 0644);
    static uint8_t data[10000], back[10000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    CHECK_EQ(OPS.write(fs, f, data, sizeof(data), 100), sizeof(data));
    CHECK_EQ(stat_of(fs, f).st_size, 10100);
    CHECK_EQ(OPS.read(fs, f, back, sizeof(back), 100), sizeof(back));
    CHECK(memcmp(data, back, sizeof(data)) == 0);
    CHECK_EQ(OPS.read(fs, f, back, 50, 10090), 10);
    CHECK_EQ(OPS.read(fs, f, back, 50, 10100), 0);
    CHECK_EQ(OPS.read(fs, f, back, 50, 1 << 30), 0);
    CHECK_EQ(OPS.write(fs, f, data, 0, 0), 0);
    CHECK_EQ(OPS.read(fs, root(fs), back, 1, 0), -EISDIR);
    CHECK_EQ(OPS.write(fs, root(fs), back, 1, 0), -EISDIR);
    ramfs_destroy(fs);
}

TEST(holes_read_as_zeros)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t f = make(fs, root(fs), "sparse", VFS_S_IFREG | 0644);
    uint64_t before = ramfs_bytes_used(fs);
    CHECK_EQ(OPS.write(fs, f, "xyz", 3, 5 * RAMFS_BLOCK_SIZE + 10), 3);
    CHECK_EQ(stat_of(fs, f).st_size, 5 * RAMFS_BLOCK_SIZE + 13);
    CHECK_EQ(stat_of(fs, f).st_blocks, RAMFS_BLOCK_SIZE / 512);     /* one block */
    CHECK_EQ(ramfs_bytes_used(fs) - before, RAMFS_BLOCK_SIZE);
    static uint8_t back[5 * RAMFS_BLOCK_SIZE + 13];
    memset(back, 0xaa, sizeof(back));
    CHECK_EQ(OPS.read(fs, f, back, sizeof(back), 0), sizeof(back));
    size_t nonzero = 0;
    for (size_t i = 0; i < 5 * RAMFS_BLOCK_SIZE + 10; i++)
        nonzero += back[i] != 0;
    CHECK_EQ(nonzero, 0);
    CHECK(memcmp(back + 5 * RAMFS_BLOCK_SIZE + 10, "xyz", 3) == 0);
    ramfs_destroy(fs);
}

TEST(truncate_shrinks_and_grows_with_zeros)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t f = make(fs, root(fs), "f", VFS_S_IFREG | 0644);
    static uint8_t ones[3 * RAMFS_BLOCK_SIZE], back[3 * RAMFS_BLOCK_SIZE];
    memset(ones, 1, sizeof(ones));
    CHECK_EQ(OPS.write(fs, f, ones, sizeof(ones), 0), sizeof(ones));
    uint64_t full = ramfs_bytes_used(fs);
    CHECK_EQ(OPS.truncate(fs, f, 100), 0);
    CHECK_EQ(stat_of(fs, f).st_size, 100);
    CHECK_EQ(full - ramfs_bytes_used(fs), 2 * RAMFS_BLOCK_SIZE);
    CHECK_EQ(OPS.truncate(fs, f, sizeof(ones)), 0);
    CHECK_EQ(OPS.read(fs, f, back, sizeof(back), 0), sizeof(back));
    CHECK_EQ(back[99], 1);
    size_t nonzero = 0;
    for (size_t i = 100; i < sizeof(back); i++)
        nonzero += back[i] != 0;
    CHECK_EQ(nonzero, 0);
    CHECK_EQ(OPS.truncate(fs, f, 0), 0);
    CHECK_EQ(stat_of(fs, f).st_blocks, 0);
    CHECK_EQ(OPS.truncate(fs, f, RAMFS_MAX_FILE_SIZE + 1), -EFBIG);
    CHECK_EQ(OPS.write(fs, f, "x", 1, RAMFS_MAX_FILE_SIZE), -EFBIG);
    CHECK_EQ(OPS.write(fs, f, "x", 1, UINT64_MAX), -EFBIG);
    CHECK_EQ(OPS.truncate(fs, root(fs), 0), -EISDIR);
    ramfs_destroy(fs);
}

TEST(timestamps_come_from_the_clock)
{
    struct ramfs *fs = new_fs(1 << 20);
    clock_now = 5;
    uint64_t f = make(fs, root(fs), "f", VFS_S_IFREG | 0644);
    CHECK_EQ(stat_of(fs, f).st_mtim.sec, 5);
    CHECK_EQ(stat_of(fs, f).st_ctim.sec, 5);
    CHECK_EQ(stat_of(fs, root(fs)).st_mtim.sec, 5);
    clock_now = 7;
    CHECK_EQ(OPS.write(fs, f, "a", 1, 0), 1);
    CHECK_EQ(stat_of(fs, f).st_mtim.sec, 7);
    CHECK_EQ(stat_of(fs, f).st_atim.sec, 5);
    clock_now = 9;
    char c;
    CHECK_EQ(OPS.read(fs, f, &c, 1, 0), 1);
    CHECK_EQ(stat_of(fs, f).st_atim.sec, 9);
    CHECK_EQ(stat_of(fs, f).st_mtim.sec, 7);
    clock_now = 11;
    CHECK_EQ(OPS.rename(fs, root(fs), NAME("f"), root(fs), NAME("g")), 0);
    CHECK_EQ(stat_of(fs, f).st_ctim.sec, 11);
    CHECK_EQ(stat_of(fs, f).st_mtim.sec, 7);
    CHECK_EQ(stat_of(fs, root(fs)).st_mtim.sec, 11);
    ramfs_destroy(fs);
}

TEST(remove_rules_and_link_counts)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t d = make(fs, root(fs), "d", VFS_S_IFDIR | 0755);
    make(fs, d, "f", VFS_S_IFREG | 0644);
    make(fs, d, "sub", VFS_S_IFDIR | 0755);
    CHECK_EQ(stat_of(fs, d).st_nlink, 3);
    CHECK_EQ(OPS.remove(fs, root(fs), NAME("d"), true), -ENOTEMPTY);
    CHECK_EQ(OPS.remove(fs, root(fs), NAME("d"), false), -EISDIR);
    CHECK_EQ(OPS.remove(fs, d, NAME("f"), true), -ENOTDIR);
    CHECK_EQ(OPS.remove(fs, d, NAME("nope"), false), -ENOENT);
    CHECK_EQ(OPS.remove(fs, d, NAME("f"), false), 0);
    CHECK_EQ(OPS.remove(fs, d, NAME("sub"), true), 0);
    CHECK_EQ(stat_of(fs, d).st_nlink, 2);
    CHECK_EQ(OPS.remove(fs, root(fs), NAME("d"), true), 0);
    CHECK_EQ(stat_of(fs, root(fs)).st_nlink, 2);
    CHECK_EQ(ramfs_inode_count(fs), 1);
    ramfs_destroy(fs);
}

TEST(unlinked_file_lives_while_held)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t base = ramfs_bytes_used(fs);
    uint64_t f = make(fs, root(fs), "f", VFS_S_IFREG | 0644);
    CHECK_EQ(OPS.write(fs, f, "data", 4, 0), 4);
    OPS.hold(fs, f);
    CHECK_EQ(OPS.remove(fs, root(fs), NAME("f"), false), 0);
    uint64_t found;
    CHECK_EQ(OPS.lookup(fs, root(fs), NAME("f"), &found), -ENOENT);
    char back[4];
    CHECK_EQ(OPS.read(fs, f, back, 4, 0), 4);
    CHECK(memcmp(back, "data", 4) == 0);
    CHECK_EQ(stat_of(fs, f).st_nlink, 0);
    CHECK_EQ(ramfs_inode_count(fs), 2);
    OPS.release(fs, f);
    CHECK_EQ(ramfs_inode_count(fs), 1);
    CHECK_EQ(ramfs_bytes_used(fs), base);
    ramfs_destroy(fs);
}

TEST(removed_directory_takes_no_new_names)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t d = make(fs, root(fs), "d", VFS_S_IFDIR | 0755);
    OPS.hold(fs, d);
    CHECK_EQ(OPS.remove(fs, root(fs), NAME("d"), true), 0);
    uint64_t ino;
    CHECK_EQ(OPS.create(fs, d, NAME("x"), VFS_S_IFREG, &ino), -ENOENT);
    CHECK_EQ(OPS.parent(fs, d, &ino), -ENOENT);
    struct vfs_dirent e;
    CHECK_EQ(OPS.readdir(fs, d, 0, &e), 0);
    OPS.release(fs, d);
    CHECK_EQ(ramfs_inode_count(fs), 1);
    ramfs_destroy(fs);
}

TEST(readdir_lists_in_creation_order)
{
    struct ramfs *fs = new_fs(1 << 20);
    make(fs, root(fs), "a", VFS_S_IFREG | 0644);
    uint64_t b = make(fs, root(fs), "b", VFS_S_IFDIR | 0755);
    make(fs, root(fs), "c", VFS_S_IFREG | 0644);
    CHECK_EQ(OPS.remove(fs, root(fs), NAME("a"), false), 0);
    struct vfs_dirent e;
    CHECK_EQ(OPS.readdir(fs, root(fs), 0, &e), 1);
    CHECK_STR(e.d_name, "b");
    CHECK_EQ(e.d_ino, b);
    CHECK_EQ(e.d_type, VFS_DT_DIR);
    CHECK_EQ(OPS.readdir(fs, root(fs), 1, &e), 1);
    CHECK_STR(e.d_name, "c");
    CHECK_EQ(e.d_type, VFS_DT_REG);
    CHECK_EQ(OPS.readdir(fs, root(fs), 2, &e), 0);
    ramfs_destroy(fs);
}

TEST(rename_follows_posix_rules)
{
    struct ramfs *fs = new_fs(1 << 20);
    uint64_t r = root(fs);
    uint64_t a = make(fs, r, "a", VFS_S_IFDIR | 0755);
    uint64_t b = make(fs, a, "b", VFS_S_IFDIR | 0755);
    uint64_t f = make(fs, r, "f", VFS_S_IFREG | 0644);
    uint64_t g = make(fs, r, "g", VFS_S_IFREG | 0644);
    uint64_t empty = make(fs, r, "empty", VFS_S_IFDIR | 0755);
    make(fs, b, "inner", VFS_S_IFREG | 0644);
    uint64_t found;
    /* Into itself or below. */
    CHECK_EQ(OPS.rename(fs, r, NAME("a"), a, NAME("x")), -EINVAL);
    CHECK_EQ(OPS.rename(fs, r, NAME("a"), b, NAME("x")), -EINVAL);
    /* Type mismatches and non-empty targets. */
    CHECK_EQ(OPS.rename(fs, r, NAME("a"), r, NAME("f")), -ENOTDIR);
    CHECK_EQ(OPS.rename(fs, r, NAME("f"), r, NAME("a")), -EISDIR);
    CHECK_EQ(OPS.rename(fs, r, NAME("empty"), a, NAME("b")), -ENOTEMPTY);
    CHECK_EQ(OPS.rename(fs, r, NAME("nope"), r, NAME("x")), -ENOENT);
    /* Same file: nothing happens. */
    CHECK_EQ(OPS.rename(fs, r, NAME("f"), r, NAME("f")), 0);
    CHECK_EQ(OPS.lookup(fs, r, NAME("f"), &found), 0);
    /* Replace a file: the old one goes away. */
    size_t inodes = ramfs_inode_count(fs);
    CHECK_EQ(OPS.rename(fs, r, NAME("f"), r, NAME("g")), 0);
    CHECK_EQ(OPS.lookup(fs, r, NAME("g"), &found), 0);
    CHECK_EQ(found, f);
    CHECK_EQ(OPS.lookup(fs, r, NAME("f"), &found), -ENOENT);
    CHECK_EQ(ramfs_inode_count(fs), inodes - 1);
    CHECK_EQ(OPS.stat(fs, g, &(struct vfs_stat){ 0 }), -ENOENT);
    /* Replace an empty directory, moving between parents. */
    CHECK_EQ(stat_of(fs, r).st_nlink, 4);       /* a, empty */
    CHECK_EQ(OPS.rename(fs, a, NAME("b"), r, NAME("empty")), 0);
    CHECK_EQ(OPS.lookup(fs, r, NAME("empty"), &found), 0);
    CHECK_EQ(found, b);
    CHECK_EQ(stat_of(fs, r).st_nlink, 4);       /* a, empty (= b) */
    CHECK_EQ(stat_of(fs, a).st_nlink, 2);
    CHECK_EQ(OPS.parent(fs, b, &found), 0);
    CHECK_EQ(found, r);
    CHECK_EQ(OPS.stat(fs, empty, &(struct vfs_stat){ 0 }), -ENOENT);
    /* Plain move of a directory into a sibling. */
    CHECK_EQ(OPS.rename(fs, r, NAME("empty"), a, NAME("moved")), 0);
    CHECK_EQ(stat_of(fs, a).st_nlink, 3);
    CHECK_EQ(stat_of(fs, r).st_nlink, 3);
    CHECK_EQ(OPS.lookup(fs, b, NAME("inner"), &found), 0);
    ramfs_destroy(fs);
}

TEST(budget_exhaustion_changes_nothing)
{
    struct ramfs *fs = new_fs(64 * 1024);
    uint64_t f = make(fs, root(fs), "f", VFS_S_IFREG | 0644);
    static uint8_t big[64 * 1024], back[64 * 1024];
    memset(big, 'x', sizeof(big));
    /* Fill with blocks until the next one does not fit. */
    ssize_t r;
    uint64_t off = 0;
    while ((r = OPS.write(fs, f, big, RAMFS_BLOCK_SIZE, off)) > 0)
        off += (uint64_t)r;
    CHECK_EQ(r, -ENOSPC);
    CHECK(off >= 8 * RAMFS_BLOCK_SIZE);
    uint64_t used = ramfs_bytes_used(fs);
    struct vfs_stat before = stat_of(fs, f);
    /* A write that needs several blocks fails whole, even if some would fit. */
    CHECK_EQ(OPS.write(fs, f, big, 3 * RAMFS_BLOCK_SIZE, off - 10), -ENOSPC);
    CHECK_EQ(stat_of(fs, f).st_size, before.st_size);
    CHECK_EQ(ramfs_bytes_used(fs), used);
    CHECK_EQ(OPS.read(fs, f, back, RAMFS_BLOCK_SIZE, off - RAMFS_BLOCK_SIZE), RAMFS_BLOCK_SIZE);
    CHECK(memcmp(back, big, RAMFS_BLOCK_SIZE) == 0);
    /* Writing inside allocated blocks needs no budget. */
    CHECK_EQ(OPS.write(fs, f, "y", 1, 0), 1);
    /* Names and inodes are charged too. */
    uint64_t ino;
    int err = 0;
    char name[32];
    for (int i = 0; i < 1000 && !err; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        err = OPS.create(fs, root(fs), NAME(name), VFS_S_IFREG | 0644, &ino);
    }
    CHECK_EQ(err, -ENOSPC);
    uint64_t found;
    CHECK_EQ(OPS.lookup(fs, root(fs), NAME(name), &found), -ENOENT);
    CHECK(ramfs_bytes_used(fs) <= 64 * 1024);
    /* Freeing space makes room again. */
    CHECK_EQ(OPS.truncate(fs, f, 0), 0);
    CHECK_EQ(OPS.create(fs, root(fs), NAME(name), VFS_S_IFREG | 0644, &ino), 0);
    struct ramfs *tiny;
    struct ramfs_config config = { 8, NULL, NULL };
    CHECK_EQ(ramfs_create(&config, &tiny), -ENOSPC);
    ramfs_destroy(fs);
}

TEST(rename_to_a_longer_name_is_charged)
{
    struct ramfs *fs = new_fs(1 << 20);
    make(fs, root(fs), "f", VFS_S_IFREG | 0644);
    uint64_t used = ramfs_bytes_used(fs);
    CHECK_EQ(OPS.rename(fs, root(fs), NAME("f"), root(fs), NAME("longer-name")), 0);
    CHECK_EQ(ramfs_bytes_used(fs), used + 10);
    ramfs_destroy(fs);
}

/* ---- randomized model test ---- */

#define MODEL_DIRS   3          /* root, d0, d1 */
#define MODEL_FILES  6          /* f0..f5 in each directory */
#define MODEL_MAX    (3 * RAMFS_BLOCK_SIZE + 100)
#define MODEL_STEPS  4000

struct model_file {
    bool exists;
    size_t size;
    uint8_t data[MODEL_MAX];
};

struct model {
    bool dir_exists[MODEL_DIRS];
    struct model_file files[MODEL_DIRS][MODEL_FILES];
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

static const char *file_name(int i)
{
    static const char *names[MODEL_FILES] = { "f0", "f1", "f2", "f3", "f4", "f5" };
    return names[i];
}

static const char *dir_name(int d)
{
    return d == 1 ? "d0" : "d1";
}

/* The inode of model directory d, or an error like a path walk's. */
static int dir_ino(struct ramfs *fs, int d, uint64_t *ino)
{
    if (d == 0) {
        *ino = root(fs);
        return 0;
    }
    return OPS.lookup(fs, root(fs), NAME(dir_name(d)), ino);
}

static bool model_dir_empty(const struct model *m, int d)
{
    for (int i = 0; i < MODEL_FILES; i++)
        if (m->files[d][i].exists)
            return false;
    return true;
}

static void step_write(struct ramfs *fs, struct model *m)
{
    int d = (int)rnd(MODEL_DIRS), i = (int)rnd(MODEL_FILES);
    uint64_t dir, ino;
    int err = dir_ino(fs, d, &dir);
    CHECK_EQ(err, m->dir_exists[d] ? 0 : -ENOENT);
    if (err)
        return;
    struct model_file *mf = &m->files[d][i];
    err = OPS.lookup(fs, dir, NAME(file_name(i)), &ino);
    CHECK_EQ(err, mf->exists ? 0 : -ENOENT);
    if (err) {
        CHECK_EQ(OPS.create(fs, dir, NAME(file_name(i)), VFS_S_IFREG | 0644, &ino), 0);
        mf->exists = true;
        mf->size = 0;
    }
    size_t off = rnd(MODEL_MAX), len = rnd((uint32_t)(MODEL_MAX - off) + 1);
    uint8_t buf[MODEL_MAX];
    for (size_t k = 0; k < len; k++)
        buf[k] = (uint8_t)rnd(256);
    CHECK_EQ(OPS.write(fs, ino, buf, len, off), len);
    if (len) {
        if (off > mf->size)
            memset(mf->data + mf->size, 0, off - mf->size);
        memcpy(mf->data + off, buf, len);
        if (off + len > mf->size)
            mf->size = off + len;
    }
}

static void step_truncate(struct ramfs *fs, struct model *m)
{
    int d = (int)rnd(MODEL_DIRS), i = (int)rnd(MODEL_FILES);
    struct model_file *mf = &m->files[d][i];
    uint64_t dir, ino;
    if (!m->dir_exists[d] || !mf->exists)
        return;
    CHECK_EQ(dir_ino(fs, d, &dir), 0);
    CHECK_EQ(OPS.lookup(fs, dir, NAME(file_name(i)), &ino), 0);
    size_t size = rnd(MODEL_MAX + 1);
    CHECK_EQ(OPS.truncate(fs, ino, size), 0);
    if (size > mf->size)
        memset(mf->data + mf->size, 0, size - mf->size);
    mf->size = size;
}

static void step_unlink(struct ramfs *fs, struct model *m)
{
    int d = (int)rnd(MODEL_DIRS), i = (int)rnd(MODEL_FILES);
    uint64_t dir;
    if (dir_ino(fs, d, &dir))
        return;
    int expect = m->files[d][i].exists ? 0 : -ENOENT;
    CHECK_EQ(OPS.remove(fs, dir, NAME(file_name(i)), false), expect);
    m->files[d][i].exists = false;
}

static void step_dir(struct ramfs *fs, struct model *m)
{
    int d = 1 + (int)rnd(MODEL_DIRS - 1);
    uint64_t ino;
    if (rnd(2)) {
        CHECK_EQ(OPS.create(fs, root(fs), NAME(dir_name(d)), VFS_S_IFDIR | 0755, &ino),
                 m->dir_exists[d] ? -EEXIST : 0);
        m->dir_exists[d] = true;
        return;
    }
    int expect = !m->dir_exists[d] ? -ENOENT : !model_dir_empty(m, d) ? -ENOTEMPTY : 0;
    CHECK_EQ(OPS.remove(fs, root(fs), NAME(dir_name(d)), true), expect);
    if (expect == 0)
        m->dir_exists[d] = false;
}

static void step_rename(struct ramfs *fs, struct model *m)
{
    int d1 = (int)rnd(MODEL_DIRS), i1 = (int)rnd(MODEL_FILES);
    int d2 = (int)rnd(MODEL_DIRS), i2 = (int)rnd(MODEL_FILES);
    uint64_t dir1, dir2;
    if (!m->dir_exists[d1] || !m->dir_exists[d2])
        return;
    CHECK_EQ(dir_ino(fs, d1, &dir1), 0);
    CHECK_EQ(dir_ino(fs, d2, &dir2), 0);
    int expect = m->files[d1][i1].exists ? 0 : -ENOENT;
    CHECK_EQ(OPS.rename(fs, dir1, NAME(file_name(i1)), dir2, NAME(file_name(i2))), expect);
    if (expect == 0 && (d1 != d2 || i1 != i2)) {
        m->files[d2][i2] = m->files[d1][i1];
        m->files[d1][i1].exists = false;
    }
}

/* Every name of the model is compared with the file system. */
static void compare(struct ramfs *fs, const struct model *m)
{
    static uint8_t back[MODEL_MAX + 10];
    for (int d = 0; d < MODEL_DIRS; d++) {
        uint64_t dir, ino;
        if (dir_ino(fs, d, &dir) != 0) {
            CHECK(!m->dir_exists[d]);
            continue;
        }
        CHECK(m->dir_exists[d]);
        for (int i = 0; i < MODEL_FILES; i++) {
            const struct model_file *mf = &m->files[d][i];
            int err = OPS.lookup(fs, dir, NAME(file_name(i)), &ino);
            CHECK_EQ(err, mf->exists ? 0 : -ENOENT);
            if (err)
                continue;
            CHECK_EQ(stat_of(fs, ino).st_size, mf->size);
            CHECK_EQ(OPS.read(fs, ino, back, sizeof(back), 0), mf->size);
            CHECK(memcmp(back, mf->data, mf->size) == 0);
        }
    }
}

TEST(randomized_model)
{
    struct ramfs *fs = new_fs(16u << 20);
    uint64_t base = ramfs_bytes_used(fs);
    static struct model m;
    memset(&m, 0, sizeof(m));
    m.dir_exists[0] = true;
    rng_state = 0x5eed1234abcdull;
    for (int s = 0; s < MODEL_STEPS && unit_failures == 0; s++) {
        switch (rnd(10)) {
        case 0: case 1: case 2: step_write(fs, &m); break;
        case 3:             step_truncate(fs, &m); break;
        case 4: case 5:     step_unlink(fs, &m); break;
        case 6: case 7:     step_dir(fs, &m); break;
        default:            step_rename(fs, &m); break;
        }
        if (s % 50 == 0)
            compare(fs, &m);
    }
    compare(fs, &m);
    /* Remove everything: the budget must come back to where it started. */
    for (int d = MODEL_DIRS - 1; d >= 0; d--) {
        uint64_t dir;
        if (dir_ino(fs, d, &dir))
            continue;
        for (int i = 0; i < MODEL_FILES; i++)
            OPS.remove(fs, dir, NAME(file_name(i)), false);
        if (d)
            CHECK_EQ(OPS.remove(fs, root(fs), NAME(dir_name(d)), true), 0);
    }
    CHECK_EQ(ramfs_bytes_used(fs), base);
    CHECK_EQ(ramfs_inode_count(fs), 1);
    ramfs_destroy(fs);
}
