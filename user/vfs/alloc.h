/*
 * Memory allocation for the VFS core. In the server these are picolibc's
 * malloc family; the host unit tests (LAKE_HOST_TEST) route them through
 * hooks in tests/unit/test_vfs_support.c that can fail on demand, to check
 * that every failure is handled and changes nothing.
 */
#ifndef LAKE_VFS_ALLOC_H
#define LAKE_VFS_ALLOC_H

#include <stdlib.h>

#ifdef LAKE_HOST_TEST
void *vfs_test_malloc(size_t size);
void *vfs_test_calloc(size_t count, size_t size);
void *vfs_test_realloc(void *ptr, size_t size);
#define vfs_malloc  vfs_test_malloc
#define vfs_calloc  vfs_test_calloc
#define vfs_realloc vfs_test_realloc
#else
#define vfs_malloc  malloc
#define vfs_calloc  calloc
#define vfs_realloc realloc
#endif

#endif
