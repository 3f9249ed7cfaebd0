// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvx run --rootfs DIR`, the host side (rootfs_boot.h):
 *
 * - the kernel's release, from the bzImage header's kernel_version
 *   string (or, for an ELF vmlinux, its "Linux version" banner);
 * - DIR/lib/modules/RELEASE: the modules for virtio-mmio, 9p over virtio,
 *   overlayfs and the virtio-console, with their dependencies from
 *   modules.dep, unless modules.builtin lists them. Without that
 *   directory the kernel's config must have them built in;
 * - with modules: an initramfs (in a memfd, given to the loader as an
 *   initrd) with hvx's static init and those modules, and "hvx.root=" on
 *   the command line; built in: no initramfs, the kernel mounts the root
 *   share itself and runs hvx (found inside DIR) as init= (a one-file
 *   initramfs with the init when hvx is not inside DIR);
 * - the init's parameters: the directory, the command, PATH, TERM, the
 *   shares and their paths (rootfs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/bootparam.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "../vm.h"
#include "rootfs.h"
#include "rootfs_boot.h"

#define BZ_HDR_OFFSET		0x1f1	/* offsetof(struct boot_params, hdr) */
#define BZ_BOOT_FLAG		0xaa55
#define BZ_HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BZ_VERSION_BASE		0x200	/* kernel_version is relative to this */
#define BANNER			"Linux version "
#define SCAN_CHUNK		(1 << 20)
#define MAX_MODULES		64
#define DEP_LINE_MAX		8192
#define P9_ROOTFLAGS		"trans=virtio,version=9p2000.L,msize=262144,cache=loose"
/* /dev/console: TTYAUX_MAJOR 5, minor 1 (Documentation/admin-guide/devices.txt). */
#define CONSOLE_MAJOR		5
#define CONSOLE_MINOR		1

/* Drivers the init needs: (module name, config symbol, required). */
static const struct {
	const char *module, *config;
	bool required;
} rootfs_drivers[] = {
	{ "virtio_mmio", "CONFIG_VIRTIO_MMIO", true },
	{ "9pnet_virtio", "CONFIG_NET_9P_VIRTIO", true },
	{ "9p", "CONFIG_9P_FS", true },
	{ "overlay", "CONFIG_OVERLAY_FS", true },
	/* hvc0, the command's stdin and stdout; without it, the console. */
	{ "virtio_console", "CONFIG_VIRTIO_CONSOLE", false },
};

/* ---- The kernel's release ---- */

static int copy_word(const char *s, size_t avail, char *out, size_t len)
{
	size_t n = 0;

	while (n < avail && s[n] && s[n] != ' ' && s[n] != '\n' && (unsigned char)s[n] > ' ')
		n++;
	if (!n || n >= len)
		return -ENOEXEC;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* An ELF vmlinux (or anything uncompressed): the banner's second word. */
static int scan_banner(int fd, char *out, size_t len)
{
	size_t keep = strlen(BANNER) + 128, have = 0;
	char *buf = malloc(SCAN_CHUNK + keep + 1);
	int ret = -ENOEXEC;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf + have, SCAN_CHUNK)) > 0) {
		char *p;

		have += n;
		buf[have] = '\0';
		for (p = buf; (p = memmem(p, have - (p - buf), BANNER, strlen(BANNER))); p++) {
			size_t off = p - buf + strlen(BANNER);

			if (off < have && !copy_word(buf + off, have - off, out, len)) {
				ret = 0;
				goto out;
			}
		}
		/* Keep the tail: the banner may straddle two chunks. */
		if (have > keep) {
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
	}
out:
	free(buf);
	return ret;
}

int rootfs_kernel_version(const char *kernel, char *out, size_t len)
{
	uint8_t hdr[BZ_HDR_OFFSET + sizeof(struct setup_header)];
	const struct setup_header *sh = (const void *)(hdr + BZ_HDR_OFFSET);
	int fd = open(kernel, O_RDONLY | O_CLOEXEC), ret = -ENOEXEC;

	if (fd < 0) {
		ret = -errno;
		vmm_error("%s: %s", kernel, strerror(errno));
		return ret;
	}
	if (pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
	    sh->boot_flag == BZ_BOOT_FLAG && sh->header == BZ_HDRS_MAGIC && sh->kernel_version) {
		char buf[256];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, BZ_VERSION_BASE + sh->kernel_version);

		if (n > 0) {
			buf[n] = '\0';
			ret = copy_word(buf, n, out, len);
		}
	} else {
		ret = scan_banner(fd, out, len);
	}
	close(fd);
	if (ret)
		vmm_error("%s: no kernel release found (neither a bzImage's kernel_version nor a \"%s\" banner); --rootfs needs it to find lib/modules",
			  kernel, BANNER);
	return ret;
}

