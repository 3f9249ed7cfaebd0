// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the virtio-mmio devices (vmm-user/virtio/, vmm-user/net/):
 * the test plays the guest driver against the real device code, through
 * the fake VMM core of vmm_fake.c. It programs the transport registers,
 * builds descriptor chains in fake guest RAM, good and malformed, notifies,
 * and checks the used ring, the data, the status bytes, DEVICE_NEEDS_RESET
 * and the interrupt line. Device threads run for real.
 */
#define VIRTIO_MMIO_NO_LEGACY
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include "ktap.h"
#include "vmm_fake.h"
#include "virtio/virtio_mmio.h"
#include "net/tap.h"

#define BIT64(n)	(1ULL << (n))
#define DEV0		FAKE_MMIO_BASE		/* the first device's window */
#define GSI0		FAKE_FIRST_GSI
#define QNUM		256
/* Guest RAM layout of the tests. */
#define RING_GPA(q)	(0x10000 + (q) * 0x4000)
#define HDR_GPA		0x80000
#define STATUS_GPA	0x80100
#define TABLE_GPA	0x81000		/* indirect descriptor tables */
#define MANY_STATUS_GPA	0x90000		/* blk_many_requests' status bytes */
#define DATA_GPA	0x100000
#define WAIT_MS		3000
#define IMG_SECTORS	64

/* Every feature a device may offer: the tests accept whatever it has. */
#define ALL_FEATURES	(~0ULL)
#define NO_EVENT_IDX	(~BIT64(VIRTIO_RING_F_EVENT_IDX))

/* ---- The test's driver ----------------------------------------------------- */

struct tq {
	struct vm *vm;
	uint64_t base;
	unsigned int index;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, used_seen, next_desc;
};

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static void *gpa(struct vm *vm, uint64_t addr)
{
	return vm->ram + addr;
}

static uint32_t reg_read(struct vm *vm, uint64_t base, uint32_t off)
{
	return fake_mmio_read32(vm, base + off);
}

static void reg_write(struct vm *vm, uint64_t base, uint32_t off, uint32_t val)
{
	fake_mmio_write32(vm, base + off, val);
}

