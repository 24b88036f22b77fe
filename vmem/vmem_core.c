// SPDX-License-Identifier: GPL-2.0
/*
 * vmem: a general-purpose resource allocator.
 *
 * Theory of operation
 * ===================
 *
 * An arena manages integer resources in units of its quantum.  Resources are
 * added as spans, with vmem_create() and vmem_add(), or imported from a
 * source when the arena runs short.  Each span is tiled by segments that are
 * either allocated or free.  Segments are described by external boundary
 * tags (struct vmem_seg), never by memory inside the managed range: a
 * resource need not be memory, and 0 and ULONG_MAX are resources like any
 * other.  A tag holds its first resource and its size, so the last resource,
 * start + size - 1, never overflows, even for a span that ends at the top of
 * the address space.
 *
 * Every span marker and segment sits on one list in address order
 * (vm->segs), each span marker before the segments that tile its span, so
 * the neighbours of a segment are found in O(1) and a freed segment is
 * coalesced with free neighbours at once.  Adjacent spans are never merged:
 * an imported span that becomes wholly free goes back to its source.
 *
 * Free segments also sit on power-of-two freelists: list n holds the
 * segments whose size is in [2^n, 2^(n+1)), and bit n of vm->freemap says
 * whether list n is empty.  Instant fit, the default policy, rounds the
 * request up to the next power of two and takes the head of the first
 * non-empty list at or above it: every segment there must fit, so one bit
 * scan and one list access find it, in constant time.  When no such list
 * exists, the "might fit" list (the request's own power of two) is searched,
 * so instant fit never fails while some free segment could hold the
 * request.  Best fit searches from the might-fit list up for the smallest
 * segment that fits.  Next fit keeps a rotor (a segment and an offset in it)
 * and takes the first fit after the previous next-fit allocation, wrapping
 * round, so a freed resource is not handed out again until the rotor comes
 * back: the behaviour wanted for process IDs.
 *
 * Allocated segments sit in a hash table keyed by address, so vmem_free()
 * finds its segment in constant time, and the lookup checks the caller: an
 * address that is not allocated, or a size that does not match, is reported
 * and changes nothing.  The table starts embedded in the arena and is
 * resized to keep one or two segments a bucket, by the caller itself when it
 * may sleep, otherwise by deferred work: never under the arena lock.
 *
 * Constrained allocation (vmem_xalloc()) applies alignment, phase, a
 * boundary not to cross and an inclusive address window to every candidate
 * segment with overflow-safe arithmetic (vmem_fit()).  VMEM_TOPDOWN keeps
 * the policy's choice of segment and takes the highest fit in it
 * (vmem_fit_top()).
 *
 * Imports take one path, a vmem_ximport_t that gets the size needed and the
 * request's constraints: a vmem source's vmem_xalloc(), sizing the import
 * so that the constraint holds inside the span it gets back; the import
 * function of vmem_create(), padded for the alignment; or the caller's own
 * (vmem_xcreate()).  With an import quantum the arena first asks, without
 * sleeping, for a multiple of it, then for what it needs.
 *
 * Locking: one spinlock per arena, taken with interrupts saved, so that
 * VMEM_NOSLEEP allocation and every free work in any context, hard
 * interrupts included (on PREEMPT_RT, where a spinlock_t sleeps, in any
 * context that may take one: threaded handlers, softirqs, under a
 * spinlock_t; nothing in vmem disables interrupts by itself).  The lock
 * is never held across a call to the source (import or release) or to the
 * slab allocator: each arena keeps a reserve of boundary tags, refilled
 * with the lock dropped before an operation starts, so an allocation that
 * has passed its checks cannot fail for want of a tag.  VMEM_SLEEP
 * allocations that find no space wait on the arena's wait queue, which
 * frees and vmem_add() wake.
 *
 * Sizes up to qcache_max are served by quantum caches: per-CPU magazines
 * in front of slabs carved from the arena (vmem_qcache.c).
 */

#define pr_fmt(fmt) "vmem: " fmt

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vmem_internal.h"
#include "vmem_trace.h"

#define VMEM_SLEEP_MASK		(VMEM_SLEEP | VMEM_NOSLEEP)
#define VMEM_POLICY_MASK	(VMEM_INSTANTFIT | VMEM_BESTFIT | VMEM_NEXTFIT)

/* Boundary tags: struct vmem_seg, or struct vmem_seg_owned when debugged. */
static struct kmem_cache *vmem_seg_cache, *vmem_seg_owned_cache;
static atomic_t vmem_next_id = ATOMIC_INIT(0);
/* Every arena's importers list (struct vmem): sleepers' purges walk them. */
static DEFINE_MUTEX(vmem_importers_mutex);

#ifdef CONFIG_VMEM_DEBUG
/* Tags taken from the slab cache and not given back: for leak tests. */
static atomic_long_t vmem_nr_tags = ATOMIC_LONG_INIT(0);

static void vmem_tags_count(long n)
{
	atomic_long_add(n, &vmem_nr_tags);
}

/**
 * vmem_tags_live() - Boundary tags currently allocated, module-wide.
 *
 * Only with %CONFIG_VMEM_DEBUG: production arenas share no counter.
 *
 * Return: Tags taken from the slab cache and not yet given back.
 */
long vmem_tags_live(void)
{
	return atomic_long_read(&vmem_nr_tags);
}
#else
static inline void vmem_tags_count(long n)
{
}
#endif

/**
 * struct vmem_req - A request, checked and rounded.
 * @size: Size rounded up to the quantum; never 0.
 * @align: Alignment, a power of two and a multiple of the quantum.
 * @phase: Offset from the alignment, below @align.
 * @nocross: Boundary not to cross (a power of two), or 0.
 * @minaddr: Lowest allowed resource.
 * @maxaddr: Highest allowed resource (inclusive).
 * @constrained: Anything beyond quantum alignment is asked for.
 * @cached: A size of the quantum caches, from vmem_alloc(): after a purge
 *          the caches are asked again, since the space the purge gave back
 *          may be in slabs that clients still use.
 * @slab: A slab for the quantum caches (vmem_slab_alloc()).
 * @owner: A debugged arena: the allocating stack, recorded before the lock
 *         is taken (vmem_owner_save()).
 */
struct vmem_req {
	unsigned long size;
	unsigned long align;
	unsigned long phase;
	unsigned long nocross;
	unsigned long minaddr;
	unsigned long maxaddr;
	bool constrained;
	bool cached;
	bool slab;
	depot_stack_handle_t owner;
};

static inline unsigned long vmem_seg_last(const struct vmem_seg *seg)
{
	return seg->start + seg->size - 1;
}

static inline struct vmem_seg *vmem_seg_next(struct vmem *vm,
					     struct vmem_seg *seg)
{
	if (list_is_last(&seg->seglist, &vm->segs))
		return NULL;
	return list_next_entry(seg, seglist);
}

static inline struct vmem_seg *vmem_seg_prev(struct vmem *vm,
					     struct vmem_seg *seg)
{
	if (list_is_first(&seg->seglist, &vm->segs))
		return NULL;
	return list_prev_entry(seg, seglist);
}

/**
 * vmem_freelist_index() - The freelist a free segment of @size goes on.
 * @size: Segment size, not 0.
 *
 * Return: floor(log2(@size)).
 */
unsigned int vmem_freelist_index(unsigned long size)
{
	return __fls(size);
}

static bool vmem_flags_valid(unsigned int vmflag, unsigned int allowed)
{
	unsigned int sleep = vmflag & VMEM_SLEEP_MASK;
	unsigned int policy = vmflag & VMEM_POLICY_MASK;

	if (vmflag & ~allowed)
		return false;
	if (sleep != VMEM_SLEEP && sleep != VMEM_NOSLEEP)
		return false;
	return !(policy & (policy - 1));
}

static gfp_t vmem_gfp(unsigned int vmflag)
{
	return vmflag & VMEM_SLEEP ? GFP_KERNEL : GFP_ATOMIC | __GFP_NOWARN;
}

/* === Boundary tags === */

static struct vmem_seg *vmem_tag_get(struct vmem *vm)
{
	struct vmem_seg *seg;

	lockdep_assert_held(&vm->lock);
	seg = list_first_entry(&vm->reserve, struct vmem_seg, seglist);
	list_del(&seg->seglist);
	vm->nreserve--;
	return seg;
}

static void vmem_tag_put(struct vmem *vm, struct vmem_seg *seg)
{
	lockdep_assert_held(&vm->lock);
	list_add(&seg->seglist, &vm->reserve);
	vm->nreserve++;
}

static struct kmem_cache *vmem_tag_cache(struct vmem *vm)
{
	return vmem_debugged(vm) ? vmem_seg_owned_cache : vmem_seg_cache;
}

/* Take @n tags of @vm's kind onto @tags; returns how many. */
static unsigned int vmem_tags_alloc(struct vmem *vm, struct list_head *tags,
				    unsigned int n, gfp_t gfp)
{
	struct kmem_cache *cache = vmem_tag_cache(vm);
	unsigned int got;

	for (got = 0; got < n; got++) {
		struct vmem_seg *seg = kmem_cache_alloc(cache, gfp);

		if (!seg)
			break;
		list_add(&seg->seglist, tags);
	}
	vmem_tags_count(got);
	return got;
}

/*
 * Make sure the reserve holds @need tags.  Called and returns with the lock
 * held, but drops it to call the slab allocator, so the caller must look at
 * the arena afresh afterwards.
 */
static int vmem_reserve_fill(struct vmem *vm, unsigned int need,
			     unsigned int vmflag, unsigned long *flags)
	__must_hold(&vm->lock)
{
	while (vm->nreserve < need) {
		unsigned int want = need - vm->nreserve, got;
		LIST_HEAD(tags);

		spin_unlock_irqrestore(&vm->lock, *flags);
		got = vmem_tags_alloc(vm, &tags, want, vmem_gfp(vmflag));
		spin_lock_irqsave(&vm->lock, *flags);
		list_splice(&tags, &vm->reserve);
		vm->nreserve += got;
		if (got < want) {
			vm->stats.populate_fail++;
			return -ENOMEM;
		}
	}
	return 0;
}

/* Move what the reserve holds beyond its limit to @out, to free unlocked. */
static void vmem_reserve_trim(struct vmem *vm, struct list_head *out)
{
	lockdep_assert_held(&vm->lock);
	while (vm->nreserve > VMEM_TAGS_RESERVE_MAX)
		list_add(&vmem_tag_get(vm)->seglist, out);
}

static void vmem_tags_free(struct vmem *vm, struct list_head *tags)
{
	struct kmem_cache *cache = vmem_tag_cache(vm);
	struct vmem_seg *seg, *tmp;
	long n = 0;

	list_for_each_entry_safe(seg, tmp, tags, seglist) {
		kmem_cache_free(cache, seg);
		n++;
	}
	vmem_tags_count(-n);
}

/* === Freelists === */

static void vmem_freelist_insert(struct vmem *vm, struct vmem_seg *seg)
{
	unsigned int i = vmem_freelist_index(seg->size);

	seg->type = VMEM_SEG_FREE;
	list_add(&seg->freelist, &vm->freelist[i]);
	vm->freemap |= BIT(i);
	vm->nfree++;
}

static void vmem_freelist_delete(struct vmem *vm, struct vmem_seg *seg)
{
	unsigned int i = vmem_freelist_index(seg->size);

	list_del(&seg->freelist);
	if (list_empty(&vm->freelist[i]))
		vm->freemap &= ~BIT(i);
	vm->nfree--;
}

/* === Allocation hash === */

static struct hlist_head *vmem_hash_bucket(struct vmem *vm, unsigned long addr)
{
	return &vm->hash_table[hash_long(addr >> vm->qshift, vm->hash_bits)];
}

