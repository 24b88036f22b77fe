// SPDX-License-Identifier: GPL-2.0
/*
 * vmem quantum caches: per-CPU magazines in front of the arena.
 *
 * An arena created with qcache_max > 0 gets one cache for each multiple of
 * its quantum up to qcache_max (at most VMEM_QCACHE_MAX).  vmem_alloc() and
 * vmem_free() of those sizes go through the cache; vmem_xalloc() and
 * vmem_xfree() never do, nor do next-fit allocations, whose point is the
 * order in which resources come back.
 *
 * The layers are those of the paper ("Magazines and Vmem", sections 3 and
 * 4.4.4):
 *
 * - Each CPU has a loaded and a previous magazine: arrays of resources.
 *   Allocation pops from the loaded one, free pushes onto it; when it is
 *   empty (or full) the two are swapped, so a CPU going back and forth
 *   across a magazine boundary never leaves its own pair.  The pair has a
 *   spinlock of its own, as the page allocator's per-CPU lists have
 *   (mm/page_alloc.c): taken by its CPU, it is uncontended and in a line
 *   that CPU owns, so the path touches neither the arena lock nor any
 *   shared cache line but the resource's slab (and the pair's line when
 *   another CPU purges or reads the counters); another CPU that purges
 *   takes it too, instead of interrupting the owner.  On PREEMPT_RT it is
 *   a sleeping lock like every spinlock_t, so nothing in the caches runs
 *   with interrupts hard-disabled or calls the slab allocator there.
 * - Behind the CPUs, a depot holds lists of full and empty magazines under
 *   one spinlock; a CPU trades a magazine with it when both of its own are
 *   spent.  When that lock is found contended, the magazine size grows, so
 *   CPUs come to the depot less often.
 * - Behind the depot, slabs: naturally aligned chunks of the arena of one
 *   size for all the arena's caches, the next power of two above three
 *   times qcache_max, cut into objects.  A slab is the unit the cache takes
 *   from and gives back to the arena, so a million allocations of a cached
 *   size cost the arena a few thousand segments.
 *
 * Every slab records which of its objects clients hold, one byte each: the
 * allocating CPU sets it with a store, the freeing CPU clears it with
 * xchg(), the only atomic of the CPU path.  Magazines hold objects as slab
 * and index, so allocation finds that byte at once; a free looks its slab
 * up by address in the cache's slab table (a hash table read under RCU, see
 * "Finding slabs" below) and its object by quantum (a table of the cache,
 * no division).  That makes a free of a cached size as safe as any other:
 * an address that is not held (a double free, or no object at all) is
 * reported and changes nothing, and a size that is not the object's is
 * handed on to the arena, which reports it.  A resource is any unsigned
 * long, 0 included: magazines hold them as values and need no sentinel.
 *
 * Cached resources go back to the arena when an allocation would otherwise
 * fail (vmem_qcache_purge(), before failing or sleeping, from any context),
 * under memory pressure (the shrinker reaps the depots), when a CPU goes
 * offline and when the arena is destroyed.
 */

#define pr_fmt(fmt) "vmem: " fmt

#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "vmem_internal.h"
#include "vmem_trace.h"

/* === Magazines === */

static struct vmem_mag *vmem_mag_alloc(unsigned int size, gfp_t gfp)
{
	struct vmem_mag *mag;

	mag = kmalloc(struct_size(mag, round, size), gfp);
	if (mag) {
		mag->next = NULL;
		mag->rounds = 0;
		mag->size = size;
	}
	return mag;
}

static void vmem_mag_push_list(struct vmem_mag **list, unsigned int *n,
			       struct vmem_mag *mag)
{
	mag->next = *list;
	*list = mag;
	(*n)++;
}

static struct vmem_mag *vmem_mag_pop_list(struct vmem_mag **list,
					  unsigned int *n)
{
	struct vmem_mag *mag = *list;

	if (mag) {
		*list = mag->next;
		(*n)--;
	}
	return mag;
}

/**
 * vmem_depot_contended() - Count a contended acquisition of the depot lock.
 * @qc: The cache, its lock held.
 *
 * Every %VMEM_MAG_CONTENTION of them double the size of new magazines, up
 * to %VMEM_MAG_MAX, so that CPUs come to the depot less often.
 *
 * Context: Under @qc->lock.
 */
void vmem_depot_contended(struct vmem_qcache *qc)
{
	lockdep_assert_held(&qc->lock);
	if (++qc->contended >= VMEM_MAG_CONTENTION) {
		qc->contended = 0;
		if (qc->magsize < VMEM_MAG_MAX)
			WRITE_ONCE(qc->magsize, qc->magsize * 2);
	}
}

/* Take the depot lock, noting whether it was contended. */
static void vmem_depot_lock(struct vmem_qcache *qc)
	__acquires(&qc->lock)
{
	if (spin_trylock(&qc->lock))
		return;
	spin_lock(&qc->lock);
	vmem_depot_contended(qc);
}

/* === Finding slabs === */

