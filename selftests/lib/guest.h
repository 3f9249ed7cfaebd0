/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest side of the library: what a test's guest code (a plain C function
 * of the test binary, running in 64-bit mode at CPL 0 with GVA == GPA) may
 * use. Guest code must not call libc: the copy of the binary in guest
 * memory has no libc state (no TLS, no heap, no stdio).
 *
 * Expected exceptions: guest_asm_safe() runs one instruction and yields the
 * vector it raised, or GUEST_NO_EXCEPTION. Any other exception reaches the
 * host as UCALL_UNHANDLED (vector, error code, RIP) and fails the test.
 */
#ifndef HVX_GUEST_H
#define HVX_GUEST_H

#include <stdint.h>
#include "guest_layout.h"
#include "ucall.h"

#define DE_VECTOR	0
#define DB_VECTOR	1
#define BP_VECTOR	3
#define UD_VECTOR	6
#define NM_VECTOR	7
#define DF_VECTOR	8
#define GP_VECTOR	13
#define PF_VECTOR	14
#define GUEST_NO_EXCEPTION	0xff
#define NMI_VECTOR	2

/* The frame guest_entry.S builds: its pushes, then what the CPU pushed. */
struct guest_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * Handlers for any vector (interrupts, NMI, exceptions a test expects):
 * guest_handlers[vector] = fn, from guest code or, before the vCPU runs,
 * from the host (vm_set_handler). A handler runs with interrupts off and
 * returns through IRET; it sends the LAPIC EOI itself. The interrupted
 * code's general and SSE registers are saved around it. A vector without
 * a handler fails the test (UCALL_UNHANDLED), but for guest_asm_safe().
 */
typedef void (*guest_handler_t)(struct guest_frame *f);
extern guest_handler_t guest_handlers[GUEST_VECTORS];

struct guest_exception {
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip;
};

/* Where the handler resumes after an expected exception; 0: none expected. */
extern volatile uint64_t guest_fixup_rip;
extern volatile struct guest_exception guest_exception;

/*
 * guest_asm_safe("rdmsr", : "=a"(lo), "=d"(hi) : "c"(msr) : "memory")
 * Must name "memory" among the clobbers. Outputs are undefined when an
 * exception happened. One vCPU at a time may use it (a shared variable).
 */
#define guest_asm_safe(insn, ...) ({					\
	guest_exception.vector = GUEST_NO_EXCEPTION;			\
	asm volatile("movq $1f, guest_fixup_rip\n\t"			\
		     insn "\n"						\
		     "1:\tmovq $0, guest_fixup_rip"			\
		     __VA_ARGS__);					\
	(uint8_t)guest_exception.vector;				\
})

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a,
			       uint32_t *b, uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(sub) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" :: "a"((uint32_t)val), "d"((uint32_t)(val >> 32)),
		     "c"(msr) : "memory");
}

static inline uint8_t rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	uint8_t v = guest_asm_safe("rdmsr", : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");

	*val = lo | (uint64_t)hi << 32;
	return v;
}

static inline uint8_t wrmsr_safe(uint32_t msr, uint64_t val)
{
	return guest_asm_safe("wrmsr", :: "a"((uint32_t)val),
			      "d"((uint32_t)(val >> 32)), "c"(msr) : "memory");
}

static inline uint64_t get_cr0(void) { uint64_t v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t get_cr3(void) { uint64_t v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t get_cr4(void) { uint64_t v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void set_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void guest_hlt(void) { asm volatile("hlt" ::: "memory"); }
static inline void guest_cli(void) { asm volatile("cli" ::: "memory"); }
static inline void guest_sti(void) { asm volatile("sti" ::: "memory"); }
/* STI's one-instruction shadow: an interrupt pending now wakes the HLT. */
static inline void guest_sti_hlt(void) { asm volatile("sti; hlt" ::: "memory"); }
/* Opens an interrupt window of one instruction, then closes it. */
static inline void guest_sti_nop_cli(void) { asm volatile("sti; nop; cli" ::: "memory"); }
static inline void guest_pause(void) { asm volatile("pause" ::: "memory"); }

/*
 * Interrupts on until *count reaches n, for an interrupt the host may have
 * raised while the vCPU was stopped. An interrupt already pending is taken
 * in STI;NOP;CLI windows first, and the vCPU halts only for one still to
 * come: QEMU's SVM model can lose STI's shadow when a host interrupt
 * exits right after the STI, and "sti; hlt" would then take the pending
 * interrupt before the HLT and halt with nothing left to wake it.
 */
static inline void guest_wait_count(volatile uint64_t *count, uint64_t n)
{
	int polls;

	for (polls = 0; *count < n && polls < 1000; polls++)
		guest_sti_nop_cli();
	while (*count < n)
		guest_sti_hlt();
}

#endif /* HVX_GUEST_H */
