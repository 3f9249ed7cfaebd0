/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMCS as hvx uses it: field encodings (Intel SDM vol. 3, appendix B),
 * width-checked VMREAD/VMWRITE accessors, the bits of the control fields,
 * exit reasons, and the interruption-information format.
 *
 * A field's width is in bits 14:13 of its encoding; the accessors refuse
 * at compile time to read or write a field through the wrong width, so a
 * 16-bit selector can never be written as a 64-bit value by mistake.
 */
#ifndef HVX_VMCS_H
#define HVX_VMCS_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/asm.h>

enum vmcs_field {
	/* 16-bit control */
	VMCS_VPID			= 0x00000000,
	/* 16-bit guest state */
	VMCS_GUEST_ES_SELECTOR		= 0x00000800,
	VMCS_GUEST_CS_SELECTOR		= 0x00000802,
	VMCS_GUEST_SS_SELECTOR		= 0x00000804,
	VMCS_GUEST_DS_SELECTOR		= 0x00000806,
	VMCS_GUEST_FS_SELECTOR		= 0x00000808,
	VMCS_GUEST_GS_SELECTOR		= 0x0000080a,
	VMCS_GUEST_LDTR_SELECTOR	= 0x0000080c,
	VMCS_GUEST_TR_SELECTOR		= 0x0000080e,
	/* 16-bit host state */
	VMCS_HOST_ES_SELECTOR		= 0x00000c00,
	VMCS_HOST_CS_SELECTOR		= 0x00000c02,
	VMCS_HOST_SS_SELECTOR		= 0x00000c04,
	VMCS_HOST_DS_SELECTOR		= 0x00000c06,
	VMCS_HOST_FS_SELECTOR		= 0x00000c08,
	VMCS_HOST_GS_SELECTOR		= 0x00000c0a,
	VMCS_HOST_TR_SELECTOR		= 0x00000c0c,
	/* 64-bit control */
	VMCS_IO_BITMAP_A		= 0x00002000,
	VMCS_IO_BITMAP_B		= 0x00002002,
	VMCS_MSR_BITMAP			= 0x00002004,
	VMCS_EXIT_MSR_STORE_ADDR	= 0x00002006,
	VMCS_EXIT_MSR_LOAD_ADDR		= 0x00002008,
	VMCS_ENTRY_MSR_LOAD_ADDR	= 0x0000200a,
	VMCS_TSC_OFFSET			= 0x00002010,
	VMCS_EPT_POINTER		= 0x0000201a,
	/* 64-bit read-only data */
	VMCS_GUEST_PHYSICAL_ADDRESS	= 0x00002400,
	/* 64-bit guest state */
	VMCS_LINK_POINTER		= 0x00002800,
	VMCS_GUEST_IA32_DEBUGCTL	= 0x00002802,
	VMCS_GUEST_IA32_PAT		= 0x00002804,
	VMCS_GUEST_IA32_EFER		= 0x00002806,
	VMCS_GUEST_PDPTR0		= 0x0000280a,
	VMCS_GUEST_PDPTR1		= 0x0000280c,
	VMCS_GUEST_PDPTR2		= 0x0000280e,
	VMCS_GUEST_PDPTR3		= 0x00002810,
	/* 64-bit host state */
	VMCS_HOST_IA32_PAT		= 0x00002c00,
	VMCS_HOST_IA32_EFER		= 0x00002c02,
	/* 32-bit control */
	VMCS_PIN_CONTROLS		= 0x00004000,
	VMCS_PROC_CONTROLS		= 0x00004002,
	VMCS_EXCEPTION_BITMAP		= 0x00004004,
	VMCS_PF_ERROR_CODE_MASK		= 0x00004006,
	VMCS_PF_ERROR_CODE_MATCH	= 0x00004008,
	VMCS_CR3_TARGET_COUNT		= 0x0000400a,
	VMCS_EXIT_CONTROLS		= 0x0000400c,
	VMCS_EXIT_MSR_STORE_COUNT	= 0x0000400e,
	VMCS_EXIT_MSR_LOAD_COUNT	= 0x00004010,
	VMCS_ENTRY_CONTROLS		= 0x00004012,
	VMCS_ENTRY_MSR_LOAD_COUNT	= 0x00004014,
	VMCS_ENTRY_INTR_INFO		= 0x00004016,
	VMCS_ENTRY_EXCEPTION_ERROR_CODE	= 0x00004018,
	VMCS_ENTRY_INSTRUCTION_LEN	= 0x0000401a,
	VMCS_TPR_THRESHOLD		= 0x0000401c,
	VMCS_PROC_CONTROLS2		= 0x0000401e,
	VMCS_PLE_GAP			= 0x00004020,
	VMCS_PLE_WINDOW			= 0x00004022,
	/* 32-bit read-only data */
	VMCS_INSTRUCTION_ERROR		= 0x00004400,
	VMCS_EXIT_REASON		= 0x00004402,
	VMCS_EXIT_INTR_INFO		= 0x00004404,
	VMCS_EXIT_INTR_ERROR_CODE	= 0x00004406,
	VMCS_IDT_VECTORING_INFO		= 0x00004408,
	VMCS_IDT_VECTORING_ERROR_CODE	= 0x0000440a,
	VMCS_EXIT_INSTRUCTION_LEN	= 0x0000440c,
	VMCS_EXIT_INSTRUCTION_INFO	= 0x0000440e,
	/* 32-bit guest state */
	VMCS_GUEST_ES_LIMIT		= 0x00004800,
	VMCS_GUEST_CS_LIMIT		= 0x00004802,
	VMCS_GUEST_SS_LIMIT		= 0x00004804,
	VMCS_GUEST_DS_LIMIT		= 0x00004806,
	VMCS_GUEST_FS_LIMIT		= 0x00004808,
	VMCS_GUEST_GS_LIMIT		= 0x0000480a,
	VMCS_GUEST_LDTR_LIMIT		= 0x0000480c,
	VMCS_GUEST_TR_LIMIT		= 0x0000480e,
	VMCS_GUEST_GDTR_LIMIT		= 0x00004810,
	VMCS_GUEST_IDTR_LIMIT		= 0x00004812,
	VMCS_GUEST_ES_AR		= 0x00004814,
	VMCS_GUEST_CS_AR		= 0x00004816,
	VMCS_GUEST_SS_AR		= 0x00004818,
	VMCS_GUEST_DS_AR		= 0x0000481a,
	VMCS_GUEST_FS_AR		= 0x0000481c,
	VMCS_GUEST_GS_AR		= 0x0000481e,
	VMCS_GUEST_LDTR_AR		= 0x00004820,
	VMCS_GUEST_TR_AR		= 0x00004822,
	VMCS_GUEST_INTERRUPTIBILITY	= 0x00004824,
	VMCS_GUEST_ACTIVITY_STATE	= 0x00004826,
	VMCS_GUEST_SYSENTER_CS		= 0x0000482a,
	VMCS_PREEMPTION_TIMER_VALUE	= 0x0000482e,
	/* 32-bit host state */
	VMCS_HOST_IA32_SYSENTER_CS	= 0x00004c00,
	/* natural-width control */
	VMCS_CR0_GUEST_HOST_MASK	= 0x00006000,
	VMCS_CR4_GUEST_HOST_MASK	= 0x00006002,
	VMCS_CR0_READ_SHADOW		= 0x00006004,
	VMCS_CR4_READ_SHADOW		= 0x00006006,
	/* natural-width read-only data */
	VMCS_EXIT_QUALIFICATION		= 0x00006400,
	VMCS_GUEST_LINEAR_ADDRESS	= 0x0000640a,
	/* natural-width guest state */
	VMCS_GUEST_CR0			= 0x00006800,
	VMCS_GUEST_CR3			= 0x00006802,
	VMCS_GUEST_CR4			= 0x00006804,
	VMCS_GUEST_ES_BASE		= 0x00006806,
	VMCS_GUEST_CS_BASE		= 0x00006808,
	VMCS_GUEST_SS_BASE		= 0x0000680a,
	VMCS_GUEST_DS_BASE		= 0x0000680c,
	VMCS_GUEST_FS_BASE		= 0x0000680e,
	VMCS_GUEST_GS_BASE		= 0x00006810,
	VMCS_GUEST_LDTR_BASE		= 0x00006812,
	VMCS_GUEST_TR_BASE		= 0x00006814,
	VMCS_GUEST_GDTR_BASE		= 0x00006816,
	VMCS_GUEST_IDTR_BASE		= 0x00006818,
	VMCS_GUEST_DR7			= 0x0000681a,
	VMCS_GUEST_RSP			= 0x0000681c,
	VMCS_GUEST_RIP			= 0x0000681e,
	VMCS_GUEST_RFLAGS		= 0x00006820,
	VMCS_GUEST_PENDING_DBG		= 0x00006822,
	VMCS_GUEST_SYSENTER_ESP		= 0x00006824,
	VMCS_GUEST_SYSENTER_EIP		= 0x00006826,
	/* natural-width host state */
	VMCS_HOST_CR0			= 0x00006c00,
	VMCS_HOST_CR3			= 0x00006c02,
	VMCS_HOST_CR4			= 0x00006c04,
	VMCS_HOST_FS_BASE		= 0x00006c06,
	VMCS_HOST_GS_BASE		= 0x00006c08,
	VMCS_HOST_TR_BASE		= 0x00006c0a,
	VMCS_HOST_GDTR_BASE		= 0x00006c0c,
	VMCS_HOST_IDTR_BASE		= 0x00006c0e,
	VMCS_HOST_IA32_SYSENTER_ESP	= 0x00006c10,
	VMCS_HOST_IA32_SYSENTER_EIP	= 0x00006c12,
	VMCS_HOST_RSP			= 0x00006c14,
	VMCS_HOST_RIP			= 0x00006c16,
};