/*
 * Each cache files its slabs in a table of its own: open addressing with
 * linear probing, keyed by base >> slab_shift (slabs are naturally
 * aligned), so that a free finds its slab in one line of the table and the
 * slab's first line, where an XArray walked two or three nodes.
 *
 * The table is written under the cache's lock and read by frees under RCU
 * alone.  No entry moves while the table is published: a slab is stored in
 * the first free or tombstone slot of its probe sequence with a release
 * store (its base and pools written before), and a removed slab leaves a
 * tombstone (%VMEM_SLAB_TOMB), so a reader's probe never misses an entry
 * that was there before it started.  Slots in use, slabs and tombstones,
 * stay below half the table (three quarters while another CPU resizes it
 * or after a growth failed): probes are short and always end at an empty
 * slot.
 *
 * A table is one allocation of a power of two bytes (kmalloc's sizes, no
 * rounding up), its slots what is left after the header: their number is
 * not a power of two, so a probe starts at reciprocal_scale() of the hash.
 * When an insertion would pass half, a table sized for four times the
 * slabs is allocated and filled without the lock, under RCU, and published
 * with rcu_assign_pointer() once the few slabs filed or removed meanwhile,
 * logged under the lock, are applied to it.  The old table is freed after a grace
 * period and never written again, so a reader still probing it finds what
 * it held.  Nothing proportional to the table's size is done under the
 * lock.  One CPU resizes a table at a time; while it does, and when its
 * growth failed (no memory, or more slabs came or went than the log
 * holds), slabs are filed up to three quarters of the slots, the next slab
 * tries to grow it again, and past three quarters a new slab is not filed
 * (it goes back, and the allocation falls back to the arena).
 * When slabs go back to the arena and fewer than a sixteenth of the slots
 * hold one, the table shrinks the same way, if memory can be had without
 * waiting: a cache that once held a million slabs does not keep their
 * table.  A table is allocated with a cache's first slab and freed with the
 * cache.
 */

#define VMEM_SLABTAB_MAX_BYTES	BIT(27)

/* Bytes of a table for @n slabs, a quarter full; 0 when too many. */
static unsigned long vmem_slabtab_bytes(unsigned long n)
{
	unsigned long bytes;

	if (n > VMEM_SLABTAB_MAX_BYTES / (4 * sizeof(struct vmem_slab *)))
		return 0;
	bytes = roundup_pow_of_two(vmem_slabtab_size(4 * max(n, 1UL)));
	bytes = max(VMEM_SLABTAB_MIN_BYTES, bytes);
	return bytes <= VMEM_SLABTAB_MAX_BYTES ? bytes : 0;
}

static struct vmem_slabtab *vmem_slabtab_alloc(unsigned long bytes, gfp_t gfp)
{
	struct vmem_slabtab *t;

	if (!bytes)
		return NULL;
	/* kvzalloc() only where it may sleep: vmalloc() may. */
	if (gfpflags_allow_blocking(gfp))
		t = kvzalloc(bytes, gfp | __GFP_NOWARN);
	else
		t = kzalloc(bytes, gfp | __GFP_NOWARN);
	if (t)
		t->nslots = (bytes - vmem_slabtab_size(0)) /
			    sizeof(t->slot[0]);
	return t;
}

/*
 * Room for one more slab, keeping the slots in use below @num / @den of
 * the table?
 */
static bool vmem_slabtab_room(struct vmem_slabtab *t, unsigned int num,
			      unsigned int den)
{
	return t && (t->used + 1) * den <= t->nslots * num;
}

/* The slot a probe for @base starts at, and the one after @i. */
static unsigned long vmem_slabtab_first(struct vmem_slabtab *t,
					unsigned long base, unsigned int shift)
{
	return reciprocal_scale(hash_long(base >> shift, 32), t->nslots);
}

static unsigned long vmem_slabtab_step(struct vmem_slabtab *t,
				       unsigned long i)
{
	return i + 1 < t->nslots ? i + 1 : 0;
}

/* Find the slab whose base is @base.  Under RCU or the cache's lock. */
static struct vmem_slab *vmem_slabtab_find(struct vmem_slabtab *t,
					   unsigned long base,
					   unsigned int shift)
{
	struct vmem_slab *slab;
	unsigned long i;

	if (!t)
		return NULL;
	for (i = vmem_slabtab_first(t, base, shift);
	     (slab = rcu_dereference_raw(t->slot[i]));
	     i = vmem_slabtab_step(t, i))
		if (slab != VMEM_SLAB_TOMB && slab->base == base)
			return slab;
	return NULL;
}

/* File @slab in @t, which has room.  Under the cache's lock, or @t unseen. */
static void vmem_slabtab_add(struct vmem_slabtab *t, struct vmem_slab *slab,
			     unsigned int shift)
{
	struct vmem_slab *old;
	unsigned long i;

	for (i = vmem_slabtab_first(t, slab->base, shift);
	     (old = rcu_dereference_protected(t->slot[i], true)) &&
	     old != VMEM_SLAB_TOMB; i = vmem_slabtab_step(t, i))
		;
	if (!old)
		t->used++;
	/* Readers that find the slab see its base and pools. */
	rcu_assign_pointer(t->slot[i], slab);
}

/* Leave a tombstone where @slab is in @t; false when it is not there. */
static bool vmem_slabtab_tomb(struct vmem_slabtab *t, struct vmem_slab *slab,
			      unsigned int shift)
{
	struct vmem_slab *cur;
	unsigned long i;

	for (i = vmem_slabtab_first(t, slab->base, shift);
	     (cur = rcu_dereference_protected(t->slot[i], true)) != slab;
	     i = vmem_slabtab_step(t, i))
		if (!cur)
			return false;
	RCU_INIT_POINTER(t->slot[i], VMEM_SLAB_TOMB);
	return true;
}

/*
 * While a CPU copies the table to resize it, slabs filed (@gone false) and
 * removed are logged, for it to apply to its copy: a copy made without the
 * lock while slabs come and go is published all the same.  Past
 * VMEM_SLABTAB_LOG changes the log overflows and that resize fails.  Under
 * the lock.
 */
