// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Receive placement, the seed's flow: in-order payload goes straight from
 * the received frame into the first available named buffer (the only copy
 * of payload into host memory); what finds no buffer is parked in buflets
 * on the socket's segment list and placed when a buffer is posted. A named
 * buffer comes back to the host when its threshold is reached, it is full,
 * PSH or URG data lands in it, FIN or RST arrives, its timeout expires, or
 * its socket goes away.
 *
 * Sockets that opted in to anonymous delivery take the owner's anonymous
 * buffers when no named buffer is posted. Datagrams are placed by
 * rx_dgram.c.
 */
#include "engine_priv.h"
#include "toe_bytes.h"

/* ---- Named buffer descriptors --------------------------------------------- */

static void nb_unlink(struct toe_sock *sk, struct toe_named_buf *nb)
{
	if (nb->prev)
		nb->prev->next = nb->next;
	else
		sk->nb_head = nb->next;
	if (nb->next)
		nb->next->prev = nb->prev;
	else
		sk->nb_tail = nb->prev;
	nb->next = NULL;
	nb->prev = NULL;
	sk->nb_count--;
	sk->nb_space -= nb->length - nb->bytes;
}

/* Hands a named buffer back to the host and forgets it. */
void toe_nb_return(struct toe_engine *eng, struct toe_sock *sk,
		   struct toe_named_buf *nb, u16 reason, int status)
{
	struct toe_event ev;

	nb_unlink(sk, nb);
	toe_timer_cancel(eng, &nb->timer);
	if (toe_sock_host_visible(sk)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = TOE_EV_RECV;
		ev.reason = reason;
		ev.status = status;
		ev.sock = sk->handle;
		ev.sock_ref = sk->user_ref;
		ev.buf_ref = nb->user_ref;
		ev.bytes = nb->bytes;
		ev.flags = nb->ev_flags;
		if (sk->proto == TOE_PROTO_UDP) {
			ev.peer_ip = nb->peer_ip;
			ev.peer_port = nb->peer_port;
			ev.udp_hdr_len = nb->udp_hdr_len;
			memcpy(ev.udp_hdr, nb->udp_hdr, sizeof(ev.udp_hdr));
		} else {
			ev.peer_ip = sk->remote_ip;
			ev.peer_port = sk->remote_port;
		}
		toe_emit(eng, sk->owner, &ev);
	}
	TOE_CTR_INC(eng, named_returned);
	toe_os_mem_put(nb->mem);
	toe_os_free(nb);
}

static void nb_timeout(struct toe_engine *eng, struct toe_sock *sk,
		       struct toe_timer *t)
{
	struct toe_named_buf *nb =
		toe_container_of(t, struct toe_named_buf, timer);

	toe_nb_return(eng, sk, nb, TOE_RET_TIMEOUT, 0);
	if (sk->proto == TOE_PROTO_TCP)
		toe_tcp_on_buffer_posted(eng, sk);
}

/* ---- Anonymous buffers ---------------------------------------------------------- */

void toe_anon_return(struct toe_engine *eng, struct toe_sock *sk,
		     struct toe_anon_buf *ab, u16 reason, int status)
{
	struct toe_event ev;
	u32 owner = sk ? sk->owner : TOE_OWNER_NONE;

	memset(&ev, 0, sizeof(ev));
	ev.type = TOE_EV_RECV_ANON;
	ev.reason = reason;
	ev.status = status;
	ev.anon_id = ab->id;
	ev.bytes = ab->bytes;
	if (sk) {
		ev.sock = sk->handle;
		ev.sock_ref = sk->user_ref;
		ev.peer_ip = sk->remote_ip;
		ev.peer_port = sk->remote_port;
		if (sk->anon_cur == ab)
			sk->anon_cur = NULL;
	}
	if (owner != TOE_OWNER_NONE)
		toe_emit(eng, owner, &ev);
	TOE_CTR_INC(eng, anon_returned);
	toe_os_mem_put(ab->mem);
	toe_os_free(ab);
}

/* ---- The place data goes ----------------------------------------------------- */

/*
 * Where data is copied from: a span of a received frame's payload, or a
 * chain of buflets.
 */
struct rx_src {
	const struct toe_pkt *pkt;
	u32 off; /* pkt payload offset */
	struct toe_buflet *b; /* buflet source: current buflet */
};

