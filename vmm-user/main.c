// SPDX-License-Identifier: GPL-2.0-only
/* hvx: the command-line VMM. Dispatches to subcommands from one table. */
#include <stdio.h>
#include <string.h>
#include "vmm.h"
#include "rootfs/rootfs.h"

static const struct hvx_command *const commands[] = {
	&info_command,
	&run_command,
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "Usage: hvx COMMAND [OPTIONS]\n\n"
		   "hvx is a type-2 hypervisor; this program drives it through /dev/hvx\n"
		   "(or any device speaking KVM's ioctl ABI, such as /dev/kvm).\n\n"
		   "Commands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n'hvx COMMAND --help' explains a command's options.\n");
}

int main(int argc, char **argv)
{
	unsigned int i;

	/* The kernel runs hvx as a --rootfs guest's init (init=... guest-init). */
	if (argc >= 2 && !strcmp(argv[1], ROOTFS_INIT_ARG))
		return guest_init_main(argc - 1, argv + 1);
	if (argc < 2) {
		usage(stderr);
		return HVX_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return HVX_EXIT_OK;
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->main(argc - 1, argv + 1);
	fprintf(stderr, "hvx: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return HVX_EXIT_USAGE;
}
