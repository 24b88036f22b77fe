/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmem internals: the arena and boundary-tag layout, shared by the allocator
 * core (vmem_core.c), the module glue (vmem_main.c, vmem_debugfs.c) and the
 * KUnit suites.  Clients use <linux/vmem.h> only.
 */
#ifndef _VMEM_INTERNAL_H
#define _VMEM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/types.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/vmem.h>

/* Segment types: the public walk/size bits, so a typemask tests them. */
#define VMEM_SEG_ALLOC	VMEM_ALLOC
#define VMEM_SEG_FREE	VMEM_FREE
#define VMEM_SEG_SPAN	VMEM_SPAN
/* A span's entry in the arena's tree of spans (not on the segment list). */
#define VMEM_SEG_INDEX	0x80

#define VMEM_FREELISTS	BITS_PER_LONG

/* The allocation hash starts with this many buckets, embedded in the arena. */
#define VMEM_HASH_INITIAL_BITS	4
#define VMEM_HASH_INITIAL	BIT(VMEM_HASH_INITIAL_BITS)
#define VMEM_HASH_MAX_BITS	24

/*
 * Boundary tags one operation may consume: an allocation splits a free
 * segment into at most three (two new tags), and a span needs a span marker,
 * its entry in the tree of spans and a free segment.  An import adds a span
 * and allocates from it.
 */
#define VMEM_TAGS_PER_ALLOC	2
#define VMEM_TAGS_PER_SPAN	3
#define VMEM_TAGS_PER_IMPORT	(VMEM_TAGS_PER_SPAN + VMEM_TAGS_PER_ALLOC)
/*
 * An internal vmflag, refused from callers: a failed allocation does not
 * purge the quantum caches (slab allocation for the caches themselves).
 */
#define VMEM_NOPURGE		0x80000000U

/* Magazine sizes: the depot starts small and doubles under contention. */
#define VMEM_MAG_MIN		8
#define VMEM_MAG_MAX		128
/* Contended depot acquisitions that make the magazine size double. */
#define VMEM_MAG_CONTENTION	16

/*
 * Objects in a slab of the quantum caches, at most: slabs are the next power
 * of two above three times qcache_max, itself at most VMEM_QCACHE_MAX quanta,
 * and the smallest object is one quantum.
 */
#define VMEM_SLAB_OBJS_MAX	(4 * VMEM_QCACHE_MAX)
/* The smallest slab table, header included (28 slots; 60 on 32-bit). */
#define VMEM_SLABTAB_MIN_BYTES	256

/* Slabs filed or removed while a slab table is copied, at most. */
#define VMEM_SLABTAB_LOG	16

/* In vmem_qcache.obj_of[], a quantum where no object starts. */
#define VMEM_NO_OBJ		0xff

/* Free tags an arena keeps beyond what one operation needs. */
#define VMEM_TAGS_RESERVE_MAX	32

/* Frames of an allocating stack kept in the stack depot (%VMEM_ARENA_DEBUG). */
#define VMEM_OWNER_DEPTH	16
/* Leaked allocations vmem_destroy() names with their stacks, at most. */
#define VMEM_LEAKS_SHOWN	8

/**
 * struct vmem_seg - A boundary tag: one span or segment of an arena.
 * @start: First resource.
 * @size: Number of resources (a multiple of the quantum).  Never 0: the
 *        last resource is start + size - 1, which cannot overflow.
 * @seglist: Every span marker and segment of the arena, in address order;
 *           each span marker precedes the segments that tile its span.  A
 *           tag on the arena's reserve is linked here instead.
 * @freelist: %VMEM_SEG_FREE: the power-of-two freelist of its size.
 * @hash: %VMEM_SEG_ALLOC: the allocation hash chain.
 * @spanlist: %VMEM_SEG_SPAN: the arena's list of spans, in address order.
 * @rb: %VMEM_SEG_INDEX: node in the arena's tree of spans, by start.
 * @span: %VMEM_SEG_INDEX: the span marker it stands for.
 * @type: %VMEM_SEG_ALLOC, %VMEM_SEG_FREE, %VMEM_SEG_SPAN or %VMEM_SEG_INDEX.
 * @imported: %VMEM_SEG_SPAN: the span came from the arena's source.
 * @slab: %VMEM_SEG_ALLOC: a slab of the quantum caches, whose objects the
 *        caches hand out (vmem_slab_alloc()).
 *
 * A span takes a second tag, its index entry, which sits in the tree of
 * spans rather than on the segment list, so that segments keep their size:
 * an rb_node does not fit beside the lists.
 */