/* ---- Modules ---- */

/* "kernel/fs/9p/9p.ko.xz" -> "9p"; '-' and '_' are the same to modprobe. */
static void module_name(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; base[i] && i + 1 < len; i++) {
		if (!strncmp(base + i, ".ko", 3))
			break;
		out[i] = base[i] == '-' ? '_' : base[i];
	}
	out[i] = '\0';
}

struct dep_entry {
	char *path;
	char *deps;		/* space-separated paths */
	int state;		/* 0 new, 1 visiting, 2 done */
};

struct dep_table {
	struct dep_entry *e;
	unsigned int nr;
	char **order;
	unsigned int nr_order, max_order;
};

static int dep_load(const char *moddir, struct dep_table *t)
{
	char path[PATH_MAX], *line;
	FILE *f;

	snprintf(path, sizeof(path), "%s/modules.dep", moddir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	line = malloc(DEP_LINE_MAX);
	while (line && fgets(line, DEP_LINE_MAX, f)) {
		char *colon = strchr(line, ':');
		struct dep_entry *n;

		if (!colon)
			continue;
		*colon = '\0';
		colon[strcspn(colon + 1, "\n") + 1] = '\0';
		n = realloc(t->e, (t->nr + 1) * sizeof(*t->e));
		if (!n)
			break;
		t->e = n;
		t->e[t->nr] = (struct dep_entry){ strdup(line), strdup(colon + 1), 0 };
		if (!t->e[t->nr].path || !t->e[t->nr].deps)
			break;
		t->nr++;
	}
	free(line);
	fclose(f);
	return 0;
}

static struct dep_entry *dep_find(struct dep_table *t, const char *name)
{
	char n[NAME_MAX];
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		module_name(t->e[i].path, n, sizeof(n));
		if (!strcmp(n, name))
			return &t->e[i];
	}
	return NULL;
}

/* Depth first: every dependency before the module. */
static int dep_visit(struct dep_table *t, struct dep_entry *e)
{
	char *deps, *tok, *save;
	int ret = 0;

	if (e->state)
		return 0;	/* done, or a cycle (modules.dep has none) */
	e->state = 1;
	deps = strdup(e->deps);
	if (!deps)
		return -ENOMEM;
	for (tok = strtok_r(deps, " ", &save); tok && !ret; tok = strtok_r(NULL, " ", &save)) {
		char name[NAME_MAX];
		struct dep_entry *d;

		module_name(tok, name, sizeof(name));
		d = dep_find(t, name);
		ret = d ? dep_visit(t, d) : -ENOENT;
		if (!d)
			vmm_error("modules.dep: %s needs %s, which it does not list", e->path, tok);
	}
	free(deps);
	if (ret)
		return ret;
	if (t->nr_order == t->max_order)
		return -E2BIG;
	t->order[t->nr_order] = strdup(e->path);
	if (!t->order[t->nr_order])
		return -ENOMEM;
	t->nr_order++;
	e->state = 2;
	return 0;
}

/* Is @name in modules.builtin (or modules.builtin.modinfo's absence ignored)? */
static bool module_builtin(const char *moddir, const char *name)
{
	char path[PATH_MAX], line[PATH_MAX], n[NAME_MAX];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		module_name(line, n, sizeof(n));
		found = !strcmp(n, name);
	}
	fclose(f);
	return found;
}

