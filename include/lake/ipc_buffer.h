/*
 * The IPC buffer: 1 KiB, aligned to its size, in a frame the thread has
 * (TCB Configure names it). Message words 0-3 travel in x2-x5; words 4 and
 * up are read from and written to msg[] here. msg[0-3] are left unused.
 */
#ifndef LAKE_IPC_BUFFER_H
#define LAKE_IPC_BUFFER_H

#include <lake/abi_types.h>
#include <lake/message.h>

struct lake_ipc_buffer {
    lake_word_t tag;                    /* spare copy of the message info */
    lake_word_t msg[LAKE_MSG_MAX_LENGTH];
    lake_word_t user_data;              /* free for the runtime (e.g. TLS pointer) */
    /* Sending: cptrs of the extra caps. Receiving: their badges if unwrapped. */
    lake_word_t caps_or_badges[LAKE_MSG_MAX_EXTRA_CAPS];
    /* Where received caps go: CNode (looked up in the receiver's CSpace),
     * first slot index in it, and depth. Caps fill consecutive slots. */
    lake_cptr_t receive_cnode;
    lake_cptr_t receive_index;
    lake_word_t receive_depth;
};

#define LAKE_IPC_BUFFER_SIZE 1024

_Static_assert(sizeof(struct lake_ipc_buffer) == LAKE_IPC_BUFFER_SIZE, "IPC buffer is 1 KiB");

#endif
