/*
 * RAM file system (see ramfs.h). Inode numbers are indexes into a table
 * plus one, so 0 is never a valid inode; freed slots are reused.
 */
#include "ramfs.h"
#include "alloc.h"

#include <errno.h>
#include <string.h>

struct ram_dirent {
    uint64_t ino;
    size_t len;
    char *name;
};

struct ram_inode {
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    uint32_t holds;                 /* open files and working directories */
    uint64_t size;
    struct vfs_time atime, mtime, ctime;
    /* Regular file: blocks[i] holds bytes [i*4K, (i+1)*4K), NULL = hole.
     * Bytes past size in the last block are kept zero, so growing the file
     * later exposes zeros. */
    uint8_t **blocks;
    size_t blocks_cap;
    uint64_t blocks_used;
    /* Directory. */
    struct ram_dirent *entries;
    size_t nentries, entries_cap;
    uint64_t parent;
};

struct ramfs {
    struct ram_inode **table;
    size_t table_cap;
    size_t live;
    uint64_t budget, used;
    vfs_clock_fn clock;
    void *clock_arg;
    uint64_t root;
};

#define INODE_CHARGE  ((uint64_t)sizeof(struct ram_inode))

static uint64_t dirent_charge(size_t len)
{
    return sizeof(struct ram_dirent) + len + 1;
}

static struct vfs_time now(struct ramfs *fs)
{
    if (!fs->clock)
        return (struct vfs_time){ 0, 0 };
    return fs->clock(fs->clock_arg);
}

static bool fits_budget(const struct ramfs *fs, uint64_t extra)
{
    return extra <= fs->budget - fs->used;
}

static bool is_dir(const struct ram_inode *n)
{
    return (n->mode & VFS_S_IFMT) == VFS_S_IFDIR;
}

static bool is_reg(const struct ram_inode *n)
{
    return (n->mode & VFS_S_IFMT) == VFS_S_IFREG;
}

static struct ram_inode *inode_get(const struct ramfs *fs, uint64_t ino)
{
    if (ino == 0 || ino > fs->table_cap)
        return NULL;
    return fs->table[ino - 1];
}

/* ---- inode table ---- */

static int table_free_slot(struct ramfs *fs, size_t *slot)
{
    for (size_t i = 0; i < fs->table_cap; i++) {
        if (!fs->table[i]) {
            *slot = i;
            return 0;
        }
    }
    size_t cap = fs->table_cap ? fs->table_cap * 2 : 16;
    struct ram_inode **table = vfs_realloc(fs->table, cap * sizeof(*table));
    if (!table)
        return -ENOMEM;
    memset(table + fs->table_cap, 0, (cap - fs->table_cap) * sizeof(*table));
    *slot = fs->table_cap;
    fs->table = table;
    fs->table_cap = cap;
    return 0;
}

/* A new inode, in the table but linked nowhere yet. Budget checked by the caller. */
static int inode_new(struct ramfs *fs, uint32_t mode, struct ram_inode **out)
{
    size_t slot;
    int err = table_free_slot(fs, &slot);
    if (err)
        return err;
    struct ram_inode *n = vfs_calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->ino = slot + 1;
    n->mode = mode;
    n->atime = n->mtime = n->ctime = now(fs);
    fs->table[slot] = n;
    fs->live++;
    fs->used += INODE_CHARGE;
    *out = n;
    return 0;
}

static void inode_free(struct ramfs *fs, struct ram_inode *n)
{
    for (size_t i = 0; i < n->blocks_cap; i++)
        free(n->blocks[i]);
    for (size_t i = 0; i < n->nentries; i++) {
        fs->used -= dirent_charge(n->entries[i].len);
        free(n->entries[i].name);
    }
    fs->used -= n->blocks_used * RAMFS_BLOCK_SIZE + INODE_CHARGE;
    free(n->blocks);
    free(n->entries);
    fs->table[n->ino - 1] = NULL;
    fs->live--;
    free(n);
}

/* Frees an inode once no name and no holder refers to it. */
static void inode_put_if_unused(struct ramfs *fs, struct ram_inode *n)
{
    if (n->nlink == 0 && n->holds == 0)
        inode_free(fs, n);
}

/* ---- directories ---- */

