/*
 * The VFS layer: a mount table over file systems (fs.h), path resolution,
 * open-file descriptions and the POSIX file operations, for the file
 * system server. Transport-free: the server decodes a request, calls one
 * of these functions and encodes the result.
 *
 * Results: every function returns a negative errno value (<errno.h>, use
 * the names: picolibc's numbers differ from glibc's for some) on failure;
 * on success 0, a byte count (read, write), an offset (lseek), or 1/0
 * (readdir: an entry / the end). Nothing changes when a call fails.
 *
 * A NULL working directory means the root.
 *
 * Per process the server keeps a working directory (a struct vfs_node
 * with a hold on it: vfs_cwd_root, vfs_cwd_copy, vfs_cwd_release) and a
 * table of struct vfs_file pointers. An open-file description is shared
 * by dup and fork (vfs_file_ref) and freed by the last vfs_close.
 *
 * Flags are those of picolibc's <fcntl.h>: O_RDONLY/O_WRONLY/O_RDWR,
 * O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY; others are ignored.
 */
#ifndef LAKE_VFS_VFS_H
#define LAKE_VFS_VFS_H

#include <fcntl.h>

#include "fs.h"
#include "pipe.h"

#define VFS_MAX_MOUNTS 8

struct vfs_mount {
    struct vfs_fs fs;
    struct vfs_mount *parent;   /* NULL for the root file system */
    uint64_t mountpoint;        /* the directory of parent this covers */
    uint64_t root;              /* fs's root inode */
    unsigned index;             /* st_dev */
};

/* A node of the whole tree: an inode of one mounted file system. */
struct vfs_node {
    struct vfs_mount *mnt;
    uint64_t ino;
};

struct vfs {
    struct vfs_mount mounts[VFS_MAX_MOUNTS];
    unsigned nmounts;
};

struct vfs_file;

/* Mount table. vfs_mount covers an existing directory: -ENOTDIR, -EBUSY
 * if it is already a mount point or the root, -ENOMEM if the table is full. */
void vfs_init(struct vfs *v, struct vfs_fs root_fs);
int vfs_mount(struct vfs *v, const char *path, struct vfs_fs fs);

/* Working directories. */
void vfs_cwd_root(struct vfs *v, struct vfs_node *cwd);
void vfs_cwd_copy(struct vfs_node *to, const struct vfs_node *from);
void vfs_cwd_release(struct vfs_node *cwd);
int vfs_chdir(struct vfs *v, struct vfs_node *cwd, const char *path);
/* The length of the absolute path written to buf (NUL-terminated), -ERANGE
 * if size is too small, -ENOENT if the directory has been removed. */
int vfs_getcwd(struct vfs *v, const struct vfs_node *cwd, char *buf, size_t size);

/* Resolves a whole path (path.c). */
int vfs_resolve(struct vfs *v, const struct vfs_node *cwd, const char *path,
                struct vfs_node *out);

/* Open-file descriptions. */
int vfs_open(struct vfs *v, const struct vfs_node *cwd, const char *path, int flags,
             uint32_t mode, struct vfs_file **out);
/* Two descriptions, read end and write end; -ENOMEM. */
int vfs_pipe(pipe_wake_fn wake, void *wake_arg, struct vfs_file **read_end,
             struct vfs_file **write_end);
struct vfs_file *vfs_file_ref(struct vfs_file *f);
void vfs_close(struct vfs_file *f);
ssize_t vfs_read(struct vfs_file *f, void *buf, size_t n);
ssize_t vfs_write(struct vfs_file *f, const void *buf, size_t n);
int64_t vfs_lseek(struct vfs_file *f, int64_t offset, int whence);
/* -EINVAL unless a regular file open for writing; the offset stays. */
int vfs_ftruncate(struct vfs_file *f, uint64_t size);
int vfs_fstat(struct vfs_file *f, struct vfs_stat *st);
int vfs_readdir(struct vfs_file *f, struct vfs_dirent *out);
int vfs_file_flags(const struct vfs_file *f);
/* The pipe behind a pipe end, NULL otherwise (to match wake-ups). */
struct pipe *vfs_file_pipe(const struct vfs_file *f);

/* Operations on names. */
int vfs_stat(struct vfs *v, const struct vfs_node *cwd, const char *path, struct vfs_stat *st);
int vfs_mkdir(struct vfs *v, const struct vfs_node *cwd, const char *path, uint32_t mode);
int vfs_rmdir(struct vfs *v, const struct vfs_node *cwd, const char *path);
int vfs_unlink(struct vfs *v, const struct vfs_node *cwd, const char *path);
int vfs_rename(struct vfs *v, const struct vfs_node *cwd, const char *old_path,
               const char *new_path);

#endif
