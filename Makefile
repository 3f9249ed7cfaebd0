# SPDX-License-Identifier: GPL-2.0-only
#
# hvx top-level build.
#   make              hvx.ko for one kernel (KDIR), the hvx program, the selftests
#   make check        install what is missing, then every test: unit tests, the
#                     emulator's tests, and the selftests inside the emulated
#                     testbeds (SVM in QEMU, VMX in Bochs, Debian 6.1 and 6.12;
#                     shadow paging on 6.12: SVM without NPT, VMX with
#                     paging=shadow), the nested Linux boot on each, and a
#                     kselftest target under `hvx run --rootfs / --exec`
#   make demo         boot the SVM testbed, load hvx.ko, run `hvx info`, then
#                     boot Linux with `hvx run` and show its console
#                     (DEMO=vmx-6.12 etc. for another testbed)
#   make deps         install the Debian packages the above need
#   make bench        benchmarks: the emulator's, then in BENCH_TESTBEDS
#                     (default svm-6.12 vmx-6.12) guest_bench (cycles per exit,
#                     interrupts, nested vs shadow paging), the Linux boot
#                     time under `hvx run` and virtio throughput
#   make check-kvmref-6.12   the guest-ABI selftests against KVM itself
#                     (Debian's kvm-amd in the QEMU testbed; not in `make check`)
#   make check-shadow the selftests on shadow paging: QEMU with NPT hidden,
#                     6.1 and 6.12 (not in `make check`)
# The module itself is built by Kbuild (the file of that name).

KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; \
	  if [ -d $$d ]; then echo $$d; \
	  else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1; fi)
KERNEL_TAGS := 6.1 6.12
TESTBEDS := svm-6.1 svm-6.12 nohv-6.1 vmx-6.1 vmx-6.12
DEMO ?= svm-6.1
# Warnings are errors in CI and in `make check`.
WERROR ?= $(if $(CI),1)

all: module vmm selftests

module:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "hvx: no kernel build tree found (KDIR='$(KDIR)')."; \
		echo "hvx: install one: apt-get install linux-headers-\$$(uname -r)   (or linux-headers-amd64), or pass KDIR=..."; \
		exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(WERROR),HVX_WERROR=y) modules

vmm:
	$(MAKE) -C vmm-user WERROR=$(WERROR)

selftests:
	$(MAKE) -C selftests WERROR=$(WERROR)

unit:
	$(MAKE) -C selftests/unit run

# --- testbeds -----------------------------------------------------------
# hvx.ko for each testbed kernel, built from a copy of the sources: kbuild
# writes objects beside them, and two kernels' objects must not mix.
build/ko/%/hvx.ko: FORCE
	testbed/fetch-kernels.sh $*
	@mkdir -p build/ko/$*
	@# One build per kernel at a time: two would share src/.
	flock build/ko/$*/.lock sh -c '\
		rm -rf build/ko/$*/src && mkdir -p build/ko/$*/src && \
		cp -r Kbuild kmod arch-x86 uapi build/ko/$*/src/ && \
		$(MAKE) -C build/kernels/$*/build M=$(CURDIR)/build/ko/$*/src HVX_WERROR=y modules && \
		cp build/ko/$*/src/hvx.ko $@'

build/static/hvx: FORCE
	$(MAKE) -C vmm-user O=$(CURDIR)/build/static STATIC=1 WERROR=1

testbed-build: $(foreach t,$(KERNEL_TAGS),build/ko/$(t)/hvx.ko) build/static/hvx kselftests
	$(MAKE) -C selftests WERROR=1

# Linux's KVM selftests from linux-source-<tag>, static (the kvmst stages).
kvm-selftests:
	@for t in $(KERNEL_TAGS); do testbed/kvm-selftests.sh $$t >/dev/null || exit 1; done

