/*
 * Error codes returned by invocations in the label of the reply's message
 * info. Details, where any, are in message registers (see docs/ABI.md).
 */
#ifndef LAKE_ERRORS_H
#define LAKE_ERRORS_H

enum lake_error {
    LAKE_OK = 0,
    LAKE_INVALID_ARGUMENT = 1,      /* MR0: index of the bad argument */
    LAKE_INVALID_CAPABILITY = 2,    /* MR0: index of the bad capability (0 = invoked one) */
    LAKE_ILLEGAL_OPERATION = 3,
    LAKE_RANGE_ERROR = 4,           /* MR0, MR1: allowed minimum and maximum */
    LAKE_ALIGNMENT_ERROR = 5,
    LAKE_FAILED_LOOKUP = 6,         /* MR0: 1 if source lookup; MR1..: lookup failure */
    LAKE_TRUNCATED_MESSAGE = 7,
    LAKE_DELETE_FIRST = 8,
    LAKE_REVOKE_FIRST = 9,
    LAKE_NOT_ENOUGH_MEMORY = 10,    /* MR0: bytes available */
    LAKE_NUM_ERRORS
};

/* Why a capability lookup failed (first detail word of a lookup failure). */
enum lake_lookup_failure {
    LAKE_LOOKUP_NONE = 0,
    LAKE_LOOKUP_INVALID_ROOT = 1,       /* the root is not a CNode */
    LAKE_LOOKUP_MISSING_CAPABILITY = 2, /* next: bits left */
    LAKE_LOOKUP_DEPTH_MISMATCH = 3,     /* next: bits left, bits of the level */
    LAKE_LOOKUP_GUARD_MISMATCH = 4,     /* next: bits left, guard found, guard size */
};

#endif