static uint64_t device_features(struct vm *vm, uint64_t base)
{
	uint64_t f;

	reg_write(vm, base, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)reg_read(vm, base, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	reg_write(vm, base, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | reg_read(vm, base, VIRTIO_MMIO_DEVICE_FEATURES);
}

/* Status up to FEATURES_OK with @features; returns the status read back. */
static uint32_t drv_negotiate(struct vm *vm, uint64_t base, uint64_t features)
{
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	reg_write(vm, base, VIRTIO_MMIO_STATUS, 0);
	reg_write(vm, base, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	reg_write(vm, base, VIRTIO_MMIO_STATUS, s);
	reg_write(vm, base, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(vm, base, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	reg_write(vm, base, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(vm, base, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	reg_write(vm, base, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK);
	return reg_read(vm, base, VIRTIO_MMIO_STATUS);
}

/*
 * Descriptor tables at the very end of guest RAM: a device that reads an
 * entry past the table then reads past the RAM buffer, which ASan reports.
 */
static bool desc_at_ram_end;

static void tq_setup(struct tq *q, struct vm *vm, uint64_t base, unsigned int index)
{
	uint64_t ring = RING_GPA(index);
	uint64_t desc = desc_at_ram_end ? FAKE_RAM_SIZE - QNUM * sizeof(struct vring_desc) : ring;

	memset(gpa(vm, ring), 0, 0x4000);
	memset(gpa(vm, desc), 0, QNUM * sizeof(struct vring_desc));
	*q = (struct tq){ .vm = vm, .base = base, .index = index,
			  .desc = gpa(vm, desc), .avail = gpa(vm, ring + 0x1000),
			  .used = gpa(vm, ring + 0x2000) };
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_SEL, index);
	ASSERT_EQ(reg_read(vm, base, VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	ASSERT_EQ(reg_read(vm, base, VIRTIO_MMIO_QUEUE_READY), 0);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_NUM, QNUM);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_AVAIL_LOW, ring + 0x1000);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_USED_LOW, ring + 0x2000);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	reg_write(vm, base, VIRTIO_MMIO_QUEUE_READY, 1);
	ASSERT_EQ(reg_read(vm, base, VIRTIO_MMIO_QUEUE_READY), 1);
}

/* The whole of 3.1.1: reset, negotiate, @nq queues, DRIVER_OK. */
static void drv_init(struct vm *vm, uint64_t base, uint64_t want, struct tq *qs, unsigned int nq)
{
	uint64_t features = device_features(vm, base) & want;
	uint32_t status = drv_negotiate(vm, base, features);
	unsigned int i;

	ASSERT_TRUE(status & VIRTIO_CONFIG_S_FEATURES_OK, "status %#x", status);
	for (i = 0; i < nq; i++)
		tq_setup(&qs[i], vm, base, i);
	reg_write(vm, base, VIRTIO_MMIO_STATUS, status | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void tq_set_desc(struct tq *q, uint16_t i, uint64_t addr, uint32_t len,
			uint16_t flags, uint16_t next)
{
	q->desc[i] = (struct vring_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* Put @head in the available ring and notify through QueueNotify. */
static void tq_publish(struct tq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % QNUM] = head;
	__atomic_store_n(&q->avail->idx, ++q->avail_idx, __ATOMIC_RELEASE);
	reg_write(q->vm, q->base, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

static void fill_segs(struct vring_desc *table, uint16_t first, const struct seg *segs,
		      unsigned int n, uint16_t wrap)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint16_t idx = (first + i) % wrap;

		table[idx] = (struct vring_desc){
			.addr = segs[i].gpa, .len = segs[i].len,
			.flags = (segs[i].write ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			.next = (first + i + 1) % wrap,
		};
	}
}

/* A direct chain of @n segments; returns its head. */
static uint16_t tq_add(struct tq *q, const struct seg *segs, unsigned int n)
{
	uint16_t head = q->next_desc;

	fill_segs(q->desc, head, segs, n, QNUM);
	q->next_desc = (head + n) % QNUM;
	tq_publish(q, head);
	return head;
}

/* One descriptor pointing at an indirect table holding the chain. */
static uint16_t tq_add_indirect(struct tq *q, const struct seg *segs, unsigned int n)
{
	uint16_t head = q->next_desc;

	fill_segs(gpa(q->vm, TABLE_GPA), 0, segs, n, 0xffff);
	tq_set_desc(q, head, TABLE_GPA, n * sizeof(struct vring_desc), VRING_DESC_F_INDIRECT, 0);
	q->next_desc = (head + 1) % QNUM;
	tq_publish(q, head);
	return head;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait for the next used entry; false after WAIT_MS. */
static bool tq_wait_used(struct tq *q, struct vring_used_elem *out)
{
	unsigned int ms;

	for (ms = 0; ms < WAIT_MS; ms++) {
		if (__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) != q->used_seen) {
			*out = q->used->ring[q->used_seen++ % QNUM];
			return true;
		}
		sleep_ms(1);
	}
	return false;
}

static uint16_t used_idx(struct tq *q)
{
	return __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
}

/* The device must have flagged DEVICE_NEEDS_RESET and consumed nothing. */
static void expect_needs_reset(struct vm *vm, uint64_t base, uint32_t gsi, struct tq *q)
{
	unsigned int ms;

	for (ms = 0; ms < WAIT_MS; ms++) {
		if (reg_read(vm, base, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET)
			break;
		sleep_ms(1);
	}
	ASSERT_TRUE(reg_read(vm, base, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
		    "status %#x", reg_read(vm, base, VIRTIO_MMIO_STATUS));
	ASSERT_TRUE(reg_read(vm, base, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	ASSERT_EQ(fake_irq_level(vm, gsi), 1);
	ASSERT_EQ(used_idx(q), q->used_seen);
}

/* ---- virtio-blk helpers -------------------------------------------------------- */

static uint8_t img_byte(uint64_t sector, unsigned int i)
{
	return (uint8_t)(sector * 7 + i * 3 + 1);
}

/* A raw image of IMG_SECTORS with a known pattern: its path and an fd. */
static int make_image(char path[64])
{
	uint8_t sector[512];
	unsigned int s, i;
	int fd;

	strcpy(path, "/tmp/hvx-virtio-test-XXXXXX");
	fd = CHECK_OK(mkstemp(path));
	for (s = 0; s < IMG_SECTORS; s++) {
		for (i = 0; i < sizeof(sector); i++)
			sector[i] = img_byte(s, i);
		CHECK_OK(write(fd, sector, sizeof(sector)));
	}
	return fd;
}

struct blk_fixture {
	struct vm *vm;
	struct tq q;
	char path[64];
	int img_fd;		/* the image, already unlinked */
};

/* A VM with one virtio-blk on a fresh image; nothing left in /tmp after. */
static void blk_create(struct blk_fixture *f, bool read_only)
{
	f->img_fd = make_image(f->path);
	f->vm = fake_vm_create();
	ASSERT_TRUE(f->vm);
	ASSERT_EQ(virtio_blk_create(f->vm, f->path, read_only), 0);
	unlink(f->path);
}

static void blk_setup(struct blk_fixture *f, bool read_only, uint64_t want)
{
	blk_create(f, read_only);
	drv_init(f->vm, DEV0, want, &f->q, 1);
}

static void blk_teardown(struct blk_fixture *f)
{
	fake_vm_destroy(f->vm);
	close(f->img_fd);
}

static void put_hdr(struct vm *vm, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr hdr = { .type = type, .sector = sector };

	memcpy(gpa(vm, HDR_GPA), &hdr, sizeof(hdr));
	*(uint8_t *)gpa(vm, STATUS_GPA) = 0xee;		/* not a status */
}

/* header, [data], status; returns the status byte, @used gets the used len. */
static uint8_t blk_request(struct blk_fixture *f, uint32_t type, uint64_t sector,
			   uint32_t len, bool indirect, uint32_t *used_len)
{
	struct seg segs[3] = { { HDR_GPA, sizeof(struct virtio_blk_outhdr), false } };
	struct vring_used_elem ue;
	unsigned int n = 1;
	uint16_t head;

	put_hdr(f->vm, type, sector);
	if (len)
		segs[n++] = (struct seg){ DATA_GPA, len, type != VIRTIO_BLK_T_OUT };
	segs[n++] = (struct seg){ STATUS_GPA, 1, true };
	head = indirect ? tq_add_indirect(&f->q, segs, n) : tq_add(&f->q, segs, n);
	ASSERT_TRUE(tq_wait_used(&f->q, &ue), "no used entry for request type %u", type);
	ASSERT_EQ(ue.id, head);
	if (used_len)
		*used_len = ue.len;
	return *(uint8_t *)gpa(f->vm, STATUS_GPA);
}

static void expect_sectors(struct vm *vm, uint64_t data_gpa, uint64_t sector, unsigned int n)
{
	const uint8_t *p = gpa(vm, data_gpa);
	unsigned int s, i;

	for (s = 0; s < n; s++)
		for (i = 0; i < 512; i++)
			if (p[s * 512 + i] != img_byte(sector + s, i))
				FAIL("sector %llu byte %u: %#x, expected %#x",
				     (unsigned long long)sector + s, i, p[s * 512 + i],
				     img_byte(sector + s, i));
}

/* ---- Transport --------------------------------------------------------------------- */

static void mmio_identity(void)
{
	struct blk_fixture f;
	uint64_t features, cap = 0;
	uint8_t b[8];
	unsigned int i;

	blk_create(&f, false);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_VERSION), 2);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	ASSERT_TRUE(reg_read(f.vm, DEV0, VIRTIO_MMIO_VENDOR_ID) != 0);
	features = device_features(f.vm, DEV0);
	ASSERT_TRUE(features & BIT64(VIRTIO_F_VERSION_1));
	ASSERT_TRUE(features & BIT64(VIRTIO_RING_F_EVENT_IDX));
	ASSERT_TRUE(features & BIT64(VIRTIO_RING_F_INDIRECT_DESC));
	ASSERT_TRUE(features & BIT64(VIRTIO_BLK_F_FLUSH));
	ASSERT_TRUE(features & BIT64(VIRTIO_BLK_F_SEG_MAX));
	ASSERT_TRUE(!(features & BIT64(VIRTIO_BLK_F_RO)));
	/* Config space: capacity as one 64-bit access and byte by byte. */
	fake_mmio(f.vm, DEV0 + VIRTIO_MMIO_CONFIG, &cap, 8, false);
	ASSERT_EQ(cap, IMG_SECTORS);
	for (i = 0; i < 8; i++)
		fake_mmio(f.vm, DEV0 + VIRTIO_MMIO_CONFIG + i, &b[i], 1, false);
	ASSERT_EQ(b[0], IMG_SECTORS);
	ASSERT_EQ(b[1] | b[2] | b[3] | b[4] | b[5] | b[6] | b[7], 0);
	/* Past the end of config space and beyond the device's queues. */
	ASSERT_EQ(reg_read(f.vm, DEV0, 0x1fc), 0);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_SEL, 1);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	blk_teardown(&f);
}

static void mmio_feature_negotiation(void)
{
	struct blk_fixture f;
	uint64_t offered;

	blk_create(&f, false);
	offered = device_features(f.vm, DEV0);
	/* A legacy driver (no VERSION_1) is refused FEATURES_OK. */
	ASSERT_TRUE(!(drv_negotiate(f.vm, DEV0, offered & ~BIT64(VIRTIO_F_VERSION_1)) &
		      VIRTIO_CONFIG_S_FEATURES_OK));
	/* So is a feature the device did not offer. */
	ASSERT_TRUE(!(offered & BIT64(VIRTIO_F_RING_PACKED)));
	ASSERT_TRUE(!(drv_negotiate(f.vm, DEV0, offered | BIT64(VIRTIO_F_RING_PACKED)) &
		      VIRTIO_CONFIG_S_FEATURES_OK));
	/* A subset with VERSION_1 is fine. */
	ASSERT_TRUE(drv_negotiate(f.vm, DEV0, BIT64(VIRTIO_F_VERSION_1)) &
		    VIRTIO_CONFIG_S_FEATURES_OK);
	/* Status 0 resets it all. */
	reg_write(f.vm, DEV0, VIRTIO_MMIO_STATUS, 0);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_STATUS), 0);
	blk_teardown(&f);
}

static void mmio_bad_queue_config(void)
{
	struct blk_fixture f;
	uint32_t status;

	blk_create(&f, false);
	/* Not a power of two. */
	status = drv_negotiate(f.vm, DEV0, BIT64(VIRTIO_F_VERSION_1));
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_SEL, 0);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_NUM, 100);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_DESC_LOW, RING_GPA(0));
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_AVAIL_LOW, RING_GPA(0) + 0x1000);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_USED_LOW, RING_GPA(0) + 0x2000);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_READY, 1);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_QUEUE_READY), 0);
	ASSERT_TRUE(reg_read(f.vm, DEV0, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* Rings outside guest RAM. */
	status = drv_negotiate(f.vm, DEV0, BIT64(VIRTIO_F_VERSION_1));
	ASSERT_TRUE(!(status & VIRTIO_CONFIG_S_NEEDS_RESET), "reset must clear it");
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_NUM, QNUM);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_DESC_LOW, RING_GPA(0));
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_USED_LOW, FAKE_RAM_SIZE - 0x100);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_READY, 1);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_QUEUE_READY), 0);
	ASSERT_TRUE(reg_read(f.vm, DEV0, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* Misaligned descriptor table. */
	status = drv_negotiate(f.vm, DEV0, BIT64(VIRTIO_F_VERSION_1));
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_DESC_LOW, RING_GPA(0) + 8);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_AVAIL_LOW, RING_GPA(0) + 0x1000);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_USED_LOW, RING_GPA(0) + 0x2000);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_QUEUE_READY, 1);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_QUEUE_READY), 0);
	(void)status;
	blk_teardown(&f);
}

