// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: the files of each arena (root-only, 0400), directory names
 * (sanitized, unique for equal names, removed on destroy), and the exact
 * contents of arenas, stats, segments and freelists, read through
 * vmem_show_*() into a seq_file of our own and parsed; and reads of the
 * real files, through a debugfs mount of the test's own, racing with
 * vmem_destroy() (under KASAN, a read that outlived its arena shows).
 */
#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mount.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uio.h>
#include "vmem_test.h"

#define Q	0x100UL
#define BUFSZ	SZ_64K
#define FIELDS	12

static void need_debugfs(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "CONFIG_DEBUG_FS is off");
}

static struct seq_file *new_seq(struct kunit *test)
{
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = BUFSZ;
	m->buf = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	m->count = 0;
	return m;
}

static char *seq_text(struct kunit *test, struct seq_file *m)
{
	KUNIT_ASSERT_FALSE(test, seq_has_overflowed(m));
	KUNIT_ASSERT_LT(test, m->count, m->size);
	m->buf[m->count] = '\0';
	return m->buf;
}

static char *show_vm(struct kunit *test,
		     void (*show)(struct seq_file *, struct vmem *),
		     struct vmem *vm)
{
	struct seq_file *m = new_seq(test);

	show(m, vm);
	return seq_text(test, m);
}

static char *show_arenas(struct kunit *test)
{
	struct seq_file *m = new_seq(test);

	vmem_show_arenas(m);
	return seq_text(test, m);
}

/* Split the next line of *@text into at most FIELDS fields. */
static int next_line(char **text, char **field)
{
	char *line = strsep(text, "\n"), *tok;
	int n = 0;

	if (!line)
		return -1;
	while ((tok = strsep(&line, " \t")) && n < FIELDS)
		if (*tok)
			field[n++] = tok;
	return n;
}

static unsigned long num(struct kunit *test, const char *s)
{
	unsigned long v;

	KUNIT_EXPECT_EQ_MSG(test, kstrtoul(s, 0, &v), 0, "not a number: '%s'",
			    s);
	return v;
}

static unsigned long hex(struct kunit *test, const char *s)
{
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(s, "0x", 2),
			      "'%s' does not start with 0x", s);
	return num(test, s);
}

/* The value of "@key value" in a stats file; fails if absent. */
static unsigned long stat_value(struct kunit *test, const char *text,
				const char *key)
{
	char *copy = kunit_kstrdup(test, text, GFP_KERNEL), *f[FIELDS];
	int n;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	while ((n = next_line(&copy, f)) >= 0)
		if (n == 2 && !strcmp(f[0], key))
			return num(test, f[1]);
	KUNIT_FAIL(test, "stats has no '%s'", key);
	return 0;
}

static const char *dir_name(struct vmem *vm)
{
	return vm->debugfs->d_name.name;
}

static void expect_file(struct kunit *test, struct dentry *dir,
			const char *name)
{
	struct dentry *d = debugfs_lookup(name, dir);

	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, d, "no debugfs file '%s'",
					 name);
	KUNIT_EXPECT_TRUE_MSG(test, S_ISREG(d_inode(d)->i_mode),
			      "'%s' is not a regular file", name);
	KUNIT_EXPECT_EQ_MSG(test, d_inode(d)->i_mode & 07777, (umode_t)0400,
			    "mode of '%s'", name);
	dput(d);
}

static struct dentry *vmem_root(struct kunit *test)
{
	struct dentry *root = debugfs_lookup("vmem", NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, root,
					 "no /sys/kernel/debug/vmem");
	return root;
}

static bool in_root(struct kunit *test, const char *name)
{
	struct dentry *root = vmem_root(test), *d;

	d = debugfs_lookup(name, root);
	dput(root);
	if (IS_ERR_OR_NULL(d))
		return false;
	dput(d);
	return true;
}

