// SPDX-License-Identifier: GPL-2.0
/*
 * The reference model of the userspace tests of vmem.
 *
 * A world of up to five arenas, stacked:
 *
 *   root  no source; spans at 0, in the middle and at the top of the
 *         address space, more added by vmem_add()
 *   mid   imports from root through vmem_xalloc() (import and release NULL)
 *   leaf  imports from mid through the test's own import and release
 *         functions, which misbehave on purpose now and then: those of
 *         vmem_create(), or made by vmem_xcreate() an ximport that checks
 *         it gets exactly the constraints of the request in progress, and
 *         imports more than asked, meets them or ignores them
 *   sub   imports from leaf, naming vmem_alloc()/vmem_free() explicitly
 *   qc    imports from root and has quantum caches
 *
 * each with a quantum of its own, and any of them with quantum caches now
 * and then; made by vmem_create() or vmem_xcreate() (with an import
 * quantum now and then, and bad arguments).  Operations (create, add,
 * alloc and xalloc with every policy, VMEM_TOPDOWN and random
 * constraints, runs of the smallest cached size, free and bad frees,
 * destroy with allocations and imported spans still there, queries,
 * deferred work, CPU migration, cache reaping) come from a seeded
 * generator or from the fuzzer's bytes.  After every operation every live
 * arena is checked:
 *
 * - vmem_check(), and an independent walk of the arena's lists, freelists
 *   and hash: segments in order, spans tiled exactly, free neighbours
 *   coalesced, the freelist bitmap, every allocated segment in the hash
 *   exactly once, every free one on its freelist exactly once;
 * - what is allocated equals what the model says: the test's blocks, the
 *   spans the arena's importers took from it, the quantum caches' slabs;
 *   the free segments are the spans less that; no imported span is wholly
 *   free, but one of leaf's that never served a request (kept as space);
 *   the counters (mem_inuse, mem_total, mem_import, vmem_size(),
 *   stats.alloc/free/fail/wait/bad_free/import/release) agree;
 * - boundary tags: none leaked, the reserve bounded;
 * - the footprint (vmem_invariants.c): no slab of a quantum cache without
 *   an object held or in a magazine, magazines bounded by the objects out
 *   of the slabs; after deferred work, the hash sized for what it holds.
 *
 * and every allocation is checked: -EINVAL exactly for invalid arguments,
 * every constraint met, success whenever the arena had a free segment that
 * fits (and then no import), instant fit taking the first power-of-two list
 * that must fit, best fit the smallest segment that fits, next fit the first
 * fit after the rotor, VMEM_TOPDOWN the highest fit of the chosen segment,
 * one vmem_alloc trace event with the result (and vmem_alloc_fail with a
 * failure), none for a call refused, one vmem_free for a good free and
 * none for a bad one, -ENOMEM from an importing arena only when its
 * source had nothing to give, -EINTR exactly when a sleeping wait was
 * killed (single-threaded, every wait is).  Bad frees change nothing and
 * print one warning naming the arena, the address and the size.
 *
 * At the end, every other run frees every block and purges the caches
 * before the arenas go: then nothing is in use, no slab is left, every
 * hash is back to its size for what it holds and every span can be
 * allocated whole.
 */
#include <stdarg.h>
#include <linux/vmem.h>
#include <linux/stacktrace.h>
#include "vmem_internal.h"
#include "vmem_invariants.h"
#include "vmem_model.h"

#define VT_NARENAS	5
#define VT_ROOT		0
#define VT_MID		1
#define VT_LEAF		2
#define VT_SUB		3
#define VT_QC		4
#define VT_MAX_LIVE	192
#define VT_MAX_SPANS	48
#define VT_MAX_SEGS	1024
#define VT_MAX_RECS	96

int vt_verbose;
unsigned long vt_fail_rate;

/* === Where decisions come from === */

static unsigned long long vt_rng;
static const u8 *vt_data;
static size_t vt_len, vt_pos;
static bool vt_bytes, vt_exhausted;
static unsigned long vt_seed;

void vt_source_seed(unsigned long seed)
{
	vt_seed = seed;
	vt_rng = seed * 0x9E3779B97F4A7C15ull + 1;
	vt_bytes = false;
	vt_exhausted = false;
}

void vt_source_bytes(const u8 *data, size_t size)
{
	vt_seed = 0;
	vt_data = data;
	vt_len = size;
	vt_pos = 0;
	vt_bytes = true;
	vt_exhausted = false;
}

static unsigned long vt_word(unsigned int nbytes)
{
	unsigned long long v = 0;
	unsigned int i;

	if (!vt_bytes) {
		vt_rng ^= vt_rng << 13;
		vt_rng ^= vt_rng >> 7;
		vt_rng ^= vt_rng << 17;
		return (unsigned long)vt_rng;
	}
	for (i = 0; i < nbytes; i++) {
		if (vt_pos == vt_len) {
			vt_exhausted = true;
			break;
		}
		v |= (unsigned long long)vt_data[vt_pos++] << (8 * i);
	}
	return (unsigned long)v;
}

/* A number below @n (0 for 0): one byte of fuzz input when @n is small. */
static unsigned long vt_below(unsigned long n)
{
	if (n <= 1)
		return 0;
	return vt_word(n <= 256 ? 1 : n <= 65536 ? 2 : 8) % n;
}

static bool vt_chance(unsigned long n)
{
	return !vt_below(n);
}

/* === The world === */

enum vt_kind { VT_K_ROOT, VT_K_VMEM, VT_K_CUSTOM, VT_K_EXPLICIT };
enum vt_rotor { VT_ROTOR_NONE, VT_ROTOR_AT, VT_ROTOR_UNKNOWN };

struct vt_blk {
	unsigned long addr;
	unsigned long size;
	/* A client block from the quantum caches. */
	bool cached;
	/* Held by the import function of this arena slot, or -1. */
	int owner;
	/* Allocated with vmem_xalloc() (freed with vmem_xfree()). */
	bool x;
	/* The stack token of the operation that allocated it (0: unknown). */
	unsigned long token;
};

/* A span handed to leaf by vt_import(). */
struct vt_rec {
	unsigned long addr;
	unsigned long size;
	unsigned long raddr;
	unsigned long rsize;
	bool real;
	bool x;
	bool fake;
	/* Seen holding an allocation: once wholly free, it must go back. */
	bool used;
};

struct vt_arena {
	struct vmem *vm;
	int parent;
	enum vt_kind kind;
	const char *name;
	unsigned long q;
	unsigned long qcache_max;
	struct vt_blk own[VT_MAX_SPANS];
	int nown;
	struct vt_blk live[VT_MAX_LIVE];
	int nlive;
	enum vt_rotor rotor;
	unsigned long rotor_at;
	struct vt_rec rec[VT_MAX_RECS];
	int nrec;
	/* Made by vmem_xcreate(); leaf then imports through vt_ximport(). */
	bool xcreated;
	/*
	 * Fault injection as set (vm->fail), with probability 100: which of
	 * the calls fail is then known, for an arena nothing imports from.
	 */
	struct vmem_fail fail;
	/* An importer's allocation may have called it since: not known. */
	bool fail_inexact;
	unsigned long import_quantum;
};

static struct vt_arena vt_w[VT_NARENAS];
static const char *const vt_names[VT_NARENAS] = {
	"root", "mid", "leaf", "sub", "qc",
};

static const int vt_parents[VT_NARENAS] = { -1, VT_ROOT, VT_MID, VT_LEAF,
					    VT_ROOT };
static const enum vt_kind vt_kinds[VT_NARENAS] = {
	VT_K_ROOT, VT_K_VMEM, VT_K_CUSTOM, VT_K_EXPLICIT, VT_K_VMEM,
};

static unsigned long vt_op;
/*
 * The request on leaf in progress, when its import must see exactly its
 * constraints (an uncached allocation on leaf itself).
 */
static const struct vt_req *vt_inflight;
static unsigned int vt_inflight_flags;
static char vt_desc[256];
static int vt_failed;
/* Set by the import function: it freed a block of the importing arena. */
static bool vt_freed_in_import;
static unsigned long vt_unit;	/* the largest quantum: scales the spans */
/* Tags and allocations left by earlier failed runs (vmem_random -k). */
static long vt_tags_base, vt_allocs_base;
/* Faults injected before this run: a failed resize leaves a hash as it is. */
static long vt_faults_base;
/*
 * Allocations of the smallest cached size still to come in a run, from
 * arena vt_burst_idx: enough to reach the last words of a slab's bitmaps.
 */
static int vt_burst, vt_burst_idx;

static __printf(1, 2) int vt_fail(const char *fmt, ...)
{
	va_list ap;

	if (vt_failed++)
		return -1;
	if (vt_bytes)
		fprintf(stderr, "FAIL fuzz input, op %lu (%s): ", vt_op,
			vt_desc);
	else
		fprintf(stderr, "FAIL seed %lu op %lu (%s): ", vt_seed, vt_op,
			vt_desc);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!shim_verbose && shim_nwarn)
		fprintf(stderr, "  last kernel message: %s", shim_last_warn);
	return -1;
}

static __printf(1, 2) void vt_describe(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vt_desc, sizeof(vt_desc), fmt, ap);
	va_end(ap);
	if (vt_verbose)
		fprintf(stderr, "op %lu: %s\n", vt_op, vt_desc);
}

static bool vt_alive(int i)
{
	return i >= 0 && vt_w[i].vm;
}

static unsigned long vt_last(const struct vt_blk *b)
{
	return b->addr + b->size - 1;
}

static bool vt_overlap(const struct vt_blk *a, const struct vt_blk *b)
{
	return a->addr <= vt_last(b) && b->addr <= vt_last(a);
}

static int vt_cmp_blk(const void *x, const void *y)
{
	const struct vt_blk *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->size < b->size ? -1 : a->size > b->size;
}

static unsigned long vt_round(unsigned long size, unsigned long q)
{
	return (size + q - 1) & ~(q - 1);
}

/*
 * === Fitting, independently of the core: arithmetic on integers twice as
 * wide as unsigned long, which cannot wrap ===
 */
#if BITS_PER_LONG == 64
#define vt_wide			__uint128_t
#else
#define vt_wide			u64
#endif

/* A request, with its size rounded and align 0 replaced by the quantum. */
struct vt_req {
	unsigned long size;
	unsigned long align;
	unsigned long phase;
	unsigned long nocross;
	unsigned long minaddr;
	unsigned long maxaddr;
};

/*
 * The lowest start in [@start, @last] of a block meeting @r whose first
 * @len resources (@len >= r->size) lie in [@start, @last].
 */
static bool vt_fit_len(const struct vt_req *r, unsigned long start,
		       unsigned long last, unsigned long len,
		       unsigned long *addrp)
{
	vt_wide lo = max(start, r->minaddr), hi, hi2, a, rem;
	int i;

	if ((vt_wide)last + 1 < (vt_wide)start + len ||
	    (vt_wide)r->maxaddr + 1 < (vt_wide)r->minaddr + r->size)
		return false;
	hi = (vt_wide)last + 1 - len;
	hi2 = (vt_wide)r->maxaddr + 1 - r->size;
	hi = min(hi, hi2);
	rem = (lo % r->align + r->align - r->phase % r->align) % r->align;
	a = rem ? lo + r->align - rem : lo;
	for (i = 0; i < 4 && a <= hi; i++) {
		vt_wide b;

		if (!r->nocross ||
		    a / r->nocross == (a + r->size - 1) / r->nocross) {
			*addrp = (unsigned long)a;
			return true;
		}
		b = (a / r->nocross + 1) * r->nocross;
		rem = (b % r->align + r->align - r->phase % r->align) %
		      r->align;
		a = rem ? b + r->align - rem : b;
	}
	return false;
}

