// SPDX-License-Identifier: GPL-2.0
/*
 * vmem debugfs interface, under /sys/kernel/debug/vmem/, root only:
 *
 *   arenas                one line per arena: name source quantum inuse
 *                         total import allocs frees fails
 *   <arena>/stats         "key value" lines: sizes, event counters and the
 *                         quantum caches (qcache.<size>.<counter>)
 *   <arena>/segments      every span and segment: type start end size,
 *                         and for an allocated one in a debugged arena
 *                         its owner: "slab" for a slab of the quantum
 *                         caches, else the caller and the stack handle
 *   <arena>/freelists     per power-of-two freelist: order count bytes
 *   <arena>/owners        a debugged arena's live allocations grouped by
 *                         allocating stack, the most bytes first
 *   <arena>/fail/         fault injection, as the kernel's fault_attr:
 *                         probability interval times space verbose
 *
 * Also the module's list of arenas, which the core reports to through
 * vmem_arena_register() and vmem_arena_unregister().
 */

#define pr_fmt(fmt) "vmem: " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "vmem_internal.h"

#define VMEM_DEBUGFS_MODE	0400

static LIST_HEAD(vmem_arenas);
static DEFINE_MUTEX(vmem_arenas_lock);	/* vmem_arenas and directory names */
static struct dentry *vmem_debugfs_root;

/* The directory name: the arena name, made unique with the arena id. */
static const char *vmem_dirname(struct vmem *vm)
{
	return vm->debugfs ? (const char *)vm->debugfs->d_name.name : vm->name;
}

static const char *vmem_type_name(const struct vmem_seg *seg)
{
	switch (seg->type) {
	case VMEM_SEG_SPAN:
		return seg->imported ? "import" : "span";
	case VMEM_SEG_ALLOC:
		return "alloc";
	default:
		return "free";
	}
}

/**
 * vmem_show_arenas() - Contents of the arenas file.
 * @m: Where to print.
 *
 * Context: Process context.  Takes the arena list mutex and each arena lock.
 */
void vmem_show_arenas(struct seq_file *m)
{
	struct vmem *vm;
	unsigned long flags;

	seq_puts(m, "# name source quantum inuse total import allocs frees fails\n");
	mutex_lock(&vmem_arenas_lock);
	list_for_each_entry(vm, &vmem_arenas, node) {
		spin_lock_irqsave(&vm->lock, flags);
		seq_printf(m, "%s %s %lu %lu %lu %lu %llu %llu %llu\n",
			   vmem_dirname(vm),
			   vm->source ? vmem_dirname(vm->source) : "-",
			   vm->quantum, vm->mem_inuse, vm->mem_total,
			   vm->mem_import, vm->stats.alloc, vm->stats.free,
			   vm->stats.fail);
		spin_unlock_irqrestore(&vm->lock, flags);
	}
	mutex_unlock(&vmem_arenas_lock);
}

/**
 * vmem_show_stats() - Contents of an arena's stats file.
 * @m: Where to print.
 * @vm: The arena.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes the arena lock.
 */