int rootfs_resolve_modules(const char *moddir, char **order, unsigned int max)
{
	struct dep_table t = { .order = order, .max_order = max };
	unsigned int i;
	int ret;

	ret = dep_load(moddir, &t);
	if (ret) {
		vmm_error("%s/modules.dep: %s", moddir, strerror(-ret));
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(rootfs_drivers) && !ret; i++) {
		const char *m = rootfs_drivers[i].module;
		struct dep_entry *e;

		if (module_builtin(moddir, m))
			continue;
		e = dep_find(&t, m);
		if (e) {
			ret = dep_visit(&t, e);
		} else if (rootfs_drivers[i].required) {
			vmm_error("%s: no module %s, and modules.builtin does not list it (the kernel needs %s=y or =m)",
				  moddir, m, rootfs_drivers[i].config);
			ret = -ENOENT;
		} else {
			vmm_debug("%s: no %s: the command's output goes to the serial console", moddir, m);
		}
	}
	for (i = 0; i < t.nr; i++) {
		free(t.e[i].path);
		free(t.e[i].deps);
	}
	free(t.e);
	if (ret) {
		for (i = 0; i < t.nr_order; i++)
			free(order[i]);
		return ret;
	}
	return t.nr_order;
}

/* ---- The kernel's config, without lib/modules ---- */

static FILE *open_config(const char *kernel, const char *root, const char *version,
			 char *path, size_t len)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(kernel, '/');
	FILE *f;

	static const char *const beside[] = {
		"/../../../.config",	/* arch/x86/boot/bzImage of a build tree */
		"/.config",
	};
	unsigned int i;

	if (snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - kernel) : 1,
		     slash ? kernel : ".") >= (int)sizeof(dir))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(beside); i++)
		if (snprintf(path, len, "%s%s", dir, beside[i]) < (int)len && (f = fopen(path, "re")))
			return f;
	/* An installed kernel: its config, or its headers' (lib/modules/R/build). */
	if (snprintf(path, len, "%s/boot/config-%s", root, version) < (int)len &&
	    (f = fopen(path, "re")))
		return f;
	if (snprintf(path, len, "%s/lib/modules/%s/build/.config", strcmp(root, "/") ? root : "",
		     version) < (int)len)
		return fopen(path, "re");
	return NULL;
}

int rootfs_check_config(const char *kernel, const char *root, const char *version)
{
	char path[PATH_MAX], line[512];
	char value[ARRAY_SIZE(rootfs_drivers)] = { 0 };
	unsigned int i;
	FILE *f = open_config(kernel, root, version, path, sizeof(path));
	int ret = 0;

	if (!f) {
		vmm_debug("%s: no lib/modules/%s and no kernel config found: assuming virtio-mmio, 9p and overlayfs are built in",
			  root, version);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < ARRAY_SIZE(rootfs_drivers); i++) {
			size_t n = strlen(rootfs_drivers[i].config);

			if (!strncmp(line, rootfs_drivers[i].config, n) && line[n] == '=')
				value[i] = line[n + 1];
		}
	fclose(f);
	for (i = 0; i < ARRAY_SIZE(rootfs_drivers); i++) {
		if (value[i] == 'y' || !rootfs_drivers[i].required)
			continue;
		if (value[i] == 'm')
			vmm_error("%s: %s=m, but %s/lib/modules/%s does not exist: install the modules there (make modules_install) or build it in (=y)",
				  path, rootfs_drivers[i].config, strcmp(root, "/") ? root : "", version);
		else
			vmm_error("%s: the kernel has no %s (--rootfs needs it, =y or =m)",
				  path, rootfs_drivers[i].config);
		ret = -ENOENT;
	}
	return ret;
}

/* ---- The initramfs ---- */

static int read_whole(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t done = 0;

	if (fd < 0 || fstat(fd, &st)) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		return err;
	}
	*data = malloc(st.st_size ? st.st_size : 1);
	*len = st.st_size;
	while (*data && done < *len) {
		ssize_t n = read(fd, *data + done, *len - done);

		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	if (!*data)
		return -ENOMEM;
	if (done < *len) {
		free(*data);
		return -EIO;
	}
	return 0;
}