static int src_to_mem(struct rx_src *src, struct toe_mem *mem, u64 moff,
		      u32 n)
{
	int err;

	if (src->pkt) {
		err = toe_pkt_payload_to_mem(src->pkt, src->off, mem, moff, n);
		if (!err)
			src->off += n;
		return err;
	}
	/* buflet source: n never crosses the current buflet */
	err = toe_os_mem_write(mem, moff,
			       src->b->data + src->b->byte_offset, n);
	if (!err) {
		src->b->byte_offset += n;
		src->b->byte_count -= n;
	}
	return err;
}

static u32 src_chunk(const struct rx_src *src, u32 want)
{
	return src->pkt ? want : TOE_MIN(want, src->b->byte_count);
}

/*
 * Copies up to len bytes from src into the socket's named buffers (head
 * first), returning buffers as they fill or reach their threshold. Returns
 * the bytes placed; *last gets the buffer holding the last byte placed, if
 * it is still posted.
 */
static u32 place_named(struct toe_engine *eng, struct toe_sock *sk,
		       struct rx_src *src, u32 len, u8 flags,
		       struct toe_named_buf **last)
{
	u32 placed = 0;

	*last = NULL;
	while (placed < len && sk->nb_head) {
		struct toe_named_buf *nb = sk->nb_head;
		u32 room = nb->length - nb->bytes;
		u32 n = src_chunk(src, TOE_MIN(room, len - placed));

		if (!n)
			break;
		if (src_to_mem(src, nb->mem, nb->offset + nb->bytes, n)) {
			/* The region vanished under us: give it back. */
			toe_nb_return(eng, sk, nb, TOE_RET_CLOSED, -EFAULT);
			continue;
		}
		nb->bytes += n;
		sk->nb_space -= n;
		placed += n;
		sk->bytes_placed += n;
		TOE_CTR_ADD(eng, bytes_placed, n);
		TOE_CTR_ADD(eng, bytes_copied, n);
		*last = nb;
		if (nb->bytes == nb->length) {
			toe_nb_return(eng, sk, nb, TOE_RET_FULL, 0);
			*last = NULL;
		} else if (nb->bytes >= nb->threshold) {
			toe_nb_return(eng, sk, nb, TOE_RET_THRESHOLD, 0);
			*last = NULL;
		}
	}
	return placed;
}

/* The same into anonymous buffers from the owner's pool. */
static u32 place_anon(struct toe_engine *eng, struct toe_sock *sk,
		      struct rx_src *src, u32 len)
{
	u32 placed = 0;

	while (placed < len) {
		struct toe_anon_buf *ab = sk->anon_cur;
		u32 n;

		if (!ab) {
			ab = toe_anon_take(eng, sk->owner);
			if (!ab) {
				TOE_CTR_INC(eng, drop_anon_empty);
				break;
			}
			ab->bytes = 0;
			ab->seen_flags = 0;
			sk->anon_cur = ab;
		}
		n = src_chunk(src, TOE_MIN(ab->len - ab->bytes, len - placed));
		if (!n)
			break;
		if (src_to_mem(src, ab->mem, ab->off + ab->bytes, n)) {
			toe_anon_return(eng, sk, ab, TOE_RET_CLOSED, -EFAULT);
			continue;
		}
		ab->bytes += n;
		placed += n;
		sk->bytes_placed += n;
		TOE_CTR_ADD(eng, bytes_placed, n);
		TOE_CTR_ADD(eng, bytes_copied, n);
		if (ab->bytes == ab->len)
			toe_anon_return(eng, sk, ab, TOE_RET_FULL, 0);
	}
	return placed;
}

/* A delivery batch ended: an anonymous buffer in use goes up now, so data
 * never waits in it for more to come.
 */
static void anon_batch_end(struct toe_engine *eng, struct toe_sock *sk,
			   u8 flags)
{
	u16 reason = 0;

	if (!sk->anon_cur || !sk->anon_cur->bytes)
		return;
	if (flags & TOE_SEGF_FIN)
		reason = TOE_RET_FIN;
	else if (flags & TOE_SEGF_URG)
		reason = TOE_RET_URG;
	else if (flags & TOE_SEGF_PSH)
		reason = TOE_RET_PSH;
	toe_anon_return(eng, sk, sk->anon_cur, reason, 0);
}

/* PSH/URG at the end of placed data return the buffer holding it. */
static void apply_end_flags(struct toe_engine *eng, struct toe_sock *sk,
			    struct toe_named_buf *last, u8 flags)
{
	if (!last || last != sk->nb_head || !last->bytes)
		return;
	if (flags & TOE_SEGF_URG)
		toe_nb_return(eng, sk, last, TOE_RET_URG, 0);
	else if (flags & TOE_SEGF_PSH)
		toe_nb_return(eng, sk, last, TOE_RET_PSH, 0);
}