static void vmem_slabtab_log(struct vmem_qcache *qc, struct vmem_slab *slab,
			     bool gone)
{
	if (!qc->slabtab_logging || qc->slabtab_nlog > VMEM_SLABTAB_LOG)
		return;
	if (qc->slabtab_nlog < VMEM_SLABTAB_LOG)
		qc->slabtab_log[qc->slabtab_nlog] = (unsigned long)slab | gone;
	qc->slabtab_nlog++;
}

/* Leave a tombstone where @slab was.  Under the cache's lock. */
static void vmem_slabtab_del(struct vmem_qcache *qc, struct vmem_slab *slab)
{
	lockdep_assert_held(&qc->lock);
	/* Every slab given back was filed. */
	WARN_ON_ONCE(!vmem_slabtab_tomb(vmem_slabtab_of(qc), slab,
					qc->vm->slab_shift));
	vmem_slabtab_log(qc, slab, true);
}

/*
 * Apply the log to @nt, a copy of the table made while it was kept: slabs
 * removed are taken out of it, slabs filed put in unless the copy has them.
 * Under the lock, and under the RCU read lock taken when logging began, so
 * that no slab removed since is freed yet.  False when the log overflowed
 * or @nt is too full.
 */
static bool vmem_slabtab_replay(struct vmem_qcache *qc,
				struct vmem_slabtab *nt)
{
	unsigned int shift = qc->vm->slab_shift, i;
	struct vmem_slab *slab;

	if (qc->slabtab_nlog > VMEM_SLABTAB_LOG)
		return false;
	for (i = 0; i < qc->slabtab_nlog; i++) {
		slab = (struct vmem_slab *)(qc->slabtab_log[i] & ~1UL);
		if (qc->slabtab_log[i] & 1) {
			vmem_slabtab_tomb(nt, slab, shift);
		} else if (!vmem_slabtab_find(nt, slab->base, shift)) {
			if (!vmem_slabtab_room(nt, 1, 2))
				return false;
			vmem_slabtab_add(nt, slab, shift);
		}
	}
	return true;
}

/*
 * Copy the slabs of @t into the empty table @nt, up to half of its slots.
 * Under RCU, without the lock.  False when they did not all fit (slabs
 * came while the copy was made).
 */
static bool vmem_slabtab_copy(struct vmem_slabtab *t, struct vmem_slabtab *nt,
			      unsigned int shift)
{
	struct vmem_slab *slab;
	unsigned long i = 0;

	while ((slab = vmem_slabtab_next(t, &i))) {
		if (!vmem_slabtab_room(nt, 1, 2))
			return false;
		vmem_slabtab_add(nt, slab, shift);
	}
	return true;
}

/* Publish @nt, which holds the cache's slabs.  Under the cache's lock. */
static void vmem_slabtab_publish(struct vmem_qcache *qc,
				 struct vmem_slabtab *nt)
{
	struct vmem_slabtab *t = vmem_slabtab_of(qc);

	rcu_assign_pointer(qc->slabtab, nt);
	if (t)
		kvfree_rcu(t, rcu);
}

/*
 * Fill the empty table @nt from the cache's table without the lock, under
 * RCU (@flags as spin_lock_irqsave() gave them), take the lock again and
 * publish @nt, once the slabs filed and removed meanwhile (logged) are
 * applied to it; for a shrink, only if the table is still too large.  The
 * caller has set @slabtab_resizing.
 * Called and returns with the lock held; false when @nt was not published
 * (the caller frees it after dropping the lock: it was never seen).
 */
static bool vmem_slabtab_fill(struct vmem_qcache *qc, struct vmem_slabtab *nt,
			      bool shrink, unsigned long *flags)
	__must_hold(&qc->lock)
{
	bool done;

	/* Slabs removed from here on are not freed before the log is applied. */
	rcu_read_lock();
	qc->slabtab_nlog = 0;
	qc->slabtab_logging = true;
	spin_unlock_irqrestore(&qc->lock, *flags);
	done = vmem_slabtab_copy(rcu_dereference(qc->slabtab), nt,
				 qc->vm->slab_shift);
	spin_lock_irqsave(&qc->lock, *flags);
	qc->slabtab_logging = false;
	/*
	 * Every change made while the copy was made is in the log (a table
	 * is replaced only by the one CPU that resizes it): at most
	 * VMEM_SLABTAB_LOG probes, bounded under the lock.
	 */
	if (done)
		done = vmem_slabtab_replay(qc, nt);
	if (done && shrink)
		done = qc->nslabs < vmem_slabtab_of(qc)->nslots / 16;
	if (done)
		vmem_slabtab_publish(qc, nt);
	rcu_read_unlock();
	return done;
}

/*
 * File a new slab in the table, growing it if need be: the lock is then
 * dropped to allocate and fill a larger table (@flags as
 * spin_lock_irqsave() gave them) and taken again.  A growth that fails
 * (no memory, or too many slabs came or went while the table was filled)
 * leaves the table to fill up to three quarters; the next slab tries
 * again.  Under the cache's lock.  0, or -ENOMEM with the slab not filed.
 */
