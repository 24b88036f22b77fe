// SPDX-License-Identifier: GPL-2.0
/*
 * The functions behind include/vmem_shim.h: the userspace stand-ins for the
 * kernel services that vmem/vmem_core.c and vmem/vmem_qcache.c use (printk,
 * preemption points, spinlocks, emulated CPUs and IPIs, the slab allocator
 * with fault injection, per-CPU memory, RCU frees, wait queues,
 * deferred work), and the environment hooks of the core.
 */
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <linux/vmem.h>
#include "vmem_internal.h"

/* === printk === */

int shim_verbose;
long shim_nwarn;
char shim_last_warn[256];
static pthread_mutex_t shim_print_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_printk(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&shim_print_lock);
	shim_nwarn++;
	va_start(ap, fmt);
	vsnprintf(shim_last_warn, sizeof(shim_last_warn), fmt, ap);
	va_end(ap);
	if (shim_verbose)
		fputs(shim_last_warn, stderr);
	pthread_mutex_unlock(&shim_print_lock);
}

long shim_ninfo;
long shim_nstacks;
unsigned long long shim_random_state = 0x9E3779B97F4A7C15ull;

void shim_info(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	pthread_mutex_lock(&shim_print_lock);
	shim_ninfo++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (shim_verbose)
		fputs(line, stderr);
	pthread_mutex_unlock(&shim_print_lock);
}

/* === Trace events === */

bool shim_trace_on;
struct shim_trace shim_trace;

static bool shim_watched(const char *arena)
{
	return shim_trace.watch[0] && !strcmp(arena, shim_trace.watch);
}

void shim_trace_vmem_alloc(const char *arena, unsigned long size,
			   unsigned int vmflag, unsigned long addr, int ret,
			   bool cached)
{
	if (!shim_watched(arena))
		return;
	shim_trace.alloc++;
	shim_trace.alloc_size = size;
	shim_trace.alloc_flags = vmflag;
	shim_trace.alloc_addr = addr;
	shim_trace.alloc_ret = ret;
	shim_trace.alloc_cached = cached;
}

void shim_trace_vmem_alloc_fail(const char *arena, unsigned long size,
				unsigned long align, unsigned long phase,
				unsigned long nocross, unsigned long minaddr,
				unsigned long maxaddr, int ret)
{
	if (shim_watched(arena))
		shim_trace.alloc_fail++;
}

void shim_trace_vmem_free(const char *arena, unsigned long addr,
			  unsigned long size)
{
	if (!shim_watched(arena))
		return;
	shim_trace.free++;
	shim_trace.free_addr = addr;
	shim_trace.free_size = size;
}

void shim_trace_vmem_import(const char *arena, const char *source,
			    unsigned long addr, unsigned long size)
{
	if (shim_watched(arena))
		shim_trace.import++;
}

void shim_trace_vmem_release(const char *arena, const char *source,
			     unsigned long addr, unsigned long size)
{
	if (shim_watched(arena))
		shim_trace.release++;
}

void shim_trace_vmem_wait(const char *arena, unsigned long size)
{
	if (shim_watched(arena))
		shim_trace.wait++;
}

void shim_trace_vmem_reap(const char *arena, unsigned long returned)
{
	if (shim_watched(arena))
		shim_trace.reap++;
}

void shim_bug(const char *what, const char *where)
{
	fprintf(stderr, "shim: BUG: %s in %s\n", what, where);
	abort();
}

/* === Preemption points === */

unsigned int shim_preempt_rate;
unsigned long long shim_preempt_seed;
long shim_preempt_points;
static __thread unsigned long long shim_preempt_rng;
static unsigned int shim_preempt_threads;

