// SPDX-License-Identifier: GPL-2.0
/*
 * Footprint invariants of an arena, for the userspace tests: the quantum
 * caches hold no slab they do not need and no more magazines than their
 * objects call for, the allocation hash is sized for what is allocated,
 * and an arena whose blocks are all freed is whole again.  Called where no
 * other thread is inside the arena: they read its structures directly.
 * And the helpers of the threaded tests: their blocks, their generator.
 */
#include <stdarg.h>
#include <linux/vmem.h>
#include "vmem_internal.h"
#include "vmem_invariants.h"

static char vi_msg[256];

/* What is wrong with @vm, or with its cache @qc if not NULL. */
static const char *vi_vfail(struct vmem *vm, struct vmem_qcache *qc,
			    const char *fmt, va_list ap)
{
	size_t n;

	n = snprintf(vi_msg, sizeof(vi_msg), "%s: ", vm->name);
	if (qc)
		n += snprintf(vi_msg + n, sizeof(vi_msg) - n, "cache %#lx: ",
			      qc->size);
	vsnprintf(vi_msg + n, sizeof(vi_msg) - n, fmt, ap);
	return vi_msg;
}

static __printf(2, 3) const char *vi_fail(struct vmem *vm, const char *fmt,
					  ...)
{
	va_list ap;

	va_start(ap, fmt);
	vi_vfail(vm, NULL, fmt, ap);
	va_end(ap);
	return vi_msg;
}

static __printf(2, 3) const char *vi_qfail(struct vmem_qcache *qc,
					   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vi_vfail(qc->vm, qc, fmt, ap);
	va_end(ap);
	return vi_msg;
}

/* A slab of the cache under check, and which of its objects are in magazines. */
struct vi_slab {
	struct vmem_slab *slab;
	DECLARE_BITMAP(inmag, VMEM_SLAB_OBJS_MAX);
};

static int vi_cmp_slab(const void *x, const void *y)
{
	const struct vi_slab *a = x, *b = y;

	return a->slab < b->slab ? -1 : a->slab > b->slab;
}

/* Note where each round of @mag comes from; the count goes to *@rounds. */
static const char *vi_mag(struct vmem_qcache *qc, struct vmem_mag *mag,
			  struct vi_slab *slabs, unsigned long n,
			  unsigned long *rounds)
{
	unsigned int i;

	if (mag->rounds > mag->size)
		return vi_qfail(qc, "a magazine holds %u rounds of %u",
				mag->rounds, mag->size);
	for (i = 0; i < mag->rounds; i++) {
		struct vi_slab key = { .slab = mag->round[i].slab }, *s;
		unsigned long obj = mag->round[i].obj;

		s = bsearch(&key, slabs, n, sizeof(*slabs), vi_cmp_slab);
		if (!s || obj >= qc->nobj)
			return vi_qfail(qc, "a magazine holds object %lu of no slab of the cache",
					obj);
		if (test_bit(obj, s->inmag) || s->slab->held[obj] ||
		    test_bit(obj, s->slab->avail))
			return vi_qfail(qc, "object %#lx is in a magazine and elsewhere too",
					s->slab->base + obj * qc->size);
		__set_bit(obj, s->inmag);
	}
	*rounds += mag->rounds;
	return NULL;
}

/* Every magazine: the CPUs' and the depot's; their counts go to *@mags. */
static const char *vi_mags(struct vmem_qcache *qc, struct vi_slab *slabs,
			   unsigned long n, unsigned long *mags,
			   unsigned long *rounds)
{
	const char *err = NULL;
	struct vmem_mag *mag;
	unsigned int cpu, k;

	for_each_possible_cpu(cpu) {
		struct vmem_qcache_cpu *cc = per_cpu_ptr(qc->cpu, cpu);

		if (cc->loaded && !err) {
			err = vi_mag(qc, cc->loaded, slabs, n, rounds);
			++*mags;
		}
		if (cc->prev && !err) {
			err = vi_mag(qc, cc->prev, slabs, n, rounds);
			++*mags;
		}
	}
	for (mag = qc->full, k = 0; mag && !err; mag = mag->next, k++) {
		if (!mag->rounds)
			return vi_qfail(qc, "an empty magazine on the full list");
		err = vi_mag(qc, mag, slabs, n, rounds);
	}
	if (!err && k != qc->nfull)
		return vi_qfail(qc, "%u full magazines, nfull %u", k,
				qc->nfull);
	for (mag = qc->empty, k = 0; mag && !err; mag = mag->next, k++)
		if (mag->rounds)
			return vi_qfail(qc, "a magazine of %u rounds on the empty list",
					mag->rounds);
	if (!err && k != qc->nempty)
		return vi_qfail(qc, "%u empty magazines, nempty %u", k,
				qc->nempty);
	*mags += qc->nfull + qc->nempty;
	return err;
}

/*
 * A slab's objects: each held, in a magazine or in the slab's pool, one of
 * them, and not all in the pool.
 */
