// SPDX-License-Identifier: GPL-2.0-only
/* Reading images, copying them into the guest, and picking the loader. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../vm.h"
#include "loader.h"

/* Bigger than any kernel or initrd we mean to boot; stops a typo'd /dev/zero. */
#define FILE_MAX_SIZE	(2 * GiB)

int file_buf__read(struct file_buf *f, const char *path)
{
	struct stat st;
	size_t done = 0;
	int fd, ret = 0;

	*f = (struct file_buf){ .path = path };
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		vmm_error("%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		vmm_error("%s: not a regular file", path);
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > FILE_MAX_SIZE) {
		vmm_error("%s: too big (%lld bytes)", path, (long long)st.st_size);
		ret = -EFBIG;
		goto out;
	}
	f->size = st.st_size;
	f->data = malloc(f->size ? f->size : 1);
	if (!f->data) {
		ret = -ENOMEM;
		vmm_error("%s: out of memory", path);
		goto out;
	}
	while (done < f->size) {
		ssize_t n = read(fd, f->data + done, f->size - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			vmm_error("%s: read: %s", path, n < 0 ? strerror(errno) : "file shrank");
			file_buf__free(f);
			goto out;
		}
		done += n;
	}
out:
	close(fd);
	return ret;
}

void file_buf__free(struct file_buf *f)
{
	free(f->data);
	f->data = NULL;
	f->size = 0;
}

int guest_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len, const char *what)
{
	void *dst = gpa_to_hva(vm, gpa, len);

	if (!dst) {
		vmm_error("%s: does not fit in guest memory at %#llx (%llu bytes; try a larger --mem)",
			  what, (unsigned long long)gpa, (unsigned long long)len);
		return -EFAULT;
	}
	memcpy(dst, src, len);
	return 0;
}

int loader__load(struct vm *vm, const struct boot_spec *spec)
{
	static int (*const loaders[])(struct vm *, const struct file_buf *,
				      const struct boot_spec *) = {
		bzimage__load, multiboot__load, pvh__load,
	};
	struct file_buf kernel;
	unsigned int i;
	int ret;

	ret = file_buf__read(&kernel, spec->kernel);
	if (ret)
		return ret;
	ret = -ENOEXEC;
	for (i = 0; i < ARRAY_SIZE(loaders) && ret == -ENOEXEC; i++)
		ret = loaders[i](vm, &kernel, spec);
	if (ret == -ENOEXEC)
		vmm_error("%s: not a kernel hvx can boot (no bzImage header, multiboot header or ELF PVH note)",
			  spec->kernel);
	file_buf__free(&kernel);
	return ret;
}
