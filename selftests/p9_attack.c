// SPDX-License-Identifier: GPL-2.0-only
/*
 * p9_attack TAG MOUNTPOINT [ro]: a hostile 9P client inside a guest of
 * `hvx run --rootfs` (vmm_rootfs_test runs it there). Linux's own 9p
 * client resolves "..", symlinks and names itself and never sends what a
 * hostile guest kernel could, so this program takes the share's
 * virtio-mmio device away from Linux (unmount, unbind from virtio-mmio)
 * and drives it from userspace: registers through /dev/mem, rings and
 * buffers in locked pages whose guest-physical addresses come from
 * /proc/self/pagemap, no interrupts (VRING_AVAIL_F_NO_INTERRUPT, polled).
 *
 * Then it sends what must not work against hvx's 9p server: walks with
 * "..", absolute and slashed names, NUL bytes, through the host's
 * symlinks that point out of the share; creates, renames, links and
 * unlinks with such names or on such links; device nodes; bad fids,
 * sizes, counts, types, msize games; a reply buffer too small (the
 * device must want a reset, and work after it). With "ro", every change
 * on the read-only share must be EROFS. Each reply that contains
 * "host-secret" (the secret vmm_rootfs_test keeps beside the share) is a
 * failure too. One line per check, then "p9_attack TAG: all N checks passed"
 * and exit 0, or exit 1.
 */
#define VIRTIO_MMIO_NO_LEGACY
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include "../vmm-user/p9/p9_proto.h"

#define PAGE		4096
#define QSIZE		8
#define MSIZE		4096
#define TAG		0x4242
#define ROOT_FID	1
#define SECRET_MARK	"host-secret"
#define WAIT_MS		5000
#define RESET_WAIT_MS	1000
#define PFN_MASK	((1ULL << 55) - 1)
#define PFN_PRESENT	(1ULL << 63)
#define VERSION_1_BIT	(VIRTIO_F_VERSION_1 - 32)
/* One page holds the queue: the descriptors, then the avail and used rings. */
#define AVAIL_OFF	(QSIZE * sizeof(struct vring_desc))
#define USED_OFF	(2 * AVAIL_OFF)
#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */

struct dev {
	volatile uint32_t *regs;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t ring_pa, req_pa, resp_pa;
	uint8_t *req, *resp;
	uint16_t avail_idx, used_idx;
};

static struct dev d;
static const char *tag;
static unsigned int attacks, failures;
static struct p9_writer w;
static struct p9_reader rr;	/* the last reply, after its header */

static void die(const char *what)
{
	printf("p9_attack %s: cannot %s: %s\n", tag, what, strerror(errno));
	exit(2);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint32_t reg_read(unsigned int off)
{
	return d.regs[off / 4];
}

static void reg_write(unsigned int off, uint32_t v)
{
	d.regs[off / 4] = v;
}

/* ---- Finding the device, taking it from Linux ---- */

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* The platform device (LNRO0005:NN) of the virtio-9p device with @tag. */
static bool find_device(char *platform, size_t len)
{
	DIR *dir = opendir("/sys/bus/virtio/devices");
	struct dirent *e;
	bool found = false;

	if (!dir)
		die("open /sys/bus/virtio/devices");
	while (!found && (e = readdir(dir))) {
		char path[512], val[256], link[512], *slash;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/device", e->d_name);
		if (!read_line(path, val, sizeof(val)) || strtoul(val, NULL, 0) != VIRTIO_ID_9P)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/mount_tag", e->d_name);
		if (!read_line(path, val, sizeof(val)) || strcmp(val, tag))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		/* .../devices/platform/LNRO0005:03/virtio3: the parent's name. */
		slash = strrchr(link, '/');
		if (!slash)
			continue;
		*slash = '\0';
		slash = strrchr(link, '/');
		found = snprintf(platform, len, "%s", slash ? slash + 1 : link) < (int)len;
	}
	closedir(dir);
	return found;
}

static uint64_t iomem_base(const char *name)
{
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");
	uint64_t base = 0;

	if (!f)
		die("open /proc/iomem");
	while (!base && fgets(line, sizeof(line), f)) {
		char *colon = strstr(line, " : ");

		if (colon && !strncmp(colon + 3, name, strlen(name)))
			base = strtoull(line + strspn(line, " "), NULL, 16);
	}
	fclose(f);
	return base;
}

static uint64_t phys_addr(void *p)
{
	uint64_t entry;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &entry, sizeof(entry), (uintptr_t)p / PAGE * sizeof(entry)) !=
	    sizeof(entry))
		die("read /proc/self/pagemap");
	close(fd);
	if (!(entry & PFN_PRESENT) || !(entry & PFN_MASK)) {
		errno = EPERM;
		die("see a page's frame number (root?)");
	}
	return (entry & PFN_MASK) * PAGE;
}

