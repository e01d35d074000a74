/*
 * The interface between the VFS layer (vfs.c, path.c) and a file system
 * (ramfs, cpiofs, devfs). Transport-free: no system calls, so the same code
 * runs in init and in the host unit tests.
 *
 * A file system names its nodes by 64-bit inode numbers; the VFS pairs an
 * inode number with the mount it belongs to (struct vfs_node in vfs.h).
 * Every operation returns a negative errno value (<errno.h>) on failure and
 * 0 or a byte count on success. Names passed in are (pointer, length)
 * pairs, not NUL-terminated, with 1 <= length <= VFS_NAME_MAX, never "." or
 * ".." (path.c deals with those).
 */
#ifndef LAKE_VFS_FS_H
#define LAKE_VFS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VFS_NAME_MAX  255     /* bytes in one path component */
#define VFS_PATH_MAX  1024    /* bytes in a path, the terminating NUL included */

/* Node types as in st_mode (the values of S_IFREG etc. on every Unix). */
#define VFS_S_IFMT   0170000u
#define VFS_S_IFIFO  0010000u
#define VFS_S_IFCHR  0020000u
#define VFS_S_IFDIR  0040000u
#define VFS_S_IFREG  0100000u

/* Directory entry types, as the BSD/Linux d_type values. */
#define VFS_DT_UNKNOWN 0
#define VFS_DT_FIFO    1
#define VFS_DT_CHR     2
#define VFS_DT_DIR     4
#define VFS_DT_REG     8

struct vfs_time {
    int64_t sec;
    uint32_t nsec;
};

/* Supplies the current time; the server passes its timer client. */
typedef struct vfs_time (*vfs_clock_fn)(void *arg);

struct vfs_stat {
    uint64_t st_dev;          /* mount index */
    uint64_t st_ino;
    uint32_t st_mode;         /* type bits | permission bits */
    uint32_t st_nlink;
    uint64_t st_size;
    uint64_t st_blocks;       /* 512-byte units actually allocated */
    struct vfs_time st_atim, st_mtim, st_ctim;
};

struct vfs_dirent {
    uint64_t d_ino;
    uint8_t d_type;           /* VFS_DT_* */
    char d_name[VFS_NAME_MAX + 1];
};

struct vfs_fs_ops {
    uint64_t (*root)(void *fs);
    int (*lookup)(void *fs, uint64_t dir, const char *name, size_t len, uint64_t *ino);
    /* The directory holding dir; the root's parent is the root. */
    int (*parent)(void *fs, uint64_t dir, uint64_t *ino);
    int (*stat)(void *fs, uint64_t ino, struct vfs_stat *st);
    ssize_t (*read)(void *fs, uint64_t ino, void *buf, size_t n, uint64_t off);
    ssize_t (*write)(void *fs, uint64_t ino, const void *buf, size_t n, uint64_t off);
    int (*truncate)(void *fs, uint64_t ino, uint64_t size);
    /* type is VFS_S_IFREG or VFS_S_IFDIR; EEXIST if the name is taken. */
    int (*create)(void *fs, uint64_t dir, const char *name, size_t len,
                  uint32_t mode, uint64_t *ino);
    /* Removes a non-directory (want_dir false) or an empty directory. */
    int (*remove)(void *fs, uint64_t dir, const char *name, size_t len, bool want_dir);
    int (*rename)(void *fs, uint64_t old_dir, const char *old_name, size_t old_len,
                  uint64_t new_dir, const char *new_name, size_t new_len);
    /* Entry number index of dir, "." and ".." excluded: 1 if *out is
     * filled, 0 past the end. */
    int (*readdir)(void *fs, uint64_t dir, uint64_t index, struct vfs_dirent *out);
    /* Open files and working directories keep a node alive after it is
     * unlinked; the last release frees it. */
    void (*hold)(void *fs, uint64_t ino);
    void (*release)(void *fs, uint64_t ino);
};

#define VFS_FS_READ_ONLY 1u    /* opening a regular file for writing gives -EROFS */

struct vfs_fs {
    const struct vfs_fs_ops *ops;
    void *ctx;
    unsigned flags;           /* VFS_FS_* */
};

static inline uint8_t vfs_mode_to_dtype(uint32_t mode)
{
    switch (mode & VFS_S_IFMT) {
    case VFS_S_IFREG: return VFS_DT_REG;
    case VFS_S_IFDIR: return VFS_DT_DIR;
    case VFS_S_IFCHR: return VFS_DT_CHR;
    case VFS_S_IFIFO: return VFS_DT_FIFO;
    default:          return VFS_DT_UNKNOWN;
    }
}

#endif
