/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel, as far as vmem/vmem_core.c and vmem/vmem_qcache.c see it, in
 * userspace: just enough of the headers they include for them to compile
 * unchanged.  Every include/linux/<name>.h of this directory is this one
 * file.  Spinlocks are pthread mutexes that know their owner, wait queues
 * are condition variables, CPUs are emulated per thread, the slab allocator
 * counts what is live and fails on demand, deferred work and RCU frees wait
 * until the test lets them run.  The functions are in shim.c.
 *
 * The kernel's memory model, as ThreadSanitizer should see it: READ_ONCE()
 * and WRITE_ONCE() are relaxed atomic accesses, atomics and atomic bit
 * operations are atomic with the kernel's ordering (unordered unless they
 * return a value), spinlocks and "interrupts disabled" are mutexes, and
 * per-CPU data is reached by the CPU's own thread, under the CPU's mutex
 * (its interrupts disabled), or with this_cpu_*() operations, atomic here.
 *
 * Preemption points: every spinlock acquisition and release, every
 * interrupt enable and every atomic operation may yield, sleep or spin for
 * a moment when shim_preempt_rate is set (shim_preempt_point()).
 */
#ifndef _VMEM_SHIM_H
#define _VMEM_SHIM_H

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define BITS_PER_LONG		(__SIZEOF_LONG__ * 8)
#define BIT(n)			(1UL << (n))
#define GFP_KERNEL		0x1U
#define GFP_ATOMIC		0x2U
#define __GFP_NOWARN		0x4U
#define GFP_NOWAIT		0x8U

#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __percpu
#define __init
#define __exit
#define __always_unused		__attribute__((unused))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_mb__before_atomic()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define noinline		__attribute__((noinline))
#define notrace
#define _RET_IP_		((unsigned long)__builtin_return_address(0))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define clamp_t(t, v, lo, hi)	min((t)max((t)(v), (t)(lo)), (t)(hi))
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define max_t(t, a, b)		max((t)(a), (t)(b))
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define roundup(x, y)		((((x) + (y) - 1) / (y)) * (y))
#define swap(a, b) \
	do { typeof(a) __tmp = (a); (a) = (b); (b) = __tmp; } while (0)
#define struct_size(p, member, n) \
	(sizeof(*(p)) + (size_t)(n) * sizeof((p)->member[0]))

/*
 * printk: warnings are counted and the last one kept, for the tests to
 * check; they are printed only when shim_verbose is set.
 */
#ifndef pr_fmt
#define pr_fmt(fmt)		fmt
#endif
extern int shim_verbose;
extern long shim_nwarn;
extern char shim_last_warn[256];
__printf(1, 2) void shim_printk(const char *fmt, ...);
#define pr_warn(fmt, ...)	shim_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	shim_printk(pr_fmt(fmt), ##__VA_ARGS__)
/* Information, not warnings: counted apart, printed when verbose. */
extern long shim_ninfo;
__printf(1, 2) void shim_info(const char *fmt, ...);
#define pr_info(fmt, ...)	shim_info(pr_fmt(fmt), ##__VA_ARGS__)
extern long shim_nstacks;
#define dump_stack()		((void)shim_nstacks++)

/*
 * Trace events (include/linux/tracepoint.h): those of the arena named
 * shim_trace_watch are counted, and the last one's fields kept.
 */
struct shim_trace {
	char watch[32];		/* VMEM_NAME_MAX */	/* "" watches nothing */
	long alloc, alloc_fail, free, import, release, wait, reap;
	unsigned long alloc_size, alloc_addr, free_addr, free_size;
	unsigned int alloc_flags;
	int alloc_ret;
	bool alloc_cached;
};
extern struct shim_trace shim_trace;
extern bool shim_trace_on;

/* get_random_u32(): a seeded generator, for repeatable tests. */
extern unsigned long long shim_random_state;
static inline u32 get_random_u32(void)
{
	shim_random_state ^= shim_random_state << 13;
	shim_random_state ^= shim_random_state >> 7;
	shim_random_state ^= shim_random_state << 17;
	return (u32)(shim_random_state >> 11);
}

static inline u32 get_random_u32_below(u32 ceil)
{
	return get_random_u32() % ceil;
}

/*
 * Contexts, per thread: spinlocks held, "interrupts disabled" depth, RCU
 * read-side depth.  Sleeping (might_sleep(), GFP_KERNEL, a wait) in any of
 * them aborts.
 */
