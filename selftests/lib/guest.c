// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-side C: the exception handler behind the library's IDT and the
 * ucall sender. Runs only inside the guest; uses no libc.
 */
#include "apic.h"
#include "guest.h"

volatile uint64_t guest_fixup_rip;
volatile struct guest_exception guest_exception;
guest_handler_t guest_handlers[GUEST_VECTORS];
volatile bool apic_x2;

void guest_handle_exception(struct guest_frame *f);

void guest_handle_exception(struct guest_frame *f)
{
	guest_handler_t h = guest_handlers[f->vector];

	if (h) {
		h(f);
		return;
	}
	if (guest_fixup_rip && f->vector < 32) {
		guest_exception.vector = f->vector;
		guest_exception.error_code = f->error_code;
		guest_exception.rip = f->rip;
		f->rip = guest_fixup_rip;
		guest_fixup_rip = 0;
		return;
	}
	ucall_send(UCALL_UNHANDLED, __FILE__, __LINE__,
		   f->vector < 32 ? "unexpected exception" : "unexpected interrupt",
		   UC_ARGS(f->vector, f->error_code, f->rip));
}

/* Reached when a guest entry function returns instead of GUEST_DONE(). */
void guest_code_returned(void);

void guest_code_returned(void)
{
	GUEST_FAIL(0);
}

void ucall_send(uint64_t cmd, const char *file, int line, const char *expr,
		int nargs, const uint64_t *args)
{
	struct ucall uc;
	int i;

	uc.cmd = cmd;
	uc.nargs = nargs;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc.args[i] = i < nargs ? args[i] : 0;
	uc.file = (uint64_t)file;
	uc.expr = (uint64_t)expr;
	uc.line = line;
	/* The struct is on the stack, below 4 GiB: its GPA fits an OUT dword. */
	asm volatile("outl %0, %1" :: "a"((uint32_t)(uint64_t)&uc), "Nd"(UCALL_PORT)
		     : "memory");
	if (cmd == UCALL_ASSERT || cmd == UCALL_UNHANDLED)
		for (;;)	/* a host that resumes anyway sees HLT exits */
			guest_hlt();
}