/* Encoding bits 14:13 (SDM B.1); bit 0 selects the high half of a 64-bit field. */
#define VMCS_WIDTH_SHIFT	13
#define VMCS_WIDTH_MASK		(3u << VMCS_WIDTH_SHIFT)
#define VMCS_WIDTH_16		(0u << VMCS_WIDTH_SHIFT)
#define VMCS_WIDTH_64		(1u << VMCS_WIDTH_SHIFT)
#define VMCS_WIDTH_32		(2u << VMCS_WIDTH_SHIFT)
#define VMCS_WIDTH_NATURAL	(3u << VMCS_WIDTH_SHIFT)
#define VMCS_ACCESS_HIGH	1u

#define VMCS_CHECK_WIDTH(field, width)						\
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&				\
			 (((field) & VMCS_WIDTH_MASK) != (width) ||		\
			  ((field) & VMCS_ACCESS_HIGH)),				\
			 "VMCS field accessed with the wrong width")

/*
 * VMREAD/VMWRITE of the current VMCS. VMfail means hvx has no current
 * VMCS on this CPU or names a field the CPU lacks, both hvx bugs: logged
 * (vmx_vmcs_error(), rate-limited) rather than crashing the host. A fault
 * means VMX is off on this CPU: expected after a reboot or crash turned
 * it off under the vCPU (hvx_virt_insn_fault()); a read then gives 0.
 */
