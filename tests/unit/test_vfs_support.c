/* Support for the VFS unit tests (see test_vfs_support.h). */
#include "test_vfs_support.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long vfs_alloc_budget = -1;

static bool alloc_allowed(void)
{
    if (vfs_alloc_budget < 0)
        return true;
    if (vfs_alloc_budget == 0)
        return false;
    vfs_alloc_budget--;
    return true;
}

void *vfs_test_malloc(size_t size)
{
    return alloc_allowed() ? malloc(size) : NULL;
}

void *vfs_test_calloc(size_t count, size_t size)
{
    return alloc_allowed() ? calloc(count, size) : NULL;
}

void *vfs_test_realloc(void *ptr, size_t size)
{
    return alloc_allowed() ? realloc(ptr, size) : NULL;
}

static void put(struct cpio_builder *b, const void *bytes, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->data = realloc(b->data, b->cap);
        if (!b->data)
            abort();
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static void pad4(struct cpio_builder *b)
{
    static const uint8_t zeros[4];
    put(b, zeros, (4 - b->len % 4) % 4);
}

void cpio_add_header(struct cpio_builder *b, const struct cpio_header *h,
                     const char *name, const void *data, size_t size)
{
    char header[111];
    snprintf(header, sizeof(header),
             "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
             h->magic ? h->magic : "070701", 1u, h->mode, 0u, 0u, 1u, h->mtime,
             h->filesize, 0u, 0u, 0u, 0u,
             h->namesize ? h->namesize : (uint32_t)strlen(name) + 1, h->check);
    put(b, header, 110);
    put(b, name, strlen(name) + 1);
    pad4(b);
    put(b, data, size);
    pad4(b);
}

void cpio_add(struct cpio_builder *b, const char *name, uint32_t mode,
              const void *data, size_t size)
{
    struct cpio_header h = { .mode = mode, .filesize = (uint32_t)size, .mtime = 1000 };
    cpio_add_header(b, &h, name, data, size);
}

void cpio_trailer(struct cpio_builder *b)
{
    cpio_add(b, "TRAILER!!!", 0, "", 0);
}

void cpio_free(struct cpio_builder *b)
{
    free(b->data);
    *b = (struct cpio_builder){ 0 };
}

struct vfs_time fixture_clock(void *arg)
{
    struct vfs_fixture *fx = arg;
    return (struct vfs_time){ fx->clock, 0 };
}

static ssize_t console_write(void *arg, const void *buf, size_t n)
{
    struct vfs_fixture *fx = arg;
    size_t room = sizeof(fx->console_out) - 1 - fx->console_len;
    if (n > room)
        n = room;
    memcpy(fx->console_out + fx->console_len, buf, n);
    fx->console_len += n;
    return (ssize_t)n;
}

static ssize_t console_read(void *arg, void *buf, size_t n)
{
    struct vfs_fixture *fx = arg;
    if (!fx->console_in)
        return -EAGAIN;
    size_t len = strlen(fx->console_in);
    if (n > len)
        n = len;
    memcpy(buf, fx->console_in, n);
    fx->console_in += n;
    return (ssize_t)n;
}

static void must(int err, const char *what)
{
    if (err) {
        fprintf(stderr, "fixture: %s failed: %d\n", what, err);
        abort();
    }
}

void fixture_setup(struct vfs_fixture *fx)
{
    memset(fx, 0, sizeof(*fx));
    fx->clock = 100;
    struct ramfs_config config = { TEST_BUDGET, fixture_clock, fx };
    must(ramfs_create(&config, &fx->ram), "ramfs_create");
    vfs_init(&fx->v, ramfs_as_fs(fx->ram));
    vfs_cwd_root(&fx->v, &fx->cwd);
    must(vfs_mkdir(&fx->v, &fx->cwd, "/bin", 0755), "mkdir /bin");
    must(vfs_mkdir(&fx->v, &fx->cwd, "/dev", 0755), "mkdir /dev");
    must(vfs_mkdir(&fx->v, &fx->cwd, "/tmp", 0777), "mkdir /tmp");

    cpio_add(&fx->archive, ".", 040755, "", 0);
    cpio_add(&fx->archive, "ls", 0100755, "LS-BINARY", 9);
    cpio_add(&fx->archive, "cat", 0100755, "", 0);
    cpio_add(&fx->archive, "sbin/tool", 0100700, "TOOL", 4);
    cpio_add(&fx->archive, "share", 040755, "", 0);
    cpio_trailer(&fx->archive);
    struct cpiofs_error error;
    must(cpiofs_mount(fx->archive.data, fx->archive.len, &fx->cpio, &error), "cpiofs_mount");
    must(vfs_mount(&fx->v, "/bin", cpiofs_as_fs(fx->cpio)), "mount /bin");

    struct devfs_console console = { console_read, console_write, fx };
    devfs_init(&fx->dev, &console, (struct vfs_time){ fx->clock, 0 });
    must(vfs_mount(&fx->v, "/dev", devfs_as_fs(&fx->dev)), "mount /dev");
}

void fixture_teardown(struct vfs_fixture *fx)
{
    vfs_cwd_release(&fx->cwd);
    cpiofs_destroy(fx->cpio);
    ramfs_destroy(fx->ram);
    cpio_free(&fx->archive);
}
