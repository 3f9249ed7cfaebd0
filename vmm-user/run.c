// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvx run: boot a kernel in a VM with its console (the UART, or with
 * --console virtio the virtio-console) on stdio. Options
 * come from one table that also writes --help. The order of bring-up:
 * VM (irqchip, PIT, RAM), vCPUs, the PC's devices, the virtio devices,
 * ACPI tables (which describe those), the kernel, then the vCPU threads and
 * the console loop on this thread until the VM ends. --rootfs (rootfs/)
 * adds the root share, hvx's init and its command line, and routes the
 * consoles: the guest's command on the virtio-console (stdin, stdout),
 * the kernel's log on the UART (stderr).
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
#include <sys/sysmacros.h>
#include <unistd.h>
#include <net/if.h>
#include "vm.h"
#include "vmm.h"
#include "console.h"
#include "acpi/acpi.h"
#include "loaders/loader.h"
#include "platform/layout.h"
#include "platform/platform.h"
#include "rootfs/rootfs.h"
#include "rootfs/rootfs_boot.h"

#define RUN_DEFAULT_DEV		"/dev/hvx"
#define RUN_DEFAULT_MEM		(256 * MiB)
#define RUN_MIN_MEM		(16 * MiB)
#define RUN_MAX_MEM		(1024 * GiB)
#define RUN_MAX_DISKS		4
/* virtio-mmio windows: 8, three taken by the consoles, rng and a root share. */
#define RUN_MAX_SHARES		5
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
	bool console_set;		/* --console given */
	struct rootfs_share shares[RUN_MAX_SHARES];	/* --share, --rw */
	unsigned int nr_shares;
	const char *rootfs;		/* --rootfs DIR */
	const char *exec;		/* --exec CMD */
};

enum run_opt { OPT_KERNEL = 'k', OPT_INITRD = 'i', OPT_CMDLINE = 'c', OPT_MEM = 'm',
	       OPT_CPUS = 'p', OPT_DISK = 'd', OPT_NET = 'n', OPT_DEV = 'D', OPT_QUIET = 'q',
	       OPT_CONSOLE = 'C', OPT_DEBUG = 'g', OPT_HELP = 'h', OPT_SHARE = 's',
	       OPT_ROOTFS = 'r', OPT_EXEC = 'e', OPT_RW = 'w' };

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
	{ { "share", required_argument, NULL, OPT_SHARE }, "HOSTDIR[:TAG][,ro]",
	  "HOSTDIR for the guest over virtio-9p, read-only with ,ro; the guest mounts it with"
	  " mount -t 9p -o trans=virtio TAG DIR (TAG: HOSTDIR's last name unless given);"
	  " with --rootfs, at HOSTDIR; repeat for more (up to 5 with --rw). HOSTDIR must"
	  " exist; TAG: letters, digits, . _ -, unique, not hvxroot" },
	{ { "rw", required_argument, NULL, OPT_RW }, "DIR",
	  "a host directory the guest may write, for results: --share DIR (read-write),"
	  " with --rootfs mounted at DIR over the overlay" },
	{ { "rootfs", required_argument, NULL, OPT_ROOTFS }, "DIR",
	  "boot with DIR (usually /) as the guest's root: read-only over 9p with a tmpfs"
	  " overlay for writes; hvx's own init (and, for a kernel with them as modules,"
	  " DIR/lib/modules/RELEASE's virtio, 9p and overlay modules in an initramfs hvx builds)"
	  " runs --exec's command or a shell; stdin and stdout are the guest's /dev/hvc0,"
	  " stderr its console (and the kernel's log). Not with --initrd or --console;"
	  " refused if the kernel image has no release or needs modules DIR/lib/modules lacks" },
	{ { "exec", required_argument, NULL, OPT_EXEC }, "CMD",
	  "run CMD (/bin/sh -c) in the guest, in this directory, then power off; hvx run"
	  " exits with CMD's status (128+N if signal N killed it, 125 if the guest's init"
	  " failed). Needs --rootfs; CMD must fit the kernel command line (2047 bytes on x86)" },
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
		   "        own statuses are even, so they never look like a guest's\n"
		   "  N     with --rootfs: the command's (or the shell's) exit status N\n");
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

