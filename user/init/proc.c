/*
 * The process manager: the process table, spawning from the file system,
 * ending (exit, fault, kill, Ctrl-C), waiting, and the requests of a
 * process that are answered later (wait, and reads and writes that must
 * wait for a pipe or the console).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lake/sys.h>

#include "init.h"

struct proc *proc_find(int64_t pid)
{
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++)
        if (init.procs[i].state != 0 && init.procs[i].pid == pid)
            return &init.procs[i];
    return NULL;
}

struct proc *proc_caller(const struct lake_rpc_call *call)
{
    struct proc *pr = proc_find((int64_t)call->badge);
    return pr && pr->state == LAKE_PROC_RUNNING ? pr : NULL;
}

static struct proc *proc_new(void)
{
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++) {
        if (init.procs[i].state == 0) {
            struct proc *pr = &init.procs[i];
            memset(pr, 0, sizeof(*pr));
            pr->pid = init.next_pid++;
            return pr;
        }
    }
    return NULL;
}

int errno_status(int negative_errno)
{
    return LAKE_STATUS_ERRNO(negative_errno < 0 ? -negative_errno : negative_errno);
}

/* The lowest free descriptor >= from. */
int proc_fd_alloc(struct proc *pr, struct vfs_file *f, int from)
{
    for (int fd = from < 0 ? 0 : from; fd < INIT_MAX_FDS; fd++) {
        if (pr->fd[fd] == NULL) {
            pr->fd[fd] = f;
            return fd;
        }
    }
    return -EMFILE;
}

/* ---- the ELF image --------------------------------------------------------- */

static int read_file(struct vfs_file *f, size_t size, void **image)
{
    char *data = malloc(size ? size : 1);
    if (data == NULL)
        return -ENOMEM;
    size_t done = 0;
    while (done < size) {
        ssize_t n = vfs_read(f, data + done, size - done);
        if (n <= 0) {
            free(data);
            return n < 0 ? (int)n : -EIO;
        }
        done += (size_t)n;
    }
    *image = data;
    return 0;
}

static bool read_only(uint64_t dev)
{
    for (unsigned i = 0; i < init.vfs.nmounts; i++)
        if (init.vfs.mounts[i].index == dev)
            return (init.vfs.mounts[i].fs.flags & VFS_FS_READ_ONLY) != 0;
    return false;
}

/* Prepared images: programs on read-only file systems (/bin) do not
 * change, so each is read and laid out once, and its text and rodata
 * frames are shared by every process started from it. An entry no
 * process uses goes when the room is needed (least recently used). */
static struct init_image *image_find(uint64_t dev, uint64_t ino)
{
    for (unsigned i = 0; i < INIT_IMAGE_CACHE; i++) {
        struct init_image *im = &init.images[i];
        if (im->valid && im->dev == dev && im->ino == ino) {
            im->last_used = ++init.image_clock;
            return im;
        }
    }
    return NULL;
}

static void image_drop(struct init_image *im)
{
    lake_image_release(&im->image);
    mem_free_block(im->block);
    free(im->bytes);
    im->valid = false;
}

static struct init_image *image_room(void)
{
    struct init_image *oldest = NULL;
    for (unsigned i = 0; i < INIT_IMAGE_CACHE; i++) {
        struct init_image *im = &init.images[i];
        if (!im->valid)
            return im;
        if (im->users == 0 && (oldest == NULL || im->last_used < oldest->last_used))
            oldest = im;
    }
    if (oldest != NULL)
        image_drop(oldest);
    return oldest;
}

/* Keep `bytes` (read from the file dev/ino) as a prepared image; NULL if
 * there is no room or it cannot be prepared (the caller keeps bytes). */
static struct init_image *image_add(uint64_t dev, uint64_t ino, void *bytes, size_t size)
{
    size_t shared = lake_image_shared_size(bytes, size);
    struct init_image *im = shared ? image_room() : NULL;
    if (im == NULL)
        return NULL;
    unsigned bits = LAKE_PAGE_BITS;
    while ((1ul << bits) < shared)
        bits++;
    lake_cptr_t untyped;
    if (mem_block(bits, &im->block, &untyped) != LAKE_OK)
        return NULL;
    struct lake_spawn_args a = {
        .image = bytes, .image_size = size, .untyped = untyped,
        .slot_ops = mem_spawn_slot_ops(), .parent_cnode = LAKE_ROOT_CNODE,
        .parent_vspace = LAKE_ROOT_VSPACE, .scratch_vaddr = mem_scratch_page(),
    };
    if (lake_image_prepare(&im->image, &a) != LAKE_OK) {
        mem_free_block(im->block);
        return NULL;
    }
    *im = (struct init_image){ .valid = true, .dev = dev, .ino = ino, .bytes = bytes,
                               .size = size, .image = im->image, .block = im->block,
                               .last_used = ++init.image_clock };
    return im;
}

/* The program at path: a prepared image (*cached), or its bytes in
 * *image for the caller to free. */