static struct vmem_seg *vmem_hash_lookup(struct vmem *vm, unsigned long addr)
{
	struct vmem_seg *seg;

	hlist_for_each_entry(seg, vmem_hash_bucket(vm, addr), hash) {
		if (seg->start == addr)
			return seg;
		vm->stats.lookup++;
	}
	return NULL;
}

/*
 * The table size for @nbusy entries: one or two entries a bucket, so that
 * a chain is short and the table adds at most 8 bytes to a segment's tag;
 * never below the embedded table (an empty arena included).
 */
static unsigned int vmem_hash_bits_for(unsigned long nbusy)
{
	if (nbusy < VMEM_HASH_INITIAL)
		return VMEM_HASH_INITIAL_BITS;
	return min_t(unsigned int, fls_long(nbusy) - 1, VMEM_HASH_MAX_BITS);
}

/* Does the table need resizing?  Grow past two a bucket, shrink below 1/8. */
static bool vmem_hash_unbalanced(struct vmem *vm)
{
	unsigned long buckets = 1UL << vm->hash_bits;

	if (vm->nbusy > 2 * buckets)
		return vm->hash_bits < VMEM_HASH_MAX_BITS;
	if (vm->nbusy < buckets / 8)
		return vm->hash_bits > VMEM_HASH_INITIAL_BITS;
	return false;
}

/* Resize the hash table.  Process context: allocates with GFP_KERNEL. */
static void vmem_hash_rescale(struct vmem *vm)
{
	struct hlist_head *table, *old;
	unsigned long flags, i, n;
	unsigned int bits, old_bits;

	spin_lock_irqsave(&vm->lock, flags);
	bits = vmem_hash_bits_for(vm->nbusy);
	if (!vmem_hash_unbalanced(vm)) {
		spin_unlock_irqrestore(&vm->lock, flags);
		return;
	}
	spin_unlock_irqrestore(&vm->lock, flags);

	n = 1UL << bits;
	if (bits == VMEM_HASH_INITIAL_BITS) {
		/* Back to the embedded table, empty while it is not in use. */
		table = vm->hash0;
	} else {
		table = kvmalloc_array(n, sizeof(*table),
				       GFP_KERNEL | __GFP_NOWARN);
		if (!table)
			return;
		for (i = 0; i < n; i++)
			INIT_HLIST_HEAD(&table[i]);
	}

	spin_lock_irqsave(&vm->lock, flags);
	old = vm->hash_table;
	old_bits = vm->hash_bits;
	if (old == table) {
		/* Another resize got here first. */
		spin_unlock_irqrestore(&vm->lock, flags);
		return;
	}
	vm->hash_table = table;
	vm->hash_bits = bits;
	for (i = 0; i < (1UL << old_bits); i++) {
		struct vmem_seg *seg;
		struct hlist_node *tmp;

		hlist_for_each_entry_safe(seg, tmp, &old[i], hash) {
			hlist_del(&seg->hash);
			hlist_add_head(&seg->hash,
				       vmem_hash_bucket(vm, seg->start));
		}
	}
	spin_unlock_irqrestore(&vm->lock, flags);

	if (old != vm->hash0)
		kvfree(old);
}

static void vmem_hash_work(struct work_struct *work)
{
	vmem_hash_rescale(container_of(work, struct vmem, hash_work));
}

/* After unlocking: resize now if the caller may sleep, else defer. */
static void vmem_hash_update(struct vmem *vm, bool unbalanced,
			     unsigned int vmflag)
{
	if (!unbalanced)
		return;
	if (vmflag & VMEM_SLEEP)
		vmem_hash_rescale(vm);
	else
		schedule_work(&vm->hash_work);
}

/* === Spans === */

/*
 * The index entry of the span with the highest start at or below @addr, or
 * NULL; when @linkp is given, also where an index entry for a span starting
 * at @addr goes.  Adds the number of tree nodes visited to *@steps.
 */
static struct vmem_seg *vmem_span_index(struct vmem *vm, unsigned long addr,
					struct rb_node **parentp,
					struct rb_node ***linkp, u64 *steps)
{
	struct rb_node **link = &vm->span_tree.rb_node, *parent = NULL;
	struct vmem_seg *found = NULL;

	while (*link) {
		struct vmem_seg *idx = rb_entry(*link, struct vmem_seg, rb);

		(*steps)++;
		parent = *link;
		if (idx->start <= addr) {
			found = idx;
			link = &parent->rb_right;
		} else {
			link = &parent->rb_left;
		}
	}
	if (linkp) {
		*parentp = parent;
		*linkp = link;
	}
	return found;
}

/*
 * Add [base, base + size) as a span, with one free segment covering it.
 * Needs VMEM_TAGS_PER_SPAN tags in the reserve.  -EEXIST on overlap.
 * O(log spans).
 */
static struct vmem_seg *vmem_span_add(struct vmem *vm, unsigned long base,
				      unsigned long size, bool imported)
{
	unsigned long last = base + size - 1;
	struct vmem_seg *span, *seg, *idx, *next, *prev;
	struct rb_node **link, *parent;
	u64 steps = 0;

	lockdep_assert_held(&vm->lock);
	prev = vmem_span_index(vm, base, &parent, &link, &steps);
	prev = prev ? prev->span : NULL;
	if (prev)
		next = list_is_last(&prev->spanlist, &vm->spans) ? NULL :
		       list_next_entry(prev, spanlist);
	else
		next = list_first_entry_or_null(&vm->spans, struct vmem_seg,
						spanlist);
	if ((prev && vmem_seg_last(prev) >= base) ||
	    (next && next->start <= last))
		return ERR_PTR(-EEXIST);

	span = vmem_tag_get(vm);
	span->start = base;
	span->size = size;
	span->type = VMEM_SEG_SPAN;
	span->imported = imported;
	idx = vmem_tag_get(vm);
	idx->start = base;
	idx->size = size;
	idx->type = VMEM_SEG_INDEX;
	idx->span = span;
	rb_link_node(&idx->rb, parent, link);
	rb_insert_color(&idx->rb, &vm->span_tree);
	vm->nspans++;
	if (next) {
		list_add_tail(&span->spanlist, &next->spanlist);
		list_add_tail(&span->seglist, &next->seglist);
	} else {
		list_add_tail(&span->spanlist, &vm->spans);
		list_add_tail(&span->seglist, &vm->segs);
	}

	seg = vmem_tag_get(vm);
	seg->start = base;
	seg->size = size;
	seg->imported = 0;
	list_add(&seg->seglist, &span->seglist);
	vmem_freelist_insert(vm, seg);

	vm->mem_total += size;
	if (imported)
		vm->mem_import += size;
	WRITE_ONCE(vm->free_gen, vm->free_gen + 1);
	return span;
}

/*
 * If @span is imported and wholly free, take it out of the arena and return
 * true: the caller gives it back to the source once the lock is dropped.
 */
/* Is the span wholly free: one free segment as large as the span? */
static bool vmem_span_unused(struct vmem *vm, struct vmem_seg *span)
{
	struct vmem_seg *seg = vmem_seg_next(vm, span);

	return seg && seg->type == VMEM_SEG_FREE && seg->size == span->size;
}

static bool vmem_span_remove_if_free(struct vmem *vm, struct vmem_seg *span)
{
	struct vmem_seg *seg = vmem_seg_next(vm, span), *idx;
	u64 steps = 0;

	lockdep_assert_held(&vm->lock);
	if (!span->imported || !vmem_span_unused(vm, span))
		return false;

	/*
	 * The rotor's segment goes: keep its position as an address, found
	 * again by the next search (spans may come and go before then).
	 */
	if (vm->rotor == span || vm->rotor == seg) {
		vm->rotor_addr = vm->rotor->start + vm->rotor_off;
		vm->rotor = NULL;
	}
	idx = vmem_span_index(vm, span->start, NULL, NULL, &steps);
	if (WARN_ON_ONCE(!idx || idx->span != span))
		return false;

	if (vm->kept == span)
		vm->kept = NULL;
	vmem_freelist_delete(vm, seg);
	list_del(&seg->seglist);
	list_del(&span->seglist);
	list_del(&span->spanlist);
	rb_erase(&idx->rb, &vm->span_tree);
	vm->nspans--;
	vm->mem_total -= span->size;
	vm->mem_import -= span->size;
	vm->stats.release++;
	vmem_tag_put(vm, seg);
	vmem_tag_put(vm, span);
	vmem_tag_put(vm, idx);
	return true;
}

/* === Fitting === */

/*
 * The lowest address in [start, last] where a block of @r fits, honouring
 * every constraint.  All arithmetic is on inclusive ends, so nothing
 * overflows, even at the top of the address space.
 */
static bool vmem_fit(const struct vmem_req *r, unsigned long start,
		     unsigned long last, unsigned long *addrp)
{
	unsigned long lo = max(start, r->minaddr);
	unsigned long hi = min(last, r->maxaddr);
	unsigned long addr, boundary;

	if (lo > hi)
		return false;
	addr = lo + ((r->phase - lo) & (r->align - 1));
	if (addr < lo || addr > hi || hi - addr < r->size - 1)
		return false;
	if (r->nocross &&
	    ((addr ^ (addr + r->size - 1)) & ~(r->nocross - 1))) {
		/*
		 * Move to the next boundary.  The arguments were checked so
		 * that a block aligned there cannot cross the one after.
		 */
		boundary = (addr | (r->nocross - 1)) + 1;
		if (!boundary)
			return false;
		addr = boundary + ((r->phase - boundary) & (r->align - 1));
		if (addr < boundary || addr > hi || hi - addr < r->size - 1)
			return false;
		if ((addr ^ (addr + r->size - 1)) & ~(r->nocross - 1))
			return false;
	}
	*addrp = addr;
	return true;
}

/*
 * The highest such address, for VMEM_TOPDOWN.  Aligned down from the top,
 * a block can cross one multiple of nocross; aligned down from just below
 * it, it crosses none (vmem_xalloc() checked that a block of this size and
 * phase fits between two multiples), so two steps find it.
 */
static bool vmem_fit_top(const struct vmem_req *r, unsigned long start,
			 unsigned long last, unsigned long *addrp)
{
	unsigned long lo = max(start, r->minaddr);
	unsigned long hi = min(last, r->maxaddr);
	unsigned long addr, top, boundary;

	if (lo > hi || hi - lo < r->size - 1)
		return false;
	top = hi - (r->size - 1);
	addr = top - ((top - r->phase) & (r->align - 1));
	if (addr > top || addr < lo)
		return false;
	if (r->nocross &&
	    ((addr ^ (addr + r->size - 1)) & ~(r->nocross - 1))) {
		boundary = (addr + r->size - 1) & ~(r->nocross - 1);
		if (boundary < r->size)
			return false;
		top = boundary - r->size;
		addr = top - ((top - r->phase) & (r->align - 1));
		if (addr > top || addr < lo ||
		    ((addr ^ (addr + r->size - 1)) & ~(r->nocross - 1)))
			return false;
	}
	*addrp = addr;
	return true;
}

