// SPDX-License-Identifier: GPL-2.0-only
/*
 * vbench: the measuring half of the virtio benchmark (virtio_bench.c runs
 * it). The same static binary runs inside the `hvx run` guest, on the
 * virtio devices, and in the testbed itself without hvx, for the ratio.
 *
 *   vbench blk PATH seqread|seqwrite|randread|randwrite SECONDS [direct]
 *       sequential in 64 KiB, random in 4 KiB requests, one at a time;
 *       "direct" opens with O_DIRECT (the guest's page cache is bypassed)
 *   vbench tcp-sink PORT            accept one connection, read to EOF
 *   vbench tcp-source HOST PORT SECONDS
 *
 * Each prints one line: "vbench: <what> <MB/s> MB/s <n> ops <bytes> bytes".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK	(64 * 1024)
#define RAND_BLOCK	4096
#define NET_CHUNK	(64 * 1024)
#define SINK_WAIT_S	300

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *what, uint64_t bytes, uint64_t ops, double secs)
{
	printf("vbench: %s %.1f MB/s %llu ops %llu bytes\n", what,
	       secs > 0 ? bytes / secs / 1e6 : 0.0, (unsigned long long)ops,
	       (unsigned long long)bytes);
}

/* xorshift: a cheap, seeded sequence of offsets, the same on both sides. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int bench_blk(const char *path, const char *mode, int seconds, bool direct)
{
	bool write = strstr(mode, "write"), random = !strncmp(mode, "rand", 4);
	size_t block = random ? RAND_BLOCK : SEQ_BLOCK;
	uint64_t bytes = 0, ops = 0, off = 0, seed = 88172645463325252ULL, blocks;
	double start, end;
	off_t size;
	void *buf;
	int fd;

	fd = open(path, (write ? O_RDWR : O_RDONLY) | (direct ? O_DIRECT : 0));
	if (fd < 0) {
		fprintf(stderr, "vbench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	blocks = size / block;
	if (!blocks || posix_memalign(&buf, 4096, block)) {
		fprintf(stderr, "vbench: %s: too small, or no memory\n", path);
		return 1;
	}
	memset(buf, 0x5a, block);
	start = now_s();
	end = start + seconds;
	while (now_s() < end) {
		ssize_t n;

		if (random)
			off = (next_rand(&seed) % blocks) * block;
		else if (off + block > (uint64_t)size)
			off = 0;
		n = write ? pwrite(fd, buf, block, off) : pread(fd, buf, block, off);
		if (n != (ssize_t)block) {
			fprintf(stderr, "vbench: %s at %llu: %s\n", mode,
				(unsigned long long)off, n < 0 ? strerror(errno) : "short");
			return 1;
		}
		bytes += block;
		ops++;
		if (!random)
			off += block;
	}
	if (write && fdatasync(fd) && errno != EINVAL) {
		fprintf(stderr, "vbench: fdatasync: %s\n", strerror(errno));
		return 1;
	}
	report(mode, bytes, ops, now_s() - start);
	close(fd);
	return 0;
}

static int tcp_sink(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[NET_CHUNK];
	uint64_t bytes = 0, ops = 0;
	int one = 1, l, c;
	double start = 0;
	ssize_t n;

	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1)) {
		fprintf(stderr, "vbench: listen on %d: %s\n", port, strerror(errno));
		return 1;
	}
	printf("vbench: listening\n");
	fflush(stdout);
	/* A source that never comes (a stuck guest) must not hang the bench. */
	alarm(SINK_WAIT_S);
	c = accept(l, NULL, NULL);
	alarm(0);
	if (c < 0) {
		fprintf(stderr, "vbench: accept: %s\n", strerror(errno));
		return 1;
	}
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		if (!bytes)
			start = now_s();
		bytes += n;
		ops++;
	}
	report("tcp-sink", bytes, ops, now_s() - start);
	return 0;
}

static int tcp_source(const char *host, int port, int seconds)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[NET_CHUNK];
	uint64_t bytes = 0, ops = 0;
	double start, end;
	int s, tries;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "vbench: bad address %s\n", host);
		return 1;
	}
	/* The sink may still be starting. */
	for (tries = 0; tries < 300; tries++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(s, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(s);
		s = -1;
		usleep(100000);
	}
	if (s < 0) {
		fprintf(stderr, "vbench: connect %s:%d: %s\n", host, port, strerror(errno));
		return 1;
	}
	memset(buf, 0xa5, sizeof(buf));
	start = now_s();
	end = start + seconds;
	while (now_s() < end) {
		ssize_t n = write(s, buf, sizeof(buf));

		if (n <= 0) {
			fprintf(stderr, "vbench: send: %s\n", strerror(errno));
			return 1;
		}
		bytes += n;
		ops++;
	}
	close(s);
	report("tcp-source", bytes, ops, now_s() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "blk"))
		return bench_blk(argv[2], argv[3], atoi(argv[4]),
				 argc > 5 && !strcmp(argv[5], "direct"));
	if (argc == 3 && !strcmp(argv[1], "tcp-sink"))
		return tcp_sink(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "tcp-source"))
		return tcp_source(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: vbench blk PATH seqread|seqwrite|randread|randwrite SECONDS [direct]\n"
			"       vbench tcp-sink PORT\n"
			"       vbench tcp-source HOST PORT SECONDS\n");
	return 2;
}
