/*
 * Path resolution over the mount table (path.c), for vfs.c and the tests.
 *
 * A path is absolute (from the root of the root file system) or relative
 * to a working directory. Repeated slashes count as one; "." stays, ".."
 * goes to the parent, and at "/" stays at "/". Walking onto a mount point
 * enters the mounted file system's root; ".." from a mount's root leaves it
 * through the mount point. Errors: -ENOENT (empty path, missing name),
 * -ENAMETOOLONG (path of VFS_PATH_MAX bytes or more, or a component over
 * VFS_NAME_MAX), -ENOTDIR (a component other than the last is not a
 * directory, or a trailing slash follows a non-directory).
 */
#ifndef LAKE_VFS_PATH_H
#define LAKE_VFS_PATH_H

#include "vfs.h"

/* Length checks and the empty path, before anything is looked up. */
int path_check(const char *path);
/* The next component of *p, slashes skipped; false at the end. */
bool path_next(const char **p, const char **name, size_t *len);
/* Whether a path with at least one component ends with a slash. */
bool path_trailing_slash(const char *path);

enum path_last_kind {
    PATH_LAST_NONE,           /* the path is "/" (or only slashes) */
    PATH_LAST_DOT,
    PATH_LAST_DOTDOT,
    PATH_LAST_NAME,
};

struct path_last {
    enum path_last_kind kind;
    const char *name;         /* inside the path, not NUL-terminated */
    size_t len;
    bool trailing_slash;
};

/* The directory holding the last component, and that component. dir is
 * not checked to be a directory: the file system's lookup does that. */
int vfs_resolve_parent(struct vfs *v, const struct vfs_node *cwd, const char *path,
                       struct vfs_node *dir, struct path_last *last);
/* Moves *at by one component ("." and ".." included), crossing mounts. */
int vfs_step(struct vfs *v, struct vfs_node *at, const char *name, size_t len);

/* Node helpers shared by path.c and vfs.c. */
void vfs_root_node(struct vfs *v, struct vfs_node *out);
bool vfs_is_mount_root(const struct vfs_node *n);
int vfs_node_stat(const struct vfs_node *n, struct vfs_stat *st);
bool vfs_node_is_dir(const struct vfs_node *n);

#endif
