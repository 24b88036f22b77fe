// SPDX-License-Identifier: GPL-2.0
/*
 * Trace events: a probe attached to each event of group vmem sees it fire
 * with the right fields, exactly when it should: vmem_alloc (cached or
 * not, and failures), vmem_alloc_fail with the constraints, vmem_free,
 * vmem_import and vmem_release with the source, vmem_wait when a sleeper
 * starts waiting, vmem_reap with what the caches gave back.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include "vmem_test.h"

#ifdef CONFIG_TRACEPOINTS
#include "vmem_trace.h"

#define BASE	0x10000UL
#define SIZE	0x10000UL

/* What the probes saw: counts, and the fields of the last event of each. */
static struct {
	struct vmem *vm;	/* count events of this arena only */
	unsigned int alloc, fail, free, import, release, wait, reap;
	unsigned long size, addr, align, phase, nocross, minaddr, maxaddr;
	unsigned int vmflag;
	int ret;
	bool cached;
	char source[VMEM_NAME_MAX];
	unsigned long span_addr, span_size, fail_size, returned, wait_size;
} ev;

static bool ours(const char *arena)
{
	return ev.vm && !strcmp(arena, ev.vm->name);
}

static void probe_alloc(void *data, const char *arena, unsigned long size,
			unsigned int vmflag, unsigned long addr, int ret,
			bool cached)
{
	if (!ours(arena))
		return;
	ev.alloc++;
	ev.size = size;
	ev.vmflag = vmflag;
	ev.addr = addr;
	ev.ret = ret;
	ev.cached = cached;
}

static void probe_alloc_fail(void *data, const char *arena,
			     unsigned long size, unsigned long align,
			     unsigned long phase, unsigned long nocross,
			     unsigned long minaddr, unsigned long maxaddr,
			     int ret)
{
	if (!ours(arena))
		return;
	ev.fail++;
	ev.fail_size = size;
	ev.align = align;
	ev.phase = phase;
	ev.nocross = nocross;
	ev.minaddr = minaddr;
	ev.maxaddr = maxaddr;
	ev.ret = ret;
}

static void probe_free(void *data, const char *arena, unsigned long addr,
		       unsigned long size)
{
	if (!ours(arena))
		return;
	ev.free++;
	ev.addr = addr;
	ev.size = size;
}

static void probe_import(void *data, const char *arena, const char *source,
			 unsigned long addr, unsigned long size)
{
	if (!ours(arena))
		return;
	ev.import++;
	strscpy(ev.source, source, sizeof(ev.source));
	ev.span_addr = addr;
	ev.span_size = size;
}

static void probe_release(void *data, const char *arena, const char *source,
			  unsigned long addr, unsigned long size)
{
	if (!ours(arena))
		return;
	ev.release++;
	strscpy(ev.source, source, sizeof(ev.source));
	ev.span_addr = addr;
	ev.span_size = size;
}

static void probe_wait(void *data, const char *arena, unsigned long size)
{
	if (!ours(arena))
		return;
	WRITE_ONCE(ev.wait, ev.wait + 1);
	ev.wait_size = size;
}

static void probe_reap(void *data, const char *arena, unsigned long returned)
{
	if (!ours(arena))
		return;
	ev.reap++;
	ev.returned = returned;
}

static void vmem_trace_test_exit(struct kunit *test)
{
	unregister_trace_vmem_alloc(probe_alloc, NULL);
	unregister_trace_vmem_alloc_fail(probe_alloc_fail, NULL);
	unregister_trace_vmem_free(probe_free, NULL);
	unregister_trace_vmem_import(probe_import, NULL);
	unregister_trace_vmem_release(probe_release, NULL);
	unregister_trace_vmem_wait(probe_wait, NULL);
	unregister_trace_vmem_reap(probe_reap, NULL);
	tracepoint_synchronize_unregister();
}

static int vmem_trace_test_init(struct kunit *test)
{
	int ret;

	memset(&ev, 0, sizeof(ev));
	ret = vmem_test_init(test);
	if (ret)
		return ret;
	ret = register_trace_vmem_alloc(probe_alloc, NULL) ?:
	      register_trace_vmem_alloc_fail(probe_alloc_fail, NULL) ?:
	      register_trace_vmem_free(probe_free, NULL) ?:
	      register_trace_vmem_import(probe_import, NULL) ?:
	      register_trace_vmem_release(probe_release, NULL) ?:
	      register_trace_vmem_wait(probe_wait, NULL) ?:
	      register_trace_vmem_reap(probe_reap, NULL);
	if (ret)
		vmem_trace_test_exit(test);
	return ret;
}