void vmem_show_stats(struct seq_file *m, struct vmem *vm)
{
	const struct vmem_stats *st = &vm->stats;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&vm->lock, flags);
	seq_printf(m, "name %s\n", vm->name);
	seq_printf(m, "quantum %lu\n", vm->quantum);
	seq_printf(m, "qcache_max %lu\n", vm->qcache_max);
	seq_printf(m, "import_quantum %lu\n", vm->import_quantum);
	seq_printf(m, "mem_inuse %lu\n", vm->mem_inuse);
	seq_printf(m, "mem_import %lu\n", vm->mem_import);
	seq_printf(m, "mem_total %lu\n", vm->mem_total);
	seq_printf(m, "alloc %llu\n", st->alloc);
	seq_printf(m, "free %llu\n", st->free);
	seq_printf(m, "wait %llu\n", st->wait);
	seq_printf(m, "fail %llu\n", st->fail);
	seq_printf(m, "lookup %llu\n", st->lookup);
	seq_printf(m, "search %llu\n", st->search);
	seq_printf(m, "populate_fail %llu\n", st->populate_fail);
	seq_printf(m, "contains %llu\n", st->contains);
	seq_printf(m, "contains_search %llu\n", st->contains_search);
	seq_printf(m, "import %llu\n", st->import);
	seq_printf(m, "release %llu\n", st->release);
	seq_printf(m, "bad_free %llu\n", st->bad_free);
	seq_printf(m, "fail_injected %llu\n", st->fail_injected);
	seq_printf(m, "spans %lu\n", vm->nspans);
	seq_printf(m, "segs_alloc %lu\n", vm->nbusy);
	seq_printf(m, "segs_free %lu\n", vm->nfree);
	seq_printf(m, "hash_buckets %lu\n", 1UL << vm->hash_bits);
	seq_printf(m, "tag_reserve %u\n", vm->nreserve);
	seq_printf(m, "debug %d\n", vmem_debugged(vm));
	spin_unlock_irqrestore(&vm->lock, flags);

	seq_printf(m, "qcache_count %u\n", vm->nqcache);
	seq_printf(m, "qcache_slab_size %lu\n", vm->slab_size);
	for (i = 0; i < vm->nqcache; i++) {
		struct vmem_qcache_stats qs;
		unsigned long size = vm->qcache[i]->size;

		vmem_qcache_stats(vm->qcache[i], &qs);
		seq_printf(m, "qcache.%lu.hits %llu\n", size, qs.hit);
		seq_printf(m, "qcache.%lu.misses %llu\n", size, qs.miss);
		seq_printf(m, "qcache.%lu.allocs %llu\n", size, qs.alloc);
		seq_printf(m, "qcache.%lu.frees %llu\n", size, qs.free);
		seq_printf(m, "qcache.%lu.depot_full %lu\n", size, qs.full);
		seq_printf(m, "qcache.%lu.depot_empty %lu\n", size, qs.empty);
		seq_printf(m, "qcache.%lu.magazine_size %lu\n", size,
			   qs.magsize);
		seq_printf(m, "qcache.%lu.slabs %lu\n", size, qs.slabs);
	}
}

/*
 * A debugged arena's allocated segment: "slab", or the function that called
 * vmem (the second frame: the first is the vmem entry point) and the stack
 * handle, which the owners file lists with the whole stack.
 */
static void vmem_show_owner(struct seq_file *m, struct vmem_seg *seg)
{
	depot_stack_handle_t owner = *vmem_seg_owner(seg);
	unsigned long *entries;
	unsigned int nr;

	if (seg->slab) {
		seq_puts(m, " slab");
		return;
	}
	nr = owner ? vmem_owner_stack(owner, &entries) : 0;
	if (nr > 1)
		seq_printf(m, " %pS stack 0x%x", (void *)entries[1], owner);
	else
		seq_printf(m, " - stack 0x%x", owner);
}

/**
 * vmem_show_segments() - Contents of an arena's segments file.
 * @m: Where to print.
 * @vm: The arena.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes the arena lock.
 */
void vmem_show_segments(struct seq_file *m, struct vmem *vm)
{
	struct vmem_seg *seg;
	unsigned long flags;

	spin_lock_irqsave(&vm->lock, flags);
	list_for_each_entry(seg, &vm->segs, seglist) {
		seq_printf(m, "%s %#lx %#lx %lu", vmem_type_name(seg),
			   seg->start, seg->start + seg->size - 1, seg->size);
		if (seg->type == VMEM_SEG_ALLOC && vmem_debugged(vm))
			vmem_show_owner(m, seg);
		seq_putc(m, '\n');
	}
	spin_unlock_irqrestore(&vm->lock, flags);
}