static void debugfs_files_are_root_only(struct kunit *test)
{
	struct vmem *vm;
	struct dentry *root;

	need_debugfs(test);
	vm = vmem_test_create_full(test, "kunit-files", 0, Q, Q, NULL, NULL,
				   NULL, VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm->debugfs);
	expect_file(test, vm->debugfs, "stats");
	expect_file(test, vm->debugfs, "segments");
	expect_file(test, vm->debugfs, "freelists");
	root = vmem_root(test);
	expect_file(test, root, "arenas");
	KUNIT_EXPECT_PTR_EQ(test, vm->debugfs->d_parent, root);
	dput(root);
}

static void debugfs_dir_named_after_arena(struct kunit *test)
{
	struct vmem *vm;

	need_debugfs(test);
	vm = vmem_test_create_full(test, "kunit-named", 0, Q, Q, NULL, NULL,
				   NULL, VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm->debugfs);
	KUNIT_EXPECT_STREQ(test, dir_name(vm), "kunit-named");
	KUNIT_EXPECT_TRUE(test, in_root(test, "kunit-named"));
}

static void debugfs_same_name_own_dir(struct kunit *test)
{
	struct vmem *a, *b, *c;
	char want[VMEM_NAME_MAX + 16];

	need_debugfs(test);
	a = vmem_test_create_full(test, "kunit-dup", 0, Q, Q, NULL, NULL,
				  NULL, VMEM_SLEEP);
	b = vmem_test_create_full(test, "kunit-dup", 0, Q, Q, NULL, NULL,
				  NULL, VMEM_SLEEP);
	c = vmem_test_create_full(test, "kunit-dup", 0, Q, Q, NULL, NULL,
				  NULL, VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a->debugfs);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->debugfs);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->debugfs);
	KUNIT_EXPECT_STREQ(test, dir_name(a), "kunit-dup");
	snprintf(want, sizeof(want), "kunit-dup.%u", b->id);
	KUNIT_EXPECT_STREQ(test, dir_name(b), want);
	snprintf(want, sizeof(want), "kunit-dup.%u", c->id);
	KUNIT_EXPECT_STREQ(test, dir_name(c), want);
	KUNIT_EXPECT_NE(test, a->id, b->id);
	KUNIT_EXPECT_NE(test, b->id, c->id);
	expect_file(test, b->debugfs, "stats");
	expect_file(test, c->debugfs, "segments");
	KUNIT_EXPECT_TRUE(test, in_root(test, dir_name(b)));
}

/*
 * An arena already called "<name>.<id>" for the id that a second arena
 * named <name> gets: that one still needs a directory of its own.
 */
static void debugfs_suffix_taken(struct kunit *test)
{
	struct vmem *a, *b, *c;
	char name[VMEM_NAME_MAX];

	need_debugfs(test);
	a = vmem_test_create_full(test, "kunit-sfx", 0, Q, Q, NULL, NULL,
				  NULL, VMEM_SLEEP);
	/* Ids are handed out in order; tests run one at a time. */
	snprintf(name, sizeof(name), "kunit-sfx.%u", a->id + 2);
	b = vmem_test_create_full(test, name, 0, Q, Q, NULL, NULL, NULL,
				  VMEM_SLEEP);
	c = vmem_test_create_full(test, "kunit-sfx", 0, Q, Q, NULL, NULL,
				  NULL, VMEM_SLEEP);
	KUNIT_ASSERT_EQ(test, c->id, a->id + 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a->debugfs);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->debugfs);
	KUNIT_EXPECT_STREQ(test, dir_name(b), name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, c->debugfs,
					 "the second \"kunit-sfx\" got no directory");
	KUNIT_EXPECT_STRNEQ(test, dir_name(c), dir_name(a));
	KUNIT_EXPECT_STRNEQ(test, dir_name(c), dir_name(b));
	expect_file(test, c->debugfs, "stats");
}

static void debugfs_name_sanitized(struct kunit *test)
{
	struct vmem *vm;

	need_debugfs(test);
	vm = vmem_test_create_full(test, "kunit a/b\tc\nd", 0, Q, Q, NULL,
				   NULL, NULL, VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm->debugfs);
	KUNIT_EXPECT_STREQ(test, dir_name(vm), "kunit_a_b_c_d");
	KUNIT_EXPECT_STREQ(test, vm->name, "kunit a/b\tc\nd");
	expect_file(test, vm->debugfs, "stats");
}

