/*
 * Boot: building the root task. This is the only place the kernel
 * allocates memory (with a bump allocator over the RAM after the kernel
 * image); everything left afterwards goes to the root task as untyped
 * capabilities, and from then on the kernel allocates nothing.
 *
 * Root CSpace: one CNode of 2^12 slots whose guard (52 zero bits) makes
 * slot n answer to capability pointer n. Fixed slots are listed in
 * lake/bootinfo.h; then come the image frames, the page tables, the
 * untyped capabilities, and the empty slots.
 */
#include <arch/mmu.h>
#include <arch/vspace.h>
#include <boot.h>
#include <cdt.h>
#include <console.h>
#include <elf.h>
#include <lake/bootinfo.h>
#include <panic.h>
#include <percpu.h>
#include <plat/platform.h>
#include <sched.h>
#include <kstring.h>
#include <tcb.h>
#include <tcb_cache.h>
#include <timer.h>

extern const u8 roottask_elf_start[], roottask_elf_end[];
extern char __kernel_end[];

#define ROOT_ASID       1
#define ROOT_PRIORITY   255
#define LOW_RAM_START   0x1000ul    /* page 0: QEMU's boot stubs, spin table, ATAGS */

struct boot_state {
    paddr_t cursor, limit;      /* bump allocator */
    struct cte *slots;          /* root CNode */
    u64 next_slot;
    u64 *vspace;
    struct lake_bootinfo *info;
};

static struct boot_state boot;

static paddr_t boot_alloc(unsigned bits)
{
    paddr_t pa = align_up(boot.cursor, BIT(bits));
    if (pa + BIT(bits) > boot.limit)
        panic("boot: out of memory building the root task");
    boot.cursor = pa + BIT(bits);
    memset(phys_to_virt(pa), 0, BIT(bits));
    return pa;
}

static struct cte *next_slot(void)
{
    if (boot.next_slot >= BIT(LAKE_ROOT_CNODE_RADIX))
        panic("boot: root CNode full");
    return &boot.slots[boot.next_slot++];
}

/* An original capability (no parent) in the given slot. */
static void boot_cap(struct cte *slot, struct cap c)
{
    cdt_insert(NULL, slot, c, CTE_REVOCABLE);
}

/* Maps one page into the root VSpace, making page tables as needed. */
static void boot_map_page(vaddr_t va, paddr_t pa, unsigned rights, unsigned attrs)
{
    u64 *table = boot.vspace;
    for (unsigned level = 0; level < 3; level++) {
        u64 *entry = &table[pt_index(va, level)];
        if (!pte_is_valid(*entry)) {
            paddr_t pt = boot_alloc(LAKE_PAGE_TABLE_BITS);
            unsigned covered = 48 - 9 * (level + 1);
            *entry = pte_table(pt);
            boot_cap(next_slot(), cap_make(LAKE_OBJ_PAGE_TABLE, pt, LAKE_RIGHTS_ALL, 0, false,
                                           level + 1,
                                           cap_mapping(ROOT_ASID, align_down(va, BIT(covered)))));
        }
        table = phys_to_virt(pte_address(*entry));
    }
    table[pt_index(va, 3)] = pte_leaf(pa, 3, rights, attrs);
}

static struct cap frame_cap(paddr_t pa, vaddr_t va)
{
    return cap_make(LAKE_OBJ_FRAME_4K, pa, LAKE_RIGHTS_RW, 0, false, 0,
                    cap_mapping(ROOT_ASID, va));
}

static unsigned segment_attrs(u32 flags)
{
    return (flags & ELF_PF_X) ? 0 : LAKE_ATTR_EXECUTE_NEVER;
}

