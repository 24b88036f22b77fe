// SPDX-License-Identifier: GPL-2.0
/*
 * Liveness: a VMEM_SLEEP allocation that waits for space is woken, and
 * served, by every way space comes back (a free to the arena, a free to a
 * quantum cache, vmem_add(), and an importing arena giving a span back to
 * its source), on arenas with and without quantum caches; a sleeper that
 * could be served and is not within the test timeout fails the test, named
 * by the way that should have woken it.  Space that sits in the caches of
 * an arena importing from the sleeper's counts too: a free to those caches
 * wakes the source's sleepers, whose purge reaches them, and an importing
 * arena purges its own caches before it waits in its source.  Sleepers
 * woken together purge the caches once between them, not once each, and a
 * sleeper purges at most once a jiffy however fast the caches are used.
 */
#include <kunit/test.h>
#include "vmem_test.h"

#define Q	0x100UL
#define N	64UL

enum vmem_wake_way {
	WAKE_ARENA_FREE,
	WAKE_CACHED_FREE,
	WAKE_ADD,
	WAKE_IMPORT_RELEASE,
};

struct live_param {
	const char *name;
	enum vmem_wake_way way;
	unsigned long qcache_max;
	unsigned long want;	/* what the sleeper asks for */
};

static const struct live_param live_params[] = {
	{ "arena free, no caches", WAKE_ARENA_FREE, 0, Q },
	{ "arena free, caches, cached size", WAKE_ARENA_FREE, 4 * Q, Q },
	{ "arena free, caches, larger size", WAKE_ARENA_FREE, 4 * Q, 32 * Q },
	{ "cached free, larger size", WAKE_CACHED_FREE, 16 * Q, 32 * Q },
	{ "cached free, cached size", WAKE_CACHED_FREE, 16 * Q, 2 * Q },
	{ "vmem_add, no caches", WAKE_ADD, 0, Q },
	{ "vmem_add, caches", WAKE_ADD, 4 * Q, 2 * Q },
	{ "import released, no caches", WAKE_IMPORT_RELEASE, 0, Q },
	{ "import released, caches", WAKE_IMPORT_RELEASE, 4 * Q, Q },
};

static void live_param_desc(const struct live_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(live, live_params, live_param_desc);

static void live_woken(struct kunit *test)
{
	const struct live_param *p = test->param_value;
	struct vmem *vm, *child = NULL;
	struct vmem_test_sleeper *s;
	unsigned long held = 0, whole;
	u64 wait;

	vm = vmem_test_create_qc(test, "kunit-live", 0, N * Q, Q, NULL, NULL,
				 NULL, p->qcache_max, VMEM_SLEEP);
	switch (p->way) {
	case WAKE_CACHED_FREE:
		/* One object: its slab is the whole arena. */
		KUNIT_ASSERT_EQ(test, vm->slab_size, N * Q);
		held = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
		break;
	case WAKE_IMPORT_RELEASE:
		child = vmem_test_create_child(test, "kunit-live-child", vm, Q);
		KUNIT_ASSERT_EQ(test, vmem_xalloc(child, N * Q, 0, 0, 0, 0,
						  ULONG_MAX, VMEM_SLEEP,
						  &whole), 0);
		break;
	default:
		vmem_test_take(test, vm, 0, N * Q);
		break;
	}

	wait = vm->stats.wait;
	s = vmem_test_sleeper_start(test, vm, p->want, VMEM_SLEEP, false, 0,
				    0);
	s->rescue_base = 4 * N * Q;
	s->rescue_size = N * Q;
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_wait_sleeping(vm, wait),
			      "%s: the sleeper did not sleep", p->name);
	KUNIT_ASSERT_FALSE(test, vmem_test_sleeper_finished(s));

	switch (p->way) {
	case WAKE_ARENA_FREE:
		vmem_xfree(vm, 0, N * Q);
		break;
	case WAKE_CACHED_FREE:
		vmem_free(vm, held, Q);
		break;
	case WAKE_ADD:
		KUNIT_ASSERT_EQ(test, vmem_add(vm, 2 * N * Q, N * Q,
					       VMEM_SLEEP), 0);
		break;
	case WAKE_IMPORT_RELEASE:
		vmem_xfree(child, whole, N * Q);
		break;
	}
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "lost wake-up: %s did not wake the sleeper",
			      p->name);
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	KUNIT_EXPECT_EQ(test, vm->nwaiters, 0U);
	vmem_free(vm, s->addr, s->size);
	if (p->way == WAKE_ADD)
		vmem_xfree(vm, 0, N * Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	vmem_test_expect_all_back(test, vm);
	VMEM_TEST_CHECK(test, vm);
}

