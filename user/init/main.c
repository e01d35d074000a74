/*
 * init, the root task (docs/SERVICES.md): takes all memory from the boot
 * information, builds the file system (RAM file system at /, the initial
 * file system, a cpio archive inside this image, at /bin, devices at
 * /dev), starts the servers of its start-up table and the shell, and then
 * serves requests forever.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <lake/env.h>
#include <lake/thread.h>

#include "init.h"
#include "../vfs/cpiofs.h"
#include "../vfs/devfs.h"
#include "../vfs/ramfs.h"

#define HEAP_VADDR      0x1000000000ul
#define RAMFS_BUDGET    (16ul << 20)
#define UART0_PADDR     0x3f201000ul
#define UART0_IRQ       57
#define SYSTIMER_PADDR  0x3f003000ul
#define SYSTIMER_IRQ    3

extern const char initfs_start[], initfs_end[];

struct init_state init;
LAKE_ROOT_STACK(65536);
static struct devfs devices;

/* ---- the file system ------------------------------------------------------------------ */

static struct vfs_time boot_clock(void *arg)
{
    (void)arg;
    uint64_t ns = lake_uptime_ns();
    return (struct vfs_time){ .sec = (int64_t)(ns / 1000000000u), .nsec = (uint32_t)(ns % 1000000000u) };
}

static int build_file_system(void)
{
    struct ramfs *ram;
    struct ramfs_config config = { .budget_bytes = RAMFS_BUDGET, .clock = boot_clock };
    int error = ramfs_create(&config, &ram);
    if (error)
        return error;
    vfs_init(&init.vfs, ramfs_as_fs(ram));
    const char *dirs[] = { "/bin", "/dev", "/tmp", "/home" };
    for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if ((error = vfs_mkdir(&init.vfs, NULL, dirs[i], 0755)) != 0)
            return error;
    struct cpiofs *cpio;
    struct cpiofs_error why = { 0, "" };
    error = cpiofs_mount(initfs_start, (size_t)(initfs_end - initfs_start), &cpio, &why);
    if (error) {
        printf("init: the initial file system is malformed at offset %zu: %s\n", why.offset,
               why.reason);
        return error;
    }
    if ((error = vfs_mount(&init.vfs, "/bin", cpiofs_as_fs(cpio))) != 0)
        return error;
    struct devfs_console console = { console_read, console_write, NULL };
    devfs_init(&devices, &console, boot_clock(NULL));
    return vfs_mount(&init.vfs, "/dev", devfs_as_fs(&devices));
}

/* ---- the start-up table -------------------------------------------------------------- */

/* A driver gets its device frame and its interrupt. */
static int start_driver(const char *path, lake_word_t paddr, unsigned irq)
{
    lake_cptr_t caps[2];
    uint32_t frame_block;
    int error = mem_device_frame(paddr, &caps[0], &frame_block);
    if (error == LAKE_OK)
        error = mem_slots(1, &caps[1]);
    if (error == LAKE_OK)
        error = lake_irq_control_get(LAKE_ROOT_IRQ_CONTROL, irq, LAKE_ROOT_CNODE, caps[1], 64);
    if (error) {
        printf("init: no device for %s: %s\n", path, lake_error_name(error));
        return error;
    }
    const char *argv[] = { path, NULL };
    const char *envp[] = { NULL };
    int64_t pid;
    int status = proc_spawn(NULL, path, argv, envp, NULL, true, caps, 2, &pid);
    if (status)
        printf("init: cannot start %s (status %d)\n", path, status);
    /* The child has copies; ours go (the frame's memory returns with them). */
    mem_free_slots(caps[1], 1);
    mem_free_object(caps[0]);
    return status;
}

static void start_shell(void)
{
    const char *argv[] = { "sh", NULL };
    const char *envp[] = { "PATH=/bin", "HOME=/", NULL };
    int64_t pid;
    int status = proc_spawn(NULL, "/bin/sh", argv, envp, NULL, false, NULL, 0, &pid);
    if (status) {
        printf("init: cannot start /bin/sh (status %d)\n", status);
        return;
    }
    init.shell_pid = pid;
}

/* Deferred work: attach to the console once its driver has registered
 * (not inside its register call: the driver waits for that reply), then
 * start the shell; restart the shell when it ends. */
static void work(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop, (void)bits, (void)arg;
    if (init.console_attach_pending) {
        console_attach();
        if (init.shell_pid == 0)
            start_shell();
    }
    if (init.shell_restart) {
        init.shell_restart = false;
        init.shell_pid = 0;
        start_shell();
    }
}

static void console_bits(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop, (void)arg;
    if (bits & INIT_BIT_CONS_INPUT)
        console_input();
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int setup(const struct lake_bootinfo *bi)
{
    int error = mem_init(bi);
    if (error == LAKE_OK)
        error = mem_map_heap(HEAP_VADDR, INIT_HEAP_BYTES);
    if (error)
        return error;
    /* Above every process, below nothing: init must answer promptly. */
    lake_tcb_set_priority(LAKE_ROOT_TCB, LAKE_ROOT_TCB, INIT_PRIORITY);
    lake_thread_adopt_main(LAKE_ROOT_TCB, INIT_PRIORITY, 0);

    if ((error = mem_object(LAKE_OBJ_ENDPOINT, 0, &init.ep)) != 0 ||
        (error = mem_object(LAKE_OBJ_NOTIFICATION, 0, &init.ntfn)) != 0 ||
        (error = lake_tcb_bind_notification(LAKE_ROOT_TCB, init.ntfn)) != 0)
        return error;
    struct lake_event_slots slots = mem_event_slots();
    lake_event_loop_init(&init.loop, init.ep, init.ntfn, &slots);
    if ((error = mem_slots(1, &init.work_cap)) != 0 ||
        (error = lake_event_mint_bits(&init.loop, INIT_BIT_WORK, init.work_cap)) != 0 ||
        (error = lake_event_on_bits(&init.loop, INIT_BIT_WORK, work, NULL)) != 0 ||
        (error = lake_event_on_bits(&init.loop, INIT_BIT_CONS_INPUT, console_bits, NULL)) != 0)
        return error;

    static struct init_server_ops ops;
    ops = init_ops_processes;
    fsops_install(&ops);
    lake_rpc_server_init(&init.server, &init_interface, &ops, NULL, &init.loop);
    if ((error = lake_rpc_serve_endpoint(&init.server, 1, (1ul << 62) - 1)) != 0)
        return error;
    init.next_pid = 1;
    return LAKE_OK;
}

int main(void)
{
    const struct lake_bootinfo *bi = lake_bootinfo;
    printf("init: LakeOS root task running\n");
    int error = setup(bi);
    if (error) {
        printf("init: set-up failed: %s\n", lake_error_name(error));
        return 1;
    }
    error = build_file_system();
    if (error) {
        printf("init: cannot build the file system: %s\n", strerror(-error));
        return 1;
    }
    struct lake_meminfo m;
    mem_info(&m);
    printf("init: %" PRIu64 " MiB of memory for programs, initial file system %zu KiB\n",
           m.free >> 20, (size_t)(initfs_end - initfs_start) >> 10);

    start_driver("/bin/timer", SYSTIMER_PADDR, SYSTIMER_IRQ);
    if (start_driver("/bin/console", UART0_PADDR, UART0_IRQ) != 0)
        start_shell();      /* without a driver: output on the kernel console */
    fflush(stdout);
    int status = lake_event_loop_run(&init.loop);
    printf("init: the event loop stopped (%d)\n", status);
    return 1;
}
