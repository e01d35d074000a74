/*
 * Device file system for /dev: a fixed directory of character devices.
 *   null     reads give end of file, writes swallow everything
 *   zero     reads give zeros, writes swallow everything
 *   console  reads and writes go to callbacks the server provides (the
 *            console driver's client); a callback may return -EAGAIN so
 *            the server can park the request
 * Creating, removing or renaming anything here gives -EROFS.
 */
#ifndef LAKE_VFS_DEVFS_H
#define LAKE_VFS_DEVFS_H

#include "fs.h"

enum devfs_ino {
    DEVFS_ROOT = 1,
    DEVFS_NULL,
    DEVFS_ZERO,
    DEVFS_CONSOLE,
    DEVFS_END,
};

struct devfs_console {
    ssize_t (*read)(void *arg, void *buf, size_t n);
    ssize_t (*write)(void *arg, const void *buf, size_t n);
    void *arg;
};

struct devfs {
    struct devfs_console console;
    struct vfs_time created;
};

/* No allocation: the server keeps the struct devfs. */
void devfs_init(struct devfs *fs, const struct devfs_console *console, struct vfs_time now);

extern const struct vfs_fs_ops devfs_ops;

static inline struct vfs_fs devfs_as_fs(struct devfs *fs)
{
    return (struct vfs_fs){ .ops = &devfs_ops, .ctx = fs };
}

#endif
