/*
 * Host tests of the VFS layer (user/vfs/vfs.c) over the fixture's mount
 * table (ramfs at /, cpiofs at /bin, devfs at /dev): open and its flags,
 * read, write, lseek, close and shared descriptions, stat/fstat, unlink,
 * mkdir, rmdir, rename, readdir, devices and pipe descriptions, with the
 * errno value of every failure.
 */
#include <errno.h>
#include <string.h>

#include "test_vfs_support.h"

#include "unit.h"

#define SETUP() struct vfs_fixture fx; fixture_setup(&fx); struct vfs *v = &fx.v; \
    const struct vfs_node *cwd = &fx.cwd

static int open_at(struct vfs_fixture *fx, const char *path, int flags, struct vfs_file **f)
{
    return vfs_open(&fx->v, &fx->cwd, path, flags, 0644, f);
}

/* Creates path with the given contents. */
static void put_file(struct vfs_fixture *fx, const char *path, const char *text)
{
    struct vfs_file *f;
    CHECK_EQ(open_at(fx, path, O_CREAT | O_WRONLY | O_TRUNC, &f), 0);
    CHECK_EQ(vfs_write(f, text, strlen(text)), strlen(text));
    vfs_close(f);
}

/* The whole contents of path, NUL-terminated, in a static buffer. */
static const char *get_file(struct vfs_fixture *fx, const char *path)
{
    static char buf[512];
    struct vfs_file *f;
    if (open_at(fx, path, O_RDONLY, &f))
        return "(cannot open)";
    ssize_t n = vfs_read(f, buf, sizeof(buf) - 1);
    vfs_close(f);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}

static int open_err(struct vfs_fixture *fx, const char *path, int flags)
{
    struct vfs_file *f;
    int err = open_at(fx, path, flags, &f);
    if (err == 0)
        vfs_close(f);
    return err;
}

TEST(open_create_write_read)
{
    SETUP();
    struct vfs_file *f;
    CHECK_EQ(open_at(&fx, "/tmp/new", O_RDONLY, &f), -ENOENT);
    CHECK_EQ(open_at(&fx, "/tmp/new", O_CREAT | O_RDWR, &f), 0);
    CHECK_EQ(vfs_write(f, "hello", 5), 5);
    CHECK_EQ(vfs_lseek(f, 0, SEEK_SET), 0);
    char buf[8] = { 0 };
    CHECK_EQ(vfs_read(f, buf, sizeof(buf)), 5);
    CHECK_STR(buf, "hello");
    CHECK_EQ(vfs_read(f, buf, sizeof(buf)), 0);
    vfs_close(f);
    CHECK_STR(get_file(&fx, "/tmp/new"), "hello");
    struct vfs_stat st;
    CHECK_EQ(vfs_stat(v, cwd, "/tmp/new", &st), 0);
    CHECK_EQ(st.st_mode, VFS_S_IFREG | 0644);
    CHECK_EQ(st.st_size, 5);
    fixture_teardown(&fx);
}

TEST(open_flag_errors)
{
    SETUP();
    (void)v, (void)cwd;
    put_file(&fx, "/tmp/f", "x");
    CHECK_EQ(open_err(&fx, "/tmp/f", O_CREAT | O_EXCL | O_WRONLY), -EEXIST);
    CHECK_EQ(open_err(&fx, "/", O_CREAT | O_EXCL | O_RDONLY), -EEXIST);
    CHECK_EQ(open_err(&fx, "/bin/ls", O_CREAT | O_EXCL | O_RDONLY), -EEXIST);
    CHECK_EQ(open_err(&fx, "/tmp", O_WRONLY), -EISDIR);
    CHECK_EQ(open_err(&fx, "/tmp", O_RDWR), -EISDIR);
    CHECK_EQ(open_err(&fx, "/tmp", O_CREAT | O_RDONLY), -EISDIR);
    CHECK_EQ(open_err(&fx, "/tmp", O_RDONLY), 0);
    CHECK_EQ(open_err(&fx, "/tmp", O_RDONLY | O_DIRECTORY), 0);
    CHECK_EQ(open_err(&fx, "/tmp/f", O_RDONLY | O_DIRECTORY), -ENOTDIR);
    CHECK_EQ(open_err(&fx, "/tmp/g", O_CREAT | O_DIRECTORY | O_RDONLY), -EINVAL);
    CHECK_EQ(open_err(&fx, "/tmp/f", O_ACCMODE), -EINVAL);
    CHECK_EQ(open_err(&fx, "/tmp/f/", O_RDONLY), -ENOTDIR);
    CHECK_EQ(open_err(&fx, "/tmp/f/", O_CREAT | O_RDONLY), -EISDIR);
    CHECK_EQ(open_err(&fx, "/tmp/", O_CREAT | O_RDONLY), -EISDIR);
    CHECK_EQ(open_err(&fx, "/tmp/g/", O_CREAT | O_WRONLY), -EISDIR);
    CHECK_EQ(open_err(&fx, "/tmp/f/g", O_CREAT | O_WRONLY), -ENOTDIR);
    CHECK_EQ(open_err(&fx, "/tmp/no/g", O_CREAT | O_WRONLY), -ENOENT);
    CHECK_EQ(open_err(&fx, "", O_RDONLY), -ENOENT);
    fixture_teardown(&fx);
}

