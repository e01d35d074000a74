/*
 * Message info word (x1) and capability rights.
 *
 *   bits 63..12  label (invocation label on a call, error code on a reply)
 *   bits 11..9   caps unwrapped: bit i set = extra cap i arrived as its badge
 *   bits  8..7   number of extra capabilities (0-3)
 *   bits  6..0   length in message words (0-120)
 */
#ifndef LAKE_MESSAGE_H
#define LAKE_MESSAGE_H

#include <lake/abi_types.h>

#define LAKE_MSG_MAX_LENGTH     120
#define LAKE_MSG_MAX_EXTRA_CAPS 3

typedef lake_word_t lake_msginfo_t;

static inline lake_msginfo_t lake_msginfo(lake_word_t label, unsigned unwrapped,
                                          unsigned extra_caps, unsigned length)
{
    return (label << 12) | ((lake_word_t)(unwrapped & 7) << 9) |
           ((lake_word_t)(extra_caps & 3) << 7) | (length & 0x7f);
}

static inline lake_word_t lake_msginfo_label(lake_msginfo_t m) { return m >> 12; }
static inline unsigned lake_msginfo_unwrapped(lake_msginfo_t m) { return (m >> 9) & 7; }
static inline unsigned lake_msginfo_extra_caps(lake_msginfo_t m) { return (m >> 7) & 3; }
static inline unsigned lake_msginfo_length(lake_msginfo_t m) { return m & 0x7f; }

/* Capability rights. Minting can only remove rights. */
#define LAKE_RIGHT_WRITE        (1u << 0)
#define LAKE_RIGHT_READ         (1u << 1)
#define LAKE_RIGHT_GRANT        (1u << 2)
#define LAKE_RIGHT_GRANT_REPLY  (1u << 3)
#define LAKE_RIGHTS_ALL         0xfu
#define LAKE_RIGHTS_RW          (LAKE_RIGHT_READ | LAKE_RIGHT_WRITE)

/* Frame mapping attributes (Frame Map, argument "attributes"). */
#define LAKE_ATTR_EXECUTE_NEVER (1u << 0)
#define LAKE_ATTR_DEVICE        (1u << 1)   /* Device-nGnRE instead of normal cacheable */
#define LAKE_ATTR_UNCACHED      (1u << 2)   /* normal memory, not cached */
#define LAKE_ATTRS_ALL          0x7u

#endif