void vmx_vmcs_error(bool write, u32 field);
void hvx_virt_insn_fault(const char *insn);	/* kmod/hvx_virt.c */

static __always_inline unsigned long __vmcs_read(u32 field)
{
	unsigned long value;

	asm goto("1: vmread %[field], %[value]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : [value] "=r"(value) : [field] "r"((unsigned long)field)
		 : "cc" : fail, fault);
	return value;
fault:
	hvx_virt_insn_fault("VMREAD");
	return 0;
fail:
	vmx_vmcs_error(false, field);
	return 0;
}

static __always_inline void __vmcs_write(u32 field, unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [value] "rm"(value), [field] "r"((unsigned long)field)
		 : "cc", "memory" : fail, fault);
	return;
fault:
	hvx_virt_insn_fault("VMWRITE");
	return;
fail:
	vmx_vmcs_error(true, field);
}

static __always_inline u16 vmcs_read16(enum vmcs_field field)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_16);
	return __vmcs_read(field);
}

static __always_inline u32 vmcs_read32(enum vmcs_field field)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_32);
	return __vmcs_read(field);
}

static __always_inline u64 vmcs_read64(enum vmcs_field field)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_64);
	return __vmcs_read(field);
}

static __always_inline unsigned long vmcs_readl(enum vmcs_field field)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_NATURAL);
	return __vmcs_read(field);
}