TEST(open_on_read_only_mount)
{
    SETUP();
    (void)v, (void)cwd;
    CHECK_STR(get_file(&fx, "/bin/ls"), "LS-BINARY");
    CHECK_EQ(open_err(&fx, "/bin/ls", O_WRONLY), -EROFS);
    CHECK_EQ(open_err(&fx, "/bin/ls", O_RDWR | O_TRUNC), -EROFS);
    CHECK_EQ(open_err(&fx, "/bin/new", O_CREAT | O_WRONLY), -EROFS);
    CHECK_EQ(open_err(&fx, "/bin/ls", O_CREAT | O_RDONLY), 0);
    CHECK_EQ(open_err(&fx, "/bin/ls", O_RDONLY | O_TRUNC), 0);   /* read-only: no truncation */
    CHECK_STR(get_file(&fx, "/bin/ls"), "LS-BINARY");
    CHECK_STR(get_file(&fx, "/bin/sbin/tool"), "TOOL");
    fixture_teardown(&fx);
}

TEST(trunc_and_append)
{
    SETUP();
    (void)v, (void)cwd;
    put_file(&fx, "/tmp/f", "0123456789");
    struct vfs_file *f;
    CHECK_EQ(open_at(&fx, "/tmp/f", O_RDONLY | O_TRUNC, &f), 0);
    vfs_close(f);
    CHECK_STR(get_file(&fx, "/tmp/f"), "0123456789");
    CHECK_EQ(open_at(&fx, "/tmp/f", O_WRONLY | O_TRUNC, &f), 0);
    CHECK_EQ(vfs_write(f, "ab", 2), 2);
    vfs_close(f);
    CHECK_STR(get_file(&fx, "/tmp/f"), "ab");
    /* Two appending descriptions never overwrite each other. */
    struct vfs_file *a, *b;
    CHECK_EQ(open_at(&fx, "/tmp/f", O_WRONLY | O_APPEND, &a), 0);
    CHECK_EQ(open_at(&fx, "/tmp/f", O_WRONLY | O_APPEND, &b), 0);
    CHECK_EQ(vfs_write(a, "1", 1), 1);
    CHECK_EQ(vfs_write(b, "22", 2), 2);
    CHECK_EQ(vfs_lseek(a, 0, SEEK_SET), 0);
    CHECK_EQ(vfs_write(a, "3", 1), 1);
    CHECK_EQ(vfs_lseek(a, 0, SEEK_CUR), 6);
    CHECK(vfs_file_flags(a) & O_APPEND);
    vfs_close(a);
    vfs_close(b);
    CHECK_STR(get_file(&fx, "/tmp/f"), "ab1223");
    fixture_teardown(&fx);
}

