/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ucall: how guest code talks to its test. The guest fills a struct ucall
 * on its stack and does OUT dword to UCALL_PORT with the struct's GPA; the
 * host, after KVM_RUN returns with that port-I/O exit, reads the struct out
 * of guest memory (get_ucall) and resumes the guest when it wants to.
 *
 * Guest side:
 *	GUEST_SYNC(values...)		up to UCALL_MAX_ARGS values for the host
 *	GUEST_ASSERT(cond)		on failure: the host test fails with
 *	GUEST_ASSERT_EQ(a, b)		the guest's file:line, expression, values
 *	GUEST_ASSERT_NE(a, b)
 *	GUEST_ASSERT_V(cond, values...)	like GUEST_ASSERT, printing values
 *	GUEST_FAIL(values...)
 *	GUEST_DONE()
 * Host side: get_ucall(vcpu, &uc) after a KVM_RUN (see guest_vm.h).
 */
#ifndef HVX_UCALL_H
#define HVX_UCALL_H

#include <stdint.h>

enum ucall_cmd {
	UCALL_NONE,		/* host side: the exit was not a ucall */
	UCALL_SYNC,
	UCALL_ASSERT,
	UCALL_UNHANDLED,	/* an exception no test expected: vector, error code, RIP */
	UCALL_DONE,
};

#define UCALL_MAX_ARGS	4

struct ucall {
	uint64_t cmd;		/* enum ucall_cmd */
	uint64_t nargs;
	uint64_t args[UCALL_MAX_ARGS];
	uint64_t file;		/* GVA of the guest's __FILE__ */
	uint64_t expr;		/* GVA of the failed expression, or 0 */
	uint64_t line;
};

/* Sends one ucall; never returns for UCALL_ASSERT and UCALL_UNHANDLED. */
void ucall_send(uint64_t cmd, const char *file, int line, const char *expr,
		int nargs, const uint64_t *args);

#define __UC_NARGS(_0, _1, _2, _3, _4, n, ...) n
#define UC_NARGS(...)	__UC_NARGS(0, ##__VA_ARGS__, 4, 3, 2, 1, 0)
#define UC_ARGS(...)	UC_NARGS(__VA_ARGS__), (const uint64_t[UCALL_MAX_ARGS]){ __VA_ARGS__ }

#define GUEST_SYNC(...)							\
	ucall_send(UCALL_SYNC, __FILE__, __LINE__, 0, UC_ARGS(__VA_ARGS__))
#define GUEST_DONE()							\
	ucall_send(UCALL_DONE, __FILE__, __LINE__, 0, UC_ARGS())
#define GUEST_FAIL(...)							\
	ucall_send(UCALL_ASSERT, __FILE__, __LINE__, "GUEST_FAIL", UC_ARGS(__VA_ARGS__))
#define __GUEST_ASSERT(cond, str, ...) do {				\
	if (!(cond))							\
		ucall_send(UCALL_ASSERT, __FILE__, __LINE__, str,	\
			   UC_ARGS(__VA_ARGS__));			\
} while (0)
#define GUEST_ASSERT_V(cond, ...)	__GUEST_ASSERT(cond, #cond, ##__VA_ARGS__)
#define GUEST_ASSERT(cond)		__GUEST_ASSERT(cond, #cond)
#define GUEST_ASSERT_EQ(a, b) do {					\
	uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
	__GUEST_ASSERT(__a == __b, #a " == " #b, __a, __b);		\
} while (0)
#define GUEST_ASSERT_NE(a, b) do {					\
	uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
	__GUEST_ASSERT(__a != __b, #a " != " #b, __a, __b);		\
} while (0)

#endif /* HVX_UCALL_H */
