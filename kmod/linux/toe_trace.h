/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of toe.ko (system "toe"), for trace-cmd and perf: connection
 * events with the socket's TCP state, named and anonymous buffer returns
 * with their reason, and each retransmission and drop of a flow.
 *
 * The engine is portable and knows nothing of tracepoints: the state and
 * buffer tracepoints fire where the glue receives the engine's events, the
 * flow ones from the engine's trace hook (toe_port_ops.trace).
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

DECLARE_EVENT_CLASS(toe_flow_class,
	TP_PROTO(int ifindex, const struct toe_trace_rec *rec),
	TP_ARGS(ifindex, rec),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u32, sock)
		__field(u32, owner)
		__field(u16, reason)
		__field(u8, proto)
		__field(u32, local_ip)
		__field(u32, remote_ip)
		__field(u16, local_port)
		__field(u16, remote_port)
		__field(u32, seq)
		__field(u32, len)
	),
	TP_fast_assign(
		__entry->ifindex = ifindex;
		__entry->sock = rec->sock;
		__entry->owner = rec->owner;
		__entry->reason = rec->reason;
		__entry->proto = rec->proto;
		__entry->local_ip = rec->local_ip;
		__entry->remote_ip = rec->remote_ip;
		__entry->local_port = rec->local_port;
		__entry->remote_port = rec->remote_port;
		__entry->seq = rec->seq;
		__entry->len = rec->len;
	),
	TP_printk("ifindex=%d sock=%u owner=%u %s %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u seq=%u len=%u reason=%s",
		  __entry->ifindex, __entry->sock, __entry->owner,
		  __entry->proto == TOE_PROTO_TCP ? "tcp" : "udp",
		  __entry->local_ip >> 24, (__entry->local_ip >> 16) & 0xff,
		  (__entry->local_ip >> 8) & 0xff, __entry->local_ip & 0xff,
		  __entry->local_port, __entry->remote_ip >> 24,
		  (__entry->remote_ip >> 16) & 0xff,
		  (__entry->remote_ip >> 8) & 0xff, __entry->remote_ip & 0xff,
		  __entry->remote_port,
		  __entry->seq, __entry->len,
		  __print_symbolic(__entry->reason,
				   { 0, "none" },
				   { TOE_DROP_TCP, "tcp" },
				   { TOE_DROP_NO_BUFLET, "no_buflet" },
				   { TOE_DROP_RX_SHUTDOWN, "rx_shutdown" },
				   { TOE_DROP_UDP_NO_ROOM, "udp_no_room" },
				   { TOE_DROP_ANON_EMPTY, "anon_empty" }))
);

/* A range of a flow sent again (RTO, fast retransmit, a SYN again). */
DEFINE_EVENT(toe_flow_class, toe_retransmit,
	TP_PROTO(int ifindex, const struct toe_trace_rec *rec),
	TP_ARGS(ifindex, rec)
);

/* Bytes of a flow the engine refused or discarded, with the reason. */
DEFINE_EVENT(toe_flow_class, toe_drop,
	TP_PROTO(int ifindex, const struct toe_trace_rec *rec),
	TP_ARGS(ifindex, rec)
);

#endif /* _TOE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE toe_trace
#include <trace/define_trace.h>