/* splitmix64: a good generator from any seed, 0 included. */
static unsigned long long shim_preempt_next(void)
{
	unsigned long long z = shim_preempt_rng += 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Seed this thread's generator: thread @n of the run shim_preempt_seed. */
void shim_preempt_thread(unsigned int n)
{
	shim_preempt_rng = shim_preempt_seed * 0x100000001B3ULL + n;
	shim_preempt_next();
}

/*
 * Another CPU runs meanwhile: one point in shim_preempt_rate gives up the
 * processor, spins for up to a few microseconds or sleeps for up to 50.
 * A thread that did not say its number gets the next one.
 */
void shim_preempt_point(void)
{
	unsigned long long r;
	struct timespec ts;
	unsigned int i, n;

	if (!shim_preempt_rng)
		shim_preempt_thread(__atomic_fetch_add(&shim_preempt_threads, 1,
						       __ATOMIC_RELAXED) + 1000);
	r = shim_preempt_next();
	if (r % shim_preempt_rate)
		return;
	__atomic_fetch_add(&shim_preempt_points, 1, __ATOMIC_RELAXED);
	r /= shim_preempt_rate;
	switch (r % 8) {
	case 0 ... 3:
		sched_yield();
		break;
	case 4 ... 6:
		n = (r >> 3) % 4096;
		for (i = 0; i < n; i++)
			__asm__ __volatile__("" ::: "memory");
		break;
	default:
		ts.tv_sec = 0;
		ts.tv_nsec = 1000 * ((r >> 3) % 50 + 1);
		nanosleep(&ts, NULL);
		break;
	}
}

/* === Contexts === */

__thread int shim_spin_depth;
__thread int shim_irq_depth;
__thread int shim_rcu_depth;
__thread int shim_in_irq;

long shim_might_sleeps;

void shim_might_sleep(const char *what)
{
	__atomic_add_fetch(&shim_might_sleeps, 1, __ATOMIC_RELAXED);
	if (shim_spin_depth || shim_irq_depth || shim_rcu_depth || shim_in_irq)
		shim_bug("sleeping in atomic context", what);
}

/* === CPUs === */

__thread int shim_cpu;
static pthread_mutex_t shim_cpu_lock[SHIM_NR_CPUS] = {
	[0 ... SHIM_NR_CPUS - 1] = PTHREAD_MUTEX_INITIALIZER,
};

void shim_set_cpu(int cpu)
{
	if (shim_irq_depth || cpu < 0 || cpu >= SHIM_NR_CPUS)
		shim_bug("migrating with interrupts disabled", __func__);
	shim_cpu = cpu;
}

void shim_irq_disable(void)
{
	if (!shim_irq_depth++)
		pthread_mutex_lock(&shim_cpu_lock[shim_cpu]);
}

void shim_irq_enable(void)
{
	if (shim_irq_depth <= 0)
		shim_bug("interrupts enabled twice", __func__);
	if (!--shim_irq_depth) {
		pthread_mutex_unlock(&shim_cpu_lock[shim_cpu]);
		shim_preempt();
	}
}

/*
 * Take @cpu away from its threads, as for CPU hotplug: once its mutex is
 * held, none of them runs there with interrupts disabled, and the caller
 * may empty the CPU's per-CPU data (a CPU-dead callback).
 */
void shim_cpu_down(int cpu)
{
	if (shim_irq_depth || cpu == shim_cpu || cpu < 0 || cpu >= SHIM_NR_CPUS)
		shim_bug("taking down this CPU, or with interrupts disabled",
			 __func__);
	pthread_mutex_lock(&shim_cpu_lock[cpu]);
}

void shim_cpu_up(int cpu)
{
	pthread_mutex_unlock(&shim_cpu_lock[cpu]);
}

void on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	int cpu, self = shim_cpu;

	if (shim_irq_depth || shim_in_irq)
		shim_bug("an IPI sent with interrupts disabled", __func__);
	for (cpu = 0; cpu < SHIM_NR_CPUS; cpu++) {
		pthread_mutex_lock(&shim_cpu_lock[cpu]);
		shim_cpu = cpu;
		shim_irq_depth++;
		shim_in_irq += cpu != self;
		func(info);
		shim_in_irq -= cpu != self;
		shim_irq_depth--;
		shim_cpu = self;
		pthread_mutex_unlock(&shim_cpu_lock[cpu]);
	}
}

/* === Spinlocks === */

void shim_spin_init(spinlock_t *l)
{
	pthread_mutex_init(&l->mutex, NULL);
	l->owner = NULL;
}

/* Only the holder can find itself the owner: a relaxed load does. */
bool shim_spin_held(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == shim_current();
}

static void shim_spin_acquired(spinlock_t *l)
{
	__atomic_store_n(&l->owner, shim_current(), __ATOMIC_RELAXED);
	shim_spin_depth++;
}

void (*shim_spin_lock_hook)(spinlock_t *l, bool irq);

