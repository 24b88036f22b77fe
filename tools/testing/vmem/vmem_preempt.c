// SPDX-License-Identifier: GPL-2.0
/*
 * The quantum caches under preemption: threads on their own emulated CPUs
 * allocate and free cached sizes (refills and cached frees), purge with
 * and without waiting, reap, shrink (count and reap, as the shrinker does)
 * and check the arena, while another takes CPUs down (CPU-dead callbacks)
 * and runs deferred work, with the shims' preemption points on: every
 * spinlock, unlock, interrupt enable and atomic operation may yield, spin
 * or sleep for a moment.  Two arenas: a source with quantum caches and an
 * importer with its own, both small, so that space runs out and comes
 * back all the time.
 *
 * Each seed sets the arenas' shape, the threads' operations and the
 * preemption points, and runs for a bounded time.  Then, quiescent: every
 * arena consistent, every block disjoint, no slab without an object held
 * or in a magazine, no more magazines than the objects call for.  Then
 * everything is freed and the caches purged: no slab left, nothing in use,
 * each hash back to the size of what it holds, each arena allocatable
 * whole; or, for one seed in four, the arenas are destroyed with blocks
 * still held.  Nothing may leak.
 *
 * Usage: vmem_preempt [-v] [-r runs] [-t ms] [first-seed [seeds]]
 *   -v       print each seed's shape and counts
 *   -r runs  run each seed this many times (20 for one seed, else 1)
 *   -t ms    how long each run of a seed takes (150 ms)
 *
 * Seeds 1..200 without arguments.  A failure prints the seed, and
 * "vmem_preempt SEED" runs it again, 20 times: the same arenas, operations
 * and preemption points each time, the threads' interleaving up to the
 * machine.
 */
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <linux/vmem.h>
#include "vmem_internal.h"
#include "vmem_invariants.h"

#define NWORKERS	3
#define NBLOCKS		96
#define NARENAS		2
/* A seed runs in rounds, checked in between, the blocks kept. */
#define NROUNDS		5

struct worker {
	pthread_t thread;
	unsigned int id;
	unsigned long long rng;
	struct vi_blk blk[NBLOCKS];
	int n;
	long ops;
	/* What the shrinker's counts came to. */
	unsigned long counted;
	/* Allocating, or freeing, for the next @burst operations. */
	bool filling;
	unsigned int burst;
};

static struct vmem *arenas[NARENAS];
/* Each arena's size of the hour: many threads refill its cache at once. */
static unsigned long hot[NARENAS];
static struct worker workers[NWORKERS + 1];
static unsigned long seed;
static long run_ms = 150;
static int verbose;
static int stop;
static long cpu_deaths;

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static __printf(1, 2) void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL seed %lu: ", seed);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nreplay: vmem_preempt %lu\n", seed);
	fflush(NULL);
	_exit(1);
}

static void check(const char *err)
{
	if (err)
		fail("%s", err);
}

/* Allocate: mostly cached sizes, without sleeping or with waits killed. */
static void op_alloc(struct worker *w, int k)
{
	struct vmem *vm = arenas[k];
	unsigned long max = vm->qcache_max ?: 4 * vm->quantum;
	struct vi_blk *b = &w->blk[w->n];
	unsigned int kind = vi_rnd(&w->rng, 20);
	int ret;

	b->vm = vm;
	switch (vi_rnd(&w->rng, 8)) {
	case 0 ... 3:
		b->size = hot[k];
		break;
	case 4:
		b->size = 1 + vi_rnd(&w->rng, 4 * max);
		break;
	default:
		b->size = 1 + vi_rnd(&w->rng, max);
		break;
	}
	b->x = kind == 0;
	if (b->x)
		ret = vmem_xalloc(vm, b->size, 0, 0, 0, 0, ~0UL, VMEM_NOSLEEP,
				  &b->addr);
	else
		ret = vmem_alloc(vm, b->size,
				 kind < 3 ? VMEM_SLEEP : VMEM_NOSLEEP,
				 &b->addr);
	if (!ret)
		w->n++;
	else if (ret != -ENOMEM && ret != -EINTR)
		fail("%s: allocation of %#lx gave %d", vm->name, b->size, ret);
}

