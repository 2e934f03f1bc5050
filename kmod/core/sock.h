/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The seed's data structures inside the engine: the socket descriptor
 * (struct toe_sock), the named buffer descriptor (struct toe_named_buf),
 * buflets (struct toe_buflet) with the free buflet list and the per-socket
 * segment list, the anonymous buffer list (struct toe_anon_buf), and the
 * send request (struct toe_send_desc) that keeps host memory referenced
 * until the peer acknowledges it.
 *
 * Everything here is touched by the engine thread only, except the flow
 * table linkage and identity fields at the top of struct toe_sock, which
 * toe_engine_classify() reads under RCU.
 */
#ifndef TOE_SOCK_H
#define TOE_SOCK_H

#include "toe_engine.h"
#include "timer.h"
#include "tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Buflets ---------------------------------------------------------------- */

/* toe_buflet.seg_flags and the flags of toe_rx_place() */
#define TOE_SEGF_PSH (1u << 0)
#define TOE_SEGF_URG (1u << 1)
#define TOE_SEGF_FIN (1u << 2)

/* l2_off/l3_off/l4_off when the buflet holds no headers */
#define TOE_BUFLET_NO_HDR 0xffff

/*
 * A buflet: a fixed-size cell of the engine's memory (the seed's "adapter
 * local memory") holding part of a received segment. A segment is a chain
 * of buflets linked through next; its first buflet carries the segment's
 * fields (seq, seg_flags, seg_len, next_seg). Data bytes of each buflet are
 * data[byte_offset .. byte_offset + byte_count). For UDP the first buflet
 * also keeps the received L2/L3/L4 headers at the l2/l3/l4 offsets, so the
 * source address and the UDP header travel with the datagram.
 */
struct toe_buflet {
	struct toe_buflet *next; /* next buflet of this segment */
	struct toe_buflet *next_seg; /* first buflet: the next segment */
	u32 byte_offset; /* first data byte in data[] */
	u32 byte_count; /* data bytes in this buflet */
	u16 l2_off; /* Ethernet header in data[], or TOE_BUFLET_NO_HDR */
	u16 l3_off; /* IPv4 header */
	u16 l4_off; /* TCP/UDP header */
	u8 seg_flags; /* first buflet: TOE_SEGF_* of the segment */
	u8 reserved;
	u32 seq; /* first buflet, TCP: sequence number of the first byte */
	u32 seg_len; /* first buflet: data bytes in the whole segment */
	u8 data[]; /* the engine's buflet_size bytes */
};

/*
 * The seed's segment list: received data waiting for a named buffer.
 * UDP keeps one segment per datagram (first buflets linked by next_seg,
 * headers kept). TCP's data is a byte stream, so its list is a single
 * chain of buflets (linked by next) that new data is coalesced into; each
 * buflet's seg_flags then carry the PSH/URG of data ending in it.
 */
struct toe_seg_list {
	struct toe_buflet *head; /* first buflet of the first segment */
	struct toe_buflet *tail; /* first buflet of the last segment */
	struct toe_buflet *last; /* last buflet of the last segment */
	u32 bytes; /* data bytes in all segments */
	u32 segs;
};

/* ---- Named buffers ------------------------------------------------------------ */

/* The seed's named buffer descriptor: a posted receive buffer. */
struct toe_named_buf {
	struct toe_named_buf *next; /* socket's list, placement order */
	struct toe_named_buf *prev;
	struct toe_sock *sk; /* socket reference */
	struct toe_mem *mem; /* host memory descriptor (referenced) */
	u64 offset; /* buffer start within mem */
	u32 length;
	u32 threshold; /* return at this many bytes (<= length) */
	u32 bytes; /* total byte count placed so far */
	u32 timeout_ms; /* 0 = none */
	u64 posted_us;
	u64 user_ref; /* reference number */
	struct toe_timer timer; /* the timeout */
	u8 udp_hdr[8]; /* UDP: the datagram's header bytes */
	u8 udp_hdr_len; /* UDP: 8 once a datagram is in */
	u8 seen_flags; /* TOE_SEGF_* of data placed in it */
	u16 reserved;
	u32 peer_ip; /* UDP: the datagram's source */
	u16 peer_port;
	u16 ev_flags; /* TOE_EVF_* */
};

/* ---- Anonymous buffers ------------------------------------------------------- */

/* A buffer of an owner's anonymous pool (the seed's anonymous buffer list). */
struct toe_anon_buf {
	struct toe_anon_buf *next;
	struct toe_mem *mem; /* referenced while the engine holds it */
	u64 off;
	u32 len;
	u32 id; /* the host's name for it */
	u32 bytes; /* filled so far (while attached to a socket) */
	u8 seen_flags;
};

/* ---- Send requests --------------------------------------------------------------- */

/*
 * One host send request. The engine never copies send data: the frames it
 * builds point into mem until the bytes are acknowledged (TCP) or handed
 * to the port (UDP). TCP queues these in its control block through
 * link/prev and owns their order; toe_send_complete() ends one.
 */
struct toe_send_desc {
	struct toe_send_desc *next;
	struct toe_send_desc *prev;
	struct toe_mem *mem; /* referenced until completion */
	u64 off;
	u32 len;
	u32 flags; /* TOE_SEND_* */
	u64 user_ref;
	u32 dst_ip; /* UDP */
	u16 dst_port;
	u16 reserved;
	u32 done; /* TCP's bookkeeping: bytes acknowledged so far */
	u32 sent; /* TCP's bookkeeping: bytes transmitted at least once */
	u32 seq; /* TCP's bookkeeping: sequence number of the first byte */
	u32 attempts; /* UDP: neighbour resolution retries */
};