static struct vmem_seg *vmem_find_instant(struct vmem *vm,
					  const struct vmem_req *r,
					  unsigned long *addrp)
{
	unsigned int might = vmem_freelist_index(r->size);
	unsigned int must = is_power_of_2(r->size) ? might : might + 1;
	unsigned long map = 0;
	struct vmem_seg *seg;

	if (must < VMEM_FREELISTS)
		map = vm->freemap & (~0UL << must);

	/* The fast path: every segment on these lists fits. */
	if (map && !r->constrained) {
		seg = list_first_entry(&vm->freelist[__ffs(map)],
				       struct vmem_seg, freelist);
		*addrp = seg->start;
		return seg;
	}

	/* Constrained: first fit over the lists that fit by size ... */
	for (; map; map &= map - 1) {
		list_for_each_entry(seg, &vm->freelist[__ffs(map)], freelist) {
			vm->stats.search++;
			if (vmem_fit(r, seg->start, vmem_seg_last(seg), addrp))
				return seg;
		}
	}
	/* ... then the list that might fit. */
	if (must != might) {
		list_for_each_entry(seg, &vm->freelist[might], freelist) {
			vm->stats.search++;
			if (vmem_fit(r, seg->start, vmem_seg_last(seg), addrp))
				return seg;
		}
	}
	return NULL;
}

static struct vmem_seg *vmem_find_best(struct vmem *vm,
				       const struct vmem_req *r,
				       unsigned long *addrp)
{
	unsigned long map = vm->freemap & (~0UL << vmem_freelist_index(r->size));
	struct vmem_seg *seg, *best;
	unsigned long addr;

	/*
	 * Every segment on a list is smaller than every segment on the lists
	 * above it, so the first list holding a fit holds the best one.
	 */
	for (; map; map &= map - 1) {
		best = NULL;
		list_for_each_entry(seg, &vm->freelist[__ffs(map)], freelist) {
			vm->stats.search++;
			if (best && seg->size >= best->size)
				continue;
			if (!vmem_fit(r, seg->start, vmem_seg_last(seg), &addr))
				continue;
			best = seg;
			*addrp = addr;
			if (seg->size == r->size)
				break;
		}
		if (best)
			return best;
	}
	return NULL;
}

static struct vmem_seg *vmem_find_next(struct vmem *vm,
				       const struct vmem_req *r,
				       unsigned long *addrp)
{
	struct vmem_seg *rotor = vm->rotor, *seg;
	unsigned long off = vm->rotor_off;

	if (!rotor) {
		if (list_empty(&vm->segs))
			return NULL;
		/* The segment holding the rotor's address, or the next. */
		rotor = list_first_entry(&vm->segs, struct vmem_seg, seglist);
		off = 0;
		list_for_each_entry(seg, &vm->segs, seglist) {
			if (seg->type != VMEM_SEG_SPAN &&
			    vmem_seg_last(seg) >= vm->rotor_addr) {
				rotor = seg;
				if (seg->start < vm->rotor_addr)
					off = vm->rotor_addr - seg->start;
				break;
			}
		}
	}

	/* From the rotor to the end, then round from the start ... */
	seg = rotor;
	do {
		if (seg->type == VMEM_SEG_FREE) {
			vm->stats.search++;
			if (seg != rotor) {
				if (vmem_fit(r, seg->start, vmem_seg_last(seg),
					     addrp))
					return seg;
			} else if (off < seg->size &&
				   vmem_fit(r, seg->start + off,
					    vmem_seg_last(seg), addrp)) {
				return seg;
			}
		}
		seg = vmem_seg_next(vm, seg) ?:
		      list_first_entry(&vm->segs, struct vmem_seg, seglist);
	} while (seg != rotor);

	/* ... and last the rotor's own segment, from its start. */
	if (rotor->type == VMEM_SEG_FREE && off &&
	    vmem_fit(r, rotor->start, vmem_seg_last(rotor), addrp))
		return rotor;
	return NULL;
}

/*
 * Carve [addr, addr + size) out of the free segment @seg, which becomes the
 * allocated segment; what is left on either side stays free.  Needs
 * VMEM_TAGS_PER_ALLOC tags in the reserve.
 */
static void vmem_seg_carve(struct vmem *vm, struct vmem_seg *seg,
			   const struct vmem_req *r, unsigned long addr)
{
	unsigned long size = r->size;
	unsigned long last = vmem_seg_last(seg), end = addr + size - 1;
	unsigned long rotor_off = vm->rotor_off;
	bool rotor = vm->rotor == seg;
	struct vmem_seg *pre = NULL, *post = NULL;

	vmem_freelist_delete(vm, seg);
	if (addr > seg->start) {
		pre = vmem_tag_get(vm);
		pre->start = seg->start;
		pre->size = addr - seg->start;
		list_add_tail(&pre->seglist, &seg->seglist);
		vmem_freelist_insert(vm, pre);
	}
	if (end < last) {
		post = vmem_tag_get(vm);
		post->start = end + 1;
		post->size = last - end;
		list_add(&post->seglist, &seg->seglist);
		vmem_freelist_insert(vm, post);
	}
	seg->start = addr;
	seg->size = size;
	seg->type = VMEM_SEG_ALLOC;
	seg->slab = r->slab;
	if (vmem_debugged(vm))
		*vmem_seg_owner(seg) = r->owner;
	hlist_add_head(&seg->hash, vmem_hash_bucket(vm, addr));
	vm->nbusy++;
	vm->mem_inuse += size;

	/* Keep the rotor where it was, in whichever piece now holds it. */
	if (rotor) {
		if (pre && rotor_off <= pre->size) {
			vm->rotor = pre;
		} else {
			if (pre)
				rotor_off -= pre->size;
			if (rotor_off > size) {
				vm->rotor = post;
				rotor_off -= size;
			}
		}
		vm->rotor_off = rotor_off;
	}
}

/*
 * Find and allocate, by the policy and VMEM_TOPDOWN of @vmflag.  Needs
 * VMEM_TAGS_PER_ALLOC tags in the reserve.
 */
static bool vmem_alloc_locked(struct vmem *vm, const struct vmem_req *r,
			      unsigned int vmflag, unsigned long *addrp)
{
	unsigned int policy = vmflag & VMEM_POLICY_MASK;
	struct vmem_seg *seg;
	unsigned long addr;

	switch (policy) {
	case VMEM_BESTFIT:
		seg = vmem_find_best(vm, r, &addr);
		break;
	case VMEM_NEXTFIT:
		seg = vmem_find_next(vm, r, &addr);
		break;
	default:
		seg = vmem_find_instant(vm, r, &addr);
		break;
	}
	if (!seg)
		return false;
	/* The same segment, its highest fit: the search stays as it was. */
	if ((vmflag & VMEM_TOPDOWN) && policy != VMEM_NEXTFIT)
		WARN_ON_ONCE(!vmem_fit_top(r, seg->start, vmem_seg_last(seg),
					   &addr));

	vmem_seg_carve(vm, seg, r, addr);
	if (policy == VMEM_NEXTFIT) {
		vm->rotor = seg;
		vm->rotor_off = seg->size;
	}
	vm->stats.alloc++;
	*addrp = addr;
	return true;
}

/* Could @r ever be met by the spans the arena has? */
static bool vmem_can_ever_fit(struct vmem *vm, const struct vmem_req *r)
{
	struct vmem_seg *span;
	unsigned long addr;

	list_for_each_entry(span, &vm->spans, spanlist)
		if (vmem_fit(r, span->start, vmem_seg_last(span), &addr))
			return true;
	return false;
}

/* === Import === */

static int vmem_xalloc_flags(struct vmem *vm, unsigned long size,
			     unsigned long align, unsigned long phase,
			     unsigned long nocross, unsigned long minaddr,
			     unsigned long maxaddr, unsigned int vmflag,
			     unsigned int allowed, depot_stack_handle_t owner,
			     unsigned long *addrp);

/* What an arena passes on to a vmem source: VMEM_NOPURGE included. */
#define VMEM_SOURCE_FLAGS	(VMEM_SLEEP_MASK | VMEM_POLICY_MASK | \
				 VMEM_TOPDOWN | VMEM_NOPURGE)

/*
 * The vmem_ximport_t of an arena with a vmem source (@arg): a span from the
 * source's vmem_xalloc(), the constraints passed on.  The source hands out
 * multiples of its own quantum (sq), so the part of the phase below sq is
 * met by allocating delta further into the imported span, and a boundary
 * below sq is met by every span aligned to sq.  A window too narrow for
 * that is met by importing the sq-aligned blocks that cover one placement
 * in it.  On success, *@addrp and *@sizep describe the span (whole quanta
 * of the source).
 */
static int vmem_source_import(void *arg, unsigned long *sizep,
			      unsigned long align, unsigned long phase,
			      unsigned long nocross, unsigned long minaddr,
			      unsigned long maxaddr, unsigned int vmflag,
			      unsigned long *addrp)
{
	struct vmem *vm = arg;
	struct vmem_req r = {
		.size = *sizep, .align = align, .phase = phase,
		.nocross = nocross, .minaddr = minaddr, .maxaddr = maxaddr,
	};
	unsigned long sq = vm->source->quantum, ialign, iphase, delta;
	unsigned long isize, imin, imax, slack, addr, first, last;
	depot_stack_handle_t owner = 0;
	bool found;
	int ret;

	if (r.align >= sq) {
		ialign = r.align;
		iphase = r.phase & ~(sq - 1);
	} else {
		ialign = max(sq, vm->quantum);
		iphase = 0;
	}
	nocross = r.nocross >= sq ? r.nocross : 0;
	delta = r.phase - iphase;
	isize = r.size + delta;
	if (isize < r.size || isize > ULONG_MAX - (sq - 1))
		return -ENOMEM;
	slack = round_up(isize, sq) - isize;
	imin = r.minaddr > delta ? r.minaddr - delta : 0;
	imax = r.maxaddr > ULONG_MAX - slack ? ULONG_MAX : r.maxaddr + slack;
	/* The source's segment is owned by whoever made this arena import. */
	if (vmem_debugged(vm->source))
		owner = vmem_owner_save(vmflag);
	ret = vmem_xalloc_flags(vm->source, isize, ialign, iphase, nocross,
				imin, imax, vmflag, VMEM_SOURCE_FLAGS, owner,
				addrp);
	if (!ret) {
		*sizep = round_up(isize, sq);
		return 0;
	}
	if (ret == -EINTR || (r.minaddr == VMEM_ADDR_MIN &&
			      r.maxaddr == VMEM_ADDR_MAX))
		return ret;

	/* The window is finer than the source: cover one placement in it. */
	found = vmflag & VMEM_TOPDOWN ?
		vmem_fit_top(&r, r.minaddr, r.maxaddr, &addr) :
		vmem_fit(&r, r.minaddr, r.maxaddr, &addr);
	if (!found)
		return -ENOMEM;
	first = addr & ~(sq - 1);
	last = (addr + r.size - 1) | (sq - 1);
	ret = vmem_xalloc_flags(vm->source, last - first + 1, sq, 0, 0, first,
				last, vmflag, VMEM_SOURCE_FLAGS, owner, addrp);
	if (!ret)
		*sizep = last - first + 1;
	return ret;
}

static void vmem_source_release(void *arg, unsigned long addr,
				unsigned long size)
{
	struct vmem *vm = arg;

	vmem_xfree(vm->source, addr, size);
}

/*
 * The vmem_ximport_t of an arena made by vmem_create() with its own import
 * function (@arg is the arena), which knows nothing of constraints: the
 * span is made large enough that a block of any phase of the alignment
 * fits in it, wherever it starts.
 */
static int vmem_create_import(void *arg, unsigned long *sizep,
			      unsigned long align, unsigned long phase,
			      unsigned long nocross, unsigned long minaddr,
			      unsigned long maxaddr, unsigned int vmflag,
			      unsigned long *addrp)
{
	struct vmem *vm = arg;
	unsigned long size = *sizep + (align - vm->quantum);
	int ret;

	if (size < *sizep)
		return -ENOMEM;
	ret = vm->import_fn(vm->source, size, vmflag, addrp);
	if (!ret)
		*sizep = size;
	return ret;
}

static void vmem_create_release(void *arg, unsigned long addr,
				unsigned long size)
{
	struct vmem *vm = arg;

	vm->release_fn(vm->source, addr, size);
}

