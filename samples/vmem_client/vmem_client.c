// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_client: a sample driver that uses vmem.ko through <linux/vmem.h>.
 *
 * It plays four parts a real driver might:
 *
 *  - an identifier allocator: "client-pids" hands out PID-like identifiers
 *    in [300, 32768) with next fit, so that a freed identifier is not handed
 *    out again at once;
 *  - a device address space: "client-dev" is a 1 GiB window of a device's
 *    address space with a 4 KiB quantum, and each of a few device contexts
 *    gets an arena of its own ("client-ctxN") that imports from it, made
 *    with vmem_xcreate(): the first three import 64 KiB at a time (an
 *    import quantum), so that their many small buffers cost the device
 *    arena few calls; the last imports as needed, for comparison.  The
 *    contexts allocate DMA-style buffers with vmem_xalloc(): aligned, not
 *    crossing 64 KiB or 1 MiB boundaries, below the device's highest
 *    address; freeing them all gives every imported span back;
 *  - a DMA32-friendly I/O address space: "client-iova" places the buffers
 *    of capable devices with VMEM_TOPDOWN, from the top down, so that the
 *    low addresses stay free for a device that can only reach the first
 *    256 MiB, whose buffers are packed down from that limit;
 *  - a shared pool under load: "client-mt" is used at once by a kernel
 *    thread on every online CPU, by a thread with hard interrupts disabled
 *    and by a hard-interrupt timer, all with VMEM_NOSLEEP, while a bitmap of
 *    the resources proves that no two live allocations overlap.  On
 *    PREEMPT_RT, where vmem (like the kernel's own allocators) may not be
 *    called in hard interrupt context or with interrupts hard-disabled, the
 *    timer expires in softirq context and the thread's spinlock leaves
 *    interrupts on: the atomic contexts RT allows.  It runs
 *    twice: first as "client-mtq", whose sizes up to 16 come from quantum
 *    caches (per-CPU magazines), which is then destroyed; then as
 *    "client-mt", without caches, which stays.
 *
 * Writing a number N to /sys/kernel/debug/vmem_client/alloc_test makes N
 * allocations of one resource from "client-mt", each freed at once, and
 * the report then says how many succeeded and how many got -ENOMEM: with
 * vmem's fault injection (debugfs vmem/client-mt/fail/) a test sees that a
 * driver's error path is taken exactly as often as it asked.
 *
 * All of it runs at load time.  What the client saw is reported in the
 * kernel log, as "PASS <check>: ..." / "FAIL <check>: ..." lines and one
 * "arena ..." line per arena, and in /sys/kernel/debug/vmem_client/report,
 * which lists the arenas and every allocation the client still holds, so
 * that a test can compare them with vmem's own debugfs files.  The arenas
 * and the allocations stay until the module is unloaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/kstrtox.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmem.h>
#include <vmem_compat.h>

/* Identifiers: like PIDs, [300, 32768), handed out in rotation. */
#define CLIENT_PID_MIN		300UL
#define CLIENT_PID_END		32768UL
#define CLIENT_PIDS		64	/* live identifiers */
#define CLIENT_PIDS_FREED	16	/* freed, then as many allocated */

/* The device: a 1 GiB window at 1 GiB; buffers must lie below 1.5 GiB. */
#define CLIENT_DEV_BASE		SZ_1G
#define CLIENT_DEV_SIZE		SZ_1G
#define CLIENT_DEV_QUANTUM	SZ_4K
#define CLIENT_DEV_MAXADDR	(CLIENT_DEV_BASE + SZ_512M - 1)
#define CLIENT_DEV_PAGES	(CLIENT_DEV_SIZE / CLIENT_DEV_QUANTUM)
#define CLIENT_NR_CTX		4
#define CLIENT_NR_CTX_IQ	3	/* contexts with an import quantum */
#define CLIENT_CTX_IMPORT	SZ_64K	/* their import quantum */
#define CLIENT_BUFS		64	/* buffers per context and round */

/* I/O addresses [64 KiB, 1 GiB); a limited device reaches below 256 MiB. */
#define CLIENT_IOVA_BASE	SZ_64K
#define CLIENT_IOVA_END		SZ_1G
#define CLIENT_IOVA_LIMIT	SZ_256M
#define CLIENT_IOVA_QUANTUM	SZ_4K
#define CLIENT_IOVA_HIGH	48	/* buffers of capable devices */
#define CLIENT_IOVA_LOW		16	/* buffers of the limited device */

/* The shared pool: 64 Ki resources, 0 included, 1 to 64 at a time. */
#define CLIENT_MT_SIZE		65536UL
#define CLIENT_MT_MAX		64
#define CLIENT_MT_SLOTS		32	/* live allocations per thread */
#define CLIENT_MT_QCACHE	16	/* sizes cached in the first run */
#define CLIENT_IRQOFF_BATCH	8
#define CLIENT_TIMER_NS		(200 * NSEC_PER_USEC)

static unsigned int iterations = 20000;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "allocations per stress thread (default 20000)");

/* An arena and what the client itself counted of its use. */
struct client_arena {
	struct vmem *vm;
	char name[VMEM_NAME_MAX];
	unsigned long quantum;
	atomic_long_t allocs;
	atomic_long_t frees;
	atomic_long_t fails;
};

