/*
 * Read-only file system over a GNU cpio "newc" archive in memory (the
 * format of `cpio -o -H newc`: magic 070701, or 070702 with a checksum).
 *
 * cpiofs_mount validates the whole archive before anything is served:
 * every header's magic and hex fields, each name's size, terminator and
 * 4-byte padding, each file's data within the archive, the data checksum
 * of 070702 records, the closing TRAILER!!! record, and the names
 * themselves (no "..", components of at most VFS_NAME_MAX bytes, no name
 * twice, no file used as a directory). A malformed archive is rejected
 * with -EINVAL and a reason and offset in *error.
 *
 * Directories that are only implied by paths ("bin/ls" without a "bin"
 * record) exist with mode 0755. Only regular files and directories are
 * served; other record types (symbolic links, devices) are skipped, and
 * hard links are not shared (each record stands alone). The archive is not
 * copied: it must outlive the file system. Every change gives -EROFS.
 */
#ifndef LAKE_VFS_CPIOFS_H
#define LAKE_VFS_CPIOFS_H

#include "fs.h"

struct cpiofs;

struct cpiofs_error {
    size_t offset;            /* of the record at fault */
    const char *reason;       /* a static string */
};

/* 0 and *out; -EINVAL (malformed, *error says why) or -ENOMEM. */
int cpiofs_mount(const void *archive, size_t size, struct cpiofs **out,
                 struct cpiofs_error *error);
void cpiofs_destroy(struct cpiofs *fs);
/* Nodes served, the root and implied directories included. */
size_t cpiofs_node_count(const struct cpiofs *fs);
/* Records skipped because of their type. */
size_t cpiofs_skipped_count(const struct cpiofs *fs);

extern const struct vfs_fs_ops cpiofs_ops;

static inline struct vfs_fs cpiofs_as_fs(struct cpiofs *fs)
{
    return (struct vfs_fs){ .ops = &cpiofs_ops, .ctx = fs, .flags = VFS_FS_READ_ONLY };
}

#endif