static const char *vi_slab(struct vmem_qcache *qc, struct vi_slab *s,
			   unsigned long *held)
{
	struct vmem_slab *slab = s->slab;
	unsigned int nheld, navail, nmag;
	unsigned long obj;

	navail = bitmap_weight(slab->avail, VMEM_SLAB_OBJS_MAX);
	nmag = bitmap_weight(s->inmag, VMEM_SLAB_OBJS_MAX);
	for (obj = 0, nheld = 0; obj < qc->nobj; obj++) {
		if (slab->held[obj] > 1)
			return vi_qfail(qc, "slab %#lx: held byte %lu is %u",
					slab->base, obj, slab->held[obj]);
		nheld += slab->held[obj];
		if (slab->held[obj] && test_bit(obj, slab->avail))
			return vi_qfail(qc, "object %#lx is both held and in its slab's pool",
					slab->base + obj * qc->size);
	}
	if (navail != slab->navail || nheld + navail + nmag != qc->nobj)
		return vi_qfail(qc, "slab %#lx: %u held, %u in magazines, %u (%u) pooled, of %u",
				slab->base, nheld, nmag, navail, slab->navail,
				qc->nobj);
	if (!nheld && !nmag)
		return vi_qfail(qc, "slab %#lx has no object held or in a magazine",
				slab->base);
	*held += nheld;
	return NULL;
}

/* The slabs, and the partial list: those with objects in their pool. */
static const char *vi_slabs(struct vmem_qcache *qc, struct vi_slab *slabs,
			    unsigned long n, unsigned long *held)
{
	unsigned long i, partial = 0;
	struct vmem_slab *slab;
	const char *err;

	for (i = 0; i < n; i++) {
		err = vi_slab(qc, &slabs[i], held);
		if (err)
			return err;
		partial += !!slabs[i].slab->navail;
	}
	list_for_each_entry(slab, &qc->partial, link) {
		struct vi_slab key = { .slab = slab };

		if (!slab->navail ||
		    !bsearch(&key, slabs, n, sizeof(*slabs), vi_cmp_slab))
			return vi_qfail(qc, "slab %#lx on the partial list, navail %u",
					slab->base, slab->navail);
		partial--;
	}
	if (partial)
		return vi_qfail(qc, "%lu slabs with pooled objects off the partial list",
				partial);
	return NULL;
}

/*
 * The slab table: slots in use counted, at most half of them, and each slab
 * aligned and where a probe from its hash reaches it before an empty slot.
 */
static const char *vi_slabtab(struct vmem *vm, struct vmem_qcache *qc,
			      struct vmem_slabtab *t)
{
	unsigned long i, j, used = 0, bytes;

	if (!t)
		return qc->nslabs ? vi_qfail(qc, "%lu slabs and no table",
					     qc->nslabs) : NULL;
	bytes = vmem_slabtab_size(t->nslots);
	if (bytes & (bytes - 1))
		return vi_qfail(qc, "slab table of %lu bytes", bytes);
	for (i = 0; i < t->nslots; i++) {
		struct vmem_slab *slab = t->slot[i];

		if (!slab)
			continue;
		used++;
		if (slab == VMEM_SLAB_TOMB)
			continue;
		if (slab->base & (vm->slab_size - 1))
			return vi_qfail(qc, "slab %#lx not aligned", slab->base);
		for (j = reciprocal_scale(hash_long(slab->base >> vm->slab_shift,
						    32), t->nslots);
		     j != i; j = j + 1 < t->nslots ? j + 1 : 0)
			if (!t->slot[j])
				return vi_qfail(qc, "slab %#lx in slot %lu, past an empty slot %lu",
						slab->base, i, j);
	}
	/* Three quarters while a CPU could not grow it. */
	if (used != t->used || 4 * used > 3 * t->nslots)
		return vi_qfail(qc, "slab table: %lu slots used (counted %lu) of %lu",
				used, t->used, t->nslots);
	return NULL;
}

static const char *vi_check_cache(struct vmem *vm, struct vmem_qcache *qc)
{
	unsigned long index, n = 0, held = 0, rounds = 0, mags = 0;
	struct vmem_slabtab *t = rcu_dereference_protected(qc->slabtab, true);
	struct vmem_slab *slab;
	struct vi_slab *slabs;
	const char *err;

	err = vi_slabtab(vm, qc, t);
	if (err)
		return err;
	index = 0;
	while ((slab = vmem_slabtab_next(t, &index)))
		n++;
	slabs = calloc(n + 1, sizeof(*slabs));
	if (!slabs)
		return "out of memory";
	n = 0;
	index = 0;
	while ((slab = vmem_slabtab_next(t, &index)))
		slabs[n++].slab = slab;
	qsort(slabs, n, sizeof(*slabs), vi_cmp_slab);
	err = vi_mags(qc, slabs, n, &mags, &rounds);
	if (!err)
		err = vi_slabs(qc, slabs, n, &held);
	free(slabs);
	if (err)
		return err;
	if (n != qc->nslabs || qc->slab_bytes != n * vm->slab_size)
		return vi_qfail(qc, "%lu slabs, nslabs %lu, slab_bytes %#lx", n,
				qc->nslabs, qc->slab_bytes);
	/* Each magazine came with an object out of the slabs, but a few. */
	if (mags > held + rounds + 4 * SHIM_NR_CPUS)
		return vi_qfail(qc, "%lu magazines for %lu objects held, %lu in magazines",
				mags, held, rounds);
	return NULL;
}

