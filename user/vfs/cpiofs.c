/*
 * cpio "newc" file system (see cpiofs.h). Mounting parses the archive once
 * into a table of nodes; inode numbers are table indexes plus one and the
 * root is inode 1. Names and data point into the archive.
 */
#include "cpiofs.h"
#include "alloc.h"

#include <errno.h>
#include <string.h>

#define HEADER_SIZE  110
#define FIELD_COUNT  13
#define NO_NODE      SIZE_MAX

/* The hex fields of a newc header, in archive order. */
enum {
    F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
    F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
};

struct cpio_node {
    const char *name;         /* last component, in the archive */
    size_t len;
    uint32_t mode;
    uint32_t nlink;
    uint64_t size;
    const uint8_t *data;
    int64_t mtime;
    size_t parent, first_child, last_child, next_sibling;
    bool implied;             /* a directory seen only inside other paths */
};

struct cpiofs {
    struct cpio_node *nodes;
    size_t count, cap;
    size_t skipped;
};

/* One parsed record. */
struct cpio_record {
    uint32_t field[FIELD_COUNT];
    const char *name;         /* NUL-terminated, inside the archive */
    const uint8_t *data;
    size_t next;              /* offset of the following record */
};

static size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

static bool parse_hex8(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        uint32_t digit;
        if (c >= '0' && c <= '9')
            digit = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            digit = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            digit = (uint32_t)(c - 'A' + 10);
        else
            return false;
        v = v << 4 | digit;
    }
    *out = v;
    return true;
}

/* Validates the record at off and its extent; NULL or the reason it is bad. */
static const char *parse_record(const uint8_t *base, size_t size, size_t off,
                                struct cpio_record *rec)
{
    if (size - off < HEADER_SIZE)
        return "truncated header";
    const char *h = (const char *)base + off;
    bool with_check = memcmp(h, "070702", 6) == 0;
    if (!with_check && memcmp(h, "070701", 6) != 0)
        return "bad magic (not a newc archive)";
    for (int i = 0; i < FIELD_COUNT; i++)
        if (!parse_hex8(h + 6 + 8 * i, &rec->field[i]))
            return "bad hex digit in header";
    size_t namesize = rec->field[F_NAMESIZE];
    if (namesize < 2)
        return "empty name";
    if (namesize > VFS_PATH_MAX)
        return "name too long";
    if (namesize > size - off - HEADER_SIZE)
        return "name past the end of the archive";
    rec->name = h + HEADER_SIZE;
    if (rec->name[namesize - 1] != '\0' || memchr(rec->name, '\0', namesize - 1))
        return "name not terminated by its only NUL";
    size_t data_off = align4(off + HEADER_SIZE + namesize);
    if (data_off > size)
        return "name padding past the end of the archive";
    size_t filesize = rec->field[F_FILESIZE];
    if (filesize > size - data_off)
        return "file data past the end of the archive";
    rec->data = base + data_off;
    rec->next = align4(data_off + filesize);
    if (rec->next > size)
        return "data padding past the end of the archive";
    if (with_check) {
        uint32_t sum = 0;
        for (size_t i = 0; i < filesize; i++)
            sum += rec->data[i];
        if (sum != rec->field[F_CHECK])
            return "data checksum mismatch";
    }
    return NULL;
}

/* ---- the node tree ---- */

static int node_add(struct cpiofs *fs, size_t parent, const char *name, size_t len,
                    uint32_t mode, size_t *index)
{
    if (fs->count == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 32;
        struct cpio_node *nodes = vfs_realloc(fs->nodes, cap * sizeof(*nodes));
        if (!nodes)
            return -ENOMEM;
        fs->nodes = nodes;
        fs->cap = cap;
    }
    size_t i = fs->count++;
    fs->nodes[i] = (struct cpio_node){
        .name = name, .len = len, .mode = mode, .nlink = 1, .parent = parent,
        .first_child = NO_NODE, .last_child = NO_NODE, .next_sibling = NO_NODE,
    };
    if (parent != NO_NODE) {
        struct cpio_node *p = &fs->nodes[parent];
        if (p->last_child == NO_NODE)
            p->first_child = i;
        else
            fs->nodes[p->last_child].next_sibling = i;
        p->last_child = i;
    }
    *index = i;
    return 0;
}

static bool node_is_dir(const struct cpio_node *n)
{
    return (n->mode & VFS_S_IFMT) == VFS_S_IFDIR;
}

static size_t child_find(const struct cpiofs *fs, size_t dir, const char *name, size_t len)
{
    for (size_t c = fs->nodes[dir].first_child; c != NO_NODE; c = fs->nodes[c].next_sibling)
        if (fs->nodes[c].len == len && memcmp(fs->nodes[c].name, name, len) == 0)
            return c;
    return NO_NODE;
}