/* ---- Parking in buflets -------------------------------------------------------- */

/* Appends n bytes from src to the TCP segment list (coalescing into the
 * last buflet). Returns the bytes parked.
 */
static u32 park_stream(struct toe_engine *eng, struct toe_sock *sk,
		       const struct toe_pkt *pkt, u32 off, u32 len, u8 flags)
{
	struct toe_seg_list *q = &sk->rxq;
	u32 size = eng->buflets.data_size;
	u32 parked = 0;

	while (parked < len) {
		struct toe_buflet *b = q->last;
		u32 end = b ? b->byte_offset + b->byte_count : size;
		u32 n;

		if (!b || end == size) {
			b = toe_buflet_alloc_in_window(eng, sk);
			if (!b) {
				TOE_CTR_INC(eng, drop_no_buflet);
				toe_sock_trace(eng, sk, TOE_TRACE_DROP,
					       TOE_DROP_NO_BUFLET,
					       pkt->seq + off + parked,
					       len - parked);
				break;
			}
			if (q->last)
				q->last->next = b;
			else
				q->head = q->tail = b;
			q->last = b;
			end = 0;
		}
		n = TOE_MIN(size - end, len - parked);
		if (toe_pkt_copy_payload(pkt, off + parked, b->data + end, n))
			break;
		if (!b->byte_count)
			b->byte_offset = end;
		b->byte_count += n;
		parked += n;
	}
	if (parked) {
		q->bytes += parked;
		if (q->tail)
			q->tail->seg_len = q->bytes;
		if (parked == len)
			q->last->seg_flags |= flags & (TOE_SEGF_PSH | TOE_SEGF_URG);
		sk->bytes_parked += parked;
		TOE_CTR_ADD(eng, bytes_parked, parked);
		if (toe_sock_anon_enabled(sk))
			toe_anon_wait(eng, sk);
	}
	return parked;
}

/* Moves a buflet chain onto the end of the TCP segment list. */
static void park_chain(struct toe_engine *eng, struct toe_sock *sk,
		       struct toe_buflet *b)
{
	struct toe_seg_list *q = &sk->rxq;
	u32 bytes = 0;
	struct toe_buflet *last = b;

	for (; last; last = last->next) {
		bytes += last->byte_count;
		last->next_seg = NULL;
		if (!last->next)
			break;
	}
	if (q->last)
		q->last->next = b;
	else
		q->head = q->tail = b;
	q->last = last;
	q->bytes += bytes;
	q->tail->seg_len = q->bytes;
	sk->bytes_parked += bytes;
	TOE_CTR_ADD(eng, bytes_parked, bytes);
	if (toe_sock_anon_enabled(sk))
		toe_anon_wait(eng, sk);
}

static void rxq_free(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_buflet *seg = sk->rxq.head;

	while (seg) {
		/* UDP segments chain by next_seg; TCP is one chain. */
		struct toe_buflet *next_seg = seg->next_seg;

		toe_buflet_seg_free(eng, sk, seg);
		seg = next_seg;
	}
	memset(&sk->rxq, 0, sizeof(sk->rxq));
}

/* ---- FIN and reset -------------------------------------------------------------- */

static void rx_done(struct toe_engine *eng, struct toe_sock *sk, u16 reason,
		    int status)
{
	sk->flags |= TOE_SKF_RX_DONE;
	sk->flags &= ~TOE_SKF_RX_FIN;
	sk->rx_done_reason = (u8)reason;
	sk->rx_done_status = status;
	if (sk->anon_waiting)
		toe_anon_unwait(eng, sk);
	while (sk->nb_head)
		toe_nb_return(eng, sk, sk->nb_head, reason, status);
	if (sk->anon_cur)
		toe_anon_return(eng, sk, sk->anon_cur, reason, status);
}

/* Every byte before the FIN is in host memory: tell the host. */
static void fin_deliver(struct toe_engine *eng, struct toe_sock *sk)
{
	rx_done(eng, sk, TOE_RET_FIN, 0);
	toe_sock_event(eng, sk, TOE_EV_PEER_CLOSED, 0);
}

void toe_rx_fin(struct toe_engine *eng, struct toe_sock *sk)
{
	if (sk->flags & TOE_SKF_RX_DONE)
		return;
	if (sk->rxq.bytes)
		sk->flags |= TOE_SKF_RX_FIN;
	else
		fin_deliver(eng, sk);
}

void toe_rx_reset(struct toe_engine *eng, struct toe_sock *sk, int status)
{
	rxq_free(eng, sk);
	rx_done(eng, sk, TOE_RET_RST, status);
}

