/*
 * The kernel calls behind lake/sync.h: Wait and Signal on the object's
 * notification. (The host unit test supplies its own pair instead.)
 */
#include <lake/lake.h>
#include <lake/sync.h>
#include <lake/thread.h>

void lake_sync_wait(lake_cptr_t ntfn)
{
    lake_wait(ntfn, NULL);
}

void lake_sync_signal(lake_cptr_t ntfn)
{
    lake_signal(ntfn);
}

/* Condition variable waits sleep on the thread's own notification. */
lake_cptr_t lake_sync_self_ntfn(void)
{
    return lake_thread_self()->wait_ntfn;
}