void shim_spin_lock(spinlock_t *l, bool irq)
{
	void (*hook)(spinlock_t *l, bool irq);

	if (shim_spin_held(l))
		shim_bug("recursive spinlock", __func__);
	hook = __atomic_load_n(&shim_spin_lock_hook, __ATOMIC_ACQUIRE);
	if (hook)
		hook(l, irq);
	shim_preempt();
	if (irq)
		shim_irq_disable();
	pthread_mutex_lock(&l->mutex);
	shim_spin_acquired(l);
}

bool shim_spin_trylock(spinlock_t *l)
{
	shim_preempt();
	if (pthread_mutex_trylock(&l->mutex))
		return false;
	shim_spin_acquired(l);
	return true;
}

void shim_spin_unlock(spinlock_t *l, bool irq)
{
	if (!shim_spin_held(l))
		shim_bug("unlocking a spinlock not held", __func__);
	shim_spin_depth--;
	__atomic_store_n(&l->owner, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->mutex);
	shim_preempt();
	if (irq)
		shim_irq_enable();
}

/* === Memory, with fault injection === */

long shim_allocs_live;
unsigned long shim_nallocs;
unsigned long shim_fail_after;
unsigned long shim_fail_rate;
unsigned long long shim_fail_seed = 1;
long shim_faults;
static pthread_mutex_t shim_fail_lock = PTHREAD_MUTEX_INITIALIZER;

static bool shim_should_fail(void)
{
	unsigned long n = __atomic_add_fetch(&shim_nallocs, 1, __ATOMIC_SEQ_CST);
	bool fail = false;

	pthread_mutex_lock(&shim_fail_lock);
	if (shim_fail_after && n >= shim_fail_after) {
		shim_fail_after = 0;
		fail = true;
	} else if (shim_fail_rate) {
		shim_fail_seed ^= shim_fail_seed << 13;
		shim_fail_seed ^= shim_fail_seed >> 7;
		shim_fail_seed ^= shim_fail_seed << 17;
		fail = !(shim_fail_seed % shim_fail_rate);
	}
	if (fail)
		shim_faults++;
	pthread_mutex_unlock(&shim_fail_lock);
	return fail;
}

bool (*shim_alloc_hook)(size_t size, gfp_t gfp);

void *shim_alloc(size_t size, bool zero, gfp_t gfp)
{
	void *p;

	if (gfp & GFP_KERNEL)
		might_sleep();
	if (shim_alloc_hook && shim_alloc_hook(size, gfp))
		return NULL;
	if (shim_should_fail())
		return NULL;
	p = zero ? calloc(1, size) : malloc(size);
	if (p)
		__atomic_add_fetch(&shim_allocs_live, 1, __ATOMIC_SEQ_CST);
	return p;
}

void shim_free(void *p)
{
	if (p)
		__atomic_sub_fetch(&shim_allocs_live, 1, __ATOMIC_SEQ_CST);
	free(p);
}

struct kmem_cache *shim_cache_create(size_t size)
{
	struct kmem_cache *c = malloc(sizeof(*c));

	if (c)
		c->size = size;
	return c;
}

void *shim_alloc_percpu(size_t size, gfp_t gfp)
{
	if (size > SHIM_PERCPU_UNIT)
		shim_bug("per-CPU object larger than SHIM_PERCPU_UNIT", __func__);
	return shim_alloc(SHIM_NR_CPUS * SHIM_PERCPU_UNIT, true, gfp);
}

void shim_free_percpu(void *p)
{
	shim_free(p);
}

/* === RCU === */

static struct rcu_head *shim_rcu_list;
static pthread_mutex_t shim_rcu_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_kfree_rcu(void *obj, struct rcu_head *head)
{
	pthread_mutex_lock(&shim_rcu_lock);
	head->obj = obj;
	head->next = shim_rcu_list;
	shim_rcu_list = head;
	pthread_mutex_unlock(&shim_rcu_lock);
}

void shim_rcu_barrier(void)
{
	struct rcu_head *head, *next;

	pthread_mutex_lock(&shim_rcu_lock);
	head = shim_rcu_list;
	shim_rcu_list = NULL;
	pthread_mutex_unlock(&shim_rcu_lock);
	for (; head; head = next) {
		next = head->next;
		shim_free(head->obj);
	}
}

/* === Wait queues and fatal signals === */