# Kselftest targets of linux-source-6.1, static (testbed/kselftest.sh): the
# kselftest-svm-6.1 stage runs them under `hvx run --rootfs / --exec`.
kselftests:
	testbed/kselftest.sh 6.1 >/dev/null

check: deps testbed-build kvm-selftests
	testbed/check.sh

# The kvmst stages' oracle: KVM's own results in the same testbed, written
# to testbed/kvm-selftests/kvm-<tag>.expected (commit them).
kvmst-reference: deps kvm-selftests
	@for t in $(KERNEL_TAGS); do testbed/fetch-kernels.sh $$t >/dev/null; done
	$(MAKE) -C selftests WERROR=1
	testbed/kvmst-reference.sh $(KERNEL_TAGS)

# The fuzzer, long (Documentation/testbed.md, fuzz-*): both backends, both
# paging modes. HVX_FUZZ_ROUNDS (default 500 rounds of 2000 calls) and
# HVX_FUZZ_SEED choose the slice; every run prints its totals.
FUZZ_STAGES ?= fuzz-svm-6.1 fuzz-svm-6.12 fuzz-shadow-6.12 fuzz-vmx-6.12 fuzz-vmxshadow-6.12
fuzz: deps testbed-build
	HVX_TESTBED_APPEND="HVX_FUZZ_SEED=$${HVX_FUZZ_SEED:-1} HVX_FUZZ_ROUNDS=$${HVX_FUZZ_ROUNDS:-500}$${HVX_TESTBED_APPEND:+ $$HVX_TESTBED_APPEND}" \
		testbed/check.sh $(FUZZ_STAGES)

# Shadow paging: the selftests in QEMU with NPT hidden, both kernels.
check-shadow: deps testbed-build
	testbed/check.sh shadow-6.1 shadow-6.12

# One testbed: make check-svm-6.1, check-vmx-6.12, ...
check-%: deps testbed-build kvm-selftests
	testbed/check.sh $*

# The reference run: the guest-ABI selftests on KVM (testbed/run-suite.sh
# kvmref-*). Needs no hvx.ko. Outside `make check`: it tests KVM, not hvx.
check-kvmref-%: deps
	testbed/fetch-kernels.sh $*
	$(MAKE) -C selftests WERROR=1
	testbed/run-suite.sh kvmref-$*
	sed 's/^/  /' build/testbed/kvmref-$*/results
	testbed/summary.sh build/testbed/kvmref-$*/results

demo: deps testbed-build
	testbed/run-suite.sh demo-$(DEMO)

# guest_bench runs in each of these (testbed/run-suite.sh bench-<testbed>).
BENCH_TESTBEDS ?= svm-6.12 vmx-6.12
BENCH_NEEDS_HVX := $(filter-out kvmref-%,$(BENCH_TESTBEDS))

bench: deps $(if $(BENCH_NEEDS_HVX),testbed-build)
	@if [ -f arch-x86/emulate/tests/Makefile ]; then \
		$(MAKE) -s -C arch-x86/emulate/tests bench; \
	else echo "no emulator benchmarks"; fi
	@for t in $(BENCH_TESTBEDS); do testbed/fetch-kernels.sh $${t#*-} >/dev/null; done
	@$(MAKE) -s -C selftests WERROR=1
	@rc=0; for t in $(BENCH_TESTBEDS); do \
		testbed/run-suite.sh bench-$$t || { echo "bench $$t: failed (build/testbed/$$t-bench/serial.log)"; rc=1; }; \
	done; exit $$rc

# --- packages -----------------------------------------------------------
DEPS := build-essential python3 libc6-dev linux-libc-dev \
	$(shell cat testbed/packages.txt arch-x86/emulate/packages.txt 2>/dev/null | sed 's/\#.*//')

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "hvx: installing:" $$missing; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C vmm-user clean
	rm -rf build

.PHONY: all module vmm selftests unit testbed-build kvm-selftests kselftests kvmst-reference check check-shadow fuzz demo bench deps clean FORCE