/* Loads the ELF: one frame per page of the image, data copied, bss zero. */
static void load_image(const u8 *elf, int segments, vaddr_t *start, vaddr_t *end)
{
    struct elf_segment seg;
    vaddr_t lo = ~0ul, hi = 0;

    for (int i = 0; i < segments; i++) {
        elf_segment(elf, (unsigned)i, &seg);
        lo = seg.vaddr < lo ? seg.vaddr : lo;
        hi = seg.vaddr + seg.memsz > hi ? seg.vaddr + seg.memsz : hi;
    }
    lo = align_down(lo, PAGE_SIZE);
    hi = align_up(hi, PAGE_SIZE);
    u64 pages = (hi - lo) >> PAGE_SHIFT;

    /* Frames first, so their slots are contiguous and in address order. */
    u64 first_frame_slot = boot.next_slot;
    for (u64 p = 0; p < pages; p++)
        boot_cap(next_slot(), frame_cap(boot_alloc(PAGE_SHIFT), lo + (p << PAGE_SHIFT)));
    boot.info->user_image_frames = (struct lake_slot_range){ first_frame_slot, boot.next_slot };
    boot.info->user_image_tables.start = boot.next_slot;

    /* Page permissions: the union of the segments touching each page. */
    for (u64 p = 0; p < pages; p++) {
        vaddr_t va = lo + (p << PAGE_SHIFT);
        u32 flags = 0;
        for (int i = 0; i < segments; i++) {
            elf_segment(elf, (unsigned)i, &seg);
            if (va < seg.vaddr + seg.memsz && va + PAGE_SIZE > seg.vaddr)
                flags |= seg.flags;
        }
        unsigned rights = LAKE_RIGHT_READ | ((flags & ELF_PF_W) ? LAKE_RIGHT_WRITE : 0);
        paddr_t pa = cap_paddr(boot.slots[first_frame_slot + p].cap);
        boot_map_page(va, pa, rights, segment_attrs(flags));
    }
    for (int i = 0; i < segments; i++) {
        elf_segment(elf, (unsigned)i, &seg);
        for (u64 off = 0; off < seg.filesz;) {
            vaddr_t va = seg.vaddr + off;
            u64 page = (va - lo) >> PAGE_SHIFT;
            u64 in_page = va & (PAGE_SIZE - 1);
            u64 n = PAGE_SIZE - in_page;
            if (n > seg.filesz - off)
                n = seg.filesz - off;
            u8 *dst = phys_to_virt(cap_paddr(boot.slots[first_frame_slot + page].cap));
            memcpy(dst + in_page, seg.data + off, n);
            off += n;
        }
    }
    /* The image holds code: make the instruction side see it. */
    for (u64 p = 0; p < pages; p++)
        cache_unify_range(phys_to_virt(cap_paddr(boot.slots[first_frame_slot + p].cap)), PAGE_SIZE);
    *start = lo;
    *end = hi;
}