int rootfs_build_initramfs(struct cpio *c, const char *moddir, char *const *modules,
			   unsigned int nr)
{
	char path[PATH_MAX], name[PATH_MAX];
	char *order = NULL;
	size_t order_len = 0;
	unsigned int i;
	int ret = 0;

	/* What the init mounts on, and the console the kernel opens for it. */
	cpio_dir(c, "dev", 0755);
	cpio_chardev(c, "dev/console", 0600, CONSOLE_MAJOR, CONSOLE_MINOR);
	cpio_dir(c, "proc", 0555);
	cpio_dir(c, "hvx", 0755);
	cpio_dir(c, "hvx/lower", 0755);
	cpio_dir(c, "hvx/rw", 0755);
	cpio_file(c, "init", 0755, hvx_init_blob, hvx_init_blob_end - hvx_init_blob);
	if (nr)
		cpio_dir(c, "hvx/modules", 0755);
	for (i = 0; i < nr && !ret; i++) {
		const char *base = strrchr(modules[i], '/');
		uint8_t *data = NULL;
		size_t len = 0;
		char *n;

		base = base ? base + 1 : modules[i];
		snprintf(path, sizeof(path), "%s/%s", moddir, modules[i]);
		ret = read_whole(path, &data, &len);
		if (ret) {
			vmm_error("%s: %s", path, strerror(-ret));
			break;
		}
		snprintf(name, sizeof(name), "hvx/modules/%s", base);
		cpio_file(c, name, 0644, data, len);
		free(data);
		n = realloc(order, order_len + strlen(base) + 2);
		if (!n) {
			ret = -ENOMEM;
			break;
		}
		order = n;
		order_len += sprintf(order + order_len, "%s\n", base);
	}
	if (!ret && nr)
		cpio_file(c, "hvx/modules/order", 0644, order, order_len);
	free(order);
	cpio_finish(c);
	if (!ret && c->err) {
		ret = c->err;
		vmm_error("initramfs: %s", strerror(-ret));
	}
	return ret;
}

/* ---- The command line ---- */

struct strbuf {
	char *s;
	size_t len;
	bool oom;
};

static void sb_add(struct strbuf *b, const char *fmt, const char *val)
{
	char *n;
	int len;

	if (b->oom)
		return;
	len = snprintf(NULL, 0, fmt, val);
	n = realloc(b->s, b->len + len + 2);
	if (!n) {
		b->oom = true;
		return;
	}
	b->s = n;
	if (b->len)
		b->s[b->len++] = ' ';
	snprintf(b->s + b->len, len + 1, fmt, val);
	b->len += len;
}

/* name=VALUE with VALUE percent-encoded. */
static void sb_param(struct strbuf *b, const char *name, const char *value)
{
	char *enc = malloc(3 * strlen(value) + strlen(name) + 2);

	if (!enc) {
		b->oom = true;
		return;
	}
	sprintf(enc, "%s=", name);
	rootfs_encode(value, enc + strlen(enc));
	sb_add(b, "%s", enc);
	free(enc);
}

/* A host path as the guest sees it: DIR is the guest's /. */
static const char *guest_path(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return path;
	if (!strncmp(path, root, n) && (path[n] == '/' || !path[n]))
		return path[n] ? path + n : "/";
	return path;
}

static void cmdline_common(const struct rootfs_config *cfg, struct rootfs_boot *b,
			   struct strbuf *sb)
{
	char cwd[PATH_MAX];
	const char *path = getenv("PATH"), *term = getenv("TERM");
	unsigned int i;

	sb_add(sb, "%s", cfg->debug ? ROOTFS_P_DEBUG : "quiet");
	if (cfg->no_stdin)
		sb_add(sb, "%s", ROOTFS_P_NOSTDIN);
	if (getcwd(cwd, sizeof(cwd)))
		sb_param(sb, ROOTFS_P_CWD, guest_path(b->root, cwd));
	if (path && *path)
		sb_param(sb, ROOTFS_P_PATH, path);
	if (cfg->tty && term && *term)
		sb_param(sb, ROOTFS_P_TERM, term);
	for (i = 0; i < cfg->nr_shares; i++) {
		const struct rootfs_share *s = &cfg->shares[i];
		const char *gpath = guest_path(b->root, s->host_path);
		char *v = malloc(strlen(s->tag) + 3 * strlen(gpath) + 8);

		if (!v) {
			sb->oom = true;
			return;
		}
		/* TAG,PATH,MODE: tags have no ',' (virtio_9p_tag_ok); the path is encoded. */
		sprintf(v, "%s,", s->tag);
		rootfs_encode(gpath, v + strlen(v));
		strcat(v, s->read_only ? ",ro" : ",rw");
		sb_add(sb, ROOTFS_P_SHARE "=%s", v);
		free(v);
	}
	/* Last: the longest, and the one a too-long command line is about. */
	if (cfg->exec)
		sb_param(sb, ROOTFS_P_EXEC, cfg->exec);
}