static __always_inline void vmcs_write16(enum vmcs_field field, u16 value)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_16);
	__vmcs_write(field, value);
}

static __always_inline void vmcs_write32(enum vmcs_field field, u32 value)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_32);
	__vmcs_write(field, value);
}

static __always_inline void vmcs_write64(enum vmcs_field field, u64 value)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_64);
	__vmcs_write(field, value);
}

static __always_inline void vmcs_writel(enum vmcs_field field, unsigned long value)
{
	VMCS_CHECK_WIDTH(field, VMCS_WIDTH_NATURAL);
	__vmcs_write(field, value);
}

static __always_inline void vmcs_set_bits32(enum vmcs_field field, u32 bits)
{
	vmcs_write32(field, vmcs_read32(field) | bits);
}

static __always_inline void vmcs_clear_bits32(enum vmcs_field field, u32 bits)
{
	vmcs_write32(field, vmcs_read32(field) & ~bits);
}

/* Pin-based VM-execution controls (SDM 25.6.1). */
#define PIN_EXT_INTR_EXITING		BIT(0)
#define PIN_NMI_EXITING			BIT(3)
#define PIN_VIRTUAL_NMIS		BIT(5)
#define PIN_PREEMPTION_TIMER		BIT(6)

/* Primary processor-based VM-execution controls (SDM 25.6.2). */
#define PROC_INTR_WINDOW_EXITING	BIT(2)
#define PROC_TSC_OFFSETTING		BIT(3)
#define PROC_HLT_EXITING		BIT(7)
#define PROC_INVLPG_EXITING		BIT(9)
#define PROC_MWAIT_EXITING		BIT(10)
#define PROC_RDPMC_EXITING		BIT(11)
#define PROC_RDTSC_EXITING		BIT(12)
#define PROC_CR3_LOAD_EXITING		BIT(15)
#define PROC_CR3_STORE_EXITING		BIT(16)
#define PROC_CR8_LOAD_EXITING		BIT(19)
#define PROC_CR8_STORE_EXITING		BIT(20)
#define PROC_TPR_SHADOW			BIT(21)
#define PROC_NMI_WINDOW_EXITING		BIT(22)
#define PROC_MOV_DR_EXITING		BIT(23)
#define PROC_UNCOND_IO_EXITING		BIT(24)
#define PROC_USE_IO_BITMAPS		BIT(25)
#define PROC_MTF			BIT(27)
#define PROC_USE_MSR_BITMAPS		BIT(28)
#define PROC_MONITOR_EXITING		BIT(29)
#define PROC_PAUSE_EXITING		BIT(30)
#define PROC_SECONDARY_CONTROLS		BIT(31)

/* Secondary processor-based VM-execution controls. */
#define PROC2_VIRT_APIC_ACCESSES	BIT(0)
#define PROC2_EPT			BIT(1)
#define PROC2_DESC_TABLE_EXITING	BIT(2)
#define PROC2_RDTSCP			BIT(3)
#define PROC2_VPID			BIT(5)
#define PROC2_WBINVD_EXITING		BIT(6)
#define PROC2_UNRESTRICTED_GUEST	BIT(7)
#define PROC2_PAUSE_LOOP_EXITING	BIT(10)
#define PROC2_INVPCID			BIT(12)

/* VM-exit controls (SDM 25.7.1). */
#define EXIT_SAVE_DEBUG_CONTROLS	BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE	BIT(9)
#define EXIT_ACK_INTR_ON_EXIT		BIT(15)
#define EXIT_SAVE_IA32_PAT		BIT(18)
#define EXIT_LOAD_IA32_PAT		BIT(19)
#define EXIT_SAVE_IA32_EFER		BIT(20)
#define EXIT_LOAD_IA32_EFER		BIT(21)

