// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Sending a range again: the head after duplicate or partial ACKs, the
 * ranges loss recovery and the tail loss probe pick, one new segment for a
 * probe, and the whole flight at a smaller path MTU. Each goes out from
 * the send requests' own bytes (tcp_output.c builds the segments) and
 * leaves snd_nxt where new data continues.
 */
#include "tcp_int.h"

/*
 * Retransmits the first unacknowledged segment (fast retransmit, partial
 * ACK, or a timeout with the window shut) without moving snd_nxt.
 */
void toe_tcp_retransmit_head(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 avail = toe_seq_lt(tp->snd_una, tp->snd_end) ?
			    tp->snd_end - tp->snd_una : 0;
	u32 len = avail < tp->mss ? avail : tp->mss;
	bool fin = (tp->flags & TOE_TCB_FIN_SENT) && len == avail;

	toe_tcp_retransmit_range(eng, sk, tp->snd_una, tp->snd_una + len + fin);
}

int toe_tcp_retransmit_range(struct toe_engine *eng, struct toe_sock *sk,
			     u32 start, u32 end)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_seg_out so = {
		.seq = start,
		.ack = tp->rcv_nxt,
		.flags = TOE_TCPF_ACK,
	};
	u32 data_end = toe_seq_lt(end, tp->snd_end) ? end : tp->snd_end;
	u32 len = toe_seq_lt(start, data_end) ? data_end - start : 0;
	bool fin = (tp->flags & TOE_TCB_FIN_SENT) &&
		   toe_seq_gt(end, tp->snd_end);
	int rc;

	if (!len && !fin)
		return 0;
	if (fin)
		so.flags |= TOE_TCPF_FIN;
	so.len = len;
	so.gso_size = tp->mss;
	rc = toe_tcp_emit(eng, sk, &so);
	if (rc < 0)
		return rc;
	if ((u32)rc < len) {
		len = (u32)rc;
		fin = false;
	}
	toe_tcp_sent_range(eng, sk, start, len, fin);
	if (toe_seq_lt(tp->snd_nxt, start + len + fin))
		tp->snd_nxt = start + len + fin;
	return (int)(len + fin);
}

void toe_tcp_send_new_segment(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_seg_out so = {
		.seq = tp->snd_nxt,
		.ack = tp->rcv_nxt,
		.flags = TOE_TCPF_ACK,
	};
	u32 avail = toe_seq_lt(tp->snd_nxt, tp->snd_end) ?
			    tp->snd_end - tp->snd_nxt :
			    0;
	u32 outstanding = tp->snd_nxt - tp->snd_una;
	u32 wnd = tp->snd_wnd > outstanding ? tp->snd_wnd - outstanding : 0;
	u32 len = avail < tp->mss ? avail : tp->mss;
	int rc;

	if (!toe_tcp_can_send_data(tp->state) || tp->snd_nxt != tp->snd_max ||
	    !len || len > wnd)
		return;
	so.len = len;
	rc = toe_tcp_emit(eng, sk, &so);
	if (rc <= 0)
		return;
	toe_tcp_sent_range(eng, sk, so.seq, (u32)rc, false);
	tp->snd_nxt = so.seq + (u32)rc;
}

/*
 * Sends [snd_una, end) again in segments of the current MSS, without
 * moving snd_nxt back and without asking cwnd: what a smaller path MTU
 * lost (ICMP, a lost PLPMTUD probe) was in flight already, and its loss
 * is no sign of congestion (RFC 1191, RFC 4821 7.6.2).
 */
void toe_tcp_resend_flight(struct toe_engine *eng, struct toe_sock *sk,
			   u32 end)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 seq = tp->snd_una;

	if (!toe_tcp_can_send_data(tp->state) || !tp->mss)
		return;
	if (toe_seq_gt(end, tp->snd_max))
		end = tp->snd_max;
	while (toe_seq_lt(seq, end)) {
		struct toe_tcp_seg_out so = {
			.seq = seq,
			.ack = tp->rcv_nxt,
			.flags = TOE_TCPF_ACK,
		};
		u32 data_end = toe_seq_lt(tp->snd_end, end) ? tp->snd_end : end;
		u32 len = toe_seq_lt(seq, data_end) ? data_end - seq : 0;
		bool fin;
		int rc;

		if (len > tp->mss)
			len = tp->mss;
		/* The FIN sits at snd_end. */
		fin = (tp->flags & TOE_TCB_FIN_SENT) &&
		      seq + len == tp->snd_end && toe_seq_gt(end, tp->snd_end);
		if (!len && !fin)
			break;
		if (fin)
			so.flags |= TOE_TCPF_FIN;
		so.len = len;
		rc = toe_tcp_emit(eng, sk, &so);
		if (rc >= 0 && (u32)rc < len) {
			len = (u32)rc;
			fin = false;
		}
		toe_tcp_sent_range(eng, sk, seq, len, fin);
		seq += len + fin;
		if (rc < 0)
			break;
	}
	if (toe_seq_lt(tp->snd_nxt, seq))
		tp->snd_nxt = seq;
}