static const char *vmem_source_name(struct vmem *vm)
{
	return vm->source ? vm->source->name : "-";
}

static void vmem_release(struct vmem *vm, unsigned long addr,
			 unsigned long size)
{
	if (trace_vmem_release_enabled())
		trace_vmem_release(vm->name, vmem_source_name(vm), addr, size);
	vm->xrelease(vm->import_arg, addr, size);
}

/*
 * How much to import for @r: a multiple of the import quantum, where a
 * block that large can meet the request's constraints (it fits between
 * two boundaries not to cross at its phase, and in the window); else just
 * the request.
 */
static unsigned long vmem_import_size(struct vmem *vm,
				      const struct vmem_req *r)
{
	unsigned long iq = vm->import_quantum, size;

	if (!iq || r->size > ULONG_MAX - (iq - 1))
		return r->size;
	size = roundup(r->size, iq);
	if (size - 1 > r->maxaddr - r->minaddr)
		return r->size;
	if (r->nocross && size > r->nocross - (r->phase & (r->nocross - 1)))
		return r->size;
	return size;
}

/*
 * Import a span that can hold @r and allocate from it (or from whatever
 * space the arena has by then).  With an import quantum, the larger import
 * is tried first with VMEM_NOSLEEP (and, from a vmem source, without
 * purging), then the request's own size as the caller asked: nothing fails
 * that an import of the exact size would have met.  Once the larger import
 * failed, *@big_failed says so and the request does not try it again.  A
 * span that cannot hold the request (an import function that ignored the
 * constraints) is kept as space, and the request fails; one such unused
 * span at a time (vm->kept), so that failing requests cannot pile them up.
 * Called and returns with the lock held; drops it around the calls to the
 * source.
 */
static int vmem_import(struct vmem *vm, const struct vmem_req *r,
		       unsigned int vmflag, unsigned long *flags,
		       bool *big_failed, unsigned long *addrp)
	__must_hold(&vm->lock)
{
	/* A vmem source gets VMEM_NOPURGE; other functions, public flags. */
	unsigned int sflag = vm->vmem_source ? vmflag : vmflag & ~VMEM_NOPURGE;
	unsigned long asked = vmem_import_size(vm, r), size, addr;
	struct vmem_seg *span;
	int ret = -ENOMEM;

	if (*big_failed)
		asked = r->size;
	spin_unlock_irqrestore(&vm->lock, *flags);

	if (asked > r->size) {
		unsigned int bflag = (sflag & ~VMEM_SLEEP) | VMEM_NOSLEEP;

		if (vm->vmem_source)
			bflag |= VMEM_NOPURGE;
		size = asked;
		ret = vm->ximport(vm->import_arg, &size, r->align, r->phase,
				  r->nocross, r->minaddr, r->maxaddr, bflag,
				  &addr);
		if (ret) {
			asked = r->size;
			*big_failed = true;
		}
	}
	if (asked == r->size) {
		size = asked;
		ret = vm->ximport(vm->import_arg, &size, r->align, r->phase,
				  r->nocross, r->minaddr, r->maxaddr, sflag,
				  &addr);
	}

	spin_lock_irqsave(&vm->lock, *flags);
	if (ret)
		return ret == -EINTR ? -EINTR : -ENOMEM;

	if (size < asked || (size & (vm->quantum - 1)) ||
	    (addr & (vm->quantum - 1)) || addr + (size - 1) < addr) {
		pr_warn("arena '%s': import of %#lx returned unusable span [%#lx, +%#lx)\n",
			vm->name, asked, addr, size);
		ret = -ENOMEM;
		goto refuse;
	}
	ret = vmem_reserve_fill(vm, VMEM_TAGS_PER_IMPORT, vmflag, flags);
	if (ret)
		goto refuse;
	span = vmem_span_add(vm, addr, size, true);
	if (IS_ERR(span)) {
		pr_warn("arena '%s': import returned [%#lx, +%#lx), which overlaps a span\n",
			vm->name, addr, size);
		ret = -ENOMEM;
		goto refuse;
	}
	vm->stats.import++;
	if (trace_vmem_import_enabled())
		trace_vmem_import(vm->name, vmem_source_name(vm), addr, size);

	if (!vmem_alloc_locked(vm, r, vmflag, addrp)) {
		/* Good space all the same, unless an unused one is kept. */
		ret = -ENOMEM;
		if (vm->kept && vmem_span_unused(vm, vm->kept) &&
		    vmem_span_remove_if_free(vm, span))
			goto give_back;
		vm->kept = span;
		return ret;
	}
	/* Space appeared elsewhere meanwhile and served it: give it back. */
	if (vmem_span_remove_if_free(vm, span))
		goto give_back;
	return 0;

give_back:
	spin_unlock_irqrestore(&vm->lock, *flags);
	vmem_release(vm, addr, size);
	spin_lock_irqsave(&vm->lock, *flags);
	return ret;

refuse:		/* never a span of the arena: no release event */
	spin_unlock_irqrestore(&vm->lock, *flags);
	vm->xrelease(vm->import_arg, addr, size);
	spin_lock_irqsave(&vm->lock, *flags);
	return ret;
}

/* === Allocation and free === */

/*
 * Fault injection (struct vmem_fail): should this allocation of @size fail
 * on purpose?  Free while injection is off: one read of the probability.
 * The same order of tests as the kernel's should_fail(): times left, the
 * space budget, the interval, then the probability.  An injected failure
 * changes nothing in the arena; it is counted as stats.fail_injected.
 */
static bool vmem_fail_inject(struct vmem *vm, unsigned long size)
{
	struct vmem_fail *f = &vm->fail;
	unsigned long flags, verbose = 0;
	bool fail = false;

	if (likely(!READ_ONCE(f->probability)) || !READ_ONCE(f->times))
		return false;
	spin_lock_irqsave(&vm->lock, flags);
	if (!f->times)
		goto out;
	if (f->space > 0 && (unsigned long)f->space > size) {
		f->space -= size;
		goto out;
	}
	if (f->interval > 1 && ++f->count % f->interval)
		goto out;
	if (min(f->probability, 100UL) <= get_random_u32_below(100))
		goto out;
	if (f->times > 0)
		WRITE_ONCE(f->times, f->times - 1);
	vm->stats.fail_injected++;
	verbose = f->verbose;
	fail = true;
out:
	spin_unlock_irqrestore(&vm->lock, flags);
	/* The line and the stack, rate-limited together, per arena. */
	if (verbose && __ratelimit(&f->ratelimit)) {
		pr_info("arena '%s': injected failure of an allocation of %#lx\n",
			vm->name, size);
		if (verbose > 1)
			dump_stack();
	}
	return fail;
}

/*
 * Could a purge give a sleeper space it has not seen?  Not if one started
 * since the sleeper began to wait (@registered: vm->purge_gen then) and no
 * free to the caches came after that purge started: what the caches held
 * before it, it gave back, or else a CPU it had passed took a full magazine
 * from the depot meanwhile, which counts as a free to the caches.
 */
static bool vmem_sleeper_needs_purge(struct vmem *vm, unsigned long registered)
{
	lockdep_assert_held(&vm->lock);
	return vm->purge_gen == registered ||
	       vm->cached_frees != vm->purged_frees;
}

/*
 * Purge the caches of @vm and of every arena that imports from it, however
 * deep: space an importer's caches hold is space of @vm's.  A walk of the
 * tree of importers without recursion: down to the first importer, else
 * across to the next, else up until there is one.
 */
static void vmem_purge_importers(struct vmem *vm)
{
	struct vmem *v = vm;

	mutex_lock(&vmem_importers_mutex);
	for (;;) {
		vmem_qcache_purge(v);
		if (!list_empty(&v->importers)) {
			v = list_first_entry(&v->importers, struct vmem,
					     importer_link);
			continue;
		}
		while (v != vm &&
		       list_is_last(&v->importer_link, &v->source->importers))
			v = v->source;
		if (v == vm)
			break;
		v = list_next_entry(v, importer_link);
	}
	mutex_unlock(&vmem_importers_mutex);
}

/*
 * Give back what the quantum caches hold, for a sleeper that found no
 * space, unless another sleeper's purge did it meanwhile: purges are
 * serialized, so sleepers woken together purge once between them, and
 * there is at most one purge for each free to the caches.
 */
