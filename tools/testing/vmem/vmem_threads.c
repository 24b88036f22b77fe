// SPDX-License-Identifier: GPL-2.0
/*
 * The sleeping side of the vmem core, with real threads: a VMEM_SLEEP
 * allocation waits until a free or a vmem_add() makes room, waits again
 * when the room is not enough, ends with -EINTR when its task is killed,
 * fails at once when no span could ever hold it; an importing arena's
 * allocation waits in its source.
 *
 * Liveness: a sleeper on an arena with or without quantum caches is served,
 * within LIVE_TIMEOUT seconds, by each way space comes back (a free to the
 * arena, a free of a cached size, vmem_add() of a span, the release of a
 * span an importer took); a lost wake-up fails, named.
 *
 * Then a stress run: threads on their own emulated CPUs allocate and free
 * at random in shared arenas (one with quantum caches, one importing) while
 * another runs deferred work; every block must be disjoint from every
 * other, every arena consistent, the caches and the hash no larger than
 * what they hold needs, and once everything is freed every arena whole.
 */
#define _GNU_SOURCE		/* pthread_timedjoin_np() */
#include <time.h>
#include <unistd.h>
#include <linux/vmem.h>
#include "vmem_internal.h"
#include "vmem_invariants.h"

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

/* How long a sleeper that should be served may take. */
#define LIVE_TIMEOUT	5

struct sleeper {
	pthread_t thread;
	struct vmem *vm;
	struct vmem *waitvm;
	unsigned long size;
	unsigned long addr;
	int ret;
	struct shim_task *task;
};

static void *sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	shim_set_cpu(1);
	__atomic_store_n(&s->task, shim_current(), __ATOMIC_SEQ_CST);
	s->ret = vmem_alloc(s->vm, s->size, VMEM_SLEEP, &s->addr);
	return NULL;
}

static unsigned int nwaiters(struct vmem *vm)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&vm->lock, flags);
	n = vm->nwaiters;
	spin_unlock_irqrestore(&vm->lock, flags);
	return n;
}

static long nwaits(void)
{
	return __atomic_load_n(&shim_waits, __ATOMIC_SEQ_CST);
}

/*
 * Start a sleeper on @vm and wait until it sleeps, a waiter of @waitvm:
 * what comes next must wake it.
 */
static void sleep_on(struct sleeper *s, struct vmem *vm, unsigned long size,
		     struct vmem *waitvm)
{
	long waits = nwaits();
	int i;

	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->waitvm = waitvm;
	s->size = size;
	pthread_create(&s->thread, NULL, sleeper_fn, s);
	for (i = 0; i < 1000 * LIVE_TIMEOUT && nwaits() == waits; i++)
		usleep(1000);
	CHECK(nwaiters(waitvm) == 1 && nwaits() == waits + 1,
	      "%s: the sleeper did not wait", waitvm->name);
}

/*
 * Wait for the sleeper to return, LIVE_TIMEOUT seconds at most: false, and
 * a failure naming @what, when it does not (it is killed then).
 */
static bool returned(struct sleeper *s, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += LIVE_TIMEOUT;
	if (!pthread_timedjoin_np(s->thread, NULL, &ts))
		return true;
	CHECK(0, "lost wake-up: %s: the sleeper was not served in %d s",
	      what, LIVE_TIMEOUT);
	shim_kill(__atomic_load_n(&s->task, __ATOMIC_SEQ_CST), &s->waitvm->wq);
	pthread_join(s->thread, NULL);
	return false;
}

/* It returned, and with the space it asked for. */
static bool served(struct sleeper *s, const char *what)
{
	if (!returned(s, what))
		return false;
	CHECK(!s->ret, "%s: the sleeper got %d", what, s->ret);
	return !s->ret;
}

static void check_arena(struct vmem *vm)
{
	const char *err = vmem_check(vm);

	if (!err)
		err = vi_check_caches(vm);
	CHECK(!err, "%s: %s", vm->name, err);
}