static void debugfs_dir_removed_on_destroy(struct kunit *test)
{
	struct vmem *vm;

	need_debugfs(test);
	vm = vmem_test_create_full(test, "kunit-gone", 0, Q, Q, NULL, NULL,
				   NULL, VMEM_SLEEP);
	KUNIT_ASSERT_TRUE(test, in_root(test, "kunit-gone"));
	vmem_test_destroy(test, vm);
	KUNIT_EXPECT_FALSE(test, in_root(test, "kunit-gone"));
	/* The name is free again. */
	vm = vmem_test_create_full(test, "kunit-gone", 0, Q, Q, NULL, NULL,
				   NULL, VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm->debugfs);
	KUNIT_EXPECT_STREQ(test, dir_name(vm), "kunit-gone");
}

/* The line of the arenas file whose first field is @name, or NULL. */
static int arenas_line(struct kunit *test, const char *name, char **f)
{
	char *text = show_arenas(test);
	int n, found = -1;

	n = next_line(&text, f);
	KUNIT_EXPECT_GT(test, n, 0);
	if (n > 0)
		KUNIT_EXPECT_EQ(test, f[0][0], '#');
	while ((n = next_line(&text, f)) >= 0) {
		if (n && !strcmp(f[0], name)) {
			KUNIT_EXPECT_EQ_MSG(test, found, -1,
					    "'%s' listed twice", name);
			found = n;
			if (n == 9)
				return n;
		}
	}
	return found;
}

static void debugfs_arenas_file(struct kunit *test)
{
	struct vmem *root, *leaf;
	unsigned long a, b, c;
	char *f[FIELDS];

	need_debugfs(test);
	root = vmem_test_create_full(test, "kunit-ar-root", 0x10000, 0x10000,
				     Q, NULL, NULL, NULL, VMEM_SLEEP);
	leaf = vmem_test_create_child(test, "kunit-ar-leaf", root, Q);
	a = vmem_test_alloc(test, root, 3 * Q, VMEM_NOSLEEP);
	b = vmem_test_alloc(test, leaf, 2 * Q, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vmem_alloc(root, 0x20000, VMEM_NOSLEEP, &c),
			-ENOMEM);
	vmem_free(root, a, 3 * Q);
	a = vmem_test_alloc(test, root, 3 * Q, VMEM_NOSLEEP);

	KUNIT_ASSERT_EQ(test, arenas_line(test, "kunit-ar-root", f), 9);
	KUNIT_EXPECT_STREQ(test, f[1], "-");
	KUNIT_EXPECT_EQ(test, num(test, f[2]), Q);
	KUNIT_EXPECT_EQ(test, num(test, f[3]), 3 * Q + leaf->mem_import);
	KUNIT_EXPECT_EQ(test, num(test, f[4]), 0x10000UL);
	KUNIT_EXPECT_EQ(test, num(test, f[5]), 0UL);
	KUNIT_EXPECT_EQ(test, num(test, f[6]), (unsigned long)root->stats.alloc);
	KUNIT_EXPECT_EQ(test, num(test, f[7]), 1UL);
	KUNIT_EXPECT_EQ(test, num(test, f[8]), 1UL);

	KUNIT_ASSERT_EQ(test, arenas_line(test, "kunit-ar-leaf", f), 9);
	KUNIT_EXPECT_STREQ(test, f[1], "kunit-ar-root");
	KUNIT_EXPECT_EQ(test, num(test, f[3]), 2 * Q);
	KUNIT_EXPECT_EQ(test, num(test, f[4]), leaf->mem_total);
	KUNIT_EXPECT_EQ(test, num(test, f[5]), leaf->mem_import);
	KUNIT_EXPECT_GT(test, num(test, f[5]), 0UL);
	KUNIT_EXPECT_EQ(test, num(test, f[6]), 1UL);
	KUNIT_EXPECT_EQ(test, num(test, f[7]), 0UL);
	KUNIT_EXPECT_EQ(test, num(test, f[8]), 0UL);

	vmem_free(leaf, b, 2 * Q);
	vmem_free(root, a, 3 * Q);
	vmem_test_destroy(test, leaf);
	KUNIT_EXPECT_EQ(test, arenas_line(test, "kunit-ar-leaf", f), -1);
	KUNIT_EXPECT_EQ(test, arenas_line(test, "kunit-ar-root", f), 9);
}