TEST(read_write_access_errors)
{
    SETUP();
    (void)v, (void)cwd;
    put_file(&fx, "/tmp/f", "x");
    struct vfs_file *r, *w, *d;
    char c;
    CHECK_EQ(open_at(&fx, "/tmp/f", O_RDONLY, &r), 0);
    CHECK_EQ(open_at(&fx, "/tmp/f", O_WRONLY, &w), 0);
    CHECK_EQ(open_at(&fx, "/tmp", O_RDONLY, &d), 0);
    CHECK_EQ(vfs_write(r, "y", 1), -EBADF);
    CHECK_EQ(vfs_read(w, &c, 1), -EBADF);
    CHECK_EQ(vfs_read(d, &c, 1), -EISDIR);
    CHECK_EQ(vfs_write(d, "y", 1), -EBADF);
    struct vfs_dirent e;
    CHECK_EQ(vfs_readdir(r, &e), -ENOTDIR);
    vfs_close(r);
    vfs_close(w);
    vfs_close(d);
    fixture_teardown(&fx);
}

TEST(lseek_rules)
{
    SETUP();
    (void)v, (void)cwd;
    put_file(&fx, "/tmp/f", "0123456789");
    struct vfs_file *f;
    CHECK_EQ(open_at(&fx, "/tmp/f", O_RDWR, &f), 0);
    CHECK_EQ(vfs_lseek(f, 4, SEEK_SET), 4);
    CHECK_EQ(vfs_lseek(f, 2, SEEK_CUR), 6);
    CHECK_EQ(vfs_lseek(f, -3, SEEK_CUR), 3);
    CHECK_EQ(vfs_lseek(f, -1, SEEK_END), 9);
    CHECK_EQ(vfs_lseek(f, -11, SEEK_END), -EINVAL);
    CHECK_EQ(vfs_lseek(f, -1, SEEK_SET), -EINVAL);
    CHECK_EQ(vfs_lseek(f, 0, 42), -EINVAL);
    CHECK_EQ(vfs_lseek(f, 0, SEEK_CUR), 9);      /* failures left it alone */
    CHECK_EQ(vfs_lseek(f, INT64_MAX, SEEK_CUR), -EOVERFLOW);
    /* Past the end: a write leaves a hole of zeros. */
    CHECK_EQ(vfs_lseek(f, 5, SEEK_END), 15);
    CHECK_EQ(vfs_write(f, "!", 1), 1);
    char buf[16];
    CHECK_EQ(vfs_lseek(f, 8, SEEK_SET), 8);
    CHECK_EQ(vfs_read(f, buf, sizeof(buf)), 8);
    CHECK(memcmp(buf, "89\0\0\0\0\0!", 8) == 0);
    vfs_close(f);
    fixture_teardown(&fx);
}

TEST(ftruncate_rules)
{
    SETUP();
    (void)v, (void)cwd;
    put_file(&fx, "/tmp/f", "0123456789");
    struct vfs_file *w, *r, *d, *null;
    CHECK_EQ(open_at(&fx, "/tmp/f", O_RDWR, &w), 0);
    CHECK_EQ(open_at(&fx, "/tmp/f", O_RDONLY, &r), 0);
    CHECK_EQ(open_at(&fx, "/tmp", O_RDONLY, &d), 0);
    CHECK_EQ(open_at(&fx, "/dev/null", O_WRONLY, &null), 0);
    CHECK_EQ(vfs_lseek(w, 8, SEEK_SET), 8);
    CHECK_EQ(vfs_ftruncate(w, 4), 0);
    CHECK_EQ(vfs_lseek(w, 0, SEEK_CUR), 8);     /* the offset stays */
    CHECK_STR(get_file(&fx, "/tmp/f"), "0123");
    CHECK_EQ(vfs_ftruncate(w, 6), 0);
    char buf[8];
    CHECK_EQ(vfs_read(r, buf, sizeof(buf)), 6);
    CHECK(memcmp(buf, "0123\0\0", 6) == 0);
    CHECK_EQ(vfs_ftruncate(r, 0), -EINVAL);
    CHECK_EQ(vfs_ftruncate(d, 0), -EINVAL);
    CHECK_EQ(vfs_ftruncate(null, 0), -EINVAL);
    CHECK_EQ(vfs_ftruncate(w, RAMFS_MAX_FILE_SIZE + 1), -EFBIG);
    vfs_close(w);
    vfs_close(r);
    vfs_close(d);
    vfs_close(null);
    fixture_teardown(&fx);
}