/* Next component of *p (slashes and "." skipped); false at the end. */
static bool next_component(const char **p, const char **name, size_t *len)
{
    for (;;) {
        while (**p == '/')
            (*p)++;
        if (**p == '\0')
            return false;
        *name = *p;
        while (**p && **p != '/')
            (*p)++;
        *len = (size_t)(*p - *name);
        if (!(*len == 1 && (*name)[0] == '.'))
            return true;
    }
}

static const char *set_attributes(struct cpio_node *n, const struct cpio_record *rec)
{
    n->mode = rec->field[F_MODE] & (VFS_S_IFMT | 07777);
    n->mtime = rec->field[F_MTIME];
    n->implied = false;
    if (!node_is_dir(n)) {
        n->size = rec->field[F_FILESIZE];
        n->data = rec->data;
    }
    return NULL;
}

/* Puts one record in the tree; NULL or the reason the name is bad. */
static const char *add_record(struct cpiofs *fs, const struct cpio_record *rec, int *err)
{
    uint32_t type = rec->field[F_MODE] & VFS_S_IFMT;
    if (type != VFS_S_IFREG && type != VFS_S_IFDIR) {
        fs->skipped++;
        return NULL;
    }
    const char *p = rec->name, *name, *next_name;
    size_t len, next_len;
    size_t dir = 0;
    if (!next_component(&p, &name, &len)) {
        if (type != VFS_S_IFDIR)
            return "the root is not a directory";
        return set_attributes(&fs->nodes[0], rec);
    }
    for (;;) {
        if (len == 2 && name[0] == '.' && name[1] == '.')
            return "\"..\" in a name";
        if (len > VFS_NAME_MAX)
            return "name component too long";
        bool last = !next_component(&p, &next_name, &next_len);
        size_t found = child_find(fs, dir, name, len);
        if (last) {
            if (found == NO_NODE) {
                if ((*err = node_add(fs, dir, name, len, 0, &found)))
                    return "out of memory";
                return set_attributes(&fs->nodes[found], rec);
            }
            if (fs->nodes[found].implied && type == VFS_S_IFDIR)
                return set_attributes(&fs->nodes[found], rec);
            return "a name appears twice";
        }
        if (found == NO_NODE) {
            if ((*err = node_add(fs, dir, name, len, VFS_S_IFDIR | 0755, &found)))
                return "out of memory";
            fs->nodes[found].implied = true;
        } else if (!node_is_dir(&fs->nodes[found])) {
            return "a file is used as a directory";
        }
        dir = found;
        name = next_name;
        len = next_len;
    }
}

static void count_links(struct cpiofs *fs)
{
    for (size_t i = 0; i < fs->count; i++)
        if (node_is_dir(&fs->nodes[i]))
            fs->nodes[i].nlink = 2;
    for (size_t i = 1; i < fs->count; i++)
        if (node_is_dir(&fs->nodes[i]))
            fs->nodes[fs->nodes[i].parent].nlink++;
}

static int fail(struct cpiofs_error *error, size_t offset, const char *reason, int err)
{
    if (error) {
        error->offset = offset;
        error->reason = reason;
    }
    return err;
}

static int parse_archive(struct cpiofs *fs, const uint8_t *base, size_t size,
                         struct cpiofs_error *error)
{
    size_t root;
    if (node_add(fs, NO_NODE, "", 0, VFS_S_IFDIR | 0755, &root))
        return fail(error, 0, "out of memory", -ENOMEM);
    fs->nodes[root].parent = root;
    for (size_t off = 0;;) {
        struct cpio_record rec;
        const char *reason = parse_record(base, size, off, &rec);
        if (reason)
            return fail(error, off, reason, -EINVAL);
        if (strcmp(rec.name, "TRAILER!!!") == 0)
            break;
        int err = 0;
        reason = add_record(fs, &rec, &err);
        if (reason)
            return fail(error, off, reason, err ? err : -EINVAL);
        off = rec.next;
    }
    count_links(fs);
    return 0;
}

int cpiofs_mount(const void *archive, size_t size, struct cpiofs **out,
                 struct cpiofs_error *error)
{
    struct cpiofs *fs = vfs_calloc(1, sizeof(*fs));
    if (!fs)
        return fail(error, 0, "out of memory", -ENOMEM);
    int err = parse_archive(fs, archive, size, error);
    if (err) {
        cpiofs_destroy(fs);
        return err;
    }
    *out = fs;
    return 0;
}

void cpiofs_destroy(struct cpiofs *fs)
{
    if (fs) {
        free(fs->nodes);
        free(fs);
    }
}

size_t cpiofs_node_count(const struct cpiofs *fs)
{
    return fs->count;
}

size_t cpiofs_skipped_count(const struct cpiofs *fs)
{
    return fs->skipped;
}

/* ---- operations ---- */

