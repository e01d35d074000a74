/*
 * init's RPC handlers for files: the caller's descriptor table and working
 * directory over the VFS core (user/vfs). A read of an empty pipe or of
 * the console with nothing typed, and a write to a full pipe, are answered
 * later: the request is parked on the process and retried whenever a pipe
 * or the console may have changed (proc_retry_parked).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "../vfs/devfs.h"

static bool retry_needed;

static struct vfs_file *file_of(struct proc *pr, int64_t fd)
{
    return fd >= 0 && fd < INIT_MAX_FDS ? pr->fd[fd] : NULL;
}

#define FILE_OF(f, pr, fd)                          \
    struct vfs_file *f = file_of(pr, fd);           \
    if (f == NULL)                                  \
        return LAKE_STATUS_ERRNO(EBADF)

/* A path field as a C string (it may lack its NUL). */
static const char *path_of(const char *field, size_t size, char *buf)
{
    memcpy(buf, field, size);
    buf[size - 1] = '\0';
    return buf;
}

static void pipe_wake(void *arg, struct pipe *pipe, unsigned events)
{
    (void)arg, (void)pipe, (void)events;
    retry_needed = true;
}

/* ---- parked reads and writes ------------------------------------------------------- */

/* Reads and writes for a process; the console's writer is the caller. */
static ssize_t read_for(struct proc *pr, struct vfs_file *f, void *buf, size_t n)
{
    console_set_writer(pr->pid);
    return vfs_read(f, buf, n);
}

static ssize_t write_for(struct proc *pr, struct vfs_file *f, const void *buf, size_t n)
{
    console_set_writer(pr->pid);
    return vfs_write(f, buf, n);
}

/* One try of a parked request; true if it was answered. */
static bool retry_read(struct proc *pr)
{
    struct vfs_file *f = file_of(pr, pr->read_fd);
    static struct init_read_out out;
    ssize_t n = f ? read_for(pr, f, out.data, pr->read_count) : -EBADF;
    if (!pr->reading)
        return true;        /* the read ended the process (Ctrl-C): answered */
    if (n == -EAGAIN)
        return false;
    pr->reading = false;
    out.count = n > 0 ? (uint64_t)n : 0;
    init_read_reply(&pr->read_reply, n < 0 ? errno_status((int)n) : 0, &out);
    return true;
}

static bool retry_write(struct proc *pr)
{
    struct vfs_file *f = file_of(pr, pr->write_fd);
    bool progress = false;
    while (pr->write_done < pr->write_count) {
        ssize_t n = f ? write_for(pr, f, pr->write_data + pr->write_done,
                                  pr->write_count - pr->write_done) : -EBADF;
        if (n == -EAGAIN)
            return progress;
        progress = true;
        if (n < 0) {
            pr->writing = false;
            free(pr->write_data);
            pr->write_data = NULL;
            struct init_write_out out = { .count = pr->write_done };
            init_write_reply(&pr->write_reply, pr->write_done ? 0 : errno_status((int)n), &out);
            return true;
        }
        pr->write_done += (uint64_t)n;
    }
    pr->writing = false;
    free(pr->write_data);
    pr->write_data = NULL;
    struct init_write_out out = { .count = pr->write_done };
    init_write_reply(&pr->write_reply, 0, &out);
    return true;
}

void proc_retry_parked(void)
{
    bool progress = true;
    while (progress) {
        progress = false;
        retry_needed = false;
        for (unsigned i = 0; i < INIT_MAX_PROCS; i++) {
            struct proc *pr = &init.procs[i];
            if (pr->state != LAKE_PROC_RUNNING)
                continue;
            if (pr->reading && retry_read(pr))
                progress = true;
            if (pr->writing && retry_write(pr))
                progress = true;
        }
        progress = progress || retry_needed;
    }
}

static int settle(int status)
{
    if (retry_needed)
        proc_retry_parked();
    return status;
}

/* The first shell waits for its first line: the boot is over. */
static void note_prompt(void)
{
    init.prompt_ns = lake_uptime_ns();
}

/* ---- descriptors ------------------------------------------------------------------------ */

static int m_open(struct lake_rpc_call *call, const struct init_open_in *in,
                  struct init_open_out *out)
{
    CALLER(pr);
    char path[LAKE_INIT_PATH_MAX];
    struct vfs_file *f;
    int error = vfs_open(&init.vfs, &pr->cwd, path_of(in->path, sizeof(in->path), path),
                         in->flags, in->mode, &f);
    if (error)
        return errno_status(error);
    int fd = proc_fd_alloc(pr, f, 0);
    if (fd < 0) {
        vfs_close(f);
        return errno_status(fd);
    }
    out->fd = fd;
    return 0;
}

static int m_close(struct lake_rpc_call *call, const struct init_close_in *in,
                   struct init_close_out *out)
{
    (void)out;
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    pr->fd[in->fd] = NULL;
    vfs_close(f);
    return settle(0);
}