TEST(shared_descriptions_and_unlinked_open_files)
{
    SETUP();
    put_file(&fx, "/tmp/f", "abcdef");
    size_t inodes = ramfs_inode_count(fx.ram);
    struct vfs_file *f, *dup;
    CHECK_EQ(open_at(&fx, "/tmp/f", O_RDONLY, &f), 0);
    dup = vfs_file_ref(f);
    CHECK(dup == f);
    char buf[4] = { 0 };
    CHECK_EQ(vfs_read(f, buf, 2), 2);
    CHECK_EQ(vfs_read(dup, buf, 2), 2);
    CHECK(memcmp(buf, "cd", 2) == 0);           /* one shared offset */
    CHECK_EQ(vfs_unlink(v, cwd, "/tmp/f"), 0);
    CHECK_EQ(open_err(&fx, "/tmp/f", O_RDONLY), -ENOENT);
    vfs_close(dup);
    CHECK_EQ(vfs_read(f, buf, 2), 2);
    CHECK(memcmp(buf, "ef", 2) == 0);
    struct vfs_stat st;
    CHECK_EQ(vfs_fstat(f, &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(ramfs_inode_count(fx.ram), inodes);
    vfs_close(f);
    CHECK_EQ(ramfs_inode_count(fx.ram), inodes - 1);
    fixture_teardown(&fx);
}

TEST(stat_and_fstat)
{
    SETUP();
    fx.clock = 500;
    put_file(&fx, "/tmp/f", "abc");
    struct vfs_stat st, fst, dev, bin;
    CHECK_EQ(vfs_stat(v, cwd, "/tmp/f", &st), 0);
    CHECK_EQ(st.st_mode & VFS_S_IFMT, VFS_S_IFREG);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_mtim.sec, 500);
    struct vfs_file *f;
    CHECK_EQ(open_at(&fx, "/tmp/f", O_RDONLY, &f), 0);
    CHECK_EQ(vfs_fstat(f, &fst), 0);
    CHECK_EQ(fst.st_ino, st.st_ino);
    CHECK_EQ(fst.st_dev, st.st_dev);
    vfs_close(f);
    CHECK_EQ(vfs_stat(v, cwd, "/tmp", &st), 0);
    CHECK_EQ(st.st_mode, VFS_S_IFDIR | 0777);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(vfs_stat(v, cwd, "/dev/console", &dev), 0);
    CHECK_EQ(dev.st_mode & VFS_S_IFMT, VFS_S_IFCHR);
    CHECK_EQ(vfs_stat(v, cwd, "/bin", &bin), 0);
    CHECK_EQ(bin.st_mode & VFS_S_IFMT, VFS_S_IFDIR);
    CHECK(bin.st_dev != st.st_dev && bin.st_dev != dev.st_dev && dev.st_dev != st.st_dev);
    CHECK_EQ(vfs_stat(v, cwd, "/tmp/none", &st), -ENOENT);
    CHECK_EQ(vfs_stat(v, cwd, "/", &st), 0);
    CHECK_EQ(st.st_nlink, 5);                   /* ., .., bin, dev, tmp */
    fixture_teardown(&fx);
}

TEST(unlink_errors)
{
    SETUP();
    put_file(&fx, "/tmp/f", "x");
    CHECK_EQ(vfs_unlink(v, cwd, "/tmp/f/"), -ENOTDIR);
    CHECK_EQ(vfs_unlink(v, cwd, "/tmp/f"), 0);
    CHECK_EQ(vfs_unlink(v, cwd, "/tmp/f"), -ENOENT);
    CHECK_EQ(vfs_unlink(v, cwd, "/tmp"), -EISDIR);
    CHECK_EQ(vfs_unlink(v, cwd, "/tmp/."), -EISDIR);
    CHECK_EQ(vfs_unlink(v, cwd, "/"), -EISDIR);
    CHECK_EQ(vfs_unlink(v, cwd, "/bin"), -EISDIR);
    CHECK_EQ(vfs_unlink(v, cwd, "/bin/ls"), -EROFS);
    CHECK_EQ(vfs_unlink(v, cwd, "/bin/none"), -ENOENT);
    CHECK_EQ(vfs_unlink(v, cwd, "/dev/null"), -EROFS);
    CHECK_EQ(vfs_unlink(v, cwd, "/none/x"), -ENOENT);
    fixture_teardown(&fx);
}

TEST(mkdir_errors)
{
    SETUP();
    put_file(&fx, "/tmp/f", "x");
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/d/", 0755), 0);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/d", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/f", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(v, cwd, "/", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/d/.", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/d/..", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/none/d", 0755), -ENOENT);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/f/d", 0755), -ENOTDIR);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/f/.", 0755), -ENOTDIR);
    CHECK_EQ(vfs_mkdir(v, cwd, "/bin/x", 0755), -EROFS);
    CHECK_EQ(vfs_mkdir(v, cwd, "/bin/sbin", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(v, cwd, "/bin", 0755), -EEXIST);
    CHECK_EQ(vfs_mkdir(v, cwd, "/dev/x", 0755), -EROFS);
    struct vfs_stat st;
    CHECK_EQ(vfs_stat(v, cwd, "/tmp/d", &st), 0);
    CHECK_EQ(st.st_mode, VFS_S_IFDIR | 0755);
    fixture_teardown(&fx);
}

