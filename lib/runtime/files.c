/*
 * Files, directories and processes for picolibc and lake/sys.h: every call
 * is an RPC to init (lake/proto/init.h), which holds this process's file
 * descriptor table, working directory and the VFS. A process without
 * init's services (the root task, the test suite's children) keeps the
 * old behaviour: descriptors 0-2 are the kernel console, the rest fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lake/env.h>
#include <lake/lake.h>
#include <lake/procinfo.h>
#include <lake/runtime.h>
#include <lake/sys.h>

/* ---- the connection to init ---------------------------------------------- */

bool lake_sys_available(void)
{
    return lake_procinfo != NULL && (lake_procinfo->flags & LAKE_PROCINFO_INIT_SERVICES) &&
           lake_env_ready();
}

/* Calls that return caps set their own receive path (lake_ns_lookup). */
const struct lake_rpc_client *lake_init_client(void)
{
    static struct lake_rpc_client client;
    if (client.ep == 0)
        client.ep = lake_procinfo->parent_ep;
    return &client;
}

#define init_client lake_init_client

/* A status from init as errno; -1 for the caller to return. */
static int fail_status(int status)
{
    if (status >= LAKE_STATUS_ERRNO_BASE)
        errno = status - LAKE_STATUS_ERRNO_BASE;
    else if (status == LAKE_NOT_ENOUGH_MEMORY)
        errno = ENOMEM;
    else if (status == LAKE_INVALID_ARGUMENT || status == LAKE_RANGE_ERROR)
        errno = EINVAL;
    else
        errno = EIO;
    return -1;
}

static int no_service(void)
{
    errno = ENOSYS;
    return -1;
}

/* Copy a path into a request field; ENAMETOOLONG if it does not fit. */
static int put_path(char *field, size_t size, const char *path)
{
    if (path == NULL) {
        errno = EFAULT;
        return -1;
    }
    size_t n = strlen(path);
    if (n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(field, path, n + 1);
    return 0;
}

/* ---- descriptors without init: the kernel console ------------------------- */

static ssize_t debug_write(int fd, const void *buf, size_t count)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    const char *p = buf;
    for (size_t done = 0; done < count;) {
        size_t n = count - done;
        if (n > LAKE_DEBUG_PUTS_MAX)
            n = LAKE_DEBUG_PUTS_MAX;
        lake_debug_puts(p + done, n);
        done += n;
    }
    return (ssize_t)count;
}

/* ---- POSIX ----------------------------------------------------------------------- */

ssize_t write(int fd, const void *buf, size_t count)
{
    if (!lake_sys_available())
        return debug_write(fd, buf, count);
    const char *p = buf;
    size_t done = 0;
    do {
        struct init_write_in in = { .fd = fd };
        struct init_write_out out;
        size_t n = count - done < LAKE_INIT_IO_MAX ? count - done : LAKE_INIT_IO_MAX;
        in.count = n;
        memcpy(in.data, p + done, n);
        int status = init_write(init_client(), &in, &out);
        if (status != 0)
            return done ? (ssize_t)done : fail_status(status);
        done += out.count;
        if (out.count < n)
            break;
    } while (done < count);
    return (ssize_t)done;
}

ssize_t read(int fd, void *buf, size_t count)
{
    if (!lake_sys_available()) {
        if (fd == 0)
            return 0;
        errno = EBADF;
        return -1;
    }
    struct init_read_in in = { .fd = fd, .count = count < LAKE_INIT_IO_MAX ? count : LAKE_INIT_IO_MAX };
    struct init_read_out out;
    int status = init_read(init_client(), &in, &out);
    if (status != 0)
        return fail_status(status);
    if (out.count > in.count)
        out.count = in.count;
    memcpy(buf, out.data, out.count);
    return (ssize_t)out.count;
}

int open(const char *path, int flags, ...)
{
    unsigned mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, unsigned);
        va_end(ap);
    }
    if (!lake_sys_available())
        return no_service();
    struct init_open_in in = { .flags = flags, .mode = mode };
    struct init_open_out out;
    if (put_path(in.path, sizeof(in.path), path))
        return -1;
    int status = init_open(init_client(), &in, &out);
    return status ? fail_status(status) : (int)out.fd;
}