static void vmem_purge_for_sleeper(struct vmem *vm, unsigned long registered)
{
	unsigned long flags;
	bool purge;

	mutex_lock(&vm->purge_mutex);
	spin_lock_irqsave(&vm->lock, flags);
	purge = vmem_sleeper_needs_purge(vm, registered);
	if (purge) {
		vm->purge_gen++;
		vm->purge_time = jiffies;
		vm->purged_frees = vm->cached_frees;
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	if (purge)
		vmem_purge_importers(vm);
	mutex_unlock(&vm->purge_mutex);
}

/**
 * vmem_cached_free_wake() - Wake sleepers after a free to a quantum cache.
 * @vm: The arena.
 *
 * A resource freed to a magazine is not space in the arena until a purge
 * gives it back, so sleepers are told to purge again: vm->cached_frees
 * grows and they are woken, in @vm and in every arena it imports from
 * (their sleepers purge @vm's caches too).  Called after the resource is in
 * the magazine and the magazine's lock is released.  That orders it
 * against a sleeper without a memory barrier here: a sleeper counts itself
 * in vm->nwaiters before its purge takes each CPU's magazine lock in turn,
 * so either the purge took the lock of the magazine this free used after
 * the free released it (and finds the resource), or before, and then the
 * lock's release and acquire make this read see the sleeper counted.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes an arena's lock only when someone sleeps.
 */
void vmem_cached_free_wake(struct vmem *vm)
{
	unsigned long flags;

	for (; vm; vm = vm->source) {
		if (likely(!READ_ONCE(vm->nwaiters)))
			continue;
		spin_lock_irqsave(&vm->lock, flags);
		WRITE_ONCE(vm->free_gen, vm->free_gen + 1);
		vm->cached_frees++;
		spin_unlock_irqrestore(&vm->lock, flags);
		wake_up_all(&vm->wq);
	}
}

/*
 * Take back what the quantum caches hold: for a sleeper (@vmflag has
 * VMEM_SLEEP) @vm's and its importers', unless another sleeper's purge
 * did; otherwise @vm's.  Then a cached size asks its cache again: the space may have gone back to
 * slabs that clients still use.  Called and returns with the lock held,
 * dropped meanwhile.  Returns 0 when the cache served the request.
 */
static int vmem_purge_and_retry(struct vmem *vm, const struct vmem_req *r,
				unsigned int vmflag, unsigned long registered,
				unsigned long *flags, unsigned long *addrp)
	__must_hold(&vm->lock)
{
	int ret = -ENOMEM;

	spin_unlock_irqrestore(&vm->lock, *flags);
	if (vmflag & VMEM_SLEEP)
		vmem_purge_for_sleeper(vm, registered);
	else
		vmem_qcache_purge(vm);
	if (r->cached)
		ret = vmem_qcache_alloc(vm, r->size, vmflag, r->owner, addrp);
	spin_lock_irqsave(&vm->lock, *flags);
	return ret;
}

static int vmem_do_alloc(struct vmem *vm, const struct vmem_req *r,
			 unsigned int vmflag, unsigned long *addrp)
{
	bool can_purge = !(vmflag & VMEM_NOPURGE);
	bool unbalanced, purged = false, waiting = false, big_failed = false;
	bool traced_wait = false;
	unsigned long flags, gen, registered = 0;
	long timeout;
	LIST_HEAD(spare);
	int ret;

	if (vmflag & VMEM_SLEEP)
		might_sleep();

	spin_lock_irqsave(&vm->lock, flags);
	/* What caches could hold space: its own, and its importers' too. */
	can_purge = can_purge && (vm->nqcache || vm->nimporters);
	for (;;) {
		ret = vmem_reserve_fill(vm, VMEM_TAGS_PER_ALLOC, vmflag, &flags);
		if (ret)
			break;
		if (vmem_alloc_locked(vm, r, vmflag, addrp))
			break;
		if (vm->ximport) {
			unsigned int iflag = vmflag;

			/*
			 * Not to sleep in the source while this arena's own
			 * caches hold space: the first import does not wait.
			 * A second one without sleeping does not purge: the
			 * first did, and each arena purges once a request.
			 */
			if (can_purge && !purged)
				iflag = (vmflag & ~VMEM_SLEEP) | VMEM_NOSLEEP;
			else if (purged && (vmflag & VMEM_NOSLEEP))
				iflag |= VMEM_NOPURGE;
			ret = vmem_import(vm, r, iflag, &flags, &big_failed,
					  addrp);
			if (ret != -ENOMEM || purged || !can_purge)
				break;
		} else if (!vmem_can_ever_fit(vm, r)) {
			ret = -ENOMEM;
			break;
		}

		if (vmflag & VMEM_NOSLEEP) {
			/* Take back what the caches hold, then give up. */
			if (!can_purge || purged) {
				ret = -ENOMEM;
				break;
			}
			purged = true;
			ret = vmem_purge_and_retry(vm, r, vmflag, 0, &flags,
						   addrp);
			if (!ret)
				break;
			continue;
		}

		/*
		 * VMEM_SLEEP.  Counted as a waiter from here on, before any
		 * purge, so that a free to a quantum cache that the purge
		 * misses wakes us (vmem_cached_free_wake()).
		 */
		if (!waiting) {
			waiting = true;
			WRITE_ONCE(vm->nwaiters, vm->nwaiters + 1);
			registered = vm->purge_gen;
		}
		gen = vm->free_gen;
		timeout = MAX_SCHEDULE_TIMEOUT;
		if (can_purge && vmem_sleeper_needs_purge(vm, registered)) {
			/*
			 * At once for a new sleeper; after that at most once
			 * a jiffy, however often frees to the caches come.
			 */
			if (vm->purge_gen == registered ||
			    time_after_eq(jiffies, vm->purge_time + 1)) {
				purged = true;
				ret = vmem_purge_and_retry(vm, r, vmflag,
							   registered, &flags,
							   addrp);
				if (!ret)
					break;
				continue;
			}
			timeout = 1;
		}

		/* Wait until something is freed or added, or to purge. */
		vm->stats.wait++;
		if (!traced_wait && trace_vmem_wait_enabled())
			trace_vmem_wait(vm->name, r->size);
		traced_wait = true;
		spin_unlock_irqrestore(&vm->lock, flags);
		timeout = wait_event_killable_timeout(vm->wq,
						      READ_ONCE(vm->free_gen) !=
						      gen, timeout);
		spin_lock_irqsave(&vm->lock, flags);
		if (timeout < 0) {
			ret = -EINTR;
			break;
		}
	}
	if (waiting)
		WRITE_ONCE(vm->nwaiters, vm->nwaiters - 1);
	/* The caches' own slab allocations are not the caller's failures. */
	if (ret && !(vmflag & VMEM_NOPURGE))
		vm->stats.fail++;
	unbalanced = vmem_hash_unbalanced(vm);
	vmem_reserve_trim(vm, &spare);
	spin_unlock_irqrestore(&vm->lock, flags);

	vmem_tags_free(vm, &spare);
	vmem_hash_update(vm, unbalanced, vmflag);
	return ret;
}

/* Round @size up to the quantum; false if it is 0 or overflows. */
static bool vmem_round_size(struct vmem *vm, unsigned long *size)
{
	if (!*size || *size > ULONG_MAX - (vm->quantum - 1))
		return false;
	*size = round_up(*size, vm->quantum);
	return true;
}

/*
 * vmem_xalloc() with the vmflag bits @allowed: an arena importing from
 * another passes VMEM_NOPURGE on, so that a quantum cache's slab, which
 * must not purge, does not make the source purge either.
 */
static int vmem_xalloc_flags(struct vmem *vm, unsigned long size,
			     unsigned long align, unsigned long phase,
			     unsigned long nocross, unsigned long minaddr,
			     unsigned long maxaddr, unsigned int vmflag,
			     unsigned int allowed, depot_stack_handle_t owner,
			     unsigned long *addrp)
{
	struct vmem_req r;
	int ret;

	if (!vm || !addrp || !vmem_flags_valid(vmflag, allowed) ||
	    !vmem_round_size(vm, &size))
		return -EINVAL;
	if (!align)
		align = vm->quantum;
	if (!is_power_of_2(align) || (align & (vm->quantum - 1)))
		return -EINVAL;
	if (phase >= align || (phase & (vm->quantum - 1)))
		return -EINVAL;
	if (nocross && (!is_power_of_2(nocross) ||
			size > nocross - (phase & (nocross - 1))))
		return -EINVAL;
	if (minaddr > maxaddr || maxaddr - minaddr < size - 1)
		return -EINVAL;

	r.size = size;
	r.align = align;
	r.phase = phase;
	r.nocross = nocross;
	r.minaddr = minaddr;
	r.maxaddr = maxaddr;
	r.constrained = align > vm->quantum || phase || nocross ||
			minaddr != VMEM_ADDR_MIN || maxaddr != VMEM_ADDR_MAX;
	r.cached = false;
	r.slab = false;
	r.owner = owner;
	if (vmflag & VMEM_NEXTFIT)	/* no effect, down to the sources */
		vmflag &= ~VMEM_TOPDOWN;
	/*
	 * An importer's own attempts (VMEM_NOPURGE: a larger import first, a
	 * slab for its caches, a retry after its purge) are not injected
	 * into, and traced only when they succeed, so that every span the
	 * importer holds has its vmem_alloc as it will have its vmem_free.
	 */
	if (vmflag & VMEM_NOPURGE) {
		ret = vmem_do_alloc(vm, &r, vmflag, addrp);
		if (!ret && trace_vmem_alloc_enabled())
			trace_vmem_alloc(vm->name, size, vmflag & ~VMEM_NOPURGE,
					 *addrp, 0, false);
		return ret;
	}
	ret = vmem_fail_inject(vm, size) ? -ENOMEM :
	      vmem_do_alloc(vm, &r, vmflag, addrp);
	if (trace_vmem_alloc_enabled())
		trace_vmem_alloc(vm->name, size, vmflag, ret ? 0 : *addrp, ret,
				 false);
	if (ret && trace_vmem_alloc_fail_enabled())
		trace_vmem_alloc_fail(vm->name, size, align, phase, nocross,
				      minaddr, maxaddr, ret);
	return ret;
}

/**
 * vmem_xalloc() - Allocate a range that meets constraints.
 * @vm: The arena.
 * @size: Number of resources; rounded up to the quantum.
 * @align: 0 for the quantum, or a power of two that is a multiple of it.
 * @phase: The range starts @phase past a multiple of @align: below @align
 *         and a multiple of the quantum.
 * @nocross: 0, or a power of two: the range does not cross a multiple of it.
 * @minaddr: Lowest allowed start (%VMEM_ADDR_MIN: no limit).
 * @maxaddr: Highest allowed last resource, inclusive (%VMEM_ADDR_MAX).
 * @vmflag: %VMEM_SLEEP or %VMEM_NOSLEEP, at most one fit policy, and
 *          optionally %VMEM_TOPDOWN.
 * @addrp: The start of the range is stored here on success.
 *
 * The returned range [*@addrp, *@addrp + @size) satisfies every constraint:
 * (*@addrp - @phase) % @align == 0, it crosses no multiple of @nocross, and
 * it lies within [@minaddr, @maxaddr].  Every policy, next fit included,
 * honours them.  With %VMEM_TOPDOWN (not with next fit) the range is the
 * highest that meets them in the free segment the policy chose.  Quantum
 * caches are never used.  Free the range with vmem_xfree().  An arena that
 * imports from another arena, or through a vmem_ximport_t, passes the
 * constraints and %VMEM_TOPDOWN on to it.
 *
 * Context: Any context with %VMEM_NOSLEEP (on PREEMPT_RT, any that may
 * take a spinlock_t).  Process context with %VMEM_SLEEP: may sleep for
 * memory and until space is freed.  Takes and releases the arena lock;
 * never holds it across calls to the source.
 * Return: 0 on success; -EINVAL for contradictory or invalid arguments;
 * -ENOMEM when no space satisfies the request (at once, even with
 * %VMEM_SLEEP, if no span could ever satisfy it, or when debugfs
 * <arena>/fail/ injects a failure); -EINTR when a %VMEM_SLEEP wait was
 * ended by a fatal signal.
 */
int vmem_xalloc(struct vmem *vm, unsigned long size, unsigned long align,
		unsigned long phase, unsigned long nocross,
		unsigned long minaddr, unsigned long maxaddr,
		unsigned int vmflag, unsigned long *addrp)
{
	const unsigned int allowed = VMEM_SLEEP_MASK | VMEM_POLICY_MASK |
				     VMEM_TOPDOWN;
	depot_stack_handle_t owner = 0;

	/* Bad flags are refused before the depot may sleep for memory. */
	if (vm && vmem_debugged(vm) && vmem_flags_valid(vmflag, allowed))
		owner = vmem_owner_save(vmflag);
	return vmem_xalloc_flags(vm, size, align, phase, nocross, minaddr,
				 maxaddr, vmflag, allowed, owner, addrp);
}

/**
 * vmem_slab_alloc() - Allocate a slab for the quantum caches.
 * @vm: The arena.
 * @addrp: Where its start is stored.
 *
 * Naturally aligned, never waiting for space, and without purging the
 * caches when there is none: a cache that cannot have a slab serves the
 * request from the arena instead, which purges if it must.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Return: 0 or -ENOMEM.
 */
int vmem_slab_alloc(struct vmem *vm, unsigned long *addrp)
{
	struct vmem_req r = {
		.size = vm->slab_size,
		.align = vm->slab_size,
		.phase = 0,
		.nocross = 0,
		.minaddr = VMEM_ADDR_MIN,
		.maxaddr = VMEM_ADDR_MAX,
		.constrained = true,
		.slab = true,
	};

	return vmem_do_alloc(vm, &r, VMEM_NOSLEEP | VMEM_NOPURGE, addrp);
}

/**
 * vmem_alloc() - Allocate a range.
 * @vm: The arena.
 * @size: Number of resources; rounded up to the quantum.
 * @vmflag: %VMEM_SLEEP or %VMEM_NOSLEEP, and at most one fit policy
 *          (%VMEM_INSTANTFIT, the default, %VMEM_BESTFIT or %VMEM_NEXTFIT),
 *          and optionally %VMEM_TOPDOWN.
 * @addrp: The start of the range is stored here on success.
 *
 * Sizes up to the arena's qcache_max come from its quantum caches, without
 * the arena lock, unless %VMEM_NEXTFIT or %VMEM_TOPDOWN is asked for (a
 * placement request for this one block).  Instant fit takes a segment in
 * constant time and never fails while some free segment could hold the
 * request; %VMEM_TOPDOWN takes the highest part of that same segment.  An
 * arena with a source imports from it when it has no space.  Has the type
 * vmem_import_t, so that an arena can name it as the import function of
 * another.
 *
 * Context: Any context with %VMEM_NOSLEEP (on PREEMPT_RT, any that may
 * take a spinlock_t).  Process context with %VMEM_SLEEP: may sleep for
 * memory and until space is freed.  Takes and releases the arena lock;
 * never holds it across calls to the source.
 * Return: 0 on success; -EINVAL for size 0, a size that overflows when
 * rounded, or bad flags; -ENOMEM when there is no space (at once, even with
 * %VMEM_SLEEP, if no span could ever hold the request, or when debugfs
 * <arena>/fail/ injects a failure); -EINTR when a %VMEM_SLEEP wait was
 * ended by a fatal signal.
 */
int vmem_alloc(struct vmem *vm, unsigned long size, unsigned int vmflag,
	       unsigned long *addrp)
{
	depot_stack_handle_t owner = 0;
	bool cached = false;
	struct vmem_req r;
	int ret;

	if (!vm || !addrp ||
	    !vmem_flags_valid(vmflag, VMEM_SLEEP_MASK | VMEM_POLICY_MASK |
			      VMEM_TOPDOWN) ||
	    !vmem_round_size(vm, &size))
		return -EINVAL;
	if (vmem_fail_inject(vm, size)) {
		ret = -ENOMEM;
		goto out;
	}
	if (vmem_debugged(vm))
		owner = vmem_owner_save(vmflag);
	if (size <= vm->qcache_max &&
	    !(vmflag & (VMEM_NEXTFIT | VMEM_TOPDOWN))) {
		if (vmflag & VMEM_SLEEP)
			might_sleep();
		if (!vmem_qcache_alloc(vm, size, vmflag, owner, addrp)) {
			if (trace_vmem_alloc_enabled())
				trace_vmem_alloc(vm->name, size, vmflag, *addrp,
						 0, true);
			return 0;
		}
		cached = true;
	}
	/* Only now: the cached path does not pay for zeroing the request. */
	r = (struct vmem_req) {
		.size = size,
		.align = vm->quantum,
		.minaddr = VMEM_ADDR_MIN,
		.maxaddr = VMEM_ADDR_MAX,
		.cached = cached,
		.owner = owner,
	};
	if (vmflag & VMEM_NEXTFIT)
		vmflag &= ~VMEM_TOPDOWN;
	ret = vmem_do_alloc(vm, &r, vmflag, addrp);
out:
	if (trace_vmem_alloc_enabled())
		trace_vmem_alloc(vm->name, size, vmflag, ret ? 0 : *addrp, ret,
				 false);
	if (ret && trace_vmem_alloc_fail_enabled())
		trace_vmem_alloc_fail(vm->name, size, vm->quantum, 0, 0,
				      VMEM_ADDR_MIN, VMEM_ADDR_MAX, ret);
	return ret;
}

/**
 * vmem_bad_free() - Report a free of something that is not allocated so.
 * @vm: The arena.
 * @addr: The address the caller gave.
 * @size: The size the caller gave.
 * @allocated: The size allocated at @addr, or 0 when nothing is.
 *
 * Counts it and prints the one warning line; changes nothing else.
 *
 * Context: Any context, without the arena lock.
 */
void vmem_bad_free(struct vmem *vm, unsigned long addr, unsigned long size,
		   unsigned long allocated)
{
	unsigned long flags;

	spin_lock_irqsave(&vm->lock, flags);
	vm->stats.bad_free++;
	spin_unlock_irqrestore(&vm->lock, flags);
	if (allocated)
		pr_warn("arena '%s': bad free of %#lx size %#lx: allocated size is %#lx\n",
			vm->name, addr, size, allocated);
	else
		pr_warn("arena '%s': bad free of %#lx size %#lx: not allocated\n",
			vm->name, addr, size);
}

static void vmem_free_segment(struct vmem *vm, unsigned long addr,
			      unsigned long size, bool client);

/**
 * vmem_xfree() - Free a range.
 * @vm: The arena.
 * @addr: Start of the range, as returned by vmem_xalloc() or vmem_alloc().
 * @size: The size that was allocated (before or after rounding).
 *
 * The range is coalesced with free neighbours; an imported span that
 * becomes wholly free goes back to the source.  An address that is not
 * allocated, a double free or a wrong size changes nothing and is reported
 * in one warning line naming the arena, the address and the size.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes and releases the arena lock; calls the release function, if any,
 * after dropping it.  Wakes %VMEM_SLEEP waiters.
 */
void vmem_xfree(struct vmem *vm, unsigned long addr, unsigned long size)
{
	if (!vm)
		return;
	vmem_free_segment(vm, addr, size, true);
}

/**
 * vmem_arena_free() - Free a range to the arena itself.
 * @vm: The arena.
 * @addr: Start of the range.
 * @size: The size that was allocated.
 *
 * vmem_xfree() without its check for slabs of the quantum caches, which
 * free their slabs with it.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 */
void vmem_arena_free(struct vmem *vm, unsigned long addr, unsigned long size)
{
	if (vm)
		vmem_free_segment(vm, addr, size, false);
}

/* Free an allocated segment; @client: a free of the API, traced. */
static void vmem_free_segment(struct vmem *vm, unsigned long addr,
			      unsigned long size, bool client)
{
	struct vmem_seg *seg, *prev, *next;
	unsigned long flags, rsize = size;
	bool release = false, unbalanced, wake;
	unsigned long rel_start = 0, rel_size = 0;
	LIST_HEAD(spare);

	spin_lock_irqsave(&vm->lock, flags);
	seg = vmem_hash_lookup(vm, addr);
	/* A slab of the quantum caches is theirs to free, not a client's. */
	if (seg && seg->slab && client)
		seg = NULL;
	if (!seg || !vmem_round_size(vm, &rsize) || seg->size != rsize) {
		unsigned long allocated = seg ? seg->size : 0;

		spin_unlock_irqrestore(&vm->lock, flags);
		vmem_bad_free(vm, addr, size, allocated);
		return;
	}
	if (client && trace_vmem_free_enabled())
		trace_vmem_free(vm->name, addr, rsize);

	hlist_del(&seg->hash);
	vm->nbusy--;
	vm->mem_inuse -= seg->size;
	vm->stats.free++;
	seg->type = VMEM_SEG_FREE;

	/* Coalesce; the rotor, if in a merged segment, moves along. */
	prev = vmem_seg_prev(vm, seg);
	if (prev && prev->type == VMEM_SEG_FREE) {
		vmem_freelist_delete(vm, prev);
		if (vm->rotor == seg)
			vm->rotor_off += prev->size;
		else if (vm->rotor == prev)
			vm->rotor = seg;
		seg->start = prev->start;
		seg->size += prev->size;
		list_del(&prev->seglist);
		vmem_tag_put(vm, prev);
	}
	next = vmem_seg_next(vm, seg);
	if (next && next->type == VMEM_SEG_FREE) {
		vmem_freelist_delete(vm, next);
		if (vm->rotor == next) {
			vm->rotor = seg;
			vm->rotor_off += seg->size;
		}
		seg->size += next->size;
		list_del(&next->seglist);
		vmem_tag_put(vm, next);
	}
	vmem_freelist_insert(vm, seg);

	prev = vmem_seg_prev(vm, seg);
	if (prev && prev->type == VMEM_SEG_SPAN) {
		rel_start = prev->start;
		rel_size = prev->size;
		release = vmem_span_remove_if_free(vm, prev);
	}
	if (!release)
		WRITE_ONCE(vm->free_gen, vm->free_gen + 1);

	wake = vm->nwaiters;
	unbalanced = vmem_hash_unbalanced(vm);
	vmem_reserve_trim(vm, &spare);
	spin_unlock_irqrestore(&vm->lock, flags);

	vmem_tags_free(vm, &spare);
	if (release)
		vmem_release(vm, rel_start, rel_size);
	if (wake)
		wake_up_all(&vm->wq);
	vmem_hash_update(vm, unbalanced, VMEM_NOSLEEP);
}

/**
 * vmem_free() - Free a range allocated with vmem_alloc().
 * @vm: The arena.
 * @addr: Start of the range.
 * @size: The size that was allocated (before or after rounding).
 *
 * Sizes up to the arena's qcache_max go back to its quantum caches.  Has
 * the type vmem_release_t, so that an arena can name it as the release
 * function of another.  Mistakes are reported as by vmem_xfree(), for
 * cached sizes too.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes and releases the arena lock; calls the release function, if any,
 * after dropping it.
 */
void vmem_free(struct vmem *vm, unsigned long addr, unsigned long size)
{
	unsigned long rsize = size;

	if (!vm)
		return;
	if (vm->nqcache && vmem_round_size(vm, &rsize) &&
	    rsize <= vm->qcache_max && vmem_qcache_free(vm, addr, size))
		return;
	vmem_free_segment(vm, addr, size, true);
}

/* === Arenas === */

/* Move every tag of an arena to @tags: segments, index entries, reserve. */
static void vmem_tags_gather(struct vmem *vm, struct list_head *tags)
{
	struct vmem_seg *idx, *tmp;

	rbtree_postorder_for_each_entry_safe(idx, tmp, &vm->span_tree, rb)
		list_add(&idx->seglist, tags);
	vm->span_tree = RB_ROOT;
	list_splice_init(&vm->segs, tags);
	list_splice_init(&vm->reserve, tags);
}

static bool vmem_span_valid(struct vmem *vm, unsigned long base,
			    unsigned long size)
{
	return size && !(base & (vm->quantum - 1)) &&
	       !(size & (vm->quantum - 1)) && base + (size - 1) >= base;
}

/**
 * vmem_add() - Add a span to an arena.
 * @vm: The arena.
 * @base: First resource of the span, a multiple of the quantum.
 * @size: Size of the span, a multiple of the quantum.  The span may end
 *        exactly at the top of the address space.
 * @vmflag: %VMEM_SLEEP or %VMEM_NOSLEEP.
 *
 * Wakes %VMEM_SLEEP allocations waiting for space.
 *
 * Context: Process context with %VMEM_SLEEP; any context with
 * %VMEM_NOSLEEP (on PREEMPT_RT, any that may take a spinlock_t).  Takes
 * and releases the arena lock.
 * Return: 0 on success; -EINVAL for size 0, misalignment, a span running
 * past the top of the address space or bad flags; -EEXIST when the span
 * overlaps one already in the arena; -ENOMEM.
 */
int vmem_add(struct vmem *vm, unsigned long base, unsigned long size,
	     unsigned int vmflag)
{
	struct vmem_seg *span;
	unsigned long flags;
	bool wake = false;
	int ret;

	if (!vm || !vmem_flags_valid(vmflag, VMEM_SLEEP_MASK) ||
	    !vmem_span_valid(vm, base, size))
		return -EINVAL;
	if (vmflag & VMEM_SLEEP)
		might_sleep();

	spin_lock_irqsave(&vm->lock, flags);
	ret = vmem_reserve_fill(vm, VMEM_TAGS_PER_SPAN, vmflag, &flags);
	if (!ret) {
		span = vmem_span_add(vm, base, size, false);
		ret = PTR_ERR_OR_ZERO(span);
		wake = !ret && vm->nwaiters;
	}
	spin_unlock_irqrestore(&vm->lock, flags);

	if (wake)
		wake_up_all(&vm->wq);
	return ret;
}

/*
 * Check the arguments and build the arena: the one implementation behind
 * vmem_xcreate() and vmem_create(), which passes its own import and
 * release functions as @import_fn and @release_fn.
 */
static struct vmem *vmem_arena_create(const char *name,
				      const struct vmem_args *args,
				      unsigned int vmflag,
				      vmem_import_t *import_fn,
				      vmem_release_t *release_fn)
{
	unsigned long quantum = args->quantum, base = args->base;
	unsigned long size = args->size, iq = args->import_quantum;
	struct vmem *source = args->source;
	unsigned int aflags = args->flags;
	unsigned long flags;
	struct vmem *vm;
	unsigned int i;
	int ret;

	might_sleep();
	if (!name || !quantum || !is_power_of_2(quantum) ||
	    !vmem_flags_valid(vmflag, VMEM_SLEEP_MASK))
		return ERR_PTR(-EINVAL);
	if (size && (base & (quantum - 1) || size & (quantum - 1) ||
		     base + (size - 1) < base))
		return ERR_PTR(-EINVAL);
	if ((source && (args->ximport || args->xrelease)) ||
	    !args->ximport != !args->xrelease)
		return ERR_PTR(-EINVAL);
	if (iq && ((iq & (quantum - 1)) ||
		   (!source && !args->ximport && !import_fn)))
		return ERR_PTR(-EINVAL);
	if (aflags & ~VMEM_ARENA_DEBUG)
		return ERR_PTR(-EINVAL);
	if (aflags & VMEM_ARENA_DEBUG) {
		ret = vmem_owner_init();
		if (ret)
			return ERR_PTR(ret);
	} else if (READ_ONCE(vmem_debug_all)) {
		/* Forced on: an arena the stack depot fails stays plain. */
		if (!vmem_owner_init())
			aflags |= VMEM_ARENA_DEBUG;
	}

	vm = kzalloc(sizeof(*vm), vmem_gfp(vmflag));
	if (!vm)
		return ERR_PTR(-ENOMEM);
	/* The kind of tags, which the reserve below takes already. */
	vm->aflags = aflags;
	INIT_LIST_HEAD(&vm->reserve);
	if (size) {
		vm->nreserve = vmem_tags_alloc(vm, &vm->reserve,
					       VMEM_TAGS_PER_SPAN,
					       vmem_gfp(vmflag));
		if (vm->nreserve < VMEM_TAGS_PER_SPAN) {
			vmem_tags_free(vm, &vm->reserve);
			kfree(vm);
			return ERR_PTR(-ENOMEM);
		}
	}

	strscpy(vm->name, name, sizeof(vm->name));
	lockdep_register_key(&vm->lock_key);
	spin_lock_init(&vm->lock);
	lockdep_set_class(&vm->lock, &vm->lock_key);
	vm->quantum = quantum;
	vm->qshift = ilog2(quantum);
	/* Capped so that the slab size, about 3 * qcache_max, cannot wrap. */
	if (quantum <= ULONG_MAX / (4 * VMEM_QCACHE_MAX))
		vm->qcache_max = min(args->qcache_max & ~(quantum - 1),
				     VMEM_QCACHE_MAX * quantum);
	/* A vmem source, given alone or with its own alloc and free. */
	if (source && (!import_fn || (import_fn == vmem_alloc &&
				      release_fn == vmem_free))) {
		vm->vmem_source = true;
		vm->ximport = vmem_source_import;
		vm->xrelease = vmem_source_release;
		vm->import_arg = vm;
	} else if (import_fn) {
		vm->ximport = vmem_create_import;
		vm->xrelease = vmem_create_release;
		vm->import_arg = vm;
		vm->import_fn = import_fn;
		vm->release_fn = release_fn;
	} else {
		vm->ximport = args->ximport;
		vm->xrelease = args->xrelease;
		vm->import_arg = args->arg;
	}
	vm->import_quantum = iq;
	vm->fail.interval = 1;		/* the kernel's fault_attr defaults */
	vm->fail.times = 1;
	vm->fail.verbose = 2;
	ratelimit_state_init(&vm->fail.ratelimit, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	vm->source = source;
	vm->cflags = vmflag;
	INIT_LIST_HEAD(&vm->segs);
	INIT_LIST_HEAD(&vm->spans);
	INIT_LIST_HEAD(&vm->importers);
	INIT_LIST_HEAD(&vm->importer_link);
	vm->span_tree = RB_ROOT;
	for (i = 0; i < VMEM_FREELISTS; i++)
		INIT_LIST_HEAD(&vm->freelist[i]);
	vm->hash_table = vm->hash0;
	vm->hash_bits = VMEM_HASH_INITIAL_BITS;
	for (i = 0; i < VMEM_HASH_INITIAL; i++)
		INIT_HLIST_HEAD(&vm->hash0[i]);
	INIT_WORK(&vm->hash_work, vmem_hash_work);
	init_waitqueue_head(&vm->wq);
	mutex_init(&vm->purge_mutex);
	INIT_LIST_HEAD(&vm->node);
	vm->id = atomic_inc_return(&vmem_next_id);

	if (size) {
		spin_lock_irqsave(&vm->lock, flags);
		vmem_span_add(vm, base, size, false);
		spin_unlock_irqrestore(&vm->lock, flags);
	}
	if (vmem_qcache_init(vm, vmem_gfp(vmflag))) {
		LIST_HEAD(tags);

		vmem_tags_gather(vm, &tags);
		vmem_tags_free(vm, &tags);
		lockdep_unregister_key(&vm->lock_key);
		kfree(vm);
		return ERR_PTR(-ENOMEM);
	}

	if (source) {
		mutex_lock(&vmem_importers_mutex);
		list_add_tail(&vm->importer_link, &source->importers);
		spin_lock_irqsave(&source->lock, flags);
		source->nimporters++;
		spin_unlock_irqrestore(&source->lock, flags);
		mutex_unlock(&vmem_importers_mutex);
	}
	vmem_arena_register(vm);
	return vm;
}

/**
 * vmem_xcreate() - Create an arena, with every option.
 * @name: Name, copied (and truncated to %VMEM_NAME_MAX - 1 bytes).
 * @args: The options (struct vmem_args); read during the call only.
 * @vmflag: %VMEM_SLEEP or %VMEM_NOSLEEP: whether the arena's own memory
 *          may be waited for (%VMEM_NOSLEEP fails at once without it).
 *
 * What vmem_create() does, and more.  An arena with @args->source imports
 * from it with vmem_xalloc(), passing every constraint and %VMEM_TOPDOWN
 * on; one with @args->ximport calls it with the size it needs, the
 * constraints and the flags of the request, and @args->arg.  The import
 * function may import more than asked: what it reports in *sizep becomes
 * one span, whose unused part serves later requests.  A span that cannot
 * hold the request is kept as space (one unused such span at a time), and
 * the request fails with -ENOMEM.  With @args->import_quantum, an arena
 * asks for roundup(need, import_quantum) first where a block that large can
 * meet the request (with %VMEM_NOSLEEP; then for what it needs, as the
 * caller asked).  An imported span goes back through vmem_xfree() of the
 * source or @args->xrelease, whole, when all of it is free, and at
 * vmem_destroy().
 *
 * Context: Process context: may sleep whatever @vmflag says (it registers
 * the arena and creates its debugfs directory under a mutex).
 * Return: The arena; ERR_PTR(-EINVAL) for a NULL @name or @args, a quantum
 * that is not a power of two, a misaligned or wrapping initial span, bad
 * @vmflag, @args->source with @args->ximport or @args->xrelease, only one
 * of those two, an import quantum that is not a multiple of the quantum or
 * without anything to import from, or unknown @args->flags;
 * ERR_PTR(-EOPNOTSUPP) for %VMEM_ARENA_DEBUG on a kernel without a stack
 * depot (%CONFIG_STACKDEPOT); ERR_PTR(-ENOMEM).  Nothing is created on
 * error.
 */
struct vmem *vmem_xcreate(const char *name, const struct vmem_args *args,
			  unsigned int vmflag)
{
	if (!args)
		return ERR_PTR(-EINVAL);
	return vmem_arena_create(name, args, vmflag, NULL, NULL);
}

/**
 * vmem_create() - Create an arena.
 * @name: Name, copied (and truncated to %VMEM_NAME_MAX - 1 bytes).
 * @base: Start of the initial span, a multiple of @quantum.
 * @size: Size of the initial span, a multiple of @quantum; 0 for none.
 * @quantum: Unit of allocation, a power of two (1 suits identifiers).
 * @import: Function to import spans from @source, or NULL.
 * @release: Function to give imported spans back, or NULL.
 * @source: Arena to import from, passed to @import and @release.  When both
 *          are NULL (or are vmem_alloc() and vmem_free()) and @source is
 *          set, the arena imports with vmem_xalloc() and vmem_xfree() of
 *          @source, passing constraints on.
 * @qcache_max: Sizes up to this (rounded down to the quantum, at most
 *              %VMEM_QCACHE_MAX quanta) are to be served by quantum caches.
 * @vmflag: %VMEM_SLEEP or %VMEM_NOSLEEP: whether the arena's own memory
 *          may be waited for (%VMEM_NOSLEEP fails at once without it).
 *
 * vmem_xcreate() with these arguments.  An @import of its own knows
 * nothing of constraints: it is asked for enough that a block of the
 * request's alignment fits wherever the span starts.
 *
 * Context: Process context: may sleep whatever @vmflag says (it registers
 * the arena and creates its debugfs directory under a mutex).
 * Return: The arena, or ERR_PTR(-EINVAL) for bad arguments (as
 * vmem_xcreate(), and one of @import and @release without the other), or
 * ERR_PTR(-ENOMEM).
 */
struct vmem *vmem_create(const char *name, unsigned long base,
			 unsigned long size, unsigned long quantum,
			 vmem_import_t *import, vmem_release_t *release,
			 struct vmem *source, unsigned long qcache_max,
			 unsigned int vmflag)
{
	struct vmem_args args = {
		.base = base,
		.size = size,
		.quantum = quantum,
		.qcache_max = qcache_max,
		.source = source,
	};

	if (!import != !release)
		return ERR_PTR(-EINVAL);
	return vmem_arena_create(name, &args, vmflag, import, release);
}

/* vmem_leak_report()'s lines, to the log. */
static void vmem_leak_print(void *arg, const char *line)
{
	pr_warn("%s\n", line);
}

/**
 * vmem_destroy() - Destroy an arena.
 * @vm: The arena, or NULL (nothing is done).
 *
 * The quantum caches are emptied first.  Allocations still outstanding are
 * reported in one warning line (arena name, count, bytes) and released with
 * everything else: imported spans go back to the source.  In a
 * %VMEM_ARENA_DEBUG arena the first %VMEM_LEAKS_SHOWN of them are named
 * before it, each with its address, size and allocating stack.  An arena
 * that other arenas still import from is not destroyed: that is reported,
 * and it stays usable.
 *
 * Context: Process context; may sleep.  No other call on @vm may be in
 * progress or follow.
 */
void vmem_destroy(struct vmem *vm)
{
	unsigned long flags, nleaked, leaked;
	struct vmem_seg *seg;
	unsigned int importers;
	LIST_HEAD(tags);

	if (!vm)
		return;
	might_sleep();

	spin_lock_irqsave(&vm->lock, flags);
	importers = vm->nimporters;
	spin_unlock_irqrestore(&vm->lock, flags);
	if (importers) {
		pr_warn("%s('%s'): %u arenas still import from it; not destroyed\n",
			__func__, vm->name, importers);
		return;
	}

	vmem_arena_unregister(vm);
	/* No sleeper of the source's purges this arena's caches any more. */
	if (vm->source) {
		mutex_lock(&vmem_importers_mutex);
		list_del_init(&vm->importer_link);
		mutex_unlock(&vmem_importers_mutex);
	}
	/* Name the leaks and their owners while the caches still hold them. */
	if (vmem_debugged(vm))
		vmem_leak_report(vm, vmem_leak_print, NULL);
	nleaked = 0;
	leaked = 0;
	vmem_qcache_destroy(vm, &nleaked, &leaked);
	cancel_work_sync(&vm->hash_work);

	nleaked += vm->nbusy;
	leaked += vm->mem_inuse;
	if (nleaked)
		pr_warn("%s('%s'): leaked %lu allocations (%lu bytes)\n",
			__func__, vm->name, nleaked, leaked);

	list_for_each_entry(seg, &vm->spans, spanlist)
		if (seg->imported)
			vmem_release(vm, seg->start, seg->size);
	vmem_tags_gather(vm, &tags);
	vmem_tags_free(vm, &tags);
	if (vm->hash_table != vm->hash0)
		kvfree(vm->hash_table);

	if (vm->source) {
		spin_lock_irqsave(&vm->source->lock, flags);
		vm->source->nimporters--;
		spin_unlock_irqrestore(&vm->source->lock, flags);
	}
	lockdep_unregister_key(&vm->lock_key);
	kfree(vm);
}

/* === Queries === */

/**
 * vmem_arena_size() - Bytes of an arena by segment type.
 * @vm: The arena.
 * @typemask: %VMEM_ALLOC, %VMEM_FREE, or both.
 *
 * The exported name behind vmem_size() (see <linux/vmem.h>).
 *
 * Resources held by the quantum caches count as free.  While other CPUs
 * allocate and free, the figures are a snapshot.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes and releases the arena lock.
 * Return: Bytes allocated (%VMEM_ALLOC), free (%VMEM_FREE), or both: the
 * arena's total.  0 for a NULL arena or a mask with neither.
 */
unsigned long vmem_arena_size(struct vmem *vm, unsigned int typemask)
{
	unsigned long flags, cached, inuse, total, size = 0;

	if (!vm)
		return 0;
	cached = vmem_qcache_cached(vm);
	spin_lock_irqsave(&vm->lock, flags);
	inuse = vm->mem_inuse;
	total = vm->mem_total;
	spin_unlock_irqrestore(&vm->lock, flags);

	/* What the quantum caches hold is free for clients. */
	inuse -= min(cached, inuse);
	if (typemask & VMEM_ALLOC)
		size += inuse;
	if (typemask & VMEM_FREE)
		size += total - inuse;
	return size;
}

/**
 * vmem_contains() - Does a range lie inside one span of an arena?
 * @vm: The arena.
 * @addr: Start of the range.
 * @size: Size of the range.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes and releases the arena lock.
 * Return: True when [@addr, @addr + @size) lies inside one span; false for
 * size 0 or a range running past the top of the address space.
 */
bool vmem_contains(struct vmem *vm, unsigned long addr, unsigned long size)
{
	unsigned long flags, last = addr + size - 1;
	struct vmem_seg *idx;
	bool found = false;

	if (!vm)
		return false;
	spin_lock_irqsave(&vm->lock, flags);
	vm->stats.contains++;
	if (size && last >= addr) {
		/* An index entry has its span's start and size. */
		idx = vmem_span_index(vm, addr, NULL, NULL,
				      &vm->stats.contains_search);
		found = idx && last <= vmem_seg_last(idx);
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	return found;
}

/**
 * vmem_walk() - Call a function for segments of an arena.
 * @vm: The arena.
 * @typemask: Any of %VMEM_ALLOC, %VMEM_FREE and %VMEM_SPAN.
 * @func: Called as func(@arg, start, size) for every segment whose type is
 *        in @typemask, in address order (a span before its segments).
 * @arg: Passed to @func.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * @func runs under the arena lock, with interrupts disabled except on
 * PREEMPT_RT: it must not sleep and must not call into the same arena.
 */
void vmem_walk(struct vmem *vm, unsigned int typemask,
	       void (*func)(void *arg, unsigned long addr, unsigned long size),
	       void *arg)
{
	struct vmem_seg *seg;
	unsigned long flags;

	if (!vm || !func)
		return;
	spin_lock_irqsave(&vm->lock, flags);
	list_for_each_entry(seg, &vm->segs, seglist)
		if (seg->type & typemask)
			func(arg, seg->start, seg->size);
	spin_unlock_irqrestore(&vm->lock, flags);
}

/* === Consistency (CONFIG_VMEM_DEBUG: tests only) === */

#ifdef CONFIG_VMEM_DEBUG

/* The tree of spans holds one entry per span, and finds each. */
static const char *vmem_check_span_tree(struct vmem *vm)
{
	struct vmem_seg *span, *idx, *tmp;
	unsigned long n = 0;

	rbtree_postorder_for_each_entry_safe(idx, tmp, &vm->span_tree, rb) {
		if (idx->type != VMEM_SEG_INDEX ||
		    idx->span->type != VMEM_SEG_SPAN ||
		    idx->start != idx->span->start ||
		    idx->size != idx->span->size)
			return "span tree entry does not describe its span";
		n++;
	}
	if (n != vm->nspans)
		return "span tree entries differ from the span count";
	list_for_each_entry(span, &vm->spans, spanlist) {
		u64 steps = 0;

		idx = vmem_span_index(vm, span->start, NULL, NULL, &steps);
		if (!idx || idx->span != span)
			return "span not found in the span tree";
		n--;
	}
	return n ? "span list differs from the span count" : NULL;
}

static const char *vmem_check_locked(struct vmem *vm)
{
	unsigned long nalloc = 0, nfree = 0, inuse = 0, total = 0, imported = 0;
	unsigned long class_count[VMEM_FREELISTS] = { 0 };
	unsigned long expect = 0, i, n;
	struct vmem_seg *seg, *span = NULL, *prev = NULL;
	struct list_head *pos;
	bool rotor_seen = !vm->rotor;

	list_for_each_entry(seg, &vm->segs, seglist) {
		if (seg == vm->rotor)
			rotor_seen = true;
		if (!seg->size)
			return "segment of size 0";
		if ((seg->start | seg->size) & (vm->quantum - 1))
			return "segment not aligned to the quantum";
		if (seg->start + (seg->size - 1) < seg->start)
			return "segment runs past the top of the address space";
		switch (seg->type) {
		case VMEM_SEG_SPAN:
			if (span && expect != vmem_seg_last(span) + 1)
				return "span not tiled by its segments";
			if (span && seg->start <= vmem_seg_last(span))
				return "spans overlap or are out of order";
			if (span ? list_next_entry(span, spanlist) != seg :
			    list_first_entry_or_null(&vm->spans,
						     struct vmem_seg,
						     spanlist) != seg)
				return "span list differs from segment list";
			span = seg;
			expect = seg->start;
			total += seg->size;
			if (seg->imported)
				imported += seg->size;
			break;
		case VMEM_SEG_ALLOC:
		case VMEM_SEG_FREE:
			if (!span)
				return "segment before the first span";
			if (seg->start != expect ||
			    (prev && prev->type != VMEM_SEG_SPAN &&
			     prev->start + prev->size != seg->start))
				return "segments not contiguous within their span";
			if (vmem_seg_last(seg) > vmem_seg_last(span))
				return "segment runs past its span";
			expect = seg->start + seg->size;
			if (seg->type == VMEM_SEG_ALLOC) {
				nalloc++;
				inuse += seg->size;
			} else {
				if (prev && prev->type == VMEM_SEG_FREE)
					return "adjacent free segments not coalesced";
				nfree++;
				class_count[vmem_freelist_index(seg->size)]++;
			}
			break;
		default:
			return "segment of unknown type";
		}
		prev = seg;
	}
	if (span && expect != vmem_seg_last(span) + 1 &&
	    !(expect == 0 && vmem_seg_last(span) == ULONG_MAX))
		return "last span not tiled by its segments";
	if (span && !list_is_last(&span->spanlist, &vm->spans))
		return "span list longer than segment list";
	if (!span && !list_empty(&vm->spans))
		return "span list longer than segment list";

	for (i = 0; i < VMEM_FREELISTS; i++) {
		n = 0;
		list_for_each_entry(seg, &vm->freelist[i], freelist) {
			if (seg->type != VMEM_SEG_FREE)
				return "non-free segment on a freelist";
			if (vmem_freelist_index(seg->size) != i)
				return "free segment on the wrong freelist";
			n++;
		}
		if (n != class_count[i])
			return "freelist count differs from free segments";
		if (!!(vm->freemap & BIT(i)) != !!n)
			return "freelist bitmap differs from the lists";
	}

	n = 0;
	for (i = 0; i < (1UL << vm->hash_bits); i++) {
		hlist_for_each_entry(seg, &vm->hash_table[i], hash) {
			if (seg->type != VMEM_SEG_ALLOC)
				return "non-allocated segment in the hash";
			if (vmem_hash_bucket(vm, seg->start) !=
			    &vm->hash_table[i])
				return "allocated segment in the wrong bucket";
			n++;
		}
	}
	if (n != nalloc || nalloc != vm->nbusy)
		return "hash count differs from allocated segments";
	if (nfree != vm->nfree)
		return "free segment count is wrong";
	if (inuse != vm->mem_inuse)
		return "mem_inuse differs from allocated segments";
	if (total != vm->mem_total)
		return "mem_total differs from spans";
	if (imported != vm->mem_import)
		return "mem_import differs from imported spans";
	if (!rotor_seen)
		return "rotor not on the segment list";
	if (vm->rotor && vm->rotor_off > vm->rotor->size)
		return "rotor offset past its segment";
	n = 0;
	list_for_each(pos, &vm->reserve)
		n++;
	if (n != vm->nreserve)
		return "tag reserve count is wrong";
	return vmem_check_span_tree(vm);
}

/**
 * vmem_check() - Check every invariant of an arena.
 * @vm: The arena.
 *
 * Segments in order, non-overlapping and tiling their spans exactly, no two
 * adjacent free segments, the freelists and their bitmap, the hash, the
 * counters, the rotor and the tag reserve.  Linear in the size of the arena.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes and releases the arena lock.
 * Return: NULL if the arena is consistent, else what is wrong.
 */
const char *vmem_check(struct vmem *vm)
{
	unsigned long flags;
	const char *err;

	spin_lock_irqsave(&vm->lock, flags);
	err = vmem_check_locked(vm);
	spin_unlock_irqrestore(&vm->lock, flags);
	return err;
}
#endif /* CONFIG_VMEM_DEBUG */

/* === Set-up === */

/**
 * vmem_core_init() - Create the boundary-tag cache.
 *
 * Context: Process context, before any arena is created.
 * Return: 0 or -ENOMEM.
 */
int vmem_core_init(void)
{
	vmem_seg_cache = KMEM_CACHE(vmem_seg, 0);
	vmem_seg_owned_cache = KMEM_CACHE(vmem_seg_owned, 0);
	if (!vmem_seg_cache || !vmem_seg_owned_cache) {
		kmem_cache_destroy(vmem_seg_owned_cache);
		kmem_cache_destroy(vmem_seg_cache);
		return -ENOMEM;
	}
	return 0;
}

/**
 * vmem_arena_abandon() - Stop the deferred work of an arena left behind.
 * @vm: An arena that its client never destroyed, at module unload.
 *
 * The arena itself stays: its memory is leaked, not freed under a client
 * that may still point at it.
 *
 * Context: Process context.
 */
void vmem_arena_abandon(struct vmem *vm)
{
	cancel_work_sync(&vm->hash_work);
}

/**
 * vmem_core_exit() - Destroy the boundary-tag cache.
 * @abandoned: Arenas never destroyed, which still hold tags.
 *
 * With arenas left, the cache stays too (destroying a cache that still has
 * objects is a kernel warning, and their memory is leaked anyway).
 *
 * Context: Process context, after every arena is destroyed or abandoned.
 */
void vmem_core_exit(unsigned int abandoned)
{
	if (abandoned) {
		pr_warn("%u arenas were never destroyed: leaking them and the boundary-tag cache\n",
			abandoned);
		return;
	}
	kmem_cache_destroy(vmem_seg_owned_cache);
	kmem_cache_destroy(vmem_seg_cache);
}