static bool vt_fit(const struct vt_req *r, const struct vt_blk *run,
		   unsigned long *addrp)
{
	return vt_fit_len(r, run->addr, vt_last(run), r->size, addrp);
}

/*
 * The highest start in [@start, @last] of a block meeting @r, for
 * VMEM_TOPDOWN: down from the top, then below each boundary it crosses.
 */
static bool vt_fit_top(const struct vt_req *r, unsigned long start,
		       unsigned long last, unsigned long *addrp)
{
	vt_wide lo = max(start, r->minaddr), hi = min(last, r->maxaddr);
	vt_wide a, rem, b;
	int i;

	if (hi + 1 < lo + r->size)
		return false;
	a = hi + 1 - r->size;
	for (i = 0; i < 4; i++) {
		rem = (a % r->align + r->align - r->phase % r->align) %
		      r->align;
		if (a < rem || a - rem < lo)
			return false;
		a -= rem;
		if (!r->nocross ||
		    a / r->nocross == (a + r->size - 1) / r->nocross) {
			*addrp = (unsigned long)a;
			return true;
		}
		b = (a + r->size - 1) / r->nocross * r->nocross;
		if (b < r->size)
			return false;
		a = b - r->size;
	}
	return false;
}

static bool vt_meets(const struct vt_req *r, unsigned long addr)
{
	vt_wide last = (vt_wide)addr + r->size - 1;

	if (last > ULONG_MAX || (addr - r->phase) % r->align)
		return false;
	if (r->nocross && addr / r->nocross != last / r->nocross)
		return false;
	return addr >= r->minaddr && last <= r->maxaddr;
}

/* === What the arena shows, through its public interface === */

struct vt_view {
	struct vt_blk span[VT_MAX_SEGS];
	int nspan;
	struct vt_blk alloc[VT_MAX_SEGS];
	int nalloc;
	struct vt_blk free[VT_MAX_SEGS];
	int nfree;
	int nall;
	bool overflow;
};

struct vt_collect {
	struct vt_blk *out;
	int *n;
	bool *overflow;
};

static void vt_collect_cb(void *arg, unsigned long addr, unsigned long size)
{
	struct vt_collect *c = arg;

	if (*c->n == VT_MAX_SEGS) {
		*c->overflow = true;
		return;
	}
	c->out[*c->n].addr = addr;
	c->out[*c->n].size = size;
	(*c->n)++;
}

static void vt_count_cb(void *arg, unsigned long addr, unsigned long size)
{
	(*(int *)arg)++;
}

static void vt_look(struct vmem *vm, struct vt_view *v)
{
	struct vt_collect c = { .overflow = &v->overflow };

	v->nspan = 0;
	v->nalloc = 0;
	v->nfree = 0;
	v->nall = 0;
	v->overflow = false;
	c.out = v->span;
	c.n = &v->nspan;
	vmem_walk(vm, VMEM_SPAN, vt_collect_cb, &c);
	c.out = v->alloc;
	c.n = &v->nalloc;
	vmem_walk(vm, VMEM_ALLOC, vt_collect_cb, &c);
	c.out = v->free;
	c.n = &v->nfree;
	vmem_walk(vm, VMEM_FREE, vt_collect_cb, &c);
	vmem_walk(vm, VMEM_ALLOC | VMEM_FREE | VMEM_SPAN, vt_count_cb,
		  &v->nall);
}

static bool vt_find(const struct vt_blk *b, int n, unsigned long addr,
		    unsigned long size)
{
	int i;

	for (i = 0; i < n; i++)
		if (b[i].addr == addr && b[i].size == size)
			return true;
	return false;
}

static int vt_containing(const struct vt_blk *b, int n, unsigned long addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (addr >= b[i].addr && addr <= vt_last(&b[i]))
			return i;
	return -1;
}

static bool vt_is_own(const struct vt_arena *a, const struct vt_blk *span)
{
	return vt_find(a->own, a->nown, span->addr, span->size);
}

/* Is [addr, addr + size) a slab of one of @vm's quantum caches? */
/* The slab of @qc at @base, by a walk of its whole table, not a probe. */
static struct vmem_slab *vt_slab_find(struct vmem_qcache *qc,
				      unsigned long base)
{
	struct vmem_slabtab *t = rcu_dereference_protected(qc->slabtab, true);
	struct vmem_slab *slab;
	unsigned long i;

	i = 0;
	while ((slab = vmem_slabtab_next(t, &i)))
		if (slab->base == base)
			return slab;
	return NULL;
}

static struct vmem_qcache *vt_slab_cache(struct vmem *vm, unsigned long addr,
					 unsigned long size)
{
	unsigned int i;

	if (!vm->nqcache || size != vm->slab_size || addr & (size - 1))
		return NULL;
	for (i = 0; i < vm->nqcache; i++)
		if (vt_slab_find(vm->qcache[i], addr))
			return vm->qcache[i];
	return NULL;
}

/* === Independent checks of the arena's structures === */

static int vt_cmp_ptr(const void *x, const void *y)
{
	const void *a = *(void *const *)x, *b = *(void *const *)y;

	return a < b ? -1 : a > b;
}

static bool vt_same_set(void **a, void **b, long n)
{
	long i;

	qsort(a, n, sizeof(*a), vt_cmp_ptr);
	qsort(b, n, sizeof(*b), vt_cmp_ptr);
	for (i = 0; i < n; i++)
		if (a[i] != b[i] || (i && a[i] == a[i - 1]))
			return false;
	return true;
}

static void *vt_frees[VT_MAX_SEGS], *vt_frees2[VT_MAX_SEGS];
static void *vt_allocs[VT_MAX_SEGS], *vt_allocs2[VT_MAX_SEGS];

/* Walk vm->segs, the freelists and the hash ourselves. */
static int vt_check_struct(struct vt_arena *a)
{
	struct vmem *vm = a->vm;
	struct vmem_seg *seg, *span = NULL, *prev = NULL;
	long nfree = 0, nalloc = 0, n, nsegs = 0, i;
	unsigned long next = 0, bucket;
	bool rotor_found = !vm->rotor;
	struct list_head *pos;

	list_for_each_entry(seg, &vm->segs, seglist) {
		if (++nsegs > VT_MAX_SEGS)
			return vt_fail("%s: more than %d segments", a->name,
				       VT_MAX_SEGS);
		rotor_found |= seg == vm->rotor;
		if (seg->type == VMEM_SEG_SPAN) {
			if (span && next != span->start + span->size)
				return vt_fail("%s: span %#lx not tiled",
					       a->name, span->start);
			if (span && seg->start <= span->start + span->size - 1)
				return vt_fail("%s: spans out of order",
					       a->name);
			span = seg;
			next = seg->start;
			prev = seg;
			continue;
		}
		if (!span || seg->start != next || !seg->size ||
		    seg->start + (seg->size - 1) < seg->start ||
		    seg->start + (seg->size - 1) >
		    span->start + (span->size - 1))
			return vt_fail("%s: segment [%#lx, +%#lx) out of place",
				       a->name, seg->start, seg->size);
		if (seg->type == VMEM_SEG_FREE) {
			if (prev->type == VMEM_SEG_FREE)
				return vt_fail("%s: free segments %#lx and %#lx not coalesced",
					       a->name, prev->start,
					       seg->start);
			vt_frees[nfree++] = seg;
		} else if (seg->type == VMEM_SEG_ALLOC) {
			vt_allocs[nalloc++] = seg;
		} else {
			return vt_fail("%s: segment of type %u", a->name,
				       seg->type);
		}
		next = seg->start + seg->size;
		prev = seg;
	}
	if (span && next != span->start + span->size)
		return vt_fail("%s: last span not tiled", a->name);
	if (!rotor_found || (vm->rotor && vm->rotor_off > vm->rotor->size))
		return vt_fail("%s: rotor lost", a->name);

	n = 0;
	for (i = 0; i < VMEM_FREELISTS; i++) {
		long len = 0;

		list_for_each_entry(seg, &vm->freelist[i], freelist) {
			if (n == nfree || seg->type != VMEM_SEG_FREE ||
			    (long)__fls(seg->size) != i)
				return vt_fail("%s: freelist %ld holds [%#lx, +%#lx), type %u",
					       a->name, i, seg->start,
					       seg->size, seg->type);
			vt_frees2[n++] = seg;
			len++;
		}
		if (!!(vm->freemap & BIT(i)) != !!len)
			return vt_fail("%s: freemap bit %ld is wrong", a->name,
				       i);
	}
	if (n != nfree || !vt_same_set(vt_frees, vt_frees2, n))
		return vt_fail("%s: freelists do not hold each free segment once",
			       a->name);

	n = 0;
	for (bucket = 0; bucket < 1UL << vm->hash_bits; bucket++) {
		hlist_for_each_entry(seg, &vm->hash_table[bucket], hash) {
			if (n == nalloc || seg->type != VMEM_SEG_ALLOC ||
			    hash_long(seg->start >> vm->qshift,
				      vm->hash_bits) != bucket)
				return vt_fail("%s: hash bucket %lu holds [%#lx, +%#lx)",
					       a->name, bucket, seg->start,
					       seg->size);
			vt_allocs2[n++] = seg;
		}
	}
	if (n != nalloc || !vt_same_set(vt_allocs, vt_allocs2, n))
		return vt_fail("%s: the hash does not hold each allocated segment once",
			       a->name);
	if (vm->nbusy != (unsigned long)nalloc ||
	    vm->nfree != (unsigned long)nfree)
		return vt_fail("%s: nbusy %lu nfree %lu, segments %ld and %ld",
			       a->name, vm->nbusy, vm->nfree, nalloc, nfree);
	n = 0;
	list_for_each(pos, &vm->reserve)
		n++;
	if (n != vm->nreserve || n > VMEM_TAGS_RESERVE_MAX)
		return vt_fail("%s: tag reserve %ld, nreserve %u", a->name, n,
			       vm->nreserve);
	return 0;
}

/* === Checks against the model === */

static struct vt_view vt_v;
static struct vt_blk vt_expect[2 * VT_MAX_SEGS];
static struct vt_blk vt_runs[VT_MAX_SEGS];

/* Spans imported by @a: those in the view that are not its own. */
static int vt_imported(struct vt_arena *a, const struct vt_view *v,
		       struct vt_blk *out)
{
	int i, n = 0;

	for (i = 0; i < v->nspan; i++)
		if (!vt_is_own(a, &v->span[i]))
			out[n++] = v->span[i];
	return n;
}

/* Free runs: the spans of @v less its allocated segments. */
static int vt_free_runs(const struct vt_view *v, struct vt_blk *out)
{
	int i, j = 0, n = 0;

	for (i = 0; i < v->nspan; i++) {
		vt_wide pos = v->span[i].addr, end = (vt_wide)vt_last(&v->span[i]) + 1;

		for (; j < v->nalloc && v->alloc[j].addr < end; j++) {
			if (v->alloc[j].addr > pos) {
				out[n].addr = (unsigned long)pos;
				out[n++].size = v->alloc[j].addr - pos;
			}
			pos = (vt_wide)vt_last(&v->alloc[j]) + 1;
		}
		if (pos < end) {
			out[n].addr = (unsigned long)pos;
			out[n++].size = (unsigned long)(end - pos);
		}
	}
	return n;
}

