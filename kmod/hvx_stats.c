// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's binary statistics (KVM_GET_STATS_FD on VM and vCPU fds, KVM's
 * Documentation/virt/kvm/api.rst 4.133): a read-only fd whose contents are
 * a header, an id string, one descriptor per statistic and the values.
 * hvx keeps the counters KVM has under the same names where it counts the
 * same thing, plus exits_by_reason (hvx's own: every exit by its hardware
 * reason). Each read builds the whole image afresh and copies the asked-for
 * window, so any offset and size work and the values are current.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "hvx_core.h"
#include "tdp.h"

/* Name and id size, KVM's KVM_STATS_NAME_SIZE (kvm_host.h, not in the UAPI). */
#define HVX_STATS_NAME_SIZE	48

struct hvx_stat_def {
	const char *name;
	u32 flags;		/* KVM_STATS_TYPE_* | KVM_STATS_UNIT_* | KVM_STATS_BASE_* */
	u16 size;		/* in u64s */
};

#define HVX_COUNTER		(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10)
#define HVX_INSTANT		(KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10)

/* In enum hvx_vcpu_stat order; exits_by_reason is the last one. */
static const struct hvx_stat_def hvx_vcpu_stat_defs[] = {
	[HVX_STAT_EXITS]		= { "exits", HVX_COUNTER, 1 },
	[HVX_STAT_IO_EXITS]		= { "io_exits", HVX_COUNTER, 1 },
	[HVX_STAT_MMIO_EXITS]		= { "mmio_exits", HVX_COUNTER, 1 },
	[HVX_STAT_SIGNAL_EXITS]		= { "signal_exits", HVX_COUNTER, 1 },
	[HVX_STAT_HALT_EXITS]		= { "halt_exits", HVX_COUNTER, 1 },
	[HVX_STAT_IRQ_WINDOW_EXITS]	= { "irq_window_exits", HVX_COUNTER, 1 },
	[HVX_STAT_NMI_WINDOW_EXITS]	= { "nmi_window_exits", HVX_COUNTER, 1 },
	[HVX_STAT_HYPERCALLS]		= { "hypercalls", HVX_COUNTER, 1 },
	[HVX_STAT_INSN_EMULATION]	= { "insn_emulation", HVX_COUNTER, 1 },
	[HVX_STAT_IRQ_INJECTIONS]	= { "irq_injections", HVX_COUNTER, 1 },
	[HVX_STAT_NMI_INJECTIONS]	= { "nmi_injections", HVX_COUNTER, 1 },
	[HVX_STAT_EXITS_BY_REASON]	= { "exits_by_reason", HVX_COUNTER, HVX_EXIT_REASONS },
};
static_assert(ARRAY_SIZE(hvx_vcpu_stat_defs) == HVX_NR_VCPU_STATS);

enum { HVX_VM_STAT_TLB_FLUSH, HVX_VM_STAT_PAGES_4K, HVX_VM_STAT_PAGES_2M, HVX_NR_VM_STATS };

static const struct hvx_stat_def hvx_vm_stat_defs[] = {
	[HVX_VM_STAT_TLB_FLUSH]	= { "remote_tlb_flush", HVX_COUNTER, 1 },
	[HVX_VM_STAT_PAGES_4K]	= { "pages_4k", HVX_INSTANT, 1 },
	[HVX_VM_STAT_PAGES_2M]	= { "pages_2m", HVX_INSTANT, 1 },
};

/* The hardware exit reason's slot in exits_by_reason (see hvx_core.h). */
void hvx_vcpu_stat_exit(struct hvx_vcpu *vcpu, u64 hw_reason)
{
	u64 slot = hw_reason;

	/* SVM's 0x400 group (#NPF, AVIC, VMGEXIT) goes after the first 256. */
	if (slot >= 0x400 && slot < 0x400 + HVX_EXIT_REASONS - 0x100)
		slot = slot - 0x400 + 0x100;
	if (slot >= HVX_EXIT_REASONS)
		slot = HVX_EXIT_REASONS - 1;	/* anything else: the last slot */
	vcpu->stats.exits_by_reason[slot]++;
	vcpu->stats.counters[HVX_STAT_EXITS]++;
}

struct hvx_stats_src {
	const char *kind;			/* "vm" or "vcpu" */
	const struct hvx_stat_def *defs;
	unsigned int nr;
	void (*fill)(void *obj, u64 *data);	/* the values, in defs order */
	void *obj;
	u32 vcpu_id;
};

static size_t hvx_stats_nr_values(const struct hvx_stats_src *src)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < src->nr; i++)
		n += src->defs[i].size;
	return n;
}

