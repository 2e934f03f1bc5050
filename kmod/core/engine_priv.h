/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Declarations shared by the engine core's own files only (not by TCP):
 * owners and their anonymous pools, the buflet pool, receive-side and UDP
 * entry points, socket allocation.
 */
#ifndef TOE_ENGINE_PRIV_H
#define TOE_ENGINE_PRIV_H

#include "engine.h"

/* An application context: its sockets and its anonymous buffer pool. */
struct toe_owner {
	struct toe_owner *hnext;
	u32 id;
	u32 nr_socks;
	struct toe_sock *socks; /* via owner_next/owner_prev */
	struct toe_anon_buf *anon_head; /* the anonymous buffer list */
	struct toe_anon_buf *anon_tail;
	u32 anon_count;
	u64 anon_bytes; /* their total length */
	struct toe_sock *wait_head; /* anon sockets with parked data */
	struct toe_sock *wait_tail;
	u8 releasing; /* toe_owner_release() runs: keep the object */
};

/* owner.c */
int toe_owners_init(struct toe_engine *eng);
void toe_owners_destroy(struct toe_engine *eng);
struct toe_owner *toe_owner_find(struct toe_engine *eng, u32 id);
struct toe_owner *toe_owner_get(struct toe_engine *eng, u32 id);
void toe_owner_maybe_free(struct toe_engine *eng, struct toe_owner *o);
void toe_owner_link_sock(struct toe_engine *eng, struct toe_sock *sk);
void toe_owner_unlink_sock(struct toe_engine *eng, struct toe_sock *sk);
struct toe_anon_buf *toe_anon_take(struct toe_engine *eng, u32 owner);
void toe_anon_wait(struct toe_engine *eng, struct toe_sock *sk);
void toe_anon_unwait(struct toe_engine *eng, struct toe_sock *sk);

/* buflet.c */
int toe_buflet_pool_init(struct toe_buflet_pool *pool, u32 count, u32 size);
void toe_buflet_pool_destroy(struct toe_buflet_pool *pool);
/* One buflet charged to sk (NULL when the pool or sk's bound is out). */
struct toe_buflet *toe_buflet_alloc(struct toe_engine *eng,
				    struct toe_sock *sk);
/* One for in-order TCP bytes inside the advertised window: the bound is
 * twice sk's, as the window may count named space that has since gone.
 */
struct toe_buflet *toe_buflet_alloc_in_window(struct toe_engine *eng,
					      struct toe_sock *sk);
void toe_buflet_free(struct toe_engine *eng, struct toe_sock *sk,
		     struct toe_buflet *b);
/* Buflets sk may still take. */
u32 toe_buflets_allowed(const struct toe_engine *eng,
			const struct toe_sock *sk);
/* A UDP datagram, headers included, as one segment. */
struct toe_buflet *toe_buflet_seg_from_datagram(struct toe_engine *eng,
						struct toe_sock *sk,
						const struct toe_pkt *pkt);

/* rx_place.c */
int toe_rx_post(struct toe_engine *eng, struct toe_sock *sk,
		const struct toe_named_buffer_req *req);
/* Places parked data into newly available buffers. */
void toe_rx_drain(struct toe_engine *eng, struct toe_sock *sk);
/* Returns nb to the host with reason and status (rx_place.c). */
void toe_nb_return(struct toe_engine *eng, struct toe_sock *sk,
		   struct toe_named_buf *nb, u16 reason, int status);
/* Places parked datagrams into newly available buffers (rx_dgram.c). */
void toe_rx_drain_datagrams(struct toe_engine *eng, struct toe_sock *sk);
/* Returns every posted buffer with reason/status, drops parked data and
 * the anonymous buffer in use (returned with its bytes).
 */
void toe_rx_flush(struct toe_engine *eng, struct toe_sock *sk, u16 reason,
		  int status);