static struct vt_blk vt_imp[VT_MAX_SEGS], vt_cimp[VT_MAX_SEGS];

struct vt_owners {
	unsigned long n;
	struct { unsigned long addr, size, token; } seen[2 * VT_MAX_LIVE];
};

static void vt_owner_seen(void *arg, unsigned long addr, unsigned long size,
			  depot_stack_handle_t owner)
{
	struct vt_owners *o = arg;
	unsigned long *entries;

	if (o->n < ARRAY_SIZE(o->seen)) {
		o->seen[o->n].addr = addr;
		o->seen[o->n].size = size;
		o->seen[o->n].token = vmem_owner_stack(owner, &entries) ?
				      entries[0] : 0;
	}
	o->n++;
}

/*
 * A debugged arena: every allocation the model knows is visited once,
 * owned by the operation that allocated it, however its neighbours were
 * freed and merged since; every one visited has an owner.
 */
static int vt_check_owners(struct vt_arena *a)
{
	static struct vt_owners o;
	unsigned long i;
	int j;

	o.n = 0;
	if (!vmem_debugged(a->vm))
		return vmem_owners_walk(a->vm, vt_owner_seen, &o) ?
		       vt_fail("%s: owners of an arena not debugged",
			       a->name) : 0;
	vmem_owners_walk(a->vm, vt_owner_seen, &o);
	if (o.n > ARRAY_SIZE(o.seen))
		return vt_fail("%s: %lu owners", a->name, o.n);
	for (i = 0; i < o.n; i++)
		if (!o.seen[i].token)
			return vt_fail("%s: %#lx has no owner", a->name,
				       o.seen[i].addr);
	for (j = 0; j < a->nlive; j++) {
		struct vt_blk *b = &a->live[j];

		for (i = 0; i < o.n; i++)
			if (o.seen[i].addr == b->addr)
				break;
		if (i == o.n || o.seen[i].size != b->size)
			return vt_fail("%s: %#lx+%#lx not among the owners",
				       a->name, b->addr, b->size);
		if (b->token && o.seen[i].token != b->token)
			return vt_fail("%s: %#lx owned by %#lx, allocated by %#lx",
				       a->name, b->addr, o.seen[i].token,
				       b->token);
	}
	return 0;
}

static int vt_check_arena(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	struct vmem *vm = a->vm;
	struct vt_view *v = &vt_v;
	unsigned long inuse = 0, total = 0, imported = 0, client = 0;
	const char *err = vmem_check(vm);
	int i, j, k, nexp = 0, nimp, nruns, nkept = 0;

	if (err)
		return vt_fail("%s: vmem_check: %s", a->name, err);
	if (vt_check_struct(a))
		return -1;
	err = vi_check_caches(vm);
	if (err)
		return vt_fail("%s", err);
	if (vt_check_owners(a))
		return -1;
	vt_look(vm, v);
	if (v->overflow || v->nall != v->nspan + v->nalloc + v->nfree)
		return vt_fail("%s: vmem_walk() by type does not add up",
			       a->name);

	/* Spans: the model's own, and imported ones. */
	for (i = 0; i < a->nown; i++)
		if (!vt_find(v->span, v->nspan, a->own[i].addr,
			     a->own[i].size))
			return vt_fail("%s: span [%#lx, +%#lx) is missing",
				       a->name, a->own[i].addr,
				       a->own[i].size);
	nimp = vt_imported(a, v, vt_imp);
	if (a->kind == VT_K_ROOT && nimp)
		return vt_fail("%s: a span that was never added", a->name);
	if (a->kind == VT_K_CUSTOM) {
		if (nimp != a->nrec)
			return vt_fail("%s: %d imported spans, %d imports",
				       a->name, nimp, a->nrec);
		for (i = 0; i < a->nrec; i++)
			if (!vt_find(vt_imp, nimp, a->rec[i].addr,
				     a->rec[i].size))
				return vt_fail("%s: import [%#lx, +%#lx) not kept nor given back",
					       a->name, a->rec[i].addr,
					       a->rec[i].size);
	}
	for (i = 0; i < v->nspan; i++)
		total += v->span[i].size;
	for (i = 0; i < nimp; i++) {
		imported += vt_imp[i].size;
		/*
		 * An imported span wholly free goes back at once, unless it
		 * never held anything: a custom import that could not serve
		 * the request it was made for leaves it as space.
		 */
		for (j = 0; j < v->nalloc; j++)
			if (v->alloc[j].addr >= vt_imp[i].addr &&
			    v->alloc[j].addr <= vt_last(&vt_imp[i]))
				break;
		for (k = 0; k < a->nrec; k++)
			if (a->rec[k].addr == vt_imp[i].addr &&
			    a->rec[k].size == vt_imp[i].size)
				break;
		if (j < v->nalloc && k < a->nrec)
			a->rec[k].used = true;
		if (j == v->nalloc &&
		    (a->kind != VT_K_CUSTOM || k == a->nrec ||
		     a->rec[k].used || nkept++ ||
		     !vm->kept || vm->kept->start != vt_imp[i].addr))
			return vt_fail("%s: imported span [%#lx, +%#lx) is wholly free",
				       a->name, vt_imp[i].addr,
				       vt_imp[i].size);
	}

	/* Allocated: the test's blocks and the importers' spans. */
	for (i = 0; i < a->nlive; i++) {
		client += a->live[i].size;
		if (!a->live[i].cached)
			vt_expect[nexp++] = a->live[i];
	}
	for (k = 0; k < VT_NARENAS; k++) {
		struct vt_view *cv;
		int n;

		if (!vt_alive(k) || vt_w[k].parent != idx ||
		    vt_w[k].kind == VT_K_CUSTOM)
			continue;
		cv = malloc(sizeof(*cv));
		vt_look(vt_w[k].vm, cv);
		n = vt_imported(&vt_w[k], cv, vt_cimp);
		free(cv);
		for (i = 0; i < n; i++) {
			vt_expect[nexp++] = vt_cimp[i];
			client += vt_cimp[i].size;
		}
	}
	qsort(vt_expect, nexp, sizeof(*vt_expect), vt_cmp_blk);
	for (i = 1; i < nexp; i++)
		if (vt_overlap(&vt_expect[i - 1], &vt_expect[i]))
			return vt_fail("%s: blocks [%#lx, +%#lx) and [%#lx, +%#lx) overlap",
				       a->name, vt_expect[i - 1].addr,
				       vt_expect[i - 1].size,
				       vt_expect[i].addr, vt_expect[i].size);
	for (i = 0, j = 0; i < v->nalloc; i++) {
		inuse += v->alloc[i].size;
		if (j < nexp && vt_expect[j].addr == v->alloc[i].addr &&
		    vt_expect[j].size == v->alloc[i].size) {
			j++;
			continue;
		}
		/* Anything else must be a slab of a quantum cache. */
		if (!vt_slab_cache(vm, v->alloc[i].addr, v->alloc[i].size))
			return vt_fail("%s: segment [%#lx, +%#lx) allocated, not in the model",
				       a->name, v->alloc[i].addr,
				       v->alloc[i].size);
	}
	if (j != nexp)
		return vt_fail("%s: block [%#lx, +%#lx) of the model is not allocated",
			       a->name, vt_expect[j].addr, vt_expect[j].size);
	/* Cached blocks lie in a slab of their size's cache, held. */
	for (i = 0; i < a->nlive; i++) {
		struct vt_blk *b = &a->live[i];
		struct vmem_qcache *qc;
		struct vmem_slab *slab;

		if (!b->cached)
			continue;
		if (!vm->nqcache || b->size > vm->qcache_max)
			return vt_fail("%s: cached block of %#lx, qcache_max %#lx",
				       a->name, b->size, vm->qcache_max);
		qc = vm->qcache[b->size / a->q - 1];
		slab = vt_slab_find(qc, b->addr & ~(vm->slab_size - 1));
		if (!slab || vt_slab_cache(vm, slab->base, vm->slab_size) != qc ||
		    (b->addr - slab->base) % b->size ||
		    !slab->held[(b->addr - slab->base) / b->size])
			return vt_fail("%s: cached block [%#lx, +%#lx) is not held in a slab",
				       a->name, b->addr, b->size);
		for (j = 0; j < a->nlive; j++)
			if (j != i && vt_overlap(b, &a->live[j]))
				return vt_fail("%s: blocks at %#lx and %#lx overlap",
					       a->name, b->addr,
					       a->live[j].addr);
	}

	/* Free segments: the spans less what is allocated, coalesced. */
	nruns = vt_free_runs(v, vt_runs);
	if (nruns != v->nfree)
		return vt_fail("%s: %d free segments, the model has %d runs",
			       a->name, v->nfree, nruns);
	for (i = 0; i < nruns; i++)
		if (vt_runs[i].addr != v->free[i].addr ||
		    vt_runs[i].size != v->free[i].size)
			return vt_fail("%s: free segment [%#lx, +%#lx), model [%#lx, +%#lx)",
				       a->name, v->free[i].addr,
				       v->free[i].size, vt_runs[i].addr,
				       vt_runs[i].size);

	/* Counters. */
	if (vm->mem_inuse != inuse || vm->mem_total != total ||
	    vm->mem_import != imported)
		return vt_fail("%s: mem_inuse %lu mem_total %lu mem_import %lu, model %lu %lu %lu",
			       a->name, vm->mem_inuse, vm->mem_total,
			       vm->mem_import, inuse, total, imported);
	if (vmem_size(vm, VMEM_ALLOC) != client ||
	    vmem_size(vm, VMEM_FREE) != total - client ||
	    vmem_size(vm, VMEM_ALLOC | VMEM_FREE) != total ||
	    vmem_size(vm, 0))
		return vt_fail("%s: vmem_size() %lu/%lu, the model has %lu/%lu",
			       a->name, vmem_size(vm, VMEM_ALLOC),
			       vmem_size(vm, VMEM_FREE), client,
			       total - client);
	if (vm->stats.alloc - vm->stats.free != vm->nbusy ||
	    vm->stats.import - vm->stats.release != (u64)nimp)
		return vt_fail("%s: stats alloc %llu free %llu import %llu release %llu",
			       a->name, (unsigned long long)vm->stats.alloc,
			       (unsigned long long)vm->stats.free,
			       (unsigned long long)vm->stats.import,
			       (unsigned long long)vm->stats.release);
	return 0;
}

static long vt_tags_expected(void)
{
	long n = 0;
	int i;

	for (i = 0; i < VT_NARENAS; i++) {
		struct list_head *pos;

		if (!vt_alive(i))
			continue;
		list_for_each(pos, &vt_w[i].vm->segs)
			n++;
		/* Each span's index entry sits in the tree of spans. */
		n += vt_w[i].vm->nspans;
		n += vt_w[i].vm->nreserve;
	}
	return n;
}

