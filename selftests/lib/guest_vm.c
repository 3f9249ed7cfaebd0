// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host side of the guest library (see guest_vm.h): builds guest memory
 * (the binary's PT_LOAD segments at GPA == p_vaddr, identity page tables,
 * GDT/IDT/TSS, stacks), creates vCPUs in 64-bit mode or in the reset state,
 * runs them and decodes their exits and ucalls.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest_vm.h"

#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

/* Page-table entry bits. */
#define PTE_P			(1ULL << 0)
#define PTE_RW			(1ULL << 1)
#define PTE_PS			(1ULL << 7)

/* Descriptor access bytes and flags (high nibble of byte 6). */
#define DESC_CODE		0x9a	/* present, DPL 0, code, execute/read */
#define DESC_DATA		0x92	/* present, DPL 0, data, read/write */
#define DESC_TSS_BUSY		0x8b	/* present, 64-bit TSS (busy) */
#define DESC_G			0x8	/* 4 KiB granularity */
#define DESC_DB			0x4	/* 32-bit default size */
#define DESC_L			0x2	/* 64-bit code */
#define IDT_INTR_GATE		0x8e	/* present, DPL 0, 64-bit interrupt gate */

/* Segment types as kvm_segment.type holds them. */
#define SEG_TYPE_CODE_XRA	11	/* execute/read, accessed */
#define SEG_TYPE_DATA_RWA	3	/* read/write, accessed */
#define SEG_TYPE_TSS_BUSY	11
#define SEG_TYPE_LDT		2

#define TSS_SIZE		0x68
extern const uint64_t guest_idt_stubs[GUEST_VECTORS];
extern void *guest_handlers[GUEST_VECTORS];	/* guest.c's, as plain pointers */
void guest_code_returned(void);

static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

/* Copies the PT_LOAD segments of /proc/self/exe to GPA == p_vaddr. */
static uint64_t vm_load_image(struct vm *vm)
{
	int fd = CHECK_OK(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	struct stat st;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	uint64_t end = 0;
	unsigned int i;
	void *file;

	CHECK_OK(fstat(fd, &st));
	file = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		FAIL("mmap /proc/self/exe: %s", strerror(errno));
	close(fd);
	eh = file;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_type != ET_EXEC)
		FAIL("guest code needs a static non-PIE ELF executable (e_type %u)", eh->e_type);
	ph = (const Elf64_Phdr *)((const char *)file + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_vaddr + ph->p_memsz > vm->mem_size)
			FAIL("segment %#llx+%#llx does not fit in %#llx bytes of guest memory",
			     (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz,
			     (unsigned long long)vm->mem_size);
		memcpy((char *)vm->mem + ph->p_vaddr, (const char *)file + ph->p_offset,
		       ph->p_filesz);
		memset((char *)vm->mem + ph->p_vaddr + ph->p_filesz, 0,
		       ph->p_memsz - ph->p_filesz);
		if (ph->p_vaddr + ph->p_memsz > end)
			end = ph->p_vaddr + ph->p_memsz;
	}
	munmap(file, st.st_size);
	return end;
}

/* 0..4 GiB identity-mapped with 2 MiB pages, whether or not a slot backs it. */
static void vm_build_page_tables(struct vm *vm)
{
	uint64_t *pml4 = gpa2hva(vm, GUEST_PML4_GPA);
	uint64_t *pdpt = gpa2hva(vm, GUEST_PDPT_GPA);
	uint64_t *pd = gpa2hva(vm, GUEST_PD_GPA);
	uint64_t i, npd = GUEST_MAPPED_BYTES / GUEST_LARGE_PAGE_SIZE;

	pml4[0] = GUEST_PDPT_GPA | PTE_P | PTE_RW;
	for (i = 0; i < GUEST_MAPPED_BYTES >> 30; i++)
		pdpt[i] = (GUEST_PD_GPA + i * GUEST_PAGE_SIZE) | PTE_P | PTE_RW;
	for (i = 0; i < npd; i++)
		pd[i] = i * GUEST_LARGE_PAGE_SIZE | PTE_P | PTE_RW | PTE_PS;
}