/* What the shrinker does: count what the depots hold, then reap them. */
static unsigned long op_shrink(void)
{
	struct vmem_qcache_stats st;
	unsigned long count = 0;
	unsigned int i, k;

	for (k = 0; k < NARENAS; k++)
		for (i = 0; i < arenas[k]->nqcache; i++) {
			vmem_qcache_stats(arenas[k]->qcache[i], &st);
			count += st.full * st.magsize + st.empty;
		}
	for (k = 0; k < NARENAS; k++)
		vmem_qcache_reap(arenas[k]);
	return count;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned int op;
	int i;

	shim_set_cpu(w->id);
	shim_preempt_thread(w->id + 1);
	/* A sleeping allocation that would wait is killed at once. */
	shim_kill_on_wait = 1;
	while (!stopping()) {
		int k = vi_rnd(&w->rng, NARENAS);
		struct vmem *vm = arenas[k];

		w->ops++;
		if (!w->burst--) {
			w->filling = !w->filling;
			w->burst = vi_rnd(&w->rng, NBLOCKS);
		}
		op = vi_rnd(&w->rng, 100);
		if (op < 88 && w->filling) {
			if (w->n < NBLOCKS)
				op_alloc(w, k);
		} else if (op < 88) {
			if (w->n) {
				i = vi_rnd(&w->rng, w->n);
				vi_blk_free(&w->blk[i]);
				w->blk[i] = w->blk[--w->n];
			}
		} else if (op < 92) {
			vmem_qcache_purge(vm);
		} else if (op < 95) {
			vmem_qcache_reap(vm);
		} else if (op < 97) {
			w->counted += op_shrink();
		} else {
			check(vmem_check(vm));
			vmem_size(vm, VMEM_ALLOC);
		}
	}
	return NULL;
}

/* CPU deaths, deferred work, purges: what the rest of the kernel does. */
static void *controller_fn(void *arg)
{
	struct worker *w = arg;
	struct timespec ts = { 0, 0 };
	unsigned int cpu, k;

	shim_set_cpu(NWORKERS);
	shim_preempt_thread(0);
	while (!stopping()) {
		w->ops++;
		switch (vi_rnd(&w->rng, 8)) {
		case 0 ... 2:
			cpu = vi_rnd(&w->rng, NWORKERS);
			shim_cpu_down(cpu);
			for (k = NARENAS; k--;)
				vmem_qcache_cpu_dead(arenas[k], cpu);
			shim_cpu_up(cpu);
			cpu_deaths++;
			break;
		case 3 ... 4:
			shim_flush_work();
			break;
		case 5:
			vmem_qcache_purge(arenas[vi_rnd(&w->rng, NARENAS)]);
			break;
		case 6:
			vmem_qcache_reap(arenas[vi_rnd(&w->rng, NARENAS)]);
			break;
		default:
			ts.tv_nsec = 1000 * (20 + vi_rnd(&w->rng, 200));
			nanosleep(&ts, NULL);
			break;
		}
	}
	return NULL;
}

/* Quiescent: consistent arenas and caches, disjoint blocks. */
static void check_quiescent(void)
{
	static struct vi_blk all[NWORKERS * NBLOCKS];
	int i, j, n = 0;

	for (i = 0; i < NARENAS; i++) {
		check(vmem_check(arenas[i]));
		check(vi_check_caches(arenas[i]));
	}
	for (i = 0; i < NWORKERS; i++)
		for (j = 0; j < workers[i].n; j++)
			all[n++] = workers[i].blk[j];
	check(vi_check_disjoint(all, n));
}

/* Free everything, importer first, and purge: each arena whole again. */
static void drain(void)
{
	int i, j;

	for (i = 0; i < NWORKERS; i++) {
		for (j = 0; j < workers[i].n; j++)
			vi_blk_free(&workers[i].blk[j]);
		workers[i].n = 0;
	}
	for (i = NARENAS; i--;)
		vmem_qcache_purge(arenas[i]);
	shim_flush_work();
	for (i = NARENAS; i--;) {
		check(vmem_check(arenas[i]));
		check(vi_check_caches(arenas[i]));
		check(vi_check_hash(arenas[i]));
		check(vi_check_drained(arenas[i]));
	}
}

