/* Device file system (see devfs.h): four fixed nodes, no state but the
 * console callbacks. */
#include "devfs.h"

#include <errno.h>
#include <string.h>

static const char *const device_names[DEVFS_END] = {
    [DEVFS_NULL] = "null", [DEVFS_ZERO] = "zero", [DEVFS_CONSOLE] = "console",
};

void devfs_init(struct devfs *fs, const struct devfs_console *console, struct vfs_time now)
{
    memset(fs, 0, sizeof(*fs));
    if (console)
        fs->console = *console;
    fs->created = now;
}

static bool valid(uint64_t ino)
{
    return ino >= DEVFS_ROOT && ino < DEVFS_END;
}

static uint64_t dev_root(void *ctx)
{
    (void)ctx;
    return DEVFS_ROOT;
}

static int dev_lookup(void *ctx, uint64_t dir, const char *name, size_t len, uint64_t *ino)
{
    (void)ctx;
    if (!valid(dir))
        return -ENOENT;
    if (dir != DEVFS_ROOT)
        return -ENOTDIR;
    for (uint64_t i = DEVFS_NULL; i < DEVFS_END; i++) {
        if (strlen(device_names[i]) == len && memcmp(device_names[i], name, len) == 0) {
            *ino = i;
            return 0;
        }
    }
    return -ENOENT;
}

static int dev_parent(void *ctx, uint64_t dir, uint64_t *ino)
{
    (void)ctx;
    if (!valid(dir))
        return -ENOENT;
    if (dir != DEVFS_ROOT)
        return -ENOTDIR;
    *ino = DEVFS_ROOT;
    return 0;
}

static int dev_stat(void *ctx, uint64_t ino, struct vfs_stat *st)
{
    struct devfs *fs = ctx;
    if (!valid(ino))
        return -ENOENT;
    bool root = ino == DEVFS_ROOT;
    *st = (struct vfs_stat){
        .st_ino = ino,
        .st_mode = root ? VFS_S_IFDIR | 0755 : VFS_S_IFCHR | 0666,
        .st_nlink = root ? 2 : 1,
        .st_atim = fs->created, .st_mtim = fs->created, .st_ctim = fs->created,
    };
    return 0;
}

static ssize_t dev_read(void *ctx, uint64_t ino, void *buf, size_t n, uint64_t off)
{
    struct devfs *fs = ctx;
    (void)off;
    switch (ino) {
    case DEVFS_ROOT:
        return -EISDIR;
    case DEVFS_NULL:
        return 0;
    case DEVFS_ZERO:
        memset(buf, 0, n);
        return (ssize_t)n;
    case DEVFS_CONSOLE:
        return fs->console.read ? fs->console.read(fs->console.arg, buf, n) : -EIO;
    default:
        return -ENOENT;
    }
}

static ssize_t dev_write(void *ctx, uint64_t ino, const void *buf, size_t n, uint64_t off)
{
    struct devfs *fs = ctx;
    (void)off;
    switch (ino) {
    case DEVFS_ROOT:
        return -EISDIR;
    case DEVFS_NULL:
    case DEVFS_ZERO:
        return (ssize_t)n;
    case DEVFS_CONSOLE:
        return fs->console.write ? fs->console.write(fs->console.arg, buf, n) : -EIO;
    default:
        return -ENOENT;
    }
}

/* Truncating a device (O_TRUNC on /dev/null) is accepted and does nothing. */
static int dev_truncate(void *ctx, uint64_t ino, uint64_t size)
{
    (void)ctx, (void)size;
    if (!valid(ino))
        return -ENOENT;
    return ino == DEVFS_ROOT ? -EISDIR : 0;
}

static int dev_create(void *ctx, uint64_t dir, const char *name, size_t len,
                      uint32_t mode, uint64_t *ino)
{
    (void)mode;
    int err = dev_lookup(ctx, dir, name, len, ino);
    return err == -ENOENT ? -EROFS : err ? err : -EEXIST;
}

static int dev_remove(void *ctx, uint64_t dir, const char *name, size_t len, bool want_dir)
{
    (void)want_dir;
    uint64_t ino;
    int err = dev_lookup(ctx, dir, name, len, &ino);
    return err ? err : -EROFS;
}

static int dev_rename(void *ctx, uint64_t old_dir, const char *old_name, size_t old_len,
                      uint64_t new_dir, const char *new_name, size_t new_len)
{
    (void)new_dir, (void)new_name, (void)new_len;
    return dev_remove(ctx, old_dir, old_name, old_len, false);
}

static int dev_readdir(void *ctx, uint64_t dir, uint64_t index, struct vfs_dirent *out)
{
    (void)ctx;
    if (!valid(dir))
        return -ENOENT;
    if (dir != DEVFS_ROOT)
        return -ENOTDIR;
    uint64_t ino = DEVFS_NULL + index;
    if (index >= DEVFS_END - DEVFS_NULL)
        return 0;
    out->d_ino = ino;
    out->d_type = VFS_DT_CHR;
    strcpy(out->d_name, device_names[ino]);
    return 1;
}

static void dev_hold(void *ctx, uint64_t ino)
{
    (void)ctx, (void)ino;
}

const struct vfs_fs_ops devfs_ops = {
    .root = dev_root, .lookup = dev_lookup, .parent = dev_parent, .stat = dev_stat,
    .read = dev_read, .write = dev_write, .truncate = dev_truncate,
    .create = dev_create, .remove = dev_remove, .rename = dev_rename,
    .readdir = dev_readdir, .hold = dev_hold, .release = dev_hold,
};