static void vm_build_descriptor_tables(struct vm *vm)
{
	uint64_t *gdt = gpa2hva(vm, GUEST_GDT_GPA);
	uint64_t *idt = gpa2hva(vm, GUEST_IDT_GPA);
	unsigned int v;

	gdt[GUEST_SEL_CODE64 / 8] = gdt_entry(0, 0xfffff, DESC_CODE, DESC_G | DESC_L);
	gdt[GUEST_SEL_DATA / 8] = gdt_entry(0, 0xfffff, DESC_DATA, DESC_G | DESC_DB);
	gdt[GUEST_SEL_TSS / 8] = gdt_entry(GUEST_TSS_GPA, TSS_SIZE - 1, DESC_TSS_BUSY, 0);
	gdt[GUEST_SEL_TSS / 8 + 1] = 0;		/* base 63:32 */
	gdt[GUEST_SEL_CODE32 / 8] = gdt_entry(0, 0xfffff, DESC_CODE, DESC_G | DESC_DB);
	gdt[GUEST_SEL_CODE16 / 8] = gdt_entry(0, 0xffff, DESC_CODE, 0);
	gdt[GUEST_SEL_DATA16 / 8] = gdt_entry(0, 0xffff, DESC_DATA, 0);

	for (v = 0; v < GUEST_VECTORS; v++) {
		uint64_t h = guest_idt_stubs[v];

		idt[2 * v] = (h & 0xffff) | (uint64_t)GUEST_SEL_CODE64 << 16 |
			     (uint64_t)IDT_INTR_GATE << 40 | ((h >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = h >> 32;
	}
	/* The TSS: all zero but the I/O map base, which points past its end. */
	*(uint16_t *)((char *)gpa2hva(vm, GUEST_TSS_GPA) + 0x66) = TSS_SIZE;
}

struct vm *vm_create_on(int dev, uint64_t mem_size)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		FAIL("out of memory");
	vm->dev = dev;
	vm->fd = hvx_vm_create(dev);
	vm->mem_size = ALIGN_UP(mem_size, GUEST_LARGE_PAGE_SIZE);
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		FAIL("mmap %llu bytes of guest memory: %s",
		     (unsigned long long)vm->mem_size, strerror(errno));
	vm_set_slot(vm, 0, 0, 0, vm->mem_size, vm->mem);
	vm->free_gpa = ALIGN_UP(vm_load_image(vm), GUEST_LARGE_PAGE_SIZE);
	if (vm->free_gpa > vm->mem_size)
		FAIL("guest memory too small for the image");
	vm_build_page_tables(vm);
	vm_build_descriptor_tables(vm);
	return vm;
}

struct vm *vm_create(uint64_t mem_size)
{
	return vm_create_on(hvx_open(), mem_size);
}

void vm_destroy(struct vm *vm)
{
	close(vm->fd);
	munmap(vm->mem, vm->mem_size);
	free(vm);
}

int _vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uint64_t)hva,
	};
	struct vm_slot *s = NULL;
	unsigned int i;

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	for (i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].slot == slot)
			s = &vm->slots[i];
	for (i = 0; !s && i < VM_MAX_SLOTS; i++)
		if (!vm->slots[i].used)
			s = &vm->slots[i];
	if (!s)
		FAIL("more than %d slots in the library's table", VM_MAX_SLOTS);
	*s = (struct vm_slot){ .used = size != 0, .slot = slot, .flags = flags,
			       .gpa = gpa, .size = size, .hva = hva };
	return 0;
}

void vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t size, void *hva)
{
	if (_vm_set_slot(vm, slot, flags, gpa, size, hva))
		FAIL("KVM_SET_USER_MEMORY_REGION slot %u gpa %#llx size %#llx: %s",
		     slot, (unsigned long long)gpa, (unsigned long long)size,
		     strerror(errno));
}

