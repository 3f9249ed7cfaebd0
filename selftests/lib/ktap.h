/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small kselftest-style harness with KTAP output. Each test runs in its
 * own child process, so a failed assertion or a crash ends that test only;
 * the program goes on with the next one and reports them all.
 *
 *	static void test_foo(void) { ASSERT_EQ(1 + 1, 2); }
 *	static const struct ktest tests[] = { KTEST(test_foo) };
 *	int main(void) { return ktap_main(tests, KTEST_COUNT(tests)); }
 */
#ifndef HVX_KTAP_H
#define HVX_KTAP_H

#include <errno.h>
#include <string.h>

/* Exit codes, as kselftest defines them. */
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

struct ktest {
	const char *name;
	void (*fn)(void);
};

#define KTEST(fn)		{ #fn, fn }
#define KTEST_COUNT(t)		(sizeof(t) / sizeof((t)[0]))
/* Per test case; $HVX_TEST_CASE_TIMEOUT overrides it (slow emulators). */
#define KTEST_TIMEOUT_S		60

int ktap_main(const struct ktest *tests, unsigned int n);

/* Inside a test. */
void ktap_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktap_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void ktap_fail_cond(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
void ktap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define FAIL(...)	ktap_fail(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...)	ktap_skip(__VA_ARGS__)

/* An optional message (format and arguments) may follow the condition. */
#define ASSERT_TRUE(cond, ...) do {					\
	if (!(cond))							\
		ktap_fail_cond(__FILE__, __LINE__, #cond, "" __VA_ARGS__); \
} while (0)

#define ASSERT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		FAIL("%s == %s: %lld (%#llx) != %lld (%#llx)",		\
		     #a, #b, _a, _a, _b, _b);				\
} while (0)

/* A syscall that must succeed; yields its value. */
#define CHECK_OK(expr) ({						\
	long _r = (long)(expr);						\
	if (_r < 0)							\
		FAIL("%s failed: %s", #expr, strerror(errno));		\
	_r;								\
})

/* A syscall that must fail with exactly one errno. */
#define ASSERT_ERRNO(expr, err) do {					\
	errno = 0;							\
	long _r = (long)(expr);						\
	int _e = errno;							\
	if (_r != -1 || _e != (err))					\
		FAIL("%s: expected -1 (%s), got %ld (%s)", #expr,	\
		     strerrorname_np(err) ?: "?", _r,			\
		     _r == -1 ? (strerrorname_np(_e) ?: "?") : "no error"); \
} while (0)

#endif /* HVX_KTAP_H */
