/* Path resolution (see path.h). */
#include "path.h"

#include <errno.h>
#include <string.h>

int path_check(const char *path)
{
    size_t total = strnlen(path, VFS_PATH_MAX);
    if (total == 0)
        return -ENOENT;
    if (total == VFS_PATH_MAX)
        return -ENAMETOOLONG;
    const char *p = path, *name;
    size_t len;
    while (path_next(&p, &name, &len))
        if (len > VFS_NAME_MAX)
            return -ENAMETOOLONG;
    return 0;
}

bool path_next(const char **p, const char **name, size_t *len)
{
    while (**p == '/')
        (*p)++;
    if (**p == '\0')
        return false;
    *name = *p;
    while (**p != '\0' && **p != '/')
        (*p)++;
    *len = (size_t)(*p - *name);
    return true;
}

bool path_trailing_slash(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || path[len - 1] != '/')
        return false;
    const char *p = path, *name;
    size_t n;
    return path_next(&p, &name, &n);
}

static bool is_dot(const char *name, size_t len)
{
    return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
    return len == 2 && name[0] == '.' && name[1] == '.';
}

void vfs_root_node(struct vfs *v, struct vfs_node *out)
{
    out->mnt = &v->mounts[0];
    out->ino = v->mounts[0].root;
}

bool vfs_is_mount_root(const struct vfs_node *n)
{
    return n->ino == n->mnt->root;
}

int vfs_node_stat(const struct vfs_node *n, struct vfs_stat *st)
{
    int err = n->mnt->fs.ops->stat(n->mnt->fs.ctx, n->ino, st);
    if (!err)
        st->st_dev = n->mnt->index;
    return err;
}

bool vfs_node_is_dir(const struct vfs_node *n)
{
    struct vfs_stat st;
    return vfs_node_stat(n, &st) == 0 && (st.st_mode & VFS_S_IFMT) == VFS_S_IFDIR;
}

/* If a file system is mounted on *n, moves to its root. */
static void enter_mounts(struct vfs *v, struct vfs_node *n)
{
    for (unsigned i = 1; i < v->nmounts; i++) {
        struct vfs_mount *m = &v->mounts[i];
        if (m->parent == n->mnt && m->mountpoint == n->ino) {
            n->mnt = m;
            n->ino = m->root;
            i = 0;      /* a mount on a mount's root: look again */
        }
    }
}

static int step_up(struct vfs_node *at)
{
    while (vfs_is_mount_root(at) && at->mnt->parent) {
        at->ino = at->mnt->mountpoint;
        at->mnt = at->mnt->parent;
    }
    const struct vfs_fs *fs = &at->mnt->fs;
    return fs->ops->parent(fs->ctx, at->ino, &at->ino);
}

int vfs_step(struct vfs *v, struct vfs_node *at, const char *name, size_t len)
{
    if (is_dot(name, len))
        return vfs_node_is_dir(at) ? 0 : -ENOTDIR;
    struct vfs_node next = *at;
    int err;
    if (is_dotdot(name, len)) {
        err = step_up(&next);
    } else {
        const struct vfs_fs *fs = &next.mnt->fs;
        err = fs->ops->lookup(fs->ctx, next.ino, name, len, &next.ino);
    }
    if (err)
        return err;
    enter_mounts(v, &next);
    *at = next;
    return 0;
}

static void start_node(struct vfs *v, const struct vfs_node *cwd, const char *path,
                       struct vfs_node *out)
{
    if (path[0] == '/' || !cwd)
        vfs_root_node(v, out);
    else
        *out = *cwd;
}

int vfs_resolve(struct vfs *v, const struct vfs_node *cwd, const char *path,
                struct vfs_node *out)
{
    int err = path_check(path);
    if (err)
        return err;
    struct vfs_node at;
    start_node(v, cwd, path, &at);
    const char *p = path, *name;
    size_t len;
    while (path_next(&p, &name, &len))
        if ((err = vfs_step(v, &at, name, len)))
            return err;
    if (path_trailing_slash(path) && !vfs_node_is_dir(&at))
        return -ENOTDIR;
    *out = at;
    return 0;
}

static void classify_last(const char *name, size_t len, struct path_last *last)
{
    last->name = name;
    last->len = len;
    if (is_dot(name, len))
        last->kind = PATH_LAST_DOT;
    else if (is_dotdot(name, len))
        last->kind = PATH_LAST_DOTDOT;
    else
        last->kind = PATH_LAST_NAME;
}

int vfs_resolve_parent(struct vfs *v, const struct vfs_node *cwd, const char *path,
                       struct vfs_node *dir, struct path_last *last)
{
    int err = path_check(path);
    if (err)
        return err;
    struct vfs_node at;
    start_node(v, cwd, path, &at);
    *last = (struct path_last){ .kind = PATH_LAST_NONE, .trailing_slash = path_trailing_slash(path) };
    const char *p = path, *name, *next_name;
    size_t len, next_len;
    if (path_next(&p, &name, &len)) {
        while (path_next(&p, &next_name, &next_len)) {
            if ((err = vfs_step(v, &at, name, len)))
                return err;
            name = next_name;
            len = next_len;
        }
        classify_last(name, len, last);
    }
    *dir = at;
    return 0;
}