/* VM-entry controls (SDM 25.8.1). */
#define ENTRY_LOAD_DEBUG_CONTROLS	BIT(2)
#define ENTRY_IA32E_MODE_GUEST		BIT(9)
#define ENTRY_LOAD_IA32_PAT		BIT(14)
#define ENTRY_LOAD_IA32_EFER		BIT(15)

/* Basic exit reasons (SDM appendix C); bit 31 of the field: entry failed. */
enum vmx_exit_reason {
	EXIT_REASON_EXCEPTION_NMI	= 0,
	EXIT_REASON_EXTERNAL_INTERRUPT	= 1,
	EXIT_REASON_TRIPLE_FAULT	= 2,
	EXIT_REASON_INIT_SIGNAL		= 3,
	EXIT_REASON_SIPI		= 4,
	EXIT_REASON_IO_SMI		= 5,
	EXIT_REASON_OTHER_SMI		= 6,
	EXIT_REASON_INTERRUPT_WINDOW	= 7,
	EXIT_REASON_NMI_WINDOW		= 8,
	EXIT_REASON_TASK_SWITCH		= 9,
	EXIT_REASON_CPUID		= 10,
	EXIT_REASON_GETSEC		= 11,
	EXIT_REASON_HLT			= 12,
	EXIT_REASON_INVD		= 13,
	EXIT_REASON_INVLPG		= 14,
	EXIT_REASON_RDPMC		= 15,
	EXIT_REASON_RDTSC		= 16,
	EXIT_REASON_RSM			= 17,
	EXIT_REASON_VMCALL		= 18,
	EXIT_REASON_VMCLEAR		= 19,
	EXIT_REASON_VMLAUNCH		= 20,
	EXIT_REASON_VMPTRLD		= 21,
	EXIT_REASON_VMPTRST		= 22,
	EXIT_REASON_VMREAD		= 23,
	EXIT_REASON_VMRESUME		= 24,
	EXIT_REASON_VMWRITE		= 25,
	EXIT_REASON_VMXOFF		= 26,
	EXIT_REASON_VMXON		= 27,
	EXIT_REASON_CR_ACCESS		= 28,
	EXIT_REASON_DR_ACCESS		= 29,
	EXIT_REASON_IO_INSTRUCTION	= 30,
	EXIT_REASON_MSR_READ		= 31,
	EXIT_REASON_MSR_WRITE		= 32,
	EXIT_REASON_INVALID_STATE	= 33,
	EXIT_REASON_MSR_LOAD_FAIL	= 34,
	EXIT_REASON_MWAIT		= 36,
	EXIT_REASON_MTF			= 37,
	EXIT_REASON_MONITOR		= 39,
	EXIT_REASON_PAUSE		= 40,
	EXIT_REASON_MCE_DURING_ENTRY	= 41,
	EXIT_REASON_EPT_VIOLATION	= 48,
	EXIT_REASON_EPT_MISCONFIG	= 49,
	EXIT_REASON_INVEPT		= 50,
	EXIT_REASON_RDTSCP		= 51,
	EXIT_REASON_PREEMPTION_TIMER	= 52,
	EXIT_REASON_INVVPID		= 53,
	EXIT_REASON_WBINVD		= 54,
	EXIT_REASON_XSETBV		= 55,
	EXIT_REASON_INVPCID		= 58,
	EXIT_REASON_VMFUNC		= 59,
	EXIT_REASON_MAX			= 65,
};
#define EXIT_REASON_BASIC_MASK		GENMASK(15, 0)
#define EXIT_REASON_FAILED_ENTRY	BIT(31)

/* VM-entry/exit interruption information and IDT-vectoring information. */
#define INTR_INFO_VECTOR_MASK		GENMASK(7, 0)
#define INTR_INFO_TYPE_SHIFT		8
#define INTR_INFO_TYPE_MASK		GENMASK(10, 8)
#define INTR_INFO_ERROR_VALID		BIT(11)
#define INTR_INFO_NMI_UNBLOCK_IRET	BIT(12)
#define INTR_INFO_VALID			BIT(31)
#define INTR_TYPE_EXT_INTR		(0u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_NMI			(2u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_HW_EXCEPTION		(3u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_SOFT_INTR		(4u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_PRIV_SW_EXCEPTION	(5u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_SOFT_EXCEPTION	(6u << INTR_INFO_TYPE_SHIFT)