/* After deferred work ran, unless a fault failed a resize. */
static int vt_check_hashes(void)
{
	const char *err;
	int i;

	if (shim_faults != vt_faults_base)
		return 0;
	for (i = 0; i < VT_NARENAS; i++) {
		if (!vt_alive(i))
			continue;
		err = vi_check_hash(vt_w[i].vm);
		if (err)
			return vt_fail("%s", err);
	}
	return 0;
}

static int vt_check_all(void)
{
	int i;

	if (vt_failed)
		return -1;
	for (i = 0; i < VT_NARENAS; i++)
		if (vt_alive(i) && vt_check_arena(i))
			return -1;
	if (vmem_tags_live() - vt_tags_base != vt_tags_expected())
		return vt_fail("%ld boundary tags live, arenas hold %ld",
			       vmem_tags_live() - vt_tags_base,
			       vt_tags_expected());
	if (shim_spin_depth || shim_irq_depth || shim_rcu_depth)
		return vt_fail("a lock, interrupts or RCU left held");
	return 0;
}

/* === Stats snapshots === */

struct vt_snap {
	struct vmem_stats st;
	long warn;
	long faults;
	long killed;
};

static void vt_snap(struct vt_arena *a, struct vt_snap *s)
{
	s->st = a->vm->stats;
	s->warn = shim_nwarn;
	s->faults = shim_faults;
	s->killed = shim_waits_killed;
}

/* One warning, naming the arena, the address and the size. */
static int vt_check_warned(struct vt_arena *a, const struct vt_snap *s,
			   unsigned long addr, unsigned long size)
{
	char want[64], rounded[64];

	if (shim_nwarn != s->warn + 1)
		return vt_fail("%s: %ld warnings for a bad free", a->name,
			       shim_nwarn - s->warn);
	snprintf(want, sizeof(want), "'%s'", a->vm->name);
	if (!strstr(shim_last_warn, want))
		return vt_fail("%s: the warning does not name it", a->name);
	snprintf(want, sizeof(want), "%#lx size %#lx", addr, size);
	snprintf(rounded, sizeof(rounded), "%#lx size %#lx", addr,
		 vt_round(size, a->q));
	if (!strstr(shim_last_warn, want) && !strstr(shim_last_warn, rounded))
		return vt_fail("%s: the warning lacks \"%s\"", a->name, want);
	return 0;
}

/* === Requests === */

static bool vt_req_valid(const struct vt_req *r, unsigned long q,
			 unsigned long raw)
{
	if (!raw || raw > ULONG_MAX - (q - 1))
		return false;
	if (!is_power_of_2(r->align) || r->align % q)
		return false;
	if (r->phase >= r->align || r->phase % q)
		return false;
	if (r->nocross && (!is_power_of_2(r->nocross) ||
			   (vt_wide)(r->phase % r->nocross) + r->size >
			   r->nocross))
		return false;
	return r->minaddr <= r->maxaddr &&
	       r->maxaddr - r->minaddr >= r->size - 1;
}

/* A span or block to aim windows at. */
static struct vt_blk vt_hint(struct vt_arena *a)
{
	struct vt_blk b = { 0, 64, 0, -1, 0 };
	struct vt_arena *src = a;

	while (src->parent >= 0 && vt_chance(2))
		src = &vt_w[src->parent];
	if (src->nlive && vt_chance(3))
		return src->live[vt_below(src->nlive)];
	if (src->nown)
		return src->own[vt_below(src->nown)];
	if (vt_w[VT_ROOT].vm && vt_w[VT_ROOT].nown)
		return vt_w[VT_ROOT].own[vt_below(vt_w[VT_ROOT].nown)];
	return b;
}

static unsigned long vt_random_size(unsigned long q)
{
	switch (vt_below(40)) {
	case 0:
		return 0;
	case 1:
		return ULONG_MAX - vt_below(2 * q);
	case 2:
		return (ULONG_MAX >> (1 + vt_below(8))) - vt_below(q);
	case 3 ... 9:
		return 1 + vt_below(64 * q);
	default:
		return 1 + vt_below(4 * q);
	}
}

/* Fills @r (rounded) and the raw size; true when constrained at all. */
static void vt_random_req(struct vt_arena *a, struct vt_req *r,
			  unsigned long *raw, bool x)
{
	unsigned long q = a->q;
	struct vt_blk h = vt_hint(a);

	memset(r, 0, sizeof(*r));
	*raw = vt_random_size(q);
	r->size = *raw ? vt_round(*raw, q) : 0;
	r->align = q;
	r->maxaddr = VMEM_ADDR_MAX;
	if (!x)
		return;
	if (vt_chance(2))
		r->align = q << vt_below(8);
	if (vt_chance(2))
		r->phase = vt_below(r->align / q) * q;
	if (vt_chance(3))
		r->nocross = q << (vt_below(10));
	if (vt_chance(3))
		r->minaddr = h.addr + vt_below(h.size + 1);
	if (vt_chance(3))
		r->maxaddr = h.addr + vt_below(h.size + 64 * q);
	if (vt_chance(30))
		r->align = vt_below(8 * q);	/* nonsense, now and then */
	if (vt_chance(40))
		r->phase = vt_below(4 * q);
	if (vt_chance(40))
		r->nocross = vt_word(8);
	if (vt_chance(40))
		r->maxaddr = r->minaddr - vt_below(2);
	if (!r->align)		/* what 0 means */
		r->align = q;
}

static const char *vt_req_str(const struct vt_req *r, unsigned long raw)
{
	static char buf[160];

	snprintf(buf, sizeof(buf),
		 "size %#lx align %#lx phase %#lx nocross %#lx min %#lx max %#lx",
		 raw, r->align, r->phase, r->nocross, r->minaddr, r->maxaddr);
	return buf;
}

/* === Next fit, instant fit and best fit in the model === */

static bool vt_next_expect(struct vt_arena *a, const struct vt_req *r,
			   const struct vt_blk *runs, int n,
			   unsigned long *addrp)
{
	unsigned long p = a->rotor_at;
	int i, in = -1;

	if (a->rotor == VT_ROTOR_NONE) {
		for (i = 0; i < n; i++)
			if (vt_fit(r, &runs[i], addrp))
				return true;
		return false;
	}
	for (i = 0; i < n; i++)
		if (runs[i].addr <= p && p <= vt_last(&runs[i]))
			in = i;
	if (in >= 0 && vt_fit_len(r, p, vt_last(&runs[in]), r->size, addrp))
		return true;
	for (i = 0; i < n; i++)
		if (runs[i].addr > p && vt_fit(r, &runs[i], addrp))
			return true;
	for (i = 0; i < n; i++)
		if (runs[i].addr < p && i != in && vt_fit(r, &runs[i], addrp))
			return true;
	return in >= 0 && vt_fit(r, &runs[in], addrp);
}

/* Rotors of the arenas @idx imports from move in ways the model skips. */
static void vt_rotors_unknown_above(int idx)
{
	int p;

	for (p = vt_w[idx].parent; p >= 0; p = vt_w[p].parent)
		vt_w[p].rotor = VT_ROTOR_UNKNOWN;
}

static struct vt_blk vt_pre[VT_MAX_SEGS], vt_ppre[VT_MAX_SEGS];

static int vt_check_policy(struct vt_arena *a, unsigned int policy,
			   bool topdown, const struct vt_req *r,
			   bool constrained, const struct vt_blk *runs, int n,
			   unsigned long addr, int chosen)
{
	unsigned int might = __fls(r->size);
	unsigned int must = is_power_of_2(r->size) ? might : might + 1;
	unsigned long lowest, want;
	int i, best = -1;

	if (policy == VMEM_NEXTFIT) {
		if (a->rotor == VT_ROTOR_UNKNOWN)
			return 0;
		if (!vt_next_expect(a, r, runs, n, &want) || want != addr)
			return vt_fail("%s: next fit took %#lx, model %#lx (rotor %#lx%s)",
				       a->name, addr, want, a->rotor_at,
				       a->rotor == VT_ROTOR_NONE ?
				       ", none" : "");
		return 0;
	}
	if (topdown) {
		if (!vt_fit_top(r, runs[chosen].addr, vt_last(&runs[chosen]),
				&want) || want != addr)
			return vt_fail("%s: top-down took %#lx in [%#lx, +%#lx), highest fit %#lx",
				       a->name, addr, runs[chosen].addr,
				       runs[chosen].size, want);
	} else if (!vt_fit(r, &runs[chosen], &lowest) || lowest != addr) {
		return vt_fail("%s: took %#lx in [%#lx, +%#lx), whose lowest fit is %#lx",
			       a->name, addr, runs[chosen].addr,
			       runs[chosen].size, lowest);
	}
	if (policy == VMEM_BESTFIT) {
		for (i = 0; i < n; i++)
			if (runs[i].size < runs[chosen].size &&
			    vt_fit(r, &runs[i], &lowest))
				return vt_fail("%s: best fit took %#lx; [%#lx, +%#lx) fits",
					       a->name, runs[chosen].size,
					       runs[i].addr, runs[i].size);
		return 0;
	}
	/* Instant fit: the first list that must fit, else the might-fit. */
	for (i = 0; i < n; i++)
		if (must < BITS_PER_LONG && __fls(runs[i].size) >= must &&
		    (!constrained || vt_fit(r, &runs[i], &lowest)) &&
		    (best < 0 || __fls(runs[i].size) < __fls(runs[best].size)))
			best = i;
	if (best >= 0 ? __fls(runs[chosen].size) != __fls(runs[best].size) :
	    __fls(runs[chosen].size) != might)
		return vt_fail("%s: instant fit took a segment of %#lx from list %lu, not list %lu",
			       a->name, runs[chosen].size,
			       __fls(runs[chosen].size),
			       best >= 0 ? __fls(runs[best].size) :
			       (unsigned long)might);
	return 0;
}

/*
 * Could @a's source, a root arena, have given an import that meets @r?
 * A block of the source aligned to both quanta, long enough in whole
 * source quanta, whose first r->size resources meet @r, would do.
 */
static bool vt_source_could(struct vt_arena *a, const struct vt_req *r,
			    const struct vt_blk *pruns, int pn)
{
	struct vt_arena *s = &vt_w[a->parent];
	unsigned long m = max(s->q, a->q), len, addr;
	struct vt_req rr = *r;
	int i;

	if (r->size > ULONG_MAX - (s->q - 1))
		return false;
	len = vt_round(r->size, s->q);
	if (r->align >= m) {
		if (r->phase % m)
			return false;
	} else {
		if (r->phase)
			return false;
		rr.align = m;
	}
	for (i = 0; i < pn; i++)
		if (vt_fit_len(&rr, pruns[i].addr, vt_last(&pruns[i]), len,
			       &addr))
			return true;
	return false;
}

/* Does any arena from @idx up to the root have quantum caches? */
static bool vt_cached_chain(int idx)
{
	for (; idx >= 0; idx = vt_w[idx].parent)
		if (vt_w[idx].vm->nqcache)
			return true;
	return false;
}

/*
 * Does an arena importing from @idx, at any depth, have quantum caches?  A
 * sleeper on @idx then purges them, and the space they give back can serve
 * it without a wait.
 */
static bool vt_cached_below(int idx)
{
	int i, j;

	for (i = 0; i < VT_NARENAS; i++) {
		if (!vt_alive(i) || !vt_w[i].vm->nqcache)
			continue;
		for (j = vt_w[i].parent; j >= 0; j = vt_w[j].parent)
			if (j == idx)
				return true;
	}
	return false;
}