/* Cached and uncached allocations, frees, a failure with constraints. */
static void trace_alloc_free(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-trace", BASE, SIZE,
					      16, NULL, NULL, NULL, 64,
					      VMEM_SLEEP);
	unsigned long a, b;

	ev.vm = vm;
	a = vmem_test_alloc(test, vm, 0x30, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, ev.alloc, 1U);
	KUNIT_EXPECT_EQ(test, ev.size, 0x30UL);
	KUNIT_EXPECT_EQ(test, ev.addr, a);
	KUNIT_EXPECT_EQ(test, ev.vmflag, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, ev.ret, 0);
	KUNIT_EXPECT_TRUE(test, ev.cached);

	b = vmem_test_alloc(test, vm, 0x1000, VMEM_SLEEP | VMEM_BESTFIT);
	KUNIT_EXPECT_EQ(test, ev.alloc, 2U);
	KUNIT_EXPECT_EQ(test, ev.size, 0x1000UL);
	KUNIT_EXPECT_EQ(test, ev.addr, b);
	KUNIT_EXPECT_EQ(test, ev.vmflag, VMEM_SLEEP | VMEM_BESTFIT);
	KUNIT_EXPECT_FALSE(test, ev.cached);
	KUNIT_EXPECT_EQ(test, ev.fail, 0U);

	vmem_free(vm, b, 0x1000);
	KUNIT_EXPECT_EQ(test, ev.free, 1U);
	KUNIT_EXPECT_EQ(test, ev.addr, b);
	KUNIT_EXPECT_EQ(test, ev.size, 0x1000UL);
	vmem_free(vm, a, 0x30);
	KUNIT_EXPECT_EQ(test, ev.free, 2U);
	KUNIT_EXPECT_EQ(test, ev.addr, a);
	/* Bad frees are reported, not traced: cached size or not. */
	vmem_free(vm, a + 0x10, 0x30);
	vmem_free(vm, b, 0x1000);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 2ULL);
	KUNIT_EXPECT_EQ(test, ev.free, 2U);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x200, 0x200, 0, 0, 0, ULONG_MAX,
					  VMEM_NOSLEEP, &b), 0);
	KUNIT_EXPECT_EQ(test, ev.alloc, 3U);
	vmem_xfree(vm, b, 0x200);
	KUNIT_EXPECT_EQ(test, ev.free, 3U);
	KUNIT_EXPECT_EQ(test, ev.addr, b);
	KUNIT_EXPECT_EQ(test, ev.size, 0x200UL);

	/* A window with no room: both events, the constraints in one. */
	KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, 0x100, 0x100, 0x40, 0x1000,
					  BASE + SIZE, ULONG_MAX,
					  VMEM_NOSLEEP, &a), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ev.alloc, 4U);
	KUNIT_EXPECT_EQ(test, ev.fail, 1U);
	KUNIT_EXPECT_EQ(test, ev.ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, ev.fail_size, 0x100UL);
	KUNIT_EXPECT_EQ(test, ev.align, 0x100UL);
	KUNIT_EXPECT_EQ(test, ev.phase, 0x40UL);
	KUNIT_EXPECT_EQ(test, ev.nocross, 0x1000UL);
	KUNIT_EXPECT_EQ(test, ev.minaddr, BASE + SIZE);
	KUNIT_EXPECT_EQ(test, ev.maxaddr, ULONG_MAX);
	/* Arguments refused are not allocations: no event. */
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0, VMEM_NOSLEEP, &a), -EINVAL);
	KUNIT_EXPECT_EQ(test, ev.alloc, 4U);
	KUNIT_EXPECT_EQ(test, ev.fail, 1U);
	/* An injected failure of a cached size: both events, as any other. */
	vm->fail.verbose = 0;
	vm->fail.times = 1;
	WRITE_ONCE(vm->fail.probability, 100);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x30, VMEM_NOSLEEP, &a), -ENOMEM);
	WRITE_ONCE(vm->fail.probability, 0);
	KUNIT_EXPECT_EQ(test, ev.alloc, 5U);
	KUNIT_EXPECT_EQ(test, ev.fail, 2U);
	KUNIT_EXPECT_FALSE(test, ev.cached);
	KUNIT_EXPECT_EQ(test, ev.fail_size, 0x30UL);
	KUNIT_EXPECT_EQ(test, ev.align, 16UL);
	KUNIT_EXPECT_EQ(test, ev.maxaddr, ULONG_MAX);

	/* The caches give back what they hold: the magazine's rounds. */
	vmem_qcache_purge(vm);
	KUNIT_EXPECT_EQ(test, ev.reap, 1U);
	KUNIT_EXPECT_GE(test, ev.returned, 1UL);
	KUNIT_EXPECT_EQ(test, vm->qcache[2]->nslabs, 0UL);
	vmem_qcache_purge(vm);		/* nothing left: no event */
	KUNIT_EXPECT_EQ(test, ev.reap, 1U);
	ev.vm = NULL;
}