/* A buffer in a device context. */
struct client_buf {
	unsigned long addr;
	unsigned long size;
	bool live;
};

/* A stress thread, or the thread with interrupts disabled. */
struct client_worker {
	struct task_struct *task;
	struct completion done;
	struct rnd_state rnd;
	unsigned int cpu;
	bool irqoff;
	unsigned long ops;
	unsigned long addr[CLIENT_MT_SLOTS];
	unsigned long size[CLIENT_MT_SLOTS];
};

/*
 * The pool's timer and atomic thread, in the contexts vmem's contract names
 * on this kernel: any that may take a spinlock_t.  An ordinary hrtimer
 * expires in hard interrupt context, or in softirq context on PREEMPT_RT
 * (an HRTIMER_MODE_*_HARD one may not take a spinlock_t: lockdep's
 * PROVE_RAW_LOCK_NESTING says so on every kernel).  The thread holds a
 * spinlock_t with interrupts disabled, which on RT leaves them enabled and
 * disables migration instead.
 */
#define CLIENT_TIMER_MODE	HRTIMER_MODE_REL
#ifdef CONFIG_PREEMPT_RT
#define CLIENT_TIMER_CTX	"softirq"
#define CLIENT_ATOMIC_CTX	"a spinlock held"
#define client_timer_in_ctx()	in_serving_softirq()
#define client_atomic_ok()	(current->migration_disabled != 0)
#else
#define CLIENT_TIMER_CTX	"hardirq"
#define CLIENT_ATOMIC_CTX	"hard interrupts disabled"
#define client_timer_in_ctx()	in_hardirq()
#define client_atomic_ok()	irqs_disabled()
#endif

static DEFINE_SPINLOCK(client_atomic_lock);
static struct client_arena pids, dev, ctx[CLIENT_NR_CTX], mt, iova;
static struct client_buf iova_bufs[CLIENT_IOVA_HIGH + CLIENT_IOVA_LOW];
static unsigned long pid_live[CLIENT_PIDS];
static bool pid_held[CLIENT_PIDS];
static struct client_buf bufs[CLIENT_NR_CTX][CLIENT_BUFS];
static unsigned long *dev_map;	/* one bit per device page in use */
static unsigned long *mt_map;	/* one bit per pool resource in use */
static atomic_long_t mt_overlaps;
static atomic_long_t mt_irqon;	/* ops of the atomic thread not atomic */
static DECLARE_COMPLETION(mt_start);
static struct hrtimer mt_timer;
static struct rnd_state mt_timer_rnd;
static unsigned long mt_timer_runs, mt_timer_in_ctx, mt_timer_ops;
static unsigned int checks_passed, checks_failed;
static struct dentry *client_debugfs;
/* What the last write to alloc_test did. */
static DEFINE_MUTEX(alloc_test_lock);
static unsigned int alloc_test_calls, alloc_test_ok, alloc_test_enomem;
static unsigned int alloc_test_other;

static void client_check(bool ok, const char *check, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (ok)
		checks_passed++;
	else
		checks_failed++;
	pr_info("%s %s: %pV\n", ok ? "PASS" : "FAIL", check, &vaf);
	va_end(args);
}

static int client_arena_create(struct client_arena *ca, const char *name,
			       unsigned long base, unsigned long size,
			       unsigned long quantum, struct client_arena *src,
			       unsigned long qcache_max,
			       unsigned long import_quantum)
{
	struct vmem_args args = {
		.base = base,
		.size = size,
		.quantum = quantum,
		.qcache_max = qcache_max,
		.source = src ? src->vm : NULL,
		.import_quantum = import_quantum,
	};

	strscpy(ca->name, name, sizeof(ca->name));
	ca->quantum = quantum;
	atomic_long_set(&ca->allocs, 0);
	atomic_long_set(&ca->frees, 0);
	atomic_long_set(&ca->fails, 0);
	ca->vm = vmem_xcreate(ca->name, &args, VMEM_SLEEP);
	if (IS_ERR(ca->vm)) {
		pr_err("vmem_xcreate('%s'): %ld\n", name, PTR_ERR(ca->vm));
		return PTR_ERR(ca->vm);
	}
	return 0;
}

static void client_arena_destroy(struct client_arena *ca)
{
	if (!IS_ERR_OR_NULL(ca->vm))
		vmem_destroy(ca->vm);
	ca->vm = NULL;
}

/* One line about an arena, to the report file or, without @m, the log. */
static void client_arena_report(struct seq_file *m, struct client_arena *ca)
{
	char line[160];

	snprintf(line, sizeof(line),
		 "arena %s quantum %lu allocs %ld frees %ld fails %ld inuse %lu total %lu",
		 ca->name, ca->quantum, atomic_long_read(&ca->allocs),
		 atomic_long_read(&ca->frees), atomic_long_read(&ca->fails),
		 vmem_size(ca->vm, VMEM_ALLOC),
		 vmem_size(ca->vm, VMEM_ALLOC | VMEM_FREE));
	if (m)
		seq_printf(m, "%s\n", line);
	else
		pr_info("%s\n", line);
}

/* Mark [start, start + n) in use in @map; false if any bit already was. */
static bool client_claim(unsigned long *map, unsigned long start,
			 unsigned long n)
{
	bool ok = true;

	while (n--)
		if (test_and_set_bit(start + n, map))
			ok = false;
	return ok;
}

