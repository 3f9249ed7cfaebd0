// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the host side of `hvx run --rootfs` (vmm-user/rootfs/):
 * the kernel's release read from Debian's bzImages (and from the 6.1
 * vmlinux's banner); the modules picked from a lib/modules tree made of
 * Debian's own 6.1 and 6.12 modules (depmod writes its modules.dep), in
 * dependency order, built-in ones left out, a missing one refused; the
 * kernel config rules for a kernel without lib/modules (built in, or
 * modules that are not installed); the initramfs, parsed back as cpio;
 * the kernel command line for the init, with and without an initramfs;
 * and the percent-encoding of commands and paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "ktap.h"
#include "rootfs/rootfs.h"
#include "rootfs/rootfs_boot.h"

#ifndef HVX_TOP
#error "HVX_TOP: the source tree (set by the Makefile)"
#endif
#define KERNELS		HVX_TOP "/build/kernels"
#define VMLINUX_61	HVX_TOP "/build/unit/vmlinux-6.1"
#define NR_NEEDED	10	/* virtio_mmio, 9p, overlay, virtio_console and their deps */

/* The fake init the initramfs carries here (hvx links rootfs/init_blob.S). */
#define FAKE_INIT	"#!/bin/sh\necho not really an init\n"
__asm__(".section .rodata\n"
	".globl hvx_init_blob\nhvx_init_blob:\n"
	".ascii \"#!/bin/sh\\necho not really an init\\n\"\n"
	".globl hvx_init_blob_end\nhvx_init_blob_end:\n"
	".previous\n");

static char tmp[64];

static void tmp_dir(void)
{
	strcpy(tmp, "/tmp/hvx-rootfs-test-XXXXXX");
	ASSERT_TRUE(mkdtemp(tmp));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}

static void read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		SKIP("%s: %s (make testbed-build fetches the kernels)", path, strerror(errno));
	n = CHECK_OK(read(fd, buf, len - 1));
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
}

static void write_text(const char *path, const char *text)
{
	int fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));

	CHECK_OK(write(fd, text, strlen(text)));
	close(fd);
}

static void test_encode_roundtrip(void)
{
	char in[256], enc[3 * 256 + 1], bad[][8] = { "%", "%4", "%zz", "%00", "a%0g" };
	unsigned int i;

	for (i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	rootfs_encode(in, enc);
	/* One word for the kernel's parser: no space, quote or control byte. */
	for (i = 0; enc[i]; i++)
		ASSERT_TRUE(enc[i] > ' ' && enc[i] < 127 && enc[i] != '"' && enc[i] != '\'' &&
			    enc[i] != ',', "byte %#x at %u", enc[i], i);
	ASSERT_TRUE(rootfs_decode(enc));
	ASSERT_TRUE(!strcmp(in, enc));
	strcpy(enc, "make -C tools/testing/selftests TARGETS=timers run_tests");
	rootfs_encode(enc, in);
	ASSERT_TRUE(!strcmp(in, "make%20-C%20tools/testing/selftests%20TARGETS=timers%20run_tests"),
		    "%s", in);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_TRUE(!rootfs_decode(bad[i]), "'%s' decoded", bad[i]);
}

static void test_kernel_version(void)
{
	char want[128], got[128], path[PATH_MAX];
	const char *tags[] = { "6.1", "6.12" };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), KERNELS "/%s/release", tags[i]);
		read_text(path, want, sizeof(want));
		snprintf(path, sizeof(path), KERNELS "/%s/vmlinuz", tags[i]);
		ASSERT_EQ(rootfs_kernel_version(path, got, sizeof(got)), 0);
		ASSERT_TRUE(!strcmp(got, want), "%s: '%s', release says '%s'", path, got, want);
	}
	/* An ELF vmlinux: its "Linux version" banner. */
	if (!access(VMLINUX_61, R_OK)) {
		read_text(KERNELS "/6.1/release", want, sizeof(want));
		ASSERT_EQ(rootfs_kernel_version(VMLINUX_61, got, sizeof(got)), 0);
		ASSERT_TRUE(!strcmp(got, want), "vmlinux: '%s'", got);
	}
	ASSERT_EQ(rootfs_kernel_version("/etc/hostname", got, sizeof(got)), -ENOEXEC);
	ASSERT_EQ(rootfs_kernel_version("/nonexistent", got, sizeof(got)), -ENOENT);
}