static int vmem_slab_file(struct vmem_qcache *qc, struct vmem_slab *slab,
			  unsigned long *flags, gfp_t gfp)
	__must_hold(&qc->lock)
{
	struct vmem_slabtab *nt;
	unsigned long bytes;
	bool grown;

	/* One CPU resizes it at a time; the others fill it meanwhile. */
	if (!vmem_slabtab_room(vmem_slabtab_of(qc), 1, 2) &&
	    !qc->slabtab_resizing) {
		WRITE_ONCE(qc->slabtab_resizing, true);
		bytes = vmem_slabtab_bytes(qc->nslabs + 1);
		spin_unlock_irqrestore(&qc->lock, *flags);
		nt = vmem_slabtab_alloc(bytes, gfp);
		spin_lock_irqsave(&qc->lock, *flags);
		grown = nt && vmem_slabtab_fill(qc, nt, false, flags);
		WRITE_ONCE(qc->slabtab_resizing, false);
		if (nt && !grown) {
			spin_unlock_irqrestore(&qc->lock, *flags);
			kvfree(nt);
			spin_lock_irqsave(&qc->lock, *flags);
		}
	}
	/* Past three quarters, or without a table, it is not filed. */
	if (!vmem_slabtab_room(vmem_slabtab_of(qc), 3, 4))
		return -ENOMEM;
	vmem_slabtab_add(vmem_slabtab_of(qc), slab, qc->vm->slab_shift);
	vmem_slabtab_log(qc, slab, false);
	return 0;
}

/*
 * After slabs went back to the arena: a table less than a sixteenth used
 * is replaced with one sized for its slabs, if that can be had without
 * waiting.  No locks held.
 */
static void vmem_slabtab_shrink(struct vmem_qcache *qc)
{
	unsigned long flags, slots, bytes, nslabs = READ_ONCE(qc->nslabs);
	struct vmem_slabtab *t, *nt;

	rcu_read_lock();
	t = rcu_dereference(qc->slabtab);
	slots = t ? t->nslots : 0;
	rcu_read_unlock();
	bytes = vmem_slabtab_bytes(nslabs);
	/* Racy peeks, checked again under the lock. */
	if (READ_ONCE(qc->slabtab_resizing) || nslabs >= slots / 16 || !bytes ||
	    bytes >= vmem_slabtab_size(slots))
		return;
	nt = vmem_slabtab_alloc(bytes, GFP_NOWAIT);
	if (!nt)
		return;
	spin_lock_irqsave(&qc->lock, flags);
	/* One resize at a time: a growth's log is its own. */
	if (!qc->slabtab_resizing) {
		WRITE_ONCE(qc->slabtab_resizing, true);
		if (vmem_slabtab_fill(qc, nt, true, &flags))
			nt = NULL;
		WRITE_ONCE(qc->slabtab_resizing, false);
	}
	spin_unlock_irqrestore(&qc->lock, flags);
	kfree(nt);	/* never seen; from kzalloc() without waiting */
}

/* The slab of @addr, if any.  Under RCU or the cache's lock. */
static struct vmem_slab *vmem_slab_of(struct vmem_qcache *qc,
				      unsigned long addr)
{
	struct vmem *vm = qc->vm;

	return vmem_slabtab_find(vmem_slabtab_of(qc),
				 addr & ~(vm->slab_size - 1), vm->slab_shift);
}

/* === Slabs === */

/*
 * Give an object back to its slab's pool, under the depot lock.  A slab
 * whose objects are all back is taken out and returned through @release:
 * no slab stays in the cache without an object held or in a magazine.
 */
static void vmem_slab_put(struct vmem_qcache *qc, struct vmem_slab *slab,
			  unsigned long obj, struct list_head *release)
{
	lockdep_assert_held(&qc->lock);
	if (!slab->navail++)
		list_add(&slab->link, &qc->partial);
	__set_bit(obj, slab->avail);
	if (slab->navail == qc->nobj) {
		list_move(&slab->link, release);
		vmem_slabtab_del(qc, slab);
		WRITE_ONCE(qc->nslabs, qc->nslabs - 1);
		WRITE_ONCE(qc->slab_bytes, qc->slab_bytes - qc->vm->slab_size);
	}
}

/* Take an object from the pool of the first slab on the partial list. */
static struct vmem_round vmem_slab_get(struct vmem_qcache *qc)
{
	struct vmem_slab *slab;
	struct vmem_round r;

	lockdep_assert_held(&qc->lock);
	slab = list_first_entry(&qc->partial, struct vmem_slab, link);
	r.slab = slab;
	r.obj = find_first_bit(slab->avail, qc->nobj);
	__clear_bit(r.obj, slab->avail);
	if (!--slab->navail)
		list_del(&slab->link);
	return r;
}

/*
 * Return slabs, taken out of the table already, to the arena.  No locks
 * held.
 */
static void vmem_slabs_release(struct vmem_qcache *qc,
			       struct list_head *release)
{
	struct vmem_slab *slab, *tmp;

	if (list_empty(release))
		return;
	list_for_each_entry_safe(slab, tmp, release, link) {
		vmem_arena_free(qc->vm, slab->base, qc->vm->slab_size);
		kfree_rcu(slab, rcu);
	}
	vmem_slabtab_shrink(qc);
}

/* Move every round of @mag back to the slabs; @mag ends up empty. */
static void vmem_mag_unload(struct vmem_qcache *qc, struct vmem_mag *mag,
			    struct list_head *release)
{
	struct vmem_round *r;

	while (mag->rounds) {
		r = &mag->round[--mag->rounds];
		vmem_slab_put(qc, r->slab, r->obj, release);
	}
}

/*
 * Carve a new slab out of the arena, every object in its pool, for the
 * caller to file and put on the partial list.  Called without locks, with
 * interrupts as the caller had them.
 */
