// SPDX-License-Identifier: GPL-2.0
/*
 * VMEM_SLEEP: a kthread blocked in an allocation is woken by a free or by
 * vmem_add(), sleeps again when what was freed does not satisfy it, returns
 * -EINTR with the arena unchanged when killed, and is counted in
 * stats.wait; a request that can never fit fails at once.  Every wait has
 * a timeout, and no thread is left blocked when a test ends.
 */
#include <kunit/test.h>
#include "vmem_test.h"

#define Q	0x100UL
#define BASE	0x10000UL

/* An arena of @n quanta, each allocated on its own. */
static struct vmem *full_arena(struct kunit *test, unsigned int n)
{
	struct vmem *vm = vmem_test_create(test, BASE, n * Q, Q);
	unsigned int i;

	for (i = 0; i < n; i++)
		vmem_test_take(test, vm, BASE + i * Q, Q);
	return vm;
}

/* Free the quanta of full_arena() but @skip: then nothing is left. */
static void free_all_but(struct kunit *test, struct vmem *vm, unsigned int n,
			 unsigned long skip)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (BASE + i * Q != skip)
			vmem_free(vm, BASE + i * Q, Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 0UL);
}

static void sleep_woken_by_free(struct kunit *test)
{
	struct vmem *vm = full_arena(test, 4);
	struct vmem_test_sleeper *s;
	u64 wait = vm->stats.wait, alloc = vm->stats.alloc;

	s = vmem_test_sleeper_start(test, vm, Q, VMEM_SLEEP, false, 0, 0);
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_wait_sleeping(vm, wait),
			      "VMEM_SLEEP on a full arena did not sleep");
	KUNIT_EXPECT_FALSE(test, vmem_test_sleeper_finished(s));
	KUNIT_EXPECT_EQ(test, vm->nwaiters, 1U);
	vmem_free(vm, BASE + 2 * Q, Q);
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "vmem_free did not wake the sleeper");
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	KUNIT_EXPECT_EQ(test, s->addr, BASE + 2 * Q);
	KUNIT_EXPECT_EQ(test, vm->stats.wait, wait + 1);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, alloc + 1);
	KUNIT_EXPECT_EQ(test, vm->nwaiters, 0U);
	VMEM_TEST_EXPECT_SIZES(test, vm, 4 * Q, 0);
	VMEM_TEST_CHECK(test, vm);
	free_all_but(test, vm, 4, ~0UL);
	VMEM_TEST_CHECK(test, vm);
}

/* Two sleepers, one vmem_add() with room for both. */
static void sleep_add_wakes_all(struct kunit *test)
{
	struct vmem *vm = full_arena(test, 2);
	struct vmem_test_sleeper *s1, *s2;
	u64 wait = vm->stats.wait;

	s1 = vmem_test_sleeper_start(test, vm, Q, VMEM_SLEEP, false, 0, 0);
	s1->rescue_base = 0x200000;
	s1->rescue_size = Q;
	KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(vm, wait));
	s2 = vmem_test_sleeper_start(test, vm, 2 * Q, VMEM_SLEEP, false, 0,
				     0);
	s2->rescue_base = 0x300000;
	s2->rescue_size = 2 * Q;
	KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(vm, wait + 1));
	KUNIT_EXPECT_EQ(test, vm->nwaiters, 2U);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x100000, 3 * Q, VMEM_SLEEP), 0);
	KUNIT_ASSERT_TRUE(test, vmem_test_sleeper_wait(s1));
	KUNIT_ASSERT_TRUE(test, vmem_test_sleeper_wait(s2));
	KUNIT_EXPECT_EQ(test, s1->ret, 0);
	KUNIT_EXPECT_EQ(test, s2->ret, 0);
	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, s1->addr, Q));
	KUNIT_EXPECT_TRUE(test, s1->addr >= 0x100000);
	KUNIT_EXPECT_TRUE(test, s2->addr >= 0x100000);
	KUNIT_EXPECT_TRUE(test, s1->addr + Q <= s2->addr ||
			  s2->addr + 2 * Q <= s1->addr);
	VMEM_TEST_EXPECT_SIZES(test, vm, 5 * Q, 0);
	KUNIT_EXPECT_EQ(test, vm->nwaiters, 0U);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, s1->addr, Q);
	vmem_free(vm, s2->addr, 2 * Q);
	free_all_but(test, vm, 2, ~0UL);
}

