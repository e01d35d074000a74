/*
 * RAM file system: regular files and directories held in malloc'd memory.
 *
 * File data lives in 4 KiB blocks allocated on first write; a block never
 * written is a hole and reads as zeros. Every byte the file system holds is
 * charged to a budget fixed at creation: an inode costs
 * sizeof(struct ram_inode), a directory entry its record plus its name, a
 * data block 4 KiB (the index arrays are not charged). An operation that
 * would exceed the budget fails with -ENOSPC and changes nothing; a write
 * is all or nothing. A failed malloc gives -ENOMEM, also without change.
 *
 * Timestamps come from the caller's clock callback. The operations are the
 * struct vfs_fs_ops of fs.h (ramfs_ops).
 */
#ifndef LAKE_VFS_RAMFS_H
#define LAKE_VFS_RAMFS_H

#include "fs.h"

#define RAMFS_BLOCK_SIZE     4096u
#define RAMFS_MAX_FILE_SIZE  (64ull << 20)   /* larger offsets give -EFBIG */

struct ramfs;

struct ramfs_config {
    uint64_t budget_bytes;
    vfs_clock_fn clock;       /* may be NULL: every time is 0 */
    void *clock_arg;
};

/* 0 and *out, or -ENOMEM / -ENOSPC (the budget cannot hold the root). */
int ramfs_create(const struct ramfs_config *config, struct ramfs **out);
/* Frees everything, held nodes included. */
void ramfs_destroy(struct ramfs *fs);
/* Bytes charged to the budget now. */
uint64_t ramfs_bytes_used(const struct ramfs *fs);
/* Number of live inodes (for leak checks). */
size_t ramfs_inode_count(const struct ramfs *fs);

extern const struct vfs_fs_ops ramfs_ops;

static inline struct vfs_fs ramfs_as_fs(struct ramfs *fs)
{
    return (struct vfs_fs){ .ops = &ramfs_ops, .ctx = fs };
}

#endif