extern __thread int shim_spin_depth;
extern __thread int shim_irq_depth;
extern __thread int shim_rcu_depth;
extern __thread int shim_in_irq;
/* might_sleep() calls, for the tests to see that a call says it may sleep. */
extern long shim_might_sleeps;
void shim_might_sleep(const char *what);
#define might_sleep()		shim_might_sleep(__func__)

/* Bits. */
static inline unsigned long __fls(unsigned long x)
{
	return BITS_PER_LONG - 1 - __builtin_clzl(x);
}

static inline unsigned long __ffs(unsigned long x)
{
	return __builtin_ctzl(x);
}

static inline int fls_long(unsigned long x)
{
	return x ? (int)__fls(x) + 1 : 0;
}

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

#define ilog2(n)		((int)__fls(n))

/* <linux/hash.h>: hash_long() is hash_32() or hash_64(), as the kernel's. */
#define GOLDEN_RATIO_32		0x61C88647U
#define GOLDEN_RATIO_64		0x61C8864680B583EBULL

static inline u32 hash_32(u32 val, unsigned int bits)
{
	return (u32)(val * GOLDEN_RATIO_32) >> (32 - bits);
}

static inline u32 hash_64(u64 val, unsigned int bits)
{
	return (u32)((val * GOLDEN_RATIO_64) >> (64 - bits));
}

#if BITS_PER_LONG == 64
#define hash_long(val, bits)	hash_64(val, bits)
#else
#define hash_long(val, bits)	hash_32(val, bits)
#endif

/* Errors. */
#define MAX_ERRNO		4095
#define IS_ERR_VALUE(x)		((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE(ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR(ptr);
}

static inline int PTR_ERR_OR_ZERO(const void *ptr)
{
	return IS_ERR(ptr) ? (int)PTR_ERR(ptr) : 0;
}

#define EINTR_KERNEL		EINTR

/* Lists. */
struct list_head {
	struct list_head *next, *prev;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	__list_add(n, head, head->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	__list_add(n, head->prev, head);
}

static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = (void *)0x100;
	e->prev = (void *)0x122;
}

static inline void list_del_init(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	INIT_LIST_HEAD(e);
}

static inline void list_move(struct list_head *e, struct list_head *head)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	list_add(e, head);
}

static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

static inline bool list_is_first(const struct list_head *e,
				 const struct list_head *head)
{
	return e->prev == head;
}

static inline bool list_is_last(const struct list_head *e,
				const struct list_head *head)
{
	return e->next == head;
}

static inline void list_splice(struct list_head *list, struct list_head *head)
{
	if (!list_empty(list)) {
		struct list_head *first = list->next, *last = list->prev;
		struct list_head *at = head->next;

		first->prev = head;
		head->next = first;
		last->next = at;
		at->prev = last;
	}
}

static inline void list_splice_init(struct list_head *list,
				    struct list_head *head)
{
	list_splice(list, head);
	INIT_LIST_HEAD(list);
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
	list_entry((ptr)->next, type, member)
#define list_first_entry_or_null(ptr, type, member) \
	(list_empty(ptr) ? NULL : list_first_entry(ptr, type, member))
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_prev_entry(pos, member) \
	list_entry((pos)->member.prev, typeof(*(pos)), member)
#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, typeof(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, typeof(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     &pos->member != (head);					\
	     pos = n, n = list_next_entry(n, member))

#define INIT_HLIST_HEAD(h)	((h)->first = NULL)

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = (void *)0x100;
	n->pprev = (void *)0x122;
}

#define hlist_entry_safe(ptr, type, member) \
	({ typeof(ptr) ____ptr = (ptr); \
	   ____ptr ? container_of(____ptr, type, member) : NULL; })
#define hlist_for_each_entry(pos, head, member)				\
	for (pos = hlist_entry_safe((head)->first, typeof(*(pos)), member); \
	     pos;							\
	     pos = hlist_entry_safe((pos)->member.next, typeof(*(pos)), member))
#define hlist_for_each_entry_safe(pos, n, head, member)		\
	for (pos = hlist_entry_safe((head)->first, typeof(*pos), member); \
	     pos && ({ n = pos->member.next; 1; });			\
	     pos = hlist_entry_safe(n, typeof(*pos), member))