static int m_read(struct lake_rpc_call *call, const struct init_read_in *in,
                  struct init_read_out *out)
{
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    uint64_t count = in->count < LAKE_INIT_IO_MAX ? in->count : LAKE_INIT_IO_MAX;
    int64_t fd = in->fd;
    ssize_t n = read_for(pr, f, out->data, count);
    if (n == -EAGAIN) {
        if (pr->reading)
            return LAKE_STATUS_ERRNO(EBUSY);
        int error = lake_rpc_defer(call, &pr->read_reply);
        if (error)
            return error;
        pr->reading = true;
        if (init.prompt_ns == 0 && pr->pid == init.shell_pid)
            note_prompt();
        pr->read_fd = (int)fd;
        pr->read_count = count;
        return settle(0);
    }
    if (n < 0)
        return settle(errno_status((int)n));
    out->count = (uint64_t)n;
    return settle(0);
}

static int m_write(struct lake_rpc_call *call, const struct init_write_in *in,
                   struct init_write_out *out)
{
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    uint64_t count = in->count < LAKE_INIT_IO_MAX ? in->count : LAKE_INIT_IO_MAX;
    ssize_t n = write_for(pr, f, in->data, count);
    if (n == -EAGAIN || (n >= 0 && (uint64_t)n < count && vfs_file_pipe(f) != NULL)) {
        /* A full pipe: keep the rest and answer when it has gone in. */
        if (pr->writing)
            return LAKE_STATUS_ERRNO(EBUSY);
        /* The whole request is kept with what went in already counted,
         * so the answer is the total written. */
        char *copy = malloc(count);
        if (copy == NULL)
            return LAKE_STATUS_ERRNO(ENOMEM);
        memcpy(copy, in->data, count);
        int64_t fd = in->fd;
        int error = lake_rpc_defer(call, &pr->write_reply);
        if (error) {
            free(copy);
            return error;
        }
        pr->writing = true;
        pr->write_fd = (int)fd;
        pr->write_data = copy;
        pr->write_count = count;
        pr->write_done = n > 0 ? (uint64_t)n : 0;
        return settle(0);
    }
    if (n < 0)
        return settle(errno_status((int)n));
    out->count = (uint64_t)n;
    return settle(0);
}

static int m_lseek(struct lake_rpc_call *call, const struct init_lseek_in *in,
                   struct init_lseek_out *out)
{
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    int64_t offset = vfs_lseek(f, in->offset, (int)in->whence);
    if (offset < 0)
        return errno_status((int)offset);
    out->offset = offset;
    return 0;
}

static void stat_to_msg(const struct vfs_stat *st, struct lake_stat_msg *m)
{
    m->mode = st->st_mode;
    m->size = st->st_size;
    m->nlink = st->st_nlink;
    m->ino = st->st_ino;
    m->atime = st->st_atim.sec;
    m->mtime = st->st_mtim.sec;
    m->ctime = st->st_ctim.sec;
}

static int m_fstat(struct lake_rpc_call *call, const struct init_fstat_in *in,
                   struct init_fstat_out *out)
{
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    struct vfs_stat st;
    int error = vfs_fstat(f, &st);
    if (error)
        return errno_status(error);
    stat_to_msg(&st, &out->st);
    return 0;
}

static int m_stat(struct lake_rpc_call *call, const struct init_stat_in *in,
                  struct init_stat_out *out)
{
    CALLER(pr);
    char path[LAKE_INIT_PATH_MAX];
    struct vfs_stat st;
    int error = vfs_stat(&init.vfs, &pr->cwd, path_of(in->path, sizeof(in->path), path), &st);
    if (error)
        return errno_status(error);
    stat_to_msg(&st, &out->st);
    return 0;
}

/* A request whose only argument is a path, on the caller's directory. */
typedef int (*path_op)(struct vfs *v, struct vfs_node *cwd, const char *path);

static int path_request(struct lake_rpc_call *call, const char *field, size_t size, path_op op)
{
    CALLER(pr);
    char path[LAKE_INIT_PATH_MAX];
    int error = op(&init.vfs, &pr->cwd, path_of(field, size, path));
    return error ? errno_status(error) : 0;
}

static int unlink_op(struct vfs *v, struct vfs_node *cwd, const char *path)
{
    return vfs_unlink(v, cwd, path);
}

static int rmdir_op(struct vfs *v, struct vfs_node *cwd, const char *path)
{
    return vfs_rmdir(v, cwd, path);
}

static int m_unlink(struct lake_rpc_call *call, const struct init_unlink_in *in,
                    struct init_unlink_out *out)
{
    (void)out;
    return path_request(call, in->path, sizeof(in->path), unlink_op);
}

static int m_mkdir(struct lake_rpc_call *call, const struct init_mkdir_in *in,
                   struct init_mkdir_out *out)
{
    (void)out;
    CALLER(pr);
    char path[LAKE_INIT_PATH_MAX];
    int error = vfs_mkdir(&init.vfs, &pr->cwd, path_of(in->path, sizeof(in->path), path),
                          (uint32_t)in->mode);
    return error ? errno_status(error) : 0;
}

static int m_rmdir(struct lake_rpc_call *call, const struct init_rmdir_in *in,
                   struct init_rmdir_out *out)
{
    (void)out;
    return path_request(call, in->path, sizeof(in->path), rmdir_op);
}