struct shim_task {
	int fatal;
};

static __thread struct shim_task shim_task;
__thread int shim_kill_on_wait;
long shim_waits;
long shim_waits_killed;

struct shim_task *shim_current(void)
{
	return &shim_task;
}

void init_waitqueue_head(wait_queue_head_t *wq)
{
	pthread_mutex_init(&wq->mutex, NULL);
	pthread_cond_init(&wq->cond, NULL);
}

void shim_kill(struct shim_task *task, wait_queue_head_t *wq)
{
	__atomic_store_n(&task->fatal, 1, __ATOMIC_SEQ_CST);
	if (wq) {
		pthread_mutex_lock(&wq->mutex);
		pthread_cond_broadcast(&wq->cond);
		pthread_mutex_unlock(&wq->mutex);
	}
}

void wake_up_all(wait_queue_head_t *wq)
{
	pthread_mutex_lock(&wq->mutex);
	pthread_cond_broadcast(&wq->cond);
	pthread_mutex_unlock(&wq->mutex);
}

void shim_wait_lock(wait_queue_head_t *wq)
{
	pthread_mutex_lock(&wq->mutex);
}

void shim_wait_unlock(wait_queue_head_t *wq)
{
	pthread_mutex_unlock(&wq->mutex);
}

/* With @wq's mutex held: sleep once.  -ERESTARTSYS on a fatal signal. */
int shim_wait_sleep(wait_queue_head_t *wq)
{
	struct timespec ts;

	if (__atomic_load_n(&shim_task.fatal, __ATOMIC_SEQ_CST))
		return -ERESTARTSYS;
	if (shim_kill_on_wait) {
		__atomic_add_fetch(&shim_waits_killed, 1, __ATOMIC_SEQ_CST);
		return -ERESTARTSYS;
	}
	__atomic_add_fetch(&shim_waits, 1, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	if (pthread_cond_timedwait(&wq->cond, &wq->mutex, &ts))
		shim_bug("a wait lasted ten seconds (lost wake-up?)", __func__);
	if (__atomic_load_n(&shim_task.fatal, __ATOMIC_SEQ_CST))
		return -ERESTARTSYS;
	return 0;
}

unsigned long shim_jiffies(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * shim_wait_sleep() with a deadline in jiffies: 1 when it passed, else as
 * shim_wait_sleep().
 */
int shim_wait_sleep_until(wait_queue_head_t *wq, unsigned long end)
{
	struct timespec ts;
	long left = (long)(end - shim_jiffies());

	if (__atomic_load_n(&shim_task.fatal, __ATOMIC_SEQ_CST))
		return -ERESTARTSYS;
	if (shim_kill_on_wait) {
		__atomic_add_fetch(&shim_waits_killed, 1, __ATOMIC_SEQ_CST);
		return -ERESTARTSYS;
	}
	if (left <= 0)
		return 1;
	__atomic_add_fetch(&shim_waits, 1, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&wq->cond, &wq->mutex, &ts);
	if (__atomic_load_n(&shim_task.fatal, __ATOMIC_SEQ_CST))
		return -ERESTARTSYS;
	return 0;
}

/* === Deferred work === */

static struct work_struct *shim_work_head, *shim_work_running;
static pthread_mutex_t shim_work_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shim_work_done = PTHREAD_COND_INITIALIZER;

bool schedule_work(struct work_struct *w)
{
	struct work_struct **pos;
	bool queued = false;

	pthread_mutex_lock(&shim_work_lock);
	if (!w->pending) {
		for (pos = &shim_work_head; *pos; pos = &(*pos)->next)
			;
		w->next = NULL;
		*pos = w;
		w->pending = true;
		queued = true;
	}
	pthread_mutex_unlock(&shim_work_lock);
	return queued;
}

bool cancel_work_sync(struct work_struct *w)
{
	struct work_struct **pos;
	bool was = false;

	might_sleep();
	pthread_mutex_lock(&shim_work_lock);
	if (w->pending) {
		for (pos = &shim_work_head; *pos != w; pos = &(*pos)->next)
			;
		*pos = w->next;
		w->pending = false;
		was = true;
	}
	while (shim_work_running == w)
		pthread_cond_wait(&shim_work_done, &shim_work_lock);
	pthread_mutex_unlock(&shim_work_lock);
	return was;
}

/* Run the queued work, in a process context; returns how many ran. */
int shim_flush_work(void)
{
	struct work_struct *w;
	int n = 0;

	might_sleep();
	for (;;) {
		pthread_mutex_lock(&shim_work_lock);
		while (shim_work_running)
			pthread_cond_wait(&shim_work_done, &shim_work_lock);
		w = shim_work_head;
		if (w) {
			shim_work_head = w->next;
			w->pending = false;
			shim_work_running = w;
		}
		pthread_mutex_unlock(&shim_work_lock);
		if (!w)
			return n;
		w->func(w);
		n++;
		pthread_mutex_lock(&shim_work_lock);
		shim_work_running = NULL;
		pthread_cond_broadcast(&shim_work_done);
		pthread_mutex_unlock(&shim_work_lock);
	}
}

/* === Binary search trees (the kernel's rbtree interface) === */

static void shim_rb_replace(struct rb_node *old, struct rb_node *new,
			    struct rb_root *root)
{
	struct rb_node *parent = old->rb_parent;

	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
	if (new)
		new->rb_parent = parent;
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *next;

	if (!node->rb_left) {
		shim_rb_replace(node, node->rb_right, root);
	} else if (!node->rb_right) {
		shim_rb_replace(node, node->rb_left, root);
	} else {
		/* The successor takes the node's place. */
		for (next = node->rb_right; next->rb_left; next = next->rb_left)
			;
		if (next->rb_parent != node) {
			shim_rb_replace(next, next->rb_right, root);
			next->rb_right = node->rb_right;
			next->rb_right->rb_parent = next;
		}
		shim_rb_replace(node, next, root);
		next->rb_left = node->rb_left;
		next->rb_left->rb_parent = next;
	}
}

static struct rb_node *shim_rb_left_deepest(const struct rb_node *node)
{
	for (;;) {
		if (node->rb_left)
			node = node->rb_left;
		else if (node->rb_right)
			node = node->rb_right;
		else
			return (struct rb_node *)node;
	}
}

struct rb_node *rb_first_postorder(const struct rb_root *root)
{
	return root->rb_node ? shim_rb_left_deepest(root->rb_node) : NULL;
}

struct rb_node *rb_next_postorder(const struct rb_node *node)
{
	const struct rb_node *parent = node->rb_parent;

	if (parent && node == parent->rb_left && parent->rb_right)
		return shim_rb_left_deepest(parent->rb_right);
	return (struct rb_node *)parent;
}

/* === The environment of the core === */

void vmem_arena_register(struct vmem *vm)
{
}

void vmem_arena_unregister(struct vmem *vm)
{
}

/* === Stack depot: one-frame stacks, the token of the calling test === */

#define SHIM_DEPOT_MAX	65536

bool vmem_debug_all;
__thread unsigned long shim_stack_token;
static pthread_mutex_t shim_depot_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long shim_depot[SHIM_DEPOT_MAX];
static unsigned int shim_depot_used;

int stack_depot_init(void)
{
	return 0;
}

unsigned int stack_trace_save(unsigned long *store, unsigned int size,
			      unsigned int skipnr)
{
	if (!size)
		return 0;
	store[0] = shim_stack_token;
	return 1;
}

/* Linear, but tests make few distinct stacks. */
depot_stack_handle_t stack_depot_save(unsigned long *entries,
				      unsigned int nr_entries, gfp_t gfp)
{
	depot_stack_handle_t h = 0;
	unsigned int i;

	if (nr_entries != 1)
		return 0;
	pthread_mutex_lock(&shim_depot_lock);
	for (i = 0; i < shim_depot_used && !h; i++)
		if (shim_depot[i] == entries[0])
			h = i + 1;
	if (!h && shim_depot_used < SHIM_DEPOT_MAX) {
		shim_depot[shim_depot_used++] = entries[0];
		h = shim_depot_used;
	}
	pthread_mutex_unlock(&shim_depot_lock);
	return h;
}

unsigned int stack_depot_fetch(depot_stack_handle_t handle,
			       unsigned long **entries)
{
	unsigned int used;

	pthread_mutex_lock(&shim_depot_lock);
	used = shim_depot_used;
	pthread_mutex_unlock(&shim_depot_lock);
	if (!handle || handle > used)
		return 0;
	*entries = &shim_depot[handle - 1];
	return 1;
}