struct vmem_seg {
	unsigned long start;
	unsigned long size;
	union {
		struct {
			struct list_head seglist;
			union {
				struct list_head freelist;
				struct hlist_node hash;
				struct list_head spanlist;
			};
		};
		struct {
			struct rb_node rb;
			struct vmem_seg *span;
		};
	};
	u8 type;
	u8 imported;
	u8 slab;
};

/**
 * struct vmem_seg_owned - The boundary tag of a %VMEM_ARENA_DEBUG arena.
 * @seg: The tag.
 * @owner: %VMEM_SEG_ALLOC: the stack that allocated the segment, in the
 *         stack depot (0: none could be recorded).
 *
 * Only debugged arenas take their tags from this larger cache, so that
 * every other arena keeps tags of sizeof(struct vmem_seg).  An arena's tags
 * never move to another arena.
 */
struct vmem_seg_owned {
	struct vmem_seg seg;
	depot_stack_handle_t owner;
};

/**
 * struct vmem_stats - Per-arena event counters, under the arena lock.
 * @alloc: Successful allocations.
 * @free: Frees.
 * @wait: Times a %VMEM_SLEEP allocation went to sleep for space.
 * @fail: Failed allocations.
 * @lookup: Hash chain steps past the first on free.
 * @search: Free segments examined by searches that did not take a list head.
 * @populate_fail: Failures to get boundary tags from the slab allocator.
 * @contains: vmem_contains() calls.
 * @contains_search: Spans examined by vmem_contains().
 * @import: Spans imported from the source.
 * @release: Imported spans returned to the source.
 * @bad_free: Frees of unallocated resources or with the wrong size.
 * @fail_injected: Allocations failed on purpose (struct vmem_fail).
 */
struct vmem_stats {
	u64 alloc;
	u64 free;
	u64 wait;
	u64 fail;
	u64 lookup;
	u64 search;
	u64 populate_fail;
	u64 contains;
	u64 contains_search;
	u64 import;
	u64 release;
	u64 bad_free;
	u64 fail_injected;
};

/**
 * struct vmem_fail - Fault injection into an arena's allocations, in the
 *                    style of the kernel's fault_attr (debugfs
 *                    <arena>/fail/); under the arena lock.
 * @probability: Percent of eligible calls that fail; 0 turns injection off
 *               (read without the lock by every allocation).
 * @interval: Only every @interval-th call is eligible (0 and 1: every one).
 * @times: Failures left to inject; -1 (any negative value): no limit.
 * @space: Bytes that pass before any call is eligible: a call smaller than
 *         what is left takes its size off and passes.
 * @verbose: 0: quiet; 1: one log line per injected failure; 2: and the
 *           stack.
 * @count: Calls seen while @probability was set, for @interval.
 * @ratelimit: Of the log lines and stacks, per arena.
 */
struct vmem_fail {
	unsigned long probability;
	unsigned long interval;
	long times;
	long space;
	unsigned long verbose;
	unsigned long count;
	struct ratelimit_state ratelimit;
};

/**
 * struct vmem_round - An object in a magazine.
 * @slab: Its slab, which cannot go while the object is in a magazine.
 * @obj: Its index in the slab: it starts at base + obj * size.
 */
struct vmem_round {
	struct vmem_slab *slab;
	unsigned long obj;
};

/**
 * struct vmem_mag - A magazine: resources of one quantum cache.
 * @next: Link on a depot list.
 * @rounds: Resources held, in @round[0 .. @rounds - 1].
 * @size: Capacity.
 * @round: The resources.
 */
struct vmem_mag {
	struct vmem_mag *next;
	unsigned int rounds;
	unsigned int size;
	struct vmem_round round[];
};