static void test_wait_free_add_kill(void)
{
	struct vmem *vm = vmem_create("sleep", 0, 32, 1, NULL, NULL, NULL, 0,
				      VMEM_SLEEP);
	unsigned long a = 0, b = 0, c = 0, d = 0;
	struct sleeper s;

	CHECK(!vmem_alloc(vm, 16, VMEM_SLEEP, &a) &&
	      !vmem_alloc(vm, 8, VMEM_SLEEP, &b) &&
	      !vmem_alloc(vm, 8, VMEM_SLEEP, &c), "filling the arena");

	/* Freed room wakes it. */
	sleep_on(&s, vm, 8, vm);
	vmem_free(vm, b, 8);
	returned(&s, "a free to the arena");
	CHECK(s.ret == 0 && s.addr == b, "woken by a free: %d %#lx", s.ret,
	      s.addr);

	/* Too little room: it sleeps again, until there is enough. */
	sleep_on(&s, vm, 16, vm);
	vmem_free(vm, c, 8);
	usleep(20000);
	CHECK(nwaiters(vm) == 1, "woke without enough room");
	vmem_free(vm, b, 8);
	returned(&s, "enough room freed");
	CHECK(s.ret == 0 && s.addr == 16, "woken by enough room: %d %#lx",
	      s.ret, s.addr);
	CHECK(vm->stats.wait >= 3, "%llu waits",
	      (unsigned long long)vm->stats.wait);

	/* A new span wakes it. */
	sleep_on(&s, vm, 16, vm);
	CHECK(!vmem_add(vm, 0x1000, 16, VMEM_SLEEP), "vmem_add");
	returned(&s, "vmem_add() of a span");
	CHECK(s.ret == 0 && s.addr == 0x1000, "woken by a span: %d %#lx",
	      s.ret, s.addr);
	d = s.addr;

	/* A fatal signal ends the wait. */
	sleep_on(&s, vm, 4, vm);
	shim_kill(__atomic_load_n(&s.task, __ATOMIC_SEQ_CST), &vm->wq);
	returned(&s, "a fatal signal");
	CHECK(s.ret == -EINTR, "killed: %d", s.ret);

	/* No span could ever hold it: -ENOMEM at once. */
	b = vm->stats.wait;
	CHECK(vmem_alloc(vm, 64, VMEM_SLEEP, &c) == -ENOMEM,
	      "never fits, yet no -ENOMEM");
	CHECK(vm->stats.wait == b, "waited for what can never fit");
	check_arena(vm);
	vmem_free(vm, a, 16);
	vmem_free(vm, 16, 16);
	vmem_free(vm, d, 16);
	CHECK(vmem_size(vm, VMEM_ALLOC) == 0, "left allocated");
	vmem_destroy(vm);
}

/* An importing arena does not wait itself: its import waits in the source. */
static void test_import_waits(void)
{
	struct vmem *root = vmem_create("root", 0x100, 0x40, 0x10, NULL, NULL,
					NULL, 0, VMEM_SLEEP);
	struct vmem *child = vmem_create("child", 0, 0, 1, NULL, NULL, root,
					 0, VMEM_SLEEP);
	unsigned long a, b;
	struct sleeper s;

	CHECK(!vmem_alloc(root, 0x40, VMEM_SLEEP, &a), "filling root");
	sleep_on(&s, child, 5, root);
	CHECK(nwaiters(child) == 0, "the importing arena waits itself");
	vmem_free(root, a, 0x40);
	returned(&s, "a free in the source");
	CHECK(s.ret == 0 && vmem_size(child, VMEM_ALLOC) == 5,
	      "import after waiting: %d", s.ret);
	CHECK(!vmem_alloc(root, 0x30, VMEM_SLEEP, &b), "filling root again");

	sleep_on(&s, child, 0x20, root);
	shim_kill(__atomic_load_n(&s.task, __ATOMIC_SEQ_CST), &root->wq);
	returned(&s, "a fatal signal, waiting in the source");
	CHECK(s.ret == -EINTR, "a killed import: %d", s.ret);
	check_arena(root);
	check_arena(child);
	vmem_destroy(child);	/* with an allocation and its imported span */
	CHECK(vmem_size(root, VMEM_ALLOC) == 0x30, "the span did not go back");
	vmem_free(root, b, 0x30);
	vmem_destroy(root);
}

/* === Liveness: each way space comes back wakes a sleeper === */

/* The arenas of the liveness tests: [0, 64), quantum 1. */
#define LIVE_SIZE	64
/* Their quantum caches, when they have some: one slab is the whole arena. */
#define LIVE_QCACHE	16

static struct vmem *live_arena(const char *name, unsigned long qcache_max)
{
	return vmem_create(name, 0, LIVE_SIZE, 1, NULL, NULL, NULL,
			   qcache_max, VMEM_SLEEP);
}

/*
 * Free the sleeper's block and anything else left (@n blocks at @addr of
 * @size each), purge, run deferred work: the arena must be whole again.
 */
static void live_done(struct vmem *vm, struct sleeper *s, unsigned long *addr,
		      int n, unsigned long size, const char *what)
{
	const char *err;
	int i;

	if (!s->ret)
		vmem_free(vm, s->addr, s->size);
	for (i = 0; i < n; i++)
		vmem_free(vm, addr[i], size);
	vmem_qcache_purge(vm);
	shim_flush_work();
	err = vmem_check(vm);
	if (!err)
		err = vi_check_caches(vm);
	if (!err)
		err = vi_check_hash(vm);
	if (!err)
		err = vi_check_drained(vm);
	CHECK(!err, "%s: %s", what, err);
	vmem_destroy(vm);
}