static void client_unclaim(unsigned long *map, unsigned long start,
			   unsigned long n)
{
	while (n--)
		clear_bit(start + n, map);
}

/* === Identifiers === */

static int client_pids(void)
{
	unsigned long freed[CLIENT_PIDS_FREED], id, top = 0;
	bool unique = true, reused = false, ordered = true;
	unsigned int i, j;
	int ret;

	ret = client_arena_create(&pids, "client-pids", CLIENT_PID_MIN,
				  CLIENT_PID_END - CLIENT_PID_MIN, 1, NULL, 0,
				  0);
	if (ret)
		return ret;

	for (i = 0; i < CLIENT_PIDS; i++) {
		ret = vmem_alloc(pids.vm, 1, VMEM_NOSLEEP | VMEM_NEXTFIT,
				 &pid_live[i]);
		if (ret) {
			atomic_long_inc(&pids.fails);
			return ret;
		}
		atomic_long_inc(&pids.allocs);
		pid_held[i] = true;
		for (j = 0; j < i; j++)
			if (pid_live[j] == pid_live[i])
				unique = false;
		top = max(top, pid_live[i]);
	}

	/* Processes exit: the oldest identifiers are freed ... */
	for (i = 0; i < CLIENT_PIDS_FREED; i++) {
		freed[i] = pid_live[i];
		vmem_free(pids.vm, freed[i], 1);
		atomic_long_inc(&pids.frees);
		pid_held[i] = false;
	}
	/* ... and new processes must not get them back at once. */
	for (i = 0; i < CLIENT_PIDS_FREED; i++) {
		ret = vmem_alloc(pids.vm, 1, VMEM_NOSLEEP | VMEM_NEXTFIT, &id);
		if (ret) {
			atomic_long_inc(&pids.fails);
			return ret;
		}
		atomic_long_inc(&pids.allocs);
		for (j = 0; j < CLIENT_PIDS_FREED; j++)
			if (id == freed[j])
				reused = true;
		if (id <= top)
			ordered = false;
		top = max(top, id);
		pid_live[i] = id;
		pid_held[i] = true;
	}

	client_check(unique && pid_live[CLIENT_PIDS - 1] < CLIENT_PID_END,
		     "pids-unique", "%u identifiers in [%lu, %lu), all distinct",
		     CLIENT_PIDS, CLIENT_PID_MIN, CLIENT_PID_END);
	client_check(!reused && ordered, "pids-nextfit",
		     "freed %u identifiers from %lu, the next %u were %lu..%lu",
		     CLIENT_PIDS_FREED, freed[0], CLIENT_PIDS_FREED,
		     pid_live[0], pid_live[CLIENT_PIDS_FREED - 1]);
	client_check(vmem_size(pids.vm, VMEM_ALLOC) == CLIENT_PIDS,
		     "pids-size", "%lu identifiers in use",
		     vmem_size(pids.vm, VMEM_ALLOC));
	return 0;
}

/* === Device address space === */

/*
 * A DMA-style buffer: 4 KiB to 2 MiB.  Up to 64 KiB a buffer must not cross
 * a 64 KiB boundary, up to 1 MiB not a 1 MiB boundary; larger ones are
 * aligned to 2 MiB.
 */
static void client_buf_shape(struct rnd_state *rnd, unsigned long *size,
			     unsigned long *align, unsigned long *nocross)
{
	unsigned int order = prandom_u32_state(rnd) % 10;
	unsigned long s = (unsigned long)CLIENT_DEV_QUANTUM << order;

	if (order)
		s -= CLIENT_DEV_QUANTUM *
		     (prandom_u32_state(rnd) % (1U << (order - 1)));
	*size = s;
	if (s <= SZ_64K) {
		*align = min_t(unsigned long, roundup_pow_of_two(s), SZ_16K);
		*nocross = SZ_64K;
	} else if (s <= SZ_1M) {
		*align = SZ_64K;
		*nocross = SZ_1M;
	} else {
		*align = SZ_2M;
		*nocross = 0;
	}
}

static bool client_buf_ok(unsigned long addr, unsigned long size,
			  unsigned long align, unsigned long nocross)
{
	unsigned long last = addr + size - 1;

	if (addr % align || addr < CLIENT_DEV_BASE || last > CLIENT_DEV_MAXADDR)
		return false;
	return !nocross || addr / nocross == last / nocross;
}

static const unsigned int client_ctx_policy[CLIENT_NR_CTX] = {
	VMEM_INSTANTFIT, VMEM_BESTFIT, VMEM_NEXTFIT, VMEM_INSTANTFIT,
};