static void debugfs_stats_file(struct kunit *test)
{
	static const char * const keys[] = {
		"mem_inuse", "mem_import", "mem_total", "alloc", "free",
		"wait", "fail", "lookup", "search", "populate_fail",
		"contains", "contains_search", "quantum", "import", "release",
		"bad_free", "spans", "segs_alloc", "segs_free",
		"hash_buckets",
	};
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x10000, Q);
	unsigned long a, b, c;
	unsigned int i;
	char *text;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x40000, 0x1000, VMEM_SLEEP), 0);
	a = vmem_test_alloc(test, vm, 3 * Q, VMEM_NOSLEEP);
	b = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	vmem_free(vm, b, Q);
	b = vmem_test_alloc(test, vm, 5 * Q, VMEM_BESTFIT | VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x100000, VMEM_NOSLEEP, &c),
			-ENOMEM);
	vmem_free(vm, 0x30000, Q);
	vmem_contains(vm, 0x10000, Q);
	vmem_contains(vm, 0x30000, Q);

	text = show_vm(test, vmem_show_stats, vm);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		stat_value(test, text, keys[i]);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "mem_inuse"), 8 * Q);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "mem_total"), 0x11000UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "mem_import"), 0UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "quantum"), Q);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "alloc"), 3UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "free"), 1UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "fail"), 1UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "wait"), 0UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "bad_free"), 1UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "contains"), 2UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "import"), 0UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "release"), 0UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "spans"), 2UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "segs_alloc"), 2UL);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "segs_free"),
			(unsigned long)vmem_test_count(vm, VMEM_FREE));
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "hash_buckets"),
			1UL << vm->hash_bits);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "lookup"),
			(unsigned long)vm->stats.lookup);
	KUNIT_EXPECT_EQ(test, stat_value(test, text, "search"),
			(unsigned long)vm->stats.search);
	vmem_free(vm, a, 3 * Q);
	vmem_free(vm, b, 5 * Q);
}

struct seg_line {
	const char *type;
	unsigned long start;
	unsigned long end;
};

static void expect_segments(struct kunit *test, struct vmem *vm,
			    const struct seg_line *want, unsigned int nwant)
{
	char *text = show_vm(test, vmem_show_segments, vm), *f[FIELDS];
	unsigned int i = 0;
	int n;

	while ((n = next_line(&text, f)) >= 0) {
		if (!n)
			continue;
		KUNIT_ASSERT_EQ_MSG(test, n, 4, "segments line %u", i);
		KUNIT_ASSERT_LT_MSG(test, i, nwant, "extra line: %s %s %s %s",
				    f[0], f[1], f[2], f[3]);
		KUNIT_EXPECT_STREQ_MSG(test, f[0], want[i].type, "line %u", i);
		KUNIT_EXPECT_EQ_MSG(test, hex(test, f[1]), want[i].start,
				    "line %u", i);
		KUNIT_EXPECT_EQ_MSG(test, hex(test, f[2]), want[i].end,
				    "line %u", i);
		KUNIT_EXPECT_EQ_MSG(test, num(test, f[3]),
				    want[i].end - want[i].start + 1,
				    "line %u", i);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, nwant);
}

static void debugfs_segments_file(struct kunit *test)
{
	static const struct seg_line want[] = {
		{ "span", 0x1000, 0x1fff },
		{ "alloc", 0x1000, 0x10ff },
		{ "free", 0x1100, 0x17ff },
		{ "alloc", 0x1800, 0x1fff },
		{ "span", 0x8000, 0x80ff },
		{ "free", 0x8000, 0x80ff },
		{ "span", ULONG_MAX - 0xff, ULONG_MAX },
		{ "alloc", ULONG_MAX - 0xff, ULONG_MAX },
	};
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, Q);

	KUNIT_ASSERT_EQ(test, vmem_add(vm, ULONG_MAX - 0xff, Q, VMEM_SLEEP),
			0);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x8000, Q, VMEM_SLEEP), 0);
	vmem_test_take(test, vm, 0x1000, Q);
	vmem_test_take(test, vm, 0x1800, 0x800);
	vmem_test_take(test, vm, ULONG_MAX - 0xff, Q);
	expect_segments(test, vm, want, ARRAY_SIZE(want));
	vmem_free(vm, 0x1000, Q);
	vmem_free(vm, 0x1800, 0x800);
	vmem_free(vm, ULONG_MAX - 0xff, Q);
}