/* The whole arena taken by vmem_xalloc(), which no cache serves. */
static void live_free_to_arena(unsigned long qcache_max, unsigned long size)
{
	struct vmem *vm = live_arena("live-free", qcache_max);
	unsigned long all;
	struct sleeper s;
	char what[96];

	snprintf(what, sizeof(what),
		 "a free to the arena (qcache_max %lu, sleeping for %lu)",
		 qcache_max, size);
	CHECK(!vmem_xalloc(vm, LIVE_SIZE, 0, 0, 0, 0, ~0UL, VMEM_SLEEP, &all),
	      "%s: filling the arena", what);
	sleep_on(&s, vm, size, vm);
	vmem_xfree(vm, all, LIVE_SIZE);
	served(&s, what);
	live_done(vm, &s, NULL, 0, 0, what);
}

/*
 * Cached objects of size @held take the arena (one slab): @nheld of them
 * are held, and @nfree are freed to the caches while a sleeper waits for
 * @size.  The regression case: one object of size 1 held, a sleeper for 32.
 */
static void live_cached_free(unsigned long held, int nheld, int nfree,
			     unsigned long size)
{
	struct vmem *vm = live_arena("live-cached", LIVE_QCACHE);
	unsigned long addr[LIVE_SIZE];
	struct sleeper s;
	char what[128];
	int i;

	snprintf(what, sizeof(what),
		 "a free of a cached size (%d of %d of size %lu held freed, sleeping for %lu)",
		 nfree, nheld, held, size);
	for (i = 0; i < nheld; i++)
		CHECK(!vmem_alloc(vm, held, VMEM_SLEEP, &addr[i]),
		      "%s: allocation %d", what, i);
	sleep_on(&s, vm, size, vm);
	for (i = 0; i < nfree; i++)
		vmem_free(vm, addr[--nheld], held);
	served(&s, what);
	live_done(vm, &s, addr, nheld, held, what);
}

/*
 * A full magazine that a sleeper's purge moves from a CPU it has not
 * passed yet to the depot, and that a CPU it has passed takes from the
 * depot before the purge reaps it: the cached space is then where the purge
 * has already looked.  The pop must count as a free to the caches.
 *
 * Two slabs, A and B: CPU1's loaded magazine holds 7 objects of A under one
 * of B, the rest of A is back in its slab, nothing is held.  The sleeper
 * (on CPU2) wants one slab's worth; a hook stops it in its purge once the
 * depot has CPU1's magazine, and CPU0, passed, allocates one object: the
 * one of B, from that magazine.  A is then all free in CPU0's magazine.
 */
static struct vmem *pop_vm;
static __thread bool pop_is_sleeper;
static int pop_stage;	/* 1: the sleeper is stopped in the hook; 2: go */

static void pop_hook(spinlock_t *l, bool irq)
{
	struct vmem_qcache *qc = pop_vm->qcache[0];

	if (!pop_is_sleeper || l != &qc->lock ||
	    !irq || !__atomic_load_n(&qc->nfull, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&pop_stage, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&pop_stage, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&pop_stage, __ATOMIC_SEQ_CST) != 2)
		usleep(1000);
}

static void *pop_sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	shim_set_cpu(2);
	pop_is_sleeper = true;
	__atomic_store_n(&s->task, shim_current(), __ATOMIC_SEQ_CST);
	s->ret = vmem_xalloc(s->vm, s->size, 0, 0, 0, 0, ~0UL, VMEM_SLEEP,
			     &s->addr);
	return NULL;
}

