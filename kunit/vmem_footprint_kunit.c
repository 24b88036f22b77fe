// SPDX-License-Identifier: GPL-2.0
/*
 * Footprint: what an arena holds stays proportional to what it serves.
 * The allocation hash follows the live segment count both ways (an arena
 * that is emptied goes back to its embedded table), a quantum cache keeps
 * no slab that holds nothing, and once every object is freed and the caches
 * purged, the whole arena can be allocated at once.  Spans are found in
 * logarithmic time however many there are, and the caches' own slab
 * allocations are not counted as the caller's failures.
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include "vmem_test.h"

#define Q	0x10UL

/* Allocate @n blocks of one quantum; their addresses go to @addr. */
static void alloc_n(struct kunit *test, struct vmem *vm, unsigned long *addr,
		    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		addr[i] = vmem_test_alloc(test, vm, vm->quantum, VMEM_NOSLEEP);
}

/* 4096 allocations of one, all freed: the table must not stay large. */
static void footprint_hash_shrinks_when_emptied(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 1UL << 20, 1);
	unsigned long *addr;
	unsigned int i;

	addr = kunit_kcalloc(test, 4096, sizeof(*addr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	alloc_n(test, vm, addr, 4096);
	VMEM_TEST_EXPECT_FOOTPRINT(test, vm);
	KUNIT_EXPECT_GE(test, 1UL << vm->hash_bits, 2048UL);

	for (i = 0; i < 4096; i++)
		vmem_free(vm, addr[i], 1);
	VMEM_TEST_EXPECT_FOOTPRINT(test, vm);
	KUNIT_EXPECT_EQ(test, vm->hash_bits, (unsigned int)VMEM_HASH_INITIAL_BITS);
	KUNIT_EXPECT_PTR_EQ(test, vm->hash_table,
			    (struct hlist_head *)vm->hash0);

	/* A request that fails (even one that may sleep) leaves it alone. */
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 2UL << 20, VMEM_SLEEP, &addr[0]),
			-ENOMEM);
	VMEM_TEST_EXPECT_FOOTPRINT(test, vm);
	KUNIT_EXPECT_EQ(test, vm->hash_bits, (unsigned int)VMEM_HASH_INITIAL_BITS);
	VMEM_TEST_CHECK(test, vm);
}

/* The table follows the live count up and down, freed in random order. */
static void footprint_hash_follows_live_count(struct kunit *test)
{
	static const unsigned int live[] = { 100, 5000, 20, 3000, 0, 700, 1 };
	struct vmem *vm = vmem_test_create(test, 0, 1UL << 20, 1);
	struct rnd_state rnd;
	unsigned long *addr;
	unsigned int n = 0, i;

	addr = kunit_kcalloc(test, 5000, sizeof(*addr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	prandom_seed_state(&rnd, 42);
	for (i = 0; i < ARRAY_SIZE(live); i++) {
		while (n < live[i]) {
			addr[n] = vmem_test_alloc(test, vm, 1, VMEM_SLEEP);
			n++;
		}
		while (n > live[i]) {
			unsigned int k = prandom_u32_state(&rnd) % n;

			vmem_free(vm, addr[k], 1);
			addr[k] = addr[--n];
		}
		VMEM_TEST_EXPECT_FOOTPRINT(test, vm);
		KUNIT_EXPECT_EQ(test, vm->nbusy, (unsigned long)n);
	}
	while (n)
		vmem_free(vm, addr[--n], 1);
	VMEM_TEST_CHECK(test, vm);
}

/*
 * qcache_max of 16 quanta: 64 objects a slab of the smallest size, more
 * than a long has bits on 32-bit kernels.  All of them are handed out,
 * distinct, from one slab, and go back.
 */
static void footprint_slab_of_64_objects(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-qc64", 0, 64 * Q,
					      Q, NULL, NULL, NULL, 16 * Q,
					      VMEM_SLEEP);
	unsigned long addr[64], seen[BITS_TO_LONGS(64)] = { 0 };
	unsigned int i;

	KUNIT_ASSERT_EQ(test, vm->slab_size, 64 * Q);
	KUNIT_ASSERT_EQ(test, vm->qcache[0]->nobj, 64U);
	for (i = 0; i < 64; i++) {
		/* VMEM_SLEEP: objects left on another CPU are purged. */
		addr[i] = vmem_test_alloc(test, vm, Q, VMEM_SLEEP);
		KUNIT_ASSERT_LT(test, addr[i], 64 * Q);
		KUNIT_EXPECT_FALSE(test, test_bit(addr[i] / Q, seen));
		__set_bit(addr[i] / Q, seen);
	}
	KUNIT_EXPECT_EQ(test, vm->qcache[0]->nslabs, 1UL);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, Q, VMEM_NOSLEEP, &addr[0]),
			-ENOMEM);
	for (i = 0; i < 64; i++)
		vmem_free(vm, addr[i], Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	vmem_test_expect_all_back(test, vm);
}

/*
 * An arena smaller than a slab: every cached-size request falls back to
 * the arena and succeeds, and the slab the cache could not have is not a
 * failure of the caller's.
 */