void toe_rx_flush(struct toe_engine *eng, struct toe_sock *sk, u16 reason,
		  int status)
{
	if (sk->anon_waiting)
		toe_anon_unwait(eng, sk);
	rxq_free(eng, sk);
	while (sk->nb_head)
		toe_nb_return(eng, sk, sk->nb_head, reason, status);
	if (sk->anon_cur)
		toe_anon_return(eng, sk, sk->anon_cur, reason, status);
}

/* ---- TCP placement ----------------------------------------------------------------- */

u32 toe_rx_place(struct toe_engine *eng, struct toe_sock *sk,
		 const struct toe_pkt *pkt, u32 off, u32 len, u32 flags)
{
	struct toe_named_buf *last = NULL;
	struct rx_src src = { .pkt = pkt, .off = off };
	u32 placed = 0;
	u32 accepted;

	if (off > pkt->payload_len || len > pkt->payload_len - off)
		return 0;
	if (sk->flags & TOE_SKF_RX_DONE)
		return 0; /* nothing after FIN or reset */
	if (toe_sock_rx_shut(sk)) {
		if (len) {
			TOE_CTR_ADD(eng, drop_rx_shutdown, len);
			toe_sock_trace(eng, sk, TOE_TRACE_DROP,
				       TOE_DROP_RX_SHUTDOWN, pkt->seq + off, len);
		}
		if (flags & TOE_SEGF_FIN)
			toe_rx_fin(eng, sk);
		return len;
	}
	/* Parked data first: the stream keeps its order. */
	if (!sk->rxq.bytes) {
		placed = place_named(eng, sk, &src, len, (u8)flags, &last);
		if (placed < len && toe_sock_anon_enabled(sk))
			placed += place_anon(eng, sk, &src, len - placed);
	}
	accepted = placed;
	if (placed < len)
		accepted += park_stream(eng, sk, pkt, off + placed,
					len - placed, (u8)flags);
	else
		apply_end_flags(eng, sk, last, (u8)flags);
	if (toe_sock_anon_enabled(sk))
		anon_batch_end(eng, sk, accepted == len ? (u8)flags : 0);
	if (accepted == len && (flags & TOE_SEGF_FIN))
		toe_rx_fin(eng, sk);
	return accepted;
}

void toe_rx_place_seg(struct toe_engine *eng, struct toe_sock *sk,
		      struct toe_buflet *seg)
{
	u8 flags = seg->seg_flags;
	u32 len = seg->seg_len;
	struct toe_named_buf *last = NULL;
	struct rx_src src = { .b = seg };

	if (TOE_WARN_ON(seg->next_seg))
		seg->next_seg = NULL;
	if (sk->flags & TOE_SKF_RX_DONE) {
		toe_buflet_seg_free(eng, sk, seg);
		return;
	}
	if (toe_sock_rx_shut(sk)) {
		TOE_CTR_ADD(eng, drop_rx_shutdown, len);
		toe_buflet_seg_free(eng, sk, seg);
		if (flags & TOE_SEGF_FIN)
			toe_rx_fin(eng, sk);
		return;
	}
	seg->seg_flags = 0;
	if (!sk->rxq.bytes) {
		/* Straight into host buffers, buflet by buflet. */
		while (src.b) {
			struct toe_buflet *b = src.b;
			u32 left = b->byte_count;

			if (left) {
				left -= place_named(eng, sk, &src, left, flags,
						    &last);
				if (left && toe_sock_anon_enabled(sk))
					left -= place_anon(eng, sk, &src, left);
			}
			if (left)
				break;
			src.b = b->next;
			toe_buflet_free(eng, sk, b);
		}
	}
	if (src.b) {
		/* The rest waits on the segment list, without a copy. */
		struct toe_buflet *b;

		for (b = src.b; b->next; b = b->next)
			;
		b->seg_flags |= flags & (TOE_SEGF_PSH | TOE_SEGF_URG);
		park_chain(eng, sk, src.b);
	} else {
		apply_end_flags(eng, sk, last, flags);
	}
	if (toe_sock_anon_enabled(sk))
		anon_batch_end(eng, sk, src.b ? 0 : flags);
	if (flags & TOE_SEGF_FIN)
		toe_rx_fin(eng, sk);
}