/**
 * struct vmem_slab - A naturally aligned chunk of the arena, cut into the
 *                    objects of one quantum cache.
 * @base: First resource.
 * @navail: Objects in @avail.  A slab whose objects are all available is
 *          given back to the arena at once: it never stays in the cache.
 * @link: On the cache's partial list while @navail is not 0.
 * @rcu: Freed after a grace period: frees look slabs up without locks.
 * @avail: Objects in the slab's pool, neither held nor in a magazine
 *         (under the cache's lock).
 * @held: Per object, 1 while a client holds it: set by the allocating CPU
 *        with a store (the object came from a magazine, so no one else
 *        writes it then), cleared by the freeing CPU with xchg(), so that
 *        of two frees of one object only one sees it held.
 *
 * In a %VMEM_ARENA_DEBUG arena, the stack that allocated each object while
 * it is held follows @held (vmem_slab_owners()); it is not allocated
 * otherwise.
 */
struct vmem_slab {
	unsigned long base;
	unsigned int navail;
	struct list_head link;
	struct rcu_head rcu;
	DECLARE_BITMAP(avail, VMEM_SLAB_OBJS_MAX);
	u8 held[];
};

/* A slot of a slab table whose slab was removed. */
#define VMEM_SLAB_TOMB		((struct vmem_slab *)1UL)

/**
 * struct vmem_slabtab - The slabs of a quantum cache, by base.
 * @rcu: Freed after a grace period: frees look slabs up without locks.
 * @nslots: Slots: the table is a power of two bytes, header included.
 * @used: Slots not %NULL: slabs and tombstones (%VMEM_SLAB_TOMB).
 * @slot: Open addressing with linear probing from
 *        reciprocal_scale(hash_long(base >> slab_shift, 32), @nslots).
 *
 * Written under the cache's lock, read under RCU or that lock; see
 * "Finding slabs" in vmem_qcache.c.
 */
struct vmem_slabtab {
	struct rcu_head rcu;
	unsigned long nslots;
	unsigned long used;
	struct vmem_slab __rcu *slot[];
};

/* Bytes of a slab table of @nslots slots, header included. */
static inline unsigned long vmem_slabtab_size(unsigned long nslots)
{
	return offsetof(struct vmem_slabtab, slot) +
	       nslots * sizeof(struct vmem_slab *);
}

/*
 * The first slab of @t (which may be %NULL) from slot *@i on, or %NULL;
 * *@i is then the slot after it.  Every slab of a table, under RCU or the
 * cache's lock:
 *
 *	i = 0;
 *	while ((slab = vmem_slabtab_next(t, &i)))
 *		...
 */
static inline struct vmem_slab *vmem_slabtab_next(struct vmem_slabtab *t,
						  unsigned long *i)
{
	struct vmem_slab *slab;

	while (t && *i < t->nslots) {
		slab = rcu_dereference_raw(t->slot[(*i)++]);
		if (slab && slab != VMEM_SLAB_TOMB)
			return slab;
	}
	return NULL;
}

/**
 * struct vmem_qcache_cpu - One CPU's magazines of a quantum cache.
 * @lock: Protects @loaded and @prev: taken by their CPU, and by any CPU
 *        that purges (nested outside the depot lock).
 * @loaded: Allocations pop from it, frees push onto it.
 * @prev: The previous loaded magazine.
 * @miss: Allocations that found nothing there.
 * @alloc: Objects handed to clients (each one a hit of the magazines or
 *         the depot).
 * @free: Objects freed by clients.
 *
 * The counters are written under @lock and read by any CPU without it:
 * each fits a word, so that no reader sees one torn, and wraps.
 */
struct vmem_qcache_cpu {
	spinlock_t lock;		/* protects @loaded and @prev */
	struct vmem_mag *loaded;
	struct vmem_mag *prev;
	unsigned long miss;
	unsigned long alloc;
	unsigned long free;
};

/**
 * struct vmem_qcache - A quantum cache: one size, per-CPU magazines, a depot
 *                      and slabs.
 * @vm: The arena.
 * @size: Object size, a multiple of the quantum.
 * @nobj: Objects in a slab (at most %VMEM_SLAB_OBJS_MAX).
 * @lock: Protects the depot, the partial list and the slabs' @avail.
 * @full: Depot: full (or partly full) magazines.
 * @empty: Depot: empty magazines.
 * @nfull: Magazines on @full.
 * @nempty: Magazines on @empty.
 * @magsize: Size of new magazines; doubles when @lock is contended.
 * @contended: Contended acquisitions of @lock since the last doubling.
 * @partial: Slabs with objects in their pool.
 * @nslabs: Slabs taken from the arena.
 * @slab_bytes: Bytes of the arena held as slabs.
 * @slabtab: The slabs by base; %NULL until the first one.
 * @slabtab_resizing: A CPU makes a new @slabtab, larger, smaller or the
 *                    same without tombstones; one at a time (under @lock).
 * @slabtab_logging: It copies @slabtab without the lock: slabs filed and
 *                   removed meanwhile are logged (under @lock).
 * @slabtab_nlog: Changes logged, in @slabtab_log up to its size.
 * @slabtab_log: The changes: a slab, the low bit set for one removed.
 * @obj_of: Per quantum of a slab, the object that starts there, or
 *          %VMEM_NO_OBJ: a free finds its object without a division.
 * @cpu: Per-CPU magazines.
 */
