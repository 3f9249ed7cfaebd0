// SPDX-License-Identifier: GPL-2.0-only
/*
 * MC146818 CMOS real-time clock: the time is the host's (UTC), read at each
 * access, in BCD or binary and 12/24-hour as register B asks; the other
 * bytes are plain CMOS RAM. No alarm or periodic interrupts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../vm.h"
#include "layout.h"
#include "platform.h"

enum rtc_reg {
	RTC_SECONDS = 0x00, RTC_MINUTES = 0x02, RTC_HOURS = 0x04, RTC_DAY_OF_WEEK = 0x06,
	RTC_DAY_OF_MONTH = 0x07, RTC_MONTH = 0x08, RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d,
	RTC_CENTURY = 0x32, RTC_NR_REGS = 0x80,
};
#define RTC_INDEX_MASK	0x7f	/* bit 7 of the index port masks NMIs */
#define RTC_A_DEFAULT	0x26	/* 32.768 kHz time base, 1024 Hz rate, no update in progress */
#define RTC_B_24H	0x02
#define RTC_B_BINARY	0x04
#define RTC_D_VALID	0x80	/* battery good */
#define RTC_HOURS_PM	0x80

struct rtc {
	struct vmm_device dev;
	pthread_mutex_t lock;		/* guards index and ram */
	uint8_t index;
	uint8_t ram[RTC_NR_REGS];
};

static uint8_t rtc_encode(const struct rtc *rtc, unsigned int v)
{
	return rtc->ram[RTC_REG_B] & RTC_B_BINARY ? v : ((v / 10) << 4) | (v % 10);
}

static uint8_t rtc_time_reg(const struct rtc *rtc, uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;
	unsigned int h;

	gmtime_r(&now, &tm);
	switch (reg) {
	case RTC_SECONDS: return rtc_encode(rtc, tm.tm_sec);
	case RTC_MINUTES: return rtc_encode(rtc, tm.tm_min);
	case RTC_HOURS:
		if (rtc->ram[RTC_REG_B] & RTC_B_24H)
			return rtc_encode(rtc, tm.tm_hour);
		h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		return rtc_encode(rtc, h) | (tm.tm_hour >= 12 ? RTC_HOURS_PM : 0);
	case RTC_DAY_OF_WEEK: return rtc_encode(rtc, tm.tm_wday + 1);
	case RTC_DAY_OF_MONTH: return rtc_encode(rtc, tm.tm_mday);
	case RTC_MONTH: return rtc_encode(rtc, tm.tm_mon + 1);
	case RTC_YEAR: return rtc_encode(rtc, tm.tm_year % 100);
	case RTC_CENTURY: return rtc_encode(rtc, (tm.tm_year + 1900) / 100);
	default: return rtc->ram[reg];
	}
}

static void rtc_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct rtc *rtc = opaque;

	if (len != 1) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&rtc->lock);
	if (addr == PORT_RTC_INDEX) {
		if (is_write)
			rtc->index = data[0] & RTC_INDEX_MASK;
		else
			data[0] = 0xff;		/* write-only on a PC */
	} else if (is_write) {
		/* The clock follows the host; C and D are read-only. */
		if (rtc->index >= RTC_REG_A && rtc->index != RTC_REG_C && rtc->index != RTC_REG_D &&
		    rtc->index != RTC_CENTURY)
			rtc->ram[rtc->index] = data[0];
	} else {
		data[0] = rtc_time_reg(rtc, rtc->index);
		if (rtc->index == RTC_REG_C)
			rtc->ram[RTC_REG_C] = 0;	/* reading C acknowledges */
	}
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_exit(struct vmm_device *dev)
{
	free(dev);
}

int rtc__create(struct vm *vm)
{
	struct rtc *rtc = calloc(1, sizeof(*rtc));
	int ret;

	if (!rtc)
		return -ENOMEM;
	rtc->dev = (struct vmm_device){ .name = "rtc", .exit = rtc_exit };
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->ram[RTC_REG_A] = RTC_A_DEFAULT;
	rtc->ram[RTC_REG_B] = RTC_B_24H;
	rtc->ram[RTC_REG_D] = RTC_D_VALID;
	ret = trap_register(vm, TRAP_PIO, PORT_RTC_INDEX, 2, rtc_trap, rtc);
	if (ret) {
		vmm_error("rtc: %s", strerror(-ret));
		free(rtc);
		return ret;
	}
	vm_add_device(vm, &rtc->dev);
	return 0;
}