static struct cpio_node *node_get(struct cpiofs *fs, uint64_t ino)
{
    return ino == 0 || ino > fs->count ? NULL : &fs->nodes[ino - 1];
}

static int dir_get(struct cpiofs *fs, uint64_t ino, struct cpio_node **out)
{
    struct cpio_node *n = node_get(fs, ino);
    if (!n)
        return -ENOENT;
    if (!node_is_dir(n))
        return -ENOTDIR;
    *out = n;
    return 0;
}

static uint64_t cpio_root(void *ctx)
{
    (void)ctx;
    return 1;
}

static int cpio_lookup(void *ctx, uint64_t dir, const char *name, size_t len, uint64_t *ino)
{
    struct cpiofs *fs = ctx;
    struct cpio_node *d;
    int err = dir_get(fs, dir, &d);
    if (err)
        return err;
    size_t found = child_find(fs, (size_t)(dir - 1), name, len);
    if (found == NO_NODE)
        return -ENOENT;
    *ino = found + 1;
    return 0;
}

static int cpio_parent(void *ctx, uint64_t dir, uint64_t *ino)
{
    struct cpio_node *d;
    int err = dir_get(ctx, dir, &d);
    if (err)
        return err;
    *ino = d->parent + 1;
    return 0;
}

static int cpio_stat(void *ctx, uint64_t ino, struct vfs_stat *st)
{
    struct cpio_node *n = node_get(ctx, ino);
    if (!n)
        return -ENOENT;
    struct vfs_time t = { n->mtime, 0 };
    *st = (struct vfs_stat){
        .st_ino = ino, .st_mode = n->mode, .st_nlink = n->nlink, .st_size = n->size,
        .st_blocks = (n->size + 511) / 512, .st_atim = t, .st_mtim = t, .st_ctim = t,
    };
    return 0;
}

static ssize_t cpio_read(void *ctx, uint64_t ino, void *buf, size_t n, uint64_t off)
{
    struct cpio_node *f = node_get(ctx, ino);
    if (!f)
        return -ENOENT;
    if (node_is_dir(f))
        return -EISDIR;
    if (off >= f->size)
        return 0;
    if (n > f->size - off)
        n = f->size - off;
    memcpy(buf, f->data + off, n);
    return (ssize_t)n;
}

static ssize_t cpio_write(void *ctx, uint64_t ino, const void *buf, size_t n, uint64_t off)
{
    (void)ctx, (void)ino, (void)buf, (void)n, (void)off;
    return -EROFS;
}

static int cpio_truncate(void *ctx, uint64_t ino, uint64_t size)
{
    (void)ctx, (void)ino, (void)size;
    return -EROFS;
}

static int cpio_create(void *ctx, uint64_t dir, const char *name, size_t len,
                       uint32_t mode, uint64_t *ino)
{
    (void)mode;
    int err = cpio_lookup(ctx, dir, name, len, ino);
    return err == -ENOENT ? -EROFS : err ? err : -EEXIST;
}

/* A missing name is reported before the file system's read-only state. */
static int cpio_remove(void *ctx, uint64_t dir, const char *name, size_t len, bool want_dir)
{
    (void)want_dir;
    uint64_t ino;
    int err = cpio_lookup(ctx, dir, name, len, &ino);
    return err ? err : -EROFS;
}

static int cpio_rename(void *ctx, uint64_t old_dir, const char *old_name, size_t old_len,
                       uint64_t new_dir, const char *new_name, size_t new_len)
{
    (void)new_dir, (void)new_name, (void)new_len;
    return cpio_remove(ctx, old_dir, old_name, old_len, false);
}

static int cpio_readdir(void *ctx, uint64_t dir, uint64_t index, struct vfs_dirent *out)
{
    struct cpiofs *fs = ctx;
    struct cpio_node *d;
    int err = dir_get(fs, dir, &d);
    if (err)
        return err;
    size_t c = d->first_child;
    for (uint64_t i = 0; i < index && c != NO_NODE; i++)
        c = fs->nodes[c].next_sibling;
    if (c == NO_NODE)
        return 0;
    const struct cpio_node *n = &fs->nodes[c];
    out->d_ino = c + 1;
    out->d_type = vfs_mode_to_dtype(n->mode);
    memcpy(out->d_name, n->name, n->len);
    out->d_name[n->len] = '\0';
    return 1;
}

static void cpio_hold(void *ctx, uint64_t ino)
{
    (void)ctx, (void)ino;     /* nodes live as long as the file system */
}

const struct vfs_fs_ops cpiofs_ops = {
    .root = cpio_root, .lookup = cpio_lookup, .parent = cpio_parent, .stat = cpio_stat,
    .read = cpio_read, .write = cpio_write, .truncate = cpio_truncate,
    .create = cpio_create, .remove = cpio_remove, .rename = cpio_rename,
    .readdir = cpio_readdir, .hold = cpio_hold, .release = cpio_hold,
};