/* === Operations === */

/* Watch @a's trace events from here (the shims count them). */
static void vt_trace_watch(struct vt_arena *a)
{
	memset(&shim_trace, 0, sizeof(shim_trace));
	strscpy(shim_trace.watch, a->vm->name, sizeof(shim_trace.watch));
}

/* Failures injected into any arena so far. */
static u64 vt_injected(void)
{
	u64 n = 0;
	int i;

	for (i = 0; i < VT_NARENAS; i++)
		if (vt_alive(i))
			n += vt_w[i].vm->stats.fail_injected;
	return n;
}

/*
 * Should a call of @size on @a fail, by the model's copy of the settings
 * (the kernel's should_fail() order: times, space, interval, then the
 * probability, here 100)?  Advances the copy as the arena advances its own.
 */
static bool vt_should_fail(struct vt_arena *a, unsigned long size)
{
	struct vmem_fail *f = &a->fail;

	if (!f->probability || !f->times)
		return false;
	if (f->space > 0 && (unsigned long)f->space > size) {
		f->space -= size;
		return false;
	}
	if (f->interval > 1 && ++f->count % f->interval)
		return false;
	if (f->times > 0)
		f->times--;
	return true;
}

static const unsigned int vt_policies[] = {
	0, VMEM_INSTANTFIT, VMEM_BESTFIT, VMEM_NEXTFIT,
};

static int vt_do_alloc(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	struct vmem *vm = a->vm;
	bool burst = vt_burst > 0;
	unsigned int policy = burst ? 0 : vt_policies[vt_below(4)];
	unsigned int sleep = vt_chance(4) ? VMEM_SLEEP : VMEM_NOSLEEP;
	unsigned int topdown = !burst && vt_chance(4) ? VMEM_TOPDOWN : 0;
	unsigned int flags = sleep | policy | topdown;
	bool x = !burst && vt_chance(2), valid, prefit = false, constrained;
	bool via_cache, flags_ok = true, killed, cached;
	unsigned long raw, addr = 0xdeadbeef, fitaddr;
	int ret, i, n, pn = 0, chosen = -1;
	struct vt_snap s;
	struct vt_req r;
	u64 injected;
	bool inject, hit;

	if (a->nlive == VT_MAX_LIVE)
		return 0;
	vt_random_req(a, &r, &raw, x);
	if (burst) {
		raw = a->q;
		r.size = a->q;
	} else if (vt_chance(40)) {
		static const unsigned int bad[] = {
			VMEM_SLEEP | VMEM_NOSLEEP, 0, VMEM_INSTANTFIT,
			VMEM_NOSLEEP | VMEM_BESTFIT | VMEM_NEXTFIT,
			VMEM_SLEEP | 0x200, VMEM_NOSLEEP | VMEM_ALLOC << 12,
			VMEM_TOPDOWN,
		};

		flags = bad[vt_below(ARRAY_SIZE(bad))];
		flags_ok = false;
	}
	valid = flags_ok && vt_req_valid(&r, a->q, raw);
	constrained = r.align > a->q || r.phase || r.nocross || r.minaddr ||
		      r.maxaddr != VMEM_ADDR_MAX;
	via_cache = !x && vm->nqcache && valid && r.size <= vm->qcache_max &&
		    policy != VMEM_NEXTFIT && !topdown;
	vt_describe("%s %s %s flags %#x", x ? "xalloc" : "alloc", a->name,
		    vt_req_str(&r, raw), flags);

	vt_look(vm, &vt_v);
	n = vt_free_runs(&vt_v, vt_pre);
	for (i = 0; valid && i < n; i++) {
		if (vt_fit(&r, &vt_pre[i], &fitaddr)) {
			prefit = true;
			break;
		}
	}
	if (valid && a->kind == VT_K_VMEM && vt_w[a->parent].kind == VT_K_ROOT) {
		vt_look(vt_w[a->parent].vm, &vt_v);
		pn = vt_free_runs(&vt_v, vt_ppre);
	}
	vt_snap(a, &s);
	injected = vt_injected();
	inject = valid && vt_should_fail(a, r.size);
	vt_trace_watch(a);
	/* Its imports are calls into the arenas above, counted there. */
	for (i = a->parent; i >= 0; i = vt_w[i].parent)
		vt_w[i].fail_inexact = true;
	vt_freed_in_import = false;
	if (idx == VT_LEAF && valid && !via_cache) {
		vt_inflight = &r;
		/* VMEM_TOPDOWN has no effect with next fit, down the stack. */
		vt_inflight_flags = policy == VMEM_NEXTFIT ?
				    flags & ~VMEM_TOPDOWN : flags;
	}
	/* The "stack" of this call: whatever it allocates is owned by it. */
	shim_stack_token = vt_op * VT_NARENAS + idx + 1;
	if (x)
		ret = vmem_xalloc(vm, raw, r.align == a->q && vt_chance(2) ?
				  0 : r.align, r.phase, r.nocross, r.minaddr,
				  r.maxaddr, flags, &addr);
	else
		ret = vmem_alloc(vm, raw, flags, &addr);
	vt_inflight = NULL;
	if (vt_failed)
		return -1;
	/*
	 * One vmem_alloc event for a valid call, with its result (and
	 * vmem_alloc_fail with a failure); none for one refused.
	 */
	if (shim_trace.alloc != valid ||
	    shim_trace.alloc_fail != (valid && ret) ||
	    (valid && (shim_trace.alloc_ret != ret ||
		       shim_trace.alloc_size != r.size ||
		       (!ret && shim_trace.alloc_addr != addr))))
		return vt_fail("%s: %ld vmem_alloc (ret %d size %#lx addr %#lx), %ld _fail, for %d",
			       a->name, shim_trace.alloc, shim_trace.alloc_ret,
			       shim_trace.alloc_size, shim_trace.alloc_addr,
			       shim_trace.alloc_fail, ret);
	if (!vt_chance(3) && !x)	/* NULL out-parameter: -EINVAL */
		if (vmem_alloc(vm, 1, VMEM_NOSLEEP, NULL) != -EINVAL)
			return vt_fail("vmem_alloc() with addrp NULL");

	if (!valid) {
		if (ret != -EINVAL)
			return vt_fail("invalid request gave %d", ret);
		if (vm->stats.alloc != s.st.alloc || vm->stats.fail != s.st.fail)
			return vt_fail("an invalid request changed the stats");
		return 0;
	}
	if (ret == -EINVAL)
		return vt_fail("valid request gave -EINVAL");
	/*
	 * An injected failure: -ENOMEM, counted, and nothing else changed.
	 * Exactly the calls the model expects fail, where it knows.
	 */
	if (vm->stats.fail_injected != s.st.fail_injected) {
		if (vm->stats.fail_injected != s.st.fail_injected + 1 ||
		    ret != -ENOMEM)
			return vt_fail("%s: %llu failures injected, returned %d",
				       a->name, (unsigned long long)
				       (vm->stats.fail_injected -
					s.st.fail_injected), ret);
		if (memcmp(&vm->stats, &s.st,
			   offsetof(struct vmem_stats, fail_injected)))
			return vt_fail("%s: an injected failure changed the stats",
				       a->name);
		vt_look(vm, &vt_v);
		if (vt_free_runs(&vt_v, vt_ppre) != n ||
		    memcmp(vt_ppre, vt_pre, n * sizeof(*vt_pre)))
			return vt_fail("%s: an injected failure changed the free segments",
				       a->name);
	}
	hit = vm->stats.fail_injected > s.st.fail_injected;
	if (a->fail.probability == 100 && !a->fail_inexact && inject != hit)
		return vt_fail("%s: failure %sinjected, the model says %s",
			       a->name, inject ? "not " : "",
			       inject ? "it was due" : "it was not");
	if (vm->stats.fail_injected != s.st.fail_injected)
		return 0;
	if (ret && ret != -ENOMEM && ret != -EINTR)
		return vt_fail("allocation returned %d", ret);
	if (!via_cache && (vm->stats.alloc != s.st.alloc + !ret ||
			   vm->stats.fail != s.st.fail + !!ret))
		return vt_fail("stats: alloc +%llu fail +%llu for %d",
				       (unsigned long long)(vm->stats.alloc -
							    s.st.alloc),
				       (unsigned long long)(vm->stats.fail -
							    s.st.fail),
				       ret);

	/* Sleeping waits are all killed: -EINTR iff one was. */
	killed = shim_waits_killed != s.killed;
	if ((ret == -EINTR) != killed &&
	    !(ret == 0 && (vt_cached_chain(idx) || vt_cached_below(idx))))
		return vt_fail("returned %d, %ld waits killed", ret,
			       shim_waits_killed - s.killed);
	if (shim_faults == s.faults && !vt_freed_in_import &&
	    vt_injected() == injected) {
		if (prefit && ret)
			return vt_fail("policy %#x failed with %d though [%#lx, +%#lx) fits",
				       policy, ret, vt_pre[i].addr,
				       vt_pre[i].size);
		if (a->kind == VT_K_ROOT && !vm->nqcache && !prefit &&
		    sleep == VMEM_SLEEP && !vt_cached_below(idx)) {
			bool ever = false;

			for (i = 0; i < vt_v.nspan && !ever; i++)
				ever = vt_fit(&r, &vt_v.span[i], &fitaddr);
			vt_look(vm, &vt_v);
			for (i = 0; i < vt_v.nspan && !ever; i++)
				ever = vt_fit(&r, &vt_v.span[i], &fitaddr);
			if (ever != (ret == -EINTR) ||
			    vm->stats.wait != s.st.wait + ever)
				return vt_fail("no fit; a span could%s hold it, yet %d, %llu waits",
					       ever ? "" : " not", ret,
					       (unsigned long long)
					       (vm->stats.wait - s.st.wait));
		}
		/* (unless the import overlapped a span of its own) */
		if (ret == -ENOMEM && a->kind == VT_K_VMEM &&
		    vt_w[a->parent].kind == VT_K_ROOT && shim_nwarn == s.warn &&
		    vt_source_could(a, &r, vt_ppre, pn))
			return vt_fail("%s failed though %s could have given an import",
				       a->name, vt_w[a->parent].name);
		if (ret == -ENOMEM && a->kind == VT_K_ROOT) {
			vt_look(vm, &vt_v);
			n = vt_free_runs(&vt_v, vt_pre);
			for (i = 0; i < n; i++)
				if (vt_fit(&r, &vt_pre[i], &fitaddr))
					return vt_fail("-ENOMEM, yet [%#lx, +%#lx) fits now",
						       vt_pre[i].addr,
						       vt_pre[i].size);
		}
	}
	if (policy == VMEM_NEXTFIT && !prefit)
		vt_rotors_unknown_above(idx);
	if (ret)
		return 0;

	if (!vt_meets(&r, addr))
		return vt_fail("block %#lx misses its constraints", addr);
	vt_look(vm, &vt_v);
	cached = via_cache && !vt_find(vt_v.alloc, vt_v.nalloc, addr, r.size);
	if (prefit && !via_cache) {
		chosen = vt_containing(vt_pre, n, addr);
		if (chosen < 0 || vt_last(&vt_pre[chosen]) - addr < r.size - 1)
			return vt_fail("%s: allocated %#lx outside the free segments it had",
				       a->name, addr);
		if (vm->stats.import != s.st.import)
			return vt_fail("%s imported though it had room",
				       a->name);
		if (vt_check_policy(a, policy,
				    topdown && policy != VMEM_NEXTFIT, &r,
				    constrained, vt_pre, n, addr, chosen))
			return -1;
	}
	if (policy == VMEM_NEXTFIT) {
		a->rotor = VT_ROTOR_AT;
		a->rotor_at = addr + r.size;
	}
	a->live[a->nlive++] = (struct vt_blk){ addr, r.size, cached, -1, x,
					       shim_stack_token };
	return 0;
}