const char *vi_check_caches(struct vmem *vm)
{
	const char *err = NULL;
	unsigned int i;

	for (i = 0; i < vm->nqcache && !err; i++)
		err = vi_check_cache(vm, vm->qcache[i]);
	return err;
}

const char *vi_check_hash(struct vmem *vm)
{
	unsigned long flags, buckets, nbusy;
	unsigned int bits;

	spin_lock_irqsave(&vm->lock, flags);
	bits = vm->hash_bits;
	nbusy = vm->nbusy;
	spin_unlock_irqrestore(&vm->lock, flags);
	buckets = 1UL << bits;
	if (buckets > max(16UL, 8 * nbusy) ||
	    (nbusy > 2 * buckets && bits < VMEM_HASH_MAX_BITS))
		return vi_fail(vm, "%lu hash buckets for %lu segments",
			       buckets, nbusy);
	return NULL;
}

struct vi_spans {
	struct vmem_seg *span;
	unsigned long n, max;
};

static void vi_span_cb(void *arg, unsigned long addr, unsigned long size)
{
	struct vi_spans *s = arg;

	if (s->n < s->max) {
		s->span[s->n].start = addr;
		s->span[s->n].size = size;
	}
	s->n++;
}

const char *vi_check_drained(struct vmem *vm)
{
	struct vi_spans s = { .max = vm->nspans };
	const char *err = NULL;
	unsigned long i, addr;
	unsigned int cpu, k;
	int ret;

	if (vm->mem_inuse || vm->nbusy || vm->mem_import)
		return vi_fail(vm, "%#lx in %lu segments left, %#lx imported",
			       vm->mem_inuse, vm->nbusy, vm->mem_import);
	for (k = 0; k < vm->nqcache; k++) {
		struct vmem_qcache *qc = vm->qcache[k];
		bool mags = qc->full || qc->empty;

		for_each_possible_cpu(cpu)
			mags |= per_cpu_ptr(qc->cpu, cpu)->loaded ||
				per_cpu_ptr(qc->cpu, cpu)->prev;
		if (qc->nslabs || mags)
			return vi_qfail(qc, "%lu slabs%s left after a purge",
					qc->nslabs,
					mags ? " and magazines" : "");
	}

	/* Every span whole, all at once. */
	s.span = calloc(s.max + 1, sizeof(*s.span));
	if (!s.span)
		return "out of memory";
	vmem_walk(vm, VMEM_SPAN, vi_span_cb, &s);
	if (s.n != s.max) {
		free(s.span);
		return vi_fail(vm, "%lu spans, nspans %lu", s.n, s.max);
	}
	for (i = 0; i < s.n; i++) {
		struct vmem_seg *span = &s.span[i];

		ret = vmem_xalloc(vm, span->size, 0, 0, 0, span->start,
				  span->start + (span->size - 1), VMEM_NOSLEEP,
				  &addr);
		if (!ret && addr != span->start) {
			vmem_xfree(vm, addr, span->size);
			ret = -EFAULT;
		}
		if (ret) {
			err = vi_fail(vm, "span [%#lx, +%#lx) not allocatable whole: %d",
				      span->start, span->size, ret);
			break;
		}
	}
	while (i--)
		vmem_xfree(vm, s.span[i].start, s.span[i].size);
	free(s.span);
	if (!err && vm->mem_inuse)
		err = vi_fail(vm, "%#lx allocated once the spans are freed",
			      vm->mem_inuse);
	return err;
}

/* === Helpers of the threaded tests === */

void vi_blk_free(const struct vi_blk *b)
{
	if (b->x)
		vmem_xfree(b->vm, b->addr, b->size);
	else
		vmem_free(b->vm, b->addr, b->size);
}

static int vi_cmp_blk(const void *x, const void *y)
{
	const struct vi_blk *a = x, *b = y;

	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

const char *vi_check_disjoint(struct vi_blk *blk, int n)
{
	int i;

	qsort(blk, n, sizeof(*blk), vi_cmp_blk);
	for (i = 1; i < n; i++)
		if (blk[i].vm == blk[i - 1].vm &&
		    blk[i - 1].addr + blk[i - 1].size > blk[i].addr)
			return vi_fail(blk[i].vm, "blocks at %#lx and %#lx overlap",
				       blk[i - 1].addr, blk[i].addr);
	return NULL;
}

unsigned long vi_rnd(unsigned long long *rng, unsigned long n)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return n ? *rng % n : 0;
}