/* The whole image: header, id, descriptors, values (KVM's layout). */
static void *hvx_stats_image(const struct hvx_stats_src *src, size_t *len)
{
	/*
	 * The name follows the fixed part: offsetof, not sizeof, since 6.12's
	 * header gives the kernel's struct a 48-byte name array of its own.
	 */
	size_t desc_size = offsetof(struct kvm_stats_desc, name) + HVX_STATS_NAME_SIZE;
	size_t nvals = hvx_stats_nr_values(src);
	struct kvm_stats_header *h;
	u32 offset = 0;
	unsigned int i;
	char *img;

	*len = sizeof(*h) + HVX_STATS_NAME_SIZE + src->nr * desc_size + nvals * sizeof(u64);
	img = kzalloc(*len, GFP_KERNEL);
	if (!img)
		return NULL;
	h = (struct kvm_stats_header *)img;
	h->name_size = HVX_STATS_NAME_SIZE;
	h->num_desc = src->nr;
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + HVX_STATS_NAME_SIZE;
	h->data_offset = h->desc_offset + src->nr * desc_size;
	/* KVM's ids: "kvm-<pid>" for a VM, "kvm-<pid>/vcpu-<id>" for a vCPU. */
	if (!strcmp(src->kind, "vm"))
		snprintf(img + h->id_offset, HVX_STATS_NAME_SIZE, "kvm-%d", task_pid_nr(current));
	else
		snprintf(img + h->id_offset, HVX_STATS_NAME_SIZE, "kvm-%d/vcpu-%u",
			 task_pid_nr(current), src->vcpu_id);
	for (i = 0; i < src->nr; i++) {
		struct kvm_stats_desc *d = (void *)(img + h->desc_offset + i * desc_size);

		d->flags = src->defs[i].flags;
		d->size = src->defs[i].size;
		d->offset = offset;
		strscpy(d->name, src->defs[i].name, HVX_STATS_NAME_SIZE);
		offset += src->defs[i].size * sizeof(u64);
	}
	src->fill(src->obj, (u64 *)(img + h->data_offset));
	return img;
}

static ssize_t hvx_stats_read(const struct hvx_stats_src *src, char __user *buf,
			      size_t size, loff_t *pos)
{
	size_t len;
	ssize_t r;
	void *img;

	img = hvx_stats_image(src, &len);
	if (!img)
		return -ENOMEM;
	r = simple_read_from_buffer(buf, size, pos, img, len);
	kfree(img);
	return r;
}

static void hvx_vcpu_stats_fill(void *obj, u64 *data)
{
	struct hvx_vcpu *vcpu = obj;
	unsigned int i;

	/* Racy reads of u64 counters the vCPU thread bumps: as KVM's. */
	for (i = 0; i < HVX_STAT_EXITS_BY_REASON; i++)
		data[i] = READ_ONCE(vcpu->stats.counters[i]);
	for (i = 0; i < HVX_EXIT_REASONS; i++)
		data[HVX_STAT_EXITS_BY_REASON + i] = READ_ONCE(vcpu->stats.exits_by_reason[i]);
}

static void hvx_vm_stats_fill(void *obj, u64 *data)
{
	struct hvx_vm *vm = obj;
	struct hvx_tdp_stats s;

	hvx_tdp_get_stats(vm, &s);
	data[HVX_VM_STAT_TLB_FLUSH] = atomic64_read(&vm->remote_tlb_flushes);
	data[HVX_VM_STAT_PAGES_4K] = s.mapped_4k;
	data[HVX_VM_STAT_PAGES_2M] = s.mapped_2m;
}

static ssize_t hvx_vcpu_stats_read(struct file *f, char __user *buf, size_t size, loff_t *pos)
{
	struct hvx_vcpu *vcpu = f->private_data;
	struct hvx_stats_src src = {
		.kind = "vcpu", .defs = hvx_vcpu_stat_defs, .nr = HVX_NR_VCPU_STATS,
		.fill = hvx_vcpu_stats_fill, .obj = vcpu, .vcpu_id = vcpu->id,
	};

	return hvx_stats_read(&src, buf, size, pos);
}

static ssize_t hvx_vm_stats_read(struct file *f, char __user *buf, size_t size, loff_t *pos)
{
	struct hvx_stats_src src = {
		.kind = "vm", .defs = hvx_vm_stat_defs, .nr = HVX_NR_VM_STATS,
		.fill = hvx_vm_stats_fill, .obj = f->private_data,
	};

	return hvx_stats_read(&src, buf, size, pos);
}

/* The stats fd holds a VM reference; a vCPU lives as long as its VM. */
static int hvx_vcpu_stats_release(struct inode *inode, struct file *f)
{
	struct hvx_vcpu *vcpu = f->private_data;

	hvx_vm_put(vcpu->vm);
	return 0;
}

static int hvx_vm_stats_release(struct inode *inode, struct file *f)
{
	hvx_vm_put(f->private_data);
	return 0;
}

static const struct file_operations hvx_vcpu_stats_fops = {
	.owner = THIS_MODULE,
	.read = hvx_vcpu_stats_read,
	.release = hvx_vcpu_stats_release,
	.llseek = default_llseek,
};

static const struct file_operations hvx_vm_stats_fops = {
	.owner = THIS_MODULE,
	.read = hvx_vm_stats_read,
	.release = hvx_vm_stats_release,
	.llseek = default_llseek,
};

static int hvx_stats_fd(struct hvx_vm *vm, const char *name,
			const struct file_operations *fops, void *obj)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile(name, fops, obj, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* pread() at any offset, as on KVM's stats fd. */
	file->f_mode |= FMODE_PREAD;
	kref_get(&vm->ref);
	fd_install(fd, file);
	return fd;
}

long hvx_vm_get_stats_fd(struct hvx_vm *vm)
{
	return hvx_stats_fd(vm, "kvm-vm-stats", &hvx_vm_stats_fops, vm);
}

long hvx_vcpu_get_stats_fd(struct hvx_vcpu *vcpu)
{
	return hvx_stats_fd(vcpu->vm, "kvm-vcpu-stats", &hvx_vcpu_stats_fops, vcpu);
}
