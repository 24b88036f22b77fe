// SPDX-License-Identifier: GPL-2.0
/*
 * Atomic contexts: VMEM_NOSLEEP allocation and free with interrupts off,
 * under a spinlock, from a softirq timer and from hard interrupt context
 * (an ordinary hrtimer, not marked _HARD), many times over, on a plain and on
 * an importing arena, and racing with process-context users of the same
 * arena.  Every case runs without and with quantum caches, whose CPU layer
 * and depot then see the same contexts.  Under lockdep this checks the
 * irq-safety of the arena and depot locks.  On PREEMPT_RT the contexts are
 * those vmem's contract names there (vmem_test.h): the "hard" timer expires
 * in softirq context and "interrupts off" is a spinlock_t held; with
 * DEBUG_ATOMIC_SLEEP and PROVE_LOCKING that checks that nothing in vmem
 * takes a sleeping lock where RT forbids it.
 */
#include <kunit/test.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/timer.h>
#include "vmem_test.h"

#define Q		0x40UL
#define BASE		0x200000UL
#define NQ		4096UL
#define LIVE		48
#define FIRES		40

static const unsigned int policies[] = {
	VMEM_INSTANTFIT, VMEM_BESTFIT, VMEM_NEXTFIT,
};

/* The parameter of every case: qcache_max of the arenas it makes. */
static const unsigned long atomic_qcache_max[] = { 0, 8 * Q };

