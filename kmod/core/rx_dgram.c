// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Receive placement of UDP datagrams: each goes whole into the first named
 * buffer (truncated and flagged when larger), or an anonymous buffer, with
 * its header bytes and source; without either it waits in buflets, in
 * order, until a buffer is posted.
 */
#include "engine_priv.h"
#include "toe_bytes.h"

/* One datagram, from a frame or from its parked segment. */
struct dgram {
	const u8 *iph;
	const u8 *uh;
	u32 len; /* payload bytes */
	const struct toe_pkt *pkt; /* or: */
	const struct toe_buflet *seg;
};

static u32 dgram_copy(const struct dgram *d, struct toe_mem *mem, u64 moff,
		      u32 n)
{
	const struct toe_buflet *b;
	u32 done = 0;

	if (d->pkt)
		return toe_pkt_payload_to_mem(d->pkt, 0, mem, moff, n) ? 0 : n;
	for (b = d->seg; b && done < n; b = b->next) {
		u32 c = TOE_MIN(b->byte_count, n - done);

		if (toe_os_mem_write(mem, moff + done,
				     b->data + b->byte_offset, c))
			break;
		done += c;
	}
	return done;
}

/* Puts a datagram into the head named buffer, or an anonymous buffer;
 * false when neither is there.
 */
static bool dgram_deliver(struct toe_engine *eng, struct toe_sock *sk,
			  const struct dgram *d)
{
	struct toe_named_buf *nb = sk->nb_head;
	struct toe_anon_buf *ab = NULL;
	struct toe_event ev;
	u32 done;

	if (!nb) {
		if (!toe_sock_anon_enabled(sk))
			return false;
		ab = toe_anon_take(eng, sk->owner);
		if (!ab) {
			TOE_CTR_INC(eng, drop_anon_empty);
			return false;
		}
	}
	if (nb) {
		done = dgram_copy(d, nb->mem, nb->offset,
				  TOE_MIN(d->len, nb->length));
		nb->bytes = done;
		sk->nb_space -= done;
		nb->udp_hdr_len = 8;
		memcpy(nb->udp_hdr, d->uh, 8);
		nb->peer_ip = toe_get_be32(d->iph + 12);
		nb->peer_port = toe_get_be16(d->uh);
		if (d->len > nb->length)
			nb->ev_flags |= TOE_EVF_TRUNCATED;
	} else {
		done = dgram_copy(d, ab->mem, ab->off, TOE_MIN(d->len, ab->len));
	}
	sk->bytes_placed += done;
	TOE_CTR_ADD(eng, bytes_placed, done);
	TOE_CTR_ADD(eng, bytes_copied, done);
	if (nb) {
		toe_nb_return(eng, sk, nb, TOE_RET_DATAGRAM, 0);
		return true;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = TOE_EV_RECV_ANON;
	ev.reason = TOE_RET_DATAGRAM;
	ev.sock = sk->handle;
	ev.sock_ref = sk->user_ref;
	ev.anon_id = ab->id;
	ev.bytes = done;
	ev.flags = d->len > ab->len ? TOE_EVF_TRUNCATED : 0;
	ev.peer_ip = toe_get_be32(d->iph + 12);
	ev.peer_port = toe_get_be16(d->uh);
	ev.udp_hdr_len = 8;
	memcpy(ev.udp_hdr, d->uh, 8);
	toe_emit(eng, sk->owner, &ev);
	TOE_CTR_INC(eng, anon_returned);
	toe_os_mem_put(ab->mem);
	toe_os_free(ab);
	return true;
}

/* Parked datagrams, oldest first, into the buffers now available. */
void toe_rx_drain_datagrams(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_seg_list *q = &sk->rxq;

	while (q->head) {
		struct toe_buflet *seg = q->head;
		struct dgram d = {
			.iph = seg->data + seg->l3_off,
			.uh = seg->data + seg->l4_off,
			.len = seg->seg_len,
			.seg = seg,
		};

		if (!dgram_deliver(eng, sk, &d))
			break;
		q->head = seg->next_seg;
		q->bytes -= seg->seg_len;
		q->segs--;
		if (!q->head)
			q->tail = q->last = NULL;
		toe_buflet_seg_free(eng, sk, seg);
	}
	if (!q->head && sk->anon_waiting)
		toe_anon_unwait(eng, sk);
}

void toe_udp_deliver(struct toe_engine *eng, struct toe_sock *sk,
		     const struct toe_pkt *pkt)
{
	struct toe_seg_list *q = &sk->rxq;
	struct toe_buflet *seg;
	struct dgram d = {
		.iph = pkt->ip,
		.uh = pkt->l4,
		.len = pkt->payload_len,
		.pkt = pkt,
	};

	if (toe_sock_rx_shut(sk)) {
		TOE_CTR_ADD(eng, drop_rx_shutdown, pkt->payload_len);
		toe_sock_trace(eng, sk, TOE_TRACE_DROP, TOE_DROP_RX_SHUTDOWN, 0,
			       pkt->payload_len);
		return;
	}
	/* Straight from the frame when nothing waits before it. */
	if (!q->head && dgram_deliver(eng, sk, &d))
		return;
	seg = toe_buflet_seg_from_datagram(eng, sk, pkt);
	if (!seg) {
		TOE_CTR_INC(eng, drop_udp_no_room);
		toe_sock_trace(eng, sk, TOE_TRACE_DROP, TOE_DROP_UDP_NO_ROOM, 0,
			       pkt->payload_len);
		return;
	}
	if (q->tail)
		q->tail->next_seg = seg;
	else
		q->head = seg;
	q->tail = seg;
	q->last = seg;
	q->bytes += seg->seg_len;
	q->segs++;
	sk->bytes_parked += seg->seg_len;
	TOE_CTR_ADD(eng, bytes_parked, seg->seg_len);
	if (toe_sock_anon_enabled(sk))
		toe_anon_wait(eng, sk);
}