static int m_rename(struct lake_rpc_call *call, const struct init_rename_in *in,
                    struct init_rename_out *out)
{
    (void)out;
    CALLER(pr);
    char from[sizeof(in->from)], to[sizeof(in->to)];
    int error = vfs_rename(&init.vfs, &pr->cwd, path_of(in->from, sizeof(in->from), from),
                           path_of(in->to, sizeof(in->to), to));
    return error ? errno_status(error) : 0;
}

static int m_readdir(struct lake_rpc_call *call, const struct init_readdir_in *in,
                     struct init_readdir_out *out)
{
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    struct vfs_dirent d;
    int r = vfs_readdir(f, &d);
    if (r < 0)
        return errno_status(r);
    out->end = r == 0;
    if (r == 1) {
        size_t n = strnlen(d.d_name, sizeof(d.d_name));
        out->d.ino = d.d_ino;
        out->d.type = d.d_type;
        out->d.name_length = (uint32_t)n;
        memcpy(out->d.name, d.d_name, n);
        out->d.name[n < sizeof(out->d.name) ? n : sizeof(out->d.name) - 1] = '\0';
    }
    return 0;
}

static int m_chdir(struct lake_rpc_call *call, const struct init_chdir_in *in,
                   struct init_chdir_out *out)
{
    (void)out;
    return path_request(call, in->path, sizeof(in->path), vfs_chdir);
}

static int m_getcwd(struct lake_rpc_call *call, const struct init_getcwd_in *in,
                    struct init_getcwd_out *out)
{
    (void)in;
    CALLER(pr);
    int n = vfs_getcwd(&init.vfs, &pr->cwd, out->path, sizeof(out->path));
    return n < 0 ? errno_status(n) : 0;
}

static int m_pipe(struct lake_rpc_call *call, const struct init_pipe_in *in,
                  struct init_pipe_out *out)
{
    (void)in;
    CALLER(pr);
    struct vfs_file *r, *w;
    int error = vfs_pipe(pipe_wake, NULL, &r, &w);
    if (error)
        return errno_status(error);
    int fr = proc_fd_alloc(pr, r, 0);
    int fw = fr < 0 ? fr : proc_fd_alloc(pr, w, 0);
    if (fr < 0 || fw < 0) {
        if (fr >= 0)
            pr->fd[fr] = NULL;
        vfs_close(r);
        vfs_close(w);
        retry_needed = false;
        return LAKE_STATUS_ERRNO(EMFILE);
    }
    out->fd[0] = fr;
    out->fd[1] = fw;
    return 0;
}

static int m_dup2(struct lake_rpc_call *call, const struct init_dup2_in *in,
                  struct init_dup2_out *out)
{
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    if (in->to >= INIT_MAX_FDS)
        return LAKE_STATUS_ERRNO(EBADF);
    if (in->to == in->fd) {
        out->fd = in->fd;
        return 0;
    }
    if (in->to < 0) {
        int fd = proc_fd_alloc(pr, f, 0);
        if (fd < 0)
            return errno_status(fd);
        vfs_file_ref(f);
        out->fd = fd;
        return 0;
    }
    struct vfs_file *old = pr->fd[in->to];
    pr->fd[in->to] = vfs_file_ref(f);
    if (old)
        vfs_close(old);
    out->fd = in->to;
    return settle(0);
}

static int m_isatty(struct lake_rpc_call *call, const struct init_isatty_in *in,
                    struct init_isatty_out *out)
{
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    struct vfs_stat st;
    int error = vfs_fstat(f, &st);
    if (error)
        return errno_status(error);
    out->yes = (st.st_mode & VFS_S_IFMT) == VFS_S_IFCHR && st.st_ino == DEVFS_CONSOLE;
    return 0;
}

static int m_ftruncate(struct lake_rpc_call *call, const struct init_ftruncate_in *in,
                       struct init_ftruncate_out *out)
{
    (void)out;
    CALLER(pr);
    FILE_OF(f, pr, in->fd);
    int error = vfs_ftruncate(f, in->size);
    return error ? errno_status(error) : 0;
}

static int m_ttymode(struct lake_rpc_call *call, const struct init_ttymode_in *in,
                     struct init_ttymode_out *out)
{
    (void)out;
    CALLER(pr);
    (void)pr;
    int error = console_set_mode(in->raw != 0);
    return error ? errno_status(error) : 0;
}

void fsops_install(struct init_server_ops *ops)
{
    ops->open = m_open;
    ops->close = m_close;
    ops->read = m_read;
    ops->write = m_write;
    ops->lseek = m_lseek;
    ops->fstat = m_fstat;
    ops->stat = m_stat;
    ops->unlink = m_unlink;
    ops->mkdir = m_mkdir;
    ops->rmdir = m_rmdir;
    ops->rename = m_rename;
    ops->readdir = m_readdir;
    ops->chdir = m_chdir;
    ops->getcwd = m_getcwd;
    ops->pipe = m_pipe;
    ops->dup2 = m_dup2;
    ops->isatty = m_isatty;
    ops->ftruncate = m_ftruncate;
    ops->ttymode = m_ttymode;
}