/* One round: every context allocates CLIENT_BUFS buffers, interleaved. */
static void client_dev_alloc(struct rnd_state *rnd, unsigned int *bad,
			     unsigned int *overlaps)
{
	unsigned long size, align, nocross, addr;
	struct client_buf *b;
	unsigned int i, c;

	for (i = 0; i < CLIENT_BUFS; i++) {
		for (c = 0; c < CLIENT_NR_CTX; c++) {
			b = &bufs[c][i];
			client_buf_shape(rnd, &size, &align, &nocross);
			if (vmem_xalloc(ctx[c].vm, size, align, 0, nocross,
					CLIENT_DEV_BASE, CLIENT_DEV_MAXADDR,
					VMEM_SLEEP | client_ctx_policy[c],
					&addr)) {
				atomic_long_inc(&ctx[c].fails);
				continue;
			}
			atomic_long_inc(&ctx[c].allocs);
			b->addr = addr;
			b->size = size;
			b->live = true;
			if (!client_buf_ok(addr, size, align, nocross)) {
				pr_err("ctx%u: buffer %#lx size %#lx breaks align %#lx nocross %#lx max %#lx\n",
				       c, addr, size, align, nocross,
				       (unsigned long)CLIENT_DEV_MAXADDR);
				(*bad)++;
				continue;
			}
			if (!client_claim(dev_map,
					  (addr - CLIENT_DEV_BASE) / CLIENT_DEV_QUANTUM,
					  size / CLIENT_DEV_QUANTUM)) {
				pr_err("ctx%u: buffer %#lx size %#lx overlaps another\n",
				       c, addr, size);
				(*overlaps)++;
			}
		}
	}
}

static void client_buf_free(unsigned int c, struct client_buf *b)
{
	if (!b->live)
		return;
	client_unclaim(dev_map, (b->addr - CLIENT_DEV_BASE) / CLIENT_DEV_QUANTUM,
		       b->size / CLIENT_DEV_QUANTUM);
	vmem_xfree(ctx[c].vm, b->addr, b->size);
	atomic_long_inc(&ctx[c].frees);
	b->live = false;
}

static unsigned long client_ctx_bytes(unsigned int c)
{
	unsigned long bytes = 0;
	unsigned int i;

	for (i = 0; i < CLIENT_BUFS; i++)
		if (bufs[c][i].live)
			bytes += bufs[c][i].size;
	return bytes;
}

static void client_walk_count(void *arg, unsigned long addr,
			      unsigned long size)
{
	(*(unsigned long *)arg)++;
}

/* Spans of a context: how many, and how many are not whole imports. */
struct client_spans {
	unsigned long n;
	unsigned long odd;
	unsigned long import_quantum;
};

static void client_walk_span(void *arg, unsigned long addr,
			     unsigned long size)
{
	struct client_spans *sp = arg;

	sp->n++;
	if (sp->import_quantum && size % sp->import_quantum)
		sp->odd++;
}

static int client_dev(void)
{
	unsigned int bad = 0, overlaps = 0, fails, c, i;
	unsigned long imported = 0, inuse, segs, want, bufs_iq = 0;
	struct client_spans sp, spans_iq = { 0 };
	bool returned = true, sizes = true;
	struct rnd_state rnd;
	char name[VMEM_NAME_MAX];
	int ret;

	dev_map = bitmap_zalloc(CLIENT_DEV_PAGES, GFP_KERNEL);
	if (!dev_map)
		return -ENOMEM;
	ret = client_arena_create(&dev, "client-dev", CLIENT_DEV_BASE,
				  CLIENT_DEV_SIZE, CLIENT_DEV_QUANTUM, NULL, 0,
				  0);
	if (ret)
		return ret;
	for (c = 0; c < CLIENT_NR_CTX; c++) {
		snprintf(name, sizeof(name), "client-ctx%u", c);
		ret = client_arena_create(&ctx[c], name, 0, 0,
					  CLIENT_DEV_QUANTUM, &dev, 0,
					  c < CLIENT_NR_CTX_IQ ?
					  CLIENT_CTX_IMPORT : 0);
		if (ret)
			return ret;
	}
	prandom_seed_state(&rnd, 0x766d656dULL);

	/* Round 1: allocate, then free everything in a scattered order. */
	client_dev_alloc(&rnd, &bad, &overlaps);
	for (i = 0; i < CLIENT_BUFS; i++)
		for (c = 0; c < CLIENT_NR_CTX; c++)
			client_buf_free(c, &bufs[c][(i * 37) % CLIENT_BUFS]);
	for (c = 0; c < CLIENT_NR_CTX; c++)
		if (vmem_size(ctx[c].vm, VMEM_ALLOC | VMEM_FREE))
			returned = false;
	client_check(returned && !vmem_size(dev.vm, VMEM_ALLOC),
		     "dev-spans-returned",
		     "all buffers freed: %s holds %lu bytes, %s %lu bytes in use",
		     ctx[0].name, vmem_size(ctx[0].vm, VMEM_ALLOC | VMEM_FREE),
		     dev.name, vmem_size(dev.vm, VMEM_ALLOC));

	/* Round 2: allocate again and keep every other buffer. */
	client_dev_alloc(&rnd, &bad, &overlaps);
	for (c = 0; c < CLIENT_NR_CTX; c++)
		for (i = 1; i < CLIENT_BUFS; i += 2)
			client_buf_free(c, &bufs[c][i]);

	fails = 0;
	for (c = 0; c < CLIENT_NR_CTX; c++) {
		fails += atomic_long_read(&ctx[c].fails);
		inuse = vmem_size(ctx[c].vm, VMEM_ALLOC);
		if (inuse != client_ctx_bytes(c))
			sizes = false;
		segs = 0;
		vmem_walk(ctx[c].vm, VMEM_ALLOC, client_walk_count, &segs);
		want = 0;
		for (i = 0; i < CLIENT_BUFS; i++)
			want += bufs[c][i].live;
		if (segs != want)
			sizes = false;
		imported += vmem_size(ctx[c].vm, VMEM_ALLOC | VMEM_FREE);
		if (c >= CLIENT_NR_CTX_IQ)
			continue;
		sp = (struct client_spans){ .import_quantum = CLIENT_CTX_IMPORT };
		vmem_walk(ctx[c].vm, VMEM_SPAN, client_walk_span, &sp);
		spans_iq.n += sp.n;
		spans_iq.odd += sp.odd;
		bufs_iq += want;
	}
	client_check(!bad, "dev-constraints",
		     "%u buffers of 4 KiB..2 MiB, aligned, within [%#lx, %#lx], not crossing 64 KiB / 1 MiB",
		     2 * CLIENT_NR_CTX * CLIENT_BUFS - fails,
		     (unsigned long)CLIENT_DEV_BASE,
		     (unsigned long)CLIENT_DEV_MAXADDR);
	client_check(!overlaps, "dev-no-overlap", "%u overlapping buffers",
		     overlaps);
	client_check(!fails, "dev-no-failures", "%u failed allocations", fails);
	client_check(sizes, "dev-accounting",
		     "vmem_size() and vmem_walk() of each context match its live buffers");
	client_check(!spans_iq.odd && spans_iq.n < bufs_iq,
		     "dev-import-quantum",
		     "%lu live buffers of the contexts with an import quantum in %lu spans, %lu of them not whole %lu KiB imports",
		     bufs_iq, spans_iq.n, spans_iq.odd,
		     (unsigned long)CLIENT_CTX_IMPORT / SZ_1K);
	client_check(vmem_size(dev.vm, VMEM_ALLOC) == imported &&
		     vmem_contains(dev.vm, CLIENT_DEV_BASE, CLIENT_DEV_SIZE) &&
		     vmem_size(dev.vm, VMEM_ALLOC | VMEM_FREE) == CLIENT_DEV_SIZE,
		     "dev-imports", "%s: %lu bytes in use, the contexts imported %lu",
		     dev.name, vmem_size(dev.vm, VMEM_ALLOC), imported);
	return 0;
}

