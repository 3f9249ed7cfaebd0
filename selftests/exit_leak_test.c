// SPDX-License-Identifier: GPL-2.0-only
/*
 * 100,000 exits to userspace (ucalls over port I/O) must not grow the
 * host's slab or use up its memory. Measured from /proc/meminfo around the
 * loop, after a warm-up, with a stated tolerance; the numbers are printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"
#include "guest_vm.h"

#define EXITS			100000
#define WARMUP			2000
/* A leak of more than ~10 bytes of slab or ~80 bytes of memory per exit. */
#define SLAB_TOLERANCE_KB	1024
#define AVAIL_TOLERANCE_KB	8192

static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t n = strlen(key);
	long v = -1;

	if (!f)
		FAIL("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	if (v < 0)
		FAIL("no %s in /proc/meminfo", key);
	return v;
}

static void guest_many_exits(void)
{
	uint64_t i;

	for (i = 0; i < WARMUP + EXITS; i++)
		GUEST_SYNC(i);
	GUEST_DONE();
}

static void run_exits(struct vcpu *vcpu, uint64_t from, uint64_t n)
{
	struct ucall uc;
	uint64_t i;

	for (i = from; i < from + n; i++) {
		vcpu_run(vcpu);
		if (get_ucall(vcpu, &uc) != UCALL_SYNC || uc.args[0] != i)
			FAIL("exit %llu: ucall %llu arg %llu", (unsigned long long)i,
			     (unsigned long long)uc.cmd, (unsigned long long)uc.args[0]);
	}
}

static void exits_do_not_leak(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_many_exits);
	long slab0, avail0, slab1, avail1;
	struct timespec t0, t1;
	double secs;

	alarm(600);	/* slow emulators: this case alone may take minutes */
	run_exits(vcpu, 0, WARMUP);
	sync();
	slab0 = meminfo_kb("Slab");
	avail0 = meminfo_kb("MemAvailable");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_exits(vcpu, WARMUP, EXITS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	slab1 = meminfo_kb("Slab");
	avail1 = meminfo_kb("MemAvailable");
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	ktap_print("%d exits in %.1f s (%.1f us each)", EXITS, secs, secs * 1e6 / EXITS);
	ktap_print("Slab: %ld kB -> %ld kB (%+ld kB, tolerance %d kB)", slab0, slab1,
		   slab1 - slab0, SLAB_TOLERANCE_KB);
	ktap_print("MemAvailable: %ld kB -> %ld kB (%+ld kB, tolerance -%d kB)", avail0, avail1,
		   avail1 - avail0, AVAIL_TOLERANCE_KB);
	ASSERT_TRUE(slab1 - slab0 <= SLAB_TOLERANCE_KB, "slab grew by %ld kB", slab1 - slab0);
	ASSERT_TRUE(avail0 - avail1 <= AVAIL_TOLERANCE_KB, "MemAvailable fell by %ld kB",
		    avail0 - avail1);
}

static const struct ktest tests[] = {
	KTEST(exits_do_not_leak),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