void *gpa2hva(struct vm *vm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_SLOTS; i++) {
		struct vm_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return (char *)s->hva + (gpa - s->gpa);
	}
	FAIL("GPA %#llx is in no memory slot", (unsigned long long)gpa);
}

void vm_load_blob(struct vm *vm, uint64_t gpa, const void *start, const void *end)
{
	memcpy(gpa2hva(vm, gpa), start, (const char *)end - (const char *)start);
}

static struct vcpu *vcpu_new(struct vm *vm, unsigned int id)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));

	if (!vcpu)
		FAIL("out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = hvx_vcpu_create(vm->fd, id);
	vcpu->run = hvx_vcpu_map(vcpu->fd);
	/* Without a CPUID table the guest has no long mode, SSE, ... */
	vcpu_set_cpuid(vcpu, supported_cpuid());
	return vcpu;
}

struct vcpu *vm_vcpu_add_raw(struct vm *vm, unsigned int id)
{
	return vcpu_new(vm, id);
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = !code64, .s = 1, .l = code64, .g = 1,
	};
}

struct vcpu *vm_vcpu_add(struct vm *vm, unsigned int id, void (*entry)(void))
{
	struct vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	uint64_t stack_top = GUEST_STACKS_GPA + (uint64_t)(id + 1) * GUEST_STACK_SIZE;

	if (id >= GUEST_MAX_VCPUS)
		FAIL("vCPU id %u: the library has stacks for %d", id, GUEST_MAX_VCPUS);
	vcpu = vcpu_new(vm, id);
	vcpu_get_sregs(vcpu, &sregs);
	seg_flat(&sregs.cs, GUEST_SEL_CODE64, SEG_TYPE_CODE_XRA, true);
	seg_flat(&sregs.ds, GUEST_SEL_DATA, SEG_TYPE_DATA_RWA, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){
		.base = GUEST_TSS_GPA, .limit = TSS_SIZE - 1, .selector = GUEST_SEL_TSS,
		.type = SEG_TYPE_TSS_BUSY, .present = 1,
	};
	sregs.ldt = (struct kvm_segment){ .type = SEG_TYPE_LDT, .unusable = 1 };
	sregs.gdt.base = GUEST_GDT_GPA;
	sregs.gdt.limit = GUEST_GDT_ENTRIES * 8 - 1;
	sregs.idt.base = GUEST_IDT_GPA;
	sregs.idt.limit = GUEST_VECTORS * 16 - 1;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = GUEST_PML4_GPA;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	vcpu_set_sregs(vcpu, &sregs);

	/* A return from entry lands in guest_code_returned(), which fails. */
	*(uint64_t *)gpa2hva(vm, stack_top - 8) = (uint64_t)guest_code_returned;
	regs.rip = (uint64_t)entry;
	regs.rsp = stack_top - 8;
	regs.rflags = 0x2;	/* bit 1 is always set */
	regs.rdi = id;
	vcpu_set_regs(vcpu, &regs);
	return vcpu;
}

void vcpu_set_arg(struct vcpu *vcpu, uint64_t rdi, uint64_t rsi)
{
	struct kvm_regs regs;

	vcpu_get_regs(vcpu, &regs);
	regs.rdi = rdi;
	regs.rsi = rsi;
	vcpu_set_regs(vcpu, &regs);
}

void vm_set_handler(struct vm *vm, unsigned int vector, void *handler)
{
	if (vector >= GUEST_VECTORS)
		FAIL("vector %u", vector);
	guest_var(vm, &guest_handlers[0])[vector] = handler;
}

/* --- running ------------------------------------------------------------ */