static struct vmem_slab *vmem_slab_create(struct vmem_qcache *qc,
					  unsigned int vmflag)
{
	struct vmem *vm = qc->vm;
	struct vmem_slab *slab;
	unsigned long base;
	int ret;

	/* Owners of the objects only in a debugged arena. */
	slab = kzalloc(struct_size(slab, held,
				   ALIGN(qc->nobj,
					 sizeof(depot_stack_handle_t))) +
		       (vmem_debugged(vm) ?
			qc->nobj * sizeof(depot_stack_handle_t) : 0),
		       vmflag & VMEM_SLEEP ? GFP_KERNEL : GFP_ATOMIC | __GFP_NOWARN);
	if (!slab)
		return NULL;
	/*
	 * Neither wait for space nor purge the caches here: when no slab can
	 * be had, the caller allocates the object from the arena, and waits
	 * or purges there if it must.
	 */
	ret = vmem_slab_alloc(vm, &base);
	if (ret) {
		kfree(slab);
		return NULL;
	}
	slab->base = base;
	bitmap_fill(slab->avail, qc->nobj);
	slab->navail = qc->nobj;
	return slab;
}

/*
 * Fill a magazine from the slabs on the partial list (making one if there
 * are none) and give it to the depot.
 */
static int vmem_qcache_refill(struct vmem_qcache *qc, unsigned int vmflag)
{
	gfp_t gfp = vmflag & VMEM_SLEEP ? GFP_KERNEL : GFP_ATOMIC | __GFP_NOWARN;
	struct vmem_mag *mag = vmem_mag_alloc(READ_ONCE(qc->magsize), gfp);
	struct vmem_slab *slab;
	unsigned long flags;

	if (!mag)
		return -ENOMEM;
	spin_lock_irqsave(&qc->lock, flags);
	if (list_empty(&qc->partial)) {
		spin_unlock_irqrestore(&qc->lock, flags);
		slab = vmem_slab_create(qc, vmflag);
		if (!slab) {
			kfree(mag);
			return -ENOMEM;
		}
		spin_lock_irqsave(&qc->lock, flags);
		if (vmem_slab_file(qc, slab, &flags, gfp)) {
			spin_unlock_irqrestore(&qc->lock, flags);
			vmem_arena_free(qc->vm, slab->base, qc->vm->slab_size);
			kfree(slab);
			kfree(mag);
			return -ENOMEM;
		}
		/*
		 * First on the list, so that this magazine draws from it even
		 * if other slabs came meanwhile: a slab none of whose objects
		 * is held or in a magazine would never go back.
		 */
		list_add(&slab->link, &qc->partial);
		WRITE_ONCE(qc->nslabs, qc->nslabs + 1);
		WRITE_ONCE(qc->slab_bytes, qc->slab_bytes + qc->vm->slab_size);
	}
	while (mag->rounds < mag->size && !list_empty(&qc->partial))
		mag->round[mag->rounds++] = vmem_slab_get(qc);
	if (mag->rounds)
		vmem_mag_push_list(&qc->full, &qc->nfull, mag);
	else
		vmem_mag_push_list(&qc->empty, &qc->nempty, mag);
	spin_unlock_irqrestore(&qc->lock, flags);
	return 0;
}

/* === The CPU layer === */

/*
 * Lock the magazines of the CPU the caller runs on.  The task stays on that
 * CPU from the lookup to the unlock, as in the page allocator's
 * pcpu_spin_lock(): so the pair is its own CPU's (uncontended, in a line
 * that CPU owns), and a CPU going down cannot be given a magazine after its
 * dead-CPU flush.  Interrupts are saved as by spin_lock_irqsave(): off
 * while the lock is held, except on PREEMPT_RT, where migration is
 * disabled instead.
 */
static struct vmem_qcache_cpu *vmem_cpu_lock(struct vmem_qcache *qc,
					     unsigned long *flags)
	__acquires(qc->cpu)
{
	struct vmem_qcache_cpu *cc;

#ifdef CONFIG_PREEMPT_RT
	*flags = 0;
	migrate_disable();
#else
	local_irq_save(*flags);
#endif
	cc = this_cpu_ptr(qc->cpu);
	spin_lock(&cc->lock);
	return cc;
}

static void vmem_cpu_unlock(struct vmem_qcache *qc,
			    struct vmem_qcache_cpu *cc, unsigned long flags)
	__releases(qc->cpu)
{
	spin_unlock(&cc->lock);
#ifdef CONFIG_PREEMPT_RT
	migrate_enable();
#else
	local_irq_restore(flags);
#endif
}

/* Try to take an object from this CPU's magazines or the depot. */
static bool vmem_qcache_get(struct vmem_qcache *qc, struct vmem_round *rp)
{
	struct vmem_qcache_cpu *cc;
	struct vmem_mag *mag = NULL;
	unsigned long flags;
	bool hit = true;

	cc = vmem_cpu_lock(qc, &flags);
	if (!cc->loaded || !cc->loaded->rounds) {
		if (cc->prev && cc->prev->rounds) {
			swap(cc->loaded, cc->prev);
		} else {
			vmem_depot_lock(qc);
			mag = vmem_mag_pop_list(&qc->full, &qc->nfull);
			if (mag) {
				if (cc->prev)
					vmem_mag_push_list(&qc->empty,
							   &qc->nempty,
							   cc->prev);
				cc->prev = cc->loaded;
				cc->loaded = mag;
			}
			spin_unlock(&qc->lock);
			hit = mag;
		}
	}
	if (hit) {
		*rp = cc->loaded->round[--cc->loaded->rounds];
		WRITE_ONCE(cc->alloc, cc->alloc + 1);
	} else {
		WRITE_ONCE(cc->miss, cc->miss + 1);
	}
	vmem_cpu_unlock(qc, cc, flags);
	/*
	 * A full magazine went from the depot to this CPU, which a sleeper's
	 * purge, walking the CPUs, may have passed already: it may have put
	 * it in the depot from a CPU it flushed later, and would then miss
	 * it.  Such a sleeper is counted (it counted itself before its walk,
	 * whose depot lock this pop took after), so wake it to purge again,
	 * as after a free to the caches.
	 */
	if (mag)
		vmem_cached_free_wake(qc->vm);
	return hit;
}