/* Remove block @i of @a from the model. */
static void vt_forget(struct vt_arena *a, int i)
{
	a->live[i] = a->live[--a->nlive];
}

static int vt_do_bad_free(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	struct vt_blk *b = &a->live[vt_below(a->nlive)];
	unsigned long addr = b->addr, size = b->size;
	struct vt_snap s;
	int i;

	switch (vt_below(4)) {
	case 0:		/* inside a block */
		if (b->size <= a->q)
			return 0;
		addr += a->q * (1 + vt_below(b->size / a->q - 1));
		size = a->q;
		break;
	case 1:		/* the wrong size */
		size += a->q * (1 + vt_below(4));
		break;
	case 2:		/* the size of the slab holding a cached block */
		for (i = 0; i < a->nlive; i++)
			if (a->live[i].cached &&
			    !(a->live[i].addr & (a->vm->slab_size - 1)))
				break;
		if (i == a->nlive)
			return 0;
		b = &a->live[i];
		addr = b->addr;
		size = a->vm->slab_size;
		break;
	default:	/* nowhere near */
		addr = vt_word(8) & ~(a->q - 1);
		size = a->q;
		for (i = 0; i < VT_NARENAS; i++)
			if (vt_alive(i) && vmem_contains(vt_w[i].vm, addr, 1))
				return 0;
		break;
	}
	if (!size || size > ULONG_MAX - (a->q - 1) ||
	    vt_round(size, a->q) == b->size)
		return 0;	/* that would be a good free */
	vt_describe("bad free %s %#lx size %#lx (block %#lx size %#lx)",
		    a->name, addr, size, b->addr, b->size);
	vt_snap(a, &s);
	vt_trace_watch(a);
	if (b->x || vt_chance(2))
		vmem_xfree(a->vm, addr, size);
	else
		vmem_free(a->vm, addr, size);
	if (shim_trace.free)
		return vt_fail("%s: a bad free was traced", a->name);
	if (a->vm->stats.bad_free != s.st.bad_free + 1 ||
	    a->vm->stats.free != s.st.free)
		return vt_fail("bad free: bad_free +%llu free +%llu",
			       (unsigned long long)(a->vm->stats.bad_free -
						    s.st.bad_free),
			       (unsigned long long)(a->vm->stats.free -
						    s.st.free));
	return vt_check_warned(a, &s, addr, size);
}

static int vt_do_free(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	struct vt_blk b;
	unsigned long size;
	struct vt_snap s;
	int i, tries;

	if (!a->nlive)
		return 0;
	for (tries = 0, i = -1; tries < 4 && i < 0; tries++) {
		i = vt_below(a->nlive);
		if (a->live[i].owner >= 0)
			i = -1;
	}
	if (i < 0)
		return 0;
	if (vt_chance(10))
		return vt_do_bad_free(idx);
	b = a->live[i];
	size = b.size;
	if (a->q > 1 && vt_chance(2))	/* the size before rounding */
		size -= vt_below(a->q);
	vt_describe("free %s %#lx size %#lx%s", a->name, b.addr, size,
		    b.cached ? " (cached)" : "");
	vt_snap(a, &s);
	vt_trace_watch(a);
	if (b.x)
		vmem_xfree(a->vm, b.addr, size);
	else
		vmem_free(a->vm, b.addr, size);
	vt_forget(a, i);
	if (vt_failed)
		return -1;
	if (shim_trace.free != 1 || shim_trace.free_addr != b.addr ||
	    shim_trace.free_size != b.size)
		return vt_fail("%s: %ld vmem_free events, the last [%#lx, +%#lx)",
			       a->name, shim_trace.free, shim_trace.free_addr,
			       shim_trace.free_size);
	if (a->vm->stats.bad_free != s.st.bad_free ||
	    shim_nwarn != s.warn ||
	    (!b.cached && a->vm->stats.free != s.st.free + 1))
		return vt_fail("a good free was refused: %s", shim_last_warn);
	if (vt_chance(8)) {	/* and again: a double free */
		vt_describe("double free %s %#lx size %#lx", a->name, b.addr,
			    size);
		for (i = 0; i < a->nlive; i++)
			if (a->live[i].addr == b.addr)
				return 0;
		vt_snap(a, &s);
		vt_trace_watch(a);
		if (b.x)
			vmem_xfree(a->vm, b.addr, size);
		else
			vmem_free(a->vm, b.addr, size);
		if (a->vm->stats.bad_free != s.st.bad_free + 1)
			return vt_fail("a double free was not refused");
		if (shim_trace.free)
			return vt_fail("a double free was traced");
		return vt_check_warned(a, &s, b.addr, size);
	}
	return 0;
}

static bool vt_span_overlaps(struct vt_arena *a, const struct vt_blk *b)
{
	int i;

	vt_look(a->vm, &vt_v);
	for (i = 0; i < vt_v.nspan; i++)
		if (vt_overlap(b, &vt_v.span[i]))
			return true;
	return false;
}

static int vt_do_add(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	unsigned long q = a->q;
	struct vt_blk b = { 0, 0, 0, -1, 0 };
	bool valid = true, overlap;
	struct vt_snap s;
	int ret;

	if (a->nown == VT_MAX_SPANS)
		return 0;
	switch (vt_below(8)) {
	case 0: {	/* over or next to a span it has */
		struct vt_blk h = vt_hint(a);

		b.addr = (h.addr & ~(q - 1)) + q * vt_below(3) - q * vt_below(3);
		b.size = q * (1 + vt_below(8));
		break;
	}
	case 1:		/* invalid */
		b.addr = vt_word(8);
		b.size = vt_chance(3) ? 0 : vt_word(8);
		break;
	case 2:		/* at the top */
		b.size = q * (1 + vt_below(64));
		b.addr = 0 - b.size;
		break;
	default:
		b.addr = (vt_below(1UL << 20) + (1UL << 22)) * vt_unit;
		b.size = q * (1 + vt_below(256));
		break;
	}
	if (!b.size || (b.addr | b.size) & (q - 1) ||
	    b.addr + (b.size - 1) < b.addr)
		valid = false;
	overlap = valid && vt_span_overlaps(a, &b);
	vt_describe("add %s [%#lx, +%#lx)", a->name, b.addr, b.size);
	vt_snap(a, &s);
	ret = vmem_add(a->vm, b.addr, b.size,
		       vt_chance(2) ? VMEM_SLEEP : VMEM_NOSLEEP);
	if (ret == -ENOMEM && valid && shim_faults != s.faults)
		return 0;
	if (ret != (!valid ? -EINVAL : overlap ? -EEXIST : 0))
		return vt_fail("vmem_add gave %d; valid %d, overlap %d", ret,
			       valid, overlap);
	if (!ret)
		a->own[a->nown++] = b;
	return 0;
}

/* The custom import and release functions of leaf. */
static int vt_leaf_of(struct vmem *source)
{
	if (!vt_alive(VT_LEAF) || !vt_alive(vt_w[VT_LEAF].parent) ||
	    vt_w[vt_w[VT_LEAF].parent].vm != source)
		return -1;
	return VT_LEAF;
}

/*
 * Import @size for leaf from @source, misbehaving now and then; with
 * @honour, the constraints of vt_ximport() are met when the source can
 * (its quantum divides them).
 */
static int vt_import_span(struct vmem *source, unsigned long size,
			  unsigned int vmflag, const struct vt_req *honour,
			  unsigned long *addrp)
{
	int idx = vt_leaf_of(source), ret, i;
	struct vt_arena *a, *s;
	struct vt_rec rec = { 0 };
	unsigned long align;

	if (idx < 0)
		return vt_fail("import from an unknown source");
	a = &vt_w[idx];
	s = &vt_w[a->parent];
	if (shim_spin_depth || shim_irq_depth)
		return vt_fail("%s: import called with a lock held", a->name);
	if (!size || size % a->q ||
	    (vmflag & (VMEM_SLEEP | VMEM_NOSLEEP)) == 0)
		return vt_fail("%s: import of %#lx, flags %#x", a->name, size,
			       vmflag);
	if (a->nrec == VT_MAX_RECS || s->nlive == VT_MAX_LIVE)
		return -ENOMEM;
	switch (vt_below(16)) {
	case 0:		/* fails */
		return vt_chance(2) ? -EIO : -ENOMEM;
	case 1:		/* a span that wraps round the address space */
		if (size <= a->q)
			return -ENOMEM;
		rec.addr = 0 - a->q;
		rec.fake = true;
		goto done;
	case 2:		/* a span overlapping one it has */
		vt_look(a->vm, &vt_v);
		if (!vt_v.nspan)
			break;
		rec.addr = vt_v.span[vt_below(vt_v.nspan)].addr;
		rec.fake = true;
		goto done;
	case 3:		/* meanwhile, the arena frees a block */
		for (i = 0; i < a->nlive; i++) {
			if (a->live[i].owner < 0 && !a->live[i].cached) {
				if (a->live[i].x)
					vmem_xfree(a->vm, a->live[i].addr,
						   a->live[i].size);
				else
					vmem_free(a->vm, a->live[i].addr,
						  a->live[i].size);
				vt_forget(a, i);
				vt_freed_in_import = true;
				break;
			}
		}
		break;
	case 4:		/* plain vmem_alloc(): maybe misaligned for leaf */
		ret = vmem_alloc(source, size, vmflag, &rec.raddr);
		if (ret)
			return ret;
		rec.rsize = size;
		rec.real = true;
		rec.addr = rec.raddr;
		goto done;
	}
	align = max(a->q, s->q);
	if (honour && !(honour->align % s->q) && !(honour->phase % s->q))
		ret = vmem_xalloc(source, size, honour->align, honour->phase,
				  honour->nocross, honour->minaddr,
				  honour->maxaddr, vmflag, &rec.raddr);
	else
		ret = vmem_xalloc(source, size, align, 0, 0, VMEM_ADDR_MIN,
				  VMEM_ADDR_MAX, vmflag, &rec.raddr);
	if (ret)
		return ret;
	rec.rsize = size;
	rec.real = true;
	rec.x = true;
	rec.addr = rec.raddr;
	if (a->q > 1 && !honour && vt_chance(12)) /* misaligned on purpose */
		rec.addr += a->q / 2;
done:
	rec.size = size;
	if (rec.real)
		s->live[s->nlive++] = (struct vt_blk){
			rec.raddr, vt_round(rec.rsize, s->q),
			false, idx, rec.x, shim_stack_token,
		};
	if (rec.real && !rec.x && s->vm->nqcache &&
	    vt_round(size, s->q) <= s->vm->qcache_max) {
		vt_look(s->vm, &vt_v);
		s->live[s->nlive - 1].cached =
			!vt_find(vt_v.alloc, vt_v.nalloc, rec.raddr,
				 vt_round(size, s->q));
	}
	a->rec[a->nrec++] = rec;
	*addrp = rec.addr;
	return 0;
}