static void mmio_interrupt_ack(void)
{
	struct blk_fixture f;

	blk_setup(&f, false, ALL_FEATURES);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 0);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 1);
	/* Acking another bit leaves the line up; acking the bit lowers it. */
	reg_write(f.vm, DEV0, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 1);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 0);
	blk_teardown(&f);
}

static void ring_no_interrupt_flag(void)
{
	struct blk_fixture f;

	blk_setup(&f, false, NO_EVENT_IDX);
	f.q.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 0);
	f.q.avail->flags = 0;
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 1);
	blk_teardown(&f);
}

static void ring_event_idx(void)
{
	struct blk_fixture f;
	uint16_t *used_event, *avail_event;

	blk_setup(&f, false, ALL_FEATURES);
	used_event = &f.q.avail->ring[QNUM];
	avail_event = (uint16_t *)&f.q.used->ring[QNUM];
	/* First completion always interrupts; ack it. */
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 1);
	reg_write(f.vm, DEV0, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	/* The driver asks for an interrupt only after entry 10: none now. */
	*used_event = 10;
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 0);
	/* After entry 2 (the one that completes next): interrupt. */
	*used_event = 2;
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(fake_irq_level(f.vm, GSI0), 1);
	/* The device asks to be notified at the next available entry. */
	ASSERT_EQ(__atomic_load_n(avail_event, __ATOMIC_ACQUIRE), f.q.avail_idx);
	blk_teardown(&f);
}

/* ---- virtio-blk ------------------------------------------------------------------- */

static void blk_read(void)
{
	struct blk_fixture f;
	uint32_t used_len;

	blk_setup(&f, false, ALL_FEATURES);
	memset(gpa(f.vm, DATA_GPA), 0, 2048);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 5, 2048, false, &used_len), VIRTIO_BLK_S_OK);
	ASSERT_EQ(used_len, 2048 + 1);
	expect_sectors(f.vm, DATA_GPA, 5, 4);
	/* The last sector, through an indirect table. */
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, IMG_SECTORS - 1, 512, true, &used_len),
		  VIRTIO_BLK_S_OK);
	ASSERT_EQ(used_len, 512 + 1);
	expect_sectors(f.vm, DATA_GPA, IMG_SECTORS - 1, 1);
	blk_teardown(&f);
}