/*
 * Preemption points, off unless shim_preempt_rate is set: then one point in
 * that many yields, spins or sleeps for a moment, as a per-thread generator
 * seeded with shim_preempt_seed and the thread's number
 * (shim_preempt_thread()) decides.  Set them while no other thread runs.
 */
extern unsigned int shim_preempt_rate;
extern unsigned long long shim_preempt_seed;
extern long shim_preempt_points;
void shim_preempt_thread(unsigned int n);
void shim_preempt_point(void);

static inline void shim_preempt(void)
{
	if (unlikely(__atomic_load_n(&shim_preempt_rate, __ATOMIC_RELAXED)))
		shim_preempt_point();
}

/*
 * Atomics and bit operations, ordered as the kernel's: those that return
 * nothing (and reads) are unordered, those that return a value are fully
 * ordered.  Each is a preemption point.
 */
typedef struct { long counter; } atomic_long_t;
typedef struct { int counter; } atomic_t;
#define ATOMIC_LONG_INIT(i)	{ (i) }
#define ATOMIC_INIT(i)		{ (i) }

static inline void atomic_long_add(long i, atomic_long_t *v)
{
	shim_preempt();
	__atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);
}

static inline long atomic_long_read(const atomic_long_t *v)
{
	shim_preempt();
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline int atomic_inc_return(atomic_t *v)
{
	shim_preempt();
	return __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}

#define atomic_long_inc(v)	atomic_long_add(1, v)
#define atomic_long_dec(v)	atomic_long_add(-1, v)

static inline void set_bit(long nr, volatile unsigned long *addr)
{
	shim_preempt();
	__atomic_fetch_or(addr + nr / BITS_PER_LONG,
			  BIT(nr % BITS_PER_LONG), __ATOMIC_RELAXED);
}

/* xchg(): fully ordered, as the kernel's. */
#define xchg(p, v)	({ shim_preempt();				\
			   __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); })

static inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	shim_preempt();
	return __atomic_fetch_and(addr + nr / BITS_PER_LONG,
				  ~BIT(nr % BITS_PER_LONG), __ATOMIC_SEQ_CST) &
	       BIT(nr % BITS_PER_LONG);
}

static inline unsigned int hweight_long(unsigned long w)
{
	return __builtin_popcountl(w);
}

/* Bitmaps of any length, in longs as the kernel's. */
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))

static inline void __set_bit(long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline void __clear_bit(long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

/* A marked read, as the kernel's: it may race with set_bit(). */
static inline bool test_bit(long nr, const unsigned long *addr)
{
	return __atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_RELAXED) &
	       BIT_MASK(nr);
}

static inline unsigned long find_first_bit(const unsigned long *addr,
					   unsigned long size)
{
	unsigned long i;

	for (i = 0; i * BITS_PER_LONG < size; i++)
		if (addr[i])
			return min(i * BITS_PER_LONG + __builtin_ctzl(addr[i]),
				   size);
	return size;
}

static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	unsigned int i;

	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(long));
	for (i = 0; i < nbits; i++)
		__set_bit(i, dst);
}

static inline unsigned int bitmap_weight(const unsigned long *src,
					 unsigned int nbits)
{
	unsigned int i, n = 0;

	for (i = 0; i < nbits; i++)
		n += test_bit(i, src);
	return n;
}

__attribute__((noreturn)) void shim_bug(const char *what, const char *where);

/* As the kernel's: 0 is undefined there (a shift by BITS_PER_LONG). */
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	if (!n)
		shim_bug("roundup_pow_of_two(0)", __func__);
	return n == 1 ? 1 : 1UL << fls_long(n - 1);
}

/* <linux/reciprocal_div.h>: @val scaled to [0, @ep_ro). */
static inline u32 reciprocal_scale(u32 val, u32 ep_ro)
{
	return (u32)(((u64)val * ep_ro) >> 32);
}

/*
 * CPUs: each thread runs on one emulated CPU (shim_set_cpu()), 0 unless
 * told otherwise.  "Disabling interrupts" (local_irq_save(), and the
 * spin_lock_irqsave() family) holds the CPU's mutex, so that on_each_cpu()
 * runs its function on another CPU only where that CPU could take an
 * interrupt, as an IPI would.  shim_cpu_down() takes a CPU away (its mutex,
 * so that no thread runs there with interrupts disabled) for a CPU-dead
 * callback to empty its per-CPU data; shim_cpu_up() gives it back.
 */