static int vt_import(struct vmem *source, unsigned long size,
		     unsigned int vmflag, unsigned long *addrp)
{
	return vt_import_span(source, size, vmflag, NULL, addrp);
}

#define VT_PLACEMENT	(VMEM_INSTANTFIT | VMEM_BESTFIT | VMEM_NEXTFIT | \
			 VMEM_TOPDOWN)

/*
 * Leaf's import when vmem_xcreate() made it: the request's exact
 * constraints arrive (checked against vt_inflight), and the span may be
 * larger than asked, meet them, or not.
 */
static int vt_ximport(void *arg, unsigned long *sizep, unsigned long align,
		      unsigned long phase, unsigned long nocross,
		      unsigned long minaddr, unsigned long maxaddr,
		      unsigned int vmflag, unsigned long *addrp)
{
	struct vt_arena *a = arg;
	struct vt_req want = {
		.size = *sizep, .align = align, .phase = phase,
		.nocross = nocross, .minaddr = minaddr, .maxaddr = maxaddr,
	};
	unsigned long size = *sizep, iq;
	int ret;

	if (a != &vt_w[VT_LEAF] || !a->vm || !a->xcreated)
		return vt_fail("ximport with the wrong arg");
	iq = a->import_quantum;
	if (vt_inflight) {
		const struct vt_req *r = vt_inflight;
		vt_wide up = iq ? ((vt_wide)r->size + iq - 1) / iq * iq : 0;
		bool big = iq && size == up && up - 1 <= r->maxaddr - r->minaddr &&
			   (!r->nocross ||
			    up <= r->nocross - (r->phase & (r->nocross - 1)));

		if ((size != r->size && !big) || align != r->align ||
		    phase != r->phase || nocross != r->nocross ||
		    minaddr != r->minaddr || maxaddr != r->maxaddr ||
		    (vmflag & VT_PLACEMENT) !=
		    (vt_inflight_flags & VT_PLACEMENT))
			return vt_fail("%s: ximport %#lx %#lx/%#lx/%#lx [%#lx, %#lx] %#x",
				       a->name, size, align, phase, nocross,
				       minaddr, maxaddr, vmflag);
	}
	if (vt_chance(4)) {		/* more than asked */
		unsigned long k = 1 + vt_below(4);

		if (a->q <= ULONG_MAX / 8 && size <= ULONG_MAX - k * a->q)
			size += k * a->q;
	}
	ret = vt_import_span(vt_w[a->parent].vm, size, vmflag,
			     vt_chance(3) ? NULL : &want, addrp);
	if (!ret)
		*sizep = size;
	return ret;
}

static void vt_release(struct vmem *source, unsigned long addr,
		       unsigned long size);

static void vt_xrelease(void *arg, unsigned long addr, unsigned long size)
{
	struct vt_arena *a = arg;

	if (a != &vt_w[VT_LEAF] || !a->vm || !a->xcreated) {
		vt_fail("xrelease with the wrong arg");
		return;
	}
	vt_release(vt_w[a->parent].vm, addr, size);
}

static void vt_release(struct vmem *source, unsigned long addr,
		       unsigned long size)
{
	int idx = vt_leaf_of(source), i, j, found = -1;
	struct vt_arena *a, *s;
	struct vt_rec rec;

	if (idx < 0) {
		vt_fail("release to an unknown source");
		return;
	}
	a = &vt_w[idx];
	s = &vt_w[a->parent];
	if (shim_spin_depth || shim_irq_depth) {
		vt_fail("%s: release called with a lock held", a->name);
		return;
	}
	/* The latest import of the span: a rejected one comes back first. */
	for (i = 0; i < a->nrec; i++)
		if (a->rec[i].addr == addr && a->rec[i].size == size)
			found = i;
	if (found < 0) {
		vt_fail("%s: release of [%#lx, +%#lx), never imported",
			a->name, addr, size);
		return;
	}
	rec = a->rec[found];
	a->rec[found] = a->rec[--a->nrec];
	if (!rec.real)
		return;
	for (j = 0; j < s->nlive; j++)
		if (s->live[j].owner == idx && s->live[j].addr == rec.raddr)
			break;
	if (j == s->nlive) {
		vt_fail("%s: import record without its block", a->name);
		return;
	}
	vt_forget(s, j);
	if (rec.x)
		vmem_xfree(source, rec.raddr, rec.rsize);
	else
		vmem_free(source, rec.raddr, rec.rsize);
}

static void vt_reset(int idx)
{
	struct vt_arena *a = &vt_w[idx];

	a->vm = NULL;
	a->nown = 0;
	a->nlive = 0;
	a->nrec = 0;
	a->rotor = VT_ROTOR_NONE;
	a->xcreated = false;
	a->import_quantum = 0;
	memset(&a->fail, 0, sizeof(a->fail));
	a->fail_inexact = false;
}

static int vt_do_destroy(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	unsigned long bytes = 0;
	char want[96];
	struct vt_snap s;
	int i, named, nclient = 0;

	for (i = 0; i < VT_NARENAS; i++) {
		/*
		 * Through import functions of its own, vmem does not know
		 * leaf imports from here: keeping the source alive is the
		 * client's business.
		 */
		if (vt_alive(i) && vt_w[i].parent == idx &&
		    vt_w[i].xcreated && vt_w[i].kind == VT_K_CUSTOM)
			return 0;
		if (vt_alive(i) && vt_w[i].parent == idx) {
			vt_describe("destroy %s, which %s imports from",
				    a->name, vt_w[i].name);
			vt_snap(a, &s);
			vmem_destroy(a->vm);
			if (shim_nwarn != s.warn + 1 ||
			    !strstr(shim_last_warn, "import from it"))
				return vt_fail("destroying an arena with importers: %ld warnings",
					       shim_nwarn - s.warn);
			return 0;
		}
	}
	for (i = 0; i < a->nlive; i++) {
		if (a->live[i].owner >= 0)
			return vt_fail("%s holds a block of a dead importer",
				       a->name);
		bytes += a->live[i].size;
		nclient++;
	}
	vt_describe("destroy %s with %d blocks, %d imports", a->name, nclient,
		    a->nrec);
	/*
	 * A debugged arena names the first leaks, a line and a one-frame
	 * stack each, and counts the rest on a line.
	 */
	named = 0;
	if (vmem_debugged(a->vm) && nclient)
		named = 2 * min(nclient, VMEM_LEAKS_SHOWN) +
			(nclient > VMEM_LEAKS_SHOWN);
	vt_snap(a, &s);
	vmem_destroy(a->vm);
	if (vt_failed)
		return -1;
	if (shim_nwarn != s.warn + !!nclient + named)
		return vt_fail("destroy: %ld warnings for %d blocks",
			       shim_nwarn - s.warn, nclient);
	snprintf(want, sizeof(want), "leaked %d allocations (%lu bytes)",
		 nclient, bytes);
	if (nclient && !strstr(shim_last_warn, want))
		return vt_fail("destroy: the warning lacks \"%s\"", want);
	if (a->nrec)
		return vt_fail("destroy: %d imports not given back", a->nrec);
	vt_reset(idx);
	return 0;
}

static int vt_do_create(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	struct vmem *src = a->parent >= 0 ? vt_w[a->parent].vm : NULL;
	vmem_import_t *imp = NULL;
	vmem_release_t *rel = NULL;
	unsigned long q, base = 0, size = 0, qmax = 0, expect_qmax;
	long tags = vmem_tags_live(), live = shim_allocs_live;
	unsigned int flags = vt_chance(2) ? VMEM_SLEEP : VMEM_NOSLEEP;
	bool debug, valid = true, xc = a->kind != VT_K_EXPLICIT && vt_chance(2);
	struct vmem_args args = { 0 };
	long bad_errno = -EINVAL;
	struct vmem *vm;
	struct vt_snap s = { .faults = shim_faults };

	if (a->parent >= 0 && !src)
		return 0;
	q = 1UL << vt_below(7);
	if (vt_chance(40))
		q = 1UL << (BITS_PER_LONG - 1 - vt_below(3));
	if (idx == VT_ROOT) {
		base = 0;
		size = vt_chance(8) ? 0 : 128 * vt_unit;
	} else if (vt_chance(4)) {
		struct vt_blk h = vt_hint(a);

		base = h.addr & ~(q - 1);
		size = q * (1 + vt_below(16));
		if (base + (size - 1) < base)
			size = 0;
	}
	if (a->kind == VT_K_CUSTOM) {
		imp = vt_import;
		rel = vt_release;
	} else if (a->kind == VT_K_EXPLICIT) {
		imp = vmem_alloc;
		rel = vmem_free;
	}
	if (idx == VT_QC || (idx != VT_ROOT && vt_chance(4)))
		qmax = q * (1 + vt_below(20)) + vt_below(q);
	switch (vt_below(24)) {
	case 0:
		q = 3 << vt_below(4);
		valid = false;
		break;
	case 1:
		q = 0;
		valid = false;
		break;
	case 2:
		if (q == 1)
			break;
		base = q / 2;
		size = q;
		valid = false;
		break;
	case 3:
		base = 0 - q;
		size = 2 * q;
		valid = false;
		break;
	case 4:
		flags = VMEM_SLEEP | VMEM_NOSLEEP;
		valid = false;
		break;
	case 5:
		if (imp) {
			rel = NULL;
			valid = false;
		}
		break;
	}
	valid = q && is_power_of_2(q) && !imp == !rel &&
		(flags == VMEM_SLEEP || flags == VMEM_NOSLEEP) &&
		(!size || (!((base | size) & (q - 1)) &&
			   base + (size - 1) >= base));
	if (xc) {
		args.base = base;
		args.size = size;
		args.quantum = q;
		args.qcache_max = qmax;
		if (a->kind == VT_K_CUSTOM) {
			args.ximport = imp ? vt_ximport : NULL;
			args.xrelease = rel ? vt_xrelease : NULL;
			args.arg = a;
		} else {
			args.source = src;
		}
		if (idx != VT_ROOT && vt_chance(2))
			args.import_quantum = q <= ULONG_MAX / 16 ?
					      q * (1 + vt_below(9)) : q;
		switch (vt_below(16)) {
		case 0:		/* a source and import functions */
			if (src) {
				args.source = src;
				args.ximport = vt_ximport;
				args.xrelease = vt_xrelease;
				valid = false;
			}
			break;
		case 1:		/* an import quantum not of whole quanta */
			if (q > 1) {
				args.import_quantum = q + q / 2;
				valid = false;
			}
			break;
		case 2:		/* an import quantum and nothing to import */
			if (idx == VT_ROOT) {
				args.import_quantum = q;
				valid = false;
			}
			break;
		case 3:		/* flags vmem does not know */
			args.flags = 0x10 << vt_below(8);
			valid = false;
			break;
		case 4:		/* owners recorded */
			args.flags = VMEM_ARENA_DEBUG;
			break;
		}
		vt_describe("xcreate %s q %#lx span [%#lx, +%#lx) qcache %#lx iq %#lx %#x/%#x",
			    a->name, q, base, size, qmax,
			    args.import_quantum, args.flags, flags);
		vmem_debug_all = vt_chance(8);
		if (vt_chance(64)) {
			vm = vmem_xcreate(a->name, NULL, flags);
			valid = false;
			bad_errno = -EINVAL;
		} else {
			vm = vmem_xcreate(a->name, &args, flags);
		}
	} else {
		vmem_debug_all = vt_chance(8);
		vt_describe("create %s quantum %#lx span [%#lx, +%#lx) qcache_max %#lx flags %#x",
			    a->name, q, base, size, qmax, flags);
		vm = vmem_create(a->name, base, size, q, imp, rel, src, qmax,
				 flags);
	}
	debug = vmem_debug_all || (xc && (args.flags & VMEM_ARENA_DEBUG));
	vmem_debug_all = false;
	if (!IS_ERR(vm) && vmem_debugged(vm) != debug)
		return vt_fail("debugged %d, asked for %d", vmem_debugged(vm),
			       debug);
	if (!valid) {
		if (PTR_ERR(vm) != bad_errno)
			return vt_fail("invalid create gave %ld", PTR_ERR(vm));
	} else if (IS_ERR(vm)) {
		if (PTR_ERR(vm) != -ENOMEM || shim_faults == s.faults)
			return vt_fail("create gave %ld", PTR_ERR(vm));
	}
	if (IS_ERR(vm)) {
		shim_rcu_barrier();
		if (vmem_tags_live() != tags || shim_allocs_live != live)
			return vt_fail("a failed create leaked");
		return 0;
	}
	expect_qmax = q <= ULONG_MAX / (4 * VMEM_QCACHE_MAX) ?
		      min(qmax & ~(q - 1), VMEM_QCACHE_MAX * q) : 0;
	if (vm->qcache_max != expect_qmax || strcmp(vm->name, a->name) ||
	    vm->quantum != q)
		return vt_fail("created with qcache_max %#lx, expected %#lx",
			       vm->qcache_max, expect_qmax);
	vt_reset(idx);
	a->vm = vm;
	a->q = q;
	a->xcreated = xc;
	a->import_quantum = args.import_quantum;
	a->qcache_max = expect_qmax;
	if (size)
		a->own[a->nown++] = (struct vt_blk){ base, size, 0, -1, 0 };
	if (idx == VT_ROOT) {
		static const unsigned long at[][2] = {
			{ 4096, 512 }, { 0, 128 },
		};
		unsigned long sz;
		int i;

		for (i = 0; i < 2; i++) {
			sz = at[i][1] * vt_unit;
			base = at[i][0] ? at[i][0] * vt_unit : 0 - sz;
			if (base % q || sz % q)
				continue;
			if (vmem_add(vm, base, sz, VMEM_SLEEP)) {
				if (shim_faults != s.faults)
					continue;
				return vt_fail("adding root span %d", i);
			}
			a->own[a->nown++] = (struct vt_blk){ base, sz, 0, -1, 0 };
		}
	}
	return 0;
}

