/*
 * Everything of the user-side ABI binding: the ABI headers, the system
 * call stubs and the invocation stubs.
 */
#ifndef LAKE_LAKE_H
#define LAKE_LAKE_H

#include <lake/abi_types.h>
#include <lake/bootinfo.h>
#include <lake/errors.h>
#include <lake/fault.h>
#include <lake/invocation.h>
#include <lake/invoke.h>
#include <lake/ipc_buffer.h>
#include <lake/message.h>
#include <lake/object.h>
#include <lake/syscall.h>
#include <lake/syscalls.h>

#endif