static void atomic_param_desc(const unsigned long *qcache_max, char *desc)
{
	if (*qcache_max)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE,
			 "quantum caches up to %lu quanta", *qcache_max / Q);
	else
		strscpy(desc, "no quantum caches", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(atomic, atomic_qcache_max, atomic_param_desc);

/* An arena of the case's kind, importing from @source if it is set. */
static struct vmem *atomic_arena(struct kunit *test, const char *name,
				 unsigned long base, unsigned long size,
				 struct vmem *source)
{
	return vmem_test_create_qc(test, name, base, size, Q, NULL, NULL,
				   source,
				   *(const unsigned long *)test->param_value,
				   VMEM_SLEEP);
}

/* Everything went back: caches purged, leaf before root. */
static void atomic_expect_all_back(struct kunit *test, struct vmem *leaf,
				   struct vmem *root)
{
	if (leaf)
		vmem_test_expect_all_back(test, leaf);
	vmem_test_expect_all_back(test, root);
	KUNIT_EXPECT_EQ(test, root->stats.alloc, root->stats.free);
}

/* One burst: up to LIVE allocations of mixed kinds, then free them all. */
struct burst {
	struct vmem *vm;
	struct rnd_state rnd;
	unsigned long addr[LIVE];
	unsigned long size[LIVE];
	bool xalloc[LIVE];
	unsigned int ops;
	unsigned int fails;
	unsigned int bad;
};

static void burst_run(struct burst *b)
{
	unsigned int i, n = 0;

	for (i = 0; i < LIVE; i++) {
		u32 r = prandom_u32_state(&b->rnd);
		unsigned int flags = policies[r % 3] | VMEM_NOSLEEP;
		unsigned long size = Q * (1 + (r >> 8) % 8);
		int ret;

		b->xalloc[n] = r & BIT(20);
		if (b->xalloc[n]) {
			ret = vmem_xalloc(b->vm, size, 4 * Q, Q, 0, 0,
					  ULONG_MAX, flags, &b->addr[n]);
			if (!ret && (b->addr[n] & (4 * Q - 1)) != Q)
				b->bad++;
		} else {
			ret = vmem_alloc(b->vm, size, flags, &b->addr[n]);
		}
		b->ops++;
		if (ret) {
			b->fails++;
			continue;
		}
		b->size[n++] = size;
	}
	if (vmem_size(b->vm, VMEM_ALLOC) < n * Q)
		b->bad++;
	if (n && !vmem_contains(b->vm, b->addr[0], b->size[0]))
		b->bad++;
	/* Cached objects share a segment: their slab's. */
	i = 0;
	vmem_walk(b->vm, VMEM_ALLOC, vmem_test_count_cb, &i);
	if (i < n && !b->vm->nqcache)
		b->bad++;
	while (n--) {
		if (b->xalloc[n])
			vmem_xfree(b->vm, b->addr[n], b->size[n]);
		else
			vmem_free(b->vm, b->addr[n], b->size[n]);
	}
}

static void burst_init(struct burst *b, struct vmem *vm, u32 seed)
{
	b->vm = vm;
	prandom_seed_state(&b->rnd, seed);
}

static void expect_burst_ok(struct kunit *test, struct burst *b,
			    unsigned int ops)
{
	KUNIT_EXPECT_EQ(test, b->ops, ops);
	KUNIT_EXPECT_EQ_MSG(test, b->fails, 0U,
			    "%u of %u VMEM_NOSLEEP allocations failed",
			    b->fails, b->ops);
	KUNIT_EXPECT_EQ(test, b->bad, 0U);
	KUNIT_EXPECT_EQ(test, vmem_size(b->vm, VMEM_ALLOC), 0UL);
	KUNIT_EXPECT_EQ(test, b->vm->stats.bad_free, 0ULL);
	VMEM_TEST_CHECK(test, b->vm);
	atomic_expect_all_back(test, NULL, b->vm);
}

static void atomic_irqs_off(struct kunit *test)
{
	static DEFINE_SPINLOCK(irq_lock);
	struct vmem *vm = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct burst *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	unsigned long flags;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	burst_init(b, vm, 1);
	for (i = 0; i < 20; i++) {
		/* Interrupts off; on PREEMPT_RT, a spinlock_t held. */
		spin_lock_irqsave(&irq_lock, flags);
		burst_run(b);
		spin_unlock_irqrestore(&irq_lock, flags);
	}
	expect_burst_ok(test, b, 20 * LIVE);
}

static DEFINE_SPINLOCK(outer_lock);

static void atomic_under_spinlock(struct kunit *test)
{
	struct vmem *vm = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct burst *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	burst_init(b, vm, 2);
	for (i = 0; i < 10; i++) {
		spin_lock(&outer_lock);
		burst_run(b);
		spin_unlock(&outer_lock);
		spin_lock_bh(&outer_lock);
		burst_run(b);
		spin_unlock_bh(&outer_lock);
		rcu_read_lock();
		burst_run(b);
		rcu_read_unlock();
	}
	expect_burst_ok(test, b, 30 * LIVE);
}

/* Bursts from an hrtimer in hard interrupt context (softirq on RT). */
struct hard {
	struct hrtimer timer;
	struct burst b;
	unsigned int fires;
	bool wrong_context;
	struct completion done;
};

static enum hrtimer_restart hard_fn(struct hrtimer *t)
{
	struct hard *h = container_of(t, struct hard, timer);

	if (!vmem_test_in_irq())
		h->wrong_context = true;
	burst_run(&h->b);
	if (++h->fires == FIRES) {
		complete(&h->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void hard_cancel(void *data)
{
	struct hard *h = data;

	hrtimer_cancel(&h->timer);
}

static struct hard *hard_start(struct kunit *test, struct vmem *vm, u32 seed)
{
	struct hard *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	burst_init(&h->b, vm, seed);
	init_completion(&h->done);
	vmem_hrtimer_setup(&h->timer, hard_fn, CLOCK_MONOTONIC,
			   VMEM_TEST_IRQ_MODE);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, hard_cancel, h));
	hrtimer_start(&h->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      VMEM_TEST_IRQ_MODE);
	return h;
}

static void hard_finish(struct kunit *test, struct hard *h)
{
	KUNIT_ASSERT_NE_MSG(test, 0UL,
			    wait_for_completion_timeout(&h->done,
							4 * VMEM_TEST_TIMEOUT),
			    "the hrtimer fired %u times only", h->fires);
	KUNIT_EXPECT_FALSE_MSG(test, h->wrong_context,
			       "the hrtimer callback ran outside %s context",
			       VMEM_TEST_IRQ_NAME);
	expect_burst_ok(test, &h->b, FIRES * LIVE);
}

static void atomic_hardirq(struct kunit *test)
{
	struct vmem *vm = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct hard *h = hard_start(test, vm, 3);

	hard_finish(test, h);
	/* Without caches, every one of them went through the arena. */
	if (!vm->nqcache)
		KUNIT_EXPECT_GE(test, vm->stats.alloc, (u64)FIRES * LIVE);
}

/* Imports and releases happen in hard interrupt context too. */
static void atomic_hardirq_importing(struct kunit *test)
{
	struct vmem *root = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct vmem *leaf = atomic_arena(test, "kunit-leaf", 0, 0, root);
	struct hard *h = hard_start(test, leaf, 4);

	hard_finish(test, h);
	atomic_expect_all_back(test, leaf, root);
	KUNIT_EXPECT_GT(test, leaf->stats.import, 0ULL);
	KUNIT_EXPECT_EQ(test, leaf->stats.import, leaf->stats.release);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, NQ * Q);
	VMEM_TEST_CHECK(test, root);
}

/* Process context keeps using the arena while the hrtimer fires. */
static void atomic_hardirq_races_process(struct kunit *test)
{
	struct vmem *vm = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct burst *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct hard *h;
	unsigned int rounds = 0;

	KUNIT_ASSERT_NOT_NULL(test, b);
	burst_init(b, vm, 5);
	h = hard_start(test, vm, 6);
	while (!completion_done(&h->done) && rounds < 100000) {
		burst_run(b);
		rounds++;
		if (!(rounds & 15))
			cond_resched();
	}
	hard_finish(test, h);
	expect_burst_ok(test, b, rounds * LIVE);
}

/* Blocks allocated in process context are freed in hard irq context. */
struct hard_free {
	struct hrtimer timer;
	struct vmem *vm;
	unsigned long addr[LIVE];
	struct completion done;
};

static enum hrtimer_restart hard_free_fn(struct hrtimer *t)
{
	struct hard_free *h = container_of(t, struct hard_free, timer);
	unsigned int i;

	for (i = 0; i < LIVE; i++)
		vmem_free(h->vm, h->addr[i], Q * (i % 4 + 1));
	complete(&h->done);
	return HRTIMER_NORESTART;
}

static void hard_free_cancel(void *data)
{
	struct hard_free *h = data;

	hrtimer_cancel(&h->timer);
}

static void atomic_free_in_hardirq(struct kunit *test)
{
	struct vmem *root = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct vmem *leaf = atomic_arena(test, "kunit-leaf", 0, 0, root);
	struct hard_free *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->vm = leaf;
	for (i = 0; i < LIVE; i++)
		h->addr[i] = vmem_test_alloc(test, leaf, Q * (i % 4 + 1),
					     VMEM_SLEEP);
	init_completion(&h->done);
	vmem_hrtimer_setup(&h->timer, hard_free_fn, CLOCK_MONOTONIC,
			   VMEM_TEST_IRQ_MODE);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, hard_free_cancel, h));
	hrtimer_start(&h->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      VMEM_TEST_IRQ_MODE);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&h->done,
						    VMEM_TEST_TIMEOUT));
	atomic_expect_all_back(test, leaf, root);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, NQ * Q);
	KUNIT_EXPECT_EQ(test, leaf->stats.bad_free, 0ULL);
	VMEM_TEST_CHECK(test, leaf);
	VMEM_TEST_CHECK(test, root);
}

