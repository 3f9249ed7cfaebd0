// SPDX-License-Identifier: GPL-2.0-only
/*
 * memtest MIB: the qemu stage's migration witness, run in the nested guest.
 *
 * Fills MIB MiB with a pattern and rewrites it forever, pass after pass,
 * every 64-bit word of page i in pass p holding (p << 32 | i). Before a page
 * is rewritten, all its words are checked against what the previous pass
 * wrote there, so every page is verified on every pass: a page that a
 * migration lost or carried over stale (a dirty page not sent again) is
 * caught on the next pass, whenever the migration happened.
 *
 * Prints "memtest: running" after the first pass. SIGUSR1 asks for a report:
 * once a whole pass has run after the signal, it prints "memtest: verified
 * N pages through pass P". A wrong word ends it with "memtest: BAD ...".
 * The writes are paced to 16 MiB/s, 1 MiB at a time: the guest dirties its
 * memory all through a migration, but slower than the migration sends it
 * (qemu-test.sh lets it send 64 MiB/s), so the migration converges.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE_WORDS (4096 / sizeof(uint64_t))

static volatile sig_atomic_t report_asked;

static void on_usr1(int sig)
{
	(void)sig;
	report_asked = 1;
}

int main(int argc, char **argv)
{
	size_t pages = (argc > 1 ? strtoul(argv[1], NULL, 0) : 16) * 256;
	struct timespec next;
	uint64_t *mem, pass, report_after = 0;
	size_t i, w;

	mem = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("memtest: mmap");
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	setvbuf(stdout, NULL, _IONBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (pass = 1;; pass++) {
		/* A report covers the first pass that begins after the signal. */
		if (report_asked && !report_after) {
			report_asked = 0;
			report_after = pass;
		}
		for (i = 0; i < pages; i++) {
			uint64_t *page = mem + i * PAGE_WORDS;
			uint64_t was = (pass - 1) << 32 | i, now = pass << 32 | i;

			/* Each 1 MiB (256 pages) in its own 1/16 s. */
			if (i % 256 == 0) {
				next.tv_nsec += 1000 * 1000 * 1000 / 16;
				if (next.tv_nsec >= 1000 * 1000 * 1000) {
					next.tv_nsec -= 1000 * 1000 * 1000;
					next.tv_sec++;
				}
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
			}

			for (w = 0; w < PAGE_WORDS; w++) {
				if (pass > 1 && page[w] != was) {
					printf("memtest: BAD page %zu word %zu holds %#llx, expected %#llx (pass %llu)\n",
					       i, w, (unsigned long long)page[w],
					       (unsigned long long)was, (unsigned long long)pass);
					return 1;
				}
				page[w] = now;
			}
		}
		if (pass == 1)
			printf("memtest: running, %zu pages\n", pages);
		/* A pass after the first checked every page before writing it. */
		if (report_after && pass >= report_after && pass > 1) {
			printf("memtest: verified %zu pages through pass %llu\n",
			       pages, (unsigned long long)pass);
			report_after = 0;
		}
	}
}
