/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace: each trace event of vmem_trace.h calls shim_trace_<event>()
 * with its arguments (shim.c), which counts the events of the arena the
 * test watches and keeps the last one's fields; trace_<event>_enabled()
 * is shim_trace_on, so that a test turns the events on as tracefs would.
 */
#ifndef _SHIM_TRACEPOINT_H
#define _SHIM_TRACEPOINT_H

#include "../vmem_shim.h"

#define PARAMS(args...)		args
#define TP_PROTO(args...)	args
#define TP_ARGS(args...)	args

extern bool shim_trace_on;

#define TRACE_EVENT(name, proto, args, tstruct, assign, print)	\
	void shim_trace_##name(proto);					\
	static inline bool trace_##name##_enabled(void)			\
	{								\
		return shim_trace_on;					\
	}								\
	static inline void trace_##name(proto)				\
	{								\
		shim_trace_##name(args);				\
	}
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args)			\
	TRACE_EVENT(name, PARAMS(proto), PARAMS(args), , , )

#endif /* _SHIM_TRACEPOINT_H */
