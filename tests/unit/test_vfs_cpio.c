/*
 * Host tests of the cpio file system (user/vfs/cpiofs.c) over archives
 * built in memory by test_vfs_support.c: contents, implied directories,
 * checksums, read-only errors, and malformed archives of every kind, each
 * parsed from an exactly sized heap copy so that AddressSanitizer catches
 * any read past the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_vfs_support.h"

#include "unit.h"

#define OPS cpiofs_ops
#define NAME(s) s, strlen(s)

struct mounted {
    uint8_t *copy;
    struct cpiofs *fs;
    struct cpiofs_error error;
    int err;
};

/* Mounts an exact-size copy of the first len bytes of b. */
static struct mounted mount_prefix(const struct cpio_builder *b, size_t len)
{
    struct mounted m = { .copy = malloc(len ? len : 1) };
    memcpy(m.copy, b->data, len);
    m.error.reason = NULL;
    m.err = cpiofs_mount(m.copy, len, &m.fs, &m.error);
    if (m.err)
        m.fs = NULL;
    return m;
}

static struct mounted mount_all(const struct cpio_builder *b)
{
    return mount_prefix(b, b->len);
}

static void unmount(struct mounted *m)
{
    cpiofs_destroy(m->fs);
    free(m->copy);
}

static uint64_t lookup_path(struct cpiofs *fs, const char *a, const char *b)
{
    uint64_t ino = OPS.root(fs);
    if (a && OPS.lookup(fs, ino, NAME(a), &ino))
        return 0;
    if (b && OPS.lookup(fs, ino, NAME(b), &ino))
        return 0;
    return ino;
}

/* A malformed archive is rejected with a reason and nothing mounted. */
static void expect_rejected(struct cpio_builder *b, const char *reason, size_t offset)
{
    struct mounted m = mount_all(b);
    CHECK_EQ(m.err, -EINVAL);
    CHECK(m.fs == NULL);
    CHECK_STR(m.error.reason, reason);
    CHECK_EQ(m.error.offset, offset);
    unmount(&m);
    cpio_free(b);
}

TEST(serves_files_and_directories)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, ".", 040755, "", 0);
    cpio_add(&b, "bin", 040755, "", 0);
    cpio_add(&b, "bin/ls", 0100755, "hello", 5);
    cpio_add(&b, "bin/sh", 0100755, "0123456789", 10);
    cpio_add(&b, "etc", 040700, "", 0);
    cpio_trailer(&b);
    struct mounted m = mount_all(&b);
    CHECK_EQ(m.err, 0);
    CHECK_EQ(cpiofs_node_count(m.fs), 5);
    uint64_t ls = lookup_path(m.fs, "bin", "ls");
    CHECK(ls != 0);
    struct vfs_stat st;
    CHECK_EQ(OPS.stat(m.fs, ls, &st), 0);
    CHECK_EQ(st.st_mode, 0100755);
    CHECK_EQ(st.st_size, 5);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_mtim.sec, 1000);
    char buf[16] = { 0 };
    CHECK_EQ(OPS.read(m.fs, ls, buf, sizeof(buf), 0), 5);
    CHECK_STR(buf, "hello");
    CHECK_EQ(OPS.read(m.fs, lookup_path(m.fs, "bin", "sh"), buf, 3, 8), 2);
    CHECK(memcmp(buf, "89", 2) == 0);
    CHECK_EQ(OPS.read(m.fs, ls, buf, 3, 5), 0);
    CHECK_EQ(OPS.read(m.fs, lookup_path(m.fs, "bin", NULL), buf, 3, 0), -EISDIR);
    CHECK_EQ(OPS.stat(m.fs, lookup_path(m.fs, "etc", NULL), &st), 0);
    CHECK_EQ(st.st_mode, 040700);
    CHECK_EQ(OPS.stat(m.fs, OPS.root(m.fs), &st), 0);
    CHECK_EQ(st.st_nlink, 4);           /* ., .., bin, etc */
    uint64_t ino;
    CHECK_EQ(OPS.lookup(m.fs, ls, NAME("x"), &ino), -ENOTDIR);
    CHECK_EQ(OPS.lookup(m.fs, OPS.root(m.fs), NAME("missing"), &ino), -ENOENT);
    struct vfs_dirent e;
    uint64_t bin = lookup_path(m.fs, "bin", NULL);
    CHECK_EQ(OPS.readdir(m.fs, bin, 0, &e), 1);
    CHECK_STR(e.d_name, "ls");
    CHECK_EQ(e.d_type, VFS_DT_REG);
    CHECK_EQ(OPS.readdir(m.fs, bin, 1, &e), 1);
    CHECK_STR(e.d_name, "sh");
    CHECK_EQ(OPS.readdir(m.fs, bin, 2, &e), 0);
    CHECK_EQ(OPS.parent(m.fs, bin, &ino), 0);
    CHECK_EQ(ino, OPS.root(m.fs));
    unmount(&m);
    cpio_free(&b);
}