TEST(rmdir_errors)
{
    SETUP();
    put_file(&fx, "/tmp/f", "x");
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/d", 0755), 0);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/d/e", 0755), 0);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/d"), -ENOTEMPTY);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/f"), -ENOTDIR);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/f/"), -ENOTDIR);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/none"), -ENOENT);
    CHECK_EQ(vfs_rmdir(v, cwd, "/"), -EBUSY);
    CHECK_EQ(vfs_rmdir(v, cwd, "/bin"), -EBUSY);
    CHECK_EQ(vfs_rmdir(v, cwd, "/dev/"), -EBUSY);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/d/e/."), -EINVAL);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/d/e/.."), -ENOTEMPTY);
    CHECK_EQ(vfs_rmdir(v, cwd, "/bin/share"), -EROFS);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/d/e/"), 0);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/d"), 0);
    struct vfs_stat st;
    CHECK_EQ(vfs_stat(v, cwd, "/tmp/d", &st), -ENOENT);
    CHECK_EQ(vfs_stat(v, cwd, "/tmp", &st), 0);
    CHECK_EQ(st.st_nlink, 2);
    fixture_teardown(&fx);
}

TEST(rename_rules)
{
    SETUP();
    put_file(&fx, "/tmp/f", "F");
    put_file(&fx, "/tmp/g", "G");
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/a", 0755), 0);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/a/b", 0755), 0);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/empty", 0755), 0);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/full", 0755), 0);
    put_file(&fx, "/tmp/full/x", "X");
    /* Replacing a file. */
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/f", "/tmp/g"), 0);
    CHECK_STR(get_file(&fx, "/tmp/g"), "F");
    CHECK_EQ(open_err(&fx, "/tmp/f", O_RDONLY), -ENOENT);
    /* Replacing an empty directory, not a full one. */
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a/b", "/tmp/empty"), 0);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/empty", "/tmp/full"), -ENOTEMPTY);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/g", "/tmp/empty"), -EISDIR);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/empty", "/tmp/g"), -ENOTDIR);
    /* Into itself. */
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a", "/tmp/a/inside"), -EINVAL);
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/a/c", 0755), 0);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a", "/tmp/a/c/d"), -EINVAL);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a/.", "/tmp/z"), -EINVAL);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a", "/tmp/a/c/.."), -EINVAL);
    put_file(&fx, "/tmp/a/c/keep", "K");
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a", "/tmp/a/c"), -EINVAL);    /* before ENOTEMPTY */
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a/c", "/tmp/a"), -ENOTEMPTY); /* onto an ancestor */
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a/c/keep", "/tmp/a"), -ENOTEMPTY);  /* not EISDIR */
    CHECK_EQ(vfs_unlink(v, cwd, "/tmp/a/c/keep"), 0);
    /* Across mounts and over mount points. */
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/g", "/bin/g"), -EXDEV);
    CHECK_EQ(vfs_rename(v, cwd, "/bin/ls", "/tmp/ls"), -EXDEV);
    CHECK_EQ(vfs_rename(v, cwd, "/bin", "/bin2"), -EBUSY);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/empty", "/dev"), -EBUSY);
    CHECK_EQ(vfs_rename(v, cwd, "/", "/tmp/x"), -EBUSY);
    CHECK_EQ(vfs_rename(v, cwd, "/bin/ls", "/bin/ls2"), -EROFS);
    /* Missing names, trailing slashes, the same file. */
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/none", "/tmp/x"), -ENOENT);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/g", "/tmp/none/x"), -ENOENT);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/g/", "/tmp/x"), -ENOTDIR);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/g", "/tmp/x/"), -ENOTDIR);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/a/", "/tmp/a2/"), 0);
    CHECK_EQ(vfs_rename(v, cwd, "/tmp/g", "/tmp/./g"), 0);
    CHECK_STR(get_file(&fx, "/tmp/g"), "F");
    struct vfs_stat st;
    CHECK_EQ(vfs_stat(v, cwd, "/tmp/a2/c", &st), 0);
    fixture_teardown(&fx);
}