static const char *const exit_names[] = {
#define N(x) [KVM_EXIT_##x] = "KVM_EXIT_" #x
	N(UNKNOWN), N(EXCEPTION), N(IO), N(HYPERCALL), N(DEBUG), N(HLT), N(MMIO),
	N(IRQ_WINDOW_OPEN), N(SHUTDOWN), N(FAIL_ENTRY), N(INTR), N(SET_TPR),
	N(TPR_ACCESS), N(S390_SIEIC), N(S390_RESET), N(DCR), N(NMI),
	N(INTERNAL_ERROR), N(OSI), N(PAPR_HCALL), N(S390_UCONTROL), N(WATCHDOG),
	N(S390_TSCH), N(EPR), N(SYSTEM_EVENT), N(S390_STSI), N(IOAPIC_EOI),
	N(HYPERV), N(ARM_NISV), N(X86_RDMSR), N(X86_WRMSR), N(DIRTY_RING_FULL),
	N(AP_RESET_HOLD), N(X86_BUS_LOCK), N(XEN), N(RISCV_SBI), N(RISCV_CSR),
	N(NOTIFY),
#ifdef KVM_EXIT_MEMORY_FAULT
	N(MEMORY_FAULT),
#endif
#undef N
};

const char *exit_reason_str(uint32_t reason)
{
	if (reason < KTEST_COUNT(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "KVM_EXIT_(unknown)";
}

const char *exception_str(uint64_t vector)
{
	static const char *const names[] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
		"CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "(15)", "#MF", "#AC",
		"#MC", "#XM", "#VE", "#CP",
	};

	return vector < KTEST_COUNT(names) ? names[vector] : "(vector)";
}

int _vcpu_run(struct vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

void vcpu_fail_exit(struct vcpu *vcpu, const char *why)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	char detail[256] = "";

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(detail, sizeof(detail), " (%s port %#x size %u count %u)",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		snprintf(detail, sizeof(detail), " (%s gpa %#llx len %u)",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(detail, sizeof(detail), " (hardware_entry_failure_reason %#llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(detail, sizeof(detail), " (suberror %u, ndata %u, data[0] %#llx)",
			 run->internal.suberror, run->internal.ndata,
			 (unsigned long long)run->internal.data[0]);
		break;
	case KVM_EXIT_HYPERCALL:
		snprintf(detail, sizeof(detail), " (nr %#llx)",
			 (unsigned long long)run->hypercall.nr);
		break;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		regs.rip = ~0ULL;
	FAIL("vCPU %u: %s: exit %s (%u)%s at RIP %#llx", vcpu->id, why,
	     exit_reason_str(run->exit_reason), run->exit_reason, detail,
	     (unsigned long long)regs.rip);
}

void vcpu_run(struct vcpu *vcpu)
{
	if (_vcpu_run(vcpu))
		FAIL("vCPU %u: KVM_RUN: %s (last exit %s)", vcpu->id, strerror(errno),
		     exit_reason_str(vcpu->run->exit_reason));
}

void vcpu_run_expect(struct vcpu *vcpu, uint32_t want)
{
	char why[96];

	vcpu_run(vcpu);
	if (vcpu->run->exit_reason != want) {
		if (vcpu->run->exit_reason == KVM_EXIT_IO &&
		    vcpu->run->io.port == UCALL_PORT) {
			struct ucall uc;

			get_ucall(vcpu, &uc);	/* fails with the guest's reason */
		}
		snprintf(why, sizeof(why), "expected %s", exit_reason_str(want));
		vcpu_fail_exit(vcpu, why);
	}
}

/* A NUL-terminated string from guest memory, for messages. */
static const char *guest_str(struct vm *vm, uint64_t gva, char *buf, size_t size)
{
	const char *p;
	size_t i;

	if (!gva)
		return "";
	p = gpa2hva(vm, gva);
	for (i = 0; i + 1 < size && p[i]; i++)
		buf[i] = p[i];
	buf[i] = '\0';
	return buf;
}

uint64_t get_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	char file[128], expr[256];
	uint32_t gpa;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT)
		vcpu_fail_exit(vcpu, "not a ucall");
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1)
		vcpu_fail_exit(vcpu, "malformed ucall");
	memcpy(&gpa, (char *)run + run->io.data_offset, sizeof(gpa));
	memcpy(uc, gpa2hva(vcpu->vm, gpa), sizeof(*uc));
	switch (uc->cmd) {
	case UCALL_SYNC:
	case UCALL_DONE:
		return uc->cmd;
	case UCALL_ASSERT:
		FAIL("vCPU %u: guest assertion failed at %s:%llu: %s; values %#llx %#llx %#llx %#llx",
		     vcpu->id, guest_str(vcpu->vm, uc->file, file, sizeof(file)),
		     (unsigned long long)uc->line,
		     guest_str(vcpu->vm, uc->expr, expr, sizeof(expr)),
		     (unsigned long long)uc->args[0], (unsigned long long)uc->args[1],
		     (unsigned long long)uc->args[2], (unsigned long long)uc->args[3]);
	case UCALL_UNHANDLED:
		FAIL("vCPU %u: unexpected guest exception %s (vector %llu) error code %#llx at RIP %#llx",
		     vcpu->id, exception_str(uc->args[0]), (unsigned long long)uc->args[0],
		     (unsigned long long)uc->args[1], (unsigned long long)uc->args[2]);
	default:
		FAIL("vCPU %u: unknown ucall %llu", vcpu->id, (unsigned long long)uc->cmd);
	}
}

void vcpu_run_ucall(struct vcpu *vcpu, uint64_t want, struct ucall *uc)
{
	struct ucall local;
	uint64_t cmd;

	vcpu_run(vcpu);
	cmd = get_ucall(vcpu, uc ?: &local);
	if (cmd != want)
		FAIL("vCPU %u: ucall %llu, expected %llu", vcpu->id,
		     (unsigned long long)cmd, (unsigned long long)want);
}

/* --- state ---------------------------------------------------------------- */

void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs)
{
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_REGS, regs));
}