/* Maps a fresh page for the root task and puts its frame cap in slot. */
static paddr_t boot_extra_page(vaddr_t va, enum lake_root_slot slot)
{
    paddr_t pa = boot_alloc(PAGE_SHIFT);
    boot_map_page(va, pa, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
    boot_cap(&boot.slots[slot], frame_cap(pa, va));
    return pa;
}

/* Splits [start, end) into naturally aligned power-of-two untyped caps. */
static void add_untyped(paddr_t start, paddr_t end, bool device)
{
    struct lake_bootinfo *bi = boot.info;
    while (start < end) {
        unsigned bits = log2_floor(end - start);
        if (start != 0 && ctz64(start) < bits)
            bits = ctz64(start);
        if (bits > LAKE_UNTYPED_MAX_BITS)
            bits = LAKE_UNTYPED_MAX_BITS;
        u64 n = bi->untyped.end - bi->untyped.start;
        if (n >= LAKE_BOOTINFO_MAX_UNTYPED) {
            kprintf("boot: too many untyped regions, dropping 0x%lx-0x%lx\n",
                    (unsigned long)start, (unsigned long)end);
            return;
        }
        boot_cap(next_slot(), cap_make(LAKE_OBJ_UNTYPED, start, 0, bits, device, 0, 0));
        bi->untyped_list[n] = (struct lake_untyped_desc){ .paddr = start, .size_bits = (u8)bits,
                                                          .is_device = device };
        bi->untyped.end++;
        start += BIT(bits);
    }
}

static void add_device_untyped(void)
{
    /* Peripherals, minus the pages the kernel drives itself: the interrupt
     * controller and mailbox page, and the power-management page. */
    static const struct { paddr_t start, end; } regions[] = {
        { PERIPH_BASE, IC_BASE & ~(PAGE_SIZE - 1) },
        { (IC_BASE & ~(PAGE_SIZE - 1)) + PAGE_SIZE, PM_BASE },
        { PM_BASE + PAGE_SIZE, PERIPH_BASE + PERIPH_SIZE },
    };
    for (size_t i = 0; i < ARRAY_SIZE(regions); i++)
        add_untyped(regions[i].start, regions[i].end, true);
}

static struct tcb *make_root_thread(u64 entry, vaddr_t ipc_buffer, vaddr_t bootinfo)
{
    paddr_t pa = boot_alloc(LAKE_TCB_BITS);
    struct tcb *t = phys_to_virt(pa);

    tcb_init(t);
    t->priority = ROOT_PRIORITY;
    t->mcp = ROOT_PRIORITY;
    memcpy(t->name, "root", 5);
    boot_cap(&boot.slots[LAKE_ROOT_TCB], cap_make(LAKE_OBJ_TCB, pa, LAKE_RIGHTS_ALL, 0, false, 0, 0));
    cdt_insert(&boot.slots[LAKE_ROOT_CNODE], &t->slots[TCB_SLOT_CSPACE],
               boot.slots[LAKE_ROOT_CNODE].cap, CTE_TCB_SPACE);
    cdt_insert(&boot.slots[LAKE_ROOT_VSPACE], &t->slots[TCB_SLOT_VSPACE],
               boot.slots[LAKE_ROOT_VSPACE].cap, CTE_TCB_SPACE);
    tcb_cspace_refresh(t);
    struct cap buffer;
    cap_derive(boot.slots[LAKE_ROOT_IPC_BUFFER].cap, &buffer);
    cdt_insert(&boot.slots[LAKE_ROOT_IPC_BUFFER], &t->slots[TCB_SLOT_IPC_BUFFER], buffer, 0);
    t->ipc_buffer_vaddr = ipc_buffer;
    t->ctx.elr = entry;
    t->ctx.x[0] = bootinfo;
    thread_set_state(t, THREAD_RUNNABLE);
    return t;
}

void boot_create_root_task(const struct machine_info *machine)
{
    const u8 *elf = roottask_elf_start;
    size_t elf_size = (size_t)(roottask_elf_end - roottask_elf_start);
    const char *why;
    int segments = elf_validate(elf, elf_size, LAKE_USER_TOP, &why);
    if (segments < 0)
        panic("boot: root task image: %s", why);

    boot.cursor = align_up(virt_to_phys(__kernel_end), PAGE_SIZE);
    boot.limit = machine->ram_base + machine->ram_size;
    paddr_t first_allocated = boot.cursor;

    /* CSpace, VSpace, ASID pool, bootinfo. */
    paddr_t cnode = boot_alloc(LAKE_ROOT_CNODE_RADIX + LAKE_SLOT_BITS);
    boot.slots = phys_to_virt(cnode);
    boot.next_slot = LAKE_ROOT_FIRST_FREE_SLOT;
    boot_cap(&boot.slots[LAKE_ROOT_CNODE],
             cap_make(LAKE_OBJ_CNODE, cnode, LAKE_RIGHTS_ALL, LAKE_ROOT_CNODE_RADIX, false,
                      64 - LAKE_ROOT_CNODE_RADIX, 0));
    paddr_t vspace = boot_alloc(LAKE_VSPACE_BITS);
    boot.vspace = phys_to_virt(vspace);
    boot_cap(&boot.slots[LAKE_ROOT_VSPACE],
             cap_make(LAKE_OBJ_VSPACE, vspace, LAKE_RIGHTS_ALL, 0, false, 0, ROOT_ASID));
    paddr_t pool = boot_alloc(LAKE_ASID_POOL_BITS);
    asid_table[0] = phys_to_virt(pool);
    asid_table[0]->vspace[ROOT_ASID] = boot.vspace;
    boot_cap(&boot.slots[LAKE_ROOT_ASID_POOL], cap_make(LAKE_OBJ_ASID_POOL, pool, 0, 0, false, 0, 0));
    boot_cap(&boot.slots[LAKE_ROOT_ASID_CONTROL], cap_make(LAKE_OBJ_ASID_CONTROL, 0, 0, 0, false, 0, 0));
    boot_cap(&boot.slots[LAKE_ROOT_IRQ_CONTROL], cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0));

    /* Bootinfo page, filled below; needed by load_image for slot ranges. */
    static struct lake_bootinfo info_scratch;
    boot.info = &info_scratch;

    vaddr_t image_start, image_end;
    load_image(elf, segments, &image_start, &image_end);
    vaddr_t ipc_buffer = image_end + PAGE_SIZE;     /* one unmapped guard page */
    vaddr_t bootinfo = ipc_buffer + PAGE_SIZE;
    boot_extra_page(ipc_buffer, LAKE_ROOT_IPC_BUFFER);
    paddr_t bootinfo_pa = boot_extra_page(bootinfo, LAKE_ROOT_BOOTINFO_FRAME);
    boot.info->user_image_tables.end = boot.next_slot;

    struct tcb *root = make_root_thread(elf_entry(elf), ipc_buffer, bootinfo);

    /* Everything else is the root task's: RAM, then devices. */
    struct lake_bootinfo *bi = boot.info;
    bi->untyped.start = bi->untyped.end = boot.next_slot;
    add_untyped(LOW_RAM_START, KERNEL_LOAD_PADDR, false);
    add_untyped(align_up(boot.cursor, PAGE_SIZE), boot.limit, false);
    add_device_untyped();

    bi->magic = LAKE_BOOTINFO_MAGIC;
    bi->version = LAKE_BOOTINFO_VERSION;
    bi->num_cpus = 1;
    bi->ipc_buffer = ipc_buffer;
    bi->cnode_radix = LAKE_ROOT_CNODE_RADIX;
    bi->empty = (struct lake_slot_range){ boot.next_slot, BIT(LAKE_ROOT_CNODE_RADIX) };
    bi->image_start = image_start;
    bi->image_end = image_end;
    bi->timer_frequency = timer_frequency();
    for (size_t i = 0; i < sizeof(bi->cmdline) - 1 && machine->cmdline[i]; i++)
        bi->cmdline[i] = machine->cmdline[i];
    memcpy(phys_to_virt(bootinfo_pa), bi, sizeof(*bi));

    u64 ram = 0, device = 0;
    for (u64 i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        u64 size = BIT(bi->untyped_list[i].size_bits);
        if (bi->untyped_list[i].is_device)
            device += size;
        else
            ram += size;
    }
    kprintf("boot: root task %lu KiB at 0x%lx, entry 0x%lx; %lu untyped caps: %lu KiB RAM, "
            "%lu KiB devices; boot used %lu KiB\n",
            (unsigned long)((image_end - image_start) >> 10), (unsigned long)image_start,
            (unsigned long)elf_entry(elf), (unsigned long)(bi->untyped.end - bi->untyped.start),
            (unsigned long)(ram >> 10), (unsigned long)(device >> 10),
            (unsigned long)((boot.cursor - first_allocated) >> 10));
    (void)root;
}
