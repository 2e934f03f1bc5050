// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The out-of-order queue: segments beyond rcv_nxt, held in buflets (the
 * engine's memory, charged to the socket like parked data) in sequence
 * order without overlaps, until the gap before them fills.
 *
 * Overlaps are resolved on insertion: bytes already held win over the new
 * copy of the same bytes, so a segment is never copied twice, and queued
 * segments that the new one covers entirely are replaced by it.
 */
#include "tcp_int.h"

static u32 seg_end(const struct toe_buflet *seg)
{
	return seg->seq + seg->seg_len;
}

static void ooo_unlink(struct toe_tcp_cb *tp, struct toe_buflet *prev,
		       struct toe_buflet *seg)
{
	if (prev)
		prev->next_seg = seg->next_seg;
	else
		tp->ooo_head = seg->next_seg;
	seg->next_seg = NULL;
	tp->ooo_bytes -= seg->seg_len;
	tp->ooo_segs--;
}

void toe_tcp_reass_insert(struct toe_engine *eng, struct toe_sock *sk,
			  const struct toe_pkt *pkt, u32 off, u32 len, u32 seq,
			  u32 seg_flags)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_buflet *prev = NULL, *cur = tp->ooo_head, *seg;
	u32 end = seq + len;

	/* prev: the last queued segment starting at or before seq. */
	while (cur && toe_seq_leq(cur->seq, seq)) {
		prev = cur;
		cur = cur->next_seg;
	}
	if (prev && toe_seq_gt(seg_end(prev), seq)) {
		u32 dup = seg_end(prev) - seq;

		if (dup >= len) {
			TOE_TCP_STAT_INC(eng, sk, dup_segs_in);
			toe_tcp_sack_rx_dsack(tp, seq, end);
			return; /* all held already */
		}
		toe_tcp_sack_rx_dsack(tp, seq, seq + dup);
		off += dup;
		len -= dup;
		seq += dup;
	}
	/* Queued segments inside the new one go; it replaces them. */
	while (cur && toe_seq_leq(seg_end(cur), end)) {
		struct toe_buflet *next = cur->next_seg;

		ooo_unlink(tp, prev, cur);
		toe_buflet_seg_free(eng, sk, cur);
		cur = next;
	}
	/* One that starts inside keeps its bytes; the new one stops there. */
	if (cur && toe_seq_gt(end, cur->seq)) {
		len = cur->seq - seq;
		end = cur->seq;
	}
	if (!len)
		return;
	seg = toe_buflet_seg_from_pkt(eng, sk, pkt, off, len, seq, seg_flags);
	if (!seg) {
		/* No buflet to hold it: the peer will send it again. */
		TOE_CTR_INC(eng, drop_no_buflet);
		toe_sock_trace(eng, sk, TOE_TRACE_DROP, TOE_DROP_NO_BUFLET, seq,
			       len);
		return;
	}
	seg->next_seg = cur;
	if (prev)
		prev->next_seg = seg;
	else
		tp->ooo_head = seg;
	tp->ooo_bytes += len;
	tp->ooo_segs++;
}

bool toe_tcp_reass_drain(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_buflet *seg;

	while ((seg = tp->ooo_head) && toe_seq_leq(seg->seq, tp->rcv_nxt)) {
		u32 len;

		ooo_unlink(tp, NULL, seg);
		if (toe_seq_leq(seg_end(seg), tp->rcv_nxt)) {
			toe_buflet_seg_free(eng, sk, seg);
			continue;
		}
		if (toe_seq_lt(seg->seq, tp->rcv_nxt)) {
			seg = toe_buflet_seg_trim_front(eng, sk, seg,
							tp->rcv_nxt - seg->seq);
			if (!seg)
				continue;
		}
		len = seg->seg_len;
		toe_rx_place_seg(eng, sk, seg);
		tp->rcv_nxt += len;
		tp->rcv_unacked += len;
		TOE_TCP_STAT_ADD(eng, sk, bytes_in, len);
	}
	if ((tp->flags & TOE_TCB_OOO_FIN) && tp->ooo_fin_seq == tp->rcv_nxt) {
		tp->flags &= ~TOE_TCB_OOO_FIN;
		return true;
	}
	return false;
}

void toe_tcp_reass_purge(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	while (tp->ooo_head) {
		struct toe_buflet *seg = tp->ooo_head;

		ooo_unlink(tp, NULL, seg);
		toe_buflet_seg_free(eng, sk, seg);
	}
	tp->ooo_bytes = 0;
	tp->ooo_segs = 0;
	/* What the blocks reported is gone (reneging, RFC 2018 section 8). */
	toe_tcp_sack_rx_clear(tp);
}
