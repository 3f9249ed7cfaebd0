// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvx run: boot a kernel in a VM with its console (the UART, or with
 * --console virtio the virtio-console) on stdio. Options
 * come from one table that also writes --help. The order of bring-up:
 * VM (irqchip, PIT, RAM), vCPUs, the PC's devices, the virtio devices,
 * ACPI tables (which describe those), the kernel, then the vCPU threads and
 * the console loop on this thread until the VM ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include "vm.h"
#include "vmm.h"
#include "console.h"
#include "acpi/acpi.h"
#include "loaders/loader.h"
#include "platform/layout.h"
#include "platform/platform.h"

#define RUN_DEFAULT_DEV		"/dev/hvx"
#define RUN_DEFAULT_MEM		(256 * MiB)
#define RUN_MIN_MEM		(16 * MiB)
#define RUN_MAX_MEM		(1024 * GiB)
#define RUN_MAX_DISKS		4
/*
 * Linux: console= names the device --console chose (RUN_CONSOLE_*, put in
 * front of these); a panic reboots, which ends `hvx run`;
 * no PCI to probe (hvx has none: its devices are virtio-mmio); and no
 * boot-time check that the PIT's IRQ 0 ticks within a TSC-timed window,
 * which a loaded host (vCPU threads descheduled) fails at random: cloud
 * images for KVM pass no_timer_check for the same reason.
 */
#define RUN_DEFAULT_CMDLINE	"panic=-1 pci=off no_timer_check"
#define RUN_CONSOLE_SERIAL	"console=ttyS0"
#define RUN_CONSOLE_VIRTIO	"console=hvc0"

struct run_disk {
	const char *path;
	bool read_only;
};

struct run_options {
	struct boot_spec boot;
	const char *user_cmdline;
	const char *dev;
	uint64_t mem;
	unsigned int cpus;
	struct run_disk disks[RUN_MAX_DISKS];
	unsigned int nr_disks;
	bool net;
	const char *tap_name;		/* NULL: hvx picks one */
	bool virtio_console;		/* --console virtio: stdin goes to hvc0 */
};

enum run_opt { OPT_KERNEL = 'k', OPT_INITRD = 'i', OPT_CMDLINE = 'c', OPT_MEM = 'm',
	       OPT_CPUS = 'p', OPT_DISK = 'd', OPT_NET = 'n', OPT_DEV = 'D', OPT_QUIET = 'q',
	       OPT_CONSOLE = 'C', OPT_DEBUG = 'g', OPT_HELP = 'h' };

static const struct run_option_doc {
	struct option opt;
	const char *arg;
	const char *help;
} run_option_docs[] = {
	{ { "kernel", required_argument, NULL, OPT_KERNEL }, "FILE",
	  "the kernel: a bzImage, an ELF vmlinux with a PVH note, or a multiboot v1 kernel (required)" },
	{ { "initrd", required_argument, NULL, OPT_INITRD }, "FILE",
	  "initial ramdisk; repeat for more (Linux: concatenated; multiboot: one module each)" },
	{ { "cmdline", required_argument, NULL, OPT_CMDLINE }, "TEXT",
	  "Linux: appended to \"" RUN_CONSOLE_SERIAL " " RUN_DEFAULT_CMDLINE
	  "\" (console=hvc0 with --console virtio); multiboot: the whole command line" },
	{ { "mem", required_argument, NULL, OPT_MEM }, "SIZE",
	  "guest RAM, 16M to 1T; suffix K, M, G or T, a plain number is MiB (default 256M)" },
	{ { "cpus", required_argument, NULL, OPT_CPUS }, "N",
	  "vCPUs, 1 to 64 (default 1)" },
	{ { "disk", required_argument, NULL, OPT_DISK }, "FILE[,ro]",
	  "a virtio-blk disk backed by FILE, read-only with ,ro; repeat for more (up to 4)" },
	{ { "net", required_argument, NULL, OPT_NET }, "tap[=NAME]",
	  "a virtio-net card on a tap device (hvx creates it, named NAME or hvx-tapN, and removes it)" },
	{ { "console", required_argument, NULL, OPT_CONSOLE }, "serial|virtio",
	  "which device the guest's console is, the one stdin goes to: the UART (ttyS0, default)"
	  " or the virtio-console (hvc0); both exist and print to stdout" },
	{ { "dev", required_argument, NULL, OPT_DEV }, "PATH",
	  "the hypervisor device (default " RUN_DEFAULT_DEV "; /dev/kvm works the same)" },
	{ { "quiet", no_argument, NULL, OPT_QUIET }, NULL,
	  "print only errors (and the guest's console)" },
	{ { "debug", no_argument, NULL, OPT_DEBUG }, NULL,
	  "also print what hvx does: loading, unclaimed I/O, device exits" },
	{ { "help", no_argument, NULL, OPT_HELP }, NULL, "this help" },
};