/* ---- The socket descriptor ---------------------------------------------------- */

/* toe_sock.flags */
#define TOE_SKF_HOST_HELD (1u << 0) /* the host knows the handle */
#define TOE_SKF_HOST_CLOSED (1u << 1) /* close/abort/release requested */
#define TOE_SKF_CLOSED_SENT (1u << 2) /* TOE_EV_CLOSED emitted */
#define TOE_SKF_RD_SHUT (1u << 3) /* host shut down reading */
#define TOE_SKF_WR_SHUT (1u << 4) /* host shut down writing */
#define TOE_SKF_ANON (1u << 5) /* anonymous delivery */
#define TOE_SKF_L2_OK (1u << 6) /* remote_mac is resolved */
#define TOE_SKF_BOUND (1u << 7) /* local ip:port fixed */
#define TOE_SKF_CONNECTED (1u << 8) /* remote ip:port fixed */
#define TOE_SKF_LISTENING (1u << 9)
#define TOE_SKF_RX_FIN (1u << 10) /* FIN queued behind parked data */
#define TOE_SKF_RX_DONE (1u << 11) /* FIN delivered or reset: no more data */
#define TOE_SKF_REUSEADDR (1u << 12)
#define TOE_SKF_IN_ACCEPTQ (1u << 13) /* on the parent's ready queue */
#define TOE_SKF_CONNECTING (1u << 14) /* TCP connect waits for the L2 */
#define TOE_SKF_FREEING (1u << 15)

struct toe_accept_req {
	struct toe_accept_req *next;
	u64 user_ref;
};

struct toe_sock {
	/* -- read by classify under RCU: keep first -- */
	struct toe_sock *flow_next; /* 5-tuple hash chain */
	struct toe_sock *bind_next; /* local ip:port hash chain */
	u32 local_ip; /* host order */
	u32 remote_ip;
	u16 local_port;
	u16 remote_port;
	u8 proto; /* TOE_PROTO_TCP / TOE_PROTO_UDP */
	u8 in_flow; /* linked in the 5-tuple table */
	u8 in_bind; /* linked in the bind table */
	u8 listening; /* accepts SYNs (TCP listener) or datagrams (UDP) */

	/* -- identity (the seed's socket descriptor) -- */
	u32 handle; /* index | generation << TOE_HANDLE_INDEX_BITS, < 2^31 */
	u32 owner; /* application context, TOE_OWNER_NONE when detached */
	u64 user_ref; /* socket reference number */
	u32 flags; /* TOE_SKF_* */
	u8 remote_mac[6]; /* next hop (from resolve_l2 or the SYN) */
	u8 tos;
	u8 ttl; /* 0 = engine default */
	u32 linger_s; /* TOE_OPT_LINGER */
	struct toe_os_rcu_head rcu;

	/* owner's socket list (for toe_owner_release) */
	struct toe_sock *owner_next;
	struct toe_sock *owner_prev;

	/* named buffer descriptor list */
	struct toe_named_buf *nb_head;
	struct toe_named_buf *nb_tail;
	u32 nb_count;
	u32 nb_space; /* unfilled bytes in posted buffers */

	/* segment list: in-order data waiting for a named buffer */
	struct toe_seg_list rxq;
	u32 buflets_held; /* by rxq and by TCP's out-of-order queue */

	/* anonymous delivery: the buffer being filled, and the owner's
	 * queue of sockets with parked data waiting for anonymous buffers
	 */
	struct toe_anon_buf *anon_cur;
	struct toe_sock *anon_wait_next;
	u8 anon_waiting;

	/* why no more data will come (TOE_SKF_RX_DONE): the reason posted
	 * buffers are returned with at once, and its status
	 */
	u8 rx_done_reason;
	s32 rx_done_status;

	/* sends */
	u32 sends_pending; /* descriptors handed out, not yet completed */
	struct toe_send_desc *udp_l2_head; /* UDP sends waiting for the L2 */
	struct toe_send_desc *udp_l2_tail;

	/* listener */
	struct toe_sock *parent; /* child: its listener until accepted */
	struct toe_sock *acc_next; /* child: listener's ready queue */
	struct toe_sock *acc_head; /* listener: established, not accepted */
	struct toe_sock *acc_tail;
	u32 acc_count;
	u32 backlog;
	struct toe_accept_req *areq_head; /* listener: accept requests */
	struct toe_accept_req *areq_tail;
	u32 areq_count;
	u32 children; /* listener: children not yet accepted (any state) */
	struct toe_sock *child_head; /* listener: those children */
	struct toe_sock *child_next; /* child: sibling links */
	struct toe_sock *child_prev;

	/* neighbour resolution retries */
	struct toe_timer l2_timer;
	u32 l2_attempts;

	/* statistics */
	u64 bytes_placed;
	u64 bytes_parked;
	u64 created_us;

	/* the protocol's control block (engine-tcp's, tcp.h) */
	struct toe_tcp_cb tcp;
};

#define TOE_HANDLE_INDEX_BITS 20
#define TOE_HANDLE_INDEX_MASK ((1u << TOE_HANDLE_INDEX_BITS) - 1)
#define TOE_MAX_SOCKETS_LIMIT TOE_HANDLE_INDEX_MASK

static inline bool toe_sock_host_closed(const struct toe_sock *sk)
{
	return sk->flags & TOE_SKF_HOST_CLOSED;
}

/* The host will read no more: data arriving now is discarded. */
static inline bool toe_sock_rx_shut(const struct toe_sock *sk)
{
	return sk->flags & (TOE_SKF_RD_SHUT | TOE_SKF_HOST_CLOSED);
}

#ifdef __cplusplus
}
#endif

#endif /* TOE_SOCK_H */
