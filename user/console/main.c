/*
 * console: the user-space driver of the PL011 UART (issue 6 item 2;
 * docs/SERVICES.md, "Console driver"; protocol in lake/proto/console.h).
 *
 * Receive is interrupt driven: the RX and receive-timeout interrupts wake
 * the driver, which drains the receive FIFO into the line discipline
 * (core.c, ldisc.c) and signals its client (init) when input becomes
 * readable or Ctrl-C was typed. Transmit goes through a buffer: bytes go
 * to the FIFO while it has room; when it is full the TX interrupt says
 * when to go on. The kernel's set-up of the UART (baud rate, 8N1, FIFOs)
 * stays; the driver only adds interrupt masks.
 *
 * Extra caps from init: 0 the UART's register frame, 1 the IRQHandler of
 * IRQ 57.
 */
#include <stdint.h>

#include <lake/env.h>
#include <lake/lake.h>
#include <lake/proto/console.h>

#include "core.h"
#include "service.h"

LAKE_RPC_DEFINE_SERVER(cons, CONS_INTERFACE)

#define CAP_REGISTERS   0
#define CAP_IRQ         1
#define IRQ_BIT         0               /* the loop's notification bit for the UART */
#define ROOT_DEPTH      64

/* PL011 registers (byte offsets) and bits. */
#define UART_DR         0x00
#define UART_FR         0x18
#define UART_IMSC       0x38
#define UART_MIS        0x40
#define UART_ICR        0x44
#define DR_ERRORS       (0xfu << 8)     /* overrun, break, parity, framing */
#define DR_DISCARD      (0x7u << 8)     /* break, parity, framing: the byte is bad */
#define FR_RXFE         (1u << 4)
#define FR_TXFF         (1u << 5)
#define INT_RX          (1u << 4)
#define INT_TX          (1u << 5)
#define INT_RT          (1u << 6)

/* At most this many bytes per interrupt, so a flood of input cannot keep
 * the driver from its clients (the level interrupt brings it back). */
#define RX_BURST        256

static struct {
    struct service service;
    volatile uint32_t *regs;
    lake_cptr_t irq;
    uint32_t imsc;                      /* what the driver put in IMSC */
    lake_cptr_t input_signal, interrupt_signal;     /* 0: nobody attached */
    struct console con;
    uint64_t interrupts, rx_bytes, rx_errors;
} uart;

/* ---- the hardware ------------------------------------------------------- */

static uint32_t reg_read(unsigned offset)
{
    return uart.regs[offset / 4];
}

static void reg_write(unsigned offset, uint32_t value)
{
    uart.regs[offset / 4] = value;
}

static void set_interrupt_mask(uint32_t imsc)
{
    if (imsc != uart.imsc)
        reg_write(UART_IMSC, imsc);
    uart.imsc = imsc;
}

/* Fill the transmit FIFO from the buffer; ask for the TX interrupt only
 * while bytes are left over. */
static void transmit(void)
{
    const char *bytes;
    size_t n;
    while ((n = cons_tx_peek(&uart.con.tx, &bytes)) > 0) {
        size_t sent = 0;
        while (sent < n && !(reg_read(UART_FR) & FR_TXFF))
            reg_write(UART_DR, (unsigned char)bytes[sent++]);
        cons_tx_consume(&uart.con.tx, sent);
        if (sent < n)
            break;
    }
    bool pending = cons_tx_held(&uart.con.tx) > 0;
    set_interrupt_mask(pending ? uart.imsc | INT_TX : uart.imsc & ~INT_TX);
}

/* ---- the client's notifications ------------------------------------------- */

static void signal_events(unsigned events)
{
    if (events & LDISC_EV_INTERRUPT)
        uart.con.interrupted = true;    /* the next read reports it */
    if ((events & LDISC_EV_READABLE) && uart.input_signal)
        lake_signal(uart.input_signal);
    if ((events & LDISC_EV_INTERRUPT) && uart.interrupt_signal)
        lake_signal(uart.interrupt_signal);
}

static void free_cap(lake_cptr_t cap)
{
    service_free_slot(cap);
}

static void detach(void)
{
    if (uart.interrupt_signal != uart.input_signal)
        free_cap(uart.interrupt_signal);
    free_cap(uart.input_signal);
    uart.input_signal = uart.interrupt_signal = 0;
}

/* A cap that signals `bits` of the client's notification. */
static int mint_signal(lake_cptr_t ntfn, uint64_t bits, lake_cptr_t *cap)
{
    lake_cptr_t root = lake_env_cspace_root();
    *cap = 0;
    int error = service_alloc_slot(cap);
    if (error != LAKE_OK)
        return error;
    error = lake_cnode_mint(root, *cap, ROOT_DEPTH, root, ntfn, ROOT_DEPTH, LAKE_RIGHT_WRITE,
                            bits);
    if (error != LAKE_OK) {
        service_free_slot(*cap);
        *cap = 0;
    }
    return error;
}

/* ---- receive ---------------------------------------------------------------- */

