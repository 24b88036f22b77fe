/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel, as far as vmem/vmem_core.c sees it, in userspace: just enough
 * of the headers it includes for the core to compile unchanged.  Locks are
 * pthread mutexes, slab caches count their objects, deferred work runs at
 * once (the core queues it only with its lock dropped).
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

#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BIT(n)			(1UL << (n))
#define GFP_KERNEL		0x1U
#define GFP_ATOMIC		0x2U
#define __GFP_NOWARN		0x4U

#define __must_hold(x)
#define __init
#define __exit
#define __always_unused		__attribute__((unused))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define READ_ONCE(x)		(*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define clamp_t(t, v, lo, hi)	min((t)max((t)(v), (t)(lo)), (t)(hi))
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)

#define pr_warn(fmt, ...)	fprintf(stderr, "vmem: " fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	fprintf(stderr, "vmem: " fmt, ##__VA_ARGS__)
#define might_sleep()		do { } while (0)

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

static inline unsigned long hash_long(unsigned long val, unsigned int bits)
{
	return (unsigned long)(val * 0x61C8864680B583EBull) >> (64 - bits);
}

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

/* Atomics. */
typedef struct { long counter; } atomic_long_t;
typedef struct { int counter; } atomic_t;
#define ATOMIC_LONG_INIT(i)	{ (i) }
#define ATOMIC_INIT(i)		{ (i) }
#define atomic_long_inc(v)	__atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_long_dec(v)	__atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_long_read(v)	__atomic_load_n(&(v)->counter, __ATOMIC_SEQ_CST)
#define atomic_inc_return(v)	__atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)

/* Locks. */
typedef struct {
	pthread_mutex_t mutex;
	int held;
} spinlock_t;

struct lock_class_key {
	int unused;
};

#define spin_lock_init(l)	\
	do { pthread_mutex_init(&(l)->mutex, NULL); (l)->held = 0; } while (0)
#define spin_lock_irqsave(l, flags)	\
	do { (flags) = 0; pthread_mutex_lock(&(l)->mutex); (l)->held = 1; } while (0)
#define spin_unlock_irqrestore(l, flags) \
	do { (void)(flags); (l)->held = 0; pthread_mutex_unlock(&(l)->mutex); } while (0)
#define lockdep_assert_held(l)	do { if (!(l)->held) abort(); } while (0)
#define lockdep_register_key(k)		do { } while (0)
#define lockdep_unregister_key(k)	do { } while (0)
#define lockdep_set_class(l, k)		do { } while (0)

/* Slab and page allocators, counting what is live. */
extern long shim_allocs_live;
extern unsigned long shim_fail_after;	/* fail the Nth allocation; 0: never */

struct kmem_cache {
	size_t size;
};

void *shim_alloc(size_t size, bool zero);
void shim_free(void *p);

#define KMEM_CACHE(s, flags)	shim_cache_create(sizeof(struct s))
struct kmem_cache *shim_cache_create(size_t size);
static inline void kmem_cache_destroy(struct kmem_cache *c)
{
	free(c);
}

#define kmem_cache_alloc(c, gfp)	shim_alloc((c)->size, false)
#define kmem_cache_free(c, p)		shim_free(p)
#define kzalloc(size, gfp)		shim_alloc(size, true)
#define kfree(p)			shim_free(p)
#define kvmalloc_array(n, size, gfp)	shim_alloc((n) * (size), false)
#define kvfree(p)			shim_free(p)

static inline size_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = 0;
	return len;
}

/* Wait queues: the harness is single-threaded, so a wait is a bug. */
typedef struct {
	int unused;
} wait_queue_head_t;

#define init_waitqueue_head(wq)		do { } while (0)
#define wake_up_all(wq)			do { } while (0)
#define wait_event_killable(wq, cond)	\
	({ fprintf(stderr, "shim: sleeping wait\n"); abort(); (int)!(cond); })

/* Work runs at once: the core queues it only with its lock dropped. */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);
struct work_struct {
	work_func_t func;
};

#define INIT_WORK(w, f)		((w)->func = (f))
static inline bool schedule_work(struct work_struct *w)
{
	w->func(w);
	return true;
}
#define cancel_work_sync(w)	false

#endif /* _VMEM_SHIM_H */