/* Imported spans show as "import"; address 0 is printed in hex too. */
static void debugfs_segments_import(struct kunit *test)
{
	static const struct seg_line want_root[] = {
		{ "span", 0, 0xffff },
		{ "alloc", 0, 0xff },
		{ "free", 0x100, 0xffff },
	};
	static const struct seg_line want_leaf[] = {
		{ "import", 0, 0xff },
		{ "alloc", 0, 0xff },
	};
	struct vmem *root = vmem_test_create(test, 0, 0x10000, Q);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   Q);
	unsigned long a;

	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, Q, 0, 0, 0, 0, Q - 1,
					  VMEM_NOSLEEP, &a), 0);
	KUNIT_ASSERT_EQ(test, a, 0UL);
	expect_segments(test, root, want_root, ARRAY_SIZE(want_root));
	expect_segments(test, leaf, want_leaf, ARRAY_SIZE(want_leaf));
	vmem_free(leaf, a, Q);
	expect_segments(test, leaf, NULL, 0);
}

static void debugfs_freelists_file(struct kunit *test)
{
	/* Free segments of 1, 1, 3, 4 and 100 quanta of 16 bytes. */
	static const unsigned long holes[] = { 1, 1, 3, 4, 100 };
	const unsigned long q = 16, base = 0x10000;
	unsigned long count[BITS_PER_LONG] = { }, bytes[BITS_PER_LONG] = { };
	unsigned long addr = base, total = 0;
	struct vmem *vm;
	unsigned int i, lines = 0;
	char *text, *f[FIELDS];
	int n;

	for (i = 0; i < ARRAY_SIZE(holes); i++)
		total += (holes[i] + 1) * q;
	vm = vmem_test_create(test, base, total, q);
	for (i = 0; i < ARRAY_SIZE(holes); i++) {
		unsigned int list = vmem_freelist_index(holes[i] * q);

		count[list]++;
		bytes[list] += holes[i] * q;
		addr += holes[i] * q;
		vmem_test_take(test, vm, addr, q);
		addr += q;
	}
	text = show_vm(test, vmem_show_freelists, vm);
	n = next_line(&text, f);
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, f[0][0], '#');
	while ((n = next_line(&text, f)) >= 0) {
		unsigned long list;

		if (!n)
			continue;
		KUNIT_ASSERT_EQ(test, n, 3);
		list = num(test, f[0]);
		KUNIT_ASSERT_EQ(test, list, (unsigned long)lines);
		KUNIT_EXPECT_EQ_MSG(test, num(test, f[1]), count[list],
				    "list %lu", list);
		KUNIT_EXPECT_EQ_MSG(test, num(test, f[2]), bytes[list],
				    "list %lu", list);
		lines++;
	}
	KUNIT_EXPECT_EQ(test, lines, (unsigned int)BITS_PER_LONG);
	for (i = 0, addr = base; i < ARRAY_SIZE(holes); i++) {
		addr += holes[i] * q;
		vmem_free(vm, addr, q);
		addr += q;
	}
}

/*
 * Reads a debugfs file over and over until told to stop, as a read(2)
 * would: debugfs's proxy (debugfs_file_get(), the file's seq_file read,
 * debugfs_file_put()), into a kernel buffer.
 */
struct race_reader {
	struct file *file;
	bool stop;
	unsigned long reads;
	ssize_t error;
	struct completion done;
};

