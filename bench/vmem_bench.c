// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_bench: vmem against the kernel's own range and identifier allocators.
 *
 * Every allocator runs the same workloads in the same kernel, in one run,
 * so that the ratios between them mean something; the absolute numbers
 * depend on the machine.  Results go to the kernel log as comma-separated
 * records that scripts/bench.sh turns into tables, a CSV file and a plot:
 *
 *   vmem_bench: I,key,value                        facts about the run
 *   vmem_bench: R,workload,allocator,n,size,cpus,ops,ns
 *                                                   ops alloc/free pairs in ns
 *   vmem_bench: M,allocator,state,n,measured,accounted
 *                                                   bytes for n live segments
 *   vmem_bench: L,workload,allocator,n,op,calls,max_ns,total_ns
 *                                                   calls timed one by one
 *   vmem_bench: S,phase,n,live_bytes,imports,releases,import_quantum,pairs
 *                                                   a source's calls
 *   vmem_bench: K,cliff,allocator,permille,pairs,ns,fails,filled
 *                                                   pairs near exhaustion
 *                                                   (filled: permille
 *                                                   reached by the fill)
 *   vmem_bench: P,steps,step,iterations,ns          one step, repeated
 *   vmem_bench: F,workload,allocator,n,error        a failed cell
 *
 * The allocators ("cells" of a workload each get an arena of their own):
 *
 *   vmem-if, vmem-bf, vmem-nf  vmem_alloc() with instant, best and next fit
 *   vmem-if-qc16               instant fit, qcache_max = 16 quanta: sizes up
 *                              to it come from the quantum caches, when the
 *                              vmem under test has them
 *   genpool-ff, genpool-bf     gen_pool_alloc_algo() with gen_pool_first_fit
 *                              and gen_pool_best_fit
 *   iova, iova-fast            alloc_iova()/free_iova() and
 *                              alloc_iova_fast()/free_iova_fast()
 *   ida, idr-cyclic            ida_alloc_range()/ida_free() and
 *                              idr_alloc_cyclic()/idr_remove() (identifiers)
 *
 * The workloads:
 *
 *   frag   n live one-quantum segments with a one-quantum hole between each
 *          two (2n allocated, every other one freed), then alloc/free pairs
 *          of one quantum (size 1: a hole fits) and of two quanta (size 2:
 *          no hole fits, the request must come from the rest of the arena).
 *   mixed  n live segments of 1 to 64 quanta, then pairs that free a random
 *          live segment and allocate a new one of a random size in its slot.
 *   ids    quantum 1, n live identifiers out of 4n, then pairs that free a
 *          random live identifier and allocate a new one.
 *   lat    the longest call with interrupts off: an arena tiled with 2
 *          quanta allocated, 2 free, n times over; calls that fail because
 *          no hole fits (3 quanta; 2 quanta aligned to 4 with
 *          vmem_xalloc()) and pairs that fit a hole, each timed alone.
 *   import 16 child arenas import spans from one source arena with an
 *          import quantum; n buffers of 1-8 pages spread over them, then
 *          pairs that free a random buffer and allocate one of a random
 *          size in the same child.
 *   cliff  an arena of 2^16 quanta filled to 50%, 90%, 99% and 99.9% with
 *          segments of 1-16 quanta, then pairs that free a random one and
 *          allocate a random size (failures counted, not fatal): with and
 *          without quantum caches.
 *   steps  the kernel primitives a cached pair is made of, each timed in a
 *          loop: local_irq_save/restore, spin_lock_irqsave/unlock,
 *          rcu_read_lock/unlock, xchg() of a byte; what the pair itself
 *          costs is in frag and cost.
 *   mp     one kthread per online CPU, bound to it, released together from
 *          a barrier, each keeping 32 segments of 1 to 8 quanta live in a
 *          ring on one shared arena; throughput over a fixed time, compared
 *          with one thread on one CPU.
 *
 * Each cell runs for cell_ms milliseconds (or max_ops pairs) after a short
 * warm-up; the sequence of slots and sizes is the same for every allocator.
 * Memory is the drop in free pages while the arena is populated, divided by
 * the live segments; for vmem the boundary tags and hash buckets it holds
 * are also counted directly.
 *
 * Built in (scripts/bench.sh builds it into a UML kernel), it runs as a late
 * initcall and, with vmem_bench.halt=1, halts the machine when done.  As a
 * module it runs at load time and stays loaded until removed.
 */

#define pr_fmt(fmt) "vmem_bench: " fmt

#include <linux/cpumask.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/genalloc.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/iova.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/trace_events.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <linux/vmem.h>
#include <linux/vmstat.h>

#include "vmem_internal.h"

static unsigned int cell_ms = 200;
module_param(cell_ms, uint, 0444);
MODULE_PARM_DESC(cell_ms, "Time of one cell in milliseconds (default 200)");

static unsigned long max_ops = 1UL << 22;
module_param(max_ops, ulong, 0444);
MODULE_PARM_DESC(max_ops, "Most alloc/free pairs in one cell");

static unsigned long max_n = 1000000;
module_param(max_n, ulong, 0444);
MODULE_PARM_DESC(max_n, "Largest number of live segments (default 1000000)");

static unsigned long mixed_max_n = 100000;
module_param(mixed_max_n, ulong, 0444);
MODULE_PARM_DESC(mixed_max_n, "Largest n of the mixed-size workload");

static unsigned int mp_ms = 300;
module_param(mp_ms, uint, 0444);
MODULE_PARM_DESC(mp_ms, "Time of one multi-CPU run in milliseconds");

static char *workloads = "frag,mixed,ids,mp,mem,cost,lat,import,cliff,steps";
module_param(workloads, charp, 0444);
MODULE_PARM_DESC(workloads,
		 "Workloads to run: frag,mixed,ids,mp,mem,cost,lat,import,cliff,steps");

static char *allocators = "";
module_param(allocators, charp, 0444);
MODULE_PARM_DESC(allocators,
		 "Allocators to run, e.g. vmem-if-qc16,iova-fast (default: all)");

static bool bench_halt;
module_param_named(halt, bench_halt, bool, 0444);
MODULE_PARM_DESC(halt, "Built in: halt the machine when done");

#ifdef MODULE
static const bool bench_module = true;
#else
static const bool bench_module;
#endif

#define BENCH_QUANTUM		PAGE_SIZE
#define BENCH_BASE		BIT(30)		/* genalloc cannot hand out 0 */
#define BENCH_QCACHE		16		/* quanta, the cap */
#define BENCH_TBL_BITS		16
#define BENCH_TBL		BIT(BENCH_TBL_BITS)
#define BENCH_MIXED_MAX		64		/* quanta */
#define BENCH_MP_RING		32
#define BENCH_MP_MAX		8		/* quanta */
#define BENCH_SEED		0x766d656d62656e63ULL

enum bench_kind {
	BK_VMEM,
	BK_GENPOOL,
	BK_IOVA,
	BK_IOVA_FAST,
	BK_IDA,
	BK_IDR,
};

/* One allocator under test. */
struct bench_def {
	const char *name;
	enum bench_kind kind;
	unsigned int policy;		/* vmem: fit policy */
	unsigned int qcache;		/* vmem: qcache_max in quanta */
	genpool_algo_t algo;		/* genalloc: fit algorithm */
	bool debug;			/* vmem: VMEM_ARENA_DEBUG */
};

