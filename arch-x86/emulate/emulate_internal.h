/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared between emulate.c (operands, memory, dispatch) and
 * string_ops.c (REP string and port I/O instructions).  Not an API.
 */
#ifndef HVX_EMULATE_INTERNAL_H
#define HVX_EMULATE_INTERNAL_H

#include "emulate.h"

#define PAGE_SIZE_4K		4096u
/* Elements a REP instruction may process per call before yielding. */
#define HVX_REP_DEFAULT_BUDGET	65536u
/* Largest bulk copy attempted at once by the REP MOVS fast path. */
#define HVX_REP_COPY_CHUNK	PAGE_SIZE_4K

/* A linear memory reference, translated page by page. */
struct mem_ref {
	u64 la;
	u64 gpa[2];
	unsigned int size;
	unsigned int first;	/* bytes in the first page */
};

static inline u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static inline u64 addr_mask(const struct hvx_emu_ctxt *ctxt)
{
	return size_mask(ctxt->insn.addr_size);
}

int emu_raise(struct hvx_emu_ctxt *ctxt, u8 vector, bool has_code, u32 code);
static inline int emu_gp0(struct hvx_emu_ctxt *ctxt)
{
	return emu_raise(ctxt, HVX_VEC_GP, true, 0);
}

u64 emu_reg_read(struct hvx_emu_ctxt *ctxt, unsigned int reg,
		 unsigned int size);
void emu_reg_write(struct hvx_emu_ctxt *ctxt, unsigned int reg,
		   unsigned int size, u64 val);
/* Write only the low @size bytes (addresses/counts of string ops). */
void emu_reg_write_addr(struct hvx_emu_ctxt *ctxt, unsigned int reg,
			unsigned int size, u64 val);

int emu_mem_prepare(struct hvx_emu_ctxt *ctxt, u8 seg, u64 ea,
		    unsigned int size, u32 access, struct mem_ref *ref);
int emu_mem_read(struct hvx_emu_ctxt *ctxt, const struct mem_ref *ref,
		 u64 *val);
int emu_mem_write(struct hvx_emu_ctxt *ctxt, const struct mem_ref *ref,
		  u64 val);

u64 emu_flags_sub(u64 a, u64 b, u64 carry, unsigned int size, u64 *res);
void emu_set_arith_flags(struct hvx_emu_ctxt *ctxt, u64 flags);

int emu_exec_string(struct hvx_emu_ctxt *ctxt);
int emu_exec_port_io(struct hvx_emu_ctxt *ctxt);

#endif /* HVX_EMULATE_INTERNAL_H */