/* Guest interruptibility state (SDM 25.4.2). */
#define INTERRUPTIBILITY_STI		BIT(0)
#define INTERRUPTIBILITY_MOV_SS		BIT(1)
#define INTERRUPTIBILITY_NMI		BIT(3)
#define GUEST_ACTIVITY_ACTIVE		0
#define PENDING_DBG_BS			BIT(14)

/* Segment access rights in the VMCS (SDM 25.4.1). */
#define VMX_AR_TYPE_MASK		GENMASK(3, 0)
#define VMX_AR_TYPE_ACCESSED		BIT(0)
#define VMX_AR_S			BIT(4)
#define VMX_AR_DPL_SHIFT		5
#define VMX_AR_DPL_MASK			GENMASK(6, 5)
#define VMX_AR_P			BIT(7)
#define VMX_AR_RESERVED_LOW		GENMASK(11, 8)
#define VMX_AR_AVL			BIT(12)
#define VMX_AR_L			BIT(13)
#define VMX_AR_DB			BIT(14)
#define VMX_AR_G			BIT(15)
#define VMX_AR_UNUSABLE			BIT(16)
#define VMX_AR_RESERVED_HIGH		GENMASK(31, 17)

/* Exit qualification: I/O instructions (SDM table 28-5). */
#define IO_QUAL_SIZE_MASK		GENMASK(2, 0)
#define IO_QUAL_IN			BIT(3)
#define IO_QUAL_STRING			BIT(4)
#define IO_QUAL_PORT_SHIFT		16

/* Exit qualification: control-register accesses (SDM table 28-3). */
#define CR_QUAL_CR_MASK			GENMASK(3, 0)
#define CR_QUAL_TYPE_SHIFT		4
#define CR_QUAL_TYPE_MASK		GENMASK(5, 4)
#define CR_QUAL_TYPE_MOV_TO_CR		0
#define CR_QUAL_TYPE_MOV_FROM_CR	1
#define CR_QUAL_TYPE_CLTS		2
#define CR_QUAL_TYPE_LMSW		3
#define CR_QUAL_GPR_SHIFT		8
#define CR_QUAL_GPR_MASK		GENMASK(11, 8)
#define CR_QUAL_LMSW_SHIFT		16

/* Exit qualification: EPT violations (SDM table 28-7). */
#define EPT_QUAL_READ			BIT(0)
#define EPT_QUAL_WRITE			BIT(1)
#define EPT_QUAL_FETCH			BIT(2)
#define EPT_QUAL_NMI_UNBLOCK_IRET	BIT(12)

/* The EPT pointer (SDM 25.6.11). */
#define EPTP_MEMTYPE_WB			6ULL
#define EPTP_WALK_LENGTH_4		(3ULL << 3)
#define EPTP_AD_ENABLE			BIT_ULL(6)

/* INVEPT / INVVPID types (SDM 31.3). */
#define INVEPT_SINGLE_CONTEXT		1
#define INVEPT_ALL_CONTEXT		2
#define INVVPID_SINGLE_CONTEXT		1
#define INVVPID_ALL_CONTEXT		2

/*
 * Exceptions hvx intercepts: machine checks, which belong to the host, and
 * #UD, so that AMD's VMMCALL (#UD on Intel) is a hypercall on both vendors,
 * as on KVM.
 */
#define VMX_VECTOR_DB			1
#define VMX_VECTOR_BP			3
#define VMX_VECTOR_UD			6
#define VMX_VECTOR_MC			18
#define VMX_EXCEPTION_BITMAP		(BIT(VMX_VECTOR_UD) | BIT(VMX_VECTOR_MC))

#define VMX_VECTOR_NMI			2

#endif /* HVX_VMCS_H */