/* hvx itself, if the guest can see it: its path inside DIR, else NULL. */
static char *hvx_inside(const char *root)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *p;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	p = guest_path(root, exe);
	return p == exe && strcmp(root, "/") ? NULL : strdup(p);
}

static int rootfs_make_initrd(struct rootfs_boot *b, const char *moddir, char **modules,
			      unsigned int nr)
{
	struct cpio c = { 0 };
	size_t done = 0;
	int ret = rootfs_build_initramfs(&c, moddir, modules, nr);

	if (ret)
		goto out;
	b->initrd_fd = memfd_create("hvx-initramfs", MFD_CLOEXEC);
	if (b->initrd_fd < 0) {
		ret = -errno;
		vmm_error("initramfs: memfd_create: %s", strerror(errno));
		goto out;
	}
	while (done < c.len) {
		ssize_t n = write(b->initrd_fd, c.buf + done, c.len - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			vmm_error("initramfs: write: %s", strerror(-ret));
			goto out;
		}
		done += n;
	}
	snprintf(b->initrd_path, sizeof(b->initrd_path), "/proc/self/fd/%d", b->initrd_fd);
	vmm_debug("rootfs: initramfs of %zu bytes, %u modules", c.len, nr);
out:
	cpio_free(&c);
	return ret;
}

static int access_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -1;
	return access(path, F_OK);
}

int rootfs__prepare(const struct rootfs_config *cfg, struct rootfs_boot *b)
{
	char moddir[PATH_MAX], *modules[MAX_MODULES];
	struct strbuf sb = { 0 };
	struct stat st;
	int nr = 0, ret, i;

	*b = (struct rootfs_boot){ .initrd_fd = -1 };
	b->root = realpath(cfg->dir, NULL);
	if (!b->root || stat(b->root, &st) || !S_ISDIR(st.st_mode)) {
		vmm_error("--rootfs %s: %s", cfg->dir, b->root ? "not a directory" : strerror(errno));
		return -ENOTDIR;
	}
	ret = rootfs_kernel_version(cfg->kernel, b->version, sizeof(b->version));
	if (ret)
		return ret;
	snprintf(moddir, sizeof(moddir), "%s/lib/modules/%s", strcmp(b->root, "/") ? b->root : "",
		 b->version);
	if (!access_in(moddir, "modules.dep")) {
		nr = rootfs_resolve_modules(moddir, modules, MAX_MODULES);
		if (nr < 0)
			return nr;
	} else if (!access_in(moddir, "kernel")) {
		vmm_error("%s: modules without modules.dep: run depmod%s%s %s", moddir,
			  strcmp(b->root, "/") ? " -b " : "", strcmp(b->root, "/") ? b->root : "",
			  b->version);
		return -ENOENT;
	} else {
		ret = rootfs_check_config(cfg->kernel, b->root, b->version);
		if (ret)
			return ret;
	}
	b->nr_modules = nr;
	b->init_path = nr ? NULL : hvx_inside(b->root);
	vmm_debug("rootfs: kernel %s, %d modules from %s%s%s", b->version, nr, moddir,
		  b->init_path ? ", no initramfs, init=" : "", b->init_path ? b->init_path : "");
	if (!b->init_path)
		ret = rootfs_make_initrd(b, moddir, modules, nr);
	for (i = 0; i < nr; i++)
		free(modules[i]);
	if (ret)
		return ret;

	if (b->init_path) {
		sb_add(&sb, "root=%s rootfstype=9p rootflags=" P9_ROOTFLAGS " ro", ROOTFS_TAG);
		sb_add(&sb, "init=%s " ROOTFS_INIT_ARG, b->init_path);
	} else {
		sb_add(&sb, ROOTFS_P_ROOT "=%s", ROOTFS_TAG);
	}
	cmdline_common(cfg, b, &sb);
	if (sb.oom) {
		free(sb.s);
		vmm_error("--rootfs: out of memory");
		return -ENOMEM;
	}
	b->cmdline = sb.s;
	return 0;
}

void rootfs__release(struct rootfs_boot *b)
{
	if (b->initrd_fd >= 0)
		close(b->initrd_fd);
	free(b->root);
	free(b->cmdline);
	free(b->init_path);
	*b = (struct rootfs_boot){ .initrd_fd = -1 };
}