static int load_program(struct proc *parent, const char *path, struct init_image **cached,
                        void **image, size_t *size)
{
    struct vfs_file *f;
    const struct vfs_node *cwd = parent ? &parent->cwd : NULL;
    *cached = NULL;
    *image = NULL;
    int error = vfs_open(&init.vfs, cwd, path, O_RDONLY, 0, &f);
    if (error)
        return error;
    struct vfs_stat st;
    error = vfs_fstat(f, &st);
    if (error == 0 && (st.st_mode & S_IFMT) != S_IFREG)
        error = -EACCES;
    if (error == 0 && st.st_size > (64u << 20))
        error = -E2BIG;
    bool cacheable = error == 0 && read_only(st.st_dev);
    if (cacheable && (*cached = image_find(st.st_dev, st.st_ino)) != NULL) {
        vfs_close(f);
        return 0;
    }
    if (error == 0)
        error = read_file(f, st.st_size, image);
    vfs_close(f);
    if (error)
        return error;
    *size = st.st_size;
    if (cacheable && (*cached = image_add(st.st_dev, st.st_ino, *image, *size)) != NULL)
        *image = NULL;                  /* the cache keeps the bytes */
    return 0;
}

static void set_name(struct proc *pr, const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    snprintf(pr->name, sizeof(pr->name), "%s", slash ? slash + 1 : argv0);
}

/* Descriptors 0-2 of the child: the parent's fds[i], or /dev/console. */
static int give_descriptors(struct proc *parent, struct proc *pr, const int fds[3])
{
    for (int i = 0; i < 3; i++) {
        struct vfs_file *f = NULL;
        if (parent != NULL && fds != NULL) {
            if (fds[i] < 0)
                continue;
            if (fds[i] >= INIT_MAX_FDS || parent->fd[fds[i]] == NULL)
                return -EBADF;
            f = vfs_file_ref(parent->fd[fds[i]]);
        } else {
            int error = vfs_open(&init.vfs, NULL, "/dev/console", O_RDWR, 0, &f);
            if (error)
                return error;
        }
        pr->fd[i] = f;
    }
    return 0;
}

static void close_descriptors(struct proc *pr)
{
    for (int fd = 0; fd < INIT_MAX_FDS; fd++) {
        struct vfs_file *f = pr->fd[fd];
        pr->fd[fd] = NULL;
        if (f)
            vfs_close(f);
    }
}

int proc_spawn(struct proc *parent, const char *path, const char *const *argv,
               const char *const *envp, const int fds[3], bool driver,
               const lake_cptr_t *caps, unsigned ncaps, int64_t *pid)
{
    void *image;
    size_t size = 0;
    struct init_image *cached;
    int error = load_program(parent, path, &cached, &image, &size);
    if (error)
        return errno_status(error);
    struct proc *pr = proc_new();
    if (pr == NULL) {
        free(image);
        return LAKE_STATUS_ERRNO(EAGAIN);
    }
    pr->ppid = parent ? parent->pid : 0;
    pr->driver = driver;
    set_name(pr, argv && argv[0] ? argv[0] : path);
    if (parent)
        vfs_cwd_copy(&pr->cwd, &parent->cwd);
    else
        vfs_cwd_root(&init.vfs, &pr->cwd);
    error = give_descriptors(parent, pr, fds);
    if (error) {
        close_descriptors(pr);
        vfs_cwd_release(&pr->cwd);
        pr->state = 0;
        free(image);
        return errno_status(error);
    }

    struct lake_spawn_args a = {
        .image = image, .image_size = size, .prepared = cached ? &cached->image : NULL,
        .argv = argv, .envp = envp, .name = pr->name,
        .slot_ops = mem_spawn_slot_ops(), .parent_cnode = LAKE_ROOT_CNODE,
        .parent_vspace = LAKE_ROOT_VSPACE, .scratch_vaddr = mem_scratch_page(),
        .asid_pool = LAKE_ROOT_ASID_POOL, .parent_ep = init.ep, .badge = (lake_word_t)pr->pid,
        .authority = LAKE_ROOT_TCB,
        .priority = driver ? INIT_DRIVER_PRIORITY : INIT_PROC_PRIORITY,
        .mcp = driver ? INIT_DRIVER_PRIORITY : INIT_PROC_PRIORITY,
        .stack_pages = 16, .quota_bits = driver ? INIT_DRIVER_QUOTA : INIT_QUOTA_BITS,
        .caps = caps, .num_caps = ncaps, .procinfo_flags = LAKE_PROCINFO_INIT_SERVICES,
        /* Drivers keep pools of slots in their first CNode (the console's
         * for its clients' caps); programs need a few for memory grants. */
        .cnode_radix = driver ? LAKE_SPAWN_MAX_CNODE_RADIX : 0,
    };
    size_t bytes = lake_spawn_size(&a);
    unsigned bits = 12;
    while (bytes > (1ul << bits))
        bits++;
    lake_cptr_t untyped;
    error = bytes ? mem_block(bits, &pr->block, &untyped) : LAKE_INVALID_ARGUMENT;
    if (error == LAKE_OK) {
        a.untyped = untyped;
        error = lake_spawn(&a, &pr->p);
        if (error) {
            printf("init: cannot start %s: %s (%s)\n", path, lake_error_name(error),
                   lake_spawn_error_reason());
            mem_free_block(pr->block);
        }
    }
    free(image);
    if (error) {
        close_descriptors(pr);
        vfs_cwd_release(&pr->cwd);
        pr->state = 0;
        return error == LAKE_INVALID_ARGUMENT ? LAKE_STATUS_ERRNO(ENOEXEC)
             : error == LAKE_NOT_ENOUGH_MEMORY ? LAKE_STATUS_ERRNO(ENOMEM) : error;
    }
    pr->memory = 1ul << bits;
    pr->image = cached;
    if (cached)
        cached->users++;
    pr->state = LAKE_PROC_RUNNING;
    *pid = pr->pid;
    return 0;
}