/* vmem_add(VMEM_NOSLEEP) in hard irq context, then use of the span. */
struct hard_add {
	struct hrtimer timer;
	struct vmem *vm;
	unsigned int fires;
	unsigned int bad;
	struct completion done;
};

#define ADD_BASE	0x40000000UL
#define ADD_SIZE	0x1000UL

static enum hrtimer_restart hard_add_fn(struct hrtimer *t)
{
	struct hard_add *h = container_of(t, struct hard_add, timer);
	unsigned long base = ADD_BASE + h->fires * 2 * ADD_SIZE, addr;

	if (vmem_add(h->vm, base, ADD_SIZE, VMEM_NOSLEEP))
		h->bad++;
	else if (vmem_xalloc(h->vm, Q, 0, 0, 0, base, base + ADD_SIZE - 1,
			     VMEM_NOSLEEP, &addr))
		h->bad++;
	else
		vmem_xfree(h->vm, addr, Q);
	if (vmem_add(h->vm, base, ADD_SIZE, VMEM_NOSLEEP) != -EEXIST)
		h->bad++;
	if (++h->fires == 10) {
		complete(&h->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void hard_add_cancel(void *data)
{
	struct hard_add *h = data;

	hrtimer_cancel(&h->timer);
}

static void atomic_add_in_hardirq(struct kunit *test)
{
	struct vmem *vm = atomic_arena(test, "kunit", 0, 0, NULL);
	struct hard_add *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->vm = vm;
	init_completion(&h->done);
	vmem_hrtimer_setup(&h->timer, hard_add_fn, CLOCK_MONOTONIC,
			   VMEM_TEST_IRQ_MODE);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, hard_add_cancel, h));
	hrtimer_start(&h->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      VMEM_TEST_IRQ_MODE);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&h->done,
						    VMEM_TEST_TIMEOUT));
	KUNIT_EXPECT_EQ(test, h->bad, 0U);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 10 * ADD_SIZE);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_SPAN), 10U);
	VMEM_TEST_CHECK(test, vm);
}

/* Bursts from a timer_list callback (softirq). */
struct soft {
	struct timer_list timer;
	struct burst b;
	unsigned int fires;
	bool not_softirq;
	struct completion done;
};

static void soft_fn(struct timer_list *t)
{
	struct soft *s = vmem_timer_container_of(s, t, timer);

	if (!in_serving_softirq())
		s->not_softirq = true;
	burst_run(&s->b);
	if (++s->fires == 10)
		complete(&s->done);
	else
		mod_timer(&s->timer, jiffies + 1);
}

