// SPDX-License-Identifier: GPL-2.0-only
/*
 * The part of a world switch that no VMCB or VMCS does for us, the same on
 * both vendors: XCR0, IA32_SPEC_CTRL, TSC_AUX and DR0-3. Called with
 * interrupts off, right before and right after the guest runs.
 */
#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include "hvx_core.h"

void hvx_switch_to_guest(struct hvx_vcpu *vcpu, struct hvx_host_regs *host)
{
	struct hvx_x86 *x = &vcpu->x86;

	/*
	 * The guest's XCR0 is loaded whatever its CR4.OSXSAVE says (XCR0 only
	 * matters once OSXSAVE is set, and it is simpler than tracking it).
	 */
	host->swap_xcr0 = false;
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		host->xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		host->swap_xcr0 = x->xcr0 != host->xcr0;
		if (host->swap_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, x->xcr0);
	}
	/* The guest changes SPEC_CTRL only through WRMSR exits: no read-back. */
	host->swap_spec_ctrl = false;
	if (boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL)) {
		rdmsrl(MSR_IA32_SPEC_CTRL, host->spec_ctrl);
		host->swap_spec_ctrl = host->spec_ctrl != x->spec_ctrl;
		if (host->swap_spec_ctrl)
			wrmsrl(MSR_IA32_SPEC_CTRL, x->spec_ctrl);
	}
	/* RDPID reads TSC_AUX with no intercept on either vendor. */
	host->swap_tsc_aux = boot_cpu_has(X86_FEATURE_RDPID);
	if (host->swap_tsc_aux) {
		rdmsrl(MSR_TSC_AUX, host->tsc_aux);
		wrmsrl(MSR_TSC_AUX, x->tsc_aux);
	}
	/* DR0-3 are in neither the VMCB nor the VMCS. */
	set_debugreg(x->db[0], 0);
	set_debugreg(x->db[1], 1);
	set_debugreg(x->db[2], 2);
	set_debugreg(x->db[3], 3);
}

void hvx_switch_to_host(struct hvx_vcpu *vcpu, const struct hvx_host_regs *host)
{
	struct hvx_x86 *x = &vcpu->x86;

	get_debugreg(x->db[0], 0);
	get_debugreg(x->db[1], 1);
	get_debugreg(x->db[2], 2);
	get_debugreg(x->db[3], 3);
	/* The exit left DR7 disabled; the host's breakpoints come back here. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (host->swap_tsc_aux)
		wrmsrl(MSR_TSC_AUX, host->tsc_aux);
	if (host->swap_spec_ctrl)
		wrmsrl(MSR_IA32_SPEC_CTRL, host->spec_ctrl);
	if (host->swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host->xcr0);
}
