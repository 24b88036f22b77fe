// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_destroy() with allocations still live: every boundary tag goes back
 * to the slab cache, imported spans go back to the source (through the
 * release function), all the way up a stack of arenas, and no WARN is
 * raised for the leak (a warning line is asked for).  Destroying an arena
 * while its deferred work is pending, or while the shrinker walks the
 * arenas on another CPU, leaves nothing running on freed memory.
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/panic.h>
#include <linux/shrinker.h>
#include <linux/prandom.h>
#include "vmem_test.h"

#define Q	0x100UL

static struct {
	unsigned int imports;
	unsigned int releases;
	unsigned long released;
} cnt;

static int cnt_import(struct vmem *source, unsigned long size,
		      unsigned int vmflag, unsigned long *addrp)
{
	int ret = vmem_alloc(source, size, vmflag, addrp);

	if (!ret)
		cnt.imports++;
	return ret;
}

static void cnt_release(struct vmem *source, unsigned long addr,
			unsigned long size)
{
	cnt.releases++;
	cnt.released += size;
	vmem_free(source, addr, size);
}

static int destroy_init(struct kunit *test)
{
	memset(&cnt, 0, sizeof(cnt));
	return vmem_test_init(test);
}

static void destroy_empty_arena(struct kunit *test)
{
	long tags = vmem_tags_live();
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);

	vmem_test_destroy(test, vm);
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
}

static void destroy_with_spans(struct kunit *test)
{
	long tags = vmem_tags_live();
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, Q);
	unsigned int i;

	for (i = 0; i < 10; i++)
		KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x10000 * (i + 2), 0x1000,
					       VMEM_SLEEP), 0);
	KUNIT_EXPECT_GT(test, vmem_tags_live(), tags);
	vmem_test_destroy(test, vm);
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
}

/* Live allocations: released, with a warning line, not a WARN. */
static void destroy_with_live_allocations(struct kunit *test)
{
	bool warned = test_taint(TAINT_WARN);
	long tags = vmem_tags_live();
	struct vmem *vm = vmem_test_create(test, 0, 0x10000, 1);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x20000, 0x1000, VMEM_SLEEP), 0);
	for (i = 0; i < 300; i++)
		vmem_test_alloc(test, vm, 1 + i % 7,
				(i % 3 ? VMEM_NOSLEEP : VMEM_SLEEP) |
				(i % 2 ? VMEM_BESTFIT : VMEM_NEXTFIT));
	vmem_test_destroy(test, vm);
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
	if (!warned)
		KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN),
				       "destroy with allocations WARNed (one warning line was asked for)");
}

/* Destroy while the deferred resize of the hash may still be pending. */
static void destroy_right_after_hash_growth(struct kunit *test)
{
	long tags = vmem_tags_live();
	struct vmem *vm = vmem_test_create(test, 0, 4096, 1);
	unsigned int i;

	for (i = 0; i < 4096; i++)
		vmem_test_alloc(test, vm, 1, VMEM_NOSLEEP);
	/* The resize work may still be pending: destroy must cope. */
	vmem_test_destroy(test, vm);
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
}

/* An importer's spans go back to its source. */
static void destroy_returns_imports(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x100000, Q);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   Q);
	unsigned long keep;
	u64 rfree;
	unsigned int i;

	keep = vmem_test_alloc(test, root, Q, VMEM_NOSLEEP);
	for (i = 0; i < 50; i++)
		vmem_test_alloc(test, leaf, Q * (1 + i % 5), VMEM_NOSLEEP);
	KUNIT_ASSERT_GT(test, leaf->stats.import, 0ULL);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC),
			leaf->mem_import + Q);
	rfree = root->stats.free;
	vmem_test_destroy(test, leaf);
	VMEM_TEST_EXPECT_SIZES(test, root, Q, 0x100000 - Q);
	KUNIT_EXPECT_GT(test, root->stats.free, rfree);
	VMEM_TEST_CHECK(test, root);
	vmem_free(root, keep, Q);
	KUNIT_EXPECT_EQ(test, vmem_test_count(root, VMEM_FREE), 1U);
	/* With the importer gone, the source can go too. */
	vmem_test_destroy(test, root);
}

/* Custom release: called for every imported span, with its size. */
static void destroy_calls_release(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x100000, Q);
	struct vmem *leaf;
	unsigned long total;
	unsigned int i;

	leaf = vmem_test_create_full(test, "kunit-custom", 0, 0, Q,
				     cnt_import, cnt_release, root,
				     VMEM_SLEEP);
	for (i = 0; i < 20; i++)
		vmem_test_alloc(test, leaf, Q * (1 + i % 3), VMEM_NOSLEEP);
	total = leaf->mem_import;
	KUNIT_ASSERT_GT(test, cnt.imports, 0U);
	KUNIT_EXPECT_EQ(test, cnt.releases, 0U);
	vmem_test_destroy(test, leaf);
	KUNIT_EXPECT_EQ(test, cnt.releases, cnt.imports);
	KUNIT_EXPECT_EQ(test, cnt.released, total);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x100000);
	VMEM_TEST_CHECK(test, root);
}

