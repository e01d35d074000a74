/*
 * The calling thread's IPC buffer pointer. Thread-local (as libsel4's
 * __sel4_ipc_buffer) so that threads sharing an address space each use
 * their own buffer; the runtime's start code sets it for the first thread.
 */
#include <lake/syscalls.h>

__thread struct lake_ipc_buffer *lake_ipc_buffer;