/**
 * vmem_show_freelists() - Contents of an arena's freelists file.
 * @m: Where to print.
 * @vm: The arena.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes the arena lock.
 */
void vmem_show_freelists(struct seq_file *m, struct vmem *vm)
{
	unsigned long flags, count, bytes;
	struct vmem_seg *seg;
	unsigned int i;

	seq_puts(m, "# order count bytes\n");
	spin_lock_irqsave(&vm->lock, flags);
	for (i = 0; i < VMEM_FREELISTS; i++) {
		count = 0;
		bytes = 0;
		list_for_each_entry(seg, &vm->freelist[i], freelist) {
			count++;
			bytes += seg->size;
		}
		seq_printf(m, "%u %lu %lu\n", i, count, bytes);
	}
	spin_unlock_irqrestore(&vm->lock, flags);
}

/* Distinct stacks the owners file groups by, at most: the rest are one. */
#define VMEM_OWNERS_MAX_BITS	10
#define VMEM_OWNERS_MAX		BIT(VMEM_OWNERS_MAX_BITS)

struct vmem_owner_sum {
	depot_stack_handle_t owner;
	unsigned long count;
	unsigned long bytes;
};

/*
 * An open-addressed table of VMEM_OWNERS_MAX / 2 stacks at most (kept half
 * empty, so that a lookup under the arena lock takes a few probes) and one
 * entry for the rest.
 */
struct vmem_owner_table {
	struct vmem_owner_sum *sum;
	unsigned int used;
	struct vmem_owner_sum other;
	unsigned long count;
	unsigned long bytes;
};

static void vmem_owner_add(void *arg, unsigned long addr, unsigned long size,
			   depot_stack_handle_t owner)
{
	struct vmem_owner_table *t = arg;
	struct vmem_owner_sum *s = &t->other;
	unsigned int i = hash_32(owner, VMEM_OWNERS_MAX_BITS), probes;

	t->count++;
	t->bytes += size;
	for (probes = 0; probes < VMEM_OWNERS_MAX; probes++) {
		struct vmem_owner_sum *e = &t->sum[i];

		if (e->count && e->owner == owner) {
			s = e;
			break;
		}
		if (!e->count) {
			if (t->used == VMEM_OWNERS_MAX / 2)
				break;	/* half stays empty, for lookups */
			t->used++;
			e->owner = owner;
			s = e;
			break;
		}
		i = (i + 1) & (VMEM_OWNERS_MAX - 1);
	}
	s->count++;
	s->bytes += size;
}

static int vmem_owner_cmp(const void *a, const void *b)
{
	const struct vmem_owner_sum *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return 0;
}

/**
 * vmem_show_owners() - Contents of an arena's owners file.
 * @m: Where to print.
 * @vm: The arena.
 *
 * A debugged arena's live allocations (held objects of the quantum caches
 * and allocated segments that are not their slabs) grouped by the stack
 * that allocated them: per stack a line "count bytes stack handle" and the
 * frames, the most bytes first.  Up to %VMEM_OWNERS_MAX / 2 stacks are
 * listed; allocations of any others are counted on one line.
 *
 * Context: Process context; may sleep.  Takes the arena lock for a walk
 * over its allocated segments (vmem_owners_walk()).
 * Return: 0, or -ENOMEM.
 */
