/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shadow paging: for CPUs (or the paging=shadow module parameter) without
 * nested paging. Each vCPU runs on shadow page tables that map the guest's
 * linear addresses straight to host pages; they are filled on #PF exits
 * from the guest's own page tables (walked with the emulator's walker) and
 * kept in sync with them by write-protecting the guest's page-table pages,
 * one cached root per guest CR3. See the comment at the top of shadow.c
 * and Documentation/architecture.md.
 */
#ifndef HVX_SHADOW_H
#define HVX_SHADOW_H

#include <linux/types.h>
#include "hvx_core.h"

struct hvx_insn;
struct hvx_vcpu;
struct hvx_vm;
struct page;

static inline bool hvx_shadow_enabled(void)
{
	return hvx_caps.paging == HVX_PAGING_SHADOW;
}

/* The control registers the CPU runs the guest with (derived from the guest's). */
struct hvx_shadow_hw {
	u64 cr0, cr3, cr4, efer;
};

/* Module load and unload, only when hvx_shadow_enabled(): the shrinker. */
int hvx_shadow_init(void);
void hvx_shadow_exit(void);

/* HVX_GET_VM_STATS: table pages (roots included) and roots of all of
 * @vm's vCPUs now, leaves filled and prefetched so far. */
struct hvx_vm_stats;
void hvx_shadow_vm_stats(struct hvx_vm *vm, struct hvx_vm_stats *out);

/* vCPU lifetime (hvx_vcpu.c), only when hvx_shadow_enabled(). */
int hvx_shadow_vcpu_init(struct hvx_vcpu *vcpu);
void hvx_shadow_vcpu_destroy(struct hvx_vcpu *vcpu);

/*
 * Before each entry, in the vCPU thread: drop the shadow tables if the
 * guest's paging mode changed since they were built, and return the CR0,
 * CR3, CR4 and EFER to run with (EFER without SVME).
 */
void hvx_shadow_load(struct hvx_vcpu *vcpu, struct hvx_shadow_hw *hw);

/*
 * A #PF exit at linear @la with the CPU's @error_code: fill the shadow from
 * the guest's tables, reflect the guest's own fault (exact error code and
 * CR2), or emulate an access to MMIO. Exit-handler return convention.
 */
int hvx_shadow_page_fault(struct hvx_vcpu *vcpu, u64 la, u32 error_code);

/*
 * The emulator wrote @len bytes at guest physical @gpa (in RAM): if that is
 * a guest page table, update the shadow entries made from it.
 */
void hvx_shadow_guest_write(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len);

/* The guest's TLB maintenance: INVLPG @la; a full flush (MOV to CR3). */
void hvx_shadow_invlpg(struct hvx_vcpu *vcpu, u64 la);
void hvx_shadow_flush(struct hvx_vcpu *vcpu);

/*
 * Drop every shadow mapping of every vCPU of @vm (the host changed guest
 * memory). Caller holds vm->mmu_lock and flushes TLBs afterwards.
 */
void hvx_shadow_zap_all(struct hvx_vm *vm);

/*
 * Dirty logging took write access from host page @pfn in the nested
 * tables: its shadow leaves lose it too. Caller holds vm->mmu_lock and
 * flushes TLBs if this returns true.
 */
bool hvx_shadow_write_protect_pfn(struct hvx_vm *vm, u64 pfn);

/*
 * KVM_SET_NR_MMU_PAGES / KVM_GET_NR_MMU_PAGES: the VM's budget of shadow
 * table pages (default: the shadow_max_pages parameter).
 */
int hvx_shadow_set_nr_mmu_pages(struct hvx_vm *vm, unsigned long nr);
unsigned long hvx_shadow_get_nr_mmu_pages(struct hvx_vm *vm);

/* hvx_cr.c: control-register, INVLPG and INVPCID exits under shadow paging. */
int hvx_handle_cr_access(struct hvx_vcpu *vcpu);
int hvx_handle_invlpg(struct hvx_vcpu *vcpu);
int hvx_handle_invpcid(struct hvx_vcpu *vcpu);
/* MOV to CR3 of @val: false for #GP(0). Also VMX's CR3-load exits. */
bool hvx_set_cr3(struct hvx_vcpu *vcpu, u64 val);
/* The linear address of a decoded instruction's ModRM memory operand. */
u64 hvx_insn_linear(struct hvx_vcpu *vcpu, const struct hvx_insn *insn);

/*
 * Map host @page read-only and supervisor-only at @la in the vCPU's
 * current root: hvx's own structures the CPU must see at a linear address
 * the guest cannot reach (the virtual-8086 TSS, vmx_vm86.c). The mapping
 * goes with the root's other leaves and is made again at the next fault.
 */
int hvx_shadow_map_private(struct hvx_vcpu *vcpu, u64 la, struct page *page);

#endif /* HVX_SHADOW_H */