enum {
	BD_VMEM_IF, BD_VMEM_BF, BD_VMEM_NF, BD_VMEM_QC, BD_GP_FF, BD_GP_BF,
	BD_IOVA, BD_IOVA_FAST, BD_IDA, BD_IDR, BD_VMEM_IF_DBG, BD_VMEM_QC_DBG,
	BD_COUNT
};

static const struct bench_def bench_defs[BD_COUNT] = {
	[BD_VMEM_IF] = { "vmem-if", BK_VMEM, VMEM_INSTANTFIT, 0, NULL },
	[BD_VMEM_BF] = { "vmem-bf", BK_VMEM, VMEM_BESTFIT, 0, NULL },
	[BD_VMEM_NF] = { "vmem-nf", BK_VMEM, VMEM_NEXTFIT, 0, NULL },
	[BD_VMEM_QC] = { "vmem-if-qc16", BK_VMEM, VMEM_INSTANTFIT,
			 BENCH_QCACHE, NULL },
	[BD_GP_FF] = { "genpool-ff", BK_GENPOOL, 0, 0, gen_pool_first_fit },
	[BD_GP_BF] = { "genpool-bf", BK_GENPOOL, 0, 0, gen_pool_best_fit },
	[BD_IOVA] = { "iova", BK_IOVA, 0, 0, NULL },
	[BD_IOVA_FAST] = { "iova-fast", BK_IOVA_FAST, 0, 0, NULL },
	[BD_IDA] = { "ida", BK_IDA, 0, 0, NULL },
	[BD_IDR] = { "idr-cyclic", BK_IDR, 0, 0, NULL },
	[BD_VMEM_IF_DBG] = { "vmem-if-debug", BK_VMEM, VMEM_INSTANTFIT, 0,
			     NULL, true },
	[BD_VMEM_QC_DBG] = { "vmem-if-qc16-debug", BK_VMEM, VMEM_INSTANTFIT,
			     BENCH_QCACHE, NULL, true },
};

/* An arena of one allocator: resources [base, base + (nq << qshift)). */
struct bench_ctx {
	const struct bench_def *def;
	enum bench_kind kind;
	unsigned int qshift;		/* log2 of the quantum */
	unsigned long base;		/* first resource (genalloc: not 0) */
	unsigned long nq;		/* size in quanta */
	unsigned long limit;		/* iova: last pfn; ida/idr: last id */
	unsigned int vmflag;		/* vmem: flags of timed calls */
	unsigned long setup_off;	/* genalloc: next fixed offset */
	struct vmem *vm;
	struct gen_pool *gp;
	struct iova_domain iovad;
	struct ida ida;
	struct idr idr;
};

/* The slots and sizes of a workload, shared by every cell. */
struct bench_tables {
	u32 slot[BENCH_TBL];
	u8 size[BENCH_TBL];
};

static struct bench_tables *tbl;

static bool bench_has_iova(void)
{
	return IS_ENABLED(CONFIG_IOMMU_IOVA);
}

static bool bench_listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	while (list && *list) {
		if (!strncmp(list, name, len) &&
		    (list[len] == ',' || !list[len]))
			return true;
		list = strchr(list, ',');
		if (list)
			list++;
	}
	return false;
}

/* Was this allocator asked for (allocators=, default all)? */
static bool bench_name_usable(const char *name)
{
	return !allocators || !*allocators || bench_listed(allocators, name);
}

/* Can this allocator run here, and was it asked for? */
static bool bench_def_usable(const struct bench_def *def)
{
	if (!bench_has_iova() &&
	    (def->kind == BK_IOVA || def->kind == BK_IOVA_FAST))
		return false;
	return bench_name_usable(def->name);
}

/*
 * Kernel memory in use, for the drop while an arena is populated.  Built in,
 * the per-CPU page lists are drained first and free pages are counted, so
 * everything (slab, vmalloc, pages) is seen.  A module cannot drain them, so
 * it counts slab memory (large kmalloc included) and misses vmalloc: vmem's
 * hash table and genalloc's bitmap once they are large.
 */
static unsigned long bench_used_bytes(void)
{
#ifdef MODULE
	return (global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B)) <<
	       PAGE_SHIFT;
#else
	drain_all_pages(NULL);
	return (totalram_pages() - global_zone_page_state(NR_FREE_PAGES)) <<
	       PAGE_SHIFT;
#endif
}

/* === The allocators behind one interface (inlined into the loops) === */

static int bench_create(struct bench_ctx *c, const struct bench_def *def,
			unsigned long base, unsigned long nq,
			unsigned int qshift)
{
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->def = def;
	c->kind = def->kind;
	c->qshift = qshift;
	c->base = base;
	c->nq = nq;

	switch (c->kind) {
	case BK_VMEM: {
		struct vmem_args args = {
			.base = base, .size = nq << qshift,
			.quantum = 1UL << qshift,
			.qcache_max = (unsigned long)def->qcache << qshift,
			.flags = def->debug ? VMEM_ARENA_DEBUG : 0,
		};

		c->vmflag = VMEM_NOSLEEP | def->policy;
		c->vm = vmem_xcreate(def->name, &args, VMEM_SLEEP);
		if (IS_ERR(c->vm)) {
			ret = PTR_ERR(c->vm);
			c->vm = NULL;
		}
		break;
	}
	case BK_GENPOOL:
		c->gp = gen_pool_create(qshift, NUMA_NO_NODE);
		if (!c->gp)
			return -ENOMEM;
		ret = gen_pool_add(c->gp, base, nq << qshift, NUMA_NO_NODE);
		if (ret) {
			gen_pool_destroy(c->gp);
			c->gp = NULL;
		}
		break;
	case BK_IOVA:
	case BK_IOVA_FAST:
		/*
		 * Granule 1: pfns are quanta, and every range lies below
		 * the domain's 32-bit boundary, where most DMA mappings go.
		 */
		ret = iova_cache_get();
		if (ret)
			break;
		c->base = base >> qshift;
		c->limit = c->base + nq - 1;
		init_iova_domain(&c->iovad, 1, c->base);
		ret = iova_domain_init_rcaches(&c->iovad);
		if (ret) {
			put_iova_domain(&c->iovad);
			iova_cache_put();
		}
		break;
	case BK_IDA:
		ida_init(&c->ida);
		c->limit = base + nq - 1;
		break;
	case BK_IDR:
		idr_init(&c->idr);
		c->limit = base + nq - 1;
		break;
	}
	return ret;
}

static void bench_destroy(struct bench_ctx *c)
{
	switch (c->kind) {
	case BK_VMEM:
		vmem_destroy(c->vm);
		break;
	case BK_GENPOOL:
		gen_pool_destroy(c->gp);	/* everything was freed */
		break;
	case BK_IOVA:
	case BK_IOVA_FAST:
		put_iova_domain(&c->iovad);
		iova_cache_put();
		break;
	case BK_IDA:
		ida_destroy(&c->ida);
		break;
	case BK_IDR:
		idr_destroy(&c->idr);
		break;
	}
}

