#ifndef LAKE_KERNEL_MAILBOX_H
#define LAKE_KERNEL_MAILBOX_H

#include <types.h>

/* Asks the firmware for one property tag; fills `words` answer words. */
bool mailbox_get_property(u32 tag, u32 *values, unsigned words);

#endif