static void receive(void)
{
    unsigned char bytes[RX_BURST];
    size_t n = 0;
    while (n < RX_BURST && !(reg_read(UART_FR) & FR_RXFE)) {
        uint32_t data = reg_read(UART_DR);
        if (data & DR_ERRORS)
            uart.rx_errors++;
        if (!(data & DR_DISCARD))
            bytes[n++] = (unsigned char)data;
    }
    uart.rx_bytes += n;
    signal_events(console_receive(&uart.con, bytes, n));
}

static void on_uart_interrupt(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop;
    (void)bits;
    (void)arg;
    service_tidy();
    uart.interrupts++;
    uint32_t status = reg_read(UART_MIS);
    /* Clear RX before draining: a byte arriving after the drain raises it
     * again, while clearing after the drain could lose that byte's
     * interrupt for good. */
    reg_write(UART_ICR, status & (INT_RX | INT_RT | INT_TX));
    receive();
    transmit();                         /* echo, and the TX interrupt's work */
    lake_irq_handler_ack(uart.irq);
}

/* ---- requests ---------------------------------------------------------------- */

/* attach: the client's notification cap; the driver mints one cap per
 * event from it. A cap that is badged already cannot be minted from: it
 * is then signalled as it is for both events. */
static int handle_attach(struct lake_rpc_call *call, const struct cons_attach_in *in,
                         struct cons_attach_out *out)
{
    (void)call;
    (void)out;
    service_tidy();
    lake_cptr_t given = in->caps[0];
    if (lake_debug_cap_identify(given) != LAKE_OBJ_NOTIFICATION) {
        free_cap(given);
        return LAKE_INVALID_CAPABILITY;
    }
    if (in->input_bits == 0 || in->interrupt_bits == 0) {
        free_cap(given);
        return LAKE_INVALID_ARGUMENT;
    }
    lake_cptr_t input = 0, interrupt = 0;
    int error = mint_signal(given, in->input_bits, &input);
    if (error == LAKE_ILLEGAL_OPERATION) {
        input = interrupt = given;      /* badged already: signalled as it is */
    } else {
        if (error == LAKE_OK)
            error = mint_signal(given, in->interrupt_bits, &interrupt);
        free_cap(given);
        if (error != LAKE_OK) {
            free_cap(input);
            return error;
        }
    }
    detach();
    uart.input_signal = input;
    uart.interrupt_signal = interrupt;
    /* Input typed before anyone attached is waiting. */
    if (ldisc_readable(&uart.con.ld))
        signal_events(LDISC_EV_READABLE);
    return LAKE_OK;
}

static int handle_write(struct lake_rpc_call *call, const struct cons_write_in *in,
                        struct cons_write_out *out)
{
    (void)call;
    service_tidy();
    int error = console_write(&uart.con, in->writer, in->data, in->count, &out->count);
    transmit();
    return error;
}

static int handle_read(struct lake_rpc_call *call, const struct cons_read_in *in,
                       struct cons_read_out *out)
{
    (void)call;
    service_tidy();
    int error = console_read(&uart.con, in->max, out->data, &out->count, &out->flags);
    transmit();                         /* partial lines (prompts) went out */
    return error;
}

static int handle_set_mode(struct lake_rpc_call *call, const struct cons_set_mode_in *in,
                           struct cons_set_mode_out *out)
{
    (void)call;
    (void)out;
    service_tidy();
    unsigned events = 0;
    int error = console_set_mode(&uart.con, in->mode, &events);
    signal_events(events);
    return error;
}

static int handle_flush(struct lake_rpc_call *call, const struct cons_flush_in *in,
                        struct cons_flush_out *out)
{
    (void)call;
    (void)out;
    service_tidy();
    int error = console_flush(&uart.con, in->writer);
    transmit();
    return error;
}

static const struct cons_server_ops ops = {
    .attach = handle_attach,
    .write = handle_write,
    .read = handle_read,
    .set_mode = handle_set_mode,
    .flush = handle_flush,
};

/* ---- start-up ------------------------------------------------------------------ */

int main(void)
{
    struct service *s = &uart.service;
    console_init(&uart.con);
    int error = service_init(s, "console", &cons_interface, &ops, &uart);
    if (error != LAKE_OK)
        service_fail(s, "event loop", error);
    lake_cptr_t frame = service_extra_cap(CAP_REGISTERS);
    uart.irq = service_extra_cap(CAP_IRQ);
    if (frame == 0 || uart.irq == 0)
        service_fail(s, "register frame and IRQHandler caps", LAKE_INVALID_CAPABILITY);
    error = service_map_device(frame, &uart.regs);
    if (error != LAKE_OK)
        service_fail(s, "mapping the registers", error);
    /* Only the interrupt masks change: the kernel set the UART up. */
    uart.imsc = reg_read(UART_IMSC);
    set_interrupt_mask((uart.imsc | INT_RX | INT_RT) & ~INT_TX);
    error = service_bind_irq(s, uart.irq, IRQ_BIT, on_uart_interrupt, NULL);
    if (error != LAKE_OK)
        service_fail(s, "binding the UART interrupt", error);
    receive();                          /* what was typed before */
    error = service_register(s);
    if (error != LAKE_OK)
        service_fail(s, "registering with the name service", error);
    return lake_event_loop_run(&s->loop);
}