/*
 * Count a free and put the resource in this CPU's magazines, or trade for
 * an empty magazine with the depot, or make one.  False when there is no
 * room anywhere.
 */
static bool vmem_qcache_put(struct vmem_qcache *qc, struct vmem_slab *slab,
			    unsigned long obj)
{
	struct vmem_qcache_cpu *cc;
	struct vmem_mag *mag;
	unsigned long flags;
	bool done = true;

	cc = vmem_cpu_lock(qc, &flags);
	WRITE_ONCE(cc->free, cc->free + 1);
	if (!cc->loaded || cc->loaded->rounds == cc->loaded->size) {
		if (cc->prev && cc->prev->rounds < cc->prev->size) {
			swap(cc->loaded, cc->prev);
		} else {
			vmem_depot_lock(qc);
			mag = vmem_mag_pop_list(&qc->empty, &qc->nempty);
			spin_unlock(&qc->lock);
			if (!mag)
				mag = vmem_mag_alloc(READ_ONCE(qc->magsize),
						     GFP_ATOMIC | __GFP_NOWARN);
			if (mag) {
				if (cc->prev) {
					vmem_depot_lock(qc);
					vmem_mag_push_list(&qc->full,
							   &qc->nfull,
							   cc->prev);
					spin_unlock(&qc->lock);
				}
				cc->prev = cc->loaded;
				cc->loaded = mag;
			}
			done = mag;
		}
	}
	if (done) {
		cc->loaded->round[cc->loaded->rounds].slab = slab;
		cc->loaded->round[cc->loaded->rounds++].obj = obj;
	}
	vmem_cpu_unlock(qc, cc, flags);
	return done;
}

static struct vmem_qcache *vmem_qcache_for(struct vmem *vm,
					   unsigned long size)
{
	return vm->qcache[(size >> vm->qshift) - 1];
}

/**
 * vmem_qcache_alloc() - Allocate a cached size.
 * @vm: The arena.
 * @size: Size, rounded to the quantum, at most @vm->qcache_max.
 * @vmflag: %VMEM_SLEEP or %VMEM_NOSLEEP.
 * @owner: In a debugged arena, the allocating stack, recorded with the
 *         object.
 * @addrp: Where the resource is stored.
 *
 * Context: As vmem_alloc().
 * Return: 0, or -ENOMEM when the cache could get nothing: the caller then
 * allocates from the arena itself.
 */
int vmem_qcache_alloc(struct vmem *vm, unsigned long size,
		      unsigned int vmflag, depot_stack_handle_t owner,
		      unsigned long *addrp)
{
	struct vmem_qcache *qc = vmem_qcache_for(vm, size);
	struct vmem_round r;
	int tries;

	for (tries = 0; !vmem_qcache_get(qc, &r); tries++)
		if (tries == 2 || vmem_qcache_refill(qc, vmflag))
			return -ENOMEM;

	if (vmem_debugged(vm)) {
		WRITE_ONCE(vmem_slab_owners(qc, r.slab)[r.obj], owner);
		/* vmem_owners_walk() that sees the byte set sees the owner. */
		smp_store_release(&r.slab->held[r.obj], 1);
	} else {
		WRITE_ONCE(r.slab->held[r.obj], 1);
	}
	*addrp = r.slab->base + r.obj * qc->size;
	return 0;
}

/**
 * vmem_qcache_free() - Free a cached size.
 * @vm: The arena.
 * @addr: The resource.
 * @size: Size as the caller gave it: once rounded to the quantum, at most
 *        @vm->qcache_max.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Return: False when @addr is not an object of this size's cache: the
 * caller then frees it to the arena, which checks it.  True when it was
 * freed, or reported as a bad free.
 */
bool vmem_qcache_free(struct vmem *vm, unsigned long addr, unsigned long size)
{
	struct vmem_qcache *qc = vmem_qcache_for(vm, round_up(size, vm->quantum));
	unsigned long off, flags;
	struct vmem_slab *slab;
	LIST_HEAD(release);
	unsigned int obj;
	bool held;

	rcu_read_lock();
	slab = vmem_slab_of(qc, addr);
	if (!slab) {
		rcu_read_unlock();
		return false;
	}
	/* Below slab_size, at most VMEM_SLAB_OBJS_MAX quanta. */
	off = addr - slab->base;
	obj = qc->obj_of[off >> vm->qshift];
	held = !(off & (vm->quantum - 1)) && obj != VMEM_NO_OBJ &&
	       xchg(&slab->held[obj], 0);
	rcu_read_unlock();
	if (!held) {
		vmem_bad_free(vm, addr, size, 0);
		return true;
	}
	if (trace_vmem_free_enabled())
		trace_vmem_free(vm->name, addr, qc->size);

	/* Held by the client until now, the slab cannot have gone. */
	if (!vmem_qcache_put(qc, slab, obj)) {
		/* No magazine to be had: straight back to the slab. */
		spin_lock_irqsave(&qc->lock, flags);
		vmem_slab_put(qc, slab, obj, &release);
		spin_unlock_irqrestore(&qc->lock, flags);
		vmem_slabs_release(qc, &release);
	}
	vmem_cached_free_wake(vm);
	return true;
}

