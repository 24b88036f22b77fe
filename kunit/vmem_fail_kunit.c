// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection (debugfs <arena>/fail/, struct vmem_fail): exactly the
 * configured calls of vmem_alloc() and vmem_xalloc() fail, with -ENOMEM,
 * counted as fail_injected, and with nothing in the arena changed; the
 * interval, times, space and probability settings as the kernel's
 * fault_attr has them; cached sizes and imports from a source too.
 */
#include <kunit/test.h>
#include "vmem_test.h"

#define BASE	0x10000UL
#define SIZE	0x10000UL

static void set_fail(struct vmem *vm, unsigned long probability,
		     unsigned long interval, long times, long space)
{
	unsigned long flags;

	spin_lock_irqsave(&vm->lock, flags);
	vm->fail.probability = probability;
	vm->fail.interval = interval;
	vm->fail.times = times;
	vm->fail.space = space;
	vm->fail.verbose = 0;
	vm->fail.count = 0;
	spin_unlock_irqrestore(&vm->lock, flags);
}

/* Every third call fails, four times; then none; nothing else changes. */
static void fail_interval_times(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-fail", BASE, SIZE,
					      16, NULL, NULL, NULL, 64,
					      VMEM_SLEEP);
	unsigned long addr[16], a;
	struct vmem_test_snap *before;
	unsigned int i, n = 0;
	u64 fails;
	int ret;

	KUNIT_EXPECT_EQ(test, vm->fail.probability, 0UL);	/* off */
	set_fail(vm, 100, 3, 4, 0);
	fails = vm->stats.fail;
	for (i = 1; i <= 15; i++) {
		before = vmem_test_snap(test, vm);
		/* Cached sizes, uncached ones and vmem_xalloc() alike. */
		if (i % 3 == 1)
			ret = vmem_alloc(vm, 16, VMEM_NOSLEEP, &a);
		else if (i % 3 == 2)
			ret = vmem_alloc(vm, 0x100, VMEM_SLEEP, &a);
		else
			ret = vmem_xalloc(vm, 0x40, 0x40, 0, 0, 0, ULONG_MAX,
					  VMEM_NOSLEEP, &a);
		if (i % 3 == 0 && i <= 12) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "call %u", i);
			vmem_test_expect_unchanged(test, vm, before);
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "call %u", i);
		addr[n++] = a;
		if (i % 3 == 0)
			vmem_xfree(vm, a, 0x40);
		else
			vmem_free(vm, a, i % 3 == 1 ? 16 : 0x100);
	}
	KUNIT_EXPECT_EQ(test, vm->stats.fail_injected, 4ULL);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, fails);
	KUNIT_EXPECT_EQ(test, vm->fail.times, 0L);
	KUNIT_EXPECT_EQ(test, n, 11U);
	vmem_test_expect_all_back(test, vm);
}

/* The space budget: calls smaller than what is left pass and spend it. */
static void fail_space(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, BASE, SIZE, 16);
	unsigned long a;
	unsigned int i;

	set_fail(vm, 100, 1, -1, 0x100);
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 0x40, VMEM_NOSLEEP, &a),
				0);
		vmem_free(vm, a, 0x40);
	}
	KUNIT_EXPECT_EQ(test, vm->fail.space, 0x40L);
	for (i = 0; i < 5; i++)		/* 0x40 is not less than 0x40 */
		KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x40, VMEM_NOSLEEP, &a),
				-ENOMEM);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x10, VMEM_NOSLEEP, &a), 0);
	vmem_free(vm, a, 0x10);
	KUNIT_EXPECT_EQ(test, vm->stats.fail_injected, 5ULL);
	/* Off again. */
	set_fail(vm, 0, 1, -1, 0);
	a = vmem_test_alloc(test, vm, 0x40, VMEM_NOSLEEP);
	vmem_free(vm, a, 0x40);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, SIZE);
}

/* Probability 50: about half, never all or none of 1000. */
static void fail_probability(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, BASE, SIZE, 16);
	unsigned int i, failed = 0;
	unsigned long a;
	int ret;

	set_fail(vm, 50, 1, -1, 0);
	for (i = 0; i < 1000; i++) {
		ret = vmem_alloc(vm, 0x10, VMEM_NOSLEEP, &a);
		if (ret) {
			KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
			failed++;
			continue;
		}
		vmem_free(vm, a, 0x10);
	}
	KUNIT_EXPECT_EQ(test, vm->stats.fail_injected, (u64)failed);
	KUNIT_EXPECT_GT(test, failed, 350U);
	KUNIT_EXPECT_LT(test, failed, 650U);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, (u64)(1000 - failed));
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, SIZE);
}

/* A source's injected failure is its importer's -ENOMEM. */
static void fail_through_import(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, BASE, SIZE, 16);
	struct vmem *child = vmem_test_create_child(test, "kunit-child", root,
						    16);
	struct vmem_test_snap *before = vmem_test_snap(test, child);
	unsigned long a;

	set_fail(root, 100, 1, 1, 0);
	KUNIT_EXPECT_EQ(test, vmem_alloc(child, 0x100, VMEM_SLEEP, &a),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, root->stats.fail_injected, 1ULL);
	KUNIT_EXPECT_EQ(test, child->stats.fail_injected, 0ULL);
	vmem_test_expect_unchanged(test, child, before);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, SIZE);
	a = vmem_test_alloc(test, child, 0x100, VMEM_SLEEP);
	vmem_free(child, a, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, child, 0, 0);
}

static struct kunit_case vmem_fail_cases[] = {
	KUNIT_CASE(fail_interval_times),
	KUNIT_CASE(fail_space),
	KUNIT_CASE(fail_probability),
	KUNIT_CASE(fail_through_import),
	{}
};

static struct kunit_suite vmem_fail_suite = {
	.name = "vmem_fail",
	.init = vmem_test_init,
	.test_cases = vmem_fail_cases,
};

kunit_test_suite(vmem_fail_suite);