/*
 * HOSTDIR[:TAG][,ro] (--share) or DIR (--rw): the directory must exist,
 * tags are unique; checked here so that a typo ends hvx before it boots.
 */
static int run_parse_share(struct run_options *o, char *arg, bool rw_option)
{
	const char *opt = rw_option ? "rw" : "share";
	const char *allowed = rw_option ? "allowed: DIR" : "allowed: HOSTDIR[:TAG][,ro]";
	struct rootfs_share *sh = &o->shares[o->nr_shares];
	char *tag = NULL, *colon, *base;
	size_t n = strlen(arg);
	struct stat st;
	unsigned int i;

	if (o->nr_shares == RUN_MAX_SHARES)
		return run_bad_value(opt, arg, "at most 5 --share and --rw together");
	*sh = (struct rootfs_share){ 0 };
	if (!rw_option && n > 3 && !strcmp(arg + n - 3, ",ro")) {
		sh->read_only = true;
		arg[n - 3] = '\0';
	}
	colon = rw_option ? NULL : strrchr(arg, ':');
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
	}
	if (!*arg)
		return run_bad_value(opt, arg, allowed);
	sh->host_path = realpath(arg, NULL);
	if (!sh->host_path || stat(sh->host_path, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hvx run: --%s %s: %s\n", opt, arg,
			sh->host_path ? "not a directory" : strerror(errno));
		free(sh->host_path);
		return -ENOTDIR;
	}
	base = strrchr(sh->host_path, '/') + 1;
	if (!tag)
		tag = *base ? base : "root";
	if (!virtio_9p_tag_ok(tag) || !strcmp(tag, ROOTFS_TAG)) {
		fprintf(stderr, "hvx run: --%s %s: the mount tag '%s' is not allowed (1 to %d letters,"
			" digits, '.', '_' or '-', not '%s')%s\n", opt, arg, tag, VIRTIO_9P_TAG_MAX,
			ROOTFS_TAG, colon ? "" : "; give one: HOSTDIR:TAG");
		free(sh->host_path);
		return -EINVAL;
	}
	for (i = 0; i < o->nr_shares; i++) {
		if (!strcmp(o->shares[i].tag, tag)) {
			fprintf(stderr, "hvx run: --%s %s: mount tag '%s' used twice%s\n", opt, arg, tag,
				colon ? "" : "; give one: HOSTDIR:TAG");
			free(sh->host_path);
			return -EINVAL;
		}
	}
	strcpy(sh->tag, tag);
	o->nr_shares++;
	return 0;
}

/* What --rootfs and --exec need, and rule out (after all options are read). */
static int run_check_rootfs(const struct run_options *o)
{
	struct stat st;

	if (o->exec && !o->rootfs) {
		fprintf(stderr, "hvx run: --exec needs --rootfs (hvx's init runs it; e.g. --rootfs /)\n");
		return -EINVAL;
	}
	if (!o->rootfs)
		return 0;
	if (o->boot.nr_initrds) {
		fprintf(stderr, "hvx run: --rootfs builds the initramfs itself: no --initrd with it\n");
		return -EINVAL;
	}
	if (o->console_set) {
		fprintf(stderr, "hvx run: --rootfs sets the consoles itself (the command on the virtio-console, the kernel's log on the serial port): no --console with it\n");
		return -EINVAL;
	}
	if (stat(o->rootfs, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hvx run: --rootfs %s: %s\n", o->rootfs,
			access(o->rootfs, F_OK) ? strerror(errno) : "not a directory");
		return -ENOTDIR;
	}
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
			o->console_set = true;
			break;
		case OPT_SHARE: ret = run_parse_share(o, optarg, false); break;
		case OPT_RW: ret = run_parse_share(o, optarg, true); break;
		case OPT_ROOTFS: o->rootfs = optarg; break;
		case OPT_EXEC: o->exec = optarg; break;
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
	if (run_check_rootfs(o))
		return HVX_EXIT_USAGE;
	/* --rootfs: stdin to the guest's hvc0, through the virtio-console's pipe. */
	if (o->rootfs)
		o->virtio_console = true;
	return -1;
}

