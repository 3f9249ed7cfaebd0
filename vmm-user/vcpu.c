// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPUs: one thread each, running KVM_RUN in a loop with one flat switch
 * over the exit reason. Port I/O and MMIO go to the trap tables; anything
 * that ends the guest (triple fault, failed entry, internal error, a
 * system event) ends the VM through vm_request_shutdown(). A kick (SIGUSR1
 * plus immediate_exit) gets a vCPU out of KVM_RUN.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vm.h"

#define KICK_SIGNAL	SIGUSR1

static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	const unsigned int max = 256;
	struct kvm_cpuid2 *cpuid;
	unsigned int i;
	int ret = 0;

	cpuid = calloc(1, sizeof(*cpuid) + max * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = max;
	if (ioctl(vcpu->vm->dev_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		ret = -errno;
		vmm_error("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* EBX[31:24]: initial APIC ID; [23:16]: logical CPUs. */
			e->ebx = (e->ebx & 0x0000ffff) | (vcpu->id << 24) |
				 (vcpu->vm->nr_vcpus << 16);
			/* ECX bit 31: running under a hypervisor. */
			e->ecx |= 1u << 31;
			break;
		case 0xb:
		case 0x1f:
			/* EDX: x2APIC ID. */
			e->edx = vcpu->id;
			break;
		}
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0) {
		ret = -errno;
		vmm_error("vCPU %u: KVM_SET_CPUID2: %s", vcpu->id, strerror(errno));
	}
out:
	free(cpuid);
	return ret;
}

static int vcpu_create(struct vm *vm, unsigned int id)
{
	struct vcpu *vcpu = &vm->vcpus[id];
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };	/* FNINIT, reset MXCSR */
	void *run;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0) {
		vmm_error("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return -errno;
	}
	run = mmap(NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		vmm_error("vCPU %u: mmap: %s", id, strerror(errno));
		return -errno;
	}
	vcpu->run = run;
	vcpu->run_size = vm->vcpu_mmap_size;
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		vmm_debug("vCPU %u: KVM_SET_FPU: %s", id, strerror(errno));
	return vcpu_set_cpuid(vcpu);
}

int vcpu__create_all(struct vm *vm)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_create(vm, i);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_SHUTDOWN: return "triple fault (KVM_EXIT_SHUTDOWN)";
	case KVM_EXIT_FAIL_ENTRY: return "failed VM entry (KVM_EXIT_FAIL_ENTRY)";
	case KVM_EXIT_INTERNAL_ERROR: return "internal error (KVM_EXIT_INTERNAL_ERROR)";
	case KVM_EXIT_UNKNOWN: return "unknown exit (KVM_EXIT_UNKNOWN)";
	default: return "unexpected exit";
	}
}

static void seg_print(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-4s sel %04x base %016llx limit %08x type %x s%u dpl%u p%u l%u db%u g%u\r\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->s, s->dpl, s->present, s->l, s->db, s->g);
}

void vcpu__dump(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	fprintf(stderr, "hvx: vCPU %u state:\r\n", vcpu->id);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) == 0) {
		fprintf(stderr, "  rip %016llx rflags %016llx\r\n"
			"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\r\n"
			"  rsi %016llx rdi %016llx rbp %016llx rsp %016llx\r\n"
			"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\r\n"
			"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\r\n",
			r.rip, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi,
			r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
	} else {
		fprintf(stderr, "  KVM_GET_REGS: %s\r\n", strerror(errno));
	}
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) == 0) {
		fprintf(stderr, "  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\r\n"
			"  efer %016llx apic_base %016llx\r\n",
			s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.apic_base);
		seg_print("cs", &s.cs);
		seg_print("ss", &s.ss);
		seg_print("ds", &s.ds);
		seg_print("tr", &s.tr);
		fprintf(stderr, "  gdt  base %016llx limit %04x\r\n  idt  base %016llx limit %04x\r\n",
			s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
	} else {
		fprintf(stderr, "  KVM_GET_SREGS: %s\r\n", strerror(errno));
	}
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (trap__dispatch(vcpu->vm, TRAP_PIO, run->io.port, data, run->io.size,
				   is_write) == 0)
			continue;
		/* Nothing there: reads float high, writes vanish (as on a PC). */
		if (!is_write)
			memset(data, 0xff, run->io.size);
		vmm_debug("vCPU %u: unclaimed port %s %#x/%u", vcpu->id,
			  is_write ? "write" : "read", run->io.port, run->io.size);
	}
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t len = run->mmio.len;

	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	if (trap__dispatch(vcpu->vm, TRAP_MMIO, run->mmio.phys_addr, run->mmio.data, len,
			   run->mmio.is_write) == 0)
		return;
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, len);
	vmm_debug("vCPU %u: unclaimed MMIO %s %#llx/%u", vcpu->id,
		  run->mmio.is_write ? "write" : "read",
		  (unsigned long long)run->mmio.phys_addr, len);
}

static void vcpu_fatal_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char why[160];

	snprintf(why, sizeof(why), "vCPU %u: %s (exit reason %u)", vcpu->id,
		 exit_reason_name(run->exit_reason), run->exit_reason);
	/* Print once, from the first vCPU to see it. */
	if (vm__shutting_down(vcpu->vm))
		return;
	vmm_error("%s", why);
	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		vmm_error("  hardware entry failure reason %#llx",
			  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		vmm_error("  suberror %u", run->internal.suberror);
	vcpu__dump(vcpu);
	vm_request_shutdown(vcpu->vm, RUN_EXIT_CRASH, NULL);
}

static void vcpu_handle_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_shutdown(vcpu->vm, RUN_EXIT_POWEROFF, NULL);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_shutdown(vcpu->vm, RUN_EXIT_RESET, "the guest reset the machine");
		break;
	default:
		vcpu_fatal_exit(vcpu);
		break;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;
	char name[16];

	snprintf(name, sizeof(name), "hvx-vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	while (!vm__shutting_down(vm)) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				continue;
			}
			vmm_error("vCPU %u: KVM_RUN: %s", vcpu->id, strerror(errno));
			vm_request_shutdown(vm, RUN_EXIT_CRASH, NULL);
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			vcpu_handle_io(vcpu);
			break;
		case KVM_EXIT_MMIO:
			vcpu_handle_mmio(vcpu);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_HLT:
			/* Only without an in-kernel LAPIC; nothing can wake us then. */
			vmm_error("vCPU %u: HLT exit: the device does not block halted vCPUs",
				  vcpu->id);
			vm_request_shutdown(vm, RUN_EXIT_CRASH, NULL);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			vcpu_handle_system_event(vcpu);
			break;
		case KVM_EXIT_SHUTDOWN:
		case KVM_EXIT_FAIL_ENTRY:
		case KVM_EXIT_INTERNAL_ERROR:
		default:
			vcpu_fatal_exit(vcpu);
			break;
		}
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;	/* Only there to make KVM_RUN return -EINTR. */
}

int vcpu__start_all(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };	/* no SA_RESTART */
	unsigned int i;
	int ret;

	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (ret) {
			vmm_error("cannot start vCPU %u: %s", i, strerror(ret));
			return -ret;
		}
		vm->vcpus[i].thread_started = true;
	}
	return 0;
}

void vcpu__kick_all(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		if (v->thread_started)
			pthread_kill(v->thread, KICK_SIGNAL);
	}
}

void vcpu__join_all(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->thread_started) {
			pthread_join(v->thread, NULL);
			v->thread_started = false;
		}
	}
}
