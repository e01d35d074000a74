/*
 * init, the root task (for now): report what the kernel handed over, then
 * block forever on a notification nobody signals, so the kernel goes idle.
 */
#include <inttypes.h>
#include <stdio.h>

#include <lake/runtime.h>

/* Index (in untyped_list) of the smallest non-device untyped, or -1. */
static int smallest_ram_untyped(const struct lake_bootinfo *bi)
{
    int best = -1;
    lake_word_t count = bi->untyped.end - bi->untyped.start;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        if (!u->is_device && u->size_bits >= LAKE_NOTIFICATION_BITS &&
            (best < 0 || u->size_bits < bi->untyped_list[best].size_bits))
            best = (int)i;
    }
    return best;
}

int main(void)
{
    const struct lake_bootinfo *bi = lake_bootinfo;

    printf("init: LakeOS root task running\n");
    if (bi->magic != LAKE_BOOTINFO_MAGIC) {
        printf("init: bad bootinfo magic %#" PRIx64 "\n", bi->magic);
        return 1;
    }

    lake_word_t count = bi->untyped.end - bi->untyped.start;
    lake_word_t ram_count = 0, device_count = 0, ram_bytes = 0;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        if (u->is_device) {
            device_count++;
        } else {
            ram_count++;
            ram_bytes += 1ull << u->size_bits;
        }
    }
    printf("init: %" PRIu64 " untyped caps: %" PRIu64 " RAM (%" PRIu64 " MiB), %" PRIu64
           " device\n", count, ram_count, ram_bytes >> 20, device_count);
    printf("init: free slots %" PRIu64 "-%" PRIu64 ", image %#" PRIx64 "-%#" PRIx64
           ", %" PRIu64 " cpu(s)\n", bi->empty.start, bi->empty.end - 1, bi->image_start,
           bi->image_end, bi->num_cpus);

    int index = smallest_ram_untyped(bi);
    if (index < 0) {
        printf("init: no RAM untyped to make a notification from\n");
        return 1;
    }
    lake_cptr_t untyped = bi->untyped.start + (lake_cptr_t)index;
    lake_cptr_t ntfn = bi->empty.start;
    int error = lake_untyped_retype(untyped, LAKE_OBJ_NOTIFICATION, 0, LAKE_ROOT_CNODE, 0, 0,
                                    ntfn, 1);
    if (error != LAKE_OK) {
        printf("init: retype of a notification failed: %s\n", lake_error_name(error));
        return 1;
    }
    printf("init: idle\n");
    fflush(stdout);
    for (;;)
        lake_wait(ntfn, NULL);
}