static void footprint_slab_failure_not_counted(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-small", 0, 8 * Q,
					      Q, NULL, NULL, NULL, 4 * Q,
					      VMEM_SLEEP);
	unsigned long addr;

	KUNIT_ASSERT_GT(test, vm->slab_size, 8 * Q);
	addr = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, 0ULL);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, 1ULL);
	vmem_free(vm, addr, Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 16 * Q, VMEM_NOSLEEP, &addr),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, 1ULL);
	vmem_test_expect_all_back(test, vm);
}

/* Workers on every CPU allocate and free cached sizes of one arena. */
struct churn {
	struct vmem *vm;
	u32 seed;
	unsigned int bad;
	struct completion done;
};

#define CHURN_LIVE	96

static int churn_fn(void *data)
{
	struct churn *c = data;
	unsigned long addr[CHURN_LIVE], size[CHURN_LIVE];
	struct rnd_state rnd;
	unsigned int i, n = 0;

	prandom_seed_state(&rnd, c->seed);
	for (i = 0; i < 20000; i++) {
		u32 r = prandom_u32_state(&rnd);

		if (n && (n == CHURN_LIVE || r % 2)) {
			unsigned int k = (r >> 4) % n;

			vmem_free(c->vm, addr[k], size[k]);
			addr[k] = addr[--n];
			size[k] = size[n];
		} else {
			size[n] = Q * (1 + (r >> 4) % 4);
			if (vmem_alloc(c->vm, size[n], VMEM_NOSLEEP, &addr[n]))
				c->bad++;
			else
				n++;
		}
		if (!(i % 64))
			cond_resched();
	}
	while (n--)
		vmem_free(c->vm, addr[n], size[n]);
	complete(&c->done);
	return 0;
}

/*
 * CPUs racing to refill empty caches each make a slab; every slab must
 * still go back once everything is freed and the caches purged.
 */
static void footprint_no_slab_stranded(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-churn", 0,
					      16384 * Q, Q, NULL, NULL, NULL,
					      4 * Q, VMEM_SLEEP);
	unsigned int n = num_online_cpus() * 2, i;
	struct churn *c;

	c = kunit_kcalloc(test, n, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < n; i++) {
		struct task_struct *t;

		c[i].vm = vm;
		c[i].seed = 7 + i;
		init_completion(&c[i].done);
		t = kthread_create(churn_fn, &c[i], "vmem_churn/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, i % num_online_cpus());
		wake_up_process(t);
	}
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NE(test, 0UL,
				wait_for_completion_timeout(&c[i].done,
							    12 * VMEM_TEST_TIMEOUT));
		KUNIT_EXPECT_EQ(test, c[i].bad, 0U);
	}
	VMEM_TEST_EXPECT_FOOTPRINT(test, vm);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	vmem_test_expect_all_back(test, vm);
	VMEM_TEST_CHECK(test, vm);
}

/*
 * Spans added in random order: each is found by vmem_contains() in a
 * number of steps logarithmic in their count, not by walking them.
 */
static void footprint_span_lookup_is_logarithmic(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);
	unsigned int n = 4096, i, *order;
	struct rnd_state rnd;
	u64 steps;

	order = kunit_kcalloc(test, n, sizeof(*order), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, order);
	for (i = 0; i < n; i++)
		order[i] = i;
	prandom_seed_state(&rnd, 3);
	for (i = n - 1; i > 0; i--) {
		unsigned int j = prandom_u32_state(&rnd) % (i + 1);

		swap(order[i], order[j]);
	}
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, vmem_add(vm, order[i] * 4 * Q, 2 * Q,
					       VMEM_SLEEP), 0);
	VMEM_TEST_ASSERT_CHECK(test, vm);
	KUNIT_EXPECT_EQ(test, vm->nspans, (unsigned long)n);

	steps = vm->stats.contains_search;
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, vmem_contains(vm, i * 4 * Q, 2 * Q));
		KUNIT_EXPECT_FALSE(test, vmem_contains(vm, i * 4 * Q + Q,
						       2 * Q));
	}
	steps = vm->stats.contains_search - steps;
	/* A red-black tree is at most 2 log2(n + 1) deep. */
	KUNIT_EXPECT_LE_MSG(test, steps, 2ULL * n * 2 * (ilog2(n) + 1),
			    "%llu tree steps for %u lookups among %u spans",
			    steps, 2 * n, n);
	KUNIT_EXPECT_EQ(test, vmem_add(vm, 5 * Q, Q, VMEM_SLEEP), -EEXIST);
	KUNIT_EXPECT_EQ(test, vmem_add(vm, 2 * Q, 2 * Q, VMEM_SLEEP), 0);
	VMEM_TEST_CHECK(test, vm);
}

static struct kunit_case vmem_footprint_cases[] = {
	KUNIT_CASE(footprint_hash_shrinks_when_emptied),
	KUNIT_CASE(footprint_hash_follows_live_count),
	KUNIT_CASE(footprint_slab_of_64_objects),
	KUNIT_CASE(footprint_slab_failure_not_counted),
	KUNIT_CASE(footprint_no_slab_stranded),
	KUNIT_CASE(footprint_span_lookup_is_logarithmic),
	{}
};

static struct kunit_suite vmem_footprint_suite = {
	.name = "vmem_footprint",
	.init = vmem_test_init,
	.test_cases = vmem_footprint_cases,
};

kunit_test_suite(vmem_footprint_suite);
