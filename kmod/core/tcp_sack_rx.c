// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The SACK blocks our ACKs carry (RFC 2018 section 4) and D-SACK
 * (RFC 2883).
 *
 * The blocks are kept, not recomputed per ACK: the out-of-order queue can
 * hold hundreds of segments, and an ACK goes out far more often than a
 * segment joins that queue. Each arrival finds its run in the queue once.
 */
#include "tcp_int.h"

static bool blocks_touch(const struct toe_tcp_sack_block *a, u32 start,
			 u32 end)
{
	return toe_seq_leq(a->start, end) && toe_seq_leq(start, a->end);
}

/* The contiguous run of queued segments that holds seq. */
static bool ooo_run(const struct toe_tcp_cb *tp, u32 seq,
		    struct toe_tcp_sack_block *run)
{
	const struct toe_buflet *seg;
	bool have = false, found = false;

	for (seg = tp->ooo_head; seg; seg = seg->next_seg) {
		u32 end = seg->seq + seg->seg_len;

		if (have && seg->seq == run->end) {
			run->end = end;
		} else {
			if (found)
				break;
			run->start = seg->seq;
			run->end = end;
			have = true;
		}
		if (toe_seq_leq(run->start, seq) && toe_seq_lt(seq, run->end))
			found = true;
	}
	return found;
}

/* The run holding seq becomes the first block (RFC 2018 section 4). */
void toe_tcp_sack_rx_note(struct toe_tcp_cb *tp, u32 seq)
{
	struct toe_tcp_sack_rx *rx = &tp->sack_rx;
	struct toe_tcp_sack_block run = { 0, 0 };
	struct toe_tcp_sack_block older[TOE_TCP_MAX_SACK_BLOCKS];
	u32 i, n = 0;

	if (!(tp->flags & TOE_TCB_SACK_OK) || !ooo_run(tp, seq, &run))
		return;
	for (i = 0; i < rx->nr; i++) {
		if (blocks_touch(&rx->blocks[i], run.start, run.end) ||
		    toe_seq_leq(rx->blocks[i].end, tp->rcv_nxt))
			continue;
		if (n + 1 < TOE_TCP_MAX_SACK_BLOCKS)
			older[n++] = rx->blocks[i];
	}
	rx->blocks[0] = run;
	for (i = 0; i < n; i++)
		rx->blocks[1 + i] = older[i];
	rx->nr = (u8)(n + 1);
}

void toe_tcp_sack_rx_dsack(struct toe_tcp_cb *tp, u32 start, u32 end)
{
	struct toe_tcp_sack_rx *rx = &tp->sack_rx;

	if (!(tp->flags & TOE_TCB_SACK_OK) || !toe_seq_lt(start, end))
		return;
	rx->dsack = true;
	rx->dsack_block.start = start;
	rx->dsack_block.end = end;
}

void toe_tcp_sack_rx_clear(struct toe_tcp_cb *tp)
{
	tp->sack_rx.nr = 0;
}

bool toe_tcp_sack_rx_pending(const struct toe_tcp_cb *tp)
{
	return (tp->flags & TOE_TCB_SACK_OK) &&
	       (tp->sack_rx.nr || tp->sack_rx.dsack);
}

u32 toe_tcp_sack_rx_build(struct toe_engine *eng, struct toe_sock *sk, u8 *buf,
			  u32 room, bool *complete)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_sack_rx *rx = &tp->sack_rx;
	struct toe_tcp_sack_block out[TOE_TCP_MAX_SACK_BLOCKS];
	u32 i, n = 0, keep = 0, fit, want;
	bool dsack = false;

	/* Blocks the cumulative ACK has passed are done with. */
	for (i = 0; i < rx->nr; i++)
		if (toe_seq_gt(rx->blocks[i].end, tp->rcv_nxt))
			rx->blocks[keep++] = rx->blocks[i];
	rx->nr = (u8)keep;
	want = rx->nr + rx->dsack;
	*complete = true;
	if (!want)
		return 0;
	fit = room >= TOE_TCP_SACK_OPTLEN(1) ?
		      (room - TOE_TCP_SACK_OPTLEN(0)) / 8 :
		      0;
	if (fit > TOE_TCP_MAX_SACK_BLOCKS)
		fit = TOE_TCP_MAX_SACK_BLOCKS;
	if (fit < want)
		*complete = false;
	if (!fit)
		return 0;
	if (rx->dsack) {
		out[n++] = rx->dsack_block;
		dsack = true;
	}
	for (i = 0; i < rx->nr && n < fit; i++)
		out[n++] = rx->blocks[i];
	if (dsack) {
		rx->dsack = false;
		TOE_TCP_STAT_INC(eng, sk, dsacks_out);
	}
	TOE_TCP_STAT_ADD(eng, sk, sack_blocks_out, n);
	return toe_tcp_opts_build_sack(buf, out, n);
}