/*
 * Four sleepers on an arena whose space sits in a quantum cache: each
 * free to the cache wakes them all, and they purge once between them.
 */
static void live_sleepers_purge_once(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-purge", 0, N * Q, Q,
					      NULL, NULL, NULL, 16 * Q,
					      VMEM_SLEEP);
	struct vmem_test_sleeper *s[4];
	unsigned long obj[4], purges;
	bool done[4] = { false };
	unsigned int i, served;
	u64 wait;

	for (i = 0; i < 4; i++)
		obj[i] = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	for (i = 0; i < 4; i++) {
		wait = vm->stats.wait;
		s[i] = vmem_test_sleeper_start(test, vm, N * Q, VMEM_SLEEP,
					       false, 0, 0);
		s[i]->rescue_base = (4 + 2 * i) * N * Q;
		s[i]->rescue_size = N * Q;
		KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(vm, wait));
	}
	/* Each sleeper purged once on arrival, none since. */
	purges = READ_ONCE(vm->purge_gen);
	KUNIT_EXPECT_LE(test, purges, 4UL);

	/* Three frees that give nothing yet: one purge each at most. */
	for (i = 0; i < 3; i++) {
		vmem_free(vm, obj[i], Q);
		msleep(50);
	}
	KUNIT_EXPECT_LE_MSG(test, READ_ONCE(vm->purge_gen) - purges, 3UL,
			    "%lu purges for 3 frees with 4 sleepers",
			    READ_ONCE(vm->purge_gen) - purges);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_FALSE(test, vmem_test_sleeper_finished(s[i]));

	/*
	 * The last free lets one of them have the whole arena; each that
	 * is served frees it for the next.
	 */
	vmem_free(vm, obj[3], Q);
	for (served = 0; served < 4; served++) {
		unsigned long end = jiffies + VMEM_TEST_TIMEOUT;

		for (i = 0; !time_after(jiffies, end); i = (i + 1) % 4) {
			if (!done[i] && vmem_test_sleeper_finished(s[i]))
				break;
			if (i == 3)
				usleep_range(10000, 20000);
		}
		KUNIT_ASSERT_FALSE_MSG(test, time_after(jiffies, end),
				       "lost wake-up: %u of 4 sleepers served",
				       served);
		done[i] = true;
		KUNIT_EXPECT_EQ(test, s[i]->ret, 0);
		vmem_free(vm, s[i]->addr, N * Q);
	}
	vmem_test_expect_all_back(test, vm);
}

/*
 * An importer with quantum caches took the whole source in cached objects
 * and freed them: they sit in its magazines.  @sleep_on_source: a sleeper
 * on the source, already waiting, is woken by those frees and served;
 * otherwise the importer itself asks for more than it caches, and must
 * purge its own caches rather than sleep in the source for ever.
 */
