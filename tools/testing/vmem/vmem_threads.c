// SPDX-License-Identifier: GPL-2.0
/*
 * The sleeping side of the vmem core, with real threads: a VMEM_SLEEP
 * allocation waits until a free or a vmem_add() makes room, waits again
 * when the room is not enough, ends with -EINTR when its task is killed,
 * fails at once when no span could ever hold it; an importing arena's
 * allocation waits in its source.  Then a stress run: threads on their own
 * emulated CPUs allocate and free at random in shared arenas (one with
 * quantum caches, one importing) while another runs deferred work; every
 * block must be disjoint from every other, and every arena consistent.
 */
#include <unistd.h>
#include <linux/vmem.h>
#include "vmem_internal.h"

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

struct sleeper {
	pthread_t thread;
	struct vmem *vm;
	unsigned long size;
	unsigned long addr;
	int ret;
	struct shim_task *task;
	int started;
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

/* Start a sleeper on @vm and wait until @waitvm has a waiter. */
static void sleep_on(struct sleeper *s, struct vmem *vm, unsigned long size,
		     struct vmem *waitvm)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->size = size;
	pthread_create(&s->thread, NULL, sleeper_fn, s);
	for (i = 0; i < 5000 && !nwaiters(waitvm); i++)
		usleep(1000);
	CHECK(nwaiters(waitvm) == 1, "the sleeper did not wait");
	/* Let it reach the condition variable. */
	usleep(2000);
}

static void check_arena(struct vmem *vm)
{
	const char *err = vmem_check(vm);

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
	pthread_join(s.thread, NULL);
	CHECK(s.ret == 0 && s.addr == b, "woken by a free: %d %#lx", s.ret,
	      s.addr);

	/* Too little room: it sleeps again, until there is enough. */
	sleep_on(&s, vm, 16, vm);
	vmem_free(vm, c, 8);
	usleep(20000);
	CHECK(nwaiters(vm) == 1, "woke without enough room");
	vmem_free(vm, b, 8);
	pthread_join(s.thread, NULL);
	CHECK(s.ret == 0 && s.addr == 16, "woken by enough room: %d %#lx",
	      s.ret, s.addr);
	CHECK(vm->stats.wait >= 3, "%llu waits",
	      (unsigned long long)vm->stats.wait);

	/* A new span wakes it. */
	sleep_on(&s, vm, 16, vm);
	CHECK(!vmem_add(vm, 0x1000, 16, VMEM_SLEEP), "vmem_add");
	pthread_join(s.thread, NULL);
	CHECK(s.ret == 0 && s.addr == 0x1000, "woken by a span: %d %#lx",
	      s.ret, s.addr);
	d = s.addr;

	/* A fatal signal ends the wait. */
	sleep_on(&s, vm, 4, vm);
	shim_kill(__atomic_load_n(&s.task, __ATOMIC_SEQ_CST), &vm->wq);
	pthread_join(s.thread, NULL);
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
	pthread_join(s.thread, NULL);
	CHECK(s.ret == 0 && vmem_size(child, VMEM_ALLOC) == 5,
	      "import after waiting: %d", s.ret);
	CHECK(!vmem_alloc(root, 0x30, VMEM_SLEEP, &b), "filling root again");

	sleep_on(&s, child, 0x20, root);
	shim_kill(__atomic_load_n(&s.task, __ATOMIC_SEQ_CST), &root->wq);
	pthread_join(s.thread, NULL);
	CHECK(s.ret == -EINTR, "a killed import: %d", s.ret);
	check_arena(root);
	check_arena(child);
	vmem_destroy(child);	/* with an allocation and its imported span */
	CHECK(vmem_size(root, VMEM_ALLOC) == 0x30, "the span did not go back");
	vmem_free(root, b, 0x30);
	vmem_destroy(root);
}

/* === Stress === */

#define STRESS_THREADS	3
#define STRESS_BLOCKS	256

struct blk {
	struct vmem *vm;
	unsigned long addr;
	unsigned long size;
	bool x;
};

struct worker {
	pthread_t thread;
	int cpu;
	unsigned long long rng;
	struct vmem **arenas;
	struct blk blk[STRESS_BLOCKS];
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
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return n ? w->rng % n : 0;
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
		struct blk *b;
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

			b = &w->blk[i];
			if (b->x)
				vmem_xfree(b->vm, b->addr, b->size);
			else
				vmem_free(b->vm, b->addr, b->size);
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
		vmem_qcache_purge(arenas[1], true);
		usleep(100);
	}
	return NULL;
}

static int cmp_blk(const void *x, const void *y)
{
	const struct blk *a = x, *b = y;

	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static void test_stress(void)
{
	static struct worker w[STRESS_THREADS];
	static struct blk all[STRESS_THREADS * STRESS_BLOCKS];
	struct vmem *arenas[3];
	pthread_t flusher;
	long ops = 0;
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
	qsort(all, n, sizeof(*all), cmp_blk);
	for (i = 1; i < n; i++)
		CHECK(all[i].vm != all[i - 1].vm ||
		      all[i - 1].addr + all[i - 1].size <= all[i].addr,
		      "%s: blocks at %#lx and %#lx overlap", all[i].vm->name,
		      all[i - 1].addr, all[i].addr);
	for (i = 0; i < 3; i++)
		check_arena(arenas[i]);
	for (i = 0; i < n; i++) {
		if (all[i].x)
			vmem_xfree(all[i].vm, all[i].addr, all[i].size);
		else
			vmem_free(all[i].vm, all[i].addr, all[i].size);
	}
	for (i = 0; i < 3; i++) {
		check_arena(arenas[i]);
		CHECK(vmem_size(arenas[i], VMEM_ALLOC) == 0,
		      "%s: %lu left allocated", arenas[i]->name,
		      vmem_size(arenas[i], VMEM_ALLOC));
	}
	vmem_destroy(arenas[2]);
	vmem_destroy(arenas[1]);
	vmem_destroy(arenas[0]);
	printf("vmem_threads: stress: %ld operations on %d threads\n", ops,
	       STRESS_THREADS);
}

/* Usage: vmem_threads [sleep|stress]: one part, or both. */
int main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "";
	long warnings;

	if (vmem_core_init())
		return 2;
	if (strcmp(part, "stress")) {
		test_wait_free_add_kill();
		test_import_waits();
	}
	if (strcmp(part, "sleep")) {
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
