/*
 * Support for the VFS unit tests (test_vfs_*.c): a builder of cpio "newc"
 * archives in memory, well-formed or deliberately broken, and a fixture
 * with the mount table the server will have (ramfs at /, the archive at
 * /bin, devfs at /dev) and a console that records what is written.
 */
#ifndef LAKE_TEST_VFS_SUPPORT_H
#define LAKE_TEST_VFS_SUPPORT_H

#include <stdint.h>
#include <stddef.h>

#include "cpiofs.h"
#include "devfs.h"
#include "ramfs.h"
#include "vfs.h"

struct cpio_builder {
    uint8_t *data;
    size_t len, cap;
};

/* Header fields a test may override to break a record. */
struct cpio_header {
    const char *magic;        /* default "070701" */
    uint32_t mode;
    uint32_t filesize;
    uint32_t namesize;        /* default strlen(name) + 1 */
    uint32_t check;
    uint32_t mtime;
};

void cpio_add(struct cpio_builder *b, const char *name, uint32_t mode,
              const void *data, size_t size);
void cpio_add_header(struct cpio_builder *b, const struct cpio_header *h,
                     const char *name, const void *data, size_t size);
void cpio_trailer(struct cpio_builder *b);
void cpio_free(struct cpio_builder *b);

#define TEST_BUDGET (1u << 20)

struct vfs_fixture {
    struct ramfs *ram;
    struct cpiofs *cpio;
    struct devfs dev;
    struct vfs v;
    struct vfs_node cwd;
    struct cpio_builder archive;
    int64_t clock;            /* seconds; tests may move it */
    char console_out[256];
    size_t console_len;
    const char *console_in;   /* NULL: reads would block */
};

/* /bin holds ls ("LS-BINARY"), cat (empty), sbin/tool (implied sbin),
 * and an explicit empty directory share. */
void fixture_setup(struct vfs_fixture *fx);
void fixture_teardown(struct vfs_fixture *fx);

struct vfs_time fixture_clock(void *arg);

/* Allocations the VFS core may still make before they fail (alloc.h);
 * -1, the default, for no limit. */
extern long vfs_alloc_budget;

#endif
