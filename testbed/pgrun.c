// SPDX-License-Identifier: GPL-2.0-only
/*
 * pgrun SECONDS PROGRAM [ARG...]
 *
 * Runs PROGRAM in a process group (and session) of its own and waits for it
 * at most SECONDS. When it ends, or when the time is up, the whole group is
 * killed: KVM's hardware_disable_test, for one, leaves forked VMs running,
 * and a timed-out test must not leave vCPU threads behind for the next one.
 * Exit status: PROGRAM's, 128 + N if a signal N ended it, 124 on timeout,
 * 125 if it could not be started.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int status, seconds;
	pid_t pid;

	if (argc < 3 || (seconds = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: pgrun SECONDS PROGRAM [ARG...]\n");
		return 125;
	}
	pid = fork();
	if (pid < 0) {
		perror("pgrun: fork");
		return 125;
	}
	if (pid == 0) {
		setsid();
		execv(argv[2], argv + 2);
		fprintf(stderr, "pgrun: %s: %s\n", argv[2], strerror(errno));
		_exit(125);
	}
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: waitpid returns */
	alarm(seconds);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 125;
		if (timed_out) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 124;
		}
	}
	alarm(0);
	/* Whatever the program left running in its group goes too. */
	kill(-pid, SIGKILL);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