static void soft_cancel(void *data)
{
	struct soft *s = data;

	timer_shutdown_sync(&s->timer);
}

static void atomic_softirq(struct kunit *test)
{
	struct vmem *vm = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct soft *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	burst_init(&s->b, vm, 7);
	init_completion(&s->done);
	timer_setup(&s->timer, soft_fn, 0);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, soft_cancel,
							   s));
	mod_timer(&s->timer, jiffies + 1);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&s->done,
						    4 * VMEM_TEST_TIMEOUT));
	KUNIT_EXPECT_FALSE(test, s->not_softirq);
	expect_burst_ok(test, &s->b, 10 * LIVE);
}

/* Kthreads sharing arenas, yielding to each other between operations. */
struct racer {
	struct vmem *vm;
	struct rnd_state rnd;
	unsigned int ops;
	unsigned int fails;
	unsigned int bad;
	bool finished;
	struct completion done;
	struct task_struct *task;
	unsigned long addr[64];
	unsigned long size[64];
};

#define RACE_OPS	3000

static int racer_fn(void *data)
{
	struct racer *rc = data;
	unsigned int n = 0, i;

	for (i = 0; i < RACE_OPS; i++) {
		u32 r = prandom_u32_state(&rc->rnd);

		if (n && (n == ARRAY_SIZE(rc->addr) || r % 100 < 45)) {
			unsigned int k = (r >> 8) % n;

			vmem_free(rc->vm, rc->addr[k], rc->size[k]);
			rc->addr[k] = rc->addr[--n];
			rc->size[k] = rc->size[n];
		} else {
			unsigned int flags = policies[(r >> 8) % 3] |
					     (r & BIT(20) ? VMEM_SLEEP :
					      VMEM_NOSLEEP);

			rc->size[n] = Q * (1 + (r >> 12) % 8);
			if (vmem_alloc(rc->vm, rc->size[n], flags,
				       &rc->addr[n]))
				rc->fails++;
			else if (rc->addr[n] & (Q - 1))
				rc->bad++;
			else
				n++;
		}
		rc->ops++;
		if (!(r & 7))
			cond_resched();
	}
	while (n--)
		vmem_free(rc->vm, rc->addr[n], rc->size[n]);
	/* Pairs with the acquire in atomic_threads_race(). */
	smp_store_release(&rc->finished, true);
	complete(&rc->done);
	return 0;
}

static void atomic_threads_race(struct kunit *test)
{
	struct vmem *root = atomic_arena(test, "kunit", BASE, NQ * Q, NULL);
	struct vmem *leaf = atomic_arena(test, "kunit-leaf", 0, 0, root);
	struct racer *rc = kunit_kcalloc(test, 4, sizeof(*rc), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, rc);
	for (i = 0; i < 4; i++) {
		rc[i].vm = i < 3 ? root : leaf;
		prandom_seed_state(&rc[i].rnd, 100 + i);
		init_completion(&rc[i].done);
		rc[i].task = kthread_run(racer_fn, &rc[i], "vmem_kunit_race");
		KUNIT_ASSERT_FALSE(test, IS_ERR(rc[i].task));
	}
	/* They never block for space: the arena holds all they can want. */
	for (i = 0; i < 4; i++) {
		wait_for_completion_timeout(&rc[i].done,
					    12 * VMEM_TEST_TIMEOUT);
		/* Pairs with the release at the end of racer_fn(). */
		KUNIT_ASSERT_TRUE_MSG(test, smp_load_acquire(&rc[i].finished),
				      "racer %u did not finish", i);
	}
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, rc[i].ops, RACE_OPS);
		KUNIT_EXPECT_EQ(test, rc[i].fails, 0U);
		KUNIT_EXPECT_EQ(test, rc[i].bad, 0U);
	}
	atomic_expect_all_back(test, leaf, root);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, NQ * Q);
	KUNIT_EXPECT_EQ(test, root->stats.bad_free, 0ULL);
	KUNIT_EXPECT_EQ(test, leaf->stats.bad_free, 0ULL);
	VMEM_TEST_CHECK(test, root);
	VMEM_TEST_CHECK(test, leaf);
}

static struct kunit_case vmem_atomic_cases[] = {
	KUNIT_CASE_PARAM(atomic_irqs_off, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_under_spinlock, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_hardirq, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_hardirq_importing, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_hardirq_races_process, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_free_in_hardirq, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_add_in_hardirq, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_softirq, atomic_gen_params),
	KUNIT_CASE_PARAM(atomic_threads_race, atomic_gen_params),
	{}
};

static struct kunit_suite vmem_atomic_suite = {
	.name = "vmem_atomic",
	.init = vmem_test_init,
	.test_cases = vmem_atomic_cases,
};

kunit_test_suite(vmem_atomic_suite);