/* Reads every entry name of a directory, joined by spaces. */
static const char *list_dir(struct vfs_fixture *fx, const char *path)
{
    static char out[256];
    out[0] = '\0';
    struct vfs_file *d;
    if (open_at(fx, path, O_RDONLY | O_DIRECTORY, &d))
        return "(cannot open)";
    struct vfs_dirent e;
    while (vfs_readdir(d, &e) == 1) {
        if (out[0])
            strcat(out, " ");
        strcat(out, e.d_name);
    }
    vfs_close(d);
    return out;
}

TEST(readdir_with_dot_entries)
{
    SETUP();
    put_file(&fx, "/tmp/f", "x");
    CHECK_EQ(vfs_mkdir(v, cwd, "/tmp/d", 0755), 0);
    CHECK_STR(list_dir(&fx, "/tmp"), ". .. f d");
    CHECK_STR(list_dir(&fx, "/"), ". .. bin dev tmp");
    CHECK_STR(list_dir(&fx, "/bin"), ". .. ls cat sbin share");
    CHECK_STR(list_dir(&fx, "/dev"), ". .. null zero console");
    struct vfs_file *d;
    struct vfs_dirent e;
    struct vfs_stat root, bin;
    CHECK_EQ(vfs_stat(v, cwd, "/", &root), 0);
    CHECK_EQ(vfs_stat(v, cwd, "/bin", &bin), 0);
    CHECK_EQ(open_at(&fx, "/bin", O_RDONLY, &d), 0);
    CHECK_EQ(vfs_readdir(d, &e), 1);
    CHECK_EQ(e.d_ino, bin.st_ino);
    CHECK_EQ(vfs_readdir(d, &e), 1);
    CHECK_STR(e.d_name, "..");
    CHECK_EQ(e.d_ino, root.st_ino);             /* across the mount */
    CHECK_EQ(vfs_readdir(d, &e), 1);
    CHECK_STR(e.d_name, "ls");
    CHECK_EQ(e.d_type, VFS_DT_REG);
    CHECK_EQ(vfs_lseek(d, 0, SEEK_SET), 0);     /* rewind */
    CHECK_EQ(vfs_readdir(d, &e), 1);
    CHECK_STR(e.d_name, ".");
    vfs_close(d);
    /* A removed directory lists nothing. */
    CHECK_EQ(open_at(&fx, "/tmp/d", O_RDONLY, &d), 0);
    CHECK_EQ(vfs_rmdir(v, cwd, "/tmp/d"), 0);
    CHECK_EQ(vfs_readdir(d, &e), 0);
    vfs_close(d);
    fixture_teardown(&fx);
}