static void take_device(const char *mountpoint)
{
	char platform[128];
	uint64_t base;
	uint8_t *mem;
	int fd;

	if (umount(mountpoint) && errno != EINVAL)
		die("unmount the share");
	if (!find_device(platform, sizeof(platform)))
		die("find the device");
	base = iomem_base(platform);
	if (!base)
		die("find its window in /proc/iomem");
	fd = open("/sys/bus/platform/drivers/virtio-mmio/unbind", O_WRONLY);
	if (fd < 0 || write(fd, platform, strlen(platform)) < 0)
		die("unbind it from virtio-mmio");
	close(fd);
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0)
		die("open /dev/mem");
	d.regs = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
	if (d.regs == MAP_FAILED)
		die("map its registers");
	close(fd);
	/* Pages that stay put: locked, and not moved by compaction. */
	fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "0", 1) < 0)
			printf("p9_attack %s: (compaction of locked pages stays on)\n", tag);
		close(fd);
	}
	mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (mem == MAP_FAILED)
		die("lock memory for the rings");
	memset(mem, 0, 3 * PAGE);
	d.desc = (void *)mem;
	d.avail = (void *)(mem + AVAIL_OFF);
	d.used = (void *)(mem + USED_OFF);
	d.req = mem + PAGE;
	d.resp = mem + 2 * PAGE;
	d.ring_pa = phys_addr(mem);
	d.req_pa = phys_addr(d.req);
	d.resp_pa = phys_addr(d.resp);
	printf("p9_attack %s: %s at %#llx, rings at %#llx\n", tag, platform,
	       (unsigned long long)base, (unsigned long long)d.ring_pa);
}