/* === A DMA32-friendly I/O address space === */

/*
 * Capable devices' buffers first, with VMEM_TOPDOWN: each at the top of the
 * one free segment, so they pack down from the end.  Then the limited
 * device's, with vmem_xalloc() below its limit, also top-down: they pack
 * down from the limit, and the addresses below stay free in one piece.
 */
static int client_iova(void)
{
	unsigned long size, addr, high = 0, low = 0, hmin = ULONG_MAX, lmin;
	bool placed_high = true, placed_low = true, low_free;
	struct client_buf *b;
	struct rnd_state rnd;
	unsigned int i;
	int ret;

	ret = client_arena_create(&iova, "client-iova", CLIENT_IOVA_BASE,
				  CLIENT_IOVA_END - CLIENT_IOVA_BASE,
				  CLIENT_IOVA_QUANTUM, NULL, 0, 0);
	if (ret)
		return ret;
	prandom_seed_state(&rnd, 0x696f7661ULL);
	lmin = CLIENT_IOVA_LIMIT;
	for (i = 0; i < ARRAY_SIZE(iova_bufs); i++) {
		b = &iova_bufs[i];
		size = CLIENT_IOVA_QUANTUM * (1 + prandom_u32_state(&rnd) % 16);
		if (i < CLIENT_IOVA_HIGH)
			ret = vmem_alloc(iova.vm, size,
					 VMEM_SLEEP | VMEM_TOPDOWN, &addr);
		else
			ret = vmem_xalloc(iova.vm, size, 0, 0, 0,
					  VMEM_ADDR_MIN, CLIENT_IOVA_LIMIT - 1,
					  VMEM_SLEEP | VMEM_TOPDOWN, &addr);
		if (ret) {
			atomic_long_inc(&iova.fails);
			continue;
		}
		atomic_long_inc(&iova.allocs);
		b->addr = addr;
		b->size = size;
		b->live = true;
		if (i < CLIENT_IOVA_HIGH) {
			/* Right below the previous one. */
			placed_high &= addr + size == CLIENT_IOVA_END - high;
			high += size;
			hmin = min(hmin, addr);
		} else {
			placed_low &= addr + size == CLIENT_IOVA_LIMIT - low;
			low += size;
			lmin = min(lmin, addr);
		}
	}
	client_check(placed_high && !atomic_long_read(&iova.fails),
		     "iova-topdown",
		     "%u buffers of capable devices packed down from the end: [%#lx, %#lx)",
		     CLIENT_IOVA_HIGH, hmin, (unsigned long)CLIENT_IOVA_END);
	client_check(placed_low, "iova-dma32",
		     "%u buffers of the limited device packed down from its limit: [%#lx, %#lx)",
		     CLIENT_IOVA_LOW, lmin, (unsigned long)CLIENT_IOVA_LIMIT);
	/* Below them, one free piece: it can be allocated whole. */
	low_free = !vmem_xalloc(iova.vm, lmin - CLIENT_IOVA_BASE, 0, 0, 0,
				CLIENT_IOVA_BASE, lmin - 1, VMEM_NOSLEEP,
				&addr);
	if (low_free) {
		atomic_long_inc(&iova.allocs);
		vmem_xfree(iova.vm, addr, lmin - CLIENT_IOVA_BASE);
		atomic_long_inc(&iova.frees);
	} else {
		atomic_long_inc(&iova.fails);
	}
	client_check(low_free && vmem_size(iova.vm, VMEM_ALLOC) == high + low,
		     "iova-low-free", "[%#lx, %#lx) free in one piece, %lu bytes in use",
		     (unsigned long)CLIENT_IOVA_BASE, lmin,
		     vmem_size(iova.vm, VMEM_ALLOC));
	return 0;
}