/* SIGKILL ends the wait with -EINTR and leaves the arena as it was. */
static void sleep_killed(struct kunit *test)
{
	struct vmem *vm = full_arena(test, 4);
	struct vmem_test_snap *before;
	struct vmem_test_sleeper *s;
	u64 wait = vm->stats.wait;

	before = vmem_test_snap(test, vm);
	s = vmem_test_sleeper_start(test, vm, Q, VMEM_SLEEP, false, 0, 0);
	KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(vm, wait));
	send_sig(SIGKILL, s->task, 1);
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "a fatal signal did not end the wait");
	KUNIT_EXPECT_EQ(test, s->ret, -EINTR);
	KUNIT_EXPECT_EQ(test, vm->nwaiters, 0U);
	KUNIT_EXPECT_EQ(test, vm->stats.wait, wait + 1);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, before->stats.alloc);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, before->stats.fail + 1);
	vmem_test_expect_unchanged(test, vm, before);
	/* The arena still works, and nobody takes what is freed. */
	vmem_free(vm, BASE, Q);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_FREE), Q);
	KUNIT_EXPECT_EQ(test, vmem_test_alloc(test, vm, Q, VMEM_SLEEP), BASE);
	free_all_but(test, vm, 4, ~0UL);
	VMEM_TEST_CHECK(test, vm);
}

/* Freed space that does not satisfy the sleeper: it sleeps again. */
static void sleep_waits_for_what_fits(struct kunit *test)
{
	struct vmem *vm = full_arena(test, 8);
	struct vmem_test_sleeper *s;
	u64 wait = vm->stats.wait;

	/* A window of one quantum: only BASE + 5Q will do. */
	s = vmem_test_sleeper_start(test, vm, Q, VMEM_SLEEP, true,
				    BASE + 5 * Q, BASE + 6 * Q - 1);
	KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(vm, wait));
	vmem_free(vm, BASE + Q, Q);
	vmem_free(vm, BASE + 7 * Q, Q);
	KUNIT_EXPECT_TRUE_MSG(test, vmem_test_wait_sleeping(vm, wait + 1),
			      "the sleeper did not go back to sleep");
	KUNIT_EXPECT_FALSE_MSG(test, vmem_test_sleeper_finished(s),
			       "the sleeper returned %d, %#lx", s->ret,
			       s->addr);
	vmem_free(vm, BASE + 5 * Q, Q);
	KUNIT_ASSERT_TRUE(test, vmem_test_sleeper_wait(s));
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	KUNIT_EXPECT_EQ(test, s->addr, BASE + 5 * Q);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_FREE), 2 * Q);
	VMEM_TEST_CHECK(test, vm);
	vmem_test_take(test, vm, BASE + Q, Q);
	vmem_test_take(test, vm, BASE + 7 * Q, Q);
	free_all_but(test, vm, 8, ~0UL);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 8 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/* Two quanta wanted: one free quantum is not enough, two adjacent are. */
static void sleep_needs_contiguous_space(struct kunit *test)
{
	struct vmem *vm = full_arena(test, 8);
	struct vmem_test_sleeper *s;
	u64 wait = vm->stats.wait;

	s = vmem_test_sleeper_start(test, vm, 2 * Q, VMEM_SLEEP, false, 0,
				    0);
	KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(vm, wait));
	vmem_free(vm, BASE + 3 * Q, Q);
	vmem_free(vm, BASE + 6 * Q, Q);
	KUNIT_EXPECT_TRUE(test, vmem_test_wait_sleeping(vm, wait + 1));
	KUNIT_EXPECT_FALSE(test, vmem_test_sleeper_finished(s));
	vmem_free(vm, BASE + 4 * Q, Q);
	KUNIT_ASSERT_TRUE(test, vmem_test_sleeper_wait(s));
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	KUNIT_EXPECT_TRUE(test, s->addr == BASE + 3 * Q ||
			  s->addr == BASE + 4 * Q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 7 * Q, Q);
	vmem_free(vm, s->addr, 2 * Q);
	vmem_test_take(test, vm, BASE + 3 * Q, Q);
	vmem_test_take(test, vm, BASE + 4 * Q, Q);
	vmem_test_take(test, vm, BASE + 6 * Q, Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	free_all_but(test, vm, 8, ~0UL);
	VMEM_TEST_CHECK(test, vm);
}