/* virtio 1.x, 3.1.1: reset, features (VERSION_1 only), one queue, DRIVER_OK. */
static void init_device(void)
{
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	if (reg_read(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
	    reg_read(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_9P) {
		errno = ENODEV;
		die("see a virtio-9p device at that address");
	}
	reg_write(VIRTIO_MMIO_STATUS, 0);
	memset(d.desc, 0, PAGE);
	d.avail_idx = d.used_idx = 0;
	reg_write(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	reg_write(VIRTIO_MMIO_STATUS, s);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1u << VERSION_1_BIT);
	reg_write(VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		errno = EPROTO;
		die("negotiate features");
	}
	reg_write(VIRTIO_MMIO_QUEUE_SEL, 0);
	reg_write(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d.ring_pa);
	reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, d.ring_pa >> 32);
	reg_write(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(d.ring_pa + AVAIL_OFF));
	reg_write(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (d.ring_pa + AVAIL_OFF) >> 32);
	reg_write(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(d.ring_pa + USED_OFF));
	reg_write(VIRTIO_MMIO_QUEUE_USED_HIGH, (d.ring_pa + USED_OFF) >> 32);
	reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
	/* Polled: the interrupt line stays low (nobody would handle it). */
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	reg_write(VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Post the request (@len bytes) with @cap bytes for the reply; wait for it. */
static bool post(size_t len, uint32_t cap, unsigned int wait_ms)
{
	unsigned int ms;

	d.desc[0] = (struct vring_desc){ d.req_pa, len, VRING_DESC_F_NEXT, 1 };
	d.desc[1] = (struct vring_desc){ d.resp_pa, cap, VRING_DESC_F_WRITE, 0 };
	d.avail->ring[d.avail_idx % QSIZE] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&d.avail->idx, ++d.avail_idx, __ATOMIC_SEQ_CST);
	reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (ms = 0; ms < wait_ms; ms++) {
		if (__atomic_load_n(&d.used->idx, __ATOMIC_SEQ_CST) != d.used_idx) {
			d.used_idx++;
			return true;
		}
		sleep_ms(1);
	}
	return false;
}

/* ---- Messages ---- */

static void msg(uint8_t type)
{
	p9_writer_init(&w, d.req, PAGE);
	p9_put32(&w, 0);
	p9_put8(&w, type);
	p9_put16(&w, TAG);
}

static void str(const char *s)
{
	p9_put_str(&w, s, strlen(s));
}

/* Send with the size field as built (@size 0) or as given: the reply's type or -errno. */
static int rpc_sized(uint32_t size)
{
	uint32_t len;
	uint8_t type;

	p9_patch32(&w, 0, size ? size : w.off);
	memset(d.resp, 0, PAGE);
	if (!post(w.off, PAGE, WAIT_MS)) {
		printf("p9_attack %s: no reply (the device hung)\n", tag);
		exit(1);
	}
	if (memmem(d.resp, PAGE, SECRET_MARK, strlen(SECRET_MARK))) {
		printf("p9_attack %s: FAIL a reply carried the host's secret\n", tag);
		failures++;
	}
	p9_reader_init(&rr, d.resp, PAGE);
	len = p9_get32(&rr);
	type = p9_get8(&rr);
	p9_get16(&rr);
	if (len < P9_HDR_SIZE || len > PAGE) {
		printf("p9_attack %s: FAIL a reply of %u bytes\n", tag, len);
		failures++;
		return -EPROTO;
	}
	rr.len = len;
	return type == P9_RLERROR ? -(int)p9_get32(&rr) : type;
}

static int rpc(void)
{
	return rpc_sized(0);
}

static void check(bool ok, const char *name, int got)
{
	attacks++;
	if (!ok)
		failures++;
	printf("p9_attack %s: %s %s%s", tag, ok ? "ok" : "FAIL", name, ok ? "" : ": got ");
	if (!ok)
		printf("%d (%s)", got, got < 0 ? strerror(-got) : "a reply");
	printf("\n");
}

#define EXPECT_ERR(err, name) do { int _t = rpc(); check(_t == -(err), name, _t); } while (0)
#define EXPECT_OK(ttype, name) do { int _t = rpc(); check(_t == (ttype) + 1, name, _t); } while (0)

static void get_qid(struct p9_qid *q)
{
	q->type = p9_get8(&rr);
	q->version = p9_get32(&rr);
	q->path = p9_get64(&rr);
}

static void t_version(uint32_t msize)
{
	msg(P9_TVERSION);
	p9_put32(&w, msize);
	str(P9_VERSION_L);
}

static void t_attach(uint32_t fid, const char *aname)
{
	msg(P9_TATTACH);
	p9_put32(&w, fid);
	p9_put32(&w, P9_NOFID);
	str("root");
	str(aname);
	p9_put32(&w, 0);
}

/* Twalk of raw names (each given with its length). */
static void t_walk(uint32_t fid, uint32_t newfid, unsigned int n, const char *const *names,
		   const size_t *lens)
{
	unsigned int i;

	msg(P9_TWALK);
	p9_put32(&w, fid);
	p9_put32(&w, newfid);
	p9_put16(&w, n);
	for (i = 0; i < n; i++)
		p9_put_str(&w, names[i], lens ? lens[i] : strlen(names[i]));
}

/* Walk @n names; the number of qids back (or -errno); the last qid in @q. */
static int walk(uint32_t fid, uint32_t newfid, unsigned int n, const char *const *names,
		struct p9_qid *q)
{
	int t, i, nq;

	t_walk(fid, newfid, n, names, NULL);
	t = rpc();
	if (t != P9_RWALK)
		return t < 0 ? t : -EPROTO;
	nq = p9_get16(&rr);
	for (i = 0; i < nq; i++)
		get_qid(q);
	return nq;
}

static void t_lopen(uint32_t fid, uint32_t flags)
{
	msg(P9_TLOPEN);
	p9_put32(&w, fid);
	p9_put32(&w, flags);
}

static void t_lcreate(uint32_t dfid, const char *name, uint32_t flags)
{
	msg(P9_TLCREATE);
	p9_put32(&w, dfid);
	str(name);
	p9_put32(&w, flags);
	p9_put32(&w, 0644);
	p9_put32(&w, 0);
}

static void t_mkdir(uint32_t dfid, const char *name)
{
	msg(P9_TMKDIR);
	p9_put32(&w, dfid);
	str(name);
	p9_put32(&w, 0755);
	p9_put32(&w, 0);
}

static void t_symlink(uint32_t dfid, const char *name, const char *target)
{
	msg(P9_TSYMLINK);
	p9_put32(&w, dfid);
	str(name);
	str(target);
	p9_put32(&w, 0);
}

static void t_renameat(const char *oldname, const char *newname)
{
	msg(P9_TRENAMEAT);
	p9_put32(&w, ROOT_FID);
	str(oldname);
	p9_put32(&w, ROOT_FID);
	str(newname);
}

static void t_unlinkat(const char *name, uint32_t flags)
{
	msg(P9_TUNLINKAT);
	p9_put32(&w, ROOT_FID);
	str(name);
	p9_put32(&w, flags);
}

static void t_link(uint32_t fid, const char *name)
{
	msg(P9_TLINK);
	p9_put32(&w, ROOT_FID);
	p9_put32(&w, fid);
	str(name);
}

static void t_mknod(const char *name, uint32_t mode)
{
	msg(P9_TMKNOD);
	p9_put32(&w, ROOT_FID);
	str(name);
	p9_put32(&w, mode);
	p9_put32(&w, 8);
	p9_put32(&w, 0);
	p9_put32(&w, 0);
}

static void t_setattr(uint32_t fid, uint32_t valid)
{
	msg(P9_TSETATTR);
	p9_put32(&w, fid);
	p9_put32(&w, valid);
	p9_put32(&w, 06777);
	p9_put32(&w, 0);
	p9_put32(&w, 0);
	p9_put64(&w, 0);
	p9_put64(&w, 0);
	p9_put64(&w, 0);
	p9_put64(&w, 0);
	p9_put64(&w, 0);
}

static void t_read(uint32_t fid, uint32_t count)
{
	msg(P9_TREAD);
	p9_put32(&w, fid);
	p9_put64(&w, 0);
	p9_put32(&w, count);
}

static void t_clunk(uint32_t fid)
{
	msg(P9_TCLUNK);
	p9_put32(&w, fid);
	rpc();
}

/* A session: version and the root fid. */
static void session(void)
{
	int t;

	t_version(MSIZE);
	t = rpc();
	if (t != P9_RVERSION || p9_get32(&rr) != MSIZE) {
		printf("p9_attack %s: Tversion: %d\n", tag, t);
		exit(1);
	}
	t_attach(ROOT_FID, "");
	t = rpc();
	if (t != P9_RATTACH) {
		printf("p9_attack %s: Tattach: %d\n", tag, t);
		exit(1);
	}
}

/* ---- The attacks ---- */

static void confinement(void)
{
	static const struct { const char *name; size_t len; } bad[] = {
		{ "../secret.txt", 13 }, { "/", 1 }, { "/etc/passwd", 11 }, { "sub/../..", 9 },
		{ "x\0y", 3 }, { "..\0", 3 }, { "", 0 },
	};
	const char *names[4];
	struct p9_qid root, q;
	unsigned int i;
	int n, t;
	char what[96];

	/* Sanity: the share through this driver. */
	t_attach(2, "");
	t = rpc();
	get_qid(&root);
	names[0] = "inside.txt";
	n = walk(ROOT_FID, 3, 1, names, &q);
	t_lopen(3, 0);
	rpc();
	t_read(3, 100);
	t = rpc();
	check(n == 1 && t == P9_RREAD && p9_get32(&rr) == 6 && !memcmp(rr.buf + rr.off, "inside", 6),
	      "read a file of the share (the driver works)", t);

	/* "..": the root's parent is the root; a walk never leaves the share. */
	names[0] = "..";
	n = walk(ROOT_FID, 4, 1, names, &q);
	check(n == 1 && q.path == root.path, "walk .. from the root stays at the root", n);
	names[1] = "secret.txt";
	n = walk(ROOT_FID, 5, 2, names, &q);
	check(n == 1 && q.path == root.path, "walk ../secret.txt stops at the root", n);
	names[0] = "sub";
	names[1] = "..";
	names[2] = "..";
	names[3] = "secret.txt";
	n = walk(ROOT_FID, 5, 4, names, &q);
	check(n == 3 && q.path == root.path, "walk sub/../../secret.txt stops at the root", n);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *one[1] = { bad[i].name };

		t_walk(ROOT_FID, 6, 1, one, &bad[i].len);
		t = rpc();
		snprintf(what, sizeof(what), "walk to a name with '/', NUL or empty (#%u) refused", i);
		check(t == -EINVAL, what, t);
	}
	/* The host's symlinks that point out: a walk gives the link, never its target. */
	names[0] = "out";
	n = walk(ROOT_FID, 7, 1, names, &q);
	check(n == 1 && q.type == P9_QTSYMLINK, "walk to a link out of the share gives the link", n);
	t_lopen(7, 0);
	EXPECT_ERR(ELOOP, "open the link itself: refused");
	names[0] = "abs";
	names[1] = "secret.txt";
	n = walk(ROOT_FID, 8, 2, names, &q);
	check(n == 1, "walk through an absolute link out stops at the link", n);
	names[0] = "up";
	n = walk(ROOT_FID, 8, 2, names, &q);
	check(n == 1, "walk through a link to .. stops at the link", n);
	t_attach(9, "../");
	EXPECT_ERR(EINVAL, "attach with aname ../ refused");
	t_attach(9, "/..");
	EXPECT_ERR(EINVAL, "attach with aname /.. refused");
	t_attach(9, "abs/secret.txt");
	EXPECT_ERR(ENOTDIR, "attach through a link out refused");

	/* Creating, linking, renaming, removing with bad names or on links. */
	t_lcreate(ROOT_FID, "../evil", P9_DOTL_RDWR);
	EXPECT_ERR(EINVAL, "create ../evil refused");
	t_lcreate(ROOT_FID, "/evil", P9_DOTL_RDWR);
	EXPECT_ERR(EINVAL, "create /evil refused");
	names[0] = "";
	walk(ROOT_FID, 10, 0, names, &q);
	t_lcreate(10, "out", P9_DOTL_WRONLY | P9_DOTL_TRUNC);
	EXPECT_ERR(EEXIST, "create-truncate through the link out refused");
	t_mkdir(ROOT_FID, "../evil");
	EXPECT_ERR(EINVAL, "mkdir ../evil refused");
	t_mkdir(ROOT_FID, "abs");
	EXPECT_ERR(EEXIST, "mkdir over the link out refused");
	t_symlink(ROOT_FID, "../evil", "x");
	EXPECT_ERR(EINVAL, "symlink named ../evil refused");
	t_symlink(ROOT_FID, "evil", "/");
	EXPECT_OK(P9_TSYMLINK, "a guest's own link (to /) is just a link");
	names[0] = "evil";
	names[1] = "root";
	n = walk(ROOT_FID, 11, 2, names, &q);
	check(n == 1, "walk through the guest's link stops at it", n);
	t_renameat("out", "../moved");
	EXPECT_ERR(EINVAL, "rename to ../moved refused");
	t_renameat("inside.txt", "/evil");
	EXPECT_ERR(EINVAL, "rename to /evil refused");
	t_unlinkat("../secret.txt", 0);
	EXPECT_ERR(EINVAL, "unlink ../secret.txt refused");
	t_unlinkat("..", P9_DOTL_AT_REMOVEDIR);
	EXPECT_ERR(EINVAL, "rmdir .. refused");
	t_link(3, "../evil");
	EXPECT_ERR(EINVAL, "hard link to ../evil refused");
	t_mknod("disk", S_IFBLK | 0666);
	EXPECT_ERR(EPERM, "mknod of a block device refused");
	t_mknod("tty", S_IFCHR | 0666);
	EXPECT_ERR(EPERM, "mknod of a character device refused");
	t_setattr(7, P9_SETATTR_MODE);
	EXPECT_ERR(EOPNOTSUPP, "chmod through the link out refused");
	t_setattr(7, P9_SETATTR_SIZE);
	EXPECT_ERR(EINVAL, "truncate through the link out refused");
}

static void malformed(void)
{
	struct p9_qid q;
	const char *names[2] = { "inside.txt", "x" };
	uint32_t n;
	int t;

	/* Fids that do not exist, or are in use. */
	t_lopen(999, 0);
	EXPECT_ERR(EBADF, "open an unknown fid");
	t_walk(999, 12, 0, names, NULL);
	EXPECT_ERR(EBADF, "walk from an unknown fid");
	msg(P9_TCLUNK);
	p9_put32(&w, 999);
	EXPECT_ERR(EBADF, "clunk an unknown fid");
	t_walk(ROOT_FID, 3, 0, names, NULL);
	EXPECT_ERR(EEXIST, "walk to a fid in use");
	/* Sizes that lie, types that are not requests, fields cut short. */
	t_walk(ROOT_FID, 13, 1, names, NULL);
	t = rpc_sized(MSIZE + 1);
	check(t == -EMSGSIZE, "a size field past msize", t);
	t_walk(ROOT_FID, 13, 1, names, NULL);
	t = rpc_sized(3);
	check(t == -EMSGSIZE, "a size field below the header", t);
	t_walk(ROOT_FID, 13, 1, names, NULL);
	t = rpc_sized(1000);
	check(t == -EMSGSIZE, "a size field past what was sent", t);
	msg(3);
	EXPECT_ERR(EOPNOTSUPP, "an unknown message type");
	msg(P9_RWALK);
	EXPECT_ERR(EOPNOTSUPP, "a reply type sent as a request");
	msg(P9_TWALK);
	p9_put32(&w, ROOT_FID);
	p9_put32(&w, 13);
	p9_put16(&w, 2);
	str("sub");
	EXPECT_ERR(EPROTO, "a walk with fewer names than it says");
	msg(P9_TWALK);
	p9_put32(&w, ROOT_FID);
	p9_put32(&w, 13);
	p9_put16(&w, 1);
	p9_put16(&w, 4000);
	EXPECT_ERR(EPROTO, "a name longer than the message");
	msg(P9_TWALK);
	p9_put32(&w, ROOT_FID);
	p9_put32(&w, 13);
	p9_put16(&w, 60000);
	EXPECT_ERR(EINVAL, "60000 names in one walk");
	/* Counts larger than msize: capped. */
	t_read(3, 0xffffffff);
	t = rpc();
	n = p9_get32(&rr);
	check(t == P9_RREAD && n <= MSIZE - P9_RDATA_HDR_SIZE, "read with count 0xffffffff capped", t);
	msg(P9_TREADDIR);
	p9_put32(&w, 10);
	p9_put64(&w, 0);
	p9_put32(&w, 0xffffffff);
	EXPECT_ERR(EBADF, "readdir an unopened directory");
	/* msize games. */
	t_version(7);
	EXPECT_ERR(EINVAL, "msize 7 refused");
	t_version(0xffffffff);
	t = rpc();
	n = p9_get32(&rr);
	check(t == P9_RVERSION && n <= 512 * 1024, "msize 0xffffffff capped", t);
	/* The new session: old fids are gone. */
	t_lopen(3, 0);
	EXPECT_ERR(EBADF, "a new session forgets the old fids");
	session();
	(void)q;
}

/* A reply buffer too small for any reply: the driver broke the protocol. */
static void needs_reset(void)
{
	unsigned int ms;
	bool used;

	t_version(MSIZE);
	p9_patch32(&w, 0, w.off);
	used = post(w.off, 4, RESET_WAIT_MS);
	for (ms = 0; ms < RESET_WAIT_MS && !(reg_read(VIRTIO_MMIO_STATUS) &
					     VIRTIO_CONFIG_S_NEEDS_RESET); ms++)
		sleep_ms(1);
	check(!used && (reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET),
	      "a 4-byte reply buffer: DEVICE_NEEDS_RESET", used);
	init_device();
	session();
	check(true, "the device works after a reset", 0);
}

static void read_only(void)
{
	const char *names[1] = { "keep.txt" };
	struct p9_qid q;
	int n;

	n = walk(ROOT_FID, 3, 1, names, &q);
	check(n == 1, "walk to a file of the read-only share", n);
	t_lopen(3, P9_DOTL_WRONLY);
	EXPECT_ERR(EROFS, "open for writing: EROFS");
	t_lopen(3, P9_DOTL_RDWR);
	EXPECT_ERR(EROFS, "open read-write: EROFS");
	t_lopen(3, P9_DOTL_TRUNC);
	EXPECT_ERR(EROFS, "open with O_TRUNC: EROFS");
	t_setattr(3, P9_SETATTR_MODE);
	EXPECT_ERR(EROFS, "chmod: EROFS");
	t_setattr(3, P9_SETATTR_SIZE);
	EXPECT_ERR(EROFS, "truncate: EROFS");
	names[0] = "";
	walk(ROOT_FID, 4, 0, names, &q);
	t_lcreate(4, "new", P9_DOTL_RDWR);
	EXPECT_ERR(EROFS, "create: EROFS");
	t_mkdir(ROOT_FID, "d");
	EXPECT_ERR(EROFS, "mkdir: EROFS");
	t_symlink(ROOT_FID, "l", "x");
	EXPECT_ERR(EROFS, "symlink: EROFS");
	t_mknod("f", S_IFIFO | 0644);
	EXPECT_ERR(EROFS, "mknod: EROFS");
	t_link(3, "h");
	EXPECT_ERR(EROFS, "link: EROFS");
	t_renameat("keep.txt", "moved");
	EXPECT_ERR(EROFS, "rename: EROFS");
	t_unlinkat("keep.txt", 0);
	EXPECT_ERR(EROFS, "unlink: EROFS");
	msg(P9_TXATTRCREATE);
	p9_put32(&w, 3);
	str("user.x");
	p9_put64(&w, 1);
	p9_put32(&w, 0);
	EXPECT_ERR(EROFS, "set an xattr: EROFS");
	t_lopen(3, 0);
	EXPECT_OK(P9_TLOPEN, "open for reading works");
	msg(P9_TWRITE);
	p9_put32(&w, 3);
	p9_put64(&w, 0);
	p9_put32(&w, 1);
	p9_put8(&w, 'x');
	EXPECT_ERR(EROFS, "write through a read-only open: EROFS");
	msg(P9_TREMOVE);
	p9_put32(&w, 3);
	EXPECT_ERR(EROFS, "remove: EROFS");
}

int main(int argc, char **argv)
{
	bool ro;

	if (argc < 3) {
		fprintf(stderr, "usage: p9_attack TAG MOUNTPOINT [ro]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	tag = argv[1];
	ro = argc > 3 && !strcmp(argv[3], "ro");
	take_device(argv[2]);
	init_device();
	session();
	if (ro) {
		read_only();
	} else {
		confinement();
		malformed();
		needs_reset();
	}
	t_clunk(ROOT_FID);
	if (failures) {
		printf("p9_attack %s: %u of %u FAILED\n", tag, failures, attacks);
		return 1;
	}
	printf("p9_attack %s: all %u checks passed\n", tag, attacks);
	return 0;
}