static void live_depot_pop(void)
{
	const char *what = "a full magazine taken from the depot by a CPU the purge had passed";
	unsigned long all[LIVE_SIZE + 1], slab_a, x;
	struct vmem *vm;
	struct sleeper s;
	int i, b = -1, k, ret;

	vm = vmem_create("live-pop", 0, 2 * LIVE_SIZE, 1, NULL, NULL, NULL,
			 LIVE_QCACHE, VMEM_SLEEP);
	CHECK(!IS_ERR(vm) && vm->slab_size == LIVE_SIZE, "%s: the arena",
	      what);
	if (IS_ERR(vm))
		return;
	pop_vm = vm;
	/* CPU3 takes all of slab A and one object of slab B. */
	shim_set_cpu(3);
	for (i = 0; i <= LIVE_SIZE; i++)
		CHECK(!vmem_alloc(vm, 1, VMEM_NOSLEEP, &all[i]),
		      "%s: allocation %d", what, i);
	slab_a = all[0] & ~(vm->slab_size - 1);
	for (i = 0; i <= LIVE_SIZE; i++)
		if ((all[i] & ~(vm->slab_size - 1)) != slab_a)
			b = i;
	CHECK(b >= 0, "%s: no object of a second slab", what);
	/* CPU1: VMEM_MAG_MIN - 1 objects of A, then B's on top. */
	shim_set_cpu(1);
	for (i = 0, k = 0; i <= LIVE_SIZE && k < VMEM_MAG_MIN - 1; i++) {
		if (i == b)
			continue;
		vmem_free(vm, all[i], 1);
		all[i] = ~0UL;
		k++;
	}
	if (b >= 0) {
		vmem_free(vm, all[b], 1);
		all[b] = ~0UL;
	}
	/* CPU3: the rest of A, then CPU3 goes: all back to the slab. */
	shim_set_cpu(3);
	for (i = 0; i <= LIVE_SIZE; i++)
		if (all[i] != ~0UL)
			vmem_free(vm, all[i], 1);
	vmem_qcache_cpu_dead(vm, 3);

	memset(&s, 0, sizeof(s));
	s.vm = vm;
	s.waitvm = vm;
	s.size = LIVE_SIZE;
	__atomic_store_n(&pop_stage, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&shim_spin_lock_hook, pop_hook, __ATOMIC_RELEASE);
	pthread_create(&s.thread, NULL, pop_sleeper_fn, &s);
	for (i = 0; i < 1000 * LIVE_TIMEOUT &&
	     __atomic_load_n(&pop_stage, __ATOMIC_SEQ_CST) != 1; i++)
		usleep(1000);
	CHECK(__atomic_load_n(&pop_stage, __ATOMIC_SEQ_CST) == 1,
	      "%s: the sleeper's purge never had CPU1's magazine in the depot",
	      what);
	/* CPU0, flushed already, takes CPU1's magazine and B's object. */
	shim_set_cpu(0);
	ret = vmem_alloc(vm, 1, VMEM_NOSLEEP, &x);
	CHECK(!ret && (x & ~(vm->slab_size - 1)) != slab_a,
	      "%s: CPU0 got %d, %#lx (slab A %#lx)", what, ret, x, slab_a);
	__atomic_store_n(&pop_stage, 2, __ATOMIC_SEQ_CST);
	served(&s, what);
	__atomic_store_n(&shim_spin_lock_hook, NULL, __ATOMIC_RELEASE);
	shim_set_cpu(0);
	live_done(vm, &s, &x, ret ? 0 : 1, 1, what);
}

static void live_add(unsigned long qcache_max)
{
	struct vmem *vm = live_arena("live-add", qcache_max);
	unsigned long all;
	struct sleeper s;
	char what[64];

	snprintf(what, sizeof(what), "vmem_add() of a span (qcache_max %lu)",
		 qcache_max);
	CHECK(!vmem_xalloc(vm, LIVE_SIZE, 0, 0, 0, 0, ~0UL, VMEM_SLEEP, &all),
	      "%s: filling the arena", what);
	sleep_on(&s, vm, 32, vm);
	CHECK(!vmem_add(vm, 0x1000, LIVE_SIZE, VMEM_NOSLEEP), "%s", what);
	served(&s, what);
	vmem_xfree(vm, all, LIVE_SIZE);
	live_done(vm, &s, NULL, 0, 0, what);
}

/*
 * An importer took the whole source; the sleeper waits on the source until
 * the importer frees its block (cached or not) and so releases its span.
 * An importer's cached block keeps its slab, and so the span, until a
 * purge: the free to the importer's cache wakes the source's sleeper, whose
 * purge reaches the caches of the arenas importing from its arena.
 */
static void live_release(unsigned long qcache_max, unsigned long child_qmax)
{
	struct vmem *src = live_arena("live-source", qcache_max);
	struct vmem *child = vmem_create("live-child", 0, 0, 1, NULL, NULL, src,
					 child_qmax, VMEM_SLEEP);
	unsigned long size = child_qmax ? 1 : LIVE_SIZE, addr;
	struct sleeper s;
	char what[128];

	snprintf(what, sizeof(what),
		 "the release of an imported span (source qcache_max %lu, importer qcache_max %lu)",
		 qcache_max, child_qmax);
	CHECK(!vmem_alloc(child, size, VMEM_SLEEP, &addr) &&
	      src->mem_inuse == LIVE_SIZE, "%s: importing", what);
	sleep_on(&s, src, 32, src);
	vmem_free(child, addr, size);
	served(&s, what);
	CHECK(!vmem_check(child) && !child->mem_total, "%s: %s", what,
	      vmem_check(child) ?: "the importer kept its span");
	vmem_destroy(child);
	live_done(src, &s, NULL, 0, 0, what);
}