static void run_usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "Usage: hvx run --kernel FILE [OPTIONS]\n\n"
		   "Boots a kernel in a VM. The guest's console is this terminal: its serial port\n"
		   "(COM1), or its virtio-console with --console virtio (what the guest writes\n"
		   "to either shows here). Raw mode on a tty, with Ctrl-A x to quit, Ctrl-A Ctrl-A\n"
		   "to send Ctrl-A and Ctrl-A h for help. Not a tty (a pipe, a file): bytes pass\n"
		   "through as they are.\n\n"
		   "Options:\n");
	for (i = 0; i < ARRAY_SIZE(run_option_docs); i++) {
		const struct run_option_doc *d = &run_option_docs[i];
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", d->opt.name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		fprintf(f, "  %-23s %s\n", left, d->help);
	}
	fprintf(f, "\nExit status:\n"
		   "  0     the guest powered off (ACPI S5), or Ctrl-A x\n"
		   "  2     bad command line\n"
		   "  4     the guest reset the machine (hvx does not reboot it)\n"
		   "  6     hvx failed: bad image, no device, a device failed\n"
		   "  8     the guest crashed the vCPU: triple fault, failed entry, internal\n"
		   "        error (the vCPU state is printed)\n"
		   "  130   ended by SIGINT, SIGTERM or SIGHUP\n"
		   "  2N+1  the guest wrote N to port 0xf4 (QEMU's isa-debug-exit); hvx's\n"
		   "        own statuses are even, so they never look like a guest's\n");
}

static int run_bad_value(const char *opt, const char *value, const char *allowed)
{
	fprintf(stderr, "hvx run: --%s %s: %s\n", opt, value, allowed);
	return -EINVAL;
}

static int run_parse_mem(const char *s, uint64_t *out)
{
	const char *allowed = "allowed: 16M to 1T; suffix K, M, G or T, a plain number is MiB";
	unsigned long long v;
	uint64_t unit = MiB;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return run_bad_value("mem", s, allowed);
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': unit = KiB; end++; break;
	case 'm': case 'M': unit = MiB; end++; break;
	case 'g': case 'G': unit = GiB; end++; break;
	case 't': case 'T': unit = 1024 * GiB; end++; break;
	default: return run_bad_value("mem", s, allowed);
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end || v > RUN_MAX_MEM / unit || v * unit < RUN_MIN_MEM)
		return run_bad_value("mem", s, allowed);
	*out = ALIGN_DOWN(v * unit, 2 * MiB);
	return 0;
}

static int run_parse_cpus(const char *s, unsigned int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > VM_MAX_VCPUS)
		return run_bad_value("cpus", s, "allowed: 1 to 64");
	*out = v;
	return 0;
}

static int run_parse_disk(struct run_options *o, char *s)
{
	char *comma = strchr(s, ',');
	struct stat st;

	if (o->nr_disks == RUN_MAX_DISKS)
		return run_bad_value("disk", s, "at most 4 disks");
	if (comma) {
		if (strcmp(comma, ",ro"))
			return run_bad_value("disk", s, "allowed: FILE or FILE,ro");
		*comma = '\0';
	}
	if (!*s)
		return run_bad_value("disk", s, "allowed: FILE or FILE,ro");
	/* Checked here so that a typo ends hvx before anything boots. */
	if (stat(s, &st) < 0) {
		fprintf(stderr, "hvx run: --disk %s: %s\n", s, strerror(errno));
		return -errno;
	}
	o->disks[o->nr_disks++] = (struct run_disk){ .path = s, .read_only = comma != NULL };
	return 0;
}

