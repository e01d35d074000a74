/*
 * The VFS layer (see vfs.h): mount table, working directories,
 * open-file descriptions and the operations on names.
 */
#include "vfs.h"
#include "alloc.h"

#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

enum vfs_file_kind { FILE_NODE, FILE_PIPE_READ, FILE_PIPE_WRITE };

struct vfs_file {
    unsigned refs;
    int flags;
    struct vfs *v;
    enum vfs_file_kind kind;
    struct vfs_node node;
    uint32_t type;              /* VFS_S_IFMT bits of the node */
    uint64_t offset;            /* directories: the next entry's number */
    struct pipe *pipe;
};

static const struct vfs_fs_ops *ops_of(const struct vfs_node *n)
{
    return n->mnt->fs.ops;
}

static void *ctx_of(const struct vfs_node *n)
{
    return n->mnt->fs.ctx;
}

static void node_hold(const struct vfs_node *n)
{
    ops_of(n)->hold(ctx_of(n), n->ino);
}

static void node_release(const struct vfs_node *n)
{
    ops_of(n)->release(ctx_of(n), n->ino);
}

/* ---- mount table ---- */

void vfs_init(struct vfs *v, struct vfs_fs root_fs)
{
    memset(v, 0, sizeof(*v));
    v->mounts[0] = (struct vfs_mount){ .fs = root_fs, .root = root_fs.ops->root(root_fs.ctx) };
    v->nmounts = 1;
}

int vfs_mount(struct vfs *v, const char *path, struct vfs_fs fs)
{
    struct vfs_node at;
    int err = vfs_resolve(v, NULL, path, &at);
    if (err)
        return err;
    if (!vfs_node_is_dir(&at))
        return -ENOTDIR;
    if (vfs_is_mount_root(&at))
        return -EBUSY;
    if (v->nmounts == VFS_MAX_MOUNTS)
        return -ENOMEM;
    unsigned index = v->nmounts++;
    v->mounts[index] = (struct vfs_mount){
        .fs = fs, .parent = at.mnt, .mountpoint = at.ino,
        .root = fs.ops->root(fs.ctx), .index = index,
    };
    node_hold(&at);     /* the mount point outlives any unlink attempt */
    return 0;
}

/* ---- working directories ---- */

void vfs_cwd_root(struct vfs *v, struct vfs_node *cwd)
{
    vfs_root_node(v, cwd);
    node_hold(cwd);
}

void vfs_cwd_copy(struct vfs_node *to, const struct vfs_node *from)
{
    *to = *from;
    node_hold(to);
}

void vfs_cwd_release(struct vfs_node *cwd)
{
    node_release(cwd);
}

int vfs_chdir(struct vfs *v, struct vfs_node *cwd, const char *path)
{
    struct vfs_node at;
    int err = vfs_resolve(v, cwd, path, &at);
    if (err)
        return err;
    if (!vfs_node_is_dir(&at))
        return -ENOTDIR;
    node_hold(&at);
    node_release(cwd);
    *cwd = at;
    return 0;
}

/* The name under which dir's parent lists child. */
static int name_in_parent(const struct vfs_node *parent, uint64_t child, struct vfs_dirent *out)
{
    for (uint64_t i = 0;; i++) {
        int r = ops_of(parent)->readdir(ctx_of(parent), parent->ino, i, out);
        if (r < 0)
            return r;
        if (r == 0)
            return -ENOENT;
        if (out->d_ino == child)
            return 0;
    }
}

/* Prepends "/name" to the path being built backwards from buf[*start]. */
static int prepend(char *buf, size_t *start, const char *name)
{
    size_t len = strlen(name);
    if (len + 1 > *start)
        return -ENAMETOOLONG;
    *start -= len + 1;
    buf[*start] = '/';
    memcpy(buf + *start + 1, name, len);
    return 0;
}

int vfs_getcwd(struct vfs *v, const struct vfs_node *cwd, char *buf, size_t size)
{
    (void)v;
    char path[VFS_PATH_MAX];
    size_t start = sizeof(path) - 1;
    path[start] = '\0';
    struct vfs_node at = *cwd;
    struct vfs_stat st;
    int err = vfs_node_stat(&at, &st);
    if (err)
        return err;
    if (st.st_nlink == 0)
        return -ENOENT;
    for (;;) {
        while (vfs_is_mount_root(&at) && at.mnt->parent)
            at = (struct vfs_node){ .mnt = at.mnt->parent, .ino = at.mnt->mountpoint };
        if (vfs_is_mount_root(&at))
            break;
        struct vfs_node parent = at;
        struct vfs_dirent entry;
        err = ops_of(&at)->parent(ctx_of(&at), at.ino, &parent.ino);
        if (!err)
            err = name_in_parent(&parent, at.ino, &entry);
        if (!err)
            err = prepend(path, &start, entry.d_name);
        if (err)
            return err;
        at = parent;
    }
    if (path[start] == '\0')
        path[--start] = '/';
    size_t len = sizeof(path) - 1 - start;
    if (len + 1 > size)
        return -ERANGE;
    memcpy(buf, path + start, len + 1);
    return (int)len;
}