static void test_liveness(void)
{
	unsigned long qmax;

	for (qmax = 0; qmax <= LIVE_QCACHE; qmax += LIVE_QCACHE) {
		live_free_to_arena(qmax, 32);
		live_add(qmax);
		live_release(qmax, 0);
		live_release(qmax, LIVE_QCACHE);
	}
	/* Sleeping for a cached size: the cache could not have a slab. */
	live_free_to_arena(LIVE_QCACHE, 1);
	live_cached_free(1, 1, 1, 32);
	live_cached_free(1, 1, 1, 2);
	live_cached_free(2, 2, 2, LIVE_SIZE);
	live_cached_free(1, LIVE_SIZE, 1, 1);
	live_depot_pop();
}

/*
 * The cost of a VMEM_NOSLEEP allocation that fails in a stack of importing
 * arenas with quantum caches: each arena purges its caches once, not once
 * per level of import above it (every purge takes every CPU's magazine
 * lock of every cache).  Counted through the spinlock hook.
 */
static struct vmem *cost_arenas[3];
static long cost_cpu_locks;

static void cost_hook(spinlock_t *l, bool irq)
{
	unsigned int a, i;

	for (a = 0; a < ARRAY_SIZE(cost_arenas); a++) {
		struct vmem *vm = cost_arenas[a];

		for (i = 0; i < vm->nqcache; i++) {
			char *base = (char *)vm->qcache[i]->cpu;

			if ((char *)l >= base &&
			    (char *)l < base + SHIM_NR_CPUS * SHIM_PERCPU_UNIT)
				__atomic_fetch_add(&cost_cpu_locks, 1,
						   __ATOMIC_RELAXED);
		}
	}
}

static void test_purge_once_per_arena(void)
{
	const unsigned long q = 16, sizes[] = { q, 64 * q };
	unsigned long all, x;
	unsigned int level, i;
	long walk = 16 * SHIM_NR_CPUS;	/* one purge: 16 caches, each CPU */
	int ret;

	cost_arenas[0] = vmem_create("cost-root", 0x10000, 0x1000, q, NULL,
				     NULL, NULL, 16 * q, VMEM_SLEEP);
	cost_arenas[1] = vmem_create("cost-leaf", 0, 0, q, NULL, NULL,
				     cost_arenas[0], 16 * q, VMEM_SLEEP);
	cost_arenas[2] = vmem_create("cost-grand", 0, 0, q, NULL, NULL,
				     cost_arenas[1], 16 * q, VMEM_SLEEP);
	CHECK(!vmem_xalloc(cost_arenas[0], 0x1000, 0, 0, 0, 0, ~0UL,
			   VMEM_NOSLEEP, &all), "cost: filling the root");
	for (level = 0; level < ARRAY_SIZE(cost_arenas); level++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			cost_cpu_locks = 0;
			__atomic_store_n(&shim_spin_lock_hook, cost_hook,
					 __ATOMIC_RELEASE);
			ret = vmem_alloc(cost_arenas[level], sizes[i],
					 VMEM_NOSLEEP, &x);
			__atomic_store_n(&shim_spin_lock_hook, NULL,
					 __ATOMIC_RELEASE);
			CHECK(ret == -ENOMEM, "cost: level %u size %lu got %d",
			      level, sizes[i], ret);
			/* A walk per arena, and the few locks of the try. */
			CHECK(cost_cpu_locks <= (level + 1) * walk + 4,
			      "cost: a failed VMEM_NOSLEEP allocation %u levels down took %ld per-CPU magazine locks, more than %u purges",
			      level, cost_cpu_locks, level + 1);
		}
	}
	vmem_xfree(cost_arenas[0], all, 0x1000);
	for (level = ARRAY_SIZE(cost_arenas); level-- > 0;)
		vmem_destroy(cost_arenas[level]);
}

/* === Stress === */

#define STRESS_THREADS	3
#define STRESS_BLOCKS	256

struct worker {
	pthread_t thread;
	int cpu;
	unsigned long long rng;
	struct vmem **arenas;
	struct vi_blk blk[STRESS_BLOCKS];
	int n;
	long ops;
};

static int stress_stop;

static bool stopping(void)
{
	return __atomic_load_n(&stress_stop, __ATOMIC_SEQ_CST);
}

static unsigned long wrnd(struct worker *w, unsigned long n)
{
	return vi_rnd(&w->rng, n);
}