/* Allocate @nq quanta (identifiers: one); the start goes to @addrp. */
static __always_inline int bench_alloc(struct bench_ctx *c, unsigned long nq,
				       unsigned long *addrp)
{
	unsigned long a;
	struct iova *iova;
	int id;

	switch (c->kind) {
	case BK_VMEM:
		return vmem_alloc(c->vm, nq << c->qshift, c->vmflag, addrp);
	case BK_GENPOOL:
		a = gen_pool_alloc_algo(c->gp, nq << c->qshift, c->def->algo,
					NULL);
		if (!a)
			return -ENOMEM;
		*addrp = a;
		return 0;
	case BK_IOVA:
		iova = alloc_iova(&c->iovad, nq, c->limit, false);
		if (!iova)
			return -ENOMEM;
		*addrp = iova->pfn_lo;
		return 0;
	case BK_IOVA_FAST:
		a = alloc_iova_fast(&c->iovad, nq, c->limit, true);
		if (!a)
			return -ENOMEM;
		*addrp = a;
		return 0;
	case BK_IDA:
		id = ida_alloc_range(&c->ida, c->base, c->limit, GFP_KERNEL);
		break;
	case BK_IDR:
		id = idr_alloc_cyclic(&c->idr, NULL, c->base, c->limit + 1,
				      GFP_KERNEL);
		break;
	default:
		return -EINVAL;
	}
	if (id < 0)
		return id;
	*addrp = id;
	return 0;
}

static __always_inline void bench_free(struct bench_ctx *c, unsigned long addr,
				       unsigned long nq)
{
	switch (c->kind) {
	case BK_VMEM:
		vmem_free(c->vm, addr, nq << c->qshift);
		break;
	case BK_GENPOOL:
		gen_pool_free(c->gp, addr, nq << c->qshift);
		break;
	case BK_IOVA:
		free_iova(&c->iovad, addr);
		break;
	case BK_IOVA_FAST:
		free_iova_fast(&c->iovad, addr, nq);
		break;
	case BK_IDA:
		ida_free(&c->ida, addr);
		break;
	case BK_IDR:
		idr_remove(&c->idr, addr);
		break;
	}
}

/*
 * Allocations that populate an arena, in address order from an empty one.
 * genalloc's first fit scans its bitmap from bit 0 on every call, so n
 * allocations would take O(n^2); gen_pool_fixed_alloc() puts each exactly
 * where first fit would, in the same state, in O(n).  vmem allocates with
 * VMEM_SLEEP here, so that its hash table grows in place.
 */
static int bench_alloc_setup(struct bench_ctx *c, unsigned long nq,
			     unsigned long *addrp)
{
	struct genpool_data_fixed fixed;
	unsigned long a;

	switch (c->kind) {
	case BK_VMEM:
		return vmem_alloc(c->vm, nq << c->qshift,
				  VMEM_SLEEP | c->def->policy, addrp);
	case BK_GENPOOL:
		fixed.offset = c->setup_off;
		a = gen_pool_alloc_algo(c->gp, nq << c->qshift,
					gen_pool_fixed_alloc, &fixed);
		if (!a)
			return -ENOMEM;
		c->setup_off += nq << c->qshift;
		*addrp = a;
		return 0;
	case BK_IOVA_FAST:
		/* Like every cell, populate through the calls under test. */
	default:
		return bench_alloc(c, nq, addrp);
	}
}

/* === Memory === */

struct bench_count {
	unsigned long segs;
};

static void bench_count_seg(void *arg, unsigned long addr, unsigned long size)
{
	((struct bench_count *)arg)->segs++;
}

/*
 * Bytes an allocator's own structures hold, where they can be counted:
 * vmem's boundary tags (spans, allocated and free segments, the reserve)
 * and hash buckets; genalloc's bitmap.  -1 where they cannot.
 */
static long bench_accounted(struct bench_ctx *c, unsigned long n)
{
	struct bench_count cnt = { 0 };

	switch (c->kind) {
	case BK_VMEM:
		vmem_walk(c->vm, VMEM_ALLOC | VMEM_FREE | VMEM_SPAN,
			  bench_count_seg, &cnt);
		cnt.segs += READ_ONCE(c->vm->nreserve);
		return cnt.segs * sizeof(struct vmem_seg) +
		       (sizeof(struct hlist_head) << READ_ONCE(c->vm->hash_bits));
	case BK_GENPOOL:
		return BITS_TO_LONGS(c->nq) * sizeof(long) +
		       sizeof(struct gen_pool_chunk);
	case BK_IOVA:
	case BK_IOVA_FAST:
		/* A struct iova per live range (not those in the rcaches). */
		return (n + 1) * ALIGN(sizeof(struct iova), cache_line_size());
	default:
		return -1;
	}
}

static void bench_report_mem(struct bench_ctx *c, const char *state,
			     unsigned long n, unsigned long before)
{
	long measured = bench_used_bytes() - before;

	pr_info("M,%s,%s,%lu,%ld,%ld\n", c->def->name, state, n, measured,
		bench_accounted(c, n));
}

/* === Timing === */

enum bench_step {
	BS_PAIR,	/* allocate and free one segment of a fixed size */
	BS_REPLACE,	/* free a random live slot, allocate anew into it */
};

struct bench_state {
	enum bench_step step;
	unsigned long size;		/* BS_PAIR: quanta */
	unsigned long n;		/* BS_REPLACE: live slots */
	unsigned long *addr;
	u8 *sizes;
	int err;
};

static __always_inline int bench_one(struct bench_ctx *c,
				     struct bench_state *s, unsigned long i)
{
	unsigned long a, slot, nq;
	int ret;

	if (s->step == BS_PAIR) {
		ret = bench_alloc(c, s->size, &a);
		if (!ret)
			bench_free(c, a, s->size);
		return ret;
	}
	slot = tbl->slot[i & (BENCH_TBL - 1)] % s->n;
	nq = s->sizes ? tbl->size[i & (BENCH_TBL - 1)] : 1;
	bench_free(c, s->addr[slot], s->sizes ? s->sizes[slot] : 1);
	ret = bench_alloc(c, nq, &s->addr[slot]);
	if (ret) {
		s->addr[slot] = ULONG_MAX;	/* holds nothing now */
		return ret;
	}
	if (s->sizes)
		s->sizes[slot] = nq;
	return 0;
}

/*
 * Run pairs until cell_ms have passed or max_ops pairs are done; the clock
 * is read every @stride pairs, chosen from the warm-up so that a reading
 * comes about every 100 us.  Returns the pairs done, their time in @nsp.
 */
static unsigned long bench_run(struct bench_ctx *c, struct bench_state *s,
			       u64 *nsp)
{
	u64 t0, t, deadline, per;
	unsigned long i = 0, k, stride;
	int ret;

	/* Warm-up: at most 256 pairs or a tenth of the cell. */
	t0 = ktime_get_ns();
	deadline = t0 + (u64)cell_ms * NSEC_PER_MSEC / 10;
	do {
		ret = bench_one(c, s, i++);
		if (ret)
			goto fail;
		t = ktime_get_ns();
	} while (i < 256 && t < deadline);
	per = div64_u64(t - t0, i) ?: 1;
	stride = clamp_t(u64, div64_u64(100 * NSEC_PER_USEC, per), 1, 1024);
	cond_resched();

	t0 = ktime_get_ns();
	deadline = t0 + (u64)cell_ms * NSEC_PER_MSEC;
	i = 0;
	do {
		for (k = 0; k < stride; k++) {
			ret = bench_one(c, s, i + k);
			if (ret)
				goto fail;
		}
		i += stride;
		t = ktime_get_ns();
		if (!(i & 4095) || stride > 1)
			cond_resched();
	} while (t < deadline && i < max_ops);
	*nsp = t - t0;
	return i;

fail:
	s->err = ret;
	*nsp = 0;
	return 0;
}

