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
	/*
	 * Four kinds of call in turn, so that the failing ones (3, 6, 9 and
	 * 12) are each kind: a cached size, vmem_xalloc(), an uncached size
	 * with VMEM_SLEEP, another cached size.
	 */
	for (i = 1; i <= 15; i++) {
		static const unsigned long sizes[] = { 16, 0x100, 0x40, 48 };
		unsigned long size = sizes[i % 4];

		before = vmem_test_snap(test, vm);
		if (i % 4 == 2)
			ret = vmem_xalloc(vm, size, 0x40, 0, 0, 0, ULONG_MAX,
					  VMEM_NOSLEEP, &a);
		else
			ret = vmem_alloc(vm, size, i % 4 == 1 ? VMEM_SLEEP :
					 VMEM_NOSLEEP, &a);
		if (i % 3 == 0 && i <= 12) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "call %u", i);
			vmem_test_expect_unchanged(test, vm, before);
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "call %u", i);
		addr[n++] = a;
		if (i % 4 == 2)
			vmem_xfree(vm, a, size);
		else
			vmem_free(vm, a, size);
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

/*
 * A source's injected failure is its importer's -ENOMEM; an importer's own
 * attempts (a larger import first, with an import quantum) are not
 * injected into, so the next call that is fails.
 */
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

static void fail_through_import_quantum(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, BASE, SIZE, 16);
	struct vmem_args args = {
		.quantum = 16, .source = root, .import_quantum = 0x1000,
	};
	struct vmem *child = vmem_xcreate("kunit-child", &args, VMEM_SLEEP);
	unsigned long a;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, child);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vmem_test_destroy_action,
						  child));
	set_fail(root, 100, 1, 1, 0);
	/* The larger import, the importer's own attempt: not injected. */
	a = vmem_test_alloc(test, child, 0x100, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, root->stats.fail_injected, 0ULL);
	KUNIT_EXPECT_EQ(test, child->mem_import, 0x1000UL);
	vmem_free(child, a, 0x100);
	/* A client's own call to the source is. */
	KUNIT_EXPECT_EQ(test, vmem_alloc(root, 0x100, VMEM_NOSLEEP, &a),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, root->stats.fail_injected, 1ULL);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, SIZE);
}

static struct kunit_case vmem_fail_cases[] = {
	KUNIT_CASE(fail_interval_times),
	KUNIT_CASE(fail_space),
	KUNIT_CASE(fail_probability),
	KUNIT_CASE(fail_through_import),
	KUNIT_CASE(fail_through_import_quantum),
	{}
};

static struct kunit_suite vmem_fail_suite = {
	.name = "vmem_fail",
	.init = vmem_test_init,
	.test_cases = vmem_fail_cases,
};

kunit_test_suite(vmem_fail_suite);