/* Destroying the leaf of a stack empties the levels above. */
static void destroy_leaf_of_stack(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x100000, 16);
	struct vmem *mid = vmem_test_create_child(test, "kunit-mid", root, 64);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", mid,
						   256);
	unsigned int i;

	for (i = 0; i < 30; i++)
		vmem_test_alloc(test, leaf, 100 * (i + 1), VMEM_NOSLEEP);
	KUNIT_EXPECT_GT(test, vmem_size(root, VMEM_ALLOC), 0UL);
	vmem_test_destroy(test, leaf);
	VMEM_TEST_EXPECT_SIZES(test, mid, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x100000);
	KUNIT_EXPECT_EQ(test, mid->stats.import, mid->stats.release);
	VMEM_TEST_CHECK(test, mid);
	VMEM_TEST_CHECK(test, root);
	KUNIT_EXPECT_EQ(test, vmem_test_count(mid, VMEM_SPAN), 0U);
	KUNIT_EXPECT_EQ(test, vmem_test_count(root, VMEM_ALLOC), 0U);
}

/* Destroying the middle of a stack is refused; bottom-up works. */
static void destroy_stack_bottom_up(struct kunit *test)
{
	long tags = vmem_tags_live();
	struct vmem *root = vmem_test_create(test, 0x100000, 0x100000, 16);
	struct vmem *mid = vmem_test_create_child(test, "kunit-mid", root, 64);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", mid,
						   256);

	vmem_test_alloc(test, leaf, 1000, VMEM_NOSLEEP);
	vmem_destroy(mid);
	VMEM_TEST_CHECK(test, mid);
	KUNIT_EXPECT_GT(test, vmem_size(mid, VMEM_ALLOC), 0UL);
	vmem_test_destroy(test, leaf);
	vmem_test_destroy(test, mid);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x100000);
	vmem_test_destroy(test, root);
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
}

/* Fifty arenas destroyed in a scrambled order. */
static void destroy_many_arenas(struct kunit *test)
{
	long tags = vmem_tags_live();
	struct vmem *vm[50];
	struct rnd_state rnd;
	unsigned int i, j;

	prandom_seed_state(&rnd, 7);
	for (i = 0; i < 50; i++) {
		vm[i] = vmem_test_create(test, 0x1000 * (i + 1), 0x1000, Q);
		for (j = 0; j < i % 5; j++)
			vmem_test_alloc(test, vm[i], Q, VMEM_NOSLEEP);
	}
	for (i = 0; i < 50; i++) {
		j = i + prandom_u32_state(&rnd) % (50 - i);
		swap(vm[i], vm[j]);
		vmem_test_destroy(test, vm[i]);
	}
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
}

/* Arenas with cached objects, a hash that grew and purges under way. */
static struct vmem *busy_arena(struct kunit *test, unsigned int round)
{
	struct vmem *vm;
	unsigned long addr;
	unsigned int i;

	vm = vmem_create("kunit-busy", 0, 1UL << 20, 1, NULL, NULL, NULL, 8,
			 VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm);
	/* VMEM_NOSLEEP: the hash grows, and shrinks, by deferred work. */
	for (i = 0; i < 300; i++)
		KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 1, 0, 0, 0, 4096 + i,
						  4096 + i, VMEM_NOSLEEP,
						  &addr), 0);
	for (i = 0; i < 300; i++)
		vmem_xfree(vm, 4096 + i, 1);
	for (i = 0; i < 64; i++) {
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 1 + i % 8, VMEM_NOSLEEP,
						 &addr), 0);
		vmem_free(vm, addr, 1 + i % 8);
	}
	/* Half of them with the magazines purged, half with them full. */
	if (round % 2)
		vmem_qcache_purge(vm);
	return vm;
}

/* Destroyed with its hash resize pending: KASAN would see. */
static void destroy_cancels_deferred_work(struct kunit *test)
{
	unsigned int round;

	for (round = 0; round < 40; round++) {
		struct vmem *vm = busy_arena(test, round);

		vmem_destroy(vm);
	}
}

struct shrinker_loop {
	bool stop;
	unsigned long scans;
	struct completion done;
};

static int shrinker_loop_fn(void *data)
{
	struct shrinker_loop *l = data;
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = 64 };

	while (!READ_ONCE(l->stop)) {
		vmem_shrink_count(NULL, &sc);
		vmem_shrink_scan(NULL, &sc);
		l->scans++;
		cond_resched();
	}
	complete(&l->done);
	return 0;
}

/* The shrinker keeps reaping while arenas come and go. */
static void destroy_races_shrinker(struct kunit *test)
{
	struct shrinker_loop *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct task_struct *t;
	unsigned int round;

	KUNIT_ASSERT_NOT_NULL(test, l);
	init_completion(&l->done);
	t = kthread_run(shrinker_loop_fn, l, "vmem_kunit_shrink");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (round = 0; round < 40; round++)
		vmem_destroy(busy_arena(test, round));
	WRITE_ONCE(l->stop, true);
	wait_for_completion(&l->done);
	KUNIT_EXPECT_GT(test, l->scans, 0UL);
}

static struct kunit_case vmem_destroy_cases[] = {
	KUNIT_CASE(destroy_empty_arena),
	KUNIT_CASE(destroy_with_spans),
	KUNIT_CASE(destroy_with_live_allocations),
	KUNIT_CASE(destroy_right_after_hash_growth),
	KUNIT_CASE(destroy_returns_imports),
	KUNIT_CASE(destroy_calls_release),
	KUNIT_CASE(destroy_leaf_of_stack),
	KUNIT_CASE(destroy_stack_bottom_up),
	KUNIT_CASE(destroy_many_arenas),
	KUNIT_CASE(destroy_cancels_deferred_work),
	KUNIT_CASE(destroy_races_shrinker),
	{}
};

static struct kunit_suite vmem_destroy_suite = {
	.name = "vmem_destroy",
	.init = destroy_init,
	.test_cases = vmem_destroy_cases,
};

kunit_test_suite(vmem_destroy_suite);