static void bench_report(const char *wl, struct bench_ctx *c, unsigned long n,
			 unsigned long size, unsigned int cpus,
			 unsigned long ops, u64 ns, int err)
{
	if (err)
		pr_info("F,%s,%s,%lu,%d\n", wl, c->def->name, n, err);
	else
		pr_info("R,%s,%s,%lu,%lu,%u,%lu,%llu\n", wl, c->def->name, n,
			size, cpus, ops, ns);
}

/* === Tiled arenas: n live segments with a hole after each === */

static const unsigned long bench_tile_n[] = { 1000, 10000, 100000, 1000000 };

/* An arena of @nq quanta for a cell; NULL (reported) when it fails. */
static struct bench_ctx *bench_cell_create(const char *wl,
					   const struct bench_def *def,
					   unsigned long n, unsigned long nq)
{
	struct bench_ctx *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	ret = c ? bench_create(c, def, BENCH_BASE, nq, PAGE_SHIFT) : -ENOMEM;
	if (ret) {
		pr_info("F,%s,%s,%lu,%d\n", wl, def->name, n, ret);
		kfree(c);
		return NULL;
	}
	return c;
}

static void bench_cell_destroy(struct bench_ctx *c)
{
	bench_destroy(c);
	kfree(c);
	cond_resched();
}

/*
 * Allocate 2n segments of @nq quanta in address order from the start of
 * the arena and free every other one: n live, each followed by a hole of
 * its size.  On failure everything is freed again and the cell reported.
 */
static int bench_tile(const char *wl, struct bench_ctx *c, unsigned long n,
		      unsigned long nq, unsigned long *addr)
{
	unsigned long i;
	int ret;

	for (i = 0; i < 2 * n; i++) {
		ret = bench_alloc_setup(c, nq, &addr[i]);
		if (ret) {
			pr_info("F,%s,%s,%lu,%d\n", wl, c->def->name, n, ret);
			while (i--)
				bench_free(c, addr[i], nq);
			return ret;
		}
	}
	for (i = 1; i < 2 * n; i += 2)
		bench_free(c, addr[i], nq);
	cond_resched();
	return 0;
}

static void bench_untile(struct bench_ctx *c, unsigned long n,
			 unsigned long nq, const unsigned long *addr)
{
	unsigned long i;

	for (i = 0; i < 2 * n; i += 2)
		bench_free(c, addr[i], nq);
}

typedef void bench_tile_cell_fn(const char *wl, const struct bench_def *def,
				unsigned long n, unsigned long *addr);

/* Every n of bench_tile_n up to max_n, every allocator of @defs. */
static void bench_tiled(const char *wl, const unsigned int *defs,
			unsigned int ndefs, bench_tile_cell_fn *cell)
{
	unsigned long *addr, n;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(bench_tile_n); i++) {
		n = bench_tile_n[i];
		if (n > max_n)
			break;
		addr = kvmalloc_array(2 * n, sizeof(*addr), GFP_KERNEL);
		if (!addr) {
			pr_info("F,%s,-,%lu,%d\n", wl, n, -ENOMEM);
			return;
		}
		for (j = 0; j < ndefs; j++)
			if (bench_def_usable(&bench_defs[defs[j]]))
				cell(wl, &bench_defs[defs[j]], n, addr);
		kvfree(addr);
	}
}

/* === Workload frag === */

/* 4n quanta: n live of one quantum, n holes, and 2n free at the end. */
static void bench_frag_cell(const char *wl, const struct bench_def *def,
			    unsigned long n, unsigned long *addr)
{
	struct bench_state s = { .step = BS_PAIR };
	unsigned long before, ops;
	struct bench_ctx *c;
	u64 ns;

	before = bench_used_bytes();
	c = bench_cell_create(wl, def, n, 4 * n);
	if (!c)
		return;
	if (bench_tile(wl, c, n, 1, addr))
		goto out;
	if (!strcmp(wl, "frag"))
		bench_report_mem(c, wl, n, before);

	for (s.size = 1; s.size <= 2; s.size++) {
		s.err = 0;
		ops = bench_run(c, &s, &ns);
		bench_report(wl, c, n, s.size, 1, ops, ns, s.err);
	}
	bench_untile(c, n, 1, addr);
out:
	bench_cell_destroy(c);
}

static void bench_frag(void)
{
	static const unsigned int defs[] = {
		BD_VMEM_IF, BD_VMEM_BF, BD_VMEM_NF, BD_VMEM_QC,
		BD_GP_FF, BD_GP_BF, BD_IOVA, BD_IOVA_FAST,
	};

	bench_tiled("frag", defs, ARRAY_SIZE(defs), bench_frag_cell);
}

/*
 * === Workload cost: what observability costs ===
 *
 * The frag pairs at n = 1000, uncached and cached: plain, in arenas with
 * VMEM_ARENA_DEBUG (a stack walk and a depot lookup per allocation), and
 * plain again with every vmem trace event enabled (records into the ring
 * buffer).  Plain is the cost of the disabled events: a static branch.
 */
static void bench_cost(void)
{
	static const unsigned int defs[] = {
		BD_VMEM_IF, BD_VMEM_QC, BD_VMEM_IF_DBG, BD_VMEM_QC_DBG,
	};
	/* Timed again with every vmem trace event enabled. */
	static const unsigned int plain[] = { BD_VMEM_IF, BD_VMEM_QC };
	const unsigned long n = 1000;
	unsigned long *addr;
	unsigned int j;
	int ret;

	addr = kvmalloc_array(2 * n, sizeof(*addr), GFP_KERNEL);
	ret = addr ? 0 : -ENOMEM;
	if (ret) {
		pr_info("F,cost,-,%lu,%d\n", n, ret);
		return;
	}
	for (j = 0; j < ARRAY_SIZE(defs); j++)
		if (bench_def_usable(&bench_defs[defs[j]]))
			bench_frag_cell("cost", &bench_defs[defs[j]], n, addr);
#ifdef CONFIG_EVENT_TRACING
	ret = trace_set_clr_event("vmem", NULL, 1);
	if (!ret) {
		for (j = 0; j < ARRAY_SIZE(plain); j++)
			if (bench_def_usable(&bench_defs[plain[j]]))
				bench_frag_cell("cost-trace",
						&bench_defs[plain[j]], n, addr);
	} else {
		pr_info("F,cost-trace,-,%lu,%d\n", n, ret);
	}
	/* Off again, even after a partial failure to turn them all on. */
	trace_set_clr_event("vmem", NULL, 0);
#else
	pr_info("F,cost-trace,-,%lu,%d\n", n, -EOPNOTSUPP);
#endif
	kvfree(addr);
}

/*
 * === Workload lat: the longest call, interrupts off ===
 *
 * An arena of 4n quanta tiled with period 4: 2 quanta allocated, 2 free, n
 * holes and nothing else free.  Each call is timed alone with interrupts
 * off around it: its whole time bounds the time it held the arena lock
 * with interrupts off (vmem and IOVA take their locks with
 * spin_lock_irqsave()), which is the part that delays interrupts on that
 * CPU and every other CPU that waits for the lock.
 *
 *   fail3   allocate 3 quanta: no hole fits, the call fails.  Best fit
 *           and next fit look at every hole to learn it; instant fit looks
 *           only at the free lists of size 4 and up; IOVA walks its tree
 *           the first time and then remembers the failed size until a
 *           free (so its longest call is the one that counts).
 *   align4  vmem_xalloc() of 2 quanta aligned to 4: every hole has the
 *           size and none the alignment.
 *   pair2   allocate 2 quanta (a hole fits) and free them.
 */