#define SHIM_NR_CPUS		4
#define nr_cpu_ids		SHIM_NR_CPUS
#define num_possible_cpus()	SHIM_NR_CPUS
#define num_online_cpus()	SHIM_NR_CPUS
extern __thread int shim_cpu;
void shim_set_cpu(int cpu);
void shim_irq_disable(void);
void shim_irq_enable(void);
void shim_cpu_down(int cpu);
void shim_cpu_up(int cpu);
#define smp_processor_id()	((unsigned int)shim_cpu)
#define raw_smp_processor_id()	((unsigned int)shim_cpu)
#define local_irq_save(flags) \
	do { (flags) = 0; shim_irq_disable(); } while (0)
#define local_irq_restore(flags) \
	do { (void)(flags); shim_irq_enable(); } while (0)
#define irqs_disabled()		(shim_irq_depth > 0)
#define in_interrupt()		(shim_in_irq > 0)
#define in_task()		(!shim_in_irq)
#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < SHIM_NR_CPUS; (cpu)++)
#define for_each_online_cpu(cpu)	for_each_possible_cpu(cpu)
typedef void (*smp_call_func_t)(void *info);
void on_each_cpu(smp_call_func_t func, void *info, int wait);

/*
 * Per-CPU memory: SHIM_NR_CPUS copies SHIM_PERCPU_UNIT bytes apart, so
 * that this_cpu_*() can reach a CPU's copy of any member, as the kernel's
 * per-CPU offsets do.  this_cpu_*() operations are relaxed atomics: the
 * kernel's are atomic against their own CPU, and may be read from others.
 */
#define SHIM_PERCPU_UNIT	256
void *shim_alloc_percpu(size_t size, gfp_t gfp);
void shim_free_percpu(void *p);
#define alloc_percpu_gfp(type, gfp)	\
	((type __percpu *)shim_alloc_percpu(sizeof(type), gfp))
#define alloc_percpu(type)		alloc_percpu_gfp(type, GFP_KERNEL)
#define free_percpu(p)			shim_free_percpu(p)
#define per_cpu_ptr(p, cpu) \
	((typeof(p))((char *)(p) + (size_t)(cpu) * SHIM_PERCPU_UNIT))
#define this_cpu_ptr(p)			per_cpu_ptr(p, shim_cpu)
#define raw_cpu_ptr(p)			this_cpu_ptr(p)
#define __this_cpu_lvalue(x) \
	(*(typeof(&(x)))((char *)&(x) + (size_t)shim_cpu * SHIM_PERCPU_UNIT))
#define this_cpu_add(x, v) \
	((void)__atomic_fetch_add(&__this_cpu_lvalue(x), (v), __ATOMIC_RELAXED))
#define this_cpu_inc(x)		this_cpu_add(x, 1)
#define this_cpu_dec(x)		this_cpu_add(x, -1)
#define this_cpu_read(x) \
	__atomic_load_n(&__this_cpu_lvalue(x), __ATOMIC_RELAXED)
#define __this_cpu_inc(x)	this_cpu_inc(x)

/*
 * Locks: pthread mutexes that know their owner (the holder's
 * shim_current(), read and written atomically, NULL when free).
 */
typedef struct {
	pthread_mutex_t mutex;
	void *owner;
} spinlock_t;

struct lock_class_key {
	int unused;
};

void shim_spin_init(spinlock_t *l);
void shim_spin_lock(spinlock_t *l, bool irq);
/* Called before every spinlock acquisition when set: a test's hook. */
extern void (*shim_spin_lock_hook)(spinlock_t *l, bool irq);
bool shim_spin_trylock(spinlock_t *l);
void shim_spin_unlock(spinlock_t *l, bool irq);
bool shim_spin_held(spinlock_t *l);

#define spin_lock_init(l)	shim_spin_init(l)
#define spin_lock(l)		shim_spin_lock(l, false)
#define spin_trylock(l)		shim_spin_trylock(l)
#define spin_unlock(l)		shim_spin_unlock(l, false)
#define spin_lock_irqsave(l, flags) \
	do { (flags) = 0; shim_spin_lock(l, true); } while (0)
#define spin_unlock_irqrestore(l, flags) \
	do { (void)(flags); shim_spin_unlock(l, true); } while (0)
#define lockdep_assert_held(l) \
	do { if (!shim_spin_held(l)) shim_bug("lock not held", __func__); } while (0)