static void live_importer_caches(struct kunit *test, bool sleep_on_source)
{
	struct vmem *root = vmem_test_create(test, 0, N * Q, Q);
	struct vmem *child = vmem_test_create_qc(test, "kunit-live-child", 0, 0,
						 Q, NULL, NULL, root, 4 * Q,
						 VMEM_SLEEP);
	static const char lost_wake[] =
		"lost wake-up: frees to an importer's cache did not wake its source's sleeper";
	static const char slept_in_source[] =
		"an importer slept in its source while its own caches held the space";
	struct vmem_test_sleeper *s = NULL;
	unsigned long addr[N];
	unsigned int i;
	u64 wait = root->stats.wait;

	for (i = 0; i < N; i++)
		addr[i] = vmem_test_alloc(test, child, Q, VMEM_NOSLEEP);
	KUNIT_ASSERT_EQ(test, vmem_size(root, VMEM_FREE), 0UL);
	if (sleep_on_source) {
		s = vmem_test_sleeper_start(test, root, 32 * Q, VMEM_SLEEP,
					    false, 0, 0);
		s->rescue_base = 4 * N * Q;
		s->rescue_size = N * Q;
		KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(root, wait));
	}
	for (i = 0; i < N; i++)
		vmem_free(child, addr[i], Q);
	KUNIT_EXPECT_EQ(test, child->stats.bad_free, 0ULL);
	if (!sleep_on_source) {
		s = vmem_test_sleeper_start(test, child, 32 * Q, VMEM_SLEEP,
					    false, 0, 0);
		s->rescue_base = 4 * N * Q;
		s->rescue_size = N * Q;
	}
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s), "%s",
			      sleep_on_source ? lost_wake : slept_in_source);
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	vmem_free(s->vm, s->addr, 32 * Q);
	vmem_test_expect_all_back(test, child);
	vmem_test_expect_all_back(test, root);
}

static void live_importer_cached_free_wakes_source(struct kunit *test)
{
	live_importer_caches(test, true);
}

static void live_importer_purges_before_waiting(struct kunit *test)
{
	live_importer_caches(test, false);
}

/*
 * A sleeper waits for the whole arena while this thread allocates and
 * frees a cached size 2000 times: each free wakes it, but each purge
 * interrupts every CPU and empties every magazine, so it may purge once a
 * jiffy, not once a free.
 */
static void live_purges_rate_limited(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-storm", 0, N * Q, Q,
					      NULL, NULL, NULL, 4 * Q,
					      VMEM_SLEEP);
	struct vmem_test_sleeper *s;
	unsigned long start, purges, addr, ticks;
	unsigned int i;
	u64 wait = vm->stats.wait;

	vmem_test_take(test, vm, 0, N / 2 * Q);
	s = vmem_test_sleeper_start(test, vm, N * Q, VMEM_SLEEP, false, 0, 0);
	s->rescue_base = 4 * N * Q;
	s->rescue_size = N * Q;
	KUNIT_ASSERT_TRUE(test, vmem_test_wait_sleeping(vm, wait));
	/* Woken, it runs at once, even on one CPU. */
	sched_set_fifo_low(s->task);
	purges = READ_ONCE(vm->purge_gen);
	start = jiffies;
	for (i = 0; i < 2000; i++) {
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, Q, VMEM_NOSLEEP, &addr), 0);
		vmem_free(vm, addr, Q);
		cond_resched();
	}
	ticks = jiffies - start;
	purges = READ_ONCE(vm->purge_gen) - purges;
	KUNIT_EXPECT_LE_MSG(test, purges, ticks + 2,
			    "%lu purges in %lu jiffies for 2000 cached frees",
			    purges, ticks);
	KUNIT_EXPECT_FALSE(test, vmem_test_sleeper_finished(s));

	vmem_xfree(vm, 0, N / 2 * Q);
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "lost wake-up: the sleeper was not served");
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	vmem_xfree(vm, s->addr, N * Q);
	vmem_test_expect_all_back(test, vm);
}

static struct kunit_case vmem_liveness_cases[] = {
	KUNIT_CASE_PARAM(live_woken, live_gen_params),
	KUNIT_CASE(live_importer_cached_free_wakes_source),
	KUNIT_CASE(live_importer_purges_before_waiting),
	KUNIT_CASE(live_sleepers_purge_once),
	KUNIT_CASE(live_purges_rate_limited),
	{}
};

static struct kunit_suite vmem_liveness_suite = {
	.name = "vmem_liveness",
	.init = vmem_test_init,
	.test_cases = vmem_liveness_cases,
};

kunit_test_suite(vmem_liveness_suite);