int vmem_show_owners(struct seq_file *m, struct vmem *vm)
{
	struct vmem_owner_table t = { };
	unsigned long *entries;
	unsigned int i, n, nr;

	if (!vmem_debugged(vm)) {
		seq_puts(m, "# not recorded: create the arena with VMEM_ARENA_DEBUG, or load vmem with debug=1\n");
		return 0;
	}
	t.sum = kvcalloc(VMEM_OWNERS_MAX, sizeof(*t.sum), GFP_KERNEL);
	if (!t.sum)
		return -ENOMEM;
	vmem_owners_walk(vm, vmem_owner_add, &t);
	/* Pack the used slots to the front, then largest first. */
	for (i = 0, n = 0; i < VMEM_OWNERS_MAX; i++)
		if (t.sum[i].count)
			t.sum[n++] = t.sum[i];
	sort(t.sum, n, sizeof(*t.sum), vmem_owner_cmp, NULL);

	seq_printf(m, "# %lu allocations, %lu bytes, %u stacks\n", t.count,
		   t.bytes, n);
	seq_puts(m, "# count bytes stack, then its frames\n");
	for (i = 0; i < n; i++) {
		struct vmem_owner_sum *s = &t.sum[i];

		seq_printf(m, "%lu %lu stack 0x%x\n", s->count, s->bytes,
			   s->owner);
		nr = s->owner ? vmem_owner_stack(s->owner, &entries) : 0;
		if (!nr)
			seq_puts(m, "    (no stack recorded)\n");
		while (nr--)
			seq_printf(m, "    %pS\n", (void *)*entries++);
	}
	if (t.other.count)
		seq_printf(m, "%lu %lu other stacks\n", t.other.count,
			   t.other.bytes);
	kvfree(t.sum);
	return 0;
}

