// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 16550A UART: what Linux's 8250 driver and simple polled code use.
 * Transmit is immediate (every THR write goes straight to the console fd,
 * so THR is always empty); receive has a FIFO filled from the console,
 * bigger than the chip's 16 bytes so pasted or scripted input is not
 * dropped. The interrupt line follows IIR: raised while an enabled source
 * is pending, lowered when none is.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "../vm.h"
#include "platform.h"

enum uart_reg { UART_RBR_THR, UART_IER, UART_IIR_FCR, UART_LCR, UART_MCR, UART_LSR, UART_MSR,
		UART_SCR, UART_NR_REGS };

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IER_MASK	0x0f
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO_ON	0xc0
#define FCR_FIFO_ENABLE	0x01
#define FCR_CLEAR_RCVR	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define RX_FIFO_SIZE	4096

struct serial {
	struct vmm_device dev;
	struct vm *vm;
	uint16_t port;
	uint32_t gsi;
	int out_fd;
	int space_efd;

	pthread_mutex_t lock;		/* guards everything below */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_ipending;
	bool irq_level;
	uint8_t rx[RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
};

static uint8_t serial_iir(struct serial *s)
{
	uint8_t fifo = s->fcr & FCR_FIFO_ENABLE ? IIR_FIFO_ON : 0;

	if ((s->ier & IER_RDI) && s->rx_count)
		return IIR_RDI | fifo;
	if ((s->ier & IER_THRI) && s->thr_ipending)
		return IIR_THRI | fifo;
	return IIR_NO_INT | fifo;
}

static void serial_update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & IIR_NO_INT);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	vm_irq_line(s->vm, s->gsi, level);
}

static void serial_push_rx(struct serial *s, uint8_t c)
{
	if (s->rx_count == RX_FIFO_SIZE)
		return;
	s->rx[(s->rx_head + s->rx_count) % RX_FIFO_SIZE] = c;
	s->rx_count++;
}

static uint8_t serial_pop_rx(struct serial *s)
{
	uint64_t one = 1;
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % RX_FIFO_SIZE;
	if (s->rx_count-- == RX_FIFO_SIZE || s->rx_count == 0) {
		if (write(s->space_efd, &one, sizeof(one)) < 0)
			vmm_debug("uart: space eventfd: %s", strerror(errno));
	}
	return c;
}

static void serial_transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		serial_push_rx(s, c);
	} else if (write(s->out_fd, &c, 1) < 0 && errno != EAGAIN) {
		/* A closed console is no reason to stop the guest. */
		vmm_debug("uart: console write: %s", strerror(errno));
	}
	s->thr_ipending = true;
}

static uint8_t serial_msr(struct serial *s)
{
	if (s->mcr & MCR_LOOP)
		return (s->mcr & MCR_RTS ? MSR_CTS : 0) | (s->mcr & MCR_DTR ? MSR_DSR : 0) |
		       (s->mcr & MCR_OUT1 ? MSR_RI : 0) | (s->mcr & MCR_OUT2 ? MSR_DCD : 0);
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

static uint8_t serial_read(struct serial *s, unsigned int reg)
{
	uint8_t v = 0;

	switch (reg) {
	case UART_RBR_THR:
		v = s->lcr & LCR_DLAB ? s->dll : serial_pop_rx(s);
		break;
	case UART_IER:
		v = s->lcr & LCR_DLAB ? s->dlm : s->ier;
		break;
	case UART_IIR_FCR:
		v = serial_iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			s->thr_ipending = false;
		break;
	case UART_LCR: v = s->lcr; break;
	case UART_MCR: v = s->mcr; break;
	case UART_LSR: v = LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0); break;
	case UART_MSR: v = serial_msr(s); break;
	case UART_SCR: v = s->scr; break;
	}
	return v;
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR_THR:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			serial_transmit(s, v);
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with THR empty raises it at once, as on the chip. */
		if (!(s->ier & IER_THRI) && (v & IER_THRI))
			s->thr_ipending = true;
		s->ier = v & IER_MASK;
		break;
	case UART_IIR_FCR:
		s->fcr = v & FCR_FIFO_ENABLE;
		if (v & FCR_CLEAR_RCVR)
			s->rx_count = 0;
		break;
	case UART_LCR: s->lcr = v; break;
	case UART_MCR: s->mcr = v & 0x1f; break;
	case UART_SCR: s->scr = v; break;
	default: break;		/* LSR, MSR: read-only */
	}
}

static void serial_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct serial *s = opaque;
	unsigned int reg = addr - s->port;

	if (len != 1) {		/* The UART has byte registers only. */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (is_write)
		serial_write(s, reg, data[0]);
	else
		data[0] = serial_read(s, reg);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

size_t serial__receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_count < RX_FIFO_SIZE)
		serial_push_rx(s, buf[n++]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

int serial__space_fd(struct serial *s)
{
	return s->space_efd;
}

static void serial_exit(struct vmm_device *dev)
{
	struct serial *s = (struct serial *)dev;

	trap_unregister(s->vm, TRAP_PIO, s->port);
	close(s->space_efd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int serial__create(struct vm *vm, uint16_t port, uint32_t gsi, int out_fd, struct serial **out)
{
	struct serial *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	*s = (struct serial){
		.dev = { .name = "uart", .exit = serial_exit },
		.vm = vm, .port = port, .gsi = gsi, .out_fd = out_fd,
		.mcr = MCR_OUT2,
	};
	pthread_mutex_init(&s->lock, NULL);
	s->space_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->space_efd < 0) {
		ret = -errno;
		free(s);
		return ret;
	}
	ret = trap_register(vm, TRAP_PIO, port, UART_NR_REGS, serial_trap, s);
	if (ret) {
		vmm_error("uart at %#x: %s", port, strerror(-ret));
		close(s->space_efd);
		free(s);
		return ret;
	}
	vm_add_device(vm, &s->dev);
	*out = s;
	return 0;
}