/* ---- opening ---- */

static int access_mode(int flags)
{
    return flags & O_ACCMODE;
}

static bool writable(int flags)
{
    return access_mode(flags) == O_WRONLY || access_mode(flags) == O_RDWR;
}

static struct vfs_file *file_new(enum vfs_file_kind kind, int flags)
{
    struct vfs_file *f = vfs_calloc(1, sizeof(*f));
    if (f) {
        f->refs = 1;
        f->kind = kind;
        f->flags = flags;
    }
    return f;
}

/* The parent of path's last component, checked to be a directory. */
static int resolve_parent_dir(struct vfs *v, const struct vfs_node *cwd, const char *path,
                              struct vfs_node *dir, struct path_last *last)
{
    int err = vfs_resolve_parent(v, cwd, path, dir, last);
    if (err)
        return err;
    return vfs_node_is_dir(dir) ? 0 : -ENOTDIR;
}

/* open with O_CREAT: the existing node, or a new regular file. */
static int open_or_create(struct vfs *v, const struct vfs_node *cwd, const char *path,
                          int flags, uint32_t mode, struct vfs_node *out)
{
    struct vfs_node dir;
    struct path_last last;
    int err = resolve_parent_dir(v, cwd, path, &dir, &last);
    if (err)
        return err;
    if (last.kind != PATH_LAST_NAME) {
        if (flags & O_EXCL)
            return -EEXIST;
        return vfs_resolve(v, cwd, path, out);
    }
    if (last.trailing_slash)
        return -EISDIR;     /* never a regular file, existing or not (as Linux) */
    struct vfs_node at = dir;
    err = vfs_step(v, &at, last.name, last.len);
    if (err == 0) {
        if (flags & O_EXCL)
            return -EEXIST;
        *out = at;
        return 0;
    }
    if (err != -ENOENT)
        return err;
    out->mnt = dir.mnt;
    return ops_of(&dir)->create(ctx_of(&dir), dir.ino, last.name, last.len,
                                VFS_S_IFREG | (mode & 07777), &out->ino);
}

/* The checks of open(2) once the node is known. */
static int check_open(const struct vfs_node *n, uint32_t type, int flags)
{
    if (type == VFS_S_IFDIR) {
        if (writable(flags) || (flags & O_CREAT))
            return -EISDIR;
        return 0;
    }
    if (flags & O_DIRECTORY)
        return -ENOTDIR;
    if (type == VFS_S_IFREG && writable(flags) && (n->mnt->fs.flags & VFS_FS_READ_ONLY))
        return -EROFS;
    return 0;
}

int vfs_open(struct vfs *v, const struct vfs_node *cwd, const char *path, int flags,
             uint32_t mode, struct vfs_file **out)
{
    if (access_mode(flags) != O_RDONLY && !writable(flags))
        return -EINVAL;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return -EINVAL;     /* as Linux: no way to create a directory here */
    struct vfs_file *f = file_new(FILE_NODE, flags);
    if (!f)
        return -ENOMEM;
    f->v = v;
    struct vfs_stat st;
    int err = flags & O_CREAT ? open_or_create(v, cwd, path, flags, mode, &f->node)
                              : vfs_resolve(v, cwd, path, &f->node);
    if (!err)
        err = vfs_node_stat(&f->node, &st);
    if (!err)
        err = check_open(&f->node, st.st_mode & VFS_S_IFMT, flags);
    if (!err && (flags & O_TRUNC) && writable(flags) && (st.st_mode & VFS_S_IFMT) == VFS_S_IFREG)
        err = ops_of(&f->node)->truncate(ctx_of(&f->node), f->node.ino, 0);
    if (err) {
        free(f);
        return err;
    }
    f->type = st.st_mode & VFS_S_IFMT;
    node_hold(&f->node);
    *out = f;
    return 0;
}

