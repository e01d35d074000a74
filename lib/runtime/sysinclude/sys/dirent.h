/*
 * Directory entries for picolibc's <dirent.h> (picolibc has no system
 * dirent of its own): opendir/readdir/closedir are in lib/runtime/files.c.
 * user/user.mk puts this directory before picolibc's headers.
 */
#ifndef LAKE_SYS_DIRENT_H
#define LAKE_SYS_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN  0
#define DT_FIFO     1
#define DT_CHR      2
#define DT_DIR      4
#define DT_REG      8

#define MAXNAMLEN   255

struct dirent {
    ino_t d_ino;
    unsigned char d_type;
    char d_name[MAXNAMLEN + 1];
};

typedef struct _dirdesc DIR;

#endif