struct vmem_qcache {
	struct vmem *vm;
	unsigned long size;
	unsigned int nobj;
	spinlock_t lock;		/* depot, partial list, slab pools */
	struct vmem_mag *full;
	struct vmem_mag *empty;
	unsigned int nfull;
	unsigned int nempty;
	unsigned int magsize;
	unsigned int contended;
	struct list_head partial;
	unsigned long nslabs;
	unsigned long slab_bytes;
	struct vmem_slabtab __rcu *slabtab;
	bool slabtab_resizing;
	bool slabtab_logging;
	unsigned int slabtab_nlog;
	unsigned long slabtab_log[VMEM_SLABTAB_LOG];
	u8 obj_of[VMEM_SLAB_OBJS_MAX];
	struct vmem_qcache_cpu __percpu *cpu;
};

/* The owners of the objects of @slab: debugged arenas only. */
static inline depot_stack_handle_t *
vmem_slab_owners(const struct vmem_qcache *qc, struct vmem_slab *slab)
{
	return (depot_stack_handle_t *)
	       (slab->held + ALIGN(qc->nobj, sizeof(depot_stack_handle_t)));
}

/* The slab table of @qc, under RCU or @qc->lock. */
static inline struct vmem_slabtab *vmem_slabtab_of(struct vmem_qcache *qc)
{
	return rcu_dereference_check(qc->slabtab, lockdep_is_held(&qc->lock));
}

/**
 * struct vmem_qcache_stats - Counters of a quantum cache, for debugfs.
 * @hit: Allocations served from magazines (all of @alloc).
 * @miss: Allocations that found no magazine.
 * @alloc: Objects handed to clients.
 * @free: Objects freed by clients.
 * @full: Full magazines in the depot.
 * @empty: Empty magazines in the depot.
 * @magsize: Size of new magazines.
 * @slabs: Slabs taken from the arena.
 */
struct vmem_qcache_stats {
	u64 hit;
	u64 miss;
	u64 alloc;
	u64 free;
	unsigned long full;
	unsigned long empty;
	unsigned long magsize;
	unsigned long slabs;
};