/*
 * @console_in: the read end of the pipe that carries stdin to the
 * virtio-console with --console virtio, else -1 (the UART has stdin).
 */
static int run_create_devices(struct vm *vm, struct run_options *o, struct serial **uart,
			      int console_in, const char *root)
{
	unsigned int i;
	int ret;

	/* --rootfs: the UART is the kernel's log and the command's stderr. */
	ret = serial__create(vm, PORT_COM1, GSI_COM1, o->rootfs ? STDERR_FILENO : STDOUT_FILENO,
			     uart);
	if (!ret)
		ret = i8042__create(vm);
	if (!ret)
		ret = rtc__create(vm);
	if (!ret)
		ret = debug_exit__create(vm, o->rootfs != NULL);
	if (!ret)
		ret = fw_cfg__create(vm);
	if (!ret)
		ret = acpi_pm__create(vm);
	for (i = 0; !ret && i < o->nr_disks; i++)
		ret = virtio_blk_create(vm, o->disks[i].path, o->disks[i].read_only);
	if (!ret && o->net)
		ret = virtio_net_create(vm, o->tap_name);
	if (!ret && root)
		ret = virtio_9p_create(vm, root, ROOTFS_TAG, true);
	for (i = 0; !ret && i < o->nr_shares; i++)
		ret = virtio_9p_create(vm, o->shares[i].host_path, o->shares[i].tag,
				       o->shares[i].read_only);
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

/* --rootfs: the initramfs and command line for hvx's init (rootfs.c). */
static int run_prepare_rootfs(struct run_options *o, struct rootfs_boot *rb)
{
	struct rootfs_config rc = {
		.dir = o->rootfs, .exec = o->exec, .kernel = o->boot.kernel,
		.shares = o->shares, .nr_shares = o->nr_shares,
		.debug = vmm_verbosity > 1, .tty = isatty(STDIN_FILENO),
	};
	struct stat st;
	int ret;

	/* Input from /dev/null: the command gets /dev/null, and so sees its end. */
	rc.no_stdin = !fstat(STDIN_FILENO, &st) && S_ISCHR(st.st_mode) &&
		      st.st_rdev == makedev(1, 3);
	ret = rootfs__prepare(&rc, rb);
	if (!ret && rb->initrd_fd >= 0)
		o->boot.initrds[o->boot.nr_initrds++] = rb->initrd_path;
	return ret;
}

static int run_vm(struct run_options *o, int signal_fd)
{
	struct console_sink sink = { .pipe_fd = -1 };
	struct rootfs_boot rb = { .initrd_fd = -1 };
	int console_pipe[2] = { -1, -1 };
	struct vm *vm = calloc(1, sizeof(*vm));
	char *cmdline = NULL;
	int status = RUN_EXIT_ERROR;

	if (!vm)
		return RUN_EXIT_ERROR;
	/* First: a kernel without the drivers --rootfs needs ends hvx here. */
	if ((o->rootfs && run_prepare_rootfs(o, &rb)) ||
	    vm__create(vm, o->dev, o->mem, o->cpus) || vcpu__create_all(vm) ||
	    run_console_pipe(o, console_pipe) ||
	    run_create_devices(vm, o, &sink.uart, console_pipe[0], rb.root) ||
	    acpi__build(vm, &o->boot.rsdp))
		goto out;
	if (asprintf(&cmdline, "%s %s%s%s%s%s",
		     o->virtio_console && !o->rootfs ? RUN_CONSOLE_VIRTIO : RUN_CONSOLE_SERIAL,
		     RUN_DEFAULT_CMDLINE, rb.cmdline ? " " : "", rb.cmdline ? rb.cmdline : "",
		     o->user_cmdline ? " " : "", o->user_cmdline ? o->user_cmdline : "") < 0) {
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
	rootfs__release(&rb);
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
	while (opts.nr_shares)
		free(opts.shares[--opts.nr_shares].host_path);
	return ret;
}

const struct hvx_command run_command = {
	.name = "run",
	.summary = "boot a kernel in a VM, its serial console on this terminal",
	.main = run_main,
};