void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs)
{
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_REGS, regs));
}

void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs)
{
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_SREGS, sregs));
}

void vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs)
{
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_SREGS, sregs));
}

struct msr_one {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e;
};

uint64_t vcpu_get_msr(struct vcpu *vcpu, uint32_t index)
{
	struct msr_one m = { .hdr.nmsrs = 1, .e.index = index };

	if (CHECK_OK(ioctl(vcpu->fd, KVM_GET_MSRS, &m)) != 1)
		FAIL("KVM_GET_MSRS %#x: not processed", index);
	return m.e.data;
}

void vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct msr_one m = { .hdr.nmsrs = 1, .e.index = index, .e.data = value };

	if (CHECK_OK(ioctl(vcpu->fd, KVM_SET_MSRS, &m)) != 1)
		FAIL("KVM_SET_MSRS %#x = %#llx: not processed", index,
		     (unsigned long long)value);
}

/* --- CPUID ---------------------------------------------------------------- */

struct kvm_cpuid2 *cpuid_alloc(uint32_t nent)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

	if (!c)
		FAIL("out of memory");
	c->nent = nent;
	return c;
}

const struct kvm_cpuid2 *supported_cpuid(void)
{
	static struct kvm_cpuid2 *cached;
	uint32_t nent = 64;
	int dev;

	if (cached)
		return cached;
	dev = hvx_open();
	for (;;) {
		struct kvm_cpuid2 *c = cpuid_alloc(nent);

		if (!ioctl(dev, KVM_GET_SUPPORTED_CPUID, c)) {
			cached = c;
			break;
		}
		free(c);
		if (errno != E2BIG || nent >= 4096)
			FAIL("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		nent *= 2;
	}
	close(dev);
	return cached;
}

const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == idx))
			return &c->entries[i];
	return NULL;
}

void vcpu_set_cpuid(struct vcpu *vcpu, const struct kvm_cpuid2 *cpuid)
{
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid));
}

bool dev_is_hvx(void)
{
	int dev = hvx_open();
	long r = ioctl(dev, KVM_CHECK_EXTENSION, HVX_CAP_INFO);

	close(dev);
	return r > 0;
}