/* === Shared pool under load === */

static bool client_mt_alloc(struct rnd_state *rnd, unsigned long *addr,
			    unsigned long *size)
{
	static const unsigned int policy[] = {
		VMEM_INSTANTFIT, VMEM_BESTFIT, VMEM_NEXTFIT,
	};
	u32 r = prandom_u32_state(rnd);

	*size = 1 + r % CLIENT_MT_MAX;
	if (vmem_alloc(mt.vm, *size, VMEM_NOSLEEP | policy[(r >> 8) % 3],
		       addr)) {
		atomic_long_inc(&mt.fails);
		return false;
	}
	atomic_long_inc(&mt.allocs);
	if (!client_claim(mt_map, *addr, *size))
		atomic_long_inc(&mt_overlaps);
	return true;
}

static void client_mt_free(unsigned long addr, unsigned long size)
{
	client_unclaim(mt_map, addr, size);
	vmem_free(mt.vm, addr, size);
	atomic_long_inc(&mt.frees);
}

/* A thread bound to one CPU: a ring of live allocations, freed in turn. */
static void client_stress(struct client_worker *w)
{
	unsigned int i, slot;

	for (i = 0; i < iterations; i++) {
		slot = i % CLIENT_MT_SLOTS;
		if (w->size[slot])
			client_mt_free(w->addr[slot], w->size[slot]);
		w->size[slot] = 0;
		if (client_mt_alloc(&w->rnd, &w->addr[slot], &w->size[slot]))
			w->ops++;
		else
			w->size[slot] = 0;
		if (!(i % 256))
			cond_resched();
	}
	for (slot = 0; slot < CLIENT_MT_SLOTS; slot++)
		if (w->size[slot])
			client_mt_free(w->addr[slot], w->size[slot]);
}

/*
 * Batches allocated and freed under a spinlock with hard interrupts
 * disabled (on PREEMPT_RT the lock leaves them enabled).
 */
static void client_irqoff(struct client_worker *w)
{
	unsigned long flags;
	unsigned int i, j, n;

	for (i = 0; i < iterations / CLIENT_IRQOFF_BATCH; i++) {
		spin_lock_irqsave(&client_atomic_lock, flags);
		n = 0;
		for (j = 0; j < CLIENT_IRQOFF_BATCH; j++) {
			if (!client_atomic_ok())
				atomic_long_inc(&mt_irqon);
			if (client_mt_alloc(&w->rnd, &w->addr[n], &w->size[n]))
				n++;
		}
		while (n--) {
			client_mt_free(w->addr[n], w->size[n]);
			w->ops++;
		}
		spin_unlock_irqrestore(&client_atomic_lock, flags);
		cond_resched();
	}
}