static struct ram_dirent *dir_find(struct ram_inode *dir, const char *name, size_t len)
{
    for (size_t i = 0; i < dir->nentries; i++) {
        struct ram_dirent *e = &dir->entries[i];
        if (e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    }
    return NULL;
}

static int dir_reserve(struct ram_inode *dir)
{
    if (dir->nentries < dir->entries_cap)
        return 0;
    size_t cap = dir->entries_cap ? dir->entries_cap * 2 : 8;
    struct ram_dirent *entries = vfs_realloc(dir->entries, cap * sizeof(*entries));
    if (!entries)
        return -ENOMEM;
    dir->entries = entries;
    dir->entries_cap = cap;
    return 0;
}

static char *name_dup(const char *name, size_t len)
{
    char *copy = vfs_malloc(len + 1);
    if (copy) {
        memcpy(copy, name, len);
        copy[len] = '\0';
    }
    return copy;
}

/* Appends an entry whose name is already allocated; capacity reserved. */
static void dir_append(struct ramfs *fs, struct ram_inode *dir, char *name, size_t len, uint64_t ino)
{
    dir->entries[dir->nentries++] = (struct ram_dirent){ .ino = ino, .len = len, .name = name };
    fs->used += dirent_charge(len);
}

/* Removes an entry, keeping the others in order so readdir stays stable. */
static void dir_drop(struct ramfs *fs, struct ram_inode *dir, struct ram_dirent *e)
{
    size_t i = (size_t)(e - dir->entries);
    fs->used -= dirent_charge(e->len);
    free(e->name);
    memmove(e, e + 1, (dir->nentries - i - 1) * sizeof(*e));
    dir->nentries--;
}

static void touch_modified(struct ramfs *fs, struct ram_inode *n)
{
    n->mtime = n->ctime = now(fs);
}

/* A directory that can still take lookups and new names. */
static int live_dir(struct ramfs *fs, uint64_t ino, struct ram_inode **out)
{
    struct ram_inode *d = inode_get(fs, ino);
    if (!d)
        return -ENOENT;
    if (!is_dir(d))
        return -ENOTDIR;
    if (d->nlink == 0)
        return -ENOENT;     /* removed while someone still holds it */
    *out = d;
    return 0;
}

/* ---- operations ---- */

static uint64_t ram_root(void *ctx)
{
    return ((struct ramfs *)ctx)->root;
}

static int ram_lookup(void *ctx, uint64_t dir, const char *name, size_t len, uint64_t *ino)
{
    struct ramfs *fs = ctx;
    struct ram_inode *d;
    int err = live_dir(fs, dir, &d);
    if (err)
        return err;
    struct ram_dirent *e = dir_find(d, name, len);
    if (!e)
        return -ENOENT;
    *ino = e->ino;
    return 0;
}

static int ram_parent(void *ctx, uint64_t dir, uint64_t *ino)
{
    struct ramfs *fs = ctx;
    struct ram_inode *d;
    int err = live_dir(fs, dir, &d);
    if (err)
        return err;
    *ino = d->parent;
    return 0;
}

static int ram_stat(void *ctx, uint64_t ino, struct vfs_stat *st)
{
    struct ram_inode *n = inode_get(ctx, ino);
    if (!n)
        return -ENOENT;
    *st = (struct vfs_stat){
        .st_ino = n->ino, .st_mode = n->mode, .st_nlink = n->nlink,
        .st_size = n->size, .st_blocks = n->blocks_used * (RAMFS_BLOCK_SIZE / 512),
        .st_atim = n->atime, .st_mtim = n->mtime, .st_ctim = n->ctime,
    };
    return 0;
}

static int regular_file(struct ramfs *fs, uint64_t ino, struct ram_inode **out)
{
    struct ram_inode *n = inode_get(fs, ino);
    if (!n)
        return -ENOENT;
    if (is_dir(n))
        return -EISDIR;
    if (!is_reg(n))
        return -EINVAL;
    *out = n;
    return 0;
}

static ssize_t ram_read(void *ctx, uint64_t ino, void *buf, size_t n, uint64_t off)
{
    struct ramfs *fs = ctx;
    struct ram_inode *f;
    int err = regular_file(fs, ino, &f);
    if (err)
        return err;
    if (off >= f->size)
        return 0;
    if (n > f->size - off)
        n = f->size - off;      /* at most RAMFS_MAX_FILE_SIZE: fits ssize_t */
    uint8_t *dst = buf;
    for (size_t done = 0; done < n;) {
        uint64_t pos = off + done;
        size_t index = pos / RAMFS_BLOCK_SIZE, within = pos % RAMFS_BLOCK_SIZE;
        size_t chunk = RAMFS_BLOCK_SIZE - within;
        if (chunk > n - done)
            chunk = n - done;
        const uint8_t *block = index < f->blocks_cap ? f->blocks[index] : NULL;
        if (block)
            memcpy(dst + done, block + within, chunk);
        else
            memset(dst + done, 0, chunk);
        done += chunk;
    }
    f->atime = now(fs);
    return (ssize_t)n;
}

static int blocks_reserve(struct ram_inode *f, size_t count)
{
    if (count <= f->blocks_cap)
        return 0;
    size_t cap = f->blocks_cap ? f->blocks_cap : 4;
    while (cap < count)
        cap *= 2;
    uint8_t **blocks = vfs_realloc(f->blocks, cap * sizeof(*blocks));
    if (!blocks)
        return -ENOMEM;
    memset(blocks + f->blocks_cap, 0, (cap - f->blocks_cap) * sizeof(*blocks));
    f->blocks = blocks;
    f->blocks_cap = cap;
    return 0;
}

/* Allocates every hole in [first, last] up front so that a failure leaves
 * the file as it was. */
static int fill_holes(struct ramfs *fs, struct ram_inode *f, size_t first, size_t last)
{
    size_t missing = 0;
    for (size_t i = first; i <= last; i++)
        missing += f->blocks[i] == NULL;
    if (missing == 0)
        return 0;
    if (missing > UINT64_MAX / RAMFS_BLOCK_SIZE || !fits_budget(fs, missing * RAMFS_BLOCK_SIZE))
        return -ENOSPC;
    uint8_t **fresh = vfs_malloc(missing * sizeof(*fresh));
    if (!fresh)
        return -ENOMEM;
    for (size_t k = 0; k < missing; k++) {
        fresh[k] = vfs_calloc(1, RAMFS_BLOCK_SIZE);
        if (!fresh[k]) {
            while (k--)
                free(fresh[k]);
            free(fresh);
            return -ENOMEM;
        }
    }
    size_t k = 0;
    for (size_t i = first; i <= last; i++)
        if (!f->blocks[i])
            f->blocks[i] = fresh[k++];
    free(fresh);
    f->blocks_used += missing;
    fs->used += missing * RAMFS_BLOCK_SIZE;
    return 0;
}

static ssize_t ram_write(void *ctx, uint64_t ino, const void *buf, size_t n, uint64_t off)
{
    struct ramfs *fs = ctx;
    struct ram_inode *f;
    int err = regular_file(fs, ino, &f);
    if (err)
        return err;
    if (n == 0)
        return 0;
    if (off > RAMFS_MAX_FILE_SIZE || n > RAMFS_MAX_FILE_SIZE - off)
        return -EFBIG;
    uint64_t end = off + n;
    size_t first = off / RAMFS_BLOCK_SIZE, last = (end - 1) / RAMFS_BLOCK_SIZE;
    err = blocks_reserve(f, last + 1);
    if (!err)
        err = fill_holes(fs, f, first, last);
    if (err)
        return err;
    const uint8_t *src = buf;
    for (size_t done = 0; done < n;) {
        uint64_t pos = off + done;
        size_t within = pos % RAMFS_BLOCK_SIZE, chunk = RAMFS_BLOCK_SIZE - within;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(f->blocks[pos / RAMFS_BLOCK_SIZE] + within, src + done, chunk);
        done += chunk;
    }
    if (end > f->size)
        f->size = end;
    touch_modified(fs, f);
    return (ssize_t)n;
}

static int ram_truncate(void *ctx, uint64_t ino, uint64_t size)
{
    struct ramfs *fs = ctx;
    struct ram_inode *f;
    int err = regular_file(fs, ino, &f);
    if (err)
        return err;
    if (size > RAMFS_MAX_FILE_SIZE)
        return -EFBIG;
    if (size < f->size) {
        size_t keep = (size + RAMFS_BLOCK_SIZE - 1) / RAMFS_BLOCK_SIZE;
        for (size_t i = keep; i < f->blocks_cap; i++) {
            if (f->blocks[i]) {
                free(f->blocks[i]);
                f->blocks[i] = NULL;
                f->blocks_used--;
                fs->used -= RAMFS_BLOCK_SIZE;
            }
        }
        size_t within = size % RAMFS_BLOCK_SIZE;
        if (within && f->blocks[size / RAMFS_BLOCK_SIZE])
            memset(f->blocks[size / RAMFS_BLOCK_SIZE] + within, 0, RAMFS_BLOCK_SIZE - within);
    }
    f->size = size;
    touch_modified(fs, f);
    return 0;
}

static int ram_create(void *ctx, uint64_t dir, const char *name, size_t len,
                      uint32_t mode, uint64_t *ino)
{
    struct ramfs *fs = ctx;
    struct ram_inode *d;
    int err = live_dir(fs, dir, &d);
    if (err)
        return err;
    uint32_t type = mode & VFS_S_IFMT;
    if (type != VFS_S_IFREG && type != VFS_S_IFDIR)
        return -EINVAL;
    if (dir_find(d, name, len))
        return -EEXIST;
    if (!fits_budget(fs, INODE_CHARGE + dirent_charge(len)))
        return -ENOSPC;
    char *copy = name_dup(name, len);
    if (!copy)
        return -ENOMEM;
    struct ram_inode *n;
    err = dir_reserve(d);
    if (!err)
        err = inode_new(fs, mode, &n);
    if (err) {
        free(copy);
        return err;
    }
    if (type == VFS_S_IFDIR) {
        n->nlink = 2;
        n->parent = d->ino;
        d->nlink++;
    } else {
        n->nlink = 1;
    }
    dir_append(fs, d, copy, len, n->ino);
    touch_modified(fs, d);
    *ino = n->ino;
    return 0;
}

/* Takes away the name of n (a directory or not) that lived in dir. */
static void unlink_inode(struct ramfs *fs, struct ram_inode *dir, struct ram_inode *n)
{
    if (is_dir(n)) {
        n->nlink = 0;
        dir->nlink--;
    } else {
        n->nlink--;
    }
    n->ctime = now(fs);
    inode_put_if_unused(fs, n);
}

static int ram_remove(void *ctx, uint64_t dir, const char *name, size_t len, bool want_dir)
{
    struct ramfs *fs = ctx;
    struct ram_inode *d;
    int err = live_dir(fs, dir, &d);
    if (err)
        return err;
    struct ram_dirent *e = dir_find(d, name, len);
    if (!e)
        return -ENOENT;
    struct ram_inode *n = inode_get(fs, e->ino);
    if (want_dir && !is_dir(n))
        return -ENOTDIR;
    if (!want_dir && is_dir(n))
        return -EISDIR;
    if (want_dir && n->nentries)
        return -ENOTEMPTY;
    dir_drop(fs, d, e);
    touch_modified(fs, d);
    unlink_inode(fs, d, n);
    return 0;
}

/* Whether dir is node or lies below it. */
static bool is_within(struct ramfs *fs, uint64_t dir, uint64_t node)
{
    for (;;) {
        if (dir == node)
            return true;
        if (dir == fs->root)
            return false;
        dir = inode_get(fs, dir)->parent;
    }
}

/* POSIX's rules for moving src from od to nd, over dst if there is one. */
static int check_rename(struct ramfs *fs, struct ram_inode *od, struct ram_inode *nd,
                        struct ram_inode *src, struct ram_inode *dst)
{
    if (is_dir(src) && is_within(fs, nd->ino, src->ino))
        return -EINVAL;
    if (!dst)
        return 0;
    /* A target above the source is not empty: said first, as Linux does. */
    if (is_dir(dst) && is_within(fs, od->ino, dst->ino))
        return -ENOTEMPTY;
    if (is_dir(src) && !is_dir(dst))
        return -ENOTDIR;
    if (!is_dir(src) && is_dir(dst))
        return -EISDIR;
    if (is_dir(dst) && dst->nentries)
        return -ENOTEMPTY;
    return 0;
}

/* Gives src the name (name, len) in nd, a new entry; the old name's entry
 * (old_len bytes) goes away afterwards, so only the difference is charged. */
static int add_new_name(struct ramfs *fs, struct ram_inode *nd, const char *name, size_t len,
                        size_t old_len, struct ram_inode *src)
{
    if (dirent_charge(len) > dirent_charge(old_len) &&
        !fits_budget(fs, dirent_charge(len) - dirent_charge(old_len)))
        return -ENOSPC;
    char *copy = name_dup(name, len);
    if (!copy)
        return -ENOMEM;
    int err = dir_reserve(nd);
    if (err) {
        free(copy);
        return err;
    }
    dir_append(fs, nd, copy, len, src->ino);
    return 0;
}

static int ram_rename(void *ctx, uint64_t old_dir, const char *old_name, size_t old_len,
                      uint64_t new_dir, const char *new_name, size_t new_len)
{
    struct ramfs *fs = ctx;
    struct ram_inode *od, *nd;
    int err = live_dir(fs, old_dir, &od);
    if (!err)
        err = live_dir(fs, new_dir, &nd);
    if (err)
        return err;
    struct ram_dirent *old_entry = dir_find(od, old_name, old_len);
    if (!old_entry)
        return -ENOENT;
    struct ram_inode *src = inode_get(fs, old_entry->ino);
    struct ram_dirent *new_entry = dir_find(nd, new_name, new_len);
    struct ram_inode *dst = new_entry ? inode_get(fs, new_entry->ino) : NULL;
    if (dst == src)
        return 0;
    if ((err = check_rename(fs, od, nd, src, dst)))
        return err;
    if (dst)
        new_entry->ino = src->ino;
    else if ((err = add_new_name(fs, nd, new_name, new_len, old_len, src)))
        return err;
    /* The append may have moved od's entries if od == nd: find it again. */
    dir_drop(fs, od, dir_find(od, old_name, old_len));
    if (is_dir(src) && od != nd) {
        od->nlink--;
        nd->nlink++;
        src->parent = nd->ino;
    }
    touch_modified(fs, od);
    touch_modified(fs, nd);
    src->ctime = now(fs);
    if (dst)
        unlink_inode(fs, nd, dst);
    return 0;
}

static int ram_readdir(void *ctx, uint64_t dir, uint64_t index, struct vfs_dirent *out)
{
    struct ramfs *fs = ctx;
    struct ram_inode *d = inode_get(fs, dir);
    if (!d)
        return -ENOENT;
    if (!is_dir(d))
        return -ENOTDIR;
    if (index >= d->nentries)
        return 0;
    const struct ram_dirent *e = &d->entries[index];
    out->d_ino = e->ino;
    out->d_type = vfs_mode_to_dtype(inode_get(fs, e->ino)->mode);
    memcpy(out->d_name, e->name, e->len + 1);
    return 1;
}

static void ram_hold(void *ctx, uint64_t ino)
{
    struct ram_inode *n = inode_get(ctx, ino);
    if (n)
        n->holds++;
}

static void ram_release(void *ctx, uint64_t ino)
{
    struct ram_inode *n = inode_get(ctx, ino);
    if (n && n->holds) {
        n->holds--;
        inode_put_if_unused(ctx, n);
    }
}

const struct vfs_fs_ops ramfs_ops = {
    .root = ram_root, .lookup = ram_lookup, .parent = ram_parent, .stat = ram_stat,
    .read = ram_read, .write = ram_write, .truncate = ram_truncate,
    .create = ram_create, .remove = ram_remove, .rename = ram_rename,
    .readdir = ram_readdir, .hold = ram_hold, .release = ram_release,
};

/* ---- life cycle ---- */

int ramfs_create(const struct ramfs_config *config, struct ramfs **out)
{
    struct ramfs *fs = vfs_calloc(1, sizeof(*fs));
    if (!fs)
        return -ENOMEM;
    fs->budget = config->budget_bytes;
    fs->clock = config->clock;
    fs->clock_arg = config->clock_arg;
    if (!fits_budget(fs, INODE_CHARGE)) {
        free(fs);
        return -ENOSPC;
    }
    struct ram_inode *root;
    int err = inode_new(fs, VFS_S_IFDIR | 0755, &root);
    if (err) {
        free(fs->table);
        free(fs);
        return err;
    }
    root->nlink = 2;
    root->parent = root->ino;
    fs->root = root->ino;
    *out = fs;
    return 0;
}

void ramfs_destroy(struct ramfs *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->table_cap; i++)
        if (fs->table[i])
            inode_free(fs, fs->table[i]);
    free(fs->table);
    free(fs);
}

uint64_t ramfs_bytes_used(const struct ramfs *fs)
{
    return fs->used;
}

size_t ramfs_inode_count(const struct ramfs *fs)
{
    return fs->live;
}