TEST(implied_directories_and_dot_slash_names)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "./usr/lib/libc.a", 0100644, "AR", 2);
    cpio_add(&b, "usr//lib/./crt0.o", 0100644, "O", 1);
    cpio_add(&b, "usr", 040711, "", 0);         /* explicit after implied */
    cpio_trailer(&b);
    struct mounted m = mount_all(&b);
    CHECK_EQ(m.err, 0);
    uint64_t usr = lookup_path(m.fs, "usr", NULL), lib = lookup_path(m.fs, "usr", "lib");
    struct vfs_stat st;
    CHECK_EQ(OPS.stat(m.fs, usr, &st), 0);
    CHECK_EQ(st.st_mode, 040711);
    CHECK_EQ(st.st_nlink, 3);
    CHECK_EQ(OPS.stat(m.fs, lib, &st), 0);
    CHECK_EQ(st.st_mode, 040755);               /* implied */
    uint64_t ino;
    CHECK_EQ(OPS.lookup(m.fs, lib, NAME("crt0.o"), &ino), 0);
    CHECK_EQ(OPS.lookup(m.fs, lib, NAME("libc.a"), &ino), 0);
    CHECK_EQ(cpiofs_node_count(m.fs), 5);
    unmount(&m);
    cpio_free(&b);
}

TEST(checksummed_records)
{
    struct cpio_builder b = { 0 };
    struct cpio_header h = { .magic = "070702", .mode = 0100644, .filesize = 3,
                             .check = 'a' + 'b' + 'c' };
    cpio_add_header(&b, &h, "abc", "abc", 3);
    cpio_trailer(&b);
    struct mounted m = mount_all(&b);
    CHECK_EQ(m.err, 0);
    unmount(&m);
    cpio_free(&b);

    h.check++;
    cpio_add_header(&b, &h, "abc", "abc", 3);
    cpio_trailer(&b);
    expect_rejected(&b, "data checksum mismatch", 0);
}

TEST(other_record_types_are_skipped)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "link", 0120777, "target", 6);
    cpio_add(&b, "tty", 020620, "", 0);
    cpio_add(&b, "file", 0100644, "", 0);
    cpio_trailer(&b);
    struct mounted m = mount_all(&b);
    CHECK_EQ(m.err, 0);
    CHECK_EQ(cpiofs_skipped_count(m.fs), 2);
    CHECK_EQ(lookup_path(m.fs, "link", NULL), 0);
    CHECK(lookup_path(m.fs, "file", NULL) != 0);
    unmount(&m);
    cpio_free(&b);
}