TEST(null_zero_and_console)
{
    SETUP();
    (void)v, (void)cwd;
    struct vfs_file *f;
    char buf[8];
    CHECK_EQ(open_at(&fx, "/dev/null", O_RDWR | O_TRUNC, &f), 0);
    CHECK_EQ(vfs_read(f, buf, sizeof(buf)), 0);
    CHECK_EQ(vfs_write(f, "gone", 4), 4);
    vfs_close(f);
    CHECK_EQ(open_at(&fx, "/dev/zero", O_RDONLY, &f), 0);
    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(vfs_read(f, buf, sizeof(buf)), sizeof(buf));
    CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
    vfs_close(f);
    CHECK_EQ(open_at(&fx, "/dev/console", O_RDWR, &f), 0);
    CHECK_EQ(vfs_write(f, "hi\n", 3), 3);
    CHECK_EQ(fx.console_len, 3);
    CHECK(memcmp(fx.console_out, "hi\n", 3) == 0);
    CHECK_EQ(vfs_read(f, buf, sizeof(buf)), -EAGAIN);   /* the server parks it */
    fx.console_in = "ls\n";
    CHECK_EQ(vfs_read(f, buf, sizeof(buf)), 3);
    CHECK(memcmp(buf, "ls\n", 3) == 0);
    vfs_close(f);
    CHECK_EQ(open_err(&fx, "/dev/new", O_CREAT | O_WRONLY), -EROFS);
    CHECK_EQ(open_err(&fx, "/dev/null", O_CREAT | O_EXCL | O_WRONLY), -EEXIST);
    fixture_teardown(&fx);
}

TEST(pipe_descriptions)
{
    struct vfs_file *r, *w;
    CHECK_EQ(vfs_pipe(NULL, NULL, &r, &w), 0);
    CHECK(vfs_file_pipe(r) != NULL && vfs_file_pipe(r) == vfs_file_pipe(w));
    char buf[8];
    CHECK_EQ(vfs_read(r, buf, sizeof(buf)), -EAGAIN);
    CHECK_EQ(vfs_write(w, "abc", 3), 3);
    struct vfs_stat st;
    CHECK_EQ(vfs_fstat(r, &st), 0);
    CHECK_EQ(st.st_mode & VFS_S_IFMT, VFS_S_IFIFO);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(vfs_read(w, buf, 1), -EBADF);
    CHECK_EQ(vfs_write(r, "x", 1), -EBADF);
    CHECK_EQ(vfs_lseek(r, 0, SEEK_SET), -ESPIPE);
    struct vfs_dirent e;
    CHECK_EQ(vfs_readdir(r, &e), -ENOTDIR);
    struct vfs_file *w2 = vfs_file_ref(w);
    vfs_close(w);
    CHECK_EQ(vfs_read(r, buf, sizeof(buf)), 3);
    CHECK_EQ(vfs_read(r, buf, sizeof(buf)), -EAGAIN);   /* a writer is left */
    vfs_close(w2);
    CHECK_EQ(vfs_read(r, buf, sizeof(buf)), 0);
    vfs_close(r);
}

TEST(working_directory_copies_and_relative_operations)
{
    SETUP();
    (void)cwd;
    CHECK_EQ(vfs_mkdir(v, &fx.cwd, "/tmp/home", 0755), 0);
    CHECK_EQ(vfs_chdir(v, &fx.cwd, "/tmp/home"), 0);
    struct vfs_node child;
    vfs_cwd_copy(&child, &fx.cwd);              /* as fork does */
    put_file(&fx, "notes", "n");
    CHECK_STR(get_file(&fx, "/tmp/home/notes"), "n");
    CHECK_EQ(vfs_chdir(v, &child, ".."), 0);
    char buf[32];
    CHECK_EQ(vfs_getcwd(v, &child, buf, sizeof(buf)), 4);
    CHECK_STR(buf, "/tmp");
    CHECK_EQ(vfs_rename(v, &child, "home/notes", "notes2"), 0);
    CHECK_STR(get_file(&fx, "../notes2"), "n");
    CHECK_EQ(vfs_unlink(v, &child, "notes2"), 0);
    CHECK_EQ(vfs_rmdir(v, &child, "home"), 0);  /* fx.cwd still holds it */
    CHECK_EQ(vfs_getcwd(v, &fx.cwd, buf, sizeof(buf)), -ENOENT);
    vfs_cwd_release(&child);
    fixture_teardown(&fx);
}

/* ---- allocation failures ---- */

