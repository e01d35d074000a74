/*
 * Fault delivery: a faulting thread "calls" its fault handler endpoint with
 * a message describing the fault; the handler's reply resumes it.
 */
#ifndef LAKE_KERNEL_FAULT_H
#define LAKE_KERNEL_FAULT_H

#include <lake/fault.h>
#include <object/objects.h>

unsigned fault_message_length(unsigned kind);
/* Raises a fault; words are the message (see lake/fault.h). */
void fault_raise(struct tcb *t, unsigned kind, const u64 *words);
void fault_raise_cap(struct tcb *t, u64 cptr, bool in_receive, unsigned failure, unsigned bits_left);
/* The handler replied (from replier's message registers). */
void fault_handle_reply(struct tcb *faulter, struct tcb *replier);
const char *fault_kind_name(unsigned kind);

#endif