/* ---- ending ------------------------------------------------------------------------ */

static void reply_wait(struct proc *waiter, struct proc *child)
{
    struct init_wait_out out = { .pid = child->pid, .status = child->status };
    waiter->waiting = false;
    init_wait_reply(&waiter->wait_reply, 0, &out);
    child->state = 0;       /* collected */
}

struct proc *proc_ended_child(struct proc *parent, int64_t pid)
{
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++) {
        struct proc *c = &init.procs[i];
        if (c->state == LAKE_PROC_ZOMBIE && c->ppid == parent->pid && (pid == -1 || c->pid == pid))
            return c;
    }
    return NULL;
}

bool proc_has_child(struct proc *parent, int64_t pid)
{
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++) {
        struct proc *c = &init.procs[i];
        if (c->state != 0 && c->ppid == parent->pid && (pid == -1 || c->pid == pid))
            return true;
    }
    return false;
}

static void cancel_parked(struct proc *pr)
{
    if (pr->reading) {
        pr->reading = false;
        lake_rpc_reply_deferred(&pr->read_reply, LAKE_STATUS_ERRNO(EINTR), NULL, 0, 0);
    }
    if (pr->writing) {
        pr->writing = false;
        free(pr->write_data);
        pr->write_data = NULL;
        lake_rpc_reply_deferred(&pr->write_reply, LAKE_STATUS_ERRNO(EINTR), NULL, 0, 0);
    }
    if (pr->waiting) {
        pr->waiting = false;
        lake_rpc_reply_deferred(&pr->wait_reply, LAKE_STATUS_ERRNO(EINTR), NULL, 0, 0);
    }
}

void proc_end(struct proc *pr, int64_t status)
{
    if (pr->state != LAKE_PROC_RUNNING)
        return;
    if (pr->pid == init.console_pid) {
        /* The driver is gone: a call to it would never be answered. Output
         * goes to the kernel console again. */
        init.console.ep = 0;            /* its slot goes with its name below */
        init.console_pid = 0;
    }
    ns_forget(pr->pid);
    if (init.console.ep && !init.console_attach_pending) {
        /* Its last partial line goes out (a prompt, echo -n). */
        struct cons_flush_in in = { .writer = (uint64_t)pr->pid };
        struct cons_flush_out out;
        cons_flush(&init.console, &in, &out);
    }
    /* Answer its parked requests while the reply caps still exist (a Send
     * on the empty slot of a destroyed caller would fault init). */
    cancel_parked(pr);
    if (pr->interrupt_cap) {
        mem_free_slots(pr->interrupt_cap, 1);
        pr->interrupt_cap = 0;
    }
    lake_process_destroy(&pr->p);
    mem_free_block(pr->block);
    if (pr->image) {
        pr->image->users--;
        pr->image = NULL;
    }
    /* Memory given on request: its cap was in the process's CNode and went
     * with it (and so did everything made from it). */
    for (unsigned i = 0; i < pr->nextra; i++)
        mem_free_block(pr->extra[i]);
    pr->nextra = 0;
    close_descriptors(pr);
    vfs_cwd_release(&pr->cwd);
    pr->status = status;
    pr->state = LAKE_PROC_ZOMBIE;
    pr->memory = 0;
    if (pr->pid == init.shell_pid) {
        init.shell_restart = true;          /* a console always has a shell */
        lake_signal(init.work_cap);
    }
    /* Its children are init's now; their ended ones go at once. */
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++) {
        struct proc *c = &init.procs[i];
        if (c->state != 0 && c->ppid == pr->pid) {
            c->ppid = 0;
            if (c->state == LAKE_PROC_ZOMBIE)
                c->state = 0;
        }
    }
    struct proc *parent = pr->ppid ? proc_find(pr->ppid) : NULL;
    if (parent == NULL || parent->state != LAKE_PROC_RUNNING) {
        pr->state = 0;
        return;
    }
    if (parent->waiting && (parent->wait_pid == -1 || parent->wait_pid == pr->pid))
        reply_wait(parent, pr);
    /* A pipe end closed above may let others go on. */
    proc_retry_parked();
}