/* === Giving resources back === */

/* Return the depot's full magazines to the slabs and free its empty ones. */
static unsigned long vmem_qcache_reap_one(struct vmem_qcache *qc)
{
	struct vmem_mag *full, *empty, *mag;
	unsigned long flags, n = 0;
	LIST_HEAD(release);

	spin_lock_irqsave(&qc->lock, flags);
	full = qc->full;
	empty = qc->empty;
	qc->full = NULL;
	qc->empty = NULL;
	qc->nfull = 0;
	qc->nempty = 0;
	while ((mag = full)) {
		full = mag->next;
		n += mag->rounds;
		vmem_mag_unload(qc, mag, &release);
		mag->next = empty;
		empty = mag;
	}
	spin_unlock_irqrestore(&qc->lock, flags);

	while ((mag = empty)) {
		empty = mag->next;
		kfree(mag);
	}
	vmem_slabs_release(qc, &release);
	return n;
}

/**
 * vmem_qcache_reap() - Give back what the depots of an arena hold.
 * @vm: The arena.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Return: Resources returned to the slabs.
 */
unsigned long vmem_qcache_reap(struct vmem *vm)
{
	unsigned long n = 0, objs, bytes = 0;
	unsigned int i;

	for (i = 0; i < vm->nqcache; i++) {
		objs = vmem_qcache_reap_one(vm->qcache[i]);
		n += objs;
		bytes += objs * vm->qcache[i]->size;
	}
	if (bytes && trace_vmem_reap_enabled())
		trace_vmem_reap(vm->name, bytes);
	return n;
}

/*
 * Move a CPU's magazines to the depot: taken from the CPU under its lock,
 * then given to the depot under the depot's, so that the CPU never waits
 * for the depot on another CPU's behalf.
 */
static void vmem_qcache_flush_cpu(struct vmem_qcache *qc,
				  struct vmem_qcache_cpu *cc)
{
	struct vmem_mag *mags[2];
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&cc->lock, flags);
	mags[0] = cc->loaded;
	mags[1] = cc->prev;
	cc->loaded = NULL;
	cc->prev = NULL;
	spin_unlock_irqrestore(&cc->lock, flags);
	if (!mags[0] && !mags[1])
		return;

	spin_lock_irqsave(&qc->lock, flags);
	for (i = 0; i < ARRAY_SIZE(mags); i++) {
		if (!mags[i])
			continue;
		/* The depot's full list holds no empty magazine. */
		if (mags[i]->rounds)
			vmem_mag_push_list(&qc->full, &qc->nfull, mags[i]);
		else
			vmem_mag_push_list(&qc->empty, &qc->nempty, mags[i]);
	}
	spin_unlock_irqrestore(&qc->lock, flags);
}

/**
 * vmem_qcache_purge() - Give back everything the caches of an arena hold.
 * @vm: The arena.
 *
 * Every CPU's magazines go to the depot, one CPU's pair at a time under its
 * lock (no IPI, so a caller that holds a spinlock another CPU spins on
 * with interrupts off cannot deadlock), and the depot is then reaped.
 * vmem disables interrupts for one pair's move at a time; a caller that
 * has them off keeps them off for the whole walk, which costs a lock per
 * possible CPU and cache, and the reap, which is linear in what the depot
 * holds.  Allocations that fail purge once per arena they reach.
 *
 * Context: Any context where vmem_alloc() with %VMEM_NOSLEEP may be
 * called.  Takes the CPUs' and the depots' locks, and the arena's.
 */
void vmem_qcache_purge(struct vmem *vm)
{
	unsigned int i, cpu;

	for (i = 0; i < vm->nqcache; i++) {
		struct vmem_qcache *qc = vm->qcache[i];

		for_each_possible_cpu(cpu)
			vmem_qcache_flush_cpu(qc, per_cpu_ptr(qc->cpu, cpu));
	}
	vmem_qcache_reap(vm);
}

/**
 * vmem_qcache_cpu_dead() - Give back what a dead CPU's magazines hold.
 * @vm: The arena.
 * @cpu: The CPU, offline.
 *
 * What the dead CPU's magazines held goes back to the slabs, and sleepers
 * are woken to purge again, as after a free to the caches.
 *
 * Context: Process context (CPU hotplug teardown).
 */
void vmem_qcache_cpu_dead(struct vmem *vm, unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < vm->nqcache; i++)
		vmem_qcache_flush_cpu(vm->qcache[i],
				      per_cpu_ptr(vm->qcache[i]->cpu, cpu));
	vmem_qcache_reap(vm);
	vmem_cached_free_wake(vm);
}

/* === Statistics === */

/**
 * vmem_qcache_stats() - Counters of one quantum cache.
 * @qc: The cache.
 * @st: Filled in; per-CPU counters are summed without stopping the CPUs.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 */
