/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The engine's internal interface: what the protocol code (TCP in tcp_*.c,
 * UDP in udp.c) uses from the engine core, and the engine object itself.
 *
 * All functions run on the engine thread. Sockets are passed as pointers
 * here; handles only appear at the host boundary (the public API).
 *
 * Division of labour between the core and TCP:
 *   core -> TCP   toe_tcp_input / toe_tcp_listen_input for each segment;
 *                 toe_tcp_connect once the next hop is resolved;
 *                 toe_tcp_send / close / abort / shutdown / setopt /
 *                 getopt for host requests; toe_tcp_on_buffer_posted after
 *                 the receive space grew; toe_tcp_release before a socket
 *                 is freed; toe_tcp_get_info for introspection.
 *   TCP -> core   everything declared below: flow table, child sockets and
 *                 the accept queue, timers, frame output, receive
 *                 placement and the window, buflets for out-of-order data,
 *                 events, send completions, counters, socket free.
 */
#ifndef TOE_ENGINE_INTERNAL_H
#define TOE_ENGINE_INTERNAL_H

#include "toe_engine.h"
#include "pkt.h"
#include "sock.h"
#include "timer.h"

#ifdef __cplusplus
extern "C" {
#endif

struct toe_owner;

/* ---- The engine object ------------------------------------------------------- */

struct toe_buflet_pool {
	u8 *mem; /* buflet_count cells of cell_size bytes */
	struct toe_buflet *free_list; /* the seed's free buflet list */
	u32 count;
	u32 free;
	u32 cell_size; /* header + data */
	u32 data_size; /* buflet_size */
};

struct toe_engine {
	struct toe_engine_config cfg;
	struct toe_port_ops ops;
	void *port;

	/* handles: slot index -> socket, with a generation per slot */
	struct toe_sock **slots;
	u16 *slot_gen;
	u32 *slot_free; /* stack of free slot indices */
	u32 slot_free_top;
	u32 nr_slots;

	/* flow table: exact 5-tuple, and bound local ip:port (listeners,
	 * UDP); buckets are RCU-published chains
	 */
	struct toe_sock **flow_buckets;
	struct toe_sock **bind_buckets;
	u32 flow_mask;
	u32 bind_mask;
	u32 hash_seed;

	struct toe_buflet_pool buflets;
	struct toe_timer_wheel wheel;

	/* owners, hashed by id */
	struct toe_owner **owner_buckets;
	u32 owner_mask;

	u64 prng_state;
	u16 ip_id;
	u16 next_ephemeral;
	u32 local_ips[TOE_MAX_LOCAL_IPS]; /* RCU-read by classify */
	u32 nr_local_ips;

	u32 time_wait; /* maintained by TCP through the helpers below */
	u32 syn_queue;
	u32 nr_sockets;
	u32 nr_listeners;
	u32 nr_owners;

	struct toe_engine_counters ctr;
	struct toe_tcp_engine tcp; /* TCP's engine-wide state (tcp.h) */
	bool quiet; /* being destroyed: no events */

	/* frames are built here: one engine thread, no stack bloat */
	struct toe_tx_frame tx_frame;
};

/* The engine's configuration and counters, for the protocol code. */
#define TOE_CTR_INC(eng, field) ((eng)->ctr.field++)
#define TOE_CTR_ADD(eng, field, n) ((eng)->ctr.field += (n))

/* 32 random bits from the engine's seeded generator. */
u32 toe_engine_random32(struct toe_engine *eng);

/* Whether ip is one of the engine's local addresses. */
bool toe_engine_is_local_ip(const struct toe_engine *eng, u32 ip);

/* ---- Sockets ---------------------------------------------------------------------- */

/* The socket behind a host handle, or NULL when the handle is unknown,
 * stale, not owner's, or already closed by the host.
 */
struct toe_sock *toe_sock_lookup(struct toe_engine *eng, u32 owner,
				 u32 handle);

/* The socket behind a handle for any owner (introspection), or NULL. */
struct toe_sock *toe_sock_lookup_any(struct toe_engine *eng, u32 handle);

/*
 * Passive open: a new TCP socket for the connection pkt (a SYN) asks
 * listener for. It takes the 5-tuple from pkt, the next hop from
 * resolve_l2 (or pkt's source MAC while resolution is pending), and is
 * linked in the flow table, so its further segments reach
 * toe_tcp_input(). The host does not see it until it is accepted.
 * toe_tcp_sock_init() has run on it. -ENOMEM/-ENOSPC (no socket slots)/
 * -EHOSTUNREACH.
 */
int toe_sock_create_child(struct toe_engine *eng, struct toe_sock *listener,
			  const struct toe_pkt *pkt, struct toe_sock **out);

/* Whether listener's ready queue holds backlog connections already. */
bool toe_sock_accept_queue_full(const struct toe_sock *listener);

/*
 * The child finished its handshake: hand it to an accept request (emits
 * TOE_EV_ACCEPT; the child becomes host-held by the listener's owner) or
 * queue it until one comes. -ENOBUFS when the ready queue is full (TCP
 * then resets the child). Data arriving before the accept is parked in
 * buflets as usual.
 */
int toe_sock_accept_ready(struct toe_engine *eng, struct toe_sock *child);

/*
 * The protocol is done with sk: unlinks it from the flow table, the
 * listener's queues and its owner, returns any buffer still posted
 * (TOE_RET_CLOSED), emits TOE_EV_CLOSED if the host held it and did not
 * get it yet, calls toe_tcp_release(), and frees it (after an RCU grace
 * period). The pointer is invalid afterwards. TCP calls this for CLOSED
 * sockets the host has closed, for children never accepted, and at the
 * end of TIME_WAIT.
 */
void toe_sock_free(struct toe_engine *eng, struct toe_sock *sk);

/* ---- Flow table ---------------------------------------------------------------- */

/* Links sk by its 5-tuple (local/remote ip and port, proto). -EADDRINUSE
 * when another socket has that 5-tuple.
 */
int toe_flow_insert(struct toe_engine *eng, struct toe_sock *sk);
void toe_flow_remove(struct toe_engine *eng, struct toe_sock *sk);

/* Links sk by its local ip:port (ip may be 0 = any); -EADDRINUSE. */
int toe_bind_insert(struct toe_engine *eng, struct toe_sock *sk);
void toe_bind_remove(struct toe_engine *eng, struct toe_sock *sk);

/* Exact 5-tuple lookup (engine thread). */
struct toe_sock *toe_flow_lookup(struct toe_engine *eng, u8 proto,
				 u32 local_ip, u16 local_port, u32 remote_ip,
				 u16 remote_port);

/* The listener (TCP) or bound socket (UDP) for local ip:port: exact ip
 * first, then the wildcard. Only sockets with listening set count.
 */
struct toe_sock *toe_listener_lookup(struct toe_engine *eng, u8 proto,
				     u32 local_ip, u16 local_port);

/* ---- Timers: see timer.h (toe_timer_init/arm/arm_in/cancel/pending) -------- */

/* ---- Output ------------------------------------------------------------------------- */

/* An L4 header plus payload for toe_ip_output(). */
struct toe_l4_out {
	const u8 *hdr; /* TCP/UDP header incl. options, checksum field 0 */
	u32 hdr_len;
	const struct toe_tx_frag *frags; /* payload in host memory */
	u32 nr_frags;
	u32 payload_len; /* must equal the fragments' total */
	u32 gso_size; /* TCP: MSS for a super-frame, 0 = one segment */
	u8 proto; /* TOE_PROTO_TCP / TOE_PROTO_UDP */
	u8 tos; /* 0 = the socket's */
	u8 ttl; /* 0 = the socket's / the engine's */
	u8 df; /* set the don't-fragment bit */
};

/* Where a frame goes when no socket describes it (e.g. an RST answer). */
struct toe_l3_addr {
	u32 src_ip;
	u32 dst_ip;
	u8 dst_mac[6];
	u16 reserved;
};

/*
 * Builds Ethernet (+802.1Q when the engine has a VLAN) and IPv4 headers for
 * sk's addresses in front of l4 and transmits through the port. The L4
 * checksum is left partial for the port when it offers
 * TOE_TXF_CSUM_PARTIAL and completed here otherwise (reading the payload
 * from host memory); UDP checksums are always completed. gso_size needs
 * TOE_TXF_GSO_TCPV4 and payload_len <= gso_max_size, else -EINVAL.
 * Returns 0, -EHOSTUNREACH (next hop not resolved), -EMSGSIZE, -EINVAL
 * or the port's error; counts frames_out/tx_errors.
 */
int toe_ip_output(struct toe_engine *eng, const struct toe_sock *sk,
		  const struct toe_l4_out *l4);

/* The same for an explicit address (RSTs for segments with no socket). */
int toe_ip_output_addr(struct toe_engine *eng, const struct toe_l3_addr *a,
		       const struct toe_l4_out *l4);

/* The reverse path of a received packet: our address, its source, and its
 * source MAC as the next hop.
 */
void toe_pkt_reply_addr(const struct toe_pkt *pkt, struct toe_l3_addr *a);

/* Largest TCP/UDP payload per frame on this link (MTU - IP header - L4
 * header without options).
 */
u32 toe_engine_mtu(const struct toe_engine *eng);

/* Whether the port segments TCP super-frames, and the largest one. */
u32 toe_engine_gso_max(const struct toe_engine *eng);

/* ---- Neighbour resolution ----------------------------------------------------- */

/* Resolves sk->remote_ip's next hop into sk->remote_mac. 0, -EAGAIN or
 * -EHOSTUNREACH.
 */
int toe_sock_resolve_l2(struct toe_engine *eng, struct toe_sock *sk);

/* ---- Receive placement (the seed's flow) ----------------------------------- */

/*
 * Delivers in-order payload bytes [off, off + len) of pkt (offsets relative
 * to pkt's payload) to sk: copied straight into the first named buffer
 * (or the anonymous buffer for anon-delivery sockets), and what does not
 * fit is parked in buflets on the socket's segment list, to be placed when
 * a buffer is posted. flags (TOE_SEGF_PSH/URG/FIN) apply at the end of the
 * range: PSH/URG return the buffer holding the last byte, FIN returns the
 * buffers and, once every byte before it is delivered, emits
 * TOE_EV_PEER_CLOSED (TCP must not emit that itself).
 *
 * Returns the bytes accepted, 0..len: fewer than len only when buflets
 * ran out (the pool or the socket's bound), and then FIN was not accepted
 * either. TCP advances rcv_nxt by the return value (plus one for an
 * accepted FIN). After the host shut down reading, data is discarded and
 * counted but reported accepted.
 */
u32 toe_rx_place(struct toe_engine *eng, struct toe_sock *sk,
		 const struct toe_pkt *pkt, u32 off, u32 len, u32 flags);

/*
 * The same for a segment TCP held in buflets (its out-of-order queue) that
 * is now in order: sk takes the buflets over (no copy when parking) or
 * copies them into named buffers and frees them. seg must be a single
 * segment (next_seg NULL); its seg_flags apply. Always accepts it all.
 */
void toe_rx_place_seg(struct toe_engine *eng, struct toe_sock *sk,
		      struct toe_buflet *seg);

/* A FIN with no data, in order: like toe_rx_place() with len 0. */
void toe_rx_fin(struct toe_engine *eng, struct toe_sock *sk);

/* The connection was reset (or failed): every posted buffer comes back
 * with TOE_RET_RST and status, parked data is dropped, the anonymous
 * buffer in use is returned. No more data will be placed.
 */
void toe_rx_reset(struct toe_engine *eng, struct toe_sock *sk, int status);

/*
 * Receive space, in bytes, sk can take right now: the unfilled space of
 * its posted named buffers (or, with anonymous delivery, of the pool) plus
 * what its share of free buflets can hold, minus the parked data. TCP
 * derives the advertised window from it and must not advertise more.
 */
u32 toe_rx_space(const struct toe_engine *eng, const struct toe_sock *sk);

/* ---- Buflets (TCP's out-of-order queue) ------------------------------------- */

/*
 * Copies payload bytes [off, off + len) of pkt into a new buflet segment
 * charged to sk, with seq and seg_flags set. NULL when the pool or sk's
 * bound (sock_buflets_max) has too few buflets: the data must be dropped.
 */
struct toe_buflet *toe_buflet_seg_from_pkt(struct toe_engine *eng,
					   struct toe_sock *sk,
					   const struct toe_pkt *pkt, u32 off,
					   u32 len, u32 seq, u32 seg_flags);

/* Frees a segment's buflets (one segment: next_seg is ignored). */
void toe_buflet_seg_free(struct toe_engine *eng, struct toe_sock *sk,
			 struct toe_buflet *seg);

/* Drops the first n data bytes of a segment (seq advances); returns the
 * segment's new first buflet, or NULL if nothing is left (all freed).
 */
struct toe_buflet *toe_buflet_seg_trim_front(struct toe_engine *eng,
					     struct toe_sock *sk,
					     struct toe_buflet *seg, u32 n);

/* Drops the last n data bytes of a segment; NULL if nothing is left. */
struct toe_buflet *toe_buflet_seg_trim_back(struct toe_engine *eng,
					    struct toe_sock *sk,
					    struct toe_buflet *seg, u32 n);

/* Copies a segment's bytes [off, off + len) out (tests, checks). */
int toe_buflet_seg_copy(const struct toe_buflet *seg, u32 off, void *dst,
			u32 len);

/* Buflets a segment of len bytes needs; buflets free in the pool. */
u32 toe_buflets_for(const struct toe_engine *eng, u32 len);
u32 toe_buflets_free(const struct toe_engine *eng);

/* ---- Events and completions ---------------------------------------------------- */

/* Emits ev to owner (counts it). */
void toe_emit(struct toe_engine *eng, u32 owner, const struct toe_event *ev);

/* Emits a socket event of type with status, filling sock, sock_ref and the
 * peer address. Nothing is emitted for sockets the host does not hold.
 */
void toe_sock_event(struct toe_engine *eng, struct toe_sock *sk, u16 type,
		    int status);

/* Tells the port's trace hook, if it has one, about a retransmission or a
 * drop (kind, reason) of [seq, seq + len) on sk.
 */
void toe_sock_trace(struct toe_engine *eng, const struct toe_sock *sk,
		    u16 kind, u16 reason, u32 seq, u32 len);

/* Convenience: TOE_EV_CONNECTED with status (TCP calls it when the
 * handshake completes or fails).
 */
void toe_sock_connected(struct toe_engine *eng, struct toe_sock *sk,
			int status);

/*
 * Completes a send request: emits TOE_EV_SEND (bytes, status), drops its
 * memory reference, frees d. TCP calls it when the request's last byte is
 * acknowledged, or with an error when the connection dies with the
 * request pending. d must be unlinked from TCP's queue already.
 */
void toe_send_complete(struct toe_engine *eng, struct toe_sock *sk,
		       struct toe_send_desc *d, u32 bytes, int status);

/*
 * The host closed sk and the protocol has nothing more to report to it:
 * every send request completed (sends_pending is 0), e.g. our FIN was
 * acknowledged. Emits TOE_EV_CLOSED with status once, and detaches sk
 * from its owner (the slot stays until toe_sock_free(), e.g. through
 * TIME_WAIT). Does nothing before the host closed sk. Idempotent;
 * toe_sock_free() calls it too.
 */
void toe_sock_host_detach(struct toe_engine *eng, struct toe_sock *sk,
			  int status);

/* ---- Counters TCP keeps up to date ------------------------------------------- */

static inline void toe_engine_time_wait_inc(struct toe_engine *eng)
{
	eng->time_wait++;
}

static inline void toe_engine_time_wait_dec(struct toe_engine *eng)
{
	if (!TOE_WARN_ON(eng->time_wait == 0))
		eng->time_wait--;
}

static inline void toe_engine_syn_queue_inc(struct toe_engine *eng)
{
	eng->syn_queue++;
}

static inline void toe_engine_syn_queue_dec(struct toe_engine *eng)
{
	if (!TOE_WARN_ON(eng->syn_queue == 0))
		eng->syn_queue--;
}

#ifdef __cplusplus
}
#endif

#endif /* TOE_ENGINE_INTERNAL_H */
