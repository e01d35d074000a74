/*
 * rm [-f] [-r|-R] FILE...: removes files; -r removes directories and
 * everything in them; -f ignores files that do not exist and never
 * complains about a missing operand. Refuses ".", ".." and "/" with -r.
 * No prompting (-i).
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../common/binfmt.h"
#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "rm [-fr] FILE..."
#define RM_PATH_MAX 4096

static bool opt_force, opt_recursive;

static int remove_path(const char *path);

/* The names in a directory except . and .., as one block of strings
 * separated by NULs; *count of them. */
static char *dir_names(const char *path, size_t *count, size_t *bytes)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return NULL;
    char *block = NULL;
    size_t used = 0, cap = 0;
    struct dirent *ent;
    *count = 0;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        size_t len = strlen(ent->d_name) + 1;
        if (used + len > cap) {
            size_t ncap = (cap + len) * 2;
            char *nb = realloc(block, ncap);
            if (nb == NULL) {
                free(block);
                closedir(d);
                errno = ENOMEM;
                return NULL;
            }
            block = nb;
            cap = ncap;
        }
        memcpy(block + used, ent->d_name, len);
        used += len;
        (*count)++;
    }
    closedir(d);
    *bytes = used;
    if (block == NULL)
        block = malloc(1);  /* empty but not an error */
    return block;
}

/* Removes everything inside the directory path, then the directory. */
static int remove_tree(const char *path)
{
    size_t count = 0, bytes = 0;
    char *names = dir_names(path, &count, &bytes);
    if (names == NULL) {
        bin_error("cannot remove '%s': %s", path, strerror(errno));
        return 1;
    }
    int status = 0;
    char *child = malloc(RM_PATH_MAX);
    const char *name = names;
    for (size_t i = 0; i < count && child != NULL; i++, name += strlen(name) + 1) {
        if (bin_join(child, RM_PATH_MAX, path, name, strlen(name)) < 0) {
            bin_error("cannot remove '%s/%s': %s", path, name, strerror(ENAMETOOLONG));
            status = 1;
            continue;
        }
        status |= remove_path(child);
    }
    if (child == NULL) {
        bin_error("%s", strerror(ENOMEM));
        status = 1;
    }
    free(child);
    free(names);
    if (status == 0 && rmdir(path) < 0) {
        bin_error("cannot remove '%s': %s", path, strerror(errno));
        status = 1;
    }
    return status;
}

static int remove_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (opt_force && errno == ENOENT)
            return 0;
        bin_error("cannot remove '%s': %s", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!opt_recursive) {
            bin_error("cannot remove '%s': %s", path, strerror(EISDIR));
            return 1;
        }
        return remove_tree(path);
    }
    if (unlink(path) < 0) {
        if (opt_force && errno == ENOENT)
            return 0;
        bin_error("cannot remove '%s': %s", path, strerror(errno));
        return 1;
    }
    return 0;
}

static int remove_operand(const char *path)
{
    if (opt_recursive && bin_is_dot_or_dotdot(path)) {
        bin_error("refusing to remove '.' or '..' directory: skipping '%s'", path);
        return 1;
    }
    size_t len;
    const char *last = bin_last_component(path, &len);
    if (opt_recursive && len == 1 && last[0] == '/') {
        bin_error("it is dangerous to operate recursively on '/'");
        return 1;
    }
    return remove_path(path);
}

int main(int argc, char **argv)
{
    bin_name = "rm";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "frR", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    opt_force = o.set['f'];
    opt_recursive = o.set['r'] || o.set['R'];
    if (o.nargs == 0) {
        if (opt_force)
            return 0;
        bin_error("missing operand");
        return bin_usage(USAGE, NULL, 0);
    }
    int status = 0;
    for (int i = 1; i <= o.nargs; i++)
        status |= remove_operand(argv[i]);
    return bin_finish(status);
}