static int client_worker_fn(void *arg)
{
	struct client_worker *w = arg;

	wait_for_completion(&mt_start);
	if (w->irqoff)
		client_irqoff(w);
	else
		client_stress(w);
	complete(&w->done);

	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* A hard-interrupt (RT: softirq) timer: allocate and free meanwhile. */
static enum hrtimer_restart client_timer_fn(struct hrtimer *t)
{
	unsigned long addr, size;

	mt_timer_runs++;
	if (client_timer_in_ctx())
		mt_timer_in_ctx++;
	if (client_mt_alloc(&mt_timer_rnd, &addr, &size)) {
		client_mt_free(addr, size);
		mt_timer_ops++;
	}
	hrtimer_forward_now(t, ns_to_ktime(CLIENT_TIMER_NS));
	return HRTIMER_RESTART;
}

/*
 * The pool under load, named @name, with quantum caches for sizes up to
 * @qcache_max; its checks are named "@tag-...".
 */
static int client_mt(const char *name, unsigned long qcache_max,
		     const char *tag)
{
	unsigned int nr = num_online_cpus() + 1, n = 0, cpu, i;
	char check[5][32];
	struct client_worker *workers, *w;
	unsigned long threads_ops = 0, irqoff_ops = 0;
	int ret;

	if (!mt_map)
		mt_map = bitmap_zalloc(CLIENT_MT_SIZE, GFP_KERNEL);
	workers = kcalloc(nr, sizeof(*workers), GFP_KERNEL);
	if (!mt_map || !workers) {
		kfree(workers);
		return -ENOMEM;
	}
	bitmap_zero(mt_map, CLIENT_MT_SIZE);
	atomic_long_set(&mt_overlaps, 0);
	atomic_long_set(&mt_irqon, 0);
	mt_timer_runs = 0;
	mt_timer_in_ctx = 0;
	mt_timer_ops = 0;
	reinit_completion(&mt_start);
	snprintf(check[0], sizeof(check[0]), "%s-no-overlap", tag);
	snprintf(check[1], sizeof(check[1]), "%s-no-failures", tag);
	snprintf(check[2], sizeof(check[2]), "%s-atomic", tag);
	snprintf(check[3], sizeof(check[3]), "%s-%s", tag, CLIENT_TIMER_CTX);
	snprintf(check[4], sizeof(check[4]), "%s-empty", tag);
	ret = client_arena_create(&mt, name, 0, CLIENT_MT_SIZE, 1, NULL,
				  qcache_max, 0);
	if (ret)
		goto out;

	for_each_online_cpu(cpu) {
		if (n == nr - 1)
			break;
		w = &workers[n];
		w->cpu = cpu;
		w->task = kthread_create_on_cpu(client_worker_fn, w, cpu,
						"vmem_client/%u");
		if (IS_ERR(w->task))
			break;
		get_task_struct(w->task);
		n++;
	}
	w = &workers[n];
	w->irqoff = true;
	w->task = kthread_create(client_worker_fn, w, "vmem_client_irqoff");
	if (!IS_ERR(w->task)) {
		get_task_struct(w->task);
		n++;
	}
	if (n < 2) {
		ret = -ENOMEM;
		goto stop;
	}

	for (i = 0; i < n; i++) {
		w = &workers[i];
		init_completion(&w->done);
		prandom_seed_state(&w->rnd, 0x1000 + i);
		wake_up_process(w->task);
	}
	prandom_seed_state(&mt_timer_rnd, 42);
	vmem_hrtimer_setup(&mt_timer, client_timer_fn, CLOCK_MONOTONIC,
			   CLIENT_TIMER_MODE);
	hrtimer_start(&mt_timer, ns_to_ktime(CLIENT_TIMER_NS),
		      CLIENT_TIMER_MODE);
	complete_all(&mt_start);
	for (i = 0; i < n; i++)
		wait_for_completion(&workers[i].done);
	hrtimer_cancel(&mt_timer);

	for (i = 0; i < n; i++) {
		w = &workers[i];
		if (w->irqoff)
			irqoff_ops += w->ops;
		else
			threads_ops += w->ops;
	}
	pr_info("%s: %u threads on %u CPUs: %lu allocations; thread with %s: %lu; %s timer: %lu in %lu runs, %lu in %s\n",
		tag, n - 1, num_online_cpus(), threads_ops, CLIENT_ATOMIC_CTX,
		irqoff_ops, CLIENT_TIMER_CTX, mt_timer_ops, mt_timer_runs,
		mt_timer_in_ctx, CLIENT_TIMER_CTX);
	client_check(!atomic_long_read(&mt_overlaps), check[0],
		     "%ld overlapping allocations among %ld",
		     atomic_long_read(&mt_overlaps),
		     atomic_long_read(&mt.allocs));
	client_check(!atomic_long_read(&mt.fails), check[1],
		     "%ld failed VMEM_NOSLEEP allocations",
		     atomic_long_read(&mt.fails));
	client_check(irqoff_ops && !atomic_long_read(&mt_irqon), check[2],
		     "%lu allocations with %s", irqoff_ops, CLIENT_ATOMIC_CTX);
	client_check(mt_timer_ops && mt_timer_in_ctx == mt_timer_runs,
		     check[3], "%lu allocations from a %s timer",
		     mt_timer_ops, CLIENT_TIMER_CTX);
	client_check(vmem_size(mt.vm, VMEM_ALLOC) == 0 &&
		     vmem_size(mt.vm, VMEM_FREE) == CLIENT_MT_SIZE &&
		     bitmap_empty(mt_map, CLIENT_MT_SIZE),
		     check[4], "%s: %lu in use, %lu free after the threads",
		     mt.name, vmem_size(mt.vm, VMEM_ALLOC),
		     vmem_size(mt.vm, VMEM_FREE));
	ret = 0;
stop:
	for (i = 0; i < n; i++) {
		kthread_stop(workers[i].task);
		put_task_struct(workers[i].task);
	}
out:
	kfree(workers);
	return ret;
}

/* === Report === */

static void client_report_live(struct seq_file *m, struct client_arena *ca,
			       unsigned long addr, unsigned long size)
{
	seq_printf(m, "live %s %#lx %#lx %lu\n", ca->name, addr,
		   addr + size - 1, size);
}

static int client_report_show(struct seq_file *m, void *v)
{
	unsigned int c, i;

	seq_printf(m, "checks passed %u failed %u\n", checks_passed,
		   checks_failed);
	mutex_lock(&alloc_test_lock);
	if (alloc_test_calls)
		seq_printf(m, "alloc-test calls %u ok %u enomem %u other %u inuse %lu\n",
			   alloc_test_calls, alloc_test_ok, alloc_test_enomem,
			   alloc_test_other, vmem_size(mt.vm, VMEM_ALLOC));
	mutex_unlock(&alloc_test_lock);
	client_arena_report(m, &pids);
	client_arena_report(m, &dev);
	for (c = 0; c < CLIENT_NR_CTX; c++)
		client_arena_report(m, &ctx[c]);
	client_arena_report(m, &mt);
	client_arena_report(m, &iova);
	for (i = 0; i < CLIENT_PIDS; i++)
		client_report_live(m, &pids, pid_live[i], 1);
	for (i = 0; i < ARRAY_SIZE(iova_bufs); i++)
		if (iova_bufs[i].live)
			client_report_live(m, &iova, iova_bufs[i].addr,
					   iova_bufs[i].size);
	for (c = 0; c < CLIENT_NR_CTX; c++)
		for (i = 0; i < CLIENT_BUFS; i++)
			if (bufs[c][i].live)
				client_report_live(m, &ctx[c], bufs[c][i].addr,
						   bufs[c][i].size);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(client_report);

/* N allocations of one from client-mt, each freed at once. */
static ssize_t client_alloc_test_write(struct file *file,
				       const char __user *buf, size_t len,
				       loff_t *ppos)
{
	unsigned int n, i;
	unsigned long addr;
	int ret;

	ret = kstrtouint_from_user(buf, len, 0, &n);
	if (ret)
		return ret;
	if (!n || n > 1000000)
		return -EINVAL;
	mutex_lock(&alloc_test_lock);
	alloc_test_calls = n;
	alloc_test_ok = 0;
	alloc_test_enomem = 0;
	alloc_test_other = 0;
	for (i = 0; i < n; i++) {
		ret = vmem_alloc(mt.vm, 1, VMEM_NOSLEEP, &addr);
		if (ret == -ENOMEM) {
			alloc_test_enomem++;
			continue;
		}
		if (ret) {
			alloc_test_other++;
			continue;
		}
		alloc_test_ok++;
		atomic_long_inc(&mt.allocs);
		vmem_free(mt.vm, addr, 1);
		atomic_long_inc(&mt.frees);
	}
	mutex_unlock(&alloc_test_lock);
	return len;
}

static const struct file_operations client_alloc_test_fops = {
	.owner = THIS_MODULE,
	.write = client_alloc_test_write,
	.llseek = noop_llseek,
};

static void client_teardown(void)
{
	bool returned;
	unsigned int c, i;

	for (c = 0; c < CLIENT_NR_CTX; c++) {
		for (i = 0; i < CLIENT_BUFS; i++)
			if (!IS_ERR_OR_NULL(ctx[c].vm))
				client_buf_free(c, &bufs[c][i]);
		client_arena_destroy(&ctx[c]);
	}
	if (!IS_ERR_OR_NULL(dev.vm)) {
		returned = !vmem_size(dev.vm, VMEM_ALLOC);
		client_check(returned, "unload-spans-returned",
			     "%s: %lu bytes in use after the contexts are gone",
			     dev.name, vmem_size(dev.vm, VMEM_ALLOC));
	}
	client_arena_destroy(&dev);
	for (i = 0; i < CLIENT_PIDS; i++) {
		if (pid_held[i])
			vmem_free(pids.vm, pid_live[i], 1);
		pid_held[i] = false;
	}
	client_arena_destroy(&pids);
	for (i = 0; i < ARRAY_SIZE(iova_bufs); i++) {
		if (!iova_bufs[i].live || IS_ERR_OR_NULL(iova.vm))
			continue;
		if (i < CLIENT_IOVA_HIGH)	/* from vmem_alloc() */
			vmem_free(iova.vm, iova_bufs[i].addr,
				  iova_bufs[i].size);
		else
			vmem_xfree(iova.vm, iova_bufs[i].addr,
				   iova_bufs[i].size);
		iova_bufs[i].live = false;
	}
	client_arena_destroy(&iova);
	client_arena_destroy(&mt);
	bitmap_free(dev_map);
	bitmap_free(mt_map);
}

static int __init client_init(void)
{
	unsigned int c;
	int ret;

	ret = client_pids();
	if (!ret)
		ret = client_dev();
	if (!ret)
		ret = client_iova();
	/*
	 * The pool twice: first with quantum caches, every CPU's magazines
	 * at work at once, then without, the arena that stays for debugfs.
	 */
	if (!ret)
		ret = client_mt("client-mtq", CLIENT_MT_QCACHE, "mtq");
	if (!ret) {
		client_arena_destroy(&mt);
		ret = client_mt("client-mt", 0, "mt");
	}
	if (ret) {
		pr_err("setting up failed: %d\n", ret);
		client_teardown();
		return ret;
	}

	client_arena_report(NULL, &pids);
	client_arena_report(NULL, &dev);
	for (c = 0; c < CLIENT_NR_CTX; c++)
		client_arena_report(NULL, &ctx[c]);
	client_arena_report(NULL, &mt);
	client_arena_report(NULL, &iova);
	client_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("report", 0400, client_debugfs, NULL,
			    &client_report_fops);
	debugfs_create_file("alloc_test", 0200, client_debugfs, NULL,
			    &client_alloc_test_fops);
	pr_info("loaded: %u checks passed, %u failed\n", checks_passed,
		checks_failed);
	return 0;
}
module_init(client_init);

static void __exit client_exit(void)
{
	debugfs_remove_recursive(client_debugfs);
	checks_passed = 0;
	checks_failed = 0;
	client_teardown();
	pr_info("unloaded: %u checks passed, %u failed\n", checks_passed,
		checks_failed);
}
module_exit(client_exit);

MODULE_IMPORT_NS(VMEM_NS);
MODULE_DESCRIPTION("Sample client of vmem: identifiers, device address space, concurrency");
MODULE_LICENSE("GPL");