/**
 * struct vmem - An arena.
 * @name: Copied from vmem_create(), truncated to %VMEM_NAME_MAX - 1 bytes.
 * @lock: Protects everything below that is not constant.
 * @lock_key: Lockdep class of @lock: one per arena, so that lockdep checks
 *            the order between arenas rather than flagging all nesting.
 * @quantum: Unit of allocation, a power of two.
 * @qshift: log2(@quantum).
 * @qcache_max: Largest size served from quantum caches (0: none).
 * @qcache: The quantum caches, for sizes quantum, 2 * quantum, ...
 * @nqcache: Number of quantum caches.
 * @slab_size: Size of the slabs of the quantum caches, a power of two.
 * @slab_shift: log2(@slab_size).
 * @ximport: Imports a span, or NULL: @source's vmem_xalloc() through
 *            vmem_source_import(), vmem_create()'s @import_fn through
 *            vmem_create_import(), or vmem_xcreate()'s own function.
 * @xrelease: Gives an imported span back.
 * @import_arg: Passed to @ximport and @xrelease.
 * @import_fn: vmem_create()'s import function, if adapted.
 * @release_fn: vmem_create()'s release function, if adapted.
 * @import_quantum: Imports are rounded up to a multiple of this (0: none).
 * @source: The arena imported from, if any: passed to @import_fn and
 *          @release_fn, and purged by this arena's sleepers.
 * @vmem_source: Imports use @source's vmem_xalloc() and vmem_xfree().
 * @cflags: vmflag given to vmem_create().
 * @aflags: &vmem_args.flags; %VMEM_ARENA_DEBUG also when vmem.debug=1
 *          (vmem_debug_all) was set at creation.
 * @segs: Span markers and segments in address order (struct vmem_seg).
 * @spans: Span markers in address order.
 * @freelist: Free segments; list n holds sizes in [2^n, 2^(n+1)).
 * @freemap: Bit n set iff @freelist[n] is not empty.
 * @hash_table: Allocated segments hashed by start address.
 * @hash_bits: log2 of the number of buckets in @hash_table.
 * @hash0: The initial, embedded hash table.
 * @hash_work: Deferred resize of @hash_table.
 * @nbusy: Allocated segments (entries in @hash_table).
 * @nfree: Free segments.
 * @kept: An imported span that could not serve the request it was imported
 *        for, kept as space; while it is unused, another such span goes
 *        back at once.
 * @reserve: Boundary tags ready for use under @lock (linked by seglist).
 * @nreserve: Tags on @reserve.
 * @rotor: %VMEM_NEXTFIT: the segment where the next search starts.
 * @rotor_off: Offset in @rotor where it starts, from 0 to @rotor->size.
 * @rotor_addr: Without @rotor, where the next search starts (its segment
 *              went away with its span).
 * @wq: %VMEM_SLEEP allocations waiting for space.
 * @free_gen: Bumped whenever space is freed or added; the wait condition.
 * @nwaiters: Sleepers on @wq.
 * @cached_frees: Frees to the quantum caches that found sleepers waiting.
 * @purged_frees: @cached_frees when the last purge for sleepers started: a
 *                sleeper purges again only if more came since.
 * @purge_gen: Purges for sleepers started.
 * @purge_time: When the last of them started, in jiffies: a sleeper purges
 *              again at most once a jiffy, since each purge takes every
 *              CPU's magazine lock and empties every magazine.
 * @purge_mutex: Serializes purges for sleepers.
 * @nimporters: Arenas that import from this one (destroy refuses while > 0).
 * @importers: Those arenas, linked by @importer_link (vmem_importers_mutex):
 *             a sleeper's purge takes back what their caches hold too.
 * @importer_link: On the source's @importers.
 * @mem_inuse: Bytes allocated.
 * @mem_total: Bytes in all spans.
 * @mem_import: Bytes in imported spans.
 * @stats: Event counters.
 * @fail: Fault injection settings.
 * @id: Unique arena number.
 * @node: Link on the module's list of arenas (vmem_debugfs.c).
 * @debugfs: The arena's debugfs directory, if any.
 */
struct vmem {
	char name[VMEM_NAME_MAX];
	spinlock_t lock;		/* protects the arena */
	struct lock_class_key lock_key;
	unsigned long quantum;
	unsigned int qshift;
	unsigned long qcache_max;
	struct vmem_qcache *qcache[VMEM_QCACHE_MAX];
	unsigned int nqcache;
	unsigned long slab_size;
	unsigned int slab_shift;
	vmem_ximport_t *ximport;
	vmem_xrelease_t *xrelease;
	void *import_arg;
	vmem_import_t *import_fn;
	vmem_release_t *release_fn;
	unsigned long import_quantum;
	struct vmem *source;
	bool vmem_source;
	unsigned int cflags;
	unsigned int aflags;

	struct list_head segs;
	struct list_head spans;
	struct rb_root span_tree;
	unsigned long nspans;
	struct list_head freelist[VMEM_FREELISTS];
	unsigned long freemap;

	struct hlist_head *hash_table;
	unsigned int hash_bits;
	struct hlist_head hash0[VMEM_HASH_INITIAL];
	struct work_struct hash_work;
	unsigned long nbusy;
	unsigned long nfree;

	struct vmem_seg *kept;
	struct list_head reserve;
	unsigned int nreserve;

	struct vmem_seg *rotor;
	unsigned long rotor_off;
	unsigned long rotor_addr;

	wait_queue_head_t wq;
	unsigned long free_gen;
	unsigned int nwaiters;
	unsigned long cached_frees;
	unsigned long purged_frees;
	unsigned long purge_gen;
	unsigned long purge_time;
	struct mutex purge_mutex;	/* serializes purges for sleepers */

	unsigned int nimporters;
	struct list_head importers;
	struct list_head importer_link;

	unsigned long mem_inuse;
	unsigned long mem_total;
	unsigned long mem_import;
	struct vmem_stats stats;
	struct vmem_fail fail;

