/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace: each trace event of vmem_trace.h becomes an empty inline
 * function with its prototype, so that the core calls them unchanged.
 */
#ifndef _SHIM_TRACEPOINT_H
#define _SHIM_TRACEPOINT_H

#include "../vmem_shim.h"

#define PARAMS(args...)		args
#define TP_PROTO(args...)	args
#define TP_ARGS(args...)	args

#define TRACE_EVENT(name, proto, args, tstruct, assign, print)	\
	static inline bool trace_##name##_enabled(void) { return false; } \
	static inline void trace_##name(proto) {}
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args)			\
	static inline bool trace_##name##_enabled(void) { return false; } \
	static inline void trace_##name(proto) {}

#endif /* _SHIM_TRACEPOINT_H */