/*
 * TMP/lib/modules/RELEASE with Debian's modules for --rootfs (copied from
 * build/kernels/TAG), modules.builtin as shipped, and depmod's modules.dep.
 */
static void make_moddir(const char *tag, char *release, size_t len, char *moddir)
{
	static const char *const mods[] = {
		"drivers/virtio/virtio", "drivers/virtio/virtio_ring", "drivers/virtio/virtio_mmio",
		"net/9p/9pnet", "net/9p/9pnet_virtio", "fs/9p/9p", "fs/netfs/netfs",
		"fs/fscache/fscache", "fs/overlayfs/overlay", "drivers/char/virtio_console",
	};
	char path[PATH_MAX], cmd[3 * PATH_MAX];
	unsigned int i;

	snprintf(path, sizeof(path), KERNELS "/%s/release", tag);
	read_text(path, release, len);
	snprintf(moddir, PATH_MAX, "%s/lib/modules/%s", tmp, release);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp " KERNELS "/%s/modules/modules.builtin* %s/ &&"
		 " : >%s/modules.order", moddir, tag, moddir, moddir);
	ASSERT_EQ(system(cmd), 0);
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		/* 6.1's are plain .ko, 6.12's .ko.xz (and fscache is in netfs there). */
		snprintf(cmd, sizeof(cmd),
			 "cd " KERNELS "/%s/modules && for f in kernel/%s.ko kernel/%s.ko.xz; do"
			 " [ ! -f $f ] || { mkdir -p %s/$(dirname $f) && cp $f %s/$f; }; done",
			 tag, mods[i], mods[i], moddir, moddir);
		ASSERT_EQ(system(cmd), 0);
	}
	snprintf(cmd, sizeof(cmd), "depmod -b %s %s", tmp, release);
	if (system(cmd))
		SKIP("depmod failed (kmod installed?)");
}

static int position(char **order, int nr, const char *name)
{
	char want[64];
	int i;

	snprintf(want, sizeof(want), "/%s.ko", name);
	for (i = 0; i < nr; i++)
		if (strstr(order[i], want))
			return i;
	return -1;
}