static int run_parse_net(struct run_options *o, const char *s)
{
	if (o->net)
		return run_bad_value("net", s, "one --net only");
	if (!strcmp(s, "tap")) {
		o->net = true;
		return 0;
	}
	if (strncmp(s, "tap=", 4) || !s[4] || strlen(s + 4) >= IFNAMSIZ || strchr(s + 4, '/'))
		return run_bad_value("net", s, "allowed: tap or tap=NAME (NAME: up to 15 characters)");
	o->net = true;
	o->tap_name = s + 4;
	return 0;
}

/* 0 to go on, else the exit status. */
static int run_parse(int argc, char **argv, struct run_options *o)
{
	struct option longopts[ARRAY_SIZE(run_option_docs) + 1] = { 0 };
	unsigned int i;
	int c;

	for (i = 0; i < ARRAY_SIZE(run_option_docs); i++)
		longopts[i] = run_option_docs[i].opt;
	*o = (struct run_options){ .dev = RUN_DEFAULT_DEV, .mem = RUN_DEFAULT_MEM, .cpus = 1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int ret = 0;

		switch (c) {
		case OPT_KERNEL: o->boot.kernel = optarg; break;
		case OPT_INITRD:
			if (o->boot.nr_initrds == BOOT_MAX_INITRDS)
				ret = run_bad_value("initrd", optarg, "at most 16 initrds");
			else
				o->boot.initrds[o->boot.nr_initrds++] = optarg;
			break;
		case OPT_CMDLINE: o->user_cmdline = optarg; break;
		case OPT_MEM: ret = run_parse_mem(optarg, &o->mem); break;
		case OPT_CPUS: ret = run_parse_cpus(optarg, &o->cpus); break;
		case OPT_DISK: ret = run_parse_disk(o, optarg); break;
		case OPT_NET: ret = run_parse_net(o, optarg); break;
		case OPT_CONSOLE:
			if (strcmp(optarg, "serial") && strcmp(optarg, "virtio"))
				ret = run_bad_value("console", optarg, "allowed: serial or virtio");
			o->virtio_console = !strcmp(optarg, "virtio");
			break;
		case OPT_DEV: o->dev = optarg; break;
		case OPT_QUIET: vmm_verbosity = 0; break;
		case OPT_DEBUG: vmm_verbosity = 2; break;
		case OPT_HELP: run_usage(stdout); return HVX_EXIT_OK;
		default:
			fprintf(stderr, "'hvx run --help' lists the options.\n");
			return HVX_EXIT_USAGE;
		}
		if (ret)
			return HVX_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "hvx run: unexpected argument '%s'\n", argv[optind]);
		return HVX_EXIT_USAGE;
	}
	if (!o->boot.kernel) {
		fprintf(stderr, "hvx run: --kernel FILE is required ('hvx run --help' lists the options)\n");
		return HVX_EXIT_USAGE;
	}
	return -1;
}

/*
 * @console_in: the read end of the pipe that carries stdin to the
 * virtio-console with --console virtio, else -1 (the UART has stdin).
 */
