/*
 * Host tests of path resolution (user/vfs/path.c) over the fixture's mount
 * table: absolute and relative paths, ".", "..", repeated and trailing
 * slashes, length limits, ENOTDIR, and crossing mount points both ways.
 */
#include <errno.h>
#include <string.h>

#include "path.h"
#include "test_vfs_support.h"

#include "unit.h"

static char long_name[VFS_NAME_MAX + 2];

/* A name of n 'a's. */
static const char *name_of(size_t n)
{
    memset(long_name, 'a', n);
    long_name[n] = '\0';
    return long_name;
}

static int resolve(struct vfs_fixture *fx, const char *path, struct vfs_node *out)
{
    return vfs_resolve(&fx->v, &fx->cwd, path, out);
}

static bool same(const struct vfs_node *a, const struct vfs_node *b)
{
    return a->mnt == b->mnt && a->ino == b->ino;
}

static void make_file(struct vfs_fixture *fx, const char *path)
{
    struct vfs_file *f;
    CHECK_EQ(vfs_open(&fx->v, &fx->cwd, path, O_CREAT | O_WRONLY, 0644, &f), 0);
    vfs_close(f);
}

TEST(path_next_skips_repeated_slashes)
{
    const char *p = "//a///bc/", *name;
    size_t len;
    CHECK(path_next(&p, &name, &len));
    CHECK_EQ(len, 1);
    CHECK(name[0] == 'a');
    CHECK(path_next(&p, &name, &len));
    CHECK_EQ(len, 2);
    CHECK(memcmp(name, "bc", 2) == 0);
    CHECK(!path_next(&p, &name, &len));
}

TEST(path_trailing_slash_needs_a_component)
{
    CHECK(path_trailing_slash("a/"));
    CHECK(path_trailing_slash("/a//"));
    CHECK(!path_trailing_slash("a"));
    CHECK(!path_trailing_slash("/"));
    CHECK(!path_trailing_slash("///"));
}

TEST(path_check_limits)
{
    CHECK_EQ(path_check(""), -ENOENT);
    CHECK_EQ(path_check(name_of(VFS_NAME_MAX)), 0);
    CHECK_EQ(path_check(name_of(VFS_NAME_MAX + 1)), -ENAMETOOLONG);
    static char path[VFS_PATH_MAX + 1];
    /* 1023 bytes: "/a" repeated, then padding: the longest path allowed */
    for (size_t i = 0; i < VFS_PATH_MAX - 1; i++)
        path[i] = i % 2 ? 'a' : '/';
    path[VFS_PATH_MAX - 1] = '\0';
    CHECK_EQ(path_check(path), 0);
    path[VFS_PATH_MAX - 1] = 'a';
    path[VFS_PATH_MAX] = '\0';
    CHECK_EQ(path_check(path), -ENAMETOOLONG);
}

TEST(root_and_dots)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    struct vfs_node root, n;
    vfs_root_node(&fx.v, &root);
    CHECK_EQ(resolve(&fx, "/", &n), 0);
    CHECK(same(&n, &root));
    CHECK_EQ(resolve(&fx, "///", &n), 0);
    CHECK(same(&n, &root));
    CHECK_EQ(resolve(&fx, "/..", &n), 0);
    CHECK(same(&n, &root));
    CHECK_EQ(resolve(&fx, "/../../.", &n), 0);
    CHECK(same(&n, &root));
    CHECK_EQ(resolve(&fx, ".", &n), 0);
    CHECK(same(&n, &root));
    CHECK_EQ(resolve(&fx, "..", &n), 0);
    CHECK(same(&n, &root));
    fixture_teardown(&fx);
}

TEST(absolute_relative_and_repeated_slashes)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    CHECK_EQ(vfs_mkdir(&fx.v, &fx.cwd, "/tmp/a", 0755), 0);
    CHECK_EQ(vfs_mkdir(&fx.v, &fx.cwd, "/tmp/a/b", 0755), 0);
    make_file(&fx, "/tmp/a/b/f");
    struct vfs_node f1, f2, f3, f4;
    CHECK_EQ(resolve(&fx, "/tmp/a/b/f", &f1), 0);
    CHECK_EQ(resolve(&fx, "tmp//a///b/f", &f2), 0);
    CHECK_EQ(resolve(&fx, "/tmp/./a/../a/b/./f", &f3), 0);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/tmp/a"), 0);
    CHECK_EQ(resolve(&fx, "b/f", &f4), 0);
    CHECK(same(&f1, &f2));
    CHECK(same(&f1, &f3));
    CHECK(same(&f1, &f4));
    CHECK_EQ(resolve(&fx, "../a/b/f", &f4), 0);
    CHECK(same(&f1, &f4));
    fixture_teardown(&fx);
}

TEST(trailing_slash)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    make_file(&fx, "/tmp/f");
    struct vfs_node n;
    CHECK_EQ(resolve(&fx, "/tmp/", &n), 0);
    CHECK_EQ(resolve(&fx, "/tmp//", &n), 0);
    CHECK_EQ(resolve(&fx, "/tmp/f/", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/tmp/f/.", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/tmp/f/..", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/dev/null/", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/bin/ls/", &n), -ENOTDIR);
    fixture_teardown(&fx);
}

