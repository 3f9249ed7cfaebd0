// SPDX-License-Identifier: GPL-2.0-only
/*
 * One trap API for port I/O and MMIO: each address space is a sorted array
 * of non-overlapping claims, looked up by binary search. Claims are made
 * while the VM is set up (and rarely later); lookups happen on every exit,
 * from all vCPU threads at once, hence the reader-writer lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vm.h"

int trap__init(struct vm *vm)
{
	return -pthread_rwlock_init(&vm->trap_lock, NULL);
}

void trap__exit(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vm->traps); i++) {
		free(vm->traps[i].traps);
		vm->traps[i] = (struct trap_table){ 0 };
	}
	pthread_rwlock_destroy(&vm->trap_lock);
}

/* Index of the first claim that ends after @addr (nr if none). */
static unsigned int trap_search(const struct trap_table *t, uint64_t addr)
{
	unsigned int lo = 0, hi = t->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (t->traps[mid].base + t->traps[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int trap_register(struct vm *vm, enum trap_space space, uint64_t base,
		  uint64_t len, trap_fn fn, void *opaque)
{
	struct trap_table *t;
	unsigned int i;
	int ret = 0;

	if ((unsigned int)space >= ARRAY_SIZE(vm->traps) || !len || !fn ||
	    base + len < base)
		return -EINVAL;
	t = &vm->traps[space];
	pthread_rwlock_wrlock(&vm->trap_lock);
	i = trap_search(t, base);
	if (i < t->nr && t->traps[i].base < base + len) {
		ret = -EEXIST;
		goto out;
	}
	if (t->nr == t->cap) {
		unsigned int cap = t->cap ? 2 * t->cap : 16;
		struct trap *n = realloc(t->traps, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		t->traps = n;
		t->cap = cap;
	}
	memmove(&t->traps[i + 1], &t->traps[i], (t->nr - i) * sizeof(*t->traps));
	t->traps[i] = (struct trap){ .base = base, .len = len, .fn = fn, .opaque = opaque };
	t->nr++;
out:
	pthread_rwlock_unlock(&vm->trap_lock);
	return ret;
}

void trap_unregister(struct vm *vm, enum trap_space space, uint64_t base)
{
	struct trap_table *t;
	unsigned int i;

	if ((unsigned int)space >= ARRAY_SIZE(vm->traps))
		return;
	t = &vm->traps[space];
	pthread_rwlock_wrlock(&vm->trap_lock);
	i = trap_search(t, base);
	if (i < t->nr && t->traps[i].base == base) {
		memmove(&t->traps[i], &t->traps[i + 1], (t->nr - i - 1) * sizeof(*t->traps));
		t->nr--;
	}
	pthread_rwlock_unlock(&vm->trap_lock);
}

int trap__dispatch(struct vm *vm, enum trap_space space, uint64_t addr,
		   uint8_t *data, uint32_t len, bool is_write)
{
	const struct trap_table *t = &vm->traps[space];
	struct trap trap;
	unsigned int i;
	bool found;

	pthread_rwlock_rdlock(&vm->trap_lock);
	i = trap_search(t, addr);
	found = i < t->nr && t->traps[i].base <= addr;
	if (found)
		trap = t->traps[i];
	pthread_rwlock_unlock(&vm->trap_lock);
	if (!found)
		return -ENOENT;
	/* Called unlocked: a handler may register or unregister traps. */
	trap.fn(trap.opaque, addr, data, len, is_write);
	return 0;
}