static int run_create_devices(struct vm *vm, struct run_options *o, struct serial **uart,
			      int console_in)
{
	unsigned int i;
	int ret;

	ret = serial__create(vm, PORT_COM1, GSI_COM1, STDOUT_FILENO, uart);
	if (!ret)
		ret = i8042__create(vm);
	if (!ret)
		ret = rtc__create(vm);
	if (!ret)
		ret = debug_exit__create(vm);
	if (!ret)
		ret = fw_cfg__create(vm);
	if (!ret)
		ret = acpi_pm__create(vm);
	for (i = 0; !ret && i < o->nr_disks; i++)
		ret = virtio_blk_create(vm, o->disks[i].path, o->disks[i].read_only);
	if (!ret && o->net)
		ret = virtio_net_create(vm, o->tap_name);
	/* In both modes: the guest's hvc0 prints to stdout all the same. */
	if (!ret)
		ret = virtio_console_create(vm, console_in, STDOUT_FILENO);
	if (ret)
		return ret;
	/* Entropy for the guest, if this hvx has the device; no harm without. */
	if (virtio_rng_create(vm) && vmm_verbosity > 1)
		vmm_debug("no virtio-rng");
	return 0;
}

/*
 * --console virtio: the console loop still reads stdin (for Ctrl-A x and
 * the signals) and passes it on through this pipe, which the device polls.
 */
static int run_console_pipe(struct run_options *o, int fds[2])
{
	if (!o->virtio_console)
		return 0;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		vmm_error("console pipe: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int run_vm(struct run_options *o, int signal_fd)
{
	struct console_sink sink = { .pipe_fd = -1 };
	int console_pipe[2] = { -1, -1 };
	struct vm *vm = calloc(1, sizeof(*vm));
	char *cmdline = NULL;
	int status = RUN_EXIT_ERROR;

	if (!vm)
		return RUN_EXIT_ERROR;
	if (vm__create(vm, o->dev, o->mem, o->cpus) || vcpu__create_all(vm) ||
	    run_console_pipe(o, console_pipe) ||
	    run_create_devices(vm, o, &sink.uart, console_pipe[0]) ||
	    acpi__build(vm, &o->boot.rsdp))
		goto out;
	if (asprintf(&cmdline, "%s %s%s%s",
		     o->virtio_console ? RUN_CONSOLE_VIRTIO : RUN_CONSOLE_SERIAL,
		     RUN_DEFAULT_CMDLINE, o->user_cmdline ? " " : "",
		     o->user_cmdline ? o->user_cmdline : "") < 0) {
		cmdline = NULL;
		goto out;
	}
	o->boot.cmdline = cmdline;
	o->boot.user_cmdline = o->user_cmdline ? o->user_cmdline : "";
	if (loader__load(vm, &o->boot))
		goto out;
	vmm_debug("%u vCPU(s), %llu MiB, booting %s", o->cpus,
		  (unsigned long long)(o->mem / MiB), o->boot.kernel);
	if (console__init())
		vmm_debug("console: cannot set raw mode: %s", strerror(errno));
	sink.pipe_fd = console_pipe[1];
	if (vcpu__start_all(vm))
		vm_request_shutdown(vm, RUN_EXIT_ERROR, NULL);
	else
		console__run(vm, &sink, signal_fd);

	/* Stop the vCPUs (a no-op if the VM already asked), then the devices. */
	vm_request_shutdown(vm, RUN_EXIT_ERROR, NULL);
	vcpu__join_all(vm);
	vm__exit_devices(vm);
	console__restore();
	status = vm->exit_status;
	if (vm->exit_why)
		vmm_info("%s", vm->exit_why);
out:
	vm__destroy(vm);
	free(vm);
	free(cmdline);
	/* After the devices: the virtio-console's thread polled the read end. */
	if (console_pipe[0] >= 0) {
		close(console_pipe[0]);
		close(console_pipe[1]);
	}
	return status;
}

static int run_main(int argc, char **argv)
{
	struct run_options opts;
	sigset_t sigs;
	int ret, signal_fd;

	ret = run_parse(argc, argv, &opts);
	if (ret >= 0)
		return ret;
	/* Signals become console events; every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (signal_fd < 0) {
		vmm_error("signalfd: %s", strerror(errno));
		return RUN_EXIT_ERROR;
	}
	ret = run_vm(&opts, signal_fd);
	close(signal_fd);
	return ret;
}

const struct hvx_command run_command = {
	.name = "run",
	.summary = "boot a kernel in a VM, its serial console on this terminal",
	.main = run_main,
};