static int vt_do_query(int idx)
{
	struct vt_arena *a = &vt_w[idx];
	struct vt_blk h = vt_hint(a), b;
	bool want = false;
	int i;

	b.addr = h.addr + vt_below(h.size + 2) - 1;
	b.size = vt_below(h.size + 2);
	if (vt_chance(8))
		b.size = vt_word(8);
	vt_describe("queries on %s at %#lx size %#lx", a->name, b.addr, b.size);
	vt_look(a->vm, &vt_v);
	for (i = 0; i < vt_v.nspan && b.size && b.addr + b.size - 1 >= b.addr;
	     i++)
		want |= b.addr >= vt_v.span[i].addr &&
			vt_last(&b) <= vt_last(&vt_v.span[i]);
	if (vmem_contains(a->vm, b.addr, b.size) != want)
		return vt_fail("vmem_contains(%#lx, %#lx) is not %d", b.addr,
			       b.size, want);
	/* Misuse that must be harmless. */
	if (vmem_alloc(NULL, 1, VMEM_NOSLEEP, &b.addr) != -EINVAL ||
	    vmem_xalloc(NULL, 1, 0, 0, 0, 0, ~0UL, VMEM_NOSLEEP, &b.addr) !=
	    -EINVAL || vmem_add(NULL, 0, 1, VMEM_NOSLEEP) != -EINVAL ||
	    vmem_size(NULL, VMEM_ALLOC) || vmem_contains(NULL, 0, 1))
		return vt_fail("a NULL arena was not refused");
	vmem_free(NULL, 0, 1);
	vmem_xfree(NULL, 0, 1);
	vmem_destroy(NULL);
	vmem_walk(NULL, VMEM_ALLOC, vt_count_cb, &i);
	vmem_walk(a->vm, VMEM_ALLOC, NULL, NULL);
	i = 0;
	vmem_walk(a->vm, 0, vt_count_cb, &i);
	if (i)
		return vt_fail("vmem_walk with an empty mask called back");
	return 0;
}

static int vt_do_caches(int idx)
{
	struct vt_arena *a = &vt_w[idx];

	switch (vt_below(5)) {
	case 4: {
		struct vmem_fail *f = &a->fail;

		/* Fault injection, as debugfs <arena>/fail/ would set it. */
		memset(f, 0, sizeof(*f));
		a->fail_inexact = false;
		if (vt_chance(3)) {
			f->probability = vt_chance(4) ? 50 : 100;
			f->interval = vt_below(4);
			f->times = vt_chance(3) ? -1 : (long)vt_below(6);
			f->space = vt_chance(3) ? (long)vt_below(64 * a->q) : 0;
			f->verbose = vt_below(3);
		}
		vt_describe("%s: inject probability %lu interval %lu times %ld space %ld",
			    a->name, f->probability, f->interval, f->times,
			    f->space);
		a->vm->fail = *f;
		break;
	}
	case 0:
		vt_describe("flush deferred work");
		shim_flush_work();
		return vt_check_hashes();
	case 1:
		vt_describe("move to another CPU");
		shim_set_cpu(vt_below(SHIM_NR_CPUS));
		break;
	case 2:
		vt_describe("reap the depots of %s", a->name);
		vmem_qcache_reap(a->vm);
		break;
	default:
		vt_describe("purge the caches of %s", a->name);
		vmem_qcache_purge(a->vm);
		break;
	}
	return 0;
}

static int vt_step(void)
{
	unsigned int op;
	int idx;

	if (vt_burst) {
		vt_burst--;
		if (vt_alive(vt_burst_idx))
			return vt_do_alloc(vt_burst_idx);
		vt_burst = 0;
	}
	op = vt_below(100);
	idx = vt_below(VT_NARENAS);

	if (!vt_alive(idx)) {
		if (op < 50)
			return vt_do_create(idx);
		return 0;
	}
	if (op < 45) {
		/* Now and then a run of the smallest cached size. */
		if (vt_w[idx].vm->nqcache && vt_chance(128)) {
			vt_burst = 32 + vt_below(48);
			vt_burst_idx = idx;
		}
		return vt_do_alloc(idx);
	}
	if (op < 85)
		return vt_do_free(idx);
	if (op < 89)
		return vt_do_add(idx);
	if (op < 91)
		return vt_do_destroy(idx);
	if (op < 95)
		return vt_do_query(idx);
	return vt_do_caches(idx);
}

/*
 * Free every block, importers first, and purge the caches: every arena
 * must be whole again, its hash back to the size of what it holds.
 */
static int vt_drain(void)
{
	static const int order[] = { VT_SUB, VT_LEAF, VT_MID, VT_QC, VT_ROOT };
	const char *err = NULL;
	unsigned int k;
	int i;

	vt_describe("free everything and purge the caches");
	for (i = 0; i < VT_NARENAS; i++)	/* no injected failures now */
		if (vt_alive(i))
			vt_w[i].vm->fail.probability = 0;
	for (k = 0; k < ARRAY_SIZE(order); k++) {
		struct vt_arena *a = &vt_w[order[k]];

		if (!a->vm)
			continue;
		for (i = a->nlive - 1; i >= 0; i--) {
			struct vt_blk *b = &a->live[i];

			if (b->owner >= 0)
				continue;
			if (b->x)
				vmem_xfree(a->vm, b->addr, b->size);
			else
				vmem_free(a->vm, b->addr, b->size);
			vt_forget(a, i);
		}
		vmem_qcache_purge(a->vm);
		/*
		 * Spans leaf keeps that never served a request stay until it
		 * goes: then (after sub, which imports from it) it goes.
		 */
		if (order[k] == VT_LEAF && a->nrec) {
			if (vt_alive(VT_SUB) && vt_do_destroy(VT_SUB))
				return -1;
			if (vt_do_destroy(VT_LEAF))
				return -1;
			vt_describe("free everything and purge the caches");
		}
	}
	shim_flush_work();
	if (vt_check_all() || vt_check_hashes())
		return -1;
	for (k = 0; k < VT_NARENAS && !err; k++)
		if (vt_w[k].vm)
			err = vi_check_drained(vt_w[k].vm);
	if (err)
		return vt_fail("%s", err);
	return vt_check_all();
}

/* Destroy every arena, importers first; nothing may be left. */
static int vt_teardown(void)
{
	int i, j;

	if (vt_chance(2) && vt_drain())
		return -1;

	for (j = 0; j < VT_NARENAS; j++) {
		for (i = VT_NARENAS - 1; i >= 0; i--) {
			bool importers = false;
			int k;

			for (k = 0; k < VT_NARENAS; k++)
				importers |= vt_alive(k) &&
					     vt_w[k].parent == i;
			if (vt_alive(i) && !importers) {
				if (vt_do_destroy(i) || vt_check_all())
					return -1;
			}
		}
	}
	shim_flush_work();
	shim_rcu_barrier();
	if (vmem_tags_live() != vt_tags_base ||
	    shim_allocs_live != vt_allocs_base)
		return vt_fail("%ld tags and %ld allocations left at the end",
			       vmem_tags_live() - vt_tags_base,
			       shim_allocs_live - vt_allocs_base);
	return 0;
}

int vt_run(unsigned long max_ops)
{
	int i;

	vt_failed = 0;
	vt_op = 0;
	vt_burst = 0;
	shim_trace_on = true;		/* the events, checked op by op */
	shim_flush_work();
	shim_rcu_barrier();
	vt_tags_base = vmem_tags_live();
	vt_allocs_base = shim_allocs_live;
	vt_faults_base = shim_faults;
	vt_desc[0] = 0;
	shim_kill_on_wait = 1;
	shim_set_cpu(0);
	shim_fail_rate = 0;
	vt_unit = 64;
	for (i = 0; i < VT_NARENAS; i++) {
		vt_reset(i);
		vt_w[i].parent = vt_parents[i];
		vt_w[i].kind = vt_kinds[i];
		vt_w[i].name = vt_names[i];
	}
	for (i = 0; i < VT_NARENAS; i++)
		if (vt_do_create(i))
			return -1;
	if (vt_check_all())
		return -1;
	shim_fail_seed = vt_seed * 2 + 1;
	shim_fail_rate = vt_fail_rate;
	for (vt_op = 1; vt_op <= max_ops && !vt_exhausted; vt_op++) {
		if (vt_step() || vt_failed)
			break;
		shim_rcu_barrier();
		if (vt_check_all())
			break;
	}
	shim_fail_rate = 0;
	if (!vt_failed)
		vt_teardown();
	if (vt_failed) {
		/* Leave nothing behind for the next run, if we can. */
		for (i = 0; i < VT_NARENAS; i++)
			vt_reset(i);
		return -1;
	}
	return 0;
}