int vfs_pipe(pipe_wake_fn wake, void *wake_arg, struct vfs_file **read_end,
             struct vfs_file **write_end)
{
    struct vfs_file *r = file_new(FILE_PIPE_READ, O_RDONLY);
    struct vfs_file *w = file_new(FILE_PIPE_WRITE, O_WRONLY);
    struct pipe *p = r && w ? pipe_create(wake, wake_arg) : NULL;
    if (!p) {
        free(r);
        free(w);
        return -ENOMEM;
    }
    r->pipe = w->pipe = p;
    r->type = w->type = VFS_S_IFIFO;
    *read_end = r;
    *write_end = w;
    return 0;
}

struct vfs_file *vfs_file_ref(struct vfs_file *f)
{
    f->refs++;
    return f;
}

void vfs_close(struct vfs_file *f)
{
    if (--f->refs)
        return;
    if (f->kind == FILE_PIPE_READ)
        pipe_close_reader(f->pipe);
    else if (f->kind == FILE_PIPE_WRITE)
        pipe_close_writer(f->pipe);
    else
        node_release(&f->node);
    free(f);
}

int vfs_file_flags(const struct vfs_file *f)
{
    return f->flags;
}

struct pipe *vfs_file_pipe(const struct vfs_file *f)
{
    return f->pipe;
}

/* ---- reading and writing ---- */

ssize_t vfs_read(struct vfs_file *f, void *buf, size_t n)
{
    if (f->kind == FILE_PIPE_READ)
        return pipe_read(f->pipe, buf, n);
    if (f->kind == FILE_PIPE_WRITE || access_mode(f->flags) == O_WRONLY)
        return -EBADF;
    if (f->type == VFS_S_IFDIR)
        return -EISDIR;
    ssize_t r = ops_of(&f->node)->read(ctx_of(&f->node), f->node.ino, buf, n, f->offset);
    if (r > 0)
        f->offset += (uint64_t)r;
    return r;
}

ssize_t vfs_write(struct vfs_file *f, const void *buf, size_t n)
{
    if (f->kind == FILE_PIPE_WRITE)
        return pipe_write(f->pipe, buf, n);
    if (f->kind == FILE_PIPE_READ || !writable(f->flags))
        return -EBADF;
    if (f->flags & O_APPEND) {
        struct vfs_stat st;
        int err = vfs_node_stat(&f->node, &st);
        if (err)
            return err;
        f->offset = st.st_size;
    }
    ssize_t r = ops_of(&f->node)->write(ctx_of(&f->node), f->node.ino, buf, n, f->offset);
    if (r > 0)
        f->offset += (uint64_t)r;
    return r;
}

int64_t vfs_lseek(struct vfs_file *f, int64_t offset, int whence)
{
    if (f->kind != FILE_NODE)
        return -ESPIPE;
    int64_t base;
    struct vfs_stat st;
    int err;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = (int64_t)f->offset;
        break;
    case SEEK_END:
        if ((err = vfs_node_stat(&f->node, &st)))
            return err;
        base = (int64_t)st.st_size;
        break;
    default:
        return -EINVAL;
    }
    int64_t result;
    if (__builtin_add_overflow(base, offset, &result))
        return -EOVERFLOW;
    if (result < 0)
        return -EINVAL;
    f->offset = (uint64_t)result;
    return result;
}

int vfs_ftruncate(struct vfs_file *f, uint64_t size)
{
    if (f->kind != FILE_NODE || !writable(f->flags) || f->type != VFS_S_IFREG)
        return -EINVAL;
    return ops_of(&f->node)->truncate(ctx_of(&f->node), f->node.ino, size);
}

int vfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
    if (f->kind != FILE_NODE) {
        *st = (struct vfs_stat){ .st_mode = VFS_S_IFIFO | 0600, .st_nlink = 1,
                                 .st_size = pipe_buffered(f->pipe) };
        return 0;
    }
    return vfs_node_stat(&f->node, st);
}

/* "." and ".." come first, then the file system's entries. */
int vfs_readdir(struct vfs_file *f, struct vfs_dirent *out)
{
    if (f->kind != FILE_NODE || f->type != VFS_S_IFDIR)
        return -ENOTDIR;
    struct vfs_stat st;
    int err = vfs_node_stat(&f->node, &st);
    if (err)
        return err;
    if (st.st_nlink == 0)
        return 0;       /* removed: not even . and .. are left */
    if (f->offset < 2) {
        struct vfs_node at = f->node;
        if (f->offset == 1 && (err = vfs_step(f->v, &at, "..", 2)))
            return err;
        out->d_ino = at.ino;
        out->d_type = VFS_DT_DIR;
        strcpy(out->d_name, f->offset ? ".." : ".");
        f->offset++;
        return 1;
    }
    int r = ops_of(&f->node)->readdir(ctx_of(&f->node), f->node.ino, f->offset - 2, out);
    if (r > 0)
        f->offset++;
    return r;
}