#define BENCH_LAT_CALLS		64

enum bench_lat_op { BL_FAIL3, BL_ALIGN4, BL_PAIR2, BL_COUNT };
static const char *const bench_lat_ops[BL_COUNT] = {
	"fail3", "align4", "pair2",
};

/* One call of @op; 0 when it did what the op expects. */
static int bench_lat_call(struct bench_ctx *c, enum bench_lat_op op)
{
	unsigned long a;
	int ret;

	switch (op) {
	case BL_FAIL3:
		ret = bench_alloc(c, 3, &a);
		if (!ret) {
			bench_free(c, a, 3);
			return -EEXIST;
		}
		return 0;
	case BL_ALIGN4:
		ret = vmem_xalloc(c->vm, 2UL << c->qshift, 4UL << c->qshift,
				  0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
				  c->vmflag, &a);
		if (!ret) {
			vmem_xfree(c->vm, a, 2UL << c->qshift);
			return -EEXIST;
		}
		return 0;
	default:
		ret = bench_alloc(c, 2, &a);
		if (!ret)
			bench_free(c, a, 2);
		return ret;
	}
}

static void bench_lat_op(struct bench_ctx *c, unsigned long n,
			 enum bench_lat_op op)
{
	u64 t0, t1, end, longest = 0, total = 0;
	unsigned long flags, calls = 0;
	int ret = 0;

	end = ktime_get_ns() + (u64)cell_ms * NSEC_PER_MSEC;
	while (calls < BENCH_LAT_CALLS && (calls < 4 || ktime_get_ns() < end)) {
		local_irq_save(flags);
		t0 = ktime_get_ns();
		ret = bench_lat_call(c, op);
		t1 = ktime_get_ns();
		local_irq_restore(flags);
		if (ret)
			break;
		longest = max(longest, t1 - t0);
		total += t1 - t0;
		calls++;
		cond_resched();
	}
	if (ret)
		pr_info("F,lat-%s,%s,%lu,%d\n", bench_lat_ops[op], c->def->name,
			n, ret);
	else
		pr_info("L,lat,%s,%lu,%s,%lu,%llu,%llu\n", c->def->name, n,
			bench_lat_ops[op], calls, longest, total);
}

/* 4n quanta, full: n live of two quanta, n holes of two. */
static void bench_lat_cell(const char *wl, const struct bench_def *def,
			   unsigned long n, unsigned long *addr)
{
	struct bench_ctx *c;
	unsigned int op;

	c = bench_cell_create(wl, def, n, 4 * n);
	if (!c)
		return;
	if (bench_tile(wl, c, n, 2, addr))
		goto out;
	for (op = 0; op < BL_COUNT; op++)
		if (op != BL_ALIGN4 || c->kind == BK_VMEM)
			bench_lat_op(c, n, op);
	bench_untile(c, n, 2, addr);
out:
	bench_cell_destroy(c);
}

static void bench_lat(void)
{
	static const unsigned int defs[] = {
		BD_VMEM_IF, BD_VMEM_BF, BD_VMEM_NF, BD_IOVA,
	};

	bench_tiled("lat", defs, ARRAY_SIZE(defs), bench_lat_cell);
}

/*
 * === Workload import: child arenas importing from one source ===
 *
 * The sample's device address space (samples/vmem_client), scaled up:
 * BENCH_IMPORT_CHILDREN arenas import from one source arena in spans of at
 * least BENCH_IMPORT_QUANTUM pages (import_quantum), and give a span back
 * when it is wholly free.  n buffers of 1-8 pages go to the children in
 * turn (the fill), then pairs free a random buffer and allocate one of a
 * random size in the same child.  The source's calls are the children's
 * imports and releases: during the fill they should be about the bytes
 * live over the import quantum, and a pair should cost the same whatever
 * the number of spans.  The control, vmem-noimport, runs the same calls on
 * children that each own one span large enough from the start: what a
 * pair costs more at large n there is the memory the pairs touch, not the
 * spans.
 */

#define BENCH_IMPORT_CHILDREN	16
#define BENCH_IMPORT_QUANTUM	64		/* pages */

static const unsigned long bench_import_n[] = { 1000, 10000, 100000 };

static void bench_import_calls(struct vmem **child, u64 *imports,
			       u64 *releases)
{
	unsigned long flags;
	unsigned int i;

	*imports = 0;
	*releases = 0;
	for (i = 0; i < BENCH_IMPORT_CHILDREN; i++) {
		spin_lock_irqsave(&child[i]->lock, flags);
		*imports += child[i]->stats.import;
		*releases += child[i]->stats.release;
		spin_unlock_irqrestore(&child[i]->lock, flags);
	}
}

static void bench_import_cell(unsigned long n, unsigned long *addr, u8 *sizes,
			      bool import)
{
	const char *what = import ? "vmem-import" : "vmem-noimport";
	/* Room for a child's share of buffers of BENCH_MP_MAX pages. */
	unsigned long share = (n / BENCH_IMPORT_CHILDREN + 1) * BENCH_MP_MAX *
			      2 * PAGE_SIZE;
	struct vmem *child[BENCH_IMPORT_CHILDREN] = { NULL };
	unsigned long i = 0, k, slot, live = 0, nq, ops = 0;
	u64 imp0, rel0, imp, rel, t0, t = 0, end;
	char name[VMEM_NAME_MAX];
	struct vmem *src, *vm;
	int ret = 0;

	src = vmem_create("bench-import-src", BENCH_BASE,
			  1UL << (BITS_PER_LONG - 4), PAGE_SIZE, NULL, NULL,
			  NULL, 0, VMEM_SLEEP);
	if (IS_ERR(src)) {
		pr_info("F,import,%s,%lu,%ld\n", what, n, PTR_ERR(src));
		return;
	}
	for (k = 0; k < BENCH_IMPORT_CHILDREN; k++) {
		struct vmem_args args = {
			.quantum = PAGE_SIZE,
			.source = import ? src : NULL,
			.import_quantum = import ? BENCH_IMPORT_QUANTUM *
						   PAGE_SIZE : 0,
		};

		/* The control: the same addresses, one span each. */
		if (!import) {
			args.base = BENCH_BASE + k * share;
			args.size = share;
		}

		snprintf(name, sizeof(name), "bench-import-%lu", k);
		child[k] = vmem_xcreate(name, &args, VMEM_SLEEP);
		if (IS_ERR(child[k])) {
			ret = PTR_ERR(child[k]);
			child[k] = NULL;
			goto out;
		}
	}

	for (i = 0; i < n; i++) {
		/* 1-8 pages (tbl->size is 1-64 once mixed has run). */
		sizes[i] = 1 + tbl->slot[i & (BENCH_TBL - 1)] % BENCH_MP_MAX;
		ret = vmem_alloc(child[i % BENCH_IMPORT_CHILDREN],
				 (unsigned long)sizes[i] << PAGE_SHIFT,
				 VMEM_SLEEP, &addr[i]);
		if (ret)
			goto out;
		live += (unsigned long)sizes[i] << PAGE_SHIFT;
	}
	bench_import_calls(child, &imp0, &rel0);
	if (import)
		pr_info("S,fill,%lu,%lu,%llu,%llu,%lu,%lu\n", n, live, imp0,
			rel0, BENCH_IMPORT_QUANTUM * PAGE_SIZE, n);
	cond_resched();

	/* The pairs: the slot and size sequences of the other workloads. */
	t0 = ktime_get_ns();
	end = t0 + (u64)cell_ms * NSEC_PER_MSEC;
	do {
		for (k = 0; k < 64; k++, ops++) {
			slot = tbl->slot[ops & (BENCH_TBL - 1)] % n;
			vm = child[slot % BENCH_IMPORT_CHILDREN];
			vmem_free(vm, addr[slot],
				  (unsigned long)sizes[slot] << PAGE_SHIFT);
			live -= (unsigned long)sizes[slot] << PAGE_SHIFT;
			sizes[slot] = 0;
			nq = 1 + tbl->slot[(ops * 7919) & (BENCH_TBL - 1)] %
				 BENCH_MP_MAX;
			ret = vmem_alloc(vm, nq << PAGE_SHIFT, VMEM_NOSLEEP,
					 &addr[slot]);
			if (ret)
				goto out;
			sizes[slot] = nq;
			live += nq << PAGE_SHIFT;
		}
		t = ktime_get_ns();
		cond_resched();
	} while (t < end && ops < max_ops);
	bench_import_calls(child, &imp, &rel);
	pr_info("R,import,%s,%lu,0,1,%lu,%llu\n", what, n, ops, t - t0);
	if (import)
		pr_info("S,pairs,%lu,%lu,%llu,%llu,%lu,%lu\n", n, live,
			imp - imp0, rel - rel0,
			BENCH_IMPORT_QUANTUM * PAGE_SIZE, ops);
out:
	if (ret)
		pr_info("F,import,%s,%lu,%d\n", what, n, ret);
	while (i--)
		if (sizes[i])
			vmem_free(child[i % BENCH_IMPORT_CHILDREN], addr[i],
				  (unsigned long)sizes[i] << PAGE_SHIFT);
	for (k = 0; k < BENCH_IMPORT_CHILDREN; k++)
		vmem_destroy(child[k]);
	vmem_destroy(src);
	cond_resched();
}