/* Everything observable under /tmp, with the file system's accounting. */
static void snapshot(struct vfs_fixture *fx, char *out, size_t size)
{
    size_t len = (size_t)snprintf(out, size, "%llu %zu:",
                                  (unsigned long long)ramfs_bytes_used(fx->ram),
                                  ramfs_inode_count(fx->ram));
    struct vfs_file *d;
    CHECK_EQ(open_at(fx, "/tmp", O_RDONLY, &d), 0);
    struct vfs_dirent e;
    while (vfs_readdir(d, &e) == 1 && len < size) {
        char path[300];
        struct vfs_stat st;
        snprintf(path, sizeof(path), "/tmp/%s", e.d_name);
        CHECK_EQ(vfs_stat(&fx->v, &fx->cwd, path, &st), 0);
        len += (size_t)snprintf(out + len, size - len, " %s/%llu/%llu/%o", e.d_name,
                                (unsigned long long)st.st_ino,
                                (unsigned long long)st.st_size, st.st_mode);
    }
    vfs_close(d);
}

typedef int (*vfs_op_fn)(struct vfs_fixture *fx);

static int op_create(struct vfs_fixture *fx)
{
    struct vfs_file *f;
    int err = open_at(fx, "/tmp/created", O_CREAT | O_EXCL | O_WRONLY, &f);
    if (!err)
        vfs_close(f);
    return err;
}

static int op_write_blocks(struct vfs_fixture *fx)
{
    static char data[3 * RAMFS_BLOCK_SIZE];
    struct vfs_file *f;
    int err = open_at(fx, "/tmp/p0", O_WRONLY, &f);
    if (err)
        return err;
    ssize_t n = vfs_write(f, data, sizeof(data));
    vfs_close(f);
    return n < 0 ? (int)n : 0;
}

static int op_mkdir(struct vfs_fixture *fx)
{
    return vfs_mkdir(&fx->v, &fx->cwd, "/tmp/newdir", 0755);
}

static int op_rename(struct vfs_fixture *fx)
{
    return vfs_rename(&fx->v, &fx->cwd, "/tmp/p0", "/tmp/renamed");
}

static int op_pipe(struct vfs_fixture *fx)
{
    (void)fx;
    struct vfs_file *r, *w;
    int err = vfs_pipe(NULL, NULL, &r, &w);
    if (!err) {
        vfs_close(r);
        vfs_close(w);
    }
    return err;
}

static int op_mount_cpio(struct vfs_fixture *fx)
{
    struct cpiofs *fs;
    struct cpiofs_error error;
    int err = cpiofs_mount(fx->archive.data, fx->archive.len, &fs, &error);
    if (!err)
        cpiofs_destroy(fs);
    return err;
}

/* Fails the n-th allocation of op for every n until op succeeds: each
 * failure is -ENOMEM and leaves /tmp exactly as it was. */
static void check_allocation_failures(vfs_op_fn op, int prefill)
{
    for (long allowed = 0; allowed < 64; allowed++) {
        struct vfs_fixture fx;
        fixture_setup(&fx);
        for (int i = 0; i < prefill; i++) {
            char path[32];
            snprintf(path, sizeof(path), "/tmp/p%d", i);
            put_file(&fx, path, "x");
        }
        static char before[8192], after[8192];
        snapshot(&fx, before, sizeof(before));
        vfs_alloc_budget = allowed;
        int err = op(&fx);
        vfs_alloc_budget = -1;
        if (err == 0) {
            fixture_teardown(&fx);
            return;
        }
        CHECK_EQ(err, -ENOMEM);
        snapshot(&fx, after, sizeof(after));
        CHECK_STR(after, before);
        fixture_teardown(&fx);
    }
    CHECK(!"the operation never succeeded");
}

TEST(allocation_failures_change_nothing)
{
    /* 12 files fill the ramfs inode table (16 with /, bin, dev, tmp);
     * 16 fill /tmp's entry array: both must grow. */
    static const int prefills[] = { 1, 12, 16 };
    for (size_t i = 0; i < sizeof(prefills) / sizeof(prefills[0]); i++) {
        check_allocation_failures(op_create, prefills[i]);
        check_allocation_failures(op_write_blocks, prefills[i]);
        check_allocation_failures(op_mkdir, prefills[i]);
        check_allocation_failures(op_rename, prefills[i]);
    }
    check_allocation_failures(op_pipe, 0);
    check_allocation_failures(op_mount_cpio, 0);
}