	unsigned int id;
	struct list_head node;
	struct dentry *debugfs;
};

/* Set by the module parameter vmem.debug: every new arena is debugged. */
extern bool vmem_debug_all;

static inline bool vmem_debugged(const struct vmem *vm)
{
	return vm->aflags & VMEM_ARENA_DEBUG;
}

/* The owner recorded in a debugged arena's allocated segment. */
static inline depot_stack_handle_t *vmem_seg_owner(struct vmem_seg *seg)
{
	return &container_of(seg, struct vmem_seg_owned, seg)->owner;
}

/* vmem_core.c */
int vmem_core_init(void);
void vmem_core_exit(unsigned int abandoned);
void vmem_arena_abandon(struct vmem *vm);
#ifdef CONFIG_VMEM_DEBUG
const char *vmem_check(struct vmem *vm);
#endif
void vmem_arena_free(struct vmem *vm, unsigned long addr, unsigned long size);
void vmem_bad_free(struct vmem *vm, unsigned long addr, unsigned long size,
		   unsigned long allocated);
int vmem_slab_alloc(struct vmem *vm, unsigned long *addrp);
unsigned int vmem_freelist_index(unsigned long size);
void vmem_cached_free_wake(struct vmem *vm);
#ifdef CONFIG_VMEM_DEBUG
long vmem_tags_live(void);
#endif

/* vmem_qcache.c */
int vmem_qcache_init(struct vmem *vm, gfp_t gfp);
void vmem_qcache_destroy(struct vmem *vm, unsigned long *nleaked,
			 unsigned long *leaked);
int vmem_qcache_alloc(struct vmem *vm, unsigned long size,
		      unsigned int vmflag, depot_stack_handle_t owner,
		      unsigned long *addrp);
bool vmem_qcache_free(struct vmem *vm, unsigned long addr, unsigned long size);
void vmem_depot_contended(struct vmem_qcache *qc);
unsigned long vmem_qcache_reap(struct vmem *vm);
void vmem_qcache_purge(struct vmem *vm);
void vmem_qcache_cpu_dead(struct vmem *vm, unsigned int cpu);
void vmem_qcache_stats(struct vmem_qcache *qc, struct vmem_qcache_stats *st);
unsigned long vmem_qcache_cached(struct vmem *vm);

/* vmem_owner.c: who allocated what, in %VMEM_ARENA_DEBUG arenas. */
typedef void (vmem_owner_fn)(void *arg, unsigned long addr,
			     unsigned long size, depot_stack_handle_t owner);
int vmem_owner_init(void);
depot_stack_handle_t vmem_owner_save(unsigned int vmflag);
unsigned int vmem_owner_stack(depot_stack_handle_t owner,
			      unsigned long **entries);
unsigned long vmem_owners_walk(struct vmem *vm, vmem_owner_fn *fn, void *arg);
void vmem_leak_report(struct vmem *vm,
		      void (*out)(void *arg, const char *line), void *arg);

/*
 * Provided by the environment of the core: the module's debugfs glue
 * (vmem_debugfs.c), or a userspace harness.  Called in process context,
 * without the arena lock, after an arena is set up and before it is torn
 * down.
 */
void vmem_arena_register(struct vmem *vm);
void vmem_arena_unregister(struct vmem *vm);

/*
 * vmem_debugfs.c: the contents of the debugfs files, one function a file,
 * so that tests can read them without a mounted debugfs.
 */
/* vmem_main.c: the shrinker's callbacks, for the tests. */
struct shrinker;
struct shrink_control;
unsigned long vmem_shrink_count(struct shrinker *shrinker,
				struct shrink_control *sc);
unsigned long vmem_shrink_scan(struct shrinker *shrinker,
			       struct shrink_control *sc);

struct seq_file;
void vmem_debugfs_init(void);
void vmem_debugfs_exit(void);
bool vmem_arenas_apply(void (*fn)(struct vmem *vm, void *arg),
		       void *arg, bool trylock);
void vmem_show_arenas(struct seq_file *m);
void vmem_show_stats(struct seq_file *m, struct vmem *vm);
void vmem_show_segments(struct seq_file *m, struct vmem *vm);
void vmem_show_freelists(struct seq_file *m, struct vmem *vm);
int vmem_show_owners(struct seq_file *m, struct vmem *vm);

#endif /* _VMEM_INTERNAL_H */