static void blk_read_any_layout(void)
{
	struct blk_fixture f;
	struct vring_used_elem ue;
	struct seg segs[4];

	blk_setup(&f, false, ALL_FEATURES);
	/*
	 * Header split 4 + 12 over two descriptors; the data and the status
	 * share one writable descriptor (VERSION_1 allows any framing).
	 */
	put_hdr(f.vm, VIRTIO_BLK_T_IN, 9);
	memcpy(gpa(f.vm, HDR_GPA + 0x40), gpa(f.vm, HDR_GPA + 4), 12);
	segs[0] = (struct seg){ HDR_GPA, 4, false };
	segs[1] = (struct seg){ HDR_GPA + 0x40, 12, false };
	segs[2] = (struct seg){ DATA_GPA, 300, true };
	segs[3] = (struct seg){ DATA_GPA + 300, 212 + 1, true };
	tq_add(&f.q, segs, 4);
	ASSERT_TRUE(tq_wait_used(&f.q, &ue));
	ASSERT_EQ(ue.len, 513);
	ASSERT_EQ(*(uint8_t *)gpa(f.vm, DATA_GPA + 512), VIRTIO_BLK_S_OK);
	expect_sectors(f.vm, DATA_GPA, 9, 1);
	blk_teardown(&f);
}

static void blk_write_flush(void)
{
	struct blk_fixture f;
	uint8_t buf[1024], *data;
	unsigned int i;
	int fd;

	blk_setup(&f, false, ALL_FEATURES);
	data = gpa(f.vm, DATA_GPA);
	for (i = 0; i < sizeof(buf); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_OUT, 20, 1024, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_FLUSH, 0, 0, false, NULL), VIRTIO_BLK_S_OK);
	fd = f.img_fd;
	ASSERT_EQ(pread(fd, buf, sizeof(buf), 20 * 512), sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(buf[i], (uint8_t)(i ^ 0x5a));
	/* The neighbours are untouched. */
	ASSERT_EQ(pread(fd, buf, 512, 19 * 512), 512);
	ASSERT_EQ(buf[0], img_byte(19, 0));
	ASSERT_EQ(pread(fd, buf, 512, 22 * 512), 512);
	ASSERT_EQ(buf[511], img_byte(22, 511));
	/* And the guest reads back what it wrote. */
	memset(data, 0, 1024);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 21, 512, false, NULL), VIRTIO_BLK_S_OK);
	ASSERT_EQ(data[0], (uint8_t)(512 ^ 0x5a));
	blk_teardown(&f);
}

static void blk_read_only(void)
{
	struct blk_fixture f;
	uint8_t buf[512];

	blk_setup(&f, true, ALL_FEATURES);
	ASSERT_TRUE(device_features(f.vm, DEV0) & BIT64(VIRTIO_BLK_F_RO));
	memset(gpa(f.vm, DATA_GPA), 0xab, 512);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_OUT, 3, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	ASSERT_EQ(pread(f.img_fd, buf, sizeof(buf), 3 * 512), 512);
	ASSERT_EQ(buf[0], img_byte(3, 0));
	/* Reads and flushes still work. */
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 3, 512, false, NULL), VIRTIO_BLK_S_OK);
	expect_sectors(f.vm, DATA_GPA, 3, 1);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_FLUSH, 0, 0, false, NULL), VIRTIO_BLK_S_OK);
	blk_teardown(&f);
}

static void blk_get_id_and_unsupported(void)
{
	struct blk_fixture f;
	const char *base;
	uint32_t used_len;
	char id[VIRTIO_BLK_ID_BYTES + 1] = "";

	blk_setup(&f, false, ALL_FEATURES);
	memset(gpa(f.vm, DATA_GPA), 0, 64);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, false, &used_len),
		  VIRTIO_BLK_S_OK);
	memcpy(id, gpa(f.vm, DATA_GPA), VIRTIO_BLK_ID_BYTES);
	/* The image's name, cut to the 20 bytes the field has. */
	base = strrchr(f.path, '/') + 1;
	ASSERT_TRUE(!strncmp(id, base, VIRTIO_BLK_ID_BYTES), "id '%s', expected '%s'", id, base);
	ASSERT_EQ(used_len, VIRTIO_BLK_ID_BYTES + 1);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_DISCARD, 0, 16, false, NULL), VIRTIO_BLK_S_UNSUPP);
	blk_teardown(&f);
}

static void blk_out_of_range(void)
{
	struct blk_fixture f;

	blk_setup(&f, false, ALL_FEATURES);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, IMG_SECTORS, 512, false, NULL),
		  VIRTIO_BLK_S_IOERR);
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, IMG_SECTORS - 1, 1024, false, NULL),
		  VIRTIO_BLK_S_IOERR);
	/* A sector number that overflows when multiplied by 512. */
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_OUT, ~0ULL >> 1, 512, false, NULL),
		  VIRTIO_BLK_S_IOERR);
	/* Just past the end: the image must not grow. */
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_OUT, IMG_SECTORS, 512, false, NULL),
		  VIRTIO_BLK_S_IOERR);
	ASSERT_EQ(lseek(f.img_fd, 0, SEEK_END), IMG_SECTORS * 512);
	/* Not a whole number of sectors. */
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 100, false, NULL), VIRTIO_BLK_S_IOERR);
	/* A request too short for its header. */
	put_hdr(f.vm, VIRTIO_BLK_T_IN, 0);
	{
		struct seg segs[2] = { { HDR_GPA, 8, false }, { STATUS_GPA, 1, true } };
		struct vring_used_elem ue;

		tq_add(&f.q, segs, 2);
		ASSERT_TRUE(tq_wait_used(&f.q, &ue));
		ASSERT_EQ(*(uint8_t *)gpa(f.vm, STATUS_GPA), VIRTIO_BLK_S_IOERR);
	}
	/* Still serving good requests. */
	ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 1, 512, false, NULL), VIRTIO_BLK_S_OK);
	expect_sectors(f.vm, DATA_GPA, 1, 1);
	blk_teardown(&f);
}

/* ---- Malformed chains: DEVICE_NEEDS_RESET, then a reset revives the device --- */

enum malformed {
	BAD_ADDR, BAD_LEN_WRAP, LOOP, LOOP_EMPTY, BAD_NEXT, BAD_HEAD, BAD_AVAIL_IDX, READ_AFTER_WRITE,
	INDIRECT_NESTED, INDIRECT_NOT_NEGOTIATED, INDIRECT_BAD_LEN, INDIRECT_WITH_NEXT,
	INDIRECT_TOO_LONG, INDIRECT_LOOP, NO_STATUS, CHAIN_TOO_LONG, NR_MALFORMED
};

