/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of vmem, group "vmem", in the form of include/trace/events/:
 * usable with tracefs (events/vmem/), perf, trace-cmd and bpftrace
 * (tracepoint:vmem:*).  Defined once, in vmem_main.c (CREATE_TRACE_POINTS);
 * called by the core.  While an event is disabled its call site is a
 * static branch that is not taken: nothing is formatted or copied.
 *
 * The arena's name is copied into a fixed array, not a __string(), whose
 * helpers changed in 6.10: one definition for every kernel vmem supports.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmem

#if !defined(_VMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VMEM_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmem.h>

TRACE_EVENT(vmem_alloc,
	TP_PROTO(const char *arena, unsigned long size, unsigned int vmflag,
		 unsigned long addr, int ret, bool cached),
	TP_ARGS(arena, size, vmflag, addr, ret, cached),
	TP_STRUCT__entry(
		__array(char, arena, VMEM_NAME_MAX)
		__field(unsigned long, size)
		__field(unsigned long, addr)
		__field(unsigned int, vmflag)
		__field(int, ret)
		__field(bool, cached)
	),
	TP_fast_assign(
		strscpy_pad(__entry->arena, arena, VMEM_NAME_MAX);
		__entry->size = size;
		__entry->addr = ret ? 0 : addr;
		__entry->vmflag = vmflag;
		__entry->ret = ret;
		__entry->cached = cached;
	),
	TP_printk("arena=%s size=%#lx flags=%#x addr=%#lx ret=%d cached=%d",
		  __entry->arena, __entry->size, __entry->vmflag,
		  __entry->addr, __entry->ret, __entry->cached)
);

TRACE_EVENT(vmem_free,
	TP_PROTO(const char *arena, unsigned long addr, unsigned long size),
	TP_ARGS(arena, addr, size),
	TP_STRUCT__entry(
		__array(char, arena, VMEM_NAME_MAX)
		__field(unsigned long, addr)
		__field(unsigned long, size)
	),
	TP_fast_assign(
		strscpy_pad(__entry->arena, arena, VMEM_NAME_MAX);
		__entry->addr = addr;
		__entry->size = size;
	),
	TP_printk("arena=%s addr=%#lx size=%#lx",
		  __entry->arena, __entry->addr, __entry->size)
);

DECLARE_EVENT_CLASS(vmem_span,
	TP_PROTO(const char *arena, const char *source, unsigned long addr,
		 unsigned long size),
	TP_ARGS(arena, source, addr, size),
	TP_STRUCT__entry(
		__array(char, arena, VMEM_NAME_MAX)
		__array(char, source, VMEM_NAME_MAX)
		__field(unsigned long, addr)
		__field(unsigned long, size)
	),
	TP_fast_assign(
		strscpy_pad(__entry->arena, arena, VMEM_NAME_MAX);
		strscpy_pad(__entry->source, source, VMEM_NAME_MAX);
		__entry->addr = addr;
		__entry->size = size;
	),
	TP_printk("arena=%s source=%s addr=%#lx size=%#lx",
		  __entry->arena, __entry->source, __entry->addr,
		  __entry->size)
);

/* A span imported from the source (a vmem arena, or "-": ximport). */
DEFINE_EVENT(vmem_span, vmem_import,
	TP_PROTO(const char *arena, const char *source, unsigned long addr,
		 unsigned long size),
	TP_ARGS(arena, source, addr, size)
);

/* An imported span given back. */
DEFINE_EVENT(vmem_span, vmem_release,
	TP_PROTO(const char *arena, const char *source, unsigned long addr,
		 unsigned long size),
	TP_ARGS(arena, source, addr, size)
);

TRACE_EVENT(vmem_alloc_fail,
	TP_PROTO(const char *arena, unsigned long size, unsigned long align,
		 unsigned long phase, unsigned long nocross,
		 unsigned long minaddr, unsigned long maxaddr, int ret),
	TP_ARGS(arena, size, align, phase, nocross, minaddr, maxaddr, ret),
	TP_STRUCT__entry(
		__array(char, arena, VMEM_NAME_MAX)
		__field(unsigned long, size)
		__field(unsigned long, align)
		__field(unsigned long, phase)
		__field(unsigned long, nocross)
		__field(unsigned long, minaddr)
		__field(unsigned long, maxaddr)
		__field(int, ret)
	),
	TP_fast_assign(
		strscpy_pad(__entry->arena, arena, VMEM_NAME_MAX);
		__entry->size = size;
		__entry->align = align;
		__entry->phase = phase;
		__entry->nocross = nocross;
		__entry->minaddr = minaddr;
		__entry->maxaddr = maxaddr;
		__entry->ret = ret;
	),
	TP_printk("arena=%s size=%#lx align=%#lx phase=%#lx nocross=%#lx min=%#lx max=%#lx ret=%d",
		  __entry->arena, __entry->size, __entry->align,
		  __entry->phase, __entry->nocross, __entry->minaddr,
		  __entry->maxaddr, __entry->ret)
);

/* A VMEM_SLEEP allocation starts waiting for space. */
TRACE_EVENT(vmem_wait,
	TP_PROTO(const char *arena, unsigned long size),
	TP_ARGS(arena, size),
	TP_STRUCT__entry(
		__array(char, arena, VMEM_NAME_MAX)
		__field(unsigned long, size)
	),
	TP_fast_assign(
		strscpy_pad(__entry->arena, arena, VMEM_NAME_MAX);
		__entry->size = size;
	),
	TP_printk("arena=%s size=%#lx", __entry->arena, __entry->size)
);

/* The quantum caches gave resources back (reap, purge or shrinker). */
TRACE_EVENT(vmem_reap,
	TP_PROTO(const char *arena, unsigned long returned),
	TP_ARGS(arena, returned),
	TP_STRUCT__entry(
		__array(char, arena, VMEM_NAME_MAX)
		__field(unsigned long, returned)
	),
	TP_fast_assign(
		strscpy_pad(__entry->arena, arena, VMEM_NAME_MAX);
		__entry->returned = returned;
	),
	TP_printk("arena=%s returned=%lu", __entry->arena, __entry->returned)
);

#endif /* _VMEM_TRACE_H */

/* This part must be outside protection. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vmem_trace
#include <trace/define_trace.h>