static void bench_import(void)
{
	unsigned long n, *addr;
	unsigned int i;
	u8 *sizes;

	for (i = 0; i < ARRAY_SIZE(bench_import_n); i++) {
		n = bench_import_n[i];
		if (n > max_n)
			break;
		addr = kvmalloc_array(n, sizeof(*addr), GFP_KERNEL);
		sizes = kvzalloc(n, GFP_KERNEL);
		if (!addr || !sizes)
			pr_info("F,import,-,%lu,%d\n", n, -ENOMEM);
		if (addr && sizes && bench_name_usable("vmem-import"))
			bench_import_cell(n, addr, sizes, true);
		if (addr && sizes && bench_name_usable("vmem-noimport"))
			bench_import_cell(n, addr, sizes, false);
		kvfree(sizes);
		kvfree(addr);
	}
}

/*
 * === Workload cliff: pairs as the arena fills up ===
 *
 * An arena of BENCH_CLIFF_QUANTA quanta holds segments of 1-16 quanta (all
 * of them cached sizes for vmem-if-qc16) that fill it to a given fraction;
 * then pairs free a random one and allocate a random size in its slot.
 * Near full, allocations fail now and then (counted: the slot stays empty
 * until it is drawn again).  With quantum caches, a miss makes a magazine
 * and a slab, or fails to, before the arena serves the request itself:
 * the pairs should not slow down much before the arena is really full.
 */

#define BENCH_CLIFF_QUANTA	BIT(16)
#define BENCH_CLIFF_MAX		16		/* quanta */

static const unsigned int bench_cliff_fill[] = { 500, 900, 990, 999 };

static void bench_cliff_cell(const struct bench_def *def, unsigned int fill,
			     unsigned long *addr, u8 *sizes)
{
	unsigned long n = 0, used = 0, ops = 0, fails = 0, slot, k;
	struct bench_ctx *c;
	u64 t0, t, end;
	u8 nq;

	c = bench_cell_create("cliff", def, fill, BENCH_CLIFF_QUANTA);
	if (!c)
		return;
	/*
	 * Fill: the sizes of the table until the fraction is reached, or an
	 * allocation fails (space the caches hold: VMEM_SLEEP would wait).
	 */
	while (used * 1000 < (u64)BENCH_CLIFF_QUANTA * fill) {
		nq = 1 + tbl->slot[n & (BENCH_TBL - 1)] % BENCH_CLIFF_MAX;
		if (bench_alloc(c, nq, &addr[n]))
			break;
		sizes[n++] = nq;
		used += nq;
	}
	if (!n) {
		pr_info("F,cliff,%s,%u,%d\n", def->name, fill, -ENOMEM);
		goto out;
	}
	cond_resched();

	t0 = ktime_get_ns();
	end = t0 + (u64)cell_ms * NSEC_PER_MSEC;
	do {
		for (k = 0; k < 64; k++, ops++) {
			slot = tbl->slot[(ops * 7919) & (BENCH_TBL - 1)] % n;
			if (sizes[slot])
				bench_free(c, addr[slot], sizes[slot]);
			nq = 1 + tbl->slot[ops & (BENCH_TBL - 1)] %
				 BENCH_CLIFF_MAX;
			sizes[slot] = nq;
			if (bench_alloc(c, nq, &addr[slot])) {
				sizes[slot] = 0;
				fails++;
			}
		}
		t = ktime_get_ns();
		cond_resched();
	} while (t < end && ops < max_ops);
	pr_info("K,cliff,%s,%u,%lu,%llu,%lu,%lu\n", def->name, fill, ops,
		t - t0, fails, used * 1000 / BENCH_CLIFF_QUANTA);

	while (n--)
		if (sizes[n])
			bench_free(c, addr[n], sizes[n]);
out:
	bench_cell_destroy(c);
}

static void bench_cliff(void)
{
	static const unsigned int defs[] = { BD_VMEM_IF, BD_VMEM_QC };
	unsigned long *addr;
	unsigned int i, j;
	u8 *sizes;

	addr = kvmalloc_array(BENCH_CLIFF_QUANTA, sizeof(*addr), GFP_KERNEL);
	sizes = kvzalloc(BENCH_CLIFF_QUANTA, GFP_KERNEL);
	if (!addr || !sizes) {
		pr_info("F,cliff,-,0,%d\n", -ENOMEM);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(bench_cliff_fill); i++)
		for (j = 0; j < ARRAY_SIZE(defs); j++)
			if (bench_def_usable(&bench_defs[defs[j]])) {
				memset(sizes, 0, BENCH_CLIFF_QUANTA);
				bench_cliff_cell(&bench_defs[defs[j]],
						 bench_cliff_fill[i], addr,
						 sizes);
			}
out:
	kvfree(sizes);
	kvfree(addr);
}

/*
 * === Workload steps: what a cached pair is made of ===
 *
 * A cached alloc/free pair takes its CPU's magazine lock twice (interrupts
 * saved and disabled around it), the RCU read lock once (the free's slab
 * lookup) and does one xchg() (the free's held byte); the rest is plain
 * loads and stores.  Each primitive is timed here in a loop of its own, in
 * the same kernel, to split the pair into its steps where no profiler
 * reaches (a stock kernel under qemu).
 */

#define BENCH_STEP_ITERS	BIT(20)

static DEFINE_SPINLOCK(bench_step_lock);
static u8 bench_step_byte;

enum bench_step_kind { BSK_LOOP, BSK_IRQ, BSK_SPIN, BSK_RCU, BSK_XCHG };