TEST(changes_give_erofs)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "f", 0100644, "x", 1);
    cpio_add(&b, "d", 040755, "", 0);
    cpio_trailer(&b);
    struct mounted m = mount_all(&b);
    CHECK_EQ(m.err, 0);
    uint64_t r = OPS.root(m.fs), f = lookup_path(m.fs, "f", NULL), ino;
    CHECK_EQ(OPS.write(m.fs, f, "y", 1, 0), -EROFS);
    CHECK_EQ(OPS.truncate(m.fs, f, 0), -EROFS);
    CHECK_EQ(OPS.create(m.fs, r, NAME("new"), VFS_S_IFREG | 0644, &ino), -EROFS);
    CHECK_EQ(OPS.create(m.fs, r, NAME("f"), VFS_S_IFREG | 0644, &ino), -EEXIST);
    CHECK_EQ(OPS.remove(m.fs, r, NAME("f"), false), -EROFS);
    CHECK_EQ(OPS.remove(m.fs, r, NAME("d"), true), -EROFS);
    CHECK_EQ(OPS.remove(m.fs, r, NAME("nope"), false), -ENOENT);
    CHECK_EQ(OPS.rename(m.fs, r, NAME("f"), r, NAME("g")), -EROFS);
    char c;
    CHECK_EQ(OPS.read(m.fs, f, &c, 1, 0), 1);
    CHECK_EQ(c, 'x');
    unmount(&m);
    cpio_free(&b);
}

TEST(empty_archive_with_only_a_trailer)
{
    struct cpio_builder b = { 0 };
    cpio_trailer(&b);
    struct mounted m = mount_all(&b);
    CHECK_EQ(m.err, 0);
    CHECK_EQ(cpiofs_node_count(m.fs), 1);
    struct vfs_dirent e;
    CHECK_EQ(OPS.readdir(m.fs, OPS.root(m.fs), 0, &e), 0);
    unmount(&m);
    cpio_free(&b);
}

TEST(rejects_truncated_header)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "f", 0100644, "x", 1);
    cpio_trailer(&b);
    size_t first = 112 + 4;     /* 110 + "f\0" padded to 112, data padded to 4 */
    struct mounted m = mount_prefix(&b, first + 50);
    CHECK_EQ(m.err, -EINVAL);
    CHECK_STR(m.error.reason, "truncated header");
    CHECK_EQ(m.error.offset, first);
    unmount(&m);
    m = mount_prefix(&b, 0);
    CHECK_EQ(m.err, -EINVAL);
    CHECK_STR(m.error.reason, "truncated header");
    unmount(&m);
    cpio_free(&b);
}

TEST(rejects_missing_trailer)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "f", 0100644, "x", 1);
    expect_rejected(&b, "truncated header", 116);
}

TEST(rejects_bad_magic)
{
    struct cpio_builder b = { 0 };
    struct cpio_header h = { .magic = "070707", .mode = 0100644 };
    cpio_add_header(&b, &h, "f", "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "bad magic (not a newc archive)", 0);
}

TEST(rejects_bad_hex_field)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "ok", 0100644, "", 0);
    cpio_add(&b, "f", 0100644, "", 0);
    cpio_trailer(&b);
    b.data[116 + 6 + 8 * 6 + 3] = 'g';      /* filesize of the second record */
    expect_rejected(&b, "bad hex digit in header", 116);     /* 110 + "ok\0", padded */
}