static void run_seed(void)
{
	unsigned long long rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	unsigned long q, qmax, slab, size, base, cq;
	long tags = vmem_tags_live(), allocs = shim_allocs_live, ops = 0;
	long points = shim_preempt_points, deaths = cpu_deaths;
	unsigned long counted = 0;
	bool leak = seed % 4 == 3;
	unsigned int i, round;

	/* The source: a few slabs' worth; the importer: its own caches. */
	q = 1UL << vi_rnd(&rng, 4);
	qmax = q * (vi_rnd(&rng, 2) ? 1 + vi_rnd(&rng, VMEM_QCACHE_MAX) :
		    VMEM_QCACHE_MAX - vi_rnd(&rng, 6));
	slab = roundup_pow_of_two(3 * qmax);
	size = slab * (2 + vi_rnd(&rng, vi_rnd(&rng, 2) ? 6 : 30));
	base = vi_rnd(&rng, 2) ? 0 : slab << vi_rnd(&rng, 20);
	cq = q << vi_rnd(&rng, 2);
	arenas[0] = vmem_create("p-source", base, size, q, NULL, NULL, NULL,
				qmax, VMEM_SLEEP);
	arenas[1] = vmem_create("p-importer", 0, 0, cq, NULL, NULL, arenas[0],
				cq * (1 + vi_rnd(&rng, VMEM_QCACHE_MAX)),
				VMEM_SLEEP);
	if (IS_ERR(arenas[0]) || IS_ERR(arenas[1]))
		fail("creating the arenas");
	for (i = 0; i < NARENAS; i++)
		hot[i] = 1 + vi_rnd(&rng, arenas[i]->qcache_max);
	if (verbose)
		printf("seed %lu: source [%#lx, +%#lx) q %#lx qmax %#lx, importer %#lx %#lx\n",
		       seed, base, size, q, qmax, cq, arenas[1]->qcache_max);

	for (i = 0; i <= NWORKERS; i++) {
		workers[i].id = i;
		workers[i].rng = rng + i + 1;
		workers[i].n = 0;
		workers[i].ops = 0;
		workers[i].counted = 0;
		workers[i].burst = 0;
	}
	for (round = 0; round < NROUNDS; round++) {
		shim_preempt_seed = seed * NROUNDS + round;
		__atomic_store_n(&shim_preempt_rate, 2 + seed % 7,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
		for (i = 0; i <= NWORKERS; i++)
			pthread_create(&workers[i].thread, NULL,
				       i < NWORKERS ? worker_fn : controller_fn,
				       &workers[i]);
		usleep(1000 * run_ms / NROUNDS);
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		for (i = 0; i <= NWORKERS; i++)
			pthread_join(workers[i].thread, NULL);
		__atomic_store_n(&shim_preempt_rate, 0, __ATOMIC_RELAXED);
		check_quiescent();
	}
	for (i = 0; i <= NWORKERS; i++) {
		ops += workers[i].ops;
		counted += workers[i].counted;
	}
	if (!leak)
		drain();
	vmem_destroy(arenas[1]);
	vmem_destroy(arenas[0]);
	shim_flush_work();
	shim_rcu_barrier();
	if (vmem_tags_live() != tags || shim_allocs_live != allocs)
		fail("%ld tags and %ld allocations leaked",
		     vmem_tags_live() - tags, shim_allocs_live - allocs);
	if (verbose)
		printf("seed %lu: %ld operations, %ld preemptions, %ld CPU deaths, counted %lu%s\n",
		       seed, ops, shim_preempt_points - points,
		       cpu_deaths - deaths, counted,
		       leak ? ", destroyed in use" : "");
}

int main(int argc, char **argv)
{
	unsigned long first = 1, seeds = 200;
	long runs = 0, run;
	int opt;

	while ((opt = getopt(argc, argv, "vr:t:")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'r':
			runs = strtol(optarg, NULL, 0);
			break;
		case 't':
			run_ms = strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-r runs] [-t ms] [first-seed [seeds]]\n",
				argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		first = strtoul(argv[optind++], NULL, 0);
		seeds = 1;
	}
	if (optind < argc)
		seeds = strtoul(argv[optind++], NULL, 0);
	if (!runs)
		runs = seeds == 1 ? 20 : 1;
	if (vmem_core_init())
		return 2;
	for (seed = first; seed < first + seeds; seed++)
		for (run = 0; run < runs; run++)
			run_seed();
	vmem_core_exit(0);
	printf("vmem_preempt: seeds %lu..%lu, %ld x %ld ms, %ld preemptions, %ld CPU deaths: ok\n",
	       first, seed - 1, runs, run_ms, shim_preempt_points, cpu_deaths);
	return 0;
}