/* Imports and releases name the source. */
static void trace_import_release(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, BASE, SIZE, 16);
	struct vmem *child = vmem_test_create_child(test, "kunit-child", root,
						    16);
	unsigned long a;

	ev.vm = child;
	a = vmem_test_alloc(test, child, 0x200, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, ev.import, 1U);
	KUNIT_EXPECT_STREQ(test, ev.source, root->name);
	KUNIT_EXPECT_EQ(test, ev.span_addr, a);
	KUNIT_EXPECT_EQ(test, ev.span_size, 0x200UL);
	vmem_free(child, a, 0x200);
	KUNIT_EXPECT_EQ(test, ev.release, 1U);
	KUNIT_EXPECT_EQ(test, ev.span_addr, a);
	KUNIT_EXPECT_EQ(test, ev.span_size, 0x200UL);
	ev.vm = NULL;
}

struct waiter {
	struct vmem *vm;
	struct completion done;
	unsigned long addr;
	int ret;
};

static int waiter_fn(void *data)
{
	struct waiter *w = data;

	w->ret = vmem_alloc(w->vm, 0x100, VMEM_SLEEP, &w->addr);
	complete(&w->done);
	return 0;
}

/* A sleeper's wait, then the free that serves it. */
static void trace_wait(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, BASE, 0x100, 16);
	struct waiter w = { .vm = vm };
	struct task_struct *t;
	unsigned long a, deadline;

	init_completion(&w.done);
	ev.vm = vm;
	a = vmem_test_alloc(test, vm, 0x100, VMEM_NOSLEEP);
	t = kthread_run(waiter_fn, &w, "vmem-trace-wait");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	deadline = jiffies + VMEM_TEST_TIMEOUT;
	while (!READ_ONCE(ev.wait) && time_before(jiffies, deadline))
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ev.wait), 1U);
	KUNIT_EXPECT_EQ(test, ev.wait_size, 0x100UL);
	vmem_free(vm, a, 0x100);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w.done,
							    VMEM_TEST_TIMEOUT));
	KUNIT_EXPECT_EQ(test, w.ret, 0);
	KUNIT_EXPECT_EQ(test, w.addr, a);
	vmem_free(vm, w.addr, 0x100);
	ev.vm = NULL;
}

static struct kunit_case vmem_trace_cases[] = {
	KUNIT_CASE(trace_alloc_free),
	KUNIT_CASE(trace_import_release),
	KUNIT_CASE(trace_wait),
	{}
};
#else
static void trace_not_built(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_TRACEPOINTS");
}

static int vmem_trace_test_init(struct kunit *test)
{
	return vmem_test_init(test);
}

static void vmem_trace_test_exit(struct kunit *test)
{
}

static struct kunit_case vmem_trace_cases[] = {
	KUNIT_CASE(trace_not_built),
	{}
};
#endif

static struct kunit_suite vmem_trace_suite = {
	.name = "vmem_trace",
	.init = vmem_trace_test_init,
	.exit = vmem_trace_test_exit,
	.test_cases = vmem_trace_cases,
};

kunit_test_suite(vmem_trace_suite);