TEST(rejects_bad_name_sizes)
{
    struct cpio_builder b = { 0 };
    struct cpio_header h = { .mode = 0100644, .namesize = 1 };
    cpio_add_header(&b, &h, "", "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "empty name", 0);

    h.namesize = 0x7fffffff;
    cpio_add_header(&b, &h, "f", "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "name too long", 0);

    h.namesize = 1000;          /* plausible but past the end */
    cpio_add_header(&b, &h, "f", "", 0);
    expect_rejected(&b, "name past the end of the archive", 0);

    h.namesize = 2;             /* "ab" with namesize 2: no NUL at [1] */
    cpio_add_header(&b, &h, "ab", "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "name not terminated by its only NUL", 0);
}

TEST(rejects_data_past_the_end)
{
    struct cpio_builder b = { 0 };
    struct cpio_header h = { .mode = 0100644, .filesize = 100 };
    cpio_add_header(&b, &h, "f", "short", 5);
    expect_rejected(&b, "file data past the end of the archive", 0);

    h.filesize = 0xffffffff;
    cpio_add_header(&b, &h, "f", "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "file data past the end of the archive", 0);

    /* Data that fits but whose padding is cut off. */
    cpio_add(&b, "f", 0100644, "abcde", 5);
    struct mounted m = mount_prefix(&b, 112 + 5);
    CHECK_EQ(m.err, -EINVAL);
    CHECK_STR(m.error.reason, "data padding past the end of the archive");
    unmount(&m);
    cpio_free(&b);
}

TEST(rejects_bad_names)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "a/../etc", 0100644, "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "\"..\" in a name", 0);

    cpio_add(&b, "f", 0100644, "", 0);
    cpio_add(&b, "f", 0100644, "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "a name appears twice", 112);

    cpio_add(&b, "d", 040755, "", 0);
    cpio_add(&b, "d", 040755, "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "a name appears twice", 112);

    cpio_add(&b, "f", 0100644, "", 0);
    cpio_add(&b, "f/g", 0100644, "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "a file is used as a directory", 112);

    cpio_add(&b, "./", 0100644, "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "the root is not a directory", 0);

    static char name[VFS_NAME_MAX + 8];
    memset(name, 'n', VFS_NAME_MAX + 1);
    cpio_add(&b, name, 0100644, "", 0);
    cpio_trailer(&b);
    expect_rejected(&b, "name component too long", 0);

    name[VFS_NAME_MAX] = '\0';
    cpio_add(&b, name, 0100644, "", 0);
    cpio_trailer(&b);
    struct mounted m = mount_all(&b);
    CHECK_EQ(m.err, 0);
    unmount(&m);
    cpio_free(&b);
}

/* Every prefix of a good archive is rejected, and none is read past its end. */
TEST(every_truncation_is_rejected)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "bin/ls", 0100755, "0123456789abc", 13);
    cpio_add(&b, "etc", 040755, "", 0);
    cpio_trailer(&b);
    for (size_t len = 0; len < b.len; len++) {
        struct mounted m = mount_prefix(&b, len);
        CHECK_EQ(m.err, -EINVAL);
        CHECK(m.error.reason != NULL);
        unmount(&m);
    }
    cpio_free(&b);
}

/* Random corruption is either rejected or served safely. */
TEST(corrupted_bytes_never_crash)
{
    struct cpio_builder b = { 0 };
    cpio_add(&b, "bin/ls", 0100755, "0123456789abc", 13);
    cpio_add(&b, "etc/x", 0100644, "x", 1);
    cpio_trailer(&b);
    uint64_t state = 12345;
    for (int round = 0; round < 3000; round++) {
        struct mounted m = { .copy = malloc(b.len) };
        memcpy(m.copy, b.data, b.len);
        for (int k = 0; k < 3; k++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            const char alphabet[] = "0123456789abcdefXx/.\0";
            m.copy[(state >> 33) % b.len] = (uint8_t)alphabet[(state >> 20) % (sizeof(alphabet) - 1)];
        }
        m.err = cpiofs_mount(m.copy, b.len, &m.fs, &m.error);
        if (m.err == 0) {
            char buf[32];
            uint64_t ls = lookup_path(m.fs, "bin", "ls");
            if (ls)
                OPS.read(m.fs, ls, buf, sizeof(buf), 0);
            struct vfs_dirent e;
            for (uint64_t i = 0; OPS.readdir(m.fs, OPS.root(m.fs), i, &e) == 1; i++)
                CHECK(strlen(e.d_name) > 0);
        } else {
            CHECK_EQ(m.err, -EINVAL);
            m.fs = NULL;
        }
        unmount(&m);
    }
    cpio_free(&b);
}
