/* SPDX-License-Identifier: GPL-2.0-only */
/* The hvx command: subcommands and what they share. */
#ifndef HVX_VMM_H
#define HVX_VMM_H

/* Exit codes of the hvx program. */
#define HVX_EXIT_OK	0
#define HVX_EXIT_ERROR	1	/* the command ran and failed */
#define HVX_EXIT_USAGE	2	/* bad command line */

struct hvx_command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);	/* returns an HVX_EXIT_* code */
};

extern const struct hvx_command info_command;
extern const struct hvx_command run_command;

#endif /* HVX_VMM_H */