static const char *const malformed_names[] = {
	"address outside RAM", "length runs past RAM", "descriptor loop",
	"loop of empty descriptors", "next out of range",
	"head out of range", "avail idx too far ahead", "readable after writable",
	"nested indirect", "indirect not negotiated", "indirect length not 16n",
	"indirect with NEXT", "indirect table too long", "loop in indirect table",
	"no status byte", "chain longer than the ring allows",
};

/* A one-sector read: header, data, status. */
static const struct seg good_read[3] = {
	{ HDR_GPA, 16, false }, { DATA_GPA, 512, true }, { STATUS_GPA, 1, true },
};

/* Build case @m on @q; publish and notify. */
static void build_malformed(struct tq *q, enum malformed m)
{
	struct vring_desc *table = gpa(q->vm, TABLE_GPA);
	const uint16_t rw = VRING_DESC_F_NEXT;
	unsigned int i;

	put_hdr(q->vm, VIRTIO_BLK_T_IN, 0);
	switch (m) {
	case BAD_ADDR:
		tq_set_desc(q, 0, HDR_GPA, 16, rw, 1);
		tq_set_desc(q, 1, FAKE_RAM_SIZE + 0x1000, 512, VRING_DESC_F_WRITE | rw, 2);
		tq_set_desc(q, 2, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
		break;
	case BAD_LEN_WRAP:
		tq_set_desc(q, 0, HDR_GPA, 16, rw, 1);
		tq_set_desc(q, 1, FAKE_RAM_SIZE - 0x10, 0xffffffff, VRING_DESC_F_WRITE, 0);
		break;
	case LOOP:
		tq_set_desc(q, 0, HDR_GPA, 16, rw, 1);
		tq_set_desc(q, 1, DATA_GPA, 512, VRING_DESC_F_WRITE | rw, 2);
		tq_set_desc(q, 2, STATUS_GPA, 1, VRING_DESC_F_WRITE | rw, 1);
		break;
	case LOOP_EMPTY:
		/* No bytes, so no segment limit: only the length bound ends it. */
		tq_set_desc(q, 0, HDR_GPA, 0, rw, 1);
		tq_set_desc(q, 1, HDR_GPA, 0, rw, 0);
		break;
	case BAD_NEXT:
		tq_set_desc(q, 0, HDR_GPA, 16, rw, QNUM);
		break;
	case BAD_HEAD:
		q->avail->ring[q->avail_idx % QNUM] = QNUM + 3;
		__atomic_store_n(&q->avail->idx, ++q->avail_idx, __ATOMIC_RELEASE);
		reg_write(q->vm, q->base, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
		return;
	case BAD_AVAIL_IDX:
		/* Every entry a good request: only the index is wrong. */
		fill_segs(q->desc, 0, good_read, 3, QNUM);
		for (i = 0; i < QNUM; i++)
			q->avail->ring[i] = 0;
		q->avail_idx += QNUM + 1;
		__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
		reg_write(q->vm, q->base, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
		return;
	case READ_AFTER_WRITE:
		tq_set_desc(q, 0, STATUS_GPA, 1, VRING_DESC_F_WRITE | rw, 1);
		tq_set_desc(q, 1, HDR_GPA, 16, 0, 0);
		break;
	case INDIRECT_NESTED:
		/* The inner table holds a good request: only the nesting is wrong. */
		fill_segs(gpa(q->vm, TABLE_GPA + 0x100), 0, good_read, 3, 3);
		table[0] = (struct vring_desc){ TABLE_GPA + 0x100, 48, VRING_DESC_F_INDIRECT, 0 };
		tq_set_desc(q, 0, TABLE_GPA, 16, VRING_DESC_F_INDIRECT, 0);
		break;
	/* In these three the table holds a good request: only the use is wrong. */
	case INDIRECT_NOT_NEGOTIATED:	/* set up on a queue without the feature */
	case INDIRECT_BAD_LEN:
		fill_segs(table, 0, good_read, 3, 3);
		tq_set_desc(q, 0, TABLE_GPA, m == INDIRECT_BAD_LEN ? 56 : 48,
			    VRING_DESC_F_INDIRECT, 0);
		break;
	case INDIRECT_WITH_NEXT:
		fill_segs(table, 0, good_read, 3, 3);
		tq_set_desc(q, 0, TABLE_GPA, 48, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
		tq_set_desc(q, 1, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
		break;
	case INDIRECT_TOO_LONG:
		for (i = 0; i < VIRTQ_MAX_SEGS + 1; i++)
			table[i] = (struct vring_desc){ DATA_GPA, 1, VRING_DESC_F_WRITE | rw, i + 1 };
		table[VIRTQ_MAX_SEGS].flags = VRING_DESC_F_WRITE;
		tq_set_desc(q, 0, TABLE_GPA, (VIRTQ_MAX_SEGS + 1) * 16, VRING_DESC_F_INDIRECT, 0);
		break;
	case INDIRECT_LOOP:
		table[0] = (struct vring_desc){ HDR_GPA, 16, rw, 1 };
		table[1] = (struct vring_desc){ DATA_GPA, 16, VRING_DESC_F_WRITE | rw, 0 };
		tq_set_desc(q, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
		break;
	case NO_STATUS:
		tq_set_desc(q, 0, HDR_GPA, 16, 0, 0);
		break;
	case CHAIN_TOO_LONG:
		/* 200 direct + a 100-entry table: each part fits, the sum does not. */
		for (i = 0; i < 200; i++)
			tq_set_desc(q, i, DATA_GPA, 1, VRING_DESC_F_WRITE | rw, i + 1);
		tq_set_desc(q, 199, TABLE_GPA, 100 * 16, VRING_DESC_F_INDIRECT, 0);
		for (i = 0; i < 100; i++)
			table[i] = (struct vring_desc){ DATA_GPA, 1, VRING_DESC_F_WRITE | rw, i + 1 };
		table[99].flags = VRING_DESC_F_WRITE;
		/* The read-only header first, so only the length is wrong. */
		tq_set_desc(q, 0, HDR_GPA, 16, rw, 1);
		break;
	case NR_MALFORMED:
		break;
	}
	tq_publish(q, 0);
}

static void blk_malformed_chains(void)
{
	unsigned int m;

	for (m = 0; m < NR_MALFORMED; m++) {
		struct blk_fixture f;
		uint64_t want = m == INDIRECT_NOT_NEGOTIATED ?
				~BIT64(VIRTIO_RING_F_INDIRECT_DESC) : ALL_FEATURES;

		ktap_print("malformed chain: %s", malformed_names[m]);
		desc_at_ram_end = true;
		blk_setup(&f, false, want);
		build_malformed(&f.q, m);
		expect_needs_reset(f.vm, DEV0, GSI0, &f.q);
		/* The driver resets: line down, status clear, and it works again. */
		reg_write(f.vm, DEV0, VIRTIO_MMIO_STATUS, 0);
		ASSERT_EQ(reg_read(f.vm, DEV0, VIRTIO_MMIO_STATUS), 0);
		ASSERT_EQ(fake_irq_level(f.vm, GSI0), 0);
		drv_init(f.vm, DEV0, ALL_FEATURES, &f.q, 1);
		ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 2, 512, false, NULL), VIRTIO_BLK_S_OK);
		expect_sectors(f.vm, DATA_GPA, 2, 1);
		blk_teardown(&f);
	}
}

/* The longest legal chain: 1 header + 254 data + 1 status, via indirect. */
static void blk_max_segments(void)
{
	struct blk_fixture f;
	struct seg segs[VIRTQ_MAX_SEGS];
	struct vring_used_elem ue;
	unsigned int i, n = 0;

	blk_setup(&f, false, ALL_FEATURES);
	put_hdr(f.vm, VIRTIO_BLK_T_IN, 0);
	segs[n++] = (struct seg){ HDR_GPA, 16, false };
	/* 254 pieces of 64 bytes: 31.75 sectors, so use 248 pieces = 31 sectors. */
	for (i = 0; i < 248; i++)
		segs[n++] = (struct seg){ DATA_GPA + i * 64, 64, true };
	for (i = 0; i < VIRTQ_MAX_SEGS - 250; i++)	/* pad with empty ones */
		segs[n++] = (struct seg){ DATA_GPA + 0x10000, 0, true };
	segs[n++] = (struct seg){ STATUS_GPA, 1, true };
	ASSERT_EQ(n, VIRTQ_MAX_SEGS);
	tq_add_indirect(&f.q, segs, n);
	ASSERT_TRUE(tq_wait_used(&f.q, &ue));
	ASSERT_EQ(*(uint8_t *)gpa(f.vm, STATUS_GPA), VIRTIO_BLK_S_OK);
	ASSERT_EQ(ue.len, 31 * 512 + 1);
	expect_sectors(f.vm, DATA_GPA, 0, 31);
	blk_teardown(&f);
}

/* Many requests in flight at once, completing in ring order. */
static void blk_many_requests(void)
{
	struct blk_fixture f;
	struct vring_used_elem ue;
	unsigned int i, rounds;

	blk_setup(&f, false, ALL_FEATURES);
	for (rounds = 0; rounds < 4; rounds++) {
		/* 60 requests (3 descriptors each) without waiting in between. */
		for (i = 0; i < 60; i++) {
			struct seg segs[3] = {
				{ HDR_GPA + i * 16, 16, false },
				{ DATA_GPA + i * 512, 512, true },
				{ MANY_STATUS_GPA + i, 1, true },
			};
			struct virtio_blk_outhdr hdr = { .type = VIRTIO_BLK_T_IN, .sector = i };

			memcpy(gpa(f.vm, HDR_GPA + i * 16), &hdr, sizeof(hdr));
			tq_add(&f.q, segs, 3);
		}
		for (i = 0; i < 60; i++) {
			ASSERT_TRUE(tq_wait_used(&f.q, &ue), "request %u", i);
			ASSERT_EQ(*(uint8_t *)gpa(f.vm, MANY_STATUS_GPA + i), VIRTIO_BLK_S_OK);
		}
		expect_sectors(f.vm, DATA_GPA, 0, 60);
		memset(gpa(f.vm, DATA_GPA), 0, 60 * 512);
	}
	blk_teardown(&f);
}

static void blk_bad_image(void)
{
	struct vm *vm = fake_vm_create();

	ASSERT_EQ(virtio_blk_create(vm, "/nonexistent/hvx-image", false), -ENOENT);
	ASSERT_TRUE(vm->devices == NULL);
	ASSERT_EQ(vm->traps[0].used, false);
	fake_vm_destroy(vm);
}

/* ---- virtio-rng ---------------------------------------------------------------------- */

static void rng_fills_buffers(void)
{
	struct vm *vm = fake_vm_create();
	struct vring_used_elem ue;
	struct tq q;
	uint8_t *a = gpa(vm, DATA_GPA), *b = gpa(vm, DATA_GPA + 4096);
	unsigned int i, zeros = 0;

	ASSERT_EQ(virtio_rng_create(vm), 0);
	ASSERT_EQ(reg_read(vm, DEV0, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
	drv_init(vm, DEV0, ALL_FEATURES, &q, 1);
	tq_add(&q, (struct seg[]){ { DATA_GPA, 256, true } }, 1);
	ASSERT_TRUE(tq_wait_used(&q, &ue));
	ASSERT_EQ(ue.len, 256);
	/* Two pieces in one chain. */
	tq_add(&q, (struct seg[]){ { DATA_GPA + 4096, 100, true }, { DATA_GPA + 8192, 156, true } }, 2);
	ASSERT_TRUE(tq_wait_used(&q, &ue));
	ASSERT_EQ(ue.len, 256);
	for (i = 0; i < 256; i++)
		zeros += !a[i];
	ASSERT_TRUE(zeros < 16, "%u zero bytes of 256", zeros);
	ASSERT_TRUE(memcmp(a, b, 100), "two requests gave the same bytes");
	fake_vm_destroy(vm);
}

/* ---- virtio-console ------------------------------------------------------------------ */

static void console_tx_rx(void)
{
	struct vm *vm = fake_vm_create();
	int in[2], out[2];
	struct vring_used_elem ue;
	struct tq q[2];
	char buf[64] = "";

	CHECK_OK(pipe(in));
	CHECK_OK(pipe(out));
	ASSERT_EQ(virtio_console_create(vm, in[0], out[1]), 0);
	ASSERT_EQ(reg_read(vm, DEV0, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	drv_init(vm, DEV0, ALL_FEATURES, q, 2);
	/* Guest output, in two descriptors. */
	memcpy(gpa(vm, DATA_GPA), "hello, ", 7);
	memcpy(gpa(vm, DATA_GPA + 100), "host\n", 5);
	tq_add(&q[1], (struct seg[]){ { DATA_GPA, 7, false }, { DATA_GPA + 100, 5, false } }, 2);
	ASSERT_TRUE(tq_wait_used(&q[1], &ue));
	ASSERT_EQ(read(out[0], buf, sizeof(buf)), 12);
	ASSERT_TRUE(!memcmp(buf, "hello, host\n", 12));
	/* Input typed before the guest posted a buffer waits for one. */
	ASSERT_EQ(write(in[1], "ls\n", 3), 3);
	sleep_ms(50);
	ASSERT_EQ(used_idx(&q[0]), 0);
	tq_add(&q[0], (struct seg[]){ { DATA_GPA + 0x1000, 64, true } }, 1);
	ASSERT_TRUE(tq_wait_used(&q[0], &ue));
	ASSERT_EQ(ue.len, 3);
	ASSERT_TRUE(!memcmp(gpa(vm, DATA_GPA + 0x1000), "ls\n", 3));
	fake_vm_destroy(vm);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

/* ---- virtio-net -------------------------------------------------------------------------- */

static void net_tx_rx(void)
{
	struct vm *vm = fake_vm_create();
	const size_t hdr_len = sizeof(struct virtio_net_hdr_v1);
	struct virtio_net_hdr_v1 hdr;
	struct vring_used_elem ue;
	uint8_t frame[60], buf[2048];
	struct tq q[2];
	uint8_t mac[6];
	uint16_t link;
	unsigned int i;
	int sv[2];

	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(virtio_net_create_fd(vm, sv[0], "test-socket"), 0);
	ASSERT_EQ(reg_read(vm, DEV0, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	ASSERT_TRUE(device_features(vm, DEV0) & BIT64(VIRTIO_NET_F_MAC));
	for (i = 0; i < 6; i++)
		fake_mmio(vm, DEV0 + VIRTIO_MMIO_CONFIG + i, &mac[i], 1, false);
	ASSERT_TRUE(mac[0] & 2, "locally administered MAC");
	ASSERT_TRUE(!(mac[0] & 1), "unicast MAC");
	fake_mmio(vm, DEV0 + VIRTIO_MMIO_CONFIG + 6, &link, 2, false);
	ASSERT_EQ(link, VIRTIO_NET_S_LINK_UP);
	/* A frame arriving before the driver is up waits in the socket. */
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 5);
	ASSERT_EQ(send(sv[1], frame, sizeof(frame), 0), sizeof(frame));
	drv_init(vm, DEV0, ALL_FEATURES, q, 2);

	/* TX: header then frame, split across descriptors; the header is stripped. */
	memset(gpa(vm, DATA_GPA), 0, hdr_len);
	memcpy(gpa(vm, DATA_GPA + hdr_len), frame, 20);
	memcpy(gpa(vm, DATA_GPA + 0x800), frame + 20, 40);
	tq_add(&q[1], (struct seg[]){ { DATA_GPA, hdr_len + 20, false },
				      { DATA_GPA + 0x800, 40, false } }, 2);
	ASSERT_TRUE(tq_wait_used(&q[1], &ue));
	ASSERT_EQ(recv(sv[1], buf, sizeof(buf), 0), sizeof(frame));
	ASSERT_TRUE(!memcmp(buf, frame, sizeof(frame)));

	/* RX: the waiting frame lands once a buffer is posted. */
	tq_add(&q[0], (struct seg[]){ { DATA_GPA + 0x1000, 1526, true } }, 1);
	ASSERT_TRUE(tq_wait_used(&q[0], &ue));
	ASSERT_EQ(ue.len, hdr_len + sizeof(frame));
	memcpy(&hdr, gpa(vm, DATA_GPA + 0x1000), hdr_len);
	ASSERT_EQ(hdr.num_buffers, 1);
	ASSERT_EQ(hdr.flags, 0);
	ASSERT_EQ(hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	ASSERT_TRUE(!memcmp(gpa(vm, DATA_GPA + 0x1000 + hdr_len), frame, sizeof(frame)));

	/* RX with buffers already posted: a frame arriving later is delivered. */
	tq_add(&q[0], (struct seg[]){ { DATA_GPA + 0x2000, 1526, true } }, 1);
	sleep_ms(20);
	frame[0] = 0xee;
	ASSERT_EQ(send(sv[1], frame, sizeof(frame), 0), sizeof(frame));
	ASSERT_TRUE(tq_wait_used(&q[0], &ue));
	ASSERT_EQ(ue.len, hdr_len + sizeof(frame));
	ASSERT_EQ(*(uint8_t *)gpa(vm, DATA_GPA + 0x2000 + hdr_len), 0xee);
	fake_vm_destroy(vm);
	close(sv[1]);
}

/* ---- The tap (needs CAP_NET_ADMIN; runs in a private network namespace) -------- */

static bool tap_has_addr(const char *ifname, const char *addr)
{
	struct ifaddrs *ifa, *p;
	bool found = false;
	char s[INET_ADDRSTRLEN];

	if (getifaddrs(&ifa))
		return false;
	for (p = ifa; p; p = p->ifa_next) {
		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET || strcmp(p->ifa_name, ifname))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)p->ifa_addr)->sin_addr, s, sizeof(s));
		if (!strcmp(s, addr) && (p->ifa_flags & IFF_UP))
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

static void tap_create_and_remove(void)
{
	char ifname[TAP_NAME_MAX];
	int fd;

	if (unshare(CLONE_NEWNET))
		SKIP("no private network namespace (%s): needs CAP_SYS_ADMIN", strerror(errno));
	if (access("/dev/net/tun", R_OK | W_OK))
		SKIP("/dev/net/tun: %s", strerror(errno));
	fd = tap_create(NULL, ifname);
	ASSERT_TRUE(fd >= 0, "tap_create: %s", strerror(-fd));
	ASSERT_TRUE(!strncmp(ifname, "hvx-tap", 7), "name %s", ifname);
	ASSERT_TRUE(if_nametoindex(ifname) > 0);
	ASSERT_TRUE(tap_has_addr(ifname, "192.168.100.1"), "%s: no 192.168.100.1, or down", ifname);
	/* Closing the only fd removes the interface: nothing to clean up. */
	close(fd);
	ASSERT_EQ(if_nametoindex(ifname), 0);
}

/* ---- No fd or thread outlives its device ------------------------------------------------ */

static unsigned int count_dir(const char *path)
{
	DIR *d = opendir(path);
	unsigned int n = 0;

	if (!d)
		FAIL("%s: %s", path, strerror(errno));
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * virtio-9p: identity, the mount tag in config space, and one Tversion
 * framed as Linux's zero-copy requests are (the message and the reply
 * each split over two buffers); a chain with no room for a reply is
 * malformed (NEEDS_RESET); bad tags and missing directories are refused.
 */
static void p9_device(void)
{
	static const uint8_t tversion[] = {
		21, 0, 0, 0, 100, 0x34, 0x12,		/* size, Tversion, tag */
		0x00, 0x20, 0, 0,			/* msize 8192 */
		8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L',
	};
	struct vm *vm = fake_vm_create();
	char dir[] = "/tmp/hvx-virtio-9p-XXXXXX";
	struct vring_used_elem ue;
	uint8_t *reply = gpa(vm, DATA_GPA + 4096);
	uint16_t tag_len = 0;
	char tag[8] = { 0 };
	struct tq q;

	ASSERT_TRUE(mkdtemp(dir));
	ASSERT_EQ(virtio_9p_create(vm, dir, "bad tag", false), -EINVAL);
	ASSERT_EQ(virtio_9p_create(vm, "/nonexistent/dir", "x", false), -ENOENT);
	ASSERT_EQ(virtio_9p_create(vm, dir, "hvxtag", true), 0);
	ASSERT_EQ(reg_read(vm, DEV0, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_9P);
	ASSERT_TRUE(device_features(vm, DEV0) & BIT64(VIRTIO_9P_MOUNT_TAG));
	fake_mmio(vm, DEV0 + VIRTIO_MMIO_CONFIG, &tag_len, sizeof(tag_len), false);
	ASSERT_EQ(tag_len, 6);
	fake_mmio(vm, DEV0 + VIRTIO_MMIO_CONFIG + 2, tag, 6, false);
	ASSERT_TRUE(!strcmp(tag, "hvxtag"), "tag '%s'", tag);
	drv_init(vm, DEV0, ALL_FEATURES, &q, 1);

	memcpy(gpa(vm, DATA_GPA), tversion, sizeof(tversion));
	memset(reply, 0xee, 64);
	tq_add(&q, (struct seg[]){ { DATA_GPA, 3, false }, { DATA_GPA + 3, 18, false },
				  { DATA_GPA + 4096, 11, true }, { DATA_GPA + 4096 + 11, 4085, true } }, 4);
	ASSERT_TRUE(tq_wait_used(&q, &ue));
	/* Rversion: size 21, type 101, the tag, msize 8192, "9P2000.L". */
	ASSERT_EQ(ue.len, 21);
	ASSERT_EQ(reply[0], 21);
	ASSERT_EQ(reply[4], 101);
	ASSERT_EQ(reply[5] | reply[6] << 8, 0x1234);
	ASSERT_EQ(reply[7] | reply[8] << 8, 8192);
	ASSERT_TRUE(!memcmp(reply + 11, "\x08\x00" "9P2000.L", 10));
	ASSERT_EQ(reply[21], 0xee);

	/* Five bytes cannot hold even an Rlerror: the driver broke the protocol. */
	tq_add(&q, (struct seg[]){ { DATA_GPA, sizeof(tversion), false },
				  { DATA_GPA + 4096, 5, true } }, 2);
	expect_needs_reset(vm, DEV0, GSI0, &q);
	fake_vm_destroy(vm);
	CHECK_OK(rmdir(dir));
}

static void devices_release_everything(void)
{
	unsigned int fds, threads, round;
	char path[64];
	int sv[2], img_fd;

	img_fd = make_image(path);
	unlink(path);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", img_fd);
	for (round = 0; round < 2; round++) {
		struct vm *vm = fake_vm_create();
		struct tq q;

		CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
		fds = count_dir("/proc/self/fd");
		threads = count_dir("/proc/self/task");
		ASSERT_EQ(virtio_blk_create(vm, path, false), 0);
		ASSERT_EQ(virtio_rng_create(vm), 0);
		ASSERT_EQ(virtio_console_create(vm, -1, sv[1]), 0);
		ASSERT_EQ(virtio_net_create_fd(vm, sv[0], "test-socket"), 0);
		ASSERT_EQ(virtio_9p_create(vm, "/tmp", "tmp", true), 0);
		ASSERT_EQ(count_dir("/proc/self/task"), threads + 5);
		/* Exercise one, so exit happens after real work. */
		drv_init(vm, DEV0, ALL_FEATURES, &q, 1);
		{
			struct blk_fixture f = { .vm = vm, .q = q };

			ASSERT_EQ(blk_request(&f, VIRTIO_BLK_T_IN, 0, 512, false, NULL),
				  VIRTIO_BLK_S_OK);
		}
		fake_vm_destroy(vm);
		/* The net device owned sv[0]; the console did not own sv[1]. */
		close(sv[1]);
		ASSERT_EQ(count_dir("/proc/self/task"), threads);
		ASSERT_EQ(count_dir("/proc/self/fd"), fds - 2);
	}
	close(img_fd);
}

static const struct ktest tests[] = {
	KTEST(mmio_identity),
	KTEST(mmio_feature_negotiation),
	KTEST(mmio_bad_queue_config),
	KTEST(mmio_interrupt_ack),
	KTEST(ring_no_interrupt_flag),
	KTEST(ring_event_idx),
	KTEST(blk_read),
	KTEST(blk_read_any_layout),
	KTEST(blk_write_flush),
	KTEST(blk_read_only),
	KTEST(blk_get_id_and_unsupported),
	KTEST(blk_out_of_range),
	KTEST(blk_malformed_chains),
	KTEST(blk_max_segments),
	KTEST(blk_many_requests),
	KTEST(blk_bad_image),
	KTEST(rng_fills_buffers),
	KTEST(console_tx_rx),
	KTEST(net_tx_rx),
	KTEST(tap_create_and_remove),
	KTEST(p9_device),
	KTEST(devices_release_everything),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