static const char *const bench_step_names[] = {
	[BSK_LOOP] = "loop",
	[BSK_IRQ] = "local_irq_save+restore",
	[BSK_SPIN] = "spin_lock_irqsave+unlock",
	[BSK_RCU] = "rcu_read_lock+unlock",
	[BSK_XCHG] = "WRITE_ONCE+xchg of a byte",
};

static noinline void bench_step_one(enum bench_step_kind k)
{
	unsigned long flags;

	switch (k) {
	case BSK_LOOP:
		barrier();
		break;
	case BSK_IRQ:
		local_irq_save(flags);
		local_irq_restore(flags);
		break;
	case BSK_SPIN:
		spin_lock_irqsave(&bench_step_lock, flags);
		spin_unlock_irqrestore(&bench_step_lock, flags);
		break;
	case BSK_RCU:
		rcu_read_lock();
		rcu_read_unlock();
		break;
	case BSK_XCHG:
		WRITE_ONCE(bench_step_byte, 1);
		if (!xchg(&bench_step_byte, 0))
			WRITE_ONCE(bench_step_byte, 2);
		break;
	}
}

static void bench_steps(void)
{
	unsigned int k;
	unsigned long i;
	u64 t0;

	for (k = 0; k < ARRAY_SIZE(bench_step_names); k++) {
		t0 = ktime_get_ns();
		for (i = 0; i < BENCH_STEP_ITERS; i++)
			bench_step_one(k);
		pr_info("P,steps,%s,%lu,%llu\n", bench_step_names[k],
			BENCH_STEP_ITERS, ktime_get_ns() - t0);
		cond_resched();
	}
}

/* === Workloads mixed and ids: random replacement with n live === */

static void bench_replace_cell(const char *wl, const struct bench_def *def,
			       unsigned long n, unsigned long *addr,
			       u8 *sizes, const u8 *init)
{
	struct bench_state s = {
		.step = BS_REPLACE, .n = n, .addr = addr, .sizes = sizes,
	};
	unsigned long i, nq, base, ops;
	unsigned int qshift;
	struct bench_ctx *c;
	u64 ns;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return;
	if (sizes) {		/* mixed: room for twice the worst case */
		base = BENCH_BASE;
		nq = 2 * BENCH_MIXED_MAX * n;
		qshift = PAGE_SHIFT;
	} else {		/* ids: identifiers 1 to 4n */
		base = 1;
		nq = 4 * n;
		qshift = 0;
	}
	ret = bench_create(c, def, base, nq, qshift);
	if (ret) {
		pr_info("F,%s,%s,%lu,%d\n", wl, def->name, n, ret);
		kfree(c);
		return;
	}
	for (i = 0; i < n; i++) {
		if (sizes)
			sizes[i] = init[i];
		ret = bench_alloc_setup(c, sizes ? sizes[i] : 1, &addr[i]);
		if (ret)
			break;
	}
	if (ret) {
		pr_info("F,%s,%s,%lu,%d\n", wl, def->name, n, ret);
		n = i;
		goto out;
	}
	cond_resched();

	ops = bench_run(c, &s, &ns);
	bench_report(wl, c, n, sizes ? 0 : 1, 1, ops, ns, s.err);
out:
	for (i = 0; i < n; i++)
		if (addr[i] != ULONG_MAX)
			bench_free(c, addr[i], sizes ? sizes[i] : 1);
	bench_destroy(c);
	kfree(c);
	cond_resched();
}

static void bench_replace(const char *wl, const unsigned int *defs,
			  unsigned int ndefs, unsigned long top, bool mixed)
{
	unsigned long n, i, *addr;
	struct rnd_state rnd;
	u8 *sizes = NULL, *init = NULL;
	unsigned int j;

	for (n = 1000; n <= top; n *= 10) {
		addr = kvmalloc_array(n, sizeof(*addr), GFP_KERNEL);
		if (mixed) {
			sizes = kvmalloc(n, GFP_KERNEL);
			init = kvmalloc(n, GFP_KERNEL);
		}
		if (!addr || (mixed && (!sizes || !init))) {
			pr_info("F,%s,-,%lu,%d\n", wl, n, -ENOMEM);
			goto next;
		}
		if (mixed) {
			prandom_seed_state(&rnd, BENCH_SEED + n);
			for (i = 0; i < n; i++)
				init[i] = 1 + prandom_u32_state(&rnd) %
					      BENCH_MIXED_MAX;
		}
		for (j = 0; j < ndefs; j++)
			if (bench_def_usable(&bench_defs[defs[j]]))
				bench_replace_cell(wl, &bench_defs[defs[j]], n,
						   addr, sizes, init);
next:
		kvfree(init);
		kvfree(sizes);
		kvfree(addr);
		if (!addr)
			return;
	}
}

static void bench_mixed(void)
{
	static const unsigned int defs[] = {
		BD_VMEM_IF, BD_VMEM_BF, BD_VMEM_NF, BD_VMEM_QC,
		BD_GP_FF, BD_GP_BF, BD_IOVA, BD_IOVA_FAST,
	};
	unsigned int i;

	for (i = 0; i < BENCH_TBL; i++)
		tbl->size[i] = 1 + tbl->slot[(i * 7919) & (BENCH_TBL - 1)] %
				   BENCH_MIXED_MAX;
	bench_replace("mixed", defs, ARRAY_SIZE(defs),
		      min(max_n, mixed_max_n), true);
}

static void bench_ids(void)
{
	static const unsigned int defs[] = {
		BD_VMEM_NF, BD_VMEM_IF, BD_VMEM_QC, BD_IDA, BD_IDR,
		BD_GP_FF, BD_IOVA_FAST,
	};

	bench_replace("ids", defs, ARRAY_SIZE(defs), max_n, false);
}

/* === Workload mp: every online CPU at once === */

struct bench_thread {
	struct bench_ctx *c;
	struct completion done;
	atomic_t *ready;
	bool *go;
	u64 end;			/* ktime_get_ns() to stop at */
	unsigned long ops;
	int err;
	unsigned long addr[BENCH_MP_RING];
	u8 size[BENCH_MP_RING];
};

static int bench_mp_thread(void *arg)
{
	struct bench_thread *t = arg;
	struct bench_ctx *c = t->c;
	unsigned long i = 0, k, slot;
	u8 nq;
	int ret = 0;

	atomic_inc(t->ready);
	while (!READ_ONCE(*t->go)) {
		cond_resched();
		cpu_relax();
	}
	/* Each thread walks the size table from its own place. */
	k = (unsigned long)raw_smp_processor_id() * 4099;
	do {
		slot = i % BENCH_MP_RING;
		if (t->size[slot])
			bench_free(c, t->addr[slot], t->size[slot]);
		nq = 1 + tbl->size[(i + k) & (BENCH_TBL - 1)] % BENCH_MP_MAX;
		ret = bench_alloc(c, nq, &t->addr[slot]);
		t->size[slot] = ret ? 0 : nq;
		if (ret)
			break;
		i++;
		if (!(i & 255))
			cond_resched();
	} while ((i & 15) || ktime_get_ns() < t->end);
	t->ops = i;
	t->err = ret;
	for (slot = 0; slot < BENCH_MP_RING; slot++)
		if (t->size[slot])
			bench_free(c, t->addr[slot], t->size[slot]);
	kthread_complete_and_exit(&t->done, 0);
}