static void *worker_fn(void *arg)
{
	static const unsigned int policy[] = {
		0, VMEM_BESTFIT, VMEM_NEXTFIT, VMEM_INSTANTFIT,
	};
	struct worker *w = arg;

	shim_set_cpu(w->cpu);
	while (!stopping()) {
		struct vmem *vm = w->arenas[wrnd(w, 3)];
		unsigned int flags = VMEM_NOSLEEP | policy[wrnd(w, 4)];
		struct vi_blk *b;
		int ret;

		w->ops++;
		if (w->n < STRESS_BLOCKS && wrnd(w, 2)) {
			b = &w->blk[w->n];
			b->vm = vm;
			b->size = 1 + wrnd(w, 3 * vm->quantum);
			b->x = wrnd(w, 3) == 0;
			if (b->x)
				ret = vmem_xalloc(vm, b->size, 2 * vm->quantum,
						  0, 0, 0, ~0UL, flags, &b->addr);
			else
				ret = vmem_alloc(vm, b->size, flags, &b->addr);
			if (!ret)
				w->n++;
		} else if (w->n) {
			int i = wrnd(w, w->n);

			vi_blk_free(&w->blk[i]);
			w->blk[i] = w->blk[--w->n];
		}
	}
	return NULL;
}

static void *flusher_fn(void *arg)
{
	struct vmem **arenas = arg;

	shim_set_cpu(SHIM_NR_CPUS - 1);
	while (!stopping()) {
		shim_flush_work();
		vmem_qcache_purge(arenas[1]);
		usleep(100);
	}
	return NULL;
}

static void test_stress(void)
{
	static struct worker w[STRESS_THREADS];
	static struct vi_blk all[STRESS_THREADS * STRESS_BLOCKS];
	struct vmem *arenas[3];
	pthread_t flusher;
	long ops = 0;
	const char *err;
	int i, j, n = 0;

	arenas[0] = vmem_create("s-root", 0, 1 << 14, 4, NULL, NULL, NULL, 0,
				VMEM_SLEEP);
	arenas[1] = vmem_create("s-cached", 1 << 20, 1 << 12, 1, NULL, NULL,
				NULL, 8, VMEM_SLEEP);
	arenas[2] = vmem_create("s-child", 0, 0, 2, NULL, NULL, arenas[0],
				0, VMEM_SLEEP);
	__atomic_store_n(&stress_stop, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < STRESS_THREADS; i++) {
		w[i].cpu = i;
		w[i].rng = 0x12345 + i;
		w[i].arenas = arenas;
		w[i].n = 0;
		pthread_create(&w[i].thread, NULL, worker_fn, &w[i]);
	}
	pthread_create(&flusher, NULL, flusher_fn, arenas);
	usleep(1500000);
	__atomic_store_n(&stress_stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < STRESS_THREADS; i++) {
		pthread_join(w[i].thread, NULL);
		ops += w[i].ops;
		for (j = 0; j < w[i].n; j++)
			all[n++] = w[i].blk[j];
	}
	pthread_join(flusher, NULL);
	err = vi_check_disjoint(all, n);
	CHECK(!err, "%s", err);
	for (i = 0; i < 3; i++)
		check_arena(arenas[i]);
	for (i = 0; i < n; i++)
		vi_blk_free(&all[i]);
	for (i = 2; i >= 0; i--) {
		vmem_qcache_purge(arenas[i]);
		shim_flush_work();
		check_arena(arenas[i]);
		CHECK(vmem_size(arenas[i], VMEM_ALLOC) == 0,
		      "%s: %lu left allocated", arenas[i]->name,
		      vmem_size(arenas[i], VMEM_ALLOC));
		err = vi_check_hash(arenas[i]);
		if (!err)
			err = vi_check_drained(arenas[i]);
		CHECK(!err, "%s", err);
	}
	vmem_destroy(arenas[2]);
	vmem_destroy(arenas[1]);
	vmem_destroy(arenas[0]);
	printf("vmem_threads: stress: %ld operations on %d threads\n", ops,
	       STRESS_THREADS);
}

/*
 * The slab table under concurrency: threads allocate thousands of cached
 * objects at once (four to a slab) and free them all, while a flusher
 * purges the caches, so that tables grow, are filled without the lock and
 * shrink while other CPUs file, remove and look up slabs.
 */
#define TABLE_THREADS	3
#define TABLE_BURST	6000

struct table_worker {
	pthread_t thread;
	int cpu;
	unsigned long long rng;
	struct vmem *vm;
	unsigned long addr[TABLE_BURST];
	unsigned long slots_max;
	long fails, rounds;
};

static unsigned long vm_table_slots(struct vmem *vm);

static void *table_worker_fn(void *arg)
{
	struct table_worker *w = arg;
	unsigned long i, j, n, t;

	shim_set_cpu(w->cpu);
	while (!stopping()) {
		/* The first burst whole: 1500 slabs live, whatever the speed. */
		n = w->rounds ? 1 + vi_rnd(&w->rng, TABLE_BURST) : TABLE_BURST;
		for (i = 0; i < n; i++)
			if (vmem_alloc(w->vm, 1, VMEM_NOSLEEP, &w->addr[i])) {
				w->fails++;
				w->addr[i] = ~0UL;
			}
		w->slots_max = max(w->slots_max, vm_table_slots(w->vm));
		for (i = n; i > 0; i--) {	/* in a random order */
			j = vi_rnd(&w->rng, i);
			t = w->addr[j];
			w->addr[j] = w->addr[i - 1];
			if (t != ~0UL)
				vmem_free(w->vm, t, 1);
		}
		w->rounds++;
	}
	return NULL;
}

