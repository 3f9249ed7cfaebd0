/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small AML writer (ACPI 6.x, chapter 20), enough for a static DSDT:
 * names, integers, strings, packages, buffers, scopes and devices. Nested
 * objects are opened and closed; closing one inserts its PkgLength.
 */
#ifndef HVX_ACPI_AML_H
#define HVX_ACPI_AML_H

#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH	8

struct aml {
	uint8_t *buf;
	size_t len, cap;
	size_t open[AML_MAX_DEPTH];	/* where each open object's PkgLength goes */
	unsigned int depth;
	int error;			/* -ENOSPC once anything did not fit */
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
void aml_name(struct aml *a, const char *name);		/* Name(NAME, <next object>) */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
void aml_scope_open(struct aml *a, const char *path);
void aml_device_open(struct aml *a, const char *name);
void aml_package_open(struct aml *a, unsigned int nr_elements);
void aml_buffer_open(struct aml *a);			/* Buffer(){bytes}: size filled on close */
void aml_bytes(struct aml *a, const void *data, size_t len);
void aml_close(struct aml *a);

/* Resource template items, inside an open buffer. */
void aml_memory32_fixed(struct aml *a, uint32_t base, uint32_t len, int writable);
void aml_interrupt(struct aml *a, uint32_t gsi, int level, int active_low);
void aml_end_tag(struct aml *a);

#endif /* HVX_ACPI_AML_H */
