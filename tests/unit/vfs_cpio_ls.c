/*
 * Host helper for tests/test_vfs_cpio.py: mounts a cpio archive (made by
 * GNU cpio) at /bin of a VFS and lists it through the VFS layer, one line
 * per node, "d NAME" or "f NAME SIZE", NAME relative to the archive's root.
 *   vfs_cpio_ls ARCHIVE            list
 *   vfs_cpio_ls ARCHIVE cat NAME   write one file's contents to stdout
 * A rejected archive prints the reason and exits with status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpiofs.h"
#include "ramfs.h"
#include "vfs.h"

static uint8_t *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *bigger = realloc(data, cap);
            if (!bigger)
                abort();
            data = bigger;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    /* An exact-size copy, so that ASan sees any read past the end. */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, data, len);
    free(data);
    *size = len;
    return exact;
}

static int list(struct vfs *v, const char *dir, const char *shown)
{
    struct vfs_file *f;
    int err = vfs_open(v, NULL, dir, O_RDONLY | O_DIRECTORY, 0, &f);
    if (err)
        return err;
    struct vfs_dirent e;
    while ((err = vfs_readdir(f, &e)) == 1) {
        if (strcmp(e.d_name, ".") == 0 || strcmp(e.d_name, "..") == 0)
            continue;
        char path[VFS_PATH_MAX], name[VFS_PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, e.d_name);
        snprintf(name, sizeof(name), "%s%s%s", shown, *shown ? "/" : "", e.d_name);
        struct vfs_stat st;
        if ((err = vfs_stat(v, NULL, path, &st)))
            break;
        if (e.d_type == VFS_DT_DIR) {
            printf("d %s\n", name);
            if ((err = list(v, path, name)))
                break;
        } else {
            printf("f %s %llu\n", name, (unsigned long long)st.st_size);
        }
    }
    vfs_close(f);
    return err < 0 ? err : 0;
}

static int cat(struct vfs *v, const char *name)
{
    char path[VFS_PATH_MAX];
    snprintf(path, sizeof(path), "/bin/%s", name);
    struct vfs_file *f;
    int err = vfs_open(v, NULL, path, O_RDONLY, 0, &f);
    if (err)
        return err;
    char buf[4096];
    ssize_t n;
    while ((n = vfs_read(f, buf, sizeof(buf))) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    vfs_close(f);
    return n < 0 ? (int)n : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "cat") == 0)) {
        fprintf(stderr, "usage: %s ARCHIVE [cat NAME]\n", argv[0]);
        return 2;
    }
    size_t size;
    uint8_t *archive = read_whole(argv[1], &size);
    if (!archive) {
        perror(argv[1]);
        return 2;
    }
    struct cpiofs *cpio;
    struct cpiofs_error error;
    int err = cpiofs_mount(archive, size, &cpio, &error);
    if (err) {
        fprintf(stderr, "cpiofs: %s at offset %zu\n", error.reason, error.offset);
        free(archive);
        return 1;
    }
    struct ramfs *ram;
    struct ramfs_config config = { 1 << 20, NULL, NULL };
    struct vfs v;
    if (ramfs_create(&config, &ram))
        abort();
    vfs_init(&v, ramfs_as_fs(ram));
    if (vfs_mkdir(&v, NULL, "/bin", 0755) || vfs_mount(&v, "/bin", cpiofs_as_fs(cpio)))
        abort();
    err = argc == 4 ? cat(&v, argv[3]) : list(&v, "/bin", "");
    if (err)
        fprintf(stderr, "vfs error %d\n", err);
    cpiofs_destroy(cpio);
    ramfs_destroy(ram);
    free(archive);
    return err ? 1 : 0;
}