int close(int fd)
{
    if (!lake_sys_available()) {
        if (fd >= 0 && fd <= 2)
            return 0;
        errno = EBADF;
        return -1;
    }
    struct init_close_in in = { .fd = fd };
    struct init_close_out out;
    int status = init_close(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

off_t lseek(int fd, off_t offset, int whence)
{
    if (!lake_sys_available()) {
        errno = (fd >= 0 && fd <= 2) ? ESPIPE : EBADF;
        return -1;
    }
    struct init_lseek_in in = { .fd = fd, .offset = offset, .whence = whence };
    struct init_lseek_out out;
    int status = init_lseek(init_client(), &in, &out);
    return status ? fail_status(status) : (off_t)out.offset;
}

static void stat_from_msg(struct stat *st, const struct lake_stat_msg *m)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = (mode_t)m->mode;
    st->st_size = (off_t)m->size;
    st->st_nlink = (nlink_t)m->nlink;
    st->st_ino = (ino_t)m->ino;
    st->st_atime = (time_t)m->atime;
    st->st_mtime = (time_t)m->mtime;
    st->st_ctime = (time_t)m->ctime;
    st->st_blksize = 4096;
    st->st_blocks = (blkcnt_t)((m->size + 511) / 512);
}

int fstat(int fd, struct stat *st)
{
    if (!lake_sys_available()) {
        if (fd < 0 || fd > 2) {
            errno = EBADF;
            return -1;
        }
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFCHR | 0620;
        return 0;
    }
    struct init_fstat_in in = { .fd = fd };
    struct init_fstat_out out;
    int status = init_fstat(init_client(), &in, &out);
    if (status)
        return fail_status(status);
    stat_from_msg(st, &out.st);
    return 0;
}

int stat(const char *path, struct stat *st)
{
    if (!lake_sys_available())
        return no_service();
    struct init_stat_in in;
    struct init_stat_out out;
    if (put_path(in.path, sizeof(in.path), path))
        return -1;
    int status = init_stat(init_client(), &in, &out);
    if (status)
        return fail_status(status);
    stat_from_msg(st, &out.st);
    return 0;
}

int lstat(const char *path, struct stat *st)
{
    return stat(path, st);      /* no symbolic links */
}

int isatty(int fd)
{
    if (!lake_sys_available()) {
        if (fd >= 0 && fd <= 2)
            return 1;
        errno = EBADF;
        return 0;
    }
    struct init_isatty_in in = { .fd = fd };
    struct init_isatty_out out;
    int status = init_isatty(init_client(), &in, &out);
    if (status) {
        fail_status(status);
        return 0;
    }
    if (!out.yes)
        errno = ENOTTY;
    return out.yes != 0;
}

/* A call whose only argument is a path. */
#define PATH_CALL(name, method)                                                      \
    int name(const char *path)                                                       \
    {                                                                                \
        if (!lake_sys_available())                                                   \
            return no_service();                                                     \
        struct init_##method##_in in;                                                \
        struct init_##method##_out out;                                              \
        if (put_path(in.path, sizeof(in.path), path))                                \
            return -1;                                                               \
        int status = init_##method(init_client(), &in, &out);                        \
        return status ? fail_status(status) : 0;                                     \
    }

PATH_CALL(unlink, unlink)
PATH_CALL(rmdir, rmdir)
PATH_CALL(chdir, chdir)

int mkdir(const char *path, mode_t mode)
{
    if (!lake_sys_available())
        return no_service();
    struct init_mkdir_in in = { .mode = mode };
    struct init_mkdir_out out;
    if (put_path(in.path, sizeof(in.path), path))
        return -1;
    int status = init_mkdir(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

int rename(const char *from, const char *to)
{
    if (!lake_sys_available())
        return no_service();
    struct init_rename_in in;
    struct init_rename_out out;
    if (put_path(in.from, sizeof(in.from), from) || put_path(in.to, sizeof(in.to), to))
        return -1;
    int status = init_rename(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

char *getcwd(char *buf, size_t size)
{
    if (!lake_sys_available()) {
        no_service();
        return NULL;
    }
    struct init_getcwd_in in;
    struct init_getcwd_out out;
    int status = init_getcwd(init_client(), &in, &out);
    if (status) {
        fail_status(status);
        return NULL;
    }
    out.path[sizeof(out.path) - 1] = '\0';
    size_t n = strlen(out.path) + 1;
    if (buf == NULL) {
        buf = malloc(size > n ? size : n);
        if (buf == NULL) {
            errno = ENOMEM;
            return NULL;
        }
        size = size > n ? size : n;
    }
    if (n > size) {
        errno = ERANGE;
        return NULL;
    }
    memcpy(buf, out.path, n);
    return buf;
}

int pipe(int fds[2])
{
    if (!lake_sys_available())
        return no_service();
    struct init_pipe_in in;
    struct init_pipe_out out;
    int status = init_pipe(init_client(), &in, &out);
    if (status)
        return fail_status(status);
    fds[0] = (int)out.fd[0];
    fds[1] = (int)out.fd[1];
    return 0;
}

int dup2(int fd, int to)
{
    if (!lake_sys_available())
        return no_service();
    struct init_dup2_in in = { .fd = fd, .to = to };
    struct init_dup2_out out;
    int status = init_dup2(init_client(), &in, &out);
    return status ? fail_status(status) : (int)out.fd;
}

int dup(int fd)
{
    return dup2(fd, -1);
}

int ftruncate(int fd, off_t size)
{
    if (!lake_sys_available())
        return no_service();
    if (size < 0) {
        errno = EINVAL;
        return -1;
    }
    struct init_ftruncate_in in = { .fd = fd, .size = (uint64_t)size };
    struct init_ftruncate_out out;
    int status = init_ftruncate(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

int access(const char *path, int mode)
{
    struct stat st;
    (void)mode;     /* no permissions: existence is access */
    return stat(path, &st);
}

/* This process's id and its parent's (without init: 1 and 0). */
static pid_t process_ids(bool parent)
{
    if (!lake_sys_available())
        return parent ? 0 : 1;
    struct init_getpid_in in;
    struct init_getpid_out out;
    int status = init_getpid(init_client(), &in, &out);
    if (status)
        return fail_status(status);
    return (pid_t)(parent ? out.ppid : out.pid);
}

pid_t getpid(void)
{
    return process_ids(false);
}

pid_t getppid(void)
{
    return process_ids(true);
}

/* ---- directories ------------------------------------------------------------------ */

struct _dirdesc {
    int fd;
    struct dirent entry;
};

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return NULL;
    DIR *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    d->fd = fd;
    return d;
}

struct dirent *readdir(DIR *d)
{
    if (d == NULL) {
        errno = EBADF;
        return NULL;
    }
    struct init_readdir_in in = { .fd = d->fd };
    struct init_readdir_out out;
    int status = init_readdir(init_client(), &in, &out);
    if (status) {
        fail_status(status);
        return NULL;
    }
    if (out.end)
        return NULL;
    d->entry.d_ino = (ino_t)out.d.ino;
    d->entry.d_type = (unsigned char)out.d.type;
    size_t n = out.d.name_length < sizeof(d->entry.d_name) - 1 ? out.d.name_length
                                                                : sizeof(d->entry.d_name) - 1;
    memcpy(d->entry.d_name, out.d.name, n);
    d->entry.d_name[n] = '\0';
    return &d->entry;
}

int closedir(DIR *d)
{
    if (d == NULL) {
        errno = EBADF;
        return -1;
    }
    int result = close(d->fd);
    free(d);
    return result;
}

void rewinddir(DIR *d)
{
    if (d != NULL)
        lseek(d->fd, 0, SEEK_SET);
}

int dirfd(DIR *d)
{
    return d ? d->fd : -1;
}

/* ---- lake/sys.h --------------------------------------------------------------------- */

/* Pack strings one after another into args; false if they do not fit. */
static bool pack_strings(char *args, size_t size, size_t *used, char *const *v, uint32_t *count)
{
    uint32_t n = 0;
    for (; v != NULL && v[n] != NULL; n++) {
        size_t len = strlen(v[n]) + 1;
        if (len > size - *used)
            return false;
        memcpy(args + *used, v[n], len);
        *used += len;
    }
    *count = n;
    return true;
}

extern char **environ;

pid_t lake_spawnv(const char *path, char *const argv[], char *const envp[], const int fds[3],
                  unsigned flags)
{
    if (!lake_sys_available())
        return no_service();
    struct init_spawn_in in = { .flags = flags };
    struct init_spawn_out out;
    for (int i = 0; i < 3; i++)
        in.fd[i] = fds ? fds[i] : i;
    size_t used = 0;
    char *const path_only[] = { (char *)path, NULL };
    uint32_t one;
    if (path == NULL || !pack_strings(in.args, sizeof(in.args), &used, path_only, &one) ||
        !pack_strings(in.args, sizeof(in.args), &used, argv, &in.argc) ||
        !pack_strings(in.args, sizeof(in.args), &used, envp ? envp : environ, &in.envc)) {
        errno = path == NULL ? EFAULT : E2BIG;
        return -1;
    }
    int status = init_spawn(init_client(), &in, &out);
    return status ? fail_status(status) : (pid_t)out.pid;
}

pid_t lake_waitpid(pid_t pid, int *wstatus, unsigned options)
{
    if (!lake_sys_available())
        return no_service();
    struct init_wait_in in = { .pid = pid, .options = options };
    struct init_wait_out out;
    int status = init_wait(init_client(), &in, &out);
    if (status)
        return fail_status(status);
    if (wstatus)
        *wstatus = (int)out.status;
    return (pid_t)out.pid;
}

int lake_kill(pid_t pid)
{
    if (!lake_sys_available())
        return no_service();
    struct init_kill_in in = { .pid = pid };
    struct init_kill_out out;
    int status = init_kill(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

int lake_ps(pid_t after, struct lake_proc_entry *entries, size_t max)
{
    if (!lake_sys_available())
        return no_service();
    struct init_ps_in in = { .after = after };
    struct init_ps_out out;
    int status = init_ps(init_client(), &in, &out);
    if (status)
        return fail_status(status);
    size_t n = out.count < max ? out.count : max;
    if (n > LAKE_INIT_PS_BATCH)
        n = LAKE_INIT_PS_BATCH;
    memcpy(entries, out.e, n * sizeof(*entries));
    return (int)n;
}

int lake_meminfo(struct lake_meminfo *info)
{
    if (!lake_sys_available())
        return no_service();
    struct init_meminfo_in in;
    struct init_meminfo_out out;
    int status = init_meminfo(init_client(), &in, &out);
    if (status)
        return fail_status(status);
    *info = out.info;
    return 0;
}

int lake_shutdown(int code)
{
    if (!lake_sys_available())
        return no_service();
    lake_console_flush();
    struct init_shutdown_in in = { .status = code };
    struct init_shutdown_out out;
    int status = init_shutdown(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

int lake_set_foreground(pid_t pid)
{
    if (!lake_sys_available())
        return no_service();
    struct init_foreground_in in = { .pid = pid };
    struct init_foreground_out out;
    int status = init_foreground(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

uint64_t lake_boot_to_prompt_ns(void)
{
    if (!lake_sys_available())
        return 0;
    struct init_uptime_in in;
    struct init_uptime_out out;
    return init_uptime(init_client(), &in, &out) == 0 ? out.prompt_ns : 0;
}

int lake_tty_raw(bool raw)
{
    if (!lake_sys_available())
        return no_service();
    struct init_ttymode_in in = { .raw = raw };
    struct init_ttymode_out out;
    int status = init_ttymode(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

int lake_ns_register(const char *name, lake_cptr_t cap)
{
    if (!lake_sys_available())
        return no_service();
    struct init_ns_register_in in = { .caps = { cap } };
    struct init_ns_register_out out;
    if (put_path(in.name, sizeof(in.name), name))
        return -1;
    int status = init_ns_register(init_client(), &in, &out);
    return status ? fail_status(status) : 0;
}

int lake_ns_lookup(const char *name, lake_cptr_t *cap)
{
    if (!lake_sys_available())
        return no_service();
    struct init_ns_lookup_in in;
    struct init_ns_lookup_out out;
    if (put_path(in.name, sizeof(in.name), name))
        return -1;
    lake_cptr_t slot;
    if (lake_env_alloc_slots(1, &slot) != LAKE_OK) {
        errno = ENOMEM;
        return -1;
    }
    /* The cap lands in the second-level CNode holding the slot. */
    struct lake_rpc_client client = *init_client();
    lake_word_t index;
    unsigned depth;
    lake_env_receive_path(slot, &client.recv_cnode, &index, &depth);
    client.recv_depth = depth;
    out.caps[0] = index;
    int status = init_ns_lookup(&client, &in, &out);
    if (status) {
        lake_env_free_slots(slot, 1);
        return fail_status(status);
    }
    *cap = slot;
    return 0;
}