void toe_anon_return(struct toe_engine *eng, struct toe_sock *sk,
		     struct toe_anon_buf *ab, u16 reason, int status);

/* A datagram for sk (rx_place.c). */
void toe_udp_deliver(struct toe_engine *eng, struct toe_sock *sk,
		     const struct toe_pkt *pkt);

/* udp.c */
void toe_udp_input(struct toe_engine *eng, struct toe_sock *sk,
		   const struct toe_pkt *pkt);
int toe_udp_send(struct toe_engine *eng, struct toe_sock *sk,
		 struct toe_send_desc *d);
/* Fails every send waiting for the next hop with status. */
void toe_udp_fail_pending(struct toe_engine *eng, struct toe_sock *sk,
			  int status);
void toe_udp_l2_retry(struct toe_engine *eng, struct toe_sock *sk);

/* flow.c */
/* Whether any socket holds proto:port in the bind table. */
bool toe_bind_port_used(struct toe_engine *eng, u8 proto, u16 port);
/* Any socket bound to proto, local_ip (or the wildcard), local_port. */
struct toe_sock *toe_bind_lookup(struct toe_engine *eng, u8 proto,
				 u32 local_ip, u16 local_port);
/* classify's lookup: RCU read side only, writes nothing. */
bool toe_flow_classify(const struct toe_engine *eng,
		       const struct toe_pkt *pkt);
/* The same for an exact 5-tuple only (an ICMP error's quoted segment). */
bool toe_flow_classify_tuple(const struct toe_engine *eng, u8 proto,
			     u32 local_ip, u16 local_port, u32 remote_ip,
			     u16 remote_port);

/* icmp.c */
/* classify: TOE_RX_SHARE for an ICMP error about one of our flows. */
int toe_icmp_classify(const struct toe_engine *eng,
		      const struct toe_pkt *pkt);
/* input: hands the ICMP error to its connection; a TOE_RX_* result. */
int toe_icmp_input(struct toe_engine *eng, const struct toe_pkt *pkt);

/* sock.c */
struct toe_sock *toe_sock_alloc(struct toe_engine *eng, u8 proto);
/* A free local port for proto: unused by the bind table and, when
 * remote_ip is nonzero, giving a unique 5-tuple. 0 when none is left.
 */
u16 toe_port_pick(struct toe_engine *eng, u8 proto, u32 local_ip,
		  u32 remote_ip, u16 remote_port);
struct toe_send_desc *toe_send_desc_alloc(struct toe_engine *eng,
					  struct toe_sock *sk,
					  const struct toe_send_req *req);
void toe_sock_free_all(struct toe_engine *eng);
/* Frees a send request that never got going (no event). */
void toe_send_desc_discard(struct toe_engine *eng, struct toe_sock *sk,
			   struct toe_send_desc *d);
/* Arms the neighbour retry timer (connect, UDP sends) if idle. */
void toe_sock_l2_schedule(struct toe_engine *eng, struct toe_sock *sk);
/* A connect failed before TCP started: unlink, TOE_EV_CONNECTED(status). */
void toe_sock_connect_fail(struct toe_engine *eng, struct toe_sock *sk,
			   int status);
/* A host accept request on listener l. */
int toe_sock_accept_request(struct toe_engine *eng, struct toe_sock *l,
			    u64 user_ref);

/* owner of a socket's events: nobody once detached */
static inline bool toe_sock_host_visible(const struct toe_sock *sk)
{
	return (sk->flags & TOE_SKF_HOST_HELD) &&
	       !(sk->flags & TOE_SKF_CLOSED_SENT) &&
	       sk->owner != TOE_OWNER_NONE;
}

/* The socket takes anonymous buffers when no named buffer is posted. */
static inline bool toe_sock_anon_enabled(const struct toe_sock *sk)
{
	return (sk->flags & TOE_SKF_ANON) && (sk->flags & TOE_SKF_HOST_HELD);
}

#endif /* TOE_ENGINE_PRIV_H */
