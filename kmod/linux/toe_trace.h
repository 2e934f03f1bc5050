/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of toe.ko (system "toe"), for trace-cmd and perf: connection
 * events with the socket's TCP state, named and anonymous buffer returns
 * with their reason, and per-round totals of retransmissions and drops.
 *
 * The engine is portable and reports only events, so the state and buffer
 * tracepoints fire where the glue receives those events; retransmissions and
 * drops are counted inside the engine and fire as the difference of its
 * counters over one engine round (see toe_trace.c).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM toe

#if !defined(_TOE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TOE_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(toe_sock_state,
	TP_PROTO(int ifindex, u32 sock, u32 owner, u16 event, u8 state,
		 s32 status, u32 peer_ip, u16 peer_port),
	TP_ARGS(ifindex, sock, owner, event, state, status, peer_ip, peer_port),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u32, sock)
		__field(u32, owner)
		__field(u16, event)
		__field(u8, state)
		__field(s32, status)
		__field(u32, peer_ip)
		__field(u16, peer_port)
	),
	TP_fast_assign(
		__entry->ifindex = ifindex;
		__entry->sock = sock;
		__entry->owner = owner;
		__entry->event = event;
		__entry->state = state;
		__entry->status = status;
		__entry->peer_ip = peer_ip;
		__entry->peer_port = peer_port;
	),
	TP_printk("ifindex=%d sock=%u owner=%u event=%s state=%s status=%d peer=%u.%u.%u.%u:%u",
		  __entry->ifindex, __entry->sock, __entry->owner,
		  __print_symbolic(__entry->event,
				   { TOE_EV_CONNECTED, "connected" },
				   { TOE_EV_ACCEPT, "accepted" },
				   { TOE_EV_PEER_CLOSED, "peer_closed" },
				   { TOE_EV_ERROR, "error" },
				   { TOE_EV_CLOSED, "closed" }),
		  __print_symbolic(__entry->state,
				   { TOE_TCPS_CLOSED, "CLOSED" },
				   { TOE_TCPS_LISTEN, "LISTEN" },
				   { TOE_TCPS_SYN_SENT, "SYN_SENT" },
				   { TOE_TCPS_SYN_RECEIVED, "SYN_RECEIVED" },
				   { TOE_TCPS_ESTABLISHED, "ESTABLISHED" },
				   { TOE_TCPS_FIN_WAIT_1, "FIN_WAIT_1" },
				   { TOE_TCPS_FIN_WAIT_2, "FIN_WAIT_2" },
				   { TOE_TCPS_CLOSE_WAIT, "CLOSE_WAIT" },
				   { TOE_TCPS_CLOSING, "CLOSING" },
				   { TOE_TCPS_LAST_ACK, "LAST_ACK" },
				   { TOE_TCPS_TIME_WAIT, "TIME_WAIT" }),
		  __entry->status, __entry->peer_ip >> 24,
		  (__entry->peer_ip >> 16) & 0xff, (__entry->peer_ip >> 8) & 0xff,
		  __entry->peer_ip & 0xff, __entry->peer_port)
);

TRACE_EVENT(toe_buffer_return,
	TP_PROTO(int ifindex, u32 sock, u32 owner, bool anon, u64 ref,
		 u64 bytes, u16 reason, s32 status),
	TP_ARGS(ifindex, sock, owner, anon, ref, bytes, reason, status),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u32, sock)
		__field(u32, owner)
		__field(bool, anon)
		__field(u64, ref)
		__field(u64, bytes)
		__field(u16, reason)
		__field(s32, status)
	),
	TP_fast_assign(
		__entry->ifindex = ifindex;
		__entry->sock = sock;
		__entry->owner = owner;
		__entry->anon = anon;
		__entry->ref = ref;
		__entry->bytes = bytes;
		__entry->reason = reason;
		__entry->status = status;
	),
	TP_printk("ifindex=%d sock=%u owner=%u %s ref=%llu bytes=%llu reason=%s status=%d",
		  __entry->ifindex, __entry->sock, __entry->owner,
		  __entry->anon ? "anon" : "named", __entry->ref, __entry->bytes,
		  __print_symbolic(__entry->reason,
				   { TOE_RET_THRESHOLD, "threshold" },
				   { TOE_RET_FULL, "full" },
				   { TOE_RET_PSH, "psh" },
				   { TOE_RET_URG, "urg" },
				   { TOE_RET_FIN, "fin" },
				   { TOE_RET_RST, "rst" },
				   { TOE_RET_TIMEOUT, "timeout" },
				   { TOE_RET_CLOSED, "closed" },
				   { TOE_RET_DATAGRAM, "datagram" }),
		  __entry->status)
);

TRACE_EVENT(toe_retransmit,
	TP_PROTO(int ifindex, u64 count, u64 total),
	TP_ARGS(ifindex, count, total),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u64, count)
		__field(u64, total)
	),
	TP_fast_assign(
		__entry->ifindex = ifindex;
		__entry->count = count;
		__entry->total = total;
	),
	TP_printk("ifindex=%d count=%llu total=%llu", __entry->ifindex,
		  __entry->count, __entry->total)
);

TRACE_EVENT(toe_drop,
	TP_PROTO(int ifindex, const char *reason, u64 count),
	TP_ARGS(ifindex, reason, count),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__string(reason, reason)
		__field(u64, count)
	),
	TP_fast_assign(
		__entry->ifindex = ifindex;
		__assign_str(reason, reason);
		__entry->count = count;
	),
	TP_printk("ifindex=%d reason=%s count=%llu", __entry->ifindex,
		  __get_str(reason), __entry->count)
);

#endif /* _TOE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE toe_trace
#include <trace/define_trace.h>
