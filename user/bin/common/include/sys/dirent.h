/*
 * Fallback <sys/dirent.h> for the /bin programs (picolibc's own is an
 * #error). user/user.mk adds this directory only while lib/runtime/include
 * has no dirent.h or sys/dirent.h; the programs use nothing but d_name.
 */
#ifndef LAKE_BIN_SYS_DIRENT_H
#define LAKE_BIN_SYS_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN  0
#define DT_CHR      2
#define DT_DIR      4
#define DT_REG      8

struct dirent {
    ino_t d_ino;
    unsigned char d_type;
    char d_name[256];
};

typedef struct lake_bin_dir DIR;

#endif