static unsigned long table_slots_max;

/* Slots of the first cache's table, under its lock. */
static unsigned long vm_table_slots(struct vmem *vm)
{
	struct vmem_qcache *qc = vm->qcache[0];
	struct vmem_slabtab *t;
	unsigned long flags, n;

	spin_lock_irqsave(&qc->lock, flags);
	t = rcu_dereference_protected(qc->slabtab, true);
	n = t ? t->nslots : 0;
	spin_unlock_irqrestore(&qc->lock, flags);
	return n;
}

static void *table_flusher_fn(void *arg)
{
	shim_set_cpu(SHIM_NR_CPUS - 1);
	while (!stopping()) {
		vmem_qcache_purge(arg);
		usleep(300);
	}
	return NULL;
}

static void test_slab_table(void)
{
	static struct table_worker w[TABLE_THREADS];
	long warnings = shim_nwarn, rounds = 0, fails = 0;
	pthread_t flusher;
	struct vmem *vm;
	int i;

	vm = vmem_create("s-table", 1 << 20, 1 << 18, 1, NULL, NULL, NULL, 1,
			 VMEM_SLEEP);
	CHECK(vm && vm->slab_size == 4, "s-table: slabs of %lu",
	      vm ? vm->slab_size : 0);
	__atomic_store_n(&stress_stop, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < TABLE_THREADS; i++) {
		w[i].cpu = i;
		w[i].rng = 0x7ab1e + i;
		w[i].vm = vm;
		pthread_create(&w[i].thread, NULL, table_worker_fn, &w[i]);
	}
	pthread_create(&flusher, NULL, table_flusher_fn, vm);
	usleep(1500000);
	__atomic_store_n(&stress_stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < TABLE_THREADS; i++) {
		pthread_join(w[i].thread, NULL);
		rounds += w[i].rounds;
		fails += w[i].fails;
		table_slots_max = max(table_slots_max, w[i].slots_max);
	}
	pthread_join(flusher, NULL);
	/* 18000 objects at most live, 65536 quanta: none may fail. */
	CHECK(!fails && shim_nwarn == warnings,
	      "s-table: %ld failed allocations, %ld warnings: %s", fails,
	      shim_nwarn - warnings, shim_last_warn);
	vmem_qcache_purge(vm);
	check_arena(vm);
	CHECK(vmem_size(vm, VMEM_ALLOC) == 0 && !vm->qcache[0]->nslabs,
	      "s-table: %lu left allocated, %lu slabs",
	      vmem_size(vm, VMEM_ALLOC), vm->qcache[0]->nslabs);
	/*
	 * Grown for a burst's 1500 slabs (past 1024 slots even if some
	 * growths failed and the table was filled to three quarters), back
	 * to the smallest once empty.
	 */
	CHECK(table_slots_max >= 1024 && vm_table_slots(vm) < 64,
	      "s-table: %lu slots at most, %lu at the end", table_slots_max,
	      vm_table_slots(vm));
	vmem_destroy(vm);
	printf("vmem_threads: slab table: %ld bursts on %d threads, up to %lu slots\n",
	       rounds, TABLE_THREADS, table_slots_max);
}

/*
 * Slabs filed by "another CPU" while a slab table is allocated for a shrink
 * or a growth, more than the new table holds: the copy made without the
 * lock must stop and the table must not be published.  The other CPU is
 * played by an allocation hook.
 */
static struct vmem *race_vm;
static unsigned long race_addr[3000];
static gfp_t race_gfp;
static bool race_armed;
static unsigned long race_burst, race_fired;

static bool race_hook(size_t size, gfp_t gfp)
{
	unsigned long i;

	/* A table: at least 256 bytes, with the flags the path uses. */
	if (!race_armed || size < 256 || (gfp & ~__GFP_NOWARN) != race_gfp)
		return false;
	race_armed = false;
	for (i = 0; i < race_burst; i++)
		if (vmem_alloc(race_vm, 1, VMEM_NOSLEEP, &race_addr[i]))
			race_addr[i] = ~0UL;
	race_fired++;
	return false;
}

/* Another CPU during a growth's copy: files slabs, and takes some back. */
static bool copy_hook_done;
static __thread bool in_copy_hook;