/* Places parked stream data into the buffers that became available. */
static void drain_stream(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_seg_list *q = &sk->rxq;
	struct toe_named_buf *last = NULL;
	u8 flags = 0;
	bool anon = toe_sock_anon_enabled(sk);

	while (q->head) {
		struct toe_buflet *b = q->head;
		struct rx_src src = { .b = b };
		u32 left = b->byte_count;
		u32 n = 0;

		if (left) {
			n = place_named(eng, sk, &src, left, 0, &last);
			if (n < left && anon)
				n += place_anon(eng, sk, &src, left - n);
		}
		q->bytes -= n;
		if (n < left)
			break;
		flags |= b->seg_flags;
		q->head = b->next;
		if (!q->head)
			q->last = NULL;
		toe_buflet_free(eng, sk, b);
	}
	q->tail = q->head;
	if (q->tail) {
		q->tail->seg_len = q->bytes;
		return;
	}
	q->bytes = 0;
	if (sk->anon_waiting)
		toe_anon_unwait(eng, sk);
	apply_end_flags(eng, sk, last, flags);
	if (anon)
		anon_batch_end(eng, sk, flags);
	if (sk->flags & TOE_SKF_RX_FIN)
		fin_deliver(eng, sk);
}

/* ---- Posting, draining, window --------------------------------------------------- */

void toe_rx_drain(struct toe_engine *eng, struct toe_sock *sk)
{
	if (!sk->rxq.head) {
		if ((sk->flags & TOE_SKF_RX_FIN) && sk->proto == TOE_PROTO_TCP)
			fin_deliver(eng, sk);
		return;
	}
	if (sk->proto == TOE_PROTO_UDP)
		toe_rx_drain_datagrams(eng, sk);
	else
		drain_stream(eng, sk);
}

int toe_rx_post(struct toe_engine *eng, struct toe_sock *sk,
		const struct toe_named_buffer_req *req)
{
	struct toe_named_buf *nb;
	u32 threshold;

	if (!req || !req->mem || !req->length)
		return -EINVAL;
	if (!toe_os_mem_range_ok(req->mem, req->offset, req->length))
		return -EFAULT;
	threshold = req->threshold ? req->threshold : req->length;
	if (threshold > req->length)
		return -EINVAL;
	if (sk->flags & TOE_SKF_LISTENING)
		return -EINVAL;
	if (toe_sock_rx_shut(sk))
		return -ESHUTDOWN;
	if (sk->nb_count >= eng->cfg.sock_named_max)
		return -ENOBUFS;
	nb = toe_os_zalloc(sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	nb->sk = sk;
	nb->mem = req->mem;
	nb->offset = req->offset;
	nb->length = req->length;
	nb->threshold = threshold;
	nb->timeout_ms = req->timeout_ms;
	nb->user_ref = req->user_ref;
	nb->posted_us = toe_os_now_us();
	toe_timer_init(&nb->timer, nb_timeout, sk);
	toe_os_mem_get(nb->mem);

	nb->prev = sk->nb_tail;
	if (sk->nb_tail)
		sk->nb_tail->next = nb;
	else
		sk->nb_head = nb;
	sk->nb_tail = nb;
	sk->nb_count++;
	sk->nb_space += nb->length;

	if (sk->flags & TOE_SKF_RX_DONE) {
		/* No more data will come: straight back. */
		toe_nb_return(eng, sk, nb, sk->rx_done_reason,
			  sk->rx_done_status);
		return 0;
	}
	if (nb->timeout_ms)
		toe_timer_arm(eng, &nb->timer,
			      nb->posted_us + (u64)nb->timeout_ms * 1000);
	toe_rx_drain(eng, sk);
	if (sk->proto == TOE_PROTO_TCP)
		toe_tcp_on_buffer_posted(eng, sk);
	return 0;
}

#define TOE_RX_SPACE_MAX (1u << 30)

u32 toe_rx_space(const struct toe_engine *eng, const struct toe_sock *sk)
{
	u64 space = 0;
	u32 size = eng->buflets.data_size;
	const struct toe_buflet *last = sk->rxq.last;

	if (toe_sock_rx_shut(sk))
		return TOE_RX_SPACE_MAX; /* data is discarded on arrival */
	/*
	 * Posted space counts up to one bound of buflets: if it comes back
	 * early, toe_buflet_alloc_in_window() still keeps the promise.
	 */
	if (!sk->rxq.bytes)
		space += TOE_MIN((u64)sk->nb_space,
				 (u64)eng->cfg.sock_buflets_max * size);
	if (last && sk->proto == TOE_PROTO_TCP)
		space += size - (last->byte_offset + last->byte_count);
	space += (u64)toe_buflets_allowed(eng, sk) * size;
	return space > TOE_RX_SPACE_MAX ? TOE_RX_SPACE_MAX : (u32)space;
}