/* Run threads on @cpus (the first CPU, or all online); report. */
static void bench_mp_run(struct bench_ctx *c, const struct cpumask *cpus)
{
	unsigned int nr = cpumask_weight(cpus), i = 0, cpu;
	struct bench_thread *threads;
	struct task_struct *task;
	unsigned long ops = 0;
	atomic_t ready = ATOMIC_INIT(0);
	bool go = false;
	int err = 0;
	u64 t0;

	threads = kvcalloc(nr, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return;
	for_each_cpu(cpu, cpus) {
		struct bench_thread *t = &threads[i];

		t->c = c;
		t->ready = &ready;
		t->go = &go;
		init_completion(&t->done);
		task = kthread_create(bench_mp_thread, t, "vmem_bench/%u", cpu);
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
			break;
		}
		kthread_bind(task, cpu);
		wake_up_process(task);
		i++;
	}
	while (atomic_read(&ready) < i)
		schedule_timeout_uninterruptible(1);
	t0 = ktime_get_ns();
	for (cpu = 0; cpu < i; cpu++)
		threads[cpu].end = t0 + (u64)mp_ms * NSEC_PER_MSEC;
	smp_wmb();	/* the deadlines before go */
	WRITE_ONCE(go, true);
	for (cpu = 0; cpu < i; cpu++) {
		wait_for_completion(&threads[cpu].done);
		ops += threads[cpu].ops;
		err = err ?: threads[cpu].err;
	}
	if (!err && i < nr)
		err = -ECHILD;
	bench_report("mp", c, 0, 0, nr, ops, ktime_get_ns() - t0, err);
	kvfree(threads);
}

static void bench_mp(void)
{
	static const unsigned int defs[] = {
		BD_VMEM_IF, BD_VMEM_QC, BD_IOVA, BD_IOVA_FAST, BD_GP_FF, BD_IDA,
	};
	struct bench_ctx *c;
	unsigned int j;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return;
	for (j = 0; j < ARRAY_SIZE(defs); j++) {
		const struct bench_def *def = &bench_defs[defs[j]];

		if (!bench_def_usable(def))
			continue;
		ret = bench_create(c, def, def->kind == BK_IDA ? 1 : BENCH_BASE,
				   1UL << 22, def->kind == BK_IDA ? 0 : PAGE_SHIFT);
		if (ret) {
			pr_info("F,mp,%s,0,%d\n", def->name, ret);
			continue;
		}
		bench_mp_run(c, cpumask_of(cpumask_first(cpu_online_mask)));
		bench_mp_run(c, cpu_online_mask);
		bench_destroy(c);
	}
	kfree(c);
}

/* === Memory of n packed live segments === */

static void bench_mem(void)
{
	static const unsigned int defs[] = {
		BD_VMEM_IF, BD_VMEM_QC, BD_GP_FF, BD_IOVA, BD_IOVA_FAST,
		BD_IDA, BD_IDR,
	};
	unsigned long n = min(max_n, 1000000UL), i, before, *addr;
	struct bench_ctx *c;
	unsigned int j;
	bool ids;
	int ret;

	addr = kvmalloc_array(n, sizeof(*addr), GFP_KERNEL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!addr || !c)
		goto out;
	for (j = 0; j < ARRAY_SIZE(defs); j++) {
		const struct bench_def *def = &bench_defs[defs[j]];

		if (!bench_def_usable(def))
			continue;
		ids = def->kind == BK_IDA || def->kind == BK_IDR;
		before = bench_used_bytes();
		ret = bench_create(c, def, ids ? 1 : BENCH_BASE, 2 * n,
				   ids ? 0 : PAGE_SHIFT);
		if (ret) {
			pr_info("F,mem,%s,%lu,%d\n", def->name, n, ret);
			continue;
		}
		for (i = 0; i < n; i++) {
			ret = bench_alloc_setup(c, 1, &addr[i]);
			if (ret)
				break;
		}
		if (ret)
			pr_info("F,mem,%s,%lu,%d\n", def->name, n, ret);
		else
			bench_report_mem(c, "packed", n, before);
		while (i--)
			bench_free(c, addr[i], 1);
		bench_destroy(c);
		cond_resched();
	}
out:
	kfree(c);
	kvfree(addr);
}

/* === Set-up === */

/*
 * Are quantum caches at work?  After one cached-size allocation is freed,
 * the arena still holds an allocated segment (the cache's slab) when they
 * are; vmem_size() counts what caches hold as free, so walk the segments.
 */
static int bench_qcache_active(void)
{
	struct bench_count cnt = { 0 };
	unsigned long a;
	struct vmem *vm;

	vm = vmem_create("vmem-bench-probe", BENCH_BASE, 1UL << 30,
			 BENCH_QUANTUM, NULL, NULL, NULL,
			 BENCH_QCACHE * BENCH_QUANTUM, VMEM_SLEEP);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	if (vmem_alloc(vm, BENCH_QUANTUM, VMEM_SLEEP, &a)) {
		vmem_destroy(vm);
		return -ENOMEM;
	}
	vmem_free(vm, a, BENCH_QUANTUM);
	vmem_walk(vm, VMEM_ALLOC, bench_count_seg, &cnt);
	vmem_destroy(vm);
	return cnt.segs != 0;
}

static bool bench_want(const char *name)
{
	return bench_listed(workloads, name);
}

static int __init vmem_bench_init(void)
{
	struct rnd_state rnd;
	unsigned int i;
	u64 t0 = ktime_get_ns();

	tbl = kvmalloc(sizeof(*tbl), GFP_KERNEL);
	if (!tbl)
		return -ENOMEM;
	prandom_seed_state(&rnd, BENCH_SEED);
	for (i = 0; i < BENCH_TBL; i++) {
		tbl->slot[i] = prandom_u32_state(&rnd);
		tbl->size[i] = 1 + tbl->slot[i] % BENCH_MP_MAX;
	}

	pr_info("I,kernel,%s %s\n", init_utsname()->release,
		init_utsname()->machine);
	pr_info("I,cpus,%u\n", num_online_cpus());
	pr_info("I,cell_ms,%u\n", cell_ms);
	pr_info("I,mp_ms,%u\n", mp_ms);
	pr_info("I,vmem_seg_bytes,%zu\n", sizeof(struct vmem_seg));
	pr_info("I,qcache_active,%d\n", bench_qcache_active());
	pr_info("I,iova,%d\n", bench_has_iova());
	pr_info("I,builtin,%d\n", !bench_module);
	pr_info("I,mem_method,%s\n", bench_module ? "slab" : "pages");

	/* The memory pass first, while free memory is least fragmented. */
	if (bench_want("mem"))
		bench_mem();
	if (bench_want("frag"))
		bench_frag();
	if (bench_want("mixed"))
		bench_mixed();
	if (bench_want("ids"))
		bench_ids();
	if (bench_want("mp"))
		bench_mp();
	if (bench_want("cost"))
		bench_cost();
	if (bench_want("lat"))
		bench_lat();
	if (bench_want("import"))
		bench_import();
	if (bench_want("cliff"))
		bench_cliff();
	if (bench_want("steps"))
		bench_steps();

	kvfree(tbl);
	tbl = NULL;
	pr_info("I,seconds,%llu\n", div_u64(ktime_get_ns() - t0, NSEC_PER_SEC));
	pr_info("done\n");
#ifndef MODULE
	if (bench_halt)
		kernel_halt();
#endif
	return 0;
}

static void __exit vmem_bench_exit(void)
{
}

late_initcall(vmem_bench_init);
module_exit(vmem_bench_exit);

MODULE_DESCRIPTION("vmem benchmark against genalloc, IOVA, IDA and IDR");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMEM_NS);