TEST(enotdir_for_file_in_the_middle)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    make_file(&fx, "/tmp/f");
    struct vfs_node n;
    CHECK_EQ(resolve(&fx, "/tmp/f/x", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/tmp/f/x/y", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/bin/ls/x", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/dev/zero/x", &n), -ENOTDIR);
    CHECK_EQ(resolve(&fx, "/tmp/missing/x", &n), -ENOENT);
    CHECK_EQ(resolve(&fx, "/tmp/missing", &n), -ENOENT);
    CHECK_EQ(resolve(&fx, "", &n), -ENOENT);
    fixture_teardown(&fx);
}

TEST(name_and_path_too_long)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    struct vfs_node n;
    char path[VFS_NAME_MAX + 16];
    snprintf(path, sizeof(path), "/tmp/%s", name_of(VFS_NAME_MAX));
    CHECK_EQ(resolve(&fx, path, &n), -ENOENT);
    make_file(&fx, path);
    CHECK_EQ(resolve(&fx, path, &n), 0);
    snprintf(path, sizeof(path), "/tmp/%s", name_of(VFS_NAME_MAX + 1));
    CHECK_EQ(resolve(&fx, path, &n), -ENAMETOOLONG);
    CHECK_EQ(vfs_mkdir(&fx.v, &fx.cwd, path, 0755), -ENAMETOOLONG);
    static char deep[VFS_PATH_MAX + 8];
    memset(deep, '/', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    CHECK_EQ(resolve(&fx, deep, &n), -ENAMETOOLONG);
    deep[VFS_PATH_MAX - 1] = '\0';      /* 1023 slashes: just "/" */
    CHECK_EQ(resolve(&fx, deep, &n), 0);
    fixture_teardown(&fx);
}

TEST(crossing_mount_points_both_ways)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    struct vfs_node root, bin, ls, up, dev;
    vfs_root_node(&fx.v, &root);
    CHECK_EQ(resolve(&fx, "/bin", &bin), 0);
    CHECK(bin.mnt != root.mnt);
    CHECK(vfs_is_mount_root(&bin));
    CHECK_EQ(resolve(&fx, "/bin/ls", &ls), 0);
    CHECK(ls.mnt == bin.mnt);
    CHECK_EQ(resolve(&fx, "/bin/..", &up), 0);
    CHECK(same(&up, &root));
    CHECK_EQ(resolve(&fx, "/bin/sbin/../../dev/../bin/ls", &up), 0);
    CHECK(same(&up, &ls));
    CHECK_EQ(resolve(&fx, "/dev", &dev), 0);
    CHECK(dev.mnt != root.mnt && dev.mnt != bin.mnt);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/bin/sbin"), 0);
    CHECK_EQ(resolve(&fx, "../../dev/null", &up), 0);
    CHECK(up.mnt == dev.mnt);
    CHECK_EQ(resolve(&fx, "../ls", &up), 0);
    CHECK(same(&up, &ls));
    fixture_teardown(&fx);
}

TEST(chdir_and_getcwd)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    char buf[64];
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), 1);
    CHECK_STR(buf, "/");
    CHECK_EQ(vfs_mkdir(&fx.v, &fx.cwd, "/tmp/a", 0755), 0);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "tmp//a/"), 0);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), 6);
    CHECK_STR(buf, "/tmp/a");
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, 6), -ERANGE);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, 7), 6);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/bin/sbin"), 0);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), 9);
    CHECK_STR(buf, "/bin/sbin");
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, ".."), 0);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), 4);
    CHECK_STR(buf, "/bin");
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, ".."), 0);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), 1);
    CHECK_STR(buf, "/");
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/bin/ls"), -ENOTDIR);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/nowhere"), -ENOENT);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/dev"), 0);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), 4);
    CHECK_STR(buf, "/dev");
    fixture_teardown(&fx);
}

TEST(getcwd_follows_rename_and_fails_after_rmdir)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    char buf[64];
    CHECK_EQ(vfs_mkdir(&fx.v, &fx.cwd, "/tmp/a", 0755), 0);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/tmp/a"), 0);
    CHECK_EQ(vfs_rename(&fx.v, &fx.cwd, "/tmp/a", "/tmp/b"), 0);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), 6);
    CHECK_STR(buf, "/tmp/b");
    CHECK_EQ(vfs_rmdir(&fx.v, &fx.cwd, "/tmp/b"), 0);
    CHECK_EQ(vfs_getcwd(&fx.v, &fx.cwd, buf, sizeof(buf)), -ENOENT);
    struct vfs_node n;
    CHECK_EQ(resolve(&fx, "x", &n), -ENOENT);
    CHECK_EQ(resolve(&fx, "..", &n), -ENOENT);
    struct vfs_file *f;
    CHECK_EQ(vfs_open(&fx.v, &fx.cwd, "new", O_CREAT | O_WRONLY, 0644, &f), -ENOENT);
    CHECK_EQ(vfs_chdir(&fx.v, &fx.cwd, "/"), 0);
    CHECK_EQ(ramfs_inode_count(fx.ram), 4);     /* /, bin, dev, tmp */
    fixture_teardown(&fx);
}

TEST(mount_errors)
{
    struct vfs_fixture fx;
    fixture_setup(&fx);
    struct devfs other;
    devfs_init(&other, NULL, (struct vfs_time){ 0, 0 });
    make_file(&fx, "/tmp/f");
    CHECK_EQ(vfs_mount(&fx.v, "/tmp/f", devfs_as_fs(&other)), -ENOTDIR);
    CHECK_EQ(vfs_mount(&fx.v, "/bin", devfs_as_fs(&other)), -EBUSY);
    CHECK_EQ(vfs_mount(&fx.v, "/", devfs_as_fs(&other)), -EBUSY);
    CHECK_EQ(vfs_mount(&fx.v, "/nowhere", devfs_as_fs(&other)), -ENOENT);
    CHECK_EQ(vfs_mount(&fx.v, "/tmp", devfs_as_fs(&other)), 0);
    struct vfs_node n;
    CHECK_EQ(resolve(&fx, "/tmp/zero", &n), 0);
    CHECK_EQ(resolve(&fx, "/tmp/f", &n), -ENOENT);      /* covered */
    fixture_teardown(&fx);
}