static int arenas_show(struct seq_file *m, void *v)
{
	vmem_show_arenas(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arenas);

static int stats_show(struct seq_file *m, void *v)
{
	vmem_show_stats(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int segments_show(struct seq_file *m, void *v)
{
	vmem_show_segments(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(segments);

static int freelists_show(struct seq_file *m, void *v)
{
	vmem_show_freelists(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(freelists);

static int owners_show(struct seq_file *m, void *v)
{
	return vmem_show_owners(m, m->private);
}
DEFINE_SHOW_ATTRIBUTE(owners);

/* Is there an entry of this name in the vmem directory? */
static bool vmem_debugfs_taken(const char *name)
{
	struct dentry *d = debugfs_lookup(name, vmem_debugfs_root);

	if (IS_ERR_OR_NULL(d))
		return false;
	dput(d);
	return true;
}

/*
 * <arena>/fail/: one attribute a setting of struct vmem_fail, read and
 * written under the arena lock, since allocations update them under it.
 * A value that does not fit the setting is refused (-EINVAL); writing the
 * interval starts its count again.
 */
/* @sign: the setting is signed, else unsigned (not sign-extended). */
static u64 vmem_fail_get(struct vmem *vm, const long *field, bool sign)
{
	unsigned long flags;
	long val;

	spin_lock_irqsave(&vm->lock, flags);
	val = *field;
	spin_unlock_irqrestore(&vm->lock, flags);
	return sign ? (u64)(s64)val : (u64)(unsigned long)val;
}

/* @sign: the setting is signed (val holds an s64), else unsigned. */
static int vmem_fail_set(struct vmem *vm, long *field, u64 val, bool sign)
{
	unsigned long flags;

	if (sign ? (s64)val < LONG_MIN || (s64)val > LONG_MAX :
		   val > ULONG_MAX)
		return -EINVAL;
	spin_lock_irqsave(&vm->lock, flags);
	WRITE_ONCE(*field, (long)val);	/* read without the lock too */
	if (field == (long *)&vm->fail.interval)
		vm->fail.count = 0;
	spin_unlock_irqrestore(&vm->lock, flags);
	return 0;
}

static int vmem_fail_probability_get(void *data, u64 *val)
{
	struct vmem *vm = data;

	*val = vmem_fail_get(vm, (long *)&vm->fail.probability, false);
	return 0;
}

static int vmem_fail_probability_set(void *data, u64 val)
{
	struct vmem *vm = data;

	if (val > 100)			/* a percentage */
		return -EINVAL;
	return vmem_fail_set(vm, (long *)&vm->fail.probability, val, false);
}

static int vmem_fail_interval_get(void *data, u64 *val)
{
	struct vmem *vm = data;

	*val = vmem_fail_get(vm, (long *)&vm->fail.interval, false);
	return 0;
}

static int vmem_fail_interval_set(void *data, u64 val)
{
	struct vmem *vm = data;

	return vmem_fail_set(vm, (long *)&vm->fail.interval, val, false);
}

static int vmem_fail_times_get(void *data, u64 *val)
{
	struct vmem *vm = data;

	*val = vmem_fail_get(vm, &vm->fail.times, true);
	return 0;
}

static int vmem_fail_times_set(void *data, u64 val)
{
	struct vmem *vm = data;

	return vmem_fail_set(vm, &vm->fail.times, val, true);
}

static int vmem_fail_space_get(void *data, u64 *val)
{
	struct vmem *vm = data;

	*val = vmem_fail_get(vm, &vm->fail.space, true);
	return 0;
}

static int vmem_fail_space_set(void *data, u64 val)
{
	struct vmem *vm = data;

	return vmem_fail_set(vm, &vm->fail.space, val, true);
}

static int vmem_fail_verbose_get(void *data, u64 *val)
{
	struct vmem *vm = data;

	*val = vmem_fail_get(vm, (long *)&vm->fail.verbose, false);
	return 0;
}

static int vmem_fail_verbose_set(void *data, u64 val)
{
	struct vmem *vm = data;

	return vmem_fail_set(vm, (long *)&vm->fail.verbose, val, false);
}

DEFINE_DEBUGFS_ATTRIBUTE(vmem_fail_probability_fops, vmem_fail_probability_get,
			 vmem_fail_probability_set, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(vmem_fail_interval_fops, vmem_fail_interval_get,
			 vmem_fail_interval_set, "%llu\n");
/* -1: no limit */
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(vmem_fail_times_fops, vmem_fail_times_get,
				vmem_fail_times_set, "%lld\n");
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(vmem_fail_space_fops, vmem_fail_space_get,
				vmem_fail_space_set, "%lld\n");
DEFINE_DEBUGFS_ATTRIBUTE(vmem_fail_verbose_fops, vmem_fail_verbose_get,
			 vmem_fail_verbose_set, "%llu\n");

static void vmem_debugfs_add_fail(struct vmem *vm, struct dentry *dir)
{
	dir = debugfs_create_dir("fail", dir);
	if (IS_ERR(dir))
		return;
	debugfs_create_file_unsafe("probability", 0600, dir, vm,
				   &vmem_fail_probability_fops);
	debugfs_create_file_unsafe("interval", 0600, dir, vm,
				   &vmem_fail_interval_fops);
	debugfs_create_file_unsafe("times", 0600, dir, vm,
				   &vmem_fail_times_fops);
	debugfs_create_file_unsafe("space", 0600, dir, vm,
				   &vmem_fail_space_fops);
	debugfs_create_file_unsafe("verbose", 0600, dir, vm,
				   &vmem_fail_verbose_fops);
}

/*
 * The arena's directory: named after the arena, made safe for a file name,
 * and made unique with the arena id (and a counter, should even that be
 * taken) when another entry has the name already.
 */
static void vmem_debugfs_add(struct vmem *vm)
{
	char base[VMEM_NAME_MAX], dirname[VMEM_NAME_MAX + 24];
	struct dentry *dir;
	unsigned int n;
	char *p;

	if (IS_ERR_OR_NULL(vmem_debugfs_root))
		return;
	strscpy(base, vm->name, sizeof(base));
	if (!base[0] || !strcmp(base, ".") || !strcmp(base, ".."))
		strscpy(base, "arena", sizeof(base));
	for (p = base; *p; p++)
		if (*p == '/' || isspace(*p) || !isprint(*p))
			*p = '_';

	strscpy(dirname, base, sizeof(dirname));
	for (n = 0; vmem_debugfs_taken(dirname); n++) {
		if (n)
			snprintf(dirname, sizeof(dirname), "%s.%u.%u", base,
				 vm->id, n);
		else
			snprintf(dirname, sizeof(dirname), "%s.%u", base,
				 vm->id);
	}
	dir = debugfs_create_dir(dirname, vmem_debugfs_root);
	if (IS_ERR(dir))
		return;
	vm->debugfs = dir;
	debugfs_create_file("stats", VMEM_DEBUGFS_MODE, dir, vm, &stats_fops);
	debugfs_create_file("segments", VMEM_DEBUGFS_MODE, dir, vm,
			    &segments_fops);
	debugfs_create_file("freelists", VMEM_DEBUGFS_MODE, dir, vm,
			    &freelists_fops);
	debugfs_create_file("owners", VMEM_DEBUGFS_MODE, dir, vm,
			    &owners_fops);
	vmem_debugfs_add_fail(vm, dir);
}

/**
 * vmem_arena_register() - Put a new arena on the list and in debugfs.
 * @vm: The arena.
 *
 * Context: Process context.  Takes the arena list mutex.
 */
void vmem_arena_register(struct vmem *vm)
{
	mutex_lock(&vmem_arenas_lock);
	vmem_debugfs_add(vm);
	list_add_tail(&vm->node, &vmem_arenas);
	mutex_unlock(&vmem_arenas_lock);
}

/**
 * vmem_arena_unregister() - Take an arena off the list and out of debugfs.
 * @vm: The arena.
 *
 * Waits for readers of its debugfs files to finish.
 *
 * Context: Process context.  Takes the arena list mutex.
 */
void vmem_arena_unregister(struct vmem *vm)
{
	mutex_lock(&vmem_arenas_lock);
	list_del_init(&vm->node);
	debugfs_remove_recursive(vm->debugfs);
	vm->debugfs = NULL;
	mutex_unlock(&vmem_arenas_lock);
}

/**
 * vmem_arenas_apply() - Call a function for every arena.
 * @fn: Called as fn(vm, @arg), with the arena list mutex held.
 * @arg: Passed to @fn.
 * @trylock: Give up at once if the list is busy: for memory reclaim, which
 *           must not wait for a mutex whose holder may be allocating.
 *
 * Context: Process context; may sleep unless @trylock.
 * Return: False, having done nothing, when @trylock and the list was busy.
 */
bool vmem_arenas_apply(void (*fn)(struct vmem *vm, void *arg),
		       void *arg, bool trylock)
{
	struct vmem *vm;

	if (!trylock)
		mutex_lock(&vmem_arenas_lock);
	else if (!mutex_trylock(&vmem_arenas_lock))
		return false;
	list_for_each_entry(vm, &vmem_arenas, node)
		fn(vm, arg);
	mutex_unlock(&vmem_arenas_lock);
	return true;
}

/**
 * vmem_debugfs_init() - Create /sys/kernel/debug/vmem and its arenas file.
 *
 * Context: Process context, at module load.
 */
void vmem_debugfs_init(void)
{
	vmem_debugfs_root = debugfs_create_dir("vmem", NULL);
	debugfs_create_file("arenas", VMEM_DEBUGFS_MODE, vmem_debugfs_root,
			    NULL, &arenas_fops);
}

/**
 * vmem_debugfs_exit() - Remove /sys/kernel/debug/vmem.
 *
 * Context: Process context, at module unload.
 */
void vmem_debugfs_exit(void)
{
	struct vmem *vm;
	unsigned int n = 0;

	mutex_lock(&vmem_arenas_lock);
	list_for_each_entry(vm, &vmem_arenas, node) {
		vm->debugfs = NULL;
		n++;
	}
	mutex_unlock(&vmem_arenas_lock);
	if (n)
		pr_warn("unloading with %u arenas not destroyed\n", n);
	debugfs_remove_recursive(vmem_debugfs_root);
	vmem_debugfs_root = NULL;
}