static int race_reader_fn(void *data)
{
	struct race_reader *r = data;
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

	while (buf && !READ_ONCE(r->stop)) {
		struct dentry *dentry = r->file->f_path.dentry;
		struct kvec kv = { .iov_base = buf, .iov_len = PAGE_SIZE };
		struct iov_iter iter;
		struct kiocb kiocb;
		ssize_t n;

		n = debugfs_file_get(dentry);
		if (!n) {
			init_sync_kiocb(&kiocb, r->file);
			iov_iter_kvec(&iter, ITER_DEST, &kv, 1, PAGE_SIZE);
			n = seq_read_iter(&kiocb, &iter);
			debugfs_file_put(dentry);
		}
		if (n > 0)
			r->reads++;
		else
			r->error = n;
		cond_resched();
	}
	kfree(buf);
	complete(&r->done);
	return 0;
}

static void mntput_action(void *mnt)
{
	mntput(mnt);
}

/* Each file of an arena is being read while the arena is destroyed. */
static void debugfs_read_races_destroy(struct kunit *test)
{
	static const char * const files[] = { "stats", "segments", "freelists" };
	struct file_system_type *type;
	struct race_reader *r;
	struct vfsmount *mnt;
	unsigned int round;

	need_debugfs(test);
	type = get_fs_type("debugfs");
	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = vfs_kern_mount(type, 0, "debugfs", NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(mnt));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mntput_action,
							   mnt));
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);

	for (round = 0; round < 3 * ARRAY_SIZE(files); round++) {
		struct vmem *vm;
		struct path path = { .mnt = mnt };
		struct task_struct *t;
		unsigned long addr[64], i;

		vm = vmem_create("kunit-race", 0, 1UL << 16, 1, NULL, NULL,
				 NULL, 4, VMEM_SLEEP);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm);
		for (i = 0; i < 64; i++)
			KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 1 + i % 8,
							 VMEM_SLEEP, &addr[i]),
					0);
		path.dentry = debugfs_lookup(files[round % ARRAY_SIZE(files)],
					     vm->debugfs);
		if (!path.dentry) {
			vmem_destroy(vm);
			KUNIT_FAIL(test, "no debugfs file %s",
				   files[round % ARRAY_SIZE(files)]);
			return;
		}
		r->file = dentry_open(&path, O_RDONLY, current_cred());
		dput(path.dentry);
		if (IS_ERR(r->file)) {
			vmem_destroy(vm);
			KUNIT_FAIL(test, "dentry_open: %ld", PTR_ERR(r->file));
			return;
		}
		r->stop = false;
		r->reads = 0;
		r->error = 0;
		init_completion(&r->done);
		t = kthread_run(race_reader_fn, r, "vmem_kunit_read");
		if (IS_ERR(t)) {
			fput(r->file);
			vmem_destroy(vm);
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
			return;
		}
		/* Destroy once reads are under way. */
		for (i = 0; i < 1000 && !READ_ONCE(r->reads); i++)
			usleep_range(100, 200);
		for (i = 0; i < 64; i++)
			vmem_free(vm, addr[i], 1 + i % 8);
		vmem_destroy(vm);
		WRITE_ONCE(r->stop, true);
		wait_for_completion(&r->done);
		fput(r->file);
		KUNIT_EXPECT_GT_MSG(test, r->reads, 0UL, "read: %zd", r->error);
	}
}

static struct kunit_case vmem_debugfs_cases[] = {
	KUNIT_CASE(debugfs_files_are_root_only),
	KUNIT_CASE(debugfs_dir_named_after_arena),
	KUNIT_CASE(debugfs_same_name_own_dir),
	KUNIT_CASE(debugfs_suffix_taken),
	KUNIT_CASE(debugfs_name_sanitized),
	KUNIT_CASE(debugfs_dir_removed_on_destroy),
	KUNIT_CASE(debugfs_arenas_file),
	KUNIT_CASE(debugfs_stats_file),
	KUNIT_CASE(debugfs_segments_file),
	KUNIT_CASE(debugfs_segments_import),
	KUNIT_CASE(debugfs_freelists_file),
	KUNIT_CASE(debugfs_read_races_destroy),
	{}
};

static struct kunit_suite vmem_debugfs_suite = {
	.name = "vmem_debugfs",
	.init = vmem_test_init,
	.test_cases = vmem_debugfs_cases,
};

kunit_test_suite(vmem_debugfs_suite);