/* ---- operations on names ---- */

int vfs_stat(struct vfs *v, const struct vfs_node *cwd, const char *path, struct vfs_stat *st)
{
    struct vfs_node at;
    int err = vfs_resolve(v, cwd, path, &at);
    return err ? err : vfs_node_stat(&at, st);
}

int vfs_mkdir(struct vfs *v, const struct vfs_node *cwd, const char *path, uint32_t mode)
{
    struct vfs_node dir;
    struct path_last last;
    int err = resolve_parent_dir(v, cwd, path, &dir, &last);
    if (err)
        return err;
    if (last.kind != PATH_LAST_NAME)
        return -EEXIST;
    uint64_t ino;
    return ops_of(&dir)->create(ctx_of(&dir), dir.ino, last.name, last.len,
                                VFS_S_IFDIR | (mode & 07777), &ino);
}

/* The node named by last in dir: is it a mount point? */
static int lookup_last(struct vfs *v, const struct vfs_node *dir, const struct path_last *last,
                       struct vfs_node *out, bool *mounted)
{
    *out = *dir;
    int err = vfs_step(v, out, last->name, last->len);
    if (err)
        return err;
    *mounted = out->mnt != dir->mnt;
    if (last->trailing_slash && !vfs_node_is_dir(out))
        return -ENOTDIR;
    return 0;
}

int vfs_rmdir(struct vfs *v, const struct vfs_node *cwd, const char *path)
{
    struct vfs_node dir, target;
    struct path_last last;
    bool mounted;
    int err = resolve_parent_dir(v, cwd, path, &dir, &last);
    if (err)
        return err;
    switch (last.kind) {
    case PATH_LAST_NONE:   return -EBUSY;
    case PATH_LAST_DOT:    return -EINVAL;
    case PATH_LAST_DOTDOT: return -ENOTEMPTY;
    case PATH_LAST_NAME:   break;
    }
    if ((err = lookup_last(v, &dir, &last, &target, &mounted)))
        return err;
    if (mounted)
        return -EBUSY;
    return ops_of(&dir)->remove(ctx_of(&dir), dir.ino, last.name, last.len, true);
}

int vfs_unlink(struct vfs *v, const struct vfs_node *cwd, const char *path)
{
    struct vfs_node dir, target;
    struct path_last last;
    bool mounted;
    int err = resolve_parent_dir(v, cwd, path, &dir, &last);
    if (err)
        return err;
    if (last.kind != PATH_LAST_NAME)
        return -EISDIR;
    if ((err = lookup_last(v, &dir, &last, &target, &mounted)))
        return err;
    if (mounted)
        return -EISDIR;     /* a mount point is a directory */
    return ops_of(&dir)->remove(ctx_of(&dir), dir.ino, last.name, last.len, false);
}

static int rename_name_check(const struct path_last *last)
{
    if (last->kind == PATH_LAST_NONE)
        return -EBUSY;
    if (last->kind != PATH_LAST_NAME)
        return -EINVAL;
    return 0;
}

int vfs_rename(struct vfs *v, const struct vfs_node *cwd, const char *old_path,
               const char *new_path)
{
    struct vfs_node old_dir, new_dir, src, dst;
    struct path_last old_last, new_last;
    bool mounted;
    int err = resolve_parent_dir(v, cwd, old_path, &old_dir, &old_last);
    if (!err)
        err = resolve_parent_dir(v, cwd, new_path, &new_dir, &new_last);
    if (!err)
        err = rename_name_check(&old_last);
    if (!err)
        err = rename_name_check(&new_last);
    if (!err)
        err = lookup_last(v, &old_dir, &old_last, &src, &mounted);
    if (err)
        return err;
    if (mounted)
        return -EBUSY;
    if (new_last.trailing_slash && !vfs_node_is_dir(&src))
        return -ENOTDIR;
    dst = new_dir;
    err = vfs_step(v, &dst, new_last.name, new_last.len);
    if (err == 0 && dst.mnt != new_dir.mnt)
        return -EBUSY;
    if (err && err != -ENOENT)
        return err;
    if (old_dir.mnt != new_dir.mnt)
        return -EXDEV;
    return ops_of(&old_dir)->rename(ctx_of(&old_dir), old_dir.ino, old_last.name, old_last.len,
                                    new_dir.ino, new_last.name, new_last.len);
}