void vmem_qcache_stats(struct vmem_qcache *qc, struct vmem_qcache_stats *st)
{
	unsigned long flags;
	unsigned int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		struct vmem_qcache_cpu *cc = per_cpu_ptr(qc->cpu, cpu);

		st->miss += READ_ONCE(cc->miss);
		st->alloc += READ_ONCE(cc->alloc);
		st->free += READ_ONCE(cc->free);
	}
	st->hit = st->alloc;
	spin_lock_irqsave(&qc->lock, flags);
	st->full = qc->nfull;
	st->empty = qc->nempty;
	st->magsize = qc->magsize;
	st->slabs = qc->nslabs;
	spin_unlock_irqrestore(&qc->lock, flags);
}

/**
 * vmem_qcache_cached() - Bytes the caches of an arena hold, not clients.
 * @vm: The arena.
 *
 * What the slabs take from the arena less what clients hold of them.  The
 * per-CPU counters are unsigned long, so that no reader sees one torn: they
 * wrap, and their difference, the objects held, is taken modulo the word.
 * Read while other CPUs allocate and free, a cache may seem to hold less
 * than nothing for a moment: it then counts as holding nothing.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Return: Bytes allocated from the arena that are free for its clients.
 */
unsigned long vmem_qcache_cached(struct vmem *vm)
{
	unsigned long cached = 0;
	unsigned int i;

	for (i = 0; i < vm->nqcache; i++) {
		struct vmem_qcache *qc = vm->qcache[i];
		unsigned long slab_bytes = READ_ONCE(qc->slab_bytes);
		struct vmem_qcache_stats st;
		long held;

		vmem_qcache_stats(qc, &st);
		held = (long)(unsigned long)(st.alloc - st.free);
		if (held <= 0)
			cached += slab_bytes;
		else if (held <= slab_bytes / qc->size)
			cached += slab_bytes - held * qc->size;
	}
	return cached;
}

/* === Set-up === */

/**
 * vmem_qcache_init() - Create the quantum caches of a new arena.
 * @vm: The arena; @vm->qcache_max says how many.
 * @gfp: Allocation flags.
 *
 * Context: Process context.
 * Return: 0, -ENOMEM, or -EINVAL if slabs would pass %VMEM_SLAB_OBJS_MAX
 * quanta (a bug of vmem, warned about; vmem_create() fails either way).
 */
int vmem_qcache_init(struct vmem *vm, gfp_t gfp)
{
	unsigned long i, n = vm->qcache_max >> vm->qshift;
	unsigned int cpu, obj;

	if (!n)
		return 0;
	vm->slab_size = roundup_pow_of_two(3 * vm->qcache_max);
	vm->slab_shift = ilog2(vm->slab_size);
	/* obj_of[] has a byte per quantum of a slab, below VMEM_NO_OBJ. */
	BUILD_BUG_ON(VMEM_SLAB_OBJS_MAX > VMEM_NO_OBJ);
	if (WARN_ON_ONCE((vm->slab_size >> vm->qshift) > VMEM_SLAB_OBJS_MAX))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct vmem_qcache *qc = kzalloc(sizeof(*qc), gfp);

		if (!qc)
			goto fail;
		qc->cpu = alloc_percpu_gfp(struct vmem_qcache_cpu, gfp);
		if (!qc->cpu) {
			kfree(qc);
			goto fail;
		}
		for_each_possible_cpu(cpu)
			spin_lock_init(&per_cpu_ptr(qc->cpu, cpu)->lock);
		qc->vm = vm;
		qc->size = (i + 1UL) << vm->qshift;
		qc->nobj = vm->slab_size / qc->size;
		memset(qc->obj_of, VMEM_NO_OBJ, sizeof(qc->obj_of));
		for (obj = 0; obj < qc->nobj; obj++)
			qc->obj_of[obj * (i + 1)] = obj;
		qc->magsize = VMEM_MAG_MIN;
		spin_lock_init(&qc->lock);
		INIT_LIST_HEAD(&qc->partial);
		vm->qcache[i] = qc;
		vm->nqcache = i + 1;
	}
	return 0;
fail:
	vmem_qcache_destroy(vm, &n, &n);
	return -ENOMEM;
}

/**
 * vmem_qcache_destroy() - Empty and free the quantum caches of an arena.
 * @vm: The arena, with no other call in progress.
 * @nleaked: Incremented by the number of objects clients still hold.
 * @leaked: Incremented by their bytes.
 *
 * Every slab goes back to the arena, held objects or not.
 *
 * Context: Process context.
 */
void vmem_qcache_destroy(struct vmem *vm, unsigned long *nleaked,
			 unsigned long *leaked)
{
	unsigned int i, cpu;

	for (i = 0; i < vm->nqcache; i++) {
		struct vmem_qcache *qc = vm->qcache[i];
		struct vmem_slabtab *t;
		struct vmem_slab *slab;
		unsigned long index;
		unsigned int obj;

		for_each_possible_cpu(cpu)
			vmem_qcache_flush_cpu(qc, per_cpu_ptr(qc->cpu, cpu));
		vmem_qcache_reap_one(qc);
		/* What is left are slabs with objects still held. */
		t = rcu_dereference_protected(qc->slabtab, true);
		index = 0;
		while ((slab = vmem_slabtab_next(t, &index))) {
			for (obj = 0; obj < qc->nobj; obj++) {
				if (!slab->held[obj])
					continue;
				(*nleaked)++;
				*leaked += qc->size;
			}
			vmem_arena_free(vm, slab->base, vm->slab_size);
			kfree(slab);
		}
		kvfree(t);
		free_percpu(qc->cpu);
		kfree(qc);
		vm->qcache[i] = NULL;
	}
	vm->nqcache = 0;
}