static void check_order(char **order, int nr, bool console)
{
	static const char *const before[][2] = {
		{ "virtio_ring", "virtio" }, { "virtio", "virtio_mmio" }, { "9pnet", "9pnet_virtio" },
		{ "virtio", "9pnet_virtio" }, { "netfs", "9p" }, { "9pnet", "9p" },
		{ "virtio", "virtio_console" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		int a = position(order, nr, before[i][0]), b = position(order, nr, before[i][1]);

		if (!console && !strcmp(before[i][1], "virtio_console"))
			continue;
		ASSERT_TRUE(a >= 0 && b >= 0 && a < b, "%s (%d) before %s (%d)",
			    before[i][0], a, before[i][1], b);
	}
	ASSERT_TRUE(position(order, nr, "virtio_mmio") >= 0);
}

static void test_modules_61(void)
{
	char release[128], moddir[PATH_MAX], *order[64];
	int nr, i;

	tmp_dir();
	make_moddir("6.1", release, sizeof(release), moddir);
	nr = rootfs_resolve_modules(moddir, order, 64);
	ASSERT_EQ(nr, NR_NEEDED);
	for (i = 0; i < nr; i++)
		ktap_print("%d: %s", i, order[i]);
	check_order(order, nr, true);
	ASSERT_TRUE(position(order, nr, "overlay") >= 0);
	ASSERT_TRUE(position(order, nr, "fscache") < position(order, nr, "9p"));
	/* Once each. */
	for (i = 0; i < nr; i++) {
		int j;

		for (j = 0; j < i; j++)
			ASSERT_TRUE(strcmp(order[i], order[j]), "%s twice", order[i]);
	}
	while (nr)
		free(order[--nr]);
	rm_tmp();
}

static void test_modules_612_compressed(void)
{
	char release[128], moddir[PATH_MAX], *order[64];
	int nr, i;

	tmp_dir();
	make_moddir("6.12", release, sizeof(release), moddir);
	nr = rootfs_resolve_modules(moddir, order, 64);
	ASSERT_TRUE(nr > 0, "%d", nr);
	for (i = 0; i < nr; i++) {
		ASSERT_TRUE(strstr(order[i], ".ko.xz"), "%s", order[i]);
	}
	while (nr)
		free(order[--nr]);
	rm_tmp();
}

static void test_modules_builtin_and_missing(void)
{
	char release[128], moddir[PATH_MAX], path[PATH_MAX + 32], *order[64];
	int nr;

	tmp_dir();
	make_moddir("6.1", release, sizeof(release), moddir);
	/* overlay and virtio_console built in: left out, the rest still there. */
	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	write_text(path, "kernel/fs/overlayfs/overlay.ko\nkernel/drivers/char/virtio_console.ko\n");
	nr = rootfs_resolve_modules(moddir, order, 64);
	ASSERT_EQ(nr, NR_NEEDED - 2);
	ASSERT_EQ(position(order, nr, "overlay"), -1);
	ASSERT_EQ(position(order, nr, "virtio_console"), -1);
	check_order(order, nr, false);
	while (nr)
		free(order[--nr]);
	/* 9p neither built in nor a module: refused. virtio_console: optional. */
	write_text(path, "");
	snprintf(path, sizeof(path), "%s/modules.dep", moddir);
	write_text(path, "kernel/drivers/virtio/virtio_mmio.ko:\n"
			 "kernel/net/9p/9pnet_virtio.ko:\nkernel/fs/overlayfs/overlay.ko:\n");
	ASSERT_EQ(rootfs_resolve_modules(moddir, order, 64), -ENOENT);
	write_text(path, "kernel/drivers/virtio/virtio_mmio.ko:\nkernel/net/9p/9pnet_virtio.ko:\n"
			 "kernel/fs/9p/9p.ko:\nkernel/fs/overlayfs/overlay.ko:\n");
	nr = rootfs_resolve_modules(moddir, order, 64);
	ASSERT_EQ(nr, 4);
	while (nr)
		free(order[--nr]);
	/* A dependency modules.dep does not list. */
	write_text(path, "kernel/drivers/virtio/virtio_mmio.ko: kernel/x/gone.ko\n");
	ASSERT_EQ(rootfs_resolve_modules(moddir, order, 64), -ENOENT);
	rm_tmp();
}

static void test_config_without_modules(void)
{
	char kernel[PATH_MAX], config[PATH_MAX];

	tmp_dir();
	snprintf(kernel, sizeof(kernel), "%s/arch/x86/boot/bzImage", tmp);
	snprintf(config, sizeof(config), "mkdir -p %s/arch/x86/boot", tmp);
	ASSERT_EQ(system(config), 0);
	/* No config anywhere: assumed built in. */
	ASSERT_EQ(rootfs_check_config(kernel, tmp, "9.9.9"), 0);
	/* A build tree's .config, three levels above arch/x86/boot/bzImage. */
	snprintf(config, sizeof(config), "%s/.config", tmp);
	write_text(config, "CONFIG_VIRTIO_MMIO=y\nCONFIG_NET_9P_VIRTIO=y\nCONFIG_9P_FS=y\n"
			   "CONFIG_OVERLAY_FS=y\n# CONFIG_VIRTIO_CONSOLE is not set\n");
	ASSERT_EQ(rootfs_check_config(kernel, tmp, "9.9.9"), 0);
	write_text(config, "CONFIG_VIRTIO_MMIO=y\nCONFIG_NET_9P_VIRTIO=y\nCONFIG_9P_FS=m\n"
			   "CONFIG_OVERLAY_FS=y\n");
	ASSERT_EQ(rootfs_check_config(kernel, tmp, "9.9.9"), -ENOENT);
	write_text(config, "CONFIG_VIRTIO_MMIO=y\nCONFIG_NET_9P_VIRTIO=y\nCONFIG_9P_FS=y\n");
	ASSERT_EQ(rootfs_check_config(kernel, tmp, "9.9.9"), -ENOENT);
	/* An installed kernel's /boot/config-RELEASE. */
	CHECK_OK(unlink(config));
	snprintf(config, sizeof(config), "mkdir -p %s/boot", tmp);
	ASSERT_EQ(system(config), 0);
	snprintf(config, sizeof(config), "%s/boot/config-9.9.9", tmp);
	write_text(config, "CONFIG_VIRTIO_MMIO=m\n");
	ASSERT_EQ(rootfs_check_config("/nonexistent/vmlinuz", tmp, "9.9.9"), -ENOENT);
	rm_tmp();
}

/* ---- cpio, read back ---- */

struct entry {
	char name[128];
	unsigned int mode, rmajor, rminor;
	const uint8_t *data;
	size_t size;
};

static unsigned int hex8(const uint8_t *p)
{
	char buf[9];

	memcpy(buf, p, 8);
	buf[8] = '\0';
	return strtoul(buf, NULL, 16);
}

static int parse_cpio(const uint8_t *buf, size_t len, struct entry *e, int max)
{
	size_t off = 0;
	int n = 0;

	while (off + 110 <= len && n < max) {
		const uint8_t *h = buf + off;
		size_t namesize, size;

		ASSERT_TRUE(!memcmp(h, "070701", 6), "magic at %zu", off);
		ASSERT_EQ(off % 4, 0);
		e[n].mode = hex8(h + 6 + 8);
		size = hex8(h + 6 + 6 * 8);
		e[n].rmajor = hex8(h + 6 + 9 * 8);
		e[n].rminor = hex8(h + 6 + 10 * 8);
		namesize = hex8(h + 6 + 11 * 8);
		ASSERT_TRUE(namesize < sizeof(e[n].name) && off + 110 + namesize <= len);
		memcpy(e[n].name, h + 110, namesize);
		ASSERT_EQ(e[n].name[namesize - 1], '\0');
		off = (off + 110 + namesize + 3) & ~3UL;
		e[n].data = buf + off;
		e[n].size = size;
		off = (off + size + 3) & ~3UL;
		if (!strcmp(e[n].name, "TRAILER!!!"))
			return n;
		n++;
	}
	FAIL("no trailer");
}

static struct entry *find(struct entry *e, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return &e[i];
	FAIL("%s not in the initramfs", name);
}

static void test_initramfs(void)
{
	char release[128], moddir[PATH_MAX], *order[64];
	struct cpio c = { 0 };
	struct entry e[64], *x;
	int nr, n, i;

	tmp_dir();
	make_moddir("6.1", release, sizeof(release), moddir);
	nr = rootfs_resolve_modules(moddir, order, 64);
	ASSERT_EQ(nr, NR_NEEDED);
	ASSERT_EQ(rootfs_build_initramfs(&c, moddir, order, nr), 0);
	n = parse_cpio(c.buf, c.len, e, 64);
	x = find(e, n, "init");
	ASSERT_EQ(x->mode, S_IFREG | 0755);
	ASSERT_EQ(x->size, strlen(FAKE_INIT));
	ASSERT_TRUE(!memcmp(x->data, FAKE_INIT, x->size));
	x = find(e, n, "dev/console");
	ASSERT_TRUE(x->mode == (S_IFCHR | 0600) && x->rmajor == 5 && x->rminor == 1);
	ASSERT_EQ(find(e, n, "proc")->mode, S_IFDIR | 0555);
	find(e, n, "hvx/lower");
	find(e, n, "hvx/rw");
	x = find(e, n, "hvx/modules/order");
	{
		char text[1024], *line, *save;

		ASSERT_TRUE(x->size < sizeof(text));
		memcpy(text, x->data, x->size);
		text[x->size] = '\0';
		for (i = 0, line = strtok_r(text, "\n", &save); line;
		     i++, line = strtok_r(NULL, "\n", &save)) {
			char name[160];
			struct entry *m;

			ASSERT_TRUE(i < nr && !strcmp(line, strrchr(order[i], '/') + 1), "%s", line);
			snprintf(name, sizeof(name), "hvx/modules/%s", line);
			m = find(e, n, name);
			ASSERT_TRUE(m->size > 1000 && !memcmp(m->data, "\177ELF", 4), "%s", name);
		}
		ASSERT_EQ(i, nr);
	}
	cpio_free(&c);
	while (nr)
		free(order[--nr]);
	rm_tmp();
}

/* The value of @name=... on @cmdline, decoded. */
static bool cmdline_value(const char *cmdline, const char *name, char *out, size_t len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", name);
	for (p = cmdline; (p = strstr(p, pat)); p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		p += strlen(pat);
		snprintf(out, len, "%.*s", (int)strcspn(p, " "), p);
		return !strcmp(name, ROOTFS_P_SHARE) || rootfs_decode(out);
	}
	return false;
}

static void test_prepare_with_modules(void)
{
	char release[128], moddir[PATH_MAX], kernel[PATH_MAX], val[512], cwd[PATH_MAX];
	struct rootfs_share share = { .tag = "results", .read_only = true };
	const char *cmd = "make -C tools/testing/selftests TARGETS=\"size\" run_tests; echo $?";
	struct rootfs_config cfg = { .exec = cmd, .kernel = kernel, .shares = &share,
				     .nr_shares = 1, .no_stdin = true };
	struct rootfs_boot b;
	struct stat st;

	tmp_dir();
	make_moddir("6.1", release, sizeof(release), moddir);
	snprintf(kernel, sizeof(kernel), KERNELS "/6.1/vmlinuz");
	cfg.dir = tmp;
	share.host_path = tmp;
	ASSERT_EQ(rootfs__prepare(&cfg, &b), 0);
	ktap_print("cmdline: %s", b.cmdline);
	ASSERT_TRUE(!strcmp(b.version, release));
	ASSERT_EQ(b.nr_modules, NR_NEEDED);
	ASSERT_TRUE(!b.init_path);
	/* The initramfs: a memfd the loader reads through its /proc path. */
	CHECK_OK(stat(b.initrd_path, &st));
	ASSERT_TRUE(st.st_size > 1000000, "initramfs of %lld bytes", (long long)st.st_size);
	ASSERT_TRUE(cmdline_value(b.cmdline, ROOTFS_P_ROOT, val, sizeof(val)));
	ASSERT_TRUE(!strcmp(val, ROOTFS_TAG));
	ASSERT_TRUE(cmdline_value(b.cmdline, ROOTFS_P_EXEC, val, sizeof(val)));
	ASSERT_TRUE(!strcmp(val, cmd), "exec '%s'", val);
	/* DIR is the guest's /: the share, inside DIR, is at "/" there. */
	ASSERT_TRUE(cmdline_value(b.cmdline, ROOTFS_P_SHARE, val, sizeof(val)));
	ASSERT_TRUE(!strcmp(val, "results,/,ro"), "share '%s'", val);
	ASSERT_TRUE(cmdline_value(b.cmdline, ROOTFS_P_CWD, val, sizeof(val)));
	ASSERT_TRUE(getcwd(cwd, sizeof(cwd)));
	ASSERT_TRUE(!strcmp(val, cwd), "cwd '%s'", val);
	ASSERT_TRUE(strstr(b.cmdline, " " ROOTFS_P_NOSTDIN) && strstr(b.cmdline, "quiet"));
	ASSERT_TRUE(!cmdline_value(b.cmdline, "root", val, sizeof(val)));
	ASSERT_TRUE(!cmdline_value(b.cmdline, "init", val, sizeof(val)));
	ASSERT_TRUE(strlen(b.cmdline) < 1024);
	rootfs__release(&b);
	/* modules in DIR/lib/modules/R but no modules.dep: told to run depmod. */
	{
		char dep[PATH_MAX + 16];

		snprintf(dep, sizeof(dep), "%s/modules.dep", moddir);
		CHECK_OK(unlink(dep));
	}
	ASSERT_EQ(rootfs__prepare(&cfg, &b), -ENOENT);
	rootfs__release(&b);
	rm_tmp();
}

/* Built in (a build tree's .config): no initramfs; hvx itself is init=. */
static void test_prepare_builtin(void)
{
	char kernel[PATH_MAX], config[3 * PATH_MAX], exe[PATH_MAX], val[PATH_MAX];
	struct rootfs_config cfg = { .dir = "/", .kernel = kernel, .debug = true };
	struct rootfs_boot b;
	ssize_t n;

	tmp_dir();
	snprintf(kernel, sizeof(kernel), "%s/arch/x86/boot/bzImage", tmp);
	snprintf(config, sizeof(config), "mkdir -p %s/arch/x86/boot && cp " KERNELS
		 "/6.1/vmlinuz %s", tmp, kernel);
	ASSERT_EQ(system(config), 0);
	snprintf(config, sizeof(config), "%s/.config", tmp);
	write_text(config, "CONFIG_VIRTIO_MMIO=y\nCONFIG_NET_9P_VIRTIO=y\nCONFIG_9P_FS=y\n"
			   "CONFIG_OVERLAY_FS=y\nCONFIG_VIRTIO_CONSOLE=y\n");
	/* The release's lib/modules must not exist on this machine for this case. */
	{
		char r[128], moddep[PATH_MAX];

		ASSERT_EQ(rootfs_kernel_version(kernel, r, sizeof(r)), 0);
		snprintf(moddep, sizeof(moddep), "/lib/modules/%s/modules.dep", r);
		if (!access(moddep, F_OK))
			SKIP("%s exists here", moddep);
	}
	ASSERT_EQ(rootfs__prepare(&cfg, &b), 0);
	ktap_print("cmdline: %s", b.cmdline);
	ASSERT_EQ(b.initrd_fd, -1);
	ASSERT_EQ(b.nr_modules, 0);
	n = CHECK_OK(readlink("/proc/self/exe", exe, sizeof(exe) - 1));
	exe[n] = '\0';
	ASSERT_TRUE(b.init_path && !strcmp(b.init_path, exe), "init %s", b.init_path);
	ASSERT_TRUE(strstr(b.cmdline, "root=" ROOTFS_TAG " rootfstype=9p "));
	ASSERT_TRUE(cmdline_value(b.cmdline, "init", val, sizeof(val)));
	ASSERT_TRUE(!strcmp(val, exe));
	ASSERT_TRUE(strstr(b.cmdline, " " ROOTFS_INIT_ARG " "));
	ASSERT_TRUE(!cmdline_value(b.cmdline, ROOTFS_P_EXEC, val, sizeof(val)), "a shell");
	ASSERT_TRUE(strstr(b.cmdline, ROOTFS_P_DEBUG) && !strstr(b.cmdline, "quiet"));
	rootfs__release(&b);
	/* DIR without hvx in it: a one-file initramfs with the init instead. */
	cfg.dir = tmp;
	ASSERT_EQ(rootfs__prepare(&cfg, &b), 0);
	ASSERT_TRUE(!b.init_path && b.initrd_fd >= 0);
	ASSERT_TRUE(cmdline_value(b.cmdline, ROOTFS_P_ROOT, val, sizeof(val)));
	rootfs__release(&b);
	rm_tmp();
}

static const struct ktest tests[] = {
	KTEST(test_encode_roundtrip),
	KTEST(test_kernel_version),
	KTEST(test_modules_61),
	KTEST(test_modules_612_compressed),
	KTEST(test_modules_builtin_and_missing),
	KTEST(test_config_without_modules),
	KTEST(test_initramfs),
	KTEST(test_prepare_with_modules),
	KTEST(test_prepare_builtin),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