static void copy_hook(spinlock_t *l, bool irq)
{
	struct vmem_qcache *qc = race_vm->qcache[0];
	unsigned long i;

	if (copy_hook_done || in_copy_hook || l != &qc->lock ||
	    !__atomic_load_n(&qc->slabtab_logging, __ATOMIC_RELAXED))
		return;
	in_copy_hook = true;
	copy_hook_done = true;
	race_burst = 8;
	for (i = 0; i < race_burst; i++)
		if (vmem_alloc(race_vm, 1, VMEM_NOSLEEP, &race_addr[i]))
			race_addr[i] = ~0UL;
	/* Slabs wholly in magazines go back: removed from the table. */
	vmem_qcache_purge(race_vm);
	in_copy_hook = false;
}

static void race_free_burst(void)
{
	unsigned long i;

	for (i = 0; i < race_burst; i++)
		if (race_addr[i] != ~0UL)
			vmem_free(race_vm, race_addr[i], 1);
}

static void test_slab_table_races(void)
{
	static unsigned long a[8000];
	long warnings = shim_nwarn;
	unsigned long i, slots;

	race_vm = vmem_create("s-race", 1 << 20, 1 << 18, 1, NULL, NULL,
			      NULL, 1, VMEM_SLEEP);
	shim_alloc_hook = race_hook;

	/* A shrink: 2000 slabs, all but one released; 250 come meanwhile. */
	for (i = 0; i < 8000; i++)
		CHECK(!vmem_alloc(race_vm, 1, VMEM_NOSLEEP, &a[i]),
		      "s-race: allocation %lu failed", i);
	for (i = 1; i < 8000; i++)
		vmem_free(race_vm, a[i], 1);
	race_gfp = GFP_NOWAIT;
	race_burst = 1000;
	race_armed = true;
	vmem_qcache_purge(race_vm);
	check_arena(race_vm);
	race_free_burst();

	/*
	 * A growth: slabs until one must grow the table; 500 more come while
	 * its table is allocated, filed up to three quarters and the rest
	 * from the arena.
	 */
	vmem_qcache_purge(race_vm);
	race_gfp = GFP_ATOMIC;
	race_burst = 2000;
	race_armed = true;
	for (i = 0; race_fired < 2 && i < 7998; i++)
		CHECK(!vmem_alloc(race_vm, 1, VMEM_NOSLEEP, &a[1 + i]),
		      "s-race: allocation %lu failed", i);
	race_armed = false;
	check_arena(race_vm);
	race_free_burst();
	while (i--)
		vmem_free(race_vm, a[1 + i], 1);
	vmem_free(race_vm, a[0], 1);

	shim_alloc_hook = NULL;

	/*
	 * Slabs filed and removed while a growth copies the table without
	 * the lock, fewer than its log holds: the growth is published all
	 * the same, with them applied.
	 */
	vmem_qcache_purge(race_vm);
	slots = vm_table_slots(race_vm);
	shim_spin_lock_hook = copy_hook;
	for (i = 0; !copy_hook_done && i < 7998; i++)
		CHECK(!vmem_alloc(race_vm, 1, VMEM_NOSLEEP, &a[1 + i]),
		      "s-race: allocation %lu failed", i);
	shim_spin_lock_hook = NULL;
	CHECK(copy_hook_done && vm_table_slots(race_vm) > slots,
	      "s-race: changes during the copy: %lu slots, %lu before",
	      vm_table_slots(race_vm), slots);
	check_arena(race_vm);
	race_free_burst();
	while (i--)
		vmem_free(race_vm, a[1 + i], 1);

	CHECK(race_fired == 2 && shim_nwarn == warnings,
	      "s-race: %lu races played, %ld warnings: %s", race_fired,
	      shim_nwarn - warnings, shim_last_warn);
	vmem_qcache_purge(race_vm);
	check_arena(race_vm);
	CHECK(vmem_size(race_vm, VMEM_ALLOC) == 0, "s-race: %lu left",
	      vmem_size(race_vm, VMEM_ALLOC));
	vmem_destroy(race_vm);
}

/* Usage: vmem_threads [sleep|stress]: one part, or both. */
int main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "";
	long warnings;

	/* A probe or a wait that never ends fails the run instead of hanging. */
	alarm(300);
	if (vmem_core_init())
		return 2;
	if (strcmp(part, "stress")) {
		test_wait_free_add_kill();
		test_import_waits();
		test_liveness();
		test_purge_once_per_arena();
	}
	if (strcmp(part, "sleep")) {
		test_slab_table();
		test_slab_table_races();
		warnings = shim_nwarn;
		test_stress();
		CHECK(shim_nwarn == warnings, "the stress run warned: %s",
		      shim_last_warn);
	}
	shim_flush_work();
	shim_rcu_barrier();
	CHECK(!vmem_tags_live() && !shim_allocs_live,
	      "%ld tags, %ld allocations left", vmem_tags_live(),
	      shim_allocs_live);
	vmem_core_exit(0);
	printf("vmem_threads: %s\n", failures ? "FAILED" : "ok");
	return !!failures;
}