#define lockdep_is_held(l)		shim_spin_held(l)
#define lockdep_register_key(k)		do { } while (0)
#define lockdep_unregister_key(k)	do { } while (0)
#define lockdep_set_class(l, k)		do { } while (0)

__attribute__((noreturn)) void shim_bug(const char *what, const char *where);

/* A broken invariant of vmem itself: as fatal here as a kernel splat. */
#define WARN_ON_ONCE(cond) \
	({ bool __c = !!(cond); if (__c) shim_bug(#cond, __func__); __c; })

/* Sleeping locks: pthread mutexes; taking one may sleep. */
struct mutex {
	pthread_mutex_t mutex;
};

#define DEFINE_MUTEX(name) \
	struct mutex name = { .mutex = PTHREAD_MUTEX_INITIALIZER }
#define mutex_init(m)		pthread_mutex_init(&(m)->mutex, NULL)
#define mutex_lock(m) \
	do { might_sleep(); pthread_mutex_lock(&(m)->mutex); } while (0)
#define mutex_unlock(m)		pthread_mutex_unlock(&(m)->mutex)

/*
 * Slab and page allocators, counting what is live, with fault injection:
 * shim_fail_after fails the allocation that brings the count of
 * allocations to it (once); shim_fail_rate fails one in that many, chosen
 * by a generator seeded with shim_fail_seed.  shim_faults counts the
 * failures injected.
 */
extern long shim_allocs_live;
extern unsigned long shim_nallocs;
extern unsigned long shim_fail_after;
/*
 * Called first by every allocation, where a test plays another CPU that
 * acts while this one allocates (no lock of vmem's is held there, or it
 * would not allocate); true fails the allocation.
 */
extern bool (*shim_alloc_hook)(size_t size, gfp_t gfp);
extern unsigned long shim_fail_rate;
extern unsigned long long shim_fail_seed;
extern long shim_faults;

struct kmem_cache {
	size_t size;
};

void *shim_alloc(size_t size, bool zero, gfp_t gfp);
void shim_free(void *p);

#define KMEM_CACHE(s, flags)	shim_cache_create(sizeof(struct s))
struct kmem_cache *shim_cache_create(size_t size);
static inline void kmem_cache_destroy(struct kmem_cache *c)
{
	free(c);
}

#define kmem_cache_alloc(c, gfp)	shim_alloc((c)->size, false, gfp)
#define kmem_cache_free(c, p)		((void)(c), shim_free(p))
#define kmalloc(size, gfp)		shim_alloc(size, false, gfp)
#define kzalloc(size, gfp)		shim_alloc(size, true, gfp)
#define kfree(p)			shim_free(p)
#define kvmalloc_array(n, size, gfp)	shim_alloc((n) * (size), false, gfp)
#define kvzalloc(size, gfp)		shim_alloc(size, true, gfp)
#define gfpflags_allow_blocking(gfp)	(((gfp) & GFP_KERNEL) != 0)
#define kvfree(p)			shim_free(p)

static inline size_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = 0;
	return len;
}

/*
 * Red-black trees: a plain binary search tree with the kernel's interface
 * (rb_insert_color() does no balancing).  Right for every shape; slow only
 * for shapes the tests do not make.
 */
struct rb_node {
	struct rb_node *rb_parent, *rb_right, *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_ROOT			((struct rb_root) { NULL })
#define rb_entry(ptr, type, member)	container_of(ptr, type, member)
#define rb_entry_safe(ptr, type, member) \
	({ typeof(ptr) ____p = (ptr); \
	   ____p ? rb_entry(____p, type, member) : NULL; })

static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->rb_parent = parent;
	node->rb_left = NULL;
	node->rb_right = NULL;
	*link = node;
}

static inline void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
}

void rb_erase(struct rb_node *node, struct rb_root *root);
struct rb_node *rb_first_postorder(const struct rb_root *root);
struct rb_node *rb_next_postorder(const struct rb_node *node);

#define rbtree_postorder_for_each_entry_safe(pos, n, root, field)	\
	for (pos = rb_entry_safe(rb_first_postorder(root),		\
				 typeof(*pos), field);			\
	     pos && ({ n = rb_entry_safe(rb_next_postorder(&pos->field), \
					 typeof(*pos), field); 1; });	\
	     pos = n)

/*
 * RCU: readers only count their depth (sleeping inside aborts); kfree_rcu()
 * queues the object until shim_rcu_barrier(), which a test calls where no
 * reader can be running.
 */
struct rcu_head {
	struct rcu_head *next;
	void *obj;
};

#define rcu_read_lock()		((void)shim_rcu_depth++)
#define rcu_read_unlock()	((void)shim_rcu_depth--)
void shim_kfree_rcu(void *obj, struct rcu_head *head);
#define kfree_rcu(p, field)	shim_kfree_rcu(p, &(p)->field)
#define kvfree_rcu(p, field)	shim_kfree_rcu(p, &(p)->field)
/*
 * Pointers read under RCU: an acquire load stands in for the dependency
 * ordering the kernel relies on, which ThreadSanitizer does not know.
 */
#define __rcu
#define rcu_dereference(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_raw(p)		rcu_dereference(p)
#define RCU_INIT_POINTER(p, v)		__atomic_store_n(&(p), v, __ATOMIC_RELAXED)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), v, __ATOMIC_RELEASE)
void shim_rcu_barrier(void);

/*
 * Wait queues: a mutex and a condition variable.  A task that waits with
 * shim_kill_on_wait set is "killed" at once (no other thread could wake
 * it); otherwise it sleeps until woken and the condition holds, or until
 * shim_kill() sends it a fatal signal.  A wait that lasts ten seconds
 * aborts (a lost wake-up).
 */
#define ERESTARTSYS		512
struct shim_task;
typedef struct {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
} wait_queue_head_t;

extern __thread int shim_kill_on_wait;
extern long shim_waits;
extern long shim_waits_killed;
struct shim_task *shim_current(void);
void shim_kill(struct shim_task *task, wait_queue_head_t *wq);
void init_waitqueue_head(wait_queue_head_t *wq);
void wake_up_all(wait_queue_head_t *wq);
void shim_wait_lock(wait_queue_head_t *wq);
void shim_wait_unlock(wait_queue_head_t *wq);
int shim_wait_sleep(wait_queue_head_t *wq);
int shim_wait_sleep_until(wait_queue_head_t *wq, unsigned long end);

/* Time: jiffies are milliseconds of the monotonic clock. */
#define HZ			1000
#define MAX_SCHEDULE_TIMEOUT	LONG_MAX
unsigned long shim_jiffies(void);
#define jiffies			shim_jiffies()
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before(a, b)	((long)((a) - (b)) < 0)

/*
 * As the kernel's: the jiffies left (at least 1) once @cond holds, 0 when
 * @timeout passed first, -ERESTARTSYS on a fatal signal.
 */
#define wait_event_killable_timeout(wq, cond, timeout)			\
({									\
	long __t = (timeout), __r = 0;					\
	unsigned long __end = __t == MAX_SCHEDULE_TIMEOUT ? 0 :	\
			      jiffies + __t;				\
									\
	might_sleep();							\
	shim_wait_lock(&(wq));						\
	while (!(cond)) {						\
		__r = __end ? shim_wait_sleep_until(&(wq), __end) :	\
			      shim_wait_sleep(&(wq));			\
		if (__r)						\
			break;						\
	}								\
	shim_wait_unlock(&(wq));					\
	if (__r == 1)			/* timed out */			\
		__r = (cond) ? 1 : 0;					\
	else if (!__r)							\
		__r = __end ? max(1L, (long)(__end - jiffies)) : __t;	\
	__r;								\
})

#define wait_event_killable(wq, cond)					\
({									\
	int __ret = 0;							\
	might_sleep();							\
	shim_wait_lock(&(wq));						\
	while (!(cond)) {						\
		__ret = shim_wait_sleep(&(wq));				\
		if (__ret)						\
			break;						\
	}								\
	shim_wait_unlock(&(wq));					\
	__ret;								\
})

/*
 * Deferred work: schedule_work() queues, shim_flush_work() runs what is
 * queued (the tests call it where a worker thread might run), and
 * cancel_work_sync() takes work off the queue, waiting if it is running.
 */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);
struct work_struct {
	work_func_t func;
	struct work_struct *next;
	bool pending;
};

#define INIT_WORK(w, f) \
	do { (w)->func = (f); (w)->next = NULL; (w)->pending = false; } while (0)
bool schedule_work(struct work_struct *w);
bool cancel_work_sync(struct work_struct *w);
int shim_flush_work(void);

#endif /* _VMEM_SHIM_H */