/* A request larger than every span, no source: -ENOMEM, no wait. */
static void sleep_never_fits_fails_at_once(struct kunit *test)
{
	struct vmem *vm = full_arena(test, 4);
	struct vmem_test_sleeper *s;
	u64 wait = vm->stats.wait, fail = vm->stats.fail;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x100000, 2 * Q, VMEM_SLEEP), 0);
	s = vmem_test_sleeper_start(test, vm, 5 * Q, VMEM_SLEEP, false, 0, 0);
	s->rescue_base = 0x800000;
	s->rescue_size = 8 * Q;
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "a request that can never fit is waiting");
	KUNIT_EXPECT_EQ(test, s->ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, vm->stats.wait, wait);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, fail + 1);
	free_all_but(test, vm, 4, ~0UL);
	VMEM_TEST_CHECK(test, vm);
}

/* The same in an arena without any span. */
static void sleep_without_spans_fails_at_once(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);
	struct vmem_test_sleeper *s;

	s = vmem_test_sleeper_start(test, vm, Q, VMEM_SLEEP, false, 0, 0);
	s->rescue_base = 0x800000;
	s->rescue_size = Q;
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "VMEM_SLEEP in an empty arena is waiting");
	KUNIT_EXPECT_EQ(test, s->ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, vm->stats.wait, 0ULL);
}

/* An importing arena sleeps in its full source, without its own lock. */
static void sleep_through_import(struct kunit *test)
{
	struct vmem *root = full_arena(test, 4);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root, Q);
	struct vmem_test_sleeper *s;
	u64 wait = root->stats.wait;

	s = vmem_test_sleeper_start(test, leaf, Q, VMEM_SLEEP, false, 0, 0);
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_wait_sleeping(root, wait),
			      "the import did not sleep in the source");
	/* The leaf is not locked meanwhile. */
	KUNIT_EXPECT_FALSE(test, vmem_test_lock_held(leaf));
	KUNIT_EXPECT_EQ(test, vmem_size(leaf, VMEM_ALLOC | VMEM_FREE), 0UL);
	vmem_free(root, BASE + Q, Q);
	KUNIT_ASSERT_TRUE(test, vmem_test_sleeper_wait(s));
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	KUNIT_EXPECT_EQ(test, s->addr, BASE + Q);
	VMEM_TEST_EXPECT_SIZES(test, leaf, Q, 0);
	VMEM_TEST_CHECK(test, leaf);
	vmem_free(leaf, s->addr, Q);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 3 * Q, Q);
	free_all_but(test, root, 4, BASE + Q);
	VMEM_TEST_CHECK(test, root);
}

/* Killed while its import sleeps in the source: -EINTR, nothing changes. */
static void sleep_killed_in_import(struct kunit *test)
{
	struct vmem *root = full_arena(test, 4);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root, Q);
	struct vmem_test_snap *rb, *lb;
	struct vmem_test_sleeper *s;
	u64 wait = root->stats.wait;

	rb = vmem_test_snap(test, root);
	lb = vmem_test_snap(test, leaf);
	s = vmem_test_sleeper_start(test, leaf, Q, VMEM_SLEEP, false, 0, 0);
	KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(root, wait));
	send_sig(SIGKILL, s->task, 1);
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "a fatal signal did not end the wait in the source");
	KUNIT_EXPECT_EQ(test, s->ret, -EINTR);
	KUNIT_EXPECT_EQ(test, root->nwaiters, 0U);
	vmem_test_expect_unchanged(test, leaf, lb);
	vmem_test_expect_unchanged(test, root, rb);
	KUNIT_EXPECT_EQ(test, leaf->stats.alloc, lb->stats.alloc);
	free_all_but(test, root, 4, ~0UL);
	VMEM_TEST_CHECK(test, root);
}

static struct kunit_case vmem_sleep_cases[] = {
	KUNIT_CASE(sleep_woken_by_free),
	KUNIT_CASE(sleep_add_wakes_all),
	KUNIT_CASE(sleep_killed),
	KUNIT_CASE(sleep_waits_for_what_fits),
	KUNIT_CASE(sleep_needs_contiguous_space),
	KUNIT_CASE(sleep_never_fits_fails_at_once),
	KUNIT_CASE(sleep_without_spans_fails_at_once),
	KUNIT_CASE(sleep_through_import),
	KUNIT_CASE(sleep_killed_in_import),
	{}
};

static struct kunit_suite vmem_sleep_suite = {
	.name = "vmem_sleep",
	.init = vmem_test_init,
	.test_cases = vmem_sleep_cases,
};

kunit_test_suite(vmem_sleep_suite);
